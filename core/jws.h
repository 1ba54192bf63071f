/*
 * jws.h -- JSON Web Signature for ACME (RFC 7515 flattened JSON, RFC 8555
 * 6.2) with ES256 or ES384 (RFC 7518 3.4), and the JWK thumbprint (RFC
 * 7638) used in key authorizations.  The key signs through a struct
 * acme_signer (acme_signer.h); the struct key_ec forms are thin wrappers
 * over the software signer.
 */
#ifndef JWS_H
#define JWS_H

#include <stddef.h>
#include "key.h"
#include "acme_signer.h"

struct json_w;

/* Write the JWK of the point q (qlen 65: P-256, 97: P-384) as a JSON
 * value, RFC 7638 3.2 canonical member order (the keyChange's oldKey
 * uses it too). */
void jws_w_jwk(struct json_w *w, const unsigned char *q, size_t qlen);

/* Length of a JWK thumbprint (SHA-256) in base64url. */
#define JWS_THUMBPRINT_LEN 43

/*
 * Build {"protected":...,"payload":...,"signature":...} into out (cap,
 * NUL-terminated).  The protected header carries the signer's alg (ES256,
 * ES384), the "jwk" of its key when kid is NULL (newAccount) or "kid"
 * otherwise, and nonce and url (nonce NULL: none, the inner JWS of a
 * keyChange, RFC 8555 7.3.5).  payload NULL (or plen 0 with payload
 * NULL) makes a POST-as-GET (empty payload, RFC 8555 6.3).  tmp (tmpcap)
 * is scratch for the protected header.  The signer is called once.
 * Returns the length, or ACME_ERR_PARAM (an alg JWS cannot use here),
 * ACME_ERR_TOO_LARGE, ACME_ERR_CRYPTO (the signer failed).
 */
long jws_build_signer(char *out, size_t cap, const struct acme_signer *s,
    const char *kid, const char *nonce, const char *url,
    const char *payload, size_t plen, char *tmp, size_t tmpcap);

/* jws_build_signer() with the software key k. */
long jws_build(char *out, size_t cap, const struct key_ec *k,
    const char *kid, const char *nonce, const char *url,
    const char *payload, size_t plen, char *tmp, size_t tmpcap);

/* The JWK of the EC public point q (65 or 97 bytes) in RFC 7638
 * canonical form (also what "jwk" holds). */
int jws_jwk_pub(char *out, size_t cap, const unsigned char *q, size_t qlen);

/* The JWK of k. */
int jws_jwk(char *out, size_t cap, const struct key_ec *k);

/* RFC 7638 thumbprint of the signer's key: JWS_THUMBPRINT_LEN
 * characters + NUL. */
int jws_thumbprint_signer(char out[JWS_THUMBPRINT_LEN + 1],
    const struct acme_signer *s);

/* RFC 7638 thumbprint of k. */
int jws_thumbprint(char out[JWS_THUMBPRINT_LEN + 1], const struct key_ec *k);

#endif
