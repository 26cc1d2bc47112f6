/*
 * Page ownership, page types and validation of x86-64 PV page tables: Xen's direct-paging
 * model. page_type.h states the rules and the lock-free protocol; docs/page-types.md tells the
 * story and lists which error each hostile entry gets.
 *
 * The invariant kept here: every present entry of a validated table holds exactly the
 * references it implies (a general reference on the frame it maps, plus a writable or page-table
 * type reference where it says so), for exactly as long as the table stays validated; and every
 * path that fails gives back everything it took, so a refused request leaves no count changed.
 * Callers: the mmu_update and mmuext_op hypercalls, the domain builder, domain teardown.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/errno.h>

#include "page_alloc.h"
#include "page_type.h"
#include "spinlock.h" /* cpu_relax() */

/* ---- the two counting words, always touched atomically ---- */

static uint32_t read_word(const uint32_t *word)
{
	return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

/* Replace *seen by next in *word; on failure *seen holds what is there now. */
static bool swap_word(uint32_t *word, uint32_t *seen, uint32_t next)
{
	return __atomic_compare_exchange_n(word, seen, next, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static uint32_t with_linear(uint32_t type_info, int linear)
{
	return (type_info & ~PGT_LINEAR_MASK) | ((uint32_t)(uint8_t)linear << PGT_LINEAR_SHIFT);
}

static bool is_page_table(unsigned int type)
{
	return type >= PGT_L1 && type <= PGT_L4;
}

/* ---- table memory ---- */

static uint64_t *table_of(const struct page_info *pg)
{
	return page_to_virt(pg);
}

/* Entries are read and written atomically: the hardware sets accessed and dirty bits. */
static uint64_t read_entry(const uint64_t *slot)
{
	return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

static void write_entry(uint64_t *slot, uint64_t entry)
{
	__atomic_store_n(slot, entry, __ATOMIC_RELAXED);
}

/* In an L4, slots 256-271 are the hypervisor's: never validated, never counted. */
static bool guest_slot(unsigned int level, unsigned int slot)
{
	return level != 4 || l4_slot_is_guest(slot);
}

/*
 * A frame the allocator never had: device memory, firmware, a hole (Xen gives these to its
 * DOMID_IO). Reserved frames stay reserved after boot, so the answer cannot change under us.
 */
static bool frame_is_io(const struct page_info *pg)
{
	return __atomic_load_n(&pg->state, __ATOMIC_RELAXED) == PAGE_RESERVED;
}

/* ---- ownership and general references ---- */

struct domain *page_get_owner(const struct page_info *pg)
{
	return pg->owner;
}

static bool in_frame_table(const struct page_info *pg)
{
	uintptr_t offset = (uintptr_t)pg - (uintptr_t)frame_table;

	return offset < frame_table_size * sizeof(*pg) && offset % sizeof(*pg) == 0;
}

void page_assign(struct page_info *pg, struct domain *d)
{
	if (!in_frame_table(pg) || !d)
		page_type_panic("page_assign: not a frame table entry, or no domain");
	if (pg->state != PAGE_ALLOCATED || pg->use != PAGE_USE_NONE)
		page_type_panic("page_assign: frame not allocated, or in use");
	if (read_word(&pg->count_info) || read_word(&pg->type_info))
		page_type_panic("page_assign: frame still has references");
	pg->use = PAGE_USE_DOMAIN;
	pg->owner = d;
	pg->domain_spare = 0;
	/* Publish the owner before the count that lets anyone read it. */
	__atomic_store_n(&pg->count_info, PGC_ALLOCATED | 1, __ATOMIC_RELEASE);
}

/* The last general reference went: nobody can take a new one, so plain writes are safe. */
static void release_frame(struct page_info *pg, uint32_t count_info)
{
	uint32_t type_info = read_word(&pg->type_info);
	struct domain *owner = pg->owner;

	if (count_info != 0)
		page_type_panic("put_page: last reference dropped, yet PGC_ALLOCATED is set");
	if (page_type_count(type_info) || (type_info & PGT_PINNED) || page_linear_count(type_info))
		page_type_panic("put_page: frame freed while type references remain");
	bool counted = !(pg->domain_spare & PAGE_SPARE_UNCOUNTED);

	__atomic_store_n(&pg->type_info, 0, __ATOMIC_RELAXED);
	pg->owner = NULL;
	pg->domain_spare = 0;
	pg->use = PAGE_USE_NONE;
	page_type_free_hook(pg, owner, counted);
}

void page_assign_uncounted(struct page_info *pg, struct domain *d)
{
	page_assign(pg, d);
	pg->domain_spare = PAGE_SPARE_UNCOUNTED;
}

bool page_relinquish(struct page_info *pg)
{
	uint32_t old = __atomic_fetch_and(&pg->count_info, ~PGC_ALLOCATED, __ATOMIC_ACQ_REL);

	if (!(old & PGC_ALLOCATED))
		return false;
	put_page(pg);
	return true;
}

bool page_steal(struct page_info *pg, const struct domain *d)
{
	uint32_t expected = PGC_ALLOCATED | 2; /* the domain's own reference and ours */
	uint32_t type_info;

	if (!get_page(pg, d))
		return false;
	if (!swap_word(&pg->count_info, &expected, 0)) {
		put_page(pg); /* mapped, typed, pinned or held by the hypervisor */
		return false;
	}
	/* Count zero: nobody can take a reference any more. Types need one (rule 3). */
	type_info = read_word(&pg->type_info);
	if (page_type_count(type_info) || (type_info & PGT_PINNED) || page_linear_count(type_info))
		page_type_panic("page_steal: type references without general ones");
	__atomic_store_n(&pg->type_info, 0, __ATOMIC_RELAXED);
	pg->owner = NULL;
	pg->domain_spare = 0;
	pg->use = PAGE_USE_NONE;
	return true;
}

void page_free_stolen(struct page_info *pg)
{
	if (pg->state != PAGE_ALLOCATED || pg->use != PAGE_USE_NONE || read_word(&pg->count_info) ||
	    read_word(&pg->type_info))
		page_type_panic("page_free_stolen: not a stolen frame");
	page_type_free_hook(pg, NULL, false);
}

/* Take a general reference on any live frame and say whose it is; NULL if it is not live. */
static struct domain *take_reference(struct page_info *pg)
{
	uint32_t seen = read_word(&pg->count_info);
	struct domain *owner;

	do {
		uint32_t count = seen & PGC_COUNT_MASK;

		/* Zero: free, reserved or heap memory. All ones: one more would wrap. */
		if (count == 0 || count == PGC_COUNT_MASK)
			return NULL;
	} while (!swap_word(&pg->count_info, &seen, seen + 1));

	owner = page_get_owner(pg);
	if (!owner)
		page_type_panic("get_page: a referenced frame has no owner");
	return owner;
}

bool get_page(struct page_info *pg, const struct domain *d)
{
	struct domain *owner = take_reference(pg);

	if (!owner)
		return false;
	if (owner == d)
		return true;
	put_page(pg);
	return false;
}

void put_page(struct page_info *pg)
{
	uint32_t seen = read_word(&pg->count_info);

	do {
		if (!(seen & PGC_COUNT_MASK))
			page_type_panic("put_page: no general reference held");
	} while (!swap_word(&pg->count_info, &seen, seen - 1));

	if (!((seen - 1) & PGC_COUNT_MASK))
		release_frame(pg, seen - 1);
}

/* ---- linear page tables: the counts that keep them from chaining ---- */

/* table (a page table of d) gains a linear entry: refused if table is itself a linear target. */
static bool add_linear_entry(struct page_info *table)
{
	uint32_t seen = read_word(&table->type_info);
	int linear;

	do {
		linear = page_linear_count(seen);
		if (linear < 0 || linear == PGT_LINEAR_MAX)
			return false;
	} while (!swap_word(&table->type_info, &seen, with_linear(seen, linear + 1)));
	return true;
}

static void drop_linear_entry(struct page_info *table)
{
	uint32_t seen = read_word(&table->type_info);
	int linear;

	do {
		linear = page_linear_count(seen);
		if (linear <= 0)
			page_type_panic("linear entry count underflow");
	} while (!swap_word(&table->type_info, &seen, with_linear(seen, linear - 1)));
}

/*
 * A read-only entry of table (level `level`) maps another table of the same level: the guest
 * reads its page tables through it (a "linear" or recursive mapping). Xen allows it for L2, L3
 * and L4, on three conditions: the entry is read-only, the target is already validated (so no
 * validation ever waits on itself), and no chain forms (a table holding linear entries is never
 * a linear target, and a linear target never holds any). A table mapping itself takes nothing.
 */
static bool take_linear_reference(uint64_t entry, unsigned int level, struct page_info *table,
				  const struct domain *d)
{
	unsigned long mfn = pte_mfn(entry);
	struct page_info *target;
	uint32_t seen, next;

	if (entry & PTE_RW)
		return false; /* the guest would write its own page tables */
	if (mfn == page_to_mfn(table))
		return true;
	if (!mfn_valid(mfn))
		return false;
	target = mfn_to_page(mfn);
	if (!get_page(target, d))
		return false;
	if (!add_linear_entry(table)) {
		put_page(target);
		return false;
	}
	seen = read_word(&target->type_info);
	do {
		int linear = page_linear_count(seen);

		if (page_type_of(seen) != level || !(seen & PGT_VALIDATED) ||
		    page_type_count(seen) == PGT_COUNT_MASK || linear > 0 ||
		    linear == PGT_LINEAR_MIN) {
			drop_linear_entry(table);
			put_page(target);
			return false;
		}
		next = with_linear(seen + 1, linear - 1);
	} while (!swap_word(&target->type_info, &seen, next));
	return true;
}

/* ---- checking one entry, and giving back what it held ---- */

static uint64_t disallowed_bits(unsigned int level, const struct domain *d)
{
	if (level != 1)
		return L2_DISALLOW_MASK; /* the same for L3 and L4 */
	return page_type_has_io_resources(d) ? L1_DISALLOW_MASK & ~PTE_CACHE_ATTRS
					     : L1_DISALLOW_MASK;
}

/*
 * The guest kernel runs in ring 3, so every present entry gets the user bit (Xen's
 * adjust_guest_lNe). Kernel L1 mappings are marked PTE_GUEST_KERNEL so the two can be told
 * apart. No guest mapping is ever global: Xen makes user mappings global and flushes them with
 * care; Parvus flushes by reloading CR3, which forgets only non-global entries, so a global
 * one could outlive a type change (a frame mapped writable, then become a page table).
 */
static uint64_t adjust_entry(unsigned int level, uint64_t entry)
{
	switch (level) {
	case 1:
		if (!(entry & PTE_USER))
			entry |= PTE_GUEST_KERNEL | PTE_USER;
		return entry & ~PTE_GLOBAL;
	case 4:
		return entry | PTE_USER | PTE_ACCESSED;
	default:
		return entry | PTE_USER;
	}
}

/* A frame that is not RAM d owns: only with permission, and never cached unless asked. */
static int map_io_frame(uint64_t *entry, const struct domain *d, unsigned long mfn)
{
	uint64_t attrs = *entry & PTE_CACHE_ATTRS;

	if (!page_type_iomem_permitted(d, mfn)) {
		if (mfn == PTE_INVALID_MFN)
			return -XEN_EINVAL;
		/* RAM that is nobody's (the hypervisor's own) is busy; a device, forbidden. */
		return page_type_frame_is_ram(mfn) ? -XEN_EBUSY : -XEN_EPERM;
	}
	if (page_type_iomem_read_only(d, mfn)) /* e.g. the I/O APIC: look, do not touch */
		*entry &= ~PTE_RW;
	/* Write-back, write-through and write-protect become uncached; no reference is taken. */
	if (attrs == 0 || attrs == PTE_PWT || attrs == (PTE_PWT | PTE_PAT))
		*entry = (*entry & ~PTE_CACHE_ATTRS) | PTE_PWT | PTE_PCD;
	return 0;
}

/* A present L1 entry: a general reference on the frame, and a writable one if it says RW. */
static int get_l1_entry(uint64_t *entry, struct domain *d)
{
	unsigned long mfn = pte_mfn(*entry);
	struct page_info *pg;
	struct domain *owner;

	if (*entry & disallowed_bits(1, d))
		return -XEN_EINVAL;
	if (!mfn_valid(mfn))
		return map_io_frame(entry, d, mfn);
	pg = mfn_to_page(mfn);
	owner = take_reference(pg);
	if (!owner)
		return frame_is_io(pg) ? map_io_frame(entry, d, mfn) : -XEN_EBUSY;
	/*
	 * HOOK: grant mappings and foreign mappings (a privileged domain mapping another's
	 * frames) plug in here. Until then every frame of another domain is refused.
	 */
	if (owner != d && !page_type_foreign_map_permitted(d, owner, mfn, *entry & PTE_RW)) {
		put_page(pg);
		return -XEN_EBUSY;
	}
	if ((*entry & PTE_RW) && get_page_type(pg, PGT_WRITABLE)) {
		put_page(pg); /* a page table or descriptor page is never writable */
		return -XEN_EBUSY;
	}
	return 0;
}

static void put_l1_entry(uint64_t entry)
{
	unsigned long mfn = pte_mfn(entry);
	struct page_info *pg;

	if (!(entry & PTE_PRESENT) || !mfn_valid(mfn))
		return;
	pg = mfn_to_page(mfn);
	if (frame_is_io(pg))
		return; /* device memory: nothing was counted */
	if (entry & PTE_RW)
		put_page_and_type(pg);
	else
		put_page(pg);
}

/*
 * A present L2, L3 or L4 entry of table: the frame it maps becomes (or already is) a table one
 * level down, validated; failing that, a read-only linear mapping of a table of this level.
 */
static int get_upper_entry(unsigned int level, uint64_t entry, struct page_info *table,
			   struct domain *d)
{
	unsigned long mfn = pte_mfn(entry);
	struct page_info *child;
	int rc;

	if (entry & disallowed_bits(level, d))
		return -XEN_EINVAL; /* superpages, cache control, global */
	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	child = mfn_to_page(mfn);
	if (!get_page(child, d))
		return -XEN_EINVAL;
	rc = get_page_type(child, level - 1);
	if (!rc)
		return 0;
	put_page(child);
	if (rc == -XEN_EINVAL && take_linear_reference(entry, level, table, d))
		return 0;
	return rc;
}

static void put_type(struct page_info *pg, struct page_info *container);

static void put_upper_entry(uint64_t entry, struct page_info *table)
{
	unsigned long mfn = pte_mfn(entry);
	struct page_info *child;

	if (!(entry & PTE_PRESENT) || mfn == page_to_mfn(table))
		return; /* not present, or a table mapping itself: nothing was counted */
	if (!mfn_valid(mfn))
		page_type_panic("a validated entry maps no frame");
	child = mfn_to_page(mfn);
	put_type(child, table);
	put_page(child);
}

/* Check a present entry for its level and take its references; *entry gets Xen's fix-ups. */
static int get_entry(unsigned int level, uint64_t *entry, struct page_info *table, struct domain *d)
{
	int rc = level == 1 ? get_l1_entry(entry, d) : get_upper_entry(level, *entry, table, d);

	if (!rc)
		*entry = adjust_entry(level, *entry);
	return rc;
}

static void put_entry(unsigned int level, uint64_t entry, struct page_info *table)
{
	if (level == 1)
		put_l1_entry(entry);
	else
		put_upper_entry(entry, table);
}

/* ---- validating and devalidating a whole table ---- */

static int validate_table(struct page_info *pg, unsigned int level, struct domain *d)
{
	uint64_t *table = table_of(pg);
	unsigned int slot;
	int rc = 0;

	for (slot = 0; slot < PAGETABLE_ENTRIES; slot++) {
		uint64_t entry;

		if (!guest_slot(level, slot))
			continue; /* the guest's values there are never used */
		entry = read_entry(&table[slot]);
		if (!(entry & PTE_PRESENT))
			continue;
		rc = get_entry(level, &entry, pg, d);
		if (rc)
			break;
		write_entry(&table[slot], entry);
	}
	if (rc) {
		/* Give back, in reverse, everything the slots before the bad one took. */
		while (slot-- > 0)
			if (guest_slot(level, slot))
				put_entry(level, read_entry(&table[slot]), pg);
		return rc;
	}
	if (level == 4)
		page_type_init_hypervisor_l4_slots(table, page_to_mfn(pg), d);
	return 0;
}

static void devalidate_table(struct page_info *pg, unsigned int level)
{
	uint64_t *table = table_of(pg);

	for (unsigned int slot = 0; slot < PAGETABLE_ENTRIES; slot++)
		if (guest_slot(level, slot))
			put_entry(level, read_entry(&table[slot]), pg);
}

static int validate(struct page_info *pg, unsigned int type)
{
	struct domain *d = page_get_owner(pg);

	if (type == PGT_SEG_DESC)
		return page_type_check_descriptors(table_of(pg), d) ? 0 : -XEN_EINVAL;
	return validate_table(pg, type, d);
}

/* ---- type references ---- */

int get_page_type(struct page_info *pg, unsigned int type)
{
	uint32_t seen, next;
	bool retyped;
	int rc;

	if (!is_page_table(type) && type != PGT_SEG_DESC && type != PGT_WRITABLE)
		return -XEN_EINVAL;

	seen = read_word(&pg->type_info);
	for (;;) {
		unsigned int count = page_type_count(seen);

		if (count == PGT_COUNT_MASK)
			return -XEN_EINVAL; /* one more would overflow */
		next = seen + 1;
		retyped = false;
		if (count == 0) {
			if (page_type_of(seen) != type) {
				/* Unused: it may become anything, and loses its validation. */
				next &= ~(PGT_TYPE_MASK | PGT_VALIDATED);
				next |= type << PGT_TYPE_SHIFT;
				if (type == PGT_WRITABLE)
					next |= PGT_VALIDATED; /* nothing to check in data */
				retyped = true;
			}
		} else if (page_type_of(seen) != type) {
			return -XEN_EINVAL; /* in use as something else */
		} else if (!(seen & PGT_VALIDATED)) {
			/* Another CPU is (de)validating it: wait for the outcome, then retry. */
			while (read_word(&pg->type_info) == seen) {
				spin_wait_hook(); /* another CPU may wait for our flush answer */
				cpu_relax();
			}
			seen = read_word(&pg->type_info);
			continue;
		}
		if (swap_word(&pg->type_info, &seen, next))
			break;
	}

	/* Stale translations with the old rights must go before anyone relies on the new type. */
	if (retyped && page_type_of(seen) != PGT_NONE)
		page_type_flush_hook(pg);
	if (next & PGT_VALIDATED)
		return 0;

	/* Count 0 -> 1 made this CPU the validator; everyone else asking for the type waits. */
	rc = validate(pg, type);
	if (rc) {
		/* As Xen: the frame is left untyped; validate() gave back everything it took. */
		__atomic_store_n(&pg->type_info, 0, __ATOMIC_RELEASE);
		return rc;
	}
	__atomic_fetch_or(&pg->type_info, PGT_VALIDATED, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Drop a type reference. container is the page table whose entry held it, or NULL; when both
 * have the same type the reference was a linear one, and the linear counts of both go down.
 */
static void put_type(struct page_info *pg, struct page_info *container)
{
	uint32_t seen = read_word(&pg->type_info);

	for (;;) {
		unsigned int type = page_type_of(seen);
		bool linear = container && type == page_type_of(read_word(&container->type_info));
		uint32_t next = seen;

		if (!page_type_count(seen))
			page_type_panic("put_page_type: no type reference held");
		if (!(seen & PGT_VALIDATED))
			page_type_panic("put_page_type: frame not validated");
		if (linear) {
			if (page_linear_count(seen) >= 0)
				page_type_panic("linear reference count underflow");
			next = with_linear(next, page_linear_count(seen) + 1);
		}

		if (page_type_count(seen) == 1 && is_page_table(type)) {
			if (seen & PGT_PINNED)
				page_type_panic("put_page_type: last reference of a pinned table");
			/* The count stays 1 while the entries' references are given back. */
			next &= ~PGT_VALIDATED;
			if (!swap_word(&pg->type_info, &seen, next))
				continue;
			if (linear)
				drop_linear_entry(container);
			devalidate_table(pg, type);
			if (page_linear_count(read_word(&pg->type_info)))
				page_type_panic("devalidated table still counts linear entries");
			__atomic_fetch_sub(&pg->type_info, 1, __ATOMIC_RELEASE);
			return;
		}

		if (swap_word(&pg->type_info, &seen, next - 1)) {
			if (linear)
				drop_linear_entry(container);
			return;
		}
	}
}

void put_page_type(struct page_info *pg)
{
	put_type(pg, NULL);
}

int get_page_and_type(struct page_info *pg, const struct domain *d, unsigned int type)
{
	int rc;

	if (!get_page(pg, d))
		return -XEN_EINVAL;
	rc = get_page_type(pg, type);
	if (rc)
		put_page(pg);
	return rc;
}

void put_page_and_type(struct page_info *pg)
{
	put_page_type(pg);
	put_page(pg);
}

/* ---- pinning (mmuext_op) ---- */

int pin_page_table(struct domain *d, unsigned long mfn, unsigned int level)
{
	struct page_info *pg;
	int rc;

	if (level < 1 || level > 4 || !mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	rc = get_page_and_type(pg, d, level);
	if (rc)
		return rc;
	if (__atomic_fetch_or(&pg->type_info, PGT_PINNED, __ATOMIC_ACQ_REL) & PGT_PINNED) {
		put_page_and_type(pg); /* pinning does not nest */
		return -XEN_EINVAL;
	}
	return 0; /* the pin keeps the two references just taken */
}

int unpin_page_table(struct domain *d, unsigned long mfn)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (!get_page(pg, d))
		return -XEN_EINVAL;
	if (!(__atomic_fetch_and(&pg->type_info, ~PGT_PINNED, __ATOMIC_ACQ_REL) & PGT_PINNED)) {
		put_page(pg);
		return -XEN_EINVAL;
	}
	put_page_and_type(pg); /* the pin's references */
	put_page(pg);
	return 0;
}

/* ---- changing one entry (mmu_update) ---- */

/* Flags a guest may change without the entry's references changing (Xen's fast path). */
#define PTE_FAST_PATH_FLAGS \
	(PTE_NX | PTE_AVAIL_HIGH | PTE_AVAIL | PTE_GLOBAL | PTE_DIRTY | PTE_ACCESSED | PTE_USER)

/*
 * A type reference on table, but only if it is validated and already in use: the hypercall's
 * hold on the table while it changes an entry (Xen's page_lock()). Says which type it has.
 */
static bool hold_validated(struct page_info *table, unsigned int *type)
{
	uint32_t seen = read_word(&table->type_info);

	do {
		if (!(seen & PGT_VALIDATED) || !page_type_count(seen) ||
		    page_type_count(seen) == PGT_COUNT_MASK)
			return false;
	} while (!swap_word(&table->type_info, &seen, seen + 1));
	*type = page_type_of(seen);
	return true;
}

/*
 * The caller holds table (a validated Ln of d) by a general and a type reference. With
 * expected, the entry is replaced only if it still holds *expected (-XEN_EAGAIN if not).
 */
static int update_entry(unsigned int level, struct page_info *table, unsigned int index,
			uint64_t new_entry, struct domain *d, const uint64_t *expected)
{
	uint64_t *slot = &table_of(table)[index];
	uint64_t old = expected ? *expected : read_entry(slot);
	int rc;

	if (!guest_slot(level, index))
		return -XEN_EINVAL; /* the hypervisor's L4 slots */
	if (new_entry & PTE_PRESENT) {
		if (new_entry & disallowed_bits(level, d))
			return -XEN_EINVAL;
		if ((old & PTE_PRESENT) && !((old ^ new_entry) & ~PTE_FAST_PATH_FLAGS)) {
			/* Same frame, same rights: the old entry's references serve the new one. */
			if (__atomic_compare_exchange_n(slot, &old, adjust_entry(level, new_entry),
							false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				return 0;
			if (expected)
				return -XEN_EAGAIN;
			/* It changed meanwhile: do it the long way. */
		}
		rc = get_entry(level, &new_entry, table, d);
		if (rc)
			return rc;
	}
	if (expected) {
		old = *expected;
		if (!__atomic_compare_exchange_n(slot, &old, new_entry, false, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED)) {
			put_entry(level, new_entry, table); /* the references just taken */
			return -XEN_EAGAIN;
		}
	} else {
		/* Whatever value this replaces, even one another CPU wrote a moment ago, is given
		 * back. */
		old = __atomic_exchange_n(slot, new_entry, __ATOMIC_ACQ_REL);
	}
	put_entry(level, old, table);
	return 0;
}

static int modify_entry(unsigned int level, struct page_info *table, unsigned int index,
			uint64_t new_entry, struct domain *d, const uint64_t *expected)
{
	unsigned int type;
	int rc;

	if (index >= PAGETABLE_ENTRIES || !get_page(table, d))
		return -XEN_EINVAL;
	if (!hold_validated(table, &type)) {
		put_page(table);
		return -XEN_EINVAL;
	}
	rc = type == level ? update_entry(level, table, index, new_entry, d, expected)
			   : -XEN_EINVAL;
	put_page_type(table);
	put_page(table);
	return rc;
}

int mod_l1_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d)
{
	return modify_entry(1, table, index, new_entry, d, NULL);
}

int mod_l1_entry_replace(struct page_info *table, unsigned int index, uint64_t expected,
			 uint64_t new_entry, struct domain *d)
{
	return modify_entry(1, table, index, new_entry, d, &expected);
}

int mod_l2_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d)
{
	return modify_entry(2, table, index, new_entry, d, NULL);
}

int mod_l3_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d)
{
	return modify_entry(3, table, index, new_entry, d, NULL);
}

int mod_l4_entry(struct page_info *table, unsigned int index, uint64_t new_entry, struct domain *d)
{
	return modify_entry(4, table, index, new_entry, d, NULL);
}

int mmu_update_entry(struct domain *d, unsigned long table_mfn, unsigned int index,
		     uint64_t new_entry)
{
	struct page_info *pg;
	unsigned int type;
	int rc = -XEN_EINVAL;

	if (!mfn_valid(table_mfn) || index >= PAGETABLE_ENTRIES)
		return -XEN_EINVAL;
	pg = mfn_to_page(table_mfn);
	if (!get_page(pg, d))
		return -XEN_EINVAL;
	if (hold_validated(pg, &type)) {
		if (is_page_table(type))
			rc = update_entry(type, pg, index, new_entry, d, NULL);
		else if (type == PGT_WRITABLE) {
			write_entry(&table_of(pg)[index], new_entry);
			rc = 0;
		}
		put_page_type(pg);
	} else if (!get_page_type(pg, PGT_WRITABLE)) {
		/* An ordinary page of the guest's: the write is just a write. */
		write_entry(&table_of(pg)[index], new_entry);
		put_page_type(pg);
		rc = 0;
	}
	put_page(pg);
	return rc;
}

/* ---- grant mappings: entries whose references the grant code holds ---- */

int l1_entry_swap_raw(struct domain *d, unsigned long table_mfn, unsigned int index,
		      uint64_t new_entry, uint64_t match_mask, uint64_t match, uint64_t *old)
{
	struct page_info *table;
	unsigned int type;
	int rc = 0;

	if (!mfn_valid(table_mfn) || index >= PAGETABLE_ENTRIES)
		return -XEN_EINVAL;
	table = mfn_to_page(table_mfn);
	if (!get_page(table, d))
		return -XEN_EINVAL;
	if (!hold_validated(table, &type)) {
		put_page(table);
		return -XEN_EINVAL;
	}
	if (type != PGT_L1) {
		rc = -XEN_EINVAL;
	} else {
		uint64_t *slot = &table_of(table)[index];
		uint64_t seen = read_entry(slot);

		/* The CPU may set accessed and dirty bits meanwhile: retry until it holds still. */
		do {
			if ((seen & match_mask) != match) {
				rc = -XEN_ESRCH;
				break;
			}
		} while (!__atomic_compare_exchange_n(slot, &seen, new_entry, false,
						      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
		*old = seen;
	}
	put_page_type(table);
	put_page(table);
	return rc;
}

void put_l1_entry_references(uint64_t entry)
{
	put_l1_entry(entry);
}

/*
 * ---- the hypervisor's hooks ----
 *
 * Weak, so the code that owns each concern (domains, vCPUs, descriptor tables) replaces them
 * without touching this file; unit tests define their own. Until guests run, these are safe:
 * they refuse what they cannot yet judge.
 */
#ifndef PARVUS_HOST_TEST
#include <arch/x86.h>
#include <printk.h>
#include <string.h>

/* One CPU only: the vCPU code replaces it with a flush of the owner's dirty CPUs. */
__attribute__((weak)) void page_type_flush_hook(struct page_info *pg)
{
	(void)pg;
	flush_tlb_local();
}

__attribute__((weak)) void page_type_free_hook(struct page_info *pg, struct domain *owner,
					       bool counted)
{
	(void)owner, (void)counted;
	flush_tlb_local();
	free_pages(pg, 0);
}

__attribute__((weak, noreturn)) void page_type_panic(const char *why)
{
	panic("page_type: %s", why);
}

__attribute__((weak)) bool page_type_iomem_permitted(const struct domain *d, unsigned long mfn)
{
	(void)d;
	(void)mfn;
	return false;
}

__attribute__((weak)) bool page_type_frame_is_ram(unsigned long mfn)
{
	(void)mfn;
	return false;
}

__attribute__((weak)) bool page_type_iomem_read_only(const struct domain *d, unsigned long mfn)
{
	(void)d;
	(void)mfn;
	return false;
}

__attribute__((weak)) bool page_type_has_io_resources(const struct domain *d)
{
	(void)d;
	return false;
}

__attribute__((weak)) bool page_type_foreign_map_permitted(const struct domain *d,
							   const struct domain *owner,
							   unsigned long mfn, bool writable)
{
	(void)d;
	(void)owner;
	(void)mfn;
	(void)writable;
	return false;
}

/* No hypervisor mappings yet: the slots are cleared, so nothing the guest put there stays. */
__attribute__((weak)) void page_type_init_hypervisor_l4_slots(uint64_t *l4, unsigned long l4_mfn,
							      const struct domain *d)
{
	(void)l4_mfn;
	(void)d;
	memset(&l4[L4_FIRST_HYPERVISOR_SLOT], 0,
	       (L4_LAST_HYPERVISOR_SLOT - L4_FIRST_HYPERVISOR_SLOT + 1) * sizeof(*l4));
}

/* No descriptor checks yet: no page may become a GDT or LDT. */
__attribute__((weak)) bool page_type_check_descriptors(uint64_t *descriptors,
						       const struct domain *d)
{
	(void)descriptors;
	(void)d;
	return false;
}
#endif
