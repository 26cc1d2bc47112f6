/*
 * Creating and destroying a XenStore core: the configuration, Xen's default quotas, and the
 * tree every xenstored starts with (/, /tool, /tool/xenstored, owned by dom0, readable by
 * nobody else), plus the two special nodes whose permissions say who hears of domains coming
 * and going (dom0 only, to begin with).
 */
#include "core.h"

#include <string.h>

void xs_default_quotas(struct xs_quotas *quotas)
{
	quotas->nodes_per_domain = 1000;
	quotas->node_size = 2048;
	quotas->watches_per_domain = 128;
	quotas->transactions_per_domain = 10;
	quotas->perms_per_node = 5;
	quotas->transaction_nodes = 1024;
	quotas->outstanding_requests = 20;
	quotas->memory_per_domain = 2 * 1024 * 1024 + 512 * 1024;
}

static int initial_node(struct xs_core *core, const char *path, const char *child)
{
	static const struct xs_perm dom0_only = {.domid = 0, .perms = XS_PERM_NONE};
	uint32_t children_len = child != NULL ? (uint32_t)strlen(child) + 1 : 0;
	struct xs_node *node;
	int err;

	err = node_new(core, 0, false, &dom0_only, 1, NULL, 0, child, children_len, &node);
	if (err)
		return err;
	err = path_map_insert(core, &core->store, path, node, NULL);
	if (err) {
		node_put(core, node);
		return err;
	}
	domain_get(core, 0)->nodes++;
	return 0;
}

struct xs_core *xs_core_create(const struct xs_config *config)
{
	static const struct xs_quotas zero;
	static const struct xs_perm dom0_only = {.domid = 0, .perms = XS_PERM_NONE};
	struct xs_core bootstrap = {.allocator = config->allocator,
				    .memory_limit = config->memory_limit};
	struct xs_core *core = xs_alloc(&bootstrap, sizeof(*core));

	if (core == NULL)
		return NULL;
	core->allocator = config->allocator;
	core->memory_limit = config->memory_limit;
	core->live_bytes = bootstrap.live_bytes;
	core->quotas = config->quotas;
	if (memcmp(&core->quotas, &zero, sizeof(zero)) == 0)
		xs_default_quotas(&core->quotas);
	core->priv_domid = config->priv_domid;
	core->introduce_hook = config->introduce_hook;
	core->release_hook = config->release_hook;
	core->hook_opaque = config->hook_opaque;

	if (domain_get(core, 0) == NULL || path_map_init(core, &core->store) != 0)
		goto fail;
	if (initial_node(core, "/", "tool") || initial_node(core, "/tool", "xenstored") ||
	    initial_node(core, "/tool/xenstored", NULL))
		goto fail;
	if (node_new(core, 0, false, &dom0_only, 1, NULL, 0, NULL, 0, &core->special[0]) ||
	    node_new(core, 0, false, &dom0_only, 1, NULL, 0, NULL, 0, &core->special[1]))
		goto fail;
	return core;
fail:
	xs_core_destroy(core);
	return NULL;
}

void xs_core_destroy(struct xs_core *core)
{
	struct xs_core bootstrap;

	if (core == NULL)
		return;
	domain_remove_all(core); /* connections first: their transactions hold nodes */
	if (core->store.buckets != NULL)
		tree_destroy(core);
	else {
		node_put(core, core->special[0]);
		node_put(core, core->special[1]);
	}
	/* Nodes gave their charges back to domains already freed: nothing is read from them. */
	bootstrap = *core;
	xs_free(&bootstrap, core);
}

size_t xs_core_live_bytes(const struct xs_core *core)
{
	return core->live_bytes;
}
