/*
 * port_posix.h -- the picoacme port for Linux and other POSIX hosts:
 * TCP sockets with timeouts, getrandom(), CLOCK_MONOTONIC/CLOCK_REALTIME,
 * atomic file storage in one directory (temp file, fsync, rename, fsync
 * of the directory; ".key" files mode 0600), log to stderr.
 *
 * connect() keeps to its timeout from start to end, name lookup
 * included: a name (not a numeric address) is looked up by a detached
 * thread (link with -pthread), which is abandoned when the time is up
 * and frees its result when getaddrinfo() finally returns; at most four
 * such threads run at once (beyond that a lookup fails at once).  Time the
 * lookup leaves is what the TCP connect attempts share.
 *
 * send/recv wait up to io_wait_ms (250) on the client's connection, and
 * not at all on the http-01 responder's sockets, which idle() waits on.
 *
 * At most POSIX_PORT_MAX_FDS sockets (listeners and connections) are
 * open at once; beyond that connect(), listen() and accept() return -1
 * and close what they opened.
 */
#ifndef PORT_POSIX_H
#define PORT_POSIX_H

#include "port.h"

#define POSIX_PORT_MAX_FDS 16

struct posix_port {
	const char *dir;        /* storage directory */
	int verbose;            /* log INFO and DEBUG too */
	int fds[POSIX_PORT_MAX_FDS];
	unsigned char wake[POSIX_PORT_MAX_FDS];
	uint32_t io_wait_ms;    /* longest wait inside send/recv */
};

/* Fill port with the POSIX functions using pp as context.  dir must
 * exist.  */
void posix_port_init(struct acme_port *port, struct posix_port *pp,
    const char *dir, int verbose);

#endif
