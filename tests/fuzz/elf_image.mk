$(eval $(call fuzz_target,elf_image,tests/fuzz/fuzz_elf_image.c common/elf_image.c common/xen_elfnote.c common/pv_layout.c))
