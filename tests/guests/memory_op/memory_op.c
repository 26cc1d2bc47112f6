/*
 * memory_op: the queries a PV kernel makes at boot (memory maps, reservations, the highest
 * frame, where the machine-to-phys table is and which frames hold it) and their errors for
 * bad domain ids, hostile buffers, continuation bits and unknown commands.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define MEMOP_EXTENT_SHIFT 6 /* bits of cmd above the command: a continuation's progress */

struct e820_entry {
	uint64_t address, size;
	uint32_t type;
} __attribute__((packed));

static long max_page;

static void check_maximum_ram_page(void)
{
	test_section("XENMEM_maximum_ram_page");
	max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	printf("maximum_ram_page %#lx\n", max_page);
	/* QEMU gives the machine 512 MiB: RAM ends just below 0x20000 frames. */
	CHECK(max_page > 0x1f000 && max_page <= 0x20000,
	      "the highest frame is the top of the machine's 512 MiB");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_maximum_ram_page, (void *)0x1000), max_page,
		 "maximum_ram_page ignores its argument");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_maximum_ram_page | 1 << MEMOP_EXTENT_SHIFT, NULL),
		 -XEN_EINVAL, "a continuation offset on a query is -EINVAL");
}

static long reservation(unsigned int cmd, domid_t domain)
{
	return HYPERVISOR_memory_op(cmd, &domain);
}

static void check_reservations(const struct start_info *si)
{
	static const unsigned int queries[] = {XENMEM_current_reservation,
					       XENMEM_maximum_reservation, XENMEM_maximum_gpfn};

	test_section("current/maximum_reservation and maximum_gpfn");
	long current = reservation(XENMEM_current_reservation, DOMID_SELF);
	long maximum = reservation(XENMEM_maximum_reservation, DOMID_SELF);
	printf("current %ld, maximum %ld pages\n", current, maximum);
	CHECK_EQ(current, si->nr_pages, "current_reservation is nr_pages");
	CHECK(maximum >= current, "maximum_reservation is at least the current one");
	CHECK_EQ(maximum, 0xffffffffL,
		 "dom0_mem without a max: dom0's maximum reservation is unlimited (UINT_MAX)");
	CHECK_EQ(reservation(XENMEM_current_reservation, 0), current,
		 "dom0 may name itself by id 0");

	/*
	 * maximum_gpfn of a PV domain comes from shared_info.arch.max_pfn, which the guest
	 * itself writes (the hypervisor cannot know how the guest uses its pfns): the answer
	 * is max_pfn - 1, or 0 while max_pfn is 0.
	 */
	struct arch_shared_info *arch = &HYPERVISOR_shared_info->arch;
	unsigned long saved = arch->max_pfn;
	printf("shared_info.arch.max_pfn at boot: %lu\n", saved);
	arch->max_pfn = 0;
	CHECK_EQ(reservation(XENMEM_maximum_gpfn, DOMID_SELF), 0, "max_pfn 0 gives gpfn 0");
	arch->max_pfn = 1234;
	CHECK_EQ(reservation(XENMEM_maximum_gpfn, DOMID_SELF), 1233,
		 "max_pfn 1234 gives gpfn 1233");
	arch->max_pfn = si->nr_pages;
	CHECK_EQ(reservation(XENMEM_maximum_gpfn, DOMID_SELF), (long)si->nr_pages - 1,
		 "max_pfn nr_pages gives the last pfn");
	arch->max_pfn = saved;

	for (unsigned int q = 0; q < 3; q++) {
		unsigned int cmd = queries[q];
		CHECK_EQ(reservation(cmd, 1), -XEN_ESRCH, "a domain that does not exist is -ESRCH");
		CHECK_EQ(reservation(cmd, 0x7fef), -XEN_ESRCH, "the last ordinary id is -ESRCH");
		CHECK_EQ(reservation(cmd, DOMID_IO), -XEN_ESRCH, "DOMID_IO is -ESRCH");
		CHECK_EQ(reservation(cmd, DOMID_XEN), -XEN_ESRCH, "DOMID_XEN is -ESRCH");
		CHECK_EQ(reservation(cmd, DOMID_INVALID), -XEN_ESRCH, "DOMID_INVALID is -ESRCH");
		CHECK_EQ(reservation(cmd, 0xffff), -XEN_ESRCH, "id 0xffff is -ESRCH");
		for (unsigned int b = 0; b < nr_bad_addresses; b++)
			CHECK_EQ(HYPERVISOR_memory_op(cmd, (void *)bad_addresses[b].address),
				 -XEN_EFAULT, "a hostile domid pointer is -EFAULT");
		domid_t self = DOMID_SELF;
		CHECK_EQ(HYPERVISOR_memory_op(cmd | 1 << MEMOP_EXTENT_SHIFT, &self), -XEN_EINVAL,
			 "a continuation offset on a query is -EINVAL");
	}
}

static void check_memory_map(void)
{
	static struct e820_entry entries[64];
	struct xen_memory_map map;

	test_section("XENMEM_memory_map");
	map.nr_entries = 64;
	set_xen_guest_handle(map.buffer, entries);
	long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);
	printf("memory_map: %ld, %u entries\n", rc, map.nr_entries);
	/* Xen keeps no pseudo-physical map for a PV dom0 (Linux then asks for the machine's). */
	CHECK_EQ(rc, -XEN_ENOSYS, "a PV dom0 has no pseudo-physical memory map: -ENOSYS");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, NULL), -XEN_EFAULT,
		 "memory_map without an argument is -EFAULT");
}

static void check_machine_memory_map(void)
{
	static struct e820_entry entries[64];
	struct xen_memory_map map;

	test_section("XENMEM_machine_memory_map");
	map.nr_entries = 64;
	set_xen_guest_handle(map.buffer, entries);
	long rc = HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map);
	CHECK_EQ(rc, 0, "dom0 may read the machine's memory map");
	CHECK(map.nr_entries > 0 && map.nr_entries <= 64, "it has entries");
	uint64_t ram = 0;
	bool sorted = true;
	for (unsigned int i = 0; i < map.nr_entries && i < 64; i++) {
		printf("  %016lx-%016lx type %u\n", entries[i].address,
		       entries[i].address + entries[i].size, entries[i].type);
		if (entries[i].type == 1)
			ram += entries[i].size;
		if (i > 0 && entries[i].address < entries[i - 1].address + entries[i - 1].size)
			sorted = false;
	}
	CHECK(sorted, "entries are sorted and do not overlap");
	CHECK(ram > 500UL << 20 && ram <= 512UL << 20, "the RAM adds up to about 512 MiB");
	unsigned int count = map.nr_entries;

	map.nr_entries = 0;
	set_xen_guest_handle(map.buffer, NULL);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map), 0,
		 "a NULL buffer asks for the number of entries");
	CHECK_EQ(map.nr_entries, count, "and gets it");

	map.nr_entries = 1;
	set_xen_guest_handle(map.buffer, entries);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map), -XEN_EINVAL,
		 "a buffer too small for the map is -EINVAL");
	map.nr_entries = 64;
	for (unsigned int b = 1; b < nr_bad_addresses; b++) {
		set_xen_guest_handle(map.buffer, (void *)bad_addresses[b].address);
		CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &map), -XEN_EFAULT,
			 "a hostile buffer is -EFAULT");
	}
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, NULL), -XEN_EFAULT,
		 "machine_memory_map without an argument is -EFAULT");
}

static void check_machphys(void)
{
	struct xen_machphys_mapping mapping;

	test_section("XENMEM_machphys_mapping");
	memset(&mapping, 0, sizeof(mapping));
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, &mapping), 0, "succeeds");
	CHECK_EQ(mapping.v_start, MACH2PHYS_VIRT_START, "v_start is the ABI's M2P address");
	CHECK_EQ(mapping.v_end, MACH2PHYS_VIRT_END, "v_end is the end of the ABI's M2P range");
	CHECK_EQ(mapping.max_mfn, max_page - 1,
		 "for dom0 (no memory hotplug) max_mfn is the highest RAM frame");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping,
					      (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile buffer is -EFAULT");
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mapping, read_only_page()), -XEN_EFAULT,
		 "a read-only buffer is -EFAULT");

	test_section("XENMEM_machphys_mfn_list");
	static xen_pfn_t frames[16];
	struct xen_machphys_mfn_list list = {.max_extents = 16};
	set_xen_guest_handle(list.extent_start, frames);
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &list), 0, "succeeds");
	/* One 2 MiB extent of the table per 256 Ki frames (8 bytes an entry). */
	unsigned long expected = ((unsigned long)max_page * 8 + (2UL << 20) - 1) >> 21;
	CHECK_EQ(list.nr_extents, expected, "one extent per 2 MiB of table in use");
	CHECK(frames[0] != 0, "the extent has a frame");
	printf("machphys_mfn_list: %u extents, first mfn %#lx\n", list.nr_extents, frames[0]);

	list.max_extents = 0;
	list.nr_extents = 99;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &list), 0,
		 "max_extents 0 succeeds");
	CHECK_EQ(list.nr_extents, 0, "and returns no extent");
	list.max_extents = 16;
	for (unsigned int b = 0; b < nr_bad_addresses; b++) {
		set_xen_guest_handle(list.extent_start, (xen_pfn_t *)bad_addresses[b].address);
		CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &list), -XEN_EFAULT,
			 "a hostile extent list is -EFAULT");
		CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machphys_mfn_list,
					      (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile argument is -EFAULT");
	}
}

/* XENMEM_get_vnumainfo exists (XENFEAT_memory_op_vnode_supported), but dom0 has no virtual
 * NUMA layout: after the argument checks, -EOPNOTSUPP. */
static void check_vnumainfo(void)
{
	struct xen_vnuma_topology_info topology;

	test_section("XENMEM_get_vnumainfo");
	memset(&topology, 0, sizeof(topology));
	topology.domid = DOMID_SELF;
	long rc = HYPERVISOR_memory_op(XENMEM_get_vnumainfo, &topology);
	printf("get_vnumainfo of DOMID_SELF: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EOPNOTSUPP, "dom0 has no vNUMA layout: -EOPNOTSUPP");
	topology.domid = 0;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_get_vnumainfo, &topology), -XEN_EOPNOTSUPP,
		 "the same by its id");
	topology.domid = 0x1234;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_get_vnumainfo, &topology), -XEN_ESRCH,
		 "a domain that does not exist is -ESRCH");
	topology.domid = DOMID_SELF;
	topology.pad = 1;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_get_vnumainfo, &topology), -XEN_EINVAL,
		 "a non-zero pad is -EINVAL, before the domain is looked up");
	topology.domid = 0x1234;
	CHECK_EQ(HYPERVISOR_memory_op(XENMEM_get_vnumainfo, &topology), -XEN_EINVAL,
		 "also for a domain that does not exist");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(HYPERVISOR_memory_op(XENMEM_get_vnumainfo,
					      (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile argument is -EFAULT");
}

static void check_unknown(void)
{
	test_section("unknown commands");
	CHECK_EQ(HYPERVISOR_memory_op(63, NULL), -XEN_ENOSYS, "command 63 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_memory_op(8, NULL), -XEN_ENOSYS, "command 8 (unused) is -ENOSYS");
}

void guest_main(const struct start_info *si)
{
	check_maximum_ram_page();
	check_reservations(si);
	check_memory_map();
	check_machine_memory_map();
	check_machphys();
	check_vnumainfo();
	check_unknown();
	test_finish("memory_op");
}
