# The domain builder's image side (issue 4): ELF images, Xen ELF notes, the PV start-of-day
# layout, each on the host under ASan and UBSan. Fixtures and helper scripts live in
# tests/unit/domain_builder/ (see its README).
DOMAIN_BUILDER_FIXTURES := $(wildcard tests/unit/domain_builder/*.h)

$(eval $(call host_test,test_elf_image,tests/unit/test_elf_image.c common/elf_image.c))
$(eval $(call host_test,test_xen_elfnote,tests/unit/test_xen_elfnote.c common/xen_elfnote.c \
	common/elf_image.c))
$(eval $(call host_test,test_pv_layout,tests/unit/test_pv_layout.c common/pv_layout.c \
	common/xen_elfnote.c common/elf_image.c))

$(HOST)/test_elf_image $(HOST)/test_xen_elfnote $(HOST)/test_pv_layout: $(DOMAIN_BUILDER_FIXTURES)
