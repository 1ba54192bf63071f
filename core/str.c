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
