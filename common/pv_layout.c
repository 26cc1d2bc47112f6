/*
 * The start-of-day layout of an x86-64 PV domain, computed as Xen computes it.
 *
 * A PV kernel starts with paging on, on page tables its builder made: they map one contiguous
 * "bootstrap region" from VIRT_BASE holding, in order, the kernel, the ramdisk, the
 * phys-to-machine list, start_info, the page tables themselves and a boot stack, padded to a
 * 4 MiB boundary with at least 512 KiB to spare. How many page-table frames that takes depends
 * on the region's size, which includes those frames: Xen solves that by trying counts from 2 up
 * until the count suffices, and so does pv_layout_dom0() (dom0_build.c's figures, to the byte).
 * Xen's toolstack lays out other domains its own way (libxenguest): pv_layout_domu() below.
 */
#include <parvus/pv_layout.h>

#include <public/xen.h>
#include <string.h>

#define PAGE_SHIFT 12
#define L2_SHIFT 21 /* one L1 table maps 2 MiB */
#define L3_SHIFT 30 /* one L2 table maps 1 GiB */
#define L4_SHIFT 39 /* one L3 table maps 512 GiB */
#define MiB (1ULL << 20)

static const char *const status_text[PV_LAYOUT_STATUS_COUNT] = {
	[PV_LAYOUT_OK] = "no error",
	[PV_LAYOUT_EPARAM] = "invalid layout parameters",
	[PV_LAYOUT_EWRAP] = "the bootstrap region runs past the top of the address space",
	[PV_LAYOUT_EXEN_AREA] = "the bootstrap region overlaps the hypervisor's private area",
	[PV_LAYOUT_ENONCANONICAL] = "the bootstrap region crosses the non-canonical address hole",
	[PV_LAYOUT_ETOO_SMALL] = "the domain's memory is too small for the kernel image",
	[PV_LAYOUT_EP2M_OVERLAP] = "the P->M table (INIT_P2M) overlaps the initial mapping",
	[PV_LAYOUT_EP2M_PLACE] = "the P->M table (INIT_P2M) is not at a usable address",
	[PV_LAYOUT_EP2M_TOO_SMALL] = "the domain's memory is too small for the initial P->M table",
	[PV_LAYOUT_EHYPERCALL_PAGE] = "HYPERCALL_PAGE lies outside the initial mapping",
	[PV_LAYOUT_EALIGN] = "VIRT_BASE (or a domU kernel's start) is not on a page boundary",
};

const char *pv_layout_strerror(enum pv_layout_status status)
{
	if ((unsigned)status >= PV_LAYOUT_STATUS_COUNT)
		return "unknown error";
	return status_text[status];
}

void pv_layout_params_from_notes(struct pv_layout_params *params,
				 const struct xen_elfnote_info *info, uint64_t nr_pages,
				 uint64_t ramdisk_size)
{
	memset(params, 0, sizeof(*params));
	params->virt_base = info->virt_base;
	params->virt_kstart = info->virt_kstart;
	params->virt_kend = info->virt_kend;
	params->virt_entry = info->virt_entry;
	params->hypercall_page = info->hypercall_page;
	params->p2m_base = info->init_p2m;
	params->unmapped_initrd = info->mod_start_pfn;
	params->nr_pages = nr_pages;
	params->ramdisk_size = ramdisk_size;
}

/* Round up to a page or to 2^shift, with *ok cleared if that passes 2^64. */
static uint64_t round_up(uint64_t x, unsigned shift, bool *ok)
{
	uint64_t mask = (1ULL << shift) - 1;

	if (x > UINT64_MAX - mask)
		*ok = false;
	return (x + mask) & ~mask;
}

/* a + b, with *ok cleared on overflow. */
static uint64_t add(uint64_t a, uint64_t b, bool *ok)
{
	if (b > UINT64_MAX - a)
		*ok = false;
	return a + b;
}

/* How many 2^shift-aligned blocks [low, high) touches: tables of one level to map it. */
static uint64_t blocks(uint64_t low, uint64_t high, unsigned shift)
{
	if (high <= low)
		return 0;
	return ((high - 1) >> shift) - (low >> shift) + 1;
}

/* Canonical: bits 63..47 all equal. */
static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;

	return top == 0 || top == (UINT64_MAX >> 47);
}

/* Does [start, end) touch the hypervisor's range of every PV address space? */
static bool hits_xen_area(uint64_t start, uint64_t end)
{
	return start < HYPERVISOR_VIRT_END && end > HYPERVISOR_VIRT_START;
}

/* The smallest order with 2^order pages >= bytes (Xen's get_order_from_bytes). */
static unsigned order_from_bytes(uint64_t bytes)
{
	unsigned order = 0;

	while (order < 52 && (PV_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/*
 * Count the frames Xen's dom0 builder allocates to place a p2m at [start, end) outside the
 * bootstrap mapping (dom0_build.c, setup_pv_physmap): for each page, the tables it lacks, then
 * the page; 2 MiB (and with 1 GiB pages, 1 GiB) aligned stretches become one superpage.
 * Tables that the bootstrap mapping [v_start, v_end) already has are reused. *tot_pages grows
 * by every frame; the walk fails as Xen does when memory could run out before the end.
 */
static enum pv_layout_status place_p2m(uint64_t v_start, uint64_t v_end, uint64_t start,
				       uint64_t end, uint64_t nr_pages, bool superpages_1g,
				       uint64_t *tot_pages)
{
	/* Tables the walk itself made; it only moves up, so the last one is all it needs. */
	uint64_t made_l3 = UINT64_MAX, made_l2 = UINT64_MAX, made_l1 = UINT64_MAX;
	uint64_t map_first = v_start, map_last = v_end - 1;
	uint64_t end_page = (end + PV_PAGE_SIZE - 1) & ~(PV_PAGE_SIZE - 1);

	while (start < end) {
		uint64_t l4 = start >> L4_SHIFT, l3 = start >> L3_SHIFT, l2 = start >> L2_SHIFT;

		if (*tot_pages + ((end_page - start) >> PAGE_SHIFT) + 3 > nr_pages)
			return PV_LAYOUT_EP2M_TOO_SMALL;

		if (l4 != made_l3 && !(l4 >= map_first >> L4_SHIFT && l4 <= map_last >> L4_SHIFT)) {
			made_l3 = l4;
			(*tot_pages)++;
		}
		if (l3 != made_l2 && !(l3 >= map_first >> L3_SHIFT && l3 <= map_last >> L3_SHIFT)) {
			if (superpages_1g && (start & ((1ULL << L3_SHIFT) - 1)) == 0 &&
			    end - start >= (1ULL << L3_SHIFT)) {
				*tot_pages += 1ULL << (L3_SHIFT - PAGE_SHIFT);
				start += 1ULL << L3_SHIFT;
				continue;
			}
			made_l2 = l3;
			(*tot_pages)++;
		}
		if (l2 != made_l1 && !(l2 >= map_first >> L2_SHIFT && l2 <= map_last >> L2_SHIFT)) {
			if ((start & ((1ULL << L2_SHIFT) - 1)) == 0 &&
			    end - start >= (1ULL << L2_SHIFT)) {
				*tot_pages += 1ULL << (L2_SHIFT - PAGE_SHIFT);
				start += 1ULL << L2_SHIFT;
				continue;
			}
			made_l1 = l2;
			(*tot_pages)++;
		}
		(*tot_pages)++;
		start = (start + PV_PAGE_SIZE) & ~(PV_PAGE_SIZE - 1);
	}
	return PV_LAYOUT_OK;
}

static void set_region(struct pv_region *r, uint64_t start, uint64_t end, uint64_t v_start)
{
	r->start = start;
	r->end = end;
	r->pfn = (start - v_start) >> PAGE_SHIFT;
}

enum pv_layout_status pv_layout_dom0(const struct pv_layout_params *p, struct pv_layout *l)
{
	const uint64_t p2m_entry = sizeof(unsigned long long);
	uint64_t ramdisk_pages, v_start, vinitrd_start, vinitrd_end, vphysmap_start, vphysmap_end;
	uint64_t vstartinfo_start, vstartinfo_end, vpt_start, vpt_end, vstack_end, v_end;
	uint64_t mapped, tot_pages;
	unsigned nr_pt;
	bool ok = true;

	memset(l, 0, sizeof(*l));
	if (p->virt_kend < p->virt_kstart || p->virt_kstart < p->virt_base || p->nr_pages == 0 ||
	    p->nr_pages > PV_LAYOUT_MAX_PAGES ||
	    p->ramdisk_size > PV_LAYOUT_MAX_PAGES * PV_PAGE_SIZE)
		return PV_LAYOUT_EPARAM;
	/* Xen would build from an unaligned VIRT_BASE; pfn = (va - VIRT_BASE) / 4096 needs it. */
	if (p->virt_base % PV_PAGE_SIZE != 0)
		return PV_LAYOUT_EALIGN;
	ramdisk_pages = (p->ramdisk_size + PV_PAGE_SIZE - 1) >> PAGE_SHIFT;

	/* Kernel, then ramdisk (unless passed by pfn), then the p2m (unless INIT_P2M places it). */
	v_start = p->virt_base;
	if (p->unmapped_initrd) {
		vinitrd_start = vinitrd_end = 0;
		vphysmap_start = round_up(p->virt_kend, PAGE_SHIFT, &ok);
	} else {
		vinitrd_start = round_up(p->virt_kend, PAGE_SHIFT, &ok);
		vinitrd_end = add(vinitrd_start, p->ramdisk_size, &ok);
		vphysmap_start = round_up(vinitrd_end, PAGE_SHIFT, &ok);
	}
	vphysmap_end = vphysmap_start;
	if (p->p2m_base == PV_LAYOUT_UNSET)
		vphysmap_end = add(vphysmap_start, p->nr_pages * p2m_entry, &ok);

	/* start_info, with dom0's VGA console information right after it. */
	vstartinfo_start = round_up(vphysmap_end, PAGE_SHIFT, &ok);
	vstartinfo_end = add(vstartinfo_start, sizeof(struct start_info), &ok);
	vpt_start = round_up(vstartinfo_end, PAGE_SHIFT, &ok);
	vstartinfo_end += sizeof(struct dom0_vga_console_info);

	/*
	 * The page tables, the stack page, then padding to 4 MiB with at least 512 KiB spare; the
	 * tables must map all of it. Try counts upwards until one is enough. The count needed grows
	 * by one per 2 MiB, so this ends after about (region size / 2 MiB) rounds.
	 */
	for (nr_pt = 2;; nr_pt++) {
		uint64_t need;

		vpt_end = add(vpt_start, (uint64_t)nr_pt * PV_PAGE_SIZE, &ok);
		vstack_end = add(vpt_end, PV_PAGE_SIZE, &ok);
		v_end = round_up(vstack_end, 22, &ok);
		if (v_end - vstack_end < 512 * 1024)
			v_end = add(v_end, 4 * MiB, &ok);
		if (!ok || v_end == 0)
			return PV_LAYOUT_EWRAP;
		need = 1 + blocks(v_start, v_end, L4_SHIFT) + blocks(v_start, v_end, L3_SHIFT) +
		       blocks(v_start, v_end, L2_SHIFT);
		if (need <= nr_pt)
			break;
	}
	l->nr_pt_frames = nr_pt;
	l->nr_l4 = 1;
	l->nr_l3 = (unsigned)blocks(v_start, v_end, L4_SHIFT);
	l->nr_l2 = (unsigned)blocks(v_start, v_end, L3_SHIFT);
	l->nr_l1 = (unsigned)blocks(v_start, v_end, L2_SHIFT);

	if (!canonical(v_start) || !canonical(v_end - 1) || (v_start >> 47) != ((v_end - 1) >> 47))
		return PV_LAYOUT_ENONCANONICAL;
	if (hits_xen_area(v_start, v_end))
		return PV_LAYOUT_EXEN_AREA;

	/* The mapped pages, less a mapped ramdisk (Xen maps the ramdisk's own frames). */
	mapped = v_end - v_start;
	if (vinitrd_start != 0)
		mapped -= (p->ramdisk_size + PV_PAGE_SIZE - 1) & ~(PV_PAGE_SIZE - 1);
	l->alloc_order = order_from_bytes(mapped);
	if ((1ULL << l->alloc_order) + ramdisk_pages > p->nr_pages)
		return PV_LAYOUT_ETOO_SMALL;
	tot_pages = (1ULL << l->alloc_order) + ramdisk_pages;

	if (p->hypercall_page != PV_LAYOUT_UNSET &&
	    (p->hypercall_page < v_start || p->hypercall_page >= v_end))
		return PV_LAYOUT_EHYPERCALL_PAGE;

	set_region(&l->kernel, p->virt_kstart, p->virt_kend, v_start);
	set_region(&l->ramdisk, vinitrd_start, vinitrd_end, v_start);
	set_region(&l->start_info, vstartinfo_start, vstartinfo_end, v_start);
	set_region(&l->page_tables, vpt_start, vpt_end, v_start);
	set_region(&l->stack, vpt_end, vstack_end, v_start);
	l->xenstore.pfn = l->console.pfn = PV_LAYOUT_UNSET;
	l->v_start = v_start;
	l->v_end = v_end;
	l->entry = p->virt_entry;

	/* An unmapped ramdisk's frames come right after the first allocation. */
	if (vinitrd_start == 0) {
		l->ramdisk.pfn = p->ramdisk_size != 0 ? 1ULL << l->alloc_order : PV_LAYOUT_UNSET;
	}

	/* The p2m's pfns follow everything allocated so far. */
	l->first_p2m_pfn = tot_pages;
	if (p->p2m_base != PV_LAYOUT_UNSET) {
		uint64_t start = p->p2m_base, end = start + p->nr_pages * p2m_entry;
		enum pv_layout_status status;

		if (end < start || !canonical(start) || !canonical(end - 1) ||
		    (start >> 47) != ((end - 1) >> 47) || hits_xen_area(start, end))
			return PV_LAYOUT_EP2M_PLACE;
		if (v_start <= end && start <= v_end)
			return PV_LAYOUT_EP2M_OVERLAP;
		status = place_p2m(v_start, v_end, start, end, p->nr_pages, p->superpages_1g,
				   &tot_pages);
		if (status != PV_LAYOUT_OK)
			return status;
		l->p2m.start = start;
		l->p2m.end = end;
		l->p2m.pfn = l->first_p2m_pfn;
		l->nr_p2m_frames = tot_pages - l->first_p2m_pfn;
	} else {
		set_region(&l->p2m, vphysmap_start, vphysmap_end, v_start);
	}

	l->pt_base = vpt_start;
	l->mfn_list = l->p2m.start;
	if (p->ramdisk_size != 0) {
		l->mod_start = vinitrd_start != 0 ? vinitrd_start : l->ramdisk.pfn;
		l->mod_len = p->ramdisk_size;
		if (vinitrd_start == 0)
			l->flags |= SIF_MOD_START_PFN;
	}
	l->stack_pointer = vstack_end;
	l->start_info_va = vstartinfo_start;
	return PV_LAYOUT_OK;
}

/* --- unprivileged domains: libxenguest's builder (xg_dom_core.c, xg_dom_x86.c) --- */

/* Page tables see 48-bit addresses: libxenguest masks the sign-extension bits off. */
#define VADDR_MASK ((1ULL << 48) - 1)

/*
 * The builder's allocation cursor: the next pfn and the virtual address it is mapped at. Pages
 * are handed out in order and never given back; at most `total` of them.
 */
struct cursor {
	uint64_t vaddr, pfn, total;
};

/* Hand out `pages` pages (xc_dom_chk_alloc_pages). */
static bool take(struct cursor *c, uint64_t pages)
{
	if (pages > c->total || c->pfn > c->total || pages > c->total - c->pfn)
		return false;
	if (pages > (UINT64_MAX - c->vaddr) / PV_PAGE_SIZE)
		return false;
	c->pfn += pages;
	c->vaddr += pages * PV_PAGE_SIZE;
	return true;
}

/* Hand out pages up to the virtual address `boundary` (xc_dom_alloc_pad). */
static enum pv_layout_status pad_to(struct cursor *c, uint64_t boundary)
{
	if (boundary % PV_PAGE_SIZE != 0)
		return PV_LAYOUT_EALIGN;
	if (boundary < c->vaddr)
		return PV_LAYOUT_EPARAM;
	return take(c, (boundary - c->vaddr) / PV_PAGE_SIZE) ? PV_LAYOUT_OK : PV_LAYOUT_ETOO_SMALL;
}

/* A segment of `size` bytes in whole pages, after padding to `start` if it is not 0. */
static enum pv_layout_status segment(struct cursor *c, uint64_t start, uint64_t size,
				     struct pv_region *r)
{
	enum pv_layout_status status = PV_LAYOUT_OK;
	uint64_t pages = size / PV_PAGE_SIZE + (size % PV_PAGE_SIZE != 0);

	if (start != 0)
		status = pad_to(c, start);
	if (status != PV_LAYOUT_OK)
		return status;
	r->start = c->vaddr;
	r->pfn = c->pfn;
	if (!take(c, pages))
		return PV_LAYOUT_ETOO_SMALL;
	r->end = c->vaddr;
	return PV_LAYOUT_OK;
}

/* The range of level-`shift` blocks a mapping [from, to] (inclusive) touches at one level. */
struct span {
	uint64_t from, to; /* inclusive; from == to == 0 means none */
};

static struct span level_span(uint64_t from, uint64_t to, unsigned shift)
{
	uint64_t mask = (1ULL << shift) - 1;
	struct span s = {from & ~mask, to | mask};

	return s;
}

static unsigned span_tables(struct span s, unsigned shift)
{
	return s.from < s.to ? (unsigned)(((s.to - s.from) >> shift) + 1) : 0;
}

/* The shifts of the blocks one L3, L2 and L1 table cover. */
static const unsigned level_shift[3] = {L2_SHIFT, L3_SHIFT, L4_SHIFT};

/*
 * Tables for the bootstrap mapping [from, to] (xg_dom_x86.c, count_pgtables for the first
 * mapping): the L4, then at each lower level one table per block the range touches.
 */
static unsigned count_first_mapping(uint64_t from, uint64_t to, struct span spans[3],
				    unsigned per_level[3])
{
	unsigned total = 1, l;

	from &= VADDR_MASK;
	to &= VADDR_MASK;
	for (l = 0; l < 3; l++) {
		spans[l] = level_span(from, to, level_shift[l]);
		per_level[l] = span_tables(spans[l], level_shift[l]);
		total += per_level[l];
	}
	return total;
}

/*
 * Tables for the INIT_P2M mapping [from, to]: the same count, without an L4 and without the
 * blocks the first mapping's tables already cover at each level.
 */
static unsigned count_second_mapping(uint64_t from, uint64_t to, const struct span first[3])
{
	unsigned total = 0, l;

	from &= VADDR_MASK;
	to &= VADDR_MASK;
	for (l = 0; l < 3; l++) {
		struct span s = level_span(from, to, level_shift[l]);

		if (s.from >= first[l].from && s.to <= first[l].to)
			continue; /* all inside */
		if (s.from >= first[l].from && s.from <= first[l].to)
			s.from = first[l].to + 1;
		if (s.to >= first[l].from && s.to <= first[l].to)
			s.to = first[l].from - 1;
		total += span_tables(s, level_shift[l]);
	}
	return total;
}

enum pv_layout_status pv_layout_domu(const struct pv_layout_params *p, struct pv_layout *l)
{
	const uint64_t extra = 1 + (512 * 1024) / PV_PAGE_SIZE; /* boot stack and padding */
	struct cursor c;
	struct span spans[3];
	unsigned per_level[3];
	uint64_t p2m_base = p->p2m_base, p2m_bytes, pages, try_end, ramdisk_va = 0;
	bool ramdisk_mapped = p->ramdisk_size != 0 && !p->unmapped_initrd;
	enum pv_layout_status status;
	unsigned nr_pt = 0;

	memset(l, 0, sizeof(*l));
	if (p->virt_kend < p->virt_kstart || p->virt_kstart < p->virt_base || p->nr_pages == 0 ||
	    p->nr_pages > PV_LAYOUT_MAX_PAGES ||
	    p->ramdisk_size > PV_LAYOUT_MAX_PAGES * PV_PAGE_SIZE)
		return PV_LAYOUT_EPARAM;
	/* libxenguest would hand out misaligned "pages" from an unaligned VIRT_BASE. */
	if (p->virt_base % PV_PAGE_SIZE != 0)
		return PV_LAYOUT_EALIGN;
	c.vaddr = p->virt_base;
	c.pfn = 0;
	c.total = p->nr_pages;
	l->v_start = p->virt_base;
	l->entry = p->virt_entry;
	l->flags = SIF_VIRT_P2M_4TOOLS;
	l->ramdisk.pfn = l->p2m.pfn = PV_LAYOUT_UNSET;
	p2m_bytes =
		(p->nr_pages * sizeof(unsigned long long) + PV_PAGE_SIZE - 1) & ~(PV_PAGE_SIZE - 1);

	/* The kernel at its own address: the pages below it are handed out as padding. */
	status = segment(&c, p->virt_kstart, p->virt_kend - p->virt_kstart, &l->kernel);
	if (status != PV_LAYOUT_OK)
		return status;
	if (ramdisk_mapped) {
		status = segment(&c, 0, p->ramdisk_size, &l->ramdisk);
		if (status != PV_LAYOUT_OK)
			return status;
		ramdisk_va = l->ramdisk.start;
	}

	/* libxenguest honours INIT_P2M only below VIRT_BASE and on a page boundary. */
	if (p2m_base >= p->virt_base || p2m_base % PV_PAGE_SIZE != 0)
		p2m_base = PV_LAYOUT_UNSET;
	if (p2m_base == PV_LAYOUT_UNSET) {
		status = segment(&c, 0, p2m_bytes, &l->p2m);
		if (status != PV_LAYOUT_OK)
			return status;
	}

	/* start_info, then the xenstore and console rings: one page each. */
	status = segment(&c, 0, PV_PAGE_SIZE, &l->start_info);
	if (status == PV_LAYOUT_OK)
		status = segment(&c, 0, PV_PAGE_SIZE, &l->xenstore);
	if (status == PV_LAYOUT_OK)
		status = segment(&c, 0, PV_PAGE_SIZE, &l->console);
	if (status != PV_LAYOUT_OK)
		return status;

	/*
	 * The page tables: guess the space (tables + stack + 512 KiB) and round the end up to
	 * 4 MiB, count the tables that end needs, and repeat until the guess holds.
	 */
	pages = extra;
	for (;;) {
		if (pages > (UINT64_MAX - c.vaddr) / PV_PAGE_SIZE ||
		    c.vaddr + pages * PV_PAGE_SIZE > UINT64_MAX - (4 * MiB - 1))
			return PV_LAYOUT_EWRAP;
		try_end = (c.vaddr + pages * PV_PAGE_SIZE) | (4 * MiB - 1);
		if ((try_end - p->virt_base) >> PAGE_SHIFT >= p->nr_pages)
			return PV_LAYOUT_ETOO_SMALL;
		nr_pt = count_first_mapping(p->virt_base, try_end, spans, per_level);
		pages = nr_pt + extra;
		if (c.vaddr + pages * PV_PAGE_SIZE <= try_end + 1)
			break;
	}
	l->v_end = try_end + 1;
	if (!canonical(l->v_start) || !canonical(try_end) || (l->v_start >> 47) != (try_end >> 47))
		return PV_LAYOUT_ENONCANONICAL;
	if (hits_xen_area(l->v_start, l->v_end))
		return PV_LAYOUT_EXEN_AREA;
	l->nr_pt_frames = nr_pt;
	l->nr_l4 = 1;
	l->nr_l3 = per_level[2];
	l->nr_l2 = per_level[1];
	l->nr_l1 = per_level[0];
	status = segment(&c, 0, (uint64_t)nr_pt * PV_PAGE_SIZE, &l->page_tables);
	if (status == PV_LAYOUT_OK)
		status = segment(&c, 0, PV_PAGE_SIZE, &l->stack);
	if (status == PV_LAYOUT_OK)
		status = pad_to(&c, l->v_end);
	if (status != PV_LAYOUT_OK)
		return status;

	if (p->hypercall_page != PV_LAYOUT_UNSET &&
	    (p->hypercall_page < l->v_start || p->hypercall_page >= l->v_end))
		return PV_LAYOUT_EHYPERCALL_PAGE;

	/* Past the mapping: an unmapped ramdisk, passed by pfn and whole pages. */
	if (p->ramdisk_size != 0 && !ramdisk_mapped) {
		struct pv_region unmapped;

		status = segment(&c, 0, p->ramdisk_size, &unmapped);
		if (status != PV_LAYOUT_OK)
			return status;
		l->ramdisk.pfn = unmapped.pfn;
		l->flags |= SIF_MOD_START_PFN;
		l->mod_start = unmapped.pfn;
		l->mod_len = unmapped.end - unmapped.start;
	} else if (ramdisk_mapped) {
		l->mod_start = ramdisk_va;
		l->mod_len = l->ramdisk.end - l->ramdisk.start;
	}

	/* Then an INIT_P2M p2m, with the tables that map it, in one run of pfns. */
	if (p2m_base != PV_LAYOUT_UNSET) {
		uint64_t from = p2m_base, to = p2m_base + p2m_bytes - 1;
		struct pv_region frames;
		unsigned tables;

		if (to < from || !canonical(from) || !canonical(to) || hits_xen_area(from, to + 1))
			return PV_LAYOUT_EP2M_PLACE;
		if (c.pfn + ((to - from) >> PAGE_SHIFT) >= p->nr_pages)
			return PV_LAYOUT_EP2M_TOO_SMALL;
		/*
		 * libxenguest compares the unmasked p2m range with the masked mapping, which
		 * misses an overlap in the upper half; Parvus compares like with like.
		 */
		if ((from & VADDR_MASK) < (try_end & VADDR_MASK) &&
		    (to & VADDR_MASK) > (l->v_start & VADDR_MASK))
			return PV_LAYOUT_EP2M_OVERLAP;
		tables = count_second_mapping(from, to, spans);
		status = segment(&c, 0, p2m_bytes + (uint64_t)tables * PV_PAGE_SIZE, &frames);
		if (status != PV_LAYOUT_OK)
			return status == PV_LAYOUT_ETOO_SMALL ? PV_LAYOUT_EP2M_TOO_SMALL : status;
		l->p2m.start = p2m_base;
		l->p2m.end = p2m_base + p->nr_pages * sizeof(unsigned long long);
		l->p2m.pfn = frames.pfn;
		l->first_p2m_pfn = frames.pfn;
		l->nr_p2m_frames = (frames.end - frames.start) / PV_PAGE_SIZE;
	}

	l->pages_allocated = c.pfn;
	l->pt_base = l->page_tables.start;
	l->mfn_list = l->p2m.start;
	l->stack_pointer = l->stack.end;
	l->start_info_va = l->start_info.start;
	return PV_LAYOUT_OK;
}
