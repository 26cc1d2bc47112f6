# Guest test kernels (see tests/guests/README.md): each folder tests/guests/AREA/ holds the
# sources of one small PV kernel, linked with the guest runtime into build/guests/AREA.elf.
#
#   make guest-tests   build every test kernel (also part of `make test`'s build)
#   make test-xen      boot each one as dom0 of Xen 4.17 under QEMU (tests/guests/xen.tests)
#
# The Xen runs are not in TEST_LISTS: they judge Xen, and prove the tests themselves.

# tests/guests/lib/ is not an area: its helpers are linked into every test kernel.
GUEST_TEST_AREAS := $(filter-out lib,$(sort $(notdir $(patsubst %/,%,$(dir $(wildcard tests/guests/*/*.c))))))
GUEST_TEST_LIB := $(wildcard tests/guests/lib/*.c)
# ring/include: the shared I/O ring (freestanding), for the kernels that talk over one.
$(GUEST_BUILD)/obj/tests/guests/%.o: GUEST_CFLAGS += -Itests/guests/lib -Iring/include
GUEST_TEST_KERNELS := $(patsubst %,$(BUILD)/guests/%.elf,$(GUEST_TEST_AREAS))

# An area may link more: GUEST_AREA_SOURCES_<area>.
GUEST_AREA_SOURCES_builder := $(TOOLSTACK_SOURCES)
GUEST_AREA_SOURCES_domctl := common/toolstack/control.c
GUEST_AREA_SOURCES_bench_evtchn := $(TOOLSTACK_SOURCES)
GUEST_AREA_SOURCES_fairness := $(TOOLSTACK_SOURCES)

$(foreach area,$(GUEST_TEST_AREAS),$(eval $(call guest_kernel,$(BUILD)/guests/$(area).elf,\
	$(sort $(wildcard tests/guests/$(area)/*.c tests/guests/$(area)/*.S)) $(GUEST_TEST_LIB) \
	$(GUEST_AREA_SOURCES_$(area)))))

# A ramdisk with a self-describing pattern, for start_of_day's module checks.
$(BUILD)/guests/ramdisk.bin: tests/guests/make-ramdisk
	@mkdir -p $(dir $@)
	tests/guests/make-ramdisk $@

TEST_TARGETS += $(GUEST_TEST_KERNELS) $(BUILD)/guests/ramdisk.bin

.PHONY: guest-tests test-xen
guest-tests: $(GUEST_TEST_KERNELS) $(BUILD)/guests/ramdisk.bin

# Xen as Debian ships it (a gzipped 32-bit ELF with a Multiboot header): QEMU's -kernel takes
# the unpacked file.
$(BUILD)/xen/xen: /boot/xen-4.17-amd64.gz
	@mkdir -p $(dir $@)
	zcat $< > $@.tmp && mv $@.tmp $@

test-xen:
	@scripts/ensure-deps --with-xen
	@$(MAKE) --no-print-directory guest-tests linux-dom0 $(BUILD)/xen/xen
	@tests/run tests/guests/xen.tests
