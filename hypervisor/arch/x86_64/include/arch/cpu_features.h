/*
 * What this CPU can do, from CPUID, and the per-CPU register set-up that depends on it
 * (no-execute pages, SYSCALL for hypercalls, SSE state).
 */
#ifndef PARVUS_ARCH_CPU_FEATURES_H
#define PARVUS_ARCH_CPU_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	uint32_t leaf1_ecx, leaf1_edx;	 /* CPUID 1 */
	uint32_t ext1_ecx, ext1_edx;	 /* CPUID 0x80000001 */
	uint32_t leaf7_ebx, leaf7_ecx;	 /* CPUID 7.0 */
	bool invariant_tsc;
	uint32_t physical_address_bits;
};

extern struct cpu_features boot_cpu_features;
/* The state components XSAVE handles for guests (XCR0 bits: x87, SSE, AVX where present); 0
 * without XSAVE. A vCPU starts with x87 and SSE and may turn on the others (XSETBV). */
extern uint64_t xcr0_supported;
#define XCR0_GUEST_DEFAULT 3ull

/* Read CPUID on the boot CPU; print the features; stop with a clear message if something
 * required is missing. */
void cpu_features_init(void);
/* Control registers and MSRs every CPU needs: NX, write-protect, SSE, SYSCALL entry. */
void cpu_setup_this(void);

#endif
