/*
 * Catching an expected trap in kernel mode (tests/guests/lib/catch.c): for instructions the
 * hypervisor may emulate or refuse (privileged instructions, segment loads, FPU use with
 * CR0.TS), where the test wants to see which.
 *
 *     uint64_t cr3 = 0;
 *     int vector = CATCH_INSN("mov %%cr3, %[v]", [v] "+r"(cr3));
 *
 * runs one instruction and returns -1 when it completed, or the vector that stopped it (the
 * error code and the frame's rip are in caught). A trap handler of the test calls
 * catch_trap(frame) first; it handles the trap, and returns true, only when the frame's rip
 * is the instruction armed by CATCH_INSN. catch_install(vector) installs a handler that
 * does just that and crashes on anything else.
 */
#ifndef GUEST_TESTS_CATCH_H
#define GUEST_TESTS_CATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <parvus/guest_traps.h>

struct caught {
	int vector; /* -1: nothing caught */
	uint64_t error_code, rip, cs, cr2;
	uint64_t rflags;    /* as in the frame */
	uint8_t saved_mask; /* the frame's cs bits 32-39 */
};
extern struct caught caught;
extern volatile unsigned long catch_rip, catch_resume;

bool catch_trap(struct trap_frame *frame);
long catch_install(unsigned int vector);

/*
 * One instruction (asm text, operands as named ones after it), caught if it traps. Written
 * as a statement expression returning caught.vector.
 */
#define CATCH_INSN(insn, ...)                                        \
	({                                                           \
		caught.vector = -1;                                  \
		__asm__ volatile("movq $1f, catch_rip(%%rip)\n\t"    \
				 "movq $2f, catch_resume(%%rip)\n\t" \
				 "1: " insn "\n\t"                   \
				 "2:"                                \
				 : __VA_ARGS__                       \
				 :                                   \
				 : "memory");                        \
		catch_rip = 0;                                       \
		caught.vector;                                       \
	})

#endif /* GUEST_TESTS_CATCH_H */
