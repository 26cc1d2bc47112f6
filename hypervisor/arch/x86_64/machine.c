/*
 * Stopping the machine: tell the other CPUs to stop (an NMI reaches them even with interrupts
 * off), report the outcome to QEMU's isa-debug-exit device when there is one, and halt.
 */
#include <machine.h>
#include <arch/apic.h>
#include <arch/x86.h>
#include <percpu.h>

static volatile bool stop_requested;

bool cpu_stop_requested(void)
{
	return stop_requested;
}

void cpu_stop(void)
{
	local_irq_disable();
	for (;;)
		halt();
}

static __attribute__((noreturn)) void machine_stop(uint8_t code)
{
	local_irq_disable();
	stop_requested = true;
	if (nr_cpus_online > 1)
		lapic_send_nmi_all_but_self();
	outl(DEBUG_EXIT_PORT, code);
	cpu_stop();
}

void machine_pass(void)
{
	machine_stop(DEBUG_EXIT_PASS);
}

void machine_fail(void)
{
	machine_stop(DEBUG_EXIT_FAIL);
}
