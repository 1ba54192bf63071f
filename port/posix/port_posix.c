/*
 * port_posix.c -- see port_posix.h.
 */
#include <errno.h>
#include <fcntl.h>
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
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
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

static long
pp_load(void *ctx, const char *name, void *buf, size_t cap)
{
	char path[4096];
	size_t got = 0;
	int fd;

	if (pp_path(ctx, name, "", path, sizeof path) != 0)
		return -2;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : -2;
	for (;;) {
		ssize_t n;

		if (got == cap) {
			char extra;

			n = read(fd, &extra, 1);
			close(fd);
			return n == 0 ? (long)got : -2;
		}
		n = read(fd, (char *)buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return -2;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (long)got;
}

/* Atomic replace: temp file, fsync, rename, fsync the directory. */
static int
pp_store(void *ctx, const char *name, const void *buf, size_t len)
{
	struct posix_port *pp = ctx;
	char path[4096], tmp[4096];
	const char *p = buf;
	size_t nl = strlen(name);
	mode_t mode = (nl > 4 && strcmp(name + nl - 4, ".key") == 0) ?
	    0600 : 0644;
	int fd, dfd;

	if (pp_path(pp, name, "", path, sizeof path) != 0 ||
	    pp_path(pp, name, ".tmp", tmp, sizeof tmp) != 0)
		return -1;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
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
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
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
	port->store = pp_store;
	port->log = pp_log;
	port->idle = pp_idle;
}
