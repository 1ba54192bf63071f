/*
 * prof.h -- make bench's breakdown of what an issuance costs the
 * firmware (bench/fw.sh): key generation, signatures, the TLS handshake,
 * TLS records after it, and the rest (the ACME logic, JSON, HTTP, lwIP).
 *
 * With ACME_BENCH_PROFILE=1 (the firmware's bench image only, never a
 * shipping build), PROF(k, call) evaluates call as an int and adds the
 * time it took to acme_prof_acc[k] and one to acme_prof_calls[k], read
 * from acme_prof_now(): the board's busy microseconds, under QEMU's
 * -icount shift=0 thousands of guest instructions.  The image defines the
 * clock and the counters.  Calls do not nest.  Off (the default),
 * PROF(k, call) is (call) and k is not evaluated: no code, no data.
 */
#ifndef PROF_H
#define PROF_H

#include "acme_config.h"

enum prof_kind {
	PROF_KEYGEN,		/* key_generate(): a P-256 key pair */
	PROF_SIGN,		/* ECDSA: each JWS, the CSR */
	PROF_HANDSHAKE,		/* TLS steps before application data */
	PROF_RECORDS,		/* TLS steps after: records, close */
	PROF_N
};

#if ACME_BENCH_PROFILE
#include <stdint.h>

uint64_t acme_prof_now(void);
extern uint64_t acme_prof_acc[PROF_N];
extern uint32_t acme_prof_calls[PROF_N];
extern uint64_t acme_prof_t0;
extern unsigned acme_prof_k;
extern int acme_prof_r;

#define PROF(k, call) (acme_prof_k = (unsigned)(k), \
	acme_prof_t0 = acme_prof_now(), acme_prof_r = (int)(call), \
	acme_prof_acc[acme_prof_k] += acme_prof_now() - acme_prof_t0, \
	acme_prof_calls[acme_prof_k]++, acme_prof_r)
#else
#define PROF(k, call) (call)
#endif

#endif
