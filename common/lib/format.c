/*
 * Formatted output (declared in <stdio.h>): the printf conversions the hypervisor, dom0 and PV
 * guests need, with glibc's output for every one of them.
 *
 * One engine, vcbprintf(), hands each character to a callback, so printk can stream to a console
 * with no buffer limit; snprintf and vsnprintf are that engine writing into a bounded buffer.
 * A conversion it does not know is printed as written and never reads memory it was not given.
 */
#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(ptrdiff_t) == sizeof(size_t), "%zd and %tu read the other type");

enum flag {
	FLAG_LEFT = 1 << 0,  /* '-': pad on the right instead of the left */
	FLAG_ZERO = 1 << 1,  /* '0': pad numbers with zeros after the sign or 0x */
	FLAG_PLUS = 1 << 2,  /* '+': signed numbers always carry a sign */
	FLAG_SPACE = 1 << 3, /* ' ': a space where a '+' would go */
	FLAG_ALT = 1 << 4,   /* '#': 0x before hexadecimal, a leading 0 for octal */
};

enum length {
	LENGTH_INT,	  /* none */
	LENGTH_CHAR,	  /* hh */
	LENGTH_SHORT,	  /* h */
	LENGTH_LONG,	  /* l */
	LENGTH_LONG_LONG, /* ll */
	LENGTH_SIZE,	  /* z */
	LENGTH_PTRDIFF,	  /* t */
	LENGTH_INTMAX,	  /* j */
};

/* One conversion specification: %[flags][width][.precision][length]conversion */
struct spec {
	unsigned int flags;
	int width;     /* minimum field width, 0 when none */
	int precision; /* -1 when none */
	enum length length;
};

struct output {
	void (*emit)(char c, void *arg);
	void *arg;
	size_t count; /* characters emitted so far */
};

static void put(struct output *out, char c)
{
	out->emit(c, out->arg);
	out->count++;
}

static void put_text(struct output *out, const char *s, size_t n)
{
	while (n--)
		put(out, *s++);
}

static void put_repeated(struct output *out, char c, size_t n)
{
	while (n--)
		put(out, c);
}

/* Text (%s, %c, "(nil)") padded with spaces to the field width; the '0' flag is ignored. */
static void print_text(struct output *out, const struct spec *spec, const char *s, size_t n)
{
	size_t padding = (size_t)spec->width > n ? (size_t)spec->width - n : 0;

	if (!(spec->flags & FLAG_LEFT))
		put_repeated(out, ' ', padding);
	put_text(out, s, n);
	if (spec->flags & FLAG_LEFT)
		put_repeated(out, ' ', padding);
}

/*
 * An integer laid out as [spaces][prefix][zeros]digits[spaces]. The prefix is the sign and/or
 * 0x; the zeros make up the precision (at least one digit unless the precision is 0 and the
 * value is 0), or fill the width under the '0' flag when there is no precision.
 */
static void print_number(struct output *out, const struct spec *spec, unsigned long long value,
			 const char *prefix, unsigned int base, bool upper)
{
	const char *digit_chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[3 * sizeof(value)]; /* 22 octal digits are the most a 64-bit value needs */
	size_t ndigits = 0, nprefix = strlen(prefix), zeros = 0, length, padding = 0;
	size_t precision = spec->precision < 0 ? 1 : (size_t)spec->precision;

	for (; value; value /= base)
		digits[ndigits++] = digit_chars[value % base];

	if (precision > ndigits)
		zeros = precision - ndigits;
	if (base == 8 && (spec->flags & FLAG_ALT) && zeros == 0)
		zeros = 1; /* '#' makes the first octal digit a 0 */

	length = nprefix + zeros + ndigits;
	if ((size_t)spec->width > length)
		padding = (size_t)spec->width - length;
	if ((spec->flags & (FLAG_LEFT | FLAG_ZERO)) == FLAG_ZERO && spec->precision < 0) {
		zeros += padding;
		padding = 0;
	}

	if (!(spec->flags & FLAG_LEFT))
		put_repeated(out, ' ', padding);
	put_text(out, prefix, nprefix);
	put_repeated(out, '0', zeros);
	while (ndigits)
		put(out, digits[--ndigits]);
	if (spec->flags & FLAG_LEFT)
		put_repeated(out, ' ', padding);
}

/* The sign a non-negative signed number shows under '+' or ' '. */
static const char *positive_sign(const struct spec *spec)
{
	if (spec->flags & FLAG_PLUS)
		return "+";
	if (spec->flags & FLAG_SPACE)
		return " ";
	return "";
}

static long long signed_argument(enum length length, va_list *args)
{
	switch (length) {
	case LENGTH_CHAR:
		return (signed char)va_arg(*args, int);
	case LENGTH_SHORT:
		return (short)va_arg(*args, int);
	case LENGTH_LONG:
		return va_arg(*args, long);
	case LENGTH_LONG_LONG:
		return va_arg(*args, long long);
	case LENGTH_SIZE: /* the signed type of size_t's width */
		return va_arg(*args, ptrdiff_t);
	case LENGTH_PTRDIFF:
		return va_arg(*args, ptrdiff_t);
	case LENGTH_INTMAX:
		return va_arg(*args, intmax_t);
	default:
		return va_arg(*args, int);
	}
}

static unsigned long long unsigned_argument(enum length length, va_list *args)
{
	switch (length) {
	case LENGTH_CHAR:
		return (unsigned char)va_arg(*args, int);
	case LENGTH_SHORT:
		return (unsigned short)va_arg(*args, int);
	case LENGTH_LONG:
		return va_arg(*args, unsigned long);
	case LENGTH_LONG_LONG:
		return va_arg(*args, unsigned long long);
	case LENGTH_SIZE:
		return va_arg(*args, size_t);
	case LENGTH_PTRDIFF: /* the unsigned type of ptrdiff_t's width */
		return va_arg(*args, size_t);
	case LENGTH_INTMAX:
		return va_arg(*args, uintmax_t);
	default:
		return va_arg(*args, unsigned int);
	}
}

static void print_signed(struct output *out, const struct spec *spec, va_list *args)
{
	long long value = signed_argument(spec->length, args);

	if (value < 0) /* negate in unsigned arithmetic, where LLONG_MIN has a magnitude */
		print_number(out, spec, 0ULL - (unsigned long long)value, "-", 10, false);
	else
		print_number(out, spec, (unsigned long long)value, positive_sign(spec), 10, false);
}

/* %u %o %x %X: '+' and ' ' do not apply; '#' puts 0x before a hexadecimal value that is not 0. */
static void print_unsigned(struct output *out, const struct spec *spec, va_list *args,
			   unsigned int base, bool upper)
{
	unsigned long long value = unsigned_argument(spec->length, args);
	const char *prefix = "";

	if (base == 16 && (spec->flags & FLAG_ALT) && value)
		prefix = upper ? "0X" : "0x";
	print_number(out, spec, value, prefix, base, upper);
}

static void print_string(struct output *out, const struct spec *spec, const char *s)
{
	size_t n;

	if (!s) /* glibc prints "(null)", or nothing when the precision would cut it */
		s = spec->precision < 0 || spec->precision >= 6 ? "(null)" : "";
	if (spec->precision < 0)
		n = strlen(s);
	else
		n = strnlen(s, (size_t)spec->precision); /* the array may lack a NUL */
	print_text(out, spec, s, n);
}

/* %p: as glibc, "(nil)" for NULL, otherwise like %#lx with the sign flags honoured. */
static void print_pointer(struct output *out, const struct spec *spec, const void *pointer)
{
	const char *prefix = "0x";

	if (!pointer) {
		print_text(out, spec, "(nil)", 5);
		return;
	}
	if (spec->flags & FLAG_PLUS)
		prefix = "+0x";
	else if (spec->flags & FLAG_SPACE)
		prefix = " 0x";
	print_number(out, spec, (uintptr_t)pointer, prefix, 16, false);
}

/* A decimal count in a format, saturating at INT_MAX. */
static const char *parse_count(const char *p, int *count)
{
	int n = 0;

	while (isdigit((unsigned char)*p)) {
		int digit = *p++ - '0';

		n = n > (INT_MAX - digit) / 10 ? INT_MAX : n * 10 + digit;
	}
	*count = n;
	return p;
}

/* Flags, width, precision and length modifier; returns the conversion character's address. */
static const char *parse_spec(const char *p, struct spec *spec, va_list *args)
{
	for (;; p++) {
		if (*p == '-')
			spec->flags |= FLAG_LEFT;
		else if (*p == '0')
			spec->flags |= FLAG_ZERO;
		else if (*p == '+')
			spec->flags |= FLAG_PLUS;
		else if (*p == ' ')
			spec->flags |= FLAG_SPACE;
		else if (*p == '#')
			spec->flags |= FLAG_ALT;
		else
			break;
	}

	if (*p == '*') {
		int width = va_arg(*args, int);

		if (width < 0) { /* a negative width is the '-' flag and its magnitude */
			spec->flags |= FLAG_LEFT;
			width = width == INT_MIN ? INT_MAX : -width;
		}
		spec->width = width;
		p++;
	} else {
		p = parse_count(p, &spec->width);
	}

	if (*p == '.') {
		p++;
		if (*p == '*') {
			int precision = va_arg(*args, int);

			spec->precision = precision < 0 ? -1 : precision; /* negative: none given */
			p++;
		} else {
			p = parse_count(p, &spec->precision); /* "." alone means 0 */
		}
	}

	switch (*p) {
	case 'h':
		spec->length = p[1] == 'h' ? LENGTH_CHAR : LENGTH_SHORT;
		return p[1] == 'h' ? p + 2 : p + 1;
	case 'l':
		spec->length = p[1] == 'l' ? LENGTH_LONG_LONG : LENGTH_LONG;
		return p[1] == 'l' ? p + 2 : p + 1;
	case 'z':
		spec->length = LENGTH_SIZE;
		return p + 1;
	case 't':
		spec->length = LENGTH_PTRDIFF;
		return p + 1;
	case 'j':
		spec->length = LENGTH_INTMAX;
		return p + 1;
	default:
		return p;
	}
}

/* Carry out the conversion that starts at the '%' at start; returns where the text resumes. */
static const char *convert(struct output *out, const char *start, va_list *args)
{
	struct spec spec = {.flags = 0, .width = 0, .precision = -1, .length = LENGTH_INT};
	const char *p = parse_spec(start + 1, &spec, args);

	switch (*p) {
	case 'd':
	case 'i':
		print_signed(out, &spec, args);
		break;
	case 'u':
		print_unsigned(out, &spec, args, 10, false);
		break;
	case 'o':
		print_unsigned(out, &spec, args, 8, false);
		break;
	case 'x':
		print_unsigned(out, &spec, args, 16, false);
		break;
	case 'X':
		print_unsigned(out, &spec, args, 16, true);
		break;
	case 'c': {
		char c = (char)va_arg(*args, int);

		print_text(out, &spec, &c, 1);
		break;
	}
	case 's':
		if (spec.length == LENGTH_LONG) { /* wide string: skip it, show the format */
			(void)va_arg(*args, const void *);
			put_text(out, start, (size_t)(p + 1 - start));
		} else {
			print_string(out, &spec, va_arg(*args, const char *));
		}
		break;
	case 'p':
		print_pointer(out, &spec, va_arg(*args, const void *));
		break;
	case '%': /* glibc ignores any width or flags here */
		put(out, '%');
		break;
	case 'n': /* refused: a format string must not write memory */
		(void)va_arg(*args, void *);
		put_text(out, start, (size_t)(p + 1 - start));
		break;
	case '\0': /* the format ends inside the specification */
		put_text(out, start, (size_t)(p - start));
		return p;
	default: /* floating point or unknown: no argument is taken */
		put_text(out, start, (size_t)(p + 1 - start));
		break;
	}
	return p + 1;
}

int vcbprintf(void (*emit)(char c, void *arg), void *arg, const char *fmt, va_list ap)
{
	struct output out = {.emit = emit, .arg = arg, .count = 0};
	va_list args;

	va_copy(args, ap); /* a copy we can pass by address to the helpers */
	while (*fmt) {
		if (*fmt == '%')
			fmt = convert(&out, fmt, &args);
		else
			put(&out, *fmt++);
	}
	va_end(args);
	return out.count > INT_MAX ? -1 : (int)out.count;
}

/* The destination of vsnprintf: keeps the first size - 1 characters, counts them all. */
struct buffer {
	char *start;
	size_t size;
	size_t used;
};

static void buffer_emit(char c, void *arg)
{
	struct buffer *buffer = arg;

	if (buffer->used + 1 < buffer->size)
		buffer->start[buffer->used] = c;
	buffer->used++;
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
	struct buffer buffer = {.start = buf, .size = size, .used = 0};
	int count = vcbprintf(buffer_emit, &buffer, fmt, ap);

	if (size)
		buf[buffer.used < size ? buffer.used : size - 1] = '\0';
	return count;
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int count;

	va_start(ap, fmt);
	count = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return count;
}
