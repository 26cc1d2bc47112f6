/*
 * Interrupt and exception entry. Each of the 256 vectors has a small stub that makes the stack
 * look the same for all of them (an error code, real or zero, and the vector number), then
 * common code saves every general register into a struct cpu_regs (include/arch/regs.h) and
 * calls do_interrupt(regs). Only the hypervisor runs on these CPUs so far, so no segment or
 * GS swapping is needed yet; guest entry will add it.
 */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
			   (v) == 29 || (v) == 30)

	.text
	.align 16
interrupt_common:
	cld
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	/* A frame record for the stack walker: the interrupted RIP above the saved RBP. */
	push	17 * 8(%rsp)
	push	%rbp
	mov	%rsp, %rbp
	call	do_interrupt
	add	$16, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp			/* vector and error code */
	iretq

	.altmacro
	.macro stub vector
	.align 16
interrupt_stub_\vector:
	.if (HAS_ERROR_CODE(\vector)) == 0
	push	$0
	.endif
	push	$\vector
	jmp	interrupt_common
	.endm

	.set vector, 0
	.rept 256
	stub %vector
	.set vector, vector + 1
	.endr

	.macro stub_address vector
	.quad interrupt_stub_\vector
	.endm

	.section .rodata
	.align 8
	.globl interrupt_stubs
interrupt_stubs:
	.set vector, 0
	.rept 256
	stub_address %vector
	.set vector, vector + 1
	.endr
	.noaltmacro

/*
 * SYSCALL lands here (MSR_LSTAR). Hypercalls from PV guests will enter this way (issue 4);
 * until guests exist nothing may execute SYSCALL, so arriving here is a bug: fault, and the
 * fault report names this address.
 */
	.text
	.globl syscall_entry
syscall_entry:
	ud2
