/*
 * Watches. A connection watches a path with a token; whenever that node, or any node below it,
 * is written, created, deleted or has its permissions changed, the connection gets an
 * XS_WATCH_EVENT naming the changed path (relative to its home if the watch was set with a
 * relative path) and the token. A new watch fires once at once. Inside a transaction nothing
 * fires until the commit. As in Xen, a connection hears only of nodes it may read, or whose
 * parent it may read; for a deletion or a permission change the old permissions count too.
 *
 * The special watches "@introduceDomain" and "@releaseDomain" fire when domains come and go,
 * for connections the special node's permissions let read (dom0 only, by default).
 */
#include "core.h"

#include <string.h>

/* The path an event of watch about path carries: relative watches hear relative paths. */
static const char *event_path(const struct xs_conn *conn, const struct xs_watch *watch,
			      const char *path)
{
	if (watch->relative) {
		path += strlen(conn->home);
		if (*path == '/')
			path++;
	}
	return path;
}

int watch_add(struct xs_conn *conn, const char *path, const char *token)
{
	struct xs_core *core = conn->core;
	struct xs_domain *domain = conn->domain;
	struct xs_watch *watch, **tail;
	bool relative = path[0] != '/' && path[0] != '@';
	size_t charge;
	char *canonical;
	int err;

	if (path[0] == '@' && strnlen(path, XENSTORE_REL_PATH_MAX + 1) > XENSTORE_REL_PATH_MAX)
		return XENSTORE_EINVAL;
	err = path_canonical(core, conn, path, &canonical);
	if (err)
		return err;
	if (canonical[0] != '@' && !path_is_valid(canonical)) {
		err = XENSTORE_EINVAL;
		goto out;
	}
	for (tail = &conn->watches; *tail != NULL; tail = &(*tail)->next)
		if (strcmp((*tail)->path, canonical) == 0 && strcmp((*tail)->token, token) == 0) {
			err = XENSTORE_EEXIST;
			goto out;
		}
	/* Xen refuses only once a domain is past the quota, so it may hold one more. */
	if (!conn_is_privileged(conn) && domain->watches > core->quotas.watches_per_domain) {
		err = XENSTORE_E2BIG;
		goto out;
	}
	charge = sizeof(*watch) + strlen(canonical) + 1 + strlen(token) + 1;
	err = domain_memory_charge(core, domain->domid, charge, true);
	if (err)
		goto out;
	watch = xs_alloc(core, charge);
	if (watch == NULL) {
		domain_memory_uncharge(core, domain->domid, charge);
		err = XENSTORE_ENOMEM;
		goto out;
	}
	watch->relative = relative;
	watch->charged = charge;
	memcpy(watch->path, canonical, strlen(canonical) + 1);
	watch->token = watch->path + strlen(canonical) + 1;
	memcpy(watch->token, token, strlen(token) + 1);
	*tail = watch; /* at the end: events go out in the order watches were set */
	domain->watches++;

	/* Acknowledge, then fire once up front, as Xen does. */
	conn_ack(conn, XS_WATCH);
	conn_event(conn, event_path(conn, watch, watch->path), watch->token, conn->request);
out:
	xs_free(core, canonical);
	return err;
}

static void watch_free(struct xs_conn *conn, struct xs_watch *watch)
{
	domain_memory_uncharge(conn->core, conn->domain->domid, watch->charged);
	if (conn->domain->watches > 0)
		conn->domain->watches--;
	xs_free(conn->core, watch);
}

int watch_remove(struct xs_conn *conn, const char *path, const char *token)
{
	struct xs_watch **link, *watch;
	char *canonical;
	int err = path_canonical(conn->core, conn, path, &canonical);

	if (err)
		return err;
	err = XENSTORE_ENOENT;
	for (link = &conn->watches; (watch = *link) != NULL; link = &watch->next) {
		if (strcmp(watch->path, canonical) == 0 && strcmp(watch->token, token) == 0) {
			*link = watch->next;
			watch_free(conn, watch);
			err = 0;
			break;
		}
	}
	xs_free(conn->core, canonical);
	return err;
}

void watch_remove_all(struct xs_conn *conn)
{
	struct xs_watch *watch;

	while ((watch = conn->watches) != NULL) {
		conn->watches = watch->next;
		watch_free(conn, watch);
	}
}

/* Xen's watch_permitted(): may conn hear that path (now node, before old) changed? */
static bool permitted(struct xs_conn *conn, const char *path, const struct xs_node *node,
		      const struct xs_node *old)
{
	struct path_map_entry *entry;
	const struct xs_node *parent;
	char *parent_path;

	if (old != NULL && (perm_for(conn, old->perms, old->num_perms) & XS_PERM_READ))
		return true;
	if (node == NULL) {
		entry = path_map_find(&conn->core->store, path);
		if (entry == NULL || entry->value == NULL)
			return false;
		node = entry->value;
	}
	if (perm_for(conn, node->perms, node->num_perms) & XS_PERM_READ)
		return true;
	parent_path = xs_strdup(conn->core, path);
	if (parent_path == NULL)
		return false;
	parent_path[path_parent_len(path)] = '\0';
	entry = path_map_find(&conn->core->store, parent_path);
	xs_free(conn->core, parent_path);
	parent = entry != NULL ? entry->value : NULL;
	return parent != NULL && (perm_for(conn, parent->perms, parent->num_perms) & XS_PERM_READ);
}

void watch_fire(struct xs_ctx *ctx, const char *path, const struct xs_node *node, bool exact,
		const struct xs_node *old)
{
	struct xs_request *cause = ctx->conn != NULL ? ctx->conn->request : NULL;
	struct xs_conn *conn;
	struct xs_watch *watch;

	if (ctx->tx != NULL)
		return; /* a transaction's changes fire when it commits */
	for (conn = ctx->core->conns; conn != NULL; conn = conn->next) {
		if (conn->watches == NULL || !permitted(conn, path, node, old))
			continue;
		for (watch = conn->watches; watch != NULL; watch = watch->next) {
			bool match = exact ? strcmp(path, watch->path) == 0
					   : path_is_child(path, watch->path);

			if (match && watch->path[0] != '@')
				conn_event(conn, event_path(conn, watch, path), watch->token,
					   cause);
		}
	}
}

void watch_fire_special(struct xs_core *core, const char *name)
{
	const struct xs_node *special = special_node(core, name);
	struct xs_conn *conn;
	struct xs_watch *watch;

	for (conn = core->conns; conn != NULL; conn = conn->next) {
		if (!(perm_for(conn, special->perms, special->num_perms) & XS_PERM_READ))
			continue;
		for (watch = conn->watches; watch != NULL; watch = watch->next)
			if (strcmp(watch->path, name) == 0)
				conn_event(conn, name, watch->token, NULL);
	}
}
