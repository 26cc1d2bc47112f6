/*
 * Settings to a typed domain configuration (domain_config.h), with xl's rules and defaults
 * (xl_parse.c and libxl's setdefault functions are the reference):
 *   name      required
 *   type      "pv", the default (builder="generic" is the deprecated spelling); others refused
 *   kernel    required for a PV domain (Parvus has no bootloader)
 *   cmdline   wins over root and extra, which otherwise make "root=ROOT EXTRA"
 *   memory    MiB; default maxmem, else 32.  maxmem: default memory.  memory <= maxmem
 *   vcpus     default 1.  maxvcpus: default vcpus.  vcpus <= maxvcpus
 *   uuid      parsed by libuuid; a random one when not given
 *   on_poweroff destroy, on_reboot restart, on_crash destroy
 *   disk, vif lists of specs (disk_spec.c, vif_spec.c); vdevs and MACs unique
 * Numbers are read as xl reads them, with strtol base 0: a quoted "512" is a number, 0x10 is
 * 16, and 010 is 8. A key xl would ignore is a warning here too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "disk_spec.h"
#include "domain_config.h"
#include "vif_spec.h"

static const char *const supported_keys[] = {
	"name", "type",	       "builder",   "kernel",	"ramdisk", "cmdline",
	"root", "extra",       "memory",    "maxmem",	"vcpus",   "maxvcpus",
	"uuid", "on_poweroff", "on_reboot", "on_crash", "disk",	   "vif",
};

/* Settings of xl.cfg(5) that Parvus does not act on: named as such when they appear. */
static const char *const xl_only_keys[] = {
	"bootloader",
	"bootloader_args",
	"pool",
	"cpus",
	"cpus_soft",
	"cpu_weight",
	"cap",
	"on_watchdog",
	"on_soft_reset",
	"seclabel",
	"init_seclabel",
	"vfb",
	"vkb",
	"pci",
	"channel",
	"vtpm",
	"p9",
	"pvcalls",
	"vdispl",
	"vsnd",
	"usbctrl",
	"usbdev",
	"e820_host",
	"max_grant_frames",
	"max_maptrack_frames",
	"max_grant_version",
	"max_event_channels",
	"nomigrate",
	"driver_domain",
	"vnuma",
	"firmware",
	"localtime",
	"rtc_timeoffset",
	"tsc_mode",
	"iomem",
	"ioports",
	"irqs",
	"dtdev",
	"gic_version",
	"vuart",
	"hap",
	"oos",
	"claim_mode",
	"cpuid",
	"device_model_version",
	"device_model_override",
	"gfx_passthru",
	"serial",
	"soundhw",
	"vga",
	"videoram",
	"vnc",
	"sdl",
	"acpi",
	"apic",
	"pae",
	"hpet",
	"viridian",
	"shadow_memory",
	"passthrough",
	"xend_suspend_evtchn_compat",
	"altp2m",
	"nestedhvm",
	"period",
	"slice",
	"latency",
	"extratime",
	"pvh",
	"pvshim",
	"vif2",
	"rdm",
	"rdm_mem_boundary",
	"mca_caps",
	"dm_restrict",
	"device_model_user",
};

static const char *const action_names[] = {
	[DOMAIN_ACTION_DESTROY] = "destroy",
	[DOMAIN_ACTION_RESTART] = "restart",
	[DOMAIN_ACTION_RENAME_RESTART] = "rename-restart",
	[DOMAIN_ACTION_PRESERVE] = "preserve",
	[DOMAIN_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
	[DOMAIN_ACTION_COREDUMP_RESTART] = "coredump-restart",
	[DOMAIN_ACTION_SOFT_RESET] = "soft-reset",
};

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

const char *domain_action_name(enum domain_action action)
{
	if ((size_t)action < COUNT(action_names) && action_names[action])
		return action_names[action];
	return "?";
}

const char *disk_format_name(enum disk_format format)
{
	static const char *const names[] = {
		[DISK_FORMAT_RAW] = "raw",     [DISK_FORMAT_QCOW] = "qcow",
		[DISK_FORMAT_QCOW2] = "qcow2", [DISK_FORMAT_VHD] = "vhd",
		[DISK_FORMAT_QED] = "qed",     [DISK_FORMAT_EMPTY] = "empty",
	};

	if ((size_t)format < COUNT(names))
		return names[format];
	return "?";
}

/* The value of a setting that must be a string: its string, NULL if absent or (after an
 * error) a list. */
static const char *get_string(const struct config_file *file, const char *key,
			      struct config_diag *diag, const struct config_setting **where)
{
	const struct config_setting *setting = config_find(file, key);

	if (where)
		*where = setting;
	if (!setting)
		return NULL;
	if (setting->value->kind != CONFIG_STRING) {
		config_error(diag, setting->value->line, setting->value->column,
			     "`%s' must be a single value, not a list", key);
		return NULL;
	}
	return setting->value->string;
}

/* A number setting between MIN and MAX: 1 with *OUT, 0 if absent, -1 after an error. */
static int get_number(const struct config_file *file, const char *key, long min, long max,
		      struct config_diag *diag, long *out)
{
	const struct config_setting *setting = config_find(file, key);
	const struct config_value *value;
	char *end;
	long number;

	if (!setting)
		return 0;
	value = setting->value;
	if (value->kind != CONFIG_STRING) {
		config_error(diag, value->line, value->column, "`%s' must be a number, not a list",
			     key);
		return -1;
	}
	if (setting->op == CONFIG_APPEND) {
		config_error(diag, setting->line, setting->column,
			     "`+=' cannot be used with `%s': it is a number", key);
		return -1;
	}
	errno = 0;
	number = strtol(value->string, &end, 0);
	if (end == value->string || *end) {
		config_error(diag, value->line, value->column,
			     "`%s' must be a number (decimal, 0x hex or 0 octal), not `%s'", key,
			     value->string);
		return -1;
	}
	if (errno == ERANGE || number < min || number > max) {
		config_error(diag, value->line, value->column,
			     "%s = %s is out of range: it must be from %ld to %ld", key,
			     value->string, min, max);
		return -1;
	}
	*out = number;
	return 1;
}

/* The list of a setting that must be a list, or NULL (absent, or after an error). */
static const struct config_value *get_list(const struct config_file *file, const char *key,
					   struct config_diag *diag)
{
	const struct config_setting *setting = config_find(file, key);

	if (!setting)
		return NULL;
	if (setting->value->kind != CONFIG_LIST) {
		config_error(diag, setting->value->line, setting->value->column,
			     "`%s' must be a list, like %s = [ '...', '...' ]", key, key);
		return NULL;
	}
	return setting->value;
}

static int copy_string(struct config_diag *diag, char **slot, const char *value)
{
	*slot = strdup(value);
	if (*slot)
		return 0;
	config_error(diag, 0, 0, "out of memory");
	return -1;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void read_name(const struct config_file *file, struct config_diag *diag,
		      struct domain_config *config)
{
	const struct config_setting *setting;
	const char *name = get_string(file, "name", diag, &setting);
	const struct config_value *value;

	if (!name) {
		if (!setting)
			config_error(diag, 0, 0,
				     "no `name': every domain needs one, like name = \"guest\"");
		return;
	}
	value = setting->value;
	if (!*name) {
		config_error(diag, value->line, value->column, "the domain name is empty");
		return;
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			config_error(diag, value->line,
				     config_value_column_at(
					     value, (size_t)(p - (const unsigned char *)name)),
				     "the domain name holds a control character (byte 0x%02x)", *p);
			return;
		}
	}
	if (all_digits(name)) {
		config_error(diag, value->line, value->column,
			     "the domain name `%s' is a number: xl commands would take it for a "
			     "domain id",
			     name);
		return;
	}
	copy_string(diag, &config->name, name);
}

static void read_type(const struct config_file *file, struct config_diag *diag)
{
	const struct config_setting *setting;
	const char *type = get_string(file, "type", diag, &setting);
	const char *builder;

	if (type && strcmp(type, "pv")) {
		if (!strcmp(type, "hvm") || !strcmp(type, "pvh"))
			config_error(diag, setting->value->line, setting->value->column,
				     "type \"%s\" is not supported: Parvus runs PV domains only "
				     "(type = \"pv\")",
				     type);
		else
			config_error(diag, setting->value->line, setting->value->column,
				     "unknown type \"%s\": expected \"pv\" (xl also knows \"pvh\" "
				     "and \"hvm\", which Parvus does not run)",
				     type);
	}
	builder = get_string(file, "builder", diag, &setting);
	if (builder && strcmp(builder, "generic")) {
		config_error(diag, setting->value->line, setting->value->column,
			     "builder \"%s\" is not supported: Parvus runs PV domains only "
			     "(builder = \"generic\", or better type = \"pv\")",
			     builder);
	}
}

static void read_uuid(const struct config_file *file, struct config_diag *diag,
		      struct domain_config *config)
{
	const struct config_setting *setting;
	const char *text = get_string(file, "uuid", diag, &setting);

	if (!text) {
		if (!setting) {
			uuid_generate(config->uuid);
			config->uuid_generated = true;
		}
		return;
	}
	if (uuid_parse(text, config->uuid))
		config_error(diag, setting->value->line, setting->value->column,
			     "invalid uuid `%s': expected 32 hex digits grouped 8-4-4-4-12, like "
			     "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
			     text);
}

static void read_kernel(const struct config_file *file, struct config_diag *diag,
			struct domain_config *config)
{
	const struct config_setting *setting, *root_setting, *extra_setting;
	const char *kernel = get_string(file, "kernel", diag, &setting);
	const char *ramdisk, *cmdline, *root, *extra;

	if (!kernel) {
		if (!setting)
			config_error(diag, 0, 0,
				     "no `kernel': a PV domain boots the kernel it names, like "
				     "kernel = \"/boot/vmlinuz\"");
	} else if (!*kernel) {
		config_error(diag, setting->value->line, setting->value->column,
			     "the kernel path is empty");
	} else {
		copy_string(diag, &config->kernel, kernel);
	}

	ramdisk = get_string(file, "ramdisk", diag, &setting);
	if (ramdisk && !*ramdisk)
		config_error(diag, setting->value->line, setting->value->column,
			     "the ramdisk path is empty (leave ramdisk out for none)");
	else if (ramdisk)
		copy_string(diag, &config->ramdisk, ramdisk);

	cmdline = get_string(file, "cmdline", diag, &setting);
	root = get_string(file, "root", diag, &root_setting);
	extra = get_string(file, "extra", diag, &extra_setting);
	if (cmdline) {
		if (root_setting || extra_setting)
			config_warning(diag, setting->line, setting->column,
				       "ignoring root= and extra= in favour of cmdline=");
		if (*cmdline)
			copy_string(diag, &config->cmdline, cmdline);
	} else if (root && extra) {
		if (asprintf(&config->cmdline, "root=%s %s", root, extra) < 0) {
			config->cmdline = NULL;
			config_error(diag, 0, 0, "out of memory");
		}
	} else if (root) {
		if (asprintf(&config->cmdline, "root=%s", root) < 0) {
			config->cmdline = NULL;
			config_error(diag, 0, 0, "out of memory");
		}
	} else if (extra && *extra) {
		copy_string(diag, &config->cmdline, extra);
	}
}

static void read_sizes(const struct config_file *file, struct config_diag *diag,
		       struct domain_config *config)
{
	int memory = get_number(file, "memory", 1, DOMAIN_CONFIG_MAX_MEMORY_MIB, diag,
				&config->memory_mib);
	int maxmem = get_number(file, "maxmem", 1, DOMAIN_CONFIG_MAX_MEMORY_MIB, diag,
				&config->maxmem_mib);
	int vcpus = get_number(file, "vcpus", 1, DOMAIN_CONFIG_MAX_VCPUS, diag, &config->vcpus);
	int maxvcpus =
		get_number(file, "maxvcpus", 1, DOMAIN_CONFIG_MAX_VCPUS, diag, &config->maxvcpus);

	if (memory <= 0)
		config->memory_mib =
			maxmem > 0 ? config->maxmem_mib : DOMAIN_CONFIG_DEFAULT_MEMORY_MIB;
	if (maxmem <= 0)
		config->maxmem_mib = config->memory_mib;
	if (vcpus <= 0)
		config->vcpus = 1;
	if (maxvcpus <= 0)
		config->maxvcpus = config->vcpus;

	if (memory > 0 && maxmem > 0 && config->memory_mib > config->maxmem_mib) {
		const struct config_setting *setting = config_find(file, "memory");

		config_error(diag, setting->value->line, setting->value->column,
			     "memory = %ld is more than maxmem = %ld (line %d): maxmem is the most "
			     "memory the domain can ever have",
			     config->memory_mib, config->maxmem_mib,
			     config_find(file, "maxmem")->line);
	}
	if (vcpus > 0 && maxvcpus > 0 && config->vcpus > config->maxvcpus) {
		const struct config_setting *setting = config_find(file, "vcpus");

		config_error(diag, setting->value->line, setting->value->column,
			     "vcpus = %ld is more than maxvcpus = %ld (line %d): maxvcpus is the "
			     "most vCPUs the domain can ever have online",
			     config->vcpus, config->maxvcpus, config_find(file, "maxvcpus")->line);
	}
}

static enum domain_action read_action(const struct config_file *file, const char *key,
				      enum domain_action fallback, struct config_diag *diag)
{
	const struct config_setting *setting;
	const char *name = get_string(file, key, diag, &setting);

	if (!name)
		return fallback;
	for (size_t i = 0; i < COUNT(action_names); i++) {
		if (action_names[i] && !strcmp(name, action_names[i])) {
			if (i == DOMAIN_ACTION_SOFT_RESET)
				config_warning(diag, setting->value->line, setting->value->column,
					       "%s = \"soft-reset\": xl documents soft reset for "
					       "HVM guests only",
					       key);
			return (enum domain_action)i;
		}
	}
	config_error(diag, setting->value->line, setting->value->column,
		     "unknown %s action \"%s\": expected destroy, restart, rename-restart, "
		     "preserve, coredump-destroy, coredump-restart or soft-reset",
		     key, name);
	return fallback;
}

/* The string items of a list setting; an item that is a list is an error. */
static bool item_is_string(const struct config_value *item, const char *key,
			   struct config_diag *diag)
{
	if (item->kind == CONFIG_STRING)
		return true;
	config_error(diag, item->line, item->column,
		     "each entry of `%s' is a string, like '...', not a list", key);
	return false;
}

static void read_disks(const struct config_file *file, struct config_diag *diag,
		       struct domain_config *config)
{
	const struct config_value *list = get_list(file, "disk", diag);

	if (!list || !list->count)
		return;
	config->disks = calloc(list->count, sizeof(*config->disks));
	if (!config->disks) {
		config_error(diag, 0, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < list->count; i++) {
		struct domain_disk *disk = &config->disks[config->disk_count];

		if (!item_is_string(list->items[i], "disk", diag) ||
		    disk_spec_parse(list->items[i], diag, disk))
			continue;
		for (size_t j = 0; j < config->disk_count; j++) {
			const struct domain_disk *other = &config->disks[j];

			if (other->devid != disk->devid)
				continue;
			if (!strcmp(other->vdev, disk->vdev))
				config_error(
					diag, disk->line, disk->column,
					"vdev `%s' is used twice (first at line %d, column %d)",
					disk->vdev, other->line, other->column);
			else
				config_error(
					diag, disk->line, disk->column,
					"vdev `%s' is the same device (%ld) as `%s' at line %d, "
					"column %d",
					disk->vdev, disk->devid, other->vdev, other->line,
					other->column);
			break;
		}
		config->disk_count++;
	}
}

static void read_vifs(const struct config_file *file, struct config_diag *diag,
		      struct domain_config *config)
{
	const struct config_value *list = get_list(file, "vif", diag);

	if (!list || !list->count)
		return;
	config->vifs = calloc(list->count, sizeof(*config->vifs));
	if (!config->vifs) {
		config_error(diag, 0, 0, "out of memory");
		return;
	}
	for (size_t i = 0; i < list->count; i++) {
		struct domain_vif *vif = &config->vifs[config->vif_count];

		if (!item_is_string(list->items[i], "vif", diag) ||
		    vif_spec_parse(list->items[i], (long)i, diag, vif))
			continue;
		config->vif_count++;
	}
	for (size_t i = 0; i < config->vif_count; i++) {
		const struct domain_vif *vif = &config->vifs[i];

		for (size_t j = 0; j < i; j++) {
			if (config->vifs[j].devid != vif->devid)
				continue;
			config_error(diag, vif->line, vif->column,
				     "vif devid %ld is used twice (first by the vif at line %d, "
				     "column %d)",
				     vif->devid, config->vifs[j].line, config->vifs[j].column);
			break;
		}
	}
	/* Explicit MACs must differ; a generated one that collides is made again. */
	for (size_t i = 0; i < config->vif_count; i++) {
		struct domain_vif *vif = &config->vifs[i];

		for (size_t j = 0; j < i; j++) {
			const struct domain_vif *other = &config->vifs[j];

			if (memcmp(other->mac, vif->mac, sizeof(vif->mac)))
				continue;
			if (vif->mac_generated) {
				mac_address_generate(vif->mac);
				j = (size_t)-1; /* check the new one against all again */
				continue;
			}
			if (other->mac_generated) {
				mac_address_generate(config->vifs[j].mac);
				i = (size_t)-1; /* a rare collision: start over */
				break;
			}
			config_error(
				diag, vif->line, vif->column,
				"MAC address %02x:%02x:%02x:%02x:%02x:%02x is used twice (first "
				"by the vif at line %d, column %d)",
				vif->mac[0], vif->mac[1], vif->mac[2], vif->mac[3], vif->mac[4],
				vif->mac[5], other->line, other->column);
		}
	}
}

static bool in_list(const char *key, const char *const *list, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (!strcmp(key, list[i]))
			return true;
	return false;
}

/* Edit distance between A and B, or a large number when both are long. */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diagonal = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t above = row[j];
			size_t best = diagonal + (a[i - 1] != b[j - 1]);

			if (above + 1 < best)
				best = above + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diagonal = above;
		}
	}
	return row[lb];
}

static void warn_unknown_keys(const struct config_file *file, struct config_diag *diag)
{
	for (size_t i = 0; i < file->count; i++) {
		const struct config_setting *setting = &file->settings[i];
		const char *guess = NULL;

		if (in_list(setting->key, supported_keys, COUNT(supported_keys)))
			continue;
		if (in_list(setting->key, xl_only_keys, COUNT(xl_only_keys))) {
			config_warning(diag, setting->line, setting->column,
				       "`%s' is not supported by Parvus; ignored", setting->key);
			continue;
		}
		for (size_t k = 0; k < COUNT(supported_keys) && !guess; k++)
			if (distance(setting->key, supported_keys[k]) <= 2)
				guess = supported_keys[k];
		if (guess)
			config_warning(diag, setting->line, setting->column,
				       "unknown setting `%s' ignored; did you mean `%s'?",
				       setting->key, guess);
		else
			config_warning(diag, setting->line, setting->column,
				       "unknown setting `%s' ignored", setting->key);
	}
}

int domain_config_read(const struct config_file *file, struct config_diag *diag,
		       struct domain_config *config)
{
	unsigned int errors_before = diag->errors;

	memset(config, 0, sizeof(*config));
	warn_unknown_keys(file, diag);
	read_type(file, diag);
	read_name(file, diag, config);
	read_uuid(file, diag, config);
	read_kernel(file, diag, config);
	read_sizes(file, diag, config);
	config->on_poweroff = read_action(file, "on_poweroff", DOMAIN_ACTION_DESTROY, diag);
	config->on_reboot = read_action(file, "on_reboot", DOMAIN_ACTION_RESTART, diag);
	config->on_crash = read_action(file, "on_crash", DOMAIN_ACTION_DESTROY, diag);
	read_disks(file, diag, config);
	read_vifs(file, diag, config);
	if (diag->errors == errors_before)
		return 0;
	domain_config_free(config);
	return -1;
}

void domain_config_free(struct domain_config *config)
{
	free(config->name);
	free(config->kernel);
	free(config->ramdisk);
	free(config->cmdline);
	for (size_t i = 0; i < config->disk_count; i++)
		domain_disk_free(&config->disks[i]);
	free(config->disks);
	for (size_t i = 0; i < config->vif_count; i++)
		domain_vif_free(&config->vifs[i]);
	free(config->vifs);
	memset(config, 0, sizeof(*config));
}
