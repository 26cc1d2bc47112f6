/*
 * Unit tests of XenStore permissions (dom0/xenstored/permissions.c and their use in tree.c and
 * request.c), as Xen 4.17 applies them: dom0 may do anything; the owner has full access; a
 * domain named in the list gets its entry, everyone else the first entry's default; a missing
 * node is ENOENT only to a caller who may see its nearest ancestor; new nodes inherit their
 * ancestor's permissions and belong to their unprivileged creator; only the owner may change
 * permissions and it may not give the node away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstored_client.h"

static struct xs_core *core;
static struct client dom0, dom5, dom7;

static int setup(void **state)
{
	(void)state;
	core = test_core_new();
	client_init(&dom0, xs_core_connect_local(core));
	client_domain(&dom0, core, 5, &dom5);
	client_domain(&dom0, core, 7, &dom7);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	xs_core_destroy(core);
	return 0;
}

static void others_see_nothing_of_dom0s_nodes(void **state)
{
	(void)state;
	assert_int_equal(xs_read(&dom5, 0, "/tool/xenstored"), XENSTORE_EACCES);
	assert_int_equal(xs_directory(&dom5, 0, "/"), XENSTORE_EACCES);
	assert_int_equal(xs_write(&dom5, 0, "/tool/x", "1"), XENSTORE_EACCES);
	assert_int_equal(xs_rm(&dom5, 0, "/tool"), XENSTORE_EACCES);
	/* A missing node under an unreadable one: EACCES, not ENOENT, so nothing leaks. */
	assert_int_equal(xs_read(&dom5, 0, "/tool/missing"), XENSTORE_EACCES);
	assert_int_equal(xs_get_perms(&dom5, 0, "/tool"), XENSTORE_EACCES);
}

static void a_domain_owns_its_home_and_what_it_creates(void **state)
{
	(void)state;
	assert_int_equal(xs_read(&dom5, 0, "missing"), XENSTORE_ENOENT);
	assert_int_equal(xs_write(&dom5, 0, "data/x", "1"), 0);
	assert_int_equal(xs_read(&dom5, 0, "/local/domain/5/data/x"), 0);
	assert_string_equal(dom5.payload, "1");
	assert_int_equal(xs_get_perms(&dom5, 0, "data/x"), 0);
	assert_string_equal(client_strings(&dom5), "n5|");
	/* Domain 7 sees nothing of it. */
	assert_int_equal(xs_read(&dom7, 0, "/local/domain/5/data/x"), XENSTORE_EACCES);
	assert_int_equal(xs_read(&dom7, 0, "/local/domain/5/missing"), XENSTORE_EACCES);
	assert_int_equal(xs_write(&dom7, 0, "/local/domain/5/y", "1"), XENSTORE_EACCES);
}

static void named_entries_and_the_default(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/shared", "s"), 0);
	assert_int_equal(xs_set_perms(&dom0, 0, "/shared", (const char *const[]){"r0", "w5", NULL}),
			 0);
	/* 5 is named: write only. 7 gets the default: read only. */
	assert_int_equal(xs_read(&dom5, 0, "/shared"), XENSTORE_EACCES);
	assert_int_equal(xs_write(&dom5, 0, "/shared", "by5"), 0);
	assert_int_equal(xs_read(&dom7, 0, "/shared"), 0);
	assert_string_equal(dom7.payload, "by5");
	assert_int_equal(xs_write(&dom7, 0, "/shared", "by7"), XENSTORE_EACCES);
	/* A missing child of a readable node is ENOENT for 7, of a writable one for 5. */
	assert_int_equal(xs_read(&dom7, 0, "/shared/none"), XENSTORE_ENOENT);
	assert_int_equal(xs_read(&dom5, 0, "/shared/none"), XENSTORE_EACCES);
	/* What 5 creates below it is 5's, with the parent's other entries. */
	assert_int_equal(xs_write(&dom5, 0, "/shared/mine/leaf", "m"), 0);
	assert_int_equal(xs_get_perms(&dom0, 0, "/shared/mine/leaf"), 0);
	assert_string_equal(client_strings(&dom0), "r5|w5|");
	assert_int_equal(xs_read(&dom5, 0, "/shared/mine/leaf"), 0);
	/* "b" is read and write, "n" nothing. */
	assert_int_equal(
		xs_set_perms(&dom0, 0, "/shared", (const char *const[]){"n0", "b7", "n5", NULL}),
		0);
	assert_int_equal(xs_read(&dom7, 0, "/shared"), 0);
	assert_int_equal(xs_write(&dom7, 0, "/shared", "b"), 0);
	assert_int_equal(xs_write(&dom5, 0, "/shared", "n"), XENSTORE_EACCES);
}

static void only_the_owner_changes_permissions(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom5, 0, "node", ""), 0);
	assert_int_equal(xs_set_perms(&dom5, 0, "node", (const char *const[]){"n5", "b7", NULL}),
			 0);
	/* 7 may read and write, not change permissions. */
	assert_int_equal(
		xs_set_perms(&dom7, 0, "/local/domain/5/node", (const char *const[]){"b7", NULL}),
		XENSTORE_EACCES);
	/* The owner may not give the node away; dom0 may. */
	assert_int_equal(xs_set_perms(&dom5, 0, "node", (const char *const[]){"n7", NULL}),
			 XENSTORE_EPERM);
	assert_int_equal(
		xs_set_perms(&dom0, 0, "/local/domain/5/node", (const char *const[]){"n7", NULL}),
		0);
	assert_int_equal(
		xs_set_perms(&dom7, 0, "/local/domain/5/node", (const char *const[]){"r7", NULL}),
		0);
	/* Now 5 gets the default of 7's node: read. */
	assert_int_equal(xs_read(&dom5, 0, "node"), 0);
	assert_int_equal(xs_write(&dom5, 0, "node", "x"), XENSTORE_EACCES);
}

static void dom0_creating_in_a_home_keeps_the_homes_owner(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom0, 0, "/local/domain/5/device/vbd/1", "x"), 0);
	assert_int_equal(xs_get_perms(&dom0, 0, "/local/domain/5/device/vbd/1"), 0);
	assert_string_equal(client_strings(&dom0), "n5|");
	assert_int_equal(xs_read(&dom5, 0, "device/vbd/1"), 0);
}

static void special_nodes_are_dom0s_until_it_shares_them(void **state)
{
	(void)state;
	assert_int_equal(xs_get_perms(&dom0, 0, "@introduceDomain"), 0);
	assert_string_equal(client_strings(&dom0), "n0|");
	assert_int_equal(xs_get_perms(&dom5, 0, "@releaseDomain"), XENSTORE_EACCES);
	assert_int_equal(
		xs_set_perms(&dom5, 0, "@releaseDomain", (const char *const[]){"r5", NULL}),
		XENSTORE_EACCES);
	assert_int_equal(
		xs_set_perms(&dom0, 0, "@releaseDomain", (const char *const[]){"n0", "r5", NULL}),
		0);
	assert_int_equal(xs_get_perms(&dom5, 0, "@releaseDomain"), 0);
	assert_string_equal(client_strings(&dom5), "n0|r5|");
	assert_int_equal(xs_get_perms(&dom0, 0, "@unknown"), XENSTORE_ENOENT);
}

static void privileged_requests_are_dom0s(void **state)
{
	(void)state;
	assert_int_equal(xs_introduce(&dom5, 9, 3), XENSTORE_EACCES);
	assert_int_equal(xs_release(&dom5, 7), XENSTORE_EACCES);
	assert_int_equal(client_call(&dom5, XS_IS_DOMAIN_INTRODUCED, 0, (const char *const[]){"7"},
				     1, NULL, 0),
			 XENSTORE_EACCES);
	assert_int_equal(
		client_call(&dom5, XS_CONTROL, 0, (const char *const[]){"check"}, 1, NULL, 0),
		XENSTORE_EACCES);
	assert_int_equal(
		client_call(&dom5, XS_SET_TARGET, 0, (const char *const[]){"5", "7"}, 2, NULL, 0),
		XENSTORE_EACCES);
	/* GET_DOMAIN_PATH is for everyone. */
	assert_int_equal(
		client_call(&dom5, XS_GET_DOMAIN_PATH, 0, (const char *const[]){"7"}, 1, NULL, 0),
		0);
	assert_string_equal(dom5.payload, "/local/domain/7");
}

static void a_target_acts_for_its_domain(void **state)
{
	(void)state;
	assert_int_equal(xs_write(&dom5, 0, "secret", "s"), 0);
	assert_int_equal(xs_read(&dom7, 0, "/local/domain/5/secret"), XENSTORE_EACCES);
	/* 7 becomes 5's device model: it may do what 5 may. */
	assert_int_equal(
		client_call(&dom0, XS_SET_TARGET, 0, (const char *const[]){"7", "5"}, 2, NULL, 0),
		0);
	assert_int_equal(xs_read(&dom7, 0, "/local/domain/5/secret"), 0);
	assert_string_equal(dom7.payload, "s");
	assert_int_equal(
		client_call(&dom0, XS_SET_TARGET, 0, (const char *const[]){"7", "99"}, 2, NULL, 0),
		XENSTORE_ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(others_see_nothing_of_dom0s_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(a_domain_owns_its_home_and_what_it_creates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(named_entries_and_the_default, setup, teardown),
		cmocka_unit_test_setup_teardown(only_the_owner_changes_permissions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(dom0_creating_in_a_home_keeps_the_homes_owner,
						setup, teardown),
		cmocka_unit_test_setup_teardown(special_nodes_are_dom0s_until_it_shares_them, setup,
						teardown),
		cmocka_unit_test_setup_teardown(privileged_requests_are_dom0s, setup, teardown),
		cmocka_unit_test_setup_teardown(a_target_acts_for_its_domain, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
