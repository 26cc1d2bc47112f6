/*
 * The lexer of xl's configuration syntax (lexer.h). It reads the whole file from memory and
 * hands out one token at a time with its line and column (both from 1, columns in bytes).
 * Token rules are xl's (libxlu's flex scanner); the messages are ours, and say what was
 * expected. A NUL byte, which xl's scanner would take as text, is refused everywhere.
 */
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

void lexer_init(struct lexer *lexer, const char *input, size_t length, struct config_diag *diag)
{
	memset(lexer, 0, sizeof(*lexer));
	lexer->input = input;
	lexer->length = length;
	lexer->line = 1;
	lexer->column = 1;
	lexer->diag = diag;
}

const char *token_kind_name(enum token_kind kind)
{
	switch (kind) {
	case TOKEN_EOF:
		return "end of file";
	case TOKEN_NEWLINE:
		return "end of line";
	case TOKEN_KEY:
		return "a key";
	case TOKEN_NUMBER:
		return "a number";
	case TOKEN_STRING:
		return "a string";
	case TOKEN_EQUALS:
		return "`='";
	case TOKEN_APPEND:
		return "`+='";
	case TOKEN_LBRACKET:
		return "`['";
	case TOKEN_RBRACKET:
		return "`]'";
	case TOKEN_COMMA:
		return "`,'";
	case TOKEN_SEMICOLON:
		return "`;'";
	case TOKEN_ERROR:
		break;
	}
	return "an invalid token";
}

static int peek(const struct lexer *lexer, size_t ahead)
{
	if (lexer->pos + ahead >= lexer->length)
		return -1;
	return (unsigned char)lexer->input[lexer->pos + ahead];
}

static void advance(struct lexer *lexer)
{
	if (lexer->input[lexer->pos] == '\n') {
		lexer->line++;
		lexer->column = 1;
	} else {
		lexer->column++;
	}
	lexer->pos++;
}

static bool is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_key_char(int c)
{
	return is_lower(c) || is_digit(c) || c == '_' || c == '.';
}

static bool is_number_char(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || c == 'x';
}

/* The characters a user would think belong to a key or number written next to each other. */
static bool is_word_char(int c)
{
	return is_key_char(c) || (c >= 'A' && c <= 'Z') || c == '-';
}

static char *copy_range(const struct lexer *lexer, size_t start, size_t end)
{
	return strndup(lexer->input + start, end - start);
}

/* After a lexical error xl skips to the next blank or newline; so do we. */
static void skip_to_blank(struct lexer *lexer)
{
	int c;

	while ((c = peek(lexer, 0)) >= 0 && c != ' ' && c != '\t' && c != '\n')
		advance(lexer);
}

static void set_token(struct token *token, enum token_kind kind, int line, int column)
{
	token->kind = kind;
	token->line = line;
	token->column = column;
	token->text = NULL;
	token->verbatim = false;
}

/* A key or a number: the whole word is read, then checked against xl's rule for its kind. */
static void lex_word(struct lexer *lexer, struct token *token)
{
	size_t start = lexer->pos;
	int line = lexer->line, column = lexer->column;
	bool number = is_digit(peek(lexer, 0));
	size_t bad = 0;
	bool valid = true;

	while (is_word_char(peek(lexer, 0))) {
		int c = peek(lexer, 0);

		if (valid && !(number ? is_number_char(c) : is_key_char(c))) {
			valid = false;
			bad = lexer->pos;
		}
		advance(lexer);
	}
	if (!number && !is_lower((unsigned char)lexer->input[start])) {
		valid = false;
		bad = start;
	}
	if (valid) {
		set_token(token, number ? TOKEN_NUMBER : TOKEN_KEY, line, column);
		token->text = copy_range(lexer, start, lexer->pos);
		if (!token->text) {
			config_error(lexer->diag, line, column, "out of memory");
			token->kind = TOKEN_ERROR;
		}
		return;
	}
	set_token(token, TOKEN_ERROR, line, column);
	if (number)
		config_error(lexer->diag, line, column,
			     "invalid number `%.*s': a number is decimal digits, or 0x and hex "
			     "digits (a leading 0 means octal); sizes are plain numbers, in MiB",
			     (int)(lexer->pos - start), lexer->input + start);
	else
		config_error(
			lexer->diag, line, column + (int)(bad - start),
			"invalid key `%.*s': a key is a lower-case letter followed by lower-case "
			"letters, digits, `_' or `.'",
			(int)(lexer->pos - start), lexer->input + start);
	skip_to_blank(lexer);
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * One escape after a backslash (the lexer is on the character after it). Returns the byte, or
 * -1 after recording an error. xl's escapes: \" \' \\ \a \b \f \n \r \t \v, \xHH and \OOO.
 */
static int lex_escape(struct lexer *lexer, int line, int column)
{
	static const char simple_in[] = "\"'\\abfnrtv";
	static const char simple_out[] = "\"'\\\a\b\f\n\r\t\v";
	int c = peek(lexer, 0);
	const char *simple = c > 0 ? strchr(simple_in, c) : NULL;
	int value = 0, digits = 0;

	if (simple) {
		advance(lexer);
		return (unsigned char)simple_out[simple - simple_in];
	}
	if (c == 'x') {
		advance(lexer);
		for (; digits < 2 && hex_value(peek(lexer, 0)) >= 0; digits++) {
			value = value * 16 + hex_value(peek(lexer, 0));
			advance(lexer);
		}
		if (digits < 2) {
			config_error(lexer->diag, line, column,
				     "invalid escape: `\\x' must be followed by two hex digits");
			return -1;
		}
	} else if (c >= '0' && c <= '7') {
		for (; digits < 3 && peek(lexer, 0) >= '0' && peek(lexer, 0) <= '7'; digits++) {
			value = value * 8 + (peek(lexer, 0) - '0');
			advance(lexer);
		}
		if (value > 0xff) {
			config_error(lexer->diag, line, column,
				     "invalid escape: octal escapes go up to \\377");
			return -1;
		}
	} else {
		if (c >= 0x20 && c < 0x7f)
			config_error(
				lexer->diag, line, column,
				"invalid escape `\\%c' in a string: the escapes are \\\" \\' \\\\ "
				"\\a \\b \\f \\n \\r \\t \\v, \\xHH and \\OOO (octal)",
				c);
		else
			config_error(lexer->diag, line, column,
				     "invalid escape: a backslash followed by byte 0x%02x", c);
		if (c >= 0 && c != '\n')
			advance(lexer);
		return -1;
	}
	if (value == 0) {
		config_error(lexer->diag, line, column,
			     "invalid escape: a string cannot hold a NUL byte");
		return -1;
	}
	return value;
}

static void lex_string(struct lexer *lexer, struct token *token)
{
	int line = lexer->line, column = lexer->column;
	int quote = peek(lexer, 0);
	size_t capacity = 16, length = 0;
	char *text = malloc(capacity);
	bool failed = false, verbatim = true;
	int c;

	set_token(token, TOKEN_ERROR, line, column);
	advance(lexer); /* the opening quote */
	for (;;) {
		int byte;

		c = peek(lexer, 0);
		if (c < 0 || c == '\n') {
			config_error(
				lexer->diag, line, column,
				"unterminated string: the closing %c is missing (a string ends "
				"on the line it starts)",
				quote);
			free(text);
			return;
		}
		if (c == quote) {
			advance(lexer);
			break;
		}
		if (c == '\\') {
			int escape_column = lexer->column;

			verbatim = false;
			advance(lexer);
			if (peek(lexer, 0) < 0 || peek(lexer, 0) == '\n')
				continue; /* reported as unterminated above */
			byte = lex_escape(lexer, lexer->line, escape_column);
			if (byte < 0) {
				failed = true;
				continue;
			}
		} else if (c == 0) {
			config_error(lexer->diag, lexer->line, lexer->column,
				     "a NUL byte inside a string");
			failed = true;
			advance(lexer);
			continue;
		} else {
			byte = c;
			advance(lexer);
		}
		if (text && length + 1 >= capacity) {
			char *grown = realloc(text, capacity * 2);

			if (!grown) {
				free(text);
				text = NULL;
			} else {
				text = grown;
				capacity *= 2;
			}
		}
		if (text)
			text[length++] = (char)byte;
	}
	if (!text) {
		config_error(lexer->diag, line, column, "out of memory");
		return;
	}
	if (failed) {
		free(text);
		return;
	}
	text[length] = '\0';
	token->kind = TOKEN_STRING;
	token->text = text;
	token->verbatim = verbatim;
}

static void unexpected(struct lexer *lexer, struct token *token, int c)
{
	int line = lexer->line, column = lexer->column;

	set_token(token, TOKEN_ERROR, line, column);
	if (strchr("():.-+", c))
		lexer->looks_like_python = true;
	if (c == 0)
		config_error(lexer->diag, line, column, "a NUL byte in the file");
	else if (c == '+')
		config_error(lexer->diag, line, column, "unexpected `+': did you mean `+='?");
	else if (c > 0x20 && c < 0x7f)
		config_error(
			lexer->diag, line, column,
			"unexpected `%c': expected a key, `=', `+=', a quoted string, a number, "
			"a list in `[ ]', `,', `;' or the end of the line",
			c);
	else
		config_error(lexer->diag, line, column,
			     "unexpected byte 0x%02x: outside quoted strings and comments a "
			     "configuration file is plain ASCII",
			     c);
	advance(lexer);
	skip_to_blank(lexer);
}

void lexer_next(struct lexer *lexer, struct token *token)
{
	for (;;) {
		int c = peek(lexer, 0);
		int line = lexer->line, column = lexer->column;

		if (c < 0) {
			set_token(token, TOKEN_EOF, line, column);
			return;
		}
		switch (c) {
		case ' ':
		case '\t':
			advance(lexer);
			continue;
		case '\r':
			/* xl stops at these; one message is enough to say why. */
			if (!lexer->reported_carriage_return)
				config_error(
					lexer->diag, line, column,
					"carriage return: the file has DOS (CR LF) line endings; "
					"xl reads only Unix ones (convert it with dos2unix)");
			lexer->reported_carriage_return = true;
			advance(lexer);
			continue;
		case '#':
			while (peek(lexer, 0) >= 0 && peek(lexer, 0) != '\n')
				advance(lexer);
			continue;
		case '\n':
			set_token(token, TOKEN_NEWLINE, line, column);
			advance(lexer);
			return;
		case '"':
		case '\'':
			lex_string(lexer, token);
			return;
		case '=':
			set_token(token, TOKEN_EQUALS, line, column);
			advance(lexer);
			return;
		case '[':
			set_token(token, TOKEN_LBRACKET, line, column);
			advance(lexer);
			return;
		case ']':
			set_token(token, TOKEN_RBRACKET, line, column);
			advance(lexer);
			return;
		case ',':
			set_token(token, TOKEN_COMMA, line, column);
			advance(lexer);
			return;
		case ';':
			set_token(token, TOKEN_SEMICOLON, line, column);
			advance(lexer);
			return;
		case '+':
			if (peek(lexer, 1) == '=') {
				set_token(token, TOKEN_APPEND, line, column);
				advance(lexer);
				advance(lexer);
				return;
			}
			break;
		default:
			if (is_word_char(c) && c != '-' && c != '.' && c != '_') {
				lex_word(lexer, token);
				return;
			}
			break;
		}
		unexpected(lexer, token, c);
		return;
	}
}
