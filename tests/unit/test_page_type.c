/*
 * Unit tests for page ownership, page types and page-table validation (hypervisor/page_type.c),
 * over the real frame allocator, written as an attacker would probe them.
 *
 * "Machine memory" is a page-aligned arena: frame n lives at arena + n * PAGE_SIZE. Frames below
 * FIRST_RAM stay reserved (device memory to the code under test); the rest are RAM. Tests build
 * page tables in frames owned by fake domains, exactly as a guest would fill them before pinning,
 * then pin, update and unpin them. Every refused request must leave every count as it was
 * (snapshot and compare), and every test ends in teardown(), which fails unless each domain
 * frame holds nothing but its allocation reference and comes back to the allocator when the
 * domain lets go of it: nothing leaked, nothing freed early.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <public/errno.h>

#include "page_alloc.h"
#include "page_type.h"

#define NR_FRAMES 1024UL
#define FIRST_RAM 16UL				   /* frames 0-15: reserved, "device memory" */
#define BEYOND (NR_FRAMES + 4)			   /* a frame number past the frame table */
#define HYPERVISOR_SLOT_MARK 0x4859500000000000ull /* what the L4 hook writes (with the slot) */

#define P PTE_PRESENT
#define RW (PTE_PRESENT | PTE_RW)

static unsigned char *arena;
static struct page_info *table;
static unsigned long initial_free;

void *phys_to_virt(uint64_t phys)
{
	return arena + phys;
}

uint64_t virt_to_phys(const void *virt)
{
	uintptr_t offset = (uintptr_t)virt - (uintptr_t)arena;

	return offset < NR_FRAMES * PAGE_SIZE ? offset : UINT64_MAX;
}

/* ---- fake domains and the hooks page_type.c asks them through ---- */

struct domain {
	const char *name;
	bool io_resources; /* page_type_has_io_resources() */
	bool iomem;	   /* may map the device frames */
	bool foreign;	   /* may map other domains' frames */
};

static struct domain dom_a = {.name = "a"}, dom_b = {.name = "b"};

static unsigned long flushes, frees, l4_fills, descriptor_checks;
static bool descriptors_ok;

void page_type_flush_hook(struct page_info *pg)
{
	(void)pg;
	__atomic_fetch_add(&flushes, 1, __ATOMIC_RELAXED);
}

static struct domain *last_free_owner;

void page_type_free_hook(struct page_info *pg, struct domain *owner, bool counted)
{
	(void)counted;
	last_free_owner = owner;
	assert_int_equal(pg->use, PAGE_USE_NONE);
	assert_null(pg->owner);
	assert_int_equal(pg->count_info, 0);
	assert_int_equal(pg->type_info, 0);
	frees++;
	free_pages(pg, 0);
}

bool page_type_iomem_permitted(const struct domain *d, unsigned long mfn)
{
	return d->iomem && (mfn < FIRST_RAM || (mfn >= NR_FRAMES && mfn < NR_FRAMES + 16));
}

/* Device frame 5 stands for an I/O APIC: mappable, but only read-only. */
#define READ_ONLY_DEVICE_FRAME 5

/* In the test's memory, frames below FIRST_RAM are devices; the rest are RAM. */
bool page_type_frame_is_ram(unsigned long mfn)
{
	return mfn >= FIRST_RAM && mfn < NR_FRAMES;
}

bool page_type_iomem_read_only(const struct domain *d, unsigned long mfn)
{
	(void)d;
	return mfn == READ_ONLY_DEVICE_FRAME;
}

bool page_type_has_io_resources(const struct domain *d)
{
	return d->io_resources;
}

bool page_type_foreign_map_permitted(const struct domain *d, const struct domain *owner,
				     unsigned long mfn, bool writable)
{
	(void)owner;
	(void)mfn;
	(void)writable;
	return d->foreign;
}

void page_type_init_hypervisor_l4_slots(uint64_t *l4, unsigned long l4_mfn, const struct domain *d)
{
	(void)l4_mfn;
	(void)d;
	l4_fills++;
	for (unsigned int slot = L4_FIRST_HYPERVISOR_SLOT; slot <= L4_LAST_HYPERVISOR_SLOT; slot++)
		l4[slot] = HYPERVISOR_SLOT_MARK | slot;
}

bool page_type_check_descriptors(uint64_t *descriptors, const struct domain *d)
{
	(void)descriptors;
	(void)d;
	descriptor_checks++;
	return descriptors_ok;
}

/* ---- catching the panic hooks ---- */

static jmp_buf panic_jump;
static bool panic_expected;
static const char *panic_reason;

__attribute__((noreturn)) static void caught(const char *hook, const char *why)
{
	if (!panic_expected) {
		fail_msg("unexpected %s: %s", hook, why);
		abort(); /* not reached */
	}
	panic_expected = false;
	panic_reason = why;
	longjmp(panic_jump, 1);
}

void page_type_panic(const char *why)
{
	caught("page_type_panic", why);
}

void page_alloc_panic(const char *why)
{
	caught("page_alloc_panic", why);
}

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

/* A zeroed frame of RAM given to d: what the domain builder hands a guest. */
static unsigned long new_frame(struct domain *d)
{
	struct page_info *pg = alloc_pages(0);

	assert_non_null(pg);
	memset(page_to_virt(pg), 0, PAGE_SIZE);
	page_assign(pg, d);
	return page_to_mfn(pg);
}

static struct page_info *page(unsigned long mfn)
{
	return &table[mfn];
}

static uint64_t *slots(unsigned long mfn)
{
	return mfn_to_virt(mfn);
}

static uint64_t pte(unsigned long mfn, uint64_t flags)
{
	return ((uint64_t)mfn << PAGE_SHIFT) | flags;
}

/* General references besides the domain's own allocation reference. */
static unsigned int extra_refs(unsigned long mfn)
{
	uint32_t count = table[mfn].count_info;

	return (count & PGC_COUNT_MASK) - !!(count & PGC_ALLOCATED);
}

static unsigned int type_of(unsigned long mfn)
{
	return page_type_of(table[mfn].type_info);
}

static unsigned int type_refs(unsigned long mfn)
{
	return page_type_count(table[mfn].type_info);
}

static bool validated(unsigned long mfn)
{
	return table[mfn].type_info & PGT_VALIDATED;
}

static bool pinned(unsigned long mfn)
{
	return table[mfn].type_info & PGT_PINNED;
}

static int linear(unsigned long mfn)
{
	return page_linear_count(table[mfn].type_info);
}

#define EXPECT_FRAME(mfn, refs, type, trefs)               \
	do {                                               \
		assert_int_equal(extra_refs(mfn), (refs)); \
		assert_int_equal(type_of(mfn), (type));    \
		assert_int_equal(type_refs(mfn), (trefs)); \
	} while (0)

/* Every count of every frame, to prove a refused request changed none. */
struct snapshot {
	uint32_t count_info[NR_FRAMES];
	uint32_t type_info[NR_FRAMES];
};

static struct snapshot *take_snapshot(void)
{
	struct snapshot *s = malloc(sizeof(*s));

	assert_non_null(s);
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		s->count_info[mfn] = table[mfn].count_info;
		s->type_info[mfn] = table[mfn].type_info;
	}
	return s;
}

/*
 * Counts, pins and linear counts exactly as they were. A frame whose type count is zero may have
 * kept a type it took on the way (as in Xen): a type without references binds nothing.
 */
static void expect_snapshot(struct snapshot *s)
{
	const uint32_t counted = PGT_COUNT_MASK | PGT_LINEAR_MASK | PGT_PINNED;

	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		uint32_t before = s->type_info[mfn], now = table[mfn].type_info;

		if (table[mfn].count_info != s->count_info[mfn])
			fail_msg("frame %lu: count_info %#x, was %#x", mfn, table[mfn].count_info,
				 s->count_info[mfn]);
		if ((now & counted) != (before & counted) ||
		    (page_type_count(before) && now != before))
			fail_msg("frame %lu: type_info %#x, was %#x", mfn, now, before);
	}
	free(s);
}

/* A refused pin: the errno, and nothing changed. */
static void expect_pin_refused(unsigned long mfn, unsigned int level, int rc)
{
	struct snapshot *s = take_snapshot();

	assert_int_equal(pin_page_table(&dom_a, mfn, level), rc);
	expect_snapshot(s);
}

/* A refused mod_lN_entry: the errno, the slot as it was, nothing else changed. */
static void expect_mod_refused(int (*mod)(struct page_info *, unsigned int, uint64_t,
					  struct domain *),
			       unsigned long table_mfn, unsigned int index, uint64_t entry, int rc)
{
	struct snapshot *s = take_snapshot();
	uint64_t before = index < PAGETABLE_ENTRIES ? slots(table_mfn)[index] : 0;

	assert_int_equal(mod(page(table_mfn), index, entry, &dom_a), rc);
	if (index < PAGETABLE_ENTRIES)
		assert_int_equal(slots(table_mfn)[index], before);
	expect_snapshot(s);
}

/* ---- set-up: a fresh frame table for every test; teardown proves nothing leaked ---- */

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(PAGE_SIZE, NR_FRAMES * PAGE_SIZE);
	table = calloc(NR_FRAMES, sizeof(*table));
	if (!arena || !table)
		return -1;
	memset(arena, 0xa5, NR_FRAMES * PAGE_SIZE);
	page_alloc_init(table, NR_FRAMES);
	page_alloc_add_range(FIRST_RAM, NR_FRAMES - FIRST_RAM);
	initial_free = page_alloc_free_frames();
	flushes = frees = l4_fills = descriptor_checks = 0;
	descriptors_ok = false;
	dom_a = (struct domain){.name = "a"};
	dom_b = (struct domain){.name = "b"};
	return 0;
}

static int teardown(void **state)
{
	unsigned long owned = 0, frees_before = frees;
	const char *problem;
	int rc = 0;

	(void)state;
	for (unsigned long mfn = 0; mfn < NR_FRAMES; mfn++) {
		struct page_info *pg = &table[mfn];

		if (pg->use != PAGE_USE_DOMAIN)
			continue;
		if (pg->count_info != (PGC_ALLOCATED | 1) || page_type_count(pg->type_info) ||
		    (pg->type_info & PGT_PINNED) || page_linear_count(pg->type_info)) {
			print_error("frame %lu leaked references: count_info %#x type_info %#x\n",
				    mfn, pg->count_info, pg->type_info);
			rc = -1;
			continue;
		}
		owned++;
		if (!page_relinquish(pg)) {
			print_error("frame %lu: no allocation reference\n", mfn);
			rc = -1;
		}
	}
	if (!rc && frees - frees_before != owned) {
		print_error("%lu frames relinquished, %lu freed\n", owned, frees - frees_before);
		rc = -1;
	}
	problem = page_alloc_check();
	if (problem) {
		print_error("page_alloc_check: %s\n", problem);
		rc = -1;
	}
	if (!rc && page_alloc_free_frames() != initial_free) {
		print_error("%lu frames free, %lu at the start\n", page_alloc_free_frames(),
			    initial_free);
		rc = -1;
	}
	free(arena);
	free(table);
	return rc;
}

/* ==== ownership and general references ==== */

static void test_assign_and_relinquish(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	assert_ptr_equal(page_get_owner(page(mfn)), &dom_a);
	assert_int_equal(page(mfn)->use, PAGE_USE_DOMAIN);
	assert_int_equal(page(mfn)->count_info, PGC_ALLOCATED | 1);
	assert_int_equal(page(mfn)->type_info, 0);

	assert_true(page_relinquish(page(mfn)));
	assert_int_equal(frees, 1);
	assert_ptr_equal(last_free_owner, &dom_a); /* told whose it was, for its accounting */
	assert_int_equal(page(mfn)->state, PAGE_FREE);
	assert_false(page_relinquish(page(mfn))); /* gone already: nothing to drop */
	assert_int_equal(frees, 1);
	assert_int_equal(page_alloc_free_frames(), initial_free);
}

/* XENMEM_exchange takes frames only when nothing but the allocation holds them. */
static void test_steal(void **state)
{
	unsigned long mfn = new_frame(&dom_a), l1 = new_frame(&dom_a);

	(void)state;
	assert_false(page_steal(page(mfn), &dom_b)); /* not b's */
	assert_int_equal(page(mfn)->count_info, PGC_ALLOCATED | 1);

	assert_true(get_page(page(mfn), &dom_a)); /* someone holds it */
	assert_false(page_steal(page(mfn), &dom_a));
	assert_int_equal(page(mfn)->count_info, PGC_ALLOCATED | 2);
	put_page(page(mfn));

	assert_int_equal(get_page_and_type(page(mfn), &dom_a, PGT_WRITABLE), 0);
	assert_false(page_steal(page(mfn), &dom_a)); /* typed */
	put_page_and_type(page(mfn));

	slots(l1)[0] = pte(mfn, PTE_PRESENT);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_false(page_steal(page(mfn), &dom_a)); /* mapped */
	assert_false(page_steal(page(l1), &dom_a));  /* pinned */
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	assert_int_equal(page(mfn)->count_info, PGC_ALLOCATED | 1);
	assert_int_equal(page(mfn)->type_info & PGT_COUNT_MASK, 0); /* still writable, unused */

	assert_true(page_steal(page(mfn), &dom_a));
	assert_null(page(mfn)->owner);
	assert_int_equal(page(mfn)->use, PAGE_USE_NONE);
	assert_int_equal(page(mfn)->count_info, 0);
	assert_int_equal(page(mfn)->type_info, 0);
	assert_int_equal(page(mfn)->state, PAGE_ALLOCATED);
	assert_false(get_page(page(mfn), &dom_a)); /* nobody's now */
	assert_false(page_steal(page(mfn), &dom_a));

	page_assign(page(mfn), &dom_a); /* exchange failed: given back */
	assert_true(page_steal(page(mfn), &dom_a));
	unsigned long before = frees;
	page_free_stolen(page(mfn));
	assert_int_equal(frees, before + 1);
	assert_null(last_free_owner);
	assert_int_equal(page(mfn)->state, PAGE_FREE);
	EXPECT_PANIC(page_free_stolen(page(l1)), "not a stolen frame");
	assert_true(page_relinquish(page(l1)));
	assert_int_equal(page_alloc_free_frames(), initial_free);
}

static void test_assign_refuses_a_frame_in_use(void **state)
{
	unsigned long mfn = new_frame(&dom_a);
	struct page_info *pg = alloc_pages(0);

	(void)state;
	EXPECT_PANIC(page_assign(page(mfn), &dom_b), "page_assign");
	assert_ptr_equal(page_get_owner(page(mfn)), &dom_a);
	EXPECT_PANIC(page_assign(page(3), &dom_a), "page_assign"); /* reserved */
	pg->use = PAGE_USE_SLAB;
	EXPECT_PANIC(page_assign(pg, &dom_a), "page_assign"); /* the heap's */
	pg->use = PAGE_USE_NONE;
	free_pages(pg, 0);
}

static void test_get_page_only_for_the_owner(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	assert_true(get_page(page(mfn), &dom_a));
	assert_int_equal(extra_refs(mfn), 1);
	assert_false(get_page(page(mfn), &dom_b));
	assert_int_equal(extra_refs(mfn), 1);
	put_page(page(mfn));
	assert_int_equal(extra_refs(mfn), 0);
}

static void test_get_page_refuses_frames_nobody_owns(void **state)
{
	struct page_info *unassigned = alloc_pages(0);
	unsigned long free_mfn;

	(void)state;
	free_mfn = page_to_mfn(unassigned) ^ 1; /* its buddy, still free */
	assert_int_equal(page(free_mfn)->state, PAGE_FREE);
	assert_false(get_page(page(free_mfn), &dom_a));
	assert_false(get_page(page(3), &dom_a));    /* reserved */
	assert_false(get_page(unassigned, &dom_a)); /* allocated, given to nobody */
	assert_int_equal(page(free_mfn)->count_info, 0);
	assert_int_equal(page(3)->count_info, 0);
	assert_int_equal(unassigned->count_info, 0);
	free_pages(unassigned, 0);
}

static void test_get_page_refuses_to_overflow(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	page(mfn)->count_info = PGC_ALLOCATED | (PGC_COUNT_MASK - 1);
	assert_true(get_page(page(mfn), &dom_a));
	assert_int_equal(page(mfn)->count_info, PGC_ALLOCATED | PGC_COUNT_MASK);
	assert_false(get_page(page(mfn), &dom_a));
	assert_int_equal(page(mfn)->count_info, PGC_ALLOCATED | PGC_COUNT_MASK);
	page(mfn)->count_info = PGC_ALLOCATED | 1;
}

static void test_put_without_get_panics(void **state)
{
	unsigned long mfn = new_frame(&dom_a);
	struct page_info *unassigned = alloc_pages(0);

	(void)state;
	EXPECT_PANIC(put_page(unassigned), "no general reference");
	assert_int_equal(unassigned->count_info, 0);
	EXPECT_PANIC(put_page_type(page(mfn)), "no type reference");
	assert_int_equal(page(mfn)->type_info, 0);
	free_pages(unassigned, 0);
}

static void test_last_general_reference_with_type_references_panics(void **state)
{
	unsigned long mfn = new_frame(&dom_a);
	struct page_info *pg = page(mfn);

	(void)state;
	assert_int_equal(get_page_type(pg, PGT_WRITABLE), 0); /* without a general reference */
	EXPECT_PANIC(page_relinquish(pg), "type references remain");
	assert_int_equal(frees, 0); /* never handed back while typed */
	/* Repair what the broken caller left, so teardown can check the rest. */
	pg->type_info = 0;
	pg->count_info = PGC_ALLOCATED | 1;
}

/* ==== type references ==== */

static void test_writable_type_comes_and_stays(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	assert_int_equal(get_page_and_type(page(mfn), &dom_a, PGT_WRITABLE), 0);
	EXPECT_FRAME(mfn, 1, PGT_WRITABLE, 1);
	assert_true(validated(mfn));
	assert_int_equal(get_page_and_type(page(mfn), &dom_a, PGT_WRITABLE), 0);
	EXPECT_FRAME(mfn, 2, PGT_WRITABLE, 2);
	put_page_and_type(page(mfn));
	put_page_and_type(page(mfn));
	EXPECT_FRAME(mfn, 0, PGT_WRITABLE, 0); /* the type outlives its references */
	assert_int_equal(flushes, 0);	       /* none -> writable: nothing stale to flush */
	assert_int_equal(get_page_and_type(page(mfn), &dom_b, PGT_WRITABLE), -XEN_EINVAL);
}

static void test_one_type_at_a_time(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	assert_int_equal(get_page_type(page(mfn), PGT_WRITABLE), 0);
	assert_int_equal(get_page_type(page(mfn), PGT_L1), -XEN_EINVAL);
	assert_int_equal(get_page_type(page(mfn), PGT_SEG_DESC), -XEN_EINVAL);
	EXPECT_FRAME(mfn, 0, PGT_WRITABLE, 1);
	put_page_type(page(mfn));

	assert_int_equal(get_page_type(page(mfn), PGT_L1), 0);
	assert_int_equal(flushes, 1); /* writable -> L1: stale writable TLB entries go */
	assert_true(validated(mfn));
	assert_int_equal(get_page_type(page(mfn), PGT_WRITABLE), -XEN_EINVAL);
	assert_int_equal(get_page_type(page(mfn), PGT_L2), -XEN_EINVAL);
	EXPECT_FRAME(mfn, 0, PGT_L1, 1);
	put_page_type(page(mfn));
	EXPECT_FRAME(mfn, 0, PGT_L1, 0);
	assert_false(validated(mfn));

	assert_int_equal(get_page_type(page(mfn), PGT_L1), 0); /* same type again: no flush */
	assert_int_equal(flushes, 1);
	put_page_type(page(mfn));
	assert_int_equal(get_page_type(page(mfn), PGT_WRITABLE), 0); /* L1 -> writable */
	assert_int_equal(flushes, 2);
	put_page_type(page(mfn));
}

static void test_no_flush_for_a_fresh_frame(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, mfn, 1), 0);
	assert_int_equal(flushes, 0);
	assert_int_equal(unpin_page_table(&dom_a, mfn), 0);
}

static void test_bad_type_requests(void **state)
{
	unsigned long mfn = new_frame(&dom_a);

	(void)state;
	assert_int_equal(get_page_type(page(mfn), PGT_NONE), -XEN_EINVAL);
	assert_int_equal(get_page_type(page(mfn), 6), -XEN_EINVAL);
	assert_int_equal(get_page_type(page(mfn), 99), -XEN_EINVAL);
	assert_int_equal(page(mfn)->type_info, 0);

	/* One type reference short of the limit: the next one is refused, not wrapped. */
	page(mfn)->type_info =
		((uint32_t)PGT_WRITABLE << PGT_TYPE_SHIFT) | PGT_VALIDATED | PGT_COUNT_MASK;
	assert_int_equal(get_page_type(page(mfn), PGT_WRITABLE), -XEN_EINVAL);
	assert_int_equal(type_refs(mfn), PGT_COUNT_MASK);
	page(mfn)->type_info = 0;
}

/* ==== pinning ==== */

static void test_pin_and_unpin_empty_tables(void **state)
{
	(void)state;
	for (unsigned int level = 1; level <= 4; level++) {
		unsigned long mfn = new_frame(&dom_a);

		assert_int_equal(pin_page_table(&dom_a, mfn, level), 0);
		EXPECT_FRAME(mfn, 1, level, 1);
		assert_true(validated(mfn));
		assert_true(pinned(mfn));

		expect_pin_refused(mfn, level, -XEN_EINVAL); /* pinning does not nest */
		assert_true(pinned(mfn));
		expect_pin_refused(mfn, level == 1 ? 2 : 1, -XEN_EINVAL); /* nor changes type */

		assert_int_equal(unpin_page_table(&dom_a, mfn), 0);
		EXPECT_FRAME(mfn, 0, level, 0);
		assert_false(validated(mfn));
		assert_false(pinned(mfn));
		assert_int_equal(unpin_page_table(&dom_a, mfn), -XEN_EINVAL);
		EXPECT_FRAME(mfn, 0, level, 0);
	}
	assert_int_equal(l4_fills, 1);
}

static void test_pin_refuses_frames_not_ours(void **state)
{
	unsigned long theirs = new_frame(&dom_b), ours = new_frame(&dom_a);
	struct page_info *unassigned = alloc_pages(0);

	(void)state;
	expect_pin_refused(BEYOND, 1, -XEN_EINVAL);
	expect_pin_refused(~0UL, 4, -XEN_EINVAL);
	expect_pin_refused(theirs, 1, -XEN_EINVAL);
	expect_pin_refused(3, 1, -XEN_EINVAL); /* reserved */
	expect_pin_refused(page_to_mfn(unassigned), 2, -XEN_EINVAL);
	expect_pin_refused(ours, 0, -XEN_EINVAL);
	expect_pin_refused(ours, 5, -XEN_EINVAL);

	assert_int_equal(pin_page_table(&dom_b, theirs, 1), 0);
	assert_int_equal(unpin_page_table(&dom_a, theirs), -XEN_EINVAL); /* not a's to unpin */
	assert_true(pinned(theirs));
	assert_int_equal(unpin_page_table(&dom_a, BEYOND), -XEN_EINVAL);
	assert_int_equal(unpin_page_table(&dom_b, theirs), 0);
	free_pages(unassigned, 0);
}

/* ==== L1 entries ==== */

static void test_l1_maps_own_frames(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d1 = new_frame(&dom_a), d2 = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(d1, RW);
	slots(l1)[1] = pte(d2, P);
	slots(l1)[2] = pte(d1, RW | PTE_USER);
	slots(l1)[300] = pte(d2, 0); /* not present: never looked at */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	EXPECT_FRAME(d1, 2, PGT_WRITABLE, 2);
	EXPECT_FRAME(d2, 1, PGT_NONE, 0); /* read-only: a general reference only */
	EXPECT_FRAME(l1, 1, PGT_L1, 1);

	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	EXPECT_FRAME(d1, 0, PGT_WRITABLE, 0);
	EXPECT_FRAME(d2, 0, PGT_NONE, 0);
	EXPECT_FRAME(l1, 0, PGT_L1, 0);
}

static void test_l1_entries_get_the_user_bit(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(d, RW);		   /* a guest-kernel mapping */
	slots(l1)[1] = pte(d, P | PTE_USER);	   /* a guest-user mapping */
	slots(l1)[2] = pte(d, P | PTE_NX | 0x200); /* NX and an available bit pass through */
	slots(l1)[3] = pte(d, P | PTE_USER | PTE_GLOBAL); /* asks to be global */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(slots(l1)[0], pte(d, RW | PTE_USER | PTE_GUEST_KERNEL));
	/* Never global: a CR3 reload must forget every guest translation (see adjust_entry). */
	assert_int_equal(slots(l1)[1], pte(d, P | PTE_USER));
	assert_int_equal(slots(l1)[3], pte(d, P | PTE_USER));
	assert_int_equal(slots(l1)[2], pte(d, P | PTE_NX | 0x200 | PTE_USER | PTE_GUEST_KERNEL));
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

static void test_l1_refuses_another_domains_frame(void **state)
{
	unsigned long l1 = new_frame(&dom_a), theirs = new_frame(&dom_b);

	(void)state;
	slots(l1)[5] = pte(theirs, P);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	slots(l1)[5] = pte(theirs, RW);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	EXPECT_FRAME(theirs, 0, PGT_NONE, 0);
}

static void test_l1_refuses_frames_nobody_owns(void **state)
{
	unsigned long l1 = new_frame(&dom_a);
	struct page_info *unassigned = alloc_pages(0);

	(void)state;
	slots(l1)[0] = pte(page_to_mfn(unassigned), P);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	slots(l1)[0] = pte(page_to_mfn(unassigned) ^ 1, RW); /* a free frame */
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	free_pages(unassigned, 0);
}

static void test_l1_refuses_writable_mapping_of_a_page_table(void **state)
{
	unsigned long l1 = new_frame(&dom_a), l2 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, l2, 2), 0);
	slots(l1)[0] = pte(l2, RW);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	EXPECT_FRAME(l2, 1, PGT_L2, 1);

	slots(l1)[0] = pte(l2, P); /* reading one's own page tables is fine */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	EXPECT_FRAME(l2, 2, PGT_L2, 1);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	assert_int_equal(unpin_page_table(&dom_a, l2), 0);
}

static void test_l1_mapping_itself(void **state)
{
	unsigned long l1 = new_frame(&dom_a);

	(void)state;
	slots(l1)[7] = pte(l1, RW); /* would let the guest write its own PTEs */
	expect_pin_refused(l1, 1, -XEN_EBUSY);

	slots(l1)[7] = pte(l1, P);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	EXPECT_FRAME(l1, 2, PGT_L1, 1); /* the pin and its own read-only mapping */
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	EXPECT_FRAME(l1, 0, PGT_L1, 0);
}

static void test_writably_mapped_frame_cannot_become_a_page_table(void **state)
{
	unsigned long l1 = new_frame(&dom_a), victim = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(victim, RW);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	for (unsigned int level = 1; level <= 4; level++)
		expect_pin_refused(victim, level, -XEN_EINVAL);
	EXPECT_FRAME(victim, 1, PGT_WRITABLE, 1);

	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	assert_int_equal(flushes, 0);
	assert_int_equal(pin_page_table(&dom_a, victim, 1), 0); /* no writable mapping left */
	assert_int_equal(flushes, 1);				/* and none stale in a TLB */
	assert_int_equal(unpin_page_table(&dom_a, victim), 0);
}

static void test_l1_refuses_reserved_bits(void **state)
{
	const uint64_t refused[] = {PTE_PWT, PTE_PCD, PTE_PAT, PTE_GNTTAB};
	const uint64_t allowed[] = {PTE_GLOBAL, PTE_NX,	    PTE_ACCESSED, PTE_DIRTY,
				    7ull << 9,	1ull << 52, 1ull << 61,	  PTE_USER};
	unsigned long l1 = new_frame(&dom_a), d = new_frame(&dom_a);

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		slots(l1)[511] = pte(d, P | refused[i]);
		expect_pin_refused(l1, 1, -XEN_EINVAL);
	}
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		slots(l1)[511] = pte(d, RW | allowed[i]);
		assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
		assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	}
}

static void test_l1_cache_bits_need_io_resources(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d = new_frame(&dom_a);

	(void)state;
	dom_a.io_resources = true;
	slots(l1)[0] = pte(d, P | PTE_PWT | PTE_PCD | PTE_PAT);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	slots(l1)[0] = pte(d, P | PTE_GNTTAB); /* never the guest's to set */
	expect_pin_refused(l1, 1, -XEN_EINVAL);
}

static void test_l1_refuses_frames_past_the_table(void **state)
{
	unsigned long l1 = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(BEYOND, P); /* not RAM: device memory, and a's has none */
	expect_pin_refused(l1, 1, -XEN_EPERM);
	slots(l1)[0] = PTE_ADDR_MASK | P; /* "no frame at all" */
	expect_pin_refused(l1, 1, -XEN_EINVAL);
}

static void test_l1_device_frames_need_permission(void **state)
{
	unsigned long l1 = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(3, RW);
	expect_pin_refused(l1, 1, -XEN_EPERM);

	dom_a.iomem = true;
	dom_a.io_resources = true;
	slots(l1)[1] = pte(BEYOND, P | PTE_PWT); /* write-through */
	slots(l1)[2] = pte(4, P | PTE_PCD);	 /* uncached-minus: kept */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(page(3)->count_info, 0); /* device memory is never counted */
	assert_int_equal(page(3)->type_info, 0);
	assert_int_equal(slots(l1)[0] & PTE_CACHE_ATTRS, PTE_PWT | PTE_PCD); /* forced uncached */
	assert_int_equal(slots(l1)[1] & PTE_CACHE_ATTRS, PTE_PWT | PTE_PCD);
	assert_int_equal(slots(l1)[2] & PTE_CACHE_ATTRS, PTE_PCD);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	assert_int_equal(page(3)->count_info, 0);

	slots(l1)[3] = pte(NR_FRAMES + 100, P); /* outside what the hook grants */
	expect_pin_refused(l1, 1, -XEN_EPERM);
}

static void test_l1_read_only_device_frame_loses_rw(void **state)
{
	unsigned long l1 = new_frame(&dom_a);

	(void)state;
	dom_a.iomem = true;
	slots(l1)[0] = pte(READ_ONLY_DEVICE_FRAME, RW); /* asked writable */
	slots(l1)[1] = pte(4, RW);			 /* an ordinary device frame */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(slots(l1)[0] & PTE_RW, 0);	 /* made read-only */
	assert_int_not_equal(slots(l1)[0] & P, 0);	 /* but still mapped */
	assert_int_not_equal(slots(l1)[1] & PTE_RW, 0); /* the other keeps its rights */
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

/* ==== L2, L3, L4 entries ==== */

static void test_upper_levels_refuse_bad_entries(void **state)
{
	unsigned long theirs = new_frame(&dom_b), child = new_frame(&dom_a);
	struct page_info *unassigned = alloc_pages(0);

	(void)state;
	for (unsigned int level = 2; level <= 4; level++) {
		const uint64_t bad_bits[] = {PTE_PSE, PTE_PWT, PTE_PCD, PTE_GLOBAL};
		unsigned long t = new_frame(&dom_a);
		unsigned int slot = level == 4 ? 255 : 511;

		for (size_t i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++) {
			slots(t)[slot] = pte(child, P | bad_bits[i]);
			expect_pin_refused(t, level, -XEN_EINVAL);
		}
		slots(t)[slot] = pte(BEYOND, P);
		expect_pin_refused(t, level, -XEN_EINVAL);
		slots(t)[slot] = pte(theirs, P);
		expect_pin_refused(t, level, -XEN_EINVAL);
		slots(t)[slot] = pte(3, P); /* device memory is no page table */
		expect_pin_refused(t, level, -XEN_EINVAL);
		slots(t)[slot] = pte(page_to_mfn(unassigned), P);
		expect_pin_refused(t, level, -XEN_EINVAL);
		slots(t)[slot] = pte(child, P | PTE_NX | PTE_ACCESSED | 0xe00); /* all fine */
		assert_int_equal(pin_page_table(&dom_a, t, level), 0);
		EXPECT_FRAME(child, 1, level - 1, 1);
		assert_int_equal(unpin_page_table(&dom_a, t), 0);
		EXPECT_FRAME(child, 0, level - 1, 0);
	}
	free_pages(unassigned, 0);
}

static void test_l2_maps_an_l1(void **state)
{
	unsigned long l2 = new_frame(&dom_a), l1 = new_frame(&dom_a), d = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(d, RW);
	slots(l2)[0] = pte(l1, RW);
	slots(l2)[1] = pte(l1, P); /* the same L1 twice */
	assert_int_equal(pin_page_table(&dom_a, l2, 2), 0);
	EXPECT_FRAME(l1, 2, PGT_L1, 2);
	assert_true(validated(l1));
	assert_false(pinned(l1));
	EXPECT_FRAME(d, 1, PGT_WRITABLE, 1); /* once: the L1 is validated once */
	assert_int_equal(slots(l2)[0], pte(l1, RW | PTE_USER));

	assert_int_equal(unpin_page_table(&dom_a, l2), 0);
	EXPECT_FRAME(l1, 0, PGT_L1, 0);
	assert_false(validated(l1));
	EXPECT_FRAME(d, 0, PGT_WRITABLE, 0);
}

static void test_l2_entry_to_a_writable_frame_refused(void **state)
{
	unsigned long l1 = new_frame(&dom_a), l2 = new_frame(&dom_a), d = new_frame(&dom_a);

	(void)state;
	slots(l1)[0] = pte(d, RW);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	slots(l2)[9] = pte(d, P); /* d is mapped writable: it cannot become an L1 */
	expect_pin_refused(l2, 2, -XEN_EINVAL);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

static void test_errors_come_up_from_below(void **state)
{
	unsigned long l4 = new_frame(&dom_a), l3 = new_frame(&dom_a), l2 = new_frame(&dom_a);
	unsigned long l1 = new_frame(&dom_a), theirs = new_frame(&dom_b);

	(void)state;
	slots(l4)[0] = pte(l3, RW);
	slots(l3)[0] = pte(l2, RW);
	slots(l2)[0] = pte(l1, RW);
	slots(l1)[0] = pte(theirs, P);
	expect_pin_refused(l4, 4, -XEN_EBUSY); /* the L1's answer, all the way up */
	slots(l1)[0] = pte(BEYOND, P);
	expect_pin_refused(l4, 4, -XEN_EPERM);
	slots(l1)[0] = pte(l1, P | PTE_PCD);
	expect_pin_refused(l4, 4, -XEN_EINVAL);
	EXPECT_FRAME(l3, 0, PGT_NONE, 0); /* left untyped, as Xen leaves them */
	assert_int_equal(l4_fills, 0);
}

static void test_full_tree_validates_and_unpin_releases_it(void **state)
{
	unsigned long l4 = new_frame(&dom_a), l3a = new_frame(&dom_a), l3b = new_frame(&dom_a);
	unsigned long l2a = new_frame(&dom_a), l2b = new_frame(&dom_a);
	unsigned long l1a = new_frame(&dom_a), l1b = new_frame(&dom_a);
	unsigned long d1 = new_frame(&dom_a), d2 = new_frame(&dom_a);
	struct snapshot *before = take_snapshot();

	(void)state;
	slots(l4)[0] = pte(l3a, RW);
	slots(l4)[1] = pte(l3b, RW);
	slots(l4)[511] = pte(l3b, P); /* shared, as kernel mappings are */
	slots(l3a)[0] = pte(l2a, RW);
	slots(l3a)[1] = pte(l2b, RW);
	slots(l3b)[4] = pte(l2a, RW);
	slots(l2a)[0] = pte(l1a, RW);
	slots(l2a)[1] = pte(l1b, RW);
	slots(l2b)[0] = pte(l1a, RW);
	slots(l1a)[0] = pte(d1, RW);
	slots(l1a)[1] = pte(d2, P);
	slots(l1b)[0] = pte(d1, RW);
	slots(l1b)[1] = pte(d1, P);

	assert_int_equal(pin_page_table(&dom_a, l4, 4), 0);
	EXPECT_FRAME(l4, 1, PGT_L4, 1);
	EXPECT_FRAME(l3a, 1, PGT_L3, 1);
	EXPECT_FRAME(l3b, 2, PGT_L3, 2);
	EXPECT_FRAME(l2a, 2, PGT_L2, 2);
	EXPECT_FRAME(l2b, 1, PGT_L2, 1);
	EXPECT_FRAME(l1a, 2, PGT_L1, 2);
	EXPECT_FRAME(l1b, 1, PGT_L1, 1);
	EXPECT_FRAME(d1, 3, PGT_WRITABLE, 2);
	EXPECT_FRAME(d2, 1, PGT_NONE, 0);
	assert_int_equal(l4_fills, 1);
	for (unsigned int slot = L4_FIRST_HYPERVISOR_SLOT; slot <= L4_LAST_HYPERVISOR_SLOT; slot++)
		assert_int_equal(slots(l4)[slot], HYPERVISOR_SLOT_MARK | slot);

	assert_int_equal(unpin_page_table(&dom_a, l4), 0);
	expect_snapshot(before);
	assert_false(validated(l3a) || validated(l2a) || validated(l1a) || validated(l1b));
}

static void test_guest_values_in_hypervisor_l4_slots_are_ignored(void **state)
{
	unsigned long l4 = new_frame(&dom_a), l3 = new_frame(&dom_a), theirs = new_frame(&dom_b);

	(void)state;
	slots(l4)[256] = pte(theirs, RW);	   /* would map another domain's frame */
	slots(l4)[262] = pte(l4, RW);		   /* would give write access to the L4 */
	slots(l4)[271] = pte(BEYOND, P | PTE_PSE); /* would be refused anywhere else */
	slots(l4)[255] = pte(l3, RW);		   /* the guest slots around them count */
	slots(l4)[272] = pte(l3, RW);
	assert_int_equal(pin_page_table(&dom_a, l4, 4), 0);
	EXPECT_FRAME(theirs, 0, PGT_NONE, 0);
	EXPECT_FRAME(l4, 1, PGT_L4, 1);
	EXPECT_FRAME(l3, 2, PGT_L3, 2);
	assert_int_equal(slots(l4)[256], HYPERVISOR_SLOT_MARK | 256);
	assert_int_equal(slots(l4)[262], HYPERVISOR_SLOT_MARK | 262);
	assert_int_equal(slots(l4)[271], HYPERVISOR_SLOT_MARK | 271);

	expect_mod_refused(mod_l4_entry, l4, 256, pte(l3, RW), -XEN_EINVAL);
	expect_mod_refused(mod_l4_entry, l4, 271, 0, -XEN_EINVAL);
	expect_mod_refused(mod_l4_entry, l4, 263, pte(l4, P), -XEN_EINVAL);
	assert_int_equal(mmu_update_entry(&dom_a, l4, 260, 0), -XEN_EINVAL);
	assert_int_equal(slots(l4)[260], HYPERVISOR_SLOT_MARK | 260);
	assert_int_equal(mod_l4_entry(page(l4), 255, 0, &dom_a), 0);
	assert_int_equal(mod_l4_entry(page(l4), 272, 0, &dom_a), 0);
	EXPECT_FRAME(l3, 0, PGT_L3, 0);
	assert_int_equal(unpin_page_table(&dom_a, l4), 0);
}

/* ==== roll-back ==== */

static void test_rollback_of_a_full_l1(void **state)
{
	unsigned long l1 = new_frame(&dom_a), theirs = new_frame(&dom_b), data[8];
	struct snapshot *before;

	(void)state;
	for (int i = 0; i < 8; i++)
		data[i] = new_frame(&dom_a);
	for (unsigned int slot = 0; slot < 511; slot++)
		slots(l1)[slot] = pte(data[slot % 8], slot % 3 ? P : RW);

	before = take_snapshot();
	slots(l1)[511] = pte(theirs, P);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	slots(l1)[511] = pte(data[0], P | PTE_PAT);
	expect_pin_refused(l1, 1, -XEN_EINVAL);
	slots(l1)[511] = pte(l1, RW);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	expect_snapshot(before);
	EXPECT_FRAME(l1, 0, PGT_NONE, 0);

	slots(l1)[511] = pte(data[7], RW); /* and with the last one fixed, all of it counts */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(extra_refs(data[i]), 64); /* 512 slots over 8 frames */
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	for (int i = 0; i < 8; i++)
		EXPECT_FRAME(data[i], 0, type_of(data[i]), 0);
}

static void test_rollback_of_a_deep_tree(void **state)
{
	unsigned long l4 = new_frame(&dom_a), shared_l1 = new_frame(&dom_a);
	unsigned long d = new_frame(&dom_a);
	struct snapshot *before;

	(void)state;
	slots(shared_l1)[0] = pte(d, RW);
	for (unsigned int i = 0; i < 3; i++) {
		unsigned long l3 = new_frame(&dom_a);

		slots(l4)[i] = pte(l3, RW);
		for (unsigned int j = 0; j < 3; j++) {
			unsigned long l2 = new_frame(&dom_a), l1 = new_frame(&dom_a);

			slots(l3)[j] = pte(l2, RW);
			slots(l2)[0] = pte(l1, RW);
			slots(l2)[1] = pte(shared_l1, RW);
			slots(l1)[j] = pte(d, RW);
		}
	}
	slots(l4)[300] = pte(shared_l1, P); /* an L3 and an L1 at once: refused */
	before = take_snapshot();
	expect_pin_refused(l4, 4, -XEN_EINVAL);
	expect_snapshot(before);

	slots(l4)[300] = pte(new_frame(&dom_b), P); /* and at the very end */
	before = take_snapshot();
	expect_pin_refused(l4, 4, -XEN_EINVAL);
	expect_snapshot(before);

	slots(l4)[300] = 0;
	before = take_snapshot();
	assert_int_equal(pin_page_table(&dom_a, l4, 4), 0);
	EXPECT_FRAME(shared_l1, 9, PGT_L1, 9);
	EXPECT_FRAME(d, 10, PGT_WRITABLE, 10);
	assert_int_equal(unpin_page_table(&dom_a, l4), 0);
	expect_snapshot(before);
}

/* ==== linear (recursive) page tables ==== */

static void test_linear_l2_read_only_allowed_writable_refused(void **state)
{
	unsigned long target = new_frame(&dom_a), l2 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, target, 2), 0);
	slots(l2)[3] = pte(target, RW);
	expect_pin_refused(l2, 2, -XEN_EINVAL);

	slots(l2)[3] = pte(target, P);
	assert_int_equal(pin_page_table(&dom_a, l2, 2), 0);
	EXPECT_FRAME(target, 2, PGT_L2, 2); /* the pin and the linear entry */
	assert_int_equal(linear(target), -1);
	assert_int_equal(linear(l2), 1);

	assert_int_equal(unpin_page_table(&dom_a, l2), 0);
	EXPECT_FRAME(target, 1, PGT_L2, 1);
	assert_int_equal(linear(target), 0);
	assert_int_equal(linear(l2), 0);
	assert_int_equal(unpin_page_table(&dom_a, target), 0);
}

static void test_linear_self_reference(void **state)
{
	for (unsigned int level = 2; level <= 4; level++) {
		unsigned long t = new_frame(&dom_a);

		slots(t)[5] = pte(t, RW);
		expect_pin_refused(t, level, -XEN_EINVAL);
		slots(t)[5] = pte(t, P);
		assert_int_equal(pin_page_table(&dom_a, t, level), 0);
		EXPECT_FRAME(t, 1, level, 1); /* a table mapping itself counts nothing */
		assert_int_equal(linear(t), 0);
		assert_int_equal(unpin_page_table(&dom_a, t), 0);
		EXPECT_FRAME(t, 0, level, 0);
	}
	(void)state;
}

static void test_linear_l3_and_l4_allowed(void **state)
{
	(void)state;
	for (unsigned int level = 3; level <= 4; level++) {
		unsigned long target = new_frame(&dom_a), t = new_frame(&dom_a);

		assert_int_equal(pin_page_table(&dom_a, target, level), 0);
		slots(t)[1] = pte(target, P);
		assert_int_equal(pin_page_table(&dom_a, t, level), 0);
		EXPECT_FRAME(target, 2, level, 2);
		assert_int_equal(unpin_page_table(&dom_a, target),
				 0); /* the linear entry keeps it */
		EXPECT_FRAME(target, 1, level, 1);
		assert_true(validated(target));
		assert_int_equal(unpin_page_table(&dom_a, t), 0);
		EXPECT_FRAME(target, 0, level, 0); /* and its drop devalidates it */
		assert_false(validated(target));
	}
}

static void test_linear_reference_is_the_last_to_go(void **state)
{
	unsigned long target = new_frame(&dom_a), l3 = new_frame(&dom_a), l2 = new_frame(&dom_a);
	unsigned long l1 = new_frame(&dom_a), d = new_frame(&dom_a), other = new_frame(&dom_a);
	struct snapshot *before = take_snapshot();

	(void)state;
	slots(target)[0] = pte(l3, RW);
	slots(l3)[0] = pte(l2, RW);
	slots(l2)[0] = pte(l1, RW);
	slots(l1)[0] = pte(d, RW);
	slots(other)[511] = pte(target, P | PTE_ACCESSED);
	assert_int_equal(pin_page_table(&dom_a, target, 4), 0);
	assert_int_equal(pin_page_table(&dom_a, other, 4), 0);
	assert_int_equal(unpin_page_table(&dom_a, target), 0);
	EXPECT_FRAME(d, 1, PGT_WRITABLE, 1); /* the linear entry holds the whole tree */

	/* Dropping it devalidates target, then its tree: one linear step, then the levels. */
	assert_int_equal(mod_l4_entry(page(other), 511, 0, &dom_a), 0);
	EXPECT_FRAME(target, 0, PGT_L4, 0);
	EXPECT_FRAME(d, 0, PGT_WRITABLE, 0);
	assert_int_equal(unpin_page_table(&dom_a, other), 0);
	expect_snapshot(before);
}

static void test_tables_cannot_reach_their_ancestors(void **state)
{
	unsigned long l4 = new_frame(&dom_a), l3 = new_frame(&dom_a), l2 = new_frame(&dom_a);
	unsigned long l1 = new_frame(&dom_a);

	(void)state;
	slots(l4)[0] = pte(l3, RW);
	slots(l3)[0] = pte(l2, RW);
	slots(l2)[0] = pte(l1, RW);
	slots(l1)[0] = pte(l4, RW); /* the leaf would make the root writable */
	expect_pin_refused(l4, 4, -XEN_EBUSY);
	slots(l1)[0] = pte(l2, RW);
	expect_pin_refused(l4, 4, -XEN_EBUSY);
	slots(l1)[0] = 0;
	slots(l3)[1] = pte(l4, P); /* a recursive entry across levels: no such thing */
	expect_pin_refused(l4, 4, -XEN_EINVAL);
	slots(l3)[1] = 0;
	slots(l2)[1] = pte(l3, P);
	expect_pin_refused(l4, 4, -XEN_EINVAL);
	slots(l2)[1] = 0;
	assert_int_equal(pin_page_table(&dom_a, l4, 4), 0);
	expect_mod_refused(mod_l2_entry, l2, 1, pte(l4, P), -XEN_EINVAL);
	expect_mod_refused(mod_l1_entry, l1, 1, pte(l3, RW), -XEN_EBUSY);
	assert_int_equal(unpin_page_table(&dom_a, l4), 0);
}

static void test_linear_target_must_be_validated(void **state)
{
	unsigned long target = new_frame(&dom_a), l2 = new_frame(&dom_a);
	const uint32_t validating = ((uint32_t)PGT_L2 << PGT_TYPE_SHIFT) | 1;

	(void)state;
	/* As if another CPU were validating target as an L2 right now. */
	page(target)->type_info = validating;
	slots(l2)[0] = pte(target, P);
	expect_pin_refused(l2, 2, -XEN_EINVAL);
	assert_int_equal(page(target)->type_info, validating);
	page(target)->type_info = 0;
}

static void test_linear_chains_refused(void **state)
{
	unsigned long a = new_frame(&dom_a), b = new_frame(&dom_a), c = new_frame(&dom_a);
	unsigned long e = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, b, 2), 0);
	assert_int_equal(pin_page_table(&dom_a, e, 2), 0);
	slots(a)[0] = pte(b, P); /* a -> b */
	assert_int_equal(pin_page_table(&dom_a, a, 2), 0);

	slots(c)[0] = pte(a, P); /* c -> a -> b: a holds a linear entry, so is no target */
	expect_pin_refused(c, 2, -XEN_EINVAL);
	/* b is a linear target, so it may hold no linear entry: no b -> e. */
	expect_mod_refused(mod_l2_entry, b, 1, pte(e, P), -XEN_EINVAL);
	/* a may hold more of them. */
	assert_int_equal(mod_l2_entry(page(a), 1, pte(e, P), &dom_a), 0);
	assert_int_equal(linear(a), 2);
	assert_int_equal(linear(e), -1);

	assert_int_equal(unpin_page_table(&dom_a, a), 0);
	assert_int_equal(linear(b), 0);
	assert_int_equal(linear(e), 0);
	EXPECT_FRAME(b, 1, PGT_L2, 1);
	assert_int_equal(unpin_page_table(&dom_a, b), 0);
	assert_int_equal(unpin_page_table(&dom_a, e), 0);
}

static void test_l1_to_l1_is_only_a_data_mapping(void **state)
{
	unsigned long other = new_frame(&dom_a), l1 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, other, 1), 0);
	slots(l1)[0] = pte(other, P);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	EXPECT_FRAME(other, 2, PGT_L1, 1); /* a read-only mapping: no type reference */
	assert_int_equal(linear(other), 0);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	slots(l1)[0] = pte(other, RW);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	assert_int_equal(unpin_page_table(&dom_a, other), 0);
}

/* ==== changing entries ==== */

static void test_mod_l1_entry_takes_and_gives_back(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d1 = new_frame(&dom_a), d2 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(mod_l1_entry(page(l1), 7, pte(d1, RW), &dom_a), 0);
	EXPECT_FRAME(d1, 1, PGT_WRITABLE, 1);
	assert_int_equal(slots(l1)[7], pte(d1, RW | PTE_USER | PTE_GUEST_KERNEL));
	assert_int_equal(mod_l1_entry(page(l1), 7, pte(d2, P), &dom_a), 0);
	EXPECT_FRAME(d1, 0, PGT_WRITABLE, 0);
	EXPECT_FRAME(d2, 1, PGT_NONE, 0);
	assert_int_equal(mod_l1_entry(page(l1), 7, pte(d2, 0), &dom_a), 0); /* not present */
	EXPECT_FRAME(d2, 0, PGT_NONE, 0);
	assert_int_equal(slots(l1)[7], pte(d2, 0));
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

/* mod_l1_entry_replace: only over the entry it was given, and nothing kept when refused. */
static void test_mod_l1_entry_replace_only_over_what_it_saw(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d1 = new_frame(&dom_a), d2 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(mod_l1_entry_replace(page(l1), 3, 0, pte(d1, RW), &dom_a), 0);
	uint64_t installed = slots(l1)[3];
	EXPECT_FRAME(d1, 1, PGT_WRITABLE, 1);
	/* The entry changed since it was read (the CPU set the dirty bit): refused, and the
	 * references the new entry would have taken are not kept. */
	slots(l1)[3] = installed | PTE_DIRTY;
	assert_int_equal(mod_l1_entry_replace(page(l1), 3, installed, pte(d2, RW), &dom_a),
			 -XEN_EAGAIN);
	assert_int_equal(slots(l1)[3], installed | PTE_DIRTY);
	EXPECT_FRAME(d2, 0, PGT_WRITABLE, 0); /* the type stays, its references are gone */
	EXPECT_FRAME(d1, 1, PGT_WRITABLE, 1);
	/* The same on the fast path (same frame, only the dirty bit cleared). */
	assert_int_equal(
		mod_l1_entry_replace(page(l1), 3, installed, installed & ~PTE_ACCESSED, &dom_a),
		-XEN_EAGAIN);
	assert_int_equal(slots(l1)[3], installed | PTE_DIRTY);
	/* Given what is there now, it goes through, and the old entry's references go. */
	assert_int_equal(mod_l1_entry_replace(page(l1), 3, installed | PTE_DIRTY, pte(d2, P),
					      &dom_a),
			 0);
	EXPECT_FRAME(d1, 0, PGT_WRITABLE, 0);
	EXPECT_FRAME(d2, 1, PGT_WRITABLE, 0);
	/* Hostile entries are refused as by mod_l1_entry. */
	unsigned long theirs = new_frame(&dom_b);
	assert_int_equal(mod_l1_entry_replace(page(l1), 3, slots(l1)[3], pte(theirs, P), &dom_a),
			 -XEN_EBUSY);
	assert_int_equal(mod_l1_entry_replace(page(l1), 3, slots(l1)[3], 0, &dom_a), 0);
	EXPECT_FRAME(d2, 0, PGT_WRITABLE, 0);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

static void test_mod_l1_entry_refuses_hostile_entries(void **state)
{
	unsigned long l1 = new_frame(&dom_a), l2 = new_frame(&dom_a), d = new_frame(&dom_a);
	unsigned long theirs = new_frame(&dom_b);

	(void)state;
	slots(l1)[9] = pte(d, RW);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(pin_page_table(&dom_a, l2, 2), 0);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(theirs, P), -XEN_EBUSY);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(l2, RW), -XEN_EBUSY);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(l1, RW), -XEN_EBUSY);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(d, RW | PTE_PWT), -XEN_EINVAL);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(d, P | PTE_GNTTAB), -XEN_EINVAL);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(BEYOND, RW), -XEN_EPERM);
	expect_mod_refused(mod_l1_entry, l1, 9, pte(3, RW), -XEN_EPERM);
	expect_mod_refused(mod_l1_entry, l1, 512, 0, -XEN_EINVAL);
	expect_mod_refused(mod_l1_entry, l2, 0, pte(d, P), -XEN_EINVAL); /* not an L1 */
	expect_mod_refused(mod_l1_entry, d, 0, pte(d, P), -XEN_EINVAL);	 /* not a table */
	expect_mod_refused(mod_l2_entry, l1, 0, 0, -XEN_EINVAL);	 /* not an L2 */
	expect_mod_refused(mod_l3_entry, l2, 0, 0, -XEN_EINVAL);
	assert_int_equal(pin_page_table(&dom_b, theirs, 1), 0);
	expect_mod_refused(mod_l1_entry, theirs, 0, pte(d, P), -XEN_EINVAL); /* b's table */
	assert_int_equal(unpin_page_table(&dom_b, theirs), 0);
	expect_mod_refused(mod_l1_entry, theirs, 0, 0, -XEN_EINVAL); /* unvalidated too */
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	assert_int_equal(unpin_page_table(&dom_a, l2), 0);
}

static void test_mod_fast_path_keeps_references(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d = new_frame(&dom_a);
	struct snapshot *before;

	(void)state;
	slots(l1)[0] = pte(d, RW);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	before = take_snapshot();
	assert_int_equal(
		mod_l1_entry(page(l1), 0, pte(d, RW | PTE_ACCESSED | PTE_DIRTY | PTE_NX), &dom_a),
		0);
	assert_int_equal(slots(l1)[0], pte(d, RW | PTE_ACCESSED | PTE_DIRTY | PTE_NX | PTE_USER |
						      PTE_GUEST_KERNEL));
	expect_snapshot(before);
	/* Dropping RW is not cosmetic: the writable reference goes. */
	assert_int_equal(mod_l1_entry(page(l1), 0, pte(d, P), &dom_a), 0);
	EXPECT_FRAME(d, 1, PGT_WRITABLE, 0);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

static void test_mod_l2_entry_validates_and_devalidates(void **state)
{
	unsigned long l2 = new_frame(&dom_a), l1 = new_frame(&dom_a), d = new_frame(&dom_a);
	unsigned long bad_l1 = new_frame(&dom_a), theirs = new_frame(&dom_b);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, l2, 2), 0);
	slots(l1)[0] = pte(d, RW);
	assert_int_equal(mod_l2_entry(page(l2), 0, pte(l1, RW), &dom_a), 0);
	EXPECT_FRAME(l1, 1, PGT_L1, 1);
	assert_true(validated(l1));
	EXPECT_FRAME(d, 1, PGT_WRITABLE, 1);

	slots(bad_l1)[0] = pte(theirs, P);
	expect_mod_refused(mod_l2_entry, l2, 0, pte(bad_l1, RW), -XEN_EBUSY);
	expect_mod_refused(mod_l2_entry, l2, 1, pte(l1, RW | PTE_PSE), -XEN_EINVAL);
	expect_mod_refused(mod_l2_entry, l2, 1, pte(l2, RW), -XEN_EINVAL); /* linear, writable */

	assert_int_equal(mod_l2_entry(page(l2), 0, 0, &dom_a), 0);
	EXPECT_FRAME(l1, 0, PGT_L1, 0);
	assert_false(validated(l1));
	EXPECT_FRAME(d, 0, PGT_WRITABLE, 0);
	assert_int_equal(unpin_page_table(&dom_a, l2), 0);
}

static void test_mod_l3_and_l4_entries(void **state)
{
	unsigned long l4 = new_frame(&dom_a), l3 = new_frame(&dom_a), l2 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, l4, 4), 0);
	assert_int_equal(mod_l4_entry(page(l4), 0, pte(l3, RW), &dom_a), 0);
	assert_int_equal(mod_l3_entry(page(l3), 0, pte(l2, RW), &dom_a), 0);
	EXPECT_FRAME(l3, 1, PGT_L3, 1);
	EXPECT_FRAME(l2, 1, PGT_L2, 1);
	assert_int_equal(slots(l4)[0], pte(l3, RW | PTE_USER | PTE_ACCESSED));
	expect_mod_refused(mod_l3_entry, l3, 1, pte(l2, RW | PTE_PSE), -XEN_EINVAL); /* 1 GiB */
	expect_mod_refused(mod_l4_entry, l4, 1, pte(l2, RW), -XEN_EINVAL); /* an L2 as an L3 */
	assert_int_equal(mod_l4_entry(page(l4), 0, 0, &dom_a), 0);
	EXPECT_FRAME(l3, 0, PGT_L3, 0);
	EXPECT_FRAME(l2, 0, PGT_L2, 0); /* went with the L3 */
	assert_int_equal(unpin_page_table(&dom_a, l4), 0);
}

static void test_mmu_update_entry(void **state)
{
	unsigned long l1 = new_frame(&dom_a), data = new_frame(&dom_a), d = new_frame(&dom_a);
	unsigned long theirs = new_frame(&dom_b);
	struct snapshot *before;

	(void)state;
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(mmu_update_entry(&dom_a, l1, 3, pte(d, RW)), 0);
	EXPECT_FRAME(d, 1, PGT_WRITABLE, 1);
	before = take_snapshot();
	assert_int_equal(mmu_update_entry(&dom_a, l1, 3, pte(theirs, RW)), -XEN_EBUSY);
	expect_snapshot(before);

	/* An ordinary page: any value is just data (it validates if it ever becomes a table). */
	assert_int_equal(mmu_update_entry(&dom_a, data, 8, pte(theirs, RW)), 0);
	assert_int_equal(slots(data)[8], pte(theirs, RW));
	EXPECT_FRAME(data, 0, PGT_WRITABLE, 0);
	EXPECT_FRAME(theirs, 0, PGT_NONE, 0);
	expect_pin_refused(data, 1, -XEN_EBUSY);

	before = take_snapshot();
	assert_int_equal(mmu_update_entry(&dom_a, theirs, 0, 0), -XEN_EINVAL);
	assert_int_equal(mmu_update_entry(&dom_a, BEYOND, 0, 0), -XEN_EINVAL);
	assert_int_equal(mmu_update_entry(&dom_a, 3, 0, 0), -XEN_EINVAL);
	assert_int_equal(mmu_update_entry(&dom_a, l1, PAGETABLE_ENTRIES, 0), -XEN_EINVAL);
	expect_snapshot(before);

	assert_int_equal(mmu_update_entry(&dom_a, l1, 3, 0), 0);
	EXPECT_FRAME(d, 0, PGT_WRITABLE, 0);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
}

/* ==== other domains, descriptor pages, teardown ==== */

static void test_foreign_mapping_hook(void **state)
{
	unsigned long l1 = new_frame(&dom_a), theirs = new_frame(&dom_b);

	(void)state;
	slots(l1)[0] = pte(theirs, RW);
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	dom_a.foreign = true; /* as a grant or a privileged mapping will allow */
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	EXPECT_FRAME(theirs, 1, PGT_WRITABLE, 1); /* counted on the owner's frame */
	assert_ptr_equal(page_get_owner(page(theirs)), &dom_b);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	EXPECT_FRAME(theirs, 0, PGT_WRITABLE, 0);
}

static void test_descriptor_pages(void **state)
{
	unsigned long gdt = new_frame(&dom_a), l1 = new_frame(&dom_a);

	(void)state;
	assert_int_equal(get_page_and_type(page(gdt), &dom_a, PGT_SEG_DESC), -XEN_EINVAL);
	EXPECT_FRAME(gdt, 0, PGT_NONE, 0);
	assert_int_equal(descriptor_checks, 1);

	descriptors_ok = true;
	assert_int_equal(get_page_and_type(page(gdt), &dom_a, PGT_SEG_DESC), 0);
	EXPECT_FRAME(gdt, 1, PGT_SEG_DESC, 1);
	slots(l1)[0] = pte(gdt, RW); /* a writable mapping of a GDT page: refused */
	expect_pin_refused(l1, 1, -XEN_EBUSY);
	slots(l1)[0] = pte(gdt, P);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	put_page_and_type(page(gdt));
	EXPECT_FRAME(gdt, 0, PGT_SEG_DESC, 0);
	assert_true(validated(gdt)); /* unchanged since its check: not checked again */
	assert_int_equal(get_page_and_type(page(gdt), &dom_a, PGT_SEG_DESC), 0);
	assert_int_equal(descriptor_checks, 2);
	put_page_and_type(page(gdt));
}

static void test_frames_go_back_only_when_unused(void **state)
{
	unsigned long l4 = new_frame(&dom_a), l3 = new_frame(&dom_a), l2 = new_frame(&dom_a);
	unsigned long l1 = new_frame(&dom_a), d = new_frame(&dom_a);
	const unsigned long all[] = {l4, l3, l2, l1, d};

	(void)state;
	slots(l4)[0] = pte(l3, RW);
	slots(l3)[0] = pte(l2, RW);
	slots(l2)[0] = pte(l1, RW);
	slots(l1)[0] = pte(d, RW);
	assert_int_equal(pin_page_table(&dom_a, l4, 4), 0);

	/* The domain lets go of everything while its page tables are still pinned... */
	for (size_t i = 0; i < 5; i++)
		assert_true(page_relinquish(page(all[i])));
	assert_int_equal(frees, 0); /* ...and nothing is freed under the tables */
	assert_int_equal(page(d)->state, PAGE_ALLOCATED);

	assert_int_equal(unpin_page_table(&dom_a, l4), 0);
	assert_int_equal(frees, 5); /* the whole tree, once its last references went */
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(page(all[i])->state, PAGE_FREE);
	assert_int_equal(unpin_page_table(&dom_a, l4), -XEN_EINVAL); /* no longer a's */
}

/* ==== grant mappings: entries whose references the grant code holds ==== */

static void test_raw_swap_moves_no_references(void **state)
{
	unsigned long l1 = new_frame(&dom_a), mine = new_frame(&dom_a);
	unsigned long granted = new_frame(&dom_b), data = new_frame(&dom_a);
	uint64_t grant_pte = pte(granted, RW | PTE_NX), old = 0;

	(void)state;
	slots(l1)[5] = pte(mine, RW);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	EXPECT_FRAME(mine, 1, PGT_WRITABLE, 1);

	/* The grant code holds b's frame as a writable mapping needs; the swap adds nothing. */
	assert_true(get_page(page(granted), &dom_b));
	assert_int_equal(get_page_type(page(granted), PGT_WRITABLE), 0);
	assert_int_equal(l1_entry_swap_raw(&dom_a, l1, 5, grant_pte, 0, 0, &old), 0);
	assert_int_equal(old, pte(mine, RW | PTE_USER | PTE_GUEST_KERNEL));
	EXPECT_FRAME(mine, 1, PGT_WRITABLE, 1); /* the replaced entry's, for the caller */
	put_l1_entry_references(old);
	EXPECT_FRAME(mine, 0, PGT_WRITABLE, 0);
	EXPECT_FRAME(granted, 1, PGT_WRITABLE, 1);

	/* Refused: a frame that is no validated L1 of the caller, a slot past the table. */
	assert_int_equal(l1_entry_swap_raw(&dom_b, l1, 5, 0, 0, 0, &old), -XEN_EINVAL);
	assert_int_equal(l1_entry_swap_raw(&dom_a, data, 5, 0, 0, 0, &old), -XEN_EINVAL);
	assert_int_equal(l1_entry_swap_raw(&dom_a, l1, 512, 0, 0, 0, &old), -XEN_EINVAL);
	assert_int_equal(l1_entry_swap_raw(&dom_a, BEYOND, 0, 0, 0, 0, &old), -XEN_EINVAL);
	/* Removal only while the entry maps that frame with those rights. */
	uint64_t mask = PTE_ADDR_MASK | PTE_PRESENT | PTE_RW;
	assert_int_equal(l1_entry_swap_raw(&dom_a, l1, 5, 0, mask, pte(granted, P), &old),
			 -XEN_ESRCH);
	assert_int_equal(l1_entry_swap_raw(&dom_a, l1, 5, 0, mask, pte(mine, RW), &old),
			 -XEN_ESRCH);
	assert_int_equal(slots(l1)[5], grant_pte);
	EXPECT_FRAME(granted, 1, PGT_WRITABLE, 1);

	/* If the table stops being one, its entries' references go, the grant's included. */
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	EXPECT_FRAME(granted, 0, PGT_WRITABLE, 0);
	EXPECT_FRAME(l1, 0, PGT_L1, 0);
}

/* ==== concurrency ==== */

#define THREADS 4
#define ROUNDS 20000

struct worker {
	pthread_t thread;
	unsigned int id;
	unsigned long *frames;
	unsigned long nr_frames;
	unsigned long table_mfn;
	unsigned long refused;
};

/* Workers spin here until all exist, so their rounds overlap instead of running one by one. */
static unsigned int workers_ready;

static void start_together(void)
{
	__atomic_fetch_add(&workers_ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&workers_ready, __ATOMIC_ACQUIRE) < THREADS)
		sched_yield();
}

static uint64_t next_random(uint64_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 7;
	*rng ^= *rng << 17;
	return *rng;
}

static void *hammer_references(void *arg)
{
	struct worker *w = arg;
	uint64_t rng = 0x9e3779b97f4a7c15ull * (w->id + 1);

	start_together();

	for (unsigned int round = 0; round < ROUNDS; round++) {
		struct page_info *pg = page(w->frames[next_random(&rng) % w->nr_frames]);

		switch (next_random(&rng) % 3) {
		case 0:
			if (!get_page(pg, &dom_a))
				abort();
			put_page(pg);
			break;
		case 1:
			if (get_page_and_type(pg, &dom_a, PGT_WRITABLE))
				abort();
			put_page_and_type(pg);
			break;
		default:
			if (get_page(pg, &dom_b)) /* never b's, however busy */
				abort();
		}
	}
	return NULL;
}

static void run_workers(struct worker *workers, void *(*body)(void *))
{
	workers_ready = 0;
	for (unsigned int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&workers[i].thread, NULL, body, &workers[i]), 0);
	for (unsigned int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
}

static void test_threads_share_references(void **state)
{
	unsigned long frames[3];
	struct worker workers[THREADS];

	(void)state;
	for (int i = 0; i < 3; i++)
		frames[i] = new_frame(&dom_a);
	for (unsigned int i = 0; i < THREADS; i++)
		workers[i] = (struct worker){.id = i, .frames = frames, .nr_frames = 3};
	run_workers(workers, hammer_references);
	for (int i = 0; i < 3; i++)
		EXPECT_FRAME(frames[i], 0, PGT_WRITABLE, 0);
}

/* Half the threads use a frame as an L1 (validating, devalidating), half map it writable. */
static void *fight_over_a_type(void *arg)
{
	struct worker *w = arg;
	struct page_info *pg = page(w->table_mfn);

	start_together();

	for (unsigned int round = 0; round < ROUNDS; round++) {
		unsigned int type = (w->id + round) % 2 ? PGT_L1 : PGT_WRITABLE;

		if (get_page_and_type(pg, &dom_a, type)) {
			w->refused++;
			continue;
		}
		if (page_type_of(__atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE)) != type ||
		    !(__atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE) & PGT_VALIDATED))
			abort(); /* holding a type reference: the type cannot change under us */
		put_page_and_type(pg);
	}
	return NULL;
}

static void test_threads_fight_over_a_type(void **state)
{
	unsigned long l1 = new_frame(&dom_a), d1 = new_frame(&dom_a), d2 = new_frame(&dom_a);
	struct worker workers[THREADS];
	struct snapshot *before;

	(void)state;
	for (unsigned int slot = 0; slot < 64; slot++)
		slots(l1)[slot] = pte(slot % 2 ? d1 : d2, slot % 3 ? P : RW);
	before = take_snapshot();
	for (unsigned int i = 0; i < THREADS; i++)
		workers[i] = (struct worker){.id = i, .table_mfn = l1};
	run_workers(workers, fight_over_a_type);
	expect_snapshot(before);
	EXPECT_FRAME(l1, 0, type_of(l1), 0);
}

/* Every thread rewrites entries of one pinned L1 (some slots shared with other threads). */
static void *rewrite_entries(void *arg)
{
	struct worker *w = arg;
	uint64_t rng = 0x2545f4914f6cdd1dull * (w->id + 1);

	start_together();

	for (unsigned int round = 0; round < ROUNDS / 2; round++) {
		unsigned int slot = next_random(&rng) % 16;
		unsigned long target = w->frames[next_random(&rng) % w->nr_frames];
		uint64_t entry = 0;
		int rc;

		switch (next_random(&rng) % 4) {
		case 0:
			entry = pte(target, RW);
			break;
		case 1:
			entry = pte(target, P);
			break;
		case 2:
			entry = pte(w->table_mfn, RW); /* always refused */
			break;
		}
		rc = mod_l1_entry(page(w->table_mfn), slot, entry, &dom_a);
		if (rc && entry != pte(w->table_mfn, RW))
			abort();
		if (!rc && entry == pte(w->table_mfn, RW))
			abort();
	}
	return NULL;
}

static void test_threads_rewrite_one_table(void **state)
{
	unsigned long l1 = new_frame(&dom_a), frames[4];
	struct worker workers[THREADS];

	(void)state;
	for (int i = 0; i < 4; i++)
		frames[i] = new_frame(&dom_a);
	assert_int_equal(pin_page_table(&dom_a, l1, 1), 0);
	for (unsigned int i = 0; i < THREADS; i++)
		workers[i] =
			(struct worker){.id = i, .frames = frames, .nr_frames = 4, .table_mfn = l1};
	run_workers(workers, rewrite_entries);

	/* The counts must say exactly what the table now holds. */
	for (int i = 0; i < 4; i++) {
		unsigned int mapped = 0, writable = 0;

		for (unsigned int slot = 0; slot < 16; slot++) {
			uint64_t entry = slots(l1)[slot];

			if ((entry & P) && pte_mfn(entry) == frames[i]) {
				mapped++;
				writable += !!(entry & PTE_RW);
			}
		}
		assert_int_equal(extra_refs(frames[i]), mapped);
		assert_int_equal(type_refs(frames[i]), writable);
	}
	assert_int_equal(unpin_page_table(&dom_a, l1), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(extra_refs(frames[i]), 0);
}

int main(void)
{
#ifdef THREADED_CASES_ONLY
	/* The ThreadSanitizer build (page_type.mk) runs only the cases with threads. */
	cmocka_set_test_filter("test_threads_*");
#endif
#define CASE(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		CASE(test_assign_and_relinquish),
		CASE(test_steal),
		CASE(test_assign_refuses_a_frame_in_use),
		CASE(test_get_page_only_for_the_owner),
		CASE(test_get_page_refuses_frames_nobody_owns),
		CASE(test_get_page_refuses_to_overflow),
		CASE(test_put_without_get_panics),
		CASE(test_last_general_reference_with_type_references_panics),
		CASE(test_writable_type_comes_and_stays),
		CASE(test_one_type_at_a_time),
		CASE(test_no_flush_for_a_fresh_frame),
		CASE(test_bad_type_requests),
		CASE(test_pin_and_unpin_empty_tables),
		CASE(test_pin_refuses_frames_not_ours),
		CASE(test_l1_maps_own_frames),
		CASE(test_raw_swap_moves_no_references),
		CASE(test_l1_entries_get_the_user_bit),
		CASE(test_l1_refuses_another_domains_frame),
		CASE(test_l1_refuses_frames_nobody_owns),
		CASE(test_l1_refuses_writable_mapping_of_a_page_table),
		CASE(test_l1_mapping_itself),
		CASE(test_writably_mapped_frame_cannot_become_a_page_table),
		CASE(test_l1_refuses_reserved_bits),
		CASE(test_l1_cache_bits_need_io_resources),
		CASE(test_l1_refuses_frames_past_the_table),
		CASE(test_l1_device_frames_need_permission),
		CASE(test_l1_read_only_device_frame_loses_rw),
		CASE(test_upper_levels_refuse_bad_entries),
		CASE(test_l2_maps_an_l1),
		CASE(test_l2_entry_to_a_writable_frame_refused),
		CASE(test_errors_come_up_from_below),
		CASE(test_full_tree_validates_and_unpin_releases_it),
		CASE(test_guest_values_in_hypervisor_l4_slots_are_ignored),
		CASE(test_rollback_of_a_full_l1),
		CASE(test_rollback_of_a_deep_tree),
		CASE(test_linear_l2_read_only_allowed_writable_refused),
		CASE(test_linear_self_reference),
		CASE(test_linear_l3_and_l4_allowed),
		CASE(test_linear_reference_is_the_last_to_go),
		CASE(test_tables_cannot_reach_their_ancestors),
		CASE(test_linear_target_must_be_validated),
		CASE(test_linear_chains_refused),
		CASE(test_l1_to_l1_is_only_a_data_mapping),
		CASE(test_mod_l1_entry_takes_and_gives_back),
		CASE(test_mod_l1_entry_replace_only_over_what_it_saw),
		CASE(test_mod_l1_entry_refuses_hostile_entries),
		CASE(test_mod_fast_path_keeps_references),
		CASE(test_mod_l2_entry_validates_and_devalidates),
		CASE(test_mod_l3_and_l4_entries),
		CASE(test_mmu_update_entry),
		CASE(test_foreign_mapping_hook),
		CASE(test_descriptor_pages),
		CASE(test_frames_go_back_only_when_unused),
		CASE(test_threads_share_references),
		CASE(test_threads_fight_over_a_type),
		CASE(test_threads_rewrite_one_table),
	};
#undef CASE

	return cmocka_run_group_tests_name("page_type", tests, NULL, NULL);
}
