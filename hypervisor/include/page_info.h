/*
 * The frame table entry: what the hypervisor knows about one machine frame of memory.
 *
 * The frame table is an array of struct page_info with one entry per machine frame, indexed by
 * machine frame number (frame_table[mfn], see page_alloc.h), as in Xen. Three parties write to
 * an entry, never the same field:
 *   - page_alloc.c owns `state`, `flags` and `order`, and changes them only under its lock;
 *   - whoever holds an allocated frame owns `use` and what it selects: heap.c its slab and
 *     block fields (and the list links of slabs), page_type.c the `owner` of frames given to
 *     a domain. The list links and `owner` share storage: a domain's frame is on no list;
 *   - page_type.c owns `count_info` and `type_info`, changed only with atomic operations
 *     (page_type.h gives the rules). They stay zero on every frame no domain holds, so a guest
 *     naming a free, reserved or heap frame never gets a reference to it, and never reads the
 *     list links as an owner.
 * So the allocator can look at a neighbouring frame, to merge buddies, while another CPU's heap
 * or page_type.c works on that frame. The table costs sizeof(struct page_info) bytes per 4 KiB
 * frame, so the entry stays small: 32 bytes, Xen's size too.
 */
#ifndef PARVUS_PAGE_INFO_H
#define PARVUS_PAGE_INFO_H

#include <stddef.h>
#include <stdint.h>

struct domain;

/* Where a frame stands with the frame allocator. */
enum page_state {
	/* Not for allocation: firmware, device memory, holes, the hypervisor image, the frame
	 * table itself. Zero, so a zeroed frame table starts with every frame reserved. */
	PAGE_RESERVED = 0,
	/* Owned by the buddy allocator: part of one free block (see PAGE_FLAG_FREE_HEAD). */
	PAGE_FREE,
	/* Handed out by alloc_pages() and not yet given back to free_pages(). */
	PAGE_ALLOCATED,
};

/* The first frame of a free block; `order` holds the block's size. Only on PAGE_FREE frames. */
#define PAGE_FLAG_FREE_HEAD 0x01

/* What the holder of a PAGE_ALLOCATED frame made of it; PAGE_USE_NONE again before freeing. */
enum page_use {
	PAGE_USE_NONE = 0,
	/* A heap slab: the page is cut into equal objects of one size class (the `slab` fields). */
	PAGE_USE_SLAB,
	/* The first frame of a heap allocation made of whole pages (`heap_bytes`). */
	PAGE_USE_HEAP_BLOCK,
	/* Given to a domain by page_assign() (page_type.h): `owner` says which one. */
	PAGE_USE_DOMAIN,
};

/* In the slab fields: "no object", since 0 is a valid offset inside a page. */
#define SLAB_NO_OBJECT 0xffff

struct page_info {
	union {
		/*
		 * Links in a doubly linked list of frames, NULL at either end and when the frame is
		 * on no list. A free block's head is on the buddy free list of its order; a slab
		 * page with free objects is on the heap's list for its size class.
		 */
		struct {
			struct page_info *next;
			struct page_info *prev;
		};
		/* PAGE_USE_DOMAIN: such a frame is on no list. */
		struct {
			/* The domain it belongs to; read it with page_get_owner() (page_type.h). */
			struct domain *owner;
			/* Unused yet: for the domain code (say, links of its page list). */
			uint64_t domain_spare;
		};
	};

	/* The frame allocator's fields. */
	uint8_t state; /* enum page_state */
	uint8_t flags; /* PAGE_FLAG_FREE_HEAD */
	uint8_t order; /* free block head: the block is 2^order frames; 0 on other frames */

	/* The holder's fields. */
	uint8_t use; /* enum page_use */
	union {
		/* PAGE_USE_SLAB: which size class, objects in use, offset of the first free one. */
		struct {
			uint8_t size_class;
			uint8_t in_use;
			uint16_t first_free;
		} slab;
		/* PAGE_USE_HEAP_BLOCK: bytes the heap's caller asked for. */
		uint32_t heap_bytes;
	};

	/* page_type.c's (page_type.h): general references; the type and its references. */
	uint32_t count_info;
	uint32_t type_info;
};

_Static_assert(sizeof(struct page_info) <= 32, "the frame table entry must stay small");

/* The lists above: `head` points at the first frame, or is NULL when the list is empty. */
static inline void page_list_push(struct page_info **head, struct page_info *pg)
{
	pg->prev = NULL;
	pg->next = *head;
	if (*head)
		(*head)->prev = pg;
	*head = pg;
}

static inline void page_list_remove(struct page_info **head, struct page_info *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		*head = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = NULL;
	pg->prev = NULL;
}

#endif
