# ring/: the shared I/O ring. The library is one header (ring/include/ring.h, on every
# component's include path), so nothing is built for it here: only its tests and benchmark.
#
#   build/host/test_ring               single-thread semantics and hostile producers (ASan+UBSan)
#   build/host/test_ring_layout        conformance with Xen's io/ring.h (ASan+UBSan)
#   build/host/test_ring_stress        two threads, 10M pairs (ASan+UBSan)
#   build/host/test_ring_stress_tsan   the same under ThreadSanitizer
#   make check-ring-misuse             wrong-type use of a declared ring must not compile
#   make bench-ring                    pairs per second against memcpy (-O2, no sanitizers)

# The ring uses nothing above it, so its tests are built with ring/include as the only project
# include directory (which also checks that rule). The other directories are dropped on purpose:
# hypervisor/include/time.h would stand in for libc's <time.h>, which pthread.h needs.
RING_HOST_CFLAGS := $(filter-out -I%,$(HOST_CFLAGS)) -Iring/include
RING_HEADERS := $(wildcard ring/include/*.h)

# $(call ring_host_test,NAME,SOURCE[,EXTRA_FLAGS]): as host_test in the Makefile (ASan+UBSan,
# counted by `make test`), with RING_HOST_CFLAGS.
define ring_host_test
$(HOST)/$(1): $(2) $(RING_HEADERS)
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(RING_HOST_CFLAGS) $$(HOST_SAN) $(3) -o $$@ $(2) -lcmocka
HOST_TESTS += $(HOST)/$(1)
endef

$(eval $(call ring_host_test,test_ring,tests/unit/test_ring.c))
$(eval $(call ring_host_test,test_ring_layout,tests/unit/test_ring_layout.c))
$(eval $(call ring_host_test,test_ring_stress,tests/unit/test_ring_stress.c,-pthread))

# Pair counts for the TSan build (the test prints them): the same as the plain build, which
# TSan runs in about 10 s on two cores. Lower them here if a slower machine needs it.
RING_TSAN_PAIRS ?= 10000000
RING_TSAN_SMALL_PAIRS ?= 1000000
RING_TSAN_SLEEP_PAIRS ?= 500000

$(HOST)/test_ring_stress_tsan: tests/unit/test_ring_stress.c $(RING_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(RING_HOST_CFLAGS) $(HOST_TSAN) -pthread -DSTRESS_PAIRS=$(RING_TSAN_PAIRS)ull \
		-DSTRESS_SMALL_PAIRS=$(RING_TSAN_SMALL_PAIRS)ull \
		-DSTRESS_SLEEP_PAIRS=$(RING_TSAN_SLEEP_PAIRS)ull -o $@ $< -lcmocka

TEST_TARGETS += $(HOST)/test_ring_stress_tsan
TEST_LISTS += ring/tests.list

# Each MISUSE=n variant of tests/unit/test_ring_misuse.c passes one protocol's ring or message
# where another's belongs; every one must be rejected as an incompatible pointer, and the file
# without MISUSE must compile (so the check can fail).
RING_MISUSE_CASES := 1 2 3 4 5 6 7

.PHONY: check-ring-misuse
check-ring-misuse:
	@mkdir -p $(BUILD)
	@$(HOST_CC) $(RING_HOST_CFLAGS) -fsyntax-only tests/unit/test_ring_misuse.c \
		|| { echo "ring misuse: the correct variant does not compile"; exit 1; }
	@for n in $(RING_MISUSE_CASES); do \
		if $(HOST_CC) $(RING_HOST_CFLAGS) -fsyntax-only -DMISUSE=$$n \
			tests/unit/test_ring_misuse.c 2>$(BUILD)/ring-misuse.err; then \
			echo "ring misuse $$n compiled: the ring is not type-safe"; exit 1; \
		fi; \
		if ! grep -q 'incompatible pointer type' $(BUILD)/ring-misuse.err; then \
			echo "ring misuse $$n failed for another reason:"; \
			cat $(BUILD)/ring-misuse.err; exit 1; \
		fi; \
		echo "ring misuse $$n rejected"; \
	done

$(HOST)/ring_bench: tests/bench/ring_bench.c $(RING_HEADERS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -Iring/include -pthread -o $@ $<

.PHONY: bench-ring
bench-ring: $(HOST)/ring_bench
	$(HOST)/ring_bench

BENCH_TARGETS += bench-ring
