/*
 * One disk of disk = [ ... ], in xl's disk specification syntax (xl-disk-configuration(5)):
 * comma-separated positional parameters target, format, vdev, access; KEY=VALUE parameters
 * and flags in any order among them; `target=' last, taking the rest of the string; and the
 * deprecated prefixes (phy:, file:, tap:aio:, raw:, ...) of xend and xl 4.1.
 */
#ifndef PARVUS_CONFIG_DISK_SPEC_H
#define PARVUS_CONFIG_DISK_SPEC_H

#include "config_diag.h"
#include "config_value.h"
#include "domain_config.h"

/* Parses the string SPEC into *DISK; 0, or -1 after reporting an error (*DISK is then empty). */
int disk_spec_parse(const struct config_value *spec, struct config_diag *diag,
		    struct domain_disk *disk);

void domain_disk_free(struct domain_disk *disk);

#endif
