/*
 * The guest test framework (<parvus/guest_test.h>): counts checks, reports each failure with
 * its place and values, and ends the run with one summary line that harnesses look for:
 * "guest-test AREA: N passed, M failed". Then it shuts down: poweroff when all passed, crash
 * otherwise, so the exit itself also tells the outcome.
 */
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <public/sched.h>

static unsigned int passed, failed;

bool test_check(bool ok, const char *what, const char *file, int line, const char *text)
{
	if (ok) {
		passed++;
		return true;
	}
	failed++;
	printf("FAIL %s:%d: %s\n    (%s)\n", file, line, what, text);
	return false;
}

bool test_check_eq(long actual, long expected, const char *what, const char *file, int line,
		   const char *actual_text, const char *expected_text)
{
	if (actual == expected) {
		passed++;
		return true;
	}
	failed++;
	printf("FAIL %s:%d: %s\n    %s = %ld (%#lx), expected %s = %ld (%#lx)\n", file, line, what,
	       actual_text, actual, (unsigned long)actual, expected_text, expected,
	       (unsigned long)expected);
	return false;
}

void test_section(const char *name)
{
	printf("--- %s\n", name);
}

unsigned int test_failures(void)
{
	return failed;
}

/*
 * When every check passed the domain powers off, unless the command line holds the word
 * "test_pass=reboot". That is for Xen, which halts the machine (and so never ends QEMU) when
 * dom0 powers off, but resets it on a reboot, which ends QEMU under -no-reboot.
 */
void test_finish(const char *area)
{
	printf("guest-test %s: %u passed, %u failed\n", area, passed, failed);
	if (failed != 0)
		guest_shutdown(SHUTDOWN_crash);
	if (guest_cmdline_has("test_pass=reboot"))
		guest_shutdown(SHUTDOWN_reboot);
	guest_shutdown(SHUTDOWN_poweroff);
}
