/*
 * Helpers shared by the tests of tools/config (test_config_*.c): parse a text held in the test,
 * and check the diagnostics it produced by position and by words of the message.
 */
#ifndef PARVUS_CONFIG_TEST_H
#define PARVUS_CONFIG_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config_diag.h"
#include "config_parse.h"
#include "domain_config.h"

struct parsed {
	struct config_diag diag;
	struct config_file file;
	struct domain_config config;
	int parse_result;
	int read_result; /* -2 when parsing failed and nothing was read */
};

/* Parses TEXT, and reads the domain configuration if it parsed. */
static inline void parse_text(struct parsed *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	config_diag_init(&p->diag, "test.cfg");
	p->parse_result = config_parse(text, strlen(text), &p->diag, &p->file);
	p->read_result = -2;
	if (p->parse_result == 0)
		p->read_result = domain_config_read(&p->file, &p->diag, &p->config);
}

static inline void parsed_free(struct parsed *p)
{
	if (p->read_result == 0)
		domain_config_free(&p->config);
	config_file_free(&p->file);
	config_diag_free(&p->diag);
}

/* Prints the messages, to see why a check failed. */
static inline void show_messages(const struct parsed *p)
{
	for (size_t i = 0; i < p->diag.count; i++)
		print_message("  message %d:%d: %s\n", p->diag.messages[i].line,
			      p->diag.messages[i].column, p->diag.messages[i].text);
}

/* A message of SEVERITY at LINE:COLUMN whose text holds NEEDLE must be there. */
static inline void expect_message(const struct parsed *p, enum config_severity severity, int line,
				  int column, const char *needle)
{
	for (size_t i = 0; i < p->diag.count; i++) {
		const struct config_message *m = &p->diag.messages[i];

		if (m->severity == severity && m->line == line && m->column == column &&
		    strstr(m->text, needle))
			return;
	}
	show_messages(p);
	fail_msg("no %s at %d:%d holding \"%s\"", severity == CONFIG_ERROR ? "error" : "warning",
		 line, column, needle);
}

/* The file must be valid: parsed and read without errors. */
static inline void expect_valid(struct parsed *p, const char *text)
{
	parse_text(p, text);
	if (p->parse_result || p->read_result || p->diag.errors) {
		show_messages(p);
		fail_msg("expected a valid configuration");
	}
}

/* The file must be refused with exactly ERRORS errors. */
static inline void expect_errors(struct parsed *p, const char *text, unsigned int errors)
{
	parse_text(p, text);
	if (p->diag.errors != errors || (p->parse_result == 0 && p->read_result == 0)) {
		show_messages(p);
		fail_msg("expected %u errors, got %u", errors, p->diag.errors);
	}
}

#define MINIMAL "name = \"g\"\nkernel = \"/k\"\n"

#endif
