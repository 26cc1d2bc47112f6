/*
 * Host tests only: gives the functions of Parvus's C library (common/lib) the prefix parvus_, so
 * that a test binary holds our implementation and glibc's side by side and compares them.
 *
 * common/lib/build.mk compiles the library for host tests with -include of this file, so
 * common/lib/string.c defines parvus_memcpy, not memcpy. A test includes glibc's headers, then
 * this file and ours ("libc/string.h" declares parvus_memcpy), then undoes the renaming:
 *
 *	#include <string.h>                  glibc: the oracle, called as memcpy
 *	#include "libc_rename.h"
 *	#include "libc/string.h"             ours, called as parvus_memcpy
 *	#define PARVUS_LIBC_RENAME_UNDO
 *	#include "libc_rename.h"
 *
 * Each name is #undef'd first because glibc's <ctype.h> defines isdigit and friends as macros.
 * There is no include guard, since a test includes this file twice.
 * vcbprintf, parse_size and parse_size_bytes keep their names: glibc has nothing to clash with,
 * and host tests of code that calls them can link $(LIBC_HOST_OBJECTS).
 */
#ifndef PARVUS_LIBC_RENAME_UNDO

#undef memcpy
#define memcpy parvus_memcpy
#undef memmove
#define memmove parvus_memmove
#undef memset
#define memset parvus_memset
#undef memcmp
#define memcmp parvus_memcmp
#undef memchr
#define memchr parvus_memchr
#undef strlen
#define strlen parvus_strlen
#undef strnlen
#define strnlen parvus_strnlen
#undef strcmp
#define strcmp parvus_strcmp
#undef strncmp
#define strncmp parvus_strncmp
#undef strchr
#define strchr parvus_strchr
#undef strrchr
#define strrchr parvus_strrchr
#undef strstr
#define strstr parvus_strstr
#undef strspn
#define strspn parvus_strspn
#undef strcspn
#define strcspn parvus_strcspn
#undef strlcpy
#define strlcpy parvus_strlcpy
#undef strlcat
#define strlcat parvus_strlcat
#undef snprintf
#define snprintf parvus_snprintf
#undef vsnprintf
#define vsnprintf parvus_vsnprintf
#undef strtoul
#define strtoul parvus_strtoul
#undef strtoull
#define strtoull parvus_strtoull
#undef strtol
#define strtol parvus_strtol
#undef strtoll
#define strtoll parvus_strtoll
#undef isdigit
#define isdigit parvus_isdigit
#undef isxdigit
#define isxdigit parvus_isxdigit
#undef isspace
#define isspace parvus_isspace
#undef isalpha
#define isalpha parvus_isalpha
#undef isalnum
#define isalnum parvus_isalnum
#undef isupper
#define isupper parvus_isupper
#undef islower
#define islower parvus_islower
#undef isprint
#define isprint parvus_isprint
#undef toupper
#define toupper parvus_toupper
#undef tolower
#define tolower parvus_tolower

#else /* PARVUS_LIBC_RENAME_UNDO: back to the plain names, which are glibc's */

#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strstr
#undef strspn
#undef strcspn
#undef strlcpy
#undef strlcat
#undef snprintf
#undef vsnprintf
#undef strtoul
#undef strtoull
#undef strtol
#undef strtoll
#undef isdigit
#undef isxdigit
#undef isspace
#undef isalpha
#undef isalnum
#undef isupper
#undef islower
#undef isprint
#undef toupper
#undef tolower
#undef PARVUS_LIBC_RENAME_UNDO

#endif
