/*
 * x86-64 specifics of the PV guest ABI: the flat segment selectors the hypervisor puts in
 * every guest GDT, where the hypervisor and the machine-to-phys table sit in the virtual
 * address space, and the 64-bit register file. Included by arch-x86/xen.h; mirrors Xen's
 * public/arch-x86/xen-x86_64.h.
 */

/* The x86 header defines the guest-handle macros used below; it includes us back. */
#include "xen.h"

#ifndef PARVUS_PUBLIC_ARCH_X86_XEN_X86_64_H
#define PARVUS_PUBLIC_ARCH_X86_XEN_X86_64_H

#include <stdint.h>

/*
 * Flat 4 GiB / 64-bit segments, all with DPL 3, because a 64-bit PV kernel runs in ring 3
 * just like its user programs. The numbers are GDT selectors in the hypervisor's reserved
 * part of the GDT (entries 260-262, RPL 3). 64-bit data segments use the null selector.
 */
#define FLAT_RING3_CS32 0xe023
#define FLAT_RING3_CS64 0xe033
#define FLAT_RING3_DS32 0xe02b
#define FLAT_RING3_DS64 0x0000
#define FLAT_RING3_SS32 0xe02b
#define FLAT_RING3_SS64 0xe02b

/* Kernel and user use the very same selectors; the names say who is meant. */
#define FLAT_KERNEL_DS64 FLAT_RING3_DS64
#define FLAT_KERNEL_DS32 FLAT_RING3_DS32
#define FLAT_KERNEL_DS FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#define FLAT_KERNEL_CS32 FLAT_RING3_CS32
#define FLAT_KERNEL_CS FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#define FLAT_KERNEL_SS32 FLAT_RING3_SS32
#define FLAT_KERNEL_SS FLAT_KERNEL_SS64
#define FLAT_USER_DS64 FLAT_RING3_DS64
#define FLAT_USER_DS32 FLAT_RING3_DS32
#define FLAT_USER_DS FLAT_USER_DS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#define FLAT_USER_CS32 FLAT_RING3_CS32
#define FLAT_USER_CS FLAT_USER_CS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#define FLAT_USER_SS32 FLAT_RING3_SS32
#define FLAT_USER_SS FLAT_USER_SS64

/*
 * The hypervisor's hole in every guest address space (L4 slots 256-271). Its first
 * 256 GiB are the machine-to-phys table, mapped read-only for guests: one 8-byte guest
 * frame number per machine frame.
 */
#define __HYPERVISOR_VIRT_START 0xFFFF800000000000
#define __HYPERVISOR_VIRT_END 0xFFFF880000000000
#define __MACH2PHYS_VIRT_START 0xFFFF800000000000
#define __MACH2PHYS_VIRT_END 0xFFFF804000000000
#define HYPERVISOR_VIRT_START 0xFFFF800000000000UL
#define HYPERVISOR_VIRT_END 0xFFFF880000000000UL
#define MACH2PHYS_VIRT_START 0xFFFF800000000000UL
#define MACH2PHYS_VIRT_END 0xFFFF804000000000UL
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)
#define machine_to_phys_mapping ((unsigned long *)HYPERVISOR_VIRT_START)

/* Which base set_segment_base changes. */
#define SEGBASE_FS 0
#define SEGBASE_GS_USER 1
#define SEGBASE_GS_KERNEL 2
#define SEGBASE_GS_USER_SEL 3 /* load the user %gs selector given in bits 15:0 */

/* vcpu_guest_context flag: the vCPU was stopped inside a SYSCALL entry. */
#define _VGCF_in_syscall 8
#define VGCF_in_syscall (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL VGCF_in_syscall

/*
 * What a guest pushes before the iret hypercall, lowest address first: the hypercall
 * clobbers rax, r11 and rcx, so they are saved with the ordinary return frame.
 */
struct iret_context {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

/*
 * The 64-bit register file. Each general register can also be named by its 32-bit "e"
 * name (same 64-bit slot) or, with a leading underscore, as its low 32 bits.
 */
#define PARVUS_REG(name)                   \
	union {                            \
		uint64_t r##name, e##name; \
		uint32_t _e##name;         \
	}

struct cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	PARVUS_REG(bp);
	PARVUS_REG(bx);
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	PARVUS_REG(ax);
	PARVUS_REG(cx);
	PARVUS_REG(dx);
	PARVUS_REG(si);
	PARVUS_REG(di);
	uint32_t error_code;   /* hypervisor-internal */
	uint32_t entry_vector; /* hypervisor-internal */
	PARVUS_REG(ip);
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask; /* the event mask, restored by iret as rflags.IF */
	uint8_t _pad1[3];
	PARVUS_REG(flags);
	PARVUS_REG(sp);
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3];
	uint16_t gs, _pad6[3];
};
typedef struct cpu_user_regs cpu_user_regs_t;
DEFINE_XEN_GUEST_HANDLE(cpu_user_regs_t);

#undef PARVUS_REG

/* A cr3 value holds a page-table frame number shifted into place. */
#define xen_pfn_to_cr3(pfn) ((unsigned long)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((unsigned long)(cr3) >> 12)

/* The x86 part of vcpu_info: the faulting address of the last page fault bounced. */
struct arch_vcpu_info {
	unsigned long cr2;
	unsigned long pad; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* A callback (event, failsafe, syscall, ...) is a plain 64-bit code address. */
typedef unsigned long xen_callback_t;

#endif /* PARVUS_PUBLIC_ARCH_X86_XEN_X86_64_H */
