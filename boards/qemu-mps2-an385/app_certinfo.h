/*
 * app_certinfo.h -- the subject CN and notAfter of a DER certificate, for
 * the boot log (core/x509.c underneath); no allocation.
 */
#ifndef APP_CERTINFO_H
#define APP_CERTINFO_H

#include <stddef.h>

/* cn (cncap) gets the subject's commonName, not_after (nacap) the
 * notAfter time as YYYY-MM-DDTHH:MM:SSZ (nacap >= 21).
 * Returns 0, or -1 when der is not a certificate we can read. */
int certinfo_read(const unsigned char *der, size_t len, char *cn,
    size_t cncap, char *not_after, size_t nacap);

#endif
