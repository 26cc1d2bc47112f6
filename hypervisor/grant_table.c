/*
 * Grant tables, version 1: how a domain lets another map or copy one of its frames
 * (grant_table_op; docs/grant-tables.md tells the story, with Xen 4.17's answers).
 *
 * The granter writes {flags, domid, frame} into an entry of its shared frames. A mapping or
 * copy by the named domain pins the entry: under the granter's table lock the hypervisor sets
 * GTF_reading (and GTF_writing for write access) with a compare-exchange on the entry's
 * flags and domid, which fails if the guest changed them; the active entry then records who
 * pins it, how (host or device, read or write, counted), and the frame. The bits are cleared
 * when the last pin of their kind goes, after the TLB flush, so a granter that sees them
 * clear may reuse the frame. While pinned, the frame holds a general reference (and a
 * writable type reference for write access) per mapping or copy: it cannot be freed, or
 * become a page table, under a mapping.
 *
 * Locks: each table's `lock` guards its size and active entries (the granting side);
 * `maptrack_lock` guards its handle free list (the mapping side). No code holds two grant
 * locks at once, so they have no order; page_type.c is lock-free and the frame allocator's
 * lock may be taken under a grant lock. A domain's table lives as long as the domain (no
 * domain is destroyed yet, so lookups take no domain reference).
 */
#include <grant_table.h>
#include <domain.h>
#include <arch/tlb_flush.h>
#include <heap.h>
#include <hypercall.h>
#include <m2p.h>
#include <page_alloc.h>
#include <page_type.h>
#include <printk.h>
#include <spinlock.h>
#include <stddef.h>
#include <string.h>
#include <arch/uaccess.h>
#include <arch/x86.h>
#include <public/errno.h>
#include <public/grant_table.h>
#include <public/xen.h>

#define ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define MAPTRACK_PER_FRAME (PAGE_SIZE / sizeof(struct grant_mapping))
#define MAPTRACK_NONE UINT32_MAX

/* The command's low 12 bits; the bits above carry a continuation's state (cache_flush only). */
#define GNTTABOP_CMD_MASK 0xfffu
/* Operations per hypercall entry before the rest continues (Xen checks for preemption). */
#define OPS_PER_SLICE 64
/* Unmaps whose TLB flush is shared (Xen's GNTTAB_UNMAP_BATCH_SIZE). */
#define UNMAP_BATCH 32

/* Pin counts of an active entry, 8 bits each (Xen's layout). */
#define PIN_HOST_WRITE 0x00000001u
#define PIN_HOST_READ 0x00000100u
#define PIN_DEVICE_WRITE 0x00010000u
#define PIN_DEVICE_READ 0x01000000u
#define PIN_WRITERS 0x00ff00ffu
#define PIN_NEAR_OVERFLOW 0x80808080u /* a count at 128: no more, as Xen */

/* The hypervisor's record of one entry of the granter's table. */
struct active_grant {
	uint32_t pin;	   /* PIN_* counts; 0: not in use, the rest means nothing */
	domid_t domid;	   /* the domain pinning it */
	unsigned long mfn; /* the frame, fixed while pinned */
};

/* One mapping a domain made (its maptrack entry); the index is the handle. */
struct grant_mapping {
	grant_ref_t ref;
	uint16_t flags; /* GNTMAP_* still in force; 0 when the handle is free */
	domid_t domid;	/* the granter */
	uint32_t next_free;
	uint32_t unused;
};

struct grant_table {
	struct domain *domain;
	spinlock_t lock; /* the granting side: nr_frames, frames, active */
	unsigned int nr_frames;
	struct page_info *frames[GRANT_TABLE_MAX_FRAMES];
	struct active_grant *active[GRANT_TABLE_MAX_FRAMES]; /* ENTRIES_PER_FRAME each */

	spinlock_t maptrack_lock; /* the mapping side: the free list, growing */
	unsigned int maptrack_limit;
	uint32_t free_head, free_tail; /* handles are reused oldest-freed first */
	struct grant_mapping *maptrack[GRANT_TABLE_MAX_MAPTRACK_FRAMES];
};

/* ---- entries ---- */

static unsigned int nr_entries(const struct grant_table *gt)
{
	return gt->nr_frames * ENTRIES_PER_FRAME;
}

static struct grant_entry_v1 *shared_entry(const struct grant_table *gt, grant_ref_t ref)
{
	struct grant_entry_v1 *frame = page_to_virt(gt->frames[ref / ENTRIES_PER_FRAME]);

	return &frame[ref % ENTRIES_PER_FRAME];
}

static struct active_grant *active_entry(const struct grant_table *gt, grant_ref_t ref)
{
	return &gt->active[ref / ENTRIES_PER_FRAME][ref % ENTRIES_PER_FRAME];
}

/*
 * Set GTF_reading, and GTF_writing unless readonly, in the guest's entry. A first pin also
 * checks the entry grants access to `user` (GTF_permit_access; for a mapping, not
 * GTF_sub_page either). flags and domid are one 32-bit word, compare-exchanged together so
 * the check and the update see the same value; the guest may change it meanwhile, so we
 * retry a few times and then give up rather than be kept spinning.
 */
static int16_t pin_entry(struct grant_entry_v1 *entry, const struct active_grant *act, domid_t user,
			 bool readonly, bool mapping)
{
	uint32_t *word = (uint32_t *)&entry->flags; /* flags in bits 0-15, domid in 16-31 */
	uint16_t type_mask = GTF_type_mask | (mapping ? GTF_sub_page : 0);
	uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);

	for (unsigned int tries = 0;; tries++) {
		uint16_t flags = (uint16_t)seen;
		uint32_t next = seen | GTF_reading;

		if (!act->pin && ((flags & type_mask) != GTF_permit_access || seen >> 16 != user))
			return GNTST_general_error;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			next |= GTF_writing;
		}
		if (__atomic_compare_exchange_n(word, &seen, next, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return GNTST_okay;
		if (tries == 4)
			return GNTST_general_error; /* the guest keeps changing it */
	}
}

/* After a pin went (or never came): clear the bits no remaining pin needs. */
static void unpin_bits(struct grant_entry_v1 *entry, const struct active_grant *act, bool was_write)
{
	uint16_t clear = 0;

	if (was_write && !(act->pin & PIN_WRITERS))
		clear |= GTF_writing;
	if (!act->pin)
		clear |= GTF_reading;
	if (clear)
		__atomic_fetch_and(&entry->flags, (uint16_t)~clear, __ATOMIC_ACQ_REL);
}

/*
 * A general reference on frame mfn if rd owns it: the frame a grant names. Only the domain's
 * own memory can be granted, not the frames the hypervisor lends it (shared_info, the grant
 * table itself): those are not counted in its pages, so a peer's hold on one could outlive
 * the domain. (Xen allows it; Parvus refuses, as if the frame were not the domain's.)
 */
static struct page_info *get_granted_frame(unsigned long mfn, struct domain *rd)
{
	if (!mfn_valid(mfn) || !get_page(mfn_to_page(mfn), rd))
		return NULL;
	if (mfn_to_page(mfn)->domain_spare & PAGE_SPARE_UNCOUNTED) {
		put_page(mfn_to_page(mfn));
		return NULL;
	}
	return mfn_to_page(mfn);
}

/* ---- growing, creating, destroying ---- */

static int grow(struct grant_table *gt, unsigned int nr_frames)
{
	struct page_info *frames[GRANT_TABLE_MAX_FRAMES] = {0};
	struct active_grant *active[GRANT_TABLE_MAX_FRAMES] = {0};
	unsigned int i;

	for (i = gt->nr_frames; i < nr_frames; i++) {
		frames[i] = alloc_pages(0);
		active[i] = heap_zalloc(ENTRIES_PER_FRAME * sizeof(struct active_grant));
		if (!frames[i] || !active[i])
			break;
	}
	if (i < nr_frames) {
		for (i = gt->nr_frames; i < nr_frames; i++) {
			if (frames[i])
				free_pages(frames[i], 0);
			heap_free(active[i]);
		}
		return -XEN_ENOMEM;
	}
	for (i = gt->nr_frames; i < nr_frames; i++) {
		/* Shared with the domain like shared_info: its own, writable, held writable by us
		 * for good so it never becomes a page table, and not counted in tot_pages. */
		memset(page_to_virt(frames[i]), 0, PAGE_SIZE);
		domain_assign_shared_frame(gt->domain, frames[i]);
		if (get_page_and_type(frames[i], gt->domain, PGT_WRITABLE))
			panic("grant table: a new frame cannot be held writable");
		m2p_set(page_to_mfn(frames[i]), M2P_INVALID);
		gt->frames[i] = frames[i];
		gt->active[i] = active[i];
	}
	gt->nr_frames = nr_frames;
	return 0;
}

int grant_table_create(struct domain *d)
{
	struct grant_table *gt = heap_zalloc(sizeof(*gt));

	if (!gt)
		return -XEN_ENOMEM;
	gt->domain = d;
	spin_lock_init(&gt->lock);
	spin_lock_init(&gt->maptrack_lock);
	gt->free_head = gt->free_tail = MAPTRACK_NONE;
	if (grow(gt, 1)) {
		heap_free(gt);
		return -XEN_ENOMEM;
	}
	d->grant_table = gt;
	return 0;
}

void grant_table_destroy(struct domain *d)
{
	struct grant_table *gt = d->grant_table;

	if (!gt)
		return;
	/* Under the lock, so that a peer that looked the domain up meanwhile finds no entries
	 * (every reference is then out of range) rather than freed ones. */
	spin_lock(&gt->lock);
	for (unsigned int i = 0; i < gt->nr_frames; i++) {
		put_page_and_type(gt->frames[i]);
		page_relinquish(gt->frames[i]); /* freed once the domain's PTEs are gone too */
		heap_free(gt->active[i]);
		gt->frames[i] = NULL;
		gt->active[i] = NULL;
	}
	gt->nr_frames = 0;
	spin_unlock(&gt->lock);
	spin_lock(&gt->maptrack_lock);
	for (unsigned int i = 0; i < gt->maptrack_limit / MAPTRACK_PER_FRAME; i++) {
		heap_free(gt->maptrack[i]);
		gt->maptrack[i] = NULL;
	}
	gt->maptrack_limit = 0;
	spin_unlock(&gt->maptrack_lock);
}

void grant_table_free(struct domain *d)
{
	heap_free(d->grant_table);
	d->grant_table = NULL;
}

/* ---- the maptrack: handles ---- */

static struct grant_mapping *maptrack_entry(const struct grant_table *gt, uint32_t handle)
{
	return &gt->maptrack[handle / MAPTRACK_PER_FRAME][handle % MAPTRACK_PER_FRAME];
}

static uint32_t get_handle(struct grant_table *gt)
{
	uint32_t handle = MAPTRACK_NONE;

	spin_lock(&gt->maptrack_lock);
	if (gt->free_head == MAPTRACK_NONE) {
		unsigned int frame = gt->maptrack_limit / MAPTRACK_PER_FRAME;
		struct grant_mapping *page;

		if (frame == GRANT_TABLE_MAX_MAPTRACK_FRAMES || !(page = heap_zalloc(PAGE_SIZE)))
			goto out;
		for (unsigned int i = 0; i < MAPTRACK_PER_FRAME; i++)
			page[i].next_free = gt->maptrack_limit + i + 1;
		page[MAPTRACK_PER_FRAME - 1].next_free = MAPTRACK_NONE;
		gt->maptrack[frame] = page;
		gt->free_head = gt->maptrack_limit;
		gt->free_tail = gt->maptrack_limit + MAPTRACK_PER_FRAME - 1;
		/* Unlocked readers check a handle against the limit: publish the page first. */
		__atomic_store_n(&gt->maptrack_limit, gt->maptrack_limit + MAPTRACK_PER_FRAME,
				 __ATOMIC_RELEASE);
	}
	handle = gt->free_head;
	gt->free_head = maptrack_entry(gt, handle)->next_free;
	if (gt->free_head == MAPTRACK_NONE)
		gt->free_tail = MAPTRACK_NONE;
out:
	spin_unlock(&gt->maptrack_lock);
	return handle;
}

static void put_handle(struct grant_table *gt, uint32_t handle)
{
	spin_lock(&gt->maptrack_lock);
	maptrack_entry(gt, handle)->next_free = MAPTRACK_NONE;
	if (gt->free_tail == MAPTRACK_NONE)
		gt->free_head = handle;
	else
		maptrack_entry(gt, gt->free_tail)->next_free = handle;
	gt->free_tail = handle;
	spin_unlock(&gt->maptrack_lock);
}

/* ---- map_grant_ref ---- */

static void map_grant_ref(struct domain *ld, struct gnttab_map_grant_ref *op)
{
	bool readonly = op->flags & GNTMAP_readonly;
	bool host = op->flags & GNTMAP_host_map, device = op->flags & GNTMAP_device_map;
	struct grant_table *lgt = ld->grant_table, *rgt;
	unsigned int references = 0, types = 0;
	struct page_info *pg = NULL;
	struct grant_entry_v1 *entry;
	struct active_grant *act;
	struct grant_mapping *mapping;
	struct domain *rd;
	uint32_t handle, pins = 0;
	unsigned long mfn;
	int16_t rc;

	if (!host && !device) {
		op->status = GNTST_bad_gntref; /* Xen's answer for "nothing to map" */
		return;
	}
	rd = domain_by_id(op->dom); /* DOMID_SELF is not accepted here, as in Xen */
	if (!rd) {
		op->status = GNTST_bad_domain;
		return;
	}
	handle = get_handle(lgt);
	if (handle == MAPTRACK_NONE) {
		op->status = GNTST_no_device_space;
		return;
	}

	rgt = rd->grant_table;
	spin_lock(&rgt->lock);
	if (op->ref >= nr_entries(rgt)) {
		rc = GNTST_bad_gntref;
		goto unlock;
	}
	act = active_entry(rgt, op->ref);
	entry = shared_entry(rgt, op->ref);
	if (act->pin && (act->domid != ld->domain_id || (act->pin & PIN_NEAR_OVERFLOW))) {
		rc = GNTST_general_error; /* pinned by another domain, or too often */
		goto unlock;
	}
	if (!act->pin || (!readonly && !(act->pin & PIN_WRITERS))) {
		rc = pin_entry(entry, act, ld->domain_id, readonly, true);
		if (rc != GNTST_okay)
			goto unlock;
		if (!act->pin) {
			/* The frame is read once, here: a later change of the entry is ignored. */
			pg = get_granted_frame(__atomic_load_n(&entry->frame, __ATOMIC_RELAXED),
					       rd);
			if (!pg) {
				rc = GNTST_bad_page;
				goto unlock_clear;
			}
			references++;
			act->domid = ld->domain_id;
			act->mfn = page_to_mfn(pg);
		}
	}
	if (device)
		pins += readonly ? PIN_DEVICE_READ : PIN_DEVICE_WRITE;
	if (host)
		pins += readonly ? PIN_HOST_READ : PIN_HOST_WRITE;
	act->pin += pins;
	mfn = act->mfn;
	spin_unlock(&rgt->lock);

	/* One general reference per kind of mapping, a writable type reference per writer. */
	rc = GNTST_general_error;
	if (!pg) {
		pg = get_granted_frame(mfn, rd);
		if (!pg)
			goto undo;
		references++;
	}
	if (device && !readonly) {
		if (get_page_type(pg, PGT_WRITABLE))
			goto undo; /* a page table or descriptor page is never writable */
		types++;
	}
	if (host) {
		if (device) {
			if (!get_page(pg, rd))
				goto undo;
			references++;
		}
		if (!readonly) {
			if (get_page_type(pg, PGT_WRITABLE))
				goto undo;
			types++;
		}
		rc = create_grant_host_mapping(op->host_addr, mfn, op->flags);
		if (rc != GNTST_okay)
			goto undo;
	}

	/* Readers of the maptrack look at flags first: store them last. */
	mapping = maptrack_entry(lgt, handle);
	mapping->domid = op->dom;
	mapping->ref = op->ref;
	__atomic_store_n(&mapping->flags, (uint16_t)op->flags, __ATOMIC_RELEASE);
	op->dev_bus_addr = (uint64_t)mfn << PAGE_SHIFT;
	op->handle = handle;
	op->status = GNTST_okay;
	return;

undo:
	while (types--)
		put_page_type(pg);
	while (references--)
		put_page(pg);
	spin_lock(&rgt->lock);
	act->pin -= pins;
unlock_clear:
	unpin_bits(entry, act, !readonly);
unlock:
	spin_unlock(&rgt->lock);
	op->status = rc;
	put_handle(lgt, handle);
}

/* ---- unmap_grant_ref and unmap_and_replace ---- */

/* One unmap, in its two halves: before the batch's TLB flush, and after. */
struct unmap {
	uint64_t host_addr, dev_bus_addr, new_addr;
	grant_handle_t handle;
	int16_t status;
	uint16_t done; /* GNTMAP_host_map, _device_map removed; GNTMAP_readonly if they were */
	struct domain *rd;
	grant_ref_t ref;
	unsigned long mfn;
};

/* Take the mapping out of the page tables and the maptrack; its pins and references stay. */
static void unmap_begin(struct domain *ld, struct unmap *u)
{
	struct grant_table *lgt = ld->grant_table, *rgt;
	struct grant_mapping *mapping;
	uint16_t flags;
	domid_t domid;
	bool free_handle = false;
	int16_t rc = GNTST_okay;

	u->done = 0;
	if (u->handle >= __atomic_load_n(&lgt->maptrack_limit, __ATOMIC_ACQUIRE)) {
		u->status = GNTST_bad_handle;
		return;
	}
	mapping = maptrack_entry(lgt, u->handle);
	if (!__atomic_load_n(&mapping->flags, __ATOMIC_ACQUIRE)) {
		u->status = GNTST_bad_handle; /* never mapped, or unmapped already */
		return;
	}
	domid = mapping->domid;
	u->rd = domain_by_id(domid);
	if (!u->rd) { /* cannot happen while domains live for ever; Xen crashes the caller */
		domain_crash(ld, "grant unmap: the granting domain is gone");
		u->status = GNTST_bad_domain;
		return;
	}

	rgt = u->rd->grant_table;
	spin_lock(&rgt->lock);
	/* Another unmap of the same handle may have run meanwhile: look again, under the lock
	 * every unmap of this granter's grants takes. */
	u->ref = mapping->ref;
	flags = __atomic_load_n(&mapping->flags, __ATOMIC_ACQUIRE);
	if (!flags || mapping->domid != domid || u->ref >= nr_entries(rgt)) {
		rc = GNTST_bad_handle;
		goto unlock;
	}
	u->mfn = active_entry(rgt, u->ref)->mfn;
	if (u->dev_bus_addr && u->dev_bus_addr != (uint64_t)u->mfn << PAGE_SHIFT) {
		rc = GNTST_bad_dev_addr;
		goto unlock;
	}
	/* host_addr 0 (or dev_bus_addr 0) asks to remove nothing of that kind: not an error. */
	if (u->host_addr && (flags & GNTMAP_host_map)) {
		rc = replace_grant_host_mapping(u->host_addr, u->mfn, u->new_addr, flags);
		if (rc != GNTST_okay)
			goto unlock;
		flags &= ~GNTMAP_host_map;
		u->done |= GNTMAP_host_map | (flags & GNTMAP_readonly);
	}
	if (u->dev_bus_addr && (flags & GNTMAP_device_map)) {
		flags &= ~GNTMAP_device_map;
		u->done |= GNTMAP_device_map | (flags & GNTMAP_readonly);
	}
	if (!(flags & (GNTMAP_host_map | GNTMAP_device_map))) {
		flags = 0;
		free_handle = true;
	}
	__atomic_store_n(&mapping->flags, flags, __ATOMIC_RELEASE);
unlock:
	spin_unlock(&rgt->lock);
	if (free_handle)
		put_handle(lgt, u->handle);
	u->status = rc;
}

/* After the flush no CPU can reach the frame through the mapping: drop what it held. */
static void unmap_complete(struct unmap *u)
{
	struct grant_table *rgt;
	struct active_grant *act;
	struct page_info *pg;
	bool readonly = u->done & GNTMAP_readonly;

	if (!(u->done & (GNTMAP_host_map | GNTMAP_device_map)))
		return;
	rgt = u->rd->grant_table;
	pg = mfn_to_page(u->mfn);
	spin_lock(&rgt->lock);
	act = active_entry(rgt, u->ref);
	if (u->done & GNTMAP_device_map) {
		if (!readonly)
			put_page_type(pg);
		put_page(pg);
		act->pin -= readonly ? PIN_DEVICE_READ : PIN_DEVICE_WRITE;
	}
	if (u->done & GNTMAP_host_map) {
		if (!readonly)
			put_page_type(pg);
		put_page(pg);
		act->pin -= readonly ? PIN_HOST_READ : PIN_HOST_WRITE;
	}
	unpin_bits(shared_entry(rgt, u->ref), act, !readonly);
	spin_unlock(&rgt->lock);
}

/*
 * Both unmap commands: batches of UNMAP_BATCH share one TLB flush, which comes before any
 * grant loses its pin (the guarantee Xen's interface gives: after the call, no stale
 * translation remains). A domain has one vCPU, and guest mappings are never global, so the
 * local flush reaches every translation (with SMP guests: flush the domain's dirty CPUs).
 */
static long unmap_batch(struct domain *ld, unsigned int cmd, uint64_t list, unsigned int count)
{
	bool replace = cmd == GNTTABOP_unmap_and_replace;
	size_t size = replace ? sizeof(struct gnttab_unmap_and_replace)
			      : sizeof(struct gnttab_unmap_grant_ref);
	size_t status_at = replace ? offsetof(struct gnttab_unmap_and_replace, status)
				   : offsetof(struct gnttab_unmap_grant_ref, status);
	struct unmap batch[UNMAP_BATCH];
	unsigned int n = count < UNMAP_BATCH ? count : UNMAP_BATCH, done;
	long rc = 0;

	for (done = 0; done < n; done++) {
		uint64_t at = list + done * size;
		struct unmap *u = &batch[done];

		memset(u, 0, sizeof(*u));
		if (replace) {
			struct gnttab_unmap_and_replace op;

			if (copy_from_guest_raw(&op, at, sizeof(op))) {
				rc = -XEN_EFAULT;
				break;
			}
			u->host_addr = op.host_addr;
			u->new_addr = op.new_addr;
			u->handle = op.handle;
		} else {
			struct gnttab_unmap_grant_ref op;

			if (copy_from_guest_raw(&op, at, sizeof(op))) {
				rc = -XEN_EFAULT;
				break;
			}
			u->host_addr = op.host_addr;
			u->dev_bus_addr = op.dev_bus_addr;
			u->handle = op.handle;
		}
		unmap_begin(ld, u);
		if (copy_to_guest_raw(at + status_at, &u->status, sizeof(u->status))) {
			done++; /* it was carried out all the same */
			rc = -XEN_EFAULT;
			break;
		}
	}
	/* Every CPU that may have cached the mappings (the mapper's vCPUs may run elsewhere). */
	flush_guest_tlbs();
	for (unsigned int i = 0; i < done; i++)
		unmap_complete(&batch[i]);
	if (rc == 0 && count > n)
		return hypercall_continue(__HYPERVISOR_grant_table_op, cmd, list + n * size,
					  count - n, 0, 0);
	return rc;
}

/* ---- copy ---- */

/* Pin gref of rd for a copy by domain `user` and take a reference on its frame. */
static int16_t acquire_for_copy(struct domain *rd, grant_ref_t ref, domid_t user, bool readonly,
				struct page_info **pg)
{
	struct grant_table *rgt = rd->grant_table;
	struct grant_entry_v1 *entry;
	struct active_grant *act;
	int16_t rc = GNTST_okay;

	spin_lock(&rgt->lock);
	if (ref >= nr_entries(rgt)) {
		spin_unlock(&rgt->lock);
		return GNTST_bad_gntref;
	}
	act = active_entry(rgt, ref);
	entry = shared_entry(rgt, ref);
	if (act->pin && (act->domid != user || (act->pin & PIN_NEAR_OVERFLOW))) {
		spin_unlock(&rgt->lock);
		return GNTST_general_error;
	}
	if (!act->pin || (!readonly && !(act->pin & PIN_WRITERS))) {
		rc = pin_entry(entry, act, user, readonly, false);
		if (rc != GNTST_okay) {
			spin_unlock(&rgt->lock);
			return rc;
		}
	}
	if (!act->pin) {
		*pg = get_granted_frame(__atomic_load_n(&entry->frame, __ATOMIC_RELAXED), rd);
		if (!*pg) {
			rc = GNTST_bad_page;
			goto clear;
		}
		act->domid = user;
		act->mfn = page_to_mfn(*pg);
	} else {
		*pg = get_granted_frame(act->mfn, rd);
		if (!*pg) {
			rc = GNTST_bad_domain; /* the frame left its owner: Xen's answer */
			goto clear;
		}
	}
	act->pin += readonly ? PIN_HOST_READ : PIN_HOST_WRITE;
	spin_unlock(&rgt->lock);
	return GNTST_okay;
clear:
	unpin_bits(entry, act, !readonly);
	spin_unlock(&rgt->lock);
	return rc;
}

static void release_for_copy(struct domain *rd, grant_ref_t ref, bool readonly)
{
	struct grant_table *rgt = rd->grant_table;
	struct active_grant *act;

	spin_lock(&rgt->lock);
	act = active_entry(rgt, ref);
	act->pin -= readonly ? PIN_HOST_READ : PIN_HOST_WRITE;
	unpin_bits(shared_entry(rgt, ref), act, !readonly);
	spin_unlock(&rgt->lock);
}

/* One side of a copy: a grant of some domain's, or (DOMID_SELF only) a frame of our own. */
struct copy_side {
	struct domain *d;
	struct page_info *pg;
	bool is_gref, readonly, have_grant, have_type;
	grant_ref_t ref;
};

static int16_t copy_find_domain(struct copy_side *side, domid_t domid)
{
	side->d = domain_by_any_id(domid);
	if (!side->d)
		return GNTST_bad_domain;
	if (!side->is_gref && domid != DOMID_SELF)
		return GNTST_permission_denied; /* frames are named only for oneself */
	return GNTST_okay;
}

static int16_t copy_claim(struct domain *ld, struct copy_side *side,
			  const struct gnttab_copy_ptr *ptr)
{
	int16_t rc;

	if (side->is_gref) {
		rc = acquire_for_copy(side->d, ptr->u.ref, ld->domain_id, side->readonly,
				      &side->pg);
		if (rc != GNTST_okay)
			return rc;
		side->have_grant = true;
		side->ref = ptr->u.ref;
	} else {
		side->pg = get_granted_frame(ptr->u.gmfn, side->d);
		if (!side->pg)
			return GNTST_bad_page;
	}
	if (!side->readonly) {
		if (get_page_type(side->pg, PGT_WRITABLE))
			return GNTST_general_error; /* never write into a page table */
		side->have_type = true;
	}
	return GNTST_okay;
}

static void copy_release(struct copy_side *side)
{
	if (side->have_type)
		put_page_type(side->pg);
	if (side->pg)
		put_page(side->pg);
	if (side->have_grant)
		release_for_copy(side->d, side->ref, side->readonly);
}

/* The bytes themselves: the two ranges overlap only when both sides are the same page. */
static void copy_within_pages(uint8_t *to, unsigned int to_offset, const uint8_t *from,
			      unsigned int from_offset, unsigned int length)
{
	if (to == from && to_offset < from_offset + length && from_offset < to_offset + length)
		memmove(to + to_offset, from + from_offset, length);
	else
		copy_bytes(to + to_offset, from + from_offset, length);
}

static int16_t copy_one(struct domain *ld, const struct gnttab_copy *op)
{
	struct copy_side source = {.is_gref = op->flags & GNTCOPY_source_gref, .readonly = true};
	struct copy_side dest = {.is_gref = op->flags & GNTCOPY_dest_gref, .readonly = false};
	int16_t rc;

	if ((rc = copy_find_domain(&source, op->source.domid)) != GNTST_okay ||
	    (rc = copy_find_domain(&dest, op->dest.domid)) != GNTST_okay)
		return rc;
	if ((rc = copy_claim(ld, &source, &op->source)) == GNTST_okay &&
	    (rc = copy_claim(ld, &dest, &op->dest)) == GNTST_okay) {
		/* Checked after the claims, as in Xen: a bad grant is reported first. */
		if (op->source.offset + op->len > PAGE_SIZE ||
		    op->dest.offset + op->len > PAGE_SIZE)
			rc = GNTST_bad_copy_arg;
		else
			copy_within_pages(page_to_virt(dest.pg), op->dest.offset,
					  page_to_virt(source.pg), op->source.offset, op->len);
	}
	copy_release(&dest);
	copy_release(&source);
	return rc;
}

/* ---- the table's own operations ---- */

/* May ld look at or change d's table? Its own; any, for a privileged domain (Xen's XSM). */
static bool may_control(const struct domain *ld, const struct domain *d)
{
	return d == ld || ld->is_privileged;
}

/*
 * Xen's guest_handle_okay(): count elements of size at address might be the guest's. Only
 * the start is checked (an address in the hypervisor's hole or a non-canonical one is not);
 * the copies check the rest.
 */
static bool handle_okay(uint64_t address, uint64_t count, size_t size)
{
	return count < UINT64_MAX / size && guest_range_ok(address, 1);
}

/*
 * The domain a table operation names (DOMID_SELF or an id): GNTST_okay and *d, or
 * GNTST_bad_domain (none by that id, or dying: its table is being emptied and must not grow
 * again) or GNTST_permission_denied (not ours to control).
 */
static int16_t table_target(struct domain *ld, domid_t id, struct domain **d)
{
	*d = domain_by_any_id(id);
	if (!*d || (*d)->is_dying)
		return GNTST_bad_domain;
	return may_control(ld, *d) ? GNTST_okay : GNTST_permission_denied;
}

static long setup_table(struct domain *ld, uint64_t arg, unsigned int count)
{
	struct gnttab_setup_table op;
	uint64_t frames[GRANT_TABLE_MAX_FRAMES];
	struct domain *d;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (!handle_okay((uint64_t)op.frame_list.p, op.nr_frames, sizeof(uint64_t)))
		return -XEN_EFAULT;
	op.status = table_target(ld, op.dom, &d);
	if (op.status == GNTST_okay) {
		struct grant_table *gt = d->grant_table;

		spin_lock(&gt->lock);
		if (op.nr_frames > GRANT_TABLE_MAX_FRAMES ||
		    (op.nr_frames > gt->nr_frames && grow(gt, op.nr_frames))) {
			op.status = GNTST_general_error;
		} else {
			op.status = GNTST_okay;
			for (unsigned int i = 0; i < op.nr_frames; i++)
				frames[i] = page_to_mfn(gt->frames[i]);
		}
		spin_unlock(&gt->lock);
		if (op.status == GNTST_okay && op.nr_frames &&
		    copy_to_guest_raw((uint64_t)op.frame_list.p, frames,
				      op.nr_frames * sizeof(frames[0])))
			op.status = GNTST_bad_virt_addr;
	}
	if (copy_to_guest_raw(arg + offsetof(struct gnttab_setup_table, status), &op.status,
			      sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

static long query_size(struct domain *ld, uint64_t arg, unsigned int count)
{
	struct gnttab_query_size op;
	struct domain *d;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	op.status = table_target(ld, op.dom, &d);
	if (op.status == GNTST_okay) {
		spin_lock(&d->grant_table->lock);
		op.nr_frames = d->grant_table->nr_frames;
		spin_unlock(&d->grant_table->lock);
		op.max_nr_frames = GRANT_TABLE_MAX_FRAMES;
	}
	return copy_to_guest_raw(arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/*
 * Versions: Parvus implements version 1 only, and answers as Xen 4.17 does when version 2
 * is turned off (gnttab=max-ver:1): set_version(2) is -ENOSYS, anything but 1 or 2 -EINVAL,
 * and the version in force (1) is written back either way.
 */
static long set_version(uint64_t arg)
{
	struct gnttab_set_version op;
	long rc = 0;

	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.version != 1 && op.version != 2)
		rc = -XEN_EINVAL;
	else if (op.version == 2)
		rc = -XEN_ENOSYS;
	op.version = 1;
	if (copy_to_guest_raw(arg, &op, sizeof(op)))
		rc = -XEN_EFAULT;
	return rc;
}

static long get_version(struct domain *ld, uint64_t arg)
{
	struct gnttab_get_version op;
	struct domain *d;

	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	d = domain_by_any_id(op.dom);
	if (!d)
		return -XEN_ESRCH;
	if (!may_control(ld, d))
		return -XEN_EPERM;
	op.version = 1;
	if (copy_to_guest_raw(arg + offsetof(struct gnttab_get_version, version), &op.version,
			      sizeof(op.version)))
		return -XEN_EFAULT;
	return 0;
}

/* Version 2's status frames: a version 1 table has none to give. */
static long get_status_frames(struct domain *ld, uint64_t arg, unsigned int count)
{
	struct gnttab_get_status_frames op;
	struct domain *d;

	if (count != 1)
		return -XEN_EINVAL;
	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	op.status = table_target(ld, op.dom, &d);
	if (op.status == GNTST_okay)
		op.status = op.nr_frames ? GNTST_general_error : GNTST_okay;
	if (copy_to_guest_raw(arg + offsetof(struct gnttab_get_status_frames, status), &op.status,
			      sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

/* Exchange two entries of one's own table; neither may be in use. */
static int16_t swap_grant_ref(struct domain *ld, grant_ref_t a, grant_ref_t b)
{
	struct grant_table *gt = ld->grant_table;
	int16_t rc = GNTST_okay;

	spin_lock(&gt->lock);
	if (a >= nr_entries(gt) || b >= nr_entries(gt)) {
		rc = GNTST_bad_gntref;
	} else if (a != b) {
		if (active_entry(gt, a)->pin || active_entry(gt, b)->pin) {
			rc = GNTST_eagain;
		} else {
			uint64_t *x = (uint64_t *)shared_entry(gt, a),
				 *y = (uint64_t *)shared_entry(gt, b);
			uint64_t saved = __atomic_load_n(x, __ATOMIC_RELAXED);

			__atomic_store_n(x, __atomic_load_n(y, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
			__atomic_store_n(y, saved, __ATOMIC_RELAXED);
		}
	}
	spin_unlock(&gt->lock);
	return rc;
}

/* ---- the hypercall ---- */

/* Where a batch stopped for a slice: the rest continues as the same call. */
static long continue_batch(unsigned int cmd, uint64_t list, size_t size, unsigned int done,
			   unsigned int count)
{
	return hypercall_continue(__HYPERVISOR_grant_table_op, cmd, list + done * size,
				  count - done, 0, 0);
}

static long map_batch(struct domain *ld, uint64_t list, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++) {
		uint64_t at = list + i * sizeof(struct gnttab_map_grant_ref);
		struct gnttab_map_grant_ref op;

		if (i == OPS_PER_SLICE)
			return continue_batch(GNTTABOP_map_grant_ref, list, sizeof(op), i, count);
		if (copy_from_guest_raw(&op, at, sizeof(op)))
			return -XEN_EFAULT;
		map_grant_ref(ld, &op);
		if (copy_to_guest_raw(at, &op, sizeof(op)))
			return -XEN_EFAULT;
	}
	return 0;
}

static long copy_batch(struct domain *ld, uint64_t list, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++) {
		uint64_t at = list + i * sizeof(struct gnttab_copy);
		struct gnttab_copy op;

		if (i == OPS_PER_SLICE)
			return continue_batch(GNTTABOP_copy, list, sizeof(op), i, count);
		if (copy_from_guest_raw(&op, at, sizeof(op)))
			return -XEN_EFAULT;
		op.status = copy_one(ld, &op);
		if (copy_to_guest_raw(at + offsetof(struct gnttab_copy, status), &op.status,
				      sizeof(op.status)))
			return -XEN_EFAULT;
	}
	return 0;
}

static long swap_batch(struct domain *ld, uint64_t list, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++) {
		uint64_t at = list + i * sizeof(struct gnttab_swap_grant_ref);
		struct gnttab_swap_grant_ref op;

		if (i == OPS_PER_SLICE)
			return continue_batch(GNTTABOP_swap_grant_ref, list, sizeof(op), i, count);
		if (copy_from_guest_raw(&op, at, sizeof(op)))
			return -XEN_EFAULT;
		op.status = swap_grant_ref(ld, op.ref_a, op.ref_b);
		if (copy_to_guest_raw(at + offsetof(struct gnttab_swap_grant_ref, status),
				      &op.status, sizeof(op.status)))
			return -XEN_EFAULT;
	}
	return 0;
}

/*
 * grant_table_op(cmd, list, count). cmd and count are 32-bit in the ABI. Batched commands
 * first check that the list may be the guest's (-EFAULT), then answer per operation in its
 * status; an operation that cannot be read or answered ends the batch with -EFAULT.
 * Not built: GNTTABOP_transfer (page flipping, gone from current guests) and
 * GNTTABOP_cache_flush (for non-coherent devices, which x86 has not): both -ENOSYS.
 */
long do_grant_table_op(uint64_t command, uint64_t list, uint64_t count64, uint64_t unused4,
		       uint64_t unused5)
{
	struct domain *ld = current_vcpu()->domain;
	unsigned int cmd = (uint32_t)command, count = (uint32_t)count64;

	(void)unused4, (void)unused5;
	if ((int)count < 0)
		return -XEN_EINVAL;
	if (cmd & ~GNTTABOP_CMD_MASK)
		return -XEN_EINVAL; /* continuation state, which only cache_flush has */
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		if (!handle_okay(list, count, sizeof(struct gnttab_map_grant_ref)))
			return -XEN_EFAULT;
		return map_batch(ld, list, count);
	case GNTTABOP_unmap_grant_ref:
		if (!handle_okay(list, count, sizeof(struct gnttab_unmap_grant_ref)))
			return -XEN_EFAULT;
		return count ? unmap_batch(ld, cmd, list, count) : 0;
	case GNTTABOP_unmap_and_replace:
		if (!handle_okay(list, count, sizeof(struct gnttab_unmap_and_replace)))
			return -XEN_EFAULT;
		return count ? unmap_batch(ld, cmd, list, count) : 0;
	case GNTTABOP_setup_table:
		return setup_table(ld, list, count);
	case GNTTABOP_copy:
		if (!handle_okay(list, count, sizeof(struct gnttab_copy)))
			return -XEN_EFAULT;
		return copy_batch(ld, list, count);
	case GNTTABOP_query_size:
		return query_size(ld, list, count);
	case GNTTABOP_set_version:
		return set_version(list);
	case GNTTABOP_get_status_frames:
		return get_status_frames(ld, list, count);
	case GNTTABOP_get_version:
		return get_version(ld, list);
	case GNTTABOP_swap_grant_ref:
		if (!handle_okay(list, count, sizeof(struct gnttab_swap_grant_ref)))
			return -XEN_EFAULT;
		return swap_batch(ld, list, count);
	default:
		return -XEN_ENOSYS;
	}
}

/* ---- domain teardown ---- */

void grant_table_release_mappings(struct domain *d)
{
	struct grant_table *gt = d->grant_table;

	for (uint32_t handle = 0; gt && handle < gt->maptrack_limit; handle++) {
		struct grant_mapping *mapping = maptrack_entry(gt, handle);
		uint16_t flags = mapping->flags;
		struct domain *rd;
		struct active_grant *act;
		bool readonly = flags & GNTMAP_readonly;

		if (!(flags & (GNTMAP_host_map | GNTMAP_device_map)))
			continue;
		rd = domain_by_id(mapping->domid);
		mapping->flags = 0;
		if (!rd)
			continue;
		spin_lock(&rd->grant_table->lock);
		if (mapping->ref >= nr_entries(rd->grant_table)) { /* an invariant, not input */
			spin_unlock(&rd->grant_table->lock);
			continue;
		}
		act = active_entry(rd->grant_table, mapping->ref);
		if (flags & GNTMAP_device_map) {
			struct page_info *pg = mfn_to_page(act->mfn);

			if (!readonly)
				put_page_type(pg);
			put_page(pg);
			act->pin -= readonly ? PIN_DEVICE_READ : PIN_DEVICE_WRITE;
		}
		/* A host mapping's references go with the PTE, when page tables are torn down. */
		if (flags & GNTMAP_host_map)
			act->pin -= readonly ? PIN_HOST_READ : PIN_HOST_WRITE;
		unpin_bits(shared_entry(rd->grant_table, mapping->ref), act, !readonly);
		spin_unlock(&rd->grant_table->lock);
	}
}
