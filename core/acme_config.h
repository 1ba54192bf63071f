/*
 * acme_config.h -- compile-time limits and options of picoacme.
 *
 * Every limit is a macro with a default; override any of them with -D on
 * the compiler command line (the same value for every object file).  All
 * buffers of struct acme_client are sized from these macros, so
 * sizeof(struct acme_client) follows them.  Exceeding a limit at run time
 * is a clean ACME_ERR_TOO_LARGE, never a silent truncation.
 */
#ifndef ACME_CONFIG_H
#define ACME_CONFIG_H

/* Longest URL kept (directory entries, account, order, authz, ...). */
#ifndef ACME_MAX_URL
#define ACME_MAX_URL 256
#endif

/* Longest Replay-Nonce accepted (Boulder's are 51 chars, Pebble's 22).
 * A longer value is ignored, as is one that is not base64url. */
#ifndef ACME_MAX_NONCE
#define ACME_MAX_NONCE 80
#endif

/* DNS names per order (one authorization and one token each). */
#ifndef ACME_MAX_IDENTIFIERS
#define ACME_MAX_IDENTIFIERS 4
#endif

/* Longest DNS name, without the terminating NUL. */
#ifndef ACME_MAX_NAME
#define ACME_MAX_NAME 128
#endif

/* Longest challenge token (RFC 8555 8.1: 128 bits of entropy; LE and
 * Pebble send 43 characters). */
#ifndef ACME_MAX_TOKEN
#define ACME_MAX_TOKEN 64
#endif

/* Largest response body kept in RAM (the response window: directory,
 * account, order, authorization, problem documents).  The certificate
 * chain does not go through it (ACME_MAX_CHAIN). */
#ifndef ACME_MAX_RESPONSE
#define ACME_MAX_RESPONSE 8192
#endif

/* Longest certificate chain (its PEM text) taken from the CA, and read
 * back from storage.  The chain is never in RAM whole: it streams from
 * the connection into storage (port stage()), checked as it comes, and
 * is read back in pieces (port load_at()), so this bounds storage, not
 * RAM; a flash port sizes its certificate slot to it.  A Let's Encrypt
 * chain is about 5 KB (with its cross-signed root 5.8 KB), Pebble's with
 * PEBBLE_CHAIN_LENGTH 6-9 KB.  A longer one is ACME_ERR_TOO_LARGE. */
#ifndef ACME_MAX_CHAIN
#define ACME_MAX_CHAIN 32768
#endif

/* Largest request body (the flattened JWS; finalize with its CSR is the
 * largest, about 1.5 KB with four names). */
#ifndef ACME_MAX_REQUEST
#define ACME_MAX_REQUEST 3072
#endif

/* Largest JSON payload before base64url (the CSR request is largest). */
#ifndef ACME_MAX_PAYLOAD
#define ACME_MAX_PAYLOAD 1536
#endif

/* jsmn tokens for one response.  An authorization with three challenges
 * needs about 40. */
#ifndef ACME_JSON_TOKENS
#define ACME_JSON_TOKENS 160
#endif

/* Longest single response header line; a longer line of a header we do
 * not use is skipped, a longer one we need is ACME_ERR_TOO_LARGE. */
#ifndef ACME_MAX_HEADER_LINE
#define ACME_MAX_HEADER_LINE 1024
#endif

/* Bound on all response header bytes together (status line included). */
#ifndef ACME_MAX_HEADERS
#define ACME_MAX_HEADERS 16384
#endif

/* Server problem document kept for the caller (truncated copies). */
#ifndef ACME_MAX_PROBLEM_TYPE
#define ACME_MAX_PROBLEM_TYPE 96
#endif
#ifndef ACME_MAX_PROBLEM_DETAIL
#define ACME_MAX_PROBLEM_DETAIL 256
#endif

/* RFC 8555 6.5: badNonce retries of one request, and of one whole
 * session.  An issuance makes about eight POSTs; against a server that
 * rejects half the nonces, 10 retries per request lose ~0.4% of
 * issuances, 15 lose ~0.01% (20 issuances in a row: 7.5% vs 0.25%).
 * Each retry costs one request and no wait. */
#ifndef ACME_BADNONCE_RETRIES
#define ACME_BADNONCE_RETRIES 15
#endif
#ifndef ACME_BADNONCE_SESSION_MAX
#define ACME_BADNONCE_SESSION_MAX 60
#endif

/* Remembered nonces already sent (ring of short hashes). */
#ifndef ACME_NONCE_RING
#define ACME_NONCE_RING 8
#endif

/* 1: every wait and retry of the flow is logged (ACME_LOG_INFO) with its
 * reason and length ("waiting 2.0 s (Retry-After) before polling the
 * order").  0 leaves these lines out: 600 to 650 bytes of Cortex-M3 flash. */
#ifndef ACME_LOG_PROGRESS
#define ACME_LOG_PROGRESS 1
#endif

/* 1: make bench's cost counters (core/prof.h) in the firmware's bench
 * image; 0 (every shipping build): they compile to nothing. */
#ifndef ACME_BENCH_PROFILE
#define ACME_BENCH_PROFILE 0
#endif

/* Retries of one request after a network error or a 5xx answer. */
#ifndef ACME_NET_RETRIES
#define ACME_NET_RETRIES 3
#endif

/* Polling an authorization after its challenge, or the order after
 * finalize (RFC 8555 7.5.1, 7.4).  The server's Retry-After decides the
 * wait when it sends one (never below ACME_POLL_MIN_MS, capped at
 * ACME_RETRY_AFTER_MAX_S).  Otherwise the first poll comes after
 * ACME_POLL_FIRST_MS, soon enough that a fast CA costs one short wait,
 * and then after ACME_POLL_INTERVAL_MS, doubling up to
 * ACME_POLL_INTERVAL_MAX_MS, so a slow CA costs few requests.  At most
 * ACME_POLL_MAX polls of one object; the time bounds are below. */
#ifndef ACME_POLL_FIRST_MS
#define ACME_POLL_FIRST_MS 150
#endif
#ifndef ACME_POLL_INTERVAL_MS
#define ACME_POLL_INTERVAL_MS 1000
#endif
#ifndef ACME_POLL_INTERVAL_MAX_MS
#define ACME_POLL_INTERVAL_MAX_MS 16000
#endif
#ifndef ACME_POLL_MIN_MS
#define ACME_POLL_MIN_MS 250
#endif
#ifndef ACME_POLL_MAX
#define ACME_POLL_MAX 60
#endif
#ifndef ACME_RETRY_AFTER_MAX_S
#define ACME_RETRY_AFTER_MAX_S 60
#endif

/* Time bounds, from the first challenge POST until every authorization
 * is valid, and from the first finalize until the order is valid.  Each
 * is the default of the matching struct acme_config field. */
#ifndef ACME_VALIDATION_TIMEOUT_MS
#define ACME_VALIDATION_TIMEOUT_MS 300000
#endif
#ifndef ACME_FINALIZE_TIMEOUT_MS
#define ACME_FINALIZE_TIMEOUT_MS 300000
#endif

/* Finalize requests for one order: a second one only after the order
 * poll found it "ready" again (the first was lost on the way). */
#ifndef ACME_FINALIZE_TRIES
#define ACME_FINALIZE_TRIES 3
#endif

/* Timeouts: TCP connect, and one whole HTTP exchange (TLS handshake,
 * request, response), however slowly the bytes trickle in. */
#ifndef ACME_CONNECT_TIMEOUT_MS
#define ACME_CONNECT_TIMEOUT_MS 10000
#endif
#ifndef ACME_IO_TIMEOUT_MS
#define ACME_IO_TIMEOUT_MS 20000
#endif

/* http-01 responder: largest request read from one connection (a
 * validator's is about 250 bytes; it is counted, not stored), and how
 * long one connection may take to send it and read the answer. */
#ifndef ACME_HTTP01_MAX_REQUEST
#define ACME_HTTP01_MAX_REQUEST 512
#endif
#ifndef ACME_HTTP01_TIMEOUT_MS
#define ACME_HTTP01_TIMEOUT_MS 5000
#endif

/* http-01 responder: connections served at once.  A CA validates from
 * several places in parallel (Pebble 3, Let's Encrypt up to 5); when all
 * slots are taken, a new connection waits in the port until a slot frees
 * or the oldest one that has not sent a complete request may be evicted
 * (ACME_HTTP01_EVICT_MS).  Each slot costs about 130 bytes (with
 * ACME_MAX_TOKEN 64); the port must hold ACME_HTTP01_SLOTS + 1 accepted
 * connections besides the listener and the client's (challenge_http01.h). */
#ifndef ACME_HTTP01_SLOTS
#define ACME_HTTP01_SLOTS 4
#endif
/* ... and a connection may be closed to make room for another once it
 * has been open this long without a complete request (a validator sends
 * its request at once; several validators at once must not evict each
 * other). */
#ifndef ACME_HTTP01_EVICT_MS
#define ACME_HTTP01_EVICT_MS 500
#endif

/* 1: dns-01 through acme_config.dns01_hook, and wildcard names (which
 * need it).  0 leaves that code out (a firmware that answers http-01
 * itself): dns-01 among the challenge types, or a wildcard, is then
 * ACME_ERR_PARAM from acme_init(). */
#ifndef ACME_DNS01
#define ACME_DNS01 1
#endif

/* 1: External Account Binding (RFC 8555 7.3.4): acme_config.eab_kid and
 * eab_hmac_key sign the newAccount request with HS256 for a CA that
 * requires it (ZeroSSL, Google, most private CAs).  0 leaves it out:
 * an EAB key in the configuration is then ACME_ERR_PARAM. */
#ifndef ACME_EAB
#define ACME_EAB 1
#endif

/* The longest EAB HMAC key accepted, in bytes (decoded). */
#ifndef ACME_EAB_MAX_KEY
#define ACME_EAB_MAX_KEY 128
#endif

/* 1: the account operations acme_rollover() (RFC 8555 7.3.5),
 * acme_deactivate() (7.3.6) and acme_revoke() (7.6), core/account_ops.c.
 * 0 leaves them out: they return ACME_ERR_PARAM. */
#ifndef ACME_ACCOUNT_OPS
#define ACME_ACCOUNT_OPS 1
#endif

/* 1: IP addresses as identifiers (RFC 8738: "ip" identifiers, iPAddress
 * in the CSR and the leaf).  0 leaves out the IPv6 text code and those
 * branches: an address among the names is then ACME_ERR_PARAM. */
#ifndef ACME_IP_IDENTIFIERS
#define ACME_IP_IDENTIFIERS 1
#endif

/* dns-01: how often a DNS hook that is still at work (it returned 1) is
 * asked again (acme.h, dns01_hook). */
#ifndef ACME_DNS01_RECHECK_MS
#define ACME_DNS01_RECHECK_MS 1000
#endif

/* 1: a directory URL whose host is an IP address is checked against the
 * iPAddress entries of the server's certificate (core/x509ip.c, about
 * 1.4 KB of Cortex-M3 code).  0 leaves that out: such a URL is then
 * ACME_ERR_PARAM from acme_init() (a device that reaches its CA by name,
 * as the field firmware does). */
#ifndef ACME_SERVER_IP
#define ACME_SERVER_IP 1
#endif

/* tls-alpn-01 responder (RFC 8737, core/challenge_tlsalpn01.h): 1 builds
 * it, 0 leaves it out entirely (the module compiles to nothing, and its
 * struct does not exist). */
#ifndef ACME_TLSALPN01
#define ACME_TLSALPN01 1
#endif

/* tls-alpn-01 responder: TLS handshakes served at once, each with its own
 * BearSSL server engine and I/O buffer (5,024 bytes each on x86-64, 4,656
 * on a Cortex-M3: docs/DESIGN.md 6e).  Further connections
 * wait in the port until an engine frees, or until the oldest connection
 * that has not completed its ClientHello may be evicted
 * (ACME_TLSALPN01_EVICT_MS), as for http-01.  The port must hold
 * ACME_TLSALPN01_SLOTS + 1 accepted connections besides its other ones. */
#ifndef ACME_TLSALPN01_SLOTS
#define ACME_TLSALPN01_SLOTS 2
#endif
/* ... how long one connection may take, from its accept to the end of
 * the handshake; and after how long one that has not completed its
 * ClientHello may be closed to make room for a waiting one. */
#ifndef ACME_TLSALPN01_TIMEOUT_MS
#define ACME_TLSALPN01_TIMEOUT_MS 5000
#endif
#ifndef ACME_TLSALPN01_EVICT_MS
#define ACME_TLSALPN01_EVICT_MS 500
#endif
/* ... time one tlsalpn01_poll() spends before it leaves the other
 * engines for the next call: a handshake's point multiplications take
 * about 300 ms on a Cortex-M3, under 3 ms on a host. */
#ifndef ACME_TLSALPN01_POLL_MS
#define ACME_TLSALPN01_POLL_MS 20
#endif

/* Key types beside P-256 (the default, always there; acme_signer.h,
 * README "Key types and signers"):
 * ACME_KEY_P384: ES384 account keys and P-384 certificate keys (BearSSL's
 * generic prime-curve code and SHA-384; CSRs signed ecdsa-with-SHA384).
 * ACME_KEY_RSA: RSA-2048 certificate keys (key generation, PKCS#1 v1.5
 * signatures, CSRs signed sha256WithRSAEncryption, "RSA PRIVATE KEY"
 * storage; about 1.6 KB more in struct acme_client for the key).
 * 0 leaves the code out: such a key type or signer is then ACME_ERR_PARAM
 * from acme_init(), a stored key of that type ACME_ERR_CRYPTO.  `make
 * size` prints what each costs in the lab image.  On by default on hosts,
 * off in the firmware. */
#ifndef ACME_KEY_P384
#define ACME_KEY_P384 1
#endif
#ifndef ACME_KEY_RSA
#define ACME_KEY_RSA 1
#endif

/* EC implementation: 1 selects BearSSL's i15/m15 code (constant time on
 * Cortex-M0/M3, whose multiplier is not), 0 the faster i31/m31 code for
 * hosts. */
#ifndef ACME_EC_I15
#define ACME_EC_I15 0
#endif

/* TLS profile: 1 = br_ssl_client_init_full (RSA and ECDSA chains, every
 * suite: what public CAs need), 0 = the minimal ECDHE-ECDSA P-256 profile
 * that a Pebble-like server needs. */
#ifndef ACME_TLS_FULL
#define ACME_TLS_FULL 1
#endif

/* With ACME_TLS_FULL 0: 1 adds to the small profile what public CAs
 * need (ECDHE-RSA suites, RSA and P-384/P-521 ECDSA chain signatures),
 * far smaller than the full client.  Costs: docs/DESIGN.md, make size. */
#ifndef ACME_TLS_PUBLIC_CA
#define ACME_TLS_PUBLIC_CA 0
#endif

/* TLS code left out to save flash (a firmware for public CAs):
 * ACME_TLS_CHACHA20 0 drops the ChaCha20-Poly1305 suites (AES-128-GCM
 * stays; every public CA offers it), ACME_TLS_X25519 0 drops
 * Curve25519 from the public-CA and full profiles (ECDHE on P-256). */
#ifndef ACME_TLS_CHACHA20
#define ACME_TLS_CHACHA20 1
#endif
#ifndef ACME_TLS_X25519
#define ACME_TLS_X25519 1
#endif

/* Longest certificate profile name (the directory's meta.profiles). */
#ifndef ACME_MAX_PROFILE
#define ACME_MAX_PROFILE 32
#endif

/* The longest wait for a "Retry-After" picoacme will hold a CA to, in
 * seconds: a 429 or 503 that asks for more (Let's Encrypt's rate limits
 * can say days) ends the run and is stored as "not before" (the state
 * record, core/renew.h). */
#ifndef ACME_NOT_BEFORE_MAX_S
#define ACME_NOT_BEFORE_MAX_S (30L * 86400)
#endif

/* Alternate certificate chains (RFC 8555 7.4.2): how many of the
 * certificate answer's Link: rel="alternate" URLs are kept, to find the
 * chain acme_config.preferred_chain asks for (the issuer CN of its
 * topmost certificate).  Each costs ACME_MAX_URL + 1 bytes of the
 * context; more links than this are ignored.  0 leaves the feature out
 * (a preferred_chain is then ACME_ERR_PARAM from acme_init()). */
#ifndef ACME_ALT_CHAINS
#define ACME_ALT_CHAINS 3
#endif

/* Version sent in the User-Agent header. */
#define ACME_VERSION "0.1.0"

#if ACME_MAX_NONCE < 64
#error "ACME_MAX_NONCE must be at least 64 (RFC 8555 servers send up to ~51)"
#endif
#if ACME_MAX_IDENTIFIERS < 1
#error "ACME_MAX_IDENTIFIERS must be at least 1"
#endif
#if ACME_MAX_URL < 64
#error "ACME_MAX_URL must be at least 64"
#endif
#if ACME_BADNONCE_RETRIES < 0 || ACME_BADNONCE_RETRIES > ACME_BADNONCE_SESSION_MAX
#error "ACME_BADNONCE_RETRIES must be between 0 and ACME_BADNONCE_SESSION_MAX"
#endif
#if ACME_POLL_MIN_MS < 1 || ACME_POLL_FIRST_MS < 1 || \
    ACME_POLL_INTERVAL_MS < ACME_POLL_MIN_MS || \
    ACME_POLL_INTERVAL_MAX_MS < ACME_POLL_INTERVAL_MS
#error "poll intervals: 0 < MIN <= INTERVAL <= INTERVAL_MAX, FIRST > 0"
#endif
#if ACME_NONCE_RING < 1
#error "ACME_NONCE_RING must be at least 1"
#endif
#if ACME_HTTP01_SLOTS < 1
#error "ACME_HTTP01_SLOTS must be at least 1"
#endif
#if ACME_TLSALPN01 && ACME_TLSALPN01_SLOTS < 1
#error "ACME_TLSALPN01_SLOTS must be at least 1"
#endif
#if ACME_MAX_CHAIN < 1024
#error "ACME_MAX_CHAIN must be at least 1024 (a chain of one certificate)"
#endif
#if ACME_ALT_CHAINS < 0 || ACME_ALT_CHAINS > 16
#error "ACME_ALT_CHAINS must be between 0 and 16"
#endif
#if ACME_HTTP01_MAX_REQUEST < 128 || ACME_HTTP01_MAX_REQUEST > 65535
#error "ACME_HTTP01_MAX_REQUEST must be between 128 and 65535"
#endif

#endif
