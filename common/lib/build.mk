# The freestanding C library: common/lib/*.c, headers in common/include/libc (see README.md).
#
# A component (hypervisor, dom0 kernel, PV guest) compiles $(LIBC_SOURCES) into its own image
# with its own freestanding flags plus -Icommon/include/libc and $(LIBC_CFLAGS).

LIBC_SOURCES := common/lib/string.c common/lib/format.c common/lib/number.c
LIBC_HEADERS := $(wildcard common/include/libc/*.h)

# What these files need beyond a component's flags: no built-in knowledge of memcpy and friends,
# and no turning a byte loop into a call to memset or memcpy (inside memset, that call would be
# memset calling itself).
LIBC_CFLAGS := -fno-builtin -fno-tree-loop-distribute-patterns

# --- Freestanding check: the library builds with the flags of the x86-64 images, and calls out
# to nothing but itself (common/lib/check_symbols.sh). The images compile their own copies.
LIBC_FREESTANDING_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -nostdinc \
	-isystem $(shell $(HOST_CC) -print-file-name=include) -Icommon/include/libc \
	-mno-red-zone -mcmodel=large -mgeneral-regs-only -fno-pic -fno-stack-protector
LIBC_FREESTANDING_OBJECTS := \
	$(patsubst common/lib/%.c,$(BUILD)/libc-freestanding/%.o,$(LIBC_SOURCES))

$(BUILD)/libc-freestanding/%.o: common/lib/%.c $(LIBC_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(LIBC_FREESTANDING_CFLAGS) $(LIBC_CFLAGS) -c -o $@ $<

TEST_TARGETS += $(LIBC_FREESTANDING_OBJECTS)

# --- Host build for unit tests, under ASan and UBSan: our headers come first, and every name
# glibc also defines is prefixed parvus_ (tests/unit/libc_rename.h), so a test links our
# implementation beside glibc's and compares the two.
LIBC_HOST_OBJECTS := $(patsubst common/lib/%.c,$(HOST)/libc/%.o,$(LIBC_SOURCES))

$(HOST)/libc/%.o: common/lib/%.c $(LIBC_HEADERS) tests/unit/libc_rename.h
	@mkdir -p $(dir $@)
	$(HOST_CC) -Icommon/include/libc $(HOST_CFLAGS) $(HOST_SAN) $(LIBC_CFLAGS) \
		-include tests/unit/libc_rename.h -c -o $@ $<

$(eval $(call host_test,test_string,tests/unit/test_string.c $(LIBC_HOST_OBJECTS)))
$(eval $(call host_test,test_format,tests/unit/test_format.c $(LIBC_HOST_OBJECTS)))
$(eval $(call host_test,test_number,tests/unit/test_number.c $(LIBC_HOST_OBJECTS)))

# The symbol check reads the objects and test binaries above.
TEST_LISTS += common/lib/tests.list
