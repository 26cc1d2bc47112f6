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

void runstate_publish(struct vcpu *v)
{
	uint64_t area = v->runstate_area;

	if (!area || current_vcpu() != v || v->user_mode)
		return; /* the kernel's address is reachable only through its own page tables */
	struct vcpu_runstate_info info;
	bool flag = v->domain->vm_assist & (1ull << VMASST_TYPE_runstate_update_flag);
	uint64_t entry_field = area + offsetof(struct vcpu_runstate_info, state_entry_time);

	runstate_snapshot(v, &info);

	/* A copy that faults (the guest unmapped its area) is simply not made, as in Xen. */
	if (flag) {
		uint64_t updating = info.state_entry_time | XEN_RUNSTATE_UPDATE;

		if (copy_to_guest_raw(entry_field, &updating, sizeof(updating)))
			return;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		info.state_entry_time |= XEN_RUNSTATE_UPDATE;
	}
	if (copy_to_guest_raw(area, &info, sizeof(info)))
		return;
	if (flag) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		info.state_entry_time &= ~XEN_RUNSTATE_UPDATE;
		copy_to_guest_raw(entry_field, &info.state_entry_time, sizeof(uint64_t));
	}
}
