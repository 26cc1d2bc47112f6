/*
 * The time a PV guest reads: its vcpu_time_info (a calibration point of this CPU, at most
 * about a second old, and the TSC scale; also copied to the area of
 * VCPUOP_register_vcpu_time_memory_area) and the wallclock in shared_info (the time of day at
 * system time 0, from the RTC at boot).
 */
#ifndef PARVUS_VCPU_TIME_H
#define PARVUS_VCPU_TIME_H

struct shared_info;
struct vcpu;

/* Read the RTC: the wallclock every domain is given. */
void wallclock_init(void);
/* Write the wallclock into a domain's shared_info (wc_version protocol). */
void wallclock_publish(struct shared_info *shared);
/* Rewrite v's time record (and its registered copy, if v is this CPU's current vCPU). */
void vcpu_time_update(struct vcpu *v);
/* On entering kernel mode: write the area if user mode's page tables kept it from being. */
void vcpu_time_catch_up(struct vcpu *v);

#endif
