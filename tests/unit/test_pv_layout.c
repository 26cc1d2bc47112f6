/*
 * common/pv_layout.c: the start-of-day layout of an x86-64 PV dom0, against Xen's own figures.
 *
 * How the expected values were obtained: Debian's Xen 4.17 (xen-hypervisor-4.17-amd64
 * 4.17.7+13-g2445b30a44-0+deb12u1) booted under QEMU (`-cpu qemu64 -m 1024`) with each kernel
 * as dom0, by tests/unit/domain_builder/xen-layout KERNEL DOM0_MEM [RAMDISK], which prints
 * the "VIRTUAL MEMORY ARRANGEMENT" block of Xen's dom0 builder. The kernels:
 *   - Debian's linux-image-6.1.0-56-cloud-amd64 and linux-image-6.1.0-56-amd64 (6.1.192-2),
 *     unpacked from their bzImage by scripts/extract-vmlinux; their headers
 *     and notes are in tests/unit/domain_builder/linux-6.1-*.h (make-fixture);
 *   - tests/unit/domain_builder/make-pv-elf's minimal kernel, which keeps its ramdisk and p2m
 *     inside the initial mapping (no INIT_P2M or MOD_START_PFN), in minimal-pv-kernel.h.
 * The ramdisk was 3000000 bytes. Each case below runs the whole image side: elf_image_open,
 * xen_elfnote_parse, xen_elfnote_check_pv, pv_layout_dom0, and compares every figure.
 *
 * The domU cases at the end were not recorded from a running toolstack (that needs a whole
 * dom0 with xl): their figures are worked out by hand from libxenguest's rules, step by step
 * in the comments, so a reader can redo them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <parvus/pv_layout.h>
#include <public/xen.h>
#include <stdio.h>
#include <string.h>

#include "domain_builder/elf_builder.h"
#include "domain_builder/linux-6.1-amd64.h"
#include "domain_builder/linux-6.1-cloud-amd64.h"
#include "domain_builder/minimal-pv-kernel.h"

#define MiB (1024ULL * 1024)
#define RAMDISK 3000000ULL /* 733 pages */

enum kernel { LINUX_CLOUD, LINUX_AMD64, MINIMAL };

/* One boot of Xen: what it was given and what it printed. */
struct xen_figures {
	const char *name;
	enum kernel kernel;
	uint64_t dom0_mem, ramdisk;
	uint64_t kernel_va[2], ramdisk_va[2], p2m[2], start_info[2], page_tables[2], stack[2];
	uint64_t total[2], entry;
	uint64_t to_be_allocated; /* "Dom0 alloc.: ... (N pages to be allocated)" */
};

static const struct xen_figures xen_figures[] = {
	{
		.name = "cloud kernel, dom0_mem=128M",
		.kernel = LINUX_CLOUD,
		.dom0_mem = 128 * MiB,
		.ramdisk = 0,
		.kernel_va = {0xffffffff81000000, 0xffffffff83e00000},
		.ramdisk_va = {0, 0},
		.p2m = {0x8000000000, 0x8000040000},
		.start_info = {0xffffffff83e00000, 0xffffffff83e004b8},
		.page_tables = {0xffffffff83e01000, 0xffffffff83e24000},
		.stack = {0xffffffff83e24000, 0xffffffff83e25000},
		.total = {0xffffffff80000000, 0xffffffff84000000},
		.entry = 0xffffffff8304e1c0,
		.to_be_allocated = 16384,
	},
	{
		.name = "cloud kernel, dom0_mem=512M",
		.kernel = LINUX_CLOUD,
		.dom0_mem = 512 * MiB,
		.ramdisk = 0,
		.kernel_va = {0xffffffff81000000, 0xffffffff83e00000},
		.ramdisk_va = {0, 0},
		.p2m = {0x8000000000, 0x8000100000},
		.start_info = {0xffffffff83e00000, 0xffffffff83e004b8},
		.page_tables = {0xffffffff83e01000, 0xffffffff83e24000},
		.stack = {0xffffffff83e24000, 0xffffffff83e25000},
		.total = {0xffffffff80000000, 0xffffffff84000000},
		.entry = 0xffffffff8304e1c0,
		.to_be_allocated = 114688,
	},
	{
		.name = "generic kernel, dom0_mem=256M",
		.kernel = LINUX_AMD64,
		.dom0_mem = 256 * MiB,
		.ramdisk = 0,
		.kernel_va = {0xffffffff81000000, 0xffffffff84a00000},
		.ramdisk_va = {0, 0},
		.p2m = {0x8000000000, 0x8000080000},
		.start_info = {0xffffffff84a00000, 0xffffffff84a004b8},
		.page_tables = {0xffffffff84a01000, 0xffffffff84a2a000},
		.stack = {0xffffffff84a2a000, 0xffffffff84a2b000},
		.total = {0xffffffff80000000, 0xffffffff84c00000},
		.entry = 0xffffffff830791c0,
		.to_be_allocated = 32768,
	},
	{
		.name = "generic kernel, dom0_mem=256M, ramdisk",
		.kernel = LINUX_AMD64,
		.dom0_mem = 256 * MiB,
		.ramdisk = RAMDISK,
		.kernel_va = {0xffffffff81000000, 0xffffffff84a00000},
		.ramdisk_va = {0, 0},
		.p2m = {0x8000000000, 0x8000080000},
		.start_info = {0xffffffff84a00000, 0xffffffff84a004b8},
		.page_tables = {0xffffffff84a01000, 0xffffffff84a2a000},
		.stack = {0xffffffff84a2a000, 0xffffffff84a2b000},
		.total = {0xffffffff80000000, 0xffffffff84c00000},
		.entry = 0xffffffff830791c0,
		.to_be_allocated = 32035,
	},
	{
		.name = "minimal kernel, dom0_mem=128M, ramdisk",
		.kernel = MINIMAL,
		.dom0_mem = 128 * MiB,
		.ramdisk = RAMDISK,
		.kernel_va = {0xffffffff80200000, 0xffffffff80723456},
		.ramdisk_va = {0xffffffff80724000, 0xffffffff80a006c0},
		.p2m = {0xffffffff80a01000, 0xffffffff80a41000},
		.start_info = {0xffffffff80a41000, 0xffffffff80a414b8},
		.page_tables = {0xffffffff80a42000, 0xffffffff80a4b000},
		.stack = {0xffffffff80a4b000, 0xffffffff80a4c000},
		.total = {0xffffffff80000000, 0xffffffff80c00000},
		.entry = 0xffffffff80200100,
		.to_be_allocated = 27939,
	},
	{
		.name = "minimal kernel, dom0_mem=768M, ramdisk",
		.kernel = MINIMAL,
		.dom0_mem = 768 * MiB,
		.ramdisk = RAMDISK,
		.kernel_va = {0xffffffff80200000, 0xffffffff80723456},
		.ramdisk_va = {0xffffffff80724000, 0xffffffff80a006c0},
		.p2m = {0xffffffff80a01000, 0xffffffff80b81000},
		.start_info = {0xffffffff80b81000, 0xffffffff80b814b8},
		.page_tables = {0xffffffff80b82000, 0xffffffff80b8d000},
		.stack = {0xffffffff80b8d000, 0xffffffff80b8e000},
		.total = {0xffffffff80000000, 0xffffffff81000000},
		.entry = 0xffffffff80200100,
		.to_be_allocated = 191779,
	},
	{
		.name = "minimal kernel, dom0_mem=64M",
		.kernel = MINIMAL,
		.dom0_mem = 64 * MiB,
		.ramdisk = 0,
		.kernel_va = {0xffffffff80200000, 0xffffffff80723456},
		.ramdisk_va = {0xffffffff80724000, 0xffffffff80724000},
		.p2m = {0xffffffff80724000, 0xffffffff80744000},
		.start_info = {0xffffffff80744000, 0xffffffff807444b8},
		.page_tables = {0xffffffff80745000, 0xffffffff8074c000},
		.stack = {0xffffffff8074c000, 0xffffffff8074d000},
		.total = {0xffffffff80000000, 0xffffffff80800000},
		.entry = 0xffffffff80200100,
		.to_be_allocated = 14336,
	},
};

static void load_kernel(struct test_elf *e, enum kernel kernel)
{
	switch (kernel) {
	case LINUX_CLOUD:
		TE_FROM_FIXTURE(e, linux_cloud);
		break;
	case LINUX_AMD64:
		TE_FROM_FIXTURE(e, linux_amd64);
		break;
	case MINIMAL:
		e->data = malloc(sizeof(minimal_pv_kernel));
		e->size = sizeof(minimal_pv_kernel);
		memcpy(e->data, minimal_pv_kernel, e->size);
		break;
	}
}

/* The whole image side, from the kernel's bytes to its layout. */
static enum pv_layout_status build(enum kernel kernel, uint64_t dom0_mem, uint64_t ramdisk,
				   struct pv_layout *layout, struct xen_elfnote_info *info)
{
	struct test_elf e;
	struct elf_image image;
	struct pv_layout_params params;
	enum pv_layout_status status;

	load_kernel(&e, kernel);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(xen_elfnote_parse(&image, info), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(info, true), XEN_NOTES_OK);
	pv_layout_params_from_notes(&params, info, dom0_mem / PV_PAGE_SIZE, ramdisk);
	status = pv_layout_dom0(&params, layout);
	te_free(&e);
	return status;
}

static void expect_range(const char *name, const char *what, const struct pv_region *r,
			 const uint64_t want[2])
{
	if (r->start != want[0] || r->end != want[1])
		fail_msg("%s: %s: %016llx->%016llx, Xen: %016llx->%016llx", name, what,
			 (unsigned long long)r->start, (unsigned long long)r->end,
			 (unsigned long long)want[0], (unsigned long long)want[1]);
}

static void same_layout_as_xen(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(xen_figures) / sizeof(xen_figures[0]); i++) {
		const struct xen_figures *x = &xen_figures[i];
		struct xen_elfnote_info info;
		struct pv_layout l;
		struct pv_region total;
		uint64_t nr_pages = x->dom0_mem / PV_PAGE_SIZE;
		uint64_t ramdisk_pages = (x->ramdisk + PV_PAGE_SIZE - 1) / PV_PAGE_SIZE;

		assert_int_equal(build(x->kernel, x->dom0_mem, x->ramdisk, &l, &info),
				 PV_LAYOUT_OK);
		expect_range(x->name, "Loaded kernel", &l.kernel, x->kernel_va);
		expect_range(x->name, "Init. ramdisk", &l.ramdisk, x->ramdisk_va);
		expect_range(x->name, "Phys-Mach map", &l.p2m, x->p2m);
		expect_range(x->name, "Start info", &l.start_info, x->start_info);
		expect_range(x->name, "Page tables", &l.page_tables, x->page_tables);
		expect_range(x->name, "Boot stack", &l.stack, x->stack);
		total.start = l.v_start;
		total.end = l.v_end;
		expect_range(x->name, "TOTAL", &total, x->total);
		assert_int_equal(l.entry, x->entry);
		/* Xen's first allocation: 2^order pages, plus the ramdisk's own frames. */
		assert_int_equal(nr_pages - (1ULL << l.alloc_order) - ramdisk_pages,
				 x->to_be_allocated);
		/* What start_info and the registers get. */
		assert_int_equal(l.pt_base, x->page_tables[0]);
		assert_int_equal(l.nr_pt_frames, (x->page_tables[1] - x->page_tables[0]) / 4096);
		assert_int_equal(l.mfn_list, x->p2m[0]);
		assert_int_equal(l.stack_pointer, x->stack[1]);
		assert_int_equal(l.start_info_va, x->start_info[0]);
		assert_int_equal(l.mod_len, x->ramdisk);
		assert_int_equal(l.first_p2m_pfn, (1ULL << l.alloc_order) + ramdisk_pages);
	}
}

/* What Xen does not print, worked out by hand from its rules, for the Debian kernels. */
static void linux_start_info_values(void **state)
{
	struct xen_elfnote_info info;
	struct pv_layout l;

	(void)state;
	/* dom0_mem=128M: 2^14 pages mapped; the p2m (32768 * 8 = 256 KiB at 512 GiB) needs an L3,
	 * an L2 and an L1 table and 64 pages, all allocated after the first 16384. */
	assert_int_equal(build(LINUX_CLOUD, 128 * MiB, 0, &l, &info), PV_LAYOUT_OK);
	assert_int_equal(l.alloc_order, 14);
	assert_int_equal(l.nr_l4, 1);
	assert_int_equal(l.nr_l3, 1);
	assert_int_equal(l.nr_l2, 1);
	assert_int_equal(l.nr_l1, 32);
	assert_int_equal(l.nr_pt_frames, 35);
	assert_int_equal(l.first_p2m_pfn, 16384);
	assert_int_equal(l.nr_p2m_frames, 3 + 64);
	assert_int_equal(l.p2m.pfn, 16384);
	assert_int_equal(l.flags, 0);
	assert_int_equal(l.mod_start, 0);
	assert_int_equal(l.kernel.pfn, 0x1000);
	assert_int_equal(l.start_info.pfn, 0x3e00);
	assert_int_equal(l.page_tables.pfn, 0x3e01);
	assert_int_equal(l.stack.pfn, 0x3e24);
	assert_int_equal(l.xenstore.start, 0);
	assert_int_equal(l.console.end, 0);

	/* With a ramdisk Linux takes it by pfn (MOD_START_PFN): right after the 2^15 mapped. */
	assert_int_equal(build(LINUX_AMD64, 256 * MiB, RAMDISK, &l, &info), PV_LAYOUT_OK);
	assert_int_equal(l.alloc_order, 15);
	assert_int_equal(l.flags, SIF_MOD_START_PFN);
	assert_int_equal(l.mod_start, 32768);
	assert_int_equal(l.ramdisk.pfn, 32768);
	assert_int_equal(l.first_p2m_pfn, 32768 + 733);
	assert_int_equal(l.nr_p2m_frames, 3 + 128);
}

static void minimal_kernel_start_info_values(void **state)
{
	struct xen_elfnote_info info;
	struct pv_layout l;

	(void)state;
	/* The ramdisk is mapped, so mod_start is its address; the p2m is in the mapping. */
	assert_int_equal(build(MINIMAL, 128 * MiB, RAMDISK, &l, &info), PV_LAYOUT_OK);
	assert_int_equal(l.flags, 0);
	assert_int_equal(l.mod_start, 0xffffffff80724000);
	assert_int_equal(l.ramdisk.pfn, 0x724);
	assert_int_equal(l.p2m.pfn, 0xa01);
	assert_int_equal(l.alloc_order, 12);
	assert_int_equal(l.first_p2m_pfn, 4096 + 733);
	assert_int_equal(l.nr_p2m_frames, 0);
	assert_int_equal(l.nr_l1, 6);
	assert_int_equal(l.nr_pt_frames, 9);
}

/* The two ways Xen refused to build dom0 in these runs. */
static void too_little_memory_like_xen(void **state)
{
	struct xen_elfnote_info info;
	struct pv_layout l;

	(void)state;
	/* Xen: "Panic on CPU 0: Dom0 allocation too small for initial P->M table". */
	assert_int_equal(build(LINUX_CLOUD, 64 * MiB, 0, &l, &info), PV_LAYOUT_EP2M_TOO_SMALL);
	/* Xen: "Panic on CPU 0: Domain 0 allocation is too small for kernel image": the 76 MiB
	 * mapped need 2^15 pages, which with 733 for the ramdisk exceed 32768. */
	assert_int_equal(build(LINUX_AMD64, 128 * MiB, RAMDISK, &l, &info), PV_LAYOUT_ETOO_SMALL);
	/* Without the ramdisk the 2^15 pages fit, but the p2m then finds none left (Xen printed
	 * the layout, then "Dom0 allocation too small for initial P->M table"). */
	assert_int_equal(build(LINUX_AMD64, 128 * MiB, 0, &l, &info), PV_LAYOUT_EP2M_TOO_SMALL);
	assert_int_equal(l.v_end, 0xffffffff84c00000);
}

/* --- the rules one at a time, on a small kernel given directly --- */

static struct pv_layout_params small_kernel(uint64_t nr_pages)
{
	struct pv_layout_params p = {
		.virt_base = 0xffffffff80000000,
		.virt_kstart = 0xffffffff80200000,
		.virt_kend = 0xffffffff80723456,
		.virt_entry = 0xffffffff80200100,
		.hypercall_page = PV_LAYOUT_UNSET,
		.p2m_base = PV_LAYOUT_UNSET,
		.nr_pages = nr_pages,
	};
	return p;
}

static void invariants(const struct pv_layout *l)
{
	assert_int_equal(l->nr_pt_frames, l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1);
	assert_int_equal(l->v_end % (4 * MiB), 0);
	assert_true(l->v_end - l->stack.end >= 512 * 1024);
	assert_true(l->v_end - l->stack.end < 512 * 1024 + 4 * MiB);
	assert_int_equal(l->page_tables.end - l->page_tables.start, l->nr_pt_frames * 4096ULL);
	assert_int_equal(l->stack.start, l->page_tables.end);
	assert_int_equal(l->stack.end - l->stack.start, 4096);
	assert_int_equal(l->start_info.start % 4096, 0);
	assert_int_equal(l->page_tables.start % 4096, 0);
	assert_true(l->start_info.end <= l->page_tables.start);
	assert_int_equal(l->start_info.end - l->start_info.start,
			 sizeof(struct start_info) + sizeof(struct dom0_vga_console_info));
	assert_int_equal(l->page_tables.pfn, (l->page_tables.start - l->v_start) / 4096);
	/* The tables are exactly enough for [v_start, v_end) at 4 KiB granularity. */
	assert_int_equal(l->nr_l1, (l->v_end - 1) / (2 * MiB) - l->v_start / (2 * MiB) + 1);
}

static void sweep_keeps_invariants(void **state)
{
	uint64_t nr_pages, ramdisk;

	(void)state;
	for (nr_pages = 4096; nr_pages <= 4 * 1024 * 1024; nr_pages = nr_pages * 3 / 2 + 7) {
		for (ramdisk = 0; ramdisk < 64 * MiB; ramdisk = ramdisk * 5 + 4095) {
			struct pv_layout_params p = small_kernel(nr_pages);
			struct pv_layout l;
			enum pv_layout_status status;

			p.ramdisk_size = ramdisk;
			status = pv_layout_dom0(&p, &l);
			if (status == PV_LAYOUT_ETOO_SMALL)
				continue;
			assert_int_equal(status, PV_LAYOUT_OK);
			invariants(&l);
			assert_true(l.kernel.end <= l.ramdisk.start);
			assert_int_equal(l.ramdisk.end - l.ramdisk.start, ramdisk);
			assert_true(l.ramdisk.end <= l.p2m.start);
			assert_int_equal(l.p2m.end - l.p2m.start, nr_pages * 8);
			assert_true(l.p2m.end <= l.start_info.start);
			/* No more than the rounding slack between neighbours. */
			assert_true(l.start_info.start - l.p2m.end < 4096);
		}
	}
}

static void page_table_count_crosses_levels(void **state)
{
	struct pv_layout_params p = small_kernel(4096);
	struct pv_layout l;

	(void)state;
	/* A region crossing a 1 GiB boundary needs two L2 tables. */
	p.virt_base = 0xffffffffbfc00000;
	p.virt_kstart = p.virt_base;
	p.virt_kend = p.virt_base + 0x500000;
	p.virt_entry = p.virt_kstart;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_l3, 1);
	assert_int_equal(l.nr_l2, 2);
	invariants(&l);

	/* Crossing a 512 GiB boundary: two L3 tables. */
	p.virt_base = 0x7fffe00000;
	p.virt_kstart = p.virt_base;
	p.virt_kend = p.virt_base + 0x300000;
	p.virt_entry = p.virt_kstart;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_l3, 2);
	assert_int_equal(l.nr_l2, 2);
	invariants(&l);

	/* A large mapped p2m: 16 GiB of pages = 32 MiB of p2m, about 38 MiB mapped. */
	p = small_kernel(4ULL * 1024 * 1024);
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	invariants(&l);
	assert_int_equal(l.v_end, 0xffffffff82800000);
	assert_int_equal(l.nr_l1, 20);
	assert_int_equal(l.nr_pt_frames, 23);
}

/* The 512 KiB rule: padding below it costs another 4 MiB. */
static void padding_rule(void **state)
{
	struct pv_layout_params p = small_kernel(16384);
	struct pv_layout l;
	uint64_t kend;
	int seen_extra = 0, seen_plain = 0;

	(void)state;
	for (kend = 0xffffffff80300000; kend < 0xffffffff80800000; kend += 0x10000) {
		p.virt_kend = kend;
		assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
		invariants(&l);
		if (l.v_end - l.stack.end >= 4 * MiB)
			seen_extra = 1;
		else
			seen_plain = 1;
	}
	assert_true(seen_extra && seen_plain);
}

static void p2m_outside_the_mapping(void **state)
{
	struct pv_layout_params p = small_kernel(1ULL << 20); /* 4 GiB: an 8 MiB p2m */
	struct pv_layout l;

	(void)state;
	p.p2m_base = 0x8000000000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	/* An L3 and an L2 table, then four 2 MiB superpages of 512 frames. */
	assert_int_equal(l.nr_p2m_frames, 2 + 4 * 512);
	assert_int_equal(l.p2m.start, 0x8000000000);
	assert_int_equal(l.p2m.end, 0x8000800000);
	assert_int_equal(l.mfn_list, 0x8000000000);
	/* The p2m is not in the mapping: start_info follows the kernel directly. */
	assert_int_equal(l.start_info.start, 0xffffffff80724000);

	/* Not 2 MiB aligned: 4 KiB pages up to the boundary, with their own L1 table. */
	p.p2m_base = 0x8000000000 + 0x1ff000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_p2m_frames, 2 + (1 + 1) + 3 * 512 + (1 + 511));

	/* 512 GiB of memory: a 1 GiB p2m, one superpage with 1 GiB pages. */
	p = small_kernel(1ULL << 27);
	p.p2m_base = 0x8000000000;
	p.superpages_1g = true;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_p2m_frames, 1 + 262144);
	p.superpages_1g = false;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_p2m_frames, 2 + 512 * 512);
}

static void p2m_shares_tables_with_the_mapping(void **state)
{
	struct pv_layout_params p = small_kernel(16384); /* v_end 0xffffffff80800000 */
	struct pv_layout l;

	(void)state;
	/* Same L4 slot and same 1 GiB: only an L1 table and 32 pages are new. */
	p.p2m_base = 0xffffffff80a00000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.v_end, 0xffffffff80800000);
	assert_int_equal(l.nr_p2m_frames, 1 + 32);
	/* Next 1 GiB, same 512 GiB: an L2 table too. */
	p.p2m_base = 0xffffffffc0000000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_p2m_frames, 2 + 32);
	/* Touching the mapping's end (Xen's test includes it): refused, as below its start. */
	p.p2m_base = 0xffffffff80800000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_OVERLAP);
	p.p2m_base = 0xffffffff80000000 - 16384 * 8;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_OVERLAP);
	p.p2m_base = 0xffffffff80000000 - 16384 * 8 - 8;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
}

static void p2m_placement_is_checked(void **state)
{
	struct pv_layout_params p = small_kernel(16384);
	struct pv_layout l;

	(void)state;
	p.p2m_base = 0xffff800000000000; /* the hypervisor's range */
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_PLACE);
	p.p2m_base = 0xffff87fffffff000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_PLACE);
	p.p2m_base = 0x0000800000000000; /* non-canonical */
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_PLACE);
	p.p2m_base = 0x00007ffffffff000; /* runs into the hole */
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_PLACE);
	p.p2m_base = UINT64_MAX - 0x1000; /* wraps */
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EP2M_PLACE);
	p.p2m_base = 0xffff880000000000; /* just above the hypervisor */
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
}

static void hypercall_page_must_be_mapped(void **state)
{
	struct pv_layout_params p = small_kernel(16384);
	struct pv_layout l;

	(void)state;
	p.hypercall_page = 0xffffffff80201000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	p.hypercall_page = 0xffffffff807ff000; /* in the padding: still mapped */
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	p.hypercall_page = 0xffffffff80800000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EHYPERCALL_PAGE);
	p.hypercall_page = 0xffffffff7ffff000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EHYPERCALL_PAGE);
}

static void region_must_stay_in_guest_space(void **state)
{
	struct pv_layout_params p = small_kernel(16384);
	struct pv_layout l;

	(void)state;
	/* In the hypervisor's range. */
	p.virt_base = 0xffff800000000000;
	p.virt_kstart = p.virt_base + 0x200000;
	p.virt_kend = p.virt_kstart + 0x1000;
	p.virt_entry = p.virt_kstart;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EXEN_AREA);
	/* Starting in its last 16 MiB. */
	p.virt_base = 0xffff87ffff000000;
	p.virt_kstart = p.virt_base;
	p.virt_kend = p.virt_base + 0x1000;
	p.virt_entry = p.virt_kstart;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EXEN_AREA);
	/* Running from the lower half into the non-canonical hole. */
	p.virt_base = 0x00007fffffc00000;
	p.virt_kstart = p.virt_base;
	p.virt_kend = p.virt_base + 0x3f0000;
	p.virt_entry = p.virt_kstart;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_ENONCANONICAL);
	/* Ending exactly at the hole is fine. */
	p.virt_kend = p.virt_base + 0x1000;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.v_end, 0x0000800000000000);
	/* Running past 2^64. */
	p.virt_base = 0xfffffffffff00000;
	p.virt_kstart = p.virt_base;
	p.virt_kend = p.virt_base + 0x1000;
	p.virt_entry = p.virt_kstart;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EWRAP);
	p.virt_kend = UINT64_MAX;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EWRAP);
	p.ramdisk_size = 1ULL << 40;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EWRAP);
}

static void nonsense_parameters(void **state)
{
	struct pv_layout_params p = small_kernel(16384);
	struct pv_layout l;

	(void)state;
	p.virt_kend = p.virt_kstart - 1;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EPARAM);
	p = small_kernel(16384);
	p.virt_base = p.virt_kstart + 1;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EPARAM);
	p = small_kernel(0);
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EPARAM);
	p = small_kernel(PV_LAYOUT_MAX_PAGES + 1);
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EPARAM);
	p = small_kernel(16384);
	p.ramdisk_size = UINT64_MAX;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EPARAM);
	/* Just enough pages for the mapped region (2^11) and none more: fine. */
	p = small_kernel(2048);
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	p = small_kernel(2047);
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_ETOO_SMALL);
	/* VIRT_BASE off a page boundary (the kernel's own start may be, for dom0). */
	p = small_kernel(16384);
	p.virt_base += 0x800;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_EALIGN);
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EALIGN);
	p = small_kernel(16384);
	p.virt_kstart += 0x800;
	assert_int_equal(pv_layout_dom0(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.kernel.pfn, 0x200);
}

/* --- unprivileged domains (libxenguest's layout) --- */

static enum pv_layout_status build_domu(enum kernel kernel, uint64_t mem, uint64_t ramdisk,
					struct pv_layout *layout)
{
	struct test_elf e;
	struct elf_image image;
	struct xen_elfnote_info info;
	struct pv_layout_params params;
	enum pv_layout_status status;

	load_kernel(&e, kernel);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(xen_elfnote_parse(&image, &info), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, false), XEN_NOTES_OK);
	pv_layout_params_from_notes(&params, &info, mem / PV_PAGE_SIZE, ramdisk);
	status = pv_layout_domu(&params, layout);
	te_free(&e);
	return status;
}

/*
 * The cloud kernel as a 512 MiB domU with the 3000000-byte ramdisk. Pages from VIRT_BASE
 * 0xffffffff80000000: pfns 0-0xfff padding, kernel 0x1000-0x3dff (0x2e00 pages), start_info
 * 0x3e00, xenstore 0x3e01, console 0x3e02; tables for an end of (0xffffffff83e03000 + 129 pages)
 * rounded to 4 MiB = 0xffffffff84000000: 1 + 1 + 1 + 32 = 35, pfns 0x3e03-0x3e25; stack 0x3e26;
 * padding to pfn 0x4000. Then the ramdisk by pfn (MOD_START_PFN): 0x4000, 733 pages; then the
 * INIT_P2M p2m, 1 MiB at 512 GiB plus an L3, an L2 and an L1 table: 259 frames from 0x42dd.
 */
static void domu_linux(void **state)
{
	struct pv_layout l;

	(void)state;
	assert_int_equal(build_domu(LINUX_CLOUD, 512 * MiB, RAMDISK, &l), PV_LAYOUT_OK);
	assert_int_equal(l.kernel.start, 0xffffffff81000000);
	assert_int_equal(l.kernel.end, 0xffffffff83e00000);
	assert_int_equal(l.kernel.pfn, 0x1000);
	assert_int_equal(l.start_info.start, 0xffffffff83e00000);
	assert_int_equal(l.start_info.pfn, 0x3e00);
	assert_int_equal(l.xenstore.pfn, 0x3e01);
	assert_int_equal(l.xenstore.start, 0xffffffff83e01000);
	assert_int_equal(l.console.pfn, 0x3e02);
	assert_int_equal(l.page_tables.start, 0xffffffff83e03000);
	assert_int_equal(l.page_tables.end, 0xffffffff83e26000);
	assert_int_equal(l.nr_pt_frames, 35);
	assert_int_equal(l.stack.start, 0xffffffff83e26000);
	assert_int_equal(l.v_end, 0xffffffff84000000);
	assert_int_equal(l.ramdisk.start, 0);
	assert_int_equal(l.ramdisk.pfn, 0x4000);
	assert_int_equal(l.flags, SIF_VIRT_P2M_4TOOLS | SIF_MOD_START_PFN);
	assert_int_equal(l.mod_start, 0x4000);
	assert_int_equal(l.mod_len, 733 * 4096);
	assert_int_equal(l.p2m.start, 0x8000000000);
	assert_int_equal(l.p2m.end, 0x8000100000);
	assert_int_equal(l.mfn_list, 0x8000000000);
	assert_int_equal(l.first_p2m_pfn, 0x42dd);
	assert_int_equal(l.nr_p2m_frames, 256 + 3);
	assert_int_equal(l.pages_allocated, 0x42dd + 259);
	assert_int_equal(l.stack_pointer, 0xffffffff83e27000);
	assert_int_equal(l.start_info_va, 0xffffffff83e00000);
	assert_int_equal(l.entry, 0xffffffff8304e1c0);
}

/*
 * The minimal kernel as a 64 MiB domU: padding 0x200 pages, kernel 0x524 pages to pfn 0x724,
 * ramdisk (mapped) 733 pages to 0xa01, p2m 16384 * 8 bytes = 32 pages to 0xa21, start_info
 * 0xa21, xenstore 0xa22, console 0xa23; tables for 0xffffffff80c00000: 1 + 1 + 1 + 6 = 9 at
 * 0xa24; stack 0xa2d.
 */
static void domu_minimal(void **state)
{
	struct pv_layout l;

	(void)state;
	assert_int_equal(build_domu(MINIMAL, 64 * MiB, RAMDISK, &l), PV_LAYOUT_OK);
	assert_int_equal(l.kernel.end, 0xffffffff80724000);
	assert_int_equal(l.ramdisk.start, 0xffffffff80724000);
	assert_int_equal(l.ramdisk.end, 0xffffffff80a01000);
	assert_int_equal(l.ramdisk.pfn, 0x724);
	assert_int_equal(l.mod_start, 0xffffffff80724000);
	assert_int_equal(l.mod_len, 733 * 4096);
	assert_int_equal(l.flags, SIF_VIRT_P2M_4TOOLS);
	assert_int_equal(l.p2m.start, 0xffffffff80a01000);
	assert_int_equal(l.p2m.end, 0xffffffff80a21000);
	assert_int_equal(l.p2m.pfn, 0xa01);
	assert_int_equal(l.start_info.pfn, 0xa21);
	assert_int_equal(l.xenstore.pfn, 0xa22);
	assert_int_equal(l.console.pfn, 0xa23);
	assert_int_equal(l.page_tables.start, 0xffffffff80a24000);
	assert_int_equal(l.nr_pt_frames, 9);
	assert_int_equal(l.nr_l1, 6);
	assert_int_equal(l.stack.pfn, 0xa2d);
	assert_int_equal(l.stack_pointer, 0xffffffff80a2e000);
	assert_int_equal(l.v_end, 0xffffffff80c00000);
	assert_int_equal(l.first_p2m_pfn, 0);
	assert_int_equal(l.nr_p2m_frames, 0);
	assert_int_equal(l.pages_allocated, 0xc00);
}

static void domu_rules(void **state)
{
	struct pv_layout_params p = small_kernel(16384);
	struct pv_layout l;

	(void)state;
	/* Too little memory: the mapping up to 0xffffffff80c00000 needs pfns up to 0xbff. */
	assert_int_equal(build_domu(MINIMAL, 8 * MiB, RAMDISK, &l), PV_LAYOUT_ETOO_SMALL);
	/* A kernel that does not start on a page. */
	p.virt_kstart += 0x10;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EALIGN);
	/* INIT_P2M above VIRT_BASE or unaligned is ignored: the p2m is mapped after the kernel. */
	p = small_kernel(16384);
	p.p2m_base = 0xffffffffc0000000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.p2m.start, 0xffffffff80724000);
	p.p2m_base = 0x8000000010;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.p2m.start, 0xffffffff80724000);
	/* Below VIRT_BASE and sharing its L3 table: only an L2 and an L1 are new. */
	p.p2m_base = 0xffffffff40000000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_OK);
	assert_int_equal(l.nr_p2m_frames, 32 + 2);
	/* Starting below VIRT_BASE but running into the mapping. */
	p.p2m_base = 0xffffffff80000000 - 0x1000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EP2M_OVERLAP);
	p.p2m_base = 0xffffffff80000000 - 32 * 0x1000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_OK);
	/* In the hypervisor's range. */
	p.p2m_base = 0xffff800000000000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EP2M_PLACE);
	/* Hypercall page outside the mapping; the hypervisor's area; wrap-around. */
	p = small_kernel(16384);
	p.hypercall_page = 0xffffffff80c00000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EHYPERCALL_PAGE);
	p = small_kernel(16384);
	p.virt_base = p.virt_kstart = 0xffff800000000000;
	p.virt_kend = p.virt_kstart + 0x1000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EXEN_AREA);
	p.virt_base = p.virt_kstart = 0xffffffffffe00000;
	p.virt_kend = p.virt_kstart + 0x1000;
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EWRAP);
	p = small_kernel(0);
	assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_EPARAM);
}

static void domu_sweep_keeps_invariants(void **state)
{
	uint64_t nr_pages, ramdisk;

	(void)state;
	for (nr_pages = 4096; nr_pages <= 4 * 1024 * 1024; nr_pages = nr_pages * 3 / 2 + 7) {
		for (ramdisk = 0; ramdisk < 64 * MiB; ramdisk = ramdisk * 5 + 4095) {
			struct pv_layout_params p = small_kernel(nr_pages);
			struct pv_layout l;

			p.ramdisk_size = ramdisk;
			p.unmapped_initrd = (ramdisk / 4096) % 2;
			if (pv_layout_domu(&p, &l) == PV_LAYOUT_ETOO_SMALL)
				continue;
			assert_int_equal(pv_layout_domu(&p, &l), PV_LAYOUT_OK);
			assert_int_equal(l.nr_pt_frames, l.nr_l4 + l.nr_l3 + l.nr_l2 + l.nr_l1);
			assert_int_equal(l.v_end % (4 * MiB), 0);
			assert_true(l.v_end - l.stack.end >= 512 * 1024);
			assert_int_equal(l.xenstore.start, l.start_info.end);
			assert_int_equal(l.console.start, l.xenstore.end);
			assert_int_equal(l.page_tables.start, l.console.end);
			assert_int_equal(l.stack.start, l.page_tables.end);
			/* pfn and address agree inside the mapping. */
			assert_int_equal(l.stack.start - l.v_start, l.stack.pfn * 4096);
			assert_true(l.pages_allocated <= nr_pages);
			assert_int_equal(l.nr_l1,
					 (l.v_end - 1) / (2 * MiB) - l.v_start / (2 * MiB) + 1);
		}
	}
}

static void messages(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < PV_LAYOUT_STATUS_COUNT; i++)
		for (j = 0; j < i; j++)
			assert_string_not_equal(pv_layout_strerror((enum pv_layout_status)i),
						pv_layout_strerror((enum pv_layout_status)j));
	assert_string_equal(pv_layout_strerror(PV_LAYOUT_STATUS_COUNT), "unknown error");
	assert_string_equal(pv_layout_strerror(PV_LAYOUT_EP2M_TOO_SMALL),
			    "the domain's memory is too small for the initial P->M table");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_layout_as_xen),
		cmocka_unit_test(linux_start_info_values),
		cmocka_unit_test(minimal_kernel_start_info_values),
		cmocka_unit_test(too_little_memory_like_xen),
		cmocka_unit_test(sweep_keeps_invariants),
		cmocka_unit_test(page_table_count_crosses_levels),
		cmocka_unit_test(padding_rule),
		cmocka_unit_test(p2m_outside_the_mapping),
		cmocka_unit_test(p2m_shares_tables_with_the_mapping),
		cmocka_unit_test(p2m_placement_is_checked),
		cmocka_unit_test(hypercall_page_must_be_mapped),
		cmocka_unit_test(region_must_stay_in_guest_space),
		cmocka_unit_test(nonsense_parameters),
		cmocka_unit_test(domu_linux),
		cmocka_unit_test(domu_minimal),
		cmocka_unit_test(domu_rules),
		cmocka_unit_test(domu_sweep_keeps_invariants),
		cmocka_unit_test(messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
