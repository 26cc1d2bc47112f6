/*
 * The Xen ELF notes of a Parvus PV kernel: how the domain builder (Xen's or Parvus's) must
 * load and enter the image. They live in .note.Xen, which guest.ld puts in a PT_NOTE segment
 * where builders look first. Each note is the ELF note layout: name size, descriptor size,
 * type, the name "Xen" and the descriptor, both padded to 4 bytes.
 */
#include <public/elfnote.h>

#define GUEST_VIRT_BASE 0xffffffff80000000

.macro xen_note type
	.balign 4
	.long 2f - 1f		/* name size, with its NUL */
	.long 4f - 3f		/* descriptor size */
	.long \type
1:	.asciz "Xen"
2:	.balign 4
3:
.endm
.macro end_note
4:	.balign 4
.endm

	.section .note.Xen, "a", @note

	/* Strings: who we are, and the interface we were written against. */
	xen_note XEN_ELFNOTE_GUEST_OS
	.asciz "Parvus"
	end_note
	xen_note XEN_ELFNOTE_XEN_VERSION
	.asciz "xen-3.0"	/* the only version string builders accept */
	end_note
	xen_note XEN_ELFNOTE_LOADER
	.asciz "generic"	/* load by program headers, nothing special */
	end_note

	/*
	 * Addresses. The image is linked at VIRT_BASE with physical addresses starting at 0
	 * (guest.ld), so PADDR_OFFSET is 0: virtual = physical + VIRT_BASE - PADDR_OFFSET.
	 */
	xen_note XEN_ELFNOTE_VIRT_BASE
	.quad GUEST_VIRT_BASE
	end_note
	xen_note XEN_ELFNOTE_PADDR_OFFSET
	.quad 0
	end_note
	xen_note XEN_ELFNOTE_ENTRY
	.quad _start
	end_note
	xen_note XEN_ELFNOTE_HYPERCALL_PAGE
	.quad hypercall_page	/* the builder fills this page with the call stubs */
	end_note

	/*
	 * Features. A kernel that changes its page tables only through mmu_update and
	 * update_va_mapping (direct paging) needs no optional feature, so none is required
	 * ('!'). "dom0" says the kernel can run as the first, privileged domain.
	 */
	xen_note XEN_ELFNOTE_FEATURES
	.asciz "dom0"
	end_note
