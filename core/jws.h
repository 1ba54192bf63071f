/*
 * jws.h -- JSON Web Signature for ACME (RFC 7515 flattened JSON, RFC 8555
 * 6.2) with ES256, and the JWK thumbprint (RFC 7638) used in key
 * authorizations.
 */
#ifndef JWS_H
#define JWS_H

#include <stddef.h>
#include "key.h"

/* Length of a P-256 JWK thumbprint in base64url. */
#define JWS_THUMBPRINT_LEN 43

/*
 * Build {"protected":...,"payload":...,"signature":...} into out (cap,
 * NUL-terminated).  The protected header carries alg ES256, the "jwk" of
 * k when kid is NULL (newAccount) or "kid" otherwise, and nonce and url
 * (nonce NULL: none, the inner JWS of a keyChange, RFC 8555 7.3.5).
 * payload NULL (or plen 0 with payload NULL) makes a POST-as-GET (empty
 * payload, RFC 8555 6.3).  tmp (tmpcap) is scratch for the protected
 * header.  Returns the length, or ACME_ERR_TOO_LARGE / ACME_ERR_CRYPTO.
 */
long jws_build(char *out, size_t cap, const struct key_ec *k,
    const char *kid, const char *nonce, const char *url,
    const char *payload, size_t plen, char *tmp, size_t tmpcap);

/* The JWK of k in RFC 7638 canonical form (also what "jwk" holds). */
int jws_jwk(char *out, size_t cap, const struct key_ec *k);

/* RFC 7638 thumbprint of k: JWS_THUMBPRINT_LEN characters + NUL. */
int jws_thumbprint(char out[JWS_THUMBPRINT_LEN + 1], const struct key_ec *k);

#endif
