/*
 * test_tlsalpn01.c -- the tls-alpn-01 responder (core/challenge_tlsalpn01.c).
 *
 * Addresses: a table of IP texts (RFC 4291 2.2 forms and near misses)
 * and reverse names (RFC 3596 2.5's example, RFC 8738's in-addr.arpa).
 * tlsalpn01_add(): every refusal, the certificate bound with the longest
 * name, a same-name add and a replacement.
 *
 * A table of scripted connections against a fake port of this file, with
 * a fake clock the test advances 10 ms per tlsalpn01_poll(), as
 * test_http01 does; the peers are BearSSL clients run in this process
 * (their bytes pass through the fake port), idle connections, raw bytes,
 * drips, peers that stall after their ClientHello, and a "slow CPU" in
 * which every send costs fake time.  Each connection is judged by how it
 * ended (handshake done, refused with an alert, closed) and when; the
 * counters, port contract (no len 0, no handle not open, every handle
 * closed after stop) and port calls per poll are checked after every
 * case.
 *
 * Then over real sockets (port/posix): openssl s_client with ALPN and
 * SNI; the certificate it prints is checked by openssl itself (x509
 * -text: the one SAN; asn1parse: the critical acmeIdentifier holding the
 * SHA-256 that openssl dgst computes of the key authorization; verify
 * -check_ss_sig: self-signed, and with a byte of the signature flipped
 * it must fail), and every refusal must leave s_client without a
 * certificate.  Several clients at once, idle connections ahead of one,
 * garbage, a truncated and an oversized ClientHello; no handle is left.
 * Last, stop() must leave no byte of the key, the certificates or the
 * engines.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "acme_err.h"
#include "challenge_tlsalpn01.h"
#include "posix/port_posix.h"
#include "fake_listen.h"
#include "loopback.h"
#include "t.h"

#if !ACME_TLSALPN01

int
main(void)
{
	T_CASE("ACME_TLSALPN01 0: the module is left out");
	CHECK(ACME_TLSALPN01 == 0);
	return t_done("tlsalpn01");
}
#else

#define TOK1 "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define TOK2 "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define TOK3 "wTmyXH7CX0Xq7O2bbn5VUZYvrcPYxVXnGG7I8EwpQXo"
#define TOK4 "q8N3zJ4m0yVhY2r7cXb1tWfKp6LsD9eGu5AiHoRlMnE"
#define THUMB "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define NAME1 "a.example"
#define NAME2 "b.example"
#define IP4 "192.0.2.7"
#define IP4_REV "7.2.0.192.in-addr.arpa"
#define IP6 "2001:db8::1"
#define IP6_REV "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1." \
    "0.0.2.ip6.arpa"

#define SLOTS ACME_TLSALPN01_SLOTS
#define TMO ACME_TLSALPN01_TIMEOUT_MS
#define EV ACME_TLSALPN01_EVICT_MS
#define STEP_MS 10
#if EV + 300 > 1000
#error "test_tlsalpn01 needs ACME_TLSALPN01_EVICT_MS <= 700"
#endif
/* Port calls one poll may make: a loose bound that catches a loop that
 * is not bounded. */
#define MAX_CALLS_PER_POLL ((TLSALPN01_TURN + 4) * (2 * SLOTS + 2))

/* Add the four identifiers every case uses. */
static void
add_all(struct tlsalpn01 *r)
{
	uint8_t d[32];

	tlsalpn01_digest(d, TOK1, THUMB);
	CHECK(tlsalpn01_add(r, TLSALPN01_DNS, NAME1, d) == ACME_OK);
	tlsalpn01_digest(d, TOK2, THUMB);
	CHECK(tlsalpn01_add(r, TLSALPN01_DNS, NAME2, d) == ACME_OK);
	tlsalpn01_digest(d, TOK3, THUMB);
	CHECK(tlsalpn01_add(r, TLSALPN01_IP, IP4, d) == ACME_OK);
	tlsalpn01_digest(d, TOK4, THUMB);
	CHECK(tlsalpn01_add(r, TLSALPN01_IP, IP6, d) == ACME_OK);
}

/* ---- addresses ---- */

static void
test_ip(void)
{
	static const struct {
		const char *s;
		size_t len;
		uint8_t ip[16];
	} t[] = {
		{ "192.0.2.7", 4, { 192, 0, 2, 7 } },
		{ "0.0.0.0", 4, { 0 } },
		{ "255.255.255.255", 4, { 255, 255, 255, 255 } },
		{ "256.1.1.1", 0, { 0 } },
		{ "1.2.3", 0, { 0 } },
		{ "1.2.3.4.5", 0, { 0 } },
		{ "01.2.3.4", 0, { 0 } },
		{ "1.2.3.4 ", 0, { 0 } },
		{ "1..3.4", 0, { 0 } },
		{ "", 0, { 0 } },
		{ "2001:db8::1", 16, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, 0, 1 } },
		{ "2001:DB8:0:0:0:0:0:1", 16, { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
		    0, 0, 0, 0, 0, 0, 0, 0, 1 } },
		{ "::", 16, { 0 } },
		{ "::1", 16, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    1 } },
		{ "1::", 16, { 0, 1 } },
		{ "1:2:3:4:5:6:7::", 16, { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6,
		    0, 7, 0, 0 } },
		{ "::ffff:192.0.2.7", 16, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		    0xff, 192, 0, 2, 7 } },
		{ "1:2:3:4:5:6:1.2.3.4", 16, { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0,
		    6, 1, 2, 3, 4 } },
		{ "1:2:3:4:5:6:7:8", 16, { 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6,
		    0, 7, 0, 8 } },
		{ "1:2:3:4:5:6:7:8:9", 0, { 0 } },
		{ "1:2:3:4:5:6:7", 0, { 0 } },
		{ "1:2:3:4:5:6:7:8::", 0, { 0 } },
		{ "1::2::3", 0, { 0 } },
		{ ":::", 0, { 0 } },
		{ ":1::", 0, { 0 } },
		{ "1:", 0, { 0 } },
		{ "12345::", 0, { 0 } },
		{ "g::", 0, { 0 } },
		{ "::1.2.3", 0, { 0 } },
		{ "1:2:3:4:5:6:7:1.2.3.4", 0, { 0 } },
		{ "::1.2.3.4:5", 0, { 0 } },
	};
	uint8_t ip[16];
	size_t i, n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		T_CASE("ip[%u] %s", (unsigned)i, t[i].s);
		memset(ip, 0xAA, sizeof ip);
		n = tlsalpn01_ip_parse(t[i].s, ip);
		CHECKF(n == t[i].len, "\"%s\": %zu bytes, want %zu", t[i].s, n,
		    t[i].len);
		if (n == t[i].len && n > 0)
			CHECKF(memcmp(ip, t[i].ip, n) == 0, "\"%s\": wrong "
			    "bytes", t[i].s);
	}
}

static void
test_reverse(void)
{
	static const struct {
		const char *ip, *rev;
	} t[] = {
		{ IP4, IP4_REV },
		{ "10.0.0.255", "255.0.0.10.in-addr.arpa" },
		{ IP6, IP6_REV },
		/* RFC 3596 2.5 */
		{ "4321:0:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0."
		    "2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa" },
	};
	char rev[TLSALPN01_REVERSE_MAX];
	uint8_t ip[16];
	size_t i, n, len;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		T_CASE("reverse[%u] %s", (unsigned)i, t[i].ip);
		n = tlsalpn01_ip_parse(t[i].ip, ip);
		len = tlsalpn01_reverse_name(rev, sizeof rev, ip, n);
		CHECKF(len == strlen(t[i].rev) && strcmp(rev, t[i].rev) == 0,
		    "%s: \"%s\"", t[i].ip, rev);
		/* one byte short: 0 and "", never a cut name */
		CHECK(tlsalpn01_reverse_name(rev, len, ip, n) == 0 &&
		    rev[0] == 0);
	}
	T_CASE("reverse: bad length");
	CHECK(tlsalpn01_reverse_name(rev, sizeof rev, ip, 5) == 0);
}

/* ---- the fake port and its in-process TLS peers ---- */

/* The X.509 side of a peer: takes any chain (it keeps the first
 * certificate's bytes) and uses the responder's key, which the test
 * knows: the handshake then checks the ServerKeyExchange signature. */
struct peer_x509 {
	const br_x509_class *vtable;
	br_x509_knownkey_context kk;
	unsigned chains;
	int certs;
	unsigned char der[TLSALPN01_CERT_MAX];
	size_t len;
};

static void
px_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct peer_x509 *x = (struct peer_x509 *)(void *)ctx;

	(void)server_name;
	x->chains++;
	x->certs = 0;
	x->len = 0;
}

static void
px_start_cert(const br_x509_class **ctx, uint32_t length)
{
	(void)length;
	((struct peer_x509 *)(void *)ctx)->certs++;
}

static void
px_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct peer_x509 *x = (struct peer_x509 *)(void *)ctx;

	if (x->certs == 1 && len <= sizeof x->der - x->len) {
		memcpy(x->der + x->len, buf, len);
		x->len += len;
	}
}

static void
px_end_cert(const br_x509_class **ctx)
{
	(void)ctx;
}

static unsigned
px_end_chain(const br_x509_class **ctx)
{
	return ((struct peer_x509 *)(void *)ctx)->certs == 1 ? 0 :
	    BR_ERR_X509_EMPTY_CHAIN;
}

static const br_x509_pkey *
px_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct peer_x509 *x = (const struct peer_x509 *)(const void *)ctx;

	return x->kk.vtable->get_pkey(&x->kk.vtable, usages);
}

static const br_x509_class px_vtable = {
	sizeof(struct peer_x509), px_start_chain, px_start_cert, px_append,
	px_end_cert, px_end_chain, px_get_pkey
};

enum { K_IDLE = 0, K_TLS, K_RAW };
enum { W_OPEN = -1, W_DROP = 0, W_SERVED = 1, W_REFUSED = 2 };

struct script {
	unsigned n;            /* connections like this (0: unused) */
	uint32_t at, gap;      /* the first connects at, the next gap later */
	int kind;              /* K_IDLE, K_TLS, K_RAW */
	const char *sni;       /* K_TLS: SNI (NULL: none) */
	const char *alpn;      /* K_TLS: one protocol offered (NULL: none) */
	const char *req;       /* K_RAW: bytes sent */
	size_t len;
	uint32_t data_at;      /* the first byte comes this long after the
	                        * connect */
	uint32_t drip;         /* then one byte per drip ms; 0: at once */
	unsigned char stall;   /* K_TLS: after its ClientHello the peer
	                        * reads but sends nothing more */
	unsigned char deaf;    /* K_TLS: the peer never reads */
	unsigned char eof;     /* K_RAW: the peer closes after its bytes */
	int want;              /* W_SERVED, W_REFUSED, W_DROP, W_OPEN */
	const char *cert;      /* W_SERVED: bytes its certificate holds */
	size_t cert_len;
	uint32_t by;           /* closed within by ms of connecting (0: any) */
	uint32_t after;        /* ... and not before after ms */
};

struct tcase {
	const char *name;
	uint32_t run;          /* ms of fake time driven */
	unsigned send_max;     /* bytes per responder send(); 0: any */
	uint32_t send_cost;    /* fake ms each responder send() takes */
	int served, refused, dropped;   /* counters (-1: not checked) */
	int why;               /* the last refusal (-1: not checked) */
	int tls_err;           /* ... its BearSSL error (0: not checked) */
	uint32_t poll_max;     /* fake ms one poll may take (0: any) */
	struct script s[5];
};

#define FP_MAX (4 * SLOTS + 16)

struct fp_conn {
	struct fl_conn fl;     /* arrival, state, close time */
	const struct script *s;
	br_ssl_client_context cc;
	struct peer_x509 x;
	unsigned char buf[BR_SSL_BUFSIZE_MONO];
	size_t sent;           /* bytes the peer sent (all kinds) */
	int done;              /* the peer's handshake completed */
	int err;               /* the peer engine's error when it closed */
	int hello;             /* the peer's ClientHello is out whole */
};

struct fp {
	struct fl fl;          /* the listener, clock and bookkeeping */
	unsigned send_max;
	uint32_t send_cost;
	uint32_t rng;
	br_ec_public_key pk;   /* the responder's, for the peers */
	struct fp_conn c[FP_MAX];
};

static struct fp FP;

static struct fp_conn *
fp_conn(int h, const char *what)
{
	return (struct fp_conn *)(void *)fl_conn(&FP.fl, h, what);
}

/* Bytes the peer may have sent by now (the drip), counted from its
 * first. */
static size_t
fp_allowed(const struct fp_conn *c)
{
	const struct script *s = c->s;
	uint64_t t;

	if (FP.fl.now < c->fl.at + s->data_at)
		return 0;
	if (s->drip == 0)
		return (size_t)-1;
	t = FP.fl.now - c->fl.at - s->data_at;
	return (size_t)(t / s->drip) + 1;
}

/* Note the peer engine's end, if it has ended. */
static void
fp_peer_state(struct fp_conn *c)
{
	unsigned st = br_ssl_engine_current_state(&c->cc.eng);

	if (st & BR_SSL_CLOSED) {
		if (c->err == 0)
			c->err = br_ssl_engine_last_error(&c->cc.eng);
		if (c->err == 0)
			c->err = -1;
	} else if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) {
		c->done = 1;
	}
}

static int
fp_recv(void *ctx, int h, void *buf, size_t len)
{
	struct fp_conn *c;
	const struct script *s;
	unsigned char *b;
	size_t n, room;

	(void)ctx;
	FP.fl.calls++;
	if (len == 0)
		fl_bad(&FP.fl, "recv() with len 0", h);
	if ((c = fp_conn(h, "recv() on a handle not open")) == NULL)
		return -1;
	s = c->s;
	room = fp_allowed(c);
	room = room > c->sent ? room - c->sent : 0;
	if (s->kind == K_RAW) {
		n = s->len - c->sent;
		if (n == 0)
			return s->eof ? -1 : 0;
		if (n > room)
			n = room;
		if (n > len)
			n = len;
		memcpy(buf, s->req + c->sent, n);
		c->sent += n;
		return (int)n;
	}
	if (s->kind != K_TLS || (s->stall && c->hello))
		return 0;
	if (br_ssl_engine_current_state(&c->cc.eng) & BR_SSL_CLOSED)
		return -1;
	b = br_ssl_engine_sendrec_buf(&c->cc.eng, &n);
	if (b == NULL)
		return 0;
	if (n > room)
		n = room;
	if (n > len)
		n = len;
	if (n == 0)
		return 0;
	memcpy(buf, b, n);
	br_ssl_engine_sendrec_ack(&c->cc.eng, n);
	c->sent += n;
	if (br_ssl_engine_sendrec_buf(&c->cc.eng, &room) == NULL)
		c->hello = 1;   /* its first flight is out */
	fp_peer_state(c);
	return (int)n;
}

static int
fp_send(void *ctx, int h, const void *buf, size_t len)
{
	struct fp_conn *c;
	unsigned char *b;
	size_t n, done = 0;

	(void)ctx;
	FP.fl.calls++;
	FP.fl.now += FP.send_cost;
	if (len == 0)
		fl_bad(&FP.fl, "send() with len 0", h);
	if ((c = fp_conn(h, "send() on a handle not open")) == NULL)
		return -1;
	if (c->s->kind != K_TLS)
		return (int)len;                /* swallowed */
	if (c->s->deaf)
		return 0;
	if (FP.send_max != 0 && len > FP.send_max)
		len = FP.send_max;
	while (done < len) {
		if (br_ssl_engine_current_state(&c->cc.eng) & BR_SSL_CLOSED)
			break;
		b = br_ssl_engine_recvrec_buf(&c->cc.eng, &n);
		if (b == NULL)
			break;
		if (n > len - done)
			n = len - done;
		memcpy(b, (const unsigned char *)buf + done, n);
		br_ssl_engine_recvrec_ack(&c->cc.eng, n);
		done += n;
	}
	fp_peer_state(c);
	if (done == 0 && (br_ssl_engine_current_state(&c->cc.eng) &
	    BR_SSL_CLOSED))
		return -1;
	return (int)done;
}

/* Start connection i's peer engine. */
static void
fp_peer_start(struct fp_conn *c)
{
	/* init_full wants one; the peer uses struct peer_x509 instead */
	static br_x509_minimal_context unused;
	static const char *protos[1];
	unsigned char seed[32];
	size_t i;

	br_ssl_client_init_full(&c->cc, &unused, NULL, 0);
	br_x509_knownkey_init_ec(&c->x.kk, &FP.pk, BR_KEYTYPE_SIGN);
	c->x.vtable = &px_vtable;
	br_ssl_engine_set_x509(&c->cc.eng, &c->x.vtable);
	br_ssl_engine_set_buffer(&c->cc.eng, c->buf, sizeof c->buf, 0);
	for (i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(i + 7 * (c - FP.c));
	br_ssl_engine_inject_entropy(&c->cc.eng, seed, sizeof seed);
	if (c->s->alpn != NULL) {
		protos[0] = c->s->alpn;
		br_ssl_engine_set_protocol_names(&c->cc.eng, protos, 1);
	}
	if (!br_ssl_client_reset(&c->cc, c->s->sni, 0))
		fl_bad(&FP.fl, "peer engine reset failed", -1);
}

/* Deterministic bytes (xorshift): the key and the engines' seeds. */
static int
fp_entropy(void *ctx, void *buf, size_t len)
{
	unsigned char *b = buf;

	(void)ctx;
	while (len-- > 0) {
		FP.rng ^= FP.rng << 13;
		FP.rng ^= FP.rng >> 17;
		FP.rng ^= FP.rng << 5;
		*b++ = (unsigned char)FP.rng;
	}
	return 0;
}

static void
fp_port(struct acme_port *p)
{
	fl_port(p, &FP.fl);
	p->send = fp_send;
	p->recv = fp_recv;
	p->entropy = fp_entropy;
}

static void
fp_setup(const struct tcase *tc)
{
	unsigned i, k;
	int j;

	memset(&FP, 0, sizeof FP);
	fl_init(&FP.fl, FP.c, sizeof FP.c[0], FP_MAX);
	FP.rng = 0x9E3779B9u;
	FP.send_max = tc->send_max;
	FP.send_cost = tc->send_cost;
	for (i = 0; i < sizeof tc->s / sizeof tc->s[0]; i++) {
		for (k = 0; k < tc->s[i].n; k++) {
			j = fl_add(&FP.fl, tc->s[i].at +
			    (uint64_t)k * tc->s[i].gap);
			if (j < 0)
				return;
			FP.c[j].s = &tc->s[i];
		}
	}
}

static void
fp_poll(struct tlsalpn01 *r, const struct acme_port *p)
{
	struct fl_mark m = fl_mark(&FP.fl);

	tlsalpn01_poll(r, p);
	fl_measure(&FP.fl, m);
}

/* 1 when the len bytes of needle are somewhere in hay. */
static int
has_bytes(const unsigned char *hay, size_t hl, const void *needle,
    size_t nl)
{
	size_t i;

	for (i = 0; nl <= hl && i <= hl - nl; i++)
		if (memcmp(hay + i, needle, nl) == 0)
			return 1;
	return 0;
}

static void
judge(const struct tcase *tc, unsigned i)
{
	struct fp_conn *c = &FP.c[i];
	const struct script *s = c->s;
	long t = c->fl.state == FL_CLOSED ?
	    (long)(c->fl.closed_at - c->fl.at) : -1;

	if (s->kind == K_TLS)
		fp_peer_state(c);
	if (s->want == W_OPEN) {
		CHECKF(c->fl.state == FL_OPEN, "%s: #%u (at %llu ms) should be "
		    "open, is %s", tc->name, i, (unsigned long long)c->fl.at,
		    c->fl.state == FL_PENDING ? "not accepted" : "closed");
		return;
	}
	if (c->fl.state != FL_CLOSED) {
		CHECKF(0, "%s: #%u (at %llu ms) %s after %u ms", tc->name, i,
		    (unsigned long long)c->fl.at, c->fl.state == FL_PENDING ?
		    "never accepted" : "still open", tc->run);
		return;
	}
	if (s->want == W_SERVED) {
		CHECKF(c->done && c->x.chains == 1, "%s: #%u: handshake not "
		    "done (peer error %d)", tc->name, i, c->err);
		CHECKF(s->cert == NULL || has_bytes(c->x.der, c->x.len,
		    s->cert, s->cert_len), "%s: #%u: not the certificate of "
		    "the name asked for", tc->name, i);
	} else if (s->kind == K_TLS) {
		CHECKF(!c->done, "%s: #%u: handshake done", tc->name, i);
	}
	if (s->want == W_REFUSED) {
		CHECKF(c->x.chains == 0, "%s: #%u: a certificate was sent",
		    tc->name, i);
		CHECKF(c->err >= BR_ERR_RECV_FATAL_ALERT &&
		    c->err < BR_ERR_SEND_FATAL_ALERT, "%s: #%u: no alert (peer "
		    "error %d)", tc->name, i, c->err);
	}
	if (s->by != 0)
		CHECKF(t <= (long)s->by, "%s: #%u (at %llu ms): closed after "
		    "%ld ms, want <= %u", tc->name, i,
		    (unsigned long long)c->fl.at, t, s->by);
	if (s->after != 0)
		CHECKF(t >= (long)s->after, "%s: #%u (at %llu ms): closed "
		    "after %ld ms, want >= %u", tc->name, i,
		    (unsigned long long)c->fl.at, t, s->after);
}

/* Bytes a ClientHello has (a real one, with SNI and ALPN): made at
 * start-up by a BearSSL client; a copy cut short, and a record header
 * that announces more than TLS allows. */
static unsigned char hello[1024];
static size_t hello_len;
static unsigned char huge_hello[2 * (5 + 16384)];
static const char garbage[] = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
static const unsigned char over_record[] = { 0x16, 0x03, 0x01, 0x40, 0x01,
    0x01, 0x00, 0x00, 0x00 };

#define TLS(n_, at_, sni_, alpn_, want_) { .n = (n_), .at = (at_), \
    .kind = K_TLS, .sni = (sni_), .alpn = (alpn_), .want = (want_) }
#define V1(n_, at_, by_) { .n = (n_), .at = (at_), .kind = K_TLS, \
    .sni = NAME1, .alpn = TLSALPN01_ALPN, .want = W_SERVED, .by = (by_), \
    .cert = NAME1, .cert_len = sizeof NAME1 - 1 }
#define IDLE(n_, at_, gap_, want_, by_, after_) { .n = (n_), .at = (at_), \
    .gap = (gap_), .kind = K_IDLE, .want = (want_), .by = (by_), \
    .after = (after_) }
#define REFUSE(sni_, alpn_) { .n = 1, .kind = K_TLS, .sni = (sni_), \
    .alpn = (alpn_), .want = W_REFUSED, .by = 100 }
#define RAW(r_, l_, eof_, want_) { .n = 1, .kind = K_RAW, \
    .req = (const char *)(r_), \
    .len = (l_), .eof = (eof_), .want = (want_), .by = 100 }

static const uint8_t ip4_bytes[] = { 192, 0, 2, 7 };

static const struct tcase cases[] = {
	/* What is answered. */
	{ "served", 500, 0, 0, 1, 0, 0, -1, 0, 0, { V1(1, 0, 100) } },
	{ "second name", 500, 0, 0, 1, 0, 0, -1, 0, 0, {
		{ .n = 1, .kind = K_TLS, .sni = NAME2, .alpn = TLSALPN01_ALPN,
		  .want = W_SERVED, .by = 100, .cert = NAME2,
		  .cert_len = sizeof NAME2 - 1 } } },
	{ "case and trailing dot", 500, 0, 0, 1, 0, 0, -1, 0, 0, {
		{ .n = 1, .kind = K_TLS, .sni = "A.Example.",
		  .alpn = TLSALPN01_ALPN, .want = W_SERVED, .by = 100,
		  .cert = NAME1, .cert_len = sizeof NAME1 - 1 } } },
	{ "IPv4 by its reverse name", 500, 0, 0, 1, 0, 0, -1, 0, 0, {
		{ .n = 1, .kind = K_TLS, .sni = IP4_REV,
		  .alpn = TLSALPN01_ALPN, .want = W_SERVED, .by = 100,
		  .cert = (const char *)ip4_bytes,
		  .cert_len = sizeof ip4_bytes } } },
	{ "IPv6 by its reverse name", 500, 0, 0, 1, 0, 0, -1, 0, 0, {
		{ .n = 1, .kind = K_TLS, .sni = IP6_REV,
		  .alpn = TLSALPN01_ALPN, .want = W_SERVED, .by = 100 } } },
	{ "partial sends", 2000, 7, 0, 1, 0, 0, -1, 0, 0, { V1(1, 0, 2000) } },
	{ "ClientHello dripped", 3000, 0, 0, 1, 0, 0, -1, 0, 0, {
		{ .n = 1, .kind = K_TLS, .sni = NAME1, .alpn = TLSALPN01_ALPN,
		  .drip = 5, .want = W_SERVED, .by = TMO } } },
	/* What is refused: an alert, never a certificate. */
	{ "no ALPN", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_ALPN, 0, 0,
	    { REFUSE(NAME1, NULL) } },
	{ "ALPN http/1.1", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_ALPN, 0, 0,
	    { REFUSE(NAME1, "http/1.1") } },
	{ "ALPN acme-tls/2", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_ALPN, 0, 0,
	    { REFUSE(NAME1, "acme-tls/2") } },
	{ "no SNI", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI, 0, 0,
	    { REFUSE(NULL, TLSALPN01_ALPN) } },
	{ "SNI not validated", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI, 0, 0,
	    { REFUSE("c.example", TLSALPN01_ALPN) } },
	{ "SNI a suffix", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI, 0, 0,
	    { REFUSE("example", TLSALPN01_ALPN) } },
	{ "SNI longer", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI, 0, 0,
	    { REFUSE(NAME1 ".evil", TLSALPN01_ALPN) } },
	{ "SNI two dots", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI, 0, 0,
	    { REFUSE(NAME1 "..", TLSALPN01_ALPN) } },
	{ "SNI the address itself", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI, 0, 0,
	    { REFUSE(IP4, TLSALPN01_ALPN) } },
	{ "SNI another reverse name", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_SNI,
	    0, 0,
	    { REFUSE("8.2.0.192.in-addr.arpa", TLSALPN01_ALPN) } },
	/* Hostile bytes: refused or dropped, never a crash. */
	{ "garbage", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_TLS, 0, 0,
	    { RAW(garbage, sizeof garbage - 1, 0, W_DROP) } },
	{ "record over 16 KB", 500, 0, 0, 0, 1, 0, TLSALPN01_WHY_TLS, 0, 0,
	    { RAW(over_record, sizeof over_record, 0, W_DROP) } },
	{ "ClientHello cut, then EOF", 500, 0, 0, 0, 0, 1, -1, 0, 0,
	    { RAW(hello, 60, 1, W_DROP) } },
	{ "ClientHello over TLSALPN01_MAX_IN", 1000, 0, 0, 0, 1, 0,
	    TLSALPN01_WHY_TLS, BR_ERR_TOO_LARGE, 0, {
		{ .n = 1, .kind = K_RAW, .req = (const char *)huge_hello,
		  .len = sizeof huge_hello, .want = W_DROP, .by = 1000 } } },
	/* The deadline, and eviction. */
	{ "idle alone: deadline", TMO + 500, 0, 0, 0, 0, 1, -1, 0, 0,
	    { IDLE(1, 0, 0, W_DROP, TMO + 100, TMO) } },
	{ "ClientHello cut, then silence: deadline", TMO + 500, 0, 0, 0, 0,
	    1, -1, 0, 0, { { .n = 1, .kind = K_RAW, .req = (const char *)hello,
	    .len = 60, .want = W_DROP, .by = TMO + 100, .after = TMO } } },
	{ "validator behind idle slots", TMO + 1000, 0, 0, 1, 0, SLOTS, -1,
	    0, 0, {
		IDLE(SLOTS, 0, 10, W_DROP, 0, 0),
		V1(1, 100, EV + 100) } },
	{ "idle, a validator: the oldest idle goes", 1500, 0, 0, 1, 0, 1,
	    -1, 0, 0, {
		IDLE(1, 0, 0, W_DROP, EV + 100, EV),
		IDLE(SLOTS - 1, 200, 10, W_OPEN, 0, 0),
		V1(1, 300, EV + 100) } },
	{ "drips hold slots, a validator evicts one", TMO + 1000, 0, 0, 1,
	    0, SLOTS, -1, 0, 0, {
		{ .n = SLOTS, .kind = K_TLS, .sni = NAME1,
		  .alpn = TLSALPN01_ALPN, .drip = 1000, .want = W_DROP },
		V1(1, 100, EV + 100) } },
	{ "more validators than slots", 2000, 0, 0, SLOTS + 3, 0, 0, -1, 0, 0,
	    { V1(SLOTS + 3, 100, 200) } },
	{ "validators and refusals at once", 1000, 0, 0, SLOTS + 1, 2, 0,
	    -1, 0, 0, {
		V1(SLOTS + 1, 100, 300),
		TLS(1, 100, NAME1, "h2", W_REFUSED),
		TLS(1, 100, "x.example", TLSALPN01_ALPN, W_REFUSED) } },
	/* A peer that stalls after its ClientHello (it reads the answer
	 * and sends nothing more) holds its slot until the deadline: it is
	 * past its ClientHello, so it is never evicted.  One that never
	 * reads has had no byte of the answer: it is evicted as an idle
	 * one is. */
	{ "stalled after ClientHello", TMO + 1000, 0, 0, 1, 0, SLOTS, -1, 0,
	    0, {
		{ .n = SLOTS, .kind = K_TLS, .sni = NAME1,
		  .alpn = TLSALPN01_ALPN, .stall = 1, .want = W_DROP,
		  .by = TMO + 100, .after = TMO },
		V1(1, 100, TMO + 100) } },
	{ "peers that never read", TMO + 1000, 0, 0, 1, 0, SLOTS, -1, 0, 0, {
		{ .n = SLOTS, .kind = K_TLS, .sni = NAME1,
		  .alpn = TLSALPN01_ALPN, .deaf = 1, .want = W_DROP },
		V1(1, 100, EV + 100) } },
	/* A slow CPU: every send costs 150 ms (a handshake's turn 750 ms,
	 * as a Cortex-M3's three point multiplications and more), so a
	 * poll serves one engine and a new connection waits longer than
	 * ACME_TLSALPN01_EVICT_MS for its first turn.  Validators still
	 * must not evict each other, and a poll lasts
	 * ACME_TLSALPN01_POLL_MS and one turn more (a turn sends at most 6
	 * records: the server's flight in two or three, ChangeCipherSpec,
	 * Finished, close_notify). */
	{ "slow CPU, more validators than slots", 10000, 0, 150, SLOTS + 3,
	    0, 0, -1, 0, ACME_TLSALPN01_POLL_MS + 6 * 150,
	    { V1(SLOTS + 3, 100, 0) } },
};


/* ---- tlsalpn01_add() ---- */

static int
fake_entropy(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return fp_entropy(NULL, buf, len);
}

static void
test_add(void)
{
	static struct tlsalpn01 r;
	struct acme_port p;
	uint8_t d1[32], d2[32];
	char name[ACME_MAX_NAME + 2];
	unsigned char old[TLSALPN01_CERT_MAX];
	size_t len, i;
	unsigned k;

	memset(&FP, 0, sizeof FP);
	FP.rng = 12345;
	fp_port(&p);
	p.entropy = fake_entropy;
	tlsalpn01_digest(d1, TOK1, THUMB);
	tlsalpn01_digest(d2, TOK2, THUMB);
	tlsalpn01_init(&r);
	T_CASE("add: not started");
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, NAME1, d1) == ACME_ERR_PARAM);
	CHECK(tlsalpn01_start(&r, &p, 443) == ACME_OK && r.key.valid);
	T_CASE("add: refusals");
	CHECK(tlsalpn01_add(&r, 7, NAME1, d1) == ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, "*.a.example", d1) ==
	    ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, "a..example", d1) ==
	    ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, "", d1) == ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, "a example", d1) ==
	    ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_IP, "1.2.3", d1) == ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_IP, NAME1, d1) == ACME_ERR_PARAM);
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, NULL, d1) == ACME_ERR_PARAM);
	memset(name, 'a', sizeof name - 1);
	name[sizeof name - 1] = 0;
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, name, d1) ==
	    ACME_ERR_TOO_LARGE);
	CHECK(r.nids == 0);

	/* The longest name: the certificate within TLSALPN01_CERT_MAX,
	 * and the bound tight: exact for 253 characters, where DER lengths
	 * are longest, a few bytes over below (the signature's DER length
	 * also varies by 2). */
	T_CASE("add: longest name");
	len = ACME_MAX_NAME < 253 ? ACME_MAX_NAME : 253;
	for (i = 0; i < len; i++)
		name[i] = i % 63 == 62 ? '.' : 'a';
	if (name[len - 1] == '.') {
		name[len - 2] = '.';
		name[len - 1] = 'b';
	}
	name[len] = 0;
	k = (unsigned)-tlsalpn01_add(&r, TLSALPN01_DNS, name, d1);
	CHECKF(k == 0, "%zu characters: error -%u", len, k);
	CHECKF(r.id[0].cert_len + 12 >= TLSALPN01_CERT_MAX &&
	    r.id[0].cert_len <= TLSALPN01_CERT_MAX, "certificate of %u "
	    "bytes, TLSALPN01_CERT_MAX %u", (unsigned)r.id[0].cert_len,
	    (unsigned)TLSALPN01_CERT_MAX);

	T_CASE("add: the same name again");
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, NAME1, d1) == ACME_OK);
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, "A.EXAMPLE", d1) == ACME_OK);
	CHECK(tlsalpn01_add(&r, TLSALPN01_IP, "2001:db8::1", d1) == ACME_OK);
	CHECK(tlsalpn01_add(&r, TLSALPN01_IP, "2001:DB8:0:0::1", d1) ==
	    ACME_OK);
	CHECK(r.nids == 3);
	memcpy(old, r.id[1].cert, sizeof old);
	T_CASE("add: a new digest replaces the certificate");
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, NAME1, d2) == ACME_OK);
	CHECK(r.nids == 3 && memcmp(r.id[1].digest, d2, 32) == 0 &&
	    memcmp(old, r.id[1].cert, sizeof old) != 0);
	CHECK(has_bytes(r.id[1].cert, r.id[1].cert_len, d2, 32) &&
	    !has_bytes(r.id[1].cert, r.id[1].cert_len, d1, 32));

	T_CASE("add: ACME_MAX_IDENTIFIERS");
	for (k = r.nids; k < ACME_MAX_IDENTIFIERS; k++) {
		name[0] = (char)('c' + k);
		strcpy(name + 1, ".example");
		CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, name, d1) == ACME_OK);
	}
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, "z.example", d1) ==
	    ACME_ERR_TOO_LARGE);
	CHECK(r.nids == ACME_MAX_IDENTIFIERS);
	tlsalpn01_stop(&r, &p);
	T_CASE("add: after stop");
	CHECK(tlsalpn01_add(&r, TLSALPN01_DNS, NAME1, d1) == ACME_ERR_PARAM);
	CHECK(FP.fl.bad == 0 && !FP.fl.listening);
}

static struct tlsalpn01 R;

static void
run_case(const struct tcase *tc)
{
	struct acme_port p;
	const char *v;
	unsigned i;

	fp_setup(tc);
	fp_port(&p);
	tlsalpn01_init(&R);
	CHECK(tlsalpn01_start(&R, &p, 443) == ACME_OK);
	add_all(&R);
	FP.pk = R.pk;
	for (i = 0; i < FP.fl.n; i++)
		if (FP.c[i].s->kind == K_TLS)
			fp_peer_start(&FP.c[i]);
	for (FP.fl.now = 0; FP.fl.now <= tc->run; FP.fl.now += STEP_MS)
		fp_poll(&R, &p);
	for (i = 0; i < FP.fl.n; i++)
		judge(tc, i);
	if (tc->served >= 0)
		CHECKF(R.served == (uint32_t)tc->served, "%s: served %u, want "
		    "%d", tc->name, (unsigned)R.served, tc->served);
	if (tc->refused >= 0)
		CHECKF(R.refused == (uint32_t)tc->refused, "%s: refused %u, "
		    "want %d", tc->name, (unsigned)R.refused, tc->refused);
	if (tc->dropped >= 0)
		CHECKF(R.dropped == (uint32_t)tc->dropped, "%s: dropped %u, "
		    "want %d", tc->name, (unsigned)R.dropped, tc->dropped);
	if (tc->tls_err != 0)
		CHECKF(R.tls_err == tc->tls_err, "%s: BearSSL error %d, want "
		    "%d", tc->name, R.tls_err, tc->tls_err);
	if (tc->why >= 0)
		CHECKF(R.why == tc->why, "%s: why %d, want %d (BearSSL error "
		    "%d)", tc->name, R.why, tc->why, R.tls_err);
	tlsalpn01_stop(&R, &p);
	v = fl_verdict(&FP.fl, MAX_CALLS_PER_POLL, SLOTS + 1);
	CHECKF(v == NULL, "%s: %s", tc->name, v);
	CHECK(!tlsalpn01_active(&R) && R.nids == 0);
	if (tc->poll_max != 0)
		CHECKF(FP.fl.max_poll <= tc->poll_max, "%s: a poll took %llu "
		    "ms, want <= %u", tc->name,
		    (unsigned long long)FP.fl.max_poll, tc->poll_max);
}

/* A real ClientHello (SNI a.example, ALPN acme-tls/1) from a BearSSL
 * client, and one of two full records: a ClientHello header announcing
 * 64 KB, then cipher suites nobody knows. */
static void
make_hellos(void)
{
	static const char *protos[] = { TLSALPN01_ALPN };
	static br_ssl_client_context cc;
	static br_x509_minimal_context xc;
	static unsigned char buf[BR_SSL_BUFSIZE_MONO];
	unsigned char seed[32] = { 1 }, *b;
	size_t n, i;

	br_ssl_client_init_full(&cc, &xc, NULL, 0);
	br_ssl_engine_set_buffer(&cc.eng, buf, sizeof buf, 0);
	br_ssl_engine_inject_entropy(&cc.eng, seed, sizeof seed);
	br_ssl_engine_set_protocol_names(&cc.eng, protos, 1);
	br_ssl_client_reset(&cc, NAME1, 0);
	b = br_ssl_engine_sendrec_buf(&cc.eng, &n);
	if (b != NULL && n <= sizeof hello) {
		memcpy(hello, b, n);
		hello_len = n;
	}
	for (i = 0; i < sizeof huge_hello; i += 5 + 16384) {
		memset(huge_hello + i + 5, 0x0A, 16384);
		huge_hello[i] = 0x16;
		huge_hello[i + 1] = 0x03;
		huge_hello[i + 2] = 0x01;
		huge_hello[i + 3] = 0x40;
		huge_hello[i + 4] = 0x00;
	}
	/* ClientHello of 65535 bytes: version, random, no session id,
	 * then a cipher suite list of 65000 bytes */
	memcpy(huge_hello + 5, "\x01\x00\xff\xff\x03\x03", 6);
	huge_hello[5 + 6 + 32] = 0;
	huge_hello[5 + 6 + 33] = 0xFD;
	huge_hello[5 + 6 + 34] = 0xE8;
}

static void
test_cases(void)
{
	size_t i;

	make_hellos();
	T_CASE("the ClientHello made");
	CHECK(hello_len > 100 && hello[0] == 0x16);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		T_CASE("case[%u] %s", (unsigned)i, cases[i].name);
		run_case(&cases[i]);
	}
}

/* ---- real sockets (port/posix) and openssl ---- */

static char dir[64];

/* sh -c cmd in the background. */
static pid_t
spawn(const char *cmd)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Serve r until the n children have exited, 20 s at most (then they are
 * killed).  1 when they all exited by themselves. */
static int
drive(struct tlsalpn01 *r, const struct acme_port *p, pid_t *pid, int n)
{
	long t0 = loopback_ms();
	int left = n, i, st;

	while (left > 0 && loopback_ms() - t0 < 20000) {
		tlsalpn01_poll(r, p);
		p->idle(p->ctx, 5);
		for (i = 0; i < n; i++)
			if (pid[i] > 0 && waitpid(pid[i], &st, WNOHANG) ==
			    pid[i]) {
				pid[i] = 0;
				left--;
			}
	}
	for (i = 0; i < n; i++)
		if (pid[i] > 0) {
			kill(pid[i], SIGKILL);
			waitpid(pid[i], &st, 0);
		}
	return left == 0;
}

/* The whole of file path into buf (cap bytes, NUL-terminated). */
static size_t
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = 0;
	if (f == NULL)
		return 0;
	n = fread(buf, 1, cap - 1, f);
	buf[n] = 0;
	fclose(f);
	return n;
}

/* Run cmd (in dir) to its end; its exit status, its output into out. */
static int
run(const char *cmd, char *out, size_t cap)
{
	char full[1024], path[128];
	int st;

	snprintf(path, sizeof path, "%s/run.out", dir);
	snprintf(full, sizeof full, "cd %s && { %s; } >run.out 2>&1", dir,
	    cmd);
	st = system(full);
	slurp(path, out, cap);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* s_client runs n at a time: start them, serve, wait; 1 when all ended
 * by themselves.  Output of client k in dir/sc.k. */
static int
s_clients(struct tlsalpn01 *r, const struct acme_port *p, uint16_t port,
    const char *args, int n)
{
	char cmd[8192];
	pid_t pid[16];
	int k;

	for (k = 0; k < n && k < 16; k++) {
		snprintf(cmd, sizeof cmd, "exec openssl s_client -connect "
		    "127.0.0.1:%u %s </dev/null >%s/sc.%d 2>&1",
		    (unsigned)port, args, dir, k);
		pid[k] = spawn(cmd);
	}
	return drive(r, p, pid, k);
}

/* The hex SHA-256 of s by openssl dgst (upper case), "" on error. */
static void
dgst(const char *s, char *hex, size_t cap)
{
	char cmd[256], out[256];
	size_t i;

	snprintf(cmd, sizeof cmd, "printf '%%s' '%s' | openssl dgst -sha256 "
	    "-r", s);
	hex[0] = 0;
	if (run(cmd, out, sizeof out) != 0 || strlen(out) < 64)
		return;
	for (i = 0; i < 64 && i + 1 < cap; i++)
		hex[i] = (char)(out[i] >= 'a' && out[i] <= 'f' ?
		    out[i] - 'a' + 'A' : out[i]);
	hex[i] = 0;
}

/* The line after the one holding key in text (its first non-blank
 * character on), into line. */
static int
line_after(const char *text, const char *key, char *line, size_t cap)
{
	const char *a = strstr(text, key), *e;
	size_t n;

	if (a == NULL || (a = strchr(a, '\n')) == NULL)
		return -1;
	while (*a == '\n' || *a == ' ')
		a++;
	e = strchr(a, '\n');
	n = e != NULL ? (size_t)(e - a) : strlen(a);
	if (n >= cap)
		return -1;
	memcpy(line, a, n);
	line[n] = 0;
	return 0;
}

/* Value of the hex digit c, or -1. */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The certificate client 0 printed, checked by openssl: the one SAN,
 * issuer = subject, the critical acmeIdentifier with the SHA-256 of ka,
 * the self-signature, the responder's key. */
static void
check_cert(const char *what, const char *san, const char *ka,
    const struct tlsalpn01 *r)
{
	static char out[16384];
	char path[128], line[256], want[128], hex[80], *a, *e;
	unsigned char q[65];
	size_t n;

	snprintf(path, sizeof path, "%s/sc.0", dir);
	slurp(path, out, sizeof out);
	CHECKF(strstr(out, "ALPN protocol: acme-tls/1") != NULL, "%s: no "
	    "ALPN acme-tls/1 in s_client's output", what);
	CHECKF(run("sed -n '/BEGIN CERT/,/END CERT/p' sc.0 >c.pem && "
	    "test -s c.pem", out, sizeof out) == 0, "%s: no certificate",
	    what);
	run("openssl x509 -in c.pem -noout -ext subjectAltName", out,
	    sizeof out);
	CHECKF(line_after(out, "Subject Alternative Name", line,
	    sizeof line) == 0 && strcmp(line, san) == 0, "%s: SAN \"%s\", "
	    "want exactly \"%s\"", what, line, san);
	run("openssl x509 -in c.pem -noout -subject -issuer", out,
	    sizeof out);
	CHECKF(strcmp(out, "subject=CN = picoacme\nissuer=CN = picoacme\n") ==
	    0, "%s: %s", what, out);
	/* acmeIdentifier: OID, BOOLEAN TRUE, OCTET STRING { OCTET STRING
	 * (32) } whose content asn1parse dumps */
	run("openssl asn1parse -in c.pem", out, sizeof out);
	dgst(ka, hex, sizeof hex);
	snprintf(want, sizeof want, "[HEX DUMP]:0420%s", hex);
	a = strstr(out, ":1.3.6.1.5.5.7.1.31\n");
	CHECKF(strlen(hex) == 64 && a != NULL &&
	    line_after(a, "1.3.6.1.5.5.7.1.31", line, sizeof line) == 0 &&
	    strstr(line, "BOOLEAN") != NULL && strstr(line, ":255") != NULL,
	    "%s: acmeIdentifier missing or not critical", what);
	CHECKF(a != NULL && (a = strstr(a, "BOOLEAN")) != NULL &&
	    line_after(a, "BOOLEAN", line, sizeof line) == 0 &&
	    strstr(line, want) != NULL && strlen(strstr(line, want)) ==
	    strlen(want), "%s: acmeIdentifier \"%s\", want \"%s\"", what,
	    line, want);
	CHECKF(run("openssl verify -ignore_critical -check_ss_sig -CAfile "
	    "c.pem c.pem", out, sizeof out) == 0 && strstr(out, "c.pem: OK"),
	    "%s: not self-signed: %s", what, out);
	/* the public key: "pub:" then hex pairs until "ASN1 OID" */
	run("openssl x509 -in c.pem -noout -text", out, sizeof out);
	n = 0;
	if ((a = strstr(out, "pub:")) != NULL && (e = strstr(a, "ASN1 OID"))
	    != NULL) {
		for (a += 4; a + 1 < e && n < sizeof q; a++) {
			if (hexval(a[0]) < 0 || hexval(a[1]) < 0)
				continue;
			q[n++] = (unsigned char)(hexval(a[0]) << 4 |
			    hexval(a[1]));
			a++;
		}
	}
	CHECKF(n == sizeof q && memcmp(q, r->key.q, sizeof q) == 0,
	    "%s: not the responder's key", what);
}

static const struct {
	const char *name;
	const char *args;      /* s_client options besides -connect */
	const char *san;       /* the one SAN; NULL: refused */
	const char *ka;        /* key authorization in the certificate */
	int why;               /* refused: why */
	const char *alert;     /* refused: in s_client's output (NULL:
	                        * not checked) */
} sc[] = {
	{ "DNS name", "-alpn acme-tls/1 -servername " NAME1, "DNS:" NAME1,
	  TOK1 "." THUMB, 0, NULL },
	{ "second name", "-alpn acme-tls/1 -servername " NAME2,
	  "DNS:" NAME2, TOK2 "." THUMB, 0, NULL },
	{ "IPv4", "-alpn acme-tls/1 -servername " IP4_REV,
	  "IP Address:192.0.2.7", TOK3 "." THUMB, 0, NULL },
	{ "IPv6", "-alpn acme-tls/1 -servername " IP6_REV,
	  "IP Address:2001:DB8:0:0:0:0:0:1", TOK4 "." THUMB, 0, NULL },
	{ "no ALPN", "-servername " NAME1, NULL, NULL, TLSALPN01_WHY_ALPN,
	  "alert handshake failure" },
	{ "ALPN http/1.1", "-alpn http/1.1 -servername " NAME1, NULL, NULL,
	  TLSALPN01_WHY_ALPN, "alert no application protocol" },
	{ "ALPN h2,http/1.1", "-alpn h2,http/1.1 -servername " NAME1, NULL,
	  NULL, TLSALPN01_WHY_ALPN, "alert no application protocol" },
	{ "SNI not validated", "-alpn acme-tls/1 -servername c.example",
	  NULL, NULL, TLSALPN01_WHY_SNI, "alert handshake failure" },
	{ "no SNI", "-alpn acme-tls/1 -noservername", NULL, NULL,
	  TLSALPN01_WHY_SNI, "alert handshake failure" },
	{ "static RSA suites only", "-alpn acme-tls/1 -servername " NAME1
	  " -tls1_2 -cipher AES128-GCM-SHA256", NULL, NULL,
	  TLSALPN01_WHY_TLS, "alert handshake failure" },
	{ "TLS 1.3 only", "-alpn acme-tls/1 -servername " NAME1 " -tls1_3",
	  NULL, NULL, TLSALPN01_WHY_TLS, "alert handshake failure" },
	{ "TLS 1.1 at most", "-alpn acme-tls/1 -servername " NAME1
	  " -tls1_1", NULL, NULL, TLSALPN01_WHY_TLS, NULL },
};

/* A ClientHello far over the engine's buffer: a long ALPN list that
 * ends with acme-tls/1. */
static char big_alpn[4096];

/* The index of the first byte of the n at p that is not 0, or n. */
static size_t
first_set(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n && b[i] == 0; i++)
		;
	return i;
}

/* Raw bytes over a real socket: the responder must close the connection
 * (EOF or reset) within 3 s, counting it as want says. */
static void
test_raw_sockets(const struct acme_port *p, uint16_t port)
{
	static const struct {
		const char *name;
		const unsigned char *b;
		size_t len;
		int shut;              /* FIN after the bytes */
		int refused;           /* 1: refused, 0: dropped */
		int tls_err;           /* BearSSL's error (0: any) */
	} t[] = {
		{ "garbage", (const unsigned char *)garbage,
		  sizeof garbage - 1, 0, 1, 0 },
		{ "record over 16 KB", over_record, sizeof over_record, 0, 1,
		  BR_ERR_BAD_LENGTH },
		{ "ClientHello cut, then FIN", hello, 60, 1, 0, 0 },
		{ "ClientHello over TLSALPN01_MAX_IN", huge_hello,
		  sizeof huge_hello, 0, 1, BR_ERR_TOO_LARGE },
	};
	uint32_t refused, dropped;
	size_t i, off;
	long t0;
	int fd, closed;
	char b[512];
	ssize_t n;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		T_CASE("sockets[%u] %s", (unsigned)i, t[i].name);
		refused = R.refused;
		dropped = R.dropped;
		fd = loopback_connect(port);
		CHECK(fd >= 0);
		if (fd < 0)
			continue;
		off = 0;
		closed = 0;
		t0 = loopback_ms();
		while (!closed && loopback_ms() - t0 < 3000) {
			if (off < t[i].len) {
				n = send(fd, t[i].b + off, t[i].len - off,
				    MSG_DONTWAIT | MSG_NOSIGNAL);
				if (n > 0)
					off += (size_t)n;
				if (off == t[i].len && t[i].shut)
					shutdown(fd, SHUT_WR);
			}
			tlsalpn01_poll(&R, p);
			p->idle(p->ctx, 5);
			n = recv(fd, b, sizeof b, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN &&
			    errno != EWOULDBLOCK))
				closed = 1;
		}
		close(fd);
		CHECKF(closed, "%s: still open after 3 s", t[i].name);
		if (t[i].refused)
			CHECKF(R.refused == refused + 1 && R.why ==
			    TLSALPN01_WHY_TLS && (t[i].tls_err == 0 ||
			    R.tls_err == t[i].tls_err), "%s: refused %u (was "
			    "%u), why %d, BearSSL error %d", t[i].name,
			    (unsigned)R.refused, (unsigned)refused, R.why,
			    R.tls_err);
		else
			CHECKF(R.dropped == dropped + 1 && R.refused == refused,
			    "%s: dropped %u (was %u)", t[i].name,
			    (unsigned)R.dropped, (unsigned)dropped);
	}
}

/* stop() with a handshake in the middle (its engine holds an ECDHE
 * secret) leaves no byte of the key, the certificates or the engines. */
static void
test_wipe(const struct acme_port *p, uint16_t port)
{
	size_t i, nz = 0, k;
	long t0;
	int fd, mid = 0;

	T_CASE("stop wipes the key, the certificates and the engines");
	for (i = 0; i < sizeof R.key.x; i++)
		nz += R.key.x[i] != 0;
	CHECK(nz > 0 && R.key.valid && R.id[0].cert_len > 0);
	fd = loopback_connect(port);
	CHECK(fd >= 0 && send(fd, hello, hello_len, 0) == (ssize_t)hello_len);
	for (t0 = loopback_ms(); !mid && loopback_ms() - t0 < 3000; ) {
		tlsalpn01_poll(&R, p);
		for (k = 0; k < SLOTS; k++)
			mid |= R.conn[k].h >= 0 &&
			    R.conn[k].state == TLSALPN01_SHAKING;
		if (!mid)
			p->idle(p->ctx, 5);
	}
	CHECKF(mid, "no handshake in the middle to wipe");
	tlsalpn01_stop(&R, p);
	i = first_set(&R.key, sizeof R.key);
	CHECKF(i == sizeof R.key, "key byte %zu not wiped", i);
	i = first_set(R.id, sizeof R.id);
	CHECKF(i == sizeof R.id, "identifier byte %zu not wiped", i);
	for (k = 0; k < SLOTS; k++) {
		i = first_set(&R.conn[k].sc, sizeof R.conn[k].sc);
		CHECKF(i == sizeof R.conn[k].sc, "slot %zu: engine byte %zu "
		    "not wiped", k, i);
		i = first_set(R.conn[k].iobuf, TLSALPN01_IOBUF);
		CHECKF(i == TLSALPN01_IOBUF, "slot %zu: I/O byte %zu not "
		    "wiped", k, i);
	}
	CHECK(!tlsalpn01_active(&R) && R.nids == 0 && R.served > 0);
	if (fd >= 0)
		close(fd);
}
static void
test_openssl(void)
{
	struct posix_port pp;
	struct acme_port p;
	char args[8192], out[16384];
	uint32_t refused;
	size_t i;
	int k, ok, idle[SLOTS + 2];
	long t0, t;
	uint16_t port = 0;
	uint32_t dropped;

	posix_port_init(&p, &pp, ".", 0);
	tlsalpn01_init(&R);
	for (i = 0; i < 5 && !tlsalpn01_active(&R); i++)
		if ((port = loopback_free_port()) != 0)
			tlsalpn01_start(&R, &p, port);
	CHECKF(tlsalpn01_active(&R), "cannot listen (port %u)",
	    (unsigned)port);
	if (!tlsalpn01_active(&R))
		return;
	add_all(&R);
	for (i = 0; i < sizeof sc / sizeof sc[0]; i++) {
		T_CASE("openssl[%u] %s", (unsigned)i, sc[i].name);
		refused = R.refused;
		ok = s_clients(&R, &p, port, sc[i].args, 1);
		CHECKF(ok, "%s: s_client did not end", sc[i].name);
		if (sc[i].san != NULL) {
			check_cert(sc[i].name, sc[i].san, sc[i].ka, &R);
			continue;
		}
		snprintf(args, sizeof args, "%s/sc.0", dir);
		slurp(args, out, sizeof out);
		CHECKF(strstr(out, "BEGIN CERTIFICATE") == NULL, "%s: a "
		    "certificate was sent", sc[i].name);
		CHECKF(sc[i].alert == NULL || strstr(out, sc[i].alert) != NULL,
		    "%s: no \"%s\"", sc[i].name, sc[i].alert);
		CHECKF(R.refused == refused + 1 && R.why == sc[i].why,
		    "%s: refused %u (was %u), why %d", sc[i].name,
		    (unsigned)R.refused, (unsigned)refused, R.why);
	}

	T_CASE("openssl: the signature check can fail");
	CHECK(run("openssl x509 -in c.pem -outform DER -out c.der && "
	    "n=$(wc -c <c.der) && head -c $((n - 1)) c.der >bad.der && "
	    "tail -c 1 c.der | tr '\\000-\\377' '\\001-\\377\\000' "
	    ">>bad.der && openssl x509 -inform DER -in bad.der -out bad.pem",
	    out, sizeof out) == 0);
	CHECK(run("openssl verify -ignore_critical -check_ss_sig -CAfile "
	    "bad.pem bad.pem", out, sizeof out) != 0);

	T_CASE("openssl: ClientHello of %zu bytes of ALPN", strlen(big_alpn));
	snprintf(args, sizeof args, "-alpn %s -servername " NAME1, big_alpn);
	CHECK(s_clients(&R, &p, port, args, 1));
	check_cert("big ClientHello", "DNS:" NAME1, TOK1 "." THUMB, &R);

	T_CASE("openssl: %d clients at once", SLOTS + 3);
	k = (int)R.served;
	CHECK(s_clients(&R, &p, port, "-alpn acme-tls/1 -servername " NAME1,
	    SLOTS + 3));
	for (i = 0; i < SLOTS + 3; i++) {
		snprintf(args, sizeof args, "%s/sc.%u", dir, (unsigned)i);
		slurp(args, out, sizeof out);
		CHECKF(strstr(out, "BEGIN CERTIFICATE") != NULL &&
		    strstr(out, "ALPN protocol: acme-tls/1") != NULL,
		    "client %u of %d: no certificate", (unsigned)i,
		    SLOTS + 3);
	}
	CHECK(R.served == (uint32_t)k + SLOTS + 3);

	/* Idle connections fill every slot and the queue; one validator
	 * behind them is answered once they have been evicted, in about
	 * (idle / SLOTS + 1) eviction periods, not after the deadline. */
	T_CASE("openssl: behind %d idle connections", SLOTS + 2);
	dropped = R.dropped;
	for (k = 0; k < SLOTS + 2; k++)
		idle[k] = loopback_connect(port);
	t0 = loopback_ms();
	ok = s_clients(&R, &p, port, "-alpn acme-tls/1 -servername " NAME1,
	    1);
	t = loopback_ms() - t0;
	snprintf(args, sizeof args, "%s/sc.0", dir);
	slurp(args, out, sizeof out);
	CHECKF(ok && strstr(out, "BEGIN CERTIFICATE") != NULL,
	    "behind idle ones: no certificate after %ld ms", t);
	CHECKF(t < ((SLOTS + 2) / SLOTS + 1) * EV + 1500 && t < TMO,
	    "behind idle ones: %ld ms", t);
	for (k = 0, i = 0; k < SLOTS + 2; k++) {
		char b;

		if (idle[k] >= 0 && recv(idle[k], &b, 1, MSG_DONTWAIT) == 0)
			i++;   /* evicted: closed by the responder */
		if (idle[k] >= 0)
			close(idle[k]);
	}
	CHECKF(i >= 1 && R.dropped >= dropped + i, "behind idle ones: %u "
	    "closed, dropped %u (was %u)", (unsigned)i, (unsigned)R.dropped,
	    (unsigned)dropped);

	test_raw_sockets(&p, port);

	/* After a connection the engine's bytes (its session keys) are
	 * wiped, not only at stop. */
	T_CASE("openssl: free slots hold no residue");
	for (k = 0; k < SLOTS; k++) {
		if (R.conn[k].h >= 0)
			continue;
		i = first_set(R.conn[k].iobuf, TLSALPN01_IOBUF);
		CHECKF(i == TLSALPN01_IOBUF, "slot %d: I/O byte %zu not wiped",
		    k, i);
		i = first_set(&R.conn[k].sc, sizeof R.conn[k].sc);
		CHECKF(i == sizeof R.conn[k].sc, "slot %d: engine byte %zu not "
		    "wiped", k, i);
	}

	test_wipe(&p, port);
	for (k = 0; k < POSIX_PORT_MAX_FDS; k++)
		CHECKF(pp.fds[k] == -1, "fd %d left open", pp.fds[k]);
}

int
main(void)
{
	char cmd[128];
	int i;

	signal(SIGPIPE, SIG_IGN);
	T_RUN(test_ip);
	T_RUN(test_reverse);
	T_RUN(test_add);
	T_RUN(test_cases);
	strcpy(dir, "/tmp/test_tlsalpn01.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		T_CASE("mkdtemp");
		CHECK(0);
		return t_done("tlsalpn01");
	}
	for (i = 0; i < 12; i++) {
		memset(big_alpn + i * 201, 'x', 200);
		big_alpn[i * 201 + 200] = ',';
	}
	strcpy(big_alpn + 12 * 201, TLSALPN01_ALPN);
	T_RUN(test_openssl);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return t_done("tlsalpn01");
}

#endif
