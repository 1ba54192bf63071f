/*
 * test_ensure.c -- the certificate lifecycle: acme_ensure() against the
 * fake server of fake_server.c (fake time, in-memory storage with
 * failures and power cuts), and the pure parts of core/renew.c (the RFC
 * 9773 certID example, times, backoff, the state record).
 *
 * What a device may rely on, each checked here: a good certificate costs
 * no request at all; renewal comes in the last third of the lifetime, or
 * in the CA's ARI window (with "replaces"); a Retry-After or repeated
 * failures are kept across runs ("reboots": a new client on the same
 * storage) and no request is made before they end; a power cut or a
 * failed write at any storage step leaves the old pair or the new pair,
 * matching, never a mix or nothing; nothing is ordered when the state
 * cannot be written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "acme.h"
#include "der.h"
#include "renew.h"
#include "str.h"
#include "x509.h"
#include "fake_server.h"

#define DAY 86400ULL

static struct fs S;
static struct fs_store ST;
static struct acme_client C;
static struct acme_port P;
static const char *names2[] = { "n0.acme.test", "n1.acme.test" };
static const char *cfg_profile;
static uint32_t cfg_max_wait;

/* A fresh server on the shared storage ST (cleared when wipe). */
static void
srv(uint32_t seed, int wipe_store)
{
	if (wipe_store)
		memset(&ST, 0, sizeof ST);
	fs_init(&S, seed);
	S.store = &ST;
	S.time_limit_ms = 800ULL * DAY * 1000;   /* these tests skip days */
	fs_port(&S, &P);
}

/* One run ("a boot"): ensure (or issue when ensure is 0) for n names,
 * on the same storage; the server and its clock carry on. */
static int
boot(int ensure, size_t n)
{
	struct acme_config cfg;
	int r;

	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = FS_DIR_URL;
	cfg.trust_anchors = &S.ta;
	cfg.trust_anchor_count = 1;
	cfg.names = names2;
	cfg.name_count = n;
	cfg.http01_port = 80;
	cfg.agree_tos = 1;
	cfg.profile = cfg_profile;
	cfg.max_retry_wait_s = cfg_max_wait;
	ST.nstaged = 0;            /* a reboot forgets anything staged */
	r = acme_init(&C, &cfg, &P);
	if (r == ACME_OK)
		r = ensure ? acme_ensure(&C) : acme_run(&C);
	acme_close(&C);
	return r;
}

/* The fake clock: unix time now, and a jump forward. */
static uint64_t
unix_now(void)
{
	return FS_T0 + S.now / 1000;
}

static void
advance(uint64_t seconds)
{
	S.now += seconds * 1000;
}

/* The public point of the first "EC PRIVATE KEY" in pem (BearSSL only). */
struct buf {
	unsigned char d[4096];
	size_t len;
};

static void
buf_append(void *ctx, const void *data, size_t len)
{
	struct buf *b = ctx;

	if (len <= sizeof b->d - b->len) {
		memcpy(b->d + b->len, data, len);
		b->len += len;
	}
}

/* The DER of the first PEM object called name in pem[0..len). */
static int
pem_der(const unsigned char *pem, size_t len, const char *name,
    struct buf *out)
{
	br_pem_decoder_context pc;
	int in = 0;

	out->len = 0;
	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, pem, len);

		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in = strcmp(br_pem_decoder_name(&pc), name) == 0;
			br_pem_decoder_setdest(&pc, in ? buf_append : NULL,
			    out);
			break;
		case BR_PEM_END_OBJ:
			if (in)
				return 0;
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return -1;
}

/*
 * 1 when the stored cert.pem and cert.key are there and match: the key's
 * public point is the first certificate's (BearSSL's decoders, not core).
 */
static int
pair_ok(void)
{
	static struct buf kd, cd;
	const unsigned char *kp, *cp;
	long kn = fs_blob(&S, ACME_STORE_CERT_KEY, &kp);
	long cn = fs_blob(&S, ACME_STORE_CERT, &cp);
	br_skey_decoder_context kc;
	br_x509_decoder_context xc;
	const br_ec_private_key *sk;
	const br_x509_pkey *pk;
	br_ec_public_key q;
	unsigned char qb[BR_EC_KBUF_PUB_MAX_SIZE];

	if (kn <= 0 || cn <= 0 ||
	    pem_der(kp, (size_t)kn, "EC PRIVATE KEY", &kd) != 0 ||
	    pem_der(cp, (size_t)cn, "CERTIFICATE", &cd) != 0)
		return 0;
	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, kd.d, kd.len);
	sk = br_skey_decoder_get_ec(&kc);
	if (sk == NULL || br_ec_compute_pub(&br_ec_p256_m31, &q, qb, sk) != 65)
		return 0;
	br_x509_decoder_init(&xc, NULL, NULL);
	br_x509_decoder_push(&xc, cd.d, cd.len);
	pk = br_x509_decoder_get_pkey(&xc);
	return pk != NULL && pk->key_type == BR_KEYTYPE_EC &&
	    pk->key.ec.qlen == 65 && memcmp(pk->key.ec.q, qb, 65) == 0;
}

/* A copy of the stored pair, to compare with later. */
struct pair {
	unsigned char cert[FS_BLOB_CAP], key[FS_BLOB_CAP];
	long clen, klen;
};

static void
pair_save(struct pair *p)
{
	const unsigned char *d;

	p->clen = fs_blob(&S, ACME_STORE_CERT, &d);
	if (p->clen > 0)
		memcpy(p->cert, d, (size_t)p->clen);
	p->klen = fs_blob(&S, ACME_STORE_CERT_KEY, &d);
	if (p->klen > 0)
		memcpy(p->key, d, (size_t)p->klen);
}

/* 1 when the stored pair is exactly p. */
static int
pair_is(const struct pair *p)
{
	const unsigned char *c, *k;
	long cl = fs_blob(&S, ACME_STORE_CERT, &c);
	long kl = fs_blob(&S, ACME_STORE_CERT_KEY, &k);

	return cl == p->clen && kl == p->klen && cl > 0 && kl > 0 &&
	    memcmp(c, p->cert, (size_t)cl) == 0 &&
	    memcmp(k, p->key, (size_t)kl) == 0;
}

/* The stored state record, parsed. */
static void
state(struct renew_state *st)
{
	const unsigned char *d;
	long n = fs_blob(&S, ACME_STORE_STATE, &d);

	renew_parse(st, (const char *)d, n > 0 ? (size_t)n : 0);
}

/* ---- core/renew.c ---- */

/* RFC 9773 4.1: the certID example, through a certificate built here. */
static void
test_cert_id(void)
{
	static const uint8_t aki[] = { 0x69, 0x88, 0x5B, 0x6B, 0x87, 0x46,
	    0x40, 0x41, 0xE1, 0xB3, 0x7B, 0x84, 0x7B, 0xA0, 0xAE, 0x2C, 0xDE,
	    0x01, 0xC8, 0xD4 };
	static const uint8_t serial[] = { 0x00, 0x87, 0x65, 0x43, 0x21 };
	static const uint8_t oid_aki[] = { 0x55, 0x1D, 0x23 };
	static const uint8_t oid_sig[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
	    0x03, 0x02 };
	static const uint8_t point[66] = { 0x00, 0x04 };
	uint8_t buf[1024];
	struct der_w w;
	struct x509_cert x;
	const uint8_t *p;
	size_t len, m, m2, m3;
	char id[RENEW_CERT_ID_MAX + 1];

	der_init(&w, buf, sizeof buf);
	m = der_len(&w);
	der_bits(&w, "\x30\x06\x02\x01\x01\x02\x01\x01", 8);   /* sig */
	m2 = der_len(&w);
	der_prim(&w, DER_OID, oid_sig, sizeof oid_sig);
	der_wrap(&w, DER_SEQUENCE, m2);
	m2 = der_len(&w);                       /* TBSCertificate */
	m3 = der_len(&w);
	der_prim(&w, DER_CONTEXT_PRIM(0), aki, sizeof aki);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_wrap(&w, DER_OCTET_STRING, m3);
	der_prim(&w, DER_OID, oid_aki, sizeof oid_aki);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_wrap(&w, DER_CONTEXT(3), m3);
	m3 = der_len(&w);                       /* SPKI */
	der_prim(&w, DER_BIT_STRING, point, sizeof point);
	der_prim(&w, DER_SEQUENCE, NULL, 0);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_prim(&w, DER_SEQUENCE, NULL, 0);    /* subject */
	m3 = der_len(&w);
	der_prim(&w, 0x17, "260101000000Z", 13);
	der_prim(&w, 0x17, "250101000000Z", 13);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_prim(&w, DER_SEQUENCE, NULL, 0);    /* issuer */
	m3 = der_len(&w);
	der_prim(&w, DER_OID, oid_sig, sizeof oid_sig);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_prim(&w, DER_INTEGER, serial, sizeof serial);
	der_wrap(&w, DER_SEQUENCE, m2);
	der_wrap(&w, DER_SEQUENCE, m);
	CHECK(der_finish(&w, &p, &len) == ACME_OK);
	CHECK(x509_parse(&x, p, len) == 0);
	CHECK(renew_cert_id(id, sizeof id, &x) == 0);
	CHECKF(strcmp(id, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE") == 0,
	    "certID %s", id);
	/* too small a buffer: -1 and nothing half written */
	CHECK(renew_cert_id(id, 20, &x) == -1 && id[0] == 0);
}

static void
test_times(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t t;
	} tc[] = {
		{ "2025-01-02T04:05:06Z", 1, 1735790706 },
		{ "2025-01-02t04:05:06z", 1, 1735790706 },
		{ "2025-01-02T04:05:06.123456Z", 1, 1735790706 },
		{ "2025-01-02T06:05:06+02:00", 1, 1735790706 },
		{ "2025-01-02T02:05:06-02:00", 1, 1735790706 },
		{ "2024-02-29T00:00:00Z", 1, 1709164800 },
		{ "2023-02-29T00:00:00Z", 0, 0 },
		{ "2025-01-02T04:05:06", 0, 0 },
		{ "2025-01-02 04:05:06Z", 0, 0 },
		{ "2025-01-02T04:05:06.Z", 0, 0 },
		{ "2025-01-02T04:05:06+2:00", 0, 0 },
		{ "2025-01-02T04:05:06Zjunk", 0, 0 },
		{ "", 0, 0 },
		{ "9999-99-99T99:99:99Z", 0, 0 },
		{ "2025-01-02T04:05:06+", 0, 0 },
		{ "2025-01-02T04:05:06-02", 0, 0 },
		{ "2025-01-02T04:05:06+02:0", 0, 0 },
	};
	uint64_t t;
	unsigned i;
	char *exact;

	static const struct {
		uint64_t t;
		const char *s;
	} pt[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1735790706, "2025-01-02T04:05:06Z" },
		{ 1709164800, "2024-02-29T00:00:00Z" },
		{ 253402300799ULL, "9999-12-31T23:59:59Z" },
		/* beyond 9999 (a corrupt record): the last second, with no
		 * overflow where long is 32 bits */
		{ 253402300800ULL, "9999-12-31T23:59:59Z" },
		{ 0xffffffffffffffffULL, "9999-12-31T23:59:59Z" },
	};
	char out[32];

	for (i = 0; i < sizeof pt / sizeof pt[0]; i++) {
		T_CASE("%s print[%u]", __func__, i);
		out[0] = 0;
		CHECK(str_cat_time(out, sizeof out, pt[i].t) == 0);
		CHECKF(strcmp(out, pt[i].s) == 0, "%llu -> %s",
		    (unsigned long long)pt[i].t, out);
	}
	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, i);
		t = 0;
		CHECKF((renew_time_parse(tc[i].s, &t) == 0) == tc[i].ok &&
		    (!tc[i].ok || t == tc[i].t), "\"%s\" -> %llu", tc[i].s,
		    (unsigned long long)t);
		/* the same text in a buffer of exactly its size: ASan
		 * catches a read past its NUL (ensure.c's 48 bytes). */
		exact = malloc(strlen(tc[i].s) + 1);
		CHECK(exact != NULL);
		if (exact != NULL) {
			memcpy(exact, tc[i].s, strlen(tc[i].s) + 1);
			CHECK((renew_time_parse(exact, &t) == 0) == tc[i].ok);
			free(exact);
		}
	}
}

static void
test_backoff_math(void)
{
	uint32_t f, d, prev = 0;
	unsigned i;

	/* doubling from 60 s, halved by the jitter floor, capped at a day */
	for (f = 1; f <= 20; f++) {
		uint32_t lo = ~0u, hi = 0;

		for (i = 0; i < 64; i++) {
			d = renew_backoff_s(f, i * 2654435761u);
			if (d < lo)
				lo = d;
			if (d > hi)
				hi = d;
		}
		CHECKF(hi <= RENEW_BACKOFF_MAX_S && lo >= RENEW_BACKOFF_BASE_S
		    / 2 && lo >= prev, "failures %u: %u..%u s", f, lo, hi);
		prev = lo;
	}
	CHECK(prev == RENEW_BACKOFF_MAX_S / 2);
	/* the window pick stays inside it */
	for (i = 0; i < 1000; i++) {
		uint64_t t = renew_pick(1000, 2000, (uint64_t)i * 7919u);

		CHECK(t >= 1000 && t < 2000);
	}
	CHECK(renew_pick(2000, 1000, 5) == 2000);
}

/* The state record is read back after reboots: hostile bytes are only
 * ignored, never trusted. */
static void
test_record(void)
{
	static const struct {
		const char *text;
		uint64_t not_before;
		uint32_t failures;
		const char *cert;
	} tc[] = {
		{ "picoacme-state 1\nnot_before=12\nfailures=3\ncert=ab.CD\n",
		    12, 3, "ab.CD" },
		{ "not_before=99999999999999999999999\nfailures=2\n", 0, 2, "" },
		{ "not_before=-5\nfailures=x\ncert=../../etc\n", 0, 0, "" },
		{ "failures=5000\n", 0, 0, "" },
		{ "cert=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 0, 0,
		    "" },
		{ "not_before=7", 7, 0, "" },
		{ "\0\0\0not_before=7\n", 0, 0, "" },
	};
	struct renew_state s, t;
	char buf[256];
	unsigned i;
	long n;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, i);
		renew_parse(&s, tc[i].text, i == 6 ? 17 : strlen(tc[i].text));
		CHECKF(s.not_before == tc[i].not_before &&
		    s.failures == tc[i].failures &&
		    strcmp(s.cert, tc[i].cert) == 0, "case %u: %llu %u '%s'", i,
		    (unsigned long long)s.not_before, s.failures, s.cert);
	}
	T_CASE("%s roundtrip", __func__);
	memset(&s, 0, sizeof s);
	s.not_before = 1790000000;
	s.failures = 7;
	strcpy(s.cert, "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
	s.renew_at = 1795000000;
	s.check_at = 1791000000;
	s.ari = 1;
	n = renew_format(&s, buf, sizeof buf);
	CHECK(n > 0);
	renew_parse(&t, buf, (size_t)n);
	CHECK(memcmp(&s, &t, sizeof s) == 0);
	CHECK(renew_format(&s, buf, 40) == -1);
}

/* ---- acme_ensure() ---- */

/* A good certificate costs nothing; it is renewed in the last third of
 * its lifetime; the record is written before the first request. */
static void
test_fresh(void)
{
	struct renew_state st;
	struct pair first;
	uint64_t life = 90 * DAY, t0;
	int r;

	srv(3000, 1);
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "first boot: %s", acme_message(&C));
	CHECK(pair_ok() && S.norder == 1);
	state(&st);
	CHECK(st.failures == 0 && st.not_before == 0 && st.ari == 0);
	/* the last third, plus up to lifetime / 12 of jitter */
	t0 = unix_now() - DAY;
	CHECKF(st.renew_at >= t0 + life * 2 / 3 &&
	    st.renew_at < t0 + life * 2 / 3 + life / 12 + 1,
	    "renew_at %llu, issued %llu", (unsigned long long)st.renew_at,
	    (unsigned long long)t0);
	CHECK(acme_next_check(&C) == st.renew_at);
	pair_save(&first);

	/* Every later boot before the moment: no request, no connection. */
	fs_clear_stats(&S);
	advance(30 * DAY);
	r = boot(1, 1);
	CHECKF(r == ACME_FRESH, "%s", acme_strerror(r));
	CHECK(S.connects == 0 && S.requests == 0 && S.listens == 0);
	CHECK(acme_counters(&C)->requests == 0);
	CHECK(acme_next_check(&C) == st.renew_at);
	CHECK(pair_is(&first));

	/* At the moment: renewed once, then fresh again. */
	S.now = (st.renew_at - FS_T0) * 1000;
	fs_clear_stats(&S);
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "renewal: %s", acme_message(&C));
	CHECK(S.norder == 2 && pair_ok() && !pair_is(&first));
	CHECK(S.order[1].replaces[0] == 0);   /* no ARI at this CA */
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_FRESH && S.requests == 0);

	/* A 6-day certificate: renewed with 1.5 to 2 days left. */
	srv(3001, 1);
	S.cert_days = 6;
	CHECK(boot(1, 1) == ACME_OK);
	state(&st);
	t0 = unix_now() - DAY;
	CHECKF(st.renew_at >= t0 + 4 * DAY && st.renew_at <= t0 + 4 * DAY +
	    DAY / 2, "6-day: renew_at - start %llu s",
	    (unsigned long long)(st.renew_at - t0));

	/* issue (not ensure) orders now, every time. */
	fs_clear_stats(&S);
	CHECK(boot(0, 1) == ACME_OK && S.norder == 2);

	/* A record whose renewal moment lies past the certificate's end
	 * (flash bit rot, a CA window beyond expiry) does not keep an
	 * expiring certificate: the lifetime's moment is used instead. */
	srv(3002, 1);
	CHECK(boot(1, 1) == ACME_OK);
	state(&st);
	st.renew_at = st.check_at = 99999999999ULL;      /* year 5138 */
	{
		char rec[256];
		long n = renew_format(&st, rec, sizeof rec);

		CHECK(n > 0 && fs_blob_put(&S, ACME_STORE_STATE, rec,
		    (size_t)n) == 0);
	}
	advance(70 * DAY);
	fs_clear_stats(&S);
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	CHECK(S.norder == 2 && pair_ok());
	state(&st);
	CHECK(st.renew_at < unix_now() + 90 * DAY);
}

static uint64_t
no_clock(void *ctx)
{
	(void)ctx;
	return 0;
}

/* What makes a stored pair unusable: each is renewed at once. */
static void
test_unusable(void)
{
	static const char junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n";
	const unsigned char *d;
	unsigned char other[FS_BLOB_CAP];
	long n;
	int r;

	/* stored for one name, configured for two */
	srv(3100, 1);
	CHECK(boot(1, 1) == ACME_OK);
	fs_clear_stats(&S);
	r = boot(1, 2);
	CHECKF(r == ACME_OK && S.norder == 2, "more names: %s",
	    acme_strerror(r));
	/* ... and back to one: the two-name certificate is not exact */
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_OK && S.norder == 3);
	/* a key that is not the certificate's */
	n = fs_blob(&S, ACME_STORE_ACCOUNT_KEY, &d);
	memcpy(other, d, (size_t)n);
	fs_blob_put(&S, ACME_STORE_CERT_KEY, other, (size_t)n);
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_OK && S.norder == 4 && pair_ok());
	/* a cut chain */
	fs_blob_put(&S, ACME_STORE_CERT, junk, sizeof junk - 1);
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_OK && S.norder == 5 && pair_ok());
	/* expired (the clock went past notAfter) */
	advance(91 * DAY);
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_OK && S.norder == 6 && pair_ok());
	/* no wall clock: say so, no guess, no request */
	fs_clear_stats(&S);
	P.unix_time = no_clock;
	r = boot(1, 1);
	fs_port(&S, &P);
	CHECKF(r == ACME_ERR_TIME, "%s", acme_strerror(r));
	CHECK(strstr(acme_message(&C), "wall clock") != NULL);
	CHECK(S.requests == 0 && S.connects == 0);
}

/*
 * A stored chain longer than the response window (read back in pieces):
 * good, it costs no request; damaged in its middle or at its end, or
 * longer than any chain picoacme stores, it is renewed.  After
 * ACME_FRESH the leaf is the stored one.
 */
static void
test_long_stored(void)
{
	static unsigned char chain[FS_BLOB_CAP], bad[FS_BLOB_CAP];
	static const struct {
		const char *what;
		int how;                /* 0 a bad byte halfway, 1 the end cut,
		                         * 2 padded past ACME_MAX_CHAIN */
	} damage[] = {
		{ "a bad byte halfway", 0 },
		{ "the last certificate cut", 1 },
		{ "longer than ACME_MAX_CHAIN", 2 },
	};
	struct buf leaf;
	const unsigned char *d, *l;
	size_t len, i, j, ll;
	long n;
	int r;

	if (3 * ACME_MAX_RESPONSE + 1000 > ACME_MAX_CHAIN)
		return;                 /* not in this configuration */
	T_CASE("%s: good, no request", __func__);
	srv(3150, 1);
	S.chain_min = 3 * ACME_MAX_RESPONSE + 1000;
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "first boot: %s", acme_message(&C));
	n = fs_blob(&S, ACME_STORE_CERT, &d);
	CHECKF(n > 3 * ACME_MAX_RESPONSE && pair_ok(), "stored %ld", n);
	if (n <= 0)
		return;
	len = (size_t)n;
	memcpy(chain, d, len);
	fs_clear_stats(&S);
	ST.loads_at = 0;
	advance(DAY);
	r = boot(1, 1);
	CHECKF(r == ACME_FRESH, "%s: %s", acme_strerror(r),
	    acme_message(&C));
	CHECK(S.connects == 0 && S.requests == 0 && S.norder == 1);
	CHECKF(ST.loads_at > len / ACME_MAX_RESPONSE, "%u load_at() calls",
	    ST.loads_at);
	l = acme_certificate_leaf(&C, &ll);
	CHECK(pem_der(chain, len, "CERTIFICATE", &leaf) == 0 && l != NULL &&
	    ll == leaf.len && memcmp(l, leaf.d, ll) == 0);

	for (i = 0; i < sizeof damage / sizeof damage[0]; i++) {
		T_CASE("%s: %s", __func__, damage[i].what);
		n = fs_blob(&S, ACME_STORE_CERT, &d);
		CHECK(n > 200);
		if (n <= 200)
			return;
		len = (size_t)n;
		memcpy(bad, d, len);
		if (damage[i].how == 0) {
			/* a base64 character of a line in the middle */
			for (j = len / 2; j < len && (bad[j] == '\n' ||
			    bad[j] == '-' || bad[j - 1] == '\n'); j++)
				;
			if (j < len)
				bad[j] = '*';
		} else if (damage[i].how == 1) {
			len -= 100;
		} else {
			while (len <= ACME_MAX_CHAIN)
				bad[len++] = '\n';
		}
		CHECK(fs_blob_put(&S, ACME_STORE_CERT, bad, len) == 0);
		fs_clear_stats(&S);
		r = boot(1, 1);
		CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r),
		    acme_message(&C));
		CHECK(S.requests > 0 && S.norder == i + 2 && pair_ok());
		n = fs_blob(&S, ACME_STORE_CERT, &d);
		CHECK(n > 3 * ACME_MAX_RESPONSE && (size_t)n == strlen(
		    fs_order_chain(&S, S.norder)) &&
		    memcmp(d, fs_order_chain(&S, S.norder), (size_t)n) == 0);
		/* and good again at the next boot */
		fs_clear_stats(&S);
		CHECK(boot(1, 1) == ACME_FRESH && S.requests == 0);
	}
}

/* ARI (RFC 9773): the CA's window decides, asked again after its
 * Retry-After; a renewal says which certificate it replaces. */
static void
test_ari(void)
{
	struct renew_state st;
	char id[RENEW_CERT_ID_MAX + 1];
	uint64_t now;
	int r;

	srv(3200, 1);
	S.ari = 1;
	S.ari_start = unix_now() + 40 * DAY;
	S.ari_end = unix_now() + 41 * DAY;
	S.ari_retry = 3 * 3600;
	CHECK(boot(1, 1) == ACME_OK);
	state(&st);
	CHECK(st.ari == 1 && st.cert[0] != 0);
	/* no renewalInfo asked at issuance: the next check in 6 hours */
	CHECK(S.ep_count[FS_EP_ARI] == 0);
	CHECK(st.check_at == unix_now() + RENEW_ARI_RETRY_DEFAULT_S);
	snprintf(id, sizeof id, "%s", st.cert);

	/* before the check: nothing */
	advance(3600);
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_FRESH && S.requests == 0);
	/* after it: the directory and renewalInfo, nothing else; the
	 * moment is in the window, the next check after Retry-After */
	advance(6 * 3600);
	fs_clear_stats(&S);
	r = boot(1, 1);
	now = unix_now();
	CHECKF(r == ACME_FRESH, "%s: %s", acme_strerror(r), acme_message(&C));
	CHECKF(S.requests == 2 && S.ep_count[FS_EP_DIR] == 1 &&
	    S.ep_count[FS_EP_ARI] == 1, "requests %u", S.requests);
	CHECK(strcmp(S.ari_asked, id) == 0);
	state(&st);
	CHECK(st.renew_at >= S.ari_start && st.renew_at < S.ari_end);
	CHECK(st.check_at == now + 3 * 3600);
	CHECK(acme_next_check(&C) == now + 3 * 3600);
	CHECK(st.failures == 0 && st.not_before == 0);
	/* inside the Retry-After: nothing */
	advance(3600);
	fs_clear_stats(&S);
	CHECK(boot(1, 1) == ACME_FRESH && S.requests == 0);

	/* The CA moves the window into the past (a revocation, say): the
	 * next check renews at once, replacing the old certificate. */
	S.ari_start = unix_now() - 2 * DAY;
	S.ari_end = unix_now() - DAY;
	advance(3 * 3600);
	fs_clear_stats(&S);
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.ep_count[FS_EP_ARI] == 1 && S.norder == 2);
	CHECKF(strcmp(S.order[1].replaces, id) == 0, "replaces '%s'",
	    S.order[1].replaces);
	CHECK(pair_ok());
	CHECKF(S.violations == 0, "%s", S.violation);

	/* RFC 9773 7.4: the CA already holds a replacement order for the
	 * old certificate (its certificate was lost to a power cut or a
	 * full disk before it was stored): the run orders again at once
	 * without "replaces", instead of failing every run until expiry. */
	srv(3202, 1);
	S.ari = 1;
	S.ari_start = unix_now() + 40 * DAY;
	S.ari_end = unix_now() + 41 * DAY;
	CHECK(boot(1, 1) == ACME_OK);
	S.ari_start = unix_now() - 2 * DAY;
	S.ari_end = unix_now() - DAY;
	S.already_replaced = 1;
	advance(7 * 3600);
	fs_clear_stats(&S);
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	CHECKF(S.ep_count[FS_EP_ORDER] == 2 && S.norder == 2,
	    "newOrder %u, orders %u", S.ep_count[FS_EP_ORDER], S.norder);
	CHECKF(S.order[1].replaces[0] == 0, "replaces '%s'",
	    S.order[1].replaces);
	CHECK(pair_ok());
	state(&st);
	CHECK(st.failures == 0 && st.not_before == 0);

	/* A CA whose renewalInfo fails: the lifetime decides, asked
	 * again in six hours (RFC 9773 4.3.3); no error. */
	srv(3201, 1);
	S.ari = 1;
	S.ari_status = 500;
	CHECK(boot(1, 1) == ACME_OK);
	advance(7 * 3600);
	fs_clear_stats(&S);
	r = boot(1, 1);
	CHECKF(r == ACME_FRESH, "%s: %s", acme_strerror(r), acme_message(&C));
	state(&st);
	CHECK(st.check_at == unix_now() + RENEW_ARI_RETRY_DEFAULT_S);
	CHECK(st.renew_at > unix_now() + 50 * DAY);
}

/* A Retry-After longer than a run waits, and repeated failures, are kept
 * across boots: no request before they end. */
static void
test_backoff(void)
{
	static const struct {
		int as_date;
		long seconds;
		uint32_t max_wait;
	} tc[] = { { 0, 7200, 0 }, { 1, 7200, 0 }, { 0, 45 * DAY, 0 },
	    /* shorter than the backoff of a failure: the CA's word */
	    { 0, 5, 1 }, { 1, 5, 1 } };
	struct renew_state st;
	uint64_t t, prev_gap = 0, gap;
	unsigned i, k;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("%s[%u]", __func__, i);
		srv(3300 + i, 1);
		S.retry_as_date = tc[i].as_date;
		fs_add_rule(&S, FS_EP_ORDER, 1, 1, FS_ACT_STATUS, 429,
		    tc[i].seconds, NULL);
		t = unix_now();
		cfg_max_wait = tc[i].max_wait;
		r = boot(1, 1);
		cfg_max_wait = 0;
		CHECKF(r == ACME_ERR_SERVER, "%s", acme_strerror(r));
		CHECK(S.ep_count[FS_EP_ORDER] == 1);   /* not waited for */
		state(&st);
		/* the CA's word, up to ACME_NOT_BEFORE_MAX_S */
		CHECKF(st.not_before + 1 >= t + (tc[i].seconds >
		    ACME_NOT_BEFORE_MAX_S ? ACME_NOT_BEFORE_MAX_S :
		    tc[i].seconds) && st.not_before <= t +
		    (uint64_t)tc[i].seconds + 2, "not_before - now %lld",
		    (long long)(st.not_before - t));
		CHECK(acme_next_check(&C) == st.not_before);
		/* a reboot inside: no request at all */
		advance((uint64_t)tc[i].seconds / 2);
		fs_clear_stats(&S);
		r = boot(1, 1);
		CHECKF(r == ACME_ERR_BACKOFF && S.requests == 0 &&
		    S.connects == 0, "%s, %u requests", acme_strerror(r),
		    S.requests);
		CHECK(strstr(acme_message(&C), "backing off") != NULL);
		CHECK(acme_next_check(&C) == st.not_before);
		/* after it: one issuance */
		S.now = (st.not_before - FS_T0 + 1) * 1000;
		S.nrules = 0;
		fs_clear_stats(&S);
		r = boot(1, 1);
		CHECKF(r == ACME_OK, "after: %s", acme_message(&C));
		CHECK(S.ep_count[FS_EP_ORDER] == 1 && pair_ok());
		state(&st);
		CHECK(st.failures == 0 && st.not_before == 0);
		CHECK(S.violations == 0);
	}

	/* A CA that never answers: exponential, with jitter, capped at a
	 * day; one attempt per period. */
	T_CASE("%s unreachable", __func__);
	srv(3310, 1);
	S.refuse_connect = 1000000;
	for (k = 1; k <= 14; k++) {
		unsigned before = 1000000 - (unsigned)S.refuse_connect;

		r = boot(1, 1);
		CHECK(r == ACME_ERR_NET);
		CHECKF(1000000 - (unsigned)S.refuse_connect - before ==
		    ACME_NET_RETRIES + 1, "run %u: attempts", k);
		state(&st);
		CHECK(st.failures == k);
		gap = st.not_before - unix_now();
		CHECKF(gap >= RENEW_BACKOFF_BASE_S / 2 &&
		    gap <= RENEW_BACKOFF_MAX_S && (k < 2 ||
		    gap >= prev_gap / 2), "run %u: backoff %llu s", k,
		    (unsigned long long)gap);
		prev_gap = gap;
		/* a boot loop inside the period costs the CA nothing */
		r = boot(1, 1);
		CHECK(r == ACME_ERR_BACKOFF);
		S.now = (st.not_before - FS_T0) * 1000;
	}
	CHECKF(prev_gap >= RENEW_BACKOFF_MAX_S / 2, "final backoff %llu s",
	    (unsigned long long)prev_gap);

	/* A Retry-After within max_retry_wait_s is sat out whole, not cut
	 * to ACME_RETRY_AFTER_MAX_S: nothing is resent inside it. */
	T_CASE("%s wait within max_retry_wait_s", __func__);
	srv(3311, 1);
	fs_add_rule(&S, FS_EP_ORDER, 1, 1, FS_ACT_STATUS, 503, 300, NULL);
	cfg_max_wait = 600;
	r = boot(1, 1);
	cfg_max_wait = 0;
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	{
		int a = fs_find(&S, FS_EP_ORDER, 0);
		int b = fs_find(&S, FS_EP_ORDER, 1);

		CHECK(a >= 0 && b >= 0);
		if (a >= 0 && b >= 0) {
			gap = S.log[b].t_ms - S.log[a].t_ms;
			CHECKF(gap >= 300000 && gap < 302000,
			    "newOrder resent after %llu ms, asked 300 s",
			    (unsigned long long)gap);
		}
	}

	/* The wall clock ran years ahead during one failed attempt (RTC
	 * garbage, a bad time source), then was put right: the "not
	 * before" written then cannot hold renewals off for years. */
	T_CASE("%s clock once years ahead", __func__);
	srv(3312, 1);
	S.time_limit_ms = 6 * 365 * DAY * 1000;
	CHECK(boot(1, 1) == ACME_OK);
	t = S.now;
	S.now = t + 5 * 365 * DAY * 1000;
	S.refuse_connect = 1000000;
	r = boot(1, 1);
	CHECKF(r == ACME_ERR_NET, "%s", acme_strerror(r));
	state(&st);
	CHECK(st.not_before > unix_now());
	S.refuse_connect = 0;
	S.now = t + 85 * DAY * 1000;               /* due, not expired */
	fs_clear_stats(&S);
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "%s: %s", acme_strerror(r), acme_message(&C));
	CHECK(S.ep_count[FS_EP_ORDER] == 1 && pair_ok());
	state(&st);
	CHECK(st.failures == 0 && st.not_before == 0);
}

/*
 * A power cut at every storage step of a renewal, and a failed write at
 * every step: after the "reboot" the old pair or the new pair is stored,
 * matching, never a mix and never nothing; a boot loop after a cut costs
 * the CA nothing until the backoff ends.
 */
static void
test_power_cut(void)
{
	struct pair old;
	struct renew_state st;
	unsigned k, ops, broken = 0, olds = 0, news = 0, runs = 0;
	int r, mode;

	for (mode = 0; mode < 2; mode++) {
		for (k = 1; ; k++) {
			T_CASE("%s %s at op %u", __func__, mode ? "fail" :
			    "cut", k);
			srv(3400, 1);
			CHECK(boot(1, 1) == ACME_OK);
			pair_save(&old);
			S.now += 80 * DAY * 1000;   /* due */
			ops = ST.ops;
			if (mode)
				S.store_fail_at = ops + k;
			else
				S.store_cut_at = ops + k;
			r = boot(1, 1);
			runs++;
			if (ST.ops < ops + k) {
				/* the renewal made fewer storage steps */
				CHECKF(r == ACME_OK, "op %u: %s", k,
				    acme_message(&C));
				break;
			}
			/* the reboot: power back, the same storage */
			S.runaway = 0;
			S.store_cut_at = S.store_fail_at = 0;
			if (!pair_ok())
				broken++;
			else if (pair_is(&old))
				olds++;
			else
				news++;
			CHECKF(pair_ok(), "%s at op %u (%s): the pair is "
			    "broken", mode ? "fail" : "cut", k,
			    ST.seq[ST.stores < 16 ? ST.stores - 1 : 15]);
			/* the account key never changes */
			state(&st);
			if (!mode && pair_is(&old)) {
				/* cut before the commit: the attempt is on
				 * record (when it could be written), and a
				 * boot loop waits for it */
				fs_clear_stats(&S);
				r = boot(1, 1);
				CHECKF(r == ACME_ERR_BACKOFF ||
				    (st.not_before == 0 && r == ACME_OK),
				    "reboot after cut %u: %s", k,
				    acme_strerror(r));
				if (r == ACME_ERR_BACKOFF)
					CHECK(S.requests == 0);
			}
		}
		CHECKF(k > 4, "%s: only %u storage steps", mode ? "fail" :
		    "cut", k);
	}
	printf("ensure: power cut or failed write at every storage step of "
	    "a renewal: %u runs, %u kept the old pair, %u the new, %u "
	    "broken\n", runs, olds, news, broken);
	CHECK(broken == 0 && olds > 0 && news > 0);
}

/* Nothing is ordered when the state cannot be written. */
static void
test_read_only(void)
{
	int r;

	srv(3500, 1);
	S.store_fail_at = 2;           /* account.key, then the state */
	r = boot(1, 1);
	CHECKF(r == ACME_ERR_STORAGE, "%s", acme_strerror(r));
	CHECK(strstr(acme_message(&C), "writable") != NULL);
	CHECK(S.requests == 0 && S.norder == 0);
	/* every storage operation fails: nothing either */
	srv(3501, 1);
	S.store_fail_at = 1;
	r = boot(1, 1);
	CHECK(r == ACME_ERR_STORAGE && S.requests == 0);
}

/* Certificate profiles from the directory's meta.profiles. */
static void
test_profiles(void)
{
	int r;

	srv(3600, 1);
	S.profiles = "{\"classic\":\"the usual\",\"shortlived\":\"6 days\"}";
	cfg_profile = "shortlived";
	r = boot(1, 1);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(strcmp(S.order[0].profile, "shortlived") == 0);
	CHECK(S.violations == 0);
	/* a name the CA does not list: before any order */
	srv(3601, 1);
	S.profiles = "{\"classic\":\"the usual\",\"shortlived\":\"6 days\"}";
	cfg_profile = "tiny";
	r = boot(1, 1);
	CHECKF(r == ACME_ERR_PARAM, "%s", acme_strerror(r));
	CHECK(strstr(acme_message(&C), "tiny") != NULL);
	CHECK(S.norder == 0 && S.ep_count[FS_EP_ACCOUNT] == 0);
	/* a CA with no profiles at all */
	srv(3602, 1);
	cfg_profile = "classic";
	r = boot(1, 1);
	CHECK(r == ACME_ERR_PARAM && S.norder == 0);
	cfg_profile = NULL;
	/* without a profile: none is sent */
	srv(3603, 1);
	S.profiles = "{\"classic\":\"the usual\"}";
	CHECK(boot(1, 1) == ACME_OK && S.order[0].profile[0] == 0);
}

int
main(void)
{
	T_RUN(test_cert_id);
	T_RUN(test_times);
	T_RUN(test_backoff_math);
	T_RUN(test_record);
	T_RUN(test_fresh);
	T_RUN(test_unusable);
	T_RUN(test_long_stored);
	T_RUN(test_ari);
	T_RUN(test_backoff);
	T_RUN(test_power_cut);
	T_RUN(test_read_only);
	T_RUN(test_profiles);
	return t_done("ensure");
}
