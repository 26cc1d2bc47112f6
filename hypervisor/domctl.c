/*
 * domctl (hypercall 36): the privileged domain builds and manages the others. Every operation
 * checks the interface version (-EACCES) and the caller's privilege (-EPERM) before anything
 * else, then finds the target domain (-ESRCH). Layouts and numbers are Xen 4.17's
 * (public/domctl.h); the errno of each case is what Xen 4.17 answers (tests/guests/domctl).
 */
#include <domain.h>
#include <event_channel.h>
#include <heap.h>
#include <hypercall.h>
#include <page_alloc.h>
#include <page_type.h>
#include <percpu.h>
#include <runstate.h>
#include <scheduler.h>
#include <string.h>
#include <arch/uaccess.h>
#include <arch/vcpu_context.h>
#include <public/domctl.h>
#include <public/errno.h>
#include <public/vcpu.h>
#include <public/xen.h>

#define X86_EMU_KNOWN ((1u << 11) - 1) /* XEN_X86_EMU_LAPIC .. XEN_X86_EMU_VPCI */
#define CREATEDOMAIN_PV_FLAGS (XEN_DOMCTL_CDF_s3_integrity | XEN_DOMCTL_CDF_oos_off | \
			       XEN_DOMCTL_CDF_xs_domain)
#define MAX_PAGES_LIMIT 0xffffffffull /* Xen keeps max_pages in an unsigned int */
#define PAGEFRAMEINFO_MAX 1024	       /* frames asked about in one call */

static bool domid_free(domid_t id)
{
	return id != 0 && id < DOMID_FIRST_RESERVED && !domain_by_id(id);
}

/* The id for a new domain: the one asked for, or (0 or a reserved one) the next free. */
static long choose_domid(domid_t asked)
{
	static domid_t rover;

	if (asked > 0 && asked < DOMID_FIRST_RESERVED)
		return domid_free(asked) ? asked : -XEN_EEXIST;
	for (domid_t id = rover + 1;; id++) {
		if (id >= DOMID_FIRST_RESERVED)
			id = 1;
		if (domid_free(id)) {
			rover = id;
			return id;
		}
		if (id == rover)
			return -XEN_ENOMEM;
	}
}

/* The checks Xen 4.17 makes of a PV domain's configuration, with its errnos. */
static long check_config(const struct xen_domctl_createdomain *config)
{
	if (config->flags & ~(XEN_DOMCTL_CDF_MAX | (XEN_DOMCTL_CDF_MAX - 1)))
		return -XEN_EINVAL; /* a flag Xen does not know */
	if (config->flags & ~CREATEDOMAIN_PV_FLAGS)
		return -XEN_EINVAL; /* HVM, HAP, an IOMMU (there is none), nested, vPMU */
	if (config->iommu_opts || config->max_vcpus < 1 || config->max_vcpus > DOMAIN_MAX_VCPUS ||
	    config->vmtrace_size)
		return -XEN_EINVAL;
	/* Grant tables: version 1 only (Parvus implements no other), no other option bits. */
	if (config->grant_opts != XEN_DOMCTL_GRANT_version(1) || config->max_grant_frames == 0 ||
	    config->max_grant_frames < -1 || config->max_maptrack_frames < -1)
		return -XEN_EINVAL;
	if (config->arch.emulation_flags & ~X86_EMU_KNOWN)
		return -XEN_EINVAL;
	if (config->arch.emulation_flags && config->arch.emulation_flags != XEN_X86_EMU_PIT)
		return -XEN_EOPNOTSUPP; /* a PV domain has nothing emulated but perhaps the PIT */
	if (config->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
		return -XEN_EINVAL;
	if (config->cpupool_id)
		return -XEN_ESRCH; /* there is only pool 0 */
	return 0;
}

static long createdomain(struct xen_domctl *op)
{
	struct xen_domctl_createdomain *config = &op->u.createdomain;
	long rc = check_config(config);

	if (rc)
		return rc;
	long id = choose_domid(op->domain);

	if (id < 0)
		return id;
	int error;
	struct domain *d = domain_create((domid_t)id, config->handle, false, &error);

	if (!d)
		return error;
	d->max_vcpus_allowed = config->max_vcpus;
	d->emulation_flags = config->arch.emulation_flags;
	if (config->max_evtchn_port < d->events.max_port)
		d->events.max_port = config->max_evtchn_port;
	config->flags |= XEN_DOMCTL_CDF_oos_off; /* as Xen says of every PV domain */
	op->domain = d->domain_id;
	return 0;
}

/* XEN_DOMCTL_max_vcpus: make the vCPUs createdomain allowed, placed round the CPUs. */
static long max_vcpus(struct domain *d, uint32_t max)
{
	if (d == current_vcpu()->domain || max != d->max_vcpus_allowed)
		return -XEN_EINVAL;
	for (unsigned int i = 0; i < max; i++) {
		if (d->vcpus[i])
			continue;
		long rc = vcpu_create(d, i, i % nr_cpus_online);

		if (rc)
			return rc;
	}
	return 0;
}

void domain_info(const struct domain *d, struct xen_domctl_getdomaininfo *info)
{
	uint32_t flags = XEN_DOMINF_blocked;
	uint64_t cpu_time = 0;

	memset(info, 0, sizeof(*info));
	info->domain = d->domain_id;
	info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		const struct vcpu *v = d->vcpus[i];
		struct vcpu_runstate_info runstate;

		if (!v)
			continue;
		runstate_snapshot(v, &runstate);
		cpu_time += runstate.time[RUNSTATE_running];
		info->max_vcpu_id = i;
		if (!v->started)
			continue;
		if (!v->blocked)
			flags &= ~XEN_DOMINF_blocked;
		if (v->is_running)
			flags |= XEN_DOMINF_running;
		info->nr_online_vcpus++;
	}
	if (!info->nr_online_vcpus)
		flags = 0;
	if (d->is_dying)
		flags |= XEN_DOMINF_dying;
	if (d->is_shutting_down)
		flags |= XEN_DOMINF_shutdown;
	/* Bits 16-31: the shutdown code, which Xen keeps as ~0 until there is one. */
	uint32_t code = d->shutdown_code_set ? d->shutdown_code
			: d->is_shutting_down ? d->shutdown_reason
					      : 0xffffffffu;

	flags |= code << XEN_DOMINF_shutdownshift;
	if (d->controller_pause_count)
		flags |= XEN_DOMINF_paused;
	info->flags = flags;
	info->tot_pages = d->tot_pages;
	info->max_pages = d->max_pages;
	info->shared_info_frame = d->shared_info ? virt_to_mfn(d->shared_info) : 0;
	info->cpu_time = cpu_time;
	memcpy(info->handle, d->handle, sizeof(info->handle));
	info->gpaddr_bits = 52;
	info->arch_config.emulation_flags = d->emulation_flags;
}

static long page_frame_info(struct domain *d, struct xen_domctl_getpageframeinfo3 *info)
{
	if (info->num > PAGEFRAMEINFO_MAX)
		return -XEN_E2BIG;
	for (uint64_t i = 0; i < info->num; i++) {
		uint64_t at = (uint64_t)info->array.p + i * sizeof(xen_pfn_t);
		xen_pfn_t mfn;

		if (copy_from_guest_raw(&mfn, at, sizeof(mfn)))
			return -XEN_EFAULT;
		uint32_t type = XEN_DOMCTL_PFINFO_XTAB;
		struct page_info *pg = mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;

		/* The hypervisor's own frames lent to the domain (shared_info) are not its
		 * memory: XTAB, as for any frame not the domain's. */
		if (pg && get_page(pg, d)) {
			uint32_t type_info = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);
			unsigned int level = page_type_of(type_info);

			type = XEN_DOMCTL_PFINFO_NOTAB;
			if (pg->domain_spare & PAGE_SPARE_UNCOUNTED)
				type = XEN_DOMCTL_PFINFO_XTAB;
			else if (level >= PGT_L1 && level <= PGT_L4 && page_type_count(type_info)) {
				type = (uint32_t)(level - PGT_L1 + 1) << XEN_DOMCTL_PFINFO_LTAB_SHIFT;
				if (type_info & PGT_PINNED)
					type |= XEN_DOMCTL_PFINFO_LPINTAB;
			}
			put_page(pg);
		}
		xen_pfn_t answer = type; /* the type takes the frame number's place */

		if (copy_to_guest_raw(at, &answer, sizeof(answer)))
			return -XEN_EFAULT;
	}
	return 0;
}

/*
 * setvcpucontext / getvcpucontext, on a vCPU of another domain (paused meanwhile). Setting:
 * a NULL context takes the vCPU's context away; a vCPU that has one may be given another only
 * with the same page table (-EOPNOTSUPP otherwise); it is up after it only with VGCF_online.
 * Getting the context of a vCPU that has none is -ENODATA.
 */
static long vcpucontext(struct domain *d, struct xen_domctl_vcpucontext *op, bool set)
{
	struct vcpu *v = domain_vcpu(d, op->vcpu);

	if (!v || d == current_vcpu()->domain)
		return -XEN_EINVAL;
	if (!set && !v->initialised)
		return -XEN_ENODATA;
	if (set && !op->ctxt.p) {
		domain_pause(d);
		v->started = false;
		vcpu_context_release(v);
		domain_unpause(d);
		return 0;
	}
	struct vcpu_guest_context *context = heap_alloc(sizeof(*context));
	long rc = 0;

	if (!context)
		return -XEN_ENOMEM;
	domain_pause(d);
	if (set) {
		if (copy_from_guest_raw(context, (uint64_t)op->ctxt.p, sizeof(*context)))
			rc = -XEN_EFAULT;
		else if (v->initialised &&
			 xen_cr3_to_pfn(context->ctrlreg[3]) != v->guest_table)
			rc = -XEN_EOPNOTSUPP;
		else
			rc = vcpu_context_set(v, context);
		if (rc == 0 && (context->flags & VGCF_online))
			vcpu_start(v); /* it runs once its domain is unpaused */
		else if (rc == 0)
			v->started = false;
	} else {
		vcpu_context_get(v, context);
		if (copy_to_guest_raw((uint64_t)op->ctxt.p, context, sizeof(*context)))
			rc = -XEN_EFAULT;
	}
	domain_unpause(d);
	heap_free(context);
	return rc;
}

static long getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *info)
{
	struct vcpu_runstate_info runstate;

	if (info->vcpu >= d->max_vcpus_allowed)
		return -XEN_EINVAL;
	const struct vcpu *v = domain_vcpu(d, info->vcpu);

	if (!v) /* max_vcpus has not made it yet */
		return -XEN_ESRCH;
	runstate_snapshot(v, &runstate);
	info->online = v->started;
	info->blocked = v->blocked;
	info->running = v->is_running;
	info->cpu_time = runstate.time[RUNSTATE_running];
	info->cpu = v->processor;
	return 0;
}

/*
 * XEN_DOMCTL_scheduler_op: Parvus's scheduler answers as Xen 4.17's default one, credit2
 * (weight and cap; weight 0 leaves it as it is). Weights divide a CPU between the domains whose
 * vCPUs share it; a cap is the most of one CPU the domain may have (scheduler.c).
 */
#define CREDIT2_MAX_CAP_PER_VCPU 100

static long scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *op, bool *copy_back)
{
	if (op->sched_id != XEN_SCHEDULER_CREDIT2)
		return -XEN_EINVAL;
	switch (op->cmd) {
	case XEN_DOMCTL_SCHEDOP_getinfo:
		op->u.credit2.weight = (uint16_t)d->weight;
		op->u.credit2.cap = d->cap;
		*copy_back = true;
		return 0;
	case XEN_DOMCTL_SCHEDOP_putinfo:
		/* The weight first: credit2 sets it even when it then refuses the cap. */
		if (op->u.credit2.weight)
			d->weight = op->u.credit2.weight;
		if (op->u.credit2.cap > CREDIT2_MAX_CAP_PER_VCPU * (d->max_vcpus ? d->max_vcpus : 1))
			return -XEN_EINVAL;
		scheduler_set_cap(d, op->u.credit2.cap);
		return 0;
	default:
		return -XEN_EINVAL;
	}
}

/* One operation on an existing domain d; *copy_back when op goes back to the caller. */
static long operate(struct xen_domctl *op, struct domain *d, bool *copy_back)
{
	struct domain *self = current_vcpu()->domain;

	/* A dying domain can only be looked at (or destroyed again, which does nothing): what
	 * would give it vCPUs, contexts or pages would keep it from ever finishing dying. */
	if (d->is_dying &&
	    (op->cmd == XEN_DOMCTL_max_vcpus || op->cmd == XEN_DOMCTL_setvcpucontext ||
	     op->cmd == XEN_DOMCTL_hypercall_init || op->cmd == XEN_DOMCTL_max_mem ||
	     op->cmd == XEN_DOMCTL_unpausedomain || op->cmd == XEN_DOMCTL_pausedomain))
		return -XEN_EINVAL;
	switch (op->cmd) {
	case XEN_DOMCTL_destroydomain:
		if (d == self)
			return -XEN_EINVAL;
		domain_kill(d);
		return 0;
	case XEN_DOMCTL_pausedomain:
		if (d == self)
			return -XEN_EINVAL;
		if (d->controller_pause_count >= 255)
			return -XEN_EOVERFLOW;
		d->controller_pause_count++;
		domain_pause(d);
		return 0;
	case XEN_DOMCTL_unpausedomain:
		if (d == self || !d->controller_pause_count)
			return -XEN_EINVAL;
		d->controller_pause_count--;
		domain_unpause(d);
		return 0;
	case XEN_DOMCTL_max_mem: {
		uint64_t pages = op->u.max_mem.max_memkb >> (PAGE_SHIFT - 10);

		d->max_pages = pages < MAX_PAGES_LIMIT ? pages : MAX_PAGES_LIMIT;
		return 0;
	}
	case XEN_DOMCTL_max_vcpus:
		return max_vcpus(d, op->u.max_vcpus.max);
	case XEN_DOMCTL_setvcpucontext:
		return vcpucontext(d, &op->u.vcpucontext, true);
	case XEN_DOMCTL_getvcpucontext:
		return vcpucontext(d, &op->u.vcpucontext, false);
	case XEN_DOMCTL_getvcpuinfo: {
		long rc = getvcpuinfo(d, &op->u.getvcpuinfo);

		*copy_back = rc == 0;
		return rc;
	}
	case XEN_DOMCTL_scheduler_op:
		return scheduler_op(d, &op->u.scheduler_op, copy_back);
	case XEN_DOMCTL_hypercall_init: {
		/* A frame of the domain's own memory, which can be writable (no page table). */
		uint64_t mfn = op->u.hypercall_init.gmfn;
		struct page_info *pg = mfn_valid(mfn) ? mfn_to_page(mfn) : NULL;

		if (!pg || !get_page(pg, d))
			return -XEN_EINVAL;
		if (get_page_type(pg, PGT_WRITABLE)) {
			put_page(pg);
			return -XEN_EPERM;
		}
		hypercall_page_fill(page_to_virt(pg));
		put_page_and_type(pg);
		return 0;
	}
	case XEN_DOMCTL_set_virq_handler:
		return set_global_virq_handler(d, op->u.set_virq_handler.virq);
	case XEN_DOMCTL_setdomainhandle:
		memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
		return 0;
	case XEN_DOMCTL_getpageframeinfo3:
		return page_frame_info(d, &op->u.getpageframeinfo3);
	default:
		return -XEN_ENOSYS;
	}
}

long do_domctl(uint64_t arg, uint64_t unused2, uint64_t unused3, uint64_t unused4,
	       uint64_t unused5)
{
	struct domain *self = current_vcpu()->domain;
	struct xen_domctl op;
	bool copy_back = false;
	long rc;

	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
		return -XEN_EACCES;
	/* The target is looked up before the caller's privilege is checked (-ESRCH before
	 * -EPERM), except for the two commands that search rather than name a domain. */
	if (!self->is_privileged &&
	    (op.cmd == XEN_DOMCTL_createdomain || op.cmd == XEN_DOMCTL_getdomaininfo ||
	     domain_by_id(op.domain)))
		return -XEN_EPERM;
	if (op.cmd == XEN_DOMCTL_createdomain) {
		rc = createdomain(&op);
		copy_back = rc == 0;
	} else if (op.cmd == XEN_DOMCTL_getdomaininfo) {
		/* Xen 4.17 answers for the first domain at or above the id (a reserved id is
		 * -EINVAL, none above it -ESRCH), and says which in xen_domctl.domain. */
		struct domain *d = op.domain >= DOMID_FIRST_RESERVED ? NULL : domain_next(op.domain);

		rc = op.domain >= DOMID_FIRST_RESERVED ? -XEN_EINVAL : d ? 0 : -XEN_ESRCH;
		if (d) {
			domain_info(d, &op.u.getdomaininfo);
			op.domain = d->domain_id;
			copy_back = true;
		}
	} else {
		struct domain *d = domain_by_id(op.domain);

		rc = d ? operate(&op, d, &copy_back) : -XEN_ESRCH;
	}
	if (copy_back && copy_to_guest_raw(arg, &op, sizeof(op)))
		return -XEN_EFAULT;
	return rc;
}
