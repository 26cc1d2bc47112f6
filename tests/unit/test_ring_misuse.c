/*
 * Type safety of RING_DECLARE, checked by the compiler: `make check-ring-misuse` compiles this
 * file once as is (it must compile) and once per MISUSE=n (each must fail with an
 * incompatible-pointer error). Each variant hands one protocol's ring or message to another
 * protocol's function, or mixes up the two ends.
 */
#include "ring.h"

struct disk_request {
	uint64_t id;
	uint64_t sector;
};
struct disk_response {
	uint64_t id;
	int16_t status;
};
struct net_request {
	uint16_t id;
	uint16_t size;
};
struct net_response {
	uint16_t id;
	int16_t status;
};

RING_DECLARE(disk, struct disk_request, struct disk_response);
RING_DECLARE(net, struct net_request, struct net_response);

#ifndef MISUSE
#define MISUSE 0
#endif

int ring_misuse(struct disk_sring *ds, struct net_sring *ns);

int ring_misuse(struct disk_sring *ds, struct net_sring *ns)
{
	struct disk_front_ring df;
	struct disk_back_ring db;
	struct net_front_ring nf;
	struct disk_request dreq;
	struct disk_response drsp;
	struct net_response nrsp;
	int rc = 0;

	(void)nrsp;
	disk_sring_init(ds);
	net_sring_init(ns);
	rc |= disk_front_init(&df, ds, 4096);
	rc |= disk_back_init(&db, ds, 4096);
	rc |= net_front_init(&nf, ns, 4096);
	rc |= disk_back_take_request(&db, &dreq);
	rc |= disk_front_take_response(&df, &drsp);
	struct disk_request *slot = disk_front_next_request(&df);
	(void)slot;
#if MISUSE == 1 /* a net ring attached to a disk shared page */
	rc |= net_front_init(&nf, ds, 4096);
#elif MISUSE == 2 /* a disk function on a net ring */
	rc |= disk_front_pending(&nf);
#elif MISUSE == 3 /* a net response taken from a disk ring */
	rc |= disk_front_take_response(&df, &nrsp);
#elif MISUSE == 4 /* a response where a request belongs */
	rc |= disk_back_take_request(&db, &drsp);
#elif MISUSE == 5 /* the backend's state used as the frontend's */
	rc |= disk_front_final_check(&db);
#elif MISUSE == 6 /* a request slot used as a net request */
	struct net_request *wrong = disk_front_next_request(&df);
	(void)wrong;
#elif MISUSE == 7 /* a disk response slot from a request call */
	struct disk_response *wrong = disk_front_next_request(&df);
	(void)wrong;
#endif
	return rc;
}
