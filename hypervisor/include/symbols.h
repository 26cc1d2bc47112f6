/*
 * The hypervisor's own symbol table, embedded at build time (a first link is read with nm),
 * so that fault reports name functions instead of bare addresses.
 */
#ifndef PARVUS_SYMBOLS_H
#define PARVUS_SYMBOLS_H

#include <stdint.h>

/* The function containing addr, or NULL; *offset is addr's distance from its start. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);
unsigned long symbol_count(void);

#endif
