/*
 * Diagnostics of the domain configuration parser: every error and warning found while reading
 * one file, in the order found, each with the line and column it is about. Nothing is printed
 * while parsing; the caller prints the list (config_diag_print) or, in tests, inspects it.
 * A file with any error is refused as a whole, as xl refuses it.
 */
#ifndef PARVUS_CONFIG_DIAG_H
#define PARVUS_CONFIG_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum config_severity { CONFIG_ERROR, CONFIG_WARNING, CONFIG_NOTE };

/* line 0: about the whole file; column 0: about the whole line. Both count from 1. */
struct config_message {
	enum config_severity severity;
	int line;
	int column;
	char *text;
};

/* At most this many messages are kept; the rest are only counted. */
#define CONFIG_DIAG_MAX_MESSAGES 100

struct config_diag {
	const char *source; /* the file name shown in front of every message */
	struct config_message *messages;
	size_t count;
	size_t capacity;
	unsigned int errors;
	unsigned int warnings;
	unsigned int dropped; /* messages past CONFIG_DIAG_MAX_MESSAGES */
};

void config_diag_init(struct config_diag *diag, const char *source);
void config_diag_free(struct config_diag *diag);

void config_error(struct config_diag *diag, int line, int column, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
void config_warning(struct config_diag *diag, int line, int column, const char *format, ...)
	__attribute__((format(printf, 4, 5)));
void config_note(struct config_diag *diag, int line, int column, const char *format, ...)
	__attribute__((format(printf, 4, 5)));

/* "SOURCE:LINE:COLUMN: error: TEXT", one a line; control bytes in TEXT are shown as \xHH. */
void config_diag_print(const struct config_diag *diag, FILE *out);

/* The first kept message whose text contains NEEDLE, or NULL (for tests). */
const struct config_message *config_diag_find(const struct config_diag *diag, const char *needle);

#endif
