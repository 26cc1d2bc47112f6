/*
 * multicall: many hypercalls for the price of one entry. Each entry's result is written back
 * into the entry; a failing call fails only itself, but a list we cannot read or write stops
 * the batch with -EFAULT (the calls before it were made). A multicall (or an iret) inside a
 * batch is -EINVAL. Long batches are preempted as Xen preempts them: after a slice of entries
 * the multicall continues later with the rest of the list (hypercall_continue). A call inside
 * that is preempted itself stores its new arguments in its entry, and the multicall stops
 * there, to make that call again first when it continues.
 */
#include <hypercall.h>
#include <scheduler.h>
#include <domain.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/xen.h>

#define ENTRIES_PER_SLICE 64

long do_multicall(uint64_t list, uint64_t count, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t at = list + i * sizeof(struct multicall_entry);
		struct multicall_entry entry;
		long result;

		if (i == ENTRIES_PER_SLICE)
			return hypercall_continue(__HYPERVISOR_multicall, at, count - i, 0, 0, 0);
		if (at < list || copy_from_guest_raw(&entry, at, sizeof(entry)))
			return -XEN_EFAULT;
		if (entry.op == __HYPERVISOR_multicall || entry.op == __HYPERVISOR_iret)
			result = -XEN_EINVAL;
		else {
			v->in_multicall = true;
			result = hypercall_dispatch(entry.op, entry.args[0], entry.args[1],
						    entry.args[2], entry.args[3], entry.args[4]);
			v->in_multicall = false;
		}
		if (v->continuation.pending) {
			v->continuation.pending = false;
			if (copy_to_guest_raw(at + __builtin_offsetof(struct multicall_entry, args),
					      v->continuation.args, sizeof(v->continuation.args)))
				return -XEN_EFAULT;
			return hypercall_continue(__HYPERVISOR_multicall, at, count - i, 0, 0, 0);
		}
		if (copy_to_guest_raw(at + __builtin_offsetof(struct multicall_entry, result),
				      &result, sizeof(result)))
			return -XEN_EFAULT;
		/* An entry that blocked (or yielded) ends this slice: the rest runs when the vCPU
		 * runs again, as in Xen, so a later entry sees the time it slept. */
		if (i + 1 < count && scheduler_switch_pending())
			return hypercall_continue(__HYPERVISOR_multicall,
						  at + sizeof(struct multicall_entry), count - i - 1,
						  0, 0, 0);
	}
	return 0;
}
