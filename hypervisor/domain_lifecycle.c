/*
 * Creating and destroying domains (see domain.h). Teardown follows Xen's order: stop every
 * vCPU, close the ports, forget the grant mappings the domain made, drop what its vCPUs hold
 * (page tables, descriptor tables, a moved vcpu_info), unpin its page tables, then give up the
 * domain's own reference on every frame it owns. Page tables never reference each other in a
 * cycle (page_type.c refuses linear chains; a table mapping itself takes no reference), so
 * once the pins and the vCPUs' references are gone every table's type falls to zero and the
 * references its entries held go with it. A frame that something outside the domain still
 * holds (another domain's mapping or grant copy) is freed when that lets go; the struct domain
 * lives, dying, until its last frame is gone.
 */
#include <domain.h>
#include <event_channel.h>
#include <grant_table.h>
#include <heap.h>
#include <page_alloc.h>
#include <page_type.h>
#include <percpu.h>
#include <printk.h>
#include <scheduler.h>
#include <stdio.h>
#include <string.h>
#include <vcpu_time.h>
#include <arch/fpu.h>
#include <arch/vcpu_context.h>
#include <public/errno.h>
#include <public/xen.h>

void domain_assign_shared_frame(struct domain *d, struct page_info *pg)
{
	page_assign_uncounted(pg, d);
	__atomic_fetch_add(&d->shared_pages, 1, __ATOMIC_SEQ_CST);
}

/* The vcpu_info of vCPUs that have none of their own yet: hypervisor memory, never the
 * guest's; its event mask stays set (nothing clears it: such a vCPU cannot run). */
struct vcpu_info placeholder_vcpu_info = {.evtchn_upcall_mask = 1};

struct domain *domain_create(uint16_t domain_id, const uint8_t handle[16], bool privileged,
			     int *error)
{
	struct domain *d = heap_zalloc(sizeof(*d));
	struct page_info *shared = alloc_pages(0);

	*error = -XEN_ENOMEM;
	if (!d || !shared) {
		heap_free(d);
		if (shared)
			free_pages(shared, 0);
		return NULL;
	}
	d->domain_id = domain_id;
	d->is_privileged = privileged;
	snprintf(d->name, sizeof(d->name), "d%u", domain_id);
	if (handle)
		memcpy(d->handle, handle, sizeof(d->handle));
	scheduler_domain_init(d);
	d->pause_count = 1; /* it runs when the toolstack unpauses it, as in Xen */
	d->controller_pause_count = 1;
	memset(page_to_virt(shared), 0, PAGE_SIZE);
	domain_assign_shared_frame(d, shared);
	if (get_page_and_type(shared, d, PGT_WRITABLE))
		panic("d%u: cannot hold its shared_info as a writable page", domain_id);
	d->shared_info = page_to_virt(shared);
	wallclock_publish(d->shared_info);
	if (evtchn_domain_init(d) || grant_table_create(d)) {
		domain_kill(d);
		return NULL;
	}
	domain_register(d);
	*error = 0;
	return d;
}

int vcpu_create(struct domain *d, unsigned int vcpu_id, unsigned int cpu)
{
	if (vcpu_id >= DOMAIN_MAX_VCPUS || d->vcpus[vcpu_id])
		return -XEN_EINVAL;
	struct vcpu *v = heap_zalloc(sizeof(*v));

	if (!v)
		return -XEN_ENOMEM;
	v->domain = d;
	v->vcpu_id = vcpu_id;
	v->pinned_cpu = -1;
	/* The first 32 have a vcpu_info in shared_info; the others use a placeholder, where
	 * events are masked for good, until register_vcpu_info gives them one (as in Xen). */
	v->vcpu_info = vcpu_id < XEN_LEGACY_MAX_VCPUS ? &d->shared_info->vcpu_info[vcpu_id]
						      : &placeholder_vcpu_info;
	v->vcpu_info->evtchn_upcall_mask = 1;
	int rc = vcpu_schedule_init(v, cpu);

	if (rc) {
		heap_free(v);
		return rc;
	}
	vcpu_time_update(v);
	d->vcpus[vcpu_id] = v;
	if (d->max_vcpus <= vcpu_id)
		d->max_vcpus = vcpu_id + 1;
	return 0;
}

void domain_pause(struct domain *d)
{
	__atomic_fetch_add(&d->pause_count, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_stop_running(d->vcpus[i]);
}

void domain_unpause(struct domain *d)
{
	if (__atomic_sub_fetch(&d->pause_count, 1, __ATOMIC_SEQ_CST) != 0)
		return;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && d->vcpus[i]->started)
			vcpu_start(d->vcpus[i]);
}

/* Everything a vCPU holds, given back; the vCPU itself is freed with the domain. */
static void vcpu_release(struct vcpu *v)
{
	timer_kill(&v->singleshot_timer);
	timer_kill(&v->periodic_timer);
	timer_kill(&v->poll_timer);
	vcpu_context_release(v);
	if (v->vcpu_info_page) {
		put_page_and_type(v->vcpu_info_page);
		v->vcpu_info_page = NULL;
	}
	v->vcpu_info = &placeholder_vcpu_info;
	fpu_state_free(v->fpu);
	v->fpu = NULL;
}

/* The frames d owns, one scan of the frame table per step: unpin, then relinquish. */
static void relinquish_memory(struct domain *d)
{
	for (unsigned long mfn = 0; mfn < frame_table_size; mfn++) {
		struct page_info *pg = mfn_to_page(mfn);

		if (pg->use == PAGE_USE_DOMAIN && page_get_owner(pg) == d &&
		    (__atomic_load_n(&pg->type_info, __ATOMIC_RELAXED) & PGT_PINNED))
			unpin_page_table(d, mfn);
	}
	for (unsigned long mfn = 0; mfn < frame_table_size; mfn++) {
		struct page_info *pg = mfn_to_page(mfn);

		if (pg->use == PAGE_USE_DOMAIN && page_get_owner(pg) == d)
			page_relinquish(pg);
	}
}

/*
 * Freeing a struct domain. Hypercalls find domains by id (domain_by_id) and use the pointer
 * until they return, without holding a reference. So a dead domain is first taken out of the
 * registry, where no new lookup finds it, and its memory is freed only after every CPU (this
 * one included) has passed a point where it holds no such pointer: a return to a guest, or idling
 * (scheduler.c counts these, scheduler_quiescent). A grace period, as RCU has.
 */
#define DEAD_DOMAINS_MAX 64

static struct {
	struct domain *d;
	uint64_t seen[MAX_CPUS]; /* each CPU's count of quiescent points when it died */
} dead_domains[DEAD_DOMAINS_MAX];
/* Dying domains whose grant tables are to be emptied, outside any lock (memory_gone). */
static struct domain *closing_domains[DEAD_DOMAINS_MAX];
static spinlock_t dead_domains_lock = SPINLOCK_INIT;
unsigned int dead_domains_waiting;

static void release_memory(struct domain *d)
{
	grant_table_free(d);
	for (unsigned int i = 0; i < DOMAIN_MAX_VCPUS; i++)
		heap_free(d->vcpus[i]);
	heap_free(d);
}

void domain_reclaim(void)
{
	uint64_t flags = local_irq_save();

	/* First the grant tables waiting to be emptied: that frees frames, which may end a
	 * domain and add to the list below. */
	for (;;) {
		struct domain *closing = NULL;

		spin_lock(&dead_domains_lock);
		for (unsigned int i = 0; i < DEAD_DOMAINS_MAX && !closing; i++) {
			closing = closing_domains[i];
			closing_domains[i] = NULL;
		}
		if (closing)
			__atomic_sub_fetch(&dead_domains_waiting, 1, __ATOMIC_SEQ_CST);
		spin_unlock(&dead_domains_lock);
		if (!closing)
			break;
		grant_table_destroy(closing);
		domain_frame_gone(closing, false); /* the hold memory_gone took */
	}
	spin_lock(&dead_domains_lock);
	for (unsigned int i = 0; i < DEAD_DOMAINS_MAX; i++) {
		if (!dead_domains[i].d)
			continue;
		bool passed = true;

		/* This CPU too: the code that freed the domain's last frame may still hold a
		 * pointer to it until it returns to a guest. */
		for (unsigned int cpu = 0; cpu < MAX_CPUS && passed; cpu++)
			if (cpus[cpu] && cpus[cpu]->online)
				passed = scheduler_quiescent(cpu, dead_domains[i].seen[cpu]);
		if (passed) {
			release_memory(dead_domains[i].d);
			dead_domains[i].d = NULL;
			__atomic_sub_fetch(&dead_domains_waiting, 1, __ATOMIC_SEQ_CST);
		}
	}
	spin_unlock(&dead_domains_lock);
	local_irq_restore(flags);
}

static void memory_gone(struct domain *d);

static void domain_free(struct domain *d)
{
	domain_unregister(d);
	printk(LOG_INFO "d%u: destroyed, every frame returned\n", d->domain_id);
	uint64_t flags = local_irq_save();

	spin_lock(&dead_domains_lock);
	for (unsigned int i = 0; i < DEAD_DOMAINS_MAX; i++) {
		if (dead_domains[i].d)
			continue;
		dead_domains[i].d = d;
		__atomic_add_fetch(&dead_domains_waiting, 1, __ATOMIC_SEQ_CST);
		for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
			dead_domains[i].seen[cpu] = scheduler_quiescent_count(cpu);
		d = NULL;
		break;
	}
	spin_unlock(&dead_domains_lock);
	local_irq_restore(flags);
	if (d) /* no room to wait in: leak it rather than free it too soon, and say so */
		printk(LOG_WARNING "d%u: too many domains dying at once; its memory is kept\n",
		       d->domain_id);
	/* Freed by domain_reclaim on a way back to a guest, never here: this may run under a
	 * lock the freeing would need. Every other CPU is interrupted so that one spinning in a
	 * guest passes such a point too. */
	for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpus[cpu] && cpus[cpu]->online && cpu != this_cpu()->id)
			arch_timer_kick(cpu);
}

void domain_kill(struct domain *d)
{
	/* Once: two destroydomain calls at the same time must not both tear it down. */
	if (__atomic_exchange_n(&d->is_dying, true, __ATOMIC_SEQ_CST))
		return;
	domain_pause(d);
	/* The teardown holds the domain like one more frame, so that frames freed on the way
	 * (here, or by other CPUs letting go) cannot free the domain under it. */
	__atomic_fetch_add(&d->shared_pages, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < DOMAIN_WATCHDOGS; i++)
		if (d->watchdogs[i].fn) /* set up once used, active or not */
			timer_kill(&d->watchdogs[i]);
	if (d->cap_timer.fn)
		timer_kill(&d->cap_timer);
	forget_global_virq_handler(d);
	evtchn_domain_destroy(d);
	grant_table_release_mappings(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_release(d->vcpus[i]);
	if (d->shared_info) {
		struct page_info *shared = mfn_to_page(virt_to_mfn(d->shared_info));

		d->shared_info = NULL;
		put_page_and_type(shared); /* the hypervisor's hold; relinquished below */
	}
	relinquish_memory(d);
	send_global_virq(VIRQ_DOM_EXC); /* dom0 hears of it again: the domain is dead now */
	if (__atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST) == 0)
		memory_gone(d); /* nothing of it was held elsewhere */
	uint64_t held = __atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST) +
			__atomic_load_n(&d->shared_pages, __ATOMIC_SEQ_CST) - 1;

	if (held)
		printk(LOG_INFO "d%u: dying, %lu frames still held by others\n", d->domain_id,
		       (unsigned long)held);
	domain_frame_gone(d, false); /* the teardown's own hold */
}

/*
 * The dying d's memory is all gone: nobody maps its grants any more, so its grant table can
 * go (once), which gives back the table's shared frames. This runs where the last frame was
 * freed, perhaps under a grant table's lock: the emptying waits for domain_reclaim, on this
 * CPU's way back to a guest.
 */
static void memory_gone(struct domain *d)
{
	if (!__atomic_load_n(&d->is_dying, __ATOMIC_SEQ_CST) ||
	    __atomic_exchange_n(&d->grants_closed, true, __ATOMIC_SEQ_CST))
		return;
	__atomic_fetch_add(&d->shared_pages, 1, __ATOMIC_SEQ_CST); /* hold it meanwhile */
	uint64_t flags = local_irq_save();

	spin_lock(&dead_domains_lock);
	for (unsigned int i = 0; i < DEAD_DOMAINS_MAX; i++) {
		if (!closing_domains[i]) {
			closing_domains[i] = d;
			__atomic_add_fetch(&dead_domains_waiting, 1, __ATOMIC_SEQ_CST);
			break;
		}
	}
	spin_unlock(&dead_domains_lock);
	local_irq_restore(flags);
}

void domain_frame_gone(struct domain *d, bool counted)
{
	uint64_t left;

	if (counted) {
		domain_uncharge_pages(d, 1);
		if (__atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST) == 0)
			memory_gone(d);
		left = __atomic_load_n(&d->shared_pages, __ATOMIC_SEQ_CST) +
		       __atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST);
	} else {
		left = __atomic_sub_fetch(&d->shared_pages, 1, __ATOMIC_SEQ_CST) +
		       __atomic_load_n(&d->tot_pages, __ATOMIC_SEQ_CST);
	}
	/* The last frame of a dying domain, freed by whoever held it last. Exactly one caller
	 * sees zero: the teardown's hold keeps the count up until its very end. */
	if (left == 0 && __atomic_load_n(&d->is_dying, __ATOMIC_SEQ_CST))
		domain_free(d);
}
