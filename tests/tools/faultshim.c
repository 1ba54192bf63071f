/*
 * faultshim.c -- an LD_PRELOAD library that counts the storage system
 * calls a program makes inside one directory and, at the n-th, kills the
 * program or makes that call fail: a power cut, a killed process, a full
 * disk or an I/O error at each step of a write, one run per step.
 *
 *   LD_PRELOAD=build/faultshim.so FAULTSHIM_DIR=/abs/dir FAULTSHIM_AT=7 \
 *       FAULTSHIM_MODE=kill FAULTSHIM_LOG=/tmp/calls program ...
 *
 * Counted (each one call, numbered from 1 in the order made):
 *  - open, open64, openat, openat64, creat, __open_2, __openat_2 that
 *    write or create (O_WRONLY, O_RDWR, O_CREAT or O_TRUNC) a path in
 *    the directory;
 *  - write, fsync and fdatasync on a descriptor opened (by the calls
 *    above, in any mode: a directory opened read-only to be fsynced
 *    counts) on a path in the directory; the descriptor is recognised by
 *    its device and inode, so a number reused after a close the shim
 *    did not see is not mistaken for it;
 *  - rename, renameat, renameat2, link, linkat (either path in the
 *    directory), symlink, symlinkat (the new link), unlink, unlinkat,
 *    mkdir, mkdirat, rmdir.
 * Not counted: reads, close, chmod and fchmod, stat.  Only calls made
 * through these libc symbols are seen: what glibc does inside fopen(),
 * opendir() or stdio output is not (port/posix makes its storage calls
 * directly).  A path is in the directory when, made absolute (relative
 * paths against the working directory or the path the dirfd was opened
 * with), it is FAULTSHIM_DIR or begins with FAULTSHIM_DIR "/"; no
 * symlink is resolved (DIR/cert.pem -> live/cert.pem is in DIR).
 *
 * Environment:
 *  FAULTSHIM_DIR    the directory, absolute and without symlinks (use
 *                   realpath: relative paths are made absolute with
 *                   getcwd(), which resolves them).  Unset: the shim
 *                   passes every call through and counts nothing.
 *  FAULTSHIM_AT     the number of the call to act on; unset or 0: count
 *                   (and log) only.
 *  FAULTSHIM_MODE   kill (default): SIGKILL, raised before the call is
 *                   made (calls 1 to AT-1 happened, AT did not).
 *                   fail: the call is not made and returns -1 with errno
 *                   FAULTSHIM_ERRNO, except a write of 2 bytes or more,
 *                   which writes the first half of its buffer and then
 *                   returns -1 (a short failure: data written, error
 *                   reported, as when a disk fills).
 *  FAULTSHIM_ERRNO  ENOSPC (default), EIO, EDQUOT, EROFS, EACCES, or a
 *                   number.
 *  FAULTSHIM_COUNT  fail mode: how many counted calls fail from AT on
 *                   (default 1; 0: every one, a disk that stays full).
 *  FAULTSHIM_LOG    a file to append one line per counted call to:
 *                   "N CALL PATH" (rename and link: "N CALL OLD -> NEW";
 *                   symlink: "N CALL TARGET -> NEW", the target as
 *                   given), with " KILL" or " FAIL" on a call acted on.
 *                   Paths are absolute.  Each line is written before
 *                   the call is made or killed.
 *
 * Build: cc -shared -fPIC -o faultshim.so faultshim.c -ldl.  Use it with
 * a program built without sanitizers (ASan wants its runtime first in
 * the library list).  Counting is not thread-safe beyond an atomic
 * counter: meant for a program with one storage thread.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SHIM_FDS 1024

/* A descriptor opened on a path in the directory. */
struct shim_fd {
	int used;
	dev_t dev;
	ino_t ino;
	char *path;
};

static struct shim_fd shim_fds[SHIM_FDS];
static char shim_dir[PATH_MAX];
static size_t shim_dirlen;
static long shim_at, shim_count = 1, shim_calls;
static int shim_kill = 1, shim_errno = ENOSPC;
static const char *shim_log;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_close)(int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *,
    unsigned);
static int (*real_link)(const char *, const char *);
static int (*real_linkat)(int, const char *, int, const char *, int);
static int (*real_symlink)(const char *, const char *);
static int (*real_symlinkat)(const char *, int, const char *);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_mkdirat)(int, const char *, mode_t);
static int (*real_rmdir)(const char *);

/* The libc function called name (the next definition after ours). */
static void *
shim_sym(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "faultshim: no %s\n", name);
		abort();
	}
	return f;
}

/* errno named by s (a name or a number). */
static int
shim_errno_of(const char *s)
{
	static const struct { const char *n; int e; } tab[] = {
		{ "ENOSPC", ENOSPC }, { "EIO", EIO }, { "EDQUOT", EDQUOT },
		{ "EROFS", EROFS }, { "EACCES", EACCES }, { "EPERM", EPERM },
	};
	size_t i;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(s, tab[i].n) == 0)
			return tab[i].e;
	return atoi(s) > 0 ? atoi(s) : ENOSPC;
}

/* Read the environment and find the real functions, before main(). */
__attribute__((constructor)) static void
shim_init(void)
{
	const char *s;

	real_open = shim_sym("open");
	real_openat = shim_sym("openat");
	real_write = shim_sym("write");
	real_close = shim_sym("close");
	real_fsync = shim_sym("fsync");
	real_fdatasync = shim_sym("fdatasync");
	real_rename = shim_sym("rename");
	real_renameat = shim_sym("renameat");
	real_renameat2 = shim_sym("renameat2");
	real_link = shim_sym("link");
	real_linkat = shim_sym("linkat");
	real_symlink = shim_sym("symlink");
	real_symlinkat = shim_sym("symlinkat");
	real_unlink = shim_sym("unlink");
	real_unlinkat = shim_sym("unlinkat");
	real_mkdir = shim_sym("mkdir");
	real_mkdirat = shim_sym("mkdirat");
	real_rmdir = shim_sym("rmdir");
	s = getenv("FAULTSHIM_DIR");
	if (s == NULL || s[0] != '/' || strlen(s) >= sizeof shim_dir)
		return;
	memcpy(shim_dir, s, strlen(s) + 1);
	shim_dirlen = strlen(shim_dir);
	while (shim_dirlen > 1 && shim_dir[shim_dirlen - 1] == '/')
		shim_dir[--shim_dirlen] = 0;
	if ((s = getenv("FAULTSHIM_AT")) != NULL)
		shim_at = atol(s);
	if ((s = getenv("FAULTSHIM_MODE")) != NULL)
		shim_kill = strcmp(s, "fail") != 0;
	if ((s = getenv("FAULTSHIM_ERRNO")) != NULL)
		shim_errno = shim_errno_of(s);
	if ((s = getenv("FAULTSHIM_COUNT")) != NULL)
		shim_count = atol(s);
	shim_log = getenv("FAULTSHIM_LOG");
}

/* Find the real functions when a call comes before shim_init() ran
 * (another library's constructor). */
static void
shim_ready(void)
{
	if (real_openat == NULL)
		shim_init();
}

/* Make path (relative to dirfd) absolute into out.  Returns 0 or -1. */
static int
shim_abs(int dirfd, const char *path, char *out, size_t cap)
{
	char base[PATH_MAX], proc[64];
	ssize_t n;
	int r;

	if (path == NULL)
		return -1;
	if (path[0] == '/') {
		r = snprintf(out, cap, "%s", path);
		return (r < 0 || (size_t)r >= cap) ? -1 : 0;
	}
	if (dirfd == AT_FDCWD) {
		if (getcwd(base, sizeof base) == NULL)
			return -1;
	} else if (dirfd >= 0 && dirfd < SHIM_FDS && shim_fds[dirfd].used) {
		snprintf(base, sizeof base, "%s", shim_fds[dirfd].path);
	} else {
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", dirfd);
		if ((n = readlink(proc, base, sizeof base - 1)) < 0)
			return -1;
		base[n] = 0;
	}
	r = snprintf(out, cap, "%s/%s", base, path);
	return (r < 0 || (size_t)r >= cap) ? -1 : 0;
}

/* 1 when path (relative to dirfd) is in the directory; its absolute
 * form into abs. */
static int
shim_in(int dirfd, const char *path, char *abs, size_t cap)
{
	if (shim_dirlen == 0 || shim_abs(dirfd, path, abs, cap) != 0)
		return 0;
	return strncmp(abs, shim_dir, shim_dirlen) == 0 &&
	    (abs[shim_dirlen] == 0 || abs[shim_dirlen] == '/');
}

/* The path fd was opened with when it is one of ours (and still the
 * same file), else NULL. */
static const char *
shim_fd_path(int fd)
{
	struct stat sb;
	struct shim_fd *f;

	shim_ready();
	if (shim_dirlen == 0 || fd < 0 || fd >= SHIM_FDS)
		return NULL;
	f = &shim_fds[fd];
	if (!f->used)
		return NULL;
	if (fstat(fd, &sb) != 0 || sb.st_dev != f->dev ||
	    sb.st_ino != f->ino) {
		free(f->path);
		f->path = NULL;
		f->used = 0;
		return NULL;
	}
	return f->path;
}

/* Remember fd as opened on abs (forget it when abs is NULL). */
static void
shim_track(int fd, const char *abs)
{
	struct stat sb;
	struct shim_fd *f;

	if (fd < 0 || fd >= SHIM_FDS)
		return;
	f = &shim_fds[fd];
	free(f->path);
	f->path = NULL;
	f->used = 0;
	if (abs == NULL || fstat(fd, &sb) != 0 ||
	    (f->path = strdup(abs)) == NULL)
		return;
	f->dev = sb.st_dev;
	f->ino = sb.st_ino;
	f->used = 1;
}

/* Count one call (what it is and the paths it names) and act when its
 * number says so.  Returns 0 to make the call, or -1 (errno set) to
 * fail it; does not return when it kills. */
static int
shim_hit(const char *call, const char *a, const char *b)
{
	long n = __atomic_add_fetch(&shim_calls, 1, __ATOMIC_SEQ_CST);
	int act = shim_at > 0 && n >= shim_at &&
	    (n == shim_at || (!shim_kill &&
	    (shim_count == 0 || n < shim_at + shim_count)));
	char line[2 * PATH_MAX + 64];
	int fd, len;

	if (shim_log != NULL) {
		len = snprintf(line, sizeof line, "%ld %s %s%s%s%s\n", n, call,
		    a, b != NULL ? " -> " : "", b != NULL ? b : "",
		    !act ? "" : shim_kill ? " KILL" : " FAIL");
		if (len > 0 && (size_t)len < sizeof line &&
		    (fd = real_open(shim_log, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0644)) >= 0) {
			if (real_write(fd, line, (size_t)len) != len)
				len = -1;
			real_close(fd);
		}
	}
	if (!act)
		return 0;
	if (shim_kill) {
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	errno = shim_errno;
	return -1;
}

/* 1 when flags open for writing or create. */
static int
shim_writes(int flags)
{
	return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
}

/* openat() and friends: count a writing open in the directory, track
 * every descriptor opened there. */
static int
shim_openat(const char *call, int dirfd, const char *path, int flags,
    mode_t mode)
{
	char abs[PATH_MAX];
	int in, fd;

	shim_ready();
	in = shim_in(dirfd, path, abs, sizeof abs);
	if (in && shim_writes(flags) && shim_hit(call, abs, NULL) != 0)
		return -1;
	fd = real_openat(dirfd, path, flags, mode);
	if (fd >= 0)
		shim_track(fd, in ? abs : NULL);
	return fd;
}

/* The mode argument of an open that creates. */
#define SHIM_MODE(flags, mode) do { \
	va_list ap; \
	mode = 0; \
	if ((flags) & (O_CREAT | O_TMPFILE)) { \
		va_start(ap, flags); \
		mode = (mode_t)va_arg(ap, int); \
		va_end(ap); \
	} \
} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t mode;

	SHIM_MODE(flags, mode);
	return shim_openat("open", AT_FDCWD, path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode;

	SHIM_MODE(flags, mode);
	return shim_openat("open", AT_FDCWD, path, flags | O_LARGEFILE, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	SHIM_MODE(flags, mode);
	return shim_openat("openat", dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode;

	SHIM_MODE(flags, mode);
	return shim_openat("openat", dirfd, path, flags | O_LARGEFILE, mode);
}

int
creat(const char *path, mode_t mode)
{
	return shim_openat("open", AT_FDCWD, path,
	    O_CREAT | O_WRONLY | O_TRUNC, mode);
}

int __open_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);

int
__open_2(const char *path, int flags)
{
	return shim_openat("open", AT_FDCWD, path, flags, 0);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	return shim_openat("openat", dirfd, path, flags, 0);
}

int
close(int fd)
{
	shim_ready();
	shim_track(fd, NULL);
	return real_close(fd);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	const char *p = shim_fd_path(fd);
	int e;

	if (p == NULL || shim_hit("write", p, NULL) == 0)
		return real_write(fd, buf, len);
	e = errno;
	if (len >= 2 && real_write(fd, buf, len / 2) < 0)
		e = shim_errno;
	errno = e;
	return -1;
}

int
fsync(int fd)
{
	const char *p = shim_fd_path(fd);

	if (p != NULL && shim_hit("fsync", p, NULL) != 0)
		return -1;
	return real_fsync(fd);
}

int
fdatasync(int fd)
{
	const char *p = shim_fd_path(fd);

	if (p != NULL && shim_hit("fdatasync", p, NULL) != 0)
		return -1;
	return real_fdatasync(fd);
}

/* Count a call naming two paths (either in the directory). */
static int
shim_hit2(const char *call, int fa, const char *a, int fb, const char *b)
{
	char absa[PATH_MAX], absb[PATH_MAX];
	int ina, inb;

	shim_ready();
	ina = shim_in(fa, a, absa, sizeof absa);
	inb = shim_in(fb, b, absb, sizeof absb);
	if (!ina && !inb)
		return 0;
	if (!ina)
		shim_abs(fa, a, absa, sizeof absa);
	if (!inb)
		shim_abs(fb, b, absb, sizeof absb);
	return shim_hit(call, absa, absb);
}

/* Count a call naming one path in the directory. */
static int
shim_hit1(const char *call, int fd, const char *path)
{
	char abs[PATH_MAX];

	shim_ready();
	if (!shim_in(fd, path, abs, sizeof abs))
		return 0;
	return shim_hit(call, abs, NULL);
}

int
rename(const char *a, const char *b)
{
	if (shim_hit2("rename", AT_FDCWD, a, AT_FDCWD, b) != 0)
		return -1;
	return real_rename(a, b);
}

int
renameat(int fa, const char *a, int fb, const char *b)
{
	if (shim_hit2("renameat", fa, a, fb, b) != 0)
		return -1;
	return real_renameat(fa, a, fb, b);
}

int
renameat2(int fa, const char *a, int fb, const char *b, unsigned flags)
{
	if (shim_hit2("renameat2", fa, a, fb, b) != 0)
		return -1;
	return real_renameat2(fa, a, fb, b, flags);
}

int
link(const char *a, const char *b)
{
	if (shim_hit2("link", AT_FDCWD, a, AT_FDCWD, b) != 0)
		return -1;
	return real_link(a, b);
}

int
linkat(int fa, const char *a, int fb, const char *b, int flags)
{
	if (shim_hit2("linkat", fa, a, fb, b) != 0)
		return -1;
	return real_linkat(fa, a, fb, b, flags);
}

/* Count a call making the symlink path (logged "TARGET -> PATH"). */
static int
shim_hit_symlink(const char *call, const char *target, int fd,
    const char *path)
{
	char abs[PATH_MAX];

	shim_ready();
	if (!shim_in(fd, path, abs, sizeof abs))
		return 0;
	return shim_hit(call, target, abs);
}

int
symlink(const char *target, const char *path)
{
	if (shim_hit_symlink("symlink", target, AT_FDCWD, path) != 0)
		return -1;
	return real_symlink(target, path);
}

int
symlinkat(const char *target, int fd, const char *path)
{
	if (shim_hit_symlink("symlinkat", target, fd, path) != 0)
		return -1;
	return real_symlinkat(target, fd, path);
}

int
unlink(const char *path)
{
	if (shim_hit1("unlink", AT_FDCWD, path) != 0)
		return -1;
	return real_unlink(path);
}

int
unlinkat(int fd, const char *path, int flags)
{
	if (shim_hit1("unlinkat", fd, path) != 0)
		return -1;
	return real_unlinkat(fd, path, flags);
}

int
mkdir(const char *path, mode_t mode)
{
	if (shim_hit1("mkdir", AT_FDCWD, path) != 0)
		return -1;
	return real_mkdir(path, mode);
}

int
mkdirat(int fd, const char *path, mode_t mode)
{
	if (shim_hit1("mkdirat", fd, path) != 0)
		return -1;
	return real_mkdirat(fd, path, mode);
}

int
rmdir(const char *path)
{
	if (shim_hit1("rmdir", AT_FDCWD, path) != 0)
		return -1;
	return real_rmdir(path);
}
