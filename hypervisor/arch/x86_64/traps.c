/*
 * What happens when a vector fires on a hypervisor CPU. Interrupts (32-255) go to the handler
 * registered with irq_set_handler. Exceptions (0-31) in the hypervisor are bugs: we print a
 * full report (registers, control registers, a symbolised stack trace, the instruction bytes
 * at the faulting address) and stop the machine with a failure code. Guests' exceptions will
 * be bounced to them instead (issue 4); that decision will be made here.
 */
#include <arch/regs.h>
#include <arch/cpu_tables.h>
#include <arch/apic.h>
#include <arch/x86.h>
#include <arch/uaccess.h>
#include <domain.h>
#include <scheduler.h>
#include <arch/guest.h>
#include <arch/descriptor_tables.h>
#include <hypercall.h>
#include <public/xen.h>
#include <public/errno.h>
#include <direct_map.h>
#include <machine.h>
#include <percpu.h>
#include <printk.h>
#include <symbols.h>
#include <string.h>
#include <stdio.h>

irq_handler_t irq_get_handler(unsigned int vector);
extern const char guest_iretq[];

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved (15)",
	"#MF x87 floating point", "#AC alignment check", "#MC machine check",
	"#XM SIMD floating point", "#VE virtualization", "#CP control protection",
	"reserved (22)", "reserved (23)", "reserved (24)", "reserved (25)", "reserved (26)",
	"reserved (27)", "#HV hypervisor injection", "#VC VMM communication",
	"#SX security", "reserved (31)",
};

extern const char image_start[], image_end[];
static volatile int fatal_in_progress = -1;

/* Addresses the report may read without faulting again: our image and the direct map. */
static int readable(uint64_t addr, uint64_t length)
{
	uint64_t end = addr + length;

	if (end < addr)
		return 0;
	if (addr >= (uint64_t)image_start && end <= (uint64_t)image_end)
		return 1;
	return addr >= DIRECTMAP_START && end <= DIRECTMAP_START + 0x100000000ull;
}

static void print_address(const char *prefix, uint64_t addr)
{
	uint64_t offset, size;
	const char *name = symbol_lookup(addr, &offset, &size);

	if (name)
		printk(LOG_ERR "%s[<%016lx>] %s+%#lx/%#lx\n", prefix, addr, name, offset, size);
	else
		printk(LOG_ERR "%s[<%016lx>] ?\n", prefix, addr);
}

static void print_stack_trace(uint64_t rbp)
{
	printk(LOG_ERR "Stack trace (innermost first):\n");
	for (int depth = 0; depth < 32 && rbp; depth++) {
		if ((rbp & 7) || !readable(rbp, 16)) {
			printk(LOG_ERR "   (frame pointer %#lx is not on a stack we can read)\n", rbp);
			return;
		}
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t next = frame[0], return_address = frame[1];

		print_address("   ", return_address);
		if (next <= rbp) /* frames only move up the stack */
			return;
		rbp = next;
	}
}

static void print_code_bytes(uint64_t rip)
{
	char line[160];
	int n = 0;

	if (!readable(rip - 16, 32)) {
		printk(LOG_ERR "Code: (not readable at %#lx)\n", rip);
		return;
	}
	const uint8_t *bytes = (const uint8_t *)(rip - 16);

	for (int i = 0; i < 32; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, i == 16 ? "<%02x> " : "%02x ",
			      bytes[i]);
	printk(LOG_ERR "Code: %s\n", line);
}

static void report_fatal_exception(struct cpu_regs *regs)
{
	const char *name = exception_names[regs->vector & 31];

	printk(LOG_ERR "\n*** Hypervisor fault on CPU %d: %s, error code %#lx\n", this_cpu_id(),
	       name, regs->error_code);
	print_address("RIP: ", regs->rip);
	printk(LOG_ERR "CS: %04lx  SS: %04lx  RFLAGS: %016lx  RSP: %016lx\n", regs->cs, regs->ss,
	       regs->rflags, regs->rsp);
	printk(LOG_ERR "RAX: %016lx  RBX: %016lx  RCX: %016lx\n", regs->rax, regs->rbx, regs->rcx);
	printk(LOG_ERR "RDX: %016lx  RSI: %016lx  RDI: %016lx\n", regs->rdx, regs->rsi, regs->rdi);
	printk(LOG_ERR "RBP: %016lx  R8:  %016lx  R9:  %016lx\n", regs->rbp, regs->r8, regs->r9);
	printk(LOG_ERR "R10: %016lx  R11: %016lx  R12: %016lx\n", regs->r10, regs->r11, regs->r12);
	printk(LOG_ERR "R13: %016lx  R14: %016lx  R15: %016lx\n", regs->r13, regs->r14, regs->r15);
	printk(LOG_ERR "CR0: %016lx  CR2: %016lx  CR3: %016lx  CR4: %016lx\n", read_cr0(),
	       read_cr2(), read_cr3(), read_cr4());
	print_code_bytes(regs->rip);
	print_stack_trace(regs->rbp);
}

/*
 * set_trap_table: the guest kernel names its exception handlers. The array ends at an entry
 * whose address is 0; a NULL array forgets them all. An entry replaces only its own vector.
 * With 256 vectors, a longer array has nothing more to say: we stop reading after 256
 * entries, so a guest cannot keep this CPU busy walking its memory.
 */
long do_set_trap_table(uint64_t traps, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		       uint64_t unused5)
{
	struct vcpu *v = current_vcpu();
	struct trap_info entry;

	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (traps == 0) {
		memset(v->traps, 0, sizeof(v->traps));
		return 0;
	}
	for (unsigned int i = 0; i < 256; i++) {
		if (copy_from_guest_raw(&entry, traps + i * sizeof(entry), sizeof(entry)))
			return -XEN_EFAULT;
		if (entry.address == 0)
			return 0;
		if (!is_canonical(entry.address))
			return -XEN_EINVAL; /* a handler we could never enter; earlier ones stay */
		v->traps[entry.vector].flags = entry.flags;
		v->traps[entry.vector].cs = entry.cs;
		v->traps[entry.vector].address = entry.address;
	}
	return 0;
}

#define SYSCALL_LENGTH 2

long hypercall_continue(uint64_t number, uint64_t arg1, uint64_t arg2, uint64_t arg3,
			uint64_t arg4, uint64_t arg5)
{
	struct vcpu *v = current_vcpu();

	if (v->in_multicall) {
		v->continuation = (struct hypercall_continuation){true, {arg1, arg2, arg3, arg4,
									arg5}};
		return (long)number;
	}
	struct cpu_regs *regs = v->entry_regs;

	regs->rdi = arg1;
	regs->rsi = arg2;
	regs->rdx = arg3;
	regs->r10 = arg4;
	regs->r8 = arg5;
	regs->rip -= SYSCALL_LENGTH; /* the SYSCALL again, once interrupts have had their turn */
	return (long)number;
}

/* SYSCALL from a guest's kernel is a hypercall (user-mode system calls: issue 4). */
void do_guest_syscall(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();

	v->regs = *regs;
	v->entry_regs = regs;
	if (v->user_mode) { /* a program's system call, for its kernel */
		bounce_user_syscall(regs);
	} else {
		regs->rax = (uint64_t)hypercall_dispatch(regs->rax, regs->rdi, regs->rsi,
							 regs->rdx, regs->r10, regs->r8);
		/* A SYSCALL in the last bytes below the non-canonical hole "returns" into it: our
		 * iretq would fault in ring 0 with the guest's GS. The guest gets what the CPU
		 * would give it. */
		if (!is_canonical(regs->rip))
			domain_crash(v->domain, "SYSCALL would return to a non-canonical address");
	}
	scheduler_return_to_guest(regs);
	deliver_events(regs);
}

/* A guest's exception, as it stands: to its handler, or, without one, the domain crashes. */
static void deliver_guest_exception(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	char why[160];
	unsigned int vector = (unsigned int)regs->vector;
	bool has_error_code = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17;

	/* Lazy FPU switching: the #NM goes to the guest with its virtual CR0.TS cleared, as Xen
	 * does, so the instruction runs when the guest's handler returns to it. */
	if (vector == 7 && v->fpu_task_switched)
		do_fpu_taskswitch(0, 0, 0, 0, 0);
	if (vector != 2 && vector != 8 && vector != 18 &&
	    bounce_exception(regs, vector, has_error_code))
		return;
	int n = snprintf(why, sizeof(why), "%s at rip %#lx, error code %#lx",
			 exception_names[regs->vector], regs->rip, regs->error_code);

	if (regs->vector == 14)
		snprintf(why + n, sizeof(why) - (size_t)n, ", address %#lx", v->fault_address);
	if (v->traps[vector].address)
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
			 "; its handler's stack (rsp %#lx) cannot take the exception frame",
			 regs->rsp);
	else
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "; it has no handler");
	domain_crash(v->domain, why);
}

/* An exception in a guest: what the hypervisor does on its behalf, or its own to handle. */
static void guest_exception(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	unsigned int vector = (unsigned int)regs->vector;

	v->regs = *regs;
	/* cr2 first: the emulation below reads guest memory and may fault, changing it. */
	v->fault_address = vector == 14 ? read_cr2() : 0;
	/* The CPU reading an LDT page not mapped yet: map it, or make the fault the guest's. */
	if (vector == 14 && ldt_fault(regs, &v->fault_address))
		return;
	if (regs->vector != vector) { /* that fault became a #GP: nothing to emulate */
		deliver_guest_exception(regs);
		return;
	}
	if (vector == 6 && emulate_forced_instruction(regs))
		return;
	if (vector == 13 && (emulate_io_instruction(regs) || emulate_privileged_instruction(regs)))
		return;
	/* A write to a present, read-only page: perhaps one of its page tables. Only the guest's
	 * kernel has its writes to page tables emulated, as in Xen: a program's is its #PF. */
	if (vector == 14 && (regs->error_code & 3) == 3 && !v->user_mode &&
	    emulate_page_table_write(regs, v->fault_address))
		return;
	deliver_guest_exception(regs);
}

/*
 * The iretq that enters a guest (guest_iretq in entry.S) faulted: a selector the CPU refuses
 * (HYPERVISOR_iret may ask for any), or an LDT page that cannot be mapped. As in Xen, the
 * guest takes the fault itself, as if at the place it was returning to: the general registers
 * are already the guest's, and the frame the iretq was loading is at the faulting rsp.
 */
__attribute__((noreturn)) static void guest_return_failed(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	const uint64_t *frame = (const uint64_t *)regs->rsp; /* rip, cs, rflags, rsp, ss */
	struct cpu_regs guest = *regs;

	guest.rip = frame[0];
	guest.cs = frame[1];
	guest.rflags = frame[2];
	guest.rsp = frame[3];
	guest.ss = frame[4];
	v->regs = guest;
	v->fault_address = guest.vector == 14 ? read_cr2() : 0;
	if (!(guest.vector == 14 && ldt_fault(&guest, &v->fault_address)))
		deliver_guest_exception(&guest);
	guest_resume(&guest);
}

#define GUEST_SYSCALL_VECTOR 0x80

/*
 * An NMI. Parvus sends them only to stop the machine (machine.c); any other is counted and
 * otherwise ignored (Xen would pass an unexplained one to dom0). It can interrupt anything,
 * even the instructions around a swapgs, so entry.S (ist_entry) decided from the GS base
 * itself whether to swapgs. That the GS base is now this CPU's is checked before anything
 * trusts it, against the struct cpu that percpu.c left at the top of this CPU's NMI stack:
 * a wrong one would be the guest's, a per-CPU pointer under a guest's control.
 *
 * Nothing here may fault or return with iretq: that would let a second NMI in while this
 * one's frame is still on the NMI stack, and the second would write its frame over it.
 */
static void handle_nmi(struct cpu_regs *regs)
{
	struct cpu *cpu = *(struct cpu **)(regs + 1); /* the frame ends at the IST stack's top */

	if (cpu_stop_requested()) /* another CPU is stopping the machine */
		cpu_stop();
	if (rdmsr(MSR_GS_BASE) != (uint64_t)cpu) {
		uint64_t wrong = rdmsr(MSR_GS_BASE);

		write_gs_base((uint64_t)cpu); /* printk needs ours */
		printk(LOG_ERR "*** NMI at %#lx on CPU %u with GS base %#lx, not this CPU's %p\n",
		       regs->rip, cpu->id, wrong, (void *)cpu);
		machine_fail();
	}
	cpu->nmis++;
	cpu->nmi_rip = regs->rip;
}

static void handle_interrupt(struct cpu_regs *regs);

/* How many interrupt handlers (vectors 32 and up) run on each CPU now: code they call (timer
 * callbacks) must not leave their stack. */
static unsigned int irq_depth[MAX_CPUS];

bool in_interrupt_handler(void)
{
	return irq_depth[this_cpu_id()] != 0;
}

/* Every interrupt and exception; one that interrupted a guest returns to it through any
 * event upcall that became due. */
void do_interrupt(struct cpu_regs *regs)
{
	/* An NMI goes back exactly where it came from: no scheduling, no event delivery (they
	 * would run on the NMI stack, and may fault). */
	if (regs->vector == 2) {
		handle_nmi(regs);
		return;
	}
	handle_interrupt(regs);
	if ((regs->cs & 3) == 3 && current_vcpu()) {
		scheduler_return_to_guest(regs);
		deliver_events(regs);
	}
}

static void handle_interrupt(struct cpu_regs *regs)
{
	/* int $0x80 from a guest (a DPL 3 gate, as in Xen): straight to its handler for 0x80. */
	if (regs->vector == GUEST_SYSCALL_VECTOR && (regs->cs & 3) == 3 && current_vcpu()) {
		struct vcpu *v = current_vcpu();

		v->regs = *regs;
		if (bounce_exception(regs, GUEST_SYSCALL_VECTOR, false))
			return;
		/* No handler: what the CPU itself would raise, a #GP naming IDT entry 0x80 at the
		 * int instruction (2 bytes back). */
		regs->rip -= 2;
		regs->vector = 13;
		regs->error_code = GUEST_SYSCALL_VECTOR << 3 | 2;
		guest_exception(regs);
		return;
	}
	if (regs->vector >= 32) {
		irq_handler_t handler = irq_get_handler((unsigned int)regs->vector);

		if (cpus[0] && this_cpu())
			this_cpu()->interrupts++;
		if (handler) {
			unsigned int cpu = this_cpu_id();

			irq_depth[cpu]++;
			handler((unsigned int)regs->vector);
			irq_depth[cpu]--;
		}
		else
			printk(LOG_WARNING "unexpected interrupt, vector %lu\n", regs->vector);
		return;
	}

	if ((regs->cs & 3) == 3 && current_vcpu()) {
		guest_exception(regs);
		return;
	}

	/* The hypervisor touching the guest's LDT (loading a guest selector): map its page. */
	if (regs->vector == 14 && current_vcpu() && ldt_map_page(read_cr2()))
		return;
	if (regs->rip == (uint64_t)guest_iretq && current_vcpu() && regs->vector >= 11 &&
	    regs->vector <= 14)
		guest_return_failed(regs);
	/* A fault on a listed guest-memory access or selector load: resume at its fixup. */
	uint64_t fixup = regs->vector >= 11 && regs->vector <= 14 ? exception_fixup(regs->rip) : 0;

	if (fixup) {
		regs->rip = fixup;
		return;
	}

	int me = this_cpu_id();
	int expected = -1;

	/* One report at a time; a CPU that faults while reporting stops quietly. */
	if (!__atomic_compare_exchange_n(&fatal_in_progress, &expected, me, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		cpu_stop();
	report_fatal_exception(regs);
	machine_fail();
}

/* Addresses kept in variables so the compiler cannot see, and refuse, what we do on purpose. */
static volatile uint64_t unmapped_address = 0x10;
static volatile uint64_t noncanonical_address = 0x8000000000000000ull;

/* debug_fault=KIND: fault on purpose, to show (and test) the fault report. */
int trigger_debug_fault(const char *kind)
{
	if (strcmp(kind, "ud") == 0) {
		__asm__ volatile("ud2");
	} else if (strcmp(kind, "pf") == 0) {
		*(volatile uint64_t *)unmapped_address = 0xdead;
	} else if (strcmp(kind, "gp") == 0) {
		*(volatile uint64_t *)noncanonical_address = 0;
	} else if (strcmp(kind, "de") == 0) {
		volatile uint64_t zero = 0;
		__asm__ volatile("divq %1" : : "a"(1ull), "r"(zero), "d"(0ull));
	} else if (strcmp(kind, "int3") == 0) {
		__asm__ volatile("int3");
	} else if (strcmp(kind, "stack") == 0) {
		/* A broken stack pointer: the #PF cannot be delivered, so a #DF on its IST stack. */
		__asm__ volatile("movq $0x10, %%rsp; pushq $0" : : : "memory");
	} else {
		return -1;
	}
	return 0;
}
