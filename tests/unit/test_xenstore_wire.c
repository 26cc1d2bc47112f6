/*
 * Unit tests for the XenStore wire codec (common/xenstore_wire.c): every message type parsed
 * and built in both directions, every rejection a hostile sender can provoke, partial input,
 * and the error-name table. Frames under test sit in heap blocks of their exact size, so
 * AddressSanitizer catches any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <parvus/xenstore_wire.h>

/* A string literal and its length without the final NUL the compiler adds. */
#define PAYLOAD(s) (s), (sizeof(s) - 1)

#define HDR XENSTORE_WIRE_HEADER_SIZE

static uint8_t *frame; /* the frame the last parse_as() call made, freed by teardown */

/* Put header and payload into a heap block of exactly the frame's size. */
static size_t make_frame(uint32_t type, uint32_t len, const void *payload, size_t payload_len)
{
	struct xsd_sockmsg hdr = {.type = type, .req_id = 0x1234, .tx_id = 9, .len = len};

	free(frame);
	frame = malloc(HDR + payload_len);
	assert_non_null(frame);
	memcpy(frame, &hdr, HDR);
	if (payload_len > 0)
		memcpy(frame + HDR, payload, payload_len);
	return HDR + payload_len;
}

static int parse_as(enum xenstore_wire_direction direction, uint32_t type, const char *payload,
		    size_t len, struct xenstore_wire_msg *msg)
{
	size_t size = make_frame(type, (uint32_t)len, payload, len);

	return xenstore_wire_parse(frame, size, direction, msg);
}

static int request(uint32_t type, const char *payload, size_t len)
{
	struct xenstore_wire_msg msg;

	return parse_as(XENSTORE_WIRE_REQUEST, type, payload, len, &msg);
}

static int reply(uint32_t type, const char *payload, size_t len)
{
	struct xenstore_wire_msg msg;

	return parse_as(XENSTORE_WIRE_REPLY, type, payload, len, &msg);
}

/* A path of exactly len bytes: prefix, then "a" segments of up to 40 bytes. */
static char *long_path(const char *prefix, size_t len)
{
	char *p = malloc(len + 1);
	size_t i = strlen(prefix);

	assert_non_null(p);
	assert_true(i <= len);
	memcpy(p, prefix, i);
	for (; i < len; i++)
		p[i] = (i % 41 == 40 && i + 1 < len) ? '/' : 'a';
	p[len] = '\0';
	return p;
}

static int teardown(void **state)
{
	(void)state;
	free(frame);
	frame = NULL;
	return 0;
}

/* ---- framing ---- */

static void test_header_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct xsd_sockmsg), 16);
	assert_int_equal(HDR, 16);
	assert_int_equal(XENSTORE_WIRE_MESSAGE_MAX, 16 + 4096);
}

static void test_partial_header_needs_more(void **state)
{
	struct xenstore_wire_msg msg;
	size_t size = make_frame(XS_READ, 3, PAYLOAD("/a\0"));
	size_t avail;

	(void)state;
	assert_int_equal(size, HDR + 3);
	for (avail = 0; avail < HDR; avail++)
		assert_int_equal(xenstore_wire_parse(frame, avail, XENSTORE_WIRE_REQUEST, &msg),
				 XENSTORE_WIRE_INCOMPLETE);
}

static void test_partial_payload_needs_more(void **state)
{
	struct xenstore_wire_msg msg;
	size_t size = make_frame(XS_WRITE, 9, PAYLOAD("/a/b\0xyz\0"));
	size_t avail;

	(void)state;
	for (avail = HDR; avail < size; avail++) {
		assert_int_equal(xenstore_wire_parse(frame, avail, XENSTORE_WIRE_REQUEST, &msg),
				 XENSTORE_WIRE_INCOMPLETE);
		assert_int_equal(msg.hdr.len, 9); /* the header is already readable */
	}
	assert_int_equal(xenstore_wire_parse(frame, size, XENSTORE_WIRE_REQUEST, &msg), 0);
	assert_int_equal(msg.size, size);
}

static void test_length_over_max_rejected_at_header(void **state)
{
	struct xenstore_wire_msg msg;
	static const uint32_t bad[] = {XENSTORE_PAYLOAD_MAX + 1, 0x10000, 0xffffffffu};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Only the header is there: the verdict must not wait for the payload. */
		make_frame(XS_READ, bad[i], NULL, 0);
		assert_int_equal(xenstore_wire_parse(frame, HDR, XENSTORE_WIRE_REQUEST, &msg),
				 -XENSTORE_E2BIG);
		assert_int_equal(msg.hdr.len, bad[i]);
		assert_int_equal(xenstore_wire_parse(frame, HDR, XENSTORE_WIRE_REPLY, &msg),
				 -XENSTORE_E2BIG);
	}
}

static void test_length_at_max_accepted(void **state)
{
	struct xenstore_wire_msg msg;
	char *payload = malloc(XENSTORE_PAYLOAD_MAX);

	(void)state;
	assert_non_null(payload);
	memcpy(payload, "/v\0", 3);
	memset(payload + 3, 'x', XENSTORE_PAYLOAD_MAX - 3);
	assert_int_equal(
		parse_as(XENSTORE_WIRE_REQUEST, XS_WRITE, payload, XENSTORE_PAYLOAD_MAX, &msg), 0);
	assert_int_equal(msg.raw_len, XENSTORE_PAYLOAD_MAX - 3);
	assert_int_equal(msg.size, XENSTORE_WIRE_MESSAGE_MAX);
	free(payload);
}

static void test_unknown_types_rejected(void **state)
{
	static const uint32_t bad[] = {20, XS_TYPE_COUNT, 100, XS_INVALID, 0x80000000u};
	struct xenstore_wire_msg msg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, bad[i], PAYLOAD("/a\0"), &msg),
				 -XENSTORE_ENOSYS);
		assert_int_equal(msg.size, HDR + 3); /* so the receiver can skip it */
		assert_int_equal(msg.hdr.req_id, 0x1234);
		assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, bad[i], PAYLOAD("OK\0"), &msg),
				 -XENSTORE_ENOSYS);
	}
}

static void test_reply_only_types_rejected_as_requests(void **state)
{
	(void)state;
	assert_int_equal(request(XS_WATCH_EVENT, PAYLOAD("/a\0tok\0")), -XENSTORE_ENOSYS);
	assert_int_equal(request(XS_ERROR, PAYLOAD("EINVAL\0")), -XENSTORE_ENOSYS);
	assert_int_equal(reply(XS_WATCH_EVENT, PAYLOAD("/a\0tok\0")), 0);
	assert_int_equal(reply(XS_ERROR, PAYLOAD("EINVAL\0")), 0);
}

static void test_stream_of_messages(void **state)
{
	/* A bad message, a good one, then the start of a third. */
	static const uint8_t payload1[] = "/a//b";
	static const uint8_t payload2[] = "/ok";
	uint8_t stream[3 * HDR + 5 + 4];
	struct xsd_sockmsg h1 = {.type = XS_READ, .req_id = 1, .len = 5};
	struct xsd_sockmsg h2 = {.type = XS_READ, .req_id = 2, .len = 4};
	struct xsd_sockmsg h3 = {.type = XS_READ, .req_id = 3, .len = 4};
	struct xenstore_wire_msg msg;
	size_t at = 0;

	(void)state;
	memcpy(stream, &h1, HDR);
	memcpy(stream + HDR, payload1, 5);
	memcpy(stream + HDR + 5, &h2, HDR);
	memcpy(stream + 2 * HDR + 5, payload2, 4);
	memcpy(stream + 2 * HDR + 9, &h3, HDR);

	assert_int_equal(xenstore_wire_parse(stream, sizeof(stream), XENSTORE_WIRE_REQUEST, &msg),
			 -XENSTORE_EINVAL);
	assert_int_equal(msg.size, HDR + 5);
	at += msg.size;
	assert_int_equal(
		xenstore_wire_parse(stream + at, sizeof(stream) - at, XENSTORE_WIRE_REQUEST, &msg),
		0);
	assert_int_equal(msg.hdr.req_id, 2);
	assert_string_equal(msg.strings[0], "/ok");
	at += msg.size;
	assert_int_equal(
		xenstore_wire_parse(stream + at, sizeof(stream) - at, XENSTORE_WIRE_REQUEST, &msg),
		XENSTORE_WIRE_INCOMPLETE);
}

static void test_unaligned_buffer(void **state)
{
	uint8_t *block = malloc(1 + HDR + 3);
	struct xsd_sockmsg hdr = {.type = XS_RM, .req_id = 5, .tx_id = 6, .len = 3};
	struct xenstore_wire_msg msg;

	(void)state;
	assert_non_null(block);
	memcpy(block + 1, &hdr, HDR);
	memcpy(block + 1 + HDR, "/x", 3);
	assert_int_equal(xenstore_wire_parse(block + 1, HDR + 3, XENSTORE_WIRE_REQUEST, &msg), 0);
	assert_int_equal(msg.hdr.type, XS_RM);
	assert_int_equal(msg.hdr.tx_id, 6);
	assert_ptr_equal(msg.strings[0], (const char *)block + 1 + HDR);
	free(block);
}

/* ---- requests, type by type ---- */

static void test_request_single_path_types(void **state)
{
	static const uint32_t types[] = {XS_READ, XS_MKDIR, XS_RM, XS_DIRECTORY, XS_GET_PERMS};
	struct xenstore_wire_msg msg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint32_t t = types[i];

		assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, t, PAYLOAD("/vm/1\0"), &msg), 0);
		assert_int_equal(msg.nr_strings, 1);
		assert_string_equal(msg.strings[0], "/vm/1");
		assert_null(msg.strings[1]);
		assert_int_equal(msg.raw_len, 0);
		assert_int_equal(request(t, PAYLOAD("device/vbd\0")), 0);
		assert_int_equal(request(t, PAYLOAD("/\0")), 0);
		assert_int_equal(request(t, PAYLOAD("/vm/1")), -XENSTORE_EINVAL);    /* no NUL */
		assert_int_equal(request(t, PAYLOAD("")), -XENSTORE_EINVAL);	     /* nothing */
		assert_int_equal(request(t, PAYLOAD("\0")), -XENSTORE_EINVAL);	     /* empty */
		assert_int_equal(request(t, PAYLOAD("/a\0/b\0")), -XENSTORE_EINVAL); /* two */
		assert_int_equal(request(t, PAYLOAD("/a\0x")), -XENSTORE_EINVAL);    /* tail */
	}
	/* Only GET_PERMS may name a special node. */
	assert_int_equal(request(XS_GET_PERMS, PAYLOAD("@releaseDomain\0")), 0);
	assert_int_equal(request(XS_READ, PAYLOAD("@releaseDomain\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_RM, PAYLOAD("@introduceDomain\0")), -XENSTORE_EINVAL);
}

static void test_request_write(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_WRITE, PAYLOAD("/a/b\0hello"), &msg),
			 0);
	assert_int_equal(msg.nr_strings, 1);
	assert_string_equal(msg.strings[0], "/a/b");
	assert_int_equal(msg.raw_len, 5);
	assert_memory_equal(msg.raw, "hello", 5);
	assert_int_equal(msg.strings_len, 5);

	/* The value is binary: NULs inside and at the end belong to it. */
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_WRITE, PAYLOAD("name\0a\0b\0"), &msg),
			 0);
	assert_int_equal(msg.nr_strings, 1);
	assert_int_equal(msg.raw_len, 4);
	assert_memory_equal(msg.raw, "a\0b\0", 4);

	/* An empty value. */
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_WRITE, PAYLOAD("/a\0"), &msg), 0);
	assert_int_equal(msg.raw_len, 0);
	assert_ptr_equal(msg.raw, msg.payload + 3);

	assert_int_equal(request(XS_WRITE, PAYLOAD("/a/b")), -XENSTORE_EINVAL); /* no NUL */
	assert_int_equal(request(XS_WRITE, PAYLOAD("")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_WRITE, PAYLOAD("/a b\0v")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_WRITE, PAYLOAD("@x\0v")), -XENSTORE_EINVAL);
}

static void test_request_watch_and_unwatch(void **state)
{
	static const uint32_t types[] = {XS_WATCH, XS_UNWATCH};
	struct xenstore_wire_msg msg;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		uint32_t t = types[i];

		assert_int_equal(
			parse_as(XENSTORE_WIRE_REQUEST, t, PAYLOAD("backend/vbd\0tok 1!\0"), &msg),
			0);
		assert_int_equal(msg.nr_strings, 2);
		assert_string_equal(msg.strings[0], "backend/vbd");
		assert_string_equal(msg.strings[1], "tok 1!"); /* tokens are free text */
		assert_int_equal(request(t, PAYLOAD("@releaseDomain\0\0")), 0);
		assert_int_equal(request(t, PAYLOAD("@introduceDomain\0x\0")), 0);
		assert_int_equal(request(t, PAYLOAD("/a\0")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("/a\0tok")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("/a\0tok\0\0")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("/a/\0tok\0")), -XENSTORE_EINVAL);
	}
}

static void test_request_transactions(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_TRANSACTION_START, PAYLOAD("\0"), &msg),
			 0);
	assert_int_equal(msg.nr_strings, 1);
	assert_string_equal(msg.strings[0], "");
	assert_int_equal(request(XS_TRANSACTION_START, PAYLOAD("")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_TRANSACTION_START, PAYLOAD("1\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_TRANSACTION_START, PAYLOAD("\0\0")), -XENSTORE_EINVAL);

	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_TRANSACTION_END, PAYLOAD("T\0"), &msg),
			 0);
	assert_string_equal(msg.strings[0], "T");
	assert_int_equal(request(XS_TRANSACTION_END, PAYLOAD("F\0")), 0);
	assert_int_equal(request(XS_TRANSACTION_END, PAYLOAD("T")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_TRANSACTION_END, PAYLOAD("t\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_TRANSACTION_END, PAYLOAD("TF\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_TRANSACTION_END, PAYLOAD("\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_TRANSACTION_END, PAYLOAD("T\0F\0")), -XENSTORE_EINVAL);
}

static void test_request_set_perms(void **state)
{
	struct xenstore_wire_msg msg;
	const char *s;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_SET_PERMS,
				  PAYLOAD("/a\0n0\0r5\0w7\0b65535\0"), &msg),
			 0);
	assert_int_equal(msg.nr_strings, 5);
	assert_string_equal(msg.strings[1], "n0");
	assert_string_equal(msg.strings[3], "w7");
	/* Past the first four, the strings are reached by walking. */
	s = msg.strings[3];
	s = xenstore_wire_next_string(&msg, s);
	assert_non_null(s);
	assert_string_equal(s, "b65535");
	assert_null(xenstore_wire_next_string(&msg, s));

	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("@releaseDomain\0n0\0")), 0);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0x5\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0r\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0r-1\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0r65536\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0n0\0r1")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_PERMS, PAYLOAD("/a\0n0\0R1\0")), -XENSTORE_EINVAL);
}

static void test_request_domain_management(void **state)
{
	static const uint32_t one_domid[] = {XS_RELEASE, XS_RESUME, XS_GET_DOMAIN_PATH,
					     XS_IS_DOMAIN_INTRODUCED};
	struct xenstore_wire_msg msg;
	size_t i;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_INTRODUCE,
				  PAYLOAD("3\0"
					  "1234\0"
					  "5\0"),
				  &msg),
			 0);
	assert_int_equal(msg.nr_strings, 3);
	assert_string_equal(msg.strings[2], "5");
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_INTRODUCE,
				  PAYLOAD("3\0"
					  "1234\0"
					  "5\0"
					  "/local/domain/3\0"),
				  &msg),
			 0);
	assert_int_equal(msg.nr_strings, 4);
	assert_string_equal(msg.strings[3], "/local/domain/3");
	assert_int_equal(request(XS_INTRODUCE, PAYLOAD("3\0"
						       "1234\0")),
			 -XENSTORE_EINVAL);
	assert_int_equal(request(XS_INTRODUCE, PAYLOAD("3\0"
						       "1\0"
						       "5\0"
						       "x\0"
						       "y\0")),
			 -XENSTORE_EINVAL);
	assert_int_equal(request(XS_INTRODUCE, PAYLOAD("dom3\0"
						       "1\0"
						       "5\0")),
			 -XENSTORE_EINVAL);

	for (i = 0; i < sizeof(one_domid) / sizeof(one_domid[0]); i++) {
		uint32_t t = one_domid[i];

		assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, t, PAYLOAD("7\0"), &msg), 0);
		assert_string_equal(msg.strings[0], "7");
		assert_int_equal(request(t, PAYLOAD("0\0")), 0);
		assert_int_equal(request(t, PAYLOAD("65535\0")), 0);
		assert_int_equal(request(t, PAYLOAD("65536\0")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("99999999999999999999999\0")),
				 -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("-1\0")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD(" 7\0")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("\0")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("7")), -XENSTORE_EINVAL);
		assert_int_equal(request(t, PAYLOAD("7\0"
						    "8\0")),
				 -XENSTORE_EINVAL);
	}

	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_SET_TARGET,
				  PAYLOAD("4\0"
					  "2\0"),
				  &msg),
			 0);
	assert_string_equal(msg.strings[1], "2");
	assert_int_equal(request(XS_SET_TARGET, PAYLOAD("4\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_TARGET, PAYLOAD("4\0"
							"x\0")),
			 -XENSTORE_EINVAL);
	assert_int_equal(request(XS_SET_TARGET, PAYLOAD("4\0"
							"2\0"
							"1\0")),
			 -XENSTORE_EINVAL);
}

static void test_request_reset_watches(void **state)
{
	(void)state;
	assert_int_equal(request(XS_RESET_WATCHES, PAYLOAD("\0")), 0);
	assert_int_equal(request(XS_RESET_WATCHES, PAYLOAD("")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_RESET_WATCHES, PAYLOAD("x\0")), -XENSTORE_EINVAL);
}

static void test_request_directory_part(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_DIRECTORY_PART,
				  PAYLOAD("/local\0"
					  "120\0"),
				  &msg),
			 0);
	assert_string_equal(msg.strings[0], "/local");
	assert_string_equal(msg.strings[1], "120");
	assert_int_equal(request(XS_DIRECTORY_PART, PAYLOAD("/local\0"
							    "4294967295\0")),
			 0);
	assert_int_equal(request(XS_DIRECTORY_PART, PAYLOAD("/local\0"
							    "4294967296\0")),
			 -XENSTORE_EINVAL);
	assert_int_equal(request(XS_DIRECTORY_PART, PAYLOAD("/local\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_DIRECTORY_PART, PAYLOAD("/local\0"
							    "x\0")),
			 -XENSTORE_EINVAL);
	assert_int_equal(request(XS_DIRECTORY_PART, PAYLOAD("/local\0"
							    "1")),
			 -XENSTORE_EINVAL);
}

static void test_request_control(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_CONTROL, PAYLOAD("check\0"), &msg), 0);
	assert_int_equal(msg.nr_strings, 1);
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_DEBUG, PAYLOAD("log\0on\0"), &msg), 0);
	assert_int_equal(msg.nr_strings, 2);
	assert_string_equal(msg.strings[1], "on");
	assert_int_equal(request(XS_CONTROL, PAYLOAD("")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_CONTROL, PAYLOAD("log\0on")), -XENSTORE_EINVAL);
}

/* ---- path rules ---- */

static void test_path_characters(void **state)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789-_@";
	char payload[4] = {'/', 0, 0, 0};
	unsigned int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		int expect = (c != '/' && strchr(allowed, (int)c) != NULL) ? 0 : -XENSTORE_EINVAL;

		if (c == '/')
			continue; /* "//" is refused for another reason, tested below */
		payload[1] = (char)c;
		assert_int_equal(request(XS_READ, payload, 3), expect);
	}
	assert_int_equal(request(XS_READ, PAYLOAD("/vm/a-b_c@d/E9\0")), 0);
}

static void test_path_shape(void **state)
{
	(void)state;
	assert_int_equal(request(XS_READ, PAYLOAD("/\0")), 0);
	assert_int_equal(request(XS_READ, PAYLOAD("a\0")), 0);
	assert_int_equal(request(XS_READ, PAYLOAD("a/b\0")), 0);
	assert_int_equal(request(XS_READ, PAYLOAD("//\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_READ, PAYLOAD("//a\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_READ, PAYLOAD("/a//b\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_READ, PAYLOAD("a//b\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_READ, PAYLOAD("/a/\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_READ, PAYLOAD("a/\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_WATCH, PAYLOAD("@\0t\0")), 0);
	assert_int_equal(request(XS_WATCH, PAYLOAD("@a//b\0t\0")), -XENSTORE_EINVAL);
	assert_int_equal(request(XS_WATCH, PAYLOAD("@a/\0t\0")), -XENSTORE_EINVAL);
	/* A NUL ends the path: what follows is another string, never part of it. */
	assert_int_equal(request(XS_READ, PAYLOAD("/a\0b\0")), -XENSTORE_EINVAL);
}

static void check_path_limit(const char *prefix, size_t longest)
{
	char *ok = long_path(prefix, longest);
	char *over = long_path(prefix, longest + 1);

	assert_int_equal(strlen(ok), longest);
	assert_int_equal(request(XS_READ, ok, longest + 1), 0);
	assert_int_equal(request(XS_READ, over, longest + 2), -XENSTORE_EINVAL);
	free(ok);
	free(over);
}

static void test_path_length_limits(void **state)
{
	(void)state;
	/* Relative paths and absolute ones outside a domain home: the relative limit. */
	check_path_limit("data/", XENSTORE_REL_PATH_MAX);
	check_path_limit("/tool/", XENSTORE_REL_PATH_MAX);
	/* Under /local/domain/<domid>/, only the part after the home counts. */
	check_path_limit("/local/domain/7/", 16 + XENSTORE_REL_PATH_MAX);
	check_path_limit("/local/domain/65535/", 20 + XENSTORE_REL_PATH_MAX);
	/* Six digits are not a domid: the whole path counts. */
	check_path_limit("/local/domain/123456/", XENSTORE_REL_PATH_MAX);
	check_path_limit("/local/domain/x/", XENSTORE_REL_PATH_MAX);
}

static void test_path_absolute_maximum(void **state)
{
	char *path = long_path("/local/domain/1/", XENSTORE_ABS_PATH_MAX + 1);

	(void)state;
	assert_int_equal(request(XS_READ, path, XENSTORE_ABS_PATH_MAX + 2), -XENSTORE_EINVAL);
	free(path);
}

static void test_path_limits_apply_to_watches(void **state)
{
	/* "@" and n letters, its NUL, then an empty token and its NUL. */
	char *payload = malloc(XENSTORE_REL_PATH_MAX + 3);
	size_t n;

	(void)state;
	assert_non_null(payload);
	for (n = XENSTORE_REL_PATH_MAX - 1; n <= XENSTORE_REL_PATH_MAX; n++) {
		payload[0] = '@';
		memset(payload + 1, 'a', n);
		payload[n + 1] = '\0';
		payload[n + 2] = '\0';
		assert_int_equal(request(XS_WATCH, payload, n + 3),
				 n + 1 <= XENSTORE_REL_PATH_MAX ? 0 : -XENSTORE_EINVAL);
	}
	free(payload);
}

/* ---- replies, type by type ---- */

static void test_reply_acknowledgements(void **state)
{
	static const uint32_t acks[] = {XS_WATCH,     XS_UNWATCH,    XS_TRANSACTION_END,
					XS_INTRODUCE, XS_RELEASE,    XS_WRITE,
					XS_MKDIR,     XS_RM,	     XS_SET_PERMS,
					XS_RESUME,    XS_SET_TARGET, XS_RESET_WATCHES};
	struct xenstore_wire_msg msg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(acks) / sizeof(acks[0]); i++) {
		uint32_t t = acks[i];

		assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, t, PAYLOAD("OK\0"), &msg), 0);
		assert_string_equal(msg.strings[0], "OK");
		assert_int_equal(reply(t, PAYLOAD("OK")), -XENSTORE_EINVAL);
		assert_int_equal(reply(t, PAYLOAD("ok\0")), -XENSTORE_EINVAL);
		assert_int_equal(reply(t, PAYLOAD("OK\0\0")), -XENSTORE_EINVAL);
		assert_int_equal(reply(t, PAYLOAD("")), -XENSTORE_EINVAL);
	}
}

static void test_reply_raw_values(void **state)
{
	static const uint32_t types[] = {XS_READ, XS_CONTROL};
	struct xenstore_wire_msg msg;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, types[i], PAYLOAD("a\0b"), &msg), 0);
		assert_int_equal(msg.nr_strings, 0);
		assert_null(msg.strings[0]);
		assert_null(xenstore_wire_next_string(&msg, NULL));
		assert_int_equal(msg.raw_len, 3);
		assert_ptr_equal(msg.raw, msg.payload);
		assert_memory_equal(msg.raw, "a\0b", 3);
		assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, types[i], PAYLOAD(""), &msg), 0);
		assert_int_equal(msg.raw_len, 0);
	}
}

static void test_reply_directory(void **state)
{
	struct xenstore_wire_msg msg;
	const char *s;
	unsigned int n = 0;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_DIRECTORY,
				  PAYLOAD("vbd\0vif\0console\0vkbd\0vfb\0"), &msg),
			 0);
	assert_int_equal(msg.nr_strings, 5);
	for (s = xenstore_wire_next_string(&msg, NULL); s; s = xenstore_wire_next_string(&msg, s))
		n++;
	assert_int_equal(n, 5);
	assert_string_equal(msg.strings[3], "vkbd");

	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_DIRECTORY, PAYLOAD(""), &msg), 0);
	assert_int_equal(msg.nr_strings, 0);
	assert_int_equal(reply(XS_DIRECTORY, PAYLOAD("vbd\0vif")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_DIRECTORY, PAYLOAD("vbd\0\0")), -XENSTORE_EINVAL);
}

static void test_reply_directory_part(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(
		parse_as(XENSTORE_WIRE_REPLY, XS_DIRECTORY_PART, PAYLOAD("42\0a\0b\0\0"), &msg), 0);
	assert_int_equal(msg.nr_strings, 4);
	assert_string_equal(msg.strings[0], "42");
	assert_string_equal(msg.strings[3], ""); /* the list is complete */
	assert_int_equal(reply(XS_DIRECTORY_PART, PAYLOAD("18446744073709551615\0")), 0);
	assert_int_equal(reply(XS_DIRECTORY_PART, PAYLOAD("18446744073709551616\0")),
			 -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_DIRECTORY_PART, PAYLOAD("g\0a\0")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_DIRECTORY_PART, PAYLOAD("")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_DIRECTORY_PART, PAYLOAD("1\0a")), -XENSTORE_EINVAL);
}

static void test_reply_get_perms(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_GET_PERMS, PAYLOAD("n0\0r5\0"), &msg), 0);
	assert_int_equal(msg.nr_strings, 2);
	assert_int_equal(reply(XS_GET_PERMS, PAYLOAD("")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_GET_PERMS, PAYLOAD("n0\0q5\0")), -XENSTORE_EINVAL);
}

static void test_reply_single_values(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_TRANSACTION_START, PAYLOAD("12\0"), &msg),
			 0);
	assert_string_equal(msg.strings[0], "12");
	assert_int_equal(reply(XS_TRANSACTION_START, PAYLOAD("4294967295\0")), 0);
	assert_int_equal(reply(XS_TRANSACTION_START, PAYLOAD("4294967296\0")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_TRANSACTION_START, PAYLOAD("\0")), -XENSTORE_EINVAL);

	assert_int_equal(reply(XS_GET_DOMAIN_PATH, PAYLOAD("/local/domain/3\0")), 0);
	assert_int_equal(reply(XS_GET_DOMAIN_PATH, PAYLOAD("local/domain/3\0")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_GET_DOMAIN_PATH, PAYLOAD("@x\0")), -XENSTORE_EINVAL);

	assert_int_equal(reply(XS_IS_DOMAIN_INTRODUCED, PAYLOAD("T\0")), 0);
	assert_int_equal(reply(XS_IS_DOMAIN_INTRODUCED, PAYLOAD("F\0")), 0);
	assert_int_equal(reply(XS_IS_DOMAIN_INTRODUCED, PAYLOAD("OK\0")), -XENSTORE_EINVAL);
}

static void test_reply_watch_event(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_WATCH_EVENT,
				  PAYLOAD("/local/domain/1/x\0tok\0"), &msg),
			 0);
	assert_string_equal(msg.strings[XS_WATCH_PATH], "/local/domain/1/x");
	assert_string_equal(msg.strings[XS_WATCH_TOKEN], "tok");
	assert_int_equal(reply(XS_WATCH_EVENT, PAYLOAD("device/vif\0t\0")), 0);
	assert_int_equal(reply(XS_WATCH_EVENT, PAYLOAD("@releaseDomain\0t\0")), 0);
	assert_int_equal(reply(XS_WATCH_EVENT, PAYLOAD("/x\0")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_WATCH_EVENT, PAYLOAD("/x\0t")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_WATCH_EVENT, PAYLOAD("/x y\0t\0")), -XENSTORE_EINVAL);
}

static void test_reply_error(void **state)
{
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_ERROR, PAYLOAD("ENOENT\0"), &msg), 0);
	assert_int_equal(xenstore_error_number(msg.strings[0]), 2);
	/* A name the table lacks still parses; mapping it is the receiver's choice. */
	assert_int_equal(parse_as(XENSTORE_WIRE_REPLY, XS_ERROR, PAYLOAD("EWHATEVER\0"), &msg), 0);
	assert_int_equal(xenstore_error_number(msg.strings[0]), 0);
	assert_int_equal(reply(XS_ERROR, PAYLOAD("\0")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_ERROR, PAYLOAD("EIO")), -XENSTORE_EINVAL);
	assert_int_equal(reply(XS_ERROR, PAYLOAD("EIO\0EIO\0")), -XENSTORE_EINVAL);
}

/* ---- building ---- */

/* One message of each shape, with the payload bytes it must produce. */
struct sample {
	enum xenstore_wire_direction direction;
	uint32_t type;
	unsigned int nr_strings;
	const char *strings[5];
	const char *raw;
	size_t raw_len;
	const char *bytes;
	size_t len;
};

#define SAMPLE(dir, type, n, strs, raw, raw_len, bytes)                                \
	{                                                                              \
		(dir), (type), (n), strs, (raw), (raw_len), (bytes), sizeof(bytes) - 1 \
	}
#define S(...)              \
	{                   \
		__VA_ARGS__ \
	}
#define REQ XENSTORE_WIRE_REQUEST
#define REP XENSTORE_WIRE_REPLY

static const struct sample samples[] = {
	SAMPLE(REQ, XS_CONTROL, 2, S("log", "on"), NULL, 0, "log\0on\0"),
	SAMPLE(REQ, XS_DIRECTORY, 1, S("/local/domain"), NULL, 0, "/local/domain\0"),
	SAMPLE(REQ, XS_READ, 1, S("name"), NULL, 0, "name\0"),
	SAMPLE(REQ, XS_GET_PERMS, 1, S("/a"), NULL, 0, "/a\0"),
	SAMPLE(REQ, XS_WATCH, 2, S("/a", "t1"), NULL, 0, "/a\0t1\0"),
	SAMPLE(REQ, XS_UNWATCH, 2, S("@releaseDomain", "t1"), NULL, 0, "@releaseDomain\0t1\0"),
	SAMPLE(REQ, XS_TRANSACTION_START, 1, S(""), NULL, 0, "\0"),
	SAMPLE(REQ, XS_TRANSACTION_END, 1, S("F"), NULL, 0, "F\0"),
	SAMPLE(REQ, XS_INTRODUCE, 3, S("2", "4096", "1"), NULL, 0,
	       "2\0"
	       "4096\0"
	       "1\0"),
	SAMPLE(REQ, XS_RELEASE, 1, S("2"), NULL, 0, "2\0"),
	SAMPLE(REQ, XS_GET_DOMAIN_PATH, 1, S("2"), NULL, 0, "2\0"),
	SAMPLE(REQ, XS_WRITE, 1, S("/a/b"), "v\0w", 3, "/a/b\0v\0w"),
	SAMPLE(REQ, XS_MKDIR, 1, S("/a/b"), NULL, 0, "/a/b\0"),
	SAMPLE(REQ, XS_RM, 1, S("/a/b"), NULL, 0, "/a/b\0"),
	SAMPLE(REQ, XS_SET_PERMS, 5, S("/a", "n0", "r1", "w2", "b3"), NULL, 0,
	       "/a\0n0\0r1\0w2\0b3\0"),
	SAMPLE(REQ, XS_IS_DOMAIN_INTRODUCED, 1, S("2"), NULL, 0, "2\0"),
	SAMPLE(REQ, XS_RESUME, 1, S("2"), NULL, 0, "2\0"),
	SAMPLE(REQ, XS_SET_TARGET, 2, S("2", "3"), NULL, 0,
	       "2\0"
	       "3\0"),
	SAMPLE(REQ, XS_RESET_WATCHES, 1, S(""), NULL, 0, "\0"),
	SAMPLE(REQ, XS_DIRECTORY_PART, 2, S("/a", "0"), NULL, 0,
	       "/a\0"
	       "0\0"),
	SAMPLE(REP, XS_CONTROL, 0, S(NULL), "help", 4, "help"),
	SAMPLE(REP, XS_DIRECTORY, 2, S("a", "b"), NULL, 0, "a\0b\0"),
	SAMPLE(REP, XS_READ, 0, S(NULL), "x\0y", 3, "x\0y"),
	SAMPLE(REP, XS_GET_PERMS, 2, S("n0", "r1"), NULL, 0, "n0\0r1\0"),
	SAMPLE(REP, XS_WATCH, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_UNWATCH, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_TRANSACTION_START, 1, S("17"), NULL, 0, "17\0"),
	SAMPLE(REP, XS_TRANSACTION_END, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_INTRODUCE, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_RELEASE, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_GET_DOMAIN_PATH, 1, S("/local/domain/2"), NULL, 0, "/local/domain/2\0"),
	SAMPLE(REP, XS_WRITE, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_MKDIR, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_RM, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_SET_PERMS, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_WATCH_EVENT, 2, S("/a/b", "t1"), NULL, 0, "/a/b\0t1\0"),
	SAMPLE(REP, XS_ERROR, 1, S("EACCES"), NULL, 0, "EACCES\0"),
	SAMPLE(REP, XS_IS_DOMAIN_INTRODUCED, 1, S("T"), NULL, 0, "T\0"),
	SAMPLE(REP, XS_RESUME, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_SET_TARGET, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_RESET_WATCHES, 1, S("OK"), NULL, 0, "OK\0"),
	SAMPLE(REP, XS_DIRECTORY_PART, 4, S("9", "a", "b", ""), NULL, 0, "9\0a\0b\0\0"),
};

static void test_samples_cover_every_type(void **state)
{
	unsigned int seen[2][XS_TYPE_COUNT] = {{0}};
	uint32_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		seen[samples[i].direction][samples[i].type]++;
	for (t = 0; t < XS_TYPE_COUNT; t++) {
		bool reply_only = t == XS_WATCH_EVENT || t == XS_ERROR;

		if (t == 20)
			continue;
		assert_int_equal(seen[REQ][t], reply_only ? 0 : 1);
		assert_int_equal(seen[REP][t], 1);
	}
}

static void test_build_then_parse_every_type(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];
		struct xsd_sockmsg hdr = {
			.type = s->type, .req_id = 100 + (uint32_t)i, .tx_id = 7, .len = 0xdead};
		uint8_t *buf = malloc(HDR + s->len);
		struct xenstore_wire_msg msg;
		const char *str;
		unsigned int n;

		assert_non_null(buf);
		assert_int_equal(xenstore_wire_build(buf, HDR + s->len, &hdr, s->strings,
						     s->nr_strings, s->raw, s->raw_len),
				 (int)(HDR + s->len));
		assert_memory_equal(buf + HDR, s->bytes, s->len);

		assert_int_equal(xenstore_wire_parse(buf, HDR + s->len, s->direction, &msg), 0);
		assert_int_equal(msg.hdr.type, s->type);
		assert_int_equal(msg.hdr.req_id, 100 + i);
		assert_int_equal(msg.hdr.tx_id, 7);
		assert_int_equal(msg.hdr.len, s->len); /* computed, not copied */
		assert_int_equal(msg.size, HDR + s->len);
		assert_int_equal(msg.nr_strings, s->nr_strings);
		for (n = 0, str = xenstore_wire_next_string(&msg, NULL); str;
		     n++, str = xenstore_wire_next_string(&msg, str)) {
			assert_true(n < s->nr_strings);
			assert_string_equal(str, s->strings[n]);
			if (n < XENSTORE_WIRE_MAX_STRINGS)
				assert_ptr_equal(str, msg.strings[n]);
		}
		assert_int_equal(n, s->nr_strings);
		assert_int_equal(msg.raw_len, s->raw_len);
		if (s->raw_len > 0)
			assert_memory_equal(msg.raw, s->raw, s->raw_len);
		free(buf);
	}
}

static void test_build_checks_the_buffer_size(void **state)
{
	const struct xsd_sockmsg hdr = {.type = XS_WATCH};
	const char *const strings[] = {"/a/b", "token"};
	const size_t need = HDR + 5 + 6;
	uint8_t buf[64];
	size_t size, i;

	(void)state;
	for (size = 0; size < need; size++) {
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(xenstore_wire_build(buf, size, &hdr, strings, 2, NULL, 0),
				 -XENSTORE_ENOSPC);
		for (i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xa5); /* a failed build writes nothing */
	}
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(xenstore_wire_build(buf, need, &hdr, strings, 2, NULL, 0), (int)need);
	assert_int_equal(buf[need], 0xa5);
	assert_int_equal(xenstore_wire_build(NULL, 0, &hdr, strings, 2, NULL, 0), -XENSTORE_ENOSPC);
}

static void test_build_checks_the_payload_limit(void **state)
{
	const struct xsd_sockmsg hdr = {.type = XS_WRITE};
	char *value = calloc(1, XENSTORE_PAYLOAD_MAX + 1);
	uint8_t *buf = malloc(XENSTORE_WIRE_MESSAGE_MAX + 64);
	const char *const path[] = {"/a"};
	char *big = malloc(XENSTORE_PAYLOAD_MAX + 10);
	const char *const many[] = {big};

	(void)state;
	assert_non_null(value);
	assert_non_null(buf);
	assert_non_null(big);
	/* "/a\0" plus a value that fills the payload exactly, then one byte more. */
	assert_int_equal(xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX + 64, &hdr, path, 1,
					     value, XENSTORE_PAYLOAD_MAX - 3),
			 (int)XENSTORE_WIRE_MESSAGE_MAX);
	assert_int_equal(xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX + 64, &hdr, path, 1,
					     value, XENSTORE_PAYLOAD_MAX - 2),
			 -XENSTORE_E2BIG);
	assert_int_equal(xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX + 64, &hdr, NULL, 0,
					     value, XENSTORE_PAYLOAD_MAX + 1),
			 -XENSTORE_E2BIG);
	/* A string that alone passes the limit, and one that fills it exactly. */
	memset(big, 'a', XENSTORE_PAYLOAD_MAX + 9);
	big[XENSTORE_PAYLOAD_MAX + 9] = '\0';
	assert_int_equal(
		xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX + 64, &hdr, many, 1, NULL, 0),
		-XENSTORE_E2BIG);
	big[XENSTORE_PAYLOAD_MAX - 1] = '\0';
	assert_int_equal(
		xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX + 64, &hdr, many, 1, NULL, 0),
		(int)XENSTORE_WIRE_MESSAGE_MAX);
	free(value);
	free(big);
	free(buf);
}

static void test_build_counts_every_nul(void **state)
{
	const char **empty = malloc(5000 * sizeof(*empty));
	uint8_t *buf = malloc(XENSTORE_WIRE_MESSAGE_MAX);
	const struct xsd_sockmsg dir = {.type = XS_DIRECTORY};
	size_t i;

	(void)state;
	assert_non_null(empty);
	assert_non_null(buf);
	/* Empty strings cost one NUL each: 4096 fill the payload, one more is too many. */
	for (i = 0; i < 5000; i++)
		empty[i] = "";
	assert_int_equal(xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX, &dir, empty,
					     XENSTORE_PAYLOAD_MAX, NULL, 0),
			 (int)XENSTORE_WIRE_MESSAGE_MAX);
	assert_int_equal(xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX, &dir, empty,
					     XENSTORE_PAYLOAD_MAX + 1, NULL, 0),
			 -XENSTORE_E2BIG);
	assert_int_equal(
		xenstore_wire_build(buf, XENSTORE_WIRE_MESSAGE_MAX, &dir, empty, 5000, NULL, 0),
		-XENSTORE_E2BIG);
	free(empty);
	free(buf);
}

static void test_build_rejects_unknown_types(void **state)
{
	static const uint32_t bad[] = {20, XS_TYPE_COUNT, XS_INVALID};
	uint8_t buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct xsd_sockmsg hdr = {.type = bad[i]};

		assert_int_equal(xenstore_wire_build(buf, sizeof(buf), &hdr, NULL, 0, NULL, 0),
				 -XENSTORE_EINVAL);
	}
}

static void test_build_ack(void **state)
{
	uint8_t buf[HDR + 3];
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(xenstore_wire_build_ack(buf, sizeof(buf), XS_MKDIR, 11, 12), HDR + 3);
	assert_int_equal(xenstore_wire_parse(buf, sizeof(buf), XENSTORE_WIRE_REPLY, &msg), 0);
	assert_int_equal(msg.hdr.type, XS_MKDIR);
	assert_int_equal(msg.hdr.req_id, 11);
	assert_int_equal(msg.hdr.tx_id, 12);
	assert_memory_equal(buf + HDR, "OK\0", 3);
	assert_int_equal(xenstore_wire_build_ack(buf, sizeof(buf) - 1, XS_MKDIR, 11, 12),
			 -XENSTORE_ENOSPC);
}

static void test_build_error(void **state)
{
	uint8_t buf[64];
	struct xenstore_wire_msg msg;

	(void)state;
	assert_int_equal(xenstore_wire_build_error(buf, sizeof(buf), 3, 4, XENSTORE_ENOENT),
			 HDR + 7);
	assert_int_equal(xenstore_wire_parse(buf, sizeof(buf), XENSTORE_WIRE_REPLY, &msg), 0);
	assert_int_equal(msg.hdr.type, XS_ERROR);
	assert_int_equal(msg.hdr.req_id, 3);
	assert_int_equal(msg.hdr.tx_id, 4);
	assert_string_equal(msg.strings[0], "ENOENT");

	/* An errno without a name goes out as EINVAL, as xenstored does. */
	assert_int_equal(xenstore_wire_build_error(buf, sizeof(buf), 3, 4, 36), HDR + 7);
	assert_memory_equal(buf + HDR, "EINVAL\0", 7);
	assert_int_equal(xenstore_wire_build_error(buf, sizeof(buf), 3, 4, -2), HDR + 7);
	assert_memory_equal(buf + HDR, "EINVAL\0", 7);
	assert_int_equal(xenstore_wire_build_error(buf, HDR + 6, 3, 4, XENSTORE_EEXIST),
			 -XENSTORE_ENOSPC);
}

/* ---- names ---- */

static void test_error_names_both_ways(void **state)
{
	/* The numbers are Xen's (public errno.h), written out here independently. */
	static const struct {
		int number;
		const char *name;
	} table[] = {
		{22, "EINVAL"},	   {13, "EACCES"},   {17, "EEXIST"}, {21, "EISDIR"},
		{2, "ENOENT"},	   {12, "ENOMEM"},   {28, "ENOSPC"}, {5, "EIO"},
		{39, "ENOTEMPTY"}, {38, "ENOSYS"},   {30, "EROFS"},  {16, "EBUSY"},
		{11, "EAGAIN"},	   {106, "EISCONN"}, {7, "E2BIG"},   {1, "EPERM"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_string_equal(xenstore_error_name(table[i].number), table[i].name);
		assert_int_equal(xenstore_error_number(table[i].name), table[i].number);
	}
}

static void test_error_names_unknown(void **state)
{
	static const char *const names[] = {"",	       "EFOO",	  "einval", "EINVAL ",
					    " EINVAL", "EINVALX", "ENOEN",  "ENAMETOOLONG"};
	static const int numbers[] = {0, -22, 3, 9, 36, 107, 1000000};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(xenstore_error_number(names[i]), 0);
	assert_int_equal(xenstore_error_number(NULL), 0);
	for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		assert_null(xenstore_error_name(numbers[i]));
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(xenstore_wire_type_name(XS_CONTROL), "CONTROL");
	assert_string_equal(xenstore_wire_type_name(XS_READ), "READ");
	assert_string_equal(xenstore_wire_type_name(XS_WATCH_EVENT), "WATCH_EVENT");
	assert_string_equal(xenstore_wire_type_name(XS_SET_TARGET), "SET_TARGET");
	assert_string_equal(xenstore_wire_type_name(XS_RESET_WATCHES), "RESET_WATCHES");
	assert_string_equal(xenstore_wire_type_name(XS_DIRECTORY_PART), "DIRECTORY_PART");
	assert_null(xenstore_wire_type_name(20));
	assert_null(xenstore_wire_type_name(XS_TYPE_COUNT));
	assert_null(xenstore_wire_type_name(XS_INVALID));
}

static void test_next_string_stays_inside(void **state)
{
	struct xenstore_wire_msg msg;
	const char *outside = "elsewhere";

	(void)state;
	assert_int_equal(parse_as(XENSTORE_WIRE_REQUEST, XS_WRITE, PAYLOAD("/a\0b\0c\0"), &msg), 0);
	/* Only the path is a string: the NULs in the value do not make more of them. */
	assert_ptr_equal(xenstore_wire_next_string(&msg, NULL), msg.payload);
	assert_null(xenstore_wire_next_string(&msg, msg.payload));
	assert_null(xenstore_wire_next_string(&msg, msg.raw));
	assert_null(xenstore_wire_next_string(&msg, outside));
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_header_sizes),
		T(test_partial_header_needs_more),
		T(test_partial_payload_needs_more),
		T(test_length_over_max_rejected_at_header),
		T(test_length_at_max_accepted),
		T(test_unknown_types_rejected),
		T(test_reply_only_types_rejected_as_requests),
		T(test_stream_of_messages),
		T(test_unaligned_buffer),
		T(test_request_single_path_types),
		T(test_request_write),
		T(test_request_watch_and_unwatch),
		T(test_request_transactions),
		T(test_request_set_perms),
		T(test_request_domain_management),
		T(test_request_reset_watches),
		T(test_request_directory_part),
		T(test_request_control),
		T(test_path_characters),
		T(test_path_shape),
		T(test_path_length_limits),
		T(test_path_absolute_maximum),
		T(test_path_limits_apply_to_watches),
		T(test_reply_acknowledgements),
		T(test_reply_raw_values),
		T(test_reply_directory),
		T(test_reply_directory_part),
		T(test_reply_get_perms),
		T(test_reply_single_values),
		T(test_reply_watch_event),
		T(test_reply_error),
		T(test_samples_cover_every_type),
		T(test_build_then_parse_every_type),
		T(test_build_checks_the_buffer_size),
		T(test_build_checks_the_payload_limit),
		T(test_build_counts_every_nul),
		T(test_build_rejects_unknown_types),
		T(test_build_ack),
		T(test_build_error),
		T(test_error_names_both_ways),
		T(test_error_names_unknown),
		T(test_type_names),
		T(test_next_string_stays_inside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
