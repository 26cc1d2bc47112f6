/*
 * The hypercall table. A number outside it, or one without a handler yet, answers -ENOSYS,
 * as Xen does for hypercalls it does not have. The first -ENOSYS for each hypercall and
 * sub-operation is logged once, so that what a guest kernel misses (Linux as dom0 asks for
 * many things) shows on the console instead of disappearing into an error code.
 */
#include <hypercall.h>
#include <domain.h>
#include <printk.h>
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

#define NR_HYPERCALLS (sizeof(hypercall_table) / sizeof(hypercall_table[0]))
/* Most interfaces take their sub-operation first; a larger first argument (a pointer) counts
 * as sub-operation 63. One bit per pair, so each is reported once per boot. */
#define NR_SUBOPS 64
static uint64_t enosys_reported[NR_HYPERCALLS];

static void report_enosys(uint64_t number, uint64_t arg1)
{
	uint64_t index = number < NR_HYPERCALLS ? number : NR_HYPERCALLS - 1;
	uint64_t bit = 1ull << (arg1 < NR_SUBOPS - 1 ? arg1 : NR_SUBOPS - 1);
	const struct vcpu *v = current_vcpu();

	/* Only dom0's: any other domain could otherwise fill the console with them. */
	if (!v || !v->domain->is_privileged)
		return;
	if (__atomic_fetch_or(&enosys_reported[index], bit, __ATOMIC_RELAXED) & bit)
		return;
	printk(LOG_WARNING "d%u: hypercall %lu (first argument %#lx) answered -ENOSYS; "
			   "reported once\n",
	       v->domain->domain_id, number, arg1);
}

long hypercall_dispatch(uint64_t number, uint64_t arg1, uint64_t arg2, uint64_t arg3,
			uint64_t arg4, uint64_t arg5)
{
	long rc = -XEN_ENOSYS;

	if (number < NR_HYPERCALLS && hypercall_table[number])
		rc = hypercall_table[number](arg1, arg2, arg3, arg4, arg5);
	if (rc == -XEN_ENOSYS && number != __HYPERVISOR_iret) /* iret returns the guest's rax */
		report_enosys(number, arg1);
	return rc;
}
