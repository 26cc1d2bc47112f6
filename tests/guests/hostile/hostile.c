/*
 * Hostile guest: attacks that once worked against Parvus (found in review), kept as checks.
 * Each expectation is Xen 4.17's answer (make test-xen proves it there).
 * - shared_info is shared with the hypervisor, which writes into it (vcpu_info, the #PF
 *   address): it must never become a page table, at any level, even with no mapping of it left.
 * - set_trap_table with a table in the last page of the address space is -EFAULT (a bound
 *   computed by adding to the pointer would wrap and read nothing).
 * - A call inside a multicall that is preempted (an mmu_update longer than one slice) must
 *   finish all its work and leave the guest's registers alone.
 * - A console write longer than one slice is written whole.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

static long mmuext_one(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = {.cmd = cmd};

	op.arg1.mfn = mfn;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static void check_shared_info_never_a_page_table(const struct start_info *si)
{
	unsigned long shared_mfn = si->shared_info >> PAGE_SHIFT;
	unsigned long va = (unsigned long)HYPERVISOR_shared_info;
	uint64_t pte = si->shared_info | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

	test_section("shared_info cannot become a page table");
	/* Make its contents a perfectly valid table (nothing present), so that only the rule
	 * itself can refuse it: all zeros but the event mask of vCPU 0 (entry 0 = 0x100). */
	memset(HYPERVISOR_shared_info, 0, PAGE_SIZE);
	HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask = 1;
	CHECK_EQ(HYPERVISOR_update_va_mapping(va, 0, UVMF_INVLPG), 0,
		 "drop our only mapping of shared_info");
	for (unsigned int level = 1; level <= 4; level++) {
		long rc = mmuext_one(MMUEXT_PIN_L1_TABLE + level - 1, shared_mfn);

		printf("pin shared_info as L%u: %ld\n", level, rc);
		CHECK_EQ(rc, -XEN_EINVAL, "pinning shared_info as a page table is -EINVAL");
		if (rc == 0)
			mmuext_one(MMUEXT_UNPIN_TABLE, shared_mfn);
	}
	CHECK_EQ(HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG), 0,
		 "map shared_info again, writable");
	CHECK_EQ(HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask, 1,
		 "and it is the same page (events still masked)");
}

static void check_trap_table_at_the_top(void)
{
	test_section("set_trap_table at the top of the address space");
	CHECK_EQ(HYPERVISOR_set_trap_table((const struct trap_info *)0xfffffffffffff000UL),
		 -XEN_EFAULT, "a table in the last page (unmapped, hypervisor-adjacent) is -EFAULT");
	CHECK_EQ(HYPERVISOR_set_trap_table((const struct trap_info *)0xfffffffffffffff0UL),
		 -XEN_EFAULT, "a table in the last 16 bytes is -EFAULT");
}

static struct mmu_update requests[65];
static struct multicall_entry calls[1];

static void check_preempted_call_in_a_multicall(void)
{
	uint64_t *data = scratch_page(0);
	unsigned long mfn = virt_to_mfn(data);
	unsigned int wrong = 0;

	test_section("a preempted mmu_update inside a multicall");
	memset(data, 0, PAGE_SIZE);
	for (unsigned int i = 0; i < 65; i++) { /* plain writes into a page of our own */
		requests[i].ptr = (mfn << PAGE_SHIFT) + i * 8 + MMU_NORMAL_PT_UPDATE;
		requests[i].val = 1000 + i;
	}
	calls[0] = (struct multicall_entry){.op = __HYPERVISOR_mmu_update,
					    .result = 99,
					    .args = {(unsigned long)requests, 65, 0, DOMID_SELF}};
	CHECK_EQ(HYPERVISOR_multicall(calls, 1), 0, "the multicall returns 0");
	CHECK_EQ((long)calls[0].result, 0, "its mmu_update entry succeeded");
	for (unsigned int i = 0; i < 65; i++)
		wrong += data[i] != 1000 + i;
	CHECK_EQ(wrong, 0, "all 65 requests were made, across the preemption");
}

static char long_text[10 * 1024];

static void check_long_console_write(void)
{
	test_section("a console write longer than a slice");
	memset(long_text, '.', sizeof(long_text));
	long_text[sizeof(long_text) - 1] = '\n';
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(long_text), long_text), 0,
		 "10 KiB are written");
}

void guest_main(const struct start_info *si)
{
	check_shared_info_never_a_page_table(si);
	check_trap_table_at_the_top();
	check_preempted_call_in_a_multicall();
	check_long_console_write();
	test_finish("hostile");
}
