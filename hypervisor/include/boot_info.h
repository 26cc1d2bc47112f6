/*
 * What the bootloader told us, in one form whichever protocol it spoke (Multiboot 1 from
 * QEMU's -kernel, Multiboot 2 from GRUB): the command line, the memory map, the modules
 * (module 1 is dom0's kernel with its command line, module 2 its ramdisk, as with Xen) and,
 * from Multiboot 2, a copy of ACPI's RSDP. Everything is copied into the hypervisor, so the
 * bootloader's memory can be reused.
 */
#ifndef PARVUS_BOOT_INFO_H
#define PARVUS_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define MULTIBOOT1_BOOTLOADER_MAGIC 0x2badb002
#define MULTIBOOT2_BOOTLOADER_MAGIC 0x36d76289

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODULE_CMDLINE_MAX 512

enum memory_type {
	MEMORY_USABLE = 1,
	MEMORY_RESERVED = 2,
	MEMORY_ACPI_RECLAIMABLE = 3,
	MEMORY_ACPI_NVS = 4,
	MEMORY_BAD = 5,
};

struct memory_region {
	uint64_t start;
	uint64_t length;
	uint32_t type; /* enum memory_type; other values are treated as reserved */
};

struct boot_module {
	uint64_t start, end; /* physical, end exclusive */
	char cmdline[BOOT_MODULE_CMDLINE_MAX];
};

struct boot_info {
	const char *protocol; /* "Multiboot 1" or "Multiboot 2" */
	char bootloader[64];
	char cmdline[BOOT_CMDLINE_MAX];
	struct memory_region regions[BOOT_MAX_REGIONS];
	unsigned int nr_regions;
	bool regions_truncated;
	struct boot_module modules[BOOT_MAX_MODULES];
	unsigned int nr_modules;
	bool modules_truncated;
	uint8_t rsdp[36]; /* copy of the ACPI RSDP, when the bootloader gave one */
	uint32_t rsdp_length;
	uint64_t info_start, info_end; /* where the bootloader's block was (physical) */
};

/* Returns 0, or -1 with a reason in *error when the magic or the block makes no sense. */
int boot_info_parse(uint32_t magic, uint64_t info_phys, struct boot_info *info,
		    const char **error);
const char *memory_type_name(uint32_t type);
/* What the bootloader said, after boot_info_parse (setup.c keeps it). */
const struct boot_info *boot_info_get(void);

#endif
