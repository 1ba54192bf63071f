/*
 * test_jws.c -- JWS ES256 (RFC 7515 A.3), the JWK thumbprint (RFC 7638),
 * the ACME protected header (RFC 8555 6.2), and key PEM storage; ES384
 * with a P-384 key (SHA-384, 96-byte signature, "crv":"P-384"), and
 * signers that answer badly.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "acme_err.h"
#include "b64url.h"
#include "json.h"
#include "jws.h"
#include "key.h"
#include "signer.h"

/* RFC 7515 appendix A.3: the ES256 example key and JWS. */
static const char a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char a3_d[] = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
static const char a3_input[] = "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
    "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
static const char a3_sig[] = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmX"
    "FCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
/* RFC 7638 3.1 procedure applied to that key (SHA-256 of the canonical
 * JWK below, computed independently with Python's hashlib). */
static const char a3_jwk[] = "{\"crv\":\"P-256\",\"kty\":\"EC\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
static const char a3_thumb[] = "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U";

static void
a3_key(struct key_ec *k)
{
	memset(k, 0, sizeof *k);
	k->q[0] = 4;
	b64url_decode(k->q + 1, 32, a3_x, strlen(a3_x));
	b64url_decode(k->q + 33, 32, a3_y, strlen(a3_y));
	b64url_decode(k->x, 32, a3_d, strlen(a3_d));
	k->valid = 1;
}

/* Verify sig (base64url) over input with k's public key. */
static int
verify(const struct key_ec *k, const char *input, size_t ilen,
    const char *sig64, size_t slen)
{
	br_sha256_context sc;
	br_ec_public_key pk;
	unsigned char h[32], sig[64];

	if (b64url_decode(sig, sizeof sig, sig64, slen) != 64)
		return 0;
	br_sha256_init(&sc);
	br_sha256_update(&sc, input, ilen);
	br_sha256_out(&sc, h);
	key_views(k, NULL, &pk);
	return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, h, sizeof h, &pk, sig,
	    sizeof sig) == 1;
}

static void
test_rfc7515_a3(void)
{
	struct key_ec k;
	char bad[sizeof a3_input];
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];

	a3_key(&k);
	CHECK(verify(&k, a3_input, strlen(a3_input), a3_sig,
	    strlen(a3_sig)));
	memcpy(bad, a3_input, sizeof bad);
	bad[5] ^= 1;
	CHECK(!verify(&k, bad, strlen(bad), a3_sig, strlen(a3_sig)));
	/* The private scalar d gives the published x, y. */
	key_views(&k, &sk, NULL);
	CHECK(br_ec_compute_pub(key_ec_impl(), &pk, pub, &sk) == 65);
	CHECK(memcmp(pub, k.q, 65) == 0);
}

static void
test_thumbprint(void)
{
	struct key_ec k;
	char jwk[200], tp[JWS_THUMBPRINT_LEN + 1];

	a3_key(&k);
	CHECK(jws_jwk(jwk, sizeof jwk, &k) == (int)strlen(a3_jwk));
	CHECK(strcmp(jwk, a3_jwk) == 0);
	CHECK(jws_thumbprint(tp, &k) == ACME_OK);
	CHECKF(strcmp(tp, a3_thumb) == 0, "got %s", tp);
}

/* Decode the string member name of the flattened JWS text. */
static int
member(const char *jws, const char *name, char *out, size_t cap)
{
	struct json_tok tok[16];
	struct json_doc d;

	if (json_parse(&d, jws, strlen(jws), tok, 16) != ACME_OK)
		return -1;
	return json_string(&d, json_get(&d, 0, name), out, cap);
}

/* nonce NULL: none in the header (the inner JWS of a keyChange). */
static void
check_jws(const struct key_ec *k, const char *kid, const char *payload,
    const char *nonce)
{
	char out[2048], tmp[700], prot64[600], pay64[600], sig64[100];
	char prot[600], input[1300], expect[700];
	long n;

	n = jws_build(out, sizeof out, k, kid, nonce, "https://a.test/x",
	    payload, payload ? strlen(payload) : 0, tmp, sizeof tmp);
	CHECK(n > 0 && (size_t)n == strlen(out));
	CHECK(member(out, "protected", prot64, sizeof prot64) > 0);
	CHECK(member(out, "payload", pay64, sizeof pay64) >= 0);
	CHECK(member(out, "signature", sig64, sizeof sig64) == 86);
	n = b64url_decode(prot, sizeof prot - 1, prot64, strlen(prot64));
	CHECK(n > 0);
	prot[n > 0 ? n : 0] = 0;
	expect[0] = 0;
	strcat(expect, "{\"alg\":\"ES256\",");
	if (kid == NULL) {
		strcat(expect, "\"jwk\":");
		strcat(expect, a3_jwk);
	} else {
		strcat(expect, "\"kid\":\"");
		strcat(expect, kid);
		strcat(expect, "\"");
	}
	if (nonce != NULL) {
		strcat(expect, ",\"nonce\":\"");
		strcat(expect, nonce);
		strcat(expect, "\"");
	}
	strcat(expect, ",\"url\":\"https://a.test/x\"}");
	CHECKF(strcmp(prot, expect) == 0, "protected %s", prot);
	if (payload == NULL) {
		/* RFC 8555 6.3: POST-as-GET has an empty payload. */
		CHECK(pay64[0] == 0);
	} else {
		char pay[600];

		n = b64url_decode(pay, sizeof pay - 1, pay64, strlen(pay64));
		CHECK(n == (long)strlen(payload));
		pay[n > 0 ? n : 0] = 0;
		CHECK(strcmp(pay, payload) == 0);
	}
	snprintf(input, sizeof input, "%s.%s", prot64, pay64);
	CHECK(verify(k, input, strlen(input), sig64, strlen(sig64)));
}

static void
test_jws_build(void)
{
	struct key_ec k;
	char out[1024], tmp[700];
	long full, n;
	size_t cap;

	a3_key(&k);
	check_jws(&k, NULL, "{\"termsOfServiceAgreed\":true}", "nonce-AB_c");
	check_jws(&k, "https://a.test/acct/1", "{}", "nonce-AB_c");
	check_jws(&k, "https://a.test/acct/1", NULL, "nonce-AB_c");
	check_jws(&k, NULL, "{\"account\":\"https://a.test/acct/1\"}", NULL);
	/* Every too-small buffer fails cleanly and stays inside it. */
	full = jws_build(out, sizeof out, &k, NULL, "n", "https://a.test/",
	    "{}", 2, tmp, sizeof tmp);
	CHECK(full > 0);
	for (cap = 1; cap <= (size_t)full; cap++) {
		char *b = malloc(cap);

		n = jws_build(b, cap, &k, NULL, "n", "https://a.test/", "{}",
		    2, tmp, sizeof tmp);
		if (n != ACME_ERR_TOO_LARGE)
			CHECKF(0, "cap %zu gave %ld", cap, n);
		free(b);
	}
	CHECK(jws_build(out, sizeof out, &k, NULL, "n", "https://a.test/",
	    "{}", 2, tmp, 20) == ACME_ERR_TOO_LARGE);
	k.valid = 0;
	CHECK(jws_build(out, sizeof out, &k, NULL, "n", "u", NULL, 0, tmp,
	    sizeof tmp) == ACME_ERR_PARAM);
}

static int
ent_fixed(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 7 + 1);
	return 0;
}

static int
ent_fail(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return -1;
}

static void
test_key_pem(void)
{
	struct acme_port p;
	struct key_ec k, k2;
	char pem[512], cmd[600], path[] = "/tmp/picoacme-key-XXXXXX";
	long n;
	FILE *f;
	int fd;

	memset(&p, 0, sizeof p);
	p.entropy = ent_fixed;
	CHECK(key_generate(&k, &p) == ACME_OK);
	CHECK(k.valid && k.q[0] == 4);
	n = key_to_pem(&k, pem, sizeof pem);
	CHECK(n > 0 && strncmp(pem, "-----BEGIN EC PRIVATE KEY-----", 30) == 0);
	CHECK(key_to_pem(&k, pem, 50) == ACME_ERR_TOO_LARGE);
	n = key_to_pem(&k, pem, sizeof pem);
	CHECK(key_from_pem(&k2, pem, (size_t)n) == ACME_OK);
	CHECK(memcmp(k.x, k2.x, 32) == 0 && memcmp(k.q, k2.q, 65) == 0);
	CHECK(key_from_pem(&k2, pem, (size_t)n / 2) != ACME_OK);
	CHECK(key_from_pem(&k2, "garbage", 7) != ACME_OK);
	/* OpenSSL reads what we store. */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
	fwrite(pem, 1, (size_t)n, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "openssl ec -in %s -noout -check "
	    ">/dev/null 2>&1", path);
	CHECK(system(cmd) == 0);
	unlink(path);
	p.entropy = ent_fail;
	CHECK(key_generate(&k, &p) == ACME_ERR_ENTROPY);
}

/* ES384: a P-384 key signs with SHA-384; the JWK and the thumbprint are
 * computed here from the point. */
static void
test_es384(void)
{
	struct acme_port p;
	struct key_ec k, k2;
	struct acme_signer s;
	char out[2048], tmp[700], prot64[600], pay64[600], sig64[200];
	char prot[600], x[80], y[80], jwk[300], expect[700], tp[48];
	char tp2[JWS_THUMBPRINT_LEN + 1], pem[512];
	unsigned char h[48], sig[96], h256[32];
	br_sha384_context sc;
	br_sha256_context s2;
	br_ec_public_key pk;
	long n;

	memset(&p, 0, sizeof p);
	p.entropy = ent_fixed;
	CHECK(key_generate_curve(&k, BR_EC_secp384r1, &p) == ACME_OK);
	CHECK(key_qlen(&k) == 97 && key_xlen(&k) == 48 && k.q[0] == 4);
	b64url_encode(x, sizeof x, k.q + 1, 48);
	b64url_encode(y, sizeof y, k.q + 49, 48);
	snprintf(jwk, sizeof jwk, "{\"crv\":\"P-384\",\"kty\":\"EC\","
	    "\"x\":\"%s\",\"y\":\"%s\"}", x, y);
	n = jws_build(out, sizeof out, &k, NULL, "n1", "https://a.test/x",
	    "{}", 2, tmp, sizeof tmp);
	CHECK(n > 0);
	CHECK(member(out, "protected", prot64, sizeof prot64) > 0);
	CHECK(member(out, "payload", pay64, sizeof pay64) > 0);
	CHECK(member(out, "signature", sig64, sizeof sig64) == 128);
	n = b64url_decode(prot, sizeof prot - 1, prot64, strlen(prot64));
	prot[n > 0 ? n : 0] = 0;
	snprintf(expect, sizeof expect, "{\"alg\":\"ES384\",\"jwk\":%s,"
	    "\"nonce\":\"n1\",\"url\":\"https://a.test/x\"}", jwk);
	CHECKF(strcmp(prot, expect) == 0, "protected %s", prot);
	CHECK(b64url_decode(sig, sizeof sig, sig64, strlen(sig64)) == 96);
	br_sha384_init(&sc);
	br_sha384_update(&sc, prot64, strlen(prot64));
	br_sha384_update(&sc, ".", 1);
	br_sha384_update(&sc, pay64, strlen(pay64));
	br_sha384_out(&sc, h);
	key_views(&k, NULL, &pk);
	CHECK(pk.curve == BR_EC_secp384r1 && pk.qlen == 97);
	CHECK(br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, sizeof h, &pk, sig,
	    sizeof sig) == 1);
	h[0] ^= 1;
	CHECK(br_ecdsa_i31_vrfy_raw(&br_ec_prime_i31, h, sizeof h, &pk, sig,
	    sizeof sig) != 1);
	/* RFC 7638: SHA-256 of the canonical JWK, whatever the alg */
	br_sha256_init(&s2);
	br_sha256_update(&s2, jwk, strlen(jwk));
	br_sha256_out(&s2, h256);
	b64url_encode(tp, sizeof tp, h256, sizeof h256);
	CHECK(jws_thumbprint(tp2, &k) == ACME_OK);
	CHECKF(strcmp(tp, tp2) == 0, "thumbprint %s, want %s", tp2, tp);
	/* stored and read back as P-384 */
	n = key_to_pem(&k, pem, sizeof pem);
	CHECK(n > 0 && key_from_pem(&k2, pem, (size_t)n) == ACME_OK);
	CHECK(key_curve(&k2) == BR_EC_secp384r1 &&
	    memcmp(k.q, k2.q, 97) == 0 && memcmp(k.x, k2.x, 48) == 0);
	/* an RS256 signer cannot sign a JWS here */
	signer_ec(&s, &k);
	s.alg = ACME_ALG_RS256;
	CHECK(jws_build_signer(out, sizeof out, &s, NULL, "n", "u", NULL, 0,
	    tmp, sizeof tmp) == ACME_ERR_PARAM);
	/* an ES384 signer over a P-256 key gives a 64-byte signature */
	CHECK(key_generate(&k2, &p) == ACME_OK);
	signer_ec(&s, &k2);
	s.alg = ACME_ALG_ES384;
	CHECK(jws_build_signer(out, sizeof out, &s, "kid", "n", "u", NULL, 0,
	    tmp, sizeof tmp) == ACME_ERR_CRYPTO);
	CHECK(jws_build_signer(out, sizeof out, &s, NULL, "n", "u", NULL, 0,
	    tmp, sizeof tmp) == ACME_ERR_CRYPTO);
	key_wipe(&k);
	key_wipe(&k2);
}

int
main(void)
{
	T_RUN(test_es384);
	T_RUN(test_rfc7515_a3);
	T_RUN(test_thumbprint);
	T_RUN(test_jws_build);
	T_RUN(test_key_pem);
	return t_done("jws");
}
