/*
 * pem.h -- the DER of the first PEM object of a given kind, into a
 * caller's buffer (BearSSL's PEM decoder, no allocation).
 */
#ifndef PEM_H
#define PEM_H

#include <stddef.h>

/* A bounded destination for BearSSL's decoders (a PEM object, the DN
 * that br_x509_decoder hands out): bytes past cap are dropped and set
 * over, so a hostile input cannot overflow p. */
struct pem_sink {
	unsigned char *p;
	size_t len, cap;
	int over;
};

/* The callback for br_pem_decoder_setdest() or br_x509_decoder_init();
 * ctx is a struct pem_sink. */
void pem_sink_append(void *ctx, const void *data, size_t len);

/* Decode the first object of pem[0..len) whose label is name1 or name2
 * (name2 may be NULL), e.g. "CERTIFICATE", into der (cap).  Returns the
 * DER length, or 0 when there is none, the PEM is malformed or the
 * object does not fit cap. */
size_t pem_first(const char *pem, size_t len, const char *name1,
    const char *name2, unsigned char *der, size_t cap);

#endif
