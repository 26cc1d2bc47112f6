/*
 * What the files of the smp test kernel share: dom0 runs with two vCPUs (dom0_max_vcpus=2);
 * vCPU 0 runs guest_main and the checks, vCPU 1 (the secondary) is started by bringup.c and
 * then serves commands vCPU 0 posts in a mailbox (mailbox.c), each side waiting for the
 * other in SCHEDOP_poll on an IPI port bound to itself.
 *
 * Only vCPU 0 calls CHECK (the framework's counters are not shared safely): vCPU 1 records
 * what it saw in shared variables and vCPU 0 judges them.
 */
#ifndef SMP_TEST_H
#define SMP_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>
#include <parvus/guest_traps.h>
#include "guest_time.h" /* MS() */

#define SECONDARY 1    /* the vCPU this test starts */
#define NO_SUCH_VCPU 2 /* one past dom0's last vCPU */
#define STACK_SIZE (4 * PAGE_SIZE)

/* mailbox.c: which vCPU runs this code (told by the stack it runs on). */
unsigned int this_vcpu(void);
volatile struct vcpu_info *vcpu_info_of(unsigned int vcpu);
uint64_t now_ns(void); /* system time, from the running vCPU's own time record */

/* vCPU 1's stack (mailbox.c), given to it by the context in bringup.c. */
extern char secondary_stack[STACK_SIZE];

/*
 * The IPI ports: ipi_port[v] is bound to vCPU v (EVTCHNOP_bind_ipi), so a send on it wakes
 * v. Bound by vCPU 0 before vCPU 1 starts.
 */
extern evtchn_port_t ipi_port[2];
void mailbox_init(void);
long send_port(evtchn_port_t port);
long bind_ipi(uint32_t vcpu);
long bind_virq(uint32_t virq, uint32_t vcpu);
long close_port(evtchn_port_t port);
void clear_port_pending(evtchn_port_t port);

/*
 * Wait, events masked, until *word >= target (a counter) or == target, or until deadline
 * (system time, 0 for never): SCHEDOP_poll on the running vCPU's IPI port, whose pending bit
 * is cleared before each look, so a send after the look ends the poll at once. True when
 * the word got there.
 */
bool wait_at_least(const volatile uint64_t *word, uint64_t target, uint64_t deadline);
bool wait_equal(const volatile uint64_t *word, uint64_t target, uint64_t deadline);
/* Sleep (SCHEDOP_poll on no port) until deadline. */
void sleep_until(uint64_t deadline);
/* Events on or off for the running vCPU (its vcpu_info's evtchn_upcall_mask). */
void events_enabled(bool enabled);

/*
 * The upcall handler (vector 0xf0's stub, the event callback of both vCPUs) takes the
 * pending ports of upcall_ports[vcpu] only, as a kernel takes the ports bound to its own
 * CPU, and counts them in upcalls_on[vcpu][port]; upcall_count[vcpu] counts its runs.
 */
#define UPCALL_VECTOR 0xf0
#define FAILSAFE_VECTOR 0xf1
#define MAX_COUNTED_PORT 64
extern volatile uint64_t upcall_ports[2];
extern volatile uint64_t upcalls_on[2][MAX_COUNTED_PORT];
extern volatile uint64_t upcall_count[2];
void upcall_install(void);

/*
 * The failsafe callback of both vCPUs (failsafe_entry.S) turns the hypervisor's frame into
 * an ordinary one for FAILSAFE_VECTOR's handler, failsafe_handler (failsafe.c);
 * failsafe_init tells it where the runtime's stub for that vector is.
 */
extern char failsafe_entry[];
void failsafe_init(void);
void failsafe_handler(struct trap_frame *frame);

/* Commands vCPU 0 gives vCPU 1. */
enum command {
	CMD_NONE,
	CMD_PING_POLL,	   /* ipi.c: answer pings, waiting in SCHEDOP_poll */
	CMD_PING_BLOCK,	   /* ipi.c: answer pings, waiting in SCHEDOP_block with upcalls */
	CMD_FPU_PINGPONG,  /* fpu.c: keep our registers across ping-pongs */
	CMD_FPU_SPIN,	   /* fpu.c: keep our registers while spinning, timer upcalls on */
	CMD_TLB_WATCH,	   /* tlb.c: read a page through a mapping until stopped */
	CMD_SPIN,	   /* down_up.c: count until stopped */
	CMD_WAKE_VCPU0,	   /* down_up.c: wait for vCPU 0 to go down, then bring it up */
	CMD_TRAPS,	   /* bringup.c: take an int3 and a page fault */
	CMD_FAILSAFE,	   /* failsafe.c: sleep with selectors vCPU 0 will break */
	CMD_RUNSTATE_USER, /* runstate_user.c: run a user program with a runstate area */
};

struct mailbox {
	uint64_t sequence; /* vCPU 0 increments it to post a command */
	uint64_t command;  /* enum command */
	uint64_t argument; /* the command's */
	uint64_t done;	   /* the sequence vCPU 1 finished last */
	uint64_t stop;	   /* vCPU 0 sets it to end a command that runs until told */
	uint64_t entries;  /* how many times vCPU 1 entered secondary_main */
	uint64_t alive;	   /* vCPU 1 increments it each time it looks at the mailbox */
};
extern volatile struct mailbox mailbox;

/* vCPU 0: post a command (returns its sequence), wait for it to finish (5 s at most). */
uint64_t post(enum command command, uint64_t argument);
bool wait_done(uint64_t sequence);
/* Tell a running command to stop, and wait for it to finish. */
bool stop_and_wait(uint64_t sequence);

/* vCPU 1 enters here (secondary_entry.S) and serves the mailbox for ever. */
__attribute__((noreturn)) void secondary_main(void);

/* The command implementations on vCPU 1. */
void secondary_ping(bool block, uint64_t rounds);
void secondary_fpu_pingpong(uint64_t rounds);
void secondary_fpu_spin(void);
void secondary_tlb_watch(void);
void secondary_spin(void);
void secondary_wake_vcpu0(void);
void secondary_traps(void);
void secondary_failsafe(uint64_t index);
void secondary_runstate_user(void);

/* The checks, run on vCPU 0 in this order by guest_main (smp.c). */
bool check_bringup(void); /* bringup.c: false when vCPU 1 never ran */
void check_ping_pong(void);
void check_fpu(void);
void check_tlb(void);
void check_down_up(void);
void check_failsafe(void);
void check_runstate_user(void); /* runstate_user.c */

/* bringup.c: the entry state vCPU 1 recorded (secondary_entry.S). */
struct entry_record {
	uint64_t rsp, rdi, rsi, rbx, r15, rflags;
	uint64_t cs, ss, ds, es, fs, gs;
	uint64_t fs_word, gs_word; /* the words at %fs:0 and %gs:0 */
};
extern volatile struct entry_record secondary_entry_record;
extern uint8_t secondary_entry_fpu[512]; /* FXSAVE image, as vCPU 1 found its FPU */

/* fpu.c: the FPU state each vCPU keeps (an FXSAVE image for vCPU 1's first context). */
void fpu_pattern_image(unsigned int vcpu, uint64_t round, uint8_t image[512]);

/* tlb.c: the machine address of the page-table entry at level (1-4) on the way to va. */
uint64_t entry_machine_address(unsigned long va, int level);

/* VCPUOP_get_runstate_info of a vCPU, crashing on failure. */
struct vcpu_runstate_info runstate_of(unsigned int vcpu);
const char *runstate_name(int state);

#endif /* SMP_TEST_H */
