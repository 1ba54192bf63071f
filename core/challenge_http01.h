/*
 * challenge_http01.h -- the built-in http-01 responder (RFC 8555 8.3).
 *
 * What it answers.  Exactly "GET /.well-known/acme-challenge/<token>
 * HTTP/1.x" (x a digit; CRLF or bare LF line ends) for a live token gets
 * 200 with the key authorization (token "." thumbprint) as the body.  Any
 * other complete request gets 404: another path, method or version, a
 * query, the absolute form, a token not (or no longer) live.  A request
 * with a NUL byte, or with no blank line within ACME_HTTP01_MAX_REQUEST
 * bytes, gets 400.  Every answer says "Connection: close" and the
 * connection is closed once it is sent; nothing after the blank line is
 * read.  served counts 200 answers sent whole, refused 404/400 answers.
 *
 * Connections.  ACME_HTTP01_SLOTS connections are served side by side
 * (Let's Encrypt validates from several places at once, Pebble from
 * three), so an idle connection cannot delay the CA's: every
 * http01_poll() gives every slot a turn.  A connection that has not
 * delivered a complete request (and had its answer sent) within
 * ACME_HTTP01_TIMEOUT_MS of being accepted is closed without an answer;
 * so is one whose peer closes or fails.  When every slot is taken, new
 * connections wait in the port (the kernel's or lwIP's accept queue)
 * until a slot frees, or until the connection that has been open longest
 * without delivering a complete request has been so for
 * ACME_HTTP01_EVICT_MS: then the waiting one is accepted and that one is
 * closed to make room.  So a port scanner or an attacker holding every
 * slot delays a validator by at most ACME_HTTP01_EVICT_MS, while
 * validators that connect at once (Let's Encrypt: five per name) never
 * evict each other: each sends its request at once and frees its slot.
 * Nothing is closed while nobody waits.  The port must be able to hold
 * ACME_HTTP01_SLOTS + 1 accepted connections besides the listener and
 * the client's (port/lwip/port_lwip_raw.h, port_lwip.h).
 *
 * Memory.  A slot keeps the handle, a few counters and the request line
 * (up to HTTP01_LINE bytes, enough for the longest line that can match:
 * a longer one is a 404).  The rest of the request is counted and
 * scanned for the blank line, not stored.  The answer is not stored
 * either: it follows from which answer (a token, 404 or 400) and how
 * much is sent, and is rebuilt on the stack at each send.  sizeof(struct
 * http01) grows by sizeof(struct http01_conn) per slot (about 130 bytes
 * with the default ACME_MAX_TOKEN of 64).
 *
 * Work.  http01_poll() makes a bounded number of port calls: a few
 * recv/send calls per slot, and at most ACME_HTTP01_SLOTS + 1 accepts,
 * each new connection served at once.  It blocks only as long as the
 * port's recv/send may (port.h: bounded; the POSIX port does not wait on
 * the responder's sockets at all).  The driver calls it every
 * acme_step() and at least every 20 ms while the responder listens
 * (acme_wakeup_ms()).
 */
#ifndef CHALLENGE_HTTP01_H
#define CHALLENGE_HTTP01_H

#include <stddef.h>
#include <stdint.h>
#include "acme_config.h"
#include "port.h"

#define HTTP01_PREFIX "/.well-known/acme-challenge/"

/* Request line bytes kept: the longest that can match ("GET " prefix
 * token " HTTP/1.1" and a CR). */
#define HTTP01_LINE (sizeof("GET " HTTP01_PREFIX " HTTP/1.1\r") - 1 + \
    ACME_MAX_TOKEN)

/* struct http01_conn.ans: still reading, or the answer to send. */
enum {
	HTTP01_READING = -1,
	HTTP01_ANS_400 = -2,
	HTTP01_ANS_404 = -3
};

/* struct http01_conn.line_st. */
enum {
	HTTP01_LINE_OPEN = 0,   /* no line end yet */
	HTTP01_LINE_DONE,       /* the line is in line[] */
	HTTP01_LINE_LONG        /* longer than HTTP01_LINE: cannot match */
};

/* One connection slot. */
struct http01_conn {
	int h;                  /* connection handle, -1: slot free */
	uint32_t since;         /* now_ms() when accepted (low 32 bits) */
	uint32_t tail;          /* the last 4 bytes read: the blank line */
	uint32_t seq;           /* accept number: the eviction order */
	uint16_t in_len;        /* request bytes read */
	uint16_t out_off;       /* answer bytes sent */
	uint16_t line_len;      /* request line bytes kept */
	int16_t ans;            /* HTTP01_READING, HTTP01_ANS_400, _404, or
	                         * the index of the token to answer with */
	uint8_t line_st;        /* HTTP01_LINE_OPEN, _DONE, _LONG */
	char line[HTTP01_LINE];
};

struct http01 {
	int lh;                                  /* listening handle or -1 */
	uint32_t served;                         /* 200 answers sent */
	uint32_t refused;                        /* 404/400 answers sent */
	uint32_t seq;                            /* accepts, modulo 2^32 */
	unsigned ntokens;
	char thumb[48];
	char tokens[ACME_MAX_IDENTIFIERS][ACME_MAX_TOKEN + 1];
	struct http01_conn conn[ACME_HTTP01_SLOTS];
};

/* An empty, stopped responder (every slot free, no tokens). */
void http01_init(struct http01 *r);

/* Start listening on port with the account key's thumbprint (copied).
 * Already listening: ACME_OK, nothing changes.  ACME_OK,
 * ACME_ERR_TOO_LARGE (thumbprint over 47 characters) or
 * ACME_ERR_RESPONDER (the port has no listen/accept, or listen failed). */
int http01_start(struct http01 *r, const struct acme_port *p,
    uint16_t port, const char *thumb);

/* Add a live token (copied; a token already live is not added twice).
 * ACME_OK, or ACME_ERR_TOO_LARGE (ACME_MAX_IDENTIFIERS tokens live, or
 * the token is longer than ACME_MAX_TOKEN). */
int http01_add(struct http01 *r, const char *token);

/* 1 while listening. */
int http01_active(const struct http01 *r);

/* Serve what is waiting: read, answer and close on every open slot, then
 * accept new connections (evicting as the file comment says).  Bounded
 * work; does nothing when not listening. */
void http01_poll(struct http01 *r, const struct acme_port *p);

/* Stop listening, close every connection, forget the tokens.  The
 * counters stay.  Safe to call when stopped. */
void http01_stop(struct http01 *r, const struct acme_port *p);

#endif
