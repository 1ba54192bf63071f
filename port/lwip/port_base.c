/*
 * port_base.c -- see port_base.h.
 */
#include "port_base.h"

static uint64_t
pb_unix_time(void *ctx)
{
	const struct acme_port *b = ctx;

	return b->unix_time(b->ctx);
}

static int
pb_entropy(void *ctx, void *buf, size_t len)
{
	const struct acme_port *b = ctx;

	return b->entropy(b->ctx, buf, len);
}

static long
pb_load(void *ctx, const char *name, void *buf, size_t cap)
{
	const struct acme_port *b = ctx;

	return b->load(b->ctx, name, buf, cap);
}

static long
pb_load_at(void *ctx, const char *name, size_t offset, void *buf,
    size_t cap)
{
	const struct acme_port *b = ctx;

	return b->load_at(b->ctx, name, offset, buf, cap);
}

static int
pb_store(void *ctx, const char *name, const void *buf, size_t len)
{
	const struct acme_port *b = ctx;

	return b->store(b->ctx, name, buf, len);
}

static int
pb_stage(void *ctx, const char *name, const void *buf, size_t len)
{
	const struct acme_port *b = ctx;

	return b->stage != NULL ? b->stage(b->ctx, name, buf, len) : -1;
}

static int
pb_commit(void *ctx)
{
	const struct acme_port *b = ctx;

	return b->commit != NULL ? b->commit(b->ctx) : -1;
}

static void
pb_discard(void *ctx)
{
	const struct acme_port *b = ctx;

	if (b->discard != NULL)
		b->discard(b->ctx);
}

static void
pb_log(void *ctx, int level, const char *msg)
{
	const struct acme_port *b = ctx;

	b->log(b->ctx, level, msg);
}

void
port_base_forward(struct acme_port *port)
{
	const struct acme_port *b = port->ctx;

	port->unix_time = pb_unix_time;
	port->entropy = pb_entropy;
	port->load = pb_load;
	/* none in the base: acme_init() refuses the port, rather than every
	 * boot finding the stored chain unreadable and renewing it */
	port->load_at = b->load_at != NULL ? pb_load_at : NULL;
	port->store = pb_store;
	port->stage = pb_stage;
	port->commit = pb_commit;
	port->discard = pb_discard;
	port->log = b->log != NULL ? pb_log : NULL;
}
