/*
 * Starting vCPU 1, as Xen 4.17 answers dom0 (and as Linux's cpu_initialize_context fills the
 * context of a PV vCPU):
 *
 *  - at boot vCPU 1 exists but is down (is_up 0, runstate offline, events masked in its
 *    vcpu_info); VCPUOP_up before VCPUOP_initialise is -EINVAL, VCPUOP_down of a vCPU that
 *    is down is 0;
 *  - VCPUOP_initialise reads the whole context first (-EFAULT), then refuses a context
 *    with a non-canonical address, a bad LDT or GDT, user mode without a user page table,
 *    or a cr3 that is not one of our L4 tables, all with -EINVAL, leaving the vCPU as it
 *    was; once it accepted one, every other is -EEXIST;
 *  - VGCF_online in the context marks the vCPU up (is_up 1) but does not wake it, and
 *    neither does VCPUOP_up then (it only wakes a vCPU it finds down): down and up again do;
 *  - vCPU 1 then starts at the context's rip with its registers, stack, segment bases and
 *    FPU state (VGCF_i387_valid), RPL 3 selectors, rflags.IF set and IOPL taken out; its
 *    exceptions go through the context's trap table, a page fault's address to vCPU 1's
 *    own vcpu_info.arch.cr2.
 */
#include <string.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "smp.h"

#define NON_CANONICAL 0x0000800000000000UL
#define ENTRY_RDI 0x0123456789abcdefUL
#define ENTRY_RBX 0xfedcba9876543210UL
#define ENTRY_R15 0x5a5a5a5a0f0f0f0fUL
#define FS_WORD 0x0f5f5f5f5f5f5f5fUL
#define GS_WORD 0x06565656565656c5UL
#define RFLAGS_IF 0x200UL
#define RFLAGS_IOPL 0x3000UL
#define FXSAVE_FCW 0
#define FXSAVE_MXCSR 24
#define FXSAVE_XMM0 160

extern char secondary_entry[];

static const uint64_t fs_word = FS_WORD, gs_word = GS_WORD;

/* What vCPU 1's exceptions looked like (CMD_TRAPS). */
static volatile struct {
	uint64_t int3_on[2]; /* breakpoints taken, by the vCPU whose stack the handler ran on */
	uint64_t int3_rip, int3_cs;
	int fault;	 /* what probe_read of an unmapped address returned */
	uint64_t cr2[2]; /* both vcpu_info.arch.cr2 after the fault */
} traps_seen;
static struct vcpu_guest_context context __attribute__((aligned(16)));
static struct vcpu_guest_context broken __attribute__((aligned(16)));

struct vcpu_runstate_info runstate_of(unsigned int vcpu)
{
	struct vcpu_runstate_info info;
	long rc = HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, vcpu, &info);

	if (rc != 0)
		guest_crash("VCPUOP_get_runstate_info(%u): %ld", vcpu, rc);
	return info;
}

const char *runstate_name(int state)
{
	static const char *const names[] = {"running", "runnable", "blocked", "offline"};
	return state >= 0 && state < 4 ? names[state] : "?";
}

static void print_runstate(const char *when, unsigned int vcpu)
{
	struct vcpu_runstate_info r = runstate_of(vcpu);
	printf("runstate of vCPU %u %s: %s since %lu; running %lu runnable %lu blocked %lu "
	       "offline %lu\n",
	       vcpu, when, runstate_name(r.state), r.state_entry_time, r.time[0], r.time[1],
	       r.time[2], r.time[3]);
}

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return HYPERVISOR_vcpu_op(cmd, vcpu, arg);
}

static unsigned long stack_top(void)
{
	return (unsigned long)secondary_stack + STACK_SIZE;
}

/* The context Linux would give: kernel mode, our page tables, trap table and callbacks. */
static void good_context(struct vcpu_guest_context *c)
{
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel | VGCF_i387_valid;
	fpu_pattern_image(SECONDARY, 0, (uint8_t *)c->fpu_ctxt.x);
	c->user_regs.rip = (unsigned long)secondary_entry;
	c->user_regs.rsp = stack_top() - 64;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = RFLAGS_IOPL; /* becomes the virtual IOPL; IF is forced on */
	c->user_regs.rdi = ENTRY_RDI;
	c->user_regs.rsi = SECONDARY;
	c->user_regs.rbx = ENTRY_RBX;
	c->user_regs.r15 = ENTRY_R15;
	/* The runtime's trap table (traps_init): entry i describes vector i. */
	for (unsigned int vector = 0; vector < 32; vector++) {
		unsigned int dpl = vector == TRAP_int3 || vector == TRAP_overflow ? 3 : 0;
		c->trap_ctxt[vector].vector = (uint8_t)vector;
		c->trap_ctxt[vector].flags = (uint8_t)TRAP_INFO_DPL(dpl);
		c->trap_ctxt[vector].cs = FLAT_KERNEL_CS;
		c->trap_ctxt[vector].address = trap_entry_address(vector);
	}
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = stack_top();
	c->ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn((const void *)guest_start_info->pt_base));
	c->event_callback_eip = trap_entry_address(UPCALL_VECTOR);
	c->failsafe_callback_eip = (unsigned long)failsafe_entry;
	c->fs_base = (unsigned long)&fs_word;
	c->gs_base_kernel = (unsigned long)&gs_word;
}

static bool check_boot_state(void)
{
	test_section("vCPU 1 at boot");
	long up = vcpu_op(VCPUOP_is_up, SECONDARY, NULL);
	printf("VCPUOP_is_up: vCPU 0 %ld, vCPU 1 %ld\n", vcpu_op(VCPUOP_is_up, 0, NULL), up);
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 0, NULL), 1, "vCPU 0 is up");
	if (!CHECK_EQ(up, 0, "vCPU 1 exists (not -ENOENT) and is down"))
		return false; /* booted without dom0_max_vcpus=2? */
	print_runstate("at boot", SECONDARY);
	CHECK_EQ(runstate_of(SECONDARY).state, RUNSTATE_offline, "its runstate is offline");
	CHECK_EQ(vcpu_info_of(SECONDARY)->evtchn_upcall_mask, 1,
		 "events are masked in its vcpu_info, as in vCPU 0's");
	CHECK_EQ(vcpu_op(VCPUOP_up, SECONDARY, NULL), -XEN_EINVAL,
		 "VCPUOP_up before VCPUOP_initialise is -EINVAL");
	CHECK_EQ(vcpu_op(VCPUOP_down, SECONDARY, NULL), 0, "VCPUOP_down of a down vCPU is 0");
	CHECK_EQ(vcpu_op(VCPUOP_is_up, SECONDARY, NULL), 0, "and it stays down");
	return true;
}

/* One refused context: the answer, and vCPU 1 still uninitialised (up is -EINVAL). */
static void refused(const char *what, long expected, const void *arg)
{
	long rc = vcpu_op(VCPUOP_initialise, SECONDARY, (void *)arg);
	printf("VCPUOP_initialise with %s: %ld\n", what, rc);
	CHECK_EQ(rc, expected, what);
	CHECK_EQ(vcpu_op(VCPUOP_up, SECONDARY, NULL), -XEN_EINVAL,
		 "vCPU 1 is still not initialised: VCPUOP_up is -EINVAL");
}

#define REFUSE_EINVAL(what, change)                  \
	do {                                         \
		good_context(&broken);               \
		change;                              \
		refused(what, -XEN_EINVAL, &broken); \
	} while (0)

static void check_bad_contexts(void)
{
	test_section("VCPUOP_initialise refuses bad contexts");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		refused(bad_addresses[b].name, -XEN_EFAULT, (void *)bad_addresses[b].address);
	refused("a context that runs past the end of our mapping", -XEN_EFAULT,
		(void *)(initial_mapping_end() - 64));

	REFUSE_EINVAL("a non-canonical rip", broken.user_regs.rip = NON_CANONICAL);
	REFUSE_EINVAL("a non-canonical rsp", broken.user_regs.rsp = NON_CANONICAL);
	REFUSE_EINVAL("a non-canonical kernel_sp", broken.kernel_sp = NON_CANONICAL);
	REFUSE_EINVAL("a non-canonical event callback", broken.event_callback_eip = NON_CANONICAL);
	REFUSE_EINVAL("a non-canonical failsafe callback",
		      broken.failsafe_callback_eip = NON_CANONICAL);
	REFUSE_EINVAL("a non-canonical fs_base", broken.fs_base = NON_CANONICAL);
	REFUSE_EINVAL("a non-canonical trap handler",
		      broken.trap_ctxt[TRAP_page_fault].address = NON_CANONICAL);
	REFUSE_EINVAL("an LDT base not page aligned",
		      (broken.ldt_base = (unsigned long)scratch_page(3) + 8, broken.ldt_ents = 1));
	REFUSE_EINVAL("8193 LDT entries",
		      (broken.ldt_base = (unsigned long)scratch_page(3), broken.ldt_ents = 8193));
	REFUSE_EINVAL("user mode without a user page table", broken.flags &= ~VGCF_in_kernel);
	REFUSE_EINVAL("a GDT of 8192 entries (past the hypervisor's)", broken.gdt_ents = 8192);
	REFUSE_EINVAL("a GDT frame that is a writable page",
		      (broken.gdt_frames[0] = virt_to_mfn(scratch_page(3)), broken.gdt_ents = 16));
	REFUSE_EINVAL("cr3 a writable data page",
		      broken.ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn(scratch_page(3))));
	unsigned long image = (unsigned long)guest_image_start;
	REFUSE_EINVAL("cr3 an L1 page table of ours",
		      broken.ctrlreg[3] = entry_machine_address(image, 1) & ~0xfffUL);
	REFUSE_EINVAL("cr3 our L3 page table",
		      broken.ctrlreg[3] = entry_machine_address(image, 3) & ~0xfffUL);
	REFUSE_EINVAL("cr3 a frame past the end of memory",
		      broken.ctrlreg[3] = xen_pfn_to_cr3(1UL << 36));
	CHECK_EQ(vcpu_op(VCPUOP_is_up, SECONDARY, NULL), 0, "after all that vCPU 1 is down");
}

/* Give vCPU 1 time to run, if it can: 100 ms of sleep on vCPU 0. */
static bool secondary_ran(void)
{
	sleep_until(now_ns() + MS(100));
	return mailbox.entries != 0;
}

static void check_online_start(void)
{
	test_section("VCPUOP_initialise with VGCF_online, then VCPUOP_up");
	good_context(&context);
	context.flags |= VGCF_online;
	long rc = vcpu_op(VCPUOP_initialise, SECONDARY, &context);
	printf("VCPUOP_initialise with a good context and VGCF_online: %ld\n", rc);
	CHECK_EQ(rc, 0, "a good context is accepted");
	long up = vcpu_op(VCPUOP_is_up, SECONDARY, NULL);
	bool ran = secondary_ran();
	printf("then VCPUOP_is_up %ld; vCPU 1 ran: %d\n", up, ran);
	print_runstate("after initialise", SECONDARY);
	CHECK_EQ(up, 1, "VGCF_online marks it up");
	CHECK(!ran, "but nothing wakes it: it has not run");
	CHECK_EQ(runstate_of(SECONDARY).state, RUNSTATE_offline, "its runstate is still offline");

	CHECK_EQ(vcpu_op(VCPUOP_initialise, SECONDARY, &context), -XEN_EEXIST,
		 "initialising it again is -EEXIST");
	CHECK_EQ(vcpu_op(VCPUOP_initialise, SECONDARY, (void *)0x1000), -XEN_EFAULT,
		 "with an unmapped context -EFAULT: the copy comes first");
	good_context(&broken);
	broken.user_regs.rip = NON_CANONICAL;
	CHECK_EQ(vcpu_op(VCPUOP_initialise, SECONDARY, &broken), -XEN_EEXIST,
		 "and a bad context -EEXIST: being initialised is checked before the context");

	rc = vcpu_op(VCPUOP_up, SECONDARY, NULL);
	ran = secondary_ran();
	printf("VCPUOP_up: %ld; vCPU 1 ran: %d\n", rc, ran);
	CHECK_EQ(rc, 0, "VCPUOP_up is 0");
	CHECK(!ran, "but it wakes only a vCPU it finds down: vCPU 1 still has not run");

	CHECK_EQ(vcpu_op(VCPUOP_down, SECONDARY, NULL), 0, "VCPUOP_down is 0");
	CHECK_EQ(vcpu_op(VCPUOP_is_up, SECONDARY, NULL), 0, "is_up is 0");
	rc = vcpu_op(VCPUOP_up, SECONDARY, NULL);
	wait_at_least(&mailbox.entries, 1, now_ns() + MS(5000));
	printf("VCPUOP_up again: %ld; vCPU 1 entered %lu times\n", rc, mailbox.entries);
	CHECK_EQ(rc, 0, "VCPUOP_up is 0");
	CHECK_EQ(mailbox.entries, 1, "and now vCPU 1 runs its entry function, once");
	CHECK_EQ(vcpu_op(VCPUOP_is_up, SECONDARY, NULL), 1, "is_up is 1");
	CHECK_EQ(vcpu_op(VCPUOP_up, SECONDARY, NULL), 0, "VCPUOP_up of a vCPU that is up is 0");
}

static void check_entry_state(void)
{
	volatile struct entry_record *r = &secondary_entry_record;
	const uint8_t *given = (const uint8_t *)context.fpu_ctxt.x;

	test_section("vCPU 1's first state is the context's");
	printf("entry: rsp %#lx rdi %#lx rsi %#lx rbx %#lx r15 %#lx rflags %#lx\n", r->rsp, r->rdi,
	       r->rsi, r->rbx, r->r15, r->rflags);
	printf("       cs %#lx ss %#lx ds %#lx es %#lx fs %#lx gs %#lx; %%fs:0 %#lx %%gs:0 %#lx\n",
	       r->cs, r->ss, r->ds, r->es, r->fs, r->gs, r->fs_word, r->gs_word);
	CHECK_EQ(r->rsp, context.user_regs.rsp, "rsp is the context's");
	CHECK_EQ(r->rdi, ENTRY_RDI, "rdi is the context's");
	CHECK_EQ(r->rsi, SECONDARY, "rsi is the context's");
	CHECK_EQ(r->rbx, ENTRY_RBX, "rbx is the context's");
	CHECK_EQ(r->r15, ENTRY_R15, "r15 is the context's");
	CHECK_EQ(r->rflags & RFLAGS_IF, RFLAGS_IF, "rflags.IF is set though the context had 0");
	CHECK_EQ(r->rflags & RFLAGS_IOPL, 0, "the context's IOPL 3 is not in the real rflags");
	CHECK_EQ(r->cs, FLAT_KERNEL_CS, "cs is the kernel's flat code selector, RPL 3");
	CHECK_EQ(r->ss, FLAT_KERNEL_SS, "ss is the kernel's flat stack selector");
	CHECK_EQ(r->fs_word, FS_WORD, "%fs:0 reads the word at the context's fs_base");
	CHECK_EQ(r->gs_word, GS_WORD, "%gs:0 reads the word at the context's gs_base_kernel");

	uint16_t fcw = *(const uint16_t *)(secondary_entry_fpu + FXSAVE_FCW);
	uint32_t mxcsr = *(const uint32_t *)(secondary_entry_fpu + FXSAVE_MXCSR);
	printf("entry FPU: fcw %#x mxcsr %#x xmm0 %016lx%016lx xmm15 %016lx%016lx\n", fcw, mxcsr,
	       *(const uint64_t *)(secondary_entry_fpu + FXSAVE_XMM0 + 8),
	       *(const uint64_t *)(secondary_entry_fpu + FXSAVE_XMM0),
	       *(const uint64_t *)(secondary_entry_fpu + FXSAVE_XMM0 + 15 * 16 + 8),
	       *(const uint64_t *)(secondary_entry_fpu + FXSAVE_XMM0 + 15 * 16));
	CHECK_EQ(fcw, *(const uint16_t *)(given + FXSAVE_FCW),
		 "the x87 control word is the context's (VGCF_i387_valid)");
	CHECK_EQ(mxcsr, *(const uint32_t *)(given + FXSAVE_MXCSR), "MXCSR is the context's");
	CHECK(memcmp(secondary_entry_fpu + FXSAVE_XMM0, given + FXSAVE_XMM0, 16 * 16) == 0,
	      "xmm0..xmm15 are the context's");

	uint64_t deadline = now_ns() + MS(2000);
	while (runstate_of(SECONDARY).state != RUNSTATE_blocked && now_ns() < deadline)
		sleep_until(now_ns() + MS(1));
	print_runstate("waiting for a command", SECONDARY);
	CHECK_EQ(runstate_of(SECONDARY).state, RUNSTATE_blocked,
		 "waiting in SCHEDOP_poll, vCPU 1 is blocked");
	CHECK_EQ(vcpu_info_of(SECONDARY)->evtchn_upcall_mask, 1,
		 "its events are still masked (the context has no say in that)");
}

static void breakpoint(struct trap_frame *frame)
{
	traps_seen.int3_on[this_vcpu()]++;
	traps_seen.int3_rip = frame->rip;
	traps_seen.int3_cs = frame->cs & 0xffff;
}

void secondary_traps(void)
{
	uint64_t value;

	__asm__ volatile("int3");
	vcpu_info_of(0)->arch.cr2 = 0;
	vcpu_info_of(SECONDARY)->arch.cr2 = 0;
	traps_seen.fault = probe_read((const void *)0x1000, &value);
	traps_seen.cr2[0] = vcpu_info_of(0)->arch.cr2;
	traps_seen.cr2[1] = vcpu_info_of(SECONDARY)->arch.cr2;
}

static void check_secondary_traps(void)
{
	test_section("vCPU 1's exceptions");
	if (!CHECK_EQ(trap_set_handler(TRAP_int3, 3, false, breakpoint), 0, "an int3 handler"))
		return;
	CHECK(wait_done(post(CMD_TRAPS, 0)), "vCPU 1 took an int3 and a page fault");
	printf("int3 on vCPU 0 %lu, on vCPU 1 %lu (rip %#lx cs %#lx); probe_read(0x1000) %d, "
	       "cr2 of vCPU 0 %#lx, of vCPU 1 %#lx\n",
	       traps_seen.int3_on[0], traps_seen.int3_on[1], traps_seen.int3_rip,
	       traps_seen.int3_cs, traps_seen.fault, traps_seen.cr2[0], traps_seen.cr2[1]);
	CHECK_EQ(traps_seen.int3_on[SECONDARY], 1,
		 "the breakpoint went through the context's trap table, on vCPU 1's stack");
	CHECK_EQ(traps_seen.int3_on[0], 0, "not to vCPU 0");
	CHECK_EQ(traps_seen.int3_cs, FLAT_KERNEL_CS & ~3,
		 "the frame's cs is 0xe030: interrupted in kernel mode (RPL 0 in the frame)");
	CHECK_EQ(traps_seen.fault, TRAP_page_fault + 1, "reading 0x1000 on vCPU 1 is a #PF");
	CHECK_EQ(traps_seen.cr2[1], 0x1000, "its address is in vCPU 1's vcpu_info.arch.cr2");
	CHECK_EQ(traps_seen.cr2[0], 0, "not in vCPU 0's");
	trap_set_handler(TRAP_int3, 3, false, NULL);
}

bool check_bringup(void)
{
	if (!check_boot_state())
		return false;
	mailbox_init();
	check_bad_contexts();
	check_online_start();
	if (!CHECK(mailbox.entries == 1, "vCPU 1 runs: the other tests can go on"))
		return false;
	check_entry_state();
	check_secondary_traps();
	return true;
}
