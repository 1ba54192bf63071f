/*
 * der.c -- see der.h.
 *
 * Every write checks that it fits in front of w->pos before touching the
 * buffer, so a failed write never stores a byte, and once w->err is set
 * every later call is a no-op.  Only definite lengths (X.690 8.1.3) are
 * produced: the short form below 128, else the long form with 1 to 4
 * length bytes, always minimal as DER (X.690 10.1) requires.
 */
#include <string.h>
#include "der.h"
#include "acme_err.h"

/* Most length bytes in the long form: lengths up to 2^32 - 1. */
#define DER_LEN_BYTES 4

/*
 * Set up w to write backwards into buf (cap bytes).  buf may be NULL only
 * when cap is 0; every write then fails.
 */
void
der_init(struct der_w *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->pos = w->cap;
	w->err = 0;
}

/*
 * Bytes written so far: the mark der_wrap() takes.  Still meaningful after
 * an error (it no longer grows).
 */
size_t
der_len(const struct der_w *w)
{
	return w->cap - w->pos;
}

/*
 * Prepend len bytes of data (data may be NULL when len is 0).  Sets the
 * sticky error, writing nothing, when they do not fit.
 */
void
der_raw(struct der_w *w, const void *data, size_t len)
{
	if (w->err)
		return;
	if (len > w->pos) {
		w->err = 1;
		return;
	}
	w->pos -= len;
	if (len > 0)
		memmove(w->buf + w->pos, data, len);
}

/*
 * Prepend the identifier and length octets for content of len bytes.
 * A length needing more than DER_LEN_BYTES bytes is an error (never
 * reached in practice: picoacme's buffers are a few KB).
 */
static void
der_header(struct der_w *w, uint8_t tag, size_t len)
{
	uint8_t h[2 + DER_LEN_BYTES];
	size_t i = sizeof h;

	if (w->err)
		return;
	if (len < 0x80) {
		h[--i] = (uint8_t)len;
	} else {
		/* X.690 8.1.3.5: 0x80 | count, then big-endian, minimal. */
		while (len > 0 && i > sizeof h - DER_LEN_BYTES) {
			h[--i] = (uint8_t)(len & 0xFF);
			len >>= 8;
		}
		if (len > 0) {
			w->err = 1;
			return;
		}
		h[i - 1] = (uint8_t)(0x80 | (sizeof h - i));
		i--;
	}
	h[--i] = tag;
	der_raw(w, h + i, sizeof h - i);
}

/*
 * Prepend a whole primitive TLV: tag, the length of data, then data.
 */
void
der_prim(struct der_w *w, uint8_t tag, const void *data, size_t len)
{
	der_raw(w, data, len);
	der_header(w, tag, len);
}

/*
 * Prepend tag and length around everything written since mark.  A mark
 * beyond what is written (a caller bug) sets the sticky error.
 */
void
der_wrap(struct der_w *w, uint8_t tag, size_t mark)
{
	size_t cur = der_len(w);

	if (w->err)
		return;
	if (mark > cur) {
		w->err = 1;
		return;
	}
	der_header(w, tag, cur - mark);
}

/*
 * Prepend an INTEGER holding the non-negative big-endian value be[0..len).
 * X.690 8.3.2: minimal two's complement, so leading zero bytes go and a
 * 0x00 comes back when the top bit of the first byte is set; an empty or
 * all-zero value encodes as 02 01 00.
 */
void
der_uint(struct der_w *w, const uint8_t *be, size_t len)
{
	static const uint8_t zero = 0x00;
	size_t mark = der_len(w);

	while (len > 0 && be[0] == 0x00) {
		be++;
		len--;
	}
	if (len == 0) {
		der_prim(w, DER_INTEGER, &zero, 1);
		return;
	}
	der_raw(w, be, len);
	if (be[0] & 0x80)
		der_raw(w, &zero, 1);
	der_wrap(w, DER_INTEGER, mark);
}

/*
 * Prepend a BIT STRING of whole bytes: X.690 8.6.2, the first content
 * byte is the count of unused bits, here 0.
 */
void
der_bits(struct der_w *w, const void *data, size_t len)
{
	static const uint8_t unused = 0x00;
	size_t mark = der_len(w);

	der_raw(w, data, len);
	der_raw(w, &unused, 1);
	der_wrap(w, DER_BIT_STRING, mark);
}

/*
 * Hand out what is written: ACME_OK with *out and *len set, or
 * ACME_ERR_TOO_LARGE (out and len untouched) after any failed write.
 */
int
der_finish(const struct der_w *w, const uint8_t **out, size_t *len)
{
	if (w->err)
		return ACME_ERR_TOO_LARGE;
	*out = w->buf + w->pos;
	*len = w->cap - w->pos;
	return ACME_OK;
}

/*
 * Read one element (X.690 8.1): identifier, length, content.  The long
 * length form takes 1 to 3 bytes; the indefinite form (0x80) and a
 * multi-byte tag (low bits 11111) are refused, as DER never needs them
 * here.
 */
int
der_get(const uint8_t *p, const uint8_t *end, struct der_tlv *t)
{
	size_t len, n;

	if (p == NULL || end == NULL || p >= end || end - p < 2 ||
	    (p[0] & 0x1F) == 0x1F)
		return -1;
	t->tag = p[0];
	len = p[1];
	p += 2;
	if (len & 0x80) {
		n = len & 0x7F;
		if (n == 0 || n > 3 || (size_t)(end - p) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = (len << 8) | *p++;
	}
	if ((size_t)(end - p) < len)
		return -1;
	t->val = p;
	t->len = len;
	t->next = p + len;
	return 0;
}

int
der_get_tag(const uint8_t *p, const uint8_t *end, uint8_t tag,
    struct der_tlv *t)
{
	return der_get(p, end, t) == 0 && t->tag == tag ? 0 : -1;
}
