/*
 * TLB coherence between the vCPUs: vCPU 1 reads a page through a window mapping in a tight
 * loop (so its TLB holds the translation) while vCPU 0 points the window at another frame
 * and flushes, in each of the ways a PV kernel can ask for a flush that reaches vCPU 1:
 *
 *  - update_va_mapping with UVMF_INVLPG or UVMF_TLB_FLUSH, for UVMF_ALL or for a vcpumask
 *    (UVMF_MULTI: the bitmap's address or'ed into the flags), alone or inside a multicall;
 *  - mmu_update of the L1 entry (which flushes nothing) followed by mmuext_op
 *    MMUEXT_TLB_FLUSH_ALL, MMUEXT_INVLPG_ALL, MMUEXT_TLB_FLUSH_MULTI or MMUEXT_INVLPG_MULTI.
 *
 * Each time vCPU 0 waits until vCPU 1 reports the new frame's contents. With two physical
 * CPUs this is the hypervisor's cross-CPU flush; with one, a switch between the vCPUs.
 */
#include <string.h>
#include <parvus/guest_test.h>
#include <public/errno.h>
#include "guest_lib.h"
#include "smp.h"

#define WINDOW 0
#define FRAME_A 1
#define FRAME_B 2
#define PTE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)

static volatile uint64_t seen, reads;
static const unsigned long only_vcpu1 = 1UL << SECONDARY; /* a vcpumask */
static unsigned long frame_mfn[2];
static uint64_t frame_tag[2];
static unsigned int current_frame;

uint64_t entry_machine_address(unsigned long va, int level)
{
	unsigned long mfn = virt_to_mfn((const void *)guest_start_info->pt_base);

	for (int at = 4;; at--) {
		unsigned int index = (va >> (PAGE_SHIFT + 9 * (at - 1))) & 511;
		if (at == level)
			return ((uint64_t)mfn << PAGE_SHIFT) + index * 8;
		const uint64_t *table = mfn_to_virt(mfn);
		if (!table || !(table[index] & _PAGE_PRESENT) || (table[index] & _PAGE_PSE))
			guest_crash("no level-%d table on the way to %#lx", level, va);
		mfn = (table[index] & PTE_ADDRESS_MASK) >> PAGE_SHIFT;
	}
}

void secondary_tlb_watch(void)
{
	const volatile uint64_t *word = scratch_page(WINDOW);
	uint64_t last = 0;

	while (!mailbox.stop) {
		uint64_t value = *word;
		reads++;
		if (value != last) {
			last = value;
			__atomic_store_n(&seen, value, __ATOMIC_SEQ_CST);
			send_port(ipi_port[0]);
		}
	}
}

static unsigned long window(void)
{
	return (unsigned long)scratch_page(WINDOW);
}

static uint64_t pte(unsigned int frame)
{
	return ((uint64_t)frame_mfn[frame] << PAGE_SHIFT) | PTE_FLAGS;
}

/* Write the window's L1 entry without any flush. */
static long write_entry(unsigned int frame)
{
	struct mmu_update update = {.ptr = entry_machine_address(window(), 1) |
					   MMU_NORMAL_PT_UPDATE,
				    .val = pte(frame)};
	return HYPERVISOR_mmu_update(&update, 1, NULL, DOMID_SELF);
}

static long flush(unsigned int cmd)
{
	struct mmuext_op op = {.cmd = cmd};

	if (cmd == MMUEXT_INVLPG_ALL || cmd == MMUEXT_INVLPG_MULTI)
		op.arg1.linear_addr = window();
	if (cmd == MMUEXT_TLB_FLUSH_MULTI || cmd == MMUEXT_INVLPG_MULTI)
		set_xen_guest_handle(op.arg2.vcpumask, &only_vcpu1);
	return HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* The ways of moving the window to frame and flushing vCPU 1's TLB. */
enum method {
	UVM_INVLPG_ALL,
	UVM_FLUSH_ALL,
	UVM_INVLPG_MULTI,
	UVM_FLUSH_MULTI,
	MULTICALL_UVM_INVLPG_MULTI,
	MMU_UPDATE_FLUSH_ALL,
	MMU_UPDATE_INVLPG_ALL,
	MMU_UPDATE_FLUSH_MULTI,
	MMU_UPDATE_INVLPG_MULTI,
	NR_METHODS
};

static const char *const method_names[NR_METHODS] = {
	"update_va_mapping UVMF_INVLPG | UVMF_ALL",
	"update_va_mapping UVMF_TLB_FLUSH | UVMF_ALL",
	"update_va_mapping UVMF_INVLPG | UVMF_MULTI (vcpumask {1})",
	"update_va_mapping UVMF_TLB_FLUSH | UVMF_MULTI (vcpumask {1})",
	"multicall of update_va_mapping UVMF_INVLPG | UVMF_MULTI (vcpumask {1})",
	"mmu_update, then MMUEXT_TLB_FLUSH_ALL",
	"mmu_update, then MMUEXT_INVLPG_ALL",
	"mmu_update, then MMUEXT_TLB_FLUSH_MULTI (vcpumask {1})",
	"mmu_update, then MMUEXT_INVLPG_MULTI (vcpumask {1})",
};

static long move_window(enum method method, unsigned int frame)
{
	unsigned long mask = (unsigned long)&only_vcpu1;
	long rc;

	switch (method) {
	case UVM_INVLPG_ALL:
		return HYPERVISOR_update_va_mapping(window(), pte(frame), UVMF_INVLPG | UVMF_ALL);
	case UVM_FLUSH_ALL:
		return HYPERVISOR_update_va_mapping(window(), pte(frame),
						    UVMF_TLB_FLUSH | UVMF_ALL);
	case UVM_INVLPG_MULTI:
		return HYPERVISOR_update_va_mapping(window(), pte(frame), UVMF_INVLPG | mask);
	case UVM_FLUSH_MULTI:
		return HYPERVISOR_update_va_mapping(window(), pte(frame), UVMF_TLB_FLUSH | mask);
	case MULTICALL_UVM_INVLPG_MULTI: {
		struct multicall_entry call = {
			.op = __HYPERVISOR_update_va_mapping,
			.args = {window(), pte(frame), UVMF_INVLPG | mask},
		};
		rc = HYPERVISOR_multicall(&call, 1);
		return rc ? rc : (long)call.result;
	}
	case MMU_UPDATE_FLUSH_ALL:
		rc = write_entry(frame);
		return rc ? rc : flush(MMUEXT_TLB_FLUSH_ALL);
	case MMU_UPDATE_INVLPG_ALL:
		rc = write_entry(frame);
		return rc ? rc : flush(MMUEXT_INVLPG_ALL);
	case MMU_UPDATE_FLUSH_MULTI:
		rc = write_entry(frame);
		return rc ? rc : flush(MMUEXT_TLB_FLUSH_MULTI);
	case MMU_UPDATE_INVLPG_MULTI:
		rc = write_entry(frame);
		return rc ? rc : flush(MMUEXT_INVLPG_MULTI);
	default:
		return -XEN_ENOSYS;
	}
}

/* Wait for vCPU 1 to see tag (2 s at most); true when it did. */
static bool vcpu1_sees(uint64_t tag)
{
	return wait_equal(&seen, tag, now_ns() + MS(2000));
}

void check_tlb(void)
{
	test_section("TLB coherence: vCPU 1 reads through a mapping vCPU 0 changes");
	for (unsigned int frame = 0; frame < 2; frame++) {
		uint64_t *page = scratch_page(FRAME_A + frame);
		frame_mfn[frame] = virt_to_mfn(page);
		frame_tag[frame] = 0x7a6f000000000000UL | (frame_mfn[frame] << 4) | frame;
		page[0] = frame_tag[frame];
	}
	unsigned long own_mfn = virt_to_mfn(scratch_page(WINDOW));
	if (!CHECK_EQ(HYPERVISOR_update_va_mapping(window(), pte(0), UVMF_INVLPG | UVMF_ALL), 0,
		      "the window shows frame A"))
		return;
	current_frame = 0;
	seen = reads = 0;
	uint64_t sequence = post(CMD_TLB_WATCH, 0);
	if (!CHECK(vcpu1_sees(frame_tag[0]), "vCPU 1 reads frame A through the window")) {
		stop_and_wait(sequence);
		return;
	}

	for (enum method method = 0; method < NR_METHODS; method++) {
		unsigned int next = current_frame ^ 1;
		uint64_t reads_before = reads;
		uint64_t start = now_ns();
		long rc = move_window(method, next);
		bool ok = vcpu1_sees(frame_tag[next]);
		printf("%s: %ld; vCPU 1 saw the new frame after %lu us and %lu reads: %s\n",
		       method_names[method], rc, (now_ns() - start) / 1000, reads - reads_before,
		       ok ? "yes" : "NO");
		CHECK_EQ(rc, 0, method_names[method]);
		CHECK(ok, "vCPU 1 sees the new frame's contents");
		current_frame = next;
	}
	CHECK(stop_and_wait(sequence), "vCPU 1 stopped reading");
	CHECK_EQ(HYPERVISOR_update_va_mapping(window(), (own_mfn << PAGE_SHIFT) | PTE_FLAGS,
					      UVMF_INVLPG | UVMF_ALL),
		 0, "the window gets its own frame back");
}
