/*
 * Turning the bootloader's memory map into free frames: decide what is usable, keep out the
 * hypervisor image, the boot modules and low memory, place the frame table, and hand the
 * rest to the frame allocator.
 */
#ifndef PARVUS_BOOT_MEMORY_H
#define PARVUS_BOOT_MEMORY_H

#include <boot_info.h>

/* The boot page tables map the low 4 GiB; firmware tables and device registers are there. */
#define DIRECT_MAP_LIMIT (4ull << 30)
/* RAM above 4 GiB is mapped by direct_map_extend, up to this (one L3 table's reach). */
#define DIRECT_MAP_MAX (512ull << 30)

void memory_init(const struct boot_info *info);
/* Map physical [start, end) at the direct map (arch). Returns how many page-table frames it
 * took from the frame allocator, or -1 when out of frames or beyond DIRECT_MAP_MAX. */
int direct_map_extend(uint64_t start, uint64_t end);

#endif
