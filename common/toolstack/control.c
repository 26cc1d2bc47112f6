/*
 * The control domain's calls in short form (<parvus/control.h>): each fills in what the
 * interface wants besides the caller's arguments and returns the hypervisor's answer as is.
 */
#include <string.h>
#include <parvus/control.h>

long domctl(struct xen_domctl *op, uint32_t cmd, domid_t domain)
{
	op->cmd = cmd;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = domain;
	return HYPERVISOR_domctl(op);
}

long domctl_plain(uint32_t cmd, domid_t domain)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	return domctl(&op, cmd, domain);
}

long sysctl(struct xen_sysctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	return HYPERVISOR_sysctl(op);
}

long domain_create(const struct xen_domctl_createdomain *config, domid_t *domain)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.createdomain = *config;
	long rc = domctl(&op, XEN_DOMCTL_createdomain, *domain);

	if (rc == 0)
		*domain = op.domain;
	return rc;
}

long domain_info(domid_t domain, struct xen_domctl_getdomaininfo *info)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	long rc = domctl(&op, XEN_DOMCTL_getdomaininfo, domain);

	if (info)
		*info = op.u.getdomaininfo;
	return rc;
}

long domain_max_vcpus(domid_t domain, uint32_t max)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus.max = max;
	return domctl(&op, XEN_DOMCTL_max_vcpus, domain);
}

long domain_max_mem(domid_t domain, uint64_t max_kib)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_mem.max_memkb = max_kib;
	return domctl(&op, XEN_DOMCTL_max_mem, domain);
}

long domain_set_vcpu_context(domid_t domain, uint32_t vcpu, struct vcpu_guest_context *context)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = vcpu;
	set_xen_guest_handle(op.u.vcpucontext.ctxt, context);
	return domctl(&op, XEN_DOMCTL_setvcpucontext, domain);
}

long domain_hypercall_init(domid_t domain, xen_pfn_t mfn)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.hypercall_init.gmfn = mfn;
	return domctl(&op, XEN_DOMCTL_hypercall_init, domain);
}

long domain_pause(domid_t domain)
{
	return domctl_plain(XEN_DOMCTL_pausedomain, domain);
}

long domain_unpause(domid_t domain)
{
	return domctl_plain(XEN_DOMCTL_unpausedomain, domain);
}

long domain_destroy(domid_t domain)
{
	return domctl_plain(XEN_DOMCTL_destroydomain, domain);
}

long machine_free_pages(void)
{
	struct xen_sysctl op;

	memset(&op, 0, sizeof(op));
	long rc = sysctl(&op, XEN_SYSCTL_physinfo);

	return rc ? rc : (long)op.u.physinfo.free_pages;
}

long domain_populate_physmap(domid_t domain, xen_pfn_t *frames, unsigned int count)
{
	struct xen_memory_reservation reservation = {
		.nr_extents = count,
		.extent_order = 0,
		.mem_flags = 0,
		.domid = domain,
	};

	set_xen_guest_handle(reservation.extent_start, frames);
	return HYPERVISOR_memory_op(XENMEM_populate_physmap, &reservation);
}

long evtchn_alloc_unbound(domid_t remote)
{
	struct evtchn_alloc_unbound alloc = {.dom = DOMID_SELF, .remote_dom = remote};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &alloc);

	return rc ? rc : (long)alloc.port;
}

long domain_sched_credit2_get(domid_t domain, uint16_t *weight, uint16_t *cap)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
	op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
	long rc = domctl(&op, XEN_DOMCTL_scheduler_op, domain);

	if (rc == 0) {
		*weight = op.u.scheduler_op.u.credit2.weight;
		*cap = op.u.scheduler_op.u.credit2.cap;
	}
	return rc;
}

long domain_sched_credit2_set(domid_t domain, uint16_t weight, uint16_t cap)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
	op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
	op.u.scheduler_op.u.credit2.weight = weight;
	op.u.scheduler_op.u.credit2.cap = cap;
	return domctl(&op, XEN_DOMCTL_scheduler_op, domain);
}
