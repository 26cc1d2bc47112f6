/*
 * timer_virq: timer delivery, which needs event channels. VIRQ_TIMER is bound to a port
 * (EVTCHNOP_bind_virq) and, with events masked in vcpu_info, the test watches the port's
 * pending bit in shared_info and sleeps with SCHEDOP_poll on it:
 *
 *  - the periodic timer a vCPU starts with (10 ms), which like any periodic timer ticks
 *    only while the vCPU runs: it never wakes a blocked vCPU, the missed tick is pending
 *    as soon as the vCPU runs again;
 *  - set_singleshot_timer: fires at its time (not before, by our clock), at once when the
 *    time is past, never when stopped first;
 *  - set_timer_op: the same singleshot timer, 0 stops it;
 *  - set_periodic_timer: fires again and again, one period apart, while the vCPU runs;
 *    stopped, it stays quiet;
 *  - what a pending port does to vcpu_info (evtchn_pending_sel, evtchn_upcall_pending)
 *    when the port is unmasked and when it is masked.
 *
 * The answers of these hypercalls, without delivery, are checked by vcpu_op_and_time.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "guest_time.h"

static evtchn_port_t port;

static volatile struct shared_info *shared(void)
{
	return HYPERVISOR_shared_info;
}

static bool pending(void)
{
	return (shared()->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void clear_pending(void)
{
	__atomic_fetch_and(&shared()->evtchn_pending[port / 64], ~(1UL << (port % 64)),
			   __ATOMIC_SEQ_CST);
	__atomic_fetch_and(&shared()->vcpu_info[0].evtchn_pending_sel, ~(1UL << (port / 64)),
			   __ATOMIC_SEQ_CST);
	shared()->vcpu_info[0].evtchn_upcall_pending = 0;
}

/* SCHEDOP_poll on our port until deadline (system time); returns the time woken. */
static uint64_t poll_port(uint64_t deadline)
{
	evtchn_port_t ports[1] = {port};
	struct sched_poll poll = {.nr_ports = 1, .timeout = deadline};
	set_xen_guest_handle(poll.ports, ports);
	if (HYPERVISOR_sched_op(SCHEDOP_poll, &poll) != 0)
		guest_crash("SCHEDOP_poll failed");
	return guest_now_ns();
}

/* SCHEDOP_poll on no port: sleep until deadline whatever happens. */
static void sleep_until(uint64_t deadline)
{
	struct sched_poll poll = {.nr_ports = 0, .timeout = deadline};
	set_xen_guest_handle(poll.ports, NULL);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static long singleshot(uint64_t timeout)
{
	struct vcpu_set_singleshot_timer set = {.timeout_abs_ns = timeout};
	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &set);
}

static long periodic(uint64_t period)
{
	struct vcpu_set_periodic_timer set = {.period_ns = period};
	return HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &set);
}

static void check_bind(void)
{
	test_section("binding VIRQ_TIMER");
	struct evtchn_bind_virq bind = {.virq = VIRQ_TIMER, .vcpu = 0};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind), 0, "bind VIRQ_TIMER");
	port = bind.port;
	printf("VIRQ_TIMER on port %u\n", port);
	CHECK(port > 0 && port < 4096, "to a port of the 2-level ABI, not 0");
	struct evtchn_bind_virq again = {.virq = VIRQ_TIMER, .vcpu = 0};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &again), -XEN_EEXIST,
		 "binding it twice is -EEXIST");
}

/* Run (not block) until the port is pending or deadline passes; returns the time seen. */
static uint64_t spin_until_pending(uint64_t deadline)
{
	uint64_t now;
	do {
		now = guest_now_ns();
		if (pending())
			return now;
	} while (now < deadline);
	return now;
}

/*
 * A vCPU starts with a periodic timer. It ticks only while the vCPU runs: a blocked vCPU
 * is not woken by it, and a period that elapsed meanwhile is delivered as soon as the vCPU
 * runs again.
 */
static void check_default_periodic(void)
{
	test_section("the timer a vCPU starts with");
	clear_pending();
	uint64_t start = guest_now_ns();
	uint64_t seen = spin_until_pending(start + MS(50));
	printf("first VIRQ_TIMER while running after %lu ns (pending %d)\n", seen - start,
	       pending());
	CHECK(pending(), "a timer fires without being asked for: a default periodic timer");
	clear_pending();
	start = guest_now_ns();
	seen = spin_until_pending(start + MS(50));
	printf("the next after %lu ns\n", seen - start);
	CHECK(pending(), "and again");
	CHECK(seen - start <= MS(15), "within about a period of 10 ms");

	clear_pending();
	start = guest_now_ns();
	uint64_t woke = poll_port(start + MS(40));
	printf("poll on the port with a 40 ms timeout woke after %lu ns, pending %d\n",
	       woke - start, pending());
	CHECK(woke - start >= MS(40), "the periodic timer does not wake a vCPU blocked in poll");
	CHECK(pending(), "but the tick it missed is pending once the vCPU runs again");

	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop it");
	CHECK_EQ(HYPERVISOR_set_timer_op(0), 0, "and any singleshot timer");
	clear_pending();
	start = guest_now_ns();
	spin_until_pending(start + MS(30));
	CHECK(!pending(), "30 ms of running later nothing has fired");
	sleep_until(guest_now_ns() + MS(30));
	CHECK(!pending(), "nor after 30 ms blocked");
}

static void check_singleshot(void)
{
	test_section("singleshot timer");
	clear_pending();
	uint64_t deadline = guest_now_ns() + MS(5);
	CHECK_EQ(singleshot(deadline), 0, "a timer 5 ms ahead");
	CHECK(!pending(), "not pending yet");
	uint64_t woke = poll_port(deadline + MS(200));
	printf("singleshot: due %lu, woke %lu (late by %ld ns)\n", deadline, woke,
	       (long)(woke - deadline));
	CHECK(pending(), "it fired");
	CHECK(woke >= deadline, "no earlier than its time, by our clock");
	CHECK(woke < deadline + MS(100), "and well before the poll's own timeout");
	clear_pending();
	sleep_until(guest_now_ns() + MS(20));
	CHECK(!pending(), "once only");

	CHECK_EQ(singleshot(1), 0, "a timer in the past");
	CHECK(pending(), "is pending as soon as the hypercall returns");
	clear_pending();

	CHECK_EQ(singleshot(guest_now_ns() + MS(5)), 0, "a timer 5 ms ahead");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stopped");
	sleep_until(guest_now_ns() + MS(20));
	CHECK(!pending(), "never fires");

	CHECK_EQ(singleshot(guest_now_ns() + MS(5)), 0, "a timer 5 ms ahead");
	deadline = guest_now_ns() + MS(10);
	CHECK_EQ(singleshot(deadline), 0, "replaced by one 10 ms ahead");
	woke = poll_port(deadline + MS(200));
	CHECK(pending(), "which fires");
	CHECK(woke >= deadline, "at the later time");
	clear_pending();
}

static void check_set_timer_op(void)
{
	test_section("set_timer_op");
	clear_pending();
	uint64_t deadline = guest_now_ns() + MS(5);
	CHECK_EQ(HYPERVISOR_set_timer_op(deadline), 0, "a timeout 5 ms ahead");
	uint64_t woke = poll_port(deadline + MS(200));
	CHECK(pending(), "fires VIRQ_TIMER");
	CHECK(woke >= deadline, "no earlier than asked");
	clear_pending();
	CHECK_EQ(HYPERVISOR_set_timer_op(guest_now_ns() + MS(5)), 0, "another");
	CHECK_EQ(HYPERVISOR_set_timer_op(0), 0, "0 stops it");
	sleep_until(guest_now_ns() + MS(20));
	CHECK(!pending(), "and it never fires");
	CHECK_EQ(HYPERVISOR_set_timer_op(guest_now_ns() + MS(5)), 0, "another");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0,
		 "stop_singleshot_timer stops it too (one timer behind both)");
	sleep_until(guest_now_ns() + MS(20));
	CHECK(!pending(), "it never fires");
}

static void check_periodic(void)
{
	uint64_t tick[5];

	test_section("periodic timer");
	clear_pending();
	CHECK_EQ(periodic(MS(5)), 0, "a 5 ms period");
	uint64_t start = guest_now_ns();
	for (unsigned int i = 0; i < 5; i++) {
		tick[i] = spin_until_pending(guest_now_ns() + MS(50));
		if (!CHECK(pending(), "a tick while running"))
			return;
		clear_pending();
	}
	printf("ticks at +%lu, +%lu, +%lu, +%lu, +%lu ns\n", tick[0] - start, tick[1] - start,
	       tick[2] - start, tick[3] - start, tick[4] - start);
	CHECK(tick[0] - start < MS(1),
	      "the first tick is at once: the last periodic tick is older than a period");
	CHECK(tick[4] - tick[0] >= MS(19), "four periods take 20 ms (less jitter)");
	CHECK(tick[4] - tick[0] <= MS(30), "and not much more (5 ms, not 10 ms, periods)");

	uint64_t blocked = guest_now_ns();
	uint64_t woke = poll_port(blocked + MS(30));
	CHECK(woke - blocked >= MS(30), "blocked in poll, the vCPU is not woken by it");
	CHECK(pending(), "and finds a tick pending when it runs");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop it");
	clear_pending();
	spin_until_pending(guest_now_ns() + MS(20));
	CHECK(!pending(), "20 ms of running later nothing has fired");
}

static void check_vcpu_info_bits(void)
{
	volatile struct vcpu_info *vcpu = &shared()->vcpu_info[0];

	test_section("a pending port in vcpu_info");
	clear_pending();
	CHECK_EQ(vcpu->evtchn_upcall_mask, 1, "events are masked in vcpu_info");
	CHECK_EQ((shared()->evtchn_mask[port / 64] >> (port % 64)) & 1, 0,
		 "the port itself is not masked");
	CHECK_EQ(singleshot(1), 0, "fire the timer");
	CHECK(pending(), "the port is pending");
	CHECK_EQ((vcpu->evtchn_pending_sel >> (port / 64)) & 1, 1,
		 "its word is flagged in evtchn_pending_sel");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 1, "and evtchn_upcall_pending is set");
	clear_pending();

	__atomic_fetch_or(&shared()->evtchn_mask[port / 64], 1UL << (port % 64), __ATOMIC_SEQ_CST);
	CHECK_EQ(singleshot(1), 0, "fire it with the port masked");
	CHECK(pending(), "the port is pending");
	CHECK_EQ((vcpu->evtchn_pending_sel >> (port / 64)) & 1, 0,
		 "but evtchn_pending_sel is left alone");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 0, "and so is evtchn_upcall_pending");
	struct evtchn_unmask unmask = {.port = port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &unmask), 0, "EVTCHNOP_unmask");
	CHECK_EQ((shared()->evtchn_mask[port / 64] >> (port % 64)) & 1, 0, "unmasks the port");
	CHECK_EQ((vcpu->evtchn_pending_sel >> (port / 64)) & 1, 1,
		 "and, as it is pending, flags its word");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 1, "and sets evtchn_upcall_pending");
	clear_pending();

	struct evtchn_close close = {.port = port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_close, &close), 0, "close the port");
	CHECK_EQ(singleshot(1), 0, "fire the timer with VIRQ_TIMER unbound");
	CHECK(!pending(), "nothing is pending");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_bind();
	check_default_periodic();
	check_singleshot();
	check_set_timer_op();
	check_periodic();
	check_vcpu_info_bits();
	test_finish("timer_virq");
}
