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
 *
 * stage/commit/discard (blobs that change together, kept in
 * generations): commit, replace, discard, names refused, modes, a
 * crash's leftovers, the migration from plain files; a commit killed
 * (SIGKILL) or failed (ENOSPC, EIO) at each of its storage calls, in
 * the old and the new layout, by tests/tools/faultshim.c around the
 * helper tests/tools/port_commit_child (both found in the build
 * directory; this executable, built with ASan, does not preload the
 * shim itself); the order of its fsyncs, replayed from the shim's log
 * (a kill loses nothing the kernel holds, a power cut does); read-only
 * directories.  load_at(): offsets at the start, inside, at and past
 * the end, short caps, absent names, both layouts, a long blob in pieces.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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

/* remove() for nftw. */
static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	remove(path);
	return 0;
}

/* Remove directory d and everything in it. */
static void
rm_dir(const char *d)
{
	nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS);
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

/*
 * stage/commit/discard: blobs that change together (port.h), kept by the
 * POSIX port in generations (port_posix.h).
 */

/* A certificate pair: the chain and its key. */
struct pair {
	const char *pem, *key;
};

static const struct pair OLD = {
	"-----OLD CHAIN----- leaf 0123456789, issuer abcdefghij",
	"-----OLD KEY----- 9876543210",
};
static const struct pair NEW = {
	"-----NEW CHAIN----- leaf ABCDEFGHIJKLMNOPQRSTUVWXYZ, issuer 42",
	"-----NEW KEY----- zyxwvutsrqponmlkjihgfedcba",
};
static const struct pair NEXT = {
	"-----NEXT CHAIN----- three",
	"-----NEXT KEY----- three",
};

#define ACCOUNT_KEY "account key: not part of the pair"

/* Blob name as P loads it into buf (cap >= 2), "" when load fails.
 * Returns what load returned. */
static long
load_str(const char *name, char *buf, size_t cap)
{
	long n = P.load(P.ctx, name, buf, cap - 1);

	buf[n > 0 ? n : 0] = 0;
	return n;
}

/* Which pair P's directory shows: 0 for *a, 1 for *b, or -1 (what it
 * shows then into why). */
static int
pair_is(const struct pair *a, const struct pair *b, char *why, size_t cap)
{
	char pem[256], key[256];
	long np = load_str("cert.pem", pem, sizeof pem);
	long nk = load_str("cert.key", key, sizeof key);

	if (strcmp(pem, a->pem) == 0 && strcmp(key, a->key) == 0)
		return 0;
	if (b != NULL && strcmp(pem, b->pem) == 0 && strcmp(key, b->key) == 0)
		return 1;
	snprintf(why, cap, "cert.pem (%ld) \"%.40s\", cert.key (%ld)"
	    " \"%.40s\"", np, pem, nk, key);
	return -1;
}

/* Check that P's directory shows pair *p. */
static void
check_pair(const struct pair *p, const char *when)
{
	char why[200];

	CHECKF(pair_is(p, NULL, why, sizeof why) == 0, "%s: %s", when, why);
}

/* Stage pair *p through P, in pieces of 3 bytes taken in turn, and
 * commit.  Returns commit's result, or -1 when a stage failed. */
static int
pair_commit(const struct pair *p)
{
	size_t lp = strlen(p->pem), lk = strlen(p->key), off;

	for (off = 0; off < lp || off < lk; off += 3) {
		if (off < lp && P.stage(P.ctx, "cert.pem", p->pem + off,
		    lp - off < 3 ? lp - off : 3) != 0)
			return -1;
		if (off < lk && P.stage(P.ctx, "cert.key", p->key + off,
		    lk - off < 3 ? lk - off : 3) != 0)
			return -1;
	}
	return P.commit(P.ctx);
}

/* Make P a port on d holding pair *p and account.key: as two plain files
 * written by store() (layout 0, the old layout) or by one commit (layout
 * 1).  Returns 0 or -1. */
static int
pair_setup(const char *d, int layout, const struct pair *p)
{
	posix_port_init(&P, &PP, d, 0);
	if (P.store(P.ctx, "account.key", ACCOUNT_KEY,
	    strlen(ACCOUNT_KEY)) != 0)
		return -1;
	if (layout == 1)
		return pair_commit(p);
	return (P.store(P.ctx, "cert.pem", p->pem, strlen(p->pem)) == 0 &&
	    P.store(P.ctx, "cert.key", p->key, strlen(p->key)) == 0) ? 0 : -1;
}

/* scandir's filter: every name but "." and "..". */
static int
not_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

/* The names in directory d, sorted, "gen.<number>" written "gen.N",
 * joined by spaces, into out. */
static void
dir_sorted(const char *d, char *out, size_t cap)
{
	struct dirent **v;
	int i, n = scandir(d, &v, not_dots, alphasort);

	out[0] = 0;
	for (i = 0; i < n; i++) {
		const char *s = v[i]->d_name;

		if (strncmp(s, "gen.", 4) == 0 && s[4] >= '0' && s[4] <= '9' &&
		    strspn(s + 4, "0123456789") == strlen(s + 4))
			s = "gen.N";
		if (out[0] != 0)
			strncat(out, " ", cap - strlen(out) - 1);
		strncat(out, s, cap - strlen(out) - 1);
		free(v[i]);
	}
	if (n >= 0)
		free(v);
}

/* Check that directory d holds exactly want (sorted names as
 * dir_sorted() writes them) and that d/live holds the pair only. */
static void
check_dir(const char *d, const char *want, const char *when)
{
	char got[512], live[300];

	dir_sorted(d, got, sizeof got);
	CHECKF(strcmp(got, want) == 0, "%s: the directory holds \"%s\", not"
	    " \"%s\"", when, got, want);
	snprintf(live, sizeof live, "%s/live", d);
	dir_sorted(live, got, sizeof got);
	CHECKF(strcmp(got, "cert.key cert.pem") == 0, "%s: live holds"
	    " \"%s\"", when, got);
}

#define CLEAN_DIR "account.key cert.key cert.pem gen.N live"

/* The link d/name points to, into out ("" when it is no link). */
static void
link_of(const char *d, const char *name, char *out, size_t cap)
{
	char path[300];
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s", d, name);
	n = readlink(path, out, cap - 1);
	out[n > 0 ? n : 0] = 0;
}

/* The mode of d/name, following links when follow is set (0 when it
 * cannot be read). */
static mode_t
path_mode(const char *d, const char *name, int follow)
{
	char path[300];
	struct stat sb;
	int r;

	snprintf(path, sizeof path, "%s/%s", d, name);
	r = follow ? stat(path, &sb) : lstat(path, &sb);
	return r == 0 ? (sb.st_mode & 07777) : 0;
}

/* 1 when d/name exists (not following a link). */
static int
exists(const char *d, const char *name)
{
	char path[300];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", d, name);
	return lstat(path, &sb) == 0;
}

/* Commit, replace, discard, invisible staging, a commit of one name of
 * two, an empty commit. */
static void
test_commit(void)
{
	char d[64], buf[256], l[64];

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	CHECK(P.stage != NULL && P.commit != NULL && P.discard != NULL);
	T_CASE("%s: first commit", __func__);
	CHECK(P.stage(P.ctx, "cert.pem", "-----NEW ", 9) == 0);
	CHECK(P.stage(P.ctx, "cert.key", "KEY", 3) == 0);
	CHECK(P.stage(P.ctx, "cert.pem", "CHAIN", 5) == 0);
	CHECK(P.stage(P.ctx, "cert.key", "", 0) == 0);
	CHECK(P.stage(P.ctx, "cert.key", "!", 1) == 0);
	CHECKF(load_str("cert.pem", buf, sizeof buf) == -1, "staged, not"
	    " committed, yet load finds \"%s\"", buf);
	CHECK(load_str("cert.key", buf, sizeof buf) == -1);
	CHECK(P.commit(P.ctx) == 0);
	CHECK(load_str("cert.pem", buf, sizeof buf) == 14 &&
	    strcmp(buf, "-----NEW CHAIN") == 0);
	CHECK(load_str("cert.key", buf, sizeof buf) == 4 &&
	    strcmp(buf, "KEY!") == 0);
	link_of(d, "cert.pem", l, sizeof l);
	CHECKF(strcmp(l, "live/cert.pem") == 0, "cert.pem -> \"%s\"", l);
	link_of(d, "cert.key", l, sizeof l);
	CHECKF(strcmp(l, "live/cert.key") == 0, "cert.key -> \"%s\"", l);
	link_of(d, "live", l, sizeof l);
	CHECKF(strncmp(l, "gen.", 4) == 0, "live -> \"%s\"", l);

	T_CASE("%s: a second commit replaces both", __func__);
	CHECK(P.store(P.ctx, "account.key", ACCOUNT_KEY,
	    strlen(ACCOUNT_KEY)) == 0);
	CHECK(P.stage(P.ctx, "cert.pem", OLD.pem, 10) == 0);
	CHECK(P.stage(P.ctx, "cert.pem", OLD.pem + 10,
	    strlen(OLD.pem) - 10) == 0);
	CHECK(P.stage(P.ctx, "cert.key", OLD.key, strlen(OLD.key)) == 0);
	CHECK(load_str("cert.pem", buf, sizeof buf) == 14);
	CHECK(P.commit(P.ctx) == 0);
	check_pair(&OLD, "after the second commit");
	check_dir(d, CLEAN_DIR, "after the second commit");

	T_CASE("%s: discard leaves the old pair", __func__);
	CHECK(P.stage(P.ctx, "cert.pem", NEW.pem, strlen(NEW.pem)) == 0);
	CHECK(P.stage(P.ctx, "cert.key", NEW.key, strlen(NEW.key)) == 0);
	check_pair(&OLD, "staged, not committed");
	P.discard(P.ctx);
	check_pair(&OLD, "after discard");
	CHECK(!exists(d, ".staging"));
	CHECK(P.commit(P.ctx) == 0);    /* nothing staged: nothing done */
	check_pair(&OLD, "an empty commit after discard");
	check_dir(d, CLEAN_DIR, "after discard");
	CHECK(pair_commit(&NEW) == 0);
	check_pair(&NEW, "a commit after discard");

	T_CASE("%s: a commit of one name keeps the other", __func__);
	CHECK(P.stage(P.ctx, "cert.pem", "only the chain", 14) == 0);
	CHECK(P.commit(P.ctx) == 0);
	CHECK(load_str("cert.pem", buf, sizeof buf) == 14 &&
	    strcmp(buf, "only the chain") == 0);
	CHECKF(load_str("cert.key", buf, sizeof buf) ==
	    (long)strlen(NEW.key) && strcmp(buf, NEW.key) == 0,
	    "cert.key holds \"%s\"", buf);
	check_dir(d, CLEAN_DIR, "after a commit of one name");
	rm_dir(d);
}

/* One load_at() call and what it must give. */
static const struct {
	size_t off, cap;
	long want;              /* the result; > 0: bytes from off */
} ranges[] = {
	{ 0, 4, 4 }, { 0, 1, 1 }, { 0, 300, -3 }, { 7, 3, 3 }, { 7, 300, -3 },
	{ 1, 1, 1 }, { 99, 1, 0 }, { 99, 300, 0 }, { 1000, 8, 0 },
	{ (size_t)-1, 8, 0 }, { (size_t)-1 / 2, 300, 0 },
};

/*
 * Every row of ranges[] on blob name, whose value is want (shorter than
 * 99 bytes).  -3 in a row: the rest of want from off.
 */
static void
check_ranges(const char *name, const char *want, const char *when)
{
	char buf[300];
	size_t i, wl = strlen(want), k;
	long n, exp;

	for (i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
		exp = ranges[i].want == -3 ? (long)(wl - ranges[i].off) :
		    ranges[i].want;
		if (ranges[i].off >= wl && ranges[i].off < 99)
			exp = 0;
		else if (exp > 0 && ranges[i].off + (size_t)exp > wl)
			exp = (long)(wl - ranges[i].off);
		memset(buf, '#', sizeof buf);
		n = P.load_at(P.ctx, name, ranges[i].off, buf, ranges[i].cap);
		CHECKF(n == exp, "%s: %s at %zu cap %zu: %ld, want %ld", when,
		    name, ranges[i].off, ranges[i].cap, n, exp);
		CHECKF(n <= 0 || memcmp(buf, want + ranges[i].off,
		    (size_t)n) == 0, "%s: %s at %zu: \"%.*s\"", when, name,
		    ranges[i].off, n > 0 ? (int)n : 0, buf);
		for (k = n > 0 ? (size_t)n : 0; k < sizeof buf; k++)
			if (buf[k] != '#')
				break;
		CHECKF(k == sizeof buf, "%s: %s at %zu: byte %zu written",
		    when, name, ranges[i].off, k);
	}
}

/* load_at(): ranges of a plain file and of the pair in generations,
 * staged data invisible, absent names, a long blob read in pieces. */
static void
test_load_at(void)
{
	static char back[sizeof big];
	char d[64], path[300];
	size_t off;
	long n;
	int ok;

	tmp_dir(d, sizeof d);
	posix_port_init(&P, &PP, d, 0);
	T_CASE("%s: absent", __func__);
	CHECK(P.load_at != NULL);
	CHECK(P.load_at(P.ctx, "cert.pem", 0, back, 8) == -1);
	CHECK(P.load_at(P.ctx, "cert.pem", 5, back, 8) == -1);

	T_CASE("%s: a plain file (store(), the old layout)", __func__);
	CHECK(P.store(P.ctx, "cert.pem", OLD.pem, strlen(OLD.pem)) == 0);
	check_ranges("cert.pem", OLD.pem, "plain file");
	CHECK(P.store(P.ctx, "empty", "", 0) == 0);
	CHECK(P.load_at(P.ctx, "empty", 0, back, 8) == 0);

	T_CASE("%s: generations, through live", __func__);
	CHECK(pair_commit(&NEW) == 0);
	check_ranges("cert.pem", NEW.pem, "first commit");
	check_ranges("cert.key", NEW.key, "first commit");
	CHECK(P.stage(P.ctx, "cert.pem", NEXT.pem, strlen(NEXT.pem)) == 0);
	check_ranges("cert.pem", NEW.pem, "staged, not committed");
	P.discard(P.ctx);
	CHECK(pair_commit(&OLD) == 0);
	check_ranges("cert.pem", OLD.pem, "second commit");
	check_ranges("cert.key", OLD.key, "second commit");
	link_of(d, "live", path, sizeof path);
	CHECKF(strncmp(path, "gen.", 4) == 0, "live -> \"%s\"", path);

	T_CASE("%s: a long blob in pieces equals the whole", __func__);
	for (off = 0; off < sizeof big; off++)
		big[off] = (char)('a' + off * 7 % 26);
	for (off = 0; off < sizeof big; off += 1000)
		CHECK(P.stage(P.ctx, "cert.pem", big + off, sizeof big - off <
		    1000 ? sizeof big - off : 1000) == 0);
	CHECK(P.commit(P.ctx) == 0);
	for (off = 0, ok = 1; ok; off += (size_t)n) {
		n = P.load_at(P.ctx, "cert.pem", off, back + off,
		    sizeof back - off < 3000 ? sizeof back - off : 3000);
		ok = n > 0;
		if (n == 0)
			break;
	}
	CHECKF(n == 0 && off == sizeof big && memcmp(back, big,
	    sizeof big) == 0, "read %zu bytes, last %ld", off, n);
	memset(big, 'x', sizeof big);

	T_CASE("%s: not a file", __func__);
	snprintf(path, sizeof path, "%s/sub", d);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(P.load_at(P.ctx, "sub", 0, back, 8) == -2);
	rm_dir(d);
}

/* Names stage() refuses, and what a refused stage does to the commit
 * that follows. */
static const struct {
	const char *names[ACME_PORT_STAGE_MAX + 2];  /* the last refused */
} bad_names[] = {
	{ { "cert.pem", "a/b" } },
	{ { "../cert.pem" } },
	{ { ".hidden" } },
	{ { ".staging" } },
	{ { "cert.pem", "live" } },
	{ { "live.tmp" } },
	{ { "gen.3" } },
	{ { "" } },
	{ { "cert.pem", "0123456789012345678901234567890123456789"
	    "012345678901234567890123" } },
	{ { "a", "b", "c", "d", "e" } },
	{ { "a", "b", "c", "cert.pem", "cert.key" } },
};

static void
test_commit_names(void)
{
	char d[64];
	size_t i, j;

	tmp_dir(d, sizeof d);
	CHECK(pair_setup(d, 1, &OLD) == 0);
	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		const char *const *n = bad_names[i].names;

		T_CASE("%s[%u]", __func__, (unsigned)i);
		for (j = 0; n[j + 1] != NULL; j++)
			CHECKF(P.stage(P.ctx, n[j], "x", 1) == 0,
			    "stage(\"%s\") failed", n[j]);
		CHECKF(P.stage(P.ctx, n[j], "x", 1) == -1, "stage(\"%s\")"
		    " after %u names was taken", n[j], (unsigned)j);
		CHECKF(P.commit(P.ctx) == -1, "commit after a refused"
		    " stage(\"%s\") succeeded", n[j]);
		CHECKF(P.commit(P.ctx) == -1, "a retried commit, without"
		    " discard, succeeded");
		CHECKF(P.stage(P.ctx, "cert.pem", "x", 1) == -1, "a stage"
		    " after the failed commit, without discard, worked");
		check_pair(&OLD, "after a refused name");
		P.discard(P.ctx);
	}
	T_CASE("%s: the limit itself", __func__);
	for (j = 0; j < ACME_PORT_STAGE_MAX - 2; j++) {
		char name[8];

		snprintf(name, sizeof name, "n%u", (unsigned)j);
		CHECK(P.stage(P.ctx, name, "x", 1) == 0);
	}
	CHECK(pair_commit(&NEW) == 0);
	check_pair(&NEW, "a commit of ACME_PORT_STAGE_MAX names");
	rm_dir(d);
}

static const mode_t commit_masks[] = { 0, 077, 022, 0277 };

/* ".key" blobs are 0600 and others 0644, staged and committed, whatever
 * the umask; .staging is 0700, a generation 0755. */
static void
test_commit_modes(void)
{
	char d[64];
	mode_t old = umask(022), m;
	size_t i;

	for (i = 0; i < sizeof commit_masks / sizeof commit_masks[0]; i++) {
		T_CASE("%s: umask %03o", __func__, (unsigned)commit_masks[i]);
		tmp_dir(d, sizeof d);
		posix_port_init(&P, &PP, d, 0);
		umask(commit_masks[i]);
		CHECK(P.stage(P.ctx, "cert.key", "k", 1) == 0);
		CHECK(P.stage(P.ctx, "cert.pem", "p", 1) == 0);
		CHECK(P.stage(P.ctx, "cert.key", "k", 1) == 0);
		CHECKF((m = path_mode(d, ".staging", 0)) == 0700,
		    ".staging: mode %03o", (unsigned)m);
		CHECKF((m = path_mode(d, ".staging/cert.key", 0)) == 0600,
		    "staged cert.key: mode %03o", (unsigned)m);
		CHECKF((m = path_mode(d, ".staging/cert.pem", 0)) == 0644,
		    "staged cert.pem: mode %03o", (unsigned)m);
		CHECK(P.commit(P.ctx) == 0);
		CHECKF((m = path_mode(d, "cert.key", 1)) == 0600,
		    "cert.key: mode %03o", (unsigned)m);
		CHECKF((m = path_mode(d, "cert.pem", 1)) == 0644,
		    "cert.pem: mode %03o", (unsigned)m);
		CHECKF((m = path_mode(d, "live", 1)) == 0755,
		    "the generation: mode %03o", (unsigned)m);
		umask(022);
		rm_dir(d);
	}
	umask(old);
}

/* Leftovers of a crash: a stale .staging (with a file of a staged name
 * and another), a stale generation, live.tmp and .link.tmp, and in the
 * old layout the migration's generation gen.0 half made. */
static void
test_commit_stale(void)
{
	char d[64], path[128], names[256];
	int layout;

	for (layout = 0; layout < 2; layout++) {
		T_CASE("%s: %s layout", __func__, layout ? "new" : "old");
		tmp_dir(d, sizeof d);
		CHECK(pair_setup(d, layout, &OLD) == 0);
		posix_port_init(&P, &PP, d, 0);  /* a new process */
		snprintf(path, sizeof path, "%s/.staging", d);
		CHECK(mkdir(path, 0700) == 0);
		snprintf(path, sizeof path, "%s/.staging/cert.pem", d);
		CHECK(put_file(path, "STALE", O_CREAT) == 0);
		snprintf(path, sizeof path, "%s/.staging/junk", d);
		CHECK(put_file(path, "STALE", O_CREAT) == 0);
		snprintf(path, sizeof path, "%s/gen.%d", d, layout ? 1 : 0);
		CHECK(mkdir(path, 0755) == 0);
		snprintf(path, sizeof path, "%s/gen.%d/cert.pem", d,
		    layout ? 1 : 0);
		CHECK(put_file(path, "STALE", O_CREAT) == 0);
		snprintf(path, sizeof path, "%s/live.tmp", d);
		CHECK(symlink("gen.1", path) == 0);
		snprintf(path, sizeof path, "%s/.link.tmp", d);
		CHECK(symlink("live/cert.pem", path) == 0);
		check_pair(&OLD, "with the leftovers");
		CHECK(P.stage(P.ctx, "cert.pem", "n", 1) == 0);
		snprintf(path, sizeof path, "%s/.staging", d);
		dir_sorted(path, names, sizeof names);
		CHECKF(strcmp(names, "cert.pem") == 0, ".staging holds \"%s\""
		    " after the first stage", names);
		P.discard(P.ctx);
		CHECK(pair_commit(&NEW) == 0);
		check_pair(&NEW, "the commit after a crash");
		check_dir(d, CLEAN_DIR, "the commit after a crash");
		rm_dir(d);
	}
}

/* The build directory's tool rel (faultshim.so, tests/port_commit_child)
 * into out: this executable is <build>/san/tests/test_port_posix.
 * Returns 0 when it exists, else -1. */
static int
tool_path(const char *rel, char *out, size_t cap)
{
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	int i;

	if (n < 0)
		return -1;
	exe[n] = 0;
	for (i = 0; i < 3; i++) {
		char *s = strrchr(exe, '/');

		if (s == NULL)
			return -1;
		*s = 0;
	}
	snprintf(out, cap, "%s/%s", exe, rel);
	return access(out, R_OK) == 0 ? 0 : -1;
}

static char shim_so[512], commit_child[512];

/* Find the fault shim and the commit helper.  Returns 0, or -1 (a failed
 * CHECK said why). */
static int
tools_found(void)
{
	if (tool_path("faultshim.so", shim_so, sizeof shim_so) != 0 ||
	    tool_path("tests/port_commit_child", commit_child,
	    sizeof commit_child) != 0) {
		CHECKF(0, "no %s or %s: make builds them", shim_so,
		    commit_child);
		return -1;
	}
	return 0;
}

/* Run the commit helper on d with pair *p under the fault shim, which
 * acts on call at (0: never) in mode ("kill" or "fail") with errno err
 * and logs the calls to log.  Returns the wait status, or -1. */
static int
run_child(const char *d, long at, const char *mode, const char *err,
    const char *log, const struct pair *p)
{
	char e[6][600], pem[300], key[300];
	char *env[7], *argv[5];
	int i, st;
	pid_t pid;

	snprintf(e[0], sizeof e[0], "LD_PRELOAD=%s", shim_so);
	snprintf(e[1], sizeof e[1], "FAULTSHIM_DIR=%s", d);
	snprintf(e[2], sizeof e[2], "FAULTSHIM_AT=%ld", at);
	snprintf(e[3], sizeof e[3], "FAULTSHIM_MODE=%s", mode);
	snprintf(e[4], sizeof e[4], "FAULTSHIM_ERRNO=%s", err);
	snprintf(e[5], sizeof e[5], "FAULTSHIM_LOG=%s", log);
	for (i = 0; i < 6; i++)
		env[i] = e[i];
	env[6] = NULL;
	snprintf(pem, sizeof pem, "cert.pem=%s", p->pem);
	snprintf(key, sizeof key, "cert.key=%s", p->key);
	argv[0] = commit_child;
	argv[1] = (char *)d;
	argv[2] = pem;
	argv[3] = key;
	argv[4] = NULL;
	fflush(NULL);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		execve(commit_child, argv, env);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* Line k (from 1) of file log into out, without its newline ("" when
 * there is none). */
static void
log_line(const char *log, long k, char *out, size_t cap)
{
	FILE *f = fopen(log, "r");
	long i;

	out[0] = 0;
	if (f == NULL)
		return;
	for (i = 1; fgets(out, (int)cap, f) != NULL; i++) {
		if (i == k) {
			out[strcspn(out, "\n")] = 0;
			fclose(f);
			return;
		}
	}
	out[0] = 0;
	fclose(f);
}

/* Run a commit of NEW over OLD (in the old or the new layout) in the
 * helper, cut (mode "kill": SIGKILL; "fail": that call fails with err)
 * at its k-th storage call, for k = 1, 2, ... until the shim acts no
 * more (the commit ran uncut).  After each cut: the directory shows OLD
 * or NEW whole (NEW when the helper's commit returned 0, OLD when a
 * stage failed), account.key is untouched, a failed transaction was
 * discarded, and the next commit works and leaves a clean directory.
 * Prints the runs and the states found. */
static void
commit_cut(int layout, const char *mode, const char *err)
{
	char d[64], log[128], step[600], why[200], acct[64];
	const char *lay = layout ? "new" : "old";
	int kill_mode = strcmp(mode, "kill") == 0, st, code, which;
	int runs = 0, broken = 0, nold = 0, nnew = 0, rc1new = 0;
	long k;

	if (tools_found() != 0)
		return;
	snprintf(log, sizeof log, "/tmp/t_port_posix.log.%d", (int)getpid());
	for (k = 1; k <= 1000; k++) {
		int ok = 1;

		tmp_dir(d, sizeof d);
		if (pair_setup(d, layout, &OLD) != 0) {
			CHECKF(0, "cannot set up the old pair in %s", d);
			rm_dir(d);
			break;
		}
		unlink(log);
		st = run_child(d, k, mode, err, log, &NEW);
		log_line(log, k, step, sizeof step);
		if (strstr(step, kill_mode ? " KILL" : " FAIL") == NULL) {
			/* The shim did not act: the commit ran uncut. */
			CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			    "%s layout, uncut commit: status %d", lay, st);
			check_pair(&NEW, "the uncut commit");
			check_dir(d, CLEAN_DIR, "the uncut commit");
			rm_dir(d);
			break;
		}
		runs++;
		posix_port_init(&P, &PP, d, 0);
		which = pair_is(&OLD, &NEW, why, sizeof why);
		code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (kill_mode && !(WIFSIGNALED(st) &&
		    WTERMSIG(st) == SIGKILL)) {
			ok = 0;
			snprintf(why, sizeof why, "not killed: status %d", st);
		} else if (!kill_mode && (code < 0 || code > 2)) {
			ok = 0;
			snprintf(why, sizeof why, "helper status %d", st);
		} else if (which < 0) {
			ok = 0;
		} else if (!kill_mode && code == 0 && which != 1) {
			ok = 0;
			snprintf(why, sizeof why, "commit returned 0, the old"
			    " pair is there");
		} else if (!kill_mode && code == 2 && which != 0) {
			ok = 0;
			snprintf(why, sizeof why, "a stage failed, the new"
			    " pair is there");
		} else if (!kill_mode && code != 0 && exists(d, ".staging")) {
			ok = 0;
			snprintf(why, sizeof why, "discard left .staging");
		} else if (load_str("account.key", acct, sizeof acct) !=
		    (long)strlen(ACCOUNT_KEY) ||
		    strcmp(acct, ACCOUNT_KEY) != 0) {
			ok = 0;
			snprintf(why, sizeof why, "account.key is \"%s\"",
			    acct);
		} else if (pair_commit(&NEXT) != 0 ||
		    pair_is(&NEXT, NULL, why, sizeof why) != 0) {
			ok = 0;
			snprintf(why, sizeof why, "the commit after it"
			    " failed");
		} else {
			dir_sorted(d, why, sizeof why);
			ok = strcmp(why, CLEAN_DIR) == 0;
		}
		if (ok) {
			nold += which == 0;
			nnew += which == 1;
			rc1new += which == 1 && code == 1;
		} else {
			broken++;
			if (broken <= 5)
				fprintf(stderr, "port_posix: %s layout, %s%s%s"
				    " at call %s: broken: %s\n", lay, mode,
				    kill_mode ? "" : " ", kill_mode ? "" : err,
				    step, why);
		}
		rm_dir(d);
	}
	unlink(log);
	printf("port_posix: %s layout, commit %s%s at k=1..%ld: %d runs, %d"
	    " broken (old pair %d, new pair %d", lay,
	    kill_mode ? "killed" : "failed with ", kill_mode ? "" : err,
	    k - 1, runs, broken, nold, nnew);
	if (!kill_mode)
		printf(", of which commit returned -1: %d", rc1new);
	printf(")\n");
	CHECKF(broken == 0, "%s layout, %s: %d broken states of %d", lay,
	    mode, broken, runs);
	CHECKF(runs >= 10 && nold > 0 && nnew > 0, "%s layout, %s: %d runs"
	    " (old %d, new %d): the shim counted nothing?", lay, mode, runs,
	    nold, nnew);
}

/* A commit killed (SIGKILL) at each of its storage calls. */
static void
test_commit_killed(void)
{
	T_CASE("%s: old layout", __func__);
	commit_cut(0, "kill", "ENOSPC");
	T_CASE("%s: new layout", __func__);
	commit_cut(1, "kill", "ENOSPC");
}

/* A commit whose k-th storage call fails (ENOSPC, EIO), for each k. */
static void
test_commit_fails(void)
{
	static const char *const errs[] = { "ENOSPC", "EIO" };
	int layout;
	size_t i;

	for (layout = 0; layout < 2; layout++)
		for (i = 0; i < sizeof errs / sizeof errs[0]; i++) {
			T_CASE("%s: %s layout, %s", __func__,
			    layout ? "new" : "old", errs[i]);
			commit_cut(layout, "fail", errs[i]);
		}
}

/* The migration from plain files keeps the old content until the
 * switch: killed just before the rename that makes the new generation
 * live, the names are links already and show the old pair. */
static void
test_commit_migrate(void)
{
	char d[64], log[128], line[600], l[64], want[600];
	long k, last = 0;
	mode_t m;
	int st;

	T_CASE("%s: the old layout loads, and commits", __func__);
	tmp_dir(d, sizeof d);
	CHECK(pair_setup(d, 0, &OLD) == 0);
	CHECKF((m = path_mode(d, "cert.pem", 0)) == 0644, "mode %03o",
	    (unsigned)m);
	check_pair(&OLD, "the old layout");
	CHECK(pair_commit(&NEW) == 0);
	check_pair(&NEW, "after the migration");
	link_of(d, "cert.pem", l, sizeof l);
	CHECKF(strcmp(l, "live/cert.pem") == 0, "cert.pem -> \"%s\"", l);
	link_of(d, "cert.key", l, sizeof l);
	CHECKF(strcmp(l, "live/cert.key") == 0, "cert.key -> \"%s\"", l);
	CHECKF((m = path_mode(d, "account.key", 0)) == 0600,
	    "account.key: mode %03o, no longer a plain file?", (unsigned)m);
	check_dir(d, CLEAN_DIR, "after the migration");
	rm_dir(d);

	T_CASE("%s: killed at the switch", __func__);
	if (tools_found() != 0)
		return;
	snprintf(log, sizeof log, "/tmp/t_port_posix.log.%d", (int)getpid());
	tmp_dir(d, sizeof d);
	CHECK(pair_setup(d, 0, &OLD) == 0);
	unlink(log);
	st = run_child(d, 0, "kill", "ENOSPC", log, &NEW);
	CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	snprintf(want, sizeof want, " %s/live.tmp -> %s/live", d, d);
	for (k = 1; log_line(log, k, line, sizeof line), line[0] != 0; k++)
		if (strstr(line, want) != NULL)
			last = k;
	CHECKF(last > 0, "no rename of live.tmp over live in %s", log);
	rm_dir(d);
	tmp_dir(d, sizeof d);
	CHECK(pair_setup(d, 0, &OLD) == 0);
	unlink(log);
	st = run_child(d, last, "kill", "ENOSPC", log, &NEW);
	CHECKF(WIFSIGNALED(st), "status %d", st);
	posix_port_init(&P, &PP, d, 0);
	check_pair(&OLD, "killed at the switch");
	link_of(d, "cert.pem", l, sizeof l);
	CHECKF(strcmp(l, "live/cert.pem") == 0, "cert.pem -> \"%s\"", l);
	link_of(d, "cert.key", l, sizeof l);
	CHECKF(strcmp(l, "live/cert.key") == 0, "cert.key -> \"%s\"", l);
	unlink(log);
	rm_dir(d);
}

/* The durability model of test_commit_durable: paths whose data or
 * entries were changed and not fsynced since. */
#define DIRTY_MAX 64
static char dirty[DIRTY_MAX][300];
static int ndirty;

/* Find path p in the dirty set: its index or -1. */
static int
dirty_find(const char *p)
{
	int i;

	for (i = 0; i < ndirty; i++)
		if (strcmp(dirty[i], p) == 0)
			return i;
	return -1;
}

/* Mark p dirty (set) or clean (!set). */
static void
dirty_mark(const char *p, int set)
{
	int i = dirty_find(p);

	if (set && i < 0 && ndirty < DIRTY_MAX)
		snprintf(dirty[ndirty++], sizeof dirty[0], "%s", p);
	if (!set && i >= 0)
		memcpy(dirty[i], dirty[--ndirty], sizeof dirty[0]);
}

/* Mark the directory holding p dirty. */
static void
dirty_parent(const char *p)
{
	char d[300];
	char *s;

	snprintf(d, sizeof d, "%s", p);
	if ((s = strrchr(d, '/')) != NULL) {
		*s = 0;
		dirty_mark(d, 1);
	}
}

/* A rename of a to b: what was dirty under a is dirty under b. */
static void
dirty_move(const char *a, const char *b)
{
	size_t al = strlen(a);
	char t[700];
	int i, n;

	for (i = 0; i < ndirty; i++) {
		if (strncmp(dirty[i], a, al) != 0 ||
		    (dirty[i][al] != 0 && dirty[i][al] != '/'))
			continue;
		n = snprintf(t, sizeof t, "%s%s", b, dirty[i] + al);
		if (n > 0 && (size_t)n < sizeof dirty[0])
			memcpy(dirty[i], t, (size_t)n + 1);
	}
}

/* Is p, or anything under it, dirty?  Its name into out. */
static int
dirty_under(const char *p, char *out, size_t cap)
{
	size_t pl = strlen(p);
	int i;

	for (i = 0; i < ndirty; i++)
		if (strncmp(dirty[i], p, pl) == 0 &&
		    (dirty[i][pl] == 0 || dirty[i][pl] == '/')) {
			snprintf(out, cap, "%s", dirty[i]);
			return 1;
		}
	return 0;
}

/* Replay the shim's log of a commit in d against the durability model:
 * at each rename over d/live, d itself and the generation the new live
 * names (its entries and its files' data) must have been fsynced since
 * they last changed, and the last such rename must be followed by an
 * fsync of d.  Returns the number of renames over live; what broke the
 * rule into why ("" when nothing). */
static int
durable_replay(const char *d, const char *log, char *why, size_t cap)
{
	char line[700], call[32], a[300], b[300], live[300], tmp[300];
	char target[300] = "", gen[700], bad[300];
	long k, n;
	int switches = 0, after_switch = 0;

	why[0] = 0;
	ndirty = 0;
	snprintf(live, sizeof live, "%s/live", d);
	snprintf(tmp, sizeof tmp, "%s/live.tmp", d);
	for (k = 1; log_line(log, k, line, sizeof line), line[0] != 0; k++) {
		b[0] = 0;
		if (sscanf(line, "%ld %31s %299s -> %299s", &n, call, a, b) < 3)
			continue;
		if (after_switch && !(strcmp(call, "fsync") == 0 &&
		    strcmp(a, d) == 0) && why[0] == 0)
			snprintf(why, cap, "call %ld (%s %s) comes before the"
			    " fsync of the directory after the switch", n,
			    call, a);
		after_switch = 0;
		if (strcmp(call, "write") == 0) {
			dirty_mark(a, 1);
		} else if (strcmp(call, "fsync") == 0 ||
		    strcmp(call, "fdatasync") == 0) {
			dirty_mark(a, 0);
		} else if (strncmp(call, "open", 4) == 0) {
			dirty_mark(a, 1);
			dirty_parent(a);
		} else if (strncmp(call, "link", 4) == 0 ||
		    strncmp(call, "symlink", 7) == 0) {
			dirty_parent(b);
			if (call[0] == 's' && strcmp(b, tmp) == 0)
				snprintf(target, sizeof target, "%s", a);
		} else if (strncmp(call, "rename", 6) == 0) {
			if (strcmp(b, live) == 0) {
				switches++;
				snprintf(gen, sizeof gen, "%s/%s", d, target);
				bad[0] = 0;
				if (dirty_find(d) >= 0)
					snprintf(bad, sizeof bad, "%s", d);
				else
					dirty_under(gen, bad, sizeof bad);
				if (bad[0] != 0 && why[0] == 0)
					snprintf(why, cap, "call %ld makes %s"
					    " live with %s not fsynced", n,
					    target, bad);
				after_switch = 1;
			}
			dirty_move(a, b);
			dirty_parent(a);
			dirty_parent(b);
		} else {
			dirty_parent(a);        /* mkdir, unlink, rmdir */
		}
	}
	if (after_switch && why[0] == 0)
		snprintf(why, cap, "the switch is the last call: no fsync of"
		    " the directory after it");
	return switches;
}

/* The order of a commit's calls makes it durable: replayed from the
 * shim's log (durable_replay), in both layouts. */
static void
test_commit_durable(void)
{
	char d[64], log[128], why[700];
	int layout, st, sw;

	if (tools_found() != 0)
		return;
	snprintf(log, sizeof log, "/tmp/t_port_posix.log.%d", (int)getpid());
	for (layout = 0; layout < 2; layout++) {
		T_CASE("%s: %s layout", __func__, layout ? "new" : "old");
		tmp_dir(d, sizeof d);
		CHECK(pair_setup(d, layout, &OLD) == 0);
		unlink(log);
		st = run_child(d, 0, "kill", "ENOSPC", log, &NEW);
		CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
		sw = durable_replay(d, log, why, sizeof why);
		CHECKF(why[0] == 0, "%s layout: %s", layout ? "new" : "old",
		    why);
		CHECKF(sw == 2 - layout, "%s layout: %d switches of live",
		    layout ? "new" : "old", sw);
		printf("port_posix: %s layout, durability order: live switched"
		    " %d time(s), %s\n", layout ? "new" : "old", sw,
		    why[0] == 0 ? "each after the fsyncs it needs" : why);
		unlink(log);
		rm_dir(d);
	}
}

/* lchown() for nftw: give the file to the uid and gid in chown_to. */
static uid_t chown_to;

static int
chown_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return lchown(path, chown_to, (gid_t)chown_to);
}

/* Read-only bits of the child of test_commit_readonly (its exit status:
 * 0 when all held). */
#define RO_STAGE_RW     1       /* stage on the writable dir failed */
#define RO_COMMIT       2       /* commit on the read-only dir worked */
#define RO_STAGE_RO     4       /* stage on the read-only dir worked */
#define RO_SETUP        8       /* the read-only dir could not be made */
#define RO_RETRY        16      /* commit retried without discard worked */

/* The child: stage NEW on d (still writable), make d read-only (how:
 * 0 a read-only bind mount in a new mount namespace, 1 mode 0500 as an
 * unprivileged user), commit, commit again, discard, stage again.  Never
 * returns. */
static void
ro_child(const char *d, int how)
{
	int r = 0;

	if (how == 0) {
		if (silent_unshare() != NULL ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount(d, d, NULL, MS_BIND, NULL) != 0)
			_exit(RO_SETUP);
	} else if (getuid() == 0 && (setgid(65534) != 0 ||
	    setuid(65534) != 0)) {
		_exit(RO_SETUP);
	}
	posix_port_init(&P, &PP, d, 0);
	if (P.stage(P.ctx, "cert.pem", NEW.pem, strlen(NEW.pem)) != 0 ||
	    P.stage(P.ctx, "cert.key", NEW.key, strlen(NEW.key)) != 0)
		r |= RO_STAGE_RW;
	if (how == 0 ? mount(NULL, d, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
	    NULL) != 0 : chmod(d, 0500) != 0)
		_exit(RO_SETUP);
	if (P.commit(P.ctx) != -1)
		r |= RO_COMMIT;
	if (P.commit(P.ctx) != -1)
		r |= RO_RETRY;
	P.discard(P.ctx);
	if (P.stage(P.ctx, "cert.pem", "x", 1) != -1)
		r |= RO_STAGE_RO;
	P.discard(P.ctx);
	_exit(r);
}

/* stage() and commit() on a read-only directory fail and leave the old
 * pair (old and new layout; a read-only bind mount, and mode 0500 for a
 * user who is not root, since root ignores modes). */
static void
test_commit_readonly(void)
{
	static const char *const hows[] = { "read-only bind mount",
	    "mode 0500, uid 65534" };
	char d[64];
	int layout, how, st;
	pid_t pid;

	for (how = 0; how < 2; how++)
		for (layout = 0; layout < 2; layout++) {
			T_CASE("%s: %s, %s layout", __func__, hows[how],
			    layout ? "new" : "old");
			tmp_dir(d, sizeof d);
			CHECK(pair_setup(d, layout, &OLD) == 0);
			chown_to = 65534;
			if (how == 1 && getuid() == 0)
				CHECK(nftw(d, chown_one, 16, FTW_PHYS) == 0);
			fflush(NULL);
			if ((pid = fork()) == 0)
				ro_child(d, how);
			CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
			CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			    "%s: status %d (exit: 1 stage failed while"
			    " writable, 2 commit worked, 4 stage worked, 8"
			    " no read-only directory, 16 a retried commit"
			    " worked)", hows[how], st);
			chmod(d, 0700);
			posix_port_init(&P, &PP, d, 0);
			check_pair(&OLD, hows[how]);
			CHECK(pair_commit(&NEXT) == 0);
			check_pair(&NEXT, "the commit after it");
			check_dir(d, CLEAN_DIR, "the commit after it");
			rm_dir(d);
		}
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
	T_RUN(test_commit);
	T_RUN(test_load_at);
	T_RUN(test_commit_names);
	T_RUN(test_commit_modes);
	T_RUN(test_commit_stale);
	T_RUN(test_commit_migrate);
	T_RUN(test_commit_durable);
	T_RUN(test_commit_killed);
	T_RUN(test_commit_fails);
	T_RUN(test_commit_readonly);
	return t_done("port_posix");
}
