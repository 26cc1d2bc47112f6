/*
 * memory_op: a guest's questions about memory, and (later) its requests for more or less of
 * it. The command's low 6 bits name the operation; the bits above are where a preempted batch
 * resumes, which a plain query must not carry (-EINVAL), as in Xen. Built today: the queries
 * a PV kernel makes at start of day. Reservation changes and exchange come next (issue 4).
 */
#include <hypercall.h>
#include <boot_info.h>
#include <domain.h>
#include <m2p.h>
#include <page_alloc.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/memory.h>
#include <public/xen.h>

#define MEMOP_EXTENT_SHIFT 6 /* Xen's split of the command word */
#define MEMOP_COMMAND_MASK ((1u << MEMOP_EXTENT_SHIFT) - 1)

struct e820_entry {
	uint64_t address, size;
	uint32_t type;
} __attribute__((packed));

/* The domain a query names: itself by DOMID_SELF or its own id; no other exists yet. */
static struct domain *query_target(uint64_t arg, long *error)
{
	struct domain *self = current_vcpu()->domain;
	domid_t id;

	if (copy_from_guest_raw(&id, arg, sizeof(id))) {
		*error = -XEN_EFAULT;
		return NULL;
	}
	if (id == DOMID_SELF || id == self->domain_id)
		return self;
	*error = -XEN_ESRCH;
	return NULL;
}

static uint64_t highest_ram_frame(void)
{
	const struct boot_info *info = boot_info_get();
	uint64_t end = 0;

	for (unsigned int i = 0; i < info->nr_regions; i++)
		if (info->regions[i].type == MEMORY_USABLE &&
		    info->regions[i].start + info->regions[i].length > end)
			end = info->regions[i].start + info->regions[i].length;
	return end >> PAGE_SHIFT;
}

/* dom0 reads the machine's E820 map: a NULL buffer asks how many entries it has. */
static long machine_memory_map(uint64_t arg)
{
	const struct boot_info *info = boot_info_get();
	struct xen_memory_map map;

	if (copy_from_guest_raw(&map, arg, sizeof(map)))
		return -XEN_EFAULT;
	if (!current_vcpu()->domain->is_privileged)
		return -XEN_EPERM;
	if (map.buffer.p != NULL) {
		if (map.nr_entries < info->nr_regions)
			return -XEN_EINVAL;
		for (unsigned int i = 0; i < info->nr_regions; i++) {
			struct e820_entry entry = {info->regions[i].start, info->regions[i].length,
						   info->regions[i].type};
			uint64_t at = (uint64_t)map.buffer.p + i * sizeof(entry);

			if (copy_to_guest_raw(at, &entry, sizeof(entry)))
				return -XEN_EFAULT;
		}
	}
	map.nr_entries = info->nr_regions;
	return copy_to_guest_raw(arg, &map, sizeof(map)) ? -XEN_EFAULT : 0;
}

long do_memory_op(uint64_t command, uint64_t arg, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5)
{
	unsigned int cmd = command & MEMOP_COMMAND_MASK;
	bool continued = (command >> MEMOP_EXTENT_SHIFT) != 0;
	struct domain *d;
	long error = 0;

	(void)unused3, (void)unused4, (void)unused5;
	switch (cmd) {
	case XENMEM_maximum_ram_page:
		return continued ? -XEN_EINVAL : (long)highest_ram_frame();
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		if (continued)
			return -XEN_EINVAL;
		d = query_target(arg, &error);
		if (!d)
			return error;
		if (cmd == XENMEM_current_reservation)
			return (long)d->tot_pages;
		if (cmd == XENMEM_maximum_reservation)
			return (long)d->max_pages;
		/* A PV guest says itself how far its pfns go (shared_info.arch.max_pfn). */
		return d->shared_info->arch.max_pfn ? (long)d->shared_info->arch.max_pfn - 1 : 0;
	case XENMEM_memory_map: {
		struct xen_memory_map map;

		if (copy_from_guest_raw(&map, arg, sizeof(map)))
			return -XEN_EFAULT;
		return -XEN_ENOSYS; /* a PV dom0 has no pseudo-physical map, as with Xen */
	}
	case XENMEM_machine_memory_map:
		return machine_memory_map(arg);
	case XENMEM_machphys_mapping: {
		struct xen_machphys_mapping mapping = {MACH2PHYS_VIRT_START, MACH2PHYS_VIRT_END,
						       highest_ram_frame() - 1};

		return copy_to_guest_raw(arg, &mapping, sizeof(mapping)) ? -XEN_EFAULT : 0;
	}
	case XENMEM_machphys_mfn_list: {
		struct xen_machphys_mfn_list list;
		uint64_t mfns[64];

		if (copy_from_guest_raw(&list, arg, sizeof(list)))
			return -XEN_EFAULT;
		unsigned int n = m2p_extents(mfns, list.max_extents < 64 ? list.max_extents : 64);

		if (n && copy_to_guest_raw((uint64_t)list.extent_start.p, mfns, n * sizeof(mfns[0])))
			return -XEN_EFAULT;
		list.nr_extents = n;
		return copy_to_guest_raw(arg, &list, sizeof(list)) ? -XEN_EFAULT : 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}
