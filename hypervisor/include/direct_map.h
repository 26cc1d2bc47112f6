/*
 * The hypervisor's view of physical memory.
 *
 * All RAM (and the low 4 GiB, for firmware tables and device registers) is mapped once at
 * DIRECTMAP_START, as in Xen's layout, so a physical address becomes a pointer by adding an
 * offset. Host unit tests (PARVUS_HOST_TEST) provide these functions themselves over a buffer.
 */
#ifndef PARVUS_DIRECT_MAP_H
#define PARVUS_DIRECT_MAP_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)

/* Where the hypervisor image runs: virtual = physical + IMAGE_VIRT_OFFSET. */
#define IMAGE_VIRT_OFFSET 0xffff82d040000000UL
/* Xen's direct-map region: 0xffff830000000000 - 0xffff87ffffffffff. */
#define DIRECTMAP_START 0xffff830000000000UL
#define DIRECTMAP_END 0xffff880000000000UL

#ifndef PARVUS_HOST_TEST
static inline void *phys_to_virt(uint64_t phys)
{
	return (void *)(DIRECTMAP_START + phys);
}

static inline uint64_t virt_to_phys(const void *virt)
{
	uint64_t va = (uint64_t)virt;

	if (va >= DIRECTMAP_START && va < DIRECTMAP_END)
		return va - DIRECTMAP_START;
	return va - IMAGE_VIRT_OFFSET; /* an address inside the hypervisor image */
}
#else
void *phys_to_virt(uint64_t phys);
uint64_t virt_to_phys(const void *virt);
#endif

static inline void *mfn_to_virt(uint64_t mfn)
{
	return phys_to_virt(mfn << PAGE_SHIFT);
}

static inline uint64_t virt_to_mfn(const void *virt)
{
	return virt_to_phys(virt) >> PAGE_SHIFT;
}

#endif
