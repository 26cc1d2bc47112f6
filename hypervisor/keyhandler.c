/*
 * Debug keys. The serial receive interrupt queues bytes in the console input ring; the boot
 * CPU, when idle, takes them out here and answers each known key with a report. Once dom0
 * exists the input will be its (Xen switches with Ctrl-A three times; so will we).
 */
#include <keyhandler.h>
#include <console.h>
#include <heap.h>
#include <page_alloc.h>
#include <percpu.h>
#include <printk.h>
#include <system_time.h>

struct key {
	char key;
	const char *description;
	void (*handler)(void);
};

static void show_help(void);

static void show_memory(void)
{
	struct heap_stats heap;

	heap_get_stats(&heap);
	printk(LOG_INFO "memory: %lu of %lu frames free (%lu KiB); heap: %lu live allocations, "
			"%lu bytes, %lu pages\n",
	       page_alloc_free_frames(), page_alloc_total_frames(),
	       page_alloc_free_frames() << (PAGE_SHIFT - 10), heap.live_allocations,
	       heap.live_bytes, heap.pages_held);
}

static void show_cpus(void)
{
	printk(LOG_INFO "CPUs: %u online\n", nr_cpus_online);
	for (unsigned int id = 0; id < MAX_CPUS; id++) {
		struct cpu *cpu = cpus[id];

		if (cpu && cpu->online)
			printk(LOG_INFO "  CPU%u: APIC id %u, %lu interrupts, %lu timers fired\n", id,
			       cpu->apic_id, cpu->interrupts, cpu->timers.fired);
	}
}

static void show_time(void)
{
	uint64_t now = now_ns();

	printk(LOG_INFO "time: %lu.%09lu s since boot; TSC %lu Hz, scale mul %u shift %d\n",
	       now / 1000000000, now % 1000000000, time_calibration.tsc_hz,
	       time_calibration.ns_mul, time_calibration.ns_shift);
}

static void show_console_ring(void)
{
	static char oldest[48];
	size_t length = console_ring_read(oldest, sizeof(oldest) - 1);

	oldest[length] = '\0';
	for (size_t i = 0; i < length; i++)
		if (oldest[i] == '\n' || oldest[i] == '\r')
			oldest[i] = ' ';
	printk(LOG_INFO "console ring: %lu of %lu bytes used; it begins '%s'\n",
	       (unsigned long)console_ring_used(), (unsigned long)CONSOLE_RING_SIZE, oldest);
}

static const struct key keys[] = {
	{'h', "list the debug keys", show_help},
	{'m', "memory: free frames and the heap", show_memory},
	{'c', "CPUs: which are online, interrupts and timers per CPU", show_cpus},
	{'t', "time: system time and the TSC scale", show_time},
	{'r', "the console ring of recent output", show_console_ring},
};

static void show_help(void)
{
	printk(LOG_INFO "Debug keys:\n");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		printk(LOG_INFO "  '%c' %s\n", keys[i].key, keys[i].description);
}

unsigned int keyhandler_drain(void)
{
	unsigned int handled = 0;

	for (int c; (c = console_input_take()) >= 0;) {
		bool known = false;

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (keys[i].key == c) {
				printk(LOG_INFO "key '%c':\n", c);
				keys[i].handler();
				known = true;
			}
		}
		if (!known && c != '\r' && c != '\n')
			printk(LOG_INFO "key %#x: no such debug key ('h' lists them)\n", c);
		handled++;
	}
	return handled;
}
