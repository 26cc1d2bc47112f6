/*
 * The grammar of xl's configuration files (config_parse.h), by recursive descent over the
 * lexer's tokens. It accepts what xl's bison grammar (libxlu) accepts, and on an error skips to
 * the end of the setting, as xl does, so that one run reports every broken setting.
 *
 * Recovery knows one thing xl's does not: a key never appears inside a list, so a key at the
 * start of a line after an error starts a new setting even when a list was left open.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config_parse.h"
#include "lexer.h"

struct parser {
	struct lexer lexer;
	struct token token;
	enum token_kind previous; /* kind of the token before the current one */
	int depth;		  /* lists open at the current token */
	struct config_diag *diag;
	struct config_file *file;
};

static void next(struct parser *p)
{
	free(p->token.text);
	p->previous = p->token.kind;
	lexer_next(&p->lexer, &p->token);
}

static char *take_text(struct parser *p)
{
	char *text = p->token.text;

	p->token.text = NULL;
	return text;
}

/* "a string", "the key `memory'", ... for "found ..." in messages. */
static void describe_token(const struct token *token, char *buffer, size_t size)
{
	if (token->kind == TOKEN_KEY)
		snprintf(buffer, size, "the key `%.40s'", token->text);
	else if (token->kind == TOKEN_NUMBER)
		snprintf(buffer, size, "the number %.40s", token->text);
	else
		snprintf(buffer, size, "%s", token_kind_name(token->kind));
}

/* An error at the current token, unless the lexer already reported it. */
static void error_here(struct parser *p, const char *expected)
{
	char found[64];

	if (p->token.kind == TOKEN_ERROR)
		return;
	describe_token(&p->token, found, sizeof(found));
	config_error(p->diag, p->token.line, p->token.column, "expected %s, found %s", expected,
		     found);
}

/* Skips the rest of a broken setting: to the end of its line outside any list, or to a key
 * that starts a line. */
static void recover(struct parser *p)
{
	int depth = p->depth;

	for (;;) {
		switch (p->token.kind) {
		case TOKEN_EOF:
			p->depth = 0;
			return;
		case TOKEN_KEY:
			if (p->previous == TOKEN_NEWLINE) {
				p->depth = 0;
				return;
			}
			break;
		case TOKEN_NEWLINE:
			if (depth <= 0) {
				p->depth = 0;
				return;
			}
			break;
		case TOKEN_LBRACKET:
			depth++;
			break;
		case TOKEN_RBRACKET:
			depth--;
			break;
		default:
			break;
		}
		next(p);
	}
}

static void skip_newlines(struct parser *p)
{
	while (p->token.kind == TOKEN_NEWLINE)
		next(p);
}

static struct config_value *parse_value(struct parser *p, const char *key);

static struct config_value *parse_list(struct parser *p, const char *key)
{
	int line = p->token.line, column = p->token.column;
	struct config_value *list;

	if (p->depth >= CONFIG_MAX_LIST_DEPTH) {
		config_error(p->diag, line, column, "lists nested more than %d deep",
			     CONFIG_MAX_LIST_DEPTH);
		return NULL;
	}
	list = config_value_list(line, column);
	if (!list) {
		config_error(p->diag, line, column, "out of memory");
		return NULL;
	}
	p->depth++;
	next(p);
	skip_newlines(p);
	if (p->token.kind == TOKEN_RBRACKET)
		goto close;
	for (;;) {
		struct config_value *item = parse_value(p, key);

		if (!item)
			goto fail;
		if (config_value_append(list, item)) {
			config_error(p->diag, line, column, "out of memory");
			goto fail;
		}
		skip_newlines(p);
		if (p->token.kind == TOKEN_COMMA) {
			next(p);
			skip_newlines(p);
			if (p->token.kind == TOKEN_RBRACKET)
				goto close;
			continue;
		}
		if (p->token.kind == TOKEN_RBRACKET)
			goto close;
		if (p->token.kind == TOKEN_KEY || p->token.kind == TOKEN_EOF) {
			config_error(
				p->diag, p->token.line, p->token.column,
				"the list opened at line %d, column %d is not closed: expected "
				"`,' or `]' before %s",
				line, column,
				p->token.kind == TOKEN_KEY ? "the next setting" : "the end");
		} else {
			error_here(p, "`,' or `]' after a list item");
		}
		goto fail;
	}
close:
	p->depth--;
	next(p);
	return list;
fail:
	config_value_free(list);
	return NULL;
}

static struct config_value *parse_value(struct parser *p, const char *key)
{
	struct config_value *value;
	char expected[96];

	switch (p->token.kind) {
	case TOKEN_STRING:
	case TOKEN_NUMBER:
		value = config_value_string(NULL, p->token.line, p->token.column);
		if (!value) {
			config_error(p->diag, p->token.line, p->token.column, "out of memory");
			return NULL;
		}
		value->from_number = p->token.kind == TOKEN_NUMBER;
		value->verbatim = p->token.verbatim;
		value->string = take_text(p);
		next(p);
		return value;
	case TOKEN_LBRACKET:
		return parse_list(p, key);
	case TOKEN_KEY:
		if (p->depth > 0) {
			config_error(
				p->diag, p->token.line, p->token.column,
				"expected a list item, found the key `%.40s': is a `]' missing "
				"before it?",
				p->token.text);
			return NULL;
		}
		break;
	default:
		break;
	}
	snprintf(expected, sizeof(expected), "a value for `%.40s' (a string, a number or a list)",
		 key);
	error_here(p, expected);
	return NULL;
}

static struct config_setting *find_setting(struct config_file *file, const char *key)
{
	for (size_t i = 0; i < file->count; i++)
		if (!strcmp(file->settings[i].key, key))
			return &file->settings[i];
	return NULL;
}

/* `+=': PREVIOUS's content goes in front of VALUE's, as xl does. 0, or -1 after an error. */
static int append_to(struct parser *p, const struct config_setting *previous,
		     struct config_value *value)
{
	struct config_value *old = previous->value;

	if (old->kind != value->kind) {
		config_error(p->diag, value->line, value->column,
			     "`+=' cannot add a %s to `%s', which is a %s (set at line %d)",
			     value->kind == CONFIG_LIST ? "list" : "string", previous->key,
			     old->kind == CONFIG_LIST ? "list" : "string", previous->line);
		return -1;
	}
	if (value->kind == CONFIG_STRING) {
		char *joined;

		if (asprintf(&joined, "%s%s", old->string, value->string) < 0) {
			config_error(p->diag, value->line, value->column, "out of memory");
			return -1;
		}
		free(value->string);
		value->string = joined;
		value->verbatim = false;
		value->from_number = false;
		return 0;
	}
	if (old->count) {
		size_t count = old->count + value->count;
		struct config_value **items = malloc(count * sizeof(*items));

		if (!items) {
			config_error(p->diag, value->line, value->column, "out of memory");
			return -1;
		}
		memcpy(items, old->items, old->count * sizeof(*items));
		if (value->count)
			memcpy(items + old->count, value->items, value->count * sizeof(*items));
		free(value->items);
		value->items = items;
		value->count = value->capacity = count;
		old->count = 0; /* its items moved */
	}
	return 0;
}

static void store(struct parser *p, char *key, enum config_op op, int line, int column,
		  struct config_value *value)
{
	struct config_setting *setting = find_setting(p->file, key);

	if (setting) {
		if (op == CONFIG_APPEND && append_to(p, setting, value)) {
			config_value_free(value);
			free(key);
			return;
		}
		free(key);
		config_value_free(setting->value);
	} else {
		struct config_file *file = p->file;

		if (file->count == file->capacity) {
			size_t capacity = file->capacity ? file->capacity * 2 : 16;
			struct config_setting *grown =
				realloc(file->settings, capacity * sizeof(*grown));

			if (!grown) {
				config_error(p->diag, line, column, "out of memory");
				config_value_free(value);
				free(key);
				return;
			}
			file->settings = grown;
			file->capacity = capacity;
		}
		setting = &file->settings[file->count++];
		setting->key = key;
	}
	setting->op = op;
	setting->line = line;
	setting->column = column;
	setting->value = value;
}

static void parse_setting(struct parser *p)
{
	int line = p->token.line, column = p->token.column;
	char *key = take_text(p);
	struct config_value *value;
	enum config_op op;
	char expected[96];

	next(p);
	if (p->token.kind != TOKEN_EQUALS && p->token.kind != TOKEN_APPEND) {
		snprintf(expected, sizeof(expected), "`=' or `+=' after `%.40s'", key);
		error_here(p, expected);
		goto fail;
	}
	op = p->token.kind == TOKEN_APPEND ? CONFIG_APPEND : CONFIG_ASSIGN;
	next(p);
	value = parse_value(p, key);
	if (!value)
		goto fail;
	if (p->token.kind != TOKEN_NEWLINE && p->token.kind != TOKEN_SEMICOLON &&
	    p->token.kind != TOKEN_EOF) {
		snprintf(expected, sizeof(expected),
			 "the end of the line or `;' after the value of `%.40s'", key);
		error_here(p, expected);
		config_value_free(value);
		goto fail;
	}
	store(p, key, op, line, column, value);
	return;
fail:
	free(key);
	recover(p);
}

int config_parse(const char *text, size_t length, struct config_diag *diag,
		 struct config_file *file)
{
	unsigned int errors_before = diag->errors;
	struct parser p;

	memset(file, 0, sizeof(*file));
	if (length > CONFIG_MAX_FILE_SIZE) {
		config_error(diag, 0, 0,
			     "the file is %zu bytes long; a domain configuration is "
			     "at most %d",
			     length, CONFIG_MAX_FILE_SIZE);
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.diag = diag;
	p.file = file;
	lexer_init(&p.lexer, text, length, diag);
	p.previous = TOKEN_NEWLINE;
	lexer_next(&p.lexer, &p.token);

	while (p.token.kind != TOKEN_EOF) {
		switch (p.token.kind) {
		case TOKEN_NEWLINE:
		case TOKEN_SEMICOLON:
			next(&p);
			break;
		case TOKEN_KEY:
			parse_setting(&p);
			break;
		default:
			error_here(&p, "a setting `KEY = VALUE'");
			next(&p);
			recover(&p);
			break;
		}
	}
	free(p.token.text);
	file->looks_like_python = p.lexer.looks_like_python;
	if (diag->errors != errors_before && file->looks_like_python)
		config_note(diag, 0, 0,
			    "this looks like Python (xm's configuration format); xl does not run "
			    "Python: see https://wiki.xenproject.org/wiki/PythonInXlConfig");
	return diag->errors == errors_before ? 0 : -1;
}

void config_file_free(struct config_file *file)
{
	for (size_t i = 0; i < file->count; i++) {
		free(file->settings[i].key);
		config_value_free(file->settings[i].value);
	}
	free(file->settings);
	memset(file, 0, sizeof(*file));
}

const struct config_setting *config_find(const struct config_file *file, const char *key)
{
	for (size_t i = 0; i < file->count; i++)
		if (!strcmp(file->settings[i].key, key))
			return &file->settings[i];
	return NULL;
}
