/*
 * Runstate accounting. Each change of state adds the time since the last change to the state
 * being left. A guest that registered an area gets the record written there whenever it
 * changes; with the runstate_update_flag assist, XEN_RUNSTATE_UPDATE is set in
 * state_entry_time while the copy is under way, so a reader can tell a torn record.
 */
#include <domain.h>
#include <runstate.h>
#include <system_time.h>
#include <arch/uaccess.h>
#include <public/vcpu.h>
#include <public/xen.h>
#include <stddef.h>

void runstate_snapshot(const struct vcpu *v, struct vcpu_runstate_info *info)
{
	uint64_t now = now_ns();

	*info = v->runstate;
	if (now > info->state_entry_time)
		info->time[info->state] += now - info->state_entry_time;
}

void runstate_change(struct vcpu *v, int state)
{
	uint64_t now = now_ns();

	if (now > v->runstate.state_entry_time)
		v->runstate.time[v->runstate.state] += now - v->runstate.state_entry_time;
	v->runstate.state = state;
	v->runstate.state_entry_time = now;
	runstate_publish(v);
}

/* The copy to the guest's area, through the page tables in use; false when it faults. */
static bool write_area(struct vcpu *v, uint64_t area)
{
	struct vcpu_runstate_info info;
	bool flag = v->domain->vm_assist & (1ull << VMASST_TYPE_runstate_update_flag);
	uint64_t entry_field = area + offsetof(struct vcpu_runstate_info, state_entry_time);

	runstate_snapshot(v, &info);
	if (flag) {
		uint64_t updating = info.state_entry_time | XEN_RUNSTATE_UPDATE;

		if (copy_to_guest_raw(entry_field, &updating, sizeof(updating)))
			return false;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		info.state_entry_time |= XEN_RUNSTATE_UPDATE;
	}
	if (copy_to_guest_raw(area, &info, sizeof(info)))
		return false;
	if (flag) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		info.state_entry_time &= ~XEN_RUNSTATE_UPDATE;
		copy_to_guest_raw(entry_field, &info.state_entry_time, sizeof(uint64_t));
	}
	return true;
}

/*
 * A copy that faults is simply not made, as in Xen (the guest may unmap its area when it
 * likes), except in user mode: the user page tables need not map the kernel's address, so
 * the record is written again when the vCPU next enters kernel mode (runstate_catch_up).
 */
void runstate_publish(struct vcpu *v)
{
	if (!v->runstate_area || current_vcpu() != v)
		return;
	v->runstate_area_stale = !write_area(v, v->runstate_area) && v->user_mode;
}

void runstate_catch_up(struct vcpu *v)
{
	if (v->runstate_area_stale)
		runstate_publish(v);
}
