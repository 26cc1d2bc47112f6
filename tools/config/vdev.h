/*
 * Virtual block device names, as a guest sees its disks, and their Xen device numbers: the
 * integer a toolstack writes in XenStore as the device's id and "virtual-device" (Xen's
 * docs/misc/vbd-interface.txt, and libxl's reading of it).
 *
 *   xvdX, xvdXN   Xen disk X (a, b, ..., z, aa, ...) partition N:
 *                 202 << 8 | disk << 4 | part  while disk <= 15 and part <= 15,
 *                 1 << 28 | disk << 8 | part   up to disk (1 << 20) - 1, part 255
 *   dNpM          the same disk N, partition M, written as numbers
 *   hdX, hdXN     IDE disk 0..3 (a..d), partition 0..63: 3 << 8 or 22 << 8 | (disk & 1) << 6 | part
 *   sdX, sdXN     SCSI disk 0..15 (a..p), partition 0..15: 8 << 8 | disk << 4 | part
 *   a number      used as it is (decimal, 0x hex or 0 octal), up to INT_MAX
 *
 * Partition numbers have no leading zero; partition 0 is the whole disk (xvda = xvda0 is not
 * written: "xvda0" is refused, as libxl refuses it).
 */
#ifndef PARVUS_CONFIG_VDEV_H
#define PARVUS_CONFIG_VDEV_H

/* The device number of NAME, or -1 if NAME is not a virtual device name. */
long vdev_number(const char *name);

#endif
