/*
 * Parsing the hypervisor command line: words separated by spaces, each "name", "no-name" or
 * "name=value". Each option has a handler in the table below; the handler returns 0 or says
 * what is wrong with the value. Nothing is ignored in silence.
 */
#include <cmdline.h>
#include <console.h>
#include <printk.h>
#include <stdlib.h>
#include <string.h>

struct boot_options boot_options = {.smp = true};

struct option {
	const char *name;
	const char *help;
	/* value is NULL for a bare word; negated for "no-name". Returns an error or NULL. */
	const char *(*apply)(const char *value, bool negated);
};

static const char *parse_flag(const char *value, bool negated, bool *out)
{
	bool on = true;

	if (value) {
		if (!strcmp(value, "1") || !strcmp(value, "yes") || !strcmp(value, "true") ||
		    !strcmp(value, "on"))
			on = true;
		else if (!strcmp(value, "0") || !strcmp(value, "no") || !strcmp(value, "false") ||
			 !strcmp(value, "off"))
			on = false;
		else
			return "expected a boolean (yes/no, on/off, true/false, 1/0)";
	}
	*out = negated ? !on : on;
	return NULL;
}

static const char *need_value(const char *value, bool negated)
{
	if (negated)
		return "this option cannot be negated";
	if (!value || !*value)
		return "this option needs a value";
	return NULL;
}

static const char *apply_console(const char *value, bool negated)
{
	const char *error = need_value(value, negated);

	if (error)
		return error;
	return console_set_outputs(value) ? "expected a list of com1, com2, none" : NULL;
}

static const char *apply_com(int port, const char *value, bool negated)
{
	const char *error = need_value(value, negated);

	if (error)
		return error;
	return console_set_com_baud(port, value) ? "expected a baud rate, 50-115200" : NULL;
}

static const char *apply_com1(const char *value, bool negated)
{
	return apply_com(1, value, negated);
}

static const char *apply_com2(const char *value, bool negated)
{
	return apply_com(2, value, negated);
}

static const char *apply_loglvl(const char *value, bool negated)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {{"none", -1},	 {"error", LEVEL_ERR}, {"warning", LEVEL_WARNING},
		      {"info", LEVEL_INFO}, {"debug", LEVEL_DEBUG}, {"all", LEVEL_DEBUG}};
	const char *error = need_value(value, negated);

	if (error)
		return error;
	/* Xen's form is level[/rate-limited-level]; we have no rate limiting, so take the first. */
	size_t length = strcspn(value, "/");

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strlen(levels[i].name) == length && !strncmp(value, levels[i].name, length)) {
			printk_set_level(levels[i].level);
			return NULL;
		}
	}
	return "expected none, error, warning, info, debug or all";
}

/*
 * Xen's dom0_mem=[min:S,][max:S,][S]. We take the size S and the maximum max:S (dom0's
 * max_pages, which increase_reservation may not pass); max:S alone is also the size, as Xen
 * gives dom0 all it may have when no size is named. min: is not supported.
 */
static const char *apply_dom0_mem(const char *value, bool negated)
{
	const char *error = need_value(value, negated);
	uint64_t size = 0, max = 0;

	if (error)
		return error;
	while (*value) {
		bool is_max = !strncmp(value, "max:", 4);
		const char *end;

		if (is_max)
			value += 4;
		if (*value < '0' || *value > '9')
			return "expected a size such as 512M or 1G";
		uint64_t bytes = parse_size(value, &end);

		if (*end != '\0' && *end != ',')
			return "expected a size such as 512M, or S,max:S (min: is not supported)";
		if (bytes < (4ull << 20))
			return "dom0 needs at least 4M";
		*(is_max ? &max : &size) = bytes;
		value = *end ? end + 1 : end;
	}
	if (max && size > max)
		return "the size is above max:";
	boot_options.dom0_mem = size ? size : max;
	boot_options.dom0_max_mem = max;
	return NULL;
}

static const char *apply_maxcpus(const char *value, bool negated)
{
	const char *error = need_value(value, negated);
	char *end;

	if (error)
		return error;
	unsigned long n = strtoul(value, &end, 10);

	if (*end != '\0' || n == 0 || n > 4096)
		return "expected a number of CPUs, 1 or more";
	boot_options.max_cpus = (unsigned int)n;
	return NULL;
}

/* Xen's dom0_max_vcpus=N (or a range min-max, of which we take max): dom0's vCPUs. Without
 * it, dom0 has one per CPU, as in Xen. */
static const char *apply_dom0_max_vcpus(const char *value, bool negated)
{
	const char *error = need_value(value, negated);
	char *end;

	if (error)
		return error;
	const char *dash = strchr(value, '-');
	unsigned long n = strtoul(dash ? dash + 1 : value, &end, 10);

	if (*end != '\0' || n == 0 || n > DOM0_MAX_VCPUS_LIMIT)
		return "expected a number of vCPUs, 1 to 64";
	boot_options.dom0_max_vcpus = (unsigned int)n;
	return NULL;
}

static const char *apply_nosmp(const char *value, bool negated)
{
	bool nosmp;
	const char *error = parse_flag(value, negated, &nosmp);

	if (!error)
		boot_options.smp = !nosmp;
	return error;
}

static const char *apply_debug_fault(const char *value, bool negated)
{
	static const char *const kinds[] = {"ud", "pf", "gp", "de", "int3", "stack"};
	const char *error = need_value(value, negated);

	if (error)
		return error;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!strcmp(value, kinds[i])) {
			strlcpy(boot_options.debug_fault, value, sizeof(boot_options.debug_fault));
			return NULL;
		}
	}
	return "expected ud, pf, gp, de, int3 or stack";
}

static const char *apply_debug_exit(const char *value, bool negated)
{
	return parse_flag(value, negated, &boot_options.debug_exit);
}

static const char *apply_debug_nmi(const char *value, bool negated)
{
	return parse_flag(value, negated, &boot_options.debug_nmi);
}

static const struct option options[] = {
	{"console", "where output goes: com1, com2, none (comma-separated)", apply_console},
	{"com1", "COM1 baud rate", apply_com1},
	{"com2", "COM2 baud rate", apply_com2},
	{"loglvl", "messages shown: none, error, warning, info, debug, all", apply_loglvl},
	{"dom0_mem", "memory for dom0, e.g. 512M", apply_dom0_mem},
	{"maxcpus", "use at most this many CPUs", apply_maxcpus},
	{"dom0_max_vcpus", "vCPUs for dom0 (default: one per CPU)", apply_dom0_max_vcpus},
	{"nosmp", "use only the boot CPU", apply_nosmp},
	{"debug_fault", "(Parvus) fault on purpose after boot: ud, pf, gp, de, int3, stack",
	 apply_debug_fault},
	{"debug_exit", "(Parvus) power off QEMU with a pass code when boot is done",
	 apply_debug_exit},
	{"debug_nmi", "(Parvus) at boot, NMIs that hit the hypervisor's guest entry (QEMU only)",
	 apply_debug_nmi},
};

static int apply_word(const char *word, size_t length)
{
	char name[64], value[256];
	const char *equals = memchr(word, '=', length);
	size_t name_length = equals ? (size_t)(equals - word) : length;
	bool negated = false;

	if (name_length >= sizeof(name) ||
	    (equals && length - name_length - 1 >= sizeof(value))) {
		printk(LOG_WARNING "command line: option '%.*s' is too long; ignored\n",
		       (int)length, word);
		return 1;
	}
	memcpy(name, word, name_length);
	name[name_length] = '\0';
	if (equals) {
		memcpy(value, equals + 1, length - name_length - 1);
		value[length - name_length - 1] = '\0';
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *lookup = name;

		if (pass == 1) {
			if (strncmp(name, "no-", 3))
				break;
			lookup = name + 3;
			negated = true;
		}
		for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
			if (strcmp(options[i].name, lookup))
				continue;
			const char *error = options[i].apply(equals ? value : NULL, negated);

			if (!error)
				return 0;
			printk(LOG_WARNING "command line: %s: %s (given '%.*s'); ignored\n",
			       options[i].name, error, (int)length, word);
			return 1;
		}
	}
	printk(LOG_WARNING "command line: unknown option '%s'; ignored. Known options:\n", name);
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		printk(LOG_WARNING "    %-12s %s\n", options[i].name, options[i].help);
	return 1;
}

static char command_line[1024];

const char *hypervisor_command_line(void)
{
	return command_line;
}

int cmdline_parse(const char *cmdline)
{
	int rejected = 0;

	strlcpy(command_line, cmdline, sizeof(command_line));
	while (*cmdline) {
		while (*cmdline == ' ')
			cmdline++;
		size_t length = strcspn(cmdline, " ");

		if (length)
			rejected += apply_word(cmdline, length);
		cmdline += length;
	}
	return rejected;
}
