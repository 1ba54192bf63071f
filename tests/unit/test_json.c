/*
 * test_json.c -- the JSON reader (jsmn behind strict validation) and the
 * escaping writer: realistic ACME documents, every escape, malformed
 * input tables, token and destination overflow, and the writer's output,
 * escaping, overflow at every capacity and misuse.
 */
#include "acme_err.h"
#include "json.h"
#include "t.h"

/* A string literal with its exact length (it may hold a NUL). */
#define S(x) { x, sizeof(x) - 1 }

struct text {
	const char *s;
	size_t len;
};

static struct json_tok tok[160];

/* Pebble's directory (pretty-printed as Pebble sends it). */
static const char dir_pebble[] =
    "{\n"
    "   \"keyChange\": \"https://localhost:14000/rollover-account-key\",\n"
    "   \"meta\": {\n"
    "      \"externalAccountRequired\": false,\n"
    "      \"termsOfService\": \"data:text/plain,Do%20what%20thou%20wilt\"\n"
    "   },\n"
    "   \"newAccount\": \"https://localhost:14000/sign-me-up\",\n"
    "   \"newNonce\": \"https://localhost:14000/nonce-plz\",\n"
    "   \"newOrder\": \"https://localhost:14000/order-plz\",\n"
    "   \"revokeCert\": \"https://localhost:14000/revoke-cert\"\n"
    "}";

/* Let's Encrypt's directory, with its random entry and renewalInfo. */
static const char dir_le[] =
    "{\n"
    "  \"Ry8Oq0ZKRcI\": \"https://community.letsencrypt.org/t/"
    "adding-random-entries-to-the-directory/33417\",\n"
    "  \"keyChange\": \"https://acme-v02.api.letsencrypt.org/acme/"
    "key-change\",\n"
    "  \"meta\": {\n"
    "    \"caaIdentities\": [\n"
    "      \"letsencrypt.org\"\n"
    "    ],\n"
    "    \"profiles\": {\n"
    "      \"classic\": \"https://letsencrypt.org/docs/profiles#classic\",\n"
    "      \"shortlived\": \"https://letsencrypt.org/docs/profiles"
    "#shortlived\"\n"
    "    },\n"
    "    \"termsOfService\": \"https://letsencrypt.org/documents/"
    "LE-SA-v1.5-February-24-2025.pdf\",\n"
    "    \"website\": \"https://letsencrypt.org\"\n"
    "  },\n"
    "  \"newAccount\": \"https://acme-v02.api.letsencrypt.org/acme/"
    "new-acct\",\n"
    "  \"newNonce\": \"https://acme-v02.api.letsencrypt.org/acme/"
    "new-nonce\",\n"
    "  \"newOrder\": \"https://acme-v02.api.letsencrypt.org/acme/"
    "new-order\",\n"
    "  \"renewalInfo\": \"https://acme-v02.api.letsencrypt.org/acme/"
    "renewal-info\",\n"
    "  \"revokeCert\": \"https://acme-v02.api.letsencrypt.org/acme/"
    "revoke-cert\"\n"
    "}";

/* An order for two names (Pebble). */
static const char order[] =
    "{\n"
    "   \"status\": \"pending\",\n"
    "   \"expires\": \"2025-06-02T10:31:27Z\",\n"
    "   \"identifiers\": [\n"
    "      {\n"
    "         \"type\": \"dns\",\n"
    "         \"value\": \"example.org\"\n"
    "      },\n"
    "      {\n"
    "         \"type\": \"dns\",\n"
    "         \"value\": \"www.example.org\"\n"
    "      }\n"
    "   ],\n"
    "   \"finalize\": \"https://localhost:14000/finalize-order/"
    "mhtxWsbNPGdPe4ZYgOT3e8ZqpIpRLfE4ss7QXNZ-8rA\",\n"
    "   \"authorizations\": [\n"
    "      \"https://localhost:14000/authZ/"
    "0RHCm0DG5JtH_7Qb4b0ye5Lvu3AE7V9Ly1wcd8MJM7o\",\n"
    "      \"https://localhost:14000/authZ/"
    "hK9x6W9_bbtoNMGmRkxBA8lHJ82L4t0Zw6c5xjKnGB8\"\n"
    "   ]\n"
    "}";

/* An authorization with three challenges (Let's Encrypt style). */
static const char authz[] =
    "{\n"
    "  \"identifier\": {\n"
    "    \"type\": \"dns\",\n"
    "    \"value\": \"example.org\"\n"
    "  },\n"
    "  \"status\": \"pending\",\n"
    "  \"expires\": \"2025-06-09T10:31:27Z\",\n"
    "  \"challenges\": [\n"
    "    {\n"
    "      \"type\": \"http-01\",\n"
    "      \"url\": \"https://acme-v02.api.letsencrypt.org/acme/chall/"
    "1234/5678/AbCdEf\",\n"
    "      \"status\": \"pending\",\n"
    "      \"token\": \"LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0\"\n"
    "    },\n"
    "    {\n"
    "      \"type\": \"dns-01\",\n"
    "      \"url\": \"https://acme-v02.api.letsencrypt.org/acme/chall/"
    "1234/5678/GhIjKl\",\n"
    "      \"status\": \"pending\",\n"
    "      \"token\": \"DGyRejmCefe7v4NfDGDKfA\"\n"
    "    },\n"
    "    {\n"
    "      \"type\": \"tls-alpn-01\",\n"
    "      \"url\": \"https://acme-v02.api.letsencrypt.org/acme/chall/"
    "1234/5678/MnOpQr\",\n"
    "      \"status\": \"pending\",\n"
    "      \"token\": \"9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI\"\n"
    "    }\n"
    "  ]\n"
    "}";

/* json_string of t into buf; the string, or "<error N>". */
static const char *
str(const struct json_doc *d, int t, char *buf, size_t cap)
{
	static char err[32];
	int r = json_string(d, t, buf, cap);

	if (r < 0) {
		snprintf(err, sizeof err, "<error %d>", r);
		return err;
	}
	return buf;
}

static void
test_directory(void)
{
	struct json_doc d;
	char buf[128];
	int r, meta, caa;

	r = json_parse(&d, dir_pebble, strlen(dir_pebble), tok, 160);
	CHECKF(r == ACME_OK, "pebble directory: %d", r);
	CHECKF(d.ntok == 17, "pebble directory: %d tokens", d.ntok);
	CHECK(json_type(&d, 0) == JSON_OBJECT);
	CHECK(strcmp(str(&d, json_get(&d, 0, "newNonce"), buf, sizeof buf),
	    "https://localhost:14000/nonce-plz") == 0);
	CHECK(strcmp(str(&d, json_get(&d, 0, "newAccount"), buf, sizeof buf),
	    "https://localhost:14000/sign-me-up") == 0);
	CHECK(strcmp(str(&d, json_get(&d, 0, "newOrder"), buf, sizeof buf),
	    "https://localhost:14000/order-plz") == 0);
	/* the last key, after a nested object */
	CHECK(strcmp(str(&d, json_get(&d, 0, "revokeCert"), buf, sizeof buf),
	    "https://localhost:14000/revoke-cert") == 0);
	meta = json_get(&d, 0, "meta");
	CHECK(json_type(&d, meta) == JSON_OBJECT);
	r = json_get(&d, meta, "externalAccountRequired");
	CHECK(json_type(&d, r) == JSON_PRIMITIVE && !json_is_true(&d, r));
	CHECK(json_str_eq(&d, json_get(&d, meta, "termsOfService"),
	    "data:text/plain,Do%20what%20thou%20wilt"));
	/* keys of the nested object are not keys of the root */
	CHECK(json_get(&d, 0, "termsOfService") == -1);
	CHECK(json_get(&d, 0, "renewalInfo") == -1);
	CHECK(json_get(&d, 0, "newnonce") == -1);
	CHECK(json_get(&d, 0, "newNonc") == -1);
	CHECK(json_get(&d, 0, "newNonce2") == -1);
	CHECK(json_get(&d, 0, "") == -1);
	CHECK(json_get(&d, -1, "newNonce") == -1);
	CHECK(json_get(&d, 1, "newNonce") == -1);  /* a string, not object */
	CHECK(json_skip(&d, 0) == d.ntok);
	CHECK(json_skip(&d, meta) == meta + 5);

	r = json_parse(&d, dir_le, strlen(dir_le), tok, 160);
	CHECKF(r == ACME_OK, "LE directory: %d", r);
	CHECK(strcmp(str(&d, json_get(&d, 0, "newNonce"), buf, sizeof buf),
	    "https://acme-v02.api.letsencrypt.org/acme/new-nonce") == 0);
	CHECK(strcmp(str(&d, json_get(&d, 0, "revokeCert"), buf, sizeof buf),
	    "https://acme-v02.api.letsencrypt.org/acme/revoke-cert") == 0);
	CHECK(json_str_eq(&d, json_get(&d, 0, "renewalInfo"),
	    "https://acme-v02.api.letsencrypt.org/acme/renewal-info"));
	meta = json_get(&d, 0, "meta");
	caa = json_get(&d, meta, "caaIdentities");
	CHECK(json_array_len(&d, caa) == 1);
	CHECK(json_str_eq(&d, json_array_item(&d, caa, 0), "letsencrypt.org"));
	CHECK(json_str_eq(&d, json_get(&d, meta, "website"),
	    "https://letsencrypt.org"));
	CHECK(json_str_eq(&d, json_get(&d, json_get(&d, meta, "profiles"),
	    "shortlived"), "https://letsencrypt.org/docs/profiles#shortlived"));
}

static void
test_order(void)
{
	static const char *const names[] = { "example.org", "www.example.org" };
	struct json_doc d;
	char buf[128];
	int r, ids, az, i, id;

	r = json_parse(&d, order, strlen(order), tok, 160);
	CHECKF(r == ACME_OK, "order: %d", r);
	CHECK(json_str_eq(&d, json_get(&d, 0, "status"), "pending"));
	ids = json_get(&d, 0, "identifiers");
	CHECK(json_type(&d, ids) == JSON_ARRAY);
	CHECK(json_array_len(&d, ids) == 2);
	for (i = 0; i < 2; i++) {
		id = json_array_item(&d, ids, i);
		CHECKF(json_type(&d, id) == JSON_OBJECT, "identifier %d", i);
		CHECK(json_str_eq(&d, json_get(&d, id, "type"), "dns"));
		CHECKF(strcmp(str(&d, json_get(&d, id, "value"), buf,
		    sizeof buf), names[i]) == 0, "identifier %d: %s", i, buf);
	}
	CHECK(json_array_item(&d, ids, 2) == -1);
	CHECK(json_array_item(&d, ids, -1) == -1);
	az = json_get(&d, 0, "authorizations");
	CHECK(json_array_len(&d, az) == 2);
	CHECK(strcmp(str(&d, json_array_item(&d, az, 1), buf, sizeof buf),
	    "https://localhost:14000/authZ/"
	    "hK9x6W9_bbtoNMGmRkxBA8lHJ82L4t0Zw6c5xjKnGB8") == 0);
	CHECK(json_array_item(&d, az, 1) + 1 == d.ntok);
	CHECK(json_str_eq(&d, json_get(&d, 0, "finalize"),
	    "https://localhost:14000/finalize-order/"
	    "mhtxWsbNPGdPe4ZYgOT3e8ZqpIpRLfE4ss7QXNZ-8rA"));
	CHECK(json_array_len(&d, 0) == -1);
	CHECK(json_array_len(&d, json_get(&d, 0, "status")) == -1);
	CHECK(json_array_item(&d, 0, 0) == -1);
	CHECK(json_array_len(&d, -1) == -1);
}

static void
test_authz(void)
{
	static const char *const types[] = { "http-01", "dns-01",
	    "tls-alpn-01" };
	struct json_doc d;
	char buf[128];
	int r, ch, c, i, n, http = -1;
	unsigned cap;

	r = json_parse(&d, authz, strlen(authz), tok, 160);
	CHECKF(r == ACME_OK, "authz: %d", r);
	CHECKF(d.ntok == 40, "authz: %d tokens", d.ntok);
	CHECK(json_str_eq(&d, json_get(&d, json_get(&d, 0, "identifier"),
	    "value"), "example.org"));
	ch = json_get(&d, 0, "challenges");
	n = json_array_len(&d, ch);
	CHECK(n == 3);
	for (i = 0; i < n; i++) {
		c = json_array_item(&d, ch, i);
		CHECKF(json_str_eq(&d, json_get(&d, c, "type"), types[i]),
		    "challenge %d", i);
		CHECK(json_str_eq(&d, json_get(&d, c, "status"), "pending"));
		if (json_str_eq(&d, json_get(&d, c, "type"), "http-01"))
			http = c;
	}
	CHECK(http >= 0);
	CHECK(strcmp(str(&d, json_get(&d, http, "token"), buf, sizeof buf),
	    "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0") == 0);
	CHECK(json_str_eq(&d, json_get(&d, json_array_item(&d, ch, 2),
	    "token"), "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"));
	/* walking with json_skip visits the three challenges */
	c = ch + 1;
	for (i = 0; c < d.ntok; i++)
		c = json_skip(&d, c);
	CHECK(i == 3 && c == d.ntok);
	CHECK(json_skip(&d, -1) == d.ntok);
	CHECK(json_skip(&d, d.ntok) == d.ntok);

	/* Token overflow: 40 tokens are needed, every smaller cap fails
	 * cleanly and leaves a document with no tokens. */
	for (cap = 0; cap < 40; cap++) {
		r = json_parse(&d, authz, strlen(authz), tok, cap);
		CHECKF(r == ACME_ERR_TOO_LARGE, "cap %u: %d", cap, r);
		CHECKF(d.ntok == 0 && json_get(&d, 0, "status") == -1,
		    "cap %u: tokens left", cap);
	}
	r = json_parse(&d, authz, strlen(authz), tok, 40);
	CHECK(r == ACME_OK && d.ntok == 40);
}

static void
test_lookup(void)
{
	static const char js[] = "{\"nam\":1,\"n\\u0061me\":\"x\","
	    "\"a\":{\"x\":[1,{\"y\":2},[[]]],\"b\":false},\"b\":true,"
	    "\"dup\":1,\"dup\":2,\"s\":\"true\",\"e\":[]}";
	struct json_doc d;
	int r, a, x;

	r = json_parse(&d, js, strlen(js), tok, 160);
	CHECKF(r == ACME_OK, "lookup doc: %d", r);
	/* keys are compared unescaped; json_str_eq compares raw text */
	r = json_get(&d, 0, "name");
	CHECK(json_str_eq(&d, r, "x"));
	CHECK(json_str_eq(&d, r - 1, "n\\u0061me"));
	CHECK(!json_str_eq(&d, r - 1, "name"));
	CHECK(json_get(&d, 0, "na") == -1);
	CHECK(json_get(&d, 0, "names") == -1);
	CHECK(json_type(&d, json_get(&d, 0, "nam")) == JSON_PRIMITIVE);
	/* skipping a deep value to reach the next key */
	CHECK(json_is_true(&d, json_get(&d, 0, "b")));
	a = json_get(&d, 0, "a");
	CHECK(!json_is_true(&d, json_get(&d, a, "b")));
	x = json_get(&d, a, "x");
	CHECK(json_array_len(&d, x) == 3);
	CHECK(json_type(&d, json_array_item(&d, x, 2)) == JSON_ARRAY);
	CHECK(json_array_len(&d, json_array_item(&d, x, 2)) == 1);
	CHECK(json_type(&d, json_get(&d, json_array_item(&d, x, 1), "y")) ==
	    JSON_PRIMITIVE);
	/* the first of duplicate keys wins */
	r = json_get(&d, 0, "dup");
	CHECK(d.js[d.tok[r].start] == '1');
	/* the string "true" is not true */
	CHECK(!json_is_true(&d, json_get(&d, 0, "s")));
	CHECK(json_array_len(&d, json_get(&d, 0, "e")) == 0);
	CHECK(json_array_item(&d, json_get(&d, 0, "e"), 0) == -1);
	CHECK(json_type(&d, -1) == JSON_UNDEFINED);
	CHECK(json_type(&d, d.ntok) == JSON_UNDEFINED);
	CHECK(json_string(&d, a, (char [4]){ 0 }, 4) == ACME_ERR_JSON);
	CHECK(json_string(&d, -1, (char [4]){ 0 }, 4) == ACME_ERR_JSON);
	CHECK(!json_str_eq(&d, json_get(&d, 0, "nam"), "1"));
}

/* Strings that unescape: the JSON text inside the quotes, the bytes. */
static const struct {
	const char *in;
	const char *out;
} escapes[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "\\\"", "\"" },
	{ "\\\\", "\\" },
	{ "\\/", "/" },
	{ "\\b\\f\\n\\r\\t", "\b\f\n\r\t" },
	{ "a\\\"b\\\\c\\/d", "a\"b\\c/d" },
	{ "\\u0041\\u0062", "Ab" },
	{ "\\u0001\\u001f\\u007f", "\x01\x1f\x7f" },
	{ "\\u0080", "\xc2\x80" },
	{ "\\u00e9t\\u00C9", "\xc3\xa9t\xc3\x89" },
	{ "\\u07FF", "\xdf\xbf" },
	{ "\\u0800", "\xe0\xa0\x80" },
	{ "\\u20ac", "\xe2\x82\xac" },
	{ "\\uFFFF", "\xef\xbf\xbf" },
	{ "\\uD7FF\\uE000", "\xed\x9f\xbf\xee\x80\x80" },
	{ "\\uD83D\\uDE00", "\xf0\x9f\x98\x80" },          /* U+1F600 */
	{ "\\ud834\\udd1e", "\xf0\x9d\x84\x9e" },          /* U+1D11E */
	{ "\\uD800\\uDC00", "\xf0\x90\x80\x80" },          /* U+10000 */
	{ "\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf" },          /* U+10FFFF */
	{ "x\\uD83D\\uDE00y", "x\xf0\x9f\x98\x80y" },
	{ "caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac" },
	{ "\\\\u0041", "\\u0041" },
	{ "'single'", "'single'" },
};

/* Strings that are JSON text but that json_string() refuses. */
static const char *const bad_strings[] = {
	"\\u0000",
	"a\\u0000b",
	"\\uD83D",              /* lone high surrogate */
	"\\uD83Dx",
	"\\uD83D\\u0041",       /* high then not low */
	"\\uD83D\\uD83D",       /* high then high */
	"\\uD83D\\n",
	"\\uDE00",              /* lone low surrogate */
	"\\uDE00\\uD83D",       /* reversed pair */
	"\\uDFFF",
};

static void
test_escapes(void)
{
	struct json_doc d;
	char js[96], buf[64];
	size_t i;
	int r;

	for (i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		snprintf(js, sizeof js, "[\"%s\"]", escapes[i].in);
		r = json_parse(&d, js, strlen(js), tok, 160);
		CHECKF(r == ACME_OK, "escape %zu: parse %d", i, r);
		memset(buf, '#', sizeof buf);
		r = json_string(&d, 1, buf, sizeof buf);
		CHECKF(r == (int)strlen(escapes[i].out) &&
		    strcmp(buf, escapes[i].out) == 0,
		    "escape %zu: %d \"%s\"", i, r, buf);
		/* and as a key */
		snprintf(js, sizeof js, "{\"%s\":7}", escapes[i].in);
		r = json_parse(&d, js, strlen(js), tok, 160);
		CHECKF(r == ACME_OK && json_get(&d, 0, escapes[i].out) == 2,
		    "escape %zu: key", i);
	}
	T_CASE("%s", __func__);
	for (i = 0; i < sizeof bad_strings / sizeof bad_strings[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		snprintf(js, sizeof js, "{\"k\":\"%s\"}", bad_strings[i]);
		r = json_parse(&d, js, strlen(js), tok, 160);
		CHECKF(r == ACME_OK, "bad string %zu: parse %d", i, r);
		memset(buf, '#', sizeof buf);
		r = json_string(&d, 2, buf, sizeof buf);
		CHECKF(r == ACME_ERR_JSON && buf[0] == '\0',
		    "bad string %zu: %d", i, r);
		/* a key that does not unescape matches nothing */
		snprintf(js, sizeof js, "{\"%s\":1}", bad_strings[i]);
		r = json_parse(&d, js, strlen(js), tok, 160);
		CHECKF(r == ACME_OK && json_get(&d, 0, "") == -1 &&
		    json_get(&d, 0, "a") == -1, "bad key %zu", i);
	}
}

/* A raw control character can only reach json_string() in a document
 * built by hand (json_parse() rejects it): it is refused there too. */
static void
test_raw_control(void)
{
	static const char js[] = "[\"a\x01" "b\",\"a\x1f\",\"\tx\"]";
	struct json_tok t[4] = {
		{ JSON_ARRAY, 0, 17, 3 },
		{ JSON_STRING, 2, 5, 0 },
		{ JSON_STRING, 8, 10, 0 },
		{ JSON_STRING, 13, 15, 0 },
	};
	struct json_doc d = { js, sizeof js - 1, t, 4 };
	char buf[16];
	int i;

	for (i = 1; i <= 3; i++) {
		memset(buf, '#', sizeof buf);
		CHECKF(json_string(&d, i, buf, sizeof buf) == ACME_ERR_JSON &&
		    buf[0] == '\0', "raw control %d", i);
	}
	CHECK(json_parse(&d, js, sizeof js - 1, tok, 160) == ACME_ERR_JSON);
}

static void
test_dst_overflow(void)
{
	/* "hello" + e-acute (2 bytes) + U+1F600 (4 bytes) = 11 bytes */
	static const char js[] = "[\"hello\\u00e9\\uD83D\\uDE00\"]";
	static const char want[] = "hello\xc3\xa9\xf0\x9f\x98\x80";
	struct json_doc d;
	char buf[32];
	size_t cap, k;
	int r, ok;

	r = json_parse(&d, js, strlen(js), tok, 160);
	CHECK(r == ACME_OK);
	/* exact fit: 11 bytes + NUL */
	memset(buf, '#', sizeof buf);
	r = json_string(&d, 1, buf, 12);
	CHECK(r == 11 && strcmp(buf, want) == 0 && buf[12] == '#');
	/* one byte short, and every smaller cap: refused, "" left, nothing
	 * written at or after buf[cap] */
	for (cap = 0; cap <= 11; cap++) {
		memset(buf, '#', sizeof buf);
		r = json_string(&d, 1, buf, cap);
		ok = 1;
		for (k = cap; k < sizeof buf; k++)
			ok &= buf[k] == '#';
		CHECKF(r == ACME_ERR_TOO_LARGE, "cap %zu: %d", cap, r);
		CHECKF(ok, "cap %zu: wrote past cap", cap);
		CHECKF(cap == 0 || buf[0] == '\0', "cap %zu: not empty", cap);
	}
	CHECK(json_string(&d, 1, NULL, 0) == ACME_ERR_TOO_LARGE);
	/* the empty string needs just the NUL */
	r = json_parse(&d, "[\"\"]", 4, tok, 160);
	CHECK(r == ACME_OK && json_string(&d, 1, buf, 1) == 0 &&
	    buf[0] == '\0');
	CHECK(json_string(&d, 1, buf, 0) == ACME_ERR_TOO_LARGE);
}

/* Documents json_parse() must reject with ACME_ERR_JSON. */
static const struct text malformed[] = {
	S(""),
	S(" \n\t"),
	S("{"),
	S("}"),
	S("["),
	S("]"),
	S("{\"a\":}"),
	S("{\"a\" 1}"),
	S("{\"a\"}"),
	S("{\"a\":1,}"),
	S("{,\"a\":1}"),
	S("{\"a\":1,,\"b\":2}"),
	S("{\"a\":1 \"b\":2}"),
	S("{\"a\"::1}"),
	S("{\"a\":1:2}"),
	S("{1:2}"),
	S("{'a':1}"),
	S("{a:1}"),
	S("{\"a\":'b'}"),
	S("{\"a\":{\"b\":}}"),
	S("{\"a\":[1}"),
	S("[1,]"),
	S("[,1]"),
	S("[1,,2]"),
	S("[1 2]"),
	S("[1:2]"),
	S("[\"a\":1]"),
	S("[{]}"),
	S("[}"),
	S("{]"),
	S("[]]"),
	S("{\"a\":1}}"),
	S("{\"a\":1}x"),
	S("{\"a\":1} x"),
	S("{}{}"),
	S("[][]"),
	S("{\"a\":1}\0"),
	S("[1]\0x"),
	S("[1\0]"),
	S("\xef\xbb\xbf[]"),            /* a BOM */
	S("[1]/**/"),
	S("1"),
	S("\"s\""),
	S("true"),
	S("null"),
	S("{\"a\":tru}"),
	S("{\"a\":truex}"),
	S("{\"a\":True}"),
	S("[nul]"),
	S("[nulll]"),
	S("[fals]"),
	S("[undefined]"),
	S("[NaN]"),
	S("[Infinity]"),
	S("[-Infinity]"),
	S("{\"a\":01}"),
	S("[-01]"),
	S("[00]"),
	S("[-]"),
	S("[+1]"),
	S("[1.]"),
	S("[.5]"),
	S("[1.e5]"),
	S("[1e]"),
	S("[1e+]"),
	S("[1E-]"),
	S("[1.5.2]"),
	S("[0x10]"),
	S("[1a]"),
	S("[--1]"),
	S("[\"a]"),
	S("[\"a\\\"]"),
	S("{\"a\":\"b\""),
	S("[\"\\x\"]"),
	S("[\"\\'\"]"),
	S("[\"\\U0041\"]"),
	S("[\"\\u12\"]"),
	S("[\"\\u12G4\"]"),
	S("[\"\\u\"]"),
	S("[\"\\"),
	S("[\"a\x01\"]"),
	S("[\"a\tb\"]"),
	S("[\"a\nb\"]"),
	S("[\"a\0b\"]"),
	S("[\x01]"),
	S("[\xc3\xa9]"),
	S("[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]"),   /* one ] short */
	S("[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"),   /* one ] extra */
	S("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":[[[1]]]}}}}"),
};

/* Documents json_parse() must accept: root type and token count. */
static const struct {
	struct text js;
	int type;
	int ntok;
} wellformed[] = {
	{ S("{}"), JSON_OBJECT, 1 },
	{ S("[]"), JSON_ARRAY, 1 },
	{ S(" \t\r\n{ }\r\n"), JSON_OBJECT, 1 },
	{ S("[0]"), JSON_ARRAY, 2 },
	{ S("[-0,0.5,-1.25e10,1E-2,1e+2,123456789]"), JSON_ARRAY, 7 },
	{ S("[true,false,null]"), JSON_ARRAY, 4 },
	{ S("[ 1 , 2 ]"), JSON_ARRAY, 3 },
	{ S("{\"a\":{\"b\":[]}}"), JSON_OBJECT, 5 },
	{ S("{\"\":\"\"}"), JSON_OBJECT, 3 },
	{ S("[\"\\u0000\"]"), JSON_ARRAY, 2 },  /* JSON, refused later */
	{ S("[\"\\uD800\"]"), JSON_ARRAY, 2 },
	{ S("[\"\xff\xfe\"]"), JSON_ARRAY, 2 }, /* bytes are not checked */
	{ S("{\"a\":1,\"a\":2}"), JSON_OBJECT, 5 },
	{ S("[[],{},[[]],{\"x\":{}}]"), JSON_ARRAY, 8 },
	{ S("[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"), JSON_ARRAY, 20 },
	{ S("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":[[[1]]]}}}}}"), JSON_OBJECT,
	    14 },
};

static void
test_malformed(void)
{
	struct json_doc d;
	size_t i, n;
	int r;

	for (i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		r = json_parse(&d, malformed[i].s, malformed[i].len, tok, 160);
		CHECKF(r == ACME_ERR_JSON, "malformed %zu: %d", i, r);
		CHECKF(d.ntok == 0 && json_type(&d, 0) == JSON_UNDEFINED,
		    "malformed %zu: tokens left", i);
	}
	T_CASE("%s", __func__);
	for (i = 0; i < sizeof wellformed / sizeof wellformed[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		r = json_parse(&d, wellformed[i].js.s, wellformed[i].js.len,
		    tok, 160);
		CHECKF(r == ACME_OK && json_type(&d, 0) == wellformed[i].type &&
		    d.ntok == wellformed[i].ntok,
		    "wellformed %zu: %d, %d tokens", i, r, d.ntok);
		/* the same with exactly enough tokens, and one fewer */
		r = json_parse(&d, wellformed[i].js.s, wellformed[i].js.len,
		    tok, (unsigned)wellformed[i].ntok);
		CHECKF(r == ACME_OK, "wellformed %zu: exact tokens %d", i, r);
		r = json_parse(&d, wellformed[i].js.s, wellformed[i].js.len,
		    tok, (unsigned)wellformed[i].ntok - 1);
		CHECKF(r == ACME_ERR_TOO_LARGE, "wellformed %zu: short %d",
		    i, r);
	}
	T_CASE("%s", __func__);
	/* Every proper prefix of a valid document is truncated JSON. */
	n = strlen(authz);
	for (i = 0; i < n; i++) {
		r = json_parse(&d, authz, i, tok, 160);
		if (r != ACME_ERR_JSON)
			break;
	}
	CHECKF(i == n, "truncated authz at %zu: %d", i, r);
	n = strlen(dir_le);
	for (i = 0; i < n; i++) {
		r = json_parse(&d, dir_le, i, tok, 160);
		if (r != ACME_ERR_JSON)
			break;
	}
	CHECKF(i == n, "truncated directory at %zu: %d", i, r);
	CHECK(json_parse(&d, NULL, 0, tok, 160) == ACME_ERR_PARAM);
}

/* Drive the writer from a script: { } [ ] begin/end, k key "k",
 * s string "v", t true, f false. */
static int
w_script(char *buf, size_t cap, const char *ops)
{
	struct json_w w;

	json_w_init(&w, buf, cap);
	for (; *ops; ops++) {
		switch (*ops) {
		case '{': json_w_obj_begin(&w); break;
		case '}': json_w_obj_end(&w); break;
		case '[': json_w_arr_begin(&w); break;
		case ']': json_w_arr_end(&w); break;
		case 'k': json_w_key(&w, "k"); break;
		case 's': json_w_str(&w, "v"); break;
		case 't': json_w_bool(&w, 1); break;
		case 'f': json_w_bool(&w, 0); break;
		}
	}
	return json_w_finish(&w);
}

static const struct {
	const char *ops;
	int err;                /* 0: the output is want */
	const char *want;
} scripts[] = {
	{ "{}", 0, "{}" },
	{ "[]", 0, "[]" },
	{ "{ks}", 0, "{\"k\":\"v\"}" },
	{ "{kskt}", 0, "{\"k\":\"v\",\"k\":true}" },
	{ "[stf]", 0, "[\"v\",true,false]" },
	{ "[[][]{}]", 0, "[[],[],{}]" },
	{ "{k[s{kf}]k{}}", 0, "{\"k\":[\"v\",{\"k\":false}],\"k\":{}}" },
	{ "[[[[[[[[]]]]]]]]", 0, "[[[[[[[[]]]]]]]]" },      /* depth 8 */
	{ "{k{k{k{k{k{k{k{ks}}}}}}}}", 0,
	    "{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":{\"k\":\"v\""
	    "}}}}}}}}" },
	{ "[[[[[[[[[]]]]]]]]]", ACME_ERR_PARAM, NULL },     /* depth 9 */
	{ "", ACME_ERR_PARAM, NULL },
	{ "{", ACME_ERR_PARAM, NULL },
	{ "[", ACME_ERR_PARAM, NULL },
	{ "[[]", ACME_ERR_PARAM, NULL },
	{ "}", ACME_ERR_PARAM, NULL },
	{ "]", ACME_ERR_PARAM, NULL },
	{ "{}}", ACME_ERR_PARAM, NULL },
	{ "[]]", ACME_ERR_PARAM, NULL },
	{ "{]", ACME_ERR_PARAM, NULL },
	{ "[}", ACME_ERR_PARAM, NULL },
	{ "{k}", ACME_ERR_PARAM, NULL },
	{ "{s}", ACME_ERR_PARAM, NULL },
	{ "{kk}", ACME_ERR_PARAM, NULL },
	{ "{kkss}", ACME_ERR_PARAM, NULL },
	{ "{kss}", ACME_ERR_PARAM, NULL },
	{ "{k{}{}}", ACME_ERR_PARAM, NULL },
	{ "[k]", ACME_ERR_PARAM, NULL },
	{ "[ks]", ACME_ERR_PARAM, NULL },
	{ "s", ACME_ERR_PARAM, NULL },
	{ "t", ACME_ERR_PARAM, NULL },
	{ "k", ACME_ERR_PARAM, NULL },
	{ "{}{}", ACME_ERR_PARAM, NULL },
	{ "{}s", ACME_ERR_PARAM, NULL },
	{ "[]k", ACME_ERR_PARAM, NULL },
};

static void
test_writer_scripts(void)
{
	char buf[128];
	size_t i;
	int r;

	for (i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		memset(buf, '#', sizeof buf);
		r = w_script(buf, sizeof buf, scripts[i].ops);
		if (scripts[i].err != 0)
			CHECKF(r == scripts[i].err, "script \"%s\": %d",
			    scripts[i].ops, r);
		else
			CHECKF(r == (int)strlen(scripts[i].want) &&
			    strcmp(buf, scripts[i].want) == 0,
			    "script \"%s\": %d \"%s\"", scripts[i].ops, r, buf);
	}
}

/* A newAccount/newOrder-like payload touching every writer call. */
static int
w_payload(char *buf, size_t cap)
{
	struct json_w w;

	json_w_init(&w, buf, cap);
	json_w_obj_begin(&w);
	json_w_key(&w, "identifiers");
	json_w_arr_begin(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "dns");
	json_w_key(&w, "value");
	json_w_str(&w, "example.org");
	json_w_obj_end(&w);
	json_w_obj_begin(&w);
	json_w_key(&w, "type");
	json_w_str(&w, "dns");
	json_w_key(&w, "value");
	json_w_strn(&w, "www.example.org.invalid", 15);
	json_w_obj_end(&w);
	json_w_arr_end(&w);
	json_w_key(&w, "termsOfServiceAgreed");
	json_w_bool(&w, 1);
	json_w_key(&w, "onlyReturnExisting");
	json_w_bool(&w, 0);
	json_w_key(&w, "contact");
	json_w_arr_begin(&w);
	json_w_str(&w, "mailto:admin@example.org");
	json_w_arr_end(&w);
	json_w_key(&w, "q\"\\\n");
	json_w_str(&w, "a\"b\\c/d\x01\x1f\x7f\xc3\xa9\te");
	json_w_key(&w, "empty");
	json_w_obj_begin(&w);
	json_w_obj_end(&w);
	json_w_key(&w, "n");
	json_w_arr_begin(&w);
	json_w_uint(&w, 0);
	json_w_uint(&w, 10);
	json_w_uint(&w, 4294967295ul);
	json_w_arr_end(&w);
	json_w_obj_end(&w);
	return json_w_finish(&w);
}

static const char payload_want[] =
    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},"
    "{\"type\":\"dns\",\"value\":\"www.example.org\"}],"
    "\"termsOfServiceAgreed\":true,\"onlyReturnExisting\":false,"
    "\"contact\":[\"mailto:admin@example.org\"],"
    "\"q\\\"\\\\\\u000a\":"
    "\"a\\\"b\\\\c/d\\u0001\\u001f\x7f\xc3\xa9\\u0009e\","
    "\"empty\":{},\"n\":[0,10,4294967295]}";

static void
test_writer_payload(void)
{
	struct json_doc d;
	char buf[300], s[64];
	size_t len = sizeof payload_want - 1, cap, k;
	int r, ok;

	memset(buf, '#', sizeof buf);
	r = w_payload(buf, sizeof buf);
	CHECKF(r == (int)len && strcmp(buf, payload_want) == 0,
	    "payload %d:\n%s\n%s", r, buf, payload_want);
	/* exact fit */
	memset(buf, '#', sizeof buf);
	r = w_payload(buf, len + 1);
	CHECK(r == (int)len && strcmp(buf, payload_want) == 0 &&
	    buf[len + 1] == '#');
	/* every smaller cap overflows, stays NUL-terminated inside cap and
	 * never touches buf[cap] or later */
	for (cap = 0; cap <= len; cap++) {
		memset(buf, '#', sizeof buf);
		r = w_payload(buf, cap);
		ok = 1;
		for (k = cap; k < sizeof buf; k++)
			ok &= buf[k] == '#';
		CHECKF(r == ACME_ERR_TOO_LARGE, "cap %zu: %d", cap, r);
		CHECKF(ok, "cap %zu: wrote past cap", cap);
		CHECKF(cap == 0 || memchr(buf, '\0', cap) != NULL,
		    "cap %zu: no NUL", cap);
	}
	/* the reader reads back what the writer wrote */
	r = json_parse(&d, payload_want, len, tok, 160);
	CHECK(r == ACME_OK);
	CHECK(strcmp(str(&d, json_get(&d, 0, "q\"\\\n"), s, sizeof s),
	    "a\"b\\c/d\x01\x1f\x7f\xc3\xa9\te") == 0);
	CHECK(json_is_true(&d, json_get(&d, 0, "termsOfServiceAgreed")));
	CHECK(json_str_eq(&d, json_array_item(&d, json_get(&d, 0,
	    "identifiers"), 1) + 4, "www.example.org"));
}

static void
test_writer_edges(void)
{
	struct json_doc d;
	struct json_w w;
	char buf[1100], all[256], back[256];
	int i, r;

	/* every byte but NUL survives writer then reader */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	json_w_init(&w, buf, sizeof buf);
	json_w_arr_begin(&w);
	json_w_str(&w, all);
	json_w_arr_end(&w);
	r = json_w_finish(&w);
	CHECKF(r > 0, "all bytes: %d", r);
	r = json_parse(&d, buf, (size_t)r, tok, 160);
	CHECK(r == ACME_OK);
	r = json_string(&d, 1, back, sizeof back);
	CHECK(r == 255 && memcmp(back, all, 256) == 0);

	/* a NUL inside strn is refused */
	json_w_init(&w, buf, sizeof buf);
	json_w_arr_begin(&w);
	json_w_strn(&w, "a\0b", 3);
	json_w_arr_end(&w);
	CHECK(json_w_finish(&w) == ACME_ERR_PARAM);
	/* strn takes exactly n bytes */
	json_w_init(&w, buf, sizeof buf);
	json_w_arr_begin(&w);
	json_w_strn(&w, "abcdef", 3);
	json_w_strn(&w, "", 0);
	json_w_arr_end(&w);
	r = json_w_finish(&w);
	CHECK(r == 10 && strcmp(buf, "[\"abc\",\"\"]") == 0);
	/* NULL strings and keys are misuse */
	json_w_init(&w, buf, sizeof buf);
	json_w_arr_begin(&w);
	json_w_str(&w, NULL);
	json_w_arr_end(&w);
	CHECK(json_w_finish(&w) == ACME_ERR_PARAM);
	json_w_init(&w, buf, sizeof buf);
	json_w_obj_begin(&w);
	json_w_key(&w, NULL);
	CHECK(json_w_finish(&w) == ACME_ERR_PARAM);
	/* the first error sticks: overflow then misuse is TOO_LARGE ... */
	json_w_init(&w, buf, 3);
	json_w_arr_begin(&w);
	json_w_str(&w, "long");
	json_w_obj_end(&w);
	CHECK(json_w_finish(&w) == ACME_ERR_TOO_LARGE);
	CHECK(json_w_finish(&w) == ACME_ERR_TOO_LARGE);
	CHECK(strlen(buf) < 3);     /* what fitted, NUL-terminated */
	/* ... and misuse then overflow is PARAM */
	json_w_init(&w, buf, 3);
	json_w_arr_begin(&w);
	json_w_key(&w, "k");
	json_w_str(&w, "long");
	CHECK(json_w_finish(&w) == ACME_ERR_PARAM);
	/* no buffer at all */
	json_w_init(&w, NULL, 100);
	json_w_obj_begin(&w);
	json_w_obj_end(&w);
	CHECK(json_w_finish(&w) == ACME_ERR_TOO_LARGE);
	/* "{}" needs 3 bytes */
	memset(buf, '#', 4);
	CHECK(w_script(buf, 2, "{}") == ACME_ERR_TOO_LARGE && buf[2] == '#');
	CHECK(w_script(buf, 3, "{}") == 2 && strcmp(buf, "{}") == 0);
}

int
main(void)
{
	T_RUN(test_directory);
	T_RUN(test_order);
	T_RUN(test_authz);
	T_RUN(test_lookup);
	T_RUN(test_escapes);
	T_RUN(test_raw_control);
	T_RUN(test_dst_overflow);
	T_RUN(test_malformed);
	T_RUN(test_writer_scripts);
	T_RUN(test_writer_payload);
	T_RUN(test_writer_edges);
	return t_done("json");
}
