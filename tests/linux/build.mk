# Debian's Linux 6.1 as dom0 (docs/linux-dom0.md): its vmlinux, unpacked from the .deb with the
# real decompressor, and a busybox initramfs whose /init prints one line and stops the machine.
#
#   make linux-debs    download the two .deb files into build/linux (apt-get, Debian's archive)
#   make linux-dom0    build build/linux/vmlinux-amd64.elf and build/linux/initramfs.cpio.gz
#
# The boots themselves are entries of tests/boot/guests.tests (Parvus, part of make test) and
# tests/guests/xen.tests (Xen 4.17, make test-xen), run by tests/linux/boot-linux.
LINUX_DIR := $(BUILD)/linux
LINUX_PACKAGE := linux-image-6.1.0-56-amd64
LINUX_DEB := $(LINUX_DIR)/$(LINUX_PACKAGE)_6.1.192-2_amd64.deb
BUSYBOX_DEB = $(firstword $(wildcard $(LINUX_DIR)/busybox-static_*_amd64.deb) \
			  $(LINUX_DIR)/busybox-static_amd64.deb)

.PHONY: linux-debs linux-dom0
linux-dom0: $(LINUX_DIR)/vmlinux-amd64.elf $(LINUX_DIR)/initramfs.cpio.gz

linux-debs:
	@mkdir -p $(LINUX_DIR)
	cd $(LINUX_DIR) && { apt-get download $(LINUX_PACKAGE) busybox-static || \
		{ apt-get update && apt-get download $(LINUX_PACKAGE) busybox-static; }; }

$(LINUX_DEB):
	@echo "missing $@: run 'make linux-debs' (apt-get download $(LINUX_PACKAGE))" >&2; exit 1

$(LINUX_DIR)/busybox-static_amd64.deb:
	@echo "missing busybox-static_*.deb in $(LINUX_DIR): run 'make linux-debs'" >&2; exit 1

$(LINUX_DIR)/vmlinux-amd64.elf: $(LINUX_DEB) scripts/extract-vmlinux
	scripts/extract-vmlinux $< $@.tmp && mv $@.tmp $@

$(LINUX_DIR)/initramfs.cpio.gz: $(BUSYBOX_DEB) scripts/make-linux-initramfs
	scripts/make-linux-initramfs $< $@.tmp && mv $@.tmp $@

TEST_TARGETS += $(LINUX_DIR)/vmlinux-amd64.elf $(LINUX_DIR)/initramfs.cpio.gz
