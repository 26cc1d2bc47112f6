/*
 * Grant tables (grant_table.c; docs/grant-tables.md tells the story). Each domain has one: the
 * version 1 entries it writes to offer its frames to other domains (the shared frames), the
 * hypervisor's record of each entry in use (the active entries: who uses it, how many
 * mappings and copies pin it), and the maptrack, its own list of the grants it has mapped,
 * whose indices are the handles map_grant_ref returns.
 *
 * The domain code creates the table with the domain and destroys it last; the hypercall is
 * do_grant_table_op (hypercall.h). How a grant mapping enters a PV page table is the
 * architecture's business (arch/x86_64/grant_mapping.c, the two functions at the end).
 */
#ifndef PARVUS_GRANT_TABLE_H
#define PARVUS_GRANT_TABLE_H

#include <stdint.h>

struct domain;

/* Xen 4.17's defaults: gnttab_max_frames and gnttab_max_maptrack_frames. */
#define GRANT_TABLE_MAX_FRAMES 64
#define GRANT_TABLE_MAX_MAPTRACK_FRAMES 1024

/*
 * Give d its grant table, one shared frame to start with (Xen's INITIAL_NR_GRANT_FRAMES).
 * 0, or -XEN_ENOMEM with nothing left allocated.
 */
int grant_table_create(struct domain *d);

/*
 * Domain teardown, first step: forget every mapping d made of grants. The pins on the
 * granting side are dropped; references of device mappings too. References of host (PTE)
 * mappings belong to the PTEs, and go when d's page tables are torn down, as in Xen.
 */
void grant_table_release_mappings(struct domain *d);

/*
 * Once no frame of the dying d is mapped by anyone (its grants can no longer be in use): the
 * table is emptied; its shared frames lose the domain's hold and return to the allocator once
 * nothing maps them any more. The struct stays (empty: every reference out of range) for
 * peers that looked d up, until grant_table_free when d's memory goes.
 */
void grant_table_destroy(struct domain *d);
void grant_table_free(struct domain *d);

/*
 * The architecture's part (arch/x86_64/grant_mapping.c), called by map_grant_ref and the
 * unmaps. Both answer a GNTST_* status.
 *
 * Write a PTE mapping machine frame mfn as flags (GNTMAP_*) ask, at host_addr: the machine
 * address of an L1 entry of the caller's (GNTMAP_contains_pte), or a virtual address in its
 * current page tables. The caller holds the references the mapping needs; whatever the entry
 * held before is given back.
 */
int create_grant_host_mapping(uint64_t host_addr, unsigned long mfn, uint32_t flags);

/*
 * Remove that mapping, checking that host_addr's entry still maps mfn with the rights flags
 * gave it. With new_addr (a virtual address; not with GNTMAP_contains_pte), the entry that
 * mapped new_addr moves to host_addr and new_addr maps nothing (unmap_and_replace). The
 * mapping's references stay with the caller, who drops them after the TLB flush.
 */
int replace_grant_host_mapping(uint64_t host_addr, unsigned long mfn, uint64_t new_addr,
			       uint32_t flags);

#endif
