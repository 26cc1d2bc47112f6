/*
 * A XenStore client for the unit tests of dom0/xenstored: it builds requests with the wire
 * codec, hands them to the core on one connection, and sorts what comes back into the reply
 * (kept in last) and watch events (kept in order in events[]). Every message the core queues
 * is parsed with the codec as a reply, so a malformed one fails the test.
 */
#ifndef TESTS_UNIT_XENSTORED_CLIENT_H
#define TESTS_UNIT_XENSTORED_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenstored/xenstored.h>

#define CLIENT_MAX_EVENTS 256

struct client_event {
	char path[XENSTORE_PAYLOAD_MAX];
	char token[64];
};

struct client {
	struct xs_conn *conn;
	uint32_t next_req_id;
	/* The last reply: its header and payload (NUL-terminated for convenience). */
	struct xsd_sockmsg hdr;
	char payload[XENSTORE_PAYLOAD_MAX + 1];
	unsigned int nr_events;
	struct client_event events[CLIENT_MAX_EVENTS];
};

/* A core on malloc with Xen's default quotas; test_core_bytes() says what it holds. */
struct xs_core *test_core_new(void);
/* The allocator test_core_new() gives its core (malloc, with test_alloc_budget). */
struct xs_allocator test_allocator(void);
/* Allocations left before the test allocator fails, or -1 for never. */
extern long test_alloc_budget;

void client_init(struct client *c, struct xs_conn *conn);
/* Take everything queued on the connection. Returns the number of replies (not events). */
unsigned int client_drain(struct client *c);
/*
 * Send a request (nr strings, then raw bytes) on tx and expect exactly one reply, with the
 * request's req_id and tx_id echoed. Returns 0, or the errno of an XS_ERROR reply.
 */
int client_call(struct client *c, uint32_t type, uint32_t tx, const char *const strings[],
		unsigned int nr, const void *raw, size_t raw_len);

int xs_write(struct client *c, uint32_t tx, const char *path, const char *value);
int xs_read(struct client *c, uint32_t tx, const char *path); /* value in c->payload */
int xs_mkdir(struct client *c, uint32_t tx, const char *path);
int xs_rm(struct client *c, uint32_t tx, const char *path);
int xs_directory(struct client *c, uint32_t tx, const char *path);
int xs_get_perms(struct client *c, uint32_t tx, const char *path);
/* perms: strings like "n0", NULL-terminated. */
int xs_set_perms(struct client *c, uint32_t tx, const char *path, const char *const perms[]);
int xs_watch(struct client *c, const char *path, const char *token);
int xs_unwatch(struct client *c, const char *path, const char *token);
int xs_start(struct client *c, uint32_t *tx);
int xs_end(struct client *c, uint32_t tx, bool commit);
int xs_introduce(struct client *c, unsigned int domid, unsigned int port);
int xs_release(struct client *c, unsigned int domid);

/*
 * As the toolstack does for a new domain: dom0 makes /local/domain/<domid> owned by it, then
 * introduces it. out becomes a client on the domain's connection.
 */
void client_domain(struct client *dom0, struct xs_core *core, unsigned int domid,
		   struct client *out);

/* The reply's strings joined with '|' in place of each NUL ("a|b|"), for easy comparison. */
const char *client_strings(struct client *c);
/* Index of the first event with this path and token at or after from, or -1. */
int client_find_event(const struct client *c, const char *path, const char *token);

#endif
