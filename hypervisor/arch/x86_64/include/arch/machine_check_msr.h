#ifndef PARVUS_MACHINE_CHECK_MSR_H
#define PARVUS_MACHINE_CHECK_MSR_H

#include <stdbool.h>
#include <stdint.h>

/* A PV kernel's rdmsr/wrmsr of a machine-check MSR (MCG_*, MCi_*): true when msr is one, with
 * *value read (Xen's virtual banks) or the write accepted; false for any other MSR. */
bool machine_check_msr(bool write, uint32_t msr, uint64_t *value);

#endif
