/*
 * fuzz_flow.c -- libFuzzer harness for the flow's handling of each
 * answer, as each state reads it: the directory, newAccount, newOrder,
 * an authorization (fetched and polled), a challenge, finalize and an
 * order poll, each answered with a whole HTTP response from the input,
 * and any status: problem documents with subproblems, badNonce, 5xx and
 * 429 with Retry-After, accountDoesNotExist, Location, Link and
 * Replay-Nonce headers.
 *
 * The first input byte picks the state (low 3 bits), the authorization
 * the state is at (next 2 bits) and whether a finalize was sent (top
 * bit); the rest is the response, parsed by core/http.c as the client
 * does, then handed to acme_response() (acme_int.h) on a client set up
 * as a run would be at that state: three identifiers (a name, a
 * wildcard, an address), http-01, dns-01 and tls-alpn-01 offered, a
 * port whose storage, listeners and DNS hook do nothing.  Whatever the
 * answer, the result must be ACME_OK or the run's error, the message a
 * bounded string, and the next state sane (an authorization index
 * inside the order); then acme_close() must wipe and stop everything.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "acme_int.h"
#include "http.h"
#include "str.h"

#define BASE "https://localhost:14000"

static const int fuzz_states[8] = {
	ST_DIRECTORY, ST_ACCOUNT, ST_ORDER, ST_AUTHZ, ST_CHALLENGE,
	ST_POLL_AUTHZ, ST_FINALIZE, ST_POLL_ORDER
};

static uint64_t fuzz_clock;

static int
fz_connect(void *ctx, const char *host, uint16_t port, uint32_t ms)
{
	(void)ctx, (void)host, (void)port, (void)ms;
	return -1;
}

static int
fz_send(void *ctx, int h, const void *buf, size_t len)
{
	(void)ctx, (void)h, (void)buf;
	return (int)len;
}

static int
fz_recv(void *ctx, int h, void *buf, size_t len)
{
	(void)ctx, (void)h, (void)buf, (void)len;
	return -1;
}

static void
fz_close(void *ctx, int h)
{
	(void)ctx, (void)h;
}

static int
fz_listen(void *ctx, uint16_t port)
{
	(void)ctx;
	return 100 + port % 7;
}

static int
fz_accept(void *ctx, int lh)
{
	(void)ctx, (void)lh;
	return -2;              /* nobody waiting */
}

static uint64_t
fz_now(void *ctx)
{
	(void)ctx;
	return fuzz_clock += 7;
}

static uint64_t
fz_unix(void *ctx)
{
	(void)ctx;
	return 1795000000u;     /* 2026-11-18 */
}

static int
fz_entropy(void *ctx, void *buf, size_t len)
{
	static unsigned char n;
	unsigned char *p = buf;

	(void)ctx;
	while (len-- > 0)
		*p++ = (unsigned char)(n++ * 151u + 7u);
	return 0;
}

static long
fz_load(void *ctx, const char *name, void *buf, size_t cap)
{
	(void)ctx, (void)name, (void)buf, (void)cap;
	return -1;
}

static int
fz_store(void *ctx, const char *name, const void *buf, size_t len)
{
	(void)ctx, (void)name, (void)buf, (void)len;
	return 0;
}

static long
fz_load_at(void *ctx, const char *name, size_t off, void *buf, size_t cap)
{
	(void)ctx, (void)name, (void)off, (void)buf, (void)cap;
	return -1;
}

static int
fz_commit(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
fz_discard(void *ctx)
{
	(void)ctx;
}

static int
fz_dns01(void *ctx, int op, const char *name, const char *value)
{
	(void)ctx, (void)op, (void)name, (void)value;
	return 0;
}

/* The client as a run would have it when state st sends its request. */
static int
fuzz_client(struct acme_client *c, int st, unsigned idx, int finalized)
{
	static const char *const names[3] = {
		"a.example", "*.b.example", "127.0.0.1"
	};
	static const int chal[3] = {
		ACME_CHALLENGE_HTTP01, ACME_CHALLENGE_DNS01,
		ACME_CHALLENGE_TLSALPN01
	};
	static const br_x509_trust_anchor ta;
	struct acme_port p;
	struct acme_config cfg;
	unsigned i;

	memset(&p, 0, sizeof p);
	p.connect = fz_connect;
	p.send = fz_send;
	p.recv = fz_recv;
	p.close = fz_close;
	p.listen = fz_listen;
	p.accept = fz_accept;
	p.now_ms = fz_now;
	p.unix_time = fz_unix;
	p.entropy = fz_entropy;
	p.load = fz_load;
	p.store = fz_store;
	p.load_at = fz_load_at;
	p.stage = fz_store;
	p.commit = fz_commit;
	p.discard = fz_discard;
	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = BASE "/dir";
	cfg.trust_anchors = &ta;
	cfg.trust_anchor_count = 1;
	cfg.names = names;
	cfg.name_count = 3;
	cfg.challenges = chal;
	cfg.challenge_count = 3;
	cfg.http01_port = 5002;
	cfg.tlsalpn01_port = 5001;
	cfg.dns01_hook = fz_dns01;
	cfg.agree_tos = 1;
	cfg.contact = "mailto:a@example.com";
	if (acme_init(c, &cfg, &p) != ACME_OK)
		return -1;

	str_copy(c->new_nonce, sizeof c->new_nonce, BASE "/nonce-plz");
	str_copy(c->new_account, sizeof c->new_account, BASE "/sign-me-up");
	str_copy(c->new_order, sizeof c->new_order, BASE "/order-plz");
	str_copy(c->kid, sizeof c->kid, BASE "/my-account/1");
	str_copy(c->order_url, sizeof c->order_url, BASE "/my-order/x");
	str_copy(c->finalize_url, sizeof c->finalize_url,
	    BASE "/finalize-order/x");
	str_copy(c->thumb, sizeof c->thumb,
	    "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
	if (st >= ST_AUTHZ) {
		c->nauthz = 3;
		for (i = 0; i < 3; i++) {
			struct acme_authz *a = &c->authz[i];

			str_copy(a->url, sizeof a->url, BASE "/authZ/a");
			a->url[strlen(a->url) - 1] = (char)('0' + i);
			str_copy(a->chal_url, sizeof a->chal_url,
			    BASE "/chalZ/c");
			/* a wildcard's authorization is for its base */
			str_copy(a->name, sizeof a->name,
			    i == 1 ? names[i] + 2 : names[i]);
			str_copy(a->token, sizeof a->token,
			    "Yx4k7ulRyM1JBgV0ZKyA0NfVYCyRzw8u9cHiNNVVDcM");
		}
		c->idx = (int)(idx % 3);
		if (st >= ST_CHALLENGE) {
			for (i = 0; i < 3; i++) {
				c->authz[i].type = (unsigned char)chal[i];
				c->authz[i].need_post = i >= (unsigned)c->idx;
			}
		}
	}
	c->finalized = (unsigned char)finalized;
	c->state = st;
	c->phase = PH_XFER;
	c->method = "POST";
	c->url = st == ST_DIRECTORY ? c->dir_url : c->kid;
	c->deadline = fuzz_clock + 300000;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acme_client c;
	size_t used;
	int st, r;

	if (size < 2)
		return 0;
	st = fuzz_states[data[0] & 7];
	if (fuzz_client(&c, st, (data[0] >> 3) & 3, data[0] >> 7) != 0)
		abort();
	http_resp_init(&c.resp, c.body, sizeof c.body, 0, fz_unix(NULL));
	r = http_resp_feed(&c.resp, data + 1, size - 1, &used);
	if (r == 0)
		r = http_resp_eof(&c.resp);
	if (r == 1) {
		r = acme_response(&c);
		fuzz_assert(r == ACME_OK || (r < 0 && r == c.err));
		fuzz_assert(memchr(c.msg, 0, sizeof c.msg) != NULL);
		fuzz_assert(c.nauthz <= ACME_MAX_IDENTIFIERS);
		fuzz_assert(c.state >= ST_CHECK && c.state <= ST_FRESH);
		if (r == ACME_OK && (c.state == ST_AUTHZ ||
		    c.state == ST_CHALLENGE || c.state == ST_POLL_AUTHZ))
			fuzz_assert(c.idx >= 0 && c.idx < (int)c.nauthz);
	}
	acme_close(&c);
	return 0;
}
