/*
 * First instructions: the Multiboot 1 and 2 headers and the 32-bit entry point.
 *
 * A bootloader enters start32 in 32-bit protected mode with paging off, EAX holding its magic
 * number and EBX the physical address of its information block. We check that the CPU can run
 * 64-bit code, turn on long mode with the boot page tables below (identity map of the low 4 GiB,
 * the same memory at the direct map, and the image at its link address), and call
 * start_hypervisor(magic, info) in C on the boot stack.
 */
#include "arch/layout.h"

#define PHYS(sym) ((sym) - IMAGE_VIRT_OFFSET)

/* Multiboot 1. QEMU's -kernel only loads 32-bit ELF files, so we use the "a.out kludge"
 * (flag bit 16): the header itself says where the image goes, and the file is a flat image. */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* align modules, memory info, kludge */

/* Multiboot 2 (GRUB): the address and entry tags play the same part for a flat image. */
#define MB2_MAGIC 0xe85250d6

	.section .multiboot, "a"
	.align 8
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PHYS(mb1_header)       /* header_addr */
	.long PHYS(image_start)      /* load_addr */
	.long PHYS(image_load_end)   /* load_end_addr */
	.long PHYS(image_bss_end)    /* bss_end_addr */
	.long PHYS(start32)          /* entry_addr */

	.align 8
mb2_header:
	.long MB2_MAGIC
	.long 0                                         /* architecture: i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* address tag */
	.short 2, 0
	.long 24
	.long PHYS(mb2_header)
	.long PHYS(image_start)
	.long PHYS(image_load_end)
	.long PHYS(image_bss_end)
	/* entry address tag */
	.short 3, 0
	.long 12
	.long PHYS(start32)
	.long 0                                         /* pad to 8 bytes */
	/* end tag */
	.short 0, 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl start32
start32:
	cli
	cld
	mov	%eax, %edi			/* bootloader magic */
	mov	%ebx, %esi			/* information block */
	mov	$PHYS(boot_stack_top), %esp

	/* Long mode needs CPUID leaf 0x80000001 with the LM bit (29) in EDX. */
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	no_long_mode
	mov	$0x80000001, %eax
	cpuid
	bt	$29, %edx
	jnc	no_long_mode

	mov	%cr4, %eax
	or	$((1 << 5) | (1 << 7)), %eax	/* PAE, global pages */
	mov	%eax, %cr4
	mov	$PHYS(boot_l4), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx		/* EFER.LME */
	rdmsr
	or	$(1 << 8), %eax
	wrmsr
	mov	%cr0, %eax
	or	$((1 << 31) | (1 << 16) | 1), %eax	/* paging, write-protect, protection */
	mov	%eax, %cr0

	lgdt	PHYS(boot_gdt_descriptor)
	ljmp	$0x08, $PHYS(start64_low)

/* Tell the person at the serial line why we stop, then stop. */
no_long_mode:
	mov	$PHYS(no_long_mode_message), %ebx
1:	movb	(%ebx), %al
	test	%al, %al
	jz	3f
	mov	$0x3fd, %dx			/* COM1 line status: wait for room */
2:	inb	%dx, %al
	test	$0x20, %al
	jz	2b
	movb	(%ebx), %al
	mov	$0x3f8, %dx
	outb	%al, %dx
	inc	%ebx
	jmp	1b
3:	hlt
	jmp	3b

	.code64
start64_low:
	movabs	$start64_high, %rax
	jmp	*%rax

	.text
start64_high:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%ax, %ax
	mov	%ax, %fs
	mov	%ax, %gs
	movabs	$boot_stack_top, %rsp
	xor	%ebp, %ebp			/* the end of every stack trace */
	mov	%edi, %edi			/* magic, zero-extended */
	mov	%esi, %esi			/* information block */
	call	start_hypervisor
4:	hlt
	jmp	4b

	.section .rodata
no_long_mode_message:
	.asciz "Parvus: this CPU cannot run 64-bit code (no long mode); stopping.\r\n"

	.data
	.align 8
	.globl boot_gdt_descriptor
boot_gdt_descriptor:
	.short boot_gdt_end - boot_gdt - 1
	.quad PHYS(boot_gdt)
	.align 8
	.globl boot_gdt
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
	.quad 0x00cf9a000000ffff		/* 0x18: 32-bit code (used by the AP trampoline) */
boot_gdt_end:

/*
 * Boot page tables. One set of four L2 tables maps the low 4 GiB with 2 MiB pages; it is
 * reached three ways: identity (L4 slot 0, for the switch to long mode and for starting other
 * CPUs), the direct map (slot 262) and the image's link address (slot 261, L3 slot 321).
 * The fourth gigabyte holds device registers (local APIC, I/O APIC, HPET): uncached.
 * No global bit: the identity map is removed after start-up (smp_boot_done) and a CR3 reload
 * must be enough to forget it.
 */
	.align 4096
	.globl boot_l4
boot_l4:
	.quad PHYS(boot_l3_direct) + 0x3
	.fill L4_SLOT_IMAGE - 1, 8, 0
	.quad PHYS(boot_l3_image) + 0x3
	.quad PHYS(boot_l3_direct) + 0x3
	.fill 512 - L4_SLOT_DIRECTMAP - 1, 8, 0
	.globl boot_l3_direct
boot_l3_direct:
	.quad PHYS(boot_l2) + 0x3
	.quad PHYS(boot_l2) + 0x1000 + 0x3
	.quad PHYS(boot_l2) + 0x2000 + 0x3
	.quad PHYS(boot_l2) + 0x3000 + 0x3
	.fill 508, 8, 0
boot_l3_image:
	.fill L3_SLOT_IMAGE, 8, 0
	.quad PHYS(boot_l2) + 0x3
	.fill 512 - L3_SLOT_IMAGE - 1, 8, 0
boot_l2:
	.set frame, 0
	.rept 1536
	.quad frame + 0x83			/* present, writable, 2 MiB */
	.set frame, frame + 0x200000
	.endr
	.rept 512
	.quad frame + 0x9b			/* the same, uncached */
	.set frame, frame + 0x200000
	.endr

	.section .bss.stack, "aw", @nobits
	.align 4096
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
