/*
 * xen_version: the hypervisor's version number (major << 16 | minor, returned directly),
 * strings describing the build and its capabilities, the feature submaps and the page
 * size. Parvus answers as the Xen version its interface matches. Mirrors Xen's
 * public/version.h.
 */
#ifndef PARVUS_PUBLIC_VERSION_H
#define PARVUS_PUBLIC_VERSION_H

#include "xen.h"

#define XENVER_version 0 /* no argument; returns major << 16 | minor */

#define XENVER_extraversion 1
typedef char xen_extraversion_t[16]; /* e.g. ".7" */
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

#define XENVER_compile_info 2
struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

/* Space-separated guest kinds the hypervisor can run, e.g. "xen-3.0-x86_64". */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

#define XENVER_changeset 4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* Where the hypervisor's hole begins in the guest's virtual address space. */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

/* One 32-bit submap of XENFEAT_* bits (see features.h). */
#define XENVER_get_features 6
struct xen_feature_info {
	unsigned int submap_idx; /* which submap */
	uint32_t submap;	 /* out */
};
typedef struct xen_feature_info xen_feature_info_t;

#include "features.h"

#define XENVER_pagesize 7     /* no argument; returns the page size */
#define XENVER_guest_handle 8 /* arg: xen_domain_handle_t, the caller's handle */

#define XENVER_commandline 9 /* privileged: the hypervisor's command line */
typedef char xen_commandline_t[1024];

/* The build id of the hypervisor binary. */
#define XENVER_build_id 10
struct xen_build_id {
	uint32_t len;	     /* in: room in buf */
	unsigned char buf[]; /* out */
};
typedef struct xen_build_id xen_build_id_t;

#endif /* PARVUS_PUBLIC_VERSION_H */
