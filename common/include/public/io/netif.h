/*
 * The network device protocol between netfront (in a guest) and netback (in dom0): two
 * shared rings per queue, tx (guest sends) and rx (guest receives), whose requests carry
 * grant refs of packet buffers; optional extra-info slots for segmentation offload,
 * multicast filters and hashes; and the optional control ring. A packet may span several
 * slots (NETTXF_more_data / NETRXF_more_data). Mirrors Xen's public/io/netif.h.
 */
#ifndef PARVUS_PUBLIC_IO_NETIF_H
#define PARVUS_PUBLIC_IO_NETIF_H

#include "../grant_table.h"

/* A backend must accept a packet spread over at least this many tx slots. */
#define XEN_NETIF_NR_SLOTS_MIN 18

/* Which packet headers go into the hash (control ring, SET_HASH_FLAGS). */
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV4 0
#define XEN_NETIF_CTRL_HASH_TYPE_IPV4 (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP 1
#define XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV6 2
#define XEN_NETIF_CTRL_HASH_TYPE_IPV6 (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6)
#define _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP 3
#define XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP (1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

#define XEN_NETIF_CTRL_HASH_ALGORITHM_NONE 0
#define XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ 1

/* A request on the control ring: a command and up to three arguments. */
struct xen_netif_ctrl_request {
	uint16_t id;
	uint16_t type; /* XEN_NETIF_CTRL_TYPE_* */
#define XEN_NETIF_CTRL_TYPE_INVALID 0
#define XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS 1
#define XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS 2
#define XEN_NETIF_CTRL_TYPE_SET_HASH_KEY 3
#define XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE 4
#define XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE 5
#define XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING 6
#define XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM 7
#define XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE 8
#define XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING 9
#define XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING 10
	uint32_t data[3];
};

struct xen_netif_ctrl_response {
	uint16_t id;	 /* the request's id */
	uint16_t type;	 /* the request's type */
	uint32_t status; /* XEN_NETIF_CTRL_STATUS_* */
#define XEN_NETIF_CTRL_STATUS_SUCCESS 0
#define XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED 1
#define XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER 2
#define XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW 3
	uint32_t data;
};

/* An element of the page passed with ADD_GREF_MAPPING / DEL_GREF_MAPPING. */
struct xen_netif_gref {
	grant_ref_t ref;
	uint16_t flags;
#define _XEN_NETIF_CTRLF_GREF_readonly 0
#define XEN_NETIF_CTRLF_GREF_readonly (1U << _XEN_NETIF_CTRLF_GREF_readonly)
	uint16_t status; /* out: XEN_NETIF_CTRL_STATUS_* */
};

/* netif_tx_request.flags */
#define _NETTXF_csum_blank (0)
#define NETTXF_csum_blank (1U << _NETTXF_csum_blank) /* checksum still to be filled in */
#define _NETTXF_data_validated (1)
#define NETTXF_data_validated (1U << _NETTXF_data_validated) /* checksum known good */
#define _NETTXF_more_data (2)
#define NETTXF_more_data (1U << _NETTXF_more_data) /* the packet continues in the next slot */
#define _NETTXF_extra_info (3)
#define NETTXF_extra_info (1U << _NETTXF_extra_info) /* an extra-info slot follows */

#define XEN_NETIF_MAX_TX_SIZE 0xFFFF

/*
 * One tx slot: size bytes at offset in the granted page. In the first slot of a packet,
 * size is the length of the whole packet.
 */
struct netif_tx_request {
	grant_ref_t gref;
	uint16_t offset;
	uint16_t flags; /* NETTXF_* */
	uint16_t id;	/* returned in the response */
	uint16_t size;
};
typedef struct netif_tx_request netif_tx_request_t;

/* Kinds of extra-info slot. */
#define XEN_NETIF_EXTRA_TYPE_NONE (0)
#define XEN_NETIF_EXTRA_TYPE_GSO (1)	   /* u.gso */
#define XEN_NETIF_EXTRA_TYPE_MCAST_ADD (2) /* u.mcast */
#define XEN_NETIF_EXTRA_TYPE_MCAST_DEL (3) /* u.mcast */
#define XEN_NETIF_EXTRA_TYPE_HASH (4)	   /* u.hash */
#define XEN_NETIF_EXTRA_TYPE_MAX (5)

/* netif_extra_info.flags: yet another extra-info slot follows this one. */
#define _XEN_NETIF_EXTRA_FLAG_MORE (0)
#define XEN_NETIF_EXTRA_FLAG_MORE (1U << _XEN_NETIF_EXTRA_FLAG_MORE)

/* u.gso.type */
#define XEN_NETIF_GSO_TYPE_NONE (0)
#define XEN_NETIF_GSO_TYPE_TCPV4 (1)
#define XEN_NETIF_GSO_TYPE_TCPV6 (2)

/* An extra-info slot, in the tx or rx ring in place of a request or response. */
struct netif_extra_info {
	uint8_t type;  /* XEN_NETIF_EXTRA_TYPE_* */
	uint8_t flags; /* XEN_NETIF_EXTRA_FLAG_* */
	union {
		/* Segmentation offload: cut the packet into segments of size bytes. */
		struct {
			uint16_t size;
			uint8_t type; /* XEN_NETIF_GSO_TYPE_* */
			uint8_t pad;
			uint16_t features; /* none defined yet */
		} gso;
		/* Join or leave a multicast group by its Ethernet address. */
		struct {
			uint8_t addr[6];
		} mcast;
		/* The packet's hash, as computed for receive-side steering. */
		struct {
			uint8_t type;	   /* _XEN_NETIF_CTRL_HASH_TYPE_* */
			uint8_t algorithm; /* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
			uint8_t value[4];
		} hash;
		uint16_t pad[3];
	} u;
};
typedef struct netif_extra_info netif_extra_info_t;

struct netif_tx_response {
	uint16_t id;
	int16_t status; /* NETIF_RSP_* */
};
typedef struct netif_tx_response netif_tx_response_t;

/* An empty buffer offered to the backend for a received packet. */
struct netif_rx_request {
	uint16_t id;
	uint16_t pad;
	grant_ref_t gref;
};
typedef struct netif_rx_request netif_rx_request_t;

/* netif_rx_response.flags */
#define _NETRXF_data_validated (0)
#define NETRXF_data_validated (1U << _NETRXF_data_validated)
#define _NETRXF_csum_blank (1)
#define NETRXF_csum_blank (1U << _NETRXF_csum_blank)
#define _NETRXF_more_data (2)
#define NETRXF_more_data (1U << _NETRXF_more_data)
#define _NETRXF_extra_info (3)
#define NETRXF_extra_info (1U << _NETRXF_extra_info)
#define _NETRXF_gso_prefix (4)
#define NETRXF_gso_prefix (1U << _NETRXF_gso_prefix) /* this slot holds only GSO info */

/* A received packet (or part of one): status is its length, or NETIF_RSP_* if negative. */
struct netif_rx_response {
	uint16_t id;
	uint16_t offset;
	uint16_t flags; /* NETRXF_* */
	int16_t status;
};
typedef struct netif_rx_response netif_rx_response_t;

#define NETIF_RSP_DROPPED -2
#define NETIF_RSP_ERROR -1
#define NETIF_RSP_OKAY 0
#define NETIF_RSP_NULL 1 /* a slot that carries no data (e.g. after an extra-info slot) */

#endif /* PARVUS_PUBLIC_IO_NETIF_H */
