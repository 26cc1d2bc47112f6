/*
 * Entering and leaving a PV guest on this CPU (entry.S). guest_run() saves the hypervisor's
 * own context and enters ring 3 with the given registers; it returns when the guest stops
 * (guest_exit, called on the entry stack by a hypercall or a fault handler), with the reason.
 */
#ifndef PARVUS_ARCH_GUEST_H
#define PARVUS_ARCH_GUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/regs.h>

#define GUEST_EXIT_SHUTDOWN 1
#define GUEST_EXIT_CRASH 2

/* The guest's page tables must be in CR3 and its GS base in MSR_KERNEL_GS_BASE. */
uint64_t guest_run(const struct cpu_regs *frame);
__attribute__((noreturn)) void guest_exit(uint64_t reason);
/* From a handler on the entry stack: continue the current guest with these registers. */
__attribute__((noreturn)) void guest_resume(const struct cpu_regs *frame);

/* Is this CPU inside an interrupt handler (a timer callback, say)? */
bool in_interrupt_handler(void);

/* Leave the current vCPU for good (its domain died): reset this CPU's entry stack and return
 * to whatever vCPU the scheduler runs next (entry.S). */
__attribute__((noreturn)) void abandon_to_scheduler(void);

/* Deliver an exception to the current guest's handler; false when it cannot be delivered. */
bool bounce_exception(struct cpu_regs *regs, unsigned int vector, bool has_error_code);

/* On the way back to the guest: an upcall at its event callback if an event is deliverable
 * (pending and not masked in vcpu_info). */
void deliver_events(struct cpu_regs *regs);
/* The current vCPU's data selectors (ds, es, fs, gs as it had them) could not all be
 * reloaded: enter its failsafe callback. */
void deliver_failsafe(struct cpu_regs *regs, const uint16_t selectors[4]);

/* A #UD at Xen's forced-emulation prefix followed by CPUID: emulated, true. */
bool emulate_forced_instruction(struct cpu_regs *regs);

/* A guest's write fault on one of its L1 tables: checked and done (true), or false. */
bool emulate_page_table_write(struct cpu_regs *regs, uint64_t address);

/* SYSCALL from guest user mode: to the kernel's syscall callback. */
void bounce_user_syscall(struct cpu_regs *regs);

/* A #GP at an instruction the guest kernel may use (mov from CR3): emulated, true. */
bool emulate_privileged_instruction(struct cpu_regs *regs);

/* A #GP at in/out/cli/sti the guest's virtual IOPL allows: emulated, true. */
bool emulate_io_instruction(struct cpu_regs *regs);

/* The general register an instruction encoding numbers 0-15 (rax, rcx, rdx, rbx, rsp, ...). */
uint64_t *guest_register(struct cpu_regs *regs, unsigned int number);

struct vcpu;
/* Make mfn the guest kernel's page table (NEW_BASEPTR); 0 or -errno. */
int switch_kernel_base(struct vcpu *v, uint64_t mfn);
/* The L1 table, and the slot in it, that map va in the current guest's page tables; NULL when
 * some level is not present or is a superpage. Not necessarily the guest's own frame. */
struct page_info;
struct page_info *guest_l1_for(uint64_t va, unsigned int *index);
/* Before entering a vCPU: CR0.TS as its fpu_taskswitch left it. */
void vcpu_load_fpu_state(struct vcpu *v);

/* SYSCALL from a guest: a hypercall (the guest's kernel). */
void do_guest_syscall(struct cpu_regs *regs);

#endif
