/*
 * Small wrappers around x86-64 instructions: port I/O, MSRs, control registers, CPUID,
 * interrupts on/off. Everything outside arch/x86_64 that needs the CPU goes through these, so
 * inline assembly stays inside the architecture folder.
 */
#ifndef PARVUS_ARCH_X86_H
#define PARVUS_ARCH_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSR_EFER 0xc0000080
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_PAT 0x277
/* Xen's PAT, loaded on every CPU: WB, WT, UC-, UC as at reset for the entries PCD and PWT
 * select, then WC, WP, UC, UC. PV kernels are told this value and choose their PTE bits by it. */
#define XEN_MSR_PAT 0x0000050100070406ull

#define X86_CR0_PE (1ul << 0)
#define X86_CR0_MP (1ul << 1)
#define X86_CR0_EM (1ul << 2)
#define X86_CR0_TS (1ul << 3)
#define X86_CR0_NE (1ul << 5)
#define X86_CR0_WP (1ul << 16)
#define X86_CR0_PG (1ul << 31)
#define X86_CR4_PAE (1ul << 5)
#define X86_CR4_PGE (1ul << 7)
#define X86_CR4_OSFXSR (1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)
#define X86_CR4_OSXSAVE (1ul << 18)

#define X86_EFLAGS_IF (1ul << 9)

static inline void cpu_relax_x86(void)
{
	__asm__ volatile("pause" : : : "memory");
}

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t value)
{
	__asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t value)
{
	__asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t value;

	__asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t value;

	__asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t value;

	__asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
	return value;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

struct cpuid_result {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_result cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_result r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

#define DEFINE_CR_ACCESSORS(n)                                                                     \
	static inline uint64_t read_cr##n(void)                                                    \
	{                                                                                          \
		uint64_t value;                                                                    \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(value));                              \
		return value;                                                                      \
	}                                                                                          \
	static inline void write_cr##n(uint64_t value)                                             \
	{                                                                                          \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(value) : "memory");                     \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline void local_irq_enable(void)
{
	__asm__ volatile("sti" : : : "memory");
}

static inline void local_irq_disable(void)
{
	__asm__ volatile("cli" : : : "memory");
}

static inline uint64_t local_irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void local_irq_restore(uint64_t flags)
{
	if (flags & X86_EFLAGS_IF)
		local_irq_enable();
}

static inline bool local_irq_is_enabled(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & X86_EFLAGS_IF;
}

/* Wait for an interrupt with interrupts enabled; `sti; hlt` leaves no window between them. */
static inline void safe_halt(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

static inline void halt(void)
{
	__asm__ volatile("hlt" : : : "memory");
}

static inline void write_xcr0(uint64_t value)
{
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static inline void wbinvd(void)
{
	__asm__ volatile("wbinvd" : : : "memory");
}

/* Copy n bytes between regions that do not overlap: eight at a time with rep movsq, the rest
 * with rep movsb (as Xen's memcpy). Far faster than the portable byte loop; for page copies. */
static inline void copy_bytes(void *to, const void *from, size_t n)
{
	size_t words = n / 8, bytes = n % 8;

	__asm__ volatile("rep movsq\n\t"
			 "mov %[bytes], %%rcx\n\t"
			 "rep movsb"
			 : "+D"(to), "+S"(from), "+c"(words)
			 : [bytes] "r"(bytes)
			 : "memory");
}

static inline void invlpg(uint64_t address)
{
	__asm__ volatile("invlpg (%0)" : : "r"(address) : "memory");
}

static inline void flush_tlb_local(void)
{
	write_cr3(read_cr3());
}

static inline uint64_t read_rbp(void)
{
	uint64_t rbp;

	__asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
	return rbp;
}

/* The first word of the per-CPU area, through the GS base (see percpu.h). */
static inline uint64_t read_gs_word0(void)
{
	uint64_t value;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(value));
	return value;
}

static inline void write_gs_base(uint64_t base)
{
	wrmsr(MSR_GS_BASE, base);
}

#endif
