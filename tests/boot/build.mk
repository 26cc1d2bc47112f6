# Whole-machine boot tests: need the hypervisor image and the test ISO (tools/build.mk).
TEST_LISTS += tests/boot/boot.tests
TEST_TARGETS += $(HV_BUILD)/parvus

# make bench-boot: wall time from QEMU start to the banner and to all CPUs up (a benchmark).
.PHONY: bench-boot
bench-boot: $(HV_BUILD)/parvus
	tests/bench/boot-time $(BOOT_BENCH_RUNS)
BENCH_TARGETS += bench-boot

# PV guest test kernels on Parvus (the kernels come from tests/guests/build.mk).
TEST_LISTS += tests/boot/guests.tests
