/*
 * challenge_http01.h -- the built-in http-01 responder (RFC 8555 8.3).
 *
 * It answers exactly "GET /.well-known/acme-challenge/<token>" for the
 * live tokens with the key authorization (token "." thumbprint), and 404
 * to anything else.  One connection at a time, a request of at most
 * ACME_HTTP01_MAX_REQUEST bytes read within ACME_HTTP01_TIMEOUT_MS; every
 * call is non-blocking beyond the port's own bounded send/recv.
 */
#ifndef CHALLENGE_HTTP01_H
#define CHALLENGE_HTTP01_H

#include <stddef.h>
#include <stdint.h>
#include "acme_config.h"
#include "port.h"

#define HTTP01_PREFIX "/.well-known/acme-challenge/"

struct http01 {
	int lh;                                  /* listening handle or -1 */
	int ch;                                  /* connection or -1 */
	uint64_t deadline;                       /* for the connection */
	size_t in_len;
	size_t out_len, out_off;
	uint32_t served;                         /* 200 answers given */
	uint32_t refused;                        /* 404/400 answers given */
	unsigned ntokens;
	char thumb[48];
	char tokens[ACME_MAX_IDENTIFIERS][ACME_MAX_TOKEN + 1];
	char in[ACME_HTTP01_MAX_REQUEST + 1];
	char out[160 + ACME_MAX_TOKEN + 48];
};

void http01_init(struct http01 *r);

/* Start listening on port with the account key's thumbprint.
 * ACME_OK or ACME_ERR_RESPONDER. */
int http01_start(struct http01 *r, const struct acme_port *p,
    uint16_t port, const char *thumb);

/* Add a live token (ACME_OK, ACME_ERR_TOO_LARGE). */
int http01_add(struct http01 *r, const char *token);

/* 1 while listening. */
int http01_active(const struct http01 *r);

/* Serve what is waiting: accept, read, answer; never blocks beyond the
 * port's bounded calls. */
void http01_poll(struct http01 *r, const struct acme_port *p);

/* Stop listening, close any connection, forget the tokens. */
void http01_stop(struct http01 *r, const struct acme_port *p);

#endif
