/*
 * The machine-to-phys table: for each machine frame, the pfn its owner knows it by. PV guests
 * read it (read-only) at MACH2PHYS_VIRT_START, Xen's ABI address, because their page tables
 * hold machine frame numbers and they need the way back. The hypervisor writes it through its
 * own mapping.
 */
#ifndef PARVUS_M2P_H
#define PARVUS_M2P_H

#include <stdint.h>

#define M2P_INVALID (~0ull) /* a frame that belongs to no guest pfn */

/* Build and map the table for every frame of the frame table; after memory_init. */
void m2p_init(void);
void m2p_set(uint64_t mfn, uint64_t pfn);
uint64_t m2p_get(uint64_t mfn);
/* The first frame of each 2 MiB extent of the table, at most max of them; how many. */
unsigned int m2p_extents(uint64_t *mfns, unsigned int max);
/* Frames the table covers (its entries), for machphys queries. */
uint64_t m2p_entries(void);

#endif
