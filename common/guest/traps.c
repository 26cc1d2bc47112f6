/*
 * Virtual exceptions, the C side: the trap table the runtime registers with set_trap_table,
 * the per-vector handlers kernels install, and trap_dispatch, which trap_entry.S calls with a
 * struct trap_frame for every exception. Unhandled exceptions are reported in full and crash
 * the domain: a test kernel must never silently run on after one.
 */
#include <parvus/guest.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>

#define TRAP_STUB_SIZE 16 /* as in trap_entry.S */
_Static_assert(__HYPERVISOR_iret == 23, "trap_entry.S jumps to the iret stub by number");

extern char trap_stubs[];
extern char probe_read_access[], probe_write_access[], probe_resume[];

static trap_handler_t handlers[256];
struct probe_fault probe_last_fault;

static const char *const exception_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"vector 15",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

const char *trap_name(unsigned int vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "reserved exception" : "software interrupt";
}

unsigned long trap_entry_address(unsigned int vector)
{
	return (unsigned long)trap_stubs + TRAP_STUB_SIZE * (vector & 255);
}

static struct trap_info trap_entry(unsigned int vector, unsigned int dpl, bool mask_events)
{
	struct trap_info entry = {
		.vector = (uint8_t)vector,
		.flags = (uint8_t)(TRAP_INFO_DPL(dpl) | (mask_events ? TRAP_INFO_MASK_EVENTS : 0)),
		.cs = FLAT_KERNEL_CS,
		.address = trap_entry_address(vector),
	};
	return entry;
}

void traps_init(void)
{
	/* Vectors 0-31 and the terminating entry (address 0). */
	static struct trap_info table[33];

	for (unsigned int vector = 0; vector < 32; vector++) {
		/* int3 and into are meant to be used from any ring, as on bare metal. */
		unsigned int dpl = vector == TRAP_int3 || vector == TRAP_overflow ? 3 : 0;
		table[vector] = trap_entry(vector, dpl, false);
	}
	long rc = HYPERVISOR_set_trap_table(table);
	if (rc != 0)
		guest_crash("set_trap_table failed: %ld", rc);
}

long trap_set_handler(unsigned int vector, unsigned int dpl, bool mask_events,
		      trap_handler_t handler)
{
	/* set_trap_table changes the entries listed, up to one with address 0. */
	struct trap_info table[2] = {trap_entry(vector, dpl, mask_events), {0}};

	handlers[vector & 255] = handler;
	return HYPERVISOR_set_trap_table(table);
}

static uint64_t current_cr2(void)
{
	/* The hypervisor stores the fault address of a bounced #PF in vcpu_info.arch.cr2. */
	return HYPERVISOR_shared_info ? HYPERVISOR_shared_info->vcpu_info[0].arch.cr2 : 0;
}

static void report(const struct trap_frame *frame)
{
	printf("*** unexpected %s (vector %lu) error code %#lx\n", trap_name(frame->vector),
	       frame->vector, frame->error_code);
	printf("    rip %016lx cs %04lx rflags %08lx rsp %016lx ss %04lx\n", frame->rip,
	       frame->cs & 0xffff, frame->rflags, frame->rsp, frame->ss);
	if (frame->vector == TRAP_page_fault)
		printf("    cr2 %016lx\n", current_cr2());
	printf("    rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", frame->rax, frame->rbx,
	       frame->rcx, frame->rdx);
	printf("    rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", frame->rsi, frame->rdi,
	       frame->rbp, frame->r8);
}

/* Called by trap_common (trap_entry.S) for every vector. */
void trap_dispatch(struct trap_frame *frame);
void trap_dispatch(struct trap_frame *frame)
{
	unsigned long rip = frame->rip;

	if (rip == (unsigned long)probe_read_access || rip == (unsigned long)probe_write_access) {
		probe_last_fault.vector = frame->vector;
		probe_last_fault.error_code = frame->error_code;
		probe_last_fault.cr2 = frame->vector == TRAP_page_fault ? current_cr2() : 0;
		probe_last_fault.rip = rip;
		frame->rax = frame->vector + 1;
		frame->rip = (unsigned long)probe_resume;
		return;
	}
	if (handlers[frame->vector & 255]) {
		handlers[frame->vector & 255](frame);
		return;
	}
	report(frame);
	guest_crash("unexpected %s at %#lx", trap_name(frame->vector), rip);
}
