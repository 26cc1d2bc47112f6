/*
 * The Xen ELF notes of a PV kernel: what the kernel tells its domain builder (where it wants to
 * live, where it starts, what it needs) and the rules Xen applies to that before building.
 *
 * The rules follow Xen's libelf (libelf-dominfo.c) so that a kernel Xen accepts is accepted
 * here with the same figures, and one Xen refuses is refused: the last note of a type wins,
 * unknown note types are ignored, an unknown *required* feature is an error. Where Xen reads past
 * a descriptor or silently takes 0, Parvus does neither: a string ends at its first NUL or at
 * the end of its descriptor, whichever comes first, and a numeric note must have a size that
 * holds a number. Callers: the dom0 builder and dom0's toolstack, after elf_image_open().
 */
#include <parvus/xen_elfnote.h>

#include <stdio.h>
#include <string.h>

/* The feature names Xen's FEATURES note understands, by XENFEAT_* bit. */
static const char *const feature_names[] = {
	[XENFEAT_writable_page_tables] = "writable_page_tables",
	[XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
	[XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
	[XENFEAT_dom0] = "dom0",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *xen_elfnote_feature_name(unsigned bit)
{
	return bit < ARRAY_SIZE(feature_names) ? feature_names[bit] : NULL;
}

static const char *const status_text[XEN_NOTES_STATUS_COUNT] = {
	[XEN_NOTES_OK] = "no error",
	[XEN_NOTES_EELF] = "malformed ELF image",
	[XEN_NOTES_ENONE] = "not a Xen PV kernel: no Xen ELF notes",
	[XEN_NOTES_ELEGACY] = ("only a legacy __xen_guest section, which is not supported "
			       "(rebuild the kernel with Xen ELF notes)"),
	[XEN_NOTES_ENUMBER] = "numeric note of a size that holds no number",
	[XEN_NOTES_EFEATURE] = "kernel requires an unknown feature",
	[XEN_NOTES_ELOADER] = "kernel built neither for the generic loader nor as Linux",
	[XEN_NOTES_EXENVER] = "kernel not built for Xen 3.0 (XEN_VERSION is not \"xen-3.0\")",
	[XEN_NOTES_EPADDR] = "PADDR_OFFSET given without VIRT_BASE",
	[XEN_NOTES_EBOUNDS] = "kernel start or entry point out of bounds",
	[XEN_NOTES_EP2M] = "INIT_P2M address inside the kernel image",
	[XEN_NOTES_ENODOM0] = "kernel does not support dom0 operation",
	[XEN_NOTES_ENODOMU] = "kernel does not support unprivileged (domU) operation",
	[XEN_NOTES_ESUPERVISOR] = "kernel requires supervisor-mode execution",
};

const char *xen_elfnote_strerror(enum xen_elfnote_status status)
{
	if ((unsigned)status >= XEN_NOTES_STATUS_COUNT)
		return "unknown error";
	return status_text[status];
}

static const char *const note_names[XEN_ELFNOTE_MAX + 1] = {
	[XEN_ELFNOTE_ENTRY] = "ENTRY",
	[XEN_ELFNOTE_HYPERCALL_PAGE] = "HYPERCALL_PAGE",
	[XEN_ELFNOTE_VIRT_BASE] = "VIRT_BASE",
	[XEN_ELFNOTE_PADDR_OFFSET] = "PADDR_OFFSET",
	[XEN_ELFNOTE_XEN_VERSION] = "XEN_VERSION",
	[XEN_ELFNOTE_GUEST_OS] = "GUEST_OS",
	[XEN_ELFNOTE_GUEST_VERSION] = "GUEST_VERSION",
	[XEN_ELFNOTE_LOADER] = "LOADER",
	[XEN_ELFNOTE_PAE_MODE] = "PAE_MODE",
	[XEN_ELFNOTE_FEATURES] = "FEATURES",
	[XEN_ELFNOTE_BSD_SYMTAB] = "BSD_SYMTAB",
	[XEN_ELFNOTE_HV_START_LOW] = "HV_START_LOW",
	[XEN_ELFNOTE_L1_MFN_VALID] = "L1_MFN_VALID",
	[XEN_ELFNOTE_SUSPEND_CANCEL] = "SUSPEND_CANCEL",
	[XEN_ELFNOTE_INIT_P2M] = "INIT_P2M",
	[XEN_ELFNOTE_MOD_START_PFN] = "MOD_START_PFN",
	[XEN_ELFNOTE_SUPPORTED_FEATURES] = "SUPPORTED_FEATURES",
	[XEN_ELFNOTE_PHYS32_ENTRY] = "PHYS32_ENTRY",
};

int xen_elfnote_describe(const struct xen_elfnote_info *info, enum xen_elfnote_status status,
			 char *buf, size_t size)
{
	const char *what = xen_elfnote_strerror(status);
	const char *note = "?";

	if (info->bad_type <= XEN_ELFNOTE_MAX && note_names[info->bad_type] != NULL)
		note = note_names[info->bad_type];
	switch (status) {
	case XEN_NOTES_EELF:
		return snprintf(buf, size, "%s: %s", what, elf_image_strerror(info->elf_status));
	case XEN_NOTES_ENUMBER:
		return snprintf(buf, size, "note %s: %s", note, what);
	case XEN_NOTES_EFEATURE:
		return snprintf(buf, size, "%s '%s'", what, info->bad_feature);
	case XEN_NOTES_ELOADER:
		return snprintf(buf, size, "%s (LOADER \"%s\", GUEST_OS \"%s\")", what,
				info->loader, info->guest_os);
	default:
		return snprintf(buf, size, "%s", what);
	}
}

static void set_feature(uint32_t *map, unsigned bit)
{
	map[bit / 32] |= 1U << (bit % 32);
}

/* Copy at most size - 1 bytes of [s, s + len) into bad, NUL-terminated. */
static void keep_name(char *bad, size_t bad_size, const char *s, size_t len)
{
	if (bad == NULL || bad_size == 0)
		return;
	if (len > bad_size - 1)
		len = bad_size - 1;
	memcpy(bad, s, len);
	bad[len] = 0;
}

enum xen_elfnote_status xen_elfnote_parse_features(const char *features, size_t length,
						   uint32_t *supported, uint32_t *required,
						   char *bad, size_t bad_size)
{
	const char *p = features, *stop = features + length;

	while (p < stop) {
		const char *end = p;
		bool must;
		size_t len;
		unsigned bit;

		while (end < stop && *end != '|')
			end++;
		must = *p == '!';
		if (must)
			p++;
		len = (size_t)(end - p);

		for (bit = 0; bit < ARRAY_SIZE(feature_names); bit++)
			if (feature_names[bit] != NULL && strlen(feature_names[bit]) == len &&
			    memcmp(feature_names[bit], p, len) == 0)
				break;
		if (bit < ARRAY_SIZE(feature_names)) {
			set_feature(supported, bit);
			if (must)
				set_feature(required, bit);
		} else if (must) {
			/* An unknown optional feature is fine; one the kernel cannot do without is
			 * not. */
			keep_name(bad, bad_size, p, len);
			return XEN_NOTES_EFEATURE;
		}
		p = end < stop ? end + 1 : end;
	}
	return XEN_NOTES_OK;
}

/* Copy len bytes of text into a buffer of `size`, cut to fit, NUL-terminated. */
static void copy_string(char *out, size_t size, const uint8_t *text, size_t len)
{
	if (len > size - 1)
		len = size - 1;
	memcpy(out, text, len);
	out[len] = 0;
}

/* Which notes hold strings; the others hold numbers. */
static bool is_string_note(uint32_t type)
{
	switch (type) {
	case XEN_ELFNOTE_XEN_VERSION:
	case XEN_ELFNOTE_GUEST_OS:
	case XEN_ELFNOTE_GUEST_VERSION:
	case XEN_ELFNOTE_LOADER:
	case XEN_ELFNOTE_PAE_MODE:
	case XEN_ELFNOTE_FEATURES:
	case XEN_ELFNOTE_BSD_SYMTAB:
		return true;
	default:
		return false;
	}
}

/* A little-endian number of 1, 2, 4 or 8 bytes. */
static bool read_number(const uint8_t *p, uint32_t size, uint64_t *out)
{
	uint64_t value = 0;
	uint32_t i;

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	for (i = 0; i < size; i++)
		value |= (uint64_t)p[i] << (8 * i);
	*out = value;
	return true;
}

/* A note walk in progress: the notes go into info; a bad one stops the walk with status. */
struct walk {
	struct xen_elfnote_info *info;
	enum xen_elfnote_status status;
};

/* What take_note returns to stop elf_image_walk_notes(): no elf_status has this value. */
#define STOP_WALK (-1)

static int note_error(struct walk *w, enum xen_elfnote_status status, uint32_t type)
{
	w->info->bad_type = type;
	w->status = status;
	return STOP_WALK;
}

/* One note: record it if it is Xen's. Returns ELF_OK to go on, STOP_WALK on a bad note. */
static int take_note(void *ctx, const struct elf_note *note)
{
	struct walk *w = ctx;
	struct xen_elfnote_info *info = w->info;
	char text[sizeof(info->features)];
	size_t str_len = 0;
	const char *str = NULL;
	uint64_t value = 0;
	uint32_t type = note->type;

	if (!elf_note_owner_is(note, "Xen"))
		return ELF_OK;
	info->nr_xen_notes++;
	if (type > XEN_ELFNOTE_MAX || note_names[type] == NULL)
		return ELF_OK; /* unknown to Xen too: ignored */

	if (is_string_note(type)) {
		/* The text: up to the first NUL or the end of the descriptor. */
		const uint8_t *nul = memchr(note->desc, 0, note->descsz);

		str_len = nul != NULL ? (size_t)(nul - note->desc) : note->descsz;
		copy_string(text, sizeof(text), note->desc, str_len);
		str = text;
	} else if (type == XEN_ELFNOTE_L1_MFN_VALID) {
		/* One or two 64-bit words: the mask, then the value (Linux gives both). */
		if (note->descsz != 8 && note->descsz != 16)
			return note_error(w, XEN_NOTES_ENUMBER, type);
		info->l1_mfn_valid_count = note->descsz / 8;
		read_number(note->desc, 8, &info->l1_mfn_valid[0]);
		if (note->descsz == 16)
			read_number(note->desc + 8, 8, &info->l1_mfn_valid[1]);
	} else if (type == XEN_ELFNOTE_SUPPORTED_FEATURES) {
		/* An array of 32-bit maps; Xen reads the first XENFEAT_NR_SUBMAPS of them. */
		unsigned i;

		if (note->descsz == 0 || note->descsz % 4 != 0)
			return note_error(w, XEN_NOTES_ENUMBER, type);
		for (i = 0; i < XENFEAT_NR_SUBMAPS && i < note->descsz / 4; i++) {
			read_number(note->desc + 4 * i, 4, &value);
			info->f_supported[i] |= (uint32_t)value;
		}
	} else if (!read_number(note->desc, note->descsz, &value)) {
		return note_error(w, XEN_NOTES_ENUMBER, type);
	}
	info->present |= 1U << type;

	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		info->virt_entry = value;
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		info->hypercall_page = value;
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		info->virt_base = value;
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		info->paddr_offset = value;
		break;
	case XEN_ELFNOTE_HV_START_LOW:
		info->hv_start_low = value;
		break;
	case XEN_ELFNOTE_INIT_P2M:
		info->init_p2m = value;
		break;
	case XEN_ELFNOTE_MOD_START_PFN:
		info->mod_start_pfn = value != 0;
		break;
	case XEN_ELFNOTE_SUSPEND_CANCEL:
		info->suspend_cancel = value != 0;
		break;
	case XEN_ELFNOTE_PHYS32_ENTRY:
		info->phys32_entry = (uint32_t)value;
		break;
	case XEN_ELFNOTE_XEN_VERSION:
		copy_string(info->xen_version, sizeof(info->xen_version), note->desc, str_len);
		break;
	case XEN_ELFNOTE_GUEST_OS:
		copy_string(info->guest_os, sizeof(info->guest_os), note->desc, str_len);
		break;
	case XEN_ELFNOTE_GUEST_VERSION:
		copy_string(info->guest_version, sizeof(info->guest_version), note->desc, str_len);
		break;
	case XEN_ELFNOTE_LOADER:
		copy_string(info->loader, sizeof(info->loader), note->desc, str_len);
		break;
	case XEN_ELFNOTE_PAE_MODE:
		if (strcmp(str, "yes") == 0)
			info->pae = XEN_PAE_EXTCR3;
		if (strstr(str, "bimodal") != NULL)
			info->pae = XEN_PAE_BIMODAL;
		break;
	case XEN_ELFNOTE_BSD_SYMTAB:
		if (strcmp(str, "yes") == 0)
			info->bsd_symtab = true;
		break;
	case XEN_ELFNOTE_FEATURES:
		copy_string(info->features, sizeof(info->features), note->desc, str_len);
		if (xen_elfnote_parse_features((const char *)note->desc, str_len, info->f_supported,
					       info->f_required, info->bad_feature,
					       sizeof(info->bad_feature)) != XEN_NOTES_OK)
			return note_error(w, XEN_NOTES_EFEATURE, type);
		break;
	}
	return ELF_OK;
}

/* Walk one kind of note container; an ELF-level failure becomes XEN_NOTES_EELF. */
static enum xen_elfnote_status walk(const struct elf_image *image, enum elf_notes_source source,
				    struct xen_elfnote_info *info, unsigned *count)
{
	struct walk w = {.info = info, .status = XEN_NOTES_OK};
	int rc = elf_image_walk_notes(image, source, take_note, &w, count);

	if (rc == ELF_OK)
		return XEN_NOTES_OK;
	if (rc == STOP_WALK)
		return w.status;
	info->elf_status = (enum elf_status)rc;
	return XEN_NOTES_EELF;
}

static uint64_t round8(uint64_t x)
{
	return (x + 7) & ~7ULL;
}

/*
 * The area Xen appends after the kernel for BSD_SYMTAB (libelf-loader.c, elf_parse_bsdsyms):
 * a 32-bit size, a copy of the ELF header and section headers, then every symbol and string
 * table, each rounded to 8 bytes. Only when the image has a symbol table whose link is valid.
 */
static void bsd_symtab_area(const struct elf_image *image, struct xen_elfnote_info *info)
{
	struct elf_section sec, link;
	bool have_symtab = false;
	uint64_t size;
	unsigned i;

	for (i = 0; i < image->shnum && !have_symtab; i++)
		have_symtab = elf_image_section(image, i, &sec) && sec.type == SHT_SYMTAB &&
			      elf_image_section(image, sec.link, &link);
	if (!have_symtab)
		return;

	size = round8(sizeof(uint32_t) + image->ehsize + (uint64_t)image->shnum * ELF_SHDR64_SIZE);
	for (i = 0; i < image->shnum; i++) {
		elf_image_section(image, i, &sec);
		/* Sizes come from the image: cap them so the sum cannot wrap. */
		if ((sec.type == SHT_STRTAB || sec.type == SHT_SYMTAB) && sec.size <= image->size)
			size = round8(size + sec.size);
	}
	info->bsd_symtab_pstart = round8(image->pend);
	info->bsd_symtab_pend = info->bsd_symtab_pstart + size;
}

/* Xen's elf_xen_note_check: is this a kernel Xen will load at all? */
static enum xen_elfnote_status check_identity(const struct xen_elfnote_info *info)
{
	bool is_generic = strncmp(info->loader, "generic", 7) == 0;
	bool is_linux = strncmp(info->guest_os, "linux", 5) == 0;

	if (!is_generic && !is_linux)
		return XEN_NOTES_ELOADER;
	if (strncmp(info->xen_version, "xen-3.0", 7) != 0)
		return XEN_NOTES_EXENVER;
	return XEN_NOTES_OK;
}

/* Xen's elf_xen_addr_calc_check for a PV kernel: defaults, then the kernel's extent. */
static enum xen_elfnote_status derive_addresses(const struct elf_image *image,
						struct xen_elfnote_info *info)
{
	if (info->paddr_offset != XEN_ELFNOTE_UNSET && info->virt_base == XEN_ELFNOTE_UNSET)
		return XEN_NOTES_EPADDR;
	if (info->virt_base == XEN_ELFNOTE_UNSET)
		info->virt_base = 0;
	/* 0 with notes; only the legacy __xen_guest form defaulted it to VIRT_BASE. */
	if (info->paddr_offset == XEN_ELFNOTE_UNSET)
		info->paddr_offset = 0;

	/* All modulo 2^64, as in Xen: a kernel linked high may give a physical offset of 0. */
	info->virt_offset = info->virt_base - info->paddr_offset;
	info->virt_kstart = image->pstart + info->virt_offset;
	info->virt_kend = image->pend + info->virt_offset;
	if (info->virt_entry == XEN_ELFNOTE_UNSET)
		info->virt_entry = image->entry;
	if (info->bsd_symtab) {
		bsd_symtab_area(image, info);
		if (info->bsd_symtab_pend != 0)
			info->virt_kend = info->bsd_symtab_pend + info->virt_offset;
	}

	if (info->virt_kstart > info->virt_kend || info->virt_entry < info->virt_kstart ||
	    info->virt_entry > info->virt_kend || info->virt_base > info->virt_kstart)
		return XEN_NOTES_EBOUNDS;
	if (info->init_p2m != XEN_ELFNOTE_UNSET && info->init_p2m >= info->virt_kstart &&
	    info->init_p2m < info->virt_kend)
		return XEN_NOTES_EP2M;
	return XEN_NOTES_OK;
}

enum xen_elfnote_status xen_elfnote_parse(const struct elf_image *image,
					  struct xen_elfnote_info *info)
{
	enum xen_elfnote_status status;
	struct elf_section legacy;
	unsigned count = 0;

	memset(info, 0, sizeof(*info));
	info->virt_base = XEN_ELFNOTE_UNSET;
	info->paddr_offset = XEN_ELFNOTE_UNSET;
	info->virt_entry = XEN_ELFNOTE_UNSET;
	info->hypercall_page = XEN_ELFNOTE_UNSET;
	info->init_p2m = XEN_ELFNOTE_UNSET;
	info->hv_start_low = XEN_ELFNOTE_UNSET;
	info->phys32_entry = XEN_ELFNOTE_UNSET32;

	status = walk(image, ELF_NOTES_SEGMENTS, info, &count);
	if (status != XEN_NOTES_OK)
		return status;
	/* As Xen: fall back to SHT_NOTE sections only if no segment held a Xen note. */
	if (info->nr_xen_notes == 0) {
		info->from_sections = true;
		status = walk(image, ELF_NOTES_SECTIONS, info, &count);
		if (status != XEN_NOTES_OK)
			return status;
	}
	if (info->nr_xen_notes == 0) {
		info->from_sections = false;
		if (elf_image_find_section(image, "__xen_guest", &legacy) != -1)
			return XEN_NOTES_ELEGACY;
		return XEN_NOTES_ENONE;
	}

	status = check_identity(info);
	if (status != XEN_NOTES_OK)
		return status;
	return derive_addresses(image, info);
}

enum xen_elfnote_status xen_elfnote_check_pv(const struct xen_elfnote_info *info, bool dom0)
{
	if (dom0 && (info->present & (1U << XEN_ELFNOTE_SUPPORTED_FEATURES)) &&
	    !xen_elfnote_feature(info->f_supported, XENFEAT_dom0))
		return XEN_NOTES_ENODOM0;
	if (!dom0 && xen_elfnote_feature(info->f_required, XENFEAT_dom0))
		return XEN_NOTES_ENODOMU;
	if (xen_elfnote_feature(info->f_required, XENFEAT_supervisor_mode_kernel))
		return XEN_NOTES_ESUPERVISOR;
	return XEN_NOTES_OK;
}
