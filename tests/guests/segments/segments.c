/*
 * segments: what a 64-bit PV kernel does with segments, and what Xen 4.17 lets it do.
 *
 *  - set_segment_base: the FS base (shared by kernel and user mode), the kernel and the
 *    user GS bases (swapped by the hypervisor on every change of mode), SEGBASE_GS_USER_SEL
 *    (loads the user %gs selector and its base from a descriptor), non-canonical bases and
 *    unknown kinds refused;
 *  - selector loads in kernel mode: the flat selectors load, a selector past the GDT's end
 *    or of a ring-0 descriptor is a #GP naming it;
 *  - set_gdt: limits, frames that must be ours and not writable, descriptors validated
 *    (DPL raised to 3, system descriptors other than call gates refused), the table in use
 *    (its frame cannot be mapped writable), torn down again;
 *  - update_descriptor on an ordinary page and on a GDT page in use: alignment, frames not
 *    ours or page tables, each kind of descriptor accepted, rewritten or refused;
 * *  - MMUEXT_SET_LDT: the LDT's pages validated on first use, its limit, its page held
 *    while in use, a descriptor in the non-canonical hole;
 *  - HYPERVISOR_iret to kernel mode with good and bad cs/ss: what a bad selector on the way
 *    back becomes;
 *  - fpu_taskswitch: CR0.TS set makes the next FPU instruction a #NM (after which the
 *    hypervisor clears TS itself), clts and mov to CR0 clear it.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "catch.h"
#include "guest_lib.h"
#include "user_mode.h"

#define PTE_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_RO (_PAGE_PRESENT | _PAGE_ACCESSED)
#define X86_CR0_TS 0x8UL

/* Descriptors (8 bytes). */
#define DESC_DATA_DPL3 0x00cff3000000ffffUL /* flat writable data, DPL 3 */
#define DESC_DATA_DPL0 0x00cf93000000ffffUL /* the same with DPL 0 */
#define DESC_CODE64_DPL3 0x00affb000000ffffUL
#define DESC_CODE64_DPL0 0x00af9b000000ffffUL
#define DESC_TSS 0x0000890000000067UL /* 64-bit TSS, present */
#define DESC_LDT 0x0000820000000fffUL /* LDT, present */
#define DESC_NOT_PRESENT (0x12345678deadbeefUL & ~(1UL << 47))
#define DESC_SYSTEM_TYPE0 (1UL << 47) /* present, system, type 0 */

static inline uint64_t call_gate(uint16_t selector, unsigned int dpl)
{
	return 0x1000UL | (uint64_t)selector << 16 | 0xcUL << 40 | (uint64_t)dpl << 45 | 1UL << 47;
}

extern char s_read_segs[], s_read_fs_insn[], s_read_gs_insn[], kernel_landing[], failsafe_entry[];
extern uint64_t landing_rsp, landing_rflags, landing_cs, landing_ss, failsafe_frame[11],
	failsafe_at;

static long max_page;
static unsigned long l4_mfn;
static uint64_t fs_page[512] __attribute__((aligned(PAGE_SIZE)));
static uint64_t gs_page[512] __attribute__((aligned(PAGE_SIZE)));
static char landing_stack[4096] __attribute__((aligned(16)));

static unsigned int events_seen;
static void event_callback(struct trap_frame *frame)
{
	(void)frame;
	events_seen++;
	HYPERVISOR_shared_info->vcpu_info[0].evtchn_upcall_pending = 0;
}

static void trap_handler(struct trap_frame *frame)
{
	if (catch_trap(frame))
		return;
	if ((frame->cs & 3) == 3) {
		user_trap_record_and_resume(frame);
		return;
	}
	guest_crash("unexpected %s (error code %#lx) at %#lx, cs %#lx", trap_name(frame->vector),
		    frame->error_code, frame->rip, frame->cs & 0xffff);
}

static uint64_t ud(unsigned int word)
{
	return ((volatile uint64_t *)user_space.data)[word];
}

static uint64_t read_fs0(void)
{
	uint64_t v;
	__asm__ volatile("movq %%fs:0, %0" : "=r"(v));
	return v;
}

static uint64_t read_gs0(void)
{
	uint64_t v;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v));
	return v;
}

static uint16_t gs_selector(void)
{
	uint16_t v;
	__asm__ volatile("movw %%gs, %0" : "=r"(v));
	return v;
}

/* Run s_read_segs in user mode. */
static void run_read_segs(void)
{
	struct user_entry entry = user_entry_at(user_va(s_read_segs));
	memset(user_space.data, 0, 64);
	user_trap_count = 0;
	if (user_call(&entry) != 1)
		guest_crash("s_read_segs did not come back by SYSCALL");
}

static void check_segment_base(void)
{
	test_section("set_segment_base: FS and kernel GS");
	fs_page[0] = 0xf5f5f5f5;
	gs_page[0] = 0x65656565;
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, (unsigned long)fs_page), 0,
		 "set the FS base");
	CHECK_EQ(read_fs0(), 0xf5f5f5f5, "%fs:0 reads through it");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)gs_page), 0,
		 "set the kernel GS base");
	CHECK_EQ(read_gs0(), 0x65656565, "%gs:0 reads through it in kernel mode");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, 0x0000800000000000UL), -XEN_EINVAL,
		 "a non-canonical FS base is -EINVAL");
	CHECK_EQ(read_fs0(), 0xf5f5f5f5, "and leaves the base alone");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0xffff7fffffffffffUL), -XEN_EINVAL,
		 "a non-canonical kernel GS base is -EINVAL");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x0000800000000000UL), -XEN_EINVAL,
		 "a non-canonical user GS base is -EINVAL");
	CHECK_EQ(read_gs0(), 0x65656565, "and the kernel GS base is unchanged");
	CHECK_EQ(HYPERVISOR_set_segment_base(4, 0), -XEN_EINVAL, "kind 4 is -EINVAL");
	CHECK_EQ(HYPERVISOR_set_segment_base(0xffffffffu, 0), -XEN_EINVAL,
		 "kind 0xffffffff is -EINVAL");

	test_section("set_segment_base: user GS, swapped on each change of mode");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, USER_DATA_VA + 0x800), 0,
		 "set the user GS base (a user address)");
	CHECK_EQ(read_gs0(), 0x65656565, "the kernel's %gs:0 is unchanged");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, USER_DATA_VA + 0x400), 0,
		 "point FS at a user address too");
	user_space.data[0x400 / 8] = 0xf0f0;
	user_space.data[0x800 / 8] = 0x6060;
	run_read_segs();
	CHECK_EQ(ud(0), 0xf0f0, "in user mode %fs:0 reads through the FS base");
	CHECK_EQ(ud(1), 0x6060, "and %gs:0 through the user GS base");
	CHECK_EQ(user_trap_count, 0, "without faults");
	CHECK_EQ(read_gs0(), 0x65656565, "back in kernel mode the kernel GS base is active again");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER, USER_DATA_VA + 0x808), 0,
		 "move the user GS base");
	user_space.data[0x808 / 8] = 0x6161;
	run_read_segs();
	CHECK_EQ(ud(1), 0x6161, "user mode sees the new base");
	CHECK_EQ(read_gs0(), 0x65656565, "the kernel's is still its own");

	test_section("SEGBASE_GS_USER_SEL");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, FLAT_USER_DS32), 0,
		 "load the user %gs selector 0xe02b");
	CHECK_EQ(gs_selector(), FLAT_USER_DS32, "the %gs selector is 0xe02b in kernel mode too");
	CHECK_EQ(read_gs0(), 0x65656565, "the kernel GS base is untouched");
	run_read_segs();
	CHECK_EQ(ud(3), FLAT_USER_DS32, "user mode has %gs = 0xe02b");
	CHECK_EQ(ud(1), 0xbad, "and the descriptor's base, 0: %gs:0 is address 0, unmapped");
	CHECK_EQ(user_last_trap_cr2, 0, "the fault is at address 0");
	CHECK_EQ(user_last_trap.rip, user_va(s_read_gs_insn), "on the %gs read");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, FLAT_USER_DS32 & ~3), 0,
		 "a selector with RPL 0 is loaded with RPL 3");
	CHECK_EQ(gs_selector(), FLAT_USER_DS32, "%gs is 0xe02b");
	long rc = HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0x1233);
	uint16_t after_bad = gs_selector();
	printf("GS_USER_SEL with a selector past the GDT: %ld, %%gs now %#x\n", rc, after_bad);
	CHECK_EQ(rc, 0, "a selector that cannot be loaded is still 0");
	CHECK_EQ(after_bad, 0, "and leaves a null %gs");
	CHECK_EQ(read_gs0(), 0x65656565, "with the kernel GS base untouched");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0, "selector 0");
	CHECK_EQ(gs_selector(), 0, "%gs is null");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_FS, (unsigned long)fs_page), 0,
		 "FS back on the kernel page");
}

static uint16_t load_ds(uint16_t selector, int *vector)
{
	uint64_t sel = selector;
	*vector = CATCH_INSN("movw %w[s], %%ds", [s] "+r"(sel));
	uint16_t now;
	__asm__ volatile("movw %%ds, %0" : "=r"(now));
	return now;
}

static void check_selector_loads(void)
{
	int vector;

	test_section("selector loads in kernel mode");
	CHECK_EQ(load_ds(FLAT_KERNEL_SS, &vector), FLAT_KERNEL_SS, "ds = 0xe02b loads");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(load_ds(FLAT_KERNEL_CS, &vector), FLAT_KERNEL_CS,
		 "ds = 0xe033 (readable code) loads");
	CHECK_EQ(load_ds(0x1233, &vector), FLAT_KERNEL_CS, "ds = 0x1233 (past the GDT) does not");
	CHECK_EQ(vector, TRAP_gp_fault, "it is a #GP");
	CHECK_EQ(caught.error_code, 0x1230, "naming the selector");
	CHECK_EQ(load_ds(0xe010, &vector), FLAT_KERNEL_CS,
		 "ds = 0xe010 (a hypervisor selector, DPL 0) does not load");
	CHECK_EQ(vector, TRAP_gp_fault, "a #GP");
	CHECK_EQ(caught.error_code, 0xe010, "naming it");
	CHECK_EQ(load_ds(0, &vector), 0, "ds = 0 loads");
	CHECK_EQ(vector, -1, "without a fault");
}

static long set_gdt(const unsigned long *frames, unsigned int entries)
{
	return hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, entries, 0, 0, 0);
}

static long update_descriptor(uint64_t ma, uint64_t desc)
{
	return hypercall(__HYPERVISOR_update_descriptor, ma, desc, 0, 0, 0);
}

static uint32_t lar(uint16_t selector, bool *ok)
{
	uint32_t rights = 0;
	uint8_t zf;
	__asm__ volatile("larl %k2, %0\n\tsetz %1"
			 : "+r"(rights), "=q"(zf)
			 : "r"((uint32_t)selector));
	*ok = zf;
	return rights;
}

static void check_set_gdt(void)
{
	uint64_t *gdt = scratch_page(3);
	unsigned long frames[2] = {virt_to_mfn(gdt), virt_to_mfn(gdt)};
	int vector;
	bool ok;

	test_section("set_gdt");
	memset(gdt, 0, PAGE_SIZE);
	gdt[1] = DESC_DATA_DPL3 | (((uint64_t)(USER_DATA_VA + 0xc00) << 16) & 0xffffff0000UL);
	gdt[2] = DESC_CODE64_DPL3;
	gdt[3] = DESC_DATA_DPL0;
	gdt[4] = DESC_CODE64_DPL0;
	gdt[9] = DESC_DATA_DPL3;
	CHECK_EQ(set_gdt(frames, 8), -XEN_EINVAL, "a GDT frame mapped writable is -EINVAL");
	CHECK_EQ(map_page(gdt, frames[0], PTE_RO), 0, "map it read-only");
	CHECK_EQ(set_gdt(frames, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL,
		 "more entries than the 7168 below the hypervisor's is -EINVAL");
	CHECK_EQ(set_gdt((unsigned long *)0x1000, 8), -XEN_EFAULT,
		 "an unmapped frame list is -EFAULT");
	unsigned long not_ours = (unsigned long)max_page - 1;
	CHECK_EQ(set_gdt(&not_ours, 8), -XEN_EINVAL, "a frame we do not own is -EINVAL");
	CHECK_EQ(set_gdt(&l4_mfn, 8), -XEN_EINVAL, "a page-table frame is -EINVAL");

	CHECK_EQ(set_gdt(frames, 8), 0, "a GDT of 8 entries in a read-only frame of ours");
	printf("GDT after validation: [3] %#lx [4] %#lx\n", gdt[3], gdt[4]);
	CHECK_EQ(gdt[3], DESC_DATA_DPL0 | 3UL << 45,
		 "validation rewrote the DPL 0 data descriptor to DPL 3, in place");
	CHECK_EQ(gdt[4], DESC_CODE64_DPL0 | 3UL << 45, "and the DPL 0 code descriptor");
	CHECK_EQ(map_page(scratch_page(4), frames[0], PTE_RW), -XEN_EBUSY,
		 "the GDT frame in use cannot be mapped writable: -EBUSY");
	map_page(scratch_page(4), virt_to_mfn(scratch_page(4)), PTE_RW);

	uint32_t rights = lar(0x0b, &ok);
	CHECK(ok, "lar accepts selector 0x0b, our descriptor 1");
	CHECK_EQ(rights & 0xff00, 0xf300, "present, DPL 3, writable data");
	CHECK_EQ(load_ds(0x0b, &vector), 0x0b, "ds = 0x0b loads");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(load_ds(0x1b, &vector), 0x1b, "ds = 0x1b (descriptor 3, now DPL 3) loads");
	CHECK_EQ(load_ds(0x43, &vector), 0x1b, "ds = 0x43 (entry 8, a null descriptor) does not");
	CHECK_EQ(vector, TRAP_gp_fault, "it is a #GP");
	CHECK_EQ(caught.error_code, 0x40, "naming the selector");
	/*
	 * The entry count only says how many frames the GDT has: every descriptor of a frame
	 * given is usable, even past the count.
	 */
	CHECK_EQ(load_ds(0x4b, &vector), 0x4b,
		 "ds = 0x4b (entry 9, past the 8 entries but in the frame) loads");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(load_ds(0x1003, &vector), 0x4b,
		 "ds = 0x1003 (entry 512, in a second frame not given) does not");
	CHECK_EQ(vector, TRAP_gp_fault, "it is a #GP");
	CHECK_EQ(caught.error_code, 0x1000, "naming the selector");
	load_ds(0, &vector);

	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0x0b), 0,
		 "GS_USER_SEL loads our descriptor 1 (base USER_DATA_VA + 0xc00)");
	user_space.data[0xc00 / 8] = 0xc0c0;
	run_read_segs();
	CHECK_EQ(ud(3), 0x0b, "user mode has %gs = 0x0b");
	CHECK_EQ(ud(1), 0xc0c0, "and the descriptor's base");
	CHECK_EQ(HYPERVISOR_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0, "back to a null %gs");

	test_section("update_descriptor on the GDT in use");
	uint64_t ma = frames[0] << PAGE_SHIFT;
	CHECK_EQ(update_descriptor(ma + 5 * 8, DESC_DATA_DPL3), 0,
		 "a valid descriptor into the GDT in use");
	CHECK_EQ(gdt[5], DESC_DATA_DPL3, "is written");
	CHECK_EQ(update_descriptor(ma + 5 * 8, DESC_TSS), -XEN_EINVAL,
		 "a TSS descriptor is refused");
	CHECK_EQ(gdt[5], DESC_DATA_DPL3, "and not written");
	CHECK_EQ(update_descriptor(ma + 6 * 8, DESC_DATA_DPL0), 0, "a DPL 0 descriptor");
	CHECK_EQ(gdt[6], DESC_DATA_DPL0 | 3UL << 45, "is written with DPL 3");

	test_section("set_gdt: two frames, teardown");
	CHECK_EQ(set_gdt(frames, 514), 0, "514 entries in two frames (the same one twice)");
	lar(0x100b, &ok);
	CHECK(ok, "the second frame's entry 1 (selector 0x100b) is there");
	lar(0x1013, &ok);
	CHECK(ok, "and entry 2 (selector 0x1013, past the 514): the whole frame is visible");
	CHECK_EQ(set_gdt(NULL, 0), 0, "a GDT of no entries");
	lar(0x0b, &ok);
	CHECK(!ok, "selector 0x0b is gone");
	CHECK_EQ(load_ds(0x0b, &vector), 0, "and does not load");
	CHECK_EQ(vector, TRAP_gp_fault, "a #GP");
	CHECK_EQ(map_page(gdt, frames[0], PTE_RW), 0, "the frame can be mapped writable again");

	/* A frame with a descriptor validation refuses. */
	memset(gdt, 0, PAGE_SIZE);
	gdt[7] = DESC_TSS;
	CHECK_EQ(map_page(gdt, frames[0], PTE_RO), 0, "map it read-only");
	CHECK_EQ(set_gdt(frames, 8), -XEN_EINVAL, "a GDT holding a TSS descriptor is -EINVAL");
	CHECK_EQ(set_gdt(frames, 7), -XEN_EINVAL,
		 "even when the entry count stops before it (the whole frame is checked)");
	CHECK_EQ(map_page(gdt, frames[0], PTE_RW), 0, "the frame is an ordinary page again");
}

static void check_update_descriptor(void)
{
	uint64_t *page = scratch_page(5);
	uint64_t ma = virt_to_mfn(page) << PAGE_SHIFT;

	test_section("update_descriptor on an ordinary page");
	memset(page, 0, PAGE_SIZE);
	CHECK_EQ(update_descriptor(ma + 8, DESC_DATA_DPL3), 0, "a data descriptor, DPL 3");
	CHECK_EQ(page[1], DESC_DATA_DPL3, "is written as given");
	CHECK_EQ(update_descriptor(ma + 16, DESC_CODE64_DPL3), 0, "a 64-bit code descriptor");
	CHECK_EQ(page[2], DESC_CODE64_DPL3, "is written as given");
	CHECK_EQ(update_descriptor(ma + 24, DESC_CODE64_DPL0), 0,
		 "a DPL 0 code descriptor is accepted");
	CHECK_EQ(page[3], DESC_CODE64_DPL0 | 3UL << 45, "with its DPL raised to 3");
	CHECK_EQ(update_descriptor(ma + 32, DESC_NOT_PRESENT), 0,
		 "a descriptor that is not present is accepted whatever it holds");
	CHECK_EQ(page[4], DESC_NOT_PRESENT, "and written as given");
	CHECK_EQ(update_descriptor(ma + 40, 0), 0, "a null descriptor");

	page[6] = 0x77;
	CHECK_EQ(update_descriptor(ma + 48, DESC_TSS), -XEN_EINVAL, "a TSS descriptor is -EINVAL");
	CHECK_EQ(update_descriptor(ma + 48, DESC_LDT), -XEN_EINVAL, "an LDT descriptor is -EINVAL");
	CHECK_EQ(update_descriptor(ma + 48, 0x0000ee00e0331000UL), -XEN_EINVAL,
		 "an interrupt gate is -EINVAL");
	CHECK_EQ(update_descriptor(ma + 48, 0x0000ef00e0331000UL), -XEN_EINVAL,
		 "a trap gate is -EINVAL");
	CHECK_EQ(update_descriptor(ma + 80, DESC_SYSTEM_TYPE0), 0,
		 "a present system descriptor of type 0 is harmless: accepted");
	page[6] = 0x77;

	uint64_t gate = call_gate(FLAT_KERNEL_CS, 3);
	long rc = update_descriptor(ma + 56, gate);
	printf("call gate to 0xe033, DPL 3: %ld, stored %#lx\n", rc, page[7]);
	CHECK_EQ(rc, 0, "a call gate to the flat kernel code selector is accepted");
	CHECK_EQ(page[7], (gate & ~(3UL << 45)) | 3UL << 16,
		 "stored with DPL 0 and the DPL it asked for in the selector's RPL");
	CHECK_EQ(update_descriptor(ma + 64, 0), 0, "its upper half (type 0) is accepted");
	CHECK_EQ(update_descriptor(ma + 72, call_gate(0xe008, 3)), -XEN_EINVAL,
		 "a call gate to a hypervisor selector is -EINVAL");
	CHECK_EQ(update_descriptor(ma + 72, call_gate(0x0b, 3) | 0x1UL << 32), -XEN_EINVAL,
		 "a call gate with reserved bits set is -EINVAL");
	rc = update_descriptor(ma + 72, call_gate(0x0b, 3));
	printf("call gate to our GDT's 0x0b: %ld, stored %#lx\n", rc, page[9]);
	CHECK_EQ(rc, 0, "a call gate to a selector of the guest's GDT is accepted");

	CHECK_EQ(page[6], 0x77, "refused descriptors were not written");
	CHECK_EQ(update_descriptor(ma + 4, DESC_DATA_DPL3), -XEN_EINVAL,
		 "an address not 8-byte aligned is -EINVAL");
	CHECK_EQ(update_descriptor(((uint64_t)max_page - 1) << PAGE_SHIFT, DESC_DATA_DPL3),
		 -XEN_EINVAL, "a frame we do not own is -EINVAL");
	CHECK_EQ(update_descriptor(l4_mfn << PAGE_SHIFT, 0), -XEN_EINVAL,
		 "a page-table frame (our L4) is -EINVAL");
	CHECK_EQ(((uint64_t *)guest_start_info->pt_base)[0], 0, "and the L4 is untouched");
}

static long set_ldt(const void *va, unsigned int entries)
{
	struct mmuext_op op = {.cmd = MMUEXT_SET_LDT};
	op.arg1.linear_addr = (unsigned long)va;
	op.arg2.nr_ents = entries;
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/*
 * The LDT: MMUEXT_SET_LDT gives its address and size; the hypervisor maps its pages on
 * first use, validating them as descriptor pages then.
 */
static void check_ldt(void)
{
	uint64_t *ldt = scratch_page(6);
	unsigned long mfn = virt_to_mfn(ldt);
	int vector;
	bool ok;

	test_section("MMUEXT_SET_LDT");
	memset(ldt, 0, PAGE_SIZE);
	ldt[0] = DESC_DATA_DPL3;
	ldt[1] = DESC_DATA_DPL0;
	ldt[3] = DESC_DATA_DPL3;
	CHECK_EQ(set_ldt(ldt, 3), 0, "an LDT of 3 entries in a page mapped writable");
	CHECK_EQ(load_ds(0x7, &vector), 0, "ds = 0x7 (LDT entry 0) does not load");
	printf("LDT selector with the LDT page writable: vector %d error %#lx cr2 %#lx\n", vector,
	       caught.error_code, caught.cr2);
	CHECK_EQ(vector, TRAP_page_fault,
		 "a #PF: the page cannot become a descriptor page, so it is not mapped");
	CHECK_EQ(caught.error_code, 0, "error code 0 (the CPU's own descriptor read)");
	CHECK_EQ(caught.cr2, (unsigned long)ldt, "cr2 is the descriptor's address in our LDT");
	CHECK_EQ(load_ds(0xf, &vector), 0, "so does ds = 0xf");
	CHECK_EQ(caught.cr2, (unsigned long)ldt + 8, "cr2 is entry 1's address");

	CHECK_EQ(map_page(ldt, mfn, PTE_RO), 0, "map the LDT page read-only");
	CHECK_EQ(load_ds(0x7, &vector), 0x7, "now ds = 0x7 loads");
	CHECK_EQ(vector, -1, "without a fault");
	CHECK_EQ(ldt[1], DESC_DATA_DPL0 | 3UL << 45,
		 "the page was validated on first use: the DPL 0 descriptor now has DPL 3");
	CHECK_EQ(load_ds(0xf, &vector), 0xf, "ds = 0xf (entry 1) loads");
	CHECK_EQ(load_ds(0x1f, &vector), 0xf, "ds = 0x1f (entry 3, past the 3 entries) does not");
	CHECK_EQ(vector, TRAP_gp_fault, "a #GP: the LDT's limit is its size");
	CHECK_EQ(caught.error_code, 0x1c, "naming the selector");
	lar(0x7, &ok);
	CHECK(ok, "lar sees entry 0");
	long rc = map_page(ldt, mfn, PTE_RW);
	printf("mapping the LDT page in use writable: %ld\n", rc);
	CHECK_EQ(rc, -XEN_EBUSY, "the LDT page in use cannot be mapped writable: -EBUSY");

	load_ds(0, &vector);
	CHECK_EQ(set_ldt(NULL, 0), 0, "no LDT (0 entries)");
	CHECK_EQ(load_ds(0x7, &vector), 0, "ds = 0x7 does not load any more");
	CHECK_EQ(vector, TRAP_gp_fault, "a #GP");
	CHECK_EQ(map_page(ldt, mfn, PTE_RW), 0, "and the page can be mapped writable again");

	/* An LDT running into the non-canonical hole: a descriptor there has no address. */
	CHECK_EQ(set_ldt((void *)0x00007ffffffff000UL, 1024), 0,
		 "an LDT of 1024 entries in the last page below the hole");
	CHECK_EQ(load_ds(0x1007, &vector), 0, "ds = 0x1007 (entry 512, in the hole) does not load");
	printf("LDT selector in the non-canonical hole: vector %d error %#lx\n", vector,
	       caught.error_code);
	CHECK_EQ(vector, TRAP_gp_fault, "a #GP, not a #PF");
	CHECK_EQ(caught.error_code, 0x1004, "naming the LDT selector");
	CHECK_EQ(set_ldt(NULL, 0), 0, "no LDT again");

	CHECK_EQ(set_ldt((char *)ldt + 8, 1), -XEN_EINVAL, "an LDT not page aligned is -EINVAL");
	CHECK_EQ(set_ldt(ldt, 8193), -XEN_EINVAL, "more than 8192 entries is -EINVAL");
	CHECK_EQ(set_ldt((void *)0xffff830000000000UL, 1), -XEN_EINVAL,
		 "an LDT in the hypervisor's range is -EINVAL");
}

/* HYPERVISOR_iret to kernel mode at kernel_landing with the given cs and ss. */
static long iret_to_kernel(uint64_t cs, uint64_t ss)
{
	struct user_entry entry = user_entry_at((unsigned long)kernel_landing);
	entry.cs = cs;
	entry.ss = ss;
	entry.rsp = (unsigned long)landing_stack + sizeof(landing_stack);
	landing_cs = landing_ss = landing_rsp = 0;
	user_trap_count = 0;
	memset(failsafe_frame, 0, 11 * 8);
	return user_call(&entry);
}

static struct trap_frame bad_iret_frame;
static unsigned long bad_iret_at;
static void bad_iret_handler(struct trap_frame *frame)
{
	if (catch_trap(frame))
		return;
	bad_iret_frame = *frame;
	bad_iret_at = (unsigned long)frame;
	user_return(100 + (long)frame->vector);
}

static void check_iret_selectors(void)
{
	unsigned long top = (unsigned long)landing_stack + sizeof(landing_stack);

	test_section("HYPERVISOR_iret to kernel mode");
	CHECK_EQ(iret_to_kernel(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS), 7, "iret lands");
	CHECK_EQ(landing_cs, FLAT_KERNEL_CS, "in kernel mode cs is 0xe033 (RPL forced to 3)");
	CHECK_EQ(landing_ss, FLAT_KERNEL_SS, "ss 0xe02b");
	CHECK_EQ(landing_rsp, top, "on the given stack");
	CHECK_EQ(iret_to_kernel(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_SS & ~3), 7,
		 "an ss with RPL 0 is forced to RPL 3 too");
	CHECK_EQ(landing_ss, FLAT_KERNEL_SS, "ss 0xe02b");

	test_section("HYPERVISOR_iret with a bad cs or ss");
	CHECK_EQ(trap_set_handler(TRAP_gp_fault, 0, false, bad_iret_handler), 0, "#GP handler");
	CHECK_EQ(HYPERVISOR_set_callbacks(trap_entry_address(0xf0), (unsigned long)failsafe_entry,
					  (unsigned long)user_syscall_entry),
		 0, "failsafe callback registered");
	long rc = iret_to_kernel(FLAT_RING3_DS32 & ~3, FLAT_KERNEL_SS);
	printf("iret with cs = 0xe028 (a data segment): %ld; #GP error %#lx rip %#lx cs %#lx "
	       "rsp %#lx; failsafe at %#lx\n",
	       rc, bad_iret_frame.error_code, bad_iret_frame.rip, bad_iret_frame.cs,
	       bad_iret_frame.rsp, failsafe_at);
	CHECK_EQ(rc, 100 + TRAP_gp_fault, "a data segment as cs is a #GP delivered to the guest");
	CHECK_EQ(bad_iret_frame.error_code, FLAT_RING3_DS32 & ~3, "naming the selector");
	CHECK_EQ(bad_iret_frame.rip, (unsigned long)kernel_landing, "at the rip iret went to");
	CHECK_EQ(bad_iret_frame.cs & 0xffff, FLAT_RING3_DS32 & ~3,
		 "with the bad cs in the frame (RPL 0: kernel mode)");
	CHECK_EQ(bad_iret_frame.rsp, top, "and the rsp iret went to");
	CHECK_EQ(landing_cs, 0, "kernel_landing never ran");
	CHECK_EQ(failsafe_at, 0, "and the failsafe callback was not used");

	rc = iret_to_kernel(FLAT_KERNEL_CS & ~3, FLAT_KERNEL_CS);
	printf("iret with ss = 0xe033 (a code segment): %ld; #GP error %#lx ss %#lx\n", rc,
	       bad_iret_frame.error_code, bad_iret_frame.ss);
	CHECK_EQ(rc, 100 + TRAP_gp_fault, "a code segment as ss is a #GP");
	CHECK_EQ(bad_iret_frame.error_code, FLAT_KERNEL_CS & ~3, "naming the selector");
	CHECK_EQ(bad_iret_frame.ss, FLAT_KERNEL_CS, "the frame holds the bad ss");

	rc = iret_to_kernel(0x1230, FLAT_KERNEL_SS);
	printf("iret with cs = 0x1233 (past the GDT): %ld; #GP error %#lx\n", rc,
	       bad_iret_frame.error_code);
	CHECK_EQ(rc, 100 + TRAP_gp_fault, "a cs past the GDT is a #GP");
	CHECK_EQ(bad_iret_frame.error_code, 0x1230, "naming the selector");
	trap_set_handler(TRAP_gp_fault, 0, false, trap_handler);
}

static uint64_t read_cr0(int *vector)
{
	uint64_t v = 0;
	*vector = CATCH_INSN("mov %%cr0, %[v]", [v] "+r"(v));
	return v;
}

static int fpu_insn(void)
{
	return CATCH_INSN("fnop");
}

static int sse_insn(void)
{
	return CATCH_INSN("xorps %%xmm0, %%xmm0");
}

static void check_fpu_taskswitch(void)
{
	int vector;

	test_section("fpu_taskswitch");
	uint64_t cr0 = read_cr0(&vector);
	printf("cr0 as the kernel sees it: %#lx\n", cr0);
	CHECK_EQ(vector, -1, "mov from cr0 is emulated");
	CHECK_EQ(cr0 & X86_CR0_TS, 0, "TS is clear at first");
	CHECK_EQ(fpu_insn(), -1, "an x87 instruction runs");
	CHECK_EQ(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1)");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, X86_CR0_TS, "sets the virtual CR0.TS");
	CHECK_EQ(fpu_insn(), TRAP_no_device, "the next x87 instruction is a #NM");
	CHECK_EQ(caught.cs, FLAT_KERNEL_CS & ~3, "bounced to the kernel's handler");
	CHECK_EQ(caught.error_code, 0, "with no error code");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, 0,
		 "and the hypervisor cleared TS when it delivered the #NM");
	CHECK_EQ(fpu_insn(), -1, "so the instruction runs when tried again");

	CHECK_EQ(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1) again");
	CHECK_EQ(sse_insn(), TRAP_no_device, "an SSE instruction is a #NM too");
	CHECK_EQ(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1)");
	CHECK_EQ(HYPERVISOR_fpu_taskswitch(0), 0, "fpu_taskswitch(0)");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, 0, "clears TS");
	CHECK_EQ(fpu_insn(), -1, "and the FPU is usable");

	CHECK_EQ(HYPERVISOR_fpu_taskswitch(2), 0, "fpu_taskswitch(2)");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, X86_CR0_TS, "any non-zero value sets TS");
	CHECK_EQ(CATCH_INSN("clts"), -1, "clts is emulated");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, 0, "and clears TS");
	CHECK_EQ(fpu_insn(), -1, "the FPU is usable");

	CHECK_EQ(HYPERVISOR_fpu_taskswitch(1), 0, "fpu_taskswitch(1)");
	uint64_t value = cr0 & ~X86_CR0_TS;
	CHECK_EQ(CATCH_INSN("mov %[v], %%cr0", [v] "+r"(value)), -1,
		 "mov to cr0 changing only TS is emulated");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, 0, "and clears TS");
	value = cr0 | X86_CR0_TS;
	CHECK_EQ(CATCH_INSN("mov %[v], %%cr0", [v] "+r"(value)), -1, "setting TS that way too");
	CHECK_EQ(read_cr0(&vector) & X86_CR0_TS, X86_CR0_TS, "sets it");
	CHECK_EQ(fpu_insn(), TRAP_no_device, "and the FPU traps");
	value = cr0 ^ 0x20; /* NE */
	CHECK_EQ(CATCH_INSN("mov %[v], %%cr0", [v] "+r"(value)), TRAP_gp_fault,
		 "changing any other CR0 bit is a #GP");
	CHECK_EQ(HYPERVISOR_fpu_taskswitch(0), 0, "fpu_taskswitch(0)");
}

void guest_main(const struct start_info *si)
{
	l4_mfn = ((const xen_pfn_t *)si->mfn_list)[virt_to_pfn((void *)si->pt_base)];
	max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	for (unsigned int v = 0; v < 32; v++)
		if (v != TRAP_int3 && v != TRAP_debug && v != TRAP_nmi)
			trap_set_handler(v, 0, false, trap_handler);
	trap_set_handler(0xf0, 0, true, event_callback);
	if (user_space_build() != 0 ||
	    user_space_activate(trap_entry_address(0xf0), (unsigned long)failsafe_entry) != 0)
		guest_crash("cannot set up user mode");
	check_segment_base();
	check_selector_loads();
	check_set_gdt();
	check_update_descriptor();
	check_ldt();
	check_iret_selectors();
	check_fpu_taskswitch();
	test_finish("segments");
}
