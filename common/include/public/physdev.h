/*
 * physdev_op: what a driver domain (dom0 in Parvus) needs to drive real hardware — end of
 * interrupt, interrupt status, I/O privilege level and port bitmap, mapping physical
 * interrupts (GSIs and MSIs) to pirqs, and telling the hypervisor about PCI devices.
 * A subset of Xen's public/physdev.h, with the same names and numbers.
 */
#ifndef PARVUS_PUBLIC_PHYSDEV_H
#define PARVUS_PUBLIC_PHYSDEV_H

#include "xen.h"

/* Signal end of interrupt for a pirq, so its line can fire again. */
#define PHYSDEVOP_eoi 12
struct physdev_eoi {
	uint32_t irq;
};
typedef struct physdev_eoi physdev_eoi_t;
DEFINE_XEN_GUEST_HANDLE(physdev_eoi_t);

/*
 * Share a page with one bit per pirq that says whether it needs an EOI, sparing the
 * irq_status_query calls. Version 2 also stops the hypervisor from unmasking the
 * event channel on EOI.
 */
#define PHYSDEVOP_pirq_eoi_gmfn_v1 17
#define PHYSDEVOP_pirq_eoi_gmfn_v2 28
#define PHYSDEVOP_pirq_eoi_gmfn PHYSDEVOP_pirq_eoi_gmfn_v2
struct physdev_pirq_eoi_gmfn {
	xen_pfn_t gmfn;
};
typedef struct physdev_pirq_eoi_gmfn physdev_pirq_eoi_gmfn_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pirq_eoi_gmfn_t);

/* Does this pirq need an explicit EOI, is it shared? */
#define PHYSDEVOP_irq_status_query 5
struct physdev_irq_status_query {
	uint32_t irq;
	uint32_t flags; /* out: XENIRQSTAT_* */
};
typedef struct physdev_irq_status_query physdev_irq_status_query_t;
DEFINE_XEN_GUEST_HANDLE(physdev_irq_status_query_t);

#define _XENIRQSTAT_needs_eoi (0)
#define XENIRQSTAT_needs_eoi (1U << _XENIRQSTAT_needs_eoi)
#define _XENIRQSTAT_shared (1)
#define XENIRQSTAT_shared (1U << _XENIRQSTAT_shared)

/* The virtual I/O privilege level of the calling vCPU (0-3). */
#define PHYSDEVOP_set_iopl 6
struct physdev_set_iopl {
	uint32_t iopl;
};
typedef struct physdev_set_iopl physdev_set_iopl_t;
DEFINE_XEN_GUEST_HANDLE(physdev_set_iopl_t);

/* A TSS-style I/O permission bitmap for the calling vCPU (a set bit forbids the port). */
#define PHYSDEVOP_set_iobitmap 7
struct physdev_set_iobitmap {
	XEN_GUEST_HANDLE(uint8) bitmap;
	uint32_t nr_ports;
};
typedef struct physdev_set_iobitmap physdev_set_iobitmap_t;
DEFINE_XEN_GUEST_HANDLE(physdev_set_iobitmap_t);

/* physdev_map_pirq.type: what kind of interrupt source is being mapped. */
#define MAP_PIRQ_TYPE_MSI 0x0
#define MAP_PIRQ_TYPE_GSI 0x1
#define MAP_PIRQ_TYPE_UNKNOWN 0x2
#define MAP_PIRQ_TYPE_MSI_SEG 0x3
#define MAP_PIRQ_TYPE_MULTI_MSI 0x4

/* Give a domain a pirq for a GSI (index) or for the MSI(-X) of a PCI device. */
#define PHYSDEVOP_map_pirq 13
struct physdev_map_pirq {
	domid_t domid;
	int type;  /* MAP_PIRQ_TYPE_* */
	int index; /* GSI number, or MSI-X entry */
	int pirq;  /* in: wanted pirq or -1; out: the pirq */
	int bus;   /* bits 16-31 carry the PCI segment for the _SEG and MULTI types */
	int devfn;
	int entry_nr;	     /* number of vectors for MULTI_MSI */
	uint64_t table_base; /* MSI-X table address */
};
typedef struct physdev_map_pirq physdev_map_pirq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_map_pirq_t);

#define PHYSDEVOP_unmap_pirq 14
struct physdev_unmap_pirq {
	domid_t domid;
	int pirq;
};
typedef struct physdev_unmap_pirq physdev_unmap_pirq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_unmap_pirq_t);

/* Announce or withdraw a PCI device on segment 0 (older form of pci_device_add). */
#define PHYSDEVOP_manage_pci_add 15
#define PHYSDEVOP_manage_pci_remove 16
struct physdev_manage_pci {
	uint8_t bus;
	uint8_t devfn;
};
typedef struct physdev_manage_pci physdev_manage_pci_t;
DEFINE_XEN_GUEST_HANDLE(physdev_manage_pci_t);

/* Reprogram a device's MSI after the device was reset. */
#define PHYSDEVOP_restore_msi 19
struct physdev_restore_msi {
	uint8_t bus;
	uint8_t devfn;
};
typedef struct physdev_restore_msi physdev_restore_msi_t;
DEFINE_XEN_GUEST_HANDLE(physdev_restore_msi_t);

/* manage_pci_add for functions of multi-function or SR-IOV devices. */
#define PHYSDEVOP_manage_pci_add_ext 20
struct physdev_manage_pci_ext {
	uint8_t bus;
	uint8_t devfn;
	uint32_t is_extfn;
	uint32_t is_virtfn;
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn; /* the physical function of a virtual one */
};
typedef struct physdev_manage_pci_ext physdev_manage_pci_ext_t;
DEFINE_XEN_GUEST_HANDLE(physdev_manage_pci_ext_t);

/* Program the trigger mode and polarity of a GSI before it is mapped. */
#define PHYSDEVOP_setup_gsi 21
struct physdev_setup_gsi {
	int gsi;
	uint8_t triggering; /* 0 edge, 1 level */
	uint8_t polarity;   /* 0 active high, 1 active low */
};
typedef struct physdev_setup_gsi physdev_setup_gsi_t;
DEFINE_XEN_GUEST_HANDLE(physdev_setup_gsi_t);

/* Reserve an unused pirq number of the caller. */
#define PHYSDEVOP_get_free_pirq 23
struct physdev_get_free_pirq {
	int type;      /* MAP_PIRQ_TYPE_* */
	uint32_t pirq; /* out */
};
typedef struct physdev_get_free_pirq physdev_get_free_pirq_t;
DEFINE_XEN_GUEST_HANDLE(physdev_get_free_pirq_t);

/* physdev_pci_device_add.flags */
#define XEN_PCI_DEV_EXTFN 0x1
#define XEN_PCI_DEV_VIRTFN 0x2
#define XEN_PCI_DEV_PXM 0x4 /* optarr[0] is the device's proximity domain */

/* Announce a PCI device on any segment. */
#define PHYSDEVOP_pci_device_add 25
struct physdev_pci_device_add {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
	uint32_t flags; /* XEN_PCI_DEV_* */
	struct {
		uint8_t bus;
		uint8_t devfn;
	} physfn;
	uint32_t optarr[]; /* optional values, in the order of the flags that ask for them */
};
typedef struct physdev_pci_device_add physdev_pci_device_add_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pci_device_add_t);

/* These take a physdev_pci_device. */
#define PHYSDEVOP_pci_device_remove 26
#define PHYSDEVOP_restore_msi_ext 27
#define PHYSDEVOP_prepare_msix 30 /* before dom0 touches the MSI-X table */
#define PHYSDEVOP_release_msix 31
struct physdev_pci_device {
	uint16_t seg;
	uint8_t bus;
	uint8_t devfn;
};
typedef struct physdev_pci_device physdev_pci_device_t;
DEFINE_XEN_GUEST_HANDLE(physdev_pci_device_t);

#endif /* PARVUS_PUBLIC_PHYSDEV_H */
