/*
 * http.h -- HTTP/1.1 request head writer and incremental response parser.
 *
 * The parser is fed whatever bytes the transport delivers, split anywhere
 * (one byte at a time works), and keeps only what picoacme uses: the
 * status, Replay-Nonce, Location, Retry-After, Link (rel="up", and
 * rel="alternate" into caller storage: http_resp_alternates()),
 * Content-Type, Content-Length, Transfer-Encoding: chunked, Connection:
 * close, and the body in a bounded buffer the caller owns.  Header bytes
 * in total are bounded by ACME_MAX_HEADERS, one header line by
 * ACME_MAX_HEADER_LINE (a longer line of a header we do not use is
 * skipped).  1xx interim responses are skipped.
 *
 * A response may instead hand its body to a sink in pieces, as it
 * arrives (http_resp_stream()): only a 200 answer, whatever frames it
 * (Content-Length, chunked, or the end of the stream); any other status
 * still fills the buffer, so an error document is read as usual.  The
 * streamed body has its own bound.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "acme_config.h"

enum http_state {
	HTTP_S_STATUS = 0, HTTP_S_HEADER, HTTP_S_BODY_LEN, HTTP_S_BODY_CLOSE,
	HTTP_S_CHUNK_SIZE, HTTP_S_CHUNK_DATA, HTTP_S_CHUNK_CRLF,
	HTTP_S_TRAILER, HTTP_S_DONE
};

/*
 * Takes len (> 0) bytes of a streamed body, in order.  Returns 0, or a
 * negative acme_err: the response then ends with that error (sticky).
 */
typedef int (*http_sink)(void *arg, const char *data, size_t len);

struct http_resp {
	/* results */
	int status;                         /* e.g. 200 */
	int minor;                          /* HTTP/1.<minor> */
	char nonce[ACME_MAX_NONCE + 1];     /* Replay-Nonce, raw */
	unsigned char has_nonce;            /* 1: nonce holds the value */
	unsigned char nonce_too_long;       /* 1: a value was over the limit */
	char location[ACME_MAX_URL + 1];
	char link_up[ACME_MAX_URL + 1];     /* Link: <...>;rel="up", or "" */
	char (*alt)[ACME_MAX_URL + 1];      /* rel="alternate" URLs, or NULL */
	unsigned alt_cap;                   /* entries of alt */
	unsigned alt_n;                     /* URLs kept in alt */
	unsigned alt_more;                  /* not kept: no room, too long */
	char content_type[64];              /* media type, lowercased, no params */
	long retry_after;                   /* seconds from now, or -1 */
	long content_length;                /* -1 when absent */
	unsigned char chunked;
	unsigned char conn_close;           /* Connection: close, or HTTP/1.0 */
	char *body;                         /* caller's buffer */
	size_t body_cap;                    /* body_cap - 1 bytes usable; NUL kept */
	size_t body_len;
	http_sink sink;                     /* NULL: the body goes to body */
	void *sink_arg;
	size_t stream_max;                  /* bound on the streamed body */
	size_t streamed;                    /* bytes given to sink */
	unsigned char streaming;            /* this body goes to sink */
	int sink_err;                       /* the error sink returned */

	/* parser state */
	enum http_state state;
	unsigned char is_head;
	uint64_t unix_now;                  /* for Retry-After HTTP-dates */
	size_t header_bytes;
	size_t line_len;
	unsigned char line_skip;            /* current line too long: skipping */
	unsigned char saw_cr;
	uint64_t chunk_left;
	char line[ACME_MAX_HEADER_LINE + 1];
};

/*
 * Prepare r for a response.  body/body_cap: where the body goes (one byte
 * is kept for a terminating NUL).  is_head: the request was HEAD (no body
 * whatever the headers say).  unix_now: current wall-clock time for
 * Retry-After dates (0 when unknown: a date then leaves retry_after -1).
 */
void http_resp_init(struct http_resp *r, char *body, size_t body_cap,
    int is_head, uint64_t unix_now);

/*
 * After http_resp_init(): the body of a 200 answer goes to sink (arg
 * passed back) in pieces instead of the buffer, at most max bytes in
 * all (more is ACME_ERR_TOO_LARGE: a Content-Length or chunk size over
 * what is left fails before any of it is given).  Any other status fills
 * the buffer as without a sink.  r->streaming says which happened, once
 * the header section is complete; r->streamed counts what sink took.
 */
void http_resp_stream(struct http_resp *r, http_sink sink, void *arg,
    size_t max);

/*
 * After http_resp_init(): the URI of each Link with rel="alternate"
 * (RFC 8288 3.3: the first rel parameter counts; RFC 8555 7.4.2), in
 * the order they come, goes to alt[0..cap) as a NUL-terminated string,
 * r->alt_n of them; the URIs are not resolved or checked.  Once cap are
 * kept, or for a URI over ACME_MAX_URL, r->alt_more counts the rest.  A
 * malformed Link value is ignored from where it goes wrong.
 */
void http_resp_alternates(struct http_resp *r, char (*alt)[ACME_MAX_URL + 1],
    unsigned cap);

/*
 * Feed len bytes.  *used receives how many were consumed (less than len
 * only when the response completed before the end of data).  Returns 0
 * when more is needed, 1 when the response is complete, or
 * ACME_ERR_HTTP (malformed) / ACME_ERR_TOO_LARGE (over a limit) / the
 * sink's error.  After an error or completion, further calls return the
 * same.
 */
int http_resp_feed(struct http_resp *r, const void *data, size_t len,
    size_t *used);

/*
 * The peer closed the stream.  Returns 1 when that completes the response
 * (body delimited by close), ACME_ERR_HTTP when the response is truncated.
 */
int http_resp_eof(struct http_resp *r);

/*
 * Write a request head into dst (NUL-terminated).  method "GET", "HEAD"
 * or "POST"; host and port for the Host header (port omitted when 443);
 * path starts with '/'; content_type NULL for none; body_len written as
 * Content-Length when content_type is not NULL; accept NULL for none;
 * extra NULL or more header lines, each ending in "\r\n".  Always sends
 * User-Agent: picoacme/ACME_VERSION.  Returns the length or
 * ACME_ERR_TOO_LARGE.
 */
int http_req_head(char *dst, size_t cap, const char *method,
    const char *host, unsigned port, const char *path,
    const char *content_type, size_t body_len, const char *accept,
    const char *extra);

/*
 * Split an https URL: host into host (cap hcap, NUL), port (443 when
 * absent), *path pointing into url at the path ("/" when absent: then
 * *path is a static "/").  Only "https://" is accepted (case-insensitive);
 * userinfo, IPv6 literals with brackets are supported for host.  Returns
 * ACME_OK, ACME_ERR_PARAM (not https, bad port) or ACME_ERR_TOO_LARGE.
 */
int http_url_split(const char *url, char *host, size_t hcap,
    unsigned *port, const char **path);

/*
 * 1 when the https URLs a and b have the same origin: host (ASCII
 * case-insensitive) and port, 443 when absent.  0 otherwise, also when
 * either is not an https URL.
 */
int http_url_same_origin(const char *a, const char *b);

/*
 * Parse an HTTP-date (IMF-fixdate, RFC 9110 5.6.7; also RFC 850 and
 * asctime forms) into seconds since the epoch.  Returns 0 on success,
 * -1 on failure.
 */
int http_date_parse(const char *s, uint64_t *out);

#endif
