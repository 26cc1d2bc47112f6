/*
 * Guest user mode for the test kernels; see user_mode.h.
 *
 * The way in is HYPERVISOR_iret with cs RPL 3: the hypervisor switches the vCPU to its user
 * L4 and user GS base. The ways back are the syscall callback (user_syscall_entry below) and
 * the trap handlers, both entered in kernel mode on the stack given to stack_switch. From
 * there the kernel either goes back to user mode (iret again) or, like longjmp, to the
 * kernel code that called user_call (user_return), abandoning the kernel stack of the entry.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include "guest_lib.h"
#include "user_mode.h"

#define PTE_TABLE (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_USER_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_USER_RO (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define PTE_KERNEL_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_READ_ONLY (_PAGE_PRESENT | _PAGE_ACCESSED)

/* Page tables: L4, L3, L2, L1; then the data, read-only, kernel-only and stack pages. */
static uint64_t user_tables[4][512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t user_pages[4][512] __attribute__((aligned(PAGE_SIZE)));
/* The kernel stack for entries from user mode. */
static char user_kernel_stack[8192] __attribute__((aligned(PAGE_SIZE)));

struct user_space user_space;
user_syscall_handler_t user_syscall_handler;
struct user_syscall_frame user_last_syscall;
uint8_t user_last_syscall_mask;
unsigned long user_last_syscall_at;
uint8_t user_mask_at_return;
unsigned int user_mode_vcpu;
struct trap_frame user_last_trap;
unsigned long user_last_trap_at;
uint64_t user_last_trap_cr2;
unsigned int user_trap_count;

/* user_call's stack pointer, for user_return (the asm below). */
unsigned long user_kernel_rsp;

static unsigned int l1_index(unsigned long va)
{
	return (va >> PAGE_SHIFT) & 511;
}

long user_space_build(void)
{
	uint64_t *l4 = user_tables[0], *l3 = user_tables[1], *l2 = user_tables[2];
	uint64_t *l1 = user_tables[3];
	long rc;

	memset(user_tables, 0, sizeof(user_tables));
	memset(user_pages, 0, sizeof(user_pages));
	user_space.l4_mfn = virt_to_mfn(l4);
	user_space.l3_mfn = virt_to_mfn(l3);
	user_space.l2_mfn = virt_to_mfn(l2);
	user_space.l1_mfn = virt_to_mfn(l1);
	user_space.l1 = l1;
	user_space.data = user_pages[0];
	user_space.ro = user_pages[1];
	user_space.konly = user_pages[2];
	user_space.kernel_stack_top = (unsigned long)user_kernel_stack + sizeof(user_kernel_stack);

	/* USER_CODE_VA is L4 slot 0, L3 slot 0, L2 slot 2. */
	l4[(USER_CODE_VA >> 39) & 511] = (user_space.l3_mfn << PAGE_SHIFT) | PTE_TABLE;
	l3[(USER_CODE_VA >> 30) & 511] = (user_space.l2_mfn << PAGE_SHIFT) | PTE_TABLE;
	l2[(USER_CODE_VA >> 21) & 511] = (user_space.l1_mfn << PAGE_SHIFT) | PTE_TABLE;

	if (user_code_start && user_code_end) {
		unsigned long pages =
			((unsigned long)(user_code_end - user_code_start) + PAGE_SIZE - 1) >>
			PAGE_SHIFT;
		if (pages > USER_CODE_MAX_PAGES)
			guest_crash("user code of %lu pages, at most %d", pages,
				    USER_CODE_MAX_PAGES);
		for (unsigned long i = 0; i < pages; i++)
			l1[l1_index(USER_CODE_VA) + i] =
				(virt_to_mfn(user_code_start + i * PAGE_SIZE) << PAGE_SHIFT) |
				PTE_USER_RO;
	}
	l1[l1_index(USER_DATA_VA)] = (virt_to_mfn(user_pages[0]) << PAGE_SHIFT) | PTE_USER_RW;
	l1[l1_index(USER_RO_VA)] = (virt_to_mfn(user_pages[1]) << PAGE_SHIFT) | PTE_USER_RO;
	l1[l1_index(USER_KONLY_VA)] = (virt_to_mfn(user_pages[2]) << PAGE_SHIFT) | PTE_KERNEL_RW;
	l1[l1_index(USER_STACK_VA)] = (virt_to_mfn(user_pages[3]) << PAGE_SHIFT) | PTE_USER_RW;

	/* A page table may not be writable anywhere when the hypervisor validates it. */
	for (unsigned int i = 0; i < 4; i++) {
		rc = map_page(user_tables[i], virt_to_mfn(user_tables[i]), PTE_READ_ONLY);
		if (rc != 0)
			return rc;
	}
	return 0;
}

long user_space_activate(unsigned long event_callback, unsigned long failsafe_callback)
{
	struct mmuext_op op = {.cmd = MMUEXT_NEW_USER_BASEPTR};
	long rc;

	op.arg1.mfn = user_space.l4_mfn;
	rc = HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
	if (rc != 0)
		return rc;
	rc = HYPERVISOR_stack_switch(FLAT_KERNEL_SS, user_space.kernel_stack_top);
	if (rc != 0)
		return rc;
	return HYPERVISOR_set_callbacks(event_callback, failsafe_callback,
					(unsigned long)user_syscall_entry);
}

uint64_t user_l1_entry_address(unsigned long va)
{
	return (user_space.l1_mfn << PAGE_SHIFT) + l1_index(va) * 8;
}

struct user_entry user_entry_at(unsigned long rip)
{
	struct user_entry entry;

	memset(&entry, 0, sizeof(entry));
	entry.rip = rip;
	entry.cs = FLAT_USER_CS;
	entry.rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	entry.rsp = USER_STACK_TOP;
	entry.ss = FLAT_USER_SS;
	return entry;
}

_Static_assert(offsetof(struct user_entry, flags) == 120, "user_call reads the frame at 120");
_Static_assert(offsetof(struct user_syscall_frame, frame_r11) == 17 * 8,
	       "user_syscall_entry stores the iret flags in the frame_r11 slot");

/*
 * user_call: save the callee-saved registers and the stack pointer for user_return, push
 * the iret context's lower part (flags, rip, cs, rflags, rsp, ss) from the user_entry in
 * rdi, load every general register from it (rdi last) and jump to the iret stub, which
 * pushes rcx, r11 and rax to complete the context.
 *
 * user_syscall_entry: the hypervisor left rcx, r11, rip, cs, rflags, rsp, ss on the kernel
 * stack. Save rflags and the general registers below them (struct user_syscall_frame),
 * call the C dispatcher, and if it returns, go back to user mode: its result (the iret
 * flags) replaces the frame's r11 slot, which is where the iret context's flags word goes,
 * the registers are reloaded (rax, rcx and r11 become the context's) and the iret stub
 * completes the context below.
 */
__asm__(".pushsection .text.user_mode_lib, \"ax\"\n"
	".globl user_call\n"
	"user_call:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, user_kernel_rsp(%rip)\n"
	"	pushq 160(%rdi)\n"
	"	pushq 152(%rdi)\n"
	"	pushq 144(%rdi)\n"
	"	pushq 136(%rdi)\n"
	"	pushq 128(%rdi)\n"
	"	pushq 120(%rdi)\n"
	"	movq 0(%rdi), %r15\n"
	"	movq 8(%rdi), %r14\n"
	"	movq 16(%rdi), %r13\n"
	"	movq 24(%rdi), %r12\n"
	"	movq 32(%rdi), %r11\n"
	"	movq 40(%rdi), %r10\n"
	"	movq 48(%rdi), %r9\n"
	"	movq 56(%rdi), %r8\n"
	"	movq 64(%rdi), %rbp\n"
	"	movq 80(%rdi), %rsi\n"
	"	movq 88(%rdi), %rdx\n"
	"	movq 96(%rdi), %rcx\n"
	"	movq 104(%rdi), %rbx\n"
	"	movq 112(%rdi), %rax\n"
	"	movq 72(%rdi), %rdi\n"
	"	jmp hypercall_page + 23 * 32\n"
	"\n"
	".globl user_resume_kernel\n"
	"user_resume_kernel:\n"
	"	movq user_kernel_rsp(%rip), %rsp\n"
	"	movq %rdi, %rax\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	"\n"
	".globl user_syscall_entry\n"
	"user_syscall_entry:\n"
	"	pushfq\n"
	"	pushq %rax\n"
	"	pushq %rbx\n"
	"	pushq %rcx\n"
	"	pushq %rdx\n"
	"	pushq %rsi\n"
	"	pushq %rdi\n"
	"	pushq %rbp\n"
	"	pushq %r8\n"
	"	pushq %r9\n"
	"	pushq %r10\n"
	"	pushq %r11\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	movq %rsp, %rdi\n"
	"	cld\n"
	"	subq $8, %rsp\n"
	"	call user_syscall_dispatch\n"
	"	addq $8, %rsp\n"
	"	movq %rax, 17 * 8(%rsp)\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %r11\n"
	"	popq %r10\n"
	"	popq %r9\n"
	"	popq %r8\n"
	"	popq %rbp\n"
	"	popq %rdi\n"
	"	popq %rsi\n"
	"	popq %rdx\n"
	"	popq %rcx\n"
	"	popq %rbx\n"
	"	popq %rax\n"
	"	addq $16, %rsp\n"
	"	jmp hypercall_page + 23 * 32\n"
	".popsection\n");

__attribute__((noreturn)) void user_resume_kernel(long code);

void user_return(long code)
{
	volatile struct vcpu_info *vcpu = &HYPERVISOR_shared_info->vcpu_info[user_mode_vcpu];

	user_mask_at_return = vcpu->evtchn_upcall_mask;
	vcpu->evtchn_upcall_mask = 1;
	user_resume_kernel(code);
}

uint64_t user_syscall_record_and_return(struct user_syscall_frame *frame)
{
	user_last_syscall = *frame;
	user_last_syscall_at = (unsigned long)&frame->frame_rcx;
	user_last_syscall_mask =
		HYPERVISOR_shared_info->vcpu_info[user_mode_vcpu].evtchn_upcall_mask;
	user_return(1);
}

uint64_t user_syscall_dispatch(struct user_syscall_frame *frame);
uint64_t user_syscall_dispatch(struct user_syscall_frame *frame)
{
	if (user_syscall_handler)
		return user_syscall_handler(frame);
	return user_syscall_record_and_return(frame);
}

static void record_trap(struct trap_frame *frame)
{
	user_last_trap = *frame;
	user_last_trap_at = (unsigned long)frame;
	user_last_trap_cr2 = frame->vector == TRAP_page_fault
				     ? HYPERVISOR_shared_info->vcpu_info[user_mode_vcpu].arch.cr2
				     : 0;
	user_trap_count++;
}

void user_trap_record_and_return(struct trap_frame *frame)
{
	record_trap(frame);
	if ((frame->cs & 3) != 3)
		guest_crash("%s in kernel mode at %#lx", trap_name(frame->vector), frame->rip);
	user_return(100 + (long)frame->vector);
}

void user_trap_record_and_resume(struct trap_frame *frame)
{
	record_trap(frame);
	if ((frame->cs & 3) != 3)
		guest_crash("%s in kernel mode at %#lx", trap_name(frame->vector), frame->rip);
	frame->rip = frame->r12;
}
