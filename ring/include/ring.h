/*
 * The shared I/O ring: the request/response queue a frontend and a backend keep in a granted
 * page, laid out byte for byte as Xen's io/ring.h so that Xen's own drivers can sit at the other
 * end. One generic core (struct ring_front, struct ring_back, ring_*) works on slots of any
 * size; RING_DECLARE(name, request type, response type) wraps it in typed structs and functions.
 *
 * Invariant: the consuming side reads no slot until the producer's index has been checked
 * against what that producer could legitimately have written. A bad index is returned as a
 * negative enum ring_result and breaks the ring for good; nothing is read past it.
 *
 * Freestanding: uses <stdint.h>, <stddef.h>, <stdbool.h> and <string.h> only. See docs/ring.md.
 */
#ifndef PARVUS_RING_H
#define PARVUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A free-running 32-bit index; slot = index & (entries - 1). Wraps at 2^32 by design. */
typedef uint32_t ring_idx_t;

/*
 * The 64-byte header at the start of every shared ring. The frontend writes req_prod and
 * rsp_event, the backend writes rsp_prod and req_event. An *_event field says "notify me when
 * the matching producer index reaches this value".
 */
struct ring_shared {
	ring_idx_t req_prod;  /* requests published by the frontend */
	ring_idx_t req_event; /* backend wants an event when req_prod reaches this */
	ring_idx_t rsp_prod;  /* responses published by the backend */
	ring_idx_t rsp_event; /* frontend wants an event when rsp_prod reaches this */
	uint8_t pvt[4];	      /* protocol-private bytes (netif keeps its smartpoll flag here) */
	uint8_t pad[44];      /* reserved: keeps the entries 64 bytes from the start */
};

#define RING_SHARED_SIZE 64u

_Static_assert(sizeof(struct ring_shared) == RING_SHARED_SIZE, "ring header is 64 bytes");
_Static_assert(offsetof(struct ring_shared, pvt) == 16, "private bytes follow the indices");

/*
 * Entry counts are capped so that a count always fits an int and the "moved backwards" test
 * (a forward step of less than half the index space) stays meaningful. A ring this large would
 * need 1 GiB of slots at the smallest entry size; no real protocol comes near it.
 */
#define RING_MAX_ENTRIES 0x40000000u

/* Largest power of two not above n (n > 0), as a constant expression. */
#define RING_POW2_FLOOR(n) (1ull << (63 - __builtin_clzll((unsigned long long)(n))))

/*
 * How many slots of entry_size bytes fit in a ring of `bytes` bytes, header included: the
 * largest power of two that fits, as Xen computes it, or 0 if not even one fits. A constant
 * expression when its arguments are, so protocol headers can size arrays with it.
 */
#define RING_SLOTS_FIT(bytes, entry_size)               \
	((unsigned long long)(bytes) < RING_SHARED_SIZE \
		 ? 0ull                                 \
		 : ((unsigned long long)(bytes)-RING_SHARED_SIZE) / (entry_size))

#define RING_ENTRIES_FOR(bytes, entry_size)                      \
	(RING_SLOTS_FIT(bytes, entry_size) == 0 ? 0u             \
	 : RING_SLOTS_FIT(bytes, entry_size) >= RING_MAX_ENTRIES \
		 ? RING_MAX_ENTRIES                              \
		 : (uint32_t)RING_POW2_FLOOR(RING_SLOTS_FIT(bytes, entry_size)))

static inline uint32_t ring_entries_for(size_t bytes, size_t entry_size)
{
	if (entry_size == 0)
		return 0;
	return RING_ENTRIES_FOR(bytes, entry_size);
}

/*
 * What a consuming call reports. Errors are negative so that calls returning a count can return
 * them too; an error is sticky: every later call on that ring end returns it again.
 */
enum ring_result {
	RING_OK = 0,		 /* an entry was taken */
	RING_EMPTY = 1,		 /* nothing waiting (from take functions only) */
	RING_ERR_AHEAD = -1,	 /* producer index past anything it could have written */
	RING_ERR_BACKWARDS = -2, /* producer index moved back from a value already seen */
	RING_ERR_SIZE = -3,	 /* init: the memory holds no entry at all */
};

static inline const char *ring_result_name(int result)
{
	switch (result) {
	case RING_OK:
		return "ok";
	case RING_EMPTY:
		return "empty";
	case RING_ERR_AHEAD:
		return "producer ran ahead";
	case RING_ERR_BACKWARDS:
		return "producer went backwards";
	case RING_ERR_SIZE:
		return "ring too small";
	default:
		return "unknown ring result";
	}
}

/* Empty the shared header with both producers at `start`; Xen's initial state is start = 0. */
static inline void ring_shared_init(struct ring_shared *s, ring_idx_t start)
{
	memset(s, 0, sizeof(*s));
	s->req_prod = start;
	s->rsp_prod = start;
	s->req_event = start + 1;
	s->rsp_event = start + 1;
}

/*
 * Index accesses. The peer runs on another CPU and writes its fields at any time, so every
 * shared index is read and written once per use, atomically. Release on publish and acquire on
 * read order the slot contents against the index; on x86 both are plain moves.
 *
 * Going idle and notifying are the two halves of one handshake: each side writes its own
 * index, then reads the other's. That write-then-read must not be reordered (x86 does reorder a
 * load before an earlier store), so both are sequentially consistent: the store becomes
 * mov+mfence or xchg, the full barrier Xen calls mb(). Seq-cst accesses rather than a
 * standalone fence also let ThreadSanitizer follow the protocol.
 */
static inline ring_idx_t ring_read_index(const ring_idx_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void ring_publish_index(ring_idx_t *p, ring_idx_t value)
{
	__atomic_store_n(p, value, __ATOMIC_RELEASE);
}

static inline ring_idx_t ring_read_index_sc(const ring_idx_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void ring_publish_index_sc(ring_idx_t *p, ring_idx_t value)
{
	__atomic_store_n(p, value, __ATOMIC_SEQ_CST);
}

/*
 * The notification rule: after moving a producer index from `from` to `to`, the peer must be
 * told exactly when the event index it asked for lies in (from, to]. Unsigned 32-bit
 * differences keep the test right across the wrap at 2^32.
 */
static inline bool ring_need_notify(ring_idx_t from, ring_idx_t to, ring_idx_t event)
{
	return (ring_idx_t)(to - event) < (ring_idx_t)(to - from);
}

/*
 * The check every consumer makes before trusting a producer index `prod`. `seen` is the value
 * it last accepted, `cons` how far it has consumed (never past seen), and `limit` how many
 * unconsumed entries the producer could at most have published. Returns 0 or a ring error.
 */
static inline int ring_check_producer(ring_idx_t prod, ring_idx_t seen, ring_idx_t cons,
				      ring_idx_t limit)
{
	if ((ring_idx_t)(prod - seen) >= 0x80000000u)
		return RING_ERR_BACKWARDS;
	if ((ring_idx_t)(prod - cons) > limit)
		return RING_ERR_AHEAD;
	return 0;
}

static inline int ring_attach_check(size_t entry_size, size_t bytes, uint32_t *entries)
{
	*entries = ring_entries_for(bytes, entry_size);
	return *entries == 0 ? RING_ERR_SIZE : RING_OK;
}

/* ---- The frontend: produces requests, consumes responses. ---- */

struct ring_front {
	struct ring_shared *shared;
	uint8_t *slots;		 /* first entry, RING_SHARED_SIZE bytes into the shared area */
	size_t slot_size;	 /* sizeof the request/response union */
	uint32_t entries;	 /* power of two */
	ring_idx_t req_prod_pvt; /* requests filled in, published or not */
	ring_idx_t req_pushed;	 /* requests published: our own copy of req_prod */
	ring_idx_t rsp_cons;	 /* responses taken */
	ring_idx_t rsp_seen;	 /* rsp_prod as last read and accepted */
	int error;		 /* 0, or the ring_result that broke this ring */
};

/*
 * Attach to a shared ring of `bytes` bytes whose indices stand at `start` (0 for a ring fresh
 * from ring_shared_init(..., 0)). Returns RING_OK or RING_ERR_SIZE.
 */
static inline int ring_front_attach(struct ring_front *r, struct ring_shared *s, size_t slot_size,
				    size_t bytes, ring_idx_t start)
{
	memset(r, 0, sizeof(*r));
	r->error = ring_attach_check(slot_size, bytes, &r->entries);
	r->shared = s;
	r->slots = (uint8_t *)s + RING_SHARED_SIZE;
	r->slot_size = slot_size;
	r->req_prod_pvt = start;
	r->req_pushed = start;
	r->rsp_cons = start;
	r->rsp_seen = start;
	return r->error;
}

/* Slots the frontend may still fill: those not holding a request or an unread response. */
static inline uint32_t ring_front_free(const struct ring_front *r)
{
	return r->entries - (r->req_prod_pvt - r->rsp_cons);
}

static inline void *ring_front_slot(const struct ring_front *r, ring_idx_t i)
{
	return r->slots + (size_t)(i & (r->entries - 1)) * r->slot_size;
}

/* The next free slot for a request, reserved; NULL if the ring is full or broken. */
static inline void *ring_front_next_request(struct ring_front *r)
{
	if (r->error || ring_front_free(r) == 0)
		return NULL;
	return ring_front_slot(r, r->req_prod_pvt++);
}

/* Publish every request filled in so far. */
static inline void ring_front_push(struct ring_front *r)
{
	ring_publish_index(&r->shared->req_prod, r->req_prod_pvt);
	r->req_pushed = r->req_prod_pvt;
}

/*
 * Publish, then say whether the backend asked to be notified of what was just published. The
 * new req_prod is globally visible before req_event is read, so a backend arming its event
 * concurrently either is seen here or sees our requests in its final check.
 */
static inline bool ring_front_push_notify(struct ring_front *r)
{
	ring_idx_t old = r->req_pushed;

	ring_publish_index_sc(&r->shared->req_prod, r->req_prod_pvt);
	r->req_pushed = r->req_prod_pvt;
	return ring_need_notify(old, r->req_prod_pvt, ring_read_index_sc(&r->shared->req_event));
}

/*
 * Read and check rsp_prod. The backend cannot answer more requests than we published, so
 * anything past req_pushed is an error; so is a value behind one already accepted.
 * Returns the number of responses waiting, or a negative ring error.
 */
static inline int ring_front_accept(struct ring_front *r, ring_idx_t prod)
{
	int err = ring_check_producer(prod, r->rsp_seen, r->rsp_cons, r->req_pushed - r->rsp_cons);

	if (err)
		return r->error = err;
	r->rsp_seen = prod;
	return (int)(prod - r->rsp_cons);
}

static inline int ring_front_pending(struct ring_front *r)
{
	if (r->error)
		return r->error;
	return ring_front_accept(r, ring_read_index(&r->shared->rsp_prod));
}

/*
 * Copy the next response (len bytes) out of the ring, so the backend cannot change it under the
 * caller. Returns RING_OK, RING_EMPTY or a negative ring error.
 */
static inline int ring_front_take(struct ring_front *r, void *out, size_t len)
{
	if (r->error)
		return r->error;
	if (r->rsp_cons == r->rsp_seen) {
		int n = ring_front_pending(r);

		if (n <= 0)
			return n == 0 ? RING_EMPTY : n;
	}
	memcpy(out, ring_front_slot(r, r->rsp_cons), len);
	/* Keep the compiler from re-reading shared memory in place of the copy. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r->rsp_cons++;
	return RING_OK;
}

/*
 * Before going idle: if nothing is waiting, ask the backend for an event on the next response
 * and look once more, so a response published in between is not missed. Returns the number of
 * responses waiting (0: the event is armed, sleep), or a negative ring error.
 */
static inline int ring_front_final_check(struct ring_front *r)
{
	int n = ring_front_pending(r);

	if (n != 0)
		return n;
	/* rsp_event is globally visible before rsp_prod is read again (see push_notify). */
	ring_publish_index_sc(&r->shared->rsp_event, r->rsp_cons + 1);
	return ring_front_accept(r, ring_read_index_sc(&r->shared->rsp_prod));
}

/* ---- The backend: consumes requests, produces responses. ---- */

struct ring_back {
	struct ring_shared *shared;
	uint8_t *slots;
	size_t slot_size;
	uint32_t entries;
	ring_idx_t rsp_prod_pvt; /* responses filled in, published or not */
	ring_idx_t rsp_pushed;	 /* responses published: our own copy of rsp_prod */
	ring_idx_t req_cons;	 /* requests taken */
	ring_idx_t req_seen;	 /* req_prod as last read and accepted */
	int error;
};

static inline int ring_back_attach(struct ring_back *r, struct ring_shared *s, size_t slot_size,
				   size_t bytes, ring_idx_t start)
{
	memset(r, 0, sizeof(*r));
	r->error = ring_attach_check(slot_size, bytes, &r->entries);
	r->shared = s;
	r->slots = (uint8_t *)s + RING_SHARED_SIZE;
	r->slot_size = slot_size;
	r->rsp_prod_pvt = start;
	r->rsp_pushed = start;
	r->req_cons = start;
	r->req_seen = start;
	return r->error;
}

static inline void *ring_back_slot(const struct ring_back *r, ring_idx_t i)
{
	return r->slots + (size_t)(i & (r->entries - 1)) * r->slot_size;
}

/*
 * Read and check req_prod. A frontend may reuse a slot only once it has read the response in
 * it, and it has seen no more than the responses we published; so at most `entries` requests
 * can be published past rsp_pushed. Returns the number waiting, or a negative ring error.
 */
static inline int ring_back_accept(struct ring_back *r, ring_idx_t prod)
{
	int err = ring_check_producer(prod, r->req_seen, r->req_cons,
				      r->entries - (r->req_cons - r->rsp_pushed));

	if (err)
		return r->error = err;
	r->req_seen = prod;
	return (int)(prod - r->req_cons);
}

static inline int ring_back_pending(struct ring_back *r)
{
	if (r->error)
		return r->error;
	return ring_back_accept(r, ring_read_index(&r->shared->req_prod));
}

/* Copy the next request out of the ring. Returns RING_OK, RING_EMPTY or a negative error. */
static inline int ring_back_take(struct ring_back *r, void *out, size_t len)
{
	if (r->error)
		return r->error;
	if (r->req_cons == r->req_seen) {
		int n = ring_back_pending(r);

		if (n <= 0)
			return n == 0 ? RING_EMPTY : n;
	}
	memcpy(out, ring_back_slot(r, r->req_cons), len);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	r->req_cons++;
	return RING_OK;
}

/*
 * The slot for the next response, reserved; NULL if every request taken has its response
 * already (a response always reuses the slot of a request that was taken) or the ring is broken.
 */
static inline void *ring_back_next_response(struct ring_back *r)
{
	if (r->error || r->rsp_prod_pvt == r->req_cons)
		return NULL;
	return ring_back_slot(r, r->rsp_prod_pvt++);
}

static inline void ring_back_push(struct ring_back *r)
{
	ring_publish_index(&r->shared->rsp_prod, r->rsp_prod_pvt);
	r->rsp_pushed = r->rsp_prod_pvt;
}

static inline bool ring_back_push_notify(struct ring_back *r)
{
	ring_idx_t old = r->rsp_pushed;

	ring_publish_index_sc(&r->shared->rsp_prod, r->rsp_prod_pvt);
	r->rsp_pushed = r->rsp_prod_pvt;
	return ring_need_notify(old, r->rsp_prod_pvt, ring_read_index_sc(&r->shared->rsp_event));
}

static inline int ring_back_final_check(struct ring_back *r)
{
	int n = ring_back_pending(r);

	if (n != 0)
		return n;
	ring_publish_index_sc(&r->shared->req_event, r->req_cons + 1);
	return ring_back_accept(r, ring_read_index_sc(&r->shared->req_prod));
}

/* Typed wrappers are marked unused: a protocol rarely calls all of them. */
#define RING_TYPED_FN static inline __attribute__((unused))

#define RING_ENTRIES(name, bytes) RING_ENTRIES_FOR(bytes, sizeof(union name##_sring_entry))

/*
 * RING_DECLARE(name, req_t, rsp_t) declares, for one protocol:
 *
 *   union name_sring_entry          a slot: req_t or rsp_t
 *   struct name_sring               the shared area: header, then the slots
 *   struct name_front_ring          the frontend's private state
 *   struct name_back_ring           the backend's private state
 *   RING_ENTRIES(name, bytes)       slot count for a ring of that many bytes
 *
 * and typed functions around the core above, each taking only this protocol's types:
 *
 *   name_sring_init(s)                       empty the shared header (Xen's initial state)
 *   name_front_init(r, s, bytes)             attach; RING_OK or RING_ERR_SIZE
 *   name_front_attach(r, s, bytes, start)    attach where the indices stand at start
 *   name_front_size(r), name_front_free(r), name_front_full(r), name_front_error(r)
 *   req_t *name_front_next_request(r)        reserve a slot to fill; NULL when full
 *   name_front_push(r)                       publish what was filled
 *   bool name_front_push_notify(r)           publish; true when the backend must be notified
 *   int name_front_take_response(r, rsp_t *) RING_OK, RING_EMPTY or a negative error
 *   int name_front_pending(r)                responses waiting, or a negative error
 *   int name_front_final_check(r)            ditto, arming rsp_event before going idle
 *
 * and the backend's mirror: name_back_init, name_back_attach, name_back_size, name_back_error,
 * name_back_take_request(r, req_t *), name_back_pending, name_back_final_check,
 * rsp_t *name_back_next_response(r), name_back_push, name_back_push_notify.
 */
#define RING_DECLARE(name, req_t, rsp_t)                                                           \
	union name##_sring_entry {                                                                 \
		req_t req;                                                                         \
		rsp_t rsp;                                                                         \
	};                                                                                         \
	struct name##_sring {                                                                      \
		struct ring_shared shared;                                                         \
		union name##_sring_entry ring[];                                                   \
	};                                                                                         \
	struct name##_front_ring {                                                                 \
		struct ring_front core;                                                            \
	};                                                                                         \
	struct name##_back_ring {                                                                  \
		struct ring_back core;                                                             \
	};                                                                                         \
	RING_TYPED_FN void name##_sring_init(struct name##_sring *s)                               \
	{                                                                                          \
		ring_shared_init(&s->shared, 0);                                                   \
	}                                                                                          \
	RING_TYPED_FN int name##_front_attach(struct name##_front_ring *r, struct name##_sring *s, \
					      size_t bytes, ring_idx_t start)                      \
	{                                                                                          \
		return ring_front_attach(&r->core, &s->shared, sizeof(union name##_sring_entry),   \
					 bytes, start);                                            \
	}                                                                                          \
	RING_TYPED_FN int name##_front_init(struct name##_front_ring *r, struct name##_sring *s,   \
					    size_t bytes)                                          \
	{                                                                                          \
		return name##_front_attach(r, s, bytes, 0);                                        \
	}                                                                                          \
	RING_TYPED_FN uint32_t name##_front_size(const struct name##_front_ring *r)                \
	{                                                                                          \
		return r->core.entries;                                                            \
	}                                                                                          \
	RING_TYPED_FN uint32_t name##_front_free(const struct name##_front_ring *r)                \
	{                                                                                          \
		return ring_front_free(&r->core);                                                  \
	}                                                                                          \
	RING_TYPED_FN bool name##_front_full(const struct name##_front_ring *r)                    \
	{                                                                                          \
		return ring_front_free(&r->core) == 0;                                             \
	}                                                                                          \
	RING_TYPED_FN int name##_front_error(const struct name##_front_ring *r)                    \
	{                                                                                          \
		return r->core.error;                                                              \
	}                                                                                          \
	RING_TYPED_FN req_t *name##_front_next_request(struct name##_front_ring *r)                \
	{                                                                                          \
		return (req_t *)ring_front_next_request(&r->core);                                 \
	}                                                                                          \
	RING_TYPED_FN void name##_front_push(struct name##_front_ring *r)                          \
	{                                                                                          \
		ring_front_push(&r->core);                                                         \
	}                                                                                          \
	RING_TYPED_FN bool name##_front_push_notify(struct name##_front_ring *r)                   \
	{                                                                                          \
		return ring_front_push_notify(&r->core);                                           \
	}                                                                                          \
	RING_TYPED_FN int name##_front_take_response(struct name##_front_ring *r, rsp_t *out)      \
	{                                                                                          \
		return ring_front_take(&r->core, out, sizeof(*out));                               \
	}                                                                                          \
	RING_TYPED_FN int name##_front_pending(struct name##_front_ring *r)                        \
	{                                                                                          \
		return ring_front_pending(&r->core);                                               \
	}                                                                                          \
	RING_TYPED_FN int name##_front_final_check(struct name##_front_ring *r)                    \
	{                                                                                          \
		return ring_front_final_check(&r->core);                                           \
	}                                                                                          \
	RING_TYPED_FN int name##_back_attach(struct name##_back_ring *r, struct name##_sring *s,   \
					     size_t bytes, ring_idx_t start)                       \
	{                                                                                          \
		return ring_back_attach(&r->core, &s->shared, sizeof(union name##_sring_entry),    \
					bytes, start);                                             \
	}                                                                                          \
	RING_TYPED_FN int name##_back_init(struct name##_back_ring *r, struct name##_sring *s,     \
					   size_t bytes)                                           \
	{                                                                                          \
		return name##_back_attach(r, s, bytes, 0);                                         \
	}                                                                                          \
	RING_TYPED_FN uint32_t name##_back_size(const struct name##_back_ring *r)                  \
	{                                                                                          \
		return r->core.entries;                                                            \
	}                                                                                          \
	RING_TYPED_FN int name##_back_error(const struct name##_back_ring *r)                      \
	{                                                                                          \
		return r->core.error;                                                              \
	}                                                                                          \
	RING_TYPED_FN int name##_back_take_request(struct name##_back_ring *r, req_t *out)         \
	{                                                                                          \
		return ring_back_take(&r->core, out, sizeof(*out));                                \
	}                                                                                          \
	RING_TYPED_FN int name##_back_pending(struct name##_back_ring *r)                          \
	{                                                                                          \
		return ring_back_pending(&r->core);                                                \
	}                                                                                          \
	RING_TYPED_FN int name##_back_final_check(struct name##_back_ring *r)                      \
	{                                                                                          \
		return ring_back_final_check(&r->core);                                            \
	}                                                                                          \
	RING_TYPED_FN rsp_t *name##_back_next_response(struct name##_back_ring *r)                 \
	{                                                                                          \
		return (rsp_t *)ring_back_next_response(&r->core);                                 \
	}                                                                                          \
	RING_TYPED_FN void name##_back_push(struct name##_back_ring *r)                            \
	{                                                                                          \
		ring_back_push(&r->core);                                                          \
	}                                                                                          \
	RING_TYPED_FN bool name##_back_push_notify(struct name##_back_ring *r)                     \
	{                                                                                          \
		return ring_back_push_notify(&r->core);                                            \
	}                                                                                          \
	_Static_assert(offsetof(struct name##_sring, ring) == RING_SHARED_SIZE,                    \
		       #name " ring entries start 64 bytes in")

#endif /* PARVUS_RING_H */
