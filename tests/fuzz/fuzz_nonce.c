/*
 * fuzz_nonce.c -- libFuzzer harness for core/nonce.c: Replay-Nonce values
 * as a hostile server sends them.  (Retry-After is parsed inside
 * http_resp_feed: fuzz_http covers it.)
 *
 * The input is a list of values separated by '\n'; a value starting with
 * '!' is offered with too_long set.  Each is offered with nonce_take; a
 * taken nonce must be non-empty base64url within ACME_MAX_NONCE, handed
 * out exactly once by nonce_use, and refused when offered again (the
 * replay ring).  Any breach aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "nonce.h"

static int
fuzz_b64url(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nonce_state n;
	static char out[ACME_MAX_NONCE + 1], again[ACME_MAX_NONCE + 1];
	const char *v = (const char *)data, *e;
	size_t len;
	int too_long, took;

	nonce_init(&n);
	while (size > 0) {
		e = memchr(v, '\n', size);
		len = e != NULL ? (size_t)(e - v) : size;
		too_long = len > 0 && v[0] == '!';
		took = nonce_take(&n, v, len, too_long);
		fuzz_assert(took == 0 || took == 1);
		fuzz_assert(nonce_have(&n) == took || !took);
		if (took) {
			fuzz_assert(!too_long && len <= ACME_MAX_NONCE);
			fuzz_assert(nonce_use(&n, out) == 1);
			fuzz_assert(strlen(out) == len && len > 0 &&
			    memcmp(out, v, len) == 0 && fuzz_b64url(out));
			fuzz_assert(nonce_use(&n, again) == 0);
			/* a replayed nonce is stale */
			fuzz_assert(nonce_take(&n, v, len, 0) == 0);
		} else if (v[0] == '?') {
			nonce_drop(&n);
			fuzz_assert(!nonce_have(&n));
		}
		if (e == NULL)
			break;
		size -= len + 1;
		v = e + 1;
	}
	return 0;
}
