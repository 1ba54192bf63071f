/*
 * csr.h -- PKCS#10 certificate signing request (RFC 2986) for an EC
 * P-256 key, with a subjectAltName extension request (RFC 5280 4.2.1.6)
 * listing every DNS name (dNSName) and IP address (iPAddress, RFC 8738:
 * ident.h's forms), signed with ecdsa-with-SHA256 (DER signature
 * from BearSSL's sign_asn1).
 *
 * The subject is CN=<the first name> when that is a DNS name of at most 64
 * characters (X.520 ub-common-name, RFC 5280 appendix A.1).  A longer
 * first name gives an empty subject (an empty SEQUENCE) and the
 * subjectAltName extension is then marked critical (RFC 5280 4.2.1.6);
 * the name is still in the subjectAltName, which is what ACME servers
 * read (RFC 8555 7.4).
 */
#ifndef CSR_H
#define CSR_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "der.h"
#include "acme_signer.h"

/*
 * Build the CSR DER into buf (cap bytes).  names: n >= 1 DNS names
 * (IA5, 1..253 chars each, "*." first allowed) or IP addresses.  ec/sign: the implementation to use
 * (br_ec_p256_m31 + br_ecdsa_i31_sign_asn1, or the i15 pair).
 * On success returns ACME_OK and sets *out (inside buf) and *len.
 * Errors: ACME_ERR_PARAM (bad name or key), ACME_ERR_TOO_LARGE,
 * ACME_ERR_CRYPTO (signing failed).
 */
int csr_build(uint8_t *buf, size_t cap, const br_ec_private_key *sk,
    const br_ec_public_key *pk, const char *const *names, size_t n,
    const br_ec_impl *ec, br_ecdsa_sign sign,
    const uint8_t **out, size_t *len);

/*
 * The same CSR for the key of the signer s (acme_signer.h): ES256,
 * ES384 (ecdsa-with-SHA384, the P-384 key) or RS256
 * (sha256WithRSAEncryption, the RSA key).  The signer is asked for its
 * public key and signs once.  Errors as csr_build(); ACME_ERR_CRYPTO
 * also for a signer that fails or answers with a wrong length.
 */
int csr_build_signer(uint8_t *buf, size_t cap, const struct acme_signer *s,
    const char *const *names, size_t n, const uint8_t **out, size_t *len);

/*
 * The length of s if it is a DNS name picoacme will ask for (1..253
 * characters of letters, digits, '-' and '.', labels of 1..63, an
 * optional leading "*." wildcard label), else 0.
 */
size_t csr_name_len(const char *s);

/* Prepend a Name of one commonName (the len bytes at cn, UTF8String). */
void csr_cn_name(struct der_w *w, const char *cn, size_t len);

/* Prepend the AlgorithmIdentifier ecdsa-with-SHA256 (RFC 5758 3.2). */
void csr_sigalg(struct der_w *w);

/* The same for the signature algorithm alg (ACME_ALG_*): also
 * ecdsa-with-SHA384 and sha256WithRSAEncryption (RFC 4055 5). */
void csr_sigalg_alg(struct der_w *w, int alg);

/* Prepend the SubjectPublicKeyInfo (RFC 5480 2) of the P-256 key pk
 * (an uncompressed point) to w. */
void csr_spki(struct der_w *w, const br_ec_public_key *pk);

/* The same for a public key pub (len bytes, acme_signer.h's format) of
 * alg: id-ecPublicKey P-256 / P-384, or rsaEncryption (RFC 3279). */
void csr_spki_alg(struct der_w *w, int alg, const uint8_t *pub,
    size_t len);

/* Writes the signed part of an object in front of what w holds; the same
 * bytes for the same arg every time it is called. */
typedef void (*csr_tbs_fn)(struct der_w *w, const void *arg);

/*
 * Build SEQUENCE { tbs, AlgorithmIdentifier ecdsa-with-SHA256, BIT STRING
 * signature } into buf (cap bytes), the shape of a PKCS#10 request (RFC
 * 2986 4) and of an X.509 certificate (RFC 5280 4.1): tbs() writes the
 * signed part (it is called twice and must write the same bytes both
 * times), sk signs its SHA-256 with sign (DER signature, ec its curve
 * code).  The key is not checked here.  ACME_OK with *out (inside buf)
 * and *len set, ACME_ERR_TOO_LARGE, or ACME_ERR_CRYPTO (signing failed,
 * or tbs() wrote other bytes the second time).
 */
int csr_signed(uint8_t *buf, size_t cap, const br_ec_private_key *sk,
    const br_ec_impl *ec, br_ecdsa_sign sign, csr_tbs_fn tbs,
    const void *arg, const uint8_t **out, size_t *len);

#endif
