/*
 * app_store.c -- see app_store.h.
 */
#include <string.h>
#include "app_store.h"
#include "semihost.h"

#define STORE_PRE "fw/state-"
#define STORE_GEN "fw/state-gen"
#define STORE_NAME 20           /* longest blob name kept */

static char staged[ACME_PORT_STAGE_MAX][STORE_NAME + 1];
static unsigned nstaged;

/* STORE_PRE nm, then the decimal n when n > 0, then suf, into dst (64
 * bytes).  0 or -1. */
static int
store_path(char *dst, const char *nm, unsigned long n, const char *suf)
{
	char num[12];
	size_t a = sizeof STORE_PRE - 1, b = strlen(nm), c, d = 0, i;

	if (n > 0) {
		num[0] = '.';
		for (i = 10; n > 0; n /= 10)
			num[i--] = (char)('0' + n % 10);
		memmove(num + 1, num + i + 1, 10 - i);
		d = 11 - i;
	}
	c = strlen(suf);
	if (a + b + c + d + 1 > 64)
		return -1;
	memcpy(dst, STORE_PRE, a);
	memcpy(dst + a, nm, b);
	memcpy(dst + a + b, num, d);
	memcpy(dst + a + b + d, suf, c + 1);
	return 0;
}

/* The current generation of the blob set (0 before the first commit). */
static unsigned long
store_gen(void)
{
	char b[12];
	long n = semihost_load(STORE_GEN, b, sizeof b - 1);
	unsigned long g = 0;
	long i;

	for (i = 0; i < n && b[i] >= '0' && b[i] <= '9' && g < 100000000; i++)
		g = g * 10 + (unsigned long)(b[i] - '0');
	return g;
}

/* Write len bytes to path, created or truncated (mode SEMIHOST_WB) or
 * appended (SEMIHOST_AB).  0 or -1.  An append opens "r+b" and seeks to
 * the end: QEMU 7.2 opens "ab" without O_APPEND (semihost.h), and every
 * piece of a staged chain would overwrite the last from offset 0. */
static int
store_write(const char *path, int mode, const void *buf, size_t len)
{
	int app = mode == SEMIHOST_AB, fd, r;
	long end = 0;

	fd = semihost_open(path, app ? SEMIHOST_RPB : mode);
	if (fd < 0)
		return -1;
	if (app)
		end = semihost_flen(fd);
	r = end < 0 || (app && semihost_seek(fd, (size_t)end) != 0) ? -1 :
	    len > 0 ? semihost_write(fd, buf, len) : 0;
	return semihost_close(fd) != 0 || r != 0 ? -1 : 0;
}

static long
fw_load(void *ctx, const char *nm, void *buf, size_t cap)
{
	char path[64];
	unsigned long g = store_gen();
	long n;

	(void)ctx;
	if (g > 0 && store_path(path, nm, g, "") == 0) {
		n = semihost_load(path, buf, cap);
		if (n != -1)
			return n;
	}
	if (store_path(path, nm, 0, "") != 0)
		return -2;
	return semihost_load(path, buf, cap);
}

/* port.h load_at: the current version of nm, as fw_load() finds it. */
static long
fw_load_at(void *ctx, const char *nm, size_t off, void *buf, size_t cap)
{
	char path[64];
	unsigned long g = store_gen();
	long n;

	(void)ctx;
	if (g > 0 && store_path(path, nm, g, "") == 0) {
		n = semihost_load_at(path, off, buf, cap);
		if (n != -1)
			return n;
	}
	if (store_path(path, nm, 0, "") != 0)
		return -2;
	return semihost_load_at(path, off, buf, cap);
}

static int
fw_store(void *ctx, const char *nm, const void *buf, size_t len)
{
	char path[64], tmp[64];

	(void)ctx;
	if (store_path(path, nm, 0, "") != 0 ||
	    store_path(tmp, nm, 0, ".tmp") != 0 ||
	    store_write(tmp, SEMIHOST_WB, buf, len) != 0)
		return -1;
	return semihost_rename(tmp, path);
}

static int
fw_stage(void *ctx, const char *nm, const void *buf, size_t len)
{
	char path[64];
	unsigned i;
	int first;

	(void)ctx;
	for (i = 0; i < nstaged && strcmp(staged[i], nm) != 0; i++)
		;
	first = i == nstaged;       /* the first piece starts it empty */
	if (first) {
		if (nstaged == ACME_PORT_STAGE_MAX || strlen(nm) > STORE_NAME)
			return -1;
		memcpy(staged[nstaged++], nm, strlen(nm) + 1);
	}
	if (store_path(path, nm, 0, ".s") != 0)
		return -1;
	return store_write(path, first ? SEMIHOST_WB : SEMIHOST_AB, buf,
	    len);
}

static void
fw_discard(void *ctx)
{
	char path[64];
	unsigned i;

	(void)ctx;
	for (i = 0; i < nstaged; i++)
		if (store_path(path, staged[i], 0, ".s") == 0)
			semihost_remove(path);
	nstaged = 0;
}

static int
fw_commit(void *ctx)
{
	char from[64], to[64], num[12];
	unsigned long g = store_gen(), n;
	unsigned i;
	size_t k;

	(void)ctx;
	if (nstaged == 0)
		return 0;            /* nothing staged: the set stays */
	for (i = 0; i < nstaged; i++)
		if (store_path(from, staged[i], 0, ".s") != 0 ||
		    store_path(to, staged[i], g + 1, "") != 0 ||
		    semihost_rename(from, to) != 0)
			return -1;
	/* the commit point: the generation file names the new set */
	for (k = sizeof num - 1, num[k] = 0, n = g + 1; n > 0; n /= 10)
		num[--k] = (char)('0' + n % 10);
	if (store_write(STORE_GEN ".tmp", SEMIHOST_WB, num + k,
	    sizeof num - 1 - k) != 0 ||
	    semihost_rename(STORE_GEN ".tmp", STORE_GEN) != 0)
		return -1;
	/* the old generation and the old layout go (best effort) */
	for (i = 0; i < nstaged; i++) {
		if (g > 0 && store_path(to, staged[i], g, "") == 0)
			semihost_remove(to);
		if (store_path(to, staged[i], 0, "") == 0)
			semihost_remove(to);
	}
	nstaged = 0;
	return 0;
}

void
app_store_init(struct acme_port *port)
{
	port->load = fw_load;
	port->load_at = fw_load_at;
	port->store = fw_store;
	port->stage = fw_stage;
	port->commit = fw_commit;
	port->discard = fw_discard;
}
