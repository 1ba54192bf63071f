/*
 * acme.c -- the driver: acme_init/acme_step/acme_run, one HTTP exchange
 * at a time over the kept-alive TLS connection, the nonce rules of
 * DESIGN.md section 5 and the bounded retries.  The RFC 8555 states
 * themselves are in flow.c.
 */
#include <string.h>
#include "acme_int.h"
#include "b64url.h"
#include "ident.h"
#include "jws.h"
#include "prof.h"
#include "signer.h"
#include "str.h"
#include "wipe.h"

/* HEAD newNonce attempts for one request before giving up (a cache that
 * keeps serving used nonces, or a server that sends none). */
#define ACME_HEAD_MAX 4

static uint64_t
acme_now(const struct acme_client *c)
{
	return c->port.now_ms(c->port.ctx);
}

void
acme_log(struct acme_client *c, int level, const char *a, const char *b,
    const char *d, const char *e)
{
	char line[ACME_MAX_URL + 96];

	if (c->port.log == NULL)
		return;
	line[0] = 0;
	str_cat(line, sizeof line, a);
	if (b != NULL)
		str_cat(line, sizeof line, b);
	if (d != NULL)
		str_cat(line, sizeof line, d);
	if (e != NULL)
		str_cat(line, sizeof line, e);
	c->port.log(c->port.ctx, level, line);
}

#if ACME_LOG_PROGRESS
void
acme_log_wait(struct acme_client *c, uint32_t ms, const char *why,
    const char *what, const char *url, unsigned n)
{
	char t[96], a[32] = "";

	if (c->port.log == NULL)
		return;
	t[0] = 0;
	str_cat(t, sizeof t, "waiting ");
	str_cat_u(t, sizeof t, ms / 1000u);
	str_cat(t, sizeof t, ".");
	str_cat_u(t, sizeof t, ms / 100u % 10u);
	str_cat(t, sizeof t, " s (");
	str_cat(t, sizeof t, why);
	str_cat(t, sizeof t, ") before ");
	str_cat(t, sizeof t, what);
	if (url != NULL)
		str_cat(t, sizeof t, " ");
	if (n > 0) {
		str_cat(a, sizeof a, " (attempt ");
		str_cat_u(a, sizeof a, n);
		str_cat(a, sizeof a, " of ");
		str_cat_u(a, sizeof a, ACME_NET_RETRIES + 1);
		str_cat(a, sizeof a, ")");
	}
	acme_log(c, ACME_LOG_INFO, t, url, a, NULL);
}
#endif

/*
 * Record a failure: the sticky error and one line "what: detail".
 * Returns err so callers can `return acme_fail(...)`.
 */
int
acme_fail(struct acme_client *c, int err, const char *what,
    const char *detail)
{
	if (c->err != ACME_OK)
		return c->err;
#if ACME_ALT_CHAINS
	/* The default pair is stored: an alternate that fails is skipped. */
	if (c->state == ST_ALT)
		return altchain_skip(c, err, what, detail);
#endif
	c->err = err;
	c->msg[0] = 0;
	str_cat(c->msg, sizeof c->msg, what);
	if (detail != NULL && detail[0] != 0) {
		str_cat(c->msg, sizeof c->msg, ": ");
		str_cat(c->msg, sizeof c->msg, detail);
	}
	acme_log(c, ACME_LOG_ERROR, c->msg, NULL, NULL, NULL);
	flow_unstage(c);
	acme_responders_stop(c);
	flow_dns01_remove(c);
	tls_close(&c->tls, &c->port);
	keys_cert_wipe(c);
	ensure_failed(c);
	return err;
}

/* Stop the challenge responders (closing their connections; the
 * tls-alpn-01 one wipes its key and certificates). */
void
acme_responders_stop(struct acme_client *c)
{
	http01_stop(&c->http01, &c->port);
#if ACME_TLSALPN01
	tlsalpn01_stop(&c->tlsalpn01, &c->port);
#endif
}

/* 1 while a responder listens and needs polling. */
static int
acme_responders_active(const struct acme_client *c)
{
#if ACME_TLSALPN01
	if (tlsalpn01_active(&c->tlsalpn01))
		return 1;
#endif
	return http01_active(&c->http01);
}

/* Failure described by the problem document in c->problem. */
int
acme_fail_problem(struct acme_client *c, int err, const char *what)
{
	char d[ACME_MAX_PROBLEM_TYPE + ACME_MAX_PROBLEM_DETAIL +
	    ACME_MAX_NAME + 32];
	const struct acme_problem *p = &c->problem;

	d[0] = 0;
	if (p->status != 0) {
		str_cat_u(d, sizeof d, (uint64_t)p->status);
		str_cat(d, sizeof d, " ");
	}
	str_cat(d, sizeof d, p->type[0] ? p->type : "(no problem type)");
	if (p->detail[0]) {
		str_cat(d, sizeof d, ": ");
		str_cat(d, sizeof d, p->detail);
	}
	if (p->sub_type[0]) {
		str_cat(d, sizeof d, " [");
		str_cat(d, sizeof d, p->sub_identifier);
		str_cat(d, sizeof d, ": ");
		str_cat(d, sizeof d, p->sub_type);
		str_cat(d, sizeof d, " ");
		str_cat(d, sizeof d, p->sub_detail);
		str_cat(d, sizeof d, "]");
	}
	return acme_fail(c, err, what, d);
}

/* Enter state (per-request counters reset), after wait_ms. */
void
acme_goto(struct acme_client *c, int state, uint32_t wait_ms)
{
	c->state = state;
	c->badnonce_tries = 0;
	c->net_tries = 0;
	c->head_tries = 0;
	if (wait_ms > 0) {
		c->wake_at = acme_now(c) + wait_ms;
		c->phase = PH_WAIT;
	} else {
		c->phase = PH_IDLE;
	}
}

/* The server's Retry-After (the caller checked there is one), capped
 * at ACME_RETRY_AFTER_MAX_S. */
uint32_t
acme_retry_after_ms(const struct acme_client *c)
{
	long s = c->resp.retry_after;

	if (s < 0)
		s = 0;
	if (s > ACME_RETRY_AFTER_MAX_S)
		s = ACME_RETRY_AFTER_MAX_S;
	return (uint32_t)s * 1000u;
}

/* Small jitter source for backoff; not for anything secret. */
static uint32_t
acme_jitter(struct acme_client *c, uint32_t range)
{
	uint32_t x = c->rng ? c->rng : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rng = x;
	return range ? x % range : 0;
}

/* The challenge types of cfg, checked, into c->chal. */
static int
acme_init_challenges(struct acme_client *c, const struct acme_config *cfg)
{
	size_t i, j;
	int t;

	if (cfg->challenges == NULL || cfg->challenge_count == 0) {
		c->chal[0] = ACME_CHALLENGE_HTTP01;
		c->nchal = 1;
		return ACME_OK;
	}
	if (cfg->challenge_count > sizeof c->chal)
		return acme_fail(c, ACME_ERR_PARAM, "challenge types",
		    "a type is listed twice");
	for (i = 0; i < cfg->challenge_count; i++) {
		t = cfg->challenges[i];
		if (t < ACME_CHALLENGE_HTTP01 || t > ACME_CHALLENGE_DNS01)
			return acme_fail(c, ACME_ERR_PARAM, "challenge types",
			    "unknown type");
		for (j = 0; j < i; j++)
			if (c->chal[j] == t)
				return acme_fail(c, ACME_ERR_PARAM,
				    "challenge types", "a type is listed twice");
#if !ACME_TLSALPN01
		if (t == ACME_CHALLENGE_TLSALPN01)
			return acme_fail(c, ACME_ERR_PARAM, "tls-alpn-01",
			    "not built in (ACME_TLSALPN01 0)");
#endif
#if !ACME_DNS01
		if (t == ACME_CHALLENGE_DNS01)
			return acme_fail(c, ACME_ERR_PARAM, "dns-01",
			    "not built in (ACME_DNS01 0)");
#endif
		if (t == ACME_CHALLENGE_TLSALPN01 && c->tlsalpn01_port == 0)
			return acme_fail(c, ACME_ERR_PARAM, "tls-alpn-01",
			    "needs a port (acme_config.tlsalpn01_port, 443 "
			    "in production)");
		if (t == ACME_CHALLENGE_DNS01 && c->dns01 == NULL)
			return acme_fail(c, ACME_ERR_PARAM, "dns-01",
			    "needs a DNS hook (acme_config.dns01_hook)");
		c->chal[i] = (unsigned char)t;
	}
	c->nchal = (unsigned char)cfg->challenge_count;
	return ACME_OK;
}

#if ACME_IP_IDENTIFIERS
#define ACME_IDENT_NOTE ""
#else
#define ACME_IDENT_NOTE " (IPv6: not built in)"
#endif

/* One configured identifier into dst: an IP address in its canonical
 * text (RFC 8738 3), a wildcard only with dns-01 among the types. */
static int
acme_init_name(struct acme_client *c, char *dst, size_t cap,
    const char *name)
{
	uint8_t ip[16];
	size_t len;
	int t = ident_parse(name, ip, &len);
	const char *why;
#if ACME_DNS01
	size_t i;
#endif

	if (t < 0)
		return acme_fail(c, ACME_ERR_PARAM, "not a DNS name, "
		    "wildcard or IP address" ACME_IDENT_NOTE, name);
	if (t == IDENT_IP) {
#if ACME_IP_IDENTIFIERS
		return ident_ip_text(ip, len, dst, cap) == 0 ? ACME_OK :
		    acme_fail(c, ACME_ERR_TOO_LARGE,
		    "name longer than ACME_MAX_NAME", name);
#else
		return acme_fail(c, ACME_ERR_PARAM, "IP identifiers are not "
		    "built in (ACME_IP_IDENTIFIERS 0)", name);
#endif
	}
	why = ident_dns_norm(name, dst, cap);
	if (why == ident_too_long)
		return acme_fail(c, ACME_ERR_TOO_LARGE,
		    "name longer than ACME_MAX_NAME", name);
	if (why != NULL)
		return acme_fail(c, ACME_ERR_PARAM, name, why);
#if ACME_DNS01
	for (i = 0; t == IDENT_WILDCARD && i < c->nchal; i++)
		if (c->chal[i] == ACME_CHALLENGE_DNS01)
			return ACME_OK;
	if (t == IDENT_WILDCARD)
		return acme_fail(c, ACME_ERR_PARAM, name,
		    "a wildcard is validated by dns-01 only: give a DNS hook "
		    "and dns-01 among the challenge types");
#else
	if (t == IDENT_WILDCARD)
		return acme_fail(c, ACME_ERR_PARAM, name, "a wildcard needs "
		    "dns-01, not built in (ACME_DNS01 0)");
#endif
	return ACME_OK;
}

/* Nonzero when acme_init() found the application's struct acme_client
 * unlike the library's: then only the head of *c may be touched. */
static int
acme_abi_bad(const struct acme_client *c)
{
	return c->err == ACME_ERR_ABI;
}

/* Where the ACME_ERR_ABI message goes: in the application's own object
 * (unusable anyway), after the head that every layout shares, and within
 * the size the application declared (abi_size).  So the message costs no
 * RAM of its own.  Its capacity: 0 when that object is too small. */
#define ACME_ABI_MSG_AT offsetof(struct acme_client, port)
#define ACME_ABI_MSG_CAP 160

static size_t
acme_abi_msg_cap(const struct acme_client *c)
{
	size_t room = c->abi_size > ACME_ABI_MSG_AT ?
	    c->abi_size - ACME_ABI_MSG_AT : 0;

	return room < ACME_ABI_MSG_CAP ? room : ACME_ABI_MSG_CAP;
}

/* The application's struct is not the library's: say so in the head of
 * c and the room after it, and in the port's log; touch nothing else. */
static int
acme_abi_fail(struct acme_client *c, const struct acme_port *port,
    size_t size)
{
	char *m = (char *)c + ACME_ABI_MSG_AT;
	size_t cap;

	c->err = ACME_ERR_ABI;
	c->abi_size = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size;
	cap = acme_abi_msg_cap(c);
	if (cap > 0) {
		m[0] = 0;
		str_cat(m, cap, "struct acme_client differs between the "
		    "application (");
		str_cat_u(m, cap, c->abi_size);
		str_cat(m, cap, " bytes) and the library (");
		str_cat_u(m, cap, sizeof *c);
		str_cat(m, cap, " bytes): compile both with the same ACME_* "
		    "limits (acme_config.h)");
	}
	if (port != NULL && port->log != NULL)
		port->log(port->ctx, ACME_LOG_ERROR, acme_message(c));
	return ACME_ERR_ABI;
}

int
acme_init_abi(struct acme_client *c, const struct acme_config *cfg,
    const struct acme_port *port, size_t size, uint32_t limits)
{
	size_t i;

	if (c == NULL)
		return ACME_ERR_PARAM;
	if (size != sizeof *c || limits != ACME_ABI_LIMITS)
		return acme_abi_fail(c, port, size);
	memset(c, 0, sizeof *c);
	c->abi_size = (uint32_t)size;
	tls_init(&c->tls);
	http01_init(&c->http01);
#if ACME_TLSALPN01
	tlsalpn01_init(&c->tlsalpn01);
#endif
	nonce_init(&c->nonce);
	if (cfg == NULL || port == NULL || cfg->directory_url == NULL ||
	    (cfg->names == NULL && cfg->name_count != 0) ||
	    (cfg->name_count == 0 &&
	    !(ACME_ACCOUNT_OPS && cfg->account_only)) ||
	    port->connect == NULL || port->send == NULL ||
	    port->recv == NULL || port->close == NULL ||
	    port->now_ms == NULL || port->unix_time == NULL ||
	    port->entropy == NULL || port->load == NULL ||
	    port->load_at == NULL ||
	    port->store == NULL || port->stage == NULL ||
	    port->commit == NULL || port->discard == NULL)
		return c->err = ACME_ERR_PARAM;
	c->port = *port;
	c->tas = cfg->trust_anchors;
	c->ntas = cfg->trust_anchor_count;
	c->http01_port = cfg->http01_port;
	c->tlsalpn01_port = cfg->tlsalpn01_port;
	c->dns01 = cfg->dns01_hook;
	c->dns01_ctx = cfg->dns01_ctx;
	c->agree_tos = cfg->agree_tos != 0;
	c->validation_ms = cfg->validation_timeout_ms ?
	    cfg->validation_timeout_ms : ACME_VALIDATION_TIMEOUT_MS;
	c->finalize_ms = cfg->finalize_timeout_ms ?
	    cfg->finalize_timeout_ms : ACME_FINALIZE_TIMEOUT_MS;
	c->max_wait_s = cfg->max_retry_wait_s ? cfg->max_retry_wait_s :
	    ACME_RETRY_AFTER_MAX_S;
	c->ensure = cfg->ensure != 0;
	c->account_only = cfg->account_only != 0;
	if (cfg->eab_kid != NULL || cfg->eab_hmac_key != NULL) {
		if (!ACME_EAB || cfg->eab_kid == NULL ||
		    cfg->eab_hmac_key == NULL)
			return acme_fail(c, ACME_ERR_PARAM, "External Account "
			    "Binding", ACME_EAB ? "needs both the key "
			    "identifier and the HMAC key" : "not built in");
		c->eab_kid = cfg->eab_kid;
		c->eab_key = cfg->eab_hmac_key;
		if (acct_eab(c, NULL) != ACME_OK)
			return c->err;
	}
	if (cfg->profile != NULL &&
	    str_copy(c->profile, sizeof c->profile, cfg->profile) != 0)
		return acme_fail(c, ACME_ERR_TOO_LARGE,
		    "profile name longer than ACME_MAX_PROFILE", NULL);
#if ACME_ALT_CHAINS
	if (cfg->preferred_chain != NULL && str_copy(c->preferred,
	    sizeof c->preferred, cfg->preferred_chain) != 0)
		return acme_fail(c, ACME_ERR_TOO_LARGE, "preferred chain "
		    "longer than 64 bytes (an X.520 commonName)", NULL);
#else
	if (cfg->preferred_chain != NULL && cfg->preferred_chain[0] != 0)
		return acme_fail(c, ACME_ERR_PARAM, "preferred_chain needs "
		    "ACME_ALT_CHAINS", NULL);
#endif
	if (cfg->name_count > ACME_MAX_IDENTIFIERS)
		return acme_fail(c, ACME_ERR_TOO_LARGE, "too many names",
		    "raise ACME_MAX_IDENTIFIERS");
	if (acme_init_challenges(c, cfg) != ACME_OK ||
	    keys_init(c, cfg) != ACME_OK)
		return c->err;
	for (i = 0; i < cfg->name_count; i++) {
		if (cfg->names[i] == NULL || cfg->names[i][0] == 0)
			return acme_fail(c, ACME_ERR_PARAM, "empty name", NULL);
		if (acme_init_name(c, c->names[i], sizeof c->names[i],
		    cfg->names[i]) != ACME_OK)
			return c->err;
	}
	c->nnames = (unsigned)cfg->name_count;
	if (str_copy(c->dir_url, sizeof c->dir_url, cfg->directory_url))
		return acme_fail(c, ACME_ERR_TOO_LARGE,
		    "directory URL longer than ACME_MAX_URL", NULL);
	if (cfg->contact != NULL &&
	    str_copy(c->contact, sizeof c->contact, cfg->contact))
		return acme_fail(c, ACME_ERR_TOO_LARGE,
		    "contact longer than ACME_MAX_URL", NULL);
	if (http_url_split(c->dir_url, c->host, sizeof c->host, &(unsigned){0},
	    &(const char *){NULL}) != ACME_OK)
		return acme_fail(c, ACME_ERR_PARAM,
		    "directory URL is not an https URL", c->dir_url);
#if !ACME_SERVER_IP
	if (x509ip_parse(c->host, (unsigned char[16]){0}) != 0)
		return acme_fail(c, ACME_ERR_PARAM, c->host, "an IP address "
		    "as the server's host is not built in (ACME_SERVER_IP 0): "
		    "use its DNS name");
#endif
	c->state = ST_CHECK;
	c->phase = PH_IDLE;
	return ACME_OK;
}

/* The TLS layer hands response bytes to the HTTP parser. */
static int
acme_sink(void *arg, const unsigned char *data, size_t len, size_t *used)
{
	return http_resp_feed(arg, data, len, used);
}

/* Start an exchange: method on url, with c->req as body when POST; the
 * body of a 200 answer streams to flow_piece() when stream is set. */
static int
acme_xfer_begin(struct acme_client *c, const char *method, const char *url,
    const char *accept, size_t body_len, int stream)
{
	const char *path;
	unsigned port;
	int head = strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0;
	int r;

	c->method = method;
	c->url = url;
	r = http_url_split(url, c->host, sizeof c->host, &port, &path);
	if (r != ACME_OK)
		return acme_fail(c, r, "bad URL from the server", url);
	c->reused_conn = (unsigned char)tls_is_open_to(&c->tls, c->host,
	    (uint16_t)port);                    /* 0 or 1 */
	if (!c->reused_conn) {
		r = tls_open(&c->tls, &c->port, c->host, (uint16_t)port,
		    c->tas, c->ntas, c->port.unix_time(c->port.ctx));
		if (r == ACME_ERR_TIME)
			return acme_fail(c, r, "no wall-clock time",
			    "the port's unix_time() returned 0");
		if (r != ACME_OK)
			return r;   /* retried by the caller */
		c->cnt.handshakes++;
	}
	/* RFC 8555 7.2: HEAD newNonce, and no cache may answer it. */
	r = http_req_head(c->hdr, sizeof c->hdr, method, c->host, port, path,
	    post ? "application/jose+json" : NULL, body_len, accept,
	    head ? "Cache-Control: no-cache\r\n" : NULL);
	if (r < 0)
		return acme_fail(c, r, "request head too large", url);
	memset(&c->xfer, 0, sizeof c->xfer);
	c->xfer.tx[0] = (const unsigned char *)c->hdr;
	c->xfer.tx_len[0] = (size_t)r;
	c->xfer.tx[1] = (const unsigned char *)c->req;
	c->xfer.tx_len[1] = post ? body_len : 0;
	c->xfer.sink = acme_sink;
	c->xfer.arg = &c->resp;
	http_resp_init(&c->resp, c->body, sizeof c->body, head,
	    c->port.unix_time(c->port.ctx));
	c->chain_on = 0;
	if (stream)
		http_resp_stream(&c->resp, flow_piece, c, ACME_MAX_CHAIN);
#if ACME_ALT_CHAINS
	/* RFC 8555 7.4.2: the default chain links the alternates. */
	if (c->state == ST_CERT && c->preferred[0] != 0)
		http_resp_alternates(&c->resp, c->alt_url, ACME_ALT_CHAINS);
#endif
	c->xfer_deadline = acme_now(c) + ACME_IO_TIMEOUT_MS;
	c->cnt.requests++;
	c->cnt.bytes_sent += (uint64_t)r + c->xfer.tx_len[1];
	return ACME_OK;
}

/*
 * Pump the exchange.  1: complete response in c->resp; 0: waiting for
 * the transport; < 0: failed (connection closed).
 */
static int
acme_xfer_pump(struct acme_client *c)
{
	int r;

	do {
		r = PROF((br_ssl_engine_current_state(&c->tls.sc.eng) &
		    (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) ? PROF_RECORDS :
		    PROF_HANDSHAKE, tls_xfer_step(&c->tls, &c->port, &c->xfer));
	} while (r == TLS_PROGRESS && acme_now(c) <= c->xfer_deadline);
	if (r == TLS_PROGRESS)
		r = 0;
	/* A body delimited by the end of the stream is complete only when
	 * the server ended it with a TLS close_notify: a bare FIN or RST
	 * (a dropped connection, or anyone on the path) means truncation
	 * (RFC 9112 6.3, RFC 8446 6.1). */
	if (r == ACME_ERR_NET && c->xfer.close_notify)
		r = http_resp_eof(&c->resp) == 1 ? 1 : ACME_ERR_NET;
	if (r == 0 && acme_now(c) > c->xfer_deadline) {
		tls_close(&c->tls, &c->port);
		return ACME_ERR_TIMEOUT;
	}
	if (r != 1)
		return r;
	c->cnt.bytes_received += c->xfer.rx_bytes;
	c->tls.uses++;
	if (c->resp.conn_close || c->xfer.leftover)
		tls_close(&c->tls, &c->port);
	/* RFC 8555 6.5: every response may carry the next nonce. */
	if (c->resp.has_nonce || c->resp.nonce_too_long)
		nonce_take(&c->nonce, c->resp.nonce, strlen(c->resp.nonce),
		    c->resp.nonce_too_long);
	if (c->port.log != NULL) {
		char st[16] = " -> ";

		str_cat_u(st, sizeof st, (uint64_t)c->resp.status);
		acme_log(c, ACME_LOG_INFO, c->method, " ", c->url, st);
	}
	return 1;
}

static const char *
acme_tls_reason(int e)
{
	if (e >= BR_ERR_X509_OK && e < BR_ERR_X509_OK + 32) {
		if (e == BR_ERR_X509_NOT_TRUSTED)
			return "server certificate not trusted by the CA file";
		if (e == BR_ERR_X509_BAD_SERVER_NAME)
			return "server certificate does not match the host name";
		if (e == BR_ERR_X509_EXPIRED)
			return "server certificate expired or not yet valid";
		if (e == X509IP_ERR_NO_MATCH)
			return "server certificate has no iPAddress SAN for ";
		return "server certificate chain rejected";
	}
	return "TLS handshake or record failure";
}

/* A transport-level failure of the exchange: retry within bounds. */
static int
acme_xfer_failed(struct acme_client *c, int err)
{
	char d[96 + ACME_MAX_NAME] = "";
	uint32_t wait;

	/* The sink of a streamed body failed the run itself. */
	if (c->err != ACME_OK)
		return c->err;
	/* A chain cut short is dropped: a retry stages it anew. */
	flow_unstage(c);
	if (err == ACME_ERR_TLS) {
		str_cat(d, sizeof d, acme_tls_reason(c->tls.last_error));
		if (c->tls.last_error == X509IP_ERR_NO_MATCH)
			str_cat(d, sizeof d, c->host);
		str_cat(d, sizeof d, " (BearSSL error ");
		str_cat_u(d, sizeof d, (uint64_t)c->tls.last_error);
		str_cat(d, sizeof d, ")");
		/* A bad chain does not get better by retrying. */
		if (c->tls.last_error >= BR_ERR_X509_OK)
			return acme_fail(c, err, c->host, d);
	}
	if (err == ACME_ERR_HTTP || err == ACME_ERR_TOO_LARGE) {
		tls_close(&c->tls, &c->port);
		return acme_fail(c, err, c->url, err == ACME_ERR_HTTP ?
		    "malformed or truncated HTTP response" :
		    c->resp.streaming ? "the certificate chain is over "
		    "ACME_MAX_CHAIN bytes" : "response over a configured "
		    "limit");
	}
	/* The request may have used the nonce: it is gone either way. */
	tls_close(&c->tls, &c->port);
	/* A finalize may have arrived although its answer did not: sending
	 * it again would fail (orderNotReady) or waste an issuance; the
	 * order's status says what happened. */
	if (c->state == ST_FINALIZE && c->phase == PH_XFER)
		c->state = ST_POLL_ORDER;
	/* The same for the answer to a challenge: a server may refuse a
	 * second one (Pebble: 400 malformed once it is "processing"). */
	if (c->state == ST_CHALLENGE && c->phase == PH_XFER)
		flow_challenge_lost(c);
	if (c->reused_conn && c->xfer.rx_bytes == 0 && err == ACME_ERR_NET &&
	    c->net_tries == 0) {
		/* The server closed an idle kept-alive connection: reconnect
		 * at once; the next attempt is on a fresh one.  Once per
		 * request: a server that drops every request unanswered
		 * would otherwise loop us for ever (the HEAD for the new
		 * nonce makes the next connection "reused" again). */
		c->net_tries++;
		c->phase = PH_IDLE;
		return ACME_OK;
	}
	if (++c->net_tries > ACME_NET_RETRIES) {
		if (d[0] == 0)
			str_cat(d, sizeof d, err == ACME_ERR_TIMEOUT ?
			    "no answer in time" : "connection failed");
		str_cat(d, sizeof d, " after ");
		str_cat_u(d, sizeof d, c->net_tries);
		str_cat(d, sizeof d, " attempts");
		return acme_fail(c, err, c->url ? c->url : c->host, d);
	}
	c->cnt.net_retries++;
	wait = (1000u << (c->net_tries - 1)) + acme_jitter(c, 500);
	c->wake_at = acme_now(c) + wait;
	c->phase = PH_WAIT;
	acme_log_wait(c, wait, d[0] ? d : err == ACME_ERR_TIMEOUT ?
	    "no answer in time" : "a dropped connection", "retrying",
	    c->url ? c->url : c->host, c->net_tries + 1);
	return ACME_OK;
}

/* Fill c->problem from an error response. */
static void
acme_parse_problem(struct acme_client *c)
{
	struct json_doc d;
	struct acme_problem *p = &c->problem;
	int t, sub;

	memset(p, 0, sizeof *p);
	p->status = c->resp.status;
	if (json_parse(&d, c->body, c->resp.body_len, c->scan.tok,
	    ACME_JSON_TOKENS) != ACME_OK || json_type(&d, 0) != JSON_OBJECT)
		return;
	/* Truncation is fine here: these copies are for humans. */
	if (json_string(&d, json_get(&d, 0, "type"), p->type,
	    sizeof p->type) < 0)
		p->type[0] = 0;
	if (json_string(&d, json_get(&d, 0, "detail"), p->detail,
	    sizeof p->detail) < 0)
		p->detail[0] = 0;
	t = json_get(&d, 0, "subproblems");
	if (json_array_len(&d, t) > 0) {
		p->subproblems = (unsigned)json_array_len(&d, t);
		sub = json_array_item(&d, t, 0);
		json_string(&d, json_get(&d, sub, "type"), p->sub_type,
		    sizeof p->sub_type);
		json_string(&d, json_get(&d, sub, "detail"), p->sub_detail,
		    sizeof p->sub_detail);
		json_string(&d, json_get(&d, json_get(&d, sub, "identifier"),
		    "value"), p->sub_identifier, sizeof p->sub_identifier);
	}
}

static int
acme_problem_is(const struct acme_client *c, const char *name)
{
	static const char ns[] = "urn:ietf:params:acme:error:";

	return strncmp(c->problem.type, ns, sizeof ns - 1) == 0 &&
	    strcmp(c->problem.type + sizeof ns - 1, name) == 0;
}

/* A complete response to the state's request (acme_int.h). */
int
acme_response(struct acme_client *c)
{
	int st = c->resp.status;

	if (st < 400 || c->state == ST_ARI)
		return flow_handle(c);
	acme_parse_problem(c);
	if (acme_problem_is(c, "badNonce")) {
		/* RFC 8555 6.5: retry with the nonce of the error reply
		 * (a HEAD fetches one when it had none); bounded. */
		c->badnonce_tries++;
		if (c->badnonce_tries > ACME_BADNONCE_RETRIES ||
		    c->cnt.badnonce_retries >= ACME_BADNONCE_SESSION_MAX)
			return acme_fail_problem(c, ACME_ERR_BAD_NONCE,
			    "badNonce retries exhausted");
		c->cnt.badnonce_retries++;
		c->phase = PH_IDLE;
		return ACME_OK;
	}
	if (st >= 500 || st == 429) {
		long ra = c->resp.retry_after;

		if (st >= 500 && c->state == ST_CHALLENGE)
			flow_challenge_lost(c);	/* was it taken? */
		/* up to max_wait_s (checked below): sat out whole */
		uint64_t ms = ra >= 0 ? (uint64_t)ra * 1000u :
		    (1000u << c->net_tries);

		if (++c->net_tries > ACME_NET_RETRIES ||
		    ra > (long)c->max_wait_s) {
			/* Longer than a run waits: the next run's "not
			 * before" (ensure.c), within reason. */
			if (ra > ACME_NOT_BEFORE_MAX_S)
				ra = ACME_NOT_BEFORE_MAX_S;
			if (ra > 0 && ensure_now(c) != 0)
				c->retry_until = ensure_now(c) + (uint64_t)ra;
			acme_fail_problem(c, ACME_ERR_SERVER, c->url);
			if (ra > 0 && c->err != ACME_OK) {
				str_cat(c->msg, sizeof c->msg, " (Retry-After ");
				str_cat_u(c->msg, sizeof c->msg, (uint64_t)ra);
				str_cat(c->msg, sizeof c->msg, " s)");
			}
			return c->err;
		}
		c->cnt.net_retries++;
		ms += acme_jitter(c, 500);
		c->wake_at = acme_now(c) + ms;
		c->phase = PH_WAIT;
		acme_log_wait(c, (uint32_t)ms, ra >= 0 ? "Retry-After" :
		    st == 429 ? "HTTP 429" : "HTTP 5xx", "retrying", c->url,
		    c->net_tries + 1);
		return ACME_OK;
	}
	if (c->state == ST_ORDER && acme_problem_is(c, "accountDoesNotExist") &&
	    !c->account_retry) {
		/* The stored account is gone (a new server): register. */
		c->account_retry = 1;
		return flow_need_account(c);
	}
	if (c->state == ST_ORDER && c->replaces &&
	    acme_problem_is(c, "alreadyReplaced")) {
		/* RFC 9773 7.4: the CA holds a replacement order for the
		 * old certificate already (ours, whose certificate a power
		 * cut or a full disk lost): order without "replaces", once,
		 * rather than fail every run until the old one expires. */
		acme_log(c, ACME_LOG_INFO, "the CA has a replacement for ",
		    c->cert_id, "; ordering without \"replaces\"", NULL);
		c->replaces = 0;
		acme_goto(c, ST_ORDER, 0);
		return ACME_OK;
	}
	if (c->state == ST_FINALIZE && acme_problem_is(c, "orderNotReady")) {
		/* RFC 8555 7.4: not "ready" (any more): an earlier finalize
		 * may have been processed; the order says. */
		acme_goto(c, ST_POLL_ORDER, 0);
		return ACME_OK;
	}
	if (ACME_ACCOUNT_OPS && c->state >= ST_ROLL_CHECK)
		return acct_problem(c, acme_problem_is(c,
		    "accountDoesNotExist"));
	return acme_fail_problem(c, ACME_ERR_SERVER, c->url);
}

/* The HEAD newNonce answer. */
static int
acme_head_done(struct acme_client *c)
{
	char d[64] = "stale=";

	if (c->resp.status >= 500)
		return acme_xfer_failed(c, ACME_ERR_NET);
	if (c->resp.status != 200 && c->resp.status != 204)
		return acme_fail(c, ACME_ERR_PROTOCOL,
		    "HEAD newNonce: unexpected status", NULL);
	if (nonce_have(&c->nonce)) {
		c->phase = PH_IDLE;
		return ACME_OK;
	}
	if (++c->head_tries >= ACME_HEAD_MAX) {
		str_cat_u(d, sizeof d, c->nonce.stale);
		str_cat(d, sizeof d, " invalid=");
		str_cat_u(d, sizeof d, c->nonce.invalid);
		return acme_fail(c, ACME_ERR_BAD_NONCE,
		    "newNonce gave no usable nonce (badNonce: replayed or "
		    "missing Replay-Nonce)", d);
	}
	/* head_tries < ACME_HEAD_MAX (above): no overflow */
	c->wake_at = acme_now(c) + (uint64_t)(250u * c->head_tries);
	acme_log_wait(c, 250u * c->head_tries, "no usable nonce",
	    "HEAD", c->new_nonce, 0);
	c->phase = PH_WAIT;
	return ACME_OK;
}

/* Start the current state's request (or its HEAD newNonce first). */
static int
acme_start(struct acme_client *c)
{
	struct acme_req rq;
	struct acme_signer as;
	char nonce[ACME_MAX_NONCE + 1];
	long n;
	int r;

	memset(&rq, 0, sizeof rq);
	r = flow_build(c, &rq);
	if (r != ACME_OK)
		return acme_fail(c, r, "cannot build the request", NULL);
	if (strcmp(rq.method, "GET") == 0) {
		r = acme_xfer_begin(c, "GET", rq.url, rq.accept, 0, rq.stream);
		goto started;
	}
	if (!nonce_have(&c->nonce)) {
		c->cnt.head_nonce++;
		r = acme_xfer_begin(c, "HEAD", c->new_nonce, NULL, 0, 0);
		if (r == ACME_OK)
			c->phase = PH_HEAD;
		goto out;
	}
	nonce_use(&c->nonce, nonce);
	c->leaf_len = 0;        /* req is the request now */
	if (rq.key != NULL)
		signer_ec(&as, rq.key);     /* another key (account_ops.c) */
	else
		keys_account(c, &as);
	n = jws_build_signer(c->req, sizeof c->req, &as,
	    c->kid[0] && !rq.jwk ? c->kid : NULL, nonce, rq.url, rq.payload,
	    rq.plen, c->hdr, sizeof c->hdr);
	if (n < 0)
		return acme_fail(c, (int)n, "cannot sign the request", rq.url);
	r = acme_xfer_begin(c, "POST", rq.url, rq.accept, (size_t)n,
	    rq.stream);
started:
	if (r == ACME_OK)
		c->phase = PH_XFER;
out:
	if (r != ACME_OK && c->err == ACME_OK)
		return acme_xfer_failed(c, r);
	return c->err;
}

static int
acme_step_inner(struct acme_client *c)
{
	int guard, r;

	if (c->err != ACME_OK)
		return c->err;
	if (c->state == ST_DONE)
		return 0;
	if (c->state == ST_FRESH)
		return ACME_FRESH;
	http01_poll(&c->http01, &c->port);
#if ACME_TLSALPN01
	tlsalpn01_poll(&c->tlsalpn01, &c->port);
#endif
	for (guard = 0; guard < 64; guard++) {
		if (c->err != ACME_OK)
			return c->err;
		if (c->state == ST_DONE)
			return 0;
		if (c->state == ST_FRESH)
			return ACME_FRESH;
		switch (c->phase) {
		case PH_WAIT:
			if (acme_now(c) < c->wake_at)
				return ACME_WANT_TIMER;
			c->phase = PH_IDLE;
			break;
		case PH_IDLE:
			if (c->state == ST_CHECK) {
				ensure_check(c);
				break;
			}
			if (c->state == ST_KEY) {
				flow_local(c);
				break;
			}
			if (c->state == ST_DNS01) {
				flow_dns01(c);
				break;
			}
			acme_start(c);
			break;
		case PH_HEAD:
		case PH_XFER:
			r = acme_xfer_pump(c);
			if (r == 0)
				return ACME_WANT_IO;
			if (r < 0) {
				acme_xfer_failed(c, r);
				break;
			}
			if (c->phase == PH_HEAD)
				acme_head_done(c);
			else
				acme_response(c);
			break;
		}
	}
	return c->err != ACME_OK ? c->err : ACME_WANT_IO;
}

int
acme_step(struct acme_client *c)
{
	int r;

	if (acme_abi_bad(c))
		return c->err;
	r = acme_step_inner(c);

	c->cnt.stale_nonces = c->nonce.stale;
	c->cnt.invalid_nonces = c->nonce.invalid;
	c->cnt.challenges_served = c->http01.served;
#if ACME_TLSALPN01
	c->cnt.challenges_served += c->tlsalpn01.served;
#endif
	return r;
}

uint32_t
acme_wakeup_ms(const struct acme_client *c)
{
	uint64_t now;
	uint32_t ms = 0;

	if (acme_abi_bad(c))
		return 0;
	now = acme_now(c);
	if (c->phase == PH_WAIT && c->wake_at > now)
		ms = (uint32_t)(c->wake_at - now);
	/* The responder needs service while the flow waits. */
	if (acme_responders_active(c) && ms > 20)
		ms = 20;
	return ms;
}

int
acme_run(struct acme_client *c)
{
	for (;;) {
		int r = acme_step(c);

		if (r <= 0 || r == ACME_FRESH)
			return r;
		if (c->port.idle != NULL)
			c->port.idle(c->port.ctx, r == ACME_WANT_TIMER ?
			    acme_wakeup_ms(c) : 5);
	}
}

int
acme_ensure(struct acme_client *c)
{
	if (acme_abi_bad(c))
		return c->err;
	c->ensure = 1;
	return acme_run(c);
}

uint64_t
acme_next_check(const struct acme_client *c)
{
	return acme_abi_bad(c) ? 0 : c->next_check;
}

void
acme_close(struct acme_client *c)
{
	if (acme_abi_bad(c))
		return;
	flow_unstage(c);
	acme_responders_stop(c);
	flow_dns01_remove(c);
	tls_close(&c->tls, &c->port);
	/* Every secret the context held: both keys, the TLS session (its
	 * keys and the engine's PRNG), the scratch that held key PEM. */
	key_wipe(&c->account_key);
	keys_cert_wipe(c);
	wipe(&c->tls, sizeof c->tls);
	tls_init(&c->tls);
	wipe(c->payload, sizeof c->payload);
}

int
acme_error(const struct acme_client *c)
{
	return c->err;
}

const char *
acme_message(const struct acme_client *c)
{
	if (!acme_abi_bad(c))
		return c->msg;
	if (acme_abi_msg_cap(c) == 0)
		return "struct acme_client differs between the application "
		    "and the library";
	return (const char *)c + ACME_ABI_MSG_AT;
}

const struct acme_problem *
acme_problem(const struct acme_client *c)
{
	if (acme_abi_bad(c))
		return NULL;
	return c->problem.status != 0 ? &c->problem : NULL;
}

const struct acme_counters *
acme_counters(const struct acme_client *c)
{
	static const struct acme_counters none;

	return acme_abi_bad(c) ? &none : &c->cnt;
}

const unsigned char *
acme_certificate_leaf(const struct acme_client *c, size_t *len)
{
	int ok = c->err == ACME_OK && (c->state == ST_DONE ||
	    c->state == ST_FRESH) && c->leaf_len > 0;

	if (len != NULL)
		*len = ok ? c->leaf_len : 0;
	return ok ? (const unsigned char *)c->req : NULL;
}

const char *
acme_terms_of_service(const struct acme_client *c)
{
	return acme_abi_bad(c) ? "" : c->tos;
}

const char *
acme_strerror(int err)
{
	static const char *const names[] = {
		"ACME_OK", "ACME_ERR_PARAM", "ACME_ERR_TOO_LARGE",
		"ACME_ERR_NET", "ACME_ERR_TIMEOUT", "ACME_ERR_TLS",
		"ACME_ERR_HTTP", "ACME_ERR_JSON", "ACME_ERR_SERVER",
		"ACME_ERR_BAD_NONCE", "ACME_ERR_CRYPTO", "ACME_ERR_ENTROPY",
		"ACME_ERR_STORAGE", "ACME_ERR_PROTOCOL", "ACME_ERR_INVALID",
		"ACME_ERR_RETRIES", "ACME_ERR_TIME", "ACME_ERR_RESPONDER",
		"ACME_ERR_TERMS", "ACME_ERR_BACKOFF", "ACME_ERR_ABI"
	};

	if (err > 0 || -err >= (int)(sizeof names / sizeof names[0]))
		return "ACME_ERR_UNKNOWN";
	return names[-err];
}
