/*
 * lan9118.c -- see lan9118.h.  Register names and bits follow the SMSC
 * LAN9118 datasheet (rev. 1.5), sections 5.3 (system control and status
 * registers), 5.4 (MAC control registers) and 3.12/3.13 (TX and RX
 * data paths).  QEMU's model (hw/net/lan9118.c) is lenient: soft reset
 * and MAC/PHY accesses complete at once, TX completes at once, the link
 * is always up; the bounded waits below are for real silicon.
 */
#include <string.h>
#include "lwip/opt.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "lan9118.h"

#define LAN_BASE        0x40200000u
#define REG(off)        (*(volatile uint32_t *)(LAN_BASE + (off)))

#define RX_DATA_FIFO    REG(0x00)
#define TX_DATA_FIFO    REG(0x20)
#define RX_STATUS_FIFO  REG(0x40)
#define IRQ_CFG         REG(0x54)
#define INT_STS         REG(0x58)
#define INT_EN          REG(0x5c)
#define BYTE_TEST       REG(0x64)
#define RX_CFG          REG(0x6c)
#define TX_CFG          REG(0x70)
#define HW_CFG          REG(0x74)
#define RX_FIFO_INF     REG(0x7c)
#define TX_FIFO_INF     REG(0x80)
#define PMT_CTRL        REG(0x84)
#define MAC_CSR_CMD     REG(0xa4)
#define MAC_CSR_DATA    REG(0xa8)

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST     0x00000001u
#define HW_CFG_MBO      0x00100000u     /* must be one */
#define HW_CFG_TX_FIF_5 0x00050000u     /* 5 KB TX FIFO (the default) */
#define PMT_CTRL_READY  0x00000001u
#define IRQ_CFG_EN      0x00000100u
#define IRQ_CFG_POL     0x00000010u     /* active high */
#define IRQ_CFG_TYPE    0x00000001u     /* push-pull */
#define INT_RSFL        0x00000008u     /* RX status FIFO level */
#define TX_CFG_ON       0x00000002u
#define TX_CFG_SAO      0x00000004u     /* status FIFO may overrun */
#define MAC_CSR_BUSY    0x80000000u
#define MAC_CSR_READ    0x40000000u

/* MAC registers (through MAC_CSR_CMD/DATA). */
#define MAC_CR          1
#define MAC_ADDRH       2
#define MAC_ADDRL       3
#define MAC_MII_ACC     6
#define MAC_MII_DATA    7
#define MAC_CR_FDPX     0x00100000u
#define MAC_CR_TXEN     0x00000008u
#define MAC_CR_RXEN     0x00000004u
#define MII_ACC_BUSY    0x0001u
#define MII_ACC_WRITE   0x0002u
#define PHY_ADDR        1
#define PHY_BCR         0
#define PHY_BSR         1
#define PHY_BCR_ANEN    0x1000u
#define PHY_BCR_ANRESTART 0x0200u
#define PHY_BSR_LINK    0x0004u

/* RX status word and TX commands. */
#define RXS_ES          0x00008000u     /* error summary */
#define RXS_LEN(s)      (((s) >> 16) & 0x3fffu)
#define TXA_FIRST       0x00002000u
#define TXA_LAST        0x00001000u

#define WAIT_LOOPS      100000
#define RX_BATCH        8               /* frames per poll, at most */
#define ETH_FCS_LEN     4
#define ETH_MIN_LEN     14
#define ETH_MAX_LEN     1514

/* Spin until (reg & mask) == 0, bounded.  0 or -1. */
static int
wait_clear(volatile uint32_t *reg, uint32_t mask)
{
	int i;

	for (i = 0; i < WAIT_LOOPS; i++)
		if ((*reg & mask) == 0)
			return 0;
	return -1;
}

static uint32_t
mac_read(unsigned reg)
{
	wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
	MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | reg;
	wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
	return MAC_CSR_DATA;
}

static void
mac_write(unsigned reg, uint32_t val)
{
	wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
	MAC_CSR_DATA = val;
	MAC_CSR_CMD = MAC_CSR_BUSY | reg;
	wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
}

static int
mii_wait(void)
{
	int i;

	for (i = 0; i < WAIT_LOOPS / 100; i++)
		if ((mac_read(MAC_MII_ACC) & MII_ACC_BUSY) == 0)
			return 0;
	return -1;
}

static uint16_t
phy_read(unsigned reg)
{
	mii_wait();
	mac_write(MAC_MII_ACC, (PHY_ADDR << 11) | (reg << 6) | MII_ACC_BUSY);
	mii_wait();
	return (uint16_t)mac_read(MAC_MII_DATA);
}

static void
phy_write(unsigned reg, uint16_t val)
{
	mii_wait();
	mac_write(MAC_MII_DATA, val);
	mac_write(MAC_MII_ACC, (PHY_ADDR << 11) | (reg << 6) |
	    MII_ACC_WRITE | MII_ACC_BUSY);
	mii_wait();
}

int
lan9118_link_up(void)
{
	return (phy_read(PHY_BSR) & PHY_BSR_LINK) != 0;
}

int
lan9118_rx_pending(void)
{
	return ((RX_FIFO_INF >> 16) & 0xffu) != 0;
}

void
lan9118_irq(void)
{
	INT_STS = INT_RSFL;
}

/* One frame out: command A and B, then the bytes of the chain packed
 * into little-endian words (the FIFO takes whole words). */
static err_t
lan9118_output(struct netif *netif, struct pbuf *p)
{
	const struct pbuf *q;
	uint32_t w = 0;
	unsigned have = 0, len = p->tot_len;
	uint16_t i;
	int n;

	(void)netif;
	if (len > ETH_MAX_LEN)
		return ERR_BUF;
	/* Free space in bytes, for the two command words and the data. */
	for (n = 0; (TX_FIFO_INF & 0xffffu) < len + 12; n++)
		if (n == WAIT_LOOPS)
			return ERR_IF;
	TX_DATA_FIFO = TXA_FIRST | TXA_LAST | len;
	TX_DATA_FIFO = (len << 16) | len;       /* tag = length */
	for (q = p; q != NULL; q = q->next) {
		const uint8_t *b = q->payload;

		for (i = 0; i < q->len; i++) {
			w |= (uint32_t)b[i] << (8 * have);
			if (++have == 4) {
				TX_DATA_FIFO = w;
				w = 0;
				have = 0;
			}
		}
	}
	if (have > 0)
		TX_DATA_FIFO = w;
	return ERR_OK;
}

/* Copy a frame of len bytes (FCS excluded) from the RX data FIFO into p,
 * then read and drop the rest of its words (the FCS).  words is the
 * frame's length in FIFO words. */
static void
rx_copy(struct pbuf *p, unsigned len, unsigned words)
{
	struct pbuf *q;
	uint32_t w = 0;
	unsigned have = 0, done = 0, n;
	uint8_t *d;

	for (q = p; q != NULL && len > 0; q = q->next) {
		d = q->payload;
		n = q->len < len ? q->len : len;
		len -= n;
		/* Whole words straight into an aligned payload. */
		if (have == 0 && ((uintptr_t)d & 3) == 0) {
			for (; n >= 4; n -= 4, d += 4, done++)
				*(uint32_t *)(void *)d = RX_DATA_FIFO;
		}
		for (; n > 0; n--) {
			if (have == 0) {
				w = RX_DATA_FIFO;
				done++;
				have = 4;
			}
			*d++ = (uint8_t)w;
			w >>= 8;
			have--;
		}
	}
	while (done++ < words)
		(void)RX_DATA_FIFO;
}

int
lan9118_poll(struct netif *netif)
{
	struct pbuf *p;
	uint32_t st;
	unsigned len, words;
	int frames;

	for (frames = 0; frames < RX_BATCH && lan9118_rx_pending(); frames++) {
		st = RX_STATUS_FIFO;
		len = RXS_LEN(st);
		words = (len + 3) / 4;
		p = NULL;
		if ((st & RXS_ES) == 0 && len >= ETH_MIN_LEN + ETH_FCS_LEN &&
		    len <= ETH_MAX_LEN + ETH_FCS_LEN)
			p = pbuf_alloc(PBUF_RAW, (u16_t)(len - ETH_FCS_LEN),
			    PBUF_POOL);
		if (p == NULL) {
			/* Bad frame or no pool: drop it word by word. */
			while (words-- > 0)
				(void)RX_DATA_FIFO;
			continue;
		}
		rx_copy(p, len - ETH_FCS_LEN, words);
		if (netif->input(p, netif) != ERR_OK)
			pbuf_free(p);
	}
	return frames;
}

/* A MAC address is usable when it is unicast and not all zero. */
static int
mac_usable(const uint8_t *m)
{
	return (m[0] & 1) == 0 &&
	    (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) != 0;
}

err_t
lan9118_netif_init(struct netif *netif)
{
	/* Locally administered, for a controller without an EEPROM. */
	static const uint8_t fallback_mac[6] = { 0x02, 0x00, 0x5e, 0x10,
	    0x00, 0x01 };
	uint32_t lo, hi;

	if (BYTE_TEST != BYTE_TEST_VALUE)
		return ERR_IF;
	HW_CFG = HW_CFG_SRST;
	if (wait_clear(&HW_CFG, HW_CFG_SRST) != 0)
		return ERR_IF;
	for (lo = 0; (PMT_CTRL & PMT_CTRL_READY) == 0; lo++)
		if (lo == WAIT_LOOPS)
			return ERR_IF;
	HW_CFG = HW_CFG_MBO | HW_CFG_TX_FIF_5;

	lo = mac_read(MAC_ADDRL);
	hi = mac_read(MAC_ADDRH);
	netif->hwaddr[0] = (uint8_t)lo;
	netif->hwaddr[1] = (uint8_t)(lo >> 8);
	netif->hwaddr[2] = (uint8_t)(lo >> 16);
	netif->hwaddr[3] = (uint8_t)(lo >> 24);
	netif->hwaddr[4] = (uint8_t)hi;
	netif->hwaddr[5] = (uint8_t)(hi >> 8);
	if (!mac_usable(netif->hwaddr)) {
		memcpy(netif->hwaddr, fallback_mac, 6);
		mac_write(MAC_ADDRL, (uint32_t)fallback_mac[0] |
		    (uint32_t)fallback_mac[1] << 8 |
		    (uint32_t)fallback_mac[2] << 16 |
		    (uint32_t)fallback_mac[3] << 24);
		mac_write(MAC_ADDRH, (uint32_t)fallback_mac[4] |
		    (uint32_t)fallback_mac[5] << 8);
	}
	netif->hwaddr_len = 6;

	phy_write(PHY_BCR, PHY_BCR_ANEN | PHY_BCR_ANRESTART);

	INT_STS = 0xffffffffu;
	INT_EN = INT_RSFL;
	IRQ_CFG = IRQ_CFG_EN | IRQ_CFG_POL | IRQ_CFG_TYPE;
	RX_CFG = 0;                     /* no offset, 4-byte end alignment */
	TX_CFG = TX_CFG_ON | TX_CFG_SAO;
	/* Unicast to us and broadcast; no promiscuous mode. */
	mac_write(MAC_CR, MAC_CR_FDPX | MAC_CR_TXEN | MAC_CR_RXEN);

	netif->name[0] = 'e';
	netif->name[1] = 'n';
	netif->mtu = 1500;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
	    NETIF_FLAG_ETHERNET;
	netif->output = etharp_output;
	netif->linkoutput = lan9118_output;
	return ERR_OK;
}
