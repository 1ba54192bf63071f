/*
 * test_b64url.c -- unpadded base64url: RFC 4648 section 10 vectors (as
 * base64url without '='), the two URL-safe characters, size queries,
 * short buffers, rejected inputs, and round trips of every length 0..64.
 */
#include <stdint.h>
#include "b64url.h"
#include "t.h"

struct vec {
	const char *raw;        /* bytes (as a C string; len below) */
	size_t len;
	const char *enc;
};

static const struct vec vecs[] = {
	/* RFC 4648 section 10, padding removed */
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	/* the two characters that differ from base64: 62 '-', 63 '_' */
	{ "\xfb\xff", 2, "-_8" },
	{ "\xfb\xef\xbe", 3, "----" },
	{ "\xff\xff\xff", 3, "____" },
	{ "\x00", 1, "AA" },
	{ "\x00\x00\x00", 3, "AAAA" },
	{ "\x03\xe0", 2, "A-A" },
	{ "\x03\xf0", 2, "A_A" },
};

/* Strings every decoder call must reject with -1. */
static const struct {
	const char *s;
	size_t len;
} bad[] = {
	{ "Zg==", 4 },          /* padding */
	{ "Zg=", 3 },
	{ "Zm9v=", 5 },
	{ "=", 1 },
	{ "Z", 1 },             /* len % 4 == 1 */
	{ "Zm9vY", 5 },
	{ "Zm9vYmFyZ", 9 },
	{ "Zh", 2 },            /* non-zero trailing bits (4) */
	{ "Zm9", 3 },           /* non-zero trailing bits (2) */
	{ "-_9", 3 },
	{ "Zm+v", 4 },          /* standard base64 characters */
	{ "Zm/v", 4 },
	{ "Zm9v\n", 5 },        /* whitespace */
	{ " Zm9v", 5 },
	{ "Zm 9v", 5 },
	{ "Zm\0v", 4 },         /* NUL */
	{ "Zm\x80v", 4 },       /* high byte */
	{ "Zm.v", 4 },
	{ "Zm9v\xff", 5 },
};

/* Deterministic pseudo-random bytes (xorshift32). */
static uint32_t rng = 0x12345678u;

static unsigned char
rnd_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return (unsigned char)(rng >> 24);
}

static void
test_vectors(void)
{
	char enc[32];
	unsigned char dec[32];
	size_t i, n, elen;
	long r;

	for (i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		elen = strlen(vecs[i].enc);
		/* measuring */
		n = b64url_encode(NULL, 0, vecs[i].raw, vecs[i].len);
		CHECKF(n == elen, "vec %zu: measure %zu", i, n);
		/* encoding into a roomy buffer */
		memset(enc, 'x', sizeof enc);
		n = b64url_encode(enc, sizeof enc, vecs[i].raw, vecs[i].len);
		CHECKF(n == elen && strcmp(enc, vecs[i].enc) == 0,
		    "vec %zu: got %zu \"%s\"", i, n, enc);
		/* encoding into an exact buffer */
		memset(enc, 'x', sizeof enc);
		n = b64url_encode(enc, elen + 1, vecs[i].raw, vecs[i].len);
		CHECKF(n == elen && strcmp(enc, vecs[i].enc) == 0,
		    "vec %zu: exact cap got %zu", i, n);
		/* decoding */
		memset(dec, 0xa5, sizeof dec);
		r = b64url_decode(dec, sizeof dec, vecs[i].enc, elen);
		CHECKF(r == (long)vecs[i].len &&
		    memcmp(dec, vecs[i].raw, vecs[i].len) == 0,
		    "vec %zu: decode %ld", i, r);
		/* decoding into an exact buffer */
		r = b64url_decode(dec, vecs[i].len, vecs[i].enc, elen);
		CHECKF(r == (long)vecs[i].len, "vec %zu: exact decode %ld",
		    i, r);
		/* measuring a decode (dst NULL) */
		r = b64url_decode(NULL, 0, vecs[i].enc, elen);
		CHECKF(r == (long)vecs[i].len, "vec %zu: decode measure %ld",
		    i, r);
		/* alphabet check */
		CHECKF(b64url_is_alphabet(vecs[i].enc, elen) == (elen > 0),
		    "vec %zu: alphabet", i);
	}
}

static void
test_short_buffers(void)
{
	char enc[16];
	unsigned char dec[16];
	size_t cap, n;
	long r;

	/* "foobar" needs 8 characters + NUL: every cap below 9 fails and
	 * never writes past cap (enc[cap] keeps its canary). */
	for (cap = 0; cap < 9; cap++) {
		memset(enc, '#', sizeof enc);
		n = b64url_encode(enc, cap, "foobar", 6);
		CHECKF(n == 0, "cap %zu: returned %zu", cap, n);
		CHECKF(enc[cap] == '#', "cap %zu: wrote past cap", cap);
		CHECKF(cap == 0 || enc[0] == '\0', "cap %zu: not empty", cap);
	}
	memset(enc, '#', sizeof enc);
	n = b64url_encode(enc, 9, "foobar", 6);
	CHECK(n == 8 && strcmp(enc, "Zm9vYmFy") == 0 && enc[9] == '#');

	/* "Zm9vYmE" decodes to 5 bytes: every cap below 5 is -2 and leaves
	 * dst untouched. */
	for (cap = 0; cap < 5; cap++) {
		memset(dec, 0xa5, sizeof dec);
		r = b64url_decode(dec, cap, "Zm9vYmE", 7);
		CHECKF(r == -2, "decode cap %zu: returned %ld", cap, r);
		CHECKF(dec[0] == 0xa5 && dec[cap] == 0xa5,
		    "decode cap %zu: wrote", cap);
	}
	memset(dec, 0xa5, sizeof dec);
	r = b64url_decode(dec, 5, "Zm9vYmE", 7);
	CHECK(r == 5 && memcmp(dec, "fooba", 5) == 0 && dec[5] == 0xa5);

	/* Invalid wins over too small. */
	CHECK(b64url_decode(dec, 0, "Zg==", 4) == -1);
	/* Length 0 is valid and empty. */
	CHECK(b64url_decode(dec, 0, "", 0) == 0);
	/* len 0 encodes to "" with cap 1, and returns 0 with cap 0. */
	memset(enc, '#', sizeof enc);
	CHECK(b64url_encode(enc, 1, "", 0) == 0 && enc[0] == '\0');
	memset(enc, '#', sizeof enc);
	CHECK(b64url_encode(enc, 0, "", 0) == 0 && enc[0] == '#');
}

static void
test_invalid(void)
{
	unsigned char dec[16];
	size_t i;
	long r;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		memset(dec, 0xa5, sizeof dec);
		r = b64url_decode(dec, sizeof dec, bad[i].s, bad[i].len);
		CHECKF(r == -1, "bad %zu: returned %ld", i, r);
		CHECKF(dec[0] == 0xa5, "bad %zu: wrote output", i);
		r = b64url_decode(NULL, 0, bad[i].s, bad[i].len);
		CHECKF(r == -1, "bad %zu: measure returned %ld", i, r);
	}
	T_CASE("%s", __func__);
	CHECK(b64url_decode(dec, sizeof dec, NULL, 4) == -1);
}

static void
test_alphabet(void)
{
	static const char all[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	char c[1];
	int i, n;

	CHECK(b64url_is_alphabet(all, 64) == 1);
	CHECK(b64url_is_alphabet("", 0) == 0);
	CHECK(b64url_is_alphabet(NULL, 0) == 0);
	CHECK(b64url_is_alphabet("abc=", 4) == 0);
	CHECK(b64url_is_alphabet("abc=", 3) == 1);    /* only len counts */
	CHECK(b64url_is_alphabet("a b", 3) == 0);
	CHECK(b64url_is_alphabet("a+b", 3) == 0);
	CHECK(b64url_is_alphabet("a/b", 3) == 0);
	/* exactly 64 of the 256 byte values are in the alphabet */
	n = 0;
	for (i = 0; i < 256; i++) {
		c[0] = (char)i;
		n += b64url_is_alphabet(c, 1);
	}
	CHECKF(n == 64, "%d characters accepted", n);
}

static void
test_roundtrip(void)
{
	unsigned char raw[64], dec[64];
	char enc[90];
	size_t len, i, n, want;
	long r;

	for (len = 0; len <= 64; len++) {
		for (i = 0; i < len; i++)
			raw[i] = rnd_byte();
		want = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
		n = b64url_encode(enc, sizeof enc, raw, len);
		CHECKF(n == want && strlen(enc) == n, "len %zu: enc %zu",
		    len, n);
		CHECKF(n == 0 || b64url_is_alphabet(enc, n),
		    "len %zu: alphabet", len);
		memset(dec, 0, sizeof dec);
		r = b64url_decode(dec, sizeof dec, enc, n);
		CHECKF(r == (long)len && memcmp(dec, raw, len) == 0,
		    "len %zu: decode %ld", len, r);
	}
}

int
main(void)
{
	T_RUN(test_vectors);
	T_RUN(test_short_buffers);
	T_RUN(test_invalid);
	T_RUN(test_alphabet);
	T_RUN(test_roundtrip);
	return t_done("b64url");
}
