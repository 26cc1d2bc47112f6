/*
 * fpu_load and fpu_store, for the smp test kernel's FPU checks (fpu.c): move xmm0..xmm15,
 * MXCSR and the x87 control word between the registers and a struct fpu_state
 *
 *     xmm[16][16] at 0, mxcsr at 256, fcw at 260
 *
 * The kernel is compiled with -mgeneral-regs-only, so C code never touches these registers
 * itself: whatever they hold between a load and a store is the hypervisor's doing.
 */
	.text
	.globl fpu_load, fpu_store
fpu_load:
	.irp	i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	\i * 16(%rdi), %xmm\i
	.endr
	ldmxcsr	256(%rdi)
	fldcw	260(%rdi)
	ret

fpu_store:
	.irp	i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movdqu	%xmm\i, \i * 16(%rdi)
	.endr
	stmxcsr	256(%rdi)
	fnstcw	260(%rdi)
	ret

/*
 * fpu_load_upper and fpu_store_upper: the upper halves of ymm0..ymm15 (AVX), 16 bytes each,
 * to and from hi[16][16]; only once the vCPU has turned AVX on (XSETBV).
 */
	.globl fpu_load_upper, fpu_store_upper
fpu_load_upper:
	.irp	i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vinsertf128 $1, \i * 16(%rdi), %ymm\i, %ymm\i
	.endr
	ret

fpu_store_upper:
	.irp	i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vextractf128 $1, %ymm\i, \i * 16(%rdi)
	.endr
	ret
