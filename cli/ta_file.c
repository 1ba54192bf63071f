/*
 * ta_file.c -- see ta_file.h.  The decoding is the library's
 * (core/ta.c); this file reads the file and allocates the storage the
 * size query asks for, anchors and pool in one block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acme.h"
#include "ta.h"
#include "ta_file.h"

/* The whole file in a malloc'ed, NUL-terminated buffer, or NULL. */
static char *
ta_file_read(const char *path, size_t *len)
{
	char *p = NULL, *np = NULL;
	size_t cap = 0, n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap ? cap * 2 : 65536;
			np = realloc(p, cap + 1);
			if (np == NULL)
				break;
			p = np;
		}
		n = fread(p + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f) || np == NULL) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

long
ta_file_load(const char *path, br_x509_trust_anchor **out, char *err,
    size_t errcap)
{
	br_x509_trust_anchor *tas = NULL;
	size_t len = 0, n = 0, plen = 0;
	char *pem = ta_file_read(path, &len);
	int r;

	if (pem == NULL) {
		snprintf(err, errcap, "cannot read CA file %s", path);
		return -1;
	}
	r = ta_from_pem(NULL, &n, NULL, &plen, pem, len);
	if (r == ACME_OK) {
		tas = malloc(n * sizeof *tas + plen + 1);
		if (tas == NULL)
			r = ACME_ERR_TOO_LARGE;
		else
			r = ta_from_pem(tas, &n, (unsigned char *)(tas + n),
			    &plen, pem, len);
	}
	free(pem);
	if (r == ACME_ERR_PARAM)
		snprintf(err, errcap, "no certificate in CA file %s", path);
	else if (r == ACME_ERR_CRYPTO)
		snprintf(err, errcap, "CA file %s: certificate %zu is not "
		    "valid PEM or does not decode", path, n + 1);
	else if (r != ACME_OK)
		snprintf(err, errcap, "CA file %s: out of memory", path);
	if (r != ACME_OK) {
		free(tas);
		return -1;
	}
	*out = tas;
	return (long)n;
}

void
ta_file_free(br_x509_trust_anchor *tas, size_t n)
{
	(void)n;                /* one block: the anchors, then their pool */
	free(tas);
}
