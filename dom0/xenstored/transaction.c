/*
 * Transactions, as Xen 4.17's C xenstored runs them. Every node a transaction touches is
 * recorded in its own map, path -> access: the node as the transaction sees it (a reference to
 * an immutable node, so no copying) and, for a node it read first, the generation the store's
 * node had then. Reads and writes inside the transaction see only this view. At commit, every
 * node read must still have that generation in the store, or the commit fails with EAGAIN and
 * the client retries; otherwise the modified nodes replace the store's in one step and their
 * watches fire. Nothing a transaction does is visible, or fires watches, before the commit.
 *
 * Each generation is unique (core->generation only grows), so "unchanged" is exact.
 */
#include "core.h"

#include <string.h>

struct tx_access {
	struct xs_node *node; /* the transaction's view of the path, NULL if absent */
	struct xs_node *old;  /* after a deletion: what was deleted, whose permissions events use */
	uint64_t generation;  /* the store's, when first read */
	bool check_gen;	      /* read before any write: must be unchanged at commit */
	bool modified;
	bool watch_exact; /* deleted below an RM's root: fires exact watches only */
};

/* How many nodes the transaction adds to (or takes from) one domain's count. */
struct tx_delta {
	struct tx_delta *next;
	unsigned int domid;
	int nodes;
};

struct xs_transaction {
	struct xs_transaction *next;
	struct xs_conn *conn;
	uint32_t id;
	struct path_map accessed; /* path -> struct tx_access */
	struct tx_delta *deltas;
	bool failed; /* something could not be recorded: the commit must fail */
	size_t charged;
};

#define ACCESS_CHARGE(path) \
	(sizeof(struct tx_access) + sizeof(struct path_map_entry) + strlen(path) + 1)

struct xs_transaction *transaction_find(struct xs_conn *conn, uint32_t id)
{
	struct xs_transaction *tx;

	for (tx = conn->transactions; tx != NULL; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

void transaction_fail(struct xs_transaction *tx)
{
	tx->failed = true;
}

bool transaction_lookup(struct xs_transaction *tx, const char *path, const struct xs_node **node)
{
	struct path_map_entry *entry = path_map_find(&tx->accessed, path);

	if (entry == NULL)
		return false;
	*node = ((struct tx_access *)entry->value)->node;
	return true;
}

/* A new record for path, within Xen's limit on the nodes one transaction may touch. */
static int new_access(struct xs_ctx *ctx, const char *path, struct tx_access **out)
{
	struct xs_transaction *tx = ctx->tx;
	struct xs_core *core = ctx->core;
	unsigned int domid = tx->conn->domain->domid;
	size_t charge = ACCESS_CHARGE(path);
	struct tx_access *access;
	int err;

	if (!conn_is_privileged(tx->conn) && tx->accessed.count >= core->quotas.transaction_nodes)
		err = XENSTORE_ENOSPC;
	else
		err = domain_memory_charge(core, domid, charge, true);
	if (err)
		goto fail;
	access = xs_alloc(core, sizeof(*access));
	if (access == NULL || path_map_insert(core, &tx->accessed, path, access, NULL) != 0) {
		xs_free(core, access);
		domain_memory_uncharge(core, domid, charge);
		err = XENSTORE_ENOMEM;
		goto fail;
	}
	tx->charged += charge;
	*out = access;
	return 0;
fail:
	tx->failed = true; /* as in Xen: an access that cannot be recorded dooms the commit */
	return err;
}

int transaction_note_read(struct xs_ctx *ctx, const char *path, const struct xs_node *node)
{
	struct tx_access *access;
	int err = new_access(ctx, path, &access);

	if (err)
		return err;
	access->node = node != NULL ? node_get((struct xs_node *)node) : NULL;
	access->generation = node != NULL ? node->generation : XS_NO_GENERATION;
	access->check_gen = true;
	return 0;
}

int transaction_note_write(struct xs_ctx *ctx, const char *path, struct xs_node *node,
			   const struct xs_node *old, bool watch_exact)
{
	struct path_map_entry *entry = path_map_find(&ctx->tx->accessed, path);
	struct tx_access *access;
	struct xs_node *kept_old = NULL;
	int err;

	if (entry != NULL) {
		access = entry->value;
	} else {
		err = new_access(ctx, path, &access);
		if (err) {
			node_put(ctx->core, node);
			return err;
		}
	}
	if (node == NULL && old != NULL)
		kept_old = node_get((struct xs_node *)old); /* old may be access->node */
	node_put(ctx->core, access->node);
	node_put(ctx->core, access->old);
	access->node = node;
	access->old = kept_old;
	access->modified = true;
	access->watch_exact = node == NULL && watch_exact;
	return 0;
}

int transaction_nodes_add(struct xs_ctx *ctx, unsigned int domid, int delta)
{
	struct xs_transaction *tx = ctx->tx;
	struct tx_delta *d;

	for (d = tx->deltas; d != NULL; d = d->next)
		if (d->domid == domid)
			break;
	if (d == NULL) {
		d = xs_alloc(ctx->core, sizeof(*d));
		if (d == NULL) {
			tx->failed = true;
			return XENSTORE_ENOMEM;
		}
		d->domid = domid;
		d->next = tx->deltas;
		tx->deltas = d;
	}
	d->nodes += delta;
	return 0;
}

int transaction_nodes_delta(struct xs_transaction *tx, unsigned int domid)
{
	struct tx_delta *d;

	for (d = tx->deltas; d != NULL; d = d->next)
		if (d->domid == domid)
			return d->nodes;
	return 0;
}

int transaction_start(struct xs_conn *conn, uint32_t *id)
{
	struct xs_core *core = conn->core;
	struct xs_domain *domain = conn->domain;
	struct xs_transaction *tx;

	/* Xen lets a domain open one more than the quota: it refuses only once past it. */
	if (!conn_is_privileged(conn) &&
	    domain->transactions > core->quotas.transactions_per_domain)
		return XENSTORE_ENOSPC;
	if (domain_memory_charge(core, domain->domid, sizeof(*tx), true))
		return XENSTORE_ENOMEM;
	tx = xs_alloc(core, sizeof(*tx));
	if (tx == NULL || path_map_init(core, &tx->accessed) != 0) {
		xs_free(core, tx);
		domain_memory_uncharge(core, domain->domid, sizeof(*tx));
		return XENSTORE_ENOMEM;
	}
	tx->charged = sizeof(*tx);
	tx->conn = conn;
	do { /* ids are never 0 (no transaction) and never one in use */
		tx->id = conn->next_transaction_id++;
	} while (tx->id == 0 || transaction_find(conn, tx->id) != NULL);
	tx->next = conn->transactions;
	conn->transactions = tx;
	domain->transactions++;
	*id = tx->id;
	return 0;
}

static void transaction_free(struct xs_core *core, struct xs_transaction *tx)
{
	struct path_map_entry *entry;
	struct tx_delta *d;

	for (entry = tx->accessed.first; entry != NULL; entry = entry->next) {
		struct tx_access *access = entry->value;

		node_put(core, access->node);
		node_put(core, access->old);
		xs_free(core, access);
	}
	path_map_destroy(core, &tx->accessed);
	while ((d = tx->deltas) != NULL) {
		tx->deltas = d->next;
		xs_free(core, d);
	}
	domain_memory_uncharge(core, tx->conn->domain->domid, tx->charged);
	xs_free(core, tx);
}

/* Take tx off its connection's list. */
static void unlink_transaction(struct xs_transaction *tx)
{
	struct xs_transaction **link = &tx->conn->transactions;

	while (*link != tx)
		link = &(*link)->next;
	*link = tx->next;
	if (tx->conn->domain->transactions > 0)
		tx->conn->domain->transactions--;
}

/*
 * Can tx commit? 0, or (in Xen's order) ENOMEM if it failed on the way, ENOSPC if it would
 * take a domain past its node quota, EAGAIN if something it read has changed since.
 */
static int check_commit(struct xs_core *core, struct xs_transaction *tx)
{
	struct path_map_entry *entry;
	struct tx_delta *d;

	if (tx->failed)
		return XENSTORE_ENOMEM;
	for (d = tx->deltas; d != NULL; d = d->next) {
		struct xs_domain *domain = domain_find(core, d->domid);
		long count = (domain != NULL ? (long)domain->nodes : 0) + d->nodes;

		if (d->nodes > 0 && !domid_is_privileged(core, d->domid) &&
		    count > (long)core->quotas.nodes_per_domain)
			return XENSTORE_ENOSPC;
	}
	for (entry = tx->accessed.first; entry != NULL; entry = entry->next) {
		struct tx_access *access = entry->value;
		struct path_map_entry *now = path_map_find(&core->store, entry->path);
		uint64_t generation =
			now != NULL ? ((struct xs_node *)now->value)->generation : XS_NO_GENERATION;

		if (access->check_gen && access->generation != generation)
			return XENSTORE_EAGAIN;
	}
	return 0;
}

/*
 * Make room in the store for every path the commit creates, before changing anything, so the
 * commit either happens whole or not at all. The new entries hold NULL until applied.
 */
static int reserve_paths(struct xs_core *core, struct xs_transaction *tx)
{
	struct path_map_entry *entry, *undo;

	for (entry = tx->accessed.first; entry != NULL; entry = entry->next) {
		struct tx_access *access = entry->value;

		if (!access->modified || access->node == NULL ||
		    path_map_find(&core->store, entry->path) != NULL)
			continue;
		if (path_map_insert(core, &core->store, entry->path, NULL, NULL) == 0)
			continue;
		for (undo = tx->accessed.first; undo != entry; undo = undo->next) {
			struct path_map_entry *reserved = path_map_find(&core->store, undo->path);

			if (reserved != NULL && reserved->value == NULL)
				path_map_remove(core, &core->store, reserved);
		}
		return XENSTORE_ENOMEM;
	}
	return 0;
}

static void apply(struct xs_core *core, struct xs_transaction *tx)
{
	struct path_map_entry *entry;
	struct tx_delta *d;

	for (entry = tx->accessed.first; entry != NULL; entry = entry->next) {
		struct tx_access *access = entry->value;
		struct path_map_entry *now = path_map_find(&core->store, entry->path);

		struct xs_node *replaced;

		if (!access->modified)
			continue;
		replaced = now != NULL ? now->value : NULL;
		if (access->node == NULL) {
			if (now != NULL)
				path_map_remove(core, &core->store, now);
		} else {
			/* The node was the transaction's alone: give it its commit generation. */
			access->node->generation = core->generation++;
			node_recharge(core, access->node, node_owner(access->node));
			now->value = node_get(access->node);
		}
		node_put(core, replaced);
	}
	for (d = tx->deltas; d != NULL; d = d->next) {
		struct xs_ctx global = {.core = core};

		domain_nodes_add(&global, d->domid, d->nodes);
	}
}

/* Fire the watches of every node the commit changed, as Xen's commit does. */
static void fire_committed(struct xs_conn *conn, struct xs_transaction *tx)
{
	struct xs_ctx ctx = {.core = conn->core, .conn = conn};
	struct path_map_entry *entry;

	for (entry = tx->accessed.first; entry != NULL; entry = entry->next) {
		struct tx_access *access = entry->value;

		if (access->modified)
			watch_fire(&ctx, entry->path, access->node, access->watch_exact,
				   access->old);
	}
}

int transaction_end(struct xs_conn *conn, struct xs_transaction *tx, bool commit)
{
	struct xs_core *core = conn->core;
	int err = 0;

	unlink_transaction(tx);
	if (commit) {
		err = check_commit(core, tx);
		if (!err)
			err = reserve_paths(core, tx);
		if (!err) {
			apply(core, tx);
			fire_committed(conn, tx);
		}
	}
	transaction_free(core, tx);
	return err;
}

void transaction_remove_all(struct xs_conn *conn)
{
	while (conn->transactions != NULL) {
		struct xs_transaction *tx = conn->transactions;

		unlink_transaction(tx);
		transaction_free(conn->core, tx);
	}
}
