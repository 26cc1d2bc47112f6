/*
 * The PV guest runtime (common/guest/): what a small 64-bit PV kernel built on it gets.
 *
 * The hypervisor enters _start (entry.S) with rsi = start_info; the runtime switches to its
 * own stack, installs a trap table, maps shared_info and calls the kernel's guest_main().
 * Returning from guest_main powers the domain off. dom0 and guest-pv will grow from here;
 * the test kernels in tests/guests/ use it today.
 */
#ifndef PARVUS_GUEST_H
#define PARVUS_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <public/xen.h>

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12

/* Bits of an x86-64 page-table entry. */
#define _PAGE_PRESENT 0x001UL
#define _PAGE_RW 0x002UL
#define _PAGE_USER 0x004UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY 0x040UL
#define _PAGE_PSE 0x080UL
#define _PAGE_NX (1UL << 63)
#define PTE_ADDRESS_MASK 0x000ffffffffff000UL

/* The kernel's entry point after the runtime's start of day. */
void guest_main(const struct start_info *si);

/* Set at entry, before anything else runs. */
extern const struct start_info *guest_start_info;
extern struct shared_info *HYPERVISOR_shared_info;

/*
 * The registers the hypervisor entered _start with, recorded before they change, so a test
 * can check the entry contract (rsi, rsp, segments, flags).
 */
struct guest_entry_registers {
	uint64_t rsp, rsi, rflags;
	uint64_t cs, ss, ds, es, fs, gs;
};
extern struct guest_entry_registers guest_entry_registers;

/* The image as linked (common/guest/guest.ld). */
extern char guest_image_start[], guest_image_end[], guest_bss_start[], guest_bss_end[];

/* cmdline.c: the command line, and whether it holds word (a whole space-separated word). */
const char *guest_cmdline(void);
bool guest_cmdline_has(const char *word);
/* The number in a word NAME=VALUE (decimal, or hex with 0x); false if absent or not a number. */
bool guest_cmdline_number(const char *name, unsigned long *value);

/*
 * console.c: output, line-buffered by printf: through console_io (CONSOLEIO_write) for dom0,
 * onto the console ring page of start_info.console.domU for other domains.
 */
long console_write(const char *text, size_t length);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* shutdown.c: leave through sched_op(SCHEDOP_shutdown). */
__attribute__((noreturn)) void guest_shutdown(unsigned int reason);
__attribute__((noreturn)) void guest_poweroff(void);
__attribute__((noreturn, format(printf, 1, 2))) void guest_crash(const char *fmt, ...);

/* The pseudo-physical frame and the machine frame behind a virtual address. */
unsigned long virt_to_pfn(const void *va);
unsigned long virt_to_mfn(const void *va);
/* machine address -> virtual, for frames inside the initial mapping (or 0). */
void *mfn_to_virt(unsigned long mfn);

/*
 * The page-table entry that maps va in the current address space, found by walking the
 * tables from pt_base with the machine-to-phys table; 0 when some level is not present.
 * level_out, if given, receives the level the walk stopped at (1 = L1 entry returned).
 */
uint64_t guest_lookup_pte(unsigned long va, int *level_out);

/*
 * The machine address of the L1 entry that maps va (a 4 KiB page of the initial mapping), as
 * mmu_update's MMU_NORMAL_PT_UPDATE wants it; 0 when va is not mapped that way.
 */
uint64_t guest_l1_entry_maddr(unsigned long va);

#endif /* PARVUS_GUEST_H */
