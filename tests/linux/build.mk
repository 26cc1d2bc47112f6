# Debian's Linux 6.1 as dom0 (docs/linux-dom0.md): its vmlinux, unpacked from the .deb with the
# real decompressor, and a busybox initramfs whose /init prints one line and stops the machine.
# The .deb files are downloaded (scripts/fetch-deb) the first time they are needed: the current
# kernel of Debian 12 (what the metapackage linux-image-amd64 depends on) and busybox-static.
#
#   make linux-debs    download them again into build/linux
#   make linux-dom0    build build/linux/vmlinux-amd64.elf and build/linux/initramfs.cpio.gz
#
# The boots themselves are entries of tests/boot/guests.tests (Parvus, part of make test) and
# tests/guests/xen.tests (Xen 4.17, make test-xen), run by tests/linux/boot-linux.
LINUX_DIR := $(BUILD)/linux
LINUX_DEB := $(LINUX_DIR)/linux-image-amd64.deb
BUSYBOX_DEB := $(LINUX_DIR)/busybox-static.deb

.PHONY: linux-debs linux-dom0
linux-dom0: $(LINUX_DIR)/vmlinux-amd64.elf $(LINUX_DIR)/initramfs.cpio.gz

linux-debs:
	rm -f $(LINUX_DEB) $(BUSYBOX_DEB)
	$(MAKE) $(LINUX_DEB) $(BUSYBOX_DEB)

$(LINUX_DEB) $(BUSYBOX_DEB): | scripts/fetch-deb
	@mkdir -p $(LINUX_DIR)
	scripts/fetch-deb $(patsubst %.deb,%,$(notdir $@)) $@

$(LINUX_DIR)/vmlinux-amd64.elf: $(LINUX_DEB) scripts/extract-vmlinux
	scripts/extract-vmlinux $< $@.tmp && mv $@.tmp $@

$(LINUX_DIR)/initramfs.cpio.gz: $(BUSYBOX_DEB) scripts/make-linux-initramfs
	scripts/make-linux-initramfs $< $@.tmp && mv $@.tmp $@

TEST_TARGETS += $(LINUX_DIR)/vmlinux-amd64.elf $(LINUX_DIR)/initramfs.cpio.gz
