# The rules for a PV guest's GDT and LDT descriptors (hypervisor/arch/x86_64/segment_descriptor.c).
$(eval $(call host_test,test_segment_descriptor,tests/unit/test_segment_descriptor.c hypervisor/arch/x86_64/segment_descriptor.c,-Ihypervisor/arch/x86_64/include))
