/*
 * multicall: many hypercalls for the price of one entry. Each entry's result is written back
 * into the entry; a failing call fails only itself, but a list we cannot read or write stops
 * the batch with -EFAULT (the calls before it were made). A multicall (or an iret) inside a
 * batch is -EINVAL. Long batches are preempted as Xen preempts them: after a slice of entries
 * we point the guest's registers at the rest and back up its rip to the SYSCALL, so the
 * hypercall starts again where it stopped, with interrupts served in between.
 */
#include <hypercall.h>
#include <domain.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/xen.h>

#define ENTRIES_PER_SLICE 64
#define SYSCALL_LENGTH 2

long do_multicall(uint64_t list, uint64_t count, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t at = list + i * sizeof(struct multicall_entry);
		struct multicall_entry entry;
		long result;

		if (i == ENTRIES_PER_SLICE) {
			struct cpu_regs *regs = v->entry_regs;

			regs->rdi = at;
			regs->rsi = count - i;
			regs->rip -= SYSCALL_LENGTH;
			return __HYPERVISOR_multicall; /* rax: the same hypercall again */
		}
		if (at < list || copy_from_guest_raw(&entry, at, sizeof(entry)))
			return -XEN_EFAULT;
		if (entry.op == __HYPERVISOR_multicall || entry.op == __HYPERVISOR_iret)
			result = -XEN_EINVAL;
		else
			result = hypercall_dispatch(entry.op, entry.args[0], entry.args[1],
						    entry.args[2], entry.args[3], entry.args[4]);
		if (copy_to_guest_raw(at + __builtin_offsetof(struct multicall_entry, result),
				      &result, sizeof(result)))
			return -XEN_EFAULT;
	}
	return 0;
}
