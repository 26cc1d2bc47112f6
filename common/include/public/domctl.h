/*
 * domctl: how the control domain (dom0) builds, inspects and tears down other domains. One
 * hypercall, __HYPERVISOR_domctl, takes a struct xen_domctl naming an operation (cmd), the
 * interface version it was written against and the target domain; each operation's arguments
 * and results live in the union u. Parvus describes the subset dom0 needs to start and manage
 * PV domains; the numbers and layouts are Xen 4.17's (tests/abi compares them with Xen's
 * headers, which show domctl to the toolstack only, under __XEN_TOOLS__).
 */
#ifndef PARVUS_PUBLIC_DOMCTL_H
#define PARVUS_PUBLIC_DOMCTL_H

#include <stdint.h>

#include "xen.h"

/*
 * The version of this interface. It changes whenever any domctl layout changes, so the
 * hypervisor refuses (-EACCES) a request whose interface_version differs.
 */
#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

/*
 * Operation numbers (xen_domctl.cmd). Only those Parvus describes are listed; the gaps are
 * Xen's other operations.
 */
#define XEN_DOMCTL_createdomain 1
#define XEN_DOMCTL_destroydomain 2
#define XEN_DOMCTL_pausedomain 3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_max_mem 11
#define XEN_DOMCTL_setvcpucontext 12
#define XEN_DOMCTL_getvcpucontext 13
#define XEN_DOMCTL_getvcpuinfo 14
#define XEN_DOMCTL_max_vcpus 15
#define XEN_DOMCTL_scheduler_op 16
#define XEN_DOMCTL_setdomainhandle 17
#define XEN_DOMCTL_hypercall_init 22
#define XEN_DOMCTL_getpageframeinfo3 61
#define XEN_DOMCTL_set_virq_handler 66

/*
 * XEN_DOMCTL_createdomain. xen_domctl.domain is in and out: a free id below
 * DOMID_FIRST_RESERVED is taken as asked, 0 or a reserved id lets the hypervisor pick one,
 * and the id used is written back. The new domain has no memory and is paused.
 */
#define _XEN_DOMCTL_CDF_hvm 0
#define XEN_DOMCTL_CDF_hvm (1U << _XEN_DOMCTL_CDF_hvm) /* HVM, not PV */
#define _XEN_DOMCTL_CDF_hap 1
#define XEN_DOMCTL_CDF_hap (1U << _XEN_DOMCTL_CDF_hap) /* hardware-assisted paging */
#define _XEN_DOMCTL_CDF_s3_integrity 2
#define XEN_DOMCTL_CDF_s3_integrity (1U << _XEN_DOMCTL_CDF_s3_integrity) /* tboot checks */
#define _XEN_DOMCTL_CDF_oos_off 3
#define XEN_DOMCTL_CDF_oos_off (1U << _XEN_DOMCTL_CDF_oos_off) /* no out-of-sync shadows */
#define _XEN_DOMCTL_CDF_xs_domain 4
#define XEN_DOMCTL_CDF_xs_domain (1U << _XEN_DOMCTL_CDF_xs_domain) /* runs XenStore */
#define _XEN_DOMCTL_CDF_iommu 5
#define XEN_DOMCTL_CDF_iommu (1U << _XEN_DOMCTL_CDF_iommu) /* may use the IOMMU */
#define _XEN_DOMCTL_CDF_nested_virt 6
#define XEN_DOMCTL_CDF_nested_virt (1U << _XEN_DOMCTL_CDF_nested_virt)
#define XEN_DOMCTL_CDF_vpmu (1U << 7)	       /* sees a virtual PMU */
#define XEN_DOMCTL_CDF_MAX XEN_DOMCTL_CDF_vpmu /* the highest flag defined */

#define _XEN_DOMCTL_IOMMU_no_sharept 0
#define XEN_DOMCTL_IOMMU_no_sharept (1U << _XEN_DOMCTL_IOMMU_no_sharept)
#define XEN_DOMCTL_IOMMU_MAX XEN_DOMCTL_IOMMU_no_sharept

/* grant_opts: the highest grant-table version the domain may use, in the low 4 bits. */
#define XEN_DOMCTL_GRANT_version_mask 0xf
#define XEN_DOMCTL_GRANT_version(v) ((v)&XEN_DOMCTL_GRANT_version_mask)

struct xen_domctl_createdomain {
	uint32_t ssidref;	    /* security label (XSM); 0 without XSM */
	xen_domain_handle_t handle; /* an opaque 16-byte id the toolstack keeps (a UUID) */
	uint32_t flags;		    /* XEN_DOMCTL_CDF_* */
	uint32_t iommu_opts;	    /* XEN_DOMCTL_IOMMU_* */
	/*
	 * Limits on what the domain may consume. The grant and maptrack frame counts take a
	 * negative value as "the hypervisor's default".
	 */
	uint32_t max_vcpus;
	uint32_t max_evtchn_port;
	int32_t max_grant_frames;
	int32_t max_maptrack_frames;
	uint32_t grant_opts;   /* XEN_DOMCTL_GRANT_version(v) */
	uint32_t vmtrace_size; /* per-vCPU trace buffer in bytes, 0 for none */
	uint32_t cpupool_id;   /* 0 or an existing CPU pool */
	struct xen_arch_domainconfig arch;
};

/*
 * XEN_DOMCTL_getdomaininfo: the state of one domain. flags is made of XEN_DOMINF_* bits;
 * when XEN_DOMINF_shutdown is set, bits 16-23 hold the SHUTDOWN_* reason the guest gave.
 */
#define _XEN_DOMINF_dying 0
#define XEN_DOMINF_dying (1U << _XEN_DOMINF_dying) /* being destroyed */
#define _XEN_DOMINF_hvm_guest 1
#define XEN_DOMINF_hvm_guest (1U << _XEN_DOMINF_hvm_guest) /* HVM, not PV */
#define _XEN_DOMINF_shutdown 2
#define XEN_DOMINF_shutdown (1U << _XEN_DOMINF_shutdown) /* the guest has shut down */
#define _XEN_DOMINF_paused 3
#define XEN_DOMINF_paused (1U << _XEN_DOMINF_paused) /* paused by the toolstack */
#define _XEN_DOMINF_blocked 4
#define XEN_DOMINF_blocked (1U << _XEN_DOMINF_blocked) /* every vCPU waits for an event */
#define _XEN_DOMINF_running 5
#define XEN_DOMINF_running (1U << _XEN_DOMINF_running) /* some vCPU is on a CPU now */
#define _XEN_DOMINF_debugged 6
#define XEN_DOMINF_debugged (1U << _XEN_DOMINF_debugged) /* under a debugger */
#define _XEN_DOMINF_xs_domain 7
#define XEN_DOMINF_xs_domain (1U << _XEN_DOMINF_xs_domain) /* runs XenStore */
#define _XEN_DOMINF_hap 8
#define XEN_DOMINF_hap (1U << _XEN_DOMINF_hap) /* uses hardware-assisted paging */
#define XEN_DOMINF_shutdownmask 255
#define XEN_DOMINF_shutdownshift 16

/* max_vcpu_id of a domain that has no vCPU yet. */
#define XEN_INVALID_MAX_VCPU_ID (~0U)

struct xen_domctl_getdomaininfo {
	domid_t domain; /* the domain described (also written to xen_domctl.domain) */
	uint16_t pad1;
	uint32_t flags;		    /* XEN_DOMINF_* */
	uint64_t tot_pages;	    /* pages the domain owns */
	uint64_t max_pages;	    /* the most it may own (XEN_DOMCTL_max_mem) */
	uint64_t outstanding_pages; /* claimed, not yet allocated */
	uint64_t shr_pages;	    /* shared with other domains */
	uint64_t paged_pages;	    /* paged out */
	uint64_t shared_info_frame; /* frame of its shared_info page */
	uint64_t cpu_time;	    /* nanoseconds run, all vCPUs together */
	uint32_t nr_online_vcpus;
	uint32_t max_vcpu_id; /* the highest vCPU id, XEN_INVALID_MAX_VCPU_ID for none */
	uint32_t ssidref;
	xen_domain_handle_t handle;
	uint32_t cpupool;
	uint8_t gpaddr_bits; /* width of the guest-physical address space */
	uint8_t pad2[7];
	struct xen_arch_domainconfig arch_config;
};
typedef struct xen_domctl_getdomaininfo xen_domctl_getdomaininfo_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_getdomaininfo_t);

/*
 * XEN_DOMCTL_getpageframeinfo3: for each frame number in array (num entries), the hypervisor
 * writes back the frame's page-table type in bits 28-31 (XEN_DOMCTL_PFINFO_*), or XTAB when
 * the frame is not the domain's. It may update num and array as it goes, to be preempted.
 */
#define XEN_DOMCTL_PFINFO_LTAB_SHIFT 28
#define XEN_DOMCTL_PFINFO_NOTAB (0x0U << 28) /* not a page table */
#define XEN_DOMCTL_PFINFO_L1TAB (0x1U << 28)
#define XEN_DOMCTL_PFINFO_L2TAB (0x2U << 28)
#define XEN_DOMCTL_PFINFO_L3TAB (0x3U << 28)
#define XEN_DOMCTL_PFINFO_L4TAB (0x4U << 28)
#define XEN_DOMCTL_PFINFO_LTABTYPE_MASK (0x7U << 28)
#define XEN_DOMCTL_PFINFO_LPINTAB (0x1U << 31) /* with a level: the table is pinned */
#define XEN_DOMCTL_PFINFO_XTAB (0xfU << 28)    /* not a valid frame of the domain */
#define XEN_DOMCTL_PFINFO_XALLOC (0xeU << 28)  /* allocated, contents not to be saved */
#define XEN_DOMCTL_PFINFO_BROKEN (0xdU << 28)  /* the hardware reported it broken */
#define XEN_DOMCTL_PFINFO_LTAB_MASK (0xfU << 28)

struct xen_domctl_getpageframeinfo3 {
	uint64_t num;			   /* in: entries in array */
	XEN_GUEST_HANDLE(xen_pfn_t) array; /* in: frame numbers; out: each or'ed with its type */
};

/* XEN_DOMCTL_max_mem: the most memory the domain may own, in KiB. */
struct xen_domctl_max_mem {
	uint64_t max_memkb;
};

/* XEN_DOMCTL_setvcpucontext / XEN_DOMCTL_getvcpucontext: a vCPU's full register state. */
struct xen_domctl_vcpucontext {
	uint32_t vcpu;
	XEN_GUEST_HANDLE(vcpu_guest_context_t) ctxt; /* in for set, out for get */
};

/* XEN_DOMCTL_getvcpuinfo: what one vCPU is doing. */
struct xen_domctl_getvcpuinfo {
	uint32_t vcpu;	   /* in */
	uint8_t online;	   /* brought up, not taken down */
	uint8_t blocked;   /* waiting for an event */
	uint8_t running;   /* on a physical CPU now */
	uint64_t cpu_time; /* nanoseconds run */
	uint32_t cpu;	   /* the physical CPU it runs or last ran on */
};

/*
 * XEN_DOMCTL_max_vcpus: allocate the domain's vCPUs. It must equal the max_vcpus given to
 * createdomain; it exists for older toolstacks.
 */
struct xen_domctl_max_vcpus {
	uint32_t max;
};

/*
 * XEN_DOMCTL_scheduler_op: a domain's parameters for the scheduler that runs it (sched_id must
 * name it). Credit and credit2: a weight (its share relative to other domains) and a cap (at
 * most this percentage of one CPU; 0 for none).
 */
#define XEN_SCHEDULER_CREDIT 5
#define XEN_SCHEDULER_CREDIT2 6
#define XEN_SCHEDULER_ARINC653 7
#define XEN_SCHEDULER_RTDS 8
#define XEN_SCHEDULER_NULL 9

struct xen_domctl_sched_credit {
	uint16_t weight;
	uint16_t cap;
};

struct xen_domctl_sched_credit2 {
	uint16_t weight;
	uint16_t cap;
};

struct xen_domctl_sched_rtds {
	uint32_t period; /* microseconds */
	uint32_t budget; /* microseconds of each period */
#define _XEN_DOMCTL_SCHEDRT_extra 0
#define XEN_DOMCTL_SCHEDRT_extra (1U << _XEN_DOMCTL_SCHEDRT_extra) /* may run past its budget */
	uint32_t flags;
};

/* Per-vCPU parameters, for schedulers that have them (RTDS). */
typedef struct xen_domctl_schedparam_vcpu {
	union {
		struct xen_domctl_sched_credit credit;
		struct xen_domctl_sched_credit2 credit2;
		struct xen_domctl_sched_rtds rtds;
	} u;
	uint32_t vcpuid;
} xen_domctl_schedparam_vcpu_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_schedparam_vcpu_t);

#define XEN_DOMCTL_SCHEDOP_putinfo 0	 /* set the domain's parameters */
#define XEN_DOMCTL_SCHEDOP_getinfo 1	 /* read them */
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo 2 /* per vCPU (RTDS) */
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo 3

struct xen_domctl_scheduler_op {
	uint32_t sched_id; /* XEN_SCHEDULER_* */
	uint32_t cmd;	   /* XEN_DOMCTL_SCHEDOP_* */
	union {
		struct xen_domctl_sched_credit credit;
		struct xen_domctl_sched_credit2 credit2;
		struct xen_domctl_sched_rtds rtds;
		struct {
			XEN_GUEST_HANDLE(xen_domctl_schedparam_vcpu_t) vcpus;
			uint32_t nr_vcpus; /* in: entries in vcpus; out: entries done */
			uint32_t padding;
		} v;
	} u;
};

/* XEN_DOMCTL_setdomainhandle: replace the toolstack's 16-byte id of the domain. */
struct xen_domctl_setdomainhandle {
	xen_domain_handle_t handle;
};

/*
 * XEN_DOMCTL_hypercall_init: the hypervisor writes its hypercall stubs into one page of the
 * domain (for PV, gmfn is the machine frame), which must be the domain's own, ordinary memory.
 * This is how Xen's toolstack fills the page the kernel's HYPERCALL_PAGE note names.
 */
struct xen_domctl_hypercall_init {
	uint64_t gmfn;
};

/*
 * XEN_DOMCTL_set_virq_handler: make the target domain the receiver of one global VIRQ
 * (VIRQ_DOM_EXC, VIRQ_CON_RING, ...) in place of dom0.
 */
struct xen_domctl_set_virq_handler {
	uint32_t virq;
};

/*
 * The argument of __HYPERVISOR_domctl. The union is padded to 128 bytes so that every
 * operation's arguments, including Xen's operations not described here, fit the same frame.
 */
struct xen_domctl {
	uint32_t cmd;		    /* XEN_DOMCTL_* */
	uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
	domid_t domain;		    /* the target domain */
	uint16_t _pad[3];
	union {
		struct xen_domctl_createdomain createdomain;
		struct xen_domctl_getdomaininfo getdomaininfo;
		struct xen_domctl_getpageframeinfo3 getpageframeinfo3;
		struct xen_domctl_max_mem max_mem;
		struct xen_domctl_vcpucontext vcpucontext;
		struct xen_domctl_getvcpuinfo getvcpuinfo;
		struct xen_domctl_max_vcpus max_vcpus;
		struct xen_domctl_scheduler_op scheduler_op;
		struct xen_domctl_setdomainhandle setdomainhandle;
		struct xen_domctl_hypercall_init hypercall_init;
		struct xen_domctl_set_virq_handler set_virq_handler;
		uint8_t pad[128];
	} u;
};
typedef struct xen_domctl xen_domctl_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_t);

#endif /* PARVUS_PUBLIC_DOMCTL_H */
