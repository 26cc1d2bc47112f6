/*
 * The user programs of the user_mode test, run in guest user mode at USER_CODE_VA (this
 * section is mapped there, read-only, in the user page tables). The code is position
 * independent: it refers to itself rip-relatively and to the user data page by its absolute
 * address (user_data.h). Each program ends in SYSCALL; the kernel decides what follows.
 * Where a program expects a fault it first puts the address to resume at in r12, the
 * convention of user_trap_record_and_resume.
 */
#include "user_data.h"

/* Store the 15 general registers at word base of the user data page, rax first. */
#define SAVE_GPRS(base)                 \
	movq %rax, UD((base) + GPR_RAX); \
	movq %rbx, UD((base) + GPR_RBX); \
	movq %rcx, UD((base) + GPR_RCX); \
	movq %rdx, UD((base) + GPR_RDX); \
	movq %rsi, UD((base) + GPR_RSI); \
	movq %rdi, UD((base) + GPR_RDI); \
	movq %rbp, UD((base) + GPR_RBP); \
	movq %r8, UD((base) + GPR_R8);   \
	movq %r9, UD((base) + GPR_R9);   \
	movq %r10, UD((base) + GPR_R10); \
	movq %r11, UD((base) + GPR_R11); \
	movq %r12, UD((base) + GPR_R12); \
	movq %r13, UD((base) + GPR_R13); \
	movq %r14, UD((base) + GPR_R14); \
	movq %r15, UD((base) + GPR_R15); \
	movq %rsp, UD((base) + UD_RSP);  \
	pushfq;                          \
	popq UD((base) + UD_RFLAGS)

	.section .text.user, "ax"
	.balign 4096
	.globl user_code_start
user_code_start:

/*
 * u_probe: record the registers the kernel entered us with (and the segment selectors),
 * load known values into every register but rcx and r11 and SYSCALL; when that returns,
 * record the registers again and SYSCALL a second time with rax = 2.
 */
	.globl u_probe
u_probe:
	SAVE_GPRS(UD_ENTRY)
	movw %cs, UD(UD_CS)
	movw %ss, UD(UD_SS)
	movw %ds, UD(UD_DS)
	movw %es, UD(UD_ES)
	movw %fs, UD(UD_FS)
	movw %gs, UD(UD_GS)
	movabsq $0x5a5a000000000001, %rax
	movabsq $0x5a5a000000000002, %rbx
	movabsq $0x5a5a000000000003, %rdx
	movabsq $0x5a5a000000000004, %rsi
	movabsq $0x5a5a000000000005, %rdi
	movabsq $0x5a5a000000000006, %rbp
	movabsq $0x5a5a000000000007, %r8
	movabsq $0x5a5a000000000008, %r9
	movabsq $0x5a5a000000000009, %r10
	movabsq $0x5a5a00000000000a, %r12
	movabsq $0x5a5a00000000000b, %r13
	movabsq $0x5a5a00000000000c, %r14
	movabsq $0x5a5a00000000000d, %r15
	.globl u_probe_syscall
u_probe_syscall:
	syscall
	.globl u_probe_after
u_probe_after:
	SAVE_GPRS(UD_AFTER)
	movq $2, %rax
	syscall
	.globl u_probe_after2
u_probe_after2:
	pushfq
	popq UD(UD_AFTER2_RFLAGS)
	movq $3, %rax
	syscall
	ud2

/* u_syscall: nothing but SYSCALL (the registers are the kernel's entry values). */
	.globl u_syscall
u_syscall:
	syscall
	.globl u_syscall_after
u_syscall_after:
	ud2

/* u_std_syscall: set rflags.DF, SYSCALL, then clear it and SYSCALL again. */
	.globl u_std_syscall
u_std_syscall:
	std
	.globl u_std_syscall_insn
u_std_syscall_insn:
	syscall
	cld
	syscall
	ud2

/* u_read: rax = *rdi into UD_VALUE, or 0xbad if the read faulted; then SYSCALL. */
	.globl u_read
u_read:
	leaq 1f(%rip), %r12
	movq $0xbad, %rax
	.globl u_read_insn
u_read_insn:
	movq (%rdi), %rax
1:	movq %rax, UD(UD_VALUE)
	syscall
	ud2

/* u_write: *rdi = rsi; UD_VALUE = 1 if the write was done, 0 if it faulted; SYSCALL. */
	.globl u_write
u_write:
	leaq 1f(%rip), %r12
	movq $0, %rax
	.globl u_write_insn
u_write_insn:
	movq %rsi, (%rdi)
	movq $1, %rax
1:	movq %rax, UD(UD_VALUE)
	syscall
	ud2

/* u_jump: call the address in rdi (expected to fault), resuming after it. */
	.globl u_jump
u_jump:
	leaq 1f(%rip), %r12
	call *%rdi
	.globl u_jump_return
u_jump_return:
	nop
1:	movq %rsp, UD(UD_VALUE)
	syscall
	ud2

/*
 * u_trap: one instruction that traps, selected by rdi (0 ud2, 1 int3, 2 int $0x80, 3 cli,
 * 4 hlt, 5 in from port 0x80), resuming at the SYSCALL that follows; the general registers
 * are recorded after the trap (rdi then holds 0x10 + the selector).
 */
	.globl u_trap
u_trap:
	leaq 9f(%rip), %r12
	cmpq $0, %rdi
	je 10f
	cmpq $1, %rdi
	je 11f
	cmpq $2, %rdi
	je 12f
	cmpq $3, %rdi
	je 13f
	cmpq $4, %rdi
	je 14f
	cmpq $5, %rdi
	je 15f
	jmp 9f
10:	movq $0x10, %rdi
	.globl u_trap_ud2
u_trap_ud2:
	ud2
	jmp 9f
11:	movq $0x11, %rdi
	.globl u_trap_int3
u_trap_int3:
	int3
	.globl u_trap_int3_after
u_trap_int3_after:
	jmp 9f
12:	movq $0x12, %rdi
	.globl u_trap_int80
u_trap_int80:
	int $0x80
	.globl u_trap_int80_after
u_trap_int80_after:
	jmp 9f
13:	movq $0x13, %rdi
	.globl u_trap_cli
u_trap_cli:
	cli
	jmp 9f
14:	movq $0x14, %rdi
	.globl u_trap_hlt
u_trap_hlt:
	hlt
	jmp 9f
15:	movq $0x15, %rdi
	.globl u_trap_in
u_trap_in:
	inb $0x80, %al
	jmp 9f
9:	SAVE_GPRS(UD_AFTER)
	syscall
	ud2

	.balign 4096
	.globl user_code_end
user_code_end:
