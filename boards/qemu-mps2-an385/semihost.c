/*
 * semihost.c -- see semihost.h.  The operation numbers and argument
 * blocks are those of ARM's "Semihosting for AArch32 and AArch64"
 * (version 3): r0 the operation, r1 a pointer to the argument words,
 * the result in r0.
 */
#include <string.h>
#include "semihost.h"

#define SYS_OPEN           0x01
#define SYS_CLOSE          0x02
#define SYS_WRITE0         0x04
#define SYS_WRITE          0x05
#define SYS_READ           0x06
#define SYS_SEEK           0x0a
#define SYS_FLEN           0x0c
#define SYS_REMOVE         0x0e
#define SYS_RENAME         0x0f
#define SYS_TIME           0x11
#define SYS_EXIT           0x18
#define SYS_EXIT_EXTENDED  0x20

#define ADP_Stopped_ApplicationExit     0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023

static int32_t
semihost_call(int32_t op, const void *arg)
{
	register int32_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm__ volatile ("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void
semihost_write0(const char *s)
{
	semihost_call(SYS_WRITE0, s);
}

uint32_t
semihost_time(void)
{
	int32_t t = semihost_call(SYS_TIME, NULL);

	return t == -1 ? 0 : (uint32_t)t;
}

int
semihost_open(const char *name, int mode)
{
	uint32_t a[3];
	int32_t fd;

	a[0] = (uint32_t)name;
	a[1] = (uint32_t)mode;
	a[2] = (uint32_t)strlen(name);
	fd = semihost_call(SYS_OPEN, a);
	return fd < 0 ? -1 : (int)fd;
}

int
semihost_close(int fd)
{
	uint32_t a[1];

	a[0] = (uint32_t)fd;
	return semihost_call(SYS_CLOSE, a) == 0 ? 0 : -1;
}

long
semihost_read(int fd, void *buf, size_t len)
{
	uint32_t a[3];
	int32_t left;

	a[0] = (uint32_t)fd;
	a[1] = (uint32_t)buf;
	a[2] = (uint32_t)len;
	/* The result is the number of bytes NOT read. */
	left = semihost_call(SYS_READ, a);
	if (left < 0 || (size_t)left > len)
		return -1;
	return (long)(len - (size_t)left);
}

int
semihost_write(int fd, const void *buf, size_t len)
{
	uint32_t a[3];

	a[0] = (uint32_t)fd;
	a[1] = (uint32_t)buf;
	a[2] = (uint32_t)len;
	/* The result is the number of bytes NOT written. */
	return semihost_call(SYS_WRITE, a) == 0 ? 0 : -1;
}

int
semihost_seek(int fd, uint32_t pos)
{
	uint32_t a[2];

	a[0] = (uint32_t)fd;
	a[1] = pos;
	return semihost_call(SYS_SEEK, a) == 0 ? 0 : -1;
}

long
semihost_flen(int fd)
{
	uint32_t a[1];
	int32_t n;

	a[0] = (uint32_t)fd;
	n = semihost_call(SYS_FLEN, a);
	return n < 0 ? -1 : (long)n;
}

int
semihost_remove(const char *name)
{
	uint32_t a[2];

	a[0] = (uint32_t)name;
	a[1] = (uint32_t)strlen(name);
	return semihost_call(SYS_REMOVE, a) == 0 ? 0 : -1;
}

int
semihost_rename(const char *from, const char *to)
{
	uint32_t a[4];

	a[0] = (uint32_t)from;
	a[1] = (uint32_t)strlen(from);
	a[2] = (uint32_t)to;
	a[3] = (uint32_t)strlen(to);
	return semihost_call(SYS_RENAME, a) == 0 ? 0 : -1;
}

long
semihost_load(const char *name, void *buf, size_t cap)
{
	long len, got, n;
	int fd;

	fd = semihost_open(name, SEMIHOST_RB);
	if (fd < 0)
		return -1;
	len = semihost_flen(fd);
	if (len < 0 || (size_t)len > cap) {
		semihost_close(fd);
		return -2;
	}
	for (got = 0; got < len; got += n) {
		n = semihost_read(fd, (char *)buf + got, (size_t)(len - got));
		if (n <= 0) {
			semihost_close(fd);
			return -2;
		}
	}
	semihost_close(fd);
	return len;
}

void
semihost_exit(int code)
{
	uint32_t a[2];

	a[0] = ADP_Stopped_ApplicationExit;
	a[1] = (uint32_t)code;
	semihost_call(SYS_EXIT_EXTENDED, a);
	/* No extended exit: 32-bit SYS_EXIT takes the reason itself. */
	semihost_call(SYS_EXIT, (const void *)(code == 0 ?
	    ADP_Stopped_ApplicationExit : ADP_Stopped_RunTimeErrorUnknown));
	for (;;)
		;
}
