/*
 * _start: where the hypervisor enters a PV kernel (the ENTRY note), in 64-bit mode, ring 3,
 * with events masked in vcpu_info, rsi = the virtual address of start_info and rsp at the
 * top of the boot stack the builder placed after the bootstrap page tables.
 *
 * We record the entry registers for tests, move to a stack of our own (the boot stack is a
 * single page) and continue in C with guest_start(start_info). .bss is not cleared here: the
 * builder zeroes everything past the file's contents, and start_of_day checks that it did.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	movq	%rsp, guest_entry_registers + 0
	movq	%rsi, guest_entry_registers + 8
	pushfq
	popq	guest_entry_registers + 16
	movq	$0, %rax
	movw	%cs, %ax
	movq	%rax, guest_entry_registers + 24
	movw	%ss, %ax
	movq	%rax, guest_entry_registers + 32
	movw	%ds, %ax
	movq	%rax, guest_entry_registers + 40
	movw	%es, %ax
	movq	%rax, guest_entry_registers + 48
	movw	%fs, %ax
	movq	%rax, guest_entry_registers + 56
	movw	%gs, %ax
	movq	%rax, guest_entry_registers + 64

	leaq	guest_stack_top(%rip), %rsp
	xorl	%ebp, %ebp		/* the end of every stack trace */
	movq	%rsi, %rdi
	call	guest_start
	ud2				/* guest_start does not return */

	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl guest_stack_bottom
guest_stack_bottom:
	.skip 16384
	.globl guest_stack_top
guest_stack_top:
