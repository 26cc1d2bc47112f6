/*
 * event_channel: the 2-level event-channel ABI as one domain sees it on its own, with the
 * exact answers Xen 4.17 gives its first domain (event_channel_op, and the old
 * event_channel_op_compat with struct evtchn_op):
 *
 *  - port 0 is reserved; ports are handed out lowest free first, up to 4095, then -ENOSPC;
 *    EVTCHNOP_status knows only ports in the "buckets" allocated so far (64 ports each);
 *  - each state (unbound, interdomain loopback, IPI, VIRQ, closed) with status, send, close,
 *    bind_vcpu and unmask, and which port a send makes pending;
 *  - every VIRQ number: which are per-vCPU and which global, binding twice, bad vCPUs;
 *    bind_pirq's errors; EVTCHNOP_reset and what it leaves;
 *  - the pending, mask and selector bits that send and unmask change, or leave alone;
 *  - bad ports, bad pointers, read-only arguments (the work is done, then -EFAULT),
 *    unknown commands, the compat hypercall, and the FIFO commands (last: a successful
 *    EVTCHNOP_init_control switches the domain to the FIFO ABI until a reset).
 *
 * Delivery (the upcall, block and poll) is in upcall.c. Events stay masked in vcpu_info
 * everywhere else.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "ports.h"

#define NO_SUCH_DOMAIN 7
#define PORTS_PER_BUCKET 64 /* Xen grows a domain's ports 64 at a time */

static unsigned int count_vcpus(void)
{
	unsigned int n = 0;
	while (n < 1024 && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) != -XEN_ENOENT)
		n++;
	return n;
}

/* The first port EVTCHNOP_status refuses, searching from port 1 (0 if none below 4096). */
static evtchn_port_t first_unknown_port(void)
{
	struct evtchn_status status;
	for (evtchn_port_t port = 1; port < NR_PORTS; port++)
		if (port_status(port, &status) == -XEN_EINVAL)
			return port;
	return 0;
}

static void check_port_zero(void)
{
	struct evtchn_status status;

	test_section("port 0 and the ports a domain starts with");
	CHECK_EQ(port_status(0, &status), 0, "status of port 0 succeeds");
	CHECK_EQ(status.status, EVTCHNSTAT_closed, "port 0 (reserved) reads as EVTCHNSTAT_closed");
	CHECK_EQ(status.vcpu, 0, "on vCPU 0");
	CHECK_EQ(status.u.interdomain.port, UNTOUCHED, "the u fields of a closed port are left");
	CHECK_EQ(close_port(0), -XEN_EINVAL, "closing port 0 is -EINVAL");
	CHECK_EQ(send_port(0), -XEN_EINVAL, "sending on port 0 is -EINVAL");
	CHECK_EQ(bind_vcpu(0, 0), -XEN_EINVAL, "bind_vcpu of port 0 is -EINVAL");
	CHECK_EQ(unmask_port(0), 0, "unmask of port 0 is 0 (unmask takes any known port)");

	CHECK_EQ(port_status(1, &status), 0, "status of port 1 succeeds");
	CHECK_EQ(status.status, EVTCHNSTAT_closed, "port 1 is free at start");
	evtchn_port_t unknown = first_unknown_port();
	printf("the first port status refuses at start: %u\n", unknown);
	CHECK_EQ(unknown, PORTS_PER_BUCKET,
		 "status knows ports 0-63 at start (one bucket): port 64 is -EINVAL");
	CHECK_EQ(close_port(PORTS_PER_BUCKET), -XEN_EINVAL, "closing port 64 is -EINVAL");
	CHECK_EQ(unmask_port(PORTS_PER_BUCKET), -XEN_EINVAL, "unmask of port 64 is -EINVAL");
	CHECK_EQ(unmask_port(PORTS_PER_BUCKET - 1), 0, "unmask of free port 63 is 0");
	CHECK_EQ(close_port(PORTS_PER_BUCKET - 1), -XEN_EINVAL, "closing free port 63 is -EINVAL");
}

static void check_bad_ports(void)
{
	static const evtchn_port_t bad[] = {NR_PORTS, NR_PORTS + 1, 0x7fffffff, 0x80000000,
					    0xffffffff};
	struct evtchn_status status;

	test_section("ports out of range");
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(port_status(bad[i], &status), -XEN_EINVAL,
			 "status of a port past 4095 (or negative) is -EINVAL");
		CHECK_EQ(close_port(bad[i]), -XEN_EINVAL, "close of it is -EINVAL");
		CHECK_EQ(send_port(bad[i]), -XEN_EINVAL, "send on it is -EINVAL");
		CHECK_EQ(unmask_port(bad[i]), -XEN_EINVAL, "unmask of it is -EINVAL");
		CHECK_EQ(bind_vcpu(bad[i], 0), -XEN_EINVAL, "bind_vcpu of it is -EINVAL");
		CHECK_EQ(bind_interdomain(DOMID_SELF, bad[i]), -XEN_EINVAL,
			 "bind_interdomain to it is -EINVAL");
	}
	CHECK_EQ(bind_vcpu(NR_PORTS, nr_vcpus), -XEN_ENOENT,
		 "bind_vcpu checks the vCPU first: a bad port on a bad vCPU is -ENOENT");
}

static void check_unbound(void)
{
	struct evtchn_status status;

	test_section("EVTCHNOP_alloc_unbound");
	fresh_ports();
	long a = alloc_unbound(DOMID_SELF, DOMID_SELF);
	CHECK_EQ(a, 1, "the first port allocated is 1 (port 0 is reserved)");
	long b = alloc_unbound(0, 0);
	CHECK_EQ(b, 2, "dom and remote_dom may be our own id, 0: port 2, lowest free");
	long c = alloc_unbound(DOMID_SELF, NO_SUCH_DOMAIN);
	printf("alloc_unbound with remote_dom %u (no such domain): %ld\n", NO_SUCH_DOMAIN, c);
	CHECK_EQ(c, 3, "remote_dom is not checked: a domain that does not exist is accepted");
	long d = alloc_unbound(DOMID_SELF, DOMID_INVALID);
	CHECK_EQ(d, 4, "nor is a reserved id (DOMID_INVALID)");
	CHECK_EQ(alloc_unbound(NO_SUCH_DOMAIN, DOMID_SELF), -XEN_ESRCH,
		 "dom that does not exist is -ESRCH");
	CHECK_EQ(alloc_unbound(DOMID_XEN, DOMID_SELF), -XEN_ESRCH, "dom DOMID_XEN is -ESRCH");
	CHECK_EQ(alloc_unbound(DOMID_IO, DOMID_SELF), -XEN_ESRCH, "dom DOMID_IO is -ESRCH");

	CHECK_EQ(port_status(a, &status), 0, "status of an unbound port");
	CHECK_EQ(status.status, EVTCHNSTAT_unbound, "is EVTCHNSTAT_unbound");
	CHECK_EQ(status.vcpu, 0, "on vCPU 0");
	CHECK_EQ(status.u.unbound.dom, 0, "remote_dom DOMID_SELF is recorded as our id, 0");
	CHECK_EQ(status.u.interdomain.port, UNTOUCHED, "the rest of u is left as it was");
	port_status(c, &status);
	CHECK_EQ(status.u.unbound.dom, NO_SUCH_DOMAIN, "a missing remote domain is recorded");
	port_status(d, &status);
	CHECK_EQ(status.u.unbound.dom, DOMID_INVALID, "DOMID_INVALID is recorded as given");
	status.dom = 0;
	status.port = (evtchn_port_t)b;
	CHECK_EQ(evtchn_op(EVTCHNOP_status, &status), 0, "status with dom = our id, 0, works");
	CHECK_EQ(status.status, EVTCHNSTAT_unbound, "and gives the same answer");
	status.dom = NO_SUCH_DOMAIN;
	CHECK_EQ(evtchn_op(EVTCHNOP_status, &status), -XEN_ESRCH,
		 "status in a domain that does not exist is -ESRCH");
	status.dom = DOMID_XEN;
	CHECK_EQ(evtchn_op(EVTCHNOP_status, &status), -XEN_ESRCH, "status in DOMID_XEN is -ESRCH");

	clear_port_pending(a);
	CHECK_EQ(send_port(a), 0, "send on an unbound port returns 0");
	CHECK(!port_pending(a), "and the event is dropped: nothing is pending");
	CHECK_EQ(bind_vcpu(a, 0), 0, "bind_vcpu of an unbound port to vCPU 0 is 0");
	if (nr_vcpus > 1) {
		CHECK_EQ(bind_vcpu(a, 1), 0, "bind_vcpu of an unbound port to vCPU 1 is 0");
		port_status(a, &status);
		CHECK_EQ(status.vcpu, 1, "status then says vCPU 1");
		CHECK_EQ(close_port(a), 0, "close it");
		CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), a, "allocate the same port again");
		port_status(a, &status);
		CHECK_EQ(status.vcpu, 0, "closing a port sends it back to vCPU 0");
	}
	CHECK_EQ(bind_vcpu(a, nr_vcpus), -XEN_ENOENT, "bind_vcpu to a vCPU we lack is -ENOENT");

	CHECK_EQ(close_port(b), 0, "closing an unbound port is 0");
	port_status(b, &status);
	CHECK_EQ(status.status, EVTCHNSTAT_closed, "it is closed");
	CHECK_EQ(close_port(b), -XEN_EINVAL, "closing it again (a free port) is -EINVAL");
	CHECK_EQ(send_port(b), -XEN_EINVAL, "sending on a free port is -EINVAL");
	CHECK_EQ(bind_vcpu(b, 0), -XEN_EINVAL, "bind_vcpu of a free port is -EINVAL");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), b, "the freed port is given out again");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), 5, "then the next after the highest");
	for (long port = 1; port <= 5; port++)
		CHECK_EQ(close_port(port), 0, "close ports 1-5");
}

static void check_loopback(void)
{
	struct evtchn_status status;

	test_section("EVTCHNOP_bind_interdomain to our own unbound port");
	fresh_ports();
	long remote = alloc_unbound(DOMID_SELF, DOMID_SELF);
	CHECK_EQ(remote, 1, "an unbound port for ourselves: port 1");
	clear_vcpu_pending();
	long local = bind_interdomain(DOMID_SELF, remote);
	CHECK_EQ(local, 2, "binding to it gives a new local port, the lowest free: 2");
	CHECK(port_pending(local), "the new local port is pending at once");
	CHECK(!port_pending(remote), "the remote port is not");
	CHECK(selector_bit(local) && vcpu0()->evtchn_upcall_pending,
	      "and the local port's event is flagged in vcpu_info as any other");

	CHECK_EQ(port_status(local, &status), 0, "status of the local end");
	CHECK_EQ(status.status, EVTCHNSTAT_interdomain, "is EVTCHNSTAT_interdomain");
	CHECK_EQ(status.u.interdomain.dom, 0, "to domain 0 (us)");
	CHECK_EQ(status.u.interdomain.port, remote, "and the remote port");
	CHECK_EQ(status.vcpu, 0, "on vCPU 0");
	CHECK_EQ(port_status(remote, &status), 0, "status of the remote end");
	CHECK_EQ(status.status, EVTCHNSTAT_interdomain, "is EVTCHNSTAT_interdomain too");
	CHECK_EQ(status.u.interdomain.port, local, "to the local port");

	clear_port_pending(local);
	clear_vcpu_pending();
	CHECK_EQ(send_port(local), 0, "send on the local end");
	CHECK(port_pending(remote), "makes the other end (the remote port) pending");
	CHECK(!port_pending(local), "not the port sent on");
	clear_port_pending(remote);
	CHECK_EQ(send_port(remote), 0, "send on the remote end");
	CHECK(port_pending(local), "makes the local port pending");
	CHECK(!port_pending(remote), "not the remote one");
	clear_port_pending(local);
	clear_vcpu_pending();

	CHECK_EQ(bind_interdomain(DOMID_SELF, remote), -XEN_EINVAL,
		 "binding to a port that is already interdomain is -EINVAL");
	CHECK_EQ(bind_vcpu(local, 0), 0, "bind_vcpu of an interdomain port is 0");

	long other = alloc_unbound(DOMID_SELF, NO_SUCH_DOMAIN);
	CHECK_EQ(other, 3, "an unbound port for another domain: port 3");
	CHECK_EQ(bind_interdomain(DOMID_SELF, other), -XEN_EINVAL,
		 "binding to a port meant for another domain is -EINVAL");
	CHECK_EQ(bind_interdomain(DOMID_SELF, 0), -XEN_EINVAL, "binding to port 0 is -EINVAL");
	CHECK_EQ(bind_interdomain(DOMID_SELF, 4), -XEN_EINVAL, "binding to a free port is -EINVAL");
	CHECK_EQ(bind_interdomain(NO_SUCH_DOMAIN, 1), -XEN_ESRCH,
		 "binding to a domain that does not exist is -ESRCH");
	CHECK_EQ(bind_interdomain(DOMID_XEN, 1), -XEN_ESRCH, "binding to DOMID_XEN is -ESRCH");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), 4,
		 "the failed binds took no port: the next is 4");
	CHECK_EQ(close_port(other), 0, "close port 3");
	CHECK_EQ(close_port(4), 0, "close port 4");

	long second = alloc_unbound(0, 0);
	CHECK_EQ(second, 3, "another unbound port for ourselves, by id: 3");
	long second_local = bind_interdomain(0, second);
	CHECK_EQ(second_local, 4, "bind_interdomain with remote_dom = our id, 0, works too");
	CHECK_EQ(close_port(second_local), 0, "close its local end");
	CHECK_EQ(close_port(second), 0, "and the remote end, now unbound");

	clear_port_pending(remote);
	CHECK_EQ(close_port(local), 0, "closing the local end of the pair is 0");
	CHECK_EQ(port_status(remote, &status), 0, "status of the remote end");
	CHECK_EQ(status.status, EVTCHNSTAT_unbound, "it is unbound again");
	CHECK_EQ(status.u.unbound.dom, 0, "waiting for the domain that closed, 0 (us)");
	CHECK_EQ(send_port(remote), 0, "send on it is 0");
	CHECK(!port_pending(remote) && !port_pending(local), "and is dropped");

	clear_vcpu_pending();
	local = bind_interdomain(DOMID_SELF, remote);
	CHECK_EQ(local, 2, "it can be bound again: local port 2");
	CHECK(port_pending(local), "pending at once again");
	CHECK_EQ(close_port(remote), 0, "closing the remote end instead");
	CHECK_EQ(port_status(local, &status), 0, "status of the local end");
	CHECK_EQ(status.status, EVTCHNSTAT_unbound, "leaves the local end unbound");
	CHECK_EQ(status.u.unbound.dom, 0, "waiting for domain 0");
	CHECK(!port_pending(remote), "the closed port is not pending");
	CHECK(port_pending(local), "the other end keeps its pending bit");

	CHECK_EQ(send_port(local), 0, "make sure the port is pending");
	CHECK_EQ(close_port(local), 0, "close it");
	CHECK(!port_pending(local), "closing a port clears its pending bit");
	clear_vcpu_pending();
}

static void check_ipi(void)
{
	struct evtchn_status status;

	test_section("EVTCHNOP_bind_ipi");
	fresh_ports();
	long ipi = bind_ipi(0);
	CHECK_EQ(ipi, 1, "an IPI port for vCPU 0: port 1");
	CHECK(!port_pending(ipi), "not pending when bound");
	CHECK_EQ(port_status(ipi, &status), 0, "status of an IPI port");
	CHECK_EQ(status.status, EVTCHNSTAT_ipi, "is EVTCHNSTAT_ipi");
	CHECK_EQ(status.vcpu, 0, "on vCPU 0");
	CHECK_EQ(status.u.interdomain.port, UNTOUCHED, "its u fields are left as they were");
	CHECK_EQ(status.u.virq, UNTOUCHED, "all of them");
	CHECK_EQ(send_port(ipi), 0, "send on it");
	CHECK(port_pending(ipi), "makes it pending itself");
	clear_port_pending(ipi);
	clear_vcpu_pending();
	CHECK_EQ(bind_vcpu(ipi, 0), -XEN_EINVAL, "bind_vcpu of an IPI port is -EINVAL");
	CHECK_EQ(bind_ipi(nr_vcpus), -XEN_ENOENT, "an IPI port for a vCPU we lack is -ENOENT");
	CHECK_EQ(bind_ipi(0xffffffff), -XEN_ENOENT, "for vCPU 0xffffffff too");
	if (nr_vcpus > 1) {
		long on_one = bind_ipi(1);
		CHECK_EQ(on_one, 2, "an IPI port for vCPU 1 (down, but it exists)");
		port_status(on_one, &status);
		CHECK_EQ(status.vcpu, 1, "status says vCPU 1");
		CHECK_EQ(close_port(on_one), 0, "close it");
	}
	CHECK_EQ(close_port(ipi), 0, "closing an IPI port is 0");
	CHECK_EQ(send_port(ipi), -XEN_EINVAL, "then send on it is -EINVAL");
}

static bool virq_is_per_vcpu(uint32_t virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

static void check_virqs(void)
{
	long port[NR_VIRQS];
	struct evtchn_status status;

	test_section("EVTCHNOP_bind_virq, every number");
	fresh_ports();
	for (uint32_t virq = 0; virq < NR_VIRQS; virq++) {
		port[virq] = bind_virq(virq, 0);
		CHECK_EQ(port[virq], virq + 1, "dom0 may bind every VIRQ 0-23: ports 1, 2, ...");
	}
	for (uint32_t virq = 0; virq < NR_VIRQS; virq++) {
		long again = bind_virq(virq, 0);
		long on_one = bind_virq(virq, 1);
		long on_none = bind_virq(virq, nr_vcpus);
		printf("VIRQ %2u on vCPU 0: %ld; again: %ld; on vCPU 1: %ld; on vCPU %u: %ld\n",
		       virq, port[virq], again, on_one, nr_vcpus, on_none);
		if (nr_vcpus > 1 && virq_is_per_vcpu(virq)) {
			CHECK(on_one > 0, "a per-vCPU VIRQ binds on vCPU 1 as well: its own port");
			port_status(on_one, &status);
			CHECK_EQ(status.vcpu, 1, "status says vCPU 1");
		}
	}
	/* The bindings on vCPU 1 above succeed for per-vCPU VIRQs when there is a vCPU 1. */
	for (uint32_t virq = 0; virq < NR_VIRQS; virq++) {
		CHECK_EQ(bind_virq(virq, 0), -XEN_EEXIST, "binding a VIRQ twice is -EEXIST");
		if (virq_is_per_vcpu(virq)) {
			CHECK_EQ(bind_virq(virq, nr_vcpus), -XEN_ENOENT,
				 "a per-vCPU VIRQ (0, 1, 7, 13) on a vCPU we lack is -ENOENT");
			CHECK_EQ(bind_vcpu(port[virq], 0), -XEN_EINVAL,
				 "bind_vcpu of a per-vCPU VIRQ's port is -EINVAL");
		} else {
			CHECK_EQ(
				bind_virq(virq, 1), -XEN_EINVAL,
				"a global VIRQ on any vCPU but 0 is -EINVAL, even one that exists");
			CHECK_EQ(bind_virq(virq, nr_vcpus), -XEN_EINVAL,
				 "and on a vCPU we lack -EINVAL too (checked before the vCPU)");
			CHECK_EQ(bind_vcpu(port[virq], 0), 0,
				 "bind_vcpu of a global VIRQ's port is 0");
			CHECK_EQ(bind_vcpu(port[virq], nr_vcpus), -XEN_ENOENT,
				 "and -ENOENT to a vCPU we lack");
		}
		CHECK_EQ(port_status(port[virq], &status), 0, "status of a VIRQ port");
		CHECK_EQ(status.status, EVTCHNSTAT_virq, "is EVTCHNSTAT_virq");
		CHECK_EQ(status.u.virq, virq, "with its VIRQ number");
		CHECK_EQ(status.vcpu, 0, "on vCPU 0");
		CHECK_EQ(send_port(port[virq]), -XEN_EINVAL, "send on a VIRQ port is -EINVAL");
	}
	if (nr_vcpus > 1) {
		long timer1 = bind_virq(VIRQ_TIMER, 1);
		printf("VIRQ_TIMER on vCPU 1 (bound above too): %ld\n", timer1);
		CHECK_EQ(timer1, -XEN_EEXIST, "per-vCPU VIRQs bind once per vCPU: vCPU 1 has one");
		CHECK_EQ(bind_vcpu(port[VIRQ_DOM_EXC], 1), 0, "a global VIRQ moves to vCPU 1");
		port_status(port[VIRQ_DOM_EXC], &status);
		CHECK_EQ(status.vcpu, 1, "status says vCPU 1");
		CHECK_EQ(bind_virq(VIRQ_DOM_EXC, 0), -XEN_EEXIST, "it is still bound (-EEXIST)");
	}
	static const uint32_t bad_virqs[] = {NR_VIRQS, NR_VIRQS + 1, 64, 0x80000000, 0xffffffff};
	for (unsigned int i = 0; i < sizeof(bad_virqs) / sizeof(bad_virqs[0]); i++) {
		CHECK_EQ(bind_virq(bad_virqs[i], 0), -XEN_EINVAL, "VIRQ 24 and above is -EINVAL");
		CHECK_EQ(bind_virq(bad_virqs[i], nr_vcpus), -XEN_EINVAL,
			 "checked before the vCPU: -EINVAL on a vCPU we lack");
	}
	for (uint32_t virq = 0; virq < NR_VIRQS; virq++)
		CHECK_EQ(close_port(port[virq]), 0, "closing a VIRQ port is 0");
	/* Per-vCPU VIRQs bound on vCPU 1 above hold the next ports; a reset closes them. */
	fresh_ports();
	CHECK_EQ(bind_virq(VIRQ_TIMER, 0), 1, "a closed VIRQ can be bound again");
	CHECK_EQ(close_port(1), 0, "and closed");
}

static void check_pirq(void)
{
	long first_invalid = -1;

	test_section("EVTCHNOP_bind_pirq");
	struct evtchn_bind_pirq bind = {.pirq = 0xffffffff};
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_pirq, &bind), -XEN_EINVAL, "PIRQ 0xffffffff is -EINVAL");
	bind.pirq = 1 << 20;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_pirq, &bind), -XEN_EINVAL, "PIRQ 2^20 is -EINVAL");
	bind.pirq = 0;
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_pirq, &bind), -XEN_EPERM,
		 "PIRQ 0 (mapped to no IRQ) is -EPERM");
	/* PIRQs 1-15 are the legacy IRQs Xen maps for dom0 itself: left alone here. */
	unsigned int eperm = 0, other = 0;
	for (uint32_t pirq = 16; pirq < NR_PORTS; pirq++) {
		bind.pirq = pirq;
		long rc = evtchn_op(EVTCHNOP_bind_pirq, &bind);
		if (rc == -XEN_EINVAL && first_invalid < 0)
			first_invalid = pirq;
		if (rc == -XEN_EPERM && first_invalid < 0)
			eperm++;
		else if (rc != -XEN_EINVAL && rc != -XEN_EPERM) {
			printf("bind_pirq %u: %ld\n", pirq, rc);
			other++;
		}
	}
	printf("bind_pirq: PIRQs 16-%ld are -EPERM, from %ld on -EINVAL\n", first_invalid - 1,
	       first_invalid);
	CHECK(first_invalid > 100, "the PIRQs dom0 may name run past 100");
	CHECK_EQ(eperm, first_invalid - 16,
		 "every PIRQ in range but not mapped to an IRQ of ours is -EPERM");
	CHECK_EQ(other, 0, "past the range, every one is -EINVAL");
}

static void check_unmask_bits(void)
{
	volatile struct vcpu_info *vcpu = vcpu0();

	test_section("the bits send and unmask change");
	fresh_ports();
	long ipi = bind_ipi(0);
	CHECK_EQ(ipi, 1, "an IPI port");
	clear_vcpu_pending();
	CHECK_EQ(send_port(ipi), 0, "send on the unmasked port");
	CHECK(port_pending(ipi), "sets its pending bit");
	CHECK(selector_bit(ipi), "its word's bit in evtchn_pending_sel");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 1, "and evtchn_upcall_pending");
	clear_vcpu_pending();
	CHECK_EQ(send_port(ipi), 0, "send again while it is pending");
	CHECK(!selector_bit(ipi) && !vcpu->evtchn_upcall_pending,
	      "changes nothing: a pending port is not flagged again");
	clear_port_pending(ipi);

	__atomic_fetch_or(&vcpu->evtchn_pending_sel, 1UL << (ipi / 64), __ATOMIC_SEQ_CST);
	CHECK_EQ(send_port(ipi), 0, "send with the word's selector bit already set");
	CHECK(port_pending(ipi), "sets the pending bit");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 0,
		 "but not evtchn_upcall_pending: only a selector bit newly set does that");
	clear_port_pending(ipi);
	clear_vcpu_pending();

	set_port_mask(ipi, true);
	CHECK_EQ(send_port(ipi), 0, "send on a masked port");
	CHECK(port_pending(ipi), "sets its pending bit");
	CHECK(!selector_bit(ipi), "but not the selector bit");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 0, "nor evtchn_upcall_pending");
	CHECK_EQ(unmask_port(ipi), 0, "EVTCHNOP_unmask of the pending port");
	CHECK(!port_masked(ipi), "clears its mask bit");
	CHECK(selector_bit(ipi), "sets the selector bit");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 1, "and evtchn_upcall_pending");
	CHECK(port_pending(ipi), "the port stays pending");

	clear_vcpu_pending();
	CHECK_EQ(unmask_port(ipi), 0, "unmask of a pending port that is not masked");
	CHECK(!selector_bit(ipi) && !vcpu->evtchn_upcall_pending,
	      "changes nothing: unmask flags an event only when it clears a mask bit");

	set_port_mask(ipi, true);
	__atomic_fetch_or(&vcpu->evtchn_pending_sel, 1UL << (ipi / 64), __ATOMIC_SEQ_CST);
	CHECK_EQ(unmask_port(ipi), 0, "unmask with the selector bit already set");
	CHECK(!port_masked(ipi), "clears the mask bit");
	CHECK_EQ(vcpu->evtchn_upcall_pending, 0, "but leaves evtchn_upcall_pending clear");
	clear_port_pending(ipi);
	clear_vcpu_pending();

	set_port_mask(ipi, true);
	CHECK_EQ(unmask_port(ipi), 0, "unmask of a masked port that is not pending");
	CHECK(!port_masked(ipi), "clears the mask bit");
	CHECK(!selector_bit(ipi) && !vcpu->evtchn_upcall_pending, "and flags nothing");
	CHECK_EQ(unmask_port(2), 0, "unmask of a free port is 0");

	set_port_mask(ipi, true);
	CHECK_EQ(close_port(ipi), 0, "close a masked port");
	CHECK(port_masked(ipi), "its mask bit stays set");
	CHECK_EQ(bind_ipi(0), ipi, "bind the port again");
	CHECK(port_masked(ipi), "binding leaves the mask bit as it was");
	CHECK_EQ(reset_domain(DOMID_SELF), 0, "EVTCHNOP_reset");
	CHECK(port_masked(ipi), "reset leaves the mask bit as it was too");
	set_port_mask(ipi, false);
}

static void check_reset(void)
{
	struct evtchn_status status;

	test_section("EVTCHNOP_reset");
	fresh_ports();
	long unbound = alloc_unbound(DOMID_SELF, DOMID_SELF);
	long local = bind_interdomain(DOMID_SELF, unbound);
	long ipi = bind_ipi(0);
	long timer = bind_virq(VIRQ_TIMER, 0);
	long console = bind_virq(VIRQ_CON_RING, 0);
	long spare = alloc_unbound(DOMID_SELF, NO_SUCH_DOMAIN);
	CHECK(unbound == 1 && local == 2 && ipi == 3 && timer == 4 && console == 5 && spare == 6,
	      "ports 1-6 of each kind");
	send_port(ipi);
	send_port(local);
	CHECK(port_pending(unbound) && port_pending(local) && port_pending(ipi),
	      "three of them pending");
	clear_vcpu_pending();

	CHECK_EQ(reset_domain(DOMID_SELF), 0, "EVTCHNOP_reset of DOMID_SELF is 0");
	unsigned int closed = 0;
	for (evtchn_port_t port = 0; port <= 6; port++)
		if (port_status(port, &status) == 0 && status.status == EVTCHNSTAT_closed)
			closed++;
	CHECK_EQ(closed, 7, "every port is closed afterwards, port 0 still reads as closed");
	CHECK_EQ(close_port(0), -XEN_EINVAL, "port 0 is still reserved: close is -EINVAL");
	CHECK(!port_pending(unbound) && !port_pending(local) && !port_pending(ipi),
	      "and the pending bits are cleared");
	CHECK(!selector_bit(1) && !vcpu0()->evtchn_upcall_pending, "vcpu_info is not touched");
	CHECK_EQ(bind_virq(VIRQ_TIMER, 0), 1,
		 "the VIRQ bindings are gone: VIRQ_TIMER binds again, to port 1");
	CHECK_EQ(bind_virq(VIRQ_CON_RING, 0), 2, "so does a global VIRQ");
	CHECK_EQ(reset_domain(0), 0, "reset with dom = our own id, 0");
	CHECK_EQ(port_status(1, &status), 0, "works as well");
	CHECK_EQ(status.status, EVTCHNSTAT_closed, "port 1 is closed again");
	CHECK_EQ(reset_domain(NO_SUCH_DOMAIN), -XEN_ESRCH, "reset of a missing domain is -ESRCH");
	CHECK_EQ(reset_domain(DOMID_XEN), -XEN_ESRCH, "reset of DOMID_XEN is -ESRCH");
	struct evtchn_reset reset = {.dom = DOMID_SELF};
	long rc = evtchn_op(EVTCHNOP_reset_cont, &reset);
	printf("EVTCHNOP_reset_cont (14) with no reset under way: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EBUSY, "EVTCHNOP_reset_cont with no reset to continue is -EBUSY");
	CHECK_EQ(evtchn_op(EVTCHNOP_reset_cont, NULL), -XEN_EFAULT,
		 "EVTCHNOP_reset_cont without an argument is -EFAULT");
}

/* Allocate until the table is full, counting; returns the highest port given. */
static void check_limits(void)
{
	struct evtchn_status status;
	long port, highest = 0;
	unsigned int given = 0, in_order = 0;
	evtchn_port_t known_before = 0, known_after = 0;

	test_section("how many ports a domain gets");
	fresh_ports();
	for (;;) {
		port = alloc_unbound(DOMID_SELF, DOMID_SELF);
		if (port < 0)
			break;
		given++;
		in_order += port == highest + 1;
		highest = port;
		if (port == PORTS_PER_BUCKET - 1)
			known_before = first_unknown_port();
		if (port == PORTS_PER_BUCKET)
			known_after = first_unknown_port();
	}
	printf("alloc_unbound gave %u ports, the highest %ld, then %ld\n", given, highest, port);
	CHECK_EQ(port, -XEN_ENOSPC, "allocating past the last port is -ENOSPC");
	CHECK_EQ(highest, NR_PORTS - 1, "the highest port given is 4095");
	CHECK_EQ(given, NR_PORTS - 1, "4095 ports in all: 1-4095");
	CHECK_EQ(in_order, given, "each the lowest free one");
	CHECK_EQ(known_before, PORTS_PER_BUCKET, "with ports 1-63 taken, status still refuses 64");
	CHECK_EQ(known_after, 2 * PORTS_PER_BUCKET,
		 "taking port 64 makes ports up to 127 known: they grow 64 at a time");

	CHECK_EQ(bind_ipi(0), -XEN_ENOSPC, "bind_ipi when full is -ENOSPC");
	CHECK_EQ(bind_virq(VIRQ_TIMER, 0), -XEN_ENOSPC, "bind_virq when full is -ENOSPC");
	CHECK_EQ(bind_interdomain(DOMID_SELF, 1), -XEN_ENOSPC,
		 "bind_interdomain when full is -ENOSPC");
	CHECK_EQ(bind_interdomain(DOMID_SELF, 0), -XEN_ENOSPC,
		 "-ENOSPC even to a bad remote port: the local port is taken first");
	CHECK_EQ(bind_interdomain(NO_SUCH_DOMAIN, 1), -XEN_ESRCH,
		 "but the remote domain is looked up before that: -ESRCH");

	CHECK_EQ(close_port(3000), 0, "close port 3000");
	CHECK_EQ(close_port(100), 0, "then port 100");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), 100, "the lowest free port comes first");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), 3000, "then the next");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), -XEN_ENOSPC, "then none");

	CHECK_EQ(reset_domain(DOMID_SELF), 0, "reset closes all 4095");
	CHECK_EQ(port_status(NR_PORTS - 1, &status), 0,
		 "port 4095 stays known after the reset (ports are never given back)");
	CHECK_EQ(status.status, EVTCHNSTAT_closed, "and is closed");
	CHECK_EQ(alloc_unbound(DOMID_SELF, DOMID_SELF), 1, "allocation starts at 1 again");
	CHECK_EQ(close_port(1), 0, "close it");
}

static void check_bad_pointers(void)
{
	test_section("bad pointers and unknown commands");
	fresh_ports();
	for (int cmd = EVTCHNOP_bind_interdomain; cmd <= EVTCHNOP_reset_cont; cmd++)
		for (unsigned int b = 0; b < nr_bad_addresses; b++)
			CHECK_EQ(evtchn_op(cmd, (void *)bad_addresses[b].address), -XEN_EFAULT,
				 "every command 0-14 with a hostile argument is -EFAULT");
	static const int unknown[] = {15, 16, 99, 0x7fffffff, -1};
	for (unsigned int i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		struct evtchn_status status = {.dom = DOMID_SELF, .port = 1};
		CHECK_EQ(evtchn_op(unknown[i], &status), -XEN_ENOSYS,
			 "an unknown command is -ENOSYS");
		CHECK_EQ(evtchn_op(unknown[i], NULL), -XEN_ENOSYS, "before its argument is read");
	}

	/* The read-only page holds zeros: dom 0, remote_dom 0, vCPU 0, port 0. */
	struct evtchn_status status;
	void *read_only = read_only_page();
	CHECK_EQ(evtchn_op(EVTCHNOP_alloc_unbound, read_only), -XEN_EFAULT,
		 "alloc_unbound with a read-only argument is -EFAULT");
	CHECK_EQ(port_status(1, &status), 0, "but the port was allocated all the same");
	CHECK_EQ(status.status, EVTCHNSTAT_unbound, "port 1 is unbound");
	CHECK_EQ(evtchn_op(EVTCHNOP_bind_ipi, read_only), -XEN_EFAULT,
		 "bind_ipi with a read-only argument is -EFAULT");
	port_status(2, &status);
	CHECK_EQ(status.status, EVTCHNSTAT_ipi, "and port 2 is bound as an IPI all the same");
	CHECK_EQ(evtchn_op(EVTCHNOP_status, read_only), -XEN_EFAULT,
		 "status with a read-only argument is -EFAULT");
	CHECK_EQ(evtchn_op(EVTCHNOP_send, read_only), -XEN_EINVAL,
		 "send only reads its argument: port 0 from a read-only page is -EINVAL");
	CHECK_EQ(evtchn_op(EVTCHNOP_unmask, read_only), 0,
		 "unmask only reads its argument: port 0 from a read-only page is 0");
	CHECK_EQ(reset_domain(DOMID_SELF), 0, "reset");
}

/* The old hypercall: struct evtchn_op, the command inside. */
static long compat(struct evtchn_op *op)
{
	return hypercall(__HYPERVISOR_event_channel_op_compat, (unsigned long)op, 0, 0, 0, 0);
}

static void check_compat(void)
{
	struct evtchn_op op;

	test_section("event_channel_op_compat (16)");
	fresh_ports();
	memset(&op, 0, sizeof(op));
	op.cmd = EVTCHNOP_alloc_unbound;
	op.u.alloc_unbound.dom = DOMID_SELF;
	op.u.alloc_unbound.remote_dom = DOMID_SELF;
	CHECK_EQ(compat(&op), 0, "alloc_unbound through the compat hypercall");
	CHECK_EQ(op.u.alloc_unbound.port, 1, "writes the port into the struct evtchn_op");
	evtchn_port_t unbound = op.u.alloc_unbound.port;

	op = (struct evtchn_op){.cmd = EVTCHNOP_bind_interdomain};
	op.u.bind_interdomain.remote_dom = DOMID_SELF;
	op.u.bind_interdomain.remote_port = unbound;
	CHECK_EQ(compat(&op), 0, "bind_interdomain");
	CHECK_EQ(op.u.bind_interdomain.local_port, 2, "local port 2");

	op = (struct evtchn_op){.cmd = EVTCHNOP_status};
	op.u.status.dom = DOMID_SELF;
	op.u.status.port = 2;
	CHECK_EQ(compat(&op), 0, "status");
	CHECK_EQ(op.u.status.status, EVTCHNSTAT_interdomain, "says interdomain");
	CHECK_EQ(op.u.status.u.interdomain.port, unbound, "to the port allocated");

	op = (struct evtchn_op){.cmd = EVTCHNOP_bind_ipi};
	CHECK_EQ(compat(&op), 0, "bind_ipi");
	CHECK_EQ(op.u.bind_ipi.port, 3, "port 3");
	clear_port_pending(3);
	op = (struct evtchn_op){.cmd = EVTCHNOP_send};
	op.u.send.port = 3;
	CHECK_EQ(compat(&op), 0, "send");
	CHECK(port_pending(3), "makes the IPI port pending");
	op = (struct evtchn_op){.cmd = EVTCHNOP_bind_virq};
	op.u.bind_virq.virq = VIRQ_DEBUG;
	CHECK_EQ(compat(&op), 0, "bind_virq");
	CHECK_EQ(op.u.bind_virq.port, 4, "port 4");
	op = (struct evtchn_op){.cmd = EVTCHNOP_bind_vcpu};
	op.u.bind_vcpu.port = 1;
	CHECK_EQ(compat(&op), 0, "bind_vcpu");
	op = (struct evtchn_op){.cmd = EVTCHNOP_unmask};
	op.u.unmask.port = 3;
	CHECK_EQ(compat(&op), 0, "unmask");
	op = (struct evtchn_op){.cmd = EVTCHNOP_bind_pirq};
	op.u.bind_pirq.pirq = 0xffffffff;
	CHECK_EQ(compat(&op), -XEN_EINVAL, "bind_pirq: the same errors");
	op = (struct evtchn_op){.cmd = EVTCHNOP_close};
	op.u.close.port = 3;
	CHECK_EQ(compat(&op), 0, "close");
	CHECK_EQ(compat(&op), -XEN_EINVAL, "closing it again is -EINVAL");

	static const uint32_t not_there[] = {EVTCHNOP_reset,	    EVTCHNOP_init_control,
					     EVTCHNOP_expand_array, EVTCHNOP_set_priority,
					     EVTCHNOP_reset_cont,   99};
	for (unsigned int i = 0; i < sizeof(not_there) / sizeof(not_there[0]); i++) {
		op = (struct evtchn_op){.cmd = not_there[i]};
		op.u.status.dom = DOMID_SELF;
		long rc = compat(&op);
		printf("compat command %u: %ld\n", not_there[i], rc);
		CHECK_EQ(rc, -XEN_ENOSYS,
			 "the compat hypercall knows commands 0-9 only: reset (10) and later are "
			 "-ENOSYS");
	}
	struct evtchn_status status;
	port_status(1, &status);
	CHECK_EQ(status.status, EVTCHNSTAT_interdomain, "so the compat reset closed nothing");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(compat((struct evtchn_op *)bad_addresses[b].address), -XEN_EFAULT,
			 "a hostile struct evtchn_op is -EFAULT");
	CHECK_EQ(reset_domain(DOMID_SELF), 0, "reset");
}

/*
 * The FIFO ABI's commands. Parvus answers -ENOSYS to all three (it offers the 2-level ABI
 * only, which guests fall back to), so each check takes Xen's answer or -ENOSYS, and the
 * log shows what Xen said. Last of all: a successful init_control leaves the 2-level ABI
 * until EVTCHNOP_reset.
 */
static void check_fifo_answer(long rc, long xen, const char *what)
{
	printf("  %s: %ld\n", what, rc);
	CHECK(rc == xen || rc == -XEN_ENOSYS, what);
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *link_bits)
{
	struct evtchn_init_control init = {.control_gfn = gfn, .offset = offset, .vcpu = vcpu};
	long rc = evtchn_op(EVTCHNOP_init_control, &init);
	*link_bits = init.link_bits;
	return rc;
}

static long expand_array(uint64_t gfn)
{
	struct evtchn_expand_array expand = {.array_gfn = gfn};
	return evtchn_op(EVTCHNOP_expand_array, &expand);
}

static long set_priority(evtchn_port_t port, uint32_t priority)
{
	struct evtchn_set_priority set = {.port = port, .priority = priority};
	return evtchn_op(EVTCHNOP_set_priority, &set);
}

static void check_fifo(void)
{
	uint8_t link_bits;
	void *control = scratch_page(0), *array = scratch_page(1);

	test_section("the FIFO commands (Xen's answer, or -ENOSYS)");
	fresh_ports();
	memset(control, 0, PAGE_SIZE);
	memset(array, 0, PAGE_SIZE);
	long ipi = bind_ipi(0);
	CHECK_EQ(ipi, 1, "an IPI port");
	CHECK_EQ(set_priority(ipi, EVTCHN_FIFO_PRIORITY_DEFAULT), -XEN_ENOSYS,
		 "set_priority under the 2-level ABI is -ENOSYS");
	check_fifo_answer(set_priority(NR_PORTS, EVTCHN_FIFO_PRIORITY_DEFAULT), -XEN_EINVAL,
			  "set_priority of port 4096 is -EINVAL");
	check_fifo_answer(expand_array(virt_to_mfn(array)), -XEN_EOPNOTSUPP,
			  "expand_array before init_control is -EOPNOTSUPP");
	unsigned long gfn = virt_to_mfn(control);
	check_fifo_answer(init_control(gfn, 0, nr_vcpus, &link_bits), -XEN_ENOENT,
			  "init_control for a vCPU we lack is -ENOENT");
	check_fifo_answer(init_control(gfn, 4, 0, &link_bits), -XEN_EINVAL,
			  "init_control at an offset not 8-byte aligned is -EINVAL");
	check_fifo_answer(init_control(gfn, PAGE_SIZE - 64, 0, &link_bits), -XEN_EINVAL,
			  "init_control with a control block crossing the page is -EINVAL");
	check_fifo_answer(init_control(~0UL >> 12, 0, 0, &link_bits), -XEN_EINVAL,
			  "init_control on a frame not ours is -EINVAL");
	CHECK_EQ(set_priority(ipi, EVTCHN_FIFO_PRIORITY_DEFAULT), -XEN_ENOSYS,
		 "still the 2-level ABI after failed init_controls");

	long rc = init_control(gfn, 0, 0, &link_bits);
	check_fifo_answer(rc, 0, "init_control with a page of ours");
	if (rc == 0) {
		CHECK_EQ(link_bits, EVTCHN_FIFO_LINK_BITS, "gives link_bits 17");
		check_fifo_answer(init_control(gfn, 0, 0, &link_bits), -XEN_EINVAL,
				  "init_control again for the same vCPU is -EINVAL");
		check_fifo_answer(set_priority(ipi, EVTCHN_FIFO_PRIORITY_DEFAULT), 0,
				  "set_priority of a bound port is 0 under the FIFO ABI");
		check_fifo_answer(expand_array(virt_to_mfn(array)), 0,
				  "expand_array with a page of ours is 0");
		check_fifo_answer(set_priority(ipi, 3), 0, "set_priority 3 is 0 then");
		check_fifo_answer(set_priority(ipi, EVTCHN_FIFO_MAX_QUEUES), -XEN_EINVAL,
				  "set_priority 16 is -EINVAL");
		CHECK_EQ(reset_domain(DOMID_SELF), 0, "EVTCHNOP_reset");
		CHECK_EQ(bind_ipi(0), 1, "bind an IPI port again");
		CHECK_EQ(set_priority(1, EVTCHN_FIFO_PRIORITY_DEFAULT), -XEN_ENOSYS,
			 "and set_priority is -ENOSYS: the 2-level ABI is back");
	}
	fresh_ports();
}

void guest_main(const struct start_info *si)
{
	(void)si;
	nr_vcpus = count_vcpus();
	printf("dom0 has %u vCPU(s)\n", nr_vcpus);
	/* VIRQ_TIMER fires only when a test asks: no periodic timer. */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);

	check_port_zero();
	check_bad_ports();
	check_unbound();
	check_loopback();
	check_ipi();
	check_virqs();
	check_pirq();
	check_unmask_bits();
	check_reset();
	check_bad_pointers();
	check_compat();
	check_limits();
	check_upcalls();
	check_fifo();
	test_finish("event_channel");
}
