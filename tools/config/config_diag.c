/*
 * Diagnostics of the domain configuration parser (config_diag.h): a growing list of messages
 * with their positions. Memory running out while recording a message is not an error of the
 * file: the message is then counted but not kept.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"

void config_diag_init(struct config_diag *diag, const char *source)
{
	memset(diag, 0, sizeof(*diag));
	diag->source = source;
}

void config_diag_free(struct config_diag *diag)
{
	for (size_t i = 0; i < diag->count; i++)
		free(diag->messages[i].text);
	free(diag->messages);
	diag->messages = NULL;
	diag->count = diag->capacity = 0;
}

static void record(struct config_diag *diag, enum config_severity severity, int line, int column,
		   const char *format, va_list args)
{
	struct config_message *message;
	char *text;

	if (severity == CONFIG_ERROR)
		diag->errors++;
	else if (severity == CONFIG_WARNING)
		diag->warnings++;

	if (diag->count >= CONFIG_DIAG_MAX_MESSAGES) {
		diag->dropped++;
		return;
	}
	if (diag->count == diag->capacity) {
		size_t capacity = diag->capacity ? diag->capacity * 2 : 8;
		struct config_message *grown;

		grown = realloc(diag->messages, capacity * sizeof(*grown));
		if (!grown) {
			diag->dropped++;
			return;
		}
		diag->messages = grown;
		diag->capacity = capacity;
	}
	if (vasprintf(&text, format, args) < 0) {
		diag->dropped++;
		return;
	}
	message = &diag->messages[diag->count++];
	message->severity = severity;
	message->line = line;
	message->column = column;
	message->text = text;
}

void config_error(struct config_diag *diag, int line, int column, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	record(diag, CONFIG_ERROR, line, column, format, args);
	va_end(args);
}

void config_warning(struct config_diag *diag, int line, int column, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	record(diag, CONFIG_WARNING, line, column, format, args);
	va_end(args);
}

void config_note(struct config_diag *diag, int line, int column, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	record(diag, CONFIG_NOTE, line, column, format, args);
	va_end(args);
}

/* Messages quote the file's own text, which may hold terminal escape sequences. */
static void print_safely(const char *text, FILE *out)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
}

/* Messages print in file order, those about the whole file last; equal places keep the order
 * they were found in. */
static bool comes_before(const struct config_message *a, const struct config_message *b)
{
	if (a->line != b->line)
		return b->line == 0 || (a->line != 0 && a->line < b->line);
	return a->column < b->column;
}

void config_diag_print(const struct config_diag *diag, FILE *out)
{
	static const char *const names[] = {"error", "warning", "note"};
	const struct config_message *order[CONFIG_DIAG_MAX_MESSAGES];

	for (size_t i = 0; i < diag->count; i++) {
		size_t j = i;

		for (; j > 0 && comes_before(&diag->messages[i], order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = &diag->messages[i];
	}
	for (size_t i = 0; i < diag->count; i++) {
		const struct config_message *m = order[i];

		print_safely(diag->source, out);
		if (m->line > 0 && m->column > 0)
			fprintf(out, ":%d:%d", m->line, m->column);
		else if (m->line > 0)
			fprintf(out, ":%d", m->line);
		fprintf(out, ": %s: ", names[m->severity]);
		print_safely(m->text, out);
		fputc('\n', out);
	}
	if (diag->dropped) {
		print_safely(diag->source, out);
		fprintf(out, ": note: %u more messages not shown\n", diag->dropped);
	}
}

const struct config_message *config_diag_find(const struct config_diag *diag, const char *needle)
{
	for (size_t i = 0; i < diag->count; i++)
		if (strstr(diag->messages[i].text, needle))
			return &diag->messages[i];
	return NULL;
}
