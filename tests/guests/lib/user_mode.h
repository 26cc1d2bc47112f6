/*
 * Guest user mode for the test kernels (tests/guests/lib/user_mode.c).
 *
 * A 64-bit PV kernel and its programs both run in ring 3; the hypervisor keeps them apart
 * with two L4 tables per vCPU and tracks which mode the vCPU is in. This helper builds a
 * small user address space (its own L4, L3, L2 and L1 tables, all in .bss), enters user mode
 * through HYPERVISOR_iret with a frame whose cs has RPL 3, and comes back when the program
 * executes SYSCALL (bounced by the hypervisor to the kernel's syscall callback) or traps
 * (bounced to the kernel's trap handlers on the stack given to stack_switch).
 *
 * The user address space, one 2 MiB region under a single L1 table:
 *
 *     USER_CODE_VA     the test's user code (a page-aligned .text.user section), read-only
 *     USER_DATA_VA     a writable user page (the kernel sees it as user_space.data)
 *     USER_RO_VA       a read-only user page (user_space.ro)
 *     USER_KONLY_VA    a page mapped without _PAGE_USER (user_space.konly)
 *     USER_STACK_TOP   the top of a one-page user stack
 *
 * Nothing of the kernel is mapped there: kernel addresses fault in user mode.
 */
#ifndef GUEST_TESTS_USER_MODE_H
#define GUEST_TESTS_USER_MODE_H

#include <stdbool.h>
#include <stdint.h>
#include <parvus/guest_traps.h>

#define USER_CODE_VA 0x0000000000400000UL
#define USER_CODE_MAX_PAGES 4
#define USER_DATA_VA 0x0000000000408000UL
#define USER_RO_VA 0x0000000000409000UL
#define USER_KONLY_VA 0x000000000040a000UL
#define USER_STACK_VA 0x000000000040f000UL
#define USER_STACK_TOP 0x0000000000410000UL
#define USER_UNMAPPED_VA 0x0000000000411000UL

/* rflags bits */
#define X86_RFLAGS_CF 0x0001UL
#define X86_RFLAGS_FIXED 0x0002UL
#define X86_RFLAGS_TF 0x0100UL
#define X86_RFLAGS_IF 0x0200UL
#define X86_RFLAGS_DF 0x0400UL
#define X86_RFLAGS_IOPL 0x3000UL
#define X86_RFLAGS_NT 0x4000UL
#define X86_RFLAGS_AC 0x40000UL

struct user_space {
	unsigned long l4_mfn, l3_mfn, l2_mfn, l1_mfn;
	const uint64_t *l1;		/* the user L1, read-only, as the kernel sees it */
	uint64_t *data;			/* USER_DATA_VA as the kernel sees it */
	uint64_t *ro;			/* USER_RO_VA */
	uint64_t *konly;		/* USER_KONLY_VA */
	unsigned long kernel_stack_top; /* what user_space_activate gives stack_switch */
};
extern struct user_space user_space;

/*
 * The test's user code: the section .text.user, page aligned, at most 4 pages, between
 * these two symbols. Weak: kernels without user code link too (and map none).
 */
extern char user_code_start[] __attribute__((weak)), user_code_end[] __attribute__((weak));

/* Where a symbol of the user code is in the user address space. */
static inline unsigned long user_va(const void *symbol)
{
	return USER_CODE_VA + ((unsigned long)symbol - (unsigned long)user_code_start);
}

/*
 * Fill the user tables and map them read-only (they are not page tables until the
 * hypervisor validates them). Returns 0 or the first failing hypercall's error.
 */
long user_space_build(void);

/*
 * Make the built tables the vCPU's user L4 (MMUEXT_NEW_USER_BASEPTR), give the kernel stack
 * for user-mode entries (stack_switch) and the syscall callback (set_callbacks, keeping the
 * event and failsafe callbacks given). Returns 0 or the first error.
 */
long user_space_activate(unsigned long event_callback, unsigned long failsafe_callback);

/* The syscall callback user_space_activate registers. */
extern char user_syscall_entry[];

/* The machine address of the user L1 entry for va (in the user region). */
uint64_t user_l1_entry_address(unsigned long va);

/* The general registers in the order the entry stubs save them (r15 lowest). */
struct user_gprs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
};

/*
 * How to enter user mode: every general register (rax, rcx and r11 go into the iret
 * context, the others are simply left in place for the program) and the iret context's
 * flags, rip, cs, rflags, rsp, ss.
 */
struct user_entry {
	struct user_gprs regs;
	uint64_t flags, rip, cs, rflags, rsp, ss;
};

/* A user_entry for rip with FLAT_USER_CS, FLAT_USER_SS, rflags IF, rsp USER_STACK_TOP. */
struct user_entry user_entry_at(unsigned long rip);

/*
 * What the syscall callback saw, lowest address first: the general registers as the
 * callback found them, rflags in the callback itself (pushfq first thing), then the frame
 * the hypervisor built: rcx, r11, rip, cs (saved event mask in bits 32-39), rflags, rsp, ss.
 */
struct user_syscall_frame {
	struct user_gprs regs;
	uint64_t callback_rflags;
	uint64_t frame_rcx, frame_r11, rip, cs, rflags, rsp, ss;
};

/*
 * Called for each SYSCALL from user mode, on the kernel stack given to stack_switch. It
 * either calls user_return (back to the kernel code that called user_call) or returns the
 * iret flags (0 or VGCF_in_syscall) to go back to user mode with the frame, as changed, and
 * the general registers of frame->regs (rax, rcx, r11 into the iret context).
 */
typedef uint64_t (*user_syscall_handler_t)(struct user_syscall_frame *frame);
extern user_syscall_handler_t user_syscall_handler;

/* The default handler: records the frame in user_last_syscall, then user_return(1). */
uint64_t user_syscall_record_and_return(struct user_syscall_frame *frame);
extern struct user_syscall_frame user_last_syscall;
extern uint8_t user_last_syscall_mask;	   /* evtchn_upcall_mask in the callback */
extern unsigned long user_last_syscall_at; /* the frame's address (of frame_rcx) */

/*
 * Enter user mode as entry says and run until something calls user_return(code); returns
 * code. The event mask is set again (the runtime's state) before returning; the mask found
 * at user_return is in user_mask_at_return.
 */
long user_call(const struct user_entry *entry);
__attribute__((noreturn)) void user_return(long code);
extern uint8_t user_mask_at_return;

/*
 * The vCPU whose event mask and cr2 user_return and the record_* handlers use: the one that
 * runs user_call (0 unless a kernel with several vCPUs says otherwise).
 */
extern unsigned int user_mode_vcpu;

/*
 * A trap handler for faults in user mode: records the frame in user_last_trap (and cr2 for
 * #PF) and calls user_return(100 + vector). For a fault in kernel mode it crashes.
 */
void user_trap_record_and_return(struct trap_frame *frame);
/*
 * A trap handler that records the frame, then resumes the user program at frame->r12 (the
 * user code's convention: r12 holds where to continue after an expected fault).
 */
void user_trap_record_and_resume(struct trap_frame *frame);
extern struct trap_frame user_last_trap;
extern unsigned long user_last_trap_at; /* the trap_frame's address */
extern uint64_t user_last_trap_cr2;
extern unsigned int user_trap_count;

#endif /* GUEST_TESTS_USER_MODE_H */
