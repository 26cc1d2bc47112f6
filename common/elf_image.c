/*
 * ELF64 x86-64 executables in a memory buffer: validation, notes, sections, loading.
 *
 * Invariant: after elf_image_open() returns ELF_OK, the ELF header, the program header table,
 * the section header table and every loadable segment's file bytes lie inside the buffer, and
 * no loadable segment's address range wraps or overlaps another. Every later read relies on
 * that and checks only what open() could not (note contents, section bytes). Fields are read
 * byte by byte as little-endian, so the buffer needs no alignment. Users: xen_elfnote.c, the
 * dom0 builder in the hypervisor, the domain builder in dom0's toolstack, host tests, fuzzers.
 */
#include <parvus/elf_image.h>

#include <string.h>

static const char *const status_text[ELF_STATUS_COUNT] = {
	[ELF_OK] = "no error",
	[ELF_ETOOSMALL] = "image too small for an ELF header",
	[ELF_EMAGIC] = "not an ELF image (bad magic number)",
	[ELF_ECLASS] = "not a 64-bit ELF image",
	[ELF_EDATA] = "not a little-endian ELF image",
	[ELF_EVERSION] = "unknown ELF version",
	[ELF_ETYPE] = "not an executable (ELF type is not ET_EXEC)",
	[ELF_EMACHINE] = "not an x86-64 image",
	[ELF_EEHSIZE] = "ELF header size too small",
	[ELF_EPHENTSIZE] = "program header entry size is not 56",
	[ELF_EPHNUM] = "no program headers, or extended numbering (PN_XNUM) used",
	[ELF_EPHDRS] = "program header table runs past the end of the image",
	[ELF_ESHENTSIZE] = "section header entry size is not 64",
	[ELF_ESHDRS] = "section header table runs past the end of the image",
	[ELF_ENOLOAD] = "no loadable segment",
	[ELF_ETOOMANYLOAD] = "too many loadable segments",
	[ELF_ESEGFILE] = "segment data runs past the end of the image",
	[ELF_EFILESZ] = "segment file size larger than its memory size",
	[ELF_EALIGN] = "segment alignment invalid",
	[ELF_EWRAP] = "segment address range wraps around",
	[ELF_EOVERLAP] = "loadable segments overlap",
	[ELF_EEXTENT] = "loadable segments span too much memory",
	[ELF_ESECTION] = "section data runs past the end of the image",
	[ELF_ENOTE] = "malformed note (sizes run past its segment or section)",
	[ELF_ETOOMANYNOTES] = "too many notes",
	[ELF_EDEST] = "the destination refused a write while loading",
};

const char *elf_image_strerror(enum elf_status status)
{
	if ((unsigned)status >= ELF_STATUS_COUNT)
		return "unknown error";
	return status_text[status];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* True if [offset, offset + len) lies inside a buffer of `size` bytes; never wraps. */
static bool within(uint64_t offset, uint64_t len, uint64_t size)
{
	return offset <= size && len <= size - offset;
}

/* Check the file header (e_ident and the fixed fields) and the two header tables' bounds. */
static enum elf_status check_header(struct elf_image *image)
{
	const uint8_t *e = image->data;
	uint16_t phentsize, shentsize;

	if (image->size < ELF_EHDR64_SIZE)
		return ELF_ETOOSMALL;
	if (e[0] != 0x7f || e[1] != 'E' || e[2] != 'L' || e[3] != 'F')
		return ELF_EMAGIC;
	if (e[4] != ELFCLASS64)
		return ELF_ECLASS;
	if (e[5] != ELFDATA2LSB)
		return ELF_EDATA;
	if (e[6] != EV_CURRENT || get32(e + 20) != EV_CURRENT)
		return ELF_EVERSION;
	if (get16(e + 16) != ET_EXEC)
		return ELF_ETYPE;
	if (get16(e + 18) != EM_X86_64)
		return ELF_EMACHINE;
	image->ehsize = get16(e + 52);
	if (image->ehsize < ELF_EHDR64_SIZE)
		return ELF_EEHSIZE;

	image->entry = get64(e + 24);
	image->phoff = get64(e + 32);
	image->shoff = get64(e + 40);
	phentsize = get16(e + 54);
	image->phnum = get16(e + 56);
	shentsize = get16(e + 58);
	image->shnum = get16(e + 60);
	image->shstrndx = get16(e + 62);

	if (image->phnum == 0 || image->phnum == PN_XNUM)
		return ELF_EPHNUM;
	if (phentsize != ELF_PHDR64_SIZE)
		return ELF_EPHENTSIZE;
	/* At most 65534 * 56 bytes: the product cannot overflow. */
	if (!within(image->phoff, (uint64_t)image->phnum * ELF_PHDR64_SIZE, image->size))
		return ELF_EPHDRS;
	if (image->shnum != 0) {
		if (shentsize != ELF_SHDR64_SIZE)
			return ELF_ESHENTSIZE;
		if (!within(image->shoff, (uint64_t)image->shnum * ELF_SHDR64_SIZE, image->size))
			return ELF_ESHDRS;
	}
	return ELF_OK;
}

static const uint8_t *phdr_at(const struct elf_image *image, unsigned index)
{
	return image->data + image->phoff + (uint64_t)index * ELF_PHDR64_SIZE;
}

/* Check one PT_LOAD segment on its own: file bytes, sizes, alignment, wrap-around. */
static enum elf_status check_segment(const struct elf_image *image, const struct elf_segment *s,
				     uint64_t align)
{
	if (s->filesz > s->memsz)
		return ELF_EFILESZ;
	if (!within(s->offset, s->filesz, image->size))
		return ELF_ESEGFILE;
	/* The end (one past the last byte) must be representable: nothing reaches 2^64. */
	if (s->memsz > UINT64_MAX - s->paddr || s->memsz > UINT64_MAX - s->vaddr)
		return ELF_EWRAP;
	/* gABI: p_align is 0, 1 or a power of two, and p_vaddr = p_offset modulo p_align. */
	if (align > 1 && ((align & (align - 1)) != 0 || (s->vaddr - s->offset) % align != 0))
		return ELF_EALIGN;
	return ELF_OK;
}

/* Do the physical ranges [paddr, paddr + memsz) of two segments share a byte? */
static bool overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	/* check_segment proved the ends do not wrap. Empty segments overlap nothing. */
	return a->paddr < b->paddr + b->memsz && b->paddr < a->paddr + a->memsz;
}

static enum elf_status fail_at(struct elf_image *image, enum elf_status status, int index)
{
	image->bad_index = index;
	return status;
}

enum elf_status elf_image_open(struct elf_image *image, const void *data, size_t size)
{
	enum elf_status status;
	unsigned i, j;

	memset(image, 0, sizeof(*image));
	image->data = data;
	image->size = size;
	image->bad_index = -1;
	image->pstart = UINT64_MAX;

	status = check_header(image);
	if (status != ELF_OK)
		return status;

	for (i = 0; i < image->phnum; i++) {
		const uint8_t *ph = phdr_at(image, i);
		struct elf_segment s;
		uint64_t align;

		/* Xen loads PT_LOAD segments that are readable, writable or executable. */
		if (get32(ph) != PT_LOAD || (get32(ph + 4) & (PF_R | PF_W | PF_X)) == 0)
			continue;
		s.flags = get32(ph + 4);
		s.offset = get64(ph + 8);
		s.vaddr = get64(ph + 16);
		s.paddr = get64(ph + 24);
		s.filesz = get64(ph + 32);
		s.memsz = get64(ph + 40);
		s.index = (uint16_t)i;
		align = get64(ph + 48);

		status = check_segment(image, &s, align);
		if (status != ELF_OK)
			return fail_at(image, status, (int)i);
		if (image->nr_load == ELF_IMAGE_MAX_LOAD)
			return fail_at(image, ELF_ETOOMANYLOAD, (int)i);
		for (j = 0; j < image->nr_load; j++)
			if (overlap(&image->load[j], &s))
				return fail_at(image, ELF_EOVERLAP, (int)i);
		image->load[image->nr_load++] = s;

		/* As Xen's elf_parse_binary: an empty segment still counts at its address. */
		if (s.paddr < image->pstart)
			image->pstart = s.paddr;
		if (s.paddr + s.memsz > image->pend)
			image->pend = s.paddr + s.memsz;
	}
	if (image->nr_load == 0)
		return ELF_ENOLOAD;
	if (image->pend - image->pstart > ELF_IMAGE_MAX_EXTENT)
		return ELF_EEXTENT;
	return ELF_OK;
}

bool elf_note_owner_is(const struct elf_note *note, const char *owner)
{
	size_t len = strlen(owner);

	/* The name holds the owner and its NUL; padding NULs after it are harmless. */
	return note->namesz > len && memcmp(note->name, owner, len) == 0 && note->name[len] == 0;
}

/* Walk the notes packed in the image bytes [offset, offset + len), already bounds-checked. */
static int walk_region(const struct elf_image *image, uint64_t offset, uint64_t len, elf_note_fn fn,
		       void *ctx, unsigned *count)
{
	const uint8_t *p = image->data + offset;
	uint64_t left = len;

	while (left > 0) {
		struct elf_note note;
		uint64_t name_space, desc_space;
		int rc;

		if (left < ELF_NOTE_HEADER_SIZE)
			return ELF_ENOTE;
		note.namesz = get32(p);
		note.descsz = get32(p + 4);
		note.type = get32(p + 8);
		/* Name and descriptor are each padded to 4 bytes; 64-bit sums cannot wrap. */
		name_space = ((uint64_t)note.namesz + 3) & ~3ULL;
		desc_space = ((uint64_t)note.descsz + 3) & ~3ULL;
		if (name_space + desc_space > left - ELF_NOTE_HEADER_SIZE) {
			/* The last note's descriptor may omit its padding. */
			if (name_space + note.descsz != left - ELF_NOTE_HEADER_SIZE)
				return ELF_ENOTE;
			desc_space = note.descsz;
		}
		note.name = p + ELF_NOTE_HEADER_SIZE;
		note.desc = note.name + name_space;

		if (*count >= ELF_IMAGE_MAX_NOTES)
			return ELF_ETOOMANYNOTES;
		(*count)++;
		rc = fn(ctx, &note);
		if (rc != ELF_OK)
			return rc;

		p += ELF_NOTE_HEADER_SIZE + name_space + desc_space;
		left -= ELF_NOTE_HEADER_SIZE + name_space + desc_space;
	}
	return ELF_OK;
}

bool elf_image_section(const struct elf_image *image, unsigned index, struct elf_section *out)
{
	const uint8_t *sh;

	if (index >= image->shnum)
		return false;
	sh = image->data + image->shoff + (uint64_t)index * ELF_SHDR64_SIZE;
	out->name = get32(sh);
	out->type = get32(sh + 4);
	out->offset = get64(sh + 24);
	out->size = get64(sh + 32);
	out->link = get32(sh + 40);
	return true;
}

int elf_image_walk_notes(const struct elf_image *image, enum elf_notes_source source,
			 elf_note_fn fn, void *ctx, unsigned *count)
{
	unsigned local_count = 0;
	unsigned i;
	int rc;

	if (count == NULL)
		count = &local_count;

	if (source == ELF_NOTES_SEGMENTS) {
		for (i = 0; i < image->phnum; i++) {
			const uint8_t *ph = phdr_at(image, i);
			uint64_t offset = get64(ph + 8), filesz = get64(ph + 32);

			/* Some binutils left p_offset 0 in note segments: Xen skips those. */
			if (get32(ph) != PT_NOTE || offset == 0)
				continue;
			if (!within(offset, filesz, image->size))
				return ELF_ESEGFILE;
			rc = walk_region(image, offset, filesz, fn, ctx, count);
			if (rc != ELF_OK)
				return rc;
		}
		return ELF_OK;
	}

	/* Section 0 is the reserved null section. */
	for (i = 1; i < image->shnum; i++) {
		struct elf_section sec;

		elf_image_section(image, i, &sec);
		if (sec.type != SHT_NOTE)
			continue;
		if (!within(sec.offset, sec.size, image->size))
			return ELF_ESECTION;
		rc = walk_region(image, sec.offset, sec.size, fn, ctx, count);
		if (rc != ELF_OK)
			return rc;
	}
	return ELF_OK;
}

int elf_image_find_section(const struct elf_image *image, const char *name, struct elf_section *out)
{
	struct elf_section names;
	size_t want = strlen(name) + 1;
	unsigned i;

	if (!elf_image_section(image, image->shstrndx, &names) || names.type != SHT_STRTAB ||
	    !within(names.offset, names.size, image->size))
		return -1;

	for (i = 1; i < image->shnum; i++) {
		struct elf_section sec;

		elf_image_section(image, i, &sec);
		/* The name must fit, with its NUL, inside the string table. */
		if (!within(sec.name, want, names.size) ||
		    memcmp(image->data + names.offset + sec.name, name, want) != 0)
			continue;
		if (!within(sec.offset, sec.size, image->size))
			return ELF_ESECTION;
		*out = sec;
		return ELF_OK;
	}
	return -1;
}

enum elf_status elf_image_load(const struct elf_image *image, uint64_t virt_offset,
			       const struct elf_load_target *target, int *dest_error)
{
	unsigned i;
	int rc;

	if (dest_error != NULL)
		*dest_error = 0;
	for (i = 0; i < image->nr_load; i++) {
		const struct elf_segment *s = &image->load[i];
		uint64_t dest = s->paddr + virt_offset;

		/* The offset is added modulo 2^64 as Xen does; only the destination must not wrap.
		 */
		if (s->memsz > UINT64_MAX - dest)
			return ELF_EWRAP;
		rc = 0;
		if (s->filesz != 0)
			rc = target->write(target->ctx, dest, image->data + s->offset, s->filesz);
		if (rc == 0 && s->memsz > s->filesz)
			rc = target->zero(target->ctx, dest + s->filesz, s->memsz - s->filesz);
		if (rc != 0) {
			if (dest_error != NULL)
				*dest_error = rc;
			return ELF_EDEST;
		}
	}
	return ELF_OK;
}
