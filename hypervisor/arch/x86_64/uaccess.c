/*
 * Guest-memory copies (see uaccess.h) and the exception-fixup table lookup used by the page
 * fault handler. The table is built by the linker from every .ex_table entry in the image.
 */
#include <arch/uaccess.h>

struct exception_fixup_entry {
	uint64_t instruction, fixup;
};

extern const struct exception_fixup_entry ex_table_start[], ex_table_end[];
size_t uaccess_copy(void *to, const void *from, size_t length);

#define HYPERVISOR_RESERVED_START 0xffff800000000000ull
#define HYPERVISOR_RESERVED_END 0xffff880000000000ull
#define LOWER_HALF_END 0x0000800000000000ull

bool guest_range_ok(uint64_t address, size_t length)
{
	uint64_t end = address + length;

	if (end < address)
		return false;
	if (end <= LOWER_HALF_END)
		return true;
	return address >= HYPERVISOR_RESERVED_END; /* upper half, above our range */
}

size_t copy_from_guest_raw(void *to, uint64_t from, size_t length)
{
	if (!guest_range_ok(from, length))
		return length;
	return uaccess_copy(to, (const void *)from, length);
}

size_t copy_to_guest_raw(uint64_t to, const void *from, size_t length)
{
	if (!guest_range_ok(to, length))
		return length;
	return uaccess_copy((void *)to, from, length);
}

uint64_t exception_fixup(uint64_t rip)
{
	for (const struct exception_fixup_entry *e = ex_table_start; e < ex_table_end; e++)
		if (e->instruction == rip)
			return e->fixup;
	return 0;
}
