/*
 * start_hypervisor: the boot CPU's path from the bootloader to an idle machine, in order.
 * Console first (so every later step can speak), then what the bootloader told us, the
 * command line, the CPU, memory, descriptor tables, ACPI, interrupt controllers, time, the
 * other CPUs, and finally the boot modules (the dom0 kernel, once PV domains exist).
 */
#include <acpi.h>
#include <arch/apic.h>
#include <arch/cpu_features.h>
#include <arch/cpu_tables.h>
#include <arch/uart.h>
#include <arch/uaccess.h>
#include <arch/x86.h>
#include <boot_info.h>
#include <cmdline.h>
#include <console.h>
#include <machine.h>
#include <boot_memory.h>
#include <page_alloc.h>
#include <heap.h>
#include <m2p.h>
#include <dom0_build.h>
#include <arch/tlb_flush.h>
#include <arch/context_switch.h>
#include <scheduler.h>
#include <vcpu_time.h>
#include <domain.h>
#include <arch/guest.h>
#include <public/sched.h>
#include <keyhandler.h>
#include <percpu.h>
#include <printk.h>
#include <smp.h>
#include <symbols.h>
#include <system_time.h>
#include <timer.h>
#include <string.h>

#define PARVUS_VERSION "0.1"

int trigger_debug_fault(const char *kind);
void guest_self_test(void);
extern uint64_t boot_l4[512];

static struct boot_info boot_info;

const struct boot_info *boot_info_get(void)
{
	return &boot_info;
}
static struct acpi_info acpi;

void page_alloc_panic(const char *why)
{
	panic("frame allocator: %s", why);
}

void heap_panic(const char *why)
{
	panic("heap: %s", why);
}

static void timer_interrupt(unsigned int vector)
{
	(void)vector;
	lapic_eoi();
	timer_softirq();
}

static void wake_interrupt(unsigned int vector)
{
	(void)vector;
	lapic_eoi();
	flush_tlb_local(); /* page tables may have changed (smp_boot_done) */
	timer_softirq();   /* another CPU may have changed our timer queue */
}

static void spurious_interrupt(unsigned int vector)
{
	(void)vector; /* no EOI for a spurious interrupt */
}

static void serial_interrupt(unsigned int vector)
{
	(void)vector;
	console_input_receive();
	lapic_eoi();
}

void arch_timer_kick(unsigned int cpu)
{
	lapic_send_ipi(cpus[cpu]->apic_id, VECTOR_WAKE);
}

void cpu_idle_loop(void)
{
	for (;;) {
		/* The boot CPU takes the serial interrupt, so it answers debug keys. */
		if (this_cpu()->id == 0)
			keyhandler_drain();
		local_irq_disable();
		safe_halt();
	}
}

/* Skip the image's own name, which Multiboot loaders put first on the command line. */
static const char *hypervisor_arguments(const struct boot_info *info)
{
	const char *cmdline = info->cmdline;
	size_t first = strcspn(cmdline, " ");

	if (memchr(cmdline, '/', first) || !strcmp(info->bootloader, "qemu")) {
		if (!memchr(cmdline, '=', first))
			cmdline += first;
	}
	while (*cmdline == ' ')
		cmdline++;
	return cmdline;
}

static void acpi_setup(void)
{
	uint64_t rsdp = 0;
	int error;

	if (boot_info.rsdp_length)
		error = acpi_parse_rsdp_copy(boot_info.rsdp, boot_info.rsdp_length,
					     DIRECT_MAP_LIMIT, &acpi);
	else if ((error = acpi_find_rsdp(&rsdp)) == 0)
		error = acpi_parse(rsdp, DIRECT_MAP_LIMIT, &acpi);
	if (error) {
		printk(LOG_WARNING "ACPI: %s; assuming one CPU and the standard I/O APIC\n",
		       acpi_error_name(error));
		memset(&acpi, 0, sizeof(acpi));
		acpi.lapic_address = 0xfee00000;
		acpi.cpu_count = 1;
		acpi.cpus[0] = (struct acpi_cpu){.apic_id = lapic_id(), .enabled = true};
		acpi.ioapic_count = 1;
		acpi.ioapics[0] = (struct acpi_ioapic){.id = 0, .address = 0xfec00000};
		return;
	}
	printk(LOG_INFO "ACPI: revision %u, %s; %u CPUs, %u I/O APICs, %u interrupt overrides%s\n",
	       acpi.rsdp_revision, acpi.used_xsdt ? "XSDT" : "RSDT", acpi.cpu_count,
	       acpi.ioapic_count, acpi.override_count, acpi.warnings ? " (with warnings)" : "");
	for (unsigned int i = 0; i < acpi.cpu_count; i++)
		printk(LOG_INFO "  CPU: APIC id %u%s%s\n", acpi.cpus[i].apic_id,
		       acpi.cpus[i].enabled ? "" : " (disabled, hot-pluggable)",
		       acpi.cpus[i].x2apic ? " (x2APIC entry)" : "");
	for (unsigned int i = 0; i < acpi.ioapic_count; i++)
		printk(LOG_INFO "  I/O APIC: id %u at %#x, GSIs from %u\n", acpi.ioapics[i].id,
		       acpi.ioapics[i].address, acpi.ioapics[i].gsi_base);
	for (unsigned int i = 0; i < acpi.override_count; i++)
		printk(LOG_INFO "  override: IRQ %u -> GSI %u, flags %#x\n",
		       acpi.overrides[i].source_irq, acpi.overrides[i].gsi, acpi.overrides[i].flags);
	if (acpi.hpet_address)
		printk(LOG_INFO "  HPET at %#lx\n", acpi.hpet_address);
}

static void interrupts_setup(void)
{
	pic_disable();
	lapic_init(acpi.lapic_address);
	lapic_enable();
	for (unsigned int i = 0; i < acpi.ioapic_count; i++)
		ioapic_add(acpi.ioapics[i].id, acpi.ioapics[i].address, acpi.ioapics[i].gsi_base);
	irq_set_handler(VECTOR_TIMER, timer_interrupt);
	irq_set_handler(VECTOR_WAKE, wake_interrupt);
	tlb_flush_init();
	scheduler_init();
	irq_set_handler(VECTOR_SPURIOUS, spurious_interrupt);
	irq_set_handler(VECTOR_IRQ_BASE + COM1_IRQ, serial_interrupt);

	/* COM1's receive interrupt, for the console input ring. */
	uint16_t flags;
	uint32_t gsi = acpi_irq_to_gsi(&acpi, COM1_IRQ, &flags);
	bool level = (flags & ACPI_TRIGGER_MASK) == ACPI_TRIGGER_LEVEL;
	bool low = (flags & ACPI_POLARITY_MASK) == ACPI_POLARITY_LOW;

	if (ioapic_route(gsi, VECTOR_IRQ_BASE + COM1_IRQ, lapic_id(), level, low) == 0)
		console_enable_input_interrupts();
	else
		printk(LOG_WARNING "serial: no I/O APIC input for GSI %u; console input off\n", gsi);
}

static void wake_up_nothing(void *data)
{
	(void)data; /* the interrupt itself was the point: it ends a halt */
}

/*
 * Sleep on this CPU until done() says so or timeout_ns pass; true when done. done() is checked
 * with interrupts off before each "sti; hlt", so a wake-up between the check and the halt is
 * not lost; whoever makes done() true must interrupt us (a timer here, or an IPI), and a timer
 * at the deadline makes sure the timeout itself wakes us.
 */
static bool wait_for(bool (*done)(void), uint64_t timeout_ns)
{
	static struct timer deadline_timer;
	uint64_t deadline = now_ns() + timeout_ns;
	bool result;

	timer_init(&deadline_timer, wake_up_nothing, NULL, this_cpu()->id);
	timer_set(&deadline_timer, deadline);
	local_irq_disable();
	while (!(result = done()) && now_ns() < deadline) {
		safe_halt();
		local_irq_disable();
	}
	local_irq_enable();
	timer_stop(&deadline_timer);
	return result;
}

/* A quick check that one-shot timers fire, in deadline order, close to their deadlines. */
static volatile unsigned int timers_fired;
static unsigned int timer_order[3];

static void self_test_timer(void *data)
{
	timer_order[timers_fired] = (unsigned int)(uint64_t)data;
	timers_fired++;
}

static bool three_timers_fired(void)
{
	return timers_fired == 3;
}

static void timer_self_test(void)
{
	static struct timer timers[3];
	uint64_t start = now_ns(), deadlines[3];
	/* Armed out of order, to see the queue sort them; with interrupts off, so that a slow
	 * arming (TCG translating new code) cannot let one fire before the others are queued. */
	const uint64_t offsets_us[3] = {3000, 1000, 2000};

	local_irq_disable();
	for (unsigned int i = 0; i < 3; i++) {
		timer_init(&timers[i], self_test_timer, (void *)(uint64_t)i, 0);
		deadlines[i] = start + offsets_us[i] * 1000;
		timer_set(&timers[i], deadlines[i]);
	}
	wait_for(three_timers_fired, 1000000000ull);
	uint64_t end = now_ns();

	if (timers_fired != 3 || timer_order[0] != 1 || timer_order[1] != 2 || timer_order[2] != 0)
		panic("timer self-test: %u of 3 timers fired, order %u %u %u (expected 1 2 0)",
		      timers_fired, timer_order[0], timer_order[1], timer_order[2]);
	printk(LOG_INFO "Timers: 3 one-shot timers fired in deadline order within %lu us\n",
	       (end - start) / 1000);
}

/* Every CPU's own local APIC timer, armed from the boot CPU (which kicks the others). */
static volatile unsigned int cpus_with_timer_fired;

static void count_cpu_timer(void *data)
{
	unsigned int expected_cpu = (unsigned int)(uint64_t)data;

	if (this_cpu()->id == expected_cpu)
		__atomic_add_fetch(&cpus_with_timer_fired, 1, __ATOMIC_SEQ_CST);
	if (expected_cpu != 0)
		arch_timer_kick(0); /* the boot CPU sleeps until every CPU has counted */
}

static unsigned int timers_armed_on_cpus;

static bool every_cpu_timer_fired(void)
{
	return cpus_with_timer_fired == timers_armed_on_cpus;
}

static void timer_test_all_cpus(void)
{
	static struct timer timers[MAX_CPUS];
	unsigned int armed = 0;
	uint64_t start = now_ns();

	for (unsigned int id = 0; id < MAX_CPUS; id++) {
		if (!cpus[id] || !cpus[id]->online)
			continue;
		timer_init(&timers[id], count_cpu_timer, (void *)(uint64_t)id, id);
		timer_set(&timers[id], start + 1000000);
		armed++;
	}
	timers_armed_on_cpus = armed;
	if (!wait_for(every_cpu_timer_fired, 1000000000ull))
		panic("timer test: %u of %u CPUs ran their own timer", cpus_with_timer_fired, armed);
	printk(LOG_INFO "Timers: a one-shot timer fired on each of the %u CPUs, on that CPU\n",
	       armed);
}

/*
 * Guest-memory copies must fail cleanly: from an unmapped low address (after the identity map
 * is gone), from an unmapped upper-half address, and refused for the hypervisor's own range.
 */
static void uaccess_self_test(void)
{
	uint64_t value = 0x1234;
	const uint64_t unmapped[] = {0x1000, 0xffffffff80000000ull};

	for (unsigned int i = 0; i < 2; i++)
		if (copy_from_guest_raw(&value, unmapped[i], sizeof(value)) != sizeof(value) ||
		    copy_to_guest_raw(unmapped[i], &value, sizeof(value)) != sizeof(value))
			panic("uaccess: a copy at unmapped %#lx did not fail", unmapped[i]);
	if (copy_from_guest_raw(&value, DIRECTMAP_START, sizeof(value)) != sizeof(value))
		panic("uaccess: a copy from the hypervisor's range was not refused");
	if (value != 0x1234)
		panic("uaccess: a failed copy changed its target");
	printk(LOG_INFO "Guest access: faults on unmapped addresses are caught; the hypervisor's "
			"range is refused\n");
}

static void report_modules(void)
{
	if (boot_info.modules_truncated)
		printk(LOG_WARNING "more than %d boot modules; the rest are ignored\n",
		       BOOT_MAX_MODULES);
	for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];

		printk(LOG_INFO "Module %u: %#lx-%#lx (%lu KiB) '%s'\n", i + 1, m->start, m->end,
		       (m->end - m->start) >> 10, m->cmdline);
	}
	if (boot_info.nr_modules == 0)
		printk(LOG_INFO "No dom0 module was given: nothing to run. (Give a PV kernel as the "
				"first module: -initrd \"kernel args\".) Debug keys: type 'h'.\n");
	else
		printk(LOG_INFO "dom0: kernel is module 1%s\n",
		       boot_info.nr_modules > 1 ? ", ramdisk module 2" : "");
}

/*
 * Build dom0 from the modules and run it on this CPU until it shuts down; as with Xen, its
 * poweroff powers the machine off (the pass code under QEMU) and its crash is a failure.
 */
static void run_dom0(void)
{
	struct dom0_image dom0;

	if (dom0_build(&boot_info, boot_options.dom0_mem, &dom0))
		return;
	if (boot_options.dom0_max_mem) /* dom0_mem=...,max:S */
		dom0.domain->max_pages = boot_options.dom0_max_mem >> PAGE_SHIFT;
	printk(LOG_INFO "dom0: starting at %#lx\n", dom0.start.rip);
	local_irq_disable();
	/* Its page tables, descriptor tables, segment bases, FPU and XSAVE components, as any
	 * switch to a vCPU loads them. */
	arch_vcpu_load(dom0.vcpu);
	set_current_vcpu(dom0.vcpu);
	vcpu_start(dom0.vcpu);
	uint64_t how = guest_run(&dom0.start);

	set_current_vcpu(NULL);
	write_cr3((uint64_t)boot_l4 - IMAGE_VIRT_OFFSET);
	tlb_note_cr3(NULL);
	domain_stopped_on_cpu(dom0.domain, how);
}

void start_hypervisor(uint32_t magic, uint64_t info_phys)
{
	const char *error;

	time_mark_boot();
	console_init();
	int parse_status = boot_info_parse(magic, info_phys, &boot_info, &error);

	printk(LOG_INFO "Parvus %s: a small Xen-style hypervisor for x86-64\n", PARVUS_VERSION);
	if (parse_status)
		panic("boot information: %s (magic %#x)", error, magic);
	cpu_create(0, 0);
	idt_init();
	cpu_activate(cpus[0]);
	nr_cpus_online = 1;
	cpus[0]->online = true;

	const char *arguments = hypervisor_arguments(&boot_info);

	printk(LOG_INFO "Booted by %s (%s); command line: '%s'\n", boot_info.protocol,
	       boot_info.bootloader[0] ? boot_info.bootloader : "unnamed bootloader", arguments);
	cmdline_parse(arguments);
	cpu_features_init();
	cpu_setup_this();
	memory_init(&boot_info);
	m2p_init();
	printk(LOG_INFO "Symbols: %lu functions in the fault-report table\n", symbol_count());

	acpi_setup();
	interrupts_setup();
	cpus[0]->apic_id = lapic_id();
	time_init();
	wallclock_init();
	printk_enable_timestamps();
	printk(LOG_INFO "Time: TSC %lu.%03lu MHz%s, local APIC timer %lu.%03lu MHz, "
			"measured against the PIT over 10 ms\n",
	       time_calibration.tsc_hz / 1000000, time_calibration.tsc_hz / 1000 % 1000,
	       boot_cpu_features.invariant_tsc ? " (invariant)" : "",
	       time_calibration.apic_timer_hz / 1000000,
	       time_calibration.apic_timer_hz / 1000 % 1000);
	local_irq_enable();
	timer_self_test();

	uint32_t apic_ids[ACPI_MAX_CPUS];
	unsigned int count = 0;

	for (unsigned int i = 0; i < acpi.cpu_count; i++)
		if (acpi.cpus[i].enabled)
			apic_ids[count++] = acpi.cpus[i].apic_id;
	unsigned int max_cpus = boot_options.max_cpus ? boot_options.max_cpus : MAX_CPUS;

	if (!boot_options.smp)
		max_cpus = 1;
	uint64_t smp_start = now_ns();
	unsigned int online = max_cpus > 1 ? smp_boot(apic_ids, count, max_cpus) : 1;

	smp_boot_done();
	timer_test_all_cpus();

	printk(LOG_INFO "All CPUs up: %u of %u online (%lu us to start them)\n", online, count,
	       (now_ns() - smp_start) / 1000);
	uaccess_self_test();
	guest_self_test();
	report_modules();

	if (boot_info.nr_modules > 0)
		run_dom0();
	if (boot_options.debug_fault[0]) {
		printk(LOG_INFO "debug_fault=%s: faulting on purpose\n", boot_options.debug_fault);
		trigger_debug_fault(boot_options.debug_fault);
		panic("debug_fault=%s did not fault", boot_options.debug_fault);
	}
	struct heap_stats heap;

	heap_get_stats(&heap);
	printk(LOG_INFO "Boot done: %lu KiB free, heap %lu allocations in %lu pages\n",
	       page_alloc_free_frames() << (PAGE_SHIFT - 10), (unsigned long)heap.live_allocations,
	       (unsigned long)heap.pages_held);
	if (boot_options.debug_exit) {
		/* Answer keys typed (or piped in by a test) before leaving: wait for 50 ms in
		 * which nothing arrives. */
		keyhandler_drain();
		while (wait_for(console_input_pending, 50000000ull))
			keyhandler_drain();
		printk(LOG_INFO "debug_exit: powering off\n");
		machine_pass();
	}
	cpu_idle_loop();
}
