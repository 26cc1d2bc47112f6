/*
 * Where other CPUs start. A started CPU (INIT, then STARTUP with vector 0x08) begins in real
 * mode at physical 0x8000, where smpboot.c copied this code. It climbs to protected mode,
 * turns on long mode with the boot page tables (whose identity map covers this page), jumps to
 * the hypervisor's link address and calls start_secondary() on the stack the boot CPU chose.
 */
#include "arch/layout.h"

#define PHYS(sym) ((sym) - IMAGE_VIRT_OFFSET)
#define TRAMPOLINE_PHYS 0x8000
#define HERE(label) (TRAMPOLINE_PHYS + ((label) - trampoline_start))

	.section .rodata
	.globl trampoline_start, trampoline_end
	.code16
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	(trampoline_gdt_descriptor - trampoline_start)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x18, $HERE(protected_mode)

	.code32
protected_mode:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	HERE(trampoline_cr4), %eax
	mov	%eax, %cr4
	mov	$PHYS(boot_l4), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	mov	HERE(trampoline_efer), %eax
	xor	%edx, %edx
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16)), %eax
	mov	%eax, %cr0
	ljmp	$0x08, $HERE(long_mode)

	.code64
long_mode:
	movabs	$ap_entry, %rax
	jmp	*%rax

	.align 8
trampoline_gdt_descriptor:
	.short 31
	.long PHYS(boot_gdt)
	.globl trampoline_cr4, trampoline_efer
trampoline_cr4:
	.long 0
trampoline_efer:
	.long 0
trampoline_end:

	.text
ap_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	movabs	$ap_boot_stack, %rax
	mov	(%rax), %rsp
	xor	%ebp, %ebp
	call	start_secondary
1:	hlt
	jmp	1b
