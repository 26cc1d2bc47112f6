/*
 * <stdio.h> for freestanding Parvus code: formatted output only, implemented in
 * common/lib/format.c. There are no streams; printk and the consoles build on vcbprintf().
 *
 * Conversions: %d %i %u %o %x %X %c %s %p %%, flags - 0 + space #, width and precision (both
 * may be *), length modifiers hh h l ll z t j. Output matches glibc's for all of these,
 * including "(null)" for a NULL %s and "(nil)" for a NULL %p.
 *
 * Not supported, and printed as written so a mistake is visible rather than fatal:
 *   - floating point (%f %e %g %a and their capitals): "%5.2f" prints "%5.2f" and takes no
 *     argument (on x86-64 doubles travel in SSE registers, so the integer arguments that
 *     follow are still found; the hypervisor is built without SSE and cannot pass doubles);
 *   - %n, which would let a format string write memory: printed as "%n", its pointer skipped;
 *   - %ls (wide strings): printed as "%ls", its pointer skipped; %lc prints the low byte;
 *   - any other conversion character, or a '%' cut off by the end of the format.
 */
#ifndef PARVUS_LIBC_STDIO_H
#define PARVUS_LIBC_STDIO_H

#include <stdarg.h>
#include <stddef.h>

/*
 * snprintf, vsnprintf: as C99. Write at most size bytes into buf, always NUL-terminated when
 * size > 0 (size 0 writes nothing, and buf may then be NULL). Return the length the whole
 * output would have had, so a result >= size means it was cut short.
 */
int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * vcbprintf: format without a buffer. Every output character is passed in order to
 * emit(c, arg); no NUL is emitted at the end. Returns the number of characters emitted
 * (-1 if that exceeds INT_MAX, after emitting them all). This is what printk uses.
 */
int vcbprintf(void (*emit)(char c, void *arg), void *arg, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif /* PARVUS_LIBC_STDIO_H */
