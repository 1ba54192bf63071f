/*
 * app_certinfo.c -- see app_certinfo.h.  RFC 5280 4.1:
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, sig }
 *   TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
 *       signature, issuer, validity, subject, ... }
 */
#include <string.h>
#include "app_certinfo.h"

struct tlv {
	unsigned char tag;
	const unsigned char *val;
	size_t len;
	const unsigned char *next;   /* after this element */
};

/* Read one DER element at p (end: limit).  0 or -1. */
static int
tlv_read(const unsigned char *p, const unsigned char *end, struct tlv *t)
{
	size_t len, n;

	if (end - p < 2)
		return -1;
	t->tag = p[0];
	len = p[1];
	p += 2;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(end - p) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = (len << 8) | *p++;
	}
	if ((size_t)(end - p) < len)
		return -1;
	t->val = p;
	t->len = len;
	t->next = p + len;
	return 0;
}

static void
copy_str(char *dst, size_t cap, const unsigned char *s, size_t n)
{
	if (cap == 0)
		return;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or
 * GeneralizedTime YYYYMMDDHHMMSSZ, written as YYYY-MM-DDTHH:MM:SSZ.
 * 0, or -1 for any other form. */
static int
format_time(char *dst, size_t cap, const struct tlv *t)
{
	static const char shape[] = "YYYY-MM-DDTHH:MM:SSZ";
	const unsigned char *v = t->val;
	char digits[14];
	size_t i, nd = t->tag == 0x17 ? 12 : 14, k = 0;

	if (cap < sizeof shape || t->len != nd + 1 || v[nd] != 'Z')
		return -1;
	for (i = 0; i < nd; i++)
		if (v[i] < '0' || v[i] > '9')
			return -1;
	if (nd == 12) {
		digits[0] = v[0] < '5' ? '2' : '1';
		digits[1] = v[0] < '5' ? '0' : '9';
		memcpy(digits + 2, v, 12);
	} else {
		memcpy(digits, v, 14);
	}
	for (i = 0; i + 1 < sizeof shape; i++)
		dst[i] = (shape[i] >= 'A' && shape[i] <= 'Y' && shape[i] != 'T') ?
		    digits[k++] : shape[i];
	dst[i] = 0;
	return 0;
}

int
certinfo_read(const unsigned char *der, size_t len, char *cn, size_t cncap,
    char *not_after, size_t nacap)
{
	static const unsigned char oid_cn[] = { 0x55, 0x04, 0x03 };
	const unsigned char *end = der + len, *p;
	struct tlv cert, tbs, t, validity, nb, na, subj;
	int i;

	cn[0] = 0;
	not_after[0] = 0;
	if (tlv_read(der, end, &cert) || cert.tag != 0x30 ||
	    tlv_read(cert.val, cert.next, &tbs) || tbs.tag != 0x30)
		return -1;
	p = tbs.val;
	if (tlv_read(p, tbs.next, &t))
		return -1;
	if (t.tag == 0xA0)             /* [0] version */
		p = t.next;
	for (i = 0; i < 3; i++) {      /* serial, signature, issuer */
		if (tlv_read(p, tbs.next, &t))
			return -1;
		p = t.next;
	}
	if (tlv_read(p, tbs.next, &validity) || validity.tag != 0x30 ||
	    tlv_read(validity.val, validity.next, &nb) ||
	    tlv_read(nb.next, validity.next, &na) ||
	    (na.tag != 0x17 && na.tag != 0x18) ||
	    format_time(not_after, nacap, &na) != 0)
		return -1;
	if (tlv_read(validity.next, tbs.next, &subj) || subj.tag != 0x30)
		return -1;
	/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value } */
	for (p = subj.val; p < subj.next; ) {
		struct tlv set, atv, oid, val;

		if (tlv_read(p, subj.next, &set) || set.tag != 0x31 ||
		    tlv_read(set.val, set.next, &atv) || atv.tag != 0x30 ||
		    tlv_read(atv.val, atv.next, &oid) || oid.tag != 0x06 ||
		    tlv_read(oid.next, atv.next, &val))
			return -1;
		if (oid.len == sizeof oid_cn &&
		    memcmp(oid.val, oid_cn, sizeof oid_cn) == 0)
			copy_str(cn, cncap, val.val, val.len);
		p = set.next;
	}
	return 0;
}
