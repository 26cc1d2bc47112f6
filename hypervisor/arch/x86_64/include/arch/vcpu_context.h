/*
 * A vCPU's whole state as a struct vcpu_guest_context (Xen's PV layout): given to a vCPU that
 * has not run yet (VCPUOP_initialise, domctl setvcpucontext) and read back (getvcpucontext).
 */
#ifndef PARVUS_ARCH_VCPU_CONTEXT_H
#define PARVUS_ARCH_VCPU_CONTEXT_H

struct vcpu;
struct vcpu_guest_context;

/* Check and load c into v, which must not be running; 0 or -XEN_EINVAL. On failure v keeps
 * nothing of c and holds no new reference. */
int vcpu_context_set(struct vcpu *v, const struct vcpu_guest_context *c);
/* Fill c from v (not running). */
void vcpu_context_get(const struct vcpu *v, struct vcpu_guest_context *c);
/* Drop the references v's page tables and descriptor tables hold (a vCPU going away). */
void vcpu_context_release(struct vcpu *v);

#endif
