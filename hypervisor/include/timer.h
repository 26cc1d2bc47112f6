/*
 * One-shot timers: "call fn(data) on CPU n at time t". Each CPU keeps its pending timers in a
 * queue sorted by deadline and programs its local APIC timer for the earliest one; the
 * scheduler and guest timers (VIRQ_TIMER, set_timer_op) will be built on this.
 */
#ifndef PARVUS_TIMER_H
#define PARVUS_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <spinlock.h>

struct timer {
	struct timer *next;
	uint64_t deadline; /* ns since boot */
	void (*fn)(void *data);
	void *data;
	unsigned int cpu; /* whose queue it lives on */
	bool queued;
};

struct timer_queue {
	spinlock_t lock;
	struct timer *head; /* earliest deadline first */
	uint64_t fired;	    /* timers run on this CPU, for statistics */
	struct timer *running; /* the one whose callback runs now, if any */
};

void timer_init(struct timer *timer, void (*fn)(void *data), void *data, unsigned int cpu);
/* (Re)arm: a timer already pending moves to its new deadline. */
void timer_set(struct timer *timer, uint64_t deadline_ns);
/* Disarm; nothing happens if it is not pending. */
void timer_stop(struct timer *timer);
bool timer_pending(const struct timer *timer);
/* timer_stop, and wait until its callback is not running on its CPU either (the timer's
 * memory may then be freed). Not from the timer's own callback. */
void timer_kill(struct timer *timer);

/* Called on the local timer interrupt, and after a remote CPU changed this CPU's queue. */
void timer_softirq(void);
/* The architecture: interrupt this CPU at deadline_ns (0 = never). */
void arch_timer_program(uint64_t deadline_ns);
void arch_timer_kick(unsigned int cpu);

#endif
