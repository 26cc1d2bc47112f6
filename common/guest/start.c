/*
 * The C start of day of a PV kernel: called once by _start (entry.S) on the runtime's own
 * stack, with the start_info the hypervisor built. Installs the trap table, maps shared_info
 * (start_info gives only its machine address) and hands over to the kernel's guest_main.
 */
#include <parvus/guest.h>
#include <parvus/guest_traps.h>
#include <parvus/hypercall.h>

const struct start_info *guest_start_info;
struct shared_info *HYPERVISOR_shared_info;
struct guest_entry_registers guest_entry_registers;

/* Virtual space for shared_info: its own frame is given up when the mapping replaces it. */
static char shared_info_area[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void guest_start(const struct start_info *si);
void guest_start(const struct start_info *si)
{
	guest_start_info = si;
	traps_init();

	uint64_t pte = si->shared_info | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
	long rc = HYPERVISOR_update_va_mapping((unsigned long)shared_info_area, pte, UVMF_INVLPG);
	if (rc != 0)
		guest_crash("cannot map shared_info (machine address %#lx): error %ld",
			    si->shared_info, rc);
	HYPERVISOR_shared_info = (struct shared_info *)shared_info_area;

	guest_main(si);
	guest_poweroff();
}
