/*
 * One disk specification (disk_spec.h). libxlu reads these with a flex scanner; this is the
 * same grammar by hand: at each parameter, after blanks, in the scanner's order of precedence,
 *   target=REST              the rest of the string is the target
 *   PREFIX:                  a deprecated prefix, consumed alone (it matches to the end)
 *   FLAG or KEY=VALUE        a known parameter; an unknown KEY=VALUE is an error
 *   anything else            the next positional parameter not yet given
 * up to the next comma. Then the defaults: raw format, read-write (read-only for a CD-ROM).
 * Parvus's own limits (raw images only, Xen PV protocol only) are checked last.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "disk_spec.h"
#include "vdev.h"

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* The offset for errors about the whole spec: they point at its opening quote. */
#define WHOLE_SPEC ((size_t)-1)

struct disk_parse {
	const struct config_value *spec;
	struct config_diag *diag;
	struct domain_disk *disk;
	bool format_set;
	bool access_set;
	bool had_prefix;
	const char *backendtype;
};

static void disk_error(struct disk_parse *dp, size_t offset, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static void disk_error(struct disk_parse *dp, size_t offset, const char *format, ...)
{
	char *text = NULL;
	va_list args;
	int length = (int)strlen(dp->spec->string);

	va_start(args, format);
	if (vasprintf(&text, format, args) < 0)
		text = NULL;
	va_end(args);
	config_error(dp->diag, dp->spec->line,
		     offset == WHOLE_SPEC ? dp->spec->column
					  : config_value_column_at(dp->spec, offset),
		     "%s, in the disk `%.*s%s'", text ? text : "out of memory",
		     length > 80 ? 80 : length, dp->spec->string, length > 80 ? "..." : "");
	free(text);
}

/* A string parameter: given once, except that an empty value may be replaced (as in xl). */
static int save_string(struct disk_parse *dp, size_t offset, const char *what, char **slot,
		       const char *value)
{
	if (*slot && **slot) {
		disk_error(dp, offset, "%s given twice", what);
		return -1;
	}
	free(*slot);
	*slot = strdup(value);
	if (!*slot) {
		disk_error(dp, offset, "out of memory");
		return -1;
	}
	return 0;
}

static int set_format(struct disk_parse *dp, size_t offset, const char *value)
{
	static const struct {
		const char *name;
		enum disk_format format;
	} formats[] = {
		{"", DISK_FORMAT_RAW},	    {"raw", DISK_FORMAT_RAW},
		{"qcow", DISK_FORMAT_QCOW}, {"qcow2", DISK_FORMAT_QCOW2},
		{"vhd", DISK_FORMAT_VHD},   {"empty", DISK_FORMAT_EMPTY},
		{"qed", DISK_FORMAT_QED},
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(value, formats[i].name))
			continue;
		if (dp->format_set && dp->disk->format != formats[i].format) {
			disk_error(dp, offset, "format given twice, differently");
			return -1;
		}
		dp->disk->format = formats[i].format;
		dp->format_set = true;
		return 0;
	}
	disk_error(dp, offset, "unknown format `%s': expected raw, qcow, qcow2, vhd, qed or empty",
		   value);
	return -1;
}

static int set_access(struct disk_parse *dp, size_t offset, const char *value)
{
	if (!strcmp(value, "r") || !strcmp(value, "ro")) {
		dp->disk->readonly = true;
	} else if (!strcmp(value, "w") || !strcmp(value, "rw") || !*value) {
		dp->disk->readonly = false;
	} else {
		disk_error(dp, offset, "unknown access `%s': expected r, ro, w or rw", value);
		return -1;
	}
	return 0;
}

/* The deprecated "VDEV:cdrom" / "VDEV:disk" positional form. 1 if it was one, 0 if not. */
static int vdev_with_type(struct disk_parse *dp, size_t offset, char *token)
{
	char *colon = strrchr(token, ':');

	if (!colon)
		return 0;
	*colon++ = '\0';
	if (save_string(dp, offset, "vdev", &dp->disk->vdev, token))
		return -1;
	if (!strcmp(colon, "cdrom")) {
		dp->disk->cdrom = true;
	} else if (!strcmp(colon, "disk")) {
		dp->disk->cdrom = false;
	} else {
		disk_error(dp, offset, "unknown device type `%s' after `:': expected cdrom or disk",
			   colon);
		return -1;
	}
	return 1;
}

static int positional(struct disk_parse *dp, size_t offset, char *token)
{
	struct domain_disk *disk = dp->disk;
	int r;

	if (!disk->target)
		return save_string(dp, offset, "target", &disk->target, token);
	if (!dp->had_prefix && !dp->format_set) {
		if (!*disk->target) {
			r = vdev_with_type(dp, offset, token);
			if (r) {
				dp->format_set = true;
				disk->format = DISK_FORMAT_EMPTY;
				return r < 0 ? -1 : 0;
			}
		}
		return set_format(dp, offset, token);
	}
	if (!disk->vdev) {
		r = vdev_with_type(dp, offset, token);
		if (r)
			return r < 0 ? -1 : 0;
		return save_string(dp, offset, "vdev", &disk->vdev, token);
	}
	if (!dp->access_set) {
		dp->access_set = true;
		return set_access(dp, offset, token);
	}
	disk_error(dp, offset,
		   "too many positional parameters at `%s': they are target, format, vdev, access",
		   token);
	return -1;
}

/* FLAG or KEY=VALUE parameters. 1 if TOKEN was one (0 or -1 from handling it in *result). */
static int named(struct disk_parse *dp, size_t offset, const char *token, int *result)
{
	struct domain_disk *disk = dp->disk;
	const char *equals = strchr(token, '=');
	const char *value = equals ? equals + 1 : NULL;
	size_t key_length = equals ? (size_t)(equals - token) : strlen(token);

#define IS(name) (key_length == strlen(name) && !strncmp(token, name, key_length))
	*result = 0;
	if (!equals) {
		if (IS("cdrom"))
			disk->cdrom = true;
		else if (IS("direct-io-safe"))
			disk->direct_io_safe = true;
		else if (IS("discard"))
			disk->discard = TRISTATE_TRUE;
		else if (IS("no-discard"))
			disk->discard = TRISTATE_FALSE;
		else if (IS("trusted"))
			disk->trusted = TRISTATE_TRUE;
		else if (IS("untrusted"))
			disk->trusted = TRISTATE_FALSE;
		else if (IS("colo") || IS("no-colo"))
			config_warning(dp->diag, dp->spec->line,
				       config_value_column_at(dp->spec, offset),
				       "`%s' ignored: Parvus does not do COLO replication", token);
		else
			return 0;
		return 1;
	}
	if (IS("devtype")) {
		if (!strcmp(value, "cdrom"))
			disk->cdrom = true;
		else if (!strcmp(value, "disk"))
			disk->cdrom = false;
		else {
			disk_error(dp, offset, "unknown devtype `%s': expected cdrom or disk",
				   value);
			*result = -1;
		}
	} else if (IS("format")) {
		*result = set_format(dp, offset, value);
	} else if (IS("access")) {
		*result = set_access(dp, offset, value);
	} else if (IS("vdev")) {
		*result = save_string(dp, offset, "vdev", &disk->vdev, value);
	} else if (IS("backend")) {
		*result = save_string(dp, offset, "backend", &disk->backend, value);
	} else if (IS("script")) {
		*result = save_string(dp, offset, "script", &disk->script, value);
	} else if (IS("backendtype")) {
		if (strcmp(value, "phy") && strcmp(value, "tap") && strcmp(value, "qdisk") &&
		    strcmp(value, "standalone")) {
			disk_error(
				dp, offset,
				"unknown backendtype `%s': expected phy, tap, qdisk or standalone",
				value);
			*result = -1;
		} else if (dp->backendtype && strcmp(dp->backendtype, value)) {
			disk_error(dp, offset, "backendtype given twice, differently");
			*result = -1;
		} else {
			dp->backendtype = value;
			config_warning(dp->diag, dp->spec->line,
				       config_value_column_at(dp->spec, offset),
				       "`backendtype=%s' ignored: Parvus has one block backend, in "
				       "dom0",
				       value);
		}
	} else if (IS("specification")) {
		if (!strcmp(value, "virtio")) {
			disk_error(dp, offset,
				   "specification=virtio is not supported: Parvus serves disks as "
				   "Xen PV block devices only");
			*result = -1;
		} else if (strcmp(value, "xen")) {
			disk_error(dp, offset, "unknown specification `%s': expected xen or virtio",
				   value);
			*result = -1;
		}
	} else if (IS("grant_usage")) {
		if (strcmp(value, "0") && strcmp(value, "1")) {
			disk_error(dp, offset, "grant_usage must be 0 or 1");
			*result = -1;
		}
		/* otherwise meaningful for virtio only: nothing to do */
	} else if (IS("colo-host") || IS("colo-port") || IS("colo-export") || IS("active-disk") ||
		   IS("hidden-disk")) {
		config_warning(dp->diag, dp->spec->line, config_value_column_at(dp->spec, offset),
			       "`%.*s' ignored: Parvus does not do COLO replication",
			       (int)key_length, token);
	} else {
		bool keyword = key_length > 0 && token[0] >= 'a' && token[0] <= 'z';

		for (size_t i = 0; keyword && i < key_length; i++)
			keyword = (token[i] >= 'a' && token[i] <= 'z') ||
				  (token[i] >= '0' && token[i] <= '9') || token[i] == '-' ||
				  token[i] == '_';
		if (keyword)
			disk_error(dp, offset, "unknown parameter `%.*s'", (int)key_length, token);
		else
			disk_error(dp, offset,
				   "bad disk syntax near `%s': a target holding `=' or `,' must be "
				   "given last, as target=...",
				   token);
		*result = -1;
	}
#undef IS
	return 1;
}

static bool in_names(const char *name, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/*
 * A deprecated prefix at S: its length with the colon, 0 if none, -1 after an error. A known
 * prefix counts whatever follows it ("tap:aio:/x"); an unknown word before a colon is an error
 * only when no letter or digit follows, since "hdc:cdrom" is a vdev with its device type.
 */
static int prefix(struct disk_parse *dp, size_t offset, const char *s)
{
	static const char *const ignored[] = {"tapdisk", "tap",	 "tap2", "aio",
					      "ioemu",	 "file", "phy"};
	static const char *const formats[] = {"raw", "qcow", "qcow2", "vhd"};
	static const char *const scripts[] = {"iscsi", "nbd", "enbd", "drbd"};
	size_t length = 0;
	char name[16], script[32];
	int after;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	while ((s[length] >= 'a' && s[length] <= 'z') || (s[length] >= '0' && s[length] <= '9'))
		length++;
	if (s[length] != ':')
		return 0;
	after = (unsigned char)s[length + 1];
	if (length < sizeof(name)) {
		memcpy(name, s, length);
		name[length] = '\0';
		if (in_names(name, ignored, COUNT(ignored))) {
			dp->had_prefix = true;
			return (int)length + 1;
		}
		if (in_names(name, formats, COUNT(formats))) {
			dp->had_prefix = true;
			return set_format(dp, offset, name) ? -1 : (int)length + 1;
		}
		if (in_names(name, scripts, COUNT(scripts))) {
			dp->had_prefix = true;
			snprintf(script, sizeof(script), "block-%s", name);
			if (save_string(dp, offset, "script", &dp->disk->script, script))
				return -1;
			return (int)length + 1;
		}
	}
	if ((after >= 'a' && after <= 'z') || (after >= '0' && after <= '9'))
		return 0;
	disk_error(dp, offset, "unknown deprecated prefix `%.*s:'", (int)length, s);
	return -1;
}

static int parse_parameters(struct disk_parse *dp)
{
	const char *s = dp->spec->string;
	size_t pos = 0;

	for (;;) {
		size_t start, end;
		char *token;
		int r;

		while (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n')
			pos++;
		if (!s[pos])
			return 0;
		start = pos;
		if (!strncmp(s + pos, "target=", 7)) {
			size_t length = strlen(s + pos + 7);

			token = strndup(s + pos + 7, length);
			if (token && length && token[length - 1] == ',')
				token[length - 1] = '\0';
			r = token ? save_string(dp, start, "target", &dp->disk->target, token) : -1;
			free(token);
			return r;
		}
		r = prefix(dp, start, s + pos);
		if (r < 0)
			return -1;
		if (r > 0) {
			pos += (size_t)r;
			continue;
		}
		for (end = pos; s[end] && s[end] != ','; end++)
			;
		token = strndup(s + start, end - start);
		if (!token) {
			disk_error(dp, start, "out of memory");
			return -1;
		}
		if (!named(dp, start, token, &r))
			r = positional(dp, start, token);
		free(token);
		if (r)
			return -1;
		pos = s[end] == ',' ? end + 1 : end;
	}
}

int disk_spec_parse(const struct config_value *spec, struct config_diag *diag,
		    struct domain_disk *disk)
{
	struct disk_parse dp = {.spec = spec, .diag = diag, .disk = disk};

	memset(disk, 0, sizeof(*disk));
	disk->line = spec->line;
	disk->column = spec->column;
	if (parse_parameters(&dp))
		goto fail;

	if (!dp.format_set)
		disk->format = DISK_FORMAT_RAW;
	if (disk->cdrom) {
		disk->readonly = true;
		if (!disk->target || !*disk->target) {
			disk->format = DISK_FORMAT_EMPTY;
			free(disk->target);
			disk->target = NULL;
		}
	}
	if (!disk->vdev || !*disk->vdev) {
		disk_error(&dp, WHOLE_SPEC,
			   "no vdev: each disk needs the name the guest sees, like xvda");
		goto fail;
	}
	if (!disk->cdrom && (!disk->target || !*disk->target)) {
		disk_error(&dp, WHOLE_SPEC,
			   "no target: each disk other than a CD-ROM needs an image");
		goto fail;
	}
	disk->devid = vdev_number(disk->vdev);
	if (disk->devid < 0) {
		disk_error(&dp, WHOLE_SPEC,
			   "invalid vdev `%s': expected xvd, hd or sd then disk letters and an "
			   "optional partition number (xvda, xvdb2, hdc, sda1), dNpM, or a device "
			   "number",
			   disk->vdev);
		goto fail;
	}
	if (disk->format != DISK_FORMAT_RAW && disk->format != DISK_FORMAT_EMPTY) {
		disk_error(&dp, WHOLE_SPEC,
			   "format %s is not supported: Parvus serves raw images only",
			   disk_format_name(disk->format));
		goto fail;
	}
	return 0;
fail:
	domain_disk_free(disk);
	return -1;
}

void domain_disk_free(struct domain_disk *disk)
{
	free(disk->target);
	free(disk->vdev);
	free(disk->backend);
	free(disk->script);
	memset(disk, 0, sizeof(*disk));
}
