/*
 * Reading the time a PV guest is given; see guest_time.h.
 */
#include <parvus/guest.h>
#include "guest_time.h"

uint64_t guest_scale_delta(uint64_t delta, uint32_t mul, int8_t shift)
{
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

struct vcpu_time_info guest_time_snapshot(const volatile struct vcpu_time_info *src,
					  unsigned int *retries)
{
	struct vcpu_time_info copy = {0};
	uint32_t version;

	for (unsigned int tries = 0;; tries++) {
		version = src->version;
		__asm__ volatile("" ::: "memory");
		copy.version = version;
		copy.tsc_timestamp = src->tsc_timestamp;
		copy.system_time = src->system_time;
		copy.tsc_to_system_mul = src->tsc_to_system_mul;
		copy.tsc_shift = src->tsc_shift;
		copy.flags = src->flags;
		__asm__ volatile("" ::: "memory");
		if (!(version & 1) && src->version == version) {
			if (retries)
				*retries = tries;
			return copy;
		}
		if (tries > 1000000)
			guest_crash("vcpu_time_info stays odd or unstable (version %u)", version);
	}
}

uint64_t guest_time_at(const struct vcpu_time_info *t, uint64_t tsc)
{
	return t->system_time +
	       guest_scale_delta(tsc - t->tsc_timestamp, t->tsc_to_system_mul, t->tsc_shift);
}

uint64_t guest_now_ns(void)
{
	struct vcpu_time_info t =
		guest_time_snapshot(&HYPERVISOR_shared_info->vcpu_info[0].time, NULL);
	return guest_time_at(&t, guest_rdtsc());
}
