/*
 * The memory part of the domctl test kernel: XEN_DOMCTL_max_mem, dom0 giving the new domain
 * frames (XENMEM_populate_physmap, increase and decrease_reservation with its domid), dom0
 * mapping those frames (mmu_update with the domain as the foreign owner), their M2P entries
 * (MMU_MACHPHYS_UPDATE), and XEN_DOMCTL_getpageframeinfo3's view of their types.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "domctl_test.h"
#include "guest_lib.h"

static struct xen_domctl_getdomaininfo info;

static long max_mem(domid_t domain, uint64_t kib)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_mem.max_memkb = kib;
	return domctl(&op, XEN_DOMCTL_max_mem, domain);
}

static uint64_t max_pages(void)
{
	if (domain_info(guest, &info) != 0)
		return ~0UL;
	return info.max_pages;
}

void check_memory(void)
{
	xen_pfn_t frames[GUEST_FRAMES + 1];

	test_section("XEN_DOMCTL_max_mem");
	CHECK_EQ(max_mem(guest, 1024), 0, "1024 KiB");
	CHECK_EQ(max_pages(), 256, "is 256 pages");
	CHECK_EQ(max_mem(guest, 1023), 0, "1023 KiB");
	CHECK_EQ(max_pages(), 255, "is rounded down to 255 pages");
	CHECK_EQ(max_mem(guest, 1UL << 62), 0, "2^62 KiB");
	CHECK_EQ(max_pages(), 0xffffffffUL, "is capped at 2^32 - 1 pages");
	CHECK_EQ(max_mem(guest, 0), 0, "0 KiB");
	CHECK_EQ(max_pages(), 0, "is 0 pages");

	test_section("XENMEM_populate_physmap for the new domain");
	frames[0] = 0;
	CHECK_EQ(reservation_op(XENMEM_populate_physmap, guest, frames, 1), 0,
		 "with max_pages 0 no frame is given (0 done, no error)");
	CHECK_EQ(max_mem(guest, GUEST_FRAMES * 4), 0, "max_mem: room for GUEST_FRAMES pages");
	long free_before = free_pages();
	for (unsigned int i = 0; i < GUEST_FRAMES; i++)
		frames[i] = i;
	CHECK_EQ(reservation_op(XENMEM_populate_physmap, guest, frames, GUEST_FRAMES), GUEST_FRAMES,
		 "populating pfns 0-3 gives 4 frames");
	long free_after = free_pages();
	printf("populated: mfns %#lx %#lx %#lx %#lx; free pages %ld -> %ld\n", frames[0], frames[1],
	       frames[2], frames[3], free_before, free_after);
	CHECK_EQ(free_before - free_after, GUEST_FRAMES, "free_pages drops by exactly 4");
	bool distinct = true;
	for (unsigned int i = 0; i < GUEST_FRAMES; i++) {
		guest_mfn[i] = frames[i];
		for (unsigned int j = 0; j < i; j++)
			distinct = distinct && frames[i] != frames[j];
		CHECK_EQ(machine_to_phys_mapping[frames[i]], i,
			 "each frame's M2P entry is the pfn it was populated at");
	}
	CHECK(distinct, "the machine frames written back are distinct");
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES, "current_reservation is 4");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.tot_pages, GUEST_FRAMES, "tot_pages is 4");
	frames[0] = GUEST_FRAMES;
	CHECK_EQ(reservation_op(XENMEM_populate_physmap, guest, frames, 1), 0,
		 "at max_pages: nothing more is given");
	CHECK_EQ(max_mem(guest, 8), 0, "max_mem below tot_pages is accepted");
	CHECK_EQ(max_pages(), 2, "max_pages 2, with 4 owned");
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES, "the frames stay");
	CHECK_EQ(max_mem(guest, 64), 0, "max_mem 64 KiB: room for 16 pages");

	test_section("increase and decrease_reservation for the new domain");
	frames[0] = 0;
	CHECK_EQ(reservation_op(XENMEM_increase_reservation, guest, frames, 1), 1,
		 "increase_reservation gives one frame");
	printf("increase_reservation: mfn %#lx, M2P entry %#lx\n", frames[0],
	       machine_to_phys_mapping[frames[0]]);
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES + 1, "current_reservation is 5");
	free_before = free_pages();
	CHECK_EQ(reservation_op(XENMEM_decrease_reservation, guest, frames, 1), 1,
		 "decrease_reservation of that machine frame (a PV domain's gfn) frees it");
	CHECK_EQ(free_pages() - free_before, 1, "free_pages grows by exactly 1");
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES, "current_reservation is 4 again");

	test_section("XENMEM_exchange for the new domain");
	frames[0] = 0;
	CHECK_EQ(reservation_op(XENMEM_increase_reservation, guest, frames, 1), 1,
		 "one more frame for it");
	xen_pfn_t in_frame = frames[0], out_frame = 0;
	struct xen_memory_exchange exchange = {
		.in = {.nr_extents = 1, .extent_order = 0, .domid = guest},
		.out = {.nr_extents = 1, .extent_order = 0, .domid = guest},
	};
	set_xen_guest_handle(exchange.in.extent_start, &in_frame);
	set_xen_guest_handle(exchange.out.extent_start, &out_frame);
	long exchanged = HYPERVISOR_memory_op(XENMEM_exchange, &exchange);
	printf("exchange of mfn %#lx in its name: %ld, nr_exchanged %lu, new mfn %#lx\n", frames[0],
	       exchanged, exchange.nr_exchanged, out_frame);
	CHECK_EQ(exchanged, 0, "dom0 exchanges a frame of the new domain");
	CHECK_EQ(exchange.nr_exchanged, 1, "one extent exchanged");
	CHECK(out_frame != 0 && out_frame != in_frame, "for another frame");
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES + 1, "its reservation is unchanged");
	frames[0] = out_frame;
	CHECK_EQ(reservation_op(XENMEM_decrease_reservation, guest, frames, 1), 1,
		 "the new frame is the domain's: it can be given back");
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES, "current_reservation is 4 again");
	frames[0] = virt_to_mfn(scratch_page(0));
	CHECK_EQ(reservation_op(XENMEM_decrease_reservation, guest, frames, 1), 0,
		 "decrease_reservation of a dom0 frame in its name does nothing (0 done)");
	frames[0] = 0;
	CHECK_EQ(reservation_op(XENMEM_populate_physmap, NO_DOMAIN, frames, 1), 0,
		 "populating a domain that does not exist: 0 done, no errno");
	CHECK_EQ(reservation_op(XENMEM_increase_reservation, NO_DOMAIN, frames, 1), 0,
		 "increase_reservation likewise");
	CHECK_EQ(reservation_op(XENMEM_decrease_reservation, NO_DOMAIN, frames, 1), 0,
		 "decrease_reservation likewise");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(reservation_op(XENMEM_populate_physmap, guest,
					(xen_pfn_t *)bad_addresses[b].address, 1),
			 0, "a hostile extent list: nothing done (0), no error");
	CHECK_EQ(current_reservation(guest), GUEST_FRAMES, "and no frame was given");

	test_section("dom0 maps the new domain's frames (mmu_update, foreign owner)");
	char *window = scratch_page(0);
	uint64_t own = guest_lookup_pte((unsigned long)window, NULL);
	strlcpy(window, "dom0's own page", PAGE_SIZE);
	CHECK_EQ(map_frame(window, guest_mfn[0], guest), 0,
		 "mapping frame 0 writable, naming the domain as owner");
	strlcpy(window, "written by dom0 into frame 0", PAGE_SIZE);
	CHECK_EQ(map_frame(window, guest_mfn[1], DOMID_SELF), -XEN_EBUSY,
		 "without naming the owner, another domain's frame is -EBUSY");
	CHECK_EQ(map_frame(window, guest_mfn[1], guest), 0, "frame 1, naming the owner");
	CHECK(strcmp(window, "written by dom0 into frame 0") != 0, "frame 1 is another page");
	memset(window, 0, PAGE_SIZE);
	CHECK_EQ(map_frame(window, guest_mfn[0], guest), 0, "frame 0 again");
	CHECK(strcmp(window, "written by dom0 into frame 0") == 0, "holds what dom0 wrote");
	CHECK_EQ(map_frame(window, guest_mfn[0], NO_DOMAIN), -XEN_ESRCH,
		 "a foreign owner that does not exist is -ESRCH");
	CHECK_EQ(map_frame(window, guest_mfn[0], 0), -XEN_ESRCH,
		 "dom0 naming itself by id as the foreign owner is -ESRCH");
	CHECK_EQ(restore_frame(window, own), 0, "dom0's own frame back in place");
	CHECK(strcmp(window, "dom0's own page") == 0, "the window shows it again");

	test_section("MMU_MACHPHYS_UPDATE of the new domain's frames");
	uint64_t m2p = guest_mfn[1] << PAGE_SHIFT | MMU_MACHPHYS_UPDATE;
	CHECK_EQ(mmu_one(m2p, 0x1234, guest), 0, "dom0 sets the M2P entry of frame 1");
	CHECK_EQ(machine_to_phys_mapping[guest_mfn[1]], 0x1234, "the table shows it");
	CHECK_EQ(mmu_one(m2p, 1, guest), 0, "and sets it back to pfn 1");
	CHECK_EQ(machine_to_phys_mapping[guest_mfn[1]], 1, "the table shows it");
	CHECK_EQ(mmu_one(m2p, 0x1234, DOMID_SELF), -XEN_EINVAL,
		 "without naming the owner: not dom0's frame, -EINVAL");
	CHECK_EQ(mmu_one(m2p, 0x1234, NO_DOMAIN), -XEN_ESRCH, "an owner that does not exist");
	CHECK_EQ(mmu_one(virt_to_mfn(window) << PAGE_SHIFT | MMU_MACHPHYS_UPDATE, 0x1234, guest),
		 -XEN_EINVAL, "a dom0 frame in the new domain's name is -EINVAL");
	CHECK_EQ(machine_to_phys_mapping[guest_mfn[1]], 1, "nothing changed");
}

/* XEN_DOMCTL_getpageframeinfo3 of num frames in array. */
static long frame_info(domid_t domain, uint64_t num, xen_pfn_t *array)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.getpageframeinfo3.num = num;
	set_xen_guest_handle(op.u.getpageframeinfo3.array, array);
	return domctl(&op, XEN_DOMCTL_getpageframeinfo3, domain);
}

/* The type getpageframeinfo3 reports for one frame of domain. */
unsigned long frame_type(domid_t domain, xen_pfn_t frame)
{
	xen_pfn_t entry = frame;
	long rc = frame_info(domain, 1, &entry);
	return rc == 0 ? entry : (unsigned long)rc;
}

void check_frame_types(void)
{
	static xen_pfn_t many[1025];
	const struct start_info *si = guest_start_info;
	xen_pfn_t array[6] = {
		guest_mfn[0],  guest_mfn[3], virt_to_mfn(scratch_page(0)), 0,
		0xfffffffffUL, guest_mfn[1],
	};

	test_section("XEN_DOMCTL_getpageframeinfo3");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	array[3] = info.shared_info_frame;
	CHECK_EQ(frame_info(guest, 6, array), 0, "the types of 6 frames");
	printf("types: %#lx %#lx %#lx %#lx %#lx %#lx\n", array[0], array[1], array[2], array[3],
	       array[4], array[5]);
	CHECK_EQ(array[0], XEN_DOMCTL_PFINFO_NOTAB,
		 "a frame dom0 mapped writable: no page table (the frame number is replaced)");
	CHECK_EQ(array[1], XEN_DOMCTL_PFINFO_NOTAB, "a frame never used: no page table");
	CHECK_EQ(array[2], XEN_DOMCTL_PFINFO_XTAB, "a frame of dom0's: not the domain's, XTAB");
	CHECK_EQ(array[3], XEN_DOMCTL_PFINFO_XTAB,
		 "its shared_info frame (the hypervisor's): XTAB");
	CHECK_EQ(array[4], XEN_DOMCTL_PFINFO_XTAB, "a frame beyond RAM: XTAB");
	CHECK_EQ(array[5], XEN_DOMCTL_PFINFO_NOTAB, "frame 1, which dom0 zeroed: NOTAB");

	unsigned long l4 = frame_type(0, virt_to_mfn((void *)si->pt_base));
	unsigned long data = frame_type(0, virt_to_mfn(scratch_page(0)));
	printf("dom0's own: L4 %#lx, a data page %#lx\n", l4, data);
	CHECK_EQ(l4, XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB,
		 "dom0's top-level table is an L4, pinned by the domain builder");
	CHECK_EQ(data, XEN_DOMCTL_PFINFO_NOTAB, "a data page of dom0's is no page table");

	CHECK_EQ(frame_info(guest, 0, NULL), 0, "num 0 is 0, the array untouched");
	CHECK_EQ(frame_info(guest, 1024, many), 0, "num 1024 is allowed");
	CHECK_EQ(frame_info(guest, 1025, many), -XEN_E2BIG, "num 1025 is -E2BIG");
	CHECK_EQ(frame_info(guest, (1UL << 32) + 1, many), -XEN_E2BIG,
		 "num 2^32 + 1 is -E2BIG (not taken as 1)");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(frame_info(guest, 1, (xen_pfn_t *)bad_addresses[b].address), -XEN_EFAULT,
			 "a hostile array is -EFAULT");
	xen_pfn_t *read_only = read_only_copy(&guest_mfn[0], sizeof(xen_pfn_t));
	CHECK_EQ(frame_info(guest, 1, read_only), -XEN_EFAULT, "a read-only array is -EFAULT");
	CHECK_EQ(frame_info(NO_DOMAIN, 1, array), -XEN_ESRCH, "a missing domain is -ESRCH");
}
