/*
 * sched_op: a guest gives up the CPU, or asks to be shut down. Today each CPU runs at most one
 * vCPU, so yield returns at once; scheduling many domains arrives with issue 5.
 */
#include <domain.h>
#include <hypercall.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/sched.h>

long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		 uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	switch (cmd) {
	case SCHEDOP_yield:
		return 0;
	case SCHEDOP_shutdown: {
		struct sched_shutdown shutdown;

		if (copy_from_guest_raw(&shutdown, arg, sizeof(shutdown)))
			return -XEN_EFAULT;
		domain_shutdown(v->domain, shutdown.reason);
		return 0; /* reached only if the domain is not stopped at once */
	}
	default:
		return -XEN_ENOSYS;
	}
}
