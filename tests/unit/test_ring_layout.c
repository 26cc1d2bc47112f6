/*
 * Conformance of Parvus's ring with Xen's public io/ring.h, the specification. This is the one
 * file allowed to include Xen's header: it declares the same request/response pairs both ways
 * and checks that offsets, header size, slot size, entry counts and the very bytes written to
 * shared memory agree, and that each implementation's ends work with the other's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/ring.h>

#include "ring.h"

/* Sample protocols, from tiny slots to slots that fill the page. */
struct tiny_req {
	uint8_t op;
};
struct tiny_rsp {
	uint8_t status;
};

struct small_req {
	uint64_t id;
	uint32_t arg;
};
struct small_rsp {
	uint32_t value;
};

struct odd_req {
	uint32_t words[3];
};
struct odd_rsp {
	uint16_t status;
};

struct blk_segment {
	uint32_t gref;
	uint8_t first_sect, last_sect;
};
struct blk_req { /* shaped like blkif_request: 112 bytes */
	uint8_t operation;
	uint8_t nr_segments;
	uint16_t handle;
	uint64_t id;
	uint64_t sector_number;
	struct blk_segment seg[11];
};
struct blk_rsp {
	uint64_t id;
	uint8_t operation;
	int16_t status;
};

struct big_req {
	uint8_t bytes[200];
};
struct big_rsp {
	uint8_t status;
};

struct page_req {
	uint8_t bytes[4032];
};
struct page_rsp {
	uint64_t id;
};

#define BOTH(name, req, rsp)                                   \
	DEFINE_RING_TYPES(xen_##name, struct req, struct rsp); \
	RING_DECLARE(pv_##name, struct req, struct rsp)

BOTH(tiny, tiny_req, tiny_rsp);
BOTH(small, small_req, small_rsp);
BOTH(odd, odd_req, odd_rsp);
BOTH(blk, blk_req, blk_rsp);
BOTH(big, big_req, big_rsp);
BOTH(page, page_req, page_rsp);

/* Ring sizes in bytes to compare entry counts at: pages, multi-page rings and odd sizes. */
static const size_t sizes[] = {4096, 8192, 16384, 65536, 1 << 20, 1000, 4095, 12345, 100000};

/*
 * For one protocol: header field offsets, header size, slot size and offset, and the entry
 * count for every size above (Xen's constant and runtime formulas against ours).
 */
#define CHECK_LAYOUT(name)                                                                     \
	static void test_layout_##name(void **state)                                           \
	{                                                                                      \
		size_t entry = sizeof(union xen_##name##_sring_entry);                         \
		(void)state;                                                                   \
		assert_int_equal(sizeof(union pv_##name##_sring_entry), entry);                \
		assert_int_equal(offsetof(struct pv_##name##_sring, shared.req_prod),          \
				 offsetof(struct xen_##name##_sring, req_prod));               \
		assert_int_equal(offsetof(struct pv_##name##_sring, shared.req_event),         \
				 offsetof(struct xen_##name##_sring, req_event));              \
		assert_int_equal(offsetof(struct pv_##name##_sring, shared.rsp_prod),          \
				 offsetof(struct xen_##name##_sring, rsp_prod));               \
		assert_int_equal(offsetof(struct pv_##name##_sring, shared.rsp_event),         \
				 offsetof(struct xen_##name##_sring, rsp_event));              \
		assert_int_equal(offsetof(struct pv_##name##_sring, shared.pvt),               \
				 offsetof(struct xen_##name##_sring, pvt));                    \
		assert_int_equal(offsetof(struct pv_##name##_sring, shared.pad),               \
				 offsetof(struct xen_##name##_sring, __pad));                  \
		assert_int_equal(sizeof(((struct ring_shared *)0)->pad),                       \
				 sizeof(((struct xen_##name##_sring *)0)->__pad));             \
		assert_int_equal(offsetof(struct pv_##name##_sring, ring),                     \
				 offsetof(struct xen_##name##_sring, ring));                   \
		assert_int_equal(offsetof(struct xen_##name##_sring, ring), RING_SHARED_SIZE); \
		assert_int_equal(sizeof(struct ring_shared), RING_SHARED_SIZE);                \
		assert_int_equal(sizeof(RING_IDX), sizeof(ring_idx_t));                        \
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {                \
			size_t bytes = sizes[i];                                               \
			if (bytes < RING_SHARED_SIZE + entry)                                  \
				continue; /* Xen's formula is undefined there */               \
			unsigned xen_count = __CONST_RING_SIZE(xen_##name, bytes);             \
			struct xen_##name##_sring *xs = calloc(1, bytes);                      \
			struct xen_##name##_front_ring xf;                                     \
			struct pv_##name##_front_ring pf;                                      \
			assert_non_null(xs);                                                   \
			FRONT_RING_INIT(&xf, xs, bytes);                                       \
			assert_int_equal(RING_SIZE(&xf), xen_count);                           \
			assert_int_equal(RING_ENTRIES(pv_##name, bytes), xen_count);           \
			assert_int_equal(ring_entries_for(bytes, entry), xen_count);           \
			assert_int_equal(pv_##name##_front_init(                               \
						 &pf, (struct pv_##name##_sring *)xs, bytes),  \
					 RING_OK);                                             \
			assert_int_equal(pv_##name##_front_size(&pf), xen_count);              \
			free(xs);                                                              \
		}                                                                              \
	}

CHECK_LAYOUT(tiny)
CHECK_LAYOUT(small)
CHECK_LAYOUT(odd)
CHECK_LAYOUT(blk)
CHECK_LAYOUT(big)
CHECK_LAYOUT(page)

/* The entry counts the layout cases must have seen, written out for a 4 KiB page. */
static void test_page_entry_counts(void **state)
{
	(void)state;
	assert_int_equal(__CONST_RING_SIZE(xen_tiny, 4096), 2048);
	assert_int_equal(RING_ENTRIES(pv_tiny, 4096), 2048);
	assert_int_equal(RING_ENTRIES(pv_small, 4096), 128);
	assert_int_equal(RING_ENTRIES(pv_odd, 4096), 256);
	assert_int_equal(RING_ENTRIES(pv_blk, 4096), 32);
	assert_int_equal(RING_ENTRIES(pv_big, 4096), 16);
	assert_int_equal(RING_ENTRIES(pv_page, 4096), 1);
	assert_int_equal(sizeof(struct blk_req), 112);
}

/* Both initialise a page full of garbage to the same bytes. */
static void test_shared_init_same_bytes(void **state)
{
	uint8_t *xen = malloc(4096), *ours = malloc(4096);

	(void)state;
	assert_non_null(xen);
	assert_non_null(ours);
	memset(xen, 0x5a, 4096);
	memset(ours, 0x5a, 4096);
	SHARED_RING_INIT((struct xen_blk_sring *)xen);
	pv_blk_sring_init((struct pv_blk_sring *)ours);
	assert_memory_equal(xen, ours, 4096);
	free(xen);
	free(ours);
}

static uint32_t next_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static struct small_req *next_small_request(struct pv_small_front_ring *r)
{
	struct small_req *req = pv_small_front_next_request(r);

	assert_non_null(req);
	return req;
}

/*
 * Differential run: one ring driven by Xen's macros, a second by Parvus's functions, the same
 * random sequence of operations on both. After every step the two shared pages must hold the
 * same bytes, and every notify decision and "work to do" count must agree.
 */
static void test_same_bytes_and_decisions_as_xen(void **state)
{
	const size_t bytes = 4096;
	struct xen_small_sring *xs = malloc(bytes);
	struct pv_small_sring *ps = malloc(bytes);
	struct xen_small_front_ring xf;
	struct xen_small_back_ring xb;
	struct pv_small_front_ring pf;
	struct pv_small_back_ring pb;
	uint32_t seed = 2463534242u;
	uint64_t next_id = 0;
	unsigned notifies = 0, quiet = 0;

	(void)state;
	assert_non_null(xs);
	assert_non_null(ps);
	memset(xs, 0, bytes);
	memset(ps, 0, bytes);
	SHARED_RING_INIT(xs);
	FRONT_RING_INIT(&xf, xs, bytes);
	BACK_RING_INIT(&xb, xs, bytes);
	pv_small_sring_init(ps);
	assert_int_equal(pv_small_front_init(&pf, ps, bytes), RING_OK);
	assert_int_equal(pv_small_back_init(&pb, ps, bytes), RING_OK);

	for (int step = 0; step < 20000; step++) {
		uint32_t r = next_random(&seed);
		unsigned n = 1 + (r >> 8) % 40;
		bool xen_notify = false, pv_notify = false;
		int xen_work = 0, pv_work = 0;

		switch (r % 6) {
		case 0: /* frontend fills up to n requests and publishes them */
			for (unsigned i = 0; i < n && !RING_FULL(&xf); i++) {
				struct small_req *x = RING_GET_REQUEST(&xf, xf.req_prod_pvt);
				struct small_req *p = next_small_request(&pf);
				x->id = p->id = next_id;
				x->arg = p->arg = (uint32_t)next_id++;
				xf.req_prod_pvt++;
			}
			assert_int_equal(pv_small_front_full(&pf), RING_FULL(&xf));
			RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&xf, xen_notify);
			pv_notify = pv_small_front_push_notify(&pf);
			break;
		case 1: /* backend takes and answers up to n requests */
			for (unsigned i = 0; i < n && RING_HAS_UNCONSUMED_REQUESTS(&xb); i++) {
				struct small_req xr, pr;
				RING_COPY_REQUEST(&xb, xb.req_cons, &xr);
				xb.req_cons++;
				assert_int_equal(pv_small_back_take_request(&pb, &pr), RING_OK);
				assert_memory_equal(&xr, &pr, sizeof(xr));
				RING_GET_RESPONSE(&xb, xb.rsp_prod_pvt)->value = xr.arg ^ 0xffff;
				xb.rsp_prod_pvt++;
				pv_small_back_next_response(&pb)->value = pr.arg ^ 0xffff;
			}
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&xb, xen_notify);
			pv_notify = pv_small_back_push_notify(&pb);
			break;
		case 2: /* frontend reads up to n responses */
			for (unsigned i = 0; i < n && RING_HAS_UNCONSUMED_RESPONSES(&xf); i++) {
				struct small_rsp xr, pr;
				RING_COPY_RESPONSE(&xf, xf.rsp_cons, &xr);
				xf.rsp_cons++;
				assert_int_equal(pv_small_front_take_response(&pf, &pr), RING_OK);
				assert_int_equal(xr.value, pr.value);
			}
			break;
		case 3: /* backend goes idle */
			RING_FINAL_CHECK_FOR_REQUESTS(&xb, xen_work);
			pv_work = pv_small_back_final_check(&pb);
			break;
		case 4: /* frontend goes idle */
			RING_FINAL_CHECK_FOR_RESPONSES(&xf, xen_work);
			pv_work = pv_small_front_final_check(&pf);
			break;
		case 5: /* plain pushes, no notify check */
			RING_PUSH_REQUESTS(&xf);
			pv_small_front_push(&pf);
			RING_PUSH_RESPONSES(&xb);
			pv_small_back_push(&pb);
			break;
		}
		assert_int_equal(xen_notify, pv_notify);
		assert_int_equal(xen_work, pv_work);
		notifies += xen_notify;
		quiet += !xen_notify && (r % 6 < 2);
		assert_memory_equal(xs, ps, bytes);
	}
	/* The run exercised both outcomes of the notify decision. */
	assert_true(notifies > 100);
	assert_true(quiet > 100);
	assert_int_equal(pv_small_front_error(&pf), 0);
	assert_int_equal(pv_small_back_error(&pb), 0);
	free(xs);
	free(ps);
}

/* A Xen-macro frontend and a Parvus backend share one page, then the other way round. */
static void test_interworks_with_xen_macros(void **state)
{
	const size_t bytes = 4096;
	struct xen_blk_sring *s = malloc(bytes);
	struct xen_blk_front_ring xf;
	struct xen_blk_back_ring xb;
	struct pv_blk_front_ring pf;
	struct pv_blk_back_ring pb;
	int work;

	(void)state;
	assert_non_null(s);
	/* Xen frontend, Parvus backend, indices starting near the wrap. */
	SHARED_RING_INIT(s);
	s->req_prod = s->rsp_prod = 0xfffffff0;
	FRONT_RING_ATTACH(&xf, s, 0xfffffff0, bytes);
	assert_int_equal(pv_blk_back_attach(&pb, (struct pv_blk_sring *)s, bytes, 0xfffffff0),
			 RING_OK);
	for (uint64_t id = 0; id < 1000;) {
		int batch = 0;
		while (!RING_FULL(&xf) && batch < 7) {
			struct blk_req *req = RING_GET_REQUEST(&xf, xf.req_prod_pvt++);
			memset(req, 0, sizeof(*req));
			req->id = id++;
			req->nr_segments = (uint8_t)batch++;
		}
		RING_PUSH_REQUESTS(&xf);
		struct blk_req req;
		int rc;
		while ((rc = pv_blk_back_take_request(&pb, &req)) == RING_OK) {
			struct blk_rsp *rsp = pv_blk_back_next_response(&pb);
			rsp->id = req.id;
			rsp->status = (int16_t)req.nr_segments;
		}
		assert_int_equal(rc, RING_EMPTY);
		pv_blk_back_push(&pb);
		uint64_t expect = id - (uint64_t)batch;
		while (RING_HAS_UNCONSUMED_RESPONSES(&xf)) {
			struct blk_rsp *rsp = RING_GET_RESPONSE(&xf, xf.rsp_cons++);
			assert_true(rsp->id == expect);
			expect++;
		}
		assert_true(expect == id);
	}
	RING_FINAL_CHECK_FOR_RESPONSES(&xf, work);
	assert_int_equal(work, 0);
	assert_int_equal(pv_blk_back_final_check(&pb), 0);

	/* Parvus frontend, Xen backend. */
	SHARED_RING_INIT(s);
	assert_int_equal(pv_blk_front_init(&pf, (struct pv_blk_sring *)s, bytes), RING_OK);
	BACK_RING_INIT(&xb, s, bytes);
	for (uint64_t id = 0; id < 1000;) {
		struct blk_req *req;
		int batch = 0;
		while (batch < 9 && (req = pv_blk_front_next_request(&pf)) != NULL) {
			req->id = id++;
			batch++;
		}
		pv_blk_front_push(&pf);
		while (RING_HAS_UNCONSUMED_REQUESTS(&xb)) {
			struct blk_req *in = RING_GET_REQUEST(&xb, xb.req_cons++);
			struct blk_rsp *out = RING_GET_RESPONSE(&xb, xb.rsp_prod_pvt++);
			out->id = in->id;
		}
		RING_PUSH_RESPONSES(&xb);
		struct blk_rsp rsp;
		uint64_t expect = id - (uint64_t)batch;
		while (pv_blk_front_take_response(&pf, &rsp) == RING_OK)
			assert_true(rsp.id == expect++);
		assert_true(expect == id);
	}
	assert_int_equal(pv_blk_front_error(&pf), 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_tiny),
		cmocka_unit_test(test_layout_small),
		cmocka_unit_test(test_layout_odd),
		cmocka_unit_test(test_layout_blk),
		cmocka_unit_test(test_layout_big),
		cmocka_unit_test(test_layout_page),
		cmocka_unit_test(test_page_entry_counts),
		cmocka_unit_test(test_shared_init_same_bytes),
		cmocka_unit_test(test_same_bytes_and_decisions_as_xen),
		cmocka_unit_test(test_interworks_with_xen_macros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
