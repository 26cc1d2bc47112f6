/*
 * Foreign mappings (<parvus/foreign_map.h>). The L1 entry of the window is rewritten with
 * MMU_NORMAL_PT_UPDATE: the hypervisor validates the new entry against the owner named in
 * foreigndom and moves the page references from the old frame to the new one. mmu_update does
 * not flush our TLB, so each change is followed by MMUEXT_INVLPG_LOCAL for the window.
 */
#include <parvus/foreign_map.h>
#include <parvus/guest.h>
#include <public/errno.h>

static long set_window_entry(void *window, uint64_t pte, domid_t owner)
{
	uint64_t entry = guest_l1_entry_maddr((unsigned long)window);

	if (!entry)
		return -XEN_EINVAL;
	struct mmu_update update = {.ptr = entry | MMU_NORMAL_PT_UPDATE, .val = pte};
	struct mmuext_op flush = {.cmd = MMUEXT_INVLPG_LOCAL,
				  .arg1.linear_addr = (unsigned long)window};
	long rc = HYPERVISOR_mmu_update(&update, 1, NULL, owner);
	long flushed = HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF);

	return rc ? rc : flushed;
}

long foreign_map(void *window, domid_t domain, xen_pfn_t mfn, bool writable)
{
	uint64_t pte = (mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;

	if (writable)
		pte |= _PAGE_RW | _PAGE_DIRTY;
	return set_window_entry(window, pte, domain);
}

long foreign_unmap(void *window)
{
	uint64_t pte = ((uint64_t)virt_to_mfn(window) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW |
		       _PAGE_ACCESSED | _PAGE_DIRTY;

	return set_window_entry(window, pte, DOMID_SELF);
}
