/*
 * renew.h -- when to renew, and how long to keep away after a failure:
 * the pure parts of the certificate lifecycle (no I/O).
 *
 * The state record (ACME_STORE_STATE) is a few "key=value" lines, read
 * back after every reboot, so it is parsed as untrusted input: unknown
 * keys are ignored, a malformed value is as if absent.  It holds:
 *   not_before  no request to the CA before this time (unix seconds):
 *               a Retry-After the CA sent, or the backoff after a failed
 *               or interrupted attempt
 *   failures    attempts in a row that did not end well (the backoff
 *               doubles with each, capped at RENEW_BACKOFF_MAX_S)
 *   cert        the ARI certID (RFC 9773 4.1) of the certificate the
 *               times below belong to
 *   renew_at    when that certificate is due
 *   check_at    when to ask the CA again (ARI), 0: never
 *   ari         1 when the CA offered renewalInfo
 */
#ifndef RENEW_H
#define RENEW_H

#include <stddef.h>
#include <stdint.h>
#include "x509.h"

/* An ARI certID: base64url(AKI keyIdentifier) "." base64url(serial):
 * 64 + 1 + 28 characters for a 48-byte key id and a 20-byte serial. */
#define RENEW_CERT_ID_MAX 96

/* Backoff after failed attempts: RENEW_BACKOFF_BASE_S doubled per
 * failure, at most RENEW_BACKOFF_MAX_S (a day). */
#define RENEW_BACKOFF_BASE_S 60
#define RENEW_BACKOFF_MAX_S 86400

/* ARI polling (RFC 9773 4.3): the CA's Retry-After, clamped to 1 min..1
 * day; 6 hours when it sends none or the request fails. */
#define RENEW_ARI_RETRY_MIN_S 60
#define RENEW_ARI_RETRY_MAX_S 86400
#define RENEW_ARI_RETRY_DEFAULT_S 21600

struct renew_state {
	uint64_t not_before;
	uint32_t failures;
	char cert[RENEW_CERT_ID_MAX + 1];
	uint64_t renew_at;
	uint64_t check_at;
	unsigned char ari;
};

/* Parse a stored record of len bytes (not NUL-terminated).  Missing or
 * malformed fields are 0 / "".  Never fails. */
void renew_parse(struct renew_state *s, const char *text, size_t len);

/* Write s as text into dst (cap).  Returns the length, or -1 when it does
 * not fit. */
long renew_format(const struct renew_state *s, char *dst, size_t cap);

/* The ARI certID of x into dst (cap, NUL-terminated).  Returns 0, or -1
 * when x has no authority key identifier or dst is too small. */
int renew_cert_id(char *dst, size_t cap, const struct x509_cert *x);

/*
 * The default renewal moment (no ARI): the start of the last third of the
 * lifetime, plus a jitter in [0, lifetime / 12) drawn from jitter (a
 * per-device, per-certificate value: it must not change between boots,
 * or the decision would flap).  So a 90-day certificate is renewed with
 * 22 to 30 days left, a 6-day one with 1.5 to 2 days left.
 */
uint64_t renew_default_at(const struct x509_cert *x, uint32_t jitter);

/* A moment in [start, end) picked by r (uniform over r), RFC 9773 4.2;
 * start when the window is empty or inverted. */
uint64_t renew_pick(uint64_t start, uint64_t end, uint64_t r);

/* The backoff before the next attempt after `failures` failed attempts in
 * a row (>= 1): half of min(base * 2^(failures - 1), max) plus a jitter
 * of up to as much again, from r. */
uint32_t renew_backoff_s(uint32_t failures, uint32_t r);

/* An RFC 3339 date-time ("2025-01-02T04:05:06Z", fractions and numeric
 * offsets allowed) into seconds since 1970.  0, or -1 when malformed. */
int renew_time_parse(const char *s, uint64_t *out);

#endif
