/*
 * test_csr.c -- the DER writer and the PKCS#10 CSR.
 *
 * der: a table of known encodings (INTEGER stripping and padding, short
 * and long lengths up to 0x83, nesting), each one also written at every
 * capacity from 0 to its exact size between two canaries; the 0x84 form
 * once on a 16 MB heap buffer; sticky errors and misuse.
 *
 * csr: a fixed P-256 key (HMAC-DRBG with a constant seed), CSRs for 1, 2
 * and 4 names, and first names of 64, 65 and 253 characters, with the
 * i31 and the i15 pairs.  Each is checked by a small DER reader here
 * plus BearSSL's verifier, then by `openssl req -verify` and `openssl
 * req -text` (the subject and the exact SAN list).  A first name of at
 * most 64 characters (X.520 ub-common-name) is the subject's only CN and
 * the SAN is not critical; a longer one gives an empty subject (no CN
 * anywhere) and a critical SAN (RFC 5280 4.2.1.6).  A CSR with a flipped
 * signature byte, or a flipped byte of the first name, must FAIL both.
 * Name and key validation, every too-small capacity, signer failure.
 *
 * Key types through the signer interface (csr_build_signer): P-256,
 * P-384 (ecdsa-with-SHA384) and RSA-2048 (sha256WithRSAEncryption)
 * software keys, each checked by `openssl req -verify` and `-text` (the
 * key and signature algorithms), a flipped signature byte refused; a
 * signer answering with a wrong length or a malformed public key.
 *
 * Names: "a..b" (any empty label) is rejected, as are labels over 63
 * characters; hyphen placement and all-digit names are accepted (the
 * ACME server decides).
 */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bearssl.h>
#include "der.h"
#include "csr.h"
#include "acme_err.h"
#include "signer.h"
#include "t.h"

#define CANARY 16
#define CANARY_BYTE 0xA5

/* ---------------------------------------------------------------- der */

enum der_kind {
	K_UINT,         /* der_uint(in) */
	K_OCTET,        /* der_prim(OCTET STRING, in) */
	K_BITS,         /* der_bits(in) */
	K_SEQ_OCTET,    /* der_prim(OCTET STRING, in), der_wrap(SEQUENCE) */
	K_RAW           /* der_raw(in) */
};

/* Patterns the table points into; filled in main(). */
static uint8_t pat_hi[70000];   /* every byte has its top bit set */
static uint8_t pat_lo[70000];   /* every byte is 0x01..0x7F */

static const uint8_t in_zero[] = { 0x00 };
static const uint8_t in_zeros[] = { 0x00, 0x00, 0x00 };
static const uint8_t in_127[] = { 0x7F };
static const uint8_t in_128[] = { 0x80 };
static const uint8_t in_256[] = { 0x01, 0x00 };
static const uint8_t in_0080[] = { 0x00, 0x00, 0x80 };
static const uint8_t in_007f[] = { 0x00, 0x7F, 0xFF };

/*
 * The expected encoding is hdr followed by in[skip..len).
 */
struct der_vec {
	const char *what;
	enum der_kind kind;
	const uint8_t *in;
	size_t len;
	const char *hdr;        /* bytes, hlen long */
	size_t hlen;
	size_t skip;
};

static const struct der_vec der_vecs[] = {
	{ "INTEGER empty", K_UINT, NULL, 0, "\x02\x01\x00", 3, 0 },
	{ "INTEGER 0", K_UINT, in_zero, 1, "\x02\x01\x00", 3, 1 },
	{ "INTEGER 000000", K_UINT, in_zeros, 3, "\x02\x01\x00", 3, 3 },
	{ "INTEGER 127", K_UINT, in_127, 1, "\x02\x01", 2, 0 },
	{ "INTEGER 128", K_UINT, in_128, 1, "\x02\x02\x00", 3, 0 },
	{ "INTEGER 256", K_UINT, in_256, 2, "\x02\x02", 2, 0 },
	{ "INTEGER 00 00 80", K_UINT, in_0080, 3, "\x02\x02\x00", 3, 2 },
	{ "INTEGER 00 7F FF", K_UINT, in_007f, 3, "\x02\x02", 2, 1 },
	{ "INTEGER 32 bytes top bit", K_UINT, pat_hi, 32,
	    "\x02\x21\x00", 3, 0 },
	{ "INTEGER 33 bytes top bit", K_UINT, pat_hi, 33,
	    "\x02\x22\x00", 3, 0 },
	{ "INTEGER 33 bytes no top bit", K_UINT, pat_lo, 33,
	    "\x02\x21", 2, 0 },
	{ "INTEGER 127 content", K_UINT, pat_hi, 126, "\x02\x7F\x00", 3, 0 },
	{ "INTEGER 128 content", K_UINT, pat_hi, 127,
	    "\x02\x81\x80\x00", 4, 0 },
	{ "OCTET STRING 0", K_OCTET, NULL, 0, "\x04\x00", 2, 0 },
	{ "OCTET STRING 1", K_OCTET, pat_lo, 1, "\x04\x01", 2, 0 },
	{ "OCTET STRING 127", K_OCTET, pat_lo, 127, "\x04\x7F", 2, 0 },
	{ "OCTET STRING 128", K_OCTET, pat_lo, 128, "\x04\x81\x80", 3, 0 },
	{ "OCTET STRING 200", K_OCTET, pat_lo, 200, "\x04\x81\xC8", 3, 0 },
	{ "OCTET STRING 255", K_OCTET, pat_lo, 255, "\x04\x81\xFF", 3, 0 },
	{ "OCTET STRING 256", K_OCTET, pat_lo, 256,
	    "\x04\x82\x01\x00", 4, 0 },
	{ "OCTET STRING 300", K_OCTET, pat_lo, 300,
	    "\x04\x82\x01\x2C", 4, 0 },
	{ "OCTET STRING 65535", K_OCTET, pat_lo, 65535,
	    "\x04\x82\xFF\xFF", 4, 0 },
	{ "OCTET STRING 65536", K_OCTET, pat_lo, 65536,
	    "\x04\x83\x01\x00\x00", 5, 0 },
	{ "BIT STRING 0", K_BITS, NULL, 0, "\x03\x01\x00", 3, 0 },
	{ "BIT STRING 65", K_BITS, pat_hi, 65, "\x03\x42\x00", 3, 0 },
	{ "BIT STRING 127", K_BITS, pat_hi, 127,
	    "\x03\x81\x80\x00", 4, 0 },
	{ "SEQUENCE{OCTET 0}", K_SEQ_OCTET, NULL, 0,
	    "\x30\x02\x04\x00", 4, 0 },
	{ "SEQUENCE{OCTET 125}", K_SEQ_OCTET, pat_lo, 125,
	    "\x30\x7F\x04\x7D", 4, 0 },
	{ "SEQUENCE{OCTET 126}", K_SEQ_OCTET, pat_lo, 126,
	    "\x30\x81\x80\x04\x7E", 5, 0 },
	{ "SEQUENCE{OCTET 200}", K_SEQ_OCTET, pat_lo, 200,
	    "\x30\x81\xCB\x04\x81\xC8", 6, 0 },
	{ "SEQUENCE{OCTET 300}", K_SEQ_OCTET, pat_lo, 300,
	    "\x30\x82\x01\x30\x04\x82\x01\x2C", 8, 0 },
	{ "raw 0", K_RAW, NULL, 0, "", 0, 0 },
	{ "raw 5", K_RAW, pat_lo, 5, "", 0, 0 },
};

/* Run one vector into w. */
static void
der_run(struct der_w *w, const struct der_vec *v)
{
	size_t mark;

	switch (v->kind) {
	case K_UINT:
		der_uint(w, v->in, v->len);
		break;
	case K_OCTET:
		der_prim(w, DER_OCTET_STRING, v->in, v->len);
		break;
	case K_BITS:
		der_bits(w, v->in, v->len);
		break;
	case K_SEQ_OCTET:
		mark = der_len(w);
		der_prim(w, DER_OCTET_STRING, v->in, v->len);
		der_wrap(w, DER_SEQUENCE, mark);
		break;
	case K_RAW:
		der_raw(w, v->in, v->len);
		break;
	}
}

/* 1 if the CANARY bytes on both sides of a cap-byte area are intact. */
static int
canaries_ok(const uint8_t *area, size_t cap)
{
	size_t i;

	for (i = 0; i < CANARY; i++)
		if (area[i] != CANARY_BYTE || area[CANARY + cap + i] !=
		    CANARY_BYTE)
			return 0;
	return 1;
}

static uint8_t der_area[CANARY + 70100 + CANARY];

/*
 * One vector: the exact encoding at the exact capacity, the same bytes
 * at the end of a larger buffer, and failure without a stray write at
 * every capacity below (every one up to 1000 bytes, a sample above).
 */
static void
test_der_vec(const struct der_vec *v)
{
	size_t want_len = v->hlen + v->len - v->skip;
	size_t cap, bad_ok = 0, bad_fail = 0, bad_canary = 0, checked = 0;
	const uint8_t *out;
	size_t len;
	struct der_w w;
	int ret;

	for (cap = 0; cap <= want_len + 3; cap++) {
		if (want_len > 1000 && cap > 8 && cap + 8 < want_len &&
		    cap % 4099 != 0)
			continue;
		checked++;
		memset(der_area, CANARY_BYTE, CANARY + cap + CANARY);
		der_init(&w, der_area + CANARY, cap);
		der_run(&w, v);
		ret = der_finish(&w, &out, &len);
		if (!canaries_ok(der_area, cap))
			bad_canary++;
		if (cap < want_len) {
			if (ret != ACME_ERR_TOO_LARGE || !w.err)
				bad_fail++;
			continue;
		}
		if (ret != ACME_OK || len != want_len ||
		    out != der_area + CANARY + cap - want_len ||
		    memcmp(out, v->hdr, v->hlen) != 0 ||
		    (want_len > v->hlen && memcmp(out + v->hlen,
		    v->in + v->skip, v->len - v->skip) != 0) ||
		    der_len(&w) != want_len)
			bad_ok++;
	}
	CHECKF(bad_ok == 0, "%s: %zu wrong encodings", v->what, bad_ok);
	CHECKF(bad_fail == 0, "%s: %zu short caps did not fail", v->what,
	    bad_fail);
	CHECKF(bad_canary == 0, "%s: %zu caps wrote outside (of %zu)",
	    v->what, bad_canary, checked);
}

/* Elements come out in the reverse of the order written. */
static void
test_der_order(void)
{
	static const uint8_t one = 1;
	static const uint8_t want[] = {
		0x30, 0x0C, 0x02, 0x01, 0x01, 0x31, 0x06, 0xA0, 0x04, 0x80,
		0x02, 'h', 'i', 0x05
	};
	uint8_t buf[64];
	struct der_w w;
	const uint8_t *out;
	size_t len, m_seq, m_set, m_ctx;

	der_init(&w, buf, sizeof buf);
	CHECK(der_len(&w) == 0);
	m_seq = der_len(&w);
	der_raw(&w, "\x05", 1);
	m_set = der_len(&w);
	m_ctx = der_len(&w);
	der_prim(&w, DER_CONTEXT_PRIM(0), "hi", 2);
	der_wrap(&w, DER_CONTEXT(0), m_ctx);
	der_wrap(&w, DER_SET, m_set);
	der_uint(&w, &one, 1);
	der_wrap(&w, DER_SEQUENCE, m_seq);
	CHECK(der_finish(&w, &out, &len) == ACME_OK);
	CHECK(len == sizeof want && memcmp(out, want, len) == 0);
	CHECK(out == buf + sizeof buf - len);
}

/* Sticky errors, misuse, a NULL buffer, the 4-byte length form. */
static void
test_der_misc(void)
{
	uint8_t buf[CANARY + 4 + CANARY];
	struct der_w w;
	const uint8_t *out = NULL;
	size_t len = 12345, mark;
	uint8_t *big;

	/* a failed write stores nothing and later writes that would fit
	 * stay refused */
	memset(buf, CANARY_BYTE, sizeof buf);
	der_init(&w, buf + CANARY, 4);
	der_raw(&w, "abcde", 5);
	CHECK(w.err && der_len(&w) == 0);
	der_raw(&w, "a", 1);
	der_prim(&w, DER_NULL, NULL, 0);
	CHECK(w.err && der_len(&w) == 0);
	CHECK(der_finish(&w, &out, &len) == ACME_ERR_TOO_LARGE);
	CHECK(out == NULL && len == 12345);
	CHECK(canaries_ok(buf, 4));
	CHECK(buf[CANARY] == CANARY_BYTE && buf[CANARY + 3] == CANARY_BYTE);

	/* content fits, header does not: nothing half-written counts */
	der_init(&w, buf + CANARY, 4);
	der_prim(&w, DER_OCTET_STRING, "abc", 3);
	CHECK(w.err);
	CHECK(der_finish(&w, &out, &len) == ACME_ERR_TOO_LARGE);
	CHECK(canaries_ok(buf, 4));

	/* a mark beyond what is written is a caller bug: error */
	der_init(&w, buf + CANARY, 4);
	der_raw(&w, "a", 1);
	der_wrap(&w, DER_SEQUENCE, 2);
	CHECK(w.err);

	/* NULL buffer: everything but an empty result fails */
	der_init(&w, NULL, 100);
	CHECK(der_len(&w) == 0);
	der_raw(&w, NULL, 0);
	CHECK(!w.err);
	der_raw(&w, "a", 1);
	CHECK(w.err);

	/* 0x84: 16 MB of content, once */
	big = malloc((size_t)16777216 + 6);
	CHECK(big != NULL);
	if (big == NULL)
		return;
	der_init(&w, big, (size_t)16777216 + 6);
	mark = der_len(&w);
	memset(big + 6, 0x11, 16777216);
	w.pos = 6;      /* pretend the content was written */
	der_wrap(&w, DER_OCTET_STRING, mark);
	CHECK(der_finish(&w, &out, &len) == ACME_OK);
	CHECK(out == big && len == (size_t)16777216 + 6 &&
	    memcmp(big, "\x04\x84\x01\x00\x00\x00", 6) == 0);
	free(big);
}

/* ---------------------------------------------------------------- csr */

struct keypair {
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	unsigned char pbuf[BR_EC_KBUF_PUB_MAX_SIZE];
};

struct impl {
	const char *what;
	const br_ec_impl *ec;
	br_ecdsa_sign sign;
	br_ecdsa_vrfy vrfy;
};

static const struct impl impls[2] = {
	{ "i31", &br_ec_p256_m31, &br_ecdsa_i31_sign_asn1,
	    &br_ecdsa_i31_vrfy_asn1 },
	{ "i15", &br_ec_p256_m15, &br_ecdsa_i15_sign_asn1,
	    &br_ecdsa_i15_vrfy_asn1 },
};

/* A fixed P-256 key: the CSRs are reproducible (RFC 6979 nonces). */
static int
make_key(struct keypair *k)
{
	static const char seed[] = "picoacme test_csr fixed seed 0001";
	br_hmac_drbg_context rng;

	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed - 1);
	if (br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &k->sk, k->kbuf,
	    BR_EC_secp256r1) == 0)
		return 0;
	return br_ec_compute_pub(&br_ec_p256_m31, &k->pk, k->pbuf,
	    &k->sk) == 65;
}

/*
 * Read one TLV at *p (before end): tag, content span, *p past it.
 * Returns 0 on malformed DER (short/long length forms up to 2 bytes).
 */
static int
tlv(const uint8_t **p, const uint8_t *end, uint8_t *tag,
    const uint8_t **c, size_t *clen)
{
	const uint8_t *q = *p;
	size_t len, nb;

	if (end - q < 2)
		return 0;
	*tag = *q++;
	len = *q++;
	if (len & 0x80) {
		nb = len & 0x7F;
		if (nb < 1 || nb > 2 || (size_t)(end - q) < nb)
			return 0;
		len = 0;
		while (nb-- > 0)
			len = (len << 8) | *q++;
		if (len < 0x80)
			return 0;       /* not minimal */
	}
	if ((size_t)(end - q) < len)
		return 0;
	*c = q;
	*clen = len;
	*p = q + len;
	return 1;
}

/*
 * Split a CSR into its three parts and verify its signature with BearSSL.
 * Returns 1 if well formed and the signature checks out.
 */
static int
bearssl_verify(const uint8_t *der, size_t len, const br_ec_public_key *pk,
    br_ecdsa_vrfy vrfy)
{
	static const uint8_t alg[] = {
		0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
		0x03, 0x02
	};
	const uint8_t *p = der, *end = der + len, *c, *info, *a, *s;
	size_t clen, info_len, alen, slen;
	uint8_t tag, hash[32];
	br_sha256_context h;

	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x30 || p != end)
		return 0;
	p = c;
	end = c + clen;
	info = p;
	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x30)
		return 0;
	info_len = (size_t)(p - info);
	a = p;
	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x30)
		return 0;
	alen = (size_t)(p - a);
	if (alen != sizeof alg || memcmp(a, alg, alen) != 0)
		return 0;
	if (!tlv(&p, end, &tag, &s, &slen) || tag != 0x03 || p != end ||
	    slen < 2 || s[0] != 0)
		return 0;
	br_sha256_init(&h);
	br_sha256_update(&h, info, info_len);
	br_sha256_out(&h, hash);
	return vrfy(&br_ec_p256_m31, hash, sizeof hash, pk, s + 1,
	    slen - 1) == 1;
}

/*
 * Write der to a temp file, run `openssl req -inform DER -in FILE
 * -noout ARG 2>&1`, collect its output in out (NUL-terminated).
 * Returns the exit status (-1 if it could not run or was killed).
 */
static int
run_openssl(const uint8_t *der, size_t len, const char *arg, char *out,
    size_t cap)
{
	char path[] = "/tmp/test_csr_XXXXXX";
	char cmd[256];
	FILE *f;
	size_t got = 0, r;
	int fd, st;

	out[0] = '\0';
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, der, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	snprintf(cmd, sizeof cmd,
	    "openssl req -inform DER -in %s -noout %s 2>&1", path, arg);
	f = popen(cmd, "r");
	if (f == NULL) {
		unlink(path);
		return -1;
	}
	while (got + 1 < cap && (r = fread(out + got, 1, cap - 1 - got,
	    f)) > 0)
		got += r;
	out[got] = '\0';
	while (fread(cmd, 1, sizeof cmd, f) > 0)
		;       /* drain what did not fit */
	st = pclose(f);
	unlink(path);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/*
 * The trimmed line of text that follows the one containing key (or, with
 * same_line, the rest of that line after key), copied into dst.
 * Returns 0 when key is absent.
 */
static int
text_field(const char *text, const char *key, int same_line, char *dst,
    size_t cap)
{
	const char *p = strstr(text, key), *e;
	size_t n;

	if (p == NULL)
		return 0;
	if (same_line) {
		p += strlen(key);
	} else {
		p = strchr(p, '\n');
		if (p == NULL)
			return 0;
		p++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\r'))
		e--;
	n = (size_t)(e - p);
	if (n >= cap)
		return 0;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return 1;
}

static char name64[65];         /* the longest CN: 59 + ".test" */
static char name65[66];         /* one more: no CN */
static char name253[254];       /* 63.63.63.61 characters */
static char name254[255];       /* one more: too long */
static char label63[80];        /* a 63-character label + ".com" */
static char label64[80];        /* a 64-character label + ".com" */

static const char *const set1[] = { "example.com" };
static const char *const set2[] = { "example.com", "www.example.com" };
static const char *const set4[] = {
	"*.example.org", "example.org", "a-b.Example.NET",
	"xn--bcher-kva.example"
};
static const char *const set_long[] = { name253, "x.example" };
static const char *const set_cn64[] = { name64, "x.example" };
static const char *const set_cn65[] = { name65, "x.example", "y.example" };

struct name_set {
	const char *what;
	const char *const *names;
	size_t n;
};

static const struct name_set sets[] = {
	{ "1 name", set1, 1 },
	{ "2 names", set2, 2 },
	{ "4 names", set4, 4 },
	{ "253-char name", set_long, 2 },
	{ "64-char name", set_cn64, 2 },
	{ "65-char name", set_cn65, 3 },
};

static uint8_t csr_buf[CANARY + 4096 + CANARY];
static char text[16384];
static size_t size_1, size_4;

/* Offset of the first n bytes equal to what in der, or len if none. */
static size_t
find(const uint8_t *der, size_t len, const void *what, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(der + i, what, n) == 0)
			return i;
	return len;
}

/*
 * 1 if the subject Name of the CSR der is exactly CN=name (cn) or an
 * empty SEQUENCE (!cn).
 */
static int
subject_is(const uint8_t *der, size_t len, const char *name, int cn)
{
	const uint8_t *p = der, *end = der + len, *c;
	uint8_t tag, want[80];
	size_t clen, n = strlen(name);

	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x30)
		return 0;
	p = c;
	end = c + clen;
	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x30)      /* info */
		return 0;
	p = c;
	end = c + clen;
	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x02)      /* version */
		return 0;
	if (!tlv(&p, end, &tag, &c, &clen) || tag != 0x30)      /* subject */
		return 0;
	if (!cn)
		return clen == 0;
	if (n > 64)
		return 0;
	/* SET { SEQUENCE { OID 2.5.4.3, UTF8String name } } */
	want[0] = 0x31;
	want[1] = (uint8_t)(n + 9);
	memcpy(want + 2, "\x30\x00\x06\x03\x55\x04\x03\x0C\x00", 9);
	want[3] = (uint8_t)(n + 7);
	want[10] = (uint8_t)n;
	memcpy(want + 11, name, n);
	return clen == n + 11 && memcmp(c, want, clen) == 0;
}

/*
 * One name set with one implementation: build, check the structure and
 * signature here, then with openssl; then tampered copies must fail.
 */
static void
test_csr_set(const struct keypair *k, const struct name_set *s,
    const struct impl *im, uint8_t *first, size_t *first_len)
{
	const uint8_t *out;
	size_t len, i;
	uint8_t copy[4096];
	char want[2048], got[2048];
	int ret, st, cn = strlen(s->names[0]) <= 64;

	memset(csr_buf, CANARY_BYTE, sizeof csr_buf);
	ret = csr_build(csr_buf + CANARY, 4096, &k->sk, &k->pk, s->names,
	    s->n, im->ec, im->sign, &out, &len);
	CHECKF(ret == ACME_OK, "%s/%s: ret %d", s->what, im->what, ret);
	if (ret != ACME_OK)
		return;
	CHECK(canaries_ok(csr_buf, 4096));
	CHECK(out + len == csr_buf + CANARY + 4096);
	CHECKF(bearssl_verify(out, len, &k->pk, im->vrfy), "%s/%s",
	    s->what, im->what);
	/* the subject, and the SAN extension critical only without CN */
	CHECKF(subject_is(out, len, s->names[0], cn), "%s: subject",
	    s->what);
	CHECKF((find(out, len, "\x06\x03\x55\x1D\x11\x01\x01\xFF", 8) <
	    len) == !cn && (find(out, len, "\x06\x03\x55\x1D\x11\x04", 6) <
	    len) == cn, "%s: SAN critical flag", s->what);
	memcpy(copy, out, len);

	/* deterministic: the same bytes again, and across i31/i15 */
	if (*first_len == 0) {
		memcpy(first, out, len);
		*first_len = len;
	} else {
		CHECKF(*first_len == len && memcmp(first, out, len) == 0,
		    "%s: %s differs from i31", s->what, im->what);
	}
	if (im != &impls[0])
		return;         /* openssl once per set is enough */

	st = run_openssl(copy, len, "-verify", text, sizeof text);
	CHECKF(st == 0 && strstr(text, "verify OK") != NULL,
	    "%s: openssl -verify (%d): %s", s->what, st, text);

	st = run_openssl(copy, len, "-text", text, sizeof text);
	CHECKF(st == 0, "%s: openssl -text (%d): %s", s->what, st, text);
	if (cn)
		snprintf(want, sizeof want, "CN = %s", s->names[0]);
	else
		want[0] = '\0';
	CHECKF(text_field(text, "Subject:", 1, got, sizeof got) &&
	    strcmp(got, want) == 0, "%s: subject '%s'", s->what, got);
	CHECKF(cn || strstr(text, "CN =") == NULL, "%s: a CN", s->what);
	CHECKF(text_field(text, "X509v3 Subject Alternative Name:", 1, got,
	    sizeof got) && strcmp(got, cn ? "" : "critical") == 0,
	    "%s: SAN flags '%s'", s->what, got);
	want[0] = '\0';
	for (i = 0; i < s->n; i++) {
		if (i > 0)
			strcat(want, ", ");
		strcat(want, "DNS:");
		strcat(want, s->names[i]);
	}
	CHECKF(text_field(text, "X509v3 Subject Alternative Name:", 0, got,
	    sizeof got) && strcmp(got, want) == 0,
	    "%s: SAN '%s' want '%s'", s->what, got, want);
	CHECK(strstr(text, "Version: 1 (0x0)") != NULL);
	CHECK(strstr(text, "Public Key Algorithm: id-ecPublicKey") != NULL);
	CHECK(strstr(text, "NIST CURVE: P-256") != NULL);
	CHECK(strstr(text, "Signature Algorithm: ecdsa-with-SHA256") !=
	    NULL);
	CHECK(strstr(text, "Requested Extensions:") != NULL);

	/*
	 * A flipped bit in s (the last byte) must fail everywhere.  OpenSSL
	 * 3.0 exits 0 even when the self-signature does not verify, so the
	 * message is what tells: "verify failure", never "verify OK".
	 */
	copy[len - 1] ^= 0x01;
	CHECK(!bearssl_verify(copy, len, &k->pk, im->vrfy));
	st = run_openssl(copy, len, "-verify", text, sizeof text);
	CHECKF(st >= 0 && strstr(text, "verify failure") != NULL &&
	    strstr(text, "verify OK") == NULL,
	    "%s: tampered signature passed (%d): %s", s->what, st, text);
	copy[len - 1] ^= 0x01;

	/* and so must a changed name: the last byte of names[0] where it
	 * first appears (the CN, or the SAN when there is none) */
	i = find(copy, len, s->names[0], strlen(s->names[0]));
	CHECK(i < len);
	if (i < len) {
		i += strlen(s->names[0]) - 1;
		copy[i] ^= 0x20;        /* case flip: still valid UTF-8 */
		CHECK(!bearssl_verify(copy, len, &k->pk, im->vrfy));
		st = run_openssl(copy, len, "-verify", text, sizeof text);
		CHECKF(st >= 0 && strstr(text, "verify failure") != NULL &&
		    strstr(text, "verify OK") == NULL,
		    "%s: tampered name passed (%d): %s", s->what, st,
		    text);
	}
	if (s->names == set1)
		size_1 = len;
	if (s->names == set4)
		size_4 = len;
}

static void
test_csr_sets(const struct keypair *k)
{
	static uint8_t first[4096];
	size_t first_len, si, ii;

	for (si = 0; si < sizeof sets / sizeof sets[0]; si++) {
		T_CASE("%s[%u]", __func__, (unsigned)si);
		first_len = 0;
		for (ii = 0; ii < 2; ii++)
			test_csr_set(k, &sets[si], &impls[ii], first,
			    &first_len);
	}
}

/* Every capacity below the exact size fails, the exact size works. */
static void
test_csr_caps(const struct keypair *k, const struct name_set *s)
{
	const uint8_t *out, *ref;
	size_t len, need, cap, bad = 0, bad_canary = 0;
	uint8_t refbuf[4096];
	int ret;

	ret = csr_build(refbuf, sizeof refbuf, &k->sk, &k->pk, s->names,
	    s->n, impls[0].ec, impls[0].sign, &ref, &need);
	CHECK(ret == ACME_OK);
	if (ret != ACME_OK)
		return;
	for (cap = 0; cap <= need; cap++) {
		memset(csr_buf, CANARY_BYTE, CANARY + cap + CANARY);
		ret = csr_build(csr_buf + CANARY, cap, &k->sk, &k->pk,
		    s->names, s->n, impls[0].ec, impls[0].sign, &out, &len);
		if (!canaries_ok(csr_buf, cap))
			bad_canary++;
		if (cap < need ? ret != ACME_ERR_TOO_LARGE :
		    (ret != ACME_OK || len != need ||
		    memcmp(out, ref, need) != 0))
			bad++;
	}
	CHECKF(bad == 0, "%s: %zu caps wrong", s->what, bad);
	CHECKF(bad_canary == 0, "%s: %zu caps wrote outside", s->what,
	    bad_canary);
}

/* Names csr_build must accept (alone, as names[0]). */
static const char *const good_names[] = {
	"a", "A.B", "*.a", "*.example.com", "xn--bcher-kva.ch", "0.a",
	"1.2.3.4",      /* all digits: accepted, the server decides */
	"-a-.b",        /* hyphen placement is not checked */
	name253, label63,
};

/* Names csr_build must refuse with ACME_ERR_PARAM. */
static const char *const bad_names[] = {
	"", name254, label64, "under_score.com", "sp ace.com",
	"a..b", ".a", "a.", ".", "*", "*.", "*.*.a", "a.*.b", "**.a",
	"*a.b", "*xa.b", "a*.b", "ex\xc3\xa9.com", "a\tb", "a/b", "a:443",
	"a\nb", "a.b.",
};

static void
test_csr_params(const struct keypair *k)
{
	static uint8_t buf[4096];
	const uint8_t *out;
	size_t len, i;
	const char *names[3];
	br_ec_public_key pk;
	br_ec_private_key sk;
	unsigned char q[65];
	int ret;

	for (i = 0; i < sizeof good_names / sizeof good_names[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		names[0] = good_names[i];
		ret = csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
		    impls[0].ec, impls[0].sign, &out, &len);
		CHECKF(ret == ACME_OK, "good name '%s': %d", names[0], ret);
	}
	T_CASE("%s", __func__);
	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		names[0] = bad_names[i];
		ret = csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
		    impls[0].ec, impls[0].sign, &out, &len);
		CHECKF(ret == ACME_ERR_PARAM, "bad name '%s': %d", names[0],
		    ret);
		/* also when it is not the first */
		names[0] = "ok.example";
		names[1] = "ok2.example";
		names[2] = bad_names[i];
		ret = csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 3,
		    impls[0].ec, impls[0].sign, &out, &len);
		CHECKF(ret == ACME_ERR_PARAM, "bad 3rd name '%s': %d",
		    bad_names[i], ret);
	}
	T_CASE("%s", __func__);

	names[0] = "example.com";
	names[1] = NULL;
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 2,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 0,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, NULL, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(NULL, 0, &k->sk, &k->pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
	    impls[0].ec, impls[0].sign, NULL, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, NULL) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, NULL, &k->pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, NULL, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
	    NULL, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
	    impls[0].ec, NULL, &out, &len) == ACME_ERR_PARAM);
	/* an implementation without P-256 */
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
	    &br_ec_c25519_i31, impls[0].sign, &out, &len) ==
	    ACME_ERR_PARAM);

	/* keys that are not P-256 with an uncompressed point */
	pk = k->pk;
	pk.curve = BR_EC_secp384r1;
	CHECK(csr_build(buf, sizeof buf, &k->sk, &pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	pk = k->pk;
	pk.qlen = 64;
	CHECK(csr_build(buf, sizeof buf, &k->sk, &pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	pk = k->pk;
	memcpy(q, k->pk.q, sizeof q);
	q[0] = 0x02;
	pk.q = q;
	CHECK(csr_build(buf, sizeof buf, &k->sk, &pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
	sk = k->sk;
	sk.curve = BR_EC_curve25519;
	CHECK(csr_build(buf, sizeof buf, &sk, &k->pk, names, 1,
	    impls[0].ec, impls[0].sign, &out, &len) == ACME_ERR_PARAM);
}

static size_t
sign_fails(const br_ec_impl *impl, const br_hash_class *hf,
    const void *hash_value, const br_ec_private_key *sk, void *sig)
{
	(void)impl;
	(void)hf;
	(void)hash_value;
	(void)sk;
	(void)sig;
	return 0;
}

static size_t
sign_too_long(const br_ec_impl *impl, const br_hash_class *hf,
    const void *hash_value, const br_ec_private_key *sk, void *sig)
{
	(void)impl;
	(void)hf;
	(void)hash_value;
	(void)sk;
	memset(sig, 0, 72);
	return 73;
}

/* A name that changes while csr_build is signing (another thread, say). */
static char moving_name[] = "example.com";

static size_t
sign_and_move(const br_ec_impl *impl, const br_hash_class *hf,
    const void *hash_value, const br_ec_private_key *sk, void *sig)
{
	moving_name[0] = 'E';
	return br_ecdsa_i31_sign_asn1(impl, hf, hash_value, sk, sig);
}

static void
test_csr_crypto(const struct keypair *k)
{
	static uint8_t buf[4096];
	const uint8_t *out;
	size_t len;
	const char *names[1];

	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, set1, 1,
	    impls[0].ec, &sign_fails, &out, &len) == ACME_ERR_CRYPTO);
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, set1, 1,
	    impls[0].ec, &sign_too_long, &out, &len) == ACME_ERR_CRYPTO);
	/* the info signed is not the info written: never hand it out */
	names[0] = moving_name;
	CHECK(csr_build(buf, sizeof buf, &k->sk, &k->pk, names, 1,
	    impls[0].ec, &sign_and_move, &out, &len) == ACME_ERR_CRYPTO);
	CHECK(moving_name[0] == 'E');
}

/* ------------------------------------------------------ key types */

static int
ent_count(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 11 + 3);
	return 0;
}

/* One CSR through the signer s: openssl verifies it and names want1 and
 * want2 in its text; a flipped signature byte fails. */
static void
check_signer_csr(const char *what, const struct acme_signer *s,
    const char *want1, const char *want2)
{
	static uint8_t buf[4096], copy[4096];
	const char *names[2] = { "example.com", "www.example.com" };
	const uint8_t *out = NULL;
	size_t len = 0;
	int st;

	st = csr_build_signer(buf, sizeof buf, s, names, 2, &out, &len);
	CHECKF(st == ACME_OK, "%s: csr_build_signer", what);
	if (st != ACME_OK || out == NULL || len == 0 || len > sizeof copy)
		return;
	memcpy(copy, out, len);
	st = run_openssl(copy, len, "-verify", text, sizeof text);
	CHECKF(st == 0 && strstr(text, "verify OK") != NULL,
	    "%s: openssl -verify (%d): %s", what, st, text);
	st = run_openssl(copy, len, "-text", text, sizeof text);
	CHECKF(st == 0 && strstr(text, want1) != NULL &&
	    strstr(text, want2) != NULL && strstr(text,
	    "DNS:example.com, DNS:www.example.com") != NULL,
	    "%s: openssl -text lacks %s / %s: %s", what, want1, want2, text);
	copy[len - 5] ^= 0x01;        /* inside the signature */
	st = run_openssl(copy, len, "-verify", text, sizeof text);
	CHECKF(st != 0 || strstr(text, "verify OK") == NULL,
	    "%s: a flipped signature byte verifies: %s", what, text);
}

/* A signer that answers badly (bad_sig: a signature one byte short;
 * else a public point without its 0x04). */
static int bad_sig;
static struct key_ec bad_key;

static long
bad_pub(void *ctx, unsigned char *out, size_t cap)
{
	(void)ctx;
	if (cap < 65)
		return -1;
	memcpy(out, bad_key.q, 65);
	if (!bad_sig)
		out[0] = 0x02;
	return 65;
}

static long
bad_sign(void *ctx, const unsigned char *h, size_t hlen,
    unsigned char *sig, size_t cap)
{
	struct acme_signer s;
	long n;

	(void)ctx;
	signer_ec(&s, &bad_key);
	n = s.sign(s.ctx, h, hlen, sig, cap);
	return bad_sig ? n - 1 : n;
}

static void
test_csr_keytypes(void)
{
	static struct key_ec ec;
	static struct key_rsa rsa;
	struct acme_signer s;
	struct acme_port p;
	static uint8_t buf[4096];
	const char *names[1] = { "example.com" };
	const uint8_t *out;
	size_t len;

	memset(&p, 0, sizeof p);
	p.entropy = ent_count;
	CHECK(key_generate_curve(&ec, BR_EC_secp256r1, &p) == ACME_OK);
	signer_ec(&s, &ec);
	CHECK(s.alg == ACME_ALG_ES256);
	check_signer_csr("P-256", &s, "NIST CURVE: P-256",
	    "ecdsa-with-SHA256");
	CHECK(key_generate_curve(&ec, BR_EC_secp384r1, &p) == ACME_OK);
	signer_ec(&s, &ec);
	CHECK(s.alg == ACME_ALG_ES384);
	check_signer_csr("P-384", &s, "NIST CURVE: P-384",
	    "ecdsa-with-SHA384");
	CHECK(key_rsa_generate(&rsa, &p) == ACME_OK);
	signer_rsa(&s, &rsa);
	check_signer_csr("RSA-2048", &s, "Public-Key: (2048 bit)",
	    "sha256WithRSAEncryption");
	key_rsa_wipe(&rsa);

	/* a signer that lies is refused, never written out */
	CHECK(key_generate_curve(&bad_key, BR_EC_secp256r1, &p) == ACME_OK);
	s.alg = ACME_ALG_ES256;
	s.public_key = bad_pub;
	s.sign = bad_sign;
	s.ctx = NULL;
	bad_sig = 0;
	CHECK(csr_build_signer(buf, sizeof buf, &s, names, 1, &out, &len) ==
	    ACME_ERR_CRYPTO);
	bad_sig = 1;
	CHECK(csr_build_signer(buf, sizeof buf, &s, names, 1, &out, &len) ==
	    ACME_ERR_CRYPTO);
	s.alg = 99;
	CHECK(csr_build_signer(buf, sizeof buf, &s, names, 1, &out, &len) ==
	    ACME_ERR_CRYPTO);
	key_wipe(&ec);
	key_wipe(&bad_key);
}

/* ---------------------------------------------------------------- main */

int
main(void)
{
	struct keypair k;
	size_t i;

	for (i = 0; i < sizeof pat_hi; i++) {
		pat_hi[i] = (uint8_t)(0x80 | (i * 37));
		pat_lo[i] = (uint8_t)(((i * 37) & 0x7F) | 0x01);
	}
	memset(name64, 'l', 59);
	memcpy(name64 + 59, ".test", 6);
	memset(name65, 'l', 60);
	memcpy(name65 + 60, ".test", 6);
	memset(name253, 'a', 253);
	name253[63] = name253[127] = name253[191] = '.';
	memcpy(name254, name253, 253);
	name254[252] = 'b';
	name254[253] = 'c';
	memset(label63, 'l', 63);
	memcpy(label63 + 63, ".com", 5);
	memset(label64, 'l', 64);
	memcpy(label64 + 64, ".com", 5);

	for (i = 0; i < sizeof der_vecs / sizeof der_vecs[0]; i++) {
		T_CASE("test_der_vec[%u]", (unsigned)i);
		test_der_vec(&der_vecs[i]);
	}
	T_RUN(test_der_order);
	T_RUN(test_der_misc);

	T_CASE("make_key");
	CHECK(make_key(&k));
	T_CASE("test_csr_sets");
	test_csr_sets(&k);
	for (i = 0; i < 6; i++) {
		if (i == 1 || i == 4)
			continue;
		T_CASE("test_csr_caps[%u]", (unsigned)i);
		test_csr_caps(&k, &sets[i]);
	}
	T_CASE("test_csr_params");
	test_csr_params(&k);
	T_CASE("test_csr_crypto");
	test_csr_crypto(&k);
	T_CASE("test_csr_keytypes");
	test_csr_keytypes();
	t_case_end();
	printf("csr: sizes %zu bytes (1 name), %zu bytes (4 names)\n",
	    size_1, size_4);
	return t_done("csr");
}
