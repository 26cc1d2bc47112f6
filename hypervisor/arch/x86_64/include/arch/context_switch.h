/*
 * The part of a vCPU switch that is not in its saved registers: page tables, segment bases,
 * FPU/SSE/AVX registers and the virtual CR0.TS.
 */
#ifndef PARVUS_ARCH_CONTEXT_SWITCH_H
#define PARVUS_ARCH_CONTEXT_SWITCH_H

struct vcpu;

/* v stops running on this CPU: keep what the CPU holds for it. */
void arch_vcpu_save(struct vcpu *v);
/* v runs next on this CPU: give the CPU its state. */
void arch_vcpu_load(struct vcpu *v);
/* v's registers are in regs, about to be returned to: anything its loading left to tell the
 * guest (a failed selector: the failsafe callback). */
struct cpu_regs;
void arch_vcpu_enter(struct vcpu *v, struct cpu_regs *regs);
/* For an idle CPU: the hypervisor's own page tables, so that no guest's are in use. */
void arch_load_idle_page_tables(void);

#endif
