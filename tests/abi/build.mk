# tests/abi: proves Parvus's guest ABI headers (common/include/public) equal to Xen's
# (/usr/include/xen from libxen-dev). abi_gen.py lists every constant, type and field the
# Parvus headers define; the list is measured against each side's headers in its own
# translation unit and abi_check compares the two. `make test-abi` builds and runs it alone.

ABI_OUT := $(HOST)/abi
ABI_XEN_INCLUDE := /usr/include
ABI_PUBLIC_HEADERS := $(shell find common/include/public -name '*.h' 2>/dev/null)
ABI_GEN_INPUTS := tests/abi/abi_gen.py tests/abi/allowlist.txt tests/abi/macro-calls.txt
# The project's include paths would let hypervisor/include shadow system headers here.
ABI_CFLAGS := $(filter-out -I%,$(HOST_CFLAGS)) -Itests/abi -I$(ABI_OUT)

# One run writes the item lists and the sides that measure them (each only if it changed):
# abi_items.h against Xen's guest view (parvus_side.c, xen_side.c), abi_tools_items.h against
# the view Xen gives the toolstack with __XEN_TOOLS__ (parvus_tools_side.c, xen_tools_side.c).
ABI_SIDES := parvus_side xen_side parvus_tools_side xen_tools_side
$(ABI_OUT)/generated.stamp: $(ABI_GEN_INPUTS) $(ABI_PUBLIC_HEADERS) tests/abi/build.mk
	@mkdir -p $(ABI_OUT)
	python3 tests/abi/abi_gen.py --cc $(HOST_CC) --parvus common/include \
		--xen $(ABI_XEN_INCLUDE) --allow tests/abi/allowlist.txt \
		--calls tests/abi/macro-calls.txt --out $(ABI_OUT)
	@touch $@

$(ABI_OUT)/parvus%.o: $(ABI_OUT)/generated.stamp tests/abi/abi_side.h tests/abi/abi_item.h
	$(HOST_CC) $(ABI_CFLAGS) -Icommon/include -c -o $@ $(ABI_OUT)/parvus$*.c

# xen_tools_side.c defines __XEN_TOOLS__ itself, before Xen's headers.
$(ABI_OUT)/xen%.o: $(ABI_OUT)/generated.stamp tests/abi/abi_side.h tests/abi/abi_item.h
	$(HOST_CC) $(ABI_CFLAGS) -I$(ABI_XEN_INCLUDE) \
		-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
		-c -o $@ $(ABI_OUT)/xen$*.c

$(ABI_OUT)/abi_check: tests/abi/abi_check.c tests/abi/abi_item.h \
		$(patsubst %,$(ABI_OUT)/%.o,$(ABI_SIDES))
	$(HOST_CC) $(ABI_CFLAGS) $(HOST_SAN) -o $@ tests/abi/abi_check.c \
		$(patsubst %,$(ABI_OUT)/%.o,$(ABI_SIDES))

TEST_TARGETS += $(ABI_OUT)/abi_check
TEST_LISTS += tests/abi/tests.list

.PHONY: test-abi
test-abi: $(ABI_OUT)/abi_check
	@tests/run tests/abi/tests.list
