/*
 * The two instructions that touch guest memory, each listed in the exception-fixup table
 * (section .ex_table: pairs of "address that may fault, where to resume"). If the copy faults,
 * the page-fault handler resumes at the fixup, which leaves the count of bytes still to copy
 * in rax. Called from C as: size_t uaccess_copy(void *to, const void *from, size_t length).
 */
	.text
	.globl uaccess_copy
uaccess_copy:
	mov	%rdx, %rcx
1:	rep movsb			/* may fault: rcx counts down, so it says what is left */
	xor	%eax, %eax
	ret
2:	mov	%rcx, %rax
	ret

	.section .ex_table, "a"
	.align 8
	.quad 1b, 2b
