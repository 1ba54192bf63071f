/*
 * ta_file.c -- see ta_file.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ta_file.h"

struct ta_buf {
	unsigned char *p;
	size_t len, cap;
};

static void
ta_append(void *ctx, const void *data, size_t len)
{
	struct ta_buf *b = ctx;

	if (b->p == NULL || b->len + len > b->cap) {
		size_t nc = (b->cap ? b->cap : 1024);
		unsigned char *np;

		while (nc < b->len + len)
			nc *= 2;
		np = realloc(b->p, nc);
		if (np == NULL)
			return;
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void *
ta_dup(const void *p, size_t len)
{
	void *q = malloc(len ? len : 1);

	if (q != NULL)
		memcpy(q, p, len);
	return q;
}

/* One DER certificate into a trust anchor. */
static int
ta_from_der(br_x509_trust_anchor *ta, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct ta_buf dn = { NULL, 0, 0 };
	br_x509_pkey *pk;

	br_x509_decoder_init(&dc, ta_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || dn.p == NULL) {
		free(dn.p);
		return -1;
	}
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = ta_dup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = ta_dup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = ta_dup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	} else {
		free(dn.p);
		return -1;
	}
	return 0;
}

long
ta_file_load(const char *path, br_x509_trust_anchor **out, char *err,
    size_t errcap)
{
	br_pem_decoder_context pc;
	struct ta_buf der = { NULL, 0, 0 };
	br_x509_trust_anchor *tas = NULL;
	size_t n = 0, len;
	unsigned char buf[4096];
	int in_cert = 0;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errcap, "cannot open CA file %s", path);
		return -1;
	}
	br_pem_decoder_init(&pc);
	while ((len = fread(buf, 1, sizeof buf, f)) > 0) {
		unsigned char *p = buf;

		while (len > 0) {
			size_t k = br_pem_decoder_push(&pc, p, len);

			p += k;
			len -= k;
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				in_cert = strcmp(br_pem_decoder_name(&pc),
				    "CERTIFICATE") == 0 ||
				    strcmp(br_pem_decoder_name(&pc),
				    "X509 CERTIFICATE") == 0;
				der.len = 0;
				br_pem_decoder_setdest(&pc, in_cert ?
				    ta_append : NULL, &der);
				break;
			case BR_PEM_END_OBJ:
				if (in_cert) {
					br_x509_trust_anchor *nt = realloc(tas,
					    (n + 1) * sizeof *tas);

					if (nt != NULL) {
						tas = nt;
						if (ta_from_der(&tas[n], der.p,
						    der.len) == 0)
							n++;
					}
				}
				in_cert = 0;
				break;
			case BR_PEM_ERROR:
				snprintf(err, errcap,
				    "CA file %s is not valid PEM", path);
				fclose(f);
				free(der.p);
				ta_file_free(tas, n);
				return -1;
			default:
				break;
			}
		}
	}
	fclose(f);
	free(der.p);
	if (n == 0) {
		snprintf(err, errcap, "no certificate in CA file %s", path);
		free(tas);
		return -1;
	}
	*out = tas;
	return (long)n;
}

void
ta_file_free(br_x509_trust_anchor *tas, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(tas[i].dn.data);
		if (tas[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(tas[i].pkey.key.rsa.n);
			free(tas[i].pkey.key.rsa.e);
		} else {
			free(tas[i].pkey.key.ec.q);
		}
	}
	free(tas);
}
