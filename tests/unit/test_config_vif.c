/*
 * Tests for network interfaces (tools/config/vif_spec.c): MAC addresses read and made in Xen's
 * OUI, xl's vif keys with their defaults, rate limits, and the errors for unknown keys and bad
 * values.
 */
#include <stdlib.h>

#include "config_test.h"
#include "vif_spec.h"

static void test_mac_parse(void **state)
{
	uint8_t mac[6];

	(void)state;
	assert_int_equal(mac_address_parse("00:16:3E:74:3d:76", mac), 0);
	assert_memory_equal(mac, ((uint8_t[]){0x00, 0x16, 0x3e, 0x74, 0x3d, 0x76}), 6);
	assert_int_equal(mac_address_parse("0:16:3e:1:2:f", mac), 0); /* one digit is fine */
	assert_memory_equal(mac, ((uint8_t[]){0x00, 0x16, 0x3e, 0x01, 0x02, 0x0f}), 6);

	assert_int_equal(mac_address_parse("", mac), -1);
	assert_int_equal(mac_address_parse("00:16:3e:74:3d", mac), -1);
	assert_int_equal(mac_address_parse("00:16:3e:74:3d:76:01", mac), -1);
	assert_int_equal(mac_address_parse("00-16-3e-74-3d-76", mac), -1);
	assert_int_equal(mac_address_parse("00:16:3e:74:3d:7g", mac), -1);
	assert_int_equal(mac_address_parse("000:16:3e:74:3d:76", mac), -1);
	assert_int_equal(mac_address_parse("00:16:3e:74:3d:76 ", mac), -1);
	assert_int_equal(mac_address_parse("00::3e:74:3d:76", mac), -1);
}

static void test_mac_generate(void **state)
{
	uint8_t first[6], mac[6];
	bool differ = false;

	(void)state;
	mac_address_generate(first);
	for (int i = 0; i < 64; i++) {
		mac_address_generate(mac);
		/* Xen's OUI, the top bit of the next byte clear (libxl's rule) */
		assert_int_equal(mac[0], 0x00);
		assert_int_equal(mac[1], 0x16);
		assert_int_equal(mac[2], 0x3e);
		assert_int_equal(mac[3] & 0x80, 0);
		differ |= memcmp(mac, first, 6) != 0;
	}
	assert_true(differ);
}

static int vif(struct parsed *p, const char *spec, struct domain_vif *out)
{
	struct config_value *value = config_value_string(strdup(spec), 4, 8);
	int result;

	memset(p, 0, sizeof(*p));
	config_diag_init(&p->diag, "test.cfg");
	value->verbatim = true;
	result = vif_spec_parse(value, 3, &p->diag, out);
	config_value_free(value);
	return result;
}

static void test_keys_and_defaults(void **state)
{
	struct domain_vif v;
	struct parsed p;

	(void)state;
	/* the empty spec: every default */
	assert_int_equal(vif(&p, "", &v), 0);
	assert_true(v.mac_generated);
	assert_int_equal(v.mac[2], 0x3e);
	assert_string_equal(v.bridge, "xenbr0");
	assert_string_equal(v.script, "vif-bridge");
	assert_null(v.ip);
	assert_int_equal(v.devid, 3); /* its index */
	assert_false(v.devid_given);
	domain_vif_free(&v);
	config_diag_free(&p.diag);

	assert_int_equal(vif(&p, "mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr1", &v), 0);
	assert_false(v.mac_generated);
	assert_memory_equal(v.mac, ((uint8_t[]){0x00, 0x16, 0x3e, 0x74, 0x3d, 0x76}), 6);
	assert_string_equal(v.bridge, "xenbr1");
	assert_string_equal(v.model, "rtl8139");
	domain_vif_free(&v);
	config_diag_free(&p.diag);

	/* blanks around pieces, empty pieces, later keys replacing earlier ones */
	assert_int_equal(vif(&p,
			     " ip=10.0.0.2 ,,bridge=a, bridge=b ,script=vif-route,type=vif,"
			     "vifname=web0,backend=drv,gatewaydev=eth0,devid=7,",
			     &v),
			 0);
	assert_string_equal(v.ip, "10.0.0.2");
	assert_string_equal(v.bridge, "b");
	assert_string_equal(v.script, "vif-route");
	assert_string_equal(v.vifname, "web0");
	assert_string_equal(v.backend, "drv");
	assert_string_equal(v.gatewaydev, "eth0");
	assert_int_equal(v.devid, 7);
	assert_true(v.devid_given);
	assert_int_equal(p.diag.count, 0);
	domain_vif_free(&v);
	config_diag_free(&p.diag);

	/* xl's own warnings */
	assert_int_equal(vif(&p, "netdev=eth1,accel=x,colo_sock_mirror_id=1", &v), 0);
	assert_string_equal(v.gatewaydev, "eth1");
	assert_int_equal(p.diag.warnings, 3);
	assert_non_null(config_diag_find(&p.diag, "netdev parameter is deprecated"));
	domain_vif_free(&v);
	config_diag_free(&p.diag);

	/* all-zero is "not given" to libxl: one is made */
	assert_int_equal(vif(&p, "mac=00:00:00:00:00:00", &v), 0);
	assert_true(v.mac_generated);
	domain_vif_free(&v);
	config_diag_free(&p.diag);
}

static void test_rates(void **state)
{
	static const struct {
		const char *rate;
		uint64_t bytes;
		uint32_t usecs;
	} cases[] = {
		{"10Mb/s", 62500, 50000}, /* 1.25 MB/s for 50 ms */
		{"250KB/s", 12500, 50000},    {"1MB/s@20ms", 20000, 20000},
		{"100B/s@2", 200, 2000000},   {"100B/s@2s", 200, 2000000},
		{"1GB/s@100us", 100000, 100}, {"8b/s@1m", 0, 1000},
	};
	struct domain_vif v;
	struct parsed p;
	char spec[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(spec, sizeof(spec), "rate=%s", cases[i].rate);
		if (vif(&p, spec, &v)) {
			show_messages(&p);
			fail_msg("rate `%s' refused", cases[i].rate);
		}
		assert_int_equal(v.rate_bytes_per_interval, cases[i].bytes);
		assert_int_equal(v.rate_interval_usecs, cases[i].usecs);
		assert_string_equal(v.rate, cases[i].rate);
		domain_vif_free(&v);
		config_diag_free(&p.diag);
	}
}

static void test_errors(void **state)
{
	static const struct {
		const char *spec;
		int column;
		const char *message;
	} cases[] = {
		{"mac=00:16:3e:00:00", 9, "invalid MAC address `00:16:3e:00:00'"},
		{"bridge=x, mac=01:00:5e:00:00:01", 19, "is a multicast address"},
		{"speed=100", 9, "unrecognized argument `speed=100'"},
		{"bridge", 9, "unrecognized argument `bridge'"},
		{"type=e1000", 9, "invalid type `e1000'"},
		{"devid=x", 9, "invalid devid `x'"},
		{"rate=10Mb", 9, "invalid rate `10Mb'"},
		{"rate=0B/s", 9, "rate `0B/s' is zero"},
		{"rate=5B/s@", 9, "invalid rate"},
		{"rate=5B/s@3h", 9, "invalid rate"},
		{"rate=99999999999B/s", 9, "too large"},
		{"rate=1B/s@5000s", 9, "too large"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct domain_vif v;
		struct parsed p;

		if (vif(&p, cases[i].spec, &v) == 0)
			fail_msg("vif `%s' accepted", cases[i].spec);
		assert_int_equal(p.diag.errors, 1);
		expect_message(&p, CONFIG_ERROR, 4, cases[i].column, cases[i].message);
		expect_message(&p, CONFIG_ERROR, 4, cases[i].column, "in the vif `");
		assert_null(v.bridge);
		config_diag_free(&p.diag);
	}
}

static void test_in_a_file(void **state)
{
	struct parsed p;

	(void)state;
	expect_valid(&p, MINIMAL "vif = [ 'mac=00:16:3e:00:00:01', '', 'bridge=br1' ]\n");
	assert_int_equal(p.config.vif_count, 3);
	assert_false(p.config.vifs[0].mac_generated);
	assert_true(p.config.vifs[1].mac_generated);
	assert_int_equal(p.config.vifs[2].devid, 2);
	assert_int_equal(memcmp(p.config.vifs[1].mac, p.config.vifs[2].mac, 6) != 0, 1);
	parsed_free(&p);

	expect_valid(&p, MINIMAL "vif = []\n");
	assert_int_equal(p.config.vif_count, 0);
	parsed_free(&p);

	expect_errors(&p, MINIMAL "vif = [ 'mac=00:16:3e:00:00:01', 'mac=00:16:3E:00:00:01' ]\n",
		      1);
	expect_message(&p, CONFIG_ERROR, 3, 34,
		       "MAC address 00:16:3e:00:00:01 is used twice (first "
		       "by the vif at line 3, column 9)");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "vif = [ 'devid=1', '' ]\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 20, "vif devid 1 is used twice");
	parsed_free(&p);

	expect_errors(&p, MINIMAL "vif = 'bridge=x'\n", 1);
	expect_message(&p, CONFIG_ERROR, 3, 7, "`vif' must be a list");
	parsed_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mac_parse),
		cmocka_unit_test(test_mac_generate),
		cmocka_unit_test(test_keys_and_defaults),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_in_a_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
