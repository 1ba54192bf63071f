/*
 * test_store_flash.c -- the flash store (port/flash/store_flash.c) on a
 * NOR flash simulated in RAM.
 *
 * The simulator enforces NOR: erase sets a block to 0xFF, program ANDs
 * (it can only clear bits), arguments must be aligned and inside one
 * block; a program of nonzero data over a unit that is not erased (or of
 * zeros without FLASH_ZERO_OVER) is counted as illegal and every case
 * requires that count to stay 0.  Power can fail before any program or
 * erase, cleanly or torn (the first or the second half of the bytes
 * done, or only some bits of every byte), and a driver call can fail
 * with the power on.  The cut-point cases run a renewal as core does it
 * (state stored, the certificate pair staged in pieces and committed,
 * state stored) and cut it at every operation, in every tear, on five
 * geometries, then mount again and require the set found to be exactly
 * the one before the step that was cut or the one after it (so the pair
 * is old or new, whole and matching, and no name is lost), that no
 * completed step is undone, and that the store works again.  Then every
 * pair of cuts (a cut during the recovery's first renewal).  Also:
 * capacity and name errors keep the old set, corrupted records and
 * blobs, fresh and garbage flash, sequence wrap, ranged reads, replaced
 * keys destroyed in the old slot, erases per renewal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "flash/store_flash.h"
#include "t.h"

#define SIM_MAX (64 * 1024)

enum { TEAR_NONE, TEAR_HEAD, TEAR_TAIL, TEAR_BITS, TEARS };
static const char *tear_name[TEARS] = { "clean", "head", "tail", "bits" };

struct sim {
	struct flash_ops ops;
	uint8_t m[SIM_MAX];
	long ops_done;          /* program and erase calls */
	long cut_at;            /* power fails at this call (-1: never) */
	int tear;
	long fail_at;           /* this call fails, power stays (-1) */
	long reads, read_fail_at;  /* reads from this one on fail (-1) */
	int dead;               /* power off: every call fails */
	long illegal, bad_args, erases, programs;
	long block_erases[SIM_MAX / 1024];
};

static struct sim S;

/* Zero or more bits of a byte that a torn operation leaves done. */
#define TEAR_MASK 0x55

/* An operation starts: 1 when it may go on, 0 when it fails (the power
 * is off or the driver fails), after a torn run of it when power fails
 * now. */
static int
sim_begin(struct sim *f, uint32_t off, const uint8_t *d, size_t len,
    int erase)
{
	size_t i, a = 0, b = 0;
	long n;

	if (f->dead)
		return 0;
	n = f->ops_done++;
	if (n == f->fail_at)
		return 0;
	if (n != f->cut_at)
		return 1;
	f->dead = 1;
	if (f->tear == TEAR_HEAD)
		b = len / 2;
	else if (f->tear == TEAR_TAIL)
		a = len / 2, b = len;
	for (i = a; i < b; i++)
		f->m[off + i] = erase ? 0xff : f->m[off + i] & d[i];
	if (f->tear == TEAR_BITS)
		for (i = 0; i < len; i++)
			f->m[off + i] = erase ? f->m[off + i] | TEAR_MASK :
			    f->m[off + i] & (d[i] | TEAR_MASK);
	return 0;
}

static int
sim_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct sim *f = ctx;

	if (off > f->ops.size || len > f->ops.size - off) {
		f->bad_args++;
		return -1;
	}
	if (f->dead || (f->read_fail_at >= 0 && f->reads >= f->read_fail_at))
		return -1;
	f->reads++;
	memcpy(buf, f->m + off, len);
	return 0;
}

static int
sim_program(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct sim *f = ctx;
	const uint8_t *d = buf;
	uint32_t u = f->ops.prog, b = f->ops.block;
	size_t i, j;
	int erased, zero;

	if (off % u != 0 || len % u != 0 || len == 0 ||
	    off > f->ops.size || len > f->ops.size - off ||
	    off / b != (off + len - 1) / b) {
		f->bad_args++;
		return -1;
	}
	if (!sim_begin(f, off, d, len, 0))
		return -1;
	f->programs++;
	for (i = 0; i < len; i += u) {
		erased = zero = 1;
		for (j = i; j < i + u; j++) {
			erased &= f->m[off + j] == 0xff;
			zero &= d[j] == 0;
		}
		if (!erased && !(zero && (f->ops.flags & FLASH_ZERO_OVER)))
			f->illegal++;
		for (j = i; j < i + u; j++)
			f->m[off + j] &= d[j];
	}
	return 0;
}

static int
sim_erase(void *ctx, uint32_t off)
{
	struct sim *f = ctx;
	uint8_t ff[SIM_MAX / 16];

	if (off % f->ops.block != 0 || off >= f->ops.size) {
		f->bad_args++;
		return -1;
	}
	memset(ff, 0xff, sizeof ff);
	if (!sim_begin(f, off, ff, f->ops.block, 1))
		return -1;
	f->erases++;
	f->block_erases[off / 1024]++;
	memset(f->m + off, 0xff, f->ops.block);
	return 0;
}

/* Geometries: every cut-point case runs on each. */
struct geo {
	const char *name;
	uint32_t block, prog, blocks;
	unsigned flags;
};

static const struct geo GEOS[] = {
	{ "4K blocks, 1-byte units (SPI NOR)", 4096, 1, 6, FLASH_ZERO_OVER },
	{ "4K blocks, 16-byte units", 4096, 16, 6, FLASH_ZERO_OVER },
	{ "4K blocks, 8-byte ECC units, no zero overwrite", 4096, 8, 6, 0 },
	{ "1K blocks, 32-byte units", 1024, 32, 24, FLASH_ZERO_OVER },
	{ "2K blocks, 4-byte units, no zero overwrite", 2048, 4, 12, 0 },
};
#define NGEOS (sizeof GEOS / sizeof GEOS[0])

/* A simulator with geometry g, erased (fill 0xff) or not. */
static void
sim_init(struct sim *f, const struct geo *g, int fill)
{
	memset(f, 0, sizeof *f);
	memset(f->m, fill, sizeof f->m);
	f->ops.ctx = f;
	f->ops.size = g->block * g->blocks;
	f->ops.block = g->block;
	f->ops.prog = g->prog;
	f->ops.flags = g->flags;
	f->ops.read = sim_read;
	f->ops.program = sim_program;
	f->ops.erase = sim_erase;
	f->cut_at = f->fail_at = f->read_fail_at = -1;
}

/* Power back on, no faults planned. */
static void
sim_restore(struct sim *f)
{
	f->dead = 0;
	f->cut_at = f->fail_at = f->read_fail_at = -1;
}

/* ---- the blobs and a model of the set -------------------------------- */

enum { N_ACCKEY, N_ACCURL, N_CERTKEY, N_CERT, N_STATE, NNAMES };
static const char *NAMES[NNAMES] = {
	"account.key", "account.url", "cert.key", "cert.pem", "state"
};

/* Version v of blob i into buf (cap >= 9000); returns its length.
 * Versions differ in content and (for cert.pem) in length. */
static size_t
blob(int i, int v, uint8_t *buf)
{
	static const size_t base[NNAMES] = { 227, 96, 227, 6000, 120 };
	uint32_t x = 2463534242u ^ (uint32_t)(i * 7919 + v * 104729);
	size_t n = base[i] + (i == N_CERT ? (size_t)(v % 5) * 500 : 0), k;

	for (k = 0; k < n; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[k] = (uint8_t)x;
	}
	if (n >= 2) {
		buf[0] = (uint8_t)i;
		buf[1] = (uint8_t)v;
	}
	return n;
}

/* The model: the version of each name, -1 when absent. */
struct set {
	int v[NNAMES];
};

static const struct set EMPTY = { { -1, -1, -1, -1, -1 } };

/* One step of a sequence: store one name, or stage the pair (key, then
 * the chain in pieces of 777 bytes) and commit. */
enum { ST_STORE, ST_PAIR };
struct step {
	int op, name, v;
};

static void
apply(struct set *m, const struct step *st)
{
	if (st->op == ST_STORE) {
		m->v[st->name] = st->v;
	} else {
		m->v[N_CERTKEY] = st->v;
		m->v[N_CERT] = st->v;
	}
}

static int
step_run(struct store_flash *s, const struct step *st)
{
	static uint8_t b[9000];
	size_t n, k, piece = 777;
	int r = 0;

	if (st->op == ST_STORE) {
		n = blob(st->name, st->v, b);
		return store_flash_store(s, NAMES[st->name], b, n);
	}
	n = blob(N_CERTKEY, st->v, b);
	r = store_flash_stage(s, NAMES[N_CERTKEY], b, n);
	n = blob(N_CERT, st->v, b);
	for (k = 0; k < n && r == 0; k += piece)
		r = store_flash_stage(s, NAMES[N_CERT], b + k,
		    n - k < piece ? n - k : piece);
	if (r == 0)
		r = store_flash_commit(s);
	if (r != 0)
		store_flash_discard(s);
	return r;
}

/* Load every name into got (-1 absent, -2 not any known version, -3
 * an error); a name's version is recognised from its content. */
static void
observe(struct store_flash *s, struct set *got)
{
	static uint8_t b[12000], want[9000];
	long n;
	int i, v;
	size_t wn;

	for (i = 0; i < NNAMES; i++) {
		n = store_flash_load(s, NAMES[i], b, sizeof b);
		got->v[i] = n == -1 ? -1 : n < 0 ? -3 : -2;
		if (n < 2)
			continue;
		v = b[1];
		wn = blob(i, v, want);
		if ((size_t)n == wn && memcmp(b, want, wn) == 0)
			got->v[i] = v;
	}
}

static int
same(const struct set *a, const struct set *b)
{
	return memcmp(a, b, sizeof *a) == 0;
}

static void
set_text(const struct set *m, char *t, size_t cap)
{
	snprintf(t, cap, "akey=%d aurl=%d ckey=%d cert=%d state=%d",
	    m->v[0], m->v[1], m->v[2], m->v[3], m->v[4]);
}

/* Everything a first run and a renewal leave: versions 1. */
static const struct step SETUP[] = {
	{ ST_STORE, N_STATE, 1 }, { ST_STORE, N_ACCKEY, 1 },
	{ ST_STORE, N_ACCURL, 1 }, { ST_PAIR, 0, 1 }, { ST_STORE, N_STATE, 2 },
};
/* A renewal as core makes it (ensure.c, flow.c). */
static const struct step RENEW[] = {
	{ ST_STORE, N_STATE, 3 }, { ST_PAIR, 0, 2 }, { ST_STORE, N_STATE, 4 },
};
/* The recovery's own renewal, for the second cut. */
static const struct step RENEW2[] = {
	{ ST_STORE, N_STATE, 5 }, { ST_PAIR, 0, 3 }, { ST_STORE, N_STATE, 6 },
};
#define NSTEPS(a) (sizeof(a) / sizeof(a)[0])

/* Run steps from model m on the store mounted on S until the power
 * fails.  On return m is the model before the step that was cut, *next
 * the model after it (both the final model when nothing was cut).
 * Returns the number of steps that returned an error with the power on. */
static int
run_steps(struct store_flash *s, const struct step *st, size_t n,
    struct set *m, struct set *next)
{
	size_t i;
	int errs = 0;

	*next = *m;
	for (i = 0; i < n; i++) {
		apply(next, &st[i]);
		if (step_run(s, &st[i]) != 0 && !S.dead)
			errs++;
		if (S.dead)
			return errs;
		*m = *next;
	}
	return errs;
}

/* Mount S again (power back) into s: 0, or -1 when init failed or
 * wrote anything (mounting only reads). */
static int
remount(struct store_flash *s)
{
	long before;

	sim_restore(&S);
	before = S.ops_done;
	if (store_flash_init(s, &S.ops) != 0)
		return -1;
	return S.ops_done == before ? 0 : -1;
}

/* ---- cases ------------------------------------------------------------ */

static void
test_crc32(void)
{
	CHECK(store_flash_crc32(0, "123456789", 9) == 0xcbf43926u);
	CHECK(store_flash_crc32(store_flash_crc32(0, "1234", 4), "56789", 5)
	    == 0xcbf43926u);
	CHECK(store_flash_crc32(0, "", 0) == 0);
}

/* The simulator itself: NOR semantics, illegal writes recorded, bad
 * arguments refused. */
static void
test_simulator(void)
{
	static const struct geo g = { "sim", 4096, 8, 4, 0 };
	uint8_t a[16], b[16];

	sim_init(&S, &g, 0xff);
	memset(a, 0xf0, sizeof a);
	CHECK(S.ops.program(&S, 8, a, 8) == 0);
	CHECK(S.m[8] == 0xf0 && S.m[15] == 0xf0 && S.m[16] == 0xff);
	CHECK(S.illegal == 0);
	memset(a, 0x3c, sizeof a);
	CHECK(S.ops.program(&S, 8, a, 8) == 0);        /* over data: ANDs */
	CHECK(S.m[8] == 0x30 && S.illegal == 1);
	memset(a, 0, sizeof a);
	CHECK(S.ops.program(&S, 8, a, 8) == 0);        /* zeros, no flag */
	CHECK(S.m[8] == 0 && S.illegal == 2);
	S.ops.flags = FLASH_ZERO_OVER;
	CHECK(S.ops.program(&S, 8, a, 8) == 0 && S.illegal == 2);
	CHECK(S.ops.program(&S, 9, a, 8) == -1);       /* misaligned */
	CHECK(S.ops.program(&S, 8, a, 4) == -1);       /* part of a unit */
	CHECK(S.ops.program(&S, 4088, a, 16) == -1);   /* two blocks */
	CHECK(S.ops.program(&S, 4 * 4096, a, 8) == -1);/* outside */
	CHECK(S.ops.erase(&S, 100) == -1);             /* misaligned */
	CHECK(S.ops.erase(&S, 4 * 4096) == -1);
	CHECK(S.bad_args == 6);
	CHECK(S.ops.erase(&S, 0) == 0 && S.m[8] == 0xff && S.m[4095] == 0xff);
	/* a torn program leaves some bits; power stays off after it */
	memset(a, 0, sizeof a);
	S.cut_at = S.ops_done;
	S.tear = TEAR_BITS;
	CHECK(S.ops.program(&S, 0, a, 8) == -1 && S.m[0] == TEAR_MASK);
	CHECK(S.ops.read(&S, 0, b, 8) == -1 && S.ops.erase(&S, 0) == -1);
	sim_restore(&S);
	S.cut_at = S.ops_done;
	S.tear = TEAR_HEAD;
	CHECK(S.ops.erase(&S, 0) == -1 && S.m[0] == 0xff &&
	    S.m[2047] == 0xff && S.m[2048] == 0xff);
	sim_restore(&S);
	S.ops.program(&S, 4096, a, 16);
	S.cut_at = S.ops_done;
	S.tear = TEAR_TAIL;
	CHECK(S.ops.erase(&S, 4096) == -1 && S.m[4096] == 0 &&
	    S.m[4096 + 2048] == 0xff);
}

/* Geometries the store must refuse. */
static void
test_geometry(void)
{
	static const struct {
		uint32_t size, block, prog;
	} bad[] = {
		{ 4096, 4096, 1 },      /* one block: no two slots */
		{ 16384, 4096, 0 },
		{ 16384, 4096, 64 },    /* above STORE_FLASH_PROG_MAX */
		{ 16384, 4096, 24 },    /* does not divide the block */
		{ 16384, 128, 1 },      /* the record does not fit a block */
		{ 16384, 0, 1 },
	};
	static const struct geo g = { "g", 4096, 1, 4, 0 };
	struct store_flash s;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_CASE("geometry %u: size %u block %u prog %u", (unsigned)i,
		    (unsigned)bad[i].size, (unsigned)bad[i].block,
		    (unsigned)bad[i].prog);
		sim_init(&S, &g, 0xff);
		S.ops.size = bad[i].size;
		S.ops.block = bad[i].block;
		S.ops.prog = bad[i].prog;
		CHECK(store_flash_init(&s, &S.ops) == -1);
	}
	T_CASE("geometry: no erase function");
	sim_init(&S, &g, 0xff);
	S.ops.erase = NULL;
	CHECK(store_flash_init(&s, &S.ops) == -1);
	T_CASE("geometry: port_init leaves the port alone on failure");
	{
		struct acme_port p;

		memset(&p, 0, sizeof p);
		CHECK(store_flash_port_init(&p, &s, &S.ops) == -1 &&
		    p.load == NULL && p.ctx == NULL);
		S.ops.erase = sim_erase;
		CHECK(store_flash_port_init(&p, &s, &S.ops) == 0 &&
		    p.ctx == &s && p.load == store_flash_load &&
		    p.commit == store_flash_commit);
	}
}

/* Apply the SETUP steps to a fresh flash of geometry g; m gets the
 * model.  0 or -1. */
static int
setup(const struct geo *g, struct store_flash *s, struct set *m)
{
	struct set next;

	sim_init(&S, g, 0xff);
	if (store_flash_init(s, &S.ops) != 0)
		return -1;
	*m = EMPTY;
	return run_steps(s, SETUP, NSTEPS(SETUP), m, &next) == 0 &&
	    S.illegal == 0 ? 0 : -1;
}

static uint8_t IMG[SIM_MAX], IMG2[SIM_MAX];

/* setup(), the image kept in IMG, then an uncut renewal: its program
 * and erase count, or -1. */
static long
renewal_ops(const struct geo *g, struct store_flash *s, struct set *m0)
{
	struct set m, next;

	if (setup(g, s, m0) != 0)
		return -1;
	memcpy(IMG, S.m, S.ops.size);
	S.ops_done = 0;
	m = *m0;
	if (run_steps(s, RENEW, NSTEPS(RENEW), &m, &next) != 0)
		return -1;
	return S.ops_done;
}

/* One run: from flash image img (model m0), the steps st with the
 * power cut at operation cut in tear; mount again and check.  The
 * model found is put in *found.  Returns 1 when the set found is
 * broken. */
static int
cut_run(const uint8_t *img, const struct set *m0, const struct step *st,
    size_t n, long cut, int tear, struct set *found, char *why,
    size_t whycap)
{
	struct store_flash s;
	struct set before = *m0, after, got;
	char t1[80], t2[80], t3[80];
	int errs;

	memcpy(S.m, img, S.ops.size);
	sim_restore(&S);
	S.ops_done = 0;
	S.illegal = 0;
	S.cut_at = cut;
	S.tear = tear;
	if (store_flash_init(&s, &S.ops) != 0) {
		snprintf(why, whycap, "init failed");
		return 1;
	}
	errs = run_steps(&s, st, n, &before, &after);
	if (remount(&s) != 0) {
		snprintf(why, whycap, "mount failed or wrote");
		return 1;
	}
	observe(&s, &got);
	*found = got;
	if (errs > 0 || !(same(&got, &before) || same(&got, &after)) ||
	    S.illegal != 0) {
		set_text(&before, t1, sizeof t1);
		set_text(&after, t2, sizeof t2);
		set_text(&got, t3, sizeof t3);
		snprintf(why, whycap, "found %s; old %s; new %s; %d errors, "
		    "%ld illegal writes", t3, t1, t2, errs, S.illegal);
		return 1;
	}
	return 0;
}

/* After a cut: the store takes a new value and keeps the rest. */
static int
works_again(const struct set *m)
{
	struct store_flash s;
	struct set want = *m, got;
	static const struct step st = { ST_STORE, N_STATE, 77 };

	if (remount(&s) != 0 || step_run(&s, &st) != 0)
		return 0;
	apply(&want, &st);
	if (remount(&s) != 0)
		return 0;
	observe(&s, &got);
	return same(&got, &want) && S.illegal == 0;
}

/* A renewal cut at every operation, in every tear, on every geometry;
 * the store found must be the old or the new set and work again. */
static void
test_cut_every_operation(void)
{
	struct store_flash s;
	struct set m0, found;
	char why[400];
	long ops, cut, runs = 0, broken = 0, total_runs = 0, total_broken = 0;
	size_t gi;
	int tear;

	for (gi = 0; gi < NGEOS; gi++) {
		T_CASE("cut every operation: %s", GEOS[gi].name);
		ops = renewal_ops(&GEOS[gi], &s, &m0);
		CHECK(ops > 10);
		runs = broken = 0;
		for (cut = 0; cut <= ops; cut++)
			for (tear = 0; tear < TEARS; tear++) {
				if (cut == ops && tear > 0)
					continue;       /* no cut: once */
				runs++;
				if (cut_run(IMG, &m0, RENEW, NSTEPS(RENEW), cut,
				    tear, &found, why, sizeof why) ||
				    !works_again(&found)) {
					if (broken++ < 3)
						CHECKF(0, "cut at %ld (%s): %s",
						    cut, tear_name[tear], why);
				}
			}
		CHECKF(broken == 0, "%ld broken", broken);
		printf("  %s: %ld operations per renewal, %ld cut points, "
		    "%ld broken\n", GEOS[gi].name, ops, runs, broken);
		total_runs += runs;
		total_broken += broken;
	}
	printf("store_flash: %ld cut points, %ld broken\n", total_runs,
	    total_broken);
}

/* Two cuts: the first anywhere in a renewal, the second anywhere in the
 * next renewal, run on what the first left. */
static void
test_cut_twice(void)
{
	struct store_flash s;
	struct set m0, m1, found, next;
	char why[400];
	long ops, ops2, c1, c2, runs = 0, broken = 0;
	const struct geo *g = &GEOS[1];

	T_CASE("two cuts: %s", g->name);
	ops = renewal_ops(g, &s, &m0);
	CHECK(ops > 10);
	for (c1 = 0; c1 < ops; c1++) {
		if (cut_run(IMG, &m0, RENEW, NSTEPS(RENEW), c1, TEAR_HEAD,
		    &m1, why, sizeof why)) {
			broken++;
			continue;
		}
		memcpy(IMG2, S.m, S.ops.size);
		/* the operations of the second renewal from here */
		if (remount(&s) != 0)
			continue;
		S.ops_done = 0;
		found = m1;
		run_steps(&s, RENEW2, NSTEPS(RENEW2), &found, &next);
		ops2 = S.ops_done;
		/* every fourth operation, a different quarter each time */
		for (c2 = c1 % 4; c2 < ops2; c2 += 4) {
			runs++;
			if (cut_run(IMG2, &m1, RENEW2, NSTEPS(RENEW2), c2,
			    (int)(c2 % TEARS), &found, why, sizeof why)) {
				if (broken++ < 3)
					CHECKF(0, "cuts at %ld, %ld: %s", c1,
					    c2, why);
			}
		}
	}
	CHECKF(broken == 0, "%ld broken", broken);
	CHECK(runs > ops * ops / 8);
	printf("  two cuts: %ld pairs of cut points, %ld broken\n", runs,
	    broken);
}

/* A driver error (power on) at every operation: the call fails, the
 * set is the old or the new one, and after discard() the same renewal
 * succeeds. */
static void
test_driver_errors(void)
{
	struct store_flash s;
	struct set m0, before, after, got, next;
	long ops, k, bad = 0;
	size_t i;
	int r, errs;
	const struct geo *g = &GEOS[2];

	T_CASE("driver error at every operation: %s", g->name);
	ops = renewal_ops(g, &s, &m0);
	CHECK(ops > 10);
	for (k = 0; k < ops; k++) {
		memcpy(S.m, IMG, S.ops.size);
		sim_restore(&S);
		store_flash_init(&s, &S.ops);
		S.ops_done = 0;
		S.fail_at = k;
		before = m0;
		errs = 0;
		for (i = 0; i < NSTEPS(RENEW); i++) {
			after = before;
			apply(&after, &RENEW[i]);
			r = step_run(&s, &RENEW[i]);
			if (r != 0) {
				errs++;
				break;
			}
			before = after;
		}
		/* what this store now says, and what a mount finds: the
		 * step that failed is undone or done (an error after the
		 * commit point: the record's read-back, or the old key's
		 * wipe, which fails nothing) */
		observe(&s, &got);
		r = (errs == 1 && (same(&got, &before) || same(&got, &after)))
		    || (errs == 0 && same(&got, &before));
		remount(&s);
		observe(&s, &next);
		r = r && same(&got, &next);
		/* the renewal again, whole */
		before = next;
		r = r && run_steps(&s, RENEW, NSTEPS(RENEW), &before, &after)
		    == 0;
		remount(&s);
		observe(&s, &got);
		r = r && same(&got, &after) && S.illegal == 0;
		if (!r && bad++ < 3)
			CHECKF(0, "error at operation %ld", k);
	}
	CHECKF(bad == 0, "%ld of %ld broken", bad, ops);
}

/* Read errors: from every read of a store() on, reads fail.  The call
 * fails or succeeds, loads say -2 (never "absent"), nothing is written
 * once the store is unsure, and with reads back the set is the old or
 * the new one.  A part that cannot be read does not mount (taken for
 * empty, its current set would be erased by the next write). */
static void
test_read_errors(void)
{
	struct store_flash s;
	struct set m0, after, got;
	static const struct step st = { ST_PAIR, 0, 9 };
	long reads, k, bad = 0;
	uint8_t b[300];
	int r, parity;
	const struct geo *g = &GEOS[1];

	T_CASE("read errors: mount, load");
	CHECK(setup(g, &s, &m0) == 0);
	memcpy(IMG, S.m, S.ops.size);
	S.read_fail_at = S.reads;
	CHECK(store_flash_load(&s, "account.key", b, sizeof b) == -2);
	CHECK(store_flash_load(&s, "nothing", b, sizeof b) == -2);
	CHECK(store_flash_init(&s, &S.ops) == -1);
	CHECK(store_flash_load(&s, "account.key", b, sizeof b) == -2);
	CHECK(store_flash_store(&s, "state", "x", 1) == -1);
	CHECK(store_flash_stage(&s, "state", "x", 1) == -1);

	/* the pair's commit, which also makes the old slot invalid (its
	 * key wiped), with the current set in either slot */
	for (parity = 0; parity < 2; parity++) {
		T_CASE("read errors at every read of a commit, slot %d",
		    parity);
		sim_restore(&S);
		CHECK(setup(g, &s, &m0) == 0);
		if (s.active != parity)
			CHECK(run_steps(&s, &RENEW[0], 1, &m0, &after) == 0);
		CHECK(s.active == parity);
		memcpy(IMG, S.m, S.ops.size);
		S.reads = 0;
		CHECK(step_run(&s, &st) == 0);
		reads = S.reads;
		after = m0;
		apply(&after, &st);
		bad = 0;
		for (k = 0; k < reads; k++) {
			memcpy(S.m, IMG, S.ops.size);
			sim_restore(&S);
			store_flash_init(&s, &S.ops);
			S.reads = 0;
			S.read_fail_at = k;
			/* the commit, and a store with reads still failing:
			 * a store unsure of what the part holds must not
			 * write */
			step_run(&s, &st);
			step_run(&s, &RENEW[2]);
			r = store_flash_load(&s, "cert.pem", b, sizeof b) == -2;
			r = r && remount(&s) == 0;
			observe(&s, &got);
			r = r && (same(&got, &m0) || same(&got, &after)) &&
			    S.illegal == 0;
			if (!r && bad++ < 3)
				CHECKF(0, "read error from read %ld of %ld", k,
				    reads);
		}
		CHECKF(bad == 0, "%ld of %ld broken", bad, reads);
		CHECK(reads > 20);
	}
}

/* Capacity and name errors: -1, the old set kept, the store usable. */
static void
test_limits(void)
{
	static uint8_t big[16384];
	struct store_flash s;
	struct set m0, got;
	const struct geo *g = &GEOS[0];
	uint32_t cap;
	char name[40];
	int i;

	T_CASE("a blob larger than a slot");
	CHECK(setup(g, &s, &m0) == 0);
	cap = store_flash_capacity(&s);
	CHECK(cap == 3 * 4096 - sizeof(struct store_flash_rec));
	memset(big, 'x', sizeof big);
	CHECK(store_flash_store(&s, "cert.pem", big, cap + 1) == -1);
	CHECK(store_flash_stage(&s, "cert.key", big, 10) == 0);
	CHECK(store_flash_stage(&s, "cert.pem", big, 8000) == 0);
	CHECK(store_flash_stage(&s, "cert.pem", big, 8000) == -1);
	CHECK(store_flash_commit(&s) == -1);           /* until discard */
	CHECK(store_flash_stage(&s, "state", big, 1) == -1);
	CHECK(store_flash_store(&s, "state", big, 1) == -1);
	store_flash_discard(&s);
	observe(&s, &got);
	CHECK(same(&got, &m0));
	CHECK(remount(&s) == 0);
	observe(&s, &got);
	CHECK(same(&got, &m0) && S.illegal == 0);

	T_CASE("a blob that fits alone but not with the rest");
	CHECK(store_flash_store(&s, "extra", big, cap - 200) == -1);
	CHECK(remount(&s) == 0);
	observe(&s, &got);
	CHECK(same(&got, &m0));
	CHECK(store_flash_load(&s, "extra", big, sizeof big) == -1);

	T_CASE("exactly full");
	{
		/* what the set holds besides cert.pem, in whole units */
		long used = 0, n;
		uint8_t b[12000];

		for (i = 0; i < NNAMES; i++)
			if (i != N_CERT)
				used += store_flash_load(&s, NAMES[i], b,
				    sizeof b);
		CHECK(store_flash_store(&s, "cert.pem", big,
		    cap - (uint32_t)used) == 0);
		n = store_flash_load(&s, "cert.pem", b, sizeof b);
		CHECK(n == (long)(cap - (uint32_t)used) &&
		    memcmp(b, big, (size_t)n) == 0);
		CHECK(store_flash_store(&s, "cert.pem", big,
		    cap - (uint32_t)used + 1) == -1);
	}

	T_CASE("too many names");
	CHECK(setup(g, &s, &m0) == 0);
	CHECK(store_flash_store(&s, "sixth", "6", 1) == 0);   /* 6 of 6 */
	CHECK(store_flash_store(&s, "seventh", "7", 1) == -1);
	CHECK(remount(&s) == 0);
	CHECK(store_flash_load(&s, "sixth", name, sizeof name) == 1);
	CHECK(store_flash_load(&s, "seventh", name, sizeof name) == -1);
	observe(&s, &got);
	CHECK(same(&got, &m0));
	sim_init(&S, g, 0xff);
	CHECK(store_flash_init(&s, &S.ops) == 0);
	for (i = 0; i < STORE_FLASH_NAMES; i++) {
		snprintf(name, sizeof name, "n%d", i);
		CHECK(store_flash_stage(&s, name, "x", 1) == 0);
	}
	CHECK(store_flash_stage(&s, "one-more", "x", 1) == -1);
	CHECK(store_flash_commit(&s) == -1);
	store_flash_discard(&s);
	CHECK(store_flash_load(&s, "n0", name, sizeof name) == -1);

	T_CASE("names: empty, too long, longest");
	CHECK(store_flash_store(&s, "", "x", 1) == -1);
	memset(name, 'a', sizeof name);
	name[STORE_FLASH_NAME_MAX + 1] = 0;
	CHECK(store_flash_store(&s, name, "x", 1) == -1);
	name[STORE_FLASH_NAME_MAX] = 0;
	CHECK(store_flash_store(&s, name, "long", 4) == 0);
	CHECK(remount(&s) == 0);
	CHECK(store_flash_load(&s, name, big, sizeof big) == 4);

	T_CASE("a name staged again after another: refused");
	CHECK(store_flash_stage(&s, "cert.key", "k", 1) == 0);
	CHECK(store_flash_stage(&s, "cert.pem", "p", 1) == 0);
	CHECK(store_flash_stage(&s, "cert.key", "k", 1) == -1);
	CHECK(store_flash_commit(&s) == -1);
	store_flash_discard(&s);
	CHECK(store_flash_load(&s, "cert.key", big, sizeof big) == -1);

	T_CASE("store() while a transaction is staged: refused");
	CHECK(store_flash_stage(&s, "cert.key", "k", 1) == 0);
	CHECK(store_flash_store(&s, "state", "s", 1) == -1);
	CHECK(store_flash_stage(&s, "cert.pem", "p", 1) == 0);
	CHECK(store_flash_commit(&s) == 0);
	CHECK(store_flash_load(&s, "cert.pem", big, sizeof big) == 1);
	CHECK(store_flash_load(&s, "state", big, sizeof big) == -1);

	T_CASE("commit with nothing staged, discard of nothing");
	{
		long before = S.ops_done;

		CHECK(store_flash_commit(&s) == 0);
		store_flash_discard(&s);
		CHECK(S.ops_done == before);
		CHECK(store_flash_load(&s, "cert.key", big, sizeof big) == 1);
	}

	T_CASE("empty blobs");
	CHECK(store_flash_store(&s, "empty", "", 0) == 0);
	CHECK(store_flash_load(&s, "empty", big, sizeof big) == 0);
	CHECK(remount(&s) == 0);
	CHECK(store_flash_load(&s, "empty", big, 0) == 0);
	CHECK(S.illegal == 0);
}

/* load() and the ranged read. */
static void
test_reads(void)
{
	struct store_flash s;
	struct set m0;
	uint8_t want[9000], b[9000];
	size_t n;
	const struct geo *g = &GEOS[1];

	CHECK(setup(g, &s, &m0) == 0);
	n = blob(N_CERT, m0.v[N_CERT], want);
	T_CASE("load: cap one short, exact");
	CHECK(store_flash_load(&s, "cert.pem", b, n - 1) == -2);
	CHECK(store_flash_load(&s, "cert.pem", b, n) == (long)n &&
	    memcmp(b, want, n) == 0);
	T_CASE("ranged reads");
	CHECK(store_flash_load_at(&s, "cert.pem", 0, b, 100) == 100 &&
	    memcmp(b, want, 100) == 0);
	CHECK(store_flash_load_at(&s, "cert.pem", 1001, b, 333) == 333 &&
	    memcmp(b, want + 1001, 333) == 0);
	CHECK(store_flash_load_at(&s, "cert.pem", n - 10, b, 100) == 10 &&
	    memcmp(b, want + n - 10, 10) == 0);
	CHECK(store_flash_load_at(&s, "cert.pem", n, b, 100) == 0);
	CHECK(store_flash_load_at(&s, "cert.pem", n + 1, b, 100) == 0);
	CHECK(store_flash_load_at(&s, "nothing", 0, b, 100) == -1);
	T_CASE("a blob damaged after mount: -2, the buffer wiped");
	{
		struct store_flash_rec r;
		uint32_t i, base = (uint32_t)s.active * s.slot;

		memcpy(&r, S.m + base, sizeof r);
		for (i = 0; i < r.n; i++)
			if (strcmp(r.e[i].name, "cert.pem") == 0)
				S.m[base + r.e[i].off + 2000] ^= 0x10;
	}
	memset(b, 0xaa, sizeof b);
	CHECK(store_flash_load_at(&s, "cert.pem", 0, b, 50) == -2);
	CHECK(b[0] == 0 && b[49] == 0 && b[50] == 0xaa);
	CHECK(store_flash_load(&s, "cert.pem", b, sizeof b) == -2);
	CHECK(store_flash_load(&s, "account.key", b, sizeof b) > 0);
}

/* Damaged records and blobs: the newest slot whose checksums hold. */
static void
test_damage(void)
{
	static const struct {
		const char *what;
		int newer;      /* damage the current slot (else the other) */
		uint32_t off;   /* offset in the slot; ~0: a blob's byte */
		int fallback;   /* the older set is expected */
	} cases[] = {
		{ "magic of the newer record", 1, 0, 1 },
		{ "sequence of the newer record", 1, 4, 1 },
		{ "record CRC of the newer slot", 1, 12, 1 },
		{ "an entry's length in the newer record", 1, 32 + 24, 1 },
		{ "a blob of the newer slot", 1, ~0u, 1 },
		{ "the older record", 0, 4, 0 },
		{ "a blob of the older slot", 0, ~0u, 0 },
	};
	struct store_flash s;
	struct set m0, older, got, next;
	struct store_flash_rec r;
	size_t i;
	uint32_t at;
	int newer;
	const struct geo *g = &GEOS[0];
	static const struct step st = { ST_STORE, N_ACCURL, 9 };

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		T_CASE("damaged: %s", cases[i].what);
		CHECK(setup(g, &s, &older) == 0);
		m0 = older;
		CHECK(run_steps(&s, &st, 1, &m0, &next) == 0);
		newer = s.active;
		at = (uint32_t)(cases[i].newer ? newer : 1 - newer) * s.slot;
		memcpy(&r, S.m + at, sizeof r);
		at += cases[i].off == ~0u ? r.e[0].off + 3 : cases[i].off;
		S.m[at] ^= 0x01;
		CHECK(remount(&s) == 0);
		observe(&s, &got);
		CHECKF(same(&got, cases[i].fallback ? &older : &m0),
		    "slot %d", s.active);
		CHECK(s.active == (cases[i].fallback ? 1 - newer : newer));
		/* and the next write goes to the other slot */
		CHECK(run_steps(&s, &st, 1, &got, &next) == 0);
		CHECK(remount(&s) == 0);
		observe(&s, &m0);
		CHECK(same(&m0, &next) && S.illegal == 0);
	}
}

/* A fresh part, garbage, and a wrapping sequence number. */
static void
test_fresh_garbage_wrap(void)
{
	static const uint32_t seqs[] = { 0, 0x80000000u };
	struct store_flash s;
	struct set m, got, next;
	const struct geo *g = &GEOS[1];
	size_t i;
	int k, fill;

	for (fill = 0; fill < 2; fill++) {
		T_CASE("%s flash", fill ? "garbage" : "fresh (all 0xFF)");
		sim_init(&S, g, 0xff);
		if (fill) {
			uint32_t x = 12345;

			for (i = 0; i < S.ops.size; i++) {
				x = x * 1103515245u + 12345u;
				S.m[i] = (uint8_t)(x >> 16);
			}
		}
		CHECK(store_flash_init(&s, &S.ops) == 0 && s.active == -1);
		observe(&s, &got);
		CHECK(same(&got, &EMPTY));
		m = EMPTY;
		CHECK(run_steps(&s, SETUP, NSTEPS(SETUP), &m, &next) == 0);
		CHECK(remount(&s) == 0);
		observe(&s, &got);
		CHECK(same(&got, &m) && S.illegal == 0 && S.bad_args == 0);
	}
	for (i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		T_CASE("sequence through %#x", (unsigned)seqs[i]);
		CHECK(setup(g, &s, &m) == 0);
		/* two commits from a sequence number made up in RAM: then
		 * both slots hold consecutive numbers below seqs[i] */
		s.seq = seqs[i] - 4;
		for (k = -2; k < 4; k++) {
			struct step st = { ST_STORE, N_STATE, 10 + k };

			CHECK(run_steps(&s, &st, 1, &m, &next) == 0);
			if (k < 0)
				continue;
			CHECK(s.seq == seqs[i] - 1 + (uint32_t)k);
			CHECK(remount(&s) == 0);
			CHECK(s.seq == seqs[i] - 1 + (uint32_t)k);
			observe(&s, &got);
			CHECK(same(&got, &m));
		}
	}
}

/* Find the n bytes of p in the simulated flash: how many times. */
static int
flash_count(const uint8_t *p, size_t n)
{
	size_t i;
	int c = 0;

	for (i = 0; i + n <= S.ops.size; i++)
		if (memcmp(S.m + i, p, n) == 0)
			c++;
	return c;
}

/* The blocks of slot k that entry name spans (0 when absent). */
static long
blocks_of(const struct store_flash *s, int k, const char *name)
{
	struct store_flash_rec r;
	uint32_t i, b = S.ops.block;

	memcpy(&r, S.m + (uint32_t)k * s->slot, sizeof r);
	for (i = 0; i < r.n && i < STORE_FLASH_NAMES; i++)
		if (strcmp(r.e[i].name, name) == 0)
			return (long)((r.e[i].off + r.e[i].len - 1) / b -
			    r.e[i].off / b + 1);
	return 0;
}

/* The erase blocks the current set fills: its record and its blobs, in
 * whole program units. */
static long
blocks_used(const struct store_flash *s)
{
	struct store_flash_rec r;
	uint32_t i, u = S.ops.prog, used;

	memcpy(&r, S.m + (uint32_t)s->active * s->slot, sizeof r);
	used = (uint32_t)((sizeof r + u - 1) / u * u);
	for (i = 0; i < r.n && i < STORE_FLASH_NAMES; i++)
		used += (r.e[i].len + u - 1) / u * u;
	return (long)((used + S.ops.block - 1) / S.ops.block);
}

/* A renewal destroys the old certificate key in the old slot; the
 * erases it costs are the blocks the three sets fill (and, without zero
 * overwrite, the blocks of the old key). */
static void
test_keys_and_wear(void)
{
	struct store_flash s;
	struct set m, next;
	uint8_t k1[300], k2[300], ak[300];
	size_t n1, n2, na, i, gi;
	long erases, want, most;
	int j;

	for (gi = 0; gi < NGEOS; gi++) {
		const struct geo *g = &GEOS[gi];

		T_CASE("old key destroyed, erases: %s", g->name);
		CHECK(setup(g, &s, &m) == 0);
		n1 = blob(N_CERTKEY, m.v[N_CERTKEY], k1);
		na = blob(N_ACCKEY, m.v[N_ACCKEY], ak);
		CHECK(flash_count(k1, n1) >= 1);
		S.erases = 0;
		memset(S.block_erases, 0, sizeof S.block_erases);
		want = 0;
		for (j = 0; j < (int)NSTEPS(RENEW); j++) {
			/* the old slot of the pair's commit */
			if (RENEW[j].op == ST_PAIR &&
			    !(g->flags & FLASH_ZERO_OVER))
				want += blocks_of(&s, s.active, "cert.key");
			CHECK(run_steps(&s, &RENEW[j], 1, &m, &next) == 0);
			want += blocks_used(&s);
			/* gone at once, not only when the next write
			 * erases the old slot */
			if (RENEW[j].op == ST_PAIR)
				CHECK(flash_count(k1, n1) == 0);
		}
		n2 = blob(N_CERTKEY, m.v[N_CERTKEY], k2);
		CHECK(flash_count(k1, n1) == 0);
		CHECK(flash_count(k2, n2) >= 1);
		CHECK(flash_count(ak, na) >= 1);
		erases = S.erases;
		CHECKF(erases == want, "%ld erases, want %ld", erases, want);
		for (most = 0, i = 0; i < SIM_MAX / 1024; i++)
			if (S.block_erases[i] > most)
				most = S.block_erases[i];
		/* a slot's block: twice per renewal at most (three
		 * transactions, alternating slots), three times when the
		 * old key's block is erased too */
		CHECK(most <= (g->flags & FLASH_ZERO_OVER ? 2 : 3));
		printf("  %s: %ld erases per renewal (a block at most %ld)\n",
		    g->name, erases, most);
	}
}

int
main(void)
{
	T_RUN(test_crc32);
	T_RUN(test_simulator);
	test_geometry();
	test_cut_every_operation();
	test_cut_twice();
	test_driver_errors();
	test_read_errors();
	test_limits();
	T_RUN(test_reads);
	test_damage();
	test_fresh_garbage_wrap();
	test_keys_and_wear();
	return t_done("store_flash");
}
