/*
 * ta_file.h -- trust anchors for BearSSL from a PEM file of CA
 * certificates (host CLI only; uses malloc, which core never does: the
 * decoding is core/ta.c's ta_from_pem(), the storage malloc'ed).
 */
#ifndef TA_FILE_H
#define TA_FILE_H

#include <stddef.h>
#include <bearssl.h>

/* Load every CERTIFICATE of path.  Returns the number of anchors (> 0)
 * and sets *out, or -1 with a message in err (cap errcap). */
long ta_file_load(const char *path, br_x509_trust_anchor **out,
    char *err, size_t errcap);

void ta_file_free(br_x509_trust_anchor *tas, size_t n);

#endif
