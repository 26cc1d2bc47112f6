/*
 * Tests for common/lib/number.c: strtoul, strtoull, strtol and strtoll against glibc's, value and
 * end pointer both, over a table of hard inputs (limits and one past them, signs, white space,
 * prefixes with and without digits after) and many generated strings in several bases. Then
 * parse_size and parse_size_bytes, whose expected values are worked out by hand from Xen's rule.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "libc_rename.h"
#include "libc/stdlib.h"
#define PARVUS_LIBC_RENAME_UNDO
#include "libc_rename.h"

static const int bases[] = {0, 2, 8, 10, 16, 36};
#define NBASES (sizeof(bases) / sizeof(bases[0]))

static unsigned long checked;
static unsigned long mismatches;

static void mismatch(const char *function, const char *input, int base, const char *detail)
{
	if (mismatches < 20)
		print_error("%s(\"%s\", %d): %s differs from glibc\n", function, input, base,
			    detail);
	mismatches++;
}

/* All four functions on one input and base: same value, same end pointer. */
static void check_input(const char *input, int base)
{
	char *expected_end, *actual_end;

	if (parvus_strtoul(input, &actual_end, base) != strtoul(input, &expected_end, base))
		mismatch("strtoul", input, base, "value");
	if (actual_end != expected_end)
		mismatch("strtoul", input, base, "end");
	if (parvus_strtoull(input, &actual_end, base) != strtoull(input, &expected_end, base))
		mismatch("strtoull", input, base, "value");
	if (actual_end != expected_end)
		mismatch("strtoull", input, base, "end");
	if (parvus_strtol(input, &actual_end, base) != strtol(input, &expected_end, base))
		mismatch("strtol", input, base, "value");
	if (actual_end != expected_end)
		mismatch("strtol", input, base, "end");
	if (parvus_strtoll(input, &actual_end, base) != strtoll(input, &expected_end, base))
		mismatch("strtoll", input, base, "value");
	if (actual_end != expected_end)
		mismatch("strtoll", input, base, "end");
	checked++;
}

static const char *const hard_inputs[] = {
	"",
	" ",
	"0",
	"1",
	"-1",
	"+1",
	"+",
	"-",
	"+-1",
	"-+1",
	" \t\n\v\f\r42",
	"  -  1",
	"-\t1",
	"42abc",
	"abc",
	"12 34",
	"1e3",
	"z",
	"Z",
	"zz",
	"0x",
	"0X",
	"0x1f",
	"0X1F",
	"-0x1f",
	"+0x1F",
	"0xg",
	"0x 1",
	" 0x10",
	"00x10",
	"0b101",
	"0777",
	"0778",
	"08",
	"09",
	"-0",
	"\xe9"
	"1",
	"1\xe9",
	"2147483647",
	"2147483648",
	"-2147483648",
	"-2147483649",
	"4294967295",
	"4294967296",
	"9223372036854775807",
	"9223372036854775808",
	"-9223372036854775807",
	"-9223372036854775808",
	"-9223372036854775809",
	"18446744073709551615",
	"18446744073709551616",
	"-18446744073709551615",
	"-18446744073709551616",
	"99999999999999999999999999999999999999",
	"-99999999999999999999999999999999999999",
	"0x7fffffffffffffff",
	"0x8000000000000000",
	"-0x8000000000000000",
	"-0x8000000000000001",
	"0xffffffffffffffff",
	"0x10000000000000000",
	"01777777777777777777777",
	"02000000000000000000000",
	"1777777777777777777777",
	"1111111111111111111111111111111111111111111111111111111111111111",
	"11111111111111111111111111111111111111111111111111111111111111111",
	"-1000000000000000000000000000000000000000000000000000000000000000",
	"3w5e11264sgsf",
	"3w5e11264sgsg",
	"1y2p0ij32e8e7",
	"1y2p0ij32e8e8",
	"-1y2p0ij32e8e8",
};

static void test_hard_inputs_match_glibc(void **state)
{
	const size_t n = sizeof(hard_inputs) / sizeof(hard_inputs[0]);

	(void)state;
	checked = mismatches = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t b = 0; b < NBASES; b++)
			check_input(hard_inputs[i], bases[b]);
	}
	print_message("%lu inputs x bases compared with glibc, %lu differences\n", checked,
		      mismatches);
	assert_int_equal(mismatches, 0);
	assert_int_equal(checked, n * NBASES);
}

/* Strings drawn from the characters that matter, from a fixed seed so failures repeat. */
static void test_generated_inputs_match_glibc(void **state)
{
	static const char alphabet[] = " \t+-0123456789abcdefxXzZ";
	const unsigned long count = 20000;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char input[32];

	(void)state;
	checked = mismatches = 0;
	for (unsigned long i = 0; i < count; i++) {
		size_t length;

		seed ^= seed << 13; /* xorshift64 */
		seed ^= seed >> 7;
		seed ^= seed << 17;
		length = seed % 25;
		for (size_t k = 0; k < length; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			/* digits half the time, so long numbers (and overflow) come up */
			if (seed & 1)
				input[k] = (char)('0' + (seed >> 8) % 10);
			else
				input[k] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		input[length] = '\0';
		for (size_t b = 0; b < NBASES; b++)
			check_input(input, bases[b]);
	}
	print_message("%lu generated inputs x bases compared with glibc, %lu differences\n",
		      checked, mismatches);
	assert_int_equal(mismatches, 0);
	assert_int_equal(checked, count * NBASES);
}

/* Every value near the limits, printed in each base by glibc and read back. */
static void test_round_trip_near_limits(void **state)
{
	static const unsigned long long values[] = {0,
						    1,
						    7,
						    8,
						    9,
						    10,
						    15,
						    16,
						    255,
						    256,
						    INT_MAX,
						    (unsigned long long)INT_MAX + 1,
						    UINT_MAX,
						    (unsigned long long)UINT_MAX + 1,
						    LLONG_MAX - 1,
						    LLONG_MAX,
						    (unsigned long long)LLONG_MAX + 1,
						    (unsigned long long)LLONG_MAX + 2,
						    ULLONG_MAX - 1,
						    ULLONG_MAX};
	static const char *const formats[] = {"%llu",  "-%llu",	 "%#llx", "-%#llx",
					      "%#llo", "-%#llo", "+%llX", " %llx"};
	char text[40];

	(void)state;
	checked = mismatches = 0;
	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
			snprintf(text, sizeof(text), formats[f], values[v]);
			for (size_t b = 0; b < NBASES; b++)
				check_input(text, bases[b]);
		}
	}
	assert_int_equal(mismatches, 0);
	assert_int_equal(checked, 20 * 8 * NBASES);
	/* and a few values spelled out, so a shared mistake with glibc cannot hide */
	assert_int_equal(parvus_strtoull("0x10", NULL, 0), 16);
	assert_int_equal(parvus_strtoull("010", NULL, 0), 8);
	assert_int_equal(parvus_strtoull("010", NULL, 10), 10);
	assert_int_equal(parvus_strtoul("-1", NULL, 10), ULONG_MAX);
	assert_int_equal(parvus_strtol("-9223372036854775808", NULL, 10), LONG_MIN);
	assert_int_equal(parvus_strtoll("9223372036854775808", NULL, 10), LLONG_MAX);
	assert_int_equal(parvus_strtoull("18446744073709551616", NULL, 10), ULLONG_MAX);
	assert_int_equal(parvus_strtoul("zz", NULL, 36), 35 * 36 + 35);
}

static void test_end_pointer_and_bad_bases(void **state)
{
	const char *text = "  0x";
	char *end = NULL;

	(void)state;
	/* no digits at all: end is the start of the text, not after the white space or sign */
	assert_int_equal(parvus_strtol("  -", &end, 10), 0);
	assert_string_equal(end, "  -");
	/* "0x" with no hexadecimal digit after it is the number 0, ending at the x */
	assert_int_equal(parvus_strtoul(text, &end, 16), 0);
	assert_ptr_equal(end, text + 3);
	/* the end pointer is optional */
	assert_int_equal(parvus_strtoll("-77", NULL, 8), -63);
	/* bases C does not define: 0, with end at the start */
	for (int base = -2; base <= 40; base++) {
		if (base == 0 || (base >= 2 && base <= 36))
			continue;
		end = NULL;
		assert_int_equal(parvus_strtoul("123", &end, base), 0);
		assert_string_equal(end, "123");
		end = NULL;
		assert_int_equal(parvus_strtoll("-123", &end, base), 0);
		assert_string_equal(end, "-123");
	}
}

struct size_case {
	const char *text;
	unsigned long long expected;
	size_t end; /* offset where parsing stops */
};

static void check_sizes(unsigned long long (*parse)(const char *, const char **),
			const struct size_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *end = NULL;

		if (parse(cases[i].text, &end) != cases[i].expected)
			print_error("\"%s\": %llu, expected %llu\n", cases[i].text,
				    parse(cases[i].text, NULL), cases[i].expected);
		assert_int_equal(parse(cases[i].text, &end), cases[i].expected);
		assert_ptr_equal(end, cases[i].text + cases[i].end);
	}
}

/* Xen's rule: K, M, G, T or B in either case; a bare number counts KiB. */
static void test_parse_size(void **state)
{
	static const struct size_case cases[] = {
		{"512M", 512ULL << 20, 4},
		{"512m", 512ULL << 20, 4},
		{"1G", 1ULL << 30, 2},
		{"3g", 3ULL << 30, 2},
		{"4k", 4096, 2},
		{"4K", 4096, 2},
		{"2T", 2ULL << 40, 2},
		{"2t", 2ULL << 40, 2},
		{"100", 100ULL << 10, 3},
		{"100B", 100, 4},
		{"100b", 100, 4},
		{"0x10M", 16ULL << 20, 5},
		{"010K", 8ULL << 10, 4},  /* base 0: a leading 0 is octal */
		{"09", 0, 1},		  /* the octal number 0, then a '9' that is no unit */
		{"1Mfoo", 1ULL << 20, 2}, /* stops after the unit */
		{"1M,max:2G", 1ULL << 20, 2},
		{"1P", 1ULL << 10, 1}, /* no P unit: a bare number of KiB, stopping at the P */
		{"50%", 50, 2},	       /* a percentage, left to the caller */
		{"0", 0, 1},
		{"0x", 0, 1},
		{"", 0, 0},
		{"M", 0, 0},   /* no number, no unit */
		{" 1M", 0, 0}, /* must start with a digit */
		{"-1M", 0, 0},
		{"16777215T", 0xffffff0000000000ULL, 9},
		{"16777216T", ULLONG_MAX, 9}, /* 2^64: saturates */
		{"18014398509481983", 18014398509481983ULL << 10, 17},
		{"18014398509481984", ULLONG_MAX, 17},
		{"99999999999999999999999", ULLONG_MAX, 23},
		{"18446744073709551616B", ULLONG_MAX, 21},
	};

	(void)state;
	check_sizes(parse_size, cases, sizeof(cases) / sizeof(cases[0]));
	/* without an end pointer a '%' is no unit: the bare number counts KiB */
	assert_int_equal(parse_size("50%", NULL), 50ULL << 10);
	assert_int_equal(parse_size("512M", NULL), 512ULL << 20);
}

static void test_parse_size_bytes(void **state)
{
	static const struct size_case cases[] = {
		{"4096", 4096, 4},
		{"4K", 4096, 2},
		{"4k", 4096, 2},
		{"7b", 7, 2},
		{"7B", 7, 2},
		{"1M", 1ULL << 20, 2},
		{"2G", 2ULL << 30, 2},
		{"1T", 1ULL << 40, 2},
		{"0x1000", 4096, 6},
		{"50%", 50, 2},
		{"12x", 12, 2},
		{"", 0, 0},
		{"k", 0, 0},
		{"18446744073709551615", ULLONG_MAX, 20},
		{"17179869184G", ULLONG_MAX, 12},
		{"18446744073709551616", ULLONG_MAX, 20}, /* 2^64: saturates, does not wrap */
		{"99999999999999999999999b", ULLONG_MAX, 24},
	};

	(void)state;
	check_sizes(parse_size_bytes, cases, sizeof(cases) / sizeof(cases[0]));
	assert_int_equal(parse_size_bytes("50%", NULL), 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hard_inputs_match_glibc),
		cmocka_unit_test(test_generated_inputs_match_glibc),
		cmocka_unit_test(test_round_trip_near_limits),
		cmocka_unit_test(test_end_pointer_and_bad_bases),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_size_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
