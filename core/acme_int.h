/*
 * acme_int.h -- what acme.c (driver, exchanges, retries) and flow.c (the
 * RFC 8555 states) share.  Not part of the public API.
 */
#ifndef ACME_INT_H
#define ACME_INT_H

#include "acme.h"

enum acme_state {
	ST_CHECK = 0,     /* the stored pair and the state record (local) */
	ST_KEY,           /* load or make the account key (local) */
	ST_DIRECTORY,     /* GET directory */
	ST_ARI,           /* GET renewalInfo/<certID> (RFC 9773) */
	ST_ACCOUNT,       /* POST newAccount */
	ST_ORDER,         /* POST newOrder */
	ST_AUTHZ,         /* POST-as-GET authorization idx */
	ST_DNS01,         /* the DNS hook publishes the dns-01 records (local) */
	ST_CHALLENGE,     /* POST {} to the challenge of idx */
	ST_POLL_AUTHZ,    /* POST-as-GET authorization idx until valid */
	ST_FINALIZE,      /* POST finalize with the CSR */
	ST_POLL_ORDER,    /* POST-as-GET order until valid */
	ST_CERT,          /* POST-as-GET certificate, store */
	ST_ALT,           /* POST-as-GET an alternate chain (altchain.c) */
	ST_DONE,          /* a certificate was stored */
	ST_FRESH,         /* ensure: nothing to do */
	/* account_ops.c */
	ST_ROLL_CHECK,    /* newAccount onlyReturnExisting, the staged key */
	ST_ACCT_FIND,     /* newAccount onlyReturnExisting, the account key */
	ST_KEYCHANGE,     /* POST keyChange (nested JWS) */
	ST_DEACTIVATE,    /* POST the account {"status":"deactivated"} */
	ST_REVOKE         /* POST revokeCert */
};

enum acme_phase {
	PH_IDLE = 0,      /* start the current state's request */
	PH_WAIT,          /* wait until wake_at, then PH_IDLE */
	PH_HEAD,          /* HEAD newNonce in flight */
	PH_XFER           /* the state's request in flight */
};

/* What a state sends.  payload NULL: POST-as-GET; method GET: no JWS. */
struct acme_req {
	const char *method;
	const char *url;
	const char *payload;
	size_t plen;
	const char *accept;
	unsigned char stream;         /* a 200 body goes to flow_piece() */
	struct key_ec *key;           /* signer; NULL: the account key */
	unsigned char jwk;            /* 1: "jwk" of key, not the kid */
};

/* acme.c: a complete response in c->resp and c->body, for the current
 * state's request: retries (badNonce, 5xx, 429), problems, and the
 * state's own handling (flow_handle()).  ACME_OK or the run's error.
 * Called by the driver; tests/fuzz/fuzz_flow.c calls it directly. */
int acme_response(struct acme_client *c);

/* flow.c */
int flow_local(struct acme_client *c);
int flow_need_account(struct acme_client *c);
/* The answer to the current challenge was sent and its reply lost (a
 * dropped connection, a 5xx): ask the authorization before answering
 * again. */
void flow_challenge_lost(struct acme_client *c);
/* The chain that just streamed in (c->scan.chain) is whole, for the
 * certificate key and every name (chain_finish()); else the run's
 * error. */
int flow_chain_finish(struct acme_client *c);
void flow_load_account_url(struct acme_client *c);
int flow_store_account_url(struct acme_client *c);
int flow_json(struct acme_client *c, struct json_doc *d);
int flow_url(struct acme_client *c, const struct json_doc *d, int obj,
    const char *key, char *dst, size_t cap);
int flow_location(struct acme_client *c, char *dst);
int flow_after_directory(struct acme_client *c);

/* account_ops.c (ACME_ACCOUNT_OPS, ACME_EAB) */
enum { ACCT_OP_ISSUE = 0, ACCT_OP_ROLLOVER, ACCT_OP_DEACTIVATE,
	ACCT_OP_REVOKE };
int acct_local(struct acme_client *c);
int acct_stored(struct acme_client *c);
int acct_after_directory(struct acme_client *c, const struct json_doc *d);
int acct_build(struct acme_client *c, struct acme_req *r);
int acct_handle(struct acme_client *c);
int acct_problem(struct acme_client *c, int does_not_exist);
int acct_eab(struct acme_client *c, struct json_w *w);

/* ensure.c: the lifecycle inside the flow */
int ensure_check(struct acme_client *c);
int ensure_attempt(struct acme_client *c);
int ensure_after_directory(struct acme_client *c);
int ensure_ari(struct acme_client *c);
void ensure_issued(struct acme_client *c, const uint8_t *leaf,
    size_t len);
void ensure_failed(struct acme_client *c);
uint64_t ensure_now(const struct acme_client *c);
int ensure_read_chain(struct acme_client *c, struct chain_check *k,
    const char **why);
int flow_build(struct acme_client *c, struct acme_req *r);
int flow_handle(struct acme_client *c);
int flow_piece(void *arg, const char *data, size_t len);
void flow_unstage(struct acme_client *c);
int flow_dns01(struct acme_client *c);
void flow_dns01_remove(struct acme_client *c);

#if ACME_ALT_CHAINS
/* altchain.c: alternate chains (RFC 8555 7.4.2) */
int altchain_start(struct acme_client *c);
int altchain_piece(struct acme_client *c, const char *data, size_t len);
int altchain_cert(struct acme_client *c);
int altchain_skip(struct acme_client *c, int err, const char *what,
    const char *detail);
#endif
/* keys.c: the account and certificate keys, software or a signer */
int keys_init(struct acme_client *c, const struct acme_config *cfg);
int keys_account_make(struct acme_client *c);
void keys_account(struct acme_client *c, struct acme_signer *s);
int keys_cert(struct acme_client *c, struct acme_signer *s);
int keys_cert_ready(const struct acme_client *c);
long keys_cert_pub(struct acme_client *c, unsigned char *out, size_t cap);
long keys_cert_pem(struct acme_client *c, char *dst, size_t cap);
long keys_stored_cert_pub(struct acme_client *c, unsigned char *out,
    size_t cap);
void keys_cert_wipe(struct acme_client *c);

/* acme.c */
int acme_fail(struct acme_client *c, int err, const char *what,
    const char *detail);
int acme_fail_problem(struct acme_client *c, int err, const char *what);
void acme_responders_stop(struct acme_client *c);
void acme_goto(struct acme_client *c, int state, uint32_t wait_ms);
uint32_t acme_retry_after_ms(const struct acme_client *c);
/* Log the concatenation of up to four strings (NULL: none). */
void acme_log(struct acme_client *c, int level, const char *a,
    const char *b, const char *d, const char *e);
#if ACME_LOG_PROGRESS
/* Log a wait: "waiting 1.5 s (why) before what[ url][ (attempt n of
 * ACME_NET_RETRIES + 1)]"; n 0 and url NULL leave those out. */
void acme_log_wait(struct acme_client *c, uint32_t ms, const char *why,
    const char *what, const char *url, unsigned n);
#else
#define acme_log_wait(c, ms, why, what, url, n) ((void)0)
#endif

#endif
