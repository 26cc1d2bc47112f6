/*
 * The hypervisor's virtual address layout, shared by C, assembly and the linker script.
 * It follows Xen's: the image at 0xffff82d040000000 + its physical address and all of
 * physical memory at the direct map, 0xffff830000000000, both inside the range reserved for
 * the hypervisor in every guest address space (L4 slots 256-271).
 */
#ifndef PARVUS_ARCH_LAYOUT_H
#define PARVUS_ARCH_LAYOUT_H

#define IMAGE_PHYS_START 0x200000
#define IMAGE_VIRT_OFFSET_ASM 0xffff82d040000000
#define L4_SLOT_IMAGE 261
#define L3_SLOT_IMAGE 321
#define L4_SLOT_DIRECTMAP 262
#define BOOT_STACK_SIZE 16384

#ifdef __ASSEMBLER__
#define IMAGE_VIRT_OFFSET IMAGE_VIRT_OFFSET_ASM
#endif

#endif
