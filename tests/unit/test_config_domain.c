/*
 * Tests for the typed domain configuration (tools/config/domain_config.c and its printer):
 * xl's defaults, numbers as xl reads them, the kernel command line from cmdline, root and
 * extra, uuids, shutdown actions, the PV-only type, names, unknown keys, the checks across
 * settings, and that the printed configuration reads back the same.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <uuid/uuid.h>

#include "config_test.h"

static void test_defaults(void **state)
{
	struct parsed p;

	(void)state;
	expect_valid(&p, MINIMAL);
	assert_string_equal(p.config.name, "g");
	assert_string_equal(p.config.kernel, "/k");
	assert_null(p.config.ramdisk);
	assert_null(p.config.cmdline);
	assert_int_equal(p.config.memory_mib, 32); /* libxl's default */
	assert_int_equal(p.config.maxmem_mib, 32);
	assert_int_equal(p.config.vcpus, 1);
	assert_int_equal(p.config.maxvcpus, 1);
	assert_int_equal(p.config.on_poweroff, DOMAIN_ACTION_DESTROY);
	assert_int_equal(p.config.on_reboot, DOMAIN_ACTION_RESTART);
	assert_int_equal(p.config.on_crash, DOMAIN_ACTION_DESTROY);
	assert_true(p.config.uuid_generated);
	assert_false(uuid_is_null(p.config.uuid));
	assert_int_equal(p.config.disk_count, 0);
	assert_int_equal(p.config.vif_count, 0);
	assert_int_equal(p.diag.count, 0);
	parsed_free(&p);
}

static void test_memory_and_vcpus(void **state)
{
	struct parsed p;

	(void)state;
	expect_valid(&p, MINIMAL "memory = 256\n");
	assert_int_equal(p.config.memory_mib, 256);
	assert_int_equal(p.config.maxmem_mib, 256); /* maxmem follows memory */
	parsed_free(&p);

	expect_valid(&p, MINIMAL "maxmem = 512\n");
	assert_int_equal(p.config.memory_mib, 512); /* and memory follows maxmem */
	assert_int_equal(p.config.maxmem_mib, 512);
	parsed_free(&p);

	/* strtol base 0, as xl: hex, octal, and quoted numbers */
	expect_valid(&p, MINIMAL "memory = 0x100\nmaxmem = '01000'\nvcpus = \"2\"\nmaxvcpus = 4\n");
	assert_int_equal(p.config.memory_mib, 256);
	assert_int_equal(p.config.maxmem_mib, 512);
	assert_int_equal(p.config.vcpus, 2);
	assert_int_equal(p.config.maxvcpus, 4);
	parsed_free(&p);

	expect_valid(&p, MINIMAL "maxvcpus = 8\n");
	assert_int_equal(p.config.vcpus, 1);
	assert_int_equal(p.config.maxvcpus, 8);
	parsed_free(&p);

	expect_valid(&p, MINIMAL "vcpus = 64\nmemory = 1048576\n");
	parsed_free(&p);
}

static void test_number_errors(void **state)
{
	struct parsed p;

	(void)state;
	expect_errors(&p, MINIMAL "memory = 0\nmaxmem = 1048577\nvcpus = 65\nmaxvcpus = 0\n", 4);
	expect_message(&p, CONFIG_ERROR, 3, 10,
		       "memory = 0 is out of range: it must be from 1 to "
		       "1048576");
	expect_message(&p, CONFIG_ERROR, 4, 10, "maxmem = 1048577 is out of range");
	expect_message(&p, CONFIG_ERROR, 5, 9,
		       "vcpus = 65 is out of range: it must be from 1 to 64");
	expect_message(&p, CONFIG_ERROR, 6, 12, "maxvcpus = 0 is out of range");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "memory = '12abc'\nvcpus = 09\nmaxmem = [1]\nmaxvcpus = ''\n", 4);
	expect_message(&p, CONFIG_ERROR, 3, 10,
		       "`memory' must be a number (decimal, 0x hex or 0 "
		       "octal), not `12abc'");
	expect_message(&p, CONFIG_ERROR, 4, 9, "not `09'"); /* octal */
	expect_message(&p, CONFIG_ERROR, 5, 10, "`maxmem' must be a number, not a list");
	expect_message(&p, CONFIG_ERROR, 6, 12, "not `'");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "memory = '99999999999999999999'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 10, "out of range");
	parsed_free(&p);

	/* += makes a string; xl refuses to read it as a number */
	expect_errors(&p, MINIMAL "memory = 5\nmemory += 12\n", 1);
	expect_message(&p, CONFIG_ERROR, 4, 1, "`+=' cannot be used with `memory'");
	parsed_free(&p);
}

static void test_cross_checks(void **state)
{
	struct parsed p;

	(void)state;
	expect_errors(&p, MINIMAL "memory = 512\nmaxmem = 256\nvcpus = 4\nmaxvcpus = 2\n", 2);
	expect_message(&p, CONFIG_ERROR, 3, 10, "memory = 512 is more than maxmem = 256 (line 4)");
	expect_message(&p, CONFIG_ERROR, 5, 9, "vcpus = 4 is more than maxvcpus = 2 (line 6)");
	parsed_free(&p);

	expect_valid(&p, MINIMAL "memory = 256\nmaxmem = 256\nvcpus = 2\nmaxvcpus = 2\n");
	parsed_free(&p);
}

static void test_command_line(void **state)
{
	static const struct {
		const char *settings;
		const char *cmdline; /* NULL: none */
		bool warning;
	} cases[] = {
		{"", NULL, false},
		{"extra = 'console=hvc0'\n", "console=hvc0", false},
		{"root = '/dev/xvda1 ro'\n", "root=/dev/xvda1 ro", false},
		{"root = '/dev/xvda1'\nextra = 'quiet'\n", "root=/dev/xvda1 quiet", false},
		{"extra = 'quiet'\nroot = '/dev/xvda1'\n", "root=/dev/xvda1 quiet", false},
		{"cmdline = 'init=/bin/sh'\n", "init=/bin/sh", false},
		{"cmdline = 'a'\nroot = '/r'\nextra = 'e'\n", "a", true},
		{"cmdline = ''\nextra = 'e'\n", NULL, true},
		{"extra = 'a'\nextra += ' b'\n", "a b", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256];
		struct parsed p;

		snprintf(text, sizeof(text), MINIMAL "%s", cases[i].settings);
		expect_valid(&p, text);
		if (cases[i].cmdline)
			assert_string_equal(p.config.cmdline, cases[i].cmdline);
		else
			assert_null(p.config.cmdline);
		assert_int_equal(p.diag.warnings, cases[i].warning ? 1 : 0);
		if (cases[i].warning)
			assert_non_null(config_diag_find(&p.diag, "ignoring root= and extra= in "
								  "favour of cmdline="));
		parsed_free(&p);
	}
}

static void test_required_and_strings(void **state)
{
	struct parsed p;

	(void)state;
	expect_errors(&p, "memory = 64\n", 2);
	expect_message(&p, CONFIG_ERROR, 0, 0, "no `name'");
	expect_message(&p, CONFIG_ERROR, 0, 0, "no `kernel'");
	parsed_free(&p);

	expect_errors(&p, "name = ['a']\nkernel = ''\nramdisk = ''\nextra = [ 'x' ]\n", 4);
	expect_message(&p, CONFIG_ERROR, 1, 8, "`name' must be a single value, not a list");
	expect_message(&p, CONFIG_ERROR, 2, 10, "the kernel path is empty");
	expect_message(&p, CONFIG_ERROR, 3, 11, "the ramdisk path is empty");
	expect_message(&p, CONFIG_ERROR, 4, 9, "`extra' must be a single value");
	parsed_free(&p);

	/* a number token is a string too, as in xl */
	expect_valid(&p, "name = 'web'\nkernel = 1\nramdisk = '/initrd'\n");
	assert_string_equal(p.config.kernel, "1");
	assert_string_equal(p.config.ramdisk, "/initrd");
	parsed_free(&p);
}

static void test_names(void **state)
{
	static const char *const good[] = {"web", "Web-01.example", "a b", "d\xc3\xa9j\xc3\xa0",
					   "1st", "0x10",	    "x"};
	struct parsed p;
	char text[128];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "kernel = '/k'\nname = '%s'\n", good[i]);
		expect_valid(&p, text);
		assert_string_equal(p.config.name, good[i]);
		parsed_free(&p);
	}
	expect_errors(&p, "kernel = '/k'\nname = ''\n", 1);
	expect_message(&p, CONFIG_ERROR, 2, 8, "the domain name is empty");
	parsed_free(&p);
	expect_errors(&p, "kernel = '/k'\nname = 42\n", 1);
	expect_message(&p, CONFIG_ERROR, 2, 8,
		       "is a number: xl commands would take it for a "
		       "domain id");
	parsed_free(&p);
	expect_errors(&p, "kernel = '/k'\nname = 'ab\\tc'\n", 1);
	expect_message(&p, CONFIG_ERROR, 2, 8, "control character (byte 0x09)");
	parsed_free(&p);
}

static void test_uuid(void **state)
{
	static const uint8_t expected[16] = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
					     0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
	struct parsed p, q;

	(void)state;
	expect_valid(&p, MINIMAL "uuid = '6ba7b810-9dad-11d1-80b4-00c04fd430c8'\n");
	assert_false(p.config.uuid_generated);
	assert_memory_equal(p.config.uuid, expected, 16);
	parsed_free(&p);

	expect_valid(&p, MINIMAL "uuid = '6BA7B810-9DAD-11D1-80B4-00C04FD430C8'\n");
	assert_memory_equal(p.config.uuid, expected, 16);
	parsed_free(&p);

	/* generated ones differ */
	expect_valid(&p, MINIMAL);
	expect_valid(&q, MINIMAL);
	assert_int_not_equal(memcmp(p.config.uuid, q.config.uuid, 16), 0);
	parsed_free(&p);
	parsed_free(&q);

	expect_errors(&p, MINIMAL "uuid = '6ba7b8109dad11d180b400c04fd430c8'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 8, "invalid uuid `6ba7b8109dad11d180b400c04fd430c8'");
	parsed_free(&p);
	expect_errors(&p, MINIMAL "uuid = '6ba7b810-9dad-11d1-80b4-00c04fd430cg'\n", 1);
	parsed_free(&p);
	expect_errors(&p, MINIMAL "uuid = '{6ba7b810-9dad-11d1-80b4-00c04fd430c8}'\n", 1);
	parsed_free(&p);
}

static void test_actions(void **state)
{
	static const struct {
		const char *name;
		enum domain_action action;
	} cases[] = {
		{"destroy", DOMAIN_ACTION_DESTROY},
		{"restart", DOMAIN_ACTION_RESTART},
		{"rename-restart", DOMAIN_ACTION_RENAME_RESTART},
		{"preserve", DOMAIN_ACTION_PRESERVE},
		{"coredump-destroy", DOMAIN_ACTION_COREDUMP_DESTROY},
		{"coredump-restart", DOMAIN_ACTION_COREDUMP_RESTART},
		{"soft-reset", DOMAIN_ACTION_SOFT_RESET},
	};
	struct parsed p;
	char text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 MINIMAL "on_poweroff = '%s'\non_reboot = '%s'\non_crash = '%s'\n",
			 cases[i].name, cases[i].name, cases[i].name);
		expect_valid(&p, text);
		assert_int_equal(p.config.on_poweroff, cases[i].action);
		assert_int_equal(p.config.on_reboot, cases[i].action);
		assert_int_equal(p.config.on_crash, cases[i].action);
		assert_string_equal(domain_action_name(cases[i].action), cases[i].name);
		parsed_free(&p);
	}
	expect_errors(&p, MINIMAL "on_crash = 'Destroy'\non_reboot = 'reboot'\n", 2);
	expect_message(&p, CONFIG_ERROR, 3, 12, "unknown on_crash action \"Destroy\"");
	expect_message(&p, CONFIG_ERROR, 4, 13, "unknown on_reboot action \"reboot\"");
	parsed_free(&p);
}

static void test_type(void **state)
{
	struct parsed p;

	(void)state;
	expect_valid(&p, MINIMAL "type = 'pv'\n");
	parsed_free(&p);
	expect_valid(&p, MINIMAL "builder = 'generic'\n");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "type = 'hvm'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 8,
		       "type \"hvm\" is not supported: Parvus runs PV "
		       "domains only");
	parsed_free(&p);
	expect_errors(&p, MINIMAL "type = 'pvh'\n", 1);
	parsed_free(&p);
	expect_errors(&p, MINIMAL "type = 'p'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 8, "unknown type \"p\"");
	parsed_free(&p);
	expect_errors(&p, MINIMAL "builder = 'hvm'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 11, "builder \"hvm\" is not supported");
	parsed_free(&p);
}

static void test_unknown_keys(void **state)
{
	struct parsed p;

	(void)state;
	expect_valid(&p, MINIMAL "memroy = 5\ncpus = '0-3'\nfrobnicate = 1\nvcpu = 2\n");
	assert_int_equal(p.diag.warnings, 4);
	expect_message(&p, CONFIG_WARNING, 3, 1,
		       "unknown setting `memroy' ignored; did you mean "
		       "`memory'?");
	expect_message(&p, CONFIG_WARNING, 4, 1, "`cpus' is not supported by Parvus; ignored");
	expect_message(&p, CONFIG_WARNING, 5, 1, "unknown setting `frobnicate' ignored");
	expect_message(&p, CONFIG_WARNING, 6, 1, "did you mean `vcpus'?");
	parsed_free(&p);
}

/* Prints a configuration, reads the print back, and checks both are the same. */
static void test_print_reads_back(void **state)
{
	static const char text[] =
		"name = 'web \"1\"'\nkernel = '/boot/vmlinuz'\nramdisk = '/boot/initrd'\n"
		"root = '/dev/xvda1'\nextra = 'console=hvc0\\tquiet'\n"
		"memory = 128\nmaxmem = 256\nvcpus = 2\nmaxvcpus = 4\non_crash = 'preserve'\n"
		"disk = [ 'phy:/dev/vg/web,xvda,w', ',hdc:cdrom,r',\n"
		"  'vdev=xvdb, access=ro, discard, untrusted, backend=drv, target=/a,b=c,,' ]\n"
		"vif = [ 'bridge=br0,ip=10.0.0.1', 'mac=00:16:3e:01:02:03,rate=1MB/s@20ms,devid=5' "
		"]\n";
	struct parsed p, q;
	char *out = NULL, *again = NULL;
	size_t size = 0;
	FILE *f;

	(void)state;
	expect_valid(&p, text);
	f = open_memstream(&out, &size);
	domain_config_print(&p.config, f);
	fclose(f);
	expect_valid(&q, out);

	assert_string_equal(q.config.name, "web \"1\"");
	assert_string_equal(q.config.cmdline, "root=/dev/xvda1 console=hvc0\tquiet");
	assert_memory_equal(q.config.uuid, p.config.uuid, 16);
	assert_false(q.config.uuid_generated);
	assert_int_equal(q.config.maxmem_mib, 256);
	assert_int_equal(q.config.on_crash, DOMAIN_ACTION_PRESERVE);
	assert_int_equal(q.config.disk_count, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct domain_disk *a = &p.config.disks[i], *b = &q.config.disks[i];

		assert_int_equal(a->devid, b->devid);
		assert_int_equal(a->format, b->format);
		assert_int_equal(a->readonly, b->readonly);
		assert_int_equal(a->cdrom, b->cdrom);
		assert_int_equal(a->discard, b->discard);
		assert_int_equal(a->trusted, b->trusted);
		assert_true((!a->target && !b->target) || !strcmp(a->target, b->target));
	}
	assert_string_equal(q.config.disks[2].target, "/a,b=c,");
	assert_string_equal(q.config.disks[2].backend, "drv");
	assert_int_equal(q.config.vif_count, 2);
	assert_memory_equal(q.config.vifs[0].mac, p.config.vifs[0].mac, 6);
	assert_string_equal(q.config.vifs[0].ip, "10.0.0.1");
	assert_int_equal(q.config.vifs[1].devid, 5);
	assert_int_equal(q.config.vifs[1].rate_bytes_per_interval, 20000);

	/* and printing it again gives the same text, but for the comments on generated values */
	f = open_memstream(&again, &size);
	domain_config_print(&q.config, f);
	fclose(f);
	assert_non_null(strstr(out, " # generated\n"));
	assert_null(strstr(again, "# generated"));
	assert_null(strstr(again, "# MAC generated"));
	free(out);
	free(again);
	parsed_free(&p);
	parsed_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),      cmocka_unit_test(test_memory_and_vcpus),
		cmocka_unit_test(test_number_errors), cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_command_line),  cmocka_unit_test(test_required_and_strings),
		cmocka_unit_test(test_names),	      cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_actions),	      cmocka_unit_test(test_type),
		cmocka_unit_test(test_unknown_keys),  cmocka_unit_test(test_print_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
