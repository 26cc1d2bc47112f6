# Page ownership, types and page-table validation (hypervisor/page_type.c) over the real frame
# allocator, under ASan and UBSan; then the threaded cases again under ThreadSanitizer, which
# cannot be combined with ASan (the flags after HOST_SAN switch it off and TSan on).
PAGE_TYPE_TEST_SOURCES := tests/unit/test_page_type.c hypervisor/page_type.c hypervisor/page_alloc.c
PAGE_TYPE_TSAN_FLAGS := -pthread -fno-sanitize=all $(HOST_TSAN) -DTHREADED_CASES_ONLY

$(eval $(call host_test,test_page_type,$(PAGE_TYPE_TEST_SOURCES),-pthread))
$(eval $(call host_test,test_page_type_tsan,$(PAGE_TYPE_TEST_SOURCES),$(PAGE_TYPE_TSAN_FLAGS)))
