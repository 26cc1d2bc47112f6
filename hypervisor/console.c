/*
 * The hypervisor console. Output goes to every serial port that console= names (COM1 unless
 * told otherwise) and into a ring of recent output that dom0 will read; input from the serial
 * line is queued in a small ring by the receive interrupt. Callers serialise output (printk
 * holds its lock); the input ring has one producer (the interrupt) and one consumer.
 */
#include <console.h>
#include <arch/uart.h>
#include <string.h>
#include <domain.h>
#include <stdbool.h>
#include <hypercall.h>
#include <arch/uaccess.h>
#include <public/xen.h>
#include <public/errno.h>

struct serial_output {
	const char *name;
	uint16_t port;
	uint32_t baud;
	bool wanted;
	bool present;
};

static struct serial_output serial_outputs[] = {
	{"com1", COM1_PORT, 115200, true, false},
	{"com2", COM2_PORT, 115200, false, false},
};
#define NR_SERIAL (sizeof(serial_outputs) / sizeof(serial_outputs[0]))

static char output_ring[CONSOLE_RING_SIZE];
static uint64_t output_written; /* bytes ever written; the ring holds the last ones */

static uint8_t input_ring[CONSOLE_INPUT_SIZE];
static volatile uint32_t input_produced, input_consumed;

void console_init(void)
{
	for (unsigned i = 0; i < NR_SERIAL; i++) {
		struct serial_output *s = &serial_outputs[i];

		s->present = s->wanted && uart_init(s->port, s->baud);
	}
}

int console_set_outputs(const char *list)
{
	bool wanted[NR_SERIAL] = {false};

	while (*list) {
		const char *end = strchr(list, ',');
		size_t length = end ? (size_t)(end - list) : strlen(list);
		bool known = length == 4 && strncmp(list, "none", 4) == 0;

		for (unsigned i = 0; i < NR_SERIAL; i++) {
			if (strlen(serial_outputs[i].name) == length &&
			    strncmp(list, serial_outputs[i].name, length) == 0) {
				wanted[i] = true;
				known = true;
			}
		}
		if (!known)
			return -1;
		list += length;
		if (*list == ',')
			list++;
	}
	for (unsigned i = 0; i < NR_SERIAL; i++)
		serial_outputs[i].wanted = wanted[i];
	console_init();
	return 0;
}

int console_set_com_baud(int port, const char *value)
{
	uint32_t baud = 0;

	if (port < 1 || port > (int)NR_SERIAL)
		return -1;
	for (; *value >= '0' && *value <= '9'; value++)
		baud = baud * 10 + (uint32_t)(*value - '0');
	if (baud < 50 || baud > 115200 || (*value != '\0' && *value != ','))
		return -1;
	serial_outputs[port - 1].baud = baud;
	console_init();
	return 0;
}

static void write_out(const char *text, size_t length, bool to_ring)
{
	for (size_t i = 0; i < length; i++) {
		char c = text[i];

		if (to_ring)
			output_ring[output_written++ % CONSOLE_RING_SIZE] = c;
		for (unsigned s = 0; s < NR_SERIAL; s++) {
			if (!serial_outputs[s].present)
				continue;
			if (c == '\n')
				uart_putc(serial_outputs[s].port, '\r');
			uart_putc(serial_outputs[s].port, c);
		}
	}
}

void console_write(const char *text, size_t length)
{
	write_out(text, length, true);
}

/* A guest's console_io output: on the serial line only, not in the ring dom0 reads (Xen's
 * console_to_ring is off by default). */
static void console_write_guest(const char *text, size_t length)
{
	write_out(text, length, false);
}

size_t console_ring_used(void)
{
	return output_written < CONSOLE_RING_SIZE ? (size_t)output_written : CONSOLE_RING_SIZE;
}

static uint64_t output_consumed; /* what readconsole's clear dropped: bytes before this */

/* The oldest byte a reader gets: the ring's oldest, or after what a clear dropped. */
static uint64_t oldest_kept(uint64_t written)
{
	uint64_t oldest = written > CONSOLE_RING_SIZE ? written - CONSOLE_RING_SIZE : 0;

	return output_consumed > oldest ? output_consumed : oldest;
}

size_t console_ring_read_at(uint64_t *position, char *buffer, size_t size, bool from_oldest)
{
	uint64_t written = __atomic_load_n(&output_written, __ATOMIC_ACQUIRE);
	uint64_t oldest = oldest_kept(written);
	/* A position outside what is kept (older, or past the end) reads from the oldest. */
	uint64_t start = from_oldest || *position < oldest || *position > written ? oldest
										 : *position;
	size_t count = written - start < size ? (size_t)(written - start) : size;

	for (size_t i = 0; i < count; i++)
		buffer[i] = output_ring[(start + i) % CONSOLE_RING_SIZE];
	*position = start + count;
	return count;
}

void console_ring_clear(uint64_t position)
{
	uint64_t written = __atomic_load_n(&output_written, __ATOMIC_ACQUIRE);

	output_consumed = position > written ? written : position;
}

size_t console_ring_read(char *buffer, size_t size)
{
	uint64_t available = output_written < CONSOLE_RING_SIZE ? output_written : CONSOLE_RING_SIZE;
	uint64_t start = output_written - available;
	size_t count = available < size ? (size_t)available : size;

	for (size_t i = 0; i < count; i++)
		buffer[i] = output_ring[(start + i) % CONSOLE_RING_SIZE];
	return count;
}

void console_input_receive(void)
{
	for (unsigned s = 0; s < NR_SERIAL; s++) {
		if (!serial_outputs[s].present)
			continue;
		for (int c; (c = uart_getc(serial_outputs[s].port)) >= 0;) {
			/* A full ring drops the newest byte: dom0 reads what came first. */
			if (input_produced - input_consumed < CONSOLE_INPUT_SIZE) {
				input_ring[input_produced % CONSOLE_INPUT_SIZE] = (uint8_t)c;
				__atomic_store_n(&input_produced, input_produced + 1,
						 __ATOMIC_RELEASE);
			}
		}
	}
}

bool console_input_pending(void)
{
	return __atomic_load_n(&input_consumed, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&input_produced, __ATOMIC_ACQUIRE);
}

int console_input_take(void)
{
	if (__atomic_load_n(&input_consumed, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&input_produced, __ATOMIC_ACQUIRE))
		return -1;
	int c = input_ring[input_consumed % CONSOLE_INPUT_SIZE];

	__atomic_store_n(&input_consumed, input_consumed + 1, __ATOMIC_RELEASE);
	return c;
}

void console_enable_input_interrupts(void)
{
	for (unsigned s = 0; s < NR_SERIAL; s++)
		if (serial_outputs[s].present)
			uart_enable_rx_interrupt(serial_outputs[s].port);
}

/*
 * console_io: the hypervisor console as a guest sees it. CONSOLEIO_write prints the guest's
 * bytes (copied in pieces, so any length is fine and a bad pointer stops the write with
 * -EFAULT); CONSOLEIO_read takes pending input, up to count bytes.
 */
#define CONSOLE_WRITE_SLICE 4096

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer, uint64_t unused4,
		   uint64_t unused5)
{
	char piece[128];

	(void)unused4, (void)unused5;
	/* Only the privileged domain has the hypervisor's console, as in a release build of Xen
	 * (its debug builds let any domain write); the others have their console rings. */
	if (!current_vcpu()->domain->is_privileged)
		return -XEN_EPERM;
	switch (cmd) {
	case CONSOLEIO_write:
		for (uint64_t done = 0; done < count;) {
			/* A slice at a time, so a huge count cannot hold this CPU. */
			if (done >= CONSOLE_WRITE_SLICE)
				return hypercall_continue(__HYPERVISOR_console_io, CONSOLEIO_write,
							  count - done, buffer + done, 0, 0);
			size_t n = count - done < sizeof(piece) ? (size_t)(count - done)
								 : sizeof(piece);

			if (copy_from_guest_raw(piece, buffer + done, n))
				return -XEN_EFAULT;
			console_write_guest(piece, n);
			done += n;
		}
		return 0;
	case CONSOLEIO_read: {
		uint64_t done = 0;

		/* The count is an int in Xen's ABI and the result is the count read: a count that
		 * does not fit would be a result indistinguishable from an error. */
		if ((uint32_t)count > 0x7fffffffu)
			return -XEN_E2BIG;
		count = (uint32_t)count;
		for (int c; done < count && (c = console_input_take()) >= 0; done++) {
			char byte = (char)c;

			if (copy_to_guest_raw(buffer + done, &byte, 1))
				return -XEN_EFAULT;
		}
		return (long)done;
	}
	default:
		return -XEN_ENOSYS;
	}
}
