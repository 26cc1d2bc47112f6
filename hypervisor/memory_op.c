/*
 * memory_op: a guest's questions about memory, and its requests for more or less of it. The
 * command's low 6 bits name the operation; the bits above are where a preempted reservation
 * resumes (its "start extent"), which any other operation must not carry (-EINVAL), as in Xen.
 *
 * Reservations (increase_reservation, decrease_reservation, populate_physmap) work extent by
 * extent (2^extent_order frames) and return how many extents are done: never an errno, so a
 * bad argument, another domain or a frame that cannot be given back all end the call at the
 * extent they stop. Exchange trades frames for fresh ones and returns 0 or an errno, with its
 * progress in nr_exchanged. A PV domain names machine frames: increase writes the new mfns
 * back (the guest writes their M2P entries itself); populate and exchange take gpfns, write
 * the M2P for them and write the mfns back. docs/memory.md tells the story.
 *
 * Frames leave a domain when their last reference goes (page_type.c), not when they are given
 * back: a frame still mapped or pinned stays the domain's, and counted, until then. Every
 * frame is scrubbed before a domain gets it.
 */
#include <hypercall.h>
#include <boot_info.h>
#include <domain.h>
#include <m2p.h>
#include <page_alloc.h>
#include <page_type.h>
#include <string.h>
#include <arch/uaccess.h>
#include <public/errno.h>
#include <public/memory.h>
#include <public/xen.h>

#define MEMOP_EXTENT_SHIFT 6 /* Xen's split of the command word */
#define MEMOP_COMMAND_MASK ((1u << MEMOP_EXTENT_SHIFT) - 1)

/* A long request stops for a continuation once it has handled this many frames. */
#define FRAMES_PER_SLICE 1024

/*
 * The largest extent a domain may ask for, Xen's on x86: a domU 9 (2 MiB), the hardware
 * domain 12, the control domain 18 (the allocator's largest). dom0 is both.
 */
#define DOMU_MAX_ORDER 9
#define CONTROL_DOMAIN_MAX_ORDER 18

/* NUMA: Xen's x86 build knows 64 nodes; this machine is one, node 0. */
#define NUMA_NO_NODE 0xffu
#define MAX_NUMNODES 64u

struct e820_entry {
	uint64_t address, size;
	uint32_t type;
} __attribute__((packed));

/* The domain a query names: itself by DOMID_SELF or its own id, or for a privileged caller
 * any domain (-ESRCH if there is none by that id, -EPERM for an unprivileged caller). */
static struct domain *query_target(uint64_t arg, long *error)
{
	domid_t id;
	int lookup_error;

	if (copy_from_guest_raw(&id, arg, sizeof(id))) {
		*error = -XEN_EFAULT;
		return NULL;
	}
	struct domain *d = domain_for_caller(current_vcpu()->domain, id, &lookup_error);

	*error = lookup_error;
	return d;
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

/* ---- what the reservation calls have in common ---- */

/* A reservation's arguments, once read and checked. */
struct memop_args {
	struct domain *d;
	uint64_t list; /* guest address of the extent list (xen_pfn_t[]), 0 if none */
	unsigned int nr_extents;
	unsigned int order;
	unsigned long limit; /* frames must lie below this one (address_bits); ~0: anywhere */
	bool no_memory;	     /* an exact node we do not have: no allocation can succeed */
	bool populate_on_demand;
};

static unsigned int max_order(const struct domain *d)
{
	return d->is_privileged ? CONTROL_DOMAIN_MAX_ORDER : DOMU_MAX_ORDER;
}

/*
 * Xen checks a list only where the work starts (guest_handle_subrange_okay): that element
 * must not lie in the non-canonical hole or the hypervisor's range. Later elements that fault
 * end the call there.
 */
static bool list_start_ok(uint64_t list, uint64_t first)
{
	uint64_t address = list + first * sizeof(xen_pfn_t);

	return address < (1ull << 47) || address >= HYPERVISOR_VIRT_END;
}

static bool read_slot(uint64_t list, uint64_t index, xen_pfn_t *value)
{
	return copy_from_guest_raw(value, list + index * sizeof(*value), sizeof(*value)) == 0;
}

static bool write_slot(uint64_t list, uint64_t index, xen_pfn_t value)
{
	return copy_to_guest_raw(list + index * sizeof(value), &value, sizeof(value)) == 0;
}

/* The domain a reservation or exchange names: itself, or for a privileged caller another
 * (a builder populating a new domain); NULL if neither. */
static struct domain *memop_target(domid_t id)
{
	int lookup_error;
	struct domain *d = domain_for_caller(current_vcpu()->domain, id, &lookup_error);

	/* A dying domain gets no memory: it would never finish dying (Xen refuses too). */
	return d && !d->is_dying ? d : NULL;
}

/*
 * A NUMA node in mem_flags (Xen's propagate_node): a privileged caller may name any node
 * below MAX_NUMNODES, and an exact request for a node we do not have can never be met; an
 * unprivileged caller's node is a hint, but an exact request from it is refused.
 */
static bool node_ok(unsigned int mem_flags, bool *no_memory)
{
	unsigned int node = XENMEMF_get_node(mem_flags);
	bool exact = mem_flags & XENMEMF_exact_node_request;

	*no_memory = false;
	if (node == NUMA_NO_NODE)
		return true;
	if (!current_vcpu()->domain->is_privileged)
		return !exact;
	if (node >= MAX_NUMNODES)
		return false;
	*no_memory = exact && node != 0;
	return true;
}

/*
 * mem_flags of a reservation (Xen's construct_memop_from_reservation): address bits below
 * what the machine's memory needs limit where frames come from (12 or fewer leave nothing);
 * with XENMEMF_vnode the node is a virtual one, and without a virtual NUMA layout it means
 * nothing.
 */
static bool reservation_flags(unsigned int mem_flags, struct memop_args *a)
{
	unsigned int bits = XENMEMF_get_address_bits(mem_flags), machine_bits = PAGE_SHIFT;

	while ((1ull << (machine_bits - PAGE_SHIFT)) < highest_ram_frame())
		machine_bits++;
	a->limit = ~0ul;
	if (bits && bits < machine_bits) {
		if (bits <= PAGE_SHIFT)
			return false;
		a->limit = 1ul << (bits - PAGE_SHIFT);
	}
	a->no_memory = false;
	if (mem_flags & XENMEMF_vnode)
		return true;
	return node_ok(mem_flags, &a->no_memory);
}

/* 2^order fresh frames below limit, scrubbed: nobody's yet. NULL if there are none. */
static struct page_info *scrubbed_frames(unsigned int order, unsigned long limit)
{
	struct page_info *pg = alloc_pages_high(order, limit);

	/* Whoever had them before (a domain, the hypervisor's heap) must leave nothing behind. */
	if (pg)
		memset(page_to_virt(pg), 0, PAGE_SIZE << order);
	return pg;
}

static void assign_frames(struct page_info *pg, unsigned int order, struct domain *d)
{
	for (unsigned long i = 0; i < (1ul << order); i++)
		page_assign(pg + i, d);
}

/* An extent for d, counted against its max_pages; NULL if there is no memory or no room. */
static struct page_info *grow(const struct memop_args *a)
{
	struct page_info *pg = a->no_memory ? NULL : scrubbed_frames(a->order, a->limit);

	if (!pg)
		return NULL;
	if (!domain_charge_pages(a->d, 1ul << a->order)) {
		free_pages(pg, a->order);
		return NULL;
	}
	assign_frames(pg, a->order, a->d);
	return pg;
}

/*
 * Give back one frame (Xen's guest_remove_page): drop the domain's own reference. The frame
 * goes - and leaves tot_pages - when its last reference does, which is now unless something
 * still maps, pins or uses it. -EINVAL for no such frame, -ENXIO for one not d's.
 */
static int remove_frame(struct domain *d, uint64_t mfn)
{
	struct page_info *pg;

	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	pg = mfn_to_page(mfn);
	if (!get_page(pg, d))
		return -XEN_ENXIO;
	page_relinquish(pg);
	put_page(pg);
	return 0;
}

/*
 * ---- the three reservation calls ----
 *
 * Each works from extent *done on, sets *done to the extents finished and returns true when
 * it stopped only to be continued (Xen checks for preemption before every extent but the
 * first; we do once a slice of frames is done). An extent that fails ends the call.
 */

static bool time_to_stop(unsigned long i, unsigned long first, unsigned long frames)
{
	return i != first && frames >= FRAMES_PER_SLICE;
}

static bool increase_reservation(const struct memop_args *a, unsigned long *done)
{
	unsigned long first = *done, frames = 0;

	if (a->list && !list_start_ok(a->list, first))
		return false;
	if (a->order > max_order(current_vcpu()->domain))
		return false;
	for (unsigned long i = first; i < a->nr_extents; i++, frames += 1ul << a->order) {
		if (time_to_stop(i, first, frames))
			return true;
		struct page_info *pg = grow(a);

		if (!pg)
			return false;
		/* A list we cannot write loses the frame's number, not the frame: it is d's. */
		if (a->list && !write_slot(a->list, i, page_to_mfn(pg)))
			return false;
		*done = i + 1;
	}
	return false;
}

static bool populate_physmap(const struct memop_args *a, unsigned long *done)
{
	unsigned long first = *done, frames = 0;
	xen_pfn_t gpfn;

	if (!list_start_ok(a->list, first) || a->order > max_order(current_vcpu()->domain))
		return false;
	for (unsigned long i = first; i < a->nr_extents; i++, frames += 1ul << a->order) {
		if (time_to_stop(i, first, frames))
			return true;
		if (!read_slot(a->list, i, &gpfn))
			return false;
		/* Populate-on-demand is for another domain's physmap; none exists. */
		struct page_info *pg = a->populate_on_demand ? NULL : grow(a);

		if (!pg)
			return false;
		for (unsigned long j = 0; j < (1ul << a->order); j++)
			m2p_set(page_to_mfn(pg) + j, gpfn + j);
		if (!write_slot(a->list, i, page_to_mfn(pg)))
			return false;
		*done = i + 1;
	}
	return false;
}

static bool decrease_reservation(const struct memop_args *a, unsigned long *done)
{
	unsigned long first = *done, frames = 0;
	xen_pfn_t mfn;

	if (!list_start_ok(a->list, first) || a->order > max_order(current_vcpu()->domain))
		return false;
	for (unsigned long i = first; i < a->nr_extents; i++, frames += 1ul << a->order) {
		if (time_to_stop(i, first, frames))
			return true;
		if (!read_slot(a->list, i, &mfn))
			return false;
		/* Frame by frame: a bad one ends the call with the extent's first frames gone. */
		for (unsigned long j = 0; j < (1ul << a->order); j++)
			if (remove_frame(a->d, mfn + j))
				return false;
		*done = i + 1;
	}
	return false;
}

/*
 * The reservation calls, starting at extent `start`. Everything that goes wrong before the
 * work begins - an argument we cannot read, too many extents to encode a continuation, an
 * unknown domain, bad flags - returns `start`, as Xen does.
 */
static long reservation(unsigned int cmd, uint64_t start, uint64_t arg)
{
	struct xen_memory_reservation r;
	struct memop_args a;
	unsigned long done = start;
	bool preempted;

	if (copy_from_guest_raw(&r, arg, sizeof(r)))
		return (long)start;
	if (r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) || start >= r.nr_extents)
		return (long)start;
	a.d = memop_target(r.domid);
	if (!a.d || !reservation_flags(r.mem_flags, &a))
		return (long)start;
	a.list = (uint64_t)r.extent_start.p;
	a.nr_extents = (unsigned int)r.nr_extents;
	a.order = r.extent_order;
	a.populate_on_demand = (r.mem_flags & XENMEMF_populate_on_demand) != 0;

	if (cmd == XENMEM_increase_reservation)
		preempted = increase_reservation(&a, &done);
	else if (cmd == XENMEM_decrease_reservation)
		preempted = decrease_reservation(&a, &done);
	else
		preempted = populate_physmap(&a, &done);
	if (preempted)
		return hypercall_continue(__HYPERVISOR_memory_op,
					  cmd | (uint64_t)done << MEMOP_EXTENT_SHIFT, arg, 0, 0, 0);
	return (long)done;
}

/* ---- exchange ---- */

static long report_exchanged(uint64_t arg, uint64_t nr_exchanged, long rc)
{
	uint64_t at = arg + __builtin_offsetof(struct xen_memory_exchange, nr_exchanged);

	return copy_to_guest_raw(at, &nr_exchanged, sizeof(nr_exchanged)) ? -XEN_EFAULT : rc;
}

/* Where out-of-range address bits put the limit for exchange (Xen's allocator zones). */
static unsigned long exchange_limit(unsigned int mem_flags)
{
	unsigned int bits = XENMEMF_get_address_bits(mem_flags);

	if (bits == 0 || bits >= PAGE_SHIFT + 64)
		return ~0ul;
	return bits <= PAGE_SHIFT ? 2 : 1ul << (bits - PAGE_SHIFT);
}

/*
 * One chunk of an exchange: the input extents and the output extents that cover the same
 * frames. Steal every input frame (each must be d's and used by nothing else), allocate the
 * output, then - past the point of failure - free the input and give d the output, telling
 * it the new mfns. On failure everything taken is given back. Neither side is counted in
 * tot_pages (Xen's MEMF_no_refcount): the domain keeps its size and max_pages is not checked.
 */
static long exchange_chunk(struct domain *d, const struct xen_memory_exchange *x,
			   unsigned long chunk, unsigned int in_chunk, unsigned int out_chunk,
			   unsigned long limit, bool no_memory)
{
	uint64_t in = (uint64_t)x->in.extent_start.p, out = (uint64_t)x->out.extent_start.p;
	struct page_info *stolen = NULL, *fresh = NULL, *pg;
	xen_pfn_t gmfn, gpfn;
	long rc = 0;

	for (unsigned long j = 0; j < (1ul << in_chunk) && !rc; j++) {
		if (!read_slot(in, (chunk << in_chunk) + j, &gmfn)) {
			rc = -XEN_EFAULT;
			break;
		}
		for (unsigned long k = 0; k < (1ul << x->in.extent_order); k++) {
			if (!mfn_valid(gmfn + k) || !page_steal(mfn_to_page(gmfn + k), d)) {
				rc = -XEN_EINVAL;
				break;
			}
			page_list_push(&stolen, mfn_to_page(gmfn + k));
		}
	}
	for (unsigned long j = 0; j < (1ul << out_chunk) && !rc; j++) {
		pg = no_memory ? NULL : scrubbed_frames(x->out.extent_order, limit);
		if (!pg)
			rc = -XEN_ENOMEM;
		else
			page_list_push(&fresh, pg);
	}
	if (rc) {
		while ((pg = stolen) != NULL) {
			page_list_remove(&stolen, pg);
			page_assign(pg, d);
		}
		while ((pg = fresh) != NULL) {
			page_list_remove(&fresh, pg);
			free_pages(pg, x->out.extent_order);
		}
		return rc;
	}

	while ((pg = stolen) != NULL) {
		page_list_remove(&stolen, pg);
		page_free_stolen(pg);
	}
	for (unsigned long j = 0; (pg = fresh) != NULL; j++) {
		page_list_remove(&fresh, pg);
		assign_frames(pg, x->out.extent_order, d);
		/* From here the frames are d's: a list we cannot use only loses their numbers. */
		if (!read_slot(out, (chunk << out_chunk) + j, &gpfn)) {
			rc = -XEN_EFAULT;
			continue;
		}
		for (unsigned long k = 0; k < (1ul << x->out.extent_order); k++)
			m2p_set(page_to_mfn(pg) + k, gpfn + k);
		if (!write_slot(out, (chunk << out_chunk) + j, page_to_mfn(pg)))
			rc = -XEN_EFAULT;
	}
	return rc;
}

static long memory_exchange(uint64_t arg)
{
	struct xen_memory_exchange x;
	unsigned int in_chunk = 0, out_chunk = 0, biggest;
	unsigned long first, frames = 0, chunk;
	struct domain *d;
	bool no_memory;
	long rc;

	if (copy_from_guest_raw(&x, arg, sizeof(x)))
		return -XEN_EFAULT;
	biggest = x.in.extent_order > x.out.extent_order ? x.in.extent_order : x.out.extent_order;
	if (biggest > max_order(current_vcpu()->domain))
		return report_exchanged(arg, x.nr_exchanged, -XEN_EPERM);
	if (x.nr_exchanged > x.in.nr_extents || x.in.domid != x.out.domid ||
	    (~0ul >> x.in.extent_order) < x.in.nr_extents ||
	    (~0ul >> x.out.extent_order) < x.out.nr_extents ||
	    x.in.nr_extents << x.in.extent_order != x.out.nr_extents << x.out.extent_order)
		return report_exchanged(arg, x.nr_exchanged, -XEN_EINVAL);
	if (!list_start_ok((uint64_t)x.in.extent_start.p, x.nr_exchanged))
		return report_exchanged(arg, x.nr_exchanged, -XEN_EFAULT);
	/* A chunk is one extent of the bigger order and those of the smaller that fill it. */
	if (x.in.extent_order <= x.out.extent_order) {
		in_chunk = x.out.extent_order - x.in.extent_order;
		first = x.nr_exchanged >> in_chunk;
	} else {
		out_chunk = x.in.extent_order - x.out.extent_order;
		first = x.nr_exchanged << out_chunk;
	}
	if (!list_start_ok((uint64_t)x.out.extent_start.p, first))
		return report_exchanged(arg, x.nr_exchanged, -XEN_EFAULT);
	if (!node_ok(x.out.mem_flags, &no_memory))
		return report_exchanged(arg, x.nr_exchanged, -XEN_EINVAL);
	d = memop_target(x.in.domid);
	if (!d)
		return report_exchanged(arg, x.nr_exchanged, -XEN_ESRCH);

	first = x.nr_exchanged >> in_chunk;
	for (chunk = first; chunk < (x.in.nr_extents >> in_chunk); chunk++) {
		if (chunk != first && frames >= FRAMES_PER_SLICE) {
			rc = report_exchanged(arg, chunk << in_chunk, 0);
			if (rc)
				return rc;
			return hypercall_continue(__HYPERVISOR_memory_op, XENMEM_exchange, arg, 0,
						  0, 0);
		}
		rc = exchange_chunk(d, &x, chunk, in_chunk, out_chunk,
				    exchange_limit(x.out.mem_flags), no_memory);
		if (rc)
			return report_exchanged(arg, chunk << in_chunk, rc);
		frames += 1ul << (in_chunk + x.in.extent_order);
	}
	return report_exchanged(arg, x.in.nr_extents, 0);
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
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
	case XENMEM_populate_physmap:
		return reservation(cmd, command >> MEMOP_EXTENT_SHIFT, arg);
	case XENMEM_exchange:
		return continued ? -XEN_EINVAL : memory_exchange(arg);
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
	case XENMEM_get_vnumainfo: {
		struct xen_vnuma_topology_info topology;
		int lookup_error;

		if (copy_from_guest_raw(&topology, arg, sizeof(topology)))
			return -XEN_EFAULT;
		if (topology.pad != 0)
			return -XEN_EINVAL;
		d = domain_for_caller(current_vcpu()->domain, topology.domid, &lookup_error);
		if (!d)
			return lookup_error;
		return -XEN_EOPNOTSUPP; /* no domain has a virtual NUMA layout */
	}
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
