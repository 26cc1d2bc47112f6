/*
 * <string.h> for freestanding Parvus code (hypervisor, dom0 kernel, PV guests): memory and
 * string functions, implemented in common/lib/string.c.
 *
 * Only what is implemented is declared. strcpy, strcat and strtok are left out on purpose:
 * strlcpy and strlcat (the BSD functions) copy with the destination size in hand.
 */
#ifndef PARVUS_LIBC_STRING_H
#define PARVUS_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strspn(const char *s, const char *accept);
size_t strcspn(const char *s, const char *reject);

/*
 * strlcpy: copy src into dst, writing at most size bytes including the terminating NUL (dst is
 * NUL-terminated whenever size > 0). Returns strlen(src); a result >= size means truncation.
 */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);

/*
 * strlcat: append src to the string in dst, a buffer of size bytes. Returns the length of the
 * string it tried to make: strnlen(dst, size) + strlen(src); a result >= size means truncation.
 * If dst holds no NUL within size bytes, nothing is written.
 */
size_t strlcat(char *restrict dst, const char *restrict src, size_t size);

#endif /* PARVUS_LIBC_STRING_H */
