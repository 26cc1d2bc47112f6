# The XenStore daemon's core (dom0/xenstored) on the host, under ASan and UBSan: one cmocka
# binary per concept, each with the shared test client (xenstored_client.c).
XENSTORED_TEST_SOURCES := $(XENSTORED_SOURCES) tests/unit/xenstored_client.c

define xenstored_test
$(eval $(call host_test,$(1),tests/unit/$(1).c $(XENSTORED_TEST_SOURCES),$(XENSTORED_CFLAGS)))
$(HOST)/$(1): $(XENSTORED_HEADERS) tests/unit/xenstored_client.h
endef

$(foreach t,$(basename $(notdir $(wildcard tests/unit/test_xenstored_*.c))), \
	$(eval $(call xenstored_test,$(t))))
