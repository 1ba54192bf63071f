/*
 * signer.h -- what the library does with a struct acme_signer
 * (acme_signer.h): the software signers over its own keys (key.h,
 * key_rsa.h), and the checked calls every signer goes through, so that a
 * board's signer that answers with a wrong length is a clean
 * ACME_ERR_CRYPTO, never an overflow.
 */
#ifndef SIGNER_H
#define SIGNER_H

#include <stddef.h>
#include <bearssl.h>
#include "acme_signer.h"
#include "acme_config.h"
#include "key.h"
#include "key_rsa.h"

/* The largest public key and raw signature of this build. */
#if ACME_KEY_RSA
#define SIGNER_PUB_MAX ACME_SIGNER_PUB_MAX
#define SIGNER_SIG_MAX ACME_SIGNER_SIG_MAX
#else
#define SIGNER_PUB_MAX KEY_EC_QMAX
#define SIGNER_SIG_MAX (KEY_EC_QMAX - 1)
#endif

/* A signer over the software key k (ES256 or ES384 by its curve). */
void signer_ec(struct acme_signer *s, struct key_ec *k);
#if ACME_KEY_RSA
/* A signer over the software key k (RS256). */
void signer_rsa(struct acme_signer *s, struct key_rsa *k);
#endif

/* 1 if this build has alg (and, for account 1, alg is one for JWS:
 * ES256 or ES384). */
int signer_alg_ok(int alg, int account);

/* The hash of alg: SHA-384 for ES384, else SHA-256. */
const br_hash_class *signer_hash(int alg);

/* The public key through s->public_key, checked against s->alg (the
 * length and leading 0x04 of a point; an RSAPublicKey SEQUENCE of a
 * 2048-bit modulus).  The length, or ACME_ERR_CRYPTO. */
long signer_pub(const struct acme_signer *s, unsigned char *out,
    size_t cap);

/* Sign the digest h (hlen: the size of signer_hash()) through s->sign;
 * the signature must have the length of s->alg (64, 96, 256 bytes).
 * The length, or ACME_ERR_CRYPTO. */
long signer_sign(const struct acme_signer *s, const unsigned char *h,
    size_t hlen, unsigned char *sig, size_t cap);

#endif
