/*
 * vCPU timers. Both are hypervisor timers (timer.c) on the vCPU's CPU whose expiry raises
 * VIRQ_TIMER for the vCPU; they run in interrupt context.
 */
#include <domain.h>
#include <event_channel.h>
#include <percpu.h>
#include <system_time.h>
#include <vcpu_timer.h>
#include <public/xen.h>

static void singleshot_expired(void *data)
{
	send_vcpu_virq(data, VIRQ_TIMER);
}

static void periodic_expired(void *data)
{
	struct vcpu *v = data;

	v->periodic_last = now_ns();
	send_vcpu_virq(v, VIRQ_TIMER);
	if (v->periodic_period_ns)
		timer_set(&v->periodic_timer, v->periodic_last + v->periodic_period_ns);
}

void vcpu_timers_init(struct vcpu *v)
{
	/* On the vCPU's own CPU: the event they raise is then delivered on that CPU's way back
	 * to the guest. */
	timer_init(&v->singleshot_timer, singleshot_expired, v, v->processor);
	timer_init(&v->periodic_timer, periodic_expired, v, v->processor);
	v->periodic_period_ns = VCPU_DEFAULT_PERIOD_NS;
	v->periodic_last = now_ns();
	timer_set(&v->periodic_timer, v->periodic_last + v->periodic_period_ns);
}

void vcpu_singleshot_set(struct vcpu *v, uint64_t deadline)
{
	if (deadline == 0) {
		timer_stop(&v->singleshot_timer);
		return;
	}
	if (deadline <= now_ns()) { /* due already: the event is there before we return */
		timer_stop(&v->singleshot_timer);
		send_vcpu_virq(v, VIRQ_TIMER);
		return;
	}
	timer_set(&v->singleshot_timer, deadline);
}

void vcpu_periodic_pause(struct vcpu *v)
{
	timer_stop(&v->periodic_timer);
}

/* Xen's rule on running again: a tick is due if a period has passed since the last one. */
void vcpu_periodic_resume(struct vcpu *v)
{
	if (!v->periodic_period_ns)
		return;
	uint64_t now = now_ns();

	if (now - v->periodic_last >= v->periodic_period_ns) {
		v->periodic_last = now;
		send_vcpu_virq(v, VIRQ_TIMER);
	}
	timer_set(&v->periodic_timer, v->periodic_last + v->periodic_period_ns);
}

void vcpu_periodic_set(struct vcpu *v, uint64_t period_ns)
{
	timer_stop(&v->periodic_timer);
	v->periodic_period_ns = period_ns;
	vcpu_periodic_resume(v);
}
