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
#include <arch/fpu.h>
#include <arch/guest.h>
#include <arch/layout.h>
#include <arch/tlb_flush.h>
#include <arch/x86.h>
#include <page_alloc.h>

extern uint64_t boot_l4[512];

void arch_vcpu_save(struct vcpu *v)
{
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
	wrmsr(MSR_FS_BASE, v->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, v->user_mode ? v->gs_base_user : v->gs_base_kernel);
	if (v->fpu)
		fpu_restore(v->fpu);
	vcpu_load_fpu_state(v); /* the guest's virtual CR0.TS */
}

void arch_load_idle_page_tables(void)
{
	write_cr3((uint64_t)boot_l4 - IMAGE_VIRT_OFFSET);
	tlb_note_cr3(NULL);
}
