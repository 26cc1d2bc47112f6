/*
 * A vCPU's two timers, both raising VIRQ_TIMER: the single-shot timer (set_singleshot_timer,
 * set_timer_op) and the periodic one (set_periodic_timer; every vCPU starts with a 10 ms
 * period, as in Xen). The periodic timer ticks only while the vCPU runs: blocking stops it,
 * and a vCPU that runs again after a period or more gets the missed tick at once.
 */
#ifndef PARVUS_VCPU_TIMER_H
#define PARVUS_VCPU_TIMER_H

#include <stdint.h>

struct vcpu;

#define VCPU_DEFAULT_PERIOD_NS 10000000ull /* 10 ms */

void vcpu_timers_init(struct vcpu *v);
/* The single-shot timer at a system time (one already past fires now); 0 stops it. */
void vcpu_singleshot_set(struct vcpu *v, uint64_t deadline);
/* A new period (0: none), started afresh. */
void vcpu_periodic_set(struct vcpu *v, uint64_t period_ns);
/* The vCPU stops running (blocks) / runs again: its periodic timer pauses / resumes. */
void vcpu_periodic_pause(struct vcpu *v);
void vcpu_periodic_resume(struct vcpu *v);

#endif
