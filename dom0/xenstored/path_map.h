/*
 * A hash map from path strings to pointers, remembering insertion order: the store (path ->
 * node) and each transaction's record of the nodes it touched (path -> access). Iterating in
 * insertion order makes commits, and the fuzzer's runs, deterministic. The map owns its keys,
 * never its values.
 */
#ifndef XENSTORED_PATH_MAP_H
#define XENSTORED_PATH_MAP_H

#include <stddef.h>
#include <stdint.h>

struct xs_core;

struct path_map_entry {
	struct path_map_entry *chain;	    /* the next entry in this bucket */
	struct path_map_entry *prev, *next; /* insertion order */
	uint32_t hash;
	void *value;
	char path[];
};

struct path_map {
	struct path_map_entry **buckets;
	size_t nr_buckets; /* a power of two */
	size_t count;
	struct path_map_entry *first, *last;
};

/* 0, or XENSTORE_ENOMEM. */
int path_map_init(struct xs_core *core, struct path_map *map);
/* Frees the entries and buckets; the values are the caller's to free first. */
void path_map_destroy(struct xs_core *core, struct path_map *map);
struct path_map_entry *path_map_find(const struct path_map *map, const char *path);
/* Add path (not yet in the map) with value. 0 or XENSTORE_ENOMEM. */
int path_map_insert(struct xs_core *core, struct path_map *map, const char *path, void *value,
		    struct path_map_entry **out);
void path_map_remove(struct xs_core *core, struct path_map *map, struct path_map_entry *entry);

#endif /* XENSTORED_PATH_MAP_H */
