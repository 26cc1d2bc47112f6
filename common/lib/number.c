/*
 * Text to numbers (declared in <stdlib.h>): the C strto* family and the size parser for
 * command-line options such as dom0_mem=512M.
 *
 * All of them go through parse_integer(), which reads the text as C does and reports the
 * magnitude, its sign and whether it overflowed 64 bits; each caller then saturates to the
 * limits of its own type. There is no errno in the freestanding world: saturation is the signal.
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>

struct parsed {
	unsigned long long magnitude; /* ULLONG_MAX when it overflowed */
	bool negative;
	bool overflow;
};

/* The value of c as a digit in bases up to 36, or 36 when it is not a digit. */
static unsigned int digit_value(char c)
{
	if (isdigit(c))
		return (unsigned int)(c - '0');
	if (islower(c))
		return (unsigned int)(c - 'a' + 10);
	if (isupper(c))
		return (unsigned int)(c - 'A' + 10);
	return 36;
}

/*
 * White space, a sign, the 0x of base 16 (taken only when a hexadecimal digit follows, so "0x"
 * alone reads as 0 and ends at the x), then digits. *end is left at nptr if there were none.
 */
static struct parsed parse_integer(const char *nptr, const char **end, int base)
{
	struct parsed result = {.magnitude = 0, .negative = false, .overflow = false};
	const char *s = nptr, *digits;

	*end = nptr;
	if (base < 0 || base == 1 || base > 36)
		return result;

	while (isspace(*s))
		s++;
	if (*s == '+' || *s == '-')
		result.negative = *s++ == '-';

	if ((base == 0 || base == 16) && s[0] == '0' && tolower(s[1]) == 'x' && isxdigit(s[2])) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}

	for (digits = s; digit_value(*s) < (unsigned int)base; s++) {
		unsigned int digit = digit_value(*s);

		if (result.magnitude > (ULLONG_MAX - digit) / (unsigned int)base)
			result.overflow = true;
		else
			result.magnitude = result.magnitude * (unsigned int)base + digit;
	}
	if (result.overflow)
		result.magnitude = ULLONG_MAX;
	if (s != digits)
		*end = s;
	return result;
}

/*
 * C's rule for unsigned types: a '-' negates in the type, overflow gives its maximum. (A
 * magnitude above max without overflow happens only where unsigned long is narrower than 64 bits.)
 */
static unsigned long long to_unsigned(struct parsed p, unsigned long long max)
{
	if (p.overflow || p.magnitude > max)
		return max;
	return p.negative ? (0ULL - p.magnitude) & max : p.magnitude;
}

static long long to_signed(struct parsed p, long long min, long long max)
{
	if (!p.negative) {
		if (p.overflow || p.magnitude > (unsigned long long)max)
			return max;
		return (long long)p.magnitude;
	}
	/* Below min saturates; exactly min has no positive counterpart to negate, so return it. */
	if (p.overflow || p.magnitude >= (unsigned long long)max + 1)
		return min;
	return -(long long)p.magnitude;
}

static void set_end(char **endptr, const char *end)
{
	if (endptr)
		*endptr = (char *)end;
}

unsigned long strtoul(const char *restrict nptr, char **restrict endptr, int base)
{
	const char *end;
	struct parsed p = parse_integer(nptr, &end, base);

	set_end(endptr, end);
	return (unsigned long)to_unsigned(p, ULONG_MAX);
}

unsigned long long strtoull(const char *restrict nptr, char **restrict endptr, int base)
{
	const char *end;
	struct parsed p = parse_integer(nptr, &end, base);

	set_end(endptr, end);
	return to_unsigned(p, ULLONG_MAX);
}

long strtol(const char *restrict nptr, char **restrict endptr, int base)
{
	const char *end;
	struct parsed p = parse_integer(nptr, &end, base);

	set_end(endptr, end);
	return (long)to_signed(p, LONG_MIN, LONG_MAX);
}

long long strtoll(const char *restrict nptr, char **restrict endptr, int base)
{
	const char *end;
	struct parsed p = parse_integer(nptr, &end, base);

	set_end(endptr, end);
	return to_signed(p, LLONG_MIN, LLONG_MAX);
}

/* value << shift, or ULLONG_MAX when bits would fall off the top. */
static unsigned long long scale(unsigned long long value, unsigned int shift)
{
	return value > (ULLONG_MAX >> shift) ? ULLONG_MAX : value << shift;
}

/* A number in base 0 and an optional unit; a number with no unit is scaled by bare_shift. */
static unsigned long long parse_size_unit(const char *s, const char **end, unsigned int bare_shift)
{
	const char *p = s;
	unsigned long long value = 0;
	unsigned int shift = bare_shift;

	if (isdigit(*s)) {
		struct parsed number = parse_integer(s, &p, 0);

		value = number.magnitude;
	}
	if (p == s) { /* no number: no unit either */
		if (end)
			*end = s;
		return 0;
	}

	switch (tolower(*p)) {
	case 't':
		shift = 40;
		p++;
		break;
	case 'g':
		shift = 30;
		p++;
		break;
	case 'm':
		shift = 20;
		p++;
		break;
	case 'k':
		shift = 10;
		p++;
		break;
	case 'b':
		shift = 0;
		p++;
		break;
	case '%': /* a percentage, when the caller can see the '%' and handle it */
		if (end)
			shift = 0;
		break;
	}

	if (end)
		*end = p;
	return scale(value, shift);
}

unsigned long long parse_size(const char *s, const char **end)
{
	return parse_size_unit(s, end, 10); /* Xen's default unit: KiB */
}

unsigned long long parse_size_bytes(const char *s, const char **end)
{
	return parse_size_unit(s, end, 0);
}
