/*
 * privileged_insn: what a 64-bit PV kernel (ring 3) gets when it executes privileged or
 * sensitive instructions, as Xen 4.17 answers dom0: emulated, ignored, or a #GP (or #UD)
 * bounced back.
 *
 *  - CPUID: the native instruction runs unintercepted (no CPUID faulting under QEMU), the
 *    forced one (XEN_CPUID, ud2 + "xen" prefix) is Xen's policy: hypervisor leaves, the
 *    hypervisor bit, the same vendor;
 *  - rdmsr/wrmsr: EFER as Xen shows it, the FS/GS base MSRs (matching set_segment_base),
 *    an MSR that does not exist (#GP both ways), a non-canonical base (#GP);
 *  - control registers: mov from cr0/cr2/cr3/cr4 emulated (cr3 = our L4, cr2 = what we
 *    wrote there), mov to cr3 a base-pointer switch, mov to cr4 accepted, cr8 refused;
 *  - debug registers through mov and set_debugreg/get_debugreg;
 *  - I/O ports: #GP without I/O privilege; PHYSDEVOP_set_iopl; then reads and writes of a
 *    port dom0 owns work, ports Xen keeps (PIC, its console UART) read as all ones and
 *    drop writes; user mode needs iopl 3; the architectural_iopl assist;
 *  - cli/sti: #GP without I/O privilege, ignored with it; hlt, invlpg, invd, lgdt, lidt,
 *    ltr, lldt, swapgs, rdpmc: #GP; wbinvd and rdtsc: fine; sgdt/sidt/str/sldt: native;
 *  - in user mode every one of these is a #GP (rdtsc and cpuid excepted).
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "catch.h"
#include "guest_lib.h"
#include "user_mode.h"

#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define MSR_BOGUS 0x12345678
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_LMA (1UL << 10)
#define EFER_NX (1UL << 11)
#define EFER_SVME (1UL << 12)
#define X86_CR0_PE 0x1UL
#define X86_CR0_WP 0x10000UL
#define X86_CR0_PG 0x80000000UL
#define X86_CR4_PAE 0x20UL
#define X86_CR4_VMXE 0x2000UL
#define DMA_PAGE_PORT 0x81 /* a DMA page register: a byte of storage dom0 may use */
#define PIC_MASTER_IMR 0x21
#define COM1_LCR 0x3fb

extern char p_inb[], p_inb_insn[], p_outb[], p_rdmsr[], p_rdmsr_insn[], p_read_cr3[],
	p_read_cr3_insn[], p_rdtsc[], p_cli[], p_cli_insn[];

static unsigned long l4_mfn;
static uint64_t fs_page[512] __attribute__((aligned(PAGE_SIZE)));

static unsigned int events_seen;
static void event_callback(struct trap_frame *frame)
{
	(void)frame;
	events_seen++;
	HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;
}

static void trap_handler(struct trap_frame *frame)
{
	if (catch_trap(frame))
		return;
	if ((frame->cs & 3) == 3) {
		user_trap_record_and_resume(frame);
		return;
	}
	guest_crash("unexpected %s (error code %#lx) at %#lx", trap_name(frame->vector),
		    frame->error_code, frame->rip);
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static struct cpuid_regs native_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = {leaf, 0, subleaf, 0};
	__asm__ volatile("cpuid" : "+a"(r.eax), "=b"(r.ebx), "+c"(r.ecx), "=d"(r.edx));
	return r;
}

static struct cpuid_regs forced_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = {leaf, 0, subleaf, 0};
	__asm__ volatile(XEN_CPUID : "+a"(r.eax), "=b"(r.ebx), "+c"(r.ecx), "=d"(r.edx));
	return r;
}

static void signature(const struct cpuid_regs *r, char out[13], bool vendor_order)
{
	memcpy(out, &r->ebx, 4);
	memcpy(out + 4, vendor_order ? &r->edx : &r->ecx, 4);
	memcpy(out + 8, vendor_order ? &r->ecx : &r->edx, 4);
	out[12] = 0;
}

static void check_cpuid(void)
{
	char native_vendor[13], forced_vendor[13], native_hv[13], forced_hv[13];

	test_section("CPUID native and forced");
	struct cpuid_regs n0 = native_cpuid(0, 0), f0 = forced_cpuid(0, 0);
	signature(&n0, native_vendor, true);
	signature(&f0, forced_vendor, true);
	printf("leaf 0: native '%s' max %#x, forced '%s' max %#x\n", native_vendor, n0.eax,
	       forced_vendor, f0.eax);
	CHECK(strcmp(native_vendor, forced_vendor) == 0, "both show the same vendor");
	CHECK(f0.eax >= 1, "the forced one has leaf 1");

	struct cpuid_regs n1 = native_cpuid(1, 0), f1 = forced_cpuid(1, 0);
	printf("leaf 1 ecx: native %#x, forced %#x; edx: native %#x, forced %#x\n", n1.ecx, f1.ecx,
	       n1.edx, f1.edx);
	CHECK_EQ(f1.ecx >> 31, 1, "forced leaf 1 has the hypervisor bit (ecx bit 31)");
	CHECK_EQ(f1.ecx & (1u << 5), 0, "and no VMX (ecx bit 5)");
	CHECK_EQ(f1.ecx & (1u << 3), 0, "and no MONITOR (ecx bit 3)");
	CHECK_EQ(f1.eax, n1.eax, "the same family, model and stepping (eax)");
	/* Xen's PV policy keeps only the features marked for PV ('A' in cpufeatureset.h): a PV
	 * kernel cannot use large or global pages. Linux builds its direct map with 2 MiB pages
	 * when it sees PSE, which a PV hypervisor refuses. */
	CHECK_EQ(f1.edx & (1u << 3), 0, "no PSE (edx bit 3)");
	CHECK_EQ(f1.edx & (1u << 13), 0, "no PGE (edx bit 13)");
	CHECK_EQ(f1.edx & (1u << 12), n1.edx & (1u << 12),
		 "MTRR as the CPU has it (edx bit 12; Xen shows it to dom0)");
	CHECK_EQ(f1.edx & (1u << 17), 0, "no PSE36 (edx bit 17)");
	CHECK_EQ(f1.edx & 1, n1.edx & 1, "the FPU bit as the CPU has it (edx bit 0)");
	CHECK_EQ(f1.edx & (1u << 26), n1.edx & (1u << 26), "SSE2 as the CPU has it (edx bit 26)");
	struct cpuid_regs f81 = forced_cpuid(0x80000001, 0), n81 = native_cpuid(0x80000001, 0);
	CHECK_EQ(f81.edx & (1u << 26), 0, "no 1 GiB pages (leaf 0x80000001 edx bit 26)");
	CHECK_EQ(f81.edx & (1u << 29), n81.edx & (1u << 29), "long mode as the CPU has it");
	if (f0.eax >= 7) {
		struct cpuid_regs f7 = forced_cpuid(7, 0);
		CHECK_EQ(f7.ecx & (1u << 3), 0, "no PKU (leaf 7 ecx bit 3)");
		CHECK_EQ(f7.ecx & (1u << 2), 0, "no UMIP (leaf 7 ecx bit 2)");
		CHECK_EQ(f7.ebx & ((1u << 7) | (1u << 20)), 0, "no SMEP or SMAP (leaf 7 ebx)");
	}

	struct cpuid_regs nh = native_cpuid(0x40000000, 0), fh = forced_cpuid(0x40000000, 0);
	signature(&nh, native_hv, false);
	signature(&fh, forced_hv, false);
	printf("leaf 0x40000000: native '%s' eax %#x, forced '%s' eax %#x\n", native_hv, nh.eax,
	       forced_hv, fh.eax);
	CHECK(strcmp(forced_hv, "XenVMMXenVMM") == 0, "forced: Xen's signature");
	CHECK(strcmp(native_hv, "XenVMMXenVMM") != 0,
	      "native: not Xen's (the instruction is not intercepted without CPUID faulting)");
	struct cpuid_regs fv = forced_cpuid(0x40000001, 0);
	CHECK_EQ(fv.eax, (4u << 16) | 17, "forced leaf 0x40000001: version 4.17");
}

static uint64_t rdmsr(uint32_t msr, int *vector)
{
	uint64_t lo = 0, hi = 0, ecx = msr;
	*vector = CATCH_INSN("rdmsr", "+a"(lo), "+d"(hi), "+c"(ecx));
	return (hi << 32) | (lo & 0xffffffff);
}

static int wrmsr(uint32_t msr, uint64_t value)
{
	uint64_t lo = value & 0xffffffff, hi = value >> 32, ecx = msr;
	return CATCH_INSN("wrmsr", "+a"(lo), "+d"(hi), "+c"(ecx));
}

static uint64_t read_fs0(void)
{
	uint64_t v;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

static void check_msrs(void)
{
	int vector;

	test_section("rdmsr and wrmsr");
	uint64_t efer = rdmsr(MSR_EFER, &vector);
	printf("EFER as read: %#lx\n", efer);
	CHECK_EQ(vector, -1, "rdmsr EFER is emulated");
	CHECK_EQ(efer & (EFER_SCE | EFER_LME | EFER_LMA), EFER_SCE | EFER_LME | EFER_LMA,
		 "it shows SCE, LME and LMA");
	CHECK_EQ(efer & EFER_SVME, 0, "and hides SVME");
	CHECK_EQ(efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX | EFER_SVME | (1UL << 14) |
			  (1UL << 15)),
		 0, "and nothing unknown");

	rdmsr(MSR_BOGUS, &vector);
	CHECK_EQ(vector, TRAP_gp_fault, "rdmsr of an MSR that does not exist is a #GP");
	CHECK_EQ(caught.error_code, 0, "with error code 0");
	CHECK_EQ(wrmsr(MSR_BOGUS, 1), TRAP_gp_fault, "wrmsr of it is a #GP too");

	fs_page[0] = 0xf5f5;
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, (unsigned long)fs_page), 0,
		 "set_segment_base FS");
	CHECK_EQ(rdmsr(MSR_FS_BASE, &vector), (unsigned long)fs_page,
		 "rdmsr FS_BASE shows the base set");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0xffffffff80001000UL), 0,
		 "set_segment_base GS_KERNEL");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x0000000000123000UL), 0,
		 "set_segment_base GS_USER");
	CHECK_EQ(rdmsr(MSR_GS_BASE, &vector), 0xffffffff80001000UL,
		 "rdmsr GS_BASE in kernel mode shows the kernel's base");
	CHECK_EQ(rdmsr(MSR_SHADOW_GS_BASE, &vector), 0x0000000000123000UL,
		 "rdmsr SHADOW_GS_BASE shows the user's");
	CHECK_EQ(wrmsr(MSR_FS_BASE, (unsigned long)fs_page + 8), -1, "wrmsr FS_BASE is emulated");
	fs_page[1] = 0xf6f6;
	CHECK_EQ(read_fs0(), 0xf6f6, "and moves the FS base");
	CHECK_EQ(wrmsr(MSR_FS_BASE, 0x0000800000000000UL), TRAP_gp_fault,
		 "a non-canonical FS base is a #GP");
	CHECK_EQ(read_fs0(), 0xf6f6, "and changes nothing");
	CHECK_EQ(wrmsr(MSR_SHADOW_GS_BASE, 0x0000000000456000UL), -1,
		 "wrmsr SHADOW_GS_BASE is emulated");
	CHECK_EQ(rdmsr(MSR_SHADOW_GS_BASE, &vector), 0x0000000000456000UL, "and reads back");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0), 0, "user GS base 0");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0), 0, "kernel GS base 0");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, 0), 0, "FS base 0");

	/* What Linux reads at boot: the PAT (its cache modes follow it) and the machine-check
	 * MSRs, which Xen answers with two virtual banks (vMCE) instead of the CPU's. */
	CHECK_EQ(rdmsr(0x277, &vector), 0x0000050100070406UL,
		 "rdmsr PAT shows Xen's PAT (WB WT UC- UC WC WP UC UC)");
	CHECK_EQ(vector, -1, "it is emulated");
	CHECK_EQ(rdmsr(0x179, &vector) & 0xff, 2, "MCG_CAP: two virtual banks");
	CHECK_EQ(vector, -1, "rdmsr MCG_CAP is emulated");
	CHECK_EQ(rdmsr(0x17a, &vector), 0, "MCG_STATUS is 0");
	CHECK_EQ(rdmsr(0x400, &vector), ~0UL, "MC0_CTL is all ones");
	CHECK_EQ(rdmsr(0x405, &vector), 0, "MC1_STATUS is 0");
	CHECK_EQ(vector, -1, "rdmsr MC1_STATUS is emulated");
	CHECK_EQ(wrmsr(0x401, 0), -1, "wrmsr MC0_STATUS of 0 is accepted");
}

static uint64_t read_cr(int n, int *vector)
{
	uint64_t v = 0;
	switch (n) {
	case 0:
		*vector = CATCH_INSN("mov %%cr0, %[v]", [v] "+r"(v));
		break;
	case 2:
		*vector = CATCH_INSN("mov %%cr2, %[v]", [v] "+r"(v));
		break;
	case 3:
		*vector = CATCH_INSN("mov %%cr3, %[v]", [v] "+r"(v));
		break;
	case 4:
		*vector = CATCH_INSN("mov %%cr4, %[v]", [v] "+r"(v));
		break;
	case 8:
		*vector = CATCH_INSN("mov %%cr8, %[v]", [v] "+r"(v));
		break;
	default:
		guest_crash("cr%d", n);
	}
	return v;
}

static int write_cr(int n, uint64_t v)
{
	switch (n) {
	case 2:
		return CATCH_INSN("mov %[v], %%cr2", [v] "+r"(v));
	case 3:
		return CATCH_INSN("mov %[v], %%cr3", [v] "+r"(v));
	case 4:
		return CATCH_INSN("mov %[v], %%cr4", [v] "+r"(v));
	case 8:
		return CATCH_INSN("mov %[v], %%cr8", [v] "+r"(v));
	default:
		guest_crash("cr%d", n);
	}
}

static void check_control_registers(void)
{
	int vector;

	test_section("control registers");
	uint64_t cr0 = read_cr(0, &vector);
	printf("cr0 %#lx\n", cr0);
	CHECK_EQ(vector, -1, "mov from cr0 is emulated");
	CHECK_EQ(cr0 & (X86_CR0_PE | X86_CR0_PG | X86_CR0_WP), X86_CR0_PE | X86_CR0_PG | X86_CR0_WP,
		 "cr0 shows PE, WP and PG");
	uint64_t cr3 = read_cr(3, &vector);
	CHECK_EQ(vector, -1, "mov from cr3 is emulated");
	CHECK_EQ(cr3, l4_mfn << PAGE_SHIFT, "cr3 is our L4's machine address");
	uint64_t cr4 = read_cr(4, &vector);
	printf("cr4 %#lx\n", cr4);
	CHECK_EQ(vector, -1, "mov from cr4 is emulated");
	CHECK_EQ(cr4 & (X86_CR4_PAE | X86_CR4_VMXE), X86_CR4_PAE, "cr4 shows PAE, not VMXE");
	read_cr(8, &vector);
	printf("mov from cr8: vector %d\n", vector);
	CHECK_EQ(vector, TRAP_gp_fault, "mov from cr8 is a #GP");

	CHECK_EQ(write_cr(2, 0x12345000), -1, "mov to cr2 is emulated");
	CHECK_EQ(read_cr(2, &vector), 0x12345000, "cr2 reads back");
	CHECK_EQ(HYPERVISOR_shared_info->vcpu_info[0].arch.cr2, 0x12345000,
		 "and vcpu_info.arch.cr2 holds it");
	uint64_t value;
	CHECK_EQ(probe_read((void *)0x3008, &value), TRAP_page_fault + 1, "a page fault");
	CHECK_EQ(read_cr(2, &vector), 0x3008, "sets cr2 as the kernel reads it");

	CHECK_EQ(write_cr(3, l4_mfn << PAGE_SHIFT), -1,
		 "mov to cr3 with our own L4 is emulated (a TLB flush)");
	CHECK_EQ(read_cr(3, &vector), l4_mfn << PAGE_SHIFT, "cr3 is unchanged");
	memset(scratch_page(0), 0, PAGE_SIZE);
	CHECK_EQ(write_cr(3, virt_to_mfn(scratch_page(0)) << PAGE_SHIFT), TRAP_gp_fault,
		 "mov to cr3 with a frame that cannot be an L4 (mapped writable) is a #GP");
	CHECK_EQ(read_cr(3, &vector), l4_mfn << PAGE_SHIFT, "and cr3 is unchanged");

	CHECK_EQ(write_cr(4, cr4), -1, "mov to cr4 of its own value is emulated");
	CHECK_EQ(read_cr(4, &vector), cr4, "cr4 reads the same");
	CHECK_EQ(write_cr(4, cr4 | X86_CR4_VMXE), -1, "setting VMXE is accepted...");
	CHECK_EQ(read_cr(4, &vector) & X86_CR4_VMXE, 0, "...and ignored");
	CHECK_EQ(write_cr(8, 0), TRAP_gp_fault, "mov to cr8 is a #GP");
}

static void check_debug_registers(void)
{
	int vector;
	uint64_t v = 0;

	test_section("debug registers");
	vector = CATCH_INSN("mov %%dr7, %[v]", [v] "+r"(v));
	printf("dr7 %#lx (vector %d)\n", v, vector);
	CHECK_EQ(vector, -1, "mov from dr7 is emulated");
	CHECK_EQ(v & ~0x400UL, 0, "dr7 has no breakpoint enabled");
	v = 0xffffffff80001000UL;
	CHECK_EQ(CATCH_INSN("mov %[v], %%dr0", [v] "+r"(v)), -1, "mov to dr0 is emulated");
	v = 0;
	CHECK_EQ(CATCH_INSN("mov %%dr0, %[v]", [v] "+r"(v)), -1, "mov from dr0 too");
	CHECK_EQ(v, 0xffffffff80001000UL, "dr0 reads back");
	CHECK_EQ(hypercall(__HYPERVISOR_get_debugreg, 0, 0, 0, 0, 0), 0xffffffff80001000UL,
		 "get_debugreg(0) agrees");
	CHECK_EQ(hypercall(__HYPERVISOR_set_debugreg, 1, 0x400000, 0, 0, 0), 0,
		 "set_debugreg(1, a user address)");
	v = 0;
	CATCH_INSN("mov %%dr1, %[v]", [v] "+r"(v));
	CHECK_EQ(v, 0x400000, "mov from dr1 shows it");
	long rc = hypercall(__HYPERVISOR_set_debugreg, 2, 0xffff830000000000UL, 0, 0, 0);
	printf("set_debugreg(2, a hypervisor address): %ld\n", rc);
	CHECK_EQ(rc, -XEN_EPERM, "a breakpoint on a hypervisor address is -EPERM");
	CHECK_EQ(hypercall(__HYPERVISOR_get_debugreg, 8, 0, 0, 0, 0), -XEN_ENODEV,
		 "get_debugreg(8), a register that does not exist, is -ENODEV");
	CHECK_EQ(hypercall(__HYPERVISOR_set_debugreg, 8, 0, 0, 0, 0), -XEN_ENODEV,
		 "set_debugreg(8) is -ENODEV too");
	CHECK_EQ(hypercall(__HYPERVISOR_set_debugreg, 0, 0, 0, 0, 0), 0, "dr0 back to 0");
	CHECK_EQ(hypercall(__HYPERVISOR_set_debugreg, 1, 0, 0, 0, 0), 0, "dr1 back to 0");
}

static uint8_t inb(uint16_t port, int *vector)
{
	uint64_t al = 0x42, dx = port;
	*vector = CATCH_INSN("inb %%dx, %%al", "+a"(al), "+d"(dx));
	return (uint8_t)al;
}

static int outb(uint16_t port, uint8_t value)
{
	uint64_t al = value, dx = port;
	return CATCH_INSN("outb %%al, %%dx", "+a"(al), "+d"(dx));
}

static long set_iopl(uint32_t iopl)
{
	struct physdev_set_iopl arg = {.iopl = iopl};
	return HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &arg);
}

static uint64_t run_user(const char *program, uint64_t rdi, uint64_t rcx)
{
	struct user_entry entry = user_entry_at(user_va(program));
	entry.regs.rdi = rdi;
	entry.regs.rcx = rcx;
	user_space.data[0] = 0;
	user_trap_count = 0;
	if (user_call(&entry) != 1)
		guest_crash("user program did not come back by SYSCALL");
	return user_space.data[0];
}

static void check_io_ports(void)
{
	int vector;
	volatile uint8_t *mask = &HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask;

	test_section("I/O ports without I/O privilege");
	inb(DMA_PAGE_PORT, &vector);
	CHECK_EQ(vector, TRAP_gp_fault, "inb in the kernel is a #GP at first (virtual IOPL 0)");
	CHECK_EQ(caught.error_code, 0, "error code 0");
	CHECK_EQ(outb(DMA_PAGE_PORT, 1), TRAP_gp_fault, "so is outb");
	CHECK_EQ(CATCH_INSN("cli"), TRAP_gp_fault, "and cli");
	CHECK_EQ(CATCH_INSN("sti"), TRAP_gp_fault, "and sti");

	test_section("PHYSDEVOP_set_iopl");
	CHECK_EQ(set_iopl(4), -XEN_EINVAL, "iopl 4 is -EINVAL");
	CHECK_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped argument is -EFAULT");
	CHECK_EQ(set_iopl(1), 0, "iopl 1 (a kernel's)");
	CHECK_EQ(outb(DMA_PAGE_PORT, 0x5a), -1, "outb to a port dom0 owns works");
	CHECK_EQ(inb(DMA_PAGE_PORT, &vector), 0x5a, "and inb reads the byte back");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(outb(DMA_PAGE_PORT, 0xa5), -1, "write another byte");
	CHECK_EQ(inb(DMA_PAGE_PORT, &vector), 0xa5, "which reads back");
	CHECK_EQ(inb(PIC_MASTER_IMR, &vector), 0xff,
		 "a port Xen keeps (the PIC) reads as all ones");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(inb(COM1_LCR, &vector), 0xff,
		 "so does Xen's console UART (its line control register is really 0x03)");
	static const char marker[] = "Q!uart-write-dropped!Q";
	for (unsigned int i = 0; marker[i]; i++)
		outb(0x3f8, (uint8_t)marker[i]);
	CHECK_EQ(outb(0x3f8, '\n'), -1, "writes to Xen's UART do not fault (they are dropped)");

	*mask = 0;
	CHECK_EQ(CATCH_INSN("cli"), -1, "cli no longer faults");
	CHECK_EQ(*mask, 0, "but does nothing: events stay unmasked");
	*mask = 1;
	CHECK_EQ(CATCH_INSN("sti"), -1, "sti no longer faults");
	CHECK_EQ(*mask, 1, "and does nothing either");

	test_section("I/O ports from user mode");
	run_user(p_inb, 0, 0);
	CHECK_EQ(user_trap_count, 1, "with iopl 1 a user-mode inb traps");
	CHECK_EQ(user_last_trap.vector, TRAP_gp_fault, "with a #GP");
	CHECK_EQ(user_last_trap.rip, user_va(p_inb_insn), "at the inb");
	CHECK_EQ(run_user(p_cli, 0, 0), 0xbad, "so does cli");
	CHECK_EQ(set_iopl(3), 0, "iopl 3");
	CHECK_EQ(run_user(p_outb, 0x3c, 0), 1, "user mode may now write the port");
	CHECK_EQ(run_user(p_inb, 0, 0), 0x3c, "and read it");
	CHECK_EQ(user_trap_count, 0, "without faults");
	CHECK_EQ(run_user(p_cli, 0, 0), 1, "and cli is ignored there too");

	test_section("VMASST_TYPE_architectural_iopl");
	CHECK_EQ(set_iopl(0), 0, "iopl 0");
	inb(DMA_PAGE_PORT, &vector);
	CHECK_EQ(vector, TRAP_gp_fault, "the kernel's inb traps again");
	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0,
		 "enable architectural_iopl");
	CHECK_EQ(inb(DMA_PAGE_PORT, &vector), 0x3c,
		 "now the kernel counts as ring 0: inb works with iopl 0");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(run_user(p_inb, 0, 0), 0xbad, "user mode still traps");
	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0,
		 "disable architectural_iopl");
	inb(DMA_PAGE_PORT, &vector);
	CHECK_EQ(vector, TRAP_gp_fault, "and the kernel's inb traps again");
}

static void check_other_instructions(void)
{
	int vector;

	test_section("other privileged instructions in kernel mode");
	CHECK_EQ(CATCH_INSN("hlt"), TRAP_gp_fault, "hlt is a #GP");
	CHECK_EQ(caught.error_code, 0, "error code 0");
	CHECK_EQ(caught.rip, catch_resume - 1, "at the hlt (a fault)");
	CHECK_EQ(CATCH_INSN("wbinvd"), -1, "wbinvd is emulated for dom0");
	CHECK_EQ(CATCH_INSN("invd"), TRAP_gp_fault, "invd is a #GP");
	uint64_t va = (uint64_t)fs_page;
	CHECK_EQ(CATCH_INSN("invlpg (%[a])", [a] "+r"(va)), TRAP_gp_fault, "invlpg is a #GP");
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) table = {0, 0};
	uint64_t table_address = (uint64_t)&table;
	CHECK_EQ(CATCH_INSN("lgdt (%[a])", [a] "+r"(table_address)), TRAP_gp_fault,
		 "lgdt is a #GP");
	CHECK_EQ(CATCH_INSN("lidt (%[a])", [a] "+r"(table_address)), TRAP_gp_fault,
		 "lidt is a #GP");
	uint64_t selector = 0;
	CHECK_EQ(CATCH_INSN("lldt %w[s]", [s] "+r"(selector)), TRAP_gp_fault, "lldt is a #GP");
	CHECK_EQ(CATCH_INSN("ltr %w[s]", [s] "+r"(selector)), TRAP_gp_fault, "ltr is a #GP");
	CHECK_EQ(CATCH_INSN("swapgs"), TRAP_gp_fault, "swapgs is a #GP");
	uint64_t eax = 0, edx = 0, ecx = 0;
	CHECK_EQ(CATCH_INSN("rdpmc", "+a"(eax), "+d"(edx), "+c"(ecx)), TRAP_gp_fault,
		 "rdpmc is a #GP");
	uint64_t t0 = 0, t1 = 0;
	CHECK_EQ(CATCH_INSN("rdtsc", "+a"(eax), "+d"(edx)), -1, "rdtsc runs");
	t0 = (edx << 32) | (eax & 0xffffffff);
	CATCH_INSN("rdtsc", "+a"(eax), "+d"(edx));
	t1 = (edx << 32) | (eax & 0xffffffff);
	CHECK(t1 > t0, "and the TSC moves on");

	table_address = (uint64_t)&table;
	vector = CATCH_INSN("sgdt (%[a])", [a] "+r"(table_address));
	printf("sgdt: vector %d, limit %#x base %#lx\n", vector, table.limit, table.base);
	if (vector == -1)
		CHECK(table.base >= HYPERVISOR_VIRT_START && table.base < HYPERVISOR_VIRT_END,
		      "sgdt runs natively and shows the GDT in the hypervisor's range");
	else
		CHECK_EQ(vector, TRAP_gp_fault, "sgdt under UMIP is a #GP");
	uint64_t tr = 0x1234;
	vector = CATCH_INSN("str %w[s]", [s] "+r"(tr));
	printf("str: vector %d, tr %#lx\n", vector, tr);
	CHECK(vector == -1 || vector == TRAP_gp_fault, "str runs natively or is a #GP (UMIP)");
}

static void check_user_mode(void)
{
	test_section("privileged instructions in user mode");
	CHECK_EQ(run_user(p_rdmsr, 0, MSR_EFER), 0xbad, "rdmsr in user mode traps");
	CHECK_EQ(user_last_trap.vector, TRAP_gp_fault, "with a #GP");
	CHECK_EQ(user_last_trap.rip, user_va(p_rdmsr_insn), "at the rdmsr");
	CHECK_EQ(run_user(p_read_cr3, 0, 0), 0xbad, "mov from cr3 in user mode traps");
	CHECK_EQ(user_last_trap.vector, TRAP_gp_fault, "with a #GP");
	CHECK_EQ(user_last_trap.rip, user_va(p_read_cr3_insn), "at the mov");
	CHECK(run_user(p_rdtsc, 0, 0) != 0xbad, "rdtsc in user mode runs");
	CHECK_EQ(user_trap_count, 0, "without a fault");
}

void guest_main(const struct start_info *si)
{
	_Static_assert(USER_DATA_VA == 0x408000, "user_code.S writes to 0x408000");
	l4_mfn = ((const xen_pfn_t *)si->mfn_list)[virt_to_pfn((void *)si->pt_base)];
	for (unsigned int v = 0; v < 32; v++)
		if (v != TRAP_int3 && v != TRAP_debug && v != TRAP_nmi)
			trap_set_handler(v, 0, false, trap_handler);
	trap_set_handler(0xf0, 0, true, event_callback);
	if (user_space_build() != 0 ||
	    user_space_activate(trap_entry_address(0xf0), trap_entry_address(0xf1)) != 0)
		guest_crash("cannot set up user mode");
	check_cpuid();
	check_msrs();
	check_control_registers();
	check_debug_registers();
	check_io_ports();
	check_other_instructions();
	check_user_mode();
	test_finish("privileged_insn");
}
