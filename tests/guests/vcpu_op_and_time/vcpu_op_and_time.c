/*
 * vcpu_op_and_time: vcpu_op and the time a PV kernel reads, as Xen 4.17 answers dom0.
 *
 *  - VCPUOP_is_up, up, initialise, get_physid, send_nmi and unknown commands, for vCPU 0
 *    and for vCPUs that do not exist (-ENOENT comes before anything else);
 *  - runstate: get_runstate_info and register_runstate_memory_area (the area is written at
 *    once and again when the vCPU blocks and runs), with the runstate_update_flag assist;
 *  - time: the vcpu_time_info version protocol (even when stable), system time computed
 *    from the TSC with tsc_to_system_mul and tsc_shift, checked against the hypervisor's own
 *    clock (a singleshot timer with VCPU_SSHOTTMR_future is -ETIME exactly when its time
 *    has passed), the record after a sleep continuing the one before it, and a second copy
 *    with register_vcpu_time_memory_area; the wallclock in shared_info;
 *  - timer hypercalls: set_singleshot_timer / stop_singleshot_timer, set_periodic_timer /
 *    stop_periodic_timer with their limits, set_timer_op (whose answer is always 0). Only
 *    their answers are checked here: delivery needs event channels (VIRQ_TIMER), which is
 *    the timer_virq test's business;
 *  - register_vcpu_info last, because it moves vcpu_info out of shared_info for good: its
 *    errors (misaligned, crossing the page, not ours, twice), the copy of the old contents,
 *    every event marked pending, and the time kept up to date in the new place only.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "guest_time.h"

#define NO_SUCH_VCPU 200 /* dom0 has far fewer vCPUs than that */

static long max_page;
static unsigned long l4_mfn;

#define rdtsc guest_rdtsc
#define read_time_info guest_time_snapshot
#define time_at guest_time_at
#define now_ns guest_now_ns

static volatile struct vcpu_time_info *shared_time(void)
{
	return &HYPERVISOR_shared_info->vcpu_info[0].time;
}

static long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return HYPERVISOR_vcpu_op(cmd, vcpu, arg);
}

static long singleshot(uint64_t timeout, uint32_t flags)
{
	struct vcpu_set_singleshot_timer set = {.timeout_abs_ns = timeout, .flags = flags};
	return vcpu_op(VCPUOP_set_singleshot_timer, 0, &set);
}

/* Block until the system time reaches deadline: SCHEDOP_poll on no port, with a timeout. */
static long sleep_until(uint64_t deadline)
{
	struct sched_poll poll = {.nr_ports = 0, .timeout = deadline};
	set_xen_guest_handle(poll.ports, NULL);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static void check_vcpu_ops(void)
{
	test_section("VCPUOP_is_up, up, initialise and others");
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 0, NULL), 1, "vCPU 0 is up");
	long rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	printf("VCPUOP_is_up for vCPU 1: %ld\n", rc);
	CHECK(rc == -XEN_ENOENT || rc == 0,
	      "vCPU 1 does not exist (-ENOENT) or, with more CPUs, is down (0)");
	CHECK_EQ(vcpu_op(VCPUOP_is_up, NO_SUCH_VCPU, NULL), -XEN_ENOENT,
		 "a vCPU that does not exist is -ENOENT");
	CHECK_EQ(vcpu_op(VCPUOP_is_up, 0xffffffffu, NULL), -XEN_ENOENT,
		 "vCPU 0xffffffff is -ENOENT");
	CHECK_EQ(vcpu_op(99, 0, NULL), -XEN_ENOSYS, "an unknown command is -ENOSYS");
	CHECK_EQ(vcpu_op(99, NO_SUCH_VCPU, NULL), -XEN_ENOENT,
		 "an unknown command on a missing vCPU is -ENOENT (the vCPU is looked up first)");
	CHECK_EQ(vcpu_op(VCPUOP_up, 0, NULL), 0, "bringing up a vCPU that is up is 0");
	CHECK_EQ(vcpu_op(VCPUOP_up, NO_SUCH_VCPU, NULL), -XEN_ENOENT,
		 "bringing up a missing vCPU is -ENOENT");
	CHECK_EQ(vcpu_op(VCPUOP_down, NO_SUCH_VCPU, NULL), -XEN_ENOENT,
		 "taking down a missing vCPU is -ENOENT");

	/* The context is read before the vCPU's state is looked at. */
	memset(scratch_page(0), 0, 2 * PAGE_SIZE);
	_Static_assert(sizeof(struct vcpu_guest_context) <= 2 * PAGE_SIZE, "two pages hold it");
	CHECK_EQ(vcpu_op(VCPUOP_initialise, 0, scratch_page(0)), -XEN_EEXIST,
		 "initialising vCPU 0, which runs, is -EEXIST");
	CHECK_EQ(vcpu_op(VCPUOP_initialise, 0, (void *)0x1000), -XEN_EFAULT,
		 "with an unmapped context it is -EFAULT (read first)");
	CHECK_EQ(vcpu_op(VCPUOP_initialise, NO_SUCH_VCPU, scratch_page(0)), -XEN_ENOENT,
		 "initialising a missing vCPU is -ENOENT");

	/*
	 * get_physid answers for a vCPU of dom0 with a hard affinity of exactly one CPU: with
	 * one physical CPU that is every vCPU; with more, none (dom0's are not pinned).
	 */
	struct vcpu_get_physid physid = {.phys_id = 0x1234};
	rc = vcpu_op(VCPUOP_get_physid, 0, &physid);
	printf("VCPUOP_get_physid: %ld, phys_id %#lx\n", rc, physid.phys_id);
	if (rc == 0)
		CHECK_EQ(physid.phys_id, 0, "alone on CPU 0: its APIC and ACPI ids, 0 and 0");
	else
		CHECK_EQ(rc, -XEN_EINVAL, "on several CPUs, not pinned: -EINVAL");
	CHECK_EQ(vcpu_op(VCPUOP_get_physid, NO_SUCH_VCPU, &physid), -XEN_ENOENT,
		 "get_physid of a missing vCPU is -ENOENT");
	CHECK_EQ(vcpu_op(VCPUOP_send_nmi, 0, scratch_page(0)), -XEN_EINVAL,
		 "send_nmi with an argument is -EINVAL");
}

static void check_runstate(void)
{
	struct vcpu_runstate_info info, again;

	test_section("VCPUOP_get_runstate_info");
	memset(&info, 0xff, sizeof(info));
	CHECK_EQ(vcpu_op(VCPUOP_get_runstate_info, 0, &info), 0, "get_runstate_info of vCPU 0");
	uint64_t now = now_ns();
	printf("runstate: state %d entered %lu; running %lu runnable %lu blocked %lu offline %lu; "
	       "now %lu\n",
	       info.state, info.state_entry_time, info.time[0], info.time[1], info.time[2],
	       info.time[3], now);
	CHECK_EQ(info.state, RUNSTATE_running, "we are running");
	CHECK(info.state_entry_time <= now, "we entered that state before now");
	CHECK(info.time[RUNSTATE_running] > 0, "and have run for some time");
	uint64_t sum = info.time[0] + info.time[1] + info.time[2] + info.time[3];
	CHECK(sum <= now, "the four times add up to no more than the time since boot");
	CHECK(sum >= info.time[RUNSTATE_running] && sum > MS(1), "and to something");
	CHECK_EQ(vcpu_op(VCPUOP_get_runstate_info, 0, &again), 0, "again");
	CHECK(again.time[RUNSTATE_running] >= info.time[RUNSTATE_running],
	      "the running time does not go back");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(vcpu_op(VCPUOP_get_runstate_info, 0, (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile buffer is -EFAULT");
	CHECK_EQ(vcpu_op(VCPUOP_get_runstate_info, NO_SUCH_VCPU, &info), -XEN_ENOENT,
		 "a missing vCPU is -ENOENT");

	test_section("VCPUOP_register_runstate_memory_area");
	static struct vcpu_runstate_info area;
	struct vcpu_register_runstate_memory_area reg;
	memset(&area, 0xff, sizeof(area));
	reg.addr.v = &area;
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg), 0, "register an area");
	CHECK_EQ(area.state, RUNSTATE_running, "it is filled at once: running");
	CHECK(area.state_entry_time != ~0UL && area.state_entry_time <= now_ns(),
	      "with the time we entered that state");
	CHECK(area.time[RUNSTATE_running] > 0 && area.time[RUNSTATE_running] != ~0UL,
	      "and the time run so far");
	CHECK(area.time[RUNSTATE_offline] != ~0UL, "every field is written");
	uint64_t entered = area.state_entry_time, blocked = area.time[RUNSTATE_blocked];

	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0,
		 "enable runstate_update_flag");
	uint64_t deadline = now_ns() + MS(5);
	long rc = sleep_until(deadline);
	uint64_t woke = now_ns();
	printf("poll with no ports and a timeout: %ld, slept %lu ns\n", rc,
	       woke - deadline + MS(5));
	CHECK_EQ(rc, 0, "SCHEDOP_poll with no ports sleeps until its timeout");
	CHECK(woke >= deadline, "and returns no earlier");
	printf("area after the sleep: state %d entered %#lx, blocked %lu\n", area.state,
	       area.state_entry_time, area.time[RUNSTATE_blocked]);
	CHECK_EQ(area.state, RUNSTATE_running, "the area says running again");
	CHECK_EQ(area.state_entry_time & XEN_RUNSTATE_UPDATE, 0,
		 "with the update flag clear once the update is done");
	CHECK(area.state_entry_time > entered, "the state was entered anew");
	printf("deadline %lu, entered running %lu, woke by our clock %lu\n", deadline,
	       area.state_entry_time, woke);
	CHECK(area.state_entry_time >= deadline,
	      "the hypervisor woke us no earlier than the timeout, by its clock");
	CHECK(area.state_entry_time <= woke,
	      "and our clock, read after, is not behind the hypervisor's");
	CHECK(area.time[RUNSTATE_blocked] >= blocked + MS(4),
	      "and the sleep counted as blocked time");
	CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0,
		 "disable runstate_update_flag");

	reg.addr.p = 0xffff830000000000UL;
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg), -XEN_EFAULT,
		 "an area in the hypervisor's range is -EFAULT");
	reg.addr.p = 0x0000800000000000UL;
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg), -XEN_EFAULT,
		 "a non-canonical area is -EFAULT");
	reg.addr.p = 0x1000;
	rc = vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg);
	printf("runstate area at an unmapped guest address: %ld\n", rc);
	CHECK_EQ(rc, 0, "an unmapped guest address is accepted (only the range is checked)");
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped argument is -EFAULT");
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, NO_SUCH_VCPU, &reg), -XEN_ENOENT,
		 "a missing vCPU is -ENOENT");
	reg.addr.p = 0;
	CHECK_EQ(vcpu_op(VCPUOP_register_runstate_memory_area, 0, &reg), 0,
		 "an address of 0 unregisters");
	entered = area.state_entry_time;
	sleep_until(now_ns() + MS(2));
	CHECK_EQ(area.state_entry_time, entered, "the old area is no longer written");
}

static void check_time_info(void)
{
	unsigned int retries;

	test_section("vcpu_time_info");
	struct vcpu_time_info t = read_time_info(shared_time(), &retries);
	printf("time: version %u tsc %#lx system %lu mul %#x shift %d flags %#x (retries %u)\n",
	       t.version, t.tsc_timestamp, t.system_time, t.tsc_to_system_mul, t.tsc_shift, t.flags,
	       retries);
	CHECK_EQ(t.version & 1, 0, "the version is even when the record is stable");
	CHECK(t.version > 0, "and the record was written");
	CHECK(t.tsc_to_system_mul != 0, "tsc_to_system_mul is set");
	CHECK(t.tsc_shift >= -31 && t.tsc_shift <= 31, "tsc_shift is a sane shift");
	CHECK(t.system_time > 0, "system time has started");
	/* The TSC rate the record implies: 10^9 * 2^32 / (mul << shift) Hz. */
	uint64_t tsc_hz = (NS_PER_SEC << 32) / t.tsc_to_system_mul;
	if (t.tsc_shift >= 0)
		tsc_hz >>= t.tsc_shift;
	else
		tsc_hz <<= -t.tsc_shift;
	uint64_t tsc_khz = tsc_hz / 1000;
	printf("TSC rate implied: %lu kHz\n", tsc_khz);
	CHECK(tsc_khz > 10000 && tsc_khz < 100000000, "a TSC rate between 10 MHz and 100 GHz");

	uint64_t tsc = rdtsc();
	CHECK(tsc >= t.tsc_timestamp, "the TSC is past the record's timestamp");
	uint64_t a = now_ns(), b = now_ns();
	CHECK(b >= a, "time computed from the TSC does not go back");
	CHECK(a >= t.system_time, "and is past the record's system time");

	/*
	 * Xen 4.17 ignores VCPU_SSHOTTMR_future: a timeout already past is accepted and the
	 * timer fires at once. (The poll sleeps in check_runstate compare our clock with the
	 * hypervisor's instead.)
	 */
	CHECK_EQ(singleshot(now_ns() - MS(1), VCPU_SSHOTTMR_future), 0,
		 "a singleshot timer in the past with VCPU_SSHOTTMR_future is accepted (0)");
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stop it");

	/*
	 * The record holds the CPU's last calibration point (TSC and system time), refreshed
	 * about once a second, and reaches the vCPU when the hypervisor rewrites it (here
	 * forced by registering a time area). A short sleep changes nothing; after more than
	 * a second the new record continues the old one over the TSC.
	 */
	struct vcpu_time_info before = read_time_info(shared_time(), NULL);
	static struct vcpu_time_info forced;
	struct vcpu_register_time_memory_area force = {.addr.v = &forced};
	sleep_until(now_ns() + MS(10));
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &force), 0,
		 "register a time area, which rewrites the record");
	struct vcpu_time_info after = read_time_info(shared_time(), NULL);
	printf("10 ms later: version %u -> %u, system %lu -> %lu\n", before.version, after.version,
	       before.system_time, after.system_time);
	CHECK(after.version != before.version, "the record was rewritten (a new version)");
	CHECK_EQ(after.version & 1, 0, "and is stable again");
	CHECK_EQ(after.tsc_timestamp, before.tsc_timestamp,
		 "with the same calibration point: the TSC stamp");
	CHECK_EQ(after.system_time, before.system_time, "and the system time");

	before = after;
	uint64_t slept_from = now_ns();
	sleep_until(slept_from + MS(1100));
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &force), 0,
		 "1.1 s later, rewrite it again");
	after = read_time_info(shared_time(), NULL);
	printf("1.1 s later: version %u -> %u, system %lu -> %lu, mul %#x -> %#x\n", before.version,
	       after.version, before.system_time, after.system_time, before.tsc_to_system_mul,
	       after.tsc_to_system_mul);
	CHECK(after.system_time > slept_from, "a calibration point after the sleep began");
	CHECK(after.tsc_timestamp > before.tsc_timestamp, "a later TSC stamp");
	uint64_t predicted = time_at(&before, after.tsc_timestamp);
	int64_t error = (int64_t)(predicted - after.system_time);
	printf("old record extrapolated to the new stamp: %lu, error %ld ns\n", predicted, error);
	CHECK(error > -(int64_t)MS(1) && error < (int64_t)MS(1),
	      "the old record extrapolated over the TSC agrees with the new one within 1 ms");
	force.addr.p = 0;
	vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &force);

	test_section("VCPUOP_register_vcpu_time_memory_area");
	static struct vcpu_time_info copy;
	struct vcpu_register_time_memory_area area;
	memset(&copy, 0, sizeof(copy));
	area.addr.v = &copy;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area), 0, "register a copy");
	struct vcpu_time_info c = read_time_info(&copy, NULL);
	struct vcpu_time_info s = read_time_info(shared_time(), NULL);
	printf("copy: version %u system %lu flags %#x; shared: version %u system %lu\n", c.version,
	       c.system_time, c.flags, s.version, s.system_time);
	CHECK(c.version != 0, "the copy is written at once");
	CHECK_EQ(c.tsc_to_system_mul, s.tsc_to_system_mul, "with the same scale");
	CHECK_EQ(c.tsc_shift, s.tsc_shift, "and shift");
	CHECK_EQ(c.tsc_timestamp, s.tsc_timestamp, "the same timestamp");
	CHECK_EQ(c.system_time, s.system_time, "and system time");
	sleep_until(now_ns() + MS(2));
	c = read_time_info(&copy, NULL);
	s = read_time_info(shared_time(), NULL);
	CHECK_EQ(c.system_time, s.system_time, "and it is kept up to date with shared_info");
	area.addr.p = 0xffff830000000000UL;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area), -XEN_EFAULT,
		 "a copy in the hypervisor's range is -EFAULT");
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped argument is -EFAULT");
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, NO_SUCH_VCPU, &area), -XEN_ENOENT,
		 "a missing vCPU is -ENOENT");
	area.addr.p = 0;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &area), 0,
		 "an address of 0 unregisters");
}

static void check_wallclock(void)
{
	volatile struct shared_info *shared = HYPERVISOR_shared_info;

	test_section("wallclock");
	uint32_t version, sec, nsec, sec_hi;
	do {
		version = shared->wc_version;
		__asm__ volatile("" ::: "memory");
		sec = shared->wc_sec;
		nsec = shared->wc_nsec;
		sec_hi = shared->wc_sec_hi;
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || shared->wc_version != version);
	uint64_t now = now_ns();
	printf("wallclock: version %u, boot at %u.%09u (hi %u), now %lu s after 1970\n", version,
	       sec, nsec, sec_hi, sec + now / NS_PER_SEC);
	CHECK_EQ(version & 1, 0, "wc_version is even");
	CHECK(version > 0, "the wallclock was written");
	CHECK(nsec < NS_PER_SEC, "wc_nsec is below one second");
	CHECK_EQ(sec_hi, 0, "wc_sec_hi is 0 until 2106");
	CHECK(sec + now / NS_PER_SEC > 1577836800u, "the time of day is after 2020");
	CHECK(sec + now / NS_PER_SEC < 4102444800u, "and before 2100");
}

static void check_timers(void)
{
	struct vcpu_set_periodic_timer periodic;

	test_section("singleshot timer");
	CHECK_EQ(singleshot(now_ns() + MS(100), 0), 0, "a timer 100 ms ahead");
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stopped");
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stopping it again is 0");
	CHECK_EQ(singleshot(1, 0), 0, "a time long past without the future flag is 0 (fires now)");
	CHECK_EQ(singleshot(1, VCPU_SSHOTTMR_future), 0, "with the (ignored) future flag too");
	CHECK_EQ(singleshot(0, VCPU_SSHOTTMR_future), 0, "and time 0");
	CHECK_EQ(singleshot(~0UL, VCPU_SSHOTTMR_future), 0,
		 "the end of time (2^64 - 1) is in the future");
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stopped");
	CHECK_EQ(singleshot(now_ns() + MS(100), 0xfffffffe), 0, "unknown flag bits are ignored");
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL), 0, "stopped");
	for (unsigned int b = 1; b < nr_bad_addresses; b++)
		CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile argument is -EFAULT");
	struct vcpu_set_singleshot_timer set = {.timeout_abs_ns = now_ns() + MS(100)};
	CHECK_EQ(vcpu_op(VCPUOP_set_singleshot_timer, NO_SUCH_VCPU, &set), -XEN_ENOENT,
		 "a missing vCPU is -ENOENT");
	CHECK_EQ(vcpu_op(VCPUOP_stop_singleshot_timer, NO_SUCH_VCPU, NULL), -XEN_ENOENT,
		 "stopping on a missing vCPU is -ENOENT");

	test_section("periodic timer");
	periodic.period_ns = MS(1);
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, &periodic), 0, "a 1 ms period");
	periodic.period_ns = MS(1) - 1;
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, &periodic), -XEN_EINVAL,
		 "a period below 1 ms is -EINVAL");
	periodic.period_ns = 0;
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, &periodic), -XEN_EINVAL,
		 "a period of 0 is -EINVAL");
	periodic.period_ns = (1UL << 62) - 1;
	long rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &periodic);
	periodic.period_ns = 1UL << 62;
	long rc2 = vcpu_op(VCPUOP_set_periodic_timer, 0, &periodic);
	printf("periodic timer of 2^62 - 1 ns: %ld, of 2^62 ns: %ld\n", rc, rc2);
	CHECK_EQ(rc, 0, "a period of 2^62 - 1 ns is accepted");
	CHECK_EQ(rc2, -XEN_EINVAL, "a period of 2^62 ns is -EINVAL (too long)");
	periodic.period_ns = ~0UL;
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, &periodic), -XEN_EINVAL,
		 "a period of 2^64 - 1 ns is -EINVAL");
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, 0, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped argument is -EFAULT");
	CHECK_EQ(vcpu_op(VCPUOP_set_periodic_timer, NO_SUCH_VCPU, &periodic), -XEN_ENOENT,
		 "a missing vCPU is -ENOENT");
	CHECK_EQ(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stop the periodic timer");
	CHECK_EQ(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL), 0, "stopping it again is 0");
	CHECK_EQ(vcpu_op(VCPUOP_stop_periodic_timer, NO_SUCH_VCPU, NULL), -XEN_ENOENT,
		 "stopping on a missing vCPU is -ENOENT");

	test_section("set_timer_op");
	CHECK_EQ(HYPERVISOR_set_timer_op(now_ns() + MS(100)), 0, "a timeout 100 ms ahead");
	CHECK_EQ(HYPERVISOR_set_timer_op(0), 0, "0 stops it");
	CHECK_EQ(HYPERVISOR_set_timer_op(1), 0, "a time long past is 0 (fires now)");
	CHECK_EQ(HYPERVISOR_set_timer_op(1UL << 63), 0,
		 "a negative time is 0 (Xen sets 100 ms instead)");
	CHECK_EQ(HYPERVISOR_set_timer_op(now_ns() + (1UL << 51)), 0,
		 "more than 2^50 ns ahead is 0 (Xen sets 100 ms instead)");
	CHECK_EQ(HYPERVISOR_set_timer_op(0), 0, "stopped");
}

/*
 * register_vcpu_info: the last section, since the vCPU's vcpu_info then lives in our page
 * and the runtime's view of it (shared_info->vcpu_info[0]) is stale.
 */
static void check_register_vcpu_info(void)
{
	struct vcpu_register_vcpu_info info = {.rsvd = 0};
	char *page = scratch_page(2);
	volatile struct vcpu_info *old = &HYPERVISOR_shared_info->vcpu_info[0];

	test_section("VCPUOP_register_vcpu_info");
	memset(page, 0, PAGE_SIZE);
	info.mfn = virt_to_mfn(page);
	/* The place's own faults are -ENXIO, everything else -EINVAL. */
	info.offset = 4;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_ENXIO,
		 "an offset that is not 8-byte aligned is -ENXIO");
	info.offset = 1;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_ENXIO, "offset 1 is -ENXIO");
	info.offset = PAGE_SIZE - 32;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_ENXIO,
		 "a vcpu_info crossing the page end is -ENXIO");
	info.offset = PAGE_SIZE;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_ENXIO, "offset 4096 is -ENXIO");
	info.offset = 0xfffffff8u;
	info.mfn = (unsigned long)max_page - 1;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_ENXIO,
		 "the offset is checked before the frame");
	info.offset = 64;
	info.mfn = (unsigned long)max_page - 1;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_EINVAL,
		 "a frame we do not own is -EINVAL");
	info.mfn = l4_mfn;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_EINVAL,
		 "a page-table frame (our L4) is -EINVAL: it cannot be made writable");
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)0x1000), -XEN_EFAULT,
		 "an unmapped argument is -EFAULT");
	info.mfn = virt_to_mfn(page);
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, NO_SUCH_VCPU, &info), -XEN_ENOENT,
		 "a missing vCPU is -ENOENT");
	CHECK_EQ(old->time.version & 1, 0, "the old vcpu_info is still in use");

	info.offset = PAGE_SIZE - sizeof(struct vcpu_info);
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), 0,
		 "a vcpu_info ending exactly at the page end is accepted");
	volatile struct vcpu_info *moved = (volatile struct vcpu_info *)(page + info.offset);
	printf("moved vcpu_info: pending %u mask %u sel %#lx time version %u\n",
	       moved->evtchn_upcall_pending, moved->evtchn_upcall_mask, moved->evtchn_pending_sel,
	       moved->time.version);
	CHECK_EQ(moved->evtchn_upcall_mask, 1, "the event mask was copied (1)");
	CHECK_EQ(moved->evtchn_upcall_pending, 1, "every event is marked pending after the move");
	CHECK_EQ(moved->evtchn_pending_sel, ~0UL, "evtchn_pending_sel is all ones");
	CHECK_EQ(moved->time.tsc_to_system_mul, old->time.tsc_to_system_mul,
		 "the time record was copied");
	CHECK_EQ(moved->time.version & 1, 0, "and is stable");
	CHECK_EQ(page[0], 0, "the bytes before it are untouched");

	info.offset = 0;
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_info, 0, &info), -XEN_EINVAL,
		 "registering a second time is -EINVAL");
	CHECK_EQ(map_page(page, virt_to_mfn(page), _PAGE_PRESENT | _PAGE_ACCESSED), 0,
		 "the page can be mapped read-only");
	struct mmuext_op pin = {.cmd = MMUEXT_PIN_L1_TABLE};
	pin.arg1.mfn = virt_to_mfn(page);
	CHECK_EQ(HYPERVISOR_mmuext_op(&pin, 1, NULL, DOMID_SELF), -XEN_EINVAL,
		 "but, held writable by the hypervisor, never become a page table");
	map_page(page, virt_to_mfn(page), _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);

	uint32_t old_version = old->time.version, new_version = moved->time.version;
	uint64_t new_system = moved->time.system_time;
	struct vcpu_time_info t = read_time_info(&moved->time, NULL);
	struct sched_poll poll = {.nr_ports = 0, .timeout = time_at(&t, rdtsc()) + MS(5)};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0, "sleep 5 ms");
	static struct vcpu_time_info forced;
	struct vcpu_register_time_memory_area force = {.addr.v = &forced};
	CHECK_EQ(vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &force), 0,
		 "force a rewrite of the time record");
	printf("time record versions: old place %u -> %u, new place %u -> %u\n", old_version,
	       old->time.version, new_version, moved->time.version);
	CHECK(moved->time.version != new_version, "the record in the new place is rewritten");
	CHECK_EQ(moved->time.version & 1, 0, "and stable");
	CHECK(moved->time.system_time >= new_system, "and does not go back");
	CHECK_EQ(old->time.version, old_version, "the one in shared_info is left alone");
}

void guest_main(const struct start_info *si)
{
	l4_mfn = ((const xen_pfn_t *)si->mfn_list)[virt_to_pfn((void *)si->pt_base)];
	max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	check_vcpu_ops();
	check_time_info();
	check_runstate();
	check_wallclock();
	check_timers();
	check_register_vcpu_info();
	test_finish("vcpu_op_and_time");
}
