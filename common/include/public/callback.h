/*
 * callback_op: where the hypervisor enters a PV kernel for events, for a failed return to
 * the guest (failsafe), for SYSCALL from guest user mode, and for NMIs. The older
 * set_callbacks hypercall does the same for the first three. Mirrors Xen's public/callback.h.
 */
#ifndef PARVUS_PUBLIC_CALLBACK_H
#define PARVUS_PUBLIC_CALLBACK_H

#include "xen.h"

#define CALLBACKTYPE_event 0	/* event upcall */
#define CALLBACKTYPE_failsafe 1 /* reloading a segment or returning to the guest faulted */
#define CALLBACKTYPE_syscall 2	/* 64-bit SYSCALL from guest user mode */
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi 4
#define CALLBACKTYPE_sysenter 5	 /* 32-bit SYSENTER from a compat user program */
#define CALLBACKTYPE_syscall32 7 /* 32-bit SYSCALL from a compat user program */

/* callback_register.flags: mask events on entry, like an interrupt gate. */
#define _CALLBACKF_mask_events 0
#define CALLBACKF_mask_events (1U << _CALLBACKF_mask_events)

#define CALLBACKOP_register 0
struct callback_register {
	uint16_t type;	/* CALLBACKTYPE_* */
	uint16_t flags; /* CALLBACKF_* */
	xen_callback_t address;
};
typedef struct callback_register callback_register_t;
DEFINE_XEN_GUEST_HANDLE(callback_register_t);

#define CALLBACKOP_unregister 1
struct callback_unregister {
	uint16_t type;
	uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;
DEFINE_XEN_GUEST_HANDLE(callback_unregister_t);

#endif /* PARVUS_PUBLIC_CALLBACK_H */
