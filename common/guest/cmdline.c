/*
 * The kernel command line, from start_info.cmd_line: for dom0 it is the text after the
 * kernel's file name in the boot loader's module line. Words are separated by spaces; a word
 * may be NAME or NAME=VALUE.
 */
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
