/*
 * Shared-ring benchmark (`make bench-ring`): how many request/response pairs per second one
 * ring in a 4 KiB page carries between two threads, against the time memcpy needs to move the
 * same bytes, the bound no ring can beat. Built -O2 without sanitizers; figures are recorded in
 * docs/ring.md. Usage: ring_bench [pairs] (default 10000000), each case run RUNS times.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

#define RING_BYTES 4096
#define RUNS 5
#define SPIN_NS 50000 /* a waiter polls this long before it sleeps in the kernel */

struct bench_request {
	uint64_t id;
	uint64_t arg;
};

struct bench_response {
	uint64_t id;
	int64_t status;
};

RING_DECLARE(bench, struct bench_request, struct bench_response);

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/*
 * An event channel between two threads: notify sets `pending` and wakes the waiter through a
 * futex only if it went to sleep; wait polls for SPIN_NS, then sleeps.
 */
struct event {
	int pending;
	int sleeping;
	uint64_t sent;
};

static void event_notify(struct event *e)
{
	e->sent++;
	__atomic_store_n(&e->pending, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&e->sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &e->pending, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Set for the polling case: waiters never sleep, they poll until notified. */
static int poll_only;

static void event_wait(struct event *e, int *stop)
{
	uint64_t until = poll_only ? UINT64_MAX : now_ns() + SPIN_NS;

	while (!__atomic_load_n(&e->pending, __ATOMIC_ACQUIRE) && now_ns() < until)
		__builtin_ia32_pause();
	__atomic_store_n(&e->sleeping, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&e->pending, __ATOMIC_SEQ_CST) &&
	       !__atomic_load_n(stop, __ATOMIC_ACQUIRE))
		syscall(SYS_futex, &e->pending, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	__atomic_store_n(&e->sleeping, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&e->pending, 0, __ATOMIC_RELAXED);
}

struct run {
	struct bench_sring *s;
	struct bench_front_ring front;
	struct bench_back_ring back;
	struct event to_back, to_front;
	uint64_t pairs;
	int stop;
	int bad; /* a response that did not match, or a ring error */
};

static void *backend(void *arg)
{
	struct run *r = arg;
	uint64_t answered = 0;
	struct bench_request req;

	while (answered < r->pairs) {
		uint64_t before = answered;
		int rc;

		while ((rc = bench_back_take_request(&r->back, &req)) == RING_OK) {
			struct bench_response *rsp = bench_back_next_response(&r->back);
			rsp->id = req.id;
			rsp->status = (int64_t)req.arg;
			answered++;
		}
		if (rc < 0)
			break;
		if (answered != before) {
			if (bench_back_push_notify(&r->back))
				event_notify(&r->to_front);
			continue;
		}
		rc = bench_back_final_check(&r->back);
		if (rc < 0)
			break;
		if (rc == 0)
			event_wait(&r->to_back, &r->stop);
	}
	if (answered != r->pairs) { /* a ring error: tell the frontend to give up */
		__atomic_store_n(&r->bad, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		event_notify(&r->to_front);
	}
	return NULL;
}

/* The frontend runs on the calling thread; returns elapsed nanoseconds. */
static uint64_t run_two_threads(uint64_t pairs, uint64_t *events)
{
	struct run *r = calloc(1, sizeof(*r));
	uint64_t sent = 0, received = 0, start, elapsed;
	pthread_t thread;

	r->s = aligned_alloc(4096, RING_BYTES);
	r->pairs = pairs;
	bench_sring_init(r->s);
	bench_front_init(&r->front, r->s, RING_BYTES);
	bench_back_init(&r->back, r->s, RING_BYTES);
	pthread_create(&thread, NULL, backend, r);

	start = now_ns();
	while (received < pairs) {
		struct bench_request *req;
		struct bench_response rsp;
		uint64_t before = received;
		int made = 0, rc;

		while (sent < pairs && (req = bench_front_next_request(&r->front)) != NULL) {
			req->id = sent;
			req->arg = sent++;
			made = 1;
		}
		if (made && bench_front_push_notify(&r->front))
			event_notify(&r->to_back);
		while ((rc = bench_front_take_response(&r->front, &rsp)) == RING_OK) {
			if (rsp.id != received || (uint64_t)rsp.status != received)
				__atomic_store_n(&r->bad, 1, __ATOMIC_RELEASE);
			received++;
		}
		if (rc < 0 || __atomic_load_n(&r->bad, __ATOMIC_ACQUIRE))
			break;
		if (made || received != before)
			continue;
		rc = bench_front_final_check(&r->front);
		if (rc < 0)
			break;
		if (rc == 0)
			event_wait(&r->to_front, &r->stop);
	}
	elapsed = now_ns() - start;
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	event_notify(&r->to_back);
	pthread_join(thread, NULL);
	if (r->bad || received != pairs) {
		fprintf(stderr, "ring_bench: two-thread run went wrong (%llu of %llu answered)\n",
			(unsigned long long)received, (unsigned long long)pairs);
		exit(1);
	}
	*events = r->to_back.sent + r->to_front.sent - 1;
	free(r->s);
	free(r);
	return elapsed;
}

/* Both ends on one thread, batches of 32: the ring's own cost with no cache line crossing. */
static uint64_t run_one_thread(uint64_t pairs)
{
	struct bench_sring *s = aligned_alloc(4096, RING_BYTES);
	struct bench_front_ring front;
	struct bench_back_ring back;
	uint64_t sent = 0, received = 0, start, elapsed;
	int bad = 0;

	bench_sring_init(s);
	bench_front_init(&front, s, RING_BYTES);
	bench_back_init(&back, s, RING_BYTES);
	start = now_ns();
	while (received < pairs) {
		struct bench_request req, *slot;
		struct bench_response rsp;

		for (int i = 0; i < 32 && sent < pairs; i++) {
			slot = bench_front_next_request(&front);
			slot->id = sent;
			slot->arg = sent++;
		}
		bench_front_push(&front);
		while (bench_back_take_request(&back, &req) == RING_OK) {
			struct bench_response *out = bench_back_next_response(&back);
			out->id = req.id;
			out->status = (int64_t)req.arg;
		}
		bench_back_push(&back);
		while (bench_front_take_response(&front, &rsp) == RING_OK)
			bad |= rsp.id != received++;
	}
	elapsed = now_ns() - start;
	if (bad) {
		fprintf(stderr, "ring_bench: one-thread run went wrong\n");
		exit(1);
	}
	free(s);
	return elapsed;
}

/*
 * memcpy of the bytes the ring moved (a request in and a response out per pair) between two
 * page-sized buffers like the ring's, in slot-sized pieces (inlined, as the ring's copies are)
 * or whole pages. The signal fence is a compiler barrier: it keeps copies whose result is
 * never read from being dropped, and costs no instruction.
 */
static uint64_t run_memcpy(uint64_t pairs, int whole_pages)
{
	const size_t piece = sizeof(struct bench_request);
	uint64_t total = pairs * (sizeof(struct bench_request) + sizeof(struct bench_response));
	uint8_t *src = aligned_alloc(4096, RING_BYTES), *dst = aligned_alloc(4096, RING_BYTES);
	uint64_t start, elapsed;
	size_t offset = 0;

	memset(src, 0x3c, RING_BYTES);
	start = now_ns();
	if (whole_pages) {
		for (uint64_t done = 0; done < total; done += RING_BYTES) {
			memcpy(dst, src, RING_BYTES);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
		}
	} else {
		for (uint64_t done = 0; done < total; done += piece) {
			memcpy(dst + offset, src + offset, piece);
			__atomic_signal_fence(__ATOMIC_SEQ_CST);
			offset = (offset + piece) % RING_BYTES;
		}
	}
	elapsed = now_ns() - start;
	if (dst[0] != 0x3c)
		exit(1);
	free(src);
	free(dst);
	return elapsed;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t pairs, uint64_t times[RUNS], const char *extra)
{
	qsort(times, RUNS, sizeof(times[0]), compare_u64);
	uint64_t median = times[RUNS / 2], best = times[0];
	printf("%-38s %9.3f %9.3f %12.2f %9.1f  %s\n", what, (double)median / 1e9,
	       (double)best / 1e9, (double)pairs / ((double)median / 1e9) / 1e6,
	       (double)median / (double)pairs, extra);
}

static void print_load(const char *when)
{
	char load[64] = "?\n";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fgets(load, sizeof(load), f) == NULL)
			strcpy(load, "?\n");
		fclose(f);
	}
	printf("load average %s: %s", when, load);
}

int main(int argc, char **argv)
{
	uint64_t pairs = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000u;
	uint64_t times[RUNS], events = 0;
	char extra[80];

	printf("ring benchmark: %llu request/response pairs; %u-entry ring in one %u-byte page; "
	       "%zu-byte requests and responses\n",
	       (unsigned long long)pairs, RING_ENTRIES(bench, RING_BYTES), RING_BYTES,
	       sizeof(struct bench_request));
	printf("machine: %ld CPUs online; compiler: gcc %s\n", sysconf(_SC_NPROCESSORS_ONLN),
	       __VERSION__);
	print_load("at start");
	printf("each case run %d times; time columns are the median and the best run; rates and "
	       "ns/pair from the median\n\n",
	       RUNS);
	printf("%-38s %9s %9s %12s %9s\n", "case", "median s", "best s", "Mpairs/s", "ns/pair");

	for (int i = 0; i < RUNS; i++)
		times[i] = run_two_threads(pairs, &events);
	snprintf(extra, sizeof(extra), "(%llu events in the last run)", (unsigned long long)events);
	report("ring, two threads, may sleep", pairs, times, extra);

	poll_only = 1;
	for (int i = 0; i < RUNS; i++)
		times[i] = run_two_threads(pairs, &events);
	snprintf(extra, sizeof(extra), "(%llu events in the last run)", (unsigned long long)events);
	report("ring, two threads, never sleep", pairs, times, extra);

	for (int i = 0; i < RUNS; i++)
		times[i] = run_one_thread(pairs);
	report("ring, one thread, batches of 32", pairs, times, "(no cross-core traffic)");

	for (int i = 0; i < RUNS; i++)
		times[i] = run_memcpy(pairs, 0);
	snprintf(extra, sizeof(extra), "(%llu bytes in %zu-byte pieces)",
		 (unsigned long long)(pairs * 32), sizeof(struct bench_request));
	report("memcpy of the same bytes", pairs, times, extra);

	for (int i = 0; i < RUNS; i++)
		times[i] = run_memcpy(pairs, 1);
	report("memcpy of the same bytes", pairs, times, "(in 4 KiB pieces)");
	print_load("at end");
	return 0;
}
