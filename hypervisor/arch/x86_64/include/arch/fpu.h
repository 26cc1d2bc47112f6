/*
 * A vCPU's FPU, SSE and AVX registers while another vCPU has the CPU: saved with XSAVE (the
 * parts XCR0 enables) or, on a CPU without it, FXSAVE. The hypervisor never uses these
 * registers itself, so they change hands only on a switch between vCPUs.
 */
#ifndef PARVUS_ARCH_FPU_H
#define PARVUS_ARCH_FPU_H

struct fpu_state;

/* A state in the processor's initial condition (as after FNINIT); NULL when out of memory. */
struct fpu_state *fpu_state_alloc(void);
void fpu_state_free(struct fpu_state *state);
/* Move the CPU's registers into state / state into the CPU's registers. CR0.TS is cleared. */
void fpu_save(struct fpu_state *state);
void fpu_restore(const struct fpu_state *state);

#endif
