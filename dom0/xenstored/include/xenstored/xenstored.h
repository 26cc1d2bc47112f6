/*
 * The XenStore daemon's core: the tree, permissions, watches, transactions, domains and quotas,
 * as portable C that knows nothing of rings, event channels or sockets. The transport (dom0's
 * ring code, or a unit test) hands the core one request at a time for a connection and takes
 * the messages the core queued for each connection (replies and watch events) when it can send
 * them. Semantics are those of Xen 4.17's C xenstored; docs/xenstore.md tells the story.
 *
 *     struct xs_core *core = xs_core_create(&config);
 *     struct xs_conn *tools = xs_core_connect_local(core);   // a dom0 client, like a socket
 *     xs_conn_receive(tools, bytes, len, &used);             // one request
 *     while ((n = xs_conn_next_output(tools, buf, sizeof(buf))) > 0)
 *             send(buf, n);
 *
 * Memory comes only from the allocator in the config; every byte is counted, the total can be
 * capped, and each unprivileged domain is held to Xen's quotas, so no guest can exhaust dom0.
 * The core is single-threaded: the caller serialises every call on one core.
 */
#ifndef XENSTORED_XENSTORED_H
#define XENSTORED_XENSTORED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <parvus/xenstore_wire.h>

/* Where the core's memory comes from. free() is given the size that alloc() was asked for. */
struct xs_allocator {
	void *(*alloc)(void *opaque, size_t size);
	void (*free)(void *opaque, void *p, size_t size);
	void *opaque;
};

/*
 * The per-domain limits, with Xen 4.17's defaults (xs_default_quotas). They bind unprivileged
 * domains only; dom0 and the privileged domain have none, as in Xen.
 */
struct xs_quotas {
	unsigned int nodes_per_domain;	      /* nodes a domain owns: ENOSPC (1000) */
	unsigned int node_size;		      /* bytes of one node record: ENOSPC (2048) */
	unsigned int watches_per_domain;      /* E2BIG past it (128) */
	unsigned int transactions_per_domain; /* open at once: ENOSPC past it (10) */
	unsigned int perms_per_node;	      /* entries in SET_PERMS: ENOSPC (5) */
	unsigned int transaction_nodes;	      /* nodes one transaction touches: ENOSPC (1024) */
	unsigned int outstanding_requests;    /* requests not yet answered: input stalls (20) */
	size_t memory_per_domain;	      /* bytes charged to a domain: ENOMEM (2.5 MiB) */
};

struct xs_config {
	struct xs_allocator allocator;
	size_t memory_limit;	 /* all live bytes of the core together, 0 for no cap */
	struct xs_quotas quotas; /* all zero: Xen's defaults */
	unsigned int priv_domid; /* a second privileged domain (Xen's --priv-domid), 0 for none */
	/*
	 * Called when a domain is introduced (by XS_INTRODUCE or xs_core_introduce), before it
	 * gets a connection: the transport maps the ring at mfn and binds port. A non-zero Xen
	 * errno refuses the introduction. Called again, with the new port, when an introduced
	 * domain is introduced once more. May be NULL.
	 */
	int (*introduce_hook)(void *opaque, unsigned int domid, uint64_t mfn, uint32_t port);
	/* Called when a domain's connection goes away (release): unmap, unbind. May be NULL. */
	void (*release_hook)(void *opaque, unsigned int domid);
	void *hook_opaque;
};

struct xs_core;
struct xs_conn;

void xs_default_quotas(struct xs_quotas *quotas);

/* NULL if the allocator fails. The tree starts as Xen's: /, /tool, /tool/xenstored. */
struct xs_core *xs_core_create(const struct xs_config *config);
/* Frees every connection, node, watch, transaction and message. */
void xs_core_destroy(struct xs_core *core);
/* Bytes the core holds from its allocator right now. */
size_t xs_core_live_bytes(const struct xs_core *core);

/* A new dom0 client connection (a local socket in Xen's terms). NULL when out of memory. */
struct xs_conn *xs_core_connect_local(struct xs_core *core);
/* Close a local connection: its watches, transactions and queued output go with it. */
void xs_conn_close(struct xs_conn *conn);

/*
 * The toolstack's side, the same as XS_INTRODUCE and XS_RELEASE from dom0: introduce gives
 * domid its connection and fires @introduceDomain; release removes it with every watch,
 * transaction and node the domain owns and fires @releaseDomain. Return 0 or a Xen errno.
 */
int xs_core_introduce(struct xs_core *core, unsigned int domid, uint64_t mfn, uint32_t port);
int xs_core_release(struct xs_core *core, unsigned int domid);
/* The domain shut down (but still exists): fire @releaseDomain, once until XS_RESUME. */
void xs_core_domain_shutdown(struct xs_core *core, unsigned int domid);
/* The connection of an introduced domain, or NULL. */
struct xs_conn *xs_core_domain_conn(struct xs_core *core, unsigned int domid);

/* xs_conn_request() and xs_conn_receive(): the connection is over its quota, retry later. */
#define XS_CONN_STALLED 2

/*
 * Process one parsed, valid request (xenstore_wire_parse() returned 0 for it). Returns 0, or
 * XS_CONN_STALLED without looking at msg when an unprivileged domain has too many requests
 * unanswered or too much memory: leave the request where it is (Xen stops reading the ring).
 */
int xs_conn_request(struct xs_conn *conn, const struct xenstore_wire_msg *msg);

/*
 * Parse one request from the len bytes at bytes and process it. Returns 0 with *consumed set
 * (a message the codec refused got its XS_ERROR reply), XENSTORE_WIRE_INCOMPLETE, or
 * XS_CONN_STALLED as above, or -XENSTORE_E2BIG when the stream cannot be framed: the
 * transport must drop the connection (XENSTORE_ERROR_PROTO).
 */
int xs_conn_receive(struct xs_conn *conn, const void *bytes, size_t len, size_t *consumed);

/* false while xs_conn_request() would answer XS_CONN_STALLED. */
bool xs_conn_can_accept(const struct xs_conn *conn);

/*
 * Move the oldest queued message (reply, error or watch event) into buf. Returns its size,
 * 0 if nothing is queued, or -XENSTORE_ENOSPC if size is too small (the message stays).
 * XENSTORE_WIRE_MESSAGE_MAX bytes are always enough.
 */
int xs_conn_next_output(struct xs_conn *conn, void *buf, size_t size);
/* Messages queued on the connection. */
unsigned int xs_conn_queued(const struct xs_conn *conn);
unsigned int xs_conn_domid(const struct xs_conn *conn);

#endif /* XENSTORED_XENSTORED_H */
