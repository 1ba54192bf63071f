/*
 * tls.h -- one BearSSL TLS client connection over the port transport.
 *
 * tls_open() connects and resets the engine (the handshake happens while
 * tls_xfer_step() runs).  A transfer writes up to two byte ranges (request
 * head and body) as application data and hands every received
 * application byte to a sink until the sink says the response is
 * complete.  Nothing blocks longer than the port's send/recv do.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "acme_config.h"
#include "port.h"
#include "x509ip.h"

struct tls_conn {
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
#if ACME_SERVER_IP
	struct x509ip_context xi;        /* the X.509 engine: xc, plus the
	                                  * iPAddress check (x509ip.h) */
#endif
	unsigned char iobuf[BR_SSL_BUFSIZE_MONO];
	int h;                           /* transport handle, -1: closed */
	char host[ACME_MAX_NAME + 1];
	uint16_t port;
	uint32_t uses;                   /* exchanges done on it */
	int last_error;                  /* BearSSL error code, 0 none */
};

/* Receives decrypted bytes; returns 0 (want more), 1 (complete) or < 0
 * (error); *used = bytes consumed. */
typedef int (*tls_sink)(void *arg, const unsigned char *data, size_t len,
    size_t *used);

struct tls_xfer {
	const unsigned char *tx[2];
	size_t tx_len[2];
	size_t tx_off[2];
	unsigned char flushed;
	unsigned char eof;                /* the peer closed the stream */
	unsigned char close_notify;       /* ... with a TLS close_notify */
	size_t rx_bytes;                  /* application bytes received */
	size_t leftover;                  /* bytes after a complete response */
	tls_sink sink;
	void *arg;
};

void tls_init(struct tls_conn *t);

/* Connect to host:port and start a handshake checked against the trust
 * anchors, the host and unix_time: a DNS name (sent as SNI) against the
 * certificate's dNSName entries, an IP literal (no SNI) against its
 * iPAddress entries (x509ip.h; failing, t->last_error is
 * X509IP_ERR_NO_MATCH).  ACME_OK, ACME_ERR_NET,
 * ACME_ERR_TIME, ACME_ERR_TOO_LARGE (host name). */
int tls_open(struct tls_conn *t, const struct acme_port *p,
    const char *host, uint16_t port, const br_x509_trust_anchor *tas,
    size_t ntas, uint64_t unix_time);

/* 1 when t is open to host:port. */
int tls_is_open_to(const struct tls_conn *t, const char *host,
    uint16_t port);

#define TLS_PROGRESS 2

/* Move data.  Returns 1 when the sink completed, 0 when the transport
 * would block, TLS_PROGRESS after bytes came in (call again, once the
 * deadline is checked), ACME_ERR_NET (x->eof set when the peer closed),
 * ACME_ERR_TLS (t->last_error holds BearSSL's code), or the sink's
 * error. */
int tls_xfer_step(struct tls_conn *t, const struct acme_port *p,
    struct tls_xfer *x);

/* Close the transport (no close_notify wait). */
void tls_close(struct tls_conn *t, const struct acme_port *p);

#endif
