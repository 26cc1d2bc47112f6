# make bench-hypercall: the null-hypercall round trip on Parvus and on Xen 4.17 under QEMU, with
# and without -icount (a benchmark, never a test; figures in docs/benchmarks.md). The kernel
# build/guests/bench_hypercall.elf comes from tests/guests/build.mk; Xen is installed first,
# as `make test-xen` does, so that build/xen/xen can be unpacked.
.PHONY: bench-hypercall
bench-hypercall: $(HV_BUILD)/parvus $(BUILD)/guests/bench_hypercall.elf
	@scripts/ensure-deps --with-xen
	@$(MAKE) --no-print-directory $(BUILD)/xen/xen
	tests/bench/hypercall-compare $(HYPERCALL_BENCH_RUNS)
BENCH_TARGETS += bench-hypercall

# make bench-grant: grant copy throughput against memcpy, and map+unmap pairs, on Parvus and on
# Xen 4.17 (tests/bench/grant-compare; figures in docs/benchmarks.md).
.PHONY: bench-grant
bench-grant: $(HV_BUILD)/parvus $(BUILD)/guests/bench_grant.elf
	@scripts/ensure-deps --with-xen
	@$(MAKE) --no-print-directory $(BUILD)/xen/xen
	tests/bench/grant-compare $(GRANT_BENCH_RUNS)
BENCH_TARGETS += bench-grant

# make bench-evtchn: event-channel ping-pong round trips between dom0 and a domain it built,
# and between dom0's two vCPUs, on Parvus and on Xen 4.17 (tests/bench/evtchn-compare;
# figures in docs/benchmarks.md).
.PHONY: bench-evtchn
bench-evtchn: $(HV_BUILD)/parvus $(BUILD)/guests/bench_evtchn.elf $(BUILD)/guests/child.elf
	@scripts/ensure-deps --with-xen
	@$(MAKE) --no-print-directory $(BUILD)/xen/xen
	tests/bench/evtchn-compare $(EVTCHN_BENCH_RUNS)
BENCH_TARGETS += bench-evtchn
