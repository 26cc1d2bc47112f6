/*
 * Unit tests of the XenStore quotas and memory bounds (dom0/xenstored/domain.c, connection.c,
 * memory.c): Xen 4.17's node-size, node-count, permission-count and memory quotas with their
 * errnos; an unprivileged domain that does not collect its output, or floods others with
 * events, is stalled (not read from) instead of growing dom0's memory; the core never passes
 * its memory cap; and with the allocator failing at every possible point a scripted session
 * neither crashes nor leaks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstored_client.h"

static struct xs_core *core;
static struct client dom0, dom5;

static int setup(void **state)
{
	(void)state;
	core = test_core_new();
	client_init(&dom0, xs_core_connect_local(core));
	client_domain(&dom0, core, 5, &dom5);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_core_destroy(core);
	return 0;
}

static void node_size_quota(void **state)
{
	static char value[4000];

	(void)state;
	/* Xen's record: 24 bytes, 8 per permission, the value, the children: below 2048. */
	memset(value, 'v', 2015);
	value[2015] = '\0';
	assert_int_equal(xs_write(&dom5, 0, "big", value), 0);
	value[2015] = 'v';
	value[2016] = '\0';
	assert_int_equal(xs_write(&dom5, 0, "big", value), XENSTORE_ENOSPC);
	assert_int_equal(xs_write(&dom5, 0, "bigger", value), XENSTORE_ENOSPC);
	assert_int_equal(xs_read(&dom5, 0, "bigger"), XENSTORE_ENOENT); /* nothing half-made */
	/* dom0 writing the same node: no quota. */
	memset(value, 'v', 3999);
	assert_int_equal(xs_write(&dom0, 0, "/local/domain/5/big", value), 0);
}

static void nodes_per_domain_quota(void **state)
{
	char path[32];
	int i;

	(void)state;
	/* The home is 5's already: 999 more, 26 to a directory (lists count as node size). */
	for (i = 0; i < 999; i++) {
		if (i % 26 == 0)
			snprintf(path, sizeof(path), "d%d", i / 26);
		else
			snprintf(path, sizeof(path), "d%d/n%d", i / 26, i);
		assert_int_equal(xs_write(&dom5, 0, path, ""), 0);
	}
	assert_int_equal(xs_write(&dom5, 0, "d0/more", ""), XENSTORE_ENOSPC);
	assert_int_equal(xs_mkdir(&dom5, 0, "d1/more"), XENSTORE_ENOSPC);
	/* Two missing levels when one is left: refused whole. */
	assert_int_equal(xs_rm(&dom5, 0, "d0/n1"), 0);
	assert_int_equal(xs_write(&dom5, 0, "x/y", ""), XENSTORE_ENOSPC);
	assert_int_equal(xs_read(&dom5, 0, "x"), XENSTORE_ENOENT);
	assert_int_equal(xs_write(&dom5, 0, "x", ""), 0);
	/* Nodes dom0 creates in 5's home are 5's but not refused. */
	assert_int_equal(xs_write(&dom0, 0, "/local/domain/5/from-dom0", ""), 0);
}

static void perms_per_node_quota(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom5, 0, "p", ""), 0);
	assert_int_equal(xs_set_perms(&dom5, 0, "p",
				      (const char *const[]){"n5", "r1", "r2", "r3", "r4", NULL}),
			 0);
	assert_int_equal(
		xs_set_perms(&dom5, 0, "p",
			     (const char *const[]){"n5", "r1", "r2", "r3", "r4", "r6", NULL}),
		XENSTORE_ENOSPC);
	assert_int_equal(
		xs_set_perms(&dom0, 0, "/local/domain/5/p",
			     (const char *const[]){"n5", "r1", "r2", "r3", "r4", "r6", NULL}),
		0);
}

static void memory_quota_is_enomem(void **state)
{
	struct xs_config config = {.allocator = test_allocator()};
	struct xs_core *small;
	struct client zero, five;
	static char value[1500];
	char path[32];
	int i, err = 0;

	(void)state;
	xs_default_quotas(&config.quotas);
	config.quotas.memory_per_domain = 64 * 1024;
	small = xs_core_create(&config);
	assert_non_null(small);
	client_init(&zero, xs_core_connect_local(small));
	client_domain(&zero, small, 5, &five);
	memset(value, 'm', sizeof(value) - 1);
	for (i = 0; i < 100 && !err; i++) {
		snprintf(path, sizeof(path), "d%d/n", i);
		err = xs_write(&five, 0, path, value);
	}
	assert_int_equal(err, XENSTORE_ENOMEM);
	assert_true(i > 20); /* about 64 KiB of 1.5 KiB values */
	/* dom0 is not bound. */
	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "/dom0/%d", i);
		assert_int_equal(xs_write(&zero, 0, path, value), 0);
	}
	xs_core_destroy(small);
}

/* Send a write from c without taking any output. */
static int send_write(struct client *c, const char *path)
{
	static uint8_t buf[256];
	struct xsd_sockmsg hdr = {.type = XS_WRITE, .req_id = 1};
	const char *const s[] = {path};
	size_t used;
	int n = xenstore_wire_build(buf, sizeof(buf), &hdr, s, 1, "x", 1);

	return xs_conn_receive(c->conn, buf, (size_t)n, &used);
}

static void a_domain_that_reads_no_replies_is_stalled(void **state)
{
	char path[32];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		assert_int_equal(send_write(&dom5, path), 0);
	}
	assert_false(xs_conn_can_accept(dom5.conn));
	assert_int_equal(send_write(&dom5, "n20"), XS_CONN_STALLED);
	assert_int_equal(xs_conn_queued(dom5.conn), 20);
	client_drain(&dom5);
	assert_true(xs_conn_can_accept(dom5.conn));
	assert_int_equal(send_write(&dom5, "n20"), 0);
	/* dom0 is never stalled. */
	for (i = 0; i < 50; i++)
		assert_int_equal(send_write(&dom0, "/n"), 0);
	assert_true(xs_conn_can_accept(dom0.conn));
}

static void flooding_dom0_with_events_stalls_the_sender(void **state)
{
	struct client lazy;
	char path[32];
	int i;

	(void)state;
	client_init(&lazy, xs_core_connect_local(core));
	assert_int_equal(xs_watch(&lazy, "/local/domain/5", "flood"), 0);
	client_drain(&lazy);
	/* dom5 collects its replies, dom0's watcher never collects its events. */
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof(path), "f%d", i);
		assert_int_equal(xs_write(&dom5, 0, path, "x"), 0);
	}
	assert_int_equal(xs_conn_queued(lazy.conn), 20);
	/* Each queued event keeps its request outstanding: the 21st is not read. */
	assert_int_equal(send_write(&dom5, "f20"), XS_CONN_STALLED);
	client_drain(&lazy);
	assert_int_equal(send_write(&dom5, "f20"), 0);
}

static void the_core_never_passes_its_memory_cap(void **state)
{
	struct xs_config config = {.allocator = test_allocator(), .memory_limit = 256 * 1024};
	struct xs_core *capped = xs_core_create(&config);
	struct client zero;
	static char value[3000];
	char path[32];
	int i, failures = 0;

	(void)state;
	assert_non_null(capped);
	client_init(&zero, xs_core_connect_local(capped));
	memset(value, 'c', sizeof(value) - 1);
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/c/%d", i);
		if (xs_write(&zero, 0, path, value) == XENSTORE_ENOMEM)
			failures++;
		assert_true(xs_core_live_bytes(capped) <= 256 * 1024);
	}
	assert_true(failures > 0);
	xs_core_destroy(capped);
}

/* A session touching every part of the core; errors are fine, crashes and leaks are not. */
static void session(struct xs_core *c)
{
	static const char *const script[][3] = {
		{"W", "/s/a/b", "1"},  {"T", NULL, NULL},   {"W", "/s/t", "2"},
		{"R", "/s/a/b", NULL}, {"E", NULL, NULL},   {"P", "/s/a", NULL},
		{"D", "/s", NULL},     {"X", "/s/a", NULL}, {"I", NULL, NULL},
		{"w", "/s/z", "5"},    {"L", NULL, NULL},
	};
	struct xs_conn *local = xs_core_connect_local(c), *domain;
	static uint8_t buf[XENSTORE_WIRE_MESSAGE_MAX];
	uint32_t tx = 0;
	unsigned int i;

	if (local == NULL)
		return;
	{
		const char *const s[] = {"/s", "tok"};
		struct xsd_sockmsg hdr = {.type = XS_WATCH, .req_id = 1};
		size_t used;
		int n = xenstore_wire_build(buf, sizeof(buf), &hdr, s, 2, NULL, 0);

		xs_conn_receive(local, buf, (size_t)n, &used);
	}
	for (i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		struct xsd_sockmsg hdr = {.req_id = i, .tx_id = tx};
		const char *strings[4] = {script[i][1]};
		unsigned int nr = 1;
		const char *raw = NULL;
		size_t used;
		int n;

		switch (script[i][0][0]) {
		case 'W':
		case 'w':
			hdr.type = XS_WRITE;
			raw = script[i][2];
			break;
		case 'T':
			hdr.type = XS_TRANSACTION_START;
			strings[0] = "";
			break;
		case 'E':
			hdr.type = XS_TRANSACTION_END;
			strings[0] = "T";
			break;
		case 'R':
			hdr.type = XS_READ;
			break;
		case 'P':
			hdr.type = XS_SET_PERMS;
			strings[1] = "n0";
			strings[2] = "r5";
			nr = 3;
			break;
		case 'D':
			hdr.type = XS_DIRECTORY;
			break;
		case 'X':
			hdr.type = XS_RM;
			break;
		case 'I':
			xs_core_introduce(c, 5, 1, 2);
			continue;
		case 'L':
			xs_core_release(c, 5);
			continue;
		}
		domain = script[i][0][0] == 'w' ? xs_core_domain_conn(c, 5) : local;
		if (domain == NULL)
			continue;
		n = xenstore_wire_build(buf, sizeof(buf), &hdr, strings, nr, raw,
					raw != NULL ? strlen(raw) : 0);
		xs_conn_receive(domain, buf, (size_t)n, &used);
		while ((n = xs_conn_next_output(domain, buf, sizeof(buf))) > 0) {
			struct xenstore_wire_msg msg;

			assert_int_equal(
				xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg), 0);
			if (msg.hdr.type == XS_TRANSACTION_START)
				tx = (uint32_t)strtoul(msg.strings[0], NULL, 10);
		}
		if (script[i][0][0] == 'E')
			tx = 0;
	}
}

static void every_allocation_failure_is_survived(void **state)
{
	struct xs_config config = {.allocator = test_allocator()};
	long budget;

	(void)state;
	for (budget = 0; budget < 400; budget++) {
		struct xs_core *c;

		test_alloc_budget = budget;
		c = xs_core_create(&config);
		if (c != NULL) {
			session(c);
			xs_core_destroy(c);
		}
	}
	test_alloc_budget = -1;
	/* With no failure the session runs to its end. */
	core = xs_core_create(&config);
	session(core);
	client_init(&dom0, xs_core_connect_local(core));
	assert_int_equal(xs_read(&dom0, 0, "/s/t"), 0);
	assert_string_equal(dom0.payload, "2");
	assert_int_equal(xs_read(&dom0, 0, "/s/a"), XENSTORE_ENOENT);
}

static int no_setup(void **state)
{
	(void)state;
	core = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(node_size_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(nodes_per_domain_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(perms_per_node_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(memory_quota_is_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(a_domain_that_reads_no_replies_is_stalled, setup,
						teardown),
		cmocka_unit_test_setup_teardown(flooding_dom0_with_events_stalls_the_sender, setup,
						teardown),
		cmocka_unit_test_setup_teardown(the_core_never_passes_its_memory_cap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(every_allocation_failure_is_survived, no_setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
