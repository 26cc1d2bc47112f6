/*
 * The values of an xl-style configuration file: a value is a string or a list of values.
 * xl keeps numbers as the text that was written and converts them only when a setting is read
 * as a number, so a number token is a string here too, marked as such. Each value remembers
 * where it starts, so that errors found later (in a disk spec, a bad number) can point at it.
 */
#ifndef PARVUS_CONFIG_VALUE_H
#define PARVUS_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>

enum config_value_kind { CONFIG_STRING, CONFIG_LIST };

struct config_value {
	enum config_value_kind kind;
	int line;
	int column;
	bool from_number; /* written as a bare number, not quoted */
	bool verbatim;	  /* a quoted string without escapes: byte i sits at column + 1 + i */
	char *string;	  /* CONFIG_STRING: the text, escapes decoded, never holding a NUL */
	struct config_value **items; /* CONFIG_LIST */
	size_t count;
	size_t capacity;
};

/* Both take ownership of nothing and return NULL when memory runs out. */
struct config_value *config_value_string(char *string, int line, int column);
struct config_value *config_value_list(int line, int column);

/* Appends ITEM to LIST (taking ownership); -1 when memory runs out (ITEM is then freed). */
int config_value_append(struct config_value *list, struct config_value *item);

void config_value_free(struct config_value *value);

/* The column of byte OFFSET of a string value, or the value's own column when escapes make it
 * unknown: for errors inside disk and vif specs. */
int config_value_column_at(const struct config_value *value, size_t offset);

#endif
