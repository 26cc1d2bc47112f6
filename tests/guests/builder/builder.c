/*
 * builder: dom0 builds a second domain and talks to it, with domctl and the ordinary
 * hypercalls only (issue 5's headline test). The child's kernel (build/guests/child.elf) comes
 * as module 2; the domain builder of dom0's toolstack (common/toolstack/pv_build.c) makes an
 * unprivileged PV domain of it. Then the two domains
 *
 *  - ping-pong over an interdomain event channel (the mean round trip is printed);
 *  - share a page the child grants (map_grant_ref, reads, writes, GNTTABOP_copy both ways);
 *  - run 1000 requests and their responses over a shared ring (ring/include/ring.h) in a
 *    second page the child grants: dom0 is the frontend and initialises it, the child the
 *    backend; each side notifies over a second event channel only when the ring's event
 *    suppression says so, and sleeps when final_check has armed its event. dom0 checks every
 *    response (order, id, result) and that the notifications stayed within what suppression
 *    allows; then it pushes req_prod past the ring's size and the child's ring refuses it;
 *  - and dom0 pauses and unpauses the child while it counts, sees it shut down through
 *    VIRQ_DOM_EXC, destroys it while still mapping its page, and gets every page back.
 *
 * The child records what the hypervisor answered to its attempts at privileged operations in
 * the shared page, and this kernel checks them. The child's console ring is printed here,
 * each of its lines after "| ".
 *
 *     tests/guests/on-xen builder --ramdisk build/guests/child.elf
 */
#include <stdio.h>
#include <string.h>
#include <parvus/control.h>
#include <parvus/foreign_map.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <parvus/pv_build.h>
#include <public/errno.h>
#include <public/io/console.h>
#include "child_page.h"
#include "event_wait.h"
#include "guest_lib.h"
#include "guest_time.h"

#define CHILD_PAGES 2048 /* 8 MiB */
#define CHILD_GREF 10	 /* past the 8 entries Xen's toolstack keeps for itself */
#define RING_GREF 12	 /* CHILD_GREF + 1 stays empty, for the grant copy through it */
#define RING_REQUESTS 1000
#define RING_BUDGET_MS 20000
#define PINGS 100000
/* On a loaded host, TCG with two CPUs once took 5 ms a round trip: stop after 20 s. */
#define PING_BUDGET_MS 20000
#define MIN_PINGS 1000
/*
 * What Xen 4.17 may keep of a destroyed domain for good: its small allocations come from a
 * pool that now and then keeps a page (seen: 1 page with two CPUs, 0 with one; the domctl
 * test kernel saw the same).
 */
#define POOL_SLACK 2
#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

/* Pages of ours that show other frames for a while (foreign_map.h). */
static uint8_t build_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t console_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t grant_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t ring_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
/* Our side of grant copies, and a frame of ours the child must fail to map. */
static uint8_t copy_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t not_for_the_child[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static xen_pfn_t child_p2m[CHILD_PAGES];
static struct pv_build build;
static domid_t child;
static evtchn_port_t port;	/* our end of the channel */
static evtchn_port_t ring_port; /* our end of the ring's channel */
static long free_before;

static uint64_t ms_from_now(unsigned int ms)
{
	return guest_now_ns() + MS(ms);
}

/* Print what the child wrote to its console ring since last time, as "child: ..." lines. */
static void print_child_console(void)
{
	static char line[160];
	static size_t used;

	if (foreign_map(console_window, child, build.console_mfn, true) != 0) {
		printf("(the child's console ring cannot be mapped)\n");
		return;
	}
	struct xencons_interface *ring = (struct xencons_interface *)console_window;
	XENCONS_RING_IDX consumer = ring->out_cons;
	XENCONS_RING_IDX producer = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);

	if (producer - consumer > sizeof(ring->out))
		consumer = producer - sizeof(ring->out); /* a child's bad index: keep in range */
	while (consumer != producer) {
		char c = ring->out[MASK_XENCONS_IDX(consumer++, ring->out)];

		if (c != '\n')
			line[used++] = c;
		if (c == '\n' || used == sizeof(line) - 1) {
			line[used] = '\0';
			printf("| %s\n", line);
			used = 0;
		}
	}
	__atomic_store_n(&ring->out_cons, consumer, __ATOMIC_RELEASE);
	foreign_unmap(console_window);
}

static void report_child_state(const char *when)
{
	struct xen_domctl_getdomaininfo info;
	long rc = domain_info(child, &info);

	printf("%s: getdomaininfo %ld, domain %u, flags %#x, tot_pages %lu\n", when, rc,
	       info.domain, info.flags, info.tot_pages);
	print_child_console();
}

/*
 * dom0's first grant mapping makes Xen allocate a maptrack frame that dom0 keeps for good
 * (without this, free_pages ends one page short). Map a grant of our own once before counting
 * free pages, so that frame is not counted against the child.
 */
static void warm_up_grant_mapping(void)
{
	xen_pfn_t frame = 0;
	struct gnttab_setup_table setup = {.dom = DOMID_SELF, .nr_frames = 1};

	set_xen_guest_handle(setup.frame_list, &frame);
	if (HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &setup, 1) || setup.status)
		guest_crash("warm-up: GNTTABOP_setup_table failed");
	volatile struct grant_entry_v1 *table = scratch_page(0);
	if (map_page((void *)table, frame, PTE_RW))
		guest_crash("warm-up: cannot map our grant table");
	table[1].domid = 0;
	table[1].frame = (uint32_t)virt_to_mfn(copy_page);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[1].flags = GTF_permit_access;

	struct gnttab_map_grant_ref map = {
		.host_addr = (uint64_t)grant_window, .flags = GNTMAP_host_map, .ref = 1, .dom = 0};
	if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1) || map.status)
		guest_crash("warm-up: cannot map our own grant: status %d", map.status);
	struct gnttab_unmap_grant_ref unmap = {.host_addr = (uint64_t)grant_window,
					       .handle = map.handle};
	if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1) || unmap.status)
		guest_crash("warm-up: cannot unmap our own grant");
	table[1].flags = 0;
	foreign_unmap(grant_window); /* the unmap left the page not present */
	map_page((void *)table, virt_to_mfn((void *)table), PTE_RW);
}

static bool build_child(const struct start_info *si)
{
	test_section("building the child with domctl");
	if (!CHECK(si->mod_start && si->mod_len, "the child's kernel is module 2"))
		return false;
	printf("child kernel: %lu bytes at %#lx\n", si->mod_len, si->mod_start);

	struct pv_build_config config = {
		.kernel = (const void *)si->mod_start,
		.kernel_size = si->mod_len,
		.nr_pages = CHILD_PAGES,
		.max_vcpus = 1,
		.p2m = child_p2m,
		.window = build_window,
		.handle = {0xc4, 0x11, 0xd0},
		.max_grant_frames = 4,
		.max_maptrack_frames = 16,
	};
	long rc = pv_build_create(&build, &config);

	if (!CHECK_EQ(rc, 0, "pv_build_create: createdomain, max_vcpus, max_mem, populate")) {
		printf("failed at %s: %ld %s\n", build.failed, build.error, build.why);
		return false;
	}
	child = build.domid;
	const struct pv_layout *l = &build.layout;
	printf("child: domain %u, %u pages; kernel %#lx-%#lx, p2m %#lx, start_info %#lx, "
	       "%u page tables at %#lx, stack %#lx, mapped to %#lx\n",
	       child, CHILD_PAGES, l->kernel.start, l->kernel.end, l->p2m.start,
	       l->start_info.start, l->nr_pt_frames, l->page_tables.start, l->stack.start,
	       l->v_end);

	/* Set-up on the new domain's behalf, as a toolstack does for its console and XenStore:
	 * a port in its table (waiting for dom0) and a look at its grant table. */
	struct evtchn_alloc_unbound for_child = {.dom = child, .remote_dom = 0};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &for_child), 0,
		 "EVTCHNOP_alloc_unbound in the child's table, for dom0");
	struct evtchn_status status = {.dom = child, .port = for_child.port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_status, &status), 0,
		 "EVTCHNOP_status of that port of the child's");
	CHECK_EQ(status.status, EVTCHNSTAT_unbound, "unbound");
	CHECK_EQ(status.u.unbound.dom, 0, "waiting for dom0");
	struct gnttab_query_size size = {.dom = child};
	CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &size, 1), 0,
		 "GNTTABOP_query_size of the child's grant table");
	CHECK_EQ(size.status, GNTST_okay, "answered");
	CHECK(size.nr_frames >= 1 && size.max_nr_frames >= size.nr_frames, "with its frames");
	xen_pfn_t child_grant_frame = 0;
	struct gnttab_setup_table child_setup = {.dom = child, .nr_frames = 1};
	set_xen_guest_handle(child_setup.frame_list, &child_grant_frame);
	CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &child_setup, 1), 0,
		 "GNTTABOP_setup_table for the child");
	CHECK_EQ(child_setup.status, GNTST_okay, "okay");
	CHECK(child_grant_frame != 0, "naming the frame of its grant table");

	long allocated = evtchn_alloc_unbound(child);
	CHECK(allocated > 0, "EVTCHNOP_alloc_unbound: a port of dom0 for the child to bind");
	if (allocated <= 0)
		return false;
	port = (evtchn_port_t)allocated;
	allocated = evtchn_alloc_unbound(child);
	CHECK(allocated > 0, "EVTCHNOP_alloc_unbound: a second port, for the ring");
	if (allocated <= 0)
		return false;
	ring_port = (evtchn_port_t)allocated;

	char cmdline[128];
	snprintf(cmdline, sizeof(cmdline),
		 "evtchn=%u gref=%u foreign_mfn=%lu ring_evtchn=%u ring_gref=%u", port, CHILD_GREF,
		 virt_to_mfn(not_for_the_child), ring_port, RING_GREF);
	rc = pv_build_boot(&build, cmdline);
	if (!CHECK_EQ(rc, 0, "pv_build_boot: kernel, p2m, start_info, page tables, vCPU")) {
		printf("failed at %s: %ld %s\n", build.failed, build.error, build.why);
		return false;
	}
	CHECK_EQ(build.hypercall_init_rc, 0,
		 "XEN_DOMCTL_hypercall_init writes the child's hypercall page");
	return true;
}

/* What the hypervisor shows of the built domain before it runs. */
static void check_built_domain(void)
{
	struct xen_domctl_getdomaininfo info;

	test_section("the built domain, before it runs");
	CHECK_EQ(domain_info(child, &info), 0, "getdomaininfo");
	CHECK_EQ(info.domain, child, "about the child");
	CHECK_EQ(info.tot_pages, CHILD_PAGES, "it owns the pages populate_physmap gave");
	CHECK_EQ(info.max_pages, CHILD_PAGES, "max_mem as set");
	CHECK_EQ(info.nr_online_vcpus, 1, "vCPU 0 is online (VGCF_online)");
	CHECK(info.flags & XEN_DOMINF_paused, "still paused: a new domain waits for unpause");
	CHECK_EQ(info.shared_info_frame, build.shared_info_mfn, "shared_info as start_info says");

	unsigned int wrong = 0;
	for (unsigned int pfn = 0; pfn < CHILD_PAGES; pfn++)
		if (machine_to_phys_mapping[child_p2m[pfn]] != pfn)
			wrong++;
	CHECK_EQ(wrong, 0, "the M2P maps each of the child's frames back to its pfn");

	xen_pfn_t frames[2] = {build.l4_mfn, child_p2m[0]};
	struct xen_domctl op;
	memset(&op, 0, sizeof(op));
	op.u.getpageframeinfo3.num = 2;
	set_xen_guest_handle(op.u.getpageframeinfo3.array, frames);
	CHECK_EQ(domctl(&op, XEN_DOMCTL_getpageframeinfo3, child), 0, "getpageframeinfo3");
	CHECK_EQ(frames[0] & XEN_DOMCTL_PFINFO_LTAB_MASK,
		 XEN_DOMCTL_PFINFO_L4TAB | XEN_DOMCTL_PFINFO_LPINTAB,
		 "the boot L4 is a pinned L4 table");
	CHECK_EQ(frames[1] & XEN_DOMCTL_PFINFO_LTAB_MASK, XEN_DOMCTL_PFINFO_NOTAB,
		 "the kernel's first page is no table");

	long free_now = machine_free_pages();
	printf("free pages: %ld before, %ld with the child built\n", free_before, free_now);
	CHECK(free_before - free_now >= CHILD_PAGES, "the child's pages came out of the free pool");
}

static struct child_page *shared;
static grant_handle_t shared_handle;

static bool start_child(void)
{
	test_section("the child runs");
	CHECK_EQ(domain_unpause(child), 0, "unpausedomain");
	bool ready = event_wait(port, ms_from_now(5000));

	CHECK(ready, "the child's first event comes: it bound our port and granted its page");
	if (!ready) {
		report_child_state("no event from the child");
		return false;
	}
	print_child_console();

	struct gnttab_map_grant_ref map = {.host_addr = (uint64_t)grant_window,
					   .flags = GNTMAP_host_map,
					   .ref = CHILD_GREF,
					   .dom = child};
	CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1), 0, "map_grant_ref");
	if (!CHECK_EQ(map.status, GNTST_okay, "the child's grant maps"))
		return false;
	shared_handle = map.handle;
	shared = (struct child_page *)grant_window;
	CHECK_EQ(shared->magic, CHILD_MAGIC, "the page shows what the child wrote");
	return true;
}

static void check_child_view(void)
{
	test_section("what the child saw and was refused");
	CHECK_EQ(shared->nr_pages, CHILD_PAGES, "its start_info: nr_pages");
	CHECK_EQ(shared->si_flags & (SIF_PRIVILEGED | SIF_INITDOMAIN), 0,
		 "its start_info: neither privileged nor the initial domain");
	CHECK(shared->local_port > 0, "it bound our port (EVTCHNOP_bind_interdomain)");

	const int64_t *probe = shared->probe;
	CHECK_EQ(probe[PROBE_DOMCTL_INFO_OF_DOM0], -XEN_EPERM, "domctl getdomaininfo: -EPERM");
	CHECK_EQ(probe[PROBE_DOMCTL_PAUSE_DOM0], -XEN_EPERM, "domctl pausedomain of dom0: -EPERM");
	CHECK_EQ(probe[PROBE_DOMCTL_CREATE], -XEN_EPERM, "domctl createdomain: -EPERM");
	CHECK_EQ(probe[PROBE_DOMCTL_MISSING_DOMAIN], -XEN_ESRCH,
		 "domctl on a missing domain: -ESRCH (Xen looks the domain up before the "
		 "privilege check)");
	CHECK_EQ(probe[PROBE_DOMCTL_BAD_VERSION], -XEN_EACCES,
		 "domctl with another interface version: -EACCES (checked first)");
	CHECK_EQ(probe[PROBE_SYSCTL_PHYSINFO], -XEN_EPERM, "sysctl physinfo: -EPERM");
	CHECK_EQ(probe[PROBE_SYSCTL_BAD_VERSION], -XEN_EACCES,
		 "sysctl with another interface version: -EACCES");
	CHECK_EQ(probe[PROBE_MAP_DOM0_FRAME], -XEN_EBUSY,
		 "update_va_mapping of a frame of dom0's: -EBUSY (Xen's answer for a frame "
		 "the domain cannot take a reference on)");
	CHECK_EQ(probe[PROBE_MMU_UPDATE_AS_DOM0], -XEN_EPERM,
		 "mmu_update naming dom0 as the frame's owner: -EPERM");
	CHECK_EQ(shared->probe_page_kept, 1, "and its page still maps its own frame");
	CHECK_EQ(probe[PROBE_ALLOC_UNBOUND_IN_DOM0], -XEN_EPERM,
		 "EVTCHNOP_alloc_unbound in dom0's table: -EPERM");
	CHECK_EQ(probe[PROBE_CONSOLE_IO], -XEN_EPERM, "console_io write: -EPERM (release Xen)");
	for (unsigned int i = 0; i < PROBE_COUNT; i++)
		printf("probe %u: %ld\n", i, probe[i]);
}

/* One grant copy: the op's status, or 1 (no GNTST_ value) if the hypercall itself failed. */
static int grant_copy(struct gnttab_copy *op)
{
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, op, 1);

	if (rc)
		printf("GNTTABOP_copy: the hypercall failed: %ld\n", rc);
	return rc ? 1 : op->status;
}

static void check_shared_page(void)
{
	const uint16_t data = (uint16_t) __builtin_offsetof(struct child_page, data);

	test_section("the child's page: mapped by grant, and grant copies");
	for (unsigned int i = 0; i < 512; i++)
		shared->data[i] = (uint8_t)(i * 7 + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	CHECK_EQ(shared->data[511], (uint8_t)(511 * 7 + 1),
		 "we write the child's page and read it");

	/* Child -> us: what we wrote through the mapping, read back by the hypervisor. */
	memset(copy_page, 0, PAGE_SIZE);
	struct gnttab_copy from_child = {
		.source = {.u.ref = CHILD_GREF, .domid = child, .offset = data},
		.dest = {.u.gmfn = virt_to_mfn(copy_page), .domid = DOMID_SELF, .offset = 100},
		.len = 512,
		.flags = GNTCOPY_source_gref,
	};
	CHECK_EQ(grant_copy(&from_child), GNTST_okay, "GNTTABOP_copy from the child's grant");
	CHECK_EQ(memcmp(copy_page + 100, (const void *)shared->data, 512), 0,
		 "the bytes arrive at the offset asked for");

	/* Us -> child. */
	for (unsigned int i = 0; i < 256; i++)
		copy_page[2000 + i] = (uint8_t)(0xa5 ^ i);
	struct gnttab_copy to_child = {
		.source = {.u.gmfn = virt_to_mfn(copy_page), .domid = DOMID_SELF, .offset = 2000},
		.dest = {.u.ref = CHILD_GREF, .domid = child, .offset = data + 1024},
		.len = 256,
		.flags = GNTCOPY_dest_gref,
	};
	CHECK_EQ(grant_copy(&to_child), GNTST_okay, "GNTTABOP_copy to the child's grant");
	CHECK_EQ(memcmp((const void *)(shared->data + 1024), copy_page + 2000, 256), 0,
		 "and the child's page, as we map it, shows them");

	struct gnttab_copy past_end = to_child;
	past_end.dest.offset = PAGE_SIZE - 100;
	CHECK_EQ(grant_copy(&past_end), GNTST_bad_copy_arg,
		 "a copy running past the end of the page is GNTST_bad_copy_arg");
	struct gnttab_copy bad_ref = to_child;
	bad_ref.dest.u.ref = CHILD_GREF + 1;
	CHECK_EQ(grant_copy(&bad_ref), GNTST_general_error,
		 "a copy through an entry the child never filled is GNTST_general_error (Xen's "
		 "answer for an entry whose flags do not permit access)");
}

/* What request i asks, and what its answer must be. */
static void calc_request_for(uint32_t i, struct calc_request *req)
{
	req->id = 0xca1c000000000000ull | i;
	req->op = i % 100 == 99 ? 7 : i % 2 ? CALC_MUL : CALC_ADD; /* op 7 does not exist */
	req->pad = 0;
	req->a = (int64_t)i * 3 - 500;
	req->b = i % 2 ? -(int64_t)i : 7;
}

static bool calc_response_right(uint32_t i, const struct calc_response *rsp)
{
	struct calc_request req;

	calc_request_for(i, &req);
	if (rsp->id != req.id)
		return false;
	if (req.op == CALC_ADD)
		return rsp->status == CALC_OK && rsp->result == req.a + req.b;
	if (req.op == CALC_MUL)
		return rsp->status == CALC_OK && rsp->result == req.a * req.b;
	return rsp->status == CALC_BAD_OP && rsp->result == 0;
}

static struct calc_sring *sring;
static struct calc_front_ring front;
static grant_handle_t ring_handle;

/*
 * The frontend: keep the ring full, notify when push_notify says so, take every response and
 * check it against the request at that place in the sequence, sleep on the ring's port once
 * final_check has armed rsp_event.
 */
static void check_ring_exchange(void)
{
	test_section("a request/response ring in a second granted page");
	struct gnttab_map_grant_ref map = {.host_addr = (uint64_t)ring_window,
					   .flags = GNTMAP_host_map,
					   .ref = RING_GREF,
					   .dom = child};
	CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1), 0,
		 "map_grant_ref of the ring page");
	if (!CHECK_EQ(map.status, GNTST_okay, "the child's ring grant maps"))
		return;
	ring_handle = map.handle;
	sring = (struct calc_sring *)ring_window;
	calc_sring_init(sring);
	CHECK_EQ(calc_front_init(&front, sring, PAGE_SIZE), RING_OK, "calc_front_init");
	uint32_t entries = calc_front_size(&front);
	printf("ring: %u entries of %zu bytes\n", entries, sizeof(union calc_sring_entry));
	CHECK_EQ(entries, 64, "a 4 KiB page: 126 slots of 32 bytes fit, the ring uses 64");

	uint32_t before = shared->ring_answered;
	shared->ring_requests = RING_REQUESTS;
	shared->command = CHILD_RING;
	CHECK_EQ(event_send(port), 0, "the child is told to serve the ring");

	uint32_t sent = 0, received = 0, pushes = 0, notifies = 0, final_checks = 0, waits = 0;
	uint32_t wrong = 0, first_wrong = 0;
	bool first_notify = false, timed_out = false;
	int rc = RING_OK;
	uint64_t deadline = ms_from_now(RING_BUDGET_MS), start = guest_now_ns();

	while (received < RING_REQUESTS) {
		struct calc_request *req;
		bool filled = false;

		while (sent < RING_REQUESTS && (req = calc_front_next_request(&front))) {
			calc_request_for(sent++, req);
			filled = true;
		}
		if (filled) {
			bool notify = calc_front_push_notify(&front);

			if (pushes++ == 0)
				first_notify = notify;
			if (notify) {
				notifies++;
				event_send(ring_port);
			}
		}
		struct calc_response rsp;
		while ((rc = calc_front_take_response(&front, &rsp)) == RING_OK) {
			if (!calc_response_right(received, &rsp) && wrong++ == 0)
				first_wrong = received;
			received++;
		}
		if (rc < 0 || received == RING_REQUESTS)
			break;
		if (sent < RING_REQUESTS && !calc_front_full(&front))
			continue; /* responses freed slots: fill them first */
		final_checks++;
		rc = calc_front_final_check(&front);
		if (rc < 0)
			break;
		if (rc > 0)
			continue;
		waits++;
		if (!event_wait(ring_port, deadline)) {
			timed_out = true;
			break;
		}
	}
	uint64_t elapsed = guest_now_ns() - start;

	CHECK(!timed_out, "no wake-up is lost: every sleep on the ring's port ends");
	CHECK(rc >= 0, "the child's rsp_prod is always within bounds");
	CHECK_EQ(received, RING_REQUESTS, "a response for every request");
	if (wrong)
		printf("first wrong response: %u\n", first_wrong);
	CHECK_EQ(wrong, 0, "each in order, with its request's id and the right result");
	CHECK(first_notify, "the first push notifies: req_event starts at 1");
	CHECK(event_wait(port, ms_from_now(5000)), "the child says it has answered them all");
	CHECK_EQ(shared->ring_status, 0, "the child's ring saw no error");
	CHECK_EQ(shared->ring_answered - before, RING_REQUESTS, "and it counted each request");
	printf("ring: %u requests in %lu ms; dom0: %u pushes, %u notifies, %u final checks, %u "
	       "sleeps; child: %u notifies, %u final checks\n",
	       received, elapsed / 1000000, pushes, notifies, final_checks, waits,
	       shared->ring_notifies, shared->ring_final_checks);
	/*
	 * Event suppression: a producer notifies only past an event index the consumer armed, and
	 * a consumer arms one per final check (and sring_init one for each side to start with).
	 */
	CHECK(notifies <= shared->ring_final_checks + 1,
	      "dom0 notified no more often than the child armed req_event");
	CHECK(shared->ring_notifies <= final_checks + 1,
	      "the child notified no more often than dom0 armed rsp_event");
}

/* A frontend pushing req_prod past the ring's size: the child's ring code refuses it. */
static void check_ring_overrun(void)
{
	test_section("the ring: req_prod pushed past the ring's size");
	if (!sring)
		return;
	uint32_t answered = shared->ring_answered;
	ring_idx_t rsp_prod = __atomic_load_n(&sring->shared.rsp_prod, __ATOMIC_ACQUIRE);
	ring_idx_t bad = rsp_prod + calc_front_size(&front) + 1;

	__atomic_store_n(&sring->shared.req_prod, bad, __ATOMIC_SEQ_CST);
	shared->ring_requests = 1;
	shared->command = CHILD_RING;
	CHECK_EQ(event_send(ring_port), 0, "a ring event");
	CHECK_EQ(event_send(port), 0, "and the child is told to serve the ring");
	CHECK(event_wait(port, ms_from_now(5000)), "the child answers");
	print_child_console();
	CHECK_EQ(shared->ring_status, RING_ERR_AHEAD,
		 "its ring refuses req_prod = rsp_prod + size + 1: RING_ERR_AHEAD");
	CHECK_EQ(shared->ring_answered, answered, "it answered nothing");
	CHECK_EQ(__atomic_load_n(&sring->shared.rsp_prod, __ATOMIC_ACQUIRE), rsp_prod,
		 "and published no response");

	struct gnttab_unmap_grant_ref unmap = {.host_addr = (uint64_t)ring_window,
					       .handle = ring_handle};
	CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1), 0,
		 "unmap_grant_ref of the ring page");
	CHECK_EQ(unmap.status, GNTST_okay, "the ring page is unmapped");
	sring = NULL;
	CHECK_EQ(foreign_unmap(ring_window), 0, "our own page back at the ring window");
}

static void check_ping_pong(void)
{
	test_section("event-channel ping-pong");
	unsigned long pings = PINGS;

	guest_cmdline_number("pings", &pings); /* fewer, for a quick run by hand */
	shared->command = CHILD_PING;
	uint64_t pongs_before = shared->pongs;
	uint64_t start = guest_now_ns(), budget_end = start + MS(PING_BUDGET_MS), now = start;
	unsigned long done = 0;
	bool answered = true;

	while (done < pings && now < budget_end) {
		answered = event_send(port) == 0 && event_wait(port, now + MS(1000));
		if (!answered)
			break;
		done++;
		now = guest_now_ns();
	}
	uint64_t elapsed = now - start;

	CHECK(answered, "every event is answered");
	CHECK(done == pings || (done >= MIN_PINGS && pings > MIN_PINGS),
	      "all round trips, or at least 1000 when the machine is slow");
	CHECK_EQ(shared->pongs - pongs_before, done, "and the child counted each");
	if (done)
		printf("ping-pong: %lu round trips in %lu ms, mean round trip %lu ns\n", done,
		       elapsed / 1000000, elapsed / done);
}

static uint64_t spins_after(unsigned int ms)
{
	sleep_ns(MS(ms));
	return shared->spins;
}

static void check_pause(void)
{
	struct xen_domctl_getdomaininfo info;

	test_section("pausedomain and unpausedomain");
	shared->command = CHILD_SPIN;
	CHECK_EQ(event_send(port), 0, "the child is told to count");
	uint64_t deadline = ms_from_now(2000);
	while (shared->spins == 0 && guest_now_ns() < deadline)
		sleep_ns(MS(1));
	CHECK(shared->spins > 0, "and counts");

	CHECK_EQ(domain_pause(child), 0, "pausedomain");
	CHECK_EQ(domain_info(child, &info), 0, "getdomaininfo");
	CHECK(info.flags & XEN_DOMINF_paused, "shows it paused");
	uint64_t first = shared->spins, second = spins_after(20);
	printf("paused: %lu, then %lu 20 ms later\n", first, second);
	CHECK_EQ(second, first, "a paused domain does not run: its counter stands still");

	CHECK_EQ(domain_unpause(child), 0, "unpausedomain");
	CHECK_EQ(domain_info(child, &info), 0, "getdomaininfo");
	CHECK(!(info.flags & XEN_DOMINF_paused), "no longer paused");
	uint64_t third = spins_after(20);
	printf("unpaused: %lu 20 ms later\n", third);
	CHECK(third > second, "unpaused, it counts again");

	shared->command = CHILD_IDLE;
	CHECK(event_wait(port, ms_from_now(2000)), "it stops counting when told, and says so");
}

static evtchn_port_t dom_exc; /* our port for VIRQ_DOM_EXC */

static void check_shutdown(void)
{
	struct xen_domctl_getdomaininfo info;
	struct evtchn_bind_virq bind = {.virq = VIRQ_DOM_EXC, .vcpu = 0};

	test_section("the child takes its last vCPU down, which powers it off: VIRQ_DOM_EXC");
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind), 0,
		 "bind VIRQ_DOM_EXC (a global VIRQ, dom0's by default)");
	dom_exc = bind.port;
	CHECK(!event_take(dom_exc), "nothing pending yet");
	shared->command = CHILD_VCPU_DOWN;
	CHECK_EQ(event_send(port), 0, "the child is told to take its only vCPU down");
	CHECK(event_wait(dom_exc, ms_from_now(2000)), "VIRQ_DOM_EXC comes");
	print_child_console();
	CHECK_EQ(domain_info(child, &info), 0, "getdomaininfo");
	printf("after shutdown: flags %#x\n", info.flags);
	CHECK(info.flags & XEN_DOMINF_shutdown, "shows it shut down");
	CHECK_EQ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask,
		 SHUTDOWN_poweroff, "with the reason poweroff (its last vCPU went down)");
	CHECK(!(info.flags & XEN_DOMINF_dying), "not dying: the toolstack decides what next");
	CHECK_EQ(info.tot_pages, CHILD_PAGES, "and it still owns its memory");
}

static void check_destroy(void)
{
	struct xen_domctl_getdomaininfo info;

	test_section("destroydomain while dom0 still maps the child's page");
	long free_shut_down = machine_free_pages();
	CHECK_EQ(domain_destroy(child), 0, "destroydomain");
	bool signalled = event_wait(dom_exc, ms_from_now(500));
	printf("VIRQ_DOM_EXC after destroydomain: %s\n", signalled ? "yes" : "no");
	CHECK(signalled, "VIRQ_DOM_EXC comes again once the domain is dead");
	CHECK_EQ(domain_info(child, &info), 0, "getdomaininfo: the domain is still there");
	CHECK_EQ(info.domain, child, "the same domain");
	printf("after destroy: flags %#x, tot_pages %lu\n", info.flags, info.tot_pages);
	CHECK(info.flags & XEN_DOMINF_dying, "dying");
	CHECK_EQ(info.tot_pages, 1, "holding only the frame we map");
	CHECK_EQ(shared->magic, CHILD_MAGIC, "the frame still holds the child's page");
	shared->data[0] = 0x5a;
	CHECK_EQ(shared->data[0], 0x5a, "and we can still write it");
	long free_dying = machine_free_pages();
	printf("free pages: %ld before, %ld shut down, %ld dying\n", free_before, free_shut_down,
	       free_dying);
	CHECK(free_dying - free_shut_down >= CHILD_PAGES - 1,
	      "every other page of the child is free");

	struct gnttab_unmap_grant_ref unmap = {.host_addr = (uint64_t)grant_window,
					       .handle = shared_handle};
	CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1), 0,
		 "unmap_grant_ref");
	CHECK_EQ(unmap.status, GNTST_okay, "the mapping of a dead domain's grant goes away");
	shared = NULL;
	CHECK_EQ(foreign_unmap(grant_window), 0, "our own page back at the window");
	long free_unmapped = machine_free_pages();
	printf("free pages: %ld after the unmap (%+ld)\n", free_unmapped,
	       free_unmapped - free_dying);
	CHECK(free_unmapped - free_dying >= 1, "the frame is freed by the unmap");
	CHECK_EQ(domain_info(child, &info), -XEN_ESRCH, "the domain is gone");

	struct evtchn_close close = {.port = port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_close, &close), 0, "close our port");
	/* The domain's own structures go after an RCU grace period: wait for them. */
	long free_after = free_unmapped;
	for (unsigned int i = 0; i < 200 && free_after != free_before; i++) {
		sleep_ns(MS(10));
		free_after = machine_free_pages();
	}
	printf("free pages: %ld before the child, %ld after\n", free_before, free_after);
	CHECK(free_after <= free_before && free_after >= free_before - POOL_SLACK,
	      "every page is back (but the few Xen's pool may keep)");
}

void guest_main(const struct start_info *si)
{
	warm_up_grant_mapping();
	free_before = machine_free_pages();
	CHECK(free_before > CHILD_PAGES, "sysctl physinfo: enough free memory for the child");

	if (!build_child(si)) {
		pv_build_abort(&build);
		test_finish("builder");
	}
	check_built_domain();
	if (!start_child()) {
		pv_build_abort(&build);
		test_finish("builder");
	}
	check_child_view();
	check_shared_page();
	check_ring_exchange();
	check_ring_overrun();
	check_ping_pong();
	check_pause();
	check_shutdown();
	check_destroy();
	test_finish("builder");
}
