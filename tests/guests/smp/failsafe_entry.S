/*
 * failsafe_entry: the failsafe callback of both vCPUs (mailbox.c registers it for vCPU 0,
 * bringup.c's context for vCPU 1). The hypervisor enters it when it could not reload one of
 * the vCPU's data selectors, with this frame on the kernel stack:
 *
 *     rsp ->  rcx, r11, ds, es, fs, gs, rip, cs, rflags, rsp, ss
 *
 * rcx and r11 are the interrupted code's (the hypervisor's way back, SYSRET, destroys the
 * registers themselves), so both are free here. Record the entry rsp and the 11 words in
 * failsafe_raw (failsafe.c judges them), then move rcx and r11 up over the four selectors:
 * what is left is an ordinary bounce frame (rcx, r11, rip, cs, rflags, rsp, ss), and the
 * runtime's stub for FAILSAFE_VECTOR (its address in failsafe_stub) takes it to the C handler
 * and back to the interrupted code with HYPERVISOR_iret.
 *
 * Also the user program of failsafe.c's user-mode case (user_mode.h maps .text.user at
 * USER_CODE_VA): failsafe_user_spin.
 */
#define UD_BASE 0x408000 /* USER_DATA_VA; failsafe.c checks the two agree */
#define UD(word) (UD_BASE + 8 * (word))
	.text
	.globl failsafe_entry
failsafe_entry:
	movq	%rsp, failsafe_raw(%rip)
	.irp word, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
	movq	8 * \word(%rsp), %rcx
	movq	%rcx, failsafe_raw + 8 + 8 * \word(%rip)
	.endr
	movq	8(%rsp), %rcx		/* r11 over gs */
	movq	%rcx, 40(%rsp)
	movq	0(%rsp), %rcx		/* rcx over fs */
	movq	%rcx, 32(%rsp)
	addq	$32, %rsp
	jmp	*failsafe_stub(%rip)

	.bss
	.balign 8
	.globl failsafe_raw, failsafe_stub
failsafe_raw:			/* the entry rsp, then the frame's 11 words */
	.fill	12, 8, 0
failsafe_stub:
	.quad	0

/*
 * failsafe_user_spin: with rcx and r11 set to the two words below it, say so (word 0 = 1)
 * and spin until word 1 is not 0; then record rcx, r11 (words 2, 3) and ds, es, fs, gs
 * (words 4-7) and SYSCALL. vCPU 0 breaks a selector's descriptor while this vCPU spins.
 */
	.section .text.user, "ax"
	.balign 4096
	.globl user_code_start
user_code_start:
	.globl failsafe_user_spin, failsafe_user_loop, failsafe_user_loop_end
	.globl failsafe_user_rcx, failsafe_user_r11
failsafe_user_spin:
	movq	failsafe_user_rcx(%rip), %rcx
	movq	failsafe_user_r11(%rip), %r11
	movq	$1, UD(0)
failsafe_user_loop:
	cmpq	$0, UD(1)
	je	failsafe_user_loop
failsafe_user_loop_end:
	movq	%rcx, UD(2)
	movq	%r11, UD(3)
	xorl	%eax, %eax
	movw	%ds, %ax
	movq	%rax, UD(4)
	movw	%es, %ax
	movq	%rax, UD(5)
	movw	%fs, %ax
	movq	%rax, UD(6)
	movw	%gs, %ax
	movq	%rax, UD(7)
	syscall
	ud2
	.balign 8
failsafe_user_rcx:
	.quad	0x0123456789abcdef
failsafe_user_r11:
	.quad	0x0000000000000a96	/* looks like rflags, but is only r11 */
	.balign 4096
	.globl user_code_end
user_code_end:
