/*
 * The runstate area of a vCPU that is switched out and back in while it runs a user
 * program. Its kernel registered the area at a kernel address, which the user page tables do
 * not map, so the hypervisor cannot write the record while the vCPU is in user mode; Xen
 * 4.17 writes it when the vCPU next enters kernel mode. Without that, the kernel would find
 * the record of the last change it saw itself, older than the switches that happened under
 * the user program.
 *
 * vCPU 1 registers its area, enters user mode and spins (failsafe_user_spin, which waits for
 * user_space.data[1]); vCPU 0, on the same physical CPU, waits until vCPU 1 has been switched
 * out in user mode (its runstate runnable, read with VCPUOP_get_runstate_info), then lets the
 * program end and sleeps, so that vCPU 1 comes back in user mode and ends with SYSCALL. The
 * first thing vCPU 1's kernel does then is copy its area: it must show a record that begins
 * after the moment vCPU 0 saw it runnable (the switch back in), not the one it had in kernel
 * mode. Run only with one physical CPU (pcpus=1), where the switches are sure to happen.
 *
 * The same holds for the copy of the vCPU's time record (VCPUOP_register_vcpu_time_memory_area):
 * back in kernel mode it equals the record in vcpu_info, though that was rewritten when the
 * vCPU came back in user mode.
 */
#include <string.h>
#include <parvus/guest_test.h>
#include <public/vcpu.h>
#include "smp.h"
#include "user_mode.h"

static struct vcpu_runstate_info area;	/* vCPU 1's registered runstate area */
static struct vcpu_time_info time_area; /* and its registered copy of its time record */

/* What vCPU 1 did and saw (vCPU 0 judges it). */
static volatile struct {
	long registered, activated, user_rc;
	struct vcpu_runstate_info before_user; /* the area just before user mode */
	struct vcpu_runstate_info after_user;  /* the area as the SYSCALL came back */
	long time_registered;
	struct vcpu_time_info time_copy, time_record; /* time_area and vcpu_info's, then */
} seen;

extern char failsafe_user_spin[];

void secondary_runstate_user(void)
{
	struct vcpu_register_runstate_memory_area where = {.addr.v = &area};

	seen.registered =
		HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, SECONDARY, &where);
	struct vcpu_register_time_memory_area time_where = {.addr.v = &time_area};
	seen.time_registered =
		HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, SECONDARY, &time_where);
	seen.activated = user_space_activate(trap_entry_address(UPCALL_VECTOR),
					     (unsigned long)failsafe_entry);
	if (seen.activated == 0)
		seen.activated = HYPERVISOR_stack_switch(
			FLAT_KERNEL_SS, (unsigned long)secondary_stack + STACK_SIZE / 2);
	if (seen.registered == 0 && seen.time_registered == 0 && seen.activated == 0) {
		struct user_entry entry = user_entry_at(user_va(failsafe_user_spin));

		memcpy((void *)&seen.before_user, &area, sizeof(area));
		seen.user_rc = user_call(&entry);
		memcpy((void *)&seen.after_user, &area, sizeof(area));
		memcpy((void *)&seen.time_copy, &time_area, sizeof(time_area));
		memcpy((void *)&seen.time_record, (const void *)&vcpu_info_of(SECONDARY)->time,
		       sizeof(time_area));
	}
	HYPERVISOR_stack_switch(FLAT_KERNEL_SS, (unsigned long)secondary_stack + STACK_SIZE);
	where.addr.v = NULL;
	HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, SECONDARY, &where);
	time_where.addr.v = NULL;
	HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_time_memory_area, SECONDARY, &time_where);
}

void check_runstate_user(void)
{
	test_section("runstate area of a vCPU switched while in user mode");
	if (!guest_cmdline_has("pcpus=1")) {
		printf("not run (no pcpus=1 on the command line)\n");
		return;
	}
	memset((void *)&seen, 0, sizeof(seen));
	memset(user_space.data, 0, PAGE_SIZE);
	user_mode_vcpu = SECONDARY;
	uint64_t sequence = post(CMD_RUNSTATE_USER, 0);
	uint64_t deadline = now_ns() + MS(5000);

	while (user_space.data[0] != 1 && now_ns() < deadline)
		sleep_until(now_ns() + MS(1));
	CHECK_EQ(user_space.data[0], 1, "vCPU 1 runs its user program");
	/* vCPU 0 runs again after its sleep, so vCPU 1 is switched out under its program. */
	struct vcpu_runstate_info out = runstate_of(SECONDARY);
	while (out.state != RUNSTATE_runnable && now_ns() < deadline) {
		sleep_until(now_ns() + MS(1));
		out = runstate_of(SECONDARY);
	}
	CHECK_EQ(out.state, RUNSTATE_runnable, "vCPU 1 is switched out in its user program");
	user_space.data[1] = 1; /* the program may end; vCPU 1 runs once vCPU 0 sleeps */
	CHECK(wait_done(sequence), "vCPU 1 went on");

	const volatile struct vcpu_runstate_info *b = &seen.before_user, *a = &seen.after_user;
	printf("vCPU 1's area: before user mode state %d since %lu; after its SYSCALL state %d "
	       "since %lu, runnable %lu ns; seen runnable at %lu\n",
	       b->state, b->state_entry_time, a->state, a->state_entry_time,
	       a->time[RUNSTATE_runnable], out.state_entry_time);
	CHECK_EQ(seen.registered, 0, "vCPU 1 registered its runstate area");
	CHECK_EQ(seen.time_registered, 0, "and its time memory area");
	CHECK_EQ(seen.activated, 0, "vCPU 1's user mode set up");
	CHECK_EQ(seen.user_rc, 1, "its user program ended with SYSCALL");
	CHECK_EQ(b->state, RUNSTATE_running, "before user mode the area says running");
	CHECK_EQ(a->state, RUNSTATE_running, "after the SYSCALL it says running");
	CHECK(a->state_entry_time > out.state_entry_time,
	      "since the switch back in, after vCPU 0 saw it runnable (the area was written "
	      "on the way into kernel mode)");
	CHECK(a->time[RUNSTATE_runnable] >= out.time[RUNSTATE_runnable],
	      "and its runnable time counts the time switched out under the program");

	const volatile struct vcpu_time_info *copy = &seen.time_copy, *record = &seen.time_record;
	printf("vCPU 1's time area after its SYSCALL: version %u, tsc_timestamp %lu; its record "
	       "in vcpu_info: version %u, tsc_timestamp %lu\n",
	       copy->version, copy->tsc_timestamp, record->version, record->tsc_timestamp);
	CHECK(memcmp((const void *)copy, (const void *)record, sizeof(*copy)) == 0,
	      "the time area equals the record in vcpu_info");
}
