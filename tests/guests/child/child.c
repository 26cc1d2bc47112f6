/*
 * child: the unprivileged domain the builder test kernel (tests/guests/builder) builds and runs
 * with domctl. It is not a test on its own: it cannot print (Xen refuses console_io to a domU;
 * its printf goes to the console ring, which the builder reads) and it checks nothing itself.
 * It records what the hypervisor answered to what it tried in a page it grants to dom0
 * (builder/child_page.h), and the builder checks those answers against Xen's.
 *
 * With ring_evtchn= and ring_gref= on its command line it is also the backend of a shared ring
 * in a second page it grants to dom0, answering calc requests (child_page.h) on the RING
 * command.
 *
 * With the word "spin" on its command line it does none of that: it only counts, for ever, a
 * busy domain for the fairness test kernel (tests/guests/fairness) to share a CPU between.
 *
 * Started by hand as dom0 it has no command line to work from and crashes at once.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include <public/domctl.h>
#include <public/errno.h>
#include <public/sysctl.h>
#include "../builder/child_page.h"
#include "event_wait.h"
#include "guest_lib.h"

#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define MISSING_DOMAIN 0x7fef /* an ordinary id the builder never creates */

/* The page we grant to dom0 (one frame of our own, in .bss). */
static struct child_page page __attribute__((aligned(PAGE_SIZE)));
_Static_assert(sizeof(page) <= PAGE_SIZE, "the child's page is one page");

/* The page of the shared ring, granted too; dom0 initialises it. */
static uint8_t ring_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static evtchn_port_t ring_port; /* 0: no ring on our command line */

static unsigned long number(const char *name)
{
	unsigned long value;

	if (!guest_cmdline_number(name, &value))
		guest_crash("no %s= on the command line '%s'", name, guest_cmdline());
	return value;
}

static long domctl_as(uint32_t cmd, domid_t domain, uint32_t version)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.interface_version = version;
	op.domain = domain;
	return HYPERVISOR_domctl(&op);
}

static long physinfo_as(uint32_t version)
{
	struct xen_sysctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_SYSCTL_physinfo;
	op.interface_version = version;
	return HYPERVISOR_sysctl(&op);
}

/* Try what only dom0 may do, and mapping a frame we do not own; record every answer. */
static void probe_privilege(unsigned long dom0_mfn)
{
	const uint32_t version = XEN_DOMCTL_INTERFACE_VERSION;
	void *probe_page = scratch_page(1);

	page.probe[PROBE_DOMCTL_INFO_OF_DOM0] = domctl_as(XEN_DOMCTL_getdomaininfo, 0, version);
	page.probe[PROBE_DOMCTL_PAUSE_DOM0] = domctl_as(XEN_DOMCTL_pausedomain, 0, version);
	page.probe[PROBE_DOMCTL_CREATE] = domctl_as(XEN_DOMCTL_createdomain, 0, version);
	page.probe[PROBE_DOMCTL_MISSING_DOMAIN] =
		domctl_as(XEN_DOMCTL_pausedomain, MISSING_DOMAIN, version);
	page.probe[PROBE_DOMCTL_BAD_VERSION] = domctl_as(XEN_DOMCTL_getdomaininfo, 0, version - 1);
	page.probe[PROBE_SYSCTL_PHYSINFO] = physinfo_as(XEN_SYSCTL_INTERFACE_VERSION);
	page.probe[PROBE_SYSCTL_BAD_VERSION] = physinfo_as(XEN_SYSCTL_INTERFACE_VERSION - 1);

	page.probe[PROBE_MAP_DOM0_FRAME] = map_page(probe_page, dom0_mfn, PTE_RW);
	struct mmu_update update = {
		.ptr = guest_l1_entry_maddr((unsigned long)probe_page) | MMU_NORMAL_PT_UPDATE,
		.val = (dom0_mfn << PAGE_SHIFT) | PTE_RW,
	};
	page.probe[PROBE_MMU_UPDATE_AS_DOM0] = HYPERVISOR_mmu_update(&update, 1, NULL, 0);
	uint64_t pte = guest_lookup_pte((unsigned long)probe_page, NULL);
	page.probe_page_kept = (pte & PTE_ADDRESS_MASK) == virt_to_mfn(probe_page) << PAGE_SHIFT;

	struct evtchn_alloc_unbound alloc = {.dom = 0, .remote_dom = DOMID_SELF};
	page.probe[PROBE_ALLOC_UNBOUND_IN_DOM0] =
		HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);
	char text[] = "child: console_io from a domU\n";
	page.probe[PROBE_CONSOLE_IO] =
		HYPERVISOR_console_io(CONSOLEIO_write, sizeof(text) - 1, text);
}

/* Offer frame to dom0 through entry gref of our grant table (version 1). */
static void grant_page(grant_ref_t gref, const void *frame_page)
{
	xen_pfn_t frame = 0;
	struct gnttab_setup_table setup = {.dom = DOMID_SELF, .nr_frames = 1};

	set_xen_guest_handle(setup.frame_list, &frame);
	long rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &setup, 1);
	if (rc || setup.status != GNTST_okay)
		guest_crash("GNTTABOP_setup_table: %ld, status %d", rc, setup.status);
	if (gref >= PAGE_SIZE / sizeof(struct grant_entry_v1))
		guest_crash("gref %u is past our table's first frame", gref);

	volatile struct grant_entry_v1 *table = scratch_page(0);
	rc = map_page((void *)table, frame, PTE_RW);
	if (rc)
		guest_crash("cannot map our grant table frame %#lx: %ld", frame, rc);
	table[gref].domid = 0;
	table[gref].frame = (uint32_t)virt_to_mfn(frame_page);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* the flags last: then the entry is valid */
	table[gref].flags = GTF_permit_access;
}

static int64_t calc(const struct calc_request *req, int32_t *status)
{
	*status = CALC_OK;
	switch (req->op) {
	case CALC_ADD:
		return (int64_t)((uint64_t)req->a + (uint64_t)req->b);
	case CALC_MUL:
		return (int64_t)((uint64_t)req->a * (uint64_t)req->b);
	default:
		*status = CALC_BAD_OP;
		return 0;
	}
}

/*
 * The backend: answer ring_requests requests, notifying dom0 only when the ring says so, and
 * sleeping on the ring's port when final_check has armed req_event. A ring error (dom0's
 * req_prod out of bounds) stops it; nothing past the bad index is read.
 */
static void serve_ring(void)
{
	static struct calc_back_ring back;
	static bool attached;

	if (!ring_port)
		guest_crash("RING, but no ring_evtchn= on our command line");
	if (!attached) {
		if (calc_back_init(&back, (struct calc_sring *)ring_page, PAGE_SIZE) != RING_OK)
			guest_crash("the ring page holds no entry");
		attached = true;
	}
	uint32_t target = page.ring_requests, answered = 0;
	int rc = RING_OK;

	while (answered < target) {
		struct calc_request req;

		while (answered < target && (rc = calc_back_take_request(&back, &req)) == RING_OK) {
			struct calc_response *rsp = calc_back_next_response(&back);

			rsp->id = req.id;
			rsp->result = calc(&req, &rsp->status);
			answered++;
		}
		if (calc_back_push_notify(&back)) {
			page.ring_notifies++;
			event_send(ring_port);
		}
		if (rc < 0 || answered == target)
			break;
		page.ring_final_checks++;
		rc = calc_back_final_check(&back);
		if (rc < 0)
			break;
		if (rc == 0)
			event_wait(ring_port, 0);
	}
	page.ring_answered += answered;
	page.ring_status = rc < 0 ? rc : 0;
	if (rc < 0)
		printf("child: ring stopped after %u requests: %s\n", answered,
		       ring_result_name(rc));
}

/* Answer dom0's events for ever, as command says. */
static __attribute__((noreturn)) void serve(evtchn_port_t port)
{
	for (;;) {
		event_wait(port, 0);
		switch (page.command) {
		case CHILD_PING:
			page.pongs++;
			event_send(port);
			break;
		case CHILD_SPIN:
			while (page.command == CHILD_SPIN)
				page.spins++;
			event_send(port);
			break;
		case CHILD_RING:
			serve_ring();
			event_send(port);
			break;
		case CHILD_VCPU_DOWN:
			printf("child: VCPUOP_down of my only vCPU\n");
			HYPERVISOR_vcpu_op(VCPUOP_down, 0, NULL);
			guest_crash("VCPUOP_down of the last vCPU returned");
		default:
			event_send(port);
			break;
		}
	}
}

/* "spin": busy for ever, never blocking, so that the scheduler alone decides how much it runs. */
static __attribute__((noreturn)) void spin(void)
{
	volatile uint64_t count = 0;

	printf("child: spinning\n");
	for (;;)
		count++;
}

void guest_main(const struct start_info *si)
{
	printf("child: started, command line '%s'\n", guest_cmdline());
	if (si->flags & SIF_INITDOMAIN)
		guest_crash("the child runs under a dom0 test kernel, not as dom0");
	if (guest_cmdline_has("spin"))
		spin();
	unsigned long dom0_port = number("evtchn"), gref = number("gref");
	unsigned long dom0_mfn = number("foreign_mfn");

	page.nr_pages = si->nr_pages;
	page.si_flags = si->flags;
	probe_privilege(dom0_mfn);

	struct evtchn_bind_interdomain bind = {.remote_dom = 0,
					       .remote_port = (evtchn_port_t)dom0_port};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
	if (rc)
		guest_crash("cannot bind to dom0's port %lu: %ld", dom0_port, rc);
	page.local_port = bind.local_port;
	page.magic = CHILD_MAGIC;
	grant_page((grant_ref_t)gref, &page);
	printf("child: bound port %u to dom0's %lu, page granted as %lu; ready\n", bind.local_port,
	       dom0_port, gref);

	unsigned long dom0_ring_port, ring_gref;
	if (guest_cmdline_number("ring_evtchn", &dom0_ring_port) &&
	    guest_cmdline_number("ring_gref", &ring_gref)) {
		struct evtchn_bind_interdomain ring_bind = {
			.remote_dom = 0, .remote_port = (evtchn_port_t)dom0_ring_port};
		rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &ring_bind);
		if (rc)
			guest_crash("cannot bind to dom0's ring port %lu: %ld", dom0_ring_port, rc);
		ring_port = ring_bind.local_port;
		grant_page((grant_ref_t)ring_gref, ring_page);
		printf("child: ring port %u, ring page granted as %lu\n", ring_port, ring_gref);
	}

	event_send(bind.local_port); /* ready */
	serve(bind.local_port);
}
