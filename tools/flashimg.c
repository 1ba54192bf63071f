/*
 * flashimg -- read and write the blobs of a flash store image
 * (port/flash/store_flash.c) on the host: to provision a device's flash
 * at the factory (the trust anchors "ca.pem" that the field firmware
 * takes besides its built-in ones), and to look at what a device stored.
 * It runs the store's own code over the image file, so the format is
 * never written twice.
 *
 *	flashimg [-n BLOCKS] [-b BLOCK] [-p PROG] IMAGE put NAME FILE
 *	flashimg [-n BLOCKS] [-b BLOCK] [-p PROG] IMAGE get NAME >FILE
 *
 * The geometry defaults to the QEMU board's (flash_semihost.h): 6 erase
 * blocks of 4096 bytes, 16-byte program units.  put creates a missing
 * IMAGE erased (all 0xFF) and commits NAME (a new set, as the device
 * would: power-safe the same way); the image file keeps NOR's rules
 * (program only ANDs, erase sets a whole block).  get writes the blob to
 * stdout, its CRC checked.  Exit 0, 1 when the blob is absent, 2 on any
 * other error (a message on stderr).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "flash/store_flash.h"

#define FI_MAX_BLOB 65536

struct fi_file {
	int fd;
	uint32_t size, block, prog;
};

static int
fi_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct fi_file *f = ctx;

	if (off > f->size || len > f->size - off)
		return -1;
	return pread(f->fd, buf, len, off) == (ssize_t)len ? 0 : -1;
}

static int
fi_program(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct fi_file *f = ctx;
	const uint8_t *d = buf;
	uint8_t b[STORE_FLASH_PROG_MAX * 8];
	size_t i, n;

	if (off % f->prog != 0 || len % f->prog != 0 || off > f->size ||
	    len > f->size - off)
		return -1;
	for (; len > 0; off += (uint32_t)n, d += n, len -= n) {
		n = len < sizeof b ? len : sizeof b;
		if (fi_read(f, off, b, n) != 0)
			return -1;
		for (i = 0; i < n; i++)
			b[i] &= d[i];   /* NOR: bits only go from 1 to 0 */
		if (pwrite(f->fd, b, n, off) != (ssize_t)n)
			return -1;
	}
	return 0;
}

static int
fi_erase(void *ctx, uint32_t off)
{
	struct fi_file *f = ctx;
	uint8_t b[4096];
	uint32_t n, at;

	if (off % f->block != 0 || off >= f->size)
		return -1;
	memset(b, 0xff, sizeof b);
	for (at = 0; at < f->block; at += n) {
		n = f->block - at < sizeof b ? f->block - at :
		    (uint32_t)sizeof b;
		if (pwrite(f->fd, b, n, off + at) != (ssize_t)n)
			return -1;
	}
	return 0;
}

static int
fi_usage(void)
{
	fprintf(stderr, "usage: flashimg [-n BLOCKS] [-b BLOCK] [-p PROG] "
	    "IMAGE put NAME FILE\n"
	    "       flashimg [-n BLOCKS] [-b BLOCK] [-p PROG] "
	    "IMAGE get NAME\n");
	return 2;
}

static int
fi_num(const char *s, uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || *s == 0 || *end != 0 || n == 0 || n > 1UL << 24)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* Open (create erased when put and missing) the image of f's size. */
static int
fi_open(struct fi_file *f, const char *path, int create)
{
	off_t len;
	uint32_t at;

	f->fd = open(path, O_RDWR);
	if (f->fd < 0 && errno == ENOENT && create) {
		f->fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
		if (f->fd < 0)
			goto fail;
		if (ftruncate(f->fd, f->size) != 0)
			goto fail;
		for (at = 0; at < f->size; at += f->block)
			if (fi_erase(f, at) != 0)
				goto fail;
	}
	if (f->fd < 0)
		goto fail;
	len = lseek(f->fd, 0, SEEK_END);
	if (len != (off_t)f->size) {
		fprintf(stderr, "flashimg: %s: %lld bytes, the geometry says "
		    "%lu\n", path, (long long)len, (unsigned long)f->size);
		return -1;
	}
	return 0;
fail:
	fprintf(stderr, "flashimg: %s: %s\n", path, strerror(errno));
	return -1;
}

static int
fi_put(struct store_flash *s, const char *name, const char *path)
{
	static uint8_t buf[FI_MAX_BLOB];
	FILE *in = fopen(path, "rb");
	size_t n;

	if (in == NULL) {
		fprintf(stderr, "flashimg: %s: %s\n", path, strerror(errno));
		return 2;
	}
	n = fread(buf, 1, sizeof buf, in);
	if (ferror(in) || !feof(in)) {
		fprintf(stderr, "flashimg: %s: %s\n", path, ferror(in) ?
		    "read error" : "larger than 64 KB");
		fclose(in);
		return 2;
	}
	fclose(in);
	if (strlen(name) > STORE_FLASH_NAME_MAX) {
		fprintf(stderr, "flashimg: name %s: longer than %d\n", name,
		    STORE_FLASH_NAME_MAX);
		return 2;
	}
	if (store_flash_store(s, name, buf, n) != 0) {
		fprintf(stderr, "flashimg: storing %s (%zu bytes) failed: the "
		    "set holds at most %lu bytes of blobs\n", name, n,
		    (unsigned long)store_flash_capacity(s));
		return 2;
	}
	return 0;
}

static int
fi_get(struct store_flash *s, const char *name)
{
	uint8_t buf[4096];
	size_t off = 0;
	long n;

	while ((n = store_flash_load_at(s, name, off, buf, sizeof buf)) > 0) {
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return 2;
		off += (size_t)n;
	}
	if (n == -1) {
		fprintf(stderr, "flashimg: no blob %s\n", name);
		return 1;
	}
	if (n < 0) {
		fprintf(stderr, "flashimg: blob %s: read error or bad CRC\n",
		    name);
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 2;
}

int
main(int argc, char **argv)
{
	static struct store_flash s;
	struct fi_file f = { -1, 0, 4096, 16 };
	struct flash_ops ops;
	uint32_t blocks = 6;
	int c, put, r;

	while ((c = getopt(argc, argv, "n:b:p:")) != -1) {
		if ((c == 'n' && fi_num(optarg, &blocks) != 0) ||
		    (c == 'b' && fi_num(optarg, &f.block) != 0) ||
		    (c == 'p' && fi_num(optarg, &f.prog) != 0) || c == '?')
			return fi_usage();
	}
	argc -= optind;
	argv += optind;
	put = argc == 4 && strcmp(argv[1], "put") == 0;
	if (!put && !(argc == 3 && strcmp(argv[1], "get") == 0))
		return fi_usage();
	if ((uint64_t)blocks * f.block > 1u << 30)
		return fi_usage();
	f.size = blocks * f.block;
	if (fi_open(&f, argv[0], put) != 0)
		return 2;
	memset(&ops, 0, sizeof ops);
	ops.ctx = &f;
	ops.size = f.size;
	ops.block = f.block;
	ops.prog = f.prog;
	ops.read = fi_read;
	ops.program = fi_program;
	ops.erase = fi_erase;
	if (store_flash_init(&s, &ops) != 0) {
		fprintf(stderr, "flashimg: %s: the geometry is unusable or the "
		    "image unreadable\n", argv[0]);
		close(f.fd);
		return 2;
	}
	r = put ? fi_put(&s, argv[2], argv[3]) : fi_get(&s, argv[2]);
	if (close(f.fd) != 0 && r == 0) {
		fprintf(stderr, "flashimg: %s: %s\n", argv[0], strerror(errno));
		r = 2;
	}
	return r;
}
