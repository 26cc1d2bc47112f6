/*
 * Debug keys: while no domain owns the console, each key typed on the serial line asks the
 * hypervisor for a report, as Xen's debug keys do ('h' lists them).
 */
#ifndef PARVUS_KEYHANDLER_H
#define PARVUS_KEYHANDLER_H

/* Act on every key waiting in the console input ring; returns how many were handled. */
unsigned int keyhandler_drain(void);

#endif
