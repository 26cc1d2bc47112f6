# ACPI table discovery (hypervisor/arch/x86_64/acpi.c) against synthetic firmware images.
$(eval $(call host_test,test_acpi,tests/unit/test_acpi.c hypervisor/arch/x86_64/acpi.c))
