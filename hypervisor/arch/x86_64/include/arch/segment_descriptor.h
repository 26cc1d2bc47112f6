/*
 * What a 64-bit PV guest may put in its GDT and LDT: Xen's rules for one 8-byte descriptor,
 * applied to every slot of a page before it becomes a descriptor page (set_gdt, the LDT on
 * first use) and to each update_descriptor. Pure logic, also built into a host unit test.
 */
#ifndef PARVUS_ARCH_SEGMENT_DESCRIPTOR_H
#define PARVUS_ARCH_SEGMENT_DESCRIPTOR_H

#include <stdbool.h>
#include <stdint.h>

/* Fields of a descriptor, as bits of the 8-byte value. */
#define DESCRIPTOR_TYPE_SHIFT 40
#define DESCRIPTOR_TYPE_MASK (0xfull << DESCRIPTOR_TYPE_SHIFT)
#define DESCRIPTOR_CODE_OR_DATA (1ull << 44) /* the S bit: clear for system descriptors */
#define DESCRIPTOR_DPL_SHIFT 45
#define DESCRIPTOR_DPL_MASK (3ull << DESCRIPTOR_DPL_SHIFT)
#define DESCRIPTOR_PRESENT (1ull << 47)
#define DESCRIPTOR_TYPE_CALL_GATE 0xcull /* 64-bit call gate */

/*
 * Check *descriptor and fix it up in place: true if the guest may have it in a descriptor
 * table (with the fix-ups written), false if not (and *descriptor is left alone).
 */
bool descriptor_check(uint64_t *descriptor);

#endif
