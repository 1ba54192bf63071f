/*
 * port.h -- what a platform gives picoacme.
 *
 * A port is one struct of function pointers plus a context pointer that
 * is passed back to every call.  TLS lives in core, so the transport is a
 * plain byte pipe.  Handles are small non-negative ints chosen by the
 * port.  Every function may be called only from the thread that drives
 * acme_step().
 *
 * Transport contract (like BearSSL's br_sslio callbacks):
 *  - send/recv are never called with len 0;
 *  - they return the number of bytes done (> 0), 0 when nothing can be
 *    done right now (would block; the core retries after idle()), or -1
 *    on error.  End of stream (peer closed) is -1 for recv.
 *  - A blocking port may block in send/recv, but for a bounded time
 *    (at most about a second), returning 0 when nothing came, so the core
 *    can keep its own deadlines.
 */
#ifndef ACME_PORT_H
#define ACME_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Names one commit may hold (port stage/commit below). */
#define ACME_PORT_STAGE_MAX 4

enum acme_log_level {
	ACME_LOG_ERROR = 0, ACME_LOG_WARN = 1, ACME_LOG_INFO = 2,
	ACME_LOG_DEBUG = 3
};

struct acme_port {
	void *ctx;

	/* Open a TCP connection to host (a name or a numeric address) and
	 * port within timeout_ms.  Returns a handle >= 0 or -1. */
	int (*connect)(void *ctx, const char *host, uint16_t port,
	    uint32_t timeout_ms);
	int (*send)(void *ctx, int h, const void *buf, size_t len);
	int (*recv)(void *ctx, int h, void *buf, size_t len);
	void (*close)(void *ctx, int h);

	/* Listen on TCP port (all local addresses), non-blocking.  Returns a
	 * handle >= 0 or -1.  accept() returns a connection handle, -2 when
	 * no connection is waiting, or -1 on error.  The connection's
	 * send/recv follow the transport contract above. */
	int (*listen)(void *ctx, uint16_t port);
	int (*accept)(void *ctx, int lh);

	/* Monotonic milliseconds (any origin). */
	uint64_t (*now_ms)(void *ctx);
	/* Seconds since 1970-01-01 UTC, or 0 when the wall clock is not
	 * known.  TLS certificate validation needs it. */
	uint64_t (*unix_time)(void *ctx);
	/* Fill buf with len bytes from a cryptographic source.  Returns 0,
	 * or -1 when no entropy is available (never fall back to rand()). */
	int (*entropy)(void *ctx, void *buf, size_t len);

	/* Storage of small named blobs ("account.key", "cert.pem", ...).
	 * load returns the length (<= cap), -1 when absent, -2 on error or
	 * when the blob is larger than cap.  store is atomic: after a power
	 * cut the old value or the new one is there, never a mix; names
	 * ending in ".key" are secret (mode 0600 on POSIX).  Returns 0 or
	 * -1. */
	long (*load)(void *ctx, const char *name, void *buf, size_t cap);
	int (*store)(void *ctx, const char *name, const void *buf,
	    size_t len);

	/* A blob read in pieces, so that one longer than any buffer of the
	 * core (the certificate chain, up to ACME_MAX_CHAIN) needs none of
	 * its size: up to cap (> 0) bytes of name from byte offset into
	 * buf.  Returns how many were read (> 0; may be fewer than cap
	 * before the end), 0 when offset is at or past the end, -1 when the
	 * blob is absent, -2 on error.  The core reads a blob from offset 0
	 * on, each call at the end of the last one; every call stands alone
	 * (no handle is kept between them), so a store or commit between
	 * two of them may mix versions: only one writer runs at a time.  A
	 * flash port copies from the current slot at offset; the POSIX port
	 * opens the file and reads at offset (pread). */
	long (*load_at)(void *ctx, const char *name, size_t offset,
	    void *buf, size_t cap);

	/* Blobs that must change together (the certificate and its key) are
	 * written as one commit.  stage() appends len bytes to the next
	 * version of blob name (the first stage() of a name since the last
	 * commit or discard starts that version empty; a name may be staged
	 * in several pieces, so a large chain can be streamed); load() does
	 * not see staged data.  commit() makes every staged blob current at
	 * once: whatever happens during it (a power cut, a killed process,
	 * a full disk), load() afterwards returns the old versions of all of
	 * them or the new versions of all of them, never a mix and never
	 * nothing where there was something.  discard() drops what is staged
	 * (also after a failed stage or commit).  stage and commit return 0
	 * or -1.  At most ACME_PORT_STAGE_MAX names per commit; names ending
	 * in ".key" are secret.
	 *
	 * A flash port does this with two slots per blob set and a commit
	 * record: stage() erases and programs the inactive slot, commit()
	 * writes a record (sequence number + 1, a checksum over the slot) in
	 * one atomic page write; load() reads the slot of the newest record
	 * whose checksum holds.  The POSIX port writes a new generation
	 * directory and switches a symlink (port/posix/port_posix.h). */
	int (*stage)(void *ctx, const char *name, const void *buf,
	    size_t len);
	int (*commit)(void *ctx);
	void (*discard)(void *ctx);

	/* One line of text without a newline.  May be NULL. */
	void (*log)(void *ctx, int level, const char *msg);

	/* Wait up to ms milliseconds for I/O or time to pass; a bare-metal
	 * port polls its network driver and stack timers here.  May return
	 * early.  May be NULL (the driver then spins on acme_step()). */
	void (*idle)(void *ctx, uint32_t ms);
};

#endif
