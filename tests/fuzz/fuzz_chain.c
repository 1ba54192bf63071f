/*
 * fuzz_chain.c -- libFuzzer harness for the stored or issued certificate
 * chain: core/chain.c (chain_push in two pieces split at a fuzzer-chosen
 * point, chain_finish), core/pem.c (pem_first), and on the first
 * CERTIFICATE's DER core/x509.c (x509_parse, the SAN walk, AKI, CN),
 * core/renew.c's certID and renewal time, and core/x509ip.c's streaming
 * scanner fed in the same two pieces.
 *
 * Input: byte 0 picks the split point (scaled), the rest is PEM text.
 * Results outside the documented sets abort.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "chain.h"
#include "pem.h"
#include "x509.h"
#include "x509ip.h"
#include "renew.h"

/* The DER checks, shared with fuzz_x509.c. */
#include "fuzz_der.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct chain_check k;
	static unsigned char leaf[2048], der[4096];
	static const unsigned char q[65] = { 4 };
	static const char *const names[] = { "a.example", "b.example" };
	const char *pem;
	size_t cut, n;
	int r;

	if (size < 1)
		return 0;
	cut = (size - 1) * data[0] / 255;
	pem = (const char *)data + 1;
	size--;
	chain_init(&k, leaf, sizeof leaf);
	r = chain_push(&k, pem, cut);
	fuzz_assert(r == 0 || (r == -1 && k.why != NULL));
	r = chain_push(&k, pem + cut, size - cut);
	fuzz_assert(r == 0 || (r == -1 && k.why != NULL));
	r = chain_finish(&k, q, sizeof q, names, data[0] & 1 ? 2 : 1);
	fuzz_assert(r == -1 && k.why != NULL);  /* q is no valid point */
	fuzz_assert(k.leaf.len <= sizeof leaf);

	n = pem_first(pem, size, "CERTIFICATE", NULL, der, sizeof der);
	fuzz_assert(n <= sizeof der);
	if (n > 0)
		fuzz_der(der, n, cut);
	return 0;
}
