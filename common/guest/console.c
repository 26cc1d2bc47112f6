/*
 * Console output through the hypervisor's console (console_io, CONSOLEIO_write). printf
 * formats with the libc's vcbprintf into a line buffer and writes whole lines, so one line of
 * output is one hypercall and lines from different sources do not interleave mid-line.
 */
#include <stdio.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>

long console_write(const char *text, size_t length)
{
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
