/*
 * Switching the CPU between vCPUs. While the hypervisor runs, the guest's current GS base
 * waits in MSR_KERNEL_GS_BASE (entry did swapgs), the other one (kernel or user) in the vCPU;
 * FS base is live in MSR_FS_BASE. The page table is the kernel's or, in user mode, the user
 * L4 of NEW_USER_BASEPTR; the GDT and LDT are the vCPU's, shown in the CPU's descriptor
 * window (descriptor_tables.c).
 */
#include <domain.h>
#include <arch/context_switch.h>
#include <arch/descriptor_tables.h>
#include <arch/cpu_features.h>
#include <arch/fpu.h>
#include <arch/guest.h>
#include <arch/layout.h>
#include <arch/tlb_flush.h>
#include <arch/x86.h>
#include <page_alloc.h>

extern uint64_t boot_l4[512];

/*
 * Load a data segment register with a selector of the guest's; one the CPU refuses (#GP, #NP,
 * an LDT page that cannot be mapped) is caught through the exception-fixup table and the null
 * selector loaded instead, and the guest hears of it at its failsafe callback
 * (arch_vcpu_enter).
 */
#define LOAD_SELECTOR(segment, value)                                                              \
	__asm__ volatile("1:	movw %w0, %%" segment "\n\t"                                    \
			 "	jmp 3f\n"                                                         \
			 "2:	xorl %k0, %k0\n\t"                                               \
			 "	movw %w0, %%" segment "\n"                                       \
			 "3:\n\t"                                                                 \
			 ".pushsection .ex_table, \"a\"\n\t"                                     \
			 ".balign 8\n\t"                                                          \
			 ".quad 1b, 2b\n\t"                                                       \
			 ".popsection"                                                             \
			 : "+r"(value)                                                             \
			 :                                                                         \
			 : "memory")

/* Load the vCPU's data selectors; a refused one leaves the null selector and marks the vCPU
 * for its failsafe callback (arch_vcpu_enter). */
static void load_data_selectors(struct vcpu *v)
{
	uint64_t ds = v->data_selectors[0], es = v->data_selectors[1];
	uint64_t fs = v->data_selectors[2], gs = v->data_selectors[3];

	LOAD_SELECTOR("ds", ds);
	LOAD_SELECTOR("es", es);
	LOAD_SELECTOR("fs", fs); /* before the FS base, which a selector load replaces */
	/* %gs's load replaces the active GS base, which is this CPU's own while we run: put it
	 * back at once (interrupts are off). */
	uint64_t hypervisor_gs_base = rdmsr(MSR_GS_BASE);

	LOAD_SELECTOR("gs", gs);
	wrmsr(MSR_GS_BASE, hypervisor_gs_base);
	v->selectors_failed = ds != v->data_selectors[0] || es != v->data_selectors[1] ||
			      fs != v->data_selectors[2] || gs != v->data_selectors[3];
}

void arch_vcpu_enter(struct vcpu *v, struct cpu_regs *regs)
{
	if (!v->selectors_failed)
		return;
	v->selectors_failed = false;
	deliver_failsafe(regs, v->data_selectors); /* the selectors it had */
	for (unsigned int i = 0; i < 4; i++)
		v->data_selectors[i] = 0;
}

void arch_vcpu_save(struct vcpu *v)
{
	uint16_t selector;

	__asm__ volatile("movw %%ds, %0" : "=r"(selector));
	v->data_selectors[0] = selector;
	__asm__ volatile("movw %%es, %0" : "=r"(selector));
	v->data_selectors[1] = selector;
	__asm__ volatile("movw %%fs, %0" : "=r"(selector));
	v->data_selectors[2] = selector;
	__asm__ volatile("movw %%gs, %0" : "=r"(selector));
	v->data_selectors[3] = selector;
	uint64_t gs = rdmsr(MSR_KERNEL_GS_BASE);

	if (v->user_mode)
		v->gs_base_user = gs;
	else
		v->gs_base_kernel = gs;
	v->fs_base = rdmsr(MSR_FS_BASE);
	if (v->fpu)
		fpu_save(v->fpu);
}

void arch_vcpu_load(struct vcpu *v)
{
	tlb_note_cr3(v->domain); /* before the load: a flush from now on includes us */
	write_cr3((v->user_mode ? v->guest_table_user : v->guest_table) << PAGE_SHIFT);
	descriptor_tables_load(v); /* its GDT and LDT in this CPU's window */
	load_data_selectors(v);	   /* from its tables, now shown */
	wrmsr(MSR_FS_BASE, v->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, v->user_mode ? v->gs_base_user : v->gs_base_kernel);
	if (xcr0_supported) /* its components, before they are restored */
		write_xcr0(v->xcr0 ? v->xcr0 : XCR0_GUEST_DEFAULT);
	if (v->fpu)
		fpu_restore(v->fpu);
	vcpu_load_fpu_state(v); /* the guest's virtual CR0.TS */
}

void arch_load_idle_page_tables(void)
{
	write_cr3((uint64_t)boot_l4 - IMAGE_VIRT_OFFSET);
	tlb_note_cr3(NULL);
}
