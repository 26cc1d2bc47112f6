/*
 * xen_version: what a guest may ask about the hypervisor. Parvus answers as Xen 4.17 with the
 * same interface, so guests take the paths they take on Xen. Each sub-operation writes exactly
 * its ABI size, and a buffer we cannot write is -EFAULT. Feature bits are those Parvus
 * provides today (Xen 4.17 also gives a PV dom0 memory_op_vnode_supported; it is added when
 * it exists).
 */
#include <hypercall.h>
#include <cmdline.h>
#include <domain.h>
#include <arch/uaccess.h>
#include <direct_map.h>
#include <public/errno.h>
#include <public/features.h>
#include <public/version.h>
#include <public/xen.h>
#include <string.h>

#define PARVUS_XEN_MAJOR 4
#define PARVUS_XEN_MINOR 17

/* The image's GNU build-id note (linker script): name "GNU", then the id. */
extern const uint8_t build_id_note[], build_id_note_end[];

static long copy_out(uint64_t to, const void *from, size_t size)
{
	return copy_to_guest_raw(to, from, size) ? -XEN_EFAULT : 0;
}

static long copy_string_out(uint64_t to, const char *text, size_t size)
{
	char buffer[1024] = {0};

	strlcpy(buffer, text, size);
	return copy_out(to, buffer, size);
}

static uint32_t features_submap0(const struct domain *d)
{
	uint32_t features = 1u << XENFEAT_direct_mapped | /* PV: guests see machine frames */
			    1u << XENFEAT_mmu_pt_update_preserve_ad | /* mm.c */
			    1u << XENFEAT_highmem_assist | /* MMUEXT_CLEAR/COPY_PAGE */
			    1u << XENFEAT_memory_op_vnode_supported | /* XENMEM_get_vnumainfo */
			    1u << XENFEAT_gnttab_map_avail_bits;      /* grant_mapping.c */

	if (d->is_privileged)
		features |= 1u << XENFEAT_dom0;
	return features;
}

static long build_id(uint64_t arg)
{
	const uint32_t *note = (const uint32_t *)build_id_note;
	uint32_t name_size = note[0], id_size = note[1];
	const uint8_t *id = build_id_note + 12 + ((name_size + 3) & ~3u);
	struct xen_build_id request;

	if (build_id_note_end - build_id_note < 16 || id + id_size > build_id_note_end)
		return -XEN_ENODATA;
	if (arg == 0)
		return id_size;
	if (copy_from_guest_raw(&request, arg, sizeof(request)))
		return -XEN_EFAULT;
	if (request.len == 0)
		return -XEN_EINVAL;
	if (request.len < id_size)
		return -XEN_ENOBUFS;
	if (copy_to_guest_raw(arg + sizeof(request), id, id_size))
		return -XEN_EFAULT;
	return id_size;
}

long do_xen_version(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		    uint64_t unused5)
{
	struct domain *d = current_vcpu()->domain;

	(void)unused3, (void)unused4, (void)unused5;
	switch (cmd) {
	case XENVER_version:
		return (PARVUS_XEN_MAJOR << 16) | PARVUS_XEN_MINOR;
	case XENVER_extraversion:
		return copy_string_out(arg, ".0-parvus", sizeof(xen_extraversion_t));
	case XENVER_compile_info: {
		struct xen_compile_info info;

		memset(&info, 0, sizeof(info));
		strlcpy(info.compiler, "gcc " __VERSION__, sizeof(info.compiler));
		strlcpy(info.compile_by, "parvus", sizeof(info.compile_by));
		strlcpy(info.compile_date, __DATE__, sizeof(info.compile_date));
		return copy_out(arg, &info, sizeof(info));
	}
	case XENVER_capabilities:
		return copy_string_out(arg, "xen-3.0-x86_64", sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string_out(arg, "parvus 0.1", sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		struct xen_platform_parameters parameters = {.virt_start = HYPERVISOR_VIRT_START};

		return copy_out(arg, &parameters, sizeof(parameters));
	}
	case XENVER_get_features: {
		struct xen_feature_info info;

		if (copy_from_guest_raw(&info, arg, sizeof(info)))
			return -XEN_EFAULT;
		if (info.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -XEN_EINVAL;
		info.submap = info.submap_idx == 0 ? features_submap0(d) : 0;
		return copy_out(arg, &info, sizeof(info));
	}
	case XENVER_pagesize:
		return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
	case XENVER_guest_handle:
		return copy_out(arg, d->handle, sizeof(xen_domain_handle_t));
	case XENVER_commandline:
		if (!d->is_privileged) /* as Xen: only the control domain may read it */
			return -XEN_EPERM;
		return copy_string_out(arg, hypervisor_command_line(), sizeof(xen_commandline_t));
	case XENVER_build_id:
		if (!d->is_privileged)
			return -XEN_EPERM;
		return build_id(arg);
	default:
		return -XEN_ENOSYS;
	}
}
