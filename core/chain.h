/*
 * chain.h -- checking the certificate chain an ACME server issued (RFC
 * 8555 7.4.2, application/pem-certificate-chain) before it is stored.
 *
 * The chain is fed in pieces, in the order it arrives, so it need not be
 * in RAM at once: every PEM object must be a CERTIFICATE whose DER
 * BearSSL's X.509 decoder reads to its end, the text must end outside an
 * object, and the first certificate (the leaf, kept in a caller's buffer)
 * must carry the expected public key and name exactly the
 * identifiers in its subjectAltName.  A chain cut anywhere inside an object, or holding
 * anything else, is refused; a chain cut between two whole objects is
 * the transport's to catch (http.c: a body must be framed).
 */
#ifndef CHAIN_H
#define CHAIN_H

#include <stddef.h>
#include <bearssl.h>
#include "acme_config.h"
#include "pem.h"

/* With ACME_ALT_CHAINS: the first CHAIN_HEAD bytes of each certificate's
 * DER are kept, enough for its issuer Name (after the version, serial
 * and algorithm), whose commonName (at most CHAIN_CN_MAX bytes, X.520
 * ub-common-name) names the chain's topmost issuer. */
#define CHAIN_HEAD 512
#define CHAIN_CN_MAX 64

struct chain_check {
	br_pem_decoder_context pem;
	br_x509_decoder_context x509;
	struct pem_sink leaf;        /* the DER of the first certificate */
	unsigned certs;              /* complete certificates */
	unsigned char in_obj;        /* inside a PEM object */
	const char *why;             /* first problem, or NULL */
#if ACME_ALT_CHAINS
	size_t head_len;
	unsigned char head[CHAIN_HEAD];  /* the current certificate's start */
	/* The issuer CN of the last complete certificate (the topmost of
	 * the chain once it ends), control bytes as '?'; "" when it has
	 * none or its issuer is not within CHAIN_HEAD bytes. */
	char top_issuer[CHAIN_CN_MAX + 1];
#endif
};

/* Start a check; the leaf's DER goes to leaf_buf (cap bytes). */
void chain_init(struct chain_check *k, unsigned char *leaf_buf, size_t cap);

/* Feed len bytes of the PEM text.  Returns 0, or -1 with k->why set
 * (sticky). */
int chain_push(struct chain_check *k, const char *pem, size_t len);

/*
 * After the last byte: the chain must be complete and its leaf must hold
 * the public key q (qlen bytes, the subjectPublicKey: an uncompressed EC
 * point or a DER RSAPublicKey, acme_signer.h) and the n DNS names, no
 * more, no fewer.  Returns 0, or -1 with k->why set.
 */
int chain_finish(struct chain_check *k, const unsigned char *q,
    size_t qlen, const char *const *names, size_t n);

#endif
