/*
 * xen_version: what a guest may ask about the hypervisor. Parvus answers as Xen 4.17 with the
 * same interface, so guests take the same paths they take on Xen. Sub-operations not built
 * yet answer -ENOSYS.
 */
#include <hypercall.h>
#include <arch/uaccess.h>
#include <direct_map.h>
#include <public/errno.h>
#include <public/version.h>
#include <string.h>

#define PARVUS_XEN_MAJOR 4
#define PARVUS_XEN_MINOR 17

long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		    uint64_t unused5)
{
	(void)unused3, (void)unused4, (void)unused5;

	switch (cmd) {
	case XENVER_version:
		return (PARVUS_XEN_MAJOR << 16) | PARVUS_XEN_MINOR;
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_capabilities: {
		xen_capabilities_info_t capabilities;

		memset(capabilities, 0, sizeof(capabilities));
		strlcpy(capabilities, "xen-3.0-x86_64", sizeof(capabilities));
		if (copy_to_guest_raw(arg, capabilities, sizeof(capabilities)))
			return -XEN_EFAULT;
		return 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}
