/*
 * Domain state changes. Today: shutdown, which stops the domain's vCPU on this CPU and hands
 * control back to whoever entered the guest (guest_run); and the count of its frames. Creation
 * and destruction with full reference counting come with the domain builder (issue 4) and
 * domctl (issue 5).
 */
#include <domain.h>
#include <stddef.h>
#include <percpu.h>
#include <printk.h>
#include <machine.h>
#include <arch/guest.h>
#include <public/sched.h>
#include <public/xen.h>
#include <public/errno.h>
#include <hypercall.h>
#include <spinlock.h>
#include <scheduler.h>
#include <event_channel.h>

static const char *const shutdown_reasons[] = {
	[SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
	[SHUTDOWN_suspend] = "suspend",	  [SHUTDOWN_crash] = "crash",
	[SHUTDOWN_watchdog] = "watchdog",
};

const char *shutdown_reason_name(unsigned int reason)
{
	if (reason < sizeof(shutdown_reasons) / sizeof(shutdown_reasons[0]) &&
	    shutdown_reasons[reason])
		return shutdown_reasons[reason];
	return "unknown";
}

/* Every domain there is, by id: few enough today to look through. */
#define MAX_DOMAINS 64
static struct domain *domains[MAX_DOMAINS];
static spinlock_t domains_lock = SPINLOCK_INIT;

void domain_register(struct domain *d)
{
	spin_lock(&domains_lock);
	for (unsigned int i = 0; i < MAX_DOMAINS; i++) {
		if (!domains[i]) {
			domains[i] = d;
			spin_unlock(&domains_lock);
			return;
		}
	}
	spin_unlock(&domains_lock);
	panic("more than %u domains", MAX_DOMAINS);
}

void domain_unregister(struct domain *d)
{
	spin_lock(&domains_lock);
	for (unsigned int i = 0; i < MAX_DOMAINS; i++)
		if (domains[i] == d)
			domains[i] = NULL;
	spin_unlock(&domains_lock);
}

struct domain *domain_next(uint16_t first_id)
{
	struct domain *found = NULL;

	spin_lock(&domains_lock);
	for (unsigned int i = 0; i < MAX_DOMAINS; i++)
		if (domains[i] && domains[i]->domain_id >= first_id &&
		    (!found || domains[i]->domain_id < found->domain_id))
			found = domains[i];
	spin_unlock(&domains_lock);
	return found;
}

struct domain *domain_by_id(uint16_t domain_id)
{
	struct domain *found = NULL;

	spin_lock(&domains_lock);
	for (unsigned int i = 0; i < MAX_DOMAINS && !found; i++)
		if (domains[i] && domains[i]->domain_id == domain_id)
			found = domains[i];
	spin_unlock(&domains_lock);
	return found;
}

struct domain *domain_for_caller(struct domain *caller, uint16_t domain_id, int *error)
{
	if (domain_id == DOMID_SELF || domain_id == caller->domain_id)
		return caller;
	struct domain *d = domain_by_id(domain_id);

	*error = !d ? -XEN_ESRCH : -XEN_EPERM;
	return d && caller->is_privileged ? d : NULL;
}

struct domain *domain_by_any_id(uint16_t id)
{
	return id == DOMID_SELF ? current_vcpu()->domain : domain_by_id(id);
}

void domain_stopped_on_cpu(struct domain *d, uint64_t how)
{
	unsigned int reason = d->shutdown_reason;

	local_irq_enable();
	printk(LOG_INFO "%s has %s (%s): powering off\n", d->name,
	       how == GUEST_EXIT_CRASH ? "crashed" : "shut down", shutdown_reason_name(reason));
	if (how == GUEST_EXIT_SHUTDOWN && reason != SHUTDOWN_crash)
		machine_pass();
	machine_fail();
}

struct vcpu *current_vcpu(void)
{
	return this_cpu()->current;
}

void set_current_vcpu(struct vcpu *v)
{
	this_cpu()->current = v;
}

/*
 * A domain stopped (shut down or crashed). dom0 takes the machine with it (as in Xen); a
 * domain run by the caller of guest_run (dom0 on its first CPU, the boot self-test) returns
 * there when it is the one running here, outside any interrupt handler. Any other domain is
 * only marked: dom0 learns of it through VIRQ_DOM_EXC, and each of its vCPUs is switched out
 * on its CPU's next way back to a guest; a crash of the running vCPU leaves it at once.
 */
static void stopped(struct domain *d, uint64_t how, bool first_time)
{
	struct vcpu *v = current_vcpu();
	bool running_here = v && v->domain == d && !in_interrupt_handler();

	if (d->domain_id == 0 || d->exits_to_caller) {
		if (running_here)
			guest_exit(how);
		if (d->domain_id == 0)
			domain_stopped_on_cpu(d, how);
		return;
	}
	if (first_time)
		send_global_virq(VIRQ_DOM_EXC);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			scheduler_kick(d->vcpus[i]);
	if (running_here && how == GUEST_EXIT_CRASH)
		abandon_to_scheduler();
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	bool first_time = !d->is_shutting_down;

	if (first_time) { /* a later request does not change the reason, as in Xen */
		d->is_shutting_down = true;
		d->shutdown_reason = reason;
	}
	printk(LOG_INFO "d%u (%s): shut down: %s (reason %u)\n", d->domain_id, d->name,
	       shutdown_reason_name(reason), reason);
	stopped(d, GUEST_EXIT_SHUTDOWN, first_time);
}

void domain_crash(struct domain *d, const char *why)
{
	bool first_time = !d->is_shutting_down;

	printk(LOG_ERR "d%u (%s): crashed: %s\n", d->domain_id, d->name, why);
	d->is_shutting_down = true;
	d->shutdown_reason = SHUTDOWN_crash;
	stopped(d, GUEST_EXIT_CRASH, first_time);
}

bool domain_charge_pages(struct domain *d, uint64_t n)
{
	uint64_t seen = __atomic_load_n(&d->tot_pages, __ATOMIC_RELAXED);

	do {
		if (n > d->max_pages || seen > d->max_pages - n)
			return false;
	} while (!__atomic_compare_exchange_n(&d->tot_pages, &seen, seen + n, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

void domain_uncharge_pages(struct domain *d, uint64_t n)
{
	if (__atomic_fetch_sub(&d->tot_pages, n, __ATOMIC_RELAXED) < n)
		panic("d%u: more frames freed than it had", d->domain_id);
}

/*
 * vm_assist: switches a guest may flip. Every type a 64-bit PV guest has in Xen can be turned
 * on and off; an unknown type is -EINVAL before an unknown command is -ENOSYS, as in Xen. None
 * of them changes Parvus's behaviour yet (writable page tables are not emulated).
 */
long do_vm_assist(uint64_t cmd, uint64_t type, uint64_t unused3, uint64_t unused4,
		  uint64_t unused5)
{
	struct domain *d = current_vcpu()->domain;

	(void)unused3, (void)unused4, (void)unused5;
	if (type >= 64 || !(VM_ASSIST_VALID_64BIT_PV & (1ull << type)))
		return -XEN_EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		d->vm_assist |= 1ull << type;
		return 0;
	case VMASST_CMD_disable:
		d->vm_assist &= ~(1ull << type);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
