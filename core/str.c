/*
 * str.c -- see str.h.
 */
#include <string.h>
#include "str.h"

int
str_cat(char *dst, size_t cap, const char *s)
{
	size_t dl, sl;

	if (cap == 0)
		return -1;
	dl = strlen(dst);
	sl = strlen(s);
	if (sl >= cap - dl) {
		memcpy(dst + dl, s, cap - dl - 1);
		dst[cap - 1] = 0;
		return -1;
	}
	memcpy(dst + dl, s, sl + 1);
	return 0;
}

int
str_cat_u(char *dst, size_t cap, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp - 1;

	tmp[i] = 0;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return str_cat(dst, cap, tmp + i);
}

int
str_copyn(char *dst, size_t cap, const char *s, size_t n)
{
	if (cap == 0)
		return -1;
	if (n >= cap) {
		dst[0] = 0;
		return -1;
	}
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

int
str_copy(char *dst, size_t cap, const char *s)
{
	return str_copyn(dst, cap, s, strlen(s));
}

int
str_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
str_digits(const char *s, size_t n)
{
	int v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Days from civil (H. Hinnant's algorithm), checked field by field. */
int
str_epoch(int y, int mo, int d, int h, int mi, int s, uint64_t *out)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31,
	    31, 30, 31, 30, 31 };
	int leap, yy;
	long era, yoe, doy, doe, days;

	if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
	    y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] + (mo == 2 && leap))
		return -1;
	yy = mo <= 2 ? y - 1 : y;
	era = yy / 400;
	yoe = yy - era * 400;
	doy = (153L * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097L + doe - 719468L;
	*out = (uint64_t)days * 86400u + (uint64_t)h * 3600u +
	    (uint64_t)mi * 60u + (uint64_t)s;
	return 0;
}

/* Civil from days (H. Hinnant's algorithm), the inverse of str_epoch. */
int
str_cat_time(char *dst, size_t cap, uint64_t t)
{
	char b[24];
	long days, era, doe, yoe, doy, mp, y, m, d;
	unsigned sec, v[6], i;

	if (t > STR_TIME_MAX)
		t = STR_TIME_MAX;
	days = (long)(t / 86400) + 719468;      /* fits a 32-bit long */
	sec = (unsigned)(t % 86400);
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	v[0] = (unsigned)(y % 10000);
	v[1] = (unsigned)m;
	v[2] = (unsigned)d;
	v[3] = sec / 3600;
	v[4] = sec / 60 % 60;
	v[5] = sec % 60;
	memcpy(b, "0000-00-00T00:00:00Z", 21);
	for (i = 0; i < 4; i++)
		b[3 - i] = (char)('0' + (v[0] / (i == 0 ? 1 : i == 1 ? 10 :
		    i == 2 ? 100 : 1000)) % 10);
	for (i = 1; i < 6; i++) {
		b[2 + 3 * i] = (char)('0' + v[i] / 10);
		b[3 + 3 * i] = (char)('0' + v[i] % 10);
	}
	return str_cat(dst, cap, b);
}
