/*
 * The guest's page-table hypercalls: update_va_mapping, mmu_update and mmuext_op, on top of
 * page_type.c, which decides whether each entry is legal and keeps every count. Here we find
 * the table a request means, call the core, and flush the TLB as asked. Also the hooks the
 * core needs from the hypervisor. Today one vCPU per domain runs, on one CPU, so "flush all"
 * and "flush local" are the same; they part ways with SMP guests (issue 5).
 */
#include <hypercall.h>
#include <domain.h>
#include <m2p.h>
#include <page_alloc.h>
#include <page_type.h>
#include <printk.h>
#include <boot_info.h>
#include <direct_map.h>
#include <string.h>
#include <arch/uaccess.h>
#include <arch/guest.h>
#include <arch/tlb_flush.h>
#include <arch/x86.h>
#include <public/errno.h>
#include <public/xen.h>

#define REQUESTS_PER_SLICE 64

extern uint64_t boot_l4[512];

/* ---- hooks for page_type.c ---- */

void page_type_flush_hook(struct page_info *pg)
{
	(void)pg;
	flush_guest_tlbs();
}

/*
 * A frame's last reference went: it is no pfn of anybody's any more (its M2P entry says so, as
 * Xen's does), no CPU keeps a translation of it, it leaves its domain's count (tot_pages, or
 * the shared frames: domain_frame_gone) and goes back to the allocator. It is scrubbed when it
 * is next given to a domain (memory_op.c), not here.
 */
void page_type_free_hook(struct page_info *pg, struct domain *owner, bool counted)
{
	m2p_set(page_to_mfn(pg), M2P_INVALID);
	flush_guest_tlbs();
	free_pages(pg, 0);
	if (owner)
		domain_frame_gone(owner, counted); /* last: it may end a dying domain */
}

void page_type_panic(const char *why)
{
	panic("page types: %s", why);
}

#define LOCAL_APIC_MFN 0xfee00ul
#define IO_APIC_MFN 0xfec00ul

/* Is mfn RAM (a usable range of the boot memory map)? RAM is never device memory. */
static bool frame_is_ram(unsigned long mfn)
{
	const struct boot_info *info = boot_info_get();
	uint64_t address = (uint64_t)mfn << PAGE_SHIFT;

	for (unsigned int i = 0; i < info->nr_regions; i++) {
		const struct memory_region *r = &info->regions[i];

		if (r->type == MEMORY_USABLE && address >= r->start &&
		    address - r->start < r->length)
			return true;
	}
	return false;
}

/*
 * dom0 owns the devices, so it may map device memory: any frame that is not RAM, except the
 * local APIC, which is the hypervisor's (Xen answers -EPERM there too). Frames of RAM that
 * belong to no one - the hypervisor's own, the frame table - are RAM, hence refused. The first
 * MiB is the exception: Xen gives all of it, RAM or not, to DOMID_IO, and Linux as dom0 maps
 * it whole in its direct map (the BIOS data, the EBDA, the MP table).
 */
#define LOW_MEMORY_FRAMES 0x100ul

bool page_type_iomem_permitted(const struct domain *d, unsigned long mfn)
{
	return d->is_privileged && mfn != LOCAL_APIC_MFN && (mfn >> 40) == 0 &&
	       (mfn < LOW_MEMORY_FRAMES || !frame_is_ram(mfn));
}

bool page_type_frame_is_ram(unsigned long mfn)
{
	return frame_is_ram(mfn);
}

bool page_type_iomem_read_only(const struct domain *d, unsigned long mfn)
{
	(void)d;
	return mfn == IO_APIC_MFN;
}

/* Xen lets a PV domain with I/O memory or ports (dom0) set the cache bits of its L1 entries;
 * any other keeps them clear (l1_disallow_mask). */
bool page_type_has_io_resources(const struct domain *d)
{
	return d->is_privileged;
}

bool page_type_foreign_map_permitted(const struct domain *d, const struct domain *owner,
				     unsigned long mfn, bool writable)
{
	(void)mfn, (void)writable;
	/* A privileged domain (dom0, the builder of the others) may map another domain's frames
	 * when the update names that domain as the frames' owner (mmu_update's foreigndom,
	 * update_va_mapping_otherdomain), as in Xen; grant mappings take their own path
	 * (grant_mapping.c). */
	const struct vcpu *v = current_vcpu();

	return d->is_privileged && v && v->foreign_owner == owner && !owner->is_dying;
}

/*
 * A validated L4 gets the hypervisor's slots except the read-only M2P (slot 256): as in Xen,
 * that one is added when the L4 becomes a kernel base pointer (l4_add_m2p), so a user L4
 * never maps it.
 */
#define L4_SLOT_M2P 256

void page_type_init_hypervisor_l4_slots(uint64_t *l4, unsigned long l4_mfn,
					const struct domain *d)
{
	(void)l4_mfn, (void)d;
	for (unsigned int slot = L4_FIRST_HYPERVISOR_SLOT; slot <= L4_LAST_HYPERVISOR_SLOT; slot++)
		l4[slot] = slot == L4_SLOT_M2P ? 0 : boot_l4[slot];
}

void l4_add_m2p(unsigned long l4_mfn)
{
	((uint64_t *)mfn_to_virt(l4_mfn))[L4_SLOT_M2P] = boot_l4[L4_SLOT_M2P];
}

/* The guest kernel's page table becomes mfn (NEW_BASEPTR, mov to CR3): a validated L4 of
 * its own, which then gets the M2P slot; the old one's reference is dropped. */
int switch_kernel_base(struct vcpu *v, uint64_t mfn)
{
	uint64_t old = v->guest_table;

	if (!mfn_valid(mfn))
		return -XEN_EINVAL;
	int rc = get_page_and_type(mfn_to_page(mfn), v->domain, PGT_L4);

	if (rc)
		return rc;
	v->guest_table = mfn;
	l4_add_m2p(mfn);
	write_cr3(mfn << PAGE_SHIFT);
	if (old)
		put_page_and_type(mfn_to_page(old));
	return 0;
}

/* ---- finding tables ---- */

static uint64_t current_l4_mfn(void)
{
	return read_cr3() >> PAGE_SHIFT;
}

/* The L1 table and slot that map va in the guest's current page tables, or NULL. */
struct page_info *guest_l1_for(uint64_t va, unsigned int *index)
{
	uint64_t mfn = current_l4_mfn();

	for (int level = 4; level > 1; level--) {
		uint64_t entry = ((uint64_t *)mfn_to_virt(mfn))[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(entry & 1) || (level < 4 && (entry & (1u << 7))))
			return NULL; /* not present, or a superpage */
		mfn = pte_mfn(entry);
		if (!mfn_valid(mfn))
			return NULL;
	}
	*index = (va >> 12) & 511;
	return mfn_to_page(mfn);
}

/* A vCPU mask argument must be readable (its bits matter once domains have several vCPUs). */
static bool vcpu_mask_readable(uint64_t mask)
{
	uint64_t bits;

	return copy_from_guest_raw(&bits, mask, sizeof(bits)) == 0;
}

/* update_va_mapping's flush: local, or (UVMF_ALL, or a vCPU mask) on every CPU that may run
 * the domain: those running guests, a superset kept simple. */
static void flush_as_asked(uint64_t flags, uint64_t va)
{
	bool everywhere = flags & ~UVMF_FLUSHTYPE_MASK;

	switch (flags & UVMF_FLUSHTYPE_MASK) {
	case UVMF_INVLPG:
		if (everywhere)
			flush_guest_tlbs();
		else
			invlpg(va);
		break;
	case UVMF_TLB_FLUSH:
		if (everywhere)
			flush_guest_tlbs();
		else
			flush_tlb_local();
		break;
	default:
		break;
	}
}

long do_update_va_mapping(uint64_t va, uint64_t new_entry, uint64_t flags, uint64_t unused4,
			  uint64_t unused5)
{
	struct domain *d = current_vcpu()->domain;
	unsigned int index;

	(void)unused4, (void)unused5;
	if (!guest_range_ok(va, 1))
		return -XEN_EINVAL;
	/* Above the flush type and UVMF_ALL, the flags carry a pointer to a vCPU mask. */
	uint64_t mask = flags & ~(UVMF_FLUSHTYPE_MASK | UVMF_ALL);

	if (mask && !vcpu_mask_readable(mask))
		return -XEN_EFAULT;
	struct page_info *l1 = guest_l1_for(va, &index);

	if (!l1)
		return -XEN_EINVAL;
	int rc = mod_l1_entry(l1, index, new_entry, d);

	if (rc == 0)
		flush_as_asked(flags, va);
	return rc;
}

/*
 * A preempted batch continues as the same hypercall on the rest of the list, with this bit
 * set in the count (Xen's MMU_UPDATE_PREEMPTED): then the "done" the guest asked for already
 * holds the requests finished before, and we add to it.
 */
#define BATCH_PREEMPTED 0x80000000u

static long continue_later(uint64_t number, uint64_t rest, uint64_t remaining,
			   uint64_t done_pointer, uint64_t foreign_domain)
{
	return hypercall_continue(number, rest, remaining | BATCH_PREEMPTED, done_pointer,
				  foreign_domain, 0);
}

/* Strip the preemption bit; say how many requests earlier slices finished. */
static unsigned int batch_start(uint64_t *count, uint64_t done_pointer)
{
	unsigned int done = 0;

	if (*count & BATCH_PREEMPTED) {
		*count &= ~(uint64_t)BATCH_PREEMPTED;
		if (done_pointer)
			copy_from_guest_raw(&done, done_pointer, sizeof(done));
	}
	*count &= 0xffffffffu; /* the count is an unsigned int in the ABI */
	return done;
}

/* Xen writes "done" back without checking: a pointer it cannot write is not an error. */
static long report_done(uint64_t done_pointer, unsigned int done, long rc)
{
	if (done_pointer)
		copy_to_guest_raw(done_pointer, &done, sizeof(done));
	return rc;
}


/*
 * The domain an mmu_update, mmuext_op or update_va_mapping_otherdomain names as the owner of
 * the frames it works on ("foreigndom"): DOMID_SELF is the caller; another existing domain, for
 * a privileged caller. Naming oneself by number is -ESRCH, as in Xen; so is DOMID_XEN.
 */
static struct domain *foreign_owner(struct domain *d, uint16_t id, long *error)
{
	if (id == DOMID_SELF)
		return d;
	struct domain *owner = id == d->domain_id ? NULL : domain_by_id(id);

	if (!owner) {
		*error = -XEN_ESRCH;
		return NULL;
	}
	if (!d->is_privileged) {
		*error = -XEN_EPERM;
		return NULL;
	}
	return owner;
}

long do_mmu_update(uint64_t list, uint64_t count, uint64_t done_pointer, uint64_t foreign_domain,
		   uint64_t unused5)
{
	struct domain *d = current_vcpu()->domain;
	uint64_t i;
	long rc = 0;

	(void)unused5;
	unsigned int done = batch_start(&count, done_pointer);

	/* The owner of the frames the updates map (and of those MMU_MACHPHYS_UPDATE changes):
	 * oneself, or for a privileged caller another domain (a builder at work). */
	long lookup_error = 0;
	struct domain *owner = foreign_owner(d, (uint16_t)foreign_domain, &lookup_error);

	if (!owner)
		return lookup_error;
	current_vcpu()->foreign_owner = owner == d ? NULL : owner;
	for (i = 0; i < count; i++) {
		struct mmu_update request;

		if (i == REQUESTS_PER_SLICE) {
			current_vcpu()->foreign_owner = NULL;
			report_done(done_pointer, done + (unsigned int)i, 0);
			return continue_later(__HYPERVISOR_mmu_update, list + i * sizeof(request),
					      count - i, done_pointer, foreign_domain);
		}
		if (copy_from_guest_raw(&request, list + i * sizeof(request), sizeof(request))) {
			rc = -XEN_EFAULT;
			break;
		}
		uint64_t mfn = request.ptr >> PAGE_SHIFT;

		/* The command is in the low 3 bits of ptr (entries are 8-byte aligned). */
		switch (request.ptr & 7) {
		case MMU_PT_UPDATE_PRESERVE_AD:
			/* Keep the accessed and dirty bits the CPU already set in the entry. */
			if (mfn_valid(mfn) && get_page(mfn_to_page(mfn), d)) {
				uint64_t old = ((uint64_t *)mfn_to_virt(mfn))[(request.ptr &
									  (PAGE_SIZE - 8)) / 8];

				request.val |= old & (PTE_ACCESSED | PTE_DIRTY);
				put_page(mfn_to_page(mfn));
			}
			/* fall through */
		case MMU_NORMAL_PT_UPDATE:
		case MMU_PT_UPDATE_NO_TRANSLATE: /* a PV domain has nothing to translate */
			rc = mmu_update_entry(d, mfn, (request.ptr & (PAGE_SIZE - 8)) / 8,
					      request.val);
			break;
		case MMU_MACHPHYS_UPDATE:
			if (!mfn_valid(mfn) || !get_page(mfn_to_page(mfn), owner)) {
				rc = -XEN_EINVAL;
				break;
			}
			m2p_set(mfn, request.val);
			put_page(mfn_to_page(mfn));
			break;
		default:
			rc = -XEN_ENOSYS;
		}
		if (rc)
			break;
	}
	current_vcpu()->foreign_owner = NULL;
	return report_done(done_pointer, done + (unsigned int)i, rc);
}

long do_mmuext_op(uint64_t list, uint64_t count, uint64_t done_pointer, uint64_t foreign_domain,
		  uint64_t unused5)
{
	struct vcpu *v = current_vcpu();
	struct domain *d = v->domain;
	uint64_t i;
	long rc = 0;

	(void)unused5;
	unsigned int done = batch_start(&count, done_pointer);

	/* Pins may be on another domain's tables, for a privileged caller (a builder pins the
	 * page tables of the domain it builds); every other operation is the caller's own. */
	long lookup_error = 0;
	struct domain *owner = foreign_owner(d, (uint16_t)foreign_domain, &lookup_error);

	if (!owner)
		return lookup_error;
	for (i = 0; i < count; i++) {
		struct mmuext_op op;

		if (i == REQUESTS_PER_SLICE) {
			report_done(done_pointer, done + (unsigned int)i, 0);
			return continue_later(__HYPERVISOR_mmuext_op, list + i * sizeof(op),
					      count - i, done_pointer, foreign_domain);
		}
		if (copy_from_guest_raw(&op, list + i * sizeof(op), sizeof(op))) {
			rc = -XEN_EFAULT;
			break;
		}
		bool on_frames = op.cmd <= MMUEXT_UNPIN_TABLE || op.cmd == MMUEXT_CLEAR_PAGE ||
				 op.cmd == MMUEXT_COPY_PAGE;

		if (owner != d && !on_frames) { /* the rest act on the caller itself */
			rc = -XEN_EPERM;
			break;
		}
		switch (op.cmd) {
		case MMUEXT_PIN_L1_TABLE:
		case MMUEXT_PIN_L1_TABLE + 1:
		case MMUEXT_PIN_L1_TABLE + 2:
		case MMUEXT_PIN_L4_TABLE:
			rc = pin_page_table(owner, op.arg1.mfn, op.cmd - MMUEXT_PIN_L1_TABLE + 1);
			break;
		case MMUEXT_UNPIN_TABLE:
			rc = unpin_page_table(owner, op.arg1.mfn);
			break;
		case MMUEXT_NEW_BASEPTR:
			rc = owner == d ? switch_kernel_base(v, op.arg1.mfn) : -XEN_EPERM;
			break;
		case MMUEXT_TLB_FLUSH_MULTI:
		case MMUEXT_INVLPG_MULTI:
			if (!vcpu_mask_readable((uint64_t)op.arg2.vcpumask.p)) {
				rc = -XEN_EINVAL; /* Xen says -EINVAL here, not -EFAULT */
				break;
			}
			flush_guest_tlbs(); /* the vCPUs' CPUs: a superset, kept simple */
			break;
		case MMUEXT_TLB_FLUSH_LOCAL:
			flush_tlb_local();
			break;
		case MMUEXT_TLB_FLUSH_ALL:
		case MMUEXT_INVLPG_ALL:
			flush_guest_tlbs();
			break;
		case MMUEXT_INVLPG_LOCAL:
			/* A guest's address: a non-canonical one names no page (and invlpg of
			 * one is not an instruction every CPU lets pass quietly). */
			if (is_canonical(op.arg1.linear_addr))
				invlpg(op.arg1.linear_addr);
			break;
		case MMUEXT_NEW_USER_BASEPTR: {
			uint64_t old = v->guest_table_user;

			if (op.arg1.mfn) {
				if (!mfn_valid(op.arg1.mfn)) {
					rc = -XEN_EINVAL;
					break;
				}
				rc = get_page_and_type(mfn_to_page(op.arg1.mfn), d, PGT_L4);
				if (rc)
					break;
			}
			v->guest_table_user = op.arg1.mfn; /* used when user mode exists */
			if (old)
				put_page_and_type(mfn_to_page(old));
			break;
		}
		case MMUEXT_SET_LDT: /* checked, and its pages mapped on use: descriptor_tables.c */
			rc = set_ldt(v, op.arg1.linear_addr, op.arg2.nr_ents);
			break;
		case MMUEXT_MARK_SUPER:
		case MMUEXT_UNMARK_SUPER:
			rc = -XEN_EOPNOTSUPP; /* superpage marking left Xen; so here */
			break;
		case MMUEXT_CLEAR_PAGE:
		case MMUEXT_COPY_PAGE: {
			struct page_info *target = mfn_valid(op.arg1.mfn) ? mfn_to_page(op.arg1.mfn)
									  : NULL;

			if (!target || get_page_and_type(target, owner, PGT_WRITABLE)) {
				rc = -XEN_EINVAL;
				break;
			}
			if (op.cmd == MMUEXT_CLEAR_PAGE) {
				memset(mfn_to_virt(op.arg1.mfn), 0, PAGE_SIZE);
			} else if (!mfn_valid(op.arg2.src_mfn) ||
				   !get_page(mfn_to_page(op.arg2.src_mfn), owner)) {
				rc = -XEN_EINVAL;
			} else {
				memcpy(mfn_to_virt(op.arg1.mfn), mfn_to_virt(op.arg2.src_mfn),
				       PAGE_SIZE);
				put_page(mfn_to_page(op.arg2.src_mfn));
			}
			put_page_and_type(target);
			break;
		}
		default:
			rc = -XEN_ENOSYS;
		}
		if (rc)
			break;
	}
	return report_done(done_pointer, done + (unsigned int)i, rc);
}

/* update_va_mapping of a frame of another domain into our own page tables (privileged: a
 * builder or a device model at work). The domain must exist; the mapping itself is checked as
 * any other, with the privileged caller's permission to map foreign frames. */
long do_update_va_mapping_otherdomain(uint64_t va, uint64_t new_entry, uint64_t flags,
				      uint64_t domain, uint64_t unused5)
{
	struct vcpu *v = current_vcpu();
	long lookup_error = 0;
	struct domain *owner = foreign_owner(v->domain, (uint16_t)domain, &lookup_error);

	(void)unused5;
	if (!owner)
		return lookup_error;
	v->foreign_owner = owner == v->domain ? NULL : owner;
	long rc = do_update_va_mapping(va, new_entry, flags, 0, 0);

	v->foreign_owner = NULL;
	return rc;
}

/*
 * Writes to an L1 page table through a read-only mapping ("writable page tables"). Xen 4.17
 * checks and carries out such a write for a 64-bit PV guest whatever vm_assist says; a write
 * that breaks the rules is the guest's own #PF. We decode only what a kernel uses for this -
 * an 8-byte mov from a register (REX.W 89 /r) or of an immediate (REX.W C7 /0), an 8-byte
 * xchg with a register (REX.W 87 /r, Linux's ptep_get_and_clear), and a byte "and" or "or"
 * with an immediate (80 /4 ib, 80 /1 ib, Linux's clear_bit and set_bit on an entry, after a
 * lock or DS prefix) - since the target is already known from cr2; anything else is delivered
 * as the #PF it was.
 */
/* A decoded write to an entry: what it does, with what, how long the instruction is. */
struct entry_write {
	enum { WRITE_STORE, WRITE_XCHG, WRITE_OR, WRITE_AND } kind;
	uint64_t operand;   /* the value stored, or the byte's immediate shifted into place */
	uint64_t *exchange; /* WRITE_XCHG: the register that gets the old entry */
	unsigned int length;
};

/* The instruction at rip, writing the byte-th byte of an entry; false if it is not one we
 * emulate. */
static bool decode_store(struct cpu_regs *regs, unsigned int byte, struct entry_write *w)
{
	uint8_t code[16] = {0};
	size_t fetched = sizeof(code);
	unsigned int at = 0;

	/* An instruction may end just before an unmapped page: fetch no further than needed. */
	if (copy_from_guest_raw(code, regs->rip, sizeof(code))) {
		fetched = PAGE_SIZE - (regs->rip & (PAGE_SIZE - 1));
		if (fetched > sizeof(code) || copy_from_guest_raw(code, regs->rip, fetched))
			return false;
	}
	while (at < 2 && (code[at] == 0xf0 || code[at] == 0x3e)) /* lock, or DS as UP Linux has */
		at++;
	uint8_t rex = (code[at] & 0xf0) == 0x40 ? code[at++] : 0;
	uint8_t opcode = code[at], modrm = code[at + 1];
	unsigned int mod = modrm >> 6, reg = ((modrm >> 3) & 7) | ((rex & 4) << 1), rm = modrm & 7;
	bool wide = rex & 8; /* REX.W: an 8-byte operand */
	bool byte_logic = opcode == 0x80 && ((reg & 7) == 1 || (reg & 7) == 4);

	if (mod == 3 || (wide ? opcode != 0x89 && opcode != 0x87 &&
					!(opcode == 0xc7 && (reg & 7) == 0)
			      : !byte_logic))
		return false;
	if (wide && byte != 0)
		return false;
	at += 2;
	if (rm == 4) { /* a SIB byte */
		if (mod == 0 && (code[at] & 7) == 5)
			at += 4; /* no base: a 32-bit displacement */
		at++;
	} else if (mod == 0 && rm == 5) {
		at += 4; /* rip-relative */
	}
	at += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	w->exchange = NULL;
	if (byte_logic) {
		w->kind = (reg & 7) == 1 ? WRITE_OR : WRITE_AND;
		w->operand = (uint64_t)code[at++] << (8 * byte);
	} else if (opcode == 0x89 || opcode == 0x87) {
		w->kind = opcode == 0x87 ? WRITE_XCHG : WRITE_STORE;
		w->operand = *guest_register(regs, reg);
		if (opcode == 0x87)
			w->exchange = guest_register(regs, reg);
	} else {
		int32_t immediate;

		memcpy(&immediate, &code[at], sizeof(immediate));
		w->kind = WRITE_STORE;
		w->operand = (uint64_t)(int64_t)immediate;
		at += 4;
	}
	w->length = at;
	return at <= fetched;
}

/* The entry the write leaves where old was (the byte operations change one byte of it). */
static uint64_t entry_after(const struct entry_write *w, uint64_t old, unsigned int byte)
{
	switch (w->kind) {
	case WRITE_OR:
		return old | w->operand;
	case WRITE_AND:
		return old & (w->operand | ~(0xffull << (8 * byte)));
	default:
		return w->operand;
	}
}

/* How often a write is tried again when the entry changed under it (the CPU setting accessed
 * and dirty bits through another vCPU's use of the mapping, or another vCPU's write) before the
 * guest is sent back to run the instruction again, as Xen's emulator does. */
#define ENTRY_WRITE_TRIES 16

bool emulate_page_table_write(struct cpu_regs *regs, uint64_t address)
{
	struct domain *d = current_vcpu()->domain;
	unsigned int index;
	uint64_t entry = address & ~7ull;
	struct entry_write w;

	if (!guest_range_ok(entry, 8))
		return false;
	/* The frame written: the one the guest's own mapping of the address names. */
	struct page_info *mapping_l1 = guest_l1_for(entry, &index);

	if (!mapping_l1)
		return false;
	uint64_t target = pte_mfn(((uint64_t *)page_to_virt(mapping_l1))[index]);

	if (!mfn_valid(target) || !get_page(mfn_to_page(target), d))
		return false;
	struct page_info *table = mfn_to_page(target);
	unsigned int slot = (entry & (PAGE_SIZE - 1)) / 8;
	const uint64_t *live = &((const uint64_t *)mfn_to_virt(target))[slot];
	uint64_t old = 0;
	int rc = -XEN_EINVAL;

	/* Atomic as the guest's instruction would be: the new entry replaces exactly the one it
	 * was computed from, so neither an xchg's answer nor a bit the CPU set meanwhile is lost. */
	if (page_type_of(table->type_info) == PGT_L1 && decode_store(regs, address & 7, &w)) {
		if (w.kind == WRITE_STORE) /* a plain store replaces whatever is there */
			rc = mod_l1_entry(table, slot, w.operand, d);
		for (unsigned int tries = 0; w.kind != WRITE_STORE && tries < ENTRY_WRITE_TRIES;
		     tries++) {
			old = __atomic_load_n(live, __ATOMIC_ACQUIRE);
			rc = mod_l1_entry_replace(table, slot, old, entry_after(&w, old, address & 7),
						  d);
			if (rc != -XEN_EAGAIN)
				break;
		}
	}
	put_page(table);
	if (rc == -XEN_EAGAIN)
		return true; /* the entry never held still: the guest runs the instruction again */
	if (rc)
		return false; /* delivered as the #PF it was */
	if (w.exchange)
		*w.exchange = old;
	regs->rip += w.length;
	return true;
}
