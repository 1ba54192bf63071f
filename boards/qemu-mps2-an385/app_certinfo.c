/*
 * app_certinfo.c -- see app_certinfo.h.  The certificate is read with
 * core/x509.c, the same code that checks the chain before it is stored.
 */
#include <string.h>
#include "app_certinfo.h"
#include "x509.h"

/* RFC 5280 4.1.2.5: UTCTime YYMMDDHHMMSSZ (YY < 50 is 20YY) or
 * GeneralizedTime YYYYMMDDHHMMSSZ, written as YYYY-MM-DDTHH:MM:SSZ.
 * 0, or -1 for any other form. */
static int
format_time(char *dst, size_t cap, const struct der_tlv *t)
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
	struct x509_cert x;

	cn[0] = 0;
	not_after[0] = 0;
	if (x509_parse(&x, der, len) != 0)
		return -1;
	x509_cn(&x, cn, cncap);         /* "" when the subject has none */
	return format_time(not_after, nacap, &x.not_after);
}
