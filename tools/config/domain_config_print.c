/*
 * A domain configuration written back in xl syntax (domain_config.h), with every default
 * spelled out and disks and vifs in one canonical form: what `parvus-config-check' shows, and a
 * file that parses to the same configuration. Values that were generated (uuid, MACs) say so
 * in a comment.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "domain_config.h"

/* A double-quoted string with the escapes the lexer reads back. */
static void print_quoted(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\x%02x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void print_string_setting(FILE *out, const char *key, const char *value)
{
	fprintf(out, "%s = ", key);
	print_quoted(out, value);
	fputc('\n', out);
}

/* One disk as a canonical spec string; target last, since target= takes the rest. */
static void print_disk(FILE *out, const struct domain_disk *disk)
{
	char *spec = NULL;
	size_t size = 0;
	FILE *s = open_memstream(&spec, &size);

	if (!s)
		return;
	fprintf(s, "format=%s, vdev=%s, access=%s", disk_format_name(disk->format), disk->vdev,
		disk->readonly ? "ro" : "rw");
	if (disk->cdrom)
		fputs(", devtype=cdrom", s);
	if (disk->backend)
		fprintf(s, ", backend=%s", disk->backend);
	if (disk->script)
		fprintf(s, ", script=%s", disk->script);
	if (disk->direct_io_safe)
		fputs(", direct-io-safe", s);
	if (disk->discard != TRISTATE_DEFAULT)
		fputs(disk->discard == TRISTATE_TRUE ? ", discard" : ", no-discard", s);
	if (disk->trusted != TRISTATE_DEFAULT)
		fputs(disk->trusted == TRISTATE_TRUE ? ", trusted" : ", untrusted", s);
	if (disk->target) {
		size_t length = strlen(disk->target);

		/* target= takes the rest of the spec but one trailing comma */
		fprintf(s, ", target=%s%s", disk->target,
			length && disk->target[length - 1] == ',' ? "," : "");
	}
	fclose(s);
	fputs("    ", out);
	print_quoted(out, spec);
	fprintf(out, ", # device %ld\n", disk->devid);
	free(spec);
}

static void print_vif(FILE *out, const struct domain_vif *vif)
{
	char *spec = NULL;
	size_t size = 0;
	FILE *s = open_memstream(&spec, &size);

	if (!s)
		return;
	fprintf(s, "mac=%02x:%02x:%02x:%02x:%02x:%02x, bridge=%s, script=%s", vif->mac[0],
		vif->mac[1], vif->mac[2], vif->mac[3], vif->mac[4], vif->mac[5], vif->bridge,
		vif->script);
	if (vif->ip)
		fprintf(s, ", ip=%s", vif->ip);
	if (vif->model)
		fprintf(s, ", model=%s", vif->model);
	if (vif->vifname)
		fprintf(s, ", vifname=%s", vif->vifname);
	if (vif->backend)
		fprintf(s, ", backend=%s", vif->backend);
	if (vif->gatewaydev)
		fprintf(s, ", gatewaydev=%s", vif->gatewaydev);
	if (vif->rate)
		fprintf(s, ", rate=%s", vif->rate);
	if (vif->devid_given)
		fprintf(s, ", devid=%ld", vif->devid);
	fclose(s);
	fputs("    ", out);
	print_quoted(out, spec);
	fprintf(out, ",%s\n", vif->mac_generated ? " # MAC generated" : "");
	free(spec);
}

void domain_config_print(const struct domain_config *config, FILE *out)
{
	char uuid[37];

	print_string_setting(out, "name", config->name);
	uuid_unparse_lower(config->uuid, uuid);
	fprintf(out, "uuid = \"%s\"%s\n", uuid, config->uuid_generated ? " # generated" : "");
	fputs("type = \"pv\"\n", out);
	print_string_setting(out, "kernel", config->kernel);
	if (config->ramdisk)
		print_string_setting(out, "ramdisk", config->ramdisk);
	if (config->cmdline)
		print_string_setting(out, "cmdline", config->cmdline);
	fprintf(out, "memory = %ld\n", config->memory_mib);
	fprintf(out, "maxmem = %ld\n", config->maxmem_mib);
	fprintf(out, "vcpus = %ld\n", config->vcpus);
	fprintf(out, "maxvcpus = %ld\n", config->maxvcpus);
	fprintf(out, "on_poweroff = \"%s\"\n", domain_action_name(config->on_poweroff));
	fprintf(out, "on_reboot = \"%s\"\n", domain_action_name(config->on_reboot));
	fprintf(out, "on_crash = \"%s\"\n", domain_action_name(config->on_crash));
	fputs("disk = [\n", out);
	for (size_t i = 0; i < config->disk_count; i++)
		print_disk(out, &config->disks[i]);
	fputs("]\n", out);
	fputs("vif = [\n", out);
	for (size_t i = 0; i < config->vif_count; i++)
		print_vif(out, &config->vifs[i]);
	fputs("]\n", out);
}
