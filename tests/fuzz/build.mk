# Fuzzers: libFuzzer targets built with clang ($(FUZZ_CC), $(FUZZ_CFLAGS)).
#
# Add one from a file tests/fuzz/NAME.mk (included below, after the function exists):
#   $(eval $(call fuzz_target,NAME,SOURCES[,EXTRA]))
# (EXTRA: flags and libraries put after the sources, like -Itools/config -luuid) which gives
#   build/fuzz/NAME          the fuzzer binary, built by `make test-build`
#   make fuzz-NAME           a run of $(FUZZ_SECONDS) s, part of `make fuzz`
#   exit fuzz-NAME in `make test`, a run of $(FUZZ_TEST_SECONDS) s that fails on any crash,
#                            leak, sanitizer report or input slower than FUZZ_INPUT_TIMEOUT s
# The corpus grows in build/fuzz/NAME-corpus, seeded from tests/fuzz/seeds/NAME/ (committed);
# tests/fuzz/NAME.dict, if present, is passed as a dictionary. Crashing inputs are saved as
# build/fuzz/NAME-crash-*; replay one with `build/fuzz/NAME FILE`.

FUZZ := $(BUILD)/fuzz
FUZZ_NAMES :=
FUZZ_INPUT_TIMEOUT ?= 10

# The libFuzzer options of every run, after -max_total_time.
fuzz_options = -timeout=$(FUZZ_INPUT_TIMEOUT) -print_final_stats=1 \
	-artifact_prefix=$(FUZZ)/$(1)- \
	$(if $(wildcard tests/fuzz/$(1).dict),-dict=tests/fuzz/$(1).dict) \
	$(FUZZ)/$(1)-corpus tests/fuzz/seeds/$(1)

define fuzz_target
$(FUZZ)/$(1): $(2) $(HOST_HEADERS)
	@mkdir -p $$(dir $$@) $(FUZZ)/$(1)-corpus
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -o $$@ $(2) $(3)

.PHONY: fuzz-$(1)
fuzz-$(1): $(FUZZ)/$(1)
	@mkdir -p $(FUZZ)/$(1)-corpus
	$(FUZZ)/$(1) -max_total_time=$$(FUZZ_SECONDS) $$(call fuzz_options,$(1))

FUZZ_NAMES += $(1)
FUZZ_TARGETS += fuzz-$(1)
TEST_TARGETS += $(FUZZ)/$(1)
endef

include $(filter-out tests/fuzz/build.mk,$(wildcard tests/fuzz/*.mk))

# The bounded runs, one "exit" test each, for tests/run. Rewritten only when it changes.
FUZZ_LIST := $(FUZZ)/fuzz-tests.list
fuzz_test_line = exit fuzz-$(1) $(FUZZ)/$(1) -max_total_time=$(FUZZ_TEST_SECONDS) \
	$(call fuzz_options,$(1))

$(FUZZ_LIST): FORCE
	@mkdir -p $(dir $@) $(foreach n,$(FUZZ_NAMES),$(FUZZ)/$(n)-corpus)
	@: > $@.tmp
	@$(foreach n,$(FUZZ_NAMES),echo '$(strip $(call fuzz_test_line,$(n)))' >> $@.tmp;)
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp

TEST_TARGETS += $(FUZZ_LIST)
TEST_LISTS += $(FUZZ_LIST)
