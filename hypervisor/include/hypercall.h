/*
 * Hypercalls: a PV guest's kernel executes SYSCALL with the hypercall number in rax and up to
 * five arguments in rdi, rsi, rdx, r10 and r8 (Xen's x86-64 ABI); the result comes back in
 * rax, a negative Xen errno on failure. hypercall.c dispatches to do_<name> in the file named
 * after each interface. Every argument is hostile.
 */
#ifndef PARVUS_HYPERCALL_H
#define PARVUS_HYPERCALL_H

#include <stdint.h>

typedef long (*hypercall_handler_t)(uint64_t arg1, uint64_t arg2, uint64_t arg3, uint64_t arg4,
				    uint64_t arg5);

long hypercall_dispatch(uint64_t number, uint64_t arg1, uint64_t arg2, uint64_t arg3,
			uint64_t arg4, uint64_t arg5);

/*
 * Preemption: a long hypercall stops after a slice of work and asks to be made again with
 * these arguments (the rest of its work); the handler returns what this returns. Outside a
 * multicall the guest's SYSCALL is re-armed; inside one, the multicall stops at this entry,
 * whose arguments are updated, and is itself re-armed (Xen's continuations).
 */
long hypercall_continue(uint64_t number, uint64_t arg1, uint64_t arg2, uint64_t arg3,
			uint64_t arg4, uint64_t arg5);

long do_set_trap_table(uint64_t traps, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		       uint64_t unused5);
long do_set_gdt(uint64_t frame_list, uint64_t entries, uint64_t unused3, uint64_t unused4,
		uint64_t unused5);
long do_update_descriptor(uint64_t address, uint64_t descriptor, uint64_t unused3,
			  uint64_t unused4, uint64_t unused5);
long do_iret(uint64_t unused1, uint64_t unused2, uint64_t unused3, uint64_t unused4,
	     uint64_t unused5);
long do_stack_switch(uint64_t ss, uint64_t sp, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5);
long do_memory_op(uint64_t command, uint64_t arg, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5);
long do_multicall(uint64_t list, uint64_t count, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5);
long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5);
long do_update_va_mapping(uint64_t va, uint64_t new_entry, uint64_t flags, uint64_t unused4,
			  uint64_t unused5);
long do_update_va_mapping_otherdomain(uint64_t va, uint64_t new_entry, uint64_t flags,
				      uint64_t domain, uint64_t unused5);
long do_mmu_update(uint64_t list, uint64_t count, uint64_t done_pointer, uint64_t foreign_domain,
		   uint64_t unused5);
long do_mmuext_op(uint64_t list, uint64_t count, uint64_t done_pointer, uint64_t foreign_domain,
		  uint64_t unused5);
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall, uint64_t unused4,
		      uint64_t unused5);
long do_fpu_taskswitch(uint64_t set, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		       uint64_t unused5);
long do_set_segment_base(uint64_t which, uint64_t base, uint64_t unused3, uint64_t unused4,
			 uint64_t unused5);
long do_callback_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		    uint64_t unused5);
long do_physdev_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		   uint64_t unused5);
long do_set_debugreg(uint64_t reg, uint64_t value, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5);
long do_get_debugreg(uint64_t reg, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5);
long do_vcpu_op(uint64_t cmd, uint64_t vcpu_id, uint64_t arg, uint64_t unused4,
		uint64_t unused5);
long do_set_timer_op(uint64_t timeout_ns, uint64_t unused2, uint64_t unused3, uint64_t unused4,
		     uint64_t unused5);
long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer, uint64_t unused4,
		   uint64_t unused5);
long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		    uint64_t unused5);
long do_event_channel_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
			 uint64_t unused5);
long do_event_channel_op_compat(uint64_t arg, uint64_t unused2, uint64_t unused3,
				uint64_t unused4, uint64_t unused5);
/* Write the hypercall stubs into a page (4096 bytes). */
void hypercall_page_fill(uint8_t *page);
long do_domctl(uint64_t arg, uint64_t unused2, uint64_t unused3, uint64_t unused4,
	       uint64_t unused5);
long do_sysctl(uint64_t arg, uint64_t unused2, uint64_t unused3, uint64_t unused4,
	       uint64_t unused5);
long do_sched_op_compat(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
			uint64_t unused5);
long do_sched_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		 uint64_t unused5);
long do_grant_table_op(uint64_t cmd, uint64_t list, uint64_t count, uint64_t unused4,
		       uint64_t unused5);

#endif
