/*
 * tap_netif.c -- see tap_netif.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include "lwip/opt.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"
#include "tap_netif.h"

#define TAP_FRAME_MAX 1518

static int tap_fd = -1;

static err_t
tap_output(struct netif *netif, struct pbuf *p)
{
	unsigned char buf[TAP_FRAME_MAX];
	u16_t len;

	(void)netif;
	if (p->tot_len > sizeof buf)
		return ERR_BUF;
	len = pbuf_copy_partial(p, buf, p->tot_len, 0);
	if (write(tap_fd, buf, len) != (ssize_t)len)
		return ERR_IF;
	return ERR_OK;
}

static void
tap_thread(void *arg)
{
	struct netif *netif = arg;
	unsigned char buf[TAP_FRAME_MAX + 64];

	for (;;) {
		ssize_t n = read(tap_fd, buf, sizeof buf);
		struct pbuf *p;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		if (n > TAP_FRAME_MAX)
			continue;
		p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
		if (p == NULL)
			continue;
		pbuf_take(p, buf, (u16_t)n);
		if (netif->input(p, netif) != ERR_OK)
			pbuf_free(p);
	}
}

err_t
tap_netif_init(struct netif *netif)
{
	struct ifreq ifr;
	const char *name = netif->state;

	tap_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (tap_fd < 0)
		return ERR_IF;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(tap_fd, TUNSETIFF, &ifr) < 0) {
		close(tap_fd);
		tap_fd = -1;
		return ERR_IF;
	}
	netif->name[0] = 't';
	netif->name[1] = 'p';
	netif->output = etharp_output;
	netif->linkoutput = tap_output;
	netif->mtu = 1500;
	netif->hwaddr_len = 6;
	/* A locally administered MAC address. */
	netif->hwaddr[0] = 0x02;
	netif->hwaddr[1] = 0x00;
	netif->hwaddr[2] = 0x5e;
	netif->hwaddr[3] = 0x10;
	netif->hwaddr[4] = 0x00;
	netif->hwaddr[5] = 0x02;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
	    NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	sys_thread_new("tap", tap_thread, netif, 0, 0);
	return ERR_OK;
}
