/*
 * user_mode: guest user mode, the other half of a 64-bit PV kernel's ring 3.
 *
 * The kernel builds a user address space (its own L4 with MMUEXT_NEW_USER_BASEPTR, and
 * nothing of the kernel mapped in it), gives the kernel stack for entries from user mode
 * (stack_switch) and a syscall callback (set_callbacks, callback_op), and enters user mode
 * with HYPERVISOR_iret and a cs of RPL 3. Then, as Xen 4.17 does it:
 *
 *  - the registers a program starts with: every general register as the kernel left it,
 *    rax/rcx/r11 from the iret context (or rcx = rip and r11 = rflags with VGCF_in_syscall),
 *    rflags with IF forced on and IOPL cleared, cs 0xe033, ss 0xe02b;
 *  - SYSCALL from user mode bounced to the callback on the kernel stack: the frame
 *    rcx, r11, rip, cs, rflags, rsp, ss with each word checked, cs RPL 3, the event mask in
 *    cs bits 32-39 and folded into rflags.IF, CALLBACKF_mask_events, DF cleared for the
 *    callback, the general registers kept, the kernel's page tables back in CR3;
 *  - #UD, #PF, #GP, #BP and int $0x80 in user mode bounced to the trap handlers on the
 *    kernel stack, with error codes and cr2, then iret back to the program;
 *  - user mode cannot reach the kernel's mappings or the hypervisor's; a mapping made
 *    without _PAGE_USER in the user tables is readable anyway (only the separate L4 keeps
 *    kernel and user apart); the user tables are validated like any page table;
 *  - callback_op and set_callbacks errors; SYSCALL with no callback registered is a #UD.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "catch.h"
#include "guest_lib.h"
#include "user_data.h"
#include "user_mode.h"

_Static_assert(UD_BASE == USER_DATA_VA, "user_data.h and user_mode.h agree");

#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_GUEST_KERNEL (1UL << 52) /* what Xen adds to kernel-only L1 entries */
#define PF_PRESENT 1
#define PF_WRITE 2
#define PF_USER 4
#define PF_FETCH 0x10

extern char u_probe[], u_probe_syscall[], u_probe_after[], u_probe_after2[], u_syscall[],
	u_syscall_after[], u_std_syscall[], u_std_syscall_insn[], u_read[], u_read_insn[],
	u_write[], u_write_insn[], u_jump[], u_jump_return[], u_trap[], u_trap_ud2[], u_trap_int3[],
	u_trap_int3_after[], u_trap_int80[], u_trap_int80_after[], u_trap_cli[], u_trap_hlt[],
	u_trap_in[];

static long max_page;
static unsigned long kernel_l4_mfn;
static volatile uint64_t kernel_marker = 0x6b65726e656c; /* a kernel-only variable */

static volatile struct vcpu_info *vcpu(void)
{
	return &HYPERVISOR_shared_info->vcpu_info[0];
}

static uint64_t ud(unsigned int word)
{
	return ((volatile uint64_t *)user_space.data)[word];
}

/* Where the hypervisor puts a frame on the kernel stack: 16-byte aligned below its top. */
static unsigned long kernel_stack_base(void)
{
	return user_space.kernel_stack_top & ~15UL;
}

static long mmuext(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = {.cmd = cmd};
	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* mov from cr3 (emulated by the hypervisor for a PV kernel); ~0 if it trapped. */
static uint64_t read_cr3(void)
{
	uint64_t value = 0;
	if (CATCH_INSN("mov %%cr3, %[v]", [v] "+r"(value)) != -1)
		return ~0UL;
	return value;
}

static unsigned int events_seen;
static void event_callback(struct trap_frame *frame)
{
	(void)frame;
	events_seen++;
	vcpu()->evtchn_upcall_pending = 0;
}

/* #GP: expected ones in kernel mode (catch), user-mode ones recorded and resumed. */
static uint64_t cr3_in_trap;
static void resume_user_trap(struct trap_frame *frame)
{
	if (catch_trap(frame))
		return;
	cr3_in_trap = read_cr3();
	user_trap_record_and_resume(frame);
}

/* Slot n of an L4 in the initial mapping. */
static uint64_t mfn_to_virt_l4_slot(unsigned long mfn, unsigned int n)
{
	const uint64_t *l4 = mfn_to_virt(mfn);
	return l4 ? l4[n] : ~0UL;
}

static struct user_entry entry_for(const void *user_symbol)
{
	return user_entry_at(user_va(user_symbol));
}

/* Clear what the programs record (words 0-127 of the data page). */
static void clear_user_data(void)
{
	memset(user_space.data, 0, 128 * sizeof(uint64_t));
}

static void check_user_tables(void)
{
	test_section("user page tables");
	CHECK_EQ(user_space_build(), 0, "the user tables are built and mapped read-only");

	memset(scratch_page(0), 0, PAGE_SIZE);
	CHECK_EQ(mmuext(MMUEXT_NEW_USER_BASEPTR, virt_to_mfn(scratch_page(0))), -XEN_EINVAL,
		 "a user L4 that is mapped writable is -EINVAL");
	CHECK_EQ(mmuext(MMUEXT_NEW_USER_BASEPTR, (unsigned long)max_page - 1), -XEN_EINVAL,
		 "a user L4 we do not own is -EINVAL");
	CHECK_EQ(user_space_activate(trap_entry_address(0xf0), trap_entry_address(0xf1)), 0,
		 "NEW_USER_BASEPTR, stack_switch and set_callbacks succeed");
	CHECK_EQ(mmuext(MMUEXT_NEW_USER_BASEPTR, user_space.l4_mfn), 0,
		 "installing the same user L4 again is 0");
	CHECK_EQ(HYPERVISOR_stack_switch(FLAT_KERNEL_SS & ~3, user_space.kernel_stack_top), 0,
		 "stack_switch with an RPL-0 selector (Linux passes __KERNEL_DS) is 0 (Xen raises "
		 "the RPL to 3)");

	CHECK_EQ(map_page(scratch_page(1), user_space.l4_mfn, PTE_RW), -XEN_EBUSY,
		 "the user L4 in use cannot be mapped writable: -EBUSY");
	CHECK_EQ(map_page(scratch_page(1), user_space.l1_mfn, PTE_RW), -XEN_EBUSY,
		 "nor can the user L1");
	map_page(scratch_page(1), virt_to_mfn(scratch_page(1)), PTE_RW);

	const uint64_t *l4 = mfn_to_virt(user_space.l4_mfn);
	unsigned int xen_slots = 0;
	for (unsigned int slot = 256; slot < 272; slot++)
		xen_slots += l4[slot] != 0;
	printf("hypervisor slots filled in the user L4: %u of 16\n", xen_slots);
	const uint64_t *kl4 = (const uint64_t *)guest_start_info->pt_base;
	for (unsigned int slot = 256; slot < 272; slot++)
		if (l4[slot] || kl4[slot])
			printf("  slot %u: user %#lx kernel %#lx\n", slot, l4[slot], kl4[slot]);
	CHECK(xen_slots > 0, "validating the user L4 filled in the hypervisor's slots");
	CHECK_EQ(l4[511], 0, "and nothing of the kernel's (slot 511) is there");

	uint64_t user_pte = user_space.l1[(USER_DATA_VA >> PAGE_SHIFT) & 511];
	uint64_t konly_pte = user_space.l1[(USER_KONLY_VA >> PAGE_SHIFT) & 511];
	printf("user L1 entries: user page %#lx, kernel-only page %#lx\n", user_pte, konly_pte);
	CHECK_EQ(user_pte & (_PAGE_USER | PTE_GUEST_KERNEL), _PAGE_USER,
		 "a user mapping is stored with _PAGE_USER and without the kernel marker");
	CHECK_EQ(konly_pte & (_PAGE_USER | PTE_GUEST_KERNEL), _PAGE_USER | PTE_GUEST_KERNEL,
		 "a mapping without _PAGE_USER gets _PAGE_USER and the kernel marker (bit 52)");

	/* The user tables are page tables like any other: attacks through them fail. */
	struct mmu_update req = {.ptr = user_l1_entry_address(USER_RO_VA),
				 .val = (user_space.l4_mfn << PAGE_SHIFT) | PTE_RW | _PAGE_USER};
	CHECK_EQ(HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF), -XEN_EBUSY,
		 "a user L1 entry mapping the user L4 writable is -EBUSY");
	req.val = (kernel_l4_mfn << PAGE_SHIFT) | PTE_RW | _PAGE_USER;
	CHECK_EQ(HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF), -XEN_EBUSY,
		 "a user L1 entry mapping the kernel L4 writable is -EBUSY");
}

static void check_callback_op(void)
{
	struct callback_register reg = {.type = CALLBACKTYPE_syscall,
					.address = (unsigned long)user_syscall_entry};
	struct callback_unregister unreg = {.type = CALLBACKTYPE_syscall};

	test_section("callback_op and set_callbacks");
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), 0,
		 "register the syscall callback");
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped argument is -EFAULT");
	reg.type = 99;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), -XEN_ENOSYS,
		 "an unknown callback type is -ENOSYS");
	reg.type = CALLBACKTYPE_sysenter_deprecated;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), -XEN_ENOSYS,
		 "the deprecated sysenter type (3) is -ENOSYS");
	reg.type = CALLBACKTYPE_syscall;
	reg.address = 0x0000800000000000UL;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), -XEN_EINVAL,
		 "a non-canonical callback address is -EINVAL");
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg), -XEN_EINVAL,
		 "the syscall callback cannot be unregistered: -EINVAL");
	unreg.type = CALLBACKTYPE_event;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg), -XEN_EINVAL,
		 "nor the event callback");
	unreg.type = CALLBACKTYPE_failsafe;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg), -XEN_EINVAL,
		 "nor the failsafe callback");
	unreg.type = CALLBACKTYPE_nmi;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg), 0,
		 "the NMI callback can be unregistered");
	unreg.type = 99;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, &unreg), -XEN_ENOSYS,
		 "unregistering an unknown type is -ENOSYS");
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_unregister, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped unregister argument is -EFAULT");
	CHECK_EQ(HYPERVISOR_callback_op(2, &reg), -XEN_ENOSYS, "callback_op command 2 is -ENOSYS");

	long rc = HYPERVISOR_set_callbacks(trap_entry_address(0xf0), trap_entry_address(0xf1),
					   0x0000800000000000UL);
	printf("set_callbacks with a non-canonical syscall address: %ld\n", rc);
	CHECK_EQ(rc, 0, "set_callbacks ignores the error of a non-canonical address (0)");
	struct user_entry entry = user_entry_at(user_va(u_syscall));
	CHECK_EQ(user_call(&entry), 1, "and keeps the syscall callback it had: SYSCALL works");
	CHECK_EQ(user_last_syscall.rip, user_va(u_syscall_after), "the frame's rip");
}

/* The u_probe program: three SYSCALLs, the first two resumed. */
static struct user_syscall_frame probe_first, probe_second;
static uint8_t probe_first_mask;
static unsigned long probe_first_at;
static uint64_t probe_cr3;
static unsigned int probe_phase;
static uint64_t probe_resume_flags;

static uint64_t probe_handler(struct user_syscall_frame *frame)
{
	switch (probe_phase++) {
	case 0:
		probe_first = *frame;
		probe_first_at = (unsigned long)&frame->frame_rcx;
		probe_first_mask = vcpu()->evtchn_upcall_mask;
		probe_cr3 = read_cr3();
		frame->regs.rax = 0x1234;     /* a "system call result" */
		frame->regs.rcx = 0xc0c0c0c0; /* the iret context's rcx and r11 */
		frame->regs.r11 = 0xd1d1d1d1;
		frame->regs.rbx = 0xb0b0b0b0; /* left in place for the program */
		return probe_resume_flags;
	case 1:
		probe_second = *frame;
		return probe_resume_flags;
	default:
		return user_syscall_record_and_return(frame);
	}
}

static long run_probe(struct user_entry *entry, uint64_t resume_flags)
{
	clear_user_data();
	probe_phase = 0;
	probe_resume_flags = resume_flags;
	memset(&probe_first, 0, sizeof(probe_first));
	memset(&probe_second, 0, sizeof(probe_second));
	user_syscall_handler = probe_handler;
	long rc = user_call(entry);
	user_syscall_handler = NULL;
	return rc;
}

static void check_entry_and_syscall(void)
{
	struct user_entry entry = entry_for(u_probe);
	uint16_t kernel_ds, kernel_es, kernel_fs, kernel_gs;

	__asm__ volatile("movw %%ds, %0\n\tmovw %%es, %1\n\tmovw %%fs, %2\n\tmovw %%gs, %3"
			 : "=m"(kernel_ds), "=m"(kernel_es), "=m"(kernel_fs), "=m"(kernel_gs));
	for (unsigned int i = 0; i < 15; i++)
		((uint64_t *)&entry.regs)[i] = 0x1100 + i; /* r15 = 0x1100 ... rax = 0x110e */
	entry.flags = 0;

	test_section("entering user mode with HYPERVISOR_iret");
	CHECK_EQ(run_probe(&entry, VGCF_in_syscall), 1, "the program ran and came back");
	CHECK_EQ(probe_phase, 3, "through three SYSCALLs, two of them resumed");
	const uint64_t expected_gprs[15] = {
		[GPR_RAX] = entry.regs.rax, [GPR_RBX] = entry.regs.rbx, [GPR_RCX] = entry.regs.rcx,
		[GPR_RDX] = entry.regs.rdx, [GPR_RSI] = entry.regs.rsi, [GPR_RDI] = entry.regs.rdi,
		[GPR_RBP] = entry.regs.rbp, [GPR_R8] = entry.regs.r8,	[GPR_R9] = entry.regs.r9,
		[GPR_R10] = entry.regs.r10, [GPR_R11] = entry.regs.r11, [GPR_R12] = entry.regs.r12,
		[GPR_R13] = entry.regs.r13, [GPR_R14] = entry.regs.r14, [GPR_R15] = entry.regs.r15,
	};
	unsigned int gprs_right = 0;
	for (unsigned int i = 0; i < 15; i++) {
		if (ud(UD_ENTRY + i) == expected_gprs[i])
			gprs_right++;
		else
			printf("register %u at entry: %#lx, expected %#lx\n", i, ud(UD_ENTRY + i),
			       expected_gprs[i]);
	}
	CHECK_EQ(gprs_right, 15,
		 "the program starts with every register the kernel had (rax, rcx, r11 from "
		 "the iret context)");
	CHECK_EQ(ud(UD_RSP), USER_STACK_TOP, "rsp is the context's");
	CHECK_EQ(ud(UD_CS), FLAT_USER_CS, "cs is 0xe033 (RPL 3)");
	CHECK_EQ(ud(UD_SS), FLAT_USER_SS, "ss is 0xe02b");
	CHECK_EQ(ud(UD_DS), kernel_ds, "ds is left as the kernel had it");
	CHECK_EQ(ud(UD_ES), kernel_es, "es too");
	CHECK_EQ(ud(UD_FS), kernel_fs, "fs too");
	CHECK_EQ(ud(UD_GS), kernel_gs, "gs too");
	uint64_t user_rflags = ud(UD_RFLAGS);
	printf("rflags in user mode: %#lx\n", user_rflags);
	CHECK_EQ(user_rflags & (X86_RFLAGS_IF | X86_RFLAGS_IOPL | X86_RFLAGS_DF), X86_RFLAGS_IF,
		 "rflags in user mode: IF set, IOPL 0, DF as given (clear)");

	test_section("SYSCALL from user mode: the frame");
	const struct user_syscall_frame *f = &probe_first;
	unsigned long after = user_va(u_probe_after);
	CHECK_EQ(probe_first_at, kernel_stack_base() - 56,
		 "the frame is 16-byte aligned at the top of the stack_switch stack");
	CHECK_EQ(f->frame_rcx, after, "frame rcx: the return address SYSCALL left");
	CHECK_EQ(f->frame_r11, user_rflags, "frame r11: the rflags SYSCALL saved");
	CHECK_EQ(f->rip, after, "frame rip: after the SYSCALL");
	CHECK_EQ(f->cs & 0xffff, FLAT_USER_CS, "frame cs 0xe033: RPL 3, from user mode");
	CHECK_EQ((f->cs >> 32) & 0xff, 0, "frame cs bits 32-39: the event mask was 0");
	CHECK_EQ(f->rflags, user_rflags,
		 "frame rflags: the user's, IF set as events were unmasked");
	CHECK_EQ(f->rsp, USER_STACK_TOP, "frame rsp: the user stack pointer");
	CHECK_EQ(f->ss, FLAT_USER_SS, "frame ss: 0xe02b");
	CHECK_EQ(f->regs.rax, 0x5a5a000000000001, "rax is kept (not taken as a hypercall number)");
	CHECK_EQ(f->regs.rbx, 0x5a5a000000000002, "rbx is kept");
	CHECK_EQ(f->regs.rdx, 0x5a5a000000000003, "rdx is kept");
	CHECK_EQ(f->regs.rsi, 0x5a5a000000000004, "rsi is kept");
	CHECK_EQ(f->regs.rdi, 0x5a5a000000000005, "rdi is kept");
	CHECK_EQ(f->regs.rbp, 0x5a5a000000000006, "rbp is kept");
	CHECK_EQ(f->regs.r8, 0x5a5a000000000007, "r8 is kept");
	CHECK_EQ(f->regs.r9, 0x5a5a000000000008, "r9 is kept");
	CHECK_EQ(f->regs.r10, 0x5a5a000000000009, "r10 is kept");
	CHECK_EQ(f->regs.r12, 0x5a5a00000000000a, "r12 is kept");
	CHECK_EQ(f->regs.r13, 0x5a5a00000000000b, "r13 is kept");
	CHECK_EQ(f->regs.r14, 0x5a5a00000000000c, "r14 is kept");
	CHECK_EQ(f->regs.r15, 0x5a5a00000000000d, "r15 is kept");
	printf("rcx, r11 in the callback: %#lx, %#lx (callback at %#lx), rflags %#lx\n",
	       f->regs.rcx, f->regs.r11, (unsigned long)user_syscall_entry, f->callback_rflags);
	CHECK_EQ(f->callback_rflags & (X86_RFLAGS_DF | X86_RFLAGS_IF), X86_RFLAGS_IF,
		 "the callback runs with DF clear, as the program had it");
	CHECK_EQ(f->regs.rcx, (unsigned long)user_syscall_entry,
		 "rcx in the callback is its own address (the hypervisor returns by SYSRET)");
	CHECK_EQ(f->regs.r11, f->callback_rflags & ~X86_RFLAGS_FIXED,
		 "r11 in the callback is its rflags (SYSRET)");
	CHECK_EQ(probe_first_mask, 0, "set_callbacks' syscall callback leaves events unmasked");
	CHECK_EQ(probe_cr3, kernel_l4_mfn << PAGE_SHIFT,
		 "the kernel's L4 is back in CR3 in the callback (mov from cr3)");

	test_section("iret back to user mode with VGCF_in_syscall");
	CHECK_EQ(ud(UD_AFTER + GPR_RCX), after, "rcx = the return rip (SYSRET semantics)");
	CHECK_EQ(ud(UD_AFTER + GPR_R11), f->rflags,
		 "r11 = the rflags returned to (SYSRET semantics)");
	CHECK_EQ(ud(UD_AFTER + GPR_RAX), 0x1234, "rax = the iret context's rax");
	CHECK_EQ(ud(UD_AFTER + GPR_RBX), 0xb0b0b0b0, "rbx as the kernel left it");
	CHECK_EQ(ud(UD_AFTER + GPR_R15), 0x5a5a00000000000d, "r15 as the kernel left it");
	CHECK_EQ(ud(UD_AFTER + UD_RSP), USER_STACK_TOP, "rsp is back");
	CHECK_EQ(probe_second.rip, user_va(u_probe_after2), "the second SYSCALL's rip");
	CHECK_EQ(probe_second.regs.rax, 2, "and its rax");

	test_section("iret back to user mode without VGCF_in_syscall");
	CHECK_EQ(run_probe(&entry, 0), 1, "the program ran and came back");
	CHECK_EQ(ud(UD_AFTER + GPR_RCX), 0xc0c0c0c0, "rcx = the iret context's rcx");
	CHECK_EQ(ud(UD_AFTER + GPR_R11), 0xd1d1d1d1, "r11 = the iret context's r11");
	CHECK_EQ(ud(UD_AFTER + GPR_RAX), 0x1234, "rax = the iret context's rax");

	test_section("entry rflags and the event mask");
	entry = entry_for(u_probe);
	entry.rflags = X86_RFLAGS_FIXED | X86_RFLAGS_IOPL | X86_RFLAGS_DF; /* no IF */
	CHECK_EQ(run_probe(&entry, VGCF_in_syscall), 1, "the program ran and came back");
	user_rflags = ud(UD_RFLAGS);
	printf("rflags in user mode: %#lx; frame rflags %#lx, cs %#lx, callback rflags %#lx, "
	       "r11 %#lx\n",
	       user_rflags, probe_first.rflags, probe_first.cs, probe_first.callback_rflags,
	       probe_first.regs.r11);
	CHECK_EQ(user_rflags & (X86_RFLAGS_IF | X86_RFLAGS_IOPL | X86_RFLAGS_DF),
		 X86_RFLAGS_IF | X86_RFLAGS_DF, "IF is set anyway, IOPL is cleared, DF is kept");
	CHECK_EQ((probe_first.cs >> 32) & 0xff, 1,
		 "a context without IF ran the program with events masked (saved mask 1)");
	CHECK_EQ(probe_first.rflags & X86_RFLAGS_IF, 0, "frame rflags.IF = !mask = 0");
	CHECK_EQ(probe_first.rflags & X86_RFLAGS_DF, X86_RFLAGS_DF, "frame rflags keeps DF");
	CHECK_EQ(probe_first.callback_rflags & X86_RFLAGS_DF, X86_RFLAGS_DF,
		 "the callback itself runs with the program's DF (Xen 4.17 does not clear it)");
	CHECK_EQ(probe_first.regs.r11, X86_RFLAGS_IF | X86_RFLAGS_DF,
		 "r11 in the callback is the rflags it was entered with, SYSRET-style: DF, IF");
	CHECK_EQ(probe_first_mask, 1, "events are still masked in the callback");

	struct callback_register reg = {.type = CALLBACKTYPE_syscall,
					.flags = CALLBACKF_mask_events,
					.address = (unsigned long)user_syscall_entry};
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), 0,
		 "register the syscall callback with CALLBACKF_mask_events");
	entry = entry_for(u_probe);
	CHECK_EQ(run_probe(&entry, VGCF_in_syscall), 1, "the program ran and came back");
	CHECK_EQ(probe_first_mask, 1, "the callback runs with events masked");
	CHECK_EQ((probe_first.cs >> 32) & 0xff, 0, "the frame saved the mask as it was: 0");
	CHECK_EQ(probe_first.rflags & X86_RFLAGS_IF, X86_RFLAGS_IF, "frame rflags.IF is 1");
	CHECK_EQ(ud(UD_AFTER + GPR_RCX), user_va(u_probe_after),
		 "the program resumed after the SYSCALL");
	reg.flags = 0;
	CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &reg), 0,
		 "register it again without the flag");
	entry = entry_for(u_probe);
	CHECK_EQ(run_probe(&entry, VGCF_in_syscall), 1, "the program ran and came back");
	CHECK_EQ(probe_first_mask, 0, "the callback runs with events unmasked again");

	/* A new kernel stack: the next frame goes there. */
	test_section("stack_switch");
	unsigned long top = user_space.kernel_stack_top;
	CHECK_EQ(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, top - 1024 - 8), 0,
		 "stack_switch to a lower, misaligned stack top");
	entry = entry_for(u_syscall);
	clear_user_data();
	CHECK_EQ(user_call(&entry), 1, "a SYSCALL comes back");
	CHECK_EQ(user_last_syscall_at, ((top - 1024 - 8) & ~15UL) - 56,
		 "its frame is 16-byte aligned below the new stack top");
	CHECK_EQ(user_last_syscall.rip, user_va(u_syscall_after), "the frame's rip");
	CHECK_EQ(HYPERVISOR_stack_switch(FLAT_KERNEL_SS, top), 0, "stack_switch back");
}

/* The std program: the frame keeps DF, the callback runs without it. */
static void check_direction_flag(void)
{
	struct user_entry entry = entry_for(u_std_syscall);

	test_section("SYSCALL with DF set");
	CHECK_EQ(user_call(&entry), 1, "the program came back");
	CHECK_EQ(user_last_syscall.rip, user_va(u_std_syscall_insn) + 2, "the frame's rip");
	CHECK_EQ(user_last_syscall.rflags & X86_RFLAGS_DF, X86_RFLAGS_DF,
		 "the frame's rflags has DF as the program had it");
	CHECK_EQ(user_last_syscall.frame_r11 & X86_RFLAGS_DF, X86_RFLAGS_DF,
		 "so has the frame's r11");
	CHECK_EQ(user_last_syscall.callback_rflags & X86_RFLAGS_DF, X86_RFLAGS_DF,
		 "the callback runs with DF still set: Xen 4.17 does not clear it");
}

/* Run u_read on address; returns what the program read (0xbad if it faulted). */
static uint64_t user_read(unsigned long address)
{
	struct user_entry entry = entry_for(u_read);

	entry.regs.rdi = address;
	clear_user_data();
	user_trap_count = 0;
	if (user_call(&entry) != 1)
		guest_crash("u_read did not come back by SYSCALL");
	return ud(UD_VALUE);
}

static bool user_write(unsigned long address, uint64_t value)
{
	struct user_entry entry = entry_for(u_write);

	entry.regs.rdi = address;
	entry.regs.rsi = value;
	clear_user_data();
	user_trap_count = 0;
	if (user_call(&entry) != 1)
		guest_crash("u_write did not come back by SYSCALL");
	return ud(UD_VALUE) == 1;
}

static void check_page_fault(const char *what, unsigned long rip, unsigned long cr2,
			     uint64_t error_code)
{
	CHECK_EQ(user_trap_count, 1, what);
	CHECK_EQ(user_last_trap.vector, TRAP_page_fault, "a #PF");
	CHECK_EQ(user_last_trap.error_code, error_code, "its error code");
	CHECK_EQ(user_last_trap_cr2, cr2, "cr2 is the address");
	CHECK_EQ(user_last_trap.rip, rip, "rip is the faulting instruction");
	CHECK_EQ(user_last_trap.cs & 0xffff, FLAT_USER_CS, "cs has RPL 3: from user mode");
}

static void check_memory_access(void)
{
	test_section("user mode: what it can and cannot reach");
	CHECK_EQ(trap_set_handler(TRAP_page_fault, 0, false, resume_user_trap), 0, "#PF handler");

	user_space.data[200] = 0x1111;
	CHECK_EQ(user_read(USER_DATA_VA + 200 * 8), 0x1111, "the user data page is readable");
	CHECK_EQ(user_trap_count, 0, "without a fault");
	CHECK(user_write(USER_DATA_VA + 201 * 8, 0x2222), "and writable");
	CHECK_EQ(user_space.data[201], 0x2222, "the kernel sees the write");

	user_space.ro[0] = 0x3333;
	CHECK_EQ(user_read(USER_RO_VA), 0x3333, "the read-only user page is readable");
	CHECK(!user_write(USER_RO_VA + 8, 0x4444), "but not writable");
	check_page_fault("writing it faults", user_va(u_write_insn), USER_RO_VA + 8,
			 PF_PRESENT | PF_WRITE | PF_USER);
	CHECK_EQ(user_space.ro[1], 0, "and the write did not happen");

	CHECK_EQ(user_read(USER_UNMAPPED_VA), 0xbad, "an unmapped user address faults");
	check_page_fault("once", user_va(u_read_insn), USER_UNMAPPED_VA, PF_USER);
	CHECK_EQ(cr3_in_trap, kernel_l4_mfn << PAGE_SHIFT,
		 "the trap handler runs with the kernel's L4 in CR3");
	CHECK_EQ(user_last_trap_at, kernel_stack_base() - 40 - 8 - 8 - 15 * 8,
		 "on the stack_switch stack (16-byte aligned, error code below rip)");
	CHECK_EQ(user_last_trap.rsp, USER_STACK_TOP, "the frame's rsp is the user's");
	CHECK_EQ(user_last_trap.ss, FLAT_USER_SS, "the frame's ss is 0xe02b");
	CHECK_EQ(user_last_trap.rflags & X86_RFLAGS_IF, X86_RFLAGS_IF,
		 "the frame's rflags.IF: events were unmasked");
	CHECK_EQ((user_last_trap.cs >> 32) & 0xff, 0, "the saved mask is 0");

	unsigned long kernel_va = (unsigned long)&kernel_marker;
	CHECK_EQ(user_read(kernel_va), 0xbad, "a kernel variable is out of reach");
	check_page_fault("reading it faults", user_va(u_read_insn), kernel_va, PF_USER);
	CHECK_EQ(user_read((unsigned long)guest_image_start), 0xbad,
		 "so is the kernel image's first page");
	CHECK_EQ(user_last_trap.error_code, PF_USER, "not present in the user tables");
	CHECK_EQ(kernel_marker, 0x6b65726e656c, "the kernel reads its variable fine");

	unsigned long hypervisor = 0xffff830000000000UL;
	CHECK_EQ(user_read(hypervisor), 0xbad, "the hypervisor's direct map is out of reach");
	printf("user read of %#lx: error code %#lx\n", hypervisor, user_last_trap.error_code);
	CHECK_EQ(user_last_trap.error_code & (PF_USER | PF_WRITE | PF_FETCH), PF_USER,
		 "a user-mode read fault");
	CHECK_EQ(user_last_trap_cr2, hypervisor, "at that address");

	/*
	 * A newly validated L4 gets the hypervisor's slots but not the read-only M2P (slot
	 * 256); Xen puts that in when the L4 becomes a kernel base pointer, so a user L4
	 * never has it.
	 */
	CHECK_EQ(mfn_to_virt_l4_slot(user_space.l4_mfn, 256), 0,
		 "the user L4 has no M2P slot (256)");
	CHECK_EQ(user_read(HYPERVISOR_VIRT_START), 0xbad,
		 "so the M2P is out of reach in user mode");
	check_page_fault("reading it faults", user_va(u_read_insn), HYPERVISOR_VIRT_START, PF_USER);
	CHECK(machine_to_phys_mapping[virt_to_mfn(user_space.data)] == virt_to_pfn(user_space.data),
	      "while the kernel reads it");

	user_space.konly[0] = 0x5555;
	uint64_t konly = user_read(USER_KONLY_VA);
	printf("user read of a page mapped without _PAGE_USER: %#lx (faults %u)\n", konly,
	       user_trap_count);
	CHECK_EQ(konly, 0x5555,
		 "a page mapped without _PAGE_USER in the user tables is readable from user mode "
		 "(the hypervisor adds _PAGE_USER)");

	/* Executing kernel code from user mode. */
	struct user_entry entry = entry_for(u_jump);
	entry.regs.rdi = (unsigned long)user_read;
	user_trap_count = 0;
	clear_user_data();
	CHECK_EQ(user_call(&entry), 1, "u_jump came back");
	check_page_fault("calling into the kernel faults", (unsigned long)user_read,
			 (unsigned long)user_read, PF_USER | PF_FETCH);
	CHECK_EQ(user_last_trap.rsp, USER_STACK_TOP - 8, "with the return address pushed");

	/* The kernel changes a user mapping while the user tables are in use. */
	struct mmu_update req = {.ptr = user_l1_entry_address(USER_RO_VA),
				 .val = (virt_to_mfn(user_space.data) << PAGE_SHIFT) |
					_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED};
	CHECK_EQ(HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF), 0,
		 "mmu_update remaps a page in the user L1");
	user_space.data[200] = 0x6666;
	CHECK_EQ(user_read(USER_RO_VA + 200 * 8), 0x6666, "the program sees the new page");
	req.val = (virt_to_mfn(user_space.ro) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_USER |
		  _PAGE_ACCESSED;
	CHECK_EQ(HYPERVISOR_mmu_update(&req, 1, NULL, DOMID_SELF), 0, "and maps the old one back");
	CHECK_EQ(user_read(USER_RO_VA), 0x3333, "which the program sees again");
}

/* u_trap with selector n: the trap's frame, then the program resumed at r12. */
static long run_trap(unsigned int n)
{
	struct user_entry entry = entry_for(u_trap);

	entry.regs.rdi = n;
	entry.regs.rbx = 0xb1b1;
	entry.regs.r15 = 0xf1f1;
	user_trap_count = 0;
	memset(&user_last_trap, 0, sizeof(user_last_trap));
	clear_user_data();
	return user_call(&entry);
}

static void check_trap(const char *what, unsigned int n, unsigned int vector, unsigned long rip,
		       uint64_t error_code)
{
	test_section(what);
	CHECK_EQ(run_trap(n), 1, "the program came back by SYSCALL after the trap");
	CHECK_EQ(user_trap_count, 1, "one trap");
	CHECK_EQ(user_last_trap.vector, vector, "the vector");
	CHECK_EQ(user_last_trap.error_code, error_code, "the error code");
	CHECK_EQ(user_last_trap.rip, rip, "the frame's rip");
	CHECK_EQ(user_last_trap.cs & 0xffff, FLAT_USER_CS, "cs RPL 3");
	CHECK_EQ(user_last_trap.rsp, USER_STACK_TOP, "the user's rsp");
	CHECK_EQ(user_last_trap.rdi, 0x10 + n, "the registers at the trap are the program's");
	CHECK_EQ(user_last_trap_at, kernel_stack_base() - 40 - 8 - 8 - 15 * 8,
		 "the frame is on the stack_switch stack");
	CHECK_EQ(ud(UD_AFTER + GPR_RBX), 0xb1b1, "after iret the program has its rbx");
	CHECK_EQ(ud(UD_AFTER + GPR_R15), 0xf1f1, "and its r15");
	CHECK_EQ(ud(UD_AFTER + GPR_RDI), 0x10 + n, "and its rdi");
	CHECK_EQ(ud(UD_AFTER + UD_RSP), USER_STACK_TOP, "and its stack");
}

static void check_traps(void)
{
	CHECK_EQ(trap_set_handler(TRAP_invalid_op, 0, false, resume_user_trap), 0, "#UD handler");
	CHECK_EQ(trap_set_handler(TRAP_gp_fault, 0, false, resume_user_trap), 0, "#GP handler");
	CHECK_EQ(trap_set_handler(TRAP_int3, 3, false, resume_user_trap), 0, "#BP handler");
	CHECK_EQ(trap_set_handler(0x80, 3, false, resume_user_trap), 0, "int $0x80 handler");
	check_trap("#UD in user mode", 0, TRAP_invalid_op, user_va(u_trap_ud2), 0);
	check_trap("int3 in user mode", 1, TRAP_int3, user_va(u_trap_int3_after), 0);
	check_trap("int $0x80 in user mode (DPL 3)", 2, 0x80, user_va(u_trap_int80_after), 0);
	check_trap("cli in user mode", 3, TRAP_gp_fault, user_va(u_trap_cli), 0);
	check_trap("hlt in user mode", 4, TRAP_gp_fault, user_va(u_trap_hlt), 0);
	check_trap("in in user mode", 5, TRAP_gp_fault, user_va(u_trap_in), 0);

	/*
	 * Xen 4.17 delivers int $0x80 on its direct path whenever a handler is registered,
	 * whatever the trap_info's DPL says; only a missing handler becomes a #GP.
	 */
	test_section("int $0x80 in user mode with a DPL 0 entry");
	CHECK_EQ(trap_set_handler(0x80, 0, false, resume_user_trap), 0, "int $0x80 with DPL 0");
	CHECK_EQ(run_trap(2), 1, "the program came back");
	CHECK_EQ(user_last_trap.vector, 0x80, "delivered as vector 0x80 all the same");
	CHECK_EQ(user_last_trap.rip, user_va(u_trap_int80_after), "after the int instruction");

	test_section("int $0x80 in user mode with no entry");
	/* An entry with address 0 ends a table: the way to clear one is a NULL table. */
	CHECK_EQ(HYPERVISOR_set_trap_table(NULL), 0, "clear the whole table");
	traps_init();
	trap_set_handler(0xf0, 0, true, event_callback);
	CHECK_EQ(trap_set_handler(TRAP_gp_fault, 0, false, resume_user_trap), 0, "#GP handler");
	CHECK_EQ(run_trap(2), 1, "the program came back");
	CHECK_EQ(user_last_trap.vector, TRAP_gp_fault, "a #GP");
	CHECK_EQ(user_last_trap.error_code, 0x80 << 3 | 2, "naming IDT entry 0x80");
	CHECK_EQ(user_last_trap.rip, user_va(u_trap_int80), "at the int instruction");
}

/* Events: the upcall arrives on the kernel stack too when the program runs unmasked. */
static void check_no_syscall_callback(void)
{
	struct user_entry entry = entry_for(u_syscall);

	test_section("SYSCALL with no syscall callback");
	CHECK_EQ(HYPERVISOR_set_callbacks(trap_entry_address(0xf0), trap_entry_address(0xf1), 0), 0,
		 "set_callbacks with a syscall address of 0");
	CHECK_EQ(trap_set_handler(TRAP_invalid_op, 0, false, user_trap_record_and_return), 0,
		 "#UD handler");
	user_trap_count = 0;
	CHECK_EQ(user_call(&entry), 100 + TRAP_invalid_op, "the SYSCALL becomes a #UD");
	CHECK_EQ(user_last_trap.rip, user_va(u_syscall), "at the SYSCALL instruction");
	CHECK_EQ(user_last_trap.cs & 0xffff, FLAT_USER_CS, "from user mode");
	CHECK_EQ(user_last_trap.error_code, 0, "with no error code");
	CHECK_EQ(user_last_trap_at, kernel_stack_base() - 40 - 8 - 8 - 15 * 8,
		 "on the stack_switch stack");
}

void guest_main(const struct start_info *si)
{
	kernel_l4_mfn = ((const xen_pfn_t *)si->mfn_list)[virt_to_pfn((void *)si->pt_base)];
	max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	trap_set_handler(0xf0, 0, true, event_callback);
	trap_set_handler(TRAP_gp_fault, 0, false, resume_user_trap);
	check_user_tables();
	check_callback_op();
	check_entry_and_syscall();
	check_direction_flag();
	check_memory_access();
	check_traps();
	check_no_syscall_callback();
	printf("event callbacks during the test: %u\n", events_seen);
	test_finish("user_mode");
}
