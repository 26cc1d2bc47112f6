/*
 * User programs of the privileged_insn test (mapped at USER_CODE_VA by the user_mode
 * helper). Each runs one instruction that may trap, with r12 = where to resume, stores rax
 * (0xbad if the instruction trapped) in word 0 of the user data page and does SYSCALL.
 */
#define UD_BASE 0x408000 /* USER_DATA_VA; privileged_insn.c checks the two agree */

	.section .text.user, "ax"
	.balign 4096
	.globl user_code_start
user_code_start:

/* inb from port 0x81 (a DMA page register) */
	.globl p_inb
p_inb:
	leaq 1f(%rip), %r12
	xorl %eax, %eax
	.globl p_inb_insn
p_inb_insn:
	inb $0x81, %al
	jmp 2f
1:	movq $0xbad, %rax
2:	movq %rax, UD_BASE
	syscall
	ud2

/* outb of dil to port 0x81; rax = 1 when done */
	.globl p_outb
p_outb:
	leaq 1f(%rip), %r12
	movl %edi, %eax
	.globl p_outb_insn
p_outb_insn:
	outb %al, $0x81
	movq $1, %rax
	jmp 2f
1:	movq $0xbad, %rax
2:	movq %rax, UD_BASE
	syscall
	ud2

/* rdmsr of the MSR in ecx (the kernel sets rcx) */
	.globl p_rdmsr
p_rdmsr:
	leaq 1f(%rip), %r12

	.globl p_rdmsr_insn
p_rdmsr_insn:
	rdmsr
	jmp 2f
1:	movq $0xbad, %rax
2:	movq %rax, UD_BASE
	syscall
	ud2

/* mov from cr3 */
	.globl p_read_cr3
p_read_cr3:
	leaq 1f(%rip), %r12

	.globl p_read_cr3_insn
p_read_cr3_insn:
	movq %cr3, %rax
	jmp 2f
1:	movq $0xbad, %rax
2:	movq %rax, UD_BASE
	syscall
	ud2

/* rdtsc */
	.globl p_rdtsc
p_rdtsc:
	leaq 1f(%rip), %r12

	.globl p_rdtsc_insn
p_rdtsc_insn:
	rdtsc
	jmp 2f
1:	movq $0xbad, %rax
2:	movq %rax, UD_BASE
	syscall
	ud2

/* cli; rax = 1 when done */
	.globl p_cli
p_cli:
	leaq 1f(%rip), %r12

	.globl p_cli_insn
p_cli_insn:
	cli
	movq $1, %rax
	jmp 2f
1:	movq $0xbad, %rax
2:	movq %rax, UD_BASE
	syscall
	ud2

	.balign 4096
	.globl user_code_end
user_code_end:
