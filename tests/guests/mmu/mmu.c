/*
 * mmu: direct paging under attack. update_va_mapping, mmu_update and mmuext_op, first doing
 * what a kernel needs (remap a page, pin and unpin tables, switch base pointers), then what
 * an attacker tries: page tables mapped writable, frames the domain does not own, the
 * hypervisor's L4 slots and address range, malformed entries and requests, hostile
 * pointers. Each refusal must leave the page tables as they were, which is checked too.
 *
 * The test's own pages (scratch pages in .bss) serve as data and as new page tables.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO (_PAGE_PRESENT | _PAGE_ACCESSED)

static const struct start_info *si;
static unsigned long l4_mfn, m2p_frame;
static long max_page;

static uint64_t *page(unsigned int n)
{
	return scratch_page(n);
}

static unsigned long mfn_of(const void *va)
{
	return virt_to_mfn(va);
}

/* The machine address of the L1 entry that maps va (va must be in the initial mapping). */
static uint64_t l1_entry_address(unsigned long va)
{
	const uint64_t *table = (const uint64_t *)si->pt_base;
	uint64_t table_mfn = l4_mfn;

	for (int level = 4; level > 1; level--) {
		uint64_t entry = table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
		table_mfn = (entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
		table = mfn_to_virt(table_mfn);
		if (!table)
			guest_crash("no table for %#lx at level %d", va, level);
	}
	return (table_mfn << PAGE_SHIFT) + ((va >> PAGE_SHIFT) & 511) * 8;
}

/* The machine frame of the L1 table that maps va. */
static unsigned long l1_table_mfn(unsigned long va)
{
	return l1_entry_address(va) >> PAGE_SHIFT;
}

static uint64_t pte_of(const void *va)
{
	return guest_lookup_pte((unsigned long)va, NULL);
}

static long uvm(const void *va, uint64_t pte)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG);
}

static long mmu_one(uint64_t ptr, uint64_t val, unsigned int *done)
{
	struct mmu_update request = {.ptr = ptr, .val = val};
	return HYPERVISOR_mmu_update(&request, 1, done, DOMID_SELF);
}

static long mmuext_one(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
	struct mmuext_op op = {.cmd = cmd};
	op.arg1.mfn = arg1;
	op.arg2.nr_ents = (unsigned int)arg2;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* Put scratch page n back: its own frame, writable. */
static void restore(unsigned int n)
{
	if (uvm(page(n), (mfn_of(page(n)) << PAGE_SHIFT) | PTE_RW) != 0)
		guest_crash("cannot restore scratch page %u", n);
}

static void check_update_va_mapping(void)
{
	uint64_t *a = page(0), *b = page(1), value;

	test_section("update_va_mapping: what a kernel does");
	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	CHECK_EQ(uvm(a, (mfn_of(b) << PAGE_SHIFT) | PTE_RW), 0, "map another own frame");
	CHECK_EQ(a[0], 0xbbbb, "the new frame shows through");
	/* The kernel runs in ring 3: its mappings must be user-accessible to the CPU. */
	CHECK_EQ(pte_of(a) & (_PAGE_USER | 1UL << 52), _PAGE_USER | 1UL << 52,
		 "a kernel mapping is stored with _PAGE_USER and the kernel marker (bit 52)");
	restore(0);
	CHECK_EQ(a[0], 0xaaaa, "and the old one after restoring");

	CHECK_EQ(uvm(a, (mfn_of(a) << PAGE_SHIFT) | PTE_RO), 0, "map a page read-only");
	CHECK_EQ(probe_write(a, 1), TRAP_page_fault + 1, "writes then fault");
	CHECK_EQ(a[0], 0xaaaa, "reads still work");
	CHECK_EQ(uvm(a, 0), 0, "unmap a page (PTE 0)");
	CHECK_EQ(probe_read(a, &value), TRAP_page_fault + 1, "reads then fault");
	restore(0);
	CHECK_EQ(HYPERVISOR_update_va_mapping((unsigned long)a, (mfn_of(a) << PAGE_SHIFT) | PTE_RW,
					      UVMF_TLB_FLUSH | UVMF_ALL),
		 0, "UVMF_TLB_FLUSH | UVMF_ALL");
	CHECK_EQ(HYPERVISOR_update_va_mapping((unsigned long)a, (mfn_of(a) << PAGE_SHIFT) | PTE_RW,
					      UVMF_NONE),
		 0, "UVMF_NONE");
	unsigned long vcpus = 1;
	CHECK_EQ(HYPERVISOR_update_va_mapping((unsigned long)a, (mfn_of(a) << PAGE_SHIFT) | PTE_RW,
					      UVMF_INVLPG | UVMF_MULTI | (unsigned long)&vcpus),
		 0, "UVMF_MULTI with a vCPU mask");

	test_section("update_va_mapping: hostile");
	uint64_t before = pte_of(a);
	CHECK_EQ(uvm(a, (l4_mfn << PAGE_SHIFT) | PTE_RW), -XEN_EBUSY,
		 "mapping the L4 page table writable is -EBUSY (its type is taken)");
	CHECK_EQ(pte_of(a), before, "and leaves the entry as it was");
	CHECK_EQ(uvm(a, (l4_mfn << PAGE_SHIFT) | PTE_RO), 0, "mapping it read-only is fine");
	CHECK_EQ(a[511], ((uint64_t *)si->pt_base)[511], "and shows the L4");
	restore(0);
	unsigned long l1 = l1_table_mfn((unsigned long)a);
	CHECK_EQ(uvm(a, (l1 << PAGE_SHIFT) | PTE_RW), -XEN_EBUSY,
		 "mapping an L1 page table writable is -EBUSY");
	CHECK_EQ(uvm(a, ((unsigned long)max_page - 1) << PAGE_SHIFT | PTE_RO), -XEN_EBUSY,
		 "mapping the machine's last RAM frame (not ours) is -EBUSY");
	CHECK_EQ(uvm(a, m2p_frame << PAGE_SHIFT | PTE_RO), -XEN_EBUSY,
		 "mapping a frame of the hypervisor's M2P table is -EBUSY");
	CHECK_EQ(pte_of(a), before, "and leaves the entry as it was");

	static const struct {
		unsigned long va;
		const char *what;
	} places[] = {
		{0x1000, "a VA with no page tables under it is -EINVAL"},
		{0xffffffffc0000000UL, "a VA past the initial L1 tables is -EINVAL"},
		{0xffff830000000000UL, "a VA in the hypervisor's range is -EINVAL"},
		{0xffff800000000000UL, "the M2P's VA is -EINVAL"},
		{0x0000800000000000UL, "a non-canonical VA is -EINVAL"},
	};
	for (unsigned int i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		long rc = HYPERVISOR_update_va_mapping(
			places[i].va, (mfn_of(b) << PAGE_SHIFT) | PTE_RW, UVMF_INVLPG);
		if (rc != -XEN_EINVAL)
			printf("update_va_mapping(%#lx): %ld\n", places[i].va, rc);
		CHECK_EQ(rc, -XEN_EINVAL, places[i].what);
	}
	CHECK_EQ(HYPERVISOR_update_va_mapping((unsigned long)a, (mfn_of(a) << PAGE_SHIFT) | PTE_RW,
					      UVMF_INVLPG | UVMF_MULTI | 0x1000UL),
		 -XEN_EFAULT, "UVMF_MULTI with a hostile vCPU mask is -EFAULT");
	CHECK_EQ(HYPERVISOR_update_va_mapping_otherdomain(
			 (unsigned long)a, (mfn_of(a) << PAGE_SHIFT) | PTE_RW, UVMF_INVLPG, 7),
		 -XEN_ESRCH, "update_va_mapping_otherdomain of a missing domain is -ESRCH");
	restore(0);
	CHECK_EQ(a[0], 0xaaaa, "the page is still ours at the end");
}

static void check_mmu_update(void)
{
	uint64_t *a = page(0), *b = page(1), *c = page(2);
	uint64_t entry = l1_entry_address((unsigned long)a);
	unsigned int done;

	test_section("mmu_update: what a kernel does");
	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	done = 99;
	CHECK_EQ(mmu_one(entry | MMU_NORMAL_PT_UPDATE, (mfn_of(b) << PAGE_SHIFT) | PTE_RW, &done),
		 0, "write an L1 entry to map another own frame");
	CHECK_EQ(done, 1, "done counts the request");
	HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL,
						 .arg1.linear_addr = (unsigned long)a},
			     1, NULL, DOMID_SELF);
	CHECK_EQ(a[0], 0xbbbb, "the new frame shows through");
	CHECK_EQ(mmu_one(entry | MMU_PT_UPDATE_PRESERVE_AD, (mfn_of(a) << PAGE_SHIFT) | PTE_RW,
			 NULL),
		 0, "MMU_PT_UPDATE_PRESERVE_AD works for PV, with done NULL");
	restore(0);
	CHECK_EQ(a[0], 0xaaaa, "restored");
	CHECK_EQ(HYPERVISOR_mmu_update(NULL, 0, NULL, DOMID_SELF), 0, "count 0 is 0");

	/* mmu_update on a frame that is not a page table: a plain checked write. */
	c[5] = 1;
	long rc = mmu_one((mfn_of(c) << PAGE_SHIFT) + 5 * 8, 0x1234, NULL);
	printf("mmu_update on a data page: %ld, word now %#lx\n", rc, c[5]);
	CHECK_EQ(rc, 0, "an update of an ordinary own page is a plain write");
	CHECK_EQ(c[5], 0x1234, "and the word is written");

	test_section("mmu_update: hostile");
	uint64_t before = pte_of(a);
	CHECK_EQ(mmu_one(entry, (l4_mfn << PAGE_SHIFT) | PTE_RW, NULL), -XEN_EBUSY,
		 "an L1 entry mapping the L4 writable is -EBUSY");
	CHECK_EQ(mmu_one(entry, (l1_table_mfn((unsigned long)a) << PAGE_SHIFT) | PTE_RW, NULL),
		 -XEN_EBUSY, "an L1 entry mapping its own L1 table writable is -EBUSY");
	CHECK_EQ(mmu_one(entry, ((unsigned long)max_page - 1) << PAGE_SHIFT | PTE_RO, NULL),
		 -XEN_EBUSY, "an L1 entry mapping a frame we do not own is -EBUSY");
	CHECK_EQ(pte_of(a), before, "the refused updates left the entry alone");

	uint64_t l4_slot = (l4_mfn << PAGE_SHIFT);
	CHECK_EQ(mmu_one(l4_slot + 256 * 8, 0, NULL), -XEN_EINVAL,
		 "writing L4 slot 256 (the hypervisor's) is -EINVAL");
	CHECK_EQ(mmu_one(l4_slot + 261 * 8, 0, NULL), -XEN_EINVAL,
		 "writing L4 slot 261 (the hypervisor's) is -EINVAL");
	CHECK_EQ(mmu_one(l4_slot + 271 * 8, 0, NULL), -XEN_EINVAL,
		 "writing L4 slot 271 (the hypervisor's) is -EINVAL");
	rc = mmu_one(((unsigned long)max_page - 1) << PAGE_SHIFT, 0, NULL);
	printf("mmu_update into a frame we do not own: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EINVAL, "an update inside a frame we do not own is -EINVAL");
	/* The command is the low 3 bits of ptr (entries are 8-byte aligned): 4-7 are unknown. */
	for (unsigned int cmd = 4; cmd < 8; cmd++)
		CHECK_EQ(mmu_one(entry | cmd, 0, NULL), -XEN_ENOSYS,
			 "commands 4-7 in ptr's low bits are -ENOSYS");
	CHECK_EQ(pte_of(a), before, "and changed nothing");
	CHECK_EQ(mmu_one(entry | MMU_PT_UPDATE_NO_TRANSLATE, (mfn_of(b) << PAGE_SHIFT) | PTE_RW,
			 NULL),
		 0, "MMU_PT_UPDATE_NO_TRANSLATE is a normal update for a PV domain");
	CHECK_EQ((pte_of(a) & PTE_ADDRESS_MASK) >> PAGE_SHIFT, mfn_of(b), "and took effect");
	restore(0);

	/* A batch stops at its first bad request; done says how far it got. */
	struct mmu_update batch[3] = {
		{entry, (mfn_of(b) << PAGE_SHIFT) | PTE_RW},
		{entry, (l4_mfn << PAGE_SHIFT) | PTE_RW},
		{entry, (mfn_of(c) << PAGE_SHIFT) | PTE_RW},
	};
	done = 99;
	CHECK_EQ(HYPERVISOR_mmu_update(batch, 3, &done, DOMID_SELF), -XEN_EBUSY,
		 "a batch with a bad second request is -EINVAL");
	CHECK_EQ(done, 1, "done is 1: only the first request was made");
	CHECK_EQ((pte_of(a) & PTE_ADDRESS_MASK) >> PAGE_SHIFT, mfn_of(b),
		 "the first request took effect, the third did not");
	restore(0);

	for (unsigned int i = 0; i < nr_bad_addresses; i++) {
		rc = HYPERVISOR_mmu_update((struct mmu_update *)bad_addresses[i].address, 1, NULL,
					   DOMID_SELF);
		CHECK_EQ(rc, -XEN_EFAULT, "a hostile request list is -EFAULT");
	}
	/* Xen writes done back without checking: a bad pointer there is not an error. */
	rc = HYPERVISOR_mmu_update(batch, 1, (unsigned int *)0x1000, DOMID_SELF);
	CHECK_EQ(rc, 0, "a hostile done pointer is ignored (the update is made)");
	restore(0);
	CHECK_EQ(HYPERVISOR_mmu_update(batch, 1, NULL, 7), -XEN_ESRCH,
		 "a foreign domain that does not exist is -ESRCH");
	CHECK_EQ(pte_of(a), before, "the entry is back to its own frame");

	test_section("mmu_update: MMU_MACHPHYS_UPDATE");
	unsigned long mfn = mfn_of(c), pfn = virt_to_pfn(c);
	CHECK_EQ(mmu_one((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 12345, NULL), 0,
		 "set the M2P entry of an own frame");
	CHECK_EQ(machine_to_phys_mapping[mfn], 12345, "the M2P shows it");
	CHECK_EQ(mmu_one((mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, pfn, NULL), 0, "and back");
	CHECK_EQ(machine_to_phys_mapping[mfn], pfn, "the M2P is restored");
	rc = mmu_one((((unsigned long)max_page - 1) << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE, 1, NULL);
	printf("MMU_MACHPHYS_UPDATE of a frame not ours: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EINVAL, "the M2P entry of a frame not ours is -EINVAL");
}

/*
 * dom0's privilege over frames that are not RAM: device memory and the first MiB (owned by
 * DOMID_IO) may be mapped, the local APIC may not, the IO-APIC only read-only.
 */
static void check_device_memory(void)
{
	uint64_t *a = page(0);

	test_section("dom0 and device memory");
	CHECK_EQ(uvm(a, 0xb8UL << PAGE_SHIFT | PTE_RW), 0, "the VGA text frame 0xb8 may be mapped");
	CHECK_EQ(uvm(a, 0x9eUL << PAGE_SHIFT | PTE_RW), 0,
		 "a RAM frame of the first MiB (0x9e) may be mapped writable (Linux does)");
	CHECK_EQ(uvm(a, 0x30000UL << PAGE_SHIFT | PTE_RW), 0,
		 "a frame above RAM (768 MiB, no RAM there) may be mapped");
	/* PWT (bit 3) and PCD (bit 4): Xen lets a domain with I/O resources, as dom0, choose the
	 * cache type of its own RAM mappings too (Linux does, for ioremap and set_memory_uc). */
	CHECK_EQ(uvm(a, mfn_of(a) << PAGE_SHIFT | PTE_RW | 0x18), 0,
		 "dom0 may map its own page uncached (PCD|PWT)");
	CHECK_EQ(pte_of(a) & 0x18, 0x18, "and the entry keeps PCD|PWT");
	CHECK_EQ(uvm(a, 0xfee00UL << PAGE_SHIFT | PTE_RO), -XEN_EPERM,
		 "the local APIC may not be mapped: -EPERM");
	CHECK_EQ(uvm(a, 0xfec00UL << PAGE_SHIFT | PTE_RW), 0,
		 "asking for the IO-APIC writable succeeds ...");
	CHECK_EQ(pte_of(a) & (_PAGE_PRESENT | _PAGE_RW), _PAGE_PRESENT,
		 "... but the mapping is made read-only");
	restore(0);
}

/* Make scratch page n a candidate page table: zeroed and mapped read-only. */
static unsigned long prepare_table(unsigned int n)
{
	memset(page(n), 0, PAGE_SIZE);
	if (uvm(page(n), (mfn_of(page(n)) << PAGE_SHIFT) | PTE_RO) != 0)
		guest_crash("cannot map scratch page %u read-only", n);
	return mfn_of(page(n));
}

static void check_pinning(void)
{
	test_section("mmuext_op: pinning");
	unsigned long f = mfn_of(page(3));
	memset(page(3), 0, PAGE_SIZE);
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L1_TABLE, f, 0), -XEN_EINVAL,
		 "pinning a frame that is mapped writable is -EINVAL");
	f = prepare_table(3);
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L1_TABLE, f, 0), 0, "pin a read-only zeroed frame as L1");
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L1_TABLE, f, 0), -XEN_EINVAL, "pinning it twice is -EINVAL");
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L2_TABLE, f, 0), -XEN_EINVAL,
		 "pinning an L1 as L2 is -EINVAL");
	CHECK_EQ(uvm(page(3), (f << PAGE_SHIFT) | PTE_RW), -XEN_EBUSY,
		 "a pinned L1 cannot be mapped writable: -EBUSY");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, f, 0), 0, "unpin it");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, f, 0), -XEN_EINVAL, "unpinning twice is -EINVAL");

	/* Validating an L4 fills in the hypervisor's own slots. */
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L4_TABLE, f, 0), 0, "pin the zeroed frame as L4");
	unsigned int xen_slots = 0;
	for (unsigned int slot = 256; slot < 272; slot++)
		xen_slots += page(3)[slot] != 0;
	printf("hypervisor slots filled in a new L4: %u of 16\n", xen_slots);
	CHECK(xen_slots > 0, "validation wrote the hypervisor's slots into the new L4");
	CHECK_EQ(page(3)[0], 0, "and left the guest's slots alone");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, f, 0), 0, "unpin the L4");
	restore(3);

	CHECK_EQ(mmuext_one(MMUEXT_PIN_L4_TABLE, l4_mfn, 0), -XEN_EINVAL,
		 "pinning the running L4 again is -EINVAL (the builder pinned it)");
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L1_TABLE, (unsigned long)max_page - 1, 0), -XEN_EINVAL,
		 "pinning a frame we do not own is -EINVAL");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, mfn_of(page(4)), 0), -XEN_EINVAL,
		 "unpinning an ordinary page is -EINVAL");
}

/*
 * A new L1 table for an address range that had none: hook it into a free slot of the L2
 * that maps the kernel, then map a page through it. And what an L2 entry may not be.
 */
static void check_new_tables(void)
{
	const unsigned int slot = 500; /* VIRT_BASE + 1000 MiB, far past the initial mapping */
	unsigned long va = 0xffffffff80000000UL + (unsigned long)slot * (2UL << 20);
	uint64_t value;

	test_section("new page tables");
	/* The L2 entry that maps the L1 of page(0) is found through the L1's own address. */
	const uint64_t *l4 = (const uint64_t *)si->pt_base;
	const uint64_t *l3 = mfn_to_virt((l4[511] & PTE_ADDRESS_MASK) >> PAGE_SHIFT);
	unsigned long l2_mfn =
		(l3[(0xffffffff80000000UL >> 30) & 511] & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
	uint64_t l2_slot = (l2_mfn << PAGE_SHIFT) + slot * 8;

	CHECK_EQ(HYPERVISOR_update_va_mapping(va, (mfn_of(page(1)) << PAGE_SHIFT) | PTE_RW,
					      UVMF_INVLPG),
		 -XEN_EINVAL, "no L1 covers the range yet: update_va_mapping is -EINVAL");
	memset(page(5), 0, PAGE_SIZE);
	CHECK_EQ(mmu_one(l2_slot, (mfn_of(page(5)) << PAGE_SHIFT) | PTE_RW, NULL), -XEN_EINVAL,
		 "an L2 entry to a frame mapped writable is -EINVAL (it cannot become an L1)");
	CHECK_EQ(mmu_one(l2_slot, (mfn_of(page(1)) << PAGE_SHIFT) | PTE_RW | _PAGE_PSE, NULL),
		 -XEN_EINVAL, "a 2 MiB superpage in an L2 entry is -EINVAL for PV");
	unsigned long table = prepare_table(5);
	CHECK_EQ(mmu_one(l2_slot, (table << PAGE_SHIFT) | PTE_RW, NULL), 0,
		 "an L2 entry to a read-only zeroed frame makes it an L1 table");
	page(1)[3] = 0x5151;
	CHECK_EQ(HYPERVISOR_update_va_mapping(va, (mfn_of(page(1)) << PAGE_SHIFT) | PTE_RW,
					      UVMF_INVLPG),
		 0, "now a page can be mapped in the new range");
	CHECK_EQ(probe_read((void *)(va + 24), &value), 0, "it can be read");
	CHECK_EQ(value, 0x5151, "and shows the page");
	CHECK_EQ(uvm(page(5), (table << PAGE_SHIFT) | PTE_RW), -XEN_EBUSY,
		 "the new L1 cannot be mapped writable while in use");
	CHECK_EQ(HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG), 0, "unmap the page");
	CHECK_EQ(mmu_one(l2_slot, 0, NULL), 0, "unhook the L1");
	restore(5);
	CHECK_EQ(probe_read((void *)(va + 24), &value), TRAP_page_fault + 1, "the range is gone");

	/* The L4 may point at itself only read-only ("linear" page tables). */
	uint64_t l4_slot0 = l4_mfn << PAGE_SHIFT;
	long rw = mmu_one(l4_slot0, (l4_mfn << PAGE_SHIFT) | PTE_RW, NULL);
	long ro = mmu_one(l4_slot0, (l4_mfn << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED, NULL);
	printf("L4 self-map: writable %ld, read-only %ld\n", rw, ro);
	CHECK_EQ(rw, -XEN_EINVAL, "a writable self-reference in the L4 is -EINVAL");
	CHECK_EQ(ro, 0, "a read-only self-reference is allowed");
	CHECK_EQ(mmu_one(l4_slot0, 0, NULL), 0, "and removed again");
}

/* A copy of the running L4 as a new base pointer, then back. */
static void check_base_pointers(void)
{
	test_section("mmuext_op: new base pointers");
	uint64_t *copy = page(4);
	const uint64_t *original = (const uint64_t *)si->pt_base;
	unsigned long g = mfn_of(copy);
	uint64_t value;
	memcpy(copy, original, PAGE_SIZE);
	for (unsigned int slot = 256; slot < 272; slot++)
		copy[slot] = 0; /* the hypervisor fills its own */
	/*
	 * Slot 0 of the copy points at the copy itself, read-only: walking VA 0 then goes
	 * through the copy at every level and ends on the copy's own page. So VA 0 shows the
	 * copy exactly while the copy is the running L4, and nothing under the original.
	 */
	copy[0] = (g << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_ACCESSED;
	CHECK_EQ(mmuext_one(MMUEXT_NEW_BASEPTR, g, 0), -XEN_EINVAL,
		 "a base pointer that is mapped writable is -EINVAL");
	CHECK_EQ(uvm(copy, (g << PAGE_SHIFT) | PTE_RO), 0, "map the copy read-only");
	CHECK_EQ(mmuext_one(MMUEXT_PIN_L4_TABLE, g, 0), 0, "pin the copy as L4");
	CHECK_EQ(probe_read((void *)(511 * 8), &value), TRAP_page_fault + 1,
		 "under the original L4, VA 0 is unmapped");
	CHECK_EQ(mmuext_one(MMUEXT_NEW_BASEPTR, g, 0), 0, "switch to the copy");
	CHECK_EQ(probe_read((void *)(511 * 8), &value), 0, "under the copy, VA 0 is mapped");
	CHECK_EQ(value & PTE_ADDRESS_MASK, original[511] & PTE_ADDRESS_MASK,
		 "and shows the copy's slot 511: the copy is the running L4");
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), (4 << 16) | 17,
		 "hypercalls work under the copy");
	CHECK_EQ(mmuext_one(MMUEXT_NEW_BASEPTR, l4_mfn, 0), 0, "switch back");
	CHECK_EQ(probe_read((void *)(511 * 8), &value), TRAP_page_fault + 1,
		 "back on the original, VA 0 is unmapped again");
	CHECK_EQ(mmuext_one(MMUEXT_UNPIN_TABLE, g, 0), 0, "unpin the copy");
	restore(4);

	CHECK_EQ(mmuext_one(MMUEXT_NEW_BASEPTR, (unsigned long)max_page - 1, 0), -XEN_EINVAL,
		 "a base pointer we do not own is -EINVAL");
	CHECK_EQ(mmuext_one(MMUEXT_NEW_USER_BASEPTR, 0, 0), 0, "no user page table: mfn 0 is 0");
}

static void check_other_mmuext(void)
{
	test_section("mmuext_op: flushes, pages, LDT, errors");
	unsigned long vcpus = 1;
	struct mmuext_op op = {.cmd = MMUEXT_TLB_FLUSH_MULTI};
	op.arg2.vcpumask.p = &vcpus;
	CHECK_EQ(mmuext_one(MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0, "TLB_FLUSH_LOCAL");
	CHECK_EQ(mmuext_one(MMUEXT_INVLPG_LOCAL, (unsigned long)page(0), 0), 0, "INVLPG_LOCAL");
	CHECK_EQ(mmuext_one(MMUEXT_TLB_FLUSH_ALL, 0, 0), 0, "TLB_FLUSH_ALL");
	CHECK_EQ(mmuext_one(MMUEXT_INVLPG_ALL, (unsigned long)page(0), 0), 0, "INVLPG_ALL");
	CHECK_EQ(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), 0, "TLB_FLUSH_MULTI");
	op.arg2.vcpumask.p = (void *)0x1000;
	CHECK_EQ(HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF), -XEN_EINVAL,
		 "TLB_FLUSH_MULTI with a hostile vCPU mask is -EINVAL (not -EFAULT)");

	uint64_t *d = page(5), *e = page(6);
	memset(d, 0x11, PAGE_SIZE);
	memset(e, 0x22, PAGE_SIZE);
	CHECK_EQ(mmuext_one(MMUEXT_COPY_PAGE, mfn_of(d), mfn_of(e)), 0, "COPY_PAGE");
	CHECK_EQ(d[100], 0x2222222222222222UL, "the page was copied");
	CHECK_EQ(mmuext_one(MMUEXT_CLEAR_PAGE, mfn_of(d), 0), 0, "CLEAR_PAGE");
	CHECK_EQ(d[100], 0, "the page was cleared");
	long rc = mmuext_one(MMUEXT_CLEAR_PAGE, l4_mfn, 0);
	printf("CLEAR_PAGE of the L4: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EINVAL, "clearing a page table is -EINVAL");
	CHECK_EQ(((uint64_t *)si->pt_base)[511] & _PAGE_PRESENT, _PAGE_PRESENT, "and the L4 lives");
	CHECK_EQ(mmuext_one(MMUEXT_CLEAR_PAGE, (unsigned long)max_page - 1, 0), -XEN_EINVAL,
		 "clearing a frame we do not own is -EINVAL");

	CHECK_EQ(mmuext_one(MMUEXT_SET_LDT, 0, 0), 0, "SET_LDT 0, 0 (no LDT)");
	CHECK_EQ(mmuext_one(MMUEXT_SET_LDT, (unsigned long)page(7) + 8, 1), -XEN_EINVAL,
		 "an LDT that is not page aligned is -EINVAL");
	CHECK_EQ(mmuext_one(MMUEXT_SET_LDT, (unsigned long)page(7), 8193), -XEN_EINVAL,
		 "an LDT of more than 8192 entries is -EINVAL");

	rc = mmuext_one(MMUEXT_MARK_SUPER, mfn_of(d), 0);
	printf("MARK_SUPER: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EOPNOTSUPP, "superpage marking is gone: -EOPNOTSUPP");
	CHECK_EQ(mmuext_one(14, 0, 0), -XEN_ENOSYS, "command 14 is -ENOSYS");
	CHECK_EQ(mmuext_one(21, 0, 0), -XEN_ENOSYS, "command 21 is -ENOSYS");
	CHECK_EQ(mmuext_one(0x100, 0, 0), -XEN_ENOSYS, "command 0x100 is -ENOSYS");

	struct mmuext_op batch[2] = {{.cmd = MMUEXT_TLB_FLUSH_LOCAL}, {.cmd = 14}};
	unsigned int done = 99;
	CHECK_EQ(HYPERVISOR_mmuext_op(batch, 2, &done, DOMID_SELF), -XEN_ENOSYS,
		 "a batch with a bad second op fails with its error");
	CHECK_EQ(done, 1, "done counts the ops made");
	for (unsigned int i = 0; i < nr_bad_addresses; i++)
		CHECK_EQ(HYPERVISOR_mmuext_op((struct mmuext_op *)bad_addresses[i].address, 1, NULL,
					      DOMID_SELF),
			 -XEN_EFAULT, "a hostile op list is -EFAULT");
	CHECK_EQ(HYPERVISOR_mmuext_op(batch, 1, NULL, 7), -XEN_ESRCH,
		 "a foreign domain that does not exist is -ESRCH");
}

void guest_main(const struct start_info *start)
{
	si = start;
	l4_mfn = ((const xen_pfn_t *)si->mfn_list)[virt_to_pfn((void *)si->pt_base)];
	max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	struct xen_machphys_mfn_list list = {.max_extents = 1};
	set_xen_guest_handle(list.extent_start, &m2p_frame);
	if (HYPERVISOR_memory_op(XENMEM_machphys_mfn_list, &list) != 0 || list.nr_extents != 1)
		guest_crash("machphys_mfn_list failed");
	check_update_va_mapping();
	check_mmu_update();
	check_device_memory();
	check_pinning();
	check_new_tables();
	check_base_pointers();
	check_other_mmuext();
	test_finish("mmu");
}
