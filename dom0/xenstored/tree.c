/*
 * The tree: reading and changing nodes by path, with Xen's permission rules, as one caller
 * (struct xs_ctx) sees it. Inside a transaction every read and write goes through the
 * transaction's own view (transaction.c); outside, straight to the store, a map from absolute
 * path to node. A node lists its children by name, so the store is a tree: every path but "/"
 * has its parent in the store, and the parent lists it.
 *
 * Xen's rules kept here: a missing node reads as ENOENT only if the caller could have seen it
 * (its nearest existing ancestor grants the access asked for), otherwise EACCES; new nodes take
 * the permissions of their nearest existing ancestor, and an unprivileged creator becomes their
 * owner; RM deletes the whole subtree, deepest first, firing watches for each node.
 */
#include "core.h"

#include <string.h>

static const struct xs_node *store_lookup(struct xs_core *core, const char *path)
{
	struct path_map_entry *entry = path_map_find(&core->store, path);

	return entry != NULL ? entry->value : NULL;
}

int tree_read(struct xs_ctx *ctx, const char *path, const struct xs_node **out)
{
	const struct xs_node *node;
	int err;

	if (ctx->tx != NULL && transaction_lookup(ctx->tx, path, &node)) {
		/* seen before in this transaction: its own view */
	} else {
		node = store_lookup(ctx->core, path);
		if (ctx->tx != NULL) {
			err = transaction_note_read(ctx, path, node);
			if (err)
				return err;
		}
	}
	if (node == NULL)
		return XENSTORE_ENOENT;
	*out = node;
	return 0;
}

/* The node at path in ctx's view without recording a read: what a write replaces. */
static const struct xs_node *current(struct xs_ctx *ctx, const char *path)
{
	const struct xs_node *node;

	if (ctx->tx != NULL && transaction_lookup(ctx->tx, path, &node))
		return node;
	return store_lookup(ctx->core, path);
}

/* Keep the node counts right when path changes from old to node (either may be NULL). */
static void count_nodes(struct xs_ctx *ctx, const struct xs_node *old, const struct xs_node *node)
{
	if (old != NULL && node != NULL && node_owner(old) == node_owner(node))
		return;
	if (old != NULL)
		domain_nodes_add(ctx, node_owner(old), -1);
	if (node != NULL)
		domain_nodes_add(ctx, node_owner(node), 1);
}

/*
 * Put node (its reference passes to the store or transaction) at path. With check_quota, an
 * unprivileged caller may not write a node of node_size bytes or more: ENOSPC.
 */
int tree_write(struct xs_ctx *ctx, const char *path, struct xs_node *node, bool check_quota)
{
	const struct xs_node *old = current(ctx, path);
	struct path_map_entry *entry;
	int err;

	if (check_quota && !conn_is_privileged(ctx->conn) &&
	    node_record_size(node->num_perms, node->data_len, node->children_len) >=
		    ctx->core->quotas.node_size) {
		node_put(ctx->core, node);
		return XENSTORE_ENOSPC;
	}
	if (ctx->tx != NULL) {
		/* The transaction may hold the only reference to old: keep it for the count. */
		struct xs_node *held = old != NULL ? node_get((struct xs_node *)old) : NULL;

		err = transaction_note_write(ctx, path, node, old, false);
		if (!err)
			count_nodes(ctx, old, node);
		node_put(ctx->core, held);
		return err;
	}
	entry = path_map_find(&ctx->core->store, path);
	if (entry == NULL) {
		err = path_map_insert(ctx->core, &ctx->core->store, path, node, NULL);
		if (err) {
			node_put(ctx->core, node);
			return err;
		}
	} else {
		entry->value = node;
	}
	node_recharge(ctx->core, node, node_owner(node));
	count_nodes(ctx, old, node);
	node_put(ctx->core, (struct xs_node *)old);
	return 0;
}

/* Remove the node at path (it exists in ctx's view). */
static int tree_delete(struct xs_ctx *ctx, const char *path, bool watch_exact)
{
	const struct xs_node *old = current(ctx, path);
	struct path_map_entry *entry;
	int err;

	if (old == NULL)
		return 0;
	if (ctx->tx != NULL) {
		struct xs_node *held = node_get((struct xs_node *)old);

		err = transaction_note_write(ctx, path, NULL, old, watch_exact);
		if (!err)
			count_nodes(ctx, old, NULL);
		node_put(ctx->core, held);
		return err;
	}
	entry = path_map_find(&ctx->core->store, path);
	count_nodes(ctx, old, NULL);
	path_map_remove(ctx->core, &ctx->core->store, entry);
	node_put(ctx->core, (struct xs_node *)old);
	return 0;
}

/*
 * Build a node for ctx. Inside a transaction the caller's domain pays for it until commit (as
 * in Xen, a transaction's copies are charged to the domain that made them).
 */
static int build(struct xs_ctx *ctx, const struct xs_perm *perms, uint32_t num_perms,
		 const void *data, uint32_t data_len, const char *children, uint32_t children_len,
		 struct xs_node **out)
{
	unsigned int charge = perms[0].domid;

	if (ctx->tx != NULL && ctx->conn != NULL)
		charge = ctx->conn->domain->domid;
	return node_new(ctx->core, charge, true, perms, num_perms, data, data_len, children,
			children_len, out);
}

/* Xen's errno_from_parents(): hide whether a node exists from a caller who may not know. */
static int error_from_parents(struct xs_ctx *ctx, const char *path, int err, unsigned int perm)
{
	const struct xs_node *node = NULL;
	char *parent = xs_strdup(ctx->core, path);
	size_t len;
	int read_err;

	if (parent == NULL)
		return XENSTORE_ENOMEM;
	do {
		len = path_parent_len(parent);
		parent[len] = '\0';
		read_err = tree_read(ctx, parent, &node);
		if (read_err == XENSTORE_ENOMEM || read_err == XENSTORE_ENOSPC) {
			xs_free(ctx->core, parent);
			return read_err;
		}
	} while (read_err && len > 1);
	xs_free(ctx->core, parent);
	if (read_err)
		return XENSTORE_EACCES; /* no root: nothing may be seen */
	return (perm_for(ctx->conn, node->perms, node->num_perms) & perm) ? err : XENSTORE_EACCES;
}

int tree_get(struct xs_ctx *ctx, const char *path, unsigned int perm, const struct xs_node **out)
{
	const struct xs_node *node;
	int err;

	if (!path_is_valid(path))
		return XENSTORE_EINVAL;
	err = tree_read(ctx, path, &node);
	if (!err) {
		if ((perm_for(ctx->conn, node->perms, node->num_perms) & perm) == perm) {
			*out = node;
			return 0;
		}
		err = XENSTORE_EACCES;
	}
	if (err == XENSTORE_ENOMEM || err == XENSTORE_ENOSPC)
		return err;
	return error_from_parents(ctx, path, err, perm);
}

/* A copy of parent with the child name (name_len bytes, no NUL) added to its list. */
static int with_child(struct xs_ctx *ctx, const struct xs_node *parent, const char *name,
		      size_t name_len, struct xs_node **out)
{
	int err;

	err = build(ctx, parent->perms, parent->num_perms, parent->data, parent->data_len, NULL,
		    parent->children_len + (uint32_t)name_len + 1, out);
	if (err)
		return err;
	memcpy((*out)->children, parent->children, parent->children_len);
	memcpy((*out)->children + parent->children_len, name, name_len);
	(*out)->children[parent->children_len + name_len] = '\0';
	return 0;
}

/* A copy of parent without the child name. Not checked against quotas, as in Xen. */
static int without_child(struct xs_ctx *ctx, const struct xs_node *parent, const char *name,
			 struct xs_node **out)
{
	uint32_t at = 0, len = 0;
	unsigned int charge = node_owner(parent);
	int err;

	while (at < parent->children_len) {
		len = (uint32_t)strlen(parent->children + at) + 1;
		if (strcmp(parent->children + at, name) == 0)
			break;
		at += len;
	}
	if (at >= parent->children_len)
		return XENSTORE_EIO; /* not listed: cannot happen in a consistent store */
	if (ctx->tx != NULL && ctx->conn != NULL)
		charge = ctx->conn->domain->domid;
	err = node_new(ctx->core, charge, false, parent->perms, parent->num_perms, parent->data,
		       parent->data_len, NULL, parent->children_len - len, out);
	if (err)
		return err;
	memcpy((*out)->children, parent->children, at);
	memcpy((*out)->children + at, parent->children + at + len, parent->children_len - at - len);
	return 0;
}

/* The first len bytes of path as a string of their own ("/" for len 1). */
static char *prefix(struct xs_core *core, const char *path, size_t len)
{
	char *copy = xs_alloc(core, len + 1);

	if (copy != NULL)
		memcpy(copy, path, len);
	return copy;
}

/* The length of the parent of path's first len bytes. */
static size_t parent_of(const char *path, size_t len)
{
	while (len > 1 && path[len - 1] != '/')
		len--;
	return len > 1 ? len - 1 : 1;
}

/* Write node at path's first len bytes (node's reference passes on). */
static int write_prefix(struct xs_ctx *ctx, const char *path, size_t len, struct xs_node *node,
			bool check_quota)
{
	char *name = prefix(ctx->core, path, len);
	int err;

	if (name == NULL) {
		node_put(ctx->core, node);
		return XENSTORE_ENOMEM;
	}
	err = tree_write(ctx, name, node, check_quota);
	xs_free(ctx->core, name);
	return err;
}

/* Take back the first done nodes a failed create wrote; a transaction is failed instead. */
static void undo_create(struct xs_ctx *ctx, const char *path, const size_t *levels,
			unsigned int done)
{
	unsigned int i;

	if (ctx->tx != NULL) {
		transaction_fail(ctx->tx);
		return;
	}
	for (i = 0; i < done; i++) {
		char *name = prefix(ctx->core, path, levels[i]);

		if (name != NULL)
			tree_delete(ctx, name, false);
		xs_free(ctx->core, name);
	}
}

/*
 * Create path with the value data, and every missing ancestor, as Xen's create_node() does.
 * path does not exist in ctx's view, and the caller may write its nearest existing ancestor.
 */
int tree_create(struct xs_ctx *ctx, const char *path, const void *data, uint32_t data_len)
{
	struct xs_core *core = ctx->core;
	bool unprivileged = !conn_is_privileged(ctx->conn);
	size_t len = strlen(path), at = len, *levels;
	const struct xs_node *ancestor = NULL;
	struct xs_node **built = NULL, *top = NULL;
	struct xs_perm *perms = NULL;
	unsigned int depth = 0, i, n;
	int err;

	levels = xs_alloc(core, (len / 2 + 1) * sizeof(*levels));
	if (levels == NULL)
		return XENSTORE_ENOMEM;
	/* Walk up to the nearest node that exists; levels[] are the missing ones, deepest first. */
	do {
		char *name;

		levels[depth++] = at;
		at = parent_of(path, at);
		name = prefix(core, path, at);
		if (name == NULL) {
			err = XENSTORE_ENOMEM;
			goto out;
		}
		err = tree_read(ctx, name, &ancestor);
		xs_free(core, name);
	} while (err == XENSTORE_ENOENT && at > 1);
	if (err)
		goto out;

	/* Xen's node-count quota, checked before anything changes. */
	if (unprivileged &&
	    domain_nodes(ctx, ctx->conn->domain->domid) + depth > core->quotas.nodes_per_domain) {
		err = XENSTORE_ENOSPC;
		goto out;
	}
	n = ancestor->num_perms;
	perms = xs_alloc(core, n * sizeof(*perms));
	built = xs_alloc(core, depth * sizeof(*built));
	if (perms == NULL || built == NULL) {
		err = XENSTORE_ENOMEM;
		goto out;
	}
	/* Inherit the ancestor's permissions; an unprivileged creator owns what it creates. */
	memcpy(perms, ancestor->perms, n * sizeof(*perms));
	if (unprivileged)
		perms[0].domid = (uint16_t)ctx->conn->domain->domid;

	/* Build every node first: the new ones, deepest first, then the ancestor's new list. */
	for (i = 0; i < depth; i++) {
		size_t child_len = i == 0 ? 0 : levels[i - 1] - levels[i] - 1;
		const char *child = path + levels[i] + 1;

		if (unprivileged &&
		    node_record_size(n, i == 0 ? data_len : 0,
				     child_len == 0 ? 0 : (uint32_t)child_len + 1) >=
			    core->quotas.node_size) {
			err = XENSTORE_ENOSPC;
			goto out;
		}
		err = build(ctx, perms, n, i == 0 ? data : NULL, i == 0 ? data_len : 0, NULL,
			    child_len == 0 ? 0 : (uint32_t)child_len + 1, &built[i]);
		if (err)
			goto out;
		if (child_len > 0) {
			memcpy(built[i]->children, child, child_len);
			built[i]->children[child_len] = '\0';
		}
	}
	{
		size_t start = at == 1 ? 1 : at + 1;

		err = with_child(ctx, ancestor, path + start, levels[depth - 1] - start, &top);
		if (err)
			goto out;
	}

	/* Write bottom-up, so that a failure leaves no parent naming a missing child. */
	for (i = 0; i < depth; i++) {
		err = write_prefix(ctx, path, levels[i], built[i], false);
		built[i] = NULL;
		if (err) {
			undo_create(ctx, path, levels, i);
			goto out;
		}
	}
	err = write_prefix(ctx, path, at, top, true);
	top = NULL;
	if (err)
		undo_create(ctx, path, levels, depth);
out:
	if (built != NULL)
		for (i = 0; i < depth; i++)
			node_put(core, built[i]);
	node_put(core, top);
	xs_free(core, built);
	xs_free(core, perms);
	xs_free(core, levels);
	return err;
}

int tree_set_value(struct xs_ctx *ctx, const char *path, const struct xs_node *node,
		   const void *data, uint32_t data_len)
{
	struct xs_node *changed;
	int err;

	err = build(ctx, node->perms, node->num_perms, data, data_len, node->children,
		    node->children_len, &changed);
	if (err)
		return err;
	return tree_write(ctx, path, changed, true);
}

int tree_set_perms(struct xs_ctx *ctx, const char *path, const struct xs_node *node,
		   const struct xs_perm *perms, unsigned int n)
{
	struct xs_node *changed;
	int err;

	err = build(ctx, perms, n, node->data, node->data_len, node->children, node->children_len,
		    &changed);
	if (err)
		return err;
	return tree_write(ctx, path, changed, true);
}

/* Drop the child name from the node at parent_path's list. */
static int unlink_child(struct xs_ctx *ctx, const char *parent_path, const char *name)
{
	const struct xs_node *parent;
	struct xs_node *changed;
	int err;

	err = tree_read(ctx, parent_path, &parent);
	if (err)
		return err;
	err = without_child(ctx, parent, name, &changed);
	if (err)
		return err;
	return tree_write(ctx, parent_path, changed, false);
}

/*
 * Delete path and everything below it, deepest first, as Xen's rm_node() does: each node's
 * watches fire as it goes (only watches on exactly that node, but for path itself, whose
 * event also reaches watches above it). Iterative, so a deep tree needs no deep stack.
 */
int tree_rm(struct xs_ctx *ctx, const char *path)
{
	size_t root_len = strlen(path), len = root_len;
	char *cur = xs_alloc(ctx->core, 2 * (XENSTORE_ABS_PATH_MAX + 2));
	char *name = cur + XENSTORE_ABS_PATH_MAX + 2;
	const struct xs_node *node;
	int err = 0;

	if (cur == NULL)
		return XENSTORE_ENOMEM;
	if (root_len < 2 || root_len > XENSTORE_ABS_PATH_MAX) {
		xs_free(ctx->core, cur);
		return XENSTORE_EINVAL;
	}
	memcpy(cur, path, root_len + 1);
	for (;;) {
		size_t parent_len, child_len;
		bool exact = len != root_len;

		err = tree_read(ctx, cur, &node);
		if (err)
			break;
		if (node->children_len > 0) {
			/* Go down to the first child. Stored paths are valid, so it fits. */
			child_len = strlen(node->children);
			if (len + 1 + child_len > XENSTORE_ABS_PATH_MAX) {
				err = XENSTORE_EIO;
				break;
			}
			cur[len] = '/';
			memcpy(cur + len + 1, node->children, child_len + 1);
			len += 1 + child_len;
			continue;
		}
		watch_fire(ctx, cur, node, exact, NULL);
		err = tree_delete(ctx, cur, exact);
		if (err)
			break;
		parent_len = parent_of(cur, len);
		memcpy(name, path_basename(cur), strlen(path_basename(cur)) + 1);
		cur[parent_len] = '\0';
		err = unlink_child(ctx, cur, name);
		if (err || !exact)
			break;
		len = parent_len;
	}
	xs_free(ctx->core, cur);
	return err;
}

/*
 * The domain is gone: delete every node it owns, with their subtrees, and take it out of
 * every other node's permissions, so that a new domain given its id inherits nothing.
 */
void tree_remove_domain(struct xs_core *core, unsigned int domid)
{
	struct xs_ctx ctx = {.core = core};
	struct path_map_entry *entry;

	for (;;) {
		char *victim = NULL;

		/* The first node (oldest, so no ancestor of it is owned too) the domain owns. */
		for (entry = core->store.first; entry != NULL; entry = entry->next) {
			const struct xs_node *node = entry->value;

			if (node_owner(node) == domid && strcmp(entry->path, "/") != 0) {
				victim = xs_strdup(core, entry->path);
				break;
			}
		}
		if (victim == NULL || tree_rm(&ctx, victim) != 0) {
			xs_free(core, victim);
			break;
		}
		xs_free(core, victim);
	}
	for (entry = core->store.first; entry != NULL; entry = entry->next) {
		struct xs_node *node = entry->value, *changed;
		struct xs_perm perms[64], *kept = perms;
		unsigned int i, n = 0;

		for (i = 1; i < node->num_perms; i++)
			if (node->perms[i].domid == domid)
				break;
		if (i == node->num_perms)
			continue;
		if (node->num_perms > 64)
			kept = xs_alloc(core, node->num_perms * sizeof(*kept));
		if (kept == NULL)
			continue;
		for (i = 0; i < node->num_perms; i++)
			if (i == 0 || node->perms[i].domid != domid)
				kept[n++] = node->perms[i];
		if (node_new(core, node->charged_domid, false, kept, n, node->data, node->data_len,
			     node->children, node->children_len, &changed) == 0) {
			entry->value = changed;
			node_put(core, node);
		}
		if (kept != perms)
			xs_free(core, kept);
	}
}

const struct xs_node *special_node(struct xs_core *core, const char *name)
{
	if (strcmp(name, "@introduceDomain") == 0)
		return core->special[0];
	if (strcmp(name, "@releaseDomain") == 0)
		return core->special[1];
	return NULL;
}

void tree_destroy(struct xs_core *core)
{
	struct path_map_entry *entry;

	for (entry = core->store.first; entry != NULL; entry = entry->next)
		node_put(core, entry->value);
	path_map_destroy(core, &core->store);
	node_put(core, core->special[0]);
	node_put(core, core->special[1]);
}
