/*
 * A benchmark kernel, not a test: the round trip of an event over an event channel, one side
 * sending and the other waiting in SCHEDOP_poll and answering, on Parvus or on Xen, unchanged.
 * tests/bench/evtchn-compare boots it as dom0 of both; `make bench-evtchn` runs that.
 *
 *   interdomain  dom0 builds the child test kernel (tests/guests/child, module 2) into a
 *                domain of its own with domctl (common/toolstack/pv_build.c), as the builder
 *                test does, and plays ping-pong with it over an interdomain channel; the
 *                child answers each event in its CHILD_PING loop (builder/child_page.h).
 *   ipi          dom0's vCPU 0 plays ping-pong with its own vCPU 1 over two IPI ports
 *                (EVTCHNOP_bind_ipi), as the smp test does; needs dom0_max_vcpus=2.
 *   self         the same hypercalls without anyone to switch to: EVTCHNOP_send on an IPI
 *                port of vCPU 0's own, then SCHEDOP_poll on it, which returns at once.
 *
 * Each runs on the words of the command line naming it (self always runs). A round times
 * ITERATIONS round trips with the PV clock (vCPU 0's vcpu_time_info); the figures are the
 * median and the fastest of ROUNDS rounds, after a warm-up. Waiting never reads the clock on
 * the way: the poll's own timeout ends a stalled round, and only then is the clock read.
 * Every line for a harness starts with "bench "; "test_pass=reboot" on the command line makes
 * the kernel end by rebooting (Xen halts the machine when dom0 powers off).
 */
#include <stdio.h>
#include <string.h>
#include <parvus/control.h>
#include <parvus/guest.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <parvus/pv_build.h>
#include "../builder/child_page.h"
#include "event_wait.h"
#include "guest_time.h"

#define WARMUP 1000UL
#define ITERATIONS 10000UL
#define ROUNDS 5
#define ROUND_LIMIT MS(60000) /* guest time for one round: beyond it, something is stuck */

#define CHILD_PAGES 2048 /* 8 MiB, as the builder test gives it */
#define CHILD_GREF 10	 /* past the entries Xen's toolstack keeps for itself */
#define SECONDARY 1	 /* dom0's second vCPU */
#define STACK_SIZE (4 * PAGE_SIZE)
#define UNUSED_VECTOR 0xf0 /* its stub reports and crashes: no event callback is expected */

static unsigned long errors;

/* One SCHEDOP_poll on port, until the absolute system time deadline (0: none). */
static void poll(evtchn_port_t port, uint64_t deadline)
{
	struct sched_poll poll = {.nr_ports = 1, .timeout = deadline};

	set_xen_guest_handle(poll.ports, &port);
	HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
}

/*
 * count round trips: send on out, then take the answer on in, polling while it has not come.
 * The clock is read only when a poll returns without the answer: false once deadline passed.
 */
static bool ping_pong(evtchn_port_t out, evtchn_port_t in, unsigned long count, uint64_t deadline)
{
	for (unsigned long i = 0; i < count; i++) {
		if (event_send(out) != 0)
			errors++;
		if (event_take(in))
			continue;
		poll(in, deadline);
		while (!event_take(in)) {
			if (guest_now_ns() >= deadline)
				return false;
			poll(in, deadline);
		}
	}
	return true;
}

/* The same hypercalls with no one to switch to: out and in are one port of our own. */
static bool send_poll_self(evtchn_port_t out, evtchn_port_t in, unsigned long count,
			   uint64_t deadline)
{
	for (unsigned long i = 0; i < count; i++) {
		if (event_send(out) != 0)
			errors++;
		poll(in, deadline); /* returns at once: the port is pending */
		if (!event_take(in))
			errors++;
	}
	return true;
}

static uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t swap = v[j];
			v[j] = v[j - 1];
			v[j - 1] = swap;
		}
	return v[n / 2];
}

/* Print " name=total/count" with two decimals, rounded. */
static void print_per(const char *name, uint64_t total, unsigned long count)
{
	uint64_t hundredths = (total * 100 + count / 2) / count;

	printf(" %s=%lu.%02lu", name, hundredths / 100, hundredths % 100);
}

/*
 * Time a game: a warm-up, then ROUNDS rounds of ITERATIONS, each round trip being
 * play(out, in, ...). Prints "bench NAME ..." and returns whether every round finished.
 */
static bool time_game(const char *name,
		      bool (*play)(evtchn_port_t, evtchn_port_t, unsigned long, uint64_t),
		      evtchn_port_t out, evtchn_port_t in)
{
	uint64_t ns[ROUNDS];

	/* Under TCG the first pass also translates the code on both sides. */
	if (!play(out, in, WARMUP, guest_now_ns() + ROUND_LIMIT)) {
		printf("bench %s: the warm-up stalled\n", name);
		return false;
	}
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t start = guest_now_ns();

		if (!play(out, in, ITERATIONS, start + ROUND_LIMIT)) {
			printf("bench %s: round %d stalled\n", name, round);
			return false;
		}
		ns[round] = guest_now_ns() - start;
		printf("bench round=%d game=%s", round, name);
		print_per("ns_per_round_trip", ns[round], ITERATIONS);
		printf("\n");
	}
	uint64_t m = median(ns, ROUNDS); /* sorts: the fastest is then ns[0] */

	printf("bench %s round_trips=%lu", name, ITERATIONS);
	print_per("ns_per_round_trip", m, ITERATIONS);
	print_per("best_ns_per_round_trip", ns[0], ITERATIONS);
	printf("\n");
	return true;
}

static evtchn_port_t bind_ipi(uint32_t vcpu)
{
	struct evtchn_bind_ipi bind = {.vcpu = vcpu};
	long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &bind);

	if (rc != 0)
		guest_crash("EVTCHNOP_bind_ipi to vCPU %u: %ld", vcpu, rc);
	return bind.port;
}

static void bench_self(void)
{
	evtchn_port_t port = bind_ipi(0);

	if (!time_game("self", send_poll_self, port, port))
		errors++;
}

/* --- interdomain: dom0 and the child ------------------------------------------------- */

static uint8_t build_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t grant_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t not_for_the_child[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static xen_pfn_t child_p2m[CHILD_PAGES];

static bool build_child(const struct start_info *si, struct pv_build *build, evtchn_port_t *port)
{
	struct pv_build_config config = {
		.kernel = (const void *)si->mod_start,
		.kernel_size = si->mod_len,
		.nr_pages = CHILD_PAGES,
		.max_vcpus = 1,
		.p2m = child_p2m,
		.window = build_window,
		.handle = {0xbe, 0x4c, 0x40},
		.max_grant_frames = 4,
		.max_maptrack_frames = 16,
	};
	char cmdline[96];

	if (!si->mod_start || !si->mod_len) {
		printf("bench interdomain: no child kernel (module 2)\n");
		return false;
	}
	if (pv_build_create(build, &config) != 0)
		goto failed;
	long allocated = evtchn_alloc_unbound(build->domid);
	if (allocated <= 0) {
		printf("bench interdomain: EVTCHNOP_alloc_unbound: %ld\n", allocated);
		return false;
	}
	*port = (evtchn_port_t)allocated;
	/* The child's command line: our port, its grant, a frame of ours it must fail to map. */
	snprintf(cmdline, sizeof(cmdline), "evtchn=%u gref=%u foreign_mfn=%lu", *port, CHILD_GREF,
		 virt_to_mfn(not_for_the_child));
	if (pv_build_boot(build, cmdline) != 0)
		goto failed;
	return true;
failed:
	printf("bench interdomain: building the child failed at %s: %ld %s\n", build->failed,
	       build->error, build->why);
	return false;
}

static void bench_interdomain(const struct start_info *si)
{
	static struct pv_build build;
	evtchn_port_t port;
	struct gnttab_map_grant_ref map = {
		.host_addr = (uint64_t)grant_window, .flags = GNTMAP_host_map, .ref = CHILD_GREF};

	if (!build_child(si, &build, &port)) {
		errors++;
		pv_build_abort(&build);
		return;
	}
	map.dom = build.domid;
	/* The child's first event says it bound our port and granted its page. */
	if (domain_unpause(build.domid) != 0 || !event_wait(port, guest_now_ns() + MS(5000)) ||
	    HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1) != 0 ||
	    map.status != GNTST_okay) {
		printf("bench interdomain: the child did not start (map status %d)\n", map.status);
		errors++;
		pv_build_abort(&build);
		return;
	}
	volatile struct child_page *page = (volatile struct child_page *)grant_window;

	page->command = CHILD_PING;
	uint64_t pongs = page->pongs;

	if (!time_game("interdomain", ping_pong, port, port))
		errors++;
	uint64_t played = WARMUP + ROUNDS * ITERATIONS;

	printf("bench interdomain: the child answered %lu of %lu pings\n", page->pongs - pongs,
	       played);
	if (page->pongs - pongs != played)
		errors++;

	struct gnttab_unmap_grant_ref unmap = {.host_addr = (uint64_t)grant_window,
					       .handle = map.handle};
	if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1) != 0 ||
	    unmap.status != GNTST_okay)
		errors++;
	if (pv_build_abort(&build) != 0)
		errors++;
}

/* --- ipi: dom0's two vCPUs ------------------------------------------------------------- */

static char secondary_stack[STACK_SIZE] __attribute__((aligned(PAGE_SIZE)));
static struct vcpu_guest_context context __attribute__((aligned(16)));
static evtchn_port_t ipi_port[2]; /* ipi_port[v] is bound to vCPU v: a send wakes v */
static volatile uint64_t answered;

/* vCPU 1, events masked: answer each ping on its port with a send on vCPU 0's, for ever. */
static __attribute__((noreturn)) void secondary_main(void)
{
	for (;;) {
		while (!event_take(ipi_port[SECONDARY]))
			poll(ipi_port[SECONDARY], 0);
		answered++;
		event_send(ipi_port[0]);
	}
}

/* Start vCPU 1 at secondary_main, on our page tables and trap table, as Linux would. */
static bool start_secondary(void)
{
	unsigned long top = (unsigned long)secondary_stack + STACK_SIZE;
	long rc;

	memset(&context, 0, sizeof(context));
	context.flags = VGCF_in_kernel;
	context.user_regs.rip = (unsigned long)secondary_main;
	context.user_regs.rsp = top - 8; /* as after a call: the ABI's alignment */
	context.user_regs.cs = FLAT_KERNEL_CS;
	context.user_regs.ss = FLAT_KERNEL_SS;
	for (unsigned int vector = 0; vector < 32; vector++) {
		unsigned int dpl = vector == TRAP_int3 || vector == TRAP_overflow ? 3 : 0;

		context.trap_ctxt[vector].vector = (uint8_t)vector;
		context.trap_ctxt[vector].flags = (uint8_t)TRAP_INFO_DPL(dpl);
		context.trap_ctxt[vector].cs = FLAT_KERNEL_CS;
		context.trap_ctxt[vector].address = trap_entry_address(vector);
	}
	context.kernel_ss = FLAT_KERNEL_SS;
	context.kernel_sp = top;
	context.ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn((const void *)guest_start_info->pt_base));
	/* vCPU 1 keeps events masked (as it starts): the callbacks are never entered. */
	context.event_callback_eip = trap_entry_address(UNUSED_VECTOR);
	context.failsafe_callback_eip = trap_entry_address(UNUSED_VECTOR);

	rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, SECONDARY, &context);
	if (rc == 0)
		rc = HYPERVISOR_vcpu_op(VCPUOP_up, SECONDARY, NULL);
	if (rc != 0)
		printf("bench ipi: vCPU 1 does not start (%ld); dom0_max_vcpus=2?\n", rc);
	return rc == 0;
}

static void bench_ipi(void)
{
	ipi_port[0] = bind_ipi(0);
	ipi_port[SECONDARY] = bind_ipi(SECONDARY);
	if (!start_secondary()) {
		errors++;
		return;
	}
	if (!time_game("ipi", ping_pong, ipi_port[SECONDARY], ipi_port[0]))
		errors++;
	uint64_t played = WARMUP + ROUNDS * ITERATIONS;

	printf("bench ipi: vCPU 1 answered %lu of %lu pings\n", answered, played);
	if (answered != played)
		errors++;
}

void guest_main(const struct start_info *si)
{
	char extra[sizeof(xen_extraversion_t)] = "";
	long version = HYPERVISOR_xen_version(XENVER_version, NULL);
	const struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;

	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = 0;
	printf("bench info version=%ld.%ld%s tsc_to_system_mul=%u tsc_shift=%d\n", version >> 16,
	       version & 0xffff, extra, t->tsc_to_system_mul, t->tsc_shift);

	bench_self();
	if (guest_cmdline_has("interdomain"))
		bench_interdomain(si);
	if (guest_cmdline_has("ipi"))
		bench_ipi();
	printf("bench errors=%lu\nbench done\n", errors);
	if (errors)
		guest_crash("%lu errors in the event-channel benchmark", errors);
	if (guest_cmdline_has("test_pass=reboot"))
		guest_shutdown(SHUTDOWN_reboot);
	guest_poweroff();
}
