/*
 * port_lwip_raw.h -- the picoacme transport over lwIP's raw TCP API, for
 * bare-metal firmware (NO_SYS=1: no threads, no sockets).
 *
 * Everything runs in the caller's one thread.  lwIP calls back into this
 * port only from inside the board's poll function (driver input and
 * sys_check_timeouts()), which the port calls while the core waits:
 * from send/recv/accept once, from idle() until the time is up, and from
 * connect() until the connection is up or the timeout passes.
 *
 * Received data stays in lwIP's pbufs until the core reads it; the TCP
 * window is reopened (tcp_recved) only for what was read, so a slow
 * reader throttles the server instead of running out of memory.
 *
 * lwIP options it needs: NO_SYS 1, LWIP_TCP 1, LWIP_CALLBACK_API 1,
 * MEMP_NUM_TCP_PCB >= ACME_HTTP01_SLOTS + 2 (the client, the responder's
 * connections and one just accepted that evicts an idle one: Pebble,
 * like Let's Encrypt, validates from several perspectives at once),
 * MEMP_NUM_TCP_PCB_LISTEN >= 1, SO_REUSE 1 (rebinding the http-01 port),
 * TCP_SND_BUF >= 2 * TCP_MSS.
 *
 * Server names: a numeric IPv4 address is used as it is.  A name needs
 * LWIP_DNS 1 (and a DNS server, from DHCP or dns_setserver()); connect()
 * then looks it up with dns_gethostbyname() and polls until the answer,
 * within the same timeout_ms as the TCP handshake.  A lookup it gives up
 * on goes on inside lwIP until lwIP's own retries end; its late answer is
 * ignored (only the name being waited for counts).  connect_error says
 * why the last connect() failed; the board prints it (a name that does
 * not resolve is not a network error to retry blindly).
 *
 * The port has LWIP_RAW_MAX_CONNS slots: the listener, the client and
 * accepted connections, including those lwIP has accepted and the core
 * has not yet taken with accept().  So LWIP_RAW_MAX_CONNS must be at
 * least ACME_HTTP01_SLOTS + 3 (the firmware's app_main.c checks it).  A
 * validator connecting when all are taken is reset (the CA retries or
 * reports a connection error).
 */
#ifndef PORT_LWIP_RAW_H
#define PORT_LWIP_RAW_H

#include "port.h"

#ifndef LWIP_RAW_MAX_CONNS
#define LWIP_RAW_MAX_CONNS 6
#endif

/* Why the last connect() failed (lwip_raw_port.connect_error). */
#define LWIP_RAW_CONNECT_OK 0
#define LWIP_RAW_CONNECT_TCP 1          /* refused, reset or timed out */
#define LWIP_RAW_CONNECT_NO_SLOT 2      /* every slot or PCB taken */
#define LWIP_RAW_CONNECT_NO_DNS 3       /* a name, but no LWIP_DNS or no
                                         * DNS server */
#define LWIP_RAW_CONNECT_DNS 4          /* the name did not resolve (no
                                         * such name, or lwIP's retries
                                         * got no answer), or is too long */
#define LWIP_RAW_CONNECT_DNS_TIMEOUT 5  /* no answer within timeout_ms */

struct tcp_pcb;
struct pbuf;

struct lwip_raw_conn {
	struct tcp_pcb *pcb;
	struct pbuf *rx;          /* received, not yet read */
	uint8_t state;            /* LWIP_RAW_* */
	int8_t from_listener;     /* accepted, not yet handed out: listener */
	uint8_t inbound;          /* came through the listener */
};

struct lwip_raw_port {
	struct acme_port base;    /* unix_time, entropy, storage, log: the
	                           * FIRST member (port_base.h) */
	void (*poll)(void *ctx);  /* driver input + sys_check_timeouts() */
	void *poll_ctx;
	uint32_t last_now;
	uint64_t epoch;
	struct lwip_raw_conn conns[LWIP_RAW_MAX_CONNS];
	/* Inbound connections (the http-01 responder's): open now, the
	 * most open at once, and how many were reset for want of a slot. */
	uint8_t inbound, inbound_peak;
	uint16_t refused;
	uint8_t connect_error;    /* LWIP_RAW_CONNECT_* */
	/* The name connect() waits for (NULL: none), and its answer. */
	const char *dns_wait;
	uint8_t dns_ok;
	uint32_t dns_addr;        /* IPv4, network byte order */
};

/*
 * Fill port: transport, listen/accept, now_ms (sys_now()) and idle over
 * the raw API; unix_time, entropy, storage (load, load_at, store, stage,
 * commit, discard) and log from base.  poll
 * is the board's one-round network poll.  lwIP must be initialised and a
 * netif up.
 */
void lwip_raw_port_init(struct acme_port *port, struct lwip_raw_port *lp,
    const struct acme_port *base, void (*poll)(void *ctx), void *poll_ctx);

#endif
