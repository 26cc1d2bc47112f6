/*
 * I/O APICs: each routes a range of global system interrupts (GSIs) to vectors on CPUs. At
 * boot every input is masked; ioapic_route opens one line. ACPI's MADT says where they are
 * and which GSI each ISA IRQ became (acpi.c).
 */
#include <arch/apic.h>
#include <direct_map.h>

#define MAX_IOAPICS 8
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIRECTION(n) (0x10 + 2 * (n))
#define REDIRECT_MASKED (1u << 16)
#define REDIRECT_LEVEL (1u << 15)
#define REDIRECT_ACTIVE_LOW (1u << 13)

struct ioapic {
	volatile uint32_t *registers;
	uint8_t id;
	uint32_t gsi_base;
	uint32_t inputs;
};

static struct ioapic ioapics[MAX_IOAPICS];
static unsigned int nr_ioapics;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->registers[IOREGSEL / 4] = reg;
	return io->registers[IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t value)
{
	io->registers[IOREGSEL / 4] = reg;
	io->registers[IOWIN / 4] = value;
}

void ioapic_add(uint8_t id, uint64_t phys_base, uint32_t gsi_base)
{
	if (nr_ioapics == MAX_IOAPICS)
		return;
	struct ioapic *io = &ioapics[nr_ioapics++];

	io->registers = phys_to_virt(phys_base);
	io->id = id;
	io->gsi_base = gsi_base;
	io->inputs = ((ioapic_read(io, IOAPIC_VERSION) >> 16) & 0xff) + 1;
	for (uint32_t i = 0; i < io->inputs; i++) {
		ioapic_write(io, IOAPIC_REDIRECTION(i) + 1, 0);
		ioapic_write(io, IOAPIC_REDIRECTION(i), REDIRECT_MASKED);
	}
}

unsigned int ioapic_count(void)
{
	return nr_ioapics;
}

int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low)
{
	for (unsigned int i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];

		if (gsi < io->gsi_base || gsi >= io->gsi_base + io->inputs)
			continue;
		uint32_t pin = gsi - io->gsi_base;
		uint32_t low = vector | (level ? REDIRECT_LEVEL : 0) |
			       (active_low ? REDIRECT_ACTIVE_LOW : 0);

		ioapic_write(io, IOAPIC_REDIRECTION(pin) + 1, apic_id << 24);
		ioapic_write(io, IOAPIC_REDIRECTION(pin), low);
		return 0;
	}
	return -1;
}
