/*
 * The heap: small objects from slabs, big ones from whole pages.
 *
 * A slab is one page cut into equal slots of one size class. Each slot starts with a 16-byte
 * header (live or free, the size asked for, the free-list link) and the caller gets the bytes
 * after it. The page's frame table entry says it is a slab, of which class, how many slots are
 * in use and where the first free one is; heap_free() finds it through virt_to_mfn(). A slab
 * with a free slot is on its class's list; a slab whose last object is freed goes straight
 * back to the frame allocator. Requests above HEAP_SMALL_MAX get the fewest whole pages that hold
 * them, with the size kept in the first page's frame table entry.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "heap.h"
#include "page_alloc.h"
#include "spinlock.h"

#define OBJECT_LIVE 0x4c495645u /* "LIVE" */
#define OBJECT_FREE 0x46524545u /* "FREE" */

struct object_header {
	uint32_t magic;	    /* OBJECT_LIVE or OBJECT_FREE; anything else: overwritten */
	uint32_t size;	    /* live: the bytes the caller asked for */
	uint16_t next_free; /* free: page offset of the next free slot, or SLAB_NO_OBJECT */
	uint16_t unused[3];
};

_Static_assert(sizeof(struct object_header) == HEAP_ALIGN, "the header keeps objects aligned");

/*
 * Slot sizes, header included. Each is the biggest multiple of 16 that still fits n slots in a
 * page, for n = 128, 85, 64, 42, 32, 21, 16, 12, 10, 8, 6, 5, 4, 3, 2: little is wasted at the
 * end of a page, and no class is more than about 1.5 times the one before it.
 */
static const uint16_t slot_sizes[] = {
	32, 48, 64, 96, 128, 192, 256, 336, 400, 512, 672, 816, 1024, 1360, 2048, /* bytes */
};
#define NR_SIZE_CLASSES (sizeof(slot_sizes) / sizeof(slot_sizes[0]))

_Static_assert(2048 - sizeof(struct object_header) == HEAP_SMALL_MAX,
	       "HEAP_SMALL_MAX is what the biggest slot holds");
_Static_assert(PAGE_SIZE / 32 <= UINT8_MAX, "a slab's object count fits page_info's in_use");

static spinlock_t heap_lock = SPINLOCK_INIT;
static struct page_info *partial_slabs[NR_SIZE_CLASSES]; /* slabs with a free slot, by class */
static struct heap_stats stats;

/* Report an internal error, dropping the lock first so a test that catches it can go on. */
__attribute__((noreturn)) static void fail(const char *why)
{
	spin_unlock(&heap_lock);
	heap_panic(why);
}

void heap_init(void)
{
	spin_lock_init(&heap_lock);
	for (unsigned int i = 0; i < NR_SIZE_CLASSES; i++)
		partial_slabs[i] = NULL;
	memset(&stats, 0, sizeof(stats));
}

static unsigned int size_class_for(size_t size)
{
	unsigned int size_class = 0;

	while (slot_sizes[size_class] - sizeof(struct object_header) < size)
		size_class++;
	return size_class;
}

static struct object_header *slot_at(const struct page_info *pg, unsigned int offset)
{
	return (struct object_header *)((char *)page_to_virt(pg) + offset);
}

/* A fresh page made into a slab of this class: every slot free, chained in address order. */
static struct page_info *new_slab(unsigned int size_class)
{
	unsigned int slot = slot_sizes[size_class];
	unsigned int slots = PAGE_SIZE / slot;
	struct page_info *pg = alloc_pages(0);

	if (!pg)
		return NULL;
	pg->use = PAGE_USE_SLAB;
	pg->slab.size_class = (uint8_t)size_class;
	pg->slab.in_use = 0;
	pg->slab.first_free = 0;
	for (unsigned int i = 0; i < slots; i++) {
		struct object_header *header = slot_at(pg, i * slot);

		header->magic = OBJECT_FREE;
		header->next_free = i + 1 < slots ? (uint16_t)((i + 1) * slot) : SLAB_NO_OBJECT;
	}
	stats.pages_held++;
	return pg;
}

static void *slab_alloc(size_t size)
{
	unsigned int size_class = size_class_for(size);
	struct object_header *header;
	struct page_info *pg;

	spin_lock(&heap_lock);
	pg = partial_slabs[size_class];
	if (!pg) {
		pg = new_slab(size_class);
		if (!pg) {
			spin_unlock(&heap_lock);
			return NULL;
		}
		page_list_push(&partial_slabs[size_class], pg);
	}

	header = slot_at(pg, pg->slab.first_free);
	if (header->magic != OBJECT_FREE)
		fail("heap_alloc: free slot header overwritten (overflow from the slot before?)");
	pg->slab.first_free = header->next_free;
	pg->slab.in_use++;
	if (pg->slab.first_free == SLAB_NO_OBJECT)
		page_list_remove(&partial_slabs[size_class], pg); /* full now */

	header->magic = OBJECT_LIVE;
	header->size = (uint32_t)size;
	header->next_free = SLAB_NO_OBJECT;
	stats.live_allocations++;
	stats.live_bytes += size;
	spin_unlock(&heap_lock);
	return header + 1;
}

/* Give frames mfn .. mfn + nr_frames - 1 back, as the fewest aligned blocks. */
static void free_frame_run(unsigned long mfn, unsigned long nr_frames)
{
	while (nr_frames) {
		unsigned int order = largest_aligned_order(mfn, nr_frames);

		free_pages(mfn_to_page(mfn), order);
		mfn += 1UL << order;
		nr_frames -= 1UL << order;
	}
}

static void *block_alloc(size_t size)
{
	unsigned long pages = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned int order = 0;
	struct page_info *pg;

	while ((1UL << order) < pages)
		order++;
	pg = alloc_pages(order);
	if (!pg)
		return NULL;
	/* A 5-page request takes an 8-page block; the last 3 pages go straight back. */
	free_frame_run(page_to_mfn(pg) + pages, (1UL << order) - pages);

	spin_lock(&heap_lock);
	pg->use = PAGE_USE_HEAP_BLOCK;
	pg->heap_bytes = (uint32_t)size;
	stats.live_allocations++;
	stats.live_bytes += size;
	stats.pages_held += pages;
	spin_unlock(&heap_lock);
	return page_to_virt(pg);
}

void *heap_alloc(size_t size)
{
	if (size == 0 || size > (PAGE_SIZE << MAX_ORDER))
		return NULL;
	if (size <= HEAP_SMALL_MAX)
		return slab_alloc(size);
	return block_alloc(size);
}

void *heap_zalloc(size_t size)
{
	void *p = heap_alloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* Called with the lock held; returns with it dropped. */
static void slab_free(struct page_info *pg, uintptr_t offset)
{
	unsigned int slot, header_offset;
	struct object_header *header;
	bool was_full;

	if (pg->slab.size_class >= NR_SIZE_CLASSES)
		fail("heap_free: slab page with a bad size class");
	slot = slot_sizes[pg->slab.size_class];
	if (offset < sizeof(*header) || (offset - sizeof(*header)) % slot != 0 ||
	    (offset - sizeof(*header)) / slot >= PAGE_SIZE / slot)
		fail("heap_free: pointer into a slab but not at the start of an object");
	header_offset = (unsigned int)(offset - sizeof(*header));
	header = slot_at(pg, header_offset);
	if (header->magic == OBJECT_FREE)
		fail("heap_free: object freed twice");
	if (header->magic != OBJECT_LIVE)
		fail("heap_free: object header overwritten (overflow of the object before it?)");

	stats.live_allocations--;
	stats.live_bytes -= header->size;

	was_full = pg->slab.first_free == SLAB_NO_OBJECT;
	header->magic = OBJECT_FREE;
	header->next_free = pg->slab.first_free;
	pg->slab.first_free = (uint16_t)header_offset;
	pg->slab.in_use--;

	if (pg->slab.in_use == 0) {
		/* Empty: back to the frame allocator (heap lock before allocator lock). */
		if (!was_full)
			page_list_remove(&partial_slabs[pg->slab.size_class], pg);
		pg->use = PAGE_USE_NONE;
		pg->heap_bytes = 0; /* clears the slab fields too */
		stats.pages_held--;
		free_pages(pg, 0);
	} else if (was_full) {
		page_list_push(&partial_slabs[pg->slab.size_class], pg);
	}
	spin_unlock(&heap_lock);
}

/* Called with the lock held; returns with it dropped. */
static void block_free(struct page_info *pg)
{
	unsigned long pages = (pg->heap_bytes + PAGE_SIZE - 1) / PAGE_SIZE;

	stats.live_allocations--;
	stats.live_bytes -= pg->heap_bytes;
	stats.pages_held -= pages;
	/* Cleared under the lock, so a second heap_free() of this block is caught. */
	pg->use = PAGE_USE_NONE;
	pg->heap_bytes = 0;
	spin_unlock(&heap_lock);
	free_frame_run(page_to_mfn(pg), pages);
}

void heap_free(void *p)
{
	struct page_info *pg;
	unsigned long mfn;
	uintptr_t offset;

	if (!p)
		return;
	if ((uintptr_t)p % HEAP_ALIGN)
		heap_panic("heap_free: pointer not aligned like any heap allocation");
	mfn = virt_to_mfn(p);
	if (!mfn_valid(mfn))
		heap_panic("heap_free: pointer outside the frame table's memory");
	pg = mfn_to_page(mfn);
	offset = (uintptr_t)p - (uintptr_t)page_to_virt(pg);

	spin_lock(&heap_lock);
	/* Only `use` is read: the frame allocator's fields are not the heap's to look at. */
	if (pg->use == PAGE_USE_SLAB)
		slab_free(pg, offset);
	else if (pg->use == PAGE_USE_HEAP_BLOCK && offset == 0)
		block_free(pg);
	else
		fail("heap_free: pointer not from the heap, or freed already");
}

void heap_get_stats(struct heap_stats *out)
{
	spin_lock(&heap_lock);
	*out = stats;
	spin_unlock(&heap_lock);
}
