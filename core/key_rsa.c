/*
 * key_rsa.c -- see key_rsa.h.  Only with ACME_KEY_RSA: the file is empty
 * otherwise, so firmware that does not need RSA links none of it.
 */
#include "acme_config.h"
#if ACME_KEY_RSA
#include <string.h>
#include "key_rsa.h"
#include "der.h"
#include "pem.h"
#include "wipe.h"
#include "acme_err.h"

/* BearSSL's i15 code on Cortex-M (constant time where the multiplier is
 * not), as for EC (ACME_EC_I15); i31 on hosts. */
#if ACME_EC_I15
#define KEY_RSA_I(name) br_rsa_i15_##name
#else
#define KEY_RSA_I(name) br_rsa_i31_##name
#endif

/*
 * Scratch for the secrets of one call at a time (acme_step() is not
 * reentrant): static, not on a firmware's small stack, wiped before
 * each function returns.
 */
static union {
	unsigned char kbuf[BR_RSA_KBUF_PRIV_SIZE(KEY_RSA_BITS)];
	struct {
		unsigned char der[1300];      /* RSAPrivateKey, 2048 bits */
		unsigned char d[KEY_RSA_BYTES];
	} out;
	struct {
		unsigned char der[1300];
		br_skey_decoder_context kc;
	} in;
} key_rsa_tmp;

/* The BearSSL view of k (pointing into k). */
static void
key_rsa_view(const struct key_rsa *k, br_rsa_private_key *sk)
{
	unsigned char *p = (unsigned char *)k->priv;

	sk->n_bitlen = KEY_RSA_BITS;
	sk->p = p;
	sk->plen = k->len[0];
	sk->q = p + k->len[0];
	sk->qlen = k->len[1];
	sk->dp = sk->q + k->len[1];
	sk->dplen = k->len[2];
	sk->dq = sk->dp + k->len[2];
	sk->dqlen = k->len[3];
	sk->iq = sk->dq + k->len[3];
	sk->iqlen = k->len[4];
}

/* Copy the private key sk into k and compute n and e.  ACME_OK or
 * ACME_ERR_CRYPTO (not 2048 bits, elements too long, a bad key). */
static int
key_rsa_set(struct key_rsa *k, const br_rsa_private_key *sk)
{
	const unsigned char *src[5];
	size_t len[5], i, off = 0;
	br_rsa_private_key v;

	memset(k, 0, sizeof *k);
	if (sk->n_bitlen != KEY_RSA_BITS)
		return ACME_ERR_CRYPTO;
	src[0] = sk->p; len[0] = sk->plen;
	src[1] = sk->q; len[1] = sk->qlen;
	src[2] = sk->dp; len[2] = sk->dplen;
	src[3] = sk->dq; len[3] = sk->dqlen;
	src[4] = sk->iq; len[4] = sk->iqlen;
	for (i = 0; i < 5; i++) {
		if (len[i] == 0 || len[i] > sizeof k->priv - off)
			return ACME_ERR_CRYPTO;
		memcpy(k->priv + off, src[i], len[i]);
		k->len[i] = (uint16_t)len[i];
		off += len[i];
	}
	key_rsa_view(k, &v);
	k->e = KEY_RSA_I(compute_pubexp)(&v);
	if (k->e == 0 ||
	    KEY_RSA_I(compute_modulus)(NULL, &v) != sizeof k->n ||
	    KEY_RSA_I(compute_modulus)(k->n, &v) != sizeof k->n) {
		key_rsa_wipe(k);
		return ACME_ERR_CRYPTO;
	}
	k->valid = 1;
	return ACME_OK;
}

int
key_rsa_generate(struct key_rsa *k, const struct acme_port *p)
{
	unsigned char *kbuf = key_rsa_tmp.kbuf;
	br_hmac_drbg_context rng;
	br_rsa_private_key sk;
	unsigned char seed[48];
	int err;

	memset(k, 0, sizeof *k);
	if (p->entropy == NULL || p->entropy(p->ctx, seed, sizeof seed) != 0) {
		err = ACME_ERR_ENTROPY;
		goto out_wipe;
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	/* into kbuf (640 bytes of secrets off the stack, wiped), then
	 * copied into k with n and e */
	if (KEY_RSA_I(keygen)(&rng.vtable, &sk, kbuf, NULL, NULL,
	    KEY_RSA_BITS, 65537) != 1) {
		err = ACME_ERR_CRYPTO;
		goto out_wipe;
	}
	err = key_rsa_set(k, &sk);
out_wipe:
	wipe(&rng, sizeof rng);
	wipe(seed, sizeof seed);
	wipe(kbuf, sizeof key_rsa_tmp.kbuf);
	wipe(&sk, sizeof sk);
	if (err != ACME_OK)
		key_rsa_wipe(k);
	return err;
}

long
key_rsa_pub(const struct key_rsa *k, unsigned char *out, size_t cap)
{
	struct der_w w;
	const uint8_t *p;
	unsigned char e[4];
	size_t len, m;

	if (!k->valid)
		return ACME_ERR_CRYPTO;
	e[0] = (unsigned char)(k->e >> 24);
	e[1] = (unsigned char)(k->e >> 16);
	e[2] = (unsigned char)(k->e >> 8);
	e[3] = (unsigned char)k->e;
	der_init(&w, out, cap);
	m = der_len(&w);
	der_uint(&w, e, sizeof e);
	der_uint(&w, k->n, sizeof k->n);
	der_wrap(&w, DER_SEQUENCE, m);
	if (der_finish(&w, &p, &len) != ACME_OK)
		return ACME_ERR_TOO_LARGE;
	memmove(out, p, len);
	return (long)len;
}

long
key_rsa_sign(const struct key_rsa *k, const unsigned char *h, size_t hlen,
    unsigned char *sig, size_t cap)
{
	br_rsa_private_key sk;

	if (!k->valid || hlen != br_sha256_SIZE || cap < KEY_RSA_BYTES)
		return ACME_ERR_CRYPTO;
	key_rsa_view(k, &sk);
	if (KEY_RSA_I(pkcs1_sign)(BR_HASH_OID_SHA256, h, hlen, &sk,
	    sig) != 1)
		return ACME_ERR_CRYPTO;
	return KEY_RSA_BYTES;
}

long
key_rsa_to_pem(const struct key_rsa *k, char *dst, size_t cap)
{
	unsigned char *der = key_rsa_tmp.out.der, *d = key_rsa_tmp.out.d;
	unsigned char e[4];
	br_rsa_private_key sk;
	br_rsa_public_key pk;
	size_t dlen, plen;
	long ret = ACME_ERR_CRYPTO;

	if (!k->valid)
		return ACME_ERR_CRYPTO;
	key_rsa_view(k, &sk);
	e[0] = (unsigned char)(k->e >> 24);
	e[1] = (unsigned char)(k->e >> 16);
	e[2] = (unsigned char)(k->e >> 8);
	e[3] = (unsigned char)k->e;
	pk.n = (unsigned char *)k->n;
	pk.nlen = sizeof k->n;
	pk.e = e;
	pk.elen = sizeof e;
	if (KEY_RSA_I(compute_privexp)(d, &sk, k->e) != KEY_RSA_BYTES)
		goto out_wipe;
	dlen = br_encode_rsa_raw_der(NULL, &sk, &pk, d, KEY_RSA_BYTES);
	if (dlen == 0 || dlen > sizeof key_rsa_tmp.out.der)
		goto out_wipe;
	br_encode_rsa_raw_der(der, &sk, &pk, d, KEY_RSA_BYTES);
	plen = br_pem_encode(NULL, der, dlen, "RSA PRIVATE KEY",
	    BR_PEM_LINE64);
	if (plen + 1 > cap) {
		ret = ACME_ERR_TOO_LARGE;
		goto out_wipe;
	}
	br_pem_encode(dst, der, dlen, "RSA PRIVATE KEY", BR_PEM_LINE64);
	ret = (long)plen;
out_wipe:
	wipe(&key_rsa_tmp, sizeof key_rsa_tmp);
	return ret;
}

int
key_rsa_from_pem(struct key_rsa *k, const char *pem, size_t len)
{
	unsigned char *der = key_rsa_tmp.in.der;
	br_skey_decoder_context *kc = &key_rsa_tmp.in.kc;
	size_t dlen;
	int err = ACME_ERR_CRYPTO;

	memset(k, 0, sizeof *k);
	dlen = pem_first(pem, len, "RSA PRIVATE KEY", "PRIVATE KEY", der,
	    sizeof key_rsa_tmp.in.der);
	if (dlen == 0)
		goto out_wipe;
	br_skey_decoder_init(kc);
	br_skey_decoder_push(kc, der, dlen);
	if (br_skey_decoder_last_error(kc) == 0 &&
	    br_skey_decoder_key_type(kc) == BR_KEYTYPE_RSA)
		err = key_rsa_set(k, br_skey_decoder_get_rsa(kc));
out_wipe:
	wipe(&key_rsa_tmp, sizeof key_rsa_tmp);
	if (err != ACME_OK)
		key_rsa_wipe(k);
	return err;
}

void
key_rsa_wipe(struct key_rsa *k)
{
	wipe(k, sizeof *k);
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int key_rsa_unused;
#endif
