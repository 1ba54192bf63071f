/*
 * tap_netif.h -- an lwIP netif over a Linux TAP device, for the host
 * build of picoacme-lwip.  Received frames go to lwIP in PBUF_RAM pbufs
 * of their exact size.
 *
 * Why not Debian's tapif: in liblwip 2.1.3+dfsg1-2 its receive thread
 * writes frames longer than about 590 bytes past the end of a pool pbuf
 * (valgrind: invalid write in pbuf_take from the tapif thread; heap
 * corruption and abort on the first TLS record).  The library's TCP/IP
 * code is fine; only the driver is replaced.
 */
#ifndef TAP_NETIF_H
#define TAP_NETIF_H

#include "lwip/netif.h"

/* netif_add() init function; netif->state is the TAP device's name. */
err_t tap_netif_init(struct netif *netif);

#endif
