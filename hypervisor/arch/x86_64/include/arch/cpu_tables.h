/*
 * The x86-64 descriptor tables: each CPU's GDT and TSS, and the IDT that all CPUs share.
 *
 * The GDT keeps Xen's layout: entries below GDT_HYPERVISOR_FIRST (14 pages) belong to the
 * guest that runs on the CPU (set_gdt), and the hypervisor's own descriptors sit in the page
 * above, so the selectors that PV guests know (FLAT_RING3_CS64 = 0xe033 ...) mean the same
 * here. The CPU sees the GDT through its descriptor area (arch/descriptor_tables.h); the page
 * of hypervisor descriptors is the only part this file writes.
 */
#ifndef PARVUS_ARCH_CPU_TABLES_H
#define PARVUS_ARCH_CPU_TABLES_H

#define GDT_GUEST_PAGES 14
#define GDT_HYPERVISOR_FIRST (GDT_GUEST_PAGES * 512)
#define GDT_ENTRIES (GDT_HYPERVISOR_FIRST + 512) /* the limit: up to the reserved page's end */

#define HYPERVISOR_CS 0xe008   /* ring 0, 64-bit code; SYSCALL loads it */
#define HYPERVISOR_DS 0xe010   /* ring 0, flat data; SYSCALL loads it as SS */
#define GUEST_RING3_CS32 0xe023 /* FLAT_RING3_CS32; SYSRET's base */
#define GUEST_RING3_DS 0xe02b	/* FLAT_RING3_DS32 / SS32 / SS64 */
#define GUEST_RING3_CS64 0xe033 /* FLAT_RING3_CS64 */
#define HYPERVISOR_CS32 0xe038
#define TSS_SELECTOR 0xe040
#define LDT_SELECTOR 0xe050

/* Interrupt-stack-table slots: these faults get a known-good stack of their own. */
#define IST_NMI 1
#define IST_DOUBLE_FAULT 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3
/* The vectors that use them (NMI, #DF, #MC): entry.S gives exactly these its IST entry. */
#define VECTOR_USES_IST(v) ((v) == 2 || (v) == 8 || (v) == 18)

#ifndef __ASSEMBLER__
#include <stdint.h>

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct cpu_tables {
	uint64_t *gdt;	    /* GDT_ENTRIES descriptors: the CPU's descriptor area */
	uint64_t *reserved; /* the page of hypervisor descriptors, entries GDT_HYPERVISOR_FIRST.. */
	struct tss64 tss __attribute__((aligned(16)));
};

/* Fill CPU cpu's page of hypervisor descriptors (reserved, a zeroed page) and TSS, and map its
 * descriptor area; ist_tops[i] is the top of IST stack i + 1; rsp0 is where the CPU switches
 * to when an interrupt or exception arrives from ring 3 (a guest). */
void cpu_tables_init(struct cpu_tables *tables, unsigned int cpu, uint64_t *reserved,
		     uint8_t *const ist_tops[IST_COUNT], uint64_t rsp0);
/* Load GDT, TSS and the shared IDT on this CPU. */
void cpu_tables_load(struct cpu_tables *tables);
/* Load an LDT of entries descriptors at base (its LDT descriptor is rewritten), or none. */
void cpu_tables_load_ldt(struct cpu_tables *tables, uint64_t base, unsigned int entries);
/* Build the shared IDT once, at boot. */
void idt_init(void);
/* Send the named vector to a handler (interrupts 32-255). */
typedef void (*irq_handler_t)(unsigned int vector);
void irq_set_handler(unsigned int vector, irq_handler_t handler);

#endif /* __ASSEMBLER__ */
#endif
