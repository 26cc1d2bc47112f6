/*
 * sched_op: what a vCPU asks of the scheduler — give up the CPU, block until an event,
 * poll a set of ports, shut its domain down (or another one, if privileged), run a
 * watchdog. Mirrors Xen's public/sched.h.
 */
#ifndef PARVUS_PUBLIC_SCHED_H
#define PARVUS_PUBLIC_SCHED_H

#include "event_channel.h"

#define SCHEDOP_yield 0		  /* let another vCPU run */
#define SCHEDOP_block 1		  /* sleep until an event is pending; clears the upcall mask */
#define SCHEDOP_shutdown 2	  /* arg: sched_shutdown */
#define SCHEDOP_poll 3		  /* arg: sched_poll */
#define SCHEDOP_remote_shutdown 4 /* arg: sched_remote_shutdown */
#define SCHEDOP_shutdown_code 5	  /* arg: sched_shutdown; records the reason only */
#define SCHEDOP_watchdog 6	  /* arg: sched_watchdog */
#define SCHEDOP_pin_override 7	  /* arg: sched_pin_override */

struct sched_shutdown {
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_shutdown_t);

/* Block until one of nr_ports ports is pending or the absolute timeout (ns) passes. */
struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports;
	unsigned int nr_ports;
	uint64_t timeout;
};
typedef struct sched_poll sched_poll_t;
DEFINE_XEN_GUEST_HANDLE(sched_poll_t);

struct sched_remote_shutdown {
	domid_t domain_id;
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_remote_shutdown_t);

/* id 0 creates a watchdog, timeout 0 destroys one; otherwise it is a keep-alive. */
struct sched_watchdog {
	uint32_t id;
	uint32_t timeout; /* seconds */
};
typedef struct sched_watchdog sched_watchdog_t;
DEFINE_XEN_GUEST_HANDLE(sched_watchdog_t);

/* dom0 only: keep this vCPU on physical CPU pcpu for a while (negative to stop). */
struct sched_pin_override {
	int32_t pcpu;
};
typedef struct sched_pin_override sched_pin_override_t;
DEFINE_XEN_GUEST_HANDLE(sched_pin_override_t);

/* Why a domain shut down; the toolstack acts on it (destroy, restart, save, ...). */
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4
#define SHUTDOWN_soft_reset 5
#define SHUTDOWN_MAX 5

#endif /* PARVUS_PUBLIC_SCHED_H */
