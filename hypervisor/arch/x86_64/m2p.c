/*
 * The machine-to-phys table (see m2p.h). Its frames come from the frame allocator in 2 MiB
 * extents (XENMEM_machphys_mfn_list names each extent's first frame, as Xen's ABI has it; the
 * unused tail of the last extent is given back), and are mapped twice: by the direct map (how we write it) and, read-only and user-accessible, at
 * MACH2PHYS_VIRT_START in L4 slot 256 of the hypervisor's page tables, which every guest's
 * L4 copies. Unused entries hold M2P_INVALID.
 */
#include <m2p.h>
#include <direct_map.h>
#include <page_alloc.h>
#include <page_type.h>
#include <printk.h>
#include <string.h>
#include <arch/x86.h>
#include <public/xen.h>

#define ENTRIES_PER_PAGE (PAGE_SIZE / sizeof(uint64_t))

extern uint64_t boot_l4[512];

static uint64_t **table_pages; /* the table's frames, by their index, in the direct map */
static uint64_t nr_entries;
#define EXTENT_ORDER 9 /* 2 MiB */
#define MAX_EXTENTS 512 /* 1 GiB of table: 128 Mi frames, 512 GiB of RAM */
static uint64_t extent_mfns[MAX_EXTENTS];
static unsigned int nr_extents;

static uint64_t *new_table(void)
{
	struct page_info *page = alloc_pages(0);

	if (!page)
		panic("m2p: out of memory for its page tables");
	memset(page_to_virt(page), 0, PAGE_SIZE);
	return page_to_virt(page);
}

/* The entry one level down for va, made present (intermediate: writable for us, user). */
static uint64_t *next_level(uint64_t *table, unsigned int index)
{
	if (!(table[index] & PTE_PRESENT))
		table[index] = virt_to_phys(new_table()) | PTE_PRESENT | PTE_RW | PTE_USER;
	return phys_to_virt(table[index] & PTE_ADDR_MASK);
}

void m2p_init(void)
{
	nr_entries = frame_table_size;
	uint64_t pages = (nr_entries + ENTRIES_PER_PAGE - 1) / ENTRIES_PER_PAGE;
	uint64_t list_pages = (pages * sizeof(uint64_t *) + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned int list_order = 0;

	while ((1ull << list_order) < list_pages)
		list_order++;
	struct page_info *list = alloc_pages(list_order);

	if (!list)
		panic("m2p: out of memory");
	table_pages = page_to_virt(list);
	for (uint64_t i = 0; i < pages; i += 1u << EXTENT_ORDER) {
		struct page_info *extent = alloc_pages(EXTENT_ORDER);
		uint64_t used = pages - i < (1u << EXTENT_ORDER) ? pages - i : 1u << EXTENT_ORDER;

		if (!extent || nr_extents == MAX_EXTENTS)
			panic("m2p: out of memory for the table");
		extent_mfns[nr_extents++] = page_to_mfn(extent);
		for (uint64_t k = used; k < (1u << EXTENT_ORDER); k++) /* the unused tail */
			free_pages(extent + k, 0);
		for (uint64_t k = 0; k < used; k++)
			table_pages[i + k] = page_to_virt(extent + k);
	}
	for (uint64_t i = 0; i < pages; i++) {
		memset(table_pages[i], 0xff, PAGE_SIZE); /* M2P_INVALID */

		uint64_t va = MACH2PHYS_VIRT_START + i * PAGE_SIZE;
		uint64_t *l3 = next_level(boot_l4, (va >> 39) & 511);
		uint64_t *l2 = next_level(l3, (va >> 30) & 511);
		uint64_t *l1 = next_level(l2, (va >> 21) & 511);

		l1[(va >> 12) & 511] = virt_to_phys(table_pages[i]) | PTE_PRESENT | PTE_USER | PTE_NX;
	}
	flush_tlb_local();
	printk(LOG_INFO "M2P: %lu entries (%lu KiB) read-only at %#lx\n", nr_entries,
	       pages * PAGE_SIZE >> 10, MACH2PHYS_VIRT_START);
}

void m2p_set(uint64_t mfn, uint64_t pfn)
{
	if (mfn < nr_entries)
		table_pages[mfn / ENTRIES_PER_PAGE][mfn % ENTRIES_PER_PAGE] = pfn;
}

uint64_t m2p_get(uint64_t mfn)
{
	return mfn < nr_entries ? table_pages[mfn / ENTRIES_PER_PAGE][mfn % ENTRIES_PER_PAGE]
				: M2P_INVALID;
}

uint64_t m2p_entries(void)
{
	return nr_entries;
}

unsigned int m2p_extents(uint64_t *mfns, unsigned int max)
{
	unsigned int n = nr_extents < max ? nr_extents : max;

	for (unsigned int i = 0; i < n; i++)
		mfns[i] = extent_mfns[i];
	return n;
}
