/*
 * ta.c -- see ta.h.
 */
#include <string.h>
#include "acme_err.h"
#include "ta.h"

/* Where the bytes of one decode go: the anchors and the pool, or (ta
 * NULL) only counted.  over is set when a copy did not fit. */
struct ta_out {
	br_x509_trust_anchor *ta;
	size_t cap, n;
	unsigned char *pool;
	size_t pool_cap, used;
	int over;
	br_x509_decoder_context dc;
	size_t dn_at;                 /* where the current DN began */
	int trailing;                 /* bytes after the certificate */
};

/* Append len bytes to the pool (counted only in a size query); the
 * address they went to, or NULL when counted or out of room. */
static unsigned char *
ta_keep(struct ta_out *o, const void *p, size_t len)
{
	unsigned char *d;

	if (o->ta == NULL) {
		o->used += len;
		return NULL;
	}
	if (len > o->pool_cap - o->used) {
		o->over = 1;
		return NULL;
	}
	d = o->pool + o->used;
	memcpy(d, p, len);
	o->used += len;
	return d;
}

/* br_x509_decoder's DN callback. */
static void
ta_dn(void *ctx, const void *data, size_t len)
{
	ta_keep(ctx, data, len);
}

/* br_pem_decoder's destination: the DER goes to the X.509 decoder while
 * it is still reading (pushed after it failed or finished, BearSSL's
 * decoder reads through a null pointer: chain.c); bytes after the
 * certificate's end make it fail. */
static void
ta_der(void *ctx, const void *data, size_t len)
{
	struct ta_out *o = ctx;
	int e = br_x509_decoder_last_error(&o->dc);

	if (e == BR_ERR_X509_TRUNCATED)
		br_x509_decoder_push(&o->dc, data, len);
	else if (e == 0)
		o->trailing = 1;
}

/* The decoded certificate as the next anchor: ACME_OK or an error. */
static int
ta_finish(struct ta_out *o)
{
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&o->dc);
	br_x509_trust_anchor a;

	if (pk == NULL || br_x509_decoder_last_error(&o->dc) != 0 ||
	    o->trailing)
		return ACME_ERR_CRYPTO;
	if (o->over)
		return ACME_ERR_TOO_LARGE;
	memset(&a, 0, sizeof a);
	a.dn.data = o->ta ? o->pool + o->dn_at : NULL;
	a.dn.len = o->used - o->dn_at;
	a.flags = br_x509_decoder_isCA(&o->dc) ? BR_X509_TA_CA : 0;
	a.pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_EC) {
		a.pkey.key.ec.curve = pk->key.ec.curve;
		a.pkey.key.ec.qlen = pk->key.ec.qlen;
		a.pkey.key.ec.q = ta_keep(o, pk->key.ec.q, pk->key.ec.qlen);
	} else if (pk->key_type == BR_KEYTYPE_RSA) {
		a.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		a.pkey.key.rsa.elen = pk->key.rsa.elen;
		a.pkey.key.rsa.n = ta_keep(o, pk->key.rsa.n,
		    pk->key.rsa.nlen);
		a.pkey.key.rsa.e = ta_keep(o, pk->key.rsa.e,
		    pk->key.rsa.elen);
	} else {
		return ACME_ERR_CRYPTO;
	}
	if (o->over)
		return ACME_ERR_TOO_LARGE;
	if (o->ta != NULL) {
		if (o->n == o->cap)
			return ACME_ERR_TOO_LARGE;
		o->ta[o->n] = a;
	}
	o->n++;
	return ACME_OK;
}

/* Push pem[0..len) through the PEM decoder, acting on its events.
 * *in says whether a certificate is open.  ACME_OK or an error. */
static int
ta_push(struct ta_out *o, br_pem_decoder_context *pc, int *in,
    const char *pem, size_t len)
{
	int r = ACME_OK;

	while (len > 0 && r == ACME_OK) {
		size_t k = br_pem_decoder_push(pc, pem, len);
		const char *name;

		pem += k;
		len -= k;
		switch (br_pem_decoder_event(pc)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(pc);
			*in = strcmp(name, "CERTIFICATE") == 0 ||
			    strcmp(name, "X509 CERTIFICATE") == 0;
			if (*in) {
				o->dn_at = o->used;
				o->trailing = 0;
				br_x509_decoder_init(&o->dc, ta_dn, o);
			}
			br_pem_decoder_setdest(pc, *in ? ta_der : NULL, o);
			break;
		case BR_PEM_END_OBJ:
			if (*in)
				r = ta_finish(o);
			*in = 0;
			break;
		case BR_PEM_ERROR:
			r = ACME_ERR_CRYPTO;
			break;
		default:
			break;
		}
	}
	return r;
}

int
ta_from_pem(br_x509_trust_anchor *ta, size_t *n, unsigned char *pool,
    size_t *pool_len, const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	struct ta_out o;
	int in = 0, r;

	if (n == NULL || pool_len == NULL || (pem == NULL && len > 0) ||
	    (ta != NULL && pool == NULL && *pool_len > 0))
		return ACME_ERR_PARAM;
	memset(&o, 0, sizeof o);
	o.ta = ta;
	o.cap = ta ? *n : 0;
	o.pool = pool;
	o.pool_cap = ta ? *pool_len : 0;
	br_pem_decoder_init(&pc);
	r = ta_push(&o, &pc, &in, pem, len);
	/* BearSSL ends an object at the newline after its END line: a
	 * text whose last line has none still counts. */
	if (r == ACME_OK)
		r = ta_push(&o, &pc, &in, "\n", 1);
	if (r == ACME_OK && in)
		r = ACME_ERR_CRYPTO;    /* the text ends inside an object */
	if (r == ACME_OK && o.n == 0)
		r = ACME_ERR_PARAM;
	*n = o.n;
	if (r == ACME_OK)
		*pool_len = o.used;
	return r;
}
