/*
 * Unit tests for the buddy frame allocator (hypervisor/page_alloc.c).
 *
 * The frame table is an ordinary array here; no memory behind the frames is touched. Each test
 * starts from a fresh table holding the same awkward layout of usable RAM (odd starts, holes,
 * adjacent ranges, one whole MAX_ORDER block) and checks the allocator against an independent
 * bitmap of what was made usable. Internal errors reach page_alloc_panic(), which a test either
 * expects (and catches with longjmp) or turns into a failure.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "page_alloc.h"

/* 2^19 + 1024 frames: room for exactly one aligned MAX_ORDER block in the layout below. */
#define NR_FRAMES ((1UL << 19) + 1024)

struct range {
	unsigned long first, count;
};

static const struct range layout[] = {
	{3, 2},		/* tiny, odd start, holes around it */
	{7, 993},	/* 7 .. 999 */
	{1000, 500},	/* adjacent: must merge across the boundary at 1000 */
	{1501, 1},	/* one frame alone */
	{2049, 100000}, /* big, odd start */
	{(1UL << 18) - 100, (1UL << 18) + 103}, /* holds the aligned block [2^18, 2^19) */
	{(1UL << 19) + 12, 1000},		/* ends 12 frames before the table does */
};
#define LAYOUT_RANGES (sizeof(layout) / sizeof(layout[0]))

static struct page_info *table;
static bool *usable; /* frames the layout made usable, kept apart from the allocator */
static unsigned long usable_frames;

/* The part of each entry the allocator's decisions show in; list links are left out. */
struct frame_state {
	uint8_t state, flags, order, use;
};
static struct frame_state *initial;

/* ---- catching page_alloc_panic ---- */

static jmp_buf panic_jump;
static bool panic_expected;
static const char *panic_reason;

void page_alloc_panic(const char *why)
{
	if (!panic_expected) {
		fail_msg("unexpected page_alloc_panic: %s", why);
		abort(); /* not reached: fail_msg() leaves the test */
	}
	panic_expected = false;
	panic_reason = why;
	longjmp(panic_jump, 1);
}

/* Run `statement`, which must end in page_alloc_panic() with a reason containing `word`. */
#define EXPECT_PANIC(statement, word)                                                         \
	do {                                                                                  \
		panic_reason = NULL;                                                          \
		panic_expected = true;                                                        \
		if (setjmp(panic_jump) == 0) {                                                \
			statement;                                                            \
			panic_expected = false;                                               \
			fail_msg("no panic from: %s", #statement);                            \
		}                                                                             \
		assert_non_null(panic_reason);                                                \
		if (!strstr(panic_reason, word))                                              \
			fail_msg("panic \"%s\" does not mention \"%s\"", panic_reason, word); \
	} while (0)

static void assert_consistent(void)
{
	const char *problem = page_alloc_check();

	if (problem)
		fail_msg("page_alloc_check: %s", problem);
}

/* ---- helpers ---- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* xorshift64: deterministic, so a failure can be replayed */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void shuffle(struct page_info **items, unsigned long count)
{
	for (unsigned long i = count; i > 1; i--) {
		unsigned long j = rng_next() % i;
		struct page_info *tmp = items[i - 1];

		items[i - 1] = items[j];
		items[j] = tmp;
	}
}

static void snapshot(struct frame_state *out)
{
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		out[mfn].state = table[mfn].state;
		out[mfn].flags = table[mfn].flags;
		out[mfn].order = table[mfn].order;
		out[mfn].use = table[mfn].use;
	}
}

/* Every frame is exactly as it was right after the layout was added: the same free blocks. */
static void assert_back_to_initial(void)
{
	assert_consistent();
	assert_int_equal(page_alloc_free_frames(), usable_frames);
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		const struct page_info *pg = &table[mfn];

		if (pg->state != initial[mfn].state || pg->flags != initial[mfn].flags ||
		    pg->order != initial[mfn].order || pg->use != initial[mfn].use)
			fail_msg("frame %lu: state %u flags %u order %u use %u, was %u %u %u %u",
				 mfn, pg->state, pg->flags, pg->order, pg->use, initial[mfn].state,
				 initial[mfn].flags, initial[mfn].order, initial[mfn].use);
	}
}

/* Aligned 2^order blocks made only of usable frames: what the allocator must hand out. */
static unsigned long expected_blocks(unsigned int order)
{
	unsigned long size = 1UL << order, blocks = 0;

	for (unsigned long mfn = 0; mfn + size <= NR_FRAMES; mfn += size) {
		unsigned long i = 0;

		while (i < size && usable[mfn + i])
			i++;
		blocks += i == size;
	}
	return blocks;
}

/* A block from alloc_pages() must be aligned and usable; `taken` catches overlaps. */
static void assert_good_block(const struct page_info *pg, unsigned int order, bool *taken)
{
	unsigned long mfn = page_to_mfn(pg);

	assert_true(mfn < NR_FRAMES);
	assert_int_equal(mfn & ((1UL << order) - 1), 0);
	assert_true(mfn + (1UL << order) <= NR_FRAMES);
	for (unsigned long i = 0; i < (1UL << order); i++) {
		if (!usable[mfn + i])
			fail_msg("frame %lu handed out but never added", mfn + i);
		if (taken[mfn + i])
			fail_msg("frame %lu handed out twice", mfn + i);
		taken[mfn + i] = true;
		assert_int_equal(table[mfn + i].state, PAGE_ALLOCATED);
	}
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	table = malloc(NR_FRAMES * sizeof(*table));
	usable = calloc(NR_FRAMES, sizeof(*usable));
	initial = calloc(NR_FRAMES, sizeof(*initial));
	if (!table || !usable || !initial)
		return -1;
	/* Garbage first: page_alloc_init() must not rely on a zeroed table. */
	memset(table, 0xa5, NR_FRAMES * sizeof(*table));
	page_alloc_init(table, NR_FRAMES);

	usable_frames = 0;
	for (size_t r = 0; r < LAYOUT_RANGES; r++) {
		page_alloc_add_range(layout[r].first, layout[r].count);
		for (unsigned long i = 0; i < layout[r].count; i++)
			usable[layout[r].first + i] = true;
		usable_frames += layout[r].count;
	}
	snapshot(initial);
	rng_state = 0x9e3779b97f4a7c15ULL;
	panic_expected = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(table);
	free(usable);
	free(initial);
	return 0;
}

/* ---- tests ---- */

static void test_fresh_table_is_all_reserved(void **state)
{
	(void)state;
	page_alloc_init(table, NR_FRAMES);
	assert_int_equal(page_alloc_free_frames(), 0);
	assert_int_equal(page_alloc_total_frames(), 0);
	assert_consistent();
	for (unsigned int order = 0; order <= MAX_ORDER; order++)
		assert_null(alloc_pages(order));
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++)
		assert_int_equal(table[mfn].state, PAGE_RESERVED);
}

static void test_ranges_become_free_and_merge(void **state)
{
	(void)state;
	assert_int_equal(page_alloc_free_frames(), usable_frames);
	assert_int_equal(page_alloc_total_frames(), usable_frames);
	assert_consistent();

	/* Holes stay reserved. */
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++)
		assert_int_equal(table[mfn].state, usable[mfn] ? PAGE_FREE : PAGE_RESERVED);

	/* [7, 1000) and [1000, 1500) were added apart; 512 .. 1023 straddles the seam. */
	assert_true(table[512].flags & PAGE_FLAG_FREE_HEAD);
	assert_int_equal(table[512].order, 9);
	/* The one whole MAX_ORDER block. */
	assert_true(table[1UL << 18].flags & PAGE_FLAG_FREE_HEAD);
	assert_int_equal(table[1UL << 18].order, MAX_ORDER);
	/* Odd starts give order-0 heads. */
	assert_true(table[3].flags & PAGE_FLAG_FREE_HEAD);
	assert_int_equal(table[3].order, 0);
	assert_true(table[1501].flags & PAGE_FLAG_FREE_HEAD);
	assert_int_equal(table[1501].order, 0);
}

static void test_add_range_one_frame_at_a_time_merges(void **state)
{
	(void)state;
	/* Add 2^10 frames one by one, highest first: the end result is a single block. */
	page_alloc_init(table, NR_FRAMES);
	for (unsigned long mfn = 4096 + 1023;; mfn--) {
		page_alloc_add_range(mfn, 1);
		if (mfn == 4096)
			break;
	}
	assert_consistent();
	assert_int_equal(page_alloc_free_frames(), 1024);
	assert_true(table[4096].flags & PAGE_FLAG_FREE_HEAD);
	assert_int_equal(table[4096].order, 10);
	assert_non_null(alloc_pages(10));
	assert_null(alloc_pages(0));
}

static void test_add_range_rejects_bad_ranges(void **state)
{
	(void)state;
	EXPECT_PANIC(page_alloc_add_range(NR_FRAMES - 4, 5), "past the frame table");
	EXPECT_PANIC(page_alloc_add_range(NR_FRAMES, 1), "past the frame table");
	EXPECT_PANIC(page_alloc_add_range(1, ULONG_MAX), "past the frame table");
	EXPECT_PANIC(page_alloc_add_range(3, 2), "already");
	/* Overlapping only at its last frame: nothing of it may be added. */
	EXPECT_PANIC(page_alloc_add_range(1502, 548), "already");
	assert_int_equal(table[1502].state, PAGE_RESERVED);

	page_alloc_add_range(20, 0); /* empty: nothing happens */
	assert_back_to_initial();
	assert_int_equal(page_alloc_total_frames(), usable_frames);
}

/* For each order: drain the allocator with that order, check, then free it all back shuffled. */
static void test_exhaust_every_order_then_free_shuffled(void **state)
{
	struct page_info **blocks = malloc(usable_frames * sizeof(*blocks));
	bool *taken = malloc(NR_FRAMES * sizeof(*taken));

	(void)state;
	assert_non_null(blocks);
	assert_non_null(taken);
	for (unsigned int order = 0; order <= MAX_ORDER; order++) {
		unsigned long want = expected_blocks(order), got = 0;
		struct page_info *pg;

		memset(taken, 0, NR_FRAMES * sizeof(*taken));
		while ((pg = alloc_pages(order)) != NULL) {
			assert_true(got < usable_frames);
			assert_good_block(pg, order, taken);
			blocks[got++] = pg;
		}
		assert_int_equal(got, want);
		assert_int_equal(page_alloc_free_frames(), usable_frames - (want << order));
		assert_consistent();
		/* What is left is in blocks too small for this order. */
		for (unsigned int bigger = order; bigger <= MAX_ORDER; bigger++)
			assert_null(alloc_pages(bigger));

		shuffle(blocks, got);
		for (unsigned long i = 0; i < got; i++)
			free_pages(blocks[i], order);
		assert_back_to_initial();
	}
	assert_true(expected_blocks(MAX_ORDER) == 1); /* the layout meant to hold exactly one */
	free(blocks);
	free(taken);
}

/* Random orders, random interleaving of allocations and frees, then everything back. */
static void test_random_orders_coalesce_back(void **state)
{
	enum { SLOTS = 4096, STEPS = 200000 };
	struct page_info **pages = calloc(SLOTS, sizeof(*pages));
	unsigned int *orders = calloc(SLOTS, sizeof(*orders));
	unsigned long in_use = 0, failures = 0;

	(void)state;
	assert_non_null(pages);
	assert_non_null(orders);
	for (unsigned long step = 0; step < STEPS; step++) {
		unsigned long slot = rng_next() % SLOTS;

		if (pages[slot]) {
			free_pages(pages[slot], orders[slot]);
			in_use -= 1UL << orders[slot];
			pages[slot] = NULL;
		} else {
			/* Mostly small orders, now and then a big one. */
			unsigned int order = rng_next() % 8 ? rng_next() % 4 : rng_next() % 14;

			pages[slot] = alloc_pages(order);
			if (pages[slot]) {
				orders[slot] = order;
				in_use += 1UL << order;
			} else {
				failures++;
			}
		}
		assert_int_equal(page_alloc_free_frames(), usable_frames - in_use);
		if (step % 20000 == 0)
			assert_consistent();
	}
	assert_true(failures > 0); /* the pool ran dry at times: fragmentation was exercised */

	/* Free what is left, starting from a random slot and striding through all of them. */
	unsigned long start = rng_next() % SLOTS, stride = 2 * (rng_next() % 1000) + 1;
	for (unsigned long i = 0; i < SLOTS; i++) {
		unsigned long slot = (start + i * stride) % SLOTS; /* odd stride: every slot once */

		if (pages[slot])
			free_pages(pages[slot], orders[slot]);
	}
	assert_back_to_initial();
	free(pages);
	free(orders);
}

/* A block may come back in pieces, in any order. */
static void test_block_freed_in_pieces(void **state)
{
	struct page_info *pieces[16];
	struct page_info *pg = alloc_pages(4);

	(void)state;
	assert_non_null(pg);
	for (unsigned int i = 0; i < 16; i++)
		pieces[i] = pg + i;
	shuffle(pieces, 16);
	for (unsigned int i = 0; i < 16; i++) {
		free_pages(pieces[i], 0);
		assert_consistent();
	}
	assert_back_to_initial();

	/* Halves and quarters of an order-3 block. */
	pg = alloc_pages(3);
	assert_non_null(pg);
	free_pages(pg + 4, 2);
	free_pages(pg + 2, 1);
	free_pages(pg, 1);
	assert_back_to_initial();
}

/* Every other frame free: plenty of free memory, yet no two contiguous frames. */
static void test_fragmentation_checkerboard(void **state)
{
	struct page_info *frames[1024];

	(void)state;
	page_alloc_init(table, NR_FRAMES);
	page_alloc_add_range(8192, 1024);
	for (unsigned int i = 0; i < 1024; i++) {
		frames[i] = alloc_pages(0);
		assert_non_null(frames[i]);
	}
	assert_null(alloc_pages(0));
	for (unsigned int i = 0; i < 1024; i += 2)
		free_pages(frames[i], 0);
	assert_consistent();
	assert_int_equal(page_alloc_free_frames(), 512);
	assert_null(alloc_pages(1));

	struct page_info *one = alloc_pages(0);
	assert_non_null(one);
	assert_int_equal(page_to_mfn(one) % 2, 0); /* only even frames are free */
	free_pages(one, 0);

	for (unsigned int i = 1; i < 1024; i += 2)
		free_pages(frames[i], 0);
	assert_consistent();
	struct page_info *all = alloc_pages(10);
	assert_non_null(all);
	assert_int_equal(page_to_mfn(all), 8192);
	free_pages(all, 10);
	assert_consistent();
}

/* One frame pinned in the middle of a block keeps that block from ever being whole. */
static void test_fragmentation_pinned_frame(void **state)
{
	(void)state;
	page_alloc_init(table, NR_FRAMES);
	page_alloc_add_range(1UL << 12, 1UL << 12); /* one aligned order-12 block */
	struct page_info *pinned = alloc_pages(0);
	assert_non_null(pinned);
	assert_null(alloc_pages(12));

	/* The other 4095 frames: one block of each order 11 down to 0. */
	struct page_info *blocks[12];
	for (int order = 11; order >= 0; order--) {
		blocks[order] = alloc_pages((unsigned int)order);
		assert_non_null(blocks[order]);
	}
	assert_int_equal(page_alloc_free_frames(), 0);
	for (int order = 0; order <= 11; order++)
		free_pages(blocks[order], (unsigned int)order);
	assert_null(alloc_pages(12));

	free_pages(pinned, 0);
	struct page_info *whole = alloc_pages(12);
	assert_non_null(whole);
	assert_int_equal(page_to_mfn(whole), 1UL << 12);
	free_pages(whole, 12);
	assert_consistent();
}

static void test_order_above_max_refused(void **state)
{
	(void)state;
	assert_null(alloc_pages(MAX_ORDER + 1));
	assert_null(alloc_pages(64));
	assert_null(alloc_pages(UINT_MAX));
	assert_back_to_initial();

	struct page_info *big = alloc_pages(MAX_ORDER);
	assert_non_null(big);
	assert_int_equal(page_to_mfn(big), 1UL << 18);
	assert_null(alloc_pages(MAX_ORDER));
	EXPECT_PANIC(free_pages(big, MAX_ORDER + 1), "MAX_ORDER");
	free_pages(big, MAX_ORDER);
	assert_back_to_initial();
}

/* alloc_pages_high(): the highest frames under the limit, the whole block under it, all of them. */
static void test_alloc_high_below_limit(void **state)
{
	static struct page_info *got[1000];
	unsigned long n = 0;
	bool *taken = calloc(NR_FRAMES, sizeof(*taken));

	(void)state;
	assert_non_null(taken);
	assert_null(alloc_pages_high(0, 0));
	assert_null(alloc_pages_high(0, 3)); /* frames 0-2 are holes */
	assert_null(alloc_pages_high(2, 8)); /* 3, 4 and 7 are free, no aligned four */
	assert_null(alloc_pages_high(MAX_ORDER + 1, ~0UL));
	struct page_info *top = alloc_pages_high(0, ~0UL);
	assert_non_null(top);
	assert_int_equal(page_to_mfn(top), (1UL << 19) + 1011); /* the last usable frame */
	struct page_info *big = alloc_pages_high(9, ~0UL);
	assert_non_null(big);
	assert_int_equal(page_to_mfn(big), (1UL << 19) - 512); /* the last whole aligned 512 */
	free_pages(top, 0);
	free_pages(big, 9);
	assert_back_to_initial();
	struct page_info *four = alloc_pages_high(2, 12);
	assert_non_null(four);
	assert_int_equal(page_to_mfn(four), 8);
	assert_good_block(four, 2, taken);
	free_pages(four, 2);
	memset(taken, 0, NR_FRAMES * sizeof(*taken));
	assert_back_to_initial();

	/* Every usable frame below 1000 (3, 4 and 7-999), then no more, though others are free. */
	while ((got[n] = alloc_pages_high(0, 1000)) != NULL) {
		assert_int_equal(page_to_mfn(got[n]), n < 993 ? 999 - n : 4 - (n - 993));
		assert_good_block(got[n], 0, taken);
		assert_true(++n < 1000);
	}
	assert_int_equal(n, 2 + 993);
	struct page_info *above = alloc_pages(0);
	assert_non_null(above);
	assert_true(page_to_mfn(above) >= 1000);
	free_pages(above, 0);
	assert_consistent();
	shuffle(got, n);
	while (n--)
		free_pages(got[n], 0);
	free(taken);
	assert_back_to_initial();
}

static void test_double_free_detected(void **state)
{
	(void)state;
	struct page_info *pg = alloc_pages(0);
	assert_non_null(pg);
	free_pages(pg, 0);
	EXPECT_PANIC(free_pages(pg, 0), "already free");
	assert_back_to_initial();

	pg = alloc_pages(3);
	assert_non_null(pg);
	free_pages(pg, 3);
	EXPECT_PANIC(free_pages(pg, 3), "already free");
	/* A frame in the middle of the now-free block, which is not a block head. */
	EXPECT_PANIC(free_pages(pg + 5, 0), "already free");
	assert_back_to_initial();

	/* Freeing more than is allocated: the upper half of this pair is already free. */
	pg = alloc_pages(1);
	assert_non_null(pg);
	free_pages(pg + 1, 0);
	EXPECT_PANIC(free_pages(pg, 1), "already free");
	assert_int_equal(table[page_to_mfn(pg)].state, PAGE_ALLOCATED);
	free_pages(pg, 0);
	assert_back_to_initial();
}

static void test_bad_frees_detected(void **state)
{
	(void)state;
	/* Never added (a hole) and never allocated (free since boot). */
	EXPECT_PANIC(free_pages(mfn_to_page(0), 0), "never allocated");
	EXPECT_PANIC(free_pages(mfn_to_page(1502), 0), "never allocated");
	EXPECT_PANIC(free_pages(mfn_to_page(7), 0), "already free");

	struct page_info *pg = alloc_pages(1);
	assert_non_null(pg);
	EXPECT_PANIC(free_pages(pg + 1, 1), "not aligned");
	EXPECT_PANIC(free_pages((struct page_info *)((char *)pg + 1), 0), "frame table");
	EXPECT_PANIC(free_pages(table - 1, 0), "frame table");
	EXPECT_PANIC(free_pages(table + NR_FRAMES, 0), "frame table");
	EXPECT_PANIC(free_pages(mfn_to_page(1UL << 19), 11), "past the frame table");
	/* Its holder (here, pretending to be the heap) has not let go of it yet. */
	pg[1].use = PAGE_USE_SLAB;
	EXPECT_PANIC(free_pages(pg, 1), "still in use");
	pg[1].use = PAGE_USE_NONE;
	free_pages(pg, 1);
	assert_back_to_initial();
}

/* Damage the table by hand: the check must name the problem, then pass again once repaired. */
static void assert_check_finds(const char *problem_part)
{
	const char *problem = page_alloc_check();

	if (!problem)
		fail_msg("page_alloc_check missed: %s", problem_part);
	if (!strstr(problem, problem_part))
		fail_msg("page_alloc_check said \"%s\", expected \"%s\"", problem, problem_part);
}

/* page_alloc_check() itself must notice damage, or every test that trusts it proves nothing. */
static void test_check_notices_damage(void **state)
{
	(void)state;
	assert_consistent();

	table[512].flags &= ~PAGE_FLAG_FREE_HEAD; /* the order-9 block at 512 loses its head */
	assert_check_finds("free frame outside any free block");
	table[512].flags |= PAGE_FLAG_FREE_HEAD;
	assert_consistent();

	table[600].state = PAGE_ALLOCATED; /* a frame inside that free block */
	assert_check_finds("holds a non-free frame");
	table[600].state = PAGE_FREE;

	table[512].use = PAGE_USE_HEAP_BLOCK; /* a free frame someone still uses */
	assert_check_finds("marked in use");
	table[512].use = PAGE_USE_NONE;

	table[1502].state = PAGE_FREE; /* a free frame in a hole, in no block */
	assert_check_finds("outside any free block");
	table[1502].flags = PAGE_FLAG_FREE_HEAD; /* ... now a block, but on no list */
	assert_check_finds("missing from the free lists");
	table[1502].flags = 0;
	table[1502].state = PAGE_ALLOCATED; /* an allocated frame the counters never saw */
	assert_check_finds("total frame counter");
	table[1502].state = PAGE_RESERVED;
	assert_consistent();

	/* Two halves of 512 .. 1023 as separate order-8 blocks: buddies left apart. */
	table[512].order = 8;
	table[768].flags = PAGE_FLAG_FREE_HEAD;
	table[768].order = 8;
	assert_check_finds("unmerged");
	table[768].flags = 0;
	table[768].order = 0;
	assert_check_finds("free frame outside any free block"); /* 768 .. 1023 now headless */
	table[512].order = 9;
	assert_consistent();

	/* A block aligned wrongly for its order, and one claiming more than MAX_ORDER. */
	table[512].order = 10;
	assert_check_finds("misaligned");
	table[512].order = MAX_ORDER + 1;
	assert_check_finds("above MAX_ORDER");
	table[512].order = 9;
	assert_back_to_initial();
}

/* ---- concurrency ---- */

/*
 * Between 2 and 4 threads, but no more than there are CPUs: a thread spinning for a ticket lock
 * whose next holder is descheduled wastes its whole time slice, and with more threads than CPUs
 * the test would crawl. (In the hypervisor every CPU is one thread, which this mirrors.)
 */
enum { MAX_THREADS = 4, THREAD_STEPS = 200000, THREAD_SLOTS = 64 };

static unsigned char *owner; /* per frame: which thread holds it, 0 for none */
static unsigned long overlaps;
static unsigned long bad_blocks;
static pthread_barrier_t start_line; /* so the workers really run at the same time */

struct worker {
	unsigned char id;
	uint64_t seed;
	unsigned long allocations;
};

static void claim(struct page_info *pg, unsigned int order, unsigned char id)
{
	unsigned long mfn = page_to_mfn(pg);

	if (mfn >= NR_FRAMES || (mfn & ((1UL << order) - 1)))
		__atomic_add_fetch(&bad_blocks, 1, __ATOMIC_RELAXED);
	for (unsigned long i = 0; i < (1UL << order); i++)
		if (__atomic_exchange_n(&owner[mfn + i], id, __ATOMIC_RELAXED) != 0)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
}

static void release(struct page_info *pg, unsigned int order, unsigned char id)
{
	unsigned long mfn = page_to_mfn(pg);

	for (unsigned long i = 0; i < (1UL << order); i++)
		if (__atomic_exchange_n(&owner[mfn + i], 0, __ATOMIC_RELAXED) != id)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct page_info *pages[THREAD_SLOTS] = {0};
	unsigned int orders[THREAD_SLOTS] = {0};
	uint64_t x = w->seed;

	pthread_barrier_wait(&start_line);
	for (unsigned long step = 0; step < THREAD_STEPS; step++) {
		unsigned int slot, order;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		slot = (unsigned int)(x % THREAD_SLOTS);
		order = (unsigned int)((x >> 16) % 6);
		if (pages[slot]) {
			release(pages[slot], orders[slot], w->id);
			free_pages(pages[slot], orders[slot]);
			pages[slot] = NULL;
		} else if ((pages[slot] = alloc_pages(order)) != NULL) {
			orders[slot] = order;
			claim(pages[slot], order, w->id);
			w->allocations++;
		}
	}
	for (unsigned int slot = 0; slot < THREAD_SLOTS; slot++) {
		if (pages[slot]) {
			release(pages[slot], orders[slot], w->id);
			free_pages(pages[slot], orders[slot]);
		}
	}
	return NULL;
}

/* Between 2 and MAX_THREADS, but no more than there are CPUs (see above). */
static unsigned int thread_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus > MAX_THREADS)
		return MAX_THREADS;
	return cpus < 2 ? 2 : (unsigned int)cpus;
}

static void test_threads_share_the_pool(void **state)
{
	pthread_t threads[MAX_THREADS];
	struct worker workers[MAX_THREADS];
	unsigned int nr_threads = thread_count();

	(void)state;
	owner = calloc(NR_FRAMES, 1);
	assert_non_null(owner);
	overlaps = 0;
	bad_blocks = 0;
	assert_int_equal(pthread_barrier_init(&start_line, NULL, nr_threads), 0);
	for (unsigned int i = 0; i < nr_threads; i++) {
		workers[i] = (struct worker){.id = (unsigned char)(i + 1),
					     .seed = 0x1234567ULL * (i + 1)};
		assert_int_equal(pthread_create(&threads[i], NULL, worker_main, &workers[i]), 0);
	}
	for (unsigned int i = 0; i < nr_threads; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_true(workers[i].allocations > THREAD_STEPS / 4);
	}
	pthread_barrier_destroy(&start_line);
	assert_int_equal(overlaps, 0);
	assert_int_equal(bad_blocks, 0);
	assert_back_to_initial();
	free(owner);
}

int main(void)
{
#ifdef THREADED_CASES_ONLY
	/* The ThreadSanitizer build (page_alloc.mk) runs only the case with threads. */
	cmocka_set_test_filter("test_threads_share_the_pool");
#endif
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_table_is_all_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ranges_become_free_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_range_one_frame_at_a_time_merges, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_add_range_rejects_bad_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaust_every_order_then_free_shuffled, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_random_orders_coalesce_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_freed_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragmentation_checkerboard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragmentation_pinned_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_above_max_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_high_below_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_free_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_notices_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_share_the_pool, setup, teardown),
	};

	return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
