/*
 * The PV console ring page: two byte rings (in: from the backend to the guest, out: from
 * the guest to the backend) with free-running producer and consumer indices. Indices are
 * reduced modulo the ring size only when used. Shared by the console frontend in every
 * guest and the console backend in dom0. Mirrors Xen's public/io/console.h.
 */
#ifndef PARVUS_PUBLIC_IO_CONSOLE_H
#define PARVUS_PUBLIC_IO_CONSOLE_H

#include <stdint.h>

typedef uint32_t XENCONS_RING_IDX;

/* The position of a free-running index in a ring whose size is a power of two. */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[1024];
	char out[2048];
	XENCONS_RING_IDX in_cons, in_prod;
	XENCONS_RING_IDX out_cons, out_prod;
};

#endif /* PARVUS_PUBLIC_IO_CONSOLE_H */
