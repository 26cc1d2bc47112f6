/*
 * Helpers shared by the guest test kernels (tests/guests/lib/, linked into every one of them):
 * the hostile addresses a hypercall must refuse with -EFAULT, and pages of our own whose
 * mapping a test changes.
 */
#ifndef GUEST_TESTS_LIB_H
#define GUEST_TESTS_LIB_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Addresses a hypercall may neither read nor write: unmapped, non-canonical, inside the
 * hypervisor's reserved slots (including the read-only machine-to-phys table).
 */
struct bad_address {
	unsigned long address;
	const char *name;
};
extern const struct bad_address bad_addresses[];
extern const unsigned int nr_bad_addresses;

/*
 * A page of the kernel's own memory, mapped read-only: a hypercall may read it but writing
 * its output there must fail with -EFAULT.
 */
void *read_only_page(void);

/* A scratch page of our own (page aligned, in .bss), n < 8. */
void *scratch_page(unsigned int n);

/* Map va to machine frame mfn with the given PTE flags (update_va_mapping, UVMF_INVLPG). */
long map_page(void *va, unsigned long mfn, uint64_t flags);

/*
 * The end of the initial mapping: the first unmapped page above the boot stack. The page
 * before it is mapped and writable, the page at it is not mapped.
 */
unsigned long initial_mapping_end(void);

#endif /* GUEST_TESTS_LIB_H */
