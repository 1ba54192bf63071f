/*
 * key.h -- EC keys, P-256 and (ACME_KEY_P384) P-384: generation from port
 * entropy, PEM storage (SEC1 "EC PRIVATE KEY"), and the BearSSL
 * implementation chosen by ACME_EC_I15.  struct key_ec holds no pointers,
 * so it can be copied.  A key that was never made or loaded (all zero)
 * is P-256 by default: curve 0 reads as BR_EC_secp256r1.
 */
#ifndef KEY_H
#define KEY_H

#include <stddef.h>
#include <bearssl.h>
#include "port.h"
#include "acme_config.h"

/* The largest scalar and point this build holds. */
#if ACME_KEY_P384
#define KEY_EC_XMAX 48
#else
#define KEY_EC_XMAX 32
#endif
#define KEY_EC_QMAX (2 * KEY_EC_XMAX + 1)

struct key_ec {
	unsigned char x[KEY_EC_XMAX];  /* private scalar, big-endian */
	unsigned char q[KEY_EC_QMAX];  /* public point, uncompressed */
	unsigned char valid;
	unsigned char curve;   /* BR_EC_secp256r1 (or 0), BR_EC_secp384r1 */
};

/* The curve of k (BR_EC_secp256r1 for 0), the length of its scalar
 * (32, 48) and of its point (65, 97).  Constants without
 * ACME_KEY_P384. */
static inline int
key_curve(const struct key_ec *k)
{
#if ACME_KEY_P384
	return k->curve == BR_EC_secp384r1 ? BR_EC_secp384r1 :
	    BR_EC_secp256r1;
#else
	(void)k;
	return BR_EC_secp256r1;
#endif
}

static inline size_t
key_xlen(const struct key_ec *k)
{
	return key_curve(k) == BR_EC_secp384r1 ? 48 : 32;
}

static inline size_t
key_qlen(const struct key_ec *k)
{
	return 2 * key_xlen(k) + 1;
}

/* The implementation for a curve (NULL: not in this build). */
const br_ec_impl *key_impl(int curve);

/* The P-256 implementation and ECDSA signers of this build. */
const br_ec_impl *key_ec_impl(void);
br_ecdsa_sign key_sign_raw(void);
br_ecdsa_sign key_sign_asn1(void);

/* BearSSL views of k (pointing into k). */
void key_views(const struct key_ec *k, br_ec_private_key *sk,
    br_ec_public_key *pk);

/* New P-256 key from 48 bytes of port entropy, all of them the seed of
 * an HMAC_DRBG (SHA-256); the seed and the DRBG are wiped.  ACME_OK,
 * ACME_ERR_ENTROPY, ACME_ERR_CRYPTO. */
int key_generate(struct key_ec *k, const struct acme_port *p);

/* The same for curve (BR_EC_secp256r1, or BR_EC_secp384r1 with
 * ACME_KEY_P384); another curve is ACME_ERR_PARAM. */
int key_generate_curve(struct key_ec *k, int curve,
    const struct acme_port *p);

/* PEM text (with NUL) into dst.  Returns the length or
 * ACME_ERR_TOO_LARGE / ACME_ERR_CRYPTO (also for a key that was never
 * made or loaded: an all-zero key is never written out). */
long key_to_pem(const struct key_ec *k, char *dst, size_t cap);

/* Read a PEM "EC PRIVATE KEY" or "PRIVATE KEY" (PKCS#8) holding a P-256
 * key (or P-384 with ACME_KEY_P384).  ACME_OK, or ACME_ERR_CRYPTO when it
 * is not such a key. */
int key_from_pem(struct key_ec *k, const char *pem, size_t len);

/* Wipe a key (wipe.h: the compiler cannot drop it). */
void key_wipe(struct key_ec *k);

#endif
