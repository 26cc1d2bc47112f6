/*
 * probe_read and probe_write: one memory access that may fault. If it does, trap_dispatch
 * (traps.c) sees that the faulting rip is one of the two marked instructions, records the
 * fault in probe_last_fault, puts the vector plus one in rax and resumes at probe_resume, so
 * the probe returns non-zero instead of the kernel crashing. Tests use them to show that a
 * mapping is absent or read-only.
 */
	.section .text.probe, "ax"

/* int probe_read(const volatile void *address, uint64_t *value) */
	.globl probe_read
probe_read:
	xorl	%eax, %eax
	.globl probe_read_access
probe_read_access:
	movq	(%rdi), %rdx
	movq	%rdx, (%rsi)
	ret

/* int probe_write(volatile void *address, uint64_t value) */
	.globl probe_write
probe_write:
	xorl	%eax, %eax
	.globl probe_write_access
probe_write_access:
	movq	%rsi, (%rdi)
	.globl probe_resume
probe_resume:
	ret
