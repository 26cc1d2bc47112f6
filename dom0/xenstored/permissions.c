/*
 * Who may do what to a node. A node's permissions are a list: the first entry names the owner
 * and gives the access of every domain the list does not name; later entries give named
 * domains their own access. Xen 4.17's rule, applied by perm_for(): dom0, the privileged
 * domain and the owner get everything; a named domain gets its entry; the rest get the
 * default. A connection acting for a target domain (XS_SET_TARGET) counts as that domain too.
 * Permissions travel as strings: "n0", "r1", "w2", "b3" (none, read, write, both).
 */
#include "core.h"

#include <stdio.h>
#include <string.h>

bool domid_is_privileged(const struct xs_core *core, unsigned int domid)
{
	return domid == 0 || (core->priv_domid != 0 && domid == core->priv_domid);
}

/* The core itself (NULL) and dom0's local clients count as privileged, as Xen's sockets do. */
bool conn_is_privileged(const struct xs_conn *conn)
{
	return conn == NULL || conn->local || domid_is_privileged(conn->core, conn->domain->domid);
}

static bool names(const struct xs_conn *conn, unsigned int domid)
{
	return domid == conn->domain->domid ||
	       (conn->target_domid >= 0 && domid == (unsigned int)conn->target_domid);
}

unsigned int perm_for(const struct xs_conn *conn, const struct xs_perm *perms, unsigned int n)
{
	unsigned int i;

	if (conn_is_privileged(conn) || names(conn, perms[0].domid))
		return XS_PERM_ALL;
	for (i = 1; i < n; i++)
		if (names(conn, perms[i].domid))
			return perms[i].perms;
	return perms[0].perms;
}

static int parse_one(const char *s, struct xs_perm *out)
{
	unsigned long domid = 0;
	const char *digit;

	switch (s[0]) {
	case 'n':
		out->perms = XS_PERM_NONE;
		break;
	case 'r':
		out->perms = XS_PERM_READ;
		break;
	case 'w':
		out->perms = XS_PERM_WRITE;
		break;
	case 'b':
		out->perms = XS_PERM_READ | XS_PERM_WRITE;
		break;
	default:
		return XENSTORE_EINVAL;
	}
	if (s[1] == '\0')
		return XENSTORE_EINVAL;
	for (digit = s + 1; *digit != '\0'; digit++) {
		if (*digit < '0' || *digit > '9')
			return XENSTORE_EINVAL;
		domid = domid * 10 + (unsigned long)(*digit - '0');
		if (domid > 65535)
			return XENSTORE_EINVAL;
	}
	out->domid = (uint16_t)domid;
	return 0;
}

/* Parse n permission strings of msg, starting at first. */
int perms_parse(const struct xenstore_wire_msg *msg, const char *first, struct xs_perm *out,
		unsigned int n)
{
	const char *s = first;
	unsigned int i;
	int err;

	for (i = 0; i < n; i++, s = xenstore_wire_next_string(msg, s)) {
		if (s == NULL)
			return XENSTORE_EINVAL;
		err = parse_one(s, &out[i]);
		if (err)
			return err;
	}
	return 0;
}

/* The strings of a GET_PERMS reply, each followed by NUL. Returns the bytes, -1 if too small. */
int perms_format(const struct xs_perm *perms, unsigned int n, char *buf, size_t size)
{
	static const char letters[] = {'n', 'r', 'w', 'b'};
	size_t used = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		int len = snprintf(buf + used, size - used, "%c%u", letters[perms[i].perms & 3],
				   (unsigned int)perms[i].domid);

		if (len < 0 || (size_t)len + 1 > size - used)
			return -1;
		used += (size_t)len + 1; /* keep the NUL snprintf wrote */
	}
	return (int)used;
}
