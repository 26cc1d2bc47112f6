/*
 * A PV guest's GDT and LDT: set_gdt, update_descriptor, MMUEXT_SET_LDT and the LDT pages mapped
 * on first use, with Xen 4.17's rules and error numbers (docs/segments.md).
 *
 * The invariant: a frame the CPU may read descriptors from (through a descriptor area, see
 * arch/descriptor_tables.h) is a descriptor page of the vCPU's own domain, every descriptor in
 * it checked (segment_descriptor.c), and the vCPU holds a general and a descriptor-page type
 * reference on it for as long as it is shown. So the guest can never map it writable, and it
 * cannot be freed under the CPU. A CPU's window shows the vCPU last loaded there; the frames
 * change only in that vCPU's own hypercalls and faults, on that CPU (a vCPU never moves today).
 */
#include <arch/descriptor_tables.h>
#include <arch/segment_descriptor.h>
#include <arch/uaccess.h>
#include <arch/x86.h>
#include <direct_map.h>
#include <domain.h>
#include <hypercall.h>
#include <page_alloc.h>
#include <page_type.h>
#include <percpu.h>
#include <printk.h>
#include <public/errno.h>
#include <public/xen.h>

#define L4_SLOT_DESCRIPTOR_AREA 260
#define AREA_L1_TABLES (MAX_CPUS * DESCRIPTOR_AREA_PAGES / PAGETABLE_ENTRIES)
#define DESCRIPTORS_PER_PAGE 512

_Static_assert(DESCRIPTOR_AREA_START ==
		       0xffff800000000000ull + ((uint64_t)(L4_SLOT_DESCRIPTOR_AREA - 256) << 39),
	       "the descriptor area is L4 slot 260");
_Static_assert(GDT_GUEST_PAGES == FIRST_RESERVED_GDT_PAGE, "the guest's GDT is 14 pages");

extern uint64_t boot_l4[512];

/* The area's page tables (every CPU's window), and the page that stands for no GDT frame. */
static uint64_t area_l3[PAGETABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t area_l2[PAGETABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static uint64_t area_l1[AREA_L1_TABLES][PAGETABLE_ENTRIES] __attribute__((aligned(PAGE_SIZE)));
static const uint64_t zero_descriptors[DESCRIPTORS_PER_PAGE] __attribute__((aligned(PAGE_SIZE)));

/* ---- the per-CPU descriptor area ---- */

static uint64_t area_address(unsigned int cpu, unsigned int page)
{
	return DESCRIPTOR_AREA_START + ((uint64_t)cpu * DESCRIPTOR_AREA_PAGES + page) * PAGE_SIZE;
}

static uint64_t *area_entry(unsigned int cpu, unsigned int page)
{
	unsigned int index = cpu * DESCRIPTOR_AREA_PAGES + page;

	return &area_l1[index / PAGETABLE_ENTRIES][index % PAGETABLE_ENTRIES];
}

/* Writable for the CPU, which sets accessed bits in descriptors and the TSS's busy bit. No NX:
 * the boot CPU loads its GDT here before it turns NX on. */
#define AREA_FRAME_FLAGS (PTE_PRESENT | PTE_RW | PTE_ACCESSED | PTE_DIRTY)
#define AREA_ZERO_FLAGS (PTE_PRESENT | PTE_ACCESSED)

/* Show frame mfn at page of this CPU's window; mfn 0: zeros in the GDT, nothing in the LDT. */
/*
 * Each CPU remembers how many leading GDT and LDT pages of its window may show a frame, so
 * that a switch between vCPUs with small tables (the usual case) rewrites only those.
 */
static struct {
	unsigned int gdt_pages, ldt_pages;
} window_used[MAX_CPUS];
/* The vCPU whose tables each CPU's window shows (compared, never followed). */
static const struct vcpu *window_owner[MAX_CPUS];

static void area_show(unsigned int page, unsigned long mfn)
{
	unsigned int cpu = this_cpu()->id;
	uint64_t entry = 0;

	if (mfn)
		entry = ((uint64_t)mfn << PAGE_SHIFT) | AREA_FRAME_FLAGS;
	else if (page < GDT_GUEST_PAGES)
		entry = virt_to_phys(zero_descriptors) | AREA_ZERO_FLAGS;
	uint64_t *slot = area_entry(cpu, page);

	/* Whatever shows a frame counts, so that the next vCPU's load clears it. */
	if (mfn && page < GDT_GUEST_PAGES && page >= window_used[cpu].gdt_pages)
		window_used[cpu].gdt_pages = page + 1;
	if (mfn && page >= LDT_FIRST_PAGE && page - LDT_FIRST_PAGE >= window_used[cpu].ldt_pages)
		window_used[cpu].ldt_pages = page - LDT_FIRST_PAGE + 1;
	if (*slot == entry)
		return;
	*slot = entry;
	invlpg(area_address(cpu, page));
}

uint64_t *descriptor_area_init_cpu(unsigned int cpu, uint64_t *reserved_page)
{
	BUG_ON(cpu >= MAX_CPUS);
	if (!boot_l4[L4_SLOT_DESCRIPTOR_AREA]) {
		/* Before any guest exists: every guest L4 copies the hypervisor's slots. */
		for (unsigned int i = 0; i < AREA_L1_TABLES; i++)
			area_l2[i] = virt_to_phys(area_l1[i]) | PTE_PRESENT | PTE_RW;
		area_l3[0] = virt_to_phys(area_l2) | PTE_PRESENT | PTE_RW;
		boot_l4[L4_SLOT_DESCRIPTOR_AREA] = virt_to_phys(area_l3) | PTE_PRESENT | PTE_RW;
	}
	for (unsigned int page = 0; page < DESCRIPTOR_AREA_PAGES; page++) {
		uint64_t entry = 0;

		if (page < GDT_GUEST_PAGES)
			entry = virt_to_phys(zero_descriptors) | AREA_ZERO_FLAGS;
		else if (page == GDT_RESERVED_PAGE)
			entry = virt_to_phys(reserved_page) | AREA_FRAME_FLAGS;
		*area_entry(cpu, page) = entry;
		invlpg(area_address(cpu, page));
	}
	return (uint64_t *)area_address(cpu, 0);
}

/* ---- descriptor pages ---- */

/* page_type.c's hook: a frame becomes a descriptor page only if all 512 slots pass. */
bool page_type_check_descriptors(uint64_t *descriptors, const struct domain *d)
{
	(void)d; /* the rules are the same for every 64-bit PV domain */
	for (unsigned int i = 0; i < DESCRIPTORS_PER_PAGE; i++) {
		uint64_t value = __atomic_load_n(&descriptors[i], __ATOMIC_RELAXED);

		if (!descriptor_check(&value))
			return false; /* the slots before keep their fix-ups, as in Xen */
		__atomic_store_n(&descriptors[i], value, __ATOMIC_RELAXED);
	}
	return true;
}

/* A frame of d's, as a descriptor page: its references are taken; false if it cannot be. */
static bool hold_descriptor_page(struct domain *d, unsigned long mfn)
{
	return mfn && mfn_valid(mfn) && get_page_and_type(mfn_to_page(mfn), d, PGT_SEG_DESC) == 0;
}

static void release_descriptor_page(unsigned long mfn)
{
	put_page_and_type(mfn_to_page(mfn));
}

/* ---- the GDT ---- */

static void release_gdt(struct descriptor_tables *t, bool shown_here)
{
	for (unsigned int page = 0; page < GDT_GUEST_PAGES; page++) {
		if (!t->gdt_frames[page])
			continue;
		if (shown_here)
			area_show(page, 0);
		release_descriptor_page(t->gdt_frames[page]);
		t->gdt_frames[page] = 0;
	}
	t->gdt_entries = 0;
}

/*
 * set_gdt: the GDT becomes the frames listed, entries descriptors long (only the number of
 * frames follows from it: every descriptor of a frame given is usable). At most the 7168
 * entries below the hypervisor's; each frame must be ours and become a descriptor page.
 */
int set_gdt(struct vcpu *v, const unsigned long *frames, unsigned int entries)
{
	struct descriptor_tables *t = &v->descriptor_tables;
	bool shown_here = v == current_vcpu();
	unsigned int count, i;

	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	count = (entries + DESCRIPTORS_PER_PAGE - 1) / DESCRIPTORS_PER_PAGE;
	for (i = 0; i < count; i++)
		if (!hold_descriptor_page(v->domain, frames[i]))
			break;
	if (i < count) {
		while (i-- > 0)
			release_descriptor_page(frames[i]);
		return -XEN_EINVAL;
	}
	release_gdt(t, shown_here);
	for (i = 0; i < count; i++) {
		t->gdt_frames[i] = frames[i];
		if (shown_here)
			area_show(i, frames[i]);
	}
	t->gdt_entries = entries;
	return 0;
}

long do_set_gdt(uint64_t frame_list, uint64_t entries_arg, uint64_t unused3, uint64_t unused4,
		uint64_t unused5)
{
	unsigned int entries = (unsigned int)entries_arg; /* an unsigned int in the ABI */
	unsigned long frames[GDT_GUEST_PAGES];

	(void)unused3, (void)unused4, (void)unused5;
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -XEN_EINVAL;
	unsigned int count = (entries + DESCRIPTORS_PER_PAGE - 1) / DESCRIPTORS_PER_PAGE;

	if (copy_from_guest_raw(frames, frame_list, count * sizeof(frames[0])))
		return -XEN_EFAULT;
	return set_gdt(current_vcpu(), frames, entries);
}

/*
 * update_descriptor: write one checked descriptor at machine address address, in a frame of
 * ours that is a descriptor page (perhaps in use: the write is one atomic store) or that can
 * be an ordinary writable page (so never a page table).
 */
long do_update_descriptor(uint64_t address, uint64_t descriptor, uint64_t unused3, uint64_t unused4,
			  uint64_t unused5)
{
	struct domain *d = current_vcpu()->domain;
	unsigned long mfn = address >> PAGE_SHIFT;
	struct page_info *pg;

	(void)unused3, (void)unused4, (void)unused5;
	if ((address & 7) || !descriptor_check(&descriptor))
		return -XEN_EINVAL;
	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (!get_page(pg, d))
		return -XEN_EINVAL;
	unsigned int type = page_type_of(__atomic_load_n(&pg->type_info, __ATOMIC_ACQUIRE));

	if (get_page_type(pg, type == PGT_SEG_DESC ? PGT_SEG_DESC : PGT_WRITABLE)) {
		put_page(pg);
		return -XEN_EINVAL;
	}
	uint64_t *slot = (uint64_t *)mfn_to_virt(mfn) + (address & (PAGE_SIZE - 1)) / 8;

	__atomic_store_n(slot, descriptor, __ATOMIC_RELAXED);
	put_page_type(pg);
	put_page(pg);
	return 0;
}

/* ---- the LDT ---- */

static void release_ldt(struct descriptor_tables *t, bool shown_here)
{
	for (unsigned int page = 0; page < LDT_MAX_PAGES; page++) {
		if (!t->ldt_frames[page])
			continue;
		if (shown_here)
			area_show(LDT_FIRST_PAGE + page, 0);
		release_descriptor_page(t->ldt_frames[page]);
		t->ldt_frames[page] = 0;
	}
}

static void load_ldt(const struct descriptor_tables *t)
{
	struct cpu *cpu = this_cpu();

	cpu_tables_load_ldt(&cpu->tables, area_address(cpu->id, LDT_FIRST_PAGE), t->ldt_entries);
}

/*
 * MMUEXT_SET_LDT: the LDT is entries descriptors at the guest's linear address (page aligned,
 * not in the hypervisor's range; ignored when entries is 0). Its pages are checked and mapped
 * only when the CPU first reads them (ldt_map_page). Setting the same LDT again keeps them.
 */
int set_ldt(struct vcpu *v, uint64_t linear_address, unsigned int entries)
{
	struct descriptor_tables *t = &v->descriptor_tables;
	uint64_t base = entries ? linear_address : 0;

	if ((base & (PAGE_SIZE - 1)) || entries > LDT_MAX_ENTRIES || !guest_range_ok(base, 1))
		return -XEN_EINVAL;
	if (base == t->ldt_base && entries == t->ldt_entries)
		return 0;
	bool shown_here = v == current_vcpu(); /* else it is loaded when v next runs */

	release_ldt(t, shown_here);
	t->ldt_base = base;
	t->ldt_entries = entries;
	if (shown_here)
		load_ldt(t);
	return 0;
}

/* The frame the guest kernel's page tables map at va, or 0 (PV tables have no superpages). */
static unsigned long guest_kernel_frame(const struct vcpu *v, uint64_t va)
{
	unsigned long mfn = v->guest_table;

	for (int level = 4; level >= 1 && mfn; level--) {
		const uint64_t *table = mfn_to_virt(mfn);
		uint64_t entry = __atomic_load_n(
			&table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511], __ATOMIC_RELAXED);

		if (!(entry & PTE_PRESENT) || (level > 1 && (entry & PTE_PSE)) ||
		    !mfn_valid(pte_mfn(entry)))
			return 0;
		mfn = pte_mfn(entry);
	}
	return mfn;
}

/* The LDT area's offset of address on this CPU, or -1 if it is not in it. */
static int64_t ldt_offset(uint64_t address)
{
	uint64_t start = area_address(this_cpu()->id, LDT_FIRST_PAGE);

	if (address < start || address - start >= LDT_MAX_PAGES * PAGE_SIZE)
		return -1;
	return (int64_t)(address - start);
}

bool ldt_map_page(uint64_t address)
{
	struct vcpu *v = current_vcpu();
	int64_t offset = ldt_offset(address);

	if (!v || offset < 0)
		return false;
	struct descriptor_tables *t = &v->descriptor_tables;
	unsigned int page = (unsigned int)(offset / PAGE_SIZE);
	uint64_t linear = t->ldt_base + (uint64_t)page * PAGE_SIZE;

	/* Past the limit the CPU never reads; a page already shown is not why it faulted. */
	if ((uint64_t)offset / 8 >= t->ldt_entries || t->ldt_frames[page] || !is_canonical(linear))
		return false;
	unsigned long mfn = guest_kernel_frame(v, linear);

	if (!hold_descriptor_page(v->domain, mfn))
		return false; /* not mapped, not ours, or not (able to be) a descriptor page */
	t->ldt_frames[page] = mfn;
	area_show(LDT_FIRST_PAGE + page, mfn);
	return true;
}

bool ldt_fault(struct cpu_regs *regs, uint64_t *address)
{
	int64_t offset = ldt_offset(*address);

	if (offset < 0)
		return false;
	if (ldt_map_page(*address))
		return true;
	uint64_t linear = current_vcpu()->descriptor_tables.ldt_base + (uint64_t)offset;

	if (is_canonical(linear)) {
		*address = linear; /* the guest's #PF, at its own LDT's address */
		return false;
	}
	/* The descriptor would lie at no address: a #GP naming the LDT selector, as in Xen. */
	regs->vector = 13;
	regs->error_code = ((uint64_t)offset & ~3ull) | 4;
	return false;
}

/* ---- a vCPU's tables on a CPU ---- */

/* How many of a table's leading pages can hold a frame: the rest are always empty. */
static unsigned int gdt_pages_used(const struct descriptor_tables *t)
{
	unsigned int used = GDT_GUEST_PAGES;

	while (used && !t->gdt_frames[used - 1])
		used--;
	return used;
}

static unsigned int ldt_pages_used(const struct descriptor_tables *t)
{
	unsigned int used = LDT_MAX_PAGES;

	while (used && !t->ldt_frames[used - 1])
		used--;
	return used;
}

void descriptor_tables_load(struct vcpu *v)
{
	const struct descriptor_tables *t = &v->descriptor_tables;
	unsigned int cpu = this_cpu()->id;
	unsigned int gdt = gdt_pages_used(t), ldt = ldt_pages_used(t);
	unsigned int gdt_shown = window_used[cpu].gdt_pages, ldt_shown = window_used[cpu].ldt_pages;

	for (unsigned int page = 0; page < (gdt > gdt_shown ? gdt : gdt_shown); page++)
		area_show(page, t->gdt_frames[page]);
	for (unsigned int page = 0; page < (ldt > ldt_shown ? ldt : ldt_shown); page++)
		area_show(LDT_FIRST_PAGE + page, t->ldt_frames[page]);
	window_used[cpu].gdt_pages = gdt; /* the rest were just cleared */
	window_used[cpu].ldt_pages = ldt;
	window_owner[cpu] = v;
	load_ldt(t);
}

void descriptor_tables_destroy(struct vcpu *v)
{
	struct descriptor_tables *t = &v->descriptor_tables;

	/* Only a window that shows v's tables is changed: this CPU's if v is what it shows (v
	 * is current here); any other CPU that showed them last rewrites its window before it
	 * enters another vCPU (descriptor_tables_load), and meanwhile runs no guest. */
	bool shown_here = window_owner[this_cpu()->id] == v;

	release_gdt(t, shown_here);
	release_ldt(t, shown_here);
	t->ldt_base = 0;
	t->ldt_entries = 0;
	if (shown_here)
		load_ldt(t);
}

/* ---- the user %gs selector ---- */

/*
 * Load %gs; a selector the CPU refuses (#GP, #NP, or a #PF on an LDT page that cannot be
 * mapped) is caught through the exception-fixup table and the null selector is loaded instead.
 * A fault leaves the GS base alone, so the fault handler still finds this CPU's.
 */
static uint16_t load_gs(uint16_t selector)
{
	uint64_t value = selector;

	__asm__ volatile("1:	movw %w0, %%gs\n\t"
			 "	jmp 3f\n"
			 "2:	xorl %k0, %k0\n\t"
			 "	movw %w0, %%gs\n"
			 "3:\n\t"
			 ".pushsection .ex_table, \"a\"\n\t"
			 ".balign 8\n\t"
			 ".quad 1b, 2b\n\t"
			 ".popsection"
			 : "+r"(value)
			 :
			 : "memory");
	return (uint16_t)value;
}

uint64_t load_user_gs_selector(uint16_t selector)
{
	uint64_t hypervisor_gs_base = (uint64_t)this_cpu();
	uint64_t flags = local_irq_save(); /* nothing may run on the guest's GS base */

	if (selector > 3)
		selector |= 3; /* the guest's privilege, whatever RPL it asked for */
	else
		load_gs(FLAT_RING3_DS32); /* a flat base first: some CPUs keep it on a null load */
	load_gs(selector);
	uint64_t base = rdmsr(MSR_GS_BASE);

	wrmsr(MSR_GS_BASE, hypervisor_gs_base);
	local_irq_restore(flags);
	return base;
}
