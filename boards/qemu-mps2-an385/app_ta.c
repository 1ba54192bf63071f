/*
 * app_ta.c -- see app_ta.h.
 */
#include <string.h>
#include "app_ta.h"
#include "pem.h"

int
app_ta_from_pem(br_x509_trust_anchor *ta, const char *pem, size_t len,
    unsigned char *der, size_t dercap)
{
	static unsigned char dn[256];
	/* The key: an EC point, or an RSA modulus (up to 4096 bits) and
	 * exponent, for the ACME_TLS_PUBLIC_CA profile. */
	static unsigned char key[512 + 8];
	br_x509_decoder_context dc;
	struct pem_sink b = { dn, 0, sizeof dn, 0 };
	br_x509_pkey *pk;
	size_t dlen;

	dlen = pem_first(pem, len, "CERTIFICATE", NULL, der, dercap);
	if (dlen == 0)
		return -1;
	br_x509_decoder_init(&dc, pem_sink_append, &b);
	br_x509_decoder_push(&dc, der, dlen);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || b.over)
		return -1;
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dn;
	ta->dn.len = b.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_EC &&
	    pk->key.ec.qlen <= sizeof key) {
		memcpy(key, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = key;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		return 0;
	}
	if (pk->key_type == BR_KEYTYPE_RSA &&
	    pk->key.rsa.nlen + pk->key.rsa.elen <= sizeof key) {
		memcpy(key, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(key + pk->key.rsa.nlen, pk->key.rsa.e,
		    pk->key.rsa.elen);
		ta->pkey.key.rsa.n = key;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = key + pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		return 0;
	}
	return -1;
}
