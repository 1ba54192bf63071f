/*
 * fuzz_state.c -- libFuzzer harness for what a device reads back from
 * its own (possibly corrupt) storage: the renewal state record
 * (core/renew.c renew_parse; what it parses must format and parse back
 * to the same), the account key (core/key.c key_from_pem) and a trust
 * anchor file (core/ta.c ta_from_pem, counted first, then decoded).
 * The same input goes to all three.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "renew.h"
#include "key.h"
#include "ta.h"
#include "acme_err.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct renew_state s, s2;
	static char text[512];
	static struct key_ec k;
	static br_x509_trust_anchor ta[4];
	static unsigned char pool[4096];
	const char *in = (const char *)data;
	size_t n, pool_len, n2, pool_len2;
	long len;
	int r;

	memset(&s, 0xa5, sizeof s);
	renew_parse(&s, in, size);
	fuzz_assert(memchr(s.cert, '\0', sizeof s.cert) != NULL);
	len = renew_format(&s, text, sizeof text);
	fuzz_assert(len > 0 && (size_t)len < sizeof text);
	memset(&s2, 0x5a, sizeof s2);
	renew_parse(&s2, text, (size_t)len);
	fuzz_assert(s2.not_before == s.not_before &&
	    s2.failures == s.failures && s2.renew_at == s.renew_at &&
	    s2.check_at == s.check_at && s2.ari == s.ari &&
	    strcmp(s2.cert, s.cert) == 0);

	r = key_from_pem(&k, in, size);
	fuzz_assert(r == ACME_OK || r == ACME_ERR_CRYPTO);
	if (r == ACME_OK)
		fuzz_assert(k.q[0] == 4);
	key_wipe(&k);

	n = 0;
	pool_len = 0;
	r = ta_from_pem(NULL, &n, NULL, &pool_len, in, size);
	fuzz_assert(r == ACME_OK || r == ACME_ERR_PARAM ||
	    r == ACME_ERR_CRYPTO || r == ACME_ERR_TOO_LARGE);
	n2 = sizeof ta / sizeof ta[0];
	pool_len2 = sizeof pool;
	r = ta_from_pem(ta, &n2, pool, &pool_len2, in, size);
	fuzz_assert(r == ACME_OK || r == ACME_ERR_PARAM ||
	    r == ACME_ERR_CRYPTO || r == ACME_ERR_TOO_LARGE);
	if (r == ACME_OK)
		fuzz_assert(n2 >= 1 && n2 <= sizeof ta / sizeof ta[0] &&
		    n2 == n && pool_len2 == pool_len &&
		    pool_len2 <= sizeof pool);
	return 0;
}
