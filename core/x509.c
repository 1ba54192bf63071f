/*
 * x509.c -- see x509.h.  RFC 5280 4.1:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 *       signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1,
 *       serialNumber INTEGER, signature AlgorithmIdentifier, issuer Name,
 *       validity SEQUENCE { notBefore Time, notAfter Time }, subject Name,
 *       subjectPublicKeyInfo SEQUENCE { algorithm, subjectPublicKey
 *       BIT STRING }, issuerUniqueID [1] OPTIONAL, subjectUniqueID [2]
 *       OPTIONAL, extensions [3] EXPLICIT Extensions OPTIONAL }
 */
#include <string.h>
#include "x509.h"
#include "str.h"

#define X509_UTCTIME DER_UTC_TIME
#define X509_GENTIME DER_GENERALIZED_TIME

/* RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or
 * GeneralizedTime YYYYMMDDHHMMSSZ, always in Zulu with seconds. */
static int
x509_time(const struct der_tlv *t, uint64_t *out)
{
	const char *v = (const char *)t->val;
	int y;

	if (t->tag == X509_UTCTIME && t->len == 13 && v[12] == 'Z') {
		y = str_digits(v, 2);
		y += y < 0 ? 0 : y < 50 ? 2000 : 1900;
		v += 2;
	} else if (t->tag == X509_GENTIME && t->len == 15 && v[14] == 'Z') {
		y = str_digits(v, 4);
		v += 4;
	} else {
		return -1;
	}
	if (y < 0)
		return -1;
	return str_epoch(y, str_digits(v, 2), str_digits(v + 2, 2),
	    str_digits(v + 4, 2), str_digits(v + 6, 2), str_digits(v + 8, 2), out);
}

int
x509_parse(struct x509_cert *x, const uint8_t *der, size_t len)
{
	const uint8_t *end, *p;
	struct der_tlv cert, tbs, t, alg, key;

	memset(x, 0, sizeof *x);
	if (der == NULL)
		return -1;
	end = der + len;        /* not before the check: NULL + len is UB */
	if (der_get_tag(der, end, DER_SEQUENCE, &cert) != 0 ||
	    cert.next != end ||
	    der_get_tag(cert.val, cert.next, DER_SEQUENCE, &tbs) != 0)
		return -1;
	p = tbs.val;
	if (der_get(p, tbs.next, &t) != 0)
		return -1;
	if (t.tag == DER_CONTEXT(0))             /* version */
		p = t.next;
	if (der_get_tag(p, tbs.next, DER_INTEGER, &x->serial) != 0 ||
	    der_get_tag(x->serial.next, tbs.next, DER_SEQUENCE, &alg) != 0 ||
	    der_get_tag(alg.next, tbs.next, DER_SEQUENCE, &x->issuer) != 0 ||
	    der_get_tag(x->issuer.next, tbs.next, DER_SEQUENCE, &t) != 0 ||
	    der_get(t.val, t.next, &x->not_before) != 0 ||
	    der_get(x->not_before.next, t.next, &x->not_after) != 0 ||
	    x->not_after.next != t.next ||
	    x509_time(&x->not_before, &x->not_before_t) != 0 ||
	    x509_time(&x->not_after, &x->not_after_t) != 0 ||
	    der_get_tag(t.next, tbs.next, DER_SEQUENCE, &x->subject) != 0 ||
	    der_get_tag(x->subject.next, tbs.next, DER_SEQUENCE, &t) != 0 ||
	    der_get_tag(t.val, t.next, DER_SEQUENCE, &alg) != 0 ||
	    der_get_tag(alg.next, t.next, DER_BIT_STRING, &key) != 0 ||
	    key.len < 2 || key.val[0] != 0)
		return -1;
	x->key.tag = key.tag;
	x->key.val = key.val + 1;
	x->key.len = key.len - 1;
	x->key.next = key.next;
	for (p = t.next; p < tbs.next; p = t.next) {
		if (der_get(p, tbs.next, &t) != 0)
			return -1;
		if (t.tag == DER_CONTEXT(3) &&
		    der_get_tag(t.val, t.next, DER_SEQUENCE, &x->exts) != 0)
			return -1;
	}
	return 0;
}

int
x509_ext(const struct x509_cert *x, const uint8_t *oid, size_t olen,
    struct der_tlv *val)
{
	const uint8_t *p, *end = x->exts.next;
	struct der_tlv ext, id, t;

	if (x->exts.len == 0)
		return -1;
	for (p = x->exts.val; p < end; p = ext.next) {
		if (der_get_tag(p, end, DER_SEQUENCE, &ext) != 0 ||
		    der_get_tag(ext.val, ext.next, DER_OID, &id) != 0)
			return -1;
		if (id.len != olen || memcmp(id.val, oid, olen) != 0)
			continue;
		/* critical BOOLEAN DEFAULT FALSE, then the OCTET STRING */
		if (der_get(id.next, ext.next, &t) != 0)
			return -1;
		if (t.tag == 0x01 && der_get(t.next, ext.next, &t) != 0)
			return -1;
		if (t.tag != DER_OCTET_STRING || t.next != ext.next)
			return -1;
		*val = t;
		return 0;
	}
	return -1;
}

/* 1 when the n bytes at a equal the string b, ASCII case-insensitive. */
static int
x509_ieq(const uint8_t *a, size_t n, const char *b)
{
	size_t i;

	if (strlen(b) != n)
		return 0;
	for (i = 0; i < n; i++) {
		int ca = a[i], cb = (unsigned char)b[i];

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return 0;
	}
	return 1;
}

/*
 * Walk the subjectAltName entries of GeneralName tag (DER_CONTEXT_PRIM(2)
 * dNSName, (7) iPAddress; 0: both): the count of them, or with want not
 * NULL, 1 as soon as one equals want[0..len) (a dNSName ASCII
 * case-insensitively), else 0.  A malformed extension ends the walk.
 */
static unsigned
x509_san(const struct x509_cert *x, int tag, const void *want, size_t len)
{
	/* 2.5.29.17 id-ce-subjectAltName */
	static const uint8_t oid_san[] = { 0x55, 0x1D, 0x11 };
	struct der_tlv v, names, gn;
	const uint8_t *p;
	unsigned n = 0;

	if (x509_ext(x, oid_san, sizeof oid_san, &v) != 0 ||
	    der_get_tag(v.val, v.next, DER_SEQUENCE, &names) != 0)
		return 0;
	for (p = names.val; p < names.next; p = gn.next) {
		if (der_get(p, names.next, &gn) != 0)
			return want != NULL ? 0 : n;
		/* dNSName [2] IA5String, iPAddress [7] OCTET STRING */
		if (tag == 0 ? gn.tag != DER_CONTEXT_PRIM(2) &&
		    gn.tag != DER_CONTEXT_PRIM(7) : gn.tag != (unsigned)tag)
			continue;
		if (want == NULL)
			n++;
		else if (tag == DER_CONTEXT_PRIM(2) ?
		    x509_ieq(gn.val, gn.len, want) :
		    gn.len == len && memcmp(gn.val, want, len) == 0)
			return 1;
	}
	return want != NULL ? 0 : n;
}

int
x509_has_dns(const struct x509_cert *x, const char *name)
{
	return x509_san(x, DER_CONTEXT_PRIM(2), name, 0) != 0;
}

int
x509_has_ip(const struct x509_cert *x, const uint8_t *ip, size_t len)
{
	return x509_san(x, DER_CONTEXT_PRIM(7), ip, len) != 0;
}

unsigned
x509_name_count(const struct x509_cert *x)
{
	return x509_san(x, 0, NULL, 0);
}

int
x509_aki(const struct x509_cert *x, struct der_tlv *id)
{
	/* 2.5.29.35 id-ce-authorityKeyIdentifier: SEQUENCE {
	 * keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, ... } */
	static const uint8_t oid_aki[] = { 0x55, 0x1D, 0x23 };
	struct der_tlv v, seq;
	const uint8_t *p;

	if (x509_ext(x, oid_aki, sizeof oid_aki, &v) != 0 ||
	    der_get_tag(v.val, v.next, DER_SEQUENCE, &seq) != 0)
		return -1;
	for (p = seq.val; p < seq.next; p = id->next) {
		if (der_get(p, seq.next, id) != 0)
			return -1;
		if (id->tag == DER_CONTEXT_PRIM(0))
			return id->len > 0 ? 0 : -1;
	}
	return -1;
}

int
x509_cn(const struct x509_cert *x, char *dst, size_t cap)
{
	return x509_name_cn(&x->subject, dst, cap);
}

int
x509_name_cn(const struct der_tlv *name, char *dst, size_t cap)
{
	/* 2.5.4.3 commonName */
	static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
	const uint8_t *p, *end = name->next;
	struct der_tlv set, atv, oid, val;
	int found = -1;

	if (cap == 0)
		return -1;
	dst[0] = 0;
	/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value } */
	for (p = name->val; p != NULL && p < end; p = set.next) {
		if (der_get_tag(p, end, DER_SET, &set) != 0 ||
		    der_get_tag(set.val, set.next, DER_SEQUENCE, &atv) != 0 ||
		    der_get_tag(atv.val, atv.next, DER_OID, &oid) != 0 ||
		    der_get(oid.next, atv.next, &val) != 0)
			return -1;
		if (oid.len == sizeof oid_cn &&
		    memcmp(oid.val, oid_cn, sizeof oid_cn) == 0) {
			str_copyn(dst, cap, (const char *)val.val,
			    val.len < cap ? val.len : cap - 1);
			found = 0;
		}
	}
	return found;
}
