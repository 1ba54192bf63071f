/*
 * pem_der.h -- PEM objects and EC keys decoded with BearSSL alone (not
 * core/pem.c or core/key.c), so that the unit tests check core's output
 * with another decoder.  Shared by test_flow and test_account.
 */
#ifndef PEM_DER_H
#define PEM_DER_H

#include <stddef.h>

struct der_buf {
	unsigned char d[2048];
	size_t len;
	int over;                   /* the object did not fit d */
};

/* The DER of the first PEM object of pem[0..len) into db; it must be
 * called name.  0 or -1. */
int pem_obj(const unsigned char *pem, size_t len, const char *name,
    struct der_buf *db);

/* The public point of an "EC PRIVATE KEY" PEM on P-256.  0 or -1. */
int pem_pub(const unsigned char *pem, size_t len, unsigned char q[65]);

#endif
