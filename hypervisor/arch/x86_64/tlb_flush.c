/*
 * Cross-CPU TLB flushes (see tlb_flush.h). Each CPU has a request counter that others raise
 * and a done counter it raises itself after flushing; a requester waits until the target's
 * done counter reaches the value its own request produced.
 */
#include <domain.h>
#include <percpu.h>
#include <arch/apic.h>
#include <arch/cpu_tables.h>
#include <arch/tlb_flush.h>
#include <arch/x86.h>

static struct {
	uint64_t requested;
	uint64_t done;
} flush_state[MAX_CPUS];

static uint64_t guest_cpus; /* CPUs whose page tables are a guest's (bit per CPU) */

/* Flush for every request made of this CPU so far. */
void tlb_flush_serve(void)
{
	unsigned int me = this_cpu()->id;
	uint64_t wanted = __atomic_load_n(&flush_state[me].requested, __ATOMIC_ACQUIRE);

	if (wanted == __atomic_load_n(&flush_state[me].done, __ATOMIC_RELAXED))
		return;
	flush_tlb_local();
	__atomic_store_n(&flush_state[me].done, wanted, __ATOMIC_RELEASE);
}

void spin_wait_hook(void)
{
	if (nr_cpus_online > 1) /* before that there is nobody to ask, nor a per-CPU area */
		tlb_flush_serve();
}

static void flush_interrupt(unsigned int vector)
{
	(void)vector;
	lapic_eoi();
	tlb_flush_serve();
}

void tlb_flush_init(void)
{
	irq_set_handler(VECTOR_FLUSH, flush_interrupt);
}

void flush_tlb_cpus(uint64_t mask)
{
	unsigned int me = this_cpu()->id;
	uint64_t wanted[MAX_CPUS];

	if (mask & (1ull << me))
		flush_tlb_local();
	mask &= ~(1ull << me);
	for (uint64_t left = mask; left; left &= left - 1) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(left);

		if (!cpus[cpu] || !cpus[cpu]->online) {
			mask &= ~(1ull << cpu);
			continue;
		}
		wanted[cpu] = __atomic_add_fetch(&flush_state[cpu].requested, 1, __ATOMIC_ACQ_REL);
		lapic_send_ipi(cpus[cpu]->apic_id, VECTOR_FLUSH);
	}
	for (uint64_t left = mask; left; left &= left - 1) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(left);

		while (__atomic_load_n(&flush_state[cpu].done, __ATOMIC_ACQUIRE) < wanted[cpu]) {
			tlb_flush_serve(); /* it may be waiting for us, with interrupts off */
			cpu_relax_x86();
		}
	}
}

void flush_guest_tlbs(void)
{
	flush_tlb_cpus(tlb_guest_cpus() | 1ull << this_cpu()->id);
}

uint64_t tlb_guest_cpus(void)
{
	return __atomic_load_n(&guest_cpus, __ATOMIC_ACQUIRE);
}

void tlb_note_cr3(struct domain *d)
{
	uint64_t bit = 1ull << this_cpu()->id;

	if (d)
		__atomic_fetch_or(&guest_cpus, bit, __ATOMIC_ACQ_REL);
	else
		__atomic_fetch_and(&guest_cpus, ~bit, __ATOMIC_ACQ_REL);
}
