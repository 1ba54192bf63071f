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

#endif
