/*
 * smp: dom0 with two vCPUs (the hypervisor's dom0_max_vcpus=2), as Xen 4.17 runs it, on one
 * physical CPU or on two. vCPU 0 brings up vCPU 1 and then, with it:
 *
 *  - bringup.c   vCPU 1 at boot, VCPUOP_initialise's checks, VGCF_online, VCPUOP_up, the
 *                state vCPU 1 starts in;
 *  - ipi.c       IPI event channels both ways, ping-pongs through SCHEDOP_poll and
 *                SCHEDOP_block with upcalls, timed;
 *  - fpu.c       FPU/SSE registers kept per vCPU across switches and timer upcalls;
 *  - tlb.c       a mapping vCPU 1 reads, changed by vCPU 0 with every kind of remote flush;
 *  - down_up.c   VCPUOP_down and up of a running vCPU, and of oneself; runstates;
 *  - failsafe.c  the failsafe callback, when vCPU 1's selector no longer loads as it comes
 *                back on a CPU.
 *
 * Here: every vcpu_op on vCPU 2, which does not exist, is -ENOENT, before anything else is
 * looked at; so are the event-channel bindings that name it.
 */
#include <parvus/guest_test.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "smp.h"

#define UNKNOWN_VCPUOP 99

static void check_missing_vcpu(void)
{
	static const struct {
		int cmd;
		const char *name;
	} ops[] = {
		{VCPUOP_initialise, "VCPUOP_initialise"},
		{VCPUOP_up, "VCPUOP_up"},
		{VCPUOP_down, "VCPUOP_down"},
		{VCPUOP_is_up, "VCPUOP_is_up"},
		{VCPUOP_get_runstate_info, "VCPUOP_get_runstate_info"},
		{VCPUOP_register_runstate_memory_area, "VCPUOP_register_runstate_memory_area"},
		{VCPUOP_set_periodic_timer, "VCPUOP_set_periodic_timer"},
		{VCPUOP_stop_periodic_timer, "VCPUOP_stop_periodic_timer"},
		{VCPUOP_set_singleshot_timer, "VCPUOP_set_singleshot_timer"},
		{VCPUOP_stop_singleshot_timer, "VCPUOP_stop_singleshot_timer"},
		{VCPUOP_register_vcpu_info, "VCPUOP_register_vcpu_info"},
		{VCPUOP_send_nmi, "VCPUOP_send_nmi"},
		{VCPUOP_get_physid, "VCPUOP_get_physid"},
		{VCPUOP_register_vcpu_time_memory_area, "VCPUOP_register_vcpu_time_memory_area"},
		{UNKNOWN_VCPUOP, "an unknown vcpu_op"},
	};

	test_section("vCPU 2 does not exist");
	for (unsigned int i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		/* A readable, harmless argument: the vCPU is looked up before it is read. */
		long rc = HYPERVISOR_vcpu_op(ops[i].cmd, NO_SUCH_VCPU, scratch_page(4));
		printf("%s on vCPU 2: %ld\n", ops[i].name, rc);
		CHECK_EQ(rc, -XEN_ENOENT, ops[i].name);
	}
	CHECK_EQ(bind_ipi(NO_SUCH_VCPU), -XEN_ENOENT, "EVTCHNOP_bind_ipi to vCPU 2 is -ENOENT");
	CHECK_EQ(bind_virq(VIRQ_TIMER, NO_SUCH_VCPU), -XEN_ENOENT,
		 "EVTCHNOP_bind_virq of VIRQ_TIMER to vCPU 2 is -ENOENT");

	test_section("a timer of another vCPU");
	struct vcpu_set_singleshot_timer shot = {.timeout_abs_ns = now_ns() + MS(1000)};
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, SECONDARY, &shot), -XEN_EINVAL,
		 "vCPU 0 may not set vCPU 1's singleshot timer (-EINVAL)");
	CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, SECONDARY, NULL), -XEN_EINVAL,
		 "nor stop it");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_missing_vcpu();
	if (check_bringup()) {
		check_ping_pong();
		check_fpu();
		check_tlb();
		check_down_up();
		check_failsafe();
		check_runstate_user();
	}
	test_finish("smp");
}
