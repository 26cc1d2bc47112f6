/*
 * The test framework of the guest test kernels (tests/guests/), in common/guest/test.c.
 *
 * A test kernel's guest_main() runs its checks and ends with test_finish("area"), which
 * prints one line "guest-test AREA: N passed, M failed" and shuts the domain down: poweroff
 * when nothing failed, crash otherwise. Each failed check prints its file:line, what was
 * checked and, for CHECK_EQ, both values, so a log alone says what went wrong.
 */
#ifndef PARVUS_GUEST_TEST_H
#define PARVUS_GUEST_TEST_H

#include <stdbool.h>

/* CHECK(cond, what): passes when cond is true. */
#define CHECK(cond, what) test_check(!!(cond), (what), __FILE__, __LINE__, #cond)

/*
 * CHECK_EQ(actual, expected, what): passes when the two are equal as 64-bit integers
 * (pointers, unsigned longs and negative errnos alike).
 */
#define CHECK_EQ(actual, expected, what)                                                     \
	test_check_eq((long)(actual), (long)(expected), (what), __FILE__, __LINE__, #actual, \
		      #expected)

/* Both return the outcome, so a test can skip checks that depend on a failed one. */
bool test_check(bool ok, const char *what, const char *file, int line, const char *text);
bool test_check_eq(long actual, long expected, const char *what, const char *file, int line,
		   const char *actual_text, const char *expected_text);

/* A heading in the log, to find one's way in a long run. */
void test_section(const char *name);

/* Print the summary line and shut down; never returns. */
__attribute__((noreturn)) void test_finish(const char *area);

/* How many checks have failed so far. */
unsigned int test_failures(void);

#endif /* PARVUS_GUEST_TEST_H */
