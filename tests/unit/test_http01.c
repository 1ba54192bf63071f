/*
 * test_http01.c -- the http-01 responder (core/challenge_http01.c).
 *
 * A table of scripted connections against a fake port of this file (not
 * the fake server): a fake clock that the test advances in 10 ms steps,
 * one http01_poll() per step, and peers that connect at a given time and
 * then stay idle, send a request at once or one byte per N ms, send
 * garbage or too much, close, or never read the answer.  Each connection
 * is judged by what it received and when the responder closed it.
 * After every case http01_stop() must have closed every handle the port
 * gave out, and no port call may have had len 0 or a handle that was not
 * open.  Then the same over real sockets (port/posix): three idle TCP
 * connections must not keep a validator from its answer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>
#include "acme_err.h"
#include "challenge_http01.h"
#include "posix/port_posix.h"
#include "fake_listen.h"
#include "loopback.h"
#include "t.h"

#define TOK1 "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define TOK2 "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define TOK3 "wTmyXH7CX0Xq7O2bbn5VUZYvrcPYxVXnGG7I8EwpQXo"  /* never live */
#define THUMB "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define KA1 TOK1 "." THUMB
#define KA2 TOK2 "." THUMB
#define P(tok) "/.well-known/acme-challenge/" tok
#define HDRS "Host: example.org\r\nUser-Agent: validator\r\n" \
    "Accept: */*\r\nConnection: close\r\n\r\n"
#define GET(path) "GET " path " HTTP/1.1\r\n" HDRS

/* The cases need 3 idle connections and a validator to fit without an
 * eviction. */
#if ACME_HTTP01_SLOTS < 4
#error "test_http01 needs ACME_HTTP01_SLOTS >= 4"
#endif

#define STEP_MS 10              /* fake time between two polls */
#define TMO ACME_HTTP01_TIMEOUT_MS
#define SLOTS ACME_HTTP01_SLOTS
#define EV ACME_HTTP01_EVICT_MS
#if EV + 300 > 1000
#error "test_http01 needs ACME_HTTP01_EVICT_MS <= 700 (a validator within 1 s)"
#endif
/* Port calls one http01_poll() may make: a loose bound, it only has to
 * catch a loop that is not bounded. */
#define MAX_CALLS_PER_POLL (16 * (SLOTS + 1))

/* ---- the scripted peers ---- */

enum { W_OPEN = -1, W_DROP = 0 };

struct script {
	unsigned n;            /* connections like this (0: unused line) */
	uint32_t at, gap;      /* the first connects at, the next gap later */
	const char *req;       /* bytes the peer sends; NULL: none */
	size_t len;            /* of req; 0: strlen(req) */
	uint32_t data_at;      /* its first byte comes this long after
	                        * connecting */
	uint32_t drip;         /* then one byte per drip ms; 0: all at once */
	unsigned char eof;     /* the peer closes after its last byte */
	unsigned char stall;   /* the peer never reads: send() says 0 */
	int want;              /* 200, 404, 400; W_DROP: closed without an
	                        * answer; W_OPEN: open when the run ends */
	const char *body;      /* want 200: the key authorization */
	uint32_t by;           /* closed within by ms of connecting (0: any) */
	uint32_t after;        /* ... and not before after ms */
};

struct tcase {
	const char *name;
	uint32_t run;          /* ms of fake time driven */
	unsigned send_max;     /* bytes per send(), would-block in between;
	                        * 0: all at once */
	int served, refused;   /* counters expected (-1: not checked) */
	struct script s[6];
};

/* Requests built at start-up: exactly ACME_HTTP01_MAX_REQUEST bytes
 * with the blank line at the end; one byte more; a request line alone
 * that long; a TLS ClientHello's first bytes. */
static char big_ok[ACME_HTTP01_MAX_REQUEST + 1];
static char big_over[ACME_HTTP01_MAX_REQUEST + 2];
static char big_line[ACME_HTTP01_MAX_REQUEST + 2];
/* A live token of ACME_MAX_TOKEN characters, requests for it and for it
 * with one more character, and its key authorization. */
static char tok_max[ACME_MAX_TOKEN + 1];
static char get_max[ACME_MAX_TOKEN + 200], get_max_x[ACME_MAX_TOKEN + 200];
static char ka_max[ACME_MAX_TOKEN + 64];
static const char tls_hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03"
    "\x03\r\n\r\n";

/* ---- the fake port ---- */

#define FP_MAX (3 * SLOTS + 16)
#define FP_ANS 1024

struct fp_conn {
	struct fl_conn fl;     /* arrival, state, close time */
	const struct script *s;
	size_t got;            /* request bytes handed to the responder */
	char ans[FP_ANS + 1];
	size_t ans_len;
};

struct fp {
	struct fl fl;          /* the listener, clock and bookkeeping */
	unsigned send_max;
	unsigned sends;
	struct fp_conn c[FP_MAX];
};

static struct fp FP;

static size_t
fp_req_len(const struct script *s)
{
	if (s->req == NULL)
		return 0;
	return s->len != 0 ? s->len : strlen(s->req);
}

/* The connection behind handle h, if the responder may use it. */
static struct fp_conn *
fp_conn(int h, const char *what)
{
	return (struct fp_conn *)(void *)fl_conn(&FP.fl, h, what);
}

/* Request bytes the peer has sent by now. */
static size_t
fp_avail(const struct fp_conn *c)
{
	const struct script *s = c->s;
	size_t len = fp_req_len(s), n;
	uint64_t t;

	if (FP.fl.now < c->fl.at + s->data_at)
		return 0;
	if (s->drip == 0)
		return len;
	t = FP.fl.now - c->fl.at - s->data_at;
	n = (size_t)(t / s->drip) + 1;
	return n < len ? n : len;
}

static int
fp_recv(void *ctx, int h, void *buf, size_t len)
{
	struct fp_conn *c;
	size_t n;

	(void)ctx;
	FP.fl.calls++;
	if (len == 0)
		fl_bad(&FP.fl, "recv() with len 0", h);
	if ((c = fp_conn(h, "recv() on a handle not open")) == NULL)
		return -1;
	n = fp_avail(c) - c->got;
	if (n == 0)
		return c->s->eof && c->got == fp_req_len(c->s) ? -1 : 0;
	/* The first read gets 7 bytes at most: a split request. */
	if (c->got == 0 && n > 7)
		n = 7;
	if (n > len)
		n = len;
	memcpy(buf, c->s->req + c->got, n);
	c->got += n;
	return (int)n;
}

static int
fp_send(void *ctx, int h, const void *buf, size_t len)
{
	struct fp_conn *c;

	(void)ctx;
	FP.fl.calls++;
	if (len == 0)
		fl_bad(&FP.fl, "send() with len 0", h);
	if ((c = fp_conn(h, "send() on a handle not open")) == NULL)
		return -1;
	if (c->s->stall)
		return 0;
	if (FP.send_max != 0) {
		if (FP.sends++ % 2 == 1)
			return 0;
		if (len > FP.send_max)
			len = FP.send_max;
	}
	if (len > FP_ANS - c->ans_len) {
		fl_bad(&FP.fl, "answer over 1 KB", h);
		return -1;
	}
	memcpy(c->ans + c->ans_len, buf, len);
	c->ans_len += len;
	return (int)len;
}

static void
fp_port(struct acme_port *p)
{
	fl_port(p, &FP.fl);
	p->send = fp_send;
	p->recv = fp_recv;
}

/* Reset the port and expand the case's script lines into connections. */
static void
fp_setup(const struct tcase *tc)
{
	unsigned i, k;
	int j;

	memset(&FP, 0, sizeof FP);
	fl_init(&FP.fl, FP.c, sizeof FP.c[0], FP_MAX);
	FP.send_max = tc->send_max;
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

/* One poll, with the port calls and accepts it made counted. */
static void
fp_poll(struct http01 *r, const struct acme_port *p)
{
	struct fl_mark m = fl_mark(&FP.fl);

	http01_poll(r, p);
	fl_measure(&FP.fl, m);
}

/* ---- judging an answer ---- */

/* The status of an HTTP/1.1 answer, -1 when there is none. */
static int
ans_status(const char *a, size_t len)
{
	int st;

	if (len < 12 || strncmp(a, "HTTP/1.1 ", 9) != 0)
		return -1;
	st = atoi(a + 9);
	return st >= 100 && st <= 599 ? st : -1;
}

/* The body when the head's Content-Length is right, else NULL. */
static const char *
ans_body(const char *a)
{
	const char *b = strstr(a, "\r\n\r\n"), *cl;

	if (b == NULL)
		return NULL;
	b += 4;
	cl = strstr(a, "\r\nContent-Length: ");
	if (cl == NULL || cl > b ||
	    strtoul(cl + 18, NULL, 10) != strlen(b))
		return NULL;
	return b;
}

static void
judge(const struct tcase *tc, unsigned i)
{
	struct fp_conn *c = &FP.c[i];
	const struct script *s = c->s;
	const char *body;
	long t = c->fl.state == FL_CLOSED ?
	    (long)(c->fl.closed_at - c->fl.at) : -1;
	int st;

	c->ans[c->ans_len] = 0;
	st = ans_status(c->ans, c->ans_len);
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
	if (s->want == W_DROP)
		CHECKF(c->ans_len == 0, "%s: #%u: answered \"%.40s\" instead "
		    "of being closed", tc->name, i, c->ans);
	else
		CHECKF(st == s->want, "%s: #%u: status %d, want %d (\"%.40s\")",
		    tc->name, i, st, s->want, c->ans);
	if (s->want == 200) {
		body = ans_body(c->ans);
		CHECKF(body != NULL && strcmp(body, s->body) == 0,
		    "%s: #%u: body \"%s\"", tc->name, i, body ? body : "?");
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

/* ---- the cases ---- */

#define IDLE(n_, at_, gap_, want_, by_, after_) { .n = (n_), .at = (at_), \
    .gap = (gap_), .want = (want_), .by = (by_), .after = (after_) }
#define V1(at_) { .n = 1, .at = (at_), .req = GET(P(TOK1)), .want = 200, \
    .body = KA1, .by = 1000 }
#define ASK(r_, want_) { .n = 1, .req = (r_), .want = (want_), .by = 100 }

static const struct tcase cases[] = {
	/* The defect: one connection at a time, 5 s for each idle one. */
	{ "validator behind 3 idle", 3 * TMO + 1000, 0, 1, 0, {
		IDLE(3, 0, 10, W_DROP, TMO + 100, TMO),
		V1(100) } },
	{ "validator behind 3 idle, they stay", 1500, 0, 1, 0, {
		IDLE(3, 0, 10, W_OPEN, 0, 0),
		V1(100) } },
	/* More idle connections than slots: the oldest go first. */
	{ "eviction, oldest first", TMO + EV + 1000, 0, 1, 0, {
		IDLE(3, 0, 10, W_DROP, EV + 100, EV),
		IDLE(SLOTS - 1, 100, 10, W_DROP, TMO + EV + 100, TMO),
		V1(500) } },
	{ "eviction, twice the slots", 2000, 0, 2, 0, {
		IDLE(2 * SLOTS, 0, 10, W_DROP, 1000, 0),
		V1(400),
		IDLE(SLOTS - 1, 600, 1, W_OPEN, 0, 0),
		V1(700) } },
	/* Arrivals in the same millisecond: still the oldest first, once
	 * they have been idle ACME_HTTP01_EVICT_MS. */
	{ "burst, oldest first", EV + 500, 0, 0, 0, {
		IDLE(SLOTS, 0, 0, W_DROP, EV + 100, EV),
		IDLE(SLOTS, 0, 0, W_OPEN, 0, 0) } },
	/* A flood: every ACME_HTTP01_EVICT_MS the oldest SLOTS make room,
	 * the newest stay. */
	{ "flood", (20 / SLOTS) * EV + 500, 0, 0, 0, {
		IDLE(20 - SLOTS, 0, 0, W_DROP,
		    ((20 - 1) / SLOTS) * EV + 100, EV),
		IDLE(SLOTS, 0, 0, W_OPEN, 0, 0) } },
	/* Slow drip: the deadline, and eviction. */
	{ "slow drip", TMO + 1000, 0, 0, 0, {
		{ .n = 1, .req = GET(P(TOK1)), .drip = 100, .want = W_DROP,
		  .by = TMO + 100, .after = TMO } } },
	{ "slots full of drips", TMO + 1000, 0, 1, 0, {
		{ .n = 1, .req = GET(P(TOK1)), .drip = 100, .want = W_DROP,
		  .by = 1100 },
		{ .n = SLOTS - 1, .at = 10, .gap = 10, .req = GET(P(TOK1)),
		  .drip = 100, .want = W_DROP, .by = TMO + 100,
		  .after = TMO },
		V1(1000) } },
	/* The per-connection deadline: an idle one, a request just in
	 * time, one just too late, a drip that makes it. */
	{ "deadline", TMO + 1000, 0, 2, 0, {
		IDLE(1, 0, 0, W_DROP, TMO + 100, TMO),
		{ .n = 1, .req = GET(P(TOK1)), .data_at = TMO - 200,
		  .want = 200, .body = KA1, .by = TMO },
		{ .n = 1, .req = GET(P(TOK1)), .data_at = TMO + 100,
		  .want = W_DROP, .by = TMO + 100, .after = TMO },
		{ .n = 1, .req = GET(P(TOK2)), .drip = 15, .want = 200,
		  .body = KA2, .by = TMO } } },
	/* Peers that close. */
	{ "peer closes", 1000, 0, 1, 0, {
		{ .n = 1, .eof = 1, .want = W_DROP, .by = 100 },
		{ .n = 1, .req = "GET /.well-kn", .eof = 1, .want = W_DROP,
		  .by = 100 },
		{ .n = 1, .req = GET(P(TOK1)), .eof = 1, .want = 200,
		  .body = KA1, .by = 100 } } },
	/* Exact paths: anything but the live token's is 404. */
	{ "404 token+x", 500, 0, 0, 1, { ASK(GET(P(TOK1 "x")), 404) } },
	{ "404 short token", 500, 0, 0, 1,
	    { ASK(GET(P("LoqXcYV8q5ONbJQxbmR7")), 404) } },
	{ "404 dot-dot", 500, 0, 0, 1, { ASK(GET(P("../" TOK1)), 404) } },
	{ "404 root", 500, 0, 0, 1, { ASK(GET("/" TOK1), 404) } },
	{ "404 prefix only", 500, 0, 0, 1, { ASK(GET(P("")), 404) } },
	{ "404 dead token", 500, 0, 0, 1, { ASK(GET(P(TOK3)), 404) } },
	{ "404 query", 500, 0, 0, 1, { ASK(GET(P(TOK1 "?x=1")), 404) } },
	{ "404 absolute form", 500, 0, 0, 1,
	    { ASK(GET("http://example.org" P(TOK1)), 404) } },
	{ "404 HEAD", 500, 0, 0, 1,
	    { ASK("HEAD " P(TOK1) " HTTP/1.1\r\n" HDRS, 404) } },
	{ "404 lower case", 500, 0, 0, 1,
	    { ASK("get " P(TOK1) " HTTP/1.1\r\n" HDRS, 404) } },
	{ "404 HTTP/2.0", 500, 0, 0, 1,
	    { ASK("GET " P(TOK1) " HTTP/2.0\r\n" HDRS, 404) } },
	{ "404 HTTP/1.x", 500, 0, 0, 1,
	    { ASK("GET " P(TOK1) " HTTP/1.x\r\n" HDRS, 404) } },
	{ "404 longest token and one more", 500, 0, 0, 1,
	    { ASK(get_max_x, 404) } },
	{ "404 two spaces", 500, 0, 0, 1,
	    { ASK("GET " P(TOK1) "  HTTP/1.1\r\n" HDRS, 404) } },
	{ "404 junk after version", 500, 0, 0, 1,
	    { ASK("GET " P(TOK1) " HTTP/1.1x\r\n" HDRS, 404) } },
	{ "404 token on the next line", 500, 0, 0, 1,
	    { ASK("GET " P("") "\r\n" TOK1 " HTTP/1.1\r\n" HDRS, 404) } },
	{ "404 garbage", 500, 0, 0, 1, { ASK("hello\r\n\r\n", 404) } },
	{ "404 blank", 500, 0, 0, 1, { ASK("\n\n", 404) } },
	/* What is right. */
	{ "200 bare LF", 500, 0, 1, 0, {
		{ .n = 1, .req = "GET " P(TOK1) " HTTP/1.1\nHost: x\n\n",
		  .want = 200, .body = KA1, .by = 100 } } },
	{ "200 HTTP/1.0, second token", 500, 0, 1, 0, {
		{ .n = 1, .req = "GET " P(TOK2) " HTTP/1.0\r\n\r\n",
		  .want = 200, .body = KA2, .by = 100 } } },
	{ "200 longest token", 500, 0, 1, 0, {
		{ .n = 1, .req = get_max, .want = 200, .body = ka_max,
		  .by = 100 } } },
	{ "200 at exactly the size limit", 500, 0, 1, 0, {
		{ .n = 1, .req = big_ok, .len = ACME_HTTP01_MAX_REQUEST,
		  .want = 200, .body = KA1, .by = 100 } } },
	{ "200 at exactly the size limit, 2 bytes a poll", TMO, 0, 1, 0, {
		{ .n = 1, .req = big_ok, .len = ACME_HTTP01_MAX_REQUEST,
		  .drip = STEP_MS / 2, .want = 200, .body = KA1,
		  .by = TMO } } },
	/* Malformed or oversized: 400. */
	{ "400 one byte over", 500, 0, 0, 1, {
		{ .n = 1, .req = big_over, .len = ACME_HTTP01_MAX_REQUEST + 1,
		  .want = 400, .by = 100 } } },
	{ "400 endless line", 500, 0, 0, 1, {
		{ .n = 1, .req = big_line, .len = ACME_HTTP01_MAX_REQUEST + 1,
		  .want = 400, .by = 100 } } },
	{ "400 NUL in the path", 500, 0, 0, 1, {
		{ .n = 1, .req = "GET " P(TOK1) "\0 HTTP/1.1\r\n\r\n",
		  .len = sizeof("GET " P(TOK1) "\0 HTTP/1.1\r\n\r\n") - 1,
		  .want = 400, .by = 100 } } },
	{ "400 NUL in a header", 500, 0, 0, 1, {
		{ .n = 1, .req = "GET " P(TOK1) " HTTP/1.1\r\nX: \0\r\n\r\n",
		  .len = sizeof("GET " P(TOK1) " HTTP/1.1\r\nX: \0\r\n\r\n") -
		  1, .want = 400, .by = 100 } } },
	{ "400 TLS on port 80", 500, 0, 0, 1, {
		{ .n = 1, .req = tls_hello, .len = sizeof tls_hello - 1,
		  .want = 400, .by = 100 } } },
	/* Let's Encrypt validates from several places at once. */
	{ "five validators at once", 1000, 0, 5, 0, {
		IDLE(2, 0, 10, W_OPEN, 0, 0),
		{ .n = 3, .at = 200, .req = GET(P(TOK1)), .want = 200,
		  .body = KA1, .by = 100 },
		{ .n = 2, .at = 200, .req = GET(P(TOK2)), .want = 200,
		  .body = KA2, .by = 100 } } },
	/* Two validators that take 30 ms to send, with one slot free: they
	 * must not evict each other (nor the idle ones, which are not old
	 * enough); the second waits for the first's slot. */
	{ "validators slow to send, slots full", 1000, 0, 2, 0, {
		IDLE(SLOTS - 1, 0, 10, W_OPEN, 0, 0),
		{ .n = 2, .at = 200, .req = GET(P(TOK1)), .data_at = 30,
		  .want = 200, .body = KA1, .by = 100 } } },
	/* More validators than slots, all at once (Let's Encrypt: 5 per
	 * name): none is evicted by another, every one is answered. */
	{ "more validators than slots", 1000, 0, SLOTS + 2, 0, {
		{ .n = SLOTS + 2, .at = 100, .req = GET(P(TOK1)),
		  .data_at = 5, .want = 200, .body = KA1, .by = 100 } } },
	{ "validators and wrong paths, all at once", 500, 0, 3, 3, {
		{ .n = 2, .at = 100, .req = GET(P(TOK1)), .want = 200,
		  .body = KA1, .by = 100 },
		{ .n = 3, .at = 100, .req = GET(P(TOK1 "x")), .want = 404,
		  .by = 100 },
		{ .n = 1, .at = 100, .req = GET(P(TOK2)), .want = 200,
		  .body = KA2, .by = 100 } } },
	/* Answers that go out a few bytes at a time. */
	{ "partial sends", 1000, 5, 2, 1, {
		{ .n = 2, .req = GET(P(TOK1)), .want = 200, .body = KA1,
		  .by = 1000 },
		{ .n = 1, .req = GET(P(TOK3)), .want = 404, .by = 1000 } } },
	/* Peers that never read hold their slots until the deadline; a
	 * new connection that finds no slot it may take waits in the port
	 * until one frees. */
	{ "no slot to evict", TMO + 1500, 0, 2, 0, {
		{ .n = SLOTS, .req = GET(P(TOK1)), .stall = 1,
		  .want = W_DROP, .by = TMO + 100, .after = TMO },
		{ .n = 1, .at = 100, .req = GET(P(TOK1)), .want = 200,
		  .body = KA1, .by = TMO },
		V1(TMO + 200) } },
};

static void
run_case(const struct tcase *tc)
{
	struct http01 r;
	struct acme_port p;
	const char *v;
	unsigned i;

	fp_setup(tc);
	fp_port(&p);
	http01_init(&r);
	CHECK(http01_start(&r, &p, 80, THUMB) == ACME_OK);
	CHECK(http01_add(&r, TOK1) == ACME_OK);
	CHECK(http01_add(&r, TOK2) == ACME_OK);
	CHECK(http01_add(&r, tok_max) == ACME_OK);
	for (FP.fl.now = 0; FP.fl.now <= tc->run; FP.fl.now += STEP_MS)
		fp_poll(&r, &p);
	FP.fl.now = tc->run;
	for (i = 0; i < FP.fl.n; i++)
		judge(tc, i);
	if (tc->served >= 0)
		CHECKF(r.served == (uint32_t)tc->served, "%s: served %u, "
		    "want %d", tc->name, (unsigned)r.served, tc->served);
	if (tc->refused >= 0)
		CHECKF(r.refused == (uint32_t)tc->refused, "%s: refused %u, "
		    "want %d", tc->name, (unsigned)r.refused, tc->refused);
	http01_stop(&r, &p);
	v = fl_verdict(&FP.fl, MAX_CALLS_PER_POLL, SLOTS + 1);
	CHECKF(v == NULL, "%s: %s", tc->name, v);
	CHECK(!http01_active(&r) && r.ntokens == 0);
}

/* A request for len bytes that starts with head and ends with tail,
 * padded with 'a' in between. */
static void
build(char *dst, size_t len, const char *head, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);

	memcpy(dst, head, hl);
	memset(dst + hl, 'a', len - hl - tl);
	memcpy(dst + len - tl, tail, tl);
	dst[len] = 0;
}

static void
test_cases(void)
{
	size_t i;

	build(big_ok, ACME_HTTP01_MAX_REQUEST,
	    "GET " P(TOK1) " HTTP/1.1\r\nX-Pad: ", "\r\n\r\n");
	build(big_over, ACME_HTTP01_MAX_REQUEST + 1,
	    "GET " P(TOK1) " HTTP/1.1\r\nX-Pad: ", "\r\n\r\n");
	build(big_line, ACME_HTTP01_MAX_REQUEST + 1, "GET /", "");
	for (i = 0; i < ACME_MAX_TOKEN; i++)
		tok_max[i] = "0123456789abcdefghijklmnopqrstuvwxyz-_"[i % 38];
	snprintf(get_max, sizeof get_max, GET(P("%s")), tok_max);
	snprintf(get_max_x, sizeof get_max_x, GET(P("%sx")), tok_max);
	snprintf(ka_max, sizeof ka_max, "%s." THUMB, tok_max);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		run_case(&cases[i]);
	}
}

/* After http01_stop() every handle is closed and the tokens are gone:
 * a restarted responder answers 404 to a token of the last run. */
static void
test_stop(void)
{
	static const struct tcase tc = { "stop", 0, 0, -1, -1, {
		{ .n = 1, .req = GET(P(TOK1)) },
		IDLE(SLOTS, 0, 0, 0, 0, 0),
		{ .n = 1, .at = 1000, .req = GET(P(TOK1)) } } };
	struct http01 r;
	struct acme_port p;
	const char *v;
	int st;

	fp_setup(&tc);
	fp_port(&p);
	http01_init(&r);
	CHECK(http01_start(&r, &p, 80, THUMB) == ACME_OK);
	CHECK(http01_add(&r, TOK1) == ACME_OK);
	CHECK(http01_add(&r, TOK1) == ACME_OK && r.ntokens == 1);
	for (FP.fl.now = 0; FP.fl.now <= 100; FP.fl.now += STEP_MS)
		fp_poll(&r, &p);
	CHECK(r.served == 1);
	http01_stop(&r, &p);
	v = fl_verdict(&FP.fl, MAX_CALLS_PER_POLL, SLOTS + 1);
	CHECKF(v == NULL, "stop: %s", v);
	CHECK(!http01_active(&r) && r.ntokens == 0);
	http01_stop(&r, &p);            /* twice: no double close */
	http01_poll(&r, &p);            /* stopped: nothing */
	CHECK(FP.fl.accepts == 1 + SLOTS);

	CHECK(http01_start(&r, &p, 80, THUMB) == ACME_OK);
	for (FP.fl.now = 1000; FP.fl.now <= 1100; FP.fl.now += STEP_MS)
		fp_poll(&r, &p);
	FP.c[FP.fl.n - 1].ans[FP.c[FP.fl.n - 1].ans_len] = 0;
	st = ans_status(FP.c[FP.fl.n - 1].ans, FP.c[FP.fl.n - 1].ans_len);
	CHECKF(st == 404, "stop: old token after a restart: %d", st);
	http01_stop(&r, &p);
	v = fl_verdict(&FP.fl, MAX_CALLS_PER_POLL, SLOTS + 1);
	CHECKF(v == NULL && FP.fl.listens == 2, "stop: %s, %u listens",
	    v != NULL ? v : "port used right", FP.fl.listens);
}

/* ---- real sockets through port/posix ---- */

static void
test_sockets(void)
{
	static const char req[] = GET(P(TOK1));
	struct posix_port pp;
	struct acme_port p;
	struct http01 r;
	char ans[1024];
	const char *body;
	int idle[3], v = -1, done = 0, i, st;
	size_t al = 0;
	long t0, t;
	uint16_t port = 0;

	posix_port_init(&p, &pp, ".", 0);
	http01_init(&r);
	for (i = 0; i < 5 && !http01_active(&r); i++)
		if ((port = loopback_free_port()) != 0)
			http01_start(&r, &p, port, THUMB);
	CHECKF(http01_active(&r), "sockets: cannot listen (port %u)",
	    (unsigned)port);
	if (!http01_active(&r))
		return;
	CHECK(http01_add(&r, TOK1) == ACME_OK);
	for (i = 0; i < 3; i++)
		idle[i] = loopback_connect(port);
	CHECK(idle[0] >= 0 && idle[1] >= 0 && idle[2] >= 0);
	v = loopback_connect(port);
	CHECK(v >= 0 && send(v, req, sizeof req - 1, 0) ==
	    (ssize_t)(sizeof req - 1));
	t0 = loopback_ms();
	while (v >= 0 && !done && loopback_ms() - t0 < 2000) {
		http01_poll(&r, &p);
		for (;;) {
			ssize_t n = recv(v, ans + al, sizeof ans - 1 - al,
			    MSG_DONTWAIT);

			if (n > 0)
				al += (size_t)n;
			if (n == 0 || (n < 0 && errno != EAGAIN &&
			    errno != EWOULDBLOCK) || al == sizeof ans - 1)
				done = 1;
			if (n <= 0 || done)
				break;
		}
	}
	t = loopback_ms() - t0;
	ans[al] = 0;
	st = ans_status(ans, al);
	body = ans_body(ans);
	CHECKF(done && st == 200 && body != NULL && strcmp(body, KA1) == 0,
	    "sockets: after %ld ms with 3 idle connections: %s \"%.50s\"",
	    t, done ? "closed" : "no answer yet", ans);
	CHECKF(t < 2000, "sockets: answered after %ld ms", t);
	for (i = 0; i < 3; i++)
		if (idle[i] >= 0)
			close(idle[i]);
	if (v >= 0)
		close(v);
	http01_stop(&r, &p);
	for (i = 0; i < POSIX_PORT_MAX_FDS; i++)
		CHECKF(pp.fds[i] == -1, "sockets: fd %d left open", pp.fds[i]);
}

int
main(void)
{
	T_RUN(test_cases);
	T_RUN(test_stop);
	T_RUN(test_sockets);
	return t_done("http01");
}
