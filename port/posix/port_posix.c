/*
 * port_posix.c -- see port_posix.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "port_posix.h"

/* Remember fd (add 1: a client connection, 2: a responder socket that
 * idle() waits on) or forget it (add 0).  Returns 0, or -1 when no slot
 * is free (or fd was not remembered): the caller closes fd then. */
static int
pp_track(struct posix_port *pp, int fd, int add)
{
	int i;

	for (i = 0; i < POSIX_PORT_MAX_FDS; i++) {
		if (add && pp->fds[i] < 0) {
			pp->fds[i] = fd;
			pp->wake[i] = add == 2;
			return 0;
		}
		if (!add && pp->fds[i] == fd) {
			pp->fds[i] = -1;
			return 0;
		}
	}
	return -1;
}

/* How long send/recv may wait on fd: the responder's sockets not at all
 * (idle() waits on them, and one quiet peer must not slow the others),
 * the client's connection up to io_wait_ms. */
static uint32_t
pp_io_wait(const struct posix_port *pp, int fd)
{
	int i;

	for (i = 0; i < POSIX_PORT_MAX_FDS; i++)
		if (pp->fds[i] == fd)
			return pp->wake[i] ? 0 : pp->io_wait_ms;
	return pp->io_wait_ms;
}

static uint64_t
pp_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
pp_unix_time(void *ctx)
{
	(void)ctx;
	return (uint64_t)time(NULL);
}

static int
pp_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Wait for fd to be readable (ev POLLIN) or writable, up to ms. */
static int
pp_wait(int fd, short ev, uint32_t ms)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = ev;
	p.revents = 0;
	do {
		r = poll(&p, 1, (int)ms);
	} while (r < 0 && errno == EINTR);
	return r;
}

/* Resolver threads still running, abandoned ones included: a resolver
 * that never answers must not make every connect() start one more. */
#define PP_LOOKUPS_MAX 4
static pthread_mutex_t pp_lookups_mu = PTHREAD_MUTEX_INITIALIZER;
static int pp_lookups;

/* A name lookup shared by the caller and its resolver thread: the last
 * of the two to let go of it frees it. */
struct pp_lookup {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int refs;                       /* holders: 2, then 1, then 0 */
	int done;                       /* getaddrinfo returned */
	int err;                        /* what it returned */
	struct addrinfo *res;           /* its list, until the caller took it */
	char port[8];
	char host[];
};

/* getaddrinfo hints for a TCP connection, any family, with flags. */
static void
pp_hints(struct addrinfo *hints, int flags)
{
	memset(hints, 0, sizeof *hints);
	hints->ai_socktype = SOCK_STREAM;
	hints->ai_family = AF_UNSPEC;
	hints->ai_flags = flags;
}

/* Let go of l, whose mutex the caller holds: unlock it, and free l
 * (with a result nobody took) when no one else holds it. */
static void
pp_lookup_put(struct pp_lookup *l)
{
	int last = --l->refs == 0;

	pthread_mutex_unlock(&l->mu);
	if (!last)
		return;
	if (l->res != NULL)
		freeaddrinfo(l->res);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* The resolver thread: as long as getaddrinfo takes, then post the
 * result to whoever still waits. */
static void *
pp_lookup_run(void *arg)
{
	struct pp_lookup *l = arg;
	struct addrinfo hints, *res = NULL;
	int err;

	pp_hints(&hints, 0);
	err = getaddrinfo(l->host, l->port, &hints, &res);
	pthread_mutex_lock(&pp_lookups_mu);
	pp_lookups--;
	pthread_mutex_unlock(&pp_lookups_mu);
	pthread_mutex_lock(&l->mu);
	l->err = err;
	l->res = err == 0 ? res : NULL;
	l->done = 1;
	pthread_cond_signal(&l->cv);
	pp_lookup_put(l);
	return NULL;
}

/* Start a detached thread looking up host and port.  Returns the
 * lookup, held by the caller and the thread, or NULL. */
static struct pp_lookup *
pp_lookup_start(const char *host, const char *port)
{
	struct pp_lookup *l;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t t;
	sigset_t all, old;
	size_t hl = strlen(host) + 1;
	int err;

	pthread_mutex_lock(&pp_lookups_mu);
	err = pp_lookups >= PP_LOOKUPS_MAX;
	if (!err)
		pp_lookups++;
	pthread_mutex_unlock(&pp_lookups_mu);
	if (err)
		return NULL;   /* earlier lookups still hang: fail at once */
	if (strlen(port) >= sizeof l->port ||
	    (l = calloc(1, sizeof *l + hl)) == NULL)
		goto out_count;
	memcpy(l->host, host, hl);
	memcpy(l->port, port, strlen(port) + 1);
	l->refs = 2;
	if (pthread_mutex_init(&l->mu, NULL) != 0)
		goto out_free;
	if (pthread_condattr_init(&ca) != 0)
		goto out_mutex;
	err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&l->cv, &ca) != 0;
	pthread_condattr_destroy(&ca);
	if (err)
		goto out_mutex;
	if (pthread_attr_init(&ta) != 0)
		goto out_cond;
	/* Signals go to the caller's threads, never the resolver. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED) ||
	    pthread_create(&t, &ta, pp_lookup_run, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&ta);
	if (err)
		goto out_cond;
	return l;
out_cond:
	pthread_cond_destroy(&l->cv);
out_mutex:
	pthread_mutex_destroy(&l->mu);
out_free:
	free(l);
out_count:
	pthread_mutex_lock(&pp_lookups_mu);
	pp_lookups--;
	pthread_mutex_unlock(&pp_lookups_mu);
	return NULL;
}

/* Resolve host and port (TCP, any family) into *res, a list for
 * freeaddrinfo, before deadline (pp_now_ms() time).  A numeric address
 * is converted at once; a name is looked up by a thread which, when the
 * deadline comes first, is left to finish and free what it found.
 * Returns 0 or -1. */
static int
pp_resolve(const char *host, const char *port, uint64_t deadline,
    struct addrinfo **res)
{
	struct addrinfo hints;
	struct pp_lookup *l;
	struct timespec ts;
	int rc = -1;

	pp_hints(&hints, AI_NUMERICHOST);
	if (getaddrinfo(host, port, &hints, res) == 0)
		return 0;
	if ((l = pp_lookup_start(host, port)) == NULL)
		return -1;
	ts.tv_sec = (time_t)(deadline / 1000u);
	ts.tv_nsec = (long)(deadline % 1000u) * 1000000L;
	pthread_mutex_lock(&l->mu);
	while (!l->done &&
	    pthread_cond_timedwait(&l->cv, &l->mu, &ts) == 0)
		/* the house's empty loop body (cppcheck: redundant) */
		/* cppcheck-suppress redundantContinue */
		continue;
	if (l->done && l->err == 0) {
		*res = l->res;
		l->res = NULL;
		rc = 0;
	}
	pp_lookup_put(l);
	return rc;
}

/* Name lookup and TCP connect, all within timeout_ms: the addresses
 * are tried in turn in the time the lookup left. */
static int
pp_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
	struct posix_port *pp = ctx;
	struct addrinfo *res, *ai;
	uint64_t deadline = pp_now_ms(ctx) + timeout_ms, now;
	char ps[8];
	int fd = -1, one = 1;

	snprintf(ps, sizeof ps, "%u", (unsigned)port);
	if (pp_resolve(host, ps, deadline, &res) != 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int err = 0;
		socklen_t el = sizeof err;

		if ((now = pp_now_ms(ctx)) >= deadline)
			break;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		pp_set_nonblock(fd);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS &&
		    pp_wait(fd, POLLOUT, (uint32_t)(deadline - now)) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 &&
		    err == 0))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (pp_track(pp, fd, 1) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
pp_send(void *ctx, int h, const void *buf, size_t len)
{
	struct posix_port *pp = ctx;
	ssize_t n;

	if (pp_wait(h, POLLOUT, pp_io_wait(pp, h)) == 0)
		return 0;
	n = send(h, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR) ? 0 : -1;
	return (int)n;
}

static int
pp_recv(void *ctx, int h, void *buf, size_t len)
{
	struct posix_port *pp = ctx;
	ssize_t n;

	if (pp_wait(h, POLLIN, pp_io_wait(pp, h)) == 0)
		return 0;
	n = recv(h, buf, len, 0);
	if (n == 0)
		return -1;   /* peer closed: an error in the port contract */
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR) ? 0 : -1;
	return (int)n;
}

static void
pp_close(void *ctx, int h)
{
	pp_track(ctx, h, 0);
	close(h);
}

static int
pp_listen(void *ctx, uint16_t port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = ((struct posix_port *)ctx)->listen_addr;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 32) != 0 || pp_set_nonblock(fd) != 0) {
		close(fd);
		return -1;
	}
	if (pp_track(ctx, fd, 2) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
pp_accept(void *ctx, int lh)
{
	int fd = accept(lh, NULL, NULL);

	if (fd < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ECONNABORTED) ? -2 : -1;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	pp_set_nonblock(fd);
	if (pp_track(ctx, fd, 2) != 0) {
		close(fd);
		return -1;     /* no slot: refused, not left untracked */
	}
	return fd;
}

static int
pp_entropy(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;

	(void)ctx;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
pp_path(const struct posix_port *pp, const char *name, const char *suffix,
    char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s%s", pp->dir, name, suffix);

	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Remember a storage failure (errno as it is now) on DIR/name, or on
 * DIR itself when name is NULL. */
static void
pp_note(struct posix_port *pp, const char *op, const char *name)
{
	int e = errno != 0 ? errno : EIO;

	pp->fail_op = op;
	snprintf(pp->fail_path, sizeof pp->fail_path, "%s%s%s", pp->dir,
	    name != NULL ? "/" : "", name != NULL ? name : "");
	pp->fail_errno = e;
}

const char *
posix_port_error(const struct posix_port *pp, char *buf, size_t cap)
{
	if (pp->fail_errno == 0)
		return NULL;
	snprintf(buf, cap, "cannot %s %s: %s", pp->fail_op, pp->fail_path,
	    strerror(pp->fail_errno));
	return buf;
}

/* Read up to cap bytes of fd from offset off on into buf (EINTR and
 * short reads retried).  Returns the count, fewer only at the end of
 * the file, or -1. */
static long
pp_pread(int fd, void *buf, size_t cap, size_t off)
{
	size_t got = 0;
	ssize_t n;

	if (cap > LONG_MAX)
		cap = LONG_MAX;
	while (got < cap) {
		n = pread(fd, (char *)buf + got, cap - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

/* Open blob name for reading: a descriptor, or -1 (absent) / -2. */
static int
pp_open_blob(struct posix_port *pp, const char *name)
{
	char path[4096];
	int fd;

	if (pp_path(pp, name, "", path, sizeof path) != 0)
		return -2;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -1;
	if (fd < 0) {
		pp_note(pp, "read", name);
		return -2;
	}
	return fd;
}

static long
pp_load(void *ctx, const char *name, void *buf, size_t cap)
{
	char extra;
	long n;
	int fd = pp_open_blob(ctx, name);

	if (fd < 0)
		return fd;
	n = pp_pread(fd, buf, cap, 0);
	/* a blob larger than cap is an error, not a silent cut */
	if (n >= 0 && (size_t)n == cap && pp_pread(fd, &extra, 1, cap) != 0)
		n = -2;
	close(fd);
	return n < 0 ? -2 : n;
}

/* port.h load_at: up to cap bytes of name from offset (pread), through
 * the constant link, so the generation live names at each call. */
static long
pp_load_at(void *ctx, const char *name, size_t offset, void *buf,
    size_t cap)
{
	struct stat sb;
	long n = -1;
	int fd = pp_open_blob(ctx, name);

	if (fd < 0)
		return fd;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		n = (uintmax_t)offset >= (uintmax_t)sb.st_size ? 0 :
		    pp_pread(fd, buf, cap, offset);
	close(fd);
	return n < 0 ? -2 : n;
}

/* The mode of blob name: secret (".key") 0600, else 0644. */
static mode_t
pp_mode(const char *name)
{
	size_t nl = strlen(name);

	return (nl > 4 && strcmp(name + nl - 4, ".key") == 0) ? 0600 : 0644;
}

/* Atomic replace: temp file, fsync, rename, fsync the directory. */
static int
pp_store(void *ctx, const char *name, const void *buf, size_t len)
{
	struct posix_port *pp = ctx;
	char path[4096], tmp[4096];
	const char *p = buf;
	mode_t mode = pp_mode(name);
	int fd, dfd;

	if (pp_path(pp, name, "", path, sizeof path) != 0 ||
	    pp_path(pp, name, ".tmp", tmp, sizeof tmp) != 0)
		return -1;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		pp_note(pp, "write", name);
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out_unlink;
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto out_unlink;
	if (close(fd) != 0) {
		fd = -1;
		goto out_unlink;
	}
	if (rename(tmp, path) != 0) {
		pp_note(pp, "write", name);
		unlink(tmp);
		return -1;
	}
	dfd = open(pp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
out_unlink:
	pp_note(pp, "write", name);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

/*
 * Blobs that change together: generations (port_posix.h has the layout).
 * What a reader (load(), or any program opening DIR/NAME) finds after a
 * power cut or a kill at each step, the old set being in gen.C (C may
 * be absent: nothing was ever committed) or in plain files (the old
 * layout):
 *
 * stage()
 *  S1 unlink the files of a stale .staging, rmdir it; mkdir .staging
 *     and chmod it 0700                                      old set
 *  S2 create (0600 or 0644) or append .staging/NAME          old set
 *     (nothing a reader opens leads into .staging)
 * commit()
 *  C1 fsync each staged file                                 old set
 *  C2 migration, only when a staged name shows something other than
 *     the link live/NAME (a plain file: the old layout; or nothing while
 *     live/NAME exists):
 *     a. remove a stale gen.M, mkdir gen.M, hard-link into it what
 *        every name shows now (through DIR/NAME), fsync it    old set
 *        (gen.M is not named by live yet)
 *     b. symlink live.tmp -> gen.M, fsync DIR, rename it over live,
 *        fsync DIR                                           old set
 *        (the links that already were live/NAME now reach gen.M,
 *        which holds the very same inodes)
 *     c. for each such name: symlink .link.tmp -> live/NAME, rename it
 *        over DIR/NAME                                       old set
 *        (the plain file and gen.M/NAME are one inode: a cut between
 *        two of these renames leaves one name a file and the other a
 *        link, both showing the old pair)
 *  C3 a staged name that shows nothing and has nothing in live gets
 *     its link live/NAME (rename of .link.tmp), dangling      old set
 *  C4 hard-link the names of the live generation that are not staged
 *     into .staging (they stay as they are)                  old set
 *  C5 chmod .staging 0755, fsync it; remove a stale gen.N; rename
 *     .staging to gen.N                                      old set
 *  C6 symlink live.tmp -> gen.N; fsync DIR                   old set
 *     (this fsync puts C2, C3 and C5 on disk before live may name
 *     gen.N: a switch that reached the disk without the links it
 *     needs could show a mix)
 *  C7 rename live.tmp over live: the commit point            new set
 *  C8 fsync DIR (the rename is atomic on disk too: a power cut before
 *     it lands finds the old set); if it fails, commit() returns -1
 *     with the new set current, and keeps the old generation   new set
 *  C9 remove the other generations, live.tmp, .link.tmp (best effort;
 *     what a crash leaves is removed by the next commit)     new set
 * discard() unlinks the files of .staging and removes it     old set
 *
 * A failure (a full disk, an I/O error, a read-only directory) in S1 to
 * C7 returns -1 with the old set current (what it left is not
 * reachable; discard(), the next stage() or the next commit() removes
 * it); in C9 it is ignored.
 *
 * A concurrent reader opening DIR/cert.pem and then DIR/cert.key
 * resolves live twice: C7 between its two opens gives it the old chain
 * and the new key, and C9 may remove the generation it resolved before
 * it opens the file (ENOENT).  It reads one set by opening DIR/live as
 * a directory once and both names with openat() from it, and starts
 * again on ENOENT.
 */

/* 1 when name may be staged: not empty, shorter than POSIX_PORT_NAME_MAX,
 * no '/', not beginning with '.', not a name of the layout ("live",
 * "live.tmp", "gen.*"). */
static int
pp_name_ok(const char *name)
{
	size_t nl = strlen(name);

	return nl > 0 && nl < POSIX_PORT_NAME_MAX && name[0] != '.' &&
	    strchr(name, '/') == NULL && strcmp(name, "live") != 0 &&
	    strcmp(name, "live.tmp") != 0 && strncmp(name, "gen.", 4) != 0;
}

/* out = a "/" b, into cap bytes.  Returns 0, or -1 when it does not
 * fit. */
static int
pp_join(char *out, size_t cap, const char *a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s", a, b);

	return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

/* Remove directory sub of dfd and the files in it (no deeper levels:
 * generations and .staging hold only files).  Returns 0, also when sub
 * was absent, or -1. */
static int
pp_rmdir_files(int dfd, const char *sub)
{
	struct dirent *e;
	DIR *dp;
	int fd, rc = 0;

	fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) != 0 && errno != ENOENT)
			rc = -1;
	}
	closedir(dp);
	if (rc == 0 && unlinkat(dfd, sub, AT_REMOVEDIR) != 0 &&
	    errno != ENOENT)
		rc = -1;
	return rc;
}

/* fsync file or directory sub of dfd.  Returns 0 or -1. */
static int
pp_fsync_at(int dfd, const char *sub)
{
	int fd = openat(dfd, sub, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

/* The generation DIR/live names, its number into *n.  Returns 1, 0 when
 * there is no live link, or -1 (an error, or live is not ours). */
static int
pp_live_gen(int dfd, unsigned long *n)
{
	char t[32], *end;
	ssize_t len = readlinkat(dfd, "live", t, sizeof t - 1);

	if (len < 0)
		return errno == ENOENT ? 0 : -1;
	t[len] = 0;
	if (strncmp(t, "gen.", 4) != 0 || t[4] < '0' || t[4] > '9')
		return -1;
	errno = 0;
	*n = strtoul(t + 4, &end, 10);
	return (*end != 0 || errno != 0) ? -1 : 1;
}

/* Make DIR/name the symlink to target at once: the symlink tmp, renamed
 * over name.  The caller fsyncs dfd.  Returns 0 or -1. */
static int
pp_relink(int dfd, const char *tmp, const char *target, const char *name)
{
	if (unlinkat(dfd, tmp, 0) != 0 && errno != ENOENT)
		return -1;
	if (symlinkat(target, dfd, tmp) != 0)
		return -1;
	if (renameat(dfd, tmp, dfd, name) != 0) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* Make DIR/live name generation gen: the symlink live.tmp, fsync of
 * DIR (what gen and the name links need is on disk first), rename over
 * live (the switch), fsync of DIR.  Returns 0; 1 when the switch was
 * made but the last fsync failed; -1 when live is unchanged. */
static int
pp_switch(int dfd, const char *gen)
{
	if (unlinkat(dfd, "live.tmp", 0) != 0 && errno != ENOENT)
		return -1;
	if (symlinkat(gen, dfd, "live.tmp") != 0)
		return -1;
	if (fsync(dfd) != 0 || renameat(dfd, "live.tmp", dfd, "live") != 0) {
		unlinkat(dfd, "live.tmp", 0);
		return -1;
	}
	return fsync(dfd) == 0 ? 0 : 1;
}

/* What staged name shows in DIR now.  Returns PP_OURS (the link
 * live/name), PP_LINK (nothing, and live has no name either: the link
 * can be made at once, it shows nothing until the switch), PP_TAKE
 * (something else: a migration takes it over), or -1 on error. */
enum { PP_OURS, PP_LINK, PP_TAKE };
static int
pp_name_state(int dfd, const char *name)
{
	char want[POSIX_PORT_NAME_MAX + 8], t[POSIX_PORT_NAME_MAX + 8];
	struct stat sb;
	ssize_t len;

	if (pp_join(want, sizeof want, "live", name) != 0)
		return -1;
	len = readlinkat(dfd, name, t, sizeof t);
	if (len == (ssize_t)strlen(want) && memcmp(t, want, (size_t)len) == 0)
		return PP_OURS;
	if (fstatat(dfd, name, &sb, 0) == 0)
		return PP_TAKE;
	if (errno != ENOENT)
		return -1;
	if (fstatat(dfd, want, &sb, 0) == 0)
		return PP_TAKE;
	return errno == ENOENT ? PP_LINK : -1;
}

/* 1 when name was staged in the transaction of pp. */
static int
pp_is_staged(const struct posix_port *pp, const char *name)
{
	int i;

	for (i = 0; i < pp->nstaged; i++)
		if (strcmp(pp->staged[i], name) == 0)
			return 1;
	return 0;
}

/* Hard-link every file of directory src (of dfd) into directory dst,
 * but the names staged in pp when skip is set.  Returns 0 (also when
 * src is absent: nothing to link) or -1. */
static int
pp_link_gen(const struct posix_port *pp, int dfd, const char *src,
    int dst, int skip)
{
	struct dirent *e;
	DIR *dp;
	int fd, rc = 0;

	fd = openat(dfd, src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while (rc == 0 && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.' || (skip && pp_is_staged(pp,
		    e->d_name)))
			continue;
		if (linkat(fd, e->d_name, dst, e->d_name, 0) != 0)
			rc = -1;
	}
	closedir(dp);
	return rc;
}

/* Step C2: take over what the staged names show now (st[i] for each is
 * PP_OURS, PP_LINK or PP_TAKE) into a new generation gen.<m>, make it
 * live, and replace each name marked PP_TAKE by its link live/NAME.
 * cur names the live generation, or is NULL.  Readers see the old set
 * throughout.  Returns 0 or -1. */
static int
pp_migrate(struct posix_port *pp, int dfd, const char *cur,
    unsigned long m, const int *st)
{
	char gen[32], link[POSIX_PORT_NAME_MAX + 8];
	struct stat sb;
	int gfd, i, rc = -1;

	snprintf(gen, sizeof gen, "gen.%lu", m);
	if (pp_rmdir_files(dfd, gen) != 0 || mkdirat(dfd, gen, 0755) != 0)
		return -1;
	gfd = openat(dfd, gen, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (gfd < 0 || fchmod(gfd, 0755) != 0)
		goto out;
	if (cur != NULL && pp_link_gen(pp, dfd, cur, gfd, 0) != 0)
		goto out;
	for (i = 0; i < pp->nstaged; i++) {
		const char *name = pp->staged[i];

		if (st[i] != PP_TAKE)
			continue;
		/* What name shows replaces what live had under it. */
		if (cur != NULL && unlinkat(gfd, name, 0) != 0 &&
		    errno != ENOENT)
			goto out;
		if (fstatat(dfd, name, &sb, 0) == 0) {
			if (linkat(dfd, name, gfd, name,
			    AT_SYMLINK_FOLLOW) != 0)
				goto out;
		} else if (errno != ENOENT) {
			goto out;
		}
	}
	if (fsync(gfd) != 0 || pp_switch(dfd, gen) != 0)
		goto out;
	for (i = 0; i < pp->nstaged; i++) {
		/* st[0..nstaged) is set by the caller; clang-analyzer
		 * (core.UndefinedBinaryOperatorResult) assumes the calls
		 * above may change pp->nstaged.  NOLINTNEXTLINE */
		if (st[i] != PP_TAKE)
			continue;
		if (pp_join(link, sizeof link, "live", pp->staged[i]) != 0 ||
		    pp_relink(dfd, ".link.tmp", link, pp->staged[i]) != 0)
			goto out;
	}
	rc = 0;
out:
	if (gfd >= 0)
		close(gfd);
	return rc;
}

/* Step C9 (best effort): remove every generation but keep, and the
 * temporary links. */
static void
pp_prune(int dfd, const char *keep)
{
	struct dirent *e;
	DIR *dp;
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	unlinkat(dfd, "live.tmp", 0);
	unlinkat(dfd, ".link.tmp", 0);
	if (fd < 0)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(dp)) != NULL)
		if (strncmp(e->d_name, "gen.", 4) == 0 &&
		    strcmp(e->d_name, keep) != 0)
			pp_rmdir_files(dfd, e->d_name);
	closedir(dp);
}

/* Append len bytes of buf to the next version of name (port.h): step
 * S1 on the first call of a transaction, then S2.  Returns 0 or -1; -1
 * makes the transaction fail until discard(). */
static int
pp_stage(void *ctx, const char *name, const void *buf, size_t len)
{
	struct posix_port *pp = ctx;
	char path[POSIX_PORT_NAME_MAX + 16];
	const char *p = buf;
	mode_t mode;
	int dfd = -1, fd = -1, rc = -1;

	if (pp->txn < 0 || !pp_name_ok(name) ||
	    pp_join(path, sizeof path, ".staging", name) != 0)
		goto out;
	mode = pp_mode(name);
	dfd = open(pp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto out;
	if (pp->txn == 0) {
		pp->nstaged = 0;
		if (pp_rmdir_files(dfd, ".staging") != 0 ||
		    mkdirat(dfd, ".staging", 0700) != 0 ||
		    fchmodat(dfd, ".staging", 0700, 0) != 0)
			goto out;
		pp->txn = 1;
	}
	if (pp_is_staged(pp, name)) {
		fd = openat(dfd, path, O_WRONLY | O_APPEND | O_CLOEXEC);
	} else {
		if (pp->nstaged == ACME_PORT_STAGE_MAX)
			goto out;
		fd = openat(dfd, path, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, mode);
		if (fd < 0 || fchmod(fd, mode) != 0)
			goto out;
		memcpy(pp->staged[pp->nstaged++], name, strlen(name) + 1);
	}
	if (fd < 0)
		goto out;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		p += n;
		len -= (size_t)n;
	}
	rc = close(fd);
	fd = -1;
out:
	if (rc != 0 && pp->txn >= 0)
		pp_note(pp, "write", dfd < 0 ? NULL : name);
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (rc != 0)
		pp->txn = -1;
	return rc;
}

/* Make every staged blob current at once: steps C1 to C9.  Returns 0
 * (also when nothing was staged), ending the transaction, or -1: then
 * every stage() and commit() fails until discard(), so that a commit
 * retried without one cannot return 0 having stored nothing. */
static int
pp_commit(void *ctx)
{
	struct posix_port *pp = ctx;
	char gen[32], cur[32], link[POSIX_PORT_NAME_MAX + 8];
	unsigned long n = 0;
	int st[ACME_PORT_STAGE_MAX], dfd = -1, sfd = -1, live, take = 0;
	int i, rc = -1;

	if (pp->txn == 0)
		return 0;
	if (pp->txn < 0)
		goto out;
	dfd = open(pp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto out;
	sfd = openat(dfd, ".staging", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (sfd < 0)
		goto out;
	for (i = 0; i < pp->nstaged; i++)               /* C1 */
		if (pp_fsync_at(sfd, pp->staged[i]) != 0)
			goto out;
	if ((live = pp_live_gen(dfd, &n)) < 0)
		goto out;
	snprintf(cur, sizeof cur, "gen.%lu", n);
	n = live ? n + 1 : 0;
	for (i = 0; i < pp->nstaged; i++) {
		if ((st[i] = pp_name_state(dfd, pp->staged[i])) < 0)
			goto out;
		take |= st[i] == PP_TAKE;
	}
	if (take) {                                     /* C2 */
		if (pp_migrate(pp, dfd, live ? cur : NULL, n, st) != 0)
			goto out;
		snprintf(cur, sizeof cur, "gen.%lu", n++);
		live = 1;
	}
	for (i = 0; i < pp->nstaged; i++) {             /* C3 */
		/* st[0..nstaged) was set above (every i, or goto out);
		 * clang-analyzer (core.UndefinedBinaryOperatorResult)
		 * assumes the calls between may change pp->nstaged.
		 * NOLINTNEXTLINE */
		if (st[i] != PP_LINK)
			continue;
		if (pp_join(link, sizeof link, "live", pp->staged[i]) != 0 ||
		    pp_relink(dfd, ".link.tmp", link, pp->staged[i]) != 0)
			goto out;
	}
	if (live && pp_link_gen(pp, dfd, cur, sfd, 1) != 0)   /* C4 */
		goto out;
	snprintf(gen, sizeof gen, "gen.%lu", n);        /* C5 */
	if (fchmod(sfd, 0755) != 0 || fsync(sfd) != 0 ||
	    pp_rmdir_files(dfd, gen) != 0 ||
	    renameat(dfd, ".staging", dfd, gen) != 0)
		goto out;
	if ((rc = pp_switch(dfd, gen)) != 0) {          /* C6 to C8 */
		rc = -1;
		goto out;
	}
	pp_prune(dfd, gen);                             /* C9 */
out:
	if (rc != 0 && pp->txn >= 0)
		pp_note(pp, "commit to", NULL);
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	pp->txn = rc == 0 ? 0 : -1;
	pp->nstaged = 0;
	return rc;
}

/* Drop what is staged: remove .staging (best effort: a leftover is
 * removed by the next stage()) and end the transaction. */
static void
pp_discard(void *ctx)
{
	struct posix_port *pp = ctx;
	int dfd = open(pp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd >= 0) {
		pp_rmdir_files(dfd, ".staging");
		close(dfd);
	}
	pp->txn = 0;
	pp->nstaged = 0;
}

static void
pp_log(void *ctx, int level, const char *msg)
{
	struct posix_port *pp = ctx;

	if (!pp->verbose)
		return;   /* quiet: the CLI prints the one error line itself */
	if (level <= ACME_LOG_INFO)
		fprintf(stderr, "picoacme: %s\n", msg);
	else if (pp->verbose > 1)
		fprintf(stderr, "picoacme: debug: %s\n", msg);
}

/* Wait up to ms for the responder's sockets (client connections are
 * waited on inside send/recv: a closed kept-alive one would wake us
 * at once). */
static void
pp_idle(void *ctx, uint32_t ms)
{
	struct posix_port *pp = ctx;
	struct pollfd p[POSIX_PORT_MAX_FDS];
	int i, n = 0;

	for (i = 0; i < POSIX_PORT_MAX_FDS; i++) {
		if (pp->fds[i] >= 0 && pp->wake[i]) {
			p[n].fd = pp->fds[i];
			p[n].events = POLLIN;
			p[n].revents = 0;
			n++;
		}
	}
	poll(p, (nfds_t)n, (int)ms);
}

void
posix_port_init(struct acme_port *port, struct posix_port *pp,
    const char *dir, int verbose)
{
	int i;

	memset(pp, 0, sizeof *pp);
	pp->dir = dir;
	pp->verbose = verbose;
	pp->io_wait_ms = 250;
	for (i = 0; i < POSIX_PORT_MAX_FDS; i++)
		pp->fds[i] = -1;
	memset(port, 0, sizeof *port);
	port->ctx = pp;
	port->connect = pp_connect;
	port->send = pp_send;
	port->recv = pp_recv;
	port->close = pp_close;
	port->listen = pp_listen;
	port->accept = pp_accept;
	port->now_ms = pp_now_ms;
	port->unix_time = pp_unix_time;
	port->entropy = pp_entropy;
	port->load = pp_load;
	port->load_at = pp_load_at;
	port->store = pp_store;
	port->stage = pp_stage;
	port->commit = pp_commit;
	port->discard = pp_discard;
	port->log = pp_log;
	port->idle = pp_idle;
}
