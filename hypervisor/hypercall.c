/*
 * The hypercall table. A number outside it, or one without a handler yet, answers -ENOSYS,
 * as Xen does for hypercalls it does not have.
 */
#include <hypercall.h>
#include <public/xen.h>
#include <public/errno.h>

static const hypercall_handler_t hypercall_table[64] = {
	[__HYPERVISOR_set_trap_table] = do_set_trap_table,
	[__HYPERVISOR_set_gdt] = do_set_gdt,
	[__HYPERVISOR_mmu_update] = do_mmu_update,
	[__HYPERVISOR_update_va_mapping] = do_update_va_mapping,
	[__HYPERVISOR_mmuext_op] = do_mmuext_op,
	[__HYPERVISOR_update_va_mapping_otherdomain] = do_update_va_mapping_otherdomain,
	[__HYPERVISOR_stack_switch] = do_stack_switch,
	[__HYPERVISOR_set_callbacks] = do_set_callbacks,
	[__HYPERVISOR_callback_op] = do_callback_op,
	[__HYPERVISOR_physdev_op] = do_physdev_op,
	[__HYPERVISOR_vcpu_op] = do_vcpu_op,
	[__HYPERVISOR_set_timer_op] = do_set_timer_op,
	[__HYPERVISOR_set_debugreg] = do_set_debugreg,
	[__HYPERVISOR_get_debugreg] = do_get_debugreg,
	[__HYPERVISOR_fpu_taskswitch] = do_fpu_taskswitch,
	[__HYPERVISOR_update_descriptor] = do_update_descriptor,
	[__HYPERVISOR_set_segment_base] = do_set_segment_base,
	[__HYPERVISOR_iret] = do_iret,
	[__HYPERVISOR_memory_op] = do_memory_op,
	[__HYPERVISOR_multicall] = do_multicall,
	[__HYPERVISOR_vm_assist] = do_vm_assist,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_console_io] = do_console_io,
	[__HYPERVISOR_sched_op_compat] = do_sched_op_compat,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_event_channel_op_compat] = do_event_channel_op_compat,
	[__HYPERVISOR_event_channel_op] = do_event_channel_op,
	[__HYPERVISOR_sysctl] = do_sysctl,
	[__HYPERVISOR_domctl] = do_domctl,
	[__HYPERVISOR_grant_table_op] = do_grant_table_op,
};

long hypercall_dispatch(uint64_t number, uint64_t arg1, uint64_t arg2, uint64_t arg3,
			uint64_t arg4, uint64_t arg5)
{
	if (number >= sizeof(hypercall_table) / sizeof(hypercall_table[0]) ||
	    !hypercall_table[number])
		return -XEN_ENOSYS;
	return hypercall_table[number](arg1, arg2, arg3, arg4, arg5);
}
