/*
 * app_ta.c -- see app_ta.h.
 */
#include <string.h>
#include "app_ta.h"
#include "pem.h"

int
app_ta_add(struct app_ta_set *s, const br_x509_trust_anchor *tas, size_t n)
{
	if (n > APP_TA_MAX - s->n)
		return -1;
	memcpy(&s->ta[s->n], tas, n * sizeof *tas);
	s->n += n;
	return 0;
}

/* One certificate being decoded: its DER goes straight from the PEM
 * decoder into the X.509 decoder, its DN into the pool. */
struct app_ta_cert {
	br_x509_decoder_context dc;
	struct pem_sink dn;
};

static void
app_ta_der(void *ctx, const void *data, size_t len)
{
	struct app_ta_cert *c = ctx;

	br_x509_decoder_push(&c->dc, data, len);
}

/* Copy len bytes to the pool; NULL when they do not fit. */
static unsigned char *
app_ta_keep(struct app_ta_set *s, const unsigned char *p, size_t len)
{
	unsigned char *d = s->pool + s->used;

	if (len > sizeof s->pool - s->used)
		return NULL;
	memcpy(d, p, len);
	s->used += len;
	return d;
}

/* The decoded certificate as anchor s->ta[s->n]: 0 or -1. */
static int
app_ta_finish(struct app_ta_set *s, struct app_ta_cert *c)
{
	br_x509_trust_anchor *ta = &s->ta[s->n];
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&c->dc);

	if (pk == NULL || c->dn.over || s->n == APP_TA_MAX)
		return -1;
	s->used += c->dn.len;           /* the DN is already in the pool */
	memset(ta, 0, sizeof *ta);
	ta->dn.data = c->dn.p;
	ta->dn.len = c->dn.len;
	ta->flags = br_x509_decoder_isCA(&c->dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		ta->pkey.key.ec.q = app_ta_keep(s, pk->key.ec.q,
		    pk->key.ec.qlen);
		if (ta->pkey.key.ec.q == NULL)
			return -1;
	} else if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		ta->pkey.key.rsa.n = app_ta_keep(s, pk->key.rsa.n,
		    pk->key.rsa.nlen);
		ta->pkey.key.rsa.e = app_ta_keep(s, pk->key.rsa.e,
		    pk->key.rsa.elen);
		if (ta->pkey.key.rsa.n == NULL || ta->pkey.key.rsa.e == NULL)
			return -1;
	} else {
		return -1;
	}
	s->n++;
	return 0;
}

int
app_ta_add_pem(struct app_ta_set *s, const char *pem, size_t len)
{
	br_pem_decoder_context pc;
	struct app_ta_cert c;
	size_t n0 = s->n, used0 = s->used;
	int in = 0;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t k = br_pem_decoder_push(&pc, pem, len);

		pem += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in = strcmp(br_pem_decoder_name(&pc),
			    "CERTIFICATE") == 0;
			if (in) {
				c.dn.p = s->pool + s->used;
				c.dn.len = 0;
				c.dn.cap = sizeof s->pool - s->used;
				c.dn.over = 0;
				br_x509_decoder_init(&c.dc, pem_sink_append,
				    &c.dn);
			}
			br_pem_decoder_setdest(&pc, in ? app_ta_der : NULL,
			    &c);
			break;
		case BR_PEM_END_OBJ:
			if (in && app_ta_finish(s, &c) != 0)
				goto fail;
			in = 0;
			break;
		case BR_PEM_ERROR:
			goto fail;
		default:
			break;
		}
	}
	if (in || s->n == n0)
		goto fail;
	return (int)(s->n - n0);
fail:
	s->n = n0;
	s->used = used0;
	return -1;
}
