/*
 * The requests: one handler per XenStore message type, and the dispatcher that checks what
 * every request shares first, as Xen's process_message() does: the type must be known
 * (ENOSYS), a privileged type needs a privileged caller (EACCES), and a non-zero tx_id must
 * name one of the connection's transactions (ENOENT), except for WATCH and UNWATCH which
 * ignore it. A handler returns 0 once it has queued its reply, or a Xen errno, which goes
 * back as XS_ERROR with the request's req_id and tx_id.
 */
#include "core.h"

#include <stdio.h>
#include <string.h>

typedef int handler_fn(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg);

/* atoi() as Xen uses it: leading decimal digits, 0 if none; saturates. */
static unsigned long leading_number(const char *s)
{
	unsigned long value = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		value = value > 100000000000ul ? value : value * 10 + (unsigned long)(*s - '0');
	return value;
}

/* The first string, a path, made absolute; freed by the caller. */
static int first_path(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg, char **path)
{
	return path_canonical(ctx->core, ctx->conn, msg->strings[0], path);
}

static int do_read(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	char *path;
	int err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = tree_get(ctx, path, XS_PERM_READ, &node);
	if (!err)
		err = conn_reply(ctx->conn, XS_READ, NULL, 0, node->data, node->data_len);
	xs_free(ctx->core, path);
	return err;
}

static int do_directory(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	char *path;
	int err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = tree_get(ctx, path, XS_PERM_READ, &node);
	if (!err)
		err = conn_reply(ctx->conn, XS_DIRECTORY, NULL, 0, node->children,
				 node->children_len);
	xs_free(ctx->core, path);
	return err;
}

/*
 * The children from a byte offset on, as many whole names as fit, after the node's generation;
 * an empty name ends the list when it is complete (Xen's send_directory_part()).
 */
static int do_directory_part(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	unsigned long offset = leading_number(msg->strings[1]);
	uint32_t len = 0, max;
	char gen[24], *payload = NULL, *path;
	int gen_len, err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = tree_get(ctx, path, XS_PERM_READ, &node);
	if (err)
		goto out;
	gen_len = snprintf(gen, sizeof(gen), "%llu", (unsigned long long)node->generation) + 1;
	payload = xs_alloc(ctx->core, XENSTORE_PAYLOAD_MAX);
	if (payload == NULL) {
		err = XENSTORE_ENOMEM;
		goto out;
	}
	memcpy(payload, gen, (size_t)gen_len);
	if (offset >= node->children_len) {
		payload[gen_len] = '\0';
		err = conn_reply(ctx->conn, XS_DIRECTORY_PART, NULL, 0, payload,
				 (size_t)gen_len + 1);
		goto out;
	}
	max = XENSTORE_PAYLOAD_MAX - (uint32_t)gen_len - 1;
	for (;;) {
		const char *child = node->children + offset + len;
		uint32_t child_len = (uint32_t)strlen(child);

		if (len + child_len >= max)
			break;
		len += child_len + 1;
		if (offset + len >= node->children_len)
			break;
	}
	memcpy(payload + gen_len, node->children + offset, len);
	if (offset + len >= node->children_len)
		payload[gen_len + len++] = '\0'; /* complete: the empty name */
	err = conn_reply(ctx->conn, XS_DIRECTORY_PART, NULL, 0, payload, (size_t)gen_len + len);
out:
	xs_free(ctx->core, payload);
	xs_free(ctx->core, path);
	return err;
}

/* A special node's permissions, or a path's node: get_perms and set_perms take both. */
static int get_any(struct xs_ctx *ctx, const char *path, unsigned int perm,
		   const struct xs_node **out)
{
	const struct xs_node *special;

	if (path[0] != '@')
		return tree_get(ctx, path, perm, out);
	special = special_node(ctx->core, path);
	if (special == NULL)
		return XENSTORE_ENOENT;
	if ((perm_for(ctx->conn, special->perms, special->num_perms) & perm) != perm)
		return XENSTORE_EACCES;
	*out = special;
	return 0;
}

static int do_get_perms(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	char *path, *text = NULL;
	int len, err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = get_any(ctx, path, XS_PERM_READ, &node);
	if (!err) {
		text = xs_alloc(ctx->core, XENSTORE_PAYLOAD_MAX + 1);
		len = text != NULL ? perms_format(node->perms, node->num_perms, text,
						  XENSTORE_PAYLOAD_MAX + 1)
				   : 0;
		if (text == NULL)
			err = XENSTORE_ENOMEM;
		else if (len < 0)
			err = XENSTORE_E2BIG;
		else
			err = conn_reply(ctx->conn, XS_GET_PERMS, NULL, 0, text, (size_t)len);
	}
	xs_free(ctx->core, text);
	xs_free(ctx->core, path);
	return err;
}

static int do_set_perms(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	struct xs_core *core = ctx->core;
	unsigned int n = msg->nr_strings - 1;
	const struct xs_node *node;
	struct xs_node *old = NULL, *special;
	struct xs_perm *perms = NULL;
	char *path = NULL;
	int err;

	if (msg->nr_strings < 2)
		return XENSTORE_EINVAL;
	if (!conn_is_privileged(ctx->conn) && n > core->quotas.perms_per_node)
		return XENSTORE_ENOSPC;
	perms = xs_alloc(core, n * sizeof(*perms));
	if (perms == NULL)
		return XENSTORE_ENOMEM;
	err = perms_parse(msg, xenstore_wire_next_string(msg, msg->strings[0]), perms, n);
	if (!err)
		err = first_path(ctx, msg, &path);
	if (err)
		goto out;
	err = get_any(ctx, path, XS_PERM_WRITE | XS_PERM_OWNER, &node);
	if (err)
		goto out;
	if (path[0] == '@') {
		err = node_new(core, 0, false, perms, n, NULL, 0, NULL, 0, &special);
		if (!err) {
			struct xs_node **slot = &core->special[node == core->special[0] ? 0 : 1];

			node_put(core, *slot);
			*slot = special;
			conn_ack(ctx->conn, XS_SET_PERMS);
		}
		goto out;
	}
	/* Unprivileged domains may not give their nodes away. */
	if (!conn_is_privileged(ctx->conn) && perms[0].domid != node_owner(node)) {
		err = XENSTORE_EPERM;
		goto out;
	}
	old = node_get((struct xs_node *)node);
	err = tree_set_perms(ctx, path, node, perms, n);
	if (err)
		goto out;
	/* Those who could read the node before hear of the change too. */
	watch_fire(ctx, path, NULL, false, old);
	conn_ack(ctx->conn, XS_SET_PERMS);
out:
	node_put(core, old);
	xs_free(core, path);
	xs_free(core, perms);
	return err;
}

static int do_write(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	char *path;
	int err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = tree_get(ctx, path, XS_PERM_WRITE, &node);
	if (err == XENSTORE_ENOENT)
		err = tree_create(ctx, path, msg->raw, msg->raw_len);
	else if (!err)
		err = tree_set_value(ctx, path, node, msg->raw, msg->raw_len);
	if (!err) {
		watch_fire(ctx, path, NULL, false, NULL);
		conn_ack(ctx->conn, XS_WRITE);
	}
	xs_free(ctx->core, path);
	return err;
}

static int do_mkdir(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	char *path;
	int err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = tree_get(ctx, path, XS_PERM_WRITE, &node);
	if (err == XENSTORE_ENOENT) {
		err = tree_create(ctx, path, NULL, 0);
		if (!err)
			watch_fire(ctx, path, NULL, false, NULL);
	}
	if (!err)
		conn_ack(ctx->conn, XS_MKDIR); /* already there is fine */
	xs_free(ctx->core, path);
	return err;
}

static int do_rm(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_node *node;
	char *path;
	int err = first_path(ctx, msg, &path);

	if (err)
		return err;
	err = tree_get(ctx, path, XS_PERM_WRITE, &node);
	if (err == XENSTORE_ENOENT) {
		/* Gone already: fine, if its parent is there. */
		path[path_parent_len(path)] = '\0';
		err = tree_read(ctx, path, &node);
		if (!err)
			conn_ack(ctx->conn, XS_RM);
		else if (err != XENSTORE_ENOMEM && err != XENSTORE_ENOSPC)
			err = XENSTORE_ENOENT;
	} else if (!err && strcmp(path, "/") == 0) {
		err = XENSTORE_EINVAL;
	} else if (!err) {
		err = tree_rm(ctx, path);
		if (!err)
			conn_ack(ctx->conn, XS_RM);
	}
	xs_free(ctx->core, path);
	return err;
}

static int do_watch(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	return watch_add(ctx->conn, msg->strings[0], msg->strings[1]);
}

static int do_unwatch(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	int err = watch_remove(ctx->conn, msg->strings[0], msg->strings[1]);

	if (!err)
		conn_ack(ctx->conn, XS_UNWATCH);
	return err;
}

static int do_transaction_start(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	char id_text[12];
	const char *const strings[] = {id_text};
	uint32_t id;
	int err;

	(void)msg;
	if (ctx->tx != NULL)
		return XENSTORE_EBUSY; /* no nesting */
	err = transaction_start(ctx->conn, &id);
	if (err)
		return err;
	snprintf(id_text, sizeof(id_text), "%u", (unsigned int)id);
	return conn_reply(ctx->conn, XS_TRANSACTION_START, strings, 1, NULL, 0);
}

static int do_transaction_end(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	int err;

	if (strcmp(msg->strings[0], "T") != 0 && strcmp(msg->strings[0], "F") != 0)
		return XENSTORE_EINVAL;
	if (ctx->tx == NULL)
		return XENSTORE_ENOENT;
	err = transaction_end(ctx->conn, ctx->tx, msg->strings[0][0] == 'T');
	ctx->tx = NULL;
	if (!err)
		conn_ack(ctx->conn, XS_TRANSACTION_END);
	return err;
}

static int do_introduce(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	unsigned long domid = leading_number(msg->strings[0]);
	unsigned long port = leading_number(msg->strings[2]);
	int err;

	if (port == 0 || port > INT32_MAX)
		return XENSTORE_EINVAL;
	err = domain_introduce(ctx->core, (unsigned int)domid, leading_number(msg->strings[1]),
			       (uint32_t)port);
	if (!err)
		conn_ack(ctx->conn, XS_INTRODUCE);
	return err;
}

static int do_release(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	unsigned int domid = (unsigned int)leading_number(msg->strings[0]);
	int err;

	/* The privileged domain releasing itself would free the connection asking. */
	if (!ctx->conn->local && domid == ctx->conn->domain->domid)
		return XENSTORE_EINVAL;
	err = domain_release(ctx->core, domid);
	if (!err)
		conn_ack(ctx->conn, XS_RELEASE);
	return err;
}

static int do_resume(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	unsigned int domid = (unsigned int)leading_number(msg->strings[0]);
	struct xs_domain *d = domain_find(ctx->core, domid);

	if (domid == 0)
		return XENSTORE_EINVAL;
	if (d == NULL || !d->introduced)
		return XENSTORE_ENOENT;
	d->shutdown = false;
	conn_ack(ctx->conn, XS_RESUME);
	return 0;
}

static int do_set_target(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	struct xs_domain *d = domain_find(ctx->core, (unsigned int)leading_number(msg->strings[0]));
	unsigned int target = (unsigned int)leading_number(msg->strings[1]);
	struct xs_domain *t = domain_find(ctx->core, target);

	if (d == NULL || !d->introduced || t == NULL || !t->introduced)
		return XENSTORE_ENOENT;
	d->conn->target_domid = (int)target;
	conn_ack(ctx->conn, XS_SET_TARGET);
	return 0;
}

static int do_get_domain_path(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	char path[24];
	const char *const strings[] = {path};

	snprintf(path, sizeof(path), "/local/domain/%lu", leading_number(msg->strings[0]));
	return conn_reply(ctx->conn, XS_GET_DOMAIN_PATH, strings, 1, NULL, 0);
}

static int do_is_domain_introduced(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	unsigned int domid = (unsigned int)leading_number(msg->strings[0]);
	struct xs_domain *d = domain_find(ctx->core, domid);
	const char *const yes[] = {"T"}, *const no[] = {"F"};
	bool introduced = domid == XS_DOMID_SELF || (d != NULL && d->introduced);

	return conn_reply(ctx->conn, XS_IS_DOMAIN_INTRODUCED, introduced ? yes : no, 1, NULL, 0);
}

static int do_reset_watches(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	(void)msg;
	watch_remove_all(ctx->conn);
	transaction_remove_all(ctx->conn);
	conn_ack(ctx->conn, XS_RESET_WATCHES);
	return 0;
}

/*
 * XS_CONTROL, a small part of Xen's: "check" (the store is kept consistent: just "OK"),
 * "print TEXT" (acknowledged), "quota" (the limits) and "quota DOMID" (what a domain uses),
 * "help". Anything else is EINVAL.
 */
static int do_control(struct xs_ctx *ctx, const struct xenstore_wire_msg *msg)
{
	const struct xs_quotas *q = &ctx->core->quotas;
	const char *command = msg->strings[0], *arg = msg->strings[1];
	char text[320];
	int len;

	if (strcmp(command, "check") == 0 || strcmp(command, "print") == 0) {
		conn_ack(ctx->conn, XS_CONTROL);
		return 0;
	}
	if (strcmp(command, "help") == 0) {
		len = snprintf(text, sizeof(text), "check\nprint <text>\nquota [<domid>]\nhelp\n");
	} else if (strcmp(command, "quota") == 0 && msg->nr_strings == 1) {
		len = snprintf(text, sizeof(text),
			       "nodes: %u\nnode-size: %u\nwatches: %u\ntransactions: %u\n"
			       "permissions: %u\ntransaction-nodes: %u\noutstanding: %u\n"
			       "memory: %lu\n",
			       q->nodes_per_domain, q->node_size, q->watches_per_domain,
			       q->transactions_per_domain, q->perms_per_node, q->transaction_nodes,
			       q->outstanding_requests, (unsigned long)q->memory_per_domain);
	} else if (strcmp(command, "quota") == 0 && msg->nr_strings == 2) {
		struct xs_domain *d = domain_find(ctx->core, (unsigned int)leading_number(arg));

		if (d == NULL)
			return XENSTORE_ENOENT;
		len = snprintf(text, sizeof(text),
			       "Domain %u:\nnodes: %u\nwatches: %u\ntransactions: %u\n"
			       "outstanding: %u\nmemory: %lu\n",
			       d->domid, d->nodes, d->watches, d->transactions, d->outstanding,
			       (unsigned long)d->memory);
	} else {
		return XENSTORE_EINVAL;
	}
	return conn_reply(ctx->conn, XS_CONTROL, NULL, 0, text, (size_t)len + 1);
}

#define PRIVILEGED 1u /* dom0 and the privileged domain only */
#define NO_TX 2u      /* the tx_id is ignored */

static const struct {
	handler_fn *handler;
	unsigned int flags;
} handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = {do_control, PRIVILEGED},
	[XS_DIRECTORY] = {do_directory, 0},
	[XS_READ] = {do_read, 0},
	[XS_GET_PERMS] = {do_get_perms, 0},
	[XS_WATCH] = {do_watch, NO_TX},
	[XS_UNWATCH] = {do_unwatch, NO_TX},
	[XS_TRANSACTION_START] = {do_transaction_start, 0},
	[XS_TRANSACTION_END] = {do_transaction_end, 0},
	[XS_INTRODUCE] = {do_introduce, PRIVILEGED},
	[XS_RELEASE] = {do_release, PRIVILEGED},
	[XS_GET_DOMAIN_PATH] = {do_get_domain_path, 0},
	[XS_WRITE] = {do_write, 0},
	[XS_MKDIR] = {do_mkdir, 0},
	[XS_RM] = {do_rm, 0},
	[XS_SET_PERMS] = {do_set_perms, 0},
	[XS_IS_DOMAIN_INTRODUCED] = {do_is_domain_introduced, PRIVILEGED},
	[XS_RESUME] = {do_resume, PRIVILEGED},
	[XS_SET_TARGET] = {do_set_target, PRIVILEGED},
	[XS_RESET_WATCHES] = {do_reset_watches, 0},
	[XS_DIRECTORY_PART] = {do_directory_part, 0},
};

void request_dispatch(struct xs_conn *conn, const struct xenstore_wire_msg *msg)
{
	struct xs_ctx ctx = {.core = conn->core, .conn = conn};
	uint32_t type = msg->hdr.type;
	int err;

	if (type >= XS_TYPE_COUNT || handlers[type].handler == NULL) {
		err = XENSTORE_ENOSYS;
	} else if ((handlers[type].flags & PRIVILEGED) && !conn_is_privileged(conn)) {
		err = XENSTORE_EACCES;
	} else {
		err = 0;
		if (!(handlers[type].flags & NO_TX) && msg->hdr.tx_id != 0) {
			ctx.tx = transaction_find(conn, msg->hdr.tx_id);
			if (ctx.tx == NULL)
				err = XENSTORE_ENOENT;
		}
		if (!err)
			err = handlers[type].handler(&ctx, msg);
	}
	if (err)
		conn_error(conn, err);
}
