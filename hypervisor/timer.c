/*
 * One-shot timers (see timer.h). The invariant: a CPU's local timer is programmed for the
 * head of its queue whenever the queue is not empty. Whoever changes the head of another
 * CPU's queue kicks that CPU with an IPI so that it reprograms itself. Callbacks run with
 * interrupts off and without the queue lock, so they may set timers themselves.
 */
#include <timer.h>
#include <percpu.h>
#include <system_time.h>
#include <arch/x86.h>
#include <stddef.h>

static struct timer_queue *queue_of(const struct timer *timer)
{
	return &cpus[timer->cpu]->timers;
}

void timer_init(struct timer *timer, void (*fn)(void *data), void *data, unsigned int cpu)
{
	timer->next = NULL;
	timer->deadline = 0;
	timer->fn = fn;
	timer->data = data;
	timer->cpu = cpu;
	timer->queued = false;
}

/* Take the timer off its queue; true when it was the head. Queue lock held. */
static bool unlink(struct timer_queue *queue, struct timer *timer)
{
	struct timer **link = &queue->head;

	while (*link && *link != timer)
		link = &(*link)->next;
	if (!*link)
		return false;
	bool was_head = link == &queue->head;

	*link = timer->next;
	timer->next = NULL;
	timer->queued = false;
	return was_head;
}

static void reprogram_or_kick(struct timer_queue *queue, unsigned int cpu)
{
	if (cpu == this_cpu()->id)
		arch_timer_program(queue->head ? queue->head->deadline : 0);
	else
		arch_timer_kick(cpu);
}

void timer_set(struct timer *timer, uint64_t deadline_ns)
{
	struct timer_queue *queue = queue_of(timer);
	uint64_t flags = local_irq_save();

	spin_lock(&queue->lock);
	bool head_changed = timer->queued && unlink(queue, timer);
	struct timer **link = &queue->head;

	while (*link && (*link)->deadline <= deadline_ns)
		link = &(*link)->next;
	timer->deadline = deadline_ns;
	timer->next = *link;
	*link = timer;
	timer->queued = true;
	head_changed |= queue->head == timer;
	if (head_changed)
		reprogram_or_kick(queue, timer->cpu);
	spin_unlock(&queue->lock);
	local_irq_restore(flags);
}

void timer_stop(struct timer *timer)
{
	struct timer_queue *queue = queue_of(timer);
	uint64_t flags = local_irq_save();

	spin_lock(&queue->lock);
	if (timer->queued && unlink(queue, timer))
		reprogram_or_kick(queue, timer->cpu);
	spin_unlock(&queue->lock);
	local_irq_restore(flags);
}

void timer_kill(struct timer *timer)
{
	struct timer_queue *queue = queue_of(timer);

	/* A callback under way on its CPU may set the timer again (a periodic one): stop it
	 * until it is neither queued nor running. */
	do {
		timer_stop(timer);
		while (__atomic_load_n(&queue->running, __ATOMIC_SEQ_CST) == timer) {
			spin_wait_hook(); /* the callback may wait for our flush answer */
			cpu_relax();
		}
	} while (timer_pending(timer));
}

bool timer_pending(const struct timer *timer)
{
	return __atomic_load_n(&timer->queued, __ATOMIC_RELAXED);
}

void timer_softirq(void)
{
	struct cpu *cpu = this_cpu();
	struct timer_queue *queue = &cpu->timers;

	spin_lock(&queue->lock);
	while (queue->head && queue->head->deadline <= now_ns()) {
		struct timer *timer = queue->head;

		unlink(queue, timer);
		queue->fired++;
		__atomic_store_n(&queue->running, timer, __ATOMIC_SEQ_CST);
		spin_unlock(&queue->lock);
		timer->fn(timer->data);
		spin_lock(&queue->lock);
		__atomic_store_n(&queue->running, NULL, __ATOMIC_SEQ_CST);
	}
	arch_timer_program(queue->head ? queue->head->deadline : 0);
	spin_unlock(&queue->lock);
}
