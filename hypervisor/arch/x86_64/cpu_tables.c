/*
 * Building and loading the descriptor tables: a GDT and TSS per CPU, one IDT for all.
 *
 * Segment descriptors in long mode matter only for their type and privilege level (base and
 * limit are ignored, except for the TSS). The IDT sends every vector to its stub in entry.S;
 * NMI, double fault and machine check switch to their own IST stacks, so that even a fault
 * with a broken stack pointer can still print what happened; entry.S enters them by a path of
 * their own, which checks the GS base instead of trusting the saved CS.
 */
#include <arch/cpu_tables.h>
#include <arch/descriptor_tables.h>
#include <arch/x86.h>
#include <printk.h>
#include <string.h>
#include <public/xen.h>

_Static_assert(GDT_HYPERVISOR_FIRST == FIRST_RESERVED_GDT_ENTRY,
	       "the guest part of the GDT must end where Xen's ABI says");
_Static_assert(GUEST_RING3_CS64 == FLAT_RING3_CS64 && GUEST_RING3_CS32 == FLAT_RING3_CS32 &&
		       GUEST_RING3_DS == FLAT_RING3_DS32 && GUEST_RING3_DS == FLAT_RING3_SS64,
	       "guest selectors must be Xen's");

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attributes;
	uint16_t offset_middle;
	uint32_t offset_high;
	uint32_t reserved;
} __attribute__((packed));

struct table_pointer {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

extern const uint64_t interrupt_stubs[256];
static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_t irq_handlers[256];

/* Code and data descriptors: flat, with the access byte and flags that say what they are. */
#define DESC_CODE64(dpl) (0x00af9a000000ffffull | ((uint64_t)(dpl) << 45))
#define DESC_CODE32(dpl) (0x00cf9a000000ffffull | ((uint64_t)(dpl) << 45))
#define DESC_DATA(dpl) (0x00cf92000000ffffull | ((uint64_t)(dpl) << 45))

/* A hypervisor selector's slot in the page of hypervisor descriptors. */
static unsigned int gdt_index(uint16_t selector)
{
	return (selector >> 3) - GDT_HYPERVISOR_FIRST;
}

/* A 16-byte system descriptor (TSS or LDT) at selector: type, present, DPL 0. */
static void set_system_descriptor(uint64_t *gdt, uint16_t selector, uint64_t base, uint64_t limit,
				  uint64_t type)
{
	gdt[gdt_index(selector)] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (type << 40) |
				   (1ull << 47) | ((limit >> 16 & 0xf) << 48) |
				   ((base >> 24 & 0xff) << 56);
	gdt[gdt_index(selector) + 1] = base >> 32;
}

#define SYSTEM_TYPE_LDT 0x2
#define SYSTEM_TYPE_TSS 0x9 /* available 64-bit TSS */

void cpu_tables_init(struct cpu_tables *tables, unsigned int cpu, uint64_t *reserved,
		     uint8_t *const ist_tops[IST_COUNT], uint64_t rsp0)
{
	uint64_t *gdt = reserved;

	memset(gdt, 0, 4096);
	gdt[gdt_index(HYPERVISOR_CS)] = DESC_CODE64(0);
	gdt[gdt_index(HYPERVISOR_DS)] = DESC_DATA(0);
	gdt[gdt_index(GUEST_RING3_CS32)] = DESC_CODE32(3);
	gdt[gdt_index(GUEST_RING3_DS)] = DESC_DATA(3);
	gdt[gdt_index(GUEST_RING3_CS64)] = DESC_CODE64(3);
	gdt[gdt_index(HYPERVISOR_CS32)] = DESC_CODE32(0);

	memset(&tables->tss, 0, sizeof(tables->tss));
	for (int i = 0; i < IST_COUNT; i++)
		tables->tss.ist[i] = (uint64_t)ist_tops[i];
	tables->tss.rsp[0] = rsp0;
	tables->tss.iomap_base = sizeof(tables->tss); /* no I/O bitmap: ring 3 gets no ports */

	set_system_descriptor(gdt, TSS_SELECTOR, (uint64_t)&tables->tss, sizeof(tables->tss) - 1,
			      SYSTEM_TYPE_TSS);
	tables->reserved = reserved;
	tables->gdt = descriptor_area_init_cpu(cpu, reserved);
}

void cpu_tables_load_ldt(struct cpu_tables *tables, uint64_t base, unsigned int entries)
{
	uint16_t selector = 0;

	if (entries) {
		set_system_descriptor(tables->reserved, LDT_SELECTOR, base, entries * 8 - 1,
				      SYSTEM_TYPE_LDT);
		selector = LDT_SELECTOR;
	}
	__asm__ volatile("lldt %w0" : : "r"(selector) : "memory");
}

void cpu_tables_load(struct cpu_tables *tables)
{
	struct table_pointer gdtr = {GDT_ENTRIES * 8 - 1, (uint64_t)tables->gdt};
	struct table_pointer idtr = {sizeof(idt) - 1, (uint64_t)idt};

	__asm__ volatile("lgdt %0" : : "m"(gdtr));
	/* Reload CS through a far return, then the data segments. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 :
			 : "i"((uint64_t)HYPERVISOR_CS), "i"(HYPERVISOR_DS)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"(TSS_SELECTOR));
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void idt_init(void)
{
	for (int vector = 0; vector < 256; vector++) {
		uint64_t handler = interrupt_stubs[vector];
		struct idt_entry *e = &idt[vector];

		e->offset_low = handler & 0xffff;
		e->selector = HYPERVISOR_CS;
		e->ist = 0;
		e->type_attributes = IDT_INTERRUPT_GATE;
		e->offset_middle = (handler >> 16) & 0xffff;
		e->offset_high = handler >> 32;
		e->reserved = 0;
	}
	/* int3 and into may be executed by a guest (ring 3): Xen lets them through likewise. */
	idt[3].type_attributes = IDT_INTERRUPT_GATE | (3 << 5);
	idt[4].type_attributes = IDT_INTERRUPT_GATE | (3 << 5);
	idt[0x80].type_attributes = IDT_INTERRUPT_GATE | (3 << 5); /* PV guests' int $0x80 */
	idt[2].ist = IST_NMI;
	idt[8].ist = IST_DOUBLE_FAULT;
	idt[18].ist = IST_MACHINE_CHECK;
	for (int vector = 0; vector < 256; vector++) /* entry.S's stubs agree */
		BUG_ON(!idt[vector].ist != !VECTOR_USES_IST(vector));
}

void irq_set_handler(unsigned int vector, irq_handler_t handler)
{
	BUG_ON(vector < 32 || vector > 255);
	irq_handlers[vector] = handler;
}

irq_handler_t irq_get_handler(unsigned int vector)
{
	return irq_handlers[vector];
}
