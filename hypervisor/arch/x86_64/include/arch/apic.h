/*
 * Interrupt controllers: each CPU's local APIC (its timer, inter-processor interrupts, end of
 * interrupt), the I/O APICs that route device lines, and the legacy 8259 PICs, which we only
 * move out of the way and mask.
 */
#ifndef PARVUS_ARCH_APIC_H
#define PARVUS_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define VECTOR_IRQ_BASE 0x20  /* ISA IRQ n arrives as vector 0x20 + n */
#define VECTOR_TIMER 0xf0     /* local APIC timer */
#define VECTOR_WAKE 0xf1      /* IPI: just wake the target CPU */
#define VECTOR_FLUSH 0xf2     /* IPI: flush your TLB (tlb_flush.c) */
#define VECTOR_SPURIOUS 0xff

void pic_disable(void);

void lapic_init(uint64_t phys_base);
void lapic_enable(void); /* on this CPU */
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint8_t vector_page);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_nmi(uint32_t apic_id);
void lapic_send_nmi_all_but_self(void);
/* The timer, one-shot: count down `ticks` (0 stops it). */
void lapic_timer_oneshot(uint32_t ticks);
/* For calibration: start a free-running count down and read it. */
void lapic_timer_start_count(void);
uint32_t lapic_timer_current(void);

void ioapic_add(uint8_t id, uint64_t phys_base, uint32_t gsi_base);
/* Route a global interrupt to a vector on a CPU (edge/level and polarity from ACPI flags). */
int ioapic_route(uint32_t gsi, uint8_t vector, uint32_t apic_id, bool level, bool active_low);
unsigned int ioapic_count(void);

bool cpu_stop_requested(void);

#endif
