/*
 * The XenStore wire codec: turns received bytes into checked messages and strings into bytes.
 * xenstored (dom0) parses requests from hostile guests with it, guests parse replies with it,
 * and both build what they send with it. Parsing never reads outside the given buffer and
 * never writes into it: a parsed message points into the caller's bytes.
 */
#ifndef PARVUS_XENSTORE_WIRE_H
#define PARVUS_XENSTORE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/io/xs_wire.h>

/*
 * The errors that travel in XS_ERROR replies, with Xen's numbers (its public errno.h, the Linux
 * values). Codec functions report failure as the negative of one of these.
 */
enum xenstore_errno {
	XENSTORE_EPERM = 1,
	XENSTORE_ENOENT = 2,
	XENSTORE_EIO = 5,
	XENSTORE_E2BIG = 7,
	XENSTORE_EAGAIN = 11,
	XENSTORE_ENOMEM = 12,
	XENSTORE_EACCES = 13,
	XENSTORE_EBUSY = 16,
	XENSTORE_EEXIST = 17,
	XENSTORE_EISDIR = 21,
	XENSTORE_EINVAL = 22,
	XENSTORE_ENOSPC = 28,
	XENSTORE_EROFS = 30,
	XENSTORE_ENOSYS = 38,
	XENSTORE_ENOTEMPTY = 39,
	XENSTORE_EISCONN = 106,
};

/* Which way a message travels decides which payloads are legal for its type. */
enum xenstore_wire_direction {
	XENSTORE_WIRE_REQUEST, /* client -> xenstored */
	XENSTORE_WIRE_REPLY,   /* xenstored -> client: replies, XS_ERROR, XS_WATCH_EVENT */
};

/* xenstore_wire_parse() result: the buffer holds only the start of a message. Not an error. */
#define XENSTORE_WIRE_INCOMPLETE 1

/* How many leading strings a parsed message keeps pointers to (XS_INTRODUCE has four). */
#define XENSTORE_WIRE_MAX_STRINGS 4

/* Bytes in a message header, and in the largest whole message. */
#define XENSTORE_WIRE_HEADER_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))
#define XENSTORE_WIRE_MESSAGE_MAX (XENSTORE_WIRE_HEADER_SIZE + XENSTORE_PAYLOAD_MAX)

/*
 * A parsed message. The payload is split into nr_strings NUL-terminated strings followed by
 * raw_len bytes of raw data; only XS_WRITE requests and XS_READ/XS_CONTROL replies carry raw
 * data (a value, which may hold NULs). Pointers lead into the caller's buffer.
 */
struct xenstore_wire_msg {
	struct xsd_sockmsg hdr; /* copied out, so the buffer needs no alignment */
	uint32_t size;		/* header + payload: how far the next message starts */
	const char *payload;	/* hdr.len bytes */
	unsigned int nr_strings;
	uint32_t strings_len;				/* bytes the strings take, NULs included */
	const char *strings[XENSTORE_WIRE_MAX_STRINGS]; /* the first ones; NULL past nr_strings */
	const char *raw;				/* payload + strings_len */
	uint32_t raw_len;
};

/*
 * Parse the message at the start of buf, which holds avail received bytes. Returns:
 *   0                         a whole valid message; *msg describes it
 *   XENSTORE_WIRE_INCOMPLETE  header or payload not all there yet: wait for more bytes
 *   -XENSTORE_E2BIG           hdr.len above XENSTORE_PAYLOAD_MAX: the stream cannot be framed
 *                             any more, so the connection must be dropped (XENSTORE_ERROR_PROTO)
 *   -XENSTORE_ENOSYS          unknown type, or a type that never travels in this direction
 *   -XENSTORE_EINVAL          the payload breaks the rules of its type (argument count,
 *                             missing NUL, path syntax or length, number format)
 * After -ENOSYS and -EINVAL, msg->hdr and msg->size are valid, so the receiver can answer
 * with XS_ERROR and skip the message; after -E2BIG only msg->hdr is.
 * Parse a private copy of the bytes, never the shared ring page itself: a guest could change
 * them between the checks here and their use.
 */
int xenstore_wire_parse(const void *buf, size_t avail, enum xenstore_wire_direction direction,
			struct xenstore_wire_msg *msg);

/* The string after s in a parsed message, the first one if s is NULL; NULL after the last. */
const char *xenstore_wire_next_string(const struct xenstore_wire_msg *msg, const char *s);

/*
 * Build a message into buf (size bytes): hdr's type, req_id and tx_id, then the payload made of
 * nr_strings strings, each followed by its NUL, then raw_len bytes of raw (NULL if none).
 * hdr->len is ignored and computed. Returns the message size in bytes, or -XENSTORE_EINVAL for
 * an unknown type, -XENSTORE_E2BIG for a payload above XENSTORE_PAYLOAD_MAX, -XENSTORE_ENOSPC
 * when buf is too small; buf is untouched on failure. The strings and raw must not lie in buf.
 */
int xenstore_wire_build(void *buf, size_t size, const struct xsd_sockmsg *hdr,
			const char *const strings[], unsigned int nr_strings, const void *raw,
			size_t raw_len);

/* The reply "OK" that acknowledges a request of the given type. Returns as above. */
int xenstore_wire_build_ack(void *buf, size_t size, uint32_t type, uint32_t req_id, uint32_t tx_id);

/*
 * An XS_ERROR reply naming errnum (a positive Xen errno). Like xenstored, an errno without a
 * name in the table goes out as EINVAL. Returns as above.
 */
int xenstore_wire_build_error(void *buf, size_t size, uint32_t req_id, uint32_t tx_id, int errnum);

/* The name of a Xen errno in XS_ERROR replies ("ENOENT"), or NULL if the table has none. */
const char *xenstore_error_name(int errnum);

/* The Xen errno an XS_ERROR name stands for, or 0 for a name the table does not hold. */
int xenstore_error_number(const char *name);

/* The name of a message type ("READ"), or NULL for an unknown one; for tracing. */
const char *xenstore_wire_type_name(uint32_t type);

#endif /* PARVUS_XENSTORE_WIRE_H */
