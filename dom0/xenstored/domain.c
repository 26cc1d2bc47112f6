/*
 * Domains as the store sees them: which are introduced (and so have a connection), and what
 * each is charged with: the nodes it owns, its watches and transactions, its requests still
 * unanswered, and the bytes of all of those. The quotas of unprivileged domains are checked
 * against these counts. A domain's record lives while it is introduced or is still charged with
 * anything; the core's list is short (one per domain the store has heard of).
 *
 * Introduction (XS_INTRODUCE or xs_core_introduce) gives a domain its connection and fires
 * @introduceDomain; release takes the connection away, deletes every node the domain owns,
 * strips it from the permissions of the others (so a later domain with the same id inherits
 * nothing) and fires @releaseDomain.
 */
#include "core.h"

#include <stdio.h>
#include <string.h>

struct xs_domain *domain_find(struct xs_core *core, unsigned int domid)
{
	struct xs_domain *d;

	for (d = core->domains; d != NULL; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

struct xs_domain *domain_get(struct xs_core *core, unsigned int domid)
{
	struct xs_domain *d = domain_find(core, domid);

	if (d != NULL)
		return d;
	d = xs_alloc(core, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->domid = domid;
	d->next = core->domains;
	core->domains = d;
	return d;
}

/* Forget a domain that is neither introduced nor charged with anything. Domain 0 stays. */
void domain_maybe_free(struct xs_core *core, struct xs_domain *d)
{
	struct xs_domain **link;

	if (d == NULL || d->domid == 0 || d->introduced || d->nodes || d->watches ||
	    d->transactions || d->outstanding || d->memory)
		return;
	for (link = &core->domains; *link != d; link = &(*link)->next)
		;
	*link = d->next;
	xs_free(core, d);
}

/*
 * Charge bytes to domid. With check, an unprivileged domain may not reach its memory quota:
 * Xen answers ENOMEM then.
 */
int domain_memory_charge(struct xs_core *core, unsigned int domid, size_t bytes, bool check)
{
	struct xs_domain *d = domain_get(core, domid);

	if (d == NULL)
		return XENSTORE_ENOMEM;
	if (check && !domid_is_privileged(core, domid) &&
	    d->memory + bytes >= core->quotas.memory_per_domain)
		return XENSTORE_ENOMEM;
	d->memory += bytes;
	return 0;
}

void domain_memory_uncharge(struct xs_core *core, unsigned int domid, size_t bytes)
{
	struct xs_domain *d = domain_find(core, domid);

	if (d == NULL)
		return;
	d->memory = d->memory > bytes ? d->memory - bytes : 0;
	domain_maybe_free(core, d);
}

/* Count delta nodes for owner domid: in the transaction's own count until it commits. */
int domain_nodes_add(struct xs_ctx *ctx, unsigned int domid, int delta)
{
	struct xs_domain *d;

	if (ctx->tx != NULL)
		return transaction_nodes_add(ctx, domid, delta);
	d = domain_get(ctx->core, domid);
	if (d == NULL)
		return XENSTORE_ENOMEM;
	if (delta < 0 && d->nodes < (unsigned int)-delta)
		d->nodes = 0;
	else
		d->nodes += (unsigned int)delta;
	domain_maybe_free(ctx->core, d);
	return 0;
}

/* The nodes domid owns as ctx sees the store (its transaction's changes included). */
unsigned int domain_nodes(struct xs_ctx *ctx, unsigned int domid)
{
	struct xs_domain *d = domain_find(ctx->core, domid);
	long count = d != NULL ? (long)d->nodes : 0;

	if (ctx->tx != NULL)
		count += transaction_nodes_delta(ctx->tx, domid);
	return count > 0 ? (unsigned int)count : 0;
}

/* Xen stops reading the ring of a domain with too much outstanding or too much memory. */
bool domain_over_quota(const struct xs_domain *d, const struct xs_quotas *quotas)
{
	return d->outstanding >= quotas->outstanding_requests ||
	       d->memory >= quotas->memory_per_domain;
}

int domain_introduce(struct xs_core *core, unsigned int domid, uint64_t mfn, uint32_t port)
{
	struct xs_domain *d = domain_get(core, domid);
	int err;

	if (d == NULL)
		return XENSTORE_ENOMEM;
	if (core->introduce_hook != NULL) {
		err = core->introduce_hook(core->hook_opaque, domid, mfn, port);
		if (err) {
			domain_maybe_free(core, d);
			return err;
		}
	}
	if (d->introduced) {
		/* Introduced again (after a resume, say): a fresh start on the same connection. */
		conn_reset(d->conn);
		return 0;
	}
	d->conn = conn_new(core, d, false);
	if (d->conn == NULL) {
		if (core->release_hook != NULL)
			core->release_hook(core->hook_opaque, domid);
		domain_maybe_free(core, d);
		return XENSTORE_ENOMEM;
	}
	d->introduced = true;
	d->shutdown = false;
	if (domid != 0)
		watch_fire_special(core, "@introduceDomain");
	return 0;
}

int domain_release(struct xs_core *core, unsigned int domid)
{
	struct xs_domain *d = domain_find(core, domid);

	if (domid == 0)
		return XENSTORE_EINVAL;
	if (d == NULL || !d->introduced)
		return XENSTORE_ENOENT;
	/* No events for the domain's own watches while its nodes go. */
	watch_remove_all(d->conn);
	conn_free(d->conn);
	d->conn = NULL;
	d->introduced = false;
	if (core->release_hook != NULL)
		core->release_hook(core->hook_opaque, domid);
	tree_remove_domain(core, domid); /* may free d: look it up again */
	watch_fire_special(core, "@releaseDomain");
	domain_maybe_free(core, domain_find(core, domid));
	return 0;
}

void domain_remove_all(struct xs_core *core)
{
	struct xs_domain *d;

	while (core->conns != NULL)
		conn_free(core->conns);
	while ((d = core->domains) != NULL) {
		core->domains = d->next;
		xs_free(core, d);
	}
}

int xs_core_introduce(struct xs_core *core, unsigned int domid, uint64_t mfn, uint32_t port)
{
	if (domid > 65535 || port == 0)
		return XENSTORE_EINVAL;
	return domain_introduce(core, domid, mfn, port);
}

int xs_core_release(struct xs_core *core, unsigned int domid)
{
	return domain_release(core, domid);
}

void xs_core_domain_shutdown(struct xs_core *core, unsigned int domid)
{
	struct xs_domain *d = domain_find(core, domid);

	if (d == NULL || !d->introduced || d->shutdown)
		return;
	d->shutdown = true;
	watch_fire_special(core, "@releaseDomain");
}

struct xs_conn *xs_core_domain_conn(struct xs_core *core, unsigned int domid)
{
	struct xs_domain *d = domain_find(core, domid);

	return d != NULL && d->introduced ? d->conn : NULL;
}
