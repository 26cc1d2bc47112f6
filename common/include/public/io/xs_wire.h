/*
 * The XenStore wire ABI: how a domain and xenstored talk. Each message is a 16-byte header
 * (struct xsd_sockmsg) followed by up to XENSTORE_PAYLOAD_MAX bytes of NUL-separated strings;
 * between domains the bytes flow through two 1 KiB rings in a shared page. Names and numbers
 * are Xen's (io/xs_wire.h); the error-name table lives in common/xenstore_wire.c.
 */
#ifndef PARVUS_PUBLIC_IO_XS_WIRE_H
#define PARVUS_PUBLIC_IO_XS_WIRE_H

#include <stdint.h>

/* The type field of a message: a request names its operation, a reply repeats it. */
enum xsd_sockmsg_type {
	XS_CONTROL = 0,
#define XS_DEBUG XS_CONTROL /* the old name of XS_CONTROL */
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15, /* sent by xenstored only, unasked */
	XS_ERROR = 16,	     /* sent by xenstored only, in place of a reply */
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	/* 20 was XS_RESTRICT, since withdrawn: the number stays unused. */
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT = 23,  /* one past the highest type */
	XS_INVALID = 0xffff, /* never a valid type */
};

/* Mode words of a write request, kept for source compatibility with Xen's header. */
#define XS_WRITE_NONE "NONE"
#define XS_WRITE_CREATE "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

/* One row of the error table: errors travel as their names ("ENOENT"), not as numbers. */
struct xsd_errors {
	int errnum;
	const char *errstring;
};

struct xsd_sockmsg {
	uint32_t type;	 /* enum xsd_sockmsg_type */
	uint32_t req_id; /* chosen by the client, copied into the reply */
	uint32_t tx_id;	 /* transaction the request belongs to, 0 for none */
	uint32_t len;	 /* payload bytes that follow this header */
};

/* Where the two strings of an XS_WATCH_EVENT payload sit. */
enum xs_watch_type {
	XS_WATCH_PATH = 0,
	XS_WATCH_TOKEN = 1,
};

/*
 * The shared page between a domain and xenstored. Indices run freely and are reduced modulo
 * the ring size only when used; the domain produces req and consumes rsp.
 */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE]; /* domain -> xenstored */
	char rsp[XENSTORE_RING_SIZE]; /* xenstored -> domain: replies and watch events */
	XENSTORE_RING_IDX req_cons, req_prod;
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features; /* XENSTORE_SERVER_FEATURE_* offered by xenstored */
	uint32_t connection;	  /* XENSTORE_CONNECTED or XENSTORE_RECONNECT */
	uint32_t error;		  /* XENSTORE_ERROR_*: why xenstored stopped listening */
};

/* A payload longer than this breaks the protocol: xenstored drops the connection. */
#define XENSTORE_PAYLOAD_MAX 4096

/* Longer paths are refused with an error reply. */
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

/* Bits of server_features. */
#define XENSTORE_SERVER_FEATURE_RECONNECTION 1 /* the connection field can be used */
#define XENSTORE_SERVER_FEATURE_ERROR 2	       /* the error field is filled in */

/* Values of connection. */
#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1

/* Values of error. */
#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1	 /* the ring could not be used */
#define XENSTORE_ERROR_RINGIDX 2 /* a ring index was out of range */
#define XENSTORE_ERROR_PROTO 3	 /* a message broke the protocol, e.g. too long */

#endif /* PARVUS_PUBLIC_IO_XS_WIRE_H */
