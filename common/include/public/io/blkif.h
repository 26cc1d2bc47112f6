/*
 * The block device protocol between blkfront (in a guest) and blkback (in dom0): the
 * request and response entries of the shared ring, the operations and status codes, and
 * how data pages are passed as grant refs. Sectors are always 512 bytes, whatever the
 * disk's own sector size. The ring itself is built with the ring library (ring/).
 * Mirrors Xen's public/io/blkif.h; its XenStore keys are described in docs/.
 */
#ifndef PARVUS_PUBLIC_IO_BLKIF_H
#define PARVUS_PUBLIC_IO_BLKIF_H

#include "../grant_table.h"

/* A virtual disk's handle (its device number) and a 512-byte sector index. */
typedef uint16_t blkif_vdev_t;
typedef uint64_t blkif_sector_t;

/*
 * Operations:
 *   READ, WRITE      data between the disk and the granted segments
 *   WRITE_BARRIER    a write ordered after every earlier one and completed before any
 *                    later one (only if the backend offers feature-barrier)
 *   FLUSH_DISKCACHE  make every completed write durable (feature-flush-cache); may carry
 *                    data like a write, or none
 *   DISCARD          the sectors' contents are no longer needed (feature-discard); uses
 *                    struct blkif_request_discard
 *   INDIRECT         a read or write whose segments are listed in separate granted pages
 *                    (feature-max-indirect-segments); uses struct blkif_request_indirect
 */
#define BLKIF_OP_READ 0
#define BLKIF_OP_WRITE 1
#define BLKIF_OP_WRITE_BARRIER 2
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_OP_RESERVED_1 4 /* was used by a vendor extension; never reuse */
#define BLKIF_OP_DISCARD 5
#define BLKIF_OP_INDIRECT 6

/* Segments that fit in a direct request, and indirect pages in an indirect one. */
#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8

/* One piece of I/O: sectors first_sect..last_sect (inclusive) of a granted page. */
struct blkif_request_segment {
	grant_ref_t gref;
	uint8_t first_sect, last_sect;
};

/* An indirect page holds this many segment descriptors. */
#define BLKIF_SEGS_PER_INDIRECT_FRAME (XEN_PAGE_SIZE / sizeof(struct blkif_request_segment))

/* READ, WRITE, WRITE_BARRIER and FLUSH_DISKCACHE. */
struct blkif_request {
	uint8_t operation;   /* BLKIF_OP_* */
	uint8_t nr_segments; /* 0..BLKIF_MAX_SEGMENTS_PER_REQUEST */
	blkif_vdev_t handle;
	uint64_t id;		      /* chosen by the frontend, returned in the response */
	blkif_sector_t sector_number; /* first sector on the disk */
	struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};
typedef struct blkif_request blkif_request_t;

/* DISCARD: nr_sectors from sector_number. */
struct blkif_request_discard {
	uint8_t operation; /* BLKIF_OP_DISCARD */
	uint8_t flag;
#define BLKIF_DISCARD_SECURE (1 << 0) /* erase securely; only with discard-secure */
	blkif_vdev_t handle;
	uint64_t id;
	blkif_sector_t sector_number;
	uint64_t nr_sectors;
};
typedef struct blkif_request_discard blkif_request_discard_t;

/*
 * INDIRECT: nr_segments descriptors (up to the backend's feature-max-indirect-segments)
 * packed into the pages named by indirect_grefs, BLKIF_SEGS_PER_INDIRECT_FRAME per page.
 */
struct blkif_request_indirect {
	uint8_t operation;   /* BLKIF_OP_INDIRECT */
	uint8_t indirect_op; /* BLKIF_OP_READ or BLKIF_OP_WRITE */
	uint16_t nr_segments;
	uint64_t id;
	blkif_sector_t sector_number;
	blkif_vdev_t handle;
	grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};
typedef struct blkif_request_indirect blkif_request_indirect_t;

struct blkif_response {
	uint64_t id;	   /* the request's id */
	uint8_t operation; /* the request's operation */
	int16_t status;	   /* BLKIF_RSP_* */
};
typedef struct blkif_response blkif_response_t;

#define BLKIF_RSP_EOPNOTSUPP -2 /* the operation is not supported */
#define BLKIF_RSP_ERROR -1	/* it failed */
#define BLKIF_RSP_OKAY 0

/* Bits of the backend's "info" node. */
#define VDISK_CDROM 0x1
#define VDISK_REMOVABLE 0x2
#define VDISK_READONLY 0x4

#endif /* PARVUS_PUBLIC_IO_BLKIF_H */
