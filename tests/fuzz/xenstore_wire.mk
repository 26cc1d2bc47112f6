$(eval $(call fuzz_target,xenstore_wire,tests/fuzz/fuzz_xenstore_wire.c common/xenstore_wire.c))
