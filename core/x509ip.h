/*
 * x509ip.h -- checking a TLS server reached by an IP address literal
 * against the iPAddress entries of its certificate (RFC 5280 4.2.1.6,
 * RFC 6125 / RFC 9525: an IP reference identity matches an iPAddress
 * subjectAltName only, never a dNSName nor the subject's CN).
 *
 * BearSSL's br_x509_minimal matches the server name against dNSName
 * entries (and the CN when there is no subjectAltName) only.  The
 * x509ip engine is a br_x509_class that wraps a minimal context: every
 * method forwards to it (chain building, signatures, trust anchors,
 * validity dates), so a DNS host name is checked by minimal exactly as
 * before.  When the host is an IP literal, minimal is given no name at
 * all, and the wrapper reads the subjectAltName of the end-entity (the
 * first) certificate itself as its DER streams through append(), in
 * whatever pieces the TLS engine hands it: a small state machine keeps
 * the end offsets of the few elements it enters (certificate, TBS,
 * extensions, the subjectAltName) and at most 16 content bytes (an OID,
 * an iPAddress), never the certificate.  end_chain() then fails unless
 * the chain is good and one iPAddress entry equals the literal's bytes.
 *
 * Not done: name constraints on iPAddress ranges in CA certificates
 * (minimal does not apply name constraints at all); zone identifiers
 * ("fe80::1%eth0"); an IPv4-mapped IPv6 literal matches only a 16-byte
 * entry.
 */
#ifndef X509IP_H
#define X509IP_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "acme_config.h"

/* end_chain()'s own codes, in BearSSL's X.509 range (32..63), whose 63
 * BearSSL 0.6 does not use (its codes end at 62): callers that sort
 * errors by that range see a certificate failure.  A leaf whose DER the
 * scanner cannot read to its end gets BR_ERR_X509_INVALID_VALUE. */
#define X509IP_ERR_NO_MATCH 63        /* no iPAddress entry equals it */

/* Elements the scanner enters: Certificate, TBSCertificate, [3],
 * Extensions, Extension, extnValue, GeneralNames. */
#define X509IP_DEPTH 7

/* The streaming reader of one certificate's DER, looking for an
 * iPAddress subjectAltName entry equal to ip[0..iplen). */
struct x509ip_scan {
	const unsigned char *ip;
	uint32_t total;                  /* the DER's length */
	uint32_t pos;                    /* bytes read */
	uint32_t left;                   /* length being read; then content
	                                  * bytes still to skip or keep */
	uint32_t end[X509IP_DEPTH];      /* where each entered element ends */
	uint8_t iplen;                   /* 4 or 16; 0 never matches */
	uint8_t depth;                   /* elements entered */
	uint8_t state;
	uint8_t tag;
	uint8_t nlen;                    /* long-form length bytes to come */
	uint8_t n;                       /* content bytes kept */
	uint8_t flags;
	unsigned char buf[16];           /* kept content: an OID, an address */
};

struct x509ip_context {
	const br_x509_class *vtable;     /* first: BearSSL's convention */
	br_x509_minimal_context *inner;
	uint32_t certs;                  /* start_cert() calls this chain */
	uint8_t ip_mode;                 /* the host is an IP literal */
	uint8_t iplen;                   /* its length: 4, 16, 0 when the
	                                  * host only looks numeric */
	unsigned char ip[16];
	struct x509ip_scan scan;
};

/*
 * The address of host, a URL's host without brackets: ip gets 4 bytes
 * for a dotted quad in RFC 3986's form (decimal 0..255, no leading
 * zeros), 16 for an RFC 4291 IPv6 text form (groups, "::", a trailing
 * dotted quad; no zone).  Returns 4 or 16; 0 when host is a name; -1
 * when it is neither: it is empty, it holds ':' but is no IPv6 address,
 * or its last label is numeric ("127.1", "010.0.0.1", "0x7f.1",
 * "2130706433"), which resolvers read as some other address and no DNS
 * name can be.
 */
int x509ip_parse(const char *host, unsigned char ip[16]);

/*
 * Set xi up as the X.509 engine to give the TLS engine
 * (br_ssl_engine_set_x509(eng, &xi->vtable)), around inner, already
 * initialised with its anchors, hashes, algorithms and time, for the
 * server host (NULL: no name check).  Returns 1 when host is an IP
 * literal (x509ip_parse() not 0): the caller then sends no SNI (RFC
 * 6066 3: SNI holds DNS names only) and the chain is held to the
 * iPAddress check; a literal that is not canonical (-1) matches no
 * certificate.  Returns 0 for a DNS name: minimal checks it.
 */
int x509ip_init(struct x509ip_context *xi, br_x509_minimal_context *inner,
    const char *host);

/* The scanner alone (used by the engine; open for tests): start on a
 * certificate of total bytes, for ip[0..iplen) (kept by reference). */
void x509ip_scan_start(struct x509ip_scan *s, const unsigned char *ip,
    size_t iplen, uint32_t total);

/* Read the next len bytes of the certificate. */
void x509ip_scan_push(struct x509ip_scan *s, const unsigned char *buf,
    size_t len);

/* After the last byte: 1 when an iPAddress entry equals ip, 0 when
 * none does, -1 when the DER was malformed or cut short (a bad length,
 * an element past its parent, two subjectAltName extensions, ...). */
int x509ip_scan_result(const struct x509ip_scan *s);

#endif
