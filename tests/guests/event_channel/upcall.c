/*
 * Event delivery, for the event_channel test kernel: with an event callback registered
 * (callback_op, CALLBACKTYPE_event) and events enabled in vcpu_info (evtchn_upcall_mask 0),
 *
 *  - a send to an unmasked port enters the callback before the hypercall returns: events
 *    masked on entry, the bounce frame rcx, r11, rip, cs, rflags, rsp, ss (no error code)
 *    16-byte aligned below the interrupted stack, the saved mask in cs bits 32-39;
 *  - a masked port does not upcall until EVTCHNOP_unmask, which does;
 *  - pending events wait while vcpu_info masks them, and come with the next hypercall once
 *    the guest clears the mask (Linux's xen_force_evtchn_callback); iret back into a
 *    context with events enabled delivers what became pending meanwhile;
 *  - SCHEDOP_block enables events: it returns at once when one is pending, or sleeps until
 *    one comes (a singleshot timer on VIRQ_TIMER);
 *  - SCHEDOP_poll, events masked: at once on a pending port; woken by an event on a polled
 *    port even if masked, and by any event that newly sets evtchn_upcall_pending.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_time.h"
#include "ports.h"

#define UPCALL_VECTOR 0xf0 /* the runtime's stub the entry goes on to (upcall_entry.S) */
#define RFLAGS_IF 0x200UL

/* upcall_entry.S */
extern char upcall_entry[], send_return[];
extern uint64_t upcall_frame_at, upcall_raw_frame[8], send_rsp;
long send_recording_rsp(struct evtchn_send *send);

/* What the callback saw: the first upcall since record_reset() in full, and a count. */
static volatile struct {
	unsigned int count;
	uint8_t mask_on_entry, pending_on_entry;
	struct trap_frame frame, second_frame;
	uint64_t raw[8], frame_at;
	uint64_t above_stub; /* the word 16 bytes above the interrupted rsp, as it was then */
	evtchn_port_t ports[8];
	unsigned int nr_ports;
	bool send_again; /* the first upcall sends on ports[0] once more, events masked */
} seen;

static void record_reset(void)
{
	memset((void *)&seen, 0, sizeof(seen));
}

/* The handler a guest kernel writes: take every pending unmasked port, as Linux does. */
static void upcall_handler(struct trap_frame *frame)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	if (seen.count == 0) {
		seen.mask_on_entry = vcpu->evtchn_upcall_mask;
		seen.pending_on_entry = vcpu->evtchn_upcall_pending;
		seen.frame = *frame;
		seen.frame_at = upcall_frame_at;
		memcpy((void *)seen.raw, upcall_raw_frame, sizeof(seen.raw));
		seen.above_stub = *(const uint64_t *)(frame->rsp + 16);
	} else if (seen.count == 1) {
		seen.second_frame = *frame;
	}
	seen.count++;

	vcpu->evtchn_upcall_pending = 0;
	xen_ulong_t words = __atomic_exchange_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (words) {
		unsigned int word = __builtin_ctzl(words);
		words &= words - 1;
		xen_ulong_t bits = HYPERVISOR_shared_info->evtchn_pending[word] &
				   ~HYPERVISOR_shared_info->evtchn_mask[word];
		while (bits) {
			evtchn_port_t port = word * 64 + __builtin_ctzl(bits);
			bits &= bits - 1;
			clear_port_pending(port);
			if (seen.nr_ports < 8)
				seen.ports[seen.nr_ports++] = port;
		}
	}
	if (seen.send_again && seen.count == 1)
		send_port(seen.ports[0]);
}

static void events_enabled(bool enabled)
{
	__atomic_store_n(&vcpu0()->evtchn_upcall_mask, !enabled, __ATOMIC_SEQ_CST);
}

static unsigned long stub(unsigned int hypercall_number)
{
	return (unsigned long)hypercall_page + hypercall_number * HYPERCALL_STUB_SIZE;
}

/* rip is inside the stub of the hypercall, right after its SYSCALL (0f 05). */
static bool after_syscall_in(uint64_t rip, unsigned int hypercall_number)
{
	if (rip < stub(hypercall_number) + 2 || rip >= stub(hypercall_number + 1))
		return false;
	const uint8_t *insn = (const uint8_t *)rip;
	return insn[-2] == 0x0f && insn[-1] == 0x05;
}

static long singleshot(uint64_t deadline)
{
	struct vcpu_set_singleshot_timer set = {.timeout_abs_ns = deadline};
	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &set);
}

static long poll_one(evtchn_port_t port, uint64_t timeout)
{
	evtchn_port_t ports[1] = {port};
	struct sched_poll poll = {.nr_ports = 1, .timeout = timeout};
	set_xen_guest_handle(poll.ports, ports);
	return HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

static bool register_callback(void)
{
	test_section("registering the event callback");
	fresh_ports();
	CHECK_EQ(vcpu0()->evtchn_upcall_mask, 1, "events start masked in vcpu_info");
	if (!CHECK_EQ(trap_set_handler(UPCALL_VECTOR, 0, true, upcall_handler), 0,
		      "the runtime's stub for vector 0xf0 gets the C handler"))
		return false;
	struct callback_register event = {.type = CALLBACKTYPE_event,
					  .address = (unsigned long)upcall_entry};
	return CHECK_EQ(HYPERVISOR_callback_op(CALLBACKOP_register, &event), 0,
			"callback_op registers the event callback");
}

static void check_upcall_on_send(evtchn_port_t ipi)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	test_section("an upcall from EVTCHNOP_send");
	record_reset();
	struct evtchn_send send = {.port = ipi};
	events_enabled(true);
	long rc = send_recording_rsp(&send);
	unsigned int count = seen.count;
	uint8_t mask_after = vcpu->evtchn_upcall_mask;
	events_enabled(false);

	CHECK_EQ(rc, 0, "send on an unmasked IPI port with events enabled returns 0");
	CHECK_EQ(count, 1, "the callback ran once, before the hypercall returned to its caller");
	CHECK_EQ(seen.nr_ports, 1, "it found one port pending");
	CHECK_EQ(seen.ports[0], ipi, "the IPI port");
	CHECK_EQ(seen.mask_on_entry, 1, "evtchn_upcall_mask is 1 on entry to the callback");
	CHECK_EQ(seen.pending_on_entry, 1, "evtchn_upcall_pending is 1 on entry");
	CHECK_EQ(mask_after, 0, "after the callback's iret events are enabled again (frame IF)");
	CHECK(!port_pending(ipi) && !vcpu->evtchn_upcall_pending,
	      "nothing is left pending (the handler took it)");

	const volatile uint64_t *raw = seen.raw;
	printf("frame at %#lx: rcx %#lx r11 %#lx rip %#lx cs %#lx rflags %#lx rsp %#lx ss %#lx; "
	       "then %#lx\n",
	       seen.frame_at, raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7]);
	printf("send_recording_rsp called the stub with rsp %#lx; event_channel_op stub at %#lx\n",
	       send_rsp, stub(__HYPERVISOR_event_channel_op));
	CHECK(after_syscall_in(raw[2], __HYPERVISOR_event_channel_op),
	      "frame word 2, rip: in the event_channel_op stub, right after its SYSCALL");
	CHECK_EQ(raw[0], raw[2],
		 "word 0, rcx: the interrupted rcx, which SYSCALL set to that same rip");
	CHECK_EQ(raw[3] & 0xffff, FLAT_KERNEL_CS & ~3,
		 "word 3, cs: 0xe030, the kernel's with RPL 0 (interrupted in kernel mode)");
	CHECK_EQ((raw[3] >> 32) & 0xff, 0, "cs bits 32-39: the saved evtchn_upcall_mask, 0");
	CHECK_EQ(raw[4] & RFLAGS_IF, RFLAGS_IF, "word 4, rflags: IF set, as events were enabled");
	CHECK_EQ(raw[1], raw[4],
		 "word 1, r11: the rflags SYSCALL saved there, equal to the frame's rflags");
	CHECK_EQ(raw[5], send_rsp - 24,
		 "word 5, rsp: inside the stub, below our return address and its two pushes");
	CHECK_EQ(raw[6], FLAT_KERNEL_SS,
		 "word 6, ss: 0xe02b, the kernel's: seven words, no "
		 "error code");
	CHECK_EQ(seen.frame_at, (raw[5] & ~15UL) - 56,
		 "the frame lies 16-byte aligned below the interrupted rsp");
	CHECK_EQ(seen.frame.rax, 0, "rax already holds the hypercall's result, 0");
	CHECK_EQ(seen.above_stub, (uint64_t)send_return,
		 "above the stub's pushes, our return address: the stack is untouched");
}

static void check_masked_port(evtchn_port_t ipi)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	test_section("a masked port upcalls when unmasked");
	record_reset();
	set_port_mask(ipi, true);
	events_enabled(true);
	long rc = send_port(ipi);
	unsigned int after_send = seen.count;
	HYPERVISOR_xen_version(XENVER_version, NULL);
	unsigned int after_other = seen.count;
	long unmasked = unmask_port(ipi);
	unsigned int after_unmask = seen.count;
	events_enabled(false);

	CHECK_EQ(rc, 0, "send on a masked port with events enabled returns 0");
	CHECK_EQ(after_send, 0, "without an upcall");
	CHECK_EQ(after_other, 0, "nor on the next hypercall: the port is not flagged");
	CHECK_EQ(unmasked, 0, "EVTCHNOP_unmask returns 0");
	CHECK_EQ(after_unmask, 1, "and the upcall comes before it returns");
	CHECK_EQ(seen.ports[0], ipi, "for the port unmasked");
	CHECK(after_syscall_in(seen.frame.rip, __HYPERVISOR_event_channel_op),
	      "interrupting the event_channel_op hypercall");
	CHECK(!port_pending(ipi) && !vcpu->evtchn_upcall_pending, "nothing is left pending");
}

static void check_redelivery(evtchn_port_t ipi)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	test_section("events enabled again after pending");
	record_reset();
	CHECK_EQ(send_port(ipi), 0, "send while events are masked in vcpu_info");
	CHECK_EQ(seen.count, 0, "no upcall");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 1, "evtchn_upcall_pending is set");
	/* Linux's xen_force_evtchn_callback: enable events, then any hypercall. */
	events_enabled(true);
	HYPERVISOR_xen_version(XENVER_version, NULL);
	unsigned int count = seen.count;
	uint8_t mask_after = vcpu->evtchn_upcall_mask;
	events_enabled(false);
	CHECK_EQ(count, 1, "clearing the mask and making a hypercall brings the upcall");
	CHECK(after_syscall_in(seen.frame.rip, __HYPERVISOR_xen_version),
	      "interrupting that hypercall (xen_version) as it returns");
	CHECK_EQ((seen.frame.cs >> 32) & 0xff, 0, "the saved mask in cs is 0");
	CHECK_EQ(mask_after, 0, "events are enabled afterwards");

	test_section("an event that comes during the callback");
	record_reset();
	seen.send_again = true;
	events_enabled(true);
	send_port(ipi);
	count = seen.count;
	events_enabled(false);
	CHECK_EQ(count, 2,
		 "an event made pending inside the callback (masked there) is "
		 "delivered by the iret that enables events");
	CHECK_EQ(seen.second_frame.rip, seen.frame.rip,
		 "the second frame is the context the iret went back to");
	CHECK_EQ((seen.second_frame.cs >> 32) & 0xff, 0, "with the mask it restored, 0");
	CHECK_EQ(seen.nr_ports, 2, "the port was found pending twice");
	CHECK(!port_pending(ipi), "and nothing is left");
}

static void check_block(evtchn_port_t ipi, evtchn_port_t timer)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	test_section("SCHEDOP_block");
	record_reset();
	send_port(ipi);
	uint64_t start = guest_now_ns();
	long rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	uint64_t woke = guest_now_ns();
	uint8_t mask_after = vcpu->evtchn_upcall_mask;
	events_enabled(false);
	printf("block with an event pending returned after %lu ns\n", woke - start);
	CHECK_EQ(rc, 0, "block with an event pending returns 0");
	CHECK(woke - start < MS(20), "at once");
	CHECK_EQ(mask_after, 0, "block enables events in vcpu_info (evtchn_upcall_mask 0)");
	CHECK_EQ(seen.count, 1, "so the pending event upcalls as it returns");
	CHECK(after_syscall_in(seen.frame.rip, __HYPERVISOR_sched_op),
	      "interrupting the sched_op hypercall");
	CHECK_EQ((seen.frame.cs >> 32) & 0xff, 0, "with a saved mask of 0");

	record_reset();
	uint64_t deadline = guest_now_ns() + MS(5);
	CHECK_EQ(singleshot(deadline), 0, "a singleshot timer 5 ms ahead");
	rc = HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	woke = guest_now_ns();
	events_enabled(false);
	printf("block with nothing pending woke %ld ns after the timer's deadline\n",
	       (long)(woke - deadline));
	CHECK_EQ(rc, 0, "block with nothing pending returns 0");
	CHECK(woke >= deadline, "when the timer fires, not before");
	CHECK(woke < deadline + MS(100), "and not much later");
	CHECK_EQ(seen.count, 1, "with the upcall for it");
	CHECK_EQ(seen.ports[0], timer, "on the VIRQ_TIMER port");
}

static void check_poll(evtchn_port_t ipi, evtchn_port_t timer)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	test_section("SCHEDOP_poll");
	record_reset();
	send_port(ipi);
	uint64_t start = guest_now_ns();
	CHECK_EQ(poll_one(ipi, 0), 0, "poll on a pending port, no timeout, returns 0");
	CHECK(guest_now_ns() - start < MS(20), "at once");
	CHECK_EQ(vcpu->evtchn_upcall_mask, 1, "poll leaves events masked in vcpu_info");
	CHECK_EQ(seen.count, 0, "and delivers nothing");
	clear_port_pending(ipi);

	set_port_mask(timer, true);
	clear_vcpu_pending();
	CHECK_EQ(singleshot(guest_now_ns() + MS(5)), 0, "the timer 5 ms ahead, its port masked");
	start = guest_now_ns();
	CHECK_EQ(poll_one(ipi, start + MS(40)), 0, "poll on the IPI port, 40 ms timeout");
	uint64_t woke = guest_now_ns();
	printf("woke after %lu ns; timer port pending %d\n", woke - start, port_pending(timer));
	CHECK(woke - start >= MS(40), "a masked port's event does not end a poll on another port");
	CHECK(port_pending(timer), "though it is pending");
	clear_port_pending(timer);

	uint64_t deadline = guest_now_ns() + MS(5);
	CHECK_EQ(singleshot(deadline), 0, "the timer 5 ms ahead, its port still masked");
	CHECK_EQ(poll_one(timer, deadline + MS(200)), 0, "poll on the timer's port");
	woke = guest_now_ns();
	printf("woke %ld ns after the timer's deadline\n", (long)(woke - deadline));
	CHECK(woke >= deadline && woke < deadline + MS(100),
	      "the polled port's event ends the poll, masked or not");
	CHECK(port_pending(timer), "the port is pending");
	clear_port_pending(timer);
	set_port_mask(timer, false);

	clear_vcpu_pending();
	deadline = guest_now_ns() + MS(5);
	CHECK_EQ(singleshot(deadline), 0, "the timer 5 ms ahead, its port unmasked");
	start = guest_now_ns();
	CHECK_EQ(poll_one(ipi, start + MS(200)), 0, "poll on the IPI port, 200 ms timeout");
	woke = guest_now_ns();
	printf("woke after %lu ns (timer due after %lu)\n", woke - start, deadline - start);
	CHECK(woke >= deadline && woke - start < MS(100),
	      "an event that sets evtchn_upcall_pending ends a poll on another port");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 1, "evtchn_upcall_pending is set");
	CHECK_EQ(seen.count, 0, "no upcall: events are masked in vcpu_info");
	clear_port_pending(timer);

	__atomic_store_n(&vcpu->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	CHECK_EQ(singleshot(guest_now_ns() + MS(5)), 0,
		 "again, with evtchn_upcall_pending left set");
	start = guest_now_ns();
	CHECK_EQ(poll_one(ipi, start + MS(40)), 0, "poll on the IPI port, 40 ms timeout");
	woke = guest_now_ns();
	printf("woke after %lu ns; timer port pending %d\n", woke - start, port_pending(timer));
	CHECK(woke - start >= MS(40),
	      "an event that finds evtchn_upcall_pending already set does not end it");
	CHECK(port_pending(timer) && selector_bit(timer), "the event is pending and flagged");
	clear_port_pending(timer);
	clear_vcpu_pending();
}

void check_upcalls(void)
{
	if (!register_callback())
		return;
	long ipi = bind_ipi(0);
	long timer = bind_virq(VIRQ_TIMER, 0);
	if (!CHECK(ipi > 0 && timer > 0, "an IPI port and a VIRQ_TIMER port for the tests"))
		return;
	check_upcall_on_send(ipi);
	check_masked_port(ipi);
	check_redelivery(ipi);
	check_block(ipi, timer);
	check_poll(ipi, timer);
	events_enabled(false);
	fresh_ports();
}
