/*
 * Short forms of the event-channel hypercalls and the 2-level bits, for the event_channel
 * test kernel (see ports.h).
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include "ports.h"

unsigned int nr_vcpus;

long evtchn_op(int cmd, void *arg)
{
	return HYPERVISOR_event_channel_op(cmd, arg);
}

long alloc_unbound(domid_t dom, domid_t remote_dom)
{
	struct evtchn_alloc_unbound alloc = {.dom = dom, .remote_dom = remote_dom};
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &alloc);
	return rc ? rc : (long)alloc.port;
}

long bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port)
{
	struct evtchn_bind_interdomain bind = {.remote_dom = remote_dom,
					       .remote_port = remote_port};
	long rc = evtchn_op(EVTCHNOP_bind_interdomain, &bind);
	return rc ? rc : (long)bind.local_port;
}

long bind_ipi(uint32_t vcpu)
{
	struct evtchn_bind_ipi bind = {.vcpu = vcpu};
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &bind);
	return rc ? rc : (long)bind.port;
}

long bind_virq(uint32_t virq, uint32_t vcpu)
{
	struct evtchn_bind_virq bind = {.virq = virq, .vcpu = vcpu};
	long rc = evtchn_op(EVTCHNOP_bind_virq, &bind);
	return rc ? rc : (long)bind.port;
}

long close_port(evtchn_port_t port)
{
	struct evtchn_close close = {.port = port};
	return evtchn_op(EVTCHNOP_close, &close);
}

long send_port(evtchn_port_t port)
{
	struct evtchn_send send = {.port = port};
	return evtchn_op(EVTCHNOP_send, &send);
}

long unmask_port(evtchn_port_t port)
{
	struct evtchn_unmask unmask = {.port = port};
	return evtchn_op(EVTCHNOP_unmask, &unmask);
}

long bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
	struct evtchn_bind_vcpu bind = {.port = port, .vcpu = vcpu};
	return evtchn_op(EVTCHNOP_bind_vcpu, &bind);
}

long reset_domain(domid_t dom)
{
	struct evtchn_reset reset = {.dom = dom};
	return evtchn_op(EVTCHNOP_reset, &reset);
}

long port_status(evtchn_port_t port, struct evtchn_status *status)
{
	memset(status, 0x5a, sizeof(*status));
	status->dom = DOMID_SELF;
	status->port = port;
	return evtchn_op(EVTCHNOP_status, status);
}

volatile struct vcpu_info *vcpu0(void)
{
	return &HYPERVISOR_shared_info->vcpu_info[0];
}

static volatile xen_ulong_t *pending_word(evtchn_port_t port)
{
	return &HYPERVISOR_shared_info->evtchn_pending[port / 64];
}

static volatile xen_ulong_t *mask_word(evtchn_port_t port)
{
	return &HYPERVISOR_shared_info->evtchn_mask[port / 64];
}

bool port_pending(evtchn_port_t port)
{
	return (*pending_word(port) >> (port % 64)) & 1;
}

bool port_masked(evtchn_port_t port)
{
	return (*mask_word(port) >> (port % 64)) & 1;
}

bool selector_bit(evtchn_port_t port)
{
	return (vcpu0()->evtchn_pending_sel >> (port / 64)) & 1;
}

void set_port_mask(evtchn_port_t port, bool masked)
{
	if (masked)
		__atomic_fetch_or(mask_word(port), 1UL << (port % 64), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(mask_word(port), ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

void clear_port_pending(evtchn_port_t port)
{
	__atomic_fetch_and(pending_word(port), ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

void clear_vcpu_pending(void)
{
	__atomic_store_n(&vcpu0()->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vcpu0()->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
}

void fresh_ports(void)
{
	long rc = reset_domain(DOMID_SELF);
	if (rc != 0)
		guest_crash("EVTCHNOP_reset of ourselves failed: %ld", rc);
	for (unsigned int word = 0; word < NR_PORTS / 64; word++) {
		HYPERVISOR_shared_info->evtchn_mask[word] = 0;
		HYPERVISOR_shared_info->evtchn_pending[word] = 0;
	}
	clear_vcpu_pending();
}
