/*
 * Tests for disks (tools/config/vdev.c, disk_spec.c): virtual device names to Xen device
 * numbers as docs/misc/vbd-interface.txt encodes them, and xl's disk specification syntax with
 * its positional, named and deprecated forms, defaults and errors.
 */
#include <stdlib.h>

#include "config_test.h"
#include "disk_spec.h"
#include "vdev.h"

/* Table rows below leave readonly and cdrom out when they are false. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static void test_vdev_numbers(void **state)
{
	static const struct {
		const char *name;
		long number;
	} cases[] = {
		{"xvda", 202 << 8},
		{"xvdb", 202 << 8 | 1 << 4},
		{"xvda1", 202 << 8 | 1},
		{"xvdp15", 202 << 8 | 15 << 4 | 15},
		{"xvdq", 1 << 28 | 16 << 8},	   /* disk 16: the extended form */
		{"xvda16", 1 << 28 | 0 << 8 | 16}, /* partition 16 too */
		{"xvdz", 1 << 28 | 25 << 8},
		{"xvdaa", 1 << 28 | 26 << 8},
		{"xvdtq37", 1 << 28 | 536 << 8 | 37}, /* vbd-interface.txt's example */
		{"d536p37", 1 << 28 | 536 << 8 | 37},
		{"d0p0", 202 << 8},
		{"d1p2", 202 << 8 | 1 << 4 | 2},
		{"xvda255", 1 << 28 | 255},
		{"hda", 3 << 8},
		{"hdb", 3 << 8 | 1 << 6},
		{"hdc", 22 << 8},
		{"hdd63", 22 << 8 | 1 << 6 | 63},
		{"hdc2", 22 << 8 | 2},
		{"sda", 8 << 8},
		{"sdb3", 8 << 8 | 1 << 4 | 3},
		{"sdp15", 8 << 8 | 15 << 4 | 15},
		{"51712", 51712},
		{"0xca00", 0xca00},
		{"0777", 0777},
		{"0", 0},
		{"2147483647", 2147483647},
		/* not names */
		{"", -1},
		{"xvd", -1},
		{"xvda0", -1}, /* no leading zero in a partition */
		{"xvda01", -1},
		{"xvda256", -1}, /* partitions up to 255 */
		{"xvdA", -1},
		{"xvda ", -1},
		{"hde", -1}, /* IDE disks 0..3 */
		{"hda64", -1},
		{"sdq", -1}, /* SCSI disks 0..15 */
		{"sda16", -1},
		{"d1048576p0", -1}, /* disks below 1 << 20 */
		{"d0p256", -1},
		{"d01p1", -1},
		{"dp1", -1},
		{"2147483648", -1},
		{"-1", -1},
		{"12x", -1},
		{"vda", -1},
		/* xvd + 5 letters: index 12355928 passes 1 << 20 */
		{"xvdzzzzz", -1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long number = vdev_number(cases[i].name);

		if (number != cases[i].number)
			fail_msg("vdev `%s': %ld, expected %ld", cases[i].name, number,
				 cases[i].number);
	}
	/* the largest xvd disk: (1 << 20) - 1 is "xvdbfxp" (0-based bijective base 26) */
	assert_int_equal(vdev_number("d1048575p255"), 1L << 28 | 1048575L << 8 | 255);
}

/* Parses SPEC as a disk; the result, with DISK filled when 0. */
static int disk(struct parsed *p, const char *spec, struct domain_disk *out)
{
	struct config_value *value = config_value_string(strdup(spec), 7, 10);

	memset(p, 0, sizeof(*p));
	config_diag_init(&p->diag, "test.cfg");
	value->verbatim = true;
	int result = disk_spec_parse(value, &p->diag, out);
	config_value_free(value);
	return result;
}

struct expected_disk {
	const char *spec;
	const char *target; /* NULL: none */
	enum disk_format format;
	const char *vdev;
	long devid;
	bool readonly;
	bool cdrom;
};

static void test_equivalent_forms(void **state)
{
	/* xl-disk-configuration(5)'s examples, and more of its grammar */
	static const struct expected_disk cases[] = {
		{"/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", DISK_FORMAT_RAW, "hda", 768},
		{"/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", DISK_FORMAT_RAW, "hda",
		 768},
		{"format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
		 "/dev/vg/guest-volume", DISK_FORMAT_RAW, "hda", 768},
		{"raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", DISK_FORMAT_RAW, "hda",
		 768},
		{"/root/image.iso,,hdc,cdrom", "/root/image.iso", DISK_FORMAT_RAW, "hdc", 5632,
		 true, true},
		{"/root/image.iso,,hdc,,cdrom", "/root/image.iso", DISK_FORMAT_RAW, "hdc", 5632,
		 true, true},
		{"/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", DISK_FORMAT_RAW, "hdc",
		 5632, true, true},
		{"format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
		 "/root/image.iso", DISK_FORMAT_RAW, "hdc", 5632, true, true},
		{"raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", DISK_FORMAT_RAW, "hdc",
		 5632, true, true},
		/* an empty CD-ROM drive, xend's way */
		{",hdc:cdrom,r", NULL, DISK_FORMAT_EMPTY, "hdc", 5632, true, true},
		{"vdev=xvdb,devtype=cdrom", NULL, DISK_FORMAT_EMPTY, "xvdb", 51728, true, true},
		/* cdrom is read-only whatever access says */
		{"/x.iso,,xvdc,rw,cdrom", "/x.iso", DISK_FORMAT_RAW, "xvdc", 51744, true, true},
		/* deprecated prefixes are dropped; after one, format is not positional */
		{"phy:/dev/sda,xvda,w", "/dev/sda", DISK_FORMAT_RAW, "xvda", 51712},
		{"file:/img,xvda,r", "/img", DISK_FORMAT_RAW, "xvda", 51712, true},
		{"tap:aio:/img,xvda,w", "/img", DISK_FORMAT_RAW, "xvda", 51712},
		{"tap2:tapdisk:aio:/img,xvda", "/img", DISK_FORMAT_RAW, "xvda", 51712},
		/* blanks before parameters; named ones anywhere; empty values take defaults */
		{"  /img , ,  xvda ,  ro", "/img ", DISK_FORMAT_RAW, "xvda ", -1, true},
		{"vdev=xvda,/img", "/img", DISK_FORMAT_RAW, "xvda", 51712},
		{"access=ro,/img,,xvdb", "/img", DISK_FORMAT_RAW, "xvdb", 51728, true},
		{"/img,,xvda,", "/img", DISK_FORMAT_RAW, "xvda", 51712},
		{"/img,,d0p1", "/img", DISK_FORMAT_RAW, "d0p1", 51713},
		{"/img,,51712", "/img", DISK_FORMAT_RAW, "51712", 51712},
		/* target= takes the rest: commas, colons and '=' included, one trailing ',' not */
		{"vdev=xvda, target=/odd,name=with:colons,", "/odd,name=with:colons",
		 DISK_FORMAT_RAW, "xvda", 51712},
		{",,xvda,target=/late", "/late", DISK_FORMAT_RAW, "xvda", 51712},
		/* flags */
		{"/img,,xvda,discard,trusted,direct-io-safe", "/img", DISK_FORMAT_RAW, "xvda",
		 51712},
		{"format=empty,vdev=xvdd,cdrom", NULL, DISK_FORMAT_EMPTY, "xvdd", 51760, true,
		 true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expected_disk *c = &cases[i];
		struct domain_disk d;
		struct parsed p;
		int result = disk(&p, c->spec, &d);

		if (c->devid < 0) {
			/* parsed, but the vdev keeps its trailing blank and is then refused */
			assert_int_equal(result, -1);
			assert_non_null(config_diag_find(&p.diag, "invalid vdev `xvda '"));
			config_diag_free(&p.diag);
			continue;
		}
		if (result) {
			show_messages(&p);
			fail_msg("disk `%s' refused", c->spec);
		}
		if (c->target)
			assert_string_equal(d.target, c->target);
		else
			assert_null(d.target);
		assert_int_equal(d.format, c->format);
		assert_string_equal(d.vdev, c->vdev);
		assert_int_equal(d.devid, c->devid);
		if (d.readonly != c->readonly || d.cdrom != c->cdrom)
			fail_msg("disk `%s': readonly %d cdrom %d", c->spec, d.readonly, d.cdrom);
		assert_int_equal(p.diag.errors, 0);
		domain_disk_free(&d);
		config_diag_free(&p.diag);
	}
}

static void test_flags_and_named(void **state)
{
	struct domain_disk d;
	struct parsed p;

	(void)state;
	assert_int_equal(disk(&p, "/img,,xvda,no-discard,untrusted,backend=drv,script=block-x", &d),
			 0);
	assert_int_equal(d.discard, TRISTATE_FALSE);
	assert_int_equal(d.trusted, TRISTATE_FALSE);
	assert_false(d.direct_io_safe);
	assert_string_equal(d.backend, "drv");
	assert_string_equal(d.script, "block-x");
	domain_disk_free(&d);
	config_diag_free(&p.diag);

	assert_int_equal(disk(&p, "iscsi:iqn.2001-05.com.example:disk,xvda", &d), 0);
	assert_string_equal(d.script, "block-iscsi");
	assert_string_equal(d.target, "iqn.2001-05.com.example:disk");
	domain_disk_free(&d);
	config_diag_free(&p.diag);

	/* accepted with a warning: what Parvus does not do */
	assert_int_equal(disk(&p, "/img,,xvda,backendtype=phy,colo,colo-host=h", &d), 0);
	assert_int_equal(p.diag.warnings, 3);
	assert_non_null(config_diag_find(&p.diag, "backendtype=phy' ignored"));
	domain_disk_free(&d);
	config_diag_free(&p.diag);

	/* the same format twice is fine */
	assert_int_equal(disk(&p, "raw:/img,format=raw,vdev=xvda", &d), 0);
	domain_disk_free(&d);
	config_diag_free(&p.diag);
}

struct expected_error {
	const char *spec;
	int column; /* in the line, the spec string starting at column 10 */
	const char *message;
};

static void test_errors(void **state)
{
	static const struct expected_error cases[] = {
		{"", 10, "no vdev"},
		{"/img", 10, "no vdev"},
		{"/img,raw", 10, "no vdev"},
		{",,xvda", 10, "no target"},
		{"vdev=xvda", 10, "no target"},
		{"/img,,xvda,rw,extra", 25, "too many positional parameters at `extra'"},
		{"/img,,xvda,rx", 22, "unknown access `rx'"},
		{"/img,qcow3,xvda", 16, "unknown format `qcow3'"},
		{"/img,qcow2,xvda", 10, "format qcow2 is not supported"},
		{"vhd:/img,xvda", 10, "format vhd is not supported"},
		{"/img,raw,xvda,format=qcow2", 25, "format given twice, differently"},
		{"/img,,xvda,vdev=xvdb", 22, "vdev given twice"},
		{"/img,,xvda,target=/other", 22, "target given twice"},
		{"/img,,xvda,frobnicate=1", 22, "unknown parameter `frobnicate'"},
		{"/img,,xvda,frob=long value", 22, "unknown parameter `frob'"},
		{"/i=mg,,xvda", 11, "bad disk syntax near `/i=mg'"},
		{"/img,,xvda,devtype=floppy", 22, "unknown devtype `floppy'"},
		{"/img,,xvda:floppy", 17, "unknown device type `floppy'"},
		{"foo:/img,xvda", 11, "unknown deprecated prefix `foo:'"},
		{"/img,,xvdA", 10, "invalid vdev `xvdA'"},
		{"/img,,xvda,specification=virtio", 22, "specification=virtio is not supported"},
		{"/img,,xvda,backendtype=nbd", 22, "unknown backendtype `nbd'"},
		{"/img,,xvda,grant_usage=2", 22, "grant_usage must be 0 or 1"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct expected_error *c = &cases[i];
		struct domain_disk d;
		struct parsed p;

		if (disk(&p, c->spec, &d) == 0)
			fail_msg("disk `%s' accepted", c->spec);
		assert_int_equal(p.diag.errors, 1);
		/* the error names the spec, and points into it */
		expect_message(&p, CONFIG_ERROR, 7, c->column, c->message);
		expect_message(&p, CONFIG_ERROR, 7, c->column, "in the disk `");
		/* a refused disk is left empty */
		assert_null(d.target);
		assert_null(d.vdev);
		config_diag_free(&p.diag);
	}
}

static void test_in_a_file(void **state)
{
	struct parsed p;

	(void)state;
	expect_valid(&p, MINIMAL "disk = [ '/a,,xvda', \"/b,,xvdb,ro\",\n  'vdev=hdc,cdrom' ]\n");
	assert_int_equal(p.config.disk_count, 3);
	assert_string_equal(p.config.disks[1].target, "/b");
	assert_true(p.config.disks[1].readonly);
	assert_int_equal(p.config.disks[2].line, 4);
	assert_int_equal(p.config.disks[2].column, 3);
	parsed_free(&p);

	/* an error inside a string with escapes points at the string */
	expect_errors(&p, MINIMAL "disk = [ \"/a\\t,,xvda,bad=1\" ]\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 10, "unknown parameter `bad'");
	parsed_free(&p);

	/* unique devices, by number, not by spelling */
	expect_errors(&p, MINIMAL "disk = [ '/a,,xvda', '/b,,xvda', '/c,,51712', '/d,,d0p0' ]\n",
		      3);
	expect_message(&p, CONFIG_ERROR, 3, 22,
		       "vdev `xvda' is used twice (first at line 3, "
		       "column 10)");
	expect_message(&p, CONFIG_ERROR, 3, 34,
		       "vdev `51712' is the same device (51712) as `xvda'");
	expect_message(&p, CONFIG_ERROR, 3, 47, "vdev `d0p0' is the same device");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "disk = '/a,,xvda'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 8, "`disk' must be a list");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "disk = [ ['/a,,xvda'] ]\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 10, "each entry of `disk' is a string");
	parsed_free(&p);

	/* every bad disk is reported, not only the first */
	expect_errors(&p, MINIMAL "disk = [ '', '/b', '/c,,xvdc' ]\n", 2);
	parsed_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vdev_numbers),	cmocka_unit_test(test_equivalent_forms),
		cmocka_unit_test(test_flags_and_named), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_in_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
