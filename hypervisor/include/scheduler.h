/*
 * The scheduler: which vCPU each CPU runs. Every CPU has a run queue of the vCPUs placed on
 * it that could run; it runs the one that has had the least CPU time for its weight (virtual
 * time = time run * DEFAULT_WEIGHT / weight), for a slice of at most SCHEDULER_SLICE_NS
 * while others wait. A vCPU that blocks leaves the queue until vcpu_wake; a CPU with nothing to
 * run halts.
 *
 * Switches happen only on the way back to a guest (scheduler_return_to_guest), never inside a
 * hypercall: a hypercall that blocks marks its vCPU blocked, sets its return value and asks for
 * a switch. The switch itself is a copy of the guest's saved registers in and out of the
 * frame at the top of the CPU's entry stack, plus the registers the frame does not hold (page
 * tables, segment bases, FPU).
 */
#ifndef PARVUS_SCHEDULER_H
#define PARVUS_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#define SCHEDULER_SLICE_NS 10000000ull /* 10 ms */
#define SCHEDULER_DEFAULT_WEIGHT 256   /* as Xen's credit scheduler */
#define SCHEDULER_CAP_PERIOD_NS 10000000ull /* caps are shares of each 10 ms */

struct cpu_regs;
struct domain;
struct vcpu;

/* The run queues; once, at boot. */
void scheduler_init(void);
/* Set up a new vCPU to run on CPU cpu: its timers and runstate; it is not yet runnable. */
int vcpu_schedule_init(struct vcpu *v, unsigned int cpu);
/* A CPU with no vCPU yet: run those placed on it as they become runnable. Never returns. */
__attribute__((noreturn)) void scheduler_idle_cpu(void);
/* Make v runnable on its CPU (it was never run, or was paused). */
void vcpu_start(struct vcpu *v);
/* Wake v if it is blocked (SCHEDOP_block or poll). Safe from interrupt context. */
void vcpu_wake(struct vcpu *v);
/* Port of d became pending: wake the vCPUs polling it (or polling any port). */
void vcpu_wake_pollers(struct domain *d, uint32_t port);
/* v must not run (its domain is paused or dying, it went down): off its queue, and if it runs
 * on another CPU, returns once it has been switched out there. */
void vcpu_stop_running(struct vcpu *v);
/* v must not run (it went down): off its queue, and its CPU switches it out on its way back
 * to a guest. Does not wait (VCPUOP_down, which two vCPUs may do to each other at once). */
void vcpu_stop_soon(struct vcpu *v);
/* The current vCPU should give up the CPU on its way back to the guest. */
void schedule_soon(void);
/* A new domain's scheduling state (default weight, the cap timer). */
void scheduler_domain_init(struct domain *d);
/* A domain's cap (percent of one CPU, 0 for none), as scheduler_op sets it. */
void scheduler_set_cap(struct domain *d, uint16_t cap);
/* Will the current vCPU be switched out on its way back to the guest? */
bool scheduler_switch_pending(void);
/* From abandon_to_scheduler: the current vCPU is not runnable; fill *regs with the next. */
void scheduler_after_abandon(struct cpu_regs *regs);
/* v has something to take on its way back to the guest (an event): if it runs on another
 * CPU, interrupt that CPU so that it does so now. */
void scheduler_notify(struct vcpu *v);
/* Make v's CPU look at its choice again on its next way back to a guest (v stopped being
 * runnable). Does not wait. */
void scheduler_kick(struct vcpu *v);
/* Grace periods for freeing domains: a count of the points where CPU cpu held no domain
 * pointer, and whether it has passed one since the count was seen. */
uint64_t scheduler_quiescent_count(unsigned int cpu);
bool scheduler_quiescent(unsigned int cpu, uint64_t seen);
/* On every return to a guest (interrupts off): switch vCPUs in *regs if one is due. */
void scheduler_return_to_guest(struct cpu_regs *regs);

#endif
