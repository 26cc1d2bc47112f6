$(eval $(call fuzz_target,xenstored,tests/fuzz/fuzz_xenstored.c $(XENSTORED_SOURCES)))
$(FUZZ)/xenstored: FUZZ_CFLAGS += $(XENSTORED_CFLAGS)
$(FUZZ)/xenstored: $(XENSTORED_HEADERS)
