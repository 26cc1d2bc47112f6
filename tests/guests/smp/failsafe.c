/*
 * The failsafe callback, as Xen 4.17 delivers it to a 64-bit PV kernel: when a real context
 * switch brings a vCPU back onto a CPU and one of its data selectors (%ds, %es, %fs, %gs) no
 * longer loads, the hypervisor loads the null selector in its place (the others load as
 * usual) and enters the vCPU's failsafe callback, in kernel mode, with this frame on its
 * kernel stack (16-byte aligned below the interrupted rsp, or below the kernel_sp of
 * stack_switch if the vCPU was in user mode), from the lowest address:
 *
 *     rcx, r11, ds, es, fs, gs (the selectors it had), rip, cs (RPL 0 from kernel mode, 3
 *     from user mode; the saved event mask in bits 32 and up), rflags (IF the inverse of
 *     that mask), rsp, ss
 *
 * rcx and r11 are the interrupted code's: in a hypercall, as its SYSCALL left them (the
 * return address and the real rflags). Events are masked if the callback was registered
 * with CALLBACKF_mask_events (set_callbacks registers it without); HYPERVISOR_iret of the
 * frame goes back to the interrupted code with its own event mask, rcx and r11.
 *
 * The scenario: vCPU 1 gets a GDT of its own (set_gdt, a read-only frame of ours), loads
 * selectors of it, registers its failsafe callback and sleeps in SCHEDOP_poll (or spins in
 * a user program); vCPU 0 then rewrites the descriptor of one of them with
 * update_descriptor and lets vCPU 1 go on. With both vCPUs on one physical CPU vCPU 1 comes
 * back through a real switch from vCPU 0, which reloads vCPU 1's selectors. With two, Xen
 * leaves a vCPU's state on its CPU while the CPU idles and reloads nothing when the same
 * vCPU comes back, so whether the callback runs depends on where the vCPUs ran: the test
 * kernel runs the failing cases only when told it has one physical CPU (the word pcpus=1
 * on its command line), and the good case always.
 */
#include <string.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <public/callback.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "smp.h"
#include "user_mode.h"

#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO (_PAGE_PRESENT | _PAGE_ACCESSED)
#define RFLAGS_IF 0x200UL
#define RFLAGS_IOPL 0x3000UL

/* vCPU 1's GDT: entry 1 stays good, entry 2 is the one vCPU 0 rewrites. */
#define GDT_ENTRIES 16
#define GOOD_SELECTOR 0x0b /* entry 1, RPL 3 */
#define TARGET_ENTRY 2
#define TARGET_SELECTOR 0x13
#define DESC_DATA_DPL3 0x00cff3000000ffffUL		 /* flat writable data, DPL 3 */
#define DESC_NOT_PRESENT (DESC_DATA_DPL3 & ~(1UL << 47)) /* the same, not present */
#define DESC_SYSTEM_TYPE0 (1UL << 47)			 /* present, system, type 0 */

/* The frame's words, lowest address first. */
enum { F_RCX, F_R11, F_DS, F_ES, F_FS, F_GS, F_RIP, F_CS, F_RFLAGS, F_RSP, F_SS, FRAME_WORDS };
enum { SEL_DS, SEL_ES, SEL_FS, SEL_GS };

enum registration {
	MASKING,       /* CALLBACKOP_register with CALLBACKF_mask_events */
	PLAIN,	       /* CALLBACKOP_register without flags */
	SET_CALLBACKS, /* CALLBACKOP_register masking, then set_callbacks (which clears that) */
};

struct failsafe_case {
	const char *name;
	uint64_t descriptor; /* what vCPU 0 writes into the target entry */
	bool fails;	     /* the descriptor no longer loads */
	unsigned int target; /* SEL_DS or SEL_FS: where the target selector is */
	enum registration registration;
	bool events_enabled; /* vCPU 1 sleeps with events enabled */
	bool user_mode;	     /* vCPU 1 spins in user mode instead of sleeping */
};

static const struct failsafe_case cases[] = {
	{.name = "failsafe: the descriptor rewritten, still good",
	 .descriptor = DESC_DATA_DPL3,
	 .target = SEL_FS,
	 .registration = MASKING,
	 .events_enabled = true},
	{.name = "failsafe: %fs's descriptor made not present, CALLBACKF_mask_events",
	 .descriptor = DESC_NOT_PRESENT,
	 .fails = true,
	 .target = SEL_FS,
	 .registration = MASKING,
	 .events_enabled = true},
	{.name = "failsafe: %fs's descriptor made not present, no flags",
	 .descriptor = DESC_NOT_PRESENT,
	 .fails = true,
	 .target = SEL_FS,
	 .registration = PLAIN,
	 .events_enabled = true},
	{.name = "failsafe: %ds's descriptor made a system one, set_callbacks",
	 .descriptor = DESC_SYSTEM_TYPE0,
	 .fails = true,
	 .target = SEL_DS,
	 .registration = SET_CALLBACKS,
	 .events_enabled = true},
	{.name = "failsafe: %ds's descriptor made not present, events masked",
	 .descriptor = DESC_NOT_PRESENT,
	 .fails = true,
	 .target = SEL_DS,
	 .registration = MASKING},
	{.name = "failsafe: %fs's descriptor made not present, vCPU 1 in user mode",
	 .descriptor = DESC_NOT_PRESENT,
	 .fails = true,
	 .target = SEL_FS,
	 .registration = MASKING,
	 .events_enabled = true,
	 .user_mode = true},
};
#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

extern uint64_t failsafe_raw[1 + FRAME_WORDS]; /* failsafe_entry.S: entry rsp, frame */
extern uint64_t failsafe_stub;
/* failsafe_entry.S: the user program, and the rcx and r11 it spins with. */
extern char failsafe_user_spin[], failsafe_user_loop[], failsafe_user_loop_end[];
extern const uint64_t failsafe_user_rcx, failsafe_user_r11;
_Static_assert(USER_DATA_VA == 0x408000, "failsafe_entry.S's UD_BASE");

/* Entries from user mode come on this stack (stack_switch): in the middle of vCPU 1's own
 * stack, and not 16-byte aligned, so that the alignment of the frame shows. */
#define USER_KERNEL_SP ((unsigned long)secondary_stack + STACK_SIZE / 2 + 8)

static uint64_t gdt[512] __attribute__((aligned(PAGE_SIZE)));
static unsigned long gdt_frame;

/* What vCPU 1 did and saw in one case (vCPU 0 judges it). */
static volatile struct {
	uint64_t ready; /* 1: selectors loaded, about to sleep; 2: its setup failed */
	uint64_t go;	/* vCPU 0 sets it, after changing the descriptor */
	long set_gdt, activated, registered;
	long user_rc;				      /* what user_call returned */
	uint64_t before[4], in_callback[4], after[4]; /* ds, es, fs, gs */
	uint64_t mask_before, mask_in_callback, mask_after;
	bool armed;				/* a failsafe callback is welcome */
	uint64_t entries;			/* failsafe callbacks taken */
	uint64_t entry_rsp, frame[FRAME_WORDS]; /* of the first one */
} seen;

static long set_gdt(const unsigned long *frames, unsigned int entries)
{
	return hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, entries, 0, 0, 0);
}

static long update_descriptor(uint64_t machine_address, uint64_t descriptor)
{
	return hypercall(__HYPERVISOR_update_descriptor, machine_address, descriptor, 0, 0, 0);
}

static void read_selectors(volatile uint64_t selectors[4])
{
	uint16_t ds, es, fs, gs;

	__asm__ volatile("movw %%ds, %0\n\tmovw %%es, %1\n\tmovw %%fs, %2\n\tmovw %%gs, %3"
			 : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
	selectors[SEL_DS] = ds;
	selectors[SEL_ES] = es;
	selectors[SEL_FS] = fs;
	selectors[SEL_GS] = gs;
}

static void load_ds_fs(uint16_t ds, uint16_t fs)
{
	__asm__ volatile("movw %0, %%ds\n\tmovw %1, %%fs" : : "r"(ds), "r"(fs) : "memory");
}

static long register_failsafe(enum registration how)
{
	struct callback_register failsafe = {.type = CALLBACKTYPE_failsafe,
					     .flags = how == PLAIN ? 0 : CALLBACKF_mask_events,
					     .address = (unsigned long)failsafe_entry};
	long rc = HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe);

	if (rc == 0 && how == SET_CALLBACKS)
		rc = HYPERVISOR_set_callbacks(trap_entry_address(UPCALL_VECTOR),
					      (unsigned long)failsafe_entry, 0);
	return rc;
}

/* The handler failsafe_entry leads to, on either vCPU: welcome only on vCPU 1, when armed. */
void failsafe_handler(struct trap_frame *frame)
{
	unsigned int vcpu = this_vcpu();

	if (vcpu != SECONDARY || !seen.armed)
		guest_crash("failsafe callback on vCPU %u, rip %#lx", vcpu, frame->rip);
	if (seen.entries++ != 0)
		return;
	seen.entry_rsp = failsafe_raw[0];
	for (unsigned int i = 0; i < FRAME_WORDS; i++)
		seen.frame[i] = failsafe_raw[1 + i];
	read_selectors(seen.in_callback);
	seen.mask_in_callback = vcpu_info_of(vcpu)->evtchn_upcall_mask;
}

void failsafe_init(void)
{
	failsafe_stub = trap_entry_address(FAILSAFE_VECTOR);
}

static void mask_port(evtchn_port_t port, bool masked)
{
	volatile uint64_t *word = &HYPERVISOR_shared_info->evtchn_mask[port / 64];

	if (masked)
		__atomic_fetch_or(word, 1UL << (port % 64), __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(word, ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

static long activate_user_mode(void)
{
	long rc = user_space_activate(trap_entry_address(UPCALL_VECTOR),
				      (unsigned long)failsafe_entry);
	return rc ? rc : HYPERVISOR_stack_switch(FLAT_KERNEL_SS, USER_KERNEL_SP);
}

/* vCPU 1 in user mode until vCPU 0 says go; what it saw there. */
static void spin_in_user_mode(void)
{
	struct user_entry entry = user_entry_at(user_va(failsafe_user_spin));

	seen.user_rc = user_call(&entry);
	seen.mask_after = user_mask_at_return;
	for (unsigned int i = 0; i < 4; i++)
		seen.after[i] = user_space.data[4 + i];
	HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)secondary_stack + STACK_SIZE);
}

/* vCPU 1: load the case's selectors and sleep (or spin) until vCPU 0 says go. */
void secondary_failsafe(uint64_t index)
{
	const struct failsafe_case *c = &cases[index];
	evtchn_port_t port = ipi_port[SECONDARY];
	uint64_t original[4];

	read_selectors(original);
	seen.set_gdt = set_gdt(&gdt_frame, GDT_ENTRIES);
	if (c->user_mode)
		seen.activated = activate_user_mode();
	seen.registered = register_failsafe(c->registration);
	if (seen.set_gdt || seen.activated || seen.registered) {
		set_gdt(NULL, 0);
		__atomic_store_n(&seen.ready, 2, __ATOMIC_SEQ_CST);
		send_port(ipi_port[0]);
		return;
	}
	if (c->target == SEL_DS)
		load_ds_fs(TARGET_SELECTOR, GOOD_SELECTOR);
	else
		load_ds_fs(GOOD_SELECTOR, TARGET_SELECTOR);
	read_selectors(seen.before);
	if (c->events_enabled) {
		/* Events on, but none to take: the wake-up port masked (a poll still sees it),
		 * nothing left pending from before. */
		mask_port(port, true);
		vcpu_info_of(SECONDARY)->evtchn_upcall_pending = 0;
		events_enabled(true);
	}
	seen.mask_before = vcpu_info_of(SECONDARY)->evtchn_upcall_mask;
	seen.armed = true;
	__atomic_store_n(&seen.ready, 1, __ATOMIC_SEQ_CST);
	send_port(ipi_port[0]);

	if (c->user_mode) {
		spin_in_user_mode();
	} else {
		wait_at_least(&seen.go, 1, 0);
		seen.mask_after = vcpu_info_of(SECONDARY)->evtchn_upcall_mask;
		read_selectors(seen.after);
	}
	events_enabled(false);
	mask_port(port, false);
	seen.armed = false;
	/* The selectors of our GDT go before the GDT does. */
	load_ds_fs((uint16_t)original[SEL_DS], (uint16_t)original[SEL_FS]);
	set_gdt(NULL, 0);
	register_failsafe(PLAIN); /* as bringup.c's context had it */
}

static void print_case(void)
{
	const volatile uint64_t *f = seen.frame;

	printf("vCPU 1's selectors: before ds %#lx es %#lx fs %#lx gs %#lx; after ds %#lx es %#lx "
	       "fs %#lx gs %#lx; event mask before %lu after %lu\n",
	       seen.before[0], seen.before[1], seen.before[2], seen.before[3], seen.after[0],
	       seen.after[1], seen.after[2], seen.after[3], seen.mask_before, seen.mask_after);
	printf("failsafe callbacks: %lu\n", seen.entries);
	if (!seen.entries)
		return;
	printf("  entered with rsp %#lx, frame: rcx %#lx r11 %#lx ds %#lx es %#lx fs %#lx gs %#lx\n"
	       "  rip %#lx cs %#lx rflags %#lx rsp %#lx ss %#lx\n",
	       seen.entry_rsp, f[F_RCX], f[F_R11], f[F_DS], f[F_ES], f[F_FS], f[F_GS], f[F_RIP],
	       f[F_CS], f[F_RFLAGS], f[F_RSP], f[F_SS]);
	printf("  in the callback: ds %#lx es %#lx fs %#lx gs %#lx, event mask %lu\n",
	       seen.in_callback[0], seen.in_callback[1], seen.in_callback[2], seen.in_callback[3],
	       seen.mask_in_callback);
}

/* Where vCPU 1 was when it was switched out: in SCHEDOP_poll, or in the user program. */
static void judge_interrupted(const struct failsafe_case *c)
{
	const volatile uint64_t *f = seen.frame;

	if (c->user_mode) {
		CHECK(f[F_RIP] >= user_va(failsafe_user_loop) &&
			      f[F_RIP] < user_va(failsafe_user_loop_end),
		      "rip: in the user program's loop");
		CHECK_EQ(f[F_RCX], failsafe_user_rcx, "rcx: the user program's");
		CHECK_EQ(f[F_R11], failsafe_user_r11, "r11: the user program's");
		CHECK_EQ(f[F_CS], FLAT_USER_CS, "cs 0xe033: interrupted in user mode (RPL 3)");
		CHECK_EQ(f[F_RSP], USER_STACK_TOP, "rsp: the user program's");
		CHECK_EQ(f[F_SS], FLAT_USER_SS, "ss 0xe02b");
		CHECK_EQ(
			seen.entry_rsp, (USER_KERNEL_SP & ~15UL) - FRAME_WORDS * 8,
			"the frame lies 16-byte aligned right below the kernel_sp of stack_switch");
		return;
	}
	unsigned long stub =
		(unsigned long)hypercall_page + HYPERCALL_STUB_SIZE * __HYPERVISOR_sched_op;
	unsigned long stack = (unsigned long)secondary_stack;

	CHECK(f[F_RIP] > stub && f[F_RIP] < stub + HYPERCALL_STUB_SIZE,
	      "rip: in the sched_op stub, where SCHEDOP_poll returns");
	CHECK_EQ(f[F_RCX], f[F_RIP], "rcx: as SYSCALL left it, the address it returns to");
	CHECK_EQ(f[F_R11] & ~RFLAGS_IF, f[F_RFLAGS] & ~RFLAGS_IF,
		 "r11: as SYSCALL left it, the rflags of the hypercall");
	CHECK_EQ(f[F_R11] & RFLAGS_IF, RFLAGS_IF,
		 "with IF set (real interrupts are on in a guest)");
	CHECK_EQ(f[F_CS] & 0xffffffffUL, FLAT_KERNEL_CS & ~3,
		 "cs 0xe030: interrupted in kernel mode (RPL 0 in the frame)");
	CHECK(f[F_RSP] > stack && f[F_RSP] <= stack + STACK_SIZE, "rsp: on vCPU 1's stack");
	CHECK_EQ(f[F_SS], FLAT_KERNEL_SS, "ss 0xe02b");
	CHECK_EQ(seen.entry_rsp, (f[F_RSP] & ~15UL) - FRAME_WORDS * 8,
		 "the frame lies 16-byte aligned right below the interrupted rsp");
}

static void judge_frame(const struct failsafe_case *c)
{
	const volatile uint64_t *f = seen.frame;
	uint64_t saved_mask = c->events_enabled ? 0 : 1;

	CHECK_EQ(seen.entries, 1, "the failsafe callback ran once, on vCPU 1");
	if (!seen.entries)
		return;
	judge_interrupted(c);
	for (unsigned int i = 0; i < 4; i++)
		CHECK_EQ(f[F_DS + i], seen.before[i], "ds, es, fs, gs: the selectors vCPU 1 had");
	CHECK_EQ(f[F_CS] >> 32, saved_mask, "cs's bits 32 and up: the event mask vCPU 1 had");
	CHECK_EQ(f[F_RFLAGS] & RFLAGS_IF, c->events_enabled ? RFLAGS_IF : 0,
		 "rflags.IF: the inverse of that mask");
	CHECK_EQ(f[F_RFLAGS] & RFLAGS_IOPL, 0, "rflags.IOPL 0");

	uint64_t mask = c->registration == MASKING ? 1 : seen.mask_before;
	CHECK_EQ(seen.mask_in_callback, mask,
		 c->registration == MASKING
			 ? "CALLBACKF_mask_events: the callback runs with events "
			   "masked"
			 : "without the flag the event mask is left as it was");
	unsigned int other = c->target == SEL_DS ? SEL_FS : SEL_DS;
	CHECK_EQ(seen.in_callback[c->target], 0,
		 "the selector that failed is null in the callback");
	CHECK_EQ(seen.in_callback[other], GOOD_SELECTOR, "the good one was loaded");
	CHECK(memcmp((const void *)seen.after, (const void *)seen.in_callback,
		     sizeof(seen.after)) == 0,
	      "back from the callback, vCPU 1 goes on with those selectors");
	CHECK_EQ(seen.mask_after, seen.mask_before,
		 "and with its own event mask (HYPERVISOR_iret restored it from rflags.IF)");
	if (c->user_mode) {
		CHECK_EQ(seen.user_rc, 1, "the user program ended with its SYSCALL");
		CHECK_EQ(user_space.data[2], failsafe_user_rcx, "with its rcx, given back by iret");
		CHECK_EQ(user_space.data[3], failsafe_user_r11, "and its r11");
	}
}

/* Until vCPU 1 sleeps in its poll, or (user mode) spins in its user program off the CPU. */
static void wait_for_secondary(const struct failsafe_case *c)
{
	uint64_t deadline = now_ns() + MS(5000);
	int state = c->user_mode ? RUNSTATE_runnable : RUNSTATE_blocked;

	if (c->user_mode) {
		while (user_space.data[0] != 1 && now_ns() < deadline)
			sleep_until(now_ns() + MS(1));
		CHECK_EQ(user_space.data[0], 1, "vCPU 1 runs its user program");
	}
	while (runstate_of(SECONDARY).state != state && now_ns() < deadline)
		sleep_until(now_ns() + MS(1));
	CHECK_EQ(runstate_of(SECONDARY).state, state,
		 c->user_mode ? "vCPU 1 is runnable: switched out in the user program"
			      : "vCPU 1 is blocked in its poll");
}

static void run_case(unsigned int index)
{
	const struct failsafe_case *c = &cases[index];
	uint64_t target = gdt_frame * PAGE_SIZE + TARGET_ENTRY * 8;

	test_section(c->name);
	CHECK_EQ(update_descriptor(target, DESC_DATA_DPL3), 0, "the target descriptor is good");
	memset((void *)&seen, 0, sizeof(seen));
	memset(user_space.data, 0, PAGE_SIZE);
	uint64_t sequence = post(CMD_FAILSAFE, index);
	wait_at_least(&seen.ready, 1, now_ns() + MS(5000));
	CHECK_EQ(seen.set_gdt, 0, "vCPU 1's set_gdt with a frame of ours");
	if (c->user_mode)
		CHECK_EQ(seen.activated, 0, "vCPU 1's user mode set up");
	CHECK_EQ(seen.registered, 0, "vCPU 1 registered its failsafe callback");
	if (!CHECK_EQ(seen.ready, 1, "vCPU 1 loaded the selectors")) {
		wait_done(sequence);
		return;
	}
	wait_for_secondary(c);
	CHECK_EQ(update_descriptor(target, c->descriptor), 0, "update_descriptor of its entry");
	user_space.data[1] = 1;
	__atomic_store_n(&seen.go, 1, __ATOMIC_SEQ_CST);
	send_port(ipi_port[SECONDARY]);
	CHECK(wait_done(sequence), "vCPU 1 went on");
	print_case();
	CHECK_EQ(seen.before[c->target], TARGET_SELECTOR, "vCPU 1 had the target selector loaded");
	if (c->fails) {
		judge_frame(c);
		return;
	}
	CHECK_EQ(seen.entries, 0, "a descriptor that still loads: no failsafe callback");
	CHECK(memcmp((const void *)seen.after, (const void *)seen.before, sizeof(seen.after)) == 0,
	      "and vCPU 1's selectors are as they were");
	CHECK_EQ(seen.mask_after, seen.mask_before, "and so is its event mask");
}

void check_failsafe(void)
{
	bool one_cpu = guest_cmdline_has("pcpus=1");

	test_section("failsafe: vCPU 1's GDT");
	memset(gdt, 0, sizeof(gdt));
	gdt[GOOD_SELECTOR >> 3] = DESC_DATA_DPL3;
	gdt[TARGET_ENTRY] = DESC_DATA_DPL3;
	gdt_frame = virt_to_mfn(gdt);
	if (!CHECK_EQ(map_page(gdt, gdt_frame, PTE_RO), 0, "its frame mapped read-only") ||
	    !CHECK_EQ(user_space_build(), 0, "a user address space for vCPU 1"))
		return;
	user_mode_vcpu = SECONDARY;
	for (unsigned int i = 0; i < NR_CASES; i++) {
		if (cases[i].fails && !one_cpu) {
			printf("%s: not run (no pcpus=1 on the command line)\n", cases[i].name);
			continue;
		}
		run_case(i);
	}
	CHECK_EQ(map_page(gdt, gdt_frame, PTE_RW), 0, "the frame is an ordinary page again");
}
