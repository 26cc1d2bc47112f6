# tools/config: the domain configuration parser (xl.cfg syntax, docs/domain-config.md) and
# parvus-config-check, the command that checks a file with it.
#
#   build/tools/parvus-config-check     the command (plain host build)
#   build/host/test_config_*            cmocka tests of the parser, under ASan and UBSan
#   tests/tools/config.tests            the command run on the example files in tests/tools/
#   build/fuzz/config                   the fuzzer (tests/fuzz/config.mk)
#
# Host code with the normal libc and libuuid; it includes nothing from the rest of the tree, so
# the project's include directories are dropped (hypervisor/include has headers named as libc's).

CONFIG_SOURCES := $(addprefix tools/config/,config_diag.c config_value.c lexer.c config_parse.c \
	vdev.c disk_spec.c vif_spec.c domain_config.c domain_config_print.c)
CONFIG_HEADERS := $(wildcard tools/config/*.h)
CONFIG_HOST_CFLAGS := $(filter-out -I%,$(HOST_CFLAGS)) -Itools/config
TOOLS_BUILD := $(BUILD)/tools

$(TOOLS_BUILD)/parvus-config-check: tools/config/parvus_config_check.c $(CONFIG_SOURCES) \
		$(CONFIG_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Itools/config -o $@ $< \
		$(CONFIG_SOURCES) -luuid

# $(call config_host_test,NAME): build/host/NAME from tests/unit/NAME.c and the parser.
define config_host_test
$(HOST)/$(1): tests/unit/$(1).c tests/unit/config_test.h $(CONFIG_SOURCES) $(CONFIG_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(CONFIG_HOST_CFLAGS) -Itests/unit $$(HOST_SAN) -o $$@ $$< $(CONFIG_SOURCES) \
		-lcmocka -luuid
HOST_TESTS += $(HOST)/$(1)
endef

$(eval $(call config_host_test,test_config_syntax))
$(eval $(call config_host_test,test_config_disk))
$(eval $(call config_host_test,test_config_vif))
$(eval $(call config_host_test,test_config_domain))

ALL_TARGETS += $(TOOLS_BUILD)/parvus-config-check
TEST_LISTS += tests/tools/config.tests
