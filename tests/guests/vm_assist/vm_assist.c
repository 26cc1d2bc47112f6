/*
 * vm_assist: switching the hypervisor's optional help on and off. Which types exist for a
 * 64-bit PV domain, the errors for other types and commands, and the effect of the one that
 * once changed what a kernel may do: writable_pagetables, under which a write to a read-only
 * mapped L1 page table is checked and carried out by the hypervisor instead of faulting.
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

static void check_types(void)
{
	static const struct {
		unsigned int type;
		const char *name;
	} valid[] = {
		{VMASST_TYPE_4gb_segments, "4gb_segments"},
		{VMASST_TYPE_4gb_segments_notify, "4gb_segments_notify"},
		{VMASST_TYPE_writable_pagetables, "writable_pagetables"},
		{VMASST_TYPE_pae_extended_cr3, "pae_extended_cr3"},
		{VMASST_TYPE_architectural_iopl, "architectural_iopl"},
		{VMASST_TYPE_runstate_update_flag, "runstate_update_flag"},
		{VMASST_TYPE_m2p_strict, "m2p_strict"},
	};

	test_section("types and commands");
	for (unsigned int i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		long on = HYPERVISOR_vm_assist(VMASST_CMD_enable, valid[i].type);
		long off = HYPERVISOR_vm_assist(VMASST_CMD_disable, valid[i].type);
		printf("%s: enable %ld, disable %ld\n", valid[i].name, on, off);
		CHECK_EQ(on, 0, "a type a 64-bit PV domain has can be enabled");
		CHECK_EQ(off, 0, "and disabled");
	}
	for (unsigned int type = 6; type < 32; type++)
		CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, type), -XEN_EINVAL,
			 "types 6-31 do not exist: -EINVAL");
	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 33), -XEN_EINVAL, "type 33 is -EINVAL");
	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 64), -XEN_EINVAL, "type 64 is -EINVAL");
	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 0xffffffffu), -XEN_EINVAL,
		 "type 0xffffffff is -EINVAL");
	CHECK_EQ(HYPERVISOR_vm_assist(2, VMASST_TYPE_writable_pagetables), -XEN_ENOSYS,
		 "command 2 on a valid type is -ENOSYS");
	CHECK_EQ(HYPERVISOR_vm_assist(2, 7), -XEN_EINVAL,
		 "command 2 on an invalid type is -EINVAL (the type is checked first)");
	CHECK_EQ(HYPERVISOR_vm_assist(0xffffffffu, VMASST_TYPE_m2p_strict), -XEN_ENOSYS,
		 "command 0xffffffff is -ENOSYS");
}

/* The machine address of the L1 entry mapping va, and the L1 table's frame. */
static uint64_t l1_entry_address(unsigned long va)
{
	const uint64_t *table = (const uint64_t *)guest_start_info->pt_base;
	uint64_t table_mfn = 0;

	for (int level = 4; level > 1; level--) {
		uint64_t entry = table[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511];
		table_mfn = (entry & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
		table = mfn_to_virt(table_mfn);
	}
	return (table_mfn << PAGE_SHIFT) + ((va >> PAGE_SHIFT) & 511) * 8;
}

/*
 * Write the L1 entry of scratch page 0 through a read-only mapping of its L1 table (at
 * scratch page 7). Xen 4.17 checks and carries out such a write for a 64-bit PV guest
 * whether writable_pagetables is on or off (the assist no longer gates the emulation), and
 * answers a write that would break the rules (map the L4 writable) with a #PF. The stored
 * entry may differ from the written one in the bits the hypervisor adds (_PAGE_USER and its
 * kernel marker, bit 52), so entries are compared by frame.
 */
static void write_through_window(bool assist)
{
	uint64_t *target = scratch_page(0), *other = scratch_page(1), *window = scratch_page(7);
	uint64_t entry = l1_entry_address((unsigned long)target);
	unsigned int index = (unsigned int)((entry & (PAGE_SIZE - 1)) / 8);
	unsigned long l4_mfn = virt_to_mfn((void *)guest_start_info->pt_base);

	test_section(assist ? "L1 writes with writable_pagetables on"
			    : "L1 writes with writable_pagetables off");
	CHECK_EQ(HYPERVISOR_vm_assist(assist ? VMASST_CMD_enable : VMASST_CMD_disable,
				      VMASST_TYPE_writable_pagetables),
		 0, "set writable_pagetables");
	target[0] = 0xaaaa;
	other[0] = 0xbbbb;
	CHECK_EQ(map_page(window, entry >> PAGE_SHIFT, PTE_RO), 0, "map the L1 table read-only");
	CHECK_EQ(window[index], guest_lookup_pte((unsigned long)target, NULL),
		 "the window shows the L1 entry of the target page");
	uint64_t original = window[index];
	uint64_t to_other = (virt_to_mfn(other) << PAGE_SHIFT) | PTE_RW;

	CHECK_EQ(probe_write(&window[index], to_other), 0, "a valid write to the L1 is made");
	CHECK_EQ(window[index] & PTE_ADDRESS_MASK, virt_to_mfn(other) << PAGE_SHIFT,
		 "the entry now maps the other frame");
	HYPERVISOR_update_va_mapping((unsigned long)target, to_other, UVMF_INVLPG); /* flush */
	CHECK_EQ(target[0], 0xbbbb, "and the target page shows it");

	int vector = probe_write(&window[index], (l4_mfn << PAGE_SHIFT) | PTE_RW);
	CHECK_EQ(vector, TRAP_page_fault + 1, "a write mapping the L4 writable is a #PF");
	if (vector == TRAP_page_fault + 1)
		CHECK_EQ(probe_last_fault.error_code & 3, 3, "#PF error code: present, write");
	CHECK_EQ(window[index] & PTE_ADDRESS_MASK, virt_to_mfn(other) << PAGE_SHIFT,
		 "and the entry keeps its frame");

	/* Linux clears entries with xchg (ptep_get_and_clear): emulated too, the register gets
	 * the old entry. */
	uint64_t swapped = original;
	__asm__ volatile("xchg %0, %1" : "+r"(swapped), "+m"(window[index]) : : "memory");
	CHECK_EQ(swapped & PTE_ADDRESS_MASK, virt_to_mfn(other) << PAGE_SHIFT,
		 "an xchg on the L1 entry returns the old entry");
	CHECK_EQ(window[index] & PTE_ADDRESS_MASK, original & PTE_ADDRESS_MASK,
		 "and stores the new one");
	/* ... and clears or sets single bits with a byte "and"/"or" (clear_bit, set_bit). */
	__asm__ volatile("lock andb $0xfd, %0" : "+m"(*(uint8_t *)&window[index]) : : "memory");
	CHECK_EQ(window[index] & (_PAGE_RW | _PAGE_PRESENT), _PAGE_PRESENT,
		 "a locked byte and on the entry clears _PAGE_RW");
	__asm__ volatile("orb $0x02, %0" : "+m"(*(uint8_t *)&window[index]) : : "memory");
	CHECK_EQ(window[index] & (_PAGE_RW | _PAGE_PRESENT), _PAGE_RW | _PAGE_PRESENT,
		 "a byte or sets it again");
	CHECK_EQ(probe_write(&window[index], original), 0, "the original entry is written back");
	HYPERVISOR_update_va_mapping((unsigned long)target, original, UVMF_INVLPG);
	CHECK_EQ(target[0], 0xaaaa, "the target page is itself again");
	CHECK_EQ(map_page(window, virt_to_mfn(window), PTE_RW), 0, "the window is put back");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_types();
	write_through_window(false);
	write_through_window(true);
	HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_writable_pagetables);
	test_finish("vm_assist");
}
