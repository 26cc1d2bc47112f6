/*
 * Domains and virtual CPUs: the minimum the guest entry path needs today. A domain owns
 * memory and vCPUs; a vCPU is a guest's CPU, with the registers it had when it last left ring
 * 3. The full lifecycle (creation through the domain builder, references, destruction that
 * returns every frame) grows here with issue 4 and 5.
 */
#ifndef PARVUS_DOMAIN_H
#define PARVUS_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arch/descriptor_tables.h>
#include <arch/regs.h>
#include <event_channel.h>
#include <spinlock.h>
#include <timer.h>
#include <public/vcpu.h>
#include <public/xen.h>

#define DOMAIN_WATCHDOGS 2
#define DOMAIN_MAX_VCPUS 64 /* a poll mask is one word */

struct shared_info;
struct vcpu_info;
struct fpu_state;
struct grant_table;

struct domain {
	struct shared_info *shared_info; /* the page shared with the guest (its vcpu_info[]) */
	uint16_t domain_id;
	bool is_privileged;
	bool is_shutting_down;
	bool is_dying;	       /* destroyed: waiting for the last reference to its frames */
	bool exits_to_caller;  /* stopping returns from guest_run (the boot self-test's) */
	bool grants_closed;    /* dying, and its grant table emptied (domain_lifecycle.c) */
	unsigned int pause_count; /* runs only while zero (domain_pause, controller pauses) */
	unsigned int controller_pause_count; /* of those, dom0's (pausedomain); 1 when created */
	unsigned int max_vcpus_allowed;	     /* createdomain's max_vcpus */
	uint64_t shared_pages;	  /* frames of page_assign_uncounted() it still owns */
	unsigned int shutdown_reason; /* SHUTDOWN_* of sched_op, valid once shutting down */
	char name[16];
	uint8_t handle[16]; /* the toolstack's UUID for it; all zeros for dom0 */
	uint64_t tot_pages; /* frames it has */
	uint64_t max_pages; /* frames it may have (UINT32_MAX: no limit, as Xen says it) */
	uint64_t vm_assist; /* VMASST_TYPE_* bits turned on */
	unsigned int shutdown_code;  /* SCHEDOP_shutdown_code: the reason a later shutdown uses */
	bool shutdown_code_set;
	struct timer watchdogs[DOMAIN_WATCHDOGS]; /* SCHEDOP_watchdog */
	bool watchdog_active[DOMAIN_WATCHDOGS];
	spinlock_t watchdog_lock;
	spinlock_t vcpu_lock; /* giving a vCPU its context or its vcpu_info */
	struct vcpu *vcpus[DOMAIN_MAX_VCPUS]; /* by vcpu_id; NULL past max_vcpus */
	unsigned int max_vcpus;
	struct event_channels events; /* its ports (event_channel.c) */
	uint64_t poll_mask; /* vCPUs blocked in SCHEDOP_poll, one bit each */
	unsigned int weight; /* its share of CPU time, relative to others (scheduler.c) */
	spinlock_t cap_lock; /* the cap fields below, changed from any CPU (scheduler.c) */
	uint16_t cap;	     /* scheduler_op's cap: percent of one CPU at most, 0 for none */
	bool cap_parked;     /* its budget for this period is used up (scheduler.c) */
	uint64_t cap_used;   /* CPU time used in this period */
	uint64_t cap_period_start;
	struct timer cap_timer; /* the end of a period it is parked in */
	uint32_t emulation_flags; /* XEN_X86_EMU_*: only the PIT, for dom0, as Xen reports it */
	struct grant_table *grant_table; /* grant_table.h: its grants, and its maps of grants */
};

/* A hypercall preempted inside a multicall: the arguments it continues with. */
struct hypercall_continuation {
	bool pending;
	uint64_t args[5];
};

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	/* Its vcpu_info: in shared_info at first, wherever register_vcpu_info moves it later. */
	struct vcpu_info *vcpu_info;
	struct cpu_regs regs; /* the guest's registers at its last entry to the hypervisor */
	struct cpu_regs *entry_regs; /* during a hypercall: the live frame it returns through */
	uint64_t fault_address; /* cr2 of the page fault being handled */
	bool in_multicall;
	struct domain *foreign_owner; /* during mmu_update with a foreigndom: whose frames */
	struct hypercall_continuation continuation;
	/* set_trap_table: the guest kernel's handler for each vector (address 0: none). */
	struct {
		uint8_t flags; /* bits 0-1: the lowest privilege that may raise it (DPL) */
		uint16_t cs;
		uint64_t address;
	} traps[256];
	uint64_t guest_table; /* the L4 in use (new_baseptr); holds an L4 type reference */
	uint64_t guest_table_user; /* new_user_baseptr: the L4 for user mode, or 0 */
	unsigned int processor; /* the CPU it runs on */
	int pinned_cpu; /* SCHEDOP_pin_override: the CPU it must stay on, or -1 */
	bool fpu_task_switched; /* fpu_taskswitch: the guest's virtual CR0.TS */
	bool fpu_initialised;	/* its FPU state is its own (given in a context, or it ran) */
	uint64_t fs_base, gs_base_kernel, gs_base_user; /* set_segment_base */
	uint16_t data_selectors[4]; /* ds, es, fs, gs while it does not run */
	uint64_t event_callback, failsafe_callback, syscall_callback; /* set_callbacks */
	uint64_t nmi_callback;
	bool syscall_masks_events; /* CALLBACKF_mask_events on the syscall callback */
	bool failsafe_masks_events; /* ... and on the failsafe callback */
	bool selectors_failed;	    /* a data selector failed to load: failsafe callback due */
	bool user_mode; /* the guest runs its user programs (user L4, user GS base) */
	unsigned int iopl; /* physdev_op set_iopl: the virtual I/O privilege level */
	uint64_t debugreg[8]; /* set_debugreg: the guest's debug registers (not loaded yet) */
	struct vcpu_runstate_info runstate; /* its time in each RUNSTATE_* (runstate.c) */
	uint64_t runstate_area;	   /* register_runstate_memory_area: guest address, or 0 */
	uint64_t time_area;	   /* register_vcpu_time_memory_area: guest address, or 0 */
	/* An area that could not be written in user mode, written on entering kernel mode. */
	bool runstate_area_stale, time_area_stale;
	struct page_info *vcpu_info_page; /* register_vcpu_info: the frame it moved to, or NULL */
	/* Timers that raise VIRQ_TIMER (vcpu_timer.c). */
	struct timer singleshot_timer, periodic_timer;
	uint64_t periodic_period_ns; /* 0: no periodic timer */
	uint64_t periodic_last;	     /* system time of its last tick */
	/* Scheduling (scheduler.c). */
	volatile bool blocked;	  /* waits for an event (block, poll); cleared by vcpu_wake */
	bool initialised;	  /* has a context (built, VCPUOP_initialise, setvcpucontext) */
	bool started;		  /* may run at all (vcpu_start) */
	bool on_queue;		  /* in its CPU's run queue */
	bool is_running;	  /* chosen to run on its CPU (under the queue's lock) */
	struct vcpu *queue_next;  /* the next in that queue */
	uint64_t virtual_time;	  /* CPU time run, scaled by its domain's weight */
	uint64_t slice_start;	  /* system time it last started running */
	struct fpu_state *fpu;	  /* its FPU/SSE/AVX registers while it does not run */
	uint64_t xcr0;		  /* the XSAVE components it turned on (XSETBV); 0: the default */
	bool cr4_osxsave;	  /* OSXSAVE in its view of CR4: XSETBV allowed */
	int poll_port;		   /* in SCHEDOP_poll: the one port it waits for, or -1: any */
	struct timer poll_timer;   /* the poll's timeout */
	uint32_t virq_to_port[NR_VIRQS]; /* its VIRQ bindings (0: unbound) */
	uint64_t kernel_sp; /* stack_switch: the guest kernel's stack for entries from user mode */
	uint16_t kernel_ss;
	struct descriptor_tables descriptor_tables; /* set_gdt, MMUEXT_SET_LDT */
};

/* Stop the domain: a guest's shutdown request (SHUTDOWN_* reason), or a crash with a reason
 * for the log. If it runs on this CPU, these do not return. */
void domain_shutdown(struct domain *d, unsigned int reason);
void domain_crash(struct domain *d, const char *why);
const char *shutdown_reason_name(unsigned int reason);

/* Where vCPUs 32 and up have their vcpu_info until they register one (domain_lifecycle.c). */
extern struct vcpu_info placeholder_vcpu_info;

/* The vm_assist types a 64-bit PV guest may turn on (do_vm_assist, vCPU contexts). */
#define VM_ASSIST_VALID_64BIT_PV                                                                   \
	((1ull << VMASST_TYPE_4gb_segments) | (1ull << VMASST_TYPE_4gb_segments_notify) |          \
	 (1ull << VMASST_TYPE_writable_pagetables) | (1ull << VMASST_TYPE_pae_extended_cr3) |      \
	 (1ull << VMASST_TYPE_architectural_iopl) | (1ull << VMASST_TYPE_runstate_update_flag) |   \
	 (1ull << VMASST_TYPE_m2p_strict))

/* Vcpu vcpu_id of d, or NULL when it has none by that number. */
static inline struct vcpu *domain_vcpu(const struct domain *d, uint64_t vcpu_id)
{
	return vcpu_id < d->max_vcpus ? d->vcpus[vcpu_id] : NULL;
}

/* Domains by id: registered when built, looked up for interdomain operations. */
void domain_register(struct domain *d);
void domain_unregister(struct domain *d);
struct domain *domain_by_id(uint16_t domain_id);
/* DOMID_SELF or one's own id: oneself; another id: that domain for a privileged caller, else
 * NULL with *error -EPERM; a domain that does not exist: NULL, -ESRCH. */
struct domain *domain_for_caller(struct domain *caller, uint16_t domain_id, int *error);

/*
 * d's frame count (tot_pages): charge n frames more, unless that would pass max_pages (then
 * false and nothing changes); uncharge when frames leave it. Atomic: frames are freed by
 * whichever CPU drops their last reference.
 */
bool domain_charge_pages(struct domain *d, uint64_t n);
void domain_uncharge_pages(struct domain *d, uint64_t n);
/* DOMID_SELF for the caller's own domain, or a domain by its id; NULL if none. */
struct domain *domain_by_any_id(uint16_t id);

/*
 * Life and death of a domain. domain_create makes one with nothing in it but its shared_info
 * page, event channels and grant table (paused: it runs once its vCPUs have contexts and it is
 * unpaused). vcpu_create adds a vCPU (down until given a context). domain_pause stops every
 * vCPU and returns once none runs anywhere. domain_kill takes everything away: ports closed,
 * page tables unpinned and every frame relinquished; the domain stays, dying, until the last
 * frame that something else still holds (a foreign mapping, a grant) is freed.
 */
struct domain *domain_create(uint16_t domain_id, const uint8_t handle[16], bool privileged,
			     int *error);
int vcpu_create(struct domain *d, unsigned int vcpu_id, unsigned int cpu);
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
void domain_kill(struct domain *d);
/* Give d a frame the hypervisor shares with it (shared_info, grant-table frames): d owns it,
 * it is not in tot_pages, and it counts in shared_pages until freed. */
struct page_info;
void domain_assign_shared_frame(struct domain *d, struct page_info *pg);
/* Free the memory of dead domains no CPU can still be using (domain_lifecycle.c); how many
 * wait for that. */
void domain_reclaim(void);
extern unsigned int dead_domains_waiting;
/* A frame of d was freed (page_type_free_hook): counted in tot_pages, or a shared one. */
void domain_frame_gone(struct domain *d, bool counted);
/* What XEN_DOMCTL_getdomaininfo reports of d (domctl.c). */
struct xen_domctl_getdomaininfo;
void domain_info(const struct domain *d, struct xen_domctl_getdomaininfo *info);
/* Every registered domain, in id order, from first_id on; NULL when there are no more. */
struct domain *domain_next(uint16_t first_id);

/* A domain whose vCPU left the guest for good on this CPU (guest_run returned, how:
 * GUEST_EXIT_*): for dom0, the machine powers off (a pass under QEMU unless it crashed). */
__attribute__((noreturn)) void domain_stopped_on_cpu(struct domain *d, uint64_t how);

/* The vCPU running on this CPU, or NULL when the CPU runs only the hypervisor. */
struct vcpu *current_vcpu(void);
void set_current_vcpu(struct vcpu *v);

#endif
