/*
 * Virtual exceptions for a PV kernel (common/guest/traps.c, trap_entry.S).
 *
 * The hypervisor delivers an exception by building a bounce frame on the guest kernel stack
 * and jumping to the address registered for the vector with set_trap_table. The entry stubs
 * turn that frame into a struct trap_frame, call the C handler registered here, and return
 * with HYPERVISOR_iret, restoring whatever the handler left in the frame.
 */
#ifndef PARVUS_GUEST_TRAPS_H
#define PARVUS_GUEST_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

#define TRAP_divide_error 0
#define TRAP_debug 1
#define TRAP_nmi 2
#define TRAP_int3 3
#define TRAP_overflow 4
#define TRAP_bounds 5
#define TRAP_invalid_op 6
#define TRAP_no_device 7
#define TRAP_double_fault 8
#define TRAP_invalid_tss 10
#define TRAP_no_segment 11
#define TRAP_stack_error 12
#define TRAP_gp_fault 13
#define TRAP_page_fault 14
#define TRAP_copro_error 16
#define TRAP_alignment_check 17
#define TRAP_machine_check 18
#define TRAP_simd_error 19

/* trap_info.flags: bits 0-1 are the DPL for INT n, bit 2 masks events on entry. */
#define TRAP_INFO_DPL(dpl) ((dpl)&3)
#define TRAP_INFO_MASK_EVENTS 4

/*
 * What the handler sees, lowest address first: the general registers saved by the stub,
 * the vector and error code (0 for vectors without one), then the frame the hypervisor
 * built. The hypervisor also saved rcx and r11 below that frame; the stub put them back in
 * place before saving everything, so they appear here with their interrupted values.
 */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip;
	uint64_t cs; /* bits 0-15 the selector, bits 32-39 the saved event mask */
	uint64_t rflags, rsp, ss;
};

/* Returns normally to resume at frame->rip (which it may change). */
typedef void (*trap_handler_t)(struct trap_frame *frame);

/*
 * Register handler for vector, with the DPL INT n needs and whether events are masked on
 * entry; NULL restores the runtime's default (report and crash). Updates the hypervisor's
 * table with set_trap_table; returns its result.
 */
long trap_set_handler(unsigned int vector, unsigned int dpl, bool mask_events,
		      trap_handler_t handler);

/* Installs entries for vectors 0-31 (called by the runtime's start of day). */
void traps_init(void);

/* The entry stub for vector (trap_entry.S), for tests that build their own trap tables. */
unsigned long trap_entry_address(unsigned int vector);

/* A readable name for the first 32 vectors ("#PF"), or "INT n". */
const char *trap_name(unsigned int vector);

/*
 * Touch memory and survive a fault: 0 when the access worked, otherwise the vector that
 * stopped it, with the details in probe_last_fault. For tests that expect a mapping to be
 * absent or read-only.
 */
int probe_read(const volatile void *address, uint64_t *value);
int probe_write(volatile void *address, uint64_t value);

struct probe_fault {
	uint64_t vector, error_code, cr2, rip;
};
extern struct probe_fault probe_last_fault;

#endif /* PARVUS_GUEST_TRAPS_H */
