/*
 * The buddy allocator: every free frame belongs to exactly one free block of 2^order frames,
 * aligned to its size, and two free "buddies" (the halves of one aligned block of twice the
 * size) never stay apart: freeing merges them at once. So the free frames are always cut into
 * the fewest blocks possible, and a request for 2^order frames fails only when no aligned free
 * run of that size exists.
 *
 * Only the head of a free block carries its order and sits on free_lists[order]; every frame
 * keeps its own state, so a frame freed twice or never allocated is caught however it is
 * passed in. One spinlock guards it all.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "page_alloc.h"
#include "spinlock.h"

struct page_info *frame_table;
unsigned long frame_table_size;

static spinlock_t page_alloc_lock = SPINLOCK_INIT;
static struct page_info *free_lists[MAX_ORDER + 1]; /* heads of the free blocks, by order */
static unsigned long free_frames;
static unsigned long total_frames;

/* Report an internal error, dropping the lock first so a test that catches it can go on. */
__attribute__((noreturn)) static void fail(const char *why)
{
	spin_unlock(&page_alloc_lock);
	page_alloc_panic(why);
}

/* Does pg point at an entry of the frame table (and not, say, into the middle of one)? */
static bool page_in_table(const struct page_info *pg)
{
	uintptr_t offset = (uintptr_t)pg - (uintptr_t)frame_table;

	return offset < frame_table_size * sizeof(*pg) && offset % sizeof(*pg) == 0;
}

static bool is_free_head(unsigned long mfn, unsigned int order)
{
	const struct page_info *pg = &frame_table[mfn];

	return pg->state == PAGE_FREE && (pg->flags & PAGE_FLAG_FREE_HEAD) && pg->order == order;
}

/*
 * Frames mfn .. mfn + 2^order - 1 are PAGE_FREE but on no list yet. Merge them with their buddy
 * as long as the buddy is a whole free block of the same order, then list the result.
 */
static void insert_free_block(unsigned long mfn, unsigned int order)
{
	struct page_info *head;

	while (order < MAX_ORDER) {
		unsigned long buddy = mfn ^ (1UL << order);

		if (buddy >= frame_table_size || !is_free_head(buddy, order))
			break;
		page_list_remove(&free_lists[order], &frame_table[buddy]);
		frame_table[buddy].flags &= ~PAGE_FLAG_FREE_HEAD;
		frame_table[buddy].order = 0;
		mfn &= ~(1UL << order); /* the merged block starts at the lower buddy */
		order++;
	}

	head = &frame_table[mfn];
	head->flags |= PAGE_FLAG_FREE_HEAD;
	head->order = (uint8_t)order;
	page_list_push(&free_lists[order], head);
}

void page_alloc_init(struct page_info *table, unsigned long nr_frames)
{
	spin_lock_init(&page_alloc_lock);
	if (nr_frames)
		memset(table, 0, nr_frames * sizeof(*table)); /* PAGE_RESERVED is zero */
	frame_table = table;
	frame_table_size = nr_frames;
	for (unsigned int order = 0; order <= MAX_ORDER; order++)
		free_lists[order] = NULL;
	free_frames = 0;
	total_frames = 0;
}

void page_alloc_add_range(unsigned long first_mfn, unsigned long nr_frames)
{
	unsigned long mfn, end;

	if (nr_frames == 0)
		return;

	spin_lock(&page_alloc_lock);
	if (first_mfn >= frame_table_size || nr_frames > frame_table_size - first_mfn)
		fail("page_alloc_add_range: range runs past the frame table");
	end = first_mfn + nr_frames;
	for (mfn = first_mfn; mfn < end; mfn++)
		if (frame_table[mfn].state != PAGE_RESERVED)
			fail("page_alloc_add_range: frame already given to the allocator");

	for (mfn = first_mfn; mfn < end; mfn++)
		frame_table[mfn].state = PAGE_FREE;
	/* Cut the range into aligned blocks; each merges with free neighbours already there. */
	for (mfn = first_mfn; mfn < end;) {
		unsigned int order = largest_aligned_order(mfn, end - mfn);

		insert_free_block(mfn, order);
		mfn += 1UL << order;
	}
	free_frames += nr_frames;
	total_frames += nr_frames;
	spin_unlock(&page_alloc_lock);
}

/*
 * The highest aligned 2^order frames below limit in the free block at mfn of 2^block_order
 * frames: false if none fit, else true with *piece where they start.
 */
static bool highest_piece(unsigned long mfn, unsigned int block_order, unsigned int order,
			  unsigned long limit, unsigned long *piece)
{
	unsigned long top = mfn + (1UL << block_order);

	if (limit < top)
		top = limit;
	if (top < mfn || top - mfn < (1UL << order))
		return false;
	*piece = (top - (1UL << order)) & ~((1UL << order) - 1);
	return true;
}

/* Frames mfn .. mfn + 2^order - 1, free and on no list, become one listed free block. */
static void list_free_block(unsigned long mfn, unsigned int order)
{
	frame_table[mfn].flags |= PAGE_FLAG_FREE_HEAD;
	frame_table[mfn].order = (uint8_t)order;
	page_list_push(&free_lists[order], &frame_table[mfn]);
}

/* Take the listed free block at mfn of order `found`, keep the piece at `piece`, free the rest. */
static void take_piece(unsigned long mfn, unsigned int found, unsigned long piece,
		       unsigned int order)
{
	page_list_remove(&free_lists[found], &frame_table[mfn]);
	frame_table[mfn].flags &= ~PAGE_FLAG_FREE_HEAD;
	frame_table[mfn].order = 0;
	/* Halve it until it is the piece: the half without the piece stays free. */
	while (found > order) {
		unsigned long half = 1UL << --found;

		if (piece >= mfn + half) {
			list_free_block(mfn, found);
			mfn += half;
		} else {
			list_free_block(mfn + half, found);
		}
	}
	for (unsigned long i = 0; i < (1UL << order); i++) {
		frame_table[mfn + i].state = PAGE_ALLOCATED;
		frame_table[mfn + i].flags = 0;
		frame_table[mfn + i].order = 0;
	}
	free_frames -= 1UL << order;
}

struct page_info *alloc_pages(unsigned int order)
{
	unsigned int found;
	unsigned long mfn;

	if (order > MAX_ORDER)
		return NULL;

	spin_lock(&page_alloc_lock);
	for (found = order; found <= MAX_ORDER; found++)
		if (free_lists[found])
			break;
	if (found > MAX_ORDER) {
		spin_unlock(&page_alloc_lock);
		return NULL;
	}
	mfn = page_to_mfn(free_lists[found]);
	take_piece(mfn, found, mfn, order); /* the lower end: no list is walked */
	spin_unlock(&page_alloc_lock);
	return &frame_table[mfn];
}

struct page_info *alloc_pages_high(unsigned int order, unsigned long limit)
{
	unsigned long best_block = 0, best_piece = 0, piece;
	unsigned int best_order = 0;
	bool found_one = false;

	if (order > MAX_ORDER)
		return NULL;

	spin_lock(&page_alloc_lock);
	for (unsigned int found = order; found <= MAX_ORDER; found++)
		for (struct page_info *pg = free_lists[found]; pg; pg = pg->next)
			if (highest_piece(page_to_mfn(pg), found, order, limit, &piece) &&
			    (!found_one || piece > best_piece)) {
				best_block = page_to_mfn(pg);
				best_piece = piece;
				best_order = found;
				found_one = true;
			}
	if (found_one)
		take_piece(best_block, best_order, best_piece, order);
	spin_unlock(&page_alloc_lock);
	return found_one ? &frame_table[best_piece] : NULL;
}

void free_pages(struct page_info *pg, unsigned int order)
{
	unsigned long mfn, count, i;

	spin_lock(&page_alloc_lock);
	if (order > MAX_ORDER)
		fail("free_pages: order above MAX_ORDER");
	if (!page_in_table(pg))
		fail("free_pages: not an entry of the frame table");
	mfn = page_to_mfn(pg);
	count = 1UL << order;
	if (mfn & (count - 1))
		fail("free_pages: block not aligned to its order");
	if (count > frame_table_size - mfn)
		fail("free_pages: block runs past the frame table");

	/* Check every frame before changing any, so a caught error leaves the allocator intact. */
	for (i = 0; i < count; i++) {
		if (pg[i].state == PAGE_FREE)
			fail("free_pages: frame is already free (freed twice?)");
		if (pg[i].state != PAGE_ALLOCATED)
			fail("free_pages: frame was never allocated");
		if (pg[i].use != PAGE_USE_NONE)
			fail("free_pages: frame still in use (a heap slab or block?)");
	}

	for (i = 0; i < count; i++) {
		pg[i].state = PAGE_FREE;
		pg[i].flags = 0;
	}
	insert_free_block(mfn, order);
	free_frames += count;
	spin_unlock(&page_alloc_lock);
}

unsigned long page_alloc_free_frames(void)
{
	unsigned long n;

	spin_lock(&page_alloc_lock);
	n = free_frames;
	spin_unlock(&page_alloc_lock);
	return n;
}

unsigned long page_alloc_total_frames(void)
{
	unsigned long n;

	spin_lock(&page_alloc_lock);
	n = total_frames;
	spin_unlock(&page_alloc_lock);
	return n;
}

/*
 * The frame table, walked from frame 0: every free frame must lie in exactly one well-formed
 * free block. Counts the blocks, the free frames and the allocated frames.
 */
static const char *check_frame_table(unsigned long *heads, unsigned long *free,
				     unsigned long *allocated)
{
	unsigned long mfn = 0;

	*heads = *free = *allocated = 0;
	while (mfn < frame_table_size) {
		const struct page_info *pg = &frame_table[mfn];
		unsigned long size;

		if (pg->state != PAGE_ALLOCATED && pg->use != PAGE_USE_NONE)
			return "frame not allocated yet marked in use";
		if (pg->state != PAGE_FREE) {
			if (pg->state != PAGE_RESERVED && pg->state != PAGE_ALLOCATED)
				return "frame in an unknown state";
			if (pg->flags & PAGE_FLAG_FREE_HEAD)
				return "free-block head flag on a frame that is not free";
			if (pg->state == PAGE_ALLOCATED)
				++*allocated;
			mfn++;
			continue;
		}

		if (!(pg->flags & PAGE_FLAG_FREE_HEAD))
			return "free frame outside any free block";
		if (pg->order > MAX_ORDER)
			return "free block order above MAX_ORDER";
		size = 1UL << pg->order;
		if ((mfn & (size - 1)) || size > frame_table_size - mfn)
			return "free block misaligned or past the frame table";
		for (unsigned long i = 1; i < size; i++)
			if (pg[i].state != PAGE_FREE || (pg[i].flags & PAGE_FLAG_FREE_HEAD) ||
			    pg[i].use != PAGE_USE_NONE)
				return "free block overlaps another or holds a non-free frame";
		if (pg->order < MAX_ORDER) {
			unsigned long buddy = mfn ^ size;

			if (buddy < frame_table_size && is_free_head(buddy, pg->order))
				return "two free buddies left unmerged";
		}
		++*heads;
		*free += size;
		mfn += size;
	}
	return NULL;
}

/* The free lists: every entry a free block head of the list's order. Counts blocks and frames. */
static const char *check_free_lists(unsigned long *blocks, unsigned long *frames)
{
	*blocks = *frames = 0;
	for (unsigned int order = 0; order <= MAX_ORDER; order++) {
		const struct page_info *prev = NULL;

		for (const struct page_info *pg = free_lists[order]; pg; prev = pg, pg = pg->next) {
			if (!page_in_table(pg))
				return "free list entry outside the frame table";
			if (pg->prev != prev)
				return "free list back link broken";
			if (pg->state != PAGE_FREE || !(pg->flags & PAGE_FLAG_FREE_HEAD))
				return "free list entry is not the head of a free block";
			if (pg->order != order)
				return "free block on the list of another order";
			if (++*blocks > frame_table_size)
				return "free list loops";
			*frames += 1UL << order;
		}
	}
	return NULL;
}

const char *page_alloc_check(void)
{
	unsigned long heads, free, allocated, listed_blocks, listed_frames;
	const char *problem;

	spin_lock(&page_alloc_lock);
	problem = check_frame_table(&heads, &free, &allocated);
	if (!problem)
		problem = check_free_lists(&listed_blocks, &listed_frames);
	/* Each listed entry is a head the walk found well formed: equal counts mean all are listed.
	 */
	if (!problem && (heads != listed_blocks || free != listed_frames))
		problem = "free block missing from the free lists, or listed twice";
	if (!problem && free != free_frames)
		problem = "free frame counter disagrees with the frame table";
	if (!problem && free + allocated != total_frames)
		problem = "total frame counter disagrees with the frame table";
	spin_unlock(&page_alloc_lock);
	return problem;
}
