/*
 * Node paths: what a valid one looks like, turning a relative path into an absolute one, and
 * the parent/child relations watches and the tree need. A relative path is relative to the
 * caller's home, /local/domain/<domid>. The rules are xenstored's (Xen 4.17): letters, digits
 * and "-/_@" only, no "//", no trailing '/' but for the root, at most XENSTORE_ABS_PATH_MAX
 * bytes, and at most XENSTORE_REL_PATH_MAX of them past a /local/domain/<domid>/ prefix.
 */
#include "core.h"

#include <string.h>

static bool is_path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '/' || c == '_' || c == '@';
}

/* The length of a leading "/local/domain/<up to 5 digits>/", or 0. */
static size_t home_prefix_len(const char *path)
{
	static const char local_domain[] = "/local/domain/";
	size_t at = sizeof(local_domain) - 1, digits = 0;

	if (strncmp(path, local_domain, at) != 0)
		return 0;
	while (path[at] >= '0' && path[at] <= '9' && digits < 5) {
		at++;
		digits++;
	}
	return (digits > 0 && path[at] == '/') ? at + 1 : 0;
}

bool path_is_valid(const char *path)
{
	size_t len = strnlen(path, XENSTORE_ABS_PATH_MAX + 1), i;

	if (path[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len > 1 && path[len - 1] == '/')
		return false;
	for (i = 0; i < len; i++) {
		if (!is_path_char(path[i]))
			return false;
		if (path[i] == '/' && path[i + 1] == '/')
			return false;
	}
	return len - home_prefix_len(path) <= XENSTORE_REL_PATH_MAX;
}

int path_canonical(struct xs_core *core, const struct xs_conn *conn, const char *path, char **out)
{
	size_t home_len, len;
	char *abs;

	if (path[0] == '/' || path[0] == '@') {
		abs = xs_strdup(core, path);
	} else {
		home_len = strlen(conn->home);
		len = strnlen(path, XENSTORE_PAYLOAD_MAX);
		abs = xs_alloc(core, home_len + 1 + len + 1);
		if (abs != NULL) {
			memcpy(abs, conn->home, home_len);
			abs[home_len] = '/';
			memcpy(abs + home_len + 1, path, len);
		}
	}
	if (abs == NULL)
		return XENSTORE_ENOMEM;
	*out = abs;
	return 0;
}

size_t path_parent_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		return 1; /* the parent of "/x" is "/" */
	return (size_t)(slash - path);
}

/* The last component of a path other than "/". */
const char *path_basename(const char *path)
{
	return strrchr(path, '/') + 1;
}

/* child is parent itself or lies below it; everything lies below "/". */
bool path_is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (strcmp(parent, "/") == 0)
		return true;
	if (strncmp(child, parent, len) != 0)
		return false;
	return child[len] == '/' || child[len] == '\0';
}

int path_child(struct xs_core *core, const char *parent, const char *name, size_t name_len,
	       char **out)
{
	size_t parent_len = strcmp(parent, "/") == 0 ? 0 : strlen(parent);
	char *path = xs_alloc(core, parent_len + 1 + name_len + 1);

	if (path == NULL)
		return XENSTORE_ENOMEM;
	memcpy(path, parent, parent_len);
	path[parent_len] = '/';
	memcpy(path + parent_len + 1, name, name_len);
	*out = path;
	return 0;
}
