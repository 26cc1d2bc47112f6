/*
 * Reading the time a PV guest is given (tests/guests/lib/guest_time.c): the vcpu_time_info
 * record (a calibration point: TSC stamp and system time, with the TSC's scale) read under
 * its version protocol, and system time now = system_time + scale(rdtsc - tsc_timestamp).
 */
#ifndef GUEST_TESTS_GUEST_TIME_H
#define GUEST_TESTS_GUEST_TIME_H

#include <stdint.h>
#include <public/xen.h>

#define NS_PER_SEC 1000000000UL
#define MS(n) ((uint64_t)(n)*1000000UL)

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* ns = (delta << shift) * mul / 2^32, shifting right for a negative shift. */
uint64_t guest_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);

/*
 * A consistent copy of a record: its version is even and the same before and after the
 * copy. retries, if given, receives how many copies were thrown away.
 */
struct vcpu_time_info guest_time_snapshot(const volatile struct vcpu_time_info *src,
					  unsigned int *retries);

/* The system time at TSC value tsc according to record t. */
uint64_t guest_time_at(const struct vcpu_time_info *t, uint64_t tsc);

/* The system time now, from vCPU 0's record in shared_info. */
uint64_t guest_now_ns(void);

#endif /* GUEST_TESTS_GUEST_TIME_H */
