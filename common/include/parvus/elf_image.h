/*
 * An ELF64 x86-64 executable held in a memory buffer, as the domain builder sees it: checked
 * once by elf_image_open(), then read (notes, sections) and loaded through callbacks.
 *
 * The buffer is hostile. elf_image_open() proves every header, table and segment lies inside it
 * (with arithmetic that cannot wrap) before anything else reads them, so the other functions
 * never go out of bounds. Used by xen_elfnote.c, by the hypervisor's dom0 builder and by dom0's
 * toolstack; the image must stay in place while a struct elf_image refers to it.
 */
#ifndef PARVUS_ELF_IMAGE_H
#define PARVUS_ELF_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The ELF facts this code needs (System V gABI and the x86-64 psABI). */
#define ELF_EHDR64_SIZE 64
#define ELF_PHDR64_SIZE 56
#define ELF_SHDR64_SIZE 64
#define ELF_NOTE_HEADER_SIZE 12
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define SHT_SYMTAB 2
#define SHT_STRTAB 3
#define SHT_NOTE 7
#define PN_XNUM 0xffff

/* Limits of what Parvus accepts; real kernels stay far below them. */
#define ELF_IMAGE_MAX_LOAD 64		  /* loadable segments */
#define ELF_IMAGE_MAX_EXTENT (1ULL << 30) /* bytes from the lowest to the highest loaded byte */
#define ELF_IMAGE_MAX_NOTES 65536	  /* notes walked in one image, as Xen's limit */

/* What went wrong. elf_image_strerror() gives a sentence for each. */
enum elf_status {
	ELF_OK = 0,
	ELF_ETOOSMALL,	  /* the buffer cannot hold an ELF header */
	ELF_EMAGIC,	  /* no \177ELF magic */
	ELF_ECLASS,	  /* not ELFCLASS64 */
	ELF_EDATA,	  /* not little-endian */
	ELF_EVERSION,	  /* e_ident[EI_VERSION] or e_version is not 1 */
	ELF_ETYPE,	  /* not ET_EXEC */
	ELF_EMACHINE,	  /* not EM_X86_64 */
	ELF_EEHSIZE,	  /* e_ehsize smaller than an ELF64 header */
	ELF_EPHENTSIZE,	  /* e_phentsize is not 56 */
	ELF_EPHNUM,	  /* no program headers, or PN_XNUM (extended numbering) */
	ELF_EPHDRS,	  /* the program header table runs past the end of the buffer */
	ELF_ESHENTSIZE,	  /* e_shentsize is not 64 */
	ELF_ESHDRS,	  /* the section header table runs past the end of the buffer */
	ELF_ENOLOAD,	  /* no loadable segment */
	ELF_ETOOMANYLOAD, /* more than ELF_IMAGE_MAX_LOAD loadable segments */
	ELF_ESEGFILE,	  /* a segment's file bytes run past the end of the buffer */
	ELF_EFILESZ,	  /* a segment has p_filesz > p_memsz */
	ELF_EALIGN,   /* p_align is not a power of two, or vaddr and offset disagree modulo it */
	ELF_EWRAP,    /* a segment's address range wraps around 2^64 */
	ELF_EOVERLAP, /* two loadable segments overlap */
	ELF_EEXTENT,  /* the loadable segments span more than ELF_IMAGE_MAX_EXTENT */
	ELF_ESECTION, /* a section's bytes run past the end of the buffer */
	ELF_ENOTE,    /* a note's sizes run past the end of its segment or section */
	ELF_ETOOMANYNOTES, /* more than ELF_IMAGE_MAX_NOTES notes */
	ELF_EDEST,	   /* the load callback refused a write */
	ELF_STATUS_COUNT
};

const char *elf_image_strerror(enum elf_status status);

/* One loadable segment, as checked: [paddr, paddr + memsz) is where it goes. */
struct elf_segment {
	uint64_t offset; /* of its file bytes in the buffer */
	uint64_t vaddr;
	uint64_t paddr;
	uint64_t filesz; /* <= memsz; the rest is zero-filled */
	uint64_t memsz;
	uint32_t flags; /* PF_* */
	uint16_t index; /* its program header's index */
};

struct elf_image {
	const uint8_t *data;
	size_t size;
	uint64_t entry; /* e_entry */
	uint64_t phoff, shoff;
	uint16_t phnum, shnum, shstrndx;
	uint16_t ehsize; /* e_ehsize */
	/*
	 * The loadable segments are those Xen loads: PT_LOAD with at least one of R, W, X. Xen
	 * places them by physical address, so pstart/pend are the lowest p_paddr and the highest
	 * p_paddr + p_memsz among them (Linux's per-CPU segment has p_vaddr 0).
	 */
	struct elf_segment load[ELF_IMAGE_MAX_LOAD];
	unsigned nr_load;
	uint64_t pstart, pend;
	int bad_index; /* the header index an error was about, or -1 */
};

/* Check the buffer and fill *image. Anything but ELF_OK leaves *image unusable. */
enum elf_status elf_image_open(struct elf_image *image, const void *data, size_t size);

/* One note (an ELF Nhdr and its name and descriptor), all inside the image. */
struct elf_note {
	uint32_t type;
	uint32_t namesz, descsz;
	const uint8_t *name; /* namesz bytes, normally a NUL-terminated string */
	const uint8_t *desc; /* descsz bytes */
};

/* True if the note's name is exactly `owner` (NUL-terminated within namesz). */
bool elf_note_owner_is(const struct elf_note *note, const char *owner);

/*
 * Walk the notes of every PT_NOTE segment (ELF_NOTES_SEGMENTS) or of every SHT_NOTE section
 * (ELF_NOTES_SECTIONS), calling fn for each. A segment with p_offset 0 is skipped, as Xen does
 * (old binutils left it so). fn returns ELF_OK to go on; anything else stops the walk and is
 * returned. *count, if not NULL, is increased by the number of notes seen and limits the total
 * to ELF_IMAGE_MAX_NOTES across calls (start it at 0).
 */
enum elf_notes_source { ELF_NOTES_SEGMENTS, ELF_NOTES_SECTIONS };
typedef int (*elf_note_fn)(void *ctx, const struct elf_note *note);
int elf_image_walk_notes(const struct elf_image *image, enum elf_notes_source source,
			 elf_note_fn fn, void *ctx, unsigned *count);

/* One section header, read on demand. */
struct elf_section {
	uint32_t name; /* offset in the section-name string table */
	uint32_t type;
	uint64_t offset, size;
	uint32_t link;
};

/* Section header `index` (< shnum); false if there is none. Its bytes are not checked. */
bool elf_image_section(const struct elf_image *image, unsigned index, struct elf_section *out);

/*
 * Find the section called `name`. Returns ELF_OK and fills *out; ELF_ESECTION if it exists but
 * its bytes run past the buffer; -1 if there is no such section (or no usable section-name
 * string table, which a stripped image may lack).
 */
int elf_image_find_section(const struct elf_image *image, const char *name,
			   struct elf_section *out);

/*
 * Where the loader puts the image. write copies len bytes to the destination address `addr`;
 * zero clears len bytes there. Each returns 0, or a negative number to stop the load (the
 * number is kept in *dest_error of elf_image_load).
 */
struct elf_load_target {
	int (*write)(void *ctx, uint64_t addr, const void *src, uint64_t len);
	int (*zero)(void *ctx, uint64_t addr, uint64_t len);
	void *ctx;
};

/*
 * Copy every loadable segment's file bytes to p_paddr + virt_offset and zero the rest of its
 * memsz, in program-header order. virt_offset is Xen's virt_base - elf_paddr_offset
 * (xen_elfnote.h), so the destination is the kernel's virtual address. Returns ELF_OK, or
 * ELF_EWRAP if a destination wraps, or ELF_EDEST with the callback's error in *dest_error.
 */
enum elf_status elf_image_load(const struct elf_image *image, uint64_t virt_offset,
			       const struct elf_load_target *target, int *dest_error);

#endif /* PARVUS_ELF_IMAGE_H */
