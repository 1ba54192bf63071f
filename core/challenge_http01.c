/*
 * challenge_http01.c -- see challenge_http01.h.
 */
#include <string.h>
#include "challenge_http01.h"
#include "acme_err.h"
#include "str.h"

void
http01_init(struct http01 *r)
{
	memset(r, 0, sizeof *r);
	r->lh = -1;
	r->ch = -1;
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

static void
http01_close_conn(struct http01 *r, const struct acme_port *p)
{
	if (r->ch >= 0)
		p->close(p->ctx, r->ch);
	r->ch = -1;
	r->in_len = 0;
	r->out_len = 0;
	r->out_off = 0;
}

/* The token the request line asks for, or -1. */
static int
http01_match(const struct http01 *r)
{
	static const char get[] = "GET " HTTP01_PREFIX;
	const char *path, *sp;
	unsigned i;

	if (strncmp(r->in, get, sizeof get - 1) != 0)
		return -1;
	path = r->in + sizeof get - 1;
	sp = strchr(path, ' ');
	if (sp == NULL || strncmp(sp, " HTTP/1.", 8) != 0)
		return -1;
	for (i = 0; i < r->ntokens; i++) {
		size_t tl = strlen(r->tokens[i]);

		if ((size_t)(sp - path) == tl &&
		    memcmp(path, r->tokens[i], tl) == 0)
			return (int)i;
	}
	return -1;
}

static void
http01_answer(struct http01 *r, int complete)
{
	int t = complete ? http01_match(r) : -1;
	size_t blen;

	r->out[0] = 0;
	if (t < 0) {
		str_cat(r->out, sizeof r->out, complete ?
		    "HTTP/1.1 404 Not Found\r\n" :
		    "HTTP/1.1 400 Bad Request\r\n");
		str_cat(r->out, sizeof r->out,
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		r->refused++;
	} else {
		/* RFC 8555 8.3: the body is the key authorization. */
		blen = strlen(r->tokens[t]) + 1 + strlen(r->thumb);
		str_cat(r->out, sizeof r->out, "HTTP/1.1 200 OK\r\n"
		    "Content-Type: application/octet-stream\r\n"
		    "Connection: close\r\nContent-Length: ");
		str_cat_u(r->out, sizeof r->out, blen);
		str_cat(r->out, sizeof r->out, "\r\n\r\n");
		str_cat(r->out, sizeof r->out, r->tokens[t]);
		str_cat(r->out, sizeof r->out, ".");
		str_cat(r->out, sizeof r->out, r->thumb);
		r->served++;
	}
	r->out_len = strlen(r->out);
	r->out_off = 0;
}

void
http01_poll(struct http01 *r, const struct acme_port *p)
{
	int n, guard;

	if (r->lh < 0)
		return;
	/* A few rounds at most per call: one request per connection. */
	for (guard = 0; guard < 8; guard++) {
		if (r->ch < 0) {
			n = p->accept(p->ctx, r->lh);
			if (n < 0)
				return;
			r->ch = n;
			r->in_len = 0;
			r->out_len = 0;
			r->deadline = p->now_ms(p->ctx) +
			    ACME_HTTP01_TIMEOUT_MS;
		}
		if (p->now_ms(p->ctx) > r->deadline) {
			http01_close_conn(r, p);
			continue;
		}
		if (r->out_len == 0) {
			size_t room = ACME_HTTP01_MAX_REQUEST - r->in_len;

			if (room == 0) {
				http01_answer(r, 0);
				continue;
			}
			n = p->recv(p->ctx, r->ch, r->in + r->in_len, room);
			if (n < 0) {
				http01_close_conn(r, p);
				continue;
			}
			if (n == 0)
				return;
			r->in_len += (size_t)n;
			r->in[r->in_len] = 0;
			if (memchr(r->in, 0, r->in_len) != NULL)
				http01_answer(r, 0);
			else if (strstr(r->in, "\r\n\r\n") != NULL ||
			    strstr(r->in, "\n\n") != NULL)
				http01_answer(r, 1);
			continue;
		}
		n = p->send(p->ctx, r->ch, r->out + r->out_off,
		    r->out_len - r->out_off);
		if (n < 0) {
			http01_close_conn(r, p);
			continue;
		}
		if (n == 0)
			return;
		r->out_off += (size_t)n;
		if (r->out_off == r->out_len)
			http01_close_conn(r, p);
	}
}

void
http01_stop(struct http01 *r, const struct acme_port *p)
{
	http01_close_conn(r, p);
	if (r->lh >= 0)
		p->close(p->ctx, r->lh);
	r->lh = -1;
	r->ntokens = 0;
}
