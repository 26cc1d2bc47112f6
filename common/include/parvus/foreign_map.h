/*
 * Reaching another domain's memory from dom0 (common/toolstack/foreign_map.c), as Linux's
 * privcmd does for Xen's toolstack: one of our own pages (a "window") is pointed at a frame of
 * the other domain with mmu_update on our L1 entry, naming the frame's owner as foreigndom;
 * the hypervisor allows that only to a domain privileged over the owner. Unmapping points the
 * window back at our own frame, which drops the reference the mapping held on the foreign one.
 *
 * A window is a page-aligned page of our initial mapping (a static buffer): its own frame
 * stays ours while it shows another.
 */
#ifndef PARVUS_FOREIGN_MAP_H
#define PARVUS_FOREIGN_MAP_H

#include <stdbool.h>
#include <parvus/hypercall.h>

/* Show frame mfn of domain at window (writable or read-only); 0 or a negative errno. */
long foreign_map(void *window, domid_t domain, xen_pfn_t mfn, bool writable);

/* Show our own frame at window again, writable; 0 or a negative errno. */
long foreign_unmap(void *window);

#endif /* PARVUS_FOREIGN_MAP_H */
