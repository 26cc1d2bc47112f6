/*
 * Grant mappings in x86-64 PV page tables: the PTEs map_grant_ref writes and the unmaps take
 * away (Xen's arch/x86/pv/grant_table.c in spirit). The grant code (grant_table.c) holds the
 * frame's references; the PTE is written with page_type.c's l1_entry_swap_raw(), which takes
 * none, and the entry it replaces gives its own back.
 *
 * Once written, the PTE is the guest's: if the guest overwrites it (mmu_update) or its L1
 * table stops being one, page_type.c gives back the references the PTE holds, exactly as for
 * any entry, and the later unmap finds no match (GNTST_general_error). So counts stay right
 * whatever the guest does; only the grant stays pinned until the domain dies, as in Xen.
 */
#include <domain.h>
#include <grant_table.h>
#include <page_alloc.h>
#include <page_type.h>
#include <arch/guest.h>
#include <arch/uaccess.h>
#include <public/grant_table.h>

/* Bits 16-18 of the map flags go to the PTE's software bits 9-11
 * (XENFEAT_gnttab_map_avail_bits). */
#define PTE_AVAIL_SHIFT 9

/*
 * The entry Xen writes: present, accessed, dirty, never executable; writable unless
 * read-only; user-accessible only for GNTMAP_application_map, otherwise a guest-kernel
 * mapping (the kernel runs in ring 3 too, so both carry the user bit; bit 52 tells them apart).
 */
static uint64_t grant_pte(unsigned long mfn, uint32_t flags)
{
	uint64_t entry =
		((uint64_t)mfn << PAGE_SHIFT) | PTE_PRESENT | PTE_ACCESSED | PTE_DIRTY | PTE_NX;

	if (!(flags & GNTMAP_readonly))
		entry |= PTE_RW;
	if (flags & GNTMAP_application_map)
		entry |= PTE_USER;
	else
		entry |= PTE_USER | PTE_GUEST_KERNEL;
	entry |= ((uint64_t)(flags >> _GNTMAP_guest_avail0) << PTE_AVAIL_SHIFT) & PTE_AVAIL;
	return entry;
}

/* Which L1 slot host_addr names: a PTE's machine address, or a virtual address to look up. */
static bool find_slot(uint64_t host_addr, bool is_pte_address, unsigned long *table_mfn,
		      unsigned int *index)
{
	struct page_info *l1;

	if (is_pte_address) {
		if (host_addr & 7)
			return false; /* would straddle two entries */
		*table_mfn = host_addr >> PAGE_SHIFT;
		*index = (host_addr & (PAGE_SIZE - 1)) / 8;
		return true;
	}
	if (!guest_range_ok(host_addr, 1))
		return false; /* non-canonical, or the hypervisor's own range */
	l1 = guest_l1_for(host_addr, index);
	if (!l1)
		return false;
	*table_mfn = page_to_mfn(l1); /* l1_entry_swap_raw() checks it is the guest's L1 */
	return true;
}

int create_grant_host_mapping(uint64_t host_addr, unsigned long mfn, uint32_t flags)
{
	struct domain *d = current_vcpu()->domain;
	unsigned long table_mfn;
	unsigned int index;
	uint64_t old;

	if (!find_slot(host_addr, flags & GNTMAP_contains_pte, &table_mfn, &index))
		return GNTST_general_error;
	if (l1_entry_swap_raw(d, table_mfn, index, grant_pte(mfn, flags), 0, 0, &old))
		return GNTST_general_error;
	/*
	 * No TLB flush, as in Xen: a stale translation of what was there before is the guest's
	 * to flush. It cannot reach a frame that changed hands: freeing a frame and changing its
	 * type both flush (page_type.h's hooks).
	 */
	put_l1_entry_references(old);
	return GNTST_okay;
}

int replace_grant_host_mapping(uint64_t host_addr, unsigned long mfn, uint64_t new_addr,
			       uint32_t flags)
{
	struct domain *d = current_vcpu()->domain;
	uint64_t rights = PTE_PRESENT | (flags & GNTMAP_readonly ? 0 : PTE_RW);
	uint64_t replacement = 0, old;
	unsigned long table_mfn;
	unsigned int index;

	if (new_addr) {
		/* Only by virtual address (Xen never offered it for PTE addresses). */
		if ((flags & GNTMAP_contains_pte) ||
		    !find_slot(new_addr, false, &table_mfn, &index) ||
		    l1_entry_swap_raw(d, table_mfn, index, 0, 0, 0, &replacement))
			return GNTST_general_error;
	}
	if (!find_slot(host_addr, flags & GNTMAP_contains_pte, &table_mfn, &index) ||
	    l1_entry_swap_raw(d, table_mfn, index, replacement,
			      PTE_ADDR_MASK | PTE_PRESENT | PTE_RW,
			      ((uint64_t)mfn << PAGE_SHIFT) | rights, &old)) {
		/* The entry taken from new_addr is ours to give back: new_addr stays unmapped. */
		put_l1_entry_references(replacement);
		return GNTST_general_error;
	}
	return GNTST_okay;
}
