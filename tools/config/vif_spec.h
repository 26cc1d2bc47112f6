/*
 * One network interface of vif = [ ... ], in xl's syntax (xl-network-configuration(5)):
 * comma-separated KEY=VALUE pairs, all optional, a later one replacing an earlier one. An
 * unknown key is an error, as in xl. MAC addresses are checked here; one not given is made in
 * Xen's OUI 00:16:3e the way libxl makes it.
 */
#ifndef PARVUS_CONFIG_VIF_SPEC_H
#define PARVUS_CONFIG_VIF_SPEC_H

#include <stdint.h>

#include "config_diag.h"
#include "config_value.h"
#include "domain_config.h"

/* Parses the string SPEC, entry INDEX of the list, into *VIF; 0, or -1 after reporting an
 * error (*VIF is then empty). */
int vif_spec_parse(const struct config_value *spec, long index, struct config_diag *diag,
		   struct domain_vif *vif);

void domain_vif_free(struct domain_vif *vif);

/* Six groups of one or two hex digits separated by ':'; 0, or -1 if TEXT is not that. */
int mac_address_parse(const char *text, uint8_t mac[6]);

/* 00:16:3e:xx:xx:xx with random xx, the top bit of the fourth byte clear (as libxl does). */
void mac_address_generate(uint8_t mac[6]);

#endif
