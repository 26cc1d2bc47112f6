/*
 * Helpers shared by the guest test kernels; see guest_lib.h.
 */
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include "guest_lib.h"

const struct bad_address bad_addresses[] = {
	{0, "NULL"},
	{0x1000, "an unmapped low address"},
	{0x0000800000000000UL, "a non-canonical address"},
	{0xffff800000000000UL, "the read-only machine-to-phys table"},
	{0xffff830000000000UL, "the hypervisor's direct map"},
	{0xffffffffc0000000UL, "an unmapped kernel address"},
};
const unsigned int nr_bad_addresses = sizeof(bad_addresses) / sizeof(bad_addresses[0]);

static char scratch[8][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static char read_only[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void *scratch_page(unsigned int n)
{
	return scratch[n & 7];
}

long map_page(void *va, unsigned long mfn, uint64_t flags)
{
	return HYPERVISOR_update_va_mapping((unsigned long)va, (mfn << PAGE_SHIFT) | flags,
					    UVMF_INVLPG);
}

void *read_only_page(void)
{
	static bool done;

	if (!done) {
		long rc =
			map_page(read_only, virt_to_mfn(read_only), _PAGE_PRESENT | _PAGE_ACCESSED);
		if (rc != 0)
			guest_crash("cannot map a page read-only: %ld", rc);
		done = true;
	}
	return read_only;
}

unsigned long initial_mapping_end(void)
{
	unsigned long va = guest_entry_registers.rsp;

	while (guest_lookup_pte(va, NULL) & _PAGE_PRESENT)
		va += PAGE_SIZE;
	return va;
}
