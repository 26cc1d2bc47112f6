/*
 * Feature bits a guest reads with XENVER_get_features (and asks for in its ELF notes).
 * Each number is a bit index in the 32-bit submap 0. Parvus offers the PV ones.
 * Mirrors Xen's public/features.h.
 */
#ifndef PARVUS_PUBLIC_FEATURES_H
#define PARVUS_PUBLIC_FEATURES_H

#define XENFEAT_writable_page_tables 0	     /* page tables may be written directly */
#define XENFEAT_writable_descriptor_tables 1 /* GDT/LDT may be written directly */
#define XENFEAT_auto_translated_physmap 2    /* the guest sees pfns, the hypervisor translates */
#define XENFEAT_supervisor_mode_kernel 3     /* the kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb 4	     /* 32-bit PAE top-level table may be above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad 5  /* MMU_PT_UPDATE_PRESERVE_AD is available */
#define XENFEAT_highmem_assist 6	     /* MMUEXT_{CLEAR,COPY}_PAGE are available */
#define XENFEAT_gnttab_map_avail_bits 7	     /* GNTMAP_guest_avail_mask is honoured */
#define XENFEAT_hvm_callback_vector 8
#define XENFEAT_hvm_safe_pvclock 9
#define XENFEAT_hvm_pirqs 10
#define XENFEAT_dom0 11			     /* the domain is dom0 */
#define XENFEAT_memory_op_vnode_supported 13 /* XENMEMF_vnode is understood */
#define XENFEAT_ARM_SMCCC_supported 14
#define XENFEAT_linux_rsdp_unrestricted 15
#define XENFEAT_not_direct_mapped 16
#define XENFEAT_direct_mapped 17

/* Number of 32-bit submaps that exist. */
#define XENFEAT_NR_SUBMAPS 1

#endif /* PARVUS_PUBLIC_FEATURES_H */
