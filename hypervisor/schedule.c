/*
 * sched_op: a guest gives up the CPU (yield), sleeps until an event (block) or until one of
 * some ports is signalled (poll), asks to be shut down, or arms a watchdog. Sleeping is the
 * scheduler's business (scheduler.c): these mark the vCPU blocked and return, and the switch
 * happens on the way back to the guest.
 */
#include <domain.h>
#include <event_channel.h>
#include <hypercall.h>
#include <percpu.h>
#include <runstate.h>
#include <scheduler.h>
#include <system_time.h>
#include <timer.h>
#include <vcpu_time.h>
#include <vcpu_timer.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <public/xen.h>

#define POLL_MAX_PORTS 128

static void watchdog_expired(void *data)
{
	struct domain *d = data;

	domain_shutdown(d, SHUTDOWN_watchdog);
}

/* SCHEDOP_watchdog: id 0 makes a new one (its id is returned), timeout 0 destroys one, any
 * other call re-arms it for `timeout` seconds. Two per domain, ids 1 and 2, as in Xen. */
static long watchdog(struct domain *d, uint64_t arg)
{
	struct sched_watchdog w;
	long rc = 0;

	if (copy_from_guest_raw(&w, arg, sizeof(w)))
		return -XEN_EFAULT;
	/* Under the domain's watchdog lock: two vCPUs must not both take, or stop and set, one.
	 * Each timer is initialised once, on first use, and never while it may be queued. */
	uint64_t flags = local_irq_save();

	spin_lock(&d->watchdog_lock);
	if (w.id == 0) {
		rc = -XEN_ENOSPC;
		for (unsigned int i = 0; i < DOMAIN_WATCHDOGS; i++) {
			if (d->watchdog_active[i])
				continue;
			if (!d->watchdogs[i].fn)
				timer_init(&d->watchdogs[i], watchdog_expired, d, this_cpu()->id);
			d->watchdog_active[i] = true;
			timer_set(&d->watchdogs[i], now_ns() + (uint64_t)w.timeout * 1000000000ull);
			rc = i + 1;
			break;
		}
	} else if (w.id > DOMAIN_WATCHDOGS || !d->watchdog_active[w.id - 1]) {
		rc = -XEN_EINVAL;
	} else if (w.timeout == 0) {
		timer_stop(&d->watchdogs[w.id - 1]);
		d->watchdog_active[w.id - 1] = false;
	} else {
		timer_set(&d->watchdogs[w.id - 1], now_ns() + (uint64_t)w.timeout * 1000000000ull);
	}
	spin_unlock(&d->watchdog_lock);
	local_irq_restore(flags);
	return rc;
}

/* SCHEDOP_pin_override (dom0 only): keep this vCPU on one CPU, or (-1) stop doing so. */
static long pin_override(struct vcpu *v, uint64_t arg)
{
	struct sched_pin_override pin;

	if (!v->domain->is_privileged)
		return -XEN_EPERM;
	if (copy_from_guest_raw(&pin, arg, sizeof(pin)))
		return -XEN_EFAULT;
	if (pin.pcpu < 0) {
		if (v->pinned_cpu < 0)
			return -XEN_EINVAL;
		v->pinned_cpu = -1;
		return 0;
	}
	if (pin.pcpu >= MAX_CPUS || !cpus[pin.pcpu] || !cpus[pin.pcpu]->online)
		return -XEN_EINVAL;
	if (v->pinned_cpu >= 0)
		return -XEN_EBUSY;
	v->pinned_cpu = pin.pcpu;
	return 0;
}

/* SCHEDOP_block: events are enabled, and the vCPU sleeps unless one is there already. */
static void block(struct vcpu *v)
{
	__atomic_store_n(&v->vcpu_info->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
	if (vcpu_events_deliverable(v))
		v->blocked = false;
	else
		schedule_soon();
}

/*
 * SCHEDOP_poll: sleep until one of the ports is pending (any port of the domain, unless there
 * is exactly one), an event is deliverable, or the timeout (a system time; 0: none) passes.
 * Always 0 once the arguments are good, as in Xen.
 */
static long poll(struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	struct sched_poll request;
	long rc = 0;

	if (copy_from_guest_raw(&request, arg, sizeof(request)))
		return -XEN_EFAULT;
	if (request.nr_ports > POLL_MAX_PORTS)
		return -XEN_EINVAL;
	if (!guest_range_ok((uint64_t)request.ports.p, request.nr_ports * sizeof(evtchn_port_t)))
		return -XEN_EFAULT;
	/* Visible to wakers before the ports are looked at, so no signal is missed. */
	v->poll_port = -1;
	__atomic_store_n(&v->blocked, true, __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&d->poll_mask, 1ull << v->vcpu_id, __ATOMIC_SEQ_CST);
	if (vcpu_events_deliverable(v))
		goto out;
	evtchn_port_t port = 0;

	for (unsigned int i = 0; i < request.nr_ports; i++) {
		if (copy_from_guest_raw(&port, (uint64_t)request.ports.p + i * sizeof(port),
					sizeof(port))) {
			rc = -XEN_EFAULT;
			goto out;
		}
		int state = evtchn_poll_state(d, port);

		if (state != 0) { /* pending (1), or not a port (-EINVAL) */
			rc = state < 0 ? state : 0;
			goto out;
		}
	}
	if (request.nr_ports == 1)
		v->poll_port = (int)port;
	if (request.timeout)
		timer_set(&v->poll_timer, request.timeout);
	schedule_soon(); /* the poll ends when it runs again (scheduler.c tidies up) */
	return 0;
out:
	__atomic_fetch_and(&d->poll_mask, ~(1ull << v->vcpu_id), __ATOMIC_SEQ_CST);
	v->blocked = false;
	v->poll_port = -1;
	return rc;
}

long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		 uint64_t unused5)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;

	(void)unused3, (void)unused4, (void)unused5;
	switch ((uint32_t)cmd) { /* an int in Xen: the upper bits do not count */
	case SCHEDOP_yield:
		schedule_soon();
		return 0;
	case SCHEDOP_block:
		block(v);
		return 0;
	case SCHEDOP_shutdown: {
		struct sched_shutdown shutdown;

		if (copy_from_guest_raw(&shutdown, arg, sizeof(shutdown)))
			return -XEN_EFAULT;
		/* A reason recorded earlier with shutdown_code wins, as in Xen. */
		domain_shutdown(d, d->shutdown_code_set ? d->shutdown_code : shutdown.reason);
		return 0; /* reached only if the domain is not stopped at once */
	}
	case SCHEDOP_shutdown_code: {
		struct sched_shutdown shutdown;

		if (copy_from_guest_raw(&shutdown, arg, sizeof(shutdown)))
			return -XEN_EFAULT;
		if (!d->shutdown_code_set) { /* the first one is kept */
			d->shutdown_code = shutdown.reason;
			d->shutdown_code_set = true;
		}
		return 0;
	}
	case SCHEDOP_remote_shutdown: {
		/* dom0 asks for another domain's shutdown, with a reason (-ESRCH before -EPERM,
		 * as Xen looks the domain up first). */
		struct sched_remote_shutdown remote;

		if (copy_from_guest_raw(&remote, arg, sizeof(remote)))
			return -XEN_EFAULT;
		struct domain *target = domain_by_id(remote.domain_id);

		if (!target)
			return -XEN_ESRCH;
		if (!d->is_privileged)
			return -XEN_EPERM;
		if (!target->is_dying)
			domain_shutdown(target, remote.reason);
		return 0;
	}
	case SCHEDOP_poll:
		return poll(v, arg);
	case SCHEDOP_watchdog:
		return watchdog(d, arg);
	case SCHEDOP_pin_override:
		return pin_override(v, arg);
	default:
		return -XEN_ENOSYS;
	}
}

/* The old sched_op (number 6): the argument is a value, not a pointer. */
long do_sched_op_compat(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
			uint64_t unused5)
{
	(void)unused3, (void)unused4, (void)unused5;
	switch (cmd) {
	case SCHEDOP_yield:
		schedule_soon();
		return 0;
	case SCHEDOP_block:
		block(current_vcpu());
		return 0;
	case SCHEDOP_shutdown:
		domain_shutdown(current_vcpu()->domain, (unsigned int)arg);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
