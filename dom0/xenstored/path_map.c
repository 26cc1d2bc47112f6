/*
 * The path hash map (path_map.h): chained buckets that double when the map holds more entries
 * than buckets, and a list through the entries in insertion order. If growing fails for lack
 * of memory the map simply keeps its buckets: chains get longer, nothing breaks.
 */
#include "core.h"

#include <string.h>

#define INITIAL_BUCKETS 16

/* FNV-1a: cheap, and good enough for keys a hostile guest chooses, as chains stay bounded by
 * the quotas on what one domain may create. */
static uint32_t hash_path(const char *path)
{
	uint32_t hash = 2166136261u;

	while (*path) {
		hash ^= (uint8_t)*path++;
		hash *= 16777619u;
	}
	return hash;
}

int path_map_init(struct xs_core *core, struct path_map *map)
{
	memset(map, 0, sizeof(*map));
	map->buckets = xs_alloc(core, INITIAL_BUCKETS * sizeof(*map->buckets));
	if (map->buckets == NULL)
		return XENSTORE_ENOMEM;
	map->nr_buckets = INITIAL_BUCKETS;
	return 0;
}

void path_map_destroy(struct xs_core *core, struct path_map *map)
{
	struct path_map_entry *entry = map->first, *next;

	for (; entry != NULL; entry = next) {
		next = entry->next;
		xs_free(core, entry);
	}
	xs_free(core, map->buckets);
	memset(map, 0, sizeof(*map));
}

struct path_map_entry *path_map_find(const struct path_map *map, const char *path)
{
	uint32_t hash = hash_path(path);
	struct path_map_entry *entry = map->buckets[hash & (map->nr_buckets - 1)];

	for (; entry != NULL; entry = entry->chain)
		if (entry->hash == hash && strcmp(entry->path, path) == 0)
			return entry;
	return NULL;
}

static void grow(struct xs_core *core, struct path_map *map)
{
	size_t nr = map->nr_buckets * 2;
	struct path_map_entry **buckets = xs_alloc(core, nr * sizeof(*buckets));
	struct path_map_entry *entry;

	if (buckets == NULL)
		return;
	for (entry = map->first; entry != NULL; entry = entry->next) {
		size_t b = entry->hash & (nr - 1);

		entry->chain = buckets[b];
		buckets[b] = entry;
	}
	xs_free(core, map->buckets);
	map->buckets = buckets;
	map->nr_buckets = nr;
}

int path_map_insert(struct xs_core *core, struct path_map *map, const char *path, void *value,
		    struct path_map_entry **out)
{
	size_t len = strlen(path);
	struct path_map_entry *entry = xs_alloc(core, sizeof(*entry) + len + 1);
	size_t b;

	if (entry == NULL)
		return XENSTORE_ENOMEM;
	memcpy(entry->path, path, len + 1);
	entry->hash = hash_path(path);
	entry->value = value;
	b = entry->hash & (map->nr_buckets - 1);
	entry->chain = map->buckets[b];
	map->buckets[b] = entry;
	entry->prev = map->last;
	if (map->last != NULL)
		map->last->next = entry;
	else
		map->first = entry;
	map->last = entry;
	map->count++;
	if (map->count > map->nr_buckets)
		grow(core, map);
	if (out != NULL)
		*out = entry;
	return 0;
}

void path_map_remove(struct xs_core *core, struct path_map *map, struct path_map_entry *entry)
{
	struct path_map_entry **link = &map->buckets[entry->hash & (map->nr_buckets - 1)];

	while (*link != entry)
		link = &(*link)->chain;
	*link = entry->chain;
	if (entry->prev != NULL)
		entry->prev->next = entry->next;
	else
		map->first = entry->next;
	if (entry->next != NULL)
		entry->next->prev = entry->prev;
	else
		map->last = entry->prev;
	map->count--;
	xs_free(core, entry);
}
