/*
 * The start-of-day virtual layout of an x86-64 PV domain: where the kernel, its ramdisk, the
 * phys-to-machine list, start_info, the boot page tables and the boot stack go, how many
 * page-table frames map them, and the values start_info and the first vCPU's registers get.
 *
 * Pure arithmetic, no memory is touched: the hypervisor's dom0 builder and dom0's toolstack
 * call it, then allocate and fill what it describes. pv_layout_dom0() gives exactly the figures
 * Xen's dom0 builder (xen/arch/x86/pv/dom0_build.c) prints for the same kernel and memory;
 * pv_layout_domu() follows Xen's toolstack builder (libxenguest, xg_dom_core.c and
 * xg_dom_x86.c), which differs in the details (whole pages, xenstore and console pages, where
 * the ramdisk and an INIT_P2M p2m land).
 */
#ifndef PARVUS_PV_LAYOUT_H
#define PARVUS_PV_LAYOUT_H

#include <parvus/xen_elfnote.h>

#include <stdbool.h>
#include <stdint.h>

#define PV_PAGE_SIZE 4096ULL
#define PV_LAYOUT_UNSET UINT64_MAX
/* The most pages a PV domain may be given here (16 TiB): keeps every product far from 2^64. */
#define PV_LAYOUT_MAX_PAGES (1ULL << 32)

/* What the builder knows before it lays the domain out. */
struct pv_layout_params {
	uint64_t virt_base;   /* VIRT_BASE: the bootstrap mapping starts here */
	uint64_t virt_kstart; /* the kernel image, [virt_kstart, virt_kend) */
	uint64_t virt_kend;
	uint64_t virt_entry;
	uint64_t hypercall_page; /* HYPERCALL_PAGE, or PV_LAYOUT_UNSET */
	uint64_t p2m_base;	 /* INIT_P2M: the p2m goes here, outside the mapping; or UNSET */
	bool unmapped_initrd;	 /* MOD_START_PFN: the ramdisk is passed by pfn, not mapped */
	uint64_t nr_pages;	 /* the domain's memory */
	uint64_t ramdisk_size;	 /* bytes; 0 for none */
	bool superpages_1g;	 /* the CPU has 1 GiB pages (Xen then maps a large p2m with them) */
};

/* Fill params from a kernel's parsed notes; nr_pages and ramdisk_size from the caller. */
void pv_layout_params_from_notes(struct pv_layout_params *params,
				 const struct xen_elfnote_info *info, uint64_t nr_pages,
				 uint64_t ramdisk_size);

/* A virtual range and the guest pfn of its first page (PV_LAYOUT_UNSET if it has none). */
struct pv_region {
	uint64_t start, end;
	uint64_t pfn;
};

struct pv_layout {
	/* Xen prints these as its "VIRTUAL MEMORY ARRANGEMENT". */
	struct pv_region kernel;
	struct pv_region ramdisk;     /* 0 -> 0 when unmapped (its pfn is still given) */
	struct pv_region p2m;	      /* "Phys-Mach map", 8 bytes per page */
	struct pv_region start_info;  /* start_info, then (dom0) the VGA console info */
	struct pv_region xenstore;    /* domU only; 0 -> 0 for dom0 */
	struct pv_region console;     /* domU only; 0 -> 0 for dom0 */
	struct pv_region page_tables; /* the boot page tables, mapped read-only */
	struct pv_region stack;	      /* one page; the stack pointer starts at its end */
	uint64_t v_start, v_end;      /* "TOTAL": all of the above that is mapped */
	uint64_t entry;

	/* The boot page tables: enough to map [v_start, v_end) with 4 KiB pages. */
	unsigned nr_pt_frames, nr_l4, nr_l3, nr_l2, nr_l1;

	/* dom0: the first allocation, 2^alloc_order pages for the mapped part. */
	unsigned alloc_order;
	/* domU: how many pages the builder gave out, in pfn order (the rest come later). */
	uint64_t pages_allocated;

	/* For start_info and the first vCPU. */
	uint64_t pt_base, mfn_list, mod_start, mod_len;
	uint64_t first_p2m_pfn, nr_p2m_frames;
	uint32_t flags;		/* SIF_MOD_START_PFN, and for domU SIF_VIRT_P2M_4TOOLS */
	uint64_t stack_pointer; /* rsp */
	uint64_t start_info_va; /* rsi */
};

enum pv_layout_status {
	PV_LAYOUT_OK = 0,
	PV_LAYOUT_EPARAM,	   /* nonsense input: kend < kstart, too many pages, ... */
	PV_LAYOUT_EWRAP,	   /* the bootstrap region would run past the top of memory */
	PV_LAYOUT_EXEN_AREA,	   /* the region overlaps the hypervisor's reserved range */
	PV_LAYOUT_ENONCANONICAL,   /* the region crosses the non-canonical hole */
	PV_LAYOUT_ETOO_SMALL,	   /* not enough pages for the mapped region and ramdisk */
	PV_LAYOUT_EP2M_OVERLAP,	   /* INIT_P2M's p2m overlaps the bootstrap mapping */
	PV_LAYOUT_EP2M_PLACE,	   /* INIT_P2M's p2m is not canonical or hits the hypervisor */
	PV_LAYOUT_EP2M_TOO_SMALL,  /* not enough pages for the p2m placed by INIT_P2M */
	PV_LAYOUT_EHYPERCALL_PAGE, /* HYPERCALL_PAGE lies outside the bootstrap region */
	PV_LAYOUT_EALIGN,	   /* VIRT_BASE (or a domU kernel's start) is not page aligned */
	PV_LAYOUT_STATUS_COUNT
};

const char *pv_layout_strerror(enum pv_layout_status status);

/*
 * Lay out dom0 as Xen 4.17's dom0 builder does. On an error the fields worked out so far are
 * left filled (they help to explain it), the rest are zero.
 */
enum pv_layout_status pv_layout_dom0(const struct pv_layout_params *params,
				     struct pv_layout *layout);

/*
 * Lay out an unprivileged PV domain as libxenguest does: pages handed out in pfn order from
 * VIRT_BASE (kernel, mapped ramdisk, p2m, start_info, xenstore, console, page tables, stack),
 * every region a whole number of pages, then, past the mapping, an unmapped ramdisk and an
 * INIT_P2M p2m with its tables. INIT_P2M is ignored unless below VIRT_BASE and page aligned.
 * mod_len is the ramdisk's size rounded up to pages, as libxenguest passes it.
 */
enum pv_layout_status pv_layout_domu(const struct pv_layout_params *params,
				     struct pv_layout *layout);

#endif /* PARVUS_PV_LAYOUT_H */
