/*
 * port_posix.h -- the picoacme port for Linux and other POSIX hosts:
 * TCP sockets with timeouts, getrandom(), CLOCK_MONOTONIC/CLOCK_REALTIME,
 * atomic file storage in one directory (temp file, fsync, rename, fsync
 * of the directory; ".key" files mode 0600), log to stderr.
 *
 * connect() keeps to its timeout from start to end, name lookup
 * included: a name (not a numeric address) is looked up by a detached
 * thread (link with -pthread), which is abandoned when the time is up
 * and frees its result when getaddrinfo() finally returns; at most four
 * such threads run at once (beyond that a lookup fails at once).  Time the
 * lookup leaves is what the TCP connect attempts share.
 *
 * send/recv wait up to io_wait_ms (250) on the client's connection, and
 * not at all on the http-01 responder's sockets, which idle() waits on.
 *
 * At most POSIX_PORT_MAX_FDS sockets (listeners and connections) are
 * open at once; beyond that connect(), listen() and accept() return -1
 * and close what they opened.
 *
 * Blobs that change together (stage/commit/discard, port.h) live in
 * generations, as certbot's live/archive layout does:
 *
 *   DIR/gen.7/cert.pem, DIR/gen.7/cert.key   one committed set
 *   DIR/live -> gen.7                        the current generation
 *   DIR/cert.pem -> live/cert.pem            one constant link per name
 *   DIR/cert.key -> live/cert.key
 *
 * so load(), load_at() and every other reader keep opening DIR/cert.pem
 * (load_at() opens it again at every call, and reads with pread()).
 * stage()
 * writes DIR/.staging/NAME (the directory mode 0700, a ".key" file 0600
 * and any other 0644, whatever the umask; the first stage() of a
 * transaction removes a staging directory a crash left).  commit()
 * fsyncs what was staged, renames .staging to gen.<N+1> (mode 0755: each
 * file's own mode guards it) and makes live name it by one rename of
 * the symlink live.tmp over live; then it removes the other
 * generations.  A committed name that was not staged again is carried
 * into the new generation (a hard link), so a commit of some of the names
 * leaves the others as they were.  discard() removes .staging.  After a
 * failed stage() (a bad name, a full disk) or commit(), every stage()
 * and commit() fails until discard(): a commit retried without it
 * cannot return 0 having stored nothing.
 *
 * The old layout, where DIR/cert.pem and DIR/cert.key are plain files
 * (store(), or picoacme before stage/commit), is taken over by the first
 * commit: it hard-links the files as they are into a generation of their
 * own, makes that one live, replaces each file by its link (each one
 * rename; both names then show the same old pair), and only then makes
 * the new generation live.  store() on a committed name works but makes
 * it a plain file again, which the next commit takes over the same way.
 * Reserved names, refused by stage(): "live", "live.tmp", "gen.*",
 * names beginning with '.' (".staging", ".link.tmp") or holding '/'.
 * One writer (store, stage, commit) per directory at a time.
 *
 * After a power cut or a kill anywhere in stage() or commit(), load()
 * finds all the old versions or all the new ones (port_posix.c walks
 * through every step): the switch is the rename over live, and every
 * step before it changes nothing a reader sees.  A full disk or an I/O
 * error makes commit() return -1 with the old set current, except an
 * error in the fsync of the directory right after the switch: -1 then
 * means "the new set is current, but may not survive a power cut".
 *
 * A concurrent reader -- a TLS server that opens DIR/cert.pem and then
 * DIR/cert.key while a commit runs -- resolves live once per open, so
 * when the switch falls between its two opens it gets the old chain and
 * the new key, and an old generation may vanish under it (commit()
 * removes it).  To read one set: open DIR/live once as a directory and
 * openat() both names relative to that descriptor; when either fails
 * with ENOENT a commit removed that generation meanwhile: start again.
 * Files are never changed in place, so an open file always holds one
 * whole version.
 */
#ifndef PORT_POSIX_H
#define PORT_POSIX_H

#include "port.h"

#define POSIX_PORT_MAX_FDS 16
/* The longest name stage() takes, plus its NUL. */
#define POSIX_PORT_NAME_MAX 64

struct posix_port {
	const char *dir;        /* storage directory */
	int verbose;            /* log INFO and DEBUG too */
	int fds[POSIX_PORT_MAX_FDS];
	unsigned char wake[POSIX_PORT_MAX_FDS];
	uint32_t io_wait_ms;    /* longest wait inside send/recv */
	uint32_t listen_addr;   /* the responder's IPv4 address (network
	                         * order); 0: every address (the default) */
	/* The transaction stage() has begun: 0 none, 1 open, -1 a stage
	 * failed (commit refuses); the names staged in it. */
	int txn;
	int nstaged;
	char staged[ACME_PORT_STAGE_MAX][POSIX_PORT_NAME_MAX];
	/* The last storage failure, for the user: what failed ("read",
	 * "write"), on which path, and its errno (0: none yet).  The library
	 * only hears -1; posix_port_error() says why. */
	const char *fail_op;
	char fail_path[512];
	int fail_errno;
};

/* "cannot read DIR/account.key: Permission denied" into buf (cap
 * bytes) for the last storage failure of pp: buf, or NULL when there
 * was none. */
const char *posix_port_error(const struct posix_port *pp, char *buf,
    size_t cap);

/* Fill port with the POSIX functions (storage in dir, stage, commit and
 * discard included) using pp as context.  dir must exist.  */
void posix_port_init(struct acme_port *port, struct posix_port *pp,
    const char *dir, int verbose);

#endif
