/*
 * Catching an expected trap in kernel mode; see catch.h.
 */
#include <parvus/guest.h>
#include <parvus/guest_traps.h>
#include "catch.h"

struct caught caught = {.vector = -1};
volatile unsigned long catch_rip, catch_resume;

bool catch_trap(struct trap_frame *frame)
{
	if (catch_rip == 0 || frame->rip != catch_rip || (frame->cs & 3) != 0)
		return false;
	caught.vector = (int)frame->vector;
	caught.error_code = frame->error_code;
	caught.rip = frame->rip;
	caught.cs = frame->cs & 0xffff;
	caught.rflags = frame->rflags;
	caught.saved_mask = (uint8_t)(frame->cs >> 32);
	caught.cr2 = frame->vector == TRAP_page_fault
			     ? HYPERVISOR_shared_info->vcpu_info[0].arch.cr2
			     : 0;
	frame->rip = catch_resume;
	catch_rip = 0;
	return true;
}

static void catch_or_crash(struct trap_frame *frame)
{
	if (catch_trap(frame))
		return;
	guest_crash("unexpected %s (error code %#lx) at %#lx, cs %#lx", trap_name(frame->vector),
		    frame->error_code, frame->rip, frame->cs & 0xffff);
}

long catch_install(unsigned int vector)
{
	return trap_set_handler(vector, vector == TRAP_int3 ? 3 : 0, false, catch_or_crash);
}
