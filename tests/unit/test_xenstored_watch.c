/*
 * Unit tests of XenStore watches (dom0/xenstored/watch.c): the event at once on WATCH, events
 * for changes at or below the watched path (write, create, set_perms, rm of the node or of a
 * parent), relative watches hearing relative paths, UNWATCH, duplicates and the watch quota,
 * permission filtering as Xen's, the special @introduceDomain and @releaseDomain watches, and
 * per-connection queues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstored_client.h"

static struct xs_core *core;
static struct client dom0, watcher, dom5, dom7;

static int setup(void **state)
{
	(void)state;
	core = test_core_new();
	client_init(&dom0, xs_core_connect_local(core));
	client_init(&watcher, xs_core_connect_local(core));
	client_domain(&dom0, core, 5, &dom5);
	client_domain(&dom0, core, 7, &dom7);
	client_drain(&dom0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_core_destroy(core);
	return 0;
}

/* The events the client has taken, as "path=token" joined by spaces; then forget them. */
static const char *events(struct client *c)
{
	static char text[8192];
	unsigned int i;

	client_drain(c);
	text[0] = '\0';
	for (i = 0; i < c->nr_events; i++) {
		if (i > 0)
			strcat(text, " ");
		strcat(text, c->events[i].path);
		strcat(text, "=");
		strcat(text, c->events[i].token);
	}
	c->nr_events = 0;
	return text;
}

static void watch_fires_at_once_then_on_changes_below(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&watcher, "/w", "tok"), 0);
	assert_string_equal(client_strings(&watcher), "OK|");
	assert_string_equal(events(&watcher), "/w=tok"); /* even though /w does not exist */
	assert_int_equal(xs_write(&dom0, 0, "/w/a/b", "1"), 0);
	assert_string_equal(events(&watcher), "/w/a/b=tok");
	assert_int_equal(xs_write(&dom0, 0, "/w", "2"), 0);
	assert_string_equal(events(&watcher), "/w=tok");
	assert_int_equal(xs_mkdir(&dom0, 0, "/w/m"), 0);
	assert_string_equal(events(&watcher), "/w/m=tok");
	assert_int_equal(xs_mkdir(&dom0, 0, "/w/m"), 0); /* exists: no change, no event */
	assert_string_equal(events(&watcher), "");
	assert_int_equal(xs_set_perms(&dom0, 0, "/w/m", (const char *const[]){"r0", NULL}), 0);
	assert_string_equal(events(&watcher), "/w/m=tok");
	/* Elsewhere, or a mere prefix of the name: nothing. */
	assert_int_equal(xs_write(&dom0, 0, "/wx", "1"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/other", "1"), 0);
	assert_string_equal(events(&watcher), "");
}

static void the_writer_hears_its_event_before_its_reply(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&dom0, "/order", "t"), 0);
	client_drain(&dom0);
	dom0.nr_events = 0;
	{
		static uint8_t buf[XENSTORE_WIRE_MESSAGE_MAX];
		struct xsd_sockmsg hdr = {.type = XS_WRITE, .req_id = 1};
		const char *const s[] = {"/order"};
		struct xenstore_wire_msg msg;
		size_t used;
		int n = xenstore_wire_build(buf, sizeof(buf), &hdr, s, 1, "v", 1);

		assert_int_equal(xs_conn_receive(dom0.conn, buf, (size_t)n, &used), 0);
		n = xs_conn_next_output(dom0.conn, buf, sizeof(buf));
		assert_int_equal(xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg), 0);
		assert_int_equal(msg.hdr.type, XS_WATCH_EVENT); /* as Xen: event, then "OK" */
		n = xs_conn_next_output(dom0.conn, buf, sizeof(buf));
		assert_int_equal(xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg), 0);
		assert_int_equal(msg.hdr.type, XS_WRITE);
	}
}

static void rm_fires_for_every_deleted_node(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/t/a/b", "1"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/t/a/c", "1"), 0);
	assert_int_equal(xs_watch(&watcher, "/t/a/b", "child"), 0);
	assert_int_equal(xs_watch(&watcher, "/t", "top"), 0);
	assert_int_equal(xs_watch(&watcher, "/t/a/b/deeper", "none"), 0);
	events(&watcher);
	assert_int_equal(xs_rm(&dom0, 0, "/t/a"), 0);
	/* Deepest first: b (its exact watch), c (no watch), then a, heard from above. */
	assert_string_equal(events(&watcher), "/t/a/b=child /t/a=top");
}

static void relative_watches_hear_relative_paths(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&dom5, "device", "dev"), 0);
	assert_string_equal(events(&dom5), "device=dev");
	assert_int_equal(xs_write(&dom0, 0, "/local/domain/5/device/vif/0", "x"), 0);
	assert_string_equal(events(&dom5), "device/vif/0=dev");
	assert_int_equal(xs_write(&dom5, 0, "device/vbd", "y"), 0);
	assert_string_equal(events(&dom5), "device/vbd=dev");
	/* The same node watched absolutely hears absolute paths. */
	assert_int_equal(xs_watch(&dom5, "/local/domain/5/device", "abs"), 0);
	events(&dom5);
	assert_int_equal(xs_write(&dom5, 0, "device/vbd", "z"), 0);
	assert_string_equal(events(&dom5), "device/vbd=dev /local/domain/5/device/vbd=abs");
}

static void unwatch_and_duplicates(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&dom5, "a", "1"), 0);
	assert_int_equal(xs_watch(&dom5, "a", "1"), XENSTORE_EEXIST);
	assert_int_equal(xs_watch(&dom5, "/local/domain/5/a", "1"), XENSTORE_EEXIST);
	assert_int_equal(xs_watch(&dom5, "a", "2"), 0); /* another token is another watch */
	events(&dom5);
	assert_int_equal(xs_unwatch(&dom5, "/local/domain/5/a", "1"), 0);
	assert_int_equal(xs_unwatch(&dom5, "a", "1"), XENSTORE_ENOENT);
	assert_int_equal(xs_write(&dom5, 0, "a", "v"), 0);
	assert_string_equal(events(&dom5), "a=2");
	/* RESET_WATCHES drops them all. */
	assert_int_equal(
		client_call(&dom5, XS_RESET_WATCHES, 0, (const char *const[]){""}, 1, NULL, 0), 0);
	assert_int_equal(xs_write(&dom5, 0, "a", "w"), 0);
	assert_string_equal(events(&dom5), "");
	assert_int_equal(xs_unwatch(&dom5, "a", "2"), XENSTORE_ENOENT);
}

static void watchers_hear_only_what_they_may_read(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&dom7, "/", "root"), 0);
	events(&dom7);
	/* 7 may not read dom5's nodes nor their parents: silence. */
	assert_int_equal(xs_write(&dom5, 0, "private/x", "1"), 0);
	assert_string_equal(events(&dom7), "");
	/* Readable node: heard. */
	assert_int_equal(xs_write(&dom5, 0, "open", "1"), 0);
	assert_int_equal(xs_set_perms(&dom5, 0, "open", (const char *const[]){"n5", "r7", NULL}),
			 0);
	assert_string_equal(events(&dom7), "/local/domain/5/open=root");
	/* Unreadable node whose parent 7 may read: heard too (Xen's rule). */
	assert_int_equal(xs_write(&dom5, 0, "open/hidden", "1"), 0);
	assert_int_equal(xs_set_perms(&dom5, 0, "open/hidden", (const char *const[]){"n5", NULL}),
			 0);
	events(&dom7);
	assert_int_equal(xs_write(&dom5, 0, "open/hidden", "2"), 0);
	assert_string_equal(events(&dom7), "/local/domain/5/open/hidden=root");
	/* Losing read access is still heard: the old permissions count. */
	assert_int_equal(xs_set_perms(&dom5, 0, "open", (const char *const[]){"n5", NULL}), 0);
	assert_string_equal(events(&dom7), "/local/domain/5/open=root");
	assert_int_equal(xs_write(&dom5, 0, "open", "3"), 0);
	assert_string_equal(events(&dom7), "");
}

static void every_watching_connection_gets_its_own_event(void **state)
{
	struct client third;

	(void)state;
	client_init(&third, xs_core_connect_local(core));
	assert_int_equal(xs_watch(&watcher, "/both", "w1"), 0);
	assert_int_equal(xs_watch(&third, "/both", "w2"), 0);
	assert_int_equal(xs_watch(&third, "/both/x", "w3"), 0);
	events(&watcher);
	events(&third);
	assert_int_equal(xs_write(&dom0, 0, "/both/x", "1"), 0);
	assert_string_equal(events(&watcher), "/both/x=w1");
	assert_string_equal(events(&third), "/both/x=w2 /both/x=w3");
}

static void an_identical_queued_event_is_not_repeated(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&watcher, "/dup", "t"), 0);
	events(&watcher);
	assert_int_equal(xs_write(&dom0, 0, "/dup", "1"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/dup", "2"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/dup/x", "3"), 0);
	assert_int_equal(xs_conn_queued(watcher.conn), 2);
	assert_string_equal(events(&watcher), "/dup=t /dup/x=t");
	assert_int_equal(xs_write(&dom0, 0, "/dup", "4"), 0);
	assert_string_equal(events(&watcher), "/dup=t");
}

static void watch_ignores_the_transaction_id(void **state)
{
	(void)state;
	assert_int_equal(
		client_call(&watcher, XS_WATCH, 4242, (const char *const[]){"/n", "t"}, 2, NULL, 0),
		0);
	assert_string_equal(events(&watcher), "/n=t");
	assert_int_equal(client_call(&watcher, XS_UNWATCH, 4242, (const char *const[]){"/n", "t"},
				     2, NULL, 0),
			 0);
}

static void introduce_and_release_fire_special_watches(void **state)
{
	(void)state;
	assert_int_equal(xs_watch(&watcher, "@introduceDomain", "in"), 0);
	assert_int_equal(xs_watch(&watcher, "@releaseDomain", "out"), 0);
	assert_int_equal(xs_watch(&watcher, "/", "root"), 0);
	assert_int_equal(xs_watch(&dom5, "@releaseDomain", "5out"), 0);
	assert_string_equal(events(&watcher), "@introduceDomain=in @releaseDomain=out /=root");
	assert_string_equal(events(&dom5), "@releaseDomain=5out");
	/* The message from dom0, and the core's own API. */
	assert_int_equal(xs_introduce(&dom0, 9, 4), 0);
	assert_string_equal(events(&watcher), "@introduceDomain=in");
	assert_int_equal(xs_core_introduce(core, 10, 1234, 5), 0);
	assert_string_equal(events(&watcher), "@introduceDomain=in");
	assert_int_equal(xs_release(&dom0, 9), 0);
	assert_string_equal(events(&watcher), "@releaseDomain=out");
	assert_int_equal(xs_core_release(core, 10), 0);
	assert_string_equal(events(&watcher), "@releaseDomain=out");
	/* Domain 5 may not read @releaseDomain: it heard nothing. */
	assert_string_equal(events(&dom5), "");
	assert_int_equal(
		xs_set_perms(&dom0, 0, "@releaseDomain", (const char *const[]){"n0", "r5", NULL}),
		0);
	xs_core_domain_shutdown(core, 7);
	xs_core_domain_shutdown(core, 7); /* once until it resumes */
	assert_string_equal(events(&dom5), "@releaseDomain=5out");
	assert_string_equal(events(&watcher), "@releaseDomain=out");
	assert_int_equal(client_call(&dom0, XS_RESUME, 0, (const char *const[]){"7"}, 1, NULL, 0),
			 0);
	xs_core_domain_shutdown(core, 7);
	assert_string_equal(events(&dom5), "@releaseDomain=5out");
}

static void the_watch_quota_is_xens(void **state)
{
	char path[32];
	int i;

	(void)state;
	/* Xen refuses only once a domain holds more than 128: the 130th watch. */
	for (i = 0; i < 129; i++) {
		snprintf(path, sizeof(path), "w%d", i);
		assert_int_equal(xs_watch(&dom5, path, "t"), 0);
	}
	assert_int_equal(xs_watch(&dom5, "one-more", "t"), XENSTORE_E2BIG);
	assert_int_equal(xs_unwatch(&dom5, "w0", "t"), 0);
	assert_int_equal(xs_watch(&dom5, "one-more", "t"), 0);
	/* dom0 has no quota. */
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/w%d", i);
		assert_int_equal(xs_watch(&watcher, path, "t"), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(watch_fires_at_once_then_on_changes_below, setup,
						teardown),
		cmocka_unit_test_setup_teardown(the_writer_hears_its_event_before_its_reply, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rm_fires_for_every_deleted_node, setup, teardown),
		cmocka_unit_test_setup_teardown(relative_watches_hear_relative_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unwatch_and_duplicates, setup, teardown),
		cmocka_unit_test_setup_teardown(watchers_hear_only_what_they_may_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(every_watching_connection_gets_its_own_event, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_identical_queued_event_is_not_repeated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(watch_ignores_the_transaction_id, setup, teardown),
		cmocka_unit_test_setup_teardown(introduce_and_release_fire_special_watches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(the_watch_quota_is_xens, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
