/*
 * lwipopts.h -- lwIP 2.1 options for the qemu-mps2-an385 firmware.
 *
 * Bare metal: NO_SYS=1, raw API only (no sockets, no netconn), IPv4,
 * TCP, UDP for DHCP, ICMP echo.  One Ethernet netif (lan9118.c).
 *
 * RAM is the constraint: the whole image has 64 KB, of which the
 * picoacme context takes about 30 KB and the stack 6 KB.  lwIP's share,
 * with the values below (measured, `make fw-size`):
 *   pbuf pool   12 x (16 + 512)          6.3 KB  received frames
 *   heap        MEM_SIZE                 4.5 KB  outgoing TCP segments,
 *                                                DHCP messages
 *   memp pools  pcbs, segments, timeouts ~1.2 KB
 * Received TCP data stays in pool pbufs until the application reads it
 * (port_lwip_raw.c reopens the window only for what it read), so the
 * window must fit the pool with room left for ACKs and ARP: TCP_WND is
 * 3 MSS (4380 bytes, about 9 pool buffers).  Small pool buffers (512
 * bytes; a full frame is a chain of 3) waste little on small segments.
 *
 * Each option below is `#ifndef` so a build can override it with -D.
 *
 * The field image (FW_FIELD=1: make fw-field, the Makefile's
 * FW_FIELD_CFLAGS; its own liblwip.a) adds what a device at a public CA
 * needs: DNS (servers from DHCP), SNTP (lwIP's apps/sntp: the server from
 * the configuration or DHCP option 42), and room for eight http-01
 * connections at once (ten TCP PCBs).  Its costs are in docs/DESIGN.md 8d.
 */
#ifndef LWIPOPTS_H
#define LWIPOPTS_H

#ifndef FW_FIELD
#define FW_FIELD                0
#endif

/* ---- system ---- */
#define NO_SYS                  1       /* no RTOS: the main loop polls */
#define SYS_LIGHTWEIGHT_PROT    0       /* lwIP is never entered from IRQs */
#define LWIP_SOCKET             0
#define LWIP_NETCONN            0
#define LWIP_NETIF_API          0
#define LWIP_CALLBACK_API       1       /* tcp_recv()/tcp_err() callbacks */
#define LWIP_SINGLE_NETIF       1

/* ---- memory ---- */
#define MEM_LIBC_MALLOC         0       /* lwIP's own heap, a static array */
#define MEMP_MEM_MALLOC         0
#define MEM_ALIGNMENT           4
#ifndef MEM_SIZE
#define MEM_SIZE                4608
#endif
#ifndef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE          12
#endif
#ifndef PBUF_POOL_BUFSIZE
#define PBUF_POOL_BUFSIZE       512
#endif
#define MEMP_NUM_PBUF           4       /* PBUF_REF/ROM: ARP queue only */
#if FW_FIELD
#define MEMP_NUM_UDP_PCB        3       /* DHCP, DNS (a port a lookup), SNTP */
#else
#define MEMP_NUM_UDP_PCB        2       /* DHCP, one spare */
#endif
#define MEMP_NUM_RAW_PCB        0
/* port_lwip_raw.h: the client, the responder's ACME_HTTP01_SLOTS (3,
 * Makefile) connections and one just accepted that evicts an idle one;
 * one spare for a connection still closing.  The listener has its own
 * pool.  app_main.c checks it against ACME_HTTP01_SLOTS. */
#ifndef MEMP_NUM_TCP_PCB
#if FW_FIELD
#define MEMP_NUM_TCP_PCB        10      /* ACME_HTTP01_SLOTS 8 + 2 */
#else
#define MEMP_NUM_TCP_PCB        6
#endif
#endif
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG        12      /* >= TCP_SND_QUEUELEN */
#define MEMP_NUM_ARP_QUEUE      2
#define MEMP_NUM_REASSDATA      0
#define MEMP_NUM_FRAG_PBUF      0

/* ---- protocols ---- */
#define LWIP_IPV4               1
#define LWIP_IPV6               0
#define LWIP_ARP                1
#define LWIP_ETHERNET           1
#define ARP_TABLE_SIZE          4
#define ARP_QUEUEING            0
#define ETH_PAD_SIZE            0
#define IP_FORWARD              0
#define IP_REASSEMBLY           0       /* MSS 1460 over MTU 1500: never */
#define IP_FRAG                 0
#define LWIP_ICMP               1
#define LWIP_RAW                0
#define LWIP_UDP                1
#define LWIP_IGMP               0
#define LWIP_AUTOIP             0
#define LWIP_DHCP               1
#define DHCP_DOES_ARP_CHECK     0       /* saves a second at boot */
/* The lab image takes numeric server addresses only; the field image
 * resolves names (port_lwip_raw.c's connect, within its timeout). */
#ifndef LWIP_DNS
#define LWIP_DNS                FW_FIELD
#endif
#if LWIP_DNS
/* Two entries of 64 characters (the directory's host, and an SNTP server
 * name), not the default four of 256: 1 KB of RAM less.  Two requests
 * may wait on one entry: a connect that gave up on a lookup still has
 * its callback registered until lwIP's own retries end (about 7 s a
 * server), and the retry joins it instead of failing for want of a
 * request slot.  Servers from DHCP (LWIP_DHCP_PROVIDE_DNS_SERVERS).
 * Query ids and source ports are random (LWIP_DNS_SECURE, the default),
 * one port a lookup, and an answer must come from the server asked. */
#define DNS_TABLE_SIZE          2
#define DNS_MAX_NAME_LENGTH     64
#define DNS_MAX_SERVERS         2
#define DNS_MAX_REQUESTS        2
#define DNS_MAX_SOURCE_PORTS    1
#endif
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

/* ---- TCP ---- */
#define LWIP_TCP                1
#define TCP_MSS                 1460
#ifndef TCP_WND
#define TCP_WND                 (3 * TCP_MSS)
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF             (2 * TCP_MSS)
#endif
#define TCP_SND_QUEUELEN        8
#define TCP_QUEUE_OOSEQ         0       /* no pool for out-of-order data */
#define TCP_LISTEN_BACKLOG      1
#define LWIP_TCP_KEEPALIVE      0
#define LWIP_TCP_TIMESTAMPS     0
#define LWIP_WND_SCALE          0
/* Rebinding the http-01 port while the last connection is in TIME_WAIT
 * (port_lwip_raw.h). */
#define SO_REUSE                1

/* ---- netif ---- */
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK   0
#define LWIP_NETIF_HOSTNAME        0
#define LWIP_NETIF_LOOPBACK        0
#define LWIP_HAVE_LOOPIF           0

/* ---- checksums: by software, both ways (QEMU's slirp does the same) */
#define LWIP_CHECKSUM_ON_COPY   0

/* ---- no debug output, no asserts (arch/cc.h); statistics only of
 * the heap and the pools, in the lab image: the device-over-time test
 * (app_soak.c, tests/qemu/soak.sh) reads what is in use after every
 * issuance.  The field image has none (its flash is nearly full). ---- */
#if FW_FIELD
#define LWIP_STATS              0
#else
#define LWIP_STATS              1
#define MEM_STATS               1
#define MEMP_STATS              1
#define LINK_STATS              0
#define ETHARP_STATS            0
#define IP_STATS                0
#define IPFRAG_STATS            0
#define ICMP_STATS              0
#define UDP_STATS               0
#define TCP_STATS               0
#define SYS_STATS               0
#endif
#ifndef FW_LWIP_ASSERT
#define LWIP_NOASSERT           1
#endif

/* DHCP transaction ids and initial local ports; not for secrets (see
 * board.h). */
#define LWIP_RAND()             board_rand32()

#if FW_FIELD
/* ---- SNTP (apps/sntp/sntp.c, the field image) ----
 * Unicast polling of one server: the configuration's (a name or an
 * address) or DHCP option 42's.  The answer goes to clock_sntp_set()
 * (clock_sntp.c), which keeps it only when it is not before the build's
 * time floor.  The request's transmit timestamp is random (it is not
 * the time: there is none yet), and the answer must echo it and come
 * from the server's address and port 123 (SNTP_CHECK_RESPONSE 2), so an
 * off-path sender has to guess 64 bits.  Retries every 2 s while no
 * answer comes (the application bounds the wait); afterwards lwIP asks
 * again every hour. */
#define SNTP_SERVER_DNS         1
#define LWIP_DHCP_GET_NTP_SRV   1
#define LWIP_DHCP_MAX_NTP_SERVERS 1
#define SNTP_CHECK_RESPONSE     2
#define SNTP_COMP_ROUNDTRIP     0
#define SNTP_STARTUP_DELAY      0
#define SNTP_RECV_TIMEOUT       2000
#define SNTP_RETRY_TIMEOUT_EXP  0
#define SNTP_MONITOR_SERVER_REACHABILITY 0
#include <stdint.h>
void clock_sntp_set(uint32_t unix_seconds);
#define SNTP_SET_SYSTEM_TIME(sec) clock_sntp_set(sec)
#define SNTP_GET_SYSTEM_TIME_NTP(s, f) do { \
	(s) = (s32_t)board_rand32(); \
	(f) = board_rand32(); \
} while (0)
/* lwIP's cyclic timers, and SNTP's one. */
#define MEMP_NUM_SYS_TIMEOUT    (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
#endif

#endif
