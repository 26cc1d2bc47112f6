# Images and machines made from the build: the GRUB rescue ISO and `make run`.
#
#   make iso                  build/parvus.iso (GRUB, Multiboot 2; menu entry 2 uses Multiboot 1)
#   make run                  boot Parvus under QEMU with the serial console on this terminal
#   make run RUN_ARGS="..."   hypervisor command line for make run
#   make run RUN_SMP=4 RUN_CPU=max RUN_MEMORY=1024
#   make run RUN_MODULES="kernel args,ramdisk"   a PV kernel (and ramdisk) as dom0

RUN_ARGS ?= console=com1 loglvl=info
RUN_SMP ?= 2
RUN_CPU ?= qemu64
RUN_MEMORY ?= 512
RUN_MODULES ?=

# $(call make_iso,OUTPUT,HYPERVISOR ARGUMENTS,GRUB TIMEOUT)
define make_iso
	@rm -rf $(1).dir && mkdir -p $(1).dir/boot/grub
	cp $(HV_BUILD)/parvus $(1).dir/boot/parvus
	sed -e 's|@ARGS@|$(2)|' -e 's|@TIMEOUT@|$(3)|' tools/iso/grub.cfg.in > $(1).dir/boot/grub/grub.cfg
	grub-mkrescue -o $(1) $(1).dir 2>$(1).log || { cat $(1).log; exit 1; }
	@rm -rf $(1).dir
endef

$(BUILD)/parvus.iso: $(HV_BUILD)/parvus tools/iso/grub.cfg.in
	$(call make_iso,$@,$(RUN_ARGS),3)

# The same ISO for the boot tests: no menu delay, and power off when boot is done.
$(BUILD)/tests/parvus-test.iso: $(HV_BUILD)/parvus tools/iso/grub.cfg.in
	@mkdir -p $(dir $@)
	$(call make_iso,$@,debug_exit,0)

.PHONY: iso run
iso:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(BUILD)/parvus.iso
	@echo "ISO: $(BUILD)/parvus.iso (boot it with: qemu-system-x86_64 -cdrom $(BUILD)/parvus.iso -nographic)"

run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(HV_BUILD)/parvus
	@echo "Starting Parvus under QEMU ($(RUN_SMP) CPUs, $(RUN_MEMORY) MiB, -cpu $(RUN_CPU)). Quit: Ctrl-a x"
	qemu-system-x86_64 -machine pc -accel tcg -cpu $(RUN_CPU) -smp $(RUN_SMP) -m $(RUN_MEMORY) \
		-nographic -no-reboot -serial mon:stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel $(HV_BUILD)/parvus -append "$(RUN_ARGS)" \
		$(if $(RUN_MODULES),-initrd "$(RUN_MODULES)") || true

TEST_TARGETS += $(BUILD)/tests/parvus-test.iso
