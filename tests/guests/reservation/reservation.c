/*
 * reservation: how a PV domain gives memory back and gets more (memory_op's
 * increase_reservation, decrease_reservation, populate_physmap and exchange), as a balloon
 * driver uses them: a frame given back is gone (its M2P entry INVALID, no longer mappable),
 * a new frame is mapped and used, the guest writes the M2P itself for increase_reservation
 * while populate_physmap and exchange write it for it. Then the edges: frames still mapped or
 * pinned, partial progress, the domain's max_pages, extent orders, address bits and NUMA
 * flags, hostile lists and arguments, continuations, other domains.
 *
 * The reservation calls never return an errno: they return how many extents were done, and
 * stop at the first one that fails. Exchange returns 0 or an errno and says in nr_exchanged
 * how far it got. The run is booted with dom0_mem=64M,max:66M, so max_pages is reachable.
 *
 * Frames to give away come from the top of the domain's pfns, far above the initial mapping.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO (_PAGE_PRESENT | _PAGE_ACCESSED)
#define M2P_INVALID (~0UL)
#define MEMOP_EXTENT_SHIFT 6
#define MAX_PAGES_EXPECTED (66UL << 8) /* max:66M */
#define DOM0_MAX_ORDER 18	       /* Xen's limit for a control domain on x86 */

static const struct start_info *si;
static xen_pfn_t *p2m;
static long max_page;
static unsigned long next_top_pfn; /* the next pfn from the top to give away */
static unsigned long next_gpfn;	   /* labels for populate/exchange, above nr_pages */
static xen_pfn_t big_list[1024];

/* ---- helpers ---- */

static long memop(unsigned int cmd, xen_pfn_t *list, unsigned long nr, unsigned int order,
		  unsigned int flags, domid_t domain)
{
	struct xen_memory_reservation r = {
		.nr_extents = nr, .extent_order = order, .mem_flags = flags, .domid = domain};

	set_xen_guest_handle(r.extent_start, list);
	return HYPERVISOR_memory_op(cmd, &r);
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static unsigned long m2p(unsigned long mfn)
{
	return machine_to_phys_mapping[mfn];
}

static long set_m2p(unsigned long mfn, unsigned long pfn)
{
	struct mmu_update request = {.ptr = (mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, .val = pfn};

	return HYPERVISOR_mmu_update(&request, 1, NULL, DOMID_SELF);
}

static long mmuext_one(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = {.cmd = cmd};

	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Scratch page n back on its own frame (as the p2m says), writable. */
static void restore(unsigned int n)
{
	if (map_page(scratch_page(n), virt_to_mfn(scratch_page(n)), PTE_RW) != 0)
		guest_crash("cannot restore scratch page %u", n);
}

/* A frame of ours nothing maps: the next pfn from the top. Its p2m entry is cleared. */
static unsigned long spare_frame(void)
{
	unsigned long pfn = next_top_pfn--;
	unsigned long mfn = p2m[pfn];

	if (m2p(mfn) != pfn)
		guest_crash("pfn %#lx: p2m and M2P disagree", pfn);
	p2m[pfn] = M2P_INVALID;
	return mfn;
}

/* Can we map mfn? 0 when it is ours, -EBUSY when it is not (scratch page 5 is the window). */
static long try_map(unsigned long mfn)
{
	long rc = map_page(scratch_page(5), mfn, PTE_RO);

	restore(5);
	return rc;
}

/* Write then read a frame through two mappings: it is real memory of ours. */
static bool usable(unsigned long mfn, uint64_t marker)
{
	uint64_t *w = scratch_page(5), *r = scratch_page(6);
	bool ok = map_page(w, mfn, PTE_RW) == 0 && map_page(r, mfn, PTE_RO) == 0;

	if (ok) {
		w[0] = marker;
		w[511] = ~marker;
		ok = r[0] == marker && r[511] == ~marker;
	}
	restore(5);
	restore(6);
	return ok;
}

/* Zero a frame of ours (fresh frames may hold anything), so it can become a page table. */
static void zero_frame(unsigned long mfn)
{
	if (map_page(scratch_page(5), mfn, PTE_RW) != 0)
		guest_crash("cannot map frame %#lx to zero it", mfn);
	memset(scratch_page(5), 0, PAGE_SIZE);
	restore(5);
}

/* Scratch page 7 read-only (or unmapped); scratch page 6 before it stays writable. */
static xen_pfn_t *last_slot_of_page6(void)
{
	return (xen_pfn_t *)((char *)scratch_page(6) + PAGE_SIZE) - 1;
}

/* ---- decrease_reservation ---- */

static void check_decrease(void)
{
	test_section("decrease_reservation: give a frame back");
	unsigned long pfn = next_top_pfn;
	unsigned long mfn = spare_frame();
	long before = current_pages();
	xen_pfn_t list[4] = {mfn};

	CHECK_EQ(m2p(mfn), pfn, "before: the M2P names the frame's pfn");
	CHECK_EQ(try_map(mfn), 0, "before: we may map it");
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 1,
		 "one extent given back: the call returns the extents done");
	CHECK_EQ(current_pages(), before - 1, "current_reservation drops by one");
	CHECK_EQ(m2p(mfn), M2P_INVALID, "the frame is freed: its M2P entry is INVALID");
	CHECK_EQ(try_map(mfn), -XEN_EBUSY, "mapping it now is -EBUSY: it is not ours");
	CHECK_EQ(list[0], mfn, "the list is only read");
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 0,
		 "giving it back twice does nothing (Xen: -ENXIO inside, 0 extents done)");
	CHECK_EQ(current_pages(), before - 1, "and current_reservation stays");

	test_section("decrease_reservation: partial progress");
	unsigned long a = spare_frame(), b = spare_frame();
	before = current_pages();
	list[0] = a;
	list[1] = max_page - 1; /* RAM that is not ours */
	list[2] = b;
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 3, 0, 0, DOMID_SELF), 1,
		 "a frame not ours stops the list: 1 extent done");
	CHECK_EQ(current_pages(), before - 1, "the first went");
	CHECK_EQ(m2p(a), M2P_INVALID, "the first is freed");
	CHECK_EQ(try_map(b), 0, "the third is still ours");
	list[0] = b;
	list[1] = 1UL << 40; /* no such frame */
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 2, 0, 0, DOMID_SELF), 1,
		 "an mfn past the end of memory stops the list (Xen: -EINVAL inside)");
	CHECK_EQ(current_pages(), before - 2, "b went");
	list[0] = M2P_INVALID;
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 0,
		 "the all-ones mfn: nothing done");

	test_section("decrease_reservation: an extent of order 1 half ours");
	xen_pfn_t pair[1] = {next_gpfn};
	next_gpfn += 2;
	CHECK_EQ(memop(XENMEM_populate_physmap, pair, 1, 1, 0, DOMID_SELF), 1,
		 "populate an order-1 extent");
	unsigned long m = pair[0];
	list[0] = m + 1;
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 1,
		 "give back its second frame alone");
	before = current_pages();
	list[0] = m;
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 1, 0, DOMID_SELF), 0,
		 "giving back the order-1 extent fails at its second frame: 0 extents done");
	CHECK_EQ(current_pages(), before - 1,
		 "yet its first frame is gone (Xen frees frame by frame)");
	CHECK_EQ(m2p(m), M2P_INVALID, "and freed");
}

/* Frames something still holds: a mapping, a pin. They go when the last holder lets go. */
static void check_decrease_in_use(void)
{
	test_section("decrease_reservation: a frame still mapped");
	uint64_t *page4 = scratch_page(4);
	unsigned long pfn4 = virt_to_pfn(page4), old = p2m[pfn4];
	xen_pfn_t list[1] = {old};
	long before = current_pages();

	page4[0] = 0x5eed;
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 1,
		 "a frame we still map may be given back: 1 extent done");
	CHECK_EQ(current_pages(), before, "but current_reservation counts it until it is freed");
	CHECK_EQ(page4[0], 0x5eed, "the mapping still works");
	page4[1] = 0xbeef;
	CHECK_EQ(page4[1], 0xbeef, "and writes too");
	CHECK_EQ(m2p(old), pfn4, "its M2P entry stays while it lives");
	CHECK_EQ(try_map(old), 0, "it is still ours to map while a mapping holds it");

	/* What a balloon driver does: a new frame behind the pfn, p2m and M2P updated. */
	xen_pfn_t fresh[1];
	CHECK_EQ(memop(XENMEM_increase_reservation, fresh, 1, 0, 0, DOMID_SELF), 1,
		 "a new frame for the pfn");
	CHECK_EQ(set_m2p(fresh[0], pfn4), 0, "MMU_MACHPHYS_UPDATE names its pfn");
	p2m[pfn4] = fresh[0];
	CHECK_EQ(map_page(page4, fresh[0], PTE_RW), 0, "map the new frame where the old one was");
	CHECK_EQ(current_pages(), before, "the old frame went as its last mapping did (+1 -1)");
	CHECK_EQ(m2p(old), M2P_INVALID, "and it is freed");
	CHECK_EQ(try_map(old), -XEN_EBUSY, "and no longer ours");
	page4[0] = 1;
	CHECK_EQ(page4[0], 1, "the new frame works");

	test_section("decrease_reservation: a pinned page table");
	unsigned long table = spare_frame();
	zero_frame(table);
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L1_TABLE, table), 0, "pin a zeroed frame as an L1");
	before = current_pages();
	list[0] = table;
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 1,
		 "a pinned table may be given back: 1 extent done");
	CHECK_EQ(current_pages(), before, "the pin still holds it");
	CHECK(m2p(table) != M2P_INVALID, "not freed yet");
	CHECK_EQ(map_page(scratch_page(5), table, PTE_RW), -XEN_EBUSY,
		 "it is still an L1: no writable mapping");
	restore(5);
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, table), 0, "unpinning still works");
	CHECK_EQ(current_pages(), before - 1, "and frees it");
	CHECK_EQ(m2p(table), M2P_INVALID, "M2P INVALID");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, table), -XEN_EINVAL, "it is gone: -EINVAL");
}

/* ---- increase_reservation and populate_physmap ---- */

static void check_increase(void)
{
	test_section("increase_reservation: a new frame, mapped and used");
	unsigned long pfn = next_top_pfn;
	unsigned long given = spare_frame();
	xen_pfn_t list[4] = {given};
	long before;

	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, DOMID_SELF), 1,
		 "make room: give a frame back");
	before = current_pages();
	list[0] = 0;
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, 0, DOMID_SELF), 1,
		 "one extent received");
	CHECK_EQ(current_pages(), before + 1, "current_reservation grows by one");
	CHECK(list[0] != 0 && list[0] < (unsigned long)max_page, "its mfn is written back: RAM");
	CHECK_EQ(set_m2p(list[0], pfn), 0, "the guest names its pfn (MMU_MACHPHYS_UPDATE)");
	CHECK_EQ(m2p(list[0]), pfn, "the M2P says so");
	p2m[pfn] = list[0];
	CHECK(usable(list[0], 0x1234567890abcdefUL), "map it, write it, read it back");

	test_section("increase_reservation: several, orders, no list");
	before = current_pages();
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 3, 0, 0, DOMID_SELF), 3, "three frames");
	CHECK(list[0] != list[1] && list[1] != list[2] && list[0] != list[2], "all different");
	CHECK(usable(list[2], 42), "the last one works");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 2, 2, 0, DOMID_SELF), 2,
		 "two extents of order 2");
	CHECK_EQ(list[0] & 3, 0, "an extent is aligned to its size");
	CHECK(usable(list[0] + 3, 43), "its last frame is ours");
	CHECK_EQ(current_pages(), before + 3 + 8, "current_reservation counts every frame");
	before = current_pages();
	CHECK_EQ(memop(XENMEM_increase_reservation, NULL, 2, 0, 0, DOMID_SELF), 2,
		 "a null list is allowed (the mfns are not told)");
	CHECK_EQ(current_pages(), before + 2, "the frames are ours all the same");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 0, 0, 0, DOMID_SELF), 0,
		 "nr_extents 0 does nothing");
	CHECK_EQ(current_pages(), before + 2, "nothing");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_populate_on_demand,
		       DOMID_SELF),
		 1, "the populate-on-demand flag means nothing to increase_reservation");

	test_section("populate_physmap: gpfns in, mfns out, M2P written");
	xen_pfn_t g[3] = {next_gpfn, next_gpfn + 1};
	next_gpfn += 2;
	before = current_pages();
	CHECK_EQ(memop(XENMEM_populate_physmap, g, 2, 0, 0, DOMID_SELF), 2, "two frames");
	CHECK_EQ(m2p(g[0]), next_gpfn - 2, "the M2P of the first names its gpfn");
	CHECK_EQ(m2p(g[1]), next_gpfn - 1, "and of the second");
	CHECK(usable(g[1], 44), "the frame works");
	CHECK_EQ(current_pages(), before + 2, "current_reservation grows by two");
	g[0] = next_gpfn;
	next_gpfn += 2;
	CHECK_EQ(memop(XENMEM_populate_physmap, g, 1, 1, 0, DOMID_SELF), 1, "an order-1 extent");
	CHECK_EQ(g[0] & 1, 0, "aligned");
	CHECK_EQ(m2p(g[0]), next_gpfn - 2, "M2P of its first frame");
	CHECK_EQ(m2p(g[0] + 1), next_gpfn - 1, "M2P of its second frame: the next gpfn");
	g[0] = next_gpfn;
	next_gpfn += 256;
	before = current_pages();
	CHECK_EQ(memop(XENMEM_populate_physmap, g, 1, 8, 0, DOMID_SELF), 1, "order 8 (1 MiB)");
	CHECK_EQ(g[0] & 255, 0, "aligned to 1 MiB");
	CHECK_EQ(m2p(g[0] + 255), next_gpfn - 1, "the M2P covers the whole extent");
	CHECK_EQ(current_pages(), before + 256, "256 frames more");
	CHECK_EQ(memop(XENMEM_decrease_reservation, g, 1, 8, 0, DOMID_SELF), 1,
		 "and back, as one extent of order 8");
	CHECK_EQ(current_pages(), before, "256 frames fewer");
	CHECK_EQ(m2p(g[0] + 255), M2P_INVALID, "all freed");
	g[0] = next_gpfn;
	CHECK_EQ(memop(XENMEM_populate_physmap, g, 1, 0, XENMEMF_populate_on_demand, DOMID_SELF), 0,
		 "populate-on-demand on oneself is refused: 0");
	CHECK_EQ(memop(XENMEM_populate_physmap, NULL, 1, 0, 0, DOMID_SELF), 0,
		 "populate needs a list: a null one gives 0");
}

/* Where the extents start: cmd's bits above the command (a continuation's progress). */
static void check_start_extent(void)
{
	test_section("reservations: the start extent in cmd");
	xen_pfn_t list[3] = {7, 7, 7};
	long before = current_pages();
	struct xen_memory_reservation r = {.nr_extents = 3, .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, list);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_increase_reservation | 1 << MEMOP_EXTENT_SHIFT, &r), 3,
		 "start at extent 1 of 3: returns 3 (the extents done, counting from 0)");
	CHECK_EQ(list[0], 7, "extent 0 was left alone");
	CHECK(list[1] != 7 && list[2] != 7, "extents 1 and 2 were done");
	CHECK_EQ(current_pages(), before + 2, "two frames");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_increase_reservation | 5 << MEMOP_EXTENT_SHIFT, &r), 5,
		 "a start past the end returns the start");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_increase_reservation | 3 << MEMOP_EXTENT_SHIFT, &r), 3,
		 "a start at the end returns it too");
	CHECK_EQ(current_pages(), before + 2, "nothing more");
	r.nr_extents = 1UL << 26; /* UINT_MAX >> 6 is 2^26 - 1 */
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 0,
		 "nr_extents above UINT_MAX >> 6 (no room for a continuation): 0");
	r.nr_extents = 1UL << 40;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0, "2^40 extents: 0");
	CHECK_EQ(current_pages(), before + 2, "nothing done");
}

/* ---- limits and flags ---- */

static void check_orders_and_flags(void)
{
	static const unsigned int ops[] = {XENMEM_increase_reservation, XENMEM_decrease_reservation,
					   XENMEM_populate_physmap};
	xen_pfn_t list[2];
	long before = current_pages();

	test_section("reservations: extent order limits");
	for (unsigned int o = 0; o < 3; o++) {
		list[0] = next_gpfn;
		CHECK_EQ(memop(ops[o], list, 1, DOM0_MAX_ORDER + 1, 0, DOMID_SELF), 0,
			 "order 19: above the control domain's 18, nothing done");
		CHECK_EQ(memop(ops[o], list, 1, 64, 0, DOMID_SELF), 0, "order 64: nothing");
		CHECK_EQ(memop(ops[o], list, 1, 0xffffffffu, 0, DOMID_SELF), 0,
			 "order 2^32-1: nothing");
	}
	list[0] = next_gpfn;
	CHECK_EQ(memop(XENMEM_populate_physmap, list, 1, DOM0_MAX_ORDER, 0, DOMID_SELF), 0,
		 "order 18 is allowed, but 1 GiB is more than max_pages allows: 0");
	CHECK_EQ(current_pages(), before, "nothing was done");

	test_section("reservations: address bits");
	list[0] = 0;
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_address_bits(12),
		       DOMID_SELF),
		 0, "12 address bits (no frame above 0) is refused: 0");
	CHECK_EQ(
		memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_address_bits(1), DOMID_SELF),
		0, "1 address bit: 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_address_bits(64),
		       DOMID_SELF),
		 1, "64 address bits: no limit");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_address_bits(255),
		       DOMID_SELF),
		 1, "255 address bits: no limit");
	list[0] = 0;
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_address_bits(28),
		       DOMID_SELF),
		 1, "28 address bits (256 MiB) can be met");
	CHECK(list[0] < (1UL << 16), "the frame is below 256 MiB");
	printf("address_bits(28) gave mfn %#lx\n", list[0]);
	list[0] = 0;
	long low = memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_address_bits(24),
			 DOMID_SELF);
	printf("address_bits(24): %ld, mfn %#lx\n", low, list[0]);
	CHECK_EQ(low, 1, "24 address bits (16 MiB) can be met");
	CHECK(list[0] < (1UL << 12), "the frame is below 16 MiB");
	CHECK_EQ(current_pages(), before + 4, "four frames");

	test_section("reservations: NUMA flags (one node)");
	before = current_pages();
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_node(0), DOMID_SELF), 1,
		 "node 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_exact_node(0), DOMID_SELF),
		 1, "exactly node 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_node(5), DOMID_SELF), 1,
		 "node 5 (not there): another node will do");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_exact_node(5), DOMID_SELF),
		 0, "exactly node 5: 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_node(64), DOMID_SELF), 0,
		 "node 64 (past MAX_NUMNODES): 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_node(200), DOMID_SELF), 0,
		 "node 200: 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, XENMEMF_vnode | XENMEMF_node(200),
		       DOMID_SELF),
		 1, "a virtual node, without a virtual NUMA layout: the node is ignored");
	CHECK_EQ(current_pages(), before + 4, "four frames");
}

static void check_domains(void)
{
	static const struct {
		domid_t id;
		const char *what;
	} others[] = {
		{1, "domain 1 (does not exist): 0"}, {0x7fef, "domain 0x7fef: 0"},
		{DOMID_IO, "DOMID_IO: 0"},	     {DOMID_XEN, "DOMID_XEN: 0"},
		{DOMID_INVALID, "DOMID_INVALID: 0"}, {0xffff, "domain 0xffff: 0"},
	};
	static const unsigned int ops[] = {XENMEM_increase_reservation, XENMEM_decrease_reservation,
					   XENMEM_populate_physmap};
	xen_pfn_t list[1];
	long before = current_pages();

	test_section("reservations: other domains");
	for (unsigned int o = 0; o < 3; o++)
		for (unsigned int i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
			list[0] = o == 1 ? virt_to_mfn(scratch_page(0)) : next_gpfn;
			CHECK_EQ(memop(ops[o], list, 1, 0, 0, others[i].id), 0, others[i].what);
		}
	CHECK_EQ(current_pages(), before, "nothing was done");
	CHECK_EQ(memop(XENMEM_increase_reservation, list, 1, 0, 0, 0), 1, "dom0 by its id");
	CHECK_EQ(memop(XENMEM_decrease_reservation, list, 1, 0, 0, 0), 1, "and back");
	CHECK_EQ(current_pages(), before, "even");
}

/* ---- hostile lists and arguments ---- */

static void check_hostile(void)
{
	static const unsigned int ops[] = {XENMEM_increase_reservation, XENMEM_decrease_reservation,
					   XENMEM_populate_physmap};
	long before = current_pages();

	test_section("reservations: hostile argument pointers");
	for (unsigned int o = 0; o < 3; o++) {
		for (unsigned int b = 0; b < nr_bad_addresses; b++)
			CHECK_EQ(HYPERVISOR_memory_op(ops[o], (void *)bad_addresses[b].address), 0,
				 "an argument we cannot read: 0 extents (not -EFAULT)");
		CHECK_EQ(HYPERVISOR_memory_op(ops[o] | 3 << MEMOP_EXTENT_SHIFT, NULL), 3,
			 "an argument we cannot read returns the start extent");
	}
	CHECK_EQ(current_pages(), before, "nothing was done");

	test_section("reservations: hostile lists in the hypervisor's range");
	/* Xen checks only where the list starts: the hole and its own range are refused. */
	static const unsigned long refused[] = {0x0000800000000000UL, 0xffff800000000000UL,
						0xffff830000000000UL, 0xffff87fffffffff8UL};
	for (unsigned int o = 0; o < 3; o++)
		for (unsigned int b = 0; b < 4; b++)
			CHECK_EQ(memop(ops[o], (xen_pfn_t *)refused[b], 1, 0, 0, DOMID_SELF), 0,
				 "a list in the hypervisor's range: 0");
	CHECK_EQ(current_pages(), before, "nothing was done, not even an allocation");

	test_section("reservations: lists we cannot read or write");
	CHECK_EQ(memop(XENMEM_decrease_reservation, (xen_pfn_t *)0x1000, 1, 0, 0, DOMID_SELF), 0,
		 "decrease, unmapped list: 0");
	CHECK_EQ(memop(XENMEM_populate_physmap, (xen_pfn_t *)0x1000, 1, 0, 0, DOMID_SELF), 0,
		 "populate, unmapped list: 0");
	CHECK_EQ(current_pages(), before, "nothing was done");
	CHECK_EQ(memop(XENMEM_increase_reservation, (xen_pfn_t *)0x1000, 1, 0, 0, DOMID_SELF), 0,
		 "increase, unmapped list: 0 extents done");
	CHECK_EQ(current_pages(), before + 1,
		 "yet the frame was allocated before its mfn could not be written: ours, untold");
	CHECK_EQ(memop(XENMEM_increase_reservation, (xen_pfn_t *)0xffffffffc0000000UL, 1, 0, 0,
		       DOMID_SELF),
		 0, "increase, unmapped kernel-half list: 0 extents done");
	CHECK_EQ(current_pages(), before + 2, "one more frame ours, untold");

	/* A list whose second slot is on a read-only page, then on an unmapped one. */
	xen_pfn_t *slot = last_slot_of_page6();
	CHECK_EQ(map_page(scratch_page(7), virt_to_mfn(scratch_page(7)), PTE_RO), 0,
		 "scratch page 7 read-only");
	before = current_pages();
	CHECK_EQ(memop(XENMEM_increase_reservation, slot, 2, 0, 0, DOMID_SELF), 1,
		 "increase, second slot read-only: 1 extent done");
	CHECK_EQ(current_pages(), before + 2, "both frames were allocated");
	CHECK(usable(slot[0], 45), "the first frame, told, works");
	slot[0] = next_gpfn++;
	before = current_pages();
	CHECK_EQ(memop(XENMEM_populate_physmap, slot, 2, 0, 0, DOMID_SELF), 1,
		 "populate, second slot read-only: 1 extent done");
	CHECK_EQ(current_pages(), before + 2, "both frames were allocated");
	CHECK_EQ(m2p(slot[0]), next_gpfn - 1, "the first has its M2P entry");
	CHECK_EQ(memop(XENMEM_decrease_reservation, slot, 2, 0, 0, DOMID_SELF), 1,
		 "decrease, second slot readable but not ours to give: 1 done");
	CHECK_EQ(map_page(scratch_page(7), 0, 0), 0, "scratch page 7 unmapped");
	before = current_pages();
	slot[0] = next_gpfn++;
	CHECK_EQ(memop(XENMEM_populate_physmap, slot, 2, 0, 0, DOMID_SELF), 1,
		 "populate, second slot unmapped: 1 extent done");
	CHECK_EQ(current_pages(), before + 1, "only one frame: the second gpfn was never read");
	CHECK_EQ(memop(XENMEM_decrease_reservation, slot, 2, 0, 0, DOMID_SELF), 1,
		 "decrease, second slot unmapped: 1 extent done");
	CHECK_EQ(current_pages(), before, "it went back");
	restore(7);
}

/* ---- max_pages ---- */

static void check_max_pages(void)
{
	domid_t self = DOMID_SELF;

	test_section("reservations: max_pages");
	long maximum = HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self);
	long room = maximum - current_pages();
	printf("max_pages %ld, current %ld, room %ld\n", maximum, current_pages(), room);
	CHECK_EQ(maximum, MAX_PAGES_EXPECTED, "dom0_mem=...,max:66M is the maximum reservation");
	if (!CHECK(room > 16 && room < 1000, "some room left below it"))
		return;
	CHECK_EQ(memop(XENMEM_increase_reservation, big_list, room + 5, 0, 0, DOMID_SELF), room,
		 "increase stops at max_pages: the extents that fit are done");
	CHECK_EQ(current_pages(), maximum, "current_reservation is max_pages");
	xen_pfn_t one[1] = {next_gpfn};
	CHECK_EQ(memop(XENMEM_populate_physmap, one, 1, 0, 0, DOMID_SELF), 0,
		 "populate at max_pages: 0");
	CHECK_EQ(memop(XENMEM_increase_reservation, one, 1, 0, 0, DOMID_SELF), 0,
		 "increase at max_pages: 0");

	/* Exchange neither counts nor checks: the domain keeps its size. */
	xen_pfn_t in[1] = {big_list[0]}, out[1] = {next_gpfn++};
	struct xen_memory_exchange exchange = {
		.in = {.nr_extents = 1, .domid = DOMID_SELF},
		.out = {.nr_extents = 1, .domid = DOMID_SELF},
	};
	set_xen_guest_handle(exchange.in.extent_start, in);
	set_xen_guest_handle(exchange.out.extent_start, out);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &exchange), 0,
		 "exchange at max_pages works");
	CHECK_EQ(current_pages(), maximum, "and keeps the count");
	big_list[0] = out[0];

	CHECK_EQ(memop(XENMEM_decrease_reservation, big_list, room, 0, 0, DOMID_SELF), room,
		 "give them all back in one long call");
	CHECK_EQ(current_pages(), maximum - room, "back where we were");

	test_section("reservations: long calls inside a multicall");
	struct xen_memory_reservation r = {.nr_extents = 300, .domid = DOMID_SELF};
	for (unsigned int i = 0; i < 300; i++)
		big_list[i] = next_gpfn + i;
	next_gpfn += 300;
	set_xen_guest_handle(r.extent_start, big_list);
	struct multicall_entry calls[2] = {
		{.op = __HYPERVISOR_memory_op,
		 .args = {XENMEM_populate_physmap, (unsigned long)&r}},
		{.op = __HYPERVISOR_memory_op,
		 .args = {XENMEM_current_reservation, (unsigned long)&self}},
	};
	long before = current_pages();
	CHECK_EQ(HYPERVISOR_multicall(calls, 2), 0, "a multicall with a 300-extent populate");
	CHECK_EQ(calls[0].result, 300, "all 300 were done");
	CHECK_EQ(calls[1].result, before + 300, "the next call sees them");
	CHECK_EQ(m2p(big_list[299]), next_gpfn - 1, "the last one has its M2P entry");
	calls[0].args[0] = XENMEM_decrease_reservation;
	calls[0].args[1] = (unsigned long)&r;
	CHECK_EQ(HYPERVISOR_multicall(calls, 1), 0, "and a 300-extent decrease");
	CHECK_EQ(calls[0].result, 300, "all 300 went back");
	CHECK_EQ(current_pages(), before, "even");
}

/* ---- exchange ---- */

static struct xen_memory_exchange exchange_of(xen_pfn_t *in, unsigned long in_nr,
					      unsigned int in_order, xen_pfn_t *out,
					      unsigned long out_nr, unsigned int out_order)
{
	struct xen_memory_exchange e = {
		.in = {.nr_extents = in_nr, .extent_order = in_order, .domid = DOMID_SELF},
		.out = {.nr_extents = out_nr, .extent_order = out_order, .domid = DOMID_SELF},
	};

	set_xen_guest_handle(e.in.extent_start, in);
	set_xen_guest_handle(e.out.extent_start, out);
	return e;
}

static void check_exchange(void)
{
	struct xen_memory_exchange e;
	long before = current_pages();

	test_section("exchange: two frames for one order-1 extent");
	unsigned long a = spare_frame(), b = spare_frame();
	xen_pfn_t in[4] = {a, b}, out[4] = {next_gpfn};
	next_gpfn += 2;
	e = exchange_of(in, 2, 0, out, 1, 1);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), 0, "succeeds");
	CHECK_EQ(e.nr_exchanged, 2, "nr_exchanged counts input extents: 2");
	CHECK_EQ(out[0] & 1, 0, "the new extent is aligned");
	CHECK_EQ(m2p(out[0]), next_gpfn - 2, "its M2P entries name the gpfns asked for");
	CHECK_EQ(m2p(out[0] + 1), next_gpfn - 1, "both");
	CHECK_EQ(m2p(a), M2P_INVALID, "the old frames are freed");
	CHECK_EQ(m2p(b), M2P_INVALID, "both");
	CHECK_EQ(try_map(a), -XEN_EBUSY, "and not ours");
	CHECK(usable(out[0] + 1, 46), "the new frames work");
	CHECK_EQ(current_pages(), before, "the domain keeps its size");

	test_section("exchange: one order-1 extent for two frames");
	in[0] = out[0];
	out[0] = next_gpfn;
	out[1] = next_gpfn + 7;
	next_gpfn += 8;
	e = exchange_of(in, 1, 1, out, 2, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), 0, "succeeds");
	CHECK_EQ(e.nr_exchanged, 1, "one input extent");
	CHECK_EQ(m2p(out[1]), next_gpfn - 1, "each new frame has its gpfn");
	CHECK_EQ(m2p(in[0] + 1), M2P_INVALID, "the old extent is freed");
	CHECK_EQ(current_pages(), before, "same size");

	test_section("exchange: frames in use, not ours, bad numbers");
	uint64_t *page3 = scratch_page(3);
	unsigned long mapped = virt_to_mfn(page3);
	page3[0] = 0x3333;
	in[0] = spare_frame();
	in[1] = mapped;
	out[0] = next_gpfn;
	out[1] = next_gpfn + 1;
	next_gpfn += 2;
	e = exchange_of(in, 2, 0, out, 2, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "a frame we map cannot be taken: -EINVAL");
	CHECK_EQ(e.nr_exchanged, 1, "after the first extent was exchanged");
	CHECK_EQ(m2p(in[0]), M2P_INVALID, "the first went");
	CHECK_EQ(m2p(out[0]), next_gpfn - 2, "and its replacement came");
	CHECK_EQ(out[1], next_gpfn - 1, "the second slot was not written");
	CHECK_EQ(page3[0], 0x3333, "the mapped frame is untouched");
	CHECK_EQ(m2p(mapped), virt_to_pfn(page3), "and still ours");
	e.nr_exchanged = 0;
	in[0] = max_page - 1;
	e = exchange_of(in, 1, 0, out, 1, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "a frame not ours: -EINVAL");
	CHECK_EQ(e.nr_exchanged, 0, "nothing exchanged");
	in[0] = 1UL << 40;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "an mfn past the end of memory: -EINVAL");
	unsigned long table = spare_frame();
	zero_frame(table);
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L1_TABLE, table), 0, "pin a frame as an L1");
	in[0] = table;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL, "a pinned table: -EINVAL");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, table), 0, "it is still ours to unpin");
	CHECK_EQ(current_pages(), before, "same size throughout");

	test_section("exchange: malformed requests");
	in[0] = spare_frame();
	out[0] = next_gpfn;
	e = exchange_of(in, 1, 0, out, 1, 0);
	e.out.domid = 0;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "in and out name the domain differently (DOMID_SELF and 0): -EINVAL");
	e = exchange_of(in, 1, 0, out, 2, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "sizes differ (1 frame for 2): -EINVAL");
	e = exchange_of(in, 1, 0, out, 1, 1);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "sizes differ (1 frame for an order-1 extent): -EINVAL");
	e = exchange_of(in, 1, 0, out, 1, 0);
	e.nr_exchanged = 2;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "nr_exchanged past nr_extents: -EINVAL");
	CHECK_EQ(e.nr_exchanged, 2, "written back as it was");
	e = exchange_of(in, 1, 0, out, 1, DOM0_MAX_ORDER + 1);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EPERM,
		 "an output order above 18: -EPERM, before the size check");
	e = exchange_of(in, 1, DOM0_MAX_ORDER + 1, out, 1, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EPERM,
		 "an input order above 18: -EPERM");
	e = exchange_of(in, 1, 0, out, 1, DOM0_MAX_ORDER);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EINVAL,
		 "order 18 passes the order check, then fails the size check: -EINVAL");
	e = exchange_of(in, 1, 0, out, 1, 0);
	e.in.domid = e.out.domid = 1;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_ESRCH, "domain 1: -ESRCH");
	e.in.domid = e.out.domid = DOMID_IO;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_ESRCH, "DOMID_IO: -ESRCH");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange | 1 << MEMOP_EXTENT_SHIFT, &e), -XEN_EINVAL,
		 "a start extent in cmd: -EINVAL");
	e = exchange_of(in, 0, 0, out, 0, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), 0, "nothing for nothing: 0");
	CHECK_EQ(e.nr_exchanged, 0, "nr_exchanged 0");
	CHECK_EQ(m2p(in[0]), next_top_pfn + 1, "the frame offered all along is still ours");

	test_section("exchange: hostile pointers");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "an argument we cannot read: -EFAULT");
	e = exchange_of((xen_pfn_t *)0xffff830000000000UL, 1, 0, out, 1, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EFAULT,
		 "an input list in the hypervisor: -EFAULT");
	e = exchange_of(in, 1, 0, (xen_pfn_t *)0xffff830000000000UL, 1, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EFAULT,
		 "an output list in the hypervisor: -EFAULT");
	e = exchange_of(NULL, 1, 0, out, 1, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EFAULT,
		 "a null input list: -EFAULT");
	CHECK_EQ(e.nr_exchanged, 0, "nothing exchanged");
	CHECK_EQ(m2p(in[0]), next_top_pfn + 1, "our frame is untouched");
	CHECK_EQ(current_pages(), before, "same size");

	/* The output list on a read-only page: the exchange is done, telling it fails. */
	xen_pfn_t *ro_out = scratch_page(7);
	ro_out[0] = next_gpfn++;
	CHECK_EQ(map_page(ro_out, virt_to_mfn(ro_out), PTE_RO), 0, "scratch page 7 read-only");
	e = exchange_of(in, 1, 0, ro_out, 1, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), -XEN_EFAULT,
		 "an output list we may not write: -EFAULT");
	CHECK_EQ(e.nr_exchanged, 0, "the chunk is not counted");
	CHECK_EQ(m2p(in[0]), M2P_INVALID, "yet the input frame was taken and freed");
	CHECK_EQ(current_pages(), before, "and the new frame is ours: same size");
	restore(7);

	/* The argument itself read-only: everything happens, nr_exchanged cannot be written. */
	struct xen_memory_exchange *ro_arg = scratch_page(7);
	in[0] = spare_frame();
	out[0] = next_gpfn++;
	*ro_arg = exchange_of(in, 1, 0, out, 1, 0);
	CHECK_EQ(map_page(ro_arg, virt_to_mfn(ro_arg), PTE_RO), 0, "scratch page 7 read-only");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, ro_arg), -XEN_EFAULT,
		 "an argument we may not write back: -EFAULT");
	CHECK_EQ(m2p(in[0]), M2P_INVALID, "the exchange was done all the same");
	CHECK_EQ(m2p(out[0]), next_gpfn - 1, "and the new frame told");
	restore(7);
	CHECK_EQ(current_pages(), before, "same size");

	test_section("exchange: a long one");
	for (unsigned int i = 0; i < 200; i++) {
		big_list[i] = spare_frame();
		big_list[200 + i] = next_gpfn + i;
	}
	next_gpfn += 200;
	e = exchange_of(big_list, 200, 0, big_list + 200, 200, 0);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_exchange, &e), 0, "200 frames for 200");
	CHECK_EQ(e.nr_exchanged, 200, "all of them");
	CHECK_EQ(m2p(big_list[199]), M2P_INVALID, "the last old frame is freed");
	CHECK_EQ(m2p(big_list[399]), next_gpfn - 1, "the last new frame has its gpfn");
	CHECK_EQ(current_pages(), before, "same size");
}

void guest_main(const struct start_info *start)
{
	si = start;
	p2m = (xen_pfn_t *)si->mfn_list;
	max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	next_top_pfn = si->nr_pages - 1;
	next_gpfn = si->nr_pages + 0x1000;
	unsigned long mapped_pfns = virt_to_pfn((void *)initial_mapping_end());
	printf("nr_pages %lu, initial mapping %lu pfns, max_page %#lx\n", si->nr_pages, mapped_pfns,
	       max_page);
	if (mapped_pfns + 2000 > si->nr_pages)
		guest_crash("not enough unmapped frames to give away");

	check_decrease();
	check_decrease_in_use();
	check_increase();
	check_start_extent();
	check_orders_and_flags();
	check_domains();
	check_hostile();
	check_max_pages();
	check_exchange();
	test_finish("reservation");
}
