/*
 * test_http.c -- the HTTP module: realistic responses fed whole, split in
 * two at every byte and one byte at a time (every result field checked in
 * each); hostile inputs with their error codes in the same three ways;
 * the request head byte for byte, at every short cap, with injection
 * attempts; URL splitting; HTTP-date vectors; streamed bodies (a 200
 * answer to a sink, in pieces: every framing, split at every byte, the
 * stream's bound, error answers still in the buffer).
 *
 * Inputs are templates: "{N}" stands for N 'x' characters, and a case may
 * repeat a middle part, so long and oversized inputs stay readable.
 */
#include <stdint.h>
#include <stdlib.h>
#include "http.h"
#include "acme_err.h"
#include "fake_server.h"
#include "t.h"

#define BODY_CAP 512            /* default body buffer */
#define CANARY 16               /* guard bytes after the body buffer */

static char in_buf[64 * 1024];
static char body_buf[8192 + CANARY];

/* The sink of a streamed body (test_stream): what it got, in order. */
static struct {
	int on;                 /* run() streams to it */
	size_t max;             /* the stream's bound */
	long fail_at;           /* -1, else fail once past this many bytes */
	char got[16384];
	size_t len;
	unsigned calls;
	int bad;                /* called with len 0 or past its room */
} sk;

static int
sink(void *arg, const char *data, size_t len)
{
	(void)arg;
	sk.calls++;
	if (len == 0 || len > sizeof sk.got - sk.len) {
		sk.bad = 1;
		return ACME_ERR_PARAM;
	}
	memcpy(sk.got + sk.len, data, len);
	sk.len += len;
	if (sk.fail_at >= 0 && sk.len > (size_t)sk.fail_at)
		return ACME_ERR_STORAGE;
	return 0;
}

/* Where run() keeps Link rel="alternate" URLs (test_alternates): cap
 * entries when on, then a guard entry that must stay untouched. */
#define ALT_SLOTS 4
static struct {
	int on;
	unsigned cap;           /* 0..ALT_SLOTS */
	char url[ALT_SLOTS + 1][ACME_MAX_URL + 1];
} al;

/*
 * Length named by the "{...}" at t (t at '{'): digits, or L, N or U
 * (ACME_MAX_HEADER_LINE, ACME_MAX_NONCE, ACME_MAX_URL) with an optional
 * +k or -k.  Returns 1 and sets *k and *end (at '}'), or 0.
 */
static int
tmpl_len(const char *t, unsigned long *k, const char **end)
{
	unsigned long base = 0, d;
	char *e;
	int sign = 1;

	t++;
	if (*t == 'L' || *t == 'N' || *t == 'U') {
		base = *t == 'L' ? ACME_MAX_HEADER_LINE : *t == 'N' ?
		    ACME_MAX_NONCE : ACME_MAX_URL;
		t++;
		if (*t == '}') {
			*k = base;
			*end = t;
			return 1;
		}
		if (*t != '+' && *t != '-')
			return 0;
		sign = *t++ == '-' ? -1 : 1;
	}
	if (*t < '0' || *t > '9')
		return 0;
	d = strtoul(t, &e, 10);
	if (*e != '}')
		return 0;
	*k = sign < 0 ? base - d : base + d;
	*end = e;
	return 1;
}

/* Append template t to dst (cap) at *n, "{...}" becoming that many 'x'. */
static void
expand_one(char *dst, size_t cap, size_t *n, const char *t)
{
	unsigned long k;
	const char *end;

	for (; t != NULL && *t != '\0'; t++) {
		if (*t == '{' && tmpl_len(t, &k, &end)) {
			while (k-- > 0 && *n < cap)
				dst[(*n)++] = 'x';
			t = end;
			continue;
		}
		if (*n < cap)
			dst[(*n)++] = *t;
	}
}

/*
 * head + count * rep + tail, expanded into in_buf; count -1: enough reps
 * of rep to pass ACME_MAX_HEADERS alone.  Returns the length.
 */
static size_t
expand(const char *head, const char *rep, int count, const char *tail)
{
	size_t n = 0, rl = 0;
	int i;

	if (count < 0) {
		expand_one(in_buf, sizeof in_buf - 1, &rl, rep);
		count = (int)(ACME_MAX_HEADERS / rl + 1);
	}
	expand_one(in_buf, sizeof in_buf - 1, &n, head);
	for (i = 0; i < count; i++)
		expand_one(in_buf, sizeof in_buf - 1, &n, rep);
	expand_one(in_buf, sizeof in_buf - 1, &n, tail);
	in_buf[n] = '\0';
	return n;
}

/* Template t expanded into one of four rotating buffers. */
static const char *
xs(const char *t)
{
	static char b[4][ACME_MAX_URL + ACME_MAX_NONCE + 1024];
	static int k;
	size_t n = 0;
	char *d = b[k++ & 3];

	expand_one(d, sizeof b[0] - 1, &n, t);
	d[n] = '\0';
	return d;
}

/*
 * Parse in[0..len): pieces end at cut and every step bytes (step 0: no
 * steps), then EOF when still incomplete.  After the end (complete or
 * error) the rest is fed again and must give the same result with
 * nothing used; EOF must also repeat it.  *consumed: bytes used in all.
 */
static int
run(struct http_resp *r, size_t cap, int is_head, uint64_t now,
    const char *in, size_t len, size_t cut, size_t step, size_t *consumed)
{
	size_t pos = 0, end, u, total = 0;
	int rc = 0, again;

	memset(body_buf, 0xa5, sizeof body_buf);
	http_resp_init(r, body_buf, cap, is_head, now);
	sk.len = 0;
	sk.calls = 0;
	if (sk.on)
		http_resp_stream(r, sink, NULL, sk.max);
	if (al.on) {
		memset(al.url, 0xa5, sizeof al.url);
		http_resp_alternates(r, al.url, al.cap);
	}
	while (pos < len) {
		end = len;
		if (step != 0 && pos + step < len)
			end = pos + step;
		if (pos < cut && cut < end)
			end = cut;
		u = (size_t)-1;
		rc = http_resp_feed(r, in + pos, end - pos, &u);
		CHECK(u <= end - pos);
		total += u;
		pos += u;
		if (rc != 0)
			break;
		CHECK(pos == end);
	}
	if (rc == 0)
		rc = http_resp_eof(r);
	again = http_resp_feed(r, in + pos, len - pos, &u);
	CHECK(again == rc && u == 0);
	CHECK(http_resp_eof(r) == rc);
	*consumed = total;
	/* the body stays in its buffer and NUL-terminated */
	CHECK(r->body_len < cap && body_buf[r->body_len] == '\0');
	for (u = cap; u < cap + CANARY; u++)
		CHECK((unsigned char)body_buf[u] == 0xa5);
	return rc;
}

/* A response that parses, and every field it leaves. */
struct good {
	const char *name;
	const char *head, *rep;
	int count;
	const char *tail;
	size_t extra;           /* trailing bytes of the next response */
	size_t cap;             /* 0: BODY_CAP */
	int is_head;
	uint64_t now;
	int status, minor;
	const char *nonce;      /* NULL: has_nonce 0 */
	int nonce_too_long;
	const char *location, *link_up, *ctype;
	long retry_after, clen;
	int chunked, conn_close;
	const char *body;
};

static const struct good goods[] = {
	{ "pebble newAccount 201",
	    "HTTP/1.1 201 Created\r\n"
	    "Cache-Control: public, max-age=0, no-cache\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Link: <https://localhost:14000/dir>;rel=\"index\"\r\n"
	    "Location: https://localhost:14000/my-account/1\r\n"
	    "Replay-Nonce: taroEWXuoXyVQ0O7HgCn4Q\r\n"
	    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "Content-Length: 102\r\n"
	    "\r\n"
	    "{\"status\":\"valid\",\"contact\":[\"mailto:a@example.com\"],"
	    "\"orders\":\"https://localhost:14000/list-orderz/1\"}",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    201, 1, "taroEWXuoXyVQ0O7HgCn4Q", 0,
	    "https://localhost:14000/my-account/1", "", "application/json",
	    -1, 102, 0, 0,
	    "{\"status\":\"valid\",\"contact\":[\"mailto:a@example.com\"],"
	    "\"orders\":\"https://localhost:14000/list-orderz/1\"}" },
	{ "pebble challenge 200 with index and up links, next response",
	    "HTTP/1.1 200 OK\r\n"
	    "content-type: application/json\r\n"
	    "LINK: <https://localhost:14000/dir>;rel=\"index\"\r\n"
	    "link: <https://localhost:14000/authZ/a1>;rel=\"up\"\r\n"
	    "replay-nonce: Zm9vYmFy_-\r\n"
	    "content-length: 92\r\n"
	    "\r\n"
	    "{\"type\":\"http-01\","
	    "\"url\":\"https://localhost:14000/chalZ/x1\","
	    "\"status\":\"pending\",\"token\":\"tok\"}"
	    "HTTP/1.1 200 OK\r\n",
	    NULL, 0, NULL, 17, 0, 0, 0,
	    200, 1, "Zm9vYmFy_-", 0, "", "https://localhost:14000/authZ/a1",
	    "application/json", -1, 92, 0, 0,
	    "{\"type\":\"http-01\","
	    "\"url\":\"https://localhost:14000/chalZ/x1\","
	    "\"status\":\"pending\",\"token\":\"tok\"}" },
	{ "chunked with extensions and trailers, next response",
	    "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: Chunked\r\n"
	    "Content-Type: application/pem-certificate-chain\r\n"
	    "Replay-Nonce: abc\r\n"
	    "Link: <https://localhost:14000/cert/1/1>;rel=\"alternate\"\r\n"
	    "Link: <https://localhost:14000/issuer>;rel=\"up\"\r\n"
	    "\r\n"
	    "1c;name=\"va;lue\";x\r\n-----BEGIN CERTIFICATE-----\n\r\n"
	    "5 ; ext\r\nMIIB\n\r\n"
	    "01A\r\n-----END CERTIFICATE-----\n\r\n"
	    "0;fin\r\n"
	    "Expires: never\r\n"
	    "X-Sum: 1\r\n"
	    "\r\n"
	    "HTTP/1.1 200 OK\r\n",
	    NULL, 0, NULL, 17, 0, 0, 0,
	    200, 1, "abc", 0, "", "https://localhost:14000/issuer",
	    "application/pem-certificate-chain", -1, -1, 1, 0,
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" },
	{ "HEAD newNonce: Content-Length, no body",
	    "HTTP/1.1 200 OK\r\n"
	    "Cache-Control: no-store\r\n"
	    "Link: <https://localhost:14000/dir>;rel=\"index\"\r\n"
	    "Replay-Nonce: nonceFromHead\r\n"
	    "Content-Length: 123456\r\n"
	    "\r\n",
	    NULL, 0, NULL, 0, 0, 1, 0,
	    200, 1, "nonceFromHead", 0, "", "", "", -1, 123456, 0, 0, "" },
	{ "HEAD with chunked: no body either",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n",
	    NULL, 0, NULL, 3, 0, 1, 0,
	    200, 1, NULL, 0, "", "", "", -1, -1, 1, 0, "" },
	{ "204 newNonce, next bytes left",
	    "HTTP/1.1 204 No Content\r\n"
	    "Replay-Nonce: n204\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "HTTP/1.1",
	    NULL, 0, NULL, 8, 0, 0, 0,
	    204, 1, "n204", 0, "", "", "", -1, -1, 0, 0, "" },
	{ "304 with Content-Length: no body",
	    "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    304, 1, NULL, 0, "", "", "", -1, 50, 0, 0, "" },
	{ "HTTP/1.0 body until close",
	    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	    "all of this\r\nuntil close\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 0, NULL, 0, "", "", "text/plain", -1, -1, 0, 1,
	    "all of this\r\nuntil close\n" },
	{ "HTTP/1.1 body until close, no reason phrase",
	    "HTTP/1.1 200\r\n\r\nxyz",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, -1, 0, 1, "xyz" },
	{ "100 Continue and 103 Early Hints skipped, then 200",
	    "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 103 Early Hints\r\n"
	    "Link: </early>; rel=up\r\n"
	    "Replay-Nonce: early\r\n"
	    "\r\n"
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 2\r\n"
	    "\r\n"
	    "ok",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 2, 0, 0, "ok" },
	{ "bare LF lines, chunked",
	    "HTTP/1.1 201 Created\n"
	    "Location:https://h/o/1\n"
	    "Replay-Nonce:\t n1 \t\n"
	    "Transfer-Encoding: chunked\n"
	    "\n"
	    "3\nabc\n"
	    "0\n"
	    "\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    201, 1, "n1", 0, "https://h/o/1", "", "", -1, -1, 1, 0, "abc" },
	{ "429 with Retry-After seconds and a problem document",
	    "HTTP/1.1 429 Too Many Requests\r\n"
	    "Content-Type: application/problem+json\r\n"
	    "Retry-After: 120\r\n"
	    "Replay-Nonce: n429\r\n"
	    "Content-Length: 70\r\n"
	    "\r\n"
	    "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
	    "\"detail\":\"slow down\"}",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    429, 1, "n429", 0, "", "", "application/problem+json", 120, 70,
	    0, 0,
	    "{\"type\":\"urn:ietf:params:acme:error:rateLimited\","
	    "\"detail\":\"slow down\"}" },
	{ "503 with Retry-After date 60 s ahead",
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Retry-After: Sun, 06 Nov 1994 08:50:37 GMT\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n",
	    NULL, 0, NULL, 0, 0, 0, 784111777,
	    503, 1, NULL, 0, "", "", "", 60, 0, 0, 0, "" },
	{ "Retry-After date in the past",
	    "HTTP/1.1 503 x\r\n"
	    "Retry-After: Sunday, 06-Nov-94 08:49:37 GMT\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 784111778,
	    503, 1, NULL, 0, "", "", "", 0, 0, 0, 0, "" },
	{ "Retry-After date without a clock",
	    "HTTP/1.1 503 x\r\n"
	    "Retry-After: Sun Nov  6 08:49:37 1994\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    503, 1, NULL, 0, "", "", "", -1, 0, 0, 0, "" },
	{ "Retry-After garbage, then huge seconds clamped",
	    "HTTP/1.1 503 x\r\n"
	    "Retry-After: soon\r\n"
	    "Retry-After: 99999999999999999999999999\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    503, 1, NULL, 0, "", "", "", 86400L * 365, 0, 0, 0, "" },
	{ "Link lists: first rel=up wins, rel lists, quoting",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/alt>; rel=\"alternate\", <https://a/x,y>;"
	    " title=\"a, \\\"b\\\"\"; rel=\"index UP\","
	    " <https://a/second>;rel=up\r\n"
	    "Link: <https://a/third>;rel=up\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "https://a/x,y", "", -1, 0, 0, 0, "" },
	{ "Link: only the first rel counts; unquoted; escapes; too long",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1>;rel=index;rel=up\r\n"
	    "Link: <https://a/2>;rel=upper, <https://a/3>;rel=\"u p\"\r\n"
	    "Link: <{U+1}>;rel=up\r\n"
	    "Link: garbage, <https://a/4>;rel=up\r\n"
	    "Link: <https://a/5>;rel=\"alternate \\up\"\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "https://a/5", "", -1, 0, 0, 0, "" },
	{ "Link: malformed values ignored, spaces around '=', empty params",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1>;rel=up x\r\n"
	    "Link: <https://a/2;rel=up\r\n"
	    "Link: <https://a/3>;rel=\"up\r\n"
	    "Link: <https://a/4>;rel=\"u\\\r\n"
	    "Link: <https://a/5>; =up\r\n"
	    "Link: <https://a/6>; rel=\"index\" \"up\"\r\n"
	    "Link: <>;rel=up\r\n"
	    "Link: <https://a/ok> ; ; rel = up ;\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "https://a/ok", "", -1, 0, 0, 0, "" },
	{ "empty Replay-Nonce ignored; Retry-After date clamped",
	    "HTTP/1.1 503 x\r\n"
	    "Replay-Nonce: first\r\n"
	    "Replay-Nonce: \t \r\n"
	    "Retry-After: Thu, 31 Dec 2099 23:59:59 GMT\r\n"
	    "Connection: upgrade , close \r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 1,
	    503, 1, "first", 0, "", "", "", 86400L * 365, 0, 0, 1, "" },
	{ "long trailer line skipped",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "1\r\nA\r\n0\r\nX-T: {L+10}\r\nY: 1\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, -1, 1, 0, "A" },
	{ "Transfer-Encoding and Content-Length: chunked wins, close",
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 100\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "\r\n"
	    "2\r\nhi\r\n0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, -1, 1, 1, "hi" },
	{ "Connection list with close, same Content-Length twice",
	    "HTTP/1.1 200 OK\r\n"
	    "Connection: keep-alive, , CLOSE\r\n"
	    "Content-Length: 3\r\n"
	    "Content-Length: 003\r\n"
	    "\r\n"
	    "abc",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 3, 0, 1, "abc" },
	{ "Connection: keep-alive only",
	    "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
	    "Content-Length: 1\r\n\r\nZ",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 1, 0, 0, "Z" },
	{ "body exactly body_cap - 1",
	    "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n0123456789abcde",
	    NULL, 0, NULL, 0, 16, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 15, 0, 0, "0123456789abcde" },
	{ "long unknown header skipped, too-long nonce flagged",
	    "HTTP/1.1 400 Bad Request\r\n"
	    "X-Long: {L+2000}\r\n"
	    "Replay-Nonce: {N+1}\r\n"
	    "Content-Type: {70}/json\r\n"
	    "Content-Length: 2\r\n"
	    "\r\n"
	    "{}",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    400, 1, NULL, 1, "", "", "", -1, 2, 0, 0, "{}" },
	{ "media type of 63 characters fits",
	    "HTTP/1.1 200 OK\r\nContent-Type: {63} ; q=1\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "{63}", -1, 0, 0, 0, "" },
	{ "media type of 64 characters is dropped",
	    "HTTP/1.1 200 OK\r\nContent-Type: a/b\r\n"
	    "Content-Type: {64}\r\nContent-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 0, 0, 0, "" },
	{ "nonce longer than a header line: flagged, skipped",
	    "HTTP/1.1 200 OK\r\n"
	    "Replay-Nonce: {L+1000}\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 1, "", "", "", -1, 0, 0, 0, "" },
	{ "nonce of exactly ACME_MAX_NONCE; Location of ACME_MAX_URL",
	    "HTTP/1.1 200 OK\r\n"
	    "Replay-Nonce: {N}\r\n"
	    "Location: {U}\r\n"
	    "Link: <{U}>;rel=up\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, "{N}", 0, "{U}", "{U}", "", -1, 0, 0, 0, "" },
	{ "kept and unknown header lines of exactly ACME_MAX_HEADER_LINE",
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: {L-14}\r\n"
	    "X-Fill: {L-8}\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 0, 0, 0, "" },
	{ "names that only look like kept ones",
	    "HTTP/1.1 200 OK\r\n"
	    "Loc: /x\r\nLocations: /y\r\nLin: <a>;rel=up\r\n"
	    "Link-Template: <b>;rel=up\r\nConn: close\r\n"
	    "Content-Lengt: 7\r\nRetry: 5\r\nReplay-Nonc: n\r\n"
	    "Transfer-Encodin: gzip\r\nContent: text/x\r\n"
	    "Content-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    200, 1, NULL, 0, "", "", "", -1, 0, 0, 0, "" },
	{ "empty lines before the status line; obs-text in a value",
	    "\r\n\nHTTP/1.1 202 Accepted\r\nX-Name: caf\xc3\xa9\r\n"
	    "Content-Type:APPLICATION/JSON\r\nContent-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, 0, 0,
	    202, 1, NULL, 0, "", "", "application/json", -1, 0, 0, 0, "" },
};

/* Every field of r against g; mode names the feeding for messages. */
static void
check_good(const struct good *g, const struct http_resp *r, int rc,
    size_t consumed, size_t len, const char *mode, size_t cut)
{
	const char *n = g->name;

	CHECKF(rc == 1, "%s [%s %zu]: rc %d", n, mode, cut, rc);
	CHECKF(consumed == len - g->extra, "%s [%s %zu]: used %zu", n, mode,
	    cut, consumed);
	CHECKF(r->status == g->status, "%s [%s %zu]: status %d", n, mode,
	    cut, r->status);
	CHECKF(r->minor == g->minor, "%s [%s]: minor", n, mode);
	CHECKF(r->has_nonce == (g->nonce != NULL), "%s [%s %zu]: has_nonce",
	    n, mode, cut);
	CHECKF(strcmp(r->nonce, xs(g->nonce != NULL ? g->nonce : "")) == 0,
	    "%s [%s %zu]: nonce '%s'", n, mode, cut, r->nonce);
	CHECKF(r->nonce_too_long == g->nonce_too_long, "%s [%s]: too_long",
	    n, mode);
	CHECKF(strcmp(r->location, xs(g->location)) == 0,
	    "%s [%s %zu]: location '%s'", n, mode, cut, r->location);
	CHECKF(strcmp(r->link_up, xs(g->link_up)) == 0,
	    "%s [%s %zu]: link_up '%s'", n, mode, cut, r->link_up);
	CHECKF(strcmp(r->content_type, xs(g->ctype)) == 0,
	    "%s [%s %zu]: content_type '%s'", n, mode, cut, r->content_type);
	CHECKF(r->retry_after == g->retry_after, "%s [%s]: retry_after %ld",
	    n, mode, r->retry_after);
	CHECKF(r->content_length == g->clen, "%s [%s]: content_length %ld",
	    n, mode, r->content_length);
	CHECKF(r->chunked == g->chunked, "%s [%s]: chunked", n, mode);
	CHECKF(r->conn_close == g->conn_close, "%s [%s]: conn_close", n, mode);
	CHECKF(r->body_len == strlen(g->body) &&
	    memcmp(r->body, g->body, r->body_len + 1) == 0,
	    "%s [%s %zu]: body (%zu) '%s'", n, mode, cut, r->body_len,
	    r->body);
	CHECKF(r->state == HTTP_S_DONE, "%s [%s]: state", n, mode);
}

static void
test_good(void)
{
	static struct http_resp r;
	const struct good *g;
	size_t i, len, cut, used, cap;
	int rc;

	for (i = 0; i < sizeof goods / sizeof *goods; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		g = &goods[i];
		len = expand(g->head, g->rep, g->count, g->tail);
		cap = g->cap != 0 ? g->cap : BODY_CAP;
		rc = run(&r, cap, g->is_head, g->now, in_buf, len, len, 0,
		    &used);
		check_good(g, &r, rc, used, len, "whole", 0);
		for (cut = 0; cut <= len; cut++) {
			rc = run(&r, cap, g->is_head, g->now, in_buf, len, cut,
			    0, &used);
			check_good(g, &r, rc, used, len, "split", cut);
		}
		rc = run(&r, cap, g->is_head, g->now, in_buf, len, len, 1,
		    &used);
		check_good(g, &r, rc, used, len, "bytes", 0);
	}
}

/* An input that fails (or, with rc 1, passes with a flag to check). */
struct bad {
	const char *name;
	const char *head, *rep;
	int count;
	const char *tail;
	size_t cap;             /* 0: BODY_CAP */
	int is_head;
	int rc;
};

#define OK200 "HTTP/1.1 200 OK\r\n"

static const struct bad bads[] = {
	{ "empty stream", "", NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "lowercase http", "http/1.1 200 OK\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "status 999", "HTTP/1.1 999 Odd\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "status 099", "HTTP/1.1 099 Odd\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "status 600", "HTTP/1.1 600 Odd\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "status two digits", "HTTP/1.1 20 OK\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "status 2x0", "HTTP/1.1 2x0 OK\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "status glued to reason", "HTTP/1.1 200OK\r\n\r\n", NULL, 0, NULL,
	    0, 0, ACME_ERR_HTTP },
	{ "101 switching protocols", "HTTP/1.1 101 Switching\r\n\r\n", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "status line too long", "HTTP/1.1 200 {L}\r\n\r\n", NULL, 0,
	    NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "missing colon", OK200 "Content-Length 5\r\n\r\nhello", NULL, 0,
	    NULL, 0, 0, ACME_ERR_HTTP },
	{ "empty field name", OK200 ": x\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "space before colon", OK200 "Content-Length : 0\r\n\r\n", NULL, 0,
	    NULL, 0, 0, ACME_ERR_HTTP },
	{ "obs-fold", OK200 "X-A: a\r\n  b\r\nContent-Length: 0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "obs-fold with tab", OK200 "X-A: a\r\n\tb\r\n\r\n", NULL, 0, NULL,
	    0, 0, ACME_ERR_HTTP },
	{ "bare CR inside a line", OK200 "X-A: a\rb\r\n\r\n", NULL, 0, NULL,
	    0, 0, ACME_ERR_HTTP },
	{ "CR CR LF", OK200 "X-A: a\r\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "control character in a value", OK200 "X-A: a\x01\r\n\r\n", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "DEL in a value", OK200 "X-A: a\x7f\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "Content-Length non-digit", OK200 "Content-Length: 5x\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "Content-Length negative", OK200 "Content-Length: -1\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "Content-Length empty", OK200 "Content-Length:\r\n\r\n", NULL, 0,
	    NULL, 0, 0, ACME_ERR_HTTP },
	{ "Content-Length list", OK200 "Content-Length: 1, 1\r\n\r\nx", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "Content-Length overflow",
	    OK200 "Content-Length: 99999999999999999999999999\r\n\r\n", NULL,
	    0, NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "Content-Length too big for the buffer",
	    OK200 "Content-Length: 16\r\n\r\n0123456789abcdef", NULL, 0, NULL,
	    16, 0, ACME_ERR_TOO_LARGE },
	{ "Content-Length conflict",
	    OK200 "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "truncated Content-Length body",
	    OK200 "Content-Length: 10\r\n\r\nabc", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "truncated headers", OK200 "Content-Length: 10\r\n", NULL, 0, NULL,
	    0, 0, ACME_ERR_HTTP },
	{ "truncated status line", "HTTP/1.1 20", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "body until close over the buffer", OK200 "\r\n{40}", NULL, 0, NULL,
	    32, 0, ACME_ERR_TOO_LARGE },
	{ "chunk size garbage",
	    OK200 "Transfer-Encoding: chunked\r\n\r\nzz\r\n", NULL, 0, NULL,
	    0, 0, ACME_ERR_HTTP },
	{ "chunk size empty",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n\r\n", NULL, 0, NULL, 0,
	    0, ACME_ERR_HTTP },
	{ "chunk size trailing junk",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "chunk size negative",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n-5\r\n", NULL, 0, NULL,
	    0, 0, ACME_ERR_HTTP },
	{ "chunk size 16 digits",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n"
	    "0000000000000001\r\nx\r\n0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "chunk size overflow",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n"
	    "1ffffffffffffffffffff\r\n", NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "chunk size 15 digits, too large",
	    OK200 "Transfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "chunks together over the buffer",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n", "8\r\n{8}\r\n", 4,
	    "0\r\n\r\n", 32, 0, ACME_ERR_TOO_LARGE },
	{ "chunk data without CRLF",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "chunk extension line too long",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n5;{L}\r\nhello",
	    NULL, 0, NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "chunked body truncated in the trailers",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX: y\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "trailer without colon",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n0\r\nnocolon\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "trailers over ACME_MAX_HEADERS",
	    OK200 "Transfer-Encoding: chunked\r\n\r\n0\r\n",
	    "X-T: {1000}\r\n", -1, "\r\n", 0, 0, ACME_ERR_TOO_LARGE },
	{ "Transfer-Encoding gzip",
	    OK200 "Transfer-Encoding: gzip\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "Transfer-Encoding gzip, chunked",
	    OK200 "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "Transfer-Encoding chunked twice",
	    OK200 "Transfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_HTTP },
	{ "Transfer-Encoding empty", OK200 "Transfer-Encoding:\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "header bytes over ACME_MAX_HEADERS", OK200, "X-Pad: {1000}\r\n",
	    -1, "\r\n", 0, 0, ACME_ERR_TOO_LARGE },
	{ "endless empty lines before the status", "", "\r\n", -1, NULL,
	    0, 0, ACME_ERR_TOO_LARGE },
	{ "endless 100 Continue", "", "HTTP/1.1 100 Continue\r\n\r\n", -1,
	    NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "Location over ACME_MAX_URL", OK200 "Location: {U+1}\r\n"
	    "\r\n", NULL, 0, NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "Location over a header line", OK200 "Location: {L+1000}\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "Link over a header line", OK200 "Link: <{L+1000}>;rel=up\r\n\r\n",
	    NULL, 0, NULL, 0, 0, ACME_ERR_TOO_LARGE },
	{ "Content-Type one byte over a header line",
	    OK200 "Content-Type: {L-13}\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_TOO_LARGE },
	{ "Content-Length over a header line",
	    OK200 "content-length:{L}\r\n\r\n", NULL, 0, NULL, 0, 0,
	    ACME_ERR_TOO_LARGE },
	{ "over-long line folded", OK200 "X: a\r\n {L}\r\n\r\n", NULL, 0,
	    NULL, 0, 0, ACME_ERR_HTTP },
	{ "over-long line, bad name", OK200 "X Y{L}: a\r\n\r\n", NULL, 0,
	    NULL, 0, 0, ACME_ERR_HTTP },
	{ "over-long line, control char", OK200 "X: {L}\x02\r\n\r\n", NULL,
	    0, NULL, 0, 0, ACME_ERR_HTTP },
	{ "long unknown header is skipped",
	    OK200 "X-Unknown: {L+900}\r\nContent-Length: 0\r\n\r\n", NULL, 0,
	    NULL, 0, 0, 1 },
	{ "long unknown name without colon is skipped",
	    OK200 "X{L+500}\r\nContent-Length: 0\r\n\r\n", NULL, 0,
	    NULL, 0, 0, 1 },
	{ "too-long nonce is not an error",
	    OK200 "Replay-Nonce: {N+20}\r\nContent-Length: 0\r\n\r\n", NULL, 0,
	    NULL, 0, 0, 1 },
	{ "HEAD ignores a huge Content-Length",
	    OK200 "Content-Length: 999999999\r\n\r\n", NULL, 0, NULL, 16, 1,
	    1 },
	{ "no body buffer at all, body", OK200 "Content-Length: 1\r\n\r\nx",
	    NULL, 0, NULL, 1, 0, ACME_ERR_TOO_LARGE },
};

static void
check_bad(const struct bad *b, int rc, const char *mode, size_t cut)
{
	CHECKF(rc == b->rc, "%s [%s %zu]: rc %d, want %d", b->name, mode, cut,
	    rc, b->rc);
}

static void
test_bad(void)
{
	static struct http_resp r;
	const struct bad *b;
	size_t i, len, cut, used, cap, stride;
	int rc;

	for (i = 0; i < sizeof bads / sizeof *bads; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		b = &bads[i];
		len = expand(b->head, b->rep, b->count, b->tail);
		cap = b->cap != 0 ? b->cap : BODY_CAP;
		rc = run(&r, cap, b->is_head, 0, in_buf, len, len, 0, &used);
		check_bad(b, rc, "whole", 0);
		if (strstr(b->name, "nonce") != NULL) {
			CHECKF(r.nonce_too_long == 1 && r.has_nonce == 0,
			    "%s: nonce flags", b->name);
		}
		stride = len > 3000 ? 97 : 1;
		for (cut = 0; cut <= len; cut += stride) {
			rc = run(&r, cap, b->is_head, 0, in_buf, len, cut, 0,
			    &used);
			check_bad(b, rc, "split", cut);
		}
		rc = run(&r, cap, b->is_head, 0, in_buf, len, len, 1, &used);
		check_bad(b, rc, "bytes", 0);
	}
}

/*
 * A response whose header bytes are exactly ACME_MAX_HEADERS parses; one
 * byte more is too large.  Fed whole, split, and byte by byte.
 */
static void
test_header_limit(void)
{
	static struct http_resp r;
	const char *head = "HTTP/1.1 200 OK\r\n";
	const char *tail = "Content-Length: 0\r\n\r\nNEXT";
	size_t n, left, take, k, used, cut, over;
	int rc, want;

	for (over = 0; over <= 1; over++) {
		n = strlen(head);
		memcpy(in_buf, head, n);
		left = ACME_MAX_HEADERS + over - n - (strlen(tail) - 4);
		while (left > 0) {
			take = left > 1006 ? 1000 : left;
			memcpy(in_buf + n, "X-P:", 4);
			for (k = 4; k < take - 2; k++)
				in_buf[n + k] = 'x';
			memcpy(in_buf + n + take - 2, "\r\n", 2);
			n += take;
			left -= take;
		}
		memcpy(in_buf + n, tail, strlen(tail) + 1);
		n += strlen(tail);
		want = over ? ACME_ERR_TOO_LARGE : 1;
		rc = run(&r, BODY_CAP, 0, 0, in_buf, n, n, 0, &used);
		CHECKF(rc == want && (over || used == n - 4),
		    "header limit +%zu: rc %d", over, rc);
		CHECK(over || r.header_bytes == ACME_MAX_HEADERS);
		for (cut = 0; cut <= n; cut += 61) {
			rc = run(&r, BODY_CAP, 0, 0, in_buf, n, cut, 0, &used);
			CHECKF(rc == want, "header limit +%zu cut %zu: rc %d",
			    over, cut, rc);
		}
		rc = run(&r, BODY_CAP, 0, 0, in_buf, n, n, 1, &used);
		CHECKF(rc == want, "header limit +%zu bytes: rc %d", over, rc);
	}
}

/* After the first error, the same error; no further bytes used. */
static void
test_sticky(void)
{
	static struct http_resp r;
	const char *ok = "HTTP/1.1 200 OK\r\n\r\n";
	size_t used = 99;

	http_resp_init(&r, body_buf, 64, 0, 0);
	CHECK(http_resp_feed(&r, "HTTP/9", 6, &used) == ACME_ERR_HTTP ||
	    used <= 6);
	http_resp_init(&r, body_buf, 64, 0, 0);
	CHECK(http_resp_feed(&r, "XTTP/1.1 200 OK\r\n", 17, &used) ==
	    ACME_ERR_HTTP);
	CHECK(http_resp_feed(&r, ok, strlen(ok), &used) == ACME_ERR_HTTP);
	CHECK(used == 0);
	CHECK(http_resp_eof(&r) == ACME_ERR_HTTP);
	/* zero-length and NULL feeds change nothing */
	http_resp_init(&r, body_buf, 64, 0, 0);
	CHECK(http_resp_feed(&r, NULL, 0, &used) == 0 && used == 0);
	CHECK(http_resp_feed(&r, ok, 0, NULL) == 0);
	CHECK(http_resp_feed(&r, ok, strlen(ok), &used) == 0);
	CHECK(used == strlen(ok) && r.state == HTTP_S_BODY_CLOSE);
	CHECK(http_resp_eof(&r) == 1 && r.body_len == 0);
	CHECK(http_resp_feed(&r, ok, strlen(ok), &used) == 1 && used == 0);
}

/* How a streamed test body is framed. */
enum { F_LEN, F_CHUNK, F_CLOSE };

/*
 * A response into in_buf: the status line of status, the extra header
 * lines, then body[0..blen) framed by Content-Length, chunks of varied
 * sizes (with an extension and a trailer), or nothing (ended by EOF).
 * Returns the length.
 */
static size_t
stream_input(int status, const char *extra, int framing, const char *body,
    size_t blen)
{
	size_t n;

	n = (size_t)snprintf(in_buf, sizeof in_buf, "HTTP/1.1 %d X\r\n%s",
	    status, extra);
	if (framing == F_LEN)
		n += (size_t)snprintf(in_buf + n, sizeof in_buf - n,
		    "Content-Length: %zu\r\n\r\n", blen);
	else if (framing == F_CHUNK)
		n += (size_t)snprintf(in_buf + n, sizeof in_buf - n,
		    "Transfer-Encoding: chunked\r\n\r\n");
	else
		n += (size_t)snprintf(in_buf + n, sizeof in_buf - n, "\r\n");
	if (framing != F_CHUNK) {
		memcpy(in_buf + n, body, blen);
		return n + blen;
	}
	return fs_chunked(in_buf, sizeof in_buf, n, body, blen, 700,
	    "X-Trailer: t\r\n");
}

/* A streamed response and what must come of it. */
struct strm {
	const char *name;
	int status;
	const char *extra;      /* header lines before the framing */
	int framing;
	size_t blen;            /* body bytes (a pattern that never repeats
	                         * within 4 KB) */
	size_t max;             /* the stream's bound */
	long fail_at;           /* -1, else the sink fails past it */
	int is_head;
	int rc;                 /* the result */
	int streaming;          /* 1: the body went to the sink */
	size_t got;             /* with rc < 0: at most this much streamed */
};

#define SMAX 3000

static const struct strm strms[] = {
	{ "200 Content-Length, over the buffer", 200,
	    "Content-Type: application/pem-certificate-chain\r\n", F_LEN,
	    2900, SMAX, -1, 0, 1, 1, 0 },
	{ "200 chunked", 200, "", F_CHUNK, 2900, SMAX, -1, 0, 1, 1, 0 },
	{ "200 ended by EOF", 200, "", F_CLOSE, 2900, SMAX, -1, 0, 1, 1, 0 },
	{ "200 Content-Length at the bound", 200, "", F_LEN, SMAX, SMAX, -1,
	    0, 1, 1, 0 },
	{ "200 chunked at the bound", 200, "", F_CHUNK, SMAX, SMAX, -1, 0, 1,
	    1, 0 },
	{ "200 EOF at the bound", 200, "", F_CLOSE, SMAX, SMAX, -1, 0, 1, 1,
	    0 },
	{ "200 empty", 200, "", F_LEN, 0, SMAX, -1, 0, 1, 1, 0 },
	{ "100 Continue, then 200", 200, "", F_LEN, 700, SMAX, -1, 0, 1, 1,
	    0 },
	{ "200 Content-Length over the bound: nothing streamed", 200, "",
	    F_LEN, SMAX + 1, SMAX, -1, 0, ACME_ERR_TOO_LARGE, 1, 0 },
	{ "200 chunked over the bound", 200, "", F_CHUNK, SMAX + 1, SMAX, -1,
	    0, ACME_ERR_TOO_LARGE, 1, SMAX },
	{ "200 EOF over the bound", 200, "", F_CLOSE, SMAX + 1, SMAX, -1, 0,
	    ACME_ERR_TOO_LARGE, 1, SMAX },
	{ "sink fails: its error, sticky", 200, "", F_CHUNK, 2900, SMAX,
	    1500, 0, ACME_ERR_STORAGE, 1, 2900 },
	{ "sink fails on the first piece", 200, "", F_LEN, 2900, SMAX, 0, 0,
	    ACME_ERR_STORAGE, 1, 2900 },
	{ "400 problem: in the buffer, not streamed", 400,
	    "Content-Type: application/problem+json\r\n"
	    "Replay-Nonce: bm9uY2U\r\n", F_LEN, 300, SMAX, 0, 0, 1, 0, 0 },
	{ "503 Retry-After chunked: in the buffer", 503,
	    "Retry-After: 2\r\n", F_CHUNK, 300, SMAX, 0, 0, 1, 0, 0 },
	{ "201: in the buffer", 201, "", F_CLOSE, 300, SMAX, 0, 0, 1, 0, 0 },
	{ "404 over the buffer: too large as without a sink", 404, "",
	    F_LEN, 600, SMAX, 0, 0, ACME_ERR_TOO_LARGE, 0, 0 },
	{ "HEAD 200: no body", 200, "", F_LEN, 2900, SMAX, 0, 1, 1, 0, 0 },
};

/* The test body: printable, no 4 KB window repeats (a piece given twice
 * or out of order shows). */
static void
stream_body(char *b, size_t n)
{
	uint32_t x = 0x12345678;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		b[i] = (char)('!' + (x >> 16) % 90);
	}
}

/* Everything r and the sink hold against s after a run with rc. */
static void
check_stream(const struct strm *s, const struct http_resp *r, int rc,
    size_t used, size_t len, const char *body, const char *mode, size_t cut)
{
	const char *n = s->name;

	CHECKF(rc == s->rc, "%s [%s %zu]: rc %d", n, mode, cut, rc);
	CHECKF(!sk.bad, "%s [%s %zu]: sink called badly", n, mode, cut);
	CHECKF(r->status == s->status, "%s [%s %zu]: status %d", n, mode, cut,
	    r->status);
	CHECKF(r->streaming == (s->is_head ? 0 : s->streaming),
	    "%s [%s %zu]: streaming %d", n, mode, cut, r->streaming);
	CHECKF(r->streamed == sk.len, "%s [%s %zu]: streamed %zu, sink %zu",
	    n, mode, cut, r->streamed, sk.len);
	if (rc == 1 && r->streaming) {
		CHECKF(sk.len == s->blen && memcmp(sk.got, body, sk.len) == 0,
		    "%s [%s %zu]: sink got %zu bytes", n, mode, cut, sk.len);
		CHECKF(r->body_len == 0 && body_buf[0] == '\0',
		    "%s [%s %zu]: the buffer was written", n, mode, cut);
		CHECKF(used == len, "%s [%s %zu]: used %zu", n, mode, cut,
		    used);
	} else if (rc == 1) {
		CHECKF(sk.calls == 0, "%s [%s %zu]: sink called", n, mode,
		    cut);
		CHECKF(r->body_len == (s->is_head ? 0 : s->blen) &&
		    memcmp(body_buf, body, r->body_len) == 0,
		    "%s [%s %zu]: body %zu", n, mode, cut, r->body_len);
	} else {
		/* what was streamed is a prefix, within the bound */
		CHECKF(sk.len <= s->got && sk.len <= s->max &&
		    memcmp(sk.got, body, sk.len) == 0,
		    "%s [%s %zu]: streamed %zu", n, mode, cut, sk.len);
		CHECKF(s->fail_at < 0 || sk.calls == 0 ||
		    sk.len > (size_t)s->fail_at,
		    "%s [%s %zu]: sink called after failing", n, mode, cut);
	}
}

static void
test_stream(void)
{
	static struct http_resp r;
	static char body[SMAX + 16];
	const struct strm *s;
	size_t i, len, cut, used;
	int rc;

	stream_body(body, sizeof body);
	sk.on = 1;
	for (i = 0; i < sizeof strms / sizeof *strms; i++) {
		T_CASE("%s[%u] %s", __func__, (unsigned)i, strms[i].name);
		s = &strms[i];
		sk.max = s->max;
		sk.fail_at = s->fail_at;
		sk.bad = 0;
		len = stream_input(s->status, s->extra, s->framing, body,
		    s->blen);
		if (strstr(s->name, "100 Continue") != NULL) {
			memmove(in_buf + 25, in_buf, len);
			memcpy(in_buf, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			len += 25;
		}
		rc = run(&r, 512, s->is_head, 0, in_buf, len, len, 0, &used);
		check_stream(s, &r, rc, used, len, body, "whole", 0);
		for (cut = 0; cut <= len; cut++) {
			rc = run(&r, 512, s->is_head, 0, in_buf, len, cut, 0,
			    &used);
			check_stream(s, &r, rc, used, len, body, "split", cut);
		}
		rc = run(&r, 512, s->is_head, 0, in_buf, len, len, 1, &used);
		check_stream(s, &r, rc, used, len, body, "bytes", 0);
		if (s->status == 503)
			CHECK(r.retry_after == 2);
		if (s->status == 400)
			CHECK(r.has_nonce && strcmp(r.nonce, "bm9uY2U") == 0);
	}
	sk.on = 0;
}

/* Request heads: exact bytes. */
struct req {
	const char *method, *host;
	unsigned port;
	const char *path, *ctype;
	size_t body_len;
	const char *accept, *extra;
	const char *want;       /* NULL: rejected with ACME_ERR_PARAM */
};

#define UA "User-Agent: picoacme/" ACME_VERSION "\r\n"

static const struct req reqs[] = {
	{ "GET", "acme-v02.api.letsencrypt.org", 443, "/directory", NULL, 0,
	    NULL, NULL,
	    "GET /directory HTTP/1.1\r\n"
	    "Host: acme-v02.api.letsencrypt.org\r\n" UA "\r\n" },
	{ "POST", "localhost", 14000, "/sign-me-up",
	    "application/jose+json", 1234, NULL, NULL,
	    "POST /sign-me-up HTTP/1.1\r\nHost: localhost:14000\r\n" UA
	    "Content-Type: application/jose+json\r\n"
	    "Content-Length: 1234\r\n\r\n" },
	{ "POST", "h", 1, "/", "application/jose+json", 0,
	    "application/pem-certificate-chain", "Connection: close\r\n",
	    "POST / HTTP/1.1\r\nHost: h:1\r\n" UA
	    "Content-Type: application/jose+json\r\nContent-Length: 0\r\n"
	    "Accept: application/pem-certificate-chain\r\n"
	    "Connection: close\r\n\r\n" },
	{ "HEAD", "::1", 65535, "/nonce-plz?x=1", NULL, 7, "*/*",
	    "A: 1\r\nB: 2\r\n",
	    "HEAD /nonce-plz?x=1 HTTP/1.1\r\nHost: [::1]:65535\r\n" UA
	    "Accept: */*\r\nA: 1\r\nB: 2\r\n\r\n" },
	{ "GET", "[::1]", 443, "/", NULL, 0, NULL, "",
	    "GET / HTTP/1.1\r\nHost: [::1]\r\n" UA "\r\n" },
	/* rejected */
	{ "GET\r\nX: y", "h", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET /", "h", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GE(T", "h", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "", "h", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ NULL, "h", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h\r\nX-Injected: 1", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h x", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET", "", 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET", NULL, 443, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "/a\r\nX: y", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "/a b", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "/a\n", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "a", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, NULL, NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "/\xc3\xa9", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 0, "/", NULL, 0, NULL, NULL, NULL },
	{ "GET", "h", 65536, "/", NULL, 0, NULL, NULL, NULL },
	{ "POST", "h", 443, "/", "a\r\nX: y", 0, NULL, NULL, NULL },
	{ "POST", "h", 443, "/", "", 0, NULL, NULL, NULL },
	{ "GET", "h", 443, "/", NULL, 0, "x\ny", NULL, NULL },
	{ "GET", "h", 443, "/", NULL, 0, "x\x7f", NULL, NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: y", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: y\n", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: y\r", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: y\r\n\r\nbody", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "\r\n", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: y\r\n folded\r\n", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: \0", NULL },
	{ "GET", "h", 443, "/", NULL, 0, NULL, "X: \x01\r\n", NULL },
};

static void
test_req(void)
{
	static char dst[1024];
	const struct req *q;
	size_t i, cap, wl;
	int rc;

	for (i = 0; i < sizeof reqs / sizeof *reqs; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		q = &reqs[i];
		memset(dst, 0x5a, sizeof dst);
		rc = http_req_head(dst, sizeof dst, q->method, q->host,
		    q->port, q->path, q->ctype, q->body_len, q->accept,
		    q->extra);
		if (q->want == NULL) {
			CHECKF(rc == ACME_ERR_PARAM && dst[0] == '\0',
			    "req %zu: rc %d", i, rc);
			continue;
		}
		wl = strlen(q->want);
		CHECKF(rc == (int)wl && strcmp(dst, q->want) == 0,
		    "req %zu: rc %d '%s'", i, rc, dst);
		/* every cap too small, then exactly enough */
		for (cap = 0; cap <= wl + 1; cap++) {
			memset(dst, 0x5a, sizeof dst);
			rc = http_req_head(dst, cap, q->method, q->host,
			    q->port, q->path, q->ctype, q->body_len,
			    q->accept, q->extra);
			if (cap <= wl) {
				CHECKF(rc == ACME_ERR_TOO_LARGE &&
				    (cap == 0 || dst[0] == '\0'),
				    "req %zu cap %zu: rc %d", i, cap, rc);
			} else {
				CHECKF(rc == (int)wl &&
				    strcmp(dst, q->want) == 0,
				    "req %zu cap %zu: rc %d", i, cap, rc);
			}
			CHECKF((unsigned char)dst[cap] == 0x5a,
			    "req %zu cap %zu: wrote past cap", i, cap);
		}
	}
	T_CASE("%s", __func__);
	CHECK(http_req_head(NULL, 10, "GET", "h", 443, "/", NULL, 0, NULL,
	    NULL) == ACME_ERR_PARAM);
}

/* URL splitting. */
struct url {
	const char *url;
	size_t hcap;            /* 0: 64 */
	int rc;
	const char *host;
	unsigned port;
	const char *path;
};

static const struct url urls[] = {
	{ "https://example.com", 0, ACME_OK, "example.com", 443, "/" },
	{ "https://example.com/", 0, ACME_OK, "example.com", 443, "/" },
	{ "https://acme-v02.api.letsencrypt.org/directory", 0, ACME_OK,
	    "acme-v02.api.letsencrypt.org", 443, "/directory" },
	{ "HTTPS://Example.COM:14000/dir?x=1&y=/z", 0, ACME_OK,
	    "Example.COM", 14000, "/dir?x=1&y=/z" },
	{ "https://localhost:14000", 0, ACME_OK, "localhost", 14000, "/" },
	{ "https://h:1/", 0, ACME_OK, "h", 1, "/" },
	{ "https://h:65535/", 0, ACME_OK, "h", 65535, "/" },
	{ "https://h:00443/", 0, ACME_OK, "h", 443, "/" },
	{ "https://user:pw@host.example/x", 0, ACME_OK, "host.example", 443,
	    "/x" },
	{ "https://a@b@host/", 0, ACME_OK, "host", 443, "/" },
	{ "https://host/p@q:1", 0, ACME_OK, "host", 443, "/p@q:1" },
	{ "https://[::1]:14000/dir", 0, ACME_OK, "::1", 14000, "/dir" },
	{ "https://[2001:db8::a:1]/", 0, ACME_OK, "2001:db8::a:1", 443,
	    "/" },
	{ "https://[::ffff:192.0.2.1]", 0, ACME_OK, "::ffff:192.0.2.1", 443,
	    "/" },
	{ "https://u@[::1]:8443/x", 0, ACME_OK, "::1", 8443, "/x" },
	{ "https://192.0.2.1:8443/x", 0, ACME_OK, "192.0.2.1", 8443, "/x" },
	{ "https://example.com", 12, ACME_OK, "example.com", 443, "/" },
	{ "https://example.com", 11, ACME_ERR_TOO_LARGE, "", 0, NULL },
	{ "https://example.com", 1, ACME_ERR_TOO_LARGE, "", 0, NULL },
	{ "http://example.com/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "ftp://example.com/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https:/example.com/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https:", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https:///path", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://user@/path", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://:443/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:0/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:65536/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:99999999999999999999/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:1x/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:-1/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h:1:2/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://[::1/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://[]/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://[1.2.3.4]/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://[::1]x/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://[::g]/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://[fe80::1%25eth0]/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://host?x=1", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://host/#frag", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://ho st/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://host/a b", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://host/\r\nX: y", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h%41/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ "https://h\xc3\xa9/", 0, ACME_ERR_PARAM, "", 0, NULL },
	{ NULL, 0, ACME_ERR_PARAM, "", 0, NULL },
};

static void
test_url(void)
{
	char host[64];
	const struct url *u;
	const char *path;
	unsigned port;
	size_t i;
	int rc;

	for (i = 0; i < sizeof urls / sizeof *urls; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		u = &urls[i];
		memset(host, 0x5a, sizeof host);
		port = 7;
		path = NULL;
		rc = http_url_split(u->url, host, u->hcap ? u->hcap : 64,
		    &port, &path);
		CHECKF(rc == u->rc, "url '%s': rc %d", u->url ? u->url : "-",
		    rc);
		CHECKF(strcmp(host, u->host) == 0, "url '%s': host '%s'",
		    u->url ? u->url : "-", host);
		if (u->rc != ACME_OK)
			continue;
		CHECKF(port == u->port, "url '%s': port %u", u->url, port);
		CHECKF(path != NULL && strcmp(path, u->path) == 0,
		    "url '%s': path", u->url);
	}
	T_CASE("%s", __func__);
	CHECK(http_url_split("https://h/", NULL, 8, &port, &path) ==
	    ACME_ERR_PARAM);
	CHECK(http_url_split("https://h/", host, 0, &port, &path) ==
	    ACME_ERR_TOO_LARGE);
}

/* HTTP-dates. */
static const struct {
	const char *s;
	int rc;
	uint64_t t;
} dates[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777 },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777 },
	{ "Sun Nov  6 08:49:37 1994", 0, 784111777 },
	{ "Sun Nov 06 08:49:37 1994", 0, 784111777 },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
	{ "Thu Jan  1 00:00:00 1970", 0, 0 },
	{ "Tue, 29 Feb 2000 12:00:00 GMT", 0, 951825600 },
	{ "Thu, 29 Feb 2024 00:00:00 GMT", 0, 1709164800 },
	{ "Wed, 09 Jun 2021 10:18:14 GMT", 0, 1623233894 },
	{ "Wednesday, 09-Jun-21 10:18:14 GMT", 0, 1623233894 },
	{ "Monday, 01-Jan-35 00:00:00 GMT", 0, 2051222400 },
	{ "Thu, 31 Dec 2099 23:59:59 GMT", 0, 4102444799 },
	{ "Fri, 31 Dec 9999 23:59:59 GMT", 0, 253402300799ULL },
	{ "Fri Dec 31 23:59:60 1999", 0, 946684800 },
	/* invalid */
	{ "", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 UTC", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT ", -1, 0 },
	{ " Sun, 06 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 6 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "sun, 06 nov 1994 08:49:37 GMT", -1, 0 },
	{ "Xyz, 06 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 06 Foo 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 31 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 00 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Thu, 29 Feb 1900 00:00:00 GMT", -1, 0 },
	{ "Sat, 29 Feb 2023 00:00:00 GMT", -1, 0 },
	{ "Wed, 31 Dec 1969 23:59:59 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 24:00:00 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:60:00 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:61 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08-49-37 GMT", -1, 0 },
	{ "Sun, 06 Nov 19a4 08:49:37 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:3 GMT ", -1, 0 },
	{ "Sunday, 06-Nov-1994 08:49:37 GMT", -1, 0 },
	{ "Sundae, 06-Nov-94 08:49:37 GMT", -1, 0 },
	{ "Sun, 06-Nov-94 08:49:37 GMT", -1, 0 },
	{ "Sunday, 06 Nov 94 08:49:37 GMT", -1, 0 },
	{ "Sunday, 06-Nov-9x 08:49:37 GMT", -1, 0 },
	{ "Sun Nov   6 08:49:37 1994", -1, 0 },
	{ "Sun Nov  6 08:49:37 94", -1, 0 },
	{ "Sun Nov 6 08:49:37 1994", -1, 0 },
	{ "Sun Nov  x 08:49:37 1994", -1, 0 },
	{ "Sun Nov  6 08:49:37 1994\n", -1, 0 },
	{ ",", -1, 0 },
	{ "120", -1, 0 },
};

static void
test_date(void)
{
	uint64_t t;
	size_t i;
	int rc;

	for (i = 0; i < sizeof dates / sizeof *dates; i++) {
		T_CASE("%s[%u]", __func__, (unsigned)i);
		t = 12345;
		rc = http_date_parse(dates[i].s, &t);
		CHECKF(rc == dates[i].rc, "date '%s': rc %d", dates[i].s, rc);
		if (rc == 0 && dates[i].rc == 0)
			CHECKF(t == dates[i].t, "date '%s': %llu", dates[i].s,
			    (unsigned long long)t);
	}
	T_CASE("%s", __func__);
	CHECK(http_date_parse(NULL, &t) == -1);
}

#if ACME_ALT_CHAINS
/* Link rel="alternate" (RFC 8555 7.4.2): what is kept, in order. */
static const struct {
	const char *name;
	const char *head;
	unsigned cap;           /* entries offered */
	const char *want[ALT_SLOTS];
	unsigned more;          /* alt_more */
	const char *link_up;
} alts[] = {
	{ "pebble: two Link lines, index and up beside them",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://p:14000/dir>;rel=\"index\"\r\n"
	    "Link: <https://p:14000/certZ/1/alternate/1>;rel=\"alternate\"\r\n"
	    "Link: <https://p:14000/certZ/1/alternate/2>;rel=\"alternate\"\r\n"
	    "Link: <https://p:14000/issuer>;rel=\"up\"\r\n",
	    3, { "https://p:14000/certZ/1/alternate/1",
	    "https://p:14000/certZ/1/alternate/2" }, 0,
	    "https://p:14000/issuer" },
	{ "several in one line; case, quoting, other params, lists",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1>; rel=ALTERNATE, <https://a/x,y>;"
	    " title=\"a, \\\"b\\\"\"; rel=\"index alternate\","
	    " <https://a/up>;rel=up, <https://a/3> ; rel = \"up Alternate\"\r\n",
	    3, { "https://a/1", "https://a/x,y", "https://a/3" }, 0,
	    "https://a/up" },
	{ "more than cap: the first kept, the rest counted",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1>;rel=alternate, <https://a/2>;rel=alternate\r\n"
	    "Link: <https://a/3>;rel=alternate\r\n"
	    "Link: <https://a/4>;rel=alternate\r\n",
	    2, { "https://a/1", "https://a/2" }, 2, "" },
	{ "not asked for: nothing written",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1>;rel=alternate\r\n", 0, { NULL }, 1, "" },
	{ "other rels, only the first rel, lookalikes",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1>;rel=alternates, <https://a/2>;rel=alter\r\n"
	    "Link: <https://a/3>;rel=index;rel=alternate\r\n"
	    "Link: <https://a/4>;anchor=\"#alternate\"; title=alternate\r\n"
	    "Link: <https://a/5>;rel=\"alternatex\", <https://a/6>;"
	    "rel=\"x-alternate\"\r\n"
	    "Lin: <https://a/7>;rel=alternate\r\n"
	    "Link-Template: <https://a/8>;rel=alternate\r\n",
	    3, { NULL }, 0, "" },
	{ "malformed values ignored from where they go wrong",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/1;rel=alternate\r\n"
	    "Link: <https://a/2>;rel=\"alternate\r\n"
	    "Link: <https://a/3>;rel=\"alter\\\r\n"
	    "Link: garbage, <https://a/4>;rel=alternate\r\n"
	    "Link: <https://a/5>;rel=alternate x, <https://a/6>;rel=alternate\r\n"
	    "Link: <https://a/ok>;rel=alternate, garbage <https://a/7>\r\n",
	    3, { "https://a/ok" }, 0, "" },
	{ "empty URI and one over ACME_MAX_URL: counted, not kept",
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <>;rel=alternate\r\n"
	    "Link: <{U+1}>;rel=alternate\r\n"
	    "Link: <{U}>;rel=alternate\r\n",
	    3, { "{U}" }, 2, "" },
	{ "a 1xx response's links are forgotten",
	    "HTTP/1.1 103 Early Hints\r\n"
	    "Link: <https://a/early>;rel=alternate\r\n\r\n"
	    "HTTP/1.1 200 OK\r\n"
	    "Link: <https://a/late>;rel=alternate\r\n",
	    3, { "https://a/late" }, 0, "" },
};

static void
test_alternates(void)
{
	static struct http_resp r;
	size_t i, len, cut, used;
	unsigned k, n;
	int rc;

	for (i = 0; i < sizeof alts / sizeof *alts; i++) {
		T_CASE("%s[%u] %s", __func__, (unsigned)i, alts[i].name);
		len = expand(alts[i].head, NULL, 0,
		    "Content-Length: 0\r\n\r\n");
		for (n = 0; n < ALT_SLOTS && alts[i].want[n] != NULL; n++)
			;
		al.on = 1;
		al.cap = alts[i].cap;
		/* whole, split at every byte, and a byte at a time */
		for (cut = 0; cut <= len + 1; cut++) {
			rc = run(&r, BODY_CAP, 0, 0, in_buf, len,
			    cut <= len ? cut : len, cut > len ? 1 : 0, &used);
			CHECKF(rc == 1, "%s [%zu]: rc %d", alts[i].name, cut,
			    rc);
			CHECKF(r.alt_n == n, "%s [%zu]: %u kept, not %u",
			    alts[i].name, cut, r.alt_n, n);
			CHECKF(r.alt_more == alts[i].more, "%s [%zu]: more %u",
			    alts[i].name, cut, r.alt_more);
			for (k = 0; k < n && k < r.alt_n; k++)
				CHECKF(strcmp(al.url[k],
				    xs(alts[i].want[k])) == 0,
				    "%s [%zu]: alt %u '%s'", alts[i].name,
				    cut, k, al.url[k]);
			/* nothing written past what was kept */
			for (k = n; k <= ALT_SLOTS; k++)
				CHECKF((unsigned char)al.url[k][0] == 0xa5,
				    "%s [%zu]: entry %u written",
				    alts[i].name, cut, k);
			CHECKF(strcmp(r.link_up, alts[i].link_up) == 0,
			    "%s: link_up '%s'", alts[i].name, r.link_up);
		}
	}
	al.on = 0;
	/* http_resp_alternates(NULL): nothing kept, nothing counted */
	T_CASE("%s: NULL", __func__);
	http_resp_init(&r, body_buf, BODY_CAP, 0, 0);
	http_resp_alternates(&r, NULL, 3);
	len = expand("HTTP/1.1 200 OK\r\nLink: <https://a/1>;rel=alternate"
	    "\r\nContent-Length: 0\r\n\r\n", NULL, 0, NULL);
	CHECK(http_resp_feed(&r, in_buf, len, &used) == 1);
	CHECK(r.alt_n == 0 && r.alt_more == 0);
}
#endif

int
main(void)
{
	T_RUN(test_good);
	T_RUN(test_bad);
	T_RUN(test_header_limit);
	T_RUN(test_sticky);
	T_RUN(test_stream);
#if ACME_ALT_CHAINS
	T_RUN(test_alternates);
#endif
	T_RUN(test_req);
	T_RUN(test_url);
	T_RUN(test_date);
	return t_done("http");
}
