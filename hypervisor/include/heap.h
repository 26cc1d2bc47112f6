/*
 * The hypervisor's heap: memory for its own objects (domains, vCPUs, event channels, grant
 * tables), taken from the frame allocator.
 *
 *     struct domain *d = heap_zalloc(sizeof(*d));
 *     ...
 *     heap_free(d);
 *
 * Every allocation is aligned to HEAP_ALIGN bytes; one bigger than HEAP_SMALL_MAX is made of
 * whole pages and is page-aligned. heap_init() runs once, after page_alloc_init().
 */
#ifndef PARVUS_HEAP_H
#define PARVUS_HEAP_H

#include <stddef.h>

#define HEAP_ALIGN 16
/* The biggest request served from a slab; bigger ones get whole pages. */
#define HEAP_SMALL_MAX 2032

struct heap_stats {
	unsigned long live_allocations; /* made and not yet freed */
	unsigned long live_bytes;	/* bytes asked for by those allocations */
	unsigned long pages_held;	/* frames the heap has from the frame allocator */
};

void heap_init(void);

/* NULL when size is 0 or memory has run out. */
void *heap_alloc(size_t size);
/* heap_alloc(), with the memory cleared. */
void *heap_zalloc(size_t size);
/* Free what heap_alloc() or heap_zalloc() returned; NULL is ignored. */
void heap_free(void *p);

void heap_get_stats(struct heap_stats *stats);

/*
 * An internal error: heap_free() of a pointer the heap never returned, of an object freed
 * twice, or of an object whose header was overwritten. Defined by the hypervisor (it panics)
 * and by the unit tests.
 */
__attribute__((noreturn)) void heap_panic(const char *why);

#endif
