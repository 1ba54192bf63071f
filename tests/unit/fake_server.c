/*
 * fake_server.c -- see fake_server.h.  Test code: stdio and snprintf are
 * fine here; nothing is allocated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "fake_server.h"
#include "fake_certs.h"
#include "acme.h"
#include "acme_err.h"
#include "der.h"
#include "ident.h"
#include "json.h"

#define FS_H_LISTEN 10        /* the listening handle */
#define FS_H_PROBE 20         /* probe i is handle FS_H_PROBE + i */

/* Server instances made so far: a new server issues other URLs. */
static unsigned fs_generation;

/* One parsed request (scratch: one request is handled at a time). */
struct fs_req {
	char method[8];
	char path[96];
	char host[64];
	char ctype[64];
	char accept[96];
	char cache_control[64];
	char body[FS_IN];
	size_t body_len;
	int ep;
	unsigned o, i;                /* /order/o, /authz/o/i ... */
	int dns;                      /* /chal/o/i/dns */
	/* the JWS */
	int has_jwk, has_kid, acct, nonce_bad;
	unsigned char jwk_q[97];       /* P-256 (65) or P-384 (97) */
	size_t jwk_qlen;
	char nonce[64];
	char url[ACME_MAX_URL + 1];
	char kid[ACME_MAX_URL + 1];
	char payload[FS_IN];
	size_t plen;
};

/* The answer being built. */
struct fs_resp {
	int status;
	const char *ctype;
	char location[ACME_MAX_URL + 64];
	char link[ACME_MAX_URL + 32];
	char links[1024];             /* more header lines, each with CRLF */
	long retry_after;             /* -1: none */
	int nonce;                    /* 0 none, 1 fresh, 2 stale */
	char stale[FS_NONCE_LEN + 8];
	char body[FS_BODY];
	size_t body_len;
	int chunked, close_mid;
	int unframed;                 /* 0; else FS_ACT_UNFRAMED arg + 1 */
};

static struct fs_req fs_rq;
static struct fs_resp fs_rp;

/* Record a protocol breach (the first one is kept in s->violation). */
static void
fs_violate(struct fs *s, const char *fmt, ...)
{
	char m[sizeof s->violation];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	if (s->violations++ == 0)
		snprintf(s->violation, sizeof s->violation, "%s", m);
	fprintf(stderr, "fake_server: VIOLATION: %s\n", m);
}

/* memmem, which C99 and POSIX lack. */
static const char *
fs_memmem(const char *h, size_t hl, const char *n, size_t nl)
{
	size_t i;

	if (nl == 0)
		return h;
	for (i = 0; i + nl <= hl; i++)
		if (memcmp(h + i, n, nl) == 0)
			return h + i;
	return NULL;
}

static const char fs_b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/*
 * Unpadded base64url of len bytes into dst (NUL-terminated).  Returns
 * the number of characters.  Written here so that the server checks the
 * client's b64url.c instead of trusting it.
 */
size_t
fs_b64url(char *dst, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		dst[o++] = fs_b64chars[v >> 18 & 63];
		dst[o++] = fs_b64chars[v >> 12 & 63];
		dst[o++] = fs_b64chars[v >> 6 & 63];
		dst[o++] = fs_b64chars[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		dst[o++] = fs_b64chars[v >> 18 & 63];
		dst[o++] = fs_b64chars[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		dst[o++] = fs_b64chars[v >> 18 & 63];
		dst[o++] = fs_b64chars[v >> 12 & 63];
		dst[o++] = fs_b64chars[v >> 6 & 63];
	}
	dst[o] = 0;
	return o;
}

/* Decode unpadded base64url; -1 on a bad character, length or cap. */
long
fs_unb64url(void *dst, size_t cap, const char *src, size_t len)
{
	unsigned char *d = dst;
	uint32_t acc = 0;
	size_t i, o = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++) {
		const char *c = src[i] ? strchr(fs_b64chars, src[i]) : NULL;

		if (c == NULL)
			return -1;
		acc = acc << 6 | (uint32_t)(c - fs_b64chars);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			d[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1;      /* non-zero trailing bits */
	return (long)o;
}

/* ---- fake time, entropy, storage, log ---- */

static uint64_t
fs_p_now_ms(void *ctx)
{
	struct fs *s = ctx;

	return s->now;
}

static uint64_t
fs_p_unix_time(void *ctx)
{
	struct fs *s = ctx;

	return FS_T0 + s->now / 1000;
}

static void
fs_p_idle(void *ctx, uint32_t ms)
{
	struct fs *s = ctx;

	s->idle_calls++;
	s->now += ms > 0 ? ms : 1;
	if (s->now > s->time_limit_ms && !s->runaway) {
		s->runaway = 1;
		fprintf(stderr, "fake_server: fake clock over %llu ms: runaway "
		    "client, failing all I/O\n",
		    (unsigned long long)s->time_limit_ms);
	}
}

/* SHA-256(seed || counter) blocks: deterministic, different per seed. */
static int
fs_p_entropy(void *ctx, void *buf, size_t len)
{
	struct fs *s = ctx;
	unsigned char *p = buf, blk[32], in[8];
	br_sha256_context sc;
	size_t n;

	while (len > 0) {
		memcpy(in, &s->seed, 4);
		memcpy(in + 4, &s->entropy_ctr, 4);
		s->entropy_ctr++;
		br_sha256_init(&sc);
		br_sha256_update(&sc, in, sizeof in);
		br_sha256_out(&sc, blk);
		n = len < sizeof blk ? len : sizeof blk;
		memcpy(p, blk, n);
		p += n;
		len -= n;
	}
	return 0;
}

static struct fs_blob *
fs_blob_find(const struct fs_store *st, const char *name)
{
	unsigned i;

	for (i = 0; i < FS_MAX_BLOBS; i++)
		if (st->b[i].used && strcmp(st->b[i].name, name) == 0)
			return (struct fs_blob *)&st->b[i];
	return NULL;
}

long
fs_blob(const struct fs *s, const char *name, const unsigned char **data)
{
	const struct fs_blob *b = fs_blob_find(s->store, name);

	if (b == NULL)
		return -1;
	if (data != NULL)
		*data = b->data;
	return (long)b->len;
}

int
fs_blob_put(struct fs *s, const char *name, const void *data, size_t len)
{
	struct fs_blob *b = fs_blob_find(s->store, name);
	unsigned i;

	if (len > FS_BLOB_CAP || strlen(name) >= sizeof b->name)
		return -1;
	for (i = 0; b == NULL && i < FS_MAX_BLOBS; i++)
		if (!s->store->b[i].used)
			b = &s->store->b[i];
	if (b == NULL)
		return -1;
	b->used = 1;
	snprintf(b->name, sizeof b->name, "%s", name);
	memcpy(b->data, data, len);
	b->len = len;
	return 0;
}

static long
fs_p_load(void *ctx, const char *name, void *buf, size_t cap)
{
	struct fs *s = ctx;
	const struct fs_blob *b = fs_blob_find(s->store, name);

	if (s->runaway)
		return -2;             /* after a power cut: nothing works */
	if (b == NULL)
		return -1;
	if (b->len > cap)
		return -2;
	memcpy(buf, b->data, b->len);
	return (long)b->len;
}

/* port.h load_at(): up to cap bytes of name from offset.  Not counted
 * as an operation (a read, like load). */
static long
fs_p_load_at(void *ctx, const char *name, size_t offset, void *buf,
    size_t cap)
{
	struct fs *s = ctx;
	const struct fs_blob *b = fs_blob_find(s->store, name);

	s->store->loads_at++;
	if (cap == 0)
		fs_violate(s, "load_at() of %s with cap 0", name);
	if (s->runaway)
		return -2;
	if (b == NULL)
		return -1;
	if (offset >= b->len)
		return 0;
	if (cap > b->len - offset)
		cap = b->len - offset;
	memcpy(buf, b->data + offset, cap);
	return (long)cap;
}

/* Count a storage operation; -1 when it must fail (store_fail_at) or
 * the power is cut (store_cut_at: this and everything after fails). */
static int
fs_store_op(struct fs *s)
{
	unsigned k = ++s->store->ops;

	if (s->runaway)
		return -1;
	if (s->store_cut_at != 0 && k >= s->store_cut_at) {
		s->runaway = 1;        /* every later port call fails */
		return -1;
	}
	return s->store_fail_at != 0 && k == s->store_fail_at ? -1 : 0;
}

/* Note name in the order of stores. */
static void
fs_store_seq(struct fs_store *st, const char *name)
{
	if (st->stores < 16)
		snprintf(st->seq[st->stores], sizeof st->seq[0], "%s", name);
	st->stores++;
}

static int
fs_p_store(void *ctx, const char *name, const void *buf, size_t len)
{
	struct fs *s = ctx;

	if (fs_store_op(s) != 0)
		return -1;
	fs_store_seq(s->store, name);
	return fs_blob_put(s, name, buf, len);
}

/* port.h stage(): append to the staged version of name. */
static int
fs_p_stage(void *ctx, const char *name, const void *buf, size_t len)
{
	struct fs *s = ctx;
	struct fs_store *st = s->store;
	struct fs_blob *b = NULL;
	unsigned i;

	s->port_calls++;
	st->stages++;
	if (len == 0)
		fs_violate(s, "stage() of %s with len 0", name);
	if (fs_store_op(s) != 0)
		return -1;
	if (s->stage_fail_at != 0 && ++s->stage_calls == s->stage_fail_at)
		return -1;
	for (i = 0; i < st->nstaged; i++)
		if (strcmp(st->staged[i].name, name) == 0)
			b = &st->staged[i];
	if (b == NULL) {
		if (st->nstaged >= ACME_PORT_STAGE_MAX ||
		    strlen(name) >= sizeof b->name) {
			fs_violate(s, "stage() of %s: too many names", name);
			return -1;
		}
		b = &st->staged[st->nstaged++];
		snprintf(b->name, sizeof b->name, "%s", name);
		b->len = 0;
	}
	if (len > FS_BLOB_CAP - b->len)
		return -1;
	memcpy(b->data + b->len, buf, len);
	b->len += len;
	return 0;
}

/* port.h commit(): every staged blob becomes current at once. */
static int
fs_p_commit(void *ctx)
{
	struct fs *s = ctx;
	struct fs_store *st = s->store;
	char seq[32] = "";
	unsigned i;

	s->port_calls++;
	if (st->nstaged == 0)
		fs_violate(s, "commit() with nothing staged");
	if (fs_store_op(s) != 0)
		return -1;
	for (i = 0; i < st->nstaged; i++) {
		if (fs_blob_put(s, st->staged[i].name, st->staged[i].data,
		    st->staged[i].len) != 0) {
			fs_violate(s, "commit(): the store is full");
			return -1;
		}
		if (i > 0)
			strncat(seq, "+", sizeof seq - strlen(seq) - 1);
		strncat(seq, st->staged[i].name, sizeof seq - strlen(seq) - 1);
	}
	fs_store_seq(st, seq);
	st->nstaged = 0;
	st->commits++;
	return 0;
}

static void
fs_p_discard(void *ctx)
{
	struct fs *s = ctx;

	s->port_calls++;
	s->store->discards++;
	s->store->nstaged = 0;
}

static void
fs_p_log(void *ctx, int level, const char *msg)
{
	struct fs *s = ctx;

	snprintf(s->last_log, sizeof s->last_log, "%s", msg);
	if (getenv("FS_VERBOSE") != NULL)
		fprintf(stderr, "  [%llu ms] acme(%d): %s\n",
		    (unsigned long long)s->now, level, msg);
}

/* ---- nonces ---- */

/* A fresh nonce "Fs<gen>-<serial>-nonce" (base64url alphabet). */
static void
fs_issue(struct fs *s, char *out, size_t cap)
{
	unsigned n = s->nonce_next++;

	if (n >= FS_MAX_NONCES)
		fs_violate(s, "out of nonces (FS_MAX_NONCES)");
	snprintf(out, cap, "Fs%02u-%010u-nonce", s->gen % 100, n);
	s->nonces_issued++;
}

/* Check and burn a nonce.  0, or -1 (never issued here / used). */
static int
fs_burn(struct fs *s, const char *v, char *why, size_t wcap)
{
	unsigned g, n;
	int end = 0;

	if (sscanf(v, "Fs%2u-%10u-nonce%n", &g, &n, &end) != 2 ||
	    v[end] != 0 || g != s->gen % 100 || n >= s->nonce_next ||
	    n >= FS_MAX_NONCES) {
		snprintf(why, wcap, "nonce \"%s\" was never issued", v);
		return -1;
	}
	if (s->nonce_used[n]) {
		snprintf(why, wcap, "nonce \"%s\" used twice", v);
		return -1;
	}
	s->nonce_used[n] = 1;
	s->nonces_used++;
	snprintf(s->last_used_nonce, sizeof s->last_used_nonce, "%s", v);
	return 0;
}

/* ---- JWS ---- */

/* String member key of obj into dst; 0 or -1. */
static int
fs_jstr(const struct json_doc *d, int obj, const char *key, char *dst,
    size_t cap)
{
	return json_string(d, json_get(d, obj, key), dst, cap) < 0 ? -1 : 0;
}

/* The account whose URL is kid, or -1. */
static int
fs_acct_by_kid(const struct fs *s, const char *kid)
{
	unsigned i;

	for (i = 0; i < s->nacct; i++)
		if (strcmp(s->acct[i].url, kid) == 0)
			return (int)i;
	return -1;
}

/*
 * Verify the flattened JWS of rq->body for url FS_BASE rq->path: fills
 * the JWS fields of rq and the payload.  Returns 0, or -1 with why (and
 * rq->nonce_bad when the nonce was the problem).  The nonce is burnt even
 * when something else fails, like a real server.
 */
static int
fs_jws(struct fs *s, struct fs_req *rq, char *why, size_t wcap)
{
	struct json_tok tokd[16], tokh[64];
	struct json_doc d, h;
	char prot64[2048], pay64[FS_IN], sig64[160], hdr[1536];
	char x64[80], y64[80], crv[16], kty[8], alg[16];
	unsigned char sig[96], hash[48];
	br_hash_compat_context sc;
	const br_hash_class *hv;
	br_ec_public_key pk;
	size_t cl;
	long hl, n;
	int j, bad = 0;

	rq->has_jwk = rq->has_kid = rq->nonce_bad = 0;
	rq->acct = -1;
	rq->nonce[0] = rq->url[0] = rq->kid[0] = 0;
	rq->plen = 0;
	rq->payload[0] = 0;
	if (json_parse(&d, rq->body, rq->body_len, tokd, 16) != ACME_OK ||
	    json_type(&d, 0) != JSON_OBJECT) {
		snprintf(why, wcap, "body is not a JSON object");
		return -1;
	}
	if (fs_jstr(&d, 0, "protected", prot64, sizeof prot64) ||
	    fs_jstr(&d, 0, "payload", pay64, sizeof pay64) ||
	    fs_jstr(&d, 0, "signature", sig64, sizeof sig64)) {
		snprintf(why, wcap, "not a flattened JWS (protected, payload, "
		    "signature)");
		return -1;
	}
	if (json_get(&d, 0, "header") >= 0 || tokd[0].size != 3) {
		snprintf(why, wcap, "JWS has members other than the three");
		return -1;
	}
	hl = fs_unb64url(hdr, sizeof hdr - 1, prot64, strlen(prot64));
	if (hl < 0) {
		snprintf(why, wcap, "protected header is not base64url");
		return -1;
	}
	hdr[hl] = 0;
	if (json_parse(&h, hdr, (size_t)hl, tokh, 64) != ACME_OK ||
	    json_type(&h, 0) != JSON_OBJECT) {
		snprintf(why, wcap, "protected header is not JSON: %s", hdr);
		return -1;
	}
	/* The nonce first: it is used up whatever else is wrong. */
	if (fs_jstr(&h, 0, "nonce", rq->nonce, sizeof rq->nonce)) {
		rq->nonce_bad = 1;
		snprintf(why, wcap, "protected header has no nonce");
		return -1;
	}
	if (fs_burn(s, rq->nonce, why, wcap) != 0) {
		rq->nonce_bad = 1;
		return -1;
	}
	if (fs_jstr(&h, 0, "alg", alg, sizeof alg) ||
	    (strcmp(alg, "ES256") && strcmp(alg, "ES384"))) {
		snprintf(why, wcap, "alg is not ES256 or ES384");
		return -1;
	}
	/* RFC 7518 3.4: the curve of the alg */
	cl = strcmp(alg, "ES384") == 0 ? 48 : 32;
	if (fs_jstr(&h, 0, "url", rq->url, sizeof rq->url)) {
		snprintf(why, wcap, "protected header has no url");
		return -1;
	}
	rq->has_jwk = json_get(&h, 0, "jwk") >= 0;
	rq->has_kid = json_get(&h, 0, "kid") >= 0;
	if (rq->has_jwk == rq->has_kid) {
		snprintf(why, wcap, "need exactly one of jwk and kid");
		return -1;
	}
	if (rq->has_jwk) {
		j = json_get(&h, 0, "jwk");
		if (fs_jstr(&h, j, "kty", kty, sizeof kty) ||
		    fs_jstr(&h, j, "crv", crv, sizeof crv) ||
		    fs_jstr(&h, j, "x", x64, sizeof x64) ||
		    fs_jstr(&h, j, "y", y64, sizeof y64) ||
		    strcmp(kty, "EC") ||
		    strcmp(crv, cl == 48 ? "P-384" : "P-256") ||
		    h.tok[j].size != 4 ||
		    fs_unb64url(rq->jwk_q + 1, cl, x64, strlen(x64)) !=
		    (long)cl ||
		    fs_unb64url(rq->jwk_q + 1 + cl, cl, y64, strlen(y64)) !=
		    (long)cl) {
			snprintf(why, wcap, "jwk is not an EC key of the "
			    "alg's curve (%s)", cl == 48 ? "P-384" : "P-256");
			return -1;
		}
		rq->jwk_q[0] = 4;
		rq->jwk_qlen = 2 * cl + 1;
	} else {
		if (fs_jstr(&h, 0, "kid", rq->kid, sizeof rq->kid)) {
			snprintf(why, wcap, "kid is not a string");
			return -1;
		}
		rq->acct = fs_acct_by_kid(s, rq->kid);
		if (rq->acct >= 0) {
			rq->jwk_qlen = s->acct[rq->acct].qlen;
			memcpy(rq->jwk_q, s->acct[rq->acct].q, rq->jwk_qlen);
		}
		if (rq->acct >= 0 && rq->jwk_qlen != 2 * cl + 1) {
			snprintf(why, wcap, "alg %s is not the account key's",
			    alg);
			return -1;
		}
	}
	if (strncmp(rq->url, FS_BASE, strlen(FS_BASE)) != 0 ||
	    strcmp(rq->url + strlen(FS_BASE), rq->path) != 0) {
		snprintf(why, wcap, "url \"%s\" is not the request's %s%s",
		    rq->url, FS_BASE, rq->path);
		return -1;
	}
	if (fs_unb64url(sig, sizeof sig, sig64, strlen(sig64)) !=
	    (long)(2 * cl)) {
		snprintf(why, wcap, "signature is not %zu bytes of base64url",
		    2 * cl);
		return -1;
	}
	n = fs_unb64url(rq->payload, sizeof rq->payload - 1, pay64,
	    strlen(pay64));
	if (n < 0) {
		snprintf(why, wcap, "payload is not base64url");
		return -1;
	}
	rq->plen = (size_t)n;
	rq->payload[n] = 0;
	if (rq->has_kid && rq->acct < 0)
		return 0;       /* unknown account: answered by the caller */
	/* RFC 7515 5.2: ASCII(BASE64URL(header) '.' BASE64URL(payload)). */
	hv = cl == 48 ? &br_sha384_vtable : &br_sha256_vtable;
	hv->init(&sc.vtable);
	sc.vtable->update(&sc.vtable, prot64, strlen(prot64));
	sc.vtable->update(&sc.vtable, ".", 1);
	sc.vtable->update(&sc.vtable, pay64, strlen(pay64));
	sc.vtable->out(&sc.vtable, hash);
	pk.curve = cl == 48 ? BR_EC_secp384r1 : BR_EC_secp256r1;
	pk.q = rq->jwk_q;
	pk.qlen = rq->jwk_qlen;
	if (br_ecdsa_i31_vrfy_raw(cl == 48 ? &br_ec_prime_i31 :
	    &br_ec_p256_m31, hash, cl, &pk, sig, 2 * cl) != 1) {
		snprintf(why, wcap, "%s signature does not verify", alg);
		bad = 1;
	}
	return bad ? -1 : 0;
}

int
fs_verify_jws(struct fs *s, const char *path, const char *body, size_t len,
    char *why, size_t wcap)
{
	if (len >= sizeof fs_rq.body || strlen(path) >= sizeof fs_rq.path)
		return -1;
	memset(&fs_rq, 0, sizeof fs_rq);
	snprintf(fs_rq.path, sizeof fs_rq.path, "%s", path);
	memcpy(fs_rq.body, body, len);
	fs_rq.body_len = len;
	why[0] = 0;
	return fs_jws(s, &fs_rq, why, wcap);
}

void
fs_issue_nonce(struct fs *s, char *out, size_t cap)
{
	fs_issue(s, out, cap);
}

/* RFC 7638 thumbprint of the P-256 or P-384 point q, computed here. */
static void
fs_thumb(const unsigned char *q, size_t qlen, char out[48])
{
	char x[72], y[72], jwk[224];
	unsigned char h[32];
	br_sha256_context sc;
	size_t cl = (qlen - 1) / 2;
	int n;

	fs_b64url(x, q + 1, cl);
	fs_b64url(y, q + 1 + cl, cl);
	n = snprintf(jwk, sizeof jwk,
	    "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    cl == 48 ? "P-384" : "P-256", x, y);
	br_sha256_init(&sc);
	br_sha256_update(&sc, jwk, (size_t)n);
	br_sha256_out(&sc, h);
	fs_b64url(out, h, sizeof h);
}

/* ---- the certificates it issues ---- */

/* 2.5.4.3 commonName, 2.5.29.17 subjectAltName, 2.5.29.19
 * basicConstraints, ecdsa-with-SHA256, id-ecPublicKey, prime256v1. */
static const uint8_t fs_oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t fs_oid_san[] = { 0x55, 0x1D, 0x11 };
static const uint8_t fs_oid_bc[] = { 0x55, 0x1D, 0x13 };
static const uint8_t fs_oid_aki[] = { 0x55, 0x1D, 0x23 };
static const uint8_t fs_oid_sig[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
    0x03, 0x02 };
static const uint8_t fs_oid_ecpk[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02,
    0x01 };
static const uint8_t fs_oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03,
    0x01, 0x07 };

/* Prepend a Name with one commonName (nothing in it when cn is NULL). */
static void
fs_der_name(struct der_w *w, const char *cn)
{
	size_t m = der_len(w), m2, m3;

	if (cn != NULL) {
		m2 = der_len(w);
		m3 = der_len(w);
		der_prim(w, DER_UTF8_STRING, cn, strlen(cn));
		der_prim(w, DER_OID, fs_oid_cn, sizeof fs_oid_cn);
		der_wrap(w, DER_SEQUENCE, m3);
		der_wrap(w, DER_SET, m2);
	}
	der_wrap(w, DER_SEQUENCE, m);
}

/* Prepend the SubjectPublicKeyInfo of the P-256 point q. */
static void
fs_der_spki(struct der_w *w, const unsigned char q[65])
{
	size_t m = der_len(w), m2;

	der_bits(w, q, 65);
	m2 = der_len(w);
	der_prim(w, DER_OID, fs_oid_p256, sizeof fs_oid_p256);
	der_prim(w, DER_OID, fs_oid_ecpk, sizeof fs_oid_ecpk);
	der_wrap(w, DER_SEQUENCE, m2);
	der_wrap(w, DER_SEQUENCE, m);
}

/* Prepend a UTCTime for unix time t. */
static void
fs_der_time(struct der_w *w, uint64_t t)
{
	char b[16];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(b, sizeof b, "%y%m%d%H%M%SZ", &tm);
	der_prim(w, 0x17, b, 13);
}

/* The issuer CN fs_make_cert() writes (an alternate chain's root). */
static const char *fs_issuer_cn = "fake ACME issuer";

/*
 * A certificate into out (cap), signed by the fake issuer: subject CN
 * subj (NULL: empty), the SPKI (DER, spki_len bytes), valid from nb to
 * na (unix), the DNS names as SAN and an authority key identifier (none
 * when n is 0), basicConstraints CA:TRUE when ca.  Returns the DER
 * length, 0 when it does not fit.
 */
static size_t
fs_make_cert(struct fs *s, unsigned char *out, size_t cap, unsigned serial,
    const char *subj, const unsigned char *spki, size_t spki_len,
    uint64_t nb, uint64_t na, const char *const *names, unsigned n, int ca)
{
	static unsigned char tbs[3072];
	static const uint8_t v3 = 2, yes = 0xFF;
	br_ec_private_key ik;
	br_sha256_context sc;
	struct der_w w;
	unsigned char h[32], sig[80], sn[4];
	const uint8_t *p;
	size_t m, m2, m3, m4, len, sl;
	unsigned i;

	der_init(&w, tbs, sizeof tbs);
	m = der_len(&w);
	if (n > 0 || ca) {
		m2 = der_len(&w);
		m3 = der_len(&w);
		m4 = der_len(&w);
		if (ca) {
			der_prim(&w, 0x01, &yes, 1);
			der_wrap(&w, DER_SEQUENCE, m4);
			der_wrap(&w, DER_OCTET_STRING, m4);
			der_prim(&w, 0x01, &yes, 1);
			der_prim(&w, DER_OID, fs_oid_bc, sizeof fs_oid_bc);
		} else {
			for (i = n; i-- > 0; ) {
				uint8_t ip[16];
				size_t il;

				if (ident_parse(names[i], ip, &il) == IDENT_IP)
					der_prim(&w, DER_CONTEXT_PRIM(7), ip,
					    il);
				else
					der_prim(&w, DER_CONTEXT_PRIM(2),
					    names[i], strlen(names[i]));
			}
			der_wrap(&w, DER_SEQUENCE, m4);
			der_wrap(&w, DER_OCTET_STRING, m4);
			der_prim(&w, DER_OID, fs_oid_san, sizeof fs_oid_san);
			der_wrap(&w, DER_SEQUENCE, m3);
			/* authorityKeyIdentifier: SHA-256(issuer point)[0..20) */
			m3 = der_len(&w);
			m4 = der_len(&w);
			br_sha256_init(&sc);
			br_sha256_update(&sc, s->ikey_q, sizeof s->ikey_q);
			br_sha256_out(&sc, h);
			der_prim(&w, DER_CONTEXT_PRIM(0), h, 20);
			der_wrap(&w, DER_SEQUENCE, m4);
			der_wrap(&w, DER_OCTET_STRING, m4);
			der_prim(&w, DER_OID, fs_oid_aki, sizeof fs_oid_aki);
		}
		der_wrap(&w, DER_SEQUENCE, m3);
		der_wrap(&w, DER_SEQUENCE, m2);
		der_wrap(&w, DER_CONTEXT(3), m2);
	}
	der_raw(&w, spki, spki_len);
	fs_der_name(&w, subj);
	m2 = der_len(&w);
	fs_der_time(&w, na);
	fs_der_time(&w, nb);
	der_wrap(&w, DER_SEQUENCE, m2);
	fs_der_name(&w, fs_issuer_cn);
	m2 = der_len(&w);
	der_prim(&w, DER_OID, fs_oid_sig, sizeof fs_oid_sig);
	der_wrap(&w, DER_SEQUENCE, m2);
	sn[0] = (unsigned char)(serial >> 24);
	sn[1] = (unsigned char)(serial >> 16);
	sn[2] = (unsigned char)(serial >> 8);
	sn[3] = (unsigned char)serial;
	der_uint(&w, sn, 4);
	m2 = der_len(&w);
	der_uint(&w, &v3, 1);
	der_wrap(&w, DER_CONTEXT(0), m2);
	der_wrap(&w, DER_SEQUENCE, m);
	if (der_finish(&w, &p, &len) != ACME_OK)
		return 0;
	br_sha256_init(&sc);
	br_sha256_update(&sc, p, len);
	br_sha256_out(&sc, h);
	ik.curve = BR_EC_secp256r1;
	ik.x = s->ikey_x;
	ik.xlen = sizeof s->ikey_x;
	sl = br_ecdsa_i31_sign_asn1(&br_ec_p256_m31, &br_sha256_vtable, h,
	    &ik, sig);
	if (sl == 0)
		return 0;
	/* Certificate: the TBS, the algorithm, the signature. */
	der_init(&w, out, cap);
	der_bits(&w, sig, sl);
	m2 = der_len(&w);
	der_prim(&w, DER_OID, fs_oid_sig, sizeof fs_oid_sig);
	der_wrap(&w, DER_SEQUENCE, m2);
	der_raw(&w, p, len);
	der_wrap(&w, DER_SEQUENCE, 0);
	if (der_finish(&w, &p, &len) != ACME_OK)
		return 0;
	memmove(out, p, len);
	return len;
}

/* The fake issuer: a fixed key, a self-signed CA certificate. */
static void
fs_make_issuer(struct fs *s)
{
	static const char seed[] = "picoacme fake ACME issuer key";
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char qbuf[BR_EC_KBUF_PUB_MAX_SIZE], spki[128];
	struct der_w w;
	const uint8_t *p;
	size_t len;

	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	if (br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &sk, kbuf,
	    BR_EC_secp256r1) != 32 ||
	    br_ec_compute_pub(&br_ec_p256_m31, &pk, qbuf, &sk) != 65) {
		fs_violate(s, "fake issuer key");
		return;
	}
	memcpy(s->ikey_x, kbuf, 32);
	memcpy(s->ikey_q, qbuf, 65);
	der_init(&w, spki, sizeof spki);
	fs_der_spki(&w, s->ikey_q);
	if (der_finish(&w, &p, &len) != ACME_OK)
		fs_violate(s, "fake issuer SPKI");
	s->issuer_der_len = fs_make_cert(s, s->issuer_der,
	    sizeof s->issuer_der, 1, "fake ACME issuer", p, len,
	    FS_T0 - 86400 * 365, FS_T0 + 86400 * 3650, NULL, 0, 1);
	if (s->issuer_der_len == 0)
		fs_violate(s, "fake issuer certificate");
}

/* Append the PEM of der to dst (cap, NUL-terminated at *len). */
static void
fs_pem_append(char *dst, size_t cap, size_t *len, const void *der,
    size_t dlen)
{
	size_t n = br_pem_encode(NULL, der, dlen, "CERTIFICATE",
	    BR_PEM_LINE64);

	if (n + 1 > cap - *len)
		return;
	br_pem_encode(dst + *len, der, dlen, "CERTIFICATE", BR_PEM_LINE64);
	*len += n;
}

/* Append a PEM CERTIFICATE whose DER is a SEQUENCE of garbage. */
static void
fs_pem_garbage(char *dst, size_t cap, size_t *len)
{
	unsigned char der[64];

	memset(der, 0x41, sizeof der);
	der[0] = 0x30;
	der[1] = sizeof der - 2;
	fs_pem_append(dst, cap, len, der, sizeof der);
}

/*
 * The chain of order id (1-based) into dst (cap), NUL-terminated: the
 * leaf for the CSR's key and the order's names, then the issuer, then
 * intermediates up to chain_min bytes.  act spoils it (FS_ACT_CERT_*).
 * Returns the length.
 */
static size_t
fs_order_pem(struct fs *s, unsigned id, int act, char *dst, size_t cap)
{
	const struct fs_order *o = &s->order[id - 1];
	const char *names[FS_MAX_NAMES];
	unsigned char leaf[2048], spki[128];
	const unsigned char *k = o->spki;
	size_t kl = o->spki_len, ll, len = 0;
	struct der_w w;
	unsigned i, n = o->n, mid;

	for (i = 0; i < n; i++)
		names[i] = o->az[i].name;
	if (act == FS_ACT_CERT_NAME && n > 0)
		n--;
	if (act == FS_ACT_CERT_KEY) {
		der_init(&w, spki, sizeof spki);
		fs_der_spki(&w, s->ikey_q);
		der_finish(&w, &k, &kl);
	}
	/* valid from a day before the finalize, cert_days long; a serial
	 * unique to this server instance and order */
	ll = fs_make_cert(s, leaf, sizeof leaf, s->gen * 1000 + 100 + id,
	    strlen(names[0]) <= 64 ? names[0] : NULL, k, kl,
	    o->issued_at - 86400, o->issued_at - 86400 +
	    (uint64_t)s->cert_days * 86400, names, n, 0);
	dst[0] = 0;
	fs_pem_append(dst, cap, &len, leaf, ll);
	if (act == FS_ACT_CERT_BAD)
		fs_pem_garbage(dst, cap, &len);
	else
		fs_pem_append(dst, cap, &len, s->issuer_der,
		    s->issuer_der_len);
	/* a long chain: intermediates, each its own (serial, subject) */
	for (i = 0, mid = 0; len < s->chain_min; i++) {
		char subj[48];
		size_t before = len;

		if (act == FS_ACT_CERT_BAD_MID && !mid &&
		    len >= s->chain_min / 2) {
			fs_pem_garbage(dst, cap, &len);
			mid = 1;
			continue;
		}
		der_init(&w, spki, sizeof spki);
		fs_der_spki(&w, s->ikey_q);
		der_finish(&w, &k, &kl);
		snprintf(subj, sizeof subj, "fake intermediate %u", i);
		ll = fs_make_cert(s, leaf, sizeof leaf, 7000 + i, subj, k, kl,
		    FS_T0 - 86400 * 365, FS_T0 + 86400 * 3650, NULL, 0, 1);
		fs_pem_append(dst, cap, &len, leaf, ll);
		if (len == before) {
			fs_violate(s, "chain_min over FS_CHAIN_MAX");
			break;
		}
	}
	if (act == FS_ACT_CERT_EXTRA && len + 100 < cap)
		len += (size_t)snprintf(dst + len, cap - len,
		    "-----BEGIN PRIVATE KEY-----\nAAAA\n"
		    "-----END PRIVATE KEY-----\n");
	return len;
}

const char *
fs_order_chain(const struct fs *s, unsigned o)
{
	return o >= 1 && o <= s->norder ? s->order[o - 1].chain : "";
}

/* The SubjectPublicKeyInfo of the CSR in s->csr into o; 0 or -1. */
static int
fs_csr_spki(struct fs *s, struct fs_order *o)
{
	const unsigned char *p = s->csr, *end = s->csr + s->csr_len;
	struct der_tlv t, info;

	if (der_get_tag(p, end, DER_SEQUENCE, &t) != 0 ||
	    der_get_tag(t.val, t.next, DER_SEQUENCE, &info) != 0 ||
	    der_get_tag(info.val, info.next, DER_INTEGER, &t) != 0 ||
	    der_get_tag(t.next, info.next, DER_SEQUENCE, &t) != 0 ||
	    der_get_tag(t.next, info.next, DER_SEQUENCE, &t) != 0 ||
	    (size_t)(t.next - t.val) > sizeof o->spki - 4)
		return -1;
	/* the whole TLV: from its tag (before t.val) to t.next */
	p = t.val - (t.len < 0x80 ? 2 : t.len < 0x100 ? 3 : 4);
	o->spki_len = (size_t)(t.next - p);
	memcpy(o->spki, p, o->spki_len);
	return 0;
}

/* ---- answers ---- */

static const char *
fs_reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Whatever";
	}
}

static void
fs_resp_init(struct fs_resp *rp)
{
	rp->status = 200;
	rp->ctype = NULL;
	rp->location[0] = 0;
	rp->link[0] = 0;
	rp->links[0] = 0;
	rp->retry_after = -1;
	rp->nonce = 1;
	rp->stale[0] = 0;
	rp->body[0] = 0;
	rp->body_len = 0;
	rp->chunked = 0;
	rp->close_mid = 0;
	rp->unframed = 0;
}

/* Body by printf (the body buffer is large enough for all our JSON). */
static void
fs_body(struct fs_resp *rp, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rp->body, sizeof rp->body, fmt, ap);
	va_end(ap);
	rp->body_len = n < 0 ? 0 : (size_t)n < sizeof rp->body ?
	    (size_t)n : sizeof rp->body - 1;
	if (rp->ctype == NULL)
		rp->ctype = "application/json";
}

/* An RFC 7807 problem document for urn:ietf:params:acme:error:<type>. */
static void
fs_problem(struct fs *s, struct fs_resp *rp, int status, const char *type,
    const char *detail)
{
	rp->status = status;
	rp->ctype = "application/problem+json";
	rp->nonce = s->error_nonce;
	fs_body(rp, "{\"type\":\"urn:ietf:params:acme:error:%s\","
	    "\"detail\":\"%s\",\"status\":%d}", type, detail, status);
}

size_t
fs_chunked(char *out, size_t cap, size_t n, const char *b, size_t len,
    size_t max, const char *trailer)
{
	size_t off = 0, k;
	unsigned i = 0;

	while (off < len) {
		k = 1 + (i * 733 + 211) % max;
		if (k > len - off)
			k = len - off;
		n += (size_t)snprintf(out + n, cap - n, i % 4 == 3 ?
		    "%zx;x=y\r\n" : i % 2 ? "%zX\r\n" : "%zx\r\n", k);
		memcpy(out + n, b + off, k);
		n += k;
		memcpy(out + n, "\r\n", 2);
		n += 2;
		off += k;
		i++;
	}
	return n + (size_t)snprintf(out + n, cap - n, "0\r\n%s\r\n",
	    trailer);
}

/* Serialize rp into cn->out for rq; log what was sent. */
static void
fs_emit(struct fs *s, struct fs_conn *cn, const struct fs_req *rq,
    struct fs_resp *rp, struct fs_log *lg)
{
	char nonce[FS_NONCE_LEN + 8] = "";
	size_t cap = sizeof cn->out, n, head;
	int head_only = strcmp(rq->method, "HEAD") == 0;

	if (rp->nonce == 1)
		fs_issue(s, nonce, sizeof nonce);
	else if (rp->nonce == 2)
		snprintf(nonce, sizeof nonce, "%s", rp->stale);
	snprintf(lg->resp_nonce, sizeof lg->resp_nonce, "%s", nonce);
	lg->status = rp->status;
	n = (size_t)snprintf(cn->out, cap, "HTTP/1.1 %d %s\r\n"
	    "Server: fake-acme\r\nCache-Control: no-store\r\n", rp->status,
	    fs_reason(rp->status));
	if (rp->ctype != NULL)
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Content-Type: %s\r\n", rp->ctype);
	if (nonce[0])
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Replay-Nonce: %s\r\n", nonce);
	if (rp->location[0])
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Location: %s\r\n", rp->location);
	if (rp->link[0])
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Link: %s\r\n", rp->link);
	n += (size_t)snprintf(cn->out + n, cap - n,
	    "Link: <" FS_DIR_URL ">;rel=\"index\"\r\n%s", rp->links);
	if (rp->retry_after >= 0 && s->retry_as_date) {
		/* RFC 9110 10.2.3: an HTTP-date, IMF-fixdate */
		time_t tt = (time_t)(FS_T0 + s->now / 1000 +
		    (uint64_t)rp->retry_after);
		struct tm tm;

		gmtime_r(&tt, &tm);
		n += strftime(cn->out + n, cap - n,
		    "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
	} else if (rp->retry_after >= 0)
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Retry-After: %ld\r\n", rp->retry_after);
	if (!s->keepalive)
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Connection: close\r\n");
	if (rp->chunked && !head_only)
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Transfer-Encoding: chunked\r\n\r\n");
	else if (rp->unframed && !head_only)
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Connection: close\r\n\r\n");
	else
		n += (size_t)snprintf(cn->out + n, cap - n,
		    "Content-Length: %zu\r\n\r\n", rp->body_len);
	head = n;
	if (!head_only) {
		if (n + rp->body_len + rp->body_len / 64 + 16 > cap) {
			fs_violate(s, "fake server answer over FS_OUT");
			rp->body_len = 0;
		}
		if (rp->chunked)
			n = fs_chunked(cn->out, cap, n, rp->body,
			    rp->body_len, 1500, "");
		else
			memcpy(cn->out + n, rp->body, rp->body_len);
		n += rp->chunked ? 0 : rp->body_len;
	}
	cn->out_len = n;
	cn->out_off = 0;
	cn->flushed = 0;
	if (rp->close_mid) {
		/* Cut inside the body (or the head when there is none). */
		cn->out_len = rp->body_len > 1 ? head + rp->body_len / 2 :
		    head / 2;
		cn->drop_after = 1;
	}
	if (!s->keepalive) {
		cn->drop_after = 1;
		cn->closed_answer = 1;
	}
	if (rp->unframed && !head_only) {
		/* 1: half, TCP close; 2: all, close_notify; 3: half,
		 * close_notify */
		if (rp->unframed != 2)
			cn->out_len = head + rp->body_len / 2;
		cn->drop_after = 1;
		cn->notify_after = rp->unframed != 1;
		cn->closed_answer = 1;
	}
}

/* ---- the ACME resources ---- */

static struct fs_order *
fs_order_of(struct fs *s, const struct fs_req *rq)
{
	if (rq->o < 1 || rq->o > s->norder)
		return NULL;
	return &s->order[rq->o - 1];
}

static const char *
fs_order_status(const struct fs_order *o)
{
	unsigned i, valid = 0;

	if (o->valid)
		return "valid";
	if (o->finalized)
		return "processing";
	for (i = 0; i < o->n; i++) {
		if (o->az[i].invalid)
			return "invalid";
		valid += o->az[i].valid;
	}
	return valid == o->n ? "ready" : "pending";
}

/* The order object of order id (1-based) with the given status. */
static void
fs_order_json(struct fs *s, struct fs_resp *rp, unsigned id,
    const char *status)
{
	const struct fs_order *o = &s->order[id - 1];
	char ids[FS_MAX_NAMES * (ACME_MAX_NAME + 40)], azs[FS_MAX_NAMES * 64];
	char cert[96] = "";
	size_t a = 0, b = 0;
	unsigned i;

	ids[0] = azs[0] = 0;
	for (i = 0; i < o->n; i++) {
		a += (size_t)snprintf(ids + a, sizeof ids - a,
		    "%s{\"type\":\"dns\",\"value\":\"%s\"}", i ? "," : "",
		    o->az[i].name);
		b += (size_t)snprintf(azs + b, sizeof azs - b,
		    "%s\"" FS_BASE "/authz/%u/%u\"", i ? "," : "", id, i);
	}
	if (strcmp(status, "valid") == 0)
		snprintf(cert, sizeof cert, ",\"certificate\":\""
		    FS_BASE "/cert/%u\"", id);
	fs_body(rp, "{\"status\":\"%s\",\"expires\":\"2026-06-08T00:00:00Z\","
	    "\"identifiers\":[%s],\"authorizations\":[%s],"
	    "\"finalize\":\"" FS_BASE "/finalize/%u\"%s}", status, ids, azs,
	    id, cert);
}

static void
fs_h_dir(struct fs *s, struct fs_resp *rp)
{
	rp->nonce = s->dir_nonce;
	fs_body(rp, "{\"newNonce\":\"" FS_BASE "/new-nonce\","
	    "\"newAccount\":\"" FS_BASE "/new-acct\","
	    "\"newOrder\":\"" FS_BASE "/new-order\","
	    "\"revokeCert\":\"" FS_BASE "/revoke-cert\","
	    "\"keyChange\":\"" FS_BASE "/key-change\","
	    "%s\"meta\":{%s%s%s%s\"externalAccountRequired\":false}}",
	    s->ari ? "\"renewalInfo\":\"" FS_BASE "/renewal-info\"," : "",
	    s->tos ? "\"termsOfService\":\"" FS_BASE "/tos\"," : "",
	    s->profiles ? "\"profiles\":" : "",
	    s->profiles ? s->profiles : "", s->profiles ? "," : "");
}

static int fs_eab(struct fs *s, const struct fs_req *rq,
    const struct json_doc *d, struct fs_resp *rp);

static void
fs_h_account(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	struct json_tok tok[32];
	struct json_doc d;
	struct fs_account *a;
	unsigned i;

	if (!rq->has_jwk)
		fs_violate(s, "newAccount signed with kid, not jwk");
	if (json_parse(&d, rq->payload, rq->plen, tok, 32) != ACME_OK ||
	    json_type(&d, 0) != JSON_OBJECT) {
		fs_violate(s, "newAccount payload: %s", rq->payload);
		fs_problem(s, rp, 400, "malformed", "bad newAccount payload");
		return;
	}
	/* RFC 8555 7.3.1: onlyReturnExisting looks up, agrees to nothing */
	if (s->tos &&
	    !json_is_true(&d, json_get(&d, 0, "onlyReturnExisting")) &&
	    !json_is_true(&d, json_get(&d, 0, "termsOfServiceAgreed"))) {
		fs_violate(s, "newAccount payload without "
		    "termsOfServiceAgreed true: %s", rq->payload);
		fs_problem(s, rp, 403, "userActionRequired",
		    "agree to the terms of service");
		return;
	}
	for (i = 0; i < s->nacct; i++) {
		if (s->acct[i].qlen == rq->jwk_qlen &&
		    memcmp(s->acct[i].q, rq->jwk_q, rq->jwk_qlen) == 0 &&
		    s->acct[i].deactivated) {
			fs_problem(s, rp, 401, "unauthorized",
			    "the account of this key is deactivated");
			return;
		}
		if (s->acct[i].qlen == rq->jwk_qlen &&
		    memcmp(s->acct[i].q, rq->jwk_q, rq->jwk_qlen) == 0) {
			/* RFC 8555 7.3.1: the existing account, 200. */
			snprintf(rp->location, sizeof rp->location, "%s",
			    s->acct[i].url);
			fs_body(rp, "{\"status\":\"valid\"}");
			return;
		}
	}
	if (json_is_true(&d, json_get(&d, 0, "onlyReturnExisting"))) {
		fs_problem(s, rp, 400, "accountDoesNotExist", "no account");
		return;
	}
	if (s->nacct >= FS_MAX_ACCOUNTS) {
		fs_problem(s, rp, 500, "serverInternal", "too many accounts");
		return;
	}
	if (s->eab_kid != NULL && fs_eab(s, rq, &d, rp) != 0)
		return;
	a = &s->acct[s->nacct++];
	a->eab = s->eab_kid != NULL;
	memcpy(a->q, rq->jwk_q, rq->jwk_qlen);
	a->qlen = rq->jwk_qlen;
	a->agreed = (unsigned char)json_is_true(&d, json_get(&d, 0,
	    "termsOfServiceAgreed"));
	if (json_string(&d, json_array_item(&d, json_get(&d, 0, "contact"),
	    0), a->contact, sizeof a->contact) < 0)
		a->contact[0] = 0;
	fs_b64url(a->x, a->q + 1, (a->qlen - 1) / 2);
	fs_b64url(a->y, a->q + 1 + (a->qlen - 1) / 2, (a->qlen - 1) / 2);
	snprintf(a->url, sizeof a->url, FS_BASE "/acct/%u/%u", s->gen,
	    s->nacct);
	fs_thumb(a->q, a->qlen, a->thumb);
	rp->status = 201;
	snprintf(rp->location, sizeof rp->location, "%s", a->url);
	fs_body(rp, "{\"status\":\"valid\",\"orders\":\"%s/orders\"}",
	    a->url);
}

/*
 * The inner JWS of a keyChange in rq->body: flattened, alg ES256, a P-256
 * jwk (into rq->jwk_q), signed by that key; its payload into rq->payload.
 * The header's other rules are checked by the caller.  0, or -1 with why.
 */
static int
fs_inner_jws(struct fs_req *rq, char *why, size_t wcap)
{
	struct json_tok tokd[16], tokh[32];
	struct json_doc d, h;
	char prot64[1024], pay64[2048], sig64[160], hdr[768];
	char x64[64], y64[64], alg[16];
	unsigned char sig[64], hash[32];
	br_sha256_context sc;
	br_ec_public_key pk;
	long hl, n;
	int j;

	if (json_parse(&d, rq->body, rq->body_len, tokd, 16) != ACME_OK ||
	    fs_jstr(&d, 0, "protected", prot64, sizeof prot64) ||
	    fs_jstr(&d, 0, "payload", pay64, sizeof pay64) ||
	    fs_jstr(&d, 0, "signature", sig64, sizeof sig64) ||
	    tokd[0].size != 3) {
		snprintf(why, wcap, "not a flattened JWS");
		return -1;
	}
	hl = fs_unb64url(hdr, sizeof hdr - 1, prot64, strlen(prot64));
	if (hl < 0)
		return snprintf(why, wcap, "header not base64url"), -1;
	hdr[hl] = 0;
	if (json_parse(&h, hdr, (size_t)hl, tokh, 32) != ACME_OK ||
	    fs_jstr(&h, 0, "alg", alg, sizeof alg) || strcmp(alg, "ES256") ||
	    (j = json_get(&h, 0, "jwk")) < 0 ||
	    fs_jstr(&h, j, "x", x64, sizeof x64) ||
	    fs_jstr(&h, j, "y", y64, sizeof y64) ||
	    fs_unb64url(rq->jwk_q + 1, 32, x64, strlen(x64)) != 32 ||
	    fs_unb64url(rq->jwk_q + 33, 32, y64, strlen(y64)) != 32 ||
	    json_get(&h, 0, "kid") >= 0)
		return snprintf(why, wcap, "header: %s", hdr), -1;
	rq->jwk_q[0] = 4;
	if (fs_unb64url(sig, sizeof sig, sig64, strlen(sig64)) != 64)
		return snprintf(why, wcap, "signature not 64 bytes"), -1;
	n = fs_unb64url(rq->payload, sizeof rq->payload - 1, pay64,
	    strlen(pay64));
	if (n < 0)
		return snprintf(why, wcap, "payload not base64url"), -1;
	rq->plen = (size_t)n;
	rq->payload[n] = 0;
	br_sha256_init(&sc);
	br_sha256_update(&sc, prot64, strlen(prot64));
	br_sha256_update(&sc, ".", 1);
	br_sha256_update(&sc, pay64, strlen(pay64));
	br_sha256_out(&sc, hash);
	pk.curve = BR_EC_secp256r1;
	pk.q = rq->jwk_q;
	pk.qlen = 65;
	if (br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, sizeof hash, &pk,
	    sig, sizeof sig) != 1)
		return snprintf(why, wcap, "not signed by its jwk"), -1;
	return 0;
}

/*
 * RFC 8555 7.3.4: the newAccount payload d must carry an
 * externalAccountBinding, a JWS with alg HS256, our kid, the newAccount
 * URL, no nonce, the account's JWK as payload, MACed with our key.  0,
 * or -1 with the problem answered (a malformed binding is also a
 * violation; a wrong MAC is a client with the wrong key).
 */
static int
fs_eab(struct fs *s, const struct fs_req *rq, const struct json_doc *d,
    struct fs_resp *rp)
{
	struct json_tok tokh[16], tokj[16];
	struct json_doc h, jd;
	int e = json_get(d, 0, "externalAccountBinding");
	char prot64[1024], pay64[256], sig64[64], hdr[768], jwk[192];
	char kid[128], alg[16], url[ACME_MAX_URL + 1], x[48], y[48];
	unsigned char sig[32], mac[32];
	br_hmac_key_context kc;
	br_hmac_context hc;
	long hl, jl;

	if (e < 0) {
		fs_problem(s, rp, 403, "externalAccountRequired",
		    "this CA needs an external account binding");
		return -1;
	}
	if (fs_jstr(d, e, "protected", prot64, sizeof prot64) ||
	    fs_jstr(d, e, "payload", pay64, sizeof pay64) ||
	    fs_jstr(d, e, "signature", sig64, sizeof sig64) ||
	    (hl = fs_unb64url(hdr, sizeof hdr - 1, prot64,
	    strlen(prot64))) < 0 ||
	    (jl = fs_unb64url(jwk, sizeof jwk - 1, pay64,
	    strlen(pay64))) < 0 ||
	    fs_unb64url(sig, sizeof sig, sig64, strlen(sig64)) != 32) {
		fs_violate(s, "malformed externalAccountBinding");
		fs_problem(s, rp, 400, "malformed", "bad binding");
		return -1;
	}
	hdr[hl] = 0;
	jwk[jl] = 0;
	if (json_parse(&h, hdr, (size_t)hl, tokh, 16) != ACME_OK ||
	    fs_jstr(&h, 0, "alg", alg, sizeof alg) || strcmp(alg, "HS256") ||
	    fs_jstr(&h, 0, "kid", kid, sizeof kid) ||
	    fs_jstr(&h, 0, "url", url, sizeof url) ||
	    strcmp(url, FS_BASE "/new-acct") != 0 ||
	    json_get(&h, 0, "nonce") >= 0 || json_get(&h, 0, "jwk") >= 0) {
		fs_violate(s, "EAB protected header: %s", hdr);
		fs_problem(s, rp, 400, "malformed", "bad binding header");
		return -1;
	}
	/* the payload is the outer JWS's key */
	fs_b64url(x, rq->jwk_q + 1, 32);
	fs_b64url(y, rq->jwk_q + 33, 32);
	if (json_parse(&jd, jwk, (size_t)jl, tokj, 16) != ACME_OK ||
	    !json_str_eq(&jd, json_get(&jd, 0, "x"), x) ||
	    !json_str_eq(&jd, json_get(&jd, 0, "y"), y) ||
	    !json_str_eq(&jd, json_get(&jd, 0, "kty"), "EC") ||
	    !json_str_eq(&jd, json_get(&jd, 0, "crv"), "P-256")) {
		fs_violate(s, "EAB payload is not the account's JWK: %s", jwk);
		fs_problem(s, rp, 400, "malformed", "bad binding payload");
		return -1;
	}
	if (strcmp(kid, s->eab_kid) != 0) {
		fs_problem(s, rp, 401, "unauthorized", "unknown EAB kid");
		return -1;
	}
	br_hmac_key_init(&kc, &br_sha256_vtable, s->eab_key, s->eab_key_len);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, prot64, strlen(prot64));
	br_hmac_update(&hc, ".", 1);
	br_hmac_update(&hc, pay64, strlen(pay64));
	br_hmac_out(&hc, mac);
	if (memcmp(mac, sig, sizeof mac) != 0) {
		fs_problem(s, rp, 401, "unauthorized",
		    "external account binding MAC does not verify");
		return -1;
	}
	return 0;
}

/* The canonical JWK (RFC 7638) of the P-256 or P-384 point q, as the
 * client writes it. */
static void
fs_jwk_text(const unsigned char *q, size_t qlen, char *out, size_t cap)
{
	char x[72], y[72];
	size_t n = (qlen - 1) / 2;

	fs_b64url(x, q + 1, n);
	fs_b64url(y, q + 1 + n, n);
	snprintf(out, cap, "{\"crv\":\"%s\",\"kty\":\"EC\",\"x\":"
	    "\"%s\",\"y\":\"%s\"}", n == 48 ? "P-384" : "P-256", x, y);
}

/*
 * keyChange (RFC 8555 7.3.5): the outer JWS (kid, verified) carries an
 * inner flattened JWS with the new key's jwk, the same url, no nonce,
 * signed by the new key, whose payload names the account and its current
 * key.  The account then has the new key; one already in use is 409.
 */
static void
fs_h_keychange(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	static struct fs_req in;
	struct fs_account *a;
	struct json_tok tok[32];
	struct json_doc d, ih;
	struct json_tok tokh[32];
	char why[256], hdr[1024], old[192], want[192];
	char account[ACME_MAX_URL + 1];
	long hl;
	int o;
	unsigned i;

	if (!rq->has_kid || rq->acct < 0) {
		fs_violate(s, "keyChange not signed with kid");
		fs_problem(s, rp, 400, "malformed", "kid needed");
		return;
	}
	a = &s->acct[rq->acct];
	/* The inner JWS through the same checks, but without a nonce. */
	memset(&in, 0, sizeof in);
	if (rq->plen >= sizeof in.body ||
	    json_parse(&d, rq->payload, rq->plen, tok, 32) != ACME_OK ||
	    fs_jstr(&d, 0, "protected", in.payload, sizeof in.payload)) {
		fs_violate(s, "keyChange payload is not a JWS");
		fs_problem(s, rp, 400, "malformed", "inner JWS");
		return;
	}
	hl = fs_unb64url(hdr, sizeof hdr - 1, in.payload, strlen(in.payload));
	if (hl < 0 || (hdr[hl] = 0, json_parse(&ih, hdr, (size_t)hl, tokh,
	    32)) != ACME_OK || json_get(&ih, 0, "nonce") >= 0 ||
	    json_get(&ih, 0, "jwk") < 0 ||
	    fs_jstr(&ih, 0, "url", why, sizeof why) ||
	    strcmp(why, rq->url) != 0) {
		fs_violate(s, "inner JWS header (need jwk, the outer url, no "
		    "nonce): %s", hl < 0 ? "" : hdr);
		fs_problem(s, rp, 400, "malformed", "inner JWS header");
		return;
	}
	memcpy(in.body, rq->payload, rq->plen);
	in.body_len = rq->plen;
	snprintf(in.path, sizeof in.path, "%s", rq->path);
	if (fs_inner_jws(&in, why, sizeof why) != 0) {
		fs_violate(s, "inner JWS: %s", why);
		fs_problem(s, rp, 400, "malformed", why);
		return;
	}
	if (json_parse(&d, in.payload, in.plen, tok, 32) != ACME_OK ||
	    fs_jstr(&d, 0, "account", account, sizeof account) ||
	    (o = json_get(&d, 0, "oldKey")) < 0) {
		fs_violate(s, "keyChange inner payload: %s", in.payload);
		fs_problem(s, rp, 400, "malformed", "inner payload");
		return;
	}
	snprintf(old, sizeof old, "%.*s", (int)(d.tok[o].end - d.tok[o].start),
	    in.payload + d.tok[o].start);
	fs_jwk_text(a->q, a->qlen, want, sizeof want);
	if (strcmp(account, a->url) != 0 || strcmp(old, want) != 0) {
		fs_violate(s, "keyChange names another account or old key: %s",
		    in.payload);
		fs_problem(s, rp, 400, "malformed", "wrong account or oldKey");
		return;
	}
	for (i = 0; i < s->nacct; i++)
		if (memcmp(s->acct[i].q, in.jwk_q, 65) == 0) {
			fs_problem(s, rp, 409, "conflict", "key in use");
			snprintf(rp->location, sizeof rp->location, "%s",
			    s->acct[i].url);
			return;
		}
	memcpy(a->q, in.jwk_q, 65);
	a->qlen = 65;
	fs_b64url(a->x, a->q + 1, 32);
	fs_b64url(a->y, a->q + 33, 32);
	fs_thumb(a->q, a->qlen, a->thumb);
	a->keychanges++;
	fs_body(rp, "{\"status\":\"valid\"}");
}

/* POST to an account URL: only deactivation (RFC 8555 7.3.6) here. */
static void
fs_h_acct(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	struct json_tok tok[8];
	struct json_doc d;

	if (rq->acct < 0 || strcmp(rq->kid, rq->url) != 0) {
		fs_violate(s, "POST %s by another account", rq->path);
		fs_problem(s, rp, 403, "unauthorized", "not your account");
		return;
	}
	if (json_parse(&d, rq->payload, rq->plen, tok, 8) != ACME_OK ||
	    !json_str_eq(&d, json_get(&d, 0, "status"), "deactivated")) {
		fs_violate(s, "account update: %s", rq->payload);
		fs_problem(s, rp, 400, "malformed", "only deactivation");
		return;
	}
	s->acct[rq->acct].deactivated = 1;
	fs_body(rp, "{\"status\":\"deactivated\"}");
}

/*
 * revokeCert (RFC 8555 7.6): the DER of a certificate we issued (the
 * leaf of an order's chain) and a reason, signed by the account that
 * ordered it (kid) or by the certificate's key (jwk).
 */
static void
fs_h_revoke(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	static char pem[4096], b64[4096];
	static unsigned char der[3072];
	struct json_tok tok[8];
	struct json_doc d;
	struct fs_order *o = NULL;
	unsigned i;
	size_t len = 0;
	long n;
	int rt;

	if (json_parse(&d, rq->payload, rq->plen, tok, 8) != ACME_OK ||
	    fs_jstr(&d, 0, "certificate", b64, sizeof b64) ||
	    (n = fs_unb64url(der, sizeof der, b64, strlen(b64))) <= 0) {
		fs_violate(s, "revokeCert payload: %.80s", rq->payload);
		fs_problem(s, rp, 400, "malformed", "bad payload");
		return;
	}
	fs_pem_append(pem, sizeof pem, &len, der, (size_t)n);
	for (i = 0; i < s->norder && o == NULL; i++)
		if (len > 0 && s->order[i].chain_len >= len &&
		    memcmp(s->order[i].chain, pem, len) == 0)
			o = &s->order[i];
	if (o == NULL) {
		fs_problem(s, rp, 404, "malformed", "no such certificate");
		return;
	}
	if (rq->has_kid ? rq->acct != o->acct : o->spki_len < 65 ||
	    memcmp(o->spki + o->spki_len - 65, rq->jwk_q, 65) != 0) {
		fs_problem(s, rp, 403, "unauthorized",
		    "neither the ordering account nor the certificate's key");
		return;
	}
	rt = json_get(&d, 0, "reason");
	n = rt < 0 ? 0 : strtol(rq->payload + d.tok[rt].start, NULL, 10);
	if (rt >= 0 && json_type(&d, rt) != JSON_PRIMITIVE)
		n = -1;
	if (n < 0 || n > 10 || n == 7) {
		fs_violate(s, "revocation reason %ld", n);
		fs_problem(s, rp, 400, "badRevocationReason", "bad reason");
		return;
	}
	if (o->revoked) {
		fs_problem(s, rp, 400, "alreadyRevoked", "already revoked");
		return;
	}
	o->revoked = 1;
	o->reason = (unsigned char)n;
	o->revoked_by_jwk = (unsigned char)rq->has_jwk;
	rp->status = 200;
}

/* 1 when name is an IP address in its canonical text (RFC 8738 3). */
static int
fs_canonical_ip(const char *name)
{
	uint8_t ip[16];
	size_t len;
	char t[IDENT_IP_TEXT_MAX + 1];

	return ident_parse(name, ip, &len) == IDENT_IP &&
	    ident_ip_text(ip, len, t, sizeof t) == 0 && strcmp(t, name) == 0;
}

/* The base64url SHA-256 of the key authorization of az under account a
 * (the dns-01 TXT value, RFC 8555 8.4). */
static void
fs_dns_value(const struct fs_authz *az, const struct fs_account *a,
    char out[48])
{
	br_sha256_context sc;
	unsigned char h[32];

	br_sha256_init(&sc);
	br_sha256_update(&sc, az->token, strlen(az->token));
	br_sha256_update(&sc, ".", 1);
	br_sha256_update(&sc, a->thumb, strlen(a->thumb));
	br_sha256_out(&sc, h);
	fs_b64url(out, h, sizeof h);
}

int
fs_dns_hook(void *ctx, int op, const char *name, const char *value)
{
	struct fs *s = ctx;
	unsigned i;

	for (i = 0; i < s->ntxt; i++)
		if (strcmp(s->txt[i].name, name) == 0 &&
		    strcmp(s->txt[i].value, value) == 0)
			break;
	if (op == ACME_DNS01_REMOVE) {
		if (s->dns_removes++ == 0)
			s->dns_remove_finalizes = s->ep_count[FS_EP_FINALIZE];
		if (i == s->ntxt) {
			s->dns_remove_unknown++;
			return 0;
		}
		s->txt[i] = s->txt[--s->ntxt];
		return 0;
	}
	if (op != ACME_DNS01_ADD)
		fs_violate(s, "dns hook: unknown op %d", op);
	s->dns_adds++;
	if (i == s->ntxt) {
		if (s->ntxt == sizeof s->txt / sizeof s->txt[0] ||
		    strlen(name) >= sizeof s->txt[0].name ||
		    strlen(value) >= sizeof s->txt[0].value) {
			fs_violate(s, "dns hook: too many or too long records");
			return -1;
		}
		memset(&s->txt[i], 0, sizeof s->txt[i]);
		strcpy(s->txt[i].name, name);
		strcpy(s->txt[i].value, value);
		s->ntxt++;
	}
	s->txt[i].asked++;
	if (s->dns_fail)
		return -1;
	if (s->dns_pending == ~0u || s->txt[i].asked <= s->dns_pending)
		return 1;
	return 0;
}

/* 1 when name is a plain DNS name (safe to echo in our JSON). */
static int
fs_plain_name(const char *n)
{
	if (*n == 0)
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		    (*n >= '0' && *n <= '9') || *n == '.' || *n == '-' ||
		    *n == '*'))
			return 0;
	return 1;
}

static void
fs_h_new_order(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	struct json_tok tok[128];
	struct json_doc d;
	struct fs_order *o;
	unsigned char h[32];
	unsigned char in[12];
	br_sha256_context sc;
	unsigned i, id;
	int ids = -1, n = -1;

	if (json_parse(&d, rq->payload, rq->plen, tok, 128) == ACME_OK &&
	    json_type(&d, 0) == JSON_OBJECT) {
		ids = json_get(&d, 0, "identifiers");
		n = json_array_len(&d, ids);
	}
	if (n < 1 || n > FS_MAX_NAMES) {
		fs_violate(s, "newOrder payload: %s", rq->payload);
		fs_problem(s, rp, 400, "malformed", "bad newOrder payload");
		return;
	}
	if (s->norder >= FS_MAX_ORDERS) {
		fs_problem(s, rp, 500, "serverInternal", "too many orders");
		return;
	}
	o = &s->order[s->norder];
	memset(o, 0, sizeof *o);
	id = s->norder + 1;
	for (i = 0; i < (unsigned)n; i++) {
		int it = json_array_item(&d, ids, (int)i);
		struct fs_authz *az = &o->az[i];

		az->ip = json_str_eq(&d, json_get(&d, it, "type"), "ip");
		if ((!az->ip && !json_str_eq(&d, json_get(&d, it, "type"),
		    "dns")) ||
		    fs_jstr(&d, it, "value", az->name, sizeof az->name) ||
		    (az->ip ? !fs_canonical_ip(az->name) :
		    !fs_plain_name(az->name))) {
			fs_violate(s, "newOrder identifier %u is not a plain "
			    "dns name or a canonical ip: %s", i, rq->payload);
			fs_problem(s, rp, 400, "malformed", "bad identifier");
			return;
		}
		/* 32 bytes of hash: a 43-character base64url token. */
		memcpy(in, &s->gen, 4);
		memcpy(in + 4, &id, 4);
		memcpy(in + 8, &i, 4);
		br_sha256_init(&sc);
		br_sha256_update(&sc, in, sizeof in);
		br_sha256_out(&sc, h);
		fs_b64url(az->token, h, sizeof h);
		az->valid = (s->prevalid >> i) & 1;
	}
	o->n = (unsigned)n;
	o->acct = rq->acct;
	if (fs_jstr(&d, 0, "profile", o->profile, sizeof o->profile))
		o->profile[0] = 0;
	if (fs_jstr(&d, 0, "replaces", o->replaces, sizeof o->replaces))
		o->replaces[0] = 0;
	if (o->profile[0] && (s->profiles == NULL ||
	    strstr(s->profiles, o->profile) == NULL))
		fs_violate(s, "newOrder asks for profile \"%s\", not "
		    "offered", o->profile);
	if (o->replaces[0] && !s->ari)
		fs_violate(s, "newOrder replaces a certificate, but the "
		    "directory offers no renewalInfo");
	if (o->replaces[0] && s->already_replaced) {
		fs_problem(s, rp, 409, "alreadyReplaced", "the certificate "
		    "already has a replacement order");
		return;
	}
	s->norder++;
	rp->status = 201;
	snprintf(rp->location, sizeof rp->location, FS_BASE "/order/%u", id);
	fs_order_json(s, rp, id, fs_order_status(o));
}

/* The validator's requests after the challenge of authz (o, i). */
static void
fs_queue_probes(struct fs *s, unsigned o, unsigned i)
{
	const struct fs_authz *az = &s->order[o - 1].az[i];
	const struct fs_account *a = &s->acct[s->order[o - 1].acct];
	char wrong[6][160], req[sizeof s->probe[0].req];
	unsigned k, nw = 0;
	int n;

	if (s->probe_wrong) {
		snprintf(wrong[nw++], sizeof wrong[0],
		    "/.well-known/acme-challenge/%sx", az->token);
		snprintf(wrong[nw++], sizeof wrong[0],
		    "/.well-known/acme-challenge/%.20s", az->token);
		snprintf(wrong[nw++], sizeof wrong[0],
		    "/.well-known/acme-challenge/../%s", az->token);
		snprintf(wrong[nw++], sizeof wrong[0], "/%s", az->token);
		snprintf(wrong[nw++], sizeof wrong[0],
		    "/.well-known/acme-challenge/");
	}
	for (k = 0; k <= nw; k++) {
		struct fs_probe *p;

		if (s->nprobes >= FS_MAX_PROBES) {
			fs_violate(s, "out of probes (FS_MAX_PROBES)");
			return;
		}
		p = &s->probe[s->nprobes++];
		memset(p, 0, sizeof *p);
		if (k == nw)
			snprintf(wrong[k], sizeof wrong[0],
			    "/.well-known/acme-challenge/%s", az->token);
		n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
		    "User-Agent: fake-validator\r\nAccept: */*\r\n"
		    "Connection: close\r\n\r\n", wrong[k], az->name);
		p->req_len = (size_t)n < sizeof p->req ? (size_t)n :
		    sizeof p->req - 1;
		memcpy(p->req, req, p->req_len);
		if (k == nw) {
			p->expect = 200;
			snprintf(req, sizeof req, "%s.%s", az->token,
			    a->thumb);
			memcpy(p->keyauth, req, sizeof p->keyauth - 1);
			p->order = (int)o;
			p->idx = (int)i;
		} else {
			p->expect = 404;
			p->order = -1;
			p->idx = -1;
		}
	}
}

/* dns-01 answered for az: its record must be in place (published and
 * the hook done), else the authorization becomes invalid. */
static void
fs_check_txt(struct fs *s, const struct fs_order *o, struct fs_authz *az)
{
	char name[ACME_MAX_NAME + 20], want[48];
	unsigned i;

	snprintf(name, sizeof name, "_acme-challenge.%s",
	    ident_base(az->name));
	fs_dns_value(az, &s->acct[o->acct], want);
	for (i = 0; i < s->ntxt; i++)
		if (strcmp(s->txt[i].name, name) == 0 &&
		    strcmp(s->txt[i].value, want) == 0 && !s->dns_fail &&
		    s->txt[i].asked > s->dns_pending)
			break;
	if (i < s->ntxt) {
		az->validated = 1;
		return;
	}
	fs_violate(s, "dns-01 answered before TXT %s %s was in place", name,
	    want);
	az->invalid = 1;
	snprintf(az->error, sizeof az->error, "no TXT record %s", name);
}

static void
fs_h_authz(struct fs *s, struct fs_req *rq, struct fs_resp *rp,
    const struct fs_rule *ru)
{
	struct fs_order *o = fs_order_of(s, rq);
	struct fs_authz *az;
	const char *st, *cst, *token;
	char err[512] = "", http[1024] = "", dns[1024] = "";
	int act = ru ? ru->act : FS_ACT_NONE, wild;

	if (o == NULL || rq->i >= o->n) {
		fs_problem(s, rp, 404, "malformed", "no such authorization");
		return;
	}
	az = &o->az[rq->i];
	if (act == FS_ACT_INVALID) {
		az->invalid = 1;
		snprintf(az->error, sizeof az->error, "%s",
		    ru->str ? ru->str : "invalid");
	}
	if (!az->valid && !az->invalid && az->posted) {
		if (s->validator) {
			az->valid = az->validated;
		} else if (++az->polls > s->authz_polls) {
			az->valid = 1;
		}
	}
	st = az->invalid ? "invalid" : az->valid ? "valid" : "pending";
	cst = az->invalid ? "invalid" : az->valid ? "valid" :
	    az->posted ? "processing" : "pending";
	token = act == FS_ACT_TOKEN && ru->str ? ru->str : az->token;
	if (az->invalid)
		snprintf(err, sizeof err, ",\"error\":{\"type\":"
		    "\"urn:ietf:params:acme:error:unauthorized\","
		    "\"detail\":\"%s\",\"status\":403}", az->error);
	/* RFC 8555 7.1.3: a wildcard is offered dns-01 only; RFC 8738 7:
	 * an IP address never dns-01. */
	wild = az->name[0] == '*';
	if (act != FS_ACT_NO_HTTP01 && !wild)
		snprintf(http, sizeof http, ",{\"type\":\"http-01\","
		    "\"url\":\"" FS_BASE "/chal/%u/%u\",\"token\":\"%s\","
		    "\"status\":\"%s\"%s}", rq->o, rq->i, token,
		    az->dns_posted ? "pending" : cst, az->dns_posted ? "" : err);
	if (act != FS_ACT_NO_DNS01 && !az->ip)
		snprintf(dns, sizeof dns, "{\"type\":\"dns-01\",\"url\":\""
		    FS_BASE "/chal/%u/%u/dns\",\"token\":\"%s\","
		    "\"status\":\"%s\"%s}", rq->o, rq->i, token,
		    az->dns_posted ? cst : "pending", az->dns_posted ? err : "");
	fs_body(rp, "{\"identifier\":{\"type\":\"%s\",\"value\":\"%s\"},"
	    "\"status\":\"%s\",\"expires\":\"2026-06-08T00:00:00Z\",%s"
	    "\"challenges\":[%s%s]}", az->ip ? "ip" : "dns",
	    ident_base(az->name), st, wild ? "\"wildcard\":true," : "", dns,
	    dns[0] ? http : http[0] ? http + 1 : "");
}

static void
fs_h_chal(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	struct fs_order *o = fs_order_of(s, rq);
	struct fs_authz *az;

	if (o == NULL || rq->i >= o->n) {
		fs_problem(s, rp, 404, "malformed", "no such challenge");
		return;
	}
	az = &o->az[rq->i];
	if (rq->dns && !s->dns01)
		fs_violate(s, "client answered the dns-01 challenge");
	if (!rq->dns && az->name[0] == '*')
		fs_violate(s, "client answered http-01 for a wildcard");
	if (rq->plen != 2 || memcmp(rq->payload, "{}", 2) != 0)
		fs_violate(s, "challenge payload is not {}: \"%s\"",
		    rq->payload);
	if (az->valid)
		fs_violate(s, "challenge POST for an already valid authz");
	if (az->posted) {
		/* As Pebble 2.4 does: only a pending challenge is answered
		 * (a client that sends its answer again after losing the
		 * reply gets this). */
		s->chal_reposts++;
		fs_problem(s, rp, 400, "malformed", "Cannot update challenge "
		    "with status processing, only status pending");
		return;
	}
	if (rq->dns && !az->posted && !az->valid)
		fs_check_txt(s, o, az);
	else if (!az->posted && !az->valid && s->validator)
		fs_queue_probes(s, rq->o, rq->i);
	az->posted = 1;
	az->dns_posted |= rq->dns;
	snprintf(rp->link, sizeof rp->link,
	    "<" FS_BASE "/authz/%u/%u>;rel=\"up\"", rq->o, rq->i);
	fs_body(rp, "{\"type\":\"%s\",\"url\":\"" FS_BASE "/chal/%u/%u%s\","
	    "\"token\":\"%s\",\"status\":\"%s\"}", rq->dns ? "dns-01" :
	    "http-01", rq->o, rq->i, rq->dns ? "/dns" : "", az->token,
	    az->valid ? "valid" : "processing");
}

static void
fs_h_finalize(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	struct fs_order *o = fs_order_of(s, rq);
	struct json_tok tok[8];
	struct json_doc d;
	char csr64[2800];
	long n;
	unsigned i;

	if (o == NULL) {
		fs_problem(s, rp, 404, "malformed", "no such order");
		return;
	}
	o->finalizes++;
	if (strcmp(fs_order_status(o), "ready") != 0) {
		fs_violate(s, "finalize of an order that is %s",
		    fs_order_status(o));
		fs_problem(s, rp, 403, "orderNotReady", "order not ready");
		return;
	}
	if (json_parse(&d, rq->payload, rq->plen, tok, 8) != ACME_OK ||
	    fs_jstr(&d, 0, "csr", csr64, sizeof csr64) ||
	    (n = fs_unb64url(s->csr, sizeof s->csr, csr64,
	    strlen(csr64))) < 2 || s->csr[0] != 0x30) {
		fs_violate(s, "finalize payload has no DER csr: %.80s",
		    rq->payload);
		fs_problem(s, rp, 400, "badCSR", "no CSR");
		return;
	}
	s->csr_len = (size_t)n;
	for (i = 0; i < o->n; i++) {
		uint8_t ip[2 + 16];
		size_t il;

		/* an address as an iPAddress [7] of 4 or 16 bytes */
		if (o->az[i].ip && ident_parse(o->az[i].name, ip + 2, &il) ==
		    IDENT_IP) {
			ip[0] = 0x87;
			ip[1] = (uint8_t)il;
			if (fs_memmem((const char *)s->csr, s->csr_len,
			    (const char *)ip, il + 2) == NULL)
				fs_violate(s, "CSR lacks the iPAddress %s",
				    o->az[i].name);
		} else if (fs_memmem((const char *)s->csr, s->csr_len,
		    o->az[i].name, strlen(o->az[i].name)) == NULL) {
			fs_violate(s, "CSR lacks the name %s", o->az[i].name);
		}
	}
	if (fs_csr_spki(s, o) != 0) {
		fs_violate(s, "CSR without a SubjectPublicKeyInfo");
		fs_problem(s, rp, 400, "badCSR", "no key");
		return;
	}
	o->issued_at = FS_T0 + s->now / 1000;
	o->chain_len = fs_order_pem(s, rq->o, FS_ACT_NONE, o->chain,
	    sizeof o->chain);
	o->finalized = 1;
	o->polls = 0;
	snprintf(rp->location, sizeof rp->location, FS_BASE "/order/%u",
	    rq->o);
	fs_order_json(s, rp, rq->o, "processing");
}

static void
fs_h_order_poll(struct fs *s, struct fs_req *rq, struct fs_resp *rp,
    int act)
{
	struct fs_order *o = fs_order_of(s, rq);

	if (o == NULL) {
		fs_problem(s, rp, 404, "malformed", "no such order");
		return;
	}
	if (o->finalized && !o->valid && act != FS_ACT_PROCESSING &&
	    ++o->polls > s->order_polls)
		o->valid = 1;
	fs_order_json(s, rp, rq->o, fs_order_status(o));
}

size_t
fs_order_alt(struct fs *s, unsigned o, unsigned n, char *dst, size_t cap)
{
	static const char end[] = "-----END CERTIFICATE-----\n";
	const char *chain = fs_order_chain(s, o);
	const char *e = strstr(chain, end);
	unsigned char der[1024], spki[128];
	char root[32];
	const uint8_t *k;
	size_t kl, dl, len;
	struct der_w w;

	if (n < 1 || n > s->alt_chains || e == NULL)
		return 0;
	len = (size_t)(e - chain) + sizeof end - 1;
	if (len >= cap)
		return 0;
	memcpy(dst, chain, len);
	dst[len] = 0;
	der_init(&w, spki, sizeof spki);
	fs_der_spki(&w, s->ikey_q);
	der_finish(&w, &k, &kl);
	snprintf(root, sizeof root, "fake alt root %u", n);
	fs_issuer_cn = root;
	dl = fs_make_cert(s, der, sizeof der, 9000 + n, "fake ACME issuer",
	    k, kl, FS_T0 - 86400 * 365, FS_T0 + 86400 * 3650, NULL, 0, 1);
	fs_issuer_cn = "fake ACME issuer";
	fs_pem_append(dst, cap, &len, der, dl);
	return len;
}

/* Alternate chain n of order o, or a 404 (n over alt_chains). */
static void
fs_alt_chain(struct fs *s, unsigned o, unsigned n, struct fs_resp *rp)
{
	rp->body_len = fs_order_alt(s, o, n, rp->body, sizeof rp->body);
	if (rp->body_len == 0) {
		fs_problem(s, rp, 404, "malformed", "no such chain");
		return;
	}
	s->alt_served++;
}

/* The Link headers of the default chain's answer: alt_link first (when
 * set), then alternate 1..alt_chains. */
static void
fs_alt_links(struct fs *s, unsigned o, struct fs_resp *rp)
{
	size_t n = 0;
	unsigned i;

	if (s->alt_link != NULL)
		n += (size_t)snprintf(rp->links + n, sizeof rp->links - n,
		    "Link: %s\r\n", s->alt_link);
	for (i = 1; i <= s->alt_chains && n < sizeof rp->links; i++)
		n += (size_t)snprintf(rp->links + n, sizeof rp->links - n,
		    "Link: <" FS_BASE "/cert/%u/alt/%u>;rel=\"alternate\"\r\n",
		    o, i);
}

static void
fs_h_cert(struct fs *s, struct fs_req *rq, struct fs_resp *rp, int act)
{
	struct fs_order *o = fs_order_of(s, rq);

	if (o == NULL || !o->valid) {
		fs_violate(s, "certificate fetch of an order not valid");
		fs_problem(s, rp, 403, "unauthorized", "not valid");
		return;
	}
	if (rq->accept[0] && strstr(rq->accept,
	    "application/pem-certificate-chain") == NULL)
		fs_violate(s, "certificate fetch with Accept: %s", rq->accept);
	rp->ctype = "application/pem-certificate-chain";
	if (act >= FS_ACT_CERT_KEY && act <= FS_ACT_CERT_EXTRA)
		rp->body_len = fs_order_pem(s, rq->o, act, rp->body,
		    sizeof rp->body);
	else if (rq->i > 0)
		fs_alt_chain(s, rq->o, rq->i, rp);
	else
		fs_body(rp, "%s", o->chain);
	if (rq->i == 0)
		fs_alt_links(s, rq->o, rp);
}

/* RFC 3339 of unix time t into dst (cap). */
static void
fs_rfc3339(char *dst, size_t cap, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* GET renewalInfo/<certID> (RFC 9773 4.2): the knobs' window. */
static void
fs_h_ari(struct fs *s, struct fs_req *rq, struct fs_resp *rp)
{
	char a[32], b[32];

	snprintf(s->ari_asked, sizeof s->ari_asked, "%s", rq->path + 14);
	if (!s->ari)
		fs_violate(s, "renewalInfo asked of a server without it");
	if (strcmp(rq->method, "GET") != 0)
		fs_violate(s, "renewalInfo by %s, not GET", rq->method);
	rp->nonce = 0;
	if (s->ari_status != 200) {
		fs_problem(s, rp, s->ari_status, "serverInternal", "no info");
		rp->nonce = 0;
		return;
	}
	fs_rfc3339(a, sizeof a, s->ari_start);
	fs_rfc3339(b, sizeof b, s->ari_end);
	rp->retry_after = s->ari_retry;
	fs_body(rp, "{\"suggestedWindow\":{\"start\":\"%s\",\"end\":"
	    "\"%s\"},\"explanationURL\":\"https://acme.test/why\"}", a, b);
}

/* ---- dispatch ---- */

/* Which endpoint path is, with its numbers. */
static int
fs_classify(struct fs_req *rq)
{
	const char *p = rq->path;
	int end = 0;

	rq->o = rq->i = 0;
	rq->dns = 0;
	if (strcmp(p, "/dir") == 0)
		return FS_EP_DIR;
	if (strcmp(p, "/new-nonce") == 0)
		return FS_EP_NONCE;
	if (strcmp(p, "/new-acct") == 0)
		return FS_EP_ACCOUNT;
	if (strcmp(p, "/new-order") == 0)
		return FS_EP_ORDER;
	if (sscanf(p, "/authz/%u/%u%n", &rq->o, &rq->i, &end) == 2 &&
	    p[end] == 0)
		return FS_EP_AUTHZ;
	if (sscanf(p, "/chal/%u/%u%n", &rq->o, &rq->i, &end) == 2 &&
	    (p[end] == 0 || strcmp(p + end, "/dns") == 0)) {
		rq->dns = p[end] != 0;
		return FS_EP_CHAL;
	}
	if (sscanf(p, "/finalize/%u%n", &rq->o, &end) == 1 && p[end] == 0)
		return FS_EP_FINALIZE;
	if (sscanf(p, "/order/%u%n", &rq->o, &end) == 1 && p[end] == 0)
		return FS_EP_ORDER_POLL;
	if (sscanf(p, "/cert/%u%n", &rq->o, &end) == 1 && p[end] == 0)
		return FS_EP_CERT;
	if (sscanf(p, "/cert/%u/alt/%u%n", &rq->o, &rq->i, &end) == 2 &&
	    p[end] == 0 && rq->i > 0)
		return FS_EP_CERT;
	if (strcmp(p, "/key-change") == 0)
		return FS_EP_KEYCHANGE;
	if (strcmp(p, "/revoke-cert") == 0)
		return FS_EP_REVOKE;
	if (strncmp(p, "/acct/", 6) == 0)
		return FS_EP_ACCT;
	if (strncmp(p, "/renewal-info/", 14) == 0)
		return FS_EP_ARI;
	return FS_EP_OTHER;
}

/* The first rule for this request, or NULL. */
static const struct fs_rule *
fs_match(const struct fs *s, int ep, int post)
{
	unsigned k, n;

	for (k = 0; k < s->nrules; k++) {
		const struct fs_rule *r = &s->rule[k];

		if (r->ep == FS_EP_ANY)
			n = s->requests;
		else if (r->ep == FS_EP_POST && post)
			n = s->posts;
		else if (r->ep == ep)
			n = s->ep_count[ep];
		else
			continue;
		if (n >= r->from && (r->times == 0 || n < r->from + r->times))
			return r;
	}
	return NULL;
}

/* Rule actions that replace the answer (before the resource handler). */
static int
fs_pre_act(struct fs *s, struct fs_conn *cn, const struct fs_rule *ru,
    struct fs_resp *rp)
{
	switch (ru ? ru->act : FS_ACT_NONE) {
	case FS_ACT_BADNONCE:
		fs_problem(s, rp, 400, "badNonce", "JWS has an invalid "
		    "anti-replay nonce");
		rp->nonce = 1;
		return 1;
	case FS_ACT_BADNONCE_BARE:
		fs_problem(s, rp, 400, "badNonce", "JWS has an invalid "
		    "anti-replay nonce");
		rp->nonce = 0;
		return 1;
	case FS_ACT_STATUS:
		fs_problem(s, rp, (int)ru->arg, ru->str != NULL ? ru->str :
		    ru->arg == 429 ? "rateLimited" : "serverInternal",
		    "try again later");
		rp->retry_after = ru->arg2;
		return 1;
	case FS_ACT_NOT_EXIST:
		fs_problem(s, rp, 400, "accountDoesNotExist",
		    "no account for this key");
		return 1;
	case FS_ACT_DROP:
		cn->dropped = 1;
		s->drops++;
		return 2;
	case FS_ACT_RAW:
		return 3;
	case FS_ACT_SILENT:
		return 4;
	default:
		return 0;
	}
}

/* Put origin instead of FS_BASE everywhere in the n bytes at buf (cap):
 * the answer of a server that names URLs on another host. */
static size_t
fs_reorigin(char *buf, size_t n, size_t cap, const char *origin)
{
	static char tmp[FS_BODY];
	size_t bl = strlen(FS_BASE), ol = strlen(origin), i = 0, o = 0;

	while (i < n && o + ol < sizeof tmp) {
		if (n - i >= bl && memcmp(buf + i, FS_BASE, bl) == 0) {
			memcpy(tmp + o, origin, ol);
			o += ol;
			i += bl;
		} else {
			tmp[o++] = buf[i++];
		}
	}
	if (o >= cap)
		o = cap - 1;
	memcpy(buf, tmp, o);
	buf[o] = 0;
	return o;
}

/* Rule actions that alter the answer. */
static void
fs_post_act(struct fs *s, const struct fs_req *rq, const struct fs_rule *ru,
    struct fs_resp *rp)
{
	size_t i;

	switch (ru ? ru->act : FS_ACT_NONE) {
	case FS_ACT_STALE_NONCE:
		rp->nonce = 2;
		snprintf(rp->stale, sizeof rp->stale, "%s",
		    strcmp(rq->method, "POST") == 0 ? rq->nonce :
		    s->last_used_nonce);
		if (rp->stale[0] == 0)
			rp->nonce = 1;
		break;
	case FS_ACT_RETRY_AFTER:
		rp->retry_after = ru->arg;
		break;
	case FS_ACT_PROCESSING:
		if (ru->arg2 >= 0)
			rp->retry_after = ru->arg2;
		break;
	case FS_ACT_CLOSE_MID:
		rp->close_mid = 1;
		break;
	case FS_ACT_TRUNCATE:
		rp->body_len /= 2;
		break;
	case FS_ACT_BODY:
		fs_body(rp, "%s", ru->str ? ru->str : "");
		break;
	case FS_ACT_OVERSIZE:
		rp->body_len = ACME_MAX_RESPONSE + 100;
		memcpy(rp->body, "{\"x\":\"", 6);
		for (i = 6; i < rp->body_len - 2; i++)
			rp->body[i] = 'a';
		memcpy(rp->body + rp->body_len - 2, "\"}", 2);
		break;
	case FS_ACT_NO_LOCATION:
		rp->location[0] = 0;
		break;
	case FS_ACT_LOCATION:
		snprintf(rp->location, sizeof rp->location, "%s",
		    ru->str ? ru->str : "");
		break;
	case FS_ACT_CT_CHUNKED:
		rp->chunked = 1;
		break;
	case FS_ACT_UNFRAMED:
		rp->unframed = (int)ru->arg + 1;
		break;
	case FS_ACT_ORDER_STATUS:
		if (rq->ep == FS_EP_ORDER && rp->status == 201)
			fs_order_json(s, rp, s->norder, ru->str);
		break;
	case FS_ACT_FOREIGN:
		rp->body_len = fs_reorigin(rp->body, rp->body_len,
		    sizeof rp->body, ru->str);
		fs_reorigin(rp->location, strlen(rp->location),
		    sizeof rp->location, ru->str);
		break;
	default:
		break;
	}
}

/* Answer one complete request. */
static void
fs_handle(struct fs *s, struct fs_conn *cn, struct fs_req *rq)
{
	static struct fs_log scratch;
	struct fs_resp *rp = &fs_rp;
	struct fs_log *lg = s->nlog < FS_MAX_LOG ? &s->log[s->nlog++] :
	    &scratch;
	const struct fs_rule *ru;
	char why[512];
	int post = strcmp(rq->method, "POST") == 0, pre;

	memset(lg, 0, sizeof *lg);
	rq->ep = fs_classify(rq);
	snprintf(lg->method, sizeof lg->method, "%s", rq->method);
	snprintf(lg->path, sizeof lg->path, "%s", rq->path);
	snprintf(lg->cache_control, sizeof lg->cache_control, "%s",
	    rq->cache_control);
	lg->ep = rq->ep;
	lg->conn = cn->serial;
	lg->t_ms = s->now;
	s->requests++;
	cn->requests++;
	s->ep_count[rq->ep]++;
	if (post)
		s->posts++;
	if (strcmp(rq->host, FS_HOST) != 0)
		fs_violate(s, "Host header \"%s\"", rq->host);
	if (cn->closed_answer)
		fs_violate(s, "request after Connection: close");
	ru = fs_match(s, rq->ep, post);
	lg->act = ru ? ru->act : FS_ACT_NONE;
	fs_resp_init(rp);

	if (post) {
		if (strcmp(rq->ctype, "application/jose+json") != 0)
			fs_violate(s, "POST %s with Content-Type \"%s\"",
			    rq->path, rq->ctype);
		if (fs_jws(s, rq, why, sizeof why) != 0) {
			fs_violate(s, "POST %s: %s", rq->path, why);
			if (rq->nonce_bad)
				fs_problem(s, rp, 400, "badNonce", why);
			else
				fs_problem(s, rp, 400, "malformed", why);
			goto emit;
		}
		lg->jws_ok = 1;
		lg->has_jwk = (unsigned char)rq->has_jwk;
		lg->has_kid = (unsigned char)rq->has_kid;
		snprintf(lg->nonce, sizeof lg->nonce, "%s", rq->nonce);
		snprintf(lg->url, sizeof lg->url, "%s", rq->url);
		snprintf(lg->kid, sizeof lg->kid, "%s", rq->kid);
	} else if (rq->ep != FS_EP_DIR && rq->ep != FS_EP_NONCE &&
	    rq->ep != FS_EP_ARI) {
		fs_violate(s, "%s %s (not POST)", rq->method, rq->path);
		fs_problem(s, rp, 405, "malformed", "use POST");
		goto emit;
	}
	pre = fs_pre_act(s, cn, ru, rp);
	if (pre == 2) {
		lg->status = 0;
		return;
	}
	if (pre == 4) {
		lg->status = 0;
		return;
	}
	if (pre == 3) {
		cn->out_len = strlen(ru->str);
		if (cn->out_len > sizeof cn->out)
			cn->out_len = sizeof cn->out;
		memcpy(cn->out, ru->str, cn->out_len);
		cn->out_off = 0;
		cn->flushed = 0;
		cn->drop_after = 1;
		lg->status = -1;
		return;
	}
	if (pre)
		goto emit;
	if (post && rq->has_kid && rq->acct < 0) {
		fs_problem(s, rp, 400, "accountDoesNotExist",
		    "unknown account");
		goto emit;
	}
	if (post && rq->has_kid && s->acct[rq->acct].deactivated) {
		fs_problem(s, rp, 401, "unauthorized",
		    "the account is deactivated");
		goto emit;
	}
	if (post && rq->ep != FS_EP_ACCOUNT && rq->ep != FS_EP_REVOKE &&
	    !rq->has_kid)
		fs_violate(s, "POST %s signed with jwk, not kid", rq->path);
	if (post && rq->ep >= FS_EP_AUTHZ && fs_order_of(s, rq) != NULL &&
	    fs_order_of(s, rq)->acct != rq->acct) {
		fs_violate(s, "POST %s by another account", rq->path);
		fs_problem(s, rp, 403, "unauthorized", "not your order");
		goto emit;
	}
	if (post && (rq->ep == FS_EP_AUTHZ || rq->ep == FS_EP_ORDER_POLL ||
	    rq->ep == FS_EP_CERT) && rq->plen != 0)
		fs_violate(s, "POST-as-GET %s with payload \"%s\"", rq->path,
		    rq->payload);
	switch (rq->ep) {
	case FS_EP_DIR:
		fs_h_dir(s, rp);
		break;
	case FS_EP_NONCE:
		/* RFC 8555 7.2; DESIGN.md 5: HEAD, and no cache may answer */
		if (strcmp(rq->method, "HEAD") != 0)
			fs_violate(s, "%s newNonce (not HEAD)", rq->method);
		if (strstr(rq->cache_control, "no-cache") == NULL)
			fs_violate(s, "newNonce without Cache-Control: "
			    "no-cache (\"%s\")", rq->cache_control);
		rp->status = strcmp(rq->method, "HEAD") == 0 ? 200 : 204;
		break;
	case FS_EP_ACCOUNT:
		fs_h_account(s, rq, rp);
		break;
	case FS_EP_ORDER:
		fs_h_new_order(s, rq, rp);
		break;
	case FS_EP_AUTHZ:
		fs_h_authz(s, rq, rp, ru);
		break;
	case FS_EP_CHAL:
		fs_h_chal(s, rq, rp);
		break;
	case FS_EP_FINALIZE:
		fs_h_finalize(s, rq, rp);
		break;
	case FS_EP_ORDER_POLL:
		fs_h_order_poll(s, rq, rp, ru ? ru->act : FS_ACT_NONE);
		break;
	case FS_EP_CERT:
		fs_h_cert(s, rq, rp, ru ? ru->act : FS_ACT_NONE);
		break;
	case FS_EP_ARI:
		fs_h_ari(s, rq, rp);
		break;
	case FS_EP_KEYCHANGE:
		fs_h_keychange(s, rq, rp);
		break;
	case FS_EP_ACCT:
		fs_h_acct(s, rq, rp);
		break;
	case FS_EP_REVOKE:
		fs_h_revoke(s, rq, rp);
		break;
	default:
		fs_violate(s, "%s %s: no such resource", rq->method,
		    rq->path);
		fs_problem(s, rp, 404, "malformed", "no such resource");
		break;
	}
	fs_post_act(s, rq, ru, rp);
	if (ru != NULL && ru->act == FS_ACT_DROP_AFTER) {
		/* done, but the answer is lost with the connection */
		lg->status = 0;
		cn->dropped = 1;
		s->drops++;
		return;
	}
emit:
	fs_emit(s, cn, rq, rp, lg);
}

/* Value of header name (case-insensitive) in head[0..len), or "". */
static void
fs_header(const char *head, size_t len, const char *name, char *dst,
    size_t cap)
{
	size_t nl = strlen(name), i = 0, e, v;

	dst[0] = 0;
	while (i < len) {
		for (e = i; e < len && head[e] != '\r'; e++)
			;
		if (e - i > nl && head[i + nl] == ':' &&
		    strncasecmp(head + i, name, nl) == 0) {
			for (v = i + nl + 1; v < e && head[v] == ' '; v++)
				;
			snprintf(dst, cap, "%.*s", (int)(e - v), head + v);
			return;
		}
		i = e + 2;
	}
}

/*
 * Parse and answer the request at the head of cn->in when it is complete
 * and no answer is still being sent.  Returns 1 when one was handled.
 */
static int
fs_http(struct fs *s, struct fs_conn *cn)
{
	struct fs_req *rq = &fs_rq;
	const char *end, *sp1, *sp2;
	char clen[24];
	size_t hlen, blen;

	if (cn->out_off < cn->out_len || cn->dropped)
		return 0;
	end = fs_memmem(cn->in, cn->in_len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	hlen = (size_t)(end - cn->in) + 4;
	memset(rq, 0, offsetof(struct fs_req, body));
	fs_header(cn->in, hlen, "Content-Length", clen, sizeof clen);
	blen = clen[0] ? (size_t)strtoul(clen, NULL, 10) : 0;
	if (blen >= sizeof rq->body) {
		fs_violate(s, "request body of %zu bytes", blen);
		cn->dropped = 1;
		return 0;
	}
	if (cn->in_len < hlen + blen)
		return 0;
	sp1 = memchr(cn->in, ' ', hlen);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', hlen - (size_t)(sp1 + 1 - cn->in)) :
	    NULL;
	if (sp1 == NULL || sp2 == NULL || (size_t)(sp1 - cn->in) >=
	    sizeof rq->method || (size_t)(sp2 - sp1 - 1) >= sizeof rq->path ||
	    strncmp(sp2, " HTTP/1.1\r\n", 11) != 0) {
		fs_violate(s, "bad request line: %.60s", cn->in);
		cn->dropped = 1;
		return 0;
	}
	memcpy(rq->method, cn->in, (size_t)(sp1 - cn->in));
	memcpy(rq->path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	fs_header(cn->in, hlen, "Host", rq->host, sizeof rq->host);
	fs_header(cn->in, hlen, "Content-Type", rq->ctype, sizeof rq->ctype);
	fs_header(cn->in, hlen, "Accept", rq->accept, sizeof rq->accept);
	fs_header(cn->in, hlen, "Cache-Control", rq->cache_control,
	    sizeof rq->cache_control);
	if (strcmp(rq->method, "POST") == 0 && clen[0] == 0)
		fs_violate(s, "POST without Content-Length");
	memcpy(rq->body, cn->in + hlen, blen);
	rq->body[blen] = 0;
	rq->body_len = blen;
	memmove(cn->in, cn->in + hlen + blen, cn->in_len - hlen - blen);
	cn->in_len -= hlen + blen;
	fs_handle(s, cn, rq);
	return 1;
}

/* ---- TLS over the fake wire ---- */

/* Move everything the server engine can move right now. */
static void
fs_pump(struct fs *s, struct fs_conn *cn)
{
	br_ssl_engine_context *eng = &cn->sc.eng;
	int guard;

	for (guard = 0; guard < 100000 && !cn->dropped; guard++) {
		unsigned st = br_ssl_engine_current_state(eng);
		unsigned char *buf;
		size_t len, n;

		if (st & BR_SSL_CLOSED) {
			/* A client giving up sends an alert: not our fault. */
			cn->dropped = 1;
			break;
		}
		if (!cn->hs_done && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
			cn->hs_done = 1;
			s->handshakes++;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			if (cn->wire_off > 0 && FS_WIRE - cn->wire_len < len) {
				/* make room (only then: small records) */
				memmove(cn->wire, cn->wire + cn->wire_off,
				    cn->wire_len - cn->wire_off);
				cn->wire_len -= cn->wire_off;
				cn->wire_off = 0;
			}
			n = FS_WIRE - cn->wire_len;
			if (n > len)
				n = len;
			if (n > 0) {
				memcpy(cn->wire + cn->wire_len, buf, n);
				cn->wire_len += n;
				br_ssl_engine_sendrec_ack(eng, n);
				cn->ready_at = s->now + s->latency_ms;
				cn->last_active = s->now;
				continue;
			}
		}
		if (st & BR_SSL_RECVAPP) {
			buf = br_ssl_engine_recvapp_buf(eng, &len);
			n = FS_IN - cn->in_len;
			if (n > len)
				n = len;
			if (n == 0) {
				fs_violate(s, "request over FS_IN bytes");
				cn->dropped = 1;
				break;
			}
			memcpy(cn->in + cn->in_len, buf, n);
			cn->in_len += n;
			br_ssl_engine_recvapp_ack(eng, n);
			fs_http(s, cn);
			continue;
		}
		if ((st & BR_SSL_SENDAPP) && cn->out_off < cn->out_len) {
			buf = br_ssl_engine_sendapp_buf(eng, &len);
			n = cn->out_len - cn->out_off;
			if (n > len)
				n = len;
			if (s->rec_max != 0 && n > s->rec_max)
				n = s->rec_max;
			memcpy(buf, cn->out + cn->out_off, n);
			br_ssl_engine_sendapp_ack(eng, n);
			cn->out_off += n;
			if (s->rec_max != 0)
				br_ssl_engine_flush(eng, 0);
			continue;
		}
		if (cn->out_len > 0 && cn->out_off == cn->out_len &&
		    !cn->flushed && (st & BR_SSL_SENDAPP)) {
			br_ssl_engine_flush(eng, 0);
			cn->flushed = 1;
			continue;
		}
		if (cn->in_len > 0 && fs_http(s, cn))
			continue;
		break;
	}
	if (!cn->dropped && cn->drop_after && cn->flushed &&
	    cn->out_off == cn->out_len &&
	    !(br_ssl_engine_current_state(eng) & BR_SSL_SENDREC)) {
		if (cn->notify_after && !cn->notify_sent) {
			/* the close_notify alert first, onto the wire */
			cn->notify_sent = 1;
			br_ssl_engine_close(eng);
			fs_pump(s, cn);
			return;
		}
		cn->dropped = 1;
		s->drops++;
	}
}

static struct fs_conn *
fs_conn_of(struct fs *s, int h)
{
	if (h < 0 || h >= FS_MAX_CONN || !s->conn[h].used) {
		fs_violate(s, "I/O on handle %d, which is not open", h);
		return NULL;
	}
	return &s->conn[h];
}

static int
fs_p_connect(void *ctx, const char *host, uint16_t port,
    uint32_t timeout_ms)
{
	struct fs *s = ctx;
	struct fs_conn *cn = NULL;
	unsigned char seed[32];
	int h;

	(void)timeout_ms;
	s->port_calls++;
	if (s->runaway)
		return -1;
	if ((strcmp(host, FS_HOST) != 0 && (s->alt_host == NULL ||
	    strcmp(host, s->alt_host) != 0)) || port != 443) {
		fs_violate(s, "connect to %s:%u", host, port);
		return -1;
	}
	if (s->connects >= 2000 && !s->runaway) {
		/* a client reconnecting without end */
		s->runaway = 1;
		fprintf(stderr, "fake_server: 2000 connections: runaway "
		    "client, failing all I/O\n");
		return -1;
	}
	if (s->refuse_connect > 0) {
		s->refuse_connect--;
		return -1;
	}
	for (h = 0; h < FS_MAX_CONN; h++)
		if (!s->conn[h].used) {
			cn = &s->conn[h];
			break;
		}
	if (cn == NULL) {
		fs_violate(s, "more than %d connections open", FS_MAX_CONN);
		return -1;
	}
	memset(cn, 0, sizeof *cn);
	cn->used = 1;
	cn->serial = ++s->conn_serial;
	cn->last_active = s->now;
	br_ssl_server_init_full_ec(&cn->sc, s->chain, 2, BR_KEYTYPE_EC,
	    &s->skey);
	br_ssl_engine_set_buffer(&cn->sc.eng, cn->iobuf, sizeof cn->iobuf, 1);
	if (s->tls_vmax != 0)
		br_ssl_engine_set_versions(&cn->sc.eng, s->tls_vmin,
		    s->tls_vmax);
	if (s->tls_suites != NULL)
		br_ssl_engine_set_suites(&cn->sc.eng, s->tls_suites,
		    s->tls_nsuites);
	memset(seed, (int)cn->serial, sizeof seed);
	memcpy(seed, &s->seed, sizeof s->seed);
	br_ssl_engine_inject_entropy(&cn->sc.eng, seed, sizeof seed);
	if (!br_ssl_server_reset(&cn->sc)) {
		fs_violate(s, "server engine reset failed: %d",
		    br_ssl_engine_last_error(&cn->sc.eng));
		cn->used = 0;
		return -1;
	}
	s->connects++;
	return h;
}

static struct fs_probe *
fs_probe_of(struct fs *s, int h)
{
	int i = h - FS_H_PROBE;

	if (i < 0 || i >= (int)s->nprobes || s->probe[i].state != 1) {
		fs_violate(s, "responder I/O on handle %d, not accepted", h);
		return NULL;
	}
	return &s->probe[i];
}

static int
fs_p_send(void *ctx, int h, const void *buf, size_t len)
{
	struct fs *s = ctx;
	struct fs_conn *cn;
	struct fs_probe *p;
	size_t off = 0;

	s->port_calls++;
	if (len == 0)
		fs_violate(s, "send() with len 0");
	if (h >= FS_H_PROBE) {
		if ((p = fs_probe_of(s, h)) == NULL)
			return -1;
		if (len > sizeof p->ans - p->ans_len) {
			fs_violate(s, "responder answer over 1 KB");
			return -1;
		}
		memcpy(p->ans + p->ans_len, buf, len);
		p->ans_len += len;
		return (int)len;
	}
	if ((cn = fs_conn_of(s, h)) == NULL || s->runaway)
		return -1;
	/* A connection idle for idle_close_ms was closed by the server. */
	if (s->idle_close_ms > 0 && !cn->dropped && cn->requests > 0 &&
	    cn->in_len == 0 && cn->out_off == cn->out_len &&
	    cn->wire_off == cn->wire_len &&
	    s->now - cn->last_active >= s->idle_close_ms) {
		cn->dropped = 1;
		s->idle_closes++;
	}
	if (cn->dropped)
		return (int)len;        /* into the void; recv says EOF */
	while (off < len) {
		unsigned st;
		unsigned char *rb;
		size_t rl, n;

		fs_pump(s, cn);
		if (cn->dropped)
			return (int)(off > 0 ? off : len);
		st = br_ssl_engine_current_state(&cn->sc.eng);
		if (!(st & BR_SSL_RECVREC))
			break;
		rb = br_ssl_engine_recvrec_buf(&cn->sc.eng, &rl);
		n = len - off < rl ? len - off : rl;
		memcpy(rb, (const unsigned char *)buf + off, n);
		br_ssl_engine_recvrec_ack(&cn->sc.eng, n);
		off += n;
		cn->last_active = s->now;
	}
	fs_pump(s, cn);
	if (off == 0)
		s->wouldblock++;
	return (int)off;
}

static int
fs_p_recv(void *ctx, int h, void *buf, size_t len)
{
	struct fs *s = ctx;
	struct fs_conn *cn;
	struct fs_probe *p;
	size_t n;

	s->port_calls++;
	if (len == 0)
		fs_violate(s, "recv() with len 0");
	if (h >= FS_H_PROBE) {
		if ((p = fs_probe_of(s, h)) == NULL)
			return -1;
		n = p->req_len - p->req_off;
		if (n == 0) {
			s->wouldblock++;
			return 0;       /* waiting for the answer */
		}
		/* The first read gets only 7 bytes: a split request. */
		if (p->req_off == 0 && n > 7)
			n = 7;
		if (n > len)
			n = len;
		memcpy(buf, p->req + p->req_off, n);
		p->req_off += n;
		return (int)n;
	}
	if ((cn = fs_conn_of(s, h)) == NULL || s->runaway)
		return -1;
	fs_pump(s, cn);
	n = cn->wire_len - cn->wire_off;
	if (n > 0) {
		if (s->now < cn->ready_at) {
			s->wouldblock++;
			return 0;
		}
		if (n > len)
			n = len;
		memcpy(buf, cn->wire + cn->wire_off, n);
		cn->wire_off += n;
		return (int)n;
	}
	if (cn->dropped)
		return -1;
	s->wouldblock++;
	return 0;
}

/* The validator judges an answer when the responder closes. */
static void
fs_probe_done(struct fs *s, struct fs_probe *p)
{
	const char *body;
	int st = 0;

	p->state = 2;
	p->ans[p->ans_len < sizeof p->ans ? p->ans_len : sizeof p->ans - 1] =
	    0;
	if (sscanf(p->ans, "HTTP/1.%*1d %3d", &st) != 1)
		st = 0;
	p->got_status = st;
	body = fs_memmem(p->ans, p->ans_len, "\r\n\r\n", 4);
	body = body ? body + 4 : "";
	if (p->expect == 200)
		p->ok = st == 200 && strcmp(body, p->keyauth) == 0;
	else
		p->ok = st == 404;
	if (p->ok && p->expect == 200)
		s->val_ok++;
	else if (p->ok)
		s->val_404++;
	else {
		s->val_bad++;
		fs_violate(s, "responder answered \"%.40s\" (status %d, body "
		    "\"%.60s\"), expected %d", p->req, st, body, p->expect);
	}
	if (p->order > 0) {
		struct fs_authz *az = &s->order[p->order - 1].az[p->idx];

		if (p->ok) {
			az->validated = 1;
		} else {
			az->invalid = 1;
			snprintf(az->error, sizeof az->error,
			    "wrong key authorization");
		}
	}
}

static void
fs_p_close(void *ctx, int h)
{
	struct fs *s = ctx;
	struct fs_conn *cn;
	struct fs_probe *p;

	s->port_calls++;
	if (h == FS_H_LISTEN) {
		if (!s->listening)
			fs_violate(s, "close of the listener twice");
		s->listening = 0;
		return;
	}
	if (h >= FS_H_PROBE) {
		if ((p = fs_probe_of(s, h)) != NULL)
			fs_probe_done(s, p);
		return;
	}
	if ((cn = fs_conn_of(s, h)) == NULL)
		return;
	cn->used = 0;
	s->client_closes++;
}

static int
fs_p_listen(void *ctx, uint16_t port)
{
	struct fs *s = ctx;

	s->port_calls++;
	if (s->runaway)
		return -1;
	if (s->listening)
		fs_violate(s, "listen() while listening");
	s->listens++;
	s->listen_port = port;
	s->listening = 1;
	return FS_H_LISTEN;
}

static int
fs_p_accept(void *ctx, int lh)
{
	struct fs *s = ctx;
	unsigned i;

	s->port_calls++;
	if (lh != FS_H_LISTEN || !s->listening) {
		fs_violate(s, "accept() on %d, not listening", lh);
		return -1;
	}
	/* Several validator connections may be open at once (Let's Encrypt
	 * validates from several places in parallel). */
	for (i = 0; i < s->nprobes; i++) {
		if (s->probe[i].state == 0) {
			s->probe[i].state = 1;
			s->accepts++;
			return FS_H_PROBE + (int)i;
		}
	}
	s->wouldblock++;
	return -2;
}

/* ---- setup ---- */

static void
fs_dn_append(void *ctx, const void *buf, size_t len)
{
	struct fs *s = ctx;

	if (len > sizeof s->ta_dn - s->ta_dn_len) {
		fs_violate(s, "CA DN over %zu bytes", sizeof s->ta_dn);
		return;
	}
	memcpy(s->ta_dn + s->ta_dn_len, buf, len);
	s->ta_dn_len += len;
}

/* The CA certificate as a BearSSL trust anchor, decoded from its DER. */
static void
fs_make_ta(struct fs *s)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, fs_dn_append, s);
	br_x509_decoder_push(&dc, fs_ca_der, sizeof fs_ca_der);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || br_x509_decoder_last_error(&dc) != 0 ||
	    pk->key_type != BR_KEYTYPE_EC || pk->key.ec.qlen != 65 ||
	    !br_x509_decoder_isCA(&dc)) {
		fs_violate(s, "fake_certs.h: the CA does not decode");
		return;
	}
	memcpy(s->ta_q, pk->key.ec.q, 65);
	s->ta.dn.data = s->ta_dn;
	s->ta.dn.len = s->ta_dn_len;
	s->ta.flags = BR_X509_TA_CA;
	s->ta.pkey.key_type = BR_KEYTYPE_EC;
	s->ta.pkey.key.ec.curve = pk->key.ec.curve;
	s->ta.pkey.key.ec.q = s->ta_q;
	s->ta.pkey.key.ec.qlen = 65;
}

/* The server's key and chain. */
static void
fs_make_key(struct fs *s)
{
	br_skey_decoder_context kc;
	const br_ec_private_key *ek;

	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, fs_srv_key_der, sizeof fs_srv_key_der);
	ek = br_skey_decoder_get_ec(&kc);
	if (br_skey_decoder_last_error(&kc) != 0 || ek == NULL ||
	    ek->xlen != sizeof s->skey_x) {
		fs_violate(s, "fake_certs.h: the server key does not decode");
		return;
	}
	memcpy(s->skey_x, ek->x, sizeof s->skey_x);
	s->skey.curve = ek->curve;
	s->skey.x = s->skey_x;
	s->skey.xlen = sizeof s->skey_x;
	s->chain[0].data = (unsigned char *)fs_srv_der;
	s->chain[0].data_len = sizeof fs_srv_der;
	s->chain[1].data = (unsigned char *)fs_ca_der;
	s->chain[1].data_len = sizeof fs_ca_der;
}

void
fs_init(struct fs *s, uint32_t seed)
{
	memset(s, 0, sizeof *s);
	s->gen = ++fs_generation;
	s->seed = seed;
	s->keepalive = 1;
	s->error_nonce = 1;
	s->time_limit_ms = 48ULL * 3600 * 1000;
	s->nonce_next = 1;
	s->store = &s->own_store;
	s->tos = 1;
	s->cert_days = 90;
	s->ari_retry = -1;
	s->ari_status = 200;
	fs_make_ta(s);
	fs_make_key(s);
	fs_make_issuer(s);
}

void
fs_port(struct fs *s, struct acme_port *p)
{
	memset(p, 0, sizeof *p);
	p->ctx = s;
	p->connect = fs_p_connect;
	p->send = fs_p_send;
	p->recv = fs_p_recv;
	p->close = fs_p_close;
	p->listen = fs_p_listen;
	p->accept = fs_p_accept;
	p->now_ms = fs_p_now_ms;
	p->unix_time = fs_p_unix_time;
	p->entropy = fs_p_entropy;
	p->load = fs_p_load;
	p->load_at = fs_p_load_at;
	p->store = fs_p_store;
	p->stage = fs_p_stage;
	p->commit = fs_p_commit;
	p->discard = fs_p_discard;
	p->log = fs_p_log;
	p->idle = fs_p_idle;
}

int
fs_add_rule(struct fs *s, int ep, unsigned from, unsigned times, int act,
    long arg, long arg2, const char *str)
{
	struct fs_rule *r;

	if (s->nrules >= FS_MAX_RULES)
		return -1;
	r = &s->rule[s->nrules++];
	r->ep = ep;
	r->from = from;
	r->times = times;
	r->act = act;
	r->arg = arg;
	r->arg2 = arg2;
	r->str = str;
	return 0;
}

void
fs_clear_stats(struct fs *s)
{
	memset(&s->connects, 0, sizeof *s - offsetof(struct fs, connects));
}

int
fs_find(const struct fs *s, int ep, unsigned k)
{
	unsigned i;

	for (i = 0; i < s->nlog; i++)
		if (s->log[i].ep == ep && k-- == 0)
			return (int)i;
	return -1;
}
