/*
 * The lexer of xl's configuration syntax (xl.cfg(5)), with xl's token rules: keys are a
 * lower-case letter then lower-case letters, digits, '_' and '.'; numbers start with a digit
 * and go on with digits, 'a'-'f' and 'x' (read as numbers only later); strings are quoted with
 * " or ' on one line, with backslash escapes. Spaces and tabs separate tokens; a newline (or a
 * '#' comment up to it) is a token of its own, since it ends a setting.
 *
 * Every lexical error is recorded in the diagnostics and returned as TOKEN_ERROR; the lexer
 * then carries on from the next space or newline, as xl does.
 */
#ifndef PARVUS_CONFIG_LEXER_H
#define PARVUS_CONFIG_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "config_diag.h"

enum token_kind {
	TOKEN_EOF,
	TOKEN_NEWLINE,
	TOKEN_KEY,
	TOKEN_NUMBER,
	TOKEN_STRING,
	TOKEN_EQUALS,	/* = */
	TOKEN_APPEND,	/* += */
	TOKEN_LBRACKET, /* [ */
	TOKEN_RBRACKET, /* ] */
	TOKEN_COMMA,
	TOKEN_SEMICOLON,
	TOKEN_ERROR,
};

struct token {
	enum token_kind kind;
	int line;
	int column;
	char *text;    /* KEY, NUMBER, STRING: malloc'd, owned by whoever holds the token */
	bool verbatim; /* STRING: no escapes, so the text is the bytes between the quotes */
};

struct lexer {
	const char *input;
	size_t length;
	size_t pos;
	int line;
	int column;
	struct config_diag *diag;
	bool reported_carriage_return;
	bool looks_like_python; /* saw ( ) : . - + where xl's old Python configs had them */
};

void lexer_init(struct lexer *lexer, const char *input, size_t length, struct config_diag *diag);

/* The next token into *token; its text (if any) now belongs to the caller. */
void lexer_next(struct lexer *lexer, struct token *token);

/* A printable name of a token kind for messages: "`='", "end of line", "a string", ... */
const char *token_kind_name(enum token_kind kind);

#endif
