/*
 * A boot-time check of the guest entry and exit path, before any domain builder exists: three
 * tiny ring-3 programs, each in an address space of its own (one code page, one stack page,
 * and the hypervisor's own L4 slots, which ring 3 cannot touch). They make hypercalls through
 * SYSCALL, hit a bad pointer, an unknown hypercall, an invalid opcode and a hypervisor
 * address; we check every answer and that every frame comes back afterwards. With debug_nmi,
 * NMIs also land where the entry code has the guest's GS base (nmi_self_test).
 */
#include <arch/apic.h>
#include <arch/guest.h>
#include <cmdline.h>
#include <arch/x86.h>
#include <direct_map.h>
#include <domain.h>
#include <page_alloc.h>
#include <page_type.h>
#include <m2p.h>
#include <printk.h>
#include <percpu.h>
#include <system_time.h>
#include <timer.h>
#include <string.h>
#include <stdint.h>
#include <public/errno.h>
#include <public/xen.h>

#define CODE_VIRT 0x400000ull
#define STACK_VIRT 0x401000ull
#define APIC_VIRT 0x402000ull /* the NMI programs only: the local APIC's registers */
#define MESSAGE_OFFSET 0x100

extern uint64_t boot_l4[512];

/* Program 1: xen_version, console_io (good and bad pointer), an unknown hypercall, poweroff. */
static const uint8_t program_hypercalls[] = {
	0xb8, 0x11, 0x00, 0x00, 0x00,	    /* mov $17, %eax: xen_version */
	0x31, 0xff,			    /* xor %edi, %edi: XENVER_version */
	0x0f, 0x05,			    /* syscall */
	0x48, 0x89, 0xc3,		    /* mov %rax, %rbx */
	0xb8, 0x12, 0x00, 0x00, 0x00,	    /* mov $18, %eax: console_io */
	0x31, 0xff,			    /* xor %edi, %edi: CONSOLEIO_write */
	0xbe, 0x1c, 0x00, 0x00, 0x00,	    /* mov $28, %esi: length of the message */
	0xba, 0x00, 0x01, 0x40, 0x00,	    /* mov $0x400100, %edx: the message */
	0x0f, 0x05,			    /* syscall */
	0xb8, 0x12, 0x00, 0x00, 0x00,	    /* mov $18, %eax */
	0x31, 0xff,			    /* xor %edi, %edi */
	0xbe, 0x08, 0x00, 0x00, 0x00,	    /* mov $8, %esi */
	0x48, 0xba, 0x00, 0x00, 0x00, 0x00, /* movabs $0xffff830000000000, %rdx: */
	0x00, 0x83, 0xff, 0xff,		    /*     the hypervisor's direct map */
	0x0f, 0x05,			    /* syscall */
	0x49, 0x89, 0xc4,		    /* mov %rax, %r12 */
	0xb8, 0x3f, 0x00, 0x00, 0x00,	    /* mov $63, %eax: no such hypercall */
	0x0f, 0x05,			    /* syscall */
	0x49, 0x89, 0xc5,		    /* mov %rax, %r13 */
	0x6a, 0x00,			    /* push $0: SHUTDOWN_poweroff */
	0xb8, 0x1d, 0x00, 0x00, 0x00,	    /* mov $29, %eax: sched_op */
	0xbf, 0x02, 0x00, 0x00, 0x00,	    /* mov $2, %edi: SCHEDOP_shutdown */
	0x48, 0x89, 0xe6,		    /* mov %rsp, %rsi */
	0x0f, 0x05,			    /* syscall */
	0x0f, 0x0b,			    /* ud2: never reached */
};
static const char program_message[] = "guest: hello from ring 3 :)\n";

/* Program 2: an invalid opcode. Program 3: a read of the hypervisor's image. */
static const uint8_t program_invalid_opcode[] = {0x0f, 0x0b};
static const uint8_t program_read_hypervisor[] = {
	0x48, 0xb8, 0x00, 0x00, 0x20, 0x40, 0xd0, 0x82, 0xff, 0xff, /* movabs $image, %rax */
	0x48, 0x8b, 0x00,					    /* mov (%rax), %rax */
	0x0f, 0x0b,
};

/* Program 4: spin until a timer interrupt has come in ring 3 (its handler writes the first word
 * of the stack page; a bound of 2^30 rounds, seconds of TCG, in case it never does), then power
 * off. Waiting for the tick rather than for a number of rounds keeps a host too busy to run
 * QEMU's timers on time from failing the test. */
static const uint8_t program_spin[] = {
	0xb9, 0x00, 0x00, 0x00, 0x40,			    /* mov $0x40000000, %ecx */
	0x48, 0x83, 0x3c, 0x25, 0x00, 0x10, 0x40, 0x00, 0x00, /* 1: cmpq $0, 0x401000 */
	0x75, 0x04,					    /* jne 2f */
	0xff, 0xc9,					    /* dec %ecx */
	0x75, 0xf1,					    /* jnz 1b */
	0x6a, 0x00,		      /* 2: push $0 */
	0xb8, 0x1d, 0x00, 0x00, 0x00, /* mov $29, %eax */
	0xbf, 0x02, 0x00, 0x00, 0x00, /* mov $2, %edi */
	0x48, 0x89, 0xe6,	      /* mov %rsp, %rsi */
	0x0f, 0x05,		      /* syscall */
	0x0f, 0x0b,
};
_Static_assert(STACK_VIRT == 0x401000, "program_spin's flag address");

/*
 * Program 5: register a #UD handler (trap table at +0x200), execute ud2; the handler (+0x80)
 * pops rcx/r11 as Xen's bounce frame asks, moves the return address past ud2, marks r14 and
 * returns through HYPERVISOR_iret; then the program powers off.
 */
static const uint8_t program_trap_and_iret[] = {
	0xb8, 0x00, 0x00, 0x00, 0x00, /* mov $0, %eax: set_trap_table */
	0xbf, 0x00, 0x02, 0x40, 0x00, /* mov $0x400200, %edi */
	0x0f, 0x05,		      /* syscall */
	0x49, 0x89, 0xc4,	      /* mov %rax, %r12 */
	0x0f, 0x0b,		      /* ud2: bounced to the handler */
	0x4d, 0x89, 0xf5,	      /* mov %r14, %r13: the handler's mark */
	0x6a, 0x00,		      /* push $0 */
	0xb8, 0x1d, 0x00, 0x00, 0x00, /* mov $29, %eax */
	0xbf, 0x02, 0x00, 0x00, 0x00, /* mov $2, %edi */
	0x48, 0x89, 0xe6,	      /* mov %rsp, %rsi */
	0x0f, 0x05,		      /* syscall */
	0x0f, 0x0b,
};
static const uint8_t trap_handler[] = {
	0x59,			      /* pop %rcx */
	0x41, 0x5b,		      /* pop %r11 */
	0x48, 0x83, 0x04, 0x24, 0x02, /* addq $2, (%rsp): skip the ud2 */
	0x41, 0xbe, 0x55, 0x00, 0x00, 0x00, /* mov $0x55, %r14d */
	0x6a, 0x00,		      /* push $0: iret flags */
	0x51,			      /* push %rcx \                         */
	0x41, 0x53,		      /* push %r11  | what the hypercall page's */
	0x50,			      /* push %rax  | iret stub does          */
	0xb8, 0x17, 0x00, 0x00, 0x00, /* mov $23  | (__HYPERVISOR_iret)     */
	0x0f, 0x05,		      /* syscall  /                           */
	0x0f, 0x0b,
};
static const struct {
	uint8_t vector, flags;
	uint16_t cs;
	uint32_t pad;
	uint64_t address;
} trap_table[2] = {{6, 0, 0xe033, 0, CODE_VIRT + 0x80}, {0, 0, 0, 0, 0}};

/* Program 6: read the machine-to-phys table (allowed), then write it (a fault). */
static const uint8_t program_m2p[] = {
	0x48, 0xb8, 0x08, 0x00, 0x00, 0x00, 0x00, 0x80, 0xff, 0xff, /* movabs $m2p+8, %rax */
	0x48, 0x8b, 0x18,					    /* mov (%rax), %rbx */
	0x48, 0x89, 0x18,					    /* mov %rbx, (%rax) */
	0x0f, 0x0b,
};

/* Program 7: fpu_taskswitch(1), then an SSE instruction: #NM. */
static const uint8_t program_fpu_taskswitch[] = {
	0xb8, 0x05, 0x00, 0x00, 0x00, /* mov $5, %eax: fpu_taskswitch */
	0xbf, 0x01, 0x00, 0x00, 0x00, /* mov $1, %edi */
	0x0f, 0x05,		      /* syscall */
	0x49, 0x89, 0xc4,	      /* mov %rax, %r12 */
	0x0f, 0x57, 0xc0,	      /* xorps %xmm0, %xmm0: #NM */
	0x0f, 0x0b,
};

/* Program 8: set_segment_base(FS) with a non-canonical base (refused), then 0x1234000, then a
 * read of %fs:0, which must fault at 0x1234000. */
static const uint8_t program_fs_base[] = {
	0xb8, 0x19, 0x00, 0x00, 0x00,				    /* mov $25, %eax */
	0x31, 0xff,						    /* xor %edi, %edi: FS */
	0x48, 0xbe, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, /* movabs $1 << 63, %rsi */
	0x0f, 0x05,						    /* syscall */
	0x49, 0x89, 0xc4,					    /* mov %rax, %r12 */
	0xb8, 0x19, 0x00, 0x00, 0x00,				    /* mov $25, %eax */
	0x31, 0xff,						    /* xor %edi, %edi */
	0xbe, 0x00, 0x40, 0x23, 0x01,				    /* mov $0x1234000, %esi */
	0x0f, 0x05,						    /* syscall */
	0x49, 0x89, 0xc5,					    /* mov %rax, %r13 */
	0x64, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00,	    /* mov %fs:0, %rax */
	0x0f, 0x0b,
};

/*
 * Programs 9 to 11 (debug_nmi): a guest the hypervisor lets reach the local APIC sends its CPU
 * an NMI, then at once a jump (9), a SYSCALL (10) or a #UD (11). QEMU's TCG takes an
 * interrupt only between translated blocks, and each of these ends one: the NMI arrives in
 * ring 3 (9), or on the hypervisor's first instruction (10, 11), in ring 0 but before its
 * swapgs, with the guest's GS base live. That base is a fake struct cpu in the guest's own
 * stack page, whose self pointer points at itself: what a hostile guest would offer an entry
 * that trusts the saved CS. Each program then powers off or crashes.
 */
static const uint8_t program_nmi_start[] = {
	0x48, 0xc7, 0x04, 0x25, 0x00, 0x10, 0x40, 0x00, /* movq $0x401000, 0x401000: */
	0x00, 0x10, 0x40, 0x00,				/*     a self pointer */
	0xb8, 0x19, 0x00, 0x00, 0x00,			/* mov $25, %eax: set_segment_base */
	0xbf, 0x02, 0x00, 0x00, 0x00,			/* mov $2, %edi: SEGBASE_GS_KERNEL */
	0xbe, 0x00, 0x10, 0x40, 0x00,			/* mov $0x401000, %esi */
	0x0f, 0x05,					/* syscall */
	0x49, 0x89, 0xc4,				/* mov %rax, %r12 */
	0x8b, 0x04, 0x25, 0x20, 0x20, 0x40, 0x00,	/* mov APIC_ID, %eax */
	0x89, 0x04, 0x25, 0x10, 0x23, 0x40, 0x00,	/* mov %eax, ICR_HIGH: to this CPU */
	0xc7, 0x04, 0x25, 0x00, 0x23, 0x40, 0x00,	/* movl $0x4400, ICR_LOW: */
	0x00, 0x44, 0x00, 0x00,				/*     an NMI, sent */
};
static const uint8_t program_nmi_end[] = {
	0xeb, 0x00,		      /* jmp .+2 (program 9 only) */
	0x6a, 0x00,		      /* push $0: SHUTDOWN_poweroff */
	0xb8, 0x1d, 0x00, 0x00, 0x00, /* mov $29, %eax: sched_op */
	0xbf, 0x02, 0x00, 0x00, 0x00, /* mov $2, %edi: SCHEDOP_shutdown */
	0x48, 0x89, 0xe6,	      /* mov %rsp, %rsi */
	0x0f, 0x05,		      /* syscall */
};
static const uint8_t program_nmi_end_exception[] = {0x0f, 0x0b /* ud2 */};
static bool map_local_apic; /* build_space gives ring 3 the local APIC: programs 9 to 11 */

static volatile unsigned int ticks_in_guest;
static volatile uint64_t *guest_stack_page; /* the running program's, in the direct map */

static void tick_during_guest(void *data)
{
	(void)data;
	if (current_vcpu()) { /* the interrupt arrived while the guest ran */
		ticks_in_guest++;
		guest_stack_page[0] = 1; /* program_spin may stop */
	}
}

struct test_space {
	struct page_info *pages[6]; /* L4, L3, L2, L1, code, stack */
};

static uint64_t *page(struct test_space *s, int i)
{
	return page_to_virt(s->pages[i]);
}

static uint64_t frame(struct test_space *s, int i)
{
	return page_to_mfn(s->pages[i]) << PAGE_SHIFT;
}

static bool build_space(struct test_space *s, const uint8_t *code, size_t length)
{
	for (int i = 0; i < 6; i++) {
		s->pages[i] = alloc_pages(0);
		if (!s->pages[i])
			return false;
		memset(page(s, i), 0, PAGE_SIZE);
	}
	for (int slot = 256; slot < 272; slot++) /* the hypervisor, without the user bit */
		page(s, 0)[slot] = boot_l4[slot];
	page(s, 0)[0] = frame(s, 1) | PTE_PRESENT | PTE_RW | PTE_USER;
	page(s, 1)[0] = frame(s, 2) | PTE_PRESENT | PTE_RW | PTE_USER;
	page(s, 2)[CODE_VIRT >> 21] = frame(s, 3) | PTE_PRESENT | PTE_RW | PTE_USER;
	page(s, 3)[(CODE_VIRT >> 12) & 511] = frame(s, 4) | PTE_PRESENT | PTE_USER;
	page(s, 3)[(STACK_VIRT >> 12) & 511] = frame(s, 5) | PTE_PRESENT | PTE_RW | PTE_USER | PTE_NX;
	if (map_local_apic)
		page(s, 3)[(APIC_VIRT >> 12) & 511] = (rdmsr(MSR_APIC_BASE) & PTE_ADDR_MASK) |
						      PTE_PRESENT | PTE_RW | PTE_USER | PTE_PCD |
						      PTE_PWT | PTE_NX;
	memcpy(page(s, 4), code, length);
	memcpy((uint8_t *)page(s, 4) + MESSAGE_OFFSET, program_message, sizeof(program_message));
	memcpy((uint8_t *)page(s, 4) + 0x80, trap_handler, sizeof(trap_handler));
	memcpy((uint8_t *)page(s, 4) + 0x200, trap_table, sizeof(trap_table));
	return true;
}

static void free_space(struct test_space *s)
{
	for (int i = 0; i < 6; i++)
		if (s->pages[i])
			free_pages(s->pages[i], 0);
}

/* Run one program as d<id>; returns how guest_run ended, the vCPU's last registers in *v.
 * A timer given is armed with interrupts off just before entering, so it cannot fire until the
 * guest runs. */
static uint64_t run_program(const uint8_t *code, size_t length, struct domain *d,
			    struct vcpu *v, struct timer *arm)
{
	struct test_space space = {{0}};
	struct cpu_regs frame = {0};
	uint64_t result = 0;

	v->domain = d;
	if (!build_space(&space, code, length)) {
		free_space(&space);
		panic("guest self-test: out of memory");
	}
	guest_stack_page = page(&space, 5);
	frame.rip = CODE_VIRT;
	frame.cs = 0xe033; /* FLAT_RING3_CS64 */
	frame.rflags = X86_EFLAGS_IF;
	frame.rsp = STACK_VIRT + PAGE_SIZE;
	frame.ss = 0xe02b; /* FLAT_RING3_SS64 */

	uint64_t flags = local_irq_save();

	if (arm)
		timer_set(arm, now_ns() + 200000);
	write_cr3(page_to_mfn(space.pages[0]) << PAGE_SHIFT);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	set_current_vcpu(v);
	vcpu_load_fpu_state(v);
	descriptor_tables_load(v);
	result = guest_run(&frame);
	descriptor_tables_destroy(v);
	set_current_vcpu(NULL);
	write_cr0(read_cr0() & ~X86_CR0_TS); /* the next program starts afresh */
	write_cr3((uint64_t)boot_l4 - IMAGE_VIRT_OFFSET);
	local_irq_restore(flags);
	guest_stack_page = NULL;
	free_space(&space);
	return result;
}

extern const char syscall_entry[];
extern const uint64_t interrupt_stubs[256];

/* debug_nmi: an NMI the hypervisor sends itself, then programs 9 to 11. Each NMI must have
 * found this CPU's own struct cpu (traps.c checks the GS base and stops the machine if not;
 * here we see it counted, and where), and the guest must have kept its GS base. */
static void nmi_self_test(struct domain *d, struct vcpu *v)
{
	struct cpu *cpu = this_cpu();
	const struct {
		const uint8_t *end;
		size_t length;
		uint64_t how, nmi_rip;
	} programs[3] = {
		{program_nmi_end, sizeof(program_nmi_end), GUEST_EXIT_SHUTDOWN,
		 CODE_VIRT + sizeof(program_nmi_start) + 2},
		{program_nmi_end + 2, sizeof(program_nmi_end) - 2, GUEST_EXIT_SHUTDOWN,
		 (uint64_t)syscall_entry},
		{program_nmi_end_exception, sizeof(program_nmi_end_exception), GUEST_EXIT_CRASH,
		 interrupt_stubs[6]},
	};
	uint8_t code[sizeof(program_nmi_start) + sizeof(program_nmi_end)];
	uint64_t nmis = cpu->nmis;

	/* First one in the hypervisor itself, a guest's GS base waiting in MSR_KERNEL_GS_BASE:
	 * the entry must not swapgs. */
	wrmsr(MSR_KERNEL_GS_BASE, STACK_VIRT);
	lapic_send_nmi(cpu->apic_id);
	for (int i = 0; i < 1000000 && __atomic_load_n(&cpu->nmis, __ATOMIC_RELAXED) == nmis; i++)
		cpu_relax_x86();
	if (cpu->nmis != nmis + 1 || rdmsr(MSR_KERNEL_GS_BASE) != STACK_VIRT)
		panic("debug_nmi: %lu NMIs in the hypervisor (want 1)", cpu->nmis - nmis);

	map_local_apic = true;
	memcpy(code, program_nmi_start, sizeof(program_nmi_start));
	for (int i = 0; i < 3; i++) {
		nmis = cpu->nmis;
		memcpy(code + sizeof(program_nmi_start), programs[i].end, programs[i].length);
		d->is_shutting_down = false;
		memset(v->traps, 0, sizeof(v->traps));
		uint64_t how = run_program(code, sizeof(program_nmi_start) + programs[i].length, d,
					   v, NULL);
		uint64_t guest_gs = rdmsr(MSR_KERNEL_GS_BASE);

		if (how != programs[i].how || v->regs.r12 != 0 || cpu->nmis != nmis + 1 ||
		    cpu->nmi_rip != programs[i].nmi_rip || guest_gs != STACK_VIRT)
			panic("debug_nmi: program %d ended %lu, %lu NMIs, the last at %#lx (want "
			      "%#lx), guest GS base %#lx",
			      9 + i, how, cpu->nmis - nmis, cpu->nmi_rip, programs[i].nmi_rip,
			      guest_gs);
	}
	map_local_apic = false;
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	printk(LOG_INFO "debug_nmi: NMIs in the hypervisor, in ring 3, at syscall_entry and at "
			"the #UD stub (in ring 0 with a guest's GS base) found CPU%u's own per-CPU "
			"area; the guest kept its GS base\n",
	       cpu->id);
}

void guest_self_test(void)
{
	unsigned long free_before = page_alloc_free_frames();
	struct domain d = {
		.domain_id = 0x7ff0, .name = "self-test", .exits_to_caller = true,
		.is_privileged = true, /* its console_io is answered, as dom0's */
	};
	struct vcpu v = {0};

	uint64_t how = run_program(program_hypercalls, sizeof(program_hypercalls), &d, &v, NULL);

	if (how != GUEST_EXIT_SHUTDOWN || d.shutdown_reason != 0)
		panic("guest self-test: program 1 ended %lu, reason %u", how, d.shutdown_reason);
	if (v.regs.rbx != 0x40011 || (int64_t)v.regs.r12 != -XEN_EFAULT ||
	    (int64_t)v.regs.r13 != -XEN_ENOSYS)
		panic("guest self-test: answers %#lx %ld %ld (want 0x40011, -EFAULT, -ENOSYS)",
		      v.regs.rbx, (int64_t)v.regs.r12, (int64_t)v.regs.r13);

	d.is_shutting_down = false;
	how = run_program(program_invalid_opcode, sizeof(program_invalid_opcode), &d, &v, NULL);
	if (how != GUEST_EXIT_CRASH || v.regs.vector != 6 || v.regs.rip != CODE_VIRT)
		panic("guest self-test: ud2 in ring 3 ended %lu, vector %lu", how, v.regs.vector);

	d.is_shutting_down = false;
	how = run_program(program_read_hypervisor, sizeof(program_read_hypervisor), &d, &v, NULL);
	if (how != GUEST_EXIT_CRASH || v.regs.vector != 14 || !(v.regs.error_code & 4))
		panic("guest self-test: reading the hypervisor from ring 3 ended %lu, vector %lu",
		      how, v.regs.vector);

	/* A timer due while the guest spins: its interrupt comes from ring 3 (swapgs on the way
	 * in and out) and the guest carries on to its poweroff. */
	static struct timer tick;

	d.is_shutting_down = false;
	timer_init(&tick, tick_during_guest, NULL, this_cpu()->id);
	how = run_program(program_spin, sizeof(program_spin), &d, &v, &tick);
	timer_stop(&tick);
	/* It must have finished its loop and called from the syscall at the end. */
	if (how != GUEST_EXIT_SHUTDOWN || ticks_in_guest != 1 ||
	    v.regs.rip != CODE_VIRT + sizeof(program_spin) - 2)
		panic("guest self-test: spinning guest ended %lu with %u ticks, rip %#lx", how,
		      ticks_in_guest, v.regs.rip);

	/* An exception delivered to the guest's own handler, which returns with iret. */
	struct page_info *shared = alloc_pages(0);

	if (!shared)
		panic("guest self-test: out of memory");
	memset(page_to_virt(shared), 0, PAGE_SIZE);
	d.shared_info = page_to_virt(shared);
	v.vcpu_info = &d.shared_info->vcpu_info[0];
	d.is_shutting_down = false;
	memset(v.traps, 0, sizeof(v.traps));
	how = run_program(program_trap_and_iret, sizeof(program_trap_and_iret), &d, &v, NULL);
	d.shared_info = NULL;
	v.vcpu_info = NULL;
	free_pages(shared, 0);
	if (how != GUEST_EXIT_SHUTDOWN || v.regs.r12 != 0 || v.regs.r13 != 0x55)
		panic("guest self-test: trap and iret ended %lu, set_trap_table %ld, mark %#lx", how,
		      (int64_t)v.regs.r12, v.regs.r13);

	/* The M2P table: readable from ring 3 (entry 1 is M2P_INVALID), not writable. */
	d.is_shutting_down = false;
	memset(v.traps, 0, sizeof(v.traps));
	how = run_program(program_m2p, sizeof(program_m2p), &d, &v, NULL);
	if (how != GUEST_EXIT_CRASH || v.regs.vector != 14 || v.regs.error_code != 7 ||
	    v.regs.rbx != m2p_get(1) || v.regs.rip != CODE_VIRT + 13)
		panic("guest self-test: M2P read/write ended %lu, vector %lu, error %#lx, rbx %#lx",
		      how, v.regs.vector, v.regs.error_code, v.regs.rbx);

	/* fpu_taskswitch: the guest's next SSE instruction is a #NM. */
	d.is_shutting_down = false;
	v.fpu_task_switched = false;
	how = run_program(program_fpu_taskswitch, sizeof(program_fpu_taskswitch), &d, &v, NULL);
	if (how != GUEST_EXIT_CRASH || v.regs.vector != 7 || v.regs.r12 != 0 ||
	    v.regs.rip != CODE_VIRT + 15)
		panic("guest self-test: fpu_taskswitch ended %lu, vector %lu, rip %#lx", how,
		      v.regs.vector, v.regs.rip);

	/* set_segment_base: FS takes the base given, a non-canonical one is -EINVAL. */
	d.is_shutting_down = false;
	how = run_program(program_fs_base, sizeof(program_fs_base), &d, &v, NULL);
	uint64_t fault_address = read_cr2();

	wrmsr(MSR_FS_BASE, 0);
	if (how != GUEST_EXIT_CRASH || (int64_t)v.regs.r12 != -XEN_EINVAL || v.regs.r13 != 0 ||
	    v.regs.vector != 14 || fault_address != 0x1234000)
		panic("guest self-test: set_segment_base gave %ld and %ld, fault at %#lx",
		      (int64_t)v.regs.r12, (int64_t)v.regs.r13, fault_address);

	if (boot_options.debug_nmi)
		nmi_self_test(&d, &v);

	if (page_alloc_free_frames() != free_before)
		panic("guest self-test: %lu frames not returned",
		      free_before - page_alloc_free_frames());
	printk(LOG_INFO "Guest entry: ring-3 hypercalls, a bad pointer, an unknown hypercall, two "
			"faults, a timer interrupt in ring 3, a #UD delivered to the guest's "
			"handler which returned with iret, the M2P table readable but not "
			"writable, #NM after fpu_taskswitch, and an FS base from "
			"set_segment_base, all as expected; every frame returned\n");
}
