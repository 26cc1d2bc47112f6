/*
 * Reading the Multiboot 1 information block or the Multiboot 2 tag list into a struct
 * boot_info. The layouts are those of the Multiboot specifications. A bootloader is trusted
 * to tell the truth, but we still check every length and count against what we can hold,
 * so a malformed block gives an error message, not a fault.
 */
#include <boot_info.h>
#include <direct_map.h>
#include <string.h>

/* Multiboot 1 information block. */
struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
} __attribute__((packed));

#define MB1_INFO_MEMORY (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MODULES (1u << 3)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

struct mb1_module {
	uint32_t start, end, cmdline, reserved;
} __attribute__((packed));

struct mb1_mmap_entry {
	uint32_t size; /* of the rest of the entry */
	uint64_t addr, length;
	uint32_t type;
} __attribute__((packed));

/* Multiboot 2 tags. */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
	uint32_t type, size;
} __attribute__((packed));

#define MB2_MAX_INFO_SIZE (1u << 20)

static void copy_string(char *target, size_t size, uint64_t phys)
{
	const char *source = phys_to_virt(phys);
	size_t length = strnlen(source, size - 1);

	memcpy(target, source, length);
	target[length] = '\0';
}

static void add_region(struct boot_info *info, uint64_t start, uint64_t length, uint32_t type)
{
	if (length == 0)
		return;
	if (info->nr_regions == BOOT_MAX_REGIONS) {
		info->regions_truncated = true;
		return;
	}
	info->regions[info->nr_regions++] = (struct memory_region){start, length, type};
}

static void add_module(struct boot_info *info, uint64_t start, uint64_t end, const char *cmdline,
		       size_t cmdline_max)
{
	if (info->nr_modules == BOOT_MAX_MODULES) {
		info->modules_truncated = true;
		return;
	}
	struct boot_module *m = &info->modules[info->nr_modules++];
	size_t length = strnlen(cmdline, cmdline_max);

	if (length >= sizeof(m->cmdline))
		length = sizeof(m->cmdline) - 1;
	m->start = start;
	m->end = end;
	memcpy(m->cmdline, cmdline, length);
	m->cmdline[length] = '\0';
}

static int parse_multiboot1(uint64_t info_phys, struct boot_info *info, const char **error)
{
	const struct mb1_info *mb = phys_to_virt(info_phys);

	info->protocol = "Multiboot 1";
	info->info_start = info_phys;
	info->info_end = info_phys + sizeof(*mb);
	if (mb->flags & MB1_INFO_CMDLINE)
		copy_string(info->cmdline, sizeof(info->cmdline), mb->cmdline);
	if (mb->flags & MB1_INFO_LOADER_NAME)
		copy_string(info->bootloader, sizeof(info->bootloader), mb->boot_loader_name);
	if (mb->flags & MB1_INFO_MODULES) {
		const struct mb1_module *mods = phys_to_virt(mb->mods_addr);

		for (uint32_t i = 0; i < mb->mods_count && i <= BOOT_MAX_MODULES; i++)
			add_module(info, mods[i].start, mods[i].end,
				   mods[i].cmdline ? phys_to_virt(mods[i].cmdline) : "",
				   BOOT_MODULE_CMDLINE_MAX);
	}
	if (mb->flags & MB1_INFO_MMAP) {
		uint64_t at = mb->mmap_addr, end = at + mb->mmap_length;

		while (at + sizeof(struct mb1_mmap_entry) <= end) {
			const struct mb1_mmap_entry *e = phys_to_virt(at);

			if (e->size < 20) {
				*error = "Multiboot 1 memory map entry shorter than 20 bytes";
				return -1;
			}
			add_region(info, e->addr, e->length, e->type);
			at += e->size + 4;
		}
	} else if (mb->flags & MB1_INFO_MEMORY) {
		add_region(info, 0, (uint64_t)mb->mem_lower << 10, MEMORY_USABLE);
		add_region(info, 1ull << 20, (uint64_t)mb->mem_upper << 10, MEMORY_USABLE);
	} else {
		*error = "the bootloader gave no memory map";
		return -1;
	}
	return 0;
}

static int parse_multiboot2(uint64_t info_phys, struct boot_info *info, const char **error)
{
	const uint32_t *header = phys_to_virt(info_phys);
	uint32_t total = header[0];

	info->protocol = "Multiboot 2";
	info->info_start = info_phys;
	info->info_end = info_phys + total;
	if (total < 16 || total > MB2_MAX_INFO_SIZE) {
		*error = "Multiboot 2 information block has an impossible size";
		return -1;
	}
	uint64_t at = info_phys + 8, end = info_phys + total;

	while (at + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = phys_to_virt(at);
		const uint8_t *body = (const uint8_t *)(tag + 1);
		size_t body_size = tag->size - sizeof(*tag);

		if (tag->type == MB2_TAG_END)
			return 0;
		if (tag->size < sizeof(*tag) || at + tag->size > end) {
			*error = "Multiboot 2 tag runs past the end of the block";
			return -1;
		}
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			copy_string(info->cmdline, sizeof(info->cmdline), at + 8);
			break;
		case MB2_TAG_LOADER_NAME:
			copy_string(info->bootloader, sizeof(info->bootloader), at + 8);
			break;
		case MB2_TAG_MODULE:
			if (body_size >= 8) {
				const uint32_t *range = (const uint32_t *)body;

				add_module(info, range[0], range[1], (const char *)body + 8,
					   body_size - 8);
			}
			break;
		case MB2_TAG_MMAP: {
			if (body_size < 8)
				break;
			uint32_t entry_size = ((const uint32_t *)body)[0];

			if (entry_size < 24) {
				*error = "Multiboot 2 memory map entries are shorter than 24 bytes";
				return -1;
			}
			for (size_t off = 8; off + entry_size <= body_size; off += entry_size) {
				const struct {
					uint64_t addr, length;
					uint32_t type, reserved;
				} __attribute__((packed)) *e = (const void *)(body + off);

				add_region(info, e->addr, e->length, e->type);
			}
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* Prefer the ACPI 2.0 copy when both come. */
			if (tag->type == MB2_TAG_ACPI_NEW || info->rsdp_length == 0) {
				size_t n = body_size < sizeof(info->rsdp) ? body_size
									: sizeof(info->rsdp);

				memcpy(info->rsdp, body, n);
				info->rsdp_length = (uint32_t)n;
			}
			break;
		default:
			break;
		}
		at += (tag->size + 7) & ~7u;
	}
	*error = "Multiboot 2 information block has no end tag";
	return -1;
}

int boot_info_parse(uint32_t magic, uint64_t info_phys, struct boot_info *info,
		    const char **error)
{
	memset(info, 0, sizeof(*info));
	*error = NULL;
	if (magic == MULTIBOOT1_BOOTLOADER_MAGIC)
		return parse_multiboot1(info_phys, info, error);
	if (magic == MULTIBOOT2_BOOTLOADER_MAGIC)
		return parse_multiboot2(info_phys, info, error);
	*error = "not started by a Multiboot bootloader (unknown magic number)";
	return -1;
}

const char *memory_type_name(uint32_t type)
{
	switch (type) {
	case MEMORY_USABLE:
		return "usable";
	case MEMORY_RESERVED:
		return "reserved";
	case MEMORY_ACPI_RECLAIMABLE:
		return "ACPI data";
	case MEMORY_ACPI_NVS:
		return "ACPI NVS";
	case MEMORY_BAD:
		return "bad";
	default:
		return "unknown (reserved)";
	}
}
