/*
 * domctl: what dom0 sees of Xen 4.17's domain management when it builds a second PV domain
 * and never gives it a kernel. The test creates the domain, reads it back, gives it vCPUs,
 * memory and register state, maps and types its frames, pauses it, lets it run into a crash,
 * destroys it and counts the pages that come back; and at each step the errnos for bad ids,
 * bad limits, hostile pointers and a stale interface version. sysctl's physinfo, readconsole
 * and getdomaininfolist come along.
 *
 * The files: domctl.c (domains: create, find, pause, handle, VIRQs, destroy), memory.c
 * (max_mem, reservations, foreign mappings, M2P, page-frame types), vcpu.c (max_vcpus, vCPU
 * info and context, the run), sysctl.c, calls.c (short forms of the calls).
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "domctl_test.h"
#include "guest_lib.h"

#define PROBE_DOMAIN 7	  /* the id the failing creations ask for */
#define SEARCH_DOMAIN 5	  /* a second domain, to see getdomaininfo find the next one */
#define READONLY_DOMAIN 9 /* created from a read-only argument */

static struct xen_domctl_getdomaininfo info;

/* dom0's vCPUs: those that exist (VCPUOP_is_up answers), and those that are up. */
static unsigned int count_vcpus(unsigned int *up)
{
	unsigned int n = 0;
	long rc;

	*up = 0;
	while (n < 1024 && (rc = HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL)) != -XEN_ENOENT) {
		*up += rc == 1;
		n++;
	}
	return n;
}

void check_arguments(void)
{
	struct xen_domctl op;

	test_section("domctl arguments: version, pointers, unknown commands, missing domains");
	memset(&op, 0, sizeof(op));
	op.cmd = XEN_DOMCTL_getdomaininfo;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
	CHECK_EQ(HYPERVISOR_domctl(&op), -XEN_EACCES, "an older interface version is -EACCES");
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION + 1;
	CHECK_EQ(HYPERVISOR_domctl(&op), -XEN_EACCES, "a newer interface version is -EACCES");
	op.interface_version = 0;
	op.domain = NO_DOMAIN;
	op.cmd = 9999;
	CHECK_EQ(HYPERVISOR_domctl(&op), -XEN_EACCES, "the version is checked before all else");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(HYPERVISOR_domctl((struct xen_domctl *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile domctl argument is -EFAULT");
	memset(&op, 0, sizeof(op));
	op.cmd = XEN_DOMCTL_getdomaininfo;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	CHECK_EQ(HYPERVISOR_domctl(read_only_copy(&op, sizeof(op))), -XEN_EFAULT,
		 "a read-only argument: the answer cannot be written back, -EFAULT");

	memset(&op, 0, sizeof(op));
	long rc = domctl(&op, 9999, 0);
	printf("unknown domctl 9999 on dom0: %ld\n", rc);
	CHECK_EQ(rc, -XEN_ENOSYS, "an unknown domctl is -ENOSYS");
	CHECK_EQ(domctl(&op, 9999, NO_DOMAIN), -XEN_ESRCH,
		 "the domain is looked up first: unknown command, missing domain is -ESRCH");

	static const uint32_t needs_domain[] = {
		XEN_DOMCTL_destroydomain,     XEN_DOMCTL_pausedomain,
		XEN_DOMCTL_unpausedomain,     XEN_DOMCTL_max_mem,
		XEN_DOMCTL_setvcpucontext,    XEN_DOMCTL_getvcpucontext,
		XEN_DOMCTL_getvcpuinfo,	      XEN_DOMCTL_max_vcpus,
		XEN_DOMCTL_setdomainhandle,   XEN_DOMCTL_set_virq_handler,
		XEN_DOMCTL_getpageframeinfo3,
	};
	for (unsigned int i = 0; i < sizeof(needs_domain) / sizeof(needs_domain[0]); i++) {
		CHECK_EQ(domctl_plain(needs_domain[i], NO_DOMAIN), -XEN_ESRCH,
			 "a domain that does not exist is -ESRCH");
		CHECK_EQ(domctl_plain(needs_domain[i], 1), -XEN_ESRCH,
			 "nor does domain 1 before the test creates it");
		CHECK_EQ(domctl_plain(needs_domain[i], DOMID_SELF), -XEN_ESRCH,
			 "domctl does not translate DOMID_SELF: -ESRCH");
		CHECK_EQ(domctl_plain(needs_domain[i], DOMID_IO), -XEN_ESRCH, "DOMID_IO is -ESRCH");
		CHECK_EQ(domctl_plain(needs_domain[i], 0xffff), -XEN_ESRCH, "0xffff is -ESRCH");
	}

	test_section("domctl on dom0 itself");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_pausedomain, 0), -XEN_EINVAL,
		 "dom0 cannot pause itself: -EINVAL");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_unpausedomain, 0), -XEN_EINVAL,
		 "unpausing a domain the toolstack has not paused is -EINVAL");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, 0), -XEN_EINVAL,
		 "dom0 cannot destroy itself: -EINVAL");
	memset(&op, 0, sizeof(op));
	unsigned int up;
	op.u.max_vcpus.max = count_vcpus(&up);
	CHECK_EQ(domctl(&op, XEN_DOMCTL_max_vcpus, 0), -XEN_EINVAL,
		 "max_vcpus on itself is -EINVAL");
	memset(&op, 0, sizeof(op));
	CHECK_EQ(domctl(&op, XEN_DOMCTL_getvcpucontext, 0), -XEN_EINVAL,
		 "getvcpucontext of the calling vCPU is -EINVAL");
	memset(&op, 0, sizeof(op));
	CHECK_EQ(domctl(&op, XEN_DOMCTL_setvcpucontext, 0), -XEN_EINVAL,
		 "setvcpucontext on itself is -EINVAL");
}

void check_dom0_info(void)
{
	const struct start_info *si = guest_start_info;
	domid_t self = DOMID_SELF;

	test_section("XEN_DOMCTL_getdomaininfo of dom0");
	CHECK_EQ(domain_info(0, &info), 0, "dom0 reads its own state");
	printf("dom0: flags %#x, tot %lu, max %lu, shared_info %#lx, cpu_time %lu, online %u, "
	       "max_vcpu_id %u, cpupool %u, gpaddr_bits %u, emulation %#x, misc %#x\n",
	       info.flags, info.tot_pages, info.max_pages, info.shared_info_frame, info.cpu_time,
	       info.nr_online_vcpus, info.max_vcpu_id, info.cpupool, info.gpaddr_bits,
	       info.arch_config.emulation_flags, info.arch_config.misc_flags);
	CHECK_EQ(info.domain, 0, "domain 0");
	CHECK_EQ(info.flags, XEN_DOMINF_running | NO_SHUTDOWN_CODE,
		 "running (this vCPU); bits 16-31 are the shutdown code, ~0 while there is none");
	CHECK_EQ(info.tot_pages, HYPERVISOR_memory_op(XENMEM_current_reservation, &self),
		 "tot_pages is the current reservation");
	CHECK_EQ(info.max_pages, HYPERVISOR_memory_op(XENMEM_maximum_reservation, &self),
		 "max_pages is the maximum reservation");
	CHECK_EQ(info.outstanding_pages + info.shr_pages + info.paged_pages, 0,
		 "no claims, shared or paged-out pages");
	CHECK_EQ(info.shared_info_frame, si->shared_info >> PAGE_SHIFT,
		 "shared_info_frame is the machine frame start_info gave");
	CHECK(info.cpu_time > 0, "dom0 has run");
	unsigned int up, vcpus = count_vcpus(&up);
	CHECK_EQ(info.nr_online_vcpus, up, "nr_online_vcpus counts the vCPUs that are up");
	CHECK_EQ(info.max_vcpu_id, vcpus - 1, "max_vcpu_id is the last vCPU, up or not");
	CHECK_EQ(info.ssidref, 0, "no security label");
	static const xen_domain_handle_t zero;
	CHECK(memcmp(info.handle, zero, sizeof(zero)) == 0, "dom0's handle is all zero");
	CHECK_EQ(info.cpupool, 0, "dom0 is in CPU pool 0");
	CHECK_EQ(info.arch_config.emulation_flags, XEN_X86_EMU_PIT,
		 "a PV dom0 has the PIT emulated, nothing else");
	CHECK_EQ(info.arch_config.misc_flags, 0, "no misc flags");
}

void check_create(void)
{
	struct xen_domctl_createdomain config;

	test_section("XEN_DOMCTL_createdomain of a PV domain");
	pv_config(&config);
	CHECK_EQ(create_domain(0, &config, &guest), 0, "dom0 creates a PV domain");
	printf("created domain %u, flags back %#x\n", guest, config.flags);
	CHECK_EQ(guest, 1, "asked for id 0, Xen chooses: the first free id above 0, 1");
	CHECK_EQ(config.flags, XEN_DOMCTL_CDF_oos_off, "Xen adds oos_off for a PV domain");
	CHECK_EQ(config.max_vcpus, TEST_MAX_VCPUS, "the rest comes back as given");
	CHECK_EQ(config.max_grant_frames, 4, "max_grant_frames as given");
	CHECK(memcmp(config.handle, test_handle, sizeof(test_handle)) == 0, "the handle as given");
	long free = free_pages();
	printf("free pages: %ld at start, %ld with the empty domain\n", free_at_start, free);
	CHECK(free < free_at_start, "a domain costs the hypervisor some pages");

	test_section("XEN_DOMCTL_getdomaininfo of the new domain");
	CHECK_EQ(domain_info(guest, &info), 0, "it exists");
	printf("domain %u: flags %#x, tot %lu, max %lu, shared_info %#lx, cpu_time %lu, online "
	       "%u, max_vcpu_id %#x, cpupool %u, gpaddr_bits %u, emulation %#x\n",
	       info.domain, info.flags, info.tot_pages, info.max_pages, info.shared_info_frame,
	       info.cpu_time, info.nr_online_vcpus, info.max_vcpu_id, info.cpupool,
	       info.gpaddr_bits, info.arch_config.emulation_flags);
	CHECK_EQ(info.domain, guest, "the domain asked");
	CHECK_EQ(info.flags, XEN_DOMINF_paused | NO_SHUTDOWN_CODE,
		 "paused by its creation, nothing else");
	CHECK_EQ(info.tot_pages, 0, "no memory yet");
	CHECK_EQ(info.max_pages, 0, "no memory allowed yet");
	CHECK_EQ(info.outstanding_pages + info.shr_pages + info.paged_pages, 0, "none of these");
	CHECK(info.shared_info_frame != 0 &&
		      info.shared_info_frame != guest_start_info->shared_info >> PAGE_SHIFT,
	      "a shared_info frame of its own");
	CHECK_EQ(info.cpu_time, 0, "it has never run");
	CHECK_EQ(info.nr_online_vcpus, 0, "no vCPU is up");
	CHECK_EQ(info.max_vcpu_id, XEN_INVALID_MAX_VCPU_ID, "no vCPU exists before max_vcpus");
	CHECK_EQ(info.ssidref, 0, "no security label");
	CHECK(memcmp(info.handle, test_handle, sizeof(test_handle)) == 0, "the handle given");
	CHECK_EQ(info.cpupool, 0, "CPU pool 0");
	CHECK_EQ(info.arch_config.emulation_flags, 0, "a PV domU emulates nothing");
	CHECK_EQ(current_reservation(guest), 0, "its current reservation is 0");
}

/* Create PROBE_DOMAIN with config; expect errno and no domain left behind. */
static void create_fails(struct xen_domctl_createdomain *config, long expected, const char *what)
{
	domid_t got = 0;
	long rc = create_domain(PROBE_DOMAIN, config, &got);
	CHECK_EQ(rc, expected, what);
	CHECK_EQ(domain_info(PROBE_DOMAIN, &info), -XEN_ESRCH, "and no domain is left");
	if (rc == 0)
		domctl_plain(XEN_DOMCTL_destroydomain, got);
}

void check_create_errors(void)
{
	struct xen_domctl_createdomain config;
	struct xen_domctl op;

	test_section("XEN_DOMCTL_createdomain errors");
	long free_before = free_pages(), free;
	pv_config(&config);
	CHECK_EQ(create_domain(guest, &config, NULL), -XEN_EEXIST, "an id in use is -EEXIST");

	pv_config(&config);
	config.max_vcpus = 0;
	create_fails(&config, -XEN_EINVAL, "max_vcpus 0 is -EINVAL");
	pv_config(&config);
	config.max_vcpus = 0x10000;
	create_fails(&config, -XEN_EINVAL, "max_vcpus above the limit is -EINVAL");
	pv_config(&config);
	config.flags = XEN_DOMCTL_CDF_MAX << 1;
	create_fails(&config, -XEN_EINVAL, "an unknown flag is -EINVAL");
	pv_config(&config);
	config.flags = XEN_DOMCTL_CDF_hap;
	create_fails(&config, -XEN_EINVAL, "hap without hvm is -EINVAL");
	pv_config(&config);
	config.flags = XEN_DOMCTL_CDF_iommu;
	create_fails(&config, -XEN_EINVAL, "an IOMMU the machine does not have is -EINVAL");
	pv_config(&config);
	config.iommu_opts = XEN_DOMCTL_IOMMU_no_sharept;
	create_fails(&config, -XEN_EINVAL, "IOMMU options without the IOMMU flag are -EINVAL");
	pv_config(&config);
	config.grant_opts = 0;
	create_fails(&config, -XEN_EINVAL, "grant table version 0 is -EINVAL");
	pv_config(&config);
	config.grant_opts = XEN_DOMCTL_GRANT_version(3);
	create_fails(&config, -XEN_EINVAL, "grant table version 3 is -EINVAL");
	pv_config(&config);
	config.grant_opts = XEN_DOMCTL_GRANT_version(1) | 0x10;
	create_fails(&config, -XEN_EINVAL, "grant options above the version are -EINVAL");
	pv_config(&config);
	config.max_grant_frames = 0;
	create_fails(&config, -XEN_EINVAL, "no grant frames is -EINVAL");
	pv_config(&config);
	config.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	create_fails(&config, -XEN_EOPNOTSUPP, "an emulated LAPIC for PV is -EOPNOTSUPP");
	pv_config(&config);
	config.arch.emulation_flags = 1U << 11;
	create_fails(&config, -XEN_EINVAL, "an unknown emulation flag is -EINVAL");
	pv_config(&config);
	config.arch.misc_flags = XEN_X86_MSR_RELAXED << 1;
	create_fails(&config, -XEN_EINVAL, "an unknown misc flag is -EINVAL");
	pv_config(&config);
	config.vmtrace_size = 4096;
	create_fails(&config, -XEN_EINVAL, "a trace buffer without processor trace is -EINVAL");
	pv_config(&config);
	config.cpupool_id = 99;
	create_fails(&config, -XEN_ESRCH, "a CPU pool that does not exist is -ESRCH");

	memset(&op, 0, sizeof(op));
	pv_config(&op.u.createdomain);
	op.cmd = XEN_DOMCTL_createdomain;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION - 1;
	op.domain = PROBE_DOMAIN;
	CHECK_EQ(HYPERVISOR_domctl(&op), -XEN_EACCES, "an older interface version is -EACCES");
	CHECK_EQ(domain_info(PROBE_DOMAIN, &info), -XEN_ESRCH, "and no domain is left");

	test_section("XEN_DOMCTL_createdomain from a read-only argument");
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op.domain = READONLY_DOMAIN;
	CHECK_EQ(HYPERVISOR_domctl(read_only_copy(&op, sizeof(op))), -XEN_EFAULT,
		 "the id cannot be written back: -EFAULT");
	CHECK_EQ(domain_info(READONLY_DOMAIN, &info), 0, "yet the domain was created");
	CHECK_EQ(info.domain, READONLY_DOMAIN, "with the id asked");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, READONLY_DOMAIN), 0, "destroy it");
	CHECK_EQ(domain_info(READONLY_DOMAIN, &info), -XEN_ESRCH, "it is gone");
	free = settled_free_pages(free_before);
	printf("free pages: %ld before, %ld after\n", free_before, free);
	CHECK(free >= free_before - POOL_SLACK && free <= free_before,
	      "the pages of the failed creations and of that domain come back");
}

/* XEN_SYSCTL_getdomaininfolist; the number of domains or a negative errno. */
static long domain_list(domid_t first, uint32_t max, struct xen_domctl_getdomaininfo *buffer)
{
	struct xen_sysctl op;

	memset(&op, 0, sizeof(op));
	op.u.getdomaininfolist.first_domain = first;
	op.u.getdomaininfolist.max_domains = max;
	op.u.getdomaininfolist.num_domains = 0x5a5a;
	set_xen_guest_handle(op.u.getdomaininfolist.buffer, buffer);
	long rc = sysctl(&op, XEN_SYSCTL_getdomaininfolist);
	return rc != 0 ? rc : op.u.getdomaininfolist.num_domains;
}

void check_domain_search(void)
{
	static struct xen_domctl_getdomaininfo list[8];
	struct xen_domctl_createdomain config;
	struct xen_domctl op;
	domid_t got = 0;

	test_section("getdomaininfo finds the next domain");
	long free_before = free_pages();
	pv_config(&config);
	config.max_evtchn_port = 0;
	CHECK_EQ(create_domain(SEARCH_DOMAIN, &config, &got), 0,
		 "a free id below DOMID_FIRST_RESERVED is taken as asked (max_evtchn_port 0 too)");
	CHECK_EQ(got, SEARCH_DOMAIN, "and written back");
	memset(&op, 0, sizeof(op));
	CHECK_EQ(domctl(&op, XEN_DOMCTL_getdomaininfo, guest + 1), 0,
		 "getdomaininfo of a free id succeeds");
	CHECK_EQ(op.u.getdomaininfo.domain, SEARCH_DOMAIN, "it describes the next domain up");
	CHECK_EQ(op.domain, SEARCH_DOMAIN, "and says so in xen_domctl.domain too");
	CHECK_EQ(domain_info(SEARCH_DOMAIN + 1, &info), -XEN_ESRCH,
		 "above the last domain it is -ESRCH");
	CHECK_EQ(domain_info(NO_DOMAIN, &info), -XEN_ESRCH, "id 0x7fef is -ESRCH");
	CHECK_EQ(domain_info(DOMID_SELF, &info), -XEN_EINVAL, "DOMID_SELF is -EINVAL");
	CHECK_EQ(domain_info(DOMID_IO, &info), -XEN_EINVAL, "DOMID_IO is -EINVAL");
	CHECK_EQ(domain_info(0xffff, &info), -XEN_EINVAL, "0xffff is -EINVAL");

	test_section("XEN_SYSCTL_getdomaininfolist");
	memset(list, 0x5a, sizeof(list));
	CHECK_EQ(domain_list(0, 8, list), 3, "three domains from id 0");
	CHECK_EQ(list[0].domain, 0, "dom0 first");
	CHECK_EQ(list[1].domain, guest, "then the test's domain");
	CHECK_EQ(list[2].domain, SEARCH_DOMAIN, "then the search domain: in id order");
	CHECK_EQ(list[1].flags, XEN_DOMINF_paused | NO_SHUTDOWN_CODE,
		 "each entry is its getdomaininfo");
	CHECK(memcmp(list[1].handle, test_handle, sizeof(test_handle)) == 0, "handle included");
	CHECK_EQ(list[3].domain, 0x5a5a, "nothing is written past the last domain");
	CHECK_EQ(domain_list(guest + 1, 8, list), 1, "from a free id: the domains above it");
	CHECK_EQ(list[0].domain, SEARCH_DOMAIN, "the search domain");
	CHECK_EQ(domain_list(0, 1, list), 1, "max_domains 1 gives one");
	CHECK_EQ(list[0].domain, 0, "the first, dom0");
	CHECK_EQ(domain_list(0, 0, NULL), 0, "max_domains 0 gives none, buffer untouched");
	CHECK_EQ(domain_list(SEARCH_DOMAIN + 1, 8, NULL), 0, "none above the last domain");
	CHECK_EQ(domain_list(DOMID_SELF, 8, NULL), 0, "none from DOMID_SELF up");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(domain_list(0, 8, (void *)bad_addresses[b].address), -XEN_EFAULT,
			 "a hostile buffer is -EFAULT");
	CHECK_EQ(domain_list(0, 8, read_only_page()), -XEN_EFAULT, "a read-only one too");

	test_section("SCHEDOP_remote_shutdown of the search domain");
	struct sched_remote_shutdown remote = {.domain_id = SEARCH_DOMAIN,
					       .reason = SHUTDOWN_reboot};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), 0,
		 "dom0 shuts another domain down, with a reason");
	CHECK_EQ(domain_info(SEARCH_DOMAIN, &info), 0, "it is still there");
	printf("after remote_shutdown: flags %#x\n", info.flags);
	CHECK_EQ(info.flags, XEN_DOMINF_shutdown | XEN_DOMINF_paused | SHUTDOWN_reboot << 16,
		 "shut down, with the reason as its shutdown code (and still paused)");
	remote.reason = SHUTDOWN_poweroff;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), 0, "again: 0");
	CHECK_EQ(domain_info(SEARCH_DOMAIN, &info), 0, "still there");
	CHECK_EQ(info.flags >> 16, SHUTDOWN_reboot, "the first reason stays");

	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, SEARCH_DOMAIN), 0,
		 "destroying the search domain");
	CHECK_EQ(domain_info(SEARCH_DOMAIN, &info), -XEN_ESRCH, "it is gone at once");
	long free = settled_free_pages(free_before);
	printf("free pages: %ld before, %ld after\n", free_before, free);
	CHECK(free >= free_before - POOL_SLACK && free <= free_before, "its pages come back");
}

void check_pause(void)
{
	test_section("pausedomain and unpausedomain count");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_pausedomain, guest), 0, "pausing a paused domain");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_unpausedomain, guest), 0, "one unpause");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.flags, XEN_DOMINF_paused | NO_SHUTDOWN_CODE,
		 "still paused: creation's pause remains");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_unpausedomain, guest), 0, "the second unpause");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.flags, NO_SHUTDOWN_CODE,
		 "not paused; no vCPU is up, so not running or blocked either");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_unpausedomain, guest), -XEN_EINVAL,
		 "one unpause more than pauses is -EINVAL");
	unsigned int pauses = 0;
	long rc = 0;
	while (pauses < 1000 && (rc = domctl_plain(XEN_DOMCTL_pausedomain, guest)) == 0)
		pauses++;
	printf("pausedomain succeeded %u times, then %ld\n", pauses, rc);
	CHECK_EQ(pauses, 255, "the toolstack may pause a domain 255 times");
	CHECK_EQ(rc, -XEN_EOVERFLOW, "the 256th is -EOVERFLOW");
	for (unsigned int i = 0; i < pauses - 1; i++)
		domctl_plain(XEN_DOMCTL_unpausedomain, guest);
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.flags, XEN_DOMINF_paused | NO_SHUTDOWN_CODE,
		 "paused once more, as at creation");
}

void check_handle_and_virq(void)
{
	static const xen_domain_handle_t other = {0xaa, 0xbb};
	struct xen_domctl op;
	struct evtchn_bind_virq bind;

	test_section("XEN_DOMCTL_setdomainhandle");
	memset(&op, 0, sizeof(op));
	memcpy(op.u.setdomainhandle.handle, other, sizeof(other));
	CHECK_EQ(domctl(&op, XEN_DOMCTL_setdomainhandle, guest), 0, "replacing the handle");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK(memcmp(info.handle, other, sizeof(other)) == 0, "shows the new handle");
	memcpy(op.u.setdomainhandle.handle, test_handle, sizeof(test_handle));
	CHECK_EQ(domctl(&op, XEN_DOMCTL_setdomainhandle, guest), 0, "and back");

	test_section("XEN_DOMCTL_set_virq_handler");
	memset(&op, 0, sizeof(op));
	op.u.set_virq_handler.virq = VIRQ_TIMER;
	CHECK_EQ(domctl(&op, XEN_DOMCTL_set_virq_handler, guest), -XEN_EINVAL,
		 "a per-vCPU VIRQ is -EINVAL");
	op.u.set_virq_handler.virq = NR_VIRQS;
	CHECK_EQ(domctl(&op, XEN_DOMCTL_set_virq_handler, guest), -XEN_EINVAL,
		 "VIRQ NR_VIRQS is -EINVAL");
	op.u.set_virq_handler.virq = 0xffffffff;
	CHECK_EQ(domctl(&op, XEN_DOMCTL_set_virq_handler, guest), -XEN_EINVAL,
		 "VIRQ 0xffffffff is -EINVAL");
	op.u.set_virq_handler.virq = VIRQ_CON_RING;
	CHECK_EQ(domctl(&op, XEN_DOMCTL_set_virq_handler, guest), 0,
		 "VIRQ_CON_RING goes to the new domain");
	CHECK_EQ(domctl(&op, XEN_DOMCTL_set_virq_handler, guest), 0, "moving it twice is 0");
	bind = (struct evtchn_bind_virq){.virq = VIRQ_CON_RING, .vcpu = 0};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind), 0,
		 "dom0 may still bind it (Xen 4.17 does not check the handler when binding)");
	evtchn_port_t port = bind.port;
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind), -XEN_EEXIST,
		 "binding it twice is -EEXIST");
	struct evtchn_close close = {.port = port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_close, &close), 0, "closing the port");
	CHECK_EQ(domctl(&op, XEN_DOMCTL_set_virq_handler, 0), 0, "the VIRQ back to dom0");
}

void check_destroy(void)
{
	struct xen_domctl_createdomain config;
	void *window = scratch_page(1);
	uint64_t own = guest_lookup_pte((unsigned long)window, NULL);
	domid_t got = 0;

	test_section("XEN_DOMCTL_destroydomain while dom0 maps a frame of the domain");
	CHECK_EQ(map_frame(window, guest_mfn[0], guest), 0, "dom0 maps frame 0 of the domain");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, guest), 0, "destroydomain succeeds");
	CHECK_EQ(domain_info(guest, &info), 0, "the domain is still there");
	printf("after destroy: flags %#x, tot_pages %lu\n", info.flags, info.tot_pages);
	CHECK_EQ(info.domain, guest, "the same domain");
	CHECK_EQ(info.flags,
		 XEN_DOMINF_dying | XEN_DOMINF_shutdown |
			 SHUTDOWN_crash << XEN_DOMINF_shutdownshift,
		 "dying, and still showing its crash");
	CHECK_EQ(info.tot_pages, 1, "holding only the frame dom0 maps");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, guest), 0,
		 "destroying a dying domain again is 0");
	CHECK_EQ(restore_frame(window, own), 0, "dom0 lets go");
	CHECK_EQ(domain_info(guest, &info), -XEN_ESRCH, "the domain is gone at once");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, guest), -XEN_ESRCH,
		 "destroying it again is -ESRCH");
	CHECK_EQ(current_reservation(guest), -XEN_ESRCH, "its reservation is -ESRCH");
	xen_pfn_t frame = 0;
	CHECK_EQ(reservation_op(XENMEM_populate_physmap, guest, &frame, 1), 0,
		 "populating it: 0 done, no errno");

	test_section("the pages come back");
	long free = settled_free_pages(free_at_start);
	printf("free pages: %ld at start, %ld now\n", free_at_start, free);
	CHECK(free >= free_at_start - POOL_SLACK && free <= free_at_start,
	      "free_pages is back to what it was before the first domain (within the slack)");

	test_section("the ids Xen chooses next");
	pv_config(&config);
	CHECK_EQ(create_domain(DOMID_SELF, &config, &got), 0, "asking for DOMID_SELF");
	CHECK_EQ(got, guest + 1, "Xen chooses: the id after the last it chose, not the freed one");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, got), 0, "destroy it");
	pv_config(&config);
	CHECK_EQ(create_domain(0, &config, &got), 0, "asking for 0");
	CHECK_EQ(got, guest + 2, "the next id again");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_destroydomain, got), 0, "destroy it");
	long settled = free;
	free = settled_free_pages(settled);
	printf("free pages: %ld now\n", free);
	CHECK(free >= settled - POOL_SLACK && free <= settled, "and the pages come back again");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_physinfo();
	check_arguments();
	check_dom0_info();
	check_create();
	check_create_errors();
	check_domain_search();
	check_vcpus();
	check_pause();
	check_handle_and_virq();
	check_memory();
	check_frame_types();
	check_vcpu_context();
	check_readconsole();
	check_run_and_crash();
	check_destroy();
	test_finish("domctl");
}
