/*
 * The dom0 builder. It reads module 1 with the shared image code in common/ (ELF checks, Xen
 * notes, and the start-of-day layout exactly as Xen's dom0 builder computes it), gives the
 * domain its memory, copies the kernel and ramdisk in, writes the p2m list, start_info and the
 * hypercall page, and builds the bootstrap page tables: [v_start, v_end) mapped page by page,
 * the page-table frames themselves read-only, the hypervisor's L4 slots copied in, and an
 * INIT_P2M p2m list mapped at the address the kernel asked for.
 *
 * pfn N of dom0 is the N-th frame it was given; virtual address va of the bootstrap region is
 * pfn (va - v_start) >> 12, as in Xen. Every frame is assigned to dom0, and at the end its L4
 * is pinned: page_type.c validates the whole tree we built, so a builder mistake (a page
 * table mapped writable, a frame that is not dom0's) stops the boot instead of becoming a hole.
 */
#include <hypercall.h>
#include <dom0_build.h>
#include <grant_table.h>
#include <direct_map.h>
#include <heap.h>
#include <m2p.h>
#include <page_alloc.h>
#include <page_type.h>
#include <system_time.h>
#include <printk.h>
#include <string.h>
#include <parvus/elf_image.h>
#include <parvus/pv_layout.h>
#include <parvus/xen_elfnote.h>
#include <public/xen.h>
#include <event_channel.h>
#include <cmdline.h>
#include <percpu.h>
#include <scheduler.h>
#include <vcpu_time.h>

#define DEFAULT_DOM0_MEM (256ull << 20)

extern uint64_t boot_l4[512];

static struct domain dom0_domain = {.domain_id = 0, .is_privileged = true, .name = "dom0"};
static struct vcpu dom0_vcpu = {.domain = &dom0_domain, .pinned_cpu = -1};

struct builder {
	uint64_t *p2m; /* pfn -> mfn, the hypervisor's copy */
	uint64_t nr_pages;
	uint64_t v_start, v_end;
	uint64_t next_table_pfn, tables_end_pfn;
};

static void *pfn_to_virt(struct builder *b, uint64_t pfn)
{
	return mfn_to_virt(b->p2m[pfn]);
}

static bool va_in_region(struct builder *b, uint64_t va, uint64_t length)
{
	return va >= b->v_start && va + length >= va && va + length <= b->v_end;
}

/* Copy into the bootstrap region page by page (the frames are not contiguous). */
static int region_write(void *ctx, uint64_t va, const void *source, uint64_t length)
{
	struct builder *b = ctx;

	if (!va_in_region(b, va, length))
		return -1;
	while (length) {
		uint64_t pfn = (va - b->v_start) >> PAGE_SHIFT;
		uint64_t offset = va & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - offset < length ? PAGE_SIZE - offset : length;

		if (source) {
			memcpy((uint8_t *)pfn_to_virt(b, pfn) + offset, source, n);
			source = (const uint8_t *)source + n;
		} else {
			memset((uint8_t *)pfn_to_virt(b, pfn) + offset, 0, n);
		}
		va += n;
		length -= n;
	}
	return 0;
}

static int region_zero(void *ctx, uint64_t va, uint64_t length)
{
	return region_write(ctx, va, NULL, length);
}

static uint64_t *region_pointer(struct builder *b, uint64_t va)
{
	return (uint64_t *)((uint8_t *)pfn_to_virt(b, (va - b->v_start) >> PAGE_SHIFT) +
			    (va & (PAGE_SIZE - 1)));
}

/* The next frame of the page-table area, zeroed; 0 when the layout's count is used up. */
static uint64_t take_table(struct builder *b)
{
	if (b->next_table_pfn >= b->tables_end_pfn)
		return 0;
	uint64_t pfn = b->next_table_pfn++;

	memset(pfn_to_virt(b, pfn), 0, PAGE_SIZE);
	return pfn;
}

static int build_page_tables(struct builder *b, const struct pv_layout *layout, uint64_t *l4_pfn)
{
	const uint64_t table_flags = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;

	*l4_pfn = take_table(b);
	if (!*l4_pfn && b->next_table_pfn == b->tables_end_pfn)
		return -1;
	uint64_t *l4 = pfn_to_virt(b, *l4_pfn);

	for (int slot = 256; slot < 272; slot++)
		l4[slot] = boot_l4[slot];
	for (uint64_t va = b->v_start; va < b->v_end; va += PAGE_SIZE) {
		uint64_t *table = l4;

		for (int level = 4; level > 1; level--) {
			uint64_t *entry = &table[(va >> (12 + 9 * (level - 1))) & 511];

			if (!(*entry & PTE_PRESENT)) {
				uint64_t pfn = take_table(b);

				if (!pfn)
					return -1;
				*entry = (b->p2m[pfn] << PAGE_SHIFT) | table_flags;
			}
			table = mfn_to_virt((*entry & PTE_ADDR_MASK) >> PAGE_SHIFT);
		}
		uint64_t pfn = (va - b->v_start) >> PAGE_SHIFT;
		bool is_table = va >= layout->page_tables.start && va < layout->page_tables.end;

		table[(va >> 12) & 511] = (b->p2m[pfn] << PAGE_SHIFT) | PTE_PRESENT | PTE_USER |
					  PTE_ACCESSED | (is_table ? 0 : PTE_RW);
	}
	return 0;
}

/*
 * INIT_P2M (Linux asks for 0x8000000000): the p2m list is mapped at its own address, outside
 * the bootstrap region, by frames Xen's builder takes after the first allocation, in the order
 * of its walk (setup_pv_physmap): for each page of the list, the tables it lacks (L3, L2, L1),
 * then the page. The layout counted them (first_p2m_pfn, nr_p2m_frames). Xen maps a 2 MiB
 * stretch (a p2m of 1 GiB of memory or more) with one superpage; page_type.c accepts no
 * superpage, so such a layout is refused here rather than built differently from Xen.
 */
static int map_init_p2m(struct builder *b, const struct pv_layout *layout, uint64_t l4_pfn)
{
	const uint64_t table_flags = PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED | PTE_DIRTY;
	uint64_t next_pfn = layout->first_p2m_pfn;
	uint64_t end_pfn = layout->first_p2m_pfn + layout->nr_p2m_frames;

	for (uint64_t va = layout->p2m.start & ~(PAGE_SIZE - 1); va < layout->p2m.end;
	     va += PAGE_SIZE) {
		uint64_t *table = pfn_to_virt(b, l4_pfn);

		for (int level = 4; level > 0; level--) {
			uint64_t *entry = &table[(va >> (12 + 9 * (level - 1))) & 511];

			if (!(*entry & PTE_PRESENT)) {
				if (next_pfn >= end_pfn)
					return -1; /* the layout counted a superpage here */
				uint64_t pfn = next_pfn++;

				memset(pfn_to_virt(b, pfn), 0, PAGE_SIZE);
				*entry = (b->p2m[pfn] << PAGE_SHIFT) | table_flags;
			}
			table = mfn_to_virt((*entry & PTE_ADDR_MASK) >> PAGE_SHIFT);
		}
	}
	return next_pfn == end_pfn ? 0 : -1;
}

/* Where the guest virtual address va lands, through the page tables the builder made. */
static uint64_t *guest_pointer(struct builder *b, uint64_t l4_pfn, uint64_t va)
{
	uint64_t *table = pfn_to_virt(b, l4_pfn);

	for (int level = 4; level > 0; level--)
		table = mfn_to_virt((table[(va >> (12 + 9 * (level - 1))) & 511] & PTE_ADDR_MASK) >>
				    PAGE_SHIFT);
	return (uint64_t *)((uint8_t *)table + (va & (PAGE_SIZE - 1)));
}

static void free_domain_pages(struct builder *b)
{
	/* Dropping the domain's own reference frees each frame (page_type_free_hook). */
	for (uint64_t pfn = 0; pfn < b->nr_pages; pfn++)
		if (b->p2m[pfn])
			page_relinquish(mfn_to_page(b->p2m[pfn]));
	heap_free(b->p2m);
}

static int fail(const char *what, const char *why)
{
	printk(LOG_ERR "dom0: %s: %s; dom0 not started\n", what, why);
	return -1;
}

int dom0_build(const struct boot_info *info, uint64_t dom0_mem, struct dom0_image *out)
{
	const struct boot_module *kernel = &info->modules[0];
	struct elf_image image;
	static struct xen_elfnote_info notes;
	struct pv_layout_params params;
	struct pv_layout layout;
	char why[160];

	enum elf_status elf = elf_image_open(&image, phys_to_virt(kernel->start),
					     kernel->end - kernel->start);
	if (elf != ELF_OK)
		return fail("module 1 is not a usable ELF image", elf_image_strerror(elf));
	enum xen_elfnote_status status = xen_elfnote_parse(&image, &notes);

	if (status == XEN_NOTES_OK)
		status = xen_elfnote_check_pv(&notes, true);
	if (status != XEN_NOTES_OK) {
		xen_elfnote_describe(&notes, status, why, sizeof(why));
		return fail("module 1's Xen notes", why);
	}
	/* Without dom0_mem=: up to 256 MiB, leaving the hypervisor at least 16 MiB. */
	uint64_t spare = page_alloc_free_frames() > 4096 + 1024 ? page_alloc_free_frames() - 4096
							       : 1024;
	uint64_t nr_pages = dom0_mem ? dom0_mem >> PAGE_SHIFT : DEFAULT_DOM0_MEM >> PAGE_SHIFT;

	if (!dom0_mem && nr_pages > spare)
		nr_pages = spare;
	uint64_t ramdisk_size = info->nr_modules > 1 ? info->modules[1].end - info->modules[1].start
						     : 0;

	if (nr_pages + 1024 > page_alloc_free_frames())
		return fail("memory", "dom0_mem is more than the free memory");
	pv_layout_params_from_notes(&params, &notes, nr_pages, ramdisk_size);
	enum pv_layout_status placed = pv_layout_dom0(&params, &layout);

	if (placed != PV_LAYOUT_OK)
		return fail("layout", pv_layout_strerror(placed));

	struct builder b = {.nr_pages = nr_pages, .v_start = layout.v_start, .v_end = layout.v_end};

	b.p2m = heap_zalloc(nr_pages * sizeof(uint64_t));
	if (!b.p2m)
		return fail("memory", "no room for the p2m list");
	for (uint64_t pfn = 0; pfn < nr_pages; pfn++) {
		/* From the top of memory, as Xen does: low frames stay for address_bits callers. */
		struct page_info *page = alloc_pages_high(0, ~0UL);

		if (!page) {
			free_domain_pages(&b);
			return fail("memory", "out of frames while giving dom0 its memory");
		}
		b.p2m[pfn] = page_to_mfn(page);
		memset(page_to_virt(page), 0, PAGE_SIZE);
		page_assign(page, &dom0_domain);
		dom0_domain.tot_pages++; /* counted as it comes, as a failure uncounts it */
	}

	struct elf_load_target target = {region_write, region_zero, &b};
	int destination_error = 0;

	elf = elf_image_load(&image, notes.virt_offset, &target, &destination_error);
	if (elf != ELF_OK) {
		free_domain_pages(&b);
		return fail("loading the kernel", elf_image_strerror(elf));
	}
	if (ramdisk_size) {
		const void *ramdisk = phys_to_virt(info->modules[1].start);

		if (layout.ramdisk.end > layout.ramdisk.start)
			region_write(&b, layout.ramdisk.start, ramdisk, ramdisk_size);
		else /* passed by pfn (MOD_START_PFN): frames after the mapped region */
			for (uint64_t done = 0; done < ramdisk_size; done += PAGE_SIZE)
				memcpy(pfn_to_virt(&b, layout.mod_start + done / PAGE_SIZE),
				       (const uint8_t *)ramdisk + done,
				       ramdisk_size - done < PAGE_SIZE ? ramdisk_size - done
								       : PAGE_SIZE);
	}
	if (notes.hypercall_page != XEN_ELFNOTE_UNSET &&
	    va_in_region(&b, notes.hypercall_page, PAGE_SIZE))
		hypercall_page_fill((uint8_t *)region_pointer(&b, notes.hypercall_page));

	b.next_table_pfn = layout.page_tables.pfn;
	b.tables_end_pfn = layout.page_tables.pfn + layout.nr_pt_frames;
	uint64_t l4_pfn;

	if (build_page_tables(&b, &layout, &l4_pfn)) {
		free_domain_pages(&b);
		return fail("page tables", "the layout's page-table count is too small");
	}
	if (notes.init_p2m != XEN_ELFNOTE_UNSET && map_init_p2m(&b, &layout, l4_pfn)) {
		free_domain_pages(&b);
		return fail("INIT_P2M", "a p2m this large needs superpages (not supported)");
	}
	for (uint64_t pfn = 0; pfn < nr_pages; pfn++) { /* the p2m list, and the way back */
		*guest_pointer(&b, l4_pfn, layout.p2m.start + pfn * 8) = b.p2m[pfn];
		m2p_set(b.p2m[pfn], pfn);
	}

	struct page_info *shared = alloc_pages(0);

	if (!shared) {
		free_domain_pages(&b);
		return fail("memory", "no frame for shared_info");
	}
	memset(page_to_virt(shared), 0, PAGE_SIZE);
	((struct shared_info *)page_to_virt(shared))->vcpu_info[0].evtchn_upcall_mask = 1;
	/* dom0 maps it writable itself. The hypervisor writes into it too (vcpu_info), so it must
	 * never become a page table or descriptor page: we hold a writable type reference on it
	 * for good, as Xen's share_xen_page_with_guest does. */
	domain_assign_shared_frame(&dom0_domain, shared);
	if (get_page_and_type(shared, &dom0_domain, PGT_WRITABLE))
		panic("dom0: cannot hold shared_info as a writable page");

	/* Check everything we mapped: pin the L4 (validating the whole tree), and hold it as the
	 * vCPU's page table. */
	int pinned = pin_page_table(&dom0_domain, b.p2m[l4_pfn], 4);

	if (pinned == 0)
		pinned = get_page_and_type(mfn_to_page(b.p2m[l4_pfn]), &dom0_domain, PGT_L4);
	if (pinned) {
		printk(LOG_ERR "dom0: its bootstrap page tables did not validate (error %d)\n",
		       pinned);
		free_domain_pages(&b);
		return fail("page tables", "refused by page-type validation");
	}
	dom0_vcpu.guest_table = b.p2m[l4_pfn];
	dom0_vcpu.initialised = true;
	l4_add_m2p(b.p2m[l4_pfn]); /* its kernel base pointer sees the M2P table */

	struct start_info *si = (struct start_info *)region_pointer(&b, layout.start_info.start);
	const char *arguments = kernel->cmdline + strcspn(kernel->cmdline, " ");

	while (*arguments == ' ')
		arguments++;
	memset(si, 0, sizeof(*si));
	strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
	si->nr_pages = nr_pages;
	si->shared_info = page_to_mfn(shared) << PAGE_SHIFT;
	si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN | layout.flags;
	si->pt_base = layout.pt_base;
	si->nr_pt_frames = layout.nr_pt_frames;
	si->mfn_list = layout.mfn_list;
	si->mod_start = layout.mod_start;
	si->mod_len = layout.mod_len;
	si->first_p2m_pfn = layout.first_p2m_pfn;
	si->nr_p2m_frames = layout.nr_p2m_frames;
	strlcpy((char *)si->cmd_line, arguments, sizeof(si->cmd_line));

	printk(LOG_INFO "dom0: %s %s, %lu MiB; virtual layout (as Xen lays it out):\n",
	       notes.guest_os, notes.guest_version, nr_pages >> 8);
	printk(LOG_INFO "  kernel     %016lx-%016lx\n", layout.kernel.start, layout.kernel.end);
	printk(LOG_INFO "  ramdisk    %016lx-%016lx\n", layout.ramdisk.start, layout.ramdisk.end);
	printk(LOG_INFO "  p2m list   %016lx-%016lx\n", layout.p2m.start, layout.p2m.end);
	printk(LOG_INFO "  start info %016lx-%016lx\n", layout.start_info.start,
	       layout.start_info.end);
	printk(LOG_INFO "  page tbls  %016lx-%016lx (%u frames)\n", layout.page_tables.start,
	       layout.page_tables.end, layout.nr_pt_frames);
	printk(LOG_INFO "  boot stack %016lx-%016lx\n", layout.stack.start, layout.stack.end);
	printk(LOG_INFO "  total      %016lx-%016lx, entry %016lx\n", layout.v_start, layout.v_end,
	       layout.entry);

	if (grant_table_create(&dom0_domain))
		panic("dom0: no memory for its grant table");
	dom0_domain.shared_info = page_to_virt(shared);
	dom0_vcpu.vcpu_info = &dom0_domain.shared_info->vcpu_info[0];
	dom0_domain.vcpus[0] = &dom0_vcpu;
	dom0_domain.max_vcpus = 1;
	if (evtchn_domain_init(&dom0_domain))
		panic("dom0: no memory for its event channels");
	if (vcpu_schedule_init(&dom0_vcpu, this_cpu()->id))
		panic("dom0: no memory for its vCPU");
	/* Its other vCPUs, one per CPU unless dom0_max_vcpus= says otherwise, as in Xen; they
	 * are down until the kernel gives them a context (VCPUOP_initialise). */
	unsigned int nr_vcpus = boot_options.dom0_max_vcpus ? boot_options.dom0_max_vcpus
							    : nr_cpus_online;

	for (unsigned int i = 1; i < nr_vcpus; i++)
		if (vcpu_create(&dom0_domain, i, i % nr_cpus_online))
			panic("dom0: no memory for vCPU %u", i);
	scheduler_domain_init(&dom0_domain);
	dom0_domain.emulation_flags = XEN_X86_EMU_PIT; /* what Xen reports of a PV dom0 */
	vcpu_time_update(&dom0_vcpu);
	wallclock_publish(dom0_domain.shared_info);
	domain_register(&dom0_domain);
	dom0_domain.max_pages = 0xffffffffu; /* no max given: unlimited, as Xen reports it */
	out->domain = &dom0_domain;
	out->vcpu = &dom0_vcpu;
	out->l4_mfn = b.p2m[l4_pfn];
	out->nr_pages = nr_pages;
	memset(&out->start, 0, sizeof(out->start));
	out->start.rip = layout.entry;
	out->start.rsp = layout.stack_pointer;
	out->start.rsi = layout.start_info_va;
	out->start.cs = FLAT_RING3_CS64;
	out->start.ss = FLAT_RING3_SS64;
	out->start.rflags = 1u << 9; /* interrupts on; events stay masked in vcpu_info */
	heap_free(b.p2m); /* the guest's own copy is in its memory */
	return 0;
}
