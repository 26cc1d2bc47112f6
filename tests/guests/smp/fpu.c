/*
 * FPU and SSE state is per vCPU: each vCPU keeps its own values in xmm0..xmm15, MXCSR and
 * the x87 control word (fpu_regs.S), different from the other's, and checks again and
 * again that they are still there:
 *
 *  - across ping-pongs, where each waits in SCHEDOP_poll for the other (with one physical
 *    CPU every round switches between the two vCPUs on it): 500 rounds, or as many as
 *    3 s allow;
 *  - while both spin with a 1 ms periodic timer and events enabled, so that timer upcalls
 *    interrupt them (and, with one physical CPU, the scheduler's timeslices switch them).
 *
 * vCPU 1's first state (from VCPUOP_initialise's fpu_ctxt) is checked by bringup.c.
 */
#include <string.h>
#include <parvus/guest_test.h>
#include <public/errno.h>
#include "guest_time.h"
#include "smp.h"

#define MAGIC 0xf9000000U
#define PINGPONG_ROUNDS 500
#define PINGPONG_BUDGET MS(3000) /* cross-CPU wakeups are slow under TCG */
#define GAME_OVER UINT64_MAX	 /* the ping that ends the game early */
#define SPIN_TIME MS(300)
#define SPIN_CHECKS_PER_LOAD 64

struct fpu_state {
	uint32_t xmm[16][4];
	uint32_t mxcsr;
	uint16_t fcw, pad;
	uint32_t ymm_hi[16][4]; /* the upper halves of ymm0..15, when AVX is on */
};
_Static_assert(offsetof(struct fpu_state, pad) == 262, "fpu_regs.S's layout");

void fpu_load(const struct fpu_state *state);
void fpu_store(struct fpu_state *state);
void fpu_load_upper(const uint32_t hi[16][4]);
void fpu_store_upper(uint32_t hi[16][4]);

/*
 * AVX, where the CPU has it (QEMU's -cpu max): each vCPU turns it on for itself with XSETBV
 * (XCR0 = x87 | SSE | AVX; Xen emulates the instruction for a PV kernel, and so does Parvus),
 * and the upper halves of the ymm registers are checked as well.
 */
static bool avx;

static bool cpu_has_avx(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return (ecx & (1u << 28)) && (ecx & (1u << 27)); /* AVX, and XSAVE turned on (OSXSAVE) */
}

/* As a kernel does it: OSXSAVE in CR4 (the hypervisor keeps it in the vCPU's view), then XCR0
 * (without OSXSAVE, XSETBV is #UD). */
static void turn_on_avx(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (1ul << 18)) : "memory");
	__asm__ volatile("xsetbv" : : "a"(7), "d"(0), "c"(0) : "memory");
}

static void load(const struct fpu_state *s)
{
	fpu_load(s);
	if (avx)
		fpu_load_upper(s->ymm_hi);
}

static void store(struct fpu_state *s)
{
	fpu_store(s);
	if (avx)
		fpu_store_upper(s->ymm_hi);
}

/* What each vCPU found, judged by vCPU 0. */
struct fpu_result {
	uint64_t checks, mismatches, foreign; /* foreign: the other vCPU's values */
	struct fpu_state first_bad;
	uint64_t rounds;
};
static volatile struct fpu_result results[2];
static volatile uint64_t ping, pong;
static evtchn_port_t timer_port[2];

/* Rounding and precision differ between the vCPUs, and so do all xmm words. */
static void pattern(unsigned int vcpu, uint64_t round, struct fpu_state *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int i = 0; i < 16; i++) {
		s->xmm[i][0] = MAGIC | i;
		s->xmm[i][1] = vcpu;
		s->xmm[i][2] = (uint32_t)round;
		s->xmm[i][3] = ~((vcpu << 16) | i);
	}
	for (unsigned int i = 0; i < 16 && avx; i++) {
		s->ymm_hi[i][0] = MAGIC | 0x100 | i;
		s->ymm_hi[i][1] = vcpu;
		s->ymm_hi[i][2] = ~(uint32_t)round;
		s->ymm_hi[i][3] = (vcpu << 16) | i;
	}
	s->mxcsr = vcpu ? 0x7f80 : 0x3f80; /* round toward zero : round down, all masked */
	s->fcw = vcpu ? 0x0c7f : 0x047f;   /* the same for x87, 64-bit precision */
}

void fpu_pattern_image(unsigned int vcpu, uint64_t round, uint8_t image[512])
{
	struct fpu_state s;

	pattern(vcpu, round, &s);
	memset(image, 0, 512);
	memcpy(image + 0, &s.fcw, 2);
	memcpy(image + 24, &s.mxcsr, 4);
	memcpy(image + 160, s.xmm, sizeof(s.xmm));
}

/* Are the registers still what this vCPU loaded? */
static void verify(const struct fpu_state *mine)
{
	volatile struct fpu_result *r = &results[this_vcpu()];
	struct fpu_state now;

	store(&now);
	r->checks++;
	if (memcmp(&now, mine, offsetof(struct fpu_state, pad)) == 0 &&
	    (!avx || memcmp(now.ymm_hi, mine->ymm_hi, sizeof(now.ymm_hi)) == 0))
		return;
	if (r->mismatches++ == 0)
		memcpy((void *)&r->first_bad, &now, sizeof(now));
	if (now.xmm[0][0] == MAGIC && now.xmm[0][1] != this_vcpu())
		r->foreign++;
}

void secondary_fpu_pingpong(uint64_t rounds)
{
	struct fpu_state mine;

	if (avx)
		turn_on_avx(); /* XCR0 is each vCPU's own */
	for (uint64_t round = 1; round <= rounds; round++) {
		pattern(SECONDARY, round, &mine);
		load(&mine);
		wait_at_least(&ping, round, 0);
		if (ping == GAME_OVER)
			return;
		verify(&mine);
		results[SECONDARY].rounds = round;
		__atomic_store_n(&pong, round, __ATOMIC_SEQ_CST);
		send_port(ipi_port[0]);
	}
}

/* Spin with events on and a 1 ms periodic timer, until told to stop. */
static void spin(bool (*done)(void))
{
	struct vcpu_set_periodic_timer period = {.period_ns = MS(1)};
	struct fpu_state mine;
	unsigned int vcpu = this_vcpu();

	if (HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, vcpu, &period) != 0)
		guest_crash("vCPU %u: cannot set its periodic timer", vcpu);
	events_enabled(true);
	for (uint64_t round = 1; !done(); round++) {
		pattern(vcpu, round, &mine);
		load(&mine);
		for (unsigned int i = 0; i < SPIN_CHECKS_PER_LOAD; i++)
			verify(&mine);
		results[vcpu].rounds = round;
	}
	events_enabled(false);
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, vcpu, NULL);
}

static bool told_to_stop(void)
{
	return mailbox.stop != 0;
}

void secondary_fpu_spin(void)
{
	spin(told_to_stop);
}

static uint64_t spin_end;

/* vCPU 0 spins for SPIN_TIME, and on until vCPU 1 has spun too (5 s at most). */
static bool vcpu0_done(void)
{
	uint64_t now = now_ns();
	return (now >= spin_end && results[SECONDARY].checks > 1000) || now >= spin_end + MS(5000);
}

static void report(const char *what, unsigned int vcpu)
{
	volatile struct fpu_result *r = &results[vcpu];

	printf("%s, vCPU %u: %lu rounds, %lu checks, %lu mismatches (%lu with the other's "
	       "values)\n",
	       what, vcpu, r->rounds, r->checks, r->mismatches, r->foreign);
	if (r->mismatches)
		printf("    first bad: fcw %#x mxcsr %#x xmm0 %08x %08x %08x %08x\n",
		       r->first_bad.fcw, r->first_bad.mxcsr, r->first_bad.xmm[0][0],
		       r->first_bad.xmm[0][1], r->first_bad.xmm[0][2], r->first_bad.xmm[0][3]);
}

static void check_pingpong(void)
{
	struct fpu_state mine;

	test_section("FPU state across ping-pongs (SCHEDOP_poll)");
	memset((void *)results, 0, sizeof(results));
	ping = pong = 0;
	uint64_t sequence = post(CMD_FPU_PINGPONG, PINGPONG_ROUNDS);
	uint64_t end = now_ns() + PINGPONG_BUDGET;
	for (uint64_t round = 1; round <= PINGPONG_ROUNDS && now_ns() < end; round++) {
		pattern(0, round, &mine);
		load(&mine);
		__atomic_store_n(&ping, round, __ATOMIC_SEQ_CST);
		send_port(ipi_port[SECONDARY]);
		if (!wait_at_least(&pong, round, now_ns() + MS(1000)))
			break;
		verify(&mine);
		results[0].rounds = round;
	}
	if (results[0].rounds < PINGPONG_ROUNDS) {
		__atomic_store_n(&ping, GAME_OVER, __ATOMIC_SEQ_CST);
		send_port(ipi_port[SECONDARY]);
	}
	CHECK(wait_done(sequence), "vCPU 1 finished its rounds");
	report("ping-pong", 0);
	report("ping-pong", SECONDARY);
	CHECK_EQ(results[SECONDARY].rounds, results[0].rounds, "both played the same rounds");
	CHECK(results[0].rounds == PINGPONG_ROUNDS || results[0].rounds >= 20,
	      "all rounds, or at least 20 in the time given");
	for (unsigned int vcpu = 0; vcpu < 2; vcpu++) {
		CHECK_EQ(results[vcpu].mismatches, 0, "the registers were never changed");
		CHECK_EQ(results[vcpu].foreign, 0, "never holding the other vCPU's values");
	}
}

static void check_spin(void)
{
	test_section("FPU state while spinning with timer upcalls");
	memset((void *)results, 0, sizeof(results));
	for (unsigned int vcpu = 0; vcpu < 2; vcpu++) {
		long port = bind_virq(VIRQ_TIMER, vcpu);
		if (!CHECK(port > 0 && port < MAX_COUNTED_PORT, "VIRQ_TIMER bound for the vCPU"))
			return;
		timer_port[vcpu] = (evtchn_port_t)port;
		upcalls_on[vcpu][port] = 0;
		upcall_ports[vcpu] = 1UL << port;
	}
	struct vcpu_runstate_info before = runstate_of(SECONDARY);
	uint64_t sequence = post(CMD_FPU_SPIN, 0);
	spin_end = now_ns() + SPIN_TIME;
	spin(vcpu0_done);
	CHECK(stop_and_wait(sequence), "vCPU 1 stopped spinning");
	struct vcpu_runstate_info after = runstate_of(SECONDARY);
	printf("vCPU 1 meanwhile: %lu ns running, %lu ns runnable (waiting for the CPU)\n",
	       after.time[RUNSTATE_running] - before.time[RUNSTATE_running],
	       after.time[RUNSTATE_runnable] - before.time[RUNSTATE_runnable]);
	for (unsigned int vcpu = 0; vcpu < 2; vcpu++) {
		uint64_t ticks = upcalls_on[vcpu][timer_port[vcpu]];
		report("spinning", vcpu);
		printf("    %lu timer upcalls\n", ticks);
		CHECK(results[vcpu].checks > 1000, "the vCPU spun");
		CHECK(ticks >= 5, "timer upcalls interrupted it");
		CHECK_EQ(results[vcpu].mismatches, 0, "the registers were never changed");
		CHECK_EQ(results[vcpu].foreign, 0, "never holding the other vCPU's values");
		upcall_ports[vcpu] = 0;
		CHECK_EQ(close_port(timer_port[vcpu]), 0, "close the timer port");
	}
}

void check_fpu(void)
{
	avx = cpu_has_avx();
	printf("AVX: %s\n", avx ? "yes: the upper halves of ymm0-15 are checked too" : "no");
	if (avx)
		turn_on_avx();
	check_pingpong();
	check_spin();
}
