/*
 * port_base.h -- the board's services for the lwIP ports.
 *
 * lwIP gives picoacme a byte pipe and a clock; wall time, entropy,
 * storage (load, load_at, store, and stage/commit/discard for the
 * certificate pair) and the log are the board's.  Both lwIP ports keep
 * the board's port as the FIRST member of their context, so these
 * forwarders can take the context for the base port itself (C99
 * 6.7.2.1: a pointer to a struct is a pointer to its first member).
 */
#ifndef PORT_BASE_H
#define PORT_BASE_H

#include "port.h"

/* Set port's wall-time, entropy, storage and log functions to forward
 * to the base port that is the first member of port->ctx (log and
 * load_at stay NULL when the base has none). */
void port_base_forward(struct acme_port *port);

#endif
