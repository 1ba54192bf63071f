/*
 * json.h -- reading JSON with jsmn (strict, in place, no tree) and
 * writing it with an escaping writer.  json.c is the one translation unit
 * that includes jsmn.h.
 *
 * Reading: json_parse() tokenizes a buffer the caller owns into a token
 * array the caller owns.  Tokens are referred to by index; -1 means
 * "absent".  Strings are raw spans in the buffer: json_string() unescapes
 * one into a bounded destination (\uXXXX including surrogate pairs to
 * UTF-8; a \u0000 is rejected).
 *
 * Writing: struct json_w appends to a caller buffer, inserting commas and
 * escaping strings; the first overflow makes it sticky-failed and
 * json_w_finish() returns ACME_ERR_TOO_LARGE.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

/* Opaque to callers except through the functions below; jsmntok_t is
 * layout-compatible (start, end, size, type; with parent links off). */
/* Same values as Debian's jsmn 1.0 jsmntype_t (json.c checks this).  An
 * enum, not an int, like jsmntype_t: with the ARM EABI's short enums
 * (arm-none-eabi-gcc's default) both are one byte, elsewhere both int. */
enum json_type { JSON_UNDEFINED = 0, JSON_OBJECT = 1, JSON_ARRAY = 2,
	JSON_STRING = 3, JSON_PRIMITIVE = 4 };

struct json_tok {
	enum json_type type;
	int start;
	int end;
	int size;
};

struct json_doc {
	const char *js;
	size_t len;
	struct json_tok *tok;
	int ntok;
};

/* Parse js[0..len) into tok[0..cap).  The root must be an object or an
 * array.  Returns ACME_OK, ACME_ERR_TOO_LARGE when cap tokens are not
 * enough, ACME_ERR_JSON when the text is not valid (strict) JSON. */
int json_parse(struct json_doc *d, const char *js, size_t len,
    struct json_tok *tok, unsigned cap);

/* Index of the value of key in object token obj, or -1. */
int json_get(const struct json_doc *d, int obj, const char *key);

/* Index of the token after t and all its children (for walking), or
 * d->ntok at the end. */
int json_skip(const struct json_doc *d, int t);

/* Number of elements of array t (-1 when t is not an array), and the
 * index of element i (-1 when out of range). */
int json_array_len(const struct json_doc *d, int t);
int json_array_item(const struct json_doc *d, int t, int i);

/* Type of token t, JSON_UNDEFINED when t is -1. */
int json_type(const struct json_doc *d, int t);

/* Unescape string token t into dst (with NUL).  Returns the length, or
 * ACME_ERR_JSON (not a string, bad escape, NUL), or ACME_ERR_TOO_LARGE
 * (does not fit cap - 1). */
int json_string(const struct json_doc *d, int t, char *dst, size_t cap);

/* 1 when t is a string whose raw text equals s (no escapes in s). */
int json_str_eq(const struct json_doc *d, int t, const char *s);

/* 1 when t is the primitive true. */
int json_is_true(const struct json_doc *d, int t);

#define JSON_W_DEPTH 8

struct json_w {
	char *buf;
	size_t cap;
	size_t len;
	int err;
	int depth;
	unsigned char first[JSON_W_DEPTH];
	unsigned char after_key;
};

void json_w_init(struct json_w *w, char *buf, size_t cap);
void json_w_obj_begin(struct json_w *w);
void json_w_obj_end(struct json_w *w);
void json_w_arr_begin(struct json_w *w);
void json_w_arr_end(struct json_w *w);
void json_w_key(struct json_w *w, const char *key);
void json_w_str(struct json_w *w, const char *s);
void json_w_strn(struct json_w *w, const char *s, size_t n);
void json_w_bool(struct json_w *w, int v);
void json_w_uint(struct json_w *w, unsigned long v);
/* Returns the length written (buf is NUL-terminated) or
 * ACME_ERR_TOO_LARGE / ACME_ERR_PARAM (unbalanced, depth > JSON_W_DEPTH). */
int json_w_finish(struct json_w *w);

#endif
