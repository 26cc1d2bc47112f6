/*
 * The Xen ELF notes of a PV kernel (owner "Xen", types in <public/elfnote.h>), parsed into one
 * struct with Xen's defaults applied and Xen's acceptance rules checked, as Xen's libelf does
 * (xen/common/libelf/libelf-dominfo.c) for the dom0 builder and for libxenguest.
 *
 * The struct holds copies, not pointers: it stays valid after the image buffer is gone.
 */
#ifndef PARVUS_XEN_ELFNOTE_H
#define PARVUS_XEN_ELFNOTE_H

#include <parvus/elf_image.h>
#include <public/elfnote.h>
#include <public/features.h>

#include <stdbool.h>
#include <stdint.h>

/* An address note that was not given (Xen's UNSET_ADDR and UNSET_ADDR32). */
#define XEN_ELFNOTE_UNSET UINT64_MAX
#define XEN_ELFNOTE_UNSET32 UINT32_MAX

enum xen_pae_mode {
	XEN_PAE_NO = 0,
	XEN_PAE_YES,	 /* legacy __xen_guest "PAE=yes" only */
	XEN_PAE_EXTCR3,	 /* PAE_MODE "yes" */
	XEN_PAE_BIMODAL, /* PAE_MODE containing "bimodal" */
};

enum xen_elfnote_status {
	XEN_NOTES_OK = 0,
	XEN_NOTES_EELF,	       /* the ELF structure is broken: see elf_status */
	XEN_NOTES_ENONE,       /* no Xen notes at all: not a Xen PV kernel */
	XEN_NOTES_ELEGACY,     /* only a legacy __xen_guest section, which Parvus does not read */
	XEN_NOTES_ENUMBER,     /* a numeric note's descriptor has a size that holds no number */
	XEN_NOTES_EFEATURE,    /* FEATURES requires ('!') a feature Xen does not know */
	XEN_NOTES_ELOADER,     /* LOADER is not "generic" and GUEST_OS is not "linux" */
	XEN_NOTES_EXENVER,     /* XEN_VERSION is not "xen-3.0" */
	XEN_NOTES_EPADDR,      /* PADDR_OFFSET given without VIRT_BASE */
	XEN_NOTES_EBOUNDS,     /* the kernel's start or entry point lies outside the image */
	XEN_NOTES_EP2M,	       /* INIT_P2M lies inside the kernel */
	XEN_NOTES_ENODOM0,     /* SUPPORTED_FEATURES lacks XENFEAT_dom0: cannot be dom0 */
	XEN_NOTES_ENODOMU,     /* FEATURES requires dom0: cannot be an unprivileged guest */
	XEN_NOTES_ESUPERVISOR, /* requires supervisor_mode_kernel, which x86-64 PV cannot give */
	XEN_NOTES_STATUS_COUNT
};

struct xen_elfnote_info {
	uint32_t present;   /* bit N set: a note of type N was seen (the last one wins) */
	bool from_sections; /* notes came from SHT_NOTE sections: there were none in PT_NOTEs */
	unsigned nr_xen_notes;

	/*
	 * Strings, "" when absent. A string note's text ends at its first NUL or at the end of its
	 * descriptor (Linux's FEATURES note has no NUL of its own); longer text is cut to fit.
	 */
	char guest_os[64], guest_version[64], xen_version[64], loader[64];
	char features[256];

	/* Numbers; XEN_ELFNOTE_UNSET when absent (before the defaults below). */
	uint64_t virt_base, paddr_offset, virt_entry, hypercall_page, init_p2m, hv_start_low;
	uint32_t phys32_entry;
	uint64_t l1_mfn_valid[2]; /* mask and value; l1_mfn_valid_count of them given */
	unsigned l1_mfn_valid_count;

	/* XENFEAT_* bits: supported, and the subset required ('!' in FEATURES). */
	uint32_t f_supported[XENFEAT_NR_SUBMAPS];
	uint32_t f_required[XENFEAT_NR_SUBMAPS];

	enum xen_pae_mode pae;
	bool bsd_symtab, suspend_cancel;
	bool mod_start_pfn; /* MOD_START_PFN non-zero: Xen's "unmapped_initrd" */

	/*
	 * Derived as Xen does once the notes are read: VIRT_BASE defaults to 0 and PADDR_OFFSET to
	 * 0, ENTRY to e_entry; virt_offset = virt_base - paddr_offset; the kernel occupies
	 * [virt_kstart, virt_kend) = [pstart, pend) + virt_offset, extended by the BSD symbol
	 * table area when BSD_SYMTAB is "yes" and the image has a symbol table.
	 */
	uint64_t virt_offset, virt_kstart, virt_kend;
	uint64_t bsd_symtab_pstart, bsd_symtab_pend; /* 0 when there is no such area */

	/* What an error was about. */
	enum elf_status elf_status;
	uint32_t bad_type;    /* the note type, for ENUMBER */
	char bad_feature[64]; /* the feature name, for EFEATURE */
};

/*
 * Read the Xen notes of an opened image: those in PT_NOTE segments, or, if these hold no Xen
 * note, those in SHT_NOTE sections. Then apply the defaults and Xen's generic checks (loader,
 * version, address bounds). Returns XEN_NOTES_OK or the first problem found.
 */
enum xen_elfnote_status xen_elfnote_parse(const struct elf_image *image,
					  struct xen_elfnote_info *info);

/*
 * The extra checks for an x86-64 PV kernel built as dom0 (Xen's dom0_build.c) or as an
 * unprivileged guest (libxenguest): dom0 needs XENFEAT_dom0 among SUPPORTED_FEATURES when that
 * note is present, a domU must not require it, and neither may require supervisor_mode_kernel.
 */
enum xen_elfnote_status xen_elfnote_check_pv(const struct xen_elfnote_info *info, bool dom0);

/*
 * Parse `length` bytes of FEATURES text ("name|!name|...") into the two bitmaps (bits are
 * added). An unknown required name gives XEN_NOTES_EFEATURE and is copied, cut to fit, to bad.
 */
enum xen_elfnote_status xen_elfnote_parse_features(const char *features, size_t length,
						   uint32_t *supported, uint32_t *required,
						   char *bad, size_t bad_size);

/* The XENFEAT_* name Xen's FEATURES note uses for bit `bit`, or NULL. */
const char *xen_elfnote_feature_name(unsigned bit);

static inline bool xen_elfnote_feature(const uint32_t *map, unsigned bit)
{
	return bit < 32 * XENFEAT_NR_SUBMAPS && (map[bit / 32] >> (bit % 32)) & 1;
}

/* A sentence for a status; xen_elfnote_describe adds the details kept in info. */
const char *xen_elfnote_strerror(enum xen_elfnote_status status);
int xen_elfnote_describe(const struct xen_elfnote_info *info, enum xen_elfnote_status status,
			 char *buf, size_t size);

#endif /* PARVUS_XEN_ELFNOTE_H */
