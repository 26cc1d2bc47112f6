/*
 * Waiting for events without an upcall (tests/guests/lib/event_wait.c), for test kernels that
 * keep events masked in vcpu_info: SCHEDOP_poll sleeps until a port is pending (or a timeout
 * passes), and the pending bit in shared_info (2-level ABI: port p is bit p % 64 of word
 * p / 64) is taken atomically, as the hypervisor sets it from other CPUs.
 */
#ifndef GUEST_TESTS_EVENT_WAIT_H
#define GUEST_TESTS_EVENT_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <parvus/hypercall.h>

long event_send(evtchn_port_t port);

/* Clear port's pending bit; true if it was set. */
bool event_take(evtchn_port_t port);

/*
 * Sleep until port is pending, then clear it: true. deadline is a system time in ns (see
 * guest_time.h); at it the wait gives up and returns false. 0 waits for ever.
 */
bool event_wait(evtchn_port_t port, uint64_t deadline);

/* Sleep ns nanoseconds (SCHEDOP_poll on a port nothing signals), letting others run. */
void sleep_ns(uint64_t ns);

#endif /* GUEST_TESTS_EVENT_WAIT_H */
