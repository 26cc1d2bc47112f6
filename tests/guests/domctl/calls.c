/*
 * The domctl test kernel's short forms of domctl, sysctl and the memory and MMU calls it makes
 * on the domain it builds (see domctl_test.h).
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include "domctl_test.h"
#include "guest_lib.h"
#include "guest_time.h"

domid_t guest;
xen_pfn_t guest_mfn[GUEST_FRAMES];
long free_at_start;

const xen_domain_handle_t test_handle = {0xd0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7,
					 0x8,  0x9, 0xa, 0xb, 0xc, 0xd, 0xe, 0xf};

void pv_config(struct xen_domctl_createdomain *config)
{
	memset(config, 0, sizeof(*config));
	memcpy(config->handle, test_handle, sizeof(config->handle));
	config->max_vcpus = TEST_MAX_VCPUS;
	config->max_evtchn_port = 1023;
	config->max_grant_frames = 4;
	config->max_maptrack_frames = 8;
	config->grant_opts = XEN_DOMCTL_GRANT_version(1);
}

long create_domain(domid_t want, struct xen_domctl_createdomain *config, domid_t *got)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.createdomain = *config;
	long rc = domctl(&op, XEN_DOMCTL_createdomain, want);
	*config = op.u.createdomain;
	if (got)
		*got = op.domain;
	return rc;
}

long free_pages(void)
{
	struct xen_sysctl op;

	memset(&op, 0, sizeof(op));
	if (sysctl(&op, XEN_SYSCTL_physinfo) != 0)
		return -1;
	return (long)op.u.physinfo.free_pages;
}

/* Sleep for ms milliseconds: SCHEDOP_poll on an idle IPI port, with a timeout. */
void sleep_ms(unsigned int ms)
{
	static evtchn_port_t port;

	if (port == 0) {
		struct evtchn_bind_ipi ipi = {.vcpu = 0};
		if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi) != 0)
			guest_crash("cannot bind an IPI port to poll");
		port = ipi.port;
	}
	struct sched_poll poll = {.nr_ports = 1, .timeout = guest_now_ns() + MS(ms)};
	set_xen_guest_handle(poll.ports, &port);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

long settled_free_pages(long expected)
{
	long free = free_pages();

	for (unsigned int i = 0; i < 200 && free < expected - POOL_SLACK; i++) {
		sleep_ms(10);
		free = free_pages();
	}
	return free;
}

long reservation_op(unsigned int cmd, domid_t domain, xen_pfn_t *frames, unsigned int count)
{
	struct xen_memory_reservation reservation = {
		.nr_extents = count,
		.extent_order = 0,
		.mem_flags = 0,
		.domid = domain,
	};

	set_xen_guest_handle(reservation.extent_start, frames);
	return HYPERVISOR_memory_op(cmd, &reservation);
}

long current_reservation(domid_t domain)
{
	return HYPERVISOR_memory_op(XENMEM_current_reservation, &domain);
}

uint64_t l1_entry_address(const void *va)
{
	const struct start_info *si = guest_start_info;
	const xen_pfn_t *mfn_list = (const xen_pfn_t *)si->mfn_list;
	uint64_t table_mfn = mfn_list[virt_to_pfn((void *)si->pt_base)];
	const uint64_t *table = (const uint64_t *)si->pt_base;
	unsigned long address = (unsigned long)va;

	for (int level = 4; level > 1; level--) {
		uint64_t entry = table[(address >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
		table_mfn = (entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
		table = mfn_to_virt(table_mfn);
		if (!table)
			guest_crash("no table for %#lx at level %d", address, level);
	}
	return (table_mfn << PAGE_SHIFT) + ((address >> PAGE_SHIFT) & 511) * 8;
}

long mmu_one(uint64_t ptr, uint64_t val, domid_t foreign)
{
	struct mmu_update request = {.ptr = ptr, .val = val};
	unsigned int done = 0;

	return HYPERVISOR_mmu_update(&request, 1, &done, foreign);
}

static long set_entry(void *va, uint64_t pte, domid_t foreign)
{
	long rc = mmu_one(l1_entry_address(va) | MMU_NORMAL_PT_UPDATE, pte, foreign);
	struct mmuext_op flush = {.cmd = MMUEXT_INVLPG_LOCAL,
				  .arg1.linear_addr = (unsigned long)va};

	if (HYPERVISOR_mmuext_op(&flush, 1, NULL, DOMID_SELF) != 0)
		guest_crash("cannot flush %p from the TLB", va);
	return rc;
}

long map_frame(void *va, xen_pfn_t mfn, domid_t foreign)
{
	return set_entry(
		va, mfn << PAGE_SHIFT | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY,
		foreign);
}

long restore_frame(void *va, uint64_t pte)
{
	return set_entry(va, pte, DOMID_SELF);
}

void *read_only_copy(const void *data, size_t size)
{
	void *page = read_only_page();
	unsigned long mfn = virt_to_mfn(page);

	if (map_page(page, mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY) != 0)
		guest_crash("cannot make the read-only page writable");
	memcpy(page, data, size);
	if (map_page(page, mfn, _PAGE_PRESENT | _PAGE_ACCESSED) != 0)
		guest_crash("cannot make the page read-only again");
	return page;
}
