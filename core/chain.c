/*
 * chain.c -- see chain.h.
 */
#include <string.h>
#include "chain.h"
#include "ident.h"
#include "x509.h"

/* Record the first problem.  Returns -1. */
static int
chain_bad(struct chain_check *k, const char *why)
{
	if (k->why == NULL)
		k->why = why;
	return -1;
}

/* Every DER byte of a certificate: to the decoder while it is still
 * reading (BearSSL's decoder must not be pushed once it has failed or
 * finished: it reads through a null pointer -- found by fuzz_chain), and
 * the leaf's to the caller's buffer too.  Bytes after a certificate's
 * end are refused. */
static void
chain_der(void *ctx, const void *data, size_t len)
{
	struct chain_check *k = ctx;
	int e = br_x509_decoder_last_error(&k->x509);

	if (e == BR_ERR_X509_TRUNCATED)
		br_x509_decoder_push(&k->x509, data, len);
	else if (e == 0)
		chain_bad(k, "a certificate has bytes after its end");
	if (k->certs == 0)
		pem_sink_append(&k->leaf, data, len);
#if ACME_ALT_CHAINS
	if (k->head_len < sizeof k->head) {
		size_t n = sizeof k->head - k->head_len;

		n = n < len ? n : len;
		memcpy(k->head + k->head_len, data, n);
		k->head_len += n;
	}
#endif
}

#if ACME_ALT_CHAINS
/* The content of the SEQUENCE whose header is at p (only the header
 * need be before end: the certificate is cut at CHAIN_HEAD), or NULL. */
static const uint8_t *
chain_seq_in(const uint8_t *p, const uint8_t *end)
{
	size_t n;

	if (end - p < 2 || p[0] != DER_SEQUENCE)
		return NULL;
	if (p[1] < 0x80)
		return p + 2;
	n = p[1] & 0x7fu;
	if (n < 1 || n > 3 || (size_t)(end - p) < 2 + n)
		return NULL;
	return p + 2 + n;
}

/* The issuer CN of the certificate whose DER starts in k->head (RFC 5280
 * 4.1: SEQUENCE { SEQUENCE { [0] version, serial, signature, issuer
 * ...) into k->top_issuer, "" when there is none within the head. */
static void
chain_issuer(struct chain_check *k)
{
	const uint8_t *p = k->head, *end = k->head + k->head_len;
	struct der_tlv t, iss;
	char *s = k->top_issuer;

	s[0] = '\0';
	if ((p = chain_seq_in(p, end)) == NULL ||
	    (p = chain_seq_in(p, end)) == NULL || der_get(p, end, &t) != 0)
		return;
	if (t.tag == DER_CONTEXT(0) && der_get(t.next, end, &t) != 0)
		return;
	if (t.tag != DER_INTEGER ||
	    der_get_tag(t.next, end, DER_SEQUENCE, &t) != 0 ||
	    der_get_tag(t.next, end, DER_SEQUENCE, &iss) != 0 ||
	    x509_name_cn(&iss, s, sizeof k->top_issuer) != 0) {
		s[0] = '\0';
		return;
	}
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}
#endif

void
chain_init(struct chain_check *k, unsigned char *leaf_buf, size_t cap)
{
	memset(k, 0, sizeof *k);
	br_pem_decoder_init(&k->pem);
	k->leaf.p = leaf_buf;
	k->leaf.cap = cap;
}

int
chain_push(struct chain_check *k, const char *pem, size_t len)
{
	if (k->why != NULL)
		return -1;
	while (len > 0) {
		size_t n = br_pem_decoder_push(&k->pem, pem, len);

		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&k->pem)) {
		case BR_PEM_BEGIN_OBJ:
			if (strcmp(br_pem_decoder_name(&k->pem),
			    "CERTIFICATE") != 0)
				return chain_bad(k, "an object in the chain is "
				    "not a CERTIFICATE");
			k->in_obj = 1;
#if ACME_ALT_CHAINS
			k->head_len = 0;
#endif
			br_x509_decoder_init(&k->x509, NULL, NULL);
			br_pem_decoder_setdest(&k->pem, chain_der, k);
			break;
		case BR_PEM_END_OBJ:
			k->in_obj = 0;
			if (k->why != NULL)
				return -1;
			if (br_x509_decoder_last_error(&k->x509) != 0 ||
			    br_x509_decoder_get_pkey(&k->x509) == NULL)
				return chain_bad(k, k->certs == 0 ?
				    "the leaf certificate does not decode" :
				    "a chain certificate does not decode");
			k->certs++;
#if ACME_ALT_CHAINS
			chain_issuer(k);
#endif
			break;
		case BR_PEM_ERROR:
			return chain_bad(k, "malformed PEM");
		default:
			break;
		}
	}
	return 0;
}

int
chain_finish(struct chain_check *k, const unsigned char *q, size_t qlen,
    const char *const *names, size_t n)
{
	struct x509_cert x;
	uint8_t ip[16];
	size_t i, iplen;

	if (k->why != NULL)
		return -1;
	if (k->in_obj)
		return chain_bad(k, "the chain ends inside a certificate");
	if (k->certs == 0)
		return chain_bad(k, "no certificate in the chain");
	if (k->leaf.over)
		return chain_bad(k, "the leaf certificate is over "
		    "ACME_MAX_REQUEST bytes");
	if (x509_parse(&x, k->leaf.p, k->leaf.len) != 0)
		return chain_bad(k, "the leaf certificate is malformed");
	if (x.key.len != qlen || memcmp(x.key.val, q, qlen) != 0)
		return chain_bad(k, "the leaf certificate is not for our key");
	for (i = 0; i < n; i++)
		if (ACME_IP_IDENTIFIERS &&
		    ident_parse(names[i], ip, &iplen) == IDENT_IP ?
		    !x509_has_ip(&x, ip, iplen) : !x509_has_dns(&x, names[i]))
			return chain_bad(k, "the leaf certificate does not "
			    "name every identifier of the order");
	if (x509_name_count(&x) != n)
		return chain_bad(k, "the leaf certificate names more than "
		    "the identifiers of the order");
	return 0;
}
