/*
 * The sysctl part of the domctl test kernel: XEN_SYSCTL_physinfo (the machine, free memory)
 * and XEN_SYSCTL_readconsole (the hypervisor's console ring: whole, in pieces, from an index,
 * cleared). XEN_SYSCTL_getdomaininfolist is checked with the domains in domctl.c.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "domctl_test.h"
#include "guest_lib.h"

#define RING_BUFFER_SIZE 65536

static char ring[RING_BUFFER_SIZE];
static char piece[RING_BUFFER_SIZE];

static unsigned int count_vcpus(void)
{
	unsigned int n = 0;
	while (n < 1024 && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) != -XEN_ENOENT)
		n++;
	return n;
}

void check_physinfo(void)
{
	struct xen_sysctl op;

	test_section("XEN_SYSCTL_physinfo");
	memset(&op, 0x5a, sizeof(op));
	CHECK_EQ(sysctl(&op, XEN_SYSCTL_physinfo), 0, "physinfo succeeds for dom0");
	struct xen_sysctl_physinfo *pi = &op.u.physinfo;
	printf("threads/core %u, cores/socket %u, nr_cpus %u, max_cpu_id %u, nr_nodes %u, "
	       "max_node_id %u, cpu_khz %u\n",
	       pi->threads_per_core, pi->cores_per_socket, pi->nr_cpus, pi->max_cpu_id,
	       pi->nr_nodes, pi->max_node_id, pi->cpu_khz);
	printf("capabilities %#x, arch %#x, total %lu, free %lu, scrub %lu, outstanding %lu, "
	       "max_mfn %#lx\n",
	       pi->capabilities, pi->arch_capabilities, pi->total_pages, pi->free_pages,
	       pi->scrub_pages, pi->outstanding_pages, pi->max_mfn);
	printf("hw_cap %08x %08x %08x %08x %08x %08x %08x %08x\n", pi->hw_cap[0], pi->hw_cap[1],
	       pi->hw_cap[2], pi->hw_cap[3], pi->hw_cap[4], pi->hw_cap[5], pi->hw_cap[6],
	       pi->hw_cap[7]);
	CHECK_EQ(pi->threads_per_core, 1, "QEMU's CPUs have one thread per core");
	CHECK(pi->cores_per_socket >= 1, "at least one core per socket");
	unsigned int vcpus = count_vcpus();
	CHECK(pi->nr_cpus >= 1 && pi->nr_cpus >= vcpus,
	      "nr_cpus counts the online CPUs: at least dom0's vCPUs");
	CHECK(pi->max_cpu_id + 1 >= pi->nr_cpus, "max_cpu_id covers every online CPU");
	CHECK_EQ(pi->nr_nodes, 1, "one NUMA node");
	CHECK(pi->max_node_id + 1 >= pi->nr_nodes, "max_node_id covers it");
	CHECK(pi->cpu_khz > 0, "the CPU frequency is known");
	CHECK(pi->capabilities & XEN_SYSCTL_PHYSCAP_pv, "the machine runs PV guests");
	CHECK(pi->capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v1, "grant tables v1 are available");
	CHECK(!(pi->capabilities & XEN_SYSCTL_PHYSCAP_directio),
	      "no IOMMU under QEMU: no directio");
	CHECK(!(pi->capabilities & XEN_SYSCTL_PHYSCAP_hap) ||
		      (pi->capabilities & XEN_SYSCTL_PHYSCAP_hvm),
	      "HAP only with HVM");
	CHECK_EQ(pi->capabilities & ~(XEN_SYSCTL_PHYSCAP_MAX * 2 - 1), 0, "no undefined bits");
	CHECK_EQ(pi->arch_capabilities, 0, "x86 defines no arch capabilities");
	CHECK_EQ(pi->pad, 0, "pad is cleared");
	long max_page = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
	CHECK_EQ(pi->max_mfn, max_page - 1, "max_mfn is the highest RAM frame (no hotplug)");
	CHECK(pi->total_pages > 0x1c000 && pi->total_pages <= 0x20000,
	      "total_pages: the 512 MiB machine less what firmware and hypervisor keep");
	CHECK(pi->free_pages < pi->total_pages, "free_pages is part of it");
	CHECK(pi->free_pages > 0x10000, "more than 256 MiB free: room for a second domain");
	CHECK_EQ(pi->scrub_pages, 0, "scrub_pages is always 0");
	CHECK_EQ(pi->outstanding_pages, 0, "nothing is claimed");
	CHECK(pi->hw_cap[0] & 1, "hw_cap[0] is CPUID 1 EDX: FPU");
	CHECK(pi->hw_cap[2] & (1U << 29), "hw_cap[2] is CPUID 0x80000001 EDX: long mode");
	free_at_start = (long)pi->free_pages;

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_SYSCTL_physinfo;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION - 1;
	CHECK_EQ(HYPERVISOR_sysctl(&op), -XEN_EACCES, "an older interface version is -EACCES");
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION + 1;
	CHECK_EQ(HYPERVISOR_sysctl(&op), -XEN_EACCES, "a newer interface version is -EACCES");
	for (unsigned int b = 0; b < nr_bad_addresses; b++)
		CHECK_EQ(HYPERVISOR_sysctl((struct xen_sysctl *)bad_addresses[b].address),
			 -XEN_EFAULT, "a hostile sysctl argument is -EFAULT");
	memset(&op, 0, sizeof(op));
	op.cmd = XEN_SYSCTL_physinfo;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	CHECK_EQ(HYPERVISOR_sysctl(read_only_copy(&op, sizeof(op))), -XEN_EFAULT,
		 "a read-only argument: the answer cannot be written back, -EFAULT");
	memset(&op, 0, sizeof(op));
	CHECK_EQ(sysctl(&op, 9999), -XEN_ENOSYS, "an unknown sysctl is -ENOSYS");
}

/* XEN_SYSCTL_readconsole; the reply's count and index in *count and *index. */
static long readconsole(char *buffer, uint32_t size, uint8_t incremental, uint32_t *index,
			uint8_t clear, uint32_t *count)
{
	struct xen_sysctl op;

	memset(&op, 0, sizeof(op));
	op.u.readconsole.clear = clear;
	op.u.readconsole.incremental = incremental;
	op.u.readconsole.index = *index;
	op.u.readconsole.count = size;
	set_xen_guest_handle(op.u.readconsole.buffer, buffer);
	long rc = sysctl(&op, XEN_SYSCTL_readconsole);
	*index = op.u.readconsole.index;
	*count = op.u.readconsole.count;
	return rc;
}

static uint32_t ring_end; /* the producer index after check_readconsole's reads */

void check_readconsole(void)
{
	uint32_t index = 0, count = 0, full;

	test_section("XEN_SYSCTL_readconsole");
	printf("domctl: a dom0 line that should not reach the ring\n");
	CHECK_EQ(readconsole(ring, RING_BUFFER_SIZE, 0, &index, 0, &count), 0,
		 "reading the whole ring succeeds");
	full = count;
	uint32_t end = index;
	printf("the ring holds %u bytes, producer index %u; it begins:\n", full, end);
	CHECK(full > 0 && full < RING_BUFFER_SIZE, "the ring holds the hypervisor's log");
	CHECK(memchr(ring, 0, full) == NULL, "as text, without NUL bytes");
	console_write(ring, full > 160 ? 160 : full);
	printf("\n");
	bool marker = false;
	for (uint32_t i = 0; i + 10 < full; i++)
		if (memcmp(ring + i, "domctl: a ", 10) == 0)
			marker = true;
	CHECK(!marker, "dom0's console_io writes are not kept in the ring (console_to_ring off)");

	index = 0;
	CHECK_EQ(readconsole(piece, 16, 0, &index, 0, &count), 0, "reading 16 bytes succeeds");
	CHECK_EQ(count, 16, "16 bytes come back");
	CHECK(memcmp(piece, ring, 16) == 0, "the oldest 16 bytes");
	CHECK_EQ(index, end - full + 16, "index says where the read stopped");

	index = end;
	CHECK_EQ(readconsole(piece, RING_BUFFER_SIZE, 1, &index, 0, &count), 0,
		 "an incremental read at the producer index succeeds");
	CHECK_EQ(count, 0, "with nothing new");
	CHECK_EQ(index, end, "index stays at the producer");
	index = end - 10;
	CHECK_EQ(readconsole(piece, RING_BUFFER_SIZE, 1, &index, 0, &count), 0,
		 "an incremental read of the last 10 bytes");
	CHECK_EQ(count, 10, "gets 10 bytes");
	CHECK(memcmp(piece, ring + full - 10, 10) == 0, "the newest ones");
	CHECK_EQ(index, end, "and ends at the producer");
	index = end + 100;
	CHECK_EQ(readconsole(piece, RING_BUFFER_SIZE, 1, &index, 0, &count), 0,
		 "an incremental index past the producer");
	CHECK_EQ(count, full, "reads the whole ring, as without incremental");

	for (unsigned int b = 0; b < nr_bad_addresses; b++) {
		index = 0;
		CHECK_EQ(readconsole((char *)bad_addresses[b].address, 64, 0, &index, 0, &count),
			 -XEN_EFAULT, "a hostile buffer is -EFAULT");
	}
	index = 0;
	CHECK_EQ(readconsole((char *)bad_addresses[0].address, 0, 0, &index, 0, &count), 0,
		 "a hostile buffer of 0 bytes is never touched");
	CHECK_EQ(count, 0, "0 bytes read");
	index = 0;
	CHECK_EQ(readconsole(read_only_page(), 64, 0, &index, 0, &count), -XEN_EFAULT,
		 "a read-only buffer is -EFAULT");

	index = 0;
	CHECK_EQ(readconsole(piece, 16, 0, &index, 1, &count), 0, "reading 16 bytes with clear");
	index = 0;
	CHECK_EQ(readconsole(piece, RING_BUFFER_SIZE, 0, &index, 0, &count), 0, "reading again");
	CHECK_EQ(count, full - 16, "clear dropped what was read");
	CHECK(memcmp(piece, ring + 16, count < 64 ? count : 64) == 0, "the ring starts after it");
	ring_end = index;
}

uint32_t console_since(uint32_t *index, char **text)
{
	uint32_t count = 0;

	*text = piece;
	if (readconsole(piece, RING_BUFFER_SIZE - 1, 1, index, 0, &count) != 0)
		return 0;
	piece[count] = 0;
	return count;
}

uint32_t console_end(void)
{
	return ring_end;
}
