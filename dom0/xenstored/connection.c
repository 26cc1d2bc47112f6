/*
 * Connections: one per introduced domain (its ring) and one per dom0 client. A connection
 * takes requests in (xs_conn_request, xs_conn_receive) and keeps a queue of what goes out:
 * replies, errors and watch events, each a complete wire message the transport copies out with
 * xs_conn_next_output().
 *
 * Bounds, as in Xen 4.17: a request stays outstanding, counted against the domain that sent it,
 * until its reply and every watch event it caused (on any connection) have been taken; an
 * unprivileged domain with outstanding_requests of them, or at its memory quota, is not read
 * from (XS_CONN_STALLED). Queued messages are charged to the receiving domain; an event that
 * would pass the quota is dropped, as is one identical to an event already queued.
 */
#include "core.h"

#include <stdio.h>
#include <string.h>

/* Replies this small are never refused for quota, so an error can always be reported. */
#define SMALL_REPLY 16

struct xs_conn *conn_new(struct xs_core *core, struct xs_domain *domain, bool local)
{
	struct xs_conn *conn = xs_alloc(core, sizeof(*conn)), **tail;

	if (conn == NULL)
		return NULL;
	conn->core = core;
	conn->domain = domain;
	conn->local = local;
	conn->target_domid = -1;
	snprintf(conn->home, sizeof(conn->home), "/local/domain/%u", domain->domid);
	/* At the end: watches fire connection by connection in the order they came. */
	for (tail = &core->conns; *tail != NULL; tail = &(*tail)->next)
		conn->prev = *tail;
	*tail = conn;
	return conn;
}

static void request_put(struct xs_request *request)
{
	struct xs_domain *d;

	if (request == NULL || --request->refs > 0)
		return;
	d = domain_find(request->core, request->domid);
	if (d != NULL && d->outstanding > 0) {
		d->outstanding--;
		domain_maybe_free(request->core, d);
	}
	xs_free(request->core, request);
}

static void message_free(struct xs_conn *conn, struct xs_message *msg)
{
	domain_memory_uncharge(conn->core, msg->charged_domid, msg->charged);
	request_put(msg->cause);
	xs_free(conn->core, msg);
}

static void drop_output(struct xs_conn *conn)
{
	struct xs_message *msg;

	while ((msg = conn->out_first) != NULL) {
		conn->out_first = msg->next;
		message_free(conn, msg);
	}
	conn->out_last = NULL;
	conn->queued = 0;
}

void conn_reset(struct xs_conn *conn)
{
	watch_remove_all(conn);
	transaction_remove_all(conn);
	drop_output(conn);
}

void conn_free(struct xs_conn *conn)
{
	struct xs_core *core = conn->core;

	conn_reset(conn);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		core->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	if (conn->domain->conn == conn)
		conn->domain->conn = NULL;
	xs_free(core, conn);
}

/* Allocate a message of payload_len bytes charged to conn's domain, and hold cause. */
static struct xs_message *message_new(struct xs_conn *conn, size_t payload_len, bool check,
				      struct xs_request *cause, int *err)
{
	unsigned int domid = conn->domain->domid;
	size_t size = XENSTORE_WIRE_HEADER_SIZE + payload_len;
	struct xs_message *msg;

	*err = domain_memory_charge(conn->core, domid, size, check);
	if (*err)
		return NULL;
	msg = xs_alloc(conn->core, sizeof(*msg) + size);
	if (msg == NULL) {
		domain_memory_uncharge(conn->core, domid, size);
		*err = XENSTORE_ENOMEM;
		return NULL;
	}
	msg->charged_domid = domid;
	msg->charged = size;
	msg->size = (uint32_t)size;
	msg->cause = cause;
	if (cause != NULL)
		cause->refs++;
	return msg;
}

static void enqueue(struct xs_conn *conn, struct xs_message *msg)
{
	if (conn->out_last != NULL)
		conn->out_last->next = msg;
	else
		conn->out_first = msg;
	conn->out_last = msg;
	conn->queued++;
}

/* Queue the reply to the request being handled. 0, E2BIG (too long) or ENOMEM. */
int conn_reply(struct xs_conn *conn, uint32_t type, const char *const strings[],
	       unsigned int nr_strings, const void *raw, size_t raw_len)
{
	struct xsd_sockmsg hdr = {.type = type};
	struct xs_message *msg;
	size_t len = raw_len;
	unsigned int i;
	int err;

	for (i = 0; i < nr_strings; i++)
		len += strlen(strings[i]) + 1;
	if (len > XENSTORE_PAYLOAD_MAX)
		return XENSTORE_E2BIG;
	msg = message_new(conn, len, len > SMALL_REPLY, conn->request, &err);
	if (msg == NULL)
		return err;
	if (conn->hdr != NULL) {
		hdr.req_id = conn->hdr->req_id;
		hdr.tx_id = conn->hdr->tx_id;
	}
	xenstore_wire_build(msg->bytes, msg->size, &hdr, strings, nr_strings, raw, raw_len);
	enqueue(conn, msg);
	return 0;
}

void conn_ack(struct xs_conn *conn, uint32_t type)
{
	const char *const ok[] = {"OK"};

	conn_reply(conn, type, ok, 1, NULL, 0);
}

void conn_error(struct xs_conn *conn, int errnum)
{
	const char *name = xenstore_error_name(errnum);
	const char *const strings[] = {name != NULL ? name : "EINVAL"};

	conn_reply(conn, XS_ERROR, strings, 1, NULL, 0);
}

void conn_event(struct xs_conn *conn, const char *path, const char *token, struct xs_request *cause)
{
	const struct xsd_sockmsg hdr = {.type = XS_WATCH_EVENT};
	const char *const strings[] = {path, token};
	size_t path_len = strlen(path), len = path_len + 1 + strlen(token) + 1;
	struct xs_message *msg;
	int err;

	if (len > XENSTORE_PAYLOAD_MAX)
		return; /* Xen does not send over-long events either */
	if (path[0] != '@') {
		/* The same event still queued says it all already. */
		for (msg = conn->out_first; msg != NULL; msg = msg->next)
			if (msg->is_event && msg->size == XENSTORE_WIRE_HEADER_SIZE + len &&
			    memcmp(msg->bytes + XENSTORE_WIRE_HEADER_SIZE, path, path_len + 1) ==
				    0 &&
			    strcmp((char *)msg->bytes + XENSTORE_WIRE_HEADER_SIZE + path_len + 1,
				   token) == 0)
				return;
	}
	msg = message_new(conn, len, true, cause, &err);
	if (msg == NULL)
		return; /* over the receiver's quota: dropped, as in Xen */
	msg->is_event = true;
	xenstore_wire_build(msg->bytes, msg->size, &hdr, strings, 2, NULL, 0);
	enqueue(conn, msg);
}

bool xs_conn_can_accept(const struct xs_conn *conn)
{
	return conn_is_privileged(conn) || !domain_over_quota(conn->domain, &conn->core->quotas);
}

/* Start accounting a request: it is outstanding until its output has gone. */
static bool request_begin(struct xs_conn *conn, const struct xsd_sockmsg *hdr)
{
	struct xs_request *request = xs_alloc(conn->core, sizeof(*request));

	conn->hdr = hdr;
	conn->request = request;
	if (request == NULL)
		return false;
	request->core = conn->core;
	request->domid = conn->domain->domid;
	request->refs = 1;
	conn->domain->outstanding++;
	return true;
}

static void request_end(struct xs_conn *conn)
{
	request_put(conn->request);
	conn->request = NULL;
	conn->hdr = NULL;
}

int xs_conn_request(struct xs_conn *conn, const struct xenstore_wire_msg *msg)
{
	if (!xs_conn_can_accept(conn))
		return XS_CONN_STALLED;
	if (request_begin(conn, &msg->hdr))
		request_dispatch(conn, msg);
	else
		conn_error(conn, XENSTORE_ENOMEM);
	request_end(conn);
	return 0;
}

int xs_conn_receive(struct xs_conn *conn, const void *bytes, size_t len, size_t *consumed)
{
	struct xenstore_wire_msg msg;
	int ret;

	if (!xs_conn_can_accept(conn))
		return XS_CONN_STALLED;
	ret = xenstore_wire_parse(bytes, len, XENSTORE_WIRE_REQUEST, &msg);
	if (ret == XENSTORE_WIRE_INCOMPLETE || ret == -XENSTORE_E2BIG)
		return ret;
	*consumed = msg.size;
	if (ret == 0)
		return xs_conn_request(conn, &msg);
	/* Refused by the codec: answer with its errno, the request's ids echoed. */
	request_begin(conn, &msg.hdr);
	conn_error(conn, -ret);
	request_end(conn);
	return 0;
}

int xs_conn_next_output(struct xs_conn *conn, void *buf, size_t size)
{
	struct xs_message *msg = conn->out_first;
	int n;

	if (msg == NULL)
		return 0;
	if (size < msg->size)
		return -XENSTORE_ENOSPC;
	memcpy(buf, msg->bytes, msg->size);
	n = (int)msg->size;
	conn->out_first = msg->next;
	if (conn->out_first == NULL)
		conn->out_last = NULL;
	conn->queued--;
	message_free(conn, msg);
	return n;
}

unsigned int xs_conn_queued(const struct xs_conn *conn)
{
	return conn->queued;
}

unsigned int xs_conn_domid(const struct xs_conn *conn)
{
	return conn->domain->domid;
}

struct xs_conn *xs_core_connect_local(struct xs_core *core)
{
	struct xs_domain *dom0 = domain_get(core, 0);

	return dom0 != NULL ? conn_new(core, dom0, true) : NULL;
}

void xs_conn_close(struct xs_conn *conn)
{
	if (conn != NULL && conn->local)
		conn_free(conn);
}
