/*
 * Events waited for by polling (event_wait.h). The pending bit is cleared before anything is
 * read that the event announces, so an event that comes meanwhile is not lost: it sets the
 * bit again and the next wait returns at once.
 */
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include "event_wait.h"
#include "guest_time.h"

#define BITS_PER_WORD (sizeof(xen_ulong_t) * 8)

long event_send(evtchn_port_t port)
{
	struct evtchn_send send = {.port = port};

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

bool event_take(evtchn_port_t port)
{
	xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);
	xen_ulong_t *word = &HYPERVISOR_shared_info->evtchn_pending[port / BITS_PER_WORD];

	return __atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit;
}

/* One SCHEDOP_poll on port until deadline (0: none). */
static void poll(evtchn_port_t port, uint64_t deadline)
{
	struct sched_poll poll = {.nr_ports = 1, .timeout = deadline};

	set_xen_guest_handle(poll.ports, &port);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

bool event_wait(evtchn_port_t port, uint64_t deadline)
{
	for (;;) {
		if (event_take(port))
			return true;
		if (deadline && guest_now_ns() >= deadline)
			return false;
		poll(port, deadline);
	}
}

void sleep_ns(uint64_t ns)
{
	static evtchn_port_t quiet; /* an IPI port we never signal */

	if (!quiet) {
		struct evtchn_bind_ipi ipi = {.vcpu = 0};

		if (HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &ipi) != 0)
			guest_crash("sleep_ns: cannot bind an IPI port to poll");
		quiet = ipi.port;
	}
	uint64_t deadline = guest_now_ns() + ns;

	while (guest_now_ns() < deadline)
		poll(quiet, deadline);
}
