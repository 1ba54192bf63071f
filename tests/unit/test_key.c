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
 */
#include <string.h>
#include <bearssl.h>
#include "acme_err.h"
#include "key.h"
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

int
main(void)
{
	T_RUN(test_seed_bytes);
	T_RUN(test_invalid_key);
	return t_done("key");
}
