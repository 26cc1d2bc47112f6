/*
 * Interrupt and exception entry. Each of the 256 vectors has a small stub that makes the stack
 * look the same for all of them (an error code, real or zero, and the vector number), then
 * common code saves every general register into a struct cpu_regs (include/arch/regs.h) and
 * calls do_interrupt(regs).
 *
 * Guests run in ring 3. While the hypervisor runs, the GS base is its per-CPU area and
 * MSR_KERNEL_GS_BASE holds the guest's; while a guest runs it is the other way round. So every
 * entry from ring 3 (an interrupt whose saved CS has RPL 3, or SYSCALL) starts with swapgs and
 * every return to ring 3 ends with one. Entries from a guest land on the CPU's entry stack
 * (TSS rsp0 for interrupts; SYSCALL switches by hand), never on the stack the hypervisor's own
 * code was using when it entered the guest (guest_run).
 *
 * NMI, #DF and #MC cannot be held off, so they may arrive in ring 0 while the GS base is still
 * the guest's: they take ist_entry, which asks the GS base itself.
 */
#include "arch/cpu_tables.h"

#define CPU_REGS_WORDS 22 /* struct cpu_regs */
#define VECTOR_SYSCALL 0x100

/* The general registers of a struct cpu_regs: pushed rax first, so r15 ends lowest. */
	.macro SAVE_REGISTERS
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
	.endm

	.macro RESTORE_REGISTERS
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
	.endm

#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || \
			   (v) == 29 || (v) == 30)

	.text
	.align 16
interrupt_common:
	cld
	testb	$3, 24(%rsp)			/* saved CS: from ring 3? */
	jnz	1f
	/* From ring 0, and at guest_iretq (the iretq faulted): the GS base is already the
	 * guest's. Nothing else can interrupt a GS window: interrupts are off, and NMI and
	 * #MC take ist_entry. */
	push	%rax
	lea	guest_iretq(%rip), %rax
	cmp	%rax, 24(%rsp)			/* saved RIP */
	pop	%rax
	jne	2f
1:	swapgs
2:	SAVE_REGISTERS
	mov	%rsp, %rdi
	/* A frame record for the stack walker: the interrupted RIP above the saved RBP. */
	push	17 * 8(%rsp)
	push	%rbp
	mov	%rsp, %rbp
	call	do_interrupt
	add	$16, %rsp
	testb	$3, 18 * 8(%rsp)		/* back to ring 3? */
	jnz	guest_return
	RESTORE_REGISTERS
	add	$16, %rsp			/* vector and error code */
	/* Back to guest_iretq itself (an LDT page mapped): the guest's GS. */
	push	%rax
	lea	guest_iretq(%rip), %rax
	cmp	%rax, 8(%rsp)			/* saved RIP */
	pop	%rax
	jne	3f
	swapgs
3:	iretq

/*
 * NMI, #DF and #MC: the vectors with an IST stack (cpu_tables.c). They arrive even between a
 * guest's SYSCALL and syscall_entry's swapgs, between guest_return's swapgs and its iretq, or
 * before interrupt_common's swapgs for an exception from ring 3: the saved CS says ring 0 but
 * the GS base is still the guest's, and a handler trusting it would take a guest's memory for
 * its per-CPU area. So from ring 0 we ask the GS base itself. percpu.c put this CPU's struct
 * cpu pointer at the top of each of its IST stacks, just above the frame: a GS base equal to
 * it is ours; any other is the guest's (ours then waits in MSR_KERNEL_GS_BASE), and we swapgs,
 * and again on the way out, so the interrupted code finds the GS base as it left it. A guest
 * may choose any canonical GS base, even one in the hypervisor's half (another CPU's struct
 * cpu, say), so only this exact comparison will do. From ring 3 it is any guest entry.
 *
 * Each entry uses its IST stack from the top: a second NMI while the first's frame is on the
 * stack would overwrite it. The CPU holds further NMIs until the next iretq, and the NMI
 * handler neither faults nor runs anything that returns with iretq (traps.c, handle_nmi), so
 * a second NMI waits for the first one's own iretq below. An NMI from ring 3 goes back to the
 * guest without scheduling or event delivery, for the same reason. #MC and #DF do not return
 * (a #MC within a #MC shuts the CPU down).
 */
ist_entry:
	testb	$3, 24(%rsp)			/* saved CS: from ring 3? */
	jnz	interrupt_common
	cld
	SAVE_REGISTERS
	mov	$0xc0000101, %ecx		/* MSR_GS_BASE */
	rdmsr
	shl	$32, %rdx
	or	%rax, %rdx
	xor	%ebx, %ebx			/* rbx, kept by the C code: did we swapgs? */
	cmp	CPU_REGS_WORDS * 8(%rsp), %rdx	/* this CPU's struct cpu, above the frame */
	je	1f
	swapgs
	inc	%ebx
1:	mov	%rsp, %rdi
	push	17 * 8(%rsp)
	push	%rbp
	mov	%rsp, %rbp
	call	do_interrupt
	add	$16, %rsp
	test	%ebx, %ebx
	jz	2f
	swapgs					/* the guest's GS base again */
2:	RESTORE_REGISTERS
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
	.if VECTOR_USES_IST(\vector)
	jmp	ist_entry
	.else
	jmp	interrupt_common
	.endif
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
 * SYSCALL from a guest (hypercalls from its kernel, system calls from its user programs).
 * The CPU saved RIP in rcx and RFLAGS in r11 and switched to ring 0 with interrupts off
 * (MSR_SYSCALL_MASK), but left the guest's stack: we switch to the entry stack, lay out the
 * same struct cpu_regs an interrupt would, and call do_guest_syscall(regs).
 */
	.text
	.globl syscall_entry
syscall_entry:
	swapgs
	mov	%rsp, %gs:16			/* guest_rsp_scratch */
	mov	%gs:8, %rsp			/* entry_stack_top */
	push	$GUEST_RING3_DS			/* ss */
	push	%gs:16				/* rsp */
	push	%r11				/* rflags */
	push	$GUEST_RING3_CS64		/* cs */
	push	%rcx				/* rip */
	push	$0				/* error code */
	push	$VECTOR_SYSCALL
	SAVE_REGISTERS
	mov	%rsp, %rdi
	push	17 * 8(%rsp)
	push	%rbp
	mov	%rsp, %rbp
	call	do_guest_syscall
	add	$16, %rsp
	jmp	guest_return

/*
 * Return to a guest: rsp points at a struct cpu_regs on the entry stack. The one iretq into a
 * guest is guest_iretq. It runs with the guest's GS base and may fault on selectors the guest
 * chose: interrupt_common knows it by its address, and traps.c gives the fault to the guest.
 */
guest_return:
	RESTORE_REGISTERS
	add	$16, %rsp
	swapgs
	.globl guest_iretq
guest_iretq:
	iretq

/*
 * uint64_t guest_run(const struct cpu_regs *frame): enter a guest with these registers (CR3
 * and MSR_KERNEL_GS_BASE already set by the caller). It returns only when something running
 * on the entry stack calls guest_exit(value): the hypervisor context saved here resumes and
 * guest_run returns that value.
 */
	.globl guest_run, guest_exit
guest_run:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %gs:24			/* host_context_rsp */
	/* void guest_resume(const struct cpu_regs *frame): the frame to the entry stack's top */
	.globl guest_resume
guest_resume:
	mov	%gs:8, %rsp
	sub	$(CPU_REGS_WORDS * 8), %rsp
	mov	%rdi, %rsi
	mov	%rsp, %rdi
	mov	$CPU_REGS_WORDS, %ecx
	rep movsq
	jmp	guest_return

/*
 * abandon_to_scheduler: the current vCPU's domain is gone (it crashed). Its frame at the top
 * of the entry stack is left as it is; everything the hypervisor had on the stack below it is
 * dropped, and the scheduler fills the frame with the next vCPU's registers, through which we
 * return as from any entry.
 */
	.globl abandon_to_scheduler
abandon_to_scheduler:
	mov	%gs:8, %rsp
	sub	$(CPU_REGS_WORDS * 8), %rsp
	mov	%rsp, %rdi
	call	scheduler_after_abandon
	jmp	guest_return

guest_exit:
	mov	%gs:24, %rsp
	mov	%rdi, %rax
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
