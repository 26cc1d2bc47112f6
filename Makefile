# Parvus: top-level build.
#
#   make          build everything into build/
#   make run      boot the machine under QEMU, serial console on this terminal
#   make test     install what is missing, build, run every test; ends with "N passed, M failed"
#   make iso      GRUB rescue ISO (Multiboot 2) in build/parvus.iso
#   make bench    run the benchmarks (figures go to docs/benchmarks.md by hand)
#   make fuzz     run every fuzzer for longer (FUZZ_SECONDS, default 300)
#   make clean
#
# Each component adds itself from its own build.mk (included below), by appending to:
#   ALL_TARGETS    what `make` builds
#   HOST_TESTS     cmocka binaries built with $(call host_test,...); each case counts in `make test`
#   TEST_TARGETS   other things `make test` needs built
#   TEST_LISTS     files of further tests, in the format tests/run describes
#   BENCH_TARGETS  phony targets that `make bench` runs
#   FUZZ_TARGETS   phony targets that `make fuzz` runs

BUILD := build
HOST := $(BUILD)/host
.DEFAULT_GOAL := all

HOST_CC := gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer -DPARVUS_HOST_TEST \
	-Icommon/include -Iring/include -Ihypervisor/include
HOST_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_TSAN := -fsanitize=thread
HOST_HEADERS := $(shell find common/include ring/include hypervisor/include -name '*.h' 2>/dev/null)

FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Icommon/include -Iring/include \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 300
# How long each fuzzer runs inside `make test`.
FUZZ_TEST_SECONDS ?= 20

ALL_TARGETS :=
HOST_TESTS :=
TEST_TARGETS :=
TEST_LISTS :=
BENCH_TARGETS :=
FUZZ_TARGETS :=

# $(call host_test,NAME,SOURCES[,EXTRA_FLAGS]): build/host/NAME, a cmocka test under ASan+UBSan.
define host_test
$(HOST)/$(1): $(2) $(HOST_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$(HOST_SAN) $(3) -o $$@ $(2) -lcmocka
HOST_TESTS += $(HOST)/$(1)
endef

include $(sort $(wildcard */build.mk */*/build.mk))

.PHONY: all run test test-build iso bench fuzz clean deps

all: $(ALL_TARGETS)

deps:
	@scripts/ensure-deps

test-build: $(ALL_TARGETS) $(HOST_TESTS) $(TEST_TARGETS)

$(BUILD)/host-tests.list: FORCE
	@mkdir -p $(BUILD)
	@for t in $(HOST_TESTS); do echo "cmocka $$(basename $$t) $$t"; done > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory test-build $(BUILD)/host-tests.list
	@tests/run $(BUILD)/host-tests.list $(TEST_LISTS)

bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(BENCH_TARGETS)

fuzz:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)

.PHONY: FORCE
FORCE:
