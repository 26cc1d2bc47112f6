/*
 * vcpu_op: a guest asks about and manages its virtual CPUs, and sets its timers. Today a
 * domain has one vCPU, always running; answers follow Xen 4.17 (tests/guests/vcpu_op_and_time):
 * a vCPU that does not exist is -ENOENT before anything else, an unknown command -ENOSYS.
 * Timers are recorded but do not fire yet: their delivery is an event (VIRQ_TIMER), which
 * comes with event channels (issue 5).
 */
#include <domain.h>
#include <hypercall.h>
#include <percpu.h>
#include <system_time.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/vcpu.h>
#include <public/xen.h>

#define MIN_TIMER_PERIOD_NS 1000000ull	   /* 1 ms, as Xen */
#define MAX_TIMER_PERIOD_NS (1ull << 62)   /* 2^62 and more: -EINVAL */

/* Fill a runstate record: this vCPU has run since the domain started. */
static void runstate_fill(struct vcpu *v, struct vcpu_runstate_info *info)
{
	uint64_t now = now_ns();

	info->state = RUNSTATE_running;
	info->state_entry_time = v->runstate_entry;
	info->time[RUNSTATE_running] = now - v->runstate_entry;
	info->time[RUNSTATE_runnable] = 0;
	info->time[RUNSTATE_blocked] = 0;
	info->time[RUNSTATE_offline] = 0;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpu_id, uint64_t arg, uint64_t unused4,
		uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused4, (void)unused5;
	if (vcpu_id != v->vcpu_id) /* one vCPU per domain today */
		return -XEN_ENOENT;
	switch (cmd) {
	case VCPUOP_is_up:
		return 1;
	case VCPUOP_up: /* it is running already */
		return 0;
	case VCPUOP_initialise: {
		uint64_t first_word;

		/* Xen reads the context first: a bad pointer is -EFAULT, a running vCPU -EEXIST. */
		if (copy_from_guest_raw(&first_word, arg, sizeof(first_word)))
			return -XEN_EFAULT;
		return -XEN_EEXIST;
	}
	case VCPUOP_get_runstate_info: {
		struct vcpu_runstate_info info;

		runstate_fill(v, &info);
		return copy_to_guest_raw(arg, &info, sizeof(info)) ? -XEN_EFAULT : 0;
	}
	case VCPUOP_register_runstate_memory_area: {
		struct vcpu_register_runstate_memory_area area;
		struct vcpu_runstate_info info;

		if (copy_from_guest_raw(&area, arg, sizeof(area)))
			return -XEN_EFAULT;
		if (area.addr.p && (!is_canonical(area.addr.p) ||
				    !guest_range_ok(area.addr.p, sizeof(info))))
			return -XEN_EFAULT;
		v->runstate_area = area.addr.p; /* 0 unregisters */
		if (v->runstate_area) {
			runstate_fill(v, &info);
			copy_to_guest_raw(v->runstate_area, &info, sizeof(info)); /* may be unmapped */
		}
		return 0;
	}
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer timer;

		if (copy_from_guest_raw(&timer, arg, sizeof(timer)))
			return -XEN_EFAULT;
		if (timer.period_ns < MIN_TIMER_PERIOD_NS || timer.period_ns >= MAX_TIMER_PERIOD_NS)
			return -XEN_EINVAL;
		v->periodic_period_ns = timer.period_ns;
		return 0;
	}
	case VCPUOP_stop_periodic_timer:
		v->periodic_period_ns = 0;
		return 0;
	case VCPUOP_set_singleshot_timer: {
		struct vcpu_set_singleshot_timer timer;

		if (copy_from_guest_raw(&timer, arg, sizeof(timer)))
			return -XEN_EFAULT;
		v->singleshot_deadline = timer.timeout_abs_ns; /* Xen 4.17 ignores the flags */
		return 0;
	}
	case VCPUOP_stop_singleshot_timer:
		v->singleshot_deadline = 0;
		return 0;
	case VCPUOP_send_nmi:
		return arg ? -XEN_EINVAL : 0;
	case VCPUOP_get_physid: {
		struct vcpu_get_physid physid = {this_cpu()->apic_id};

		/* Only meaningful while there is one physical CPU to be on, as Xen answers. */
		if (nr_cpus_online > 1)
			return -XEN_EINVAL;
		return copy_to_guest_raw(arg, &physid, sizeof(physid)) ? -XEN_EFAULT : 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}

/* set_timer_op: the single-shot timer by another name; always succeeds. */
long do_set_timer_op(uint64_t timeout_ns, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5)
{
	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	current_vcpu()->singleshot_deadline = timeout_ns;
	return 0;
}
