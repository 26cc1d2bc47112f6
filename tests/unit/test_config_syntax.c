/*
 * Tests for the xl.cfg syntax (tools/config/lexer.c, config_parse.c): settings, separators,
 * comments, strings and their escapes, numbers, lists across lines, `+=' and replacement, and
 * the errors, each at its line and column, with recovery so that one run finds them all.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "config_test.h"

/* Parses only (no domain configuration is read). */
static void parse_only(struct parsed *p, const char *text, size_t length)
{
	memset(p, 0, sizeof(*p));
	config_diag_init(&p->diag, "test.cfg");
	p->parse_result = config_parse(text, length, &p->diag, &p->file);
	p->read_result = -2;
}

static void syntax(struct parsed *p, const char *text)
{
	parse_only(p, text, strlen(text));
}

static const struct config_value *value_of(const struct parsed *p, const char *key)
{
	const struct config_setting *setting = config_find(&p->file, key);

	if (!setting) {
		show_messages(p);
		fail_msg("no setting `%s'", key);
	}
	return setting->value;
}

static const char *string_of(const struct parsed *p, const char *key)
{
	const struct config_value *value = value_of(p, key);

	assert_int_equal(value->kind, CONFIG_STRING);
	return value->string;
}

static void test_settings_and_separators(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p, "a = \"1\"\nb='2'; c = 3;d=4\n\n;;\ne = 5");
	assert_int_equal(p.parse_result, 0);
	assert_int_equal(p.diag.errors, 0);
	assert_int_equal(p.file.count, 5);
	assert_string_equal(string_of(&p, "a"), "1");
	assert_string_equal(string_of(&p, "b"), "2");
	assert_string_equal(string_of(&p, "c"), "3");
	assert_true(value_of(&p, "c")->from_number);
	assert_false(value_of(&p, "a")->from_number);
	assert_string_equal(string_of(&p, "e"), "5"); /* the last setting needs no newline */
	assert_int_equal(value_of(&p, "b")->line, 2);
	assert_int_equal(value_of(&p, "b")->column, 3);
	assert_int_equal(config_find(&p.file, "d")->line, 2);
	assert_int_equal(config_find(&p.file, "d")->column, 14);
	parsed_free(&p);
}

static void test_keys(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p, "on_poweroff = 1\nmemory.max = 2\nx9 = 3\n");
	assert_int_equal(p.parse_result, 0);
	assert_non_null(config_find(&p.file, "memory.max"));
	assert_non_null(config_find(&p.file, "x9"));
	parsed_free(&p);

	/* xl's keys are lower case: Name and on-poweroff are not keys */
	syntax(&p, "Name = \"a\"\non-poweroff = \"destroy\"\n_x = 1\n");
	assert_int_equal(p.parse_result, -1);
	assert_int_equal(p.diag.errors, 3);
	expect_message(&p, CONFIG_ERROR, 1, 1, "invalid key `Name'");
	expect_message(&p, CONFIG_ERROR, 2, 3, "invalid key `on-poweroff'");
	expect_message(&p, CONFIG_ERROR, 3, 1, "unexpected `_'");
	parsed_free(&p);
}

static void test_comments(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p,
	       "# heading\na = 1 # after a value\n   # indented\nb = [ # in a list\n 2, # x\n]\n"
	       "# last line without a newline");
	assert_int_equal(p.parse_result, 0);
	assert_int_equal(p.file.count, 2);
	assert_int_equal(value_of(&p, "b")->count, 1);
	parsed_free(&p);

	/* a '#' inside quotes is text */
	syntax(&p, "a = \"x # y\"\n");
	assert_string_equal(string_of(&p, "a"), "x # y");
	parsed_free(&p);
}

static void test_strings_and_escapes(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p, "a = 'say \"hi\"'\nb = \"it's\"\nc = \"\\\"\\'\\\\\\a\\b\\f\\n\\r\\t\\v\"\n"
		   "d = 'tab\\there'\ne = \"\\x41\\102\\7x\"\nf = \"\"\n");
	assert_int_equal(p.parse_result, 0);
	assert_string_equal(string_of(&p, "a"), "say \"hi\"");
	assert_string_equal(string_of(&p, "b"), "it's");
	assert_string_equal(string_of(&p, "c"), "\"'\\\a\b\f\n\r\t\v");
	assert_string_equal(string_of(&p, "d"), "tab\there");
	assert_string_equal(string_of(&p, "e"), "AB\ax");
	assert_string_equal(string_of(&p, "f"), "");
	assert_true(value_of(&p, "a")->verbatim);
	assert_false(value_of(&p, "c")->verbatim);
	parsed_free(&p);
}

static void test_string_errors(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p, "a = \"open\nb = 'x\\q'\nc = \"\\x4\"\nd = \"\\0\"\ne = \"\\400\"\nf = 'back\\\n"
		   "g = 1\n");
	assert_int_equal(p.parse_result, -1);
	assert_int_equal(p.diag.errors, 6);
	expect_message(&p, CONFIG_ERROR, 1, 5, "unterminated string");
	expect_message(&p, CONFIG_ERROR, 2, 7, "invalid escape `\\q'");
	expect_message(&p, CONFIG_ERROR, 3, 6, "two hex digits");
	expect_message(&p, CONFIG_ERROR, 4, 6, "NUL byte");
	expect_message(&p, CONFIG_ERROR, 5, 6, "\\377");
	expect_message(&p, CONFIG_ERROR, 6, 5, "unterminated string");
	assert_string_equal(string_of(&p, "g"), "1"); /* recovered on the next line */
	parsed_free(&p);
}

static void test_numbers(void **state)
{
	struct parsed p;

	(void)state;
	/* xl keeps the text of a number; its value is read later (strtol, base 0) */
	syntax(&p, "a = 0x1f\nb = 010\nc = 12\n");
	assert_int_equal(p.parse_result, 0);
	assert_string_equal(string_of(&p, "a"), "0x1f");
	assert_string_equal(string_of(&p, "b"), "010");
	parsed_free(&p);

	syntax(&p, "a = 512M\nb = 1.5\nc = 0x1F\nd = -1\n");
	assert_int_equal(p.diag.errors, 4);
	expect_message(&p, CONFIG_ERROR, 1, 5, "invalid number `512M'");
	expect_message(&p, CONFIG_ERROR, 2, 5, "invalid number `1.5'");
	expect_message(&p, CONFIG_ERROR, 3, 5, "invalid number `0x1F'");
	expect_message(&p, CONFIG_ERROR, 4, 5, "unexpected `-'");
	/* ( ) : . - + are what Python configurations have: a note says so */
	assert_true(p.file.looks_like_python);
	assert_non_null(config_diag_find(&p.diag, "Python"));
	parsed_free(&p);
}

static void test_lists(void **state)
{
	struct parsed p;
	const struct config_value *v;

	(void)state;
	syntax(&p, "a = [ 'x', \"y\", 3 ]\nb = []\nc = [\n\n  'one',\n  'two',\n\n]\n"
		   "d = [ ['p', 'q'], [] ,'r' ]\ne = [ 'only' , ]\n");
	assert_int_equal(p.parse_result, 0);
	v = value_of(&p, "a");
	assert_int_equal(v->kind, CONFIG_LIST);
	assert_int_equal(v->count, 3);
	assert_string_equal(v->items[1]->string, "y");
	assert_true(v->items[2]->from_number);
	assert_int_equal(value_of(&p, "b")->count, 0);
	v = value_of(&p, "c");
	assert_int_equal(v->count, 2);
	assert_int_equal(v->items[1]->line, 6);
	assert_int_equal(v->items[1]->column, 3);
	v = value_of(&p, "d");
	assert_int_equal(v->count, 3);
	assert_int_equal(v->items[0]->kind, CONFIG_LIST);
	assert_string_equal(v->items[0]->items[1]->string, "q");
	assert_int_equal(value_of(&p, "e")->count, 1);
	parsed_free(&p);
}

static void test_list_errors(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p, "a = [ , ]\nb = [ 'x' 'y' ]\nc = [ 'x',\nd = 1\ne = [ 'z'\n");
	assert_int_equal(p.parse_result, -1);
	assert_int_equal(p.diag.errors, 4);
	expect_message(&p, CONFIG_ERROR, 1, 7, "expected a value for `a'");
	expect_message(&p, CONFIG_ERROR, 2, 11, "expected `,' or `]'");
	expect_message(&p, CONFIG_ERROR, 4, 1, "found the key `d': is a `]' missing");
	expect_message(&p, CONFIG_ERROR, 6, 1, "the list opened at line 5, column 5 is not closed");
	/* recovery stopped at the key starting line 4 */
	assert_string_equal(string_of(&p, "d"), "1");
	parsed_free(&p);
}

static void test_nesting_limit(void **state)
{
	char text[200] = "a = ";
	struct parsed p;

	(void)state;
	for (int i = 0; i < CONFIG_MAX_LIST_DEPTH; i++)
		strcat(text, "[");
	for (int i = 0; i < CONFIG_MAX_LIST_DEPTH; i++)
		strcat(text, "]");
	syntax(&p, text);
	assert_int_equal(p.parse_result, 0);
	parsed_free(&p);

	strcpy(text, "a = ");
	for (int i = 0; i <= CONFIG_MAX_LIST_DEPTH; i++)
		strcat(text, "[");
	syntax(&p, text);
	assert_int_equal(p.parse_result, -1);
	assert_non_null(config_diag_find(&p.diag, "nested more than"));
	parsed_free(&p);
}

static void test_statement_errors(void **state)
{
	struct parsed p;

	(void)state;
	syntax(&p, "name\nmemory 5\na = 1 b = 2\nc =\nd = ]\n= 3\n'x' = 1\ne + 1\nf = 6\n");
	assert_int_equal(p.parse_result, -1);
	assert_int_equal(p.diag.errors, 8);
	expect_message(&p, CONFIG_ERROR, 1, 5,
		       "expected `=' or `+=' after `name', found end of line");
	expect_message(&p, CONFIG_ERROR, 2, 8, "found the number 5");
	expect_message(&p, CONFIG_ERROR, 3, 7,
		       "expected the end of the line or `;' after the "
		       "value of `a', found the key `b'");
	expect_message(&p, CONFIG_ERROR, 4, 4, "expected a value for `c'");
	expect_message(&p, CONFIG_ERROR, 5, 5, "found `]'");
	expect_message(&p, CONFIG_ERROR, 6, 1, "expected a setting `KEY = VALUE', found `='");
	expect_message(&p, CONFIG_ERROR, 7, 1, "found a string");
	expect_message(&p, CONFIG_ERROR, 8, 3, "did you mean `+='?");
	assert_string_equal(string_of(&p, "f"), "6");
	assert_null(config_find(&p.file, "a"));
	parsed_free(&p);
}

static void test_replace_and_append(void **state)
{
	struct parsed p;
	const struct config_value *v;

	(void)state;
	syntax(&p, "a = 'one'\nb = ['x']\na = 'two'\nb += ['y', 'z']\nc += 'new'\n"
		   "s = 'ab'\ns += \"cd\"\ns += 'ef'\nl = []\nl += ['q']\nb += []\n");
	assert_int_equal(p.parse_result, 0);
	assert_string_equal(string_of(&p, "a"), "two"); /* the later one wins */
	assert_int_equal(config_find(&p.file, "a")->line, 3);
	v = value_of(&p, "b");
	assert_int_equal(v->count, 3);
	assert_string_equal(v->items[0]->string, "x");
	assert_string_equal(v->items[2]->string, "z");
	assert_string_equal(string_of(&p, "c"), "new"); /* += on nothing is = */
	assert_string_equal(string_of(&p, "s"), "abcdef");
	assert_int_equal(config_find(&p.file, "s")->op, CONFIG_APPEND);
	assert_int_equal(value_of(&p, "l")->count, 1);
	assert_int_equal(config_find(&p.file, "a")->op, CONFIG_ASSIGN);
	assert_int_equal(p.file.count, 5);
	parsed_free(&p);

	syntax(&p, "a = 'x'\na += ['y']\nb = ['x']\nb += 'y'\n");
	assert_int_equal(p.diag.errors, 2);
	expect_message(&p, CONFIG_ERROR, 2, 6, "cannot add a list to `a', which is a string");
	expect_message(&p, CONFIG_ERROR, 4, 6, "cannot add a string to `b', which is a list");
	parsed_free(&p);
}

static void test_bytes_xl_refuses(void **state)
{
	static const char nul[] = "a = 1\nb = \"x\0y\"\nc\0 = 2\nd = 3\n";
	struct parsed p;

	(void)state;
	syntax(&p, "a = 1\r\nb = 2\r\n");
	assert_int_equal(p.parse_result, -1);
	assert_int_equal(p.diag.errors, 1); /* said once */
	expect_message(&p, CONFIG_ERROR, 1, 6, "DOS (CR LF) line endings");
	parsed_free(&p);

	parse_only(&p, nul, sizeof(nul) - 1);
	assert_int_equal(p.diag.errors, 2);
	expect_message(&p, CONFIG_ERROR, 2, 7, "NUL byte inside a string");
	expect_message(&p, CONFIG_ERROR, 3, 2, "NUL byte in the file");
	assert_string_equal(string_of(&p, "d"), "3");
	parsed_free(&p);

	syntax(&p, "a = \xc3\xa9\nb = '\xc3\xa9'\n");
	assert_int_equal(p.diag.errors, 1);
	expect_message(&p, CONFIG_ERROR, 1, 5, "unexpected byte 0xc3");
	assert_string_equal(string_of(&p, "b"), "\xc3\xa9"); /* UTF-8 is fine in strings */
	parsed_free(&p);
}

static void test_size_limit(void **state)
{
	size_t length = CONFIG_MAX_FILE_SIZE + 1;
	char *big = malloc(length);
	struct parsed p;

	(void)state;
	assert_non_null(big);
	memset(big, '\n', length);
	parse_only(&p, big, length);
	assert_int_equal(p.parse_result, -1);
	expect_message(&p, CONFIG_ERROR, 0, 0, "at most");
	parsed_free(&p);
	parse_only(&p, big, length - 1);
	assert_int_equal(p.parse_result, 0);
	parsed_free(&p);
	free(big);
}

static void test_diagnostics_print(void **state)
{
	struct parsed p;
	char *out = NULL;
	size_t size = 0;
	FILE *f;

	(void)state;
	syntax(&p, "b = 'x\x1b[2J'\na = ]\n");
	config_note(&p.diag, 0, 0, "whole file");
	config_warning(&p.diag, 1, 0, "whole line");
	f = open_memstream(&out, &size);
	config_diag_print(&p.diag, f);
	fclose(f);
	/* sorted by place, the whole file last; control bytes shown escaped */
	assert_string_equal(out,
			    "test.cfg:1: warning: whole line\n"
			    "test.cfg:2:5: error: expected a value for `a' (a string, a number "
			    "or a list), found `]'\n"
			    "test.cfg: note: whole file\n");
	free(out);
	parsed_free(&p);

	syntax(&p, "a = \"\\q\x1b\"\n");
	f = open_memstream(&out, &size);
	config_diag_print(&p.diag, f);
	fclose(f);
	assert_null(strchr(out, '\x1b'));
	free(out);
	parsed_free(&p);
}

static void test_message_cap(void **state)
{
	char text[4000] = "";
	struct parsed p;

	(void)state;
	for (int i = 0; i < 150; i++)
		strcat(text, "=\n");
	syntax(&p, text);
	assert_int_equal(p.diag.errors, 150);
	assert_int_equal(p.diag.count, CONFIG_DIAG_MAX_MESSAGES);
	assert_int_equal(p.diag.dropped, 150 - CONFIG_DIAG_MAX_MESSAGES);
	parsed_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_and_separators),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_strings_and_escapes),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_statement_errors),
		cmocka_unit_test(test_replace_and_append),
		cmocka_unit_test(test_bytes_xl_refuses),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_diagnostics_print),
		cmocka_unit_test(test_message_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
