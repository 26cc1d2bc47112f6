/*
 * grant_table: grant_table_op, version 1, with one domain granting to itself. Xen lets a
 * domain map and copy its own grants (the entry's domid is then its own id), so the whole
 * protocol can be checked with one domain: the table's frames (setup_table, query_size), the
 * version calls, a grant mapped by PTE address and by virtual address, the GTF_reading and
 * GTF_writing bits while it is in use, unmap and unmap_and_replace, and copy between grants
 * and frames, with every refusal a hostile or careless guest can provoke.
 *
 * Xen runs it with gnttab=max-ver:1, the configuration Parvus implements (version 1 only).
 * We are dom0, so our domain id is 0: the grant entries name 0, and map_grant_ref names 0
 * too (it does not accept DOMID_SELF; copy does).
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
#define SELF 0	       /* our domain id: we are dom0 */
#define NO_DOMAIN 7    /* a domain that does not exist */
#define TABLE_FRAMES 4 /* the size we set our table to */
#define ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(struct grant_entry_v1))

static const struct start_info *si;
static unsigned long l4_mfn;
static unsigned long not_ours; /* the machine's last RAM frame: Xen's or another's, never ours */
static volatile struct grant_entry_v1 *table; /* our grant table, mapped at scratch page 7 */

/* Scratch pages: 0 and 1 hold data to grant, 2 and 3 are where grants get mapped, 4 and 5
 * receive copies, 6 becomes a page table for a while, 7 maps the grant table. */
static uint8_t *page(unsigned int n)
{
	return scratch_page(n);
}

static unsigned long mfn_of(const void *va)
{
	return virt_to_mfn(va);
}

/* The machine address of the L1 entry that maps va (in the initial mapping). */
static uint64_t l1_entry_address(unsigned long va)
{
	const uint64_t *level_table = (const uint64_t *)si->pt_base;
	uint64_t table_mfn = l4_mfn;

	for (int level = 4; level > 1; level--) {
		uint64_t entry = level_table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
		table_mfn = (entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
		level_table = mfn_to_virt(table_mfn);
		if (!level_table)
			guest_crash("no table for %#lx at level %d", va, level);
	}
	return (table_mfn << PAGE_SHIFT) + ((va >> PAGE_SHIFT) & 511) * 8;
}

static uint64_t pte_of(const void *va)
{
	return guest_lookup_pte((unsigned long)va, NULL);
}

/* Scratch page n back at its own frame, writable. */
static void restore(unsigned int n)
{
	if (map_page(page(n), mfn_of(page(n)), PTE_RW) != 0)
		guest_crash("cannot restore scratch page %u", n);
}

/* Offer frame mfn to domid through entry ref: domid and frame first, the flags last. */
static void grant(grant_ref_t ref, domid_t domid, unsigned long mfn, uint16_t flags)
{
	table[ref].flags = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[ref].domid = domid;
	table[ref].frame = (uint32_t)mfn;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[ref].flags = flags;
}

static uint16_t flags_of(grant_ref_t ref)
{
	return __atomic_load_n(&table[ref].flags, __ATOMIC_SEQ_CST);
}

static long gnttab(unsigned int cmd, void *ops, unsigned int count)
{
	return HYPERVISOR_grant_table_op(cmd, ops, count);
}

/* One map_grant_ref; the hypercall itself must succeed, the op's status is returned. */
static int16_t map(struct gnttab_map_grant_ref *op, uint64_t host_addr, uint32_t flags,
		   grant_ref_t ref, domid_t dom)
{
	memset(op, 0, sizeof(*op));
	op->host_addr = host_addr;
	op->flags = flags;
	op->ref = ref;
	op->dom = dom;
	op->handle = 0xdeadbeef;
	long rc = gnttab(GNTTABOP_map_grant_ref, op, 1);
	if (rc != 0)
		guest_crash("map_grant_ref: the hypercall failed: %ld", rc);
	return op->status;
}

static int16_t unmap(uint64_t host_addr, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = {.host_addr = host_addr, .handle = handle};
	long rc = gnttab(GNTTABOP_unmap_grant_ref, &op, 1);
	if (rc != 0)
		guest_crash("unmap_grant_ref: the hypercall failed: %ld", rc);
	return op.status;
}

static void check_table_setup(void)
{
	struct gnttab_query_size query = {.dom = DOMID_SELF, .status = 99};
	struct gnttab_setup_table setup;
	xen_pfn_t frames[TABLE_FRAMES + 1];

	test_section("query_size and setup_table");
	CHECK_EQ(gnttab(GNTTABOP_query_size, &query, 1), 0, "query_size(DOMID_SELF)");
	printf("query_size: nr_frames %u, max_nr_frames %u\n", query.nr_frames,
	       query.max_nr_frames);
	CHECK_EQ(query.status, GNTST_okay, "status okay");
	CHECK_EQ(query.nr_frames, 1, "a new table has one frame (Xen's INITIAL_NR_GRANT_FRAMES)");
	CHECK_EQ(query.max_nr_frames, 64, "and may grow to 64 (gnttab_max_frames' default)");
	query = (struct gnttab_query_size){.dom = SELF};
	CHECK_EQ(gnttab(GNTTABOP_query_size, &query, 1), 0, "query_size by our own id");
	CHECK_EQ(query.status, GNTST_okay, "status okay");
	query = (struct gnttab_query_size){.dom = NO_DOMAIN};
	CHECK_EQ(gnttab(GNTTABOP_query_size, &query, 1), 0, "query_size of a missing domain");
	CHECK_EQ(query.status, GNTST_bad_domain, "is GNTST_bad_domain in the status");
	CHECK_EQ(gnttab(GNTTABOP_query_size, &query, 2), -XEN_EINVAL, "count 2 is -EINVAL");
	CHECK_EQ(gnttab(GNTTABOP_query_size, &query, 0), -XEN_EINVAL, "count 0 is -EINVAL");
	for (unsigned int i = 0; i < nr_bad_addresses; i++)
		CHECK_EQ(gnttab(GNTTABOP_query_size, (void *)bad_addresses[i].address, 1),
			 -XEN_EFAULT, bad_addresses[i].name);

	memset(frames, 0, sizeof(frames));
	setup = (struct gnttab_setup_table){
		.dom = DOMID_SELF, .nr_frames = TABLE_FRAMES, .status = 99};
	set_xen_guest_handle(setup.frame_list, frames);
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "setup_table(4 frames)");
	CHECK_EQ(setup.status, GNTST_okay, "status okay");
	printf("grant table frames: %#lx %#lx %#lx %#lx\n", frames[0], frames[1], frames[2],
	       frames[3]);
	bool distinct = frames[0] && frames[1] && frames[2] && frames[3] && !frames[4];
	for (unsigned int i = 0; i < TABLE_FRAMES; i++)
		for (unsigned int j = i + 1; j < TABLE_FRAMES; j++)
			distinct = distinct && frames[i] != frames[j];
	CHECK(distinct, "four distinct frames, and nothing written past them");
	query = (struct gnttab_query_size){.dom = DOMID_SELF};
	gnttab(GNTTABOP_query_size, &query, 1);
	CHECK_EQ(query.nr_frames, TABLE_FRAMES, "query_size now says 4");

	/* The frames are ours, shared writable: map the first where scratch page 7 was. */
	CHECK_EQ(map_page(page(7), frames[0], PTE_RW), 0, "we may map a table frame writable");
	table = (volatile struct grant_entry_v1 *)page(7);
	CHECK_EQ(table[8].flags | table[8].domid | table[8].frame, 0, "and it starts empty");
	unsigned long first = frames[0];

	/* Asking again, smaller, keeps the table and gives the same frames. */
	memset(frames, 0, sizeof(frames));
	setup = (struct gnttab_setup_table){.dom = SELF, .nr_frames = 2};
	set_xen_guest_handle(setup.frame_list, frames);
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "setup_table(2 frames), our own id");
	CHECK_EQ(setup.status, GNTST_okay, "status okay");
	CHECK_EQ(frames[0], first, "the same first frame");
	CHECK_EQ(frames[2], 0, "only 2 frames listed");
	gnttab(GNTTABOP_query_size, &query, 1);
	CHECK_EQ(query.nr_frames, TABLE_FRAMES, "a table never shrinks");

	setup = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 0};
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "setup_table(0 frames)");
	CHECK_EQ(setup.status, GNTST_okay, "is fine");

	test_section("setup_table: errors");
	setup = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 65};
	set_xen_guest_handle(setup.frame_list, frames);
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "65 frames: the hypercall is fine");
	CHECK_EQ(setup.status, GNTST_general_error, "the status is GNTST_general_error");
	setup = (struct gnttab_setup_table){.dom = NO_DOMAIN, .nr_frames = 1};
	set_xen_guest_handle(setup.frame_list, frames);
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "a missing domain");
	CHECK_EQ(setup.status, GNTST_bad_domain, "is GNTST_bad_domain");
	setup = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 1};
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 2), -XEN_EINVAL, "count 2 is -EINVAL");
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 0), -XEN_EINVAL, "count 0 is -EINVAL");
	set_xen_guest_handle(setup.frame_list, (xen_pfn_t *)0x1000);
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "an unmapped frame list");
	CHECK_EQ(setup.status, GNTST_bad_virt_addr, "is GNTST_bad_virt_addr in the status");
	set_xen_guest_handle(setup.frame_list, (xen_pfn_t *)read_only_page());
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), 0, "a read-only frame list");
	CHECK_EQ(setup.status, GNTST_bad_virt_addr, "is GNTST_bad_virt_addr too");
	set_xen_guest_handle(setup.frame_list, (xen_pfn_t *)0xffff830000000000UL);
	CHECK_EQ(gnttab(GNTTABOP_setup_table, &setup, 1), -XEN_EFAULT,
		 "a frame list in the hypervisor's range is -EFAULT before anything");
	for (unsigned int i = 0; i < nr_bad_addresses; i++)
		CHECK_EQ(gnttab(GNTTABOP_setup_table, (void *)bad_addresses[i].address, 1),
			 -XEN_EFAULT, bad_addresses[i].name);
	struct gnttab_setup_table *ro = (struct gnttab_setup_table *)read_only_page();
	CHECK_EQ(gnttab(GNTTABOP_setup_table, ro, 1), -XEN_EFAULT,
		 "a request in a read-only page: its status cannot be written, -EFAULT");
}

static void check_versions(void)
{
	struct gnttab_get_version get = {.dom = DOMID_SELF, .version = 99};
	struct gnttab_set_version set = {.version = 1};

	test_section("get_version and set_version");
	CHECK_EQ(gnttab(GNTTABOP_get_version, &get, 1), 0, "get_version(DOMID_SELF)");
	CHECK_EQ(get.version, 1, "is version 1");
	get = (struct gnttab_get_version){.dom = SELF, .version = 99};
	CHECK_EQ(gnttab(GNTTABOP_get_version, &get, 1), 0, "get_version by our own id");
	CHECK_EQ(get.version, 1, "is version 1");
	get = (struct gnttab_get_version){.dom = NO_DOMAIN};
	CHECK_EQ(gnttab(GNTTABOP_get_version, &get, 1), -XEN_ESRCH,
		 "get_version of a missing domain is -ESRCH (not a status)");
	CHECK_EQ(gnttab(GNTTABOP_get_version, (void *)0x1000, 1), -XEN_EFAULT,
		 "get_version with a bad pointer is -EFAULT");

	CHECK_EQ(gnttab(GNTTABOP_set_version, &set, 1), 0, "set_version(1) is a no-op");
	CHECK_EQ(set.version, 1, "and reports 1");
	set.version = 2;
	CHECK_EQ(gnttab(GNTTABOP_set_version, &set, 1), -XEN_ENOSYS,
		 "set_version(2) with version 2 disabled (gnttab=max-ver:1) is -ENOSYS");
	CHECK_EQ(set.version, 1, "and writes back the version in force, 1");
	set.version = 3;
	CHECK_EQ(gnttab(GNTTABOP_set_version, &set, 1), -XEN_EINVAL, "set_version(3) is -EINVAL");
	CHECK_EQ(set.version, 1, "and writes back 1");
	set.version = 0;
	CHECK_EQ(gnttab(GNTTABOP_set_version, &set, 1), -XEN_EINVAL, "set_version(0) is -EINVAL");
	CHECK_EQ(gnttab(GNTTABOP_set_version, (void *)0x1000, 1), -XEN_EFAULT,
		 "set_version with a bad pointer is -EFAULT");
	CHECK_EQ(gnttab(GNTTABOP_set_version, read_only_page(), 1), -XEN_EFAULT,
		 "set_version in a read-only page is -EFAULT (the answer cannot be written)");

	struct gnttab_get_status_frames status = {.nr_frames = 1, .dom = DOMID_SELF};
	uint64_t frame = 0;
	set_xen_guest_handle(status.frame_list, &frame);
	CHECK_EQ(gnttab(GNTTABOP_get_status_frames, &status, 1), 0,
		 "get_status_frames in version 1");
	CHECK_EQ(status.status, GNTST_general_error, "is GNTST_general_error: there are none");
	CHECK_EQ(gnttab(GNTTABOP_get_status_frames, &status, 2), -XEN_EINVAL,
		 "get_status_frames with count 2 is -EINVAL");
}

static void check_op_errors(void)
{
	struct gnttab_map_grant_ref op;

	test_section("grant_table_op: commands and counts");
	CHECK_EQ(gnttab(13, &op, 1), -XEN_ENOSYS, "an unknown command is -ENOSYS");
	CHECK_EQ(gnttab(GNTTABOP_dump_table, &op, 1), -XEN_ENOSYS, "dump_table is gone (-ENOSYS)");
	CHECK_EQ(gnttab(GNTTABOP_map_grant_ref | (1u << 12), &op, 1), -XEN_EINVAL,
		 "bits above the command (continuation state) are -EINVAL");
	CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, &op, 0x80000000u), -XEN_EINVAL,
		 "a count that is negative as an int is -EINVAL");
	CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, NULL, 0), 0, "count 0 does nothing, 0");
	CHECK_EQ(hypercall(__HYPERVISOR_grant_table_op, 0x100000000ul | GNTTABOP_query_size,
			   (unsigned long)&(struct gnttab_query_size){.dom = DOMID_SELF}, 1, 0, 0),
		 0, "the command is 32 bits: bit 32 is ignored");
}

static void check_map_by_va(void)
{
	struct gnttab_map_grant_ref op;
	uint8_t *data = page(0), *where = page(2);
	uint64_t value;

	test_section("map_grant_ref by virtual address");
	memset(data, 0x5a, PAGE_SIZE);
	strlcpy((char *)data, "granted page zero", PAGE_SIZE);
	grant(8, SELF, mfn_of(data), GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 8, SELF), GNTST_okay,
		 "map ref 8 (our page 0) at page 2's address");
	printf("handle %u, dev_bus_addr %#lx, pte %#lx\n", op.handle, op.dev_bus_addr,
	       pte_of(where));
	CHECK_EQ(op.dev_bus_addr, mfn_of(data) << PAGE_SHIFT,
		 "dev_bus_addr is the frame's machine address");
	CHECK_EQ(pte_of(where) & (PTE_ADDRESS_MASK | _PAGE_PRESENT | _PAGE_RW),
		 (mfn_of(data) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW,
		 "the PTE maps the granted frame, writable");
	CHECK_EQ(pte_of(where) & (_PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER | 1ul << 52),
		 _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER | 1ul << 52,
		 "accessed, dirty, and a guest-kernel mapping (user bit and bit 52)");
	CHECK(strcmp((char *)where, "granted page zero") == 0, "the data reads through it");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing,
		 "the entry shows GTF_reading and GTF_writing while mapped writable");
	where[100] = 0x77;
	CHECK_EQ(data[100], 0x77, "a write through the mapping lands in the granted page");

	grant_handle_t handle = op.handle;
	CHECK_EQ(unmap((unsigned long)where, handle), GNTST_okay, "unmap it");
	CHECK_EQ(flags_of(8), GTF_permit_access, "GTF_reading and GTF_writing are cleared");
	CHECK_EQ(pte_of(where), 0, "the PTE is cleared");
	CHECK_EQ(probe_read(where, &value), TRAP_page_fault + 1, "the address no longer maps");
	CHECK_EQ(unmap((unsigned long)where, handle), GNTST_bad_handle,
		 "unmapping the same handle again is GNTST_bad_handle");
	CHECK_EQ(unmap((unsigned long)where, 0xffffffffu), GNTST_bad_handle,
		 "a handle never given is GNTST_bad_handle");
	CHECK_EQ(unmap((unsigned long)where, 100000), GNTST_bad_handle,
		 "a handle past the maptrack table is GNTST_bad_handle");
	restore(2);

	test_section("map_grant_ref: read-only, twice, and the pin counts");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map | GNTMAP_readonly, 8, SELF),
		 GNTST_okay, "map ref 8 read-only");
	grant_handle_t read_handle = op.handle;
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading, "only GTF_reading is set");
	CHECK_EQ(pte_of(where) & (_PAGE_PRESENT | _PAGE_RW), _PAGE_PRESENT, "the PTE is read-only");
	CHECK_EQ(probe_read(where, &value), 0, "reads work");
	CHECK_EQ(probe_write(where, 1), TRAP_page_fault + 1, "writes fault");
	CHECK_EQ(map(&op, (unsigned long)page(3), GNTMAP_host_map, 8, SELF), GNTST_okay,
		 "map it a second time, writable, at page 3");
	grant_handle_t write_handle = op.handle;
	CHECK(write_handle != read_handle, "a second handle");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing,
		 "now GTF_writing is set too");
	CHECK_EQ(unmap((unsigned long)page(3), write_handle), GNTST_okay, "unmap the writable one");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading,
		 "GTF_writing goes, GTF_reading stays for the read-only mapping");
	CHECK_EQ(unmap((unsigned long)where, read_handle), GNTST_okay, "unmap the read-only one");
	CHECK_EQ(flags_of(8), GTF_permit_access, "both bits are clear");
	restore(2);
	restore(3);

	test_section("map_grant_ref: host_addr 0 in the unmap, and device mappings");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 8, SELF), GNTST_okay,
		 "map ref 8 at page 2");
	struct gnttab_unmap_grant_ref partial = {.handle = op.handle};
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &partial, 1), 0, "unmap with host_addr 0");
	CHECK_EQ(partial.status, GNTST_okay, "is GNTST_okay: it asks to remove nothing");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing, "the grant is in use");
	CHECK_EQ(pte_of(where) & PTE_ADDRESS_MASK, mfn_of(data) << PAGE_SHIFT, "still mapped");
	CHECK_EQ(unmap((unsigned long)where, op.handle), GNTST_okay, "a real unmap");
	CHECK_EQ(flags_of(8), GTF_permit_access, "idle");
	restore(2);
	CHECK_EQ(map(&op, 0, GNTMAP_device_map, 8, SELF), GNTST_okay,
		 "GNTMAP_device_map alone (for DMA, no PTE)");
	CHECK_EQ(op.dev_bus_addr, mfn_of(data) << PAGE_SHIFT, "gives the bus address");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_reading | GTF_writing, "the grant is in use");
	partial = (struct gnttab_unmap_grant_ref){.dev_bus_addr = op.dev_bus_addr + PAGE_SIZE,
						  .handle = op.handle};
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &partial, 1), 0, "unmap the wrong bus address");
	CHECK_EQ(partial.status, GNTST_bad_dev_addr, "is GNTST_bad_dev_addr");
	partial.dev_bus_addr = op.dev_bus_addr;
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &partial, 1), 0, "unmap the right one");
	CHECK_EQ(partial.status, GNTST_okay, "works");
	CHECK_EQ(flags_of(8), GTF_permit_access, "idle");
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &partial, 1), 0, "again");
	CHECK_EQ(partial.status, GNTST_bad_handle, "is GNTST_bad_handle");

	test_section("map_grant_ref: guest-available PTE bits (XENFEAT_gnttab_map_avail_bits)");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map | 5u << _GNTMAP_guest_avail0, 8,
		     SELF),
		 GNTST_okay, "map with guest-available bits 5");
	CHECK_EQ((pte_of(where) >> 9) & 7, 5, "the PTE carries them in bits 9-11");
	CHECK_EQ(unmap((unsigned long)where, op.handle), GNTST_okay, "unmap");
	restore(2);
}

static void check_map_by_pte(void)
{
	struct gnttab_map_grant_ref op;
	uint8_t *data = page(1), *where = page(2);
	uint64_t pte_address = l1_entry_address((unsigned long)where), value;

	test_section("map_grant_ref by PTE address (GNTMAP_contains_pte)");
	memset(data, 0, PAGE_SIZE);
	strlcpy((char *)data, "granted page one", PAGE_SIZE);
	grant(9, SELF, mfn_of(data), GTF_permit_access);
	CHECK_EQ(map(&op, pte_address, GNTMAP_host_map | GNTMAP_contains_pte, 9, SELF), GNTST_okay,
		 "map ref 9 through the machine address of page 2's PTE");
	CHECK_EQ(pte_of(where) & (PTE_ADDRESS_MASK | _PAGE_PRESENT | _PAGE_RW),
		 (mfn_of(data) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW, "the PTE is written");
	/* The hypervisor changed a PTE we still have cached in the TLB: flush it. */
	HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL,
						 .arg1.linear_addr = (unsigned long)where},
			     1, NULL, DOMID_SELF);
	CHECK(strcmp((char *)where, "granted page one") == 0, "the data reads through it");
	CHECK_EQ(flags_of(9), GTF_permit_access | GTF_reading | GTF_writing,
		 "GTF_reading and GTF_writing are set");
	CHECK_EQ(unmap(pte_address, op.handle), GNTST_okay, "unmap by the PTE address");
	CHECK_EQ(flags_of(9), GTF_permit_access, "the bits are clear again");
	CHECK_EQ(pte_of(where), 0, "the PTE is cleared");
	CHECK_EQ(probe_read(where, &value), TRAP_page_fault + 1, "and the address faults");
	restore(2);

	CHECK_EQ(map(&op, pte_address, GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly, 9,
		     SELF),
		 GNTST_okay, "map read-only by PTE address");
	HYPERVISOR_mmuext_op(&(struct mmuext_op){.cmd = MMUEXT_INVLPG_LOCAL,
						 .arg1.linear_addr = (unsigned long)where},
			     1, NULL, DOMID_SELF);
	CHECK_EQ(flags_of(9), GTF_permit_access | GTF_reading, "only GTF_reading");
	CHECK_EQ(probe_write(where, 1), TRAP_page_fault + 1, "writes fault");
	CHECK_EQ(unmap(pte_address + 8, op.handle), GNTST_general_error,
		 "unmap naming a PTE that does not map the frame is GNTST_general_error");
	CHECK_EQ(flags_of(9), GTF_permit_access | GTF_reading, "and the mapping stays");
	CHECK_EQ(unmap(pte_address, op.handle), GNTST_okay, "the right PTE unmaps it");
	restore(2);

	test_section("map_grant_ref: bad host addresses");
	CHECK_EQ(map(&op, pte_address + 4, GNTMAP_host_map | GNTMAP_contains_pte, 9, SELF),
		 GNTST_general_error, "a misaligned PTE address is GNTST_general_error");
	CHECK_EQ(map(&op, mfn_of(page(4)) << PAGE_SHIFT, GNTMAP_host_map | GNTMAP_contains_pte, 9,
		     SELF),
		 GNTST_general_error, "a PTE address in a frame that is no L1 table");
	CHECK_EQ(map(&op, 0x1000, GNTMAP_host_map, 9, SELF), GNTST_general_error,
		 "a virtual address with no L1 table under it");
	CHECK_EQ(map(&op, 0xffff830000000000ul, GNTMAP_host_map, 9, SELF), GNTST_general_error,
		 "a virtual address in the hypervisor's range");
	CHECK_EQ(map(&op, not_ours << PAGE_SHIFT, GNTMAP_host_map | GNTMAP_contains_pte, 9, SELF),
		 GNTST_general_error, "a PTE address in a frame that is not ours");
	CHECK_EQ(flags_of(9), GTF_permit_access, "each failure leaves the entry's bits clear");
	CHECK_EQ(pte_of(where) & PTE_ADDRESS_MASK, mfn_of(where) << PAGE_SHIFT,
		 "and page 2 as it was");
}

static void check_map_refusals(void)
{
	struct gnttab_map_grant_ref op;
	uint8_t *data = page(0), *where = page(2);
	uint64_t before = pte_of(where);

	test_section("map_grant_ref: refusals");
	grant(10, SELF, mfn_of(data), GTF_permit_access | GTF_readonly);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, SELF), GNTST_general_error,
		 "a read-only grant mapped writable is GNTST_general_error");
	CHECK_EQ(op.handle, 0xdeadbeef, "no handle is written on failure");
	CHECK_EQ(flags_of(10), GTF_permit_access | GTF_readonly, "the entry is unchanged");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map | GNTMAP_readonly, 10, SELF),
		 GNTST_okay, "mapped read-only it works");
	CHECK_EQ(unmap((unsigned long)where, op.handle), GNTST_okay, "unmap");
	restore(2);

	grant(10, SELF, mfn_of(data), GTF_invalid);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, SELF), GNTST_general_error,
		 "an entry without GTF_permit_access is GNTST_general_error");
	grant(10, SELF, mfn_of(data), GTF_accept_transfer);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, SELF), GNTST_general_error,
		 "a transfer entry is GNTST_general_error");
	grant(10, SELF, mfn_of(data), GTF_permit_access | GTF_sub_page);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, SELF), GNTST_general_error,
		 "GTF_sub_page (bit 8) set is GNTST_general_error for a mapping");
	grant(10, 5, mfn_of(data), GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, SELF), GNTST_general_error,
		 "an entry granting another domain is GNTST_general_error");
	grant(10, DOMID_SELF, mfn_of(data), GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, SELF), GNTST_general_error,
		 "an entry naming DOMID_SELF, not our id, is GNTST_general_error");
	CHECK_EQ(flags_of(10), GTF_permit_access, "failed attempts set no bits");

	grant(10, SELF, mfn_of(data), GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, DOMID_SELF), GNTST_bad_domain,
		 "map_grant_ref naming DOMID_SELF is GNTST_bad_domain");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 10, NO_DOMAIN), GNTST_bad_domain,
		 "a missing domain is GNTST_bad_domain");
	CHECK_EQ(map(&op, (unsigned long)where, 0, 10, SELF), GNTST_bad_gntref,
		 "neither host_map nor device_map is GNTST_bad_gntref");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, TABLE_FRAMES * ENTRIES_PER_FRAME,
		     SELF),
		 GNTST_bad_gntref, "the first ref past the table is GNTST_bad_gntref");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 0xffffffffu, SELF),
		 GNTST_bad_gntref, "ref 0xffffffff is GNTST_bad_gntref");
	grant(11, SELF, not_ours, GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 11, SELF), GNTST_bad_page,
		 "granting a frame we do not own is GNTST_bad_page");
	CHECK_EQ(flags_of(11), GTF_permit_access, "and the bits are cleared again");
	grant(11, SELF, l4_mfn, GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 11, SELF), GNTST_general_error,
		 "our L4 page table mapped writable is GNTST_general_error");
	CHECK_EQ(flags_of(11), GTF_permit_access, "and the bits are cleared again");
	CHECK_EQ(pte_of(where), before, "no refusal touched page 2's PTE");
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map | GNTMAP_readonly, 11, SELF),
		 GNTST_okay, "mapped read-only it works");
	CHECK_EQ(((uint64_t *)where)[511], ((uint64_t *)si->pt_base)[511], "and shows our L4");
	CHECK_EQ(unmap((unsigned long)where, op.handle), GNTST_okay, "unmap");
	restore(2);

	test_section("map_grant_ref: batches and bad arrays");
	struct gnttab_map_grant_ref ops[3] = {
		{.host_addr = (unsigned long)page(2),
		 .flags = GNTMAP_host_map,
		 .ref = 8,
		 .dom = SELF},
		{.host_addr = (unsigned long)page(3),
		 .flags = GNTMAP_host_map,
		 .ref = 99999,
		 .dom = SELF},
		{.host_addr = (unsigned long)page(3),
		 .flags = GNTMAP_host_map | GNTMAP_readonly,
		 .ref = 9,
		 .dom = SELF},
	};
	CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, ops, 3), 0, "a batch of three");
	CHECK_EQ(ops[0].status, GNTST_okay, "the first maps");
	CHECK_EQ(ops[1].status, GNTST_bad_gntref, "the second has a bad ref");
	CHECK_EQ(ops[2].status, GNTST_okay, "the third maps");
	struct gnttab_unmap_grant_ref unmaps[3] = {
		{.host_addr = (unsigned long)page(2), .handle = ops[0].handle},
		{.host_addr = (unsigned long)page(3), .handle = 0xfffffff0u},
		{.host_addr = (unsigned long)page(3), .handle = ops[2].handle},
	};
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, unmaps, 3), 0, "unmap them in one batch");
	CHECK_EQ(unmaps[0].status, GNTST_okay, "the first unmaps");
	CHECK_EQ(unmaps[1].status, GNTST_bad_handle, "the second is a bad handle");
	CHECK_EQ(unmaps[2].status, GNTST_okay, "the third unmaps");
	CHECK_EQ(flags_of(8) | flags_of(9), GTF_permit_access, "both entries are idle");
	restore(2);
	restore(3);

	for (unsigned int i = 0; i < nr_bad_addresses; i++) {
		CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, (void *)bad_addresses[i].address, 1),
			 -XEN_EFAULT, bad_addresses[i].name);
		CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, (void *)bad_addresses[i].address, 1),
			 -XEN_EFAULT, bad_addresses[i].name);
		CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, (void *)bad_addresses[i].address, 1),
			 -XEN_EFAULT, bad_addresses[i].name);
		CHECK_EQ(gnttab(GNTTABOP_copy, (void *)bad_addresses[i].address, 1), -XEN_EFAULT,
			 bad_addresses[i].name);
	}
	struct gnttab_map_grant_ref *ro_map = read_only_page();
	CHECK_EQ(gnttab(GNTTABOP_map_grant_ref, ro_map, 1), -XEN_EFAULT,
		 "a map request in a read-only page: the result cannot be written, -EFAULT");
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, ro_map, 1), -XEN_EFAULT,
		 "an unmap request in a read-only page is -EFAULT");
	CHECK_EQ(pte_of(where), before, "page 2 is as it was");
}

/* A mapped frame holds a reference of its type: a writable mapping keeps it from becoming a
 * page table, even when no other writable mapping of it is left. */
static void check_references(void)
{
	struct gnttab_map_grant_ref op;
	uint8_t *frame = page(6);
	struct mmuext_op pin = {.cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = mfn_of(frame)};
	struct mmuext_op unpin = {.cmd = MMUEXT_UNPIN_TABLE, .arg1.mfn = mfn_of(frame)};

	test_section("references: a mapped frame keeps its type");
	memset(frame, 0, PAGE_SIZE);
	CHECK_EQ(map_page(frame, mfn_of(frame), PTE_RO), 0, "page 6 mapped read-only only");
	grant(12, SELF, mfn_of(frame), GTF_permit_access);
	CHECK_EQ(map(&op, (unsigned long)page(2), GNTMAP_host_map, 12, SELF), GNTST_okay,
		 "map it writable through a grant");
	CHECK_EQ(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), -XEN_EINVAL,
		 "it cannot be pinned as an L1 table while grant-mapped writable");
	CHECK_EQ(unmap((unsigned long)page(2), op.handle), GNTST_okay, "unmap it");
	restore(2);
	CHECK_EQ(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), 0, "now it can be pinned");
	CHECK_EQ(map(&op, (unsigned long)page(2), GNTMAP_host_map, 12, SELF), GNTST_general_error,
		 "and while it is a page table a writable grant mapping is GNTST_general_error");
	CHECK_EQ(flags_of(12), GTF_permit_access, "leaving no bits set");
	CHECK_EQ(map(&op, (unsigned long)page(2), GNTMAP_host_map | GNTMAP_readonly, 12, SELF),
		 GNTST_okay, "a read-only one is fine");
	CHECK_EQ(unmap((unsigned long)page(2), op.handle), GNTST_okay, "unmap it");
	restore(2);
	CHECK_EQ(HYPERVISOR_mmuext_op(&unpin, 1, NULL, DOMID_SELF), 0, "unpin");
	CHECK_EQ(map_page(frame, mfn_of(frame), PTE_RW), 0, "and page 6 is writable again");

	/*
	 * The PTE holds the mapping's references: a guest that overwrites it gives them back
	 * (an "implicit unmap", which Xen's release builds allow). The grant stays pinned, and
	 * the handle can no longer unmap anything. Ref 12 is not used again.
	 */
	test_section("references: an implicit unmap");
	CHECK_EQ(map_page(frame, mfn_of(frame), PTE_RO), 0, "page 6 mapped read-only only");
	CHECK_EQ(map(&op, (unsigned long)page(2), GNTMAP_host_map, 12, SELF), GNTST_okay,
		 "map it writable through a grant");
	CHECK_EQ(map_page(page(2), mfn_of(page(2)), PTE_RW), 0,
		 "overwrite the grant's PTE with update_va_mapping");
	CHECK_EQ(flags_of(12), GTF_permit_access | GTF_reading | GTF_writing,
		 "the grant stays pinned");
	CHECK_EQ(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), 0,
		 "the writable reference went with the PTE: page 6 can become an L1 table");
	CHECK_EQ(HYPERVISOR_mmuext_op(&unpin, 1, NULL, DOMID_SELF), 0, "unpin");
	CHECK_EQ(unmap((unsigned long)page(2), op.handle), GNTST_general_error,
		 "unmapping the handle finds no grant PTE: GNTST_general_error");
	CHECK_EQ(flags_of(12), GTF_permit_access | GTF_reading | GTF_writing,
		 "and the grant stays pinned");
	CHECK_EQ(map_page(frame, mfn_of(frame), PTE_RW), 0, "page 6 is writable again");
}

static void check_unmap_and_replace(void)
{
	struct gnttab_map_grant_ref op;
	uint8_t *where = page(2), *other = page(3);
	struct gnttab_unmap_and_replace replace;
	uint64_t value;

	test_section("unmap_and_replace");
	memset(other, 0, PAGE_SIZE);
	strlcpy((char *)other, "page three", PAGE_SIZE);
	CHECK_EQ(map(&op, (unsigned long)where, GNTMAP_host_map, 8, SELF), GNTST_okay,
		 "map ref 8 at page 2");
	replace = (struct gnttab_unmap_and_replace){.host_addr = (unsigned long)where,
						    .new_addr = (unsigned long)other,
						    .handle = op.handle};
	CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &replace, 1), 0, "replace it by page 3's");
	CHECK_EQ(replace.status, GNTST_okay, "status okay");
	CHECK_EQ(pte_of(where) & PTE_ADDRESS_MASK, mfn_of(other) << PAGE_SHIFT,
		 "page 2's address now maps page 3's frame");
	CHECK_EQ(pte_of(other), 0, "and page 3's address maps nothing");
	CHECK(strcmp((char *)where, "page three") == 0, "the data shows it");
	CHECK_EQ(probe_read(other, &value), TRAP_page_fault + 1, "page 3's address faults");
	CHECK_EQ(flags_of(8), GTF_permit_access, "the grant is idle");
	CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &replace, 1), 0, "again");
	CHECK_EQ(replace.status, GNTST_bad_handle, "is GNTST_bad_handle");
	restore(2);
	restore(3);

	uint64_t pte_address = l1_entry_address((unsigned long)where);
	CHECK_EQ(map(&op, pte_address, GNTMAP_host_map | GNTMAP_contains_pte, 8, SELF), GNTST_okay,
		 "map by PTE address");
	replace = (struct gnttab_unmap_and_replace){
		.host_addr = pte_address, .new_addr = (unsigned long)other, .handle = op.handle};
	CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &replace, 1), 0,
		 "replace a mapping made by PTE address");
	CHECK_EQ(replace.status, GNTST_general_error, "is GNTST_general_error (not supported)");
	CHECK_EQ(pte_of(other) & PTE_ADDRESS_MASK, mfn_of(other) << PAGE_SHIFT,
		 "page 3 is left alone");
	replace.new_addr = 0;
	CHECK_EQ(gnttab(GNTTABOP_unmap_and_replace, &replace, 1), 0, "with new_addr 0");
	CHECK_EQ(replace.status, GNTST_okay, "it is a plain unmap");
	CHECK_EQ(flags_of(8), GTF_permit_access, "the grant is idle");
	restore(2);
}

static int16_t copy_one(struct gnttab_copy *op)
{
	op->status = 99;
	long rc = gnttab(GNTTABOP_copy, op, 1);
	if (rc != 0)
		guest_crash("copy: the hypercall failed: %ld", rc);
	return op->status;
}

static void check_copy(void)
{
	uint8_t *source = page(0), *dest = page(4), *dest2 = page(5);
	struct gnttab_copy op;

	test_section("copy");
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		source[i] = (uint8_t)(i * 7);
	memset(dest, 0, PAGE_SIZE);
	memset(dest2, 0, PAGE_SIZE);
	grant(8, SELF, mfn_of(source), GTF_permit_access | GTF_readonly);
	grant(13, SELF, mfn_of(dest), GTF_permit_access);

	op = (struct gnttab_copy){.source = {.u.ref = 8, .domid = SELF, .offset = 100},
				  .dest = {.u.ref = 13, .domid = DOMID_SELF, .offset = 2000},
				  .len = 1000,
				  .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref};
	CHECK_EQ(copy_one(&op), GNTST_okay, "gref to gref, 1000 bytes (source read-only grant)");
	CHECK(memcmp(dest + 2000, source + 100, 1000) == 0, "the bytes arrived");
	CHECK(dest[1999] == 0 && dest[3000] == 0, "and nothing around them");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_readonly, "the source grant is idle after");
	CHECK_EQ(flags_of(13), GTF_permit_access, "and so is the destination");

	op = (struct gnttab_copy){.source = {.u.ref = 8, .domid = DOMID_SELF},
				  .dest = {.u.gmfn = mfn_of(dest2), .domid = DOMID_SELF},
				  .len = PAGE_SIZE,
				  .flags = GNTCOPY_source_gref};
	CHECK_EQ(copy_one(&op), GNTST_okay, "gref to our own frame, a whole page");
	CHECK(memcmp(dest2, source, PAGE_SIZE) == 0, "the page arrived");
	memset(dest2, 0, PAGE_SIZE);
	op = (struct gnttab_copy){.source = {.u.gmfn = mfn_of(source), .domid = DOMID_SELF},
				  .dest = {.u.ref = 13, .domid = SELF, .offset = 4000},
				  .len = 96,
				  .flags = GNTCOPY_dest_gref};
	CHECK_EQ(copy_one(&op), GNTST_okay, "own frame to gref, up to the page's end");
	CHECK(memcmp(dest + 4000, source, 96) == 0, "the bytes arrived");
	op.len = 0;
	CHECK_EQ(copy_one(&op), GNTST_okay, "a copy of 0 bytes is fine");
	memset(dest2, 0, PAGE_SIZE);
	op = (struct gnttab_copy){
		.source = {.u.ref = 8, .domid = DOMID_SELF, .offset = 3},
		.dest = {.u.gmfn = mfn_of(dest2), .domid = DOMID_SELF, .offset = 7},
		.len = 1001,
		.flags = GNTCOPY_source_gref};
	CHECK_EQ(copy_one(&op), GNTST_okay, "1001 bytes between odd offsets");
	CHECK(memcmp(dest2 + 7, source + 3, 1001) == 0 && dest2[6] == 0 && dest2[1008] == 0,
	      "arrive exactly");

	test_section("copy: refusals");
	op = (struct gnttab_copy){.source = {.u.ref = 8, .domid = DOMID_SELF, .offset = 4000},
				  .dest = {.u.ref = 13, .domid = DOMID_SELF},
				  .len = 97,
				  .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref};
	CHECK_EQ(copy_one(&op), GNTST_bad_copy_arg, "a source past the page's end");
	op.source.offset = 0;
	op.dest.offset = 4095;
	op.len = 2;
	CHECK_EQ(copy_one(&op), GNTST_bad_copy_arg, "a destination past the page's end");
	op.dest.offset = 0;
	op.len = 4097;
	CHECK_EQ(copy_one(&op), GNTST_bad_copy_arg, "a length over a page");
	op.len = 10;
	op.dest.offset = 0xffff;
	CHECK_EQ(copy_one(&op), GNTST_bad_copy_arg, "offset 0xffff");
	CHECK_EQ(flags_of(8) | flags_of(13), GTF_permit_access | GTF_readonly,
		 "failed copies leave both grants idle");
	op.dest.offset = 0;
	op.source.u.ref = 8;
	op.dest.u.ref = 8;
	CHECK_EQ(copy_one(&op), GNTST_general_error,
		 "a read-only grant as destination is GNTST_general_error");
	op.dest.u.ref = 13;
	op.source.u.ref = TABLE_FRAMES * ENTRIES_PER_FRAME;
	CHECK_EQ(copy_one(&op), GNTST_bad_gntref, "a source ref past the table");
	op.source.u.ref = 8;
	op.dest.u.ref = 0xffffffffu;
	CHECK_EQ(copy_one(&op), GNTST_bad_gntref, "a destination ref past the table");
	op.dest.u.ref = 13;
	op.source.domid = NO_DOMAIN;
	CHECK_EQ(copy_one(&op), GNTST_bad_domain, "a missing source domain");
	op.source.domid = SELF;
	op.dest.domid = NO_DOMAIN;
	CHECK_EQ(copy_one(&op), GNTST_bad_domain, "a missing destination domain");
	op.dest.domid = SELF;
	grant(14, 5, mfn_of(source), GTF_permit_access);
	op.source.u.ref = 14;
	CHECK_EQ(copy_one(&op), GNTST_general_error, "a grant for another domain");
	grant(14, SELF, mfn_of(source), GTF_invalid);
	CHECK_EQ(copy_one(&op), GNTST_general_error, "an entry without GTF_permit_access");
	grant(14, SELF, not_ours, GTF_permit_access);
	CHECK_EQ(copy_one(&op), GNTST_bad_page, "a grant of a frame we do not own");
	CHECK_EQ(flags_of(14), GTF_permit_access, "leaves the bits clear");

	op = (struct gnttab_copy){.source = {.u.gmfn = mfn_of(source), .domid = SELF},
				  .dest = {.u.gmfn = mfn_of(dest2), .domid = DOMID_SELF},
				  .len = 8};
	CHECK_EQ(copy_one(&op), GNTST_permission_denied,
		 "a frame named by our own id (not DOMID_SELF) is GNTST_permission_denied");
	op.source.domid = DOMID_SELF;
	op.dest.domid = NO_DOMAIN;
	CHECK_EQ(copy_one(&op), GNTST_bad_domain,
		 "a frame of a missing domain: the domain is looked up first, GNTST_bad_domain");
	op.dest.domid = DOMID_SELF;
	op.source.u.gmfn = not_ours;
	CHECK_EQ(copy_one(&op), GNTST_bad_page, "a source frame we do not own is GNTST_bad_page");
	op.source.u.gmfn = mfn_of(source);
	op.dest.u.gmfn = l4_mfn;
	CHECK_EQ(copy_one(&op), GNTST_general_error,
		 "a destination that is a page table is GNTST_general_error");
	op.dest.u.gmfn = 1ul << 40;
	CHECK_EQ(copy_one(&op), GNTST_bad_page, "a destination frame past memory");

	test_section("copy: batches");
	memset(dest2, 0, PAGE_SIZE);
	struct gnttab_copy ops[3] = {
		{.source = {.u.ref = 8, .domid = DOMID_SELF},
		 .dest = {.u.gmfn = mfn_of(dest2), .domid = DOMID_SELF},
		 .len = 16,
		 .flags = GNTCOPY_source_gref},
		{.source = {.u.ref = 8, .domid = DOMID_SELF, .offset = 4090},
		 .dest = {.u.gmfn = mfn_of(dest2), .domid = DOMID_SELF},
		 .len = 16,
		 .flags = GNTCOPY_source_gref},
		{.source = {.u.ref = 8, .domid = DOMID_SELF, .offset = 16},
		 .dest = {.u.gmfn = mfn_of(dest2), .domid = DOMID_SELF, .offset = 16},
		 .len = 16,
		 .flags = GNTCOPY_source_gref},
	};
	ops[0].status = ops[1].status = ops[2].status = 99;
	CHECK_EQ(gnttab(GNTTABOP_copy, ops, 3), 0, "a batch of three copies");
	CHECK_EQ(ops[0].status, GNTST_okay, "the first copies");
	CHECK_EQ(ops[1].status, GNTST_bad_copy_arg, "the second crosses the page's end");
	CHECK_EQ(ops[2].status, GNTST_okay, "the third copies");
	CHECK(memcmp(dest2, source, 32) == 0, "bytes 0-31 arrived");
	CHECK_EQ(gnttab(GNTTABOP_copy, read_only_page(), 1), -XEN_EFAULT,
		 "a copy request in a read-only page is -EFAULT");
	CHECK_EQ(flags_of(8), GTF_permit_access | GTF_readonly, "the source grant is idle");
}

static void check_swap(void)
{
	struct gnttab_map_grant_ref op;
	struct gnttab_swap_grant_ref swap = {.ref_a = 20, .ref_b = 21};

	test_section("swap_grant_ref");
	grant(20, SELF, mfn_of(page(0)), GTF_permit_access);
	grant(21, 5, mfn_of(page(1)), GTF_permit_access | GTF_readonly);
	CHECK_EQ(gnttab(GNTTABOP_swap_grant_ref, &swap, 1), 0, "swap refs 20 and 21");
	CHECK_EQ(swap.status, GNTST_okay, "status okay");
	CHECK(table[20].domid == 5 && table[20].frame == mfn_of(page(1)) &&
		      table[20].flags == (GTF_permit_access | GTF_readonly),
	      "ref 20 holds what 21 held");
	CHECK(table[21].domid == SELF && table[21].frame == mfn_of(page(0)) &&
		      table[21].flags == GTF_permit_access,
	      "and 21 what 20 held");
	CHECK_EQ(map(&op, 0, GNTMAP_device_map, 21, SELF), GNTST_okay, "pin ref 21 (device map)");
	CHECK_EQ(gnttab(GNTTABOP_swap_grant_ref, &swap, 1), 0, "swap while 21 is in use");
	CHECK_EQ(swap.status, GNTST_eagain, "is GNTST_eagain");
	struct gnttab_unmap_grant_ref unmap_op = {.dev_bus_addr = op.dev_bus_addr,
						  .handle = op.handle};
	CHECK_EQ(gnttab(GNTTABOP_unmap_grant_ref, &unmap_op, 1), 0, "unpin it");
	CHECK_EQ(unmap_op.status, GNTST_okay, "status okay");
	swap.ref_b = TABLE_FRAMES * ENTRIES_PER_FRAME;
	CHECK_EQ(gnttab(GNTTABOP_swap_grant_ref, &swap, 1), 0, "swap with a ref past the table");
	CHECK_EQ(swap.status, GNTST_bad_gntref, "is GNTST_bad_gntref");
	swap.ref_b = 20;
	CHECK_EQ(gnttab(GNTTABOP_swap_grant_ref, &swap, 1), 0, "swap a ref with itself");
	CHECK_EQ(swap.status, GNTST_okay, "is a no-op");
}

void guest_main(const struct start_info *start)
{
	si = start;
	l4_mfn = mfn_of((const void *)si->pt_base);
	not_ours = (unsigned long)HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL) - 1;

	check_table_setup();
	check_versions();
	check_op_errors();
	check_map_by_va();
	check_map_by_pte();
	check_map_refusals();
	check_references();
	check_unmap_and_replace();
	check_copy();
	check_swap();
	test_finish("grant_table");
}
