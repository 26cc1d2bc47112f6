/*
 * Tests for common/lib/string.c and common/include/libc/ctype.h, with glibc as the oracle.
 *
 * Copies and fills at every alignment from 0 to 15 and every length from 0 to 64, with guard
 * bytes around the destination; memmove over every overlap; comparisons on bytes >= 0x80, which
 * must count as greater than ASCII; and the character classes over every unsigned char and EOF.
 * strlcpy and strlcat are not in glibc 2.36, so their expected results are written out.
 */
#include <ctype.h>
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
#include "libc/ctype.h"
#include "libc/string.h"
#define PARVUS_LIBC_RENAME_UNDO
#include "libc_rename.h"

#define GUARD 0xa5
#define MAX_OFFSET 16
#define MAX_LENGTH 64
#define AREA (MAX_OFFSET + MAX_LENGTH + MAX_OFFSET)

/* A byte pattern with no zero and plenty of bytes >= 0x80. */
static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 37 + 11) | 1;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_memcpy_every_alignment_and_length(void **state)
{
	unsigned char src[AREA], dst[AREA];
	unsigned long cases = 0;

	(void)state;
	for (size_t i = 0; i < AREA; i++)
		src[i] = pattern(i);
	for (size_t d = 0; d < MAX_OFFSET; d++) {
		for (size_t s = 0; s < MAX_OFFSET; s++) {
			for (size_t n = 0; n <= MAX_LENGTH; n++) {
				memset(dst, GUARD, sizeof(dst));
				assert_ptr_equal(parvus_memcpy(dst + d, src + s, n), dst + d);
				for (size_t i = 0; i < AREA; i++) {
					if (i >= d && i < d + n)
						assert_int_equal(dst[i], src[s + i - d]);
					else
						assert_int_equal(dst[i], GUARD);
				}
				cases++;
			}
		}
	}
	assert_int_equal(cases, MAX_OFFSET * MAX_OFFSET * (MAX_LENGTH + 1));
}

/* Every pair of source and destination offsets in one buffer, so most copies overlap. */
static void test_memmove_every_overlap(void **state)
{
	unsigned char actual[AREA + MAX_LENGTH], expected[AREA + MAX_LENGTH];
	const size_t offsets = 40;

	(void)state;
	for (size_t s = 0; s < offsets; s++) {
		for (size_t d = 0; d < offsets; d++) {
			for (size_t n = 0; n <= MAX_LENGTH; n++) {
				for (size_t i = 0; i < sizeof(actual); i++)
					actual[i] = expected[i] = pattern(i);
				memmove(expected + d, expected + s, n);
				assert_ptr_equal(parvus_memmove(actual + d, actual + s, n),
						 actual + d);
				assert_memory_equal(actual, expected, sizeof(actual));
			}
		}
	}
}

static void test_memset_every_alignment_and_length(void **state)
{
	/* ints beyond a byte: memset stores (unsigned char)c */
	static const int values[] = {0, 0x5a, 0x7f, 0x80, 0xff, -1, -128, 0x1ff, 0x100};
	unsigned char dst[AREA];

	(void)state;
	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		for (size_t d = 0; d < MAX_OFFSET; d++) {
			for (size_t n = 0; n <= MAX_LENGTH; n++) {
				memset(dst, GUARD, sizeof(dst));
				assert_ptr_equal(parvus_memset(dst + d, values[v], n), dst + d);
				for (size_t i = 0; i < AREA; i++) {
					if (i >= d && i < d + n)
						assert_int_equal(dst[i], (unsigned char)values[v]);
					else
						assert_int_equal(dst[i], GUARD);
				}
			}
		}
	}
}

/* Every pair of byte values, then the first difference at each position and alignment. */
static void test_memcmp_orders_bytes_as_unsigned(void **state)
{
	unsigned char a[AREA], b[AREA];

	(void)state;
	for (int x = 0; x < 256; x++) {
		for (int y = 0; y < 256; y++) {
			unsigned char p = (unsigned char)x, q = (unsigned char)y;

			assert_int_equal(sign(parvus_memcmp(&p, &q, 1)), sign(x - y));
			assert_int_equal(sign(parvus_memcmp(&p, &q, 1)), sign(memcmp(&p, &q, 1)));
		}
	}
	for (size_t off = 0; off < MAX_OFFSET; off++) {
		for (size_t n = 1; n <= MAX_LENGTH; n++) {
			for (size_t i = 0; i < AREA; i++)
				a[i] = b[i] = pattern(i);
			assert_int_equal(parvus_memcmp(a + off, b + off, n), 0);
			b[off + n - 1] = 0x80; /* a differs only in its last byte */
			a[off + n - 1] = 0x7f;
			assert_true(parvus_memcmp(a + off, b + off, n) < 0);
			assert_true(parvus_memcmp(b + off, a + off, n) > 0);
			assert_int_equal(parvus_memcmp(a + off, b + off, n - 1), 0);
		}
	}
	assert_int_equal(parvus_memcmp("a", "b", 0), 0);
}

static void test_memchr_finds_every_byte_value(void **state)
{
	unsigned char buffer[256 + MAX_OFFSET];

	(void)state;
	for (size_t i = 0; i < sizeof(buffer); i++)
		buffer[i] = (unsigned char)(255 - i); /* each value once in the first 256 bytes */
	for (size_t off = 0; off < MAX_OFFSET; off++) {
		for (int c = 0; c < 256; c++) {
			/* c, and the same byte as a negative int and with bits above the byte */
			const int forms[] = {c, c - 256, c + 256};

			for (size_t f = 0; f < 3; f++) {
				for (size_t n = 0; n <= 256; n += 37) {
					assert_ptr_equal(parvus_memchr(buffer + off, forms[f], n),
							 memchr(buffer + off, forms[f], n));
				}
				assert_ptr_equal(parvus_memchr(buffer + off, forms[f], 256),
						 memchr(buffer + off, forms[f], 256));
			}
		}
	}
	assert_null(parvus_memchr(buffer, 0, 0));
}

static void test_strlen_and_strnlen(void **state)
{
	char s[AREA + 1];
	char *unterminated;

	(void)state;
	for (size_t off = 0; off < MAX_OFFSET; off++) {
		for (size_t n = 0; n <= MAX_LENGTH; n++) {
			for (size_t i = 0; i < sizeof(s); i++)
				s[i] = (char)pattern(i);
			s[off + n] = '\0';
			assert_int_equal(parvus_strlen(s + off), n);
			assert_int_equal(parvus_strnlen(s + off, SIZE_MAX), n);
			assert_int_equal(parvus_strnlen(s + off, n + 1), n);
			assert_int_equal(parvus_strnlen(s + off, n), n);
			if (n > 0)
				assert_int_equal(parvus_strnlen(s + off, n - 1), n - 1);
			assert_int_equal(parvus_strnlen(s + off, 0), 0);
		}
	}

	/* strnlen reads no further than max: ASan catches a read past this allocation */
	unterminated = malloc(8);
	assert_non_null(unterminated);
	memcpy(unterminated, "abcdefgh", 8);
	assert_int_equal(parvus_strnlen(unterminated, 8), 8);
	assert_int_equal(parvus_strnlen(unterminated, 5), 5);
	free(unterminated);
}

static const char *const strings[] = {
	"",	 "a",	  "ab",	     "abc",	 "abd",	      "abcd",
	"b",	 "A",	  "\x7f",    "\x80",	 "\xff",      "a\x80",
	"a\x7f", "a\xff", "abc\xe9", "abc\xe9z", "\xe9t\xe9", "\xc3\xa9t\xc3\xa9",
	"zzzz",	 " ",
};
#define NSTRINGS (sizeof(strings) / sizeof(strings[0]))

static void test_strcmp_and_strncmp_order_bytes_as_unsigned(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSTRINGS; i++) {
		for (size_t j = 0; j < NSTRINGS; j++) {
			const char *a = strings[i], *b = strings[j];

			assert_int_equal(sign(parvus_strcmp(a, b)), sign(strcmp(a, b)));
			assert_int_equal(parvus_strcmp(a, b) == 0, i == j);
			for (size_t n = 0; n <= 6; n++)
				assert_int_equal(sign(parvus_strncmp(a, b, n)),
						 sign(strncmp(a, b, n)));
			assert_int_equal(sign(parvus_strncmp(a, b, SIZE_MAX)), sign(strcmp(a, b)));
		}
	}
	/* the sign that glibc's sign comes from: 0x80 is above 'a' */
	assert_true(parvus_strcmp("\x80", "a") > 0);
	assert_true(parvus_strncmp("a\xff", "a\x01", 2) > 0);
	assert_int_equal(parvus_strncmp("abcX", "abcY", 3), 0);
}

static void test_strchr_and_strrchr(void **state)
{
	static const int extra[] = {0, 'q', 0xe9, -23 /* (char)0xe9 */, 0x100 + 'a', 0x80, -128};

	(void)state;
	for (size_t i = 0; i < NSTRINGS; i++) {
		const char *s = strings[i];

		for (size_t k = 0; k <= strlen(s); k++) { /* every byte of s, its NUL included */
			assert_ptr_equal(parvus_strchr(s, (unsigned char)s[k]), strchr(s, s[k]));
			assert_ptr_equal(parvus_strrchr(s, (unsigned char)s[k]), strrchr(s, s[k]));
			assert_ptr_equal(parvus_strchr(s, s[k]), strchr(s, s[k]));
		}
		for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++) {
			assert_ptr_equal(parvus_strchr(s, extra[k]), strchr(s, extra[k]));
			assert_ptr_equal(parvus_strrchr(s, extra[k]), strrchr(s, extra[k]));
		}
	}
	assert_ptr_equal(parvus_strrchr("a/b/c", '/'), strrchr("a/b/c", '/'));
	assert_string_equal(parvus_strrchr("a/b/c", '/'), "/c");
	assert_string_equal(parvus_strchr("a/b/c", '/'), "/b/c");
}

static void test_strstr_strspn_strcspn(void **state)
{
	static const char *const haystacks[] = {
		"", "a", "hello world", "aaab", "ababc", "console=com1", "\xe9t\xe9 \xe9"};
	static const char *const needles[] = {"",      "a",	 "aab",	   "abc",
					      "world", "worlds", "o w",	   "com1",
					      "=",     "\xe9",	 "t\xe9 ", "hello world!"};
	static const char *const sets[] = {"", "a", "ab", "lo he", "0123456789", "\xe9", "= "};

	(void)state;
	for (size_t h = 0; h < sizeof(haystacks) / sizeof(haystacks[0]); h++) {
		for (size_t n = 0; n < sizeof(needles) / sizeof(needles[0]); n++)
			assert_ptr_equal(parvus_strstr(haystacks[h], needles[n]),
					 strstr(haystacks[h], needles[n]));
		for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
			assert_int_equal(parvus_strspn(haystacks[h], sets[s]),
					 strspn(haystacks[h], sets[s]));
			assert_int_equal(parvus_strcspn(haystacks[h], sets[s]),
					 strcspn(haystacks[h], sets[s]));
		}
	}
	assert_string_equal(parvus_strstr("dom0_mem=512M,max:1G", "max"), "max:1G");
	assert_int_equal(parvus_strspn("123abc", "0123456789"), 3);
	assert_int_equal(parvus_strcspn("key=value", "="), 3);
}

/* dst is a buffer of 8 bytes inside guards; returns the strlcpy result. */
static size_t strlcpy_guarded(unsigned char area[16], const char *src, size_t size)
{
	memset(area, GUARD, 16);
	return parvus_strlcpy((char *)area + 4, src, size);
}

static void assert_guards(const unsigned char area[16], size_t size)
{
	for (size_t i = 0; i < 16; i++) {
		if (i < 4 || i >= 4 + size)
			assert_int_equal(area[i], GUARD);
	}
}

static void test_strlcpy(void **state)
{
	unsigned char area[16];

	(void)state;
	/* size 0: nothing written at all */
	assert_int_equal(strlcpy_guarded(area, "hello", 0), 5);
	assert_guards(area, 0);
	/* too small: as much as fits, then NUL */
	assert_int_equal(strlcpy_guarded(area, "hello", 1), 5);
	assert_string_equal((char *)area + 4, "");
	assert_guards(area, 1);
	assert_int_equal(strlcpy_guarded(area, "hello", 3), 5);
	assert_string_equal((char *)area + 4, "he");
	assert_guards(area, 3);
	assert_int_equal(strlcpy_guarded(area, "hello", 5), 5);
	assert_string_equal((char *)area + 4, "hell");
	assert_guards(area, 5);
	/* exactly enough, and more than enough: the byte after the NUL is not touched */
	assert_int_equal(strlcpy_guarded(area, "hello", 6), 5);
	assert_string_equal((char *)area + 4, "hello");
	assert_guards(area, 6);
	assert_int_equal(strlcpy_guarded(area, "hello", 8), 5);
	assert_string_equal((char *)area + 4, "hello");
	assert_int_equal(area[4 + 6], GUARD);
	assert_int_equal(strlcpy_guarded(area, "", 8), 0);
	assert_string_equal((char *)area + 4, "");
	assert_int_equal(area[4 + 1], GUARD);
}

/* dst holds start inside a buffer of size bytes (start must fit), within guards. */
static size_t strlcat_guarded(unsigned char area[16], const char *start, const char *src,
			      size_t size)
{
	memset(area, GUARD, 16);
	memcpy(area + 4, start, strlen(start) + 1);
	return parvus_strlcat((char *)area + 4, src, size);
}

static void test_strlcat(void **state)
{
	unsigned char area[16];

	(void)state;
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 8), 6);
	assert_string_equal((char *)area + 4, "abcdef");
	assert_int_equal(area[4 + 7], GUARD);
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 7), 6);
	assert_string_equal((char *)area + 4, "abcdef");
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 6), 6);
	assert_string_equal((char *)area + 4, "abcde");
	assert_guards(area, 6);
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 4), 6);
	assert_string_equal((char *)area + 4, "abc");
	assert_guards(area, 4);
	/* no room for even one more byte: dst unchanged */
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 3), 6);
	assert_string_equal((char *)area + 4, "ab");
	assert_guards(area, 3);
	/* no NUL within size: size + strlen(src), and nothing written */
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 2), 6);
	assert_memory_equal(area + 4, "ab", 3);
	assert_int_equal(strlcat_guarded(area, "abcde", "xyz", 3), 6);
	assert_memory_equal(area + 4, "abcde", 6);
	assert_int_equal(strlcat_guarded(area, "ab", "cdef", 0), 4);
	assert_memory_equal(area + 4, "ab", 3);
	assert_int_equal(strlcat_guarded(area, "", "", 8), 0);
	assert_string_equal((char *)area + 4, "");
}

/* Every unsigned char and EOF against glibc in the "C" locale, then ints outside that range. */
static void test_ctype_matches_c_locale(void **state)
{
	static const int outside[] = {256, 0x141, 1000, INT_MAX, -2, -128, INT_MIN};

	(void)state;
	for (int c = EOF; c < 256; c++) {
		assert_int_equal(!!parvus_isdigit(c), !!isdigit(c));
		assert_int_equal(!!parvus_isxdigit(c), !!isxdigit(c));
		assert_int_equal(!!parvus_isspace(c), !!isspace(c));
		assert_int_equal(!!parvus_isalpha(c), !!isalpha(c));
		assert_int_equal(!!parvus_isalnum(c), !!isalnum(c));
		assert_int_equal(!!parvus_isupper(c), !!isupper(c));
		assert_int_equal(!!parvus_islower(c), !!islower(c));
		assert_int_equal(!!parvus_isprint(c), !!isprint(c));
		assert_int_equal(parvus_toupper(c), toupper(c));
		assert_int_equal(parvus_tolower(c), tolower(c));
	}
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		int c = outside[i];

		assert_false(parvus_isdigit(c) || parvus_isxdigit(c) || parvus_isspace(c) ||
			     parvus_isalpha(c) || parvus_isalnum(c) || parvus_isupper(c) ||
			     parvus_islower(c) || parvus_isprint(c));
		assert_int_equal(parvus_toupper(c), c);
		assert_int_equal(parvus_tolower(c), c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_every_alignment_and_length),
		cmocka_unit_test(test_memmove_every_overlap),
		cmocka_unit_test(test_memset_every_alignment_and_length),
		cmocka_unit_test(test_memcmp_orders_bytes_as_unsigned),
		cmocka_unit_test(test_memchr_finds_every_byte_value),
		cmocka_unit_test(test_strlen_and_strnlen),
		cmocka_unit_test(test_strcmp_and_strncmp_order_bytes_as_unsigned),
		cmocka_unit_test(test_strchr_and_strrchr),
		cmocka_unit_test(test_strstr_strspn_strcspn),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_strlcat),
		cmocka_unit_test(test_ctype_matches_c_locale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
