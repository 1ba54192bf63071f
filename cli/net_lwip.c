/*
 * net_lwip.c -- the picoacme command on lwIP (Debian's liblwip, NO_SYS=0,
 * pthreads) over a TAP device: the same core and state machine, with
 * every ACME and http-01 byte going through lwIP's own TCP stack.  Files,
 * time, entropy and log still come from the POSIX port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lwip/opt.h"
#include "lwip/init.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "tap_netif.h"
#include "net.h"
#include "lwip/port_lwip.h"
#include "posix/port_posix.h"

static struct posix_port pp;

const char cli_net_usage[] =
"lwIP build (picoacme-lwip):\n"
"  --lwip-tap IFACE  an existing TAP device for lwIP (default tap0)\n"
"  --lwip-addr A/N   lwIP's IPv4 address and prefix, e.g. 10.55.0.2/24\n"
"  --lwip-gw A       the gateway (default: none)\n"
"  The server URL must use a numeric IPv4 address: this lwIP build has\n"
"  no DNS (LWIP_DNS 0).\n";

static const char *tap = "tap0";
static ip4_addr_t addr, mask, gw;
static int have_addr;

int
cli_net_option(const char *opt, const char *val, char *err, size_t errcap)
{
	if (strcmp(opt, "--lwip-tap") == 0) {
		tap = val;
		return 1;
	}
	if (strcmp(opt, "--lwip-addr") == 0) {
		char a[32];
		const char *sl = strchr(val, '/');
		long n = sl ? strtol(sl + 1, NULL, 10) : -1;

		if (sl == NULL || (size_t)(sl - val) >= sizeof a || n < 1 ||
		    n > 32)
			goto bad;
		memcpy(a, val, (size_t)(sl - val));
		a[sl - val] = 0;
		if (!ip4addr_aton(a, &addr))
			goto bad;
		ip4_addr_set_u32(&mask, lwip_htonl(n == 32 ? 0xffffffffu :
		    ~(0xffffffffu >> n)));
		have_addr = 1;
		return 1;
	}
	if (strcmp(opt, "--lwip-gw") == 0) {
		if (!ip4addr_aton(val, &gw))
			goto bad;
		return 1;
	}
	return 0;
bad:
	snprintf(err, errcap, "bad value for %s: %s", opt, val);
	return -1;
}

static volatile int tcpip_ready;

static void
net_tcpip_done(void *arg)
{
	(void)arg;
	tcpip_ready = 1;
}

const char *
cli_net_storage_error(char *buf, size_t cap)
{
	return posix_port_error(&pp, buf, cap);
}

int
cli_net_init(struct acme_port *port, const char *dir, int verbose,
    char *err, size_t errcap)
{
	static struct lwip_port lp;
	static struct netif nif;
	struct acme_port base;
	int i;

	if (!have_addr) {
		snprintf(err, errcap, "the lwIP build needs --lwip-addr");
		return -1;
	}
	tcpip_init(net_tcpip_done, NULL);
	for (i = 0; i < 500 && !tcpip_ready; i++)
		sys_msleep(10);
	if (!tcpip_ready) {
		snprintf(err, errcap, "lwIP's tcpip thread did not start");
		return -1;
	}
	LOCK_TCPIP_CORE();
	if (netif_add(&nif, &addr, &mask, &gw, (void *)tap, tap_netif_init,
	    tcpip_input) == NULL) {
		UNLOCK_TCPIP_CORE();
		snprintf(err, errcap, "cannot open TAP device %s", tap);
		return -1;
	}
	netif_set_default(&nif);
	netif_set_up(&nif);
	netif_set_link_up(&nif);
	UNLOCK_TCPIP_CORE();
	if (verbose)
		fprintf(stderr, "picoacme: lwIP %s on %s, address %s\n",
		    LWIP_VERSION_STRING, tap, ip4addr_ntoa(&addr));
	posix_port_init(&base, &pp, dir, verbose);
	lwip_port_init(port, &lp, &base);
	return 0;
}
