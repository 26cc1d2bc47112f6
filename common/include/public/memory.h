/*
 * memory_op: how a domain gets, gives back and exchanges memory, learns the machine's and
 * its own memory map, reads the machine-to-phys table's location, and places special
 * pages (shared_info, grant frames) in its physical address space.
 * Mirrors Xen's public/memory.h.
 */
#ifndef PARVUS_PUBLIC_MEMORY_H
#define PARVUS_PUBLIC_MEMORY_H

#include "xen.h"

/* Add or remove extents of 2^extent_order pages; populate fills holes in the physmap. */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap 6

/*
 * xen_memory_reservation.mem_flags: bits 0-7 limit the machine address width of the
 * frames handed out (0: no limit); bits 8-15 hold a NUMA node plus one.
 */
#define XENMEMF_address_bits(x) (x)
#define XENMEMF_get_address_bits(x) ((x)&0xffu)
#define XENMEMF_node(x) (((x) + 1) << 8)
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand (1 << 16)
#define XENMEMF_exact_node_request (1 << 17)
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18)

struct xen_memory_reservation {
	/*
	 * The frames: in for decrease (the frames to give back) and populate (the pfns to
	 * fill), out for increase (the mfns received). May be null for increase.
	 */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	xen_ulong_t nr_extents;
	unsigned int extent_order;
	unsigned int mem_flags; /* XENMEMF_* */
	domid_t domid;		/* DOMID_SELF unless privileged */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_reservation_t);

/*
 * Trade the frames listed in "in" for fresh ones described by "out" (for example to get
 * frames below 4 GiB). Both must cover the same number of bytes. On a partial failure
 * nr_exchanged says how many input extents were done.
 */
#define XENMEM_exchange 11
struct xen_memory_exchange {
	struct xen_memory_reservation in;
	struct xen_memory_reservation out;
	xen_ulong_t nr_exchanged; /* must be zero on the first call */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_exchange_t);

/* Returns the highest machine frame number in the system; no argument. */
#define XENMEM_maximum_ram_page 2

/* Argument of the queries below: the domain asked about. */
struct xen_memory_domain {
	domid_t domid;
};

/* Return a domain's current or maximum page count, or its highest pfn (arg: domid_t). */
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_maximum_gpfn 14

/* The frames making up the machine-to-phys table, one per 2 MiB of its mapping. */
#define XENMEM_machphys_mfn_list 5
struct xen_machphys_mfn_list {
	unsigned int max_extents;		  /* room in extent_start */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start; /* out */
	unsigned int nr_extents;		  /* out */
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mfn_list_t);

/* The same for the 32-bit guests' compat table. */
#define XENMEM_machphys_compat_mfn_list 25

/* Where the machine-to-phys table is mapped and how far it reaches. */
#define XENMEM_machphys_mapping 12
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end; /* virtual address range */
	xen_ulong_t max_mfn;	    /* highest frame it can describe */
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mapping_t);

/* The spaces a page placed by add_to_physmap comes from. */
#define XENMAPSPACE_shared_info 0  /* the shared_info page */
#define XENMAPSPACE_grant_table 1  /* a grant table frame */
#define XENMAPSPACE_gmfn 2	   /* one of the domain's own frames, moved */
#define XENMAPSPACE_gmfn_range 3   /* a run of them (add_to_physmap only) */
#define XENMAPSPACE_gmfn_foreign 4 /* a frame of another domain (batch only) */
#define XENMAPSPACE_dev_mmio 5	   /* device memory (Arm only) */

/* Map one page (or a range) of a space at gpfn in the physmap of a translated guest. */
#define XENMEM_add_to_physmap 7
struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;	    /* pages, for XENMAPSPACE_gmfn_range */
	unsigned int space; /* XENMAPSPACE_* */
/* In idx of a grant_table mapping: the status frames of a version 2 table. */
#define XENMAPIDX_grant_table_status 0x80000000
	xen_ulong_t idx;
	xen_pfn_t gpfn;
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_t);

/* Many mappings at once, with an error code per page. */
#define XENMEM_add_to_physmap_batch 23
struct xen_add_to_physmap_batch {
	domid_t domid;
	uint16_t space; /* XENMAPSPACE_* */
	uint16_t size;
	union xen_add_to_physmap_batch_extra {
		domid_t foreign_domid; /* for XENMAPSPACE_gmfn_foreign */
		uint16_t res0;	       /* zero for every other space */
	} u;
	XEN_GUEST_HANDLE(xen_ulong_t) idxs;
	XEN_GUEST_HANDLE(xen_pfn_t) gpfns;
	XEN_GUEST_HANDLE(int) errs; /* out */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_batch_t);

/* Unmap whatever page is at gpfn. */
#define XENMEM_remove_from_physmap 15
struct xen_remove_from_physmap {
	domid_t domid;
	xen_pfn_t gpfn;
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_remove_from_physmap_t);

/*
 * A memory map in E820 format (20-byte entries of address, length, type). memory_map
 * returns the caller's pseudo-physical map, machine_memory_map the real one (dom0 only),
 * set_memory_map sets a domain's (toolstack).
 */
#define XENMEM_memory_map 9
struct xen_memory_map {
	unsigned int nr_entries; /* in: room in buffer; out: entries written */
	XEN_GUEST_HANDLE(void) buffer;
};
typedef struct xen_memory_map xen_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_map_t);

#define XENMEM_machine_memory_map 10

#define XENMEM_set_memory_map 13
struct xen_foreign_memory_map {
	domid_t domid;
	struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_foreign_memory_map_t);

/* Populate-on-demand target of a domain (mostly for HVM guests). */
#define XENMEM_set_pod_target 16
#define XENMEM_get_pod_target 17
struct xen_pod_target {
	uint64_t target_pages;
	uint64_t tot_pages;	  /* out */
	uint64_t pod_cache_pages; /* out */
	uint64_t pod_entries;	  /* out */
	domid_t domid;
};
typedef struct xen_pod_target xen_pod_target_t;

/* Map frames of a domain's resource (its grant table, an ioreq server ...) directly. */
#define XENMEM_acquire_resource 28
struct xen_mem_acquire_resource {
	domid_t domid;
	uint16_t type; /* XENMEM_resource_* */
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table 1
#define XENMEM_resource_vmtrace_buf 2
	uint32_t id; /* which instance, e.g. XENMEM_resource_grant_table_id_* */
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1
	uint32_t nr_frames; /* in: frames wanted; out: frames mapped or, with a null list, max */
	uint32_t pad;
	uint64_t frame; /* first frame of the resource */
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list;
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;
DEFINE_XEN_GUEST_HANDLE(xen_mem_acquire_resource_t);

/* Ask for a domain's virtual NUMA layout: its nodes, their distances, which node each vCPU and
 * each memory range belongs to. The counts are the sizes of the caller's arrays on the way
 * in, and what the layout needs on the way out. */
#define XENMEM_get_vnumainfo 26

struct xen_vmemrange {
	uint64_t start, end; /* [start, end) in the domain's physical addresses */
	unsigned int flags;
	unsigned int nid; /* the node it belongs to */
};
typedef struct xen_vmemrange xen_vmemrange_t;
DEFINE_XEN_GUEST_HANDLE(xen_vmemrange_t);

struct xen_vnuma_topology_info {
	domid_t domid;
	uint16_t pad; /* must be 0 */
	unsigned int nr_vnodes;
	unsigned int nr_vcpus;
	unsigned int nr_vmemranges;
	union {
		XEN_GUEST_HANDLE(uint) h; /* nr_vnodes * nr_vnodes distances */
		uint64_t pad;
	} vdistance;
	union {
		XEN_GUEST_HANDLE(uint) h; /* one node per vCPU */
		uint64_t pad;
	} vcpu_to_vnode;
	union {
		XEN_GUEST_HANDLE(xen_vmemrange_t) h;
		uint64_t pad;
	} vmemrange;
};
typedef struct xen_vnuma_topology_info xen_vnuma_topology_info_t;
DEFINE_XEN_GUEST_HANDLE(xen_vnuma_topology_info_t);

#endif /* PARVUS_PUBLIC_MEMORY_H */
