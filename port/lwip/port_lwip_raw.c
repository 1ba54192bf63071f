/*
 * port_lwip_raw.c -- see port_lwip_raw.h.
 */
#include <string.h>
#include "lwip/opt.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#if LWIP_DNS
#include "lwip/dns.h"
#endif
#include "port_base.h"
#include "port_lwip_raw.h"

#if !NO_SYS || !LWIP_TCP || !LWIP_CALLBACK_API
#error "port_lwip_raw needs NO_SYS 1, LWIP_TCP 1 and LWIP_CALLBACK_API 1"
#endif

enum {
	LWIP_RAW_FREE = 0,
	LWIP_RAW_CONNECTING,
	LWIP_RAW_OPEN,
	LWIP_RAW_PEER_CLOSED,     /* FIN seen: read what is left, then -1 */
	LWIP_RAW_FAILED,          /* reset or error: the pcb is gone */
	LWIP_RAW_LISTEN
};

static uint64_t
lr_now(struct lwip_raw_port *lp)
{
	uint32_t now = sys_now();

	/* sys_now() wraps after 49 days; widen it. */
	if (now < lp->last_now)
		lp->epoch += (uint64_t)1 << 32;
	lp->last_now = now;
	return lp->epoch + now;
}

static struct lwip_raw_conn *
lr_conn(struct lwip_raw_port *lp, int h)
{
	if (h < 0 || h >= LWIP_RAW_MAX_CONNS ||
	    lp->conns[h].state == LWIP_RAW_FREE)
		return NULL;
	return &lp->conns[h];
}

static int
lr_alloc(struct lwip_raw_port *lp)
{
	int i;

	for (i = 0; i < LWIP_RAW_MAX_CONNS; i++) {
		if (lp->conns[i].state == LWIP_RAW_FREE) {
			memset(&lp->conns[i], 0, sizeof lp->conns[i]);
			lp->conns[i].from_listener = -1;
			return i;
		}
	}
	return -1;
}

/* lwIP callbacks: they run inside lp->poll(). */
static err_t
lr_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct lwip_raw_conn *c = arg;

	(void)pcb;
	if (c == NULL) {
		if (p != NULL)
			pbuf_free(p);
		return ERR_OK;
	}
	if (p == NULL || err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		c->state = LWIP_RAW_PEER_CLOSED;
		return ERR_OK;
	}
	if (c->rx == NULL)
		c->rx = p;
	else
		pbuf_cat(c->rx, p);
	return ERR_OK;
}

static void
lr_err_cb(void *arg, err_t err)
{
	struct lwip_raw_conn *c = arg;

	(void)err;
	if (c == NULL)
		return;
	c->pcb = NULL;          /* lwIP has freed it */
	c->state = LWIP_RAW_FAILED;
}

static err_t
lr_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct lwip_raw_conn *c = arg;

	(void)pcb;
	if (c != NULL && err == ERR_OK)
		c->state = LWIP_RAW_OPEN;
	return ERR_OK;
}

static void
lr_attach(struct lwip_raw_conn *c, struct tcp_pcb *pcb)
{
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, lr_recv_cb);
	tcp_err(pcb, lr_err_cb);
}

static void
lr_release(struct lwip_raw_port *lp, struct lwip_raw_conn *c)
{
	if (c->inbound)
		lp->inbound--;
	if (c->pcb != NULL && c->state == LWIP_RAW_LISTEN) {
		tcp_arg(c->pcb, NULL);
		tcp_accept(c->pcb, NULL);
		tcp_close(c->pcb);
	} else if (c->pcb != NULL) {
		tcp_arg(c->pcb, NULL);
		tcp_recv(c->pcb, NULL);
		tcp_err(c->pcb, NULL);
		if (tcp_close(c->pcb) != ERR_OK)
			tcp_abort(c->pcb);
	}
	if (c->rx != NULL)
		pbuf_free(c->rx);
	memset(c, 0, sizeof *c);
	c->from_listener = -1;
}

#if LWIP_DNS
/* lwIP's answer to a lookup: only the name connect() waits for counts
 * (one it gave up on may answer late). */
static void
lr_dns_found(const char *name, const ip_addr_t *ip, void *arg)
{
	struct lwip_raw_port *lp = arg;

	if (lp->dns_wait == NULL || lwip_stricmp(name, lp->dns_wait) != 0)
		return;
	lp->dns_ok = ip != NULL && IP_IS_V4(ip);
	if (lp->dns_ok)
		lp->dns_addr = ip4_addr_get_u32(ip_2_ip4(ip));
	lp->dns_wait = NULL;
}
#endif

/* host as an address: numeric, or looked up (LWIP_DNS) until deadline.
 * 0, or -1 with lp->connect_error set. */
static int
lr_resolve(struct lwip_raw_port *lp, const char *host, ip_addr_t *addr,
    uint64_t deadline)
{
	if (ipaddr_aton(host, addr))
		return 0;
#if LWIP_DNS
	if (ip_addr_isany(dns_getserver(0))) {
		lp->connect_error = LWIP_RAW_CONNECT_NO_DNS;
		return -1;
	}
	lp->dns_wait = host;
	lp->dns_ok = 0;
	switch (dns_gethostbyname(host, addr, lr_dns_found, lp)) {
	case ERR_OK:                    /* cached */
		lp->dns_wait = NULL;
		return 0;
	case ERR_INPROGRESS:            /* asked, or answered already */
		break;
	default:                        /* too long, or no table entry */
		lp->dns_wait = NULL;
		lp->connect_error = LWIP_RAW_CONNECT_DNS;
		return -1;
	}
	while (lp->dns_wait != NULL && lr_now(lp) < deadline)
		lp->poll(lp->poll_ctx);
	if (lp->dns_wait != NULL) {
		lp->dns_wait = NULL;
		lp->connect_error = LWIP_RAW_CONNECT_DNS_TIMEOUT;
		return -1;
	}
	if (!lp->dns_ok) {
		lp->connect_error = LWIP_RAW_CONNECT_DNS;
		return -1;
	}
	ip_addr_set_ip4_u32(addr, lp->dns_addr);
	return 0;
#else
	(void)deadline;
	lp->connect_error = LWIP_RAW_CONNECT_NO_DNS;
	return -1;
#endif
}

static int
lr_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct lwip_raw_port *lp = ctx;
	struct lwip_raw_conn *c;
	struct tcp_pcb *pcb;
	ip_addr_t addr;
	/* The contract lets connect block, for timeout_ms at most, name
	 * lookup included. */
	uint64_t deadline = lr_now(lp) + timeout_ms;
	int h;

	if (lr_resolve(lp, host, &addr, deadline) != 0)
		return -1;
	lp->connect_error = LWIP_RAW_CONNECT_NO_SLOT;
	h = lr_alloc(lp);
	if (h < 0)
		return -1;
	pcb = tcp_new();
	if (pcb == NULL)
		return -1;
	c = &lp->conns[h];
	c->state = LWIP_RAW_CONNECTING;
	lr_attach(c, pcb);
	lp->connect_error = LWIP_RAW_CONNECT_TCP;
	if (tcp_connect(pcb, &addr, port, lr_connected_cb) != ERR_OK) {
		lr_release(lp, c);
		return -1;
	}
	while (c->state == LWIP_RAW_CONNECTING && lr_now(lp) < deadline)
		lp->poll(lp->poll_ctx);
	if (c->state != LWIP_RAW_OPEN) {
		lr_release(lp, c);
		return -1;
	}
	lp->connect_error = LWIP_RAW_CONNECT_OK;
	return h;
}

static int
lr_send(void *ctx, int h, const void *buf, size_t len)
{
	struct lwip_raw_port *lp = ctx;
	struct lwip_raw_conn *c = lr_conn(lp, h);
	uint16_t n;

	if (c == NULL || c->pcb == NULL || (c->state != LWIP_RAW_OPEN &&
	    c->state != LWIP_RAW_PEER_CLOSED))
		return -1;
	n = tcp_sndbuf(c->pcb);
	if (n > len)
		n = (uint16_t)len;
	if (n == 0 || tcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 1) {
		lp->poll(lp->poll_ctx);      /* let ACKs free the buffer */
		return 0;
	}
	if (tcp_write(c->pcb, buf, n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
		lp->poll(lp->poll_ctx);
		return 0;
	}
	tcp_output(c->pcb);
	return n;
}

static int
lr_recv(void *ctx, int h, void *buf, size_t len)
{
	struct lwip_raw_port *lp = ctx;
	struct lwip_raw_conn *c = lr_conn(lp, h);
	uint16_t n;

	if (c == NULL)
		return -1;
	if (c->rx == NULL)
		lp->poll(lp->poll_ctx);
	if (c->rx == NULL)
		return (c->state == LWIP_RAW_PEER_CLOSED ||
		    c->state == LWIP_RAW_FAILED) ? -1 : 0;
	n = c->rx->tot_len;
	if (n > len)
		n = (uint16_t)len;
	pbuf_copy_partial(c->rx, buf, n, 0);
	/* Drop what was read (whole pbufs are freed) and reopen the TCP
	 * window by as much. */
	c->rx = pbuf_free_header(c->rx, n);
	if (c->pcb != NULL)
		tcp_recved(c->pcb, n);
	return n;
}

static void
lr_close(void *ctx, int h)
{
	struct lwip_raw_conn *c = lr_conn(ctx, h);
	struct lwip_raw_port *lp = ctx;
	int i;

	if (c == NULL)
		return;
	/* A listener takes its not yet accepted connections with it. */
	if (c->state == LWIP_RAW_LISTEN)
		for (i = 0; i < LWIP_RAW_MAX_CONNS; i++)
			if (lp->conns[i].from_listener == h)
				lr_release(lp, &lp->conns[i]);
	lr_release(lp, c);
}

/* A validator connects: give it a slot, marked as not yet accepted.
 * The port has one listener at a time (the http-01 responder). */
static err_t
lr_accept_cb(void *arg, struct tcp_pcb *newpcb, err_t err)
{
	struct lwip_raw_port *lp = arg;
	int h, l;

	if (lp == NULL || newpcb == NULL || err != ERR_OK)
		return ERR_VAL;
	for (l = 0; l < LWIP_RAW_MAX_CONNS; l++)
		if (lp->conns[l].state == LWIP_RAW_LISTEN)
			break;
	h = lr_alloc(lp);
	if (h < 0 || l == LWIP_RAW_MAX_CONNS) {
		if (lp->refused < UINT16_MAX)
			lp->refused++;
		tcp_abort(newpcb);
		return ERR_ABRT;
	}
	lp->conns[h].state = LWIP_RAW_OPEN;
	lp->conns[h].from_listener = (int8_t)l;
	lp->conns[h].inbound = 1;
	if (++lp->inbound > lp->inbound_peak)
		lp->inbound_peak = lp->inbound;
	lr_attach(&lp->conns[h], newpcb);
	return ERR_OK;
}

static int
lr_listen(void *ctx, uint16_t port)
{
	struct lwip_raw_port *lp = ctx;
	struct tcp_pcb *pcb, *lpcb;
	int h = lr_alloc(lp);

	if (h < 0)
		return -1;
	pcb = tcp_new();
	if (pcb == NULL)
		return -1;
#if SO_REUSE
	ip_set_option(pcb, SOF_REUSEADDR);
#endif
	if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
		tcp_close(pcb);
		return -1;
	}
	/* The backlog counts half-open connections (SYN received, not yet
	 * ACKed).  A CA's validators connect at once from several places
	 * (Pebble three, Let's Encrypt five): with a backlog of 2 the third
	 * SYN was dropped and validation waited ~6 s for its retransmission.
	 * Every connection slot but the listener's may be half-open. */
	lpcb = tcp_listen_with_backlog(pcb, LWIP_RAW_MAX_CONNS - 1);
	if (lpcb == NULL) {
		tcp_close(pcb);
		return -1;
	}
	lp->conns[h].state = LWIP_RAW_LISTEN;
	lp->conns[h].pcb = lpcb;
	tcp_arg(lpcb, lp);
	tcp_accept(lpcb, lr_accept_cb);
	return h;
}

static int
lr_accept(void *ctx, int lh)
{
	struct lwip_raw_port *lp = ctx;
	int i;

	if (lr_conn(lp, lh) == NULL || lp->conns[lh].state != LWIP_RAW_LISTEN)
		return -1;
	lp->poll(lp->poll_ctx);
	for (i = 0; i < LWIP_RAW_MAX_CONNS; i++) {
		if (lp->conns[i].from_listener == lh) {
			lp->conns[i].from_listener = -1;
			return i;
		}
	}
	return -2;
}

static uint64_t
lr_now_ms(void *ctx)
{
	return lr_now(ctx);
}

/* Poll the network until ms have passed (bare metal: nothing else to do;
 * a board with low-power needs can WFI inside its poll). */
static void
lr_idle(void *ctx, uint32_t ms)
{
	struct lwip_raw_port *lp = ctx;
	uint64_t until = lr_now(lp) + ms;

	do {
		lp->poll(lp->poll_ctx);
	} while (lr_now(lp) < until);
}

void
lwip_raw_port_init(struct acme_port *port, struct lwip_raw_port *lp,
    const struct acme_port *base, void (*poll)(void *ctx), void *poll_ctx)
{
	int i;

	memset(lp, 0, sizeof *lp);
	lp->base = *base;
	lp->poll = poll;
	lp->poll_ctx = poll_ctx;
	for (i = 0; i < LWIP_RAW_MAX_CONNS; i++)
		lp->conns[i].from_listener = -1;
	memset(port, 0, sizeof *port);
	port->ctx = lp;
	port->connect = lr_connect;
	port->send = lr_send;
	port->recv = lr_recv;
	port->close = lr_close;
	port->listen = lr_listen;
	port->accept = lr_accept;
	port->now_ms = lr_now_ms;
	port_base_forward(port);
	port->idle = lr_idle;
}
