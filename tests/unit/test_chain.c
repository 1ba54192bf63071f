/*
 * test_chain.c -- the issued chain's PEM check (core/chain.c) on text
 * that is not what a CA sends: bytes after a certificate's DER inside its
 * PEM object (fuzz_chain's crash: BearSSL's X.509 decoder, pushed again
 * after it had finished, read through a null pointer), DER that fails
 * early followed by more, and a whole certificate as the control.  Each
 * text is fed whole and one byte at a time.  With ACME_ALT_CHAINS, the
 * topmost issuer's CN (top_issuer) of chains built here: names with and
 * without a CN, control bytes, a CN over 64 bytes, v1, an issuer pushed
 * past CHAIN_HEAD by a long serial.
 */
#include <string.h>
#include <bearssl.h>
#include "chain.h"
#include "der.h"
#include "fake_certs.h"
#include "t.h"

static char text[4096];
static size_t text_len;

static void
text_add(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	if (len > sizeof text - 1 - text_len)
		len = sizeof text - 1 - text_len;
	memcpy(text + text_len, data, len);
	text_len += len;
}

/* der[0..len) as one CERTIFICATE object, appended to text. */
static void
text_pem(const unsigned char *der, size_t len)
{
	static char pem[4096];
	size_t n = br_pem_encode(pem, der, len, "CERTIFICATE",
	    BR_PEM_LINE64);

	text_add(NULL, pem, n);
}

#if ACME_ALT_CHAINS
/* Prepend a Name: the attributes (OID content, value) in order; an OID
 * of NULL ends the list. */
static void
name_put(struct der_w *w, const char *const *attr)
{
	static const uint8_t cn[] = { 0x55, 0x04, 0x03 }, o[] = { 0x55,
	    0x04, 0x0A };
	size_t m = der_len(w), m2, n;

	for (n = 0; attr[n] != NULL; n += 2)
		;
	while (n > 0) {
		n -= 2;
		m2 = der_len(w);
		der_prim(w, DER_UTF8_STRING, attr[n + 1], strlen(attr[n + 1]));
		der_prim(w, DER_OID, attr[n][0] == 'O' ? o : cn, 3);
		der_wrap(w, DER_SEQUENCE, m2);
		der_wrap(w, DER_SET, m2);
	}
	der_wrap(w, DER_SEQUENCE, m);
}

/*
 * A certificate (not signed: the check does not verify signatures) with
 * the issuer attr (pairs "CN"/"O", value), serial of slen bytes, v3 or
 * v1, the fixture's P-256 key, into out; its length.
 */
static size_t
cert_make(unsigned char *out, size_t cap, const char *const *attr,
    size_t slen, int v1)
{
	static const uint8_t sig[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
	    0x03, 0x02 }, ecpk[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 },
	    p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07 };
	static const char *const subj[] = { "CN", "sub", NULL };
	static uint8_t tbs[2048], serial[600], q[65];
	const uint8_t *p;
	struct der_w w;
	size_t m, m2, m3, len;
	uint8_t v = 2;

	memset(serial, 0x11, sizeof serial);
	q[0] = 4;
	memset(q + 1, 0x22, 64);
	der_init(&w, tbs, sizeof tbs);
	m = der_len(&w);
	m2 = der_len(&w);
	der_bits(&w, q, sizeof q);
	m3 = der_len(&w);
	der_prim(&w, DER_OID, p256, sizeof p256);
	der_prim(&w, DER_OID, ecpk, sizeof ecpk);
	der_wrap(&w, DER_SEQUENCE, m3);
	der_wrap(&w, DER_SEQUENCE, m2);
	name_put(&w, subj);
	m2 = der_len(&w);
	der_prim(&w, DER_UTC_TIME, "491231235959Z", 13);
	der_prim(&w, DER_UTC_TIME, "200101000000Z", 13);
	der_wrap(&w, DER_SEQUENCE, m2);
	name_put(&w, attr);
	m2 = der_len(&w);
	der_prim(&w, DER_OID, sig, sizeof sig);
	der_wrap(&w, DER_SEQUENCE, m2);
	der_prim(&w, DER_INTEGER, serial, slen);
	if (!v1) {
		m2 = der_len(&w);
		der_prim(&w, DER_INTEGER, &v, 1);
		der_wrap(&w, DER_CONTEXT(0), m2);
	}
	der_wrap(&w, DER_SEQUENCE, m);
	if (der_finish(&w, &p, &len) != 0)
		return 0;
	der_init(&w, out, cap);
	der_bits(&w, q, 64);
	m2 = der_len(&w);
	der_prim(&w, DER_OID, sig, sizeof sig);
	der_wrap(&w, DER_SEQUENCE, m2);
	der_raw(&w, p, len);
	der_wrap(&w, DER_SEQUENCE, 0);
	if (der_finish(&w, &p, &len) != 0)
		return 0;
	memmove(out, p, len);
	return len;
}

/* The chain's topmost issuer as chain.c reads it. */
static void
test_top_issuer(void)
{
	static const char c64[] = "0123456789012345678901234567890123456789"
	    "012345678901234567890123";
	static const char *const a_root[] = { "CN", "Root A", NULL },
	    *const a_org[] = { "O", "Org", "CN", "Root B", NULL },
	    *const a_two[] = { "CN", "first", "O", "x", "CN", "last", NULL },
	    *const a_none[] = { "O", "Org only", NULL },
	    *const a_ctl[] = { "CN", "a\001b\177c", NULL },
	    *const a_64[] = { "CN", c64, NULL },
	    *const a_65[] = { "CN", "0123456789012345678901234567890123456789"
	    "0123456789012345678901234X", NULL },
	    *const a_leaf[] = { "CN", "leaf issuer", NULL };
	static const struct {
		const char *what;
		const char *const *attr;
		size_t slen;
		int v1;
		const char *want;
	} rows[] = {
		{ "one CN", a_root, 8, 0, "Root A" },
		{ "O then CN", a_org, 8, 0, "Root B" },
		{ "two CNs: the last", a_two, 8, 0, "last" },
		{ "no CN", a_none, 8, 0, "" },
		{ "control bytes", a_ctl, 8, 0, "a?b?c" },
		{ "64 bytes", a_64, 8, 0, c64 },
		{ "65 bytes: cut at 64", a_65, 8, 0, c64 },
		{ "v1 (no version)", a_root, 8, 1, "Root A" },
		{ "issuer past CHAIN_HEAD", a_root, CHAIN_HEAD, 0, "" },
		{ "issuer just inside CHAIN_HEAD", a_root, CHAIN_HEAD - 80, 0,
		    "Root A" },
	};
	static unsigned char der[2048], leaf[2048];
	struct chain_check k;
	size_t i, j, len;
	int step, r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (step = 0; step < 2; step++) {
			T_CASE("top issuer: %s, %s", rows[i].what,
			    step ? "byte by byte" : "whole");
			text_len = 0;
			/* a leaf by another issuer, then the top one */
			len = cert_make(der, sizeof der, a_leaf, 4, 0);
			CHECK(len > 0);
			text_pem(der, len);
			len = cert_make(der, sizeof der, rows[i].attr,
			    rows[i].slen, rows[i].v1);
			CHECK(len > 0);
			text_pem(der, len);
			chain_init(&k, leaf, sizeof leaf);
			r = 0;
			if (step)
				for (j = 0; j < text_len && r == 0; j++)
					r = chain_push(&k, text + j, 1);
			else
				r = chain_push(&k, text, text_len);
			CHECKF(r == 0 && k.certs == 2, "r %d, why %s", r,
			    k.why ? k.why : "-");
			CHECKF(strcmp(k.top_issuer, rows[i].want) == 0,
			    "top_issuer '%s', not '%s'", k.top_issuer,
			    rows[i].want);
		}
}
#endif

int
main(void)
{
	static unsigned char der[sizeof fs_srv_der + 1000], leaf[2048];
	static const struct {
		const char *what;
		size_t extra;       /* bytes after the DER */
		int first;          /* the first byte, 0: the real one */
		const char *why;    /* NULL: accepted, else in the reason */
	} rows[] = {
		{ "a whole certificate", 0, 0, NULL },
		{ "3 bytes after its DER", 3, 0, "" },
		{ "400 bytes after its DER", 400, 0, "" },
		{ "1000 bytes after its DER", 1000, 0, "" },
		{ "a SET, then 400 bytes more", 400, 0x31, "" },
	};
	struct chain_check k;
	size_t i, j, len;
	int step, r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (step = 0; step < 2; step++) {
			T_CASE("%s, %s", rows[i].what, step ? "byte by byte" :
			    "whole");
			memset(der, 0, sizeof der);
			memcpy(der, fs_srv_der, sizeof fs_srv_der);
			if (rows[i].first)
				der[0] = (unsigned char)rows[i].first;
			len = sizeof fs_srv_der + rows[i].extra;
			text_len = 0;
			text_pem(der, len);
			chain_init(&k, leaf, sizeof leaf);
			r = 0;
			if (step)
				for (j = 0; j < text_len && r == 0; j++)
					r = chain_push(&k, text + j, 1);
			else
				r = chain_push(&k, text, text_len);
			if (rows[i].why == NULL) {
				CHECKF(r == 0 && k.certs == 1 && !k.in_obj,
				    "r %d, why %s", r, k.why ? k.why : "-");
				CHECK(k.leaf.len == sizeof fs_srv_der &&
				    memcmp(leaf, fs_srv_der, k.leaf.len) == 0);
			} else {
				CHECKF(r == -1 && k.why != NULL &&
				    strstr(k.why, rows[i].why) != NULL,
				    "r %d, why %s", r, k.why ? k.why : "-");
				CHECK(k.certs == 0);
			}
		}
#if ACME_ALT_CHAINS
	test_top_issuer();
#endif
	return t_done("chain");
}
