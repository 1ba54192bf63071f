/*
 * nonce.h -- nonce discipline (RFC 8555 6.5, 7.2; DESIGN.md section 5).
 *
 * The client holds at most one unused nonce.  Every response offers one
 * (nonce_take); a value that is not base64url, does not fit
 * ACME_MAX_NONCE, or was already sent (a cache replayed it) is dropped.
 * nonce_use hands the held nonce out exactly once and remembers a hash of
 * it in a small ring.
 */
#ifndef NONCE_H
#define NONCE_H

#include <stddef.h>
#include <stdint.h>
#include "acme_config.h"

struct nonce_state {
	char cur[ACME_MAX_NONCE + 1];
	unsigned char have;
	unsigned ring_pos;
	uint64_t ring[ACME_NONCE_RING];
	/* counters, read through acme_counters() */
	uint32_t stale;     /* values dropped because they were sent before */
	uint32_t invalid;   /* values dropped as malformed or too long */
};

void nonce_init(struct nonce_state *n);

/*
 * Offer a Replay-Nonce value (len bytes, not NUL-terminated; too_long 1
 * when the transport saw a value over the limit).  Returns 1 when it
 * became the held nonce, 0 when it was dropped (counted).
 */
int nonce_take(struct nonce_state *n, const char *v, size_t len,
    int too_long);

/* 1 when a nonce is held. */
int nonce_have(const struct nonce_state *n);

/*
 * Copy the held nonce into out (ACME_MAX_NONCE + 1 bytes), remember it as
 * sent and forget it.  Returns 1, or 0 when none is held.
 */
int nonce_use(struct nonce_state *n, char *out);

/* Forget the held nonce (e.g. after an error that may have used it). */
void nonce_drop(struct nonce_state *n);

#endif
