/*
 * sysctl (hypercall 35): the privileged domain asks about the machine (physinfo), reads the
 * hypervisor's console ring (readconsole) and lists domains (getdomaininfolist). Version
 * (-EACCES) and privilege (-EPERM) are checked first, as in Xen 4.17.
 */
#include <console.h>
#include <domain.h>
#include <hypercall.h>
#include <page_alloc.h>
#include <percpu.h>
#include <string.h>
#include <system_time.h>
#include <arch/cpu_features.h>
#include <arch/uaccess.h>
#include <public/domctl.h>
#include <public/errno.h>
#include <public/sysctl.h>
#include <public/xen.h>

#define READCONSOLE_CHUNK 256

static long readconsole(struct xen_sysctl_readconsole *rc)
{
	static uint64_t position; /* absolute, as console_ring_read_at counts */
	char chunk[READCONSOLE_CHUNK];
	uint32_t done = 0;
	/* Xen's index is 32 bits of the same count. */
	uint64_t at = rc->incremental ? (position & ~0xffffffffull) | rc->index : 0;

	while (done < rc->count) {
		uint32_t want = rc->count - done < sizeof(chunk) ? rc->count - done : sizeof(chunk);
		size_t got = console_ring_read_at(&at, chunk, want, !rc->incremental && done == 0);

		if (!got)
			break;
		if (copy_to_guest_raw((uint64_t)rc->buffer.p + done, chunk, got))
			return -XEN_EFAULT;
		done += (uint32_t)got;
	}
	if (rc->clear)
		console_ring_clear(at); /* what was read is dropped, as in Xen */
	position = at;
	rc->index = (uint32_t)at;
	rc->count = done;
	return 0;
}

static void physinfo(struct xen_sysctl_physinfo *info)
{
	memset(info, 0, sizeof(*info));
	info->threads_per_core = 1;
	info->cores_per_socket = nr_cpus_online;
	info->nr_cpus = nr_cpus_online;
	info->max_cpu_id = MAX_CPUS - 1;
	info->nr_nodes = 1;
	info->max_node_id = 0;
	info->cpu_khz = (uint32_t)(time_calibration.tsc_hz / 1000);
	info->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
	info->total_pages = page_alloc_total_frames();
	info->free_pages = page_alloc_free_frames();
	info->max_mfn = frame_table_size - 1;
	/* Xen's feature words: CPUID 1 edx, ecx; 0x80000001 edx, ecx; (4: 0xd.1 eax, not kept);
	 * 7.0 ebx, ecx. */
	info->hw_cap[0] = boot_cpu_features.leaf1_edx;
	info->hw_cap[1] = boot_cpu_features.leaf1_ecx;
	info->hw_cap[2] = boot_cpu_features.ext1_edx;
	info->hw_cap[3] = boot_cpu_features.ext1_ecx;
	info->hw_cap[5] = boot_cpu_features.leaf7_ebx;
	info->hw_cap[6] = boot_cpu_features.leaf7_ecx;
}

static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *list)
{
	uint32_t n = 0;
	domid_t next = list->first_domain;

	while (n < list->max_domains) {
		struct domain *d = domain_next(next);
		struct xen_domctl_getdomaininfo info;

		if (!d)
			break;
		domain_info(d, &info);
		if (copy_to_guest_raw((uint64_t)list->buffer.p + n * sizeof(info), &info,
				      sizeof(info)))
			return -XEN_EFAULT;
		n++;
		if (d->domain_id == 0xffff)
			break;
		next = d->domain_id + 1;
	}
	list->num_domains = n;
	return 0;
}

long do_sysctl(uint64_t arg, uint64_t unused2, uint64_t unused3, uint64_t unused4,
	       uint64_t unused5)
{
	struct xen_sysctl op;
	long rc;

	(void)unused2, (void)unused3, (void)unused4, (void)unused5;
	if (copy_from_guest_raw(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
		return -XEN_EACCES;
	if (!current_vcpu()->domain->is_privileged)
		return -XEN_EPERM;
	switch (op.cmd) {
	case XEN_SYSCTL_readconsole:
		rc = readconsole(&op.u.readconsole);
		break;
	case XEN_SYSCTL_physinfo:
		physinfo(&op.u.physinfo);
		rc = 0;
		break;
	case XEN_SYSCTL_getdomaininfolist:
		rc = getdomaininfolist(&op.u.getdomaininfolist);
		break;
	default:
		return -XEN_ENOSYS;
	}
	if (rc == 0 && copy_to_guest_raw(arg, &op, sizeof(op)))
		return -XEN_EFAULT;
	return rc;
}
