/*
 * challenge_http01.c -- see challenge_http01.h.
 */
#include <string.h>
#include "challenge_http01.h"
#include "acme_err.h"
#include "str.h"

/* The stack buffer of http01_poll(): a recv chunk, or the answer (head of
 * about 100 bytes, the token, ".", the thumbprint). */
#define HTTP01_BUF (160 + ACME_MAX_TOKEN + 48)

/* Port calls one slot may make in one turn (recv or send; close is
 * extra): enough for a request in three pieces and its answer. */
#define HTTP01_TURN 6

void
http01_init(struct http01 *r)
{
	unsigned i;

	memset(r, 0, sizeof *r);
	r->lh = -1;
	for (i = 0; i < ACME_HTTP01_SLOTS; i++)
		r->conn[i].h = -1;
}

int
http01_start(struct http01 *r, const struct acme_port *p, uint16_t port,
    const char *thumb)
{
	if (r->lh >= 0)
		return ACME_OK;
	if (str_copy(r->thumb, sizeof r->thumb, thumb) != 0)
		return ACME_ERR_TOO_LARGE;
	if (p->listen == NULL || p->accept == NULL)
		return ACME_ERR_RESPONDER;
	r->lh = p->listen(p->ctx, port);
	return r->lh >= 0 ? ACME_OK : ACME_ERR_RESPONDER;
}

int
http01_add(struct http01 *r, const char *token)
{
	unsigned i;

	for (i = 0; i < r->ntokens; i++)
		if (strcmp(r->tokens[i], token) == 0)
			return ACME_OK;
	if (r->ntokens >= ACME_MAX_IDENTIFIERS)
		return ACME_ERR_TOO_LARGE;
	if (str_copy(r->tokens[r->ntokens], ACME_MAX_TOKEN + 1, token) != 0)
		return ACME_ERR_TOO_LARGE;
	r->ntokens++;
	return ACME_OK;
}

int
http01_active(const struct http01 *r)
{
	return r->lh >= 0;
}

/* Close slot c's connection (if any) and free the slot. */
static void
http01_close(const struct acme_port *p, struct http01_conn *c)
{
	if (c->h >= 0)
		p->close(p->ctx, c->h);
	memset(c, 0, sizeof *c);
	c->h = -1;
}

/* The answer to slot c's complete request: the index of the token its
 * request line asks for, or HTTP01_ANS_404.  The line must be exactly
 * "GET " HTTP01_PREFIX token " HTTP/1." digit (a CR before the LF is not
 * part of it). */
static int
http01_match(const struct http01 *r, const struct http01_conn *c)
{
	static const char get[] = "GET " HTTP01_PREFIX;
	static const char ver[] = " HTTP/1.";
	size_t len = c->line_len, gl = sizeof get - 1, vl = sizeof ver - 1;
	const char *v;
	unsigned i;

	if (c->line_st != HTTP01_LINE_DONE)
		return HTTP01_ANS_404;
	if (len > 0 && c->line[len - 1] == '\r')
		len--;
	if (len < gl + 1 + vl + 1 || memcmp(c->line, get, gl) != 0)
		return HTTP01_ANS_404;
	v = c->line + len - vl - 1;
	if (memcmp(v, ver, vl) != 0 || v[vl] < '0' || v[vl] > '9')
		return HTTP01_ANS_404;
	len = (size_t)(v - (c->line + gl));         /* the token's */
	for (i = 0; i < r->ntokens; i++)
		if (strlen(r->tokens[i]) == len &&
		    memcmp(c->line + gl, r->tokens[i], len) == 0)
			return (int)i;
	return HTTP01_ANS_404;
}

/* Take n request bytes of slot c: keep the request line, look for the
 * blank line that ends the head, and decide the answer when the request
 * is complete (the token's or 404), malformed (NUL: 400) or too long
 * (400).  Bytes after the blank line are ignored. */
static void
http01_feed(const struct http01 *r, struct http01_conn *c, const char *b,
    size_t n)
{
	size_t i;

	for (i = 0; i < n && c->ans == HTTP01_READING; i++) {
		unsigned char ch = (unsigned char)b[i];

		c->in_len++;
		if (ch == 0) {
			c->ans = HTTP01_ANS_400;
			break;
		}
		if (c->line_st == HTTP01_LINE_OPEN) {
			if (ch == '\n')
				c->line_st = HTTP01_LINE_DONE;
			else if (c->line_len < HTTP01_LINE)
				c->line[c->line_len++] = (char)ch;
			else
				c->line_st = HTTP01_LINE_LONG;
		}
		/* RFC 7230 3: the head ends with an empty line (CRLF CRLF;
		 * 3.5: a bare LF is accepted as a line end). */
		c->tail = c->tail << 8 | ch;
		if ((c->tail & 0xffff) == 0x0a0a || c->tail == 0x0d0a0d0a)
			c->ans = (int16_t)http01_match(r, c);
	}
	if (c->ans == HTTP01_READING && c->in_len >= ACME_HTTP01_MAX_REQUEST)
		c->ans = HTTP01_ANS_400;
}

/* Write the answer of slot c into buf (HTTP01_BUF bytes); its length.
 * The same bytes every time: a partial send resumes at out_off. */
static size_t
http01_answer(const struct http01 *r, const struct http01_conn *c,
    char *buf)
{
	const char *tok;

	buf[0] = 0;
	if (c->ans < 0) {
		str_cat(buf, HTTP01_BUF, c->ans == HTTP01_ANS_404 ?
		    "HTTP/1.1 404 Not Found\r\n" :
		    "HTTP/1.1 400 Bad Request\r\n");
		str_cat(buf, HTTP01_BUF,
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		return strlen(buf);
	}
	/* RFC 8555 8.3: the body is the key authorization. */
	tok = r->tokens[c->ans];
	str_cat(buf, HTTP01_BUF, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Connection: close\r\nContent-Length: ");
	str_cat_u(buf, HTTP01_BUF, strlen(tok) + 1 + strlen(r->thumb));
	str_cat(buf, HTTP01_BUF, "\r\n\r\n");
	str_cat(buf, HTTP01_BUF, tok);
	str_cat(buf, HTTP01_BUF, ".");
	str_cat(buf, HTTP01_BUF, r->thumb);
	return strlen(buf);
}

/* Give slot c a turn of at most HTTP01_TURN recv/send calls: read until
 * the request is complete or nothing more has come, then send the answer
 * and close.  Closed without an answer on a port error, peer close, or
 * when ACME_HTTP01_TIMEOUT_MS have passed since the accept.  buf is the
 * caller's HTTP01_BUF bytes. */
static void
http01_serve(struct http01 *r, const struct acme_port *p,
    struct http01_conn *c, char *buf)
{
	size_t len;
	int k, n;

	for (k = 0; k < HTTP01_TURN; k++) {
		if (c->ans == HTTP01_READING) {
			len = ACME_HTTP01_MAX_REQUEST - c->in_len;
			n = p->recv(p->ctx, c->h, buf,
			    len < HTTP01_BUF ? len : HTTP01_BUF);
			if (n < 0)
				goto out_close;
			if (n == 0)
				break;
			http01_feed(r, c, buf, (size_t)n);
			continue;
		}
		len = http01_answer(r, c, buf);
		n = p->send(p->ctx, c->h, buf + c->out_off, len - c->out_off);
		if (n < 0)
			goto out_close;
		if (n == 0)
			break;
		c->out_off = (uint16_t)(c->out_off + n);
		if (c->out_off < len)
			continue;
		if (c->ans >= 0)
			r->served++;
		else
			r->refused++;
		http01_close(p, c);
		return;
	}
	if ((uint32_t)p->now_ms(p->ctx) - c->since < ACME_HTTP01_TIMEOUT_MS)
		return;
out_close:
	http01_close(p, c);
}

/* A slot for a new connection: a free one, else the one open longest
 * without a complete request, if that is at least ACME_HTTP01_EVICT_MS
 * (a validator sends its request as soon as it is connected, an idle
 * connection does not), whose connection is closed (evicted) when evict
 * is set.  NULL when there is none: every slot is sending an answer or
 * was opened just now.  "Longest" is by accept number, not time, so that
 * arrivals within one millisecond still go first in, first out (2^32
 * accepts do not fit in the ACME_HTTP01_TIMEOUT_MS a connection
 * lives). */
static struct http01_conn *
http01_slot(struct http01 *r, const struct acme_port *p, int evict)
{
	struct http01_conn *c, *old = NULL;
	uint32_t now = (uint32_t)p->now_ms(p->ctx);
	unsigned i;

	for (i = 0; i < ACME_HTTP01_SLOTS; i++) {
		c = &r->conn[i];
		if (c->h < 0)
			return c;
		if (c->ans == HTTP01_READING &&
		    (old == NULL || r->seq - c->seq > r->seq - old->seq))
			old = c;
	}
	if (old == NULL || now - old->since < ACME_HTTP01_EVICT_MS)
		return NULL;
	if (evict)
		http01_close(p, old);
	return old;
}

void
http01_poll(struct http01 *r, const struct acme_port *p)
{
	struct http01_conn *c;
	char buf[HTTP01_BUF];
	unsigned i;
	int h;

	if (r->lh < 0)
		return;
	for (i = 0; i < ACME_HTTP01_SLOTS; i++)
		if (r->conn[i].h >= 0)
			http01_serve(r, p, &r->conn[i], buf);
	/* Accept only when there is room (a free slot, or one to evict),
	 * else new connections wait in the port (the kernel's or lwIP's
	 * queue) until a slot frees; accept first, then make room, so
	 * nothing is closed while nobody waits.  A new connection is served
	 * at once, so a validator whose request is already in is answered
	 * in this call. */
	for (i = 0; i <= ACME_HTTP01_SLOTS; i++) {
		if (http01_slot(r, p, 0) == NULL)
			return;
		h = p->accept(p->ctx, r->lh);
		if (h < 0)
			return;
		c = http01_slot(r, p, 1);
		c->h = h;
		c->since = (uint32_t)p->now_ms(p->ctx);
		c->seq = r->seq++;
		c->ans = HTTP01_READING;
		http01_serve(r, p, c, buf);
	}
}

void
http01_stop(struct http01 *r, const struct acme_port *p)
{
	unsigned i;

	for (i = 0; i < ACME_HTTP01_SLOTS; i++)
		http01_close(p, &r->conn[i]);
	if (r->lh >= 0)
		p->close(p->ctx, r->lh);
	r->lh = -1;
	r->ntokens = 0;
}
