/*
 * sched_op: yield, poll, the watchdog, pinning, shutdown codes and remote shutdown, with
 * every error path a first domain can reach without ending itself. The older
 * sched_op_compat number is checked too.
 *
 * The run ends in a way that is itself a check: SCHEDOP_shutdown_code records "reboot"
 * early, so the final poweroff of test_finish must turn into a reboot (Xen: "Hardware Dom0
 * shutdown: rebooting machine"), which the harness expects. The domain cannot tell.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define NR_WATCHDOGS 2 /* Xen's NR_DOMAIN_WATCHDOG_TIMERS */

static void check_yield(void)
{
	test_section("SCHEDOP_yield");
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0, "yield returns 0");
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, (void *)0x1000), 0,
		 "yield ignores its argument");
	CHECK_EQ(hypercall(__HYPERVISOR_sched_op_compat, SCHEDOP_yield, 0, 0, 0, 0), 0,
		 "the compat number yields too");
	CHECK_EQ(hypercall(__HYPERVISOR_sched_op_compat, 100, 0, 0, 0, 0), -XEN_ENOSYS,
		 "an unknown compat command is -ENOSYS");
}

static void check_unknown(void)
{
	test_section("unknown commands");
	CHECK_EQ(HYPERVISOR_sched_op(8, NULL), -XEN_ENOSYS, "command 8 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_sched_op(100, NULL), -XEN_ENOSYS, "command 100 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_sched_op(-1, NULL), -XEN_ENOSYS, "command -1 is -ENOSYS");
}

static void check_shutdown_errors(void)
{
	test_section("SCHEDOP_shutdown, SCHEDOP_shutdown_code, SCHEDOP_remote_shutdown");
	for (unsigned int b = 0; b < nr_bad_addresses; b++) {
		void *bad = (void *)bad_addresses[b].address;
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown, bad), -XEN_EFAULT,
			 "shutdown with a hostile argument is -EFAULT (and shuts nothing down)");
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, bad), -XEN_EFAULT,
			 "shutdown_code with a hostile argument is -EFAULT");
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, bad), -XEN_EFAULT,
			 "remote_shutdown with a hostile argument is -EFAULT");
	}

	/* Only the first code counts: reboot, then poweroff, leaves reboot. */
	struct sched_shutdown code = {.reason = SHUTDOWN_reboot};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code), 0,
		 "shutdown_code records a reason and returns 0");
	code.reason = SHUTDOWN_poweroff;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code), 0,
		 "a second shutdown_code returns 0 too (and is ignored)");

	struct sched_remote_shutdown remote = {.domain_id = 7, .reason = SHUTDOWN_poweroff};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), -XEN_ESRCH,
		 "remote_shutdown of a domain that does not exist is -ESRCH");
	remote.domain_id = DOMID_SELF;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), -XEN_ESRCH,
		 "remote_shutdown takes real ids only: DOMID_SELF is -ESRCH");
	remote.domain_id = DOMID_XEN;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &remote), -XEN_ESRCH,
		 "remote_shutdown of DOMID_XEN is -ESRCH");
}

/*
 * Poll takes only ports that are bound: free and reserved ones (port 0 is reserved) are
 * -EINVAL, because nothing could ever wake the poller. An IPI port serves as the bound one.
 */
static void check_poll(void)
{
	struct sched_poll poll = {.nr_ports = 1, .timeout = 1};
	evtchn_port_t ports[129];

	test_section("SCHEDOP_poll");
	struct evtchn_bind_ipi ipi = {.vcpu = 0};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi);
	if (!CHECK_EQ(rc, 0, "an IPI port can be bound (a port to poll)"))
		return;
	for (unsigned int i = 0; i < 129; i++)
		ports[i] = ipi.port;
	set_xen_guest_handle(poll.ports, ports);

	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, NULL), -XEN_EFAULT,
		 "poll without an argument is -EFAULT");
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0,
		 "poll on an idle port with a timeout already past returns 0");
	poll.nr_ports = 129;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL,
		 "more than 128 ports is -EINVAL");
	poll.nr_ports = 128;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0, "128 idle ports are fine");

	poll.nr_ports = 1;
	static const struct {
		evtchn_port_t port;
		const char *what;
	} unusable[] = {
		{0, "port 0 (reserved) is -EINVAL"},
		{0, "a free port is -EINVAL"}, /* filled in below */
		{4096, "port 4096, past the 2-level ABI's last, is -EINVAL"},
		{0xffffffffu, "port 0xffffffff is -EINVAL"},
	};
	for (unsigned int i = 0; i < sizeof(unusable) / sizeof(unusable[0]); i++) {
		ports[0] = i == 1 ? ipi.port + 1 : unusable[i].port;
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EINVAL, unusable[i].what);
	}
	ports[0] = ipi.port;
	for (unsigned int b = 0; b < nr_bad_addresses; b++) {
		set_xen_guest_handle(poll.ports, (evtchn_port_t *)bad_addresses[b].address);
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), -XEN_EFAULT,
			 "a hostile port list is -EFAULT");
	}

	/* A pending port ends the poll at once, even with no timeout at all. */
	struct evtchn_send send = {.port = ipi.port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_send, &send), 0, "the port is signalled");
	set_xen_guest_handle(poll.ports, ports);
	poll.nr_ports = 2;
	poll.timeout = 0;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0,
		 "poll returns at once when one of its ports is pending");

	struct evtchn_close close = {.port = ipi.port};
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_close, &close), 0, "the port is closed");
	/* Leave no trace of the event for later code (events stay masked anyway). */
	HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;
}

static void check_watchdog(void)
{
	struct sched_watchdog watchdog;

	test_section("SCHEDOP_watchdog");
	watchdog = (struct sched_watchdog){.id = 0, .timeout = 3600};
	long first = HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog);
	CHECK_EQ(first, 1, "the first watchdog gets id 1");
	long second = HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog);
	CHECK_EQ(second, 2, "the second watchdog gets id 2");
	/*
	 * Xen 4.17 computes this error in a 32-bit unsigned expression, so rax holds
	 * 0x00000000ffffffe4: only the low 32 bits say -ENOSPC. Compare those.
	 */
	CHECK_EQ((int)HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), -XEN_ENOSPC,
		 "a third is -ENOSPC (in the low 32 bits): there are two per domain");

	watchdog = (struct sched_watchdog){.id = 1, .timeout = 7200};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), 0, "a keep-alive returns 0");
	watchdog = (struct sched_watchdog){.id = NR_WATCHDOGS + 1, .timeout = 10};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), -XEN_EINVAL,
		 "an id past the last is -EINVAL");
	watchdog = (struct sched_watchdog){.id = 0xffffffffu, .timeout = 10};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), -XEN_EINVAL,
		 "id 0xffffffff is -EINVAL");

	for (uint32_t id = 1; id <= NR_WATCHDOGS; id++) {
		watchdog = (struct sched_watchdog){.id = id, .timeout = 0};
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), 0,
			 "timeout 0 destroys a watchdog");
		CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), -XEN_EINVAL,
			 "destroying it again is -EINVAL");
	}
	watchdog = (struct sched_watchdog){.id = 1, .timeout = 10};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), -XEN_EINVAL,
		 "a keep-alive for a destroyed watchdog is -EINVAL");
	watchdog = (struct sched_watchdog){.id = 0, .timeout = 3600};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), 1, "ids are reused from 1");
	watchdog = (struct sched_watchdog){.id = 1, .timeout = 0};
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, &watchdog), 0, "and destroyed again");
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_watchdog, NULL), -XEN_EFAULT,
		 "watchdog without an argument is -EFAULT");
}

static void check_pin_override(void)
{
	struct sched_pin_override pin;

	test_section("SCHEDOP_pin_override");
	pin.pcpu = -1;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, &pin), -XEN_EINVAL,
		 "ending an override that was never made is -EINVAL");
	pin.pcpu = 0;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, &pin), 0, "pinning to CPU 0 works");
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, &pin), -XEN_EBUSY,
		 "pinning again while pinned is -EBUSY");
	pin.pcpu = -1;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, &pin), 0, "the override ends");
	pin.pcpu = 63;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, &pin), -XEN_EINVAL,
		 "a CPU that is not online is -EINVAL");
	pin.pcpu = 1 << 20;
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, &pin), -XEN_EINVAL,
		 "a CPU number past NR_CPUS is -EINVAL");
	CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_pin_override, NULL), -XEN_EFAULT,
		 "pin_override without an argument is -EFAULT");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_yield();
	check_unknown();
	check_shutdown_errors();
	check_poll();
	check_watchdog();
	check_pin_override();
	test_finish("sched_op");
}
