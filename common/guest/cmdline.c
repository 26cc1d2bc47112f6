/*
 * The kernel command line, from start_info.cmd_line: for dom0 it is the text after the
 * kernel's file name in the boot loader's module line. Words are separated by spaces; a word
 * may be NAME or NAME=VALUE.
 */
#include <stdlib.h>
#include <string.h>
#include <parvus/guest.h>

const char *guest_cmdline(void)
{
	return (const char *)guest_start_info->cmd_line;
}

bool guest_cmdline_has(const char *word)
{
	const char *line = guest_cmdline();
	size_t length = strlen(word);

	/* cmd_line has room for MAX_GUEST_CMDLINE bytes; do not trust it to hold a NUL. */
	size_t end = strnlen(line, MAX_GUEST_CMDLINE);

	for (size_t at = 0; at < end;) {
		size_t word_end = at;
		while (word_end < end && line[word_end] != ' ')
			word_end++;
		if (word_end - at == length && memcmp(line + at, word, length) == 0)
			return true;
		at = word_end + 1;
	}
	return false;
}

bool guest_cmdline_number(const char *name, unsigned long *value)
{
	const char *line = guest_cmdline();
	size_t end = strnlen(line, MAX_GUEST_CMDLINE), length = strlen(name);

	for (size_t at = 0; at < end;) {
		size_t word_end = at;
		while (word_end < end && line[word_end] != ' ')
			word_end++;
		if (word_end - at > length + 1 && memcmp(line + at, name, length) == 0 &&
		    line[at + length] == '=') {
			char number[24];
			size_t digits = word_end - at - length - 1;
			char *stop;

			if (digits >= sizeof(number))
				return false;
			memcpy(number, line + at + length + 1, digits);
			number[digits] = '\0';
			*value = strtoul(number, &stop, 0);
			return *stop == '\0';
		}
		at = word_end + 1;
	}
	return false;
}
