/*
 * Tests for common/lib/format.c: our snprintf, vsnprintf and vcbprintf, with glibc as the oracle.
 *
 * Every conversion is tried under every combination of flags, with a range of widths,
 * precisions, length modifiers and edge values, and the two outputs must agree byte for byte,
 * return values included. Then: truncation at every buffer size, streaming through vcbprintf
 * with no buffer, and the conversions we deliberately print as written (stdio.h lists them).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <cmocka.h>

#include "libc_rename.h"
#include "libc/stdio.h"
#define PARVUS_LIBC_RENAME_UNDO
#include "libc_rename.h"

#define OUT_SIZE 512
#define SENTINEL 0x5a

/* Comparisons made and failed by the current test case. */
static unsigned long checked;
static unsigned long mismatches;

static void start_counting(void)
{
	checked = 0;
	mismatches = 0;
}

static void report(const char *what, unsigned long at_least)
{
	print_message("%s: %lu formats compared with glibc, %lu differ\n", what, checked,
		      mismatches);
	assert_int_equal(mismatches, 0);
	assert_true(checked >= at_least); /* the tables really were walked */
}

/*
 * Format with glibc and with ours into buffers that start out identical, and compare the whole
 * buffers (so a stray write past the NUL counts) and the return values.
 */
static void check_va(const char *fmt, va_list ap)
{
	char expected[OUT_SIZE], actual[OUT_SIZE];
	int expected_ret, actual_ret;
	va_list ap2;

	memset(expected, SENTINEL, sizeof(expected));
	memset(actual, SENTINEL, sizeof(actual));
	va_copy(ap2, ap);
	expected_ret = vsnprintf(expected, sizeof(expected), fmt, ap);
	actual_ret = parvus_vsnprintf(actual, sizeof(actual), fmt, ap2);
	va_end(ap2);

	checked++;
	if (expected_ret != actual_ret || memcmp(expected, actual, sizeof(expected)) != 0) {
		if (mismatches < 20)
			print_error("\"%s\": glibc [%s] (%d), parvus [%s] (%d)\n", fmt, expected,
				    expected_ret, actual, actual_ret);
		mismatches++;
	}
}

static void check(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_va(fmt, ap);
	va_end(ap);
}

/* "-0+ #" in every combination: mask bit i selects the i-th flag. */
static void flag_set(unsigned int mask, char *out)
{
	static const char flags[] = "-0+ #";

	for (unsigned int i = 0; i < 5; i++) {
		if (mask & (1u << i))
			*out++ = flags[i];
	}
	*out = '\0';
}

static const char *const widths[] = {"", "1", "6", "24"};
static const char *const precisions[] = {"", ".", ".0", ".1", ".5", ".24"};
static const char *const int_lengths[] = {"", "hh", "h"};
static const char *const wide_lengths[] = {"l", "ll", "z", "t", "j"};

static const int int_values[] = {
	0,     1,	  -1,	   7,	    42,		127,	     128,    -128,
	-129,  255,	  256,	   4095,    32767,	32768,	     -32768, 65535,
	65536, 123456789, INT_MAX, INT_MIN, 0x12345678, -0x12345678,
};

static const long long wide_values[] = {
	0,
	1,
	-1,
	8,
	42,
	255,
	INT_MAX,
	INT_MIN,
	(long long)UINT_MAX,
	(long long)UINT_MAX + 1,
	0x0123456789abcdefLL,
	-0x0123456789abcdefLL,
	1000000000000LL,
	LLONG_MAX,
	LLONG_MIN,
	LLONG_MIN + 1,
};

/* Pass value as the argument type the length modifier names (signed or unsigned). */
static void check_wide(const char *fmt, const char *length, bool is_signed, long long value)
{
	if (!strcmp(length, "l")) {
		if (is_signed)
			check(fmt, (long)value);
		else
			check(fmt, (unsigned long)value);
	} else if (!strcmp(length, "ll")) {
		if (is_signed)
			check(fmt, value);
		else
			check(fmt, (unsigned long long)value);
	} else if (!strcmp(length, "j")) {
		if (is_signed)
			check(fmt, (intmax_t)value);
		else
			check(fmt, (uintmax_t)value);
	} else { /* z and t: size_t and ptrdiff_t and their counterparts */
		if (is_signed)
			check(fmt, (ptrdiff_t)value);
		else
			check(fmt, (size_t)value);
	}
}

static void test_integers_match_glibc(void **state)
{
	static const char conversions[] = "diuoxX";
	char flags[8], fmt[32];

	(void)state;
	start_counting();
	for (const char *c = conversions; *c; c++) {
		bool is_signed = *c == 'd' || *c == 'i';

		for (unsigned int mask = 0; mask < 32; mask++) {
			flag_set(mask, flags);
			for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
				for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]);
				     p++) {
					for (size_t l = 0; l < 3; l++) {
						snprintf(fmt, sizeof(fmt), "%%%s%s%s%s%c", flags,
							 widths[w], precisions[p], int_lengths[l],
							 *c);
						for (size_t v = 0;
						     v < sizeof(int_values) / sizeof(int); v++) {
							if (is_signed)
								check(fmt, int_values[v]);
							else
								check(fmt,
								      (unsigned int)int_values[v]);
						}
					}
					for (size_t l = 0; l < 5; l++) {
						snprintf(fmt, sizeof(fmt), "%%%s%s%s%s%c", flags,
							 widths[w], precisions[p], wide_lengths[l],
							 *c);
						for (size_t v = 0;
						     v < sizeof(wide_values) / sizeof(long long);
						     v++)
							check_wide(fmt, wide_lengths[l], is_signed,
								   wide_values[v]);
					}
				}
			}
		}
	}
	/* 6 conversions x 32 flag sets x 4 widths x 6 precisions x (3 x 22 + 5 x 16) values */
	report("integers", 6UL * 32 * 4 * 6 * (3 * 22 + 5 * 16));
}

static void test_strings_and_characters_match_glibc(void **state)
{
	static const char *const strings[] = {"",   "a",	 "hello", "hello, world",
					      NULL, "\xe9t\xe9", "12345", "123456"};
	static const char *const string_widths[] = {"", "1", "3", "6", "10"};
	static const char *const string_precisions[] = {"",   ".",  ".0", ".2",
							".5", ".6", ".7", ".20"};
	static const int characters[] = {'a', ' ', '%', 0, 0xe9, -23, 0x141};
	char flags[8], fmt[32];

	(void)state;
	start_counting();
	for (unsigned int mask = 0; mask < 32; mask++) {
		flag_set(mask, flags);
		for (size_t w = 0; w < sizeof(string_widths) / sizeof(string_widths[0]); w++) {
			for (size_t p = 0;
			     p < sizeof(string_precisions) / sizeof(string_precisions[0]); p++) {
				snprintf(fmt, sizeof(fmt), "%%%s%s%ss", flags, string_widths[w],
					 string_precisions[p]);
				for (size_t s = 0; s < sizeof(strings) / sizeof(strings[0]); s++)
					check(fmt, strings[s]);
				snprintf(fmt, sizeof(fmt), "%%%s%s%sc", flags, string_widths[w],
					 string_precisions[p]);
				for (size_t c = 0; c < sizeof(characters) / sizeof(int); c++)
					check(fmt, characters[c]);
			}
		}
	}
	report("strings and characters", 32UL * 5 * 8 * (8 + 7));
}

/* Precision bounds how much of a %s is read: an array with no NUL is fine when it is enough. */
static void test_string_precision_reads_no_further(void **state)
{
	char *unterminated = malloc(4); /* heap, so ASan catches a read past the end */
	char out[16];

	(void)state;
	assert_non_null(unterminated);
	memcpy(unterminated, "abcd", 4);
	assert_int_equal(parvus_snprintf(out, sizeof(out), "%.4s", unterminated), 4);
	assert_string_equal(out, "abcd");
	assert_int_equal(parvus_snprintf(out, sizeof(out), "[%6.3s]", unterminated), 8);
	assert_string_equal(out, "[   abc]");
	free(unterminated);
}

static void test_pointers_match_glibc(void **state)
{
	static const uintptr_t pointers[] = {
		0, 1, 0x1234, 0xdeadbeef, 0x7fffdeadbeefULL, 0xffff800000000000ULL, UINTPTR_MAX};
	char flags[8], fmt[32];

	(void)state;
	start_counting();
	for (unsigned int mask = 0; mask < 32; mask++) {
		flag_set(mask, flags);
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			for (size_t p = 0; p < sizeof(precisions) / sizeof(precisions[0]); p++) {
				snprintf(fmt, sizeof(fmt), "%%%s%s%sp", flags, widths[w],
					 precisions[p]);
				for (size_t v = 0; v < sizeof(pointers) / sizeof(pointers[0]); v++)
					check(fmt, (void *)pointers[v]);
			}
		}
	}
	report("pointers", 32UL * 4 * 6 * 7);
}

/* Width and precision taken from arguments, negative ones included. */
static void test_star_width_and_precision_match_glibc(void **state)
{
	static const int star_widths[] = {-30, -5, -1, 0, 1, 5, 30};
	static const int star_precisions[] = {-30, -1, 0, 1, 5, 30};
	static const char *const width_only[] = {"%*d",	 "%-*d", "%0*d", "%+*i",  "%*u",
						 "%#*x", "%#*o", "%*c",	 "%0*lld"};
	static const char *const precision_only[] = {"%.*d", "%.*x", "%#.*o", "%0.*d", "%-8.*u"};
	static const char *const both[] = {"%*.*d", "%0*.*x", "%-*.*i", "%#*.*X"};
	static const int values[] = {0, 7, -7, 123456, INT_MIN};

	(void)state;
	start_counting();
	for (size_t w = 0; w < 7; w++) {
		for (size_t f = 0; f < sizeof(width_only) / sizeof(width_only[0]); f++) {
			for (size_t v = 0; v < 5; v++) {
				if (strstr(width_only[f], "ll"))
					check(width_only[f], star_widths[w], (long long)values[v]);
				else
					check(width_only[f], star_widths[w], values[v]);
			}
		}
		check("[%*s]", star_widths[w], "abc");
		check("[%*s]", star_widths[w], (char *)NULL);
		check("[%*p]", star_widths[w], (void *)0x1234);
		check("[%*p]", star_widths[w], (void *)NULL);
		for (size_t p = 0; p < 6; p++) {
			for (size_t f = 0; f < sizeof(both) / sizeof(both[0]); f++) {
				for (size_t v = 0; v < 5; v++)
					check(both[f], star_widths[w], star_precisions[p],
					      values[v]);
			}
			check("[%-*.*s]", star_widths[w], star_precisions[p], "abcdefgh");
			check("[%*.*s]", star_widths[w], star_precisions[p], (char *)NULL);
		}
	}
	for (size_t p = 0; p < 6; p++) {
		for (size_t f = 0; f < sizeof(precision_only) / sizeof(precision_only[0]); f++) {
			for (size_t v = 0; v < 5; v++)
				check(precision_only[f], star_precisions[p], values[v]);
		}
		check("[%.*s]", star_precisions[p], "abcdefgh");
		check("[%.*p]", star_precisions[p], (void *)0xabc);
	}
	report("star width and precision", 7UL * (9 * 5 + 4 + 6 * (4 * 5 + 2)) + 6 * (5 * 5 + 2));
}

/* Several conversions with text between them, %% and the extremes of each type. */
static void test_mixed_formats_match_glibc(void **state)
{
	(void)state;
	start_counting();
	check("");
	check("plain text, no conversions");
	check("%%");
	check("100%% sure: %d%%", 99);
	check("[%5%] [%-5%] [%05%]"); /* ASan's printf interceptor warns of this form: harmless */
	check("x=%d y=%5.3u z=%-8x| s=%.2s p=%p %% c=%c", -12, 7u, 0xbeefu, "hello", (void *)0x10,
	      'Q');
	check("%d %d %d %d", INT_MIN, INT_MAX, 0, -1);
	check("%hhd %hhu %hd %hu", SCHAR_MIN, UCHAR_MAX, SHRT_MIN, USHRT_MAX);
	check("%ld %lu %lx %lo", LONG_MIN, ULONG_MAX, ULONG_MAX, ULONG_MAX);
	check("%lld %llu %llX %llo %#llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX,
	      ULLONG_MAX);
	check("%zu %zd %zx %td %tu %jd %ju", SIZE_MAX, (ptrdiff_t)-1, SIZE_MAX, PTRDIFF_MIN,
	      (size_t)PTRDIFF_MAX, INTMAX_MIN, UINTMAX_MAX);
	check("%i|%+i|% i|%+ i|%-+5i|%+05i|% 05i", 3, 3, 3, 3, 3, 3, 3);
	check("%s and %s", "one", "two");
	check("%c%c%c", 'a', 0, 'b');
	check("%-10s|%10s|%.3s|%10.3s|%-10.3s|", "left", "right", "cut", "cut", "cut");
	check("%#x %#X %#o %#.0x %#.0o %#5.3x %#-8o|", 255, 255, 8, 0, 0, 1, 8);
	check("%08.3d|%-08d|%+08d|% 08d|%08x|%#08x|%#08o", 5, 5, 5, 5, 0xab, 0xab, 8);
	check("%.0d|%.0u|%.0x|%.0o|%5.0d|%-5.0d|", 0, 0, 0, 0, 0, 0);
	check("%p %p %20p %-20p| %020p", (void *)&checked, (void *)NULL, (void *)&checked,
	      (void *)NULL, (void *)&checked);
	report("mixed", 19);
}

/* Positional arguments ("%1$d") are not supported: printed as written, like any unknown form. */
static void test_positional_argument_printed_as_written(void **state)
{
	const char *fmt = "[%1$d]";
	char out[16];

	(void)state;
	assert_int_equal(parvus_snprintf(out, sizeof(out), fmt, 5), 6);
	assert_string_equal(out, "[%1$d]");
}

/*
 * snprintf into a buffer of every size from 0 to a little past the output: the result must be
 * the same prefix, NUL-terminated, with nothing written at or beyond size, and the return value
 * always the full length. Compared with glibc doing the same.
 */
static size_t check_truncation(const char *fmt, ...)
{
	char expected[OUT_SIZE], actual[OUT_SIZE];
	va_list ap, ap1, ap2;
	int full;

	va_start(ap, fmt);
	va_copy(ap1, ap);
	full = vsnprintf(NULL, 0, fmt, ap1);
	va_end(ap1);
	assert_true(full > 0 && full + 4 < OUT_SIZE);

	for (size_t size = 0; size <= (size_t)full + 3; size++) {
		memset(expected, SENTINEL, sizeof(expected));
		memset(actual, SENTINEL, sizeof(actual));
		va_copy(ap1, ap);
		va_copy(ap2, ap);
		assert_int_equal(vsnprintf(expected, size, fmt, ap1), full);
		assert_int_equal(parvus_vsnprintf(actual, size, fmt, ap2), full);
		va_end(ap2);
		va_end(ap1);
		assert_memory_equal(actual, expected, sizeof(expected));
		if (size > 0) {
			size_t end = size - 1 < (size_t)full ? size - 1 : (size_t)full;

			assert_int_equal(actual[end], '\0');
		}
		assert_int_equal((unsigned char)actual[size], SENTINEL);
		checked++;
	}
	va_end(ap);
	return (size_t)full + 4; /* the sizes tried */
}

static void test_truncation_at_every_size(void **state)
{
	size_t sizes = 0;
	char out[4];

	(void)state;
	start_counting();
	sizes += check_truncation("%s|%d|%#llx|%-20s|%p|%c", "a string", INT_MIN, ULLONG_MAX,
				  "padded", (void *)0xfeedface, 'z');
	sizes += check_truncation("%0*d and %.*s", 40, -123, 5, "precision");
	sizes += check_truncation("%lld%lld%lld", LLONG_MIN, LLONG_MIN, LLONG_MIN);
	sizes += check_truncation("no conversions at all, only text that is long enough to cut");
	assert_int_equal(checked, sizes);
	assert_true(sizes > 150);

	/* size 0 writes nothing, so the buffer may be NULL */
	assert_int_equal(parvus_snprintf(NULL, 0, "%d", 12345), 5);
	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(parvus_snprintf(out, 0, "abc"), 3);
	assert_int_equal((unsigned char)out[0], SENTINEL);
	assert_int_equal(parvus_snprintf(out, 1, "abc"), 3);
	assert_int_equal(out[0], '\0');
	assert_int_equal((unsigned char)out[1], SENTINEL);
	assert_int_equal(parvus_snprintf(out, sizeof(out), "%s", "abcdef"), 6);
	assert_string_equal(out, "abc");
	assert_int_equal(parvus_snprintf(out, sizeof(out), "%s", ""), 0);
	assert_string_equal(out, "");
}

/* A growing buffer that vcbprintf streams into. */
struct sink {
	char *data;
	size_t used;
	size_t capacity;
	unsigned long calls;
};

static void sink_emit(char c, void *arg)
{
	struct sink *sink = arg;

	if (sink->used == sink->capacity) {
		sink->capacity = sink->capacity ? 2 * sink->capacity : 16;
		sink->data = realloc(sink->data, sink->capacity);
		assert_non_null(sink->data);
	}
	sink->data[sink->used++] = c;
	sink->calls++;
}

static int sink_printf(struct sink *sink, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vcbprintf(sink_emit, sink, fmt, ap);
	va_end(ap);
	return ret;
}

/* vcbprintf has no size limit and emits exactly the output, with no NUL after it. */
static void test_vcbprintf_streams_without_limit(void **state)
{
	static const char *const formats[] = {"%100000d|%s|%-70000x|", "%.90000d%c"};
	struct sink sink = {NULL, 0, 0, 0};
	char *expected;
	int full, ret;

	(void)state;
	full = snprintf(NULL, 0, formats[0], -42, "middle", 0xabcu);
	expected = malloc((size_t)full + 1);
	assert_non_null(expected);
	snprintf(expected, (size_t)full + 1, formats[0], -42, "middle", 0xabcu);

	ret = sink_printf(&sink, formats[0], -42, "middle", 0xabcu);
	assert_int_equal(ret, full);
	assert_int_equal(sink.used, (size_t)full);
	assert_int_equal(sink.calls, (unsigned long)full);
	assert_memory_equal(sink.data, expected, (size_t)full);
	free(expected);

	sink.used = 0;
	sink.calls = 0;
	full = snprintf(NULL, 0, formats[1], 7, 'e');
	expected = malloc((size_t)full + 1);
	assert_non_null(expected);
	snprintf(expected, (size_t)full + 1, formats[1], 7, 'e');
	assert_int_equal(sink_printf(&sink, formats[1], 7, 'e'), full);
	assert_int_equal(sink.calls, (unsigned long)full);
	assert_memory_equal(sink.data, expected, (size_t)full);
	free(expected);

	sink.used = 0;
	sink.calls = 0;
	assert_int_equal(sink_printf(&sink, ""), 0);
	assert_int_equal(sink.calls, 0);
	free(sink.data);
}

/* snprintf proper (not only vsnprintf) against glibc's. */
static void test_snprintf_variadic_entry(void **state)
{
	char expected[64], actual[64];

	(void)state;
	assert_int_equal(parvus_snprintf(actual, sizeof(actual), "%d-%s-%x", 1, "two", 3u),
			 snprintf(expected, sizeof(expected), "%d-%s-%x", 1, "two", 3u));
	assert_string_equal(actual, expected);
	assert_string_equal(actual, "1-two-3");
	assert_int_equal(parvus_snprintf(actual, 5, "%lu", 1234567UL), 7);
	assert_string_equal(actual, "1234");
}

/*
 * What we print as written (see stdio.h), and that the arguments after it are still found.
 * These formats are read from a table so that the compiler's format checking leaves them alone.
 */
struct literal_case {
	const char *fmt;
	const char *expected;
};

static void test_unsupported_conversions_printed_as_written(void **state)
{
	static const struct literal_case cases[] = {
		{"%f", "%f"},
		{"[%5.2f|%d]", "[%5.2f|7]"},
		{"%e %g %a %E %G %A %F|%d", "%e %g %a %E %G %A %F|3"},
		{"%n|%d", "%n|5"},
		{"%hhn%lln|%d", "%hhn%lln|6"},
		{"%ls|%d", "%ls|9"},
		{"%lc", "A"},
		{"abc%", "abc%"},
		{"%5", "%5"},
		{"%-08.", "%-08."},
		{"%ll", "%ll"},
		{"%y|%d", "%y|4"},
		{"%5.1y", "%5.1y"},
		{"%'d|%d", "%'d|8"},
		{"%Lx", "%Lx"},
	};
	char out[64];
	int n = 1234;
	signed char hh = 12;
	long long ll = 34;

	(void)state;
	assert_int_equal(parvus_snprintf(out, sizeof(out), cases[0].fmt, 1.5), 2);
	assert_string_equal(out, cases[0].expected);
	assert_int_equal(parvus_snprintf(out, sizeof(out), cases[1].fmt, 1.5, 7), 9);
	assert_string_equal(out, cases[1].expected);
	assert_int_equal(parvus_snprintf(out, sizeof(out), cases[2].fmt, 1.0, 2.0, 3.0, 4.0, 5.0,
					 6.0, 7.0, 3),
			 (int)strlen(cases[2].expected));
	assert_string_equal(out, cases[2].expected);
	parvus_snprintf(out, sizeof(out), cases[3].fmt, &n, 5);
	assert_string_equal(out, cases[3].expected);
	assert_int_equal(n, 1234); /* %n wrote nothing */
	parvus_snprintf(out, sizeof(out), cases[4].fmt, &hh, &ll, 6);
	assert_string_equal(out, cases[4].expected);
	assert_int_equal(hh, 12);
	assert_int_equal(ll, 34);
	parvus_snprintf(out, sizeof(out), cases[5].fmt, L"wide", 9);
	assert_string_equal(out, cases[5].expected);
	parvus_snprintf(out, sizeof(out), cases[6].fmt, (wint_t)'A');
	assert_string_equal(out, cases[6].expected);
	for (size_t i = 7; i <= 10; i++) {
		assert_int_equal(parvus_snprintf(out, sizeof(out), cases[i].fmt),
				 (int)strlen(cases[i].expected));
		assert_string_equal(out, cases[i].expected);
	}
	parvus_snprintf(out, sizeof(out), cases[11].fmt, 4);
	assert_string_equal(out, cases[11].expected);
	parvus_snprintf(out, sizeof(out), cases[12].fmt);
	assert_string_equal(out, cases[12].expected);
	parvus_snprintf(out, sizeof(out), cases[13].fmt, 8);
	assert_string_equal(out, cases[13].expected);
	parvus_snprintf(out, sizeof(out), cases[14].fmt);
	assert_string_equal(out, cases[14].expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_match_glibc),
		cmocka_unit_test(test_strings_and_characters_match_glibc),
		cmocka_unit_test(test_string_precision_reads_no_further),
		cmocka_unit_test(test_pointers_match_glibc),
		cmocka_unit_test(test_star_width_and_precision_match_glibc),
		cmocka_unit_test(test_mixed_formats_match_glibc),
		cmocka_unit_test(test_positional_argument_printed_as_written),
		cmocka_unit_test(test_truncation_at_every_size),
		cmocka_unit_test(test_vcbprintf_streams_without_limit),
		cmocka_unit_test(test_snprintf_variadic_entry),
		cmocka_unit_test(test_unsupported_conversions_printed_as_written),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
