/*
 * The hypercall page: one stub per hypercall, 32 bytes apart, that a PV kernel calls instead of
 * making the SYSCALL itself (the builder fills the page its HYPERCALL_PAGE note names: for dom0,
 * dom0_build.c; for the others, the toolstack through XEN_DOMCTL_hypercall_init).
 */
#include <hypercall.h>
#include <string.h>
#include <public/xen.h>

#define PAGE_BYTES 4096

/*
 * Xen's 64-bit hypercall stubs: save rcx and r11 (SYSCALL overwrites them), call, return.
 * iret's stub is different: the guest jumps to it with an iret frame on its stack, and it
 * pushes rax too, completing struct iret_context; it never returns.
 */
void hypercall_page_fill(uint8_t *page)
{
	memset(page, 0xcc, PAGE_BYTES); /* int3 between stubs */
	for (unsigned int n = 0; n < PAGE_BYTES / 32; n++) {
		const uint8_t stub[] = {0x51, 0x41, 0x53, 0xb8, (uint8_t)n, 0, 0, 0,
					0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3};
		const uint8_t iret_stub[] = {0x51, 0x41, 0x53, 0x50, 0xb8, (uint8_t)n,
					     0,	   0,	 0,    0x0f, 0x05};

		if (n == __HYPERVISOR_iret)
			memcpy(page + n * 32, iret_stub, sizeof(iret_stub));
		else
			memcpy(page + n * 32, stub, sizeof(stub));
	}
}
