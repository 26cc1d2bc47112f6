/* The unit tests' XenStore client: see xenstored_client.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xenstored_client.h"

long test_alloc_budget = -1;

static void *client_alloc(void *opaque, size_t size)
{
	(void)opaque;
	if (test_alloc_budget == 0)
		return NULL;
	if (test_alloc_budget > 0)
		test_alloc_budget--;
	return malloc(size);
}

static void client_free(void *opaque, void *p, size_t size)
{
	(void)opaque;
	(void)size;
	free(p);
}

struct xs_allocator test_allocator(void)
{
	return (struct xs_allocator){client_alloc, client_free, NULL};
}

struct xs_core *test_core_new(void)
{
	struct xs_config config = {.allocator = {client_alloc, client_free, NULL}};
	struct xs_core *core;

	test_alloc_budget = -1;
	core = xs_core_create(&config);
	assert_non_null(core);
	return core;
}

void client_init(struct client *c, struct xs_conn *conn)
{
	memset(c, 0, sizeof(*c));
	assert_non_null(conn);
	c->conn = conn;
	c->next_req_id = 100;
}

unsigned int client_drain(struct client *c)
{
	static uint8_t buf[XENSTORE_WIRE_MESSAGE_MAX];
	unsigned int replies = 0;
	int n;

	while ((n = xs_conn_next_output(c->conn, buf, sizeof(buf))) > 0) {
		struct xenstore_wire_msg msg;

		assert_int_equal(xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg), 0);
		assert_int_equal(msg.size, n);
		if (msg.hdr.type == XS_WATCH_EVENT) {
			struct client_event *e = &c->events[c->nr_events++];

			assert_true(c->nr_events <= CLIENT_MAX_EVENTS);
			assert_int_equal(msg.hdr.req_id, 0);
			snprintf(e->path, sizeof(e->path), "%s", msg.strings[0]);
			snprintf(e->token, sizeof(e->token), "%s", msg.strings[1]);
			continue;
		}
		replies++;
		c->hdr = msg.hdr;
		memcpy(c->payload, msg.payload, msg.hdr.len);
		c->payload[msg.hdr.len] = '\0';
	}
	assert_int_equal(n, 0);
	assert_int_equal(xs_conn_queued(c->conn), 0);
	return replies;
}

int client_call(struct client *c, uint32_t type, uint32_t tx, const char *const strings[],
		unsigned int nr, const void *raw, size_t raw_len)
{
	static uint8_t buf[XENSTORE_WIRE_MESSAGE_MAX];
	struct xsd_sockmsg hdr = {.type = type, .req_id = c->next_req_id++, .tx_id = tx};
	size_t used = 0;
	int size = xenstore_wire_build(buf, sizeof(buf), &hdr, strings, nr, raw, raw_len);

	assert_true(size > 0);
	assert_int_equal(xs_conn_receive(c->conn, buf, (size_t)size, &used), 0);
	assert_int_equal(used, size);
	assert_int_equal(client_drain(c), 1);
	assert_int_equal(c->hdr.req_id, hdr.req_id);
	assert_int_equal(c->hdr.tx_id, tx);
	if (c->hdr.type == XS_ERROR) {
		int errnum = xenstore_error_number(c->payload);

		assert_int_not_equal(errnum, 0);
		return errnum;
	}
	assert_int_equal(c->hdr.type, type);
	return 0;
}

int xs_write(struct client *c, uint32_t tx, const char *path, const char *value)
{
	const char *const s[] = {path};

	return client_call(c, XS_WRITE, tx, s, 1, value, strlen(value));
}

#define ONE_PATH(name, type)                                      \
	int name(struct client *c, uint32_t tx, const char *path) \
	{                                                         \
		const char *const s[] = {path};                   \
                                                                  \
		return client_call(c, type, tx, s, 1, NULL, 0);   \
	}
ONE_PATH(xs_read, XS_READ)
ONE_PATH(xs_mkdir, XS_MKDIR)
ONE_PATH(xs_rm, XS_RM)
ONE_PATH(xs_directory, XS_DIRECTORY)
ONE_PATH(xs_get_perms, XS_GET_PERMS)

int xs_set_perms(struct client *c, uint32_t tx, const char *path, const char *const perms[])
{
	const char *s[16] = {path};
	unsigned int n = 1;

	while (perms[n - 1] != NULL)
		s[n] = perms[n - 1], n++;
	return client_call(c, XS_SET_PERMS, tx, s, n, NULL, 0);
}

int xs_watch(struct client *c, const char *path, const char *token)
{
	const char *const s[] = {path, token};

	return client_call(c, XS_WATCH, 0, s, 2, NULL, 0);
}

int xs_unwatch(struct client *c, const char *path, const char *token)
{
	const char *const s[] = {path, token};

	return client_call(c, XS_UNWATCH, 0, s, 2, NULL, 0);
}

int xs_start(struct client *c, uint32_t *tx)
{
	const char *const s[] = {""};
	int err = client_call(c, XS_TRANSACTION_START, 0, s, 1, NULL, 0);

	if (!err)
		*tx = (uint32_t)strtoul(c->payload, NULL, 10);
	return err;
}

int xs_end(struct client *c, uint32_t tx, bool commit)
{
	const char *const s[] = {commit ? "T" : "F"};

	return client_call(c, XS_TRANSACTION_END, tx, s, 1, NULL, 0);
}

int xs_introduce(struct client *c, unsigned int domid, unsigned int port)
{
	char id[12], evtchn[12];
	const char *const s[] = {id, "4096", evtchn};

	snprintf(id, sizeof(id), "%u", domid);
	snprintf(evtchn, sizeof(evtchn), "%u", port);
	return client_call(c, XS_INTRODUCE, 0, s, 3, NULL, 0);
}

int xs_release(struct client *c, unsigned int domid)
{
	char id[12];
	const char *const s[] = {id};

	snprintf(id, sizeof(id), "%u", domid);
	return client_call(c, XS_RELEASE, 0, s, 1, NULL, 0);
}

const char *client_strings(struct client *c)
{
	static char joined[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t i;

	for (i = 0; i < c->hdr.len; i++)
		joined[i] = c->payload[i] == '\0' ? '|' : c->payload[i];
	joined[i] = '\0';
	return joined;
}

int client_find_event(const struct client *c, const char *path, const char *token)
{
	unsigned int i;

	for (i = 0; i < c->nr_events; i++)
		if (strcmp(c->events[i].path, path) == 0 && strcmp(c->events[i].token, token) == 0)
			return (int)i;
	return -1;
}

void client_domain(struct client *dom0, struct xs_core *core, unsigned int domid,
		   struct client *out)
{
	char home[32], owner[12];
	const char *const perms[] = {owner, NULL};

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	snprintf(owner, sizeof(owner), "n%u", domid);
	assert_int_equal(xs_mkdir(dom0, 0, home), 0);
	assert_int_equal(xs_set_perms(dom0, 0, home, perms), 0);
	assert_int_equal(xs_introduce(dom0, domid, 10 + domid), 0);
	client_init(out, xs_core_domain_conn(core, domid));
}
