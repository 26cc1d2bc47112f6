/*
 * common/elf_image.c: validating, walking and loading ELF64 x86-64 images held in memory.
 *
 * Images are built in memory (tests/unit/domain_builder/elf_builder.h), then broken one field
 * at a time; every malformed variant must give its own clear error and no out-of-bounds read
 * (the test runs under ASan: the buffers are exactly the image's size). The last cases read
 * the header view of Debian's Linux 6.1 kernels (tests/unit/domain_builder/linux-6.1-*.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <parvus/elf_image.h>
#include <stdio.h>
#include <string.h>

#include "domain_builder/elf_builder.h"
#include "domain_builder/linux-6.1-amd64.h"
#include "domain_builder/linux-6.1-cloud-amd64.h"

/* Open a copy of the image exactly `size` bytes long, so ASan sees any read past it. */
static enum elf_status open_exact(struct elf_image *image, const struct test_elf *e, size_t size,
				  uint8_t **copy)
{
	*copy = malloc(size ? size : 1);
	memcpy(*copy, e->data, size);
	return elf_image_open(image, *copy, size);
}

static enum elf_status open_test(struct test_elf *e)
{
	struct elf_image image;
	uint8_t *copy;
	enum elf_status status = open_exact(&image, e, e->size, &copy);

	free(copy);
	return status;
}

static void standard_image_opens(void **state)
{
	struct test_elf e;
	struct elf_image image;

	(void)state;
	test_elf_standard(&e, 1);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(image.nr_load, 1);
	assert_int_equal(image.phnum, 2);
	assert_int_equal(image.entry, TE_ENTRY);
	assert_int_equal(image.pstart, TE_LOAD_PADDR);
	assert_int_equal(image.pend, TE_LOAD_PADDR + TE_LOAD_MEMSZ);
	assert_int_equal(image.load[0].vaddr, TE_LOAD_VADDR);
	assert_int_equal(image.load[0].filesz, TE_LOAD_FILESZ);
	assert_int_equal(image.bad_index, -1);
	te_free(&e);
}

/* Every prefix of a valid image is refused without reading past its end. */
static void every_truncation_is_refused(void **state)
{
	struct test_elf e;
	size_t size;

	(void)state;
	test_elf_standard(&e, 1);
	for (size = 0; size < e.size; size++) {
		struct elf_image image;
		uint8_t *copy;
		enum elf_status status = open_exact(&image, &e, size, &copy);

		if (size < ELF_EHDR64_SIZE)
			assert_int_equal(status, ELF_ETOOSMALL);
		else if (size < TE_PHDRS + 2 * ELF_PHDR64_SIZE)
			assert_int_equal(status, ELF_EPHDRS);
		else if (size < TE_LOAD_OFFSET + TE_LOAD_FILESZ)
			assert_int_equal(status, ELF_ESEGFILE);
		else
			assert_int_equal(status, ELF_OK); /* the rest is padding */
		free(copy);
	}
	te_free(&e);
}

/* Break one byte or field of the standard image's header and expect `want`. */
struct header_case {
	const char *what;
	size_t offset;
	unsigned width; /* 1, 2, 4 or 8 */
	uint64_t value;
	enum elf_status want;
};

static const struct header_case header_cases[] = {
	{"magic", 0, 1, 0x7e, ELF_EMAGIC},
	{"magic E", 1, 1, 'e', ELF_EMAGIC},
	{"class 32", 4, 1, 1, ELF_ECLASS},
	{"class none", 4, 1, 0, ELF_ECLASS},
	{"big-endian", 5, 1, 2, ELF_EDATA},
	{"ident version", 6, 1, 0, ELF_EVERSION},
	{"e_version", 20, 4, 2, ELF_EVERSION},
	{"type REL", 16, 2, 1, ELF_ETYPE},
	{"type DYN", 16, 2, 3, ELF_ETYPE},
	{"type CORE", 16, 2, 4, ELF_ETYPE},
	{"machine 386", 18, 2, 3, ELF_EMACHINE},
	{"machine AArch64", 18, 2, 183, ELF_EMACHINE},
	{"ehsize", 52, 2, 52, ELF_EEHSIZE},
	{"phentsize 32-bit", 54, 2, 32, ELF_EPHENTSIZE},
	{"phentsize 0", 54, 2, 0, ELF_EPHENTSIZE},
	{"phnum 0", 56, 2, 0, ELF_EPHNUM},
	{"phnum PN_XNUM", 56, 2, 0xffff, ELF_EPHNUM},
	{"phnum too big", 56, 2, 0xfffe, ELF_EPHDRS},
	{"phoff past end", 32, 8, TE_SIZE, ELF_EPHDRS},
	{"phoff table ends past end", 32, 8, TE_SIZE - 56, ELF_EPHDRS},
	{"phoff wraps", 32, 8, UINT64_MAX - 8, ELF_EPHDRS},
	{"shentsize with sections", 60, 2, 3, ELF_ESHENTSIZE},
};

static void put_field(struct test_elf *e, size_t offset, unsigned width, uint64_t value)
{
	switch (width) {
	case 1:
		e->data[offset] = (uint8_t)value;
		break;
	case 2:
		te_put16(e, offset, (uint16_t)value);
		break;
	case 4:
		te_put32(e, offset, (uint32_t)value);
		break;
	default:
		te_put64(e, offset, value);
	}
}

static void broken_headers_are_refused(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const struct header_case *c = &header_cases[i];
		struct test_elf e;

		test_elf_standard(&e, 1);
		put_field(&e, c->offset, c->width, c->value);
		if (c->want == ELF_ESHENTSIZE)
			te_put16(&e, 58, 40);
		if (open_test(&e) != c->want)
			fail_msg("%s: got %d (%s), want %d", c->what, open_test(&e),
				 elf_image_strerror(open_test(&e)), c->want);
		te_free(&e);
	}
}

static void section_table_is_checked(void **state)
{
	struct test_elf e;

	(void)state;
	test_elf_standard(&e, 1);
	te_sections(&e, TE_SIZE - 64 * 3, 3, 0);
	assert_int_equal(open_test(&e), ELF_OK);
	te_sections(&e, TE_SIZE - 64 * 2, 3, 0);
	assert_int_equal(open_test(&e), ELF_ESHDRS);
	te_sections(&e, UINT64_MAX - 64, 3, 0);
	assert_int_equal(open_test(&e), ELF_ESHDRS);
	/* No sections: e_shoff and e_shentsize do not matter. */
	te_sections(&e, UINT64_MAX, 0, 0);
	te_put16(&e, 58, 0);
	assert_int_equal(open_test(&e), ELF_OK);
	te_free(&e);
}

/* Change field `field` of program header 0 (the PT_LOAD) and expect `want` about index 0. */
static void expect_segment(uint64_t field, uint64_t value, enum elf_status want)
{
	struct test_elf e;
	struct elf_image image;
	uint8_t *copy;

	test_elf_standard(&e, 1);
	te_put64(&e, te_phdr_field(0, field), value);
	assert_int_equal(open_exact(&image, &e, e.size, &copy), want);
	if (want != ELF_OK)
		assert_int_equal(image.bad_index, 0);
	free(copy);
	te_free(&e);
}

static void segment_file_bytes_must_be_inside(void **state)
{
	(void)state;
	expect_segment(8, TE_SIZE - TE_LOAD_FILESZ, ELF_OK); /* ends at the last byte */
	expect_segment(8, TE_SIZE - TE_LOAD_FILESZ + 0x1000, ELF_ESEGFILE); /* a page past */
	expect_segment(32, TE_SIZE - TE_LOAD_OFFSET, ELF_OK);
	expect_segment(40, TE_SIZE, ELF_OK);
	expect_segment(32, TE_SIZE - TE_LOAD_OFFSET + 1, ELF_EFILESZ); /* more than memsz */
	expect_segment(8, TE_SIZE, ELF_ESEGFILE);
	expect_segment(8, UINT64_MAX - 0x10, ELF_ESEGFILE); /* offset + filesz wraps */
	expect_segment(32, UINT64_MAX, ELF_EFILESZ);
}

static void segment_sizes_and_alignment(void **state)
{
	(void)state;
	expect_segment(32, TE_LOAD_MEMSZ + 1, ELF_EFILESZ); /* filesz > memsz */
	expect_segment(40, TE_LOAD_FILESZ, ELF_OK);	    /* filesz == memsz */
	expect_segment(48, 0, ELF_OK);
	expect_segment(48, 1, ELF_OK);
	expect_segment(48, 0x3000, ELF_EALIGN);	  /* not a power of two */
	expect_segment(48, 0x200000, ELF_EALIGN); /* vaddr and offset disagree modulo 2 MiB */
	expect_segment(16, TE_LOAD_VADDR + 8, ELF_EALIGN);
}

static void segment_ranges_must_not_wrap(void **state)
{
	(void)state;
	expect_segment(24, UINT64_MAX - 0x1000, ELF_EWRAP);	       /* paddr + memsz */
	expect_segment(24, UINT64_MAX - TE_LOAD_MEMSZ + 1, ELF_EWRAP); /* ends at exactly 2^64 */
	expect_segment(24, UINT64_MAX - TE_LOAD_MEMSZ, ELF_OK);
	expect_segment(16, UINT64_MAX - 0xfff, ELF_EWRAP); /* vaddr + memsz */
	expect_segment(40, UINT64_MAX, ELF_EWRAP);
}

static void loadable_means_pt_load_with_permissions(void **state)
{
	struct test_elf e;
	struct elf_image image;

	(void)state;
	test_elf_standard(&e, 1);
	/* Without R, W or X Xen does not load it: then there is nothing to load. */
	te_put32(&e, te_phdr_field(0, 4), 0);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_ENOLOAD);
	te_put32(&e, te_phdr_field(0, 4), PF_R);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	/* A broken segment that is not loaded is not looked at. */
	te_put32(&e, te_phdr_field(0, 4), 0);
	te_phdr(&e, 1, PF_R, TE_LOAD_OFFSET, TE_LOAD_VADDR, TE_LOAD_PADDR, 0x100, 0x100, 0);
	te_phdr(&e, 6, 0, UINT64_MAX, 0, 0, UINT64_MAX, 0, 3); /* PT_PHDR, nonsense */
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(image.nr_load, 1);
	assert_int_equal(image.load[0].index, 2);
	te_free(&e);
}

static void overlapping_segments_are_refused(void **state)
{
	struct test_elf e;
	struct elf_image image;

	(void)state;
	test_elf_standard(&e, 0);
	/* Adjacent is fine: [0x200000, 0x203000) then [0x203000, 0x204000). */
	te_phdr(&e, 1, PF_R, TE_LOAD_OFFSET, TE_LOAD_VADDR + 0x3000, TE_LOAD_PADDR + 0x3000, 0x10,
		0x1000, 0x1000);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(image.pend, TE_LOAD_PADDR + 0x4000);
	/* One byte into the first. */
	te_phdr(&e, 1, PF_R, TE_LOAD_OFFSET, TE_LOAD_VADDR + 0x2fff, TE_LOAD_PADDR + 0x2fff, 0, 1,
		1);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_EOVERLAP);
	assert_int_equal(image.bad_index, 2);
	te_free(&e);

	/* One inside another, and the same range twice. */
	test_elf_standard(&e, 0);
	te_phdr(&e, 1, PF_R, TE_LOAD_OFFSET, TE_LOAD_VADDR, TE_LOAD_PADDR + 0x100, 0, 0x10, 0);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_EOVERLAP);
	te_free(&e);
	test_elf_standard(&e, 0);
	te_phdr(&e, 1, PF_R, TE_LOAD_OFFSET, TE_LOAD_VADDR, TE_LOAD_PADDR - 0x1000, 0, 0x5000, 0);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_EOVERLAP);
	te_free(&e);
}

static void too_many_or_too_large_segments(void **state)
{
	struct test_elf e;
	struct elf_image image;
	unsigned i;

	(void)state;
	te_init(&e, 0x10000);
	for (i = 0; i < ELF_IMAGE_MAX_LOAD; i++)
		te_phdr(&e, 1, PF_R, 0, 0x100000 + i * 0x1000ULL, 0x100000 + i * 0x1000ULL, 0x10,
			0x1000, 0x1000);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(image.nr_load, ELF_IMAGE_MAX_LOAD);
	te_phdr(&e, 1, PF_R, 0, 0x900000, 0x900000, 0x10, 0x1000, 0x1000);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_ETOOMANYLOAD);
	assert_int_equal(image.bad_index, ELF_IMAGE_MAX_LOAD);
	te_free(&e);

	/* 1 GiB from the lowest to the highest byte is the most accepted. */
	te_init(&e, 0x1000);
	te_phdr(&e, 1, PF_R, 0, 0x1000000, 0x1000000, 0, 0x1000, 0);
	te_phdr(&e, 1, PF_R, 0, 0, 0x1000000 + ELF_IMAGE_MAX_EXTENT - 0x1000, 0, 0x1000, 0);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	te_put64(&e, te_phdr_field(1, 40), 0x1001);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_EEXTENT);
	te_free(&e);
}

/* --- notes --- */

struct seen {
	unsigned count;
	uint32_t types[16];
	int stop_at; /* stop (return 99) at this note, or -1 */
};

static int record_note(void *ctx, const struct elf_note *note)
{
	struct seen *s = ctx;

	if ((int)s->count == s->stop_at)
		return 99;
	if (s->count < 16)
		s->types[s->count] = note->type;
	s->count++;
	return ELF_OK;
}

static int walk(struct test_elf *e, enum elf_notes_source source, struct seen *s)
{
	struct elf_image image;
	uint8_t *copy;
	int rc;

	memset(s, 0, sizeof(*s));
	s->stop_at = -1;
	assert_int_equal(open_exact(&image, e, e->size, &copy), ELF_OK);
	rc = elf_image_walk_notes(&image, source, record_note, s, NULL);
	free(copy);
	return rc;
}

static void notes_are_walked_in_order(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct seen s;
	unsigned count = 0;

	(void)state;
	test_elf_standard(&e, 1);
	te_note(&e, "GNU", 3, "abcd", 4);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_OK);
	assert_int_equal(s.count, 7);
	assert_int_equal(s.types[0], 6);
	assert_int_equal(s.types[6], 3);
	/* No sections: nothing there. */
	assert_int_equal(walk(&e, ELF_NOTES_SECTIONS, &s), ELF_OK);
	assert_int_equal(s.count, 0);

	/* The callback's value stops the walk and comes back. */
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	assert_int_equal(elf_image_walk_notes(&image, ELF_NOTES_SEGMENTS, record_note, &s, &count),
			 99);
	assert_int_equal(s.count, 2);
	assert_int_equal(count, 3);
	te_free(&e);
}

static void note_owner_matching(void **state)
{
	static const uint8_t xen[] = "Xen", xen_padded[] = "Xen\0\0\0\0", xenon[] = "Xenon",
			     unterminated[] = {'X', 'e', 'n'};
	struct elf_note note = {0};

	(void)state;
	note.name = xen;
	note.namesz = 4;
	assert_true(elf_note_owner_is(&note, "Xen"));
	assert_false(elf_note_owner_is(&note, "Xe"));
	assert_false(elf_note_owner_is(&note, "GNU"));
	note.name = xen_padded;
	note.namesz = 8;
	assert_true(elf_note_owner_is(&note, "Xen"));
	note.name = xenon;
	note.namesz = 6;
	assert_false(elf_note_owner_is(&note, "Xen"));
	note.name = unterminated;
	note.namesz = 3;
	assert_false(elf_note_owner_is(&note, "Xen"));
	note.namesz = 0;
	assert_false(elf_note_owner_is(&note, ""));
}

/* A note area holding just the bytes given, as a PT_NOTE segment. */
static int walk_raw(const uint32_t *words, size_t nwords, size_t extra_bytes, struct seen *s)
{
	struct test_elf e;
	size_t i;
	int rc;

	test_elf_standard(&e, 0);
	te_begin_notes(&e, TE_NOTES, 1);
	for (i = 0; i < nwords; i++)
		te_put32(&e, TE_NOTES + 4 * i, words[i]);
	te_put64(&e, te_phdr_field(1, 32), 4 * nwords + extra_bytes);
	rc = walk(&e, ELF_NOTES_SEGMENTS, s);
	te_free(&e);
	return rc;
}

static void malformed_notes_are_refused(void **state)
{
	struct seen s;
	const uint32_t good[] = {4, 4, 1, 0x006e6558, 42};
	const uint32_t huge_name[] = {0xffffffff, 4, 1, 0x006e6558, 42};
	const uint32_t huge_desc[] = {4, 0xfffffffd, 1, 0x006e6558, 42};
	const uint32_t both_huge[] = {0xfffffffd, 0xfffffffd, 1, 0, 0};
	const uint32_t desc_past[] = {4, 8, 1, 0x006e6558, 42};
	const uint32_t empty[] = {0, 0, 7};

	(void)state;
	assert_int_equal(walk_raw(good, 5, 0, &s), ELF_OK);
	assert_int_equal(s.count, 1);
	assert_int_equal(walk_raw(empty, 3, 0, &s), ELF_OK);
	assert_int_equal(walk_raw(huge_name, 5, 0, &s), ELF_ENOTE);
	assert_int_equal(walk_raw(huge_desc, 5, 0, &s), ELF_ENOTE);
	assert_int_equal(walk_raw(both_huge, 5, 0, &s), ELF_ENOTE);
	assert_int_equal(walk_raw(desc_past, 5, 0, &s), ELF_ENOTE);
	assert_int_equal(s.count, 0);
	/* A header cut short: 4 and 8 bytes after a good note. */
	assert_int_equal(walk_raw(good, 5, 4, &s), ELF_ENOTE);
	assert_int_equal(walk_raw(good, 5, 8, &s), ELF_ENOTE);
	assert_int_equal(s.count, 1);
}

static void last_note_may_omit_padding(void **state)
{
	struct seen s;
	const uint32_t words[] = {4, 1, 5, 0x006e6558, 0x2a};

	(void)state;
	/* A 1-byte descriptor, the segment ending right after it. */
	assert_int_equal(walk_raw(words, 4, 1, &s), ELF_OK);
	assert_int_equal(s.count, 1);
	assert_int_equal(s.types[0], 5);
	/* Two bytes of it are missing: malformed. */
	assert_int_equal(walk_raw(words, 4, 0, &s), ELF_ENOTE);
}

static void note_segments_are_checked(void **state)
{
	struct test_elf e;
	struct seen s;

	(void)state;
	test_elf_standard(&e, 1);
	/* Past the end of the image. */
	te_put64(&e, te_phdr_field(1, 32), TE_SIZE);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_ESEGFILE);
	te_put64(&e, te_phdr_field(1, 8), UINT64_MAX);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_ESEGFILE);
	/* p_offset 0 is skipped, as Xen does for old binutils. */
	te_put64(&e, te_phdr_field(1, 8), 0);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_OK);
	assert_int_equal(s.count, 0);
	te_free(&e);
}

static void note_count_is_limited(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct seen s;
	unsigned count = 0;
	size_t area = (size_t)ELF_IMAGE_MAX_NOTES * ELF_NOTE_HEADER_SIZE;

	(void)state;
	/* 65536 empty notes are fine; one more is not. */
	te_init(&e, 0x1000 + area + ELF_NOTE_HEADER_SIZE);
	te_phdr(&e, 1, PF_R, 0, 0, 0, 0, 0x1000, 0);
	te_phdr(&e, PT_NOTE, PF_R, 0x1000, 0, 0, area, area, 4);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_OK);
	assert_int_equal(s.count, ELF_IMAGE_MAX_NOTES);
	te_put64(&e, te_phdr_field(1, 32), area + ELF_NOTE_HEADER_SIZE);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_ETOOMANYNOTES);
	/* The count carries over between calls. */
	te_put64(&e, te_phdr_field(1, 32), 10 * ELF_NOTE_HEADER_SIZE);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	count = ELF_IMAGE_MAX_NOTES - 5;
	memset(&s, 0, sizeof(s));
	s.stop_at = -1;
	assert_int_equal(elf_image_walk_notes(&image, ELF_NOTES_SEGMENTS, record_note, &s, &count),
			 ELF_ETOOMANYNOTES);
	assert_int_equal(s.count, 5);
	te_free(&e);
}

/* --- sections --- */

/* The standard image without PT_NOTE, plus sections: null, .shstrtab, .note.xen, __xen_guest. */
static void sectioned_image(struct test_elf *e)
{
	static const char names[] = "\0.shstrtab\0.note.xen\0__xen_guest";

	test_elf_standard(e, 0);
	memcpy(e->data + 0x300, names, sizeof(names));
	te_begin_notes(e, TE_NOTES, 0);
	te_basic_notes(e);
	te_sections(e, 0x2000, 4, 1);
	te_section(e, 1, 1, SHT_STRTAB, 0x300, sizeof(names), 0);
	te_section(e, 2, 11, SHT_NOTE, TE_NOTES, e->notes_end - TE_NOTES, 0);
	te_section(e, 3, 21, 1, 0x380, 16, 0);
}

static void note_sections_are_walked(void **state)
{
	struct test_elf e;
	struct seen s;

	(void)state;
	sectioned_image(&e);
	assert_int_equal(walk(&e, ELF_NOTES_SECTIONS, &s), ELF_OK);
	assert_int_equal(s.count, 6);
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_OK);
	assert_int_equal(s.count, 0);
	/* A note section past the end of the image. */
	te_section(&e, 2, 11, SHT_NOTE, TE_NOTES, TE_SIZE, 0);
	assert_int_equal(walk(&e, ELF_NOTES_SECTIONS, &s), ELF_ESECTION);
	te_free(&e);
}

static void sections_are_found_by_name(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct elf_section sec;

	(void)state;
	sectioned_image(&e);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(elf_image_find_section(&image, "__xen_guest", &sec), ELF_OK);
	assert_int_equal(sec.offset, 0x380);
	assert_int_equal(sec.size, 16);
	assert_int_equal(elf_image_find_section(&image, ".note.xen", &sec), ELF_OK);
	assert_int_equal(sec.type, SHT_NOTE);
	assert_int_equal(elf_image_find_section(&image, ".note", &sec), -1);
	assert_int_equal(elf_image_find_section(&image, "__xen_guest_", &sec), -1);
	assert_false(elf_image_section(&image, 4, &sec));

	/* A section past the end; a name offset past the string table. */
	te_section(&e, 3, 21, 1, 0x380, TE_SIZE, 0);
	assert_int_equal(elf_image_find_section(&image, "__xen_guest", &sec), ELF_ESECTION);
	te_section(&e, 3, 0x7fffffff, 1, 0x380, 16, 0);
	assert_int_equal(elf_image_find_section(&image, "__xen_guest", &sec), -1);
	/* No usable section-name table: out of the image, or not a string table. */
	te_section(&e, 1, 1, SHT_STRTAB, 0x300, UINT64_MAX, 0);
	assert_int_equal(elf_image_find_section(&image, ".note.xen", &sec), -1);
	te_section(&e, 1, 1, SHT_NOTE, 0x300, 32, 0);
	assert_int_equal(elf_image_find_section(&image, ".note.xen", &sec), -1);
	te_put16(&e, 62, 9);
	assert_int_equal(elf_image_find_section(&image, ".note.xen", &sec), -1);
	te_free(&e);
}

/* --- loading --- */

/* A destination window [base, base + size) backed by a buffer. */
struct window {
	uint64_t base;
	uint8_t *bytes;
	uint64_t size;
	unsigned writes, zeros;
	int fail_with;
};

static int window_write(void *ctx, uint64_t addr, const void *src, uint64_t len)
{
	struct window *w = ctx;

	if (w->fail_with != 0)
		return w->fail_with;
	assert_true(addr >= w->base && len <= w->size && addr - w->base <= w->size - len);
	memcpy(w->bytes + (addr - w->base), src, len);
	w->writes++;
	return 0;
}

static int window_zero(void *ctx, uint64_t addr, uint64_t len)
{
	struct window *w = ctx;

	assert_true(addr >= w->base && len <= w->size && addr - w->base <= w->size - len);
	memset(w->bytes + (addr - w->base), 0, len);
	w->zeros++;
	return 0;
}

static void segments_are_copied_and_zeroed(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct window w = {.base = TE_LOAD_VADDR, .size = TE_LOAD_MEMSZ};
	struct elf_load_target target = {window_write, window_zero, &w};
	uint64_t offset = TE_VIRT_BASE; /* virt_base - paddr_offset, for the standard notes */
	int dest_error = 7;
	size_t i;

	(void)state;
	test_elf_standard(&e, 1);
	w.bytes = malloc(TE_LOAD_MEMSZ);
	memset(w.bytes, 0xcc, TE_LOAD_MEMSZ);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(elf_image_load(&image, offset, &target, &dest_error), ELF_OK);
	assert_int_equal(dest_error, 0);
	assert_int_equal(w.writes, 1);
	assert_int_equal(w.zeros, 1);
	assert_memory_equal(w.bytes, e.data + TE_LOAD_OFFSET, TE_LOAD_FILESZ);
	for (i = TE_LOAD_FILESZ; i < TE_LOAD_MEMSZ; i++)
		assert_int_equal(w.bytes[i], 0);

	/* The destination's error stops the load and is handed back. */
	w.fail_with = -28;
	assert_int_equal(elf_image_load(&image, offset, &target, &dest_error), ELF_EDEST);
	assert_int_equal(dest_error, -28);
	assert_int_equal(elf_image_load(&image, offset, &target, NULL), ELF_EDEST);

	/* A destination that would run past 2^64. */
	assert_int_equal(elf_image_load(&image, UINT64_MAX - TE_LOAD_PADDR, &target, NULL),
			 ELF_EWRAP);
	free(w.bytes);
	te_free(&e);
}

static void bss_only_segment_is_only_zeroed(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct window w = {.base = 0x400000, .size = 0x2000};
	struct elf_load_target target = {window_write, window_zero, &w};

	(void)state;
	te_init(&e, 0x200);
	te_phdr(&e, 1, PF_R | PF_W, 0, 0x400000, 0x400000, 0, 0x2000, 0x1000);
	te_phdr(&e, 1, PF_R, 0, 0x402000, 0x402000, 0, 0, 0); /* empty: nothing at all */
	w.bytes = malloc(0x2000);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(elf_image_load(&image, 0, &target, NULL), ELF_OK);
	assert_int_equal(w.writes, 0);
	assert_int_equal(w.zeros, 1);
	free(w.bytes);
	te_free(&e);
}

static void every_status_has_a_message(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < ELF_STATUS_COUNT; i++) {
		assert_non_null(elf_image_strerror((enum elf_status)i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(elf_image_strerror((enum elf_status)i),
						elf_image_strerror((enum elf_status)j));
	}
	assert_string_equal(elf_image_strerror(ELF_STATUS_COUNT), "unknown error");
	assert_string_equal(elf_image_strerror((enum elf_status) - 1), "unknown error");
}

/* --- Debian's kernels --- */

struct tally {
	uint64_t copied, zeroed;
	uint64_t low, high;
};

static int tally_write(void *ctx, uint64_t addr, const void *src, uint64_t len)
{
	struct tally *t = ctx;

	(void)src;
	t->copied += len;
	if (addr < t->low)
		t->low = addr;
	if (addr + len > t->high)
		t->high = addr + len;
	return 0;
}

static int tally_zero(void *ctx, uint64_t addr, uint64_t len)
{
	struct tally *t = ctx;

	t->zeroed += len;
	if (addr + len > t->high)
		t->high = addr + len;
	return 0;
}

/*
 * linux-image-6.1.0-56-cloud-amd64 (6.1.192-2): four PT_LOAD segments placed by physical
 * address (the third, .data..percpu, has p_vaddr 0), paddr 0x1000000 -> 0x3e00000, as Xen
 * printed ("Dom0 kernel: 64-bit, PAE, lsb, paddr 0x1000000 -> 0x3e00000").
 */
static void debian_cloud_kernel(void **state)
{
	struct test_elf e;
	struct elf_image image;
	struct tally t = {0, 0, UINT64_MAX, 0};
	struct elf_load_target target = {tally_write, tally_zero, &t};
	struct seen s;

	(void)state;
	TE_FROM_FIXTURE(&e, linux_cloud);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(image.nr_load, 4);
	assert_int_equal(image.pstart, 0x1000000);
	assert_int_equal(image.pend, 0x3e00000);
	assert_int_equal(image.load[2].vaddr, 0);
	assert_int_equal(image.load[2].paddr, 0x301a000);
	assert_int_equal(elf_image_load(&image, 0xffffffff80000000ULL, &target, NULL), ELF_OK);
	assert_int_equal(t.copied, 0x1826634 + 0x61a000 + 0x34000 + 0xdb2000);
	assert_int_equal(t.low, 0xffffffff81000000ULL);
	assert_int_equal(t.high, 0xffffffff83e00000ULL);
	/* 16 Xen notes, one GNU build id, two Linux notes. */
	assert_int_equal(walk(&e, ELF_NOTES_SEGMENTS, &s), ELF_OK);
	assert_int_equal(s.count, 19);
	te_free(&e);
}

/* linux-image-6.1.0-56-amd64: paddr 0x1000000 -> 0x4a00000 ("Dom0 kernel: ... -> 0x4a00000"). */
static void debian_generic_kernel(void **state)
{
	struct test_elf e;
	struct elf_image image;

	(void)state;
	TE_FROM_FIXTURE(&e, linux_amd64);
	assert_int_equal(elf_image_open(&image, e.data, e.size), ELF_OK);
	assert_int_equal(image.nr_load, 4);
	assert_int_equal(image.pstart, 0x1000000);
	assert_int_equal(image.pend, 0x4a00000);
	assert_int_equal(image.entry, 0x1000000);
	/* The same kernel cut off in its last segment. */
	assert_int_equal(elf_image_open(&image, e.data, e.size - 1), ELF_ESEGFILE);
	assert_int_equal(image.bad_index, 3);
	te_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(standard_image_opens),
		cmocka_unit_test(every_truncation_is_refused),
		cmocka_unit_test(broken_headers_are_refused),
		cmocka_unit_test(section_table_is_checked),
		cmocka_unit_test(segment_file_bytes_must_be_inside),
		cmocka_unit_test(segment_sizes_and_alignment),
		cmocka_unit_test(segment_ranges_must_not_wrap),
		cmocka_unit_test(loadable_means_pt_load_with_permissions),
		cmocka_unit_test(overlapping_segments_are_refused),
		cmocka_unit_test(too_many_or_too_large_segments),
		cmocka_unit_test(notes_are_walked_in_order),
		cmocka_unit_test(note_owner_matching),
		cmocka_unit_test(malformed_notes_are_refused),
		cmocka_unit_test(last_note_may_omit_padding),
		cmocka_unit_test(note_segments_are_checked),
		cmocka_unit_test(note_count_is_limited),
		cmocka_unit_test(note_sections_are_walked),
		cmocka_unit_test(sections_are_found_by_name),
		cmocka_unit_test(segments_are_copied_and_zeroed),
		cmocka_unit_test(bss_only_segment_is_only_zeroed),
		cmocka_unit_test(every_status_has_a_message),
		cmocka_unit_test(debian_cloud_kernel),
		cmocka_unit_test(debian_generic_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
