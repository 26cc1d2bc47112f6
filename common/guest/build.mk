# The PV guest runtime (common/guest/), linked into every Parvus PV kernel: the test kernels of
# tests/guests/ today, dom0 and guest-pv later.
#
#   $(call guest_kernel,OUT.elf,SOURCES)   a rule linking SOURCES (.c and .S files) with the
#                                          runtime and the libc into the PV kernel OUT.elf
#
# Kernels run in ring 3 at 0xffffffff80000000 (guest.ld), hence -mcmodel=kernel. The libc and
# LIBC_SOURCES come from common/lib/build.mk, which make reads after this file: everything
# that uses them is expanded late.

GUEST_BUILD := $(BUILD)/guest
GUEST_CC := gcc
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdinc \
	-isystem $(shell $(GUEST_CC) -print-file-name=include) -Icommon/include/libc -Icommon/include \
	-mcmodel=kernel -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-fcf-protection=none
GUEST_LD := ld -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	-T common/guest/guest.ld

GUEST_RUNTIME_SOURCES := $(sort $(wildcard common/guest/*.c common/guest/*.S))
GUEST_RUNTIME_OBJECTS = $(patsubst %,$(GUEST_BUILD)/obj/%.o,$(GUEST_RUNTIME_SOURCES)) \
	$(patsubst %,$(GUEST_BUILD)/libc/%.o,$(LIBC_SOURCES))

$(GUEST_BUILD)/obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (guest)"
	@$(GUEST_CC) $(GUEST_CFLAGS) -MMD -MP -c -o $@ $<

$(GUEST_BUILD)/obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (guest)"
	@$(GUEST_CC) $(GUEST_CFLAGS) -D__ASSEMBLER__ -MMD -MP -c -o $@ $<

$(GUEST_BUILD)/libc/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (guest libc)"
	@$(GUEST_CC) $(GUEST_CFLAGS) $(LIBC_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(GUEST_BUILD) -name '*.d' 2>/dev/null)

define guest_kernel
$(1): $(patsubst %,$(GUEST_BUILD)/obj/%.o,$(2)) $$(GUEST_RUNTIME_OBJECTS) common/guest/guest.ld
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	@$$(GUEST_LD) -o $$@ $(patsubst %,$(GUEST_BUILD)/obj/%.o,$(2)) $$(GUEST_RUNTIME_OBJECTS)
endef
