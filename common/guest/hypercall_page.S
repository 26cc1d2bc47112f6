/*
 * The hypercall page: 4 KiB the domain builder overwrites with 128 stubs of 32 bytes, stub n
 * entering the hypervisor for hypercall n (see <parvus/hypercall.h>). Its address is given to
 * the builder in the HYPERCALL_PAGE note (elf_notes.S). Until it is filled, every byte is
 * int3, so calling a stub of an unfilled page traps at once instead of running into garbage.
 */
	.section .text.hypercall_page, "ax"
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
	.size hypercall_page, 4096
