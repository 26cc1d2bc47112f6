/*
 * Console output. The first domain writes through the hypervisor's console (console_io,
 * CONSOLEIO_write); Xen refuses that to other domains, which write to the console ring page
 * their builder gave them (start_info.console.domU, public/io/console.h) for dom0 to read.
 * printf formats with the libc's vcbprintf into a line buffer and writes whole lines, so one
 * line of output is one hypercall (or one ring update) and lines do not interleave mid-line.
 */
#include <stdio.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include <public/io/console.h>

/* The console ring of a domU, in the initial mapping; NULL for dom0 or when there is none. */
static struct xencons_interface *console_ring(void)
{
	const struct start_info *si = guest_start_info;

	if (!si || (si->flags & SIF_INITDOMAIN) || !si->console.domU.mfn)
		return NULL;
	return mfn_to_virt(si->console.domU.mfn);
}

/*
 * Put text on the ring's out side as a console frontend does: bytes first, then the producer
 * index, then a notification if there is an event channel. What does not fit is dropped: no
 * backend may be reading, and printing must never wait.
 */
static long ring_write(struct xencons_interface *ring, const char *text, size_t length)
{
	XENCONS_RING_IDX consumer = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX producer = ring->out_prod;
	size_t written = 0;

	while (written < length && producer - consumer < sizeof(ring->out))
		ring->out[MASK_XENCONS_IDX(producer++, ring->out)] = text[written++];
	__atomic_store_n(&ring->out_prod, producer, __ATOMIC_RELEASE);
	if (guest_start_info->console.domU.evtchn) {
		struct evtchn_send send = {.port = guest_start_info->console.domU.evtchn};

		HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
	}
	return (long)written;
}

long console_write(const char *text, size_t length)
{
	struct xencons_interface *ring = console_ring();

	if (ring)
		return ring_write(ring, text, length);
	return HYPERVISOR_console_io(CONSOLEIO_write, (int)length, (char *)text);
}

struct line_buffer {
	char text[128];
	size_t used;
};

static void flush(struct line_buffer *line)
{
	if (line->used)
		console_write(line->text, line->used);
	line->used = 0;
}

static void emit(char c, void *arg)
{
	struct line_buffer *line = arg;

	line->text[line->used++] = c;
	if (c == '\n' || line->used == sizeof(line->text))
		flush(line);
}

int vprintf(const char *fmt, va_list ap)
{
	struct line_buffer line = {.used = 0};
	int count = vcbprintf(emit, &line, fmt, ap);

	flush(&line);
	return count;
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int count = vprintf(fmt, ap);
	va_end(ap);
	return count;
}
