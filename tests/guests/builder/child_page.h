/*
 * The page the child test kernel (tests/guests/child) grants to the builder (dom0), and the
 * words on its command line: what the two kernels agree on.
 *
 * The builder starts the child with "evtchn=P gref=G foreign_mfn=M": P is a port of dom0 the
 * child binds to, G the grant reference under which the child offers this page to dom0, M a
 * frame of dom0 the child must fail to map. Once ready, the child sends one event. Then, for
 * each event from dom0, it does what command says: PING answers with an event (and counts),
 * SPIN counts in spins until command changes, then answers; SHUTDOWN powers the child off.
 *
 * With "ring_evtchn=R ring_gref=Q" too, the child also grants a second page, under Q, for a
 * shared ring of the calc protocol below (ring/include/ring.h), and binds dom0's port R for the
 * ring's notifications alone. dom0 is the frontend and owns the ring: it initialises the page
 * before it first sends RING. On RING the child, as the backend, answers ring_requests requests
 * (or stops at a ring error), records how it went in ring_*, then answers with an event on the
 * first port.
 */
#ifndef BUILDER_CHILD_PAGE_H
#define BUILDER_CHILD_PAGE_H

#include <stdint.h>
#include "ring.h"

#define CHILD_MAGIC 0x6567617064696863ULL /* "childpag" */

enum child_command {
	CHILD_IDLE,
	CHILD_PING,
	CHILD_SPIN,
	CHILD_VCPU_DOWN, /* take its only vCPU down: as in Xen, the last one down powers it off */
	CHILD_RING,
};

/* The calc protocol: each request asks for one operation on two numbers. */
enum calc_op {
	CALC_ADD,
	CALC_MUL,
};

enum calc_status {
	CALC_OK,
	CALC_BAD_OP, /* an operation the child does not know; result 0 */
};

struct calc_request {
	uint64_t id; /* the frontend's, returned in the response */
	uint32_t op; /* enum calc_op */
	uint32_t pad;
	int64_t a, b;
};

struct calc_response {
	uint64_t id;
	int64_t result;
	int32_t status; /* enum calc_status */
	uint32_t pad;
};

RING_DECLARE(calc, struct calc_request, struct calc_response);

/*
 * What the child tried that only a privileged domain (or the owner) may do; the child records
 * each answer in probe[] for the builder to check.
 */
enum child_probe {
	PROBE_DOMCTL_INFO_OF_DOM0,   /* getdomaininfo of domain 0 */
	PROBE_DOMCTL_PAUSE_DOM0,     /* pausedomain of domain 0 */
	PROBE_DOMCTL_CREATE,	     /* createdomain */
	PROBE_DOMCTL_MISSING_DOMAIN, /* pausedomain of a domain that does not exist */
	PROBE_DOMCTL_BAD_VERSION,    /* getdomaininfo with another interface version */
	PROBE_SYSCTL_PHYSINFO,	     /* physinfo */
	PROBE_SYSCTL_BAD_VERSION,    /* physinfo with another interface version */
	PROBE_MAP_DOM0_FRAME,	     /* update_va_mapping of dom0's frame M */
	PROBE_MMU_UPDATE_AS_DOM0,    /* mmu_update of our entry to frame M, foreigndom 0 */
	PROBE_ALLOC_UNBOUND_IN_DOM0, /* EVTCHNOP_alloc_unbound with dom = 0 */
	PROBE_CONSOLE_IO,	     /* console_io write */
	PROBE_COUNT
};

struct child_page {
	uint64_t magic;	   /* CHILD_MAGIC once the page is filled */
	uint64_t nr_pages; /* the child's start_info, as it saw it */
	uint32_t si_flags;
	uint32_t local_port; /* the child's end of the channel */
	int64_t probe[PROBE_COUNT];
	uint32_t probe_page_kept; /* 1: after the probes its page still maps its own frame */

	/* Written by dom0 before it sends an event; read by the child. */
	volatile uint32_t command;
	/* Written by the child. */
	volatile uint64_t pongs; /* PING events answered */
	volatile uint64_t spins; /* counted while command is SPIN */

	/* The ring: dom0 sets ring_requests before RING; the child writes the rest. */
	volatile uint32_t ring_requests;     /* to answer this time */
	volatile uint32_t ring_answered;     /* requests answered, in all RING commands */
	volatile int32_t ring_status;	     /* 0, or the enum ring_result that stopped it */
	volatile uint32_t ring_final_checks; /* calc_back_final_check calls */
	volatile uint32_t ring_notifies;     /* events sent because push_notify said so */

	/* Free for dom0's reads, writes and grant copies. */
	uint8_t data[2048] __attribute__((aligned(64)));
};

#endif /* BUILDER_CHILD_PAGE_H */
