/*
 * key.c -- see key.h.
 */
#include <string.h>
#include "key.h"
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
		sk->curve = BR_EC_secp256r1;
		sk->x = (unsigned char *)k->x;
		sk->xlen = sizeof k->x;
	}
	if (pk != NULL) {
		pk->curve = BR_EC_secp256r1;
		pk->q = (unsigned char *)k->q;
		pk->qlen = sizeof k->q;
	}
}

static int
key_complete(struct key_ec *k)
{
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char qbuf[BR_EC_KBUF_PUB_MAX_SIZE];

	key_views(k, &sk, NULL);
	if (br_ec_compute_pub(key_ec_impl(), &pk, qbuf, &sk) != sizeof k->q)
		return ACME_ERR_CRYPTO;
	memcpy(k->q, qbuf, sizeof k->q);
	k->valid = 1;
	return ACME_OK;
}

int
key_generate(struct key_ec *k, const struct acme_port *p)
{
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	unsigned char seed[48];
	unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	int err = ACME_OK;

	memset(k, 0, sizeof *k);
	if (p->entropy == NULL || p->entropy(p->ctx, seed, sizeof seed) != 0)
		return ACME_ERR_ENTROPY;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof seed);
	if (br_ec_keygen(&rng.vtable, key_ec_impl(), &sk, kbuf,
	    BR_EC_secp256r1) != sizeof k->x) {
		err = ACME_ERR_CRYPTO;
		goto out_wipe;
	}
	memcpy(k->x, kbuf, sizeof k->x);
	err = key_complete(k);
out_wipe:
	memset(&rng, 0, sizeof rng);
	memset(seed, 0, sizeof seed);
	memset(kbuf, 0, sizeof kbuf);
	if (err != ACME_OK)
		key_wipe(k);
	return err;
}

long
key_to_pem(const struct key_ec *k, char *dst, size_t cap)
{
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char der[160];
	size_t dlen, plen;

	key_views(k, &sk, &pk);
	dlen = br_encode_ec_raw_der(NULL, &sk, &pk);
	if (dlen == 0 || dlen > sizeof der)
		return ACME_ERR_CRYPTO;
	br_encode_ec_raw_der(der, &sk, &pk);
	plen = br_pem_encode(NULL, der, dlen, "EC PRIVATE KEY",
	    BR_PEM_LINE64);
	if (plen + 1 > cap) {
		memset(der, 0, sizeof der);
		return ACME_ERR_TOO_LARGE;
	}
	br_pem_encode(dst, der, dlen, "EC PRIVATE KEY", BR_PEM_LINE64);
	memset(der, 0, sizeof der);
	return (long)plen;
}

struct key_der {
	unsigned char buf[256];
	size_t len;
	int over;
};

static void
key_der_append(void *ctx, const void *data, size_t len)
{
	struct key_der *d = ctx;

	if (d->over || len > sizeof d->buf - d->len) {
		d->over = 1;
		return;
	}
	memcpy(d->buf + d->len, data, len);
	d->len += len;
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
	if (ek->curve != BR_EC_secp256r1 || ek->xlen != sizeof k->x)
		goto out;
	memcpy(k->x, ek->x, sizeof k->x);
	err = ACME_OK;
out:
	memset(&kc, 0, sizeof kc);
	return err;
}

/* The DER of the first private key object of pem into d; 0 or -1. */
static int __attribute__((noinline))
key_pem_to_der(struct key_der *d, const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	int in_obj = 0;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, pem, len);

		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (strcmp(br_pem_decoder_name(&pc),
			    "EC PRIVATE KEY") == 0 ||
			    strcmp(br_pem_decoder_name(&pc),
			    "PRIVATE KEY") == 0) {
				in_obj = 1;
				br_pem_decoder_setdest(&pc, key_der_append, d);
			} else {
				br_pem_decoder_setdest(&pc, NULL, NULL);
			}
			break;
		case BR_PEM_END_OBJ:
			if (in_obj)
				return d->over ? -1 : 0;
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return -1;
}

int
key_from_pem(struct key_ec *k, const char *pem, size_t len)
{
	struct key_der d;
	int err = ACME_ERR_CRYPTO;

	memset(k, 0, sizeof *k);
	memset(&d, 0, sizeof d);
	/* Three steps, one decoder on the stack at a time. */
	if (key_pem_to_der(&d, pem, len) == 0 &&
	    key_from_der(k, d.buf, d.len) == ACME_OK)
		err = key_complete(k);
	memset(&d, 0, sizeof d);
	if (err != ACME_OK)
		key_wipe(k);
	return err;
}

void
key_wipe(struct key_ec *k)
{
	volatile unsigned char *p = (volatile unsigned char *)k;
	size_t i;

	for (i = 0; i < sizeof *k; i++)
		p[i] = 0;
}
