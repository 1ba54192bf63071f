/*
 * test_ta.c -- trust anchors from PEM text into caller storage
 * (core/ta.c, ta_from_pem).
 *
 * bundle: Debian's Mozilla roots (/usr/share/ca-certificates/mozilla,
 * every file concatenated, some 140 RSA and EC roots): the size query
 * counts every certificate, and each anchor equals what a one-shot
 * decode of that certificate's DER gives (DN, key, CA flag) -- the
 * streamed path against the plain one, done here with malloc.
 *
 * sizes: the storage exactly as the size query said works; one anchor
 * or one pool byte less is ACME_ERR_TOO_LARGE.
 *
 * errors: a table of texts (empty, no certificate, a key only, a cut
 * certificate, a missing END line, garbage in the base64, DER that is
 * not a certificate, a good one then a cut one, 1000 bytes after a
 * certificate's DER: fuzz_chain's crash) with the error and the
 * count of certificates before the failing one; a missing final newline
 * and objects of other kinds are accepted.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bearssl.h>
#include "acme.h"
#include "ta.h"
#include "fake_certs.h"
#include "t.h"

/* A growing byte buffer (the test may allocate; core may not). */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void
buf_add(void *ctx, const void *data, size_t len)
{
	struct buf *b = ctx;

	if (b->len + len + 1 > b->cap) {
		b->cap = (b->len + len + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = 0;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* der as PEM (label), appended to b. */
static void
buf_pem(struct buf *b, const char *label, const void *der, size_t len)
{
	size_t n = br_pem_encode(NULL, der, len, label, BR_PEM_LINE64);
	char *s = malloc(n + 1);

	if (s == NULL)
		abort();
	br_pem_encode(s, der, len, label, BR_PEM_LINE64);
	buf_add(b, s, n);
	free(s);
}

/* Every Mozilla root Debian ships, concatenated; 0 files when absent. */
static size_t
bundle(struct buf *b)
{
	glob_t g;
	size_t i, k = 0;

	if (glob("/usr/share/ca-certificates/mozilla/*.crt", 0, NULL,
	    &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "rb");
		unsigned char chunk[4096];
		size_t n;

		if (f == NULL)
			continue;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			buf_add(b, chunk, n);
		fclose(f);
		k++;
	}
	globfree(&g);
	return k;
}

/* The reference: one-shot decode of one DER certificate, compared with
 * anchor a.  1 when equal. */
static int
same_as_oneshot(const br_x509_trust_anchor *a, const unsigned char *der,
    size_t len)
{
	br_x509_decoder_context dc;
	struct buf dn = { NULL, 0, 0 };
	const br_x509_pkey *pk;
	int ok;

	br_x509_decoder_init(&dc, buf_add, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	ok = pk != NULL && a->dn.len == dn.len &&
	    memcmp(a->dn.data, dn.p, dn.len) == 0 &&
	    a->flags == (br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0u) &&
	    a->pkey.key_type == pk->key_type;
	if (ok && pk->key_type == BR_KEYTYPE_RSA)
		ok = a->pkey.key.rsa.nlen == pk->key.rsa.nlen &&
		    a->pkey.key.rsa.elen == pk->key.rsa.elen &&
		    memcmp(a->pkey.key.rsa.n, pk->key.rsa.n,
		    pk->key.rsa.nlen) == 0 &&
		    memcmp(a->pkey.key.rsa.e, pk->key.rsa.e,
		    pk->key.rsa.elen) == 0;
	else if (ok)
		ok = a->pkey.key.ec.curve == pk->key.ec.curve &&
		    a->pkey.key.ec.qlen == pk->key.ec.qlen &&
		    memcmp(a->pkey.key.ec.q, pk->key.ec.q,
		    pk->key.ec.qlen) == 0;
	free(dn.p);
	return ok;
}

/* The DER of every CERTIFICATE of a PEM text, in order, as offsets into
 * one buffer: ders->p holds them, at[i]..at[i+1] is number i. */
static size_t
split_certs(const char *pem, size_t len, struct buf *ders, size_t *at,
    size_t max)
{
	br_pem_decoder_context pc;
	size_t n = 0;
	int in = 0;

	br_pem_decoder_init(&pc);
	at[0] = 0;
	while (len > 0) {
		size_t k = br_pem_decoder_push(&pc, pem, len);

		pem += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in = strcmp(br_pem_decoder_name(&pc),
			    "CERTIFICATE") == 0;
			br_pem_decoder_setdest(&pc, in ? buf_add : NULL, ders);
			break;
		case BR_PEM_END_OBJ:
			if (in && n < max)
				at[++n] = ders->len;
			in = 0;
			break;
		default:
			break;
		}
	}
	return n;
}

/* Decode text with storage of exactly the asked size; ACME_OK or not. */
static int
decode_sized(const char *text, size_t len, size_t n, size_t plen,
    br_x509_trust_anchor **tas, unsigned char **pool, size_t *got)
{
	int r;

	*tas = calloc(n ? n : 1, sizeof **tas);
	*pool = malloc(plen ? plen : 1);
	if (*tas == NULL || *pool == NULL)
		abort();
	*got = n;
	r = ta_from_pem(*tas, got, *pool, &plen, text, len);
	return r;
}

static void
test_bundle(void)
{
	struct buf b = { NULL, 0, 0 }, ders = { NULL, 0, 0 };
	size_t files = bundle(&b), n = 0, plen = 0, got, i, ncert;
	size_t at[512];
	br_x509_trust_anchor *tas;
	unsigned char *pool;
	int r;

	CHECKF(files > 100, "%zu files in Debian's Mozilla bundle", files);
	if (files == 0)
		return;
	ncert = split_certs((char *)b.p, b.len, &ders, at, 511);
	CHECKF(ncert == files, "%zu certificates, %zu files", ncert, files);
	r = ta_from_pem(NULL, &n, NULL, &plen, (char *)b.p, b.len);
	CHECKF(r == ACME_OK && n == ncert, "size query: %d, %zu anchors",
	    r, n);
	CHECK(plen > n * 64);
	r = decode_sized((char *)b.p, b.len, n, plen, &tas, &pool, &got);
	CHECKF(r == ACME_OK && got == n, "decode: %d, %zu anchors", r, got);
	for (i = 0; r == ACME_OK && i < got && i < ncert; i++) {
		const br_x509_trust_anchor *a = &tas[i];

		CHECKF(same_as_oneshot(a, ders.p + at[i], at[i + 1] - at[i]),
		    "anchor %zu differs from the one-shot decode", i);
		CHECK(a->dn.data >= pool && a->dn.data + a->dn.len <=
		    pool + plen);
	}
	free(tas);
	free(pool);
	free(b.p);
	free(ders.p);
}

/* Exactly sized storage works; one anchor or one pool byte less not. */
static void
test_sizes(void)
{
	struct buf b = { NULL, 0, 0 };
	size_t n = 0, plen = 0, got, p2;
	br_x509_trust_anchor *tas;
	unsigned char *pool;

	buf_pem(&b, "CERTIFICATE", fs_ca_der, sizeof fs_ca_der);
	buf_pem(&b, "CERTIFICATE", fs_srv_der, sizeof fs_srv_der);
	CHECK(ta_from_pem(NULL, &n, NULL, &plen, (char *)b.p, b.len) ==
	    ACME_OK && n == 2);
	CHECK(decode_sized((char *)b.p, b.len, n, plen, &tas, &pool,
	    &got) == ACME_OK && got == 2);
	CHECK(tas[0].flags == BR_X509_TA_CA && tas[1].flags == 0);
	CHECK(tas[0].pkey.key_type == BR_KEYTYPE_EC &&
	    same_as_oneshot(&tas[0], fs_ca_der, sizeof fs_ca_der) &&
	    same_as_oneshot(&tas[1], fs_srv_der, sizeof fs_srv_der));
	/* one pool byte short */
	got = n;
	p2 = plen - 1;
	CHECK(ta_from_pem(tas, &got, pool, &p2, (char *)b.p, b.len) ==
	    ACME_ERR_TOO_LARGE && p2 == plen - 1);
	/* one anchor short */
	got = n - 1;
	p2 = plen;
	CHECK(ta_from_pem(tas, &got, pool, &p2, (char *)b.p, b.len) ==
	    ACME_ERR_TOO_LARGE && got == 1);
	/* no anchor at all */
	got = 0;
	CHECK(ta_from_pem(tas, &got, pool, &p2, (char *)b.p, b.len) ==
	    ACME_ERR_TOO_LARGE && got == 0);
	/* the pool the size query asked for, for the first certificate */
	got = n;
	p2 = plen;
	CHECK(ta_from_pem(tas, &got, pool, &p2, (char *)b.p, b.len) ==
	    ACME_OK && p2 == plen);
	free(tas);
	free(pool);
	free(b.p);
}

/* The ways a text can be wrong, and two that are right. */
static void
test_errors(void)
{
	static const char key[] = "-----BEGIN EC PRIVATE KEY-----\n"
	    "AAAA\n-----END EC PRIVATE KEY-----\n";
	struct buf ca = { NULL, 0, 0 };
	unsigned char bad[sizeof fs_ca_der];
	struct {
		const char *what;
		int err;            /* expected result */
		size_t n;           /* anchors, or certificates before */
	} rows[] = {
		{ "empty", ACME_ERR_PARAM, 0 },
		{ "plain text", ACME_ERR_PARAM, 0 },
		{ "a key only", ACME_ERR_PARAM, 0 },
		{ "cut in the base64", ACME_ERR_CRYPTO, 0 },
		{ "no END line", ACME_ERR_CRYPTO, 0 },
		{ "garbage in the base64", ACME_ERR_CRYPTO, 0 },
		{ "DER that is not a certificate", ACME_ERR_CRYPTO, 0 },
		{ "a good one, then a cut one", ACME_ERR_CRYPTO, 1 },
		{ "no final newline", ACME_OK, 1 },
		{ "a key, then a certificate", ACME_OK, 1 },
		/* fuzz_chain's crash: pushed again after its end, BearSSL's
		 * decoder read through a null pointer */
		{ "1000 bytes after a certificate's DER", ACME_ERR_CRYPTO, 0 },
		{ "a good one, then one with bytes after it", ACME_ERR_CRYPTO,
		    1 },
	};
	static unsigned char trail[sizeof fs_srv_der + 1000];
	size_t i;

	buf_pem(&ca, "CERTIFICATE", fs_ca_der, sizeof fs_ca_der);
	memcpy(bad, fs_ca_der, sizeof bad);
	bad[0] = 0x31;                  /* a SET, not a SEQUENCE */
	memcpy(trail, fs_srv_der, sizeof fs_srv_der);
	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct buf t = { NULL, 0, 0 };
		br_x509_trust_anchor tas[4];
		unsigned char pool[2048];
		size_t n = 4, plen = sizeof pool, qn = 0, qp = 0;
		int r, q;

		T_CASE("errors: %s", rows[i].what);
		buf_str(&t, "");
		switch (i) {
		case 1: buf_str(&t, "hello\n"); break;
		case 2: buf_str(&t, key); break;
		case 3: buf_add(&t, ca.p, ca.len / 2); break;
		case 4: buf_add(&t, ca.p, strstr((char *)ca.p, "-----END") -
		    (char *)ca.p); break;
		case 5: buf_add(&t, ca.p, ca.len);
			t.p[40] = '!';
			break;
		case 6: buf_pem(&t, "CERTIFICATE", bad, sizeof bad); break;
		case 7: buf_add(&t, ca.p, ca.len);
			buf_add(&t, ca.p, ca.len - 40);
			break;
		case 8: buf_add(&t, ca.p, ca.len - 1); break;
		case 9: buf_str(&t, key);
			buf_add(&t, ca.p, ca.len);
			break;
		case 10: buf_pem(&t, "CERTIFICATE", trail, sizeof trail);
			break;
		case 11: buf_add(&t, ca.p, ca.len);
			buf_pem(&t, "CERTIFICATE", trail, sizeof trail);
			break;
		default: break;
		}
		r = ta_from_pem(tas, &n, pool, &plen, (char *)t.p, t.len);
		q = ta_from_pem(NULL, &qn, NULL, &qp, (char *)t.p, t.len);
		CHECKF(r == rows[i].err && n == rows[i].n,
		    "got %d with %zu, want %d with %zu", r, n, rows[i].err,
		    rows[i].n);
		CHECKF(q == rows[i].err && qn == rows[i].n,
		    "size query: got %d with %zu", q, qn);
		if (r == ACME_OK)
			CHECK(same_as_oneshot(&tas[0], fs_ca_der,
			    sizeof fs_ca_der) && plen == qp);
		else
			CHECK(plen == sizeof pool);
		free(t.p);
	}
	T_CASE("errors: NULL arguments");
	{
		size_t n = 1;

		CHECK(ta_from_pem(NULL, NULL, NULL, &n, "", 0) ==
		    ACME_ERR_PARAM);
		CHECK(ta_from_pem(NULL, &n, NULL, NULL, "", 0) ==
		    ACME_ERR_PARAM);
		CHECK(ta_from_pem(NULL, &n, NULL, &n, NULL, 5) ==
		    ACME_ERR_PARAM);
	}
	free(ca.p);
}

int
main(void)
{
	T_RUN(test_bundle);
	T_RUN(test_sizes);
	test_errors();
	return t_done("ta");
}
