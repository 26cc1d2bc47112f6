/*
 * <ctype.h> for freestanding Parvus code: character classes of the "C" locale (ASCII).
 *
 * Static inline functions, so there is no table and no object file. Any int is accepted: values
 * outside 0..127 (EOF, or bytes >= 0x80 of a UTF-8 string) belong to no class and are returned
 * unchanged by toupper and tolower, as glibc does in the "C" locale.
 */
#ifndef PARVUS_LIBC_CTYPE_H
#define PARVUS_LIBC_CTYPE_H

static inline int isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline int isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static inline int islower(int c)
{
	return c >= 'a' && c <= 'z';
}

static inline int isalpha(int c)
{
	return isupper(c) || islower(c);
}

static inline int isalnum(int c)
{
	return isalpha(c) || isdigit(c);
}

static inline int isxdigit(int c)
{
	return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* space, \t, \n, \v, \f, \r */
static inline int isspace(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* printing characters, the space included: 0x20..0x7e */
static inline int isprint(int c)
{
	return c >= ' ' && c <= '~';
}

static inline int toupper(int c)
{
	return islower(c) ? c - 'a' + 'A' : c;
}

static inline int tolower(int c)
{
	return isupper(c) ? c - 'A' + 'a' : c;
}

#endif /* PARVUS_LIBC_CTYPE_H */
