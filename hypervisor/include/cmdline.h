/*
 * The hypervisor's command line: options with Xen's names where Xen has one (console=, com1=,
 * loglvl=, dom0_mem=, maxcpus=, nosmp) and Parvus's own debugging options. Unknown options and
 * bad values are reported, never silently ignored.
 */
#ifndef PARVUS_CMDLINE_H
#define PARVUS_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

#define DOM0_MAX_VCPUS_LIMIT 64 /* DOMAIN_MAX_VCPUS */

struct boot_options {
	uint64_t dom0_mem;	 /* bytes; 0 = not given */
	uint64_t dom0_max_mem;	 /* dom0_mem=...,max:S in bytes; 0 = no limit */
	unsigned int max_cpus;	 /* maxcpus=; 0 = all */
	unsigned int dom0_max_vcpus; /* dom0_max_vcpus=; 0 = one per CPU */
	bool smp;		 /* false with nosmp */
	char debug_fault[16];	 /* debug_fault=KIND: fault on purpose at the end of boot */
	bool debug_exit;	 /* debug_exit: power off (QEMU) when boot is done */
	bool debug_nmi;		 /* debug_nmi: NMIs at the guest entry points (guest_self_test.c) */
};

extern struct boot_options boot_options;

/* Apply every option; returns how many were rejected (each already reported). The text is
 * kept for XENVER_commandline. */
int cmdline_parse(const char *cmdline);
const char *hypervisor_command_line(void);

#endif
