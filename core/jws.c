/*
 * jws.c -- see jws.h.
 */
#include <string.h>
#include "jws.h"
#include "json.h"
#include "b64url.h"
#include "acme_err.h"

/* Write the JWK of k as a value, RFC 7638 3.2 canonical member order. */
static void
jws_w_jwk(struct json_w *w, const struct key_ec *k)
{
	char x[44], y[44];

	b64url_encode(x, sizeof x, k->q + 1, 32);
	b64url_encode(y, sizeof y, k->q + 33, 32);
	json_w_obj_begin(w);
	json_w_key(w, "crv");
	json_w_str(w, "P-256");
	json_w_key(w, "kty");
	json_w_str(w, "EC");
	json_w_key(w, "x");
	json_w_str(w, x);
	json_w_key(w, "y");
	json_w_str(w, y);
	json_w_obj_end(w);
}

int
jws_jwk(char *out, size_t cap, const struct key_ec *k)
{
	struct json_w w;

	json_w_init(&w, out, cap);
	jws_w_jwk(&w, k);
	return json_w_finish(&w);
}

int
jws_thumbprint(char out[JWS_THUMBPRINT_LEN + 1], const struct key_ec *k)
{
	char jwk[160];
	unsigned char h[32];
	br_sha256_context sc;
	int n;

	n = jws_jwk(jwk, sizeof jwk, k);
	if (n < 0)
		return n;
	br_sha256_init(&sc);
	br_sha256_update(&sc, jwk, (size_t)n);
	br_sha256_out(&sc, h);
	b64url_encode(out, JWS_THUMBPRINT_LEN + 1, h, sizeof h);
	return ACME_OK;
}

/* Append a string to out at *len; 0 or -1 when it does not fit. */
static int
jws_put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (n >= cap - *len)
		return -1;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = 0;
	return 0;
}

/* Append base64url of data; the encoding is also hashed into sc. */
static int
jws_put_b64(char *out, size_t cap, size_t *len, const void *data,
    size_t n, br_sha256_context *sc)
{
	size_t need = b64url_encode(NULL, 0, data, n);

	if (need + 1 > cap - *len)
		return -1;
	if (n > 0)
		b64url_encode(out + *len, cap - *len, data, n);
	if (sc != NULL)
		br_sha256_update(sc, out + *len, need);
	*len += need;
	out[*len] = 0;
	return 0;
}

long
jws_build(char *out, size_t cap, const struct key_ec *k, const char *kid,
    const char *nonce, const char *url, const char *payload, size_t plen,
    char *tmp, size_t tmpcap)
{
	br_sha256_context sc;
	br_ec_private_key sk;
	unsigned char h[32], sig[64];
	struct json_w w;
	size_t len = 0;
	int plen_hdr, n;

	if (cap == 0 || !k->valid)
		return ACME_ERR_PARAM;
	/* The protected header: jwk (newAccount) or kid, RFC 8555 6.2. */
	json_w_init(&w, tmp, tmpcap);
	json_w_obj_begin(&w);
	json_w_key(&w, "alg");
	json_w_str(&w, "ES256");
	if (kid == NULL) {
		json_w_key(&w, "jwk");
		jws_w_jwk(&w, k);
	} else {
		json_w_key(&w, "kid");
		json_w_str(&w, kid);
	}
	if (nonce != NULL) {
		json_w_key(&w, "nonce");
		json_w_str(&w, nonce);
	}
	json_w_key(&w, "url");
	json_w_str(&w, url);
	json_w_obj_end(&w);
	plen_hdr = json_w_finish(&w);
	if (plen_hdr < 0)
		return plen_hdr;

	/* RFC 7515 5.1: sign BASE64URL(header) '.' BASE64URL(payload). */
	br_sha256_init(&sc);
	if (jws_put(out, cap, &len, "{\"protected\":\"", 14) ||
	    jws_put_b64(out, cap, &len, tmp, (size_t)plen_hdr, &sc))
		return ACME_ERR_TOO_LARGE;
	br_sha256_update(&sc, ".", 1);
	if (jws_put(out, cap, &len, "\",\"payload\":\"", 13) ||
	    jws_put_b64(out, cap, &len, payload, payload ? plen : 0, &sc))
		return ACME_ERR_TOO_LARGE;
	br_sha256_out(&sc, h);

	key_views(k, &sk, NULL);
	n = (int)key_sign_raw()(key_ec_impl(), &br_sha256_vtable, h, &sk,
	    sig);
	if (n != (int)sizeof sig)
		return ACME_ERR_CRYPTO;
	if (jws_put(out, cap, &len, "\",\"signature\":\"", 15) ||
	    jws_put_b64(out, cap, &len, sig, sizeof sig, NULL) ||
	    jws_put(out, cap, &len, "\"}", 2))
		return ACME_ERR_TOO_LARGE;
	return (long)len;
}
