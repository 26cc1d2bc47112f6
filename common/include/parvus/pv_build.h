/*
 * The PV domain builder of dom0's toolstack (common/toolstack/pv_build.c): from a kernel's ELF
 * image to a paused domain whose first vCPU will enter the kernel, made with domctl and the
 * memory and MMU hypercalls only, as Xen's toolstack (libxl and libxenguest) does it. The
 * image side (ELF checks, Xen notes, the start-of-day layout) is the code the hypervisor's dom0
 * builder uses (elf_image.h, xen_elfnote.h, pv_layout.h).
 *
 *     pv_build_create()   check the image, lay the domain out, createdomain, max_vcpus,
 *                         max_mem, populate_physmap
 *     ...                 the caller may now set up what the command line will name
 *                         (event channels, grant references) for the new domain id
 *     pv_build_boot()     load the kernel, write the p2m, start_info, hypercall page and boot
 *                         page tables, pin them, set vCPU 0's registers
 *     domain_unpause()    (control.h) and it runs
 *
 * On failure either step says what failed (failed, error) and leaves any domain it created in
 * place for the caller to destroy (pv_build_abort). The builder keeps no mapping of the new
 * domain's memory when it returns.
 */
#ifndef PARVUS_PV_BUILD_H
#define PARVUS_PV_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <parvus/elf_image.h>
#include <parvus/hypercall.h>
#include <parvus/pv_layout.h>
#include <parvus/xen_elfnote.h>

/* The most boot page-table frames the builder makes: enough to map 14 MiB. */
#define PV_BUILD_MAX_TABLES 16

struct pv_build_config {
	const void *kernel; /* the kernel's ELF image, kept in place until pv_build_boot returns */
	size_t kernel_size;
	uint64_t nr_pages;	/* the domain's memory */
	unsigned int max_vcpus; /* vCPU 0 is started; the others are for the kernel to use */
	xen_pfn_t *p2m;		/* nr_pages entries, filled with the domain's frames */
	void *window;		/* one page-aligned page of ours, to reach the domain's frames */
	xen_domain_handle_t handle;   /* the toolstack's id of the domain (a UUID) */
	uint32_t max_grant_frames;    /* grant-table size limit */
	uint32_t max_maptrack_frames; /* limit on the grants the domain may map */
};

struct pv_build {
	struct pv_build_config config;
	domid_t domid; /* valid once created is true */
	bool created;
	struct elf_image image;
	struct xen_elfnote_info notes;
	struct pv_layout layout;
	xen_pfn_t l4_mfn, shared_info_mfn, store_mfn, console_mfn, hypercall_mfn;
	/*
	 * XEN_DOMCTL_hypercall_init's answer. When the hypervisor does not fill the page (an
	 * error here), the builder copies its own hypercall page: on x86-64 PV the stubs are the
	 * same for every domain.
	 */
	long hypercall_init_rc;

	const char *failed; /* the step that failed, or NULL */
	long error;	    /* its negative errno (-XEN_EINVAL for a refused image) */
	char why[160];	    /* what the image or layout code said, when it refused */
};

long pv_build_create(struct pv_build *build, const struct pv_build_config *config);
long pv_build_boot(struct pv_build *build, const char *cmdline);
/* Destroy the domain if one was created (after a failure, or when done with it). */
long pv_build_abort(struct pv_build *build);

#endif /* PARVUS_PV_BUILD_H */
