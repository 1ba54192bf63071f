/*
 * test_port_posix.c -- the POSIX port (port/posix): connect() bounds the
 * name lookup by its timeout (a resolver that never answers, set up in
 * a private network and mount namespace of a child process), numeric
 * addresses and /etc/hosts names connect, store() leaves the old file
 * whole when a write fails or the process is killed in the middle of
 * one, ".key" files are mode 0600 whatever the umask and the old file's
 * mode, and a full handle table makes accept/connect fail without
 * leaking the socket.  The resolver case needs root (or unprivileged
 * user namespaces); without them it counts as a failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "posix/port_posix.h"
#include "t.h"

#define SILENT_NAME     "never-answers.picoacme.test"
#define SILENT_TIMEOUT  700     /* ms given to connect() */
#define SILENT_MAX      2000    /* ms connect() may take at most */
#define SILENT_GUARD    5       /* s before the child is killed */

static struct acme_port P;
static struct posix_port PP;
static char big[64 * 1024];     /* a value the store tests cut short */

/* Make a fresh directory under /tmp into d (cap >= 32); exits on
 * failure. */
static void
tmp_dir(char *d, size_t cap)
{
	snprintf(d, cap, "/tmp/t_port_posix.XXXXXX");
	if (mkdtemp(d) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

/* Remove directory d and the files in it. */
static void
rm_dir(const char *d)
{
	char path[512];
	struct dirent *e;
	DIR *dp = opendir(d);

	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", d, e->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(d);
}

/* The names in directory d (but "." and ".."), joined by spaces, into
 * out. */
static void
dir_list(const char *d, char *out, size_t cap)
{
	struct dirent *e;
	DIR *dp = opendir(d);

	out[0] = 0;
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (out[0] != 0)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, e->d_name, cap - strlen(out) - 1);
	}
	closedir(dp);
}

/* Write string s to path opened with flags (mode 0644 when created).
 * Returns 0 or -1. */
static int
put_file(const char *path, const char *s, int flags)
{
	size_t len = strlen(s);
	int fd = open(path, flags | O_WRONLY | O_CLOEXEC, 0644);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, len) == (ssize_t)len;
	return (close(fd) == 0 && ok) ? 0 : -1;
}

/* The number of open file descriptors of this process. */
static int
fd_count(void)
{
	struct dirent *e;
	DIR *dp = opendir("/proc/self/fd");
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* A blocking TCP socket listening (l != 0) on, or connected to (l ==
 * 0), 127.0.0.1 port *port; the listener's port (chosen by the kernel)
 * is stored in *port.  Returns the fd or -1. */
static int
tcp_sock(int l, uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = l ? 0 : htons(*port);
	if (l ? (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 32) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) :
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	if (l)
		*port = ntohs(sa.sin_port);
	return fd;
}

/* 1 when the peer of connected socket fd has closed it (EOF or reset
 * within a second), else 0. */
static int
peer_closed(int fd)
{
	struct pollfd p;
	char c;

	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	if (poll(&p, 1, 1000) != 1)
		return 0;
	return recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

/* What the resolver child reports through its pipe. */
struct silent {
	int ready;              /* the namespace was set up, connect ran */
	int rc;                 /* connect's result */
	long ms;                /* how long connect took */
	long query;             /* size of a query that reached 127.0.0.1:53 */
	char why[200];          /* why the namespace could not be set up */
};

/* Report r (with the reason what: errno when the setup failed) through
 * fd and end the child. */
static void
silent_report(struct silent *r, int fd, const char *what)
{
	ssize_t n;

	if (what != NULL)
		snprintf(r->why, sizeof r->why, "%s: %s", what,
		    strerror(errno));
	n = write(fd, r, sizeof *r);
	_exit(n == (ssize_t)sizeof *r ? 0 : 1);
}

/* Enter new mount and network namespaces: directly as root, else
 * through a user namespace mapping our ids to root.  Returns NULL or
 * what failed. */
static const char *
silent_unshare(void)
{
	char map[64];
	unsigned uid = getuid(), gid = getgid();

	if (unshare(CLONE_NEWNS | CLONE_NEWNET) == 0)
		return NULL;
	if (errno != EPERM)
		return "unshare(CLONE_NEWNS | CLONE_NEWNET)";
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) != 0)
		return "unshare: EPERM, and with CLONE_NEWUSER too";
	if (put_file("/proc/self/setgroups", "deny", 0) != 0)
		return "write /proc/self/setgroups";
	snprintf(map, sizeof map, "0 %u 1\n", uid);
	if (put_file("/proc/self/uid_map", map, 0) != 0)
		return "write /proc/self/uid_map";
	snprintf(map, sizeof map, "0 %u 1\n", gid);
	if (put_file("/proc/self/gid_map", map, 0) != 0)
		return "write /proc/self/gid_map";
	return NULL;
}

/* The child: in its own namespaces, with /etc/resolv.conf naming a
 * resolver on 127.0.0.1:53 that takes queries and never answers (30 s
 * timeout, 3 attempts), look up a name that only DNS could know through
 * the port's connect().  Reports through fd; never returns. */
static void
silent_child(int fd, const char *d)
{
	struct silent r;
	struct sockaddr_in sa;
	struct ifreq ifr;
	char rc_path[128], ns_path[128], q[512];
	const char *what;
	uint64_t t0;
	int s, u;

	memset(&r, 0, sizeof r);
	snprintf(rc_path, sizeof rc_path, "%s/resolv.conf", d);
	snprintf(ns_path, sizeof ns_path, "%s/nsswitch.conf", d);
	if ((what = silent_unshare()) != NULL)
		silent_report(&r, fd, what);
	/* Private first: a bind mount must not reach the host's /etc. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		silent_report(&r, fd, "mount --make-rprivate /");
	if (put_file(rc_path, "nameserver 127.0.0.1\n"
	    "options timeout:30 attempts:3\n", O_CREAT | O_TRUNC) != 0 ||
	    put_file(ns_path, "hosts: files dns\n", O_CREAT | O_TRUNC) != 0)
		silent_report(&r, fd, "write the resolver configuration");
	if (mount(rc_path, "/etc/resolv.conf", NULL, MS_BIND, NULL) != 0)
		silent_report(&r, fd, "bind mount on /etc/resolv.conf");
	/* Without nsswitch.conf glibc asks DNS anyway. */
	if (mount(ns_path, "/etc/nsswitch.conf", NULL, MS_BIND, NULL) != 0 &&
	    errno != ENOENT)
		silent_report(&r, fd, "bind mount on /etc/nsswitch.conf");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		silent_report(&r, fd, "SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		silent_report(&r, fd, "SIOCSIFFLAGS lo up");
	/* Bound and never read: queries vanish instead of being refused. */
	u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(53);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (u < 0 || bind(u, (struct sockaddr *)&sa, sizeof sa) != 0)
		silent_report(&r, fd, "bind 127.0.0.1:53");
	alarm(SILENT_GUARD);
	t0 = P.now_ms(P.ctx);
	r.rc = P.connect(P.ctx, SILENT_NAME, 443, SILENT_TIMEOUT);
	r.ms = (long)(P.now_ms(P.ctx) - t0);
	r.query = (long)recv(u, q, sizeof q, MSG_DONTWAIT | MSG_PEEK);
	r.ready = 1;
	silent_report(&r, fd, NULL);
}

/* connect() gives up on a name whose resolver never answers within its
 * timeout, having asked that resolver. */
static void
test_silent_resolver(void)
{
	struct silent r;
	char d[64];
	int p[2], st = 0;
	ssize_t n;
	pid_t pid;

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	memset(&r, 0, sizeof r);
	fflush(NULL);
	if (pipe(p) != 0 || (pid = fork()) < 0) {
		CHECKF(0, "pipe/fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		silent_child(p[1], d);
	}
	close(p[1]);
	n = read(p[0], &r, sizeof r);
	close(p[0]);
	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st))
		CHECKF(0, "the child was killed by signal %d: connect(\"%s\","
		    " %d ms) still blocked after %d s", WTERMSIG(st),
		    SILENT_NAME, SILENT_TIMEOUT, SILENT_GUARD);
	else if (n != (ssize_t)sizeof r)
		CHECKF(0, "the resolver child reported nothing (status %d)",
		    st);
	else if (!r.ready)
		CHECKF(0, "no namespace for a silent resolver (%s); this case"
		    " needs root or user namespaces", r.why);
	else {
		printf("port_posix: silent resolver: connect returned %d after"
		    " %ld ms (timeout %d ms)\n", r.rc, r.ms, SILENT_TIMEOUT);
		CHECKF(r.rc == -1, "connect returned %d", r.rc);
		CHECKF(r.ms >= SILENT_TIMEOUT - 50 && r.ms <= SILENT_MAX,
		    "connect took %ld ms with a %d ms timeout", r.ms,
		    SILENT_TIMEOUT);
		CHECKF(r.query > 0, "no query reached the silent resolver:"
		    " the lookup failed for another reason");
	}
	rm_dir(d);
}

/* connect() to a numeric address and to a name from /etc/hosts. */
static void
test_connect_ok(void)
{
	char d[64];
	uint64_t t0, ms;
	uint16_t port = 0;
	int l, h;

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	l = tcp_sock(1, &port);
	CHECK(l >= 0);
	t0 = P.now_ms(P.ctx);
	h = P.connect(P.ctx, "127.0.0.1", port, 1000);
	ms = P.now_ms(P.ctx) - t0;
	CHECKF(h >= 0, "connect to 127.0.0.1:%u failed", (unsigned)port);
	CHECKF(ms < 500, "connect to 127.0.0.1 took %lu ms",
	    (unsigned long)ms);
	if (h >= 0)
		P.close(P.ctx, h);
	h = P.connect(P.ctx, "localhost", port, 2000);
	CHECKF(h >= 0, "connect to localhost:%u failed", (unsigned)port);
	if (h >= 0)
		P.close(P.ctx, h);
	/* A lookup given no time at all: its result, if it comes after
	 * the caller gave up, is freed by the resolver (ASan would see a
	 * leak or a double free). */
	h = P.connect(P.ctx, "localhost", port, 0);
	if (h >= 0)
		P.close(P.ctx, h);
	usleep(300 * 1000);
	close(l);
	rm_dir(d);
}

/* Check that "blob" holds exactly want (when: the case, for the
 * message). */
static void
check_value(const char *want, const char *when)
{
	static char buf[sizeof big + 1];
	long n = P.load(P.ctx, "blob", buf, sizeof buf - 1);

	buf[n > 0 ? n : 0] = 0;
	CHECKF(n == (long)strlen(want) && strcmp(buf, want) == 0,
	    "%s: blob holds %ld bytes \"%.20s\", not \"%s\"", when, n,
	    buf, want);
}

/* Check that directory d holds only "blob", with exactly want. */
static void
check_blob(const char *d, const char *want, const char *when)
{
	char names[256];

	check_value(want, when);
	dir_list(d, names, sizeof names);
	CHECKF(strcmp(names, "blob") == 0, "%s: the directory holds \"%s\"",
	    when, names);
}

/* store() of a value larger than RLIMIT_FSIZE allows (SIGXFSZ ignored:
 * write fails with EFBIG) returns -1 and leaves the old value whole and
 * no temp file. */
static void
test_store_fails(void)
{
	char d[64];
	int st = 0;
	pid_t pid;

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	CHECK(P.store(P.ctx, "blob", "old contents", 12) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 };

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		_exit(P.store(P.ctx, "blob", big, sizeof big) == -1 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "store past RLIMIT_FSIZE: status %d (exit 1: it returned 0)", st);
	check_blob(d, "old contents", "after a failed store");
	rm_dir(d);
}

/* SIGXFSZ handler: die as if killed from outside. */
static void
die(int sig)
{
	(void)sig;
	kill(getpid(), SIGKILL);
}

/* A process killed (SIGKILL) in the middle of a store() -- after its
 * first 4 KB, when the write that crosses RLIMIT_FSIZE raises SIGXFSZ --
 * leaves the old value whole; the next store() succeeds and cleans up. */
static void
test_store_killed(void)
{
	char d[64], names[256];
	int st = 0;
	pid_t pid;

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	CHECK(P.store(P.ctx, "blob", "old contents", 12) == 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 4096, 4096 }, core = { 0, 0 };
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = die;
		sigaction(SIGXFSZ, &sa, NULL);
		if (setrlimit(RLIMIT_CORE, &core) != 0 ||
		    setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(2);
		P.store(P.ctx, "blob", big, sizeof big);
		_exit(3);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
	    "the storing child was not killed: status %d", st);
	check_value("old contents", "after a kill mid-store");
	dir_list(d, names, sizeof names);
	printf("port_posix: after a kill mid-store the directory holds:"
	    " %s\n", names);
	CHECK(P.store(P.ctx, "blob", "new", 3) == 0);
	check_blob(d, "new", "the store after the kill");
	rm_dir(d);
}

/* Names and the mode store() must give them. */
static const struct {
	const char *name;
	mode_t mode;
} modes[] = {
	{ "account.key", 0600 },
	{ "cert.key", 0600 },
	{ "cert.pem", 0644 },
	{ "chain.pem", 0644 },
};

static const mode_t masks[] = { 022, 0, 077 };

/* The mode of the file name in d, or 0 when it cannot be read. */
static mode_t
file_mode(const char *d, const char *name)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", d, name);
	return stat(path, &sb) == 0 ? (sb.st_mode & 07777) : 0;
}

/* ".key" files are 0600, others 0644: new files and replaced ones (the
 * old file had the other mode), under several umasks. */
static void
test_modes(void)
{
	char d[64], path[256];
	mode_t old = umask(022), m;
	size_t i, j;
	int fd;

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	for (i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		umask(masks[i]);
		for (j = 0; j < sizeof modes / sizeof modes[0]; j++) {
			T_CASE("%s[%u][%u]", __func__, (unsigned)i,
			    (unsigned)j);
			snprintf(path, sizeof path, "%s/%s", d, modes[j].name);
			unlink(path);
			CHECK(P.store(P.ctx, modes[j].name, "x", 1) == 0);
			m = file_mode(d, modes[j].name);
			CHECKF(m == modes[j].mode, "new %s, umask %03o: mode"
			    " %03o", modes[j].name, (unsigned)masks[i],
			    (unsigned)m);
			/* The old file has the other mode. */
			unlink(path);
			fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
			CHECK(fd >= 0 && write(fd, "old", 3) == 3);
			if (fd >= 0)
				close(fd);
			CHECK(chmod(path, modes[j].mode == 0600 ? 0644 :
			    0600) == 0);
			CHECK(P.store(P.ctx, modes[j].name, "y", 1) == 0);
			m = file_mode(d, modes[j].name);
			CHECKF(m == modes[j].mode, "replaced %s, umask %03o:"
			    " mode %03o", modes[j].name, (unsigned)masks[i],
			    (unsigned)m);
		}
	}
	umask(old);
	rm_dir(d);
}

/* accept() on listening handle lh, waiting up to a second for a
 * connection.  Returns what accept returned last. */
static int
accept_wait(int lh)
{
	struct pollfd p;
	int i, h = -2;

	for (i = 0; i < 100 && h == -2; i++) {
		h = P.accept(P.ctx, lh);
		if (h == -2) {
			p.fd = lh;
			p.events = POLLIN;
			p.revents = 0;
			poll(&p, 1, 10);
		}
	}
	return h;
}

#define NCONN (POSIX_PORT_MAX_FDS + 4)

/* With every slot of the handle table taken, accept() and connect()
 * return -1 and close the socket they got; a freed slot is usable. */
static void
test_slots(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	char d[64];
	int c[NCONN], h[NCONN], nc = 0, nh = 0, lh, r = -2, before = 0;
	uint16_t port = 0;

	CHECKF(POSIX_PORT_MAX_FDS >= 16, "POSIX_PORT_MAX_FDS is %d",
	    POSIX_PORT_MAX_FDS);
	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	lh = P.listen(P.ctx, 0);
	CHECK(lh >= 0);
	if (lh < 0 || getsockname(lh, (struct sockaddr *)&sa, &sl) != 0)
		goto out;
	port = ntohs(sa.sin_port);
	/* One slot is the listener's: MAX_FDS - 1 connections fit. */
	while (nc < NCONN) {
		c[nc] = tcp_sock(0, &port);
		CHECK(c[nc] >= 0);
		if (c[nc] < 0)
			break;
		nc++;
		before = fd_count();
		r = accept_wait(lh);
		if (r < 0)
			break;
		h[nh++] = r;
	}
	CHECKF(nh == POSIX_PORT_MAX_FDS - 1, "accepted %d connections with"
	    " %d slots", nh, POSIX_PORT_MAX_FDS);
	CHECKF(r == -1, "accept with no free slot returned %d", r);
	CHECKF(fd_count() == before, "open fds: %d, were %d", fd_count(),
	    before);
	if (r == -1)
		CHECKF(peer_closed(c[nc - 1]), "the refused connection is"
		    " still open");
	before = fd_count();
	r = P.connect(P.ctx, "127.0.0.1", port, 1000);
	CHECKF(r == -1, "connect with no free slot returned %d", r);
	CHECKF(fd_count() == before, "open fds: %d, were %d", fd_count(),
	    before);
	if (r >= 0)
		P.close(P.ctx, r);
	/* Free one slot: the connection connect() made and dropped is
	 * waiting, and is accepted now. */
	if (nh > 0)
		P.close(P.ctx, h[--nh]);
	r = accept_wait(lh);
	CHECKF(r >= 0, "accept after a slot was freed returned %d", r);
	if (r >= 0)
		P.close(P.ctx, r);
out:
	while (nh > 0)
		P.close(P.ctx, h[--nh]);
	while (nc > 0)
		close(c[--nc]);
	if (lh >= 0)
		P.close(P.ctx, lh);
	rm_dir(d);
}

int
main(void)
{
	memset(big, 'x', sizeof big);
	T_RUN(test_silent_resolver);
	T_RUN(test_connect_ok);
	T_RUN(test_store_fails);
	T_RUN(test_store_killed);
	T_RUN(test_modes);
	T_RUN(test_slots);
	return t_done("port_posix");
}
