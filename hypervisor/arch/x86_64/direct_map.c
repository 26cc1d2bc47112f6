/*
 * Growing the direct map. The boot page tables map the low 4 GiB; RAM above that is mapped
 * here, with 2 MiB pages, once the frame allocator can give us page-table frames. The direct
 * map's L3 table (boot_l3_direct, L4 slot 262) covers 512 GiB; RAM beyond is not mapped.
 */
#include <boot_memory.h>
#include <direct_map.h>
#include <page_alloc.h>
#include <page_type.h>
#include <string.h>
#include <arch/x86.h>

#define LARGE_PAGE_SIZE (2ull << 20)
#define GIB (1ull << 30)

extern uint64_t boot_l3_direct[512];

int direct_map_extend(uint64_t start, uint64_t end)
{
	int tables = 0;

	start &= ~(LARGE_PAGE_SIZE - 1);
	end = (end + LARGE_PAGE_SIZE - 1) & ~(LARGE_PAGE_SIZE - 1);
	if (end > DIRECT_MAP_MAX)
		return -1;
	for (uint64_t at = start; at < end; at += LARGE_PAGE_SIZE) {
		uint64_t *l3e = &boot_l3_direct[at / GIB];

		if (!(*l3e & PTE_PRESENT)) {
			struct page_info *page = alloc_pages(0);

			if (!page)
				return -1;
			memset(page_to_virt(page), 0, PAGE_SIZE);
			*l3e = (page_to_mfn(page) << PAGE_SHIFT) | PTE_PRESENT | PTE_RW;
			tables++;
		}
		uint64_t *l2 = phys_to_virt(*l3e & PTE_ADDR_MASK);

		l2[(at % GIB) / LARGE_PAGE_SIZE] =
			at | PTE_PRESENT | PTE_RW | PTE_PSE | PTE_NX;
	}
	flush_tlb_local();
	return tables;
}
