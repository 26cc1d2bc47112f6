/*
 * Unit tests of XenStore transactions (dom0/xenstored/transaction.c): a transaction sees its
 * own changes and nobody else does until it commits; commit applies everything at once, or
 * fails with EAGAIN if a node it read changed meanwhile; abort discards; watches fire on
 * commit only; ids, nesting, unknown ids and the two transaction quotas answer as in Xen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstored_client.h"

static struct xs_core *core;
static struct client dom0, other, dom5;

static int setup(void **state)
{
	(void)state;
	core = test_core_new();
	client_init(&dom0, xs_core_connect_local(core));
	client_init(&other, xs_core_connect_local(core));
	client_domain(&dom0, core, 5, &dom5);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_core_destroy(core);
	return 0;
}

static void a_transaction_sees_its_own_view(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/t/a", "old"), 0);
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_true(tx != 0);
	assert_int_equal(xs_write(&dom0, tx, "/t/a", "new"), 0);
	assert_int_equal(xs_write(&dom0, tx, "/t/b/c", "created"), 0);
	assert_int_equal(xs_rm(&dom0, tx, "/tool"), 0);
	/* Inside: the changes. */
	assert_int_equal(xs_read(&dom0, tx, "/t/a"), 0);
	assert_string_equal(dom0.payload, "new");
	assert_int_equal(xs_read(&dom0, tx, "/t/b/c"), 0);
	assert_int_equal(xs_directory(&dom0, tx, "/"), 0);
	assert_string_equal(client_strings(&dom0), "local|t|");
	/* Outside: none of them. */
	assert_int_equal(xs_read(&other, 0, "/t/a"), 0);
	assert_string_equal(other.payload, "old");
	assert_int_equal(xs_read(&other, 0, "/t/b/c"), XENSTORE_ENOENT);
	assert_int_equal(xs_read(&dom0, 0, "/tool/xenstored"), 0);
	/* Commit: all of them. */
	assert_int_equal(xs_end(&dom0, tx, true), 0);
	assert_int_equal(xs_read(&other, 0, "/t/a"), 0);
	assert_string_equal(other.payload, "new");
	assert_int_equal(xs_read(&other, 0, "/t/b/c"), 0);
	assert_string_equal(other.payload, "created");
	assert_int_equal(xs_directory(&other, 0, "/"), 0);
	assert_string_equal(client_strings(&other), "local|t|");
	/* The transaction is gone. */
	assert_int_equal(xs_read(&dom0, tx, "/t/a"), XENSTORE_ENOENT);
	assert_int_equal(dom0.hdr.tx_id, tx);
}

/* Found by the fuzzer: rewriting a node the transaction made used the replaced node freed. */
static void rewriting_and_deleting_a_transactions_own_node(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_write(&dom0, tx, "/own", "1"), 0);
	assert_int_equal(xs_write(&dom0, tx, "/own", "2"), 0);
	assert_int_equal(xs_set_perms(&dom0, tx, "/own", (const char *const[]){"n5", NULL}), 0);
	assert_int_equal(xs_write(&dom0, tx, "/own", "3"), 0);
	assert_int_equal(xs_write(&dom0, tx, "/gone/x", "1"), 0);
	assert_int_equal(xs_rm(&dom0, tx, "/gone"), 0);
	assert_int_equal(xs_end(&dom0, tx, true), 0);
	assert_int_equal(xs_read(&dom0, 0, "/own"), 0);
	assert_string_equal(dom0.payload, "3");
	assert_int_equal(xs_read(&dom0, 0, "/gone"), XENSTORE_ENOENT);
	/* Domain 5 owns it now: counted once. */
	assert_int_equal(
		client_call(&dom0, XS_CONTROL, 0, (const char *const[]){"quota", "5"}, 2, NULL, 0),
		0);
	assert_non_null(strstr(dom0.payload, "nodes: 2\n"));
}

static void abort_discards(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_write(&dom0, tx, "/gone", "x"), 0);
	assert_int_equal(xs_end(&dom0, tx, false), 0);
	assert_int_equal(xs_read(&dom0, 0, "/gone"), XENSTORE_ENOENT);
	assert_int_equal(xs_end(&dom0, tx, true), XENSTORE_ENOENT);
}

static void a_changed_read_makes_commit_eagain(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/c/read", "1"), 0);
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_read(&dom0, tx, "/c/read"), 0);
	assert_int_equal(xs_write(&dom0, tx, "/c/written", "mine"), 0);
	assert_int_equal(xs_write(&other, 0, "/c/read", "2"), 0); /* meanwhile */
	assert_int_equal(xs_end(&dom0, tx, true), XENSTORE_EAGAIN);
	assert_int_equal(xs_read(&dom0, 0, "/c/written"), XENSTORE_ENOENT);
	/* The retry, as clients do it, succeeds. */
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_read(&dom0, tx, "/c/read"), 0);
	assert_int_equal(xs_write(&dom0, tx, "/c/written", "mine"), 0);
	assert_int_equal(xs_end(&dom0, tx, true), 0);
	assert_int_equal(xs_read(&dom0, 0, "/c/written"), 0);
}

static void reading_a_missing_node_that_appears_conflicts_too(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_read(&dom0, tx, "/appears"), XENSTORE_ENOENT);
	assert_int_equal(xs_write(&dom0, tx, "/x", "1"), 0);
	assert_int_equal(xs_write(&other, 0, "/appears", "now"), 0);
	assert_int_equal(xs_end(&dom0, tx, true), XENSTORE_EAGAIN);
	/* A deleted node read by the transaction conflicts as well. */
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_read(&dom0, tx, "/appears"), 0);
	assert_int_equal(xs_rm(&other, 0, "/appears"), 0);
	assert_int_equal(xs_end(&dom0, tx, true), XENSTORE_EAGAIN);
}

static void unrelated_changes_do_not_conflict(void **state)
{
	uint32_t a, b;

	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/u/1", "x"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/u/2", "x"), 0);
	assert_int_equal(xs_start(&dom0, &a), 0);
	assert_int_equal(xs_start(&other, &b), 0);
	assert_int_equal(xs_write(&dom0, a, "/u/1", "a"), 0);
	assert_int_equal(xs_write(&other, b, "/u/2", "b"), 0);
	assert_int_equal(xs_write(&dom0, 0, "/elsewhere", "x"), 0);
	assert_int_equal(xs_end(&dom0, a, true), 0);
	assert_int_equal(xs_end(&other, b, true), 0);
	assert_int_equal(xs_read(&dom0, 0, "/u/1"), 0);
	assert_string_equal(dom0.payload, "a");
	assert_int_equal(xs_read(&dom0, 0, "/u/2"), 0);
	assert_string_equal(dom0.payload, "b");
}

static void two_transactions_creating_the_same_node_conflict(void **state)
{
	uint32_t a, b;

	(void)state;
	assert_int_equal(xs_start(&dom0, &a), 0);
	assert_int_equal(xs_start(&other, &b), 0);
	assert_int_equal(xs_write(&dom0, a, "/same/node", "a"), 0);
	assert_int_equal(xs_write(&other, b, "/same/node", "b"), 0);
	assert_int_equal(xs_end(&dom0, a, true), 0);
	assert_int_equal(xs_end(&other, b, true), XENSTORE_EAGAIN);
	assert_int_equal(xs_read(&dom0, 0, "/same/node"), 0);
	assert_string_equal(dom0.payload, "a");
	assert_int_equal(xs_directory(&dom0, 0, "/same"), 0);
	assert_string_equal(client_strings(&dom0), "node|");
}

static void watches_fire_on_commit_only(void **state)
{
	uint32_t tx;

	(void)state;
	assert_int_equal(xs_watch(&other, "/wt", "t"), 0);
	client_drain(&other);
	other.nr_events = 0;
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_write(&dom0, tx, "/wt/a", "1"), 0);
	client_drain(&other);
	assert_int_equal(other.nr_events, 0);
	assert_int_equal(xs_end(&dom0, tx, true), 0);
	client_drain(&other);
	assert_true(client_find_event(&other, "/wt/a", "t") >= 0);
	other.nr_events = 0;
	/* Aborted: never. */
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_write(&dom0, tx, "/wt/b", "1"), 0);
	assert_int_equal(xs_end(&dom0, tx, false), 0);
	client_drain(&other);
	assert_int_equal(other.nr_events, 0);
	/* A committed rm fires for the deleted nodes. */
	assert_int_equal(xs_start(&dom0, &tx), 0);
	assert_int_equal(xs_rm(&dom0, tx, "/wt/a"), 0);
	assert_int_equal(xs_end(&dom0, tx, true), 0);
	client_drain(&other);
	assert_true(client_find_event(&other, "/wt/a", "t") >= 0);
}

static void ids_nesting_and_unknown_ids(void **state)
{
	uint32_t a, b;

	(void)state;
	assert_int_equal(xs_start(&dom0, &a), 0);
	assert_int_equal(xs_start(&dom0, &b), 0);
	assert_int_not_equal(a, b);
	/* TRANSACTION_START inside a transaction: EBUSY. */
	assert_int_equal(
		client_call(&dom0, XS_TRANSACTION_START, a, (const char *const[]){""}, 1, NULL, 0),
		XENSTORE_EBUSY);
	/* An id this connection does not have: ENOENT, whatever the request. */
	assert_int_equal(xs_read(&dom0, 777, "/tool"), XENSTORE_ENOENT);
	assert_int_equal(xs_read(&other, a, "/tool"), XENSTORE_ENOENT);
	assert_int_equal(xs_end(&dom0, 0, true), XENSTORE_ENOENT);
	/* RESET_WATCHES ends every transaction of the connection. */
	assert_int_equal(
		client_call(&dom0, XS_RESET_WATCHES, 0, (const char *const[]){""}, 1, NULL, 0), 0);
	assert_int_equal(xs_end(&dom0, a, false), XENSTORE_ENOENT);
	assert_int_equal(xs_end(&dom0, b, false), XENSTORE_ENOENT);
}

static void a_domain_may_hold_eleven_transactions(void **state)
{
	uint32_t tx[12];
	int i;

	(void)state;
	for (i = 0; i < 11; i++)
		assert_int_equal(xs_start(&dom5, &tx[i]), 0);
	assert_int_equal(xs_start(&dom5, &tx[11]), XENSTORE_ENOSPC);
	assert_int_equal(xs_end(&dom5, tx[3], false), 0);
	assert_int_equal(xs_start(&dom5, &tx[11]), 0);
	for (i = 0; i < 20; i++) /* dom0: no quota */
		assert_int_equal(xs_start(&dom0, &tx[0]), 0);
}

static void a_transaction_may_touch_1024_nodes(void **state)
{
	char path[32];
	uint32_t tx;
	int i;

	(void)state;
	assert_int_equal(xs_start(&dom5, &tx), 0);
	/* A missing node's parent is read too (for the errno): the home is the 1024th. */
	for (i = 0; i < 1023; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		assert_int_equal(xs_read(&dom5, tx, path), XENSTORE_ENOENT);
	}
	assert_int_equal(xs_read(&dom5, tx, "one-more"), XENSTORE_ENOSPC);
	/* The transaction is doomed now. */
	assert_int_equal(xs_end(&dom5, tx, true), XENSTORE_ENOMEM);
}

static void node_quota_counts_at_commit(void **state)
{
	char path[32];
	uint32_t tx;
	int i;

	(void)state;
	/*
	 * 5 owns its home; 998 more nodes leave room for one. They go 26 to a directory: a
	 * node's list of children counts against the node-size quota too.
	 */
	for (i = 0; i < 998; i++) {
		if (i % 26 == 0)
			snprintf(path, sizeof(path), "d%d", i / 26);
		else
			snprintf(path, sizeof(path), "d%d/n%d", i / 26, i);
		assert_int_equal(xs_write(&dom5, 0, path, ""), 0);
	}
	assert_int_equal(xs_start(&dom5, &tx), 0);
	assert_int_equal(xs_write(&dom5, tx, "in-tx", ""), 0);
	assert_int_equal(xs_write(&dom5, 0, "outside", ""), 0); /* the last one */
	assert_int_equal(xs_end(&dom5, tx, true), XENSTORE_ENOSPC);
	assert_int_equal(xs_read(&dom5, 0, "in-tx"), XENSTORE_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_transaction_sees_its_own_view, setup, teardown),
		cmocka_unit_test_setup_teardown(rewriting_and_deleting_a_transactions_own_node,
						setup, teardown),
		cmocka_unit_test_setup_teardown(abort_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(a_changed_read_makes_commit_eagain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reading_a_missing_node_that_appears_conflicts_too,
						setup, teardown),
		cmocka_unit_test_setup_teardown(unrelated_changes_do_not_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(two_transactions_creating_the_same_node_conflict,
						setup, teardown),
		cmocka_unit_test_setup_teardown(watches_fire_on_commit_only, setup, teardown),
		cmocka_unit_test_setup_teardown(ids_nesting_and_unknown_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(a_domain_may_hold_eleven_transactions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_transaction_may_touch_1024_nodes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(node_quota_counts_at_commit, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
