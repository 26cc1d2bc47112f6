/*
 * <stdlib.h> for freestanding Parvus code: string-to-number conversion, implemented in
 * common/lib/number.c, plus the size parser used for command-line options like dom0_mem=.
 *
 * The strto* functions follow C: leading white space, an optional sign, then digits in the
 * given base (0 picks it from the prefix: 0x hexadecimal, 0 octal, else decimal; base 16 also
 * accepts 0x). Out-of-range values saturate (ULONG_MAX, LONG_MIN, ...). There is no errno:
 * a saturated result is the only sign of overflow. An invalid base returns 0 and sets *endptr to
 * nptr.
 */
#ifndef PARVUS_LIBC_STDLIB_H
#define PARVUS_LIBC_STDLIB_H

#include <stddef.h>

unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base);
unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base);
long strtol(const char *restrict nptr, char **restrict endptr, int base);
long long strtoll(const char *restrict nptr, char **restrict endptr, int base);

/*
 * parse_size: a size as Xen's command line writes it (Xen's parse_size_and_unit): a number in
 * base 0 followed by an optional unit K, M, G or T (either case, powers of 1024) or B (bytes).
 * With no unit the number counts KiB, as in Xen: "dom0_mem=524288" is 512 MiB.
 * If end is not NULL, a '%' after the number is left for the caller (Xen's dom0_mem=50%) and
 * the bare number is returned; *end is set past the number and its unit.
 * Unlike Xen: the text must start with a digit (otherwise 0 is returned and *end = s), and a
 * value too large for 64 bits saturates to ULLONG_MAX instead of wrapping.
 */
unsigned long long parse_size(const char *s, const char **end);

/* parse_size_bytes: as parse_size, but a number with no unit counts bytes. */
unsigned long long parse_size_bytes(const char *s, const char **end);

#endif /* PARVUS_LIBC_STDLIB_H */
