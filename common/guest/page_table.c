/*
 * Addresses in a PV domain: pseudo-physical frames (pfns, the domain's own numbering),
 * machine frames (mfns, what page tables hold) and the virtual addresses of the initial
 * mapping, where pfn n sits at VIRT_BASE + n * 4096. start_info.mfn_list translates pfn to
 * mfn; the hypervisor's read-only machine-to-phys table translates back.
 */
#include <parvus/guest.h>

#define VIRT_BASE ((unsigned long)guest_image_start)

unsigned long virt_to_pfn(const void *va)
{
	return ((unsigned long)va - VIRT_BASE) >> PAGE_SHIFT;
}

unsigned long virt_to_mfn(const void *va)
{
	const xen_pfn_t *mfn_list = (const xen_pfn_t *)guest_start_info->mfn_list;

	return mfn_list[virt_to_pfn(va)];
}

void *mfn_to_virt(unsigned long mfn)
{
	/*
	 * Only frames up to the boot stack are certainly mapped: the initial mapping covers the
	 * image and the bootstrap structures, the boot stack last.
	 */
	unsigned long mapped_pfns = (guest_entry_registers.rsp - VIRT_BASE) >> PAGE_SHIFT;
	unsigned long pfn = machine_to_phys_mapping[mfn];

	if (pfn >= mapped_pfns)
		return NULL;
	return (void *)(VIRT_BASE + (pfn << PAGE_SHIFT));
}

uint64_t guest_lookup_pte(unsigned long va, int *level_out)
{
	const uint64_t *table = (const uint64_t *)guest_start_info->pt_base;
	uint64_t entry = 0;
	int level;

	for (level = 4; level >= 1; level--) {
		unsigned int index = (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;

		entry = table[index];
		if (!(entry & _PAGE_PRESENT) || level == 1 || (level <= 3 && (entry & _PAGE_PSE)))
			break;
		table = mfn_to_virt((entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT);
		if (!table) {
			entry = 0;
			break;
		}
	}
	if (level_out)
		*level_out = level;
	return entry;
}

uint64_t guest_l1_entry_maddr(unsigned long va)
{
	const uint64_t *table = (const uint64_t *)guest_start_info->pt_base;
	uint64_t table_mfn = virt_to_mfn(table);

	for (int level = 4; level > 1; level--) {
		uint64_t entry = table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];

		if (!(entry & _PAGE_PRESENT) || (entry & _PAGE_PSE))
			return 0;
		table_mfn = (entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
		table = mfn_to_virt(table_mfn);
		if (!table)
			return 0;
	}
	return (table_mfn << PAGE_SHIFT) + ((va >> PAGE_SHIFT) & 511) * 8;
}
