/*
 * wipe.h -- clear secrets in a way the compiler cannot skip.
 *
 * A memset() of a buffer that is not read again is a dead store, which
 * the C "as if" rule lets the compiler delete: GCC and Clang do at -O2
 * for a local array about to go out of scope, and link-time optimisation
 * does it across files too, even for a memset() inside a wipe function
 * of another file.  wipe() therefore stores each byte through a pointer
 * to volatile bytes.  Accesses to volatile objects are side effects (C99
 * 5.1.2.3) that the compiler must perform, whatever it knows about the
 * memory, so no optimisation level and no LTO drops them.  It is the
 * bytes that are volatile: a volatile pointer to plain bytes does not
 * stop GCC 12 (tests/unit/test_wipe.c).  It is plain C99, as Monocypher's
 * crypto_wipe.  The other way, memset() through a volatile function
 * pointer plus an asm "memory" barrier, would be faster but needs
 * compiler extensions, and explicit_bzero() or memset_s() are in neither
 * C99 nor every embedded libc.  The cost is a store per byte; the
 * largest buffer wiped is BearSSL's private-key decoder context (about
 * 2 KB).
 *
 * What it cannot reach: copies in registers, and in the stack frames of
 * the library functions we call (BearSSL's HMAC_DRBG leaves some; see
 * tests/unit/test_wipe.c).
 */
#ifndef WIPE_H
#define WIPE_H

#include <stddef.h>

/* Set the len bytes at p to zero, and only those.  p may be NULL when
 * len is 0. */
void wipe(void *p, size_t len);

#endif
