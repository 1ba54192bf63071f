/*
 * key.h -- EC P-256 keys: generation from port entropy, PEM storage
 * (SEC1 "EC PRIVATE KEY"), and the BearSSL implementation chosen by
 * ACME_EC_I15.  struct key_ec holds no pointers, so it can be copied.
 */
#ifndef KEY_H
#define KEY_H

#include <stddef.h>
#include <bearssl.h>
#include "port.h"

struct key_ec {
	unsigned char x[32];   /* private scalar, big-endian */
	unsigned char q[65];   /* public point, uncompressed */
	unsigned char valid;
};

/* The P-256 implementation and ECDSA signers of this build. */
const br_ec_impl *key_ec_impl(void);
br_ecdsa_sign key_sign_raw(void);
br_ecdsa_sign key_sign_asn1(void);

/* BearSSL views of k (pointing into k). */
void key_views(const struct key_ec *k, br_ec_private_key *sk,
    br_ec_public_key *pk);

/* New key from 48 bytes of port entropy, all of them the seed of an
 * HMAC_DRBG (SHA-256); the seed and the DRBG are wiped.  ACME_OK,
 * ACME_ERR_ENTROPY, ACME_ERR_CRYPTO. */
int key_generate(struct key_ec *k, const struct acme_port *p);

/* PEM text (with NUL) into dst.  Returns the length or
 * ACME_ERR_TOO_LARGE / ACME_ERR_CRYPTO (also for a key that was never
 * made or loaded: an all-zero key is never written out). */
long key_to_pem(const struct key_ec *k, char *dst, size_t cap);

/* Read a PEM "EC PRIVATE KEY" or "PRIVATE KEY" (PKCS#8) holding a P-256
 * key.  ACME_OK, or ACME_ERR_CRYPTO when it is not such a key. */
int key_from_pem(struct key_ec *k, const char *pem, size_t len);

/* Wipe a key (wipe.h: the compiler cannot drop it). */
void key_wipe(struct key_ec *k);

#endif
