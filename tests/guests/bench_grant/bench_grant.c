/*
 * A benchmark kernel, not a test: what grant tables cost a 64-bit PV kernel, on Parvus or on
 * Xen, unchanged. tests/bench/grant-compare boots it on both; `make bench-grant` runs that.
 *
 * dom0 grants one of its own pages to itself (ref 8, read-only) and measures, per 4 KiB page:
 *   copy_single   grant_table_op(GNTTABOP_copy) of one page, one operation per hypercall;
 *   copy_batch16  the same with 16 operations per hypercall (how backends batch);
 *   memcpy        the guest's own memcpy (common/lib, a byte loop) of one page;
 *   rep_movsb     a page copied with rep movsb, the fastest copy a guest has;
 *   map_unmap     one map_grant_ref (by virtual address, read-only) plus its unmap.
 * Each round times ITERATIONS of each with the PV clock (vcpu_time_info, Xen's version
 * protocol); after ROUNDS rounds it prints the median ns per operation, and MB/s for the
 * copies. Every line for a harness starts with "bench ". "test_pass=reboot" on the command
 * line makes it end by rebooting (Xen halts the machine when dom0 powers off).
 */
#include <stdint.h>
#include <string.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include "guest_lib.h"

#define WARMUP 200UL
#define ITERATIONS 2000UL
#define ROUNDS 5
#define BATCH 16
#define SELF 0 /* dom0's id: the entry and map_grant_ref name it */
#define REF 8

static volatile struct grant_entry_v1 *table;
static uint8_t *source, *dest, *where;

static uint64_t pv_clock_ns(void)
{
	volatile struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
	uint32_t version, mul, low, high;
	uint64_t system_time, stamp, tsc;
	int8_t shift;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		stamp = t->tsc_timestamp;
		system_time = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		__asm__ volatile("lfence; rdtsc" : "=a"(low), "=d"(high) : : "memory");
		tsc = (uint64_t)high << 32 | low;
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	uint64_t delta = tsc - stamp;

	delta = shift < 0 ? delta >> -shift : delta << shift;
	return system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

static unsigned long errors;

static void copy_pages(unsigned long count, unsigned int per_call)
{
	struct gnttab_copy ops[BATCH];

	for (unsigned int i = 0; i < per_call; i++)
		ops[i] = (struct gnttab_copy){
			.source = {.u.ref = REF, .domid = DOMID_SELF},
			.dest = {.u.gmfn = virt_to_mfn(dest), .domid = DOMID_SELF},
			.len = PAGE_SIZE,
			.flags = GNTCOPY_source_gref};
	for (unsigned long done = 0; done < count; done += per_call) {
		if (HYPERVISOR_grant_table_op(GNTTABOP_copy, ops, per_call) != 0)
			errors++;
		for (unsigned int i = 0; i < per_call; i++)
			errors += ops[i].status != GNTST_okay;
	}
}

static void copy_single(unsigned long count)
{
	copy_pages(count, 1);
}

static void copy_batch(unsigned long count)
{
	copy_pages(count, BATCH);
}

static void guest_memcpy(unsigned long count)
{
	for (unsigned long i = 0; i < count; i++) {
		memcpy(dest, source, PAGE_SIZE);
		__asm__ volatile("" ::: "memory");
	}
}

static void rep_movsb(unsigned long count)
{
	for (unsigned long i = 0; i < count; i++) {
		void *d = dest;
		const void *s = source;
		unsigned long n = PAGE_SIZE;

		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	}
}

static void map_unmap(unsigned long count)
{
	for (unsigned long i = 0; i < count; i++) {
		struct gnttab_map_grant_ref map = {.host_addr = (unsigned long)where,
						   .flags = GNTMAP_host_map | GNTMAP_readonly,
						   .ref = REF,
						   .dom = SELF};

		if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1) != 0 ||
		    map.status != GNTST_okay) {
			errors++;
			continue;
		}
		struct gnttab_unmap_grant_ref unmap = {.host_addr = (unsigned long)where,
						       .handle = map.handle};

		if (HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &unmap, 1) != 0 ||
		    unmap.status != GNTST_okay)
			errors++;
	}
}

static const struct {
	const char *name;
	void (*run)(unsigned long count);
	bool is_copy;
} benches[] = {
	{"copy_single", copy_single, true}, {"copy_batch16", copy_batch, true},
	{"memcpy", guest_memcpy, true},	    {"rep_movsb", rep_movsb, true},
	{"map_unmap", map_unmap, false},
};
#define NR_BENCHES (sizeof(benches) / sizeof(benches[0]))

static uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t swap = v[j];
			v[j] = v[j - 1];
			v[j - 1] = swap;
		}
	return v[n / 2];
}

static void set_up(void)
{
	xen_pfn_t frame = 0;
	struct gnttab_setup_table setup = {.dom = DOMID_SELF, .nr_frames = 1};

	set_xen_guest_handle(setup.frame_list, &frame);
	if (HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &setup, 1) || setup.status)
		guest_crash("setup_table failed: status %d", setup.status);
	if (map_page(scratch_page(7), frame,
		     _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY))
		guest_crash("cannot map the grant table");
	table = scratch_page(7);
	source = scratch_page(0);
	dest = scratch_page(1);
	where = scratch_page(2);
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		source[i] = (uint8_t)i;
	table[REF].domid = SELF;
	table[REF].frame = (uint32_t)virt_to_mfn(source);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	table[REF].flags = GTF_permit_access | GTF_readonly;
}

void guest_main(const struct start_info *si)
{
	char extra[sizeof(xen_extraversion_t)] = "";
	long version = HYPERVISOR_xen_version(XENVER_version, NULL);
	uint64_t ns[NR_BENCHES][ROUNDS];

	(void)si;
	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = 0;
	printf("bench info version=%ld.%ld%s\n", version >> 16, version & 0xffff, extra);
	set_up();
	for (unsigned int b = 0; b < NR_BENCHES; b++)
		benches[b].run(WARMUP); /* under TCG the first pass also translates the code */
	for (int round = 0; round < ROUNDS; round++)
		for (unsigned int b = 0; b < NR_BENCHES; b++) {
			uint64_t start = pv_clock_ns();

			benches[b].run(ITERATIONS);
			ns[b][round] = pv_clock_ns() - start;
		}
	if (memcmp(dest, source, PAGE_SIZE) != 0)
		errors++;
	for (unsigned int b = 0; b < NR_BENCHES; b++) {
		uint64_t m = median(ns[b], ROUNDS);
		uint64_t per_op = (m + ITERATIONS / 2) / ITERATIONS;

		printf("bench %s ops=%lu ns_per_op=%lu", benches[b].name, ITERATIONS, per_op);
		if (benches[b].is_copy)
			printf(" mb_per_s=%lu", m ? ITERATIONS * PAGE_SIZE * 1000 / m : 0);
		else
			printf(" ops_per_s=%lu", m ? ITERATIONS * 1000000000 / m : 0);
		printf("\n");
	}
	printf("bench errors=%lu\nbench done\n", errors);
	if (errors)
		guest_crash("%lu grant operations failed", errors);
	if (guest_cmdline_has("test_pass=reboot"))
		guest_shutdown(SHUTDOWN_reboot);
	guest_poweroff();
}
