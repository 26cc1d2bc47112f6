/*
 * IPIs between the two vCPUs: vCPU 0 sends on the port bound to vCPU 1 (EVTCHNOP_bind_ipi
 * with vcpu 1), which wakes vCPU 1; vCPU 1 answers on the port bound to vCPU 0. A few
 * thousand ping-pongs, timed, in two ways of waiting on vCPU 1:
 *
 *  - SCHEDOP_poll on its port, events masked;
 *  - SCHEDOP_block, which enables events: it returns only with an event for vCPU 1, which
 *    comes as an upcall to the event callback of vCPU 1's context, on vCPU 1's stack, as
 *    the hypercall returns. (Several pings may share one pending bit when vCPU 1 did not
 *    need to block for one, so pings and upcalls are not counted one for one.)
 *
 * A game lasts ROUNDS rounds or BUDGET of guest time, whichever ends first: with two
 * physical CPUs under TCG a wakeup across CPUs takes milliseconds (tens on a busy host). No
 * pong may take longer than a second.
 *
 * The port's binding shows in EVTCHNOP_status (vcpu 1).
 */
#include <parvus/guest_test.h>
#include <public/errno.h>
#include "smp.h"

#define ROUNDS 3000
#define BUDGET MS(3000)
#define ROUND_LIMIT MS(1000)
#define MIN_ROUNDS 20
#define GAME_OVER UINT64_MAX /* the ping that ends a game early */

static volatile uint64_t ping, pong;
static volatile uint64_t blocks, silent_blocks; /* silent: returned without an upcall */

void secondary_ping(bool block, uint64_t rounds)
{
	for (uint64_t round = 1; round <= rounds; round++) {
		if (block) {
			while (__atomic_load_n(&ping, __ATOMIC_SEQ_CST) < round) {
				uint64_t before = upcall_count[SECONDARY];
				/* Returns at once if an upcall is pending; it comes as we leave. */
				HYPERVISOR_sched_op(SCHEDOP_block, NULL);
				events_enabled(false);
				blocks++;
				if (upcall_count[SECONDARY] == before)
					silent_blocks++;
			}
		} else {
			wait_at_least(&ping, round, 0);
		}
		if (ping == GAME_OVER)
			return;
		__atomic_store_n(&pong, round, __ATOMIC_SEQ_CST);
		send_port(ipi_port[0]);
	}
}

struct game {
	uint64_t played, elapsed;
	bool lost; /* a pong did not come within ROUND_LIMIT */
};

/* vCPU 0's side of a game. */
static struct game play(enum command command)
{
	struct game game = {0};

	ping = pong = 0;
	struct vcpu_runstate_info before[2] = {runstate_of(0), runstate_of(SECONDARY)};
	uint64_t sequence = post(command, ROUNDS);
	uint64_t start = now_ns(), end = start + BUDGET;
	for (uint64_t round = 1; round <= ROUNDS && now_ns() < end; round++) {
		__atomic_store_n(&ping, round, __ATOMIC_SEQ_CST);
		send_port(ipi_port[SECONDARY]);
		if (!wait_at_least(&pong, round, now_ns() + ROUND_LIMIT)) {
			game.lost = true;
			break;
		}
	}
	game.elapsed = now_ns() - start;
	game.played = pong;
	for (unsigned int v = 0; v < 2; v++) {
		struct vcpu_runstate_info after = runstate_of(v);
		printf("vCPU %u during the game: running %lu us, runnable %lu us, blocked %lu us\n",
		       v, (after.time[0] - before[v].time[0]) / 1000,
		       (after.time[1] - before[v].time[1]) / 1000,
		       (after.time[2] - before[v].time[2]) / 1000);
	}
	if (game.played < ROUNDS) {
		__atomic_store_n(&ping, GAME_OVER, __ATOMIC_SEQ_CST);
		send_port(ipi_port[SECONDARY]);
	}
	CHECK(wait_done(sequence), "vCPU 1 finished the game");
	printf("%lu round trips in %lu us: %lu ns each\n", game.played, game.elapsed / 1000,
	       game.played ? game.elapsed / game.played : 0);
	CHECK(!game.lost, "no ping went unanswered for a second");
	CHECK(game.played == ROUNDS || (game.played >= MIN_ROUNDS && game.elapsed >= BUDGET),
	      "all rounds were played, or at least 20 in the time given");
	return game;
}

static void check_port_binding(void)
{
	struct evtchn_status status = {.dom = DOMID_SELF, .port = ipi_port[SECONDARY]};

	test_section("IPI ports");
	printf("IPI ports: %u to vCPU 0, %u to vCPU 1\n", ipi_port[0], ipi_port[SECONDARY]);
	CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_status, &status), 0, "EVTCHNOP_status");
	CHECK_EQ(status.status, EVTCHNSTAT_ipi, "the port is an IPI port");
	CHECK_EQ(status.vcpu, SECONDARY, "notifying vCPU 1");
}

void check_ping_pong(void)
{
	check_port_binding();

	test_section("ping-pong, vCPU 1 in SCHEDOP_poll");
	play(CMD_PING_POLL);

	test_section("ping-pong, vCPU 1 in SCHEDOP_block with upcalls");
	evtchn_port_t port = ipi_port[SECONDARY];
	upcalls_on[SECONDARY][port] = 0;
	upcall_ports[SECONDARY] = 1UL << port;
	blocks = silent_blocks = 0;
	play(CMD_PING_BLOCK);
	upcall_ports[SECONDARY] = 0;
	uint64_t found = upcalls_on[SECONDARY][port];
	printf("vCPU 1 blocked %lu times, %lu returned without an upcall; the ping port was "
	       "found pending by %lu upcalls\n",
	       blocks, silent_blocks, found);
	CHECK(blocks > 0, "vCPU 1 blocked");
	CHECK_EQ(silent_blocks, 0, "SCHEDOP_block returned only with an upcall");
	CHECK(found > 0 && found <= ROUNDS + 2,
	      "the upcalls, on vCPU 1's stack, found the ping port pending (at most once a send)");
	CHECK_EQ(vcpu_info_of(SECONDARY)->evtchn_upcall_mask, 1, "vCPU 1 masked events again");
}
