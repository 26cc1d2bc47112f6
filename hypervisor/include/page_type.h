/*
 * Page ownership, page types and page-table validation: the rules that keep x86-64 PV direct
 * paging safe (Xen's model; docs/page-types.md tells the story and lists the error numbers).
 *
 * A PV guest's page tables hold machine frame numbers, so the hypervisor must check every entry
 * a guest writes. It does so with two reference counts per frame (in struct page_info):
 *
 *   count_info  general references: "someone uses this frame" (a mapping, a page-table entry,
 *               the domain's own allocation, PGC_ALLOCATED). A frame whose count falls to zero
 *               belongs to nobody any more and is handed to page_type_free_hook().
 *   type_info   what the frame is used as (writable data, an L1..L4 page table, a descriptor
 *               table) and how many references hold it as that type. The type may change only
 *               while its count is zero, so a frame is never a page table and writable at once.
 *               A page-table type is usable only once VALIDATED: every present entry checked and
 *               holding the references it implies.
 *
 * Lock-free rules (two CPUs may take and drop references to one frame at the same time):
 *   1. count_info and type_info change only through compare-exchange loops (or one atomic
 *      read-modify-write); each step checks its rule against the exact value it replaces.
 *   2. A general reference is taken only while the count is non-zero; the owner is read after
 *      taking it, and cannot change while any reference is held.
 *   3. A type reference is taken only by a holder of a general reference to the same frame.
 *   4. The CPU that moves a page-table type's count from 0 to 1 validates the table; others
 *      asking for the same type wait until VALIDATED is set or the attempt fails; others asking
 *      for a different type fail at once. Waits only ever go from a table to a lower-level one,
 *      so no cycle of waiting CPUs can form.
 *   5. The CPU dropping the last type reference of a validated table clears VALIDATED first
 *      (the count stays at 1, so nobody else can start using or retyping the frame), drops
 *      every reference its entries hold, then lets the count reach 0.
 *   6. A validated table's entries change only through mod_lN_entry()/mmu_update_entry(), which
 *      hold a type reference on the table meanwhile (so it cannot be devalidated under them)
 *      and swap the entry atomically, dropping the references of whatever value they replaced.
 *
 * Depth: validating an L4 validates its L3s, their L2s and L1s: at most four levels, because
 * linear (recursive) entries never validate anything, they only point at tables that already
 * are. Dropping a reference recurses the same way, plus at most one linear step (see
 * docs/page-types.md, "linear page tables").
 *
 * Callers: the mmu_update and mmuext_op hypercalls (to come), the domain builder and domain
 * teardown. Hooks at the end of this file are what the rest of the hypervisor provides.
 */
#ifndef PARVUS_PAGE_TYPE_H
#define PARVUS_PAGE_TYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "page_info.h"

/* The domain structure belongs to the domain code; this file only compares pointers to it. */
struct domain;

/* ---- count_info: general references ---- */

/* The domain's own reference, taken by page_assign() and dropped by page_relinquish(). */
#define PGC_ALLOCATED (1u << 31)
#define PGC_COUNT_MASK (PGC_ALLOCATED - 1)

/* ---- type_info: the frame's type, its reference count and state bits ---- */

/* Types, Xen's numbering (PGT_l1_page_table ... PGT_writable_page). 6 (shared) is unused. */
enum page_type {
	PGT_NONE = 0, /* not used as anything yet; may become any type */
	PGT_L1 = 1,
	PGT_L2 = 2,
	PGT_L3 = 3,
	PGT_L4 = 4,
	PGT_SEG_DESC = 5, /* a GDT or LDT page */
	PGT_WRITABLE = 7, /* mapped writable somewhere */
};

#define PGT_COUNT_MASK ((1u << 19) - 1) /* bits 0-18: references held as this type */
/*
 * Bits 19-26, signed: the linear page-table count (Xen's linear_pt_count). Above zero: this
 * table holds that many linear entries. Below zero: that many linear entries elsewhere point at
 * this table. Never both, which is what keeps linear chains from forming.
 */
#define PGT_LINEAR_SHIFT 19
#define PGT_LINEAR_MASK (0xffu << PGT_LINEAR_SHIFT)
#define PGT_LINEAR_MAX 127
#define PGT_LINEAR_MIN (-128)
#define PGT_PINNED (1u << 27)	 /* MMUEXT_PIN_Ln_TABLE holds one type reference */
#define PGT_VALIDATED (1u << 28) /* page tables: every entry checked; others: set at once */
#define PGT_TYPE_SHIFT 29
#define PGT_TYPE_MASK (7u << PGT_TYPE_SHIFT)

static inline unsigned int page_type_of(uint32_t type_info)
{
	return type_info >> PGT_TYPE_SHIFT;
}

static inline unsigned int page_type_count(uint32_t type_info)
{
	return type_info & PGT_COUNT_MASK;
}

static inline int page_linear_count(uint32_t type_info)
{
	return (int8_t)((type_info & PGT_LINEAR_MASK) >> PGT_LINEAR_SHIFT);
}

/* ---- page-table entries (x86-64, 4-level) ---- */

#define PTE_PRESENT (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY (1ull << 6)
#define PTE_PSE (1ull << 7) /* L2, L3: a 2 MiB or 1 GiB superpage */
#define PTE_PAT (1ull << 7) /* L1: the third bit of the cache type index */
#define PTE_GLOBAL (1ull << 8)
#define PTE_AVAIL (7ull << 9)		    /* bits 9-11: for software */
#define PTE_ADDR_MASK 0x000ffffffffff000ull /* bits 12-51: the frame */
#define PTE_GUEST_KERNEL (1ull << 52)	    /* set by Xen on guest-kernel L1 mappings */
#define PTE_AVAIL_HIGH (0x7ffull << 52)	    /* bits 52-62: for software */
#define PTE_GNTTAB (1ull << 62)		    /* a grant mapping; only the hypervisor sets it */
#define PTE_NX (1ull << 63)
#define PTE_CACHE_ATTRS (PTE_PAT | PTE_PCD | PTE_PWT) /* in an L1 entry */

/* What a guest may set in a present entry of any level, besides the frame number. */
#define PTE_GUEST_FLAGS                                                                            \
	(PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY | PTE_AVAIL | PTE_AVAIL_HIGH | \
	 PTE_NX)
/* Xen's base_disallow_mask: cache control, PSE/PAT and GLOBAL (bits 3, 4, 7, 8). */
#define PTE_BASE_DISALLOW (~(PTE_GUEST_FLAGS | PTE_ADDR_MASK))
/* L1: GLOBAL is allowed (user mappings), the grant bit is not; PAT/PCD/PWT only with I/O. */
#define L1_DISALLOW_MASK ((PTE_BASE_DISALLOW | PTE_GNTTAB) & ~PTE_GLOBAL)
/* L2-L4: no superpages, no cache control, no GLOBAL. */
#define L2_DISALLOW_MASK PTE_BASE_DISALLOW
#define L3_DISALLOW_MASK PTE_BASE_DISALLOW
#define L4_DISALLOW_MASK PTE_BASE_DISALLOW

/* The frame number an L1 entry has with all address bits set: "no frame", -EINVAL not -EPERM. */
#define PTE_INVALID_MFN (PTE_ADDR_MASK >> 12)

#define PAGETABLE_ENTRIES 512
/* L4 slots 256-271 map the hypervisor in every address space; the guest never writes them. */
#define L4_FIRST_HYPERVISOR_SLOT 256
#define L4_LAST_HYPERVISOR_SLOT 271

static inline bool l4_slot_is_guest(unsigned int slot)
{
	return slot < L4_FIRST_HYPERVISOR_SLOT || slot > L4_LAST_HYPERVISOR_SLOT;
}

static inline unsigned long pte_mfn(uint64_t entry)
{
	return (unsigned long)((entry & PTE_ADDR_MASK) >> 12);
}

/* ---- ownership and general references ---- */

/* The owning domain; meaningful only while the caller holds a reference to the frame. */
struct domain *page_get_owner(const struct page_info *pg);

/*
 * Give pg, an allocated frame nobody uses (alloc_pages(), use PAGE_USE_NONE, no references),
 * to d: the owner is set and the count becomes PGC_ALLOCATED | 1. Xen's assign_pages() for one
 * frame. Any other starting state is a hypervisor bug (page_type_panic()).
 */
void page_assign(struct page_info *pg, struct domain *d);

/*
 * page_assign() for a frame the hypervisor shares with the domain (shared_info, grant-table
 * frames): it belongs to the domain but is not part of its memory (tot_pages), as Xen's
 * "xenheap" pages.
 */
#define PAGE_SPARE_UNCOUNTED 1ull /* in domain_spare */
void page_assign_uncounted(struct page_info *pg, struct domain *d);

/*
 * Drop the domain's own reference (decrease_reservation, domain teardown): true if it was
 * still there. The frame goes back (page_type_free_hook()) once its last reference is gone.
 */
bool page_relinquish(struct page_info *pg);

/*
 * XENMEM_exchange's first step (Xen's steal_page()): take pg away from d, provided nothing but
 * d's own allocation reference holds it (no mapping, no type, no pin, no hypervisor use).
 * Afterwards pg is an allocated frame of nobody's with no references, as alloc_pages() gives
 * it: the caller gives it back with page_assign() or frees it with page_free_stolen(). d's
 * tot_pages is not changed either way. false, and nothing changed, if pg is not d's or in use.
 */
bool page_steal(struct page_info *pg, const struct domain *d);
/* Free a stolen frame through page_type_free_hook(), with no owner to account it to. */
void page_free_stolen(struct page_info *pg);

/* Take a general reference if pg is owned by d (and not on its way out); false otherwise. */
bool get_page(struct page_info *pg, const struct domain *d);
/* Drop one. Dropping a reference nobody holds is a hypervisor bug: page_type_panic(). */
void put_page(struct page_info *pg);

/* ---- type references ---- */

/*
 * Take a reference of the given type (PGT_L1..PGT_L4, PGT_SEG_DESC, PGT_WRITABLE). The caller
 * holds a general reference. With the count at zero the frame may change type (the flush hook
 * runs); a page-table or descriptor type is then validated. Returns 0, or:
 *   -XEN_EINVAL  the frame holds another type with references, the count would overflow, or
 *                validation found an illegal entry (its own errno is returned, see the doc);
 * on any failure every reference taken on the way has been dropped again.
 */
int get_page_type(struct page_info *pg, unsigned int type);
void put_page_type(struct page_info *pg);
/* Both at once: -XEN_EINVAL if pg is not d's, else as get_page_type(). */
int get_page_and_type(struct page_info *pg, const struct domain *d, unsigned int type);
void put_page_and_type(struct page_info *pg);

/* ---- the guest's operations (mmuext_op and mmu_update) ---- */

/* MMUEXT_PIN_Ln_TABLE (level 1-4) and MMUEXT_UNPIN_TABLE on d's frame mfn. 0 or -errno. */
int pin_page_table(struct domain *d, unsigned long mfn, unsigned int level);
int unpin_page_table(struct domain *d, unsigned long mfn);

/*
 * Write new_entry into slot index of table, a validated Ln table of d: check the entry for that
 * level, take the references it implies, swap it in, drop the old entry's references. Returns 0
 * or -errno, and on failure the table and every count are as before.
 */
int mod_l1_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d);
/* The same, only if the entry still holds expected (-XEN_EAGAIN if it changed meanwhile): an
 * emulated instruction's atomic update. */
int mod_l1_entry_replace(struct page_info *table, unsigned int index, uint64_t expected,
			 uint64_t new_entry, struct domain *d);
int mod_l2_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d);
int mod_l3_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d);
int mod_l4_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d);

/*
 * One MMU_NORMAL_PT_UPDATE request of mmu_update: write entry index of d's frame table_mfn.
 * A validated page table goes through mod_lN_entry(); any other frame of d that can be typed
 * writable is simply written. -XEN_EINVAL for a frame that is not d's or cannot be written.
 */
int mmu_update_entry(struct domain *d, unsigned long table_mfn, unsigned int index,
		     uint64_t new_entry);

/*
 * Grant mappings (arch/x86_64/grant_mapping.c). Their L1 entries hold references the grant
 * code took, not ones this file took, so they are written without any reference changing:
 * swap entry index of d's validated L1 table table_mfn for new_entry, but only if the entry,
 * masked with match_mask, equals match (mask 0: whatever it holds). *old gets the value
 * replaced. Returns 0; -XEN_EINVAL if table_mfn is not a validated L1 of d; -XEN_ESRCH if the
 * entry does not match. The caller gives back what old held (put_l1_entry_references) or
 * keeps it (a grant's own references).
 */
int l1_entry_swap_raw(struct domain *d, unsigned long table_mfn, unsigned int index,
		      uint64_t new_entry, uint64_t match_mask, uint64_t match, uint64_t *old);
/* Drop the references a present, validated L1 entry held (as when it is overwritten). */
void put_l1_entry_references(uint64_t entry);

/* ---- hooks: defined by the hypervisor (weak defaults in page_type.c) and by unit tests ---- */

/*
 * pg changes type while no reference holds it (writable <-> page table, and so on). Stale TLB
 * entries may still map it with its old rights on some CPU: flush them before it is used as
 * the new type (Xen flushes the owner's dirty CPUs).
 */
void page_type_flush_hook(struct page_info *pg);

/*
 * pg's last general reference is gone: owner, use and type are already cleared; owner is the
 * domain it belonged to (for its accounting), NULL for a stolen frame; counted says whether
 * it was in the domain's tot_pages (not so for page_assign_uncounted()). Give the frame back
 * (free_pages()), after making sure no CPU keeps a translation of it.
 */
void page_type_free_hook(struct page_info *pg, struct domain *owner, bool counted);

/* An internal invariant broke (a reference dropped twice, ...): never guest input. */
__attribute__((noreturn)) void page_type_panic(const char *why);

/*
 * May d map machine frame mfn, which is not RAM it owns (device memory, a reserved frame, or a
 * number past the frame table), through an L1 entry? Xen's iomem_access_permitted(). Reserved
 * frames include the hypervisor's image and frame table: grant device ranges only.
 */
bool page_type_iomem_permitted(const struct domain *d, unsigned long mfn);

/* Is mfn RAM (so a frame nobody may map is busy, -EBUSY, rather than a device, -EPERM)? */
bool page_type_frame_is_ram(unsigned long mfn);

/* Device frames d may map only read-only (the entry's RW bit is dropped; Xen does this for
 * the I/O APICs). */
bool page_type_iomem_read_only(const struct domain *d, unsigned long mfn);

/* Does d hold I/O resources? Then it may also choose cache attributes in its L1 entries. */
bool page_type_has_io_resources(const struct domain *d);

/*
 * HOOK for grant and foreign mappings (to come): d's L1 entry maps a frame owned by another
 * domain, owner. Return true to allow it (the references then count on owner's frame).
 */
bool page_type_foreign_map_permitted(const struct domain *d, const struct domain *owner,
				     unsigned long mfn, bool writable);

/*
 * A guest L4 has just been validated: write the hypervisor's own entries into slots
 * L4_FIRST_HYPERVISOR_SLOT..L4_LAST_HYPERVISOR_SLOT of l4 (whatever the guest left there is
 * never used). Xen's init_xen_l4_slots().
 */
void page_type_init_hypervisor_l4_slots(uint64_t *l4, unsigned long l4_mfn, const struct domain *d);

/*
 * Validate (and fix up) the 512 descriptors of a page about to become part of d's GDT or LDT.
 * Xen's check_descriptor() for every slot. Returns true if all are acceptable.
 */
bool page_type_check_descriptors(uint64_t *descriptors, const struct domain *d);

/* Put the read-only M2P slot into an L4 that becomes a kernel base pointer. */
void l4_add_m2p(unsigned long l4_mfn);

#endif
