/*
 * The registers of an interrupted context, as entry.S saves them: general registers first
 * (r15 lowest), then the vector and error code, then what the CPU itself pushed.
 */
#ifndef PARVUS_ARCH_REGS_H
#define PARVUS_ARCH_REGS_H

#include <stdint.h>

struct cpu_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void do_interrupt(struct cpu_regs *regs);

#endif
