/*
 * Unit tests of XenStore connections and domains (dom0/xenstored/connection.c, domain.c,
 * request.c): errors echo the request's req_id and tx_id; the codec's refusals get their
 * errno; INTRODUCE, RELEASE, IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH, RESUME and CONTROL
 * answer as in Xen; release removes a domain's connection, nodes and permission entries;
 * queued output is taken in order.
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

/* Feed raw bytes; returns what xs_conn_receive() said. */
static int feed(struct xs_conn *conn, uint32_t type, uint32_t req_id, uint32_t tx_id,
		const void *payload, uint32_t len, size_t *used)
{
	static uint8_t buf[XENSTORE_WIRE_MESSAGE_MAX + 64];
	struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .tx_id = tx_id, .len = len};

	/* A claimed length above 64 is for framing tests: only the header is sent. */
	memcpy(buf, &hdr, sizeof(hdr));
	if (len <= 64)
		memcpy(buf + sizeof(hdr), payload, len);
	return xs_conn_receive(conn, buf, sizeof(hdr) + (len > 64 ? 0 : len), used);
}

static void errors_echo_req_id_and_tx_id(void **state)
{
	size_t used = 0;

	(void)state;
	assert_int_equal(feed(dom0.conn, XS_READ, 0xabcd, 0x55, "/tool", 6, &used), 0);
	assert_int_equal(used, XENSTORE_WIRE_HEADER_SIZE + 6);
	assert_int_equal(client_drain(&dom0), 1);
	assert_int_equal(dom0.hdr.type, XS_ERROR);
	assert_int_equal(dom0.hdr.req_id, 0xabcd);
	assert_int_equal(dom0.hdr.tx_id, 0x55);
	assert_string_equal(dom0.payload, "ENOENT"); /* no transaction 0x55 */
	/* The codec's refusals: a bad payload, a type clients may not send. */
	assert_int_equal(feed(dom0.conn, XS_READ, 1, 2, "no-nul", 6, &used), 0);
	assert_int_equal(client_drain(&dom0), 1);
	assert_string_equal(dom0.payload, "EINVAL");
	assert_int_equal(dom0.hdr.req_id, 1);
	assert_int_equal(dom0.hdr.tx_id, 2);
	assert_int_equal(feed(dom0.conn, XS_WATCH_EVENT, 3, 0, "a\0b", 4, &used), 0);
	assert_int_equal(client_drain(&dom0), 1);
	assert_string_equal(dom0.payload, "ENOSYS");
	assert_int_equal(feed(dom0.conn, 999, 4, 0, "", 0, &used), 0);
	assert_int_equal(client_drain(&dom0), 1);
	assert_string_equal(dom0.payload, "ENOSYS");
	/* Half a message waits; an unframeable one drops the connection. */
	assert_int_equal(feed(dom0.conn, XS_READ, 5, 0, "/tool", 6, &used) == 0, true);
	client_drain(&dom0);
	{
		uint8_t half[8] = {0};

		assert_int_equal(xs_conn_receive(dom0.conn, half, sizeof(half), &used),
				 XENSTORE_WIRE_INCOMPLETE);
	}
	assert_int_equal(feed(dom0.conn, XS_READ, 6, 0, "", XENSTORE_PAYLOAD_MAX + 1, &used),
			 -XENSTORE_E2BIG);
	assert_int_equal(xs_conn_queued(dom0.conn), 0);
}

static void domain_requests(void **state)
{
	struct client dom5;

	(void)state;
	assert_int_equal(client_call(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, (const char *const[]){"5"},
				     1, NULL, 0),
			 0);
	assert_string_equal(dom0.payload, "F");
	client_domain(&dom0, core, 5, &dom5);
	assert_int_equal(client_call(&dom0, XS_IS_DOMAIN_INTRODUCED, 0, (const char *const[]){"5"},
				     1, NULL, 0),
			 0);
	assert_string_equal(dom0.payload, "T");
	assert_int_equal(client_call(&dom0, XS_IS_DOMAIN_INTRODUCED, 0,
				     (const char *const[]){"32752"}, 1, NULL, 0),
			 0);
	assert_string_equal(dom0.payload, "T"); /* DOMID_SELF */
	assert_int_equal(xs_conn_domid(dom5.conn), 5);
	assert_int_equal(
		client_call(&dom5, XS_GET_DOMAIN_PATH, 0, (const char *const[]){"5"}, 1, NULL, 0),
		0);
	assert_string_equal(dom5.payload, "/local/domain/5");
	/* INTRODUCE checks its event channel; RELEASE its domain. */
	assert_int_equal(client_call(&dom0, XS_INTRODUCE, 0,
				     (const char *const[]){"6", "4096", "0"}, 3, NULL, 0),
			 XENSTORE_EINVAL);
	assert_int_equal(client_call(&dom0, XS_INTRODUCE, 0,
				     (const char *const[]){"6", "4096", "x"}, 3, NULL, 0),
			 XENSTORE_EINVAL);
	assert_int_equal(xs_release(&dom0, 0), XENSTORE_EINVAL);
	assert_int_equal(xs_release(&dom0, 6), XENSTORE_ENOENT);
	assert_int_equal(client_call(&dom0, XS_RESUME, 0, (const char *const[]){"6"}, 1, NULL, 0),
			 XENSTORE_ENOENT);
	/* Introduced again: same connection, watches and transactions reset. */
	assert_int_equal(xs_watch(&dom5, "x", "t"), 0);
	assert_int_equal(xs_introduce(&dom0, 5, 99), 0);
	assert_ptr_equal(xs_core_domain_conn(core, 5), dom5.conn);
	assert_int_equal(xs_unwatch(&dom5, "x", "t"), XENSTORE_ENOENT);
	/* Released: no connection any more. */
	assert_int_equal(xs_release(&dom0, 5), 0);
	assert_null(xs_core_domain_conn(core, 5));
	assert_int_equal(xs_release(&dom0, 5), XENSTORE_ENOENT);
}

static void release_removes_what_the_domain_owns(void **state)
{
	struct client dom5, dom7;

	(void)state;
	client_domain(&dom0, core, 5, &dom5);
	client_domain(&dom0, core, 7, &dom7);
	assert_int_equal(xs_write(&dom5, 0, "data/a", "1"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/shared/x", "1"), 0);
	assert_int_equal(
		xs_set_perms(&dom0, 0, "/shared/x", (const char *const[]){"n0", "r5", "r7", NULL}),
		0);
	assert_int_equal(xs_set_perms(&dom0, 0, "/shared", (const char *const[]){"n0", "w5", NULL}),
			 0);
	assert_int_equal(xs_write(&dom5, 0, "/shared/by5/deep", "1"), 0);
	assert_int_equal(xs_release(&dom0, 5), 0);
	assert_int_equal(xs_read(&dom0, 0, "/local/domain/5"), XENSTORE_ENOENT);
	assert_int_equal(xs_read(&dom0, 0, "/shared/by5"), XENSTORE_ENOENT);
	assert_int_equal(xs_directory(&dom0, 0, "/local/domain"), 0);
	assert_string_equal(client_strings(&dom0), "7|");
	assert_int_equal(xs_get_perms(&dom0, 0, "/shared/x"), 0);
	assert_string_equal(client_strings(&dom0), "n0|r7|");
	/* A new domain 5 inherits nothing. */
	client_domain(&dom0, core, 5, &dom5);
	assert_int_equal(xs_read(&dom5, 0, "/shared/x"), XENSTORE_EACCES);
	assert_int_equal(xs_read(&dom7, 0, "/shared/x"), 0);
}

static void control_answers_the_basics(void **state)
{
	(void)state;
	assert_int_equal(
		client_call(&dom0, XS_CONTROL, 0, (const char *const[]){"check"}, 1, NULL, 0), 0);
	assert_string_equal(dom0.payload, "OK");
	assert_int_equal(
		client_call(&dom0, XS_CONTROL, 0, (const char *const[]){"quota"}, 1, NULL, 0), 0);
	assert_non_null(strstr(dom0.payload, "nodes: 1000\n"));
	assert_non_null(strstr(dom0.payload, "watches: 128\n"));
	assert_int_equal(
		client_call(&dom0, XS_CONTROL, 0, (const char *const[]){"quota", "0"}, 2, NULL, 0),
		0);
	assert_non_null(strstr(dom0.payload, "nodes: 3\n")); /* /, /tool, /tool/xenstored */
	assert_int_equal(
		client_call(&dom0, XS_CONTROL, 0, (const char *const[]){"quota", "42"}, 2, NULL, 0),
		XENSTORE_ENOENT);
	assert_int_equal(
		client_call(&dom0, XS_CONTROL, 0, (const char *const[]){"frobnicate"}, 1, NULL, 0),
		XENSTORE_EINVAL);
}

static void output_is_taken_in_order_and_needs_room(void **state)
{
	uint8_t small[8], buf[XENSTORE_WIRE_MESSAGE_MAX];
	struct xenstore_wire_msg msg;
	size_t used;
	int n;

	(void)state;
	assert_int_equal(feed(dom0.conn, XS_READ, 1, 0, "/tool", 6, &used), 0);
	assert_int_equal(feed(dom0.conn, XS_DIRECTORY, 2, 0, "/tool", 6, &used), 0);
	assert_int_equal(xs_conn_queued(dom0.conn), 2);
	assert_int_equal(xs_conn_next_output(dom0.conn, small, sizeof(small)), -XENSTORE_ENOSPC);
	n = xs_conn_next_output(dom0.conn, buf, sizeof(buf));
	assert_int_equal(xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg), 0);
	assert_int_equal(msg.hdr.req_id, 1);
	n = xs_conn_next_output(dom0.conn, buf, sizeof(buf));
	assert_int_equal(xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg), 0);
	assert_int_equal(msg.hdr.req_id, 2);
	assert_int_equal(xs_conn_next_output(dom0.conn, buf, sizeof(buf)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(errors_echo_req_id_and_tx_id, setup, teardown),
		cmocka_unit_test_setup_teardown(domain_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(release_removes_what_the_domain_owns, setup,
						teardown),
		cmocka_unit_test_setup_teardown(control_answers_the_basics, setup, teardown),
		cmocka_unit_test_setup_teardown(output_is_taken_in_order_and_needs_room, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
