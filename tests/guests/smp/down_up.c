/*
 * VCPUOP_down and VCPUOP_up of a running vCPU, and the runstates that go with them:
 *
 *  - vCPU 0 takes vCPU 1 down while it counts in a loop: is_up becomes 0, the runstate
 *    offline, the count stops; VCPUOP_up lets it go on counting where it was (the same
 *    loop: its entry function is not run again);
 *  - a vCPU may take itself down: vCPU 0 does, and vCPU 1, seeing it down (is_up 0,
 *    runstate offline), brings it up; vCPU 0's VCPUOP_down then returns 0.
 *
 * (VCPUOP_down of the last vCPU up shuts the domain down, poweroff; not tried here.)
 */
#include <parvus/guest_test.h>
#include <public/errno.h>
#include "smp.h"

static volatile uint64_t counter;

/* What vCPU 1 saw of vCPU 0 while bringing it up. */
static volatile struct {
	long is_up_seen, up_rc;
	int state_seen;
	uint64_t waited;
} wake;

void secondary_spin(void)
{
	while (!mailbox.stop)
		counter++;
}

void secondary_wake_vcpu0(void)
{
	uint64_t start = now_ns(), deadline = start + MS(5000);

	wake.is_up_seen = 1;
	while (now_ns() < deadline) {
		wake.is_up_seen = HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL);
		if (wake.is_up_seen == 0)
			break;
		sleep_until(now_ns() + MS(1));
	}
	/* Let vCPU 0 lie down a while, so its offline time shows. */
	sleep_until(now_ns() + MS(20));
	wake.state_seen = runstate_of(0).state;
	wake.waited = now_ns() - start;
	wake.up_rc = HYPERVISOR_vcpu_op(VCPUOP_up, 0, NULL);
}

/* Wait until vCPU 1's runstate is state (2 s at most). */
static bool runstate_becomes(int state)
{
	uint64_t deadline = now_ns() + MS(2000);

	while (runstate_of(SECONDARY).state != state)
		if (now_ns() >= deadline)
			return false;
		else
			sleep_until(now_ns() + MS(1));
	return true;
}

static bool counter_moves(uint64_t from, uint64_t deadline)
{
	while (counter == from && now_ns() < deadline)
		sleep_until(now_ns() + MS(1));
	return counter != from;
}

static void check_down_other(void)
{
	test_section("VCPUOP_down and VCPUOP_up of vCPU 1 while it counts");
	counter = 0;
	uint64_t sequence = post(CMD_SPIN, 0);
	CHECK(counter_moves(0, now_ns() + MS(2000)), "vCPU 1 counts");
	struct vcpu_runstate_info r = runstate_of(SECONDARY);
	printf("counting: runstate %s\n", runstate_name(r.state));
	CHECK(r.state == RUNSTATE_running || r.state == RUNSTATE_runnable,
	      "its runstate is running, or runnable while vCPU 0 has the only CPU");

	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_down, SECONDARY, NULL), 0, "VCPUOP_down(1) is 0");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, SECONDARY, NULL), 0, "is_up(1) is 0 at once");
	CHECK(runstate_becomes(RUNSTATE_offline), "its runstate becomes offline");
	uint64_t stopped_at = counter;
	struct vcpu_runstate_info down = runstate_of(SECONDARY);
	sleep_until(now_ns() + MS(30));
	struct vcpu_runstate_info later = runstate_of(SECONDARY);
	printf("down: counter %lu, then %lu; offline time %lu -> %lu ns\n", stopped_at, counter,
	       down.time[RUNSTATE_offline], later.time[RUNSTATE_offline]);
	CHECK_EQ(counter, stopped_at, "the counter stops");
	CHECK_EQ(later.state, RUNSTATE_offline, "it stays offline");
	CHECK(later.time[RUNSTATE_offline] - down.time[RUNSTATE_offline] >= MS(25),
	      "the sleep counts as offline time");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_down, SECONDARY, NULL), 0,
		 "VCPUOP_down of a vCPU already down is 0");

	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, SECONDARY, NULL), 0, "VCPUOP_up(1) is 0");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, SECONDARY, NULL), 1, "is_up(1) is 1");
	CHECK(counter_moves(stopped_at, now_ns() + MS(2000)), "the counter goes on");
	printf("up: counter %lu\n", counter);
	CHECK(counter > stopped_at, "from where it stopped, not from 0");
	CHECK(stop_and_wait(sequence), "the same loop ends when told to");
	CHECK_EQ(mailbox.entries, 1, "the entry function did not run again");
	CHECK(runstate_becomes(RUNSTATE_blocked), "waiting for the next command it is blocked");
}

static void check_down_self(void)
{
	test_section("vCPU 0 takes itself down, vCPU 1 brings it up");
	wake.is_up_seen = -1;
	wake.up_rc = -1;
	uint64_t sequence = post(CMD_WAKE_VCPU0, 0);
	uint64_t start = now_ns();
	long rc = HYPERVISOR_vcpu_op(VCPUOP_down, 0, NULL);
	uint64_t slept = now_ns() - start;
	/* With two physical CPUs vCPU 0 may run again before vCPU 1 has even stored the
	 * answer of its VCPUOP_up(0): wait for it to finish before reading what it saw. */
	bool finished = wait_done(sequence);

	printf("VCPUOP_down(0) by vCPU 0: %ld after %lu us; vCPU 1 saw is_up(0) %ld, "
	       "runstate %s, and VCPUOP_up(0) gave %ld\n",
	       rc, slept / 1000, wake.is_up_seen, runstate_name(wake.state_seen), wake.up_rc);
	CHECK(finished, "vCPU 1 finished");
	CHECK_EQ(rc, 0, "it returns 0 once up again");
	CHECK_EQ(wake.is_up_seen, 0, "vCPU 1 saw is_up(0) 0");
	CHECK_EQ(wake.state_seen, RUNSTATE_offline, "and vCPU 0 offline");
	CHECK_EQ(wake.up_rc, 0, "its VCPUOP_up(0) was 0");
	CHECK(slept >= MS(20), "vCPU 0 did not run until then");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 0, NULL), 1, "vCPU 0 is up");
}

void check_down_up(void)
{
	check_down_other();
	check_down_self();
}
