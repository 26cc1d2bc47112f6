/*
 * Guest time. Like Xen, each CPU has a calibration point (a TSC value and its system time)
 * that is renewed at most about once a second; a vCPU's record holds its CPU's current point,
 * and is rewritten when the vCPU starts running again, when it registers a time area, and
 * when it is created. The guest extrapolates over the TSC from the point with the scale.
 */
#include <domain.h>
#include <percpu.h>
#include <printk.h>
#include <system_time.h>
#include <vcpu_time.h>
#include <arch/uaccess.h>
#include <arch/x86.h>
#include <public/xen.h>
#include <stddef.h>

#define NS_PER_SECOND 1000000000ull
#define CALIBRATION_PERIOD_NS NS_PER_SECOND

static struct {
	uint64_t tsc, ns;
} calibration_points[MAX_CPUS];

static uint64_t boot_wallclock_ns; /* time of day, ns since 1970, at system time 0 */

void wallclock_init(void)
{
	uint64_t seconds = rtc_read_seconds();

	if (!seconds) {
		printk(LOG_WARNING "Wallclock: the RTC could not be read; guests see 1970\n");
		return;
	}
	boot_wallclock_ns = seconds * NS_PER_SECOND - now_ns();
	printk(LOG_INFO "Wallclock: %lu s since 1970 at boot (RTC)\n",
	       (unsigned long)(boot_wallclock_ns / NS_PER_SECOND));
}

void wallclock_publish(struct shared_info *shared)
{
	uint64_t seconds = boot_wallclock_ns / NS_PER_SECOND;

	__atomic_store_n(&shared->wc_version, shared->wc_version + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	shared->wc_sec = (uint32_t)seconds;
	shared->wc_sec_hi = (uint32_t)(seconds >> 32);
	shared->wc_nsec = (uint32_t)(boot_wallclock_ns % NS_PER_SECOND);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&shared->wc_version, shared->wc_version + 1, __ATOMIC_RELEASE);
}

/* The copy of the record to the guest's area: made odd, filled, made even, like the record
 * itself. False when it faults. */
static bool write_area(struct vcpu *v)
{
	struct vcpu_time_info copy = v->vcpu_info->time;
	uint32_t odd = copy.version - 1; /* the value the record had while it changed */

	if (copy_to_guest_raw(v->time_area + offsetof(struct vcpu_time_info, version), &odd,
			      sizeof(odd)))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	copy.version = odd;
	if (copy_to_guest_raw(v->time_area, &copy, sizeof(copy)))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	copy.version = v->vcpu_info->time.version;
	copy_to_guest_raw(v->time_area + offsetof(struct vcpu_time_info, version), &copy.version,
			  sizeof(copy.version));
	return true;
}

void vcpu_time_update(struct vcpu *v)
{
	unsigned int cpu = this_cpu()->id;
	uint64_t now = now_ns();

	if (!calibration_points[cpu].tsc || now - calibration_points[cpu].ns >= CALIBRATION_PERIOD_NS) {
		calibration_points[cpu].tsc = rdtsc();
		calibration_points[cpu].ns = tsc_to_ns(calibration_points[cpu].tsc);
	}
	time_publish(&v->vcpu_info->time, calibration_points[cpu].tsc);
	if (!v->time_area || current_vcpu() != v)
		return;
	/* A copy that faults is not made (the guest may unmap its area whenever it likes), but in
	 * user mode, whose page tables need not map the kernel's address, it is made again on
	 * the next entry to kernel mode (vcpu_time_catch_up), as in Xen. */
	v->time_area_stale = !write_area(v) && v->user_mode;
}

void vcpu_time_catch_up(struct vcpu *v)
{
	if (!v->time_area_stale || !v->time_area)
		return;
	v->time_area_stale = !write_area(v) && v->user_mode;
}
