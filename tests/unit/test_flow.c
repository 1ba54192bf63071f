/*
 * test_flow.c -- the RFC 8555 state machine (core/acme.c, core/flow.c)
 * driven end to end against the scripted fake server of fake_server.c:
 * real TLS (BearSSL on both sides), every JWS checked by the server,
 * fake time, in-memory storage.  Scenarios check exact counters on both
 * sides, so a client that sends one request too many, reuses a nonce or
 * waits too little fails.  Run with FS_VERBOSE=1 to see the client log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "acme.h"
#include "jws.h"
#include "key.h"
#include "fake_server.h"
#include "pem_der.h"
#include "ident.h"
#include "x509.h"
#include "signer.h"
#include "key_rsa.h"

static struct fs S;
static struct fs_store ST;           /* storage shared by several runs */
static struct acme_client C;
static struct acme_port P;
static char name_buf[ACME_MAX_IDENTIFIERS + 1][32];
static uint32_t cfg_validation_ms, cfg_finalize_ms;  /* 0: defaults */
static int cfg_no_tos;                               /* do not agree */
static const char *cfg_preferred;                    /* preferred_chain */
static const char *names[ACME_MAX_IDENTIFIERS + 1];

/* A fresh server (with its own storage) and the port on it. */
static void
srv(uint32_t seed)
{
	unsigned i;

	fs_init(&S, seed);
	fs_port(&S, &P);
	for (i = 0; i <= ACME_MAX_IDENTIFIERS; i++) {
		snprintf(name_buf[i], sizeof name_buf[i], "n%u.acme.test", i);
		names[i] = name_buf[i];
	}
}

/* acme_init for the first n names against the fake server. */
static int
client(size_t n)
{
	struct acme_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = FS_DIR_URL;
	cfg.trust_anchors = &S.ta;
	cfg.trust_anchor_count = 1;
	cfg.names = names;
	cfg.name_count = n;
	cfg.http01_port = 80;
	cfg.contact = "mailto:ops@acme.test";
	cfg.agree_tos = !cfg_no_tos;
	cfg.validation_timeout_ms = cfg_validation_ms;
	cfg.finalize_timeout_ms = cfg_finalize_ms;
	cfg.preferred_chain = cfg_preferred;
	return acme_init(&C, &cfg, &P);
}

/* A whole run with acme_run(); the client is closed afterwards. */
static int
run(size_t n)
{
	int r = client(n);

	if (r == ACME_OK)
		r = acme_run(&C);
	acme_close(&C);
	return r;
}

/* The server saw no breach of the protocol and the clock stayed sane;
 * no nonce appears twice in the log. */
static void
clean(const char *tag)
{
	unsigned i, j;
	int dup = 0;

	CHECKF(S.violations == 0, "%s: %u violations, first: %s", tag,
	    S.violations, S.violation);
	CHECKF(!S.runaway, "%s: runaway client", tag);
	for (i = 0; i < S.nlog && !dup; i++)
		for (j = i + 1; j < S.nlog && !dup; j++)
			dup = S.log[i].nonce[0] &&
			    strcmp(S.log[i].nonce, S.log[j].nonce) == 0;
	CHECKF(!dup, "%s: a nonce was sent twice", tag);
}

/* Print the server log (on failures, to see what happened). */
static void
dump(const char *tag)
{
	unsigned i;

	fprintf(stderr, "--- %s: server log (%u requests)\n", tag, S.nlog);
	for (i = 0; i < S.nlog; i++)
		fprintf(stderr, "  %2u c%u t=%-6llu %-4s %-20s -> %d%s\n", i,
		    S.log[i].conn, (unsigned long long)S.log[i].t_ms,
		    S.log[i].method, S.log[i].path, S.log[i].status,
		    S.log[i].act ? " (rule)" : "");
	fprintf(stderr, "  client: %s: %s\n", acme_strerror(C.err), C.msg);
}

/* 1 when acme_certificate_leaf() gives the DER of the first
 * certificate of the PEM chain pem. */
static int
leaf_is(const char *pem)
{
	static struct der_buf db;
	const unsigned char *leaf;
	size_t n = 99;

	leaf = acme_certificate_leaf(&C, &n);
	return pem_obj((const unsigned char *)pem, strlen(pem),
	    "CERTIFICATE", &db) == 0 && leaf != NULL && n == db.len &&
	    memcmp(leaf, db.d, n) == 0;
}

/* RFC 7638 thumbprint of q, computed from scratch (not core/jws.c). */
static void
thumb_of(const unsigned char q[65], char out[48])
{
	char x[48], y[48], jwk[192];
	unsigned char h[32];
	br_sha256_context sc;
	int n;

	fs_b64url(x, q + 1, 32);
	fs_b64url(y, q + 33, 32);
	n = snprintf(jwk, sizeof jwk,
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    x, y);
	br_sha256_init(&sc);
	br_sha256_update(&sc, jwk, (size_t)n);
	br_sha256_out(&sc, h);
	fs_b64url(out, h, sizeof h);
}

/* The chain the server issued for its last order. */
static const char *
issued(void)
{
	return fs_order_chain(&S, S.norder);
}

/* 1 when blob name holds exactly s. */
static int
blob_is(const char *name, const char *s)
{
	const unsigned char *d;
	long n = fs_blob(&S, name, &d);

	return n >= 0 && (size_t)n == strlen(s) && memcmp(d, s, (size_t)n) == 0;
}

/* 1 when the stored account URL is url, bound to the fake directory. */
static int
acct_url_is(const char *url)
{
	char want[2 * ACME_MAX_URL + 4];

	snprintf(want, sizeof want, "%s\n%s\n", url, FS_DIR_URL);
	return blob_is(ACME_STORE_ACCOUNT_URL, want);
}

/* The sequence of endpoints the server saw equals want (n entries). */
static int
seq_is(const int *want, unsigned n)
{
	unsigned i;

	if (S.nlog != n)
		return 0;
	for (i = 0; i < n; i++)
		if (S.log[i].ep != want[i])
			return 0;
	return 1;
}

/* 1: happy path, one name. */
static void
test_happy(void)
{
	static const int want[] = { FS_EP_DIR, FS_EP_NONCE, FS_EP_ACCOUNT,
	    FS_EP_ORDER, FS_EP_AUTHZ, FS_EP_CHAL, FS_EP_AUTHZ,
	    FS_EP_FINALIZE, FS_EP_ORDER_POLL, FS_EP_CERT };
	/* the account key; the attempt (state) before the first request;
	 * the account; the pair as one commit; the state after success */
	static const char *const stores[] = { ACME_STORE_ACCOUNT_KEY,
	    ACME_STORE_STATE, ACME_STORE_ACCOUNT_URL,
	    ACME_STORE_CERT "+" ACME_STORE_CERT_KEY, ACME_STORE_STATE };
	const struct acme_counters *k;
	const unsigned char *d;
	unsigned char q[65];
	long n;
	unsigned i, zero;
	int r;

	srv(1);
	r = run(1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("happy");
	CHECK(acme_error(&C) == ACME_OK);
	CHECK(acme_message(&C)[0] == 0);
	CHECK(acme_problem(&C) == NULL);
	k = acme_counters(&C);
	CHECKF(k->requests == 10, "requests %u", k->requests);
	CHECKF(k->head_nonce == 1, "head_nonce %u", k->head_nonce);
	CHECKF(k->handshakes == 1, "handshakes %u", k->handshakes);
	CHECK(k->badnonce_retries == 0 && k->stale_nonces == 0);
	CHECK(k->invalid_nonces == 0 && k->net_retries == 0);
	CHECKF(k->polls == 2, "polls %u", k->polls);
	CHECK(k->bytes_sent > 2000 && k->bytes_received > 2000);
	/* The server's side of the same story. */
	CHECK(seq_is(want, sizeof want / sizeof want[0]));
	CHECKF(S.connects == 1 && S.handshakes == 1, "connects %u hs %u",
	    S.connects, S.handshakes);
	CHECK(S.requests == 10 && S.posts == 8);
	CHECKF(S.nonces_used == 8 && S.nonces_issued == 9,
	    "nonces used %u issued %u", S.nonces_used, S.nonces_issued);
	CHECK(S.nacct == 1 && S.norder == 1);
	for (i = 0; i < S.nlog; i++) {
		CHECK(S.log[i].conn == 1);
		if (S.log[i].ep == FS_EP_ACCOUNT)
			CHECK(S.log[i].has_jwk && !S.log[i].has_kid);
		else if (S.log[i].ep > FS_EP_ACCOUNT)
			CHECK(S.log[i].jws_ok && S.log[i].has_kid &&
			    strcmp(S.log[i].kid, S.acct[0].url) == 0);
	}
	if (t_fail)
		dump("happy");
	/* Storage: what, and in which order (the chain staged as it came,
	 * then its key). */
	CHECK(blob_is(ACME_STORE_CERT, issued()));
	CHECK(leaf_is(issued()));
	CHECK(acct_url_is(S.acct[0].url));
	/* The contact and the terms of service reached the server. */
	CHECK(strcmp(S.acct[0].contact, "mailto:ops@acme.test") == 0);
	CHECK(S.acct[0].agreed);
	CHECK(strcmp(acme_terms_of_service(&C), FS_BASE "/tos") == 0);
	CHECK(S.store->stores == 5 && S.store->commits == 1);
	for (i = 0; i < 5; i++)
		CHECKF(strcmp(S.store->seq[i], stores[i]) == 0, "store %u: %s",
		    i, S.store->seq[i]);
	n = fs_blob(&S, ACME_STORE_CERT_KEY, &d);
	CHECK(n > 30 && memcmp(d, "-----BEGIN EC PRIVATE KEY-----", 30) == 0);
	CHECK(n > 0 && pem_pub(d, (size_t)n, q) == 0);
	/* The stored key is the one the CSR asked a certificate for. */
	CHECK(S.csr_len > 100 && memchr(S.csr, 4, S.csr_len) != NULL);
	for (i = 0; S.csr_len >= 65 && i <= S.csr_len - 65; i++)
		if (memcmp(S.csr + i, q, 65) == 0)
			break;
	CHECK(S.csr_len >= 65 && i <= S.csr_len - 65);
	n = fs_blob(&S, ACME_STORE_ACCOUNT_KEY, &d);
	CHECK(n > 0 && pem_pub(d, (size_t)n, q) == 0 &&
	    memcmp(q, S.acct[0].q, 65) == 0);
	/* Both keys are wiped from the client by acme_close(). */
	for (i = 0, zero = 1; i < sizeof C.cert_key; i++)
		zero &= ((unsigned char *)&C.cert_key)[i] == 0;
	CHECK(zero);
	for (i = 0, zero = 1; i < sizeof C.account_key; i++)
		zero &= ((unsigned char *)&C.account_key)[i] == 0;
	CHECK(zero);
	/* ... and the TLS session's secrets and the key scratch. */
	for (i = 0, zero = 1; i < sizeof C.tls.sc; i++)
		zero &= ((unsigned char *)&C.tls.sc)[i] == 0;
	for (i = 0; i < sizeof C.tls.iobuf; i++)
		zero &= C.tls.iobuf[i] == 0;
	for (i = 0; i < sizeof C.payload; i++)
		zero &= C.payload[i] == 0;
	CHECK(zero);
	/* Two short waits (the first authorization and order polls), so a
	 * fast CA costs about 0.3 s of waiting, nothing more. */
	CHECKF(S.now >= 2 * ACME_POLL_FIRST_MS &&
	    S.now < 2 * ACME_POLL_FIRST_MS + 100, "now %llu",
	    (unsigned long long)S.now);
	CHECK(S.listens == 1 && S.listen_port == 80 && !S.listening);
	CHECK(S.accepts == 0);
	/* Done is sticky and quiet: no more port calls. */
	i = S.port_calls;
	CHECK(acme_step(&C) == 0);
	CHECK(S.port_calls == i);
}

/* 2: several names; orders whose authorizations are (partly) valid. */
static void
test_names(void)
{
	static const struct {
		unsigned n, prevalid;
		unsigned requests, chal, authz;
	} tc[] = {
		{ 1, 0, 10, 1, 2 },
		{ 2, 0, 13, 2, 4 },
		{ ACME_MAX_IDENTIFIERS, 0, 7 + 3 * ACME_MAX_IDENTIFIERS,
		    ACME_MAX_IDENTIFIERS, 2 * ACME_MAX_IDENTIFIERS },
		{ 2, 1, 11, 1, 3 },                 /* first one valid */
		{ 2, 2, 11, 1, 3 },                 /* second one valid */
		{ 2, 3, 7, 0, 0 },                  /* order "ready" */
		{ ACME_MAX_IDENTIFIERS, (1u << ACME_MAX_IDENTIFIERS) - 1, 7,
		    0, 0 },
	};
	unsigned i, j;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		const struct acme_counters *k;

		if (tc[i].n > ACME_MAX_IDENTIFIERS)
			continue;       /* not in this configuration */
		srv(100 + i);
		S.prevalid = tc[i].prevalid;
		r = run(tc[i].n);
		CHECKF(r == ACME_OK, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		clean("names");
		k = acme_counters(&C);
		CHECKF(k->requests == tc[i].requests && S.requests ==
		    tc[i].requests, "case %u: requests %u/%u", i, k->requests,
		    S.requests);
		CHECKF(S.ep_count[FS_EP_CHAL] == tc[i].chal, "case %u: chal %u",
		    i, S.ep_count[FS_EP_CHAL]);
		CHECKF(S.ep_count[FS_EP_AUTHZ] == tc[i].authz,
		    "case %u: authz %u", i, S.ep_count[FS_EP_AUTHZ]);
		CHECK(k->head_nonce == 1 && k->handshakes == 1);
		CHECK(S.order[0].n == tc[i].n);
		for (j = 0; j < tc[i].n; j++)
			CHECK(strcmp(S.order[0].az[j].name, names[j]) == 0);
		CHECK(blob_is(ACME_STORE_CERT, issued()));
		/* A responder only when there is something to serve. */
		CHECK(S.listens == (tc[i].chal ? 1u : 0u) && !S.listening);
		if (r != ACME_OK || S.violations)
			dump("names");
	}
	T_CASE("%s", __func__);
	/* One name too many is refused before any I/O. */
	srv(120);
	CHECK(client(ACME_MAX_IDENTIFIERS + 1) == ACME_ERR_TOO_LARGE);
	CHECK(S.port_calls == 0);
}

/* 3: the stored account is reused; a lost account is registered again. */
static void
test_account(void)
{
	char url1[ACME_MAX_URL + 1];
	const struct acme_counters *k;
	int r, i;

	memset(&ST, 0, sizeof ST);
	srv(3);
	S.store = &ST;
	r = run(1);
	CHECKF(r == ACME_OK, "first run: %s", acme_message(&C));
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 1);
	snprintf(url1, sizeof url1, "%s", S.acct[0].url);

	/* Second run, same server, same storage: no newAccount. */
	fs_clear_stats(&S);
	r = run(1);
	CHECKF(r == ACME_OK, "second run: %s", acme_message(&C));
	clean("account reuse");
	k = acme_counters(&C);
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 0);
	CHECKF(k->requests == 9 && S.requests == 9, "requests %u",
	    k->requests);
	CHECK(k->head_nonce == 1);
	i = fs_find(&S, FS_EP_ORDER, 0);
	CHECK(i >= 0 && S.log[i].has_kid && strcmp(S.log[i].kid, url1) == 0);
	CHECK(S.nacct == 1 && S.norder == 2);

	/* A new server that never heard of the account. */
	srv(3);
	S.store = &ST;
	r = run(1);
	CHECKF(r == ACME_OK, "lost account: %s", acme_message(&C));
	clean("account lost");
	k = acme_counters(&C);
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 1);
	CHECK(S.ep_count[FS_EP_ORDER] == 2);
	i = fs_find(&S, FS_EP_ORDER, 0);
	CHECK(i == 2 && S.log[i].status == 400);
	CHECK(S.log[3].ep == FS_EP_ACCOUNT && S.log[3].has_jwk);
	CHECKF(k->requests == 11 && k->head_nonce == 1, "requests %u head %u",
	    k->requests, k->head_nonce);
	CHECK(S.nacct == 1 && strcmp(S.acct[0].url, url1) != 0);
	CHECK(acct_url_is(S.acct[0].url));
	snprintf(url1, sizeof url1, "%s", S.acct[0].url);

	/* The key survived, the URL did not: newAccount finds the account
	 * (200, RFC 8555 7.3.1) and no second one is made. */
	for (i = 0; i < FS_MAX_BLOBS; i++)
		if (strcmp(ST.b[i].name, ACME_STORE_ACCOUNT_URL) == 0)
			ST.b[i].used = 0;
	fs_clear_stats(&S);
	r = run(1);
	CHECKF(r == ACME_OK, "url lost: %s", acme_message(&C));
	clean("account url lost");
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 1 && S.log[2].status == 200);
	CHECK(S.nacct == 1);
	CHECK(acct_url_is(url1));

	/* A stored account.url that is not https is ignored. */
	fs_blob_put(&S, ACME_STORE_ACCOUNT_URL, "ftp://x", 7);
	fs_clear_stats(&S);
	r = run(1);
	CHECK(r == ACME_OK && S.ep_count[FS_EP_ACCOUNT] == 1);
	clean("account url bogus");
	/* A stored key that is not a key: a clean storage error. */
	fs_blob_put(&S, ACME_STORE_ACCOUNT_KEY, "garbage", 7);
	fs_clear_stats(&S);
	r = run(1);
	CHECKF(r == ACME_ERR_CRYPTO || r == ACME_ERR_STORAGE, "%s",
	    acme_strerror(r));
	CHECK(S.requests == 0);
}

/* 4: badNonce (RFC 8555 6.5). */
static void
test_badnonce(void)
{
	static const struct {
		int ep;
		unsigned from, times;
		int act, want;
		unsigned head, retries, ep_n;   /* ep_n: requests to ep */
	} tc[] = {
		/* with a nonce in the reply: exactly that one, no HEAD */
		{ FS_EP_ORDER, 1, 1, FS_ACT_BADNONCE, ACME_OK, 1, 1, 2 },
		/* without: a HEAD newNonce follows */
		{ FS_EP_ORDER, 1, 1, FS_ACT_BADNONCE_BARE, ACME_OK, 2, 1, 2 },
		{ FS_EP_CHAL, 1, 3, FS_ACT_BADNONCE, ACME_OK, 1, 3, 4 },
		{ FS_EP_POST, 2, 5, FS_ACT_BADNONCE, ACME_OK, 1, 5, 6 },
		/* on every POST: bounded */
		{ FS_EP_POST, 1, 0, FS_ACT_BADNONCE, ACME_ERR_BAD_NONCE, 1,
		    ACME_BADNONCE_RETRIES, ACME_BADNONCE_RETRIES + 1 },
		{ FS_EP_POST, 1, 0, FS_ACT_BADNONCE_BARE, ACME_ERR_BAD_NONCE,
		    ACME_BADNONCE_RETRIES + 1, ACME_BADNONCE_RETRIES,
		    ACME_BADNONCE_RETRIES + 1 },
	};
	unsigned i, j;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		const struct acme_counters *k;
		int ep = tc[i].ep == FS_EP_POST ? (tc[i].from == 1 ?
		    FS_EP_ACCOUNT : FS_EP_ORDER) : tc[i].ep;

		if (tc[i].want == ACME_OK &&
		    tc[i].retries > ACME_BADNONCE_RETRIES)
			continue;       /* not in this configuration */
		srv(400 + i);
		fs_add_rule(&S, tc[i].ep, tc[i].from, tc[i].times, tc[i].act,
		    0, -1, NULL);
		r = run(1);
		k = acme_counters(&C);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		clean("badnonce");
		CHECKF(k->head_nonce == tc[i].head && S.ep_count[FS_EP_NONCE]
		    == tc[i].head, "case %u: head %u", i, k->head_nonce);
		CHECKF(k->badnonce_retries == tc[i].retries,
		    "case %u: retries %u", i, k->badnonce_retries);
		CHECKF(S.ep_count[ep] == tc[i].ep_n, "case %u: %u requests",
		    i, S.ep_count[ep]);
		if (tc[i].want != ACME_OK) {
			CHECK(strstr(acme_message(&C), "badNonce") != NULL);
			CHECK(acme_problem(&C) != NULL &&
			    acme_problem(&C)->status == 400);
			CHECK(S.ep_count[FS_EP_CERT] == 0);
		}
		/* After each badNonce: the next request uses the reply's
		 * nonce, or is a HEAD when there was none. */
		for (j = 0; j + 1 < S.nlog; j++) {
			if (S.log[j].status != 400)
				continue;
			if (tc[i].act == FS_ACT_BADNONCE)
				CHECK(strcmp(S.log[j + 1].nonce,
				    S.log[j].resp_nonce) == 0);
			else
				CHECK(S.log[j + 1].ep == FS_EP_NONCE);
		}
		if (r != tc[i].want)
			dump("badnonce");
	}
}

/* 5: a server (or a cache) hands out nonces that were used already. */
static void
test_stale(void)
{
	static const struct {
		struct fs_rule ru[2];
		int want;
		unsigned head, stale;
	} tc[] = {
		{ { { FS_EP_POST, 1, 3, FS_ACT_STALE_NONCE, 0, 0, NULL },
		    { 0, 0, 0, 0, 0, 0, NULL } }, ACME_OK, 4, 3 },
		{ { { FS_EP_POST, 1, 1, FS_ACT_STALE_NONCE, 0, 0, NULL },
		    { FS_EP_NONCE, 2, 1, FS_ACT_STALE_NONCE, 0, 0, NULL } },
		    ACME_OK, 3, 2 },
		/* newNonce itself keeps serving a used nonce: give up */
		{ { { FS_EP_POST, 1, 1, FS_ACT_STALE_NONCE, 0, 0, NULL },
		    { FS_EP_NONCE, 2, 0, FS_ACT_STALE_NONCE, 0, 0, NULL } },
		    ACME_ERR_BAD_NONCE, 5, 5 },
	};
	unsigned i, j;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		const struct acme_counters *k;

		srv(500 + i);
		for (j = 0; j < 2; j++)
			if (tc[i].ru[j].act)
				fs_add_rule(&S, tc[i].ru[j].ep,
				    tc[i].ru[j].from, tc[i].ru[j].times,
				    tc[i].ru[j].act, 0, -1, NULL);
		r = run(1);
		k = acme_counters(&C);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		clean("stale");   /* the server asserts: no nonce reused */
		CHECKF(k->stale_nonces == tc[i].stale && k->stale_nonces > 0,
		    "case %u: stale %u", i, k->stale_nonces);
		CHECKF(k->head_nonce == tc[i].head, "case %u: head %u", i,
		    k->head_nonce);
		CHECK(S.nonces_used == S.posts);
		if (tc[i].want != ACME_OK)
			CHECK(strstr(acme_message(&C), "newNonce") != NULL);
	}
}

/* 6: connections: keep-alive off, idle close, refused connects. */
static void
test_conn(void)
{
	const struct acme_counters *k;
	unsigned i;
	int r, fresh;

	srv(600);
	S.keepalive = 0;
	r = run(1);
	k = acme_counters(&C);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	clean("keep-alive off");
	CHECKF(k->handshakes == 10 && S.connects == 10 && S.handshakes == 10,
	    "handshakes %u/%u", k->handshakes, S.handshakes);
	CHECK(k->requests == 10 && k->net_retries == 0);
	for (i = 0, fresh = 1; i < S.nlog; i++)
		fresh &= S.log[i].conn == i + 1;
	CHECK(fresh);

	/* The server closes connections idle for half a poll interval: the
	 * client finds out when it sends, and reconnects at once (no retry
	 * counted). */
	srv(601);
	S.idle_close_ms = ACME_POLL_FIRST_MS / 2;
	r = run(1);
	k = acme_counters(&C);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	clean("idle close");
	CHECKF(S.idle_closes == 2, "idle closes %u", S.idle_closes);
	CHECKF(k->handshakes == 3 && S.connects == 3, "handshakes %u",
	    k->handshakes);
	CHECK(k->net_retries == 0);
	/* Each POST lost on a dead connection costs a HEAD for a nonce. */
	CHECKF(k->head_nonce == 3 && k->requests == 14 && S.requests == 12,
	    "head %u requests %u/%u", k->head_nonce, k->requests, S.requests);
	if (r != ACME_OK)
		dump("idle close");

	/* One refused connect: retried after a backoff. */
	if (ACME_NET_RETRIES < 1)
		goto refused;
	srv(602);
	S.refuse_connect = 1;
	r = run(1);
	k = acme_counters(&C);
	CHECK(r == ACME_OK && k->net_retries == 1 && k->handshakes == 1);
	CHECK(S.log[0].t_ms >= 1000);
	clean("refused once");
refused:
	/* Refused for good: ACME_ERR_NET after ACME_NET_RETRIES + 1. */
	srv(603);
	S.refuse_connect = 1000;
	r = run(1);
	CHECKF(r == ACME_ERR_NET, "%s", acme_strerror(r));
	CHECKF(1000 - S.refuse_connect == ACME_NET_RETRIES + 1, "attempts %d",
	    1000 - S.refuse_connect);
	CHECK(strstr(acme_message(&C), "attempts") != NULL);
	CHECK(S.requests == 0);
	clean("refused");
}

/* The fake time between log entries a and b. */
static uint64_t
gap(int a, int b)
{
	return a >= 0 && b >= 0 ? S.log[b].t_ms - S.log[a].t_ms : 0;
}

/* 7: 5xx and Retry-After. */
static void
test_retry(void)
{
	static const struct {
		int ep;
		unsigned times;
		int act;
		long arg, arg2;
		int errnonce;           /* error answers carry a nonce */
		int want;
		unsigned ep_n;          /* requests to ep */
		uint64_t min_gap;       /* ms between the 1st and 2nd request
		                         * to ep (5xx), or between ep and the
		                         * next request (Retry-After on 2xx) */
	} tc[] = {
		{ FS_EP_ORDER, 1, FS_ACT_STATUS, 503, 5, 1, ACME_OK, 2, 5000 },
		{ FS_EP_ORDER, 1, FS_ACT_STATUS, 429, 2, 1, ACME_OK, 2, 2000 },
		{ FS_EP_ORDER, 1, FS_ACT_STATUS, 500, -1, 1, ACME_OK, 2, 1000 },
		{ FS_EP_DIR, 2, FS_ACT_STATUS, 503, 1, 0, ACME_OK, 3, 1000 },
		{ FS_EP_NONCE, 1, FS_ACT_STATUS, 503, -1, 0, ACME_OK, 2, 1000 },
		{ FS_EP_ORDER, 0, FS_ACT_STATUS, 500, -1, 1, ACME_ERR_SERVER,
		    ACME_NET_RETRIES + 1, 1000 },
		{ FS_EP_ORDER, 0, FS_ACT_STATUS, 503, 3, 1, ACME_ERR_SERVER,
		    ACME_NET_RETRIES + 1, 3000 },
		/* a Retry-After over ACME_RETRY_AFTER_MAX_S: give up now */
		{ FS_EP_ORDER, 0, FS_ACT_STATUS, 503,
		    ACME_RETRY_AFTER_MAX_S + 1, 1, ACME_ERR_SERVER, 1, 0 },
		/* on 2xx answers: the wait before the next poll */
		{ FS_EP_CHAL, 1, FS_ACT_RETRY_AFTER, 7, 0, 1, ACME_OK, 1,
		    7000 },
		{ FS_EP_FINALIZE, 1, FS_ACT_RETRY_AFTER, 3, 0, 1, ACME_OK, 1,
		    3000 },
	};
	const struct acme_counters *k;
	unsigned i;
	int r, a, b;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		if (tc[i].want == ACME_OK && tc[i].act == FS_ACT_STATUS &&
		    tc[i].ep_n - 1 > ACME_NET_RETRIES)
			continue;       /* not in this configuration */
		srv(700 + i);
		S.error_nonce = tc[i].errnonce;
		fs_add_rule(&S, tc[i].ep, 1, tc[i].times, tc[i].act,
		    tc[i].arg, tc[i].arg2, NULL);
		r = run(1);
		k = acme_counters(&C);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		clean("retry");
		CHECKF(S.ep_count[tc[i].ep] == tc[i].ep_n,
		    "case %u: %u requests", i, S.ep_count[tc[i].ep]);
		a = fs_find(&S, tc[i].ep, 0);
		if (tc[i].act == FS_ACT_STATUS) {
			b = fs_find(&S, tc[i].ep, 1);
			CHECKF(k->net_retries == tc[i].ep_n - 1,
			    "case %u: net_retries %u", i, k->net_retries);
		} else {
			b = a + 1;
			CHECK(k->net_retries == 0);
		}
		if (b >= 0 && b < (int)S.nlog)
			CHECKF(gap(a, b) >= tc[i].min_gap,
			    "case %u: waited %llu ms, want >= %llu", i,
			    (unsigned long long)gap(a, b),
			    (unsigned long long)tc[i].min_gap);
		else
			CHECK(tc[i].ep_n == 1 && tc[i].act == FS_ACT_STATUS);
		if (tc[i].want == ACME_ERR_SERVER) {
			CHECK(acme_problem(&C) != NULL &&
			    acme_problem(&C)->status == tc[i].arg);
			CHECK(strstr(acme_message(&C), "serverInternal") !=
			    NULL);
		}
		/* Error answers carried a nonce: no extra HEAD. */
		CHECKF(k->head_nonce == 1 + (tc[i].ep == FS_EP_NONCE),
		    "case %u: head %u", i, k->head_nonce);
		if (r != tc[i].want)
			dump("retry");
	}
	T_CASE("%s", __func__);
	/* Retry-After on polls is capped at ACME_RETRY_AFTER_MAX_S. */
	srv(750);
	S.authz_polls = 1;              /* one "pending" poll first */
	fs_add_rule(&S, FS_EP_AUTHZ, 1, 0, FS_ACT_RETRY_AFTER, 9999, 0, NULL);
	r = run(1);
	CHECK(r == ACME_OK);
	clean("retry cap");
	a = fs_find(&S, FS_EP_AUTHZ, 1);
	b = fs_find(&S, FS_EP_AUTHZ, 2);
	CHECKF(gap(a, b) >= ACME_RETRY_AFTER_MAX_S * 1000 &&
	    gap(a, b) < ACME_RETRY_AFTER_MAX_S * 1000 + 1000,
	    "capped wait %llu ms", (unsigned long long)gap(a, b));
}

/* The polls of endpoint ep (from its k0-th request on) follow the
 * backoff of acme_config.h from log entry a on: FIRST, then INTERVAL
 * doubling up to INTERVAL_MAX, the last wait cut at the deadline (budget
 * ms after a).  Checked with slack for the responder's 20 ms service
 * ticks. */
static void
check_backoff(int ep, unsigned k0, int a, uint64_t budget, const char *tag)
{
	uint64_t want = ACME_POLL_FIRST_MS, g, at = 0;
	unsigned k, n = S.ep_count[ep];
	int prev = a, b;

	for (k = k0; k < n; k++) {
		b = fs_find(&S, ep, k);
		g = gap(prev, b);
		if (at + want > budget)
			want = budget - at;
		CHECKF(g >= want && g <= want + 60, "%s: poll %u after %llu "
		    "ms, want %llu", tag, k, (unsigned long long)g,
		    (unsigned long long)want);
		at += g;
		prev = b;
		want = want < ACME_POLL_INTERVAL_MS ? ACME_POLL_INTERVAL_MS :
		    want * 2 > ACME_POLL_INTERVAL_MAX_MS ?
		    ACME_POLL_INTERVAL_MAX_MS : want * 2;
	}
	/* It ended at the deadline, not before and not long after. */
	CHECKF(at >= budget - 60 && at <= budget + 60, "%s: last poll at %llu "
	    "ms, budget %llu", tag, (unsigned long long)at,
	    (unsigned long long)budget);
}

/* Polls are bounded by time and spaced, not bounded by a count that a
 * server's Retry-After: 0 uses up within a second. */
static void
test_poll_bounds(void)
{
	unsigned k, n;
	int r, a, b;

	/* The order stays "processing": backoff until the finalize time
	 * bound, then ACME_ERR_TIMEOUT. */
	srv(850);
	fs_add_rule(&S, FS_EP_ORDER_POLL, 1, 0, FS_ACT_PROCESSING, 0, -1,
	    NULL);
	r = run(1);
	CHECKF(r == ACME_ERR_TIMEOUT, "%s", acme_message(&C));
	CHECK(strstr(acme_message(&C), "finalize time bound") != NULL);
	check_backoff(FS_EP_ORDER_POLL, 0, fs_find(&S, FS_EP_FINALIZE, 0),
	    ACME_FINALIZE_TIMEOUT_MS, "processing");
	CHECK(S.ep_count[FS_EP_CERT] == 0);
	clean("processing forever");

	/* ... with Retry-After: 0 on each: never closer than
	 * ACME_POLL_MIN_MS, and ACME_POLL_MAX polls at most. */
	srv(851);
	fs_add_rule(&S, FS_EP_ORDER_POLL, 1, 0, FS_ACT_PROCESSING, 0, 0,
	    NULL);
	r = run(1);
	CHECKF(r == ACME_ERR_RETRIES, "%s", acme_message(&C));
	n = S.ep_count[FS_EP_ORDER_POLL];
	CHECKF(n == ACME_POLL_MAX, "order polls %u", n);
	for (k = 1; k < n; k++) {
		a = fs_find(&S, FS_EP_ORDER_POLL, k - 1);
		b = fs_find(&S, FS_EP_ORDER_POLL, k);
		CHECKF(gap(a, b) >= ACME_POLL_MIN_MS, "poll %u only %llu ms "
		    "after the last", k, (unsigned long long)gap(a, b));
	}
	clean("retry-after 0");

	/* An authorization pending for ever: the validation time bound,
	 * here set by the configuration. */
	srv(852);
	S.authz_polls = 100000;
	cfg_validation_ms = 20000;
	r = run(1);
	cfg_validation_ms = 0;
	CHECKF(r == ACME_ERR_TIMEOUT, "%s", acme_message(&C));
	CHECK(strstr(acme_message(&C), "validation time bound") != NULL);
	/* (the first authorization request is the fetch, not a poll) */
	check_backoff(FS_EP_AUTHZ, 1, fs_find(&S, FS_EP_CHAL, 0), 20000,
	    "authz pending");
	CHECK(S.ep_count[FS_EP_FINALIZE] == 0 && !S.listening);
	clean("authz forever");

	/* A finalize time bound from the configuration. */
	srv(853);
	fs_add_rule(&S, FS_EP_ORDER_POLL, 1, 0, FS_ACT_PROCESSING, 0, -1,
	    NULL);
	cfg_finalize_ms = 5000;
	r = run(1);
	cfg_finalize_ms = 0;
	CHECK(r == ACME_ERR_TIMEOUT);
	check_backoff(FS_EP_ORDER_POLL, 0, fs_find(&S, FS_EP_FINALIZE, 0),
	    5000, "finalize 5 s");
}

/* Defects of issue 9: the certificate chain is checked before it is
 * stored, and only a framed (or close_notify-ended) body is whole. */
static void
test_chain(void)
{
	static const struct {
		int act;
		long arg;
		unsigned times;
		size_t n;
		int want;
		const char *msg;
		unsigned net_retries;
	} tc[] = {
		/* cut by a TCP close, no length: truncation, retried */
		{ FS_ACT_UNFRAMED, 0, 1, 1, ACME_OK, NULL, 1 },
		{ FS_ACT_UNFRAMED, 0, 0, 1, ACME_ERR_NET, "attempts",
		    ACME_NET_RETRIES },
		/* all of it, then close_notify: complete */
		{ FS_ACT_UNFRAMED, 1, 1, 1, ACME_OK, NULL, 0 },
		/* close_notify in the middle of a certificate */
		{ FS_ACT_UNFRAMED, 2, 1, 1, ACME_ERR_PROTOCOL,
		    "ends inside a certificate", 0 },
		{ FS_ACT_CERT_KEY, 0, 1, 1, ACME_ERR_PROTOCOL,
		    "not for our key", 0 },
		{ FS_ACT_CERT_NAME, 0, 1, 2, ACME_ERR_PROTOCOL,
		    "every identifier", 0 },
		{ FS_ACT_CERT_BAD, 0, 1, 1, ACME_ERR_PROTOCOL,
		    "does not decode", 0 },
		{ FS_ACT_CERT_EXTRA, 0, 1, 1, ACME_ERR_PROTOCOL,
		    "not a CERTIFICATE", 0 },
	};
	const unsigned char *d;
	unsigned i;
	long n;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		if (tc[i].n > ACME_MAX_IDENTIFIERS ||
		    (tc[i].want == ACME_OK &&
		    tc[i].net_retries > ACME_NET_RETRIES))
			continue;       /* not in this configuration */
		srv(1400 + i);
		fs_add_rule(&S, FS_EP_CERT, 1, tc[i].times, tc[i].act,
		    tc[i].arg, -1, NULL);
		r = run(tc[i].n);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		CHECKF(acme_counters(&C)->net_retries == tc[i].net_retries,
		    "case %u: net_retries %u", i,
		    acme_counters(&C)->net_retries);
		if (tc[i].msg != NULL)
			CHECKF(strstr(acme_message(&C), tc[i].msg) != NULL,
			    "case %u: \"%s\"", i, acme_message(&C));
		if (r == ACME_OK) {
			CHECK(blob_is(ACME_STORE_CERT, issued()));
			n = fs_blob(&S, ACME_STORE_CERT, &d);
			CHECK(n > 0 && (size_t)n == strlen(issued()));
		} else {
			/* nothing stored: neither the key nor the chain */
			CHECK(fs_blob(&S, ACME_STORE_CERT, NULL) < 0);
			CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, NULL) < 0);
		}
		clean("chain");
		if (r != tc[i].want)
			dump("chain");
	}
}

/* 1 when the stored key is the one the stored chain's leaf is for (the
 * leaf's DER searched for the key's public point). */
static int
pair_matches(void)
{
	static struct der_buf db;
	const unsigned char *c, *k;
	unsigned char q[65];
	long cl = fs_blob(&S, ACME_STORE_CERT, &c);
	long kl = fs_blob(&S, ACME_STORE_CERT_KEY, &k);
	size_t i;

	if (cl <= 0 || kl <= 0 || pem_pub(k, (size_t)kl, q) != 0 ||
	    pem_obj(c, (size_t)cl, "CERTIFICATE", &db) != 0 || db.len < 65)
		return 0;
	for (i = 0; i + 65 <= db.len; i++)
		if (memcmp(db.d + i, q, 65) == 0)
			return 1;
	return 0;
}

/* A chain several times the response window: fetched, checked and
 * stored whole in every framing and record size, or nothing of it. */
#define LONG_CHAIN (3 * ACME_MAX_RESPONSE + 1000)
#define OVER_CHAIN (ACME_MAX_CHAIN + 1)

/*
 * The certificate chain streams into storage (DESIGN.md 6): a chain over
 * three response windows is fetched, checked and stored byte for byte
 * with Content-Length, chunked and close_notify-ended answers and in TLS
 * records of one byte (every byte boundary a piece boundary); cut,
 * retried, bad, foreign, oversized or failing to stage, it leaves the old
 * pair as it was and nothing staged; error answers to the certificate
 * fetch are read from the window as before.
 */
static void
test_long_chain(void)
{
	static const struct {
		const char *name;
		int act;
		long arg, arg2;
		unsigned times;
		size_t chain, rec;      /* chain_min, rec_max */
		unsigned stage_fail;    /* stage_fail_at */
		int want;
		const char *msg;        /* in the message when failing */
		unsigned net_retries, badnonce;
	} tc[] = {
		{ "Content-Length", 0, 0, -1, 0, LONG_CHAIN, 0, 0, ACME_OK,
		    NULL, 0, 0 },
		{ "chunked", FS_ACT_CT_CHUNKED, 0, -1, 1, LONG_CHAIN, 0, 0,
		    ACME_OK, NULL, 0, 0 },
		{ "ended by close_notify", FS_ACT_UNFRAMED, 1, -1, 1,
		    LONG_CHAIN, 0, 0, ACME_OK, NULL, 0, 0 },
		{ "every byte its own TLS record", 0, 0, -1, 0, LONG_CHAIN, 1,
		    0, ACME_OK, NULL, 0, 0 },
		{ "chunked, every byte its own record", FS_ACT_CT_CHUNKED, 0,
		    -1, 1, LONG_CHAIN, 1, 0, ACME_OK, NULL, 0, 0 },
		{ "close_notify, records of 777", FS_ACT_UNFRAMED, 1, -1, 1,
		    LONG_CHAIN, 777, 0, ACME_OK, NULL, 0, 0 },
		{ "dropped mid-chain once: retried from the start",
		    FS_ACT_CLOSE_MID, 0, -1, 1, LONG_CHAIN, 1000, 0, ACME_OK,
		    NULL, 1, 0 },
		{ "TCP close (no close_notify) mid-chain once: retried",
		    FS_ACT_UNFRAMED, 0, -1, 1, LONG_CHAIN, 1000, 0, ACME_OK,
		    NULL, 1, 0 },
		{ "badNonce on the certificate", FS_ACT_BADNONCE, 0, -1, 1,
		    LONG_CHAIN, 0, 0, ACME_OK, NULL, 0, 1 },
		{ "503 Retry-After 2 on the certificate", FS_ACT_STATUS, 503,
		    2, 1, LONG_CHAIN, 0, 0, ACME_OK, NULL, 1, 0 },
		{ "dropped mid-chain every time", FS_ACT_CLOSE_MID, 0, -1, 0,
		    LONG_CHAIN, 1000, 0, ACME_ERR_NET, "attempts",
		    ACME_NET_RETRIES, 0 },
		{ "TCP close mid-chain every time", FS_ACT_UNFRAMED, 0, -1, 0,
		    LONG_CHAIN, 0, 0, ACME_ERR_NET, "attempts",
		    ACME_NET_RETRIES, 0 },
		{ "a bad certificate in the middle", FS_ACT_CERT_BAD_MID, 0,
		    -1, 1, LONG_CHAIN, 1000, 0, ACME_ERR_PROTOCOL,
		    "chain certificate does not decode", 0, 0 },
		{ "the leaf for another key", FS_ACT_CERT_KEY, 0, -1, 1,
		    LONG_CHAIN, 0, 0, ACME_ERR_PROTOCOL, "not for our key", 0,
		    0 },
		{ "over ACME_MAX_CHAIN, Content-Length", 0, 0, -1, 0,
		    OVER_CHAIN, 0, 0, ACME_ERR_TOO_LARGE, "ACME_MAX_CHAIN", 0,
		    0 },
		{ "over ACME_MAX_CHAIN, chunked", FS_ACT_CT_CHUNKED, 0, -1, 1,
		    OVER_CHAIN, 0, 0, ACME_ERR_TOO_LARGE, "ACME_MAX_CHAIN", 0,
		    0 },
		{ "over ACME_MAX_CHAIN, close_notify", FS_ACT_UNFRAMED, 1, -1,
		    1, OVER_CHAIN, 0, 0, ACME_ERR_TOO_LARGE, "ACME_MAX_CHAIN",
		    0, 0 },
		{ "a stage() fails mid-chain", 0, 0, -1, 0, LONG_CHAIN, 1000,
		    3, ACME_ERR_STORAGE, "stage", 0, 0 },
		{ "503 Retry-After an hour: the server's problem", FS_ACT_STATUS,
		    503, 3600, 1, LONG_CHAIN, 0, 0, ACME_ERR_SERVER,
		    "503 urn:ietf:params:acme:error:serverInternal", 0, 0 },
		{ "429 every time: the server's problem", FS_ACT_STATUS, 429,
		    -1, 0, LONG_CHAIN, 0, 0, ACME_ERR_SERVER,
		    "urn:ietf:params:acme:error:rateLimited", ACME_NET_RETRIES,
		    0 },
		{ "badNonce every time", FS_ACT_BADNONCE, 0, -1, 0,
		    LONG_CHAIN, 0, 0, ACME_ERR_BAD_NONCE, "badNonce",
		    0, ACME_BADNONCE_RETRIES },
	};
	static unsigned char old_c[FS_BLOB_CAP], old_k[FS_BLOB_CAP];
	const struct acme_counters *k;
	const unsigned char *d;
	long ocl, okl, n;
	unsigned i, commits, stages, discards;
	int r;

	if (LONG_CHAIN > ACME_MAX_CHAIN)
		return;                 /* not in this configuration */
	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u] %s", __func__, i, tc[i].name);
		if (tc[i].want == ACME_OK &&
		    tc[i].net_retries > ACME_NET_RETRIES)
			continue;       /* not in this configuration */
		/* an old pair, with a chain of two */
		memset(&ST, 0, sizeof ST);
		srv(1500 + i);
		S.store = &ST;
		r = run(1);
		ocl = fs_blob(&S, ACME_STORE_CERT, &d);
		memcpy(old_c, d, ocl > 0 ? (size_t)ocl : 0);
		okl = fs_blob(&S, ACME_STORE_CERT_KEY, &d);
		memcpy(old_k, d, okl > 0 ? (size_t)okl : 0);
		CHECKF(r == ACME_OK && ocl > 0 && okl > 0, "old pair: %s",
		    acme_message(&C));
		if (ocl <= 0 || okl <= 0)
			continue;
		commits = ST.commits;
		/* the new one */
		fs_clear_stats(&S);
		S.chain_min = tc[i].chain;
		S.rec_max = tc[i].rec;
		S.stage_fail_at = tc[i].stage_fail;
		if (tc[i].act != 0)
			fs_add_rule(&S, FS_EP_CERT, 1, tc[i].times, tc[i].act,
			    tc[i].arg, tc[i].arg2, NULL);
		stages = ST.stages;
		discards = ST.discards;
		r = client(1);
		if (r == ACME_OK)
			r = acme_run(&C);
		/* nothing half-staged when the run ends, before any
		 * acme_close() */
		CHECKF(ST.nstaged == 0, "%u names left staged", ST.nstaged);
		acme_close(&C);
		k = acme_counters(&C);
		CHECKF(r == tc[i].want, "%s: %s", acme_strerror(r),
		    acme_message(&C));
		CHECKF(k->net_retries == tc[i].net_retries, "net_retries %u",
		    k->net_retries);
		CHECKF(k->badnonce_retries == tc[i].badnonce,
		    "badnonce_retries %u", k->badnonce_retries);
		if (r == ACME_OK) {
			CHECKF(strlen(issued()) >= LONG_CHAIN &&
			    strlen(issued()) <= ACME_MAX_CHAIN, "chain %zu",
			    strlen(issued()));
			n = fs_blob(&S, ACME_STORE_CERT, &d);
			CHECKF(blob_is(ACME_STORE_CERT, issued()),
			    "stored %ld bytes of %zu", n, strlen(issued()));
			CHECK(pair_matches());
			CHECK(leaf_is(issued()));
			CHECK(ST.commits == commits + 1);
			/* in pieces: every byte one with one-byte records */
			CHECKF(ST.stages - stages > (tc[i].rec == 1 ?
			    LONG_CHAIN : 2), "%u stage() calls",
			    ST.stages - stages);
			/* a cut chain was dropped before its retry */
			CHECKF(strstr(tc[i].name, "retried") == NULL ||
			    ST.discards > discards, "discards %u",
			    ST.discards - discards);
		} else {
			if (tc[i].msg != NULL)
				CHECKF(strstr(acme_message(&C), tc[i].msg) !=
				    NULL, "\"%s\"", acme_message(&C));
			CHECK(ST.commits == commits);
			CHECK(fs_blob(&S, ACME_STORE_CERT, &d) == ocl &&
			    memcmp(d, old_c, (size_t)ocl) == 0);
			CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, &d) == okl &&
			    memcmp(d, old_k, (size_t)okl) == 0);
			CHECK(acme_certificate_leaf(&C, NULL) == NULL);
			/* what was staged was discarded */
			CHECKF(ST.stages == stages || ST.discards > discards,
			    "%u stages, %u discards", ST.stages - stages,
			    ST.discards - discards);
		}
		if (strstr(tc[i].name, "Retry-After 2") != NULL) {
			int a = fs_find(&S, FS_EP_CERT, 0);
			int b = fs_find(&S, FS_EP_CERT, 1);

			CHECK(a >= 0 && b > a &&
			    S.log[b].t_ms - S.log[a].t_ms >= 2000);
		}
		if (tc[i].want == ACME_ERR_SERVER)
			CHECK(acme_problem(&C) != NULL &&
			    acme_problem(&C)->status == tc[i].arg);
		clean("long chain");
		if (r != tc[i].want)
			dump("long chain");
	}
}

/* An order we did not finalize is never ours; a finalize whose answer
 * is lost is not sent again blindly. */
static void
test_finalize(void)
{
	int r;

	/* newOrder hands out an order someone else finalized. */
	srv(1500);
	fs_add_rule(&S, FS_EP_ORDER, 1, 1, FS_ACT_ORDER_STATUS, 0, -1, "valid");
	r = run(1);
	CHECKF(r == ACME_ERR_PROTOCOL, "%s", acme_message(&C));
	CHECK(strstr(acme_message(&C), "not with our key") != NULL);
	CHECK(S.ep_count[FS_EP_CERT] == 0 && S.ep_count[FS_EP_FINALIZE] == 0);
	CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, NULL) < 0);
	CHECK(fs_blob(&S, ACME_STORE_CERT, NULL) < 0);
	srv(1501);
	fs_add_rule(&S, FS_EP_ORDER, 1, 1, FS_ACT_ORDER_STATUS, 0, -1,
	    "processing");
	r = run(1);
	CHECK(r == ACME_ERR_PROTOCOL);
	CHECK(S.ep_count[FS_EP_ORDER_POLL] == 0);
	CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, NULL) < 0);

	/* The finalize was done, its answer lost with the connection: the
	 * client asks the order, which is processing then valid; one
	 * finalize, one certificate. */
	srv(1502);
	fs_add_rule(&S, FS_EP_FINALIZE, 1, 1, FS_ACT_DROP_AFTER, 0, -1, NULL);
	r = run(1);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECKF(S.ep_count[FS_EP_FINALIZE] == 1 && S.order[0].finalizes == 1,
	    "finalizes %u", S.ep_count[FS_EP_FINALIZE]);
	CHECK(blob_is(ACME_STORE_CERT, issued()));
	clean("finalize lost");
	if (r != ACME_OK)
		dump("finalize lost");

	/* The finalize never arrived: the order is still "ready", so it is
	 * sent again (and 403 orderNotReady leads to the order too). */
	srv(1503);
	fs_add_rule(&S, FS_EP_FINALIZE, 1, 1, FS_ACT_DROP, 0, -1, NULL);
	r = run(1);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.ep_count[FS_EP_FINALIZE] == 2 && S.order[0].finalizes == 1);
	CHECK(S.ep_count[FS_EP_ORDER_POLL] >= 2);
	clean("finalize not arrived");
	srv(1504);
	fs_add_rule(&S, FS_EP_FINALIZE, 1, 1, FS_ACT_STATUS, 403, -1,
	    "orderNotReady");
	r = run(1);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.ep_count[FS_EP_FINALIZE] == 2);
	clean("orderNotReady");

	/* A server that never takes the finalize: bounded. */
	srv(1505);
	fs_add_rule(&S, FS_EP_FINALIZE, 1, 0, FS_ACT_STATUS, 403, -1,
	    "orderNotReady");
	r = run(1);
	CHECKF(r == ACME_ERR_RETRIES, "%s", acme_message(&C));
	CHECKF(S.ep_count[FS_EP_FINALIZE] == ACME_FINALIZE_TRIES,
	    "finalizes %u", S.ep_count[FS_EP_FINALIZE]);
	clean("finalize never");
}

/* The answer to a challenge POST lost (the server took the POST), the
 * POST lost (it did not), or a 500 in place of the answer: the client
 * asks the authorization instead of sending its answer again blindly,
 * which a server may refuse for a challenge no longer pending (the fake
 * server does, as Pebble does: 400 malformed; the fault soak saw runs
 * end so).  Still pending: answered again, a bounded number of times. */
static void
test_challenge_lost(void)
{
	static const struct {
		const char *tag;
		int act;
		long arg;
		unsigned times;         /* 0: every POST */
		int want;
		unsigned posts;
	} tc[] = {
		{ "reply lost", FS_ACT_DROP_AFTER, 0, 1, ACME_OK, 1 },
		{ "POST lost", FS_ACT_DROP, 0, 1, ACME_OK, 2 },
		{ "a 500", FS_ACT_STATUS, 500, 1, ACME_OK, 2 },
		{ "lost every time", FS_ACT_DROP, 0, 0, ACME_ERR_NET,
		    ACME_NET_RETRIES + 1 },
	};
	unsigned i;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s: %s", __func__, tc[i].tag);
		srv(1601 + i);
		fs_add_rule(&S, FS_EP_CHAL, 1, tc[i].times, tc[i].act,
		    tc[i].arg, -1, NULL);
		r = run(1);
		CHECKF(r == tc[i].want, "%s: %d %s", tc[i].tag, r,
		    acme_message(&C));
		CHECKF(S.ep_count[FS_EP_CHAL] == tc[i].posts &&
		    S.chal_reposts == 0, "%s: challenge POSTs %u, refused %u",
		    tc[i].tag, S.ep_count[FS_EP_CHAL], S.chal_reposts);
		clean(tc[i].tag);
		if (r != tc[i].want)
			dump(tc[i].tag);
	}
}

/* The stored account belongs to its key and to its directory. */
static void
test_account_binding(void)
{
	static const char *const bogus[] = {
		/* bound to another CA */
		"https://acme.test/acct/9/9\nhttps://staging.test/dir\n",
		/* an older file without the directory */
		"https://acme.test/acct/9/9\n",
		"https://acme.test/acct/9/9",
	};
	const unsigned char *d;
	unsigned i;
	long n;
	int r, k;

	/* A first run makes the account; then the key is lost. */
	memset(&ST, 0, sizeof ST);
	srv(1600);
	S.store = &ST;
	CHECK(run(1) == ACME_OK);
	for (k = 0; k < FS_MAX_BLOBS; k++)
		if (strcmp(ST.b[k].name, ACME_STORE_ACCOUNT_KEY) == 0)
			ST.b[k].used = 0;
	fs_clear_stats(&S);
	r = run(1);
	CHECKF(r == ACME_OK, "key lost: %s", acme_message(&C));
	k = fs_find(&S, FS_EP_ACCOUNT, 0);
	CHECK(k >= 0 && S.log[k].has_jwk && S.log[k].status == 201);
	CHECK(S.nacct == 2 && acct_url_is(S.acct[1].url));
	clean("account key lost");

	for (i = 0; i < sizeof bogus / sizeof bogus[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		fs_blob_put(&S, ACME_STORE_ACCOUNT_URL, bogus[i],
		    strlen(bogus[i]));
		fs_clear_stats(&S);
		r = run(1);
		CHECKF(r == ACME_OK, "case %u: %s", i, acme_message(&C));
		/* registered with this CA (which knows the key: 200) */
		k = fs_find(&S, FS_EP_ACCOUNT, 0);
		CHECKF(k >= 0 && S.log[k].has_jwk && S.log[k].status == 200,
		    "case %u", i);
		k = fs_find(&S, FS_EP_ORDER, 0);
		CHECK(k >= 0 && strcmp(S.log[k].kid, S.acct[1].url) == 0);
		CHECK(acct_url_is(S.acct[1].url));
		clean("account binding");
	}
	T_CASE("%s", __func__);
	n = fs_blob(&S, ACME_STORE_ACCOUNT_URL, &d);
	CHECK(n > 0 && d[n - 1] == '\n');
}

/* Every URL the server names must be on the directory's origin. */
static void
test_origin(void)
{
	static const char foreign_authz[] = "{\"status\":\"pending\","
	    "\"finalize\":\"https://acme.test/finalize/1\","
	    "\"authorizations\":[\"https://evil.test/authz/1/0\"]}";
	static const struct {
		int ep;
		int act;
		const char *str;
	} tc[] = {
		{ FS_EP_DIR, FS_ACT_FOREIGN, "https://evil.test" },
		{ FS_EP_DIR, FS_ACT_FOREIGN, "https://acme.test:8443" },
		{ FS_EP_ACCOUNT, FS_ACT_FOREIGN, "https://evil.test" },
		{ FS_EP_ORDER, FS_ACT_FOREIGN, "https://evil.test" },
		{ FS_EP_ORDER, FS_ACT_BODY, foreign_authz },
		{ FS_EP_AUTHZ, FS_ACT_FOREIGN, "https://evil.test" },
		/* the certificate URL */
		{ FS_EP_ORDER_POLL, FS_ACT_FOREIGN, "https://evil.test" },
	};
	unsigned i;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		srv(1700 + i);
		fs_add_rule(&S, tc[i].ep, 1, 0, tc[i].act, 0, -1, tc[i].str);
		r = run(1);
		CHECKF(r == ACME_ERR_PROTOCOL, "case %u: %s: %s", i,
		    acme_strerror(r), acme_message(&C));
		CHECKF(strstr(acme_message(&C), tc[i].act == FS_ACT_BODY ?
		    "evil.test" : tc[i].str) != NULL,
		    "case %u: \"%s\"", i, acme_message(&C));
		/* one connection, to acme.test:443 only */
		CHECK(S.connects == 1);
		CHECK(fs_blob(&S, ACME_STORE_CERT, NULL) < 0);
		clean("origin");
	}
}

/* The TLS profile: TLS 1.2, ECDHE, AEAD; and the server's name. */
static void
test_tls_profile(void)
{
	static const uint16_t cbc[] = {
	    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 };
	static const uint16_t ecdh[] = {
	    BR_TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256 };
	static const uint16_t tdes[] = {
	    BR_TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA };
	static const uint16_t gcm[] = {
	    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 };
	static const struct {
		unsigned vmin, vmax;
		const uint16_t *suites;
		size_t n;
		int want;
	} tc[] = {
		{ BR_TLS10, BR_TLS11, NULL, 0, ACME_ERR_TLS },
		{ BR_TLS10, BR_TLS10, NULL, 0, ACME_ERR_TLS },
		{ 0, 0, cbc, 1, ACME_ERR_TLS },
		{ 0, 0, ecdh, 1, ACME_ERR_TLS },
		{ BR_TLS10, BR_TLS12, tdes, 1, ACME_ERR_TLS },
		{ BR_TLS10, BR_TLS12, gcm, 1, ACME_OK },
	};
	unsigned i;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		srv(1800 + i);
		S.tls_vmin = tc[i].vmin;
		S.tls_vmax = tc[i].vmax;
		S.tls_suites = tc[i].suites;
		S.tls_nsuites = tc[i].n;
		r = run(1);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i,
		    acme_strerror(r), acme_message(&C));
		if (tc[i].want != ACME_OK)
			CHECK(S.requests == 0);
	}
	T_CASE("%s", __func__);

	/* A name the server's certificate does not cover: no request. */
	srv(1810);
	S.alt_host = "other.test";
	{
		struct acme_config cfg;

		memset(&cfg, 0, sizeof cfg);
		cfg.directory_url = "https://other.test/dir";
		cfg.trust_anchors = &S.ta;
		cfg.trust_anchor_count = 1;
		cfg.names = names;
		cfg.name_count = 1;
		cfg.agree_tos = 1;
		CHECK(acme_init(&C, &cfg, &P) == ACME_OK);
		r = acme_run(&C);
		acme_close(&C);
	}
	CHECKF(r == ACME_ERR_TLS, "%s: %s", acme_strerror(r),
	    acme_message(&C));
	CHECK(strstr(acme_message(&C), "host name") != NULL);
	CHECK(S.connects == 1 && S.requests == 0);
}

/* The bounds that no other scenario reaches. */
static void
test_bounds(void)
{
	static const int eps[] = { FS_EP_ACCOUNT, FS_EP_ORDER, FS_EP_AUTHZ,
	    FS_EP_CHAL, FS_EP_FINALIZE, FS_EP_ORDER_POLL, FS_EP_CERT };
	unsigned i, sum;
	uint64_t bound;
	int r;

	/* A server that accepts a request and never answers: each attempt
	 * ends at ACME_IO_TIMEOUT_MS, then ACME_ERR_TIMEOUT. */
	srv(1900);
	fs_add_rule(&S, FS_EP_ORDER, 1, 0, FS_ACT_SILENT, 0, -1, NULL);
	r = run(1);
	CHECKF(r == ACME_ERR_TIMEOUT, "%s: %s", acme_strerror(r),
	    acme_message(&C));
	CHECKF(S.ep_count[FS_EP_ORDER] == ACME_NET_RETRIES + 1,
	    "attempts %u", S.ep_count[FS_EP_ORDER]);
	bound = (uint64_t)(ACME_NET_RETRIES + 1) * (ACME_IO_TIMEOUT_MS + 100) +
	    (2000ULL << ACME_NET_RETRIES);
	CHECKF(S.now >= ACME_IO_TIMEOUT_MS && S.now <= bound,
	    "ended after %llu ms", (unsigned long long)S.now);
	clean("silent");

	/* badNonce on several requests, each within its own bound, until
	 * the session's bound: ACME_ERR_BAD_NONCE after exactly
	 * ACME_BADNONCE_SESSION_MAX retries. */
	srv(1901);
	for (i = 0, sum = 0; i < sizeof eps / sizeof eps[0] &&
	    sum <= ACME_BADNONCE_SESSION_MAX; i++) {
		fs_add_rule(&S, eps[i], 1, ACME_BADNONCE_RETRIES,
		    FS_ACT_BADNONCE, 0, -1, NULL);
		sum += ACME_BADNONCE_RETRIES;
	}
	if (sum > ACME_BADNONCE_SESSION_MAX) {
		r = run(1);
		CHECKF(r == ACME_ERR_BAD_NONCE, "%s", acme_message(&C));
		CHECKF(acme_counters(&C)->badnonce_retries ==
		    ACME_BADNONCE_SESSION_MAX, "retries %u",
		    acme_counters(&C)->badnonce_retries);
		CHECK(S.ep_count[FS_EP_CERT] == 0);
		clean("badnonce session");
	}
}

/* The CA's terms of service are never agreed to silently. */
static void
test_tos(void)
{
	int r, k;

	/* A CA with terms, a user who did not agree: stop before any
	 * account request, naming the terms. */
	srv(2000);
	cfg_no_tos = 1;
	r = run(1);
	CHECKF(r == ACME_ERR_TERMS, "%s", acme_strerror(r));
	CHECK(strstr(acme_message(&C), FS_BASE "/tos") != NULL);
	CHECK(strcmp(acme_terms_of_service(&C), FS_BASE "/tos") == 0);
	CHECK(S.requests == 1 && S.ep_count[FS_EP_DIR] == 1);
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_URL, NULL) < 0);
	/* A CA without terms: no agreement sent, none needed. */
	srv(2001);
	S.tos = 0;
	r = run(1);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.nacct == 1 && !S.acct[0].agreed);
	CHECK(acme_terms_of_service(&C)[0] == 0);
	clean("no terms");
	/* An existing account needs no new agreement. */
	memset(&ST, 0, sizeof ST);
	srv(2002);
	S.store = &ST;
	cfg_no_tos = 0;
	CHECK(run(1) == ACME_OK);
	cfg_no_tos = 1;
	fs_clear_stats(&S);
	r = run(1);
	cfg_no_tos = 0;
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 0);
	k = fs_find(&S, FS_EP_ORDER, 0);
	CHECK(k >= 0 && S.log[k].has_kid);
	clean("terms, existing account");
}

/* 8: invalid authorizations and orders, endless processing. */
static void
test_invalid(void)
{
	static const char detail[] = "Invalid response from "
	    "http://n0.acme.test/.well-known/acme-challenge/x: 404";
	static const struct {
		int ep;
		unsigned from, times;
		int act;
		const char *str;
		int want;
		const char *msg;
	} tc[] = {
		{ FS_EP_AUTHZ, 2, 1, FS_ACT_INVALID, detail, ACME_ERR_INVALID,
		    detail },
		/* invalid at the first look, before any challenge */
		{ FS_EP_AUTHZ, 1, 1, FS_ACT_INVALID, "dns problem",
		    ACME_ERR_INVALID, "dns problem" },
		{ FS_EP_CHAL, 1, 1, FS_ACT_BODY, "{\"type\":\"http-01\","
		    "\"status\":\"invalid\",\"error\":{\"type\":\"urn:ietf:"
		    "params:acme:error:connection\",\"detail\":\"chal-xyz\"}}",
		    ACME_ERR_INVALID, "chal-xyz" },
		{ FS_EP_ORDER_POLL, 1, 1, FS_ACT_BODY,
		    "{\"status\":\"invalid\",\"error\":{\"type\":"
		    "\"urn:ietf:params:acme:error:badCSR\","
		    "\"detail\":\"csr-xyz\"}}", ACME_ERR_INVALID, "csr-xyz" },
		{ FS_EP_ORDER_POLL, 1, 0, FS_ACT_PROCESSING, NULL,
		    ACME_ERR_TIMEOUT, "finalize time bound" },
		{ FS_EP_ORDER_POLL, 1, 1, FS_ACT_BODY, "{\"status\":\"weird\"}",
		    ACME_ERR_PROTOCOL, "status" },
	};
	unsigned i;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		srv(800 + i);
		fs_add_rule(&S, tc[i].ep, tc[i].from, tc[i].times, tc[i].act,
		    0, -1, tc[i].str);
		r = run(1);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		CHECKF(strstr(acme_message(&C), tc[i].msg) != NULL,
		    "case %u: message \"%s\"", i, acme_message(&C));
		clean("invalid");
		CHECK(S.ep_count[FS_EP_CERT] == 0);
		CHECK(fs_blob(&S, ACME_STORE_CERT, NULL) < 0);
		CHECK(!S.listening);    /* the responder was stopped */
		/* The error is sticky and costs no more I/O. */
		CHECK(acme_step(&C) == tc[i].want);
	}
	T_CASE("%s", __func__);
	/* Polls are bounded by time (the phase's budget), not by a count
	 * that a server's Retry-After: 0 would use up in a second. */
	test_poll_bounds();
}

/* Attempts of a request whose every try is dropped unanswered: the
 * first reconnect is immediate (it looks like an idle close) but counts
 * against ACME_NET_RETRIES; at least that one reconnect is made. */
#define DROP_ATTEMPTS (ACME_NET_RETRIES + 1 > 2 ? ACME_NET_RETRIES + 1 : 2)

/* 9: hostile answers end in a clean error, never a crash. */
static void
test_hostile(void)
{
	static char toolong[ACME_MAX_TOKEN + 8];
	static char longloc[ACME_MAX_URL + 40];
	static char manytok[ACME_JSON_TOKENS * 4 + 64];
	static char manyaz[(ACME_MAX_IDENTIFIERS + 1) * 64 + 128];
	static const struct {
		int ep;
		unsigned times;
		int act;
		const char *str;
		int want;
		unsigned net_retries;
	} tc[] = {
		{ FS_EP_ORDER, 1, FS_ACT_TRUNCATE, NULL, ACME_ERR_JSON, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TRUNCATE, NULL, ACME_ERR_JSON, 0 },
		{ FS_EP_DIR, 1, FS_ACT_BODY, "<html>502 Bad Gateway</html>",
		    ACME_ERR_JSON, 0 },
		{ FS_EP_DIR, 1, FS_ACT_BODY, "[1,2,3]", ACME_ERR_JSON, 0 },
		{ FS_EP_DIR, 1, FS_ACT_BODY, "{\"newNonce\":5}", ACME_ERR_JSON,
		    0 },
		{ FS_EP_DIR, 1, FS_ACT_BODY, "", ACME_ERR_JSON, 0 },
		{ FS_EP_DIR, 1, FS_ACT_BODY, manytok, ACME_ERR_TOO_LARGE, 0 },
		{ FS_EP_DIR, 1, FS_ACT_BODY, "{\"newNonce\":\"http://acme.test"
		    "/n\",\"newAccount\":\"https://acme.test/new-acct\","
		    "\"newOrder\":\"https://acme.test/new-order\"}",
		    ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_OVERSIZE, NULL, ACME_ERR_TOO_LARGE,
		    0 },
		/* the chain streams past the window: checked, not PEM */
		{ FS_EP_CERT, 1, FS_ACT_OVERSIZE, NULL, ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_ACCOUNT, 1, FS_ACT_NO_LOCATION, NULL, ACME_ERR_PROTOCOL,
		    0 },
		{ FS_EP_ORDER, 1, FS_ACT_NO_LOCATION, NULL, ACME_ERR_PROTOCOL,
		    0 },
		{ FS_EP_ACCOUNT, 1, FS_ACT_LOCATION, "http://acme.test/acct/1",
		    ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_ACCOUNT, 1, FS_ACT_LOCATION, longloc,
		    ACME_ERR_TOO_LARGE, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TOKEN, "abc/def", ACME_ERR_PROTOCOL,
		    0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TOKEN, "../../etc/passwd",
		    ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TOKEN, "a b", ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TOKEN, "", ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TOKEN, "tok\\r\\nX: y",
		    ACME_ERR_PROTOCOL, 0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_TOKEN, toolong, ACME_ERR_TOO_LARGE,
		    0 },
		{ FS_EP_AUTHZ, 1, FS_ACT_NO_HTTP01, NULL, ACME_ERR_PROTOCOL,
		    0 },
		{ FS_EP_ORDER, 1, FS_ACT_BODY, manyaz, ACME_ERR_TOO_LARGE, 0 },
		{ FS_EP_CERT, 1, FS_ACT_BODY, "not a PEM", ACME_ERR_PROTOCOL,
		    0 },
		{ FS_EP_ORDER, 1, FS_ACT_RAW, "garbage\r\n\r\n", ACME_ERR_HTTP,
		    0 },
		{ FS_EP_ORDER, 1, FS_ACT_RAW, "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 99999999999999999999999\r\n\r\n",
		    ACME_ERR_TOO_LARGE, 0 },
		{ FS_EP_ORDER, 1, FS_ACT_RAW, "HTTP/1.1 201 Created\r\n"
		    "Content-Length: 50\r\n\r\n{\"status\":", ACME_OK, 1 },
		/* the connection dies mid-answer: retried */
		{ FS_EP_ORDER, 1, FS_ACT_CLOSE_MID, NULL, ACME_OK, 1 },
		{ FS_EP_CERT, 1, FS_ACT_CLOSE_MID, NULL, ACME_OK, 1 },
		/* no answer at all on a kept-alive connection looks like an
		 * idle close: one reconnect at once, not counted */
		{ FS_EP_FINALIZE, 1, FS_ACT_DROP, NULL, ACME_OK, 0 },
		{ FS_EP_ORDER, 0, FS_ACT_CLOSE_MID, NULL, ACME_ERR_NET,
		    ACME_NET_RETRIES },
		/* ... but only once: then bounded like any network error */
		{ FS_EP_ORDER, 0, FS_ACT_DROP, NULL, ACME_ERR_NET,
		    DROP_ATTEMPTS - 2 },
		/* not hostile, just chunked */
		{ FS_EP_CERT, 1, FS_ACT_CT_CHUNKED, NULL, ACME_OK, 0 },
		{ FS_EP_ORDER, 1, FS_ACT_CT_CHUNKED, NULL, ACME_OK, 0 },
	};
	size_t n;
	unsigned i, j;
	int r;

	memset(toolong, 'A', sizeof toolong - 1);
	snprintf(longloc, sizeof longloc, "https://acme.test/%0*d",
	    ACME_MAX_URL, 7);
	n = (size_t)snprintf(manytok, sizeof manytok, "{\"x\":[");
	for (j = 0; j < ACME_JSON_TOKENS; j++)
		n += (size_t)snprintf(manytok + n, sizeof manytok - n, "%s1",
		    j ? "," : "");
	snprintf(manytok + n, sizeof manytok - n, "]}");
	n = (size_t)snprintf(manyaz, sizeof manyaz, "{\"status\":\"pending\","
	    "\"finalize\":\"https://acme.test/finalize/1\","
	    "\"authorizations\":[");
	for (j = 0; j <= ACME_MAX_IDENTIFIERS; j++)
		n += (size_t)snprintf(manyaz + n, sizeof manyaz - n,
		    "%s\"https://acme.test/authz/1/%u\"", j ? "," : "", j);
	snprintf(manyaz + n, sizeof manyaz - n, "]}");

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		const struct acme_counters *k;

		if (tc[i].want == ACME_OK &&
		    tc[i].net_retries > ACME_NET_RETRIES)
			continue;       /* not in this configuration */
		srv(900 + i);
		fs_add_rule(&S, tc[i].ep, 1, tc[i].times, tc[i].act, 0, -1,
		    tc[i].str);
		r = run(1);
		k = acme_counters(&C);
		CHECKF(r == tc[i].want, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		CHECKF(k->net_retries == tc[i].net_retries,
		    "case %u: net_retries %u", i, k->net_retries);
		clean("hostile");
		/* For ever: ACME_NET_RETRIES + 1 attempts in all. */
		if (tc[i].times == 0)
			CHECKF(S.ep_count[tc[i].ep] == (tc[i].act ==
			    FS_ACT_DROP ? DROP_ATTEMPTS : ACME_NET_RETRIES + 1),
			    "case %u: %u attempts", i, S.ep_count[tc[i].ep]);
		if (r != ACME_OK) {
			CHECK(acme_message(&C)[0] != 0);
			CHECK(fs_blob(&S, ACME_STORE_CERT, NULL) < 0);
			CHECK(!S.listening);
			CHECK(acme_step(&C) == r);
		} else {
			CHECK(blob_is(ACME_STORE_CERT, issued()));
		}
		if (r != tc[i].want)
			dump("hostile");
	}
}

/* 10: the http-01 responder, with the server as the validator. */
static void
test_responder(void)
{
	const struct acme_counters *k;
	const unsigned char *d;
	unsigned char q[65];
	char th[48];
	long n;
	unsigned i, nn = ACME_MAX_IDENTIFIERS >= 2 ? 2 : 1;
	int r;

	srv(1000);
	S.validator = 1;
	S.probe_wrong = 1;
	r = run(nn);
	k = acme_counters(&C);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("responder");
	CHECKF(S.val_ok == nn && S.val_bad == 0, "ok %u bad %u", S.val_ok,
	    S.val_bad);
	CHECKF(S.val_404 == 5 * nn, "404s %u", S.val_404);
	CHECK(S.accepts == 6 * nn);
	CHECK(k->challenges_served == nn);
	CHECK(S.listens == 1 && S.listen_port == 80 && !S.listening);
	for (i = 0; i < S.nprobes; i++)
		CHECKF(S.probe[i].ok && S.probe[i].got_status ==
		    S.probe[i].expect, "probe %u: %.50s -> %d", i,
		    S.probe[i].req, S.probe[i].got_status);
	/* The thumbprint: client, server and a computation from the stored
	 * key with BearSSL alone agree. */
	n = fs_blob(&S, ACME_STORE_ACCOUNT_KEY, &d);
	CHECK(n > 0 && pem_pub(d, (size_t)n, q) == 0);
	thumb_of(q, th);
	CHECK(strlen(th) == JWS_THUMBPRINT_LEN);
	CHECK(strcmp(th, S.acct[0].thumb) == 0);
	CHECK(strcmp(th, C.thumb) == 0);
	/* Only after the validator saw the right answer was it valid. */
	for (i = 0; i < nn; i++)
		CHECK(S.order[0].az[i].validated);

	/* The responder also answers while the client waits for the
	 * server (latency): the same result. */
	srv(1001);
	S.validator = 1;
	S.latency_ms = 30;
	r = run(1);
	CHECK(r == ACME_OK && S.val_ok == 1 && S.val_bad == 0);
	clean("responder latency");
}

/* 11: acme_step() returns at once, whatever the transport does. */
static void
test_steps(void)
{
	static const struct {
		uint32_t latency;
		int keepalive, validator;
	} tc[] = {
		{ 0, 1, 0 }, { 40, 1, 0 }, { 40, 0, 1 }, { 500, 1, 1 },
	};
	unsigned i;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		unsigned steps = 0, io = 0, timer = 0, maxwb = 0, maxcalls = 0;
		int r = ACME_WANT_IO;

		srv(1100 + i);
		S.latency_ms = tc[i].latency;
		S.keepalive = tc[i].keepalive;
		S.validator = tc[i].validator;
		CHECK(client(1) == ACME_OK);
		while (steps < 200000) {
			unsigned wb = S.wouldblock, calls = S.port_calls;

			r = acme_step(&C);
			steps++;
			if (S.wouldblock - wb > maxwb)
				maxwb = S.wouldblock - wb;
			if (S.port_calls - calls > maxcalls)
				maxcalls = S.port_calls - calls;
			if (r <= 0)
				break;
			if (r == ACME_WANT_IO) {
				io++;
				S.now += 5;
			} else {
				CHECK(r == ACME_WANT_TIMER);
				CHECK(acme_wakeup_ms(&C) > 0);
				timer++;
				S.now += acme_wakeup_ms(&C);
			}
		}
		CHECKF(r == ACME_OK, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		clean("steps");
		/* Bounded: a few hundred steps for one certificate. */
		CHECKF(steps < 5000, "case %u: %u steps", i, steps);
		CHECK(timer > 0);
		if (tc[i].latency > 0)
			CHECKF(io >= 2 * tc[i].latency / 5, "case %u: io %u",
			    i, io);
		/* One step met "would block" at most once on the transport
		 * and once on the listener: it never spins on the port. */
		CHECKF(maxwb <= 2, "case %u: %u would-blocks in one step", i,
		    maxwb);
		CHECKF(maxcalls < 400, "case %u: %u port calls in one step", i,
		    maxcalls);
		acme_close(&C);
	}
}

/* TLS failures and configuration errors. */
static uint64_t
no_time(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
test_tls(void)
{
	static br_x509_trust_anchor bad;
	static unsigned char dn[256];
	struct acme_config cfg;
	int r;

	/* A trust anchor that is not the server's CA: no retry. */
	srv(1200);
	bad = S.ta;
	memcpy(dn, S.ta_dn, S.ta_dn_len);
	dn[S.ta_dn_len - 1] ^= 1;
	bad.dn.data = dn;
	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = FS_DIR_URL;
	cfg.trust_anchors = &bad;
	cfg.trust_anchor_count = 1;
	cfg.names = names;
	cfg.name_count = 1;
	cfg.http01_port = 80;
	cfg.agree_tos = 1;
	CHECK(acme_init(&C, &cfg, &P) == ACME_OK);
	r = acme_run(&C);
	CHECKF(r == ACME_ERR_TLS, "%s: %s", acme_strerror(r),
	    acme_message(&C));
	CHECK(strstr(acme_message(&C), "not trusted") != NULL);
	CHECK(S.connects == 1 && S.requests == 0);
	CHECK(S.violations == 0);

	/* No wall clock: certificates cannot be checked. */
	srv(1201);
	P.unix_time = no_time;
	r = run(1);
	CHECK(r == ACME_ERR_TIME);
	CHECK(S.connects == 0);

	/* Bad configurations, before any I/O. */
	srv(1202);
	cfg.trust_anchors = &S.ta;
	cfg.directory_url = "http://acme.test/dir";
	CHECK(acme_init(&C, &cfg, &P) == ACME_ERR_PARAM);
	cfg.directory_url = FS_DIR_URL;
	cfg.name_count = 0;
	CHECK(acme_init(&C, &cfg, &P) == ACME_ERR_PARAM);
	CHECK(acme_init(&C, NULL, &P) == ACME_ERR_PARAM);
	CHECK(S.port_calls == 0);

	/* Names are checked and normalised before any I/O: a bad one is
	 * ACME_ERR_PARAM naming it and the reason, no request; a good one
	 * is lower-cased without its trailing dot, and the run orders the
	 * normal form. */
	srv(1203);
	name_buf[0][0] = 0;
	strcat(name_buf[0], "bad_name.acme.test");
	CHECK(run(1) == ACME_ERR_PARAM);
	CHECKF(strstr(acme_message(&C), "bad_name.acme.test") != NULL &&
	    strstr(acme_message(&C), "character") != NULL, "%s",
	    acme_message(&C));
	CHECK(S.connects == 0 && S.requests == 0);
	srv(1204);
	snprintf(name_buf[0], sizeof name_buf[0], "-n0.acme.test");
	CHECK(run(1) == ACME_ERR_PARAM && S.connects == 0);
	srv(1205);
	snprintf(name_buf[0], sizeof name_buf[0], "N0.ACME.Test.");
	CHECK(run(1) == ACME_OK);
	CHECKF(strcmp(C.names[0], "n0.acme.test") == 0, "%s", C.names[0]);
	CHECK(S.violations == 0);
}

/* The fake server's checks can fail: a replayed nonce, a wrong url, a
 * bad signature are caught. */
static void
test_server_checks(void)
{
	static char jws[4096], tmp[1024];
	struct key_ec key;
	char nonce[FS_NONCE_LEN + 8], why[256];
	long n;

	srv(1300);
	CHECK(key_generate(&key, &P) == ACME_OK);
	fs_issue_nonce(&S, nonce, sizeof nonce);
	n = jws_build(jws, sizeof jws, &key, NULL, nonce,
	    FS_BASE "/new-acct", "{}", 2, tmp, sizeof tmp);
	CHECK(n > 0);
	CHECKF(fs_verify_jws(&S, "/new-acct", jws, (size_t)n, why,
	    sizeof why) == 0, "%s", why);
	/* the same nonce again */
	CHECK(fs_verify_jws(&S, "/new-acct", jws, (size_t)n, why,
	    sizeof why) == -1 && strstr(why, "twice") != NULL);
	/* signed for another URL */
	fs_issue_nonce(&S, nonce, sizeof nonce);
	n = jws_build(jws, sizeof jws, &key, NULL, nonce,
	    FS_BASE "/new-acct", "{}", 2, tmp, sizeof tmp);
	CHECK(fs_verify_jws(&S, "/new-order", jws, (size_t)n, why,
	    sizeof why) == -1 && strstr(why, "url") != NULL);
	/* a flipped signature bit */
	fs_issue_nonce(&S, nonce, sizeof nonce);
	n = jws_build(jws, sizeof jws, &key, NULL, nonce,
	    FS_BASE "/new-acct", "{}", 2, tmp, sizeof tmp);
	jws[n - 10] = jws[n - 10] == 'A' ? 'B' : 'A';
	CHECK(fs_verify_jws(&S, "/new-acct", jws, (size_t)n, why,
	    sizeof why) == -1 && strstr(why, "signature") != NULL);
	/* a nonce this server never issued */
	n = jws_build(jws, sizeof jws, &key, NULL, "Fs99-0000000001-nonce",
	    FS_BASE "/new-acct", "{}", 2, tmp, sizeof tmp);
	CHECK(fs_verify_jws(&S, "/new-acct", jws, (size_t)n, why,
	    sizeof why) == -1 && strstr(why, "never issued") != NULL);
	key_wipe(&key);
	CHECK(S.violations == 0);
}

static uint16_t alpn_port;           /* tls-alpn-01's, 0: none */

/* acme_init for names[0..n) with the challenge types t[0..nt) and the
 * fake server's DNS hook (hook 0: none). */
static int
client_chal(size_t n, const int *t, size_t nt, int hook)
{
	struct acme_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = FS_DIR_URL;
	cfg.trust_anchors = &S.ta;
	cfg.trust_anchor_count = 1;
	cfg.names = names;
	cfg.name_count = n;
	cfg.http01_port = 80;
	cfg.tlsalpn01_port = alpn_port;
	cfg.agree_tos = 1;
	cfg.challenges = t;
	cfg.challenge_count = nt;
	if (hook) {
		cfg.dns01_hook = fs_dns_hook;
		cfg.dns01_ctx = &S;
	}
	cfg.validation_timeout_ms = cfg_validation_ms;
	return acme_init(&C, &cfg, &P);
}

/* dns-01 records removed when acme_run() returned (before acme_close()),
 * and finalize requests made when the first one was removed. */
static unsigned removed_by_run;

static int
run_chal(size_t n, const int *t, size_t nt, int hook)
{
	int r = client_chal(n, t, nt, hook);

	if (r == ACME_OK)
		r = acme_run(&C);
	removed_by_run = S.dns_removes;
	acme_close(&C);
	return r;
}

/* 1 when b[0..n) occurs in a[0..len). */
static int
has_bytes(const unsigned char *a, size_t len, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(a + i, b, n) == 0)
			return 1;
	return 0;
}

/* The leaf stored names exactly the identifiers given (DNS or IP). */
static int
leaf_names(size_t n)
{
	const unsigned char *pem, *leaf;
	unsigned char der[2048];
	struct x509_cert x;
	uint8_t ip[16];
	size_t i, len, iplen;
	long pl = fs_blob(&S, ACME_STORE_CERT, &pem);

	(void)pem;
	leaf = acme_certificate_leaf(&C, &len);
	if (pl <= 0 || leaf == NULL || len > sizeof der)
		return 0;
	memcpy(der, leaf, len);
	if (x509_parse(&x, der, len) != 0 || x509_name_count(&x) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (ident_parse(names[i], ip, &iplen) == IDENT_IP ?
		    !x509_has_ip(&x, ip, iplen) : !x509_has_dns(&x, names[i]))
			return 0;
	return 1;
}

/* Challenge types: dns-01 through the hook (in place before the
 * challenge is answered, removed afterwards, also on every failure),
 * asynchronous hooks, preferences and fallbacks, bad configurations. */
static void
test_challenges(void)
{
	static const int dns[] = { ACME_CHALLENGE_DNS01 };
	static const int dns_http[] = { ACME_CHALLENGE_DNS01,
	    ACME_CHALLENGE_HTTP01 };
	static const int http_dns[] = { ACME_CHALLENGE_HTTP01,
	    ACME_CHALLENGE_DNS01 };
	static const int twice[] = { ACME_CHALLENGE_HTTP01,
	    ACME_CHALLENGE_HTTP01 };
	static const int bogus[] = { 7 };
	static const int alpn_http[] = { ACME_CHALLENGE_TLSALPN01,
	    ACME_CHALLENGE_HTTP01 };
	int r;

	T_CASE("%s[dns-01]", __func__);
	srv(4100);
	S.dns01 = 1;
	r = run_chal(2, dns, 1, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("dns-01");
	CHECK(S.dns_adds == 2 && S.dns_removes == 2 && S.ntxt == 0 &&
	    S.dns_remove_unknown == 0);
	/* withdrawn once valid, before the finalize */
	CHECK(removed_by_run == 2 && S.dns_remove_finalizes == 0);
	CHECK(S.listens == 0);          /* no http-01 responder */
	CHECK(S.ep_count[FS_EP_CHAL] == 2);
	CHECK(leaf_names(2));

	T_CASE("%s[dns-01-async]", __func__);
	srv(4101);
	S.dns01 = 1;
	S.dns_pending = 3;
	r = run_chal(1, dns, 1, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("dns-01-async");
	/* asked four times, a second apart, before the challenge */
	CHECK(S.dns_adds == 4 && S.dns_removes == 1 && S.ntxt == 0);
	CHECK(S.now >= 3000);

	T_CASE("%s[dns-01-never]", __func__);
	srv(4102);
	S.dns01 = 1;
	S.dns_pending = ~0u;
	cfg_validation_ms = 20000;
	r = run_chal(1, dns, 1, 1);
	cfg_validation_ms = 0;
	CHECKF(r == ACME_ERR_TIMEOUT && strstr(acme_message(&C), "DNS hook"),
	    "%s: %s", acme_strerror(r), acme_message(&C));
	clean("dns-01-never");
	CHECK(S.ep_count[FS_EP_CHAL] == 0);
	CHECK(S.dns_adds >= 19 && S.dns_adds <= 22);
	CHECK(S.dns_removes == 1 && removed_by_run == 1 && S.ntxt == 0);

	T_CASE("%s[dns-01-hook-fails]", __func__);
	srv(4103);
	S.dns01 = 1;
	S.dns_fail = 1;
	r = run_chal(2, dns, 1, 1);
	CHECKF(r == ACME_ERR_RESPONDER, "%s: %s", acme_strerror(r),
	    acme_message(&C));
	clean("dns-01-hook-fails");
	/* the first record failed: removed all the same, by the failure */
	CHECK(S.dns_adds == 1 && S.dns_removes == 1 && removed_by_run == 1 &&
	    S.ntxt == 0);
	CHECK(S.ep_count[FS_EP_CHAL] == 0);

	T_CASE("%s[dns-01-invalid]", __func__);
	srv(4104);
	S.dns01 = 1;
	fs_add_rule(&S, FS_EP_AUTHZ, 2, 1, FS_ACT_INVALID, 0, -1,
	    "no TXT record seen");
	r = run_chal(1, dns, 1, 1);
	CHECKF(r == ACME_ERR_INVALID && strstr(acme_message(&C),
	    "no TXT record seen"), "%s: %s", acme_strerror(r),
	    acme_message(&C));
	clean("dns-01-invalid");
	CHECK(S.dns_adds == 1 && S.dns_removes == 1 && removed_by_run == 1 &&
	    S.ntxt == 0);

	T_CASE("%s[dns-01-closed-midway]", __func__);
	srv(4105);
	S.dns01 = 1;
	S.dns_pending = ~0u;
	r = client_chal(1, dns, 1, 1);
	while (r == ACME_OK && S.dns_adds == 0)
		r = acme_step(&C) < 0 ? -1 : ACME_OK;
	acme_close(&C);
	CHECK(S.dns_adds == 1 && S.dns_removes == 1 && S.ntxt == 0);

	T_CASE("%s[prefer-http-01]", __func__);
	srv(4106);
	S.dns01 = 1;
	S.validator = 1;
	r = run_chal(1, http_dns, 2, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("prefer-http-01");
	CHECK(S.dns_adds == 0 && S.val_ok >= 1);

	T_CASE("%s[fall-back-to-http-01]", __func__);
	srv(4107);
	S.validator = 1;
	fs_add_rule(&S, FS_EP_AUTHZ, 1, 0, FS_ACT_NO_DNS01, 0, -1, NULL);
	r = run_chal(1, dns_http, 2, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("fall-back-to-http-01");
	CHECK(S.dns_adds == 0 && S.val_ok >= 1);

#if ACME_TLSALPN01
	T_CASE("%s[tls-alpn-01-not-offered]", __func__);
	srv(4110);
	S.validator = 1;
	alpn_port = 443;
	r = run_chal(1, alpn_http, 2, 0);
	alpn_port = 0;
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("tls-alpn-01-not-offered");
	CHECK(S.val_ok >= 1);           /* http-01 it was */
	CHECK(!tlsalpn01_active(&C.tlsalpn01));
#endif

	T_CASE("%s[none-offered]", __func__);
	srv(4108);
	fs_add_rule(&S, FS_EP_AUTHZ, 1, 0, FS_ACT_NO_DNS01, 0, -1, NULL);
	r = run_chal(1, dns, 1, 1);
	CHECKF(r == ACME_ERR_PROTOCOL && strstr(acme_message(&C),
	    "the server offers no dns-01 challenge"), "%s: %s",
	    acme_strerror(r), acme_message(&C));
	clean("none-offered");

	/* configurations refused before any request */
	T_CASE("%s[bad-config]", __func__);
	srv(4109);
	CHECK(client_chal(1, dns, 1, 0) == ACME_ERR_PARAM &&
	    strstr(acme_message(&C), "DNS hook") != NULL);
	CHECK(client_chal(1, twice, 2, 0) == ACME_ERR_PARAM &&
	    strstr(acme_message(&C), "twice") != NULL);
	CHECK(client_chal(1, bogus, 1, 0) == ACME_ERR_PARAM);
	CHECK(client_chal(1, dns_http, 4, 1) == ACME_ERR_PARAM);
	/* tls-alpn-01 needs its port (or is not built in) */
	CHECK(client_chal(1, alpn_http, 2, 0) == ACME_ERR_PARAM &&
	    strstr(acme_message(&C), "tls-alpn-01") != NULL);
	CHECK(S.requests == 0);
}

/* Identifiers: a wildcard and its base name in one order (dns-01, two
 * records at one name), a wildcard without dns-01 refused before any
 * request, IPv4 and IPv6 addresses as "ip" identifiers over http-01
 * (canonical text in the order, iPAddress in the CSR and the leaf). */
static void
test_identifiers(void)
{
	static const int dns[] = { ACME_CHALLENGE_DNS01 };
	static const int http_dns[] = { ACME_CHALLENGE_HTTP01,
	    ACME_CHALLENGE_DNS01 };
	static const uint8_t ip4[] = { 0x87, 4, 192, 0, 2, 7 };
	static const uint8_t ip6[] = { 0x87, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 7 };
	static const char *bad[] = { "1.2.3", "256.0.0.1", "a.*.test",
	    "1::2::3", "*" };
	unsigned i;
	int r;

	T_CASE("%s[wildcard-and-base]", __func__);
	srv(4200);
	S.dns01 = 1;
	names[0] = "*.n0.acme.test";
	names[1] = "n0.acme.test";
	r = run_chal(2, http_dns, 2, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("wildcard-and-base");
	/* the wildcard by dns-01 (the only type offered), the base by
	 * http-01 (preferred); one record, removed */
	CHECK(S.dns_adds == 1 && S.dns_removes == 1 && S.ntxt == 0);
	CHECK(leaf_names(2));

	T_CASE("%s[wildcard-and-base-dns-01]", __func__);
	srv(4201);
	S.dns01 = 1;
	names[0] = "*.n0.acme.test";
	names[1] = "n0.acme.test";
	r = run_chal(2, dns, 1, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("wildcard-and-base-dns-01");
	/* two values at _acme-challenge.n0.acme.test at once */
	CHECK(S.dns_adds == 2 && S.dns_removes == 2 && S.ntxt == 0);
	CHECK(leaf_names(2));

	T_CASE("%s[wildcard-without-dns-01]", __func__);
	srv(4202);
	names[0] = "*.n0.acme.test";
	CHECK(client_chal(1, NULL, 0, 0) == ACME_ERR_PARAM &&
	    strstr(acme_message(&C), "dns-01") != NULL);
	CHECK(S.requests == 0);

	T_CASE("%s[ipv4]", __func__);
	srv(4203);
	S.validator = 1;
	names[0] = "192.0.2.7";
	names[1] = "n1.acme.test";
	r = run_chal(2, NULL, 0, 0);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("ipv4");
	CHECK(strcmp(S.order[0].az[0].name, "192.0.2.7") == 0 &&
	    S.order[0].az[0].ip && !S.order[0].az[1].ip);
	CHECK(has_bytes(S.csr, S.csr_len, ip4, sizeof ip4));
	CHECK(leaf_names(2));

	T_CASE("%s[ipv6-canonical]", __func__);
	srv(4204);
	names[0] = "2001:DB8:0:0::0007";
	r = run_chal(1, NULL, 0, 0);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	clean("ipv6-canonical");
	CHECK(strcmp(S.order[0].az[0].name, "2001:db8::7") == 0);
	CHECK(has_bytes(S.csr, S.csr_len, ip6, sizeof ip6));
	names[0] = "2001:db8::7";
	CHECK(leaf_names(1));

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_CASE("%s[bad:%s]", __func__, bad[i]);
		srv(4210 + i);
		names[0] = bad[i];
		CHECK(client_chal(1, dns, 1, 1) == ACME_ERR_PARAM);
		CHECK(S.requests == 0);
	}
	srv(0);
}

#if ACME_ALT_CHAINS
/* One run preferring alternate 1 of 1 on a fresh server (seed 5300, so
 * every run makes the same storage operations), with a storage knob. */
static int
alt_run(unsigned stage_fail, unsigned fail_at, unsigned cut_at)
{
	int r;

	srv(5300);
	S.alt_chains = 1;
	S.stage_fail_at = stage_fail;
	S.store_fail_at = fail_at;
	S.store_cut_at = cut_at;
	cfg_preferred = "fake alt root 1";
	r = run(1);
	cfg_preferred = NULL;
	return r;
}

/*
 * Storage failing under an alternate: its first stage() or its commit
 * fails (the default pair stays, the run succeeds), and the power cut at
 * every storage operation of a run (what is stored is nothing, or a
 * whole pair: the default chain or the alternate, with its key).
 */
static void
test_altchain_storage(void)
{
	static char alt1[FS_CHAIN_MAX];
	unsigned ops, stages, cut, pairs = 0;
	int r;

	T_CASE("%s: the counts", __func__);
	srv(5300);
	cfg_preferred = NULL;
	CHECK(run(1) == ACME_OK);
	stages = S.store->stages;       /* the default chain and its key */
	CHECK(alt_run(0, 0, 0) == ACME_OK);
	ops = S.store->ops;
	CHECK(fs_order_alt(&S, S.norder, 1, alt1, sizeof alt1) > 0);
	CHECK(blob_is(ACME_STORE_CERT, alt1) && S.store->commits == 2);
	CHECK(S.store->stages > stages);

	T_CASE("%s: the alternate's first stage() fails", __func__);
	r = alt_run(stages + 1, 0, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(blob_is(ACME_STORE_CERT, issued()) && pair_matches());
	CHECK(S.store->commits == 1 && S.store->nstaged == 0);
	CHECK(leaf_is(issued()));
	clean("altchain stage");

	T_CASE("%s: the alternate's commit fails", __func__);
	r = alt_run(0, ops, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(blob_is(ACME_STORE_CERT, issued()) && pair_matches());
	CHECK(S.store->commits == 1 && S.store->nstaged == 0);
	CHECK(leaf_is(issued()));
	clean("altchain commit");

	for (cut = 1; cut <= ops; cut++) {
		T_CASE("%s: power cut at operation %u of %u", __func__, cut,
		    ops);
		alt_run(0, 0, cut);
		if (fs_blob(&S, ACME_STORE_CERT, NULL) < 0) {
			CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, NULL) < 0);
			continue;
		}
		fs_order_alt(&S, S.norder, 1, alt1, sizeof alt1);
		CHECKF(pair_matches() && (blob_is(ACME_STORE_CERT, issued()) ||
		    blob_is(ACME_STORE_CERT, alt1)), "cut %u: not a whole "
		    "pair", cut);
		pairs++;
	}
	/* the cuts after the first commit left a pair */
	CHECK(pairs >= 2);
}

/*
 * Alternate chains (RFC 8555 7.4.2, core/altchain.c): the server links
 * alt_chains chains whose top certificate is issued by "fake alt root
 * n".  The stored chain is exactly the preferred one, or the default
 * one when none matches or every alternate fails; the pair always
 * matches, nothing stays staged, the run succeeds; a foreign-origin
 * alternate is never fetched (a connect to it is a violation).
 */
static void
test_altchain(void)
{
	static const struct {
		const char *pref;       /* preferred_chain */
		unsigned alts;          /* alt_chains */
		const char *link;       /* alt_link */
		int act;                /* a rule on FS_EP_CERT from 2 on */
		unsigned times;
		unsigned want;          /* 0: the default chain, else alt n */
		unsigned certs;         /* certificate requests */
		unsigned commits;
	} tc[] = {
		/* alt 1 does not match, alt 2 does */
		{ "fake alt root 2", 2, NULL, 0, 0, 2, 3, 2 },
		{ "fake alt root 1", 2, NULL, 0, 0, 1, 2, 2 },
		/* the default matches; no preference: nothing more fetched */
		{ "fake ACME issuer", 2, NULL, 0, 0, 0, 1, 1 },
		{ NULL, 2, NULL, 0, 0, 0, 1, 1 },
		{ "", 2, NULL, 0, 0, 0, 1, 1 },
		/* no match: every alternate fetched, the default kept */
		{ "fake alt root", 2, NULL, 0, 0, 0, 3, 1 },
		{ "nope", 0, NULL, 0, 0, 0, 1, 1 },
		/* more than ACME_ALT_CHAINS links: the rest are not fetched */
		{ "fake alt root 9", 9, NULL, 0, 0, 0,
		    1 + ACME_ALT_CHAINS, 1 },
		/* a foreign origin is not fetched; the next one is */
		{ "fake alt root 1", 1,
		    "<https://evil.test/cert/1/alt/1>;rel=\"alternate\"",
		    0, 0, 1, 2, 2 },
		{ "fake alt root 1", 1,
		    "<https://acme.test:8443/cert/1/alt/1>;rel=alternate",
		    0, 0, 1, 2, 2 },
		/* a 404 for a linked chain: skipped */
		{ "fake alt root 1", 1,
		    "<" FS_BASE "/cert/1/alt/7>;rel=alternate", 0, 0, 1, 3, 2 },
		/* every alternate fails (500 after the retries): default */
		{ "fake alt root 2", 2, NULL, FS_ACT_STATUS, 0, 0,
		    1 + 2 * (ACME_NET_RETRIES + 1), 1 },
		/* the first alternate cut on every try, the second taken */
		{ "fake alt root 2", 2, NULL, FS_ACT_CLOSE_MID,
		    ACME_NET_RETRIES + 1, 2, 3 + ACME_NET_RETRIES + 1 - 1, 2 },
		/* the preferred one is for another key / does not decode */
		{ "fake alt root 1", 2, NULL, FS_ACT_CERT_KEY, 1, 0, 3, 1 },
		{ "fake alt root 1", 1, NULL, FS_ACT_CERT_BAD, 0, 0, 2, 1 },
		/* ... ends inside a certificate (close_notify): not retried */
		{ "fake alt root 1", 1, NULL, FS_ACT_UNFRAMED, 0, 0, 2, 1 },
		{ "fake alt root 1", 1, NULL, FS_ACT_CERT_EXTRA, 0, 0, 2, 1 },
		/* a badNonce on the alternate: retried, taken */
		{ "fake alt root 1", 1, NULL, FS_ACT_BADNONCE, 1, 1, 3, 2 },
	};
	static char want[FS_CHAIN_MAX];
	unsigned i, certs;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, i);
		srv(5100 + i);
		S.alt_chains = tc[i].alts;
		S.alt_link = tc[i].link;
		if (tc[i].act != 0)
			fs_add_rule(&S, FS_EP_CERT, 2, tc[i].times,
			    tc[i].act, tc[i].act == FS_ACT_UNFRAMED ? 2 : 500,
			    -1, NULL);
		cfg_preferred = tc[i].pref;
		r = run(1);
		cfg_preferred = NULL;
		CHECKF(r == ACME_OK, "case %u: %s: %s", i, acme_strerror(r),
		    acme_message(&C));
		if (tc[i].want == 0)
			snprintf(want, sizeof want, "%s", issued());
		else
			CHECK(fs_order_alt(&S, S.norder, tc[i].want, want,
			    sizeof want) > 0);
		CHECKF(blob_is(ACME_STORE_CERT, want),
		    "case %u: not the chain wanted (%u)", i, tc[i].want);
		CHECKF(pair_matches(), "case %u: the pair does not match", i);
		CHECKF(leaf_is(issued()), "case %u: acme_certificate_leaf", i);
		certs = S.ep_count[FS_EP_CERT];
		CHECKF(certs == tc[i].certs, "case %u: %u certificate "
		    "requests, not %u", i, certs, tc[i].certs);
		CHECKF(S.store->commits == tc[i].commits,
		    "case %u: %u commits", i, S.store->commits);
		CHECKF(S.store->nstaged == 0, "case %u: left staged", i);
		/* (a badNonce's problem stays, as for any request) */
		CHECKF(acme_message(&C)[0] == 0 && (acme_problem(&C) == NULL ||
		    tc[i].act == FS_ACT_BADNONCE),
		    "case %u: message '%s' after success", i,
		    acme_message(&C));
		clean("altchain");
		if (r != ACME_OK || !blob_is(ACME_STORE_CERT, want))
			dump("altchain");
	}

	test_altchain_storage();

	/* a name longer than a commonName can be */
	T_CASE("%s: too long", __func__);
	srv(5199);
	cfg_preferred = "0123456789012345678901234567890123456789"
	    "01234567890123456789012345";
	CHECK(client(1) == ACME_ERR_TOO_LARGE);
	cfg_preferred = NULL;
	CHECK(S.requests == 0);
}
#endif

/* ---- key types and signers (acme_signer.h) ---- */

/*
 * A test signer: a board's secure element.  Its key lives here, outside
 * struct acme_client, and it counts its calls.  After every call, and
 * after every acme_step(), the whole client is searched for the private
 * key's bytes (the 8-byte windows of the scalar or of p, q, dp, dq, iq
 * at every 8th byte: a copy of 15 bytes or more holds one of them):
 * none may ever be there.
 */
struct tsig {
	struct acme_signer s;
	struct key_ec ec;
	struct key_rsa rsa;
	int is_rsa;
	unsigned pubs, signs;
	int lie;                      /* 1: a signature one byte short */
};
static struct tsig TA, TC;
static unsigned leaks;

/* 1 when the 8 bytes at w are somewhere in C. */
static int
window_in_client(const unsigned char *w)
{
	const unsigned char *p = (const unsigned char *)&C;
	const unsigned char *end = p + sizeof C - 8, *q;

	while (p <= end && (q = memchr(p, w[0], (size_t)(end - p) + 1)) !=
	    NULL) {
		if (memcmp(q, w, 8) == 0)
			return 1;
		p = q + 1;
	}
	return 0;
}

/* 1 when one of the 8-byte windows of the len secret bytes at k (at
 * every 8th byte: any copy of 15 or more bytes holds one) is in C. */
static int
secret_in_client(const unsigned char *k, size_t len)
{
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		if (window_in_client(k + i))
			return 1;
	return 0;
}

static void
scan_client(void)
{
	struct tsig *t[2] = { &TA, &TC };
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (t[i]->is_rsa)
			leaks += (unsigned)secret_in_client(t[i]->rsa.priv,
			    sizeof t[i]->rsa.priv);
		else if (t[i]->ec.valid)
			leaks += (unsigned)secret_in_client(t[i]->ec.x,
			    key_xlen(&t[i]->ec));
	}
}

static long
tsig_pub(void *ctx, unsigned char *out, size_t cap)
{
	struct tsig *t = ctx;
	struct acme_signer in;

	t->pubs++;
	scan_client();
	if (t->is_rsa)
		return key_rsa_pub(&t->rsa, out, cap);
	signer_ec(&in, &t->ec);
	return in.public_key(in.ctx, out, cap);
}

static long
tsig_sign(void *ctx, const unsigned char *h, size_t hlen,
    unsigned char *sig, size_t cap)
{
	struct tsig *t = ctx;
	struct acme_signer in;
	long n;

	t->signs++;
	scan_client();
	if (t->is_rsa) {
		n = key_rsa_sign(&t->rsa, h, hlen, sig, cap);
	} else {
		signer_ec(&in, &t->ec);
		n = in.sign(in.ctx, h, hlen, sig, cap);
	}
	return t->lie ? n - 1 : n;
}

/* A test signer of curve (0: RSA-2048), from the port's entropy. */
static void
tsig_make(struct tsig *t, int curve)
{
	struct acme_port ep = P;

	memset(t, 0, sizeof *t);
	if (curve == 0) {
		CHECK(key_rsa_generate(&t->rsa, &ep) == ACME_OK);
		t->is_rsa = 1;
		t->s.alg = ACME_ALG_RS256;
	} else {
		CHECK(key_generate_curve(&t->ec, curve, &ep) == ACME_OK);
		t->s.alg = curve == BR_EC_secp384r1 ? ACME_ALG_ES384 :
		    ACME_ALG_ES256;
	}
	t->s.public_key = tsig_pub;
	t->s.sign = tsig_sign;
	t->s.ctx = t;
}

/* acme_init with key types and signers (NULL: software keys). */
static int
client_keys(int at, int ct, const struct acme_signer *as,
    const struct acme_signer *cs, int ensure)
{
	struct acme_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = FS_DIR_URL;
	cfg.trust_anchors = &S.ta;
	cfg.trust_anchor_count = 1;
	cfg.names = names;
	cfg.name_count = 1;
	cfg.http01_port = 80;
	cfg.agree_tos = 1;
	cfg.account_key_type = at;
	cfg.cert_key_type = ct;
	cfg.account_signer = as;
	cfg.cert_signer = cs;
	cfg.ensure = ensure;
	return acme_init(&C, &cfg, &P);
}

/* Step the client to its end, scanning it after every step. */
static int
step_scanned(void)
{
	unsigned steps = 0;
	int r = ACME_WANT_IO;

	while (steps++ < 100000) {
		r = acme_step(&C);
		scan_client();
		if (r <= 0 || r == ACME_FRESH)
			break;
		S.now += r == ACME_WANT_TIMER ? acme_wakeup_ms(&C) : 5;
	}
	return r;
}

/* The public key (subjectPublicKey) of the stored leaf into out. */
static long
leaf_key(unsigned char *out, size_t cap)
{
	struct x509_cert x;
	const unsigned char *leaf;
	size_t n = 0;

	leaf = acme_certificate_leaf(&C, &n);
	if (leaf == NULL || x509_parse(&x, leaf, n) != 0 || x.key.len > cap)
		return -1;
	memcpy(out, x.key.val, x.key.len);
	return (long)x.key.len;
}

/* Software keys of every type through a full issuance, and ensure
 * reading each stored key back. */
static void
test_key_types(void)
{
	static const struct {
		int at, ct;
		size_t acct_qlen;
		const char *pem;          /* the stored cert.key's label */
		size_t keylen;            /* the leaf's subjectPublicKey */
	} tc[] = {
		{ ACME_KEYTYPE_P256, ACME_KEYTYPE_P256, 65,
		    "-----BEGIN EC PRIVATE KEY-----", 65 },
		{ ACME_KEYTYPE_P384, ACME_KEYTYPE_P384, 97,
		    "-----BEGIN EC PRIVATE KEY-----", 97 },
		{ ACME_KEYTYPE_P256, ACME_KEYTYPE_RSA2048, 65,
		    "-----BEGIN RSA PRIVATE KEY-----", 270 },
	};
	unsigned char pub[300];
	const unsigned char *d;
	unsigned i;
	long n;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, i);
		srv(4100 + i);
		CHECK(client_keys(tc[i].at, tc[i].ct, NULL, NULL, 0) ==
		    ACME_OK);
		r = acme_run(&C);
		CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r),
		    acme_message(&C));
		clean("key types");
		CHECKF(S.nacct == 1 && S.acct[0].qlen == tc[i].acct_qlen,
		    "account key %zu bytes", S.acct[0].qlen);
		n = fs_blob(&S, ACME_STORE_CERT_KEY, &d);
		CHECK(n > 40 && memcmp(d, tc[i].pem, strlen(tc[i].pem)) == 0);
		CHECK(leaf_key(pub, sizeof pub) == (long)tc[i].keylen);
		acme_close(&C);
		/* ensure reads the stored key back: nothing to do */
		CHECK(client_keys(tc[i].at, tc[i].ct, NULL, NULL, 1) ==
		    ACME_OK);
		n = S.requests;
		r = acme_run(&C);
		CHECKF(r == ACME_FRESH && S.requests == (unsigned)n,
		    "ensure: %s: %s", acme_strerror(r), acme_message(&C));
		acme_close(&C);
	}
	/* a stored P-256 account key is kept when ES384 is asked for */
	T_CASE("%s stored", __func__);
	srv(4110);
	CHECK(client_keys(ACME_KEYTYPE_P256, 0, NULL, NULL, 0) == ACME_OK);
	CHECK(acme_run(&C) == ACME_OK);
	acme_close(&C);
	CHECK(client_keys(ACME_KEYTYPE_P384, 0, NULL, NULL, 0) == ACME_OK);
	CHECK(acme_run(&C) == ACME_OK);
	CHECK(S.nacct == 1 && S.acct[0].qlen == 65);
	acme_close(&C);
	/* what the build or the interface cannot do */
	T_CASE("%s params", __func__);
	CHECK(client_keys(ACME_KEYTYPE_RSA2048, 0, NULL, NULL, 0) ==
	    ACME_ERR_PARAM);
	CHECK(client_keys(0, 7, NULL, NULL, 0) == ACME_ERR_PARAM);
	CHECK(client_keys(-1, 0, NULL, NULL, 0) == ACME_ERR_PARAM);
	tsig_make(&TC, 0);
	CHECK(client_keys(0, 0, &TC.s, NULL, 0) == ACME_ERR_PARAM);
	TC.s.sign = NULL;
	CHECK(client_keys(0, 0, NULL, &TC.s, 0) == ACME_ERR_PARAM);
	key_rsa_wipe(&TC.rsa);
	srv(0);
}

/* Keys that never enter the context: a full issuance, ensure, a
 * renewal for the same key, with the test signers. */
static void
test_signers(void)
{
	static const int curves[][2] = {
		{ BR_EC_secp256r1, BR_EC_secp384r1 },
		{ BR_EC_secp384r1, 0 },            /* 0: RSA-2048 */
	};
	unsigned char pub[300], leaf1[300];
	long n, n1;
	unsigned i, posts;
	int r;

	for (i = 0; i < 2; i++) {
		T_CASE("%s[%u]", __func__, i);
		srv(4200 + i);
		tsig_make(&TA, curves[i][0]);
		tsig_make(&TC, curves[i][1]);
		leaks = 0;
		CHECK(client_keys(0, 0, &TA.s, &TC.s, 0) == ACME_OK);
		r = step_scanned();
		CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r),
		    acme_message(&C));
		clean("signers");
		CHECKF(leaks == 0, "private key bytes in the client %u times",
		    leaks);
		/* every JWS through the account signer, one CSR through the
		 * certificate signer */
		CHECKF(TA.signs == S.posts, "account signs %u, posts %u",
		    TA.signs, S.posts);
		CHECKF(TC.signs == 1, "certificate signs %u", TC.signs);
		CHECK(TA.pubs >= 1 && TC.pubs >= 2);
		/* no key was made, stored or held */
		CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY, NULL) < 0);
		CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, NULL) < 0);
		CHECK(fs_blob(&S, ACME_STORE_CERT, NULL) > 0);
		CHECK(!C.account_key.valid && !C.cert_key.valid);
		/* the server's account key and the leaf's are the signers' */
		n = tsig_pub(&TA, pub, sizeof pub);
		CHECK(n > 0 && S.acct[0].qlen == (size_t)n &&
		    memcmp(S.acct[0].q, pub, (size_t)n) == 0);
		n = tsig_pub(&TC, pub, sizeof pub);
		n1 = leaf_key(leaf1, sizeof leaf1);
		CHECK(n > 0 && n1 == n && memcmp(pub, leaf1, (size_t)n) == 0);
		acme_close(&C);
		scan_client();
		CHECK(leaks == 0);

		/* ensure: the stored certificate is checked against the
		 * signer's key, without a request */
		CHECK(client_keys(0, 0, &TA.s, &TC.s, 1) == ACME_OK);
		posts = S.requests;
		r = step_scanned();
		CHECKF(r == ACME_FRESH && S.requests == posts, "ensure: %s",
		    acme_strerror(r));
		acme_close(&C);

		/* a new certificate: the same key, the same account */
		TA.signs = TC.signs = 0;
		posts = S.posts;
		CHECK(client_keys(0, 0, &TA.s, &TC.s, 0) == ACME_OK);
		r = step_scanned();
		CHECKF(r == ACME_OK, "again: %s", acme_strerror(r));
		CHECK(S.nacct == 1 && S.norder == 2 && TC.signs == 1);
		CHECK(TA.signs == S.posts - posts);
		n = leaf_key(pub, sizeof pub);
		CHECK(n == n1 && memcmp(pub, leaf1, (size_t)n) == 0);
		CHECK(fs_blob(&S, ACME_STORE_CERT_KEY, NULL) < 0);
		CHECK(leaks == 0);
		acme_close(&C);

		/* a signer that answers with a short signature: a clean
		 * error, nothing sent with it */
		TC.lie = 1;
		CHECK(client_keys(0, 0, &TA.s, &TC.s, 0) == ACME_OK);
		r = step_scanned();
		CHECKF(r == ACME_ERR_CRYPTO, "lying signer: %s",
		    acme_strerror(r));
		acme_close(&C);
		CHECK(leaks == 0);
		key_wipe(&TA.ec);
		key_wipe(&TC.ec);
		key_rsa_wipe(&TC.rsa);
	}
	srv(0);
}

int
main(void)
{
	T_RUN(test_server_checks);
	T_RUN(test_happy);
	T_RUN(test_names);
	T_RUN(test_account);
	T_RUN(test_badnonce);
	T_RUN(test_stale);
	T_RUN(test_conn);
	T_RUN(test_retry);
	T_RUN(test_invalid);
	T_RUN(test_hostile);
	T_RUN(test_responder);
	T_RUN(test_steps);
	T_RUN(test_tls);
	T_RUN(test_chain);
	T_RUN(test_long_chain);
	T_RUN(test_finalize);
	T_RUN(test_challenge_lost);
	T_RUN(test_account_binding);
	T_RUN(test_origin);
	T_RUN(test_tls_profile);
	T_RUN(test_bounds);
	T_RUN(test_tos);
	T_RUN(test_challenges);
	T_RUN(test_identifiers);
#if ACME_ALT_CHAINS
	T_RUN(test_altchain);
#endif
	T_RUN(test_key_types);
	T_RUN(test_signers);
	return t_done("flow");
}
