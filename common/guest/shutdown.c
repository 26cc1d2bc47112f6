/*
 * Leaving: sched_op(SCHEDOP_shutdown) with a reason the toolstack acts on (SHUTDOWN_poweroff,
 * SHUTDOWN_crash, ...). For the first domain the hypervisor acts itself: Xen halts or
 * reboots the machine. The call does not return unless the hypervisor refuses it.
 */
#include <stdio.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>

void guest_shutdown(unsigned int reason)
{
	struct sched_shutdown arg = {.reason = reason};
	long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &arg);

	printf("guest: shutdown (reason %u) returned %ld; yielding forever\n", reason, rc);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void guest_poweroff(void)
{
	guest_shutdown(SHUTDOWN_poweroff);
}

void guest_crash(const char *fmt, ...)
{
	va_list ap;

	printf("guest crash: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	guest_shutdown(SHUTDOWN_crash);
}
