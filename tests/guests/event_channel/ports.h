/*
 * What the event_channel test kernel shares between its files (ports.c): short forms of the
 * EVTCHNOP_* calls that return the new port or a negative errno, and the 2-level ABI's bits
 * in shared_info and vcpu_info, read and changed the way a guest does (atomically, as the
 * hypervisor changes them too).
 *
 * The 2-level ABI: port p is bit p % 64 of word p / 64 in evtchn_pending and evtchn_mask
 * (shared_info); bit p / 64 of a vCPU's evtchn_pending_sel says that word may hold pending
 * unmasked ports, and evtchn_upcall_pending that some word does.
 */
#ifndef EVENT_CHANNEL_PORTS_H
#define EVENT_CHANNEL_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <parvus/hypercall.h>

#define NR_PORTS 4096	       /* the 2-level ABI on x86-64: 64 words of 64 bits */
#define EVTCHNOP_reset_cont 14 /* Xen's own continuation of EVTCHNOP_reset */
#define UNTOUCHED 0x5a5a5a5aU  /* what status fields hold before the call */

/* The vCPUs this domain has (VCPUOP_is_up answers -ENOENT past the last), set by main. */
extern unsigned int nr_vcpus;

long evtchn_op(int cmd, void *arg);

/* The new port, or a negative errno. */
long alloc_unbound(domid_t dom, domid_t remote_dom);
long bind_interdomain(domid_t remote_dom, evtchn_port_t remote_port);
long bind_ipi(uint32_t vcpu);
long bind_virq(uint32_t virq, uint32_t vcpu);

long close_port(evtchn_port_t port);
long send_port(evtchn_port_t port);
long unmask_port(evtchn_port_t port);
long bind_vcpu(evtchn_port_t port, uint32_t vcpu);
long reset_domain(domid_t dom);

/* EVTCHNOP_status of our own port, every output field first set to UNTOUCHED's bytes. */
long port_status(evtchn_port_t port, struct evtchn_status *status);

volatile struct vcpu_info *vcpu0(void);
bool port_pending(evtchn_port_t port);
bool port_masked(evtchn_port_t port);
bool selector_bit(evtchn_port_t port); /* vCPU 0's evtchn_pending_sel bit for port's word */
void set_port_mask(evtchn_port_t port, bool masked);
void clear_port_pending(evtchn_port_t port);

/* Forget every pending event in vCPU 0's vcpu_info (selector and upcall flag). */
void clear_vcpu_pending(void);

/* Close every port (EVTCHNOP_reset of ourselves), clear vcpu_info and unmask every port. */
void fresh_ports(void);

/* The upcall checks (upcall.c). */
void check_upcalls(void);

#endif /* EVENT_CHANNEL_PORTS_H */
