/*
 * test_wipe.c -- wipe(), and what key.c and pem.c leave on the stack.
 *
 * wipe: every length from 0 to 300 at every alignment between canaries:
 * exactly the bytes asked become zero.  key_wipe() zeroes the whole key
 * and nothing next to it.
 *
 * residue: built by make as build/o2/tests/test_wipe (this file at -O2
 * with the host core objects, also -O2, where GCC deletes a memset() of
 * a dying local) and as test_wipe-lto (key.c, pem.c and wipe.c with
 * -flto, which also deletes a memset() in an out-of-line wipe()); never
 * with ASan, which moves the stack (the ASan build skips this part).
 * Each case scrubs 20 KB of stack, runs one function of key.c/pem.c 256
 * bytes lower than scan() will start, then scan() reads the 16 KB below
 * through a volatile pointer, and every run of 16 or more bytes of a
 * secret is reported with its depth: the 48-byte seed a fake entropy()
 * returns, the private scalar x, and the K and V of the HMAC_DRBG state
 * key_generate() ends with (made here with BearSSL from the same seed).
 * A control (a function that leaves the seed in a local) must be found,
 * or the window is not where the cases ran.  Each case runs once before
 * it is measured: the first call through a lazily bound PLT entry goes
 * through the dynamic linker's _dl_runtime_resolve_xsavec, which saves
 * the vector registers on the stack, and they hold x, K or V (seen, e.g.
 * x 0x1089 and 0x5c9 below the top in key_from_pem; none with -z now).
 * Those are copies of registers, which no wipe reaches.
 *
 * What it proves: after key_generate() and key_wipe(), no run of the
 * four secrets is in picoacme's frames: key_generate's own (seed[],
 * kbuf[], the DRBG context) and those of its callers.  They are the
 * addresses at and above the frame of the entropy() callback, which
 * key_generate calls with the same stack pointer as its BearSSL callees.
 * Below that line are BearSSL's frames, which picoacme cannot wipe: runs
 * there are printed, not counted.  BearSSL 0.6 (Debian 12) does leave
 * copies there: br_hmac_drbg_init alone leaves seed[0..31), br_ec_keygen
 * x and V (the HMAC contexts of br_hmac_drbg_generate), but within
 * key_generate the later br_ec_compute_pub() frames overwrite them, so
 * none is seen today.  After key_to_pem() (also with too small a
 * buffer), pem_first() and key_from_pem() the whole window must be free
 * of x: their BearSSL callees (br_encode_ec_raw_der, br_pem_encode, the
 * PEM and key decoders, br_ec_compute_pub) keep their state in contexts
 * picoacme owns and wipes, and left no run of x in their own frames.
 *
 * It fails on the code before wipe() (memset() deleted at -O2): seed, x,
 * K and V in key_generate's frame, x in key_to_pem's der[] (both paths),
 * in pem_first's decoder buffer, in key_from_pem's der[] and its skey
 * decoder context; and it fails when any one wipe() call is removed.
 * Not proved: anything about registers, copies shorter than 16 bytes,
 * other compilers or targets.
 */
#include <stdint.h>
#include <string.h>
#include <bearssl.h>
#include "acme_err.h"
#include "key.h"
#include "pem.h"
#include "wipe.h"
#include "t.h"

/* The residue test reads the stack as the compiler left it: under ASan
 * (redzones, another layout) it means nothing and is skipped. */
#if defined(__SANITIZE_ADDRESS__)
#define RESIDUE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RESIDUE 0
#endif
#endif
#ifndef RESIDUE
#define RESIDUE 1
#endif

/* The name of the -O2 suite: make builds it twice, with and without
 * link-time optimisation. */
#ifndef WIPE_SUITE
#define WIPE_SUITE "wipe-o2"
#endif

/* ---------------------------------------------------------- wipe() */

#define CANARY 16
#define CANARY_BYTE 0xA5

static void
test_wipe_exact(void)
{
	static unsigned char buf[CANARY + 8 + 300 + CANARY];
	struct {
		unsigned char pre[CANARY];
		struct key_ec k;
		unsigned char post[CANARY];
	} kk;
	size_t len, off, i, bad = 0;

	for (len = 0; len <= 300; len++) {
		for (off = 0; off < 8; off++) {
			memset(buf, CANARY_BYTE, sizeof buf);
			wipe(buf + CANARY + off, len);
			for (i = 0; i < sizeof buf; i++) {
				int in = i >= CANARY + off &&
				    i < CANARY + off + len;

				if (buf[i] != (in ? 0 : CANARY_BYTE))
					bad++;
			}
		}
	}
	CHECKF(bad == 0, "wipe: %zu bytes wrong", bad);
	wipe(NULL, 0);

	memset(&kk, CANARY_BYTE, sizeof kk);
	key_wipe(&kk.k);
	for (i = 0, bad = 0; i < CANARY; i++)
		if (kk.pre[i] != CANARY_BYTE || kk.post[i] != CANARY_BYTE)
			bad++;
	CHECKF(bad == 0, "key_wipe wrote %zu bytes outside", bad);
	for (i = 0, bad = 0; i < sizeof kk.k; i++)
		if (((unsigned char *)&kk.k)[i] != 0)
			bad++;
	CHECKF(bad == 0, "key_wipe left %zu bytes", bad);
}

/* ---------------------------------------------------------- residue */

#if RESIDUE

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

#define SPAN 16384      /* bytes of stack read below the experiment */
#define WIN 16          /* shortest run of a secret that counts */

struct secret {
	const char *what;
	const unsigned char *p;
	size_t len;
};

static unsigned char seed_pat[48];      /* what entropy() returns */
static unsigned char ref_x[32], ref_k[32], ref_v[32];
static const struct secret secrets[] = {
	{ "seed", seed_pat, sizeof seed_pat },
	{ "x", ref_x, sizeof ref_x },
	{ "K", ref_k, sizeof ref_k },
	{ "V", ref_v, sizeof ref_v },
};

static unsigned char snap[SPAN];        /* the stack, as read */
static uintptr_t snap_lo;               /* its address */
static uintptr_t ent_frame;             /* entropy()'s frame address */
static uintptr_t ent_buf;               /* key_generate's seed[] */

static struct key_ec gkey;              /* the key, off the stack */
static char pem[512];
static long pem_len;
static unsigned char der[256];
static int case_ok;

/* The port's entropy: seed_pat.  Notes where it was called from. */
static int
ent_known(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	(void)ctx;
	ent_frame = (uintptr_t)__builtin_frame_address(0);
	ent_buf = (uintptr_t)buf;
	for (i = 0; i < len; i++)
		p[i] = seed_pat[i % sizeof seed_pat];
	return 0;
}

/*
 * The three steps of an experiment, each called from the same frame.
 * Volatile-qualified arrays: a store through a volatile pointer to
 * plain bytes is not enough, GCC 12 drops it when the array dies.
 */
static NOINLINE void
scrub(void)
{
	volatile unsigned char a[SPAN + 4096];
	size_t i;

	for (i = 0; i < sizeof a; i++)
		a[i] = 0xEE;
}

/* Run fn 256 bytes lower, so that all it writes is inside scan()'s
 * array. */
static NOINLINE void
deeper(void (*fn)(void))
{
	volatile unsigned char pad[256];

	pad[0] = 1;
	fn();
	pad[255] = pad[0];
}

/* Read the SPAN bytes below the caller into snap. */
static NOINLINE void
scan(void)
{
	volatile unsigned char a[SPAN];
	volatile unsigned char *volatile v = a;
	size_t i;

	snap_lo = (uintptr_t)a;
	for (i = 0; i < SPAN; i++)
		snap[i] = v[i];
}

/* Run fn once (lazy binding, see the top), then scrub, run, read. */
static NOINLINE void
experiment(void (*fn)(void))
{
	fn();
	scrub();
	deeper(fn);
	scan();
}

/* The control: a seed left in a dead local. */
static NOINLINE void
case_leak(void)
{
	volatile unsigned char s[48];
	size_t i;

	for (i = 0; i < sizeof s; i++)
		s[i] = seed_pat[i];
	case_ok = 1;
}

static NOINLINE void
case_generate(void)
{
	struct acme_port p;
	struct key_ec k;

	memset(&p, 0, sizeof p);
	p.entropy = ent_known;
	case_ok = key_generate(&k, &p) == ACME_OK;
	memcpy(&gkey, &k, sizeof k);
	key_wipe(&k);
}

static NOINLINE void
case_to_pem(void)
{
	pem_len = key_to_pem(&gkey, pem, sizeof pem);
	case_ok = pem_len > 0;
}

static NOINLINE void
case_to_pem_small(void)
{
	char small[100];

	case_ok = key_to_pem(&gkey, small, sizeof small) ==
	    ACME_ERR_TOO_LARGE;
}

static NOINLINE void
case_pem_first(void)
{
	case_ok = pem_len > 0 && pem_first(pem, (size_t)pem_len,
	    "EC PRIVATE KEY", NULL, der, sizeof der) > 100;
}

static NOINLINE void
case_from_pem(void)
{
	struct key_ec k;

	case_ok = pem_len > 0 &&
	    key_from_pem(&k, pem, (size_t)pem_len) == ACME_OK &&
	    memcmp(&k, &gkey, sizeof k) == 0;
	key_wipe(&k);
}

struct residue_case {
	const char *what;
	void (*run)(void);
	int split;      /* 1: count only at and above entropy()'s frame */
	int want;       /* runs expected there */
};

static const struct residue_case residue_cases[] = {
	{ "control", case_leak, 0, 1 },
	{ "key_generate", case_generate, 1, 0 },
	{ "key_to_pem", case_to_pem, 0, 0 },
	{ "key_to_pem too small", case_to_pem_small, 0, 0 },
	{ "pem_first", case_pem_first, 0, 0 },
	{ "key_from_pem", case_from_pem, 0, 0 },
};

/*
 * Print every run of WIN or more bytes of s in snap, with its depth below
 * the top of the window.  Returns how many start at or above split;
 * those below are marked as BearSSL's.
 */
static int
find_runs(const char *when, const struct secret *s, uintptr_t split)
{
	size_t i, w, k, back;
	uintptr_t a;
	int above = 0;

	for (i = 0; i + WIN <= SPAN; i++) {
		for (w = 0; w + WIN <= s->len; w++)
			if (memcmp(snap + i, s->p + w, WIN) == 0)
				break;
		if (w + WIN > s->len)
			continue;
		for (back = 0; back < w && back < i &&
		    snap[i - back - 1] == s->p[w - back - 1]; back++)
			;
		for (k = WIN; i + k < SPAN && w + k < s->len &&
		    snap[i + k] == s->p[w + k]; k++)
			;
		a = snap_lo + i - back;
		printf("  %s: %s[%zu..%zu) 0x%lx below the top%s\n", when,
		    s->what, w - back, w + k,
		    (unsigned long)(snap_lo + SPAN - a),
		    a >= split ? "" : " (BearSSL's frames, not counted)");
		if (a >= split)
			above++;
		i += k - 1;
	}
	return above;
}

static void
test_residue(void)
{
	static br_hmac_drbg_context rng;
	static unsigned char kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	br_ec_private_key sk;
	const struct residue_case *c;
	size_t i, j;
	int above;

	for (i = 0; i < sizeof seed_pat; i++)
		seed_pat[i] = (unsigned char)(0x3D + 0x95 * i);
	/* What key_generate() makes from seed_pat: x and the DRBG state
	 * (static: no copy of our own on the stack) */
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed_pat,
	    sizeof seed_pat);
	CHECK(br_ec_keygen(&rng.vtable, key_ec_impl(), &sk, kbuf,
	    BR_EC_secp256r1) == sizeof ref_x);
	memcpy(ref_x, kbuf, sizeof ref_x);
	memcpy(ref_k, rng.K, sizeof ref_k);
	memcpy(ref_v, rng.V, sizeof ref_v);

	for (i = 0; i < sizeof residue_cases / sizeof residue_cases[0];
	    i++) {
		uintptr_t split;

		c = &residue_cases[i];
		case_ok = 0;
		experiment(c->run);
		CHECKF(case_ok, "%s did not work", c->what);
		split = snap_lo;
		if (c->split) {
			/* the stack grows down, key_generate's frame (and its
			 * seed[]) is above entropy()'s, all in the window */
			CHECK(ent_frame > snap_lo &&
			    ent_frame < snap_lo + SPAN && ent_buf > ent_frame);
			CHECK(memcmp(gkey.x, ref_x, sizeof ref_x) == 0);
			split = ent_frame;
			printf("  %s: entropy() frame 0x%lx, seed[] 0x%lx "
			    "below the top\n", c->what,
			    (unsigned long)(snap_lo + SPAN - ent_frame),
			    (unsigned long)(snap_lo + SPAN - ent_buf));
		}
		above = 0;
		for (j = 0; j < sizeof secrets / sizeof secrets[0]; j++)
			above += find_runs(c->what, &secrets[j], split);
		CHECKF(above == c->want, "%s: %d runs of secrets, want %d",
		    c->what, above, c->want);
	}
}

#endif

int
main(void)
{
	T_RUN(test_wipe_exact);
#if RESIDUE
	T_RUN(test_residue);
	return t_done(WIPE_SUITE);
#else
	printf("wipe: stack residue skipped under ASan (see build/o2)\n");
	return t_done("wipe");
#endif
}
