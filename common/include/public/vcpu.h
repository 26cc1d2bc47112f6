/*
 * vcpu_op: bringing secondary vCPUs up and down, per-vCPU timers, and registering memory
 * the hypervisor keeps up to date for a vCPU (runstate, vcpu_info, time info).
 * Mirrors Xen's public/vcpu.h.
 */
#ifndef PARVUS_PUBLIC_VCPU_H
#define PARVUS_PUBLIC_VCPU_H

#include "xen.h"

/* vcpu_op(cmd, vcpuid, arg) */
#define VCPUOP_initialise 0 /* arg: vcpu_guest_context, the vCPU's first state */
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3		   /* returns 1 or 0 */
#define VCPUOP_get_runstate_info 4 /* arg: vcpu_runstate_info */

/* How long a vCPU has spent in each RUNSTATE_*, in ns of system time. */
struct vcpu_runstate_info {
	int state; /* RUNSTATE_* */
	uint64_t state_entry_time;
/* Set in state_entry_time while the hypervisor updates a registered area. */
#define XEN_RUNSTATE_UPDATE (1ULL << 63)
	uint64_t time[4];
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_runstate_info_t);

#define RUNSTATE_running 0  /* on a physical CPU */
#define RUNSTATE_runnable 1 /* ready, waiting for a CPU */
#define RUNSTATE_blocked 2  /* waiting for an event */
#define RUNSTATE_offline 3  /* down or paused */

/* Keep a vcpu_runstate_info at this guest virtual address up to date. */
#define VCPUOP_register_runstate_memory_area 5
struct vcpu_register_runstate_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_runstate_info_t) h;
		struct vcpu_runstate_info *v;
		uint64_t p;
	} addr;
};
typedef struct vcpu_register_runstate_memory_area vcpu_register_runstate_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_runstate_memory_area_t);

/* A periodic VIRQ_TIMER every period_ns. */
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_periodic_timer_t);

/* One VIRQ_TIMER at an absolute system time. */
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;
	uint32_t flags; /* VCPU_SSHOTTMR_* */
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_singleshot_timer_t);

/* Fail with -ETIME instead of firing at once when the timeout is already past. */
#define _VCPU_SSHOTTMR_future (0)
#define VCPU_SSHOTTMR_future (1U << _VCPU_SSHOTTMR_future)

/* Move the vCPU's vcpu_info out of shared_info, to offset bytes into frame mfn. */
#define VCPUOP_register_vcpu_info 10
struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset;
	uint32_t rsvd;
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_vcpu_info_t);

#define VCPUOP_send_nmi 11

/* dom0 only: the physical APIC and ACPI ids of the CPU a vCPU is pinned to. */
#define VCPUOP_get_physid 12
struct vcpu_get_physid {
	uint64_t phys_id;
};
typedef struct vcpu_get_physid vcpu_get_physid_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_get_physid_t);
#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))

/* Keep a second copy of the vCPU's vcpu_time_info at this address (for user-space clocks). */
#define VCPUOP_register_vcpu_time_memory_area 13
DEFINE_XEN_GUEST_HANDLE(vcpu_time_info_t);
struct vcpu_register_time_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_time_info_t) h;
		struct vcpu_time_info *v;
		uint64_t p;
	} addr;
};
typedef struct vcpu_register_time_memory_area vcpu_register_time_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_time_memory_area_t);

#endif /* PARVUS_PUBLIC_VCPU_H */
