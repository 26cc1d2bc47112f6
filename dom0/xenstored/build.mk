# dom0/xenstored: the XenStore daemon's core, a library of portable C (see its README.md).
#
# It is compiled three ways: into dom0 (later, with dom0's freestanding flags), on the host for
# the unit tests under ASan and UBSan (tests/unit/xenstored.mk), and into the fuzzer
# (tests/fuzz/xenstored.mk). `make test` also compiles it here with the x86-64 image flags and
# checks it calls nothing but the freestanding C library, so it stays fit for dom0.

XENSTORED_SOURCES := $(sort $(wildcard dom0/xenstored/*.c)) common/xenstore_wire.c
XENSTORED_HEADERS := $(wildcard dom0/xenstored/*.h dom0/xenstored/include/xenstored/*.h)
XENSTORED_CFLAGS := -Idom0/xenstored/include

XENSTORED_FREESTANDING_OBJECTS := \
	$(patsubst %.c,$(BUILD)/xenstored-freestanding/%.o,$(XENSTORED_SOURCES))

$(BUILD)/xenstored-freestanding/%.o: %.c $(XENSTORED_HEADERS) $(LIBC_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(LIBC_FREESTANDING_CFLAGS) -Icommon/include $(XENSTORED_CFLAGS) -c -o $@ $<

# The undefined symbols of the freestanding objects, checked against the library's.
$(BUILD)/xenstored-freestanding/symbols.ok: $(XENSTORED_FREESTANDING_OBJECTS) \
		$(LIBC_FREESTANDING_OBJECTS)
	@defined=$$(nm --defined-only $^ | awk '$$2 ~ /^[TDRB]$$/ { print $$3 }' | sort -u); \
	for s in $$(nm --undefined-only $(XENSTORED_FREESTANDING_OBJECTS) | awk '{print $$2}' \
			| sort -u); do \
		echo "$$defined" | grep -qx "$$s" || { echo "xenstored calls out to $$s"; exit 1; }; \
	done
	@touch $@

TEST_TARGETS += $(BUILD)/xenstored-freestanding/symbols.ok
