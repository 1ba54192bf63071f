/*
 * fuzz_tlsalpn01.c -- libFuzzer harness for the tls-alpn-01 responder
 * (core/challenge_tlsalpn01.c): a peer's bytes -- a ClientHello and what
 * follows -- through tlsalpn01_poll with a scripted port
 * (tests/unit/fake_listen.c), so the responder's SNI and ALPN choice
 * (tlsalpn01_choose, the name match) and BearSSL's server engine as the
 * responder drives it see hostile handshakes.
 *
 * Input: byte 0 picks the recv size (1..256 bytes per call) and bit 7
 * whether the peer closes after its bytes (else it stalls until the
 * responder's timeout); the rest is the peer's bytes.  The responder has
 * two identifiers live (a.example, 127.0.0.1).  The fake clock moves
 * 50 ms per poll until the connection is closed (bounded); the port
 * contract must hold (fl_verdict).  Keys and seeds come from a fixed
 * xorshift, so a run is repeatable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "challenge_tlsalpn01.h"
#include "acme_err.h"
#include "fake_listen.h"

#define FZ_STEP_MS 50

struct fz_conn {
	struct fl_conn fl;          /* first: fake_listen's part */
	const uint8_t *req;
	size_t len, got, sent;
};

static struct {
	struct fl fl;               /* first: the port's ctx */
	struct fz_conn c[1];
	size_t recv_max;
	int eof;
	uint32_t rng;
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
	(void)buf;
	FZ.fl.calls++;
	fuzz_assert(len > 0 && c != NULL);
	c->sent += len;
	return (int)len;
}

/* Deterministic bytes (xorshift), as in test_tlsalpn01.c. */
static int
fz_entropy(void *ctx, void *buf, size_t len)
{
	unsigned char *b = buf;

	(void)ctx;
	while (len-- > 0) {
		FZ.rng ^= FZ.rng << 13;
		FZ.rng ^= FZ.rng >> 17;
		FZ.rng ^= FZ.rng << 5;
		*b++ = (unsigned char)FZ.rng;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlsalpn01 r;
	struct acme_port p;
	uint8_t dg[32];
	long polls;

	if (size < 1)
		return 0;
	memset(&FZ, 0, sizeof FZ);
	FZ.rng = 2463534242u;
	FZ.recv_max = 1 + (size_t)(data[0] & 0x7f) * 2;
	FZ.eof = data[0] >> 7;
	fl_init(&FZ.fl, FZ.c, sizeof FZ.c[0], 1);
	fuzz_assert(fl_add(&FZ.fl, 0) == 0);
	FZ.c[0].req = data + 1;
	FZ.c[0].len = size - 1;
	memset(&p, 0, sizeof p);
	fl_port(&p, &FZ.fl);
	p.recv = fz_recv;
	p.send = fz_send;
	p.entropy = fz_entropy;
	tlsalpn01_init(&r);
	fuzz_assert(tlsalpn01_start(&r, &p, 443) == ACME_OK);
	tlsalpn01_digest(dg, "tok_A-1", "THUMB");
	fuzz_assert(tlsalpn01_add(&r, TLSALPN01_DNS, "a.example", dg) ==
	    ACME_OK);
	fuzz_assert(tlsalpn01_add(&r, TLSALPN01_IP, "127.0.0.1", dg) ==
	    ACME_OK);
	polls = 0;
	do {
		tlsalpn01_poll(&r, &p);
		FZ.fl.now += FZ_STEP_MS;
		fuzz_assert(++polls <= 2 * ACME_TLSALPN01_TIMEOUT_MS /
		    FZ_STEP_MS + 10);
	} while (FZ.c[0].fl.state != FL_CLOSED);
	tlsalpn01_stop(&r, &p);
	fuzz_assert(fl_verdict(&FZ.fl, 64 * (ACME_TLSALPN01_SLOTS + 1),
	    ACME_TLSALPN01_SLOTS + 1) == NULL);
	return 0;
}
