/*
 * challenge_tlsalpn01.h -- the built-in tls-alpn-01 responder (RFC 8737,
 * and RFC 8738 for IP addresses).
 *
 * What it answers.  A TLS 1.2 handshake (ECDHE-ECDSA, P-256,
 * AES-128-GCM) whose ClientHello offers the ALPN protocol "acme-tls/1"
 * and names in its SNI one of the identifiers added: for a DNS name the
 * name itself, for an IP address its reverse-DNS name (RFC 8738 6:
 * "7.2.0.192.in-addr.arpa" for 192.0.2.7, 32 nibbles under "ip6.arpa"
 * for IPv6), compared without regard to ASCII case and with one trailing
 * dot allowed.  The server presents that identifier's certificate
 * (below), completes the handshake, sends close_notify and closes;
 * nothing else is read or sent.  Anything else is refused before a
 * certificate is sent: a ClientHello without ALPN, or without
 * "acme-tls/1" among its protocols (fatal alert no_application_protocol
 * when it offers others, handshake_failure when it offers none), without
 * SNI or with a name not added (handshake_failure), one whose highest
 * version is below TLS 1.2 (protocol_version) or that lacks the suite
 * or P-256 (handshake_failure; a TLS 1.3-only client offers only TLS 1.3
 * suites), one that is malformed or larger than TLSALPN01_MAX_IN bytes
 * in all.  There is no session cache (no resumption, which would skip
 * the checks) and no renegotiation.
 *
 * The certificate (RFC 8737 3), one per identifier, built and signed
 * when it is added (core/csr.c's writer): self-signed with an ephemeral
 * P-256 key made by tlsalpn01_start(); issuer and subject CN=picoacme;
 * serial 16 bytes of the digest below; valid from 1970-01-01 to
 * 9999-12-31 (RFC 5280 4.1.2.5: no well-defined end; no clock needed);
 * two extensions: subjectAltName with exactly the one identifier (a
 * dNSName, or an iPAddress of 4 or 16 bytes, never the reverse name),
 * and the critical acmeIdentifier (1.3.6.1.5.5.7.1.31) whose value is an
 * OCTET STRING holding the SHA-256 of the key authorization (token "."
 * account key thumbprint, tlsalpn01_digest()).  It is at most
 * TLSALPN01_CERT_MAX bytes.
 *
 * Connections.  ACME_TLSALPN01_SLOTS handshakes run side by side, each
 * on its own BearSSL server engine (a CA validates from several places
 * at once: Let's Encrypt from up to five).  Every tlsalpn01_poll() gives
 * the busy engines a turn each, starting one further each time, until
 * ACME_TLSALPN01_POLL_MS have passed (on a Cortex-M3 one handshake's
 * ECDHE and signature take about that much; the rest wait for the next
 * call).  A connection whose handshake has not ended within
 * ACME_TLSALPN01_TIMEOUT_MS of its accept is closed; so is one whose
 * peer closes or fails.  When every engine is taken, new connections
 * wait in the port (the kernel's or lwIP's accept queue) until one
 * frees, or until the connection that has been open longest without a
 * byte of the answer sent (its ClientHello incomplete, or a peer that
 * does not read) has been open ACME_TLSALPN01_EVICT_MS: then the
 * waiting connection is accepted and that one is closed to make room.
 * Evictions happen only in a call that had time to give every engine
 * its turn, so a ClientHello that merely waited for the CPU has been
 * read by then and its connection is answered, not evicted.  A
 * validator sends its ClientHello as soon as it is connected, so
 * validators never evict each other, and idle connections that hold
 * every engine delay one by ACME_TLSALPN01_EVICT_MS (one period more
 * for every ACME_TLSALPN01_SLOTS of them queued ahead of it).  A peer
 * that completes its ClientHello, reads the answer and then stalls
 * holds its engine until the timeout, as an http-01 peer that never
 * reads its answer does.  The port must hold ACME_TLSALPN01_SLOTS + 1
 * accepted connections besides its others.
 *
 * Counters.  served: handshakes completed with a certificate.  refused:
 * handshakes this side ended (ALPN, SNI, an unusable or malformed
 * ClientHello, too much input, no entropy); why and tls_err tell the
 * last one.  dropped: connections closed otherwise (timeout, eviction,
 * the peer closed, failed or sent an alert, a certificate replaced
 * during its handshake).
 *
 * Memory.  A slot is a BearSSL server context (4,128 bytes on x86-64,
 * 3,776 on a Cortex-M3), an I/O buffer of TLSALPN01_IOBUF bytes
 * (837: BearSSL's least, enough for any ClientHello, which arrives in
 * plaintext records that the engine takes in pieces; see docs/DESIGN.md
 * 6e) and a few words.  An identifier holds its name and certificate
 * (TLSALPN01_CERT_MAX).  The engines hold pointers into the struct and
 * the identifiers into the key: do not move it while it is active.
 * sizeof(struct tlsalpn01) follows ACME_TLSALPN01_SLOTS,
 * ACME_MAX_IDENTIFIERS and ACME_MAX_NAME; make size prints it.
 *
 * Work.  tlsalpn01_add() signs once (ECDSA P-256; about 100 ms on a
 * Cortex-M3).  tlsalpn01_poll() makes a bounded number of port calls
 * (TLSALPN01_TURN per busy engine, ACME_TLSALPN01_SLOTS + 1 accepts)
 * and blocks only as long as the port's recv/send may; a handshake costs
 * an ECDHE key pair, a signature and an ECDH (three P-256 point
 * multiplications).  The driver calls it every acme_step() and at least
 * every 20 ms while the responder listens.
 *
 * With ACME_TLSALPN01 0 this header declares nothing and the module
 * compiles to nothing: a caller puts its uses under #if ACME_TLSALPN01.
 */
#ifndef CHALLENGE_TLSALPN01_H
#define CHALLENGE_TLSALPN01_H

#include <stddef.h>
#include <stdint.h>
#include "acme_config.h"
#include "port.h"

#if ACME_TLSALPN01

#include <bearssl.h>
#include "key.h"

/* The ALPN protocol of RFC 8737 6.2. */
#define TLSALPN01_ALPN "acme-tls/1"

/* Identifier types (RFC 8555 9.7.7, RFC 8738 3). */
enum {
	TLSALPN01_DNS = 0,
	TLSALPN01_IP = 1
};

/* The engine's I/O buffer: BearSSL's least (a 512-byte record and its
 * overhead, BR_SSL_BUFSIZE_INPUT - 16384 = 325). */
#define TLSALPN01_IOBUF (512 + 325)

/* Most bytes read from one connection: a ClientHello of one full
 * record (16 KB, where RFC 8446 5.1 and RFC 5246 6.2.1 end a record),
 * then the client's key exchange, ChangeCipherSpec and Finished (about
 * 130 bytes). */
#define TLSALPN01_MAX_IN (5 + 16384 + 1024)

/* Port calls (recv or send) one connection may make in one turn: a
 * ClientHello in two records, the server's flight, the client's three
 * records, the server's Finished and close_notify. */
#define TLSALPN01_TURN 16

/* Longest certificate: 375 bytes besides the name (with a 253-character
 * name: 628 bytes; test_tlsalpn01 checks the bound). */
#define TLSALPN01_CERT_MAX (376 + ACME_MAX_NAME)

/* Longest reverse-DNS name of an address, and its NUL: 32 nibbles and
 * their dots, then "ip6.arpa". */
#define TLSALPN01_REVERSE_MAX (64 + 8 + 1)

/* why: what ended the last refused handshake. */
enum {
	TLSALPN01_WHY_NONE = 0,
	TLSALPN01_WHY_ALPN,     /* no "acme-tls/1" in the ClientHello */
	TLSALPN01_WHY_SNI,      /* no SNI, or not a name being validated */
	TLSALPN01_WHY_TLS,      /* malformed, unusable (version, suites,
	                         * curves) or too large; tls_err says */
	TLSALPN01_WHY_ENTROPY   /* the port had no entropy for the engine */
};

/* One identifier being validated. */
struct tlsalpn01_id {
	uint8_t type;                         /* TLSALPN01_DNS or _IP */
	uint8_t ip_len;                       /* _IP: 4 or 16 */
	uint16_t cert_len;
	uint8_t ip[16];                       /* _IP: the address */
	uint8_t digest[32];                   /* SHA-256 of the key
	                                       * authorization */
	char name[ACME_MAX_NAME + 1];         /* as added */
	unsigned char cert[TLSALPN01_CERT_MAX];   /* DER */
};

/* struct tlsalpn01_conn.state. */
enum {
	TLSALPN01_HELLO = 0,    /* nothing sent yet: ClientHello pending */
	TLSALPN01_SHAKING,      /* answering: the handshake runs */
	TLSALPN01_CLOSING       /* done: close_notify going out */
};

/* One slot: a connection and its engine. */
struct tlsalpn01_conn {
	br_ssl_server_context sc;
	/* sc's policy (its vtable pointer points here): checks ALPN and SNI
	 * and picks the certificate, then BearSSL's single-EC policy in
	 * sc.chain_handler picks the suite and signs. */
	const br_ssl_server_policy_class *policy;
	struct tlsalpn01 *r;                  /* the responder */
	br_x509_certificate chain;            /* the certificate sent */
	int h;                                /* handle, -1: slot free */
	uint32_t since;                       /* now_ms() at the accept */
	uint32_t seq;                         /* accept number: eviction
	                                       * order */
	uint32_t in;                          /* bytes read */
	uint8_t state;                        /* TLSALPN01_HELLO, ... */
	uint8_t id;                           /* the identifier chosen */
	uint8_t why;                          /* the policy's refusal */
	uint8_t stale;                        /* its certificate was
	                                       * replaced: drop it */
	unsigned char iobuf[TLSALPN01_IOBUF];
};

struct tlsalpn01 {
	int lh;                               /* listening handle or -1 */
	uint32_t served;                      /* handshakes completed */
	uint32_t refused;                     /* handshakes refused */
	uint32_t dropped;                     /* other closes */
	uint8_t why;                          /* the last refusal: _WHY_ */
	int tls_err;                          /* ... its BearSSL error */
	uint32_t seq;                         /* accepts, modulo 2^32 */
	unsigned next;                        /* slot served first next */
	unsigned nids;
	struct key_ec key;                    /* the ephemeral key */
	br_ec_private_key sk;                 /* views of key */
	br_ec_public_key pk;
	struct tlsalpn01_id id[ACME_MAX_IDENTIFIERS];
	struct tlsalpn01_conn conn[ACME_TLSALPN01_SLOTS];
};

/* An empty, stopped responder (no key, every slot free, no
 * identifiers, counters 0). */
void tlsalpn01_init(struct tlsalpn01 *r);

/* Make a new ephemeral P-256 key (48 bytes of port entropy, core/key.c)
 * and listen on TCP port (443 in production: RFC 8737 3 leaves the CA
 * no other).  Already listening: ACME_OK, nothing changes (the key and
 * identifiers stay).  ACME_OK, ACME_ERR_ENTROPY or ACME_ERR_CRYPTO (no
 * key), or ACME_ERR_RESPONDER (the port has no listen/accept, or listen
 * failed); on an error nothing is left open and the key is wiped. */
int tlsalpn01_start(struct tlsalpn01 *r, const struct acme_port *p,
    uint16_t port);

/* Add an identifier: type TLSALPN01_DNS with a DNS name (csr.h's rules,
 * no wildcard: RFC 8737 3 forbids tls-alpn-01 for one), or
 * TLSALPN01_IP with an address in text (dotted quad, or RFC 4291 2.2
 * IPv6 with "::" and a trailing dotted quad), and digest, the SHA-256 of
 * its key authorization (tlsalpn01_digest()).  Builds and signs its
 * certificate now.  The same type and name again (a name without regard
 * to ASCII case, an address by value): with the same digest nothing
 * changes; with another the certificate is replaced (a handshake that
 * is sending the old one is dropped; if signing fails, the name is
 * refused until it is added again).  Only while started.
 * ACME_OK, ACME_ERR_PARAM (not started, a bad type, name or address),
 * ACME_ERR_TOO_LARGE (ACME_MAX_IDENTIFIERS are live, or the name is over
 * ACME_MAX_NAME), ACME_ERR_CRYPTO (signing failed). */
int tlsalpn01_add(struct tlsalpn01 *r, int type, const char *name,
    const uint8_t digest[32]);

/* The SHA-256 of the key authorization token "." thumb (RFC 8555 8.1),
 * what tlsalpn01_add() takes. */
void tlsalpn01_digest(uint8_t out[32], const char *token,
    const char *thumb);

/* The IP address in text s into ip (ident_parse(), addresses only): 4
 * or 16, 0 when s is no address (ident.h: dotted quad without leading
 * zeros, RFC 4291 2.2 IPv6). */
size_t tlsalpn01_ip_parse(const char *s, uint8_t ip[16]);

/* The reverse-DNS name of the len-byte (4 or 16) address ip into dst
 * (cap bytes), as the validator sends it in the SNI (RFC 8738 6):
 * "d.c.b.a.in-addr.arpa", or 32 lower-case nibbles, least significant
 * first, then "ip6.arpa".  Its length, or 0 (bad len, cap too small;
 * TLSALPN01_REVERSE_MAX is always enough). */
size_t tlsalpn01_reverse_name(char *dst, size_t cap, const uint8_t *ip,
    size_t len);

/* 1 while listening. */
int tlsalpn01_active(const struct tlsalpn01 *r);

/* Serve what is waiting: a turn for every busy engine (until
 * ACME_TLSALPN01_POLL_MS have passed), then accept new connections
 * (evicting as the file comment says).  Bounded work; does nothing when
 * not listening. */
void tlsalpn01_poll(struct tlsalpn01 *r, const struct acme_port *p);

/* Stop listening, close every connection, wipe the key, every engine
 * (their session secrets) and every identifier and certificate.  The
 * counters stay.  Safe to call when stopped. */
void tlsalpn01_stop(struct tlsalpn01 *r, const struct acme_port *p);

#endif /* ACME_TLSALPN01 */

#endif
