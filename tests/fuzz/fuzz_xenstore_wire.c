/*
 * libFuzzer target for the XenStore wire codec. The input is a byte stream as a hostile guest
 * could leave it on its ring; each message in it is parsed both as a request and as a reply.
 * Every accepted message is taken apart and rebuilt with xenstore_wire_build(): the rebuilt
 * bytes must equal the originals and parse to the same result, or the run aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parvus/xenstore_wire.h>

#define HDR XENSTORE_WIRE_HEADER_SIZE

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

static const char *strings[XENSTORE_PAYLOAD_MAX + 1];
static uint8_t rebuilt[XENSTORE_WIRE_MESSAGE_MAX];

/* Walk the strings of msg into strings[], checking that they tile the strings region. */
static unsigned int collect_strings(const struct xenstore_wire_msg *msg)
{
	const char *end = msg->payload + msg->strings_len;
	const char *s, *expect = msg->payload;
	unsigned int n = 0;

	for (s = xenstore_wire_next_string(msg, NULL); s; s = xenstore_wire_next_string(msg, s)) {
		CHECK(n < msg->nr_strings);
		CHECK(s == expect);
		CHECK(memchr(s, '\0', (size_t)(end - s)) != NULL);
		if (n < XENSTORE_WIRE_MAX_STRINGS)
			CHECK(msg->strings[n] == s);
		strings[n++] = s;
		expect = s + strlen(s) + 1;
	}
	CHECK(n == msg->nr_strings);
	CHECK(expect == end);
	for (; n < XENSTORE_WIRE_MAX_STRINGS; n++)
		CHECK(msg->strings[n] == NULL);
	return msg->nr_strings;
}

static void check_same(const struct xenstore_wire_msg *a, const struct xenstore_wire_msg *b)
{
	unsigned int i;

	CHECK(memcmp(&a->hdr, &b->hdr, sizeof(a->hdr)) == 0);
	CHECK(a->size == b->size);
	CHECK(a->nr_strings == b->nr_strings);
	CHECK(a->strings_len == b->strings_len);
	CHECK(a->raw_len == b->raw_len);
	CHECK(memcmp(a->raw, b->raw, a->raw_len) == 0);
	for (i = 0; i < XENSTORE_WIRE_MAX_STRINGS && i < a->nr_strings; i++)
		CHECK(a->strings[i] - a->payload == b->strings[i] - b->payload);
}

static void check_message(const uint8_t *frame, const struct xenstore_wire_msg *msg,
			  enum xenstore_wire_direction direction)
{
	struct xenstore_wire_msg again;
	unsigned int n;
	int size;

	CHECK(msg->size == HDR + msg->hdr.len);
	CHECK(msg->payload == (const char *)frame + HDR);
	CHECK(msg->strings_len + msg->raw_len == msg->hdr.len);
	CHECK(msg->raw == msg->payload + msg->strings_len);
	CHECK(xenstore_wire_type_name(msg->hdr.type) != NULL);

	n = collect_strings(msg);
	size = xenstore_wire_build(rebuilt, sizeof(rebuilt), &msg->hdr, strings, n, msg->raw,
				   msg->raw_len);
	CHECK(size == (int)msg->size);
	CHECK(memcmp(rebuilt, frame, msg->size) == 0);
	CHECK(xenstore_wire_parse(rebuilt, (size_t)size, direction, &again) == 0);
	check_same(msg, &again);

	/* One byte short of a whole message is never enough. */
	CHECK(xenstore_wire_parse(frame, msg->size - 1, direction, &again) ==
	      XENSTORE_WIRE_INCOMPLETE);

	if (msg->hdr.type == XS_ERROR) {
		int errnum = xenstore_error_number(msg->strings[0]);

		if (errnum != 0)
			CHECK(strcmp(xenstore_error_name(errnum), msg->strings[0]) == 0);
	}
}

static void parse_stream(const uint8_t *data, size_t size, enum xenstore_wire_direction direction)
{
	size_t at = 0;

	while (at < size) {
		struct xenstore_wire_msg msg;
		int rc = xenstore_wire_parse(data + at, size - at, direction, &msg);

		if (rc == XENSTORE_WIRE_INCOMPLETE)
			break;
		if (rc == -XENSTORE_E2BIG) {
			CHECK(msg.hdr.len > XENSTORE_PAYLOAD_MAX);
			break; /* the stream cannot be framed past this point */
		}
		CHECK(rc == 0 || rc == -XENSTORE_EINVAL || rc == -XENSTORE_ENOSYS);
		CHECK(msg.size >= HDR && msg.size <= size - at);
		if (rc == 0)
			check_message(data + at, &msg, direction);
		at += msg.size;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_stream(data, size, XENSTORE_WIRE_REQUEST);
	parse_stream(data, size, XENSTORE_WIRE_REPLY);
	return 0;
}
