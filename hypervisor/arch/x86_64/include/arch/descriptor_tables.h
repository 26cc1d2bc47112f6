/*
 * A PV guest's own GDT and LDT (set_gdt, update_descriptor, MMUEXT_SET_LDT), and the per-CPU
 * descriptor area through which the CPU sees them. docs/segments.md tells the story.
 *
 * Each CPU has a fixed window of DESCRIPTOR_AREA_PAGES pages in the hypervisor's range; its
 * GDTR always points at the start. Pages 0-13 show the running vCPU's GDT frames (or a page of
 * zeros), page 14 is the CPU's own page of hypervisor descriptors (selectors 0xe008..., the
 * TSS, the LDT descriptor), so the guest's selectors and Xen's reserved ones mean what they
 * mean under Xen. Pages 16-31 show the vCPU's LDT, each page mapped when the CPU first
 * touches it. The window is only a view: the vCPU's struct descriptor_tables holds the frames
 * and their references, and descriptor_tables_load() makes a CPU's window show a vCPU.
 */
#ifndef PARVUS_ARCH_DESCRIPTOR_TABLES_H
#define PARVUS_ARCH_DESCRIPTOR_TABLES_H

#include <stdbool.h>
#include <stdint.h>
#include <arch/cpu_tables.h>
#include <arch/regs.h>

#define DESCRIPTOR_AREA_START 0xffff820000000000ull /* L4 slot 260, as Xen's per-domain area */
#define DESCRIPTOR_AREA_PAGES 32
#define GDT_RESERVED_PAGE GDT_GUEST_PAGES /* page 14: the hypervisor's descriptors */
#define LDT_FIRST_PAGE 16
#define LDT_MAX_PAGES 16 /* 8192 descriptors */
#define LDT_MAX_ENTRIES 8192

/* One vCPU's descriptor tables. A frame number 0 means none (frame 0 is never a guest's). */
struct descriptor_tables {
	unsigned long gdt_frames[GDT_GUEST_PAGES]; /* each held by a descriptor-page reference */
	unsigned int gdt_entries;		   /* as set_gdt gave it */
	uint64_t ldt_base;			   /* MMUEXT_SET_LDT: the guest's linear address */
	unsigned int ldt_entries;
	unsigned long ldt_frames[LDT_MAX_PAGES]; /* pages mapped so far, each held likewise */
};

struct vcpu;

/* Map CPU cpu's window (reserved_page becomes its page 14); returns the GDT's address. */
uint64_t *descriptor_area_init_cpu(unsigned int cpu, uint64_t *reserved_page);

/* Entering v on this CPU: the window shows v's GDT and LDT, and the LDT is loaded. */
void descriptor_tables_load(struct vcpu *v);
/* v goes away: every frame it holds is given back and no window shows them any more. */
void descriptor_tables_destroy(struct vcpu *v);

/* set_gdt for v (current or not yet running): 0 or -XEN_EINVAL. */
int set_gdt(struct vcpu *v, const unsigned long *frames, unsigned int entries);
/* MMUEXT_SET_LDT for v (current or not yet running): 0 or -XEN_EINVAL. */
int set_ldt(struct vcpu *v, uint64_t linear_address, unsigned int entries);

/* A page fault at address, in this CPU's LDT area: the guest's LDT page is mapped there if it
 * can be (true: try again). */
bool ldt_map_page(uint64_t address);
/*
 * A guest's page fault at *address (its cr2), raised by the CPU's own access to the LDT: true
 * if the page is now mapped. Otherwise the fault becomes the guest's own, false: *address is
 * the address in the guest's LDT, or, where that is not canonical, regs becomes a #GP naming
 * the selector. Any other fault: false, nothing changed.
 */
bool ldt_fault(struct cpu_regs *regs, uint64_t *address);

/* SEGBASE_GS_USER_SEL: load %gs with selector (RPL 3; the null selector if the CPU refuses
 * it) and return the GS base it brings, the user GS base. */
uint64_t load_user_gs_selector(uint16_t selector);

#endif
