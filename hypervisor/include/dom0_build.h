/*
 * Building the first domain from the boot modules, as Xen does: module 1 is a PV kernel (an
 * ELF image with Xen's notes) whose command line follows its name, module 2 its ramdisk.
 */
#ifndef PARVUS_DOM0_BUILD_H
#define PARVUS_DOM0_BUILD_H

#include <boot_info.h>
#include <domain.h>
#include <arch/regs.h>

struct dom0_image {
	struct domain *domain;
	struct vcpu *vcpu;
	struct cpu_regs start;	/* registers for the first entry */
	uint64_t l4_mfn;	/* the bootstrap page table: CR3 */
	uint64_t nr_pages;
};

/* 0, or -1 after printing why the kernel cannot be started. */
int dom0_build(const struct boot_info *info, uint64_t dom0_mem, struct dom0_image *out);

#endif
