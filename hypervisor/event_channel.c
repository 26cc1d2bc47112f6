/*
 * Event channels (hypercall event_channel_op), Xen's 2-level ABI. See event_channel.h for the
 * model. Every operation takes the domain's event lock; one that touches two domains takes
 * both, the lower domain id first. Signalling may also come from interrupt context (a timer
 * raising VIRQ_TIMER): it takes the same lock, which hypercalls hold only with interrupts off.
 *
 * The pending and mask bitmaps live in the guest's shared_info and the selector in its
 * vcpu_info: the guest changes them as it likes, so they are only ever touched with atomic
 * operations and never trusted for anything but which bits to set.
 */
#include <domain.h>
#include <event_channel.h>
#include <heap.h>
#include <hypercall.h>
#include <scheduler.h>
#include <stddef.h>
#include <string.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/xen.h>

/* Xen's own continuation of a preempted reset: a command number guests may send, which Xen's
 * public headers show only to Xen itself. */
#define EVTCHNOP_reset_cont 14

/* Xen's default per-domain limit for the 2-level ABI: every port it can name. */
#define EVTCHN_DEFAULT_MAX_PORT (EVTCHN_2L_PORTS - 1)

/* Which VIRQs belong to the domain (bound on vCPU 0, deliverable to any) rather than to one
 * vCPU: those Xen calls global. */
static bool virq_is_global(unsigned int virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return false;
	default:
		return virq < NR_VIRQS;
	}
}

static struct evtchn *port_lookup(const struct domain *d, uint32_t port)
{
	if (port > d->events.max_port || port >= EVTCHN_2L_PORTS)
		return NULL;
	struct evtchn *bucket = d->events.buckets[port / EVTCHN_BUCKET_PORTS];

	return bucket ? &bucket[port % EVTCHN_BUCKET_PORTS] : NULL;
}

/* The lowest free port, its bucket allocated if need be; or -XEN_ENOSPC / -XEN_ENOMEM. */
static long port_allocate(struct domain *d)
{
	if (d->is_dying) /* its table is being taken apart: no new port, as in Xen */
		return -XEN_EINVAL;
	for (uint32_t port = 0; port <= d->events.max_port && port < EVTCHN_2L_PORTS; port++) {
		struct evtchn **bucket = &d->events.buckets[port / EVTCHN_BUCKET_PORTS];

		if (!*bucket) {
			*bucket = heap_alloc(EVTCHN_BUCKET_PORTS * sizeof(struct evtchn));
			if (!*bucket)
				return -XEN_ENOMEM;
			memset(*bucket, 0, EVTCHN_BUCKET_PORTS * sizeof(struct evtchn));
		}
		if ((*bucket)[port % EVTCHN_BUCKET_PORTS].state == EVTCHN_FREE)
			return port;
	}
	return -XEN_ENOSPC;
}

/* --- the bits in shared_info and vcpu_info --- */

static bool test_and_set(volatile uint64_t *word, unsigned int bit)
{
	return (__atomic_fetch_or(word, 1ull << bit, __ATOMIC_SEQ_CST) >> bit) & 1;
}

static bool test_and_clear(volatile uint64_t *word, unsigned int bit)
{
	return (__atomic_fetch_and(word, ~(1ull << bit), __ATOMIC_SEQ_CST) >> bit) & 1;
}

static bool test(const volatile uint64_t *word, unsigned int bit)
{
	return (__atomic_load_n(word, __ATOMIC_SEQ_CST) >> bit) & 1;
}

static volatile uint64_t *pending_word(struct domain *d, uint32_t port)
{
	return (volatile uint64_t *)&d->shared_info->evtchn_pending[port / EVTCHN_WORD_BITS];
}

static volatile uint64_t *mask_word(struct domain *d, uint32_t port)
{
	return (volatile uint64_t *)&d->shared_info->evtchn_mask[port / EVTCHN_WORD_BITS];
}

static volatile uint64_t *selector_of(struct vcpu *v)
{
	return (volatile uint64_t *)&v->vcpu_info->evtchn_pending_sel;
}

void vcpu_mark_events_pending(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
		return;
	vcpu_wake(v);	      /* a vCPU asleep in block or poll wakes for it */
	scheduler_notify(v); /* one running on another CPU takes its upcall now */
}

bool vcpu_events_deliverable(const struct vcpu *v)
{
	return __atomic_load_n(&v->vcpu_info->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&v->vcpu_info->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}

/* Signal port of d: pending, and unless masked flagged for its vCPU. Domain's lock held. */
static void set_pending(struct domain *d, uint32_t port)
{
	struct evtchn *chn = port_lookup(d, port);
	struct vcpu *v = chn ? domain_vcpu(d, chn->notify_vcpu) : NULL;

	if (!v || test_and_set(pending_word(d, port), port % EVTCHN_WORD_BITS))
		return;
	if (!test(mask_word(d, port), port % EVTCHN_WORD_BITS) &&
	    !test_and_set(selector_of(v), port / EVTCHN_WORD_BITS))
		vcpu_mark_events_pending(v);
	vcpu_wake_pollers(d, port);
}

/* --- locking one or two domains --- */

static void lock_two(struct domain *a, struct domain *b)
{
	if (a == b) {
		spin_lock(&a->events.lock);
	} else if (a->domain_id < b->domain_id) {
		spin_lock(&a->events.lock);
		spin_lock(&b->events.lock);
	} else {
		spin_lock(&b->events.lock);
		spin_lock(&a->events.lock);
	}
}

static void unlock_two(struct domain *a, struct domain *b)
{
	spin_unlock(&a->events.lock);
	if (a != b)
		spin_unlock(&b->events.lock);
}

/* --- the operations --- */

static long alloc_unbound(struct domain *caller, struct evtchn_alloc_unbound *op)
{
	int error;
	struct domain *d = domain_for_caller(caller, op->dom, &error);

	if (!d)
		return error;
	uint16_t remote = op->remote_dom == DOMID_SELF ? caller->domain_id : op->remote_dom;

	spin_lock(&d->events.lock);
	long port = port_allocate(d);

	if (port >= 0) {
		struct evtchn *chn = port_lookup(d, (uint32_t)port);

		chn->state = EVTCHN_UNBOUND;
		chn->remote_domid = remote;
		chn->notify_vcpu = 0;
		op->port = (uint32_t)port;
	}
	spin_unlock(&d->events.lock);
	return port < 0 ? port : 0;
}

static long bind_interdomain(struct domain *d, struct evtchn_bind_interdomain *op)
{
	struct domain *remote = op->remote_dom == DOMID_SELF ? d : domain_by_id(op->remote_dom);

	if (!remote)
		return -XEN_ESRCH;
	lock_two(d, remote);
	/* The local port first, as Xen: with none free, -ENOSPC whatever the remote port. It is
	 * taken only if the bind succeeds. */
	long port = port_allocate(d);
	struct evtchn *rchn = port_lookup(remote, op->remote_port);

	if (port >= 0 &&
	    (!rchn || rchn->state != EVTCHN_UNBOUND || rchn->remote_domid != d->domain_id))
		port = -XEN_EINVAL;
	if (port >= 0) {
		struct evtchn *lchn = port_lookup(d, (uint32_t)port);

		lchn->state = EVTCHN_INTERDOMAIN;
		lchn->remote_domid = remote->domain_id;
		lchn->remote_port = op->remote_port;
		lchn->notify_vcpu = 0;
		rchn->state = EVTCHN_INTERDOMAIN;
		rchn->remote_domid = d->domain_id;
		rchn->remote_port = (uint32_t)port;
		op->local_port = (uint32_t)port;
		/* Sends to the remote end while it was unbound went nowhere: the new end is made
		 * pending so that its owner looks, as Xen does. */
		set_pending(d, (uint32_t)port);
	}
	unlock_two(d, remote);
	return port < 0 ? port : 0;
}

static long bind_virq(struct domain *d, struct evtchn_bind_virq *op)
{
	if (op->virq >= NR_VIRQS)
		return -XEN_EINVAL;
	if (virq_is_global(op->virq) && op->vcpu != 0)
		return -XEN_EINVAL;
	struct vcpu *v = domain_vcpu(d, op->vcpu);

	if (!v)
		return -XEN_ENOENT;
	spin_lock(&d->events.lock);
	long port = v->virq_to_port[op->virq] ? -XEN_EEXIST : port_allocate(d);

	if (port >= 0) {
		struct evtchn *chn = port_lookup(d, (uint32_t)port);

		chn->state = EVTCHN_VIRQ;
		chn->virq = op->virq;
		chn->notify_vcpu = op->vcpu;
		v->virq_to_port[op->virq] = (uint32_t)port;
		op->port = (uint32_t)port;
	}
	spin_unlock(&d->events.lock);
	return port < 0 ? port : 0;
}

/* No physical IRQ is given to a guest yet: a number past dom0's 208 PIRQs is -EINVAL, any
 * other is not the caller's to bind, -EPERM (what Xen answers for a PIRQ not mapped). */
#define DOM0_NR_PIRQS 208

static long bind_pirq(const struct evtchn_bind_pirq *op)
{
	return op->pirq >= DOM0_NR_PIRQS ? -XEN_EINVAL : -XEN_EPERM;
}

static long bind_ipi(struct domain *d, struct evtchn_bind_ipi *op)
{
	if (!domain_vcpu(d, op->vcpu))
		return -XEN_ENOENT;
	spin_lock(&d->events.lock);
	long port = port_allocate(d);

	if (port >= 0) {
		struct evtchn *chn = port_lookup(d, (uint32_t)port);

		chn->state = EVTCHN_IPI;
		chn->notify_vcpu = op->vcpu;
		op->port = (uint32_t)port;
	}
	spin_unlock(&d->events.lock);
	return port < 0 ? port : 0;
}

/* Close port of d; the caller holds d's lock and, for an interdomain port, the peer's. */
static void close_locked(struct domain *d, struct evtchn *chn, uint32_t port,
			 struct domain *peer)
{
	if (chn->state == EVTCHN_VIRQ) {
		struct vcpu *v = domain_vcpu(d, virq_is_global(chn->virq) ? 0 : chn->notify_vcpu);

		if (v && v->virq_to_port[chn->virq] == port)
			v->virq_to_port[chn->virq] = 0;
	}
	if (chn->state == EVTCHN_INTERDOMAIN && peer) {
		struct evtchn *other = port_lookup(peer, chn->remote_port);

		/* The other end waits again, for us to bind - if it is still our partner. */
		if (other && other->state == EVTCHN_INTERDOMAIN &&
		    other->remote_domid == d->domain_id && other->remote_port == port) {
			other->state = EVTCHN_UNBOUND;
			other->remote_domid = d->domain_id;
		}
	}
	/* A port reused later must not come with an old event (Xen clears it too). */
	test_and_clear(pending_word(d, port), port % EVTCHN_WORD_BITS);
	memset(chn, 0, sizeof(*chn));
	chn->state = EVTCHN_FREE;
}

/* Close one port of d, locking what it needs. */
static long close_port(struct domain *d, uint32_t port)
{
	spin_lock(&d->events.lock);
	struct evtchn *chn = port_lookup(d, port);

	if (!chn || chn->state == EVTCHN_FREE || chn->state == EVTCHN_RESERVED) {
		spin_unlock(&d->events.lock);
		return -XEN_EINVAL;
	}
	if (chn->state != EVTCHN_INTERDOMAIN) {
		close_locked(d, chn, port, NULL);
		spin_unlock(&d->events.lock);
		return 0;
	}
	/* Two domains: drop ours, take both in order, and look again (it may have changed). */
	uint16_t peer_id = chn->remote_domid;

	spin_unlock(&d->events.lock);
	struct domain *peer = domain_by_id(peer_id);

	if (!peer)
		peer = d; /* gone: nothing at the other end to update */
	lock_two(d, peer);
	chn = port_lookup(d, port);
	long rc = 0;

	if (!chn || chn->state == EVTCHN_FREE || chn->state == EVTCHN_RESERVED)
		rc = -XEN_EINVAL;
	else
		close_locked(d, chn, port,
			     chn->state == EVTCHN_INTERDOMAIN && chn->remote_domid == peer->domain_id
				     ? peer
				     : NULL);
	unlock_two(d, peer);
	return rc;
}

static long send(struct domain *d, uint32_t port)
{
	spin_lock(&d->events.lock);
	struct evtchn *chn = port_lookup(d, port);
	long rc = 0;

	if (!chn) {
		rc = -XEN_EINVAL;
	} else if (chn->state == EVTCHN_IPI) {
		set_pending(d, port);
	} else if (chn->state == EVTCHN_UNBOUND) {
		/* Nobody to tell yet: silently dropped, as in Xen. */
	} else if (chn->state != EVTCHN_INTERDOMAIN) {
		rc = -XEN_EINVAL;
	} else if (chn->remote_domid == d->domain_id) {
		set_pending(d, chn->remote_port); /* a loopback pair within one domain */
	} else {
		uint16_t peer_id = chn->remote_domid;

		spin_unlock(&d->events.lock);
		struct domain *peer = domain_by_id(peer_id);

		if (!peer)
			return 0;
		lock_two(d, peer);
		chn = port_lookup(d, port);
		if (chn && chn->state == EVTCHN_INTERDOMAIN && chn->remote_domid == peer_id)
			set_pending(peer, chn->remote_port);
		unlock_two(d, peer);
		return 0;
	}
	spin_unlock(&d->events.lock);
	return rc;
}

static long status(struct domain *caller, struct evtchn_status *op)
{
	int error;
	struct domain *d = domain_for_caller(caller, op->dom, &error);

	if (!d)
		return error;
	spin_lock(&d->events.lock);
	struct evtchn *chn = port_lookup(d, op->port);
	long rc = 0;

	if (!chn) {
		rc = -XEN_EINVAL;
		goto out;
	}
	/* The fields of u a state does not use keep the caller's bytes, as in Xen. */
	op->vcpu = chn->notify_vcpu;
	switch (chn->state) {
	case EVTCHN_FREE:
	case EVTCHN_RESERVED:
		op->status = EVTCHNSTAT_closed;
		break;
	case EVTCHN_UNBOUND:
		op->status = EVTCHNSTAT_unbound;
		op->u.unbound.dom = chn->remote_domid;
		break;
	case EVTCHN_INTERDOMAIN:
		op->status = EVTCHNSTAT_interdomain;
		op->u.interdomain.dom = chn->remote_domid;
		op->u.interdomain.port = chn->remote_port;
		break;
	case EVTCHN_VIRQ:
		op->status = EVTCHNSTAT_virq;
		op->u.virq = chn->virq;
		break;
	case EVTCHN_IPI:
		op->status = EVTCHNSTAT_ipi;
		break;
	}
out:
	spin_unlock(&d->events.lock);
	return rc;
}

static long bind_vcpu(struct domain *d, struct evtchn_bind_vcpu *op)
{
	if (!domain_vcpu(d, op->vcpu))
		return -XEN_ENOENT;
	spin_lock(&d->events.lock);
	struct evtchn *chn = port_lookup(d, op->port);
	long rc = 0;

	if (!chn)
		rc = -XEN_EINVAL;
	else if (chn->state == EVTCHN_UNBOUND || chn->state == EVTCHN_INTERDOMAIN ||
		 (chn->state == EVTCHN_VIRQ && virq_is_global(chn->virq)))
		chn->notify_vcpu = op->vcpu;
	else
		rc = -XEN_EINVAL;
	spin_unlock(&d->events.lock);
	return rc;
}

static long unmask(struct domain *d, uint32_t port)
{
	spin_lock(&d->events.lock);
	struct evtchn *chn = port_lookup(d, port);
	struct vcpu *v = chn ? domain_vcpu(d, chn->notify_vcpu) : NULL;

	if (!chn) {
		spin_unlock(&d->events.lock);
		return -XEN_EINVAL;
	}
	/* An event that arrived while masked is flagged now. */
	if (v && test_and_clear(mask_word(d, port), port % EVTCHN_WORD_BITS) &&
	    test(pending_word(d, port), port % EVTCHN_WORD_BITS) &&
	    !test_and_set(selector_of(v), port / EVTCHN_WORD_BITS))
		vcpu_mark_events_pending(v);
	spin_unlock(&d->events.lock);
	return 0;
}

/* Close every port of d but port 0. */
static void close_all(struct domain *d)
{
	for (uint32_t port = 1; port <= d->events.max_port && port < EVTCHN_2L_PORTS; port++) {
		struct evtchn *chn = port_lookup(d, port);

		if (chn && chn->state != EVTCHN_FREE && chn->state != EVTCHN_RESERVED)
			close_port(d, port);
	}
}

static long reset(struct domain *caller, struct evtchn_reset *op)
{
	int error;
	struct domain *d = domain_for_caller(caller, op->dom, &error);

	if (!d)
		return error;
	close_all(d);
	return 0;
}

int evtchn_domain_init(struct domain *d)
{
	spin_lock_init(&d->events.lock);
	d->events.max_port = EVTCHN_DEFAULT_MAX_PORT;
	long port = port_allocate(d);

	if (port < 0)
		return (int)port;
	port_lookup(d, 0)->state = EVTCHN_RESERVED;
	return 0;
}

void evtchn_domain_destroy(struct domain *d)
{
	close_all(d);
	/* Under the lock: a VIRQ raised from another CPU meanwhile finds no port, not a freed
	 * one. */
	spin_lock(&d->events.lock);
	for (unsigned int b = 0; b < EVTCHN_BUCKETS; b++) {
		heap_free(d->events.buckets[b]);
		d->events.buckets[b] = NULL;
	}
	spin_unlock(&d->events.lock);
}

void send_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;

	spin_lock(&d->events.lock);
	if (v->virq_to_port[virq])
		set_pending(d, v->virq_to_port[virq]);
	spin_unlock(&d->events.lock);
}

void send_domain_virq(struct domain *d, unsigned int virq)
{
	struct vcpu *v = domain_vcpu(d, 0); /* global VIRQs are bound on vCPU 0 */

	if (v)
		send_vcpu_virq(v, virq);
}

/* Who receives each global VIRQ: dom0 unless XEN_DOMCTL_set_virq_handler said otherwise. */
static struct domain *global_virq_handlers[NR_VIRQS];

int set_global_virq_handler(struct domain *d, uint32_t virq)
{
	if (virq >= NR_VIRQS || !virq_is_global(virq))
		return -XEN_EINVAL;
	__atomic_store_n(&global_virq_handlers[virq], d->domain_id == 0 ? NULL : d,
			 __ATOMIC_SEQ_CST);
	return 0;
}

void forget_global_virq_handler(struct domain *d)
{
	for (unsigned int virq = 0; virq < NR_VIRQS; virq++) {
		struct domain *expected = d;

		__atomic_compare_exchange_n(&global_virq_handlers[virq], &expected, NULL, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	}
}

void send_global_virq(unsigned int virq)
{
	struct domain *d = __atomic_load_n(&global_virq_handlers[virq], __ATOMIC_SEQ_CST);

	if (!d)
		d = domain_by_id(0);
	if (d)
		send_domain_virq(d, virq);
}

int evtchn_poll_state(struct domain *d, uint32_t port)
{
	spin_lock(&d->events.lock);
	struct evtchn *chn = port_lookup(d, port);
	/* Only a port bound to something can be polled: port 0 or a free one is -EINVAL. */
	int rc = chn && chn->state != EVTCHN_FREE && chn->state != EVTCHN_RESERVED
			 ? test(pending_word(d, port), port % EVTCHN_WORD_BITS)
			 : -XEN_EINVAL;

	spin_unlock(&d->events.lock);
	return rc;
}

/* One operation: its argument read, done, and (for those with results) written back. */
static long event_channel_command(uint32_t cmd, uint64_t arg)
{
	struct domain *d = current_vcpu()->domain;
	union {
		struct evtchn_alloc_unbound alloc_unbound;
		struct evtchn_bind_interdomain bind_interdomain;
		struct evtchn_bind_virq bind_virq;
		struct evtchn_bind_ipi bind_ipi;
		struct evtchn_close close;
		struct evtchn_send send;
		struct evtchn_status status;
		struct evtchn_bind_vcpu bind_vcpu;
		struct evtchn_unmask unmask;
		struct evtchn_reset reset;
		struct evtchn_bind_pirq bind_pirq;
		struct evtchn_init_control init_control;
		struct evtchn_expand_array expand_array;
		struct evtchn_set_priority set_priority;
	} op;
	size_t size;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound: size = sizeof(op.alloc_unbound); break;
	case EVTCHNOP_bind_interdomain: size = sizeof(op.bind_interdomain); break;
	case EVTCHNOP_bind_virq: size = sizeof(op.bind_virq); break;
	case EVTCHNOP_bind_ipi: size = sizeof(op.bind_ipi); break;
	case EVTCHNOP_close: size = sizeof(op.close); break;
	case EVTCHNOP_send: size = sizeof(op.send); break;
	case EVTCHNOP_status: size = sizeof(op.status); break;
	case EVTCHNOP_bind_vcpu: size = sizeof(op.bind_vcpu); break;
	case EVTCHNOP_unmask: size = sizeof(op.unmask); break;
	case EVTCHNOP_reset: size = sizeof(op.reset); break;
	case EVTCHNOP_reset_cont: size = sizeof(op.reset); break;
	case EVTCHNOP_bind_pirq: size = sizeof(op.bind_pirq); break;
	case EVTCHNOP_init_control: size = sizeof(op.init_control); break;
	case EVTCHNOP_expand_array: size = sizeof(op.expand_array); break;
	case EVTCHNOP_set_priority: size = sizeof(op.set_priority); break;
	default:
		return -XEN_ENOSYS; /* before the argument is read, as in Xen */
	}
	if (copy_from_guest_raw(&op, arg, size))
		return -XEN_EFAULT;
	long rc;
	bool write_back = false;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		rc = alloc_unbound(d, &op.alloc_unbound);
		write_back = rc == 0;
		break;
	case EVTCHNOP_bind_interdomain:
		rc = bind_interdomain(d, &op.bind_interdomain);
		write_back = rc == 0;
		break;
	case EVTCHNOP_bind_virq:
		rc = bind_virq(d, &op.bind_virq);
		write_back = rc == 0;
		break;
	case EVTCHNOP_bind_ipi:
		rc = bind_ipi(d, &op.bind_ipi);
		write_back = rc == 0;
		break;
	case EVTCHNOP_close:
		rc = close_port(d, op.close.port);
		break;
	case EVTCHNOP_send:
		rc = send(d, op.send.port);
		break;
	case EVTCHNOP_status:
		rc = status(d, &op.status);
		write_back = rc == 0;
		break;
	case EVTCHNOP_bind_vcpu:
		rc = bind_vcpu(d, &op.bind_vcpu);
		break;
	case EVTCHNOP_unmask:
		rc = unmask(d, op.unmask.port);
		break;
	case EVTCHNOP_reset:
		rc = reset(d, &op.reset);
		break;
	case EVTCHNOP_reset_cont: { /* our resets are never preempted: none to carry on */
		int error;

		rc = domain_for_caller(d, op.reset.dom, &error) ? -XEN_EBUSY : error;
		break;
	}
	case EVTCHNOP_bind_pirq:
		rc = bind_pirq(&op.bind_pirq);
		break;
	default: /* the FIFO ABI, which Parvus does not offer */
		rc = -XEN_ENOSYS;
		break;
	}
	if (write_back && copy_to_guest_raw(arg, &op, size))
		return -XEN_EFAULT;
	return rc;
}

long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
			 uint64_t unused5)
{
	(void)unused3, (void)unused4, (void)unused5;
	return event_channel_command((uint32_t)cmd, arg); /* an int in Xen */
}

/* The old form (hypercall 16): one struct evtchn_op, the command then its argument. Xen reads
 * the whole of it first and knows only the commands its union holds. */
long do_event_channel_op_compat(uint64_t arg, uint64_t unused2, uint64_t unused3,
				uint64_t unused4, uint64_t unused5)
{
	struct evtchn_op op;

	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.cmd == EVTCHNOP_reset || op.cmd > EVTCHNOP_unmask)
		return -XEN_ENOSYS;
	return event_channel_command(op.cmd, arg + offsetof(struct evtchn_op, u));
}
