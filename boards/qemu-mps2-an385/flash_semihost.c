/*
 * flash_semihost.c -- see flash_semihost.h.
 */
#include <string.h>
#include "board.h"
#include "flash_semihost.h"
#include "semihost.h"
#include "uart.h"

#define FS_SIZE ((uint32_t)FLASH_SEMIHOST_BLOCKS * FLASH_SEMIHOST_BLOCK)
#define FS_CHUNK 256            /* bytes per file access: whole units */

enum { FS_WHOLE, FS_HEAD, FS_TAIL, FS_BITS };

static int fs_fd = -1;
static unsigned long fs_count, fs_cut;
static int fs_tear;
static uint8_t fs_buf[FS_CHUNK];

static void
fs_say(const char *what, unsigned long n)
{
	uart_puts("flash: ");
	uart_puts(what);
	uart_dec((uint32_t)n);
	uart_putc('\n');
}

/* Move to off and read (write) len bytes.  0 or -1. */
static int
fs_io(uint32_t off, void *p, size_t len, int write)
{
	long n;

	if (semihost_seek(fs_fd, off) != 0)
		return -1;
	if (write)
		return semihost_write(fs_fd, p, len);
	for (; len > 0; len -= (size_t)n, p = (uint8_t *)p + n) {
		n = semihost_read(fs_fd, p, len);
		if (n <= 0)
			return -1;
	}
	return 0;
}

static int
fs_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > FS_SIZE || len > FS_SIZE - off)
		return -1;
	return len == 0 ? 0 : fs_io(off, buf, len, 0);
}

/* Bytes [lo, hi) of the len at off: programmed with d (ANDed; only the
 * bits of mask m), or erased (d NULL: the bits of m set).  Checks NOR's
 * rule for a whole program (m 0xff, all bytes).  0 or -1. */
static int
fs_apply(uint32_t off, const uint8_t *d, size_t len, size_t lo, size_t hi,
    uint8_t m)
{
	size_t at, n, i, j;
	int erased, zero;

	for (at = lo; at < hi; at += n) {
		n = hi - at < FS_CHUNK ? hi - at : FS_CHUNK;
		if (fs_io(off + (uint32_t)at, fs_buf, n, 0) != 0)
			return -1;
		for (i = 0; d != NULL && m == 0xff && lo == 0 && hi == len &&
		    i < n; i += FLASH_SEMIHOST_PROG) {
			erased = zero = 1;
			for (j = i; j < i + FLASH_SEMIHOST_PROG; j++) {
				erased &= fs_buf[j] == 0xff;
				zero &= d[at + j] == 0;
			}
			if (!erased && !zero) {
				fs_say("ILLEGAL program over programmed "
				    "data at ", off + at + i);
				board_exit(FLASH_SEMIHOST_EXIT_ILLEGAL);
			}
		}
		for (i = 0; i < n; i++)
			fs_buf[i] = d != NULL ?
			    fs_buf[i] & (d[at + i] | (uint8_t)~m) :
			    fs_buf[i] | m;
		if (fs_io(off + (uint32_t)at, fs_buf, n, 1) != 0)
			return -1;
	}
	return 0;
}

/* One program (d) or erase (d NULL) of len bytes at off: counted, and
 * cut (part done, then the machine stops) when it is the planned one. */
static int
fs_op(uint32_t off, const uint8_t *d, size_t len)
{
	static const char *tears[] = { "", " (torn: head)", " (torn: tail)",
	    " (torn: bits)" };

	if (++fs_count == fs_cut) {
		if (fs_tear == FS_HEAD)
			fs_apply(off, d, len, 0, len / 2, 0xff);
		else if (fs_tear == FS_TAIL)
			fs_apply(off, d, len, len / 2, len, 0xff);
		else if (fs_tear == FS_BITS)
			fs_apply(off, d, len, 0, len, 0xaa);
		uart_puts("flash: power cut at operation ");
		uart_dec((uint32_t)fs_count);
		uart_puts(d != NULL ? " (program)" : " (erase)");
		uart_puts(tears[fs_tear]);
		uart_putc('\n');
		board_exit(FLASH_SEMIHOST_EXIT_CUT);
	}
	return fs_apply(off, d, len, 0, len, 0xff);
}

static int
fs_program(void *ctx, uint32_t off, const void *buf, size_t len)
{
	(void)ctx;
	if (off % FLASH_SEMIHOST_PROG != 0 || len % FLASH_SEMIHOST_PROG != 0 ||
	    len == 0 || off > FS_SIZE || len > FS_SIZE - off ||
	    off / FLASH_SEMIHOST_BLOCK !=
	    (off + len - 1) / FLASH_SEMIHOST_BLOCK) {
		fs_say("program refused (alignment, bounds) at ", off);
		return -1;
	}
	return fs_op(off, buf, len);
}

static int
fs_erase(void *ctx, uint32_t off)
{
	(void)ctx;
	if (off % FLASH_SEMIHOST_BLOCK != 0 || off >= FS_SIZE) {
		fs_say("erase refused (alignment, bounds) at ", off);
		return -1;
	}
	return fs_op(off, NULL, FLASH_SEMIHOST_BLOCK);
}

/* The cut plan: "N", "N head", "N tail" or "N bits". */
static void
fs_plan(void)
{
	static const char *names[] = { "head", "tail", "bits" };
	char b[32];
	long n = semihost_load(FLASH_SEMIHOST_CUT_FILE, b, sizeof b - 1), i;
	int k;

	fs_cut = 0;
	fs_tear = FS_WHOLE;
	if (n <= 0)
		return;
	b[n] = 0;
	for (i = 0; i < n && b[i] >= '0' && b[i] <= '9'; i++)
		fs_cut = fs_cut * 10 + (unsigned long)(b[i] - '0');
	for (k = 0; k < 3; k++)
		if (strstr(b + i, names[k]) != NULL)
			fs_tear = FS_HEAD + k;
}

int
flash_semihost_init(struct flash_ops *ops)
{
	uint32_t at;
	long len;

	fs_fd = semihost_open(FLASH_SEMIHOST_FILE, SEMIHOST_RPB);
	if (fs_fd < 0) {
		/* a new part: erased */
		fs_fd = semihost_open(FLASH_SEMIHOST_FILE, SEMIHOST_WB);
		if (fs_fd < 0)
			return -1;
		memset(fs_buf, 0xff, sizeof fs_buf);
		for (at = 0; at < FS_SIZE; at += FS_CHUNK)
			if (semihost_write(fs_fd, fs_buf, FS_CHUNK) != 0)
				return -1;
		semihost_close(fs_fd);
		fs_fd = semihost_open(FLASH_SEMIHOST_FILE, SEMIHOST_RPB);
		if (fs_fd < 0)
			return -1;
	}
	len = semihost_flen(fs_fd);
	if (len != (long)FS_SIZE) {
		fs_say("fw/flash.bin has the wrong size: ", (unsigned long)len);
		return -1;
	}
	fs_plan();
	fs_count = 0;
	memset(ops, 0, sizeof *ops);
	ops->size = FS_SIZE;
	ops->block = FLASH_SEMIHOST_BLOCK;
	ops->prog = FLASH_SEMIHOST_PROG;
	ops->flags = FLASH_ZERO_OVER;
	ops->read = fs_read;
	ops->program = fs_program;
	ops->erase = fs_erase;
	return 0;
}

unsigned long
flash_semihost_count(void)
{
	return fs_count;
}
