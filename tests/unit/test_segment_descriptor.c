/*
 * Unit tests for descriptor_check() (hypervisor/arch/x86_64/segment_descriptor.c): every kind
 * of descriptor a guest might put in its GDT or LDT, with what Xen 4.17 makes of it. An
 * accepted descriptor must come back with exactly Xen's fix-ups; a refused one must be left
 * untouched (update_descriptor then writes nothing, set_gdt fails the page).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arch/segment_descriptor.h>
#include <public/xen.h>

#define DATA_DPL0 0x00cf93000000ffffull	  /* flat writable data */
#define CODE64_DPL0 0x00af9b000000ffffull /* 64-bit code */
#define CODE32_DPL1 0x00cfbb000000ffffull /* 32-bit code, DPL 1 */
#define DPL3 (3ull << 45)
#define PRESENT (1ull << 47)

/* A 64-bit call gate: offset 0x12345678 (low 32 bits), target selector, DPL. */
static uint64_t call_gate(uint16_t selector, unsigned int dpl)
{
	return 0x12340000ull << 32 | 0x5678ull | (uint64_t)selector << 16 | 0xcull << 40 |
	       (uint64_t)dpl << 45 | PRESENT;
}

static bool check(uint64_t *value)
{
	return descriptor_check(value);
}

static void not_present_is_anything(void **state)
{
	const uint64_t values[] = {0, 0x12345678deadbeefull & ~PRESENT, ~PRESENT,
				   0x0000890000000067ull & ~PRESENT};

	(void)state;
	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t d = values[i];

		assert_true(check(&d));
		assert_int_equal(d, values[i]); /* the CPU never loads it: kept as given */
	}
}

static void code_and_data_get_dpl3(void **state)
{
	const uint64_t values[] = {DATA_DPL0, CODE64_DPL0, CODE32_DPL1, DATA_DPL0 | DPL3,
				   0x00cf9b000000ffffull /* conforming-free 32-bit code */};

	(void)state;
	for (unsigned int i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		uint64_t d = values[i];

		assert_true(check(&d));
		assert_int_equal(d, values[i] | DPL3); /* nothing else changes */
	}
}

static void system_type_0_is_kept_as_is(void **state)
{
	uint64_t d = PRESENT | 0x1234; /* present, system, type 0: the top of a call gate */

	(void)state;
	assert_true(check(&d));
	assert_int_equal(d, PRESENT | 0x1234); /* not even the DPL is raised, as in Xen */
}

static void other_system_descriptors_are_refused(void **state)
{
	(void)state;
	for (uint64_t type = 1; type < 16; type++) {
		if (type == 0xc)
			continue; /* the call gate: below */
		for (unsigned int dpl = 0; dpl < 4; dpl++) {
			uint64_t original =
				0x0000000f00000067ull | type << 40 | (uint64_t)dpl << 45 | PRESENT;
			uint64_t d = original;

			assert_false(check(&d)); /* TSS, LDT, interrupt, trap, task gates... */
			assert_int_equal(d, original);
		}
	}
}

static void call_gate_to_flat_kernel_code(void **state)
{
	uint64_t d = call_gate(FLAT_KERNEL_CS, 3);

	(void)state;
	assert_true(check(&d));
	/* DPL 0, so that using it faults for emulation; the DPL kept in the target's RPL. */
	assert_int_equal(d, call_gate(FLAT_KERNEL_CS, 0));
	d = call_gate(FLAT_KERNEL_CS, 0);
	assert_true(check(&d));
	assert_int_equal(d, call_gate(FLAT_KERNEL_CS, 0)); /* DPL 0 is raised to 3 first */
}

static void call_gate_to_guest_selectors(void **state)
{
	const uint16_t ok[] = {0x0008, 0x000b, 0x0010, (FIRST_RESERVED_GDT_ENTRY - 1) << 3,
			       0x0004, 0x0007, 0xe00c, 0xfffc,
			       0x0000};

	(void)state;
	for (unsigned int i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t d = call_gate(ok[i], 1);

		assert_true(check(&d));
		assert_int_equal(d, call_gate((uint16_t)(ok[i] | 3), 0)); /* RPL 3 */
	}
}

static void call_gate_to_hypervisor_selectors(void **state)
{
	const uint16_t refused[] = {
		0xe008, 0xe010, 0xe030, 0xe038, 0xe040, 0xe000, FIRST_RESERVED_GDT_ENTRY << 3,
		0xfff8, 0xe02b};

	(void)state;
	for (unsigned int i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		uint64_t original = call_gate(refused[i], 3);
		uint64_t d = original;

		assert_false(check(&d)); /* 0xe030 too: only 0xe033 exactly is the guest's */
		assert_int_equal(d, original);
	}
}

static void call_gate_reserved_bits(void **state)
{
	(void)state;
	for (unsigned int bit = 32; bit < 40; bit++) {
		uint64_t original = call_gate(0x0008, 3) | 1ull << bit;
		uint64_t d = original;

		assert_false(check(&d)); /* the parameter count means nothing in long mode */
		assert_int_equal(d, original);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(not_present_is_anything),
		cmocka_unit_test(code_and_data_get_dpl3),
		cmocka_unit_test(system_type_0_is_kept_as_is),
		cmocka_unit_test(other_system_descriptors_are_refused),
		cmocka_unit_test(call_gate_to_flat_kernel_code),
		cmocka_unit_test(call_gate_to_guest_selectors),
		cmocka_unit_test(call_gate_to_hypervisor_selectors),
		cmocka_unit_test(call_gate_reserved_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
