/*
 * The guest ABI conformance test: compares what the compiler measured against Parvus's
 * public headers (parvus_side.c) with what it measured against Xen's (xen_side.c), item by
 * item, and prints every difference by name. The list of items is generated from Parvus's
 * headers by abi_gen.py, so nothing Parvus defines escapes the comparison. Items Xen shows only
 * to the toolstack (domctl, sysctl) are measured against Xen's headers compiled with
 * __XEN_TOOLS__, in a second pair of arrays.
 * Exit status 0 when everything matches, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "abi_item.h"

extern const struct abi_item abi_parvus_items[], abi_xen_items[];
extern const size_t abi_parvus_count, abi_xen_count;
extern const struct abi_item abi_parvus_tools_items[], abi_xen_tools_items[];
extern const size_t abi_parvus_tools_count, abi_xen_tools_count;

/* One view of Xen's headers, and the same items measured against Parvus's. */
struct abi_view {
	const char *name;
	const struct abi_item *parvus, *xen;
	const size_t *parvus_count, *xen_count;
};

static const struct abi_view views[] = {
	{"guest", abi_parvus_items, abi_xen_items, &abi_parvus_count, &abi_xen_count},
	{"tools", abi_parvus_tools_items, abi_xen_tools_items, &abi_parvus_tools_count,
	 &abi_xen_tools_count},
};

static const char *class_name(int type_class)
{
	static const char *const names[] = {
		[ABI_CLASS_OTHER] = "pointer or other",
		[ABI_CLASS_BOOL] = "_Bool",
		[ABI_CLASS_CHAR] = "char",
		[ABI_CLASS_SCHAR] = "signed char",
		[ABI_CLASS_UCHAR] = "unsigned char",
		[ABI_CLASS_SHORT] = "short",
		[ABI_CLASS_USHORT] = "unsigned short",
		[ABI_CLASS_INT] = "int",
		[ABI_CLASS_UINT] = "unsigned int",
		[ABI_CLASS_LONG] = "long",
		[ABI_CLASS_ULONG] = "unsigned long",
		[ABI_CLASS_LLONG] = "long long",
		[ABI_CLASS_ULLONG] = "unsigned long long",
		[ABI_CLASS_STRING] = "char *",
		[ABI_CLASS_CONST_STRING] = "const char *",
	};
	if (type_class < 0 || type_class >= (int)(sizeof(names) / sizeof(names[0])))
		return "none";
	return names[type_class];
}

static int is_string(const struct abi_item *item)
{
	return item->type_class == ABI_CLASS_STRING || item->type_class == ABI_CLASS_CONST_STRING;
}

static int same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Print how the two measurements of one item differ; return the number of differences. */
static int compare(const struct abi_item *p, const struct abi_item *x)
{
	int differences = 0;

	if (p->kind == ABI_KIND_MISSING) {
		printf("FAIL %s: %s\n", p->label, p->text);
		return 1;
	}
	if (p->kind != x->kind || !same_text(p->label, x->label)) {
		printf("FAIL item list out of step at %s / %s (rebuild both sides)\n", p->label,
		       x->label);
		return 1;
	}
	if (p->type_class != x->type_class) {
		printf("FAIL %s: type is %s in Parvus, %s in Xen\n", p->label,
		       class_name(p->type_class), class_name(x->type_class));
		differences++;
	}
	switch (p->kind) {
	case ABI_KIND_CONSTANT:
	case ABI_KIND_CALL:
		if (is_string(p) && is_string(x) && !same_text(p->text, x->text)) {
			printf("FAIL %s: is \"%s\" in Parvus, \"%s\" in Xen\n", p->label, p->text,
			       x->text);
			differences++;
		} else if (p->value != x->value) {
			printf("FAIL %s: value is %#llx (%lld) in Parvus, %#llx (%lld) in Xen\n",
			       p->label, p->value, (long long)p->value, x->value,
			       (long long)x->value);
			differences++;
		}
		break;
	case ABI_KIND_TEXT:
		if (!same_text(p->text, x->text)) {
			printf("FAIL %s: expands to \"%s\" in Parvus, \"%s\" in Xen\n", p->label,
			       p->text, x->text);
			differences++;
		}
		break;
	case ABI_KIND_TYPE:
		if (p->align != x->align) {
			printf("FAIL %s: alignment is %zu in Parvus, %zu in Xen\n", p->label,
			       p->align, x->align);
			differences++;
		}
		break;
	case ABI_KIND_FIELD:
	case ABI_KIND_FLEX_FIELD:
		if (p->offset != x->offset) {
			printf("FAIL %s: offset is %zu in Parvus, %zu in Xen\n", p->label,
			       p->offset, x->offset);
			differences++;
		}
		break;
	case ABI_KIND_VARIABLE:
	case ABI_KIND_MISSING:
		break;
	}
	if (p->size != x->size) {
		printf("FAIL %s: size is %zu in Parvus, %zu in Xen\n", p->label, p->size, x->size);
		differences++;
	}
	return differences;
}

int main(void)
{
	size_t constants = 0, types = 0, fields = 0, failed = 0;

	for (size_t v = 0; v < sizeof(views) / sizeof(views[0]); v++) {
		const struct abi_view *view = &views[v];

		if (*view->parvus_count != *view->xen_count) {
			printf("FAIL the two sides of the %s view list %zu and %zu items (rebuild "
			       "both sides)\n",
			       view->name, *view->parvus_count, *view->xen_count);
			return 1;
		}
		for (size_t i = 0; i < *view->parvus_count; i++) {
			const struct abi_item *p = &view->parvus[i];

			if (compare(p, &view->xen[i]) != 0)
				failed++;
			switch (p->kind) {
			case ABI_KIND_CONSTANT:
			case ABI_KIND_CALL:
			case ABI_KIND_TEXT:
				constants++;
				break;
			case ABI_KIND_TYPE:
			case ABI_KIND_VARIABLE:
				types++;
				break;
			case ABI_KIND_FIELD:
			case ABI_KIND_FLEX_FIELD:
				fields++;
				break;
			case ABI_KIND_MISSING:
				break;
			}
		}
	}
	printf("abi: %zu constants, %zu types (structs, unions, enums, typedefs), %zu fields "
	       "compared with Xen's headers; %zu failed\n",
	       constants, types, fields, failed);
	return failed == 0 ? 0 : 1;
}
