/*
 * fuzz.h -- what every harness here shares: libFuzzer's entry point and
 * the harness's only verdict.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort unless c. */
static inline void
fuzz_assert(int c)
{
	if (!c)
		abort();
}

#endif
