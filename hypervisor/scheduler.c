/*
 * The scheduler (see scheduler.h): per-CPU run queues ordered by virtual time, switches on the
 * way back to a guest, idling with hlt.
 *
 * Locking: a run queue's lock guards its list and the on_queue flags of the vCPUs in it; it is
 * taken with interrupts off (hypercalls and interrupt handlers run so), since wake-ups come
 * from timer interrupts too. A vCPU's blocked flag is changed with atomic operations: whoever
 * clears it (vcpu_wake) puts the vCPU back on its queue.
 */
#include <domain.h>
#include <percpu.h>
#include <printk.h>
#include <runstate.h>
#include <scheduler.h>
#include <system_time.h>
#include <timer.h>
#include <vcpu_time.h>
#include <vcpu_timer.h>
#include <arch/context_switch.h>
#include <arch/guest.h>
#include <arch/fpu.h>
#include <arch/tlb_flush.h>
#include <arch/x86.h>
#include <public/errno.h>
#include <public/vcpu.h>

struct run_queue {
	uint64_t quiescent; /* points passed where this CPU holds no domain pointer */
	bool idle;	    /* halted with nothing to run: quiescent all along */
	spinlock_t lock;
	struct vcpu *head; /* the runnable vCPUs placed on this CPU, not running */
	bool switch_due;   /* the running vCPU should make way (set from interrupts too) */
	bool yielded;	   /* the running vCPU asked to go after the others this once */
	struct timer slice_timer;
	uint64_t virtual_floor; /* the virtual time of the last vCPU chosen here */
};

static struct run_queue run_queues[MAX_CPUS];

static struct run_queue *queue_of_cpu(unsigned int cpu)
{
	return &run_queues[cpu];
}

static bool vcpu_runnable(const struct vcpu *v)
{
	return v->started && !__atomic_load_n(&v->blocked, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&v->domain->pause_count, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(&v->domain->cap_parked, __ATOMIC_SEQ_CST) &&
	       !v->domain->is_shutting_down;
}

/*
 * Caps: a capped domain may run cap% of one CPU in each period of SCHEDULER_CAP_PERIOD_NS,
 * all its vCPUs together. The time it runs is charged to cap_used; once that reaches the
 * budget its vCPUs stop being runnable ("parked") until a period ends. Each period that ends
 * gives one budget back, so time run past the budget (a slice whose timer interrupt came late,
 * which under a loaded host can be milliseconds) is a debt paid from the next periods, as in
 * Xen's credit2: over many periods the domain gets its cap, however late its slices end.
 */
static uint64_t cap_budget(const struct domain *d)
{
	return SCHEDULER_CAP_PERIOD_NS * d->cap / 100;
}

/* Move d's period to the one now is in; each period that ended gives back one budget. The
 * domain's cap lock held. */
static void cap_replenish(struct domain *d, uint64_t now)
{
	uint64_t budget = cap_budget(d), used = __atomic_load_n(&d->cap_used, __ATOMIC_SEQ_CST);

	if (now < d->cap_period_start + SCHEDULER_CAP_PERIOD_NS || !budget)
		return;
	uint64_t periods = (now - d->cap_period_start) / SCHEDULER_CAP_PERIOD_NS;

	d->cap_period_start += periods * SCHEDULER_CAP_PERIOD_NS;
	used = periods > used / budget ? 0 : used - periods * budget; /* cannot wrap */
	__atomic_store_n(&d->cap_used, used, __ATOMIC_SEQ_CST);
}

/* After its cap_parked was cleared (under the cap lock): d's vCPUs back on their queues.
 * Outside the cap lock, since it takes run-queue locks. */
static void requeue(struct vcpu *v);

static void cap_requeue(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			requeue(d->vcpus[i]);
}

/* The timer of a parked domain: a period ended. Free it, unless its debt is still unpaid. */
static void cap_period_ended(void *data)
{
	struct domain *d = data;
	uint64_t flags = local_irq_save();
	bool unpark = true;

	spin_lock(&d->cap_lock);
	cap_replenish(d, now_ns());
	if (d->cap && __atomic_load_n(&d->cap_used, __ATOMIC_SEQ_CST) >= cap_budget(d)) {
		timer_set(&d->cap_timer, d->cap_period_start + SCHEDULER_CAP_PERIOD_NS);
		unpark = false;
	} else {
		__atomic_store_n(&d->cap_parked, false, __ATOMIC_SEQ_CST);
	}
	spin_unlock(&d->cap_lock);
	local_irq_restore(flags);
	if (unpark)
		cap_requeue(d);
}

void scheduler_domain_init(struct domain *d)
{
	d->weight = SCHEDULER_DEFAULT_WEIGHT;
	spin_lock_init(&d->cap_lock);
	timer_init(&d->cap_timer, cap_period_ended, d, this_cpu()->id);
}

void scheduler_set_cap(struct domain *d, uint16_t cap)
{
	uint64_t flags = local_irq_save();
	bool unpark = false;

	spin_lock(&d->cap_lock);
	if (cap && !d->cap) { /* a first period, budget whole */
		d->cap_period_start = now_ns();
		__atomic_store_n(&d->cap_used, 0, __ATOMIC_SEQ_CST);
	}
	d->cap = cap;
	if (!cap && __atomic_load_n(&d->cap_parked, __ATOMIC_SEQ_CST)) {
		timer_stop(&d->cap_timer);
		__atomic_store_n(&d->cap_parked, false, __ATOMIC_SEQ_CST);
		unpark = true;
	}
	spin_unlock(&d->cap_lock);
	local_irq_restore(flags);
	if (unpark)
		cap_requeue(d); /* uncapped: free at once */
}

/* Charge ran ns of CPU to a capped domain; park it when its budget is gone. */
static void cap_charge(struct domain *d, uint64_t ran, uint64_t now)
{
	if (!__atomic_load_n(&d->cap, __ATOMIC_RELAXED))
		return;
	uint64_t flags = local_irq_save();

	spin_lock(&d->cap_lock);
	if (d->cap) {
		cap_replenish(d, now);
		uint64_t used = __atomic_add_fetch(&d->cap_used, ran, __ATOMIC_SEQ_CST);

		if (used >= cap_budget(d) &&
		    !__atomic_exchange_n(&d->cap_parked, true, __ATOMIC_SEQ_CST))
			timer_set(&d->cap_timer, d->cap_period_start + SCHEDULER_CAP_PERIOD_NS);
	}
	spin_unlock(&d->cap_lock);
	local_irq_restore(flags);
}

/* How long the running v may go on before its domain's budget is gone (capped ones). */
static uint64_t cap_left(const struct vcpu *v)
{
	const struct domain *d = v->domain;
	uint64_t used = __atomic_load_n(&d->cap_used, __ATOMIC_SEQ_CST);

	if (!d->cap)
		return UINT64_MAX;
	return used >= cap_budget(d) ? 0 : cap_budget(d) - used;
}

/* The state a vCPU that stops running is in now. */
static int leaving_state(const struct vcpu *v)
{
	if (v->blocked)
		return RUNSTATE_blocked;
	return vcpu_runnable(v) ? RUNSTATE_runnable : RUNSTATE_offline;
}

/* Queue lock held. A vCPU that waits for the CPU is runnable in its runstate (if it was
 * running, it becomes so when it is switched out). */
static void enqueue(struct run_queue *q, struct vcpu *v)
{
	if (v->on_queue)
		return;
	/* A vCPU that slept does not bank the time it did not use: it starts level with the
	 * least served of those that ran meanwhile. */
	if (v->virtual_time < q->virtual_floor)
		v->virtual_time = q->virtual_floor;
	v->queue_next = q->head;
	q->head = v;
	v->on_queue = true;
	if (cpus[v->processor]->current != v && v->runstate.state != RUNSTATE_runnable)
		runstate_change(v, RUNSTATE_runnable);
}

/* The queued vCPU with the least virtual time, taken off the queue; NULL if none. A vCPU that
 * just yielded is taken only if nothing else is there. Queue lock held. */
static struct vcpu *dequeue_next(struct run_queue *q, const struct vcpu *yielded)
{
	struct vcpu **best = NULL;

	for (struct vcpu **link = &q->head; *link; link = &(*link)->queue_next) {
		if (*link == yielded && (q->head != yielded || (*link)->queue_next))
			continue;
		if (!best || (*link)->virtual_time < (*best)->virtual_time)
			best = link;
	}
	if (!best)
		return NULL;
	struct vcpu *v = *best;

	*best = v->queue_next;
	v->queue_next = NULL;
	v->on_queue = false;
	return v;
}

static void slice_expired(void *data)
{
	struct run_queue *q = data;

	q->switch_due = true; /* acted on when the interrupt returns to the guest */
}

static void poll_timeout(void *data)
{
	struct vcpu *v = data;

	/* Only a vCPU still in that poll: a later block must not be ended by an old timer. */
	if (__atomic_fetch_and(&v->domain->poll_mask, ~(1ull << v->vcpu_id), __ATOMIC_SEQ_CST) &
	    (1ull << v->vcpu_id))
		vcpu_wake(v);
}

uint64_t scheduler_quiescent_count(unsigned int cpu)
{
	return __atomic_load_n(&run_queues[cpu].quiescent, __ATOMIC_SEQ_CST);
}

bool scheduler_quiescent(unsigned int cpu, uint64_t seen)
{
	return __atomic_load_n(&run_queues[cpu].idle, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&run_queues[cpu].quiescent, __ATOMIC_SEQ_CST) != seen;
}

static void pass_quiescent_point(struct run_queue *q)
{
	__atomic_add_fetch(&q->quiescent, 1, __ATOMIC_SEQ_CST);
}

void scheduler_init(void)
{
	for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
		spin_lock_init(&run_queues[cpu].lock);
		timer_init(&run_queues[cpu].slice_timer, slice_expired, &run_queues[cpu], cpu);
	}
}

int vcpu_schedule_init(struct vcpu *v, unsigned int cpu)
{
	v->fpu = fpu_state_alloc();
	if (!v->fpu)
		return -XEN_ENOMEM;
	v->processor = cpu;
	v->poll_port = -1;
	timer_init(&v->poll_timer, poll_timeout, v, v->processor);
	vcpu_timers_init(v);
	v->runstate.state = RUNSTATE_offline;
	v->runstate.state_entry_time = now_ns();
	return 0;
}

/* A vCPU that starts running: its poll (if it was in one) is over, its clock record renewed,
 * a periodic tick it missed delivered. */
static void resume(struct vcpu *v, uint64_t now)
{
	__atomic_fetch_and(&v->domain->poll_mask, ~(1ull << v->vcpu_id), __ATOMIC_SEQ_CST);
	v->poll_port = -1;
	timer_stop(&v->poll_timer);
	v->slice_start = now;
	v->fpu_initialised = true; /* what it leaves in its registers is its own from now on */
	runstate_change(v, RUNSTATE_running);
	vcpu_time_update(v);
	vcpu_periodic_resume(v);
}

void vcpu_start(struct vcpu *v)
{
	struct run_queue *q = queue_of_cpu(v->processor);
	uint64_t flags = local_irq_save();

	spin_lock(&q->lock);
	if (current_vcpu() == v) { /* the first vCPU of a CPU, entered directly (guest_run) */
		v->is_running = true;
		spin_unlock(&q->lock);
		resume(v, now_ns());
		spin_lock(&q->lock);
	}
	v->started = true;
	if (vcpu_runnable(v) && !v->is_running) {
		enqueue(q, v);
		q->switch_due = true; /* the CPU may be running another without a slice */
	}
	spin_unlock(&q->lock);
	local_irq_restore(flags);
	if (v->processor != this_cpu()->id)
		arch_timer_kick(v->processor);
}

/* v back on its queue if it can run now and is neither running nor queued (its domain was
 * parked); nothing else about it changes. */
static void requeue(struct vcpu *v)
{
	struct run_queue *q = queue_of_cpu(v->processor);
	uint64_t flags = local_irq_save();

	spin_lock(&q->lock);
	if (vcpu_runnable(v) && !v->is_running) {
		enqueue(q, v);
		q->switch_due = true;
	}
	spin_unlock(&q->lock);
	local_irq_restore(flags);
	if (v->processor != this_cpu()->id)
		arch_timer_kick(v->processor);
}

void vcpu_wake(struct vcpu *v)
{
	if (!__atomic_exchange_n(&v->blocked, false, __ATOMIC_SEQ_CST))
		return;
	struct run_queue *q = queue_of_cpu(v->processor);
	uint64_t flags = local_irq_save();

	spin_lock(&q->lock);
	if (vcpu_runnable(v) && !v->is_running) {
		enqueue(q, v);
		q->switch_due = true; /* let it compete now rather than at the end of a slice */
	}
	spin_unlock(&q->lock);
	local_irq_restore(flags);
	if (v->processor != this_cpu()->id)
		arch_timer_kick(v->processor); /* any interrupt ends a halt */
}

void vcpu_wake_pollers(struct domain *d, uint32_t port)
{
	uint64_t polling = __atomic_load_n(&d->poll_mask, __ATOMIC_SEQ_CST);

	while (polling) {
		unsigned int id = (unsigned int)__builtin_ctzll(polling);
		struct vcpu *v = domain_vcpu(d, id);

		polling &= polling - 1;
		if (!v || (v->poll_port >= 0 && (uint32_t)v->poll_port != port))
			continue;
		if (__atomic_fetch_and(&d->poll_mask, ~(1ull << id), __ATOMIC_SEQ_CST) & (1ull << id))
			vcpu_wake(v);
	}
}

/* v leaves its queue (if on it) because it may not run: offline or blocked. Lock held. */
static void take_off_queue(struct run_queue *q, struct vcpu *v)
{
	for (struct vcpu **link = &q->head; *link; link = &(*link)->queue_next) {
		if (*link == v) {
			*link = v->queue_next;
			v->queue_next = NULL;
			v->on_queue = false;
			runstate_change(v, leaving_state(v));
			return;
		}
	}
}

/* Is v on a CPU, or chosen for one and not yet switched out? */
static bool stops_running(const struct vcpu *v)
{
	return __atomic_load_n(&v->is_running, __ATOMIC_SEQ_CST) ||
	       __atomic_load_n(&cpus[v->processor]->current, __ATOMIC_SEQ_CST) == v;
}

void vcpu_stop_running(struct vcpu *v)
{
	struct run_queue *q = queue_of_cpu(v->processor);
	uint64_t flags = local_irq_save();

	spin_lock(&q->lock);
	take_off_queue(q, v);
	spin_unlock(&q->lock);
	local_irq_restore(flags);
	if (!stops_running(v))
		return;
	if (v->processor == this_cpu()->id) { /* ourselves: gone on the way back to the guest */
		schedule_soon();
		return;
	}
	/* Running elsewhere (or about to: chosen, not yet entered): that CPU switches on its way
	 * back to the guest after the kick. */
	__atomic_store_n(&q->switch_due, true, __ATOMIC_SEQ_CST);
	arch_timer_kick(v->processor);
	while (stops_running(v)) {
		tlb_flush_serve(); /* it may be waiting for our answer to a flush */
		cpu_relax();
	}
}

void vcpu_stop_soon(struct vcpu *v)
{
	struct run_queue *q = queue_of_cpu(v->processor);
	uint64_t flags = local_irq_save();

	spin_lock(&q->lock);
	take_off_queue(q, v);
	spin_unlock(&q->lock);
	local_irq_restore(flags);
	scheduler_kick(v);
}

void scheduler_notify(struct vcpu *v)
{
	unsigned int cpu = v->processor;

	if (cpu != this_cpu()->id && __atomic_load_n(&cpus[cpu]->current, __ATOMIC_SEQ_CST) == v)
		arch_timer_kick(cpu); /* an interrupt: its way back to the guest delivers events */
}

void scheduler_kick(struct vcpu *v)
{
	__atomic_store_n(&queue_of_cpu(v->processor)->switch_due, true, __ATOMIC_SEQ_CST);
	if (v->processor != this_cpu()->id)
		arch_timer_kick(v->processor);
}

bool scheduler_switch_pending(void)
{
	struct vcpu *v = current_vcpu();

	return __atomic_load_n(&queue_of_cpu(this_cpu()->id)->switch_due, __ATOMIC_SEQ_CST) &&
	       v && !vcpu_runnable(v);
}

void schedule_soon(void)
{
	struct run_queue *q = queue_of_cpu(this_cpu()->id);
	struct vcpu *v = current_vcpu();

	q->switch_due = true;
	q->yielded = v && !v->blocked;
}

/* Charge v for the time it ran since its slice began. */
static void account(struct vcpu *v, uint64_t now)
{
	unsigned int weight = v->domain->weight ? v->domain->weight : SCHEDULER_DEFAULT_WEIGHT;
	uint64_t ran = now > v->slice_start ? now - v->slice_start : 0;

	v->virtual_time += ran * SCHEDULER_DEFAULT_WEIGHT / weight;
	v->slice_start = now;
	cap_charge(v->domain, ran, now);
}

/* Halt until something on this CPU's queue can run; returns it. Interrupts off. */
static struct vcpu *idle_until_runnable(struct run_queue *q)
{
	for (;;) {
		spin_lock(&q->lock);
		struct vcpu *next = dequeue_next(q, NULL);

		if (next)
			next->is_running = true;
		spin_unlock(&q->lock);
		if (next) {
			__atomic_store_n(&q->idle, false, __ATOMIC_SEQ_CST);
			return next;
		}
		pass_quiescent_point(q);
		__atomic_store_n(&q->idle, true, __ATOMIC_SEQ_CST);
		__asm__ volatile("sti; hlt; cli" : : : "memory"); /* no wake-up lost between */
	}
}

/* After a switch to next on this CPU: a slice if others wait (shorter if next's domain has
 * less budget left), else none unless its cap runs out first. */
static void arm_slice(struct run_queue *q, struct vcpu *next, uint64_t now)
{
	spin_lock(&q->lock);
	bool others_wait = q->head != NULL;

	spin_unlock(&q->lock);
	uint64_t length = others_wait ? SCHEDULER_SLICE_NS : UINT64_MAX;
	uint64_t left = cap_left(next);

	if (left < length)
		length = left;
	if (length != UINT64_MAX)
		timer_set(&q->slice_timer, now + length);
	else
		timer_stop(&q->slice_timer);
}

void scheduler_after_abandon(struct cpu_regs *regs)
{
	__atomic_store_n(&queue_of_cpu(this_cpu()->id)->switch_due, true, __ATOMIC_SEQ_CST);
	scheduler_return_to_guest(regs); /* the current vCPU cannot run: another, or idle */
	deliver_events(regs);
}

void scheduler_idle_cpu(void)
{
	struct run_queue *q = queue_of_cpu(this_cpu()->id);

	local_irq_disable();
	for (;;) {
		struct vcpu *next = idle_until_runnable(q);
		uint64_t now = now_ns();

		arch_vcpu_load(next);
		set_current_vcpu(next);
		resume(next, now);
		arch_vcpu_enter(next, &next->regs);
		arm_slice(q, next, now);
		/* From here the CPU switches vCPUs on its returns to guests; guest_run comes back
		 * only when a domain that must stop the machine (dom0) stops. */
		uint64_t how = guest_run(&next->regs);

		set_current_vcpu(NULL);
		arch_load_idle_page_tables();
		domain_stopped_on_cpu(next->domain, how);
	}
}

void scheduler_return_to_guest(struct cpu_regs *regs)
{
	struct run_queue *q = queue_of_cpu(this_cpu()->id);
	struct vcpu *prev = current_vcpu();

	pass_quiescent_point(q);
	if (__atomic_load_n(&dead_domains_waiting, __ATOMIC_RELAXED))
		domain_reclaim();

	if (!prev || !q->switch_due)
		return;
	q->switch_due = false;
	uint64_t now = now_ns();

	account(prev, now);
	spin_lock(&q->lock);
	/* Who runs is decided under the lock. prev stays is_running until its state is saved
	 * (below): whoever waits for it to stop (vcpu_stop_running) waits for that. */
	if (vcpu_runnable(prev))
		enqueue(q, prev);
	struct vcpu *next = dequeue_next(q, q->yielded ? prev : NULL);

	if (next) {
		next->is_running = true;
		if (next->virtual_time > q->virtual_floor)
			q->virtual_floor = next->virtual_time;
	}
	q->yielded = false;
	spin_unlock(&q->lock);
	if (next == prev) {
		arm_slice(q, next, now);
		return;
	}
	/* prev stops: its registers saved, its state recorded while its page tables are live. */
	prev->regs = *regs;
	runstate_change(prev, leaving_state(prev));
	vcpu_periodic_pause(prev);
	arch_vcpu_save(prev);
	set_current_vcpu(next);
	/* Only now has it stopped. A wake-up that came meanwhile found it running and left it
	 * off the queue: put it there now if it can run. */
	spin_lock(&q->lock);
	prev->is_running = false;
	if (vcpu_runnable(prev) && !prev->on_queue)
		enqueue(q, prev);
	spin_unlock(&q->lock);
	if (!next) {
		arch_load_idle_page_tables();
		next = idle_until_runnable(q);
		now = now_ns();
	}
	arch_vcpu_load(next);
	set_current_vcpu(next);
	*regs = next->regs;
	resume(next, now);
	arch_vcpu_enter(next, regs);
	arm_slice(q, next, now);
}
