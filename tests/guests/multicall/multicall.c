/*
 * multicall: a batch of hypercalls in one entry. Each call's result lands in its entry and
 * the batch goes on whatever one call returned; the multicall itself fails only when the
 * list cannot be read or a result cannot be written back. Nesting is refused per call.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define RESULT_UNSET 0x5a5a5a5a5a5a5a5aUL

static struct multicall_entry calls[16];

static void set_call(unsigned int i, unsigned long op, unsigned long a0, unsigned long a1,
		     unsigned long a2, unsigned long a3)
{
	calls[i] = (struct multicall_entry){
		.op = op, .result = RESULT_UNSET, .args = {a0, a1, a2, a3, 0, 0}};
}

static void check_results(void)
{
	static char text[] = "multicall: printed from inside a batch\n";
	uint64_t *a = scratch_page(0), *b = scratch_page(1);

	test_section("a batch of mixed calls");
	a[0] = 0xaaaa;
	b[0] = 0xbbbb;
	set_call(0, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0);
	set_call(1, 60, 0, 0, 0, 0);
	set_call(2, __HYPERVISOR_xen_version, XENVER_pagesize, 0x1000, 0, 0);
	set_call(3, __HYPERVISOR_multicall, (unsigned long)calls, 1, 0, 0);
	set_call(4, __HYPERVISOR_update_va_mapping, (unsigned long)a,
		 (virt_to_mfn(b) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED |
			 _PAGE_DIRTY,
		 UVMF_INVLPG, 0);
	set_call(5, __HYPERVISOR_mmu_update, 0x1000, 1, 0, DOMID_SELF);
	set_call(6, __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(text) - 1, (unsigned long)text,
		 0);
	set_call(7, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0);
	set_call(8, 1000, 0, 0, 0, 0);
	set_call(9, __HYPERVISOR_xen_version, XENVER_get_features, 0x1000, 0, 0);
	CHECK_EQ(HYPERVISOR_multicall(calls, 10), 0, "the batch returns 0 though calls fail");
	CHECK_EQ(calls[0].result, (4 << 16) | 17, "xen_version's result is in its entry");
	CHECK_EQ(calls[1].result, -XEN_ENOSYS, "hypercall 60 (none) is -ENOSYS in its entry");
	CHECK_EQ(calls[2].result, -XEN_EINVAL, "a failing call's error is in its entry");
	CHECK_EQ(calls[3].result, -XEN_EINVAL, "a multicall inside a multicall is -EINVAL");
	CHECK_EQ(calls[4].result, 0, "update_va_mapping in a batch works");
	CHECK_EQ(a[0], 0xbbbb, "and takes effect");
	CHECK_EQ(calls[5].result, -XEN_EFAULT, "mmu_update with a hostile list is -EFAULT");
	CHECK_EQ(calls[6].result, 0, "console_io in a batch works");
	CHECK_EQ(calls[7].result, 0, "sched_op yield in a batch works");
	CHECK_EQ(calls[8].result, -XEN_ENOSYS, "hypercall 1000 is -ENOSYS");
	CHECK_EQ(calls[9].result, -XEN_EFAULT, "a call's own -EFAULT is only its result");
	CHECK_EQ(calls[0].args[0], XENVER_version, "the arguments are left as they were");
	if (HYPERVISOR_update_va_mapping((unsigned long)a,
					 (virt_to_mfn(a) << PAGE_SHIFT) | _PAGE_PRESENT | _PAGE_RW |
						 _PAGE_ACCESSED | _PAGE_DIRTY,
					 UVMF_INVLPG) != 0)
		guest_crash("cannot restore scratch page 0");
}

static void check_errors(void)
{
	test_section("errors of the batch itself");
	CHECK_EQ(HYPERVISOR_multicall(NULL, 0), 0, "an empty batch is 0");
	CHECK_EQ(HYPERVISOR_multicall(calls, 0), 0, "a batch of 0 calls is 0");
	for (unsigned int i = 0; i < nr_bad_addresses; i++)
		CHECK_EQ(
			HYPERVISOR_multicall((struct multicall_entry *)bad_addresses[i].address, 1),
			-XEN_EFAULT, "a hostile list is -EFAULT");

	/* A list in a read-only page: the call is made, its result cannot be stored. */
	struct multicall_entry *read_only = read_only_page();
	/* read_only_page() maps it read-only; its contents were set before (all zeros). */
	long rc = HYPERVISOR_multicall(read_only, 1);
	printf("a list in a read-only page: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EFAULT, "a list whose results cannot be written back is -EFAULT");

	/* A list running into unmapped memory: the calls before the hole are made. */
	char *end = (char *)initial_mapping_end();
	struct multicall_entry *edge = (struct multicall_entry *)(end - sizeof(*edge));
	*edge = (struct multicall_entry){
		.op = __HYPERVISOR_xen_version, .result = RESULT_UNSET, .args = {XENVER_version}};
	rc = HYPERVISOR_multicall(edge, 2);
	CHECK_EQ(rc, -XEN_EFAULT, "a list running into an unmapped page is -EFAULT");
	CHECK_EQ(edge->result, (4 << 16) | 17, "the call before the hole was made");
}

static void check_many(void)
{
	static struct multicall_entry many[512];

	test_section("a long batch");
	for (unsigned int i = 0; i < 512; i++)
		many[i] = (struct multicall_entry){.op = __HYPERVISOR_xen_version,
						   .result = RESULT_UNSET,
						   .args = {XENVER_pagesize}};
	CHECK_EQ(HYPERVISOR_multicall(many, 512), 0, "512 calls in one batch");
	unsigned int wrong = 0;
	for (unsigned int i = 0; i < 512; i++)
		wrong += many[i].result != 4096;
	CHECK_EQ(wrong, 0, "every call ran and stored its result (across any preemption)");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_results();
	check_errors();
	check_many();
	test_finish("multicall");
}
