/*
 * How the two vCPUs of the smp test kernel talk: a mailbox in shared memory and one IPI
 * port per vCPU (EVTCHNOP_bind_ipi), each vCPU sleeping in SCHEDOP_poll on its own port
 * while it waits. vCPU 0 posts a command and waits for `done`; vCPU 1 serves commands in
 * secondary_main for ever. Also the upcall handler both vCPUs share, and the per-vCPU view
 * (which vCPU am I, my vcpu_info, my clock).
 *
 * Waiting never loses a wakeup: the waiter clears its port's pending bit, then looks at the
 * shared word, then polls; a sender changes the word before it sends, so a send that comes
 * after the look leaves the port pending and the poll returns at once. The waiter looks for
 * a value (a counter reaching a target), never for "a change" from a value read earlier:
 * the change may already have happened.
 */
#include <parvus/guest_traps.h>
#include <public/errno.h>
#include "guest_time.h"
#include "smp.h"

#define WAIT_LIMIT MS(5000) /* for a command; the guest clock runs slowly under TCG */

char secondary_stack[STACK_SIZE] __attribute__((aligned(PAGE_SIZE)));
evtchn_port_t ipi_port[2];
volatile struct mailbox mailbox;
volatile uint64_t upcall_ports[2];
volatile uint64_t upcalls_on[2][MAX_COUNTED_PORT];
volatile uint64_t upcall_count[2];

unsigned int this_vcpu(void)
{
	unsigned long rsp = (unsigned long)__builtin_frame_address(0);
	unsigned long base = (unsigned long)secondary_stack;

	return rsp >= base && rsp < base + STACK_SIZE ? SECONDARY : 0;
}

volatile struct vcpu_info *vcpu_info_of(unsigned int vcpu)
{
	return &HYPERVISOR_shared_info->vcpu_info[vcpu];
}

uint64_t now_ns(void)
{
	struct vcpu_time_info t = guest_time_snapshot(&vcpu_info_of(this_vcpu())->time, NULL);
	return guest_time_at(&t, guest_rdtsc());
}

long send_port(evtchn_port_t port)
{
	struct evtchn_send send = {.port = port};
	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

long bind_ipi(uint32_t vcpu)
{
	struct evtchn_bind_ipi bind = {.vcpu = vcpu};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bind);
	return rc ? rc : (long)bind.port;
}

long bind_virq(uint32_t virq, uint32_t vcpu)
{
	struct evtchn_bind_virq bind = {.virq = virq, .vcpu = vcpu};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &bind);
	return rc ? rc : (long)bind.port;
}

long close_port(evtchn_port_t port)
{
	struct evtchn_close close = {.port = port};
	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
}

void clear_port_pending(evtchn_port_t port)
{
	__atomic_fetch_and(&HYPERVISOR_shared_info->evtchn_pending[port / 64],
			   ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
}

void events_enabled(bool enabled)
{
	__atomic_store_n(&vcpu_info_of(this_vcpu())->evtchn_upcall_mask, !enabled,
			 __ATOMIC_SEQ_CST);
}

static long poll_port(evtchn_port_t port, uint64_t deadline)
{
	evtchn_port_t ports[1] = {port};
	struct sched_poll poll = {.nr_ports = 1, .timeout = deadline};
	set_xen_guest_handle(poll.ports, ports);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

void sleep_until(uint64_t deadline)
{
	struct sched_poll poll = {.nr_ports = 0, .timeout = deadline};
	set_xen_guest_handle(poll.ports, NULL);
	while (now_ns() < deadline)
		HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static bool reached(const volatile uint64_t *word, uint64_t target, bool exactly)
{
	uint64_t value = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	return exactly ? value == target : value >= target;
}

static bool wait_for(const volatile uint64_t *word, uint64_t target, bool exactly,
		     uint64_t deadline)
{
	evtchn_port_t port = ipi_port[this_vcpu()];

	for (;;) {
		clear_port_pending(port);
		if (reached(word, target, exactly))
			return true;
		if (deadline && now_ns() >= deadline)
			return false;
		long rc = poll_port(port, deadline);
		if (rc != 0)
			guest_crash("SCHEDOP_poll on port %u: %ld", port, rc);
	}
}

bool wait_at_least(const volatile uint64_t *word, uint64_t target, uint64_t deadline)
{
	return wait_for(word, target, false, deadline);
}

bool wait_equal(const volatile uint64_t *word, uint64_t target, uint64_t deadline)
{
	return wait_for(word, target, true, deadline);
}

/* The event callback: take this vCPU's pending unmasked ports (all in word 0 here). */
static void upcall_handler(struct trap_frame *frame)
{
	(void)frame;
	unsigned int vcpu = this_vcpu();
	volatile struct vcpu_info *info = vcpu_info_of(vcpu);
	volatile struct shared_info *shared = HYPERVISOR_shared_info;

	upcall_count[vcpu]++;
	info->evtchn_upcall_pending = 0;
	__atomic_exchange_n(&info->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	uint64_t bits = shared->evtchn_pending[0] & ~shared->evtchn_mask[0] & upcall_ports[vcpu];
	while (bits) {
		unsigned int port = (unsigned int)__builtin_ctzl(bits);
		bits &= bits - 1;
		clear_port_pending(port);
		upcalls_on[vcpu][port]++;
	}
}

void upcall_install(void)
{
	failsafe_init();
	if (trap_set_handler(UPCALL_VECTOR, 0, true, upcall_handler) ||
	    trap_set_handler(FAILSAFE_VECTOR, 0, true, failsafe_handler))
		guest_crash("cannot install the upcall handlers");
	struct callback_register event = {.type = CALLBACKTYPE_event,
					  .address = trap_entry_address(UPCALL_VECTOR)};
	struct callback_register failsafe = {.type = CALLBACKTYPE_failsafe,
					     .address = (unsigned long)failsafe_entry};
	if (HYPERVISOR_callback_op(CALLBACKOP_register, &event) ||
	    HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe))
		guest_crash("cannot register vCPU 0's callbacks");
}

void mailbox_init(void)
{
	for (unsigned int vcpu = 0; vcpu < 2; vcpu++) {
		long port = bind_ipi(vcpu);
		if (port <= 0 || port >= 64)
			guest_crash("EVTCHNOP_bind_ipi for vCPU %u: %ld", vcpu, port);
		ipi_port[vcpu] = (evtchn_port_t)port;
	}
	upcall_install();
}

uint64_t post(enum command command, uint64_t argument)
{
	mailbox.command = command;
	mailbox.argument = argument;
	mailbox.stop = 0;
	uint64_t sequence = __atomic_add_fetch(&mailbox.sequence, 1, __ATOMIC_SEQ_CST);
	send_port(ipi_port[SECONDARY]);
	return sequence;
}

bool wait_done(uint64_t sequence)
{
	return wait_at_least(&mailbox.done, sequence, now_ns() + WAIT_LIMIT);
}

bool stop_and_wait(uint64_t sequence)
{
	__atomic_store_n(&mailbox.stop, 1, __ATOMIC_SEQ_CST);
	return wait_done(sequence);
}

static void run(enum command command, uint64_t argument)
{
	switch (command) {
	case CMD_PING_POLL:
		secondary_ping(false, argument);
		break;
	case CMD_PING_BLOCK:
		secondary_ping(true, argument);
		break;
	case CMD_FPU_PINGPONG:
		secondary_fpu_pingpong(argument);
		break;
	case CMD_FPU_SPIN:
		secondary_fpu_spin();
		break;
	case CMD_TLB_WATCH:
		secondary_tlb_watch();
		break;
	case CMD_SPIN:
		secondary_spin();
		break;
	case CMD_WAKE_VCPU0:
		secondary_wake_vcpu0();
		break;
	case CMD_TRAPS:
		secondary_traps();
		break;
	case CMD_FAILSAFE:
		secondary_failsafe(argument);
		break;
	case CMD_RUNSTATE_USER:
		secondary_runstate_user();
		break;
	default:
		guest_crash("vCPU 1: unknown command %u", command);
	}
}

void secondary_main(void)
{
	uint64_t served = 0;

	__atomic_add_fetch(&mailbox.entries, 1, __ATOMIC_SEQ_CST);
	send_port(ipi_port[0]);
	for (;;) {
		mailbox.alive++;
		wait_at_least(&mailbox.sequence, served + 1, 0);
		served = mailbox.sequence;
		run((enum command)mailbox.command, mailbox.argument);
		__atomic_store_n(&mailbox.done, served, __ATOMIC_SEQ_CST);
		send_port(ipi_port[0]);
	}
}
