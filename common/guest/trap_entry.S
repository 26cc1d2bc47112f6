/*
 * Exception entry and exit for a 64-bit PV kernel.
 *
 * The hypervisor delivers vector v by writing a bounce frame on the kernel stack (16-byte
 * aligned) and jumping to the address registered for v:
 *
 *     rsp ->  rcx, r11, [error code,] rip, cs, rflags, rsp, ss
 *
 * rcx and r11 are saved because the hypervisor's own return path (SYSRET) destroys them. The
 * error code is there only for the vectors that have one. Each stub below restores rcx and
 * r11, pushes a zero error code where there is none, and the vector, so that every vector
 * reaches trap_common with the same struct trap_frame (<parvus/guest_traps.h>).
 *
 * The way back is not IRET, which in ring 3 cannot restore a kernel's state: we jump to the
 * iret stub of the hypercall page with the frame rip..ss on the stack and a flags word below
 * it; the stub pushes rcx, r11 and rax to complete struct iret_context and enters the
 * hypervisor, which restores all of it (and the event mask from rflags.IF).
 */
#define TRAP_STUB_SIZE 16
#define HYPERCALL_IRET 23 /* __HYPERVISOR_iret; traps.c checks the two agree */
/* The vectors for which the CPU, and so the hypervisor, pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
			   (v) == 29 || (v) == 30)

	.section .text.traps, "ax"

/* One 16-byte stub per vector; trap_entry_address(v) = trap_stubs + 16 * v. */
	.balign TRAP_STUB_SIZE
	.globl trap_stubs
trap_stubs:
	.set vector, 0
	.rept 256
1:	popq	%rcx
	popq	%r11
	.if HAS_ERROR_CODE(vector) == 0
	pushq	$0
	.endif
	pushq	$vector
	jmp	trap_common
	.org	1b + TRAP_STUB_SIZE	/* fails to assemble if a stub is longer */
	.set vector, vector + 1
	.endr

/*
 * Save the general registers below the vector (struct trap_frame order: r15 lowest), call
 * trap_dispatch(frame) and put back whatever it left there. The stack is 16-byte aligned at
 * the call: the hypervisor aligned the frame and we pushed an even number of words.
 */
trap_common:
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, %rdi
	cld
	call	trap_dispatch
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
	addq	$16, %rsp		/* vector and error code */
	pushq	$0			/* iret_context.flags: not returning from a syscall */
	jmp	hypercall_page + HYPERCALL_IRET * 32
