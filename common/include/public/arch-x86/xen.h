/*
 * x86 part of the guest ABI, shared by every x86 guest width: guest handles, the basic
 * frame and word types, the virtual trap table and the register state a vCPU is started
 * or saved with (vcpu_guest_context). Parvus only runs 64-bit PV guests, so the 64-bit
 * register file comes from xen-x86_64.h. Mirrors Xen's public/arch-x86/xen.h.
 */
#ifndef PARVUS_PUBLIC_ARCH_X86_XEN_H
#define PARVUS_PUBLIC_ARCH_X86_XEN_H

#include <stdint.h>

#if !defined(__x86_64__)
#error "Parvus describes the x86-64 PV guest ABI only"
#endif

/*
 * A guest handle carries a guest virtual address into a hypercall. On x86 it is just a
 * pointer, wrapped in a one-member struct so that a handle to one type cannot silently be
 * passed where a handle to another is expected. Every handle type exists in a plain and a
 * const flavour; XEN_GUEST_HANDLE(name) names the plain one.
 */
#define __DEFINE_XEN_GUEST_HANDLE(name, type) \
	typedef struct {                      \
		type *p;                      \
	} __guest_handle_##name;              \
	typedef struct {                      \
		const type *p;                \
	} __guest_handle_const_##name
#define DEFINE_XEN_GUEST_HANDLE(name) __DEFINE_XEN_GUEST_HANDLE(name, name)
#define XEN_GUEST_HANDLE(name) __guest_handle_##name
#define XEN_GUEST_HANDLE_PARAM(name) XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle(hnd, val) \
	do {                           \
		(hnd).p = (val);       \
	} while (0)

/* A frame number (machine or guest-physical) and the native word of the ABI. */
typedef unsigned long xen_pfn_t;
#define PRI_xen_pfn "lx"
#define PRIu_xen_pfn "lu"
typedef unsigned long xen_ulong_t;
#define PRI_xen_ulong "lx"

/* Feature tests guests use: the PV entry (start_info) and vcpu_info's upcall mask exist. */
#define XEN_HAVE_PV_GUEST_ENTRY 1
#define XEN_HAVE_PV_UPCALL_MASK 1

#include "xen-x86_64.h"

/*
 * The hypervisor keeps the top of every guest GDT for its own descriptors: guests may use
 * frames 0..13 (entries below FIRST_RESERVED_GDT_ENTRY) and nothing above.
 */
#define FIRST_RESERVED_GDT_PAGE 14
#define FIRST_RESERVED_GDT_BYTE (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)

/* shared_info holds a vcpu_info slot for this many vCPUs; later ones register their own. */
#define XEN_LEGACY_MAX_VCPUS 32

/*
 * One entry of the virtual IDT installed with set_trap_table. flags bits 0-1 are the
 * lowest privilege level allowed to raise the vector with INT n; bit 2 set means event
 * delivery is masked on entry, like an interrupt gate clearing IF.
 */
struct trap_info {
	uint8_t vector;
	uint8_t flags;
	uint16_t cs;
	unsigned long address;
};
typedef struct trap_info trap_info_t;
DEFINE_XEN_GUEST_HANDLE(trap_info_t);

typedef uint64_t tsc_timestamp_t;

/*
 * The full state of a vCPU, as given to VCPUOP_initialise to start a secondary vCPU and as
 * saved by the toolstack. The FPU image is first so it can be 16-byte aligned for FXSAVE.
 */
struct vcpu_guest_context {
	struct {
		char x[512];
	} fpu_ctxt;
/* Bits of flags: */
#define VGCF_I387_VALID (1 << 0)
#define VGCF_IN_KERNEL (1 << 2)
#define _VGCF_i387_valid 0
#define VGCF_i387_valid (1 << _VGCF_i387_valid)
#define _VGCF_in_kernel 2
#define VGCF_in_kernel (1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events 3
#define VGCF_failsafe_disables_events (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events 4
#define VGCF_syscall_disables_events (1 << _VGCF_syscall_disables_events)
#define _VGCF_online 5
#define VGCF_online (1 << _VGCF_online)
	unsigned long flags;
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];
	unsigned long ldt_base, ldt_ents;	/* linear address and entry count */
	unsigned long gdt_frames[16], gdt_ents; /* machine frames and entry count */
	unsigned long kernel_ss, kernel_sp;	/* the stack the kernel is entered on */
	unsigned long ctrlreg[8];		/* cr0..cr7; ctrlreg[1] holds the user page table */
	unsigned long debugreg[8];
	unsigned long event_callback_eip;
	unsigned long failsafe_callback_eip;
	unsigned long syscall_callback_eip;
	unsigned long vm_assist; /* bitmap of enabled VMASST_TYPE_* */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
};
typedef struct vcpu_guest_context vcpu_guest_context_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_guest_context_t);

/*
 * The x86 part of shared_info. It tells the toolstack where the guest keeps its
 * pfn-to-mfn table: either as a three-level tree of frame lists (rooted at
 * pfn_to_mfn_frame_list_list) or as a linear virtual array at p2m_vaddr in the address
 * space p2m_cr3. p2m_generation is odd while the guest rewrites that array.
 */
struct arch_shared_info {
	unsigned long max_pfn;
	xen_pfn_t pfn_to_mfn_frame_list_list;
	unsigned long nmi_reason;
	unsigned long p2m_cr3;
	unsigned long p2m_vaddr;
	unsigned long p2m_generation;
};
typedef struct arch_shared_info arch_shared_info_t;

/*
 * The x86 part of a new domain's configuration (XEN_DOMCTL_createdomain), also reported back
 * by XEN_DOMCTL_getdomaininfo. emulation_flags says which pieces of a PC the hypervisor
 * emulates for an HVM domain; a PV domain gets none, so it passes 0. Its layout is covered by
 * XEN_DOMCTL_INTERFACE_VERSION. Xen shows it to the toolstack only.
 */
#define _XEN_X86_EMU_LAPIC 0
#define XEN_X86_EMU_LAPIC (1U << _XEN_X86_EMU_LAPIC)
#define _XEN_X86_EMU_HPET 1
#define XEN_X86_EMU_HPET (1U << _XEN_X86_EMU_HPET)
#define _XEN_X86_EMU_PM 2
#define XEN_X86_EMU_PM (1U << _XEN_X86_EMU_PM)
#define _XEN_X86_EMU_RTC 3
#define XEN_X86_EMU_RTC (1U << _XEN_X86_EMU_RTC)
#define _XEN_X86_EMU_IOAPIC 4
#define XEN_X86_EMU_IOAPIC (1U << _XEN_X86_EMU_IOAPIC)
#define _XEN_X86_EMU_PIC 5
#define XEN_X86_EMU_PIC (1U << _XEN_X86_EMU_PIC)
#define _XEN_X86_EMU_VGA 6
#define XEN_X86_EMU_VGA (1U << _XEN_X86_EMU_VGA)
#define _XEN_X86_EMU_IOMMU 7
#define XEN_X86_EMU_IOMMU (1U << _XEN_X86_EMU_IOMMU)
#define _XEN_X86_EMU_PIT 8
#define XEN_X86_EMU_PIT (1U << _XEN_X86_EMU_PIT)
#define _XEN_X86_EMU_USE_PIRQ 9
#define XEN_X86_EMU_USE_PIRQ (1U << _XEN_X86_EMU_USE_PIRQ)
#define _XEN_X86_EMU_VPCI 10
#define XEN_X86_EMU_VPCI (1U << _XEN_X86_EMU_VPCI)
#define XEN_X86_EMU_ALL                                                               \
	(XEN_X86_EMU_LAPIC | XEN_X86_EMU_HPET | XEN_X86_EMU_PM | XEN_X86_EMU_RTC |    \
	 XEN_X86_EMU_IOAPIC | XEN_X86_EMU_PIC | XEN_X86_EMU_VGA | XEN_X86_EMU_IOMMU | \
	 XEN_X86_EMU_PIT | XEN_X86_EMU_USE_PIRQ | XEN_X86_EMU_VPCI)

/* misc_flags: MSRs the hypervisor does not handle read as 0 and ignore writes, no #GP. */
#define XEN_X86_MSR_RELAXED (1U << 0)
#define XEN_X86_MISC_FLAGS_MAX XEN_X86_MSR_RELAXED /* the highest flag defined */

struct xen_arch_domainconfig {
	uint32_t emulation_flags; /* XEN_X86_EMU_* */
	uint32_t misc_flags;	  /* XEN_X86_MSR_RELAXED */
};

/*
 * Forced emulation: a PV kernel runs in ring 3, so a plain CPUID is not intercepted.
 * Prefixing it with ud2 and the bytes "xen" makes the hypervisor emulate it instead.
 */
#define XEN_EMULATE_PREFIX ".byte 0x0f,0x0b,0x78,0x65,0x6e ; "
#define XEN_CPUID XEN_EMULATE_PREFIX "cpuid"

#endif /* PARVUS_PUBLIC_ARCH_X86_XEN_H */
