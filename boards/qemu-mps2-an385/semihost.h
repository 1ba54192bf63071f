/*
 * semihost.h -- ARM semihosting (BKPT 0xAB) as QEMU implements it: the
 * host's files, wall clock and console, and the exit code of the run.
 *
 * Only for a target under a debugger or QEMU with
 * `-semihosting-config enable=on`: on a bare board without one, the
 * BKPT instruction faults.  File names are relative to the directory
 * QEMU runs in.  Every call blocks the guest until the host answers.
 */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Open modes (ISO C fopen() modes, the semihosting numbering). */
#define SEMIHOST_RB 1           /* "rb" */
#define SEMIHOST_WB 5           /* "wb": create or truncate */
#define SEMIHOST_AB 9           /* "ab" */
#define SEMIHOST_RPB 3          /* "r+b": read and write, no truncation */

/* A NUL-terminated string to the host console (SYS_WRITE0). */
void semihost_write0(const char *s);

/* Seconds since 1970-01-01 UTC from the host clock (SYS_TIME), or 0
 * when the host does not answer. */
uint32_t semihost_time(void);

/* SYS_OPEN: a handle >= 0, or -1. */
int semihost_open(const char *name, int mode);
/* SYS_CLOSE: 0 or -1. */
int semihost_close(int fd);
/* SYS_READ: bytes read (0 at end of file), or -1. */
long semihost_read(int fd, void *buf, size_t len);
/* SYS_WRITE: 0 when all len bytes were written, else -1. */
int semihost_write(int fd, const void *buf, size_t len);
/* SYS_SEEK: the next read or write at byte pos.  0 or -1. */
int semihost_seek(int fd, uint32_t pos);
/* SYS_FLEN: the file's length, or -1. */
long semihost_flen(int fd);
/* SYS_REMOVE, SYS_RENAME: 0 or -1. */
int semihost_remove(const char *name);
int semihost_rename(const char *from, const char *to);

/* Read the whole file name into buf (cap).  Returns its length, -1 when
 * it cannot be opened, -2 on a read error or when it is larger than
 * cap. */
long semihost_load(const char *name, void *buf, size_t cap);

/* SYS_EXIT_EXTENDED (ADP_Stopped_ApplicationExit, code): QEMU exits with
 * code.  Falls back to SYS_EXIT (status 0 or 1) on a host without the
 * extended call; never returns. */
void semihost_exit(int code) __attribute__((noreturn));

#endif
