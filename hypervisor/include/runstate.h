/*
 * Runstate: how long each vCPU has spent running, runnable, blocked and offline, as Xen
 * reports it (vcpu_runstate_info), and the copy a guest may ask to have kept in its memory
 * (VCPUOP_register_runstate_memory_area).
 */
#ifndef PARVUS_RUNSTATE_H
#define PARVUS_RUNSTATE_H

struct vcpu;
struct vcpu_runstate_info;

/* Move v into state (RUNSTATE_*), counting the time spent in the last one. */
void runstate_change(struct vcpu *v, int state);
/* v's record as of now: the current state's time so far included. */
void runstate_snapshot(const struct vcpu *v, struct vcpu_runstate_info *info);
/* Write v's record to its registered area, if any (v must be this CPU's current vCPU). */
void runstate_publish(struct vcpu *v);
/* On entering kernel mode: write the area if user mode's page tables kept it from being. */
void runstate_catch_up(struct vcpu *v);

#endif
