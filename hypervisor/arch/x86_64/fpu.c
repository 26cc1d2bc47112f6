/*
 * FPU state areas: one page each, which holds the legacy 512-byte area, the XSAVE header and
 * the AVX upper halves with room to spare, and is aligned as XSAVE needs (64 bytes).
 */
#include <direct_map.h>
#include <page_alloc.h>
#include <string.h>
#include <arch/fpu.h>
#include <arch/x86.h>

#define FCW_DEFAULT 0x037f    /* every x87 exception masked, 64-bit precision */
#define MXCSR_DEFAULT 0x1f80  /* every SSE exception masked, round to nearest */
#define MXCSR_OFFSET 24	      /* in the legacy area */

struct fpu_state {
	uint8_t area[PAGE_SIZE];
};

static bool use_xsave(void)
{
	return read_cr4() & X86_CR4_OSXSAVE;
}

struct fpu_state *fpu_state_alloc(void)
{
	struct page_info *page = alloc_pages(0);

	if (!page)
		return NULL;
	struct fpu_state *state = page_to_virt(page);

	/* A zero XSAVE header says every part is in its initial state; the legacy area gets
	 * FNINIT's control word and the default MXCSR for FXRSTOR. */
	memset(state, 0, sizeof(*state));
	*(uint16_t *)&state->area[0] = FCW_DEFAULT;
	*(uint32_t *)&state->area[MXCSR_OFFSET] = MXCSR_DEFAULT;
	return state;
}

void fpu_state_free(struct fpu_state *state)
{
	if (state)
		free_pages(mfn_to_page(virt_to_mfn(state)), 0);
}

void fpu_save(struct fpu_state *state)
{
	__asm__ volatile("clts");
	if (use_xsave())
		__asm__ volatile("xsave64 %0" : "=m"(*state) : "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxsave64 %0" : "=m"(*state) : : "memory");
}

void fpu_restore(const struct fpu_state *state)
{
	__asm__ volatile("clts");
	if (use_xsave())
		__asm__ volatile("xrstor64 %0" : : "m"(*state), "a"(~0u), "d"(~0u) : "memory");
	else
		__asm__ volatile("fxrstor64 %0" : : "m"(*state) : "memory");
}
