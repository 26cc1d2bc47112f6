/*
 * The hypervisor console: where printk's text goes (the serial ports chosen by console=), a
 * ring that keeps the most recent output for dom0 to read later, and a ring of input bytes
 * received from the serial line, kept until dom0 asks for them.
 */
#ifndef PARVUS_CONSOLE_H
#define PARVUS_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_RING_SIZE 16384 /* recent output, bytes (a power of two) */
#define CONSOLE_INPUT_SIZE 1024 /* pending input, bytes (a power of two) */

void console_init(void);
/* Parse console= (a comma-separated list of com1, com2, none). Returns 0 or -1. */
int console_set_outputs(const char *list);
/* Serial settings: com1=115200 (only the baud rate is honoured). */
int console_set_com_baud(int port, const char *value);
void console_write(const char *text, size_t length);
/* How many bytes of recent output the ring holds now. */
size_t console_ring_used(void);
/* Copy out the recent output, oldest first; returns the number of bytes copied. */
size_t console_ring_read(char *buffer, size_t size);
/* Copy out recent output from *position (a count of bytes ever written), or from the oldest
 * byte kept if from_oldest or if *position is not within what is kept; *position moves past
 * what was copied. */
size_t console_ring_read_at(uint64_t *position, char *buffer, size_t size, bool from_oldest);
/* Forget the output before position (readconsole's clear: what has been read). */
void console_ring_clear(uint64_t position);
/* Called from the serial interrupt: queue received bytes. */
void console_input_receive(void);
bool console_input_pending(void);
/* Take one byte of pending input, or -1 when there is none. */
int console_input_take(void);
void console_enable_input_interrupts(void);

#endif
