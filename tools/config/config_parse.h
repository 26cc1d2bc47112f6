/*
 * The grammar of xl's configuration files (xl.cfg(5)) on top of the lexer: a file is settings
 * `KEY = VALUE' or `KEY += VALUE', ended by a newline or ';' (the last one may end the file), a
 * VALUE is a string, a number or a list `[ VALUE, ... ]' which may span lines and end in a comma.
 *
 * As in xl, a later `=' replaces an earlier setting of the same key, and `+=' appends to it: a
 * string to a string, a list's items to a list. The result holds each key once, with its final
 * value and the position of its last setting.
 */
#ifndef PARVUS_CONFIG_PARSE_H
#define PARVUS_CONFIG_PARSE_H

#include <stddef.h>

#include "config_diag.h"
#include "config_value.h"

/* Files larger than this are refused rather than read: no domain configuration is. */
#define CONFIG_MAX_FILE_SIZE (1024 * 1024)

/* Lists nested deeper than this are refused (xl.cfg lists nest at most two deep). */
#define CONFIG_MAX_LIST_DEPTH 32

enum config_op { CONFIG_ASSIGN, CONFIG_APPEND };

struct config_setting {
	char *key;
	enum config_op op; /* of the last setting of this key */
	int line;	   /* of the key, in the last setting */
	int column;
	struct config_value *value;
};

struct config_file {
	struct config_setting *settings; /* in order of first appearance */
	size_t count;
	size_t capacity;
	bool looks_like_python;
};

/* Parses TEXT into FILE, recording every error in DIAG; returns 0 when there were none. FILE
 * then holds what could be parsed, and must be freed with config_file_free in both cases. */
int config_parse(const char *text, size_t length, struct config_diag *diag,
		 struct config_file *file);

void config_file_free(struct config_file *file);

/* The setting of KEY, or NULL. */
const struct config_setting *config_find(const struct config_file *file, const char *key);

#endif
