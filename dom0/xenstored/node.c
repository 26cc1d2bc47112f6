/*
 * Node records. A node holds its permissions, its value and the names of its children, in one
 * block. Nodes never change once the store or a transaction holds them: a write builds a new
 * one. References count who holds a node (the store, transactions that read it); the last
 * node_put() frees it and gives its bytes back to the domain charged for them.
 */
#include "core.h"

#include <string.h>

/*
 * What Xen measures against the node-size quota: its record header (24 bytes), 8 bytes per
 * permission, the value and the children's names.
 */
uint32_t node_record_size(uint32_t num_perms, uint32_t data_len, uint32_t children_len)
{
	return 24 + 8 * num_perms + data_len + children_len;
}

int node_new(struct xs_core *core, unsigned int charge_domid, bool check_quota,
	     const struct xs_perm *perms, uint32_t num_perms, const void *data, uint32_t data_len,
	     const char *children, uint32_t children_len, struct xs_node **out)
{
	size_t size = sizeof(struct xs_node) + num_perms * sizeof(struct xs_perm) + data_len +
		      children_len;
	struct xs_node *node;
	int err;

	err = domain_memory_charge(core, charge_domid, size, check_quota);
	if (err)
		return err;
	node = xs_alloc(core, size);
	if (node == NULL) {
		domain_memory_uncharge(core, charge_domid, size);
		return XENSTORE_ENOMEM;
	}
	node->refs = 1;
	node->charged_domid = charge_domid;
	node->size = size;
	node->generation = core->generation++;
	node->num_perms = num_perms;
	node->data_len = data_len;
	node->children_len = children_len;
	node->perms = (struct xs_perm *)(node + 1);
	node->data = (char *)(node->perms + num_perms);
	node->children = node->data + data_len;
	memcpy(node->perms, perms, num_perms * sizeof(struct xs_perm));
	if (data_len > 0)
		memcpy(node->data, data, data_len);
	if (children != NULL && children_len > 0)
		memcpy(node->children, children, children_len);
	*out = node;
	return 0;
}

struct xs_node *node_get(struct xs_node *node)
{
	node->refs++;
	return node;
}

void node_put(struct xs_core *core, struct xs_node *node)
{
	if (node == NULL || --node->refs > 0)
		return;
	domain_memory_uncharge(core, node->charged_domid, node->size);
	xs_free(core, node);
}

/* Move the node's charge to domid, without a quota check (a commit cannot be undone). */
void node_recharge(struct xs_core *core, struct xs_node *node, unsigned int domid)
{
	if (node->charged_domid == domid)
		return;
	domain_memory_uncharge(core, node->charged_domid, node->size);
	domain_memory_charge(core, domid, node->size, false);
	node->charged_domid = domid;
}

unsigned int node_owner(const struct xs_node *node)
{
	return node->perms[0].domid;
}

bool node_has_child(const struct xs_node *node, const char *name)
{
	uint32_t at = 0;

	while (at < node->children_len) {
		const char *child = node->children + at;

		if (strcmp(child, name) == 0)
			return true;
		at += (uint32_t)strlen(child) + 1;
	}
	return false;
}
