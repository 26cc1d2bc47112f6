/*
 * parvus-config-check FILE: reads a domain configuration file in xl syntax, as `parvus create'
 * will, and prints the resolved configuration (every default made explicit, in xl syntax) on
 * standard output, or the errors on standard error. Warnings go to standard error in both
 * cases. Exit status: 0 valid, 1 invalid (or unreadable), 2 wrong usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"
#include "config_parse.h"
#include "domain_config.h"

/* The whole file, or NULL with errno; one byte past the limit is read to notice a larger file. */
static char *read_file(const char *path, size_t *length)
{
	FILE *f = fopen(path, "rb");
	char *text;

	if (!f)
		return NULL;
	text = malloc(CONFIG_MAX_FILE_SIZE + 1);
	if (!text) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	*length = fread(text, 1, CONFIG_MAX_FILE_SIZE + 1, f);
	if (ferror(f)) {
		int saved = errno ? errno : EIO;

		fclose(f);
		free(text);
		errno = saved;
		return NULL;
	}
	fclose(f);
	return text;
}

int main(int argc, char **argv)
{
	struct config_diag diag;
	struct config_file file;
	struct domain_config config;
	size_t length;
	char *text;
	int status = 1;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: parvus-config-check FILE\n"
				"Checks a domain configuration file (xl.cfg syntax, see "
				"docs/domain-config.md)\n"
				"and prints it resolved, with every default explicit.\n");
		return 2;
	}
	text = read_file(argv[1], &length);
	if (!text) {
		fprintf(stderr, "%s: cannot read: %s\n", argv[1], strerror(errno));
		return 1;
	}
	config_diag_init(&diag, argv[1]);
	if (!config_parse(text, length, &diag, &file) &&
	    !domain_config_read(&file, &diag, &config)) {
		domain_config_print(&config, stdout);
		domain_config_free(&config);
		status = 0;
	}
	config_diag_print(&diag, stderr);
	config_file_free(&file);
	config_diag_free(&diag);
	free(text);
	return status;
}
