/*
 * Event channels, Xen's 2-level ABI: a domain's ports, each bound to something that can signal
 * it (another domain's port, a virtual IRQ, an IPI from its own vCPU). Signalling sets the
 * port's bit in shared_info's evtchn_pending; unless the port is masked, its word is flagged in
 * the notified vCPU's evtchn_pending_sel and evtchn_upcall_pending is raised, which makes the
 * vCPU take an upcall at its event callback the next time it returns to the guest.
 */
#ifndef PARVUS_EVENT_CHANNEL_H
#define PARVUS_EVENT_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>
#include <spinlock.h>

#define EVTCHN_WORD_BITS 64
#define EVTCHN_2L_PORTS (EVTCHN_WORD_BITS * EVTCHN_WORD_BITS) /* 4096 on x86-64 */
#define EVTCHN_BUCKET_PORTS 64 /* ports are allocated a bucket at a time */
#define EVTCHN_BUCKETS (EVTCHN_2L_PORTS / EVTCHN_BUCKET_PORTS)

enum evtchn_state {
	EVTCHN_FREE,
	EVTCHN_RESERVED, /* port 0: never handed out */
	EVTCHN_UNBOUND,	 /* waiting for remote_domid to bind to it */
	EVTCHN_INTERDOMAIN,
	EVTCHN_VIRQ,
	EVTCHN_IPI,
};

struct evtchn {
	uint8_t state;	       /* enum evtchn_state */
	uint16_t remote_domid; /* unbound, interdomain: the other domain */
	uint32_t notify_vcpu;  /* the vCPU its events go to */
	uint32_t remote_port;  /* interdomain: the port at the other end */
	uint32_t virq;	       /* virq: which one */
};

struct event_channels {
	spinlock_t lock; /* the port table and every port's binding */
	struct evtchn *buckets[EVTCHN_BUCKETS];
	uint32_t max_port; /* ports above it are never allocated (Xen's per-domain limit) */
};

struct domain;
struct vcpu;

/* Set up a domain's ports (port 0 reserved); 0 or -XEN_ENOMEM. */
int evtchn_domain_init(struct domain *d);
/* Close every port and free the table (a dying domain). */
void evtchn_domain_destroy(struct domain *d);

/* Raise a per-vCPU virtual IRQ (VIRQ_TIMER, ...) if the vCPU has it bound. */
void send_vcpu_virq(struct vcpu *v, unsigned int virq);
/* Raise a global virtual IRQ (VIRQ_DOM_EXC, ...) in domain d if it has it bound. */
void send_domain_virq(struct domain *d, unsigned int virq);

/* XEN_DOMCTL_set_virq_handler: d receives the global VIRQ from now on (-XEN_EINVAL for a
 * per-vCPU or unknown one); a dying domain gives its VIRQs back to dom0. */
int set_global_virq_handler(struct domain *d, uint32_t virq);
void forget_global_virq_handler(struct domain *d);
/* Raise a global VIRQ (VIRQ_DOM_EXC, ...) in the domain that handles it. */
void send_global_virq(unsigned int virq);

/* For SCHEDOP_poll: is the port bound (-XEN_EINVAL if not), and is it pending (1) or not (0)? */
int evtchn_poll_state(struct domain *d, uint32_t port);

/* Flag that vCPU v has events (evtchn_upcall_pending) and wake it if it sleeps. */
void vcpu_mark_events_pending(struct vcpu *v);
/* Does v have an event to take now: pending and not masked in its vcpu_info? */
bool vcpu_events_deliverable(const struct vcpu *v);

#endif
