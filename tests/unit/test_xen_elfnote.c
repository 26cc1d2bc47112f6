/*
 * common/xen_elfnote.c: the Xen ELF notes of a PV kernel and Xen's rules about them.
 *
 * Each case builds a kernel image in memory (tests/unit/domain_builder/elf_builder.h) with the
 * notes under test; the expected outcomes are Xen's (libelf-dominfo.c, dom0_build.c) unless a
 * comment says Parvus is stricter. The Debian kernels' notes come from their real images
 * (tests/unit/domain_builder/linux-6.1-*.h, made by make-fixture).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <parvus/xen_elfnote.h>
#include <stdio.h>
#include <string.h>

#include "domain_builder/elf_builder.h"
#include "domain_builder/linux-6.1-amd64.h"
#include "domain_builder/linux-6.1-cloud-amd64.h"

/* Parse the notes of e, the image copied to a buffer of its exact size. */
static enum xen_elfnote_status parse(struct test_elf *e, struct xen_elfnote_info *info)
{
	struct elf_image image;
	uint8_t *copy = malloc(e->size);
	enum xen_elfnote_status status;

	memcpy(copy, e->data, e->size);
	assert_int_equal(elf_image_open(&image, copy, e->size), ELF_OK);
	status = xen_elfnote_parse(&image, info);
	free(copy); /* info keeps copies of the strings, not pointers into the image */
	return status;
}

/* The standard image with the basic notes and then `extra` added by the caller. */
static void kernel(struct test_elf *e)
{
	test_elf_standard(e, 1);
}

static void basic_notes(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct xen_elfnote_info info;

	(void)state;
	kernel(&e);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(xen_elfnote_parse(&image, &info), XEN_NOTES_OK);
	assert_int_equal(info.nr_xen_notes, 6);
	assert_false(info.from_sections);
	assert_string_equal(info.guest_os, "Parvus-test");
	assert_string_equal(info.xen_version, "xen-3.0");
	assert_string_equal(info.loader, "generic");
	assert_string_equal(info.guest_version, "");
	assert_string_equal(info.features, "");
	assert_int_equal(info.virt_base, TE_VIRT_BASE);
	assert_int_equal(info.paddr_offset, 0);
	assert_int_equal(info.virt_entry, TE_ENTRY);
	assert_int_equal(info.virt_offset, TE_VIRT_BASE);
	assert_int_equal(info.virt_kstart, TE_LOAD_VADDR);
	assert_int_equal(info.virt_kend, TE_LOAD_VADDR + TE_LOAD_MEMSZ);
	assert_int_equal(info.hypercall_page, XEN_ELFNOTE_UNSET);
	assert_int_equal(info.init_p2m, XEN_ELFNOTE_UNSET);
	assert_int_equal(info.phys32_entry, XEN_ELFNOTE_UNSET32);
	assert_int_equal(info.pae, XEN_PAE_NO);
	assert_false(info.mod_start_pfn);
	assert_int_equal(info.present,
			 (1U << 1) | (1U << 3) | (1U << 4) | (1U << 5) | (1U << 6) | (1U << 8));
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, false), XEN_NOTES_OK);
	te_free(&e);
}

static void every_note_type_is_read(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct xen_elfnote_info info;
	uint8_t l1[16] = {0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0};
	uint8_t supported[8] = {0x01, 0x88, 0, 0, 0xff, 0xff, 0xff, 0xff};
	uint32_t phys32 = 0x200040;

	(void)state;
	kernel(&e);
	te_note_u64(&e, XEN_ELFNOTE_HYPERCALL_PAGE, TE_LOAD_VADDR + 0x1000);
	te_note_u64(&e, XEN_ELFNOTE_INIT_P2M, 0x8000000000ULL);
	te_note_u64(&e, XEN_ELFNOTE_HV_START_LOW, 0xffff800000000000ULL);
	te_note_str(&e, XEN_ELFNOTE_GUEST_VERSION, "2.6");
	te_note_str(&e, XEN_ELFNOTE_PAE_MODE, "yes");
	te_note_str(&e, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
	te_note(&e, "Xen", XEN_ELFNOTE_L1_MFN_VALID, l1, 16);
	te_note_u64(&e, XEN_ELFNOTE_SUSPEND_CANCEL, 1);
	te_note(&e, "Xen", XEN_ELFNOTE_MOD_START_PFN, "\1", 1);
	te_note(&e, "Xen", XEN_ELFNOTE_SUPPORTED_FEATURES, supported, 8);
	te_note(&e, "Xen", XEN_ELFNOTE_PHYS32_ENTRY, &phys32, 4);
	te_note(&e, "Xen", 99, "", 0); /* unknown types are ignored */
	te_note(&e, "Xen", 0, "", 0);  /* so is INFO */
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(xen_elfnote_parse(&image, &info), XEN_NOTES_OK);
	assert_int_equal(info.nr_xen_notes, 19);
	assert_int_equal(info.hypercall_page, TE_LOAD_VADDR + 0x1000);
	assert_int_equal(info.init_p2m, 0x8000000000ULL);
	assert_int_equal(info.hv_start_low, 0xffff800000000000ULL);
	assert_string_equal(info.guest_version, "2.6");
	assert_int_equal(info.pae, XEN_PAE_EXTCR3);
	assert_string_equal(info.features, "!writable_page_tables|pae_pgdir_above_4gb");
	assert_int_equal(info.l1_mfn_valid_count, 2);
	assert_int_equal(info.l1_mfn_valid[0], 0xff);
	assert_int_equal(info.l1_mfn_valid[1], 1);
	assert_true(info.suspend_cancel);
	assert_true(info.mod_start_pfn);
	assert_int_equal(info.phys32_entry, 0x200040);
	/* FEATURES gave bits 0 and 4, SUPPORTED_FEATURES bits 0, 11 and 15 (first map only). */
	assert_int_equal(info.f_supported[0], (1U << 0) | (1U << 4) | (1U << 11) | (1U << 15));
	assert_int_equal(info.f_required[0], 1U << XENFEAT_writable_page_tables);
	assert_true(info.present & (1U << XEN_ELFNOTE_PHYS32_ENTRY));
	assert_false(info.present & 1U);
	te_free(&e);
}

static void last_note_of_a_type_wins(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;

	(void)state;
	kernel(&e);
	te_note_u64(&e, XEN_ELFNOTE_ENTRY, TE_ENTRY + 0x20);
	te_note_str(&e, XEN_ELFNOTE_LOADER, "generic-2");
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(info.virt_entry, TE_ENTRY + 0x20);
	te_free(&e);
}

static void numeric_notes_of_every_size(void **state)
{
	static const struct {
		uint32_t size;
		enum xen_elfnote_status want;
		uint64_t value;
	} cases[] = {
		{1, XEN_NOTES_OK, 0x01},    {2, XEN_NOTES_OK, 0x0201},
		{3, XEN_NOTES_ENUMBER, 0},  {4, XEN_NOTES_OK, 0x04030201},
		{5, XEN_NOTES_ENUMBER, 0},  {8, XEN_NOTES_OK, 0x0807060504030201ULL},
		{16, XEN_NOTES_ENUMBER, 0}, {0, XEN_NOTES_ENUMBER, 0},
	};
	const uint8_t bytes[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	size_t i;

	(void)state;
	/* Xen reads 0 for other sizes; Parvus refuses them. HV_START_LOW is only recorded. */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_elf e;
		struct xen_elfnote_info info;

		kernel(&e);
		te_note(&e, "Xen", XEN_ELFNOTE_HV_START_LOW, bytes, cases[i].size);
		assert_int_equal(parse(&e, &info), cases[i].want);
		if (cases[i].want == XEN_NOTES_OK)
			assert_int_equal(info.hv_start_low, cases[i].value);
		else
			assert_int_equal(info.bad_type, XEN_ELFNOTE_HV_START_LOW);
		te_free(&e);
	}
}

static void odd_sized_arrays_are_refused(void **state)
{
	const uint8_t bytes[24] = {1};
	struct test_elf e;
	struct xen_elfnote_info info;

	(void)state;
	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_L1_MFN_VALID, bytes, 24);
	assert_int_equal(parse(&e, &info), XEN_NOTES_ENUMBER);
	assert_int_equal(info.bad_type, XEN_ELFNOTE_L1_MFN_VALID);
	te_free(&e);

	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_L1_MFN_VALID, bytes, 8);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(info.l1_mfn_valid_count, 1);
	te_free(&e);

	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_SUPPORTED_FEATURES, bytes, 6);
	assert_int_equal(parse(&e, &info), XEN_NOTES_ENUMBER);
	te_free(&e);

	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_SUPPORTED_FEATURES, bytes, 0);
	assert_int_equal(parse(&e, &info), XEN_NOTES_ENUMBER);
	te_free(&e);
}

/*
 * A string ends at its first NUL or at the end of its descriptor: Linux's FEATURES note has no
 * NUL of its own (Xen reads on into the padding). Nothing past the descriptor is read.
 */
static void strings_end_with_their_descriptor(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;
	char long_name[300];

	(void)state;
	test_elf_standard(&e, 0);
	te_begin_notes(&e, TE_NOTES, 1);
	te_note(&e, "Xen", XEN_ELFNOTE_XEN_VERSION, "xen-3.0", 7);
	te_note(&e, "Xen", XEN_ELFNOTE_LOADER, "generic\0junk", 12);
	te_note(&e, "Xen", XEN_ELFNOTE_FEATURES, "dom0|!writable_page_tables", 26);
	te_note(&e, "Xen", XEN_ELFNOTE_GUEST_OS, "", 0);
	te_note(&e, "Xen", XEN_ELFNOTE_GUEST_VERSION, "abcdefgh", 3);
	te_note_u64(&e, XEN_ELFNOTE_VIRT_BASE, TE_VIRT_BASE);
	/* The descriptor's padding is not zero: it must not be read as part of the text. */
	assert_int_equal(e.data[TE_NOTES + 12 + 4 + 7], 0);
	e.data[TE_NOTES + 12 + 4 + 7] = 'X';
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_string_equal(info.xen_version, "xen-3.0");
	assert_string_equal(info.loader, "generic");
	assert_string_equal(info.features, "dom0|!writable_page_tables");
	assert_int_equal(info.f_required[0], 1U << XENFEAT_writable_page_tables);
	assert_string_equal(info.guest_os, "");
	assert_true(info.present & (1U << XEN_ELFNOTE_GUEST_OS));
	assert_string_equal(info.guest_version, "abc");
	te_free(&e);

	/* Text longer than the copy is cut; the features are still all read. */
	test_elf_standard(&e, 0);
	te_begin_notes(&e, TE_NOTES, 1);
	te_basic_notes(&e);
	memset(long_name, 'x', sizeof(long_name));
	memcpy(long_name + sizeof(long_name) - 5, "|dom0", 5);
	te_note(&e, "Xen", XEN_ELFNOTE_FEATURES, long_name, sizeof(long_name));
	te_note(&e, "Xen", XEN_ELFNOTE_GUEST_VERSION, long_name, 100);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(strlen(info.features), sizeof(info.features) - 1);
	assert_int_equal(strlen(info.guest_version), sizeof(info.guest_version) - 1);
	assert_true(xen_elfnote_feature(info.f_supported, XENFEAT_dom0));
	te_free(&e);
}

static void feature_strings(void **state)
{
	static const struct {
		const char *text;
		enum xen_elfnote_status want;
		uint32_t supported, required;
		const char *bad;
	} cases[] = {
		{"", XEN_NOTES_OK, 0, 0, NULL},
		{"writable_page_tables", XEN_NOTES_OK, 1U << 0, 0, NULL},
		{"!writable_page_tables|pae_pgdir_above_4gb", XEN_NOTES_OK, 0x11, 0x1, NULL},
		{"writable_descriptor_tables|auto_translated_physmap|supervisor_mode_kernel",
		 XEN_NOTES_OK, 0xe, 0, NULL},
		{"!hvm_callback_vector|!dom0", XEN_NOTES_OK, (1U << 8) | (1U << 11),
		 (1U << 8) | (1U << 11), NULL},
		{"no_such_feature|dom0", XEN_NOTES_OK, 1U << 11, 0, NULL}, /* optional: ignored */
		{"dom0||", XEN_NOTES_OK, 1U << 11, 0, NULL},
		{"|", XEN_NOTES_OK, 0, 0, NULL},
		{"!no_such_feature", XEN_NOTES_EFEATURE, 0, 0, "no_such_feature"},
		{"dom0|!gnttab_map_avail_bits", XEN_NOTES_EFEATURE, 1U << 11, 0,
		 "gnttab_map_avail_bits"}, /* a XENFEAT_ Xen's notes do not name */
		{"!", XEN_NOTES_EFEATURE, 0, 0, ""},
		{"!dom", XEN_NOTES_EFEATURE, 0, 0, "dom"},
		{"!dom0x", XEN_NOTES_EFEATURE, 0, 0, "dom0x"},
		{"!!dom0", XEN_NOTES_EFEATURE, 0, 0, "!dom0"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t supported = 0, required = 0;
		char bad[64] = "";

		assert_int_equal(xen_elfnote_parse_features(cases[i].text, strlen(cases[i].text),
							    &supported, &required, bad,
							    sizeof(bad)),
				 cases[i].want);
		assert_int_equal(supported, cases[i].supported);
		assert_int_equal(required, cases[i].required);
		if (cases[i].bad != NULL)
			assert_string_equal(bad, cases[i].bad);
	}
}

static void long_unknown_feature_is_cut_in_the_report(void **state)
{
	char text[200], bad[8];
	uint32_t supported = 0, required = 0;

	(void)state;
	memset(text, 'x', sizeof(text));
	text[0] = '!';
	text[sizeof(text) - 1] = 0;
	assert_int_equal(xen_elfnote_parse_features(text, strlen(text), &supported, &required, bad,
						    sizeof(bad)),
			 XEN_NOTES_EFEATURE);
	assert_string_equal(bad, "xxxxxxx");
	assert_int_equal(
		xen_elfnote_parse_features(text, strlen(text), &supported, &required, NULL, 0),
		XEN_NOTES_EFEATURE);
	/* Only `length` bytes are read: the same text cut before the '!' is all optional. */
	assert_int_equal(
		xen_elfnote_parse_features("dom0|!nope", 4, &supported, &required, NULL, 0),
		XEN_NOTES_OK);
}

static void unknown_required_feature_in_a_kernel(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;
	char buf[128];

	(void)state;
	kernel(&e);
	te_note_str(&e, XEN_ELFNOTE_FEATURES, "writable_page_tables|!teleportation");
	assert_int_equal(parse(&e, &info), XEN_NOTES_EFEATURE);
	assert_string_equal(info.bad_feature, "teleportation");
	xen_elfnote_describe(&info, XEN_NOTES_EFEATURE, buf, sizeof(buf));
	assert_string_equal(buf, "kernel requires an unknown feature 'teleportation'");
	te_free(&e);
}

static void feature_names_round_trip(void **state)
{
	unsigned bit, named = 0;

	(void)state;
	for (bit = 0; bit < 32; bit++) {
		const char *name = xen_elfnote_feature_name(bit);
		char text[80];
		uint32_t supported = 0, required = 0;

		if (name == NULL)
			continue;
		named++;
		snprintf(text, sizeof(text), "!%s", name);
		assert_int_equal(xen_elfnote_parse_features(text, strlen(text), &supported,
							    &required, NULL, 0),
				 XEN_NOTES_OK);
		assert_int_equal(supported, 1U << bit);
		assert_int_equal(required, 1U << bit);
		assert_true(xen_elfnote_feature(&required, bit));
	}
	assert_int_equal(named, 7);
	assert_null(xen_elfnote_feature_name(1000));
	assert_false(xen_elfnote_feature((const uint32_t[]){~0U}, 32));
}

/* --- which kernels Xen accepts --- */

/* A kernel whose string notes are given (NULL: left out), plus VIRT_BASE and ENTRY. */
static enum xen_elfnote_status identity(const char *guest_os, const char *version,
					const char *loader)
{
	struct test_elf e;
	struct xen_elfnote_info info;
	enum xen_elfnote_status status;

	test_elf_standard(&e, 0);
	te_begin_notes(&e, TE_NOTES, 1);
	if (guest_os)
		te_note_str(&e, XEN_ELFNOTE_GUEST_OS, guest_os);
	if (version)
		te_note_str(&e, XEN_ELFNOTE_XEN_VERSION, version);
	if (loader)
		te_note_str(&e, XEN_ELFNOTE_LOADER, loader);
	te_note_u64(&e, XEN_ELFNOTE_VIRT_BASE, TE_VIRT_BASE);
	status = parse(&e, &info);
	te_free(&e);
	return status;
}

static void loader_guest_os_and_version(void **state)
{
	(void)state;
	assert_int_equal(identity("Mini-OS", "xen-3.0", "generic"), XEN_NOTES_OK);
	assert_int_equal(identity("linux", "xen-3.0", NULL), XEN_NOTES_OK);
	assert_int_equal(identity("linux", "xen-3.0", "elsewhere"), XEN_NOTES_OK);
	assert_int_equal(identity(NULL, "xen-3.0", "generic"), XEN_NOTES_OK);
	/* Xen compares the first 7 (5) characters only. */
	assert_int_equal(identity("linuxish", "xen-3.0.4", "generic-2"), XEN_NOTES_OK);
	assert_int_equal(identity("Mini-OS", "xen-3.0", NULL), XEN_NOTES_ELOADER);
	assert_int_equal(identity("NetBSD", "xen-3.0", "gener"), XEN_NOTES_ELOADER);
	assert_int_equal(identity("Linux", "xen-3.0", ""), XEN_NOTES_ELOADER);
	assert_int_equal(identity(NULL, NULL, NULL), XEN_NOTES_ELOADER);
	assert_int_equal(identity("linux", NULL, "generic"), XEN_NOTES_EXENVER);
	assert_int_equal(identity("linux", "xen-2.0", "generic"), XEN_NOTES_EXENVER);
	assert_int_equal(identity("linux", "xen-3", "generic"), XEN_NOTES_EXENVER);
}

static void a_kernel_without_xen_notes(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;

	(void)state;
	/* No notes at all. */
	test_elf_standard(&e, 0);
	assert_int_equal(parse(&e, &info), XEN_NOTES_ENONE);
	te_free(&e);

	/* Other owners' notes, including names that only start like Xen's. */
	test_elf_standard(&e, 0);
	te_begin_notes(&e, TE_NOTES, 1);
	te_note(&e, "GNU", 3, "0123456789abcdef0123", 20);
	te_note(&e, "Xenon", XEN_ELFNOTE_ENTRY, "\0\0\0\0\0\0\0\0", 8);
	te_note(&e, "Xe", XEN_ELFNOTE_ENTRY, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(parse(&e, &info), XEN_NOTES_ENONE);
	assert_string_equal(xen_elfnote_strerror(XEN_NOTES_ENONE),
			    "not a Xen PV kernel: no Xen ELF notes");
	te_free(&e);
}

/* The standard kernel, notes in a SHT_NOTE section, optionally a __xen_guest section too. */
static void sectioned_kernel(struct test_elf *e, int pt_note_segment, int legacy)
{
	static const char names[] = "\0.shstrtab\0.note.xen\0__xen_guest";

	test_elf_standard(e, 0);
	memcpy(e->data + 0x300, names, sizeof(names));
	memcpy(e->data + 0x380, "GUEST_OS=linux", 15);
	if (pt_note_segment) {
		/* A PT_NOTE holding only a GNU note. */
		te_begin_notes(e, 0x200, 1);
		te_note(e, "GNU", 3, "abcd", 4);
	}
	te_begin_notes(e, TE_NOTES, 0);
	te_basic_notes(e);
	te_sections(e, 0x2000, 4, 1);
	te_section(e, 1, 1, SHT_STRTAB, 0x300, sizeof(names), 0);
	te_section(e, 2, 11, legacy ? 1 : SHT_NOTE, TE_NOTES, e->notes_end - TE_NOTES, 0);
	te_section(e, 3, 21, 1, 0x380, 15, 0);
}

static void notes_from_sections_when_segments_have_none(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;

	(void)state;
	sectioned_kernel(&e, 1, 0);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_true(info.from_sections);
	assert_int_equal(info.nr_xen_notes, 6);
	assert_int_equal(info.virt_base, TE_VIRT_BASE);
	te_free(&e);

	/* Xen notes in a segment: the sections are not read (their broken note is not seen). */
	sectioned_kernel(&e, 0, 0);
	te_begin_notes(&e, 0x200, 1);
	te_basic_notes(&e);
	te_put32(&e, TE_NOTES, 0xffffffff);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_false(info.from_sections);
	te_free(&e);

	/* No Xen notes in segments: a broken note section is an error. */
	sectioned_kernel(&e, 1, 0);
	te_put32(&e, TE_NOTES, 0xffffffff);
	assert_int_equal(parse(&e, &info), XEN_NOTES_EELF);
	assert_int_equal(info.elf_status, ELF_ENOTE);
	te_free(&e);
}

static void legacy_xen_guest_section_is_reported(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;
	char buf[160];

	(void)state;
	sectioned_kernel(&e, 1, 1);
	assert_int_equal(parse(&e, &info), XEN_NOTES_ELEGACY);
	xen_elfnote_describe(&info, XEN_NOTES_ELEGACY, buf, sizeof(buf));
	assert_non_null(strstr(buf, "__xen_guest"));
	assert_non_null(strstr(buf, "not supported"));
	te_free(&e);
}

static void broken_note_segment_is_an_elf_error(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;
	char buf[160];

	(void)state;
	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_GUEST_VERSION, "1", 2);
	/* The last note's descsz claims more than the segment holds. */
	te_put32(&e, e.notes_end - 20 + 4, 0x7ffffff0);
	assert_int_equal(parse(&e, &info), XEN_NOTES_EELF);
	assert_int_equal(info.elf_status, ELF_ENOTE);
	xen_elfnote_describe(&info, XEN_NOTES_EELF, buf, sizeof(buf));
	assert_string_equal(buf, "malformed ELF image: malformed note (sizes run past its segment "
				 "or section)");
	te_free(&e);
}

/* --- defaults and bounds (Xen's elf_xen_addr_calc_check) --- */

/* A kernel with the identity notes and only the address notes asked for. */
static enum xen_elfnote_status addresses(uint64_t virt_base, uint64_t paddr_offset, uint64_t entry,
					 uint64_t init_p2m, struct xen_elfnote_info *info)
{
	struct test_elf e;
	enum xen_elfnote_status status;

	test_elf_standard(&e, 0);
	te_begin_notes(&e, TE_NOTES, 1);
	te_note_str(&e, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	te_note_str(&e, XEN_ELFNOTE_LOADER, "generic");
	if (virt_base != XEN_ELFNOTE_UNSET)
		te_note_u64(&e, XEN_ELFNOTE_VIRT_BASE, virt_base);
	if (paddr_offset != XEN_ELFNOTE_UNSET)
		te_note_u64(&e, XEN_ELFNOTE_PADDR_OFFSET, paddr_offset);
	if (entry != XEN_ELFNOTE_UNSET)
		te_note_u64(&e, XEN_ELFNOTE_ENTRY, entry);
	if (init_p2m != XEN_ELFNOTE_UNSET)
		te_note_u64(&e, XEN_ELFNOTE_INIT_P2M, init_p2m);
	status = parse(&e, info);
	te_free(&e);
	return status;
}

#define UNSET XEN_ELFNOTE_UNSET

static void address_defaults(void **state)
{
	struct xen_elfnote_info info;

	(void)state;
	/* No VIRT_BASE: 0; no PADDR_OFFSET: 0; so the kernel lives at its physical address. */
	assert_int_equal(addresses(UNSET, UNSET, UNSET, UNSET, &info), XEN_NOTES_EBOUNDS);
	/* ... where e_entry, a virtual address, is not inside it. With an entry inside: */
	assert_int_equal(addresses(UNSET, UNSET, TE_LOAD_PADDR + 4, UNSET, &info), XEN_NOTES_OK);
	assert_int_equal(info.virt_base, 0);
	assert_int_equal(info.paddr_offset, 0);
	assert_int_equal(info.virt_kstart, TE_LOAD_PADDR);
	assert_int_equal(info.virt_kend, TE_LOAD_PADDR + TE_LOAD_MEMSZ);

	/* No ENTRY: e_entry. */
	assert_int_equal(addresses(TE_VIRT_BASE, UNSET, UNSET, UNSET, &info), XEN_NOTES_OK);
	assert_int_equal(info.virt_entry, TE_ENTRY);

	/* Mini-OS style: paddr holds the virtual address, PADDR_OFFSET == VIRT_BASE. */
	assert_int_equal(addresses(TE_LOAD_PADDR, TE_LOAD_PADDR, TE_LOAD_PADDR, UNSET, &info),
			 XEN_NOTES_OK);
	assert_int_equal(info.virt_offset, 0);
	assert_int_equal(info.virt_kstart, TE_LOAD_PADDR);

	/* PADDR_OFFSET without VIRT_BASE. */
	assert_int_equal(addresses(UNSET, 0, TE_ENTRY, UNSET, &info), XEN_NOTES_EPADDR);
}

static void kernel_bounds(void **state)
{
	struct xen_elfnote_info info;
	uint64_t end = TE_LOAD_VADDR + TE_LOAD_MEMSZ;

	(void)state;
	assert_int_equal(addresses(TE_VIRT_BASE, 0, TE_LOAD_VADDR, UNSET, &info), XEN_NOTES_OK);
	assert_int_equal(addresses(TE_VIRT_BASE, 0, end, UNSET, &info), XEN_NOTES_OK);
	assert_int_equal(addresses(TE_VIRT_BASE, 0, end + 1, UNSET, &info), XEN_NOTES_EBOUNDS);
	assert_int_equal(addresses(TE_VIRT_BASE, 0, TE_LOAD_VADDR - 1, UNSET, &info),
			 XEN_NOTES_EBOUNDS);
	/* VIRT_BASE above the kernel's start. */
	assert_int_equal(addresses(TE_VIRT_BASE + 0x200001, 0x200001, TE_ENTRY, UNSET, &info),
			 XEN_NOTES_EBOUNDS);
	/* An offset that wraps the kernel's end past 2^64 puts start above end. */
	assert_int_equal(addresses(UINT64_MAX - 0x201000, 0, UNSET, UNSET, &info),
			 XEN_NOTES_EBOUNDS);
}

static void init_p2m_must_not_be_in_the_kernel(void **state)
{
	struct xen_elfnote_info info;
	uint64_t end = TE_LOAD_VADDR + TE_LOAD_MEMSZ;

	(void)state;
	assert_int_equal(addresses(TE_VIRT_BASE, 0, TE_ENTRY, TE_LOAD_VADDR, &info),
			 XEN_NOTES_EP2M);
	assert_int_equal(addresses(TE_VIRT_BASE, 0, TE_ENTRY, end - 8, &info), XEN_NOTES_EP2M);
	assert_int_equal(addresses(TE_VIRT_BASE, 0, TE_ENTRY, end, &info), XEN_NOTES_OK);
	assert_int_equal(addresses(TE_VIRT_BASE, 0, TE_ENTRY, 0x8000000000ULL, &info),
			 XEN_NOTES_OK);
	assert_int_equal(info.init_p2m, 0x8000000000ULL);
}

static void pae_and_bsd_symtab_strings(void **state)
{
	static const struct {
		const char *text;
		enum xen_pae_mode pae;
	} cases[] = {
		{"yes", XEN_PAE_EXTCR3},
		{"bimodal", XEN_PAE_BIMODAL},
		{"yes,bimodal", XEN_PAE_BIMODAL},
		{"no", XEN_PAE_NO},
		{"yess", XEN_PAE_NO},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct test_elf e;
		struct xen_elfnote_info info;

		kernel(&e);
		te_note_str(&e, XEN_ELFNOTE_PAE_MODE, cases[i].text);
		te_note_str(&e, XEN_ELFNOTE_BSD_SYMTAB, "no");
		assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
		assert_int_equal(info.pae, cases[i].pae);
		assert_false(info.bsd_symtab);
		te_free(&e);
	}
}

static void bsd_symtab_extends_the_kernel(void **state)
{
	static const char names[] = "\0.shstrtab\0.symtab\0.strtab";
	struct test_elf e;
	struct xen_elfnote_info info;
	uint64_t pend = TE_LOAD_PADDR + TE_LOAD_MEMSZ, area;

	(void)state;
	kernel(&e);
	te_note_str(&e, XEN_ELFNOTE_BSD_SYMTAB, "yes");
	/* Without a symbol table there is nothing to add. */
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_true(info.bsd_symtab);
	assert_int_equal(info.bsd_symtab_pend, 0);
	assert_int_equal(info.virt_kend, TE_LOAD_VADDR + TE_LOAD_MEMSZ);

	memcpy(e.data + 0x300, names, sizeof(names));
	te_sections(&e, 0x2000, 4, 1);
	te_section(&e, 1, 1, SHT_STRTAB, 0x300, sizeof(names), 0);
	te_section(&e, 2, 11, SHT_SYMTAB, 0x340, 0x30, 3);
	te_section(&e, 3, 19, SHT_STRTAB, 0x380, 0x11, 0);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	/* 4 + 64 + 4 * 64 = 324 -> 328; + 27 (.shstrtab) -> 360; + 0x30 -> 408; + 0x11 -> 432. */
	area = 432;
	assert_int_equal(info.bsd_symtab_pstart, pend);
	assert_int_equal(info.bsd_symtab_pend, pend + area);
	assert_int_equal(info.virt_kend, TE_LOAD_VADDR + TE_LOAD_MEMSZ + area);

	/* A symbol table whose link names no section: as if there were none. */
	te_section(&e, 2, 11, SHT_SYMTAB, 0x340, 0x30, 9);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(info.bsd_symtab_pend, 0);
	te_free(&e);
}

/* --- dom0 or domU --- */

static void dom0_and_domu_checks(void **state)
{
	struct test_elf e;
	struct xen_elfnote_info info;
	uint32_t no_dom0 = 1U << XENFEAT_writable_page_tables, dom0 = 1U << XENFEAT_dom0;

	(void)state;
	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_SUPPORTED_FEATURES, &no_dom0, 4);
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_ENODOM0);
	assert_int_equal(xen_elfnote_check_pv(&info, false), XEN_NOTES_OK);
	/* FEATURES naming dom0 counts as supported too. */
	te_note_str(&e, XEN_ELFNOTE_FEATURES, "dom0");
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_OK);
	te_free(&e);

	kernel(&e);
	te_note(&e, "Xen", XEN_ELFNOTE_SUPPORTED_FEATURES, &dom0, 4);
	te_note_str(&e, XEN_ELFNOTE_FEATURES, "!dom0");
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, false), XEN_NOTES_ENODOMU);
	te_free(&e);

	kernel(&e);
	te_note_str(&e, XEN_ELFNOTE_FEATURES, "!supervisor_mode_kernel");
	assert_int_equal(parse(&e, &info), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_ESUPERVISOR);
	assert_int_equal(xen_elfnote_check_pv(&info, false), XEN_NOTES_ESUPERVISOR);
	te_free(&e);
}

static void messages(void **state)
{
	struct xen_elfnote_info info;
	char buf[160];
	int i, j;

	(void)state;
	for (i = 0; i < XEN_NOTES_STATUS_COUNT; i++)
		for (j = 0; j < i; j++)
			assert_string_not_equal(xen_elfnote_strerror((enum xen_elfnote_status)i),
						xen_elfnote_strerror((enum xen_elfnote_status)j));
	assert_string_equal(xen_elfnote_strerror(XEN_NOTES_STATUS_COUNT), "unknown error");
	memset(&info, 0, sizeof(info));
	strcpy(info.loader, "elsewhere");
	xen_elfnote_describe(&info, XEN_NOTES_ELOADER, buf, sizeof(buf));
	assert_string_equal(buf, "kernel built neither for the generic loader nor as Linux "
				 "(LOADER \"elsewhere\", GUEST_OS \"\")");
	info.bad_type = XEN_ELFNOTE_INIT_P2M;
	xen_elfnote_describe(&info, XEN_NOTES_ENUMBER, buf, sizeof(buf));
	assert_string_equal(buf, "note INIT_P2M: numeric note of a size that holds no number");
	info.bad_type = 1000;
	xen_elfnote_describe(&info, XEN_NOTES_ENUMBER, buf, sizeof(buf));
	assert_string_equal(buf, "note ?: numeric note of a size that holds no number");
}

/* --- Debian's kernels --- */

/*
 * linux-image-6.1.0-56-cloud-amd64 6.1.192-2, notes as `readelf -n` shows them: no
 * HYPERCALL_PAGE note (this Linux fills its hypercall page itself), INIT_P2M at 512 GiB,
 * MOD_START_PFN, and SUPPORTED_FEATURES 0x8801 (writable_page_tables, dom0,
 * linux_rsdp_unrestricted).
 */
static void debian_cloud_kernel_notes(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct xen_elfnote_info info;

	(void)state;
	TE_FROM_FIXTURE(&e, linux_cloud);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(xen_elfnote_parse(&image, &info), XEN_NOTES_OK);
	assert_int_equal(info.nr_xen_notes, 16);
	assert_string_equal(info.guest_os, "linux");
	assert_string_equal(info.guest_version, "2.6");
	assert_string_equal(info.xen_version, "xen-3.0");
	assert_string_equal(info.loader, "generic");
	assert_string_equal(info.features, "!writable_page_tables|pae_pgdir_above_4gb");
	assert_int_equal(info.virt_base, 0xffffffff80000000ULL);
	assert_int_equal(info.paddr_offset, 0);
	assert_int_equal(info.virt_entry, 0xffffffff8304e1c0ULL);
	assert_int_equal(info.hypercall_page, XEN_ELFNOTE_UNSET);
	assert_int_equal(info.init_p2m, 0x8000000000ULL);
	assert_int_equal(info.hv_start_low, 0xffff800000000000ULL);
	assert_int_equal(info.phys32_entry, 0x1000850);
	assert_true(info.mod_start_pfn);
	assert_true(info.suspend_cancel);
	assert_int_equal(info.pae, XEN_PAE_EXTCR3);
	assert_int_equal(info.l1_mfn_valid_count, 2);
	assert_int_equal(info.l1_mfn_valid[0], 1);
	assert_int_equal(info.l1_mfn_valid[1], 1);
	assert_int_equal(info.f_required[0], 1U << XENFEAT_writable_page_tables);
	assert_int_equal(info.f_supported[0], 0x8801 | (1U << XENFEAT_pae_pgdir_above_4gb));
	/* Xen printed "Loaded kernel: ffffffff81000000->ffffffff83e00000". */
	assert_int_equal(info.virt_kstart, 0xffffffff81000000ULL);
	assert_int_equal(info.virt_kend, 0xffffffff83e00000ULL);
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_OK);
	assert_int_equal(xen_elfnote_check_pv(&info, false), XEN_NOTES_OK);
	te_free(&e);
}

static void debian_generic_kernel_notes(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct xen_elfnote_info info;

	(void)state;
	TE_FROM_FIXTURE(&e, linux_amd64);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(xen_elfnote_parse(&image, &info), XEN_NOTES_OK);
	/* "Loaded kernel: ffffffff81000000->ffffffff84a00000", "ENTRY ADDRESS: ffffffff830791c0" */
	assert_int_equal(info.virt_kstart, 0xffffffff81000000ULL);
	assert_int_equal(info.virt_kend, 0xffffffff84a00000ULL);
	assert_int_equal(info.virt_entry, 0xffffffff830791c0ULL);
	assert_int_equal(xen_elfnote_check_pv(&info, true), XEN_NOTES_OK);
	te_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_notes),
		cmocka_unit_test(every_note_type_is_read),
		cmocka_unit_test(last_note_of_a_type_wins),
		cmocka_unit_test(numeric_notes_of_every_size),
		cmocka_unit_test(odd_sized_arrays_are_refused),
		cmocka_unit_test(strings_end_with_their_descriptor),
		cmocka_unit_test(feature_strings),
		cmocka_unit_test(long_unknown_feature_is_cut_in_the_report),
		cmocka_unit_test(unknown_required_feature_in_a_kernel),
		cmocka_unit_test(feature_names_round_trip),
		cmocka_unit_test(loader_guest_os_and_version),
		cmocka_unit_test(a_kernel_without_xen_notes),
		cmocka_unit_test(notes_from_sections_when_segments_have_none),
		cmocka_unit_test(legacy_xen_guest_section_is_reported),
		cmocka_unit_test(broken_note_segment_is_an_elf_error),
		cmocka_unit_test(address_defaults),
		cmocka_unit_test(kernel_bounds),
		cmocka_unit_test(init_p2m_must_not_be_in_the_kernel),
		cmocka_unit_test(pae_and_bsd_symtab_strings),
		cmocka_unit_test(bsd_symtab_extends_the_kernel),
		cmocka_unit_test(dom0_and_domu_checks),
		cmocka_unit_test(messages),
		cmocka_unit_test(debian_cloud_kernel_notes),
		cmocka_unit_test(debian_generic_kernel_notes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
