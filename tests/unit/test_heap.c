/*
 * Unit tests for the hypervisor heap (hypervisor/heap.c) over the real frame allocator.
 *
 * "Machine memory" is a page-aligned arena: frame n lives at arena + n * PAGE_SIZE, and this file
 * defines phys_to_virt()/virt_to_phys() to say so. The arena is filled with 0xa5 before each
 * test, so memory the heap forgets to clear or to hand out shows. Every test ends with the heap
 * empty and the frame table exactly as it started, which proves nothing leaked.
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

#include "heap.h"
#include "page_alloc.h"

#define NR_FRAMES 16384UL /* 64 MiB */
/* Usable: frames 1 .. 99 and 128 .. NR_FRAMES - 1; frame 0 and 100 .. 127 are holes. */
#define USABLE_FRAMES (99 + NR_FRAMES - 128)

static unsigned char *arena;
static struct page_info *table;

void *phys_to_virt(uint64_t phys)
{
	return arena + phys;
}

uint64_t virt_to_phys(const void *virt)
{
	uintptr_t offset = (uintptr_t)virt - (uintptr_t)arena;

	return offset < NR_FRAMES * PAGE_SIZE ? offset : UINT64_MAX; /* outside: no valid frame */
}

/* ---- catching the panic hooks ---- */

static jmp_buf panic_jump;
static bool panic_expected;
static const char *panic_reason;

void heap_panic(const char *why)
{
	if (!panic_expected) {
		fail_msg("unexpected heap_panic: %s", why);
		abort(); /* not reached: fail_msg() leaves the test */
	}
	panic_expected = false;
	panic_reason = why;
	longjmp(panic_jump, 1);
}

/* The heap never frees a frame twice: any complaint from the frame allocator is a failure. */
void page_alloc_panic(const char *why)
{
	fail_msg("unexpected page_alloc_panic: %s", why);
	abort();
}

/* Run `statement`, which must end in heap_panic() with a reason containing `word`. */
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

/* ---- helpers ---- */

struct frame_state {
	uint8_t state, flags, order, use;
};
static struct frame_state initial[NR_FRAMES];

static void snapshot(struct frame_state *out)
{
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		out[mfn].state = table[mfn].state;
		out[mfn].flags = table[mfn].flags;
		out[mfn].order = table[mfn].order;
		out[mfn].use = table[mfn].use;
	}
}

static void assert_stats(unsigned long allocations, unsigned long bytes)
{
	struct heap_stats stats;

	heap_get_stats(&stats);
	assert_int_equal(stats.live_allocations, allocations);
	assert_int_equal(stats.live_bytes, bytes);
	/* The heap is the frame allocator's only user here: it holds exactly what is missing. */
	assert_int_equal(stats.pages_held, USABLE_FRAMES - page_alloc_free_frames());
}

static unsigned long pages_held(void)
{
	struct heap_stats stats;

	heap_get_stats(&stats);
	return stats.pages_held;
}

/* Nothing live, nothing held, every frame as it was: the test leaked nothing. */
static void assert_heap_empty(void)
{
	const char *problem = page_alloc_check();

	if (problem)
		fail_msg("page_alloc_check: %s", problem);
	assert_stats(0, 0);
	assert_int_equal(page_alloc_free_frames(), USABLE_FRAMES);
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		const struct page_info *pg = &table[mfn];

		if (pg->state != initial[mfn].state || pg->flags != initial[mfn].flags ||
		    pg->order != initial[mfn].order || pg->use != initial[mfn].use)
			fail_msg("frame %lu: state %u flags %u order %u use %u, was %u %u %u %u",
				 mfn, pg->state, pg->flags, pg->order, pg->use, initial[mfn].state,
				 initial[mfn].flags, initial[mfn].order, initial[mfn].use);
	}
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A pattern that differs from object to object (seed) and along each object (i). */
static unsigned char pattern(uint64_t seed, size_t i)
{
	return (unsigned char)(seed * 0x9e3779b1u + i * 13 + (i >> 8));
}

static void fill(void *p, size_t size, uint64_t seed)
{
	unsigned char *bytes = p;

	for (size_t i = 0; i < size; i++)
		bytes[i] = pattern(seed, i);
}

/* Index of the first byte that lost its pattern, or size when all are intact. */
static size_t first_damage(const void *p, size_t size, uint64_t seed)
{
	const unsigned char *bytes = p;

	for (size_t i = 0; i < size; i++)
		if (bytes[i] != pattern(seed, i))
			return i;
	return size;
}

static void assert_intact(const void *p, size_t size, uint64_t seed)
{
	size_t i = first_damage(p, size, seed);

	if (i != size)
		fail_msg("object %p of %zu bytes damaged at byte %zu", p, size, i);
}

static bool page_aligned(const void *p)
{
	return (uintptr_t)p % PAGE_SIZE == 0;
}

/* ---- fixtures ---- */

static int group_setup(void **state)
{
	(void)state;
	arena = aligned_alloc(PAGE_SIZE, NR_FRAMES * PAGE_SIZE);
	table = calloc(NR_FRAMES, sizeof(*table));
	return arena && table ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	free(arena);
	free(table);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(arena, 0xa5, NR_FRAMES * PAGE_SIZE);
	page_alloc_init(table, NR_FRAMES);
	page_alloc_add_range(1, 99);
	page_alloc_add_range(128, NR_FRAMES - 128);
	heap_init();
	snapshot(initial);
	rng_state = 0x2545f4914f6cdd1dULL;
	panic_expected = false;
	return 0;
}

/* ---- tests ---- */

static void test_every_size_from_1_to_8192(void **state)
{
	enum { LARGEST = 8192 };
	static void *objects[LARGEST + 1];
	unsigned long bytes = 0;

	(void)state;
	for (size_t size = 1; size <= LARGEST; size++) {
		void *p = heap_alloc(size);

		assert_non_null(p);
		assert_int_equal((uintptr_t)p % HEAP_ALIGN, 0);
		if (size > HEAP_SMALL_MAX && !page_aligned(p))
			fail_msg("%zu-byte allocation at %p is not page-aligned", size, p);
		fill(p, size, size);
		objects[size] = p;
		bytes += size;
	}
	assert_stats(LARGEST, (unsigned long)LARGEST * (LARGEST + 1) / 2);
	assert_int_equal(bytes, (unsigned long)LARGEST * (LARGEST + 1) / 2);

	/* Had any two objects overlapped, the later fill would have damaged the earlier one. */
	for (size_t size = 1; size <= LARGEST; size++)
		assert_intact(objects[size], size, size);
	for (size_t size = 1; size <= LARGEST; size += 2)
		heap_free(objects[size]);
	for (size_t size = 2; size <= LARGEST; size += 2) {
		assert_intact(objects[size], size, size);
		heap_free(objects[size]);
	}
	assert_heap_empty();
}

static void test_zalloc_clears(void **state)
{
	static const size_t sizes[] = {1,    15,   16,	 17,   100,  2031,
				       2032, 2033, 4096, 4097, 5000, 3 * 4096 + 1};

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];
		unsigned char *p = heap_alloc(size);

		/* Dirty the memory, give it back, ask again: it must come back clean. */
		assert_non_null(p);
		memset(p, 0xff, size);
		heap_free(p);
		p = heap_zalloc(size);
		assert_non_null(p);
		for (size_t j = 0; j < size; j++)
			if (p[j] != 0)
				fail_msg("heap_zalloc(%zu): byte %zu is %#x", size, j, p[j]);
		assert_stats(1, size);
		heap_free(p);
	}
	assert_heap_empty();
}

static void test_zero_and_impossible_sizes(void **state)
{
	(void)state;
	assert_null(heap_alloc(0));
	assert_null(heap_zalloc(0));
	assert_null(heap_alloc((PAGE_SIZE << MAX_ORDER) + 1));
	assert_null(heap_alloc(SIZE_MAX));
	assert_null(heap_alloc(SIZE_MAX - PAGE_SIZE + 2)); /* rounding up to pages would wrap */
	/* Within MAX_ORDER but bigger than all of this machine's memory. */
	assert_null(heap_alloc(NR_FRAMES * PAGE_SIZE));
	heap_free(NULL);
	assert_heap_empty();
}

/* Slabs fill before a new page is taken, and each page goes back when its last object does. */
static void test_slab_pages_come_back(void **state)
{
	enum { PER_PAGE = 32, PAGES = 5 }; /* 100 bytes: 128-byte slots, 32 to a page */
	void *objects[PER_PAGE * PAGES];

	(void)state;
	for (unsigned int i = 0; i < PER_PAGE * PAGES; i++) {
		objects[i] = heap_alloc(100);
		assert_non_null(objects[i]);
		assert_int_equal(pages_held(), i / PER_PAGE + 1);
	}
	assert_stats(PER_PAGE * PAGES, 100 * PER_PAGE * PAGES);

	/* A hole in a full slab is filled before any new page is taken. */
	heap_free(objects[40]);
	objects[40] = heap_alloc(100);
	assert_non_null(objects[40]);
	assert_int_equal(pages_held(), PAGES);

	/* Everything but the first object of each page: every page still holds one. */
	for (unsigned int i = 0; i < PER_PAGE * PAGES; i++)
		if (i % PER_PAGE != 0)
			heap_free(objects[i]);
	assert_int_equal(pages_held(), PAGES);
	assert_stats(PAGES, 100 * PAGES);

	for (unsigned int page = 0; page < PAGES; page++) {
		heap_free(objects[page * PER_PAGE]);
		assert_int_equal(pages_held(), PAGES - 1 - page);
		assert_stats(PAGES - 1 - page, 100 * (PAGES - 1 - page));
	}
	assert_heap_empty();
}

/* Big requests take whole pages, no more than they need. */
static void test_whole_pages_are_trimmed(void **state)
{
	static const struct {
		size_t size;
		unsigned long pages;
	} cases[] = {
		{HEAP_SMALL_MAX + 1, 1}, {PAGE_SIZE, 1},	   {PAGE_SIZE + 1, 2},
		{2 * PAGE_SIZE, 2},	 {5 * PAGE_SIZE, 5},	   {5 * PAGE_SIZE - 100, 5},
		{9 * PAGE_SIZE + 1, 10}, {1000 * PAGE_SIZE, 1000},
	};
	void *objects[sizeof(cases) / sizeof(cases[0])];
	unsigned long held = 0, bytes = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		objects[i] = heap_alloc(cases[i].size);
		assert_non_null(objects[i]);
		assert_true(page_aligned(objects[i]));
		fill(objects[i], cases[i].size, i);
		held += cases[i].pages;
		bytes += cases[i].size;
		assert_int_equal(pages_held(), held);
		assert_stats(i + 1, bytes);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_intact(objects[i], cases[i].size, i);
		heap_free(objects[i]);
	}
	assert_heap_empty();
}

static void test_out_of_memory(void **state)
{
	static struct page_info *frames[USABLE_FRAMES];
	unsigned long taken = 0;
	struct page_info *pg;
	struct heap_stats stats;

	(void)state;
	while ((pg = alloc_pages(0)) != NULL)
		frames[taken++] = pg;
	assert_int_equal(taken, USABLE_FRAMES);

	assert_null(heap_alloc(10));
	assert_null(heap_alloc(HEAP_SMALL_MAX + 1));
	assert_null(heap_zalloc(3 * PAGE_SIZE));
	heap_get_stats(&stats); /* (the test, not the heap, holds the frames: no assert_stats) */
	assert_int_equal(stats.live_allocations, 0);
	assert_int_equal(stats.live_bytes, 0);
	assert_int_equal(stats.pages_held, 0);

	/* One frame back: one small object fits, then no big one. */
	free_pages(frames[--taken], 0);
	void *p = heap_alloc(10);
	assert_non_null(p);
	assert_null(heap_alloc(PAGE_SIZE));
	assert_int_equal(page_alloc_free_frames(), 0);
	heap_get_stats(&stats);
	assert_int_equal(stats.live_allocations, 1);
	assert_int_equal(stats.live_bytes, 10);
	assert_int_equal(stats.pages_held, 1);
	heap_free(p);
	assert_int_equal(page_alloc_free_frames(), 1);

	while (taken)
		free_pages(frames[--taken], 0);
	assert_heap_empty();
}

/* 100,000 allocations of random sizes, freed at random, every byte checked before it goes. */
static void test_random_100k_objects(void **state)
{
	enum { SLOTS = 2048, ALLOCATIONS = 100000 };
	static struct {
		void *p;
		size_t size;
		uint64_t seed;
	} slots[SLOTS];
	unsigned long live = 0, bytes = 0;

	(void)state;
	memset(slots, 0, sizeof(slots));
	for (uint64_t n = 1; n <= ALLOCATIONS; n++) {
		unsigned int slot = (unsigned int)(rng_next() % SLOTS);
		unsigned int kind = (unsigned int)(rng_next() % 100);
		size_t size;

		if (slots[slot].p) {
			assert_intact(slots[slot].p, slots[slot].size, slots[slot].seed);
			heap_free(slots[slot].p);
			live--;
			bytes -= slots[slot].size;
		}
		if (kind < 70)
			size = 1 + rng_next() % 128;
		else if (kind < 90)
			size = 129 + rng_next() % (HEAP_SMALL_MAX - 128);
		else if (kind < 98)
			size = HEAP_SMALL_MAX + 1 + rng_next() % (4 * PAGE_SIZE);
		else
			size = 1 + rng_next() % (16 * PAGE_SIZE);

		slots[slot].p = heap_alloc(size);
		assert_non_null(slots[slot].p);
		assert_int_equal((uintptr_t)slots[slot].p % HEAP_ALIGN, 0);
		slots[slot].size = size;
		slots[slot].seed = n;
		fill(slots[slot].p, size, n);
		live++;
		bytes += size;

		if (n % 1000 == 0)
			assert_stats(live, bytes);
		if (n % 25000 == 0) {
			const char *problem = page_alloc_check();

			if (problem)
				fail_msg("page_alloc_check: %s", problem);
		}
	}

	for (unsigned int slot = 0; slot < SLOTS; slot++) {
		if (slots[slot].p) {
			assert_intact(slots[slot].p, slots[slot].size, slots[slot].seed);
			heap_free(slots[slot].p);
		}
	}
	assert_heap_empty();
}

static void test_bad_frees_caught(void **state)
{
	_Alignas(HEAP_ALIGN) char on_stack[64];
	unsigned char *small, *big;

	(void)state;
	small = heap_alloc(100);
	big = heap_alloc(3 * PAGE_SIZE);
	assert_non_null(small);
	assert_non_null(big);

	EXPECT_PANIC(heap_free(on_stack), "outside");
	EXPECT_PANIC(heap_free(small + 1), "aligned");
	EXPECT_PANIC(heap_free(small + HEAP_ALIGN), "not at the start of an object");
	EXPECT_PANIC(heap_free(small - HEAP_ALIGN), "not at the start of an object");
	EXPECT_PANIC(heap_free(big + PAGE_SIZE), "not from the heap");
	EXPECT_PANIC(heap_free(big + HEAP_ALIGN), "not from the heap");
	EXPECT_PANIC(heap_free(arena), "not from the heap"); /* frame 0: never RAM */

	/* A frame the heap never saw, straight from the frame allocator. */
	struct page_info *pg = alloc_pages(0);
	assert_non_null(pg);
	EXPECT_PANIC(heap_free(page_to_virt(pg)), "not from the heap");
	free_pages(pg, 0);

	/* The failed frees changed nothing. */
	assert_stats(2, 100 + 3 * PAGE_SIZE);
	heap_free(small);
	heap_free(big);
	assert_heap_empty();
}

static void test_double_free_caught(void **state)
{
	(void)state;
	void *keep = heap_alloc(50); /* so the slab stays and the freed slot is still a slot */
	void *p = heap_alloc(50);
	assert_non_null(keep);
	assert_non_null(p);
	heap_free(p);
	EXPECT_PANIC(heap_free(p), "freed twice");

	void *big = heap_alloc(2 * PAGE_SIZE);
	assert_non_null(big);
	heap_free(big);
	EXPECT_PANIC(heap_free(big), "freed already");

	assert_stats(1, 50);
	heap_free(keep);
	assert_heap_empty();
}

/* Slots are carved in address order with a 16-byte header each: an overflow hits the next one. */
static void test_overflow_into_next_header_caught(void **state)
{
	unsigned char saved[HEAP_ALIGN];

	(void)state;
	/* 40 bytes: 64-byte slots, 48 usable bytes; the next header starts 48 bytes in. */
	unsigned char *first = heap_alloc(40);
	unsigned char *second = heap_alloc(40);
	assert_non_null(first);
	assert_non_null(second);
	assert_ptr_equal(second, first + 64);

	memcpy(saved, first + 48, sizeof(saved));
	memset(first + 48, 0x5a, 4); /* a live object's header */
	EXPECT_PANIC(heap_free(second), "overwritten");
	memcpy(first + 48, saved, sizeof(saved));

	unsigned char *free_slot = second + 64; /* the next slot, still free */
	memcpy(saved, free_slot - HEAP_ALIGN, sizeof(saved));
	memset(free_slot - HEAP_ALIGN, 0x5a, 4); /* a free slot's header */
	EXPECT_PANIC(heap_alloc(40), "overwritten");
	memcpy(free_slot - HEAP_ALIGN, saved, sizeof(saved));
	void *third = heap_alloc(40);
	assert_ptr_equal(third, free_slot);

	assert_stats(3, 120);
	heap_free(first);
	heap_free(second);
	heap_free(third);
	assert_heap_empty();
}

/* ---- concurrency ---- */

/* As in test_page_alloc.c: no more threads than CPUs, or the ticket locks make the test crawl. */
enum { MAX_THREADS = 4, THREAD_STEPS = 30000, THREAD_SLOTS = 128 };

static unsigned long damaged_objects;
static unsigned long failed_allocations;

struct worker {
	uint64_t seed;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void *objects[THREAD_SLOTS] = {0};
	size_t sizes[THREAD_SLOTS] = {0};
	uint64_t seeds[THREAD_SLOTS] = {0};
	uint64_t x = w->seed;

	for (unsigned long step = 0; step < THREAD_STEPS; step++) {
		unsigned int slot;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		slot = (unsigned int)(x % THREAD_SLOTS);
		if (objects[slot]) {
			if (first_damage(objects[slot], sizes[slot], seeds[slot]) != sizes[slot])
				__atomic_add_fetch(&damaged_objects, 1, __ATOMIC_RELAXED);
			heap_free(objects[slot]);
			objects[slot] = NULL;
			continue;
		}
		sizes[slot] =
			(x >> 20) % 16 ? 1 + (x >> 24) % 600 : 1 + (x >> 24) % (3 * PAGE_SIZE);
		seeds[slot] = x;
		objects[slot] = heap_alloc(sizes[slot]);
		if (!objects[slot]) {
			__atomic_add_fetch(&failed_allocations, 1, __ATOMIC_RELAXED);
			continue;
		}
		fill(objects[slot], sizes[slot], seeds[slot]);
	}
	for (unsigned int slot = 0; slot < THREAD_SLOTS; slot++) {
		if (!objects[slot])
			continue;
		if (first_damage(objects[slot], sizes[slot], seeds[slot]) != sizes[slot])
			__atomic_add_fetch(&damaged_objects, 1, __ATOMIC_RELAXED);
		heap_free(objects[slot]);
	}
	return NULL;
}

/* Between 2 and MAX_THREADS, but no more than there are CPUs. */
static unsigned int thread_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus > MAX_THREADS)
		return MAX_THREADS;
	return cpus < 2 ? 2 : (unsigned int)cpus;
}

static void test_threads_share_the_heap(void **state)
{
	pthread_t threads[MAX_THREADS];
	struct worker workers[MAX_THREADS];
	unsigned int nr_threads = thread_count();

	(void)state;
	damaged_objects = 0;
	failed_allocations = 0;
	for (unsigned int i = 0; i < nr_threads; i++) {
		workers[i].seed = 0x51ed2701ULL * (i + 1);
		assert_int_equal(pthread_create(&threads[i], NULL, worker_main, &workers[i]), 0);
	}
	for (unsigned int i = 0; i < nr_threads; i++)
		assert_int_equal(pthread_join(threads[i], NULL), 0);
	assert_int_equal(damaged_objects, 0);
	assert_int_equal(failed_allocations, 0);
	assert_heap_empty();
}

int main(void)
{
#ifdef THREADED_CASES_ONLY
	/* The ThreadSanitizer build (page_alloc.mk) runs only the case with threads. */
	cmocka_set_test_filter("test_threads_share_the_heap");
#endif
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_size_from_1_to_8192, setup),
		cmocka_unit_test_setup(test_zalloc_clears, setup),
		cmocka_unit_test_setup(test_zero_and_impossible_sizes, setup),
		cmocka_unit_test_setup(test_slab_pages_come_back, setup),
		cmocka_unit_test_setup(test_whole_pages_are_trimmed, setup),
		cmocka_unit_test_setup(test_out_of_memory, setup),
		cmocka_unit_test_setup(test_random_100k_objects, setup),
		cmocka_unit_test_setup(test_bad_frees_caught, setup),
		cmocka_unit_test_setup(test_double_free_caught, setup),
		cmocka_unit_test_setup(test_overflow_into_next_header_caught, setup),
		cmocka_unit_test_setup(test_threads_share_the_heap, setup),
	};

	return cmocka_run_group_tests_name("heap", tests, group_setup, group_teardown);
}
