/*
 * Measuring time. The PIT ticks at a known 1.193182 MHz, so we let its channel 2 count down
 * 10 ms and see how far the TSC and the local APIC timer moved meanwhile. From then on the TSC
 * is the clock: nanoseconds = ((tsc - boot_tsc) shifted by ns_shift) * ns_mul >> 32, the same
 * scaling formula that Xen gives PV guests in vcpu_time_info.
 */
#include <system_time.h>
#include <arch/apic.h>
#include <arch/x86.h>
#include <printk.h>
#include <public/xen.h>

#define PIT_HZ 1193182
#define CALIBRATION_MS 10
#define NS_PER_SECOND 1000000000ull

struct time_calibration time_calibration;
static uint64_t entry_tsc;

void time_mark_boot(void)
{
	entry_tsc = rdtsc();
}

/* PIT channel 2's current count (it counts down). */
static uint16_t pit_read_count(void)
{
	outb(0x43, 0x80); /* latch channel 2 */
	uint8_t low = inb(0x42);
	uint8_t high = inb(0x42);

	return (uint16_t)(low | high << 8);
}

struct sample {
	uint16_t pit;
	uint64_t tsc;
	uint32_t apic;
};

/*
 * Read the PIT, the TSC and the APIC timer as close together as we can. Under emulation, or
 * on a busy host, the CPU can be descheduled between two reads; the try whose TSC reads lie
 * closest together is the one least disturbed.
 */
static struct sample take_sample(void)
{
	struct sample best = {0, 0, 0};
	uint64_t best_spread = ~0ull;

	for (int attempt = 0; attempt < 5; attempt++) {
		uint64_t before = rdtsc();
		struct sample s = {pit_read_count(), 0, lapic_timer_current()};
		uint64_t after = rdtsc();

		s.tsc = before + (after - before) / 2;
		if (after - before < best_spread) {
			best_spread = after - before;
			best = s;
		}
	}
	return best;
}

/*
 * Let the PIT count about CALIBRATION_MS and see how far the TSC and the APIC timer moved. We
 * read the PIT's counter at both ends rather than wait for it to reach zero, so that being
 * descheduled while waiting costs nothing: the counter says exactly how long it was.
 */
static void measure_against_pit(uint64_t *tsc_hz, uint64_t *apic_hz)
{
	outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate channel 2 on, speaker off */
	outb(0x43, 0xb0);			/* channel 2, both bytes, mode 0 */
	outb(0x42, 0xff);
	outb(0x42, 0xff);
	lapic_timer_start_count();

	struct sample start = take_sample();
	uint16_t target = PIT_HZ * CALIBRATION_MS / 1000;

	while ((uint16_t)(start.pit - pit_read_count()) < target)
		cpu_relax_x86();
	struct sample end = take_sample();
	uint64_t pit_ticks = (uint16_t)(start.pit - end.pit);

	*tsc_hz = (end.tsc - start.tsc) * PIT_HZ / pit_ticks;
	*apic_hz = (uint64_t)(start.apic - end.apic) * PIT_HZ / pit_ticks;
}

static void set_scale(uint64_t hz)
{
	uint64_t ticks = hz;
	int shift = 0;

	while (ticks > 2 * NS_PER_SECOND) {
		ticks >>= 1;
		shift--;
	}
	while (ticks <= NS_PER_SECOND) {
		ticks <<= 1;
		shift++;
	}
	time_calibration.ns_shift = (int8_t)shift;
	time_calibration.ns_mul = (uint32_t)((NS_PER_SECOND << 32) / ticks);
}

void time_init(void)
{
	uint64_t start = rdtsc();

	measure_against_pit(&time_calibration.tsc_hz, &time_calibration.apic_timer_hz);
	set_scale(time_calibration.tsc_hz);
	/* Time zero is the hypervisor's first instruction in C (or calibration, if unmarked). */
	time_calibration.boot_tsc = entry_tsc ? entry_tsc : start;
}

uint64_t now_ns(void)
{
	if (time_calibration.tsc_hz == 0)
		return 0;
	return tsc_to_ns(rdtsc());
}

void udelay(uint64_t microseconds)
{
	uint64_t start = rdtsc();
	uint64_t ticks = time_calibration.tsc_hz / 1000000 * microseconds;

	while (rdtsc() - start < ticks)
		cpu_relax_x86();
}

void arch_timer_program(uint64_t deadline_ns)
{
	if (deadline_ns == 0) {
		lapic_timer_oneshot(0);
		return;
	}
	uint64_t now = now_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;

	/* A far deadline fires early (after at most a second); the queue then re-arms. */
	if (delta > NS_PER_SECOND)
		delta = NS_PER_SECOND;
	uint64_t ticks = delta * time_calibration.apic_timer_hz / NS_PER_SECOND;

	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	lapic_timer_oneshot(ticks ? (uint32_t)ticks : 1);
}

uint64_t tsc_to_ns(uint64_t tsc)
{
	uint64_t delta = tsc - time_calibration.boot_tsc;
	int shift = time_calibration.ns_shift;

	delta = shift < 0 ? delta >> -shift : delta << shift;
	return (uint64_t)(((unsigned __int128)delta * time_calibration.ns_mul) >> 32);
}

/*
 * Publish a calibration point (a TSC value and the system time it stands for) and the scale to
 * a guest's vcpu_time_info, with Xen's version protocol: the version is odd while the fields
 * change, so a guest that reads an odd or changed version reads again.
 */
void time_publish(struct vcpu_time_info *t, uint64_t tsc)
{
	__atomic_store_n(&t->version, t->version + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	t->tsc_timestamp = tsc;
	t->system_time = tsc_to_ns(tsc);
	t->tsc_to_system_mul = time_calibration.ns_mul;
	t->tsc_shift = time_calibration.ns_shift;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->version, t->version + 1, __ATOMIC_RELEASE);
}
