/*
 * key_rsa.h -- RSA-2048 certificate keys (ACME_KEY_RSA): generation
 * from port entropy with caller-owned buffers (no allocation), PKCS#1 v1.5
 * signatures with SHA-256, PEM storage ("RSA PRIVATE KEY", RFC 8017
 * A.1.2).  struct key_rsa holds no pointers, so it can be copied; its
 * BearSSL views point into it.
 */
#ifndef KEY_RSA_H
#define KEY_RSA_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "port.h"

#define KEY_RSA_BITS 2048
#define KEY_RSA_BYTES (KEY_RSA_BITS / 8)

struct key_rsa {
	/* p, q, dp, dq, iq, one after the other, big-endian */
	unsigned char priv[BR_RSA_KBUF_PRIV_SIZE(KEY_RSA_BITS)];
	uint16_t len[5];
	unsigned char n[KEY_RSA_BYTES];   /* the modulus, 2048 bits */
	uint32_t e;                       /* the public exponent */
	unsigned char valid;
};

/* New key (e = 65537) from 48 bytes of port entropy seeding an HMAC_DRBG
 * (SHA-256); seed, DRBG and scratch are wiped.  Seconds on a host.
 * ACME_OK, ACME_ERR_ENTROPY, ACME_ERR_CRYPTO. */
int key_rsa_generate(struct key_rsa *k, const struct acme_port *p);

/* The public key as DER RSAPublicKey (acme_signer.h's format) into out
 * (cap).  Returns the length or ACME_ERR_TOO_LARGE / ACME_ERR_CRYPTO. */
long key_rsa_pub(const struct key_rsa *k, unsigned char *out, size_t cap);

/* PKCS#1 v1.5 signature of the SHA-256 digest h (32 bytes) into sig
 * (cap >= KEY_RSA_BYTES).  Returns KEY_RSA_BYTES or ACME_ERR_CRYPTO. */
long key_rsa_sign(const struct key_rsa *k, const unsigned char *h,
    size_t hlen, unsigned char *sig, size_t cap);

/* PEM "RSA PRIVATE KEY" text (with NUL) into dst; the length, or
 * ACME_ERR_TOO_LARGE / ACME_ERR_CRYPTO (a key never made or loaded). */
long key_rsa_to_pem(const struct key_rsa *k, char *dst, size_t cap);

/* Read a PEM "RSA PRIVATE KEY" or "PRIVATE KEY" (PKCS#8) holding a
 * 2048-bit RSA key.  ACME_OK, or ACME_ERR_CRYPTO. */
int key_rsa_from_pem(struct key_rsa *k, const char *pem, size_t len);

void key_rsa_wipe(struct key_rsa *k);

#endif
