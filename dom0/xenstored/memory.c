/*
 * The core's memory: every allocation goes through here to the allocator the transport gave
 * xs_core_create(). Each block carries its size in a small header, so the core can count its
 * live bytes exactly, refuse to pass the configured cap, and give free() the size back.
 * Memory comes back zeroed.
 */
#include "core.h"

#include <string.h>

/* Sixteen bytes keep the block after the header as aligned as the allocator's. */
struct block_header {
	size_t size;
	size_t unused;
};

void *xs_alloc(struct xs_core *core, size_t size)
{
	size_t total = sizeof(struct block_header) + size;
	struct block_header *block;

	if (size > SIZE_MAX / 2)
		return NULL;
	if (core->memory_limit != 0 && core->live_bytes + total > core->memory_limit)
		return NULL;
	block = core->allocator.alloc(core->allocator.opaque, total);
	if (block == NULL)
		return NULL;
	memset(block, 0, total);
	block->size = total;
	core->live_bytes += total;
	return block + 1;
}

void xs_free(struct xs_core *core, void *p)
{
	struct block_header *block;

	if (p == NULL)
		return;
	block = (struct block_header *)p - 1;
	core->live_bytes -= block->size;
	core->allocator.free(core->allocator.opaque, block, block->size);
}

char *xs_strdup(struct xs_core *core, const char *s)
{
	size_t len = strlen(s);
	char *copy = xs_alloc(core, len + 1);

	if (copy != NULL)
		memcpy(copy, s, len + 1);
	return copy;
}
