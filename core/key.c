/*
 * key.c -- see key.h.
 */
#include <string.h>
#include "key.h"
#include "pem.h"
#include "wipe.h"
#include "acme_err.h"
#include "acme_config.h"

const br_ec_impl *
key_ec_impl(void)
{
#if ACME_EC_I15
	return &br_ec_p256_m15;
#else
	return &br_ec_p256_m31;
#endif
}

const br_ec_impl *
key_impl(int curve)
{
	if (curve == BR_EC_secp256r1)
		return key_ec_impl();
#if ACME_KEY_P384
	if (curve == BR_EC_secp384r1)
#if ACME_EC_I15
		return &br_ec_prime_i15;
#else
		return &br_ec_prime_i31;
#endif
#endif
	return NULL;
}

br_ecdsa_sign
key_sign_raw(void)
{
#if ACME_EC_I15
	return &br_ecdsa_i15_sign_raw;
#else
	return &br_ecdsa_i31_sign_raw;
#endif
}

br_ecdsa_sign
key_sign_asn1(void)
{
#if ACME_EC_I15
	return &br_ecdsa_i15_sign_asn1;
#else
	return &br_ecdsa_i31_sign_asn1;
#endif
}

void
key_views(const struct key_ec *k, br_ec_private_key *sk,
    br_ec_public_key *pk)
{
	if (sk != NULL) {
		sk->curve = key_curve(k);
		sk->x = (unsigned char *)k->x;
		sk->xlen = key_xlen(k);
	}
	if (pk != NULL) {
		pk->curve = key_curve(k);
		pk->q = (unsigned char *)k->q;
		pk->qlen = key_qlen(k);
	}
}

static int
key_complete(struct key_ec *k)
{
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char qbuf[BR_EC_KBUF_PUB_MAX_SIZE];

	key_views(k, &sk, NULL);
	if (br_ec_compute_pub(key_impl(key_curve(k)), &pk, qbuf, &sk) !=
	    key_qlen(k))
		return ACME_ERR_CRYPTO;
	memcpy(k->q, qbuf, key_qlen(k));
	k->valid = 1;
	return ACME_OK;
}

int
key_generate(struct key_ec *k, const struct acme_port *p)
{
	return key_generate_curve(k, BR_EC_secp256r1, p);
}

int
key_generate_curve(struct key_ec *k, int curve, const struct acme_port *p)
{
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	unsigned char seed[48];
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	int err;

	memset(k, 0, sizeof *k);
	if (key_impl(curve) == NULL)
		return ACME_ERR_PARAM;
	k->curve = (unsigned char)curve;
	/* a failing port may have written part of seed: wiped too */
	if (p->entropy == NULL || p->entropy(p->ctx, seed, sizeof seed) != 0) {
		err = ACME_ERR_ENTROPY;
		goto out_wipe;
	}
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	if (br_ec_keygen(&rng.vtable, key_impl(curve), &sk, kbuf,
	    curve) != key_xlen(k)) {
		err = ACME_ERR_CRYPTO;
		goto out_wipe;
	}
	memcpy(k->x, kbuf, key_xlen(k));
	err = key_complete(k);
out_wipe:
	wipe(&rng, sizeof rng);
	wipe(seed, sizeof seed);
	wipe(kbuf, sizeof kbuf);
	if (err != ACME_OK)
		key_wipe(k);
	return err;
}

long
key_to_pem(const struct key_ec *k, char *dst, size_t cap)
{
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char der[200];
	size_t dlen, plen;

	/* Never an all-zero key: a key that was not made or loaded. */
	if (!k->valid)
		return ACME_ERR_CRYPTO;
	key_views(k, &sk, &pk);
	dlen = br_encode_ec_raw_der(NULL, &sk, &pk);
	if (dlen == 0 || dlen > sizeof der)
		return ACME_ERR_CRYPTO;
	br_encode_ec_raw_der(der, &sk, &pk);
	plen = br_pem_encode(NULL, der, dlen, "EC PRIVATE KEY",
	    BR_PEM_LINE64);
	if (plen + 1 > cap) {
		wipe(der, sizeof der);
		return ACME_ERR_TOO_LARGE;
	}
	br_pem_encode(dst, der, dlen, "EC PRIVATE KEY", BR_PEM_LINE64);
	wipe(der, sizeof der);
	return (long)plen;
}

/* The DER of an EC private key (SEC1 or PKCS#8) into k.  Apart from
 * key_from_pem() so that the decoder contexts (the skey decoder is about
 * 2.5 KB) are not on the stack at the same time: firmware stacks are
 * small. */
static int __attribute__((noinline))
key_from_der(struct key_ec *k, const unsigned char *der, size_t len)
{
	br_skey_decoder_context kc;
	const br_ec_private_key *ek;
	int err = ACME_ERR_CRYPTO;

	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, der, len);
	if (br_skey_decoder_last_error(&kc) != 0 ||
	    br_skey_decoder_key_type(&kc) != BR_KEYTYPE_EC)
		goto out;
	ek = br_skey_decoder_get_ec(&kc);
	if (key_impl(ek->curve) == NULL)
		goto out;
	k->curve = (unsigned char)ek->curve;
	if (ek->xlen != key_xlen(k))
		goto out;
	memcpy(k->x, ek->x, key_xlen(k));
	err = ACME_OK;
out:
	wipe(&kc, sizeof kc);
	return err;
}

int
key_from_pem(struct key_ec *k, const char *pem, size_t len)
{
	unsigned char der[256];
	size_t dlen;
	int err = ACME_ERR_CRYPTO;

	memset(k, 0, sizeof *k);
	/* Three steps, one decoder on the stack at a time: firmware stacks
	 * are small. */
	dlen = pem_first(pem, len, "EC PRIVATE KEY", "PRIVATE KEY", der,
	    sizeof der);
	if (dlen > 0 && key_from_der(k, der, dlen) == ACME_OK)
		err = key_complete(k);
	wipe(der, sizeof der);
	if (err != ACME_OK)
		key_wipe(k);
	return err;
}

void
key_wipe(struct key_ec *k)
{
	wipe(k, sizeof *k);
}
