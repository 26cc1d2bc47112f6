/*
 * Unit tests for the shared I/O ring (ring/include/ring.h), one thread: the request/response
 * round trip, full and empty rings, indices wrapping at 2^32, the notification rule in both
 * directions, and every way a hostile producer can lie about its index. Shared rings are
 * malloc'ed at their exact size so that AddressSanitizer catches any read outside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ring.h"

struct test_request {
	uint64_t id;
	uint32_t op;
	uint32_t arg;
};

struct test_response {
	uint64_t id;
	int32_t status;
	uint32_t value;
};

RING_DECLARE(test, struct test_request, struct test_response);

/* A protocol whose request and response differ in size: takes must copy only their own type. */
struct wide_request {
	uint64_t words[5];
};

struct narrow_response {
	uint16_t status;
};

RING_DECLARE(wide, struct wide_request, struct narrow_response);

#define PAGE 4096u

/* One shared ring and both of its ends, as a frontend and a backend would each hold them. */
struct pair {
	struct test_sring *s;
	size_t bytes;
	ring_idx_t start;
	struct test_front_ring front;
	struct test_back_ring back;
};

static struct pair *pair_new(size_t bytes, ring_idx_t start)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->s = malloc(bytes); /* exact size: ASan flags any slot read past the end */
	assert_non_null(p->s);
	memset(p->s, 0xa5, bytes);
	p->bytes = bytes;
	p->start = start;
	ring_shared_init(&p->s->shared, start);
	assert_int_equal(test_front_attach(&p->front, p->s, bytes, start), RING_OK);
	assert_int_equal(test_back_attach(&p->back, p->s, bytes, start), RING_OK);
	return p;
}

static void pair_free(struct pair *p)
{
	free(p->s);
	free(p);
}

/* Frontend: fill and publish n requests numbered from first_id; returns the notify verdict. */
static bool send_requests(struct pair *p, unsigned n, uint64_t first_id)
{
	for (unsigned i = 0; i < n; i++) {
		struct test_request *req = test_front_next_request(&p->front);

		assert_non_null(req);
		req->id = first_id + i;
		req->op = 7;
		req->arg = (uint32_t)(first_id + i) * 3u;
	}
	return test_front_push_notify(&p->front);
}

/* Backend: take n requests and answer each; returns the notify verdict. */
static bool answer_requests(struct pair *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct test_request req;
		struct test_response *rsp;

		assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
		rsp = test_back_next_response(&p->back);
		assert_non_null(rsp);
		rsp->id = req.id;
		rsp->status = 0;
		rsp->value = req.arg + 1;
	}
	return test_back_push_notify(&p->back);
}

static void test_shared_init_is_xens_initial_state(void **state)
{
	uint8_t raw[RING_SHARED_SIZE + 16];
	struct ring_shared *s = (struct ring_shared *)raw;

	(void)state;
	memset(raw, 0xff, sizeof(raw));
	ring_shared_init(s, 0);
	assert_int_equal(s->req_prod, 0);
	assert_int_equal(s->rsp_prod, 0);
	assert_int_equal(s->req_event, 1);
	assert_int_equal(s->rsp_event, 1);
	for (size_t i = 16; i < RING_SHARED_SIZE; i++)
		assert_int_equal(raw[i], 0);
	/* The slots are the protocol's business: init leaves them alone. */
	assert_int_equal(raw[RING_SHARED_SIZE], 0xff);

	ring_shared_init(s, 0xfffffffe);
	assert_int_equal(s->req_prod, 0xfffffffe);
	assert_int_equal(s->req_event, 0xffffffff);
	ring_shared_init(s, 0xffffffff);
	assert_int_equal(s->rsp_event, 0); /* the event index wraps like any other */
}

static void test_entry_count_is_largest_power_of_two(void **state)
{
	(void)state;
	assert_int_equal(sizeof(union test_sring_entry), 16);
	/* (4096 - 64) / 16 = 252 slots fit; 128 is the largest power of two among them. */
	assert_int_equal(ring_entries_for(PAGE, 16), 128);
	assert_int_equal(RING_ENTRIES(test, PAGE), 128);
	assert_int_equal(ring_entries_for(PAGE, 112), 32); /* blkif-sized slots: 36 fit */
	assert_int_equal(ring_entries_for(PAGE, 8), 256);  /* 504 fit */
	assert_int_equal(ring_entries_for(PAGE, 4032), 1);
	assert_int_equal(ring_entries_for(PAGE, 4033), 0);
	assert_int_equal(ring_entries_for(2 * PAGE, 16), 256);
	assert_int_equal(ring_entries_for(64 + 3 * 16, 16), 2);
	assert_int_equal(ring_entries_for(64 + 3 * 16 + 15, 16), 2);
	assert_int_equal(ring_entries_for(64 + 4 * 16, 16), 4);
	assert_int_equal(ring_entries_for(64 + 16, 16), 1);
	assert_int_equal(ring_entries_for(64 + 15, 16), 0);
	assert_int_equal(ring_entries_for(10, 16), 0);
	assert_int_equal(ring_entries_for(0, 16), 0);
	assert_int_equal(ring_entries_for(PAGE, 0), 0);
	assert_int_equal(ring_entries_for((size_t)1 << 40, 1), RING_MAX_ENTRIES);
	/* Usable where C wants a constant. */
	_Static_assert(RING_ENTRIES(test, 4096) == 128, "constant expression");
	_Static_assert(RING_ENTRIES(wide, 4096) == 64, "40-byte slots: 100 fit");
}

static void test_too_small_ring_refuses_all_work(void **state)
{
	struct test_sring *s = malloc(64 + 15);
	struct test_front_ring f;
	struct test_back_ring b;
	struct test_request req;
	struct test_response rsp;

	(void)state;
	assert_non_null(s);
	ring_shared_init(&s->shared, 0);
	assert_int_equal(test_front_init(&f, s, 64 + 15), RING_ERR_SIZE);
	assert_int_equal(test_back_init(&b, s, 64 + 15), RING_ERR_SIZE);
	assert_null(test_front_next_request(&f));
	assert_null(test_back_next_response(&b));
	assert_int_equal(test_front_take_response(&f, &rsp), RING_ERR_SIZE);
	assert_int_equal(test_back_take_request(&b, &req), RING_ERR_SIZE);
	assert_int_equal(test_back_final_check(&b), RING_ERR_SIZE);
	free(s);
}

static void test_one_request_round_trip(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_request req;
	struct test_response rsp;

	(void)state;
	assert_int_equal(test_front_size(&p->front), 128);
	assert_int_equal(test_back_size(&p->back), 128);
	assert_int_equal(test_back_take_request(&p->back, &req), RING_EMPTY);
	assert_int_equal(test_front_take_response(&p->front, &rsp), RING_EMPTY);

	struct test_request *slot = test_front_next_request(&p->front);
	assert_ptr_equal(slot, &p->s->ring[0].req);
	slot->id = 0x1122334455667788ull;
	slot->op = 3;
	slot->arg = 99;
	/* Filled but not published: the backend must not see it yet. */
	assert_int_equal(test_back_pending(&p->back), 0);
	test_front_push(&p->front);
	assert_int_equal(p->s->shared.req_prod, 1);
	assert_int_equal(test_back_pending(&p->back), 1);

	memset(&req, 0, sizeof(req));
	assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	assert_true(req.id == 0x1122334455667788ull);
	assert_int_equal(req.op, 3);
	assert_int_equal(req.arg, 99);
	/* What was taken is a copy: the frontend rewriting the slot cannot change it. */
	slot->arg = 1000;
	assert_int_equal(req.arg, 99);
	assert_int_equal(test_back_take_request(&p->back, &req), RING_EMPTY);

	struct test_response *out = test_back_next_response(&p->back);
	assert_ptr_equal(out, &p->s->ring[0].rsp);
	out->id = req.id;
	out->status = -5;
	out->value = 42;
	assert_int_equal(test_front_pending(&p->front), 0);
	test_back_push(&p->back);
	assert_int_equal(p->s->shared.rsp_prod, 1);

	assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
	assert_true(rsp.id == 0x1122334455667788ull);
	assert_int_equal(rsp.status, -5);
	assert_int_equal(rsp.value, 42);
	assert_int_equal(test_front_take_response(&p->front, &rsp), RING_EMPTY);
	assert_int_equal(test_front_free(&p->front), 128);
	assert_int_equal(test_front_error(&p->front), 0);
	assert_int_equal(test_back_error(&p->back), 0);
	pair_free(p);
}

static void test_takes_copy_only_their_own_type(void **state)
{
	size_t bytes = 64 + 4 * sizeof(union wide_sring_entry);
	struct wide_sring *s = malloc(bytes);
	struct wide_front_ring f;
	struct wide_back_ring b;
	struct wide_request req;
	struct narrow_response rsp[2]; /* rsp[1] is a guard: an over-long copy would clobber it */

	(void)state;
	assert_non_null(s);
	wide_sring_init(s);
	assert_int_equal(wide_front_init(&f, s, bytes), RING_OK);
	assert_int_equal(wide_back_init(&b, s, bytes), RING_OK);
	assert_int_equal(wide_front_size(&f), 4);

	struct wide_request *out = wide_front_next_request(&f);
	for (int i = 0; i < 5; i++)
		out->words[i] = 100u + (unsigned)i;
	wide_front_push(&f);
	assert_int_equal(wide_back_take_request(&b, &req), RING_OK);
	assert_int_equal(req.words[4], 104);

	wide_back_next_response(&b)->status = 0xbeef;
	wide_back_push(&b);
	rsp[1].status = 0x1234;
	assert_int_equal(wide_front_take_response(&f, &rsp[0]), RING_OK);
	assert_int_equal(rsp[0].status, 0xbeef);
	assert_int_equal(rsp[1].status, 0x1234);
	free(s);
}

static void test_full_ring_refuses_requests_until_responses_read(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_response rsp;

	(void)state;
	send_requests(p, 128, 0);
	assert_true(test_front_full(&p->front));
	assert_int_equal(test_front_free(&p->front), 0);
	assert_null(test_front_next_request(&p->front));

	/* Answered but not yet read: the slots still hold responses, so still full. */
	answer_requests(p, 3);
	assert_null(test_front_next_request(&p->front));
	assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
	assert_true(rsp.id == 0);
	assert_int_equal(test_front_free(&p->front), 1);
	struct test_request *req = test_front_next_request(&p->front);
	assert_ptr_equal(req, &p->s->ring[0].req); /* slot 0 is reused */
	assert_null(test_front_next_request(&p->front));
	assert_int_equal(test_front_error(&p->front), 0);
	pair_free(p);
}

static void test_backend_answers_only_requests_taken(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_request req;

	(void)state;
	assert_null(test_back_next_response(&p->back));
	send_requests(p, 2, 10);
	/* Published but not taken: no response slot yet. */
	assert_null(test_back_next_response(&p->back));
	assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	assert_non_null(test_back_next_response(&p->back));
	assert_null(test_back_next_response(&p->back));
	assert_int_equal(test_back_error(&p->back), 0);
	pair_free(p);
}

static void test_batches_keep_order(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_request req;
	struct test_response rsp;
	uint64_t next_send = 0, next_answer = 0, next_read = 0;

	(void)state;
	/* Batches of every size from 1 to the ring size, answered in two halves. */
	for (unsigned batch = 1; batch <= 128; batch++) {
		send_requests(p, batch, next_send);
		next_send += batch;
		assert_int_equal(test_back_pending(&p->back), batch);
		unsigned first = batch / 2;
		for (unsigned part = 0; part < 2; part++) {
			unsigned n = part == 0 ? first : batch - first;
			for (unsigned i = 0; i < n; i++) {
				assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
				assert_true(req.id == next_answer);
				assert_int_equal(req.arg, (uint32_t)next_answer * 3u);
				next_answer++;
				struct test_response *out = test_back_next_response(&p->back);
				out->id = req.id;
				out->value = req.arg + 1;
			}
			test_back_push(&p->back);
		}
		assert_int_equal(test_back_take_request(&p->back, &req), RING_EMPTY);
		assert_int_equal(test_front_pending(&p->front), batch);
		for (unsigned i = 0; i < batch; i++) {
			assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
			assert_true(rsp.id == next_read);
			assert_int_equal(rsp.value, (uint32_t)next_read * 3u + 1);
			next_read++;
		}
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_EMPTY);
	}
	assert_true(next_read == 128 * 129 / 2);
	pair_free(p);
}

/* Indices start just below 2^32 and run through the wrap; slots must follow index & mask. */
static void test_indices_wrap_at_2_32(void **state)
{
	static const ring_idx_t starts[] = {0xffffffff, 0xfffffffe, 0xffffff80, 0xfffff000};

	(void)state;
	for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		ring_idx_t start = starts[k];
		struct pair *p = pair_new(PAGE, start);
		struct test_request req;
		struct test_response rsp;
		uint64_t sent = 0, read = 0;

		while (read < 6000) {
			unsigned batch = 1 + (unsigned)(sent % 128);
			if (batch > test_front_free(&p->front))
				batch = test_front_free(&p->front);
			for (unsigned i = 0; i < batch; i++) {
				ring_idx_t idx = start + (ring_idx_t)sent;
				struct test_request *slot = test_front_next_request(&p->front);
				assert_ptr_equal(slot, &p->s->ring[idx & 127].req);
				slot->id = sent++;
				slot->arg = 0;
			}
			test_front_push(&p->front);
			assert_int_equal(p->s->shared.req_prod, (ring_idx_t)(start + sent));
			while (test_back_take_request(&p->back, &req) == RING_OK) {
				struct test_response *out = test_back_next_response(&p->back);
				out->id = req.id;
			}
			test_back_push(&p->back);
			while (test_front_take_response(&p->front, &rsp) == RING_OK)
				assert_true(rsp.id == read++);
			assert_int_equal(test_front_free(&p->front), 128);
		}
		/* Crossed zero, so the published index is now numerically below the start. */
		assert_true(p->s->shared.req_prod < start);
		assert_true(p->s->shared.rsp_prod < start);
		assert_int_equal(test_front_error(&p->front), 0);
		assert_int_equal(test_back_error(&p->back), 0);
		pair_free(p);
	}
}

static void test_full_across_the_wrap(void **state)
{
	struct pair *p = pair_new(PAGE, 0xfffffffc);
	struct test_request req;

	(void)state;
	send_requests(p, 128, 0);
	assert_true(test_front_full(&p->front));
	assert_int_equal(p->s->shared.req_prod, 0x7c);
	assert_int_equal(test_back_pending(&p->back), 128);
	for (unsigned i = 0; i < 128; i++) {
		assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
		assert_true(req.id == i);
	}
	assert_int_equal(test_back_take_request(&p->back, &req), RING_EMPTY);
	pair_free(p);
}

/* The rule written independently of the library: the event lies in (old, new] as integers. */
static bool expected_notify(int64_t event_offset, unsigned pushed)
{
	return event_offset >= 1 && event_offset <= (int64_t)pushed;
}

static const ring_idx_t bases[] = {0, 5, 0x7ffffffe, 0xfffffffb, 0xffffffff};

static void test_need_notify_rule(void **state)
{
	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (unsigned pushed = 0; pushed <= 6; pushed++) {
			for (int d = -4; d <= 10; d++) {
				ring_idx_t old = bases[b];
				ring_idx_t event = old + (ring_idx_t)d;
				assert_int_equal(ring_need_notify(old, old + pushed, event),
						 expected_notify(d, pushed));
			}
		}
	}
}

/* Requests: the frontend notifies exactly when req_event falls among the requests it pushed. */
static void test_request_notify_exactly_when_asked(void **state)
{
	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (unsigned pushed = 1; pushed <= 5; pushed++) {
			for (int d = -3; d <= 8; d++) {
				struct pair *p = pair_new(PAGE, bases[b]);
				p->s->shared.req_event = bases[b] + (ring_idx_t)d;
				assert_int_equal(send_requests(p, pushed, 0),
						 expected_notify(d, pushed));
				pair_free(p);
			}
		}
	}
}

/* Responses: the same rule with rsp_event, for the backend. */
static void test_response_notify_exactly_when_asked(void **state)
{
	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (unsigned pushed = 1; pushed <= 5; pushed++) {
			for (int d = -3; d <= 8; d++) {
				struct pair *p = pair_new(PAGE, bases[b]);
				send_requests(p, pushed, 0);
				p->s->shared.rsp_event = bases[b] + (ring_idx_t)d;
				assert_int_equal(answer_requests(p, pushed),
						 expected_notify(d, pushed));
				pair_free(p);
			}
		}
	}
}

/* A consumer that went idle through final_check is woken once, not on every later push. */
static void test_request_wakeups_one_per_idle(void **state)
{
	struct pair *p = pair_new(PAGE, 0xfffffffe);
	struct test_request req;

	(void)state;
	assert_int_equal(test_back_final_check(&p->back), 0);
	assert_int_equal(p->s->shared.req_event, 0xffffffff); /* req_cons + 1 */
	assert_true(send_requests(p, 1, 0));
	/* The backend has not looked yet: further pushes need no event. */
	assert_false(send_requests(p, 1, 1));
	assert_false(send_requests(p, 3, 2));
	/* Work pending: final_check reports it and leaves the event alone. */
	assert_int_equal(test_back_final_check(&p->back), 5);
	assert_int_equal(p->s->shared.req_event, 0xffffffff);
	for (int i = 0; i < 5; i++)
		assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	assert_int_equal(test_back_final_check(&p->back), 0);
	assert_int_equal(p->s->shared.req_event, 4);
	assert_true(send_requests(p, 2, 5));
	pair_free(p);
}

static void test_response_wakeups_one_per_idle(void **state)
{
	struct pair *p = pair_new(PAGE, 0xfffffffe);
	struct test_response rsp;

	(void)state;
	send_requests(p, 6, 0);
	assert_int_equal(test_front_final_check(&p->front), 0);
	assert_int_equal(p->s->shared.rsp_event, 0xffffffff);
	assert_true(answer_requests(p, 2));
	assert_false(answer_requests(p, 1));
	assert_int_equal(test_front_final_check(&p->front), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
	assert_int_equal(test_front_final_check(&p->front), 0);
	assert_int_equal(p->s->shared.rsp_event, 2);
	assert_true(answer_requests(p, 3));
	pair_free(p);
}

/*
 * The lost wake-up race: the producer publishes just before the consumer arms its event, so the
 * producer sees the old event and does not notify. final_check must then find the work itself.
 */
static void test_no_lost_wakeup_when_push_races_idle(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_request req;
	struct test_response rsp;

	(void)state;
	/* Backend: one request handled, event still at 1 from init, so it is "stale". */
	send_requests(p, 1, 0);
	assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	assert_false(send_requests(p, 1, 1)); /* event 1 is behind: no notify */
	assert_int_equal(test_back_final_check(&p->back), 1);
	assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	assert_true(req.id == 1);

	/* Frontend side of the same race. */
	struct test_response *out = test_back_next_response(&p->back);
	out->id = 0;
	assert_true(test_back_push_notify(&p->back)); /* rsp_event 1 asked for the first */
	assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
	test_back_next_response(&p->back)->id = 1;
	assert_false(test_back_push_notify(&p->back)); /* rsp_event still 1 */
	assert_int_equal(test_front_final_check(&p->front), 1);
	pair_free(p);
}

/* ---- Hostile producers. Each case pokes the shared indices as a malicious peer could. ---- */

static void check_back_broken(struct pair *p, int err)
{
	struct test_request req;

	assert_int_equal(test_back_error(&p->back), err);
	assert_int_equal(test_back_take_request(&p->back, &req), err);
	assert_int_equal(test_back_pending(&p->back), err);
	assert_int_equal(test_back_final_check(&p->back), err);
	assert_null(test_back_next_response(&p->back));
	/* Sticky: even a now-sane index does not revive the ring. */
	p->s->shared.req_prod = p->back.core.req_cons;
	assert_int_equal(test_back_take_request(&p->back, &req), err);
}

static void check_front_broken(struct pair *p, int err)
{
	struct test_response rsp;

	assert_int_equal(test_front_error(&p->front), err);
	assert_int_equal(test_front_take_response(&p->front, &rsp), err);
	assert_int_equal(test_front_pending(&p->front), err);
	assert_int_equal(test_front_final_check(&p->front), err);
	assert_null(test_front_next_request(&p->front));
	p->s->shared.rsp_prod = p->front.core.rsp_cons;
	assert_int_equal(test_front_take_response(&p->front, &rsp), err);
}

static void test_requests_exactly_ring_size_ahead_accepted(void **state)
{
	struct test_request req;

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct pair *p = pair_new(PAGE, bases[b]);
		p->s->shared.req_prod = bases[b] + 128;
		assert_int_equal(test_back_pending(&p->back), 128);
		for (int i = 0; i < 128; i++)
			assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
		assert_int_equal(test_back_take_request(&p->back, &req), RING_EMPTY);
		pair_free(p);
	}
}

static void test_requests_ring_size_plus_one_ahead(void **state)
{
	struct test_request req;

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct pair *p = pair_new(PAGE, bases[b]);
		p->s->shared.req_prod = bases[b] + 129;
		assert_int_equal(test_back_take_request(&p->back, &req), RING_ERR_AHEAD);
		check_back_broken(p, RING_ERR_AHEAD);
		pair_free(p);
	}
}

/* Requests taken but not answered still occupy their slots: the limit counts them. */
static void test_requests_ahead_of_unanswered(void **state)
{
	struct pair *p = pair_new(PAGE, 0xfffffff0);
	struct test_request req;

	(void)state;
	send_requests(p, 10, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	/* 128 past the last response published (none): fine. */
	p->s->shared.req_prod = 0xfffffff0 + 128;
	assert_int_equal(test_back_pending(&p->back), 125);
	/* Answering 3 and publishing them frees 3 slots for the frontend. */
	for (int i = 0; i < 3; i++)
		test_back_next_response(&p->back)->id = 0;
	test_back_push(&p->back);
	p->s->shared.req_prod = 0xfffffff0 + 131;
	assert_int_equal(test_back_pending(&p->back), 128);
	/* Answered but unpublished responses free nothing: the frontend cannot know of them. */
	assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
	test_back_next_response(&p->back)->id = 0;
	p->s->shared.req_prod = 0xfffffff0 + 132;
	assert_int_equal(test_back_pending(&p->back), RING_ERR_AHEAD);
	check_back_broken(p, RING_ERR_AHEAD);
	pair_free(p);
}

static void test_requests_go_backwards(void **state)
{
	struct test_request req;

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct pair *p = pair_new(PAGE, bases[b]);
		send_requests(p, 5, 0);
		assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
		assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
		/* Seen 5, taken 2; the producer claims only 4 now. */
		p->s->shared.req_prod = bases[b] + 4;
		assert_int_equal(test_back_pending(&p->back), RING_ERR_BACKWARDS);
		check_back_broken(p, RING_ERR_BACKWARDS);
		pair_free(p);
	}
}

/* The producer index drops below what the consumer has already taken. */
static void test_requests_behind_consumer(void **state)
{
	struct test_request req;

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct pair *p = pair_new(PAGE, bases[b]);
		send_requests(p, 3, 0);
		for (int i = 0; i < 3; i++)
			assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
		p->s->shared.req_prod = bases[b] + 1;
		assert_int_equal(test_back_take_request(&p->back, &req), RING_ERR_BACKWARDS);
		check_back_broken(p, RING_ERR_BACKWARDS);
		pair_free(p);

		/* Also when the backend attached at an index the producer has not reached. */
		p = pair_new(PAGE, bases[b]);
		assert_int_equal(test_back_attach(&p->back, p->s, PAGE, bases[b] + 2), RING_OK);
		assert_int_equal(test_back_final_check(&p->back), RING_ERR_BACKWARDS);
		pair_free(p);
	}
}

static void test_requests_huge_jumps(void **state)
{
	static const ring_idx_t jumps[] = {130,	       1000,	   0x10000,    0x40000000,
					   0x7fffffff, 0x80000000, 0xc0000000, 0xffffffff};

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (size_t j = 0; j < sizeof(jumps) / sizeof(jumps[0]); j++) {
			struct pair *p = pair_new(PAGE, bases[b]);
			struct test_request req;
			int err = jumps[j] < 0x80000000u ? RING_ERR_AHEAD : RING_ERR_BACKWARDS;
			send_requests(p, 2, 0);
			assert_int_equal(test_back_take_request(&p->back, &req), RING_OK);
			p->s->shared.req_prod += jumps[j];
			assert_int_equal(test_back_final_check(&p->back), err);
			check_back_broken(p, err);
			pair_free(p);
		}
	}
}

static void test_responses_beyond_requests_issued(void **state)
{
	struct test_response rsp;

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		/* Nothing asked, one answer. */
		struct pair *p = pair_new(PAGE, bases[b]);
		p->s->shared.rsp_prod = bases[b] + 1;
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_ERR_AHEAD);
		check_front_broken(p, RING_ERR_AHEAD);
		pair_free(p);

		/* Three asked, four answers. */
		p = pair_new(PAGE, bases[b]);
		send_requests(p, 3, 0);
		p->s->shared.rsp_prod = bases[b] + 3;
		assert_int_equal(test_front_pending(&p->front), 3);
		p->s->shared.rsp_prod = bases[b] + 4;
		assert_int_equal(test_front_pending(&p->front), RING_ERR_AHEAD);
		check_front_broken(p, RING_ERR_AHEAD);
		pair_free(p);

		/* Filled but unpublished requests cannot have been answered. */
		p = pair_new(PAGE, bases[b]);
		send_requests(p, 3, 0);
		for (int i = 0; i < 2; i++)
			assert_non_null(test_front_next_request(&p->front));
		p->s->shared.rsp_prod = bases[b] + 4;
		assert_int_equal(test_front_final_check(&p->front), RING_ERR_AHEAD);
		check_front_broken(p, RING_ERR_AHEAD);
		pair_free(p);

		/* A full ring, answered one more than the ring holds. */
		p = pair_new(PAGE, bases[b]);
		send_requests(p, 128, 0);
		p->s->shared.rsp_prod = bases[b] + 129;
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_ERR_AHEAD);
		check_front_broken(p, RING_ERR_AHEAD);
		pair_free(p);
	}
}

static void test_responses_go_backwards(void **state)
{
	struct test_response rsp;

	(void)state;
	for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		struct pair *p = pair_new(PAGE, bases[b]);
		send_requests(p, 4, 0);
		answer_requests(p, 4);
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
		p->s->shared.rsp_prod = bases[b] + 3;
		assert_int_equal(test_front_pending(&p->front), RING_ERR_BACKWARDS);
		check_front_broken(p, RING_ERR_BACKWARDS);
		pair_free(p);

		p = pair_new(PAGE, bases[b]);
		send_requests(p, 4, 0);
		answer_requests(p, 2);
		for (int i = 0; i < 2; i++)
			assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
		p->s->shared.rsp_prod = bases[b] + 0x80000002u; /* half the space: backwards */
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_ERR_BACKWARDS);
		check_front_broken(p, RING_ERR_BACKWARDS);
		pair_free(p);
	}
}

/* Hostile event indices only change whether we notify; they never break the ring. */
static void test_hostile_event_indices_are_harmless(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_response rsp;

	(void)state;
	for (uint32_t i = 0; i < 300; i++) {
		p->s->shared.req_event = i * 0x9e3779b9u;
		p->s->shared.rsp_event = i * 0x7f4a7c15u;
		send_requests(p, 1 + i % 7, i);
		answer_requests(p, 1 + i % 7);
		while (test_front_take_response(&p->front, &rsp) == RING_OK)
			;
	}
	assert_int_equal(test_front_error(&p->front), 0);
	assert_int_equal(test_back_error(&p->back), 0);
	assert_int_equal(p->s->shared.rsp_prod, p->front.core.rsp_cons);
	pair_free(p);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * A two-slot ring in an odd-sized allocation, its producer index set to random values, mostly
 * plausible, sometimes wild. Whatever it says, the backend reads inside the allocation (ASan)
 * and a taking loop ends within the ring size.
 */
static void test_random_producer_never_overreads(void **state)
{
	const size_t bytes = 64 + 3 * 16 + 5; /* room for 3 slots: 2 usable */
	uint32_t seed = 12345;
	unsigned errors = 0, taken = 0;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		ring_idx_t start = xorshift(&seed);
		struct pair *p = pair_new(bytes, start);
		assert_int_equal(test_back_size(&p->back), 2);
		for (int step = 0; step < 50 && test_back_error(&p->back) == 0; step++) {
			uint32_t r = xorshift(&seed);
			if (r % 4 == 0)
				p->s->shared.req_prod = xorshift(&seed);
			else
				p->s->shared.req_prod += r % 4;
			struct test_request req;
			int calls = 0, rc;
			while ((rc = test_back_take_request(&p->back, &req)) == RING_OK) {
				taken++;
				assert_true(++calls <= 2);
			}
			if (rc < 0) {
				errors++;
				break;
			}
			/* Answer everything taken, so slots come free again. */
			struct test_response *out;
			while ((out = test_back_next_response(&p->back)) != NULL)
				out->id = 0;
			test_back_push(&p->back);
		}
		pair_free(p);
	}
	/* Both kinds of outcome happened, so the test exercised both paths. */
	assert_true(errors > 100);
	assert_true(taken > 1000);
}

static void test_attach_at_nonzero_index(void **state)
{
	struct pair *p = pair_new(PAGE, 0);
	struct test_response rsp;

	(void)state;
	send_requests(p, 5, 0);
	answer_requests(p, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(test_front_take_response(&p->front, &rsp), RING_OK);
	/* Both ends reconnect where the shared indices stand, as after a resume. */
	assert_int_equal(test_front_attach(&p->front, p->s, PAGE, 5), RING_OK);
	assert_int_equal(test_back_attach(&p->back, p->s, PAGE, 5), RING_OK);
	assert_ptr_equal(test_front_next_request(&p->front), &p->s->ring[5].req);
	test_front_push(&p->front);
	assert_int_equal(test_back_pending(&p->back), 1);
	pair_free(p);
}

static void test_result_names(void **state)
{
	(void)state;
	assert_string_equal(ring_result_name(RING_OK), "ok");
	assert_string_equal(ring_result_name(RING_EMPTY), "empty");
	assert_string_equal(ring_result_name(RING_ERR_AHEAD), "producer ran ahead");
	assert_string_equal(ring_result_name(RING_ERR_BACKWARDS), "producer went backwards");
	assert_string_equal(ring_result_name(RING_ERR_SIZE), "ring too small");
	assert_string_equal(ring_result_name(42), "unknown ring result");
	assert_true(RING_ERR_AHEAD < 0 && RING_ERR_BACKWARDS < 0 && RING_ERR_SIZE < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_init_is_xens_initial_state),
		cmocka_unit_test(test_entry_count_is_largest_power_of_two),
		cmocka_unit_test(test_too_small_ring_refuses_all_work),
		cmocka_unit_test(test_one_request_round_trip),
		cmocka_unit_test(test_takes_copy_only_their_own_type),
		cmocka_unit_test(test_full_ring_refuses_requests_until_responses_read),
		cmocka_unit_test(test_backend_answers_only_requests_taken),
		cmocka_unit_test(test_batches_keep_order),
		cmocka_unit_test(test_indices_wrap_at_2_32),
		cmocka_unit_test(test_full_across_the_wrap),
		cmocka_unit_test(test_need_notify_rule),
		cmocka_unit_test(test_request_notify_exactly_when_asked),
		cmocka_unit_test(test_response_notify_exactly_when_asked),
		cmocka_unit_test(test_request_wakeups_one_per_idle),
		cmocka_unit_test(test_response_wakeups_one_per_idle),
		cmocka_unit_test(test_no_lost_wakeup_when_push_races_idle),
		cmocka_unit_test(test_requests_exactly_ring_size_ahead_accepted),
		cmocka_unit_test(test_requests_ring_size_plus_one_ahead),
		cmocka_unit_test(test_requests_ahead_of_unanswered),
		cmocka_unit_test(test_requests_go_backwards),
		cmocka_unit_test(test_requests_behind_consumer),
		cmocka_unit_test(test_requests_huge_jumps),
		cmocka_unit_test(test_responses_beyond_requests_issued),
		cmocka_unit_test(test_responses_go_backwards),
		cmocka_unit_test(test_hostile_event_indices_are_harmless),
		cmocka_unit_test(test_random_producer_never_overreads),
		cmocka_unit_test(test_attach_at_nonzero_index),
		cmocka_unit_test(test_result_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
