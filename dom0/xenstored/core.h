/*
 * The core's shared structures and the functions its files offer one another. Nothing here is
 * for the transport: that uses include/xenstored/xenstored.h only.
 *
 * Errors inside the core are positive Xen errnos (enum xenstore_errno), 0 for success.
 * Ownership: the core owns domains and connections; a connection owns its watches,
 * transactions and output queue; nodes are immutable and reference-counted, shared by the
 * store and by the transactions that looked at them.
 */
#ifndef XENSTORED_CORE_H
#define XENSTORED_CORE_H

#include <xenstored/xenstored.h>

#include "path_map.h"

/* Permission bits, as perm_for() answers them. */
#define XS_PERM_NONE 0u
#define XS_PERM_READ 1u
#define XS_PERM_WRITE 2u
#define XS_PERM_OWNER 4u
#define XS_PERM_ALL (XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER)

/* Xen's DOMID_SELF: IS_DOMAIN_INTRODUCED always answers "T" for it. */
#define XS_DOMID_SELF 0x7ff0u

/* A node's generation before it exists (Xen's NO_GENERATION). */
#define XS_NO_GENERATION UINT64_MAX

/* One permission entry: "r5" is {5, XS_PERM_READ}. The first entry names the owner. */
struct xs_perm {
	uint16_t domid;
	uint8_t perms; /* XS_PERM_READ | XS_PERM_WRITE, or XS_PERM_NONE */
};

/*
 * A node's contents. Immutable once published: a change builds a new node. The store holds one
 * reference, and so does every transaction that read it, which is how a transaction keeps its
 * view while the store moves on.
 */
struct xs_node {
	unsigned int refs;
	unsigned int charged_domid; /* whose memory quota pays for it */
	size_t size;		    /* bytes allocated, what is charged */
	uint64_t generation;	    /* changes on every write: transactions compare it */
	uint32_t num_perms, data_len, children_len;
	struct xs_perm *perms;
	char *data;
	char *children; /* child names, each followed by NUL, in creation order */
};

/* What the core knows of one domain: its connection and what it is charged with. */
struct xs_domain {
	struct xs_domain *next;
	unsigned int domid;
	bool introduced;
	bool shutdown; /* @releaseDomain fired for a shutdown, until XS_RESUME */
	struct xs_conn *conn;
	unsigned int nodes;	   /* nodes it owns in the store */
	unsigned int watches;	   /* over all its connections */
	unsigned int transactions; /* open, over all its connections */
	unsigned int outstanding;  /* requests whose reply or events are still queued */
	size_t memory;		   /* bytes charged to it */
};

/* A request being answered: it stays outstanding until its reply and events have gone out. */
struct xs_request {
	struct xs_core *core;
	unsigned int domid; /* who sent it */
	unsigned int refs;  /* the handler's, and one per queued message it caused */
};

/* One queued output message, built by the wire codec. */
struct xs_message {
	struct xs_message *next;
	struct xs_request *cause; /* holds the request outstanding, or NULL */
	unsigned int charged_domid;
	size_t charged;
	bool is_event;
	uint32_t size;
	uint8_t bytes[];
};

struct xs_watch {
	struct xs_watch *next;
	bool relative; /* events strip the connection's home prefix */
	size_t charged;
	char *token;
	char path[]; /* absolute, or a special "@name" */
};

struct xs_transaction;

struct xs_conn {
	struct xs_conn *next, *prev; /* the core's list */
	struct xs_core *core;
	struct xs_domain *domain; /* for a local connection, domain 0 */
	bool local;		  /* a dom0 client, not a domain's ring */
	int target_domid;	  /* XS_SET_TARGET: acts for this domain too, or -1 */
	char home[24];		  /* "/local/domain/<domid>": relative paths start here */
	struct xs_message *out_first, *out_last;
	unsigned int queued;
	struct xs_watch *watches;
	struct xs_transaction *transactions;
	uint32_t next_transaction_id;
	/* While a request is handled: its header and its accounting. */
	const struct xsd_sockmsg *hdr;
	struct xs_request *request;
};

struct xs_core {
	struct xs_allocator allocator;
	size_t memory_limit, live_bytes;
	struct xs_quotas quotas;
	unsigned int priv_domid;
	int (*introduce_hook)(void *opaque, unsigned int domid, uint64_t mfn, uint32_t port);
	void (*release_hook)(void *opaque, unsigned int domid);
	void *hook_opaque;
	uint64_t generation;	    /* the next generation a write gets */
	struct path_map store;	    /* absolute path -> struct xs_node */
	struct xs_node *special[2]; /* the permissions of @introduceDomain, @releaseDomain */
	struct xs_domain *domains;
	struct xs_conn *conns;
};

/* Who is doing an operation on the tree: conn NULL is the core itself (fully privileged). */
struct xs_ctx {
	struct xs_core *core;
	struct xs_conn *conn;
	struct xs_transaction *tx;
};

/* memory.c */
void *xs_alloc(struct xs_core *core, size_t size);
void xs_free(struct xs_core *core, void *p);
char *xs_strdup(struct xs_core *core, const char *s);

/* path.c */
bool path_is_valid(const char *path);
int path_canonical(struct xs_core *core, const struct xs_conn *conn, const char *path, char **out);
size_t path_parent_len(const char *path);
const char *path_basename(const char *path);
bool path_is_child(const char *child, const char *parent);
int path_child(struct xs_core *core, const char *parent, const char *name, size_t name_len,
	       char **out);

/* permissions.c */
bool domid_is_privileged(const struct xs_core *core, unsigned int domid);
bool conn_is_privileged(const struct xs_conn *conn);
unsigned int perm_for(const struct xs_conn *conn, const struct xs_perm *perms, unsigned int n);
int perms_parse(const struct xenstore_wire_msg *msg, const char *first, struct xs_perm *out,
		unsigned int n);
int perms_format(const struct xs_perm *perms, unsigned int n, char *buf, size_t size);

/* node.c */
uint32_t node_record_size(uint32_t num_perms, uint32_t data_len, uint32_t children_len);
int node_new(struct xs_core *core, unsigned int charge_domid, bool check_quota,
	     const struct xs_perm *perms, uint32_t num_perms, const void *data, uint32_t data_len,
	     const char *children, uint32_t children_len, struct xs_node **out);
struct xs_node *node_get(struct xs_node *node);
void node_put(struct xs_core *core, struct xs_node *node);
void node_recharge(struct xs_core *core, struct xs_node *node, unsigned int domid);
unsigned int node_owner(const struct xs_node *node);
bool node_has_child(const struct xs_node *node, const char *name);

/* domain.c */
struct xs_domain *domain_find(struct xs_core *core, unsigned int domid);
struct xs_domain *domain_get(struct xs_core *core, unsigned int domid);
void domain_maybe_free(struct xs_core *core, struct xs_domain *d);
int domain_memory_charge(struct xs_core *core, unsigned int domid, size_t bytes, bool check);
void domain_memory_uncharge(struct xs_core *core, unsigned int domid, size_t bytes);
int domain_nodes_add(struct xs_ctx *ctx, unsigned int domid, int delta);
unsigned int domain_nodes(struct xs_ctx *ctx, unsigned int domid);
bool domain_over_quota(const struct xs_domain *d, const struct xs_quotas *quotas);
int domain_introduce(struct xs_core *core, unsigned int domid, uint64_t mfn, uint32_t port);
int domain_release(struct xs_core *core, unsigned int domid);
void domain_remove_all(struct xs_core *core);

/* tree.c */
int tree_read(struct xs_ctx *ctx, const char *path, const struct xs_node **out);
int tree_write(struct xs_ctx *ctx, const char *path, struct xs_node *node, bool check_quota);
int tree_get(struct xs_ctx *ctx, const char *path, unsigned int perm, const struct xs_node **out);
int tree_create(struct xs_ctx *ctx, const char *path, const void *data, uint32_t data_len);
int tree_set_value(struct xs_ctx *ctx, const char *path, const struct xs_node *node,
		   const void *data, uint32_t data_len);
int tree_set_perms(struct xs_ctx *ctx, const char *path, const struct xs_node *node,
		   const struct xs_perm *perms, unsigned int n);
int tree_rm(struct xs_ctx *ctx, const char *path);
void tree_remove_domain(struct xs_core *core, unsigned int domid);
const struct xs_node *special_node(struct xs_core *core, const char *name);
void tree_destroy(struct xs_core *core);

/* transaction.c */
struct xs_transaction *transaction_find(struct xs_conn *conn, uint32_t id);
int transaction_start(struct xs_conn *conn, uint32_t *id);
int transaction_end(struct xs_conn *conn, struct xs_transaction *tx, bool commit);
void transaction_remove_all(struct xs_conn *conn);
void transaction_fail(struct xs_transaction *tx);
bool transaction_lookup(struct xs_transaction *tx, const char *path, const struct xs_node **node);
int transaction_note_read(struct xs_ctx *ctx, const char *path, const struct xs_node *node);
int transaction_note_write(struct xs_ctx *ctx, const char *path, struct xs_node *node,
			   const struct xs_node *old, bool watch_exact);
int transaction_nodes_add(struct xs_ctx *ctx, unsigned int domid, int delta);
int transaction_nodes_delta(struct xs_transaction *tx, unsigned int domid);

/* watch.c */
int watch_add(struct xs_conn *conn, const char *path, const char *token);
int watch_remove(struct xs_conn *conn, const char *path, const char *token);
void watch_remove_all(struct xs_conn *conn);
void watch_fire(struct xs_ctx *ctx, const char *path, const struct xs_node *node, bool exact,
		const struct xs_node *old);
void watch_fire_special(struct xs_core *core, const char *name);

/* connection.c */
struct xs_conn *conn_new(struct xs_core *core, struct xs_domain *domain, bool local);
void conn_free(struct xs_conn *conn);
void conn_reset(struct xs_conn *conn);
int conn_reply(struct xs_conn *conn, uint32_t type, const char *const strings[],
	       unsigned int nr_strings, const void *raw, size_t raw_len);
void conn_ack(struct xs_conn *conn, uint32_t type);
void conn_error(struct xs_conn *conn, int errnum);
void conn_event(struct xs_conn *conn, const char *path, const char *token,
		struct xs_request *cause);

/* request.c */
void request_dispatch(struct xs_conn *conn, const struct xenstore_wire_msg *msg);

#endif /* XENSTORED_CORE_H */
