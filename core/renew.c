/*
 * renew.c -- see renew.h.
 */
#include <string.h>
#include "renew.h"
#include "b64url.h"
#include "str.h"

/* The value of "key=" on a line of text[0..len) into v (decimal); 0 when
 * found and well formed. */
static int
renew_num(const char *text, size_t len, const char *key, uint64_t *v)
{
	size_t kl = strlen(key), i = 0, j;
	uint64_t n;

	while (i < len) {
		if (len - i > kl && memcmp(text + i, key, kl) == 0 &&
		    text[i + kl] == '=') {
			n = 0;
			for (j = i + kl + 1; j < len && text[j] >= '0' &&
			    text[j] <= '9'; j++) {
				if (n > (UINT64_MAX - 9) / 10)
					return -1;
				n = n * 10 + (uint64_t)(text[j] - '0');
			}
			if (j == i + kl + 1 || (j < len && text[j] != '\n'))
				return -1;
			*v = n;
			return 0;
		}
		while (i < len && text[i] != '\n')
			i++;
		i++;
	}
	return -1;
}

void
renew_parse(struct renew_state *s, const char *text, size_t len)
{
	static const char ck[] = "cert=";
	uint64_t v;
	size_t i = 0, e;

	memset(s, 0, sizeof *s);
	if (renew_num(text, len, "not_before", &v) == 0)
		s->not_before = v;
	if (renew_num(text, len, "failures", &v) == 0 && v < 1000)
		s->failures = (uint32_t)v;
	if (renew_num(text, len, "renew_at", &v) == 0)
		s->renew_at = v;
	if (renew_num(text, len, "check_at", &v) == 0)
		s->check_at = v;
	if (renew_num(text, len, "ari", &v) == 0)
		s->ari = v == 1;
	while (i < len) {
		for (e = i; e < len && text[e] != '\n'; e++)
			;
		if (e - i > sizeof ck - 1 && memcmp(text + i, ck,
		    sizeof ck - 1) == 0) {
			size_t k;

			i += sizeof ck - 1;
			/* only a certID's alphabet, and it must fit */
			for (k = i; k < e; k++)
				if (text[k] != '.' &&
				    !b64url_is_alphabet(text + k, 1))
					break;
			if (k == e && e - i <= RENEW_CERT_ID_MAX)
				str_copyn(s->cert, sizeof s->cert, text + i,
				    e - i);
			break;
		}
		i = e + 1;
	}
}

long
renew_format(const struct renew_state *s, char *dst, size_t cap)
{
	int bad = 0;

	if (cap == 0)
		return -1;
	dst[0] = 0;
	bad |= str_cat(dst, cap, "picoacme-state 1\nnot_before=");
	bad |= str_cat_u(dst, cap, s->not_before);
	bad |= str_cat(dst, cap, "\nfailures=");
	bad |= str_cat_u(dst, cap, s->failures);
	bad |= str_cat(dst, cap, "\ncert=");
	bad |= str_cat(dst, cap, s->cert);
	bad |= str_cat(dst, cap, "\nrenew_at=");
	bad |= str_cat_u(dst, cap, s->renew_at);
	bad |= str_cat(dst, cap, "\ncheck_at=");
	bad |= str_cat_u(dst, cap, s->check_at);
	bad |= str_cat(dst, cap, "\nari=");
	bad |= str_cat_u(dst, cap, s->ari);
	bad |= str_cat(dst, cap, "\n");
	return bad ? -1 : (long)strlen(dst);
}

/* base64url of the n bytes at p appended to dst (cap); 0 or -1. */
static int
renew_b64(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t dl = strlen(dst);

	if (n == 0 || b64url_encode(NULL, 0, p, n) + 1 > cap - dl)
		return -1;
	b64url_encode(dst + dl, cap - dl, p, n);
	return 0;
}

int
renew_cert_id(char *dst, size_t cap, const struct x509_cert *x)
{
	struct der_tlv aki;

	if (cap == 0)
		return -1;
	dst[0] = 0;
	/* RFC 9773 4.1: the keyIdentifier, ".", and the serial number's
	 * DER content bytes (a leading zero byte kept). */
	if (x509_aki(x, &aki) != 0 ||
	    renew_b64(dst, cap, aki.val, aki.len) != 0 ||
	    str_cat(dst, cap, ".") != 0 ||
	    renew_b64(dst, cap, x->serial.val, x->serial.len) != 0) {
		dst[0] = 0;
		return -1;
	}
	return 0;
}

uint64_t
renew_default_at(const struct x509_cert *x, uint32_t jitter)
{
	uint64_t life;

	if (x->not_after_t <= x->not_before_t)
		return x->not_before_t;
	life = x->not_after_t - x->not_before_t;
	return x->not_before_t + life * 2 / 3 +
	    ((life / 12) * (uint64_t)jitter >> 32);
}

uint64_t
renew_pick(uint64_t start, uint64_t end, uint64_t r)
{
	return end > start ? start + r % (end - start) : start;
}

uint32_t
renew_backoff_s(uint32_t failures, uint32_t r)
{
	uint32_t d = RENEW_BACKOFF_BASE_S;

	while (failures-- > 1 && d < RENEW_BACKOFF_MAX_S)
		d *= 2;
	if (d > RENEW_BACKOFF_MAX_S)
		d = RENEW_BACKOFF_MAX_S;
	return d / 2 + r % (d / 2 + 1);
}

int
renew_time_parse(const char *s, uint64_t *out)
{
	uint64_t t;
	long off = 0;
	int h, m;

	/* RFC 3339 5.6: YYYY-MM-DD "T" HH:MM:SS [.frac] ("Z" / +-HH:MM) */
	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
	    str_epoch(str_digits(s, 4), str_digits(s + 5, 2),
	    str_digits(s + 8, 2), str_digits(s + 11, 2),
	    str_digits(s + 14, 2), str_digits(s + 17, 2), &t) != 0)
		return -1;
	s += 19;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	}
	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == 0) {
		*out = t;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
		return -1;
	h = str_digits(s + 1, 2);
	m = str_digits(s + 4, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	off = (long)h * 3600 + (long)m * 60;
	if (s[0] == '-')
		off = -off;
	if (off > 0 && t < (uint64_t)off)
		return -1;
	*out = off > 0 ? t - (uint64_t)off : t + (uint64_t)(-off);
	return 0;
}
