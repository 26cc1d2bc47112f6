/*
 * TLB flushes across CPUs. A CPU caches translations of the page tables it ran on; when a
 * mapping is taken away (a type change, a frame freed, a guest unmapping a page that another
 * of its vCPUs may have cached), every CPU that may hold it must flush before the frame can be
 * used otherwise. The request goes by IPI and the caller waits for each CPU's answer; a CPU
 * that waits answers the requests sent to it meanwhile, so two CPUs flushing each other do not
 * wait forever.
 */
#ifndef PARVUS_ARCH_TLB_FLUSH_H
#define PARVUS_ARCH_TLB_FLUSH_H

#include <stdint.h>

struct domain;

/* Flush the CPUs in mask (bit n: CPU n; this CPU too if its bit is set), and return when
 * each has done so. Interrupts may be off. */
void flush_tlb_cpus(uint64_t mask);
/* This CPU and every CPU running on a guest's page tables: all that may have cached a
 * translation of any guest mapping. */
void flush_guest_tlbs(void);
/* The CPUs that may hold translations of any guest's page tables (not idle on ours). */
uint64_t tlb_guest_cpus(void);
/* Record that this CPU now runs on a guest's page tables (d's; NULL: the hypervisor's own). */
void tlb_note_cr3(struct domain *d);
/* Answer the flush requests made of this CPU: for code that waits for another CPU with
 * interrupts off (that CPU may be waiting for our answer). */
void tlb_flush_serve(void);
/* Set up the IPI; once, at boot. */
void tlb_flush_init(void);

#endif
