/*
 * lan9118.h -- a polled lwIP netif for the SMSC LAN9118 Ethernet
 * controller of the MPS2 AN385 (0x40200000; its IRQ is BOARD_IRQ_ETH), as QEMU
 * models it.
 *
 * Frames move only inside lan9118_poll() (receive) and lwIP's output
 * path (transmit), both in the main loop: lwIP never runs in an
 * interrupt.  The controller's receive interrupt is enabled only so that
 * the main loop can sleep (WFI) until a frame or the next tick:
 * lan9118_irq() just acknowledges it.
 *
 * Received frames go into PBUF_POOL pbufs (a chain when the frame is
 * larger than PBUF_POOL_BUFSIZE), without the FCS; when the pool is
 * empty the frame is dropped and TCP retransmits it.
 */
#ifndef LAN9118_H
#define LAN9118_H

#include "lwip/netif.h"

/* netif_add() init function: soft reset, MAC address (the controller's
 * ADDRH/ADDRL, or a fixed locally administered one when they are
 * blank), PHY, TX and RX on.  ERR_IF when no LAN9118 answers. */
err_t lan9118_netif_init(struct netif *netif);

/* Hand every received frame (at most a bounded batch) to
 * netif->input.  Returns the number of frames taken from the FIFO. */
int lan9118_poll(struct netif *netif);

/* Nonzero when a received frame waits in the FIFO. */
int lan9118_rx_pending(void);

/* Nonzero when the PHY reports the link up. */
int lan9118_link_up(void);

/* The interrupt handler's body: acknowledge the receive interrupt. */
void lan9118_irq(void);

#endif
