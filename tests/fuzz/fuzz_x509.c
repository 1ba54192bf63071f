/*
 * fuzz_x509.c -- libFuzzer harness for a certificate's DER straight into
 * core/x509.c, core/x509ip.c's scanner and core/renew.c's certificate
 * helpers (fuzz_der.h); no PEM layer, so mutations reach the DER walk
 * directly.  Input: byte 0 picks the scanner's split point, the rest is
 * DER.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "x509.h"
#include "x509ip.h"
#include "renew.h"

#include "fuzz_der.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	fuzz_der(data + 1, size - 1, (size - 1) * data[0] / 255);
	return 0;
}
