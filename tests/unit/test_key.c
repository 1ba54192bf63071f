/*
 * test_key.c -- key_generate() uses all of its entropy.
 *
 * The port's entropy() returns a fixed 48-byte pattern, or the pattern
 * with one byte flipped.  The same pattern must give the same key, and
 * each of the 48 flips a key of its own (different from the base key and
 * from the 47 others): a generator that read fewer bytes, or seeded its
 * DRBG from only part of them, makes some of these keys equal.  Every
 * key is valid: its public point is that of its scalar.  (PEM storage
 * and signing are in test_jws.c.)
 *
 * RSA-2048 (key_rsa.c): a key from the pattern, its seed flips giving
 * other keys, its PEM read by `openssl rsa -check` and read back to the
 * same key, its public key the DER openssl prints, a PKCS#1 signature
 * BearSSL verifies with the public key alone; a key of another size or
 * type is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <bearssl.h>
#include "acme_err.h"
#include "key.h"
#include "key_rsa.h"
#include "t.h"

#define SEED_LEN 48

struct ent_ctx {
	int flip;       /* which byte of the pattern to flip, -1: none */
	size_t asked;   /* bytes entropy() was asked for */
};

static int
ent_pattern(void *ctx, void *buf, size_t len)
{
	struct ent_ctx *e = ctx;
	unsigned char *p = buf;
	size_t i;

	e->asked += len;
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(0x5A + 0x3B * i);
	if (e->flip >= 0 && (size_t)e->flip < len)
		p[e->flip] ^= 0x01;
	return 0;
}

/* The key for one entropy pattern; 1 if it was made and is consistent. */
static int
gen(struct key_ec *k, int flip, size_t *asked)
{
	struct acme_port p;
	struct ent_ctx e;
	br_ec_private_key sk;
	br_ec_public_key pk;
	unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
	int ret;

	memset(&p, 0, sizeof p);
	e.flip = flip;
	e.asked = 0;
	p.ctx = &e;
	p.entropy = ent_pattern;
	ret = key_generate(k, &p);
	*asked = e.asked;
	if (ret != ACME_OK || !k->valid)
		return 0;
	key_views(k, &sk, NULL);
	return br_ec_compute_pub(key_ec_impl(), &pk, q, &sk) == 65 &&
	    key_qlen(k) == 65 && memcmp(q, k->q, 65) == 0;
}

static void
test_seed_bytes(void)
{
	static struct key_ec keys[SEED_LEN];
	struct key_ec base, again;
	size_t asked, i, j, same;

	CHECK(gen(&base, -1, &asked));
	CHECKF(asked >= SEED_LEN, "entropy asked for %zu bytes", asked);
	CHECK(gen(&again, -1, &asked));
	CHECK(memcmp(&base, &again, sizeof base) == 0);

	for (i = 0; i < SEED_LEN; i++) {
		CHECKF(gen(&keys[i], (int)i, &asked), "byte %zu: no key", i);
		CHECKF(memcmp(keys[i].x, base.x, sizeof base.x) != 0 &&
		    memcmp(keys[i].q, base.q, sizeof base.q) != 0,
		    "flipping seed byte %zu does not change the key", i);
	}
	for (i = 0, same = 0; i < SEED_LEN; i++)
		for (j = i + 1; j < SEED_LEN; j++)
			if (memcmp(keys[i].x, keys[j].x, sizeof keys[i].x) ==
			    0)
				same++;
	CHECKF(same == 0, "%zu pairs of flipped seeds give the same key",
	    same);
	key_wipe(&base);
	key_wipe(&again);
	for (i = 0; i < SEED_LEN; i++)
		key_wipe(&keys[i]);
}

/* A key never made or loaded is never written out (issue 9: an order
 * finalized elsewhere once stored an all-zero cert.key). */
static void
test_invalid_key(void)
{
	struct key_ec k;
	char pem[512];
	size_t asked;

	memset(&k, 0, sizeof k);
	CHECK(key_to_pem(&k, pem, sizeof pem) == ACME_ERR_CRYPTO);
	CHECK(gen(&k, -1, &asked));
	CHECK(key_to_pem(&k, pem, sizeof pem) > 0);
	key_wipe(&k);
	CHECK(key_to_pem(&k, pem, sizeof pem) == ACME_ERR_CRYPTO);
}

/* Run cmd on the PEM in a temp file (%s in cmd: its path); the exit
 * status, the first line of output in out. */
static int
on_pem(const char *pem, size_t len, const char *cmdfmt, char *out,
    size_t cap)
{
	char path[] = "/tmp/test_key_XXXXXX", cmd[300];
	FILE *f;
	int fd, st;

	out[0] = 0;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, pem, len) != (ssize_t)len)
		return -1;
	close(fd);
	snprintf(cmd, sizeof cmd, cmdfmt, path);
	f = popen(cmd, "r");
	if (f == NULL || fgets(out, (int)cap, f) == NULL)
		out[0] = 0;
	while (f != NULL && fgets(cmd, sizeof cmd, f) != NULL)
		;
	st = f != NULL ? pclose(f) : -1;
	unlink(path);
	return st;
}

static void
test_rsa(void)
{
	static struct key_rsa k, k2, k3;
	static char pem[2048];
	struct acme_port p;
	struct ent_ctx e = { -1, 0 };
	br_rsa_public_key pk;
	unsigned char pub[300], h[32], sig[256], ebuf[4], hex[700];
	char line[800], want[600];
	long n, pl;
	size_t i;

	memset(&p, 0, sizeof p);
	p.ctx = &e;
	p.entropy = ent_pattern;
	CHECK(key_rsa_to_pem(&k, pem, sizeof pem) == ACME_ERR_CRYPTO);
	CHECK(key_rsa_generate(&k, &p) == ACME_OK && k.valid);
	CHECK(e.asked >= SEED_LEN);
	CHECK(k.e == 65537 && (k.n[0] & 0x80) != 0);
	e.flip = 5;
	CHECK(key_rsa_generate(&k2, &p) == ACME_OK);
	CHECK(memcmp(k.n, k2.n, sizeof k.n) != 0);
	n = key_rsa_to_pem(&k, pem, sizeof pem);
	CHECK(n > 0 && strncmp(pem, "-----BEGIN RSA PRIVATE KEY-----", 31)
	    == 0);
	CHECK(key_rsa_to_pem(&k, pem, 100) == ACME_ERR_TOO_LARGE);
	n = key_rsa_to_pem(&k, pem, sizeof pem);
	CHECK(on_pem(pem, (size_t)n, "openssl rsa -in %s -check -noout "
	    "2>&1", line, sizeof line) == 0 && strstr(line, "RSA key ok"));
	CHECK(key_rsa_from_pem(&k3, pem, (size_t)n) == ACME_OK);
	CHECK(memcmp(&k, &k3, sizeof k) == 0);
	CHECK(key_rsa_from_pem(&k3, pem, (size_t)n / 2) == ACME_ERR_CRYPTO);
	/* the public key: openssl's DER RSAPublicKey, as hex */
	pl = key_rsa_pub(&k, pub, sizeof pub);
	CHECK(pl == 270);
	CHECK(key_rsa_pub(&k, pub, 100) == ACME_ERR_TOO_LARGE);
	pl = key_rsa_pub(&k, pub, sizeof pub);
	for (i = 0; pl > 0 && i < (size_t)pl && i < 300; i++)
		snprintf((char *)hex + 2 * i, 3, "%02x", pub[i]);
	CHECK(on_pem(pem, (size_t)n, "openssl rsa -in %s -RSAPublicKey_out "
	    "-outform DER 2>/dev/null | od -An -v -tx1 | tr -d ' \\n'",
	    want, sizeof want) == 0);
	CHECKF(strcmp(want, (char *)hex) == 0, "pub %.40s, openssl %.40s",
	    hex, want);
	/* a signature the public key verifies */
	memset(h, 0x42, sizeof h);
	CHECK(key_rsa_sign(&k, h, sizeof h, sig, sizeof sig) == 256);
	CHECK(key_rsa_sign(&k, h, 20, sig, sizeof sig) == ACME_ERR_CRYPTO);
	ebuf[0] = 0; ebuf[1] = 1; ebuf[2] = 0; ebuf[3] = 1;
	pk.n = k.n;
	pk.nlen = sizeof k.n;
	pk.e = ebuf;
	pk.elen = 4;
	{
		unsigned char got[32];

		CHECK(br_rsa_i31_pkcs1_vrfy(sig, sizeof sig,
		    BR_HASH_OID_SHA256, sizeof got, &pk, got) == 1 &&
		    memcmp(got, h, 32) == 0);
	}
	/* an EC key is not an RSA key */
	{
		struct key_ec ec;
		char epem[512];
		long en;

		CHECK(gen(&ec, -1, &i));
		en = key_to_pem(&ec, epem, sizeof epem);
		CHECK(en > 0 && key_rsa_from_pem(&k3, epem, (size_t)en) ==
		    ACME_ERR_CRYPTO);
		CHECK(key_from_pem(&ec, pem, (size_t)n) == ACME_ERR_CRYPTO);
	}
	/* nor is a 1024-bit one */
	CHECK(system("openssl genrsa -traditional -out /tmp/test_key_1024.pem "
	    "1024 >/dev/null 2>&1") == 0);
	{
		FILE *f = fopen("/tmp/test_key_1024.pem", "r");
		size_t got = f != NULL ? fread(pem, 1, sizeof pem, f) : 0;

		if (f != NULL)
			fclose(f);
		unlink("/tmp/test_key_1024.pem");
		CHECK(got > 0 && key_rsa_from_pem(&k3, pem, got) ==
		    ACME_ERR_CRYPTO);
	}
	key_rsa_wipe(&k);
	key_rsa_wipe(&k2);
	key_rsa_wipe(&k3);
}

int
main(void)
{
	T_RUN(test_seed_bytes);
	T_RUN(test_invalid_key);
	T_RUN(test_rsa);
	return t_done("key");
}
