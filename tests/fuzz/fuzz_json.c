/*
 * fuzz_json.c -- libFuzzer harness for core/json.c as the flow reads it.
 *
 * The handlers that read directory, account, order, authorization,
 * challenge and problem documents (flow.c, acme.c) are static, so this
 * harness parses the input with json_parse into ACME_JSON_TOKENS tokens
 * and then asks what they ask, with the same accessors: every key the
 * flow looks up (status, challenges, error, subproblems, meta.profiles
 * ...), json_string into small buffers (the flow's caps), json_str_eq,
 * json_is_true, and a walk of every token with json_skip.  Any result
 * outside the documented set, or a token outside the text, aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "json.h"
#include "acme_config.h"
#include "acme_err.h"

static struct json_tok tok[ACME_JSON_TOKENS];

/* Copy token t into a buffer of cap bytes; check the result. */
static void
fuzz_copy(const struct json_doc *d, int t, size_t cap)
{
	static char s[ACME_MAX_URL + 1];
	int r;

	if (cap > sizeof s)
		cap = sizeof s;
	memset(s, 'x', sizeof s);
	r = json_string(d, t, s, cap);
	fuzz_assert(r == ACME_ERR_JSON || r == ACME_ERR_TOO_LARGE ||
	    (r >= 0 && (size_t)r < cap && s[r] == '\0'));
	json_str_eq(d, t, "valid");
	json_is_true(d, t);
}

/* An object member the way the flow reads it: key, then string (cap 0:
 * the key only). */
static int
fuzz_member(const struct json_doc *d, int obj, const char *key, size_t cap)
{
	int t = json_get(d, obj, key);

	fuzz_assert(t >= -1 && t < d->ntok);
	if (cap != 0)
		fuzz_copy(d, t, cap);
	return t;
}

/* Every element of array a: its own members, as challenges are read. */
static void
fuzz_array(const struct json_doc *d, int a)
{
	int n = json_array_len(d, a), i, it;

	fuzz_assert(n >= -1 && n <= d->ntok);
	for (i = 0; i < n; i++) {
		it = json_array_item(d, a, i);
		fuzz_assert(it > a && it < d->ntok);
		fuzz_copy(d, it, ACME_MAX_URL + 1);
		fuzz_member(d, it, "type", 32);
		fuzz_member(d, it, "url", ACME_MAX_URL + 1);
		fuzz_member(d, it, "token", 128);
		fuzz_member(d, it, "status", 16);
		fuzz_member(d, fuzz_member(d, it, "error", 0), "detail", 64);
		fuzz_member(d, fuzz_member(d, it, "identifier", 0), "value",
		    64);
	}
	fuzz_assert(json_array_item(d, a, n < 0 ? 0 : n) == -1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"newNonce", "newAccount", "newOrder", "revokeCert",
		"keyChange", "renewalInfo", "orders", "finalize",
		"certificate", "expires", "type", "detail", "value",
		"wildcard", "termsOfServiceAgreed", "contact",
	};
	struct json_doc d;
	int r, t, next, meta, p;
	size_t i;

	r = json_parse(&d, (const char *)data, size, tok, ACME_JSON_TOKENS);
	fuzz_assert(r == ACME_OK || r == ACME_ERR_JSON ||
	    r == ACME_ERR_TOO_LARGE);
	if (r != ACME_OK)
		return 0;
	fuzz_assert(d.ntok >= 1 && d.ntok <= ACME_JSON_TOKENS);
	for (t = 0; t < d.ntok; t++) {
		fuzz_assert(tok[t].start >= 0 && tok[t].start <= tok[t].end &&
		    (size_t)tok[t].end <= size);
		next = json_skip(&d, t);
		fuzz_assert(next > t && next <= d.ntok);
		json_type(&d, t);
		fuzz_copy(&d, t, 40);
	}
	fuzz_assert(json_skip(&d, 0) == d.ntok);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		fuzz_member(&d, 0, keys[i], 40);
	fuzz_member(&d, 0, "status", 16);
	fuzz_array(&d, fuzz_member(&d, 0, "challenges", 0));
	fuzz_array(&d, fuzz_member(&d, 0, "authorizations", 0));
	fuzz_array(&d, fuzz_member(&d, 0, "identifiers", 0));
	fuzz_array(&d, fuzz_member(&d, 0, "subproblems", 0));
	fuzz_member(&d, fuzz_member(&d, 0, "error", 0), "type", 64);
	fuzz_member(&d, fuzz_member(&d, 0, "identifier", 0), "value", 64);
	meta = fuzz_member(&d, 0, "meta", 0);
	fuzz_member(&d, meta, "termsOfService", ACME_MAX_URL + 1);
	p = fuzz_member(&d, meta, "profiles", 0);
	if (json_type(&d, p) == JSON_OBJECT)
		for (t = p + 1; t < json_skip(&d, p); t = json_skip(&d, t + 1))
			fuzz_copy(&d, t, 32);
	return 0;
}
