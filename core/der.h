/*
 * der.h -- a minimal DER writer (ITU-T X.690) for the CSR, and a reader
 * of one element at a time for the certificates picoacme checks.
 *
 * The writer fills the caller's buffer from the END towards the start, so
 * every length is known when its header is written and nothing is moved.
 * Write the innermost/last element first.  Any overflow makes the writer
 * sticky-failed.  The encoding is at w->buf + w->pos, w->cap - w->pos
 * bytes long.
 */
#ifndef DER_H
#define DER_H

#include <stddef.h>
#include <stdint.h>

struct der_w {
	uint8_t *buf;
	size_t cap;
	size_t pos;   /* start of what is written; cap when empty */
	int err;
};

#define DER_BOOLEAN 0x01
#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTF8_STRING 0x0C
#define DER_PRINTABLE_STRING 0x13
#define DER_IA5_STRING 0x16
#define DER_UTC_TIME 0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CONTEXT(n) (0xA0 | (n))     /* constructed, context n */
#define DER_CONTEXT_PRIM(n) (0x80 | (n)) /* primitive, context n */

void der_init(struct der_w *w, uint8_t *buf, size_t cap);
/* Bytes written so far (a mark to pass to der_wrap later). */
size_t der_len(const struct der_w *w);
/* Prepend raw bytes. */
void der_raw(struct der_w *w, const void *data, size_t len);
/* Prepend tag + length + content. */
void der_prim(struct der_w *w, uint8_t tag, const void *data, size_t len);
/* Prepend tag + length around everything written since mark (a
 * der_len() taken before the content was written). */
void der_wrap(struct der_w *w, uint8_t tag, size_t mark);
/* Prepend a non-negative INTEGER from big-endian bytes (leading zeros
 * stripped, a 0x00 added when the top bit is set). */
void der_uint(struct der_w *w, const uint8_t *be, size_t len);
/* Prepend a BIT STRING with 0 unused bits. */
void der_bits(struct der_w *w, const void *data, size_t len);
/* Returns ACME_OK or ACME_ERR_TOO_LARGE; on success *out and *len are set. */
int der_finish(const struct der_w *w, const uint8_t **out, size_t *len);

/* One element read by der_get(): spans into the caller's bytes. */
struct der_tlv {
	uint8_t tag;            /* the identifier octet (tag numbers < 31) */
	const uint8_t *val;     /* the content */
	size_t len;
	const uint8_t *next;    /* the byte after the element */
};

/*
 * Read the element at p, which must end at or before end.  Only definite
 * lengths of at most 3 length bytes, and single-byte tags.  Returns 0, or
 * -1 when p is at end or the element is malformed or runs past end: the
 * input is untrusted (a server's certificate, a stored file).
 */
int der_get(const uint8_t *p, const uint8_t *end, struct der_tlv *t);

/* der_get() that also requires the tag: 0 or -1. */
int der_get_tag(const uint8_t *p, const uint8_t *end, uint8_t tag,
    struct der_tlv *t);

#endif
