/*
 * json.c -- see json.h.  The one translation unit that includes jsmn.
 *
 * Reading is two passes over the text.  json_check() first validates it
 * against the RFC 8259 grammar (jsmn, even strict, accepts "[1,]",
 * "[1 2]", "{"a":}", "tru", "01", raw control characters in strings and
 * trailing garbage), using the caller's token array as its nesting stack.
 * jsmn then tokenizes text known to be valid, so its tokens are exactly
 * the tree.  Nesting deeper than the token array is ACME_ERR_TOO_LARGE,
 * as jsmn would need a token per level anyway.
 *
 * Writing never builds JSON with a format string: struct json_w escapes
 * every key and string, inserts commas by depth and fails stickily.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include "acme_err.h"
#include "str.h"
#include "json.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

/* struct json_tok must stay layout-compatible with jsmntok_t (Debian's
 * jsmn 1.0 without JSMN_PARENT_LINKS): a negative array size breaks the
 * build otherwise. */
#define JSON_ASSERT(name, cond) typedef char json_assert_##name[(cond) ? 1 : -1]
JSON_ASSERT(size, sizeof(struct json_tok) == sizeof(jsmntok_t));
JSON_ASSERT(type_size, sizeof(((jsmntok_t *)0)->type) ==
    sizeof(enum json_type));
JSON_ASSERT(type_off, offsetof(struct json_tok, type) ==
    offsetof(jsmntok_t, type));
JSON_ASSERT(start_off, offsetof(struct json_tok, start) ==
    offsetof(jsmntok_t, start));
JSON_ASSERT(end_off, offsetof(struct json_tok, end) ==
    offsetof(jsmntok_t, end));
JSON_ASSERT(size_off, offsetof(struct json_tok, size) ==
    offsetof(jsmntok_t, size));
JSON_ASSERT(undefined, JSON_UNDEFINED == (int)JSMN_UNDEFINED);
JSON_ASSERT(object, JSON_OBJECT == (int)JSMN_OBJECT);
JSON_ASSERT(array, JSON_ARRAY == (int)JSMN_ARRAY);
JSON_ASSERT(string, JSON_STRING == (int)JSMN_STRING);
JSON_ASSERT(primitive, JSON_PRIMITIVE == (int)JSMN_PRIMITIVE);

/* States of json_check(): what the next non-blank character may be. */
enum {
	JSON_S_ROOT,            /* '{' or '[' */
	JSON_S_VALUE,           /* any value */
	JSON_S_VALUE_OR_CLOSE,  /* any value or ']' (after '[') */
	JSON_S_KEY,             /* a string (after ',' in an object) */
	JSON_S_KEY_OR_CLOSE,    /* a string or '}' (after '{') */
	JSON_S_COLON,           /* ':' (after a key) */
	JSON_S_AFTER,           /* ',' or the close of the container */
	JSON_S_END              /* nothing: the root is closed */
};

/* 1 when c is JSON whitespace (RFC 8259 2). */
static int
json_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The four hex digits at js[i..i+4) (i + 4 <= end checked here) as a
 * number, or -1. */
static long
json_hex4(const char *js, size_t i, size_t end)
{
	long v = 0;
	size_t k;
	int h;

	if (end < 4 || i > end - 4)
		return -1;
	for (k = 0; k < 4; k++) {
		h = str_hex(js[i + k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/*
 * Check the string whose opening quote is at js[*i]; on success *i is
 * the index of the closing quote.  RFC 8259 7: no raw control character,
 * only the defined escapes.  (Surrogates and \u0000 are json_string()'s
 * business: the text is still JSON.)
 */
static int
json_check_string(const char *js, size_t len, size_t *i)
{
	size_t p = *i + 1;
	unsigned char c;

	for (; p < len; p++) {
		c = (unsigned char)js[p];
		if (c == '"') {
			*i = p;
			return ACME_OK;
		}
		if (c < 0x20)
			return ACME_ERR_JSON;
		if (c != '\\')
			continue;
		if (++p >= len)
			return ACME_ERR_JSON;
		switch (js[p]) {
		case '"': case '\\': case '/': case 'b': case 'f':
		case 'n': case 'r': case 't':
			break;
		case 'u':
			if (json_hex4(js, p + 1, len) < 0)
				return ACME_ERR_JSON;
			p += 4;
			break;
		default:
			return ACME_ERR_JSON;
		}
	}
	return ACME_ERR_JSON;
}

/* Run of decimal digits from js[*i]; returns how many were skipped. */
static size_t
json_digits(const char *js, size_t len, size_t *i)
{
	size_t p = *i;

	while (p < len && js[p] >= '0' && js[p] <= '9')
		p++;
	p -= *i;
	*i += p;
	return p;
}

/*
 * Check the primitive starting at js[*i] (RFC 8259 3 and 6): true,
 * false, null or  -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * On success *i is the index of its last character.  What follows is
 * checked by the caller's state machine ("truex", "01", "1.5.2" fail
 * there).
 */
static int
json_check_primitive(const char *js, size_t len, size_t *i)
{
	const char *lit = NULL;
	size_t p = *i, n;

	if (js[p] == 't')
		lit = "true";
	else if (js[p] == 'f')
		lit = "false";
	else if (js[p] == 'n')
		lit = "null";
	if (lit != NULL) {
		n = strlen(lit);
		if (len - p < n || memcmp(js + p, lit, n) != 0)
			return ACME_ERR_JSON;
		*i = p + n - 1;
		return ACME_OK;
	}
	if (js[p] == '-')
		p++;
	if (p < len && js[p] == '0')
		p++;
	else if (json_digits(js, len, &p) == 0)
		return ACME_ERR_JSON;
	if (p < len && js[p] == '.') {
		p++;
		if (json_digits(js, len, &p) == 0)
			return ACME_ERR_JSON;
	}
	if (p < len && (js[p] == 'e' || js[p] == 'E')) {
		p++;
		if (p < len && (js[p] == '+' || js[p] == '-'))
			p++;
		if (json_digits(js, len, &p) == 0)
			return ACME_ERR_JSON;
	}
	*i = p - 1;
	return ACME_OK;
}

/*
 * Validate js[0..len) as one JSON object or array, optionally surrounded
 * by whitespace.  stack[0..cap) is scratch: stack[d].type is the kind of
 * the container open at depth d.  Returns ACME_OK, ACME_ERR_JSON, or
 * ACME_ERR_TOO_LARGE when nesting exceeds cap.
 */
static int
json_check(const char *js, size_t len, struct json_tok *stack, unsigned cap)
{
	unsigned depth = 0;
	int st = JSON_S_ROOT, r;
	size_t i;
	char c;

	for (i = 0; i < len; i++) {
		c = js[i];
		if (json_is_ws(c))
			continue;
		switch (st) {
		case JSON_S_ROOT:
			if (c != '{' && c != '[')
				return ACME_ERR_JSON;
			/* FALLTHROUGH */
		case JSON_S_VALUE:
		case JSON_S_VALUE_OR_CLOSE:
			if (c == ']' && st == JSON_S_VALUE_OR_CLOSE)
				goto close;
			if (c == '{' || c == '[') {
				if (depth >= cap)
					return ACME_ERR_TOO_LARGE;
				stack[depth++].type = c == '{' ? JSON_OBJECT :
				    JSON_ARRAY;
				st = c == '{' ? JSON_S_KEY_OR_CLOSE :
				    JSON_S_VALUE_OR_CLOSE;
				break;
			}
			if (c == '"')
				r = json_check_string(js, len, &i);
			else
				r = json_check_primitive(js, len, &i);
			if (r != ACME_OK)
				return r;
			st = JSON_S_AFTER;
			break;
		case JSON_S_KEY:
		case JSON_S_KEY_OR_CLOSE:
			if (c == '}' && st == JSON_S_KEY_OR_CLOSE)
				goto close;
			if (c != '"' ||
			    json_check_string(js, len, &i) != ACME_OK)
				return ACME_ERR_JSON;
			st = JSON_S_COLON;
			break;
		case JSON_S_COLON:
			if (c != ':')
				return ACME_ERR_JSON;
			st = JSON_S_VALUE;
			break;
		case JSON_S_AFTER:
			if (c == ',') {
				st = stack[depth - 1].type == JSON_OBJECT ?
				    JSON_S_KEY : JSON_S_VALUE;
				break;
			}
			if (c != '}' && c != ']')
				return ACME_ERR_JSON;
close:
			if (stack[depth - 1].type !=
			    (c == '}' ? JSON_OBJECT : JSON_ARRAY))
				return ACME_ERR_JSON;
			depth--;
			st = depth == 0 ? JSON_S_END : JSON_S_AFTER;
			break;
		default:
			/* JSON_S_END: garbage after the root */
			return ACME_ERR_JSON;
		}
	}
	return st == JSON_S_END ? ACME_OK : ACME_ERR_JSON;
}

/*
 * Tokenize js[0..len) into tok[0..cap): see json.h.  d is always set;
 * on error it has no tokens, so every lookup answers "absent".
 */
int
json_parse(struct json_doc *d, const char *js, size_t len,
    struct json_tok *tok, unsigned cap)
{
	jsmn_parser p;
	jsmntok_t jt;
	struct json_tok t;
	int r, i;

	d->js = js;
	d->len = len;
	d->tok = tok;
	d->ntok = 0;
	if (js == NULL || tok == NULL)
		return ACME_ERR_PARAM;
	/* jsmn keeps offsets in int and counts tokens in int */
	if (len > INT_MAX || cap > INT_MAX)
		return ACME_ERR_TOO_LARGE;
	r = json_check(js, len, tok, cap);
	if (r != ACME_OK)
		return r;
	jsmn_init(&p);
	r = jsmn_parse(&p, js, len, (jsmntok_t *)(void *)tok, cap);
	if (r == JSMN_ERROR_NOMEM)
		return ACME_ERR_TOO_LARGE;
	if (r < 1)
		return ACME_ERR_JSON;
	/* Copy each token through memcpy (char accesses), so no compiler
	 * may assume the jsmntok_t stores and the struct json_tok loads
	 * that follow do not alias. */
	for (i = 0; i < r; i++) {
		memcpy(&jt, &tok[i], sizeof jt);
		t.type = (int)jt.type;
		t.start = jt.start;
		t.end = jt.end;
		t.size = jt.size;
		memcpy(&tok[i], &t, sizeof t);
	}
	if (tok[0].type != JSON_OBJECT && tok[0].type != JSON_ARRAY)
		return ACME_ERR_JSON;
	d->ntok = r;
	return ACME_OK;
}

/* 1 when t is a token index of d. */
static int
json_valid(const struct json_doc *d, int t)
{
	return d != NULL && t >= 0 && t < d->ntok;
}

/* Type of token t, JSON_UNDEFINED when t is absent. */
int
json_type(const struct json_doc *d, int t)
{
	/* an int as before (callers compare it with ints); 0..4 fits */
	return json_valid(d, t) ? (int)d->tok[t].type : JSON_UNDEFINED;
}

/* Index after t and its whole subtree; d->ntok when t is absent or the
 * last.  jsmn's size is the count of direct children for every token
 * (an object's keys, a key's value, an array's elements). */
int
json_skip(const struct json_doc *d, int t)
{
	long pending = 1;

	if (!json_valid(d, t))
		return d == NULL ? 0 : d->ntok;
	while (pending > 0 && t < d->ntok) {
		pending += d->tok[t].size - 1;
		t++;
	}
	return t;
}

/*
 * Decode one character of a string span: js[*i] (with *i < end) and,
 * for an escape, what follows.  Writes 1 to 4 UTF-8 bytes to out,
 * returns their count and moves *i past the input used; ACME_ERR_JSON
 * for a raw control character, a bad escape, a lone surrogate or \u0000.
 */
static int
json_unesc(const char *js, size_t *i, size_t end, unsigned char out[4])
{
	unsigned char c = (unsigned char)js[*i];
	long cp, lo;

	if (c < 0x20)
		return ACME_ERR_JSON;
	if (c != '\\') {
		out[0] = c;
		(*i)++;
		return 1;
	}
	if (*i + 1 >= end)
		return ACME_ERR_JSON;
	c = (unsigned char)js[*i + 1];
	*i += 2;
	switch (c) {
	case '"': case '\\': case '/':
		out[0] = c;
		return 1;
	case 'b': out[0] = '\b'; return 1;
	case 'f': out[0] = '\f'; return 1;
	case 'n': out[0] = '\n'; return 1;
	case 'r': out[0] = '\r'; return 1;
	case 't': out[0] = '\t'; return 1;
	case 'u':
		break;
	default:
		return ACME_ERR_JSON;
	}
	cp = json_hex4(js, *i, end);
	if (cp <= 0)    /* bad hex, or \u0000 which C strings cannot hold */
		return ACME_ERR_JSON;
	*i += 4;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return ACME_ERR_JSON;   /* low surrogate first */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		/* RFC 8259 7: a pair \uD8xx\uDCxx is one code point */
		if (*i + 6 > end || js[*i] != '\\' || js[*i + 1] != 'u')
			return ACME_ERR_JSON;
		lo = json_hex4(js, *i + 2, end);
		if (lo < 0xdc00 || lo > 0xdfff)
			return ACME_ERR_JSON;
		*i += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* 1 when string token t, unescaped, equals the C string s. */
static int
json_key_eq(const struct json_doc *d, int t, const char *s)
{
	unsigned char u[4];
	size_t i = (size_t)d->tok[t].start, end = (size_t)d->tok[t].end;
	size_t k = 0;
	int n, j;

	while (i < end) {
		n = json_unesc(d->js, &i, end, u);
		if (n < 0)
			return 0;
		for (j = 0; j < n; j++, k++)
			if (s[k] == '\0' || (unsigned char)s[k] != u[j])
				return 0;
	}
	return s[k] == '\0';
}

/* Index of the value of key in object obj (keys compared unescaped; the
 * first of duplicate keys wins), or -1. */
int
json_get(const struct json_doc *d, int obj, const char *key)
{
	int i, k, n;

	if (json_type(d, obj) != JSON_OBJECT || key == NULL)
		return -1;
	n = d->tok[obj].size;
	i = obj + 1;
	for (k = 0; k < n && i + 1 < d->ntok; k++) {
		if (d->tok[i].type == JSON_STRING && json_key_eq(d, i, key))
			return i + 1;
		i = json_skip(d, i + 1);
	}
	return -1;
}

/* Number of elements of array t, or -1 when t is not an array. */
int
json_array_len(const struct json_doc *d, int t)
{
	return json_type(d, t) == JSON_ARRAY ? d->tok[t].size : -1;
}

/* Index of element i of array t, or -1. */
int
json_array_item(const struct json_doc *d, int t, int i)
{
	int j, k;

	if (json_type(d, t) != JSON_ARRAY || i < 0 || i >= d->tok[t].size)
		return -1;
	j = t + 1;
	for (k = 0; k < i; k++)
		j = json_skip(d, j);
	return json_valid(d, j) ? j : -1;
}

/*
 * Unescape string token t into dst[0..cap) with a NUL.  Returns the
 * length, ACME_ERR_JSON (not a string, bad escape, lone surrogate,
 * \u0000, raw control character) or ACME_ERR_TOO_LARGE (more than cap - 1
 * bytes; dst NULL counts as cap 0).  On error dst holds "" when cap > 0.
 */
int
json_string(const struct json_doc *d, int t, char *dst, size_t cap)
{
	unsigned char u[4];
	size_t i, end, o = 0;
	int n, r;

	if (dst == NULL)
		cap = 0;
	if (json_type(d, t) != JSON_STRING) {
		r = ACME_ERR_JSON;
		goto fail;
	}
	i = (size_t)d->tok[t].start;
	end = (size_t)d->tok[t].end;
	while (i < end) {
		n = json_unesc(d->js, &i, end, u);
		if (n < 0) {
			r = n;
			goto fail;
		}
		if (cap == 0 || (size_t)n > cap - 1 - o) {
			r = ACME_ERR_TOO_LARGE;
			goto fail;
		}
		memcpy(dst + o, u, (size_t)n);
		o += (size_t)n;
	}
	if (cap == 0) {
		r = ACME_ERR_TOO_LARGE;
		goto fail;
	}
	dst[o] = '\0';
	return (int)o;
fail:
	if (cap > 0)
		dst[0] = '\0';
	return r;
}

/* 1 when t is a string whose raw (still escaped) text equals s. */
int
json_str_eq(const struct json_doc *d, int t, const char *s)
{
	size_t n;

	if (json_type(d, t) != JSON_STRING || s == NULL)
		return 0;
	n = strlen(s);
	return (size_t)(d->tok[t].end - d->tok[t].start) == n &&
	    memcmp(d->js + d->tok[t].start, s, n) == 0;
}

/* 1 when t is the primitive true. */
int
json_is_true(const struct json_doc *d, int t)
{
	return json_type(d, t) == JSON_PRIMITIVE &&
	    d->tok[t].end - d->tok[t].start == 4 &&
	    memcmp(d->js + d->tok[t].start, "true", 4) == 0;
}

/*
 * The writer.  first[k] describes the container open at depth k + 1:
 * JSON_W_FIRST until its first member is written, JSON_W_OBJ for an
 * object.  after_key is set between a key and its value.
 */
#define JSON_W_FIRST 1
#define JSON_W_OBJ 2

/* Start writing into buf[0..cap); buf is kept NUL-terminated. */
void
json_w_init(struct json_w *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->buf = buf;
	w->cap = buf == NULL ? 0 : cap;
	if (w->cap > 0)
		buf[0] = '\0';
}

/* Make the first error sticky. */
static void
json_w_fail(struct json_w *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

/* Append s[0..n), keeping room for the NUL; overflow is sticky and
 * writes nothing. */
static void
json_w_put(struct json_w *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (w->cap - w->len <= n) {     /* cap - len >= 1 unless cap 0 */
		json_w_fail(w, ACME_ERR_TOO_LARGE);
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Append s[0..n) as a quoted JSON string: '"' and '\' escaped, control
 * characters as \u00XX, everything else (UTF-8 included) as is.  A NUL
 * is ACME_ERR_PARAM: our reader rejects \u0000. */
static void
json_w_quoted(struct json_w *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t i, run = 0;
	unsigned char c;

	if (s == NULL) {
		json_w_fail(w, ACME_ERR_PARAM);
		return;
	}
	json_w_put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		json_w_put(w, s + run, i - run);
		run = i + 1;
		if (c == 0) {
			json_w_fail(w, ACME_ERR_PARAM);
		} else if (c == '"') {
			json_w_put(w, "\\\"", 2);
		} else if (c == '\\') {
			json_w_put(w, "\\\\", 2);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			json_w_put(w, esc, 6);
		}
	}
	json_w_put(w, s + run, n - run);
	json_w_put(w, "\"", 1);
}

/*
 * Before a value: at the root only a container (root 1) and only once;
 * in an object only after a key; in an array a comma before all but the
 * first element.  Returns 1 when the value may be written.
 */
static int
json_w_value(struct json_w *w, int root)
{
	unsigned char *f;

	if (w->err)
		return 0;
	if (w->depth == 0) {
		if (!root || w->len > 0)
			json_w_fail(w, ACME_ERR_PARAM);
		return w->err == 0;
	}
	f = &w->first[w->depth - 1];
	if (*f & JSON_W_OBJ) {
		if (!w->after_key)
			json_w_fail(w, ACME_ERR_PARAM);
		w->after_key = 0;
		return w->err == 0;
	}
	if (*f & JSON_W_FIRST)
		*f &= (unsigned char)~JSON_W_FIRST;
	else
		json_w_put(w, ",", 1);
	return w->err == 0;
}

/* Open an object or array (open is "{" or "["). */
static void
json_w_open(struct json_w *w, const char *open, unsigned char flags)
{
	if (!json_w_value(w, 1))
		return;
	if (w->depth >= JSON_W_DEPTH) {
		json_w_fail(w, ACME_ERR_PARAM);
		return;
	}
	json_w_put(w, open, 1);
	w->first[w->depth++] = (unsigned char)(JSON_W_FIRST | flags);
}

/* Close the innermost container, which must be an object when obj is 1,
 * an array when 0, and not wait for a value. */
static void
json_w_close(struct json_w *w, int obj)
{
	if (w->err)
		return;
	if (w->depth == 0 || w->after_key ||
	    !(w->first[w->depth - 1] & JSON_W_OBJ) != !obj) {
		json_w_fail(w, ACME_ERR_PARAM);
		return;
	}
	json_w_put(w, obj ? "}" : "]", 1);
	w->depth--;
}

/* Open an object: at the root, after a key, or as an array element. */
void
json_w_obj_begin(struct json_w *w)
{
	json_w_open(w, "{", JSON_W_OBJ);
}

/* Close the innermost container, which must be an object. */
void
json_w_obj_end(struct json_w *w)
{
	json_w_close(w, 1);
}

/* Open an array: at the root, after a key, or as an array element. */
void
json_w_arr_begin(struct json_w *w)
{
	json_w_open(w, "[", 0);
}

/* Close the innermost container, which must be an array. */
void
json_w_arr_end(struct json_w *w)
{
	json_w_close(w, 0);
}

/* Write "key": in the innermost container, which must be an object not
 * already waiting for a value. */
void
json_w_key(struct json_w *w, const char *key)
{
	unsigned char *f;

	if (w->err)
		return;
	if (w->depth == 0 || w->after_key || key == NULL ||
	    !(w->first[w->depth - 1] & JSON_W_OBJ)) {
		json_w_fail(w, ACME_ERR_PARAM);
		return;
	}
	f = &w->first[w->depth - 1];
	if (*f & JSON_W_FIRST)
		*f &= (unsigned char)~JSON_W_FIRST;
	else
		json_w_put(w, ",", 1);
	json_w_quoted(w, key, strlen(key));
	json_w_put(w, ":", 1);
	w->after_key = 1;
}

/* Write the C string s as a string value. */
void
json_w_str(struct json_w *w, const char *s)
{
	if (s == NULL) {
		json_w_fail(w, ACME_ERR_PARAM);
		return;
	}
	json_w_strn(w, s, strlen(s));
}

/* Write s[0..n) as a string value (a NUL inside is ACME_ERR_PARAM). */
void
json_w_strn(struct json_w *w, const char *s, size_t n)
{
	if (json_w_value(w, 0))
		json_w_quoted(w, s, n);
}

/* Write v as a number. */
void
json_w_uint(struct json_w *w, unsigned long v)
{
	char d[24];
	size_t n = sizeof d;

	do
		d[--n] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && n > 0);
	if (json_w_value(w, 0))
		json_w_put(w, d + n, sizeof d - n);
}

/* Write true (v != 0) or false. */
void
json_w_bool(struct json_w *w, int v)
{
	if (json_w_value(w, 0))
		json_w_put(w, v ? "true" : "false", v ? 4 : 5);
}

/*
 * The length of the document in buf (NUL-terminated), or the sticky
 * error: ACME_ERR_TOO_LARGE after an overflow, ACME_ERR_PARAM for misuse
 * (no root, an open container, a key without value, nesting deeper than
 * JSON_W_DEPTH, a value where none may go).
 */
int
json_w_finish(struct json_w *w)
{
	if (w->err == 0 && (w->depth != 0 || w->after_key || w->len == 0))
		json_w_fail(w, ACME_ERR_PARAM);
	if (w->err == 0 && w->len > INT_MAX)
		json_w_fail(w, ACME_ERR_TOO_LARGE);
	if (w->err)
		return w->err;
	return (int)w->len;
}
