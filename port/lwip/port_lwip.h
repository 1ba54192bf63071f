/*
 * port_lwip.h -- the picoacme transport over lwIP's sockets API, for
 * firmware that runs lwIP under an RTOS (NO_SYS=0, LWIP_SOCKET=1).
 *
 * lwIP gives the byte pipe and the clock (sys_now()).  Entropy, wall
 * time, storage and log are the board's: they come from a base port the
 * caller fills in (its transport functions are replaced).
 *
 * lwIP options it needs (lwipopts.h):
 *   LWIP_SOCKET 1, LWIP_SO_RCVTIMEO 1, LWIP_SO_SNDTIMEO 1 (bounded
 *   send/recv), LWIP_POLL 1 or LWIP_SOCKET_SELECT 1 (connect timeout,
 *   idle), SO_REUSE 1 (the http-01 port is reused run after run),
 *   MEMP_NUM_NETCONN >= ACME_HTTP01_SLOTS + 3 (client, listener, the
 *   responder's slots and one connection just accepted that evicts an
 *   idle one; LWIP_PORT_MAX_SOCKS must hold as many),
 *   TCP_WND >= 4 * TCP_MSS recommended (a TLS record is 16 KB).
 *   LWIP_DNS 1 lets connect() take host names (LWIP_DNS 0: numeric
 *   IPv4 addresses only, which is what Debian's liblwip offers).
 */
#ifndef PORT_LWIP_H
#define PORT_LWIP_H

#include "port.h"

#define LWIP_PORT_MAX_SOCKS 8

struct lwip_port {
	struct acme_port base;          /* entropy, time, storage, log:
	                                 * the FIRST member (port_base.h) */
	int socks[LWIP_PORT_MAX_SOCKS];
	unsigned char wake[LWIP_PORT_MAX_SOCKS];
	uint32_t io_wait_ms;            /* SO_RCVTIMEO / SO_SNDTIMEO */
	uint32_t last_now;              /* sys_now() wrap tracking */
	uint64_t epoch;
};

/*
 * Fill port: transport, listen/accept, now_ms and idle over lwIP
 * sockets; unix_time, entropy, storage (load, load_at, store, stage,
 * commit, discard) and log from base (copied).
 * lwIP must be up (tcpip_init done, a netif configured).
 */
void lwip_port_init(struct acme_port *port, struct lwip_port *lp,
    const struct acme_port *base);

#endif
