/*
 * b64url.h -- unpadded base64url (RFC 4648 section 5, RFC 7515 2).
 */
#ifndef B64URL_H
#define B64URL_H

#include <stddef.h>

/*
 * Encode len bytes of src.  Returns the number of characters of the
 * encoding (without NUL).  With dst NULL, only measures.  Otherwise dst
 * receives the characters and a terminating NUL, so cap must be at least
 * the result + 1; when it is not, nothing useful is written and 0 is
 * returned (0 is also the result for len 0).
 */
size_t b64url_encode(char *dst, size_t cap, const void *src, size_t len);

/*
 * Decode len characters of unpadded base64url into dst (cap bytes).
 * Returns the number of bytes, -1 when src is not valid unpadded
 * base64url (bad character, '=' padding, impossible length, non-zero
 * trailing bits), -2 when dst is too small.
 */
long b64url_decode(void *dst, size_t cap, const char *src, size_t len);

/* 1 when the len characters are all of the base64url alphabet and len>0. */
int b64url_is_alphabet(const char *s, size_t len);

#endif
