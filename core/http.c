/*
 * http.c -- see http.h.  Message syntax from RFC 9112, field semantics
 * from RFC 9110, Link from RFC 8288.
 *
 * The parser is a byte-driven state machine.  Status, header, trailer and
 * chunk-size lines are collected in r->line (at most ACME_MAX_HEADER_LINE
 * bytes) and acted on at their LF; body bytes are copied in runs.  A line
 * may end in CRLF or a bare LF; a CR anywhere else, and any other control
 * character but HT, is malformed.  The header-byte bound covers the status
 * line, the header section, the header sections of skipped 1xx responses
 * and the trailer section together, so no input makes the parser take
 * more than ACME_MAX_HEADERS bytes of metadata.
 *
 * After an error the parser is parked in HTTP_S_DONE with line_skip
 * holding HTTP_END_HTTP, HTTP_END_LARGE or HTTP_END_SINK (the sink's
 * error in sink_err); HTTP_END_OK after a complete response.  So
 * HTTP_S_DONE alone does not mean success: use the return values.
 *
 * A streamed body (http_resp_stream(), a 200 answer) goes through the
 * same states; http_body_put() hands each run to the sink instead of
 * copying it, and the bound is stream_max instead of the buffer.
 */
#include <limits.h>
#include <string.h>
#include "http.h"
#include "acme_err.h"
#include "str.h"

#define HTTP_END_OK	0
#define HTTP_END_HTTP	1
#define HTTP_END_LARGE	2
#define HTTP_END_SINK	3

#define HTTP_RETRY_MAX	(86400L * 365)	/* Retry-After clamp, seconds */
#define HTTP_CHUNK_DIGITS 15		/* longest chunk-size accepted */

enum http_field {
	HTTP_F_OTHER = 0, HTTP_F_NONCE, HTTP_F_LOCATION, HTTP_F_LINK,
	HTTP_F_CTYPE, HTTP_F_RETRY, HTTP_F_CLEN, HTTP_F_TE, HTTP_F_CONN
};

/* Names of the kept fields, lowercase, indexed by enum http_field. */
static const char *const http_field_names[] = {
	"", "replay-nonce", "location", "link", "content-type",
	"retry-after", "content-length", "transfer-encoding", "connection"
};

/* c in ASCII lowercase. */
static char
http_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when c is a tchar (RFC 9110 5.6.2), the characters of a token. */
static int
http_is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* 1 when c is optional whitespace (SP or HT). */
static int
http_is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* 1 when the n bytes at s equal the lowercase NUL-terminated b, ignoring
 * ASCII case. */
static int
http_ieq(const char *s, size_t n, const char *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] == '\0' || http_lower(s[i]) != b[i])
			return 0;
	return b[n] == '\0';
}

/* 1 when the n bytes at s are all decimal digits and n > 0. */
static int
http_all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Body bytes that may still come: what is left of the stream's bound,
 * or of the caller's buffer (one byte is kept for the NUL). */
static size_t
http_room(const struct http_resp *r)
{
	if (r->streaming)
		return r->stream_max - r->streamed;
	if (r->body == NULL || r->body_cap == 0)
		return 0;
	return r->body_cap - 1 - r->body_len;
}

/* Park r in HTTP_S_DONE with error err (sticky).  Returns err. */
static int
http_fail(struct http_resp *r, int err)
{
	r->state = HTTP_S_DONE;
	r->line_skip = err == ACME_ERR_TOO_LARGE ? HTTP_END_LARGE :
	    HTTP_END_HTTP;
	return err;
}

/* Park r in HTTP_S_DONE, complete.  Returns 1. */
static int
http_done(struct http_resp *r)
{
	r->state = HTTP_S_DONE;
	r->line_skip = HTTP_END_OK;
	return 1;
}

/* What a parked parser returns again: 1 or its error. */
static int
http_result(const struct http_resp *r)
{
	if (r->line_skip == HTTP_END_OK)
		return 1;
	if (r->line_skip == HTTP_END_SINK)
		return r->sink_err;
	return r->line_skip == HTTP_END_LARGE ? ACME_ERR_TOO_LARGE :
	    ACME_ERR_HTTP;
}

/* Clear the results of one response (before it, or after a 1xx). */
static void
http_clear(struct http_resp *r)
{
	r->status = 0;
	r->minor = 0;
	r->nonce[0] = '\0';
	r->has_nonce = 0;
	r->nonce_too_long = 0;
	r->location[0] = '\0';
	r->link_up[0] = '\0';
	r->alt_n = 0;
	r->alt_more = 0;
	r->content_type[0] = '\0';
	r->retry_after = -1;
	r->content_length = -1;
	r->chunked = 0;
	r->conn_close = 0;
}

/*
 * Prepare r: everything cleared, the body buffer empty and NUL-terminated
 * (when it has room for the NUL).
 */
void
http_resp_init(struct http_resp *r, char *body, size_t body_cap,
    int is_head, uint64_t unix_now)
{
	memset(r, 0, sizeof *r);
	http_clear(r);
	r->body = body;
	r->body_cap = body != NULL ? body_cap : 0;
	r->is_head = is_head != 0;
	r->unix_now = unix_now;
	r->state = HTTP_S_STATUS;
	if (r->body_cap > 0)
		r->body[0] = '\0';
}

void
http_resp_alternates(struct http_resp *r, char (*alt)[ACME_MAX_URL + 1],
    unsigned cap)
{
	r->alt = alt;
	r->alt_cap = alt != NULL ? cap : 0;
}

void
http_resp_stream(struct http_resp *r, http_sink sink, void *arg,
    size_t max)
{
	r->sink = sink;
	r->sink_arg = arg;
	r->stream_max = max;
}

/*
 * RFC 9112 4: "HTTP/1.x SSS[ reason]", x 0 or 1, SSS 100..599.  101 is
 * an error (we never ask to switch protocols).  HTTP/1.0 closes.
 */
static int
http_status_line(struct http_resp *r, const char *s, size_t n)
{
	int i, code = 0;

	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
	    (n > 12 && s[12] != ' '))
		return http_fail(r, ACME_ERR_HTTP);
	for (i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return http_fail(r, ACME_ERR_HTTP);
		code = code * 10 + (s[i] - '0');
	}
	if (code < 100 || code > 599 || code == 101)
		return http_fail(r, ACME_ERR_HTTP);
	r->status = code;
	r->minor = s[7] - '0';
	if (r->minor == 0)
		r->conn_close = 1;
	r->state = HTTP_S_HEADER;
	return 0;
}

/*
 * Check the name of a field line of n bytes (no obs-fold, RFC 9112 5.2;
 * a non-empty token, no space before the colon, RFC 9112 5.1).  With
 * whole 0 the line was cut at the buffer size and may lack its colon.
 * Returns the colon's index (n when cut before it) or a negative error.
 */
static int
http_field_name(struct http_resp *r, size_t n, int whole, size_t *colon)
{
	const char *s = r->line;
	size_t i;

	if (n == 0 || http_is_ows(s[0]))
		return http_fail(r, ACME_ERR_HTTP);
	for (i = 0; i < n && s[i] != ':'; i++)
		if (!http_is_tchar(s[i]))
			return http_fail(r, ACME_ERR_HTTP);
	if (i == 0 || (i == n && whole))
		return http_fail(r, ACME_ERR_HTTP);
	*colon = i;
	return 0;
}

/* Which kept field the name of len bytes at s is. */
static enum http_field
http_field_kind(const char *s, size_t len)
{
	unsigned k;

	for (k = 1; k < sizeof http_field_names / sizeof *http_field_names;
	    k++)
		if (http_ieq(s, len, http_field_names[k]))
			return (enum http_field)k;
	return HTTP_F_OTHER;
}

/*
 * Replay-Nonce (RFC 8555 6.5.1): kept raw when it fits; a longer one is
 * flagged and forgets any earlier value; an empty one is ignored.
 */
static void
http_nonce(struct http_resp *r, const char *v, size_t n)
{
	if (n == 0)
		return;
	if (n > ACME_MAX_NONCE) {
		r->nonce_too_long = 1;
		r->has_nonce = 0;
		r->nonce[0] = '\0';
		return;
	}
	memcpy(r->nonce, v, n);
	r->nonce[n] = '\0';
	r->has_nonce = 1;
}

/* Content-Type (RFC 9110 8.3): the media type before any ';', lowercased;
 * "" when empty or over the buffer. */
static void
http_ctype(struct http_resp *r, const char *v, size_t n)
{
	size_t i, e;

	for (e = 0; e < n && v[e] != ';'; e++)
		;
	while (e > 0 && http_is_ows(v[e - 1]))
		e--;
	r->content_type[0] = '\0';
	if (e >= sizeof r->content_type)
		return;
	for (i = 0; i < e; i++)
		r->content_type[i] = http_lower(v[i]);
	r->content_type[e] = '\0';
}

/*
 * Retry-After (RFC 9110 10.2.3): delta-seconds, clamped; or an HTTP-date
 * made relative to unix_now (0 when past; -1 when the time is unknown).
 * Anything else gives -1.
 */
static void
http_retry(struct http_resp *r, const char *v, size_t n)
{
	uint64_t t;
	long s = 0;
	size_t i;

	if (http_all_digits(v, n)) {
		for (i = 0; i < n && s < HTTP_RETRY_MAX; i++)
			s = s * 10 + (v[i] - '0');
		r->retry_after = s < HTTP_RETRY_MAX ? s : HTTP_RETRY_MAX;
		return;
	}
	r->retry_after = -1;
	if (http_date_parse(v, &t) != 0 || r->unix_now == 0)
		return;
	if (t <= r->unix_now)
		r->retry_after = 0;
	else if (t - r->unix_now >= (uint64_t)HTTP_RETRY_MAX)
		r->retry_after = HTTP_RETRY_MAX;
	else
		r->retry_after = (long)(t - r->unix_now);
}

/*
 * Content-Length (RFC 9110 8.6): digits only; over LONG_MAX is too large;
 * a second value that differs is malformed (RFC 9112 6.3).
 */
static int
http_clen(struct http_resp *r, const char *v, size_t n)
{
	long val = 0;
	size_t i;
	int d;

	if (!http_all_digits(v, n))
		return http_fail(r, ACME_ERR_HTTP);
	for (i = 0; i < n; i++) {
		d = v[i] - '0';
		if (val > (LONG_MAX - d) / 10)
			return http_fail(r, ACME_ERR_TOO_LARGE);
		val = val * 10 + d;
	}
	if (r->content_length >= 0 && r->content_length != val)
		return http_fail(r, ACME_ERR_HTTP);
	r->content_length = val;
	return 0;
}

/*
 * Call fn on each trimmed non-empty element of the comma-separated list
 * v (RFC 9110 5.6.1).  Returns the first non-zero result of fn, or 0.
 */
static int
http_list(struct http_resp *r, const char *v, size_t n,
    int (*fn)(struct http_resp *, const char *, size_t))
{
	size_t i = 0, s, e;
	int rc;

	while (i < n) {
		for (s = i; s < n && v[s] != ','; s++)
			;
		e = s;
		while (i < e && http_is_ows(v[i]))
			i++;
		while (e > i && http_is_ows(v[e - 1]))
			e--;
		if (e > i && (rc = fn(r, v + i, e - i)) != 0)
			return rc;
		i = s + 1;
	}
	return 0;
}

/* One Transfer-Encoding coding: only a single "chunked" is decoded
 * (RFC 9112 6.1); anything else is an error. */
static int
http_te_item(struct http_resp *r, const char *v, size_t n)
{
	if (r->chunked || !http_ieq(v, n, "chunked"))
		return http_fail(r, ACME_ERR_HTTP);
	r->chunked = 1;
	return 0;
}

/* One Connection option: "close" (RFC 9112 9.6). */
static int
http_conn_item(struct http_resp *r, const char *v, size_t n)
{
	if (http_ieq(v, n, "close"))
		r->conn_close = 1;
	return 0;
}

/* The rel values picoacme uses (RFC 8288 3.3), bit i for entry i. */
#define HTTP_REL_UP	1u
#define HTTP_REL_ALT	2u
static const char *const http_rels[] = { "up",
#if ACME_ALT_CHAINS
	"alternate"
#endif
};
#define HTTP_NRELS	(sizeof http_rels / sizeof http_rels[0])

/*
 * Scan a Link parameter value at v[*i] (token or quoted-string, RFC 8288
 * 3): set bit k of *rels when one of its space-separated words is
 * http_rels[k] (any case).  Returns 0, or -1 when malformed.
 */
static int
http_link_val(const char *v, size_t n, size_t *i, unsigned *rels)
{
	size_t p = *i, w = 0;	/* w: length of the current word */
	unsigned ok = (1u << HTTP_NRELS) - 1, k;  /* words still matching */
	int quoted;
	char c;

	quoted = p < n && v[p] == '"';
	if (quoted)
		p++;
	for (;;) {
		if (p >= n) {
			if (quoted)
				return -1;
			c = ' ';
		} else if (quoted && v[p] == '"') {
			p++;
			c = ' ';
			quoted = 0;
			n = p;	/* stop after this word */
		} else if (!quoted && !http_is_tchar(v[p])) {
			c = ' ';
			n = p;
		} else {
			if (quoted && v[p] == '\\' && ++p >= n)
				return -1;
			c = v[p++];
		}
		if (http_is_ows(c)) {
			for (k = 0; k < HTTP_NRELS; k++)
				if ((ok >> k & 1u) && http_rels[k][w] == '\0')
					*rels |= 1u << k;
			ok = (1u << HTTP_NRELS) - 1;
			w = 0;
			if (p >= n)
				break;
			continue;
		}
		/* a word's bit is cleared at its NUL: never read past it */
		for (k = 0; k < HTTP_NRELS; k++)
			if ((ok >> k & 1u) && (http_rels[k][w] == '\0' ||
			    http_lower(c) != http_rels[k][w]))
				ok &= ~(1u << k);
		w++;
	}
	*i = p;
	return 0;
}

/* Keep the alternate URI v[0..n) when the caller asked for them. */
static void
http_link_alt(struct http_resp *r, const char *v, size_t n)
{
	if (r->alt == NULL)
		return;
	if (r->alt_n >= r->alt_cap || n == 0 || n > ACME_MAX_URL) {
		r->alt_more++;
		return;
	}
	memcpy(r->alt[r->alt_n], v, n);
	r->alt[r->alt_n][n] = '\0';
	r->alt_n++;
}

/*
 * Link (RFC 8288 3): comma-separated "<uri>" with ";"-parameters.  The
 * first URI whose first rel parameter names "up" and fits is kept in
 * link_up (first one wins over several Link lines); every one whose rel
 * names "alternate" goes to http_link_alt().  A malformed value is
 * ignored from the point where it goes wrong.
 */
static void
http_link(struct http_resp *r, const char *v, size_t n)
{
	size_t i = 0, us, ue, ns, ne;
	unsigned rels, val;
	int seen_rel;

	while (i < n) {
		while (i < n && (http_is_ows(v[i]) || v[i] == ','))
			i++;
		if (i >= n || v[i] != '<')
			return;
		for (us = ue = i + 1; ue < n && v[ue] != '>'; ue++)
			;
		if (ue >= n)
			return;
		i = ue + 1;
		seen_rel = 0;
		rels = 0;
		for (;;) {
			while (i < n && http_is_ows(v[i]))
				i++;
			if (i >= n || v[i] == ',')
				break;
			if (v[i++] != ';')
				return;
			while (i < n && http_is_ows(v[i]))
				i++;
			for (ns = i; i < n && http_is_tchar(v[i]); i++)
				;
			if ((ne = i) == ns)
				continue;	/* empty parameter */
			val = 0;
			while (i < n && http_is_ows(v[i]))
				i++;
			if (i < n && v[i] == '=') {
				i++;
				while (i < n && http_is_ows(v[i]))
					i++;
				if (http_link_val(v, n, &i, &val) != 0)
					return;
			}
			/* RFC 8288 3.3: only the first rel counts */
			if (!seen_rel && http_ieq(v + ns, ne - ns, "rel")) {
				seen_rel = 1;
				rels = val;
			}
		}
		if ((rels & HTTP_REL_UP) && r->link_up[0] == '\0' &&
		    ue > us && ue - us <= ACME_MAX_URL) {
			memcpy(r->link_up, v + us, ue - us);
			r->link_up[ue - us] = '\0';
		}
		if (ACME_ALT_CHAINS && (rels & HTTP_REL_ALT))
			http_link_alt(r, v + us, ue - us);
	}
}

/*
 * A complete header field line of n bytes in r->line: check it, trim the
 * value (RFC 9112 5.1) and keep what we use.  Trailer fields are only
 * checked.
 */
static int
http_field(struct http_resp *r, size_t n)
{
	char *s = r->line;
	size_t colon, vs, ve;
	int rc;

	if ((rc = http_field_name(r, n, 1, &colon)) != 0)
		return rc;
	if (r->state == HTTP_S_TRAILER)
		return 0;
	/* colon is set: http_field_name() returned 0 (clang-analyzer
	 * loses http_fail()'s non-zero return on its error paths). */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	for (vs = colon + 1; vs < n && http_is_ows(s[vs]); vs++)
		;
	for (ve = n; ve > vs && http_is_ows(s[ve - 1]); ve--)
		;
	s[ve] = '\0';
	switch (http_field_kind(s, colon)) {
	case HTTP_F_NONCE:
		http_nonce(r, s + vs, ve - vs);
		break;
	case HTTP_F_LOCATION:
		if (ve - vs > ACME_MAX_URL)
			return http_fail(r, ACME_ERR_TOO_LARGE);
		memcpy(r->location, s + vs, ve - vs + 1);
		break;
	case HTTP_F_LINK:
		http_link(r, s + vs, ve - vs);
		break;
	case HTTP_F_CTYPE:
		http_ctype(r, s + vs, ve - vs);
		break;
	case HTTP_F_RETRY:
		http_retry(r, s + vs, ve - vs);
		break;
	case HTTP_F_CLEN:
		return http_clen(r, s + vs, ve - vs);
	case HTTP_F_TE:
		if (ve == vs)
			return http_fail(r, ACME_ERR_HTTP);
		return http_list(r, s + vs, ve - vs, http_te_item);
	case HTTP_F_CONN:
		return http_list(r, s + vs, ve - vs, http_conn_item);
	default:
		break;
	}
	return 0;
}

/*
 * The line in r->line is full and goes on.  A header line of a field we
 * keep is too large, except Replay-Nonce (flagged, not an error); any
 * other header or trailer line is skipped to its end.  Status and
 * chunk-size lines are too large.
 */
static int
http_overlong(struct http_resp *r)
{
	size_t colon;
	int rc;

	if (r->state == HTTP_S_TRAILER) {
		r->line_skip = 1;
		return 0;
	}
	if (r->state != HTTP_S_HEADER)
		return http_fail(r, ACME_ERR_TOO_LARGE);
	if ((rc = http_field_name(r, r->line_len, 0, &colon)) != 0)
		return rc;
	switch (http_field_kind(r->line, colon)) {
	case HTTP_F_OTHER:
		break;
	case HTTP_F_NONCE:
		r->nonce_too_long = 1;
		r->has_nonce = 0;
		r->nonce[0] = '\0';
		break;
	default:
		return http_fail(r, ACME_ERR_TOO_LARGE);
	}
	r->line_skip = 1;
	return 0;
}

/*
 * The header section ended (RFC 9112 6.3 decides the body length).  A
 * 1xx is forgotten and the next status line awaited.  Transfer-Encoding
 * overrides Content-Length; as that smells of smuggling, the connection
 * is then not reused.
 */
static int
http_headers_end(struct http_resp *r)
{
	if (r->status < 200) {
		http_clear(r);
		r->state = HTTP_S_STATUS;
		return 0;
	}
	if (r->chunked && r->content_length >= 0) {
		r->content_length = -1;
		r->conn_close = 1;
	}
	if (r->is_head || r->status == 204 || r->status == 304)
		return http_done(r);
	r->streaming = r->sink != NULL && r->status == 200;
	if (r->chunked) {
		r->state = HTTP_S_CHUNK_SIZE;
		return 0;
	}
	if (r->content_length >= 0) {
		if ((unsigned long)r->content_length > http_room(r))
			return http_fail(r, ACME_ERR_TOO_LARGE);
		if (r->content_length == 0)
			return http_done(r);
		r->chunk_left = (uint64_t)r->content_length;
		r->state = HTTP_S_BODY_LEN;
		return 0;
	}
	r->conn_close = 1;
	r->state = HTTP_S_BODY_CLOSE;
	return 0;
}

/*
 * chunk-size [ chunk-ext ] (RFC 9112 7.1): at most HTTP_CHUNK_DIGITS hex
 * digits, extensions ignored.  A chunk over the room left in the body is
 * too large before any of it is read.  Size 0 starts the trailers.
 */
static int
http_chunk_line(struct http_resp *r, size_t n)
{
	const char *s = r->line;
	uint64_t v = 0;
	size_t i;
	int d;

	for (i = 0; i < n && (d = str_hex(s[i])) >= 0; i++) {
		if (i >= HTTP_CHUNK_DIGITS)
			return http_fail(r, ACME_ERR_HTTP);
		v = v * 16 + (unsigned)d;
	}
	if (i == 0)
		return http_fail(r, ACME_ERR_HTTP);
	while (i < n && http_is_ows(s[i]))
		i++;
	if (i < n && s[i] != ';')
		return http_fail(r, ACME_ERR_HTTP);
	if (v == 0) {
		r->state = HTTP_S_TRAILER;
		return 0;
	}
	if (v > http_room(r))
		return http_fail(r, ACME_ERR_TOO_LARGE);
	r->chunk_left = v;
	r->state = HTTP_S_CHUNK_DATA;
	return 0;
}

/* A line of n bytes ended (skipped: its tail was dropped). */
static int
http_line(struct http_resp *r, size_t n, int skipped)
{
	switch (r->state) {
	case HTTP_S_STATUS:
		/* empty lines before a status line are tolerated */
		return n == 0 ? 0 : http_status_line(r, r->line, n);
	case HTTP_S_HEADER:
		if (skipped)
			return 0;
		return n == 0 ? http_headers_end(r) : http_field(r, n);
	case HTTP_S_TRAILER:
		if (skipped)
			return 0;
		return n == 0 ? http_done(r) : http_field(r, n);
	case HTTP_S_CHUNK_SIZE:
		return http_chunk_line(r, n);
	default:
		return http_fail(r, ACME_ERR_HTTP);
	}
}

/* One byte of a line-oriented state, or of the CRLF after chunk data. */
static int
http_byte(struct http_resp *r, unsigned char c)
{
	size_t n;
	int skipped;

	if (r->state == HTTP_S_CHUNK_CRLF) {
		if (c == '\r' && !r->saw_cr) {
			r->saw_cr = 1;
			return 0;
		}
		if (c != '\n')
			return http_fail(r, ACME_ERR_HTTP);
		r->saw_cr = 0;
		r->state = HTTP_S_CHUNK_SIZE;
		return 0;
	}
	if (r->state != HTTP_S_CHUNK_SIZE) {
		if (r->header_bytes >= ACME_MAX_HEADERS)
			return http_fail(r, ACME_ERR_TOO_LARGE);
		r->header_bytes++;
	}
	if (c == '\n') {
		n = r->line_len;
		skipped = r->line_skip;
		r->line[n] = '\0';
		r->line_len = 0;
		r->line_skip = 0;
		r->saw_cr = 0;
		return http_line(r, n, skipped);
	}
	/* a CR only before LF; no control characters but HT */
	if (r->saw_cr || c == 0x7f || (c < 0x20 && c != '\t' && c != '\r'))
		return http_fail(r, ACME_ERR_HTTP);
	if (c == '\r') {
		r->saw_cr = 1;
		return 0;
	}
	if (r->line_skip)
		return 0;
	if (r->line_len >= ACME_MAX_HEADER_LINE)
		return http_overlong(r);
	r->line[r->line_len++] = (char)c;
	return 0;
}

/* Append n body bytes (bounded by the caller's buffer, NUL kept), or
 * give them to the sink (bounded by stream_max). */
static int
http_body_put(struct http_resp *r, const unsigned char *p, size_t n)
{
	int rc;

	if (n > http_room(r))
		return http_fail(r, ACME_ERR_TOO_LARGE);
	if (n == 0)
		return 0;
	if (r->streaming) {
		r->streamed += n;
		rc = r->sink(r->sink_arg, (const char *)p, n);
		if (rc == 0)
			return 0;
		r->state = HTTP_S_DONE;
		r->line_skip = HTTP_END_SINK;
		r->sink_err = rc < 0 ? rc : ACME_ERR_HTTP;
		return r->sink_err;
	}
	memcpy(r->body + r->body_len, p, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return 0;
}

/*
 * Feed bytes: lines byte by byte, body data in runs.  Stops at the end of
 * the response, leaving the rest (the next response on the connection).
 */
int
http_resp_feed(struct http_resp *r, const void *data, size_t len,
    size_t *used)
{
	const unsigned char *p = data;
	size_t i = 0, n;
	int rc = 0;

	if (used != NULL)
		*used = 0;
	if (r->state == HTTP_S_DONE)
		return http_result(r);
	if (p == NULL)
		len = 0;
	while (rc == 0 && i < len) {
		switch (r->state) {
		case HTTP_S_BODY_LEN:
		case HTTP_S_CHUNK_DATA:
			n = len - i;
			if (n > r->chunk_left)
				n = (size_t)r->chunk_left;
			if ((rc = http_body_put(r, p + i, n)) != 0)
				break;
			i += n;
			r->chunk_left -= n;
			if (r->chunk_left > 0)
				break;
			if (r->state == HTTP_S_BODY_LEN)
				rc = http_done(r);
			else
				r->state = HTTP_S_CHUNK_CRLF;
			break;
		case HTTP_S_BODY_CLOSE:
			if ((rc = http_body_put(r, p + i, len - i)) == 0)
				i = len;
			break;
		default:
			rc = http_byte(r, p[i++]);
			break;
		}
	}
	if (used != NULL)
		*used = i;
	return rc;
}

/* End of stream: completes a body delimited by close, else truncation. */
int
http_resp_eof(struct http_resp *r)
{
	if (r->state == HTTP_S_DONE)
		return http_result(r);
	if (r->state == HTTP_S_BODY_CLOSE)
		return http_done(r);
	return http_fail(r, ACME_ERR_HTTP);
}

/* A bounded writer for the request head. */
struct http_w {
	char *dst;
	size_t cap, len;
	int err;
};

/* Append n bytes (the writer keeps room for the NUL). */
static void
http_w_put(struct http_w *w, const char *s, size_t n)
{
	if (w->err || n >= w->cap - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->dst + w->len, s, n);
	w->len += n;
	w->dst[w->len] = '\0';
}

/* Append the NUL-terminated s. */
static void
http_w_str(struct http_w *w, const char *s)
{
	http_w_put(w, s, strlen(s));
}

/* Append v in decimal (size_t: no 64-bit division on 32-bit targets). */
static void
http_w_dec(struct http_w *w, size_t v)
{
	char b[3 * sizeof(size_t)];
	size_t i = sizeof b;

	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	http_w_put(w, b + i, sizeof b - i);
}

/*
 * 1 when s is non-empty printable ASCII: no controls, DEL or bytes over
 * 0x7e; space (and HT) only when sp.  Keeps CR/LF out of the request.
 */
static int
http_ok_text(const char *s, int sp)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL || *p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p > 0x7e || (*p <= 0x20 &&
		    !(sp && (*p == ' ' || *p == '\t'))))
			return 0;
	return 1;
}

/* 1 when s is a sequence of header lines each ending in CRLF, none empty
 * or folded (starting with SP/HT), no other control characters. */
static int
http_ok_extra(const char *s)
{
	int bol = 1;

	for (; *s != '\0'; s++) {
		if (*s == '\r') {
			if (bol || s[1] != '\n')
				return 0;
			s++;
			bol = 1;
			continue;
		}
		if ((bol && http_is_ows(*s)) || *s == '\n' || *s == 0x7f ||
		    ((unsigned char)*s < 0x20 && *s != '\t'))
			return 0;
		bol = 0;
	}
	return bol;
}

/*
 * Write the request head.  Arguments are checked first (ACME_ERR_PARAM:
 * method not a token, host/path with controls or spaces, path not
 * starting with '/', port 0 or over 65535, content_type/accept with
 * controls, extra not CRLF-terminated lines); then ACME_ERR_TOO_LARGE
 * when dst (cap bytes with the NUL) is short.  A host holding ':' is an
 * IPv6 literal and is bracketed in Host.
 */
int
http_req_head(char *dst, size_t cap, const char *method,
    const char *host, unsigned port, const char *path,
    const char *content_type, size_t body_len, const char *accept,
    const char *extra)
{
	struct http_w w;
	const char *m;
	int v6;

	if (dst != NULL && cap > 0)
		dst[0] = '\0';
	if (dst == NULL || !http_ok_text(method, 0) || !http_ok_text(host, 0) ||
	    !http_ok_text(path, 0) || path[0] != '/' || port == 0 ||
	    port > 65535 ||
	    (content_type != NULL && !http_ok_text(content_type, 1)) ||
	    (accept != NULL && !http_ok_text(accept, 1)) ||
	    (extra != NULL && !http_ok_extra(extra)))
		return ACME_ERR_PARAM;
	for (m = method; *m != '\0'; m++)
		if (!http_is_tchar(*m))
			return ACME_ERR_PARAM;
	if (cap == 0)
		return ACME_ERR_TOO_LARGE;
	w.dst = dst;
	w.cap = cap;
	w.len = 0;
	w.err = 0;
	v6 = host[0] != '[' && strchr(host, ':') != NULL;
	http_w_str(&w, method);
	http_w_str(&w, " ");
	http_w_str(&w, path);
	http_w_str(&w, " HTTP/1.1\r\nHost: ");
	http_w_str(&w, v6 ? "[" : "");
	http_w_str(&w, host);
	http_w_str(&w, v6 ? "]" : "");
	if (port != 443) {
		http_w_str(&w, ":");
		http_w_dec(&w, port);
	}
	http_w_str(&w, "\r\nUser-Agent: picoacme/" ACME_VERSION "\r\n");
	if (content_type != NULL) {
		http_w_str(&w, "Content-Type: ");
		http_w_str(&w, content_type);
		http_w_str(&w, "\r\nContent-Length: ");
		http_w_dec(&w, body_len);
		http_w_str(&w, "\r\n");
	}
	if (accept != NULL) {
		http_w_str(&w, "Accept: ");
		http_w_str(&w, accept);
		http_w_str(&w, "\r\n");
	}
	if (extra != NULL)
		http_w_str(&w, extra);
	http_w_str(&w, "\r\n");
	if (w.err || w.len > INT_MAX) {
		dst[0] = '\0';
		return ACME_ERR_TOO_LARGE;
	}
	return (int)w.len;
}

/* 1 when c may appear in a host name: letters, digits, "-._~". */
static int
http_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/*
 * Split "https://[userinfo@]host[:port][/path[?query]]" (RFC 3986 3).
 * Userinfo is skipped (up to the last '@' of the authority).  Host is a
 * name of letters, digits and "-._~", or "[v6]" of hex digits, ':' and
 * '.' (stored without brackets; no zone id).  The whole URL must be
 * printable ASCII without spaces or '#' (no fragments); a query without
 * a path ("https://h?q") is refused.  ACME_ERR_PARAM for all of these,
 * ACME_ERR_TOO_LARGE when host does not fit hcap with its NUL.
 */
int
http_url_split(const char *url, char *host, size_t hcap,
    unsigned *port, const char **path)
{
	const char *a, *e, *h, *he, *p, *q;
	unsigned long pv = 443;

	if (host != NULL && hcap > 0)
		host[0] = '\0';
	if (url == NULL || host == NULL || port == NULL || path == NULL ||
	    !http_ok_text(url, 0) || strchr(url, '#') != NULL ||
	    strlen(url) < 8 || !http_ieq(url, 8, "https://"))
		return ACME_ERR_PARAM;
	a = url + 8;
	for (e = a; *e != '\0' && *e != '/' && *e != '?'; e++)
		;
	if (*e == '?')
		return ACME_ERR_PARAM;
	for (h = q = a; q < e; q++)
		if (*q == '@')
			h = q + 1;
	if (h < e && *h == '[') {
		for (he = ++h; he < e && *he != ']'; he++)
			if (str_hex(*he) < 0 && *he != ':' && *he != '.')
				return ACME_ERR_PARAM;
		if (he == e || memchr(h, ':', (size_t)(he - h)) == NULL)
			return ACME_ERR_PARAM;
		p = he + 1;
	} else {
		for (he = h; he < e && *he != ':'; he++)
			if (!http_host_char(*he))
				return ACME_ERR_PARAM;
		p = he;
	}
	if (he == h || (p < e && *p != ':'))
		return ACME_ERR_PARAM;
	if (p < e) {
		if (!http_all_digits(p + 1, (size_t)(e - p - 1)) ||
		    e - p - 1 > 5)
			return ACME_ERR_PARAM;
		for (pv = 0, q = p + 1; q < e; q++)
			pv = pv * 10 + (unsigned long)(*q - '0');
		if (pv == 0 || pv > 65535)
			return ACME_ERR_PARAM;
	}
	if ((size_t)(he - h) >= hcap)
		return ACME_ERR_TOO_LARGE;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	*port = (unsigned)pv;
	*path = *e != '\0' ? e : "/";
	return ACME_OK;
}

/*
 * 1 when both are https URLs with the same host (ASCII case-insensitive)
 * and port (RFC 6454 4: scheme, host, port), else 0.
 */
int
http_url_same_origin(const char *a, const char *b)
{
	char ha[ACME_MAX_NAME + 1], hb[ACME_MAX_NAME + 1];
	const char *pa, *pb;
	unsigned na, nb;
	size_t i;

	if (http_url_split(a, ha, sizeof ha, &na, &pa) != ACME_OK ||
	    http_url_split(b, hb, sizeof hb, &nb, &pb) != ACME_OK ||
	    na != nb || strlen(ha) != strlen(hb))
		return 0;
	for (i = 0; ha[i] != '\0'; i++)
		if (http_lower(ha[i]) != http_lower(hb[i]))
			return 0;
	return 1;
}

/* Index 0..6 of the weekday whose name (3 letters, or the whole name
 * when full) starts s, or -1.  Case-sensitive (RFC 9110 5.6.7). */
static int
http_wkday(const char *s, size_t n, int full)
{
	static const char *const d[] = { "Monday", "Tuesday", "Wednesday",
	    "Thursday", "Friday", "Saturday", "Sunday" };
	int i;

	for (i = 0; i < 7; i++)
		if (full ? strlen(d[i]) == n && memcmp(s, d[i], n) == 0 :
		    n == 3 && memcmp(s, d[i], 3) == 0)
			return i;
	return -1;
}

/* Month 1..12 of the 3 letters at s, or 0.  Case-sensitive. */
static int
http_month(const char *s)
{
	static const char m[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (memcmp(s, m + (size_t)(3 * i), 3) == 0)
			return i + 1;
	return 0;
}

/*
 * Seconds since the epoch of a checked date and "HH:MM:SS" time at t.
 * Days from civil (H. Hinnant's algorithm, proleptic Gregorian).  Only
 * 1970..9999; second 60 (a leap second) is allowed.  Returns 0 or -1.
 */
static int
http_epoch(int y, int mo, int d, const char *t, uint64_t *out)
{
	if (t[2] != ':' || t[5] != ':')
		return -1;
	return str_epoch(y, mo, d, str_digits(t, 2), str_digits(t + 3, 2),
	    str_digits(t + 6, 2), out);
}

/*
 * HTTP-date (RFC 9110 5.6.7), the whole string, exactly:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   rfc850-date  "Sunday, 06-Nov-94 08:49:37 GMT"  (yy < 70: 20yy)
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * The weekday name is checked but not matched against the date.
 */
int
http_date_parse(const char *s, uint64_t *out)
{
	size_t n, c;
	int y;

	if (s == NULL || out == NULL)
		return -1;
	n = strlen(s);
	if (n == 29 && s[3] == ',' && http_wkday(s, 3, 0) >= 0 &&
	    s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' &&
	    memcmp(s + 25, " GMT", 4) == 0)
		return http_epoch(str_digits(s + 12, 4), http_month(s + 8),
		    str_digits(s + 5, 2), s + 17, out);
	if (n == 24 && s[3] == ' ' && http_wkday(s, 3, 0) >= 0 &&
	    s[7] == ' ' && s[10] == ' ' && s[19] == ' ' &&
	    (s[8] != ' ' || s[9] != ' '))
		return http_epoch(str_digits(s + 20, 4), http_month(s + 4),
		    str_digits(s + 8 + (s[8] == ' '), 2 - (s[8] == ' ')),
		    s + 11, out);
	for (c = 0; c < n && s[c] != ','; c++)
		;
	if (c == n || n - c != 24 || http_wkday(s, c, 1) < 0 ||
	    s[c + 1] != ' ' || s[c + 4] != '-' || s[c + 8] != '-' ||
	    s[c + 11] != ' ' || memcmp(s + c + 20, " GMT", 4) != 0)
		return -1;
	if ((y = str_digits(s + c + 9, 2)) < 0)
		return -1;
	return http_epoch(y < 70 ? 2000 + y : 1900 + y, http_month(s + c + 5),
	    str_digits(s + c + 2, 2), s + c + 12, out);
}
