/*
 * The core of the Xen x86-64 PV guest ABI as Parvus implements it: hypercall numbers,
 * virtual IRQs, page-table update commands, domain ids, and the pages the hypervisor
 * shares with every guest (shared_info with its vcpu_info slots, and start_info, which a
 * PV kernel finds in %rsi at its entry point). Mirrors Xen's public/xen.h; numbers and
 * layouts are Xen's, and tests/abi proves it.
 */
#ifndef PARVUS_PUBLIC_XEN_H
#define PARVUS_PUBLIC_XEN_H

#include <stdint.h>

/*
 * Parvus speaks the interface of Xen 4.17 and nothing older: Xen's headers can be asked for
 * an older dialect through __XEN_INTERFACE_VERSION__, Parvus's cannot.
 */
#define __XEN_LATEST_INTERFACE_VERSION__ 0x00040e00
#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#elif __XEN_INTERFACE_VERSION__ != 0x00040e00
#error "Parvus's public headers describe interface version 0x00040e00 only"
#endif

#include "arch-x86/xen.h"

/* Guests and the hypervisor both work in 4 KiB pages. */
#define XEN_PAGE_SHIFT 12
#define XEN_PAGE_SIZE (1UL << XEN_PAGE_SHIFT)

/* Handles to the basic types, used by many hypercall argument structures. */
DEFINE_XEN_GUEST_HANDLE(char);
__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
DEFINE_XEN_GUEST_HANDLE(int);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);
__DEFINE_XEN_GUEST_HANDLE(uint8, uint8_t);
__DEFINE_XEN_GUEST_HANDLE(uint16, uint16_t);
__DEFINE_XEN_GUEST_HANDLE(uint32, uint32_t);
__DEFINE_XEN_GUEST_HANDLE(uint64, uint64_t);

/*
 * Hypercall numbers. Hypercall n is entered by calling offset n * 32 of the hypercall page;
 * arguments go in rdi, rsi, rdx, r10, r8 and the result comes back in rax. The "_compat"
 * numbers are older forms of calls that have newer numbers further down.
 */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_gdt 2
#define __HYPERVISOR_stack_switch 3
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_sched_op_compat 6
#define __HYPERVISOR_platform_op 7
#define __HYPERVISOR_set_debugreg 8
#define __HYPERVISOR_get_debugreg 9
#define __HYPERVISOR_update_descriptor 10
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_physdev_op_compat 19
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret 23
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_set_segment_base 25
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_nmi_op 28
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_callback_op 30
#define __HYPERVISOR_xenoprof_op 31
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define __HYPERVISOR_kexec_op 37
#define __HYPERVISOR_tmem_op 38
#define __HYPERVISOR_argo_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_dm_op 41
#define __HYPERVISOR_hypfs_op 42
/* Numbers an architecture may use for calls of its own. */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/*
 * Virtual IRQs: sources of events inside the hypervisor, bound to event channels with
 * EVTCHNOP_bind_virq. Some exist per vCPU (timer, debug, xenoprof, xenpmu), the rest
 * once per system and are for the control domain.
 */
#define VIRQ_TIMER 0	  /* per vCPU: the single-shot or periodic timer fired */
#define VIRQ_DEBUG 1	  /* per vCPU: asked to dump debug state */
#define VIRQ_CONSOLE 2	  /* dom0: input arrived on the hypervisor console */
#define VIRQ_DOM_EXC 3	  /* dom0: some domain shut down or crashed */
#define VIRQ_TBUF 4	  /* dom0: trace records are waiting */
#define VIRQ_DEBUGGER 6	  /* dom0: a domain paused for its debugger */
#define VIRQ_XENOPROF 7	  /* per vCPU: profiling sample ready */
#define VIRQ_CON_RING 8	  /* dom0: the hypervisor's console ring has new bytes */
#define VIRQ_PCPU_STATE 9 /* dom0: a physical CPU came or went */
#define VIRQ_MEM_EVENT 10 /* dom0: a memory event needs handling */
#define VIRQ_ARGO 11	  /* an Argo message arrived */
#define VIRQ_ENOMEM 12	  /* dom0: the hypervisor heap runs low */
#define VIRQ_XENPMU 13	  /* per vCPU: performance counter interrupt */
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24

/*
 * mmu_update: the low bits of mmu_update.ptr select the command, the rest is a machine
 * address (or a frame number for MMU_MACHPHYS_UPDATE).
 *   MMU_NORMAL_PT_UPDATE        validate val and write it to the entry at ptr
 *   MMU_MACHPHYS_UPDATE         set the machine-to-phys entry of frame ptr>>12 to val
 *   MMU_PT_UPDATE_PRESERVE_AD   like NORMAL, but keep the accessed/dirty bits already there
 *   MMU_PT_UPDATE_NO_TRANSLATE  like NORMAL, val taken as is (for translated guests)
 */
#define MMU_NORMAL_PT_UPDATE 0
#define MMU_MACHPHYS_UPDATE 1
#define MMU_PT_UPDATE_PRESERVE_AD 2
#define MMU_PT_UPDATE_NO_TRANSLATE 3

/*
 * mmuext_op commands: pinning a frame as a page table of a given level (so it stays
 * validated), switching page-table bases, TLB and cache maintenance, the LDT, and a few
 * page helpers. Which argument each uses is noted in struct mmuext_op.
 */
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_PIN_L2_TABLE 1
#define MMUEXT_PIN_L3_TABLE 2
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_TLB_FLUSH_LOCAL 6
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_TLB_FLUSH_MULTI 8
#define MMUEXT_INVLPG_MULTI 9
#define MMUEXT_TLB_FLUSH_ALL 10
#define MMUEXT_INVLPG_ALL 11
#define MMUEXT_FLUSH_CACHE 12
#define MMUEXT_SET_LDT 13
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE 16
#define MMUEXT_COPY_PAGE 17
#define MMUEXT_FLUSH_CACHE_GLOBAL 18
#define MMUEXT_MARK_SUPER 19
#define MMUEXT_UNMARK_SUPER 20

struct mmuext_op {
	unsigned int cmd; /* MMUEXT_* */
	union {
		/* pin/unpin, new (user) base pointer, clear/copy page, (un)mark super */
		xen_pfn_t mfn;
		/* INVLPG_LOCAL, INVLPG_ALL, SET_LDT */
		unsigned long linear_addr;
	} arg1;
	union {
		/* SET_LDT: number of descriptors */
		unsigned int nr_ents;
		/* TLB_FLUSH_MULTI, INVLPG_MULTI: bitmap of target vCPUs */
		XEN_GUEST_HANDLE(const_void) vcpumask;
		/* COPY_PAGE: the frame copied from */
		xen_pfn_t src_mfn;
	} arg2;
};
typedef struct mmuext_op mmuext_op_t;
DEFINE_XEN_GUEST_HANDLE(mmuext_op_t);

/* Flags of update_va_mapping: which TLB flush follows the update, and on which vCPUs. */
#define UVMF_NONE (0UL << 0)
#define UVMF_TLB_FLUSH (1UL << 0)
#define UVMF_INVLPG (2UL << 0)
#define UVMF_FLUSHTYPE_MASK (3UL << 0)
#define UVMF_MULTI (0UL << 2) /* with a vCPU bitmap pointer or'ed into the flags */
#define UVMF_LOCAL (0UL << 2)
#define UVMF_ALL (1UL << 2)

/* console_io: write to or read from the hypervisor's own console. */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* vm_assist: switch on or off optional help from the hypervisor. */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_4gb_segments 0
#define VMASST_TYPE_4gb_segments_notify 1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3 3
#define VMASST_TYPE_architectural_iopl 4
#define VMASST_TYPE_runstate_update_flag 5
#define VMASST_TYPE_m2p_strict 32

/*
 * Domain ids at and above DOMID_FIRST_RESERVED never name a real domain: they stand for
 * the caller, for I/O memory, for the hypervisor's own pages, and so on.
 */
#define DOMID_FIRST_RESERVED 0x7FF0U
#define DOMID_SELF 0x7FF0U
#define DOMID_IO 0x7FF1U
#define DOMID_XEN 0x7FF2U
#define DOMID_COW 0x7FF3U
#define DOMID_INVALID 0x7FF4U
#define DOMID_IDLE 0x7FFFU
#define DOMID_MASK 0x7FFFU

typedef uint16_t domid_t;

/* One request of the mmu_update hypercall; see MMU_* above. */
struct mmu_update {
	uint64_t ptr;
	uint64_t val;
};
typedef struct mmu_update mmu_update_t;
DEFINE_XEN_GUEST_HANDLE(mmu_update_t);

/* One call of a multicall batch: hypercall number, its result, up to six arguments. */
struct multicall_entry {
	xen_ulong_t op, result;
	xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;
DEFINE_XEN_GUEST_HANDLE(multicall_entry_t);

/*
 * Per-vCPU time. The hypervisor makes version odd while it rewrites the other fields and
 * even again after, so a reader retries until it sees the same even version on both sides
 * of its reads. System time now, in ns, is
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)
 * where a negative tsc_shift means a right shift.
 */
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags; /* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)

/*
 * Per-vCPU event state. The hypervisor sets evtchn_upcall_pending and a bit in
 * evtchn_pending_sel (one bit per word of shared_info.evtchn_pending) when an unmasked
 * channel becomes pending; it enters the guest's event callback unless
 * evtchn_upcall_mask is set, which is how a PV kernel disables "interrupts".
 */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	vcpu_time_info_t time;
};
typedef struct vcpu_info vcpu_info_t;

/*
 * The page every domain shares with the hypervisor: vcpu_info for the first vCPUs, the
 * pending and mask bits of the two-level event channel scheme (bit n of each array is
 * port n), and the wall clock at system time zero, versioned like vcpu_time_info.
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/*
 * What the domain builder leaves for a PV kernel, which finds its address in %rsi at entry.
 * The first group is refreshed on resume, the rest is only valid at first boot. Addresses
 * are virtual unless the name says machine; shared_info is a machine address.
 */
struct start_info {
	char magic[32];		   /* "xen-<version>-<platform>", e.g. "xen-3.0-x86_64" */
	unsigned long nr_pages;	   /* pages the domain owns */
	unsigned long shared_info; /* machine address of shared_info */
	uint32_t flags;		   /* SIF_* */
	xen_pfn_t store_mfn;	   /* XenStore ring page */
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn; /* console ring page */
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off; /* where dom0_vga_console_info is, from start_info */
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base;	    /* the bootstrap L4 page table */
	unsigned long nr_pt_frames; /* frames of bootstrap page tables */
	unsigned long mfn_list;	    /* the pfn-to-mfn array */
	unsigned long mod_start;    /* the initial ramdisk, or its pfn with SIF_MOD_START_PFN */
	unsigned long mod_len;	    /* its length in bytes */
#define MAX_GUEST_CMDLINE 1024
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	unsigned long first_p2m_pfn; /* pfns holding the initial page tables and p2m */
	unsigned long nr_p2m_frames;
};
typedef struct start_info start_info_t;

/* start_info.flags */
#define SIF_PRIVILEGED (1 << 0)	     /* may use privileged hypercalls */
#define SIF_INITDOMAIN (1 << 1)	     /* is the initial (control) domain */
#define SIF_MULTIBOOT_MOD (1 << 2)   /* mod_start points at xen_multiboot_mod_list */
#define SIF_MOD_START_PFN (1 << 3)   /* mod_start is a pfn, not an address */
#define SIF_VIRT_P2M_4TOOLS (1 << 4) /* the toolstack understands a linear virtual p2m */
#define SIF_PM_MASK (0xFF << 8)	     /* reserved for power-management options */

/* With SIF_MULTIBOOT_MOD, mod_start points at an array of these, ending with a zero entry. */
struct xen_multiboot_mod_list {
	uint32_t mod_start; /* physical address of the first byte */
	uint32_t mod_end;   /* physical address of the last byte */
	uint32_t cmdline;   /* physical address of a NUL-terminated string */
	uint32_t pad;
};

/* The firmware display dom0 inherits, described at start_info.console.dom0.info_off. */
typedef struct dom0_vga_console_info {
	uint8_t video_type; /* XEN_VGATYPE_* */
#define XEN_VGATYPE_TEXT_MODE_3 0x03
#define XEN_VGATYPE_VESA_LFB 0x23
#define XEN_VGATYPE_EFI_LFB 0x70
	union {
		struct {
			uint16_t font_height; /* pixels */
			uint16_t cursor_x, cursor_y;
			uint16_t rows, columns;
		} text_mode_3;
		struct {
			uint16_t width, height; /* pixels */
			uint16_t bytes_per_line;
			uint16_t bits_per_pixel;
			uint32_t lfb_base; /* low half of the frame buffer address */
			uint32_t lfb_size; /* in 64 KiB units */
			uint8_t red_pos, red_size;
			uint8_t green_pos, green_size;
			uint8_t blue_pos, blue_size;
			uint8_t rsvd_pos, rsvd_size;
			uint32_t gbl_caps;   /* VBE controller capabilities */
			uint16_t mode_attrs; /* VBE mode attributes */
			uint16_t pad;
			uint32_t ext_lfb_base; /* high half of the frame buffer address */
		} vesa_lfb;
	} u;
} dom0_vga_console_info_t;

/* A domain's 128-bit identity as the toolstack sees it. */
typedef uint8_t xen_domain_handle_t[16];
typedef struct {
	uint8_t a[16];
} xen_uuid_t;

#endif /* PARVUS_PUBLIC_XEN_H */
