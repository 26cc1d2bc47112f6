/*
 * The typed configuration of one PV domain, read from an xl-style configuration file: what
 * `parvus create' needs to build and run it. domain_config_read() turns parsed settings
 * (config_parse.h) into this structure with xl's defaults and xl's rules, then checks the
 * settings against each other. Every problem is reported in the diagnostics; a configuration
 * with any error is not returned.
 */
#ifndef PARVUS_DOMAIN_CONFIG_H
#define PARVUS_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_diag.h"
#include "config_parse.h"

/* Parvus's limit on vCPUs per domain (DOMAIN_MAX_VCPUS in hypervisor/include/domain.h). */
#define DOMAIN_CONFIG_MAX_VCPUS 64
/* memory and maxmem, in MiB: 1 TiB is far beyond any machine Parvus runs on. */
#define DOMAIN_CONFIG_MAX_MEMORY_MIB (1024L * 1024)
/* libxl's default when neither memory nor maxmem is given. */
#define DOMAIN_CONFIG_DEFAULT_MEMORY_MIB 32

/* What to do when the domain shuts down for a reason; xl's names, libxl's numbering. */
enum domain_action {
	DOMAIN_ACTION_DESTROY = 1,
	DOMAIN_ACTION_RESTART,
	DOMAIN_ACTION_RENAME_RESTART,
	DOMAIN_ACTION_PRESERVE,
	DOMAIN_ACTION_COREDUMP_DESTROY,
	DOMAIN_ACTION_COREDUMP_RESTART,
	DOMAIN_ACTION_SOFT_RESET,
};

const char *domain_action_name(enum domain_action action);

enum disk_format {
	DISK_FORMAT_RAW,
	DISK_FORMAT_QCOW,
	DISK_FORMAT_QCOW2,
	DISK_FORMAT_VHD,
	DISK_FORMAT_QED,
	DISK_FORMAT_EMPTY, /* a CD-ROM drive without a disc */
};

const char *disk_format_name(enum disk_format format);

/* Unset, or set true or false, for flags whose default is the backend's to choose. */
enum tristate { TRISTATE_DEFAULT, TRISTATE_FALSE, TRISTATE_TRUE };

/* One entry of disk = [ ... ] (xl-disk-configuration(5)). */
struct domain_disk {
	char *target; /* the image or volume; NULL for an empty CD-ROM drive */
	enum disk_format format;
	char *vdev; /* as written: xvda, hda, sdb1, d0p1, 51712 */
	long devid; /* its Xen virtual-device number (vdev.h) */
	bool readonly;
	bool cdrom;
	char *backend; /* backend domain name; NULL: dom0 */
	char *script;  /* block script; NULL: none */
	bool direct_io_safe;
	enum tristate discard;
	enum tristate trusted;
	int line; /* of the spec string, for messages */
	int column;
};

/* One entry of vif = [ ... ] (xl-network-configuration(5)). */
struct domain_vif {
	uint8_t mac[6];
	bool mac_generated;
	char *bridge;  /* default "xenbr0" */
	char *ip;      /* NULL: none */
	char *script;  /* default "vif-bridge" */
	char *model;   /* kept, but a PV vif has no emulated model */
	char *vifname; /* backend interface name; NULL: vifDOMID.DEVID */
	char *backend; /* backend domain name; NULL: dom0 */
	char *gatewaydev;
	char *rate; /* as written, NULL: unlimited */
	uint64_t rate_bytes_per_interval;
	uint32_t rate_interval_usecs;
	long devid; /* default: its index in the list */
	bool devid_given;
	int line;
	int column;
};

struct domain_config {
	char *name;
	uint8_t uuid[16];
	bool uuid_generated;
	char *kernel;
	char *ramdisk; /* NULL: none */
	char *cmdline; /* from cmdline, or root and extra; NULL: empty */
	long memory_mib;
	long maxmem_mib;
	long vcpus;
	long maxvcpus;
	enum domain_action on_poweroff;
	enum domain_action on_reboot;
	enum domain_action on_crash;
	struct domain_disk *disks;
	size_t disk_count;
	struct domain_vif *vifs;
	size_t vif_count;
};

/* Fills CONFIG from FILE; 0, or -1 when DIAG got any error (CONFIG is then empty). */
int domain_config_read(const struct config_file *file, struct config_diag *diag,
		       struct domain_config *config);

void domain_config_free(struct domain_config *config);

/* Writes CONFIG in xl syntax, every default made explicit: a file that reads back the same. */
void domain_config_print(const struct domain_config *config, FILE *out);

#endif
