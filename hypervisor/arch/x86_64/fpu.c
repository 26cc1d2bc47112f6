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

#define LEGACY_AREA_SIZE 512
#define XSAVE_HEADER_OFFSET 512 /* its first word: XSTATE_BV, the parts the area holds */
#define XSTATE_X87_SSE 3ull

/* The initial state: a zero XSAVE header says every part is in its initial state; the legacy
 * area gets FNINIT's control word and the default MXCSR for FXRSTOR. */
static void reset(struct fpu_state *state)
{
	memset(state, 0, sizeof(*state));
	*(uint16_t *)&state->area[0] = FCW_DEFAULT;
	*(uint32_t *)&state->area[MXCSR_OFFSET] = MXCSR_DEFAULT;
}

#define MXCSR_MASK_OFFSET 28 /* in an FXSAVE image: the MXCSR bits this CPU has */

/* The MXCSR bits the CPU accepts (a restore with any other set would fault), read when the
 * first state is made: at boot, before any guest has FPU state to disturb. */
static uint32_t mxcsr_mask;

static void probe_mxcsr_mask(void)
{
	static uint8_t probe[LEGACY_AREA_SIZE] __attribute__((aligned(16)));

	__asm__ volatile("clts; fxsave64 %0" : "=m"(probe) : : "memory");
	mxcsr_mask = *(uint32_t *)&probe[MXCSR_MASK_OFFSET];
	if (!mxcsr_mask)
		mxcsr_mask = 0xffbf; /* the architectural default when the CPU reports none */
}

struct fpu_state *fpu_state_alloc(void)
{
	struct page_info *page = alloc_pages(0);

	if (!page)
		return NULL;
	struct fpu_state *state = page_to_virt(page);

	if (!mxcsr_mask)
		probe_mxcsr_mask();
	reset(state);
	return state;
}

void fpu_state_load_legacy(struct fpu_state *state, const char *image)
{
	reset(state);
	if (!image)
		return;
	memcpy(state->area, image, LEGACY_AREA_SIZE);
	/* Reserved MXCSR bits would make the restore fault in the hypervisor: keep them 0. */
	*(uint32_t *)&state->area[MXCSR_OFFSET] &= mxcsr_mask;
	*(uint64_t *)&state->area[XSAVE_HEADER_OFFSET] = XSTATE_X87_SSE;
}

void fpu_state_reset_parts(struct fpu_state *state, uint64_t parts)
{
	*(uint64_t *)&state->area[XSAVE_HEADER_OFFSET] &= ~parts;
}

void fpu_state_store_legacy(const struct fpu_state *state, char *image)
{
	memcpy(image, state->area, LEGACY_AREA_SIZE);
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
