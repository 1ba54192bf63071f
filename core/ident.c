/*
 * ident.c -- see ident.h.
 */
#include <string.h>
#include "ident.h"
#include "str.h"

/* IPv4 dotted decimal s[0..n) into ip[0..4).  0 or -1. */
static int
ident_ip4(const char *s, size_t n, uint8_t *ip)
{
	size_t i = 0;
	unsigned part, v, digits;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		v = 0;
		for (digits = 0; i < n && s[i] >= '0' && s[i] <= '9';
		    digits++, i++) {
			if (digits > 0 && v == 0)
				return -1;      /* a leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return -1;
		}
		if (digits == 0)
			return -1;
		ip[part] = (uint8_t)v;
	}
	return i == n ? 0 : -1;
}

/* No "::" seen (any value above 16). */
#define IDENT_NO_GAP 99

/* IPv6 text s (RFC 4291 2.2) into ip[0..16).  0 or -1. */
static int
ident_ip6(const char *s, uint8_t *ip)
{
	uint8_t w[16];
	size_t n = strlen(s), i = 0, k = 0, gap = IDENT_NO_GAP, j;
	unsigned v, digits;

	if (n < 2 || n > 45)
		return -1;
	if (s[0] == ':') {
		if (s[1] != ':')
			return -1;
		gap = 0;
		i = 2;
	}
	while (i < n) {
		/* an IPv4 tail: the rest has a '.' before any ':' */
		size_t e = i;

		while (e < n && s[e] != ':' && s[e] != '.')
			e++;
		if (e < n && s[e] == '.') {
			if (k > 12 || ident_ip4(s + i, n - i, w + k) != 0)
				return -1;
			k += 4;
			break;
		}
		if (k >= 16)
			return -1;
		v = 0;
		for (digits = 0; i < n && str_hex(s[i]) >= 0; i++) {
			if (++digits > 4)
				return -1;
			v = v << 4 | (unsigned)str_hex(s[i]);
		}
		if (digits == 0)
			return -1;
		w[k++] = (uint8_t)(v >> 8);
		w[k++] = (uint8_t)v;
		if (i == n)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < n && s[i] == ':') {
			if (gap != IDENT_NO_GAP)
				return -1;      /* a second "::" */
			gap = k;
			i++;
		} else if (i == n) {
			return -1;              /* a trailing single ':' */
		}
	}
	if (gap == IDENT_NO_GAP) {
		if (k != 16)
			return -1;
		memcpy(ip, w, 16);
		return 0;
	}
	if (k > 14)
		return -1;                      /* "::" stands for no group */
	memset(ip, 0, 16);
	memcpy(ip, w, gap);
	for (j = gap; j < k; j++)
		ip[16 - (k - j)] = w[j];
	return 0;
}

int
ident_parse(const char *name, uint8_t *ip, size_t *iplen)
{
	uint8_t b[16];
	size_t n = name != NULL ? strlen(name) : 0, i;
	int dotted = 1;

	if (n == 0)
		return -1;
	if (strchr(name, ':') != NULL) {
		if (ident_ip6(name, b) != 0)
			return -1;
		if (ip != NULL) {
			memcpy(ip, b, 16);
			*iplen = 16;
		}
		return IDENT_IP;
	}
	for (i = 0; i < n; i++)
		if (!(name[i] == '.' || (name[i] >= '0' && name[i] <= '9')))
			dotted = 0;
	if (dotted) {
		if (ident_ip4(name, n, b) != 0)
			return -1;
		if (ip != NULL) {
			memcpy(ip, b, 4);
			*iplen = 4;
		}
		return IDENT_IP;
	}
	if (name[0] == '*') {
		if (n < 3 || name[1] != '.' || strchr(name + 1, '*') != NULL)
			return -1;
		return IDENT_WILDCARD;
	}
	return strchr(name, '*') != NULL ? -1 : IDENT_DNS;
}

int
ident_ip_text(const uint8_t *ip, size_t len, char *dst, size_t cap)
{
	char t[IDENT_IP_TEXT_MAX + 1];
	size_t o = 0, g;
	unsigned v;

	if (len == 4) {
		for (g = 0; g < 4; g++) {
			if (g > 0)
				t[o++] = '.';
			v = ip[g];
			if (v >= 100)
				t[o++] = (char)('0' + v / 100);
			if (v >= 10)
				t[o++] = (char)('0' + v / 10 % 10);
			t[o++] = (char)('0' + v % 10);
		}
#if ACME_IP_IDENTIFIERS
	} else if (len == 16) {
		static const char hex[] = "0123456789abcdef";
		size_t best = 8, best_n = 1, run, k;
		int d, shown;

		/* RFC 5952 4.2: the longest run of zero groups (two or
		 * more; the first of equal runs) becomes "::". */
		for (g = 0; g < 8; g += run ? run : 1) {
			for (run = 0; g + run < 8 && ip[2 * (g + run)] == 0 &&
			    ip[2 * (g + run) + 1] == 0; run++)
				;
			if (run > best_n) {
				best = g;
				best_n = run;
			}
		}
		for (g = 0; g < 8; g++) {
			if (g == best) {
				t[o++] = ':';
				if (g == 0)
					t[o++] = ':';
				g += best_n - 1;
				continue;
			}
			v = (unsigned)ip[2 * g] << 8 | ip[2 * g + 1];
			for (shown = 0, k = 0; k < 4; k++) {
				d = (int)(v >> (12 - 4 * k)) & 15;
				if (d != 0 || shown || k == 3) {
					t[o++] = hex[d];
					shown = 1;
				}
			}
			if (g < 7)
				t[o++] = ':';
		}
#endif
	} else {
		return -1;
	}
	if (o + 1 > cap)
		return -1;
	memcpy(dst, t, o);
	dst[o] = 0;
	return 0;
}

const char ident_too_long[] = "longer than ACME_MAX_NAME";

const char *
ident_dns_norm(const char *name, char *dst, size_t cap)
{
	size_t n = strlen(name), i, o = 0, label = 0;
	char ch;

	if (n > 0 && name[n - 1] == '.')
		n--;                    /* one trailing dot: the root */
	if (n == 0)
		return "an empty name";
	if (name[0] == '*' && name[1] == '.') {
		if (cap < 3)
			return ident_too_long;
		dst[o++] = '*';
		dst[o++] = '.';
	}
	if (n > IDENT_DNS_MAX)
		return "longer than 253 characters";
	for (i = o; i <= n; i++) {
		ch = i < n ? name[i] : '.';
		if (ch == '.') {
			if (label == 0)
				return "an empty label";
			if (dst[o - 1] == '-')
				return "a label ends with '-'";
		} else if (ch == '-') {
			if (label == 0)
				return "a label starts with '-'";
		} else if (ch >= 'A' && ch <= 'Z') {
			ch = (char)(ch - 'A' + 'a');
		} else if (!(ch >= 'a' && ch <= 'z') &&
		    !(ch >= '0' && ch <= '9')) {
			return "a character other than a letter, digit, "
			    "'-' or '.'";
		}
		label = ch == '.' ? 0 : label + 1;
		if (label > IDENT_LABEL_MAX)
			return "a label longer than 63 characters";
		if (i == n)
			break;
		if (o + 1 >= cap)
			return ident_too_long;
		dst[o++] = ch;
	}
	dst[o] = 0;
	return NULL;
}

const char *
ident_base(const char *name)
{
	return name[0] == '*' && name[1] == '.' ? name + 2 : name;
}
