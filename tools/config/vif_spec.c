/*
 * One vif specification (vif_spec.h). xl splits the string at commas (empty pieces are
 * skipped), drops the blanks in front of each piece and matches "KEY=" at its start. We also
 * drop blanks at the end of a piece, and read MAC addresses strictly where xl reads any
 * separator and ignores what follows.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "vif_spec.h"

#define DEFAULT_BRIDGE "xenbr0"
#define DEFAULT_SCRIPT "vif-bridge"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mac_address_parse(const char *text, uint8_t mac[6])
{
	const char *p = text;

	for (int i = 0; i < 6; i++) {
		int digits = 0, value = 0;

		while (digits < 2 && hex_digit(*p) >= 0) {
			value = value * 16 + hex_digit(*p++);
			digits++;
		}
		if (!digits)
			return -1;
		mac[i] = (uint8_t)value;
		if (i < 5 && *p++ != ':')
			return -1;
	}
	return *p ? -1 : 0;
}

void mac_address_generate(uint8_t mac[6])
{
	uuid_t random;

	uuid_generate_random(random);
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = random[0] & 0x7f;
	mac[4] = random[1];
	mac[5] = random[2];
}

struct vif_parse {
	const struct config_value *spec;
	struct config_diag *diag;
	struct domain_vif *vif;
};

static void vif_message(struct vif_parse *vp, enum config_severity severity, size_t offset,
			const char *format, ...) __attribute__((format(printf, 4, 5)));

static void vif_message(struct vif_parse *vp, enum config_severity severity, size_t offset,
			const char *format, ...)
{
	int line = vp->spec->line, column = config_value_column_at(vp->spec, offset);
	int length = (int)strlen(vp->spec->string);
	char *text = NULL;
	va_list args;

	va_start(args, format);
	if (vasprintf(&text, format, args) < 0)
		text = NULL;
	va_end(args);
	if (severity == CONFIG_ERROR)
		config_error(vp->diag, line, column, "%s, in the vif `%.*s%s'",
			     text ? text : "out of memory", length > 80 ? 80 : length,
			     vp->spec->string, length > 80 ? "..." : "");
	else
		config_warning(vp->diag, line, column, "%s", text ? text : "out of memory");
	free(text);
}

static int replace_string(struct vif_parse *vp, size_t offset, char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy) {
		vif_message(vp, CONFIG_ERROR, offset, "out of memory");
		return -1;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* Decimal digits, at most MAX; -1 if not. */
static long parse_decimal(const char *text, unsigned long long max)
{
	unsigned long long value = 0;

	if (!*text)
		return -1;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return -1;
		value = value * 10 + (unsigned long long)(*text - '0');
		if (value > max)
			return -1;
	}
	return (long)value;
}

/*
 * rate=RATE[@INTERVAL]: RATE is digits, an optional G, M or K (powers of 1000), then B/s for
 * bytes or b/s for bits; INTERVAL is digits then s, ms or us (seconds when bare; m alone is
 * ms), 50ms by default. The credit is the bytes RATE allows in one INTERVAL.
 */
static int parse_rate(struct vif_parse *vp, size_t offset, const char *text)
{
	const char *at = strchr(text, '@');
	size_t rate_length = at ? (size_t)(at - text) : strlen(text);
	unsigned long long number = 0, bytes_per_second, interval = 50000;
	const char *p = text;
	char unit;

	while (p < text + rate_length && *p >= '0' && *p <= '9') {
		number = number * 10 + (unsigned long long)(*p++ - '0');
		if (number > UINT32_MAX)
			goto overflow;
	}
	if (p == text)
		goto invalid;
	bytes_per_second = number;
	unit = *p;
	if (unit == 'G' || unit == 'M' || unit == 'K') {
		bytes_per_second *= unit == 'G'	  ? 1000000000ULL
				    : unit == 'M' ? 1000000ULL
						  : 1000ULL;
		p++;
	}
	if ((*p != 'B' && *p != 'b') || strncmp(p + 1, "/s", 2) || p + 3 != text + rate_length)
		goto invalid;
	if (*p == 'b')
		bytes_per_second /= 8;
	if (number == 0 || bytes_per_second == 0) {
		vif_message(vp, CONFIG_ERROR, offset, "rate `%s' is zero", text);
		return -1;
	}
	if (at) {
		number = 0;
		for (p = at + 1; *p >= '0' && *p <= '9'; p++) {
			number = number * 10 + (unsigned long long)(*p - '0');
			if (number > UINT32_MAX)
				goto overflow;
		}
		if (p == at + 1 || number == 0)
			goto invalid;
		if (!strcmp(p, "") || !strcmp(p, "s"))
			interval = number * 1000000ULL;
		else if (!strcmp(p, "m") || !strcmp(p, "ms"))
			interval = number * 1000ULL;
		else if (!strcmp(p, "u") || !strcmp(p, "us"))
			interval = number;
		else
			goto invalid;
		if (interval > UINT32_MAX)
			goto overflow;
	}
	if (bytes_per_second > UINT64_MAX / interval)
		goto overflow;
	vp->vif->rate_bytes_per_interval = bytes_per_second * interval / 1000000ULL;
	vp->vif->rate_interval_usecs = (uint32_t)interval;
	return replace_string(vp, offset, &vp->vif->rate, text);
invalid:
	vif_message(vp, CONFIG_ERROR, offset,
		    "invalid rate `%s': expected digits, an optional G, M or K, then B/s (bytes) "
		    "or b/s (bits), optionally followed by @ and an interval like 20ms",
		    text);
	return -1;
overflow:
	vif_message(vp, CONFIG_ERROR, offset, "rate `%s' is too large", text);
	return -1;
}

static int parse_item(struct vif_parse *vp, size_t offset, const char *item)
{
	struct domain_vif *vif = vp->vif;
	const char *equals = strchr(item, '=');
	const char *value = equals ? equals + 1 : "";
	size_t key_length = equals ? (size_t)(equals - item) : strlen(item);

#define IS(name) (equals && key_length == strlen(name) && !strncmp(item, name, key_length))
	if (IS("mac")) {
		uint8_t mac[6];

		if (mac_address_parse(value, mac)) {
			vif_message(vp, CONFIG_ERROR, offset,
				    "invalid MAC address `%s': expected six pairs of hex digits "
				    "separated by `:', like 00:16:3e:12:34:56",
				    value);
			return -1;
		}
		if (mac[0] & 1) {
			vif_message(vp, CONFIG_ERROR, offset,
				    "MAC address `%s' is a multicast address (the low bit of its "
				    "first byte is set): a vif needs a unicast one",
				    value);
			return -1;
		}
		memcpy(vif->mac, mac, sizeof(mac));
		return 0;
	}
	if (IS("type")) {
		if (strcmp(value, "vif") && strcmp(value, "ioemu")) {
			vif_message(vp, CONFIG_ERROR, offset,
				    "invalid type `%s': expected vif or ioemu", value);
			return -1;
		}
		return 0; /* a PV domain's vif is always a PV device */
	}
	if (IS("bridge"))
		return replace_string(vp, offset, &vif->bridge, value);
	if (IS("ip"))
		return replace_string(vp, offset, &vif->ip, value);
	if (IS("script"))
		return replace_string(vp, offset, &vif->script, value);
	if (IS("backend"))
		return replace_string(vp, offset, &vif->backend, value);
	if (IS("vifname"))
		return replace_string(vp, offset, &vif->vifname, value);
	if (IS("model"))
		return replace_string(vp, offset, &vif->model, value);
	if (IS("gatewaydev"))
		return replace_string(vp, offset, &vif->gatewaydev, value);
	if (IS("netdev")) {
		vif_message(vp, CONFIG_WARNING, offset,
			    "the netdev parameter is deprecated, please use gatewaydev instead");
		return replace_string(vp, offset, &vif->gatewaydev, value);
	}
	if (IS("rate"))
		return parse_rate(vp, offset, value);
	if (IS("devid")) {
		vif->devid = parse_decimal(value, 0x7fffffff);
		if (vif->devid < 0) {
			vif_message(vp, CONFIG_ERROR, offset,
				    "invalid devid `%s': expected a decimal number", value);
			return -1;
		}
		vif->devid_given = true;
		return 0;
	}
	if (IS("accel")) {
		vif_message(vp, CONFIG_WARNING, offset,
			    "the accel parameter for vifs is not supported; ignored");
		return 0;
	}
	if (IS("forwarddev") || (equals && !strncmp(item, "colo_", 5))) {
		vif_message(vp, CONFIG_WARNING, offset,
			    "`%.*s' ignored: Parvus does not do COLO replication", (int)key_length,
			    item);
		return 0;
	}
#undef IS
	vif_message(vp, CONFIG_ERROR, offset,
		    "unrecognized argument `%s': expected KEY=VALUE with KEY one of mac, bridge, "
		    "ip, script, model, type, vifname, backend, gatewaydev, rate, devid",
		    item);
	return -1;
}

int vif_spec_parse(const struct config_value *spec, long index, struct config_diag *diag,
		   struct domain_vif *vif)
{
	struct vif_parse vp = {.spec = spec, .diag = diag, .vif = vif};
	const char *s = spec->string;
	size_t pos = 0;

	memset(vif, 0, sizeof(*vif));
	vif->line = spec->line;
	vif->column = spec->column;
	vif->devid = index;
	while (s[pos]) {
		size_t start, end, last;
		char *item;
		int r;

		if (s[pos] == ',') {
			pos++;
			continue;
		}
		while (s[pos] == ' ' || s[pos] == '\t')
			pos++;
		start = pos;
		for (end = pos; s[end] && s[end] != ','; end++)
			;
		for (last = end; last > start && (s[last - 1] == ' ' || s[last - 1] == '\t');)
			last--;
		pos = end;
		if (last == start)
			continue;
		item = strndup(s + start, last - start);
		if (!item) {
			vif_message(&vp, CONFIG_ERROR, start, "out of memory");
			goto fail;
		}
		r = parse_item(&vp, start, item);
		free(item);
		if (r)
			goto fail;
	}
	if (!vif->bridge && replace_string(&vp, 0, &vif->bridge, DEFAULT_BRIDGE))
		goto fail;
	if (!vif->script && replace_string(&vp, 0, &vif->script, DEFAULT_SCRIPT))
		goto fail;
	if (!(vif->mac[0] | vif->mac[1] | vif->mac[2] | vif->mac[3] | vif->mac[4] | vif->mac[5])) {
		mac_address_generate(vif->mac);
		vif->mac_generated = true;
	}
	return 0;
fail:
	domain_vif_free(vif);
	return -1;
}

void domain_vif_free(struct domain_vif *vif)
{
	free(vif->bridge);
	free(vif->ip);
	free(vif->script);
	free(vif->model);
	free(vif->vifname);
	free(vif->backend);
	free(vif->gatewaydev);
	free(vif->rate);
	memset(vif, 0, sizeof(*vif));
}
