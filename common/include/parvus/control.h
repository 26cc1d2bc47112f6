/*
 * The control domain's calls in short form (common/toolstack/control.c): domctl and sysctl
 * with the interface version filled in, and the memory and event-channel operations a
 * toolstack makes on behalf of another domain. Each returns Xen's answer: 0 (or a count) on
 * success, a negative Xen errno otherwise. What libxenctrl is to Xen's toolstack, in a few
 * functions; the domain builder (pv_build.h) and dom0's toolstack use them.
 */
#ifndef PARVUS_CONTROL_H
#define PARVUS_CONTROL_H

#include <stdint.h>
#include <parvus/hypercall.h>

/* A domctl of cmd on domain; the caller fills op->u, the rest is set here. */
long domctl(struct xen_domctl *op, uint32_t cmd, domid_t domain);
/* The same for operations without arguments (pause, unpause, destroy). */
long domctl_plain(uint32_t cmd, domid_t domain);
long sysctl(struct xen_sysctl *op, uint32_t cmd);

/*
 * XEN_DOMCTL_createdomain: *domain is the id wanted (0: the hypervisor chooses) and receives
 * the id given. The new domain is paused, without memory or vCPUs.
 */
long domain_create(const struct xen_domctl_createdomain *config, domid_t *domain);
/*
 * XEN_DOMCTL_getdomaininfo. Xen 4.17 answers for the first domain with an id >= domain, so
 * info->domain says which domain the answer is about (info may be NULL: only the answer).
 */
long domain_info(domid_t domain, struct xen_domctl_getdomaininfo *info);
long domain_max_vcpus(domid_t domain, uint32_t max);
long domain_max_mem(domid_t domain, uint64_t max_kib);
long domain_set_vcpu_context(domid_t domain, uint32_t vcpu, struct vcpu_guest_context *context);
long domain_hypercall_init(domid_t domain, xen_pfn_t mfn);
long domain_pause(domid_t domain);
long domain_unpause(domid_t domain);
long domain_destroy(domid_t domain);

/*
 * XEN_DOMCTL_scheduler_op with Xen's default scheduler, credit2 (what libxenctrl's
 * xc_sched_credit2_domain_get/set do). A weight is the domain's relative share of a CPU it
 * contends for (256 by default; 0 in a set leaves it as it is); a cap is the most CPU time it
 * may have, in percent of one CPU (0: no cap; above 100 per vCPU: -EINVAL).
 */
long domain_sched_credit2_get(domid_t domain, uint16_t *weight, uint16_t *cap);
long domain_sched_credit2_set(domid_t domain, uint16_t weight, uint16_t cap);

/* XEN_SYSCTL_physinfo's free_pages, or a negative errno. */
long machine_free_pages(void);

/*
 * XENMEM_populate_physmap for another domain, count frames of order 0: frames[i] holds a
 * pfn of the domain on the way in and its new mfn on the way out (a PV domain's p2m).
 * Returns how many were given.
 */
long domain_populate_physmap(domid_t domain, xen_pfn_t *frames, unsigned int count);

/* EVTCHNOP_alloc_unbound: a port of ours that remote may bind to; the port or an errno. */
long evtchn_alloc_unbound(domid_t remote);

#endif /* PARVUS_CONTROL_H */
