/*
 * Turns a generated list of items (ABI_ITEMS_FILE: abi_items.h or abi_tools_items.h) into an
 * array of measurements, in whichever translation unit includes it after its ABI headers:
 * parvus_side.c (Parvus's headers) or xen_side.c (Xen's), and their _tools_ twins. The includer
 * names the array with ABI_ITEMS_ARRAY and ABI_ITEMS_COUNT.
 * Everything here is a constant expression, so the compiler itself does the measuring.
 */
#include <stddef.h>
#include "abi_item.h"

/* clang-format off: clang-format 14 does not lay out _Generic lists */
#define ABI_CLASS(x) \
	_Generic((x), \
		_Bool: ABI_CLASS_BOOL, \
		char: ABI_CLASS_CHAR, \
		signed char: ABI_CLASS_SCHAR, \
		unsigned char: ABI_CLASS_UCHAR, \
		short: ABI_CLASS_SHORT, \
		unsigned short: ABI_CLASS_USHORT, \
		int: ABI_CLASS_INT, \
		unsigned int: ABI_CLASS_UINT, \
		long: ABI_CLASS_LONG, \
		unsigned long: ABI_CLASS_ULONG, \
		long long: ABI_CLASS_LLONG, \
		unsigned long long: ABI_CLASS_ULLONG, \
		char *: ABI_CLASS_STRING, \
		const char *: ABI_CLASS_CONST_STRING, \
		default: ABI_CLASS_OTHER)
/* clang-format on */

/* The value of a constant that may be an integer, a pointer or a string literal. */
#define ABI_VALUE(x) \
	((unsigned long long)_Generic((x), char * : 0ULL, const char * : 0ULL, default : (x)))
#define ABI_STRING(x) _Generic((x), char * : (x), const char * : (x), default : (const char *)0)

#define ABI_EXPRESSION(kind_, label_, x) \
	{.kind = kind_,                  \
	 .label = label_,                \
	 .value = ABI_VALUE(x),          \
	 .text = ABI_STRING(x),          \
	 .type_class = ABI_CLASS(x),     \
	 .size = sizeof(x)},

#define ABI_CONSTANT(name) ABI_EXPRESSION(ABI_KIND_CONSTANT, #name, name)
#define ABI_CALL(label, call) ABI_EXPRESSION(ABI_KIND_CALL, label, call)

#define ABI_STRINGIFY_EXPANDED(x) ABI_STRINGIFY(x)
#define ABI_STRINGIFY(x) #x
#define ABI_TEXT(name)                         \
	{.kind = ABI_KIND_TEXT,                \
	 .label = #name,                       \
	 .text = ABI_STRINGIFY_EXPANDED(name), \
	 .type_class = ABI_CLASS_NONE},

#define ABI_TYPE(type)                 \
	{.kind = ABI_KIND_TYPE,        \
	 .label = #type,               \
	 .type_class = ABI_CLASS_NONE, \
	 .size = sizeof(type),         \
	 .align = _Alignof(type)},
#define ABI_TYPE_SCALAR(type)              \
	{.kind = ABI_KIND_TYPE,            \
	 .label = #type,                   \
	 .type_class = ABI_CLASS((type)0), \
	 .size = sizeof(type),             \
	 .align = _Alignof(type)},

#define ABI_FIELD(type, path)               \
	{.kind = ABI_KIND_FIELD,            \
	 .label = #type "." #path,          \
	 .type_class = ABI_CLASS_NONE,      \
	 .size = sizeof(((type *)0)->path), \
	 .offset = offsetof(type, path)},
#define ABI_FIELD_SCALAR(type, path)                 \
	{.kind = ABI_KIND_FIELD,                     \
	 .label = #type "." #path,                   \
	 .type_class = ABI_CLASS(((type *)0)->path), \
	 .size = sizeof(((type *)0)->path),          \
	 .offset = offsetof(type, path)},
#define ABI_FIELD_FLEX(type, path)     \
	{.kind = ABI_KIND_FLEX_FIELD,  \
	 .label = #type "." #path,     \
	 .type_class = ABI_CLASS_NONE, \
	 .offset = offsetof(type, path)},

#define ABI_VARIABLE(name)             \
	{.kind = ABI_KIND_VARIABLE,    \
	 .label = #name,               \
	 .type_class = ABI_CLASS_NONE, \
	 .size = sizeof(name)},

#define ABI_MISSING(label_, why) \
	{.kind = ABI_KIND_MISSING, .label = label_, .text = why, .type_class = ABI_CLASS_NONE},

const struct abi_item ABI_ITEMS_ARRAY[] = {
#include ABI_ITEMS_FILE
};
const size_t ABI_ITEMS_COUNT = sizeof(ABI_ITEMS_ARRAY) / sizeof(ABI_ITEMS_ARRAY[0]);
