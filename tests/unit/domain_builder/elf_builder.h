/*
 * Build ELF64 images in memory for the domain-builder tests: a header, program headers, a note
 * area and segment bytes, written field by field so a test can then break any one of them.
 *
 * The standard image (test_elf_standard) is a small valid x86-64 PV kernel:
 *   0x000 ELF header          0x040 program headers (room for 8)
 *   0x400 notes (PT_NOTE)      0x1000 segment 0 file bytes (0x1000 of them, then 0x2000 of bss)
 * linked at 0xffffffff80200000, physical 0x200000, with the usual Xen notes.
 */
#ifndef PARVUS_TEST_ELF_BUILDER_H
#define PARVUS_TEST_ELF_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TE_SIZE 0x4000
#define TE_PHDRS 0x40
#define TE_NOTES 0x400
#define TE_LOAD_OFFSET 0x1000
#define TE_LOAD_FILESZ 0x1000
#define TE_LOAD_MEMSZ 0x3000
#define TE_VIRT_BASE 0xffffffff80000000ULL
#define TE_LOAD_VADDR 0xffffffff80200000ULL
#define TE_LOAD_PADDR 0x200000ULL
#define TE_ENTRY (TE_LOAD_VADDR + 0x10)

struct test_elf {
	uint8_t *data;
	size_t size;
	unsigned phnum;
	size_t notes_start, notes_end; /* the area te_note() appends to */
	int note_phdr;		       /* the PT_NOTE covering it, or -1 */
	size_t shoff;		       /* the section header table, once te_sections() made one */
};

static inline void te_put16(struct test_elf *e, size_t off, uint16_t v)
{
	e->data[off] = (uint8_t)v;
	e->data[off + 1] = (uint8_t)(v >> 8);
}

static inline void te_put32(struct test_elf *e, size_t off, uint32_t v)
{
	te_put16(e, off, (uint16_t)v);
	te_put16(e, off + 2, (uint16_t)(v >> 16));
}

static inline void te_put64(struct test_elf *e, size_t off, uint64_t v)
{
	te_put32(e, off, (uint32_t)v);
	te_put32(e, off + 4, (uint32_t)(v >> 32));
}

/* An image of `size` zero bytes with a valid ELF header and no program headers. */
static inline void te_init(struct test_elf *e, size_t size)
{
	e->data = calloc(1, size);
	e->size = size;
	e->phnum = 0;
	e->notes_start = e->notes_end = 0;
	e->note_phdr = -1;
	e->shoff = 0;
	memcpy(e->data, "\177ELF", 4);
	e->data[4] = 2;	     /* ELFCLASS64 */
	e->data[5] = 1;	     /* little-endian */
	e->data[6] = 1;	     /* EV_CURRENT */
	te_put16(e, 16, 2);  /* ET_EXEC */
	te_put16(e, 18, 62); /* EM_X86_64 */
	te_put32(e, 20, 1);
	te_put64(e, 24, TE_ENTRY);
	te_put64(e, 32, TE_PHDRS);
	te_put16(e, 52, 64);
	te_put16(e, 54, 56);
	te_put16(e, 58, 64);
}

static inline void te_free(struct test_elf *e)
{
	free(e->data);
	e->data = NULL;
}

/* Append a program header; returns its index. */
static inline unsigned te_phdr(struct test_elf *e, uint32_t type, uint32_t flags, uint64_t offset,
			       uint64_t vaddr, uint64_t paddr, uint64_t filesz, uint64_t memsz,
			       uint64_t align)
{
	size_t at = TE_PHDRS + (size_t)e->phnum * 56;

	te_put32(e, at, type);
	te_put32(e, at + 4, flags);
	te_put64(e, at + 8, offset);
	te_put64(e, at + 16, vaddr);
	te_put64(e, at + 24, paddr);
	te_put64(e, at + 32, filesz);
	te_put64(e, at + 40, memsz);
	te_put64(e, at + 48, align);
	te_put16(e, 56, (uint16_t)++e->phnum);
	return e->phnum - 1;
}

/* Offset of field `field_offset` of program header `index`. */
static inline size_t te_phdr_field(unsigned index, size_t field_offset)
{
	return TE_PHDRS + (size_t)index * 56 + field_offset;
}

/* Start a note area at `offset`, covered by a new PT_NOTE header if `segment`. */
static inline void te_begin_notes(struct test_elf *e, size_t offset, int segment)
{
	e->notes_start = e->notes_end = offset;
	e->note_phdr = segment ? (int)te_phdr(e, 4, 4, offset, 0, 0, 0, 0, 4) : -1;
}

/* Append one note with owner `name` (its NUL included in namesz). */
static inline void te_note(struct test_elf *e, const char *name, uint32_t type, const void *desc,
			   uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t at = e->notes_end;

	te_put32(e, at, namesz);
	te_put32(e, at + 4, descsz);
	te_put32(e, at + 8, type);
	memcpy(e->data + at + 12, name, namesz);
	at += 12 + ((namesz + 3) & ~3U);
	memcpy(e->data + at, desc, descsz);
	e->notes_end = at + ((descsz + 3) & ~3U);
	if (e->note_phdr >= 0) {
		te_put64(e, te_phdr_field((unsigned)e->note_phdr, 32),
			 e->notes_end - e->notes_start);
		te_put64(e, te_phdr_field((unsigned)e->note_phdr, 40),
			 e->notes_end - e->notes_start);
	}
}

static inline void te_note_str(struct test_elf *e, uint32_t type, const char *s)
{
	te_note(e, "Xen", type, s, (uint32_t)strlen(s) + 1);
}

static inline void te_note_u64(struct test_elf *e, uint32_t type, uint64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	te_note(e, "Xen", type, b, 8);
}

/* The notes every acceptable PV kernel has: owner, version, loader, VIRT_BASE, ENTRY. */
static inline void te_basic_notes(struct test_elf *e)
{
	te_note_str(e, 6, "Parvus-test"); /* GUEST_OS */
	te_note_str(e, 5, "xen-3.0");	  /* XEN_VERSION */
	te_note_str(e, 8, "generic");	  /* LOADER */
	te_note_u64(e, 3, TE_VIRT_BASE);  /* VIRT_BASE */
	te_note_u64(e, 4, 0);		  /* PADDR_OFFSET */
	te_note_u64(e, 1, TE_ENTRY);	  /* ENTRY */
}

/* The standard image: one loadable segment, and a PT_NOTE with te_basic_notes if `notes`. */
static inline void test_elf_standard(struct test_elf *e, int notes)
{
	unsigned i;

	te_init(e, TE_SIZE);
	te_phdr(e, 1, 7, TE_LOAD_OFFSET, TE_LOAD_VADDR, TE_LOAD_PADDR, TE_LOAD_FILESZ,
		TE_LOAD_MEMSZ, 0x1000);
	for (i = 0; i < TE_LOAD_FILESZ; i++)
		e->data[TE_LOAD_OFFSET + i] = (uint8_t)(i * 7 + 1);
	if (notes) {
		te_begin_notes(e, TE_NOTES, 1);
		te_basic_notes(e);
	}
}

/* Add a section header table at `offset` with `count` zeroed entries; fill with te_section(). */
static inline void te_sections(struct test_elf *e, size_t offset, uint16_t count, uint16_t shstrndx)
{
	e->shoff = offset;
	te_put64(e, 40, offset);
	te_put16(e, 60, count);
	te_put16(e, 62, shstrndx);
}

static inline void te_section(struct test_elf *e, unsigned index, uint32_t name, uint32_t type,
			      uint64_t offset, uint64_t size, uint32_t link)
{
	size_t at = e->shoff + (size_t)index * 64;

	te_put32(e, at, name);
	te_put32(e, at + 4, type);
	te_put64(e, at + 24, offset);
	te_put64(e, at + 32, size);
	te_put32(e, at + 40, link);
}

/*
 * Rebuild a real kernel's header view from a fixture made by make-fixture: a zeroed image of
 * the kernel's file size with its ELF header, program headers and notes in place.
 */
static inline void te_from_fixture(struct test_elf *e, const uint8_t *ehdr, size_t phoff,
				   const uint8_t *phdrs, size_t phdrs_len, size_t notes_offset,
				   const uint8_t *notes, size_t notes_len, size_t file_size)
{
	e->data = calloc(1, file_size);
	e->size = file_size;
	e->phnum = 0;
	e->note_phdr = -1;
	e->shoff = 0;
	memcpy(e->data, ehdr, 64);
	memcpy(e->data + phoff, phdrs, phdrs_len);
	memcpy(e->data + notes_offset, notes, notes_len);
}

#define TE_FROM_FIXTURE(e, name)                                                          \
	te_from_fixture(e, name##_ehdr, name##_phoff, name##_phdrs, sizeof(name##_phdrs), \
			name##_notes_offset, name##_notes, sizeof(name##_notes), name##_file_size)

#endif /* PARVUS_TEST_ELF_BUILDER_H */
