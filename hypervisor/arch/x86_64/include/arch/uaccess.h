/*
 * Reading and writing guest memory from the hypervisor. A guest hands us virtual addresses in
 * its own address space (the one loaded in CR3 while we serve its hypercall); any of them may
 * be unmapped, read-only, or point into the hypervisor. These copies never fault the
 * hypervisor: an address outside the guest's half of the address space is refused up front,
 * and a page fault during the copy is caught through the exception-fixup table (see
 * uaccess.S), so the caller gets the number of bytes NOT copied and answers -EFAULT.
 */
#ifndef PARVUS_ARCH_UACCESS_H
#define PARVUS_ARCH_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A 64-bit address with bits 63-47 all equal: what the CPU accepts as an address at all. */
static inline bool is_canonical(uint64_t address)
{
	return (uint64_t)((int64_t)(address << 16) >> 16) == address;
}

/* Guest addresses: the lower canonical half, plus the upper half outside the hypervisor's
 * reserved range 0xffff800000000000-0xffff87ffffffffff (L4 slots 256-271). */
bool guest_range_ok(uint64_t address, size_t length);

/* Return the number of bytes that could not be copied: 0 on success. */
size_t copy_from_guest_raw(void *to, uint64_t from, size_t length);
size_t copy_to_guest_raw(uint64_t to, const void *from, size_t length);

/* Look up a fixup for a fault at rip inside the hypervisor; 0 when there is none. */
uint64_t exception_fixup(uint64_t rip);

#endif
