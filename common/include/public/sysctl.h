/*
 * sysctl: what the control domain (dom0) asks about the whole machine rather than one domain:
 * the hypervisor's console ring, the physical CPUs and memory, and the list of domains. One
 * hypercall, __HYPERVISOR_sysctl, takes a struct xen_sysctl naming an operation (cmd) and the
 * interface version it was written against; the arguments and results live in the union u.
 * Parvus describes the subset dom0 needs; numbers and layouts are Xen 4.17's (tests/abi
 * compares them with Xen's headers, which show sysctl to the toolstack only).
 */
#ifndef PARVUS_PUBLIC_SYSCTL_H
#define PARVUS_PUBLIC_SYSCTL_H

#include <stdint.h>

#include "xen.h"
#include "domctl.h"

/* The version of this interface; a request with another one is refused with -EACCES. */
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

/* Operation numbers (xen_sysctl.cmd) Parvus describes; the gaps are Xen's other ones. */
#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_physinfo 3
#define XEN_SYSCTL_getdomaininfolist 6

/*
 * XEN_SYSCTL_readconsole: copy bytes out of the hypervisor's console ring. Without
 * incremental, reading starts at the oldest byte kept; with it, at index (a position
 * returned by an earlier read). clear empties the ring after the read.
 */
struct xen_sysctl_readconsole {
	uint8_t clear;
	uint8_t incremental;
	uint8_t pad0, pad1;
	uint32_t index;		       /* in: where to start if incremental; out: where it ended */
	XEN_GUEST_HANDLE(char) buffer; /* in: where the bytes go */
	uint32_t count;		       /* in: size of buffer; out: bytes written */
};

/* XEN_SYSCTL_physinfo: the machine. capabilities is made of these bits: */
#define _XEN_SYSCTL_PHYSCAP_hvm 0
#define XEN_SYSCTL_PHYSCAP_hvm (1U << _XEN_SYSCTL_PHYSCAP_hvm) /* HVM guests can run */
#define _XEN_SYSCTL_PHYSCAP_pv 1
#define XEN_SYSCTL_PHYSCAP_pv (1U << _XEN_SYSCTL_PHYSCAP_pv) /* PV guests can run */
#define _XEN_SYSCTL_PHYSCAP_directio 2
#define XEN_SYSCTL_PHYSCAP_directio (1U << _XEN_SYSCTL_PHYSCAP_directio) /* IOMMU passthrough */
#define _XEN_SYSCTL_PHYSCAP_hap 3
#define XEN_SYSCTL_PHYSCAP_hap (1U << _XEN_SYSCTL_PHYSCAP_hap) /* hardware-assisted paging */
#define _XEN_SYSCTL_PHYSCAP_shadow 4
#define XEN_SYSCTL_PHYSCAP_shadow (1U << _XEN_SYSCTL_PHYSCAP_shadow) /* shadow paging */
#define _XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share 5
#define XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share (1U << _XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share)
#define XEN_SYSCTL_PHYSCAP_vmtrace (1U << 6)
#define XEN_SYSCTL_PHYSCAP_vpmu (1U << 7)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1 (1U << 8)		    /* grant tables version 1 */
#define XEN_SYSCTL_PHYSCAP_gnttab_v2 (1U << 9)		    /* grant tables version 2 */
#define XEN_SYSCTL_PHYSCAP_MAX XEN_SYSCTL_PHYSCAP_gnttab_v2 /* the highest bit defined */

struct xen_sysctl_physinfo {
	uint32_t threads_per_core;
	uint32_t cores_per_socket;
	uint32_t nr_cpus;     /* CPUs online */
	uint32_t max_cpu_id;  /* the highest CPU number possible */
	uint32_t nr_nodes;    /* NUMA nodes online */
	uint32_t max_node_id; /* the highest node number possible */
	uint32_t cpu_khz;
	uint32_t capabilities;	    /* XEN_SYSCTL_PHYSCAP_* */
	uint32_t arch_capabilities; /* architecture-specific bits (none defined on x86) */
	uint32_t pad;
	uint64_t total_pages; /* RAM the hypervisor manages, in pages */
	uint64_t free_pages;  /* of which free now */
	uint64_t scrub_pages; /* of which free but still to be scrubbed */
	uint64_t outstanding_pages;
	uint64_t max_mfn; /* the highest machine frame number possible */
	uint32_t hw_cap[8];
};

/*
 * XEN_SYSCTL_getdomaininfolist: the state of up to max_domains domains with ids from
 * first_domain up, in id order, as XEN_DOMCTL_getdomaininfo would report each.
 */
struct xen_sysctl_getdomaininfolist {
	domid_t first_domain;
	uint32_t max_domains;
	XEN_GUEST_HANDLE(xen_domctl_getdomaininfo_t) buffer;
	uint32_t num_domains; /* out: entries written */
};

/* The argument of __HYPERVISOR_sysctl; the union is padded to 128 bytes, as Xen's. */
struct xen_sysctl {
	uint32_t cmd;		    /* XEN_SYSCTL_* */
	uint32_t interface_version; /* XEN_SYSCTL_INTERFACE_VERSION */
	union {
		struct xen_sysctl_readconsole readconsole;
		struct xen_sysctl_physinfo physinfo;
		struct xen_sysctl_getdomaininfolist getdomaininfolist;
		uint8_t pad[128];
	} u;
};
typedef struct xen_sysctl xen_sysctl_t;
DEFINE_XEN_GUEST_HANDLE(xen_sysctl_t);

#endif /* PARVUS_PUBLIC_SYSCTL_H */
