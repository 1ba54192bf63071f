/*
 * acme.h -- picoacme, an ACME (RFC 8555) client for small devices.
 *
 * The one public header.  The caller owns every byte: struct acme_client
 * is public so that sizeof works; place it in static storage (tens of
 * KB with the default limits of acme_config.h, most of it the 16.7 KB
 * TLS buffer and the response window: `make size` prints the exact
 * sizeof; README.md, "Footprint", has measured values).  Nothing is
 * allocated.  The application and the library must be compiled with the
 * same ACME_* limits: acme_init() checks it (ACME_ERR_ABI).
 *
 * Use:
 *     static struct acme_client c;
 *     struct acme_config cfg = { .directory_url = "https://...",
 *         .trust_anchors = tas, .trust_anchor_count = n,
 *         .names = names, .name_count = 1, .http01_port = 80,
 *         .agree_tos = 1 };
 *     if (acme_init(&c, &cfg, &port) == ACME_OK &&
 *         acme_run(&c) == ACME_OK)
 *             ... the port stored "cert.pem" and "cert.key" ...
 *     else
 *             log(acme_message(&c));
 *
 * The flow (RFC 8555 7): directory, a nonce by HEAD newNonce,
 * newAccount (or the stored account URL), newOrder, each authorization,
 * http-01 with the built-in responder, polls that honour Retry-After
 * (else a backoff from 150 ms) within time bounds, finalize with a CSR
 * for a new P-256 key (or P-384, RSA-2048, or a board's signer:
 * acme_signer.h), order polls, and the PEM chain, streamed into
 * storage as it arrives and committed only when it is whole and its leaf
 * is for our key and names (or, with preferred_chain, an alternate chain
 * the CA links: ACME_ALT_CHAINS).  Every URL the server names must be on
 * the directory's host and port.  It is a resumable state machine:
 * acme_step() does what it can without waiting and says what it waits
 * for; acme_run() is the blocking driver on top.
 *
 * Storage names used through the port: ACME_STORE_ACCOUNT_KEY,
 * ACME_STORE_ACCOUNT_URL (the account, reused by later runs: two lines,
 * the account URL and the directory URL it belongs to),
 * ACME_STORE_CERT_KEY and ACME_STORE_CERT (the result, one commit: the
 * chain is staged as it arrives, then the key, then both are committed;
 * with a board's cert_signer the chain alone).
 * The chain is never in the context whole (ACME_MAX_CHAIN bounds it, not
 * ACME_MAX_RESPONSE): read it from storage; acme_certificate_leaf()
 * gives the leaf.
 *
 * Errors: every function returns ACME_OK (0) or a negative enum
 * acme_err.  A failed flow keeps its error (acme_error()), a one-line
 * message (acme_message()) and, when the server sent one, its problem
 * document (acme_problem()).
 */
#ifndef ACME_H
#define ACME_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "acme_config.h"
#include "acme_err.h"
#include "port.h"
#include "http.h"
#include "json.h"
#include "nonce.h"
#include "key.h"
#include "key_rsa.h"
#include "acme_signer.h"
#include "tls.h"
#include "challenge_http01.h"
#include "challenge_tlsalpn01.h"
#include "renew.h"
#include "chain.h"

#define ACME_STORE_ACCOUNT_KEY "account.key"
#define ACME_STORE_ACCOUNT_URL "account.url"
#define ACME_STORE_CERT_KEY "cert.key"
#define ACME_STORE_CERT "cert.pem"
#define ACME_STORE_STATE "state"  /* backoff and renewal times, renew.h */
/* A key rollover in progress: the new account key, stored before the
 * CA hears of it (acme_rollover()); empty or absent otherwise. */
#define ACME_STORE_ACCOUNT_KEY_NEW "account-new.key"

/* Revocation reason codes (RFC 5280 5.3.1) for acme_revoke(). */
#define ACME_REASON_UNSPECIFIED 0
#define ACME_REASON_KEY_COMPROMISE 1
#define ACME_REASON_AFFILIATION_CHANGED 3
#define ACME_REASON_SUPERSEDED 4
#define ACME_REASON_CESSATION_OF_OPERATION 5

/* acme_step() results above zero: what the flow waits for, or (FRESH)
 * that it is done without having had to order anything. */
#define ACME_WANT_IO 1     /* call again when the transport may progress */
#define ACME_WANT_TIMER 2  /* call again after acme_wakeup_ms() */
#define ACME_FRESH 3       /* ensure: the stored certificate is good and not
                            * due; see acme_next_check() */

/* Challenge types (acme_config.challenges). */
#define ACME_CHALLENGE_HTTP01 1     /* RFC 8555 8.3, the built-in responder */
#define ACME_CHALLENGE_TLSALPN01 2  /* RFC 8737, the built-in responder */
#define ACME_CHALLENGE_DNS01 3      /* RFC 8555 8.4, through dns01_hook */

/* dns01_hook operations. */
#define ACME_DNS01_ADD 1
#define ACME_DNS01_REMOVE 2

struct acme_config {
	const char *directory_url;          /* https://.../directory */
	const br_x509_trust_anchor *trust_anchors;
	size_t trust_anchor_count;
	/* The identifiers, 1..ACME_MAX_IDENTIFIERS: DNS names, wildcards
	 * ("*.example.com": dns-01 only) and IP addresses ("192.0.2.7",
	 * "2001:db8::7": RFC 8738, an "ip" identifier and an iPAddress in
	 * the CSR; http-01 or tls-alpn-01).  See ident.h. */
	const char *const *names;
	size_t name_count;
	/* The challenge types to use, most preferred first: for each
	 * authorization the first of them that the server offers.  NULL
	 * (count 0): http-01 only.  A type listed twice, an unknown one,
	 * tls-alpn-01 without ACME_TLSALPN01, dns-01 without dns01_hook, or
	 * a wildcard name without dns-01 in the list: ACME_ERR_PARAM from
	 * acme_init(), before any request. */
	const int *challenges;
	size_t challenge_count;
	uint16_t http01_port;               /* 80 in production */
	uint16_t tlsalpn01_port;            /* 443 in production */
	/*
	 * dns-01: publish (op ACME_DNS01_ADD) or withdraw (ACME_DNS01_REMOVE)
	 * the TXT record value at name ("_acme-challenge." and the
	 * authorization's name, no trailing dot).  Returns 0 when done (the
	 * record is in place, or gone), 1 when still at work (a device that
	 * publishes through its cloud API): ADD is then called again with
	 * the same arguments about every ACME_DNS01_RECHECK_MS until it
	 * returns 0, within the validation time bound (ACME_ERR_TIMEOUT
	 * after it), and a negative value on failure (ACME_ERR_RESPONDER).
	 * The challenge is answered only once every record of the order is
	 * in place.  REMOVE is called once for every record ADD was called
	 * for, when the authorizations are valid or the flow fails or is
	 * closed (acme_close()), whatever ADD returned; its result is only
	 * logged.  Called from acme_step(); it may block, for the caller's
	 * own bounded time.
	 */
	int (*dns01_hook)(void *ctx, int op, const char *name,
	    const char *value);
	void *dns01_ctx;
	const char *contact;                /* "mailto:..." or NULL */
	/* 1: the user agreed to the CA's terms of service (the directory's
	 * meta.termsOfService, acme_terms_of_service()).  A CA that has
	 * terms gets no new account without it: ACME_ERR_TERMS. */
	int agree_tos;
	/* Time bounds in ms, 0 for the defaults: every authorization valid
	 * within validation_timeout_ms of the first challenge
	 * (ACME_VALIDATION_TIMEOUT_MS), the order valid within
	 * finalize_timeout_ms of the first finalize
	 * (ACME_FINALIZE_TIMEOUT_MS).  Then ACME_ERR_TIMEOUT. */
	uint32_t validation_timeout_ms;
	uint32_t finalize_timeout_ms;
	/* 1: decide first whether the stored certificate is good
	 * (acme_ensure() sets it; see there).  0: order a new one now. */
	int ensure;
	/* A certificate profile the CA lists in meta.profiles (Let's
	 * Encrypt: "classic", "tlsserver", "shortlived"), or NULL for the
	 * CA's default.  A name the CA does not list is ACME_ERR_PARAM
	 * before any order. */
	const char *profile;
	/* The longest Retry-After (seconds) sat out within a run, 0 for
	 * ACME_RETRY_AFTER_MAX_S; a 429 or 503 asking for more ends the run
	 * and is stored as "not before" for the next one. */
	uint32_t max_retry_wait_s;
	/* Alternate chains (RFC 8555 7.4.2; ACME_ALT_CHAINS): NULL or ""
	 * stores the CA's default chain.  Else the issuer commonName of the
	 * topmost certificate of the chain wanted (as certbot and lego
	 * compare: exact, at most 64 bytes; Let's Encrypt: "ISRG Root X1").
	 * When the default chain's is another, the alternates the CA links
	 * are fetched in turn and the first that matches replaces it; with
	 * none, the default pair stays (stored before the first alternate
	 * is fetched, so a failure meanwhile keeps a whole pair) and the
	 * run still succeeds. */
	const char *preferred_chain;
	/* The software keys' types (acme_signer.h, README "Key types and
	 * signers"): ACME_KEYTYPE_P256 (0, the default) or
	 * ACME_KEYTYPE_P384 (ES384) for the account key; P256, P384 or
	 * ACME_KEYTYPE_RSA2048 for the certificate key.  A type this build
	 * leaves out (ACME_KEY_P384, ACME_KEY_RSA) is ACME_ERR_PARAM.  A
	 * stored account key is used whatever its type (the type applies
	 * when a key is made); a new certificate key is made for every
	 * order, so a new cert_key_type applies from the next one. */
	int account_key_type;
	int cert_key_type;
	/* Keys that never enter the context (acme_signer.h): NULL for the
	 * software keys (made, stored and read through the port).  With
	 * account_signer, ACME_STORE_ACCOUNT_KEY is never read or written
	 * (account_key_type is unused); with cert_signer,
	 * ACME_STORE_CERT_KEY neither, and every certificate is for the
	 * signer's key.  Read through the pointer: they must outlive the
	 * client. */
	const struct acme_signer *account_signer;
	const struct acme_signer *cert_signer;
	/*
	 * External Account Binding (RFC 8555 7.3.4, ACME_EAB): the key
	 * identifier and the HMAC key the CA gave with the account, the key
	 * as the CA shows it: base64url text (padding '=' and the standard
	 * alphabet's '+' '/' are not accepted), 1..ACME_EAB_MAX_KEY bytes
	 * once decoded.  A new account is then bound to it with an HS256
	 * signature; a stored account does not need it.  Both or neither
	 * (else ACME_ERR_PARAM from acme_init()).  Referenced, not copied:
	 * keep both strings until acme_close().
	 */
	const char *eab_kid;
	const char *eab_hmac_key;
	/* 1: this context runs only the account operations (acme_rollover(),
	 * acme_deactivate(), acme_revoke()): names may be NULL (count 0),
	 * and acme_run() without one of them is ACME_ERR_PARAM. */
	int account_only;
};

/* What a run cost; read with acme_counters(). */
struct acme_counters {
	uint32_t requests;          /* HTTP requests sent, HEADs included */
	uint32_t head_nonce;        /* HEAD newNonce requests */
	uint32_t badnonce_retries;  /* requests re-sent after badNonce */
	uint32_t stale_nonces;      /* nonces dropped as already used */
	uint32_t invalid_nonces;    /* Replay-Nonce values dropped as bad */
	uint32_t handshakes;        /* TLS connections opened */
	uint32_t net_retries;       /* retries after network errors / 5xx */
	uint32_t polls;             /* authorization and order polls */
	uint32_t challenges_served; /* http-01 answers with a key auth. */
	uint64_t bytes_sent;        /* request bytes (head + body) */
	uint64_t bytes_received;    /* response bytes (decrypted) */
};

/* The server's RFC 7807 problem document, truncated copies. */
struct acme_problem {
	int status;                              /* HTTP status, 0 none */
	char type[ACME_MAX_PROBLEM_TYPE + 1];
	char detail[ACME_MAX_PROBLEM_DETAIL + 1];
	char sub_type[ACME_MAX_PROBLEM_TYPE + 1];     /* first subproblem */
	char sub_detail[ACME_MAX_PROBLEM_DETAIL + 1];
	char sub_identifier[ACME_MAX_NAME + 1];
	unsigned subproblems;                    /* how many were sent */
};

/* Everything below is private; read it only through the functions. */
struct acme_authz {
	char url[ACME_MAX_URL + 1];
	char chal_url[ACME_MAX_URL + 1];
	char token[ACME_MAX_TOKEN + 1];
	char name[ACME_MAX_NAME + 1];
	unsigned char valid;
	unsigned char need_post;                 /* challenge still pending */
	unsigned char type;                      /* ACME_CHALLENGE_* used */
	unsigned char dns;                       /* dns-01: FLOW_DNS_* */
	unsigned char lost;                      /* answer sent, reply lost */
	unsigned char reposts;                   /* answers sent again */
};

struct acme_client {
	/* First, at the same offset whatever the limits: the sticky error
	 * and the size of the application's struct, all that acme_init()
	 * writes when the two disagree (ACME_ERR_ABI). */
	int err;
	uint32_t abi_size;

	/* configuration (copied) */
	struct acme_port port;
	const br_x509_trust_anchor *tas;
	size_t ntas;
	uint16_t http01_port;
	uint16_t tlsalpn01_port;
	unsigned char chal[3];        /* challenge types, preferred first */
	unsigned char nchal;
	int (*dns01)(void *, int, const char *, const char *);
	void *dns01_ctx;
	unsigned char agree_tos;
	unsigned char ensure;
	uint32_t validation_ms;
	uint32_t finalize_ms;
	uint32_t max_wait_s;
	const char *eab_kid;          /* the caller's strings, or NULL */
	const char *eab_key;
	unsigned char account_only;
	unsigned char op;             /* account_ops.c: ACCT_OP_*, 0 issue */
	unsigned char op_cert_key;    /* revoke signed by the cert's key */
	unsigned char op_reason;      /* revoke: RFC 5280 reason code */
	unsigned char key_staged;     /* cert_key holds a staged account key */
	char profile[ACME_MAX_PROFILE + 1];
	unsigned nnames;
	char names[ACME_MAX_IDENTIFIERS][ACME_MAX_NAME + 1];
	char contact[ACME_MAX_URL + 1];
	char dir_url[ACME_MAX_URL + 1];
#if ACME_ALT_CHAINS
	/* alternate chains (altchain.c) */
	char preferred[CHAIN_CN_MAX + 1];     /* "": the default chain */
	char alt_url[ACME_ALT_CHAINS][ACME_MAX_URL + 1];
	const char *alt_why;          /* the alternate being read is bad */
	unsigned char alt_n;          /* alternates on our origin */
	unsigned char alt_idx;        /* the one fetched (ST_ALT) */
#endif

	/* state machine */
	int state;
	int phase;
	int idx;                      /* current authorization */
	uint64_t wake_at;             /* now_ms() for ACME_WANT_TIMER */
	uint64_t xfer_deadline;
	unsigned badnonce_tries;      /* of the current request */
	unsigned net_tries;           /* of the current request */
	unsigned head_tries;          /* HEADs for the current request */
	unsigned polls;               /* of the current object */
	uint32_t poll_ms;             /* next wait without Retry-After */
	uint64_t deadline;            /* of validation, then finalization */
	unsigned char finalized;      /* a CSR for cert_key was sent */
	unsigned char finalize_tries;

	/* the lifecycle (ensure.c) */
	struct renew_state st;        /* the state record, as stored */
	char cert_id[RENEW_CERT_ID_MAX + 1];  /* of the stored certificate */
	uint64_t cert_not_after;      /* of the stored certificate, 0 none */
	uint64_t next_check;          /* acme_next_check() */
	uint64_t retry_until;         /* a Retry-After the run gave up on */
	unsigned char checking;       /* network only to ask the CA (ARI) */
	unsigned char replaces;       /* newOrder replaces cert_id */
	unsigned char attempted;      /* the state record says "attempt" */
	unsigned char account_retry;  /* newAccount after a lost account */
	unsigned char reused_conn;    /* current exchange on a reused conn */
	uint32_t rng;                 /* jitter only; not for secrets */

	/* directory and objects */
	char new_nonce[ACME_MAX_URL + 1];
	char new_account[ACME_MAX_URL + 1];
	char new_order[ACME_MAX_URL + 1];
	char kid[ACME_MAX_URL + 1];
	char order_url[ACME_MAX_URL + 1];
	char finalize_url[ACME_MAX_URL + 1];
	char cert_url[ACME_MAX_URL + 1];
	char tos[ACME_MAX_URL + 1];   /* meta.termsOfService, "" none */
	char renewal_info[ACME_MAX_URL + 1];  /* directory, "" none */
	char ari_url[ACME_MAX_URL + RENEW_CERT_ID_MAX + 2];
	unsigned nauthz;
	struct acme_authz authz[ACME_MAX_IDENTIFIERS];

	/* keys (keys.c): the software keys, or the board's signers */
	struct key_ec account_key;
	struct key_ec cert_key;
#if ACME_KEY_RSA
	struct key_rsa cert_rsa;      /* cert_type ACME_KEYTYPE_RSA2048 */
#endif
	const struct acme_signer *account_signer;   /* NULL: account_key */
	const struct acme_signer *cert_signer;      /* NULL: cert_key */
	unsigned char account_type;   /* ACME_KEYTYPE_* of a new one */
	unsigned char cert_type;
	char thumb[48];

	/* the current exchange */
	const char *method;
	const char *url;              /* points into this struct */
	const char *accept;
	char host[ACME_MAX_NAME + 1];
	char hdr[2 * ACME_MAX_URL + ACME_MAX_NONCE + 256];
	char req[ACME_MAX_REQUEST];
	char payload[ACME_MAX_PAYLOAD];
	size_t req_len;
	struct tls_xfer xfer;
	struct http_resp resp;
	char body[ACME_MAX_RESPONSE];
	/* The JSON tokens of an answer, or the check of a certificate chain
	 * as it streams in or is read back from storage: a chain is never
	 * JSON, and no JSON is parsed while one is checked. */
	union {
		struct json_tok tok[ACME_JSON_TOKENS];
		struct chain_check chain;
	} scan;
	size_t leaf_len;              /* the leaf's DER in req, 0: none */
	unsigned char chain_on;       /* scan.chain checks this answer */
	unsigned char staged;         /* a chain staged, not committed */

	struct nonce_state nonce;
	struct tls_conn tls;
	struct http01 http01;
#if ACME_TLSALPN01
	struct tlsalpn01 tlsalpn01;   /* do not move while active */
#endif
	struct acme_counters cnt;
	struct acme_problem problem;
	char msg[ACME_MAX_PROBLEM_DETAIL + ACME_MAX_URL + 128];
};

/*
 * The limits that shape struct acme_client (and ACME_MAX_CHAIN, a bound
 * the library enforces), mixed into one 32-bit value (a constant
 * expression).  The application computes it from the
 * acme_config.h it was compiled with, the library from its own.
 */
#define ACME_ABI_MIX(h, x) \
	((((unsigned long)(h) * 2654435761u) ^ (unsigned long)(x)) & \
	0xffffffffu)
#define ACME_ABI_LIMITS (uint32_t)ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX( \
	ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX( \
	ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX( \
	ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX( \
	ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(ACME_ABI_MIX(1, \
	ACME_MAX_URL), ACME_MAX_NONCE), ACME_MAX_IDENTIFIERS), \
	ACME_MAX_NAME), ACME_MAX_TOKEN), ACME_MAX_RESPONSE), \
	ACME_MAX_CHAIN), ACME_MAX_REQUEST), ACME_MAX_PAYLOAD), \
	ACME_JSON_TOKENS), ACME_MAX_HEADER_LINE), ACME_MAX_HEADERS), \
	ACME_MAX_PROBLEM_TYPE), ACME_MAX_PROBLEM_DETAIL), \
	ACME_NONCE_RING), ACME_HTTP01_MAX_REQUEST), ACME_HTTP01_SLOTS), \
	ACME_TLSALPN01), ACME_TLSALPN01_SLOTS), ACME_SERVER_IP), \
	ACME_MAX_PROFILE), ACME_DNS01 + 2 * ACME_IP_IDENTIFIERS + \
	4 * ACME_KEY_P384 + 8 * ACME_KEY_RSA + 16 * ACME_ALT_CHAINS)

/*
 * Check the configuration and copy it into c (names, URLs; trust anchors
 * and the port functions are referenced, not copied).  No I/O.  Returns
 * ACME_OK, ACME_ERR_PARAM or ACME_ERR_TOO_LARGE (a name or URL over its
 * limit), or ACME_ERR_ABI: the application was compiled with other
 * ACME_* limits than the library (its struct acme_client has another
 * size or layout).  Then only c->err and c->abi_size are written (the
 * head of the struct, the same in every layout), the port's log gets
 * both sizes, and every other acme_* call on c touches nothing more:
 * acme_message() names both sizes, acme_close() does nothing.
 *
 * acme_init() is a macro so that the caller's sizeof(struct acme_client)
 * and ACME_ABI_LIMITS reach the library; call acme_init_abi() only
 * through it.
 */
#define acme_init(c, cfg, port) acme_init_abi((c), (cfg), (port), \
	sizeof(struct acme_client), ACME_ABI_LIMITS)
int acme_init_abi(struct acme_client *c, const struct acme_config *cfg,
    const struct acme_port *port, size_t size, uint32_t limits);

/*
 * Advance the flow as far as it goes without waiting.  Returns 0 when
 * the certificate is stored, ACME_FRESH when (ensure) nothing was
 * needed, ACME_WANT_IO or ACME_WANT_TIMER (call again later: see
 * acme_wakeup_ms()), or a negative acme_err (sticky: later calls return
 * it again).
 */
int acme_step(struct acme_client *c);

/* Milliseconds until acme_step() has work (0: now). */
uint32_t acme_wakeup_ms(const struct acme_client *c);

/* Run the flow to the end, calling port.idle between steps.  Returns
 * ACME_OK (a certificate was stored), ACME_FRESH (ensure: nothing was
 * needed) or a negative acme_err. */
int acme_run(struct acme_client *c);

/*
 * Make sure a valid certificate is stored, at the least cost to the
 * device and the CA: what a device calls on every boot, or a cron job
 * daily.  The stored pair (ACME_STORE_CERT, ACME_STORE_CERT_KEY) is kept
 * when it decodes, its key matches, it names exactly the configured
 * names, it is within its validity and its renewal moment has not come:
 * then no request at all, ACME_FRESH.  The renewal moment is the CA's
 * (ARI, RFC 9773: the directory's renewalInfo, asked again after the
 * CA's Retry-After), else the start of the last third of the lifetime
 * plus a per-device jitter.  Otherwise a new certificate is ordered
 * (replacing the old one for ARI) and ACME_OK returned.  An earlier
 * failure or a Retry-After the CA sent is stored as "not before": until
 * then ACME_ERR_BACKOFF without a request (the pair, when still valid,
 * gives ACME_FRESH).  Without a wall clock, ACME_ERR_TIME: no guess.
 * acme_next_check() says when to call again.  Blocking; the step API
 * does the same with acme_config.ensure = 1.
 */
int acme_ensure(struct acme_client *c);

/* Seconds since 1970 when acme_ensure() should next be called: the
 * renewal moment or the next ARI check (after ACME_FRESH or ACME_OK), the
 * end of the backoff (after a failure), 0 when unknown. */
uint64_t acme_next_check(const struct acme_client *c);

/* Close the connection and the responder (after success or failure). */
void acme_close(struct acme_client *c);

int acme_error(const struct acme_client *c);
/* One readable line about the error ("" when none). */
const char *acme_message(const struct acme_client *c);
/* The server's problem document, or NULL when none was received. */
const struct acme_problem *acme_problem(const struct acme_client *c);
const struct acme_counters *acme_counters(const struct acme_client *c);
/* A name for an error code ("ACME_ERR_BAD_NONCE"...). */
const char *acme_strerror(int err);
/*
 * The certificate (the leaf of the chain) as DER, inside c, and its
 * length in *len: after ACME_OK the one just stored, after ACME_FRESH
 * the stored one that was found good (valid until c is initialised
 * again); NULL (*len 0) otherwise.  Decode it for its names and
 * validity.  The whole chain is only in storage (ACME_STORE_CERT; the
 * port's load_at() reads it in pieces): the context never holds it, so
 * acme_certificate(), which returned the chain from the response
 * window, is gone.
 */
const unsigned char *acme_certificate_leaf(const struct acme_client *c,
    size_t *len);
/* The URL of the CA's terms of service from its directory (after the
 * directory was read; "" when it names none).  With ACME_ERR_TERMS,
 * show it to the user and ask for agreement (acme_config.agree_tos). */
const char *acme_terms_of_service(const struct acme_client *c);

/*
 * Account operations (ACME_ACCOUNT_OPS; core/account_ops.c).  Each runs
 * like acme_run() on a context from acme_init() (acme_config.ensure is
 * ignored, account_only lets names be empty): the directory, the stored
 * account (ACME_STORE_ACCOUNT_KEY, and the account URL, else it is
 * looked up with onlyReturnExisting; no new account is ever made), one
 * request, with the nonce, badNonce, 5xx and Retry-After handling of the
 * flow.  Blocking; ACME_OK or a negative acme_err, with acme_message()
 * and acme_problem() as for an order.  No stored account key:
 * ACME_ERR_PARAM, nothing sent.
 *
 * acme_rollover(): a new account key (RFC 8555 7.3.5, keyChange).  The
 * new key is stored as ACME_STORE_ACCOUNT_KEY_NEW before keyChange is
 * sent, and becomes ACME_STORE_ACCOUNT_KEY only after the CA took it:
 * the account is never lost.  A run of any kind that finds a staged key
 * after a power cut (once it talks to the CA: an ensure that finds the
 * pair fresh sends nothing) asks the CA which key it holds (newAccount with
 * onlyReturnExisting, signed by the staged key): the staged one is then
 * made the account key, else it is dropped (a rollover sends it again).
 *
 * acme_deactivate(): the account is deactivated for good (7.3.6); the
 * stored account URL is replaced by "deactivated", so that a later run
 * stops with ACME_ERR_INVALID instead of using it (remove
 * ACME_STORE_ACCOUNT_KEY and ACME_STORE_ACCOUNT_URL to start anew).
 *
 * acme_revoke(): revoke the stored certificate (the leaf of
 * ACME_STORE_CERT; 7.6) with an RFC 5280 reason code (ACME_REASON_*,
 * 0..10 but 7), the request signed by the account key or, by_cert_key
 * 1, by the certificate's own key (ACME_STORE_CERT_KEY; no account
 * needed, e.g. after a key compromise).  A leaf over about
 * (ACME_MAX_REQUEST - 400) / 1.8 bytes of DER (1.5 KB by default) does
 * not fit: ACME_ERR_TOO_LARGE.
 */
int acme_rollover(struct acme_client *c);
int acme_deactivate(struct acme_client *c);
int acme_revoke(struct acme_client *c, int reason, int by_cert_key);

#endif
