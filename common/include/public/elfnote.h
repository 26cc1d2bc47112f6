/*
 * The ELF notes (owner "Xen") a PV kernel image carries to tell the domain builder how to
 * load and start it: entry point, virtual base, where the hypercall page goes, which
 * features it needs. Parvus's domain builder reads these. Mirrors Xen's public/elfnote.h.
 */
#ifndef PARVUS_PUBLIC_ELFNOTE_H
#define PARVUS_PUBLIC_ELFNOTE_H

/* Note types. Values are integers unless marked (string). */
#define XEN_ELFNOTE_INFO 0	      /* unused */
#define XEN_ELFNOTE_ENTRY 1	      /* virtual address of the entry point */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2  /* virtual address to put the hypercall page at */
#define XEN_ELFNOTE_VIRT_BASE 3	      /* virtual address the image is linked at */
#define XEN_ELFNOTE_PADDR_OFFSET 4    /* subtracted from virtual addresses to get physical */
#define XEN_ELFNOTE_XEN_VERSION 5     /* (string) the Xen version expected, "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS 6	      /* (string) e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION 7   /* (string) */
#define XEN_ELFNOTE_LOADER 8	      /* (string) "generic" */
#define XEN_ELFNOTE_PAE_MODE 9	      /* (string) 32-bit guests only */
#define XEN_ELFNOTE_FEATURES 10	      /* (string) XENFEAT_ names joined with '|', '!' = required */
#define XEN_ELFNOTE_BSD_SYMTAB 11     /* (string) "yes": load the symbol table after the image */
#define XEN_ELFNOTE_HV_START_LOW 12   /* 32-bit guests only */
#define XEN_ELFNOTE_L1_MFN_VALID 13   /* mask and value marking valid L1 entries */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14 /* the guest can resume after a cancelled suspend */
#define XEN_ELFNOTE_INIT_P2M 15	      /* virtual address for the initial p2m, or none */
#define XEN_ELFNOTE_MOD_START_PFN 16  /* the guest understands SIF_MOD_START_PFN */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* bitmap of XENFEAT_* the guest can use */
#define XEN_ELFNOTE_PHYS32_ENTRY 18	  /* 32-bit physical entry point (PVH) */
#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_ENTRY

/* Notes found in crash dumps rather than in kernels. */
#define XEN_ELFNOTE_CRASH_INFO 0x1000001
#define XEN_ELFNOTE_CRASH_REGS 0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003

#endif /* PARVUS_PUBLIC_ELFNOTE_H */
