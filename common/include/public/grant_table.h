/*
 * Grant tables: how a domain lets another map or copy one of its pages. The granting
 * domain writes an entry into its grant table (version 1 or 2 layout) naming the grantee
 * and the frame; the grantee then uses grant_table_op with the entry's reference.
 * Mirrors Xen's public/grant_table.h.
 */
#ifndef PARVUS_PUBLIC_GRANT_TABLE_H
#define PARVUS_PUBLIC_GRANT_TABLE_H

#include "xen.h"

/* An index into a domain's grant table. */
typedef uint32_t grant_ref_t;

/*
 * A version 1 entry, 8 bytes. The granter fills domid and frame and then, last, flags;
 * the hypervisor sets GTF_reading/GTF_writing while the grant is in use, so the granter
 * must not reuse the entry until both are clear.
 */
struct grant_entry_v1 {
	uint16_t flags; /* GTF_* */
	domid_t domid;	/* the domain allowed to use this entry */
	uint32_t frame; /* the frame granted, or the one to transfer into */
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* The first entries are kept for the toolstack: the console and XenStore ring pages. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* flags, bits 0-1: what kind of grant this is */
#define GTF_invalid (0U << 0)	      /* unused entry */
#define GTF_permit_access (1U << 0)   /* domid may map or copy frame */
#define GTF_accept_transfer (2U << 0) /* domid may transfer a page into frame */
#define GTF_transitive (3U << 0)      /* v2 only: passes on a grant received from elsewhere */
#define GTF_type_mask (3U << 0)
/* flags of an access grant */
#define _GTF_readonly (2)
#define GTF_readonly (1U << _GTF_readonly) /* grantee gets read-only access */
#define _GTF_reading (3)
#define GTF_reading (1U << _GTF_reading) /* set by the hypervisor: mapped or being read */
#define _GTF_writing (4)
#define GTF_writing (1U << _GTF_writing) /* set by the hypervisor: mapped writable */
#define _GTF_PWT (5)
#define GTF_PWT (1U << _GTF_PWT) /* cache attributes of the grantee's mapping */
#define _GTF_PCD (6)
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT (7)
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page (8)
#define GTF_sub_page (1U << _GTF_sub_page) /* v2 only: only part of the page is granted */
/* flags of a transfer grant */
#define _GTF_transfer_committed (2)
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed (3)
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

/*
 * Version 2 entries, 16 bytes, keep flags and domid in a common header; their status bits
 * (reading/writing) live in separate status frames as grant_status_t.
 */
struct grant_entry_header {
	uint16_t flags;
	domid_t domid;
};
typedef struct grant_entry_header grant_entry_header_t;

union grant_entry_v2 {
	grant_entry_header_t hdr;
	/* GTF_permit_access or GTF_accept_transfer of a whole page */
	struct {
		grant_entry_header_t hdr;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	/* GTF_permit_access with GTF_sub_page: length bytes from page_off */
	struct {
		grant_entry_header_t hdr;
		uint16_t page_off;
		uint16_t length;
		uint64_t frame;
	} sub_page;
	/* GTF_transitive: re-grant entry gref of trans_domid's table */
	struct {
		grant_entry_header_t hdr;
		domid_t trans_domid;
		uint16_t pad0;
		grant_ref_t gref;
	} transitive;
	uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;

typedef uint16_t grant_status_t;

/* grant_table_op(cmd, array, count): each command takes an array of its structure. */
#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

/* Names one mapping made by map_grant_ref, for the later unmap. */
typedef uint32_t grant_handle_t;

/* Map dom's grant ref at host_addr (and/or for device access, see GNTMAP_*). */
struct gnttab_map_grant_ref {
	uint64_t host_addr;
	uint32_t flags; /* GNTMAP_* */
	grant_ref_t ref;
	domid_t dom;
	int16_t status;	       /* out: GNTST_* */
	grant_handle_t handle; /* out */
	uint64_t dev_bus_addr; /* out */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_map_grant_ref_t);

/* Undo a mapping; host_addr and dev_bus_addr say which parts to remove. */
struct gnttab_unmap_grant_ref {
	uint64_t host_addr;
	uint64_t dev_bus_addr;
	grant_handle_t handle;
	int16_t status; /* out */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_grant_ref_t);

/* Grow dom's grant table to nr_frames and learn the frames to map it from. */
struct gnttab_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;				/* out */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* out */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_setup_table_t);

/* Print dom's grant table on the hypervisor console (debugging). */
struct gnttab_dump_table {
	domid_t dom;
	int16_t status; /* out */
};
typedef struct gnttab_dump_table gnttab_dump_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_dump_table_t);

/* Give away page mfn into domid's accept-transfer grant ref. */
struct gnttab_transfer {
	xen_pfn_t mfn;
	domid_t domid;
	grant_ref_t ref;
	int16_t status; /* out */
};
typedef struct gnttab_transfer gnttab_transfer_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_transfer_t);

/* gnttab_copy.flags: whether source and dest are grant refs rather than own frames. */
#define _GNTCOPY_source_gref (0)
#define GNTCOPY_source_gref (1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref (1)
#define GNTCOPY_dest_gref (1 << _GNTCOPY_dest_gref)

/* Copy len bytes between two pages, either of them possibly granted; never crosses a page. */
struct gnttab_copy {
	struct gnttab_copy_ptr {
		union {
			grant_ref_t ref;
			xen_pfn_t gmfn;
		} u;
		domid_t domid;
		uint16_t offset;
	} source, dest;
	uint16_t len;
	uint16_t flags; /* GNTCOPY_* */
	int16_t status; /* out */
};
typedef struct gnttab_copy gnttab_copy_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_copy_t);

/* How many grant frames dom has, and may have. */
struct gnttab_query_size {
	domid_t dom;
	uint32_t nr_frames;	/* out */
	uint32_t max_nr_frames; /* out */
	int16_t status;		/* out */
};
typedef struct gnttab_query_size gnttab_query_size_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_query_size_t);

/* Remove a grant mapping at host_addr, moving the mapping at new_addr there instead. */
struct gnttab_unmap_and_replace {
	uint64_t host_addr;
	uint64_t new_addr;
	grant_handle_t handle;
	int16_t status; /* out */
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_and_replace_t);

/* Choose grant table layout 1 or 2; returns the version in force. */
struct gnttab_set_version {
	uint32_t version;
};
typedef struct gnttab_set_version gnttab_set_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_set_version_t);

/* Version 2: the frames holding the grant_status_t array. */
struct gnttab_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;			       /* out */
	XEN_GUEST_HANDLE(uint64_t) frame_list; /* out */
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_status_frames_t);

/* Which layout dom's table uses. */
struct gnttab_get_version {
	domid_t dom;
	uint16_t pad;
	uint32_t version; /* out */
};
typedef struct gnttab_get_version gnttab_get_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_version_t);

/* Exchange two entries of the caller's own table. */
struct gnttab_swap_grant_ref {
	grant_ref_t ref_a;
	grant_ref_t ref_b;
	int16_t status; /* out */
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_swap_grant_ref_t);

/* Clean or invalidate caches over part of a granted page (for non-coherent devices). */
struct gnttab_cache_flush {
	union {
		uint64_t dev_bus_addr;
		grant_ref_t ref;
	} a;
	uint16_t offset;
	uint16_t length;
#define GNTTAB_CACHE_CLEAN (1u << 0)
#define GNTTAB_CACHE_INVAL (1u << 1)
#define GNTTAB_CACHE_SOURCE_GREF (1u << 31) /* a is a grant ref, not an address */
	uint32_t op;
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_cache_flush_t);

/* gnttab_map_grant_ref.flags */
#define _GNTMAP_device_map (0)
#define GNTMAP_device_map (1 << _GNTMAP_device_map) /* for device DMA: fills dev_bus_addr */
#define _GNTMAP_host_map (1)
#define GNTMAP_host_map (1 << _GNTMAP_host_map) /* for the CPU: maps at host_addr */
#define _GNTMAP_readonly (2)
#define GNTMAP_readonly (1 << _GNTMAP_readonly)
#define _GNTMAP_application_map (3)
#define GNTMAP_application_map (1 << _GNTMAP_application_map) /* user-accessible mapping */
#define _GNTMAP_contains_pte (4)
#define GNTMAP_contains_pte (1 << _GNTMAP_contains_pte) /* host_addr is the PTE's machine address \
							 */
/* Bits 16-31 of flags are copied into the guest-available bits of the new PTE. */
#define _GNTMAP_guest_avail0 (16)
#define GNTMAP_guest_avail_mask ((uint32_t)~0 << _GNTMAP_guest_avail0)

/* Per-entry results of grant table operations. */
#define GNTST_okay (0)
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)	   /* no such domain */
#define GNTST_bad_gntref (-3)	   /* no such grant ref, or not usable this way */
#define GNTST_bad_handle (-4)	   /* no such mapping handle */
#define GNTST_bad_virt_addr (-5)   /* host_addr cannot be mapped */
#define GNTST_bad_dev_addr (-6)	   /* dev_bus_addr does not match the mapping */
#define GNTST_no_device_space (-7) /* the IOMMU is out of space */
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)	    /* the frame is not usable for this operation */
#define GNTST_bad_copy_arg (-10)    /* a copy would cross a page boundary */
#define GNTST_address_too_big (-11) /* the transferred page is above the domain's limit */
#define GNTST_eagain (-12)	    /* not done, try again */
#define GNTST_no_space (-13)	    /* out of handles or similar */

#endif /* PARVUS_PUBLIC_GRANT_TABLE_H */
