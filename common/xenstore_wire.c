/*
 * The XenStore wire codec. A message is a struct xsd_sockmsg header and hdr.len payload bytes;
 * each type has its own payload rules (how many NUL-terminated strings, what each may hold, and
 * whether a raw value follows), written down once in the two tables below, one per direction.
 * Guests are hostile: every length is checked before it is used, nothing is read past the
 * caller's buffer, and a message either obeys its type's rules completely or is refused.
 */
#include <parvus/xenstore_wire.h>

#include <string.h>

/* The names XS_ERROR replies use, in Xen's order: new errors only ever go at the end. */
static const struct xsd_errors error_table[] = {
	{XENSTORE_EINVAL, "EINVAL"},	   {XENSTORE_EACCES, "EACCES"},
	{XENSTORE_EEXIST, "EEXIST"},	   {XENSTORE_EISDIR, "EISDIR"},
	{XENSTORE_ENOENT, "ENOENT"},	   {XENSTORE_ENOMEM, "ENOMEM"},
	{XENSTORE_ENOSPC, "ENOSPC"},	   {XENSTORE_EIO, "EIO"},
	{XENSTORE_ENOTEMPTY, "ENOTEMPTY"}, {XENSTORE_ENOSYS, "ENOSYS"},
	{XENSTORE_EROFS, "EROFS"},	   {XENSTORE_EBUSY, "EBUSY"},
	{XENSTORE_EAGAIN, "EAGAIN"},	   {XENSTORE_EISCONN, "EISCONN"},
	{XENSTORE_E2BIG, "E2BIG"},	   {XENSTORE_EPERM, "EPERM"},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

/* What one string of a payload may hold. */
enum string_kind {
	ANY,	  /* any bytes but NUL, even none (watch tokens, control words) */
	NONEMPTY, /* at least one byte (child names, error names) */
	EMPTY,	  /* a reserved argument: clients send "" */
	OK,	  /* exactly "OK", the acknowledgement */
	BOOLEAN,  /* "T" or "F" */
	PATH,	  /* a node path, absolute or relative to the sender's home */
	ANY_PATH, /* a node path or a special "@name" (watches, permissions) */
	ABS_PATH, /* an absolute node path */
	DOMID,	  /* a domain id in decimal, 0..65535 */
	PERM,	  /* a permission: w, r, b or n followed by a domid */
	NUMBER,	  /* an unsigned decimal that fits 32 bits */
	NUMBER64, /* an unsigned decimal that fits 64 bits */
};

/* No limit on the number of strings: a payload cannot hold more than this many anyway. */
#define MANY XENSTORE_PAYLOAD_MAX

/*
 * The payload rules of one type in one direction. The payload holds min..max strings; with
 * raw set, exactly max strings come first (none for RAW_ONLY) and whatever follows them is a
 * raw value.
 * kind[0] and kind[1] check the first two strings, kind[2] every later one.
 */
struct payload_rule {
	bool legal; /* false: this type never travels in this direction */
	bool raw;
	uint16_t min, max;
	uint8_t kind[3];
};

#define STRINGS(lo, hi, ...)                                                     \
	{                                                                        \
		.legal = true, .min = (lo), .max = (hi), .kind = { __VA_ARGS__ } \
	}
#define STRINGS_THEN_RAW(n, ...)                                                            \
	{                                                                                   \
		.legal = true, .raw = true, .min = (n), .max = (n), .kind = { __VA_ARGS__ } \
	}
#define RAW_ONLY                           \
	{                                  \
		.legal = true, .raw = true \
	}

/* What a client may send. XS_WATCH_EVENT and XS_ERROR come only from xenstored. */
static const struct payload_rule request_rules[XS_TYPE_COUNT] = {
	[XS_CONTROL] = STRINGS(1, MANY, ANY, ANY, ANY),
	[XS_DIRECTORY] = STRINGS(1, 1, PATH),
	[XS_READ] = STRINGS(1, 1, PATH),
	[XS_GET_PERMS] = STRINGS(1, 1, ANY_PATH),
	[XS_WATCH] = STRINGS(2, 2, ANY_PATH, ANY),
	[XS_UNWATCH] = STRINGS(2, 2, ANY_PATH, ANY),
	[XS_TRANSACTION_START] = STRINGS(1, 1, EMPTY),
	[XS_TRANSACTION_END] = STRINGS(1, 1, BOOLEAN),
	/* domid, gfn, event channel, and a reserved fourth that old toolstacks sent */
	[XS_INTRODUCE] = STRINGS(3, 4, DOMID, ANY, ANY),
	[XS_RELEASE] = STRINGS(1, 1, DOMID),
	[XS_GET_DOMAIN_PATH] = STRINGS(1, 1, DOMID),
	[XS_WRITE] = STRINGS_THEN_RAW(1, PATH),
	[XS_MKDIR] = STRINGS(1, 1, PATH),
	[XS_RM] = STRINGS(1, 1, PATH),
	[XS_SET_PERMS] = STRINGS(2, MANY, ANY_PATH, PERM, PERM),
	[XS_IS_DOMAIN_INTRODUCED] = STRINGS(1, 1, DOMID),
	[XS_RESUME] = STRINGS(1, 1, DOMID),
	[XS_SET_TARGET] = STRINGS(2, 2, DOMID, DOMID),
	[XS_RESET_WATCHES] = STRINGS(1, 1, EMPTY),
	[XS_DIRECTORY_PART] = STRINGS(2, 2, PATH, NUMBER),
};

/* What xenstored may send: the reply to each request type, errors and watch events. */
static const struct payload_rule reply_rules[XS_TYPE_COUNT] = {
	[XS_CONTROL] = RAW_ONLY,
	[XS_DIRECTORY] = STRINGS(0, MANY, NONEMPTY, NONEMPTY, NONEMPTY),
	[XS_READ] = RAW_ONLY,
	[XS_GET_PERMS] = STRINGS(1, MANY, PERM, PERM, PERM),
	[XS_WATCH] = STRINGS(1, 1, OK),
	[XS_UNWATCH] = STRINGS(1, 1, OK),
	[XS_TRANSACTION_START] = STRINGS(1, 1, NUMBER),
	[XS_TRANSACTION_END] = STRINGS(1, 1, OK),
	[XS_INTRODUCE] = STRINGS(1, 1, OK),
	[XS_RELEASE] = STRINGS(1, 1, OK),
	[XS_GET_DOMAIN_PATH] = STRINGS(1, 1, ABS_PATH),
	[XS_WRITE] = STRINGS(1, 1, OK),
	[XS_MKDIR] = STRINGS(1, 1, OK),
	[XS_RM] = STRINGS(1, 1, OK),
	[XS_SET_PERMS] = STRINGS(1, 1, OK),
	[XS_WATCH_EVENT] = STRINGS(2, 2, ANY_PATH, ANY),
	[XS_ERROR] = STRINGS(1, 1, NONEMPTY),
	[XS_IS_DOMAIN_INTRODUCED] = STRINGS(1, 1, BOOLEAN),
	[XS_RESUME] = STRINGS(1, 1, OK),
	[XS_SET_TARGET] = STRINGS(1, 1, OK),
	[XS_RESET_WATCHES] = STRINGS(1, 1, OK),
	/* generation count, then child names; an empty last name means the list is complete */
	[XS_DIRECTORY_PART] = STRINGS(1, MANY, NUMBER64, ANY, ANY),
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Letters, digits and "-/_@": the only bytes xenstored lets into a path. */
static bool is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
	       c == '/' || c == '_' || c == '@';
}

/* An unsigned decimal of len digits, no sign or spaces, whose value is at most max. */
static bool valid_number(const char *s, size_t len, uint64_t max)
{
	uint64_t value = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		if (value > (max - (uint64_t)(s[i] - '0')) / 10)
			return false; /* value * 10 + digit would pass max */
		value = value * 10 + (uint64_t)(s[i] - '0');
	}
	return true;
}

/*
 * The length of a "/local/domain/<domid>/" prefix at the start of an absolute path, or 0.
 * xenstored measures a path from there (the domain's home), as it reads up to five digits.
 */
static size_t home_prefix_len(const char *s, size_t len)
{
	static const char local_domain[] = "/local/domain/";
	size_t at = sizeof(local_domain) - 1, digits = 0;

	if (len <= at || memcmp(s, local_domain, at) != 0)
		return 0;
	while (at < len && is_digit(s[at]) && digits < 5) {
		at++;
		digits++;
	}
	if (digits == 0 || at >= len || s[at] != '/')
		return 0;
	return at + 1;
}

/*
 * xenstored's rules for a path: only path characters, no "//", no trailing '/' except for the
 * root "/" itself, and not empty. A path not starting with '/' is relative to the sender's
 * home /local/domain/<domid>; one starting with '@' names a special watch and is allowed only
 * where kind says so. What lies past the home prefix (the whole path, when it has no such
 * prefix or is relative) may hold XENSTORE_REL_PATH_MAX bytes. The prefix is at most 20 bytes,
 * so every path let through also stays well inside XENSTORE_ABS_PATH_MAX.
 */
static bool valid_path(const char *s, size_t len, enum string_kind kind)
{
	size_t i;

	if (len == 0)
		return false;
	if (s[0] == '@' && kind != ANY_PATH)
		return false;
	if (s[0] != '/' && kind == ABS_PATH)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_path_char(s[i]))
			return false;
		if (s[i] == '/' && i + 1 < len && s[i + 1] == '/')
			return false;
	}
	if (s[len - 1] == '/' && len > 1)
		return false;
	return len - home_prefix_len(s, len) <= XENSTORE_REL_PATH_MAX;
}

static bool valid_string(const char *s, size_t len, enum string_kind kind)
{
	switch (kind) {
	case ANY:
		return true;
	case NONEMPTY:
		return len > 0;
	case EMPTY:
		return len == 0;
	case OK:
		return len == 2 && s[0] == 'O' && s[1] == 'K';
	case BOOLEAN:
		return len == 1 && (s[0] == 'T' || s[0] == 'F');
	case PATH:
	case ANY_PATH:
	case ABS_PATH:
		return valid_path(s, len, kind);
	case DOMID:
		return valid_number(s, len, 65535);
	case PERM:
		return len >= 2 && (s[0] == 'w' || s[0] == 'r' || s[0] == 'b' || s[0] == 'n') &&
		       valid_number(s + 1, len - 1, 65535);
	case NUMBER:
		return valid_number(s, len, UINT32_MAX);
	case NUMBER64:
		return valid_number(s, len, UINT64_MAX);
	}
	return false;
}

/* Split msg's payload into strings and raw value by rule; false if the payload breaks it. */
static bool split_payload(struct xenstore_wire_msg *msg, const struct payload_rule *rule)
{
	const char *start = msg->payload, *end = msg->payload + msg->hdr.len, *at = start;
	unsigned int n = 0;

	while (at < end && !(rule->raw && n == rule->max)) {
		const char *nul = memchr(at, '\0', (size_t)(end - at));

		if (nul == NULL || n == rule->max)
			return false; /* an unterminated string, or one string too many */
		if (!valid_string(at, (size_t)(nul - at), rule->kind[n < 2 ? n : 2]))
			return false;
		if (n < XENSTORE_WIRE_MAX_STRINGS)
			msg->strings[n] = at;
		n++;
		at = nul + 1;
	}
	if (n < rule->min)
		return false;
	msg->nr_strings = n;
	msg->strings_len = (uint32_t)(at - start);
	msg->raw = at;
	msg->raw_len = (uint32_t)(end - at);
	return true;
}

int xenstore_wire_parse(const void *buf, size_t avail, enum xenstore_wire_direction direction,
			struct xenstore_wire_msg *msg)
{
	const struct payload_rule *rules;
	const char *bytes = buf;

	memset(msg, 0, sizeof(*msg));
	if (avail < XENSTORE_WIRE_HEADER_SIZE)
		return XENSTORE_WIRE_INCOMPLETE;
	memcpy(&msg->hdr, bytes, sizeof(msg->hdr));
	if (msg->hdr.len > XENSTORE_PAYLOAD_MAX)
		return -XENSTORE_E2BIG;
	msg->size = XENSTORE_WIRE_HEADER_SIZE + msg->hdr.len;
	if (avail < msg->size)
		return XENSTORE_WIRE_INCOMPLETE;
	msg->payload = bytes + XENSTORE_WIRE_HEADER_SIZE;

	rules = direction == XENSTORE_WIRE_REQUEST ? request_rules : reply_rules;
	if (msg->hdr.type >= XS_TYPE_COUNT || !rules[msg->hdr.type].legal)
		return -XENSTORE_ENOSYS;
	if (!split_payload(msg, &rules[msg->hdr.type]))
		return -XENSTORE_EINVAL;
	return 0;
}

const char *xenstore_wire_next_string(const struct xenstore_wire_msg *msg, const char *s)
{
	const char *end = msg->payload + msg->strings_len;
	const char *nul;

	if (s == NULL)
		return msg->nr_strings > 0 ? msg->payload : NULL;
	if (s < msg->payload || s >= end)
		return NULL;
	nul = memchr(s, '\0', (size_t)(end - s));
	if (nul == NULL || nul + 1 >= end)
		return NULL;
	return nul + 1;
}

int xenstore_wire_build(void *buf, size_t size, const struct xsd_sockmsg *hdr,
			const char *const strings[], unsigned int nr_strings, const void *raw,
			size_t raw_len)
{
	struct xsd_sockmsg out = *hdr;
	size_t len = raw_len, i;
	char *at;

	if (xenstore_wire_type_name(hdr->type) == NULL)
		return -XENSTORE_EINVAL;
	if (raw_len > XENSTORE_PAYLOAD_MAX)
		return -XENSTORE_E2BIG;
	/* Measure first, never further than the largest payload, so a huge input stops early. */
	for (i = 0; i < nr_strings; i++) {
		len += strnlen(strings[i], XENSTORE_PAYLOAD_MAX) + 1;
		if (len > XENSTORE_PAYLOAD_MAX)
			return -XENSTORE_E2BIG;
	}
	if (size < XENSTORE_WIRE_HEADER_SIZE + len)
		return -XENSTORE_ENOSPC;

	out.len = (uint32_t)len;
	memcpy(buf, &out, sizeof(out));
	at = (char *)buf + XENSTORE_WIRE_HEADER_SIZE;
	for (i = 0; i < nr_strings; i++) {
		size_t n = strlen(strings[i]) + 1;

		memcpy(at, strings[i], n);
		at += n;
	}
	if (raw_len > 0)
		memcpy(at, raw, raw_len);
	return (int)(XENSTORE_WIRE_HEADER_SIZE + len);
}

int xenstore_wire_build_ack(void *buf, size_t size, uint32_t type, uint32_t req_id, uint32_t tx_id)
{
	const struct xsd_sockmsg hdr = {.type = type, .req_id = req_id, .tx_id = tx_id};
	const char *const ok[] = {"OK"};

	return xenstore_wire_build(buf, size, &hdr, ok, 1, NULL, 0);
}

int xenstore_wire_build_error(void *buf, size_t size, uint32_t req_id, uint32_t tx_id, int errnum)
{
	const struct xsd_sockmsg hdr = {.type = XS_ERROR, .req_id = req_id, .tx_id = tx_id};
	const char *name[] = {xenstore_error_name(errnum)};

	if (name[0] == NULL)
		name[0] = "EINVAL";
	return xenstore_wire_build(buf, size, &hdr, name, 1, NULL, 0);
}

const char *xenstore_error_name(int errnum)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(error_table); i++)
		if (error_table[i].errnum == errnum)
			return error_table[i].errstring;
	return NULL;
}

int xenstore_error_number(const char *name)
{
	size_t i, len;

	if (name == NULL)
		return 0;
	/* Every name in the table is shorter than 16 bytes: look no further into name. */
	len = strnlen(name, 16);
	for (i = 0; i < ARRAY_SIZE(error_table); i++)
		if (strlen(error_table[i].errstring) == len &&
		    memcmp(error_table[i].errstring, name, len) == 0)
			return error_table[i].errnum;
	return 0;
}

const char *xenstore_wire_type_name(uint32_t type)
{
	return type < XS_TYPE_COUNT ? type_names[type] : NULL;
}
