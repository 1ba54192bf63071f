/*
 * ident.h -- the identifiers of an order: what kind of name a configured
 * name is, and the forms an IP address takes.
 *
 * A name is one of
 *   - a DNS name ("device.example.com"): identifier type "dns";
 *   - a wildcard ("*.example.com": "*" alone as the first label, then a
 *     DNS name): type "dns" too, but a CA validates it by dns-01 only,
 *     for the base name (RFC 8555 7.1.3, 8.4);
 *   - an IP address (RFC 8738): IPv4 dotted decimal ("192.0.2.7", four
 *     decimal numbers 0..255, no leading zeros) or IPv6 text (RFC 4291
 *     2.2: hex groups, one "::", an IPv4 tail; no brackets, no zone):
 *     type "ip", whose value is the address's canonical text (RFC 1123
 *     2.1 for IPv4, RFC 5952 4 for IPv6: lower case, no leading zeros,
 *     the longest run of two or more zero groups as "::").
 * A name that looks like an address (only digits and dots, or a ':')
 * but does not parse as one is none of them.  The parser serves the
 * server's URL too (x509ip.c); with ACME_IP_IDENTIFIERS 0 only the IPv6
 * text output is left out.  ident_dns_norm() checks a DNS name's
 * syntax (RFC 1123 2.1 host names) before any request is sent; the CA
 * refuses what else it will not issue for.
 */
#ifndef IDENT_H
#define IDENT_H

#include <stddef.h>
#include <stdint.h>
#include "acme_config.h"

enum {
	IDENT_DNS = 0,
	IDENT_WILDCARD,
	IDENT_IP
};

/* IPv6 text is at most this long (RFC 5952 form), NUL excluded. */
#define IDENT_IP_TEXT_MAX 39

/* The kind of name: IDENT_DNS, IDENT_WILDCARD or IDENT_IP, or -1 when
 * it is none (NULL, empty, an address that does not parse, a "*" elsewhere
 * than alone as the first label of a longer name).  For IDENT_IP, when
 * ip is not NULL: the address's bytes into ip[0..16) and *iplen 4 or
 * 16. */
int ident_parse(const char *name, uint8_t *ip, size_t *iplen);

/* The canonical text of the len-byte (4 or 16) address ip into dst
 * (cap bytes, NUL-terminated).  0, or -1 when it does not fit or len is
 * neither. */
int ident_ip_text(const uint8_t *ip, size_t len, char *dst, size_t cap);

/* A DNS name is at most this long (RFC 1035 2.3.4, without the
 * trailing dot), a label this long. */
#define IDENT_DNS_MAX 253
#define IDENT_LABEL_MAX 63

/* A DNS name or wildcard (IDENT_DNS or IDENT_WILDCARD from ident_parse())
 * checked and normalised into dst (cap bytes, NUL-terminated): labels of
 * letters, digits and '-' (not first or last), none empty, each at most
 * IDENT_LABEL_MAX, the name at most IDENT_DNS_MAX; lower-cased, one
 * trailing dot removed; a wildcard's base checked the same way.  NULL
 * when good, else what is wrong ("an empty label"...). */
const char *ident_dns_norm(const char *name, char *dst, size_t cap);
/* ident_dns_norm()'s answer when the name does not fit in cap. */
extern const char ident_too_long[];

/* The name an authorization for name is about: a wildcard's base name
 * (after "*."), else name itself. */
const char *ident_base(const char *name);

#endif
