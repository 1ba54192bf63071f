/*
 * acme_signer.h -- where the private keys live: a signer is two
 * callbacks, "the public key" and "sign this digest", so that the account
 * key and the certificate key can stay in a secure element (ATECC608, a
 * TPM, PSA Crypto) and never enter struct acme_client.
 *
 * picoacme's own software keys are one implementation (core/signer.c):
 * generated from the port's entropy and stored as PEM through the port
 * (ACME_STORE_ACCOUNT_KEY, ACME_STORE_CERT_KEY).  A board passes its own
 * in struct acme_config (account_signer, cert_signer); then the library
 * neither makes nor stores nor reads that key:
 *   - account_signer: every JWS is signed through it; the account URL
 *     is stored and reused as with a software key (ACME_STORE_ACCOUNT_URL):
 *     when the chip's account key changes, remove that file, as the CA
 *     knows the stored account by its old key.
 *   - cert_signer: the CSR is signed through it, the issued leaf must
 *     carry its public key, and only ACME_STORE_CERT is committed (no
 *     ACME_STORE_CERT_KEY).  Every renewal asks for a certificate for
 *     the same key: rotating it is the board's business (the chip's key
 *     slot), not the library's.
 *
 * The contract, to the byte:
 *   alg      ACME_ALG_ES256 (P-256, SHA-256), ACME_ALG_ES384 (P-384,
 *            SHA-384, needs ACME_KEY_P384) or ACME_ALG_RS256 (RSA 2048,
 *            SHA-256, PKCS#1 v1.5; needs ACME_KEY_RSA; certificate keys
 *            only).  Fixed for the signer's life.
 *   public_key(ctx, out, cap)
 *            writes the public key into out (cap bytes) and returns its
 *            length, or a negative value on failure (ACME_ERR_CRYPTO is
 *            then reported).  The format is the content of an X.509
 *            subjectPublicKey, which is also what psa_export_public_key()
 *            gives: for ES256/ES384 the uncompressed point 0x04 || X || Y
 *            (65 / 97 bytes); for RS256 the DER RSAPublicKey SEQUENCE {
 *            n INTEGER, e INTEGER } (RFC 8017 A.1.1), n of 2048 bits.
 *            cap is at least the length of the alg's key (65, 97,
 *            ACME_SIGNER_PUB_MAX for RS256).  Called a few times per
 *            run; it may block.
 *   sign(ctx, digest, dlen, sig, cap)
 *            signs the digest (dlen 32 for ES256 and RS256, 48 for
 *            ES384: the hash is computed by the library) and writes the
 *            signature into sig (cap bytes, at least the alg's length)
 *            and returns its length, or a negative value on failure.  ES*:
 *            the raw r || s, each zero-padded to the curve size (64 / 96
 *            bytes: what ATECC608's Sign command, PSA's psa_sign_hash()
 *            and JWS (RFC 7518 3.4) use; the library makes the DER of a
 *            CSR from it).  RS256: the PKCS#1 v1.5 signature with the
 *            SHA-256 DigestInfo (RFC 8017 8.2), 256 bytes.  Called once per
 *            JWS (account) or once per CSR (certificate); it may block.
 *   ctx      passed back untouched; the library never reads it.
 * The struct is read when it is used, through the pointer given to
 * acme_init(): it must outlive the client.
 */
#ifndef ACME_SIGNER_H
#define ACME_SIGNER_H

#include <stddef.h>

/* Signature algorithms (RFC 7518 3.1 names). */
#define ACME_ALG_ES256 1
#define ACME_ALG_ES384 2
#define ACME_ALG_RS256 3

/* Key types of the software keys (acme_config.account_key_type,
 * cert_key_type); 0 is P-256. */
#define ACME_KEYTYPE_P256 0
#define ACME_KEYTYPE_P384 1      /* ACME_KEY_P384 */
#define ACME_KEYTYPE_RSA2048 2   /* ACME_KEY_RSA; certificate keys only */

/* Largest public key (an RSA-2048 RSAPublicKey with a 4-byte e) and
 * signature the library asks for. */
#define ACME_SIGNER_PUB_MAX 272
#define ACME_SIGNER_SIG_MAX 256

struct acme_signer {
	int alg;
	long (*public_key)(void *ctx, unsigned char *out, size_t cap);
	long (*sign)(void *ctx, const unsigned char *digest, size_t dlen,
	    unsigned char *sig, size_t cap);
	void *ctx;
};

#endif
