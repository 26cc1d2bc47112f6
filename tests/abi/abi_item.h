/*
 * One fact of the guest ABI as measured by the compiler in one translation unit. The ABI
 * test builds the same list of items twice, against Parvus's headers and against Xen's
 * (abi_side.h), and abi_check.c compares the two arrays entry by entry.
 */
#ifndef PARVUS_TESTS_ABI_ITEM_H
#define PARVUS_TESTS_ABI_ITEM_H

#include <stddef.h>

enum abi_kind {
	ABI_KIND_CONSTANT,   /* an object-like macro or enumerator: value, type, size */
	ABI_KIND_CALL,	     /* a function-like macro applied to sample arguments */
	ABI_KIND_TEXT,	     /* a macro defined empty: its expansion text */
	ABI_KIND_TYPE,	     /* struct, union, enum or typedef: size and alignment */
	ABI_KIND_FIELD,	     /* a member: offset and size */
	ABI_KIND_FLEX_FIELD, /* a flexible array member: offset */
	ABI_KIND_VARIABLE,   /* an object declared in a header: size */
	ABI_KIND_MISSING,    /* found by the generator: cannot be compared, always a failure */
};

/* The type of a scalar, as told apart by _Generic; ABI_CLASS_NONE for aggregates. */
enum abi_class {
	ABI_CLASS_NONE = -1,
	ABI_CLASS_OTHER, /* pointer, floating point, ... */
	ABI_CLASS_BOOL,
	ABI_CLASS_CHAR,
	ABI_CLASS_SCHAR,
	ABI_CLASS_UCHAR,
	ABI_CLASS_SHORT,
	ABI_CLASS_USHORT,
	ABI_CLASS_INT,
	ABI_CLASS_UINT,
	ABI_CLASS_LONG,
	ABI_CLASS_ULONG,
	ABI_CLASS_LLONG,
	ABI_CLASS_ULLONG,
	ABI_CLASS_STRING,
	ABI_CLASS_CONST_STRING,
};

struct abi_item {
	enum abi_kind kind;
	const char *label; /* "DOMID_SELF", "struct vcpu_info", "struct vcpu_info.arch.cr2" */
	unsigned long long value;
	const char *text; /* string constants and empty macros; the reason for MISSING */
	int type_class;	  /* enum abi_class */
	size_t size;
	size_t align;
	size_t offset;
};

#endif /* PARVUS_TESTS_ABI_ITEM_H */
