/*
 * nonce.c -- see nonce.h.
 */
#include <string.h>
#include "nonce.h"
#include "b64url.h"

/* FNV-1a, 64 bits: the ring only needs to recognise repeats. */
static uint64_t
nonce_hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h | 1;   /* 0 marks an empty ring slot */
}

void
nonce_init(struct nonce_state *n)
{
	memset(n, 0, sizeof *n);
}

static int
nonce_seen(const struct nonce_state *n, uint64_t h)
{
	unsigned i;

	for (i = 0; i < ACME_NONCE_RING; i++)
		if (n->ring[i] == h)
			return 1;
	return 0;
}

int
nonce_take(struct nonce_state *n, const char *v, size_t len, int too_long)
{
	/* RFC 8555 6.5.1: the value is base64url; ignore anything else. */
	if (too_long || len > ACME_MAX_NONCE || !b64url_is_alphabet(v, len)) {
		n->invalid++;
		return 0;
	}
	if (nonce_seen(n, nonce_hash(v, len))) {
		/* A nonce we sent already: a cache served it.  Never reuse. */
		n->stale++;
		return 0;
	}
	memcpy(n->cur, v, len);
	n->cur[len] = 0;
	n->have = 1;
	return 1;
}

int
nonce_have(const struct nonce_state *n)
{
	return n->have;
}

int
nonce_use(struct nonce_state *n, char *out)
{
	size_t len;

	if (!n->have)
		return 0;
	len = strlen(n->cur);
	memcpy(out, n->cur, len + 1);
	n->ring[n->ring_pos] = nonce_hash(n->cur, len);
	n->ring_pos = (n->ring_pos + 1) % ACME_NONCE_RING;
	nonce_drop(n);
	return 1;
}

void
nonce_drop(struct nonce_state *n)
{
	memset(n->cur, 0, sizeof n->cur);
	n->have = 0;
}
