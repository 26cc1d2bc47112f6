/*
 * Virtual block device names to Xen device numbers (vdev.h). The order of the tests is
 * libxl's: the Xen forms (dNpM, xvd) first, then a bare number, then IDE and SCSI names.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vdev.h"

#define XVD_MAX_DISK ((1L << 20) - 1)
#define XVD_MAX_PARTITION 255

/* Decimal digits only, no leading zero unless the number is 0 itself; -1 when not that. */
static long parse_decimal(const char *text, const char **end, long max)
{
	long value = 0;
	const char *p = text;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -1;
	while (*p >= '0' && *p <= '9') {
		value = value * 10 + (*p - '0');
		if (value > max)
			return -1;
		p++;
	}
	*end = p;
	return value;
}

/*
 * PREFIX then disk letters (a=0 ... z=25, aa=26, ...: bijective base 26) then an optional
 * partition number without leading zeros. True with *disk and *partition when NAME is one.
 */
static bool match_letters(const char *name, const char *prefix, long max_disk, long max_partition,
			  long *disk, long *partition)
{
	size_t length = strlen(prefix);
	const char *p = name + length;
	long index = -1;

	if (strncmp(name, prefix, length))
		return false;
	while (*p >= 'a' && *p <= 'z') {
		index = (index + 1) * 26 + (*p - 'a');
		if (index > max_disk)
			return false;
		p++;
	}
	if (index < 0)
		return false; /* no letter */
	*disk = index;
	*partition = 0;
	if (!*p)
		return true;
	if (*p == '0')
		return false;
	*partition = parse_decimal(p, &p, max_partition);
	return *partition >= 0 && !*p;
}

/* "dNpM": disk N and partition M in decimal. */
static bool match_numbered(const char *name, long *disk, long *partition)
{
	const char *p = name;

	if (*p++ != 'd')
		return false;
	*disk = parse_decimal(p, &p, XVD_MAX_DISK);
	if (*disk < 0 || *p++ != 'p')
		return false;
	*partition = parse_decimal(p, &p, XVD_MAX_PARTITION);
	return *partition >= 0 && !*p;
}

long vdev_number(const char *name)
{
	long disk, partition;
	unsigned long number;
	char *end;

	if (!*name)
		return -1;
	if (match_numbered(name, &disk, &partition) ||
	    match_letters(name, "xvd", XVD_MAX_DISK, XVD_MAX_PARTITION, &disk, &partition)) {
		if (disk <= 15 && partition <= 15)
			return 202L << 8 | disk << 4 | partition;
		return 1L << 28 | disk << 8 | partition;
	}
	if (*name >= '0' && *name <= '9') {
		errno = 0;
		number = strtoul(name, &end, 0);
		if (!errno && !*end && number <= INT_MAX)
			return (long)number;
	}
	if (match_letters(name, "hd", 3, 63, &disk, &partition))
		return (disk < 2 ? 3L : 22L) << 8 | (disk & 1) << 6 | partition;
	if (match_letters(name, "sd", 15, 15, &disk, &partition))
		return 8L << 8 | disk << 4 | partition;
	return -1;
}
