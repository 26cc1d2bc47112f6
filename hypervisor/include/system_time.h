/*
 * System time: nanoseconds since boot, counted by the TSC once time_init() has measured its
 * frequency against the PIT. Before that, now_ns() returns 0.
 */
#ifndef PARVUS_SYSTEM_TIME_H
#define PARVUS_SYSTEM_TIME_H

#include <stdint.h>

struct time_calibration {
	uint64_t tsc_hz;       /* TSC ticks per second */
	uint64_t apic_timer_hz; /* local APIC timer ticks per second at our divider */
	uint64_t boot_tsc;     /* TSC value at time zero */
	uint32_t ns_mul;       /* ns = (tsc_delta * ns_mul) >> 32 ... */
	int8_t ns_shift;       /* ... after shifting tsc_delta by ns_shift, as Xen's vcpu_time_info */
};

extern struct time_calibration time_calibration;

/* Remember the TSC at entry, so that time zero is the start of the hypervisor. */
void time_mark_boot(void);
void time_init(void);
uint64_t now_ns(void);
/* The system time a TSC value stands for. */
uint64_t tsc_to_ns(uint64_t tsc);
struct vcpu_time_info;
/* Write a calibration point (TSC value) and the time scale into a guest's vcpu_time_info,
 * with Xen's version protocol. */
void time_publish(struct vcpu_time_info *t, uint64_t tsc);
/* Read the CMOS real-time clock: seconds since 1970 (UTC, as PCs keep it), 0 if unreadable. */
uint64_t rtc_read_seconds(void);

/* Busy-wait; used only at boot (CPU start-up delays). */
void udelay(uint64_t microseconds);

#endif
