$(eval $(call host_test,test_xenstore_wire,tests/unit/test_xenstore_wire.c common/xenstore_wire.c))
