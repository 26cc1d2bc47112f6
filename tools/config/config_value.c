/*
 * Strings and lists of an xl-style configuration file (config_value.h): allocation, growth
 * and release. A list owns its items.
 */
#include <stdlib.h>

#include "config_value.h"

struct config_value *config_value_string(char *string, int line, int column)
{
	struct config_value *value = calloc(1, sizeof(*value));

	if (!value)
		return NULL;
	value->kind = CONFIG_STRING;
	value->string = string;
	value->line = line;
	value->column = column;
	return value;
}

struct config_value *config_value_list(int line, int column)
{
	struct config_value *value = calloc(1, sizeof(*value));

	if (!value)
		return NULL;
	value->kind = CONFIG_LIST;
	value->line = line;
	value->column = column;
	return value;
}

int config_value_append(struct config_value *list, struct config_value *item)
{
	if (list->count == list->capacity) {
		size_t capacity = list->capacity ? list->capacity * 2 : 4;
		struct config_value **grown = realloc(list->items, capacity * sizeof(*grown));

		if (!grown) {
			config_value_free(item);
			return -1;
		}
		list->items = grown;
		list->capacity = capacity;
	}
	list->items[list->count++] = item;
	return 0;
}

void config_value_free(struct config_value *value)
{
	if (!value)
		return;
	for (size_t i = 0; i < value->count; i++)
		config_value_free(value->items[i]);
	free(value->items);
	free(value->string);
	free(value);
}

int config_value_column_at(const struct config_value *value, size_t offset)
{
	if (value->kind == CONFIG_STRING && value->verbatim && !value->from_number)
		return value->column + 1 + (int)offset;
	return value->column;
}
