/*
 * The physical frame allocator: a buddy allocator over the frame table.
 *
 * Boot code sets it up in two steps: page_alloc_init() with the frame table (every frame starts
 * reserved), then page_alloc_add_range() for each stretch of usable RAM. After that any CPU may
 * call alloc_pages() and free_pages() for blocks of 2^order contiguous, naturally aligned frames.
 * A block may be given back whole or in smaller aligned pieces (a domain's memory, allocated in
 * big blocks, is freed frame by frame when the domain dies).
 *
 * Lock order: the heap's lock is taken before the allocator's lock, never after.
 */
#ifndef PARVUS_PAGE_ALLOC_H
#define PARVUS_PAGE_ALLOC_H

#include <stdbool.h>

#include "direct_map.h"
#include "page_info.h"

/* The biggest block is 2^MAX_ORDER frames: 1 GiB, the largest x86-64 page. */
#define MAX_ORDER 18

/* Set by page_alloc_init(); read-only afterwards. */
extern struct page_info *frame_table;
extern unsigned long frame_table_size; /* entries in frame_table: frames 0 .. size - 1 */

void page_alloc_init(struct page_info *table, unsigned long nr_frames);

/* Give frames first_mfn .. first_mfn + nr_frames - 1 (reserved until now) to the allocator. */
void page_alloc_add_range(unsigned long first_mfn, unsigned long nr_frames);

/* 2^order frames aligned to 2^order, or NULL when no such block is free (or order > MAX_ORDER). */
struct page_info *alloc_pages(unsigned int order);

/*
 * The same, but the highest 2^order aligned free frames below frame number limit (~0UL: no
 * limit), or NULL when no free block has that many below it. For domains' memory, as Xen
 * gives it: from the top, so that low memory stays free for those who need frames below some
 * address (memory_op's address_bits, for devices that reach only so far). Walks every free
 * list: slower than alloc_pages().
 */
struct page_info *alloc_pages_high(unsigned int order, unsigned long limit);

/* Give back the 2^order frames starting at pg, all of them allocated; pg aligned to 2^order. */
void free_pages(struct page_info *pg, unsigned int order);

unsigned long page_alloc_free_frames(void);
/* Frames ever given to the allocator: free plus allocated. */
unsigned long page_alloc_total_frames(void);

/*
 * Walk every free list and the whole frame table and return NULL when all is consistent: each
 * free block aligned to its order, inside the table, made of free frames, on the right list,
 * not overlapping another, not left unmerged with a free buddy; and the counters agree with the
 * walk. Otherwise return what is wrong. For tests and debugging: it takes time proportional to
 * the frame table.
 */
const char *page_alloc_check(void);

/*
 * An internal error: a frame freed twice or never allocated, a range added twice. Defined by
 * the hypervisor (it panics) and by the unit tests (the test fails, or catches it).
 */
__attribute__((noreturn)) void page_alloc_panic(const char *why);

static inline bool mfn_valid(unsigned long mfn)
{
	return mfn < frame_table_size;
}

static inline unsigned long page_to_mfn(const struct page_info *pg)
{
	return (unsigned long)(pg - frame_table);
}

static inline struct page_info *mfn_to_page(unsigned long mfn)
{
	return frame_table + mfn;
}

static inline void *page_to_virt(const struct page_info *pg)
{
	return mfn_to_virt(page_to_mfn(pg));
}

/*
 * The order of the biggest block that starts at mfn, is aligned to its size, and holds at most
 * nr_frames frames (nr_frames > 0). Cutting a run of frames into such blocks, one after the
 * other, gives the fewest blocks the buddy system allows.
 */
static inline unsigned int largest_aligned_order(unsigned long mfn, unsigned long nr_frames)
{
	unsigned int order = 0;

	while (order < MAX_ORDER && !(mfn & (1UL << order)) && (2UL << order) <= nr_frames)
		order++;
	return order;
}

#endif
