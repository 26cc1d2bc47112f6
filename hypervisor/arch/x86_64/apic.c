/*
 * The local APIC, in xAPIC mode (registers mapped at its physical base, reached through the
 * uncached part of the direct map). Every CPU has one; lapic_init records where it is and
 * lapic_enable turns on the one of the calling CPU.
 */
#include <arch/apic.h>
#include <arch/x86.h>
#include <direct_map.h>

enum {
	APIC_ID = 0x20,
	APIC_EOI = 0xb0,
	APIC_SPURIOUS = 0xf0,
	APIC_ICR_LOW = 0x300,
	APIC_ICR_HIGH = 0x310,
	APIC_LVT_TIMER = 0x320,
	APIC_LVT_LINT0 = 0x350,
	APIC_LVT_LINT1 = 0x360,
	APIC_LVT_ERROR = 0x370,
	APIC_TIMER_INITIAL = 0x380,
	APIC_TIMER_CURRENT = 0x390,
	APIC_TIMER_DIVIDE = 0x3e0,
};

#define APIC_SOFTWARE_ENABLE (1u << 8)
#define APIC_LVT_MASKED (1u << 16)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_NMI (4u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define TIMER_DIVIDE_BY_16 0x3

static volatile uint32_t *lapic_registers;

static uint32_t lapic_read(uint32_t reg)
{
	return lapic_registers[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t value)
{
	lapic_registers[reg / 4] = value;
}

void lapic_init(uint64_t phys_base)
{
	lapic_registers = phys_to_virt(phys_base);
}

void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1u << 11)); /* global enable */
	lapic_write(APIC_SPURIOUS, APIC_SOFTWARE_ENABLE | VECTOR_SPURIOUS);
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_TIMER);
	lapic_write(APIC_LVT_ERROR, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	lapic_write(APIC_LVT_LINT1, 0x400); /* LINT1 delivers NMI, as the BIOS sets it */
	lapic_write(APIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(APIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

static void lapic_send(uint32_t apic_id, uint32_t command)
{
	lapic_write(APIC_ICR_HIGH, apic_id << 24);
	lapic_write(APIC_ICR_LOW, command);
	while (lapic_read(APIC_ICR_LOW) & ICR_DELIVERY_PENDING)
		cpu_relax_x86();
}

void lapic_send_init(uint32_t apic_id)
{
	lapic_send(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint8_t vector_page)
{
	lapic_send(apic_id, ICR_STARTUP | vector_page);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	lapic_send(apic_id, vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	lapic_send(apic_id, ICR_NMI | ICR_LEVEL_ASSERT);
}

void lapic_send_nmi_all_but_self(void)
{
	lapic_write(APIC_ICR_HIGH, 0);
	lapic_write(APIC_ICR_LOW, ICR_NMI | ICR_ALL_BUT_SELF | ICR_LEVEL_ASSERT);
}

void lapic_timer_oneshot(uint32_t ticks)
{
	lapic_write(APIC_LVT_TIMER, VECTOR_TIMER); /* one-shot, unmasked */
	lapic_write(APIC_TIMER_INITIAL, ticks);
}

void lapic_timer_start_count(void)
{
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | VECTOR_TIMER);
	lapic_write(APIC_TIMER_INITIAL, 0xffffffff);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(APIC_TIMER_CURRENT);
}
