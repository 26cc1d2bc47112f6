/*
 * The 16550 UART: the hypervisor's serial console (COM1 at 0x3f8, COM2 at 0x2f8).
 */
#ifndef PARVUS_ARCH_UART_H
#define PARVUS_ARCH_UART_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_PORT 0x3f8
#define COM2_PORT 0x2f8
#define COM1_IRQ 4
#define COM2_IRQ 3

/* Returns false when no UART answers at that port. */
bool uart_init(uint16_t port, uint32_t baud);
void uart_putc(uint16_t port, char c);
/* A received byte, or -1 when none is waiting. */
int uart_getc(uint16_t port);
void uart_enable_rx_interrupt(uint16_t port);

#endif
