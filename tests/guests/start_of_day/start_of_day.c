/*
 * start_of_day: what a PV kernel finds when the domain builder first enters it, as dom0.
 *
 * The contract (Xen's public xen.h, "start of day" layout) and Xen's observed behaviour:
 * start_info's fields, the entry registers, the order and packing of the bootstrap elements
 * in one 1:1 virtual mapping of the first pfns, read-only page tables, at least 512 KiB of
 * mapped padding after the boot stack with the whole region ending on a 4 MiB boundary, the
 * p2m list agreeing with the hypervisor's machine-to-phys table, shared_info, the ramdisk
 * and command line, and the hypervisor's hole in the address space.
 *
 * The harness must give module 1 the word "sod_marker=42" and module 2 build/guests/ramdisk.bin
 * (tests/guests/make-ramdisk), so both can be checked byte for byte.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>

#define VIRT_BASE 0xffffffff80000000UL
#define KiB 1024UL
#define MiB (1024UL * KiB)

static unsigned char zero_area[64 * KiB]; /* .bss: the builder must zero it */
static volatile uint64_t initialised_word = 0x0123456789abcdefUL; /* .data */

static unsigned long round_up_page(unsigned long address)
{
	return (address + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static bool is_page_aligned(unsigned long address)
{
	return (address & (PAGE_SIZE - 1)) == 0;
}

static void check_start_info(const struct start_info *si)
{
	test_section("start_info");
	CHECK(memcmp(si->magic, "xen-3.0-x86_64", 15) == 0, "magic is \"xen-3.0-x86_64\"");
	CHECK(memchr(si->magic, 0, sizeof(si->magic)) != NULL, "magic is NUL-terminated");
	CHECK_EQ(si->flags & (SIF_INITDOMAIN | SIF_PRIVILEGED), SIF_INITDOMAIN | SIF_PRIVILEGED,
		 "the first domain is the privileged initial domain");
	CHECK_EQ(si->flags & (SIF_MOD_START_PFN | SIF_MULTIBOOT_MOD), 0,
		 "mod_start is a virtual address (no MOD_START_PFN note was given)");
	CHECK_EQ(si->store_mfn, 0, "dom0 starts without a XenStore page");
	CHECK_EQ(si->store_evtchn, 0, "dom0 starts without a XenStore event channel");
	/* (Xen leaves first_p2m_pfn at the number of pfns it mapped: meaningless here.) */
	CHECK_EQ(si->nr_p2m_frames, 0, "no separate p2m frames without an INIT_P2M note");
	CHECK(si->nr_pt_frames >= 4, "bootstrap page tables have at least one table per level");
	CHECK(is_page_aligned(si->pt_base), "pt_base is page aligned");
	CHECK(is_page_aligned(si->shared_info), "shared_info is a page-aligned machine address");
	if (si->console.dom0.info_size != 0)
		CHECK(si->console.dom0.info_off >= sizeof(*si) &&
			      si->console.dom0.info_off + si->console.dom0.info_size <= PAGE_SIZE,
		      "the dom0 console info follows start_info within its page");

	long pages = HYPERVISOR_memory_op(XENMEM_current_reservation, &(domid_t){DOMID_SELF});
	CHECK_EQ(si->nr_pages, pages, "nr_pages is the domain's current reservation");
	printf("nr_pages %lu, pt_base %#lx (%lu frames), mfn_list %#lx, shared_info %#lx\n",
	       si->nr_pages, si->pt_base, si->nr_pt_frames, si->mfn_list, si->shared_info);
}

static void check_entry_registers(const struct start_info *si)
{
	const struct guest_entry_registers *entry = &guest_entry_registers;

	test_section("entry registers");
	CHECK_EQ(entry->rsi, (unsigned long)si, "rsi holds the address of start_info");
	CHECK_EQ(entry->cs, FLAT_KERNEL_CS, "cs is the flat 64-bit kernel code selector");
	CHECK_EQ(entry->ss, FLAT_KERNEL_SS, "ss is the flat kernel stack selector");
	CHECK_EQ(entry->ds, 0, "ds is null");
	CHECK_EQ(entry->es, 0, "es is null");
	CHECK_EQ(entry->fs, 0, "fs is null");
	CHECK_EQ(entry->gs, 0, "gs is null");
	CHECK(entry->rflags & 0x200, "rflags.IF is set (event delivery is gated by the mask)");
	CHECK_EQ(entry->rflags & 0x3000, 0, "IOPL is 0");
	CHECK(is_page_aligned(entry->rsp), "rsp is the page-aligned top of the boot stack");
	CHECK_EQ(entry->rsp - PAGE_SIZE, si->pt_base + si->nr_pt_frames * PAGE_SIZE,
		 "the one-page boot stack follows the bootstrap page tables");
}

/* The bootstrap elements, in the order the contract gives, each page aligned and packed. */
static void check_layout_order(const struct start_info *si)
{
	unsigned long si_address = (unsigned long)si;

	test_section("bootstrap layout");
	CHECK_EQ((unsigned long)guest_image_start, VIRT_BASE, "the image starts at VIRT_BASE");
	CHECK(si->mod_len != 0, "a ramdisk was given (the harness passes module 2)");
	CHECK(is_page_aligned(si->mod_start), "the ramdisk starts on a page boundary");
	CHECK_EQ(si->mod_start, round_up_page((unsigned long)guest_image_end),
		 "the ramdisk follows the kernel image");
	unsigned long after_ramdisk = round_up_page(si->mod_start + si->mod_len);
	if (si->mod_len == 0)
		after_ramdisk = round_up_page((unsigned long)guest_image_end);
	CHECK_EQ(si->mfn_list, after_ramdisk, "the p2m list follows the ramdisk");
	CHECK_EQ(si_address, round_up_page(si->mfn_list + si->nr_pages * sizeof(xen_pfn_t)),
		 "start_info follows the p2m list");
	CHECK_EQ(si->pt_base, round_up_page(si_address + sizeof(*si)),
		 "the bootstrap page tables follow start_info");
}

/*
 * Walk the whole initial mapping: every page from VIRT_BASE is present up to a 4 MiB
 * boundary at least 512 KiB past the boot stack, maps pfn n to mfn_list[n], writable except
 * the page tables; the page after the end is not mapped.
 */
static void check_mapping(const struct start_info *si)
{
	const xen_pfn_t *mfn_list = (const xen_pfn_t *)si->mfn_list;
	unsigned long stack_top = guest_entry_registers.rsp;
	unsigned long tables_end = si->pt_base + si->nr_pt_frames * PAGE_SIZE;
	unsigned long remapped = (unsigned long)HYPERVISOR_shared_info; /* by the runtime */
	unsigned long va, bad_frame = 0, bad_rw = 0, bad_ro = 0, large = 0;
	unsigned long limit = VIRT_BASE + si->nr_pages * PAGE_SIZE;

	test_section("initial mapping");
	for (va = VIRT_BASE; va < limit; va += PAGE_SIZE) {
		int level;
		uint64_t pte = guest_lookup_pte(va, &level);

		if (!(pte & _PAGE_PRESENT))
			break;
		if (level != 1) {
			large++;
			continue;
		}
		unsigned long pfn = (va - VIRT_BASE) >> PAGE_SHIFT;
		if (va != remapped && ((pte & PTE_ADDRESS_MASK) >> PAGE_SHIFT) != mfn_list[pfn])
			bad_frame++;
		bool table = va >= si->pt_base && va < tables_end;
		if (table && (pte & _PAGE_RW))
			bad_rw++;
		if (!table && !(pte & _PAGE_RW))
			bad_ro++;
	}
	unsigned long end = va;
	printf("initial mapping: %#lx-%#lx, %lu KiB after the boot stack\n", VIRT_BASE, end,
	       (end - stack_top) / KiB);
	CHECK_EQ(large, 0, "the initial mapping uses 4 KiB pages only");
	CHECK_EQ(bad_frame, 0, "virtual page n maps pfn n (1:1 with mfn_list)");
	CHECK_EQ(bad_rw, 0, "the bootstrap page tables are mapped read-only");
	CHECK_EQ(bad_ro, 0, "every other bootstrap page is mapped writable");
	CHECK_EQ(end % (4 * MiB), 0, "the mapping ends on a 4 MiB boundary");
	CHECK(end >= stack_top + 512 * KiB, "at least 512 KiB are mapped after the boot stack");
	CHECK(end < stack_top + 512 * KiB + 4 * MiB, "the mapping is not extended needlessly");
	CHECK(!(guest_lookup_pte(end, NULL) & _PAGE_PRESENT), "the page after the end is unmapped");

	/* A write to the L4 table itself must fault (page, present, write, kernel mode). */
	uint64_t *l4 = (uint64_t *)si->pt_base;
	int vector = probe_write(&l4[0], l4[0]);
	CHECK_EQ(vector, TRAP_page_fault + 1, "writing the L4 page table faults with #PF");
	if (vector == TRAP_page_fault + 1) {
		CHECK_EQ(probe_last_fault.error_code, 3, "#PF error code: present, write, kernel");
		CHECK_EQ(probe_last_fault.cr2, (unsigned long)&l4[0], "cr2 is the address written");
	}
}

/* mfn_list and the machine-to-phys table are inverse, and every mfn is real RAM. */
static void check_p2m(const struct start_info *si)
{
	const xen_pfn_t *mfn_list = (const xen_pfn_t *)si->mfn_list;
	long max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	unsigned long mismatched = 0, out_of_range = 0;

	test_section("p2m and m2p");
	CHECK(max_page > 0, "maximum_ram_page answers");
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++) {
		if (mfn_list[pfn] >= (unsigned long)max_page) {
			out_of_range++;
			continue;
		}
		if (machine_to_phys_mapping[mfn_list[pfn]] != pfn)
			mismatched++;
	}
	CHECK_EQ(out_of_range, 0, "every mfn in the p2m list is below maximum_ram_page");
	CHECK_EQ(mismatched, 0, "machine_to_phys[mfn_list[pfn]] == pfn for every pfn");
}

static void check_shared_info(const struct start_info *si)
{
	const xen_pfn_t *mfn_list = (const xen_pfn_t *)si->mfn_list;
	const struct shared_info *shared = HYPERVISOR_shared_info;
	unsigned long mfn = si->shared_info >> PAGE_SHIFT;
	unsigned long pfn = machine_to_phys_mapping[mfn];

	test_section("shared_info");
	CHECK(!(pfn < si->nr_pages && mfn_list[pfn] == mfn),
	      "shared_info is not one of the domain's own pseudo-physical pages");
	CHECK_EQ((guest_lookup_pte((unsigned long)shared, NULL) & PTE_ADDRESS_MASK),
		 si->shared_info, "the runtime's mapping of shared_info took effect");
	CHECK_EQ(shared->vcpu_info[0].evtchn_upcall_mask, 1, "vCPU 0 starts with events masked");
	CHECK_EQ(shared->vcpu_info[0].time.version & 1, 0, "vcpu_time_info is not mid-update");
	CHECK(shared->vcpu_info[0].time.system_time > 0, "system time has started");
	CHECK(shared->vcpu_info[0].time.tsc_to_system_mul != 0, "the TSC scale is set");
	CHECK_EQ(shared->wc_version & 1, 0, "the wall clock is not mid-update");
}

static void check_modules_and_cmdline(const struct start_info *si)
{
	const unsigned char *ramdisk = (const unsigned char *)si->mod_start;

	test_section("ramdisk and command line");
	printf("command line: '%s'\n", guest_cmdline());
	CHECK(guest_cmdline_has("sod_marker=42"), "the module's arguments reach cmd_line");
	CHECK(strstr(guest_cmdline(), ".elf") == NULL, "the kernel's file name is not in cmd_line");
	CHECK(memchr(si->cmd_line, 0, MAX_GUEST_CMDLINE) != NULL, "cmd_line is NUL-terminated");
	if (!CHECK(si->mod_len >= 16, "the ramdisk holds at least its header"))
		return;
	CHECK(memcmp(ramdisk, "PVRAMDSK", 8) == 0, "the ramdisk starts with its magic");
	uint64_t length;
	memcpy(&length, ramdisk + 8, sizeof(length));
	CHECK_EQ(si->mod_len, length, "mod_len is the ramdisk's exact size in bytes");
	unsigned long wrong = 0;
	for (unsigned long i = 16; i < si->mod_len; i++)
		if (ramdisk[i] != ((i * 7 + 3) & 0xff))
			wrong++;
	CHECK_EQ(wrong, 0, "every byte of the ramdisk arrived");
}

static void check_image(void)
{
	unsigned long nonzero = 0;

	test_section("image");
	for (size_t i = 0; i < sizeof(zero_area); i++)
		if (zero_area[i] != 0)
			nonzero++;
	CHECK_EQ(nonzero, 0, "the builder zeroed .bss");
	CHECK_EQ(initialised_word, 0x0123456789abcdefUL, ".data was loaded");

	unsigned int unfilled = 0;
	for (unsigned int n = 0; n < HYPERCALL_PAGE_ENTRIES; n++)
		if ((unsigned char)hypercall_page[n * HYPERCALL_STUB_SIZE] == 0xcc)
			unfilled++;
	CHECK_EQ(unfilled, 0, "the builder filled all 128 stubs of the hypercall page");
	/* For the log: an ordinary stub and the iret stub, which differs. */
	static const unsigned int shown[] = {__HYPERVISOR_set_trap_table, __HYPERVISOR_iret};
	for (unsigned int s = 0; s < 2; s++) {
		const unsigned char *stub = (const unsigned char *)hypercall_page + shown[s] * 32;
		printf("hypercall stub %2u: %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x %02x "
		       "%02x %02x %02x\n",
		       shown[s], stub[0], stub[1], stub[2], stub[3], stub[4], stub[5], stub[6],
		       stub[7], stub[8], stub[9], stub[10], stub[11], stub[12], stub[13]);
	}
}

/* The hypervisor's slots: the M2P is readable but not writable, the rest is out of reach. */
static void check_hypervisor_hole(const struct start_info *si)
{
	static const unsigned long forbidden[] = {
		0xffff804000000000UL, /* just past the read-only M2P */
		0xffff82d080000000UL, /* where Xen keeps its own text */
		0xffff830000000000UL, /* Xen's direct map of all RAM */
		0xffff87fffffff000UL, /* the last page of the reserved range */
	};
	const xen_pfn_t *mfn_list = (const xen_pfn_t *)si->mfn_list;
	volatile unsigned long *m2p_entry = &machine_to_phys_mapping[mfn_list[0]];
	uint64_t value;

	test_section("hypervisor hole");
	CHECK_EQ(probe_read(m2p_entry, &value), 0, "the machine-to-phys table is readable");
	int vector = probe_write(m2p_entry, value);
	CHECK_EQ(vector, TRAP_page_fault + 1, "the machine-to-phys table is not writable");
	if (vector == TRAP_page_fault + 1) {
		CHECK_EQ(probe_last_fault.error_code & 3, 3, "#PF error code: present, write");
		CHECK_EQ(probe_last_fault.cr2, (unsigned long)m2p_entry, "cr2 is the M2P entry");
	}
	for (unsigned int i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		vector = probe_read((const void *)forbidden[i], &value);
		printf("read %#lx: vector %d, error code %#lx\n", forbidden[i], vector - 1,
		       probe_last_fault.error_code);
		CHECK_EQ(vector, TRAP_page_fault + 1, "a hypervisor address faults with #PF");
		if (vector == TRAP_page_fault + 1) {
			CHECK_EQ(probe_last_fault.cr2, forbidden[i], "cr2 is the address read");
			CHECK_EQ(probe_last_fault.error_code & 6, 0,
				 "#PF error code: read, kernel");
		}
	}
	vector = probe_read((const void *)0, &value);
	CHECK_EQ(vector, TRAP_page_fault + 1, "address 0 is not mapped");
	if (vector == TRAP_page_fault + 1)
		CHECK_EQ(probe_last_fault.error_code, 0,
			 "#PF error code: not present, read, kernel");
	vector = probe_read((const void *)0x0000800000000000UL, &value);
	CHECK_EQ(vector, TRAP_gp_fault + 1, "a non-canonical address faults with #GP");
	if (vector == TRAP_gp_fault + 1)
		CHECK_EQ(probe_last_fault.error_code, 0, "#GP error code 0");
}

void guest_main(const struct start_info *si)
{
	check_start_info(si);
	check_entry_registers(si);
	check_layout_order(si);
	check_mapping(si);
	check_p2m(si);
	check_shared_info(si);
	check_modules_and_cmdline(si);
	check_image();
	check_hypervisor_hole(si);
	test_finish("start_of_day");
}
