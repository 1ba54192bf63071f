/*
 * app_ta.h -- one trust anchor from a PEM CA certificate, into static
 * storage (the firmware has no malloc).
 */
#ifndef APP_TA_H
#define APP_TA_H

#include <stddef.h>
#include <bearssl.h>

/* Decode the first CERTIFICATE of pem into *ta (pointing into static
 * buffers of this file), with der (dercap) as scratch.  EC or RSA keys
 * (RSA anchors need the ACME_TLS_PUBLIC_CA profile).  0, or -1 when it
 * is not a certificate with a usable key. */
int app_ta_from_pem(br_x509_trust_anchor *ta, const char *pem, size_t len,
    unsigned char *der, size_t dercap);

#endif
