/*
 * Included first in every hypervisor file (-include). The hypervisor is compiled as
 * position-independent code so that it can run at 0xffff82d040000000, outside the top 2 GiB
 * that the kernel code model needs; marking every symbol hidden tells the compiler that all of
 * them are in this one image, so it reaches them directly (RIP-relative), never through a GOT.
 */
#pragma GCC visibility push(hidden)
