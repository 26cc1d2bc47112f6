/*
 * Turning the bootloader's memory map into free frames: decide what is usable, keep out the
 * hypervisor image, the boot modules and low memory, place the frame table, and hand the
 * rest to the frame allocator.
 */
#ifndef PARVUS_BOOT_MEMORY_H
#define PARVUS_BOOT_MEMORY_H

#include <boot_info.h>

/* Physical memory the hypervisor can reach through its direct map (the boot page tables). */
#define DIRECT_MAP_LIMIT (4ull << 30)

void memory_init(const struct boot_info *info);

#endif
