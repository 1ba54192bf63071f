/*
 * ta.h -- trust anchors from PEM text, without malloc.
 *
 * BearSSL wants the CA roots as an array of br_x509_trust_anchor, each
 * pointing at its subject DN and public key.  ta_from_pem() decodes
 * every CERTIFICATE (or "X509 CERTIFICATE") object of a PEM text into
 * anchors in the caller's array, their DNs and keys copied into the
 * caller's byte pool.  The PEM and X.509 decoders stream, so no DER
 * buffer is needed and the text may be freed afterwards; the pool must
 * live as long as the anchors.  A certificate whose basicConstraints say
 * CA gets BR_X509_TA_CA (as tools/ta2c does); other PEM objects (keys,
 * CRLs) are skipped.
 *
 * Sizes: about 100 bytes of DN plus 65 of key for a P-256 root, 100 plus
 * 515 for an RSA-4096 one; pass ta == NULL to learn the exact need.
 * RSA anchors need a TLS profile with RSA (ACME_TLS_PUBLIC_CA).
 *
 *     size_t n = 0, plen = 0;
 *     ta_from_pem(NULL, &n, NULL, &plen, pem, len);   -- the size query
 *     ... provide n anchors and plen bytes ...
 *     ta_from_pem(tas, &n, pool, &plen, pem, len);
 */
#ifndef TA_H
#define TA_H

#include <stddef.h>
#include <bearssl.h>

/*
 * Decode the certificates of pem[0..len) into ta[] and pool[].
 * On entry *n is the capacity of ta (entries) and *pool_len that of pool
 * (bytes); on ACME_OK they are the anchors written and pool bytes used.
 * With ta == NULL (pool ignored) nothing is written: *n and *pool_len
 * are set to what the text needs.
 *
 * Returns ACME_OK (at least one anchor), or:
 *   ACME_ERR_PARAM     no certificate in the text, or a NULL argument;
 *   ACME_ERR_CRYPTO    malformed PEM, or a certificate BearSSL does not
 *                      decode, or one whose key is neither RSA nor EC;
 *   ACME_ERR_TOO_LARGE more certificates than *n, or the pool is short.
 * On an error *n is the number of certificates that decoded before the
 * failing one (so that one is number *n + 1), *pool_len is unchanged,
 * and ta[] and pool[] hold nothing to rely on.
 */
int ta_from_pem(br_x509_trust_anchor *ta, size_t *n, unsigned char *pool,
    size_t *pool_len, const char *pem, size_t len);

#endif
