/*
 * Loading a vCPU from a struct vcpu_guest_context, as Xen checks it for a 64-bit PV guest:
 * every address the hypervisor will jump to or load must be canonical, selectors get the
 * guest's privilege (RPL 3), rflags keeps IF and loses IOPL (which becomes the virtual
 * IOPL), and the page tables (ctrlreg[3], and ctrlreg[1] for user mode) and GDT frames are
 * taken with the types they need, which validates them. Anything refused is -EINVAL, with
 * every reference taken on the way given back.
 */
#include <domain.h>
#include <page_alloc.h>
#include <page_type.h>
#include <string.h>
#include <arch/descriptor_tables.h>
#include <arch/fpu.h>
#include <arch/uaccess.h>
#include <arch/vcpu_context.h>
#include <arch/x86.h>
#include <public/errno.h>
#include <public/xen.h>

#define EFLAGS_IF (1ull << 9)
#define EFLAGS_IOPL (3ull << 12)
#define EFLAGS_GUEST_MASK 0x0000000000240fd5ull /* as guest_trap.c: no IOPL, NT, RF, VM, VIP */
#define LDT_MAX_ENTRIES 8192

static bool addresses_canonical(const struct vcpu_guest_context *c)
{
	const uint64_t addresses[] = {
		c->user_regs.rip,	c->user_regs.rsp,      c->kernel_sp,
		c->fs_base,		c->gs_base_kernel,     c->gs_base_user,
		c->event_callback_eip,	c->failsafe_callback_eip, c->syscall_callback_eip,
	};

	for (unsigned int i = 0; i < sizeof(addresses) / sizeof(addresses[0]); i++)
		if (!is_canonical(addresses[i]))
			return false;
	/* The LDT base matters only with entries; it may never be in the hypervisor's range. */
	if (c->ldt_ents && !is_canonical(c->ldt_base))
		return false;
	if (c->ldt_base && !guest_range_ok(c->ldt_base, 1))
		return false;
	for (unsigned int i = 0; i < 256; i++)
		if (!is_canonical(c->trap_ctxt[i].address))
			return false;
	return true;
}

/* A page table frame of v's domain held as an L4: 0, or -XEN_EINVAL. */
static int hold_l4(struct vcpu *v, unsigned long mfn)
{
	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	return get_page_and_type(mfn_to_page(mfn), v->domain, PGT_L4) ? -XEN_EINVAL : 0;
}

int vcpu_context_set(struct vcpu *v, const struct vcpu_guest_context *c)
{
	unsigned long kernel_l4 = xen_cr3_to_pfn(c->ctrlreg[3]);
	unsigned long user_l4 = xen_cr3_to_pfn(c->ctrlreg[1]);

	if (!(c->flags & VGCF_in_kernel) && !user_l4)
		return -XEN_EINVAL; /* user mode needs its page table */
	if (c->vm_assist & ~VM_ASSIST_VALID_64BIT_PV)
		return -XEN_EINVAL;
	if (!addresses_canonical(c) || c->ldt_ents > LDT_MAX_ENTRIES ||
	    (c->ldt_base & (PAGE_SIZE - 1)) || c->gdt_ents > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	if (hold_l4(v, kernel_l4))
		return -XEN_EINVAL;
	if (user_l4 && hold_l4(v, user_l4)) {
		put_page_and_type(mfn_to_page(kernel_l4));
		return -XEN_EINVAL;
	}
	if (set_gdt(v, c->gdt_frames, (unsigned int)c->gdt_ents) ||
	    set_ldt(v, c->ldt_base, (unsigned int)c->ldt_ents)) {
		set_gdt(v, NULL, 0);
		if (user_l4)
			put_page_and_type(mfn_to_page(user_l4));
		put_page_and_type(mfn_to_page(kernel_l4));
		return -XEN_EINVAL;
	}
	/* Accepted: nothing below can fail. The tables replace any the vCPU held. */
	if (v->guest_table)
		put_page_and_type(mfn_to_page(v->guest_table));
	if (v->guest_table_user)
		put_page_and_type(mfn_to_page(v->guest_table_user));
	v->guest_table = kernel_l4;
	v->guest_table_user = user_l4;
	l4_add_m2p(kernel_l4);

	const struct cpu_user_regs *r = &c->user_regs;
	struct cpu_regs *regs = &v->regs;

	memset(regs, 0, sizeof(*regs));
	regs->r15 = r->r15, regs->r14 = r->r14, regs->r13 = r->r13, regs->r12 = r->r12;
	regs->r11 = r->r11, regs->r10 = r->r10, regs->r9 = r->r9, regs->r8 = r->r8;
	regs->rbp = r->rbp, regs->rbx = r->rbx, regs->rax = r->rax, regs->rcx = r->rcx;
	regs->rdx = r->rdx, regs->rsi = r->rsi, regs->rdi = r->rdi;
	regs->rip = r->rip;
	regs->rsp = r->rsp;
	regs->cs = r->cs | 3;
	regs->ss = r->ss | 3;
	regs->rflags = (r->rflags & EFLAGS_GUEST_MASK) | EFLAGS_IF | 2;
	const uint16_t selectors[4] = {r->ds, r->es, r->fs, r->gs};

	for (unsigned int i = 0; i < 4; i++) /* the guest's privilege; null stays null */
		v->data_selectors[i] = selectors[i] > 3 ? selectors[i] | 3 : 0;
	v->iopl = (unsigned int)((r->rflags & EFLAGS_IOPL) >> 12);
	v->user_mode = !(c->flags & VGCF_in_kernel);

	for (unsigned int i = 0; i < 256; i++) { /* entry i is vector i, as Xen reads it */
		const struct trap_info *t = &c->trap_ctxt[i];

		v->traps[i].flags = t->flags;
		v->traps[i].cs = t->cs | 3;
		v->traps[i].address = t->address;
	}
	v->kernel_ss = (uint16_t)(c->kernel_ss | 3);
	v->kernel_sp = c->kernel_sp;
	v->event_callback = c->event_callback_eip;
	v->failsafe_callback = c->failsafe_callback_eip;
	v->syscall_callback = c->syscall_callback_eip;
	v->syscall_masks_events = c->flags & VGCF_syscall_disables_events;
	/* A non-null fs or gs selector brings its own base (Xen drops the context's then). */
	v->fs_base = v->data_selectors[2] ? 0 : c->fs_base;
	v->gs_base_kernel = c->gs_base_kernel;
	v->gs_base_user = v->data_selectors[3] ? 0 : c->gs_base_user;
	v->fpu_task_switched = c->ctrlreg[0] & X86_CR0_TS;
	/* Debug registers as set_debugreg takes them; one it would refuse is dropped (Xen ignores
	 * such failures here). */
	for (unsigned int i = 0; i < 8; i++)
		v->debugreg[i] = i < 4 && c->debugreg[i] && !guest_range_ok(c->debugreg[i], 1)
					 ? 0
					 : c->debugreg[i];
	if (v->vcpu_id == 0) /* the domain's assists come with its first vCPU, as in Xen */
		v->domain->vm_assist = c->vm_assist;
	if (v->fpu)
		fpu_state_load_legacy(v->fpu, (c->flags & VGCF_I387_VALID) ? c->fpu_ctxt.x : NULL);
	v->fpu_initialised = c->flags & VGCF_I387_VALID;
	v->initialised = true;
	return 0;
}

void vcpu_context_get(const struct vcpu *v, struct vcpu_guest_context *c)
{
	const struct cpu_regs *regs = &v->regs;
	struct cpu_user_regs *r = &c->user_regs;

	memset(c, 0, sizeof(*c));
	c->flags = (v->fpu_initialised ? VGCF_I387_VALID : 0) | (v->user_mode ? 0 : VGCF_in_kernel) |
		   (v->syscall_masks_events ? VGCF_syscall_disables_events : 0) |
		   (v->failsafe_masks_events ? VGCF_failsafe_disables_events : 0) |
		   (v->started ? VGCF_online : 0);
	if (v->fpu)
		fpu_state_store_legacy(v->fpu, c->fpu_ctxt.x);
	r->r15 = regs->r15, r->r14 = regs->r14, r->r13 = regs->r13, r->r12 = regs->r12;
	r->r11 = regs->r11, r->r10 = regs->r10, r->r9 = regs->r9, r->r8 = regs->r8;
	r->rbp = regs->rbp, r->rbx = regs->rbx, r->rax = regs->rax, r->rcx = regs->rcx;
	r->rdx = regs->rdx, r->rsi = regs->rsi, r->rdi = regs->rdi;
	r->rip = regs->rip;
	r->cs = (uint16_t)regs->cs;
	r->rflags = (regs->rflags & ~EFLAGS_IOPL) | ((uint64_t)v->iopl << 12);
	r->rsp = regs->rsp;
	r->ss = (uint16_t)regs->ss;
	r->ds = v->data_selectors[0];
	r->es = v->data_selectors[1];
	r->fs = v->data_selectors[2];
	r->gs = v->data_selectors[3];
	for (unsigned int i = 0; i < 256; i++) {
		c->trap_ctxt[i].vector = (uint8_t)i;
		c->trap_ctxt[i].flags = v->traps[i].flags;
		c->trap_ctxt[i].cs = v->traps[i].cs;
		c->trap_ctxt[i].address = v->traps[i].address;
	}
	c->ldt_base = v->descriptor_tables.ldt_base;
	c->ldt_ents = v->descriptor_tables.ldt_entries;
	for (unsigned int i = 0; i < 16 && i < GDT_GUEST_PAGES; i++)
		c->gdt_frames[i] = v->descriptor_tables.gdt_frames[i];
	c->gdt_ents = v->descriptor_tables.gdt_entries;
	c->kernel_ss = v->kernel_ss;
	c->kernel_sp = v->kernel_sp;
	c->ctrlreg[0] = X86_CR0_PE | X86_CR0_PG | (v->fpu_task_switched ? X86_CR0_TS : 0);
	c->ctrlreg[1] = xen_pfn_to_cr3(v->guest_table_user);
	c->ctrlreg[3] = xen_pfn_to_cr3(v->guest_table);
	for (unsigned int i = 0; i < 8; i++)
		c->debugreg[i] = v->debugreg[i];
	c->event_callback_eip = v->event_callback;
	c->failsafe_callback_eip = v->failsafe_callback;
	c->syscall_callback_eip = v->syscall_callback;
	c->vm_assist = v->domain->vm_assist;
	c->fs_base = v->fs_base;
	c->gs_base_kernel = v->gs_base_kernel;
	c->gs_base_user = v->gs_base_user;
}

void vcpu_context_release(struct vcpu *v)
{
	descriptor_tables_destroy(v);
	if (v->guest_table)
		put_page_and_type(mfn_to_page(v->guest_table));
	if (v->guest_table_user)
		put_page_and_type(mfn_to_page(v->guest_table_user));
	v->guest_table = 0;
	v->guest_table_user = 0;
	v->initialised = false;
}
