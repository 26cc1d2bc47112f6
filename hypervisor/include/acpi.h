/*
 * ACPI table discovery: where the CPUs, I/O APICs, ISA interrupt overrides, HPET and the FADT's
 * fixed hardware are, read from the firmware's tables at boot.
 *
 * The parser only reads memory, never prints and never panics: firmware tables are treated as
 * untrusted input, and every physical address they contain is checked against a limit before it
 * is touched. The boot code finds the RSDP (acpi_find_rsdp, or the copy Multiboot 2 hands over),
 * calls acpi_parse or acpi_parse_rsdp_copy once, and prints what it needs from struct acpi_info,
 * including the warnings below.
 */
#ifndef PARVUS_ACPI_H
#define PARVUS_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 16
#define ACPI_MAX_NMI_SOURCES 4
#define ACPI_MAX_LAPIC_NMIS 8

/* A table larger than this is taken to be corrupt (real MADTs are a few KiB). */
#define ACPI_MAX_TABLE_LENGTH (1U << 20)

/*
 * Errors, as negative return values. Only faults that leave no usable root table are errors;
 * problems with individual tables are reported in acpi_info.warnings instead.
 */
enum acpi_error {
	ACPI_ERR_NOT_FOUND = -1,     /* no RSDP in the scanned areas, or it names no root table */
	ACPI_ERR_BAD_SIGNATURE = -2, /* the RSDP or the root table is not what it claims */
	ACPI_ERR_BAD_CHECKSUM = -3,  /* the RSDP's checksum is wrong (see the policy in acpi.c) */
	ACPI_ERR_BAD_LENGTH = -4,    /* a length shorter than the structure, or absurdly large */
	ACPI_ERR_OUT_OF_RANGE = -5,  /* the structure lies (partly) at or above phys_limit */
};

/* Bits of acpi_info.tables_found and acpi_info.bad_checksums. */
#define ACPI_TABLE_ROOT (1U << 0) /* the RSDT or XSDT */
#define ACPI_TABLE_MADT (1U << 1) /* signature "APIC" */
#define ACPI_TABLE_HPET (1U << 2)
#define ACPI_TABLE_FADT (1U << 3) /* signature "FACP" */

/* Bits of acpi_info.warnings: the parse went on, but something was ignored. */
#define ACPI_WARN_ENTRIES_DROPPED (1U << 0) /* an array below was full */
#define ACPI_WARN_MADT_MALFORMED (1U << 1)  /* MADT walk stopped at a bad entry length */
#define ACPI_WARN_TABLE_SKIPPED (1U << 2)   /* a root entry led out of range or to a bad table */
#define ACPI_WARN_XSDT_FALLBACK (1U << 3)   /* the XSDT was unusable; the RSDT was used instead */

/* MPS INTI flags of interrupt overrides and NMI entries. 0 in a field: "conforms to the bus". */
#define ACPI_POLARITY_MASK 0x3
#define ACPI_POLARITY_HIGH 0x1
#define ACPI_POLARITY_LOW 0x3
#define ACPI_TRIGGER_MASK 0xc
#define ACPI_TRIGGER_EDGE 0x4
#define ACPI_TRIGGER_LEVEL 0xc

/* processor_uid of a local APIC NMI entry that applies to every processor. */
#define ACPI_UID_ALL 0xffffffffU

/* Generic Address Structure address spaces (FADT reset register). */
#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1
#define ACPI_SPACE_PCI_CONFIG 2

struct acpi_cpu {
	uint32_t apic_id;	/* local APIC ID, or x2APIC ID for x2apic entries */
	uint32_t processor_uid; /* matches the Processor/Device objects of the AML namespace */
	bool enabled;		/* false: not running now, but online-capable (hot-pluggable) */
	bool x2apic;		/* came from a Processor Local x2APIC entry */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t address;  /* physical address of its register window */
	uint32_t gsi_base; /* the GSI of its input pin 0 */
};

struct acpi_override {
	uint8_t bus;	    /* 0 = ISA, the only bus the specification defines */
	uint8_t source_irq; /* the ISA IRQ */
	uint32_t gsi;	    /* the GSI it is wired to */
	uint16_t flags;	    /* ACPI_POLARITY_* | ACPI_TRIGGER_* */
};

struct acpi_nmi_source {
	uint32_t gsi;
	uint16_t flags;
};

struct acpi_lapic_nmi {
	uint32_t processor_uid; /* or ACPI_UID_ALL */
	uint16_t flags;
	uint8_t lint; /* local APIC LINT pin, 0 or 1 */
};

struct acpi_info {
	uint8_t rsdp_revision; /* 0: ACPI 1.0; 2 and above: ACPI 2.0 or later */
	bool used_xsdt;
	uint32_t tables_found;	/* ACPI_TABLE_* */
	uint32_t bad_checksums; /* ACPI_TABLE_*: used even though their checksum is wrong */
	uint32_t warnings;	/* ACPI_WARN_* */

	/* From the MADT. */
	uint64_t lapic_address; /* the 64-bit override entry wins over the header's field */
	bool pcat_compat;	/* dual 8259 PICs are present and must be masked */
	unsigned int cpu_count;
	unsigned int cpus_unusable; /* entries neither enabled nor online-capable: not recorded */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned int ioapic_count;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int override_count;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	unsigned int nmi_source_count;
	struct acpi_nmi_source nmi_sources[ACPI_MAX_NMI_SOURCES];
	unsigned int lapic_nmi_count;
	struct acpi_lapic_nmi lapic_nmis[ACPI_MAX_LAPIC_NMIS];

	/* From the HPET table (only when its registers are in memory space). */
	uint64_t hpet_address;
	uint32_t hpet_block_id; /* the general capabilities register's low 32 bits */
	uint8_t hpet_number;
	uint16_t hpet_min_tick;

	/* From the FADT. */
	uint16_t sci_irq;
	uint32_t pm_timer_port; /* I/O port of the ACPI PM timer, 0 if absent */
	bool pm_timer_32bit;	/* otherwise it is 24 bits wide */
	uint16_t boot_arch;	/* IA-PC boot architecture flags (legacy devices, 8042, ...) */
	bool reset_supported;
	uint8_t reset_space; /* ACPI_SPACE_* */
	uint64_t reset_address;
	uint8_t reset_value;
};

/*
 * Scan the first KiB of the EBDA and then 0xE0000-0xFFFFF for a valid RSDP. Assumes the low
 * megabyte is mapped. Returns 0 and the RSDP's physical address, or ACPI_ERR_NOT_FOUND.
 */
int acpi_find_rsdp(uint64_t *rsdp_phys);

/*
 * Parse the tables reached from the RSDP at rsdp_phys. Nothing at or above phys_limit is read:
 * the boot code passes the end of what the direct map covers (the low 4 GiB and all RAM).
 * Returns 0 (check out->warnings and out->bad_checksums) or an enum acpi_error; *out is always
 * initialised, and on success holds what was found even if some tables were absent.
 */
int acpi_parse(uint64_t rsdp_phys, uint64_t phys_limit, struct acpi_info *out);

/*
 * The same, from a copy of the RSDP len bytes long already in memory: Multiboot 2's ACPI tags
 * (types 14 and 15) carry one, which UEFI systems without a BIOS area need.
 */
int acpi_parse_rsdp_copy(const void *rsdp, size_t len, uint64_t phys_limit, struct acpi_info *out);

/*
 * The GSI an ISA IRQ is wired to: the interrupt source override for it if there is one, else
 * the same number. *flags (if not NULL) gets the override's flags, or 0 ("conforms to ISA":
 * active high, edge triggered).
 */
uint32_t acpi_irq_to_gsi(const struct acpi_info *info, unsigned int irq, uint16_t *flags);

/* A short English name of an enum acpi_error, for the caller's log line. */
const char *acpi_error_name(int error);

#endif
