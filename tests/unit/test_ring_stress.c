/*
 * Two-thread stress test of the shared ring: a frontend thread issues numbered requests, a
 * backend thread answers them (each batch in reverse order, so responses come back out of
 * order), and the frontend matches every response to an outstanding request: none lost, none
 * duplicated, none invented. Both sides sleep only through the event-suppression protocol
 * (final_check, then wait for an event the peer sends when push_notify says so); a lost
 * wake-up shows up as a wait that times out. Built twice: ASan+UBSan and ThreadSanitizer.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ring.h"

#ifndef STRESS_PAIRS
#define STRESS_PAIRS 10000000ull
#endif

/* Pairs for the four-slot ring, always nearly full or empty: nearly every push notifies. */
#ifndef STRESS_SMALL_PAIRS
#define STRESS_SMALL_PAIRS 1000000ull
#endif

/* Pairs for the run whose waiters always block in the kernel, the slowest path. */
#ifndef STRESS_SLEEP_PAIRS
#define STRESS_SLEEP_PAIRS 500000ull
#endif

/* A waiter gives up after this long: with the protocol right, no wait comes near it. */
#define LOST_WAKEUP_SECONDS 20

/* How long a waiter polls before it blocks, as a vCPU might before it halts. */
#define SPIN_SECONDS 100e-6

struct stress_request {
	uint64_t id;
	uint32_t check;
	uint32_t pad;
};

struct stress_response {
	uint64_t id;
	uint32_t check;
	uint32_t pad;
};

RING_DECLARE(stress, struct stress_request, struct stress_response);

static uint32_t request_check(uint64_t id)
{
	return (uint32_t)(id * 0x9e3779b97f4a7c15ull >> 32);
}

static uint32_t response_check(uint64_t id)
{
	return ~request_check(id) ^ (uint32_t)id;
}

/*
 * An event channel between two threads: a pending flag a notify sets and a wait consumes.
 * The waiter spins a little first (as a vCPU would before blocking), then sleeps.
 */
struct event {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pending;
	uint64_t sent;	 /* notifications delivered to this event */
	uint64_t sleeps; /* waits that had to block */
};

struct stress {
	struct stress_sring *s;
	size_t bytes;
	uint64_t pairs;
	struct stress_front_ring front;
	struct stress_back_ring back;
	struct event to_back, to_front;
	int failed; /* atomic: set once by whichever thread fails first */
	char why[160];
	uint8_t *outstanding; /* one bit per request id */
	uint64_t front_pushes, back_pushes;
	double spin_seconds; /* how long a waiter polls before blocking */
};

static void record_failure(struct stress *st, const char *why, uint64_t a, uint64_t b)
{
	int expected = 0;

	if (__atomic_compare_exchange_n(&st->failed, &expected, 1, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		snprintf(st->why, sizeof(st->why), "%s (%llu, %llu)", why, (unsigned long long)a,
			 (unsigned long long)b);
}

static bool failed(struct stress *st)
{
	return __atomic_load_n(&st->failed, __ATOMIC_SEQ_CST) != 0;
}

static void event_init(struct event *e)
{
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	e->pending = 0;
	e->sent = 0;
	e->sleeps = 0;
}

static void event_notify(struct event *e)
{
	pthread_mutex_lock(&e->lock);
	__atomic_store_n(&e->pending, 1, __ATOMIC_RELAXED);
	e->sent++;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
}

static double seconds_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wait for a notification; false if none came in LOST_WAKEUP_SECONDS or the run failed. */
static bool event_wait(struct stress *st, struct event *e)
{
	double spin_until = seconds_now() + st->spin_seconds;

	/* Yield rather than spin hard: on a busy two-core host the peer may need this CPU. */
	while (!__atomic_load_n(&e->pending, __ATOMIC_RELAXED) && seconds_now() < spin_until)
		sched_yield();
	pthread_mutex_lock(&e->lock);
	if (!e->pending)
		e->sleeps++;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += LOST_WAKEUP_SECONDS;
	while (!e->pending && !failed(st)) {
		struct timespec step;
		clock_gettime(CLOCK_REALTIME, &step);
		if (step.tv_sec >= deadline.tv_sec)
			break;
		step.tv_sec += 1; /* wake now and then to notice the other side failing */
		pthread_cond_timedwait(&e->cond, &e->lock, &step);
	}
	bool woken = e->pending;
	__atomic_store_n(&e->pending, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&e->lock);
	return woken;
}

static void wake_both(struct stress *st)
{
	event_notify(&st->to_back);
	event_notify(&st->to_front);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static bool bit_test_and_flip(uint8_t *bits, uint64_t id)
{
	uint8_t mask = (uint8_t)(1u << (id & 7));
	bool was = bits[id >> 3] & mask;

	bits[id >> 3] ^= mask;
	return was;
}

static void *frontend(void *arg)
{
	struct stress *st = arg;
	uint64_t sent = 0, received = 0;
	uint32_t seed = 88172645u;

	while (received < st->pairs && !failed(st)) {
		unsigned made = 0, got = 0;
		/* Batches of random size, so the ring is seen in every state, not only full. */
		unsigned batch = 1 + xorshift(&seed) % stress_front_size(&st->front);
		struct stress_request *req;
		struct stress_response rsp;
		int rc;

		while (made < batch && sent < st->pairs &&
		       (req = stress_front_next_request(&st->front)) != NULL) {
			if (bit_test_and_flip(st->outstanding, sent))
				record_failure(st, "request id issued twice", sent, 0);
			req->id = sent;
			req->check = request_check(sent);
			sent++;
			made++;
		}
		if (made) {
			st->front_pushes++;
			if (stress_front_push_notify(&st->front))
				event_notify(&st->to_back);
		}
		while ((rc = stress_front_take_response(&st->front, &rsp)) == RING_OK) {
			if (rsp.id >= sent)
				record_failure(st, "response to a request never issued", rsp.id,
					       sent);
			else if (!bit_test_and_flip(st->outstanding, rsp.id))
				record_failure(st, "second response to one request", rsp.id,
					       received);
			if (rsp.check != response_check(rsp.id))
				record_failure(st, "response body does not match its id", rsp.id,
					       rsp.check);
			received++;
			got++;
		}
		if (rc < 0)
			record_failure(st, ring_result_name(rc), received, 0);
		if (received == st->pairs || made || got)
			continue;
		rc = stress_front_final_check(&st->front);
		if (rc < 0)
			record_failure(st, ring_result_name(rc), received, 1);
		if (rc == 0 && !event_wait(st, &st->to_front) && !failed(st))
			record_failure(st, "frontend never woken: lost wake-up", sent, received);
	}
	wake_both(st);
	return NULL;
}

static void *backend(void *arg)
{
	struct stress *st = arg;
	uint32_t entries = stress_back_size(&st->back);
	struct stress_request *batch = calloc(entries, sizeof(*batch));
	uint64_t answered = 0;
	uint32_t seed = 2654435769u;

	if (batch == NULL)
		record_failure(st, "out of memory", entries, 0);
	while (batch != NULL && answered < st->pairs && !failed(st)) {
		uint32_t count = 0, limit = 1 + xorshift(&seed) % entries;
		int rc = RING_OK;

		while (count < limit &&
		       (rc = stress_back_take_request(&st->back, &batch[count])) == RING_OK)
			count++;
		if (rc < 0)
			record_failure(st, ring_result_name(rc), answered, 2);
		/* Answer the batch last to first. */
		for (uint32_t i = count; i-- > 0;) {
			struct stress_response *rsp = stress_back_next_response(&st->back);
			if (rsp == NULL) {
				record_failure(st, "no response slot for a request taken", answered,
					       i);
				break;
			}
			if (batch[i].check != request_check(batch[i].id))
				record_failure(st, "request body does not match its id",
					       batch[i].id, 0);
			rsp->id = batch[i].id;
			rsp->check = response_check(batch[i].id);
		}
		answered += count;
		if (count) {
			st->back_pushes++;
			if (stress_back_push_notify(&st->back))
				event_notify(&st->to_front);
			continue;
		}
		rc = stress_back_final_check(&st->back);
		if (rc < 0)
			record_failure(st, ring_result_name(rc), answered, 3);
		if (rc == 0 && !event_wait(st, &st->to_back) && !failed(st))
			record_failure(st, "backend never woken: lost wake-up", answered, 0);
	}
	free(batch);
	wake_both(st);
	return NULL;
}

static void run_stress(size_t bytes, uint64_t pairs, uint32_t expect_entries, double spin_seconds)
{
	struct stress *st = calloc(1, sizeof(*st));
	pthread_t f, b;

	assert_non_null(st);
	st->s = malloc(bytes);
	st->outstanding = calloc(pairs / 8 + 1, 1);
	assert_non_null(st->s);
	assert_non_null(st->outstanding);
	st->bytes = bytes;
	st->pairs = pairs;
	st->spin_seconds = spin_seconds;
	stress_sring_init(st->s);
	assert_int_equal(stress_front_init(&st->front, st->s, bytes), RING_OK);
	assert_int_equal(stress_back_init(&st->back, st->s, bytes), RING_OK);
	assert_int_equal(stress_front_size(&st->front), expect_entries);
	event_init(&st->to_back);
	event_init(&st->to_front);

	double start = seconds_now();
	assert_int_equal(pthread_create(&b, NULL, backend, st), 0);
	assert_int_equal(pthread_create(&f, NULL, frontend, st), 0);
	pthread_join(f, NULL);
	pthread_join(b, NULL);
	double elapsed = seconds_now() - start;

	print_message("stress: %llu request/response pairs over a %u-entry ring, polling %.0f us "
		      "before blocking, in %.2f s "
		      "(%.0f pairs/s); pushes %llu front, %llu back; events %llu to back, "
		      "%llu to front; sleeps %llu back, %llu front\n",
		      (unsigned long long)pairs, expect_entries, spin_seconds * 1e6, elapsed,
		      (double)pairs / elapsed, (unsigned long long)st->front_pushes,
		      (unsigned long long)st->back_pushes, (unsigned long long)st->to_back.sent,
		      (unsigned long long)st->to_front.sent, (unsigned long long)st->to_back.sleeps,
		      (unsigned long long)st->to_front.sleeps);
	/* Gather the verdict, free everything, then assert (a failed assert leaves the function).
	 */
	char why[sizeof(st->why)];
	bool run_failed = failed(st);
	uint64_t still_outstanding = 0;
	memcpy(why, st->why, sizeof(why));
	for (uint64_t i = 0; i < pairs / 8 + 1; i++)
		still_outstanding += (uint64_t)__builtin_popcount(st->outstanding[i]);
	ring_idx_t req_prod = st->s->shared.req_prod, rsp_prod = st->s->shared.rsp_prod;
	int front_error = stress_front_error(&st->front);
	int back_error = stress_back_error(&st->back);
	free(st->outstanding);
	free(st->s);
	free(st);

	if (run_failed)
		fail_msg("stress run failed: %s", why);
	/* Every request answered exactly once: the outstanding set is empty again. */
	assert_int_equal(still_outstanding, 0);
	assert_int_equal(req_prod, (ring_idx_t)pairs);
	assert_int_equal(rsp_prod, (ring_idx_t)pairs);
	assert_int_equal(front_error, 0);
	assert_int_equal(back_error, 0);
}

/* One 4 KiB page, 128 slots: the shape of a real split-driver ring. */
static void test_stress_page_ring(void **state)
{
	(void)state;
	run_stress(4096, STRESS_PAIRS, 128, SPIN_SECONDS);
}

/* Four slots: the ring is full or empty all the time, so both sides sleep and wake a lot. */
static void test_stress_four_slot_ring(void **state)
{
	(void)state;
	run_stress(64 + 4 * 16, STRESS_SMALL_PAIRS, 4, SPIN_SECONDS);
}

/* Four slots and no polling: every wait blocks on the condition variable until notified. */
static void test_stress_blocking_waiters(void **state)
{
	(void)state;
	run_stress(64 + 4 * 16, STRESS_SLEEP_PAIRS, 4, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stress_page_ring),
		cmocka_unit_test(test_stress_four_slot_ring),
		cmocka_unit_test(test_stress_blocking_waiters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
