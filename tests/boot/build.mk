# Whole-machine boot tests: need the hypervisor image and the test ISO (tools/build.mk).
TEST_LISTS += tests/boot/boot.tests
TEST_TARGETS += $(HV_BUILD)/parvus
