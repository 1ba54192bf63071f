/*
 * fuzz_http01.c -- libFuzzer harness for the http-01 responder's request
 * parsing (core/challenge_http01.c), driven through http01_poll with a
 * scripted port (tests/unit/fake_listen.c: fake clock, accept, close and
 * the port-contract bookkeeping).
 *
 * Input: byte 0 picks the recv size (1..64 bytes per call), byte 1 the
 * send size (0: all at once) and bit 0 whether the peer closes after its
 * bytes (else it stalls, and the responder's timeout must end it); the
 * rest is up to three peers' requests separated by 0xff bytes, peers
 * arriving 10 ms apart.  The fake clock moves 50 ms per poll until every
 * connection is closed (bounded: a responder that never closes one
 * aborts).  Every answer must be whole HTTP/1.1 200, 404 or 400; 200 only
 * for the live token's exact request, with the key authorization; the
 * port contract must hold (fl_verdict).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "challenge_http01.h"
#include "acme_err.h"
#include "fake_listen.h"

#define FZ_TOKEN "tok_A-1"
#define FZ_THUMB "THUMB"
#define FZ_PEERS 3
#define FZ_ANS 1024
#define FZ_STEP_MS 50

struct fz_conn {
	struct fl_conn fl;          /* first: fake_listen's part */
	const uint8_t *req;
	size_t len, got;
	char ans[FZ_ANS + 1];
	size_t ans_len;
};

static struct {
	struct fl fl;               /* first: the port's ctx */
	struct fz_conn c[FZ_PEERS];
	size_t recv_max, send_max;
	int eof;
} FZ;

static int
fz_recv(void *ctx, int h, void *buf, size_t len)
{
	struct fz_conn *c = (struct fz_conn *)fl_conn(&FZ.fl, h, "recv");
	size_t n;

	(void)ctx;
	FZ.fl.calls++;
	fuzz_assert(len > 0 && c != NULL);
	n = c->len - c->got;
	if (n == 0)
		return FZ.eof ? -1 : 0;
	if (n > FZ.recv_max)
		n = FZ.recv_max;
	if (n > len)
		n = len;
	memcpy(buf, c->req + c->got, n);
	c->got += n;
	return (int)n;
}

static int
fz_send(void *ctx, int h, const void *buf, size_t len)
{
	struct fz_conn *c = (struct fz_conn *)fl_conn(&FZ.fl, h, "send");

	(void)ctx;
	FZ.fl.calls++;
	fuzz_assert(len > 0 && c != NULL);
	if (FZ.send_max != 0 && len > FZ.send_max)
		len = FZ.send_max;
	fuzz_assert(len <= FZ_ANS - c->ans_len);
	memcpy(c->ans + c->ans_len, buf, len);
	c->ans_len += len;
	return (int)len;
}

/* The answer to c, if any, is one the request may get. */
static void
fz_check(const struct fz_conn *c)
{
	static const char ok[] = "GET " HTTP01_PREFIX FZ_TOKEN " HTTP/1.";
	const char *body;
	int st;

	if (c->ans_len == 0)
		return;
	fuzz_assert(c->ans_len >= 12 &&
	    memcmp(c->ans, "HTTP/1.1 ", 9) == 0);
	st = atoi(c->ans + 9);
	fuzz_assert(st == 200 || st == 404 || st == 400);
	body = strstr(c->ans, "\r\n\r\n");
	fuzz_assert(body != NULL);
	if (st == 200) {
		fuzz_assert(c->len >= sizeof ok - 1 &&
		    memcmp(c->req, ok, sizeof ok - 1) == 0);
		fuzz_assert(strcmp(body + 4, FZ_TOKEN "." FZ_THUMB) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http01 r;
	struct acme_port p;
	const uint8_t *e;
	unsigned i, n, open;
	long polls;

	if (size < 2)
		return 0;
	memset(&FZ, 0, sizeof FZ);
	FZ.recv_max = 1 + data[0] % 64;
	FZ.send_max = data[1] >> 1;
	FZ.eof = data[1] & 1;
	data += 2;
	size -= 2;
	fl_init(&FZ.fl, FZ.c, sizeof FZ.c[0], FZ_PEERS);
	for (n = 0; n < FZ_PEERS; n++) {
		fuzz_assert(fl_add(&FZ.fl, 10u * n) == (int)n);
		e = memchr(data, 0xff, size);
		FZ.c[n].req = data;
		FZ.c[n].len = e != NULL && n + 1 < FZ_PEERS ?
		    (size_t)(e - data) : size;
		if (e == NULL || n + 1 == FZ_PEERS) {
			n++;
			break;
		}
		size -= FZ.c[n].len + 1;
		data = e + 1;
	}
	memset(&p, 0, sizeof p);
	fl_port(&p, &FZ.fl);
	p.recv = fz_recv;
	p.send = fz_send;
	http01_init(&r);
	fuzz_assert(http01_start(&r, &p, 80, FZ_THUMB) == ACME_OK);
	fuzz_assert(http01_add(&r, FZ_TOKEN) == ACME_OK);
	polls = 0;
	do {
		http01_poll(&r, &p);
		FZ.fl.now += FZ_STEP_MS;
		for (open = 0, i = 0; i < n; i++)
			open += FZ.c[i].fl.state != FL_CLOSED;
		fuzz_assert(++polls <= 2 * ACME_HTTP01_TIMEOUT_MS /
		    FZ_STEP_MS + 10);
	} while (open > 0);
	http01_stop(&r, &p);
	fuzz_assert(fl_verdict(&FZ.fl, 16 * (ACME_HTTP01_SLOTS + 1),
	    ACME_HTTP01_SLOTS + 1) == NULL);
	for (i = 0; i < n; i++)
		fz_check(&FZ.c[i]);
	return 0;
}
