/*
 * fake_server.h -- an in-process, scripted ACME server behind a fake
 * struct acme_port, for the state-machine tests (test_flow.c).
 *
 * The port speaks TLS: each connect() makes a BearSSL server engine with
 * the fixture of fake_certs.h (EC P-256, "acme.test"); send() pushes the
 * client's records into it, recv() returns what it sends back.  Its
 * application data is parsed as HTTP/1.1 requests and answered like a
 * correct RFC 8555 server would: directory, HEAD newNonce, newAccount,
 * newOrder with one authorization per name, authorizations with a dns-01
 * and an http-01 challenge, finalize ("processing"), order polls
 * ("valid") and a PEM chain: a leaf certificate it issues for the CSR's
 * public key and the order's names (signed by its own fake issuer, whose
 * certificate follows; knob `chain_min` adds intermediates to make a
 * long chain; knob `alt_chains` links alternate chains with other
 * roots).  Its directory names terms of service (knob `tos`).
 *
 * It verifies what it receives and counts every breach of the protocol
 * in `violations` (the first one is described in `violation`): Content-
 * Type application/jose+json; a flattened JWS whose protected header has
 * alg ES256, the url of the request, a nonce this server issued and that
 * was never used, jwk for newAccount and kid afterwards; an ES256
 * signature valid for the account key; the payloads (empty for
 * POST-as-GET, "{}" for a challenge, the names in newOrder and in the
 * CSR); requests after "Connection: close"; a finalize before the order
 * is ready; a POST to the dns-01 challenge; a newNonce that is not a HEAD
 * with "Cache-Control: no-cache"; a newAccount that does not agree to
 * the terms of service when there are some.
 *
 * Time is fake: now_ms() is a counter that idle(ms) advances; unix_time()
 * is FS_T0 plus that.  Entropy is SHA-256 in counter mode over a seed.
 * Storage is a table of named blobs (struct fs_store, which may outlive
 * a server so that a "second run" or a "new server" sees the same
 * files).  listen/accept simulate the http-01 responder's peer: accept()
 * says "nothing waiting" (-2) unless `validator` is set, in which case
 * the server plays the ACME validator and fetches the key authorization
 * over an accepted handle after the challenge POST.
 *
 * Test hooks are rules: "on the Nth..Mth request to endpoint EP, do ACT"
 * (struct fs_rule, fs_add_rule()), plus the knobs of struct fs below.
 *
 * Everything is static (one struct fs, about 1 MB); no malloc.  Names are
 * prefixed fs_ / FS_: this file is linked into every unit test.
 */
#ifndef FAKE_SERVER_H
#define FAKE_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>
#include "acme_config.h"
#include "port.h"

#define FS_HOST "acme.test"
#define FS_BASE "https://" FS_HOST
#define FS_DIR_URL FS_BASE "/dir"
#define FS_T0 1780272000ULL          /* 2026-06-01T00:00:00Z */

#define FS_MAX_CONN 4
#define FS_WIRE 65536                /* server-to-client bytes in flight */
#define FS_IN 16384                  /* one request (head and body) */
/* The longest chain it issues (knob chain_min): past the client's bound. */
#define FS_CHAIN_MAX (ACME_MAX_CHAIN + 8192)
#define FS_BODY (ACME_MAX_RESPONSE + 4096 > FS_CHAIN_MAX + 1024 ? \
    ACME_MAX_RESPONSE + 4096 : FS_CHAIN_MAX + 1024)
#define FS_OUT (FS_BODY + 2048)
#define FS_MAX_LOG 512
#define FS_MAX_NONCES 8192
#define FS_MAX_ACCOUNTS 8
#define FS_MAX_ORDERS 8
#define FS_MAX_NAMES 8
#define FS_MAX_RULES 8
#define FS_MAX_PROBES 32
#define FS_MAX_BLOBS 8
#define FS_BLOB_CAP FS_CHAIN_MAX
#define FS_NONCE_LEN 56           /* nonce buffers: this + 8 */

/* Endpoints, for rules and counters. */
enum fs_ep {
	FS_EP_OTHER = 0,
	FS_EP_DIR,          /* GET directory */
	FS_EP_NONCE,        /* HEAD/GET newNonce */
	FS_EP_ACCOUNT,      /* POST newAccount */
	FS_EP_ORDER,        /* POST newOrder */
	FS_EP_AUTHZ,        /* POST-as-GET an authorization (fetch or poll) */
	FS_EP_CHAL,         /* POST an http-01 challenge */
	FS_EP_FINALIZE,     /* POST finalize */
	FS_EP_ORDER_POLL,   /* POST-as-GET the order */
	FS_EP_CERT,         /* POST-as-GET the certificate */
	FS_EP_ARI,          /* GET renewalInfo/<certID> (RFC 9773) */
	FS_EP_KEYCHANGE,    /* POST keyChange (RFC 8555 7.3.5) */
	FS_EP_ACCT,         /* POST the account URL (7.3.6 deactivation) */
	FS_EP_REVOKE,       /* POST revokeCert (7.6) */
	FS_EP_COUNT,
	FS_EP_POST = 100,   /* rules only: any POST (counted over POSTs) */
	FS_EP_ANY           /* rules only: any request */
};

/* What a rule does to a request.  "Default" is the correct answer. */
enum fs_act {
	FS_ACT_NONE = 0,
	FS_ACT_BADNONCE,     /* 400 badNonce, with a fresh Replay-Nonce */
	FS_ACT_BADNONCE_BARE,/* 400 badNonce, without a Replay-Nonce */
	FS_ACT_STALE_NONCE,  /* default answer, Replay-Nonce already used */
	FS_ACT_STATUS,       /* status arg (500, 503...), Retry-After arg2
	                      * seconds when arg2 >= 0, problem type str
	                      * (NULL: serverInternal or rateLimited) */
	FS_ACT_RETRY_AFTER,  /* default answer plus Retry-After: arg */
	FS_ACT_DROP,         /* close the connection without answering */
	FS_ACT_CLOSE_MID,    /* send half the default answer, then close */
	FS_ACT_TRUNCATE,     /* default answer, JSON body cut in half
	                      * (Content-Length of the cut body) */
	FS_ACT_BODY,         /* default head, body replaced by str */
	FS_ACT_OVERSIZE,     /* default head, a valid JSON body of
	                      * ACME_MAX_RESPONSE + 100 bytes */
	FS_ACT_NO_LOCATION,  /* default answer without Location */
	FS_ACT_LOCATION,     /* default answer with Location: str */
	FS_ACT_TOKEN,        /* authz: http-01 token is str */
	FS_ACT_INVALID,      /* authz: invalid, challenge error detail str */
	FS_ACT_NO_HTTP01,    /* authz: only a dns-01 challenge */
	FS_ACT_NO_DNS01,     /* authz: only an http-01 challenge */
	FS_ACT_PROCESSING,   /* order poll: still "processing" (with
	                      * Retry-After arg2 when arg2 >= 0) */
	FS_ACT_RAW,          /* the whole answer is str, as is */
	FS_ACT_NOT_EXIST,    /* 400 accountDoesNotExist */
	FS_ACT_CT_CHUNKED,   /* default answer sent chunked (no length) */
	FS_ACT_UNFRAMED,     /* default answer without Content-Length or
	                      * chunking, ended by closing: arg 0 half the
	                      * body then a TCP close (no close_notify);
	                      * 1 all of it then close_notify; 2 half of it
	                      * then close_notify */
	FS_ACT_CERT_KEY,     /* certificate: the leaf is for another key */
	FS_ACT_CERT_NAME,    /* certificate: the leaf lacks the last name */
	FS_ACT_CERT_BAD,     /* certificate: the 2nd one does not decode */
	FS_ACT_CERT_BAD_MID, /* certificate: one halfway through the
	                      * intermediates of chain_min does not decode */
	FS_ACT_CERT_EXTRA,   /* certificate: a non-certificate PEM object
	                      * follows the chain */
	FS_ACT_DROP_AFTER,   /* handle the request, then close without
	                      * answering (the answer is lost) */
	FS_ACT_SILENT,       /* never answer; keep the connection open */
	FS_ACT_ORDER_STATUS, /* newOrder: the order's status is str */
	FS_ACT_FOREIGN       /* every URL of the answer (body, Location)
	                      * has the origin str instead of FS_BASE */
};

struct fs_rule {
	int ep;              /* enum fs_ep, FS_EP_POST or FS_EP_ANY */
	unsigned from;       /* first occurrence it applies to (1-based) */
	unsigned times;      /* occurrences; 0: every one from `from` on */
	int act;             /* enum fs_act */
	long arg, arg2;
	const char *str;
};

/* One request as the server saw it. */
struct fs_log {
	char method[8];
	char path[96];
	char cache_control[64];    /* the request's Cache-Control */
	int ep;
	unsigned conn;             /* connection serial (1, 2, ...) */
	uint64_t t_ms;             /* fake clock when it was handled */
	int status;                /* answered status; 0: dropped */
	int act;                   /* rule action applied, FS_ACT_NONE */
	unsigned char jws_ok;      /* POST: the JWS verified */
	unsigned char has_jwk, has_kid;
	char nonce[FS_NONCE_LEN + 8];
	char url[ACME_MAX_URL + 1];
	char kid[ACME_MAX_URL + 1];
	char resp_nonce[FS_NONCE_LEN + 8];  /* Replay-Nonce sent, "" none */
};

struct fs_blob {
	char name[32];
	unsigned char data[FS_BLOB_CAP];
	size_t len;
	unsigned used;
};

/*
 * The storage.  What is staged and not committed is in staged[0..nstaged)
 * (a failed run must leave nstaged 0: nothing half-staged).
 */
struct fs_store {
	struct fs_blob b[FS_MAX_BLOBS];
	unsigned stores;           /* store() calls and commits */
	char seq[16][32];          /* names of the first 16 stores, in order
	                            * (a commit: its names joined by '+') */
	struct fs_blob staged[ACME_PORT_STAGE_MAX];
	unsigned nstaged;
	unsigned ops;              /* store, stage, commit calls */
	unsigned commits;          /* successful commits */
	unsigned stages;           /* stage() calls */
	unsigned discards;         /* discard() calls */
	unsigned loads_at;         /* load_at() calls */
};

struct fs_conn {
	int used;
	unsigned serial;
	br_ssl_server_context sc;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	unsigned char wire[FS_WIRE];   /* records for the client */
	size_t wire_off, wire_len;
	uint64_t ready_at;             /* latency: wire readable from */
	uint64_t last_active;
	char in[FS_IN];
	size_t in_len;
	char out[FS_OUT];
	size_t out_len, out_off;
	unsigned char hs_done;
	unsigned char dropped;         /* server closed: EOF after wire */
	unsigned char drop_after;      /* close once out is on the wire */
	unsigned char notify_after;    /* ... with a close_notify first */
	unsigned char notify_sent;
	unsigned char flushed;
	unsigned char closed_answer;   /* answered with Connection: close */
	unsigned requests;
};

struct fs_account {
	unsigned char q[97];           /* P-256 (65 bytes) or P-384 (97) */
	size_t qlen;
	char x[72], y[72];             /* base64url coordinates, as sent */
	char url[ACME_MAX_URL + 1];
	char thumb[48];                /* RFC 7638, computed here */
	char contact[160];             /* the newAccount's contact[0] */
	unsigned char agreed;          /* termsOfServiceAgreed: true */
	unsigned char deactivated;     /* RFC 8555 7.3.6 */
	unsigned char eab;             /* made with a verified EAB */
	unsigned keychanges;           /* keyChange requests taken */
};

struct fs_authz {
	char name[ACME_MAX_NAME + 1];  /* as ordered: "*.x" for a wildcard */
	char token[48];
	unsigned char valid, invalid, posted, validated;
	unsigned char ip;              /* an "ip" identifier (RFC 8738) */
	unsigned char dns_posted;      /* its dns-01 challenge was answered */
	unsigned polls;
	char error[256];
};

struct fs_order {
	int acct;
	unsigned n;
	struct fs_authz az[FS_MAX_NAMES];
	unsigned char finalized, valid;
	unsigned polls;
	unsigned finalizes;            /* finalize requests received */
	char profile[40];              /* newOrder's "profile", "" none */
	char replaces[128];            /* newOrder's "replaces", "" none */
	uint64_t issued_at;            /* unix time of the finalize */
	unsigned char spki[320];       /* the CSR's SubjectPublicKeyInfo */
	size_t spki_len;
	char chain[FS_CHAIN_MAX];      /* the PEM chain issued (finalize) */
	size_t chain_len;
	unsigned char revoked;         /* revokeCert took its certificate */
	unsigned char reason;          /* ... with this reason code */
	unsigned char revoked_by_jwk;  /* ... signed by the cert's key */
};

/* A request the simulated validator sends to the http-01 responder. */
struct fs_probe {
	char req[512];
	size_t req_len, req_off;
	char ans[1024];
	size_t ans_len;
	int expect;                    /* 200 or 404 */
	char keyauth[128];             /* expected body for 200 */
	int order, idx;                /* authz it validates (-1 none) */
	unsigned char state;           /* 0 queued, 1 accepted, 2 done */
	int got_status;
	unsigned char ok;
};

struct fs {
	/* knobs (fs_init sets the defaults shown) */
	int keepalive;                 /* 1 */
	unsigned authz_polls;          /* 0: pending answers after the
	                                * challenge before "valid" */
	unsigned order_polls;          /* 0: "processing" answers to order
	                                * polls after finalize */
	unsigned prevalid;             /* 0: bit i, authz i valid at once */
	int dir_nonce;                 /* 0: directory has a Replay-Nonce */
	int error_nonce;               /* 1: error answers carry one */
	uint32_t idle_close_ms;        /* 0: close connections idle that long */
	uint32_t latency_ms;           /* 0: answers readable after that */
	int validator;                 /* 0: play the http-01 validator */
	int probe_wrong;               /* 0: validator also asks wrong paths */
	int refuse_connect;            /* 0: connect() fails this many times */
	int tos;                       /* 1: the directory has terms of
	                                * service, newAccount must agree */
	const char *alt_host;          /* NULL: another name connect()
	                                * accepts (the certificate does not
	                                * cover it) */
	unsigned tls_vmin, tls_vmax;   /* 0: else the versions offered */
	unsigned cert_days;            /* 90: lifetime of what it issues */
	const char *profiles;          /* NULL: else the JSON object of the
	                                * directory's meta.profiles */
	int retry_as_date;             /* 0: Retry-After as an HTTP-date */
	int ari;                       /* 0: the directory has renewalInfo */
	uint64_t ari_start, ari_end;   /* its suggestedWindow (unix) */
	long ari_retry;                /* -1: else its Retry-After */
	int ari_status;                /* 200: else its error status */
	int already_replaced;          /* 1: a newOrder with "replaces" gets
	                                * 409 alreadyReplaced (RFC 9773 7.4:
	                                * the CA holds a replacement order) */
	unsigned store_fail_at;        /* 0: else storage operation number
	                                * this fails (-1, nothing written) */
	unsigned stage_fail_at;        /* 0: else the stage() call of this
	                                * number (of this server) fails */
	unsigned store_cut_at;         /* 0: else the power is cut at this
	                                * storage operation: it and every
	                                * later operation and I/O fail */
	size_t chain_min;              /* 0: else distinct intermediates
	                                * follow the issuer until the chain
	                                * is at least this long (at most
	                                * FS_CHAIN_MAX) */
	size_t rec_max;                /* 0: else every TLS record of an
	                                * answer carries at most this many
	                                * bytes (1: every byte its own) */
	const uint16_t *tls_suites;    /* NULL: else the suites offered */
	size_t tls_nsuites;
	int dns01;                     /* 0: answering a dns-01 challenge is
	                                * allowed (else a violation); the
	                                * TXT record must then be published
	                                * (fs_dns_hook) with the right value,
	                                * else the authorization is invalid */
	unsigned dns_pending;          /* 0: fs_dns_hook's ADD returns 1
	                                * (still at work) this many times
	                                * per record first; ~0u: forever */
	int dns_fail;                  /* 0: its ADD returns -1 */
	unsigned alt_chains;           /* 0: else the certificate answer
	                                * links this many alternate chains
	                                * (RFC 8555 7.4.2), /cert/o/alt/n:
	                                * the same leaf under a certificate
	                                * issued by "fake alt root n" */
	const char *alt_link;          /* NULL: else a Link value sent
	                                * before those (a foreign origin...) */
	uint64_t time_limit_ms;        /* 48 h: beyond it (or after 2000
	                                * connects), `runaway`: all I/O
	                                * fails so a looping client ends */
	uint32_t seed;
	const char *eab_kid;           /* NULL: else newAccount needs an
	                                * External Account Binding (RFC 8555
	                                * 7.3.4) with this kid and eab_key
	                                * (eab_key_len bytes), HS256 */
	const unsigned char *eab_key;
	size_t eab_key_len;

	/* state */
	unsigned gen;                  /* server instance number */
	uint64_t now;
	uint32_t entropy_ctr;
	struct fs_store *store;        /* &own_store unless a test sets it */
	struct fs_store own_store;
	struct fs_conn conn[FS_MAX_CONN];
	unsigned conn_serial;
	unsigned nonce_next;
	unsigned char nonce_used[FS_MAX_NONCES];
	char last_used_nonce[FS_NONCE_LEN + 8];
	struct fs_account acct[FS_MAX_ACCOUNTS];
	unsigned nacct;
	struct fs_order order[FS_MAX_ORDERS];
	unsigned norder;
	struct fs_rule rule[FS_MAX_RULES];
	unsigned nrules;
	struct fs_probe probe[FS_MAX_PROBES];
	unsigned nprobes;
	int listening;
	uint16_t listen_port;
	unsigned char csr[2048];       /* DER of the last finalize */
	size_t csr_len;

	/* the fake issuer of the certificates it issues */
	unsigned char ikey_x[32];
	unsigned char ikey_q[65];
	unsigned char issuer_der[512];
	size_t issuer_der_len;

	/* TLS fixture */
	br_x509_certificate chain[2];
	br_ec_private_key skey;
	unsigned char skey_x[32];
	br_x509_trust_anchor ta;       /* the client's trust anchor */
	unsigned char ta_dn[256];
	size_t ta_dn_len;
	unsigned char ta_q[65];

	/* counters (fs_clear_stats zeroes them) */
	unsigned connects, handshakes, client_closes, drops, idle_closes;
	unsigned chal_reposts;         /* POSTs to a challenge not pending */
	unsigned requests, posts;
	unsigned ep_count[FS_EP_COUNT];
	unsigned nonces_issued, nonces_used;
	unsigned violations;
	char violation[512];
	unsigned listens, accepts, val_ok, val_404, val_bad;
	unsigned wouldblock;           /* send/recv 0 and accept -2 */
	unsigned stage_calls;          /* stage() calls (stage_fail_at) */
	unsigned alt_served;           /* alternate chains answered */
	unsigned port_calls;
	unsigned idle_calls;
	int runaway;                   /* time_limit_ms passed, or the power
	                                * was cut (store_cut_at) */
	char ari_asked[128];           /* the last certID renewalInfo got */
	/* dns-01: the TXT records published through fs_dns_hook, and its
	 * calls */
	struct {
		char name[ACME_MAX_NAME + 20];
		char value[48];
		unsigned asked;        /* ADD calls for it */
	} txt[2 * FS_MAX_NAMES];
	unsigned ntxt;
	unsigned dns_adds, dns_removes, dns_remove_unknown;
	unsigned dns_remove_finalizes; /* finalize requests seen at the
	                                * first REMOVE */
	unsigned nlog;
	struct fs_log log[FS_MAX_LOG];
	char last_log[256];
};

/* A fresh server: defaults, no accounts, its own empty storage, the
 * trust anchor built.  seed makes the entropy stream. */
void fs_init(struct fs *s, uint32_t seed);

/* acme_config.dns01_hook for this server (ctx: the struct fs):
 * publishes and withdraws TXT records in s->txt, as dns_pending and
 * dns_fail say.  A REMOVE of a record not published counts in
 * dns_remove_unknown. */
int fs_dns_hook(void *ctx, int op, const char *name, const char *value);

/* The port whose ctx is s. */
void fs_port(struct fs *s, struct acme_port *p);

/* Add a rule (copied; str must live as long as s).  Returns 0, -1 when
 * FS_MAX_RULES are set. */
int fs_add_rule(struct fs *s, int ep, unsigned from, unsigned times,
    int act, long arg, long arg2, const char *str);

/* Zero the counters and the log (not accounts, nonces, storage). */
void fs_clear_stats(struct fs *s);

/* A stored blob: its length and *data, or -1 when absent. */
long fs_blob(const struct fs *s, const char *name, const unsigned char **data);

/* Put a blob into the store (0, or -1 when full / too large). */
int fs_blob_put(struct fs *s, const char *name, const void *data,
    size_t len);

/* The PEM chain the server issued for order o (1-based), "" when none. */
const char *fs_order_chain(const struct fs *s, unsigned o);

/* Alternate chain n (1..alt_chains) of order o, as the server answers
 * it, into dst (cap, NUL-terminated): its length, 0 when none. */
size_t fs_order_alt(struct fs *s, unsigned o, unsigned n, char *dst,
    size_t cap);

/* The body b[0..len) as HTTP chunks (RFC 9112 7.1) of varied sizes from
 * 1 to max (hex in either case, some with an extension), the last chunk
 * and trailer (header lines, each ending in CRLF, or ""), into out (cap)
 * from n on.  Returns the new length. */
size_t fs_chunked(char *out, size_t cap, size_t n, const char *b,
    size_t len, size_t max, const char *trailer);

/* Base64url without padding, written here independently of core/:
 * returns the length written (dst has room for 4*len/3 + 2), and the
 * decoder the byte count or -1. */
size_t fs_b64url(char *dst, const void *src, size_t len);
long fs_unb64url(void *dst, size_t cap, const char *src, size_t len);

/* Run the server's POST checks on a JWS body for path (the nonce is
 * burnt): 0, or -1 with the reason in why.  For self-tests. */
int fs_verify_jws(struct fs *s, const char *path, const char *body,
    size_t len, char *why, size_t wcap);

/* Issue a fresh nonce into out (cap bytes). */
void fs_issue_nonce(struct fs *s, char *out, size_t cap);

/* The log entries of endpoint ep: index of the k-th (0-based), or -1. */
int fs_find(const struct fs *s, int ep, unsigned k);

#endif
