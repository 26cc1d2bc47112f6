/*
 * ACPI table discovery: RSDP -> RSDT or XSDT -> MADT, HPET and FADT, condensed into one
 * struct acpi_info that the boot code reads to start CPUs and program interrupt routing.
 *
 * Invariant: no byte is read unless it lies below the caller's phys_limit and inside the
 * structure whose length was checked, so a corrupt table costs a warning, never a fault or an
 * endless loop. Only the boot path calls this, once, on the boot CPU.
 *
 * Checksum policy. The RSDP's checksums must be right: during the scan they are the only
 * evidence that "RSD PTR " is the real structure and not stray bytes. Every other table is
 * used despite a wrong checksum, and the table's bit is set in acpi_info.bad_checksums for the
 * caller to warn about: that is what Linux (ACPICA, unless built with ACPI_CHECKSUM_ABORT) does,
 * firmware that patches tables at boot sometimes forgets to fix the sum, and the signature and
 * length checks, not the checksum, are what keep the parser inside the table.
 */
#include <acpi.h>
#include <direct_map.h>

/* The table layouts of the ACPI specification (6.5, chapter 5.2). All little-endian. */

struct rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* the first 20 bytes sum to 0 */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	/* ACPI 2.0 and later: */
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* all `length` bytes sum to 0 */
	uint8_t reserved[3];
} __attribute__((packed));

#define RSDP_V1_LENGTH 20
#define RSDP_V2_LENGTH 36
#define RSDP_MAX_LENGTH 256 /* 36 in every version so far; leaves room for growth */

struct sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all `length` bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct madt {
	struct sdt_header header;
	uint32_t lapic_address;
	uint32_t flags;
	uint8_t entries[];
} __attribute__((packed));

#define MADT_PCAT_COMPAT (1U << 0)

enum madt_type {
	MADT_LOCAL_APIC = 0,
	MADT_IOAPIC = 1,
	MADT_INTERRUPT_OVERRIDE = 2,
	MADT_NMI_SOURCE = 3,
	MADT_LOCAL_APIC_NMI = 4,
	MADT_LOCAL_APIC_OVERRIDE = 5,
	MADT_LOCAL_X2APIC = 9,
	MADT_LOCAL_X2APIC_NMI = 10,
};

struct madt_local_apic {
	uint8_t type, length;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));

#define LAPIC_ENABLED (1U << 0)
#define LAPIC_ONLINE_CAPABLE (1U << 1) /* defined from MADT revision 5 (ACPI 6.3) */

struct madt_ioapic {
	uint8_t type, length;
	uint8_t id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_interrupt_override {
	uint8_t type, length;
	uint8_t bus;
	uint8_t source_irq;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_nmi_source {
	uint8_t type, length;
	uint16_t flags;
	uint32_t gsi;
} __attribute__((packed));

struct madt_local_apic_nmi {
	uint8_t type, length;
	uint8_t processor_uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

struct madt_local_apic_override {
	uint8_t type, length;
	uint16_t reserved;
	uint64_t address;
} __attribute__((packed));

struct madt_local_x2apic {
	uint8_t type, length;
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags; /* as for the local APIC */
	uint32_t processor_uid;
} __attribute__((packed));

struct madt_local_x2apic_nmi {
	uint8_t type, length;
	uint16_t flags;
	uint32_t processor_uid; /* 0xffffffff: all processors */
	uint8_t lint;
	uint8_t reserved[3];
} __attribute__((packed));

struct generic_address {
	uint8_t space_id; /* ACPI_SPACE_* */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

struct hpet_table {
	struct sdt_header header;
	uint32_t event_timer_block_id;
	struct generic_address base;
	uint8_t hpet_number;
	uint16_t min_tick;
	uint8_t page_protection;
} __attribute__((packed));

/* The FADT up to the fields Parvus uses. An ACPI 1.0 FADT ends at `flags` (116 bytes). */
struct fadt {
	struct sdt_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	/* ACPI 2.0 and later: */
	struct generic_address reset_reg;
	uint8_t reset_value;
} __attribute__((packed));

#define FADT_V1_LENGTH 116
#define FADT_TMR_VAL_EXT (1U << 8)
#define FADT_RESET_REG_SUP (1U << 10)

_Static_assert(sizeof(struct rsdp) == RSDP_V2_LENGTH, "RSDP layout");
_Static_assert(sizeof(struct sdt_header) == 36, "system description table header layout");
_Static_assert(sizeof(struct madt) == 44, "MADT layout");
_Static_assert(sizeof(struct madt_local_x2apic) == 16, "x2APIC entry layout");
_Static_assert(sizeof(struct madt_local_x2apic_nmi) == 12, "x2APIC NMI entry layout");
_Static_assert(sizeof(struct hpet_table) == 56, "HPET table layout");
_Static_assert(__builtin_offsetof(struct fadt, flags) == 112, "FADT layout");
_Static_assert(sizeof(struct fadt) == 129, "FADT layout");

static uint8_t sum_bytes(const void *data, size_t length)
{
	const uint8_t *byte = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < length; i++)
		sum += byte[i];
	return sum;
}

static bool same_bytes(const char *a, const char *b, size_t length)
{
	for (size_t i = 0; i < length; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* A pointer to physical [phys, phys + length), or NULL if any of it is at or above limit. */
static const void *map(uint64_t phys, uint64_t length, uint64_t limit)
{
	if (length > limit || phys > limit - length)
		return NULL;
	return phys_to_virt(phys);
}

/* Check an RSDP of which `available` bytes may be read. */
static int check_rsdp(const struct rsdp *rsdp, size_t available)
{
	if (available < RSDP_V1_LENGTH)
		return ACPI_ERR_BAD_LENGTH;
	if (!same_bytes(rsdp->signature, "RSD PTR ", 8))
		return ACPI_ERR_BAD_SIGNATURE;
	if (sum_bytes(rsdp, RSDP_V1_LENGTH) != 0)
		return ACPI_ERR_BAD_CHECKSUM;
	if (rsdp->revision < 2)
		return 0;
	if (available < RSDP_V2_LENGTH || rsdp->length < RSDP_V2_LENGTH ||
	    rsdp->length > available || rsdp->length > RSDP_MAX_LENGTH)
		return ACPI_ERR_BAD_LENGTH;
	if (sum_bytes(rsdp, rsdp->length) != 0)
		return ACPI_ERR_BAD_CHECKSUM;
	return 0;
}

/* The RSDP sits on a 16-byte boundary, wholly inside the area searched. */
static uint64_t scan_for_rsdp(uint64_t start, uint64_t end)
{
	for (uint64_t phys = start; phys + RSDP_V1_LENGTH <= end; phys += 16)
		if (check_rsdp(phys_to_virt(phys), end - phys) == 0)
			return phys;
	return 0;
}

int acpi_find_rsdp(uint64_t *rsdp_phys)
{
	/* The BIOS data area keeps the EBDA's real-mode segment at 0x40e. */
	const uint16_t *ebda_segment = phys_to_virt(0x40e);
	uint64_t ebda = (uint64_t)*ebda_segment << 4;
	uint64_t found = 0;

	/* A sane EBDA lies in conventional memory, below the 640 KiB video hole. */
	if (ebda >= 0x500 && ebda + 1024 <= 0xa0000)
		found = scan_for_rsdp(ebda, ebda + 1024);
	if (!found)
		found = scan_for_rsdp(0xe0000, 0x100000);
	if (!found)
		return ACPI_ERR_NOT_FOUND;
	*rsdp_phys = found;
	return 0;
}

/* Whether an array holding `count` of `max` entries can take one more; notes it if not. */
static bool room_for_one(struct acpi_info *out, unsigned int count, unsigned int max)
{
	if (count < max)
		return true;
	out->warnings |= ACPI_WARN_ENTRIES_DROPPED;
	return false;
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool online_capable_defined, bool x2apic)
{
	bool enabled = flags & LAPIC_ENABLED;
	bool online_capable = online_capable_defined && (flags & LAPIC_ONLINE_CAPABLE);

	if (!enabled && !online_capable) {
		out->cpus_unusable++;
		return;
	}
	/* Firmware may list a CPU both as a local APIC and as an x2APIC: keep the first. */
	for (unsigned int i = 0; i < out->cpu_count; i++)
		if (out->cpus[i].apic_id == apic_id)
			return;
	if (!room_for_one(out, out->cpu_count, ACPI_MAX_CPUS))
		return;
	out->cpus[out->cpu_count++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.processor_uid = uid,
		.enabled = enabled,
		.x2apic = x2apic,
	};
}

/* The smallest length an entry of each type may have; other types need only type and length. */
static const uint8_t madt_entry_min_length[] = {
	[MADT_LOCAL_APIC] = sizeof(struct madt_local_apic),
	[MADT_IOAPIC] = sizeof(struct madt_ioapic),
	[MADT_INTERRUPT_OVERRIDE] = sizeof(struct madt_interrupt_override),
	[MADT_NMI_SOURCE] = sizeof(struct madt_nmi_source),
	[MADT_LOCAL_APIC_NMI] = sizeof(struct madt_local_apic_nmi),
	[MADT_LOCAL_APIC_OVERRIDE] = sizeof(struct madt_local_apic_override),
	[MADT_LOCAL_X2APIC] = sizeof(struct madt_local_x2apic),
	[MADT_LOCAL_X2APIC_NMI] = sizeof(struct madt_local_x2apic_nmi),
};

static bool entry_too_short(uint8_t type, uint8_t length)
{
	if (type < sizeof(madt_entry_min_length) && madt_entry_min_length[type] != 0)
		return length < madt_entry_min_length[type];
	return length < 2;
}

static void add_lapic_nmi(struct acpi_info *out, uint32_t uid, uint16_t flags, uint8_t lint)
{
	if (room_for_one(out, out->lapic_nmi_count, ACPI_MAX_LAPIC_NMIS))
		out->lapic_nmis[out->lapic_nmi_count++] =
			(struct acpi_lapic_nmi){.processor_uid = uid, .flags = flags, .lint = lint};
}

/* Record one MADT entry, already known to be at least madt_entry_min_length(type) long. */
static void parse_madt_entry(const uint8_t *entry, bool online_capable_defined,
			     struct acpi_info *out)
{
	switch (entry[0]) {
	case MADT_LOCAL_APIC: {
		const struct madt_local_apic *e = (const void *)entry;

		add_cpu(out, e->apic_id, e->processor_uid, e->flags, online_capable_defined, false);
		break;
	}
	case MADT_LOCAL_X2APIC: {
		const struct madt_local_x2apic *e = (const void *)entry;

		add_cpu(out, e->x2apic_id, e->processor_uid, e->flags, online_capable_defined,
			true);
		break;
	}
	case MADT_IOAPIC: {
		const struct madt_ioapic *e = (const void *)entry;

		if (!room_for_one(out, out->ioapic_count, ACPI_MAX_IOAPICS))
			break;
		out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){
			.id = e->id, .address = e->address, .gsi_base = e->gsi_base};
		break;
	}
	case MADT_INTERRUPT_OVERRIDE: {
		const struct madt_interrupt_override *e = (const void *)entry;

		struct acpi_override *o = &out->overrides[out->override_count];

		if (!room_for_one(out, out->override_count, ACPI_MAX_OVERRIDES))
			break;
		o->bus = e->bus;
		o->source_irq = e->source_irq;
		o->gsi = e->gsi;
		o->flags = e->flags;
		out->override_count++;
		break;
	}
	case MADT_NMI_SOURCE: {
		const struct madt_nmi_source *e = (const void *)entry;

		if (!room_for_one(out, out->nmi_source_count, ACPI_MAX_NMI_SOURCES))
			break;
		out->nmi_sources[out->nmi_source_count++] =
			(struct acpi_nmi_source){.gsi = e->gsi, .flags = e->flags};
		break;
	}
	case MADT_LOCAL_APIC_NMI: {
		const struct madt_local_apic_nmi *e = (const void *)entry;
		uint32_t uid = e->processor_uid == 0xff ? ACPI_UID_ALL : e->processor_uid;

		add_lapic_nmi(out, uid, e->flags, e->lint);
		break;
	}
	case MADT_LOCAL_X2APIC_NMI: {
		const struct madt_local_x2apic_nmi *e = (const void *)entry;

		add_lapic_nmi(out, e->processor_uid, e->flags, e->lint);
		break;
	}
	case MADT_LOCAL_APIC_OVERRIDE: {
		const struct madt_local_apic_override *e = (const void *)entry;

		out->lapic_address = e->address;
		break;
	}
	default:
		break; /* a type Parvus does not use (GIC, SAPIC, wakeup mailbox, ...) */
	}
}

/*
 * Walk the MADT's variable-length entries. An entry too short for its type, or running past
 * the table's end, stops the walk: the length byte can no longer be trusted to find the next
 * entry, and a zero length would otherwise never advance.
 */
static void parse_madt(const struct madt *madt, uint32_t length, struct acpi_info *out)
{
	const uint8_t *entry = madt->entries;
	uint32_t left = length - sizeof(*madt);
	bool online_capable_defined = madt->header.revision >= 5;

	/* The header's address is overridden by a type 5 entry, wherever that appears. */
	out->lapic_address = madt->lapic_address;
	out->pcat_compat = madt->flags & MADT_PCAT_COMPAT;

	while (left > 0) {
		if (left < 2 || entry_too_short(entry[0], entry[1]) || entry[1] > left) {
			out->warnings |= ACPI_WARN_MADT_MALFORMED;
			return;
		}
		parse_madt_entry(entry, online_capable_defined, out);
		left -= entry[1];
		entry += entry[1];
	}
}

static void parse_hpet(const struct hpet_table *hpet, struct acpi_info *out)
{
	if (hpet->base.space_id != ACPI_SPACE_MEMORY || hpet->base.address == 0) {
		out->warnings |= ACPI_WARN_TABLE_SKIPPED;
		return;
	}
	out->tables_found |= ACPI_TABLE_HPET;
	out->hpet_address = hpet->base.address;
	out->hpet_block_id = hpet->event_timer_block_id;
	out->hpet_number = hpet->hpet_number;
	out->hpet_min_tick = hpet->min_tick;
}

static void parse_fadt(const struct fadt *fadt, uint32_t length, struct acpi_info *out)
{
	out->tables_found |= ACPI_TABLE_FADT;
	out->sci_irq = fadt->sci_int;
	if (fadt->pm_tmr_len == 4)
		out->pm_timer_port = fadt->pm_tmr_blk;
	out->pm_timer_32bit = fadt->flags & FADT_TMR_VAL_EXT;
	out->boot_arch = fadt->iapc_boot_arch;
	if (length >= sizeof(*fadt) && (fadt->flags & FADT_RESET_REG_SUP)) {
		out->reset_supported = true;
		out->reset_space = fadt->reset_reg.space_id;
		out->reset_address = fadt->reset_reg.address;
		out->reset_value = fadt->reset_value;
	}
}

/* Look at the table at phys; parse it if it is one Parvus uses and has not seen yet. */
static void visit_table(uint64_t phys, uint64_t limit, struct acpi_info *out)
{
	const struct sdt_header *header;
	uint32_t length, bit, min_length;

	if (phys == 0)
		return; /* an empty slot, which some firmware leaves */
	header = map(phys, sizeof(*header), limit);
	if (!header) {
		out->warnings |= ACPI_WARN_TABLE_SKIPPED;
		return;
	}
	if (same_bytes(header->signature, "APIC", 4)) {
		bit = ACPI_TABLE_MADT;
		min_length = sizeof(struct madt);
	} else if (same_bytes(header->signature, "HPET", 4)) {
		bit = ACPI_TABLE_HPET;
		min_length = sizeof(struct hpet_table);
	} else if (same_bytes(header->signature, "FACP", 4)) {
		bit = ACPI_TABLE_FADT;
		min_length = FADT_V1_LENGTH;
	} else {
		return;
	}
	if (out->tables_found & bit)
		return; /* the first of duplicates wins */
	length = header->length;
	if (length < min_length || length > ACPI_MAX_TABLE_LENGTH || !map(phys, length, limit)) {
		out->warnings |= ACPI_WARN_TABLE_SKIPPED;
		return;
	}
	if (sum_bytes(header, length) != 0)
		out->bad_checksums |= bit;
	if (bit == ACPI_TABLE_MADT) {
		out->tables_found |= bit;
		parse_madt((const struct madt *)header, length, out);
	} else if (bit == ACPI_TABLE_HPET) {
		parse_hpet((const struct hpet_table *)header, out);
	} else {
		parse_fadt((const struct fadt *)header, length, out);
	}
}

/* Check the RSDT (entry_size 4) or XSDT (entry_size 8) at phys, then visit every table in it. */
static int walk_root(uint64_t phys, unsigned int entry_size, uint64_t limit, struct acpi_info *out)
{
	const struct sdt_header *root = map(phys, sizeof(*root), limit);
	const uint8_t *entry;
	uint32_t length;

	if (!root)
		return ACPI_ERR_OUT_OF_RANGE;
	if (!same_bytes(root->signature, entry_size == 8 ? "XSDT" : "RSDT", 4))
		return ACPI_ERR_BAD_SIGNATURE;
	if (root->length < sizeof(*root) || root->length > ACPI_MAX_TABLE_LENGTH)
		return ACPI_ERR_BAD_LENGTH;
	length = root->length;
	if (!map(phys, length, limit))
		return ACPI_ERR_OUT_OF_RANGE;
	if (sum_bytes(root, length) != 0)
		out->bad_checksums |= ACPI_TABLE_ROOT;
	out->tables_found |= ACPI_TABLE_ROOT;

	/* Entries follow the header, unaligned; a partial entry at the end is ignored. */
	entry = (const uint8_t *)(root + 1);
	for (uint32_t i = 0; i < (length - sizeof(*root)) / entry_size; i++, entry += entry_size) {
		uint64_t table = 0;

		for (unsigned int byte = 0; byte < entry_size; byte++)
			table |= (uint64_t)entry[byte] << (8 * byte);
		visit_table(table, limit, out);
	}
	return 0;
}

int acpi_parse_rsdp_copy(const void *rsdp_copy, size_t len, uint64_t phys_limit,
			 struct acpi_info *out)
{
	const struct rsdp *rsdp = rsdp_copy;
	int error;

	*out = (struct acpi_info){0};
	error = check_rsdp(rsdp, len);
	if (error)
		return error;
	out->rsdp_revision = rsdp->revision;

	/* ACPI 2.0 and later: the XSDT supersedes the RSDT; fall back if it is unusable. */
	if (rsdp->revision >= 2 && rsdp->xsdt_address != 0) {
		error = walk_root(rsdp->xsdt_address, 8, phys_limit, out);
		if (error == 0) {
			out->used_xsdt = true;
			return 0;
		}
		if (rsdp->rsdt_address == 0)
			return error;
		out->warnings |= ACPI_WARN_XSDT_FALLBACK;
	}
	if (rsdp->rsdt_address == 0)
		return ACPI_ERR_NOT_FOUND;
	return walk_root(rsdp->rsdt_address, 4, phys_limit, out);
}

int acpi_parse(uint64_t rsdp_phys, uint64_t phys_limit, struct acpi_info *out)
{
	uint64_t available;

	if (!map(rsdp_phys, RSDP_V1_LENGTH, phys_limit)) {
		*out = (struct acpi_info){0};
		return ACPI_ERR_OUT_OF_RANGE;
	}
	available = phys_limit - rsdp_phys;
	if (available > RSDP_MAX_LENGTH)
		available = RSDP_MAX_LENGTH;
	return acpi_parse_rsdp_copy(phys_to_virt(rsdp_phys), available, phys_limit, out);
}

uint32_t acpi_irq_to_gsi(const struct acpi_info *info, unsigned int irq, uint16_t *flags)
{
	for (unsigned int i = 0; i < info->override_count; i++) {
		const struct acpi_override *o = &info->overrides[i];

		if (o->bus == 0 && o->source_irq == irq) {
			if (flags)
				*flags = o->flags;
			return o->gsi;
		}
	}
	if (flags)
		*flags = 0;
	return irq;
}

const char *acpi_error_name(int error)
{
	static const char *const names[] = {
		[0] = "success",
		[-ACPI_ERR_NOT_FOUND] = "not found",
		[-ACPI_ERR_BAD_SIGNATURE] = "bad signature",
		[-ACPI_ERR_BAD_CHECKSUM] = "bad checksum",
		[-ACPI_ERR_BAD_LENGTH] = "bad length",
		[-ACPI_ERR_OUT_OF_RANGE] = "outside mapped memory",
	};

	if (error > 0 || -error >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown error";
	return names[-error];
}
