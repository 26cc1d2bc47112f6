/*
 * Blocking and waking vCPUs. Today each CPU runs at most one vCPU, so a vCPU that blocks
 * halts its CPU until it is woken (an event for it, or its poll's timeout); issue 5's
 * scheduler runs other vCPUs in that time instead. Runstate accounting follows each change.
 */
#ifndef PARVUS_SCHEDULE_H
#define PARVUS_SCHEDULE_H

#include <stdint.h>

struct domain;
struct vcpu;

/* Wake v if it is blocked (SCHEDOP_block or poll). Safe from interrupt context. */
void vcpu_wake(struct vcpu *v);
/* Port of d became pending: wake the vCPUs polling it (or polling any port). */
void vcpu_wake_pollers(struct domain *d, uint32_t port);
/* Set up a new vCPU's timers and runstate (running from now). */
void vcpu_schedule_init(struct vcpu *v);

#endif
