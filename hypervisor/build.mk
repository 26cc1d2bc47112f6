# The hypervisor image.
#
# build/hypervisor/parvus      the flat Multiboot image (QEMU -kernel, GRUB multiboot/multiboot2)
# build/hypervisor/parvus.elf  the same with symbols, for gdb and objdump
#
# Linked twice: the first link's symbols become the table that fault reports use (see
# scripts/gen-symbols); the table sits after all code, so the second link moves no function.

HV_BUILD := $(BUILD)/hypervisor
HV_CC := gcc
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -nostdinc \
	-isystem $(shell $(HV_CC) -print-file-name=include) \
	-Ihypervisor/include -Ihypervisor/arch/x86_64/include -Icommon/include/libc -Icommon/include \
	-include hypervisor/include/compiler.h -fpie -mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -fcf-protection=none
HV_LIBC_CFLAGS = $(or $(LIBC_CFLAGS),-fno-builtin -fno-tree-loop-distribute-patterns)

HV_SOURCES := $(wildcard hypervisor/*.c hypervisor/arch/x86_64/*.c hypervisor/arch/x86_64/*.S) \
	common/elf_image.c common/xen_elfnote.c common/pv_layout.c
HV_LIBC_SOURCES = $(or $(LIBC_SOURCES),$(wildcard common/lib/*.c))
HV_OBJECTS = $(patsubst %,$(HV_BUILD)/obj/%.o,$(HV_SOURCES)) \
	$(patsubst %,$(HV_BUILD)/libc/%.o,$(HV_LIBC_SOURCES))

# Objects are rebuilt when the flags change (this file) too.
$(HV_BUILD)/obj/%.c.o: %.c hypervisor/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(HV_CC) $(HV_CFLAGS) -MMD -MP -c -o $@ $<

$(HV_BUILD)/obj/%.S.o: %.S hypervisor/build.mk
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(HV_CC) $(HV_CFLAGS) -D__ASSEMBLER__ -MMD -MP -c -o $@ $<

$(HV_BUILD)/libc/%.c.o: %.c hypervisor/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $< (libc)"
	@$(HV_CC) $(HV_CFLAGS) $(HV_LIBC_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(HV_BUILD) -name '*.d' 2>/dev/null)

HV_LD := ld -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments --build-id=sha1 \
	-T hypervisor/arch/x86_64/hypervisor.ld

$(HV_BUILD)/symbols-empty.o: scripts/gen-symbols
	@mkdir -p $(dir $@)
	scripts/gen-symbols > $(HV_BUILD)/symbols-empty.S
	$(HV_CC) -c -o $@ $(HV_BUILD)/symbols-empty.S

$(HV_BUILD)/parvus.elf: $(HV_OBJECTS) $(HV_BUILD)/symbols-empty.o hypervisor/arch/x86_64/hypervisor.ld
	$(HV_LD) -o $(HV_BUILD)/parvus.pass1.elf $(HV_OBJECTS) $(HV_BUILD)/symbols-empty.o
	scripts/gen-symbols $(HV_BUILD)/parvus.pass1.elf > $(HV_BUILD)/symbols.S
	$(HV_CC) -c -o $(HV_BUILD)/symbols.o $(HV_BUILD)/symbols.S
	$(HV_LD) -o $@ $(HV_OBJECTS) $(HV_BUILD)/symbols.o
	@# The table must describe the image it is in: the functions may not have moved.
	@nm -n $(HV_BUILD)/parvus.pass1.elf | grep ' [tT] ' > $(HV_BUILD)/pass1.syms
	@nm -n $@ | grep ' [tT] ' > $(HV_BUILD)/pass2.syms
	@cmp -s $(HV_BUILD)/pass1.syms $(HV_BUILD)/pass2.syms || \
		{ echo "symbol table: functions moved between links"; rm -f $@; exit 1; }

$(HV_BUILD)/parvus: $(HV_BUILD)/parvus.elf
	objcopy -O binary $< $@

ALL_TARGETS += $(HV_BUILD)/parvus
