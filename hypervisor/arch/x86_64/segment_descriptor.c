/*
 * The rules for one descriptor of a 64-bit PV guest's GDT or LDT (Xen 4.17's).
 *
 * The guest kernel runs in ring 3, so no descriptor it writes may give ring 3 more than ring 3
 * has: every present descriptor gets DPL 3 at least. Code and data descriptors are otherwise
 * harmless in long mode (base and limit mostly ignored). System descriptors could hand the
 * guest a TSS, an LDT or an interrupt gate of its own: all are refused, except a call gate,
 * which is kept with DPL 0 so that using it raises a #GP for the hypervisor to look at, and
 * the second half of a 64-bit call gate, which reads as a system descriptor of type 0.
 * A descriptor that is not present can hold anything: the CPU never loads it.
 * Callers: descriptor_tables.c (page validation and update_descriptor); tests/unit.
 */
#include <arch/segment_descriptor.h>
#include <public/xen.h>

#define CALL_GATE_SELECTOR_SHIFT 16
#define CALL_GATE_RESERVED (0xffull << 32) /* the parameter count: none in 64-bit gates */

/* May a call gate lead to this code selector? Only to the guest's own descriptors (its GDT
 * below the hypervisor's entries, or its LDT) or to the flat kernel code selector. */
static bool gate_target_ok(uint16_t selector)
{
	return (selector >> 3) < FIRST_RESERVED_GDT_ENTRY || selector == FLAT_KERNEL_CS ||
	       (selector & 4);
}

bool descriptor_check(uint64_t *descriptor)
{
	uint64_t value = *descriptor;

	if (!(value & DESCRIPTOR_PRESENT))
		return true;
	/* The guest kernel's privilege is ring 3: nothing may ask for more. */
	value |= DESCRIPTOR_DPL_MASK;
	if (value & DESCRIPTOR_CODE_OR_DATA) {
		*descriptor = value;
		return true;
	}
	unsigned int type = (value & DESCRIPTOR_TYPE_MASK) >> DESCRIPTOR_TYPE_SHIFT;

	if (type == 0)
		return true; /* invalid, so harmless: the upper half of a call gate; kept as is */
	if (type != DESCRIPTOR_TYPE_CALL_GATE || (value & CALL_GATE_RESERVED))
		return false;
	uint16_t target = (uint16_t)(value >> CALL_GATE_SELECTOR_SHIFT);

	if (!gate_target_ok(target))
		return false;
	/* DPL 0, so that a far call through it faults for emulation; the DPL the guest gets
	 * (3) is kept in the target selector's RPL. */
	target = (uint16_t)((target & ~3u) | 3u);
	value &= ~(DESCRIPTOR_DPL_MASK | (0xffffull << CALL_GATE_SELECTOR_SHIFT));
	*descriptor = value | (uint64_t)target << CALL_GATE_SELECTOR_SHIFT;
	return true;
}
