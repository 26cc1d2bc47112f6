/*
 * The vCPU part of the domctl test kernel: XEN_DOMCTL_max_vcpus, getvcpuinfo, and the
 * register state of a vCPU that has never run (set/getvcpucontext: what Xen refuses, what it
 * changes on the way in, what a reset undoes). Last, the domain is unpaused with a vCPU whose
 * page tables map nothing: it faults at its first instruction, has no trap table, and Xen
 * crashes it; dom0 sees the shutdown reason in getdomaininfo and the log line in the ring.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "domctl_test.h"
#include "guest_lib.h"

#define ENTRY 0xffffffff80001000UL /* where the vCPU would start: nothing is mapped there */
#define STACK 0xffffffff80002000UL

static struct xen_domctl_getdomaininfo info;
static struct vcpu_guest_context context, back;

static long max_vcpus(domid_t domain, uint32_t max)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus.max = max;
	return domctl(&op, XEN_DOMCTL_max_vcpus, domain);
}

static long vcpu_info(uint32_t vcpu, struct xen_domctl_getvcpuinfo *out)
{
	struct xen_domctl op;

	memset(&op, 0x5a, sizeof(op));
	op.u.getvcpuinfo.vcpu = vcpu;
	long rc = domctl(&op, XEN_DOMCTL_getvcpuinfo, guest);
	*out = op.u.getvcpuinfo;
	return rc;
}

static long set_context(uint32_t vcpu, struct vcpu_guest_context *ctxt)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = vcpu;
	set_xen_guest_handle(op.u.vcpucontext.ctxt, ctxt);
	return domctl(&op, XEN_DOMCTL_setvcpucontext, guest);
}

static long get_context(uint32_t vcpu, struct vcpu_guest_context *ctxt)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.vcpu = vcpu;
	set_xen_guest_handle(op.u.vcpucontext.ctxt, ctxt);
	return domctl(&op, XEN_DOMCTL_getvcpucontext, guest);
}

void check_vcpus(void)
{
	struct xen_domctl_getvcpuinfo vcpu;

	test_section("vCPUs before XEN_DOMCTL_max_vcpus");
	long rc = vcpu_info(0, &vcpu);
	printf("getvcpuinfo 0 before max_vcpus: %ld\n", rc);
	CHECK_EQ(rc, -XEN_ESRCH, "getvcpuinfo of a vCPU not yet made is -ESRCH");
	CHECK_EQ(get_context(0, &back), -XEN_EINVAL, "getvcpucontext of it is -EINVAL");
	CHECK_EQ(set_context(0, &context), -XEN_EINVAL, "setvcpucontext of it is -EINVAL");

	test_section("XEN_DOMCTL_max_vcpus");
	CHECK_EQ(max_vcpus(guest, TEST_MAX_VCPUS - 1), -XEN_EINVAL,
		 "fewer than createdomain's max_vcpus is -EINVAL");
	CHECK_EQ(max_vcpus(guest, TEST_MAX_VCPUS + 1), -XEN_EINVAL, "more is -EINVAL");
	CHECK_EQ(max_vcpus(guest, TEST_MAX_VCPUS), 0, "the same number makes the vCPUs");
	CHECK_EQ(max_vcpus(guest, TEST_MAX_VCPUS), 0, "asking again is 0");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.max_vcpu_id, TEST_MAX_VCPUS - 1, "max_vcpu_id is the last vCPU");
	CHECK_EQ(info.nr_online_vcpus, 0, "none is online");
	CHECK_EQ(info.flags, XEN_DOMINF_paused | NO_SHUTDOWN_CODE, "still just paused");

	test_section("XEN_DOMCTL_getvcpuinfo");
	for (uint32_t v = 0; v < TEST_MAX_VCPUS; v++) {
		CHECK_EQ(vcpu_info(v, &vcpu), 0, "getvcpuinfo of each vCPU");
		printf("vcpu %u: online %u blocked %u running %u cpu_time %lu cpu %u\n", vcpu.vcpu,
		       vcpu.online, vcpu.blocked, vcpu.running, vcpu.cpu_time, vcpu.cpu);
		CHECK_EQ(vcpu.vcpu, v, "the vCPU asked");
		CHECK_EQ(vcpu.online, 0, "down until it gets a context");
		CHECK_EQ(vcpu.blocked, 0, "not blocked");
		CHECK_EQ(vcpu.running, 0, "not running");
		CHECK_EQ(vcpu.cpu_time, 0, "it never ran");
	}
	CHECK_EQ(vcpu_info(TEST_MAX_VCPUS, &vcpu), -XEN_EINVAL, "vCPU max_vcpus is -EINVAL");
	CHECK_EQ(vcpu_info(0xffffffff, &vcpu), -XEN_EINVAL, "vCPU 0xffffffff is -EINVAL");
	CHECK_EQ(get_context(0, &back), -XEN_ENODATA,
		 "getvcpucontext of a vCPU never given a context is -ENODATA");
	CHECK_EQ(get_context(TEST_MAX_VCPUS, &back), -XEN_EINVAL,
		 "getvcpucontext of vCPU max_vcpus is -EINVAL");
}

/* A context a 64-bit PV kernel could start with: ring 3 flat segments, cr3 the given frame. */
static void kernel_context(struct vcpu_guest_context *c, xen_pfn_t l4)
{
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel;
	c->user_regs.rip = ENTRY;
	c->user_regs.rsp = STACK;
	c->user_regs.rsi = 0x1234;
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->user_regs.rflags = 0x2;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = STACK;
	c->ctrlreg[3] = xen_pfn_to_cr3(l4);
}

/* Change one thing of a good context; the call must answer expected. */
#define CONTEXT_FAILS(change, expected, what)                       \
	do {                                                        \
		kernel_context(&context, l4);                       \
		change;                                             \
		CHECK_EQ(set_context(0, &context), expected, what); \
	} while (0)

void check_vcpu_context(void)
{
	xen_pfn_t l4 = guest_mfn[1];
	char *window = scratch_page(0);
	uint64_t own = guest_lookup_pte((unsigned long)window, NULL);
	struct xen_domctl_getvcpuinfo vcpu;

	test_section("XEN_DOMCTL_setvcpucontext: bad contexts");
	CHECK_EQ(map_frame(window, l4, guest), 0, "dom0 maps the future L4 (frame 1) writable");
	memset(window, 0, PAGE_SIZE);
	CONTEXT_FAILS((void)0, -XEN_EINVAL,
		      "an L4 that dom0 maps writable cannot become a page table: -EINVAL");
	CHECK_EQ(restore_frame(window, own), 0, "dom0 unmaps it");
	CONTEXT_FAILS(context.user_regs.rip = 0x0000800000000000UL, -XEN_EINVAL,
		      "a non-canonical rip is -EINVAL");
	CONTEXT_FAILS(context.user_regs.rsp = 0x0000800000000000UL, -XEN_EINVAL,
		      "a non-canonical rsp is -EINVAL");
	CONTEXT_FAILS(context.kernel_sp = 0x0000800000000000UL, -XEN_EINVAL,
		      "a non-canonical kernel_sp is -EINVAL");
	CONTEXT_FAILS(context.fs_base = 0x0000800000000000UL, -XEN_EINVAL,
		      "a non-canonical fs_base is -EINVAL");
	CONTEXT_FAILS(context.event_callback_eip = 0x0000800000000000UL, -XEN_EINVAL,
		      "a non-canonical event callback is -EINVAL");
	CONTEXT_FAILS(context.trap_ctxt[14].address = 0x0000800000000000UL, -XEN_EINVAL,
		      "a non-canonical trap handler is -EINVAL");
	CONTEXT_FAILS((context.ldt_base = 0xffffffff80000800UL, context.ldt_ents = 1), -XEN_EINVAL,
		      "an LDT not page aligned is -EINVAL");
	CONTEXT_FAILS((context.ldt_base = 0xffffffff80000000UL, context.ldt_ents = 8193),
		      -XEN_EINVAL, "an LDT of more than 8192 entries is -EINVAL");
	CONTEXT_FAILS(context.flags = 0, -XEN_EINVAL,
		      "starting in user mode without a user page table is -EINVAL");
	CONTEXT_FAILS(context.gdt_ents = FIRST_RESERVED_GDT_ENTRY + 1, -XEN_EINVAL,
		      "a GDT reaching into the hypervisor's entries is -EINVAL");
	CONTEXT_FAILS(context.ctrlreg[3] = xen_pfn_to_cr3(virt_to_mfn(window)), -XEN_EINVAL,
		      "a cr3 frame of dom0's is -EINVAL");
	CONTEXT_FAILS(context.ctrlreg[3] = xen_pfn_to_cr3(0xfffffffffUL), -XEN_EINVAL,
		      "a cr3 frame beyond RAM is -EINVAL");
	CONTEXT_FAILS(context.vm_assist = 1UL << 31, -XEN_EINVAL,
		      "an unknown vm_assist is -EINVAL");
	for (unsigned int b = 1; b < nr_bad_addresses; b++) /* NULL is a reset: see below */
		CHECK_EQ(set_context(0, (void *)bad_addresses[b].address), -XEN_EFAULT,
			 "a hostile context is -EFAULT");
	kernel_context(&context, l4);
	CHECK_EQ(set_context(TEST_MAX_VCPUS, &context), -XEN_EINVAL, "vCPU max_vcpus is -EINVAL");
	CHECK_EQ(get_context(0, &back), -XEN_ENODATA, "after all that, still no context");
	CHECK_EQ(frame_type(guest, l4), XEN_DOMCTL_PFINFO_NOTAB, "and frame 1 is no page table");

	test_section("XEN_DOMCTL_setvcpucontext: a good one, vCPU left down");
	kernel_context(&context, l4);
	CHECK_EQ(set_context(0, &context), 0, "a kernel context on an empty L4 is accepted");
	memset(&back, 0x5a, sizeof(back));
	CHECK_EQ(get_context(0, &back), 0, "getvcpucontext returns it");
	printf("back: flags %#lx rip %#lx rsp %#lx cs %#x ss %#x rflags %#lx cr3 %#lx cr0 %#lx "
	       "cr4 %#lx kernel_ss %#lx\n",
	       back.flags, back.user_regs.rip, back.user_regs.rsp, back.user_regs.cs,
	       back.user_regs.ss, back.user_regs.rflags, back.ctrlreg[3], back.ctrlreg[0],
	       back.ctrlreg[4], back.kernel_ss);
	CHECK_EQ(back.flags, VGCF_in_kernel, "flags: in kernel, not online");
	CHECK_EQ(back.user_regs.rip, ENTRY, "rip as set");
	CHECK_EQ(back.user_regs.rsp, STACK, "rsp as set");
	CHECK_EQ(back.user_regs.rsi, 0x1234, "rsi as set");
	CHECK_EQ(back.user_regs.cs, FLAT_KERNEL_CS, "cs as set");
	CHECK_EQ(back.user_regs.ss, FLAT_KERNEL_SS, "ss as set");
	CHECK_EQ(back.user_regs.rflags, 0x202, "rflags gets IF set (events are in vcpu_info)");
	CHECK_EQ(back.ctrlreg[3], xen_pfn_to_cr3(l4), "cr3 as set");
	CHECK_EQ(back.ctrlreg[1], 0, "no user page table");
	CHECK_EQ(back.kernel_ss, FLAT_KERNEL_SS, "kernel_ss as set");
	CHECK_EQ(back.kernel_sp, STACK, "kernel_sp as set");
	CHECK_EQ(frame_type(guest, l4), XEN_DOMCTL_PFINFO_L4TAB,
		 "frame 1 is now a validated L4 (held by cr3, not pinned)");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.nr_online_vcpus, 0, "the vCPU stays down without VGCF_online");
	CHECK_EQ(vcpu_info(0, &vcpu), 0, "getvcpuinfo");
	CHECK_EQ(vcpu.online, 0, "not online");
	CHECK_EQ(map_frame(window, l4, guest), -XEN_EBUSY,
		 "dom0 cannot map the L4 writable now: -EBUSY");

	kernel_context(&context, l4);
	context.user_regs.cs = FLAT_KERNEL_CS & ~3;
	context.user_regs.ss = FLAT_KERNEL_SS & ~3;
	context.kernel_ss = FLAT_KERNEL_SS & ~3;
	CHECK_EQ(set_context(0, &context), 0, "again, selectors with RPL 0, the same cr3");
	CHECK_EQ(get_context(0, &back), 0, "getvcpucontext");
	CHECK_EQ(back.user_regs.cs, FLAT_KERNEL_CS, "cs comes back with RPL 3");
	CHECK_EQ(back.user_regs.ss, FLAT_KERNEL_SS, "ss comes back with RPL 3");
	CHECK_EQ(back.kernel_ss, FLAT_KERNEL_SS, "kernel_ss comes back with RPL 3");
	kernel_context(&context, guest_mfn[2]);
	CHECK_EQ(set_context(0, &context), -XEN_EOPNOTSUPP,
		 "another cr3 for a vCPU that has one is -EOPNOTSUPP");

	test_section("XEN_DOMCTL_setvcpucontext: reset, then online");
	CHECK_EQ(set_context(0, NULL), 0, "a NULL context resets the vCPU");
	CHECK_EQ(get_context(0, &back), -XEN_ENODATA, "it has no context any more");
	CHECK_EQ(frame_type(guest, l4), XEN_DOMCTL_PFINFO_NOTAB, "frame 1 is no page table again");
	kernel_context(&context, l4);
	context.flags |= VGCF_online;
	CHECK_EQ(set_context(0, &context), 0, "a context with VGCF_online");
	CHECK_EQ(get_context(0, &back), 0, "getvcpucontext");
	CHECK_EQ(back.flags, VGCF_in_kernel | VGCF_online, "flags: in kernel, online");
	CHECK_EQ(domain_info(guest, &info), 0, "getdomaininfo");
	CHECK_EQ(info.nr_online_vcpus, 1, "one vCPU online");
	CHECK_EQ(info.flags, XEN_DOMINF_paused | NO_SHUTDOWN_CODE,
		 "paused: neither blocked nor running");
	CHECK_EQ(vcpu_info(0, &vcpu), 0, "getvcpuinfo 0");
	CHECK(vcpu.online && !vcpu.blocked && !vcpu.running, "online, not blocked, not running");
	CHECK_EQ(vcpu_info(1, &vcpu), 0, "getvcpuinfo 1");
	CHECK_EQ(vcpu.online, 0, "vCPU 1 stays down");
}

void check_run_and_crash(void)
{
	uint32_t index = console_end();
	struct xen_domctl_getvcpuinfo vcpu;
	char *text;

	test_section("unpaused, the domain faults at its first instruction and is crashed");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_unpausedomain, guest), 0, "unpause");
	/* On another CPU the vCPU may still be running when the shutdown shows: wait for both. */
	unsigned int polls = 0;
	long rc;
	while ((rc = domain_info(guest, &info)) == 0 &&
	       (!(info.flags & XEN_DOMINF_shutdown) || (info.flags & XEN_DOMINF_running)) &&
	       polls < 200) {
		sleep_ms(10);
		polls++;
	}
	printf("after %u polls: flags %#x, cpu_time %lu\n", polls, info.flags, info.cpu_time);
	CHECK_EQ(rc, 0, "getdomaininfo");
	CHECK_EQ(info.flags, XEN_DOMINF_shutdown | SHUTDOWN_crash << XEN_DOMINF_shutdownshift,
		 "shut down, reason SHUTDOWN_crash in bits 16-23, nothing else");
	CHECK_EQ((info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask, SHUTDOWN_crash,
		 "the reason read back");
	CHECK_EQ(info.nr_online_vcpus, 1, "its vCPU is still online");
	CHECK_EQ(vcpu_info(0, &vcpu), 0, "getvcpuinfo");
	CHECK(vcpu.online && !vcpu.running, "vCPU 0 is online and stopped");
	uint32_t count = console_since(&index, &text);
	printf("the ring since the reads above (%u bytes):\n", count);
	console_write(text, count);
	CHECK(count > 0, "the hypervisor logged the crash");
	CHECK_EQ(domctl_plain(XEN_DOMCTL_unpausedomain, guest), -XEN_EINVAL,
		 "unpausing it again is -EINVAL");
}
