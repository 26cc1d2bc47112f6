/*
 * What the domctl test kernel's files share (calls.c): the toolstack's short forms of domctl
 * and sysctl (<parvus/control.h>), the test's own helpers, and the domain the test builds. The test runs as dom0 and manages a second domain without ever giving it a
 * kernel: it creates it, gives it memory, maps and types its frames, sets its vCPU state and
 * destroys it, checking what Xen answers at each step.
 */
#ifndef DOMCTL_TEST_H
#define DOMCTL_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <parvus/control.h>
#include <parvus/hypercall.h>

#define NO_DOMAIN 0x7fef /* the highest ordinary id: never created by the test */

/*
 * getdomaininfo's flags carry the shutdown code shifted by XEN_DOMINF_shutdownshift; Xen keeps
 * ~0 there until the domain shuts down, so the top 16 bits of flags are all set before that.
 */
#define NO_SHUTDOWN_CODE 0xffff0000U

/* The configuration of an ordinary PV domain: 2 vCPUs, grant tables v1, the test's handle. */
void pv_config(struct xen_domctl_createdomain *config);
extern const xen_domain_handle_t test_handle;
#define TEST_MAX_VCPUS 2

/* XEN_DOMCTL_createdomain asking for id want (0: Xen chooses); the id in *got. */
long create_domain(domid_t want, struct xen_domctl_createdomain *config, domid_t *got);

/* XEN_SYSCTL_physinfo's free_pages, or -1 if the call fails. */
long free_pages(void);
/*
 * free_pages once it is within POOL_SLACK pages of expected, waiting up to two seconds: a
 * destroyed domain's frames go back to the heap at once, but the hypervisor's own structures
 * for it (struct domain, vCPUs, ...) only after an RCU grace period, which needs the CPUs to
 * pass through the idle loop; so the wait is a poll with a timeout, not a busy loop.
 *
 * Xen 4.17 does not always give back every page: its small allocations come from a pool
 * that keeps a page now and then (seen: 1 page after some create-populate-destroy cycles, 0
 * after others). Frame counts (populate, decrease_reservation) are exact; what a whole
 * domain's life leaves behind is checked to within POOL_SLACK.
 */
#define POOL_SLACK 2
long settled_free_pages(long expected);
/* Sleep for ms milliseconds (SCHEDOP_poll with a timeout), letting other vCPUs run. */
void sleep_ms(unsigned int ms);

/* memory_op on another domain: populate_physmap / increase_reservation (frames in/out). */
long reservation_op(unsigned int cmd, domid_t domain, xen_pfn_t *frames, unsigned int count);
long current_reservation(domid_t domain);

/* The machine address of the L1 entry mapping va in our own page tables. */
uint64_t l1_entry_address(const void *va);
/* One mmu_update request on behalf of foreign. */
long mmu_one(uint64_t ptr, uint64_t val, domid_t foreign);
/*
 * Point our page va at frame mfn (owned by foreign) with mmu_update, then flush va from our
 * TLB (MMUEXT_INVLPG_LOCAL): mmu_update leaves that to the guest.
 */
long map_frame(void *va, xen_pfn_t mfn, domid_t foreign);
/* Put back the entry va had (pte, from guest_lookup_pte), flushing va likewise. */
long restore_frame(void *va, uint64_t pte);

/* The read-only page of guest_lib.h, holding a copy of data (size <= 4096). */
void *read_only_copy(const void *data, size_t size);

/* The console ring: the index check_readconsole ended at; what came after *index. */
uint32_t console_end(void);
uint32_t console_since(uint32_t *index, char **text);

/* The type XEN_DOMCTL_getpageframeinfo3 reports for one frame of domain (or its errno). */
unsigned long frame_type(domid_t domain, xen_pfn_t frame);

/* The parts of the test, in the order guest_main runs them. */
void check_physinfo(void);
void check_arguments(void);
void check_dom0_info(void);
void check_create(void);
void check_create_errors(void);
void check_domain_search(void);
void check_vcpus(void);
void check_memory(void);
void check_frame_types(void);
void check_vcpu_context(void);
void check_pause(void);
void check_handle_and_virq(void);
void check_readconsole(void);
void check_run_and_crash(void);
void check_destroy(void);

/* The domain the test builds (check_create), its frames once populated (check_memory). */
extern domid_t guest;
#define GUEST_FRAMES 4
extern xen_pfn_t guest_mfn[GUEST_FRAMES];
extern long free_at_start;

#endif /* DOMCTL_TEST_H */
