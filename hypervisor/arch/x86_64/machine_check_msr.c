/*
 * The machine-check MSRs a PV kernel sees (Xen's "vMCE"). CPUID shows the kernel MCE and MCA,
 * so Linux reads MCG_CAP and polls the banks at boot; on Xen those reads never reach the CPU:
 * the kernel gets two empty virtual banks (MCG_CAP bank count 2, plus on Intel the CMCI, TES
 * and SER capability bits), every MCi_CTL all ones and everything else zero. Writes are
 * accepted and change nothing, as Xen does for MCG_CAP, MCG_CTL and MCi_CTL; Xen would keep
 * MCG_STATUS and the bank status words a kernel writes (only ever zero unless Xen injected an
 * error, which Parvus never does), Parvus keeps none, so there is no per-vCPU state.
 * Called from the rdmsr/wrmsr emulation in guest_trap.c.
 */
#include <string.h>
#include <arch/cpu_features.h>
#include <arch/machine_check_msr.h>

#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MCG_CTL 0x17b
#define MSR_MC0_CTL2 0x280 /* MCi_CTL2 (Intel, with CMCI): 0x280 + i */
#define MSR_MC0_CTL 0x400  /* MCi_CTL, STATUS, ADDR, MISC: 0x400 + 4 i + 0..3 */
#define NR_BANK_MSRS 32	   /* Xen answers for banks 0-31 */

#define VIRTUAL_BANKS 2
#define MCG_CMCI_P (1ull << 10)
#define MCG_TES_P (1ull << 11)
#define MCG_SER_P (1ull << 24)

static bool cpu_is_intel(void)
{
	return strcmp(boot_cpu_features.vendor, "GenuineIntel") == 0;
}

bool machine_check_msr(bool write, uint32_t msr, uint64_t *value)
{
	bool bank_register = msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * NR_BANK_MSRS;

	if (!bank_register && msr != MSR_MCG_CAP && msr != MSR_MCG_STATUS && msr != MSR_MCG_CTL &&
	    !(msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + NR_BANK_MSRS))
		return false;
	if (write)
		return true;
	*value = 0;
	if (msr == MSR_MCG_CAP)
		*value = VIRTUAL_BANKS | (cpu_is_intel() ? MCG_CMCI_P | MCG_TES_P | MCG_SER_P : 0);
	else if (bank_register && (msr - MSR_MC0_CTL) % 4 == 0)
		*value = ~0ull; /* MCi_CTL: every error type reported */
	return true;
}
