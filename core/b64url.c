/*
 * b64url.c -- see b64url.h.  Unpadded base64url, RFC 4648 section 5 as
 * RFC 7515 section 2 uses it: no '=', no line breaks, no whitespace.
 *
 * The alphabet is mapped by arithmetic rather than a 256-byte table, to
 * keep the object small.
 */
#include <limits.h>
#include <stdint.h>
#include "b64url.h"

/* The character of the 6-bit value v (0..63). */
static char
b64url_char(unsigned v)
{
	if (v < 26)
		return (char)('A' + v);
	if (v < 52)
		return (char)('a' + (v - 26));
	if (v < 62)
		return (char)('0' + (v - 52));
	return v == 62 ? '-' : '_';
}

/* The 6-bit value of character c, or -1 when c is not of the alphabet
 * ('=' included: padding is not accepted). */
static int
b64url_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Encoded length of len bytes: 4 characters per 3 bytes, and 2 or 3 for
 * a trailing 1 or 2 bytes.  0 when the result would not fit a size_t
 * with its NUL (then nothing can be encoded anyway).
 */
static size_t
b64url_enc_len(size_t len)
{
	size_t groups = len / 3, rem = len % 3;

	if (groups > (SIZE_MAX - 4) / 4)
		return 0;
	return groups * 4 + (rem ? rem + 1 : 0);
}

/*
 * Encode len bytes of src.  Returns the encoded length; with dst NULL it
 * only measures.  With dst set, cap must be at least that length + 1:
 * otherwise 0 is returned and dst (when cap > 0) holds "".
 */
size_t
b64url_encode(char *dst, size_t cap, const void *src, size_t len)
{
	const unsigned char *s = src;
	size_t n, i, o;
	unsigned long v;

	if (len == 0 || src == NULL) {
		if (dst != NULL && cap > 0)
			dst[0] = '\0';
		return 0;
	}
	n = b64url_enc_len(len);
	if (dst == NULL || n == 0)
		return n;
	if (cap <= n) {
		if (cap > 0)
			dst[0] = '\0';
		return 0;
	}
	o = 0;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
		    s[i + 2];
		dst[o++] = b64url_char((v >> 18) & 63);
		dst[o++] = b64url_char((v >> 12) & 63);
		dst[o++] = b64url_char((v >> 6) & 63);
		dst[o++] = b64url_char(v & 63);
	}
	if (len - i == 1) {
		v = (unsigned long)s[i] << 16;
		dst[o++] = b64url_char((v >> 18) & 63);
		dst[o++] = b64url_char((v >> 12) & 63);
	} else if (len - i == 2) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8;
		dst[o++] = b64url_char((v >> 18) & 63);
		dst[o++] = b64url_char((v >> 12) & 63);
		dst[o++] = b64url_char((v >> 6) & 63);
	}
	dst[o] = '\0';
	return o;
}

/*
 * Decode len characters of src into dst (cap bytes).  Returns the byte
 * count, -1 for invalid input (checked completely before anything is
 * written, so -1 wins over -2), -2 when cap is too small (dst untouched).
 * As an extension, dst NULL validates and measures without writing.
 */
long
b64url_decode(void *dst, size_t cap, const char *src, size_t len)
{
	unsigned char *d = dst;
	size_t i, o, n, rem = len % 4;
	unsigned long v;
	int c;

	if (len == 0)
		return 0;
	if (src == NULL || rem == 1)
		return -1;
	for (i = 0; i < len; i++)
		if (b64url_val(src[i]) < 0)
			return -1;
	/* RFC 4648 3.5: the bits after the last whole byte must be zero,
	 * else two encodings would decode to the same bytes. */
	c = b64url_val(src[len - 1]);
	if ((rem == 2 && (c & 15) != 0) || (rem == 3 && (c & 3) != 0))
		return -1;
	n = len / 4 * 3 + (rem ? rem - 1 : 0);
	if (n > LONG_MAX)
		return -2;
	if (dst == NULL)
		return (long)n;
	if (cap < n)
		return -2;
	o = 0;
	for (i = 0; i + 4 <= len; i += 4) {
		v = (unsigned long)b64url_val(src[i]) << 18 |
		    (unsigned long)b64url_val(src[i + 1]) << 12 |
		    (unsigned long)b64url_val(src[i + 2]) << 6 |
		    (unsigned long)b64url_val(src[i + 3]);
		d[o++] = (unsigned char)(v >> 16);
		d[o++] = (unsigned char)(v >> 8);
		d[o++] = (unsigned char)v;
	}
	if (rem >= 2) {
		v = (unsigned long)b64url_val(src[i]) << 18 |
		    (unsigned long)b64url_val(src[i + 1]) << 12;
		if (rem == 3)
			v |= (unsigned long)b64url_val(src[i + 2]) << 6;
		d[o++] = (unsigned char)(v >> 16);
		if (rem == 3)
			d[o++] = (unsigned char)(v >> 8);
	}
	return (long)o;
}

/* 1 when len > 0 and every one of the len characters is of the alphabet. */
int
b64url_is_alphabet(const char *s, size_t len)
{
	size_t i;

	if (s == NULL || len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (b64url_val(s[i]) < 0)
			return 0;
	return 1;
}
