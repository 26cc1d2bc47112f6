/*
 * Bringing up the other CPUs (arch/x86_64/smpboot.c) and what each CPU does when it has
 * nothing to run (setup.c).
 */
#ifndef PARVUS_SMP_H
#define PARVUS_SMP_H

#include <stdint.h>

/* Start the CPUs whose APIC ids are listed (the caller's own is skipped), at most max_cpus
 * in all; returns how many CPUs are online afterwards. */
unsigned int smp_boot(const uint32_t *apic_ids, unsigned int count, unsigned int max_cpus);
/* After start-up: remove the identity map of low memory on every CPU. */
void smp_boot_done(void);
__attribute__((noreturn)) void cpu_idle_loop(void);

#endif
