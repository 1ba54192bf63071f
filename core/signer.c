/*
 * signer.c -- see signer.h.
 */
#include <string.h>
#include "signer.h"
#include "acme_err.h"
#if ACME_KEY_RSA
#include "der.h"
#endif

static long
signer_ec_pub(void *ctx, unsigned char *out, size_t cap)
{
	const struct key_ec *k = ctx;

	if (!k->valid || cap < key_qlen(k))
		return ACME_ERR_CRYPTO;
	memcpy(out, k->q, key_qlen(k));
	return (long)key_qlen(k);
}

static long
signer_ec_sign(void *ctx, const unsigned char *h, size_t hlen,
    unsigned char *sig, size_t cap)
{
	const struct key_ec *k = ctx;
	const br_hash_class *hc = signer_hash(key_curve(k) ==
	    BR_EC_secp384r1 ? ACME_ALG_ES384 : ACME_ALG_ES256);
	br_ec_private_key sk;
	size_t n;

	/* the digest is the size of the curve's hash; the raw signature
	 * twice the scalar */
	if (!k->valid || hlen != ((hc->desc >> BR_HASHDESC_OUT_OFF) &
	    BR_HASHDESC_OUT_MASK) || cap < 2 * key_xlen(k))
		return ACME_ERR_CRYPTO;
	key_views(k, &sk, NULL);
	n = key_sign_raw()(key_impl(key_curve(k)), hc, h, &sk, sig);
	return n == 2 * key_xlen(k) ? (long)n : ACME_ERR_CRYPTO;
}

void
signer_ec(struct acme_signer *s, struct key_ec *k)
{
	s->alg = key_curve(k) == BR_EC_secp384r1 ? ACME_ALG_ES384 :
	    ACME_ALG_ES256;
	s->public_key = signer_ec_pub;
	s->sign = signer_ec_sign;
	s->ctx = k;
}

#if ACME_KEY_RSA
static long
signer_rsa_pub(void *ctx, unsigned char *out, size_t cap)
{
	return key_rsa_pub(ctx, out, cap);
}

static long
signer_rsa_sign(void *ctx, const unsigned char *h, size_t hlen,
    unsigned char *sig, size_t cap)
{
	return key_rsa_sign(ctx, h, hlen, sig, cap);
}

void
signer_rsa(struct acme_signer *s, struct key_rsa *k)
{
	s->alg = ACME_ALG_RS256;
	s->public_key = signer_rsa_pub;
	s->sign = signer_rsa_sign;
	s->ctx = k;
}
#endif

int
signer_alg_ok(int alg, int account)
{
	return alg == ACME_ALG_ES256 ||
	    (alg == ACME_ALG_ES384 && ACME_KEY_P384) ||
	    (alg == ACME_ALG_RS256 && ACME_KEY_RSA && !account);
}

const br_hash_class *
signer_hash(int alg)
{
#if ACME_KEY_P384
	if (alg == ACME_ALG_ES384)
		return &br_sha384_vtable;
#else
	(void)alg;
#endif
	return &br_sha256_vtable;
}

/* Length of the raw signature of alg. */
static size_t
signer_sig_len(int alg)
{
	return alg == ACME_ALG_ES384 ? 96 : alg == ACME_ALG_RS256 ?
	    KEY_RSA_BYTES : 64;
}

#if ACME_KEY_RSA
/* 1 if the len bytes at p are an RSAPublicKey of a 2048-bit modulus. */
static int
signer_rsa_pub_ok(const unsigned char *p, size_t len)
{
	struct der_tlv seq, n, e;

	if (der_get_tag(p, p + len, DER_SEQUENCE, &seq) != 0 ||
	    seq.next != p + len ||
	    der_get_tag(seq.val, seq.next, DER_INTEGER, &n) != 0 ||
	    der_get_tag(n.next, seq.next, DER_INTEGER, &e) != 0 ||
	    e.next != seq.next || e.len == 0 || e.len > 4)
		return 0;
	/* 256 bytes with the top bit set, after its 0x00 */
	return n.len == KEY_RSA_BYTES + 1 && n.val[0] == 0 &&
	    (n.val[1] & 0x80) != 0;
}
#endif

long
signer_pub(const struct acme_signer *s, unsigned char *out, size_t cap)
{
	long n;

	if (s->public_key == NULL || !signer_alg_ok(s->alg, 0))
		return ACME_ERR_CRYPTO;
	n = s->public_key(s->ctx, out, cap);
	if (n <= 0 || (size_t)n > cap)
		return ACME_ERR_CRYPTO;
#if ACME_KEY_RSA
	if (s->alg == ACME_ALG_RS256)
		return signer_rsa_pub_ok(out, (size_t)n) ? n : ACME_ERR_CRYPTO;
#endif
	if ((size_t)n != signer_sig_len(s->alg) + 1 || out[0] != 0x04)
		return ACME_ERR_CRYPTO;
	return n;
}

long
signer_sign(const struct acme_signer *s, const unsigned char *h,
    size_t hlen, unsigned char *sig, size_t cap)
{
	long n;

	if (s->sign == NULL || !signer_alg_ok(s->alg, 0) ||
	    cap < signer_sig_len(s->alg))
		return ACME_ERR_CRYPTO;
	n = s->sign(s->ctx, h, hlen, sig, cap);
	if (n < 0 || (size_t)n != signer_sig_len(s->alg))
		return ACME_ERR_CRYPTO;
	return n;
}
