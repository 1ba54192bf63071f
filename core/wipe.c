/*
 * wipe.c -- see wipe.h.
 */
#include "wipe.h"

/* See wipe.h: one volatile store per byte, which no optimiser drops. */
void
wipe(void *p, size_t len)
{
	volatile unsigned char *v = p;

	while (len-- > 0)
		*v++ = 0;
}
