/*
 * x509.h -- reading the fields of one X.509 certificate (RFC 5280 4.1)
 * that picoacme checks: validity, subject CN, subjectAltName, public key.
 *
 * The certificate is untrusted bytes (an ACME server's answer, a stored
 * file): every element is bounds-checked (der_get) and a certificate that
 * does not have the RFC 5280 shape is refused.  Signatures are not
 * checked here (BearSSL's X.509 engines do that where it matters).  The
 * results point into the caller's DER, which must outlive them.
 */
#ifndef X509_H
#define X509_H

#include <stddef.h>
#include <stdint.h>
#include "der.h"

struct x509_cert {
	struct der_tlv serial;       /* INTEGER content */
	struct der_tlv issuer;       /* Name (whole SEQUENCE content) */
	struct der_tlv not_before;   /* UTCTime or GeneralizedTime */
	struct der_tlv not_after;
	uint64_t not_before_t;       /* the same, seconds since 1970 */
	uint64_t not_after_t;
	struct der_tlv subject;      /* Name content */
	struct der_tlv key;          /* subjectPublicKey, without the
	                              * unused-bits byte */
	struct der_tlv exts;         /* Extensions content, len 0 if none */
};

/* Parse the DER certificate der[0..len).  Returns 0, or -1 when it is
 * not a well-formed X.509 v1..v3 certificate. */
int x509_parse(struct x509_cert *x, const uint8_t *der, size_t len);

/* The value (the OCTET STRING's content) of the extension whose OID
 * content is oid[0..olen): 0, or -1 when absent or malformed. */
int x509_ext(const struct x509_cert *x, const uint8_t *oid, size_t olen,
    struct der_tlv *val);

/* 1 when the subjectAltName lists the DNS name (ASCII case-insensitive,
 * exact: a wildcard entry matches only the same "*.x" name). */
int x509_has_dns(const struct x509_cert *x, const char *name);

/* 1 when the subjectAltName lists the IP address ip[0..len) (4 or 16
 * bytes) as an iPAddress. */
int x509_has_ip(const struct x509_cert *x, const uint8_t *ip, size_t len);

/* The number of dNSName and iPAddress entries (0 without one). */
unsigned x509_name_count(const struct x509_cert *x);

/* The keyIdentifier of the authority key identifier extension (RFC 5280
 * 4.2.1.1) into *id: 0, or -1 when there is none. */
int x509_aki(const struct x509_cert *x, struct der_tlv *id);

/* The subject's (last) commonName into dst (NUL-terminated, truncated to
 * cap).  Returns 0, or -1 when there is none. */
int x509_cn(const struct x509_cert *x, char *dst, size_t cap);

/* The same for any Name (its SEQUENCE content in name, as der_get()
 * reads it: the subject, the issuer). */
int x509_name_cn(const struct der_tlv *name, char *dst, size_t cap);

#endif
