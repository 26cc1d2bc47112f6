/*
 * vcpu_op: a guest asks about and manages its virtual CPUs, and sets its timers. Answers follow
 * Xen 4.17 (tests/guests/vcpu_op_and_time): a vCPU that does not exist is -ENOENT before
 * anything else, an unknown command -ENOSYS. Timers raise VIRQ_TIMER (vcpu_timer.c).
 */
#include <direct_map.h>
#include <domain.h>
#include <heap.h>
#include <hypercall.h>
#include <scheduler.h>
#include <arch/vcpu_context.h>
#include <page_alloc.h>
#include <page_type.h>
#include <percpu.h>
#include <runstate.h>
#include <string.h>
#include <system_time.h>
#include <vcpu_time.h>
#include <vcpu_timer.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/xen.h>

#define MIN_TIMER_PERIOD_NS 1000000ull	   /* 1 ms, as Xen */
#define MAX_TIMER_PERIOD_NS (1ull << 62)   /* 2^62 and more: -EINVAL */
#define SET_TIMER_OP_LIMIT_NS (1ull << 50) /* set_timer_op: further ahead is taken as 100 ms */
#define SET_TIMER_OP_FALLBACK_NS 100000000ull

/*
 * VCPUOP_register_vcpu_info: move v's vcpu_info into a frame of the guest's. The place is
 * checked first (-ENXIO: misaligned, or not wholly inside the page), then the frame (-EINVAL:
 * not ours, or one that cannot be writable such as a page table). The hypervisor keeps a
 * writable type reference on it for good, so it never becomes a page table. The old contents
 * come along, and every event is marked pending so that none is lost in the move.
 */
static long register_vcpu_info(struct vcpu *v, const struct vcpu_register_vcpu_info *info)
{
	struct domain *d = v->domain;

	if ((info->offset & 7) || info->offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return -XEN_ENXIO;
	/* Once only, and only for oneself or a vCPU that is not running. */
	if (v->vcpu_info_page || (v != current_vcpu() && v->started))
		return -XEN_EINVAL;
	if (!mfn_valid(info->mfn))
		return -XEN_EINVAL;
	struct page_info *page = mfn_to_page(info->mfn);

	if (get_page_and_type(page, d, PGT_WRITABLE))
		return -XEN_EINVAL;
	struct vcpu_info *moved = (struct vcpu_info *)((uint8_t *)page_to_virt(page) + info->offset);

	memcpy(moved, v->vcpu_info, sizeof(*moved));
	v->vcpu_info = moved;
	v->vcpu_info_page = page;
	__atomic_store_n(&moved->evtchn_pending_sel, ~0ull, __ATOMIC_SEQ_CST);
	__atomic_store_n(&moved->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
	vcpu_time_update(v);
	return 0;
}

/*
 * VCPUOP_initialise: a vCPU that has never had a context gets one (vcpu_context.c checks it).
 * Xen reads the context first (-EFAULT), then refuses a vCPU that has one (-EEXIST).
 */
static long initialise(struct vcpu *v, uint64_t arg)
{
	struct vcpu_guest_context *context = heap_alloc(sizeof(*context));
	long rc;

	if (!context)
		return -XEN_ENOMEM;
	if (copy_from_guest_raw(context, arg, sizeof(*context))) {
		heap_free(context);
		return -XEN_EFAULT;
	}
	/* Under the domain's vCPU lock: two vCPUs initialising a third must not both do it. */
	uint64_t flags = local_irq_save();

	spin_lock(&v->domain->vcpu_lock);
	if (v->initialised)
		rc = -XEN_EEXIST;
	else if (v->vcpu_info == &placeholder_vcpu_info)
		rc = -XEN_EINVAL; /* a vCPU past the 32 in shared_info needs register_vcpu_info */
	else
		rc = vcpu_context_set(v, context);
	/* VGCF_online marks it up but wakes nothing, as in Xen: it runs once something wakes it
	 * (VCPUOP_up wakes only a vCPU it finds down). */
	if (rc == 0 && (context->flags & VGCF_online))
		v->started = true;
	spin_unlock(&v->domain->vcpu_lock);
	local_irq_restore(flags);
	heap_free(context);
	return rc;
}

/* A guest address for an area the hypervisor writes later: only its range is checked now. */
static bool area_address_ok(uint64_t address, uint64_t size)
{
	return address == 0 || (is_canonical(address) && guest_range_ok(address, size));
}

/* Whether a vCPU of v's domain other than v is up, as Xen asks before VCPUOP_down. */
static bool other_vcpu_up(const struct vcpu *v)
{
	const struct domain *d = v->domain;

	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && d->vcpus[i] != v && d->vcpus[i]->started)
			return true;
	return false;
}

long do_vcpu_op(uint64_t cmd, uint64_t vcpu_id, uint64_t arg, uint64_t unused4,
		uint64_t unused5)
{
	/* Xen's handler takes an int command and an unsigned int vCPU: the upper bits of the
	 * registers do not count. */
	struct vcpu *v = domain_vcpu(current_vcpu()->domain, (uint32_t)vcpu_id);

	(void)unused4, (void)unused5;
	if (!v)
		return -XEN_ENOENT;
	switch ((uint32_t)cmd) {
	case VCPUOP_is_up:
		return v->started ? 1 : 0;
	case VCPUOP_up:
		if (!v->initialised)
			return -XEN_EINVAL;
		if (!v->started)
			vcpu_start(v);
		return 0;
	case VCPUOP_down:
		if (!other_vcpu_up(v)) { /* the last one up going down: the domain powers off */
			domain_shutdown(v->domain, SHUTDOWN_poweroff);
			return 0;
		}
		if (v->started) {
			v->started = false;
			vcpu_stop_soon(v); /* as Xen: it stops; nobody waits for that */
		}
		return 0;
	case VCPUOP_initialise:
		return initialise(v, arg);
	case VCPUOP_get_runstate_info: {
		struct vcpu_runstate_info info;

		runstate_snapshot(v, &info);
		return copy_to_guest_raw(arg, &info, sizeof(info)) ? -XEN_EFAULT : 0;
	}
	case VCPUOP_register_runstate_memory_area: {
		struct vcpu_register_runstate_memory_area area;

		if (copy_from_guest_raw(&area, arg, sizeof(area)))
			return -XEN_EFAULT;
		if (!area_address_ok(area.addr.p, sizeof(struct vcpu_runstate_info)))
			return -XEN_EFAULT;
		v->runstate_area = area.addr.p; /* 0 unregisters */
		runstate_publish(v);		/* written at once (if mapped) */
		return 0;
	}
	case VCPUOP_register_vcpu_time_memory_area: {
		struct vcpu_register_time_memory_area area;

		if (copy_from_guest_raw(&area, arg, sizeof(area)))
			return -XEN_EFAULT;
		if (!area_address_ok(area.addr.p, sizeof(struct vcpu_time_info)))
			return -XEN_EFAULT;
		v->time_area = area.addr.p;
		vcpu_time_update(v); /* the record is rewritten, the copy made at once */
		return 0;
	}
	case VCPUOP_register_vcpu_info: {
		struct vcpu_register_vcpu_info info;

		if (copy_from_guest_raw(&info, arg, sizeof(info)))
			return -XEN_EFAULT;
		uint64_t flags = local_irq_save();

		spin_lock(&v->domain->vcpu_lock);
		long rc = register_vcpu_info(v, &info);

		spin_unlock(&v->domain->vcpu_lock);
		local_irq_restore(flags);
		return rc;
	}
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer timer;

		if (copy_from_guest_raw(&timer, arg, sizeof(timer)))
			return -XEN_EFAULT;
		if (timer.period_ns < MIN_TIMER_PERIOD_NS || timer.period_ns >= MAX_TIMER_PERIOD_NS)
			return -XEN_EINVAL;
		vcpu_periodic_set(v, timer.period_ns);
		return 0;
	}
	case VCPUOP_stop_periodic_timer:
		vcpu_periodic_set(v, 0);
		return 0;
	case VCPUOP_set_singleshot_timer: {
		struct vcpu_set_singleshot_timer timer;

		if (v != current_vcpu()) /* only one's own, as in Xen */
			return -XEN_EINVAL;
		if (copy_from_guest_raw(&timer, arg, sizeof(timer)))
			return -XEN_EFAULT;
		/* Xen 4.17 ignores the flags (VCPU_SSHOTTMR_future included); a time past or 0
		 * fires at once. */
		vcpu_singleshot_set(v, timer.timeout_abs_ns ? timer.timeout_abs_ns : 1);
		return 0;
	}
	case VCPUOP_stop_singleshot_timer:
		if (v != current_vcpu())
			return -XEN_EINVAL;
		vcpu_singleshot_set(v, 0);
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

/* set_timer_op: the single-shot timer by another name (0 stops it); always succeeds. A time
 * that is negative or more than 2^50 ns ahead becomes 100 ms from now, as in Xen. */
long do_set_timer_op(uint64_t timeout_ns, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5)
{
	struct vcpu *v = current_vcpu();
	uint64_t now = now_ns();

	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (timeout_ns &&
	    ((int64_t)timeout_ns < 0 || (int64_t)(timeout_ns - now) >= (int64_t)SET_TIMER_OP_LIMIT_NS))
		timeout_ns = now + SET_TIMER_OP_FALLBACK_NS;
	vcpu_singleshot_set(v, timeout_ns);
	return 0;
}
