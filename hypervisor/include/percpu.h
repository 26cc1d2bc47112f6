/*
 * Per-CPU state. Each CPU finds its own struct cpu through the GS base register (the first
 * field points to itself); cpus[] lists every CPU by its Parvus number, 0 being the boot CPU.
 */
#ifndef PARVUS_PERCPU_H
#define PARVUS_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/cpu_tables.h>
#include <arch/x86.h>
#include <timer.h>

#define MAX_CPUS 64
#define CPU_STACK_SIZE 16384
#define IST_STACK_SIZE 8192
/* The top 16 bytes of each IST stack hold its CPU's struct cpu pointer (and padding): the
 * TSS points below them, and entry.S's IST entry compares the live GS base with it. */
#define IST_TOP_RESERVED 16

struct cpu {
	struct cpu *self;	     /* %gs:0 */
	uint64_t entry_stack_top;    /* %gs:8: where entries from a guest land (TSS rsp0, SYSCALL) */
	uint64_t guest_rsp_scratch;  /* %gs:16: the guest's rsp while SYSCALL switches stacks */
	uint64_t host_context_rsp;   /* %gs:24: the hypervisor context that guest_run() saved */
	unsigned int id;
	uint32_t apic_id;
	volatile bool online;
	uint8_t *stack;	/* CPU_STACK_SIZE bytes; the CPU runs on its top */
	uint8_t *entry_stack; /* CPU_STACK_SIZE bytes for entries from guests */
	uint8_t *ist_stacks[IST_COUNT];
	struct cpu_tables tables; /* GDT, TSS */
	struct timer_queue timers;
	uint64_t interrupts; /* interrupts taken, for the curious */
	uint64_t nmis;	     /* NMIs taken that were not a stop request (traps.c) */
	uint64_t nmi_rip;    /* where the last of them arrived */
	struct vcpu *current; /* the guest vCPU this CPU runs, if any */
};

/* entry.S reaches these fields through %gs. */
#define CPU_OFFSET_ENTRY_STACK_TOP 8
#define CPU_OFFSET_GUEST_RSP_SCRATCH 16
#define CPU_OFFSET_HOST_CONTEXT_RSP 24

extern struct cpu *cpus[MAX_CPUS];
extern unsigned int nr_cpus_online;

static inline struct cpu *this_cpu(void)
{
	return (struct cpu *)read_gs_word0();
}

/* Safe before the per-CPU area exists (answers 0 then). */
int this_cpu_id(void);

/* Make a struct cpu (stacks, descriptor tables) for the CPU with this APIC id. */
struct cpu *cpu_create(unsigned int id, uint32_t apic_id);
/* Load this CPU's GDT, TSS, IDT and GS base. */
void cpu_activate(struct cpu *cpu);

#endif
