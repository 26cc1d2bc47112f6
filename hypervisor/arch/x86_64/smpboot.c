/*
 * Starting the other CPUs. The boot CPU copies trampoline.S to physical 0x8000, sends every
 * other CPU that ACPI lists an INIT, waits the 10 ms the architecture asks for once, then
 * starts them one at a time with STARTUP IPIs: each gets its own struct cpu and stack, runs
 * start_secondary(), says it is up, and idles until there is work.
 */
#include <arch/apic.h>
#include <arch/cpu_features.h>
#include <arch/x86.h>
#include <direct_map.h>
#include <percpu.h>
#include <scheduler.h>
#include <printk.h>
#include <smp.h>
#include <string.h>
#include <system_time.h>

#define TRAMPOLINE_PHYS 0x8000
#define START_TIMEOUT_US 200000

extern const char trampoline_start[], trampoline_end[];
extern const char trampoline_cr4[], trampoline_efer[];
uint64_t ap_boot_stack; /* read by the trampoline's 64-bit code */
static struct cpu *volatile starting_cpu;

static void copy_trampoline(void)
{
	uint8_t *target = phys_to_virt(TRAMPOLINE_PHYS);
	size_t size = (size_t)(trampoline_end - trampoline_start);
	uint32_t cr4 = (uint32_t)read_cr4();
	uint32_t efer = (uint32_t)rdmsr(MSR_EFER) & (EFER_LME | EFER_NXE | EFER_SCE);

	memcpy(target, trampoline_start, size);
	memcpy(target + (trampoline_cr4 - trampoline_start), &cr4, 4);
	memcpy(target + (trampoline_efer - trampoline_start), &efer, 4);
}

void start_secondary(void)
{
	struct cpu *cpu = starting_cpu;

	cpu_activate(cpu);
	cpu_setup_this();
	lapic_enable();
	__atomic_add_fetch(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
	local_irq_enable();
	scheduler_idle_cpu(); /* runs the vCPUs placed on this CPU, when there are some */
}

static bool start_one(unsigned int id, uint32_t apic_id)
{
	struct cpu *cpu = cpu_create(id, apic_id);

	if (!cpu) {
		printk(LOG_WARNING "CPU%u (APIC id %u): no memory for its stacks; left offline\n", id,
		       apic_id);
		return false;
	}
	starting_cpu = cpu;
	ap_boot_stack = (uint64_t)cpu->stack + CPU_STACK_SIZE;
	for (int attempt = 0; attempt < 2 && !cpu->online; attempt++) {
		lapic_send_startup(apic_id, TRAMPOLINE_PHYS >> 12);
		uint64_t deadline = now_ns() + (attempt ? START_TIMEOUT_US : 200) * 1000ull;

		while (!__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE) && now_ns() < deadline)
			cpu_relax_x86();
	}
	if (!cpu->online) {
		printk(LOG_WARNING "CPU%u (APIC id %u) did not start; left offline\n", id, apic_id);
		cpus[id] = NULL; /* its memory stays allocated: a late start must not land in it */
		return false;
	}
	printk(LOG_INFO "CPU%u up (APIC id %u)\n", id, apic_id);
	return true;
}

unsigned int smp_boot(const uint32_t *apic_ids, unsigned int count, unsigned int max_cpus)
{
	uint32_t self = lapic_id();
	unsigned int next_id = 1;

	if (count < 2)
		return nr_cpus_online;
	copy_trampoline();
	for (unsigned int i = 0; i < count; i++)
		if (apic_ids[i] != self)
			lapic_send_init(apic_ids[i]);
	udelay(10000);
	for (unsigned int i = 0; i < count && next_id < max_cpus && next_id < MAX_CPUS; i++) {
		if (apic_ids[i] == self)
			continue;
		if (start_one(next_id, apic_ids[i]))
			next_id++;
	}
	return nr_cpus_online;
}

extern uint64_t boot_l4[];

void smp_boot_done(void)
{
	/* Only starting CPUs needed the identity map of low memory; from now on an access to a
	 * low address (a NULL pointer) faults. Every CPU forgets the old translation. */
	boot_l4[0] = 0;
	flush_tlb_local();
	for (unsigned int id = 1; id < MAX_CPUS; id++)
		if (cpus[id] && cpus[id]->online)
			lapic_send_ipi(cpus[id]->apic_id, VECTOR_WAKE);
}
