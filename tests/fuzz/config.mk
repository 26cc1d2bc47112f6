# The domain configuration parser (tools/config), from bytes to the typed configuration and back.
$(eval $(call fuzz_target,config,tests/fuzz/fuzz_config.c \
	$(filter-out tools/config/parvus_config_check.c,$(wildcard tools/config/*.c)), \
	-Itools/config -luuid))
$(FUZZ)/config: $(wildcard tools/config/*.h)
