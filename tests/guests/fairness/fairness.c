/*
 * fairness: how the scheduler shares one CPU between busy domains, as the toolstack sets their
 * credit2 weights and caps with XEN_DOMCTL_scheduler_op. dom0 builds three children from
 * module 2 (tests/guests/child, which counts for ever with "spin" on its command line), gives
 * them weights 256, 256 and 512, and measures the CPU time each gets (getdomaininfo's
 * cpu_time) while it sleeps itself: 25, 25 and 50 %, each within 5 points. Then one child is
 * capped at 20 % of a CPU, beside a busy uncapped one and alone (the CPU then idles), and cap
 * 0 frees it again. Before that, what putinfo and getinfo answer (defaults, weight 0, the cap
 * limit of 100 per vCPU, bad arguments), as Xen 4.17 with credit2 does.
 *
 * Meant for one physical CPU, which all four domains share:
 *
 *     tests/guests/on-xen fairness --ramdisk build/guests/child.elf --smp 1
 */
#include <stdio.h>
#include <string.h>
#include <parvus/control.h>
#include <parvus/foreign_map.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <parvus/pv_build.h>
#include <public/errno.h>
#include <public/io/console.h>
#include "event_wait.h"
#include "guest_lib.h"
#include "guest_time.h"

#define CHILDREN 3
#define CHILD_PAGES 1024 /* 4 MiB each */
#define DEFAULT_WEIGHT 256
#define SHARES_MS 2000 /* the window for the weighted shares */
#define CAP_MS 1000    /* and for each cap case */
#define SETTLE_MS 100  /* after a change, before a window opens */
#define TOLERANCE 50   /* per mille: 5 points */
#define MIN_BUSY 900   /* per mille of a window the busy children must fill together */
#define CAP 20	       /* percent of a CPU */
#define MISSING_DOMAIN 0x7fef

static uint8_t build_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t console_window[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static xen_pfn_t child_p2m[CHILDREN][CHILD_PAGES];
static struct pv_build builds[CHILDREN];
static domid_t child[CHILDREN];

static bool build_children(const struct start_info *si)
{
	test_section("building three children that spin");
	if (!CHECK(si->mod_start && si->mod_len, "the child's kernel is module 2"))
		return false;
	for (unsigned int i = 0; i < CHILDREN; i++) {
		struct pv_build_config config = {
			.kernel = (const void *)si->mod_start,
			.kernel_size = si->mod_len,
			.nr_pages = CHILD_PAGES,
			.max_vcpus = 1,
			.p2m = child_p2m[i],
			.window = build_window,
			.handle = {0xfa, 0x1e, (uint8_t)i},
			.max_grant_frames = 1,
			.max_maptrack_frames = 1,
		};
		struct pv_build *b = &builds[i];

		if (!CHECK_EQ(pv_build_create(b, &config), 0, "pv_build_create") ||
		    !CHECK_EQ(pv_build_boot(b, "spin"), 0, "pv_build_boot with \"spin\"")) {
			printf("child %u: failed at %s: %ld %s\n", i, b->failed, b->error, b->why);
			return false;
		}
		child[i] = b->domid;
		printf("child %u: domain %u\n", i, child[i]);
	}
	return true;
}

/* Copy what child i wrote to its console ring so far into text (NUL-terminated). */
static void read_console(unsigned int i, char *text, size_t size)
{
	text[0] = '\0';
	if (foreign_map(console_window, child[i], builds[i].console_mfn, false) != 0)
		return;
	const struct xencons_interface *ring = (const void *)console_window;
	XENCONS_RING_IDX producer = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX consumer = ring->out_cons;
	size_t used = 0;

	if (producer - consumer > sizeof(ring->out))
		consumer = producer - sizeof(ring->out);
	while (consumer != producer && used < size - 1)
		text[used++] = ring->out[MASK_XENCONS_IDX(consumer++, ring->out)];
	text[used] = '\0';
	foreign_unmap(console_window);
}

static long scheduler_op(domid_t domain, uint32_t sched_id, uint32_t cmd)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.scheduler_op.sched_id = sched_id;
	op.u.scheduler_op.cmd = cmd;
	return domctl(&op, XEN_DOMCTL_scheduler_op, domain);
}

/* Check that domain's parameters read back as weight and cap. */
static void check_params(domid_t domain, uint16_t weight, uint16_t cap, const char *what)
{
	uint16_t got_weight = 0, got_cap = 0;
	char text[120];

	snprintf(text, sizeof(text), "%s: getinfo", what);
	CHECK_EQ(domain_sched_credit2_get(domain, &got_weight, &got_cap), 0, text);
	snprintf(text, sizeof(text), "%s: weight %u", what, weight);
	CHECK_EQ(got_weight, weight, text);
	snprintf(text, sizeof(text), "%s: cap %u", what, cap);
	CHECK_EQ(got_cap, cap, text);
}

static void check_parameters(void)
{
	test_section("credit2 weight and cap: putinfo and getinfo");
	for (unsigned int i = 0; i < CHILDREN; i++)
		check_params(child[i], DEFAULT_WEIGHT, 0, "a new domain");
	check_params(0, DEFAULT_WEIGHT, 0, "dom0");

	domid_t d = child[2];
	CHECK_EQ(domain_sched_credit2_set(d, 512, 0), 0, "putinfo weight 512");
	check_params(d, 512, 0, "after weight 512");
	CHECK_EQ(domain_sched_credit2_set(d, 0, 0), 0, "putinfo weight 0");
	check_params(d, 512, 0, "weight 0 leaves the weight as it was");
	CHECK_EQ(domain_sched_credit2_set(d, 65535, 0), 0, "putinfo weight 65535");
	check_params(d, 65535, 0, "the largest weight");
	CHECK_EQ(domain_sched_credit2_set(d, 1, 0), 0, "putinfo weight 1");
	check_params(d, 1, 0, "the smallest weight");

	d = child[0];
	CHECK_EQ(domain_sched_credit2_set(d, 0, 100), 0, "cap 100: one whole CPU, one vCPU");
	check_params(d, DEFAULT_WEIGHT, 100, "capped at 100");
	CHECK_EQ(domain_sched_credit2_set(d, 0, 101), -XEN_EINVAL,
		 "cap 101 with one vCPU: -EINVAL (at most 100 per vCPU)");
	check_params(d, DEFAULT_WEIGHT, 100, "the refused cap changed nothing");
	CHECK_EQ(domain_sched_credit2_set(d, 0, 0), 0, "cap 0");
	check_params(d, DEFAULT_WEIGHT, 0, "cap 0 removes the cap");
	CHECK_EQ(domain_sched_credit2_set(d, 300, 65535), -XEN_EINVAL,
		 "weight 300 with cap 65535: -EINVAL");
	check_params(d, 300, 0,
		     "but the weight is set all the same (credit2 sets it before it checks the "
		     "cap)");
	CHECK_EQ(domain_sched_credit2_set(d, DEFAULT_WEIGHT, 0), 0, "weight back to 256");

	CHECK_EQ(scheduler_op(d, XEN_SCHEDULER_CREDIT, XEN_DOMCTL_SCHEDOP_getinfo), -XEN_EINVAL,
		 "getinfo for credit (not the domain's scheduler): -EINVAL");
	CHECK_EQ(scheduler_op(d, XEN_SCHEDULER_RTDS, XEN_DOMCTL_SCHEDOP_putinfo), -XEN_EINVAL,
		 "putinfo for RTDS: -EINVAL");
	CHECK_EQ(scheduler_op(d, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_getvcpuinfo),
		 -XEN_EINVAL, "getvcpuinfo (credit2 has no per-vCPU parameters): -EINVAL");
	CHECK_EQ(scheduler_op(d, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_putvcpuinfo),
		 -XEN_EINVAL, "putvcpuinfo: -EINVAL");
	CHECK_EQ(scheduler_op(d, XEN_SCHEDULER_CREDIT2, 4), -XEN_EINVAL,
		 "an unknown command: -EINVAL");
	CHECK_EQ(scheduler_op(MISSING_DOMAIN, XEN_SCHEDULER_CREDIT2, XEN_DOMCTL_SCHEDOP_getinfo),
		 -XEN_ESRCH, "a domain that does not exist: -ESRCH");

	test_section("weights 1:1:2");
	CHECK_EQ(domain_sched_credit2_set(child[0], 256, 0), 0, "child 0: weight 256");
	CHECK_EQ(domain_sched_credit2_set(child[1], 256, 0), 0, "child 1: weight 256");
	CHECK_EQ(domain_sched_credit2_set(child[2], 512, 0), 0, "child 2: weight 512");
	check_params(child[0], 256, 0, "child 0");
	check_params(child[1], 256, 0, "child 1");
	check_params(child[2], 512, 0, "child 2");
}

/* The CPU time each child had at one moment. */
struct sample {
	uint64_t at;
	uint64_t cpu_time[CHILDREN];
};

static bool take_sample(struct sample *s)
{
	bool ok = true;

	s->at = guest_now_ns();
	for (unsigned int i = 0; i < CHILDREN; i++) {
		struct xen_domctl_getdomaininfo info;

		ok &= domain_info(child[i], &info) == 0 && info.domain == child[i];
		s->cpu_time[i] = info.cpu_time;
	}
	return CHECK(ok, "getdomaininfo of each child");
}

/*
 * Sleep for ms (in SCHEDOP_poll, out of the children's way) and return each child's CPU time
 * over that window in per mille of the window in share[]; the window's length in *elapsed.
 */
static bool measure(unsigned int ms, unsigned int share[CHILDREN], uint64_t *elapsed)
{
	struct sample before, after;

	sleep_ns(MS(SETTLE_MS));
	if (!take_sample(&before))
		return false;
	sleep_ns(MS(ms));
	if (!take_sample(&after))
		return false;
	*elapsed = after.at - before.at;
	for (unsigned int i = 0; i < CHILDREN; i++)
		share[i] =
			(unsigned int)((after.cpu_time[i] - before.cpu_time[i]) * 1000 / *elapsed);
	printf("over %lu ms: child 0 %u.%u %%, child 1 %u.%u %%, child 2 %u.%u %% of the CPU\n",
	       *elapsed / 1000000, share[0] / 10, share[0] % 10, share[1] / 10, share[1] % 10,
	       share[2] / 10, share[2] % 10);
	return true;
}

static bool near(unsigned int actual, unsigned int expected)
{
	return actual + TOLERANCE >= expected && actual <= expected + TOLERANCE;
}

/* Check share (per mille) against expected within 5 points, printing what was asked. */
static void check_share(unsigned int share, unsigned int expected, const char *who)
{
	char text[120];

	snprintf(text, sizeof(text), "%s: %u.%u %% of the CPU, %u %% +- 5 expected", who,
		 share / 10, share % 10, expected / 10);
	CHECK(near(share, expected), text);
}

static void check_busy(unsigned int total)
{
	char text[120];

	snprintf(text, sizeof(text), "the busy children had %u.%u %% of the CPU (90 %% at least)",
		 total / 10, total % 10);
	CHECK(total >= MIN_BUSY, text);
}

static void check_children_spin(void)
{
	static char text[1024];

	for (unsigned int i = 0; i < CHILDREN; i++) {
		read_console(i, text, sizeof(text));
		printf("child %u's console: %s", i, text);
		CHECK(strstr(text, "child: spinning") != NULL, "the child says it spins");
	}
}

static void check_weighted_shares(void)
{
	unsigned int share[CHILDREN];
	uint64_t elapsed;

	test_section("three busy children, weights 256/256/512, one CPU");
	for (unsigned int i = 0; i < CHILDREN; i++)
		CHECK_EQ(domain_unpause(child[i]), 0, "unpausedomain");
	sleep_ns(MS(SETTLE_MS));
	check_children_spin();
	if (!measure(SHARES_MS, share, &elapsed))
		return;
	check_busy(share[0] + share[1] + share[2]);
	unsigned int total = share[0] + share[1] + share[2];

	if (!total)
		return;
	/* Of the time the three had together: what the weights divide. */
	unsigned int relative[CHILDREN];

	for (unsigned int i = 0; i < CHILDREN; i++)
		relative[i] = share[i] * 1000 / total;
	printf("weights 256/256/512: shares %u.%u / %u.%u / %u.%u %%\n", relative[0] / 10,
	       relative[0] % 10, relative[1] / 10, relative[1] % 10, relative[2] / 10,
	       relative[2] % 10);
	check_share(relative[0], 250, "child 0 (weight 256)");
	check_share(relative[1], 250, "child 1 (weight 256)");
	check_share(relative[2], 500, "child 2 (weight 512)");
}

static void check_cap(void)
{
	unsigned int share[CHILDREN];
	uint64_t elapsed;

	test_section("a cap of 20 % beside a busy uncapped domain");
	CHECK_EQ(domain_pause(child[2]), 0, "child 2 paused: two busy children left");
	CHECK_EQ(domain_sched_credit2_set(child[0], 0, CAP), 0, "child 0: cap 20");
	check_params(child[0], 256, CAP, "child 0");
	if (measure(CAP_MS, share, &elapsed)) {
		check_share(share[0], CAP * 10, "child 0, capped at 20");
		check_share(share[1], 1000 - CAP * 10, "child 1, uncapped, has the rest");
		CHECK(share[2] == 0, "child 2, paused, had nothing");
	}

	test_section("a cap of 20 % alone: the CPU idles the rest");
	CHECK_EQ(domain_pause(child[1]), 0, "child 1 paused too");
	if (measure(CAP_MS, share, &elapsed)) {
		check_share(share[0], CAP * 10, "child 0, capped at 20, alone");
		CHECK(share[1] == 0, "child 1, paused, had nothing");
	}

	test_section("cap 0 lifts the cap");
	CHECK_EQ(domain_unpause(child[1]), 0, "child 1 unpaused");
	CHECK_EQ(domain_sched_credit2_set(child[0], 0, 0), 0, "child 0: cap 0");
	check_params(child[0], 256, 0, "child 0");
	if (measure(CAP_MS, share, &elapsed)) {
		check_busy(share[0] + share[1]);
		check_share(share[0], 500, "child 0, no longer capped");
		check_share(share[1], 500, "child 1");
	}
}

static void destroy_children(void)
{
	test_section("the children go");
	for (unsigned int i = 0; i < CHILDREN; i++) {
		struct xen_domctl_getdomaininfo info;

		if (!builds[i].created)
			continue;
		CHECK_EQ(domain_info(child[i], &info), 0, "getdomaininfo");
		CHECK(!(info.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying)),
		      "the child still runs: it neither crashed nor shut down");
		CHECK_EQ(pv_build_abort(&builds[i]), 0, "destroydomain");
	}
}

void guest_main(const struct start_info *si)
{
	if (build_children(si)) {
		check_parameters();
		check_weighted_shares();
		check_cap();
	}
	destroy_children();
	test_finish("fairness");
}
