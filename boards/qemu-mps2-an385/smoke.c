/*
 * smoke.c -- board bring-up test, not the ACME application: boot, time
 * and entropy, DHCP, one TCP connection over lwIP's raw API to the host
 * (QEMU user networking: 10.0.2.2 is the host's 127.0.0.1), "hello\n"
 * out, the line "ok N" back, then N bytes of a known pattern in, checked,
 * and the same N bytes out (bulk traffic through the pbuf pool, the TCP
 * window and the driver both ways), close.  tests/qemu/smoke.sh runs it.
 *
 * The TCP port is FW_SMOKE_PORT when built with it, else read (decimal)
 * from the host file "smoke-port" through semihosting.  When the host
 * file "smoke-fault" exists, the firmware faults on purpose instead:
 * "udf" executes an undefined instruction (the HardFault handler must
 * report it), "stack" recurses until the stack overflows.
 */
#include <string.h>
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "board.h"
#include "semihost.h"
#include "uart.h"

/* Exit codes (board.h has the board's own, >= 110). */
#define SMOKE_EXIT_DHCP         1       /* no lease within 10 s */
#define SMOKE_EXIT_NETIF        2       /* no Ethernet controller */
#define SMOKE_EXIT_PORT         3       /* no usable port number */
#define SMOKE_EXIT_CONNECT      4       /* refused, reset or timed out */
#define SMOKE_EXIT_SEND         5       /* tcp_write failed */
#define SMOKE_EXIT_REPLY        6       /* no reply line within 5 s */
#define SMOKE_EXIT_CLOSE        7       /* close did not complete */
#define SMOKE_EXIT_BULK_IN      8       /* bulk data short or corrupt */
#define SMOKE_EXIT_BULK_OUT     9       /* could not send the bulk data */

#ifndef FW_SMOKE_SERVER
#define FW_SMOKE_SERVER "10.0.2.2"
#endif
#define DHCP_TIMEOUT_MS 10000
#define STEP_TIMEOUT_MS 5000
#define BULK_TIMEOUT_MS 30000
#define BULK_MAX        (1024u * 1024u)

enum { S_CONNECTING, S_OPEN, S_CLOSED, S_FAILED };

static int state;
static char reply[64];
static size_t reply_len;
static int line_done;
static uint32_t bulk_len, bulk_got, bulk_bad;

/* Byte i of the bulk data (the listener makes the same): not periodic in
 * 256, so reordered or repeated blocks show. */
static uint8_t
bulk_byte(uint32_t i)
{
	return (uint8_t)(i + (i >> 8) + (i >> 16));
}

static void
say(const char *s)
{
	uart_puts("smoke: ");
	uart_puts(s);
}

static void
fail(const char *why, int code)
{
	say(why);
	uart_putc('\n');
	board_exit(code);
}

/* Recursion deeper than any stack region (the bound is volatile so the
 * compiler cannot see through it); the volatile buffer keeps each frame. */
static volatile unsigned recurse_limit = 1000000;

static unsigned
recurse(unsigned n)
{
	volatile uint8_t pad[64];

	pad[0] = (uint8_t)n;
	if (n >= recurse_limit)
		return pad[0];
	return recurse(n + 1) + pad[0];
}

static void
fault_on_request(void)
{
	char how[8];
	long n;

	n = semihost_load("smoke-fault", how, sizeof how);
	if (n >= 3 && memcmp(how, "udf", 3) == 0) {
		say("faulting on purpose: undefined instruction\n");
		__builtin_trap();
	}
	if (n >= 5 && memcmp(how, "stack", 5) == 0) {
		say("faulting on purpose: stack overflow\n");
		uart_dec(recurse(0));
	}
}

static int
smoke_port(void)
{
#ifdef FW_SMOKE_PORT
	return FW_SMOKE_PORT;
#else
	char buf[8];
	long n, i;
	int port = 0;

	n = semihost_load("smoke-port", buf, sizeof buf);
	for (i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		port = port * 10 + (buf[i] - '0');
	return i > 0 && port > 0 && port < 65536 ? port : -1;
#endif
}

static err_t
on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	(void)pcb;
	state = err == ERR_OK ? S_OPEN : S_FAILED;
	return ERR_OK;
}

static err_t
on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct pbuf *q;
	uint16_t i;
	uint8_t b;

	(void)arg;
	if (p == NULL || err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		state = S_CLOSED;
		return ERR_OK;
	}
	/* The reply line, then the bulk data, checked byte by byte. */
	for (q = p; q != NULL; q = q->next) {
		for (i = 0; i < q->len; i++) {
			b = ((const uint8_t *)q->payload)[i];
			if (!line_done) {
				if (reply_len < sizeof reply - 1)
					reply[reply_len++] = (char)b;
				line_done = b == '\n';
			} else {
				if (b != bulk_byte(bulk_got))
					bulk_bad++;
				bulk_got++;
			}
		}
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void
on_err(void *arg, err_t err)
{
	(void)arg;
	(void)err;
	state = S_FAILED;       /* the pcb is already freed */
}

/* Poll the network until done() or ms pass.  0 or -1. */
static int
wait_for(int (*done)(void), uint32_t ms)
{
	uint32_t start = board_ms();

	while (!done()) {
		if ((uint32_t)(board_ms() - start) >= ms)
			return -1;
		board_poll_wait(NULL);
	}
	return 0;
}

static int
connect_done(void)
{
	return state != S_CONNECTING;
}

static int
reply_done(void)
{
	return line_done || state != S_OPEN;
}

static int
bulk_done(void)
{
	return bulk_got >= bulk_len || state != S_OPEN;
}

/* N bytes of the pattern out, as fast as the send buffer allows. */
static int
bulk_send(struct tcp_pcb *pcb, uint32_t n)
{
	uint8_t chunk[256];
	uint32_t sent = 0, start = board_ms();
	uint16_t room, k;

	while (sent < n) {
		if (state != S_OPEN ||
		    (uint32_t)(board_ms() - start) >= BULK_TIMEOUT_MS)
			return -1;
		room = tcp_sndbuf(pcb);
		if (room > sizeof chunk)
			room = sizeof chunk;
		if (room > n - sent)
			room = (uint16_t)(n - sent);
		if (room == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN - 1) {
			tcp_output(pcb);
			board_poll_wait(NULL);
			continue;
		}
		for (k = 0; k < room; k++)
			chunk[k] = bulk_byte(sent + k);
		if (tcp_write(pcb, chunk, room, TCP_WRITE_FLAG_COPY) !=
		    ERR_OK) {
			tcp_output(pcb);
			board_poll_wait(NULL);
			continue;
		}
		sent += room;
	}
	return tcp_output(pcb) == ERR_OK ? 0 : -1;
}

static int
close_done(void)
{
	return state != S_OPEN;
}

int
main(void)
{
	static const char hello[] = "hello\n";
	unsigned char rnd[8];
	struct tcp_pcb *pcb;
	ip_addr_t server;
	uint64_t now;
	int port, i;
	uint32_t t0;

	board_init("smoke");
	if (board_entropy(rnd, sizeof rnd) != 0)
		fail("no entropy", BOARD_EXIT_NO_ENTROPY);
	now = board_unix_time();
	if (now == 0)
		fail("no wall clock", BOARD_EXIT_NO_TIME);
	say("unix time ");
	uart_dec((uint32_t)now);
	uart_puts(", entropy ");
	for (i = 0; i < (int)sizeof rnd; i++)
		uart_hex(rnd[i], 2);
	uart_putc('\n');

	fault_on_request();
	port = smoke_port();
	if (port < 0)
		fail("no port (file smoke-port)", SMOKE_EXIT_PORT);

	switch (board_net_up(DHCP_TIMEOUT_MS)) {
	case 0:
		break;
	case -1:
		fail("no network interface", SMOKE_EXIT_NETIF);
		break;
	default:
		fail("DHCP timed out", SMOKE_EXIT_DHCP);
		break;
	}

	ipaddr_aton(FW_SMOKE_SERVER, &server);
	t0 = board_ms();
	pcb = tcp_new();
	if (pcb == NULL)
		fail("tcp_new failed", SMOKE_EXIT_CONNECT);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	state = S_CONNECTING;
	if (tcp_connect(pcb, &server, (u16_t)port, on_connected) != ERR_OK)
		fail("tcp_connect failed", SMOKE_EXIT_CONNECT);
	if (wait_for(connect_done, STEP_TIMEOUT_MS) != 0 || state != S_OPEN)
		fail("connect failed", SMOKE_EXIT_CONNECT);
	say("connected to " FW_SMOKE_SERVER ":");
	uart_dec((uint32_t)port);
	uart_puts(" in ");
	uart_dec(board_ms() - t0);
	uart_puts(" ms\n");

	if (tcp_write(pcb, hello, sizeof hello - 1, TCP_WRITE_FLAG_COPY) !=
	    ERR_OK || tcp_output(pcb) != ERR_OK)
		fail("send failed", SMOKE_EXIT_SEND);
	if (wait_for(reply_done, STEP_TIMEOUT_MS) != 0 || !line_done ||
	    reply_len < 4 || memcmp(reply, "ok ", 3) != 0)
		fail("no reply", SMOKE_EXIT_REPLY);
	reply[reply_len] = '\0';
	say("reply: ");
	uart_puts(reply);
	for (i = 3; reply[i] >= '0' && reply[i] <= '9'; i++)
		bulk_len = bulk_len * 10 + (uint32_t)(reply[i] - '0');
	if (bulk_len > BULK_MAX)
		fail("bulk length too large", SMOKE_EXIT_REPLY);

	t0 = board_ms();
	if (wait_for(bulk_done, BULK_TIMEOUT_MS) != 0 || bulk_got != bulk_len ||
	    bulk_bad != 0) {
		say("bulk in: ");
		uart_dec(bulk_got);
		uart_puts(" of ");
		uart_dec(bulk_len);
		uart_puts(" bytes, ");
		uart_dec(bulk_bad);
		uart_puts(" wrong\n");
		fail("bulk data in failed", SMOKE_EXIT_BULK_IN);
	}
	say("bulk in: ");
	uart_dec(bulk_got);
	uart_puts(" bytes checked in ");
	uart_dec(board_ms() - t0);
	uart_puts(" ms\n");
	t0 = board_ms();
	if (bulk_send(pcb, bulk_len) != 0)
		fail("bulk data out failed", SMOKE_EXIT_BULK_OUT);
	say("bulk out: ");
	uart_dec(bulk_len);
	uart_puts(" bytes queued in ");
	uart_dec(board_ms() - t0);
	uart_puts(" ms\n");

	/* Our FIN, then the listener's: on_recv sees the end. */
	if (state != S_FAILED && tcp_close(pcb) != ERR_OK)
		fail("close failed", SMOKE_EXIT_CLOSE);
	if (wait_for(close_done, STEP_TIMEOUT_MS) != 0)
		fail("close timed out", SMOKE_EXIT_CLOSE);
	say("closed; ok\n");
	return 0;
}
