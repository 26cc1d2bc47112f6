# The frame allocator and the heap (hypervisor/page_alloc.c, hypervisor/heap.c) on the host,
# under ASan and UBSan; then their threaded cases again under ThreadSanitizer, which cannot be
# combined with ASan (the flags after HOST_SAN switch it off and TSan on).
PAGE_ALLOC_TEST_SOURCES := tests/unit/test_page_alloc.c hypervisor/page_alloc.c
HEAP_TEST_SOURCES := tests/unit/test_heap.c hypervisor/heap.c hypervisor/page_alloc.c
PAGE_ALLOC_TSAN_FLAGS := -pthread -fno-sanitize=all $(HOST_TSAN) -DTHREADED_CASES_ONLY

$(eval $(call host_test,test_page_alloc,$(PAGE_ALLOC_TEST_SOURCES),-pthread))
$(eval $(call host_test,test_heap,$(HEAP_TEST_SOURCES),-pthread))
$(eval $(call host_test,test_page_alloc_tsan,$(PAGE_ALLOC_TEST_SOURCES),$(PAGE_ALLOC_TSAN_FLAGS)))
$(eval $(call host_test,test_heap_tsan,$(HEAP_TEST_SOURCES),$(PAGE_ALLOC_TSAN_FLAGS)))
