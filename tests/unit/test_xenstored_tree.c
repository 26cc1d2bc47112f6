/*
 * Unit tests of the XenStore tree (dom0/xenstored/tree.c, path.c, node.c, request.c): the
 * initial tree, READ, WRITE creating parents, MKDIR, RM (recursive, "/" refused), DIRECTORY,
 * DIRECTORY_PART, GET_PERMS and SET_PERMS formats, relative paths and path validation, each
 * answered as Xen 4.17's xenstored answers it. Run as dom0's local client unless said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstored_client.h"

static struct xs_core *core;
static struct client dom0;

static int setup(void **state)
{
	(void)state;
	core = test_core_new();
	client_init(&dom0, xs_core_connect_local(core));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_core_destroy(core);
	return 0;
}

static void initial_tree_is_xens(void **state)
{
	(void)state;
	assert_int_equal(xs_directory(&dom0, 0, "/"), 0);
	assert_string_equal(client_strings(&dom0), "tool|");
	assert_int_equal(xs_directory(&dom0, 0, "/tool"), 0);
	assert_string_equal(client_strings(&dom0), "xenstored|");
	assert_int_equal(xs_read(&dom0, 0, "/tool/xenstored"), 0);
	assert_int_equal(dom0.hdr.len, 0);
	assert_int_equal(xs_get_perms(&dom0, 0, "/"), 0);
	assert_string_equal(client_strings(&dom0), "n0|");
}

static void write_creates_parents_and_reads_back(void **state)
{
	(void)state;
	assert_int_equal(xs_read(&dom0, 0, "/a/b/c"), XENSTORE_ENOENT);
	assert_int_equal(xs_write(&dom0, 0, "/a/b/c", "value"), 0);
	assert_string_equal(client_strings(&dom0), "OK|");
	assert_int_equal(xs_read(&dom0, 0, "/a/b/c"), 0);
	assert_string_equal(dom0.payload, "value");
	assert_int_equal(xs_read(&dom0, 0, "/a/b"), 0);
	assert_int_equal(dom0.hdr.len, 0);
	assert_int_equal(xs_directory(&dom0, 0, "/"), 0);
	assert_string_equal(client_strings(&dom0), "tool|a|");
	assert_int_equal(xs_directory(&dom0, 0, "/a/b"), 0);
	assert_string_equal(client_strings(&dom0), "c|");
	/* Overwrite, and a value with NULs in it. */
	assert_int_equal(
		client_call(&dom0, XS_WRITE, 0, (const char *const[]){"/a/b/c"}, 1, "x\0y", 3), 0);
	assert_int_equal(xs_read(&dom0, 0, "/a/b/c"), 0);
	assert_int_equal(dom0.hdr.len, 3);
	assert_memory_equal(dom0.payload, "x\0y", 3);
	/* Children keep creation order. */
	assert_int_equal(xs_write(&dom0, 0, "/a/b/z", ""), 0);
	assert_int_equal(xs_write(&dom0, 0, "/a/b/m", ""), 0);
	assert_int_equal(xs_directory(&dom0, 0, "/a/b"), 0);
	assert_string_equal(client_strings(&dom0), "c|z|m|");
}

static void created_nodes_inherit_nearest_ancestors_perms(void **state)
{
	(void)state;
	assert_int_equal(xs_mkdir(&dom0, 0, "/p"), 0);
	assert_int_equal(xs_set_perms(&dom0, 0, "/p", (const char *const[]){"r3", "w4", NULL}), 0);
	assert_int_equal(xs_write(&dom0, 0, "/p/q/r", "1"), 0);
	assert_int_equal(xs_get_perms(&dom0, 0, "/p/q/r"), 0);
	assert_string_equal(client_strings(&dom0), "r3|w4|"); /* dom0 keeps the owner */
	assert_int_equal(xs_get_perms(&dom0, 0, "/p/q"), 0);
	assert_string_equal(client_strings(&dom0), "r3|w4|");
}

static void mkdir_creates_and_accepts_existing(void **state)
{
	(void)state;
	assert_int_equal(xs_mkdir(&dom0, 0, "/m/n"), 0);
	assert_int_equal(xs_directory(&dom0, 0, "/m"), 0);
	assert_string_equal(client_strings(&dom0), "n|");
	assert_int_equal(xs_write(&dom0, 0, "/m/n", "keep"), 0);
	assert_int_equal(xs_mkdir(&dom0, 0, "/m/n"), 0);
	assert_int_equal(xs_read(&dom0, 0, "/m/n"), 0);
	assert_string_equal(dom0.payload, "keep"); /* MKDIR of an existing node changes nothing */
}

static void rm_is_recursive(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/r/a/b/c", "1"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/r/a/d", "2"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/r/e", "3"), 0);
	assert_int_equal(xs_rm(&dom0, 0, "/r/a"), 0);
	assert_int_equal(xs_read(&dom0, 0, "/r/a/b/c"), XENSTORE_ENOENT);
	assert_int_equal(xs_read(&dom0, 0, "/r/a/d"), XENSTORE_ENOENT);
	assert_int_equal(xs_read(&dom0, 0, "/r/a"), XENSTORE_ENOENT);
	assert_int_equal(xs_directory(&dom0, 0, "/r"), 0);
	assert_string_equal(client_strings(&dom0), "e|");
	/* Gone already: fine if the parent exists, ENOENT if not. */
	assert_int_equal(xs_rm(&dom0, 0, "/r/a"), 0);
	assert_int_equal(xs_rm(&dom0, 0, "/nowhere/x"), XENSTORE_ENOENT);
	/* The root stays. */
	assert_int_equal(xs_rm(&dom0, 0, "/"), XENSTORE_EINVAL);
	assert_int_equal(xs_rm(&dom0, 0, "/r"), 0);
	assert_int_equal(xs_directory(&dom0, 0, "/"), 0);
	assert_string_equal(client_strings(&dom0), "tool|");
}

static void rm_of_a_deep_tree_needs_no_deep_stack(void **state)
{
	char path[XENSTORE_ABS_PATH_MAX + 1] = "/deep";
	size_t len = strlen(path);

	(void)state;
	while (len + 2 <= XENSTORE_REL_PATH_MAX) {
		path[len++] = '/';
		path[len++] = 'x';
		path[len] = '\0';
	}
	assert_int_equal(xs_write(&dom0, 0, path, "bottom"), 0);
	assert_int_equal(xs_rm(&dom0, 0, "/deep"), 0);
	assert_int_equal(xs_directory(&dom0, 0, "/"), 0);
	assert_string_equal(client_strings(&dom0), "tool|");
}

static void relative_paths_start_at_home(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "rel/node", "v"), 0);
	assert_int_equal(xs_read(&dom0, 0, "/local/domain/0/rel/node"), 0);
	assert_string_equal(dom0.payload, "v");
	assert_int_equal(xs_read(&dom0, 0, "rel/node"), 0);
	assert_string_equal(dom0.payload, "v");
}

static void invalid_paths_are_einval(void **state)
{
	char long_path[XENSTORE_ABS_PATH_MAX + 8];

	(void)state;
	assert_int_equal(xs_read(&dom0, 0, "/a//b"), XENSTORE_EINVAL);
	assert_int_equal(xs_write(&dom0, 0, "/a/", "x"), XENSTORE_EINVAL);
	assert_int_equal(xs_write(&dom0, 0, "/a b", "x"), XENSTORE_EINVAL);
	assert_int_equal(xs_write(&dom0, 0, "/a.b", "x"), XENSTORE_EINVAL);
	assert_int_equal(xs_mkdir(&dom0, 0, "@x"), XENSTORE_EINVAL);
	/* 2049 bytes: one past XENSTORE_REL_PATH_MAX for a path outside any home. */
	long_path[0] = '/';
	memset(long_path + 1, 'a', XENSTORE_REL_PATH_MAX);
	long_path[XENSTORE_REL_PATH_MAX + 1] = '\0';
	assert_int_equal(xs_write(&dom0, 0, long_path, "x"), XENSTORE_EINVAL);
	long_path[XENSTORE_REL_PATH_MAX] = '\0';
	assert_int_equal(xs_write(&dom0, 0, long_path, "x"), 0);
	/* Below a home, the limit counts from after /local/domain/<id>/. */
	memcpy(long_path, "/local/domain/7/", 16);
	memset(long_path + 16, 'b', XENSTORE_REL_PATH_MAX);
	long_path[16 + XENSTORE_REL_PATH_MAX] = '\0';
	assert_int_equal(xs_write(&dom0, 0, long_path, "x"), 0);
	long_path[16 + XENSTORE_REL_PATH_MAX] = 'b';
	long_path[17 + XENSTORE_REL_PATH_MAX] = '\0';
	assert_int_equal(xs_write(&dom0, 0, long_path, "x"), XENSTORE_EINVAL);
}

/* The core checks paths itself too, for a transport that skipped the codec's checks. */
static void core_checks_paths_without_the_codec(void **state)
{
	static const char payload[] = "/bad//path";
	struct xenstore_wire_msg msg = {
		.hdr = {.type = XS_READ, .req_id = 7, .len = sizeof(payload)},
		.size = XENSTORE_WIRE_HEADER_SIZE + sizeof(payload),
		.payload = payload,
		.nr_strings = 1,
		.strings_len = sizeof(payload),
		.strings = {payload},
		.raw = payload + sizeof(payload),
	};

	(void)state;
	assert_int_equal(xs_conn_request(dom0.conn, &msg), 0);
	assert_int_equal(client_drain(&dom0), 1);
	assert_int_equal(dom0.hdr.type, XS_ERROR);
	assert_int_equal(dom0.hdr.req_id, 7);
	assert_string_equal(dom0.payload, "EINVAL");
}

static void set_perms_and_get_perms_strings(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/perm", ""), 0);
	assert_int_equal(xs_set_perms(&dom0, 0, "/perm",
				      (const char *const[]){"b5", "n1", "r2", "w65535", NULL}),
			 0);
	assert_int_equal(xs_get_perms(&dom0, 0, "/perm"), 0);
	assert_string_equal(client_strings(&dom0), "b5|n1|r2|w65535|");
	assert_int_equal(xs_set_perms(&dom0, 0, "/perm", (const char *const[]){"x5", NULL}),
			 XENSTORE_EINVAL);
	assert_int_equal(xs_set_perms(&dom0, 0, "/missing", (const char *const[]){"n0", NULL}),
			 XENSTORE_ENOENT);
	assert_int_equal(xs_get_perms(&dom0, 0, "/missing"), XENSTORE_ENOENT);
}

static void directory_too_long_is_e2big_and_directory_part_pages(void **state)
{
	char path[64], joined[8192] = "", expected[8192] = "";
	unsigned long long offset = 0;
	int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/big/child-number-%04d", i);
		assert_int_equal(xs_write(&dom0, 0, path, ""), 0);
		snprintf(path, sizeof(path), "child-number-%04d|", i);
		strcat(expected, path);
	}
	assert_int_equal(xs_directory(&dom0, 0, "/big"), XENSTORE_E2BIG);
	/* DIRECTORY_PART: generation, then whole names, an empty name once complete. */
	for (;;) {
		char offset_text[24];
		const char *part, *gen_end;

		snprintf(offset_text, sizeof(offset_text), "%llu", offset);
		assert_int_equal(client_call(&dom0, XS_DIRECTORY_PART, 0,
					     (const char *const[]){"/big", offset_text}, 2, NULL,
					     0),
				 0);
		assert_true(dom0.hdr.len <= XENSTORE_PAYLOAD_MAX);
		part = client_strings(&dom0);
		gen_end = strchr(part, '|');
		assert_non_null(gen_end);
		if (strcmp(part + strlen(part) - 2, "||") == 0) {
			strncat(joined, gen_end + 1, strlen(gen_end + 1) - 1);
			break;
		}
		strcat(joined, gen_end + 1);
		offset += strlen(gen_end + 1);
	}
	assert_string_equal(joined, expected);
	/* Past the end: the generation and the empty name. */
	assert_int_equal(client_call(&dom0, XS_DIRECTORY_PART, 0,
				     (const char *const[]){"/big", "99999"}, 2, NULL, 0),
			 0);
	assert_int_equal(dom0.payload[strlen(dom0.payload) + 1], '\0');
	assert_int_equal(dom0.hdr.len, strlen(dom0.payload) + 2);
}

static void directory_part_generation_changes_with_the_node(void **state)
{
	char first[XENSTORE_PAYLOAD_MAX + 1];

	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/g/a", ""), 0);
	assert_int_equal(client_call(&dom0, XS_DIRECTORY_PART, 0, (const char *const[]){"/g", "0"},
				     2, NULL, 0),
			 0);
	assert_string_equal(client_strings(&dom0) + strlen(dom0.payload), "|a||");
	snprintf(first, sizeof(first), "%s", dom0.payload);
	assert_int_equal(xs_write(&dom0, 0, "/g/b", ""), 0);
	assert_int_equal(client_call(&dom0, XS_DIRECTORY_PART, 0, (const char *const[]){"/g", "0"},
				     2, NULL, 0),
			 0);
	assert_string_not_equal(dom0.payload, first);
}

static void destroy_returns_every_byte(void **state)
{
	struct client other;

	(void)state;
	client_init(&other, xs_core_connect_local(core));
	assert_int_equal(xs_write(&dom0, 0, "/x/y", "z"), 0);
	assert_int_equal(xs_watch(&other, "/x", "t"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/x/y", "zz"), 0); /* an event left queued */
	xs_conn_close(other.conn);
	assert_true(xs_core_live_bytes(core) > 0);
	/* teardown destroys the core; ASan's leak check proves every block came back */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(initial_tree_is_xens, setup, teardown),
		cmocka_unit_test_setup_teardown(write_creates_parents_and_reads_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(created_nodes_inherit_nearest_ancestors_perms,
						setup, teardown),
		cmocka_unit_test_setup_teardown(mkdir_creates_and_accepts_existing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rm_is_recursive, setup, teardown),
		cmocka_unit_test_setup_teardown(rm_of_a_deep_tree_needs_no_deep_stack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(relative_paths_start_at_home, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_paths_are_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(core_checks_paths_without_the_codec, setup,
						teardown),
		cmocka_unit_test_setup_teardown(set_perms_and_get_perms_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(
			directory_too_long_is_e2big_and_directory_part_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(directory_part_generation_changes_with_the_node,
						setup, teardown),
		cmocka_unit_test_setup_teardown(destroy_returns_every_byte, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
