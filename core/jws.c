/*
 * jws.c -- see jws.h.
 */
#include <string.h>
#include "jws.h"
#include "prof.h"
#include "json.h"
#include "b64url.h"
#include "signer.h"
#include "acme_err.h"

void
jws_w_jwk(struct json_w *w, const unsigned char *q, size_t qlen)
{
	char x[68], y[68];
	size_t n = (qlen - 1) / 2;

	b64url_encode(x, sizeof x, q + 1, n);
	b64url_encode(y, sizeof y, q + 1 + n, n);
	json_w_obj_begin(w);
	json_w_key(w, "crv");
	json_w_str(w, n == 48 ? "P-384" : "P-256");
	json_w_key(w, "kty");
	json_w_str(w, "EC");
	json_w_key(w, "x");
	json_w_str(w, x);
	json_w_key(w, "y");
	json_w_str(w, y);
	json_w_obj_end(w);
}

int
jws_jwk_pub(char *out, size_t cap, const unsigned char *q, size_t qlen)
{
	struct json_w w;

	if ((qlen != 65 && qlen != 97) || q[0] != 0x04)
		return ACME_ERR_PARAM;
	json_w_init(&w, out, cap);
	jws_w_jwk(&w, q, qlen);
	return json_w_finish(&w);
}

int
jws_jwk(char *out, size_t cap, const struct key_ec *k)
{
	return jws_jwk_pub(out, cap, k->q, key_qlen(k));
}

int
jws_thumbprint_signer(char out[JWS_THUMBPRINT_LEN + 1],
    const struct acme_signer *s)
{
	unsigned char q[KEY_EC_QMAX];
	char jwk[200];
	unsigned char h[32];
	br_sha256_context sc;
	long qlen;
	int n;

	if (!signer_alg_ok(s->alg, 1))
		return ACME_ERR_PARAM;
	qlen = signer_pub(s, q, sizeof q);
	if (qlen < 0)
		return (int)qlen;
	n = jws_jwk_pub(jwk, sizeof jwk, q, (size_t)qlen);
	if (n < 0)
		return n;
	/* RFC 7638 3: SHA-256 whatever the key's own hash */
	br_sha256_init(&sc);
	br_sha256_update(&sc, jwk, (size_t)n);
	br_sha256_out(&sc, h);
	b64url_encode(out, JWS_THUMBPRINT_LEN + 1, h, sizeof h);
	return ACME_OK;
}

int
jws_thumbprint(char out[JWS_THUMBPRINT_LEN + 1], const struct key_ec *k)
{
	struct acme_signer s;

	signer_ec(&s, (struct key_ec *)k);
	return jws_thumbprint_signer(out, &s);
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

/* Append base64url of data; the encoding is also hashed into hc. */
static int
jws_put_b64(char *out, size_t cap, size_t *len, const void *data,
    size_t n, const br_hash_class **hc)
{
	size_t need = b64url_encode(NULL, 0, data, n);

	if (need + 1 > cap - *len)
		return -1;
	if (n > 0)
		b64url_encode(out + *len, cap - *len, data, n);
	if (hc != NULL)
		(*hc)->update(hc, out + *len, need);
	*len += need;
	out[*len] = 0;
	return 0;
}

long
jws_build_signer(char *out, size_t cap, const struct acme_signer *s,
    const char *kid, const char *nonce, const char *url,
    const char *payload, size_t plen, char *tmp, size_t tmpcap)
{
	br_hash_compat_context hc;
	const br_hash_class *hv;
	unsigned char h[48], sig[KEY_EC_QMAX - 1], q[KEY_EC_QMAX];
	struct json_w w;
	size_t len = 0;
	long qlen = 0, n;
	int plen_hdr;

	if (cap == 0 || !signer_alg_ok(s->alg, 1))
		return ACME_ERR_PARAM;
	if (kid == NULL) {
		qlen = signer_pub(s, q, sizeof q);
		if (qlen < 0)
			return qlen;
	}
	/* The protected header: jwk (newAccount) or kid, RFC 8555 6.2. */
	json_w_init(&w, tmp, tmpcap);
	json_w_obj_begin(&w);
	json_w_key(&w, "alg");
	json_w_str(&w, s->alg == ACME_ALG_ES384 ? "ES384" : "ES256");
	if (kid == NULL) {
		json_w_key(&w, "jwk");
		jws_w_jwk(&w, q, (size_t)qlen);
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

	/* RFC 7515 5.1: sign BASE64URL(header) '.' BASE64URL(payload),
	 * with the hash of the alg (RFC 7518 3.4). */
	hv = signer_hash(s->alg);
	hv->init(&hc.vtable);
	if (jws_put(out, cap, &len, "{\"protected\":\"", 14) ||
	    jws_put_b64(out, cap, &len, tmp, (size_t)plen_hdr, &hc.vtable))
		return ACME_ERR_TOO_LARGE;
	hc.vtable->update(&hc.vtable, ".", 1);
	if (jws_put(out, cap, &len, "\",\"payload\":\"", 13) ||
	    jws_put_b64(out, cap, &len, payload, payload ? plen : 0,
	    &hc.vtable))
		return ACME_ERR_TOO_LARGE;
	hc.vtable->out(&hc.vtable, h);

	n = PROF(PROF_SIGN, signer_sign(s, h, (hv->desc >> BR_HASHDESC_OUT_OFF) &
	    BR_HASHDESC_OUT_MASK, sig, sizeof sig));
	if (n < 0)
		return ACME_ERR_CRYPTO;
	if (jws_put(out, cap, &len, "\",\"signature\":\"", 15) ||
	    jws_put_b64(out, cap, &len, sig, (size_t)n, NULL) ||
	    jws_put(out, cap, &len, "\"}", 2))
		return ACME_ERR_TOO_LARGE;
	return (long)len;
}

long
jws_build(char *out, size_t cap, const struct key_ec *k, const char *kid,
    const char *nonce, const char *url, const char *payload, size_t plen,
    char *tmp, size_t tmpcap)
{
	struct acme_signer s;

	if (cap == 0 || !k->valid)
		return ACME_ERR_PARAM;
	signer_ec(&s, (struct key_ec *)k);
	return jws_build_signer(out, cap, &s, kid, nonce, url, payload,
	    plen, tmp, tmpcap);
}
