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
/* The x87/SSE part as a 512-byte FXSAVE image (vcpu_guest_context.fpu_ctxt): loaded (NULL:
 * the initial state; AVX state is reset either way) and stored. */
void fpu_state_load_legacy(struct fpu_state *state, const char *image);
void fpu_state_store_legacy(const struct fpu_state *state, char *image);
/* Mark XSAVE components (XCR0 bits) of a saved state as in their initial condition. */
void fpu_state_reset_parts(struct fpu_state *state, uint64_t parts);
/* Move the CPU's registers into state / state into the CPU's registers. CR0.TS is cleared. */
void fpu_save(struct fpu_state *state);
void fpu_restore(const struct fpu_state *state);

#endif
