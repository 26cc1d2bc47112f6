/*
 * Creating per-CPU state: a struct cpu with its stacks and descriptor tables. The boot CPU's
 * lives in static storage so that it exists before the frame allocator does; the others get
 * theirs from the frame allocator when they are started.
 */
#include <percpu.h>
#include <page_alloc.h>
#include <direct_map.h>
#include <printk.h>
#include <string.h>
#include <arch/cpu_tables.h>

struct cpu *cpus[MAX_CPUS];
unsigned int nr_cpus_online;

static struct cpu boot_cpu;
static uint64_t boot_gdt_reserved[512] __attribute__((aligned(4096)));
static uint8_t boot_ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(4096)));
static uint8_t boot_entry_stack[CPU_STACK_SIZE] __attribute__((aligned(4096)));

_Static_assert(__builtin_offsetof(struct cpu, entry_stack_top) == CPU_OFFSET_ENTRY_STACK_TOP,
	       "entry.S expects the entry stack top here");
_Static_assert(__builtin_offsetof(struct cpu, guest_rsp_scratch) == CPU_OFFSET_GUEST_RSP_SCRATCH,
	       "entry.S expects the guest rsp scratch slot here");
_Static_assert(__builtin_offsetof(struct cpu, host_context_rsp) == CPU_OFFSET_HOST_CONTEXT_RSP,
	       "entry.S expects the saved host context here");
extern uint8_t boot_stack[];

int this_cpu_id(void)
{
	return cpus[0] ? (int)this_cpu()->id : 0;
}

static void *alloc_zeroed_pages(unsigned int order)
{
	struct page_info *page = alloc_pages(order);

	if (!page)
		return NULL;
	void *memory = mfn_to_virt(page_to_mfn(page));

	memset(memory, 0, PAGE_SIZE << order);
	return memory;
}

static unsigned int order_for(unsigned long bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

struct cpu *cpu_create(unsigned int id, uint32_t apic_id)
{
	struct cpu *cpu;
	uint64_t *gdt;
	uint8_t *ist_tops[IST_COUNT];

	BUG_ON(id >= MAX_CPUS || cpus[id]);
	if (id == 0) {
		cpu = &boot_cpu;
		cpu->stack = boot_stack;
		cpu->entry_stack = boot_entry_stack;
		gdt = boot_gdt_reserved;
		for (int i = 0; i < IST_COUNT; i++)
			cpu->ist_stacks[i] = boot_ist_stacks[i];
	} else {
		cpu = alloc_zeroed_pages(order_for(sizeof(struct cpu)));
		gdt = alloc_zeroed_pages(0); /* its page of hypervisor descriptors */
		if (cpu) {
			cpu->stack = alloc_zeroed_pages(order_for(CPU_STACK_SIZE));
			cpu->entry_stack = alloc_zeroed_pages(order_for(CPU_STACK_SIZE));
		}
		for (int i = 0; cpu && i < IST_COUNT; i++)
			cpu->ist_stacks[i] = alloc_zeroed_pages(order_for(IST_STACK_SIZE));
		if (!cpu || !gdt || !cpu->stack || !cpu->entry_stack ||
		    !cpu->ist_stacks[IST_COUNT - 1])
			return NULL; /* out of memory this early: the CPU stays offline */
	}
	cpu->self = cpu;
	cpu->id = id;
	cpu->apic_id = apic_id;
	spin_lock_init(&cpu->timers.lock);
	for (int i = 0; i < IST_COUNT; i++) {
		ist_tops[i] = cpu->ist_stacks[i] + IST_STACK_SIZE - IST_TOP_RESERVED;
		*(struct cpu **)ist_tops[i] = cpu;
	}
	cpu->entry_stack_top = (uint64_t)cpu->entry_stack + CPU_STACK_SIZE;
	cpu_tables_init(&cpu->tables, id, gdt, ist_tops, cpu->entry_stack_top);
	cpus[id] = cpu;
	return cpu;
}

void cpu_activate(struct cpu *cpu)
{
	cpu_tables_load(&cpu->tables);
	write_gs_base((uint64_t)cpu);
}
