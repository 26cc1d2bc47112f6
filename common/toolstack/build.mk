# dom0's toolstack code (common/toolstack/README.md): linked into the PV kernels that build and
# manage other domains, with the image and layout code the hypervisor's dom0 builder shares.
TOOLSTACK_SOURCES := $(sort $(wildcard common/toolstack/*.c)) common/elf_image.c \
	common/xen_elfnote.c common/pv_layout.c
