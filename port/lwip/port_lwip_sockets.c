/*
 * port_lwip_sockets.c -- see port_lwip.h.  Uses only lwip_* calls, so it
 * builds with LWIP_COMPAT_SOCKETS 0 or 1.
 */
#include <string.h>
#include "lwip/opt.h"
#include "lwip/def.h"
#include "lwip/sockets.h"
#include "lwip/sys.h"
#include "lwip/inet.h"
#if LWIP_DNS
#include "lwip/netdb.h"
#endif
#include "port_base.h"
#include "port_lwip.h"

#if !LWIP_SOCKET || !LWIP_SO_RCVTIMEO || !LWIP_SO_SNDTIMEO
#error "port_lwip needs LWIP_SOCKET, LWIP_SO_RCVTIMEO and LWIP_SO_SNDTIMEO"
#endif

static void
lp_track(struct lwip_port *lp, int s, int add)
{
	int i;

	for (i = 0; i < LWIP_PORT_MAX_SOCKS; i++) {
		if (add && lp->socks[i] < 0) {
			lp->socks[i] = s;
			lp->wake[i] = add == 2;
			return;
		}
		if (!add && lp->socks[i] == s) {
			lp->socks[i] = -1;
			return;
		}
	}
}

static void
lp_timeouts(int s, uint32_t ms)
{
	struct timeval tv;

	tv.tv_sec = (long)(ms / 1000);
	tv.tv_usec = (long)(ms % 1000) * 1000;
	lwip_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	lwip_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* Resolve host into sin: a numeric IPv4 address as it is; a name through
 * lwip_getaddrinfo(), which exists only when the lwIP build has
 * LWIP_DNS 1 (with a DNS server from DHCP or dns_setserver()).  Debian's
 * liblwip is built without it, so picoacme-lwip takes numeric addresses
 * only: a name fails here, and connect() returns -1.  lwip_getaddrinfo()
 * blocks this thread until lwIP's resolver answers or gives up (its own
 * retries, about 7 s a server: DNS_MAX_RETRIES), not within connect's
 * timeout_ms; an RTOS build that needs the bound resolves in another task
 * or uses the raw API's dns_gethostbyname() as port_lwip_raw.c does. */
static int
lp_resolve(const char *host, uint16_t port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = lwip_htons(port);
	if (lwip_inet_pton(AF_INET, host, &sin->sin_addr) == 1)
		return 0;
#if LWIP_DNS
	{
		struct addrinfo hints, *res = NULL;

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_INET;
		hints.ai_socktype = SOCK_STREAM;
		if (lwip_getaddrinfo(host, NULL, &hints, &res) != 0 ||
		    res == NULL)
			return -1;
		sin->sin_addr =
		    ((struct sockaddr_in *)res->ai_addr)->sin_addr;
		lwip_freeaddrinfo(res);
		return 0;
	}
#else
	return -1;
#endif
}

/* Wait until s is readable (POLLIN) or writable, up to ms. */
static int
lp_wait(int s, short ev, uint32_t ms)
{
	struct pollfd p;

	p.fd = s;
	p.events = ev;
	p.revents = 0;
	return lwip_poll(&p, 1, (int)ms);
}

static int
lp_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct lwip_port *lp = ctx;
	struct sockaddr_in sin;
	int s, err = 0, fl;
	socklen_t el = sizeof err;

	if (lp_resolve(host, port, &sin) != 0)
		return -1;
	s = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	/* Non-blocking connect, so the timeout is ours, not TCP's. */
	fl = lwip_fcntl(s, F_GETFL, 0);
	lwip_fcntl(s, F_SETFL, fl | O_NONBLOCK);
	if (lwip_connect(s, (struct sockaddr *)&sin, sizeof sin) != 0 &&
	    (errno != EINPROGRESS || lp_wait(s, POLLOUT, timeout_ms) != 1 ||
	    lwip_getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &el) != 0 ||
	    err != 0)) {
		lwip_close(s);
		return -1;
	}
	lwip_fcntl(s, F_SETFL, fl & ~O_NONBLOCK);
	lp_timeouts(s, lp->io_wait_ms);
	lp_track(lp, s, 1);
	return s;
}

/* EWOULDBLOCK/EAGAIN: the SO_*TIMEO timeout passed, nothing done. */
static int
lp_again(void)
{
	return errno == EWOULDBLOCK || errno == EAGAIN || errno == EINTR;
}

static int
lp_send(void *ctx, int h, const void *buf, size_t len)
{
	ssize_t n;

	(void)ctx;
	n = lwip_send(h, buf, len, 0);
	if (n < 0)
		return lp_again() ? 0 : -1;
	return (int)n;
}

static int
lp_recv(void *ctx, int h, void *buf, size_t len)
{
	ssize_t n;

	(void)ctx;
	n = lwip_recv(h, buf, len, 0);
	if (n == 0)
		return -1;   /* peer closed */
	if (n < 0)
		return lp_again() ? 0 : -1;
	return (int)n;
}

static void
lp_close(void *ctx, int h)
{
	lp_track(ctx, h, 0);
	lwip_close(h);
}

static int
lp_listen(void *ctx, uint16_t port)
{
	struct sockaddr_in sin;
	int s, one = 1;

	s = lwip_socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	lwip_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = lwip_htons(port);
	sin.sin_addr.s_addr = lwip_htonl(INADDR_ANY);
	if (lwip_bind(s, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    lwip_listen(s, 4) != 0 ||
	    lwip_fcntl(s, F_SETFL, lwip_fcntl(s, F_GETFL, 0) | O_NONBLOCK)
	    != 0) {
		lwip_close(s);
		return -1;
	}
	lp_track(ctx, s, 2);
	return s;
}

static int
lp_accept(void *ctx, int lh)
{
	struct lwip_port *lp = ctx;
	int s = lwip_accept(lh, NULL, NULL);

	if (s < 0)
		return lp_again() || errno == ECONNABORTED ? -2 : -1;
	/* An accepted socket may inherit O_NONBLOCK: make it blocking with
	 * the bounded timeouts, like the client socket. */
	lwip_fcntl(s, F_SETFL, lwip_fcntl(s, F_GETFL, 0) & ~O_NONBLOCK);
	lp_timeouts(s, lp->io_wait_ms);
	lp_track(lp, s, 2);
	return s;
}

static uint64_t
lp_now_ms(void *ctx)
{
	struct lwip_port *lp = ctx;
	uint32_t now = sys_now();

	/* sys_now() wraps after 49 days; widen it. */
	if (now < (uint32_t)lp->last_now)
		lp->epoch += (uint64_t)1 << 32;
	lp->last_now = now;
	return lp->epoch + now;
}

static void
lp_idle(void *ctx, uint32_t ms)
{
	struct lwip_port *lp = ctx;
	struct pollfd p[LWIP_PORT_MAX_SOCKS];
	int i, n = 0;

	for (i = 0; i < LWIP_PORT_MAX_SOCKS; i++) {
		if (lp->socks[i] >= 0 && lp->wake[i]) {
			p[n].fd = lp->socks[i];
			p[n].events = POLLIN;
			p[n].revents = 0;
			n++;
		}
	}
	if (n > 0)
		lwip_poll(p, (nfds_t)n, (int)ms);
	else if (ms > 0)
		sys_msleep(ms);
}

void
lwip_port_init(struct acme_port *port, struct lwip_port *lp,
    const struct acme_port *base)
{
	int i;

	memset(lp, 0, sizeof *lp);
	lp->base = *base;
	lp->io_wait_ms = 250;
	for (i = 0; i < LWIP_PORT_MAX_SOCKS; i++)
		lp->socks[i] = -1;
	memset(port, 0, sizeof *port);
	port->ctx = lp;
	port->connect = lp_connect;
	port->send = lp_send;
	port->recv = lp_recv;
	port->close = lp_close;
	port->listen = lp_listen;
	port->accept = lp_accept;
	port->now_ms = lp_now_ms;
	port_base_forward(port);
	port->idle = lp_idle;
}
