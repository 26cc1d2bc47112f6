/*
 * CPU features. Parvus needs a 64-bit CPU with the basics of the last twenty years (APIC,
 * TSC, PAE, global pages, FXSR/SSE2, SYSCALL, no-execute pages). cpu_features_init names
 * what is there, refuses clearly when something required is missing, and cpu_setup_this
 * prepares each CPU: EFER.NXE and SCE, the SYSCALL MSRs that hypercalls will enter through.
 */
#include <arch/cpu_features.h>
#include <arch/cpu_tables.h>
#include <arch/x86.h>
#include <printk.h>
#include <string.h>
#include <stdio.h>

struct cpu_features boot_cpu_features;

struct feature_bit {
	const char *name;
	uint8_t word; /* 0: 1.edx, 1: 1.ecx, 2: ext.edx, 3: ext.ecx, 4: 7.ebx, 5: 7.ecx */
	uint8_t bit;
	bool required;
};

static const struct feature_bit feature_bits[] = {
	{"fpu", 0, 0, true},	{"tsc", 0, 4, true},	  {"msr", 0, 5, true},
	{"pae", 0, 6, true},	{"cx8", 0, 8, true},	  {"apic", 0, 9, true},
	{"pge", 0, 13, true},	{"cmov", 0, 15, true},	  {"pat", 0, 16, false},
	{"clflush", 0, 19, false}, {"fxsr", 0, 24, true}, {"sse", 0, 25, true},
	{"sse2", 0, 26, true},	{"sse3", 1, 0, false},	  {"ssse3", 1, 9, false},
	{"cx16", 1, 13, false}, {"sse4.1", 1, 19, false}, {"sse4.2", 1, 20, false},
	{"x2apic", 1, 21, false}, {"popcnt", 1, 23, false}, {"tsc-deadline", 1, 24, false},
	{"xsave", 1, 26, false}, {"avx", 1, 28, false},	  {"hypervisor", 1, 31, false},
	{"syscall", 2, 11, true}, {"nx", 2, 20, true},	  {"pdpe1gb", 2, 26, false},
	{"rdtscp", 2, 27, false}, {"lm", 2, 29, true},	  {"lahf_lm", 3, 0, false},
	{"svm", 3, 2, false},	{"fsgsbase", 4, 0, false}, {"smep", 4, 7, false},
	{"erms", 4, 9, false},	{"invpcid", 4, 10, false}, {"smap", 4, 20, false},
	{"avx2", 4, 5, false},	{"umip", 5, 2, false},	  {"pku", 5, 3, false},
};

static uint32_t feature_word(unsigned int word)
{
	const struct cpu_features *f = &boot_cpu_features;
	const uint32_t words[] = {f->leaf1_edx, f->leaf1_ecx, f->ext1_edx,
				  f->ext1_ecx,	f->leaf7_ebx, f->leaf7_ecx};

	return words[word];
}

static bool has_feature(const struct feature_bit *feature)
{
	return feature_word(feature->word) & (1u << feature->bit);
}

static void read_cpuid(struct cpu_features *f)
{
	struct cpuid_result r = cpuid(0, 0);
	uint32_t max_leaf = r.eax;

	memcpy(f->vendor + 0, &r.ebx, 4);
	memcpy(f->vendor + 4, &r.edx, 4);
	memcpy(f->vendor + 8, &r.ecx, 4);
	f->vendor[12] = '\0';

	r = cpuid(1, 0);
	f->stepping = r.eax & 0xf;
	f->model = (r.eax >> 4) & 0xf;
	f->family = (r.eax >> 8) & 0xf;
	if (f->family == 0xf)
		f->family += (r.eax >> 20) & 0xff;
	if (f->family >= 6)
		f->model |= ((r.eax >> 16) & 0xf) << 4;
	f->leaf1_ecx = r.ecx;
	f->leaf1_edx = r.edx;
	if (max_leaf >= 7) {
		r = cpuid(7, 0);
		f->leaf7_ebx = r.ebx;
		f->leaf7_ecx = r.ecx;
	}

	uint32_t max_ext = cpuid(0x80000000, 0).eax;

	if (max_ext >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		f->ext1_ecx = r.ecx;
		f->ext1_edx = r.edx;
	}
	if (max_ext >= 0x80000004) {
		for (uint32_t leaf = 0; leaf < 3; leaf++) {
			r = cpuid(0x80000002 + leaf, 0);
			memcpy(f->brand + leaf * 16 + 0, &r.eax, 4);
			memcpy(f->brand + leaf * 16 + 4, &r.ebx, 4);
			memcpy(f->brand + leaf * 16 + 8, &r.ecx, 4);
			memcpy(f->brand + leaf * 16 + 12, &r.edx, 4);
		}
	}
	if (max_ext >= 0x80000007)
		f->invariant_tsc = cpuid(0x80000007, 0).edx & (1u << 8);
	f->physical_address_bits = max_ext >= 0x80000008 ? cpuid(0x80000008, 0).eax & 0xff : 36;
}

void cpu_features_init(void)
{
	struct cpu_features *f = &boot_cpu_features;
	char line[512];
	int length = 0;
	bool missing = false;

	read_cpuid(f);
	const char *brand = f->brand;

	while (*brand == ' ')
		brand++;
	printk(LOG_INFO "CPU: %s family %u model %u stepping %u: %s\n", f->vendor, f->family,
	       f->model, f->stepping, *brand ? brand : "(no brand string)");
	for (size_t i = 0; i < sizeof(feature_bits) / sizeof(feature_bits[0]); i++) {
		if (has_feature(&feature_bits[i]))
			length += snprintf(line + length, sizeof(line) - (size_t)length, " %s",
					   feature_bits[i].name);
	}
	printk(LOG_INFO "CPU features:%s%s\n", line, f->invariant_tsc ? " invariant-tsc" : "");
	printk(LOG_INFO "CPU: %u physical address bits\n", f->physical_address_bits);
	for (size_t i = 0; i < sizeof(feature_bits) / sizeof(feature_bits[0]); i++) {
		if (feature_bits[i].required && !has_feature(&feature_bits[i])) {
			printk(LOG_ERR "CPU: required feature '%s' is missing\n",
			       feature_bits[i].name);
			missing = true;
		}
	}
	if (missing)
		panic("this CPU lacks features Parvus requires (listed above); stopping");
}

extern char syscall_entry[];

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)

/* Guests' FPU, SSE and (where the CPU has it) AVX state: XSAVE on, XCR0 with those parts. The
 * hypervisor itself never touches these registers (-mgeneral-regs-only). */
uint64_t xcr0_supported;

static void enable_xsave(void)
{
	const uint32_t xsave = 1u << 26, avx = 1u << 28;

	if (!(boot_cpu_features.leaf1_ecx & xsave))
		return;
	write_cr4(read_cr4() | X86_CR4_OSXSAVE);
	uint64_t parts = XCR0_X87 | XCR0_SSE;
	uint64_t supported = cpuid(0xd, 0).eax;

	if ((boot_cpu_features.leaf1_ecx & avx) && (supported & XCR0_AVX))
		parts |= XCR0_AVX;
	write_xcr0(parts);
	xcr0_supported = parts;
}

void cpu_setup_this(void)
{
	write_cr0(read_cr0() | X86_CR0_WP | X86_CR0_NE | X86_CR0_MP);
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	enable_xsave();
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE | EFER_SCE);
	wrmsr(MSR_PAT, XEN_MSR_PAT);
	/* SYSCALL enters at syscall_entry with CS = 0xe008, SS = 0xe010; SYSRET returns to
	 * 0xe033 (64-bit) with SS 0xe02b: Xen's selectors, as PV guests expect. */
	wrmsr(MSR_STAR, ((uint64_t)GUEST_RING3_CS32 << 48) | ((uint64_t)HYPERVISOR_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_CSTAR, (uint64_t)syscall_entry);
	/* Interrupts, direction, trap, alignment-check and nested-task flags off on entry. */
	wrmsr(MSR_SYSCALL_MASK, (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18) | (1u << 14));
}
