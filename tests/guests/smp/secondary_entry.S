/*
 * secondary_entry: where vCPU 1 starts, the rip of the vcpu_guest_context that bringup.c
 * gives VCPUOP_initialise. Before anything can change them, record the registers the
 * hypervisor loaded from that context (struct entry_record in smp.h), the words at %fs:0
 * and %gs:0 (so the fs_base and gs_base_kernel it loaded show) and the FPU state (FXSAVE),
 * then continue in C on the stack the context gave, aligned for a call.
 */
	.text
	.globl secondary_entry
secondary_entry:
	movq	%rsp, secondary_entry_record + 0(%rip)
	movq	%rdi, secondary_entry_record + 8(%rip)
	movq	%rsi, secondary_entry_record + 16(%rip)
	movq	%rbx, secondary_entry_record + 24(%rip)
	movq	%r15, secondary_entry_record + 32(%rip)
	pushfq
	popq	secondary_entry_record + 40(%rip)
	xorl	%eax, %eax
	movw	%cs, %ax
	movq	%rax, secondary_entry_record + 48(%rip)
	movw	%ss, %ax
	movq	%rax, secondary_entry_record + 56(%rip)
	movw	%ds, %ax
	movq	%rax, secondary_entry_record + 64(%rip)
	movw	%es, %ax
	movq	%rax, secondary_entry_record + 72(%rip)
	movw	%fs, %ax
	movq	%rax, secondary_entry_record + 80(%rip)
	movw	%gs, %ax
	movq	%rax, secondary_entry_record + 88(%rip)
	movq	%fs:0, %rax
	movq	%rax, secondary_entry_record + 96(%rip)
	movq	%gs:0, %rax
	movq	%rax, secondary_entry_record + 104(%rip)
	fxsave	secondary_entry_fpu(%rip)

	andq	$-16, %rsp
	xorl	%ebp, %ebp		/* the end of every stack trace */
	call	secondary_main
	ud2				/* secondary_main does not return */

	.bss
	.balign 16
	.globl secondary_entry_record, secondary_entry_fpu
secondary_entry_record:
	.fill	14, 8, 0
	.balign 16
secondary_entry_fpu:
	.fill	512, 1, 0
