/*
 * libFuzzer target for the XenStore daemon's core (dom0/xenstored): arbitrary sequences of
 * requests from several connections (dom0 clients and introduced domains), with domains
 * introduced, released and shut down in between, on a core with a small memory cap. Checks:
 * no memory error or undefined behaviour, every queued message is a valid reply, the core
 * stays under its cap, and destroying the core returns every byte (LeakSanitizer).
 *
 * Input: a list of records. Each starts with a selector byte: its low 2 bits pick the
 * connection (0-1: dom0 clients, 2-3: domains 1 and 2), its high bits an action (most often a
 * request: a type byte, a tx_id byte, then a length byte and that many payload bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#include <xenstored/xenstored.h>

#define MEMORY_CAP (512 * 1024)

static void *fuzz_alloc(void *opaque, size_t size)
{
	(void)opaque;
	return malloc(size);
}

static void fuzz_free(void *opaque, void *p, size_t size)
{
	(void)opaque;
	(void)size;
	free(p);
}

static void drain(struct xs_conn *conn)
{
	static uint8_t buf[XENSTORE_WIRE_MESSAGE_MAX];
	struct xenstore_wire_msg msg;
	int n;

	while ((n = xs_conn_next_output(conn, buf, sizeof(buf))) > 0)
		if (xenstore_wire_parse(buf, (size_t)n, XENSTORE_WIRE_REPLY, &msg) != 0)
			abort(); /* the core queued something that is not a valid reply */
	if (n < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_config config = {.allocator = {fuzz_alloc, fuzz_free, NULL},
				   .memory_limit = MEMORY_CAP};
	struct xs_core *core = xs_core_create(&config);
	struct xs_conn *local[2];
	size_t at = 0;

	if (core == NULL)
		return 0;
	local[0] = xs_core_connect_local(core);
	local[1] = xs_core_connect_local(core);
	xs_core_introduce(core, 1, 100, 1);
	xs_core_introduce(core, 2, 200, 2);
	while (at < size) {
		uint8_t selector = data[at++];
		unsigned int who = selector & 3, action = selector >> 2;
		struct xs_conn *conn = who < 2 ? local[who] : xs_core_domain_conn(core, who - 1);

		if (action == 60) {
			xs_core_introduce(core, who, 0, 1 + who);
		} else if (action == 61) {
			xs_core_release(core, who);
		} else if (action == 62) {
			xs_core_domain_shutdown(core, who);
		} else if (action == 63) {
			if (conn != NULL)
				drain(conn);
		} else if (at + 3 <= size) {
			uint8_t frame[XENSTORE_WIRE_HEADER_SIZE + 256];
			struct xsd_sockmsg hdr = {.type = data[at] % (XS_TYPE_COUNT + 1),
						  .req_id = action,
						  .tx_id = data[at + 1] % 4,
						  .len = data[at + 2]};
			size_t len = hdr.len, used = 0;

			at += 3;
			if (len > size - at)
				len = size - at;
			hdr.len = (uint32_t)len;
			memcpy(frame, &hdr, sizeof(hdr));
			memcpy(frame + sizeof(hdr), data + at, len);
			at += len;
			if (conn != NULL &&
			    xs_conn_receive(conn, frame, sizeof(hdr) + len, &used) == 0 &&
			    used != sizeof(hdr) + len)
				abort();
		} else {
			break;
		}
		if (xs_core_live_bytes(core) > MEMORY_CAP)
			abort();
		/* The dom0 clients collect their output now and then, as a real one would. */
		if ((selector & 0x20) && local[0] != NULL)
			drain(local[0]);
	}
	xs_core_destroy(core);
	return 0;
}
