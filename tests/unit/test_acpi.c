/*
 * Tests for hypervisor/arch/x86_64/acpi.c: firmware images are built byte by byte in a fake
 * physical memory, laid out from the ACPI specification independently of the parser's structs,
 * and then parsed. phys_to_virt fails the test on any address outside that memory (or above a
 * tighter limit a test sets), so a parser that trusted a hostile pointer fails here instead of
 * crashing; ASan catches reads that run past the end of the buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <acpi.h>
#include <direct_map.h>

#define FAKE_SIZE 0x200000UL /* 2 MiB: the BIOS areas plus room for tables above 1 MiB */

static uint8_t *mem;
static uint64_t access_limit; /* phys_to_virt refuses addresses at or above this */

void *phys_to_virt(uint64_t phys)
{
	if (phys >= access_limit)
		fail_msg("parser touched physical %#lx, limit %#lx", (unsigned long)phys,
			 (unsigned long)access_limit);
	return mem + phys;
}

uint64_t virt_to_phys(const void *virt)
{
	return (uint64_t)((const uint8_t *)virt - mem);
}

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, FAKE_SIZE);
	access_limit = FAKE_SIZE;
	return mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	mem = NULL;
	return 0;
}

/* Where the standard image puts things. */
#define EBDA_SEGMENT 0x9fc0
#define EBDA 0x9fc00UL
#define RSDP_BIOS 0xf6b30UL
#define RSDT 0x100000UL
#define XSDT 0x100400UL
#define MADT 0x101000UL
#define MADT2 0x103000UL
#define HPET 0x105000UL
#define FADT 0x105100UL
#define OTHER 0x105400UL

static void put8(uint64_t at, uint8_t value)
{
	mem[at] = value;
}

static void put16(uint64_t at, uint16_t value)
{
	put8(at, value & 0xff);
	put8(at + 1, value >> 8);
}

static void put32(uint64_t at, uint32_t value)
{
	put16(at, value & 0xffff);
	put16(at + 2, value >> 16);
}

static void put64(uint64_t at, uint64_t value)
{
	put32(at, (uint32_t)value);
	put32(at + 4, value >> 32);
}

static void put_text(uint64_t at, const char *text)
{
	memcpy(mem + at, text, strlen(text));
}

/* The byte at `checksum_at` is set so that [start, start + length) sums to zero. */
static void fix_checksum(uint64_t start, uint64_t length, uint64_t checksum_at)
{
	uint8_t sum = 0;

	mem[checksum_at] = 0;
	for (uint64_t i = 0; i < length; i++)
		sum += mem[start + i];
	mem[checksum_at] = (uint8_t)-sum;
}

/* RSDP: signature 0, checksum 8, OEM 9, revision 15, RSDT 16, length 20, XSDT 24, ext sum 32. */
static void put_rsdp(uint64_t at, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	put_text(at, "RSD PTR ");
	put_text(at + 9, "PARVUS");
	put8(at + 15, revision);
	put32(at + 16, rsdt);
	fix_checksum(at, 20, at + 8);
	if (revision >= 2) {
		put32(at + 20, 36);
		put64(at + 24, xsdt);
		fix_checksum(at, 36, at + 32);
	}
}

/* Table header: signature 0, length 4, revision 8, checksum 9, OEM ids 10 and 16. */
static void put_header(uint64_t at, const char *signature, uint8_t revision)
{
	put_text(at, signature);
	put8(at + 8, revision);
	put_text(at + 10, "PARVUS");
	put_text(at + 16, "TESTTBL ");
}

static void finish_table(uint64_t at, uint32_t length)
{
	put32(at + 4, length);
	fix_checksum(at, length, at + 9);
}

static void put_rsdt(uint64_t at, const uint32_t *tables, unsigned int count)
{
	put_header(at, "RSDT", 1);
	for (unsigned int i = 0; i < count; i++)
		put32(at + 36 + 4 * i, tables[i]);
	finish_table(at, 36 + 4 * count);
}

static void put_xsdt(uint64_t at, const uint64_t *tables, unsigned int count)
{
	put_header(at, "XSDT", 1);
	for (unsigned int i = 0; i < count; i++)
		put64(at + 36 + 8 * i, tables[i]);
	finish_table(at, 36 + 8 * count);
}

/* MADT: local APIC address at 36, flags at 40, entries from 44. */
struct madt_builder {
	uint64_t at;
	uint32_t length;
};

static struct madt_builder madt_begin(uint64_t at, uint8_t revision, uint32_t flags)
{
	put_header(at, "APIC", revision);
	put32(at + 36, 0xfee00000);
	put32(at + 40, flags);
	return (struct madt_builder){.at = at, .length = 44};
}

/* Start an entry of `type` and `length`; returns its address. */
static uint64_t madt_entry(struct madt_builder *b, uint8_t type, uint8_t length)
{
	uint64_t entry = b->at + b->length;

	put8(entry, type);
	put8(entry + 1, length);
	b->length += length;
	return entry;
}

static void madt_lapic(struct madt_builder *b, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint64_t e = madt_entry(b, 0, 8);

	put8(e + 2, uid);
	put8(e + 3, apic_id);
	put32(e + 4, flags);
}

static void madt_ioapic(struct madt_builder *b, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	uint64_t e = madt_entry(b, 1, 12);

	put8(e + 2, id);
	put32(e + 4, address);
	put32(e + 8, gsi_base);
}

static void madt_override(struct madt_builder *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint64_t e = madt_entry(b, 2, 10);

	put8(e + 2, 0); /* ISA */
	put8(e + 3, irq);
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void madt_nmi_source(struct madt_builder *b, uint16_t flags, uint32_t gsi)
{
	uint64_t e = madt_entry(b, 3, 8);

	put16(e + 2, flags);
	put32(e + 4, gsi);
}

static void madt_lapic_nmi(struct madt_builder *b, uint8_t uid, uint16_t flags, uint8_t lint)
{
	uint64_t e = madt_entry(b, 4, 6);

	put8(e + 2, uid);
	put16(e + 3, flags);
	put8(e + 5, lint);
}

static void madt_lapic_override(struct madt_builder *b, uint64_t address)
{
	put64(madt_entry(b, 5, 12) + 4, address);
}

static void madt_x2apic(struct madt_builder *b, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	uint64_t e = madt_entry(b, 9, 16);

	put32(e + 4, x2apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void madt_x2apic_nmi(struct madt_builder *b, uint16_t flags, uint32_t uid, uint8_t lint)
{
	uint64_t e = madt_entry(b, 10, 12);

	put16(e + 2, flags);
	put32(e + 4, uid);
	put8(e + 8, lint);
}

static void madt_end(struct madt_builder *b)
{
	finish_table(b->at, b->length);
}

/* HPET: block id 36, base address GAS at 40 (space, width, offset, size, address at 44),
 * number 52, minimum tick 53, page protection 55; 56 bytes. */
static void put_hpet(uint64_t at, uint8_t space, uint64_t base)
{
	put_header(at, "HPET", 1);
	put32(at + 36, 0x8086a201);
	put8(at + 40, space);
	put8(at + 41, 64);
	put64(at + 44, base);
	put8(at + 52, 0);
	put16(at + 53, 128);
	finish_table(at, 56);
}

/* FADT: SCI 46, PM_TMR_BLK 76, PM_TMR_LEN 91, IAPC_BOOT_ARCH 109, flags 112,
 * RESET_REG GAS 116 (address at 120), RESET_VALUE 128. QEMU's q35 values. */
static void put_fadt(uint64_t at, uint32_t length, uint32_t flags)
{
	put_header(at, "FACP", length >= 244 ? 3 : 1);
	put16(at + 46, 9);
	put32(at + 76, 0x608);
	put8(at + 91, 4);
	put16(at + 109, 0x0003); /* legacy devices, 8042 */
	put32(at + 112, flags);
	if (length >= 129) {
		put8(at + 116, 1); /* I/O space */
		put8(at + 117, 8);
		put64(at + 120, 0xcf9);
		put8(at + 128, 0x06);
	}
	finish_table(at, length);
}

#define FADT_FLAGS_QEMU ((1U << 8) | (1U << 10)) /* TMR_VAL_EXT, RESET_REG_SUP */

/* A MADT like QEMU's for `cpus` CPUs: one I/O APIC, IRQ0 -> GSI 2, PCI IRQs level-triggered. */
static void put_qemu_madt(uint64_t at, unsigned int cpus)
{
	struct madt_builder b = madt_begin(at, 3, 1);

	for (unsigned int i = 0; i < cpus; i++)
		madt_lapic(&b, i, i, 1);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	madt_override(&b, 0, 2, 0);
	madt_override(&b, 5, 5, 0xd);
	madt_override(&b, 9, 9, 0xd); /* QEMU: active high, level */
	madt_override(&b, 10, 10, 0xd);
	madt_override(&b, 11, 11, 0xf); /* active low, level, as on many real boards */
	madt_lapic_nmi(&b, 0xff, 0, 1);
	madt_end(&b);
}

/* The RSDT form of a whole image: RSDT -> MADT, HPET, FADT. Returns the RSDP address. */
static uint64_t put_v1_image(unsigned int cpus)
{
	uint32_t tables[] = {FADT, MADT, HPET};

	put_qemu_madt(MADT, cpus);
	put_hpet(HPET, 0, 0xfed00000);
	put_fadt(FADT, 244, FADT_FLAGS_QEMU);
	put_rsdt(RSDT, tables, 3);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	return RSDP_BIOS;
}

/* The same tables also listed in an XSDT, with an ACPI 2.0 RSDP. */
static uint64_t put_v2_image(unsigned int cpus)
{
	uint64_t tables[] = {FADT, MADT, HPET};

	put_v1_image(cpus);
	put_xsdt(XSDT, tables, 3);
	put_rsdp(RSDP_BIOS, 2, RSDT, XSDT);
	return RSDP_BIOS;
}

static int parse(uint64_t rsdp, struct acpi_info *info)
{
	memset(info, 0xa5, sizeof(*info)); /* show that the parser initialises everything */
	return acpi_parse(rsdp, FAKE_SIZE, info);
}

/* ---- finding the RSDP ---- */

static void test_find_rsdp_in_ebda(void **state)
{
	uint64_t found = 0;

	(void)state;
	put16(0x40e, EBDA_SEGMENT);
	put_rsdp(EBDA + 0x40, 2, RSDT, XSDT);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), 0);
	assert_int_equal(found, EBDA + 0x40); /* the EBDA is searched first */
}

static void test_find_rsdp_in_bios_area(void **state)
{
	uint64_t found = 0;

	(void)state;
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), 0);
	assert_int_equal(found, RSDP_BIOS);

	/* The last 16-byte slot where a 20-byte RSDP fits below 1 MiB. */
	memset(mem + RSDP_BIOS, 0, 20);
	put_rsdp(0xfffe0, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), 0);
	assert_int_equal(found, 0xfffe0);
}

static void test_find_rsdp_skips_bad_candidates(void **state)
{
	uint64_t found = 0;

	(void)state;
	put_rsdp(0xe0000, 0, RSDT, 0);
	mem[0xe0000 + 8] ^= 1; /* ACPI 1.0 checksum wrong */
	put_rsdp(0xe0040, 2, RSDT, XSDT);
	mem[0xe0040 + 32] ^= 1;	       /* extended checksum wrong */
	put_rsdp(0xe0088, 0, RSDT, 0); /* valid, but not on a 16-byte boundary */
	put_rsdp(0xe00a0, 2, RSDT, XSDT);
	put32(0xe00a0 + 20, 300); /* longer than any RSDP could be, though its sums are right */
	fix_checksum(0xe00a0, 20, 0xe00a0 + 8);
	fix_checksum(0xe00a0, 300, 0xe00a0 + 32);
	put_rsdp(0xe0200, 2, RSDT, XSDT);
	assert_int_equal(acpi_find_rsdp(&found), 0);
	assert_int_equal(found, 0xe0200);
}

static void test_find_rsdp_not_found(void **state)
{
	uint64_t found = 0x1234;

	(void)state;
	assert_int_equal(acpi_find_rsdp(&found), ACPI_ERR_NOT_FOUND);
	assert_int_equal(found, 0x1234);

	put_rsdp(0xe0008, 0, RSDT, 0); /* misaligned only */
	assert_int_equal(acpi_find_rsdp(&found), ACPI_ERR_NOT_FOUND);

	/* An EBDA pointer into the BIOS data area or the video hole is not believed. */
	put16(0x40e, 0x0010);
	put_rsdp(0x100, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), ACPI_ERR_NOT_FOUND);
	put16(0x40e, 0xa000);
	put_rsdp(0xa0000, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), ACPI_ERR_NOT_FOUND);

	/* Only the first KiB of a good EBDA is searched. */
	put16(0x40e, 0x9000);
	put_rsdp(0x90400, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), ACPI_ERR_NOT_FOUND);
	put_rsdp(0x903f0, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), ACPI_ERR_NOT_FOUND); /* 20 bytes do not fit */
	put_rsdp(0x903e0, 0, RSDT, 0);
	assert_int_equal(acpi_find_rsdp(&found), 0);
	assert_int_equal(found, 0x903e0);
}

/* ---- well-formed images ---- */

static void test_parse_rsdt_v1_one_cpu(void **state)
{
	struct acpi_info info;

	(void)state;
	assert_int_equal(parse(put_v1_image(1), &info), 0);
	assert_int_equal(info.rsdp_revision, 0);
	assert_false(info.used_xsdt);
	assert_int_equal(info.tables_found,
			 ACPI_TABLE_ROOT | ACPI_TABLE_MADT | ACPI_TABLE_HPET | ACPI_TABLE_FADT);
	assert_int_equal(info.bad_checksums, 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.lapic_address, 0xfee00000);
	assert_true(info.pcat_compat);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.cpus[0].processor_uid, 0);
	assert_true(info.cpus[0].enabled);
	assert_false(info.cpus[0].x2apic);
	assert_int_equal(info.cpus_unusable, 0);
	assert_int_equal(info.ioapic_count, 1);
	assert_int_equal(info.ioapics[0].id, 0);
	assert_int_equal(info.ioapics[0].address, 0xfec00000);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
}

static void test_parse_xsdt_v2_qemu_like(void **state)
{
	struct acpi_info info;

	(void)state;
	assert_int_equal(parse(put_v2_image(2), &info), 0);
	assert_int_equal(info.rsdp_revision, 2);
	assert_true(info.used_xsdt);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[1].apic_id, 1);
	assert_int_equal(info.cpus[1].processor_uid, 1);
	assert_int_equal(info.override_count, 5);
	assert_int_equal(info.overrides[0].bus, 0);
	assert_int_equal(info.overrides[0].source_irq, 0);
	assert_int_equal(info.overrides[0].gsi, 2);
	assert_int_equal(info.overrides[0].flags, 0);
	assert_int_equal(info.overrides[2].source_irq, 9);
	assert_int_equal(info.overrides[2].gsi, 9);
	assert_int_equal(info.overrides[2].flags, ACPI_POLARITY_HIGH | ACPI_TRIGGER_LEVEL);
	assert_int_equal(info.lapic_nmi_count, 1);
	assert_int_equal(info.lapic_nmis[0].processor_uid, ACPI_UID_ALL);
	assert_int_equal(info.lapic_nmis[0].lint, 1);

	assert_int_equal(info.hpet_address, 0xfed00000);
	assert_int_equal(info.hpet_block_id, 0x8086a201);
	assert_int_equal(info.hpet_number, 0);
	assert_int_equal(info.hpet_min_tick, 128);

	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_true(info.pm_timer_32bit);
	assert_int_equal(info.boot_arch, 3);
	assert_true(info.reset_supported);
	assert_int_equal(info.reset_space, ACPI_SPACE_IO);
	assert_int_equal(info.reset_address, 0xcf9);
	assert_int_equal(info.reset_value, 6);
}

static void test_parse_prefers_xsdt(void **state)
{
	struct acpi_info info;
	uint64_t xsdt_tables[] = {MADT2};

	(void)state;
	put_v1_image(1); /* the RSDT leads to a one-CPU MADT */
	put_qemu_madt(MADT2, 4);
	put_xsdt(XSDT, xsdt_tables, 1);
	put_rsdp(RSDP_BIOS, 2, RSDT, XSDT);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_true(info.used_xsdt);
	assert_int_equal(info.cpu_count, 4);
	assert_int_equal(info.tables_found, ACPI_TABLE_ROOT | ACPI_TABLE_MADT);

	/* Revision 2 with no XSDT address: the RSDT. */
	put_rsdp(RSDP_BIOS, 2, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_false(info.used_xsdt);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.warnings, 0);
}

static void test_parse_cpus_enabled_disabled_online_capable(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 5, 0);

	(void)state;
	madt_lapic(&b, 0, 0, 1); /* enabled */
	madt_lapic(&b, 1, 1, 0); /* neither: ignored */
	madt_lapic(&b, 2, 2, 2); /* online-capable: recorded, not enabled */
	madt_lapic(&b, 3, 3, 1);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_false(info.pcat_compat);
	assert_int_equal(info.cpu_count, 3);
	assert_int_equal(info.cpus_unusable, 1);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_true(info.cpus[0].enabled);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_false(info.cpus[1].enabled);
	assert_int_equal(info.cpus[2].apic_id, 3);
	assert_true(info.cpus[2].enabled);

	/* Before MADT revision 5 bit 1 was reserved: an entry with only that bit is unusable. */
	put8(MADT + 8, 4);
	finish_table(MADT, b.length);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus_unusable, 2);
	assert_int_equal(info.cpus[1].apic_id, 3);
}

static void test_parse_x2apic_entries(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	madt_lapic(&b, 0, 0, 1);
	madt_x2apic(&b, 0, 1, 0);     /* the same CPU again as an x2APIC: not counted twice */
	madt_x2apic(&b, 300, 1, 300); /* IDs past 254 need x2APIC entries */
	madt_x2apic(&b, 301, 0, 301); /* disabled */
	madt_x2apic(&b, 0x10000, 1, 0x7000);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.cpu_count, 3);
	assert_int_equal(info.cpus_unusable, 1);
	assert_false(info.cpus[0].x2apic);
	assert_int_equal(info.cpus[1].apic_id, 300);
	assert_int_equal(info.cpus[1].processor_uid, 300);
	assert_true(info.cpus[1].x2apic);
	assert_true(info.cpus[1].enabled);
	assert_int_equal(info.cpus[2].apic_id, 0x10000);
	assert_int_equal(info.cpus[2].processor_uid, 0x7000);
}

static void test_parse_two_ioapics_and_nmis(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	madt_lapic(&b, 0, 0, 1);
	madt_ioapic(&b, 8, 0xfec00000, 0);
	madt_ioapic(&b, 9, 0xfec01000, 24);
	madt_nmi_source(&b, 0xd, 40);
	madt_lapic_nmi(&b, 0xff, 0x5, 1);
	madt_lapic_nmi(&b, 2, 0, 0);
	madt_x2apic_nmi(&b, 0xf, 0xffffffff, 1);
	madt_x2apic_nmi(&b, 0, 300, 0);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.ioapic_count, 2);
	assert_int_equal(info.ioapics[0].id, 8);
	assert_int_equal(info.ioapics[1].id, 9);
	assert_int_equal(info.ioapics[1].address, 0xfec01000);
	assert_int_equal(info.ioapics[1].gsi_base, 24);
	assert_int_equal(info.nmi_source_count, 1);
	assert_int_equal(info.nmi_sources[0].gsi, 40);
	assert_int_equal(info.nmi_sources[0].flags, 0xd);
	assert_int_equal(info.lapic_nmi_count, 4);
	assert_int_equal(info.lapic_nmis[0].processor_uid, ACPI_UID_ALL);
	assert_int_equal(info.lapic_nmis[0].flags, 5);
	assert_int_equal(info.lapic_nmis[1].processor_uid, 2);
	assert_int_equal(info.lapic_nmis[1].lint, 0);
	assert_int_equal(info.lapic_nmis[2].processor_uid, ACPI_UID_ALL);
	assert_int_equal(info.lapic_nmis[2].flags, 0xf);
	assert_int_equal(info.lapic_nmis[2].lint, 1);
	assert_int_equal(info.lapic_nmis[3].processor_uid, 300);
}

static void test_lapic_address_override(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	madt_lapic_override(&b, 0x1fee00000ULL); /* the header field follows, in reading order */
	madt_lapic(&b, 0, 0, 1);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.lapic_address, 0x1fee00000ULL);
	assert_int_equal(info.cpu_count, 1);
}

static void test_irq_to_gsi(void **state)
{
	struct acpi_info info;
	uint16_t flags = 0xffff;

	(void)state;
	assert_int_equal(parse(put_v2_image(1), &info), 0);
	assert_int_equal(acpi_irq_to_gsi(&info, 0, &flags), 2);
	assert_int_equal(flags, 0);
	assert_int_equal(acpi_irq_to_gsi(&info, 9, &flags), 9);
	assert_int_equal(flags, ACPI_POLARITY_HIGH | ACPI_TRIGGER_LEVEL);
	assert_int_equal(acpi_irq_to_gsi(&info, 11, &flags), 11);
	assert_int_equal(flags & ACPI_POLARITY_MASK, ACPI_POLARITY_LOW);
	assert_int_equal(flags & ACPI_TRIGGER_MASK, ACPI_TRIGGER_LEVEL);
	flags = 0xffff;
	assert_int_equal(acpi_irq_to_gsi(&info, 4, &flags), 4);
	assert_int_equal(flags, 0);
	assert_int_equal(acpi_irq_to_gsi(&info, 1, NULL), 1);

	/* Only ISA (bus 0) overrides apply. */
	info.overrides[1].bus = 1;
	flags = 0xffff;
	assert_int_equal(acpi_irq_to_gsi(&info, 5, &flags), 5);
	assert_int_equal(flags, 0);
	info.overrides[1].bus = 0;
	info.overrides[1].gsi = 21;
	assert_int_equal(acpi_irq_to_gsi(&info, 5, NULL), 21);
}

static void test_too_many_cpus(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	for (unsigned int i = 0; i < ACPI_MAX_CPUS; i++)
		madt_x2apic(&b, i, 1, i);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS); /* exactly full is not an overflow */
	assert_int_equal(info.warnings, 0);

	for (unsigned int i = ACPI_MAX_CPUS; i < 70; i++)
		madt_lapic(&b, i, i, 1);
	madt_ioapic(&b, 1, 0xfec00000, 0); /* entries after the overflow are still read */
	madt_end(&b);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.cpu_count, ACPI_MAX_CPUS);
	assert_int_equal(info.warnings, ACPI_WARN_ENTRIES_DROPPED);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(info.ioapic_count, 1);
}

static void test_too_many_ioapics_and_overrides(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	for (unsigned int i = 0; i <= ACPI_MAX_IOAPICS; i++)
		madt_ioapic(&b, i, 0xfec00000 + 0x1000 * i, 24 * i);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.ioapic_count, ACPI_MAX_IOAPICS);
	assert_int_equal(info.ioapics[ACPI_MAX_IOAPICS - 1].gsi_base, 24 * (ACPI_MAX_IOAPICS - 1));
	assert_int_equal(info.warnings, ACPI_WARN_ENTRIES_DROPPED);

	b = madt_begin(MADT, 4, 1);
	for (unsigned int i = 0; i <= ACPI_MAX_OVERRIDES; i++)
		madt_override(&b, i, i + 100, 0);
	madt_end(&b);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.override_count, ACPI_MAX_OVERRIDES);
	assert_int_equal(info.warnings, ACPI_WARN_ENTRIES_DROPPED);
	assert_int_equal(acpi_irq_to_gsi(&info, ACPI_MAX_OVERRIDES - 1, NULL),
			 ACPI_MAX_OVERRIDES - 1 + 100);
	assert_int_equal(acpi_irq_to_gsi(&info, ACPI_MAX_OVERRIDES, NULL), ACPI_MAX_OVERRIDES);

	b = madt_begin(MADT, 4, 1);
	for (unsigned int i = 0; i <= ACPI_MAX_LAPIC_NMIS; i++)
		madt_lapic_nmi(&b, i, 0, 1);
	madt_end(&b);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.lapic_nmi_count, ACPI_MAX_LAPIC_NMIS);
	assert_int_equal(info.warnings, ACPI_WARN_ENTRIES_DROPPED);
}

static void test_hpet_variants(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {HPET};

	(void)state;
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);

	put_hpet(HPET, 1, 0xfed00000); /* registers claimed in I/O space: not usable */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.tables_found, ACPI_TABLE_ROOT);
	assert_int_equal(info.hpet_address, 0);
	assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);

	put_hpet(HPET, 0, 0xfed00000);
	finish_table(HPET, 55); /* one byte short */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.hpet_address, 0);
	assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);

	finish_table(HPET, 56);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.tables_found, ACPI_TABLE_ROOT | ACPI_TABLE_HPET);
	assert_int_equal(info.hpet_address, 0xfed00000);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.cpu_count, 0); /* no MADT: nothing invented */
}

static void test_fadt_variants(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {FADT};

	(void)state;
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);

	/* An ACPI 1.0 FADT has no reset register even if the flag claims one. */
	put_fadt(FADT, 116, FADT_FLAGS_QEMU);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.tables_found, ACPI_TABLE_ROOT | ACPI_TABLE_FADT);
	assert_int_equal(info.sci_irq, 9);
	assert_int_equal(info.pm_timer_port, 0x608);
	assert_false(info.reset_supported);

	put_fadt(FADT, 244, 0); /* a 24-bit timer, no reset register */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_false(info.pm_timer_32bit);
	assert_false(info.reset_supported);
	put8(FADT + 91, 0); /* no PM timer */
	finish_table(FADT, 244);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.pm_timer_port, 0);

	put_fadt(FADT, 115, FADT_FLAGS_QEMU); /* shorter than any FADT */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.tables_found, ACPI_TABLE_ROOT);
	assert_int_equal(info.sci_irq, 0);
	assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);
}

static void test_rsdp_copy(void **state)
{
	struct acpi_info info;
	uint8_t copy[36];

	(void)state;
	put_v2_image(2);
	memcpy(copy, mem + RSDP_BIOS, sizeof(copy));
	memset(mem + RSDP_BIOS, 0, sizeof(copy)); /* only the copy is left */
	assert_int_equal(acpi_parse_rsdp_copy(copy, sizeof(copy), FAKE_SIZE, &info), 0);
	assert_true(info.used_xsdt);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(acpi_parse_rsdp_copy(copy, 35, FAKE_SIZE, &info), ACPI_ERR_BAD_LENGTH);
	assert_int_equal(acpi_parse_rsdp_copy(copy, 19, FAKE_SIZE, &info), ACPI_ERR_BAD_LENGTH);

	/* Multiboot 2's "old RSDP" tag carries the 20-byte ACPI 1.0 structure. */
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	memcpy(copy, mem + RSDP_BIOS, 20);
	assert_int_equal(acpi_parse_rsdp_copy(copy, 20, FAKE_SIZE, &info), 0);
	assert_false(info.used_xsdt);
	assert_int_equal(info.cpu_count, 2);
}

/* ---- hostile firmware ---- */

static void test_rsdp_bad_signature_and_checksum(void **state)
{
	struct acpi_info info;

	(void)state;
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_SIGNATURE);
	assert_int_equal(info.cpu_count, 0); /* initialised even on failure */
	assert_int_equal(info.tables_found, 0);

	put_v2_image(1);
	mem[RSDP_BIOS + 3] = 'X';
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_SIGNATURE);

	put_v2_image(1);
	mem[RSDP_BIOS + 9] ^= 0x20; /* OEM id changed, checksum not */
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_CHECKSUM);

	put_v2_image(1);
	mem[RSDP_BIOS + 33] ^= 1; /* reserved byte: only the extended checksum sees it */
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_CHECKSUM);
}

static void test_rsdp_bad_length(void **state)
{
	struct acpi_info info;
	const uint32_t lengths[] = {0, 20, 35, 257, 0xffffffff};

	(void)state;
	for (unsigned int i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		put_v2_image(1);
		put32(RSDP_BIOS + 20, lengths[i]);
		fix_checksum(RSDP_BIOS, 36, RSDP_BIOS + 32);
		assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_LENGTH);
	}
}

static void test_rsdp_outside_memory(void **state)
{
	struct acpi_info info;

	(void)state;
	assert_int_equal(parse(FAKE_SIZE + 0x1000, &info), ACPI_ERR_OUT_OF_RANGE);
	assert_int_equal(parse(FAKE_SIZE - 19, &info), ACPI_ERR_OUT_OF_RANGE);
	assert_int_equal(parse(UINT64_MAX - 8, &info), ACPI_ERR_OUT_OF_RANGE);

	/* A v2 RSDP with only 32 of its 36 bytes below the limit is cut short. */
	put_text(FAKE_SIZE - 32, "RSD PTR ");
	put8(FAKE_SIZE - 32 + 15, 2);
	put32(FAKE_SIZE - 32 + 20, 36);
	fix_checksum(FAKE_SIZE - 32, 20, FAKE_SIZE - 32 + 8);
	assert_int_equal(parse(FAKE_SIZE - 32, &info), ACPI_ERR_BAD_LENGTH);
}

static void test_root_bad_signature(void **state)
{
	struct acpi_info info;

	(void)state;
	put_v1_image(1);
	put_text(RSDT, "XSDT"); /* an XSDT where the RSDP promises an RSDT */
	finish_table(RSDT, 36 + 12);
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_SIGNATURE);
	assert_int_equal(info.cpu_count, 0);
}

static void test_root_bad_length(void **state)
{
	struct acpi_info info;
	const uint32_t lengths[] = {0, 35, ACPI_MAX_TABLE_LENGTH + 1, 0xffffffff};

	(void)state;
	for (unsigned int i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		put_v1_image(1);
		put32(RSDT + 4, lengths[i]);
		assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_LENGTH);
	}

	/* Plausible, but running past the end of memory. */
	put_v1_image(1);
	put_rsdt(FAKE_SIZE - 0x1000, NULL, 0);
	put32(FAKE_SIZE - 0x1000 + 4, 0x1004);
	put_rsdp(RSDP_BIOS, 0, FAKE_SIZE - 0x1000, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_OUT_OF_RANGE);
	put32(FAKE_SIZE - 0x1000 + 4, 0x1000); /* ending exactly at the limit is fine */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.bad_checksums, ACPI_TABLE_ROOT);
}

static void test_root_outside_memory(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};

	(void)state;
	put_qemu_madt(MADT, 1);
	put_rsdp(RSDP_BIOS, 0, 0xfffffff0, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_OUT_OF_RANGE);
	put_rsdp(RSDP_BIOS, 0, FAKE_SIZE - 20, 0); /* header straddles the end */
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_OUT_OF_RANGE);
	put_rsdp(RSDP_BIOS, 0, 0, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_NOT_FOUND);

	/* A valid RSDT above the caller's limit is not read at all. */
	put_rsdt(0x1f0000, tables, 1);
	put_rsdp(RSDP_BIOS, 0, 0x1f0000, 0);
	access_limit = 0x180000;
	assert_int_equal(acpi_parse(RSDP_BIOS, 0x180000, &info), ACPI_ERR_OUT_OF_RANGE);
	access_limit = FAKE_SIZE;
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.cpu_count, 1);
}

static void test_table_entries_outside_memory_are_skipped(void **state)
{
	struct acpi_info info;
	uint32_t rsdt_tables[] = {0, MADT};
	uint32_t bad_rsdt_tables[] = {0xfffffff0, FAKE_SIZE - 8, MADT};
	uint64_t xsdt_tables[] = {0xfffffffffffffff0ULL, 0x100000000ULL, MADT};

	(void)state;
	put_qemu_madt(MADT, 2);
	put_qemu_madt(0, 1);		/* bytes at physical 0 that happen to look like a MADT */
	put_rsdt(RSDT, rsdt_tables, 2); /* an empty slot is neither followed nor a fault */
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.cpu_count, 2);

	put_rsdt(RSDT, bad_rsdt_tables, 3);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);
	assert_int_equal(info.cpu_count, 2);

	put_xsdt(XSDT, xsdt_tables, 3);
	put_rsdp(RSDP_BIOS, 2, RSDT, XSDT);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_true(info.used_xsdt);
	assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);
	assert_int_equal(info.cpu_count, 2);
}

static void test_bad_checksums_are_reported_not_fatal(void **state)
{
	struct acpi_info info;

	(void)state;
	put_v2_image(2);
	mem[XSDT + 10] ^= 1;
	mem[MADT + 10] ^= 1;
	mem[HPET + 10] ^= 1;
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.bad_checksums, ACPI_TABLE_ROOT | ACPI_TABLE_MADT | ACPI_TABLE_HPET);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.hpet_address, 0xfed00000);
	assert_int_equal(info.sci_irq, 9);
}

static void test_xsdt_unusable_falls_back_to_rsdt(void **state)
{
	struct acpi_info info;

	(void)state;
	put_v2_image(2);
	put_text(XSDT, "XSDX");
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_false(info.used_xsdt);
	assert_int_equal(info.warnings, ACPI_WARN_XSDT_FALLBACK);
	assert_int_equal(info.cpu_count, 2);

	put_rsdp(RSDP_BIOS, 2, 0, XSDT); /* nothing to fall back to */
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_BAD_SIGNATURE);
	put_rsdp(RSDP_BIOS, 2, 0, 0x4000000000ULL);
	assert_int_equal(parse(RSDP_BIOS, &info), ACPI_ERR_OUT_OF_RANGE);
}

static void test_root_partial_entry_ignored(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT, HPET};

	(void)state;
	put_qemu_madt(MADT, 1);
	put_hpet(HPET, 0, 0xfed00000);
	put_rsdt(RSDT, tables, 2);
	finish_table(RSDT, 36 + 4 + 3); /* the HPET's address is cut to three bytes */
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.tables_found, ACPI_TABLE_ROOT | ACPI_TABLE_MADT);
	assert_int_equal(info.warnings, 0);
}

static void test_unknown_and_duplicate_tables(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {OTHER, MADT, MADT2};

	(void)state;
	put_header(OTHER, "SSDT", 2);
	put32(OTHER + 4, 0xffffffff); /* not ours to judge: never validated, never read */
	put_qemu_madt(MADT, 1);
	put_qemu_madt(MADT2, 4);
	put_rsdt(RSDT, tables, 3);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.cpu_count, 1); /* the first MADT wins */
	assert_int_equal(info.override_count, 5);
}

static void test_madt_bad_length(void **state)
{
	struct acpi_info info;
	const uint32_t lengths[] = {0, 36, 43, ACPI_MAX_TABLE_LENGTH + 1, FAKE_SIZE - MADT + 1};

	(void)state;
	for (unsigned int i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		put_v1_image(2);
		put32(MADT + 4, lengths[i]);
		assert_int_equal(parse(RSDP_BIOS, &info), 0);
		assert_int_equal(info.tables_found & ACPI_TABLE_MADT, 0);
		assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);
		assert_int_equal(info.cpu_count, 0);
		assert_int_equal(info.hpet_address, 0xfed00000); /* the other tables still count */
	}

	/* Over the size limit, though all of it lies in memory. */
	put_qemu_madt(0x1000, 2);
	put32(0x1000 + 4, ACPI_MAX_TABLE_LENGTH + 1);
	put_rsdt(RSDT, (uint32_t[]){0x1000}, 1);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, ACPI_WARN_TABLE_SKIPPED);
	assert_int_equal(info.cpu_count, 0);

	/* Exactly the header and the two fields: a MADT with no entries. */
	put_v1_image(2);
	finish_table(MADT, 44);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.tables_found & ACPI_TABLE_MADT, ACPI_TABLE_MADT);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.cpu_count, 0);
	assert_true(info.pcat_compat);
}

/* One CPU, then a bad entry, then a CPU that must not be reached. */
static void check_walk_stops(uint8_t type, uint8_t length)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	madt_lapic(&b, 0, 0, 1);
	madt_entry(&b, type, length);
	if (length < 2)
		b.length += 2 - length; /* the builder must still move on */
	madt_lapic(&b, 1, 1, 1);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, ACPI_WARN_MADT_MALFORMED);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_int_equal(info.tables_found & ACPI_TABLE_MADT, ACPI_TABLE_MADT);
}

static void test_madt_zero_length_entry(void **state)
{
	(void)state;
	check_walk_stops(0x7f, 0);
	check_walk_stops(0, 0);
	check_walk_stops(0x7f, 1);
}

static void test_madt_entry_shorter_than_its_type(void **state)
{
	(void)state;
	check_walk_stops(0, 7);	 /* local APIC needs 8 */
	check_walk_stops(1, 8);	 /* I/O APIC needs 12 */
	check_walk_stops(2, 9);	 /* override needs 10 */
	check_walk_stops(5, 11); /* address override needs 12 */
	check_walk_stops(9, 15); /* x2APIC needs 16 */
	check_walk_stops(10, 11);
}

static void test_madt_longer_entries_are_stepped_over(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	madt_lapic(&b, 0, 0, 1);
	put8(b.at + b.length - 7, 11); /* this entry grows by 3 bytes in some future revision */
	b.length += 3;
	madt_entry(&b, 0x42, 20); /* an unknown type, skipped by its length */
	madt_lapic(&b, 1, 1, 1);
	madt_end(&b);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.cpu_count, 2);
	assert_int_equal(info.cpus[1].apic_id, 1);
}

static void test_madt_entry_overruns_table(void **state)
{
	struct acpi_info info;
	uint32_t tables[] = {MADT};
	struct madt_builder b = madt_begin(MADT, 4, 1);

	(void)state;
	madt_lapic(&b, 0, 0, 1);
	madt_ioapic(&b, 0, 0xfec00000, 0);
	put_rsdt(RSDT, tables, 1);
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);

	finish_table(MADT, b.length - 6); /* the table ends inside the I/O APIC entry */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, ACPI_WARN_MADT_MALFORMED);
	assert_int_equal(info.cpu_count, 1);
	assert_int_equal(info.ioapic_count, 0);

	finish_table(MADT, b.length - 11); /* one byte of it: not even a length */
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, ACPI_WARN_MADT_MALFORMED);
	assert_int_equal(info.cpu_count, 1);

	put8(MADT + 44 + 8 + 1, 255); /* a length far past the end */
	finish_table(MADT, b.length);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, ACPI_WARN_MADT_MALFORMED);
	assert_int_equal(info.ioapic_count, 0);

	put8(MADT + 44 + 8 + 1, 12);
	finish_table(MADT, b.length);
	assert_int_equal(parse(RSDP_BIOS, &info), 0);
	assert_int_equal(info.warnings, 0);
	assert_int_equal(info.ioapic_count, 1);
}

static uint64_t next_random(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 33;
}

/*
 * Random MADTs, reproducible: entries of known and unknown types with random contents, and now
 * and then a random length byte. Whatever the bytes, the walk ends, stays inside the table (it
 * ends exactly at the end of fake memory, so ASan sees any overrun) and never overfills an array.
 */
static void test_random_madt_bodies(void **state)
{
	static const uint8_t types[] = {0, 1, 2, 3, 4, 5, 9, 10, 0x42};
	static const uint8_t sizes[] = {8, 12, 10, 8, 6, 12, 16, 12, 2};
	struct acpi_info info;
	uint32_t tables[1];
	uint64_t seed = 1;
	unsigned int malformed = 0, dropped = 0;

	(void)state;
	put_rsdp(RSDP_BIOS, 0, RSDT, 0);
	for (unsigned int round = 0; round < 2000; round++) {
		uint32_t length = 44, entries = next_random(&seed) % 100;

		for (uint32_t i = 0; i < entries; i++) {
			unsigned int kind = next_random(&seed) % sizeof(types);
			uint8_t size = sizes[kind] + next_random(&seed) % 3;

			if (next_random(&seed) % 64 == 0)
				size = next_random(&seed) % 256;
			mem[OTHER + length] = types[kind];
			mem[OTHER + length + 1] = size;
			for (unsigned int byte = 2; byte < size; byte++)
				mem[OTHER + length + byte] = next_random(&seed);
			length += size < 2 ? 2 : size;
		}
		if (length > 44 && next_random(&seed) % 4 == 0)
			length -= next_random(&seed) % (length - 44); /* cut the last entries */

		/* Move it to end exactly at the end of fake memory. */
		tables[0] = FAKE_SIZE - length;
		madt_begin(OTHER, 5, 1);
		memmove(mem + tables[0], mem + OTHER, length);
		finish_table(tables[0], length);
		put_rsdt(RSDT, tables, 1);

		assert_int_equal(parse(RSDP_BIOS, &info), 0);
		assert_true(info.tables_found & ACPI_TABLE_MADT);
		assert_true(info.cpu_count <= ACPI_MAX_CPUS);
		assert_true(info.ioapic_count <= ACPI_MAX_IOAPICS);
		assert_true(info.override_count <= ACPI_MAX_OVERRIDES);
		assert_true(info.nmi_source_count <= ACPI_MAX_NMI_SOURCES);
		assert_true(info.lapic_nmi_count <= ACPI_MAX_LAPIC_NMIS);
		malformed += !!(info.warnings & ACPI_WARN_MADT_MALFORMED);
		dropped += !!(info.warnings & ACPI_WARN_ENTRIES_DROPPED);
	}
	/* The generator reaches the interesting outcomes, and not only them. */
	print_message("# %u malformed, %u dropped of 2000\n", malformed, dropped);
	assert_true(malformed > 200 && malformed < 1800);
	assert_true(dropped > 50);
}

static void test_error_names(void **state)
{
	const int errors[] = {ACPI_ERR_NOT_FOUND, ACPI_ERR_BAD_SIGNATURE, ACPI_ERR_BAD_CHECKSUM,
			      ACPI_ERR_BAD_LENGTH, ACPI_ERR_OUT_OF_RANGE};
	const unsigned int count = sizeof(errors) / sizeof(errors[0]);

	(void)state;
	for (unsigned int i = 0; i < count; i++) {
		assert_string_not_equal(acpi_error_name(errors[i]), acpi_error_name(-99));
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(acpi_error_name(errors[i]),
						acpi_error_name(errors[j]));
	}
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_find_rsdp_in_ebda),
		TEST(test_find_rsdp_in_bios_area),
		TEST(test_find_rsdp_skips_bad_candidates),
		TEST(test_find_rsdp_not_found),
		TEST(test_parse_rsdt_v1_one_cpu),
		TEST(test_parse_xsdt_v2_qemu_like),
		TEST(test_parse_prefers_xsdt),
		TEST(test_parse_cpus_enabled_disabled_online_capable),
		TEST(test_parse_x2apic_entries),
		TEST(test_parse_two_ioapics_and_nmis),
		TEST(test_lapic_address_override),
		TEST(test_irq_to_gsi),
		TEST(test_too_many_cpus),
		TEST(test_too_many_ioapics_and_overrides),
		TEST(test_hpet_variants),
		TEST(test_fadt_variants),
		TEST(test_rsdp_copy),
		TEST(test_rsdp_bad_signature_and_checksum),
		TEST(test_rsdp_bad_length),
		TEST(test_rsdp_outside_memory),
		TEST(test_root_bad_signature),
		TEST(test_root_bad_length),
		TEST(test_root_outside_memory),
		TEST(test_table_entries_outside_memory_are_skipped),
		TEST(test_bad_checksums_are_reported_not_fatal),
		TEST(test_xsdt_unusable_falls_back_to_rsdt),
		TEST(test_root_partial_entry_ignored),
		TEST(test_unknown_and_duplicate_tables),
		TEST(test_madt_bad_length),
		TEST(test_madt_zero_length_entry),
		TEST(test_madt_entry_shorter_than_its_type),
		TEST(test_madt_longer_entries_are_stepped_over),
		TEST(test_madt_entry_overruns_table),
		TEST(test_random_madt_bodies),
		TEST(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
