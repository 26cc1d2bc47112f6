/*
 * Exceptions delivered to a PV guest, and its way back (HYPERVISOR_iret).
 *
 * The guest's kernel runs in ring 3, so the CPU brings every exception to us. We deliver it as
 * Xen does: on the guest kernel's stack (16-byte aligned below the interrupted rsp) we write a
 * bounce frame - from the top: ss, rsp, rflags, cs (the saved event mask in bits 32-39), rip,
 * the error code when the exception has one, then r11 and rcx, which the guest's handler pops
 * first - and continue the guest at the handler it gave with set_trap_table. A page fault
 * also puts the faulting address in vcpu_info's arch.cr2. A guest with no handler for the
 * vector, or whose stack cannot take the frame, is crashed.
 * Entries from guest user mode (switching to kernel_sp and the kernel page tables) come with
 * the user-mode support of issue 4; today the guest kernel is the only mode.
 */
#include <arch/descriptor_tables.h>
#include <arch/guest.h>
#include <arch/fpu.h>
#include <arch/cpu_features.h>
#include <arch/uaccess.h>
#include <arch/x86.h>
#include <arch/machine_check_msr.h>
#include <domain.h>
#include <event_channel.h>
#include <hypercall.h>
#include <printk.h>
#include <runstate.h>
#include <stdio.h>
#include <vcpu_time.h>
#include <string.h>
#include <public/xen.h>
#include <public/errno.h>
#include <public/callback.h>
#include <public/xen.h>

#define TRAP_FLAG_MASK_EVENTS 4 /* Xen's TI_SET_IF: deliver with events masked */
#define EFLAGS_TF (1ull << 8)
#define EFLAGS_IF (1ull << 9)
#define EFLAGS_IOPL (3ull << 12)
#define EFLAGS_NT (1ull << 14)
#define EFLAGS_RF (1ull << 16)
#define EFLAGS_VM (1ull << 17)
#define EFLAGS_AC (1ull << 18)
/* What a guest may set in rflags: the arithmetic flags, TF, IF, DF, OF, AC and ID; never
 * IOPL, NT, RF, VM, VIF or VIP. */
#define EFLAGS_GUEST_MASK 0x0000000000240fd5ull

/*
 * Guest kernel and guest user mode share ring 3; what tells them apart is the page table (the
 * kernel's L4 or the user L4 of NEW_USER_BASEPTR) and the GS base. While we run, the guest's
 * current GS base is in MSR_KERNEL_GS_BASE (swapgs put it there).
 */
static void enter_user_mode(struct vcpu *v)
{
	v->gs_base_kernel = rdmsr(MSR_KERNEL_GS_BASE);
	wrmsr(MSR_KERNEL_GS_BASE, v->gs_base_user);
	write_cr3(v->guest_table_user << 12);
	v->user_mode = true;
}

static void enter_kernel_mode(struct vcpu *v)
{
	v->gs_base_user = rdmsr(MSR_KERNEL_GS_BASE);
	wrmsr(MSR_KERNEL_GS_BASE, v->gs_base_kernel);
	write_cr3(v->guest_table << 12);
	v->user_mode = false;
	runstate_catch_up(v);
	vcpu_time_catch_up(v);
}

/*
 * Enter a guest kernel handler as Xen does: a frame of rcx, r11, [error code,] rip, cs, rflags,
 * rsp, ss on the kernel's stack (switching to the stack of stack_switch and the kernel's page
 * tables if the guest was in user mode), the saved event mask in cs's upper half and as IF in
 * rflags. False when the frame cannot be written (the domain is then beyond help).
 */
static bool bounce_to_handler(struct vcpu *v, struct cpu_regs *regs, uint64_t handler,
			      const uint64_t *extra, unsigned int nr_extra, bool mask_events)
{
	struct vcpu_info *info = v->vcpu_info;
	uint64_t frame[11];
	unsigned int n = 0;
	bool from_user = v->user_mode;

	if (!info || !handler || !is_canonical(handler) || nr_extra > 4)
		return false;
	/* Built from the lowest address up: rcx, r11, the extra words (an error code, or the
	 * failsafe callback's four selectors), then the iret frame. */
	frame[n++] = regs->rcx;
	frame[n++] = regs->r11;
	for (unsigned int i = 0; i < nr_extra; i++)
		frame[n++] = extra[i];
	frame[n++] = regs->rip;
	/* Interrupted in its kernel, the guest sees RPL 0 in cs (Xen clears it so the kernel can
	 * tell); from user mode, RPL 3. iret puts RPL 3 back (and returns to user mode). */
	frame[n++] = (from_user ? regs->cs : regs->cs & ~3ull) |
		     ((uint64_t)info->evtchn_upcall_mask << 32);
	frame[n++] = (regs->rflags & ~EFLAGS_IF) | (info->evtchn_upcall_mask ? 0 : EFLAGS_IF);
	frame[n++] = regs->rsp;
	frame[n++] = regs->ss;

	/* From user mode: on the kernel's stack (stack_switch), in the kernel's page tables. */
	if (from_user) {
		if (!is_canonical(v->kernel_sp))
			return false;
		enter_kernel_mode(v);
	}
	uint64_t sp = ((from_user ? v->kernel_sp : regs->rsp) & ~15ull) - n * sizeof(uint64_t);

	if (copy_to_guest_raw(sp, frame, n * sizeof(uint64_t)))
		return false;
	if (mask_events)
		info->evtchn_upcall_mask = 1;
	regs->rsp = sp;
	regs->rip = handler;
	regs->cs = FLAT_RING3_CS64;
	regs->ss = FLAT_RING3_SS64;
	regs->rflags &= ~(EFLAGS_TF | EFLAGS_NT | EFLAGS_RF | EFLAGS_VM | EFLAGS_AC);
	regs->rflags |= EFLAGS_IF; /* real interrupts stay on in guest mode */
	return true;
}

bool bounce_exception(struct cpu_regs *regs, unsigned int vector, bool has_error_code)
{
	struct vcpu *v = current_vcpu();
	/* The guest kernel believes it runs in supervisor mode: a page fault it takes does not
	 * carry the user bit (Xen clears it likewise); one in user mode does. */
	uint64_t error_code = vector == 14 && !v->user_mode ? regs->error_code & ~4ull
							     : regs->error_code;

	if (!bounce_to_handler(v, regs, v->traps[vector].address, &error_code,
			       has_error_code ? 1 : 0, v->traps[vector].flags & TRAP_FLAG_MASK_EVENTS))
		return false;
	if (vector == 14)
		v->vcpu_info->arch.cr2 = v->fault_address; /* read on entry, before any fault */
	return true;
}

/*
 * A data selector of the vCPU's could not be loaded as it came back on a CPU (its descriptor
 * changed meanwhile): the null selector is in its place, and the guest kernel hears of it at
 * its failsafe callback, with the selectors it had (ds, es, fs, gs) above rcx and r11 in the
 * frame, as Xen does it. Without a callback the domain cannot be told, and crashes.
 */
void deliver_failsafe(struct cpu_regs *regs, const uint16_t selectors[4])
{
	struct vcpu *v = current_vcpu();
	const uint64_t words[4] = {selectors[0], selectors[1], selectors[2], selectors[3]};

	if (!bounce_to_handler(v, regs, v->failsafe_callback, words, 4, v->failsafe_masks_events))
		domain_crash(v->domain, "a segment selector could not be reloaded and the failsafe "
					"callback could not be entered");
}

void deliver_events(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();

	if (!v || !v->vcpu_info || !v->event_callback || !vcpu_events_deliverable(v))
		return;
	if (!bounce_to_handler(v, regs, v->event_callback, NULL, 0, true))
		domain_crash(v->domain, "an event upcall could not be delivered: its stack is bad");
}

/*
 * HYPERVISOR_iret: the guest's stub pushed rcx, r11 and rax on top of an iret frame (flags,
 * rip, cs, rflags, rsp, ss) and made a SYSCALL; we restore all of it. The virtual interrupt
 * flag (rflags.IF) becomes the event mask. The value returned is the restored rax, which the
 * hypercall return path puts back in rax.
 */
long do_iret(uint64_t unused1, uint64_t unused2, uint64_t unused3, uint64_t unused4,
	     uint64_t unused5)
{
	struct vcpu *v = current_vcpu();
	struct cpu_regs *regs = v->entry_regs; /* the live frame we return through */
	struct iret_context ctx;

	(void)unused1, (void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (copy_from_guest_raw(&ctx, regs->rsp, sizeof(ctx)))
		domain_crash(v->domain, "HYPERVISOR_iret: the iret frame is not readable");
	/* Any selectors, with the guest's privilege (RPL 3; bits 32-39 of cs carry the saved
	 * event mask, and RPL 0 in a bounce frame means the guest kernel). One the CPU refuses
	 * faults in our iretq, and the guest gets that fault as its own (guest_return_failed). */
	uint16_t cs = (uint16_t)ctx.cs | 3;

	if (!is_canonical(ctx.rip)) {
		char why[128];

		snprintf(why, sizeof(why), "HYPERVISOR_iret to cs %#lx ss %#lx rip %#lx: not a "
			 "place we can return to", ctx.cs, ctx.ss, ctx.rip);
		domain_crash(v->domain, why);
	}
	v->vcpu_info->evtchn_upcall_mask = !(ctx.rflags & EFLAGS_IF);
	regs->rip = ctx.rip;
	regs->cs = cs;
	regs->rflags = (ctx.rflags & EFLAGS_GUEST_MASK) | EFLAGS_IF | 2; /* bit 1 is always one */
	regs->rsp = ctx.rsp;
	regs->ss = (uint16_t)ctx.ss | 3;
	if (ctx.flags & VGCF_in_syscall) { /* as SYSRET would leave them, selectors too */
		regs->rcx = ctx.rip;
		regs->r11 = regs->rflags;
		regs->cs = cs == FLAT_RING3_CS32 ? FLAT_RING3_CS32 : FLAT_RING3_CS64;
		regs->ss = FLAT_RING3_SS64;
	} else {
		regs->rcx = ctx.rcx;
		regs->r11 = ctx.r11;
	}
	/* A cs of RPL 3 in the frame means the program, not the kernel (whose frames carry
	 * RPL 0): switch to user mode. */
	if (((uint16_t)ctx.cs & 3) == 3 && !v->user_mode) {
		if (!v->guest_table_user)
			domain_crash(v->domain, "HYPERVISOR_iret to user mode with no user page table");
		enter_user_mode(v);
	}
	return (long)ctx.rax;
}

/* stack_switch: where the guest kernel's stack is, for entries from its user mode. */
long do_stack_switch(uint64_t ss, uint64_t sp, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	/* The kernel runs in ring 3: Xen 4.17 raises a lower RPL to 3 rather than refusing it
	 * (Linux passes __KERNEL_DS, RPL 0). */
	ss |= 3;
	if (!is_canonical(sp))
		return -XEN_EINVAL;
	v->kernel_ss = (uint16_t)ss;
	v->kernel_sp = sp;
	return 0;
}

/* set_callbacks: where events (upcalls), failed segment loads and guest-user SYSCALLs enter. */
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t unused4,
		      uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused4, (void)unused5;
	/* As in Xen, each address is registered on its own and a bad one is skipped: the call
	 * itself always succeeds. */
	if (is_canonical(event))
		v->event_callback = event;
	if (is_canonical(failsafe)) {
		v->failsafe_callback = failsafe;
		v->failsafe_masks_events = false;
	}
	if (is_canonical(syscall))
		v->syscall_callback = syscall;
	return 0;
}

/* callback_op: register callbacks one at a time, with flags; only the NMI one can go away. */
long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		    uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	if (cmd == CALLBACKOP_register) {
		struct callback_register reg;

		if (copy_from_guest_raw(&reg, arg, sizeof(reg)))
			return -XEN_EFAULT;
		if (reg.type != CALLBACKTYPE_event && reg.type != CALLBACKTYPE_failsafe &&
		    reg.type != CALLBACKTYPE_syscall && reg.type != CALLBACKTYPE_nmi)
			return -XEN_ENOSYS;
		if (!is_canonical(reg.address))
			return -XEN_EINVAL;
		switch (reg.type) {
		case CALLBACKTYPE_event:
			v->event_callback = reg.address;
			break;
		case CALLBACKTYPE_failsafe:
			v->failsafe_callback = reg.address;
			v->failsafe_masks_events = reg.flags & CALLBACKF_mask_events;
			break;
		case CALLBACKTYPE_syscall:
			v->syscall_callback = reg.address;
			v->syscall_masks_events = reg.flags & CALLBACKF_mask_events;
			break;
		default:
			v->nmi_callback = reg.address;
		}
		return 0;
	}
	if (cmd == CALLBACKOP_unregister) {
		struct callback_unregister unreg;

		if (copy_from_guest_raw(&unreg, arg, sizeof(unreg)))
			return -XEN_EFAULT;
		if (unreg.type == CALLBACKTYPE_nmi) {
			v->nmi_callback = 0;
			return 0;
		}
		if (unreg.type == CALLBACKTYPE_event || unreg.type == CALLBACKTYPE_failsafe ||
		    unreg.type == CALLBACKTYPE_syscall)
			return -XEN_EINVAL;
		return -XEN_ENOSYS;
	}
	return -XEN_ENOSYS;
}



/*
 * Xen's forced-emulation prefix: "ud2; .ascii \"xen\"" before an instruction asks the
 * hypervisor to emulate it. Only CPUID may follow. A guest kernel uses it to see the CPUID view
 * the hypervisor chooses for it rather than the raw CPU's.
 */
static const uint8_t forced_cpuid[] = {0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2};

#define XEN_CPUID_FIRST_LEAF 0x40000000u
#define XEN_CPUID_LAST_LEAF 0x40000005u
/*
 * What a PV kernel is not shown, as in Xen's PV policy (the features cpufeatureset.h does not
 * mark 'A'). Leaf 1 ecx: DTES64, MONITOR, DS-CPL, VMX, SMX, EIST, TM2, xTPR, PDCM, PCID, DCA,
 * x2APIC, TSC-deadline. Leaf 1 edx: VME, PSE, PGE, PSE36, PSN, DS, TM1, PBE: a PV kernel has
 * neither large nor global pages (Linux would build its direct map with 2 MiB pages, which the
 * page-type rules refuse); MTRR stays, as Xen shows it to dom0. Leaf 0x80000001 edx: 1 GiB
 * pages; ecx: SVM, ExtApicSpace, CR8 legacy, OSVW, IBS, SKINIT, WDT, LWP, NodeId, TopoExt,
 * MONITORX.
 */
#define CPUID1_ECX_HIDDEN                                                                      \
	((1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |    \
	 (1u << 14) | (1u << 15) | (1u << 17) | (1u << 18) | (1u << 21) | (1u << 24))
#define CPUID1_EDX_HIDDEN                                                                      \
	((1u << 1) | (1u << 3) | (1u << 13) | (1u << 17) | (1u << 18) | (1u << 21) | (1u << 29) | \
	 (1u << 31))
#define CPUID1_ECX_HYPERVISOR (1u << 31)
/* Leaf 7.0 ebx: TSC_ADJUST, SGX, SMEP, INVPCID, PQM, MPX, PQE, SMAP, Processor Trace; ecx:
 * UMIP, PKU, OSPKE, CET shadow stacks, ENQCMD (Linux would use PKU's WRPKRU, a #UD here).
 * Also FSGSBASE (ebx bit 0), which Xen shows: Parvus does not set CR4.FSGSBASE, so Linux's
 * RDFSBASE would be a #UD (docs/linux-dom0.md). */
#define CPUID7_EBX_HIDDEN                                                                      \
	((1u << 0) | (1u << 1) | (1u << 2) | (1u << 7) | (1u << 10) | (1u << 12) | (1u << 14) | (1u << 15) | \
	 (1u << 20) | (1u << 25))
#define CPUID7_ECX_HIDDEN ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 7) | (1u << 29))
#define CPUID81_EDX_HIDDEN (1u << 26)
#define CPUID81_ECX_HIDDEN                                                                     \
	((1u << 2) | (1u << 3) | (1u << 4) | (1u << 9) | (1u << 10) | (1u << 12) | (1u << 13) | \
	 (1u << 15) | (1u << 19) | (1u << 22) | (1u << 29))

static void guest_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_result *r)
{
	if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + 0x100) {
		*r = (struct cpuid_result){0, 0, 0, 0};
		switch (leaf) {
		case XEN_CPUID_FIRST_LEAF: /* "XenVMMXenVMM" and the last leaf */
			*r = (struct cpuid_result){XEN_CPUID_LAST_LEAF, 0x566e6558, 0x65584d4d,
						   0x4d4d566e};
			break;
		case XEN_CPUID_FIRST_LEAF + 1: /* version */
			r->eax = 4 << 16 | 17;
			break;
		case XEN_CPUID_FIRST_LEAF + 2: /* one hypercall page, at this MSR */
			r->eax = 1;
			r->ebx = 0x40000000;
			break;
		default:
			break;
		}
		return;
	}
	*r = cpuid(leaf, subleaf);
	if (leaf == 1) {
		r->ecx &= ~CPUID1_ECX_HIDDEN;
		r->ecx |= CPUID1_ECX_HYPERVISOR;
		r->edx &= ~CPUID1_EDX_HIDDEN;
	} else if (leaf == 7 && subleaf == 0) {
		r->ebx &= ~CPUID7_EBX_HIDDEN;
		r->ecx &= ~CPUID7_ECX_HIDDEN;
	} else if (leaf == 0x80000001) {
		r->ecx &= ~CPUID81_ECX_HIDDEN;
		r->edx &= ~CPUID81_EDX_HIDDEN;
	}
}

bool emulate_forced_instruction(struct cpu_regs *regs)
{
	uint8_t bytes[sizeof(forced_cpuid)];
	struct cpuid_result r;

	if (copy_from_guest_raw(bytes, regs->rip, sizeof(bytes)) ||
	    memcmp(bytes, forced_cpuid, sizeof(bytes)) != 0)
		return false;
	guest_cpuid((uint32_t)regs->rax, (uint32_t)regs->rcx, &r);
	regs->rax = r.eax;
	regs->rbx = r.ebx;
	regs->rcx = r.ecx;
	regs->rdx = r.edx;
	regs->rip += sizeof(forced_cpuid);
	return true;
}

/*
 * fpu_taskswitch: the guest kernel's CR0.TS. Set, the guest's next FPU or SSE instruction
 * raises #NM, which is delivered to its handler like any exception (the kernel then clears it
 * with fpu_taskswitch(0) and restores the task's FPU state), as lazy FPU switching expects.
 */
long do_fpu_taskswitch(uint64_t set, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		       uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	v->fpu_task_switched = set != 0;
	if (v->fpu_task_switched)
		write_cr0(read_cr0() | X86_CR0_TS);
	else
		write_cr0(read_cr0() & ~X86_CR0_TS);
	return 0;
}

/* Before entering v: the real CR0.TS follows its virtual one. */
void vcpu_load_fpu_state(struct vcpu *v)
{
	if (v->fpu_task_switched)
		write_cr0(read_cr0() | X86_CR0_TS);
	else
		write_cr0(read_cr0() & ~X86_CR0_TS);
}

/*
 * set_segment_base: a 64-bit guest cannot write the base MSRs itself. FS is live while the
 * vCPU runs; so is the guest kernel's GS base, which sits in MSR_KERNEL_GS_BASE while we run
 * (we swapped it out on entry). The user GS base waits in the vCPU for user mode. A
 * non-canonical base is -EINVAL (loading it would fault). SEGBASE_GS_USER_SEL loads the %gs
 * selector, and the user GS base from its descriptor; a selector the CPU refuses leaves a null
 * %gs and is still 0, as in Xen.
 */
long do_set_segment_base(uint64_t which, uint64_t base, uint64_t unused3, uint64_t unused4,
			 uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	if (which != SEGBASE_GS_USER_SEL && !is_canonical(base))
		return -XEN_EINVAL;
	switch (which) {
	case SEGBASE_FS:
		wrmsr(MSR_FS_BASE, base);
		v->fs_base = base;
		return 0;
	case SEGBASE_GS_KERNEL:
		wrmsr(MSR_KERNEL_GS_BASE, base);
		v->gs_base_kernel = base;
		return 0;
	case SEGBASE_GS_USER:
		v->gs_base_user = base;
		return 0;
	case SEGBASE_GS_USER_SEL:
		v->gs_base_user = load_user_gs_selector((uint16_t)base);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

/*
 * SYSCALL from guest user mode: not a hypercall but the program's system call, delivered to
 * the kernel's syscall callback on its stack, in its page tables, as Xen does: the frame rcx,
 * r11, rip, cs (RPL 3, event mask in bits 32-39), rflags (IF = events enabled), rsp, ss. With
 * no callback, the program gets the #UD a CPU without SYSCALL would give.
 */
void bounce_user_syscall(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();

	if (!v->syscall_callback) {
		regs->rip -= 2; /* at the SYSCALL */
		if (!bounce_exception(regs, 6, false))
			domain_crash(v->domain, "SYSCALL without a syscall callback, and no #UD handler");
		return;
	}
	/* The SYSCALL put the program's rflags in r11, which entry.S saved as its rflags too. */
	if (!bounce_to_handler(v, regs, v->syscall_callback, NULL, 0, v->syscall_masks_events))
		domain_crash(v->domain, "a SYSCALL from user mode could not reach the kernel's "
					"callback: no kernel stack, or it is not writable");
	/* Xen 4.17 leaves DF as the program had it, and enters the callback the way SYSRET
	 * would: rcx is the callback's address, r11 the rflags it runs with. */
	regs->rcx = regs->rip;
	regs->r11 = regs->rflags & ~2ull; /* without the always-one bit, as SYSRET takes it */
}

/*
 * Privileged instructions a PV kernel may use, emulated as Xen does for it (they #GP in ring
 * 3): mov to and from CR0/CR2/CR3/CR4 with the guest's view of them, clts, the debug registers
 * (kept per vCPU; they are not loaded into the CPU yet), rdmsr/wrmsr of EFER, PAT, the segment
 * bases and the machine-check MSRs, and wbinvd for dom0. Anything else stays the #GP it was.
 */
#define GUEST_CR0 0x80050033ull /* PE MP ET NE WP AM PG, as Xen shows a PV guest */
#define GUEST_CR4 0x660ull	/* PAE MCE OSFXSR OSXMMEXCPT */
#define GUEST_EFER 0xd01ull	/* SCE LME LMA NXE */
#define DR7_DEFAULT 0x400ull

uint64_t *guest_register(struct cpu_regs *regs, unsigned int number)
{
	uint64_t *const slots[16] = {&regs->rax, &regs->rcx, &regs->rdx, &regs->rbx,
				     &regs->rsp, &regs->rbp, &regs->rsi, &regs->rdi,
				     &regs->r8,	 &regs->r9,  &regs->r10, &regs->r11,
				     &regs->r12, &regs->r13, &regs->r14, &regs->r15};

	return slots[number & 15];
}

static bool write_control_register(struct vcpu *v, unsigned int cr, uint64_t value)
{
	switch (cr) {
	case 0: /* only TS may change */
		if ((value & ~X86_CR0_TS) != (GUEST_CR0 & ~X86_CR0_TS))
			return false;
		do_fpu_taskswitch(value & X86_CR0_TS, 0, 0, 0, 0);
		return true;
	case 2:
		v->vcpu_info->arch.cr2 = value;
		return true;
	case 3: /* as MMUEXT_NEW_BASEPTR: our own validated L4 */
		return switch_kernel_base(v, value >> 12) == 0;
	case 4: /* accepted; only OSXSAVE changes the guest's view (VMXE and the rest are the
		 * hypervisor's): with it the kernel may turn XSAVE components on (XSETBV) */
		v->cr4_osxsave = (value & X86_CR4_OSXSAVE) && xcr0_supported;
		return true;
	default:
		return false;
	}
}

static bool read_control_register(struct vcpu *v, unsigned int cr, uint64_t *value)
{
	switch (cr) {
	case 0:
		*value = GUEST_CR0 | (v->fpu_task_switched ? X86_CR0_TS : 0);
		return true;
	case 2:
		*value = v->vcpu_info->arch.cr2;
		return true;
	case 3:
		*value = v->guest_table << 12;
		return true;
	case 4:
		*value = GUEST_CR4 | (v->cr4_osxsave ? X86_CR4_OSXSAVE : 0);
		return true;
	default:
		return false;
	}
}

static bool msr_access(struct vcpu *v, bool write, uint32_t msr, uint64_t *value)
{
	switch (msr) {
	case MSR_EFER:
		if (!write)
			*value = GUEST_EFER;
		return !write;
	case MSR_FS_BASE:
		return write ? do_set_segment_base(SEGBASE_FS, *value, 0, 0, 0) == 0
			     : (*value = v->fs_base, true);
	case MSR_GS_BASE: /* the kernel's, while the kernel runs */
		return write ? do_set_segment_base(SEGBASE_GS_KERNEL, *value, 0, 0, 0) == 0
			     : (*value = rdmsr(MSR_KERNEL_GS_BASE), true);
	case MSR_KERNEL_GS_BASE: /* the user's */
		return write ? do_set_segment_base(SEGBASE_GS_USER, *value, 0, 0, 0) == 0
			     : (*value = v->gs_base_user, true);
	case MSR_PAT: /* read-only for a PV kernel */
		if (!write)
			*value = XEN_MSR_PAT;
		return !write;
	default:
		return machine_check_msr(write, msr, value);
	}
}

/*
 * XSETBV: a PV kernel turns XSAVE components on (XCR0), as it would on hardware, once it has
 * set OSXSAVE in its CR4; Xen emulates it the same way. x87 must stay on, AVX needs SSE, and only what the hypervisor saves for
 * guests may be asked for; anything else is the #GP the CPU would give. Components newly
 * turned on start in their initial state, never with what another vCPU left in the registers.
 */
static bool emulate_xsetbv(struct vcpu *v, struct cpu_regs *regs)
{
	uint64_t value = (regs->rdx << 32) | (uint32_t)regs->rax;
	uint64_t old = v->xcr0 ? v->xcr0 : XCR0_GUEST_DEFAULT;

	/* Without OSXSAVE in the kernel's view of CR4 the instruction does not exist: #UD, as
	 * Xen gives it. */
	if (!v->cr4_osxsave) {
		if (!bounce_exception(regs, 6, false))
			domain_crash(v->domain, "XSETBV without OSXSAVE, and no #UD handler");
		return true;
	}
	if ((uint32_t)regs->rcx != 0 || !(value & 1) ||
	    ((value & 4) && !(value & 2)) || (value & ~xcr0_supported))
		return false;
	fpu_save(v->fpu); /* under the old components */
	fpu_state_reset_parts(v->fpu, value & ~old);
	v->xcr0 = value;
	write_xcr0(value);
	fpu_restore(v->fpu);
	vcpu_load_fpu_state(v); /* fpu_save and fpu_restore cleared CR0.TS */
	regs->rip += 3;
	return true;
}

bool emulate_privileged_instruction(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	uint8_t code[4] = {0};
	unsigned int rex = 0, at = 0;

	if (v->user_mode || copy_from_guest_raw(code, regs->rip, 2))
		return false;
	copy_from_guest_raw(code, regs->rip, sizeof(code)); /* the rest, if mapped */
	if ((code[0] & 0xf0) == 0x40) {
		rex = code[0];
		at = 1;
	}
	if (code[at] != 0x0f)
		return false;
	uint8_t opcode = code[at + 1];

	if (!rex && opcode == 0x01 && code[at + 2] == 0xd1) /* xsetbv */
		return emulate_xsetbv(v, regs);
	if (!rex && opcode == 0x09 && v->domain->is_privileged) { /* wbinvd */
		wbinvd();
		regs->rip += 2;
		return true;
	}
	if (!rex && opcode == 0x06) { /* clts */
		do_fpu_taskswitch(0, 0, 0, 0, 0);
		regs->rip += 2;
		return true;
	}
	if (!rex && (opcode == 0x30 || opcode == 0x32)) { /* wrmsr, rdmsr */
		uint64_t value = (regs->rdx << 32) | (uint32_t)regs->rax;

		if (!msr_access(v, opcode == 0x30, (uint32_t)regs->rcx, &value))
			return false;
		if (opcode == 0x32) {
			regs->rax = (uint32_t)value;
			regs->rdx = value >> 32;
		}
		regs->rip += 2;
		return true;
	}
	if (opcode < 0x20 || opcode > 0x23 || (code[at + 2] >> 6) != 3)
		return false;
	unsigned int number = ((code[at + 2] >> 3) & 7) | ((rex & 4) << 1);
	uint64_t *gpr = guest_register(regs, (code[at + 2] & 7) | ((rex & 1) << 3));
	bool done;

	switch (opcode) {
	case 0x20: /* mov from CRn */
		done = read_control_register(v, number, gpr);
		break;
	case 0x22: /* mov to CRn */
		done = write_control_register(v, number, *gpr);
		break;
	case 0x21: /* mov from DRn */
		done = number < 8 && (*gpr = number == 7 && !v->debugreg[7] ? DR7_DEFAULT
								  : v->debugreg[number],
				      true);
		break;
	default: /* 0x23, mov to DRn */
		done = do_set_debugreg(number, *gpr, 0, 0, 0) == 0;
	}
	if (done)
		regs->rip += at + 3;
	return done;
}

/* set_debugreg / get_debugreg: breakpoints may not point into the hypervisor. */
long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	if (reg > 7)
		return -XEN_ENODEV;
	if (reg < 4 && value && !guest_range_ok(value, 1))
		return -XEN_EPERM;
	v->debugreg[reg] = value;
	return 0;
}

long do_get_debugreg(uint64_t reg, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5)
{
	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (reg > 7)
		return -XEN_ENODEV;
	return (long)current_vcpu()->debugreg[reg];
}
