/*
 * traps: virtual exceptions. set_trap_table and its errors, then #UD, #BP, #PF (with cr2 in
 * vcpu_info.arch.cr2), #GP, #DE and software interrupts delivered to the registered handler
 * with the right bounce frame: error code, rip, cs (RPL 0: the guest was in kernel mode),
 * rflags (IF = not the saved event mask), rsp, ss, the saved event mask in cs bits 32-39,
 * the interrupted rcx and r11, a 16-byte aligned frame; then HYPERVISOR_iret back, with
 * every register and the event mask restored.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define RFLAGS_IF 0x200UL
#define KERNEL_CS_SEEN (FLAT_KERNEL_CS & ~3) /* kernel-mode frames show RPL 0 */

/* What the last handler saw. */
static struct trap_frame seen;
static unsigned long seen_at; /* the frame's address */
static unsigned int hits;
static uint8_t mask_in_handler;

/* Set by each trigger before it traps: where the handler resumes, what it expects. */
static unsigned long resume_rip, expected_rip, expected_rsp;
static unsigned long after_rcx, after_r11, after_rbx;
static bool clear_if_on_return;

static void record(struct trap_frame *frame)
{
	seen = *frame;
	seen_at = (unsigned long)frame;
	mask_in_handler = HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_mask;
	hits++;
	if (resume_rip)
		frame->rip = resume_rip;
	if (clear_if_on_return)
		frame->rflags &= ~RFLAGS_IF;
}

static void reset(void)
{
	memset(&seen, 0, sizeof(seen));
	seen_at = 0;
	hits = 0;
	resume_rip = expected_rip = expected_rsp = 0;
	after_rcx = after_r11 = after_rbx = 0;
	clear_if_on_return = false;
}

static uint64_t cr2(void)
{
	return HYPERVISOR_shared_info->vcpu_info[0].arch.cr2;
}

/* ud2 with known rcx, r11 and rbx; extra_push misaligns the stack by 8 first. */
static void trigger_ud2(bool extra_push)
{
	if (extra_push)
		__asm__ volatile("subq $8, %%rsp\n\t"
				 "movq $1f, %[expected]\n\t"
				 "movq $2f, %[resume]\n\t"
				 "movq %%rsp, %[rsp]\n\t"
				 "movq $0x1111, %%rcx\n\t"
				 "movq $0x2222, %%r11\n\t"
				 "movq $0x3333, %%rbx\n\t"
				 "1: ud2\n\t"
				 "2: movq %%rcx, %[rcx]\n\t"
				 "movq %%r11, %[r11]\n\t"
				 "movq %%rbx, %[rbx]\n\t"
				 "addq $8, %%rsp"
				 : [expected] "=m"(expected_rip), [resume] "=m"(resume_rip),
				   [rsp] "=m"(expected_rsp), [rcx] "=m"(after_rcx),
				   [r11] "=m"(after_r11), [rbx] "=m"(after_rbx)
				 :
				 : "rcx", "r11", "rbx", "memory");
	else
		__asm__ volatile("movq $1f, %[expected]\n\t"
				 "movq $2f, %[resume]\n\t"
				 "movq %%rsp, %[rsp]\n\t"
				 "movq $0x1111, %%rcx\n\t"
				 "movq $0x2222, %%r11\n\t"
				 "movq $0x3333, %%rbx\n\t"
				 "1: ud2\n\t"
				 "2: movq %%rcx, %[rcx]\n\t"
				 "movq %%r11, %[r11]\n\t"
				 "movq %%rbx, %[rbx]"
				 : [expected] "=m"(expected_rip), [resume] "=m"(resume_rip),
				   [rsp] "=m"(expected_rsp), [rcx] "=m"(after_rcx),
				   [r11] "=m"(after_r11), [rbx] "=m"(after_rbx)
				 :
				 : "rcx", "r11", "rbx", "memory");
}

static void check_frame_common(const char *what)
{
	test_section(what);
	CHECK_EQ(hits, 1, "the handler ran once");
	CHECK_EQ(seen.rip, expected_rip, "rip in the frame");
	CHECK_EQ(seen.cs & 0xffff, KERNEL_CS_SEEN, "cs is the kernel's, RPL 0 (kernel mode)");
	CHECK_EQ(seen.ss, FLAT_KERNEL_SS, "ss is the kernel's");
	CHECK_EQ(seen.rsp, expected_rsp, "rsp is the interrupted stack pointer");
	CHECK_EQ((seen.cs >> 32) & 0xff, 1, "the saved event mask (cs bits 32-39) is 1");
	CHECK_EQ(seen.rflags & RFLAGS_IF, 0, "rflags.IF is 0 because events were masked");
	CHECK_EQ(mask_in_handler, 1, "events are masked in the handler");
}

static void check_invalid_opcode(void)
{
	CHECK_EQ(trap_set_handler(TRAP_invalid_op, 0, false, record), 0,
		 "set_trap_table for #UD succeeds");
	for (int misaligned = 0; misaligned <= 1; misaligned++) {
		reset();
		trigger_ud2(misaligned);
		check_frame_common(misaligned ? "#UD (ud2), stack misaligned by 8" : "#UD (ud2)");
		CHECK_EQ(seen.vector, TRAP_invalid_op, "vector 6");
		CHECK_EQ(seen.error_code, 0, "no error code");
		CHECK_EQ(seen.rcx, 0x1111, "the frame holds the interrupted rcx");
		CHECK_EQ(seen.r11, 0x2222, "the frame holds the interrupted r11");
		CHECK_EQ(seen.rbx, 0x3333, "rbx is untouched on entry");
		CHECK_EQ(after_rcx, 0x1111, "iret restores rcx");
		CHECK_EQ(after_r11, 0x2222, "iret restores r11");
		CHECK_EQ(after_rbx, 0x3333, "rbx survives the round trip");
		/*
		 * The hypervisor rounds the interrupted rsp down to 16 bytes and writes rip..ss
		 * (40 bytes) below it, then rcx and r11. Our stub takes rcx and r11 back and
		 * pushes an error code, the vector and 15 registers: the frame handed to C.
		 */
		CHECK_EQ(seen_at, (expected_rsp & ~15UL) - 40 - 8 - 8 - 15 * 8,
			 "the bounce frame is 16-byte aligned below the interrupted stack");
	}
}

static void check_breakpoint(void)
{
	reset();
	CHECK_EQ(trap_set_handler(TRAP_int3, 3, false, record), 0, "set_trap_table for #BP");
	__asm__ volatile("movq %%rsp, %[rsp]\n\t"
			 "int3\n\t"
			 "1: movq $1b, %[expected]"
			 : [expected] "=m"(expected_rip), [rsp] "=m"(expected_rsp)
			 :
			 : "memory");
	check_frame_common("#BP (int3)");
	CHECK_EQ(seen.vector, TRAP_int3, "vector 3");
	CHECK_EQ(seen.error_code, 0, "no error code");
	/* expected_rip was stored after the trap returned: the instruction after int3. */
	CHECK_EQ(seen.rip, expected_rip, "rip points after int3 (a trap, not a fault)");
}

static void check_page_faults(void)
{
	CHECK_EQ(trap_set_handler(TRAP_page_fault, 0, false, record), 0, "set_trap_table for #PF");

	reset();
	__asm__ volatile(
		"movq $1f, %[expected]\n\t"
		"movq $2f, %[resume]\n\t"
		"movq %%rsp, %[rsp]\n\t"
		"1: movq 0x1008, %%rax\n\t"
		"2:"
		: [expected] "=m"(expected_rip), [resume] "=m"(resume_rip), [rsp] "=m"(expected_rsp)
		:
		: "rax", "memory");
	check_frame_common("#PF reading an unmapped address");
	CHECK_EQ(seen.vector, TRAP_page_fault, "vector 14");
	CHECK_EQ(seen.error_code, 0, "error code: not present, read, kernel mode");
	CHECK_EQ(cr2(), 0x1008, "vcpu_info.arch.cr2 holds the address");

	reset();
	volatile uint64_t *read_only = read_only_page();
	__asm__ volatile(
		"movq $1f, %[expected]\n\t"
		"movq $2f, %[resume]\n\t"
		"movq %%rsp, %[rsp]\n\t"
		"1: movq $7, 16(%[page])\n\t"
		"2:"
		: [expected] "=m"(expected_rip), [resume] "=m"(resume_rip), [rsp] "=m"(expected_rsp)
		: [page] "r"(read_only)
		: "memory");
	check_frame_common("#PF writing a read-only page");
	CHECK_EQ(seen.error_code, 3, "error code: present, write, kernel mode");
	CHECK_EQ(cr2(), (unsigned long)read_only + 16, "cr2 holds the address written");
	CHECK_EQ(read_only[2], 0, "the write did not happen");

	/* Jumping to an unmapped address: the fault is at the target, the return on the stack. */
	reset();
	/* The handler resumes at 1, leaving the return address the call pushed to drop. */
	__asm__ volatile("movq $1f, %[resume]\n\t"
			 "movq %%rsp, %[rsp]\n\t"
			 "subq $8, %[rsp]\n\t"
			 "movq $0x2000, %%rax\n\t"
			 "call *%%rax\n\t"
			 "1: addq $8, %%rsp"
			 : [resume] "=m"(resume_rip), [rsp] "=m"(expected_rsp)
			 :
			 : "rax", "memory");
	expected_rip = 0x2000;
	check_frame_common("#PF fetching from an unmapped address");
	CHECK_EQ(seen.error_code, 0x10, "error code: instruction fetch, not present, kernel");
	CHECK_EQ(cr2(), 0x2000, "cr2 holds the target");
}

static void check_general_protection_and_divide(void)
{
	CHECK_EQ(trap_set_handler(TRAP_gp_fault, 0, false, record), 0, "set_trap_table for #GP");
	reset();
	__asm__ volatile(
		"movq $1f, %[expected]\n\t"
		"movq $2f, %[resume]\n\t"
		"movq %%rsp, %[rsp]\n\t"
		"movabsq $0x0000800000000000, %%rax\n\t"
		"1: movq (%%rax), %%rax\n\t"
		"2:"
		: [expected] "=m"(expected_rip), [resume] "=m"(resume_rip), [rsp] "=m"(expected_rsp)
		:
		: "rax", "memory");
	check_frame_common("#GP on a non-canonical address");
	CHECK_EQ(seen.vector, TRAP_gp_fault, "vector 13");
	CHECK_EQ(seen.error_code, 0, "error code 0");

	CHECK_EQ(trap_set_handler(TRAP_divide_error, 0, false, record), 0,
		 "set_trap_table for #DE");
	reset();
	__asm__ volatile(
		"movq $1f, %[expected]\n\t"
		"movq $2f, %[resume]\n\t"
		"movq %%rsp, %[rsp]\n\t"
		"xorl %%edx, %%edx\n\t"
		"movl $1, %%eax\n\t"
		"xorl %%ecx, %%ecx\n\t"
		"1: divl %%ecx\n\t"
		"2:"
		: [expected] "=m"(expected_rip), [resume] "=m"(resume_rip), [rsp] "=m"(expected_rsp)
		:
		: "rax", "rcx", "rdx", "memory");
	check_frame_common("#DE dividing by zero");
	CHECK_EQ(seen.vector, TRAP_divide_error, "vector 0");
}

/* int $n at a known place: int_rip is the instruction, after_rip the one after it. */
#define SOFT_INT(vector)                                                                         \
	__asm__ volatile("movq $1f, %[at]\n\t"                                                   \
			 "movq $2f, %[after]\n\t"                                                \
			 "movq %%rsp, %[rsp]\n\t"                                                \
			 "1: int $" #vector "\n\t"                                               \
			 "2:"                                                                    \
			 : [at] "=m"(int_rip), [after] "=m"(after_rip), [rsp] "=m"(expected_rsp) \
			 :                                                                       \
			 : "memory")

/* A #GP handler that steps over the int instruction that caused it. */
static void gp_skip_int(struct trap_frame *frame)
{
	record(frame);
	if (frame->vector == TRAP_gp_fault && (frame->error_code & 7) == 2)
		frame->rip += 2;
}

/*
 * Software interrupts. An INT n whose IDT gate forbids ring 3 reaches the hypervisor as a
 * #GP whose error code names the gate; the hypervisor then applies the DPL of the guest's
 * trap_info. QEMU's TCG (7.2) reports that error code as n * 16 + 2 instead of n * 8 + 2, so
 * under QEMU Xen misreads n for every vector but those it gates for ring 3 itself: int3, and
 * int $0x80, which Xen delivers on a direct path. So these checks use int $0x80 only.
 */
static void check_software_interrupts(void)
{
	unsigned long int_rip, after_rip;

	test_section("software interrupt int $0x80");
	CHECK_EQ(trap_set_handler(0x80, 3, false, record), 0, "vector 0x80 with DPL 3");
	reset();
	SOFT_INT(0x80);
	CHECK_EQ(hits, 1, "int $0x80 reaches its handler");
	CHECK_EQ(seen.vector, 0x80, "vector 0x80");
	CHECK_EQ(seen.error_code, 0, "no error code");
	CHECK_EQ(seen.rip, after_rip, "rip is after the int instruction");
	CHECK_EQ(seen.rsp, expected_rsp, "rsp is the interrupted one");
	CHECK_EQ(seen.cs & 0xffff, KERNEL_CS_SEEN, "cs is the kernel's, RPL 0");

	/* A NULL table clears the virtual IDT; then int $0x80 is refused with a #GP. */
	CHECK_EQ(HYPERVISOR_set_trap_table(NULL), 0, "a NULL table clears every entry");
	CHECK_EQ(trap_set_handler(TRAP_gp_fault, 0, false, gp_skip_int), 0, "#GP is back");
	reset();
	SOFT_INT(0x80);
	CHECK_EQ(hits, 1, "int $0x80 without a handler traps once");
	CHECK_EQ(seen.vector, TRAP_gp_fault, "as a #GP");
	CHECK_EQ(seen.error_code, 0x80 << 3 | 2, "error code (0x80 << 3) | 2: IDT entry 0x80");
	CHECK_EQ(seen.rip, int_rip, "rip is the int instruction itself (a fault)");
	traps_init();
	CHECK_EQ(trap_set_handler(TRAP_gp_fault, 0, false, gp_skip_int), 0, "#GP is back");
}

static void trigger_divide_error(void)
{
	__asm__ volatile("movq $2f, %[resume]\n\t"
			 "xorl %%edx, %%edx\n\t"
			 "movl $1, %%eax\n\t"
			 "xorl %%ecx, %%ecx\n\t"
			 "1: divl %%ecx\n\t"
			 "2:"
			 : [resume] "=m"(resume_rip)
			 :
			 : "rax", "rcx", "rdx", "memory");
}

/*
 * Which entries a table installed is seen by pointing a vector at the stub of another
 * vector: the C handler then reports that other vector.
 */
static void check_set_trap_table(void)
{
	struct trap_info table[4];

	test_section("set_trap_table errors");
	for (unsigned int b = 1; b < nr_bad_addresses; b++) /* NULL has a meaning of its own */
		CHECK_EQ(HYPERVISOR_set_trap_table(
				 (const struct trap_info *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile table is -EFAULT");
	trap_set_handler(0x42, 0, false, record);
	trap_set_handler(0x44, 0, false, record);
	trap_set_handler(0x45, 0, false, record);
	trap_set_handler(0x47, 0, false, record);
	trap_set_handler(TRAP_invalid_op, 0, false, record);
	trap_set_handler(TRAP_divide_error, 0, false, record);

	/* A non-canonical handler stops the table with -EINVAL; earlier entries stay. */
	memset(table, 0, sizeof(table));
	table[0] = (struct trap_info){TRAP_invalid_op, 0, FLAT_KERNEL_CS, trap_entry_address(0x42)};
	table[1] = (struct trap_info){TRAP_int3, 3, FLAT_KERNEL_CS, 0x0000800000000000UL};
	table[2] =
		(struct trap_info){TRAP_divide_error, 0, FLAT_KERNEL_CS, trap_entry_address(0x44)};
	CHECK_EQ(HYPERVISOR_set_trap_table(table), -XEN_EINVAL,
		 "a non-canonical handler address is -EINVAL");
	reset();
	trigger_ud2(false);
	CHECK_EQ(seen.vector, 0x42, "the entry before the bad one was installed");
	reset();
	trigger_divide_error();
	CHECK_EQ(seen.vector, TRAP_divide_error, "the entry after the bad one was not");

	/* An entry with address 0 ends the table. */
	memset(table, 0, sizeof(table));
	table[0] = (struct trap_info){TRAP_invalid_op, 0, FLAT_KERNEL_CS, trap_entry_address(0x45)};
	table[1] = (struct trap_info){TRAP_int3, 3, FLAT_KERNEL_CS, 0};
	table[2] =
		(struct trap_info){TRAP_divide_error, 0, FLAT_KERNEL_CS, trap_entry_address(0x47)};
	CHECK_EQ(HYPERVISOR_set_trap_table(table), 0, "a table ends at an address of 0");
	reset();
	trigger_ud2(false);
	CHECK_EQ(seen.vector, 0x45, "the entry before the end is installed");
	reset();
	trigger_divide_error();
	CHECK_EQ(seen.vector, TRAP_divide_error, "the entry after the end is not");
	reset();
	__asm__ volatile("int3" ::: "memory");
	CHECK_EQ(seen.vector, TRAP_int3, "the terminating entry changed nothing");

	traps_init();
	trap_set_handler(TRAP_gp_fault, 0, false, gp_skip_int);
}

/* Handlers may trap themselves: the second frame goes below the first on the same stack. */
static unsigned int nested_depth, nested_max;
static void nested(struct trap_frame *frame)
{
	nested_depth++;
	if (nested_depth > nested_max)
		nested_max = nested_depth;
	if (frame->vector == TRAP_invalid_op) {
		__asm__ volatile("int3" ::: "memory");
		frame->rip += 2; /* over the ud2 */
	}
	nested_depth--;
}

static void check_nesting(void)
{
	test_section("nested traps");
	CHECK_EQ(trap_set_handler(TRAP_invalid_op, 0, false, nested), 0, "#UD");
	CHECK_EQ(trap_set_handler(TRAP_int3, 3, false, nested), 0, "#BP");
	__asm__ volatile("ud2" ::: "memory");
	CHECK_EQ(nested_max, 2, "a handler's own trap nests inside it");
	CHECK_EQ(nested_depth, 0, "and both returned");
	trap_set_handler(TRAP_invalid_op, 0, false, record);
	trap_set_handler(TRAP_int3, 3, false, record);
}

/*
 * The event mask travels through the frame: the hypervisor saves it in cs bits 32-39 and
 * folds its inverse into rflags.IF, masks events on entry when the trap_info asks, and iret
 * sets the mask from the returned rflags.IF.
 */
static unsigned int events_seen;
static void event_callback(struct trap_frame *frame)
{
	(void)frame;
	events_seen++;
	HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;
}

static void check_event_mask(void)
{
	volatile struct vcpu_info *vcpu = &HYPERVISOR_shared_info->vcpu_info[0];

	test_section("event mask through the frame");
	/* In case anything is pending when events are unmasked: a callback that eats it. */
	trap_set_handler(0xf0, 0, true, event_callback);
	CHECK_EQ(HYPERVISOR_set_callbacks(trap_entry_address(0xf0), trap_entry_address(0xf1), 0), 0,
		 "set_callbacks succeeds");

	CHECK_EQ(trap_set_handler(TRAP_invalid_op, 0, false, record), 0, "#UD, events left alone");
	reset();
	vcpu->evtchn_upcall_mask = 0;
	trigger_ud2(false);
	uint8_t mask_after = vcpu->evtchn_upcall_mask;
	vcpu->evtchn_upcall_mask = 1;
	CHECK_EQ((seen.cs >> 32) & 0xff, 0, "the saved mask is 0");
	CHECK_EQ(seen.rflags & RFLAGS_IF, RFLAGS_IF, "rflags.IF is 1");
	CHECK_EQ(mask_in_handler, 0, "events stay unmasked in a handler not asking otherwise");
	CHECK_EQ(mask_after, 0, "iret with IF set leaves events unmasked");

	CHECK_EQ(trap_set_handler(TRAP_invalid_op, 0, true, record), 0, "#UD, masking events");
	reset();
	vcpu->evtchn_upcall_mask = 0;
	trigger_ud2(false);
	mask_after = vcpu->evtchn_upcall_mask;
	vcpu->evtchn_upcall_mask = 1;
	CHECK_EQ(mask_in_handler, 1, "the trap_info flag masks events on entry");
	CHECK_EQ((seen.cs >> 32) & 0xff, 0, "the saved mask is still the interrupted one, 0");
	CHECK_EQ(mask_after, 0, "iret unmasks again from rflags.IF");

	reset();
	clear_if_on_return = true;
	vcpu->evtchn_upcall_mask = 0;
	trigger_ud2(false);
	mask_after = vcpu->evtchn_upcall_mask;
	vcpu->evtchn_upcall_mask = 1;
	CHECK_EQ(mask_after, 1, "iret with IF clear masks events");
	printf("event callbacks during the test: %u\n", events_seen);
	trap_set_handler(TRAP_invalid_op, 0, false, record);
}

/* ud2 followed by "xen" asks the hypervisor to emulate the next instruction (CPUID). */
static void check_forced_emulation(void)
{
	uint32_t eax = 0x40000000, ebx, ecx = 0, edx;
	char signature[13];

	test_section("forced emulation: XEN_CPUID");
	reset();
	__asm__ volatile(XEN_CPUID : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	CHECK_EQ(hits, 0, "the prefixed cpuid does not reach the #UD handler");
	memcpy(signature, &ebx, 4);
	memcpy(signature + 4, &ecx, 4);
	memcpy(signature + 8, &edx, 4);
	signature[12] = 0;
	printf("leaf 0x40000000: eax %#x, '%s'\n", eax, signature);
	CHECK(strcmp(signature, "XenVMMXenVMM") == 0, "leaf 0x40000000 is Xen's signature");
	CHECK(eax >= 0x40000002 && eax < 0x40000100, "eax is the last hypervisor leaf");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_invalid_opcode();
	check_breakpoint();
	check_page_faults();
	check_general_protection_and_divide();
	check_software_interrupts();
	check_set_trap_table();
	check_nesting();
	check_event_mask();
	check_forced_emulation();
	test_finish("traps");
}
