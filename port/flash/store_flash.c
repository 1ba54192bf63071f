/*
 * store_flash.c -- see store_flash.h (the layout and the power-cut
 * argument are there).
 */
#include <string.h>
#include "store_flash.h"
#include "wipe.h"

typedef char store_flash_copy_ok[STORE_FLASH_COPY % STORE_FLASH_PROG_MAX
    == 0 && STORE_FLASH_COPY >= STORE_FLASH_PROG_MAX ? 1 : -1];
typedef char store_flash_ent_ok[sizeof(struct store_flash_ent) ==
    STORE_FLASH_NAME_MAX + 13 ? 1 : -1];

uint32_t
store_flash_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int k;

	crc = ~crc;
	while (len-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Offset of slot k in the region. */
static uint32_t
sf_base(const struct store_flash *s, int k)
{
	return (uint32_t)k * s->slot;
}

/* The slot a transaction writes: the one that is not current. */
static int
sf_new(const struct store_flash *s)
{
	return s->active < 0 ? 0 : 1 - s->active;
}

/* The CRC-32 of len bytes at region offset at into *crc (chained).
 * 0 or -1 (read error). */
static int
sf_crc_at(const struct store_flash *s, uint32_t at, uint32_t len,
    uint32_t *crc)
{
	uint8_t b[STORE_FLASH_COPY];
	uint32_t n;
	int r = 0;

	for (; len > 0 && r == 0; at += n, len -= n) {
		n = len < sizeof b ? len : sizeof b;
		r = s->fl->read(s->fl->ctx, at, b, n);
		*crc = store_flash_crc32(*crc, b, n);
	}
	wipe(b, sizeof b);         /* it may have held a key */
	return r == 0 ? 0 : -1;
}

/* CRC of the record r, its crc field taken as 0. */
static uint32_t
sf_rec_crc(const struct store_flash_rec *r)
{
	static const uint32_t zero;
	size_t at = offsetof(struct store_flash_rec, crc);
	uint32_t c = store_flash_crc32(0, r, at);

	c = store_flash_crc32(c, &zero, sizeof zero);
	return store_flash_crc32(c, (const uint8_t *)r + at + sizeof zero,
	    sizeof *r - at - sizeof zero);
}

/* Entry e in slot k: 1 when it is in bounds and its blob's CRC holds,
 * 0 when not, -1 on a read error. */
static int
sf_ent_ok(const struct store_flash *s, int k, const struct store_flash_ent *e)
{
	uint32_t c = 0;

	if (e->name[0] == 0 || e->name[STORE_FLASH_NAME_MAX] != 0 ||
	    e->off < s->rec_space || e->off % s->fl->prog != 0 ||
	    e->off > s->slot || e->len > s->slot - e->off)
		return 0;
	if (sf_crc_at(s, sf_base(s, k) + e->off, e->len, &c) != 0)
		return -1;
	return c == e->crc;
}

/* Read slot k's record into s->rec and check it and every blob: 1 when
 * the slot is valid, 0 when not, -1 on a read error. */
static int
sf_valid(struct store_flash *s, int k)
{
	struct store_flash_rec *r = &s->rec;
	uint32_t i;
	int v = 1;

	if (s->fl->read(s->fl->ctx, sf_base(s, k), r, sizeof *r) != 0)
		return -1;
	if (r->magic != STORE_FLASH_MAGIC || r->n > STORE_FLASH_NAMES ||
	    r->crc != sf_rec_crc(r))
		return 0;
	for (i = 0; i < r->n && v == 1; i++)
		v = sf_ent_ok(s, k, &r->e[i]);
	return v;
}

/* Find the current set: the valid slot with the newer sequence number.
 * A read error leaves the store failed (s->bad): taking the part for
 * empty then would let the next write erase the current set. */
static int
sf_mount(struct store_flash *s)
{
	uint32_t q[2] = { 0, 0 };
	int v[2], k;

	s->tx = 0;
	s->open = 0;
	s->tail_len = 0;
	wipe(s->tail, sizeof s->tail);
	for (k = 0; k < 2; k++) {
		v[k] = sf_valid(s, k);
		q[k] = s->rec.seq;
		if (v[k] < 0) {
			s->bad = 1;
			s->active = -1;
			return -1;
		}
	}
	if (v[0] && v[1])
		s->active = (int32_t)(q[1] - q[0]) > 0 ? 1 : 0;
	else
		s->active = v[1] ? 1 : v[0] ? 0 : -1;
	s->seq = s->active >= 0 ? q[s->active] : 0;
	s->bad = 0;
	return 0;
}

int
store_flash_init(struct store_flash *s, const struct flash_ops *fl)
{
	memset(s, 0, sizeof *s);
	if (fl->read == NULL || fl->program == NULL || fl->erase == NULL ||
	    fl->block == 0 || fl->prog == 0 ||
	    fl->prog > STORE_FLASH_PROG_MAX || fl->block % fl->prog != 0)
		return -1;
	s->fl = fl;
	s->slot = fl->size / 2 / fl->block * fl->block;
	s->rec_space = (uint32_t)((sizeof s->rec + fl->prog - 1) / fl->prog *
	    fl->prog);
	if (s->slot == 0 || s->rec_space > fl->block)
		return -1;
	return sf_mount(s);
}

int
store_flash_port_init(struct acme_port *port, struct store_flash *s,
    const struct flash_ops *fl)
{
	if (store_flash_init(s, fl) != 0)
		return -1;
	port->ctx = s;
	port->load = store_flash_load;
	port->load_at = store_flash_load_at;
	port->store = store_flash_store;
	port->stage = store_flash_stage;
	port->commit = store_flash_commit;
	port->discard = store_flash_discard;
	return 0;
}

uint32_t
store_flash_capacity(const struct store_flash *s)
{
	return s->slot - s->rec_space;
}

/* Read entry i of slot k's record into e.  0 or -1. */
static int
sf_ent_read(const struct store_flash *s, int k, uint32_t i,
    struct store_flash_ent *e)
{
	return s->fl->read(s->fl->ctx, sf_base(s, k) +
	    (uint32_t)offsetof(struct store_flash_rec, e) + i * sizeof *e, e,
	    sizeof *e);
}

/* Entries in slot k's record (mounted: trusted) into *n.  0 or -1. */
static int
sf_count(const struct store_flash *s, int k, uint32_t *n)
{
	if (s->fl->read(s->fl->ctx, sf_base(s, k) +
	    (uint32_t)offsetof(struct store_flash_rec, n), n, sizeof *n) != 0 ||
	    *n > STORE_FLASH_NAMES) {
		*n = 0;
		return -1;
	}
	return 0;
}

/* Find name in the current set into e.  0, or -1 when absent, -2 on a
 * read error. */
static int
sf_find(const struct store_flash *s, const char *name,
    struct store_flash_ent *e)
{
	uint32_t i, n;

	if (s->bad)
		return -2;
	if (s->active < 0)
		return -1;
	if (sf_count(s, s->active, &n) != 0)
		return -2;
	for (i = 0; i < n; i++) {
		if (sf_ent_read(s, s->active, i, e) != 0)
			return -2;
		if (strncmp(e->name, name, sizeof e->name) == 0)
			return 0;
	}
	return -1;
}

long
store_flash_load_at(void *ctx, const char *name, size_t off, void *buf,
    size_t cap)
{
	struct store_flash *s = ctx;
	struct store_flash_ent e;
	uint32_t at, c = 0, n;
	int r = sf_find(s, name, &e);

	if (r != 0)
		return r;
	if (off >= e.len)
		return 0;
	n = e.len - (uint32_t)off < cap ? e.len - (uint32_t)off : (uint32_t)cap;
	at = sf_base(s, s->active) + e.off;
	if (sf_crc_at(s, at, (uint32_t)off, &c) != 0 ||
	    (n > 0 && s->fl->read(s->fl->ctx, at + (uint32_t)off, buf, n) != 0))
		return -2;
	c = store_flash_crc32(c, buf, n);
	if (sf_crc_at(s, at + (uint32_t)off + n, e.len - (uint32_t)off - n,
	    &c) != 0 || c != e.crc) {
		wipe(buf, n);
		return -2;
	}
	return (long)n;
}

long
store_flash_load(void *ctx, const char *name, void *buf, size_t cap)
{
	struct store_flash_ent e;
	int r = sf_find(ctx, name, &e);

	if (r != 0)
		return r;
	if (e.len > cap)
		return -2;
	return store_flash_load_at(ctx, name, 0, buf, cap);
}

/* Erase the new slot's blocks up to byte end.  0 or -1. */
static int
sf_need(struct store_flash *s, uint32_t end)
{
	uint32_t base = sf_base(s, sf_new(s));

	for (; s->erased < end; s->erased += s->fl->block)
		if (s->fl->erase(s->fl->ctx, base + s->erased) != 0)
			return -1;
	return 0;
}

/* Program the partial unit in tail (padded with 0xFF) at s->cur. */
static int
sf_flush(struct store_flash *s)
{
	uint32_t u = s->fl->prog;
	int r;

	if (s->tail_len == 0)
		return 0;
	memset(s->tail + s->tail_len, 0xff, u - s->tail_len);
	r = sf_need(s, s->cur + u);
	if (r == 0)
		r = s->fl->program(s->fl->ctx, sf_base(s, sf_new(s)) + s->cur,
		    s->tail, u);
	s->cur += u;
	s->tail_len = 0;
	wipe(s->tail, sizeof s->tail);
	return r;
}

/* Program len bytes at the write position of the new slot: whole units
 * straight from p (one call per erase block), the rest through tail.
 * 0, or -1 (a driver error, or no room left in the slot). */
static int
sf_put(struct store_flash *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t u = s->fl->prog, b = s->fl->block, n;
	uint32_t base = sf_base(s, sf_new(s));

	if (s->cur > s->slot || len > s->slot - s->cur - s->tail_len)
		return -1;
	while (len > 0) {
		if (s->tail_len == 0 && len >= u) {
			n = (uint32_t)(len - len % u);
			if (n > b - s->cur % b)
				n = b - s->cur % b;
			if (sf_need(s, s->cur + n) != 0 || s->fl->program(
			    s->fl->ctx, base + s->cur, p, n) != 0)
				return -1;
			s->cur += n;
		} else {
			n = u - s->tail_len;
			if (n > len)
				n = (uint32_t)len;
			memcpy(s->tail + s->tail_len, p, n);
			s->tail_len += n;
			if (s->tail_len == u && sf_flush(s) != 0)
				return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* Index of name among the first n entries of the new record, or n. */
static unsigned
sf_index(const struct store_flash *s, const char *name, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strncmp(s->rec.e[i].name, name, sizeof s->rec.e[i].name)
		    == 0)
			break;
	return i;
}

/* Begin a new entry name at the write position (the last one ends on a
 * unit boundary).  0 or -1. */
static int
sf_open(struct store_flash *s, const char *name)
{
	struct store_flash_ent *e = &s->rec.e[s->rec.n];
	size_t n = strlen(name);

	if (n == 0 || n > STORE_FLASH_NAME_MAX ||
	    s->rec.n == STORE_FLASH_NAMES || sf_flush(s) != 0)
		return -1;
	memset(e->name, 0, sizeof e->name);
	memcpy(e->name, name, n);
	e->off = s->cur;
	e->len = 0;
	e->crc = 0;
	s->rec.n++;
	s->open = 1;
	return 0;
}

/* Append len bytes to the open (last) entry. */
static int
sf_append(struct store_flash *s, const void *buf, size_t len)
{
	struct store_flash_ent *e = &s->rec.e[s->rec.n - 1];

	if (sf_put(s, buf, len) != 0)
		return -1;
	e->len += (uint32_t)len;
	e->crc = store_flash_crc32(e->crc, buf, len);
	return 0;
}

int
store_flash_stage(void *ctx, const char *name, const void *buf, size_t len)
{
	struct store_flash *s = ctx;
	unsigned i;

	if (s->tx < 0 || s->bad)
		return -1;
	if (s->tx == 0) {
		memset(&s->rec, 0xff, sizeof s->rec);
		s->rec.n = 0;
		s->staged = 0;
		s->cur = s->rec_space;
		s->erased = 0;
		s->tail_len = 0;
		s->open = 0;
		s->tx = 1;
	}
	i = sf_index(s, name, s->rec.n);
	if (!(s->open && i + 1 == s->rec.n)) {
		if (i < s->rec.n || sf_open(s, name) != 0)
			goto fail;      /* staged before, not last */
		s->staged = s->rec.n;
	}
	if (len > 0 && sf_append(s, buf, len) != 0)
		goto fail;
	return 0;
fail:
	s->tx = -1;
	return -1;
}

/* Copy the current set's blobs that were not staged into the new slot,
 * checking each against its CRC on the way.  0 or -1. */
static int
sf_carry(struct store_flash *s)
{
	uint8_t b[STORE_FLASH_COPY];
	struct store_flash_ent e;
	uint32_t i, n, k, at;
	int r = 0;

	n = 0;
	if (s->active >= 0)
		r = sf_count(s, s->active, &n);
	for (i = 0; i < n && r == 0; i++) {
		r = sf_ent_read(s, s->active, i, &e);
		e.name[STORE_FLASH_NAME_MAX] = 0;
		if (r != 0 || sf_index(s, e.name, s->staged) < s->staged)
			continue;
		r = sf_open(s, e.name);
		at = sf_base(s, s->active) + e.off;
		for (k = 0; r == 0 && k < e.len; k += sizeof b) {
			uint32_t m = e.len - k < sizeof b ? e.len - k :
			    sizeof b;

			r = s->fl->read(s->fl->ctx, at + k, b, m);
			if (r == 0)
				r = sf_append(s, b, m);
		}
		if (r == 0 && s->rec.e[s->rec.n - 1].crc != e.crc)
			r = -1;
	}
	wipe(b, sizeof b);
	return r;
}

/* Nonzero when the record programmed in slot k reads back as s->rec
 * (compared by CRC-32, which shares sf_crc_at's buffer). */
static int
sf_rec_back(const struct store_flash *s, int k)
{
	uint32_t c = 0;

	return sf_crc_at(s, sf_base(s, k), sizeof s->rec, &c) == 0 &&
	    c == store_flash_crc32(0, &s->rec, sizeof s->rec);
}

/* Destroy, in the old slot k, the blobs named ".key" that the commit
 * replaced: zeros over them, or their blocks erased.  Best effort. */
static void
sf_wipe_old(struct store_flash *s, int k)
{
	uint8_t z[STORE_FLASH_COPY];
	struct store_flash_ent e;
	uint32_t i, n, u = s->fl->prog, b = s->fl->block;
	uint32_t at, end, m;
	size_t l;

	memset(z, 0, sizeof z);
	sf_count(s, k, &n);
	for (i = 0; i < n; i++) {
		if (sf_ent_read(s, k, i, &e) != 0)
			continue;
		e.name[STORE_FLASH_NAME_MAX] = 0;
		l = strlen(e.name);
		if (l < 4 || strcmp(e.name + l - 4, ".key") != 0 ||
		    sf_index(s, e.name, s->staged) == s->staged ||
		    e.off % u != 0 || e.off > s->slot ||
		    e.len > s->slot - e.off)
			continue;
		end = sf_base(s, k) + (e.off + e.len + u - 1) / u * u;
		for (at = sf_base(s, k) + e.off; at < end; at += m) {
			if (!(s->fl->flags & FLASH_ZERO_OVER)) {
				m = b - at % b;
				s->fl->erase(s->fl->ctx, at - at % b);
				continue;
			}
			m = end - at < sizeof z ? end - at : sizeof z;
			/* true when a copy would cross a block's end; cppcheck
			 * does not know b (the driver's block size). */
			/* cppcheck-suppress knownConditionTrueFalse */
			if (m > b - at % b)
				m = b - at % b;
			s->fl->program(s->fl->ctx, at, z, m);
		}
	}
}

int
store_flash_commit(void *ctx)
{
	struct store_flash *s = ctx;
	int k = sf_new(s);
	uint32_t i, save;

	if (s->tx <= 0)
		return s->tx;          /* nothing staged: the set stays */
	s->open = 0;
	if (sf_flush(s) != 0 || sf_carry(s) != 0 || sf_flush(s) != 0)
		goto fail;
	for (i = 0; i < s->rec.n; i++)         /* read it all back */
		if (sf_ent_ok(s, k, &s->rec.e[i]) != 1)
			goto fail;
	s->rec.magic = STORE_FLASH_MAGIC;
	s->rec.seq = s->seq + 1;
	s->rec.crc = sf_rec_crc(&s->rec);
	save = s->cur;
	s->cur = 0;
	if (sf_put(s, &s->rec, sizeof s->rec) != 0 || sf_flush(s) != 0 ||
	    !sf_rec_back(s, k)) {
		s->cur = save;
		sf_mount(s);            /* the record may have made it */
		s->tx = -1;
		return -1;
	}
	/* committed: the new slot is current */
	if (s->active >= 0)
		sf_wipe_old(s, s->active);
	s->active = k;
	s->seq = s->rec.seq;
	s->tx = 0;
	return 0;
fail:
	s->tx = -1;
	return -1;
}

void
store_flash_discard(void *ctx)
{
	struct store_flash *s = ctx;

	s->tx = 0;
	s->open = 0;
	s->tail_len = 0;
	wipe(s->tail, sizeof s->tail);
}

int
store_flash_store(void *ctx, const char *name, const void *buf, size_t len)
{
	struct store_flash *s = ctx;

	if (s->tx != 0 || s->bad)
		return -1;             /* a transaction is staged */
	if (store_flash_stage(s, name, buf, len) == 0 &&
	    store_flash_commit(s) == 0)
		return 0;
	store_flash_discard(s);
	return -1;
}
