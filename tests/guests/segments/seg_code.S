/*
 * Code for the segments test: a user program (mapped at USER_CODE_VA by the user_mode
 * helper) that reads through %fs and %gs, a kernel-mode landing place for iret tests and
 * an entry for the failsafe callback.
 */
#define UD_BASE 0x408000 /* USER_DATA_VA; segments.c checks the two agree */
#define UD(word) (UD_BASE + 8 * (word))

	.section .text.user, "ax"
	.balign 4096
	.globl user_code_start
user_code_start:

/*
 * s_read_segs: word 0 = %fs:0, word 1 = %gs:0 (0xbad where the read faulted), words 2 and 3
 * the %fs and %gs selectors; then SYSCALL.
 */
	.globl s_read_segs
s_read_segs:
	leaq 1f(%rip), %r12
	movq $0xbad, %rax
	.globl s_read_fs_insn
s_read_fs_insn:
	movq %fs:0, %rax
1:	movq %rax, UD(0)
	leaq 2f(%rip), %r12
	movq $0xbad, %rax
	.globl s_read_gs_insn
s_read_gs_insn:
	movq %gs:0, %rax
2:	movq %rax, UD(1)
	xorl %eax, %eax
	movw %fs, %ax
	movq %rax, UD(2)
	movw %gs, %ax
	movq %rax, UD(3)
	syscall
	ud2

	.balign 4096
	.globl user_code_end
user_code_end:

	.text
/*
 * kernel_landing: where a kernel-mode HYPERVISOR_iret test lands. Records rsp, cs, ss and
 * rflags, then user_return(7) back to the test (the stack it was given is 16-byte aligned).
 */
	.globl kernel_landing
kernel_landing:
	movq %rsp, landing_rsp(%rip)
	pushfq
	popq landing_rflags(%rip)
	xorl %eax, %eax
	movw %cs, %ax
	movq %rax, landing_cs(%rip)
	movw %ss, %ax
	movq %rax, landing_ss(%rip)
	movq $7, %rdi
	call user_return
	ud2

/*
 * failsafe_entry: the failsafe callback. The hypervisor left rcx, r11, ds, es, fs, gs, rip,
 * cs, rflags, rsp, ss on the stack; copy the 11 words and user_return(200).
 */
	.globl failsafe_entry
failsafe_entry:
	movq %rsp, failsafe_at(%rip)
	leaq failsafe_frame(%rip), %rdi
	movq %rsp, %rsi
	movl $11, %ecx
	cld
	rep movsq
	andq $-16, %rsp
	movq $200, %rdi
	call user_return
	ud2

	.bss
	.balign 8
	.globl landing_rsp, landing_rflags, landing_cs, landing_ss, failsafe_frame, failsafe_at
landing_rsp: .quad 0
landing_rflags: .quad 0
landing_cs: .quad 0
landing_ss: .quad 0
failsafe_at: .quad 0
failsafe_frame: .skip 11 * 8
