/*
 * The PV domain builder of dom0's toolstack (<parvus/pv_build.h>). It does from dom0 what the
 * hypervisor's dom0 builder (hypervisor/dom0_build.c) does from inside: the same image and
 * layout code, then the same pieces written into the new domain's memory. The difference is
 * reach: dom0 sees another domain's frames only through a foreign mapping (foreign_map.h), one
 * page at a time through its window, and changes the domain only with hypercalls the
 * hypervisor checks: domctl to create it and set its vCPU, populate_physmap to give it memory,
 * mmu_update for the M2P, mmuext_op to pin its page tables (validated as the domain's own).
 *
 * pfn N of the domain is the N-th frame populate_physmap gave; the bootstrap region maps
 * virtual address va to pfn (va - v_start) >> 12, as libxenguest lays it out (pv_layout_domu).
 */
#include <string.h>
#include <parvus/control.h>
#include <parvus/foreign_map.h>
#include <parvus/guest.h>
#include <parvus/pv_build.h>
#include <public/errno.h>

/* Entries of the boot page tables: tables and pages user-accessible (ring 3 kernel). */
#define TABLE_ENTRY_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PAGE_ENTRY_FLAGS (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
#define M2P_BATCH 64

/* Scratch space for one build at a time: the boot tables, start_info and the vCPU state. */
static uint64_t tables[PV_BUILD_MAX_TABLES][512] __attribute__((aligned(PAGE_SIZE)));
static struct start_info start_info;
static struct vcpu_guest_context context;

/* What the window shows now: a frame of the domain, or (NO_FRAME) our own page. */
#define NO_FRAME (~(xen_pfn_t)0)
static xen_pfn_t window_mfn = NO_FRAME;

static long fail(struct pv_build *b, const char *step, long error)
{
	b->failed = step;
	b->error = error;
	return error;
}

/* The window showing frame mfn of the new domain, writable; NULL if the mapping failed. */
static uint8_t *show(struct pv_build *b, xen_pfn_t mfn, long *rc)
{
	*rc = 0;
	if (window_mfn != mfn) {
		*rc = foreign_map(b->config.window, b->domid, mfn, true);
		if (*rc == 0) /* a refused update leaves the entry as it was */
			window_mfn = mfn;
	}
	return *rc ? NULL : b->config.window;
}

static long hide(struct pv_build *b)
{
	if (window_mfn == NO_FRAME)
		return 0;
	window_mfn = NO_FRAME;
	return foreign_unmap(b->config.window);
}

/*
 * Copy length bytes (or zeros, when source is NULL) to virtual address va of the bootstrap
 * region, page by page: consecutive pfns need not be consecutive frames.
 */
static long write_region(struct pv_build *b, uint64_t va, const void *source, uint64_t length)
{
	const struct pv_layout *l = &b->layout;

	if (va < l->v_start || va > l->v_end || length > l->v_end - va)
		return -XEN_EINVAL;
	while (length) {
		uint64_t pfn = (va - l->v_start) >> PAGE_SHIFT, offset = va & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - offset < length ? PAGE_SIZE - offset : length;
		long rc;
		uint8_t *page = show(b, b->config.p2m[pfn], &rc);

		if (!page)
			return rc;
		if (source) {
			memcpy(page + offset, source, n);
			source = (const uint8_t *)source + n;
		} else {
			memset(page + offset, 0, n);
		}
		va += n;
		length -= n;
	}
	return 0;
}

/* The ELF loader's callbacks (elf_image.h): its destinations are virtual addresses. */
static int load_write(void *ctx, uint64_t va, const void *source, uint64_t length)
{
	return (int)write_region(ctx, va, source, length);
}

static int load_zero(void *ctx, uint64_t va, uint64_t length)
{
	return (int)write_region(ctx, va, NULL, length);
}

/* A region of the layout, made whole pages of zeros. */
static long zero_region(struct pv_build *b, const struct pv_region *region)
{
	uint64_t start = region->start & ~(PAGE_SIZE - 1);
	uint64_t end = (region->end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	return write_region(b, start, NULL, end - start);
}

static xen_pfn_t mfn_at(const struct pv_build *b, uint64_t va)
{
	return b->config.p2m[(va - b->layout.v_start) >> PAGE_SHIFT];
}

long pv_build_create(struct pv_build *b, const struct pv_build_config *config)
{
	struct pv_layout_params params;

	memset(b, 0, sizeof(*b));
	b->config = *config;

	enum elf_status elf = elf_image_open(&b->image, config->kernel, config->kernel_size);

	if (elf != ELF_OK) {
		strlcpy(b->why, elf_image_strerror(elf), sizeof(b->why));
		return fail(b, "reading the kernel's ELF image", -XEN_EINVAL);
	}
	enum xen_elfnote_status notes = xen_elfnote_parse(&b->image, &b->notes);

	if (notes == XEN_NOTES_OK)
		notes = xen_elfnote_check_pv(&b->notes, false);
	if (notes != XEN_NOTES_OK) {
		xen_elfnote_describe(&b->notes, notes, b->why, sizeof(b->why));
		return fail(b, "reading the kernel's Xen notes", -XEN_EINVAL);
	}
	pv_layout_params_from_notes(&params, &b->notes, config->nr_pages, 0);
	enum pv_layout_status placed = pv_layout_domu(&params, &b->layout);

	if (placed != PV_LAYOUT_OK) {
		strlcpy(b->why, pv_layout_strerror(placed), sizeof(b->why));
		return fail(b, "laying the domain out", -XEN_EINVAL);
	}
	/* This builder maps one region: a p2m placed elsewhere (INIT_P2M) would need more. */
	if (b->layout.p2m.start < b->layout.v_start || b->layout.p2m.end > b->layout.v_end ||
	    b->layout.nr_pt_frames > PV_BUILD_MAX_TABLES) {
		strlcpy(b->why, "a p2m outside the bootstrap region, or too many page tables",
			sizeof(b->why));
		return fail(b, "laying the domain out", -XEN_EINVAL);
	}

	struct xen_domctl_createdomain create = {
		.flags = 0, /* PV */
		.max_vcpus = config->max_vcpus,
		.max_evtchn_port = 1023, /* libxl's default event_channels */
		.max_grant_frames = (int32_t)config->max_grant_frames,
		.max_maptrack_frames = (int32_t)config->max_maptrack_frames,
		.grant_opts = XEN_DOMCTL_GRANT_version(1),
	};
	memcpy(create.handle, config->handle, sizeof(create.handle));
	b->domid = 0; /* the hypervisor chooses */
	long rc = domain_create(&create, &b->domid);

	if (rc)
		return fail(b, "XEN_DOMCTL_createdomain", rc);
	b->created = true;
	rc = domain_max_vcpus(b->domid, config->max_vcpus);
	if (rc)
		return fail(b, "XEN_DOMCTL_max_vcpus", rc);
	rc = domain_max_mem(b->domid, config->nr_pages * (PAGE_SIZE / 1024));
	if (rc)
		return fail(b, "XEN_DOMCTL_max_mem", rc);

	/* Ask for pfns 0, 1, ...: the answer, frame by frame, is the domain's p2m. */
	for (uint64_t pfn = 0; pfn < config->nr_pages; pfn++)
		config->p2m[pfn] = pfn;
	rc = domain_populate_physmap(b->domid, config->p2m, (unsigned int)config->nr_pages);
	if (rc != (long)config->nr_pages)
		return fail(b, "XENMEM_populate_physmap", rc < 0 ? rc : -XEN_ENOMEM);
	return 0;
}

/*
 * Record each frame's pfn in the machine-to-phys table. Xen's populate_physmap already does
 * this for a PV domain; the toolstack's restore path relies on MMU_MACHPHYS_UPDATE, which dom0
 * may make for frames of a domain it controls (foreigndom names the owner).
 */
static long write_m2p(struct pv_build *b)
{
	struct mmu_update batch[M2P_BATCH];

	for (uint64_t pfn = 0; pfn < b->config.nr_pages;) {
		unsigned int n = 0;

		while (n < M2P_BATCH && pfn < b->config.nr_pages) {
			batch[n].ptr = (b->config.p2m[pfn] << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
			batch[n++].val = pfn++;
		}
		long rc = HYPERVISOR_mmu_update(batch, n, NULL, b->domid);

		if (rc)
			return rc;
	}
	return 0;
}

static long write_start_info(struct pv_build *b, const char *cmdline)
{
	const struct pv_layout *l = &b->layout;

	memset(&start_info, 0, sizeof(start_info));
	strlcpy(start_info.magic, "xen-3.0-x86_64", sizeof(start_info.magic));
	start_info.nr_pages = b->config.nr_pages;
	start_info.shared_info = b->shared_info_mfn << PAGE_SHIFT;
	start_info.flags = l->flags;
	start_info.store_mfn = b->store_mfn;
	start_info.store_evtchn = 0; /* no XenStore yet */
	start_info.console.domU.mfn = b->console_mfn;
	start_info.console.domU.evtchn = 0; /* the ring is read by polling, not signalled */
	start_info.pt_base = l->pt_base;
	start_info.nr_pt_frames = l->nr_pt_frames;
	start_info.mfn_list = l->mfn_list;
	start_info.mod_start = l->mod_start;
	start_info.mod_len = l->mod_len;
	start_info.first_p2m_pfn = l->first_p2m_pfn;
	start_info.nr_p2m_frames = l->nr_p2m_frames;
	strlcpy((char *)start_info.cmd_line, cmdline, sizeof(start_info.cmd_line));
	return write_region(b, l->start_info.start, &start_info, sizeof(start_info));
}

/*
 * The hypercall page the kernel's HYPERCALL_PAGE note names: Xen's toolstack has the
 * hypervisor write it (XEN_DOMCTL_hypercall_init). If it will not, we copy ours, which the
 * hypervisor wrote for us: a 64-bit PV domain's stubs do not depend on the domain.
 */
static long write_hypercall_page(struct pv_build *b)
{
	uint64_t va = b->notes.hypercall_page;

	if (va == XEN_ELFNOTE_UNSET)
		return 0;
	b->hypercall_mfn = mfn_at(b, va);
	b->hypercall_init_rc = domain_hypercall_init(b->domid, b->hypercall_mfn);
	if (b->hypercall_init_rc == 0)
		return 0;
	return write_region(b, va & ~(PAGE_SIZE - 1), hypercall_page, PAGE_SIZE);
}

/* Events masked in every vcpu_info until the kernel is ready for them, as Xen's builders do. */
static long mask_events(struct pv_build *b)
{
	long rc;
	struct shared_info *shared = (struct shared_info *)show(b, b->shared_info_mfn, &rc);

	if (!shared)
		return rc;
	for (unsigned int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		shared->vcpu_info[i].evtchn_upcall_mask = 1;
	return 0;
}

/* Which of our table buffers stands for the table at frame mfn. */
static uint64_t *table_for(const struct pv_build *b, uint64_t entry)
{
	xen_pfn_t mfn = (entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT;

	for (unsigned int i = 0; i < b->layout.nr_pt_frames; i++)
		if (b->config.p2m[b->layout.page_tables.pfn + i] == mfn)
			return tables[i];
	return NULL;
}

/*
 * The boot page tables, made here and copied in: [v_start, v_end) mapped with 4 KiB pages,
 * the table frames themselves read-only (the hypervisor refuses to pin tables that are mapped
 * writable). Table i lives at pfn page_tables.pfn + i; table 0 is the L4. The hypervisor's L4
 * slots stay empty: it fills them itself when it validates the L4.
 */
static long write_page_tables(struct pv_build *b)
{
	const struct pv_layout *l = &b->layout;
	unsigned int used = 1;

	memset(tables, 0, sizeof(tables));
	for (uint64_t va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
		uint64_t *table = tables[0];

		for (int level = 4; level > 1; level--) {
			uint64_t *entry = &table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];

			if (!(*entry & _PAGE_PRESENT)) {
				if (used >= l->nr_pt_frames)
					return -XEN_ENOSPC;
				*entry =
					(b->config.p2m[l->page_tables.pfn + used++] << PAGE_SHIFT) |
					TABLE_ENTRY_FLAGS;
			}
			table = table_for(b, *entry);
		}
		bool is_table = va >= l->page_tables.start && va < l->page_tables.end;

		table[(va >> PAGE_SHIFT) & 511] = (mfn_at(b, va) << PAGE_SHIFT) | PAGE_ENTRY_FLAGS |
						  (is_table ? 0 : _PAGE_RW | _PAGE_DIRTY);
	}
	for (unsigned int i = 0; i < l->nr_pt_frames; i++) {
		long rc =
			write_region(b, l->page_tables.start + i * PAGE_SIZE, tables[i], PAGE_SIZE);

		if (rc)
			return rc;
	}
	b->l4_mfn = b->config.p2m[l->page_tables.pfn];
	return 0;
}

/* Have the hypervisor validate the tables as the domain's and keep them typed (pinned). */
static long pin_page_tables(struct pv_build *b)
{
	struct mmuext_op pin = {.cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = b->l4_mfn};

	return HYPERVISOR_mmuext_op(&pin, 1, NULL, b->domid);
}

/* vCPU 0 enters the kernel as the PV boot protocol says (docs/pv-boot.md). */
static long set_boot_vcpu(struct pv_build *b)
{
	const struct pv_layout *l = &b->layout;

	memset(&context, 0, sizeof(context));
	context.flags = VGCF_in_kernel | VGCF_online;
	context.user_regs.rip = l->entry;
	context.user_regs.rsp = l->stack_pointer;
	context.user_regs.rsi = l->start_info_va;
	context.user_regs.rflags = 1UL << 9; /* interrupts on; events stay masked in vcpu_info */
	context.user_regs.cs = FLAT_KERNEL_CS;
	context.user_regs.ss = FLAT_KERNEL_SS;
	context.user_regs.ds = context.user_regs.es = FLAT_KERNEL_DS;
	context.user_regs.fs = context.user_regs.gs = FLAT_KERNEL_DS;
	context.kernel_ss = FLAT_KERNEL_SS;
	context.kernel_sp = l->stack_pointer;
	context.ctrlreg[3] = xen_pfn_to_cr3(b->l4_mfn);
	return domain_set_vcpu_context(b->domid, 0, &context);
}

static long boot(struct pv_build *b, const char *cmdline)
{
	const struct pv_layout *l = &b->layout;
	struct xen_domctl_getdomaininfo info;
	struct elf_load_target target = {load_write, load_zero, b};
	int load_error = 0;
	long rc;

	if (!b->created || b->failed)
		return fail(b, "pv_build_boot without a created domain", -XEN_EINVAL);
	rc = domain_info(b->domid, &info);
	if (rc || info.domain != b->domid)
		return fail(b, "XEN_DOMCTL_getdomaininfo", rc ? rc : -XEN_ESRCH);
	b->shared_info_mfn = info.shared_info_frame;
	b->store_mfn = mfn_at(b, l->xenstore.start);
	b->console_mfn = mfn_at(b, l->console.start);

	if (elf_image_load(&b->image, b->notes.virt_offset, &target, &load_error) != ELF_OK)
		return fail(b, "loading the kernel", load_error ? load_error : -XEN_EINVAL);
	rc = zero_region(b, &l->p2m);
	if (!rc)
		rc = write_region(b, l->p2m.start, b->config.p2m,
				  b->config.nr_pages * sizeof(xen_pfn_t));
	if (rc)
		return fail(b, "writing the p2m list", rc);
	rc = write_m2p(b);
	if (rc)
		return fail(b, "MMU_MACHPHYS_UPDATE", rc);
	rc = zero_region(b, &l->start_info);
	if (!rc)
		rc = zero_region(b, &l->xenstore);
	if (!rc)
		rc = zero_region(b, &l->console);
	if (!rc)
		rc = zero_region(b, &l->stack);
	if (!rc)
		rc = write_start_info(b, cmdline);
	if (rc)
		return fail(b, "writing start_info", rc);
	rc = write_hypercall_page(b);
	if (rc)
		return fail(b, "writing the hypercall page", rc);
	rc = mask_events(b);
	if (rc)
		return fail(b, "masking events in shared_info", rc);
	rc = write_page_tables(b);
	if (rc)
		return fail(b, "writing the boot page tables", rc);
	rc = hide(b); /* no writable mapping of a table may be left when it is pinned */
	if (rc)
		return fail(b, "unmapping the window", rc);
	rc = pin_page_tables(b);
	if (rc)
		return fail(b, "MMUEXT_PIN_L4_TABLE", rc);
	rc = set_boot_vcpu(b);
	if (rc)
		return fail(b, "XEN_DOMCTL_setvcpucontext", rc);
	return 0;
}

long pv_build_boot(struct pv_build *b, const char *cmdline)
{
	long rc = boot(b, cmdline);
	long unmapped = hide(b);

	if (!rc && unmapped)
		return fail(b, "unmapping the window", unmapped);
	return rc;
}

long pv_build_abort(struct pv_build *b)
{
	hide(b);
	if (!b->created)
		return 0;
	b->created = false;
	return domain_destroy(b->domid);
}
