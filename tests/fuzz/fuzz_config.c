/*
 * libFuzzer target for the domain configuration parser (tools/config). The input is a whole
 * configuration file. Whatever it holds, parsing must end without a fault or a leak, refuse the
 * file exactly when it reported an error, and put every message at a place in the file. A
 * configuration that is accepted is printed and read back: that must succeed, with no error,
 * and give the same configuration.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_diag.h"
#include "config_parse.h"
#include "domain_config.h"

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

static bool same_string(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_same(const struct domain_config *a, const struct domain_config *b)
{
	CHECK(same_string(a->name, b->name));
	CHECK(!memcmp(a->uuid, b->uuid, sizeof(a->uuid)));
	CHECK(same_string(a->kernel, b->kernel));
	CHECK(same_string(a->ramdisk, b->ramdisk));
	CHECK(same_string(a->cmdline, b->cmdline));
	CHECK(a->memory_mib == b->memory_mib && a->maxmem_mib == b->maxmem_mib);
	CHECK(a->vcpus == b->vcpus && a->maxvcpus == b->maxvcpus);
	CHECK(a->on_poweroff == b->on_poweroff && a->on_reboot == b->on_reboot &&
	      a->on_crash == b->on_crash);
	CHECK(a->disk_count == b->disk_count);
	for (size_t i = 0; i < a->disk_count; i++) {
		const struct domain_disk *x = &a->disks[i], *y = &b->disks[i];

		CHECK(same_string(x->target, y->target) && same_string(x->vdev, y->vdev));
		CHECK(x->devid == y->devid && x->format == y->format);
		CHECK(x->readonly == y->readonly && x->cdrom == y->cdrom);
		CHECK(same_string(x->backend, y->backend) && same_string(x->script, y->script));
		CHECK(x->direct_io_safe == y->direct_io_safe && x->discard == y->discard &&
		      x->trusted == y->trusted);
	}
	CHECK(a->vif_count == b->vif_count);
	for (size_t i = 0; i < a->vif_count; i++) {
		const struct domain_vif *x = &a->vifs[i], *y = &b->vifs[i];

		CHECK(!memcmp(x->mac, y->mac, sizeof(x->mac)));
		CHECK(same_string(x->bridge, y->bridge) && same_string(x->script, y->script));
		CHECK(same_string(x->ip, y->ip) && same_string(x->model, y->model));
		CHECK(same_string(x->vifname, y->vifname) && same_string(x->backend, y->backend));
		CHECK(same_string(x->gatewaydev, y->gatewaydev) && same_string(x->rate, y->rate));
		CHECK(x->rate_bytes_per_interval == y->rate_bytes_per_interval);
		CHECK(x->rate_interval_usecs == y->rate_interval_usecs);
		CHECK(x->devid == y->devid);
	}
}

static void check_places(const struct config_diag *diag, const uint8_t *data, size_t size)
{
	size_t lines = 1;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	for (size_t i = 0; i < diag->count; i++) {
		CHECK(diag->messages[i].line >= 0 && (size_t)diag->messages[i].line <= lines);
		CHECK(diag->messages[i].column >= 0);
		CHECK(diag->messages[i].line > 0 || diag->messages[i].column == 0);
	}
}

static void read_back(const struct domain_config *config)
{
	struct config_diag diag;
	struct config_file file;
	struct domain_config again;
	char *text = NULL;
	size_t length = 0;
	FILE *f = open_memstream(&text, &length);

	CHECK(f);
	domain_config_print(config, f);
	CHECK(fclose(f) == 0);
	config_diag_init(&diag, "printed");
	if (config_parse(text, length, &diag, &file) || domain_config_read(&file, &diag, &again)) {
		fprintf(stderr, "the printed configuration does not read back:\n%s", text);
		config_diag_print(&diag, stderr);
		abort();
	}
	CHECK(diag.errors == 0);
	check_same(config, &again);
	domain_config_free(&again);
	config_file_free(&file);
	config_diag_free(&diag);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct config_diag diag;
	struct config_file file;
	struct domain_config config;
	int parsed;

	if (!null)
		null = fopen("/dev/null", "w");
	config_diag_init(&diag, "fuzz.cfg");
	parsed = config_parse((const char *)data, size, &diag, &file);
	CHECK((parsed == 0) == (diag.errors == 0));
	if (parsed == 0) {
		int read = domain_config_read(&file, &diag, &config);

		CHECK((read == 0) == (diag.errors == 0));
		if (read == 0) {
			read_back(&config);
			domain_config_free(&config);
		}
	}
	check_places(&diag, data, size);
	CHECK(diag.count <= CONFIG_DIAG_MAX_MESSAGES);
	if (null)
		config_diag_print(&diag, null);
	config_file_free(&file);
	config_diag_free(&diag);
	return 0;
}
