/*
 * Hypercalls from a 64-bit PV kernel: typed wrappers around the hypercall page.
 *
 * The hypervisor fills hypercall_page (common/guest/hypercall_page.S) when it builds the
 * domain; hypercall n is a 32-byte stub at hypercall_page + 32 * n that loads n into eax and
 * executes SYSCALL. Arguments travel in rdi, rsi, rdx, r10 and r8; the result, a value or a
 * negative Xen errno (<public/errno.h>), comes back in rax. The hypervisor may overwrite the
 * argument registers and, being entered by SYSCALL, always overwrites rcx and r11.
 *
 * Used by the guest runtime (common/guest/) and by every PV kernel built on it.
 */
#ifndef PARVUS_HYPERCALL_H
#define PARVUS_HYPERCALL_H

#include <stdint.h>
#include <public/xen.h>
#include <public/sched.h>
#include <public/version.h>
#include <public/memory.h>
#include <public/callback.h>
#include <public/event_channel.h>
#include <public/physdev.h>
#include <public/vcpu.h>
#include <public/grant_table.h>
#include <public/domctl.h>
#include <public/sysctl.h>

/* The page the hypervisor fills with one 32-byte stub per hypercall number. */
extern char hypercall_page[4096];

#define HYPERCALL_STUB_SIZE 32
#define HYPERCALL_PAGE_ENTRIES (4096 / HYPERCALL_STUB_SIZE)

/*
 * hypercall: call stub nr (0 <= nr < HYPERCALL_PAGE_ENTRIES) with five arguments; unused
 * ones may be anything. Returns rax as the hypervisor left it. Tests use this directly to
 * pass what the typed wrappers below would not accept.
 */
static inline long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
			     unsigned long a4, unsigned long a5)
{
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long result;

	__asm__ volatile("call *%[stub]"
			 : "=a"(result), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8)
			 : [stub] "r"(hypercall_page + nr * HYPERCALL_STUB_SIZE)
			 : "rcx", "r11", "r9", "memory");
	return result;
}

/* The wrappers are named as in Xen's guests (Linux, Mini-OS): the field's vocabulary. */

static inline long HYPERVISOR_set_trap_table(const struct trap_info *table)
{
	return hypercall(__HYPERVISOR_set_trap_table, (unsigned long)table, 0, 0, 0, 0);
}

static inline long HYPERVISOR_mmu_update(struct mmu_update *requests, unsigned int count,
					 unsigned int *done, domid_t domain)
{
	return hypercall(__HYPERVISOR_mmu_update, (unsigned long)requests, count,
			 (unsigned long)done, domain, 0);
}

static inline long HYPERVISOR_mmuext_op(struct mmuext_op *ops, unsigned int count,
					unsigned int *done, domid_t domain)
{
	return hypercall(__HYPERVISOR_mmuext_op, (unsigned long)ops, count, (unsigned long)done,
			 domain, 0);
}

/* Write the L1 entry that maps va; flags are UVMF_*. */
static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t pte, unsigned long flags)
{
	return hypercall(__HYPERVISOR_update_va_mapping, va, pte, flags, 0, 0);
}

static inline long HYPERVISOR_update_va_mapping_otherdomain(unsigned long va, uint64_t pte,
							    unsigned long flags, domid_t domain)
{
	return hypercall(__HYPERVISOR_update_va_mapping_otherdomain, va, pte, flags, domain, 0);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
	return hypercall(__HYPERVISOR_stack_switch, ss, sp, 0, 0, 0);
}

static inline long HYPERVISOR_set_callbacks(unsigned long event, unsigned long failsafe,
					    unsigned long syscall)
{
	return hypercall(__HYPERVISOR_set_callbacks, event, failsafe, syscall, 0, 0);
}

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
	return hypercall(__HYPERVISOR_callback_op, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_fpu_taskswitch(int set)
{
	return hypercall(__HYPERVISOR_fpu_taskswitch, (unsigned long)set, 0, 0, 0, 0);
}

static inline long HYPERVISOR_set_timer_op(uint64_t timeout_ns)
{
	return hypercall(__HYPERVISOR_set_timer_op, timeout_ns, 0, 0, 0, 0);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_multicall(struct multicall_entry *calls, unsigned int count)
{
	return hypercall(__HYPERVISOR_multicall, (unsigned long)calls, count, 0, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_console_io(int cmd, int count, char *buffer)
{
	return hypercall(__HYPERVISOR_console_io, (unsigned long)cmd, (unsigned long)count,
			 (unsigned long)buffer, 0, 0);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
	return hypercall(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, (unsigned long)cmd, vcpu, (unsigned long)arg, 0, 0);
}

static inline long HYPERVISOR_set_segment_base(int which, unsigned long base)
{
	return hypercall(__HYPERVISOR_set_segment_base, (unsigned long)which, base, 0, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg, 0,
			 0, 0);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_physdev_op, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *ops, unsigned int count)
{
	return hypercall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)ops, count, 0, 0);
}

/* dom0 only: manage one domain, or ask about the whole machine (public/domctl.h, sysctl.h). */
static inline long HYPERVISOR_domctl(struct xen_domctl *op)
{
	return hypercall(__HYPERVISOR_domctl, (unsigned long)op, 0, 0, 0, 0);
}

static inline long HYPERVISOR_sysctl(struct xen_sysctl *op)
{
	return hypercall(__HYPERVISOR_sysctl, (unsigned long)op, 0, 0, 0, 0);
}

/*
 * There is no wrapper for HYPERVISOR_iret: it is jumped to, not called, with an
 * iret_context on the stack (see common/guest/trap_entry.S).
 */

#endif /* PARVUS_HYPERCALL_H */
