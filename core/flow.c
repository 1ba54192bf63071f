/*
 * flow.c -- the RFC 8555 section 7 flow, one state per request: what
 * each state sends (flow_build) and what it makes of the answer
 * (flow_handle).  The driver in acme.c handles nonces, badNonce, 5xx and
 * network retries; here every answer is a 1xx-3xx response.
 */
#include <string.h>
#include "acme_int.h"
#include "b64url.h"
#include "chain.h"
#include "csr.h"
#include "ident.h"
#include "jws.h"
#include "signer.h"
#include "prof.h"
#include "str.h"
#include "wipe.h"

/* The challenge types by ACME_CHALLENGE_* number. */
static const char *const flow_chal_names[] = {
	"", "http-01", "tls-alpn-01", "dns-01"
};

/* authz.dns: where a dns-01 record stands. */
enum {
	FLOW_DNS_NONE = 0,      /* the hook was not asked */
	FLOW_DNS_ASKED,         /* ADD called, not yet in place */
	FLOW_DNS_IN_PLACE       /* ADD returned 0 */
};

/*
 * The stored account URL, when it belongs to this key and to this
 * directory.  ACME_STORE_ACCOUNT_URL holds "<account URL>\n<directory
 * URL>\n": an account is bound to the CA that made it, so a state
 * directory moved from one CA to another (staging, then production)
 * registers anew instead of sending a foreign kid.  A file without the
 * directory line (older versions) is not trusted either.
 */
void
flow_load_account_url(struct acme_client *c)
{
	char *b = c->body, *nl, *dir;
	long n;

	c->kid[0] = 0;
	n = c->port.load(c->port.ctx, ACME_STORE_ACCOUNT_URL, b,
	    sizeof c->body - 1);
	if (n <= 0)
		return;
	b[n] = 0;
	nl = strchr(b, '\n');
	if (nl == NULL)
		return;
	*nl = 0;
	dir = nl + 1;
	nl = strchr(dir, '\n');
	if (nl != NULL)
		*nl = 0;
	if (strcmp(dir, c->dir_url) != 0) {
		acme_log(c, ACME_LOG_INFO, "the stored account is for ", dir,
		    ": registering with this CA", NULL);
		return;
	}
	if (http_url_same_origin(b, c->dir_url) &&
	    str_copy(c->kid, sizeof c->kid, b) != 0)
		c->kid[0] = 0;
}

/* Load or create the account key, read the stored account URL. */
int
flow_local(struct acme_client *c)
{
	struct acme_signer as;
	long n;
	int r;

	if (ACME_ACCOUNT_OPS && c->op != ACCT_OP_ISSUE)
		return acct_local(c);
	if (ACME_ACCOUNT_OPS && c->account_only)
		return acme_fail(c, ACME_ERR_PARAM, "no names: this context "
		    "is for account operations only", NULL);
	/* A board's signer: no key file (acme_signer.h). */
	n = c->account_signer != NULL ? 0 : c->port.load(c->port.ctx,
	    ACME_STORE_ACCOUNT_KEY, c->payload, sizeof c->payload - 1);
	if (c->account_signer != NULL) {
		flow_load_account_url(c);
	} else if (n >= 0) {
		r = key_from_pem(&c->account_key, c->payload, (size_t)n);
		wipe(c->payload, sizeof c->payload);
		if (r != ACME_OK)
			return acme_fail(c, r, "stored " ACME_STORE_ACCOUNT_KEY
			    " is not a P-256 or P-384 private key", NULL);
		flow_load_account_url(c);
		/* a rollover cut short, a deactivated account */
		if (ACME_ACCOUNT_OPS && acct_stored(c) != ACME_OK)
			return c->err;
	} else if (n == -1) {
		r = PROF(PROF_KEYGEN, keys_account_make(c));
		if (r != ACME_OK)
			return acme_fail(c, r, "cannot make the account key",
			    NULL);
		n = key_to_pem(&c->account_key, c->payload,
		    sizeof c->payload);
		r = n < 0 ? (int)n : c->port.store(c->port.ctx,
		    ACME_STORE_ACCOUNT_KEY, c->payload, (size_t)n);
		wipe(c->payload, sizeof c->payload);
		if (r != 0)
			return acme_fail(c, ACME_ERR_STORAGE,
			    "cannot store " ACME_STORE_ACCOUNT_KEY, NULL);
		/* A new key has no account yet, whatever is stored. */
		c->kid[0] = 0;
	} else {
		return acme_fail(c, ACME_ERR_STORAGE,
		    "cannot read " ACME_STORE_ACCOUNT_KEY, NULL);
	}
	if (c->port.entropy(c->port.ctx, &c->rng, sizeof c->rng) != 0)
		return acme_fail(c, ACME_ERR_ENTROPY, "no entropy", NULL);
	keys_account(c, &as);
	r = jws_thumbprint_signer(c->thumb, &as);
	if (r != ACME_OK)
		return acme_fail(c, r, "cannot compute the JWK thumbprint",
		    NULL);
	/* The attempt is recorded before the first request (ensure.c). */
	if (ensure_attempt(c) != ACME_OK)
		return c->err;
	acme_goto(c, ST_DIRECTORY, 0);
	return ACME_OK;
}

/* Store the account URL bound to this directory (see above). */
int
flow_store_account_url(struct acme_client *c)
{
	char *b = c->body;

	b[0] = 0;
	if (str_cat(b, sizeof c->body, c->kid) != 0 ||
	    str_cat(b, sizeof c->body, "\n") != 0 ||
	    str_cat(b, sizeof c->body, c->dir_url) != 0 ||
	    str_cat(b, sizeof c->body, "\n") != 0 ||
	    c->port.store(c->port.ctx, ACME_STORE_ACCOUNT_URL, b,
	    strlen(b)) != 0)
		return acme_fail(c, ACME_ERR_STORAGE,
		    "cannot store " ACME_STORE_ACCOUNT_URL, NULL);
	return ACME_OK;
}

/*
 * A new account is needed: only with the user's agreement to the CA's
 * terms of service when it has any (RFC 8555 7.3, 7.1.1).
 */
int
flow_need_account(struct acme_client *c)
{
	c->kid[0] = 0;
	if (c->tos[0] != 0 && !c->agree_tos)
		return acme_fail(c, ACME_ERR_TERMS, "a new account needs the "
		    "CA's terms of service agreed to", c->tos);
	acme_goto(c, ST_ACCOUNT, 0);
	return ACME_OK;
}

/* The finalize payload {"csr":"<base64url DER>"} (RFC 8555 7.4). */
static int
flow_csr_payload(struct acme_client *c, size_t *plen)
{
	struct acme_signer s;
	const char *names[ACME_MAX_IDENTIFIERS];
	const uint8_t *der;
	size_t dlen, blen, i;
	int r;

	r = PROF(PROF_KEYGEN, keys_cert(c, &s));
	if (r != ACME_OK)
		return r;
	for (i = 0; i < c->nnames; i++)
		names[i] = c->names[i];
	/* The DER goes to req, free until the JWS is built from payload. */
	r = PROF(PROF_SIGN, csr_build_signer((uint8_t *)c->req, sizeof c->req,
	    &s, names, c->nnames, &der, &dlen));
	if (r != ACME_OK)
		return r;
	blen = b64url_encode(NULL, 0, der, dlen);
	if (blen + 11 > sizeof c->payload)
		return ACME_ERR_TOO_LARGE;
	memcpy(c->payload, "{\"csr\":\"", 8);
	b64url_encode(c->payload + 8, sizeof c->payload - 8, der, dlen);
	memcpy(c->payload + 8 + blen, "\"}", 3);
	*plen = blen + 10;
	return ACME_OK;
}

int
flow_build(struct acme_client *c, struct acme_req *r)
{
	struct json_w w;
	unsigned i;
	int n;

	r->method = "POST";
	switch (c->state) {
	case ST_DIRECTORY:
		r->method = "GET";
		r->url = c->dir_url;
		return ACME_OK;
	case ST_ARI:
		/* RFC 9773 4.1: a GET, not a POST-as-GET */
		r->method = "GET";
		r->url = c->ari_url;
		r->accept = "application/json";
		return ACME_OK;
	case ST_ACCOUNT:
		r->url = c->new_account;
		json_w_init(&w, c->payload, sizeof c->payload);
		json_w_obj_begin(&w);
		if (c->agree_tos) {
			json_w_key(&w, "termsOfServiceAgreed");
			json_w_bool(&w, 1);
		}
		if (c->contact[0]) {
			json_w_key(&w, "contact");
			json_w_arr_begin(&w);
			json_w_str(&w, c->contact);
			json_w_arr_end(&w);
		}
		/* RFC 8555 7.3.4 */
		if (ACME_EAB && c->eab_kid != NULL) {
			n = acct_eab(c, &w);
			if (n != ACME_OK)
				return n;
		}
		json_w_obj_end(&w);
		break;
	case ST_ORDER:
		r->url = c->new_order;
		json_w_init(&w, c->payload, sizeof c->payload);
		json_w_obj_begin(&w);
		json_w_key(&w, "identifiers");
		json_w_arr_begin(&w);
		for (i = 0; i < c->nnames; i++) {
			json_w_obj_begin(&w);
			json_w_key(&w, "type");
			/* RFC 8738 3: an IP address is an "ip" identifier,
			 * in its canonical text (acme_init made it so) */
			json_w_str(&w, ACME_IP_IDENTIFIERS &&
			    ident_parse(c->names[i], NULL, NULL) == IDENT_IP ?
			    "ip" : "dns");
			json_w_key(&w, "value");
			json_w_str(&w, c->names[i]);
			json_w_obj_end(&w);
		}
		json_w_arr_end(&w);
		if (c->profile[0]) {
			json_w_key(&w, "profile");
			json_w_str(&w, c->profile);
		}
		if (c->replaces) {
			/* RFC 9773 5: the certificate this one replaces */
			json_w_key(&w, "replaces");
			json_w_str(&w, c->cert_id);
		}
		json_w_obj_end(&w);
		break;
	case ST_AUTHZ:
	case ST_POLL_AUTHZ:
		r->url = c->authz[c->idx].url;
		return ACME_OK;
	case ST_CHALLENGE:
		/* RFC 8555 7.5.1: an empty object says "ready". */
		r->url = c->authz[c->idx].chal_url;
		r->payload = "{}";
		r->plen = 2;
		return ACME_OK;
	case ST_FINALIZE:
		r->url = c->finalize_url;
		r->payload = c->payload;
		/* From here on the order may become valid for cert_key. */
		c->finalized = 1;
		return flow_csr_payload(c, &r->plen);
	case ST_POLL_ORDER:
		r->url = c->order_url;
		return ACME_OK;
	case ST_CERT:
#if ACME_ALT_CHAINS
	case ST_ALT:
		r->url = c->state == ST_ALT ? c->alt_url[c->alt_idx] :
		    c->cert_url;
#else
		r->url = c->cert_url;
#endif
		r->accept = "application/pem-certificate-chain";
		r->stream = 1;
		return ACME_OK;
	default:
		return ACME_ACCOUNT_OPS ? acct_build(c, r) : ACME_ERR_PARAM;
	}
	n = json_w_finish(&w);
	if (n < 0)
		return n;
	r->payload = c->payload;
	r->plen = (size_t)n;
	return ACME_OK;
}

/* Copy the string member key of object obj into dst (cap). */
static int
flow_str(struct acme_client *c, const struct json_doc *d, int obj,
    const char *key, char *dst, size_t cap)
{
	int r = json_string(d, json_get(d, obj, key), dst, cap);

	if (r < 0) {
		acme_fail(c, r == ACME_ERR_TOO_LARGE ? r : ACME_ERR_JSON,
		    c->url, r == ACME_ERR_TOO_LARGE ?
		    "a field is over its configured limit" :
		    "a required field is missing or not a string");
		acme_log(c, ACME_LOG_ERROR, "  field: ", key, NULL, NULL);
	}
	return r;
}

/* Parse the body as a JSON object into c->scan.tok. */
int
flow_json(struct acme_client *c, struct json_doc *d)
{
	int r = json_parse(d, c->body, c->resp.body_len, c->scan.tok,
	    ACME_JSON_TOKENS);

	if (r == ACME_OK && json_type(d, 0) != JSON_OBJECT)
		r = ACME_ERR_JSON;
	if (r != ACME_OK)
		return acme_fail(c, r, c->url, r == ACME_ERR_TOO_LARGE ?
		    "JSON over ACME_JSON_TOKENS" : "malformed JSON");
	return ACME_OK;
}

/*
 * Every URL the server names must be on the directory's origin (scheme,
 * host, port): a signed request never goes to, and no connection is made
 * to, a host the user did not name.  ACME_ERR_PROTOCOL naming the URL.
 */
static int
flow_origin(struct acme_client *c, const char *url, const char *what)
{
	if (http_url_same_origin(url, c->dir_url))
		return ACME_OK;
	acme_fail(c, ACME_ERR_PROTOCOL, url, what);
	return c->err;
}

/* The URL member key of object obj into dst (cap), on our origin. */
int
flow_url(struct acme_client *c, const struct json_doc *d, int obj,
    const char *key, char *dst, size_t cap)
{
	if (flow_str(c, d, obj, key, dst, cap) < 0)
		return c->err;
	return flow_origin(c, dst, "a URL in the answer is not on the "
	    "directory's host");
}

/* The Location header into dst (required, on our origin). */
int
flow_location(struct acme_client *c, char *dst)
{
	if (c->resp.location[0] == 0 ||
	    strncmp(c->resp.location, "https://", 8) != 0)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "no https Location header");
	if (flow_origin(c, c->resp.location, "the Location header is not "
	    "on the directory's host") != ACME_OK)
		return c->err;
	memcpy(dst, c->resp.location, strlen(c->resp.location) + 1);
	return ACME_OK;
}

/* The first authorization from idx on that is not valid, or -1. */
static int
flow_next_pending(const struct acme_client *c, int idx)
{
	for (; idx < (int)c->nauthz; idx++)
		if (!c->authz[idx].valid)
			return idx;
	return -1;
}

/* The first challenge from idx on that still needs its POST, or -1. */
static int
flow_next_post(const struct acme_client *c, int idx)
{
	for (; idx < (int)c->nauthz; idx++)
		if (!c->authz[idx].valid && c->authz[idx].need_post)
			return idx;
	return -1;
}

/* Fill c->problem from the "error" of the http-01 challenge of authz
 * object a (RFC 8555 8: challenge errors), for the final message. */
static void
flow_chal_error(struct acme_client *c, const struct json_doc *d, int a)
{
	int ch = json_get(d, a, "challenges"), i, e;

	memset(&c->problem, 0, sizeof c->problem);
	c->problem.status = c->resp.status;
	for (i = 0; i < json_array_len(d, ch); i++) {
		int it = json_array_item(d, ch, i);

		e = json_get(d, it, "error");
		if (e < 0)
			continue;
		json_string(d, json_get(d, e, "type"), c->problem.type,
		    sizeof c->problem.type);
		json_string(d, json_get(d, e, "detail"), c->problem.detail,
		    sizeof c->problem.detail);
		return;
	}
}

/* An authorization object (RFC 8555 7.1.4) for authz[idx]. */
static int
flow_authz(struct acme_client *c, struct json_doc *d)
{
	struct acme_authz *a = &c->authz[c->idx];
	char wanted[64];
	unsigned p;
	int ch, i, r;

	r = flow_json(c, d);
	if (r != ACME_OK)
		return r;
	json_string(d, json_get(d, json_get(d, 0, "identifier"), "value"),
	    a->name, sizeof a->name);
	if (json_str_eq(d, json_get(d, 0, "status"), "valid")) {
		a->valid = 1;
		return ACME_OK;
	}
	if (!json_str_eq(d, json_get(d, 0, "status"), "pending")) {
		flow_chal_error(c, d, 0);
		return acme_fail_problem(c, ACME_ERR_INVALID, a->name[0] ?
		    a->name : "authorization");
	}
	/* The first of our types, in our order, that the server offers. */
	ch = json_get(d, 0, "challenges");
	for (p = 0; p < c->nchal; p++) {
		for (i = 0; i < json_array_len(d, ch); i++) {
			int it = json_array_item(d, ch, i);

			if (!json_str_eq(d, json_get(d, it, "type"),
			    flow_chal_names[c->chal[p]]))
				continue;
			if (flow_url(c, d, it, "url", a->chal_url,
			    sizeof a->chal_url) != ACME_OK ||
			    flow_str(c, d, it, "token", a->token,
			    sizeof a->token) < 0)
				return c->err;
			/* RFC 8555 8.1: the token is base64url; it goes
			 * into a URL path, our answers and a DNS record. */
			if (!b64url_is_alphabet(a->token, strlen(a->token)))
				return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
				    "challenge token is not base64url");
			if (a->type == 0)
				acme_log(c, ACME_LOG_INFO, "challenge ",
				    flow_chal_names[c->chal[p]], " for ",
				    a->name);
			a->type = c->chal[p];
			a->need_post = (unsigned char)json_str_eq(d,
			    json_get(d, it, "status"), "pending"); /* 0 or 1 */
			return ACME_OK;
		}
	}
	str_copy(wanted, sizeof wanted, "the server offers no ");
	for (p = 0; p < c->nchal; p++) {
		if (p > 0)
			str_cat(wanted, sizeof wanted, ", ");
		str_cat(wanted, sizeof wanted, flow_chal_names[c->chal[p]]);
	}
	str_cat(wanted, sizeof wanted, " challenge");
	return acme_fail(c, ACME_ERR_PROTOCOL, a->name[0] ? a->name :
	    "authorization", wanted);
}

/*
 * Schedule the next poll of the current object in state (RFC 8555
 * 7.5.1): after the server's Retry-After when it sent one, never sooner
 * than ACME_POLL_MIN_MS; else after our backoff (ACME_POLL_FIRST_MS,
 * then ACME_POLL_INTERVAL_MS doubling up to ACME_POLL_INTERVAL_MAX_MS).
 * Bounded by ACME_POLL_MAX polls and by the deadline of the phase: the
 * last wait ends at the deadline, and a poll due after it fails with
 * ACME_ERR_TIMEOUT.
 */
static int
flow_poll_later(struct acme_client *c, int state, const char *what)
{
	uint64_t now = c->port.now_ms(c->port.ctx);
	uint32_t ms;

	if (now >= c->deadline)
		return acme_fail(c, ACME_ERR_TIMEOUT, what,
		    state == ST_POLL_ORDER ? "order not valid within the "
		    "finalize time bound" : "authorization not valid within "
		    "the validation time bound");
	if (++c->polls > ACME_POLL_MAX)
		return acme_fail(c, ACME_ERR_RETRIES, what,
		    "still not valid after ACME_POLL_MAX polls");
	if (c->resp.retry_after >= 0) {
		ms = acme_retry_after_ms(c);
		if (ms < ACME_POLL_MIN_MS)
			ms = ACME_POLL_MIN_MS;
	} else {
		ms = c->poll_ms;
		c->poll_ms = ms < ACME_POLL_INTERVAL_MS ?
		    ACME_POLL_INTERVAL_MS : ms >= ACME_POLL_INTERVAL_MAX_MS / 2 ?
		    ACME_POLL_INTERVAL_MAX_MS : ms * 2;
	}
	if (now + ms > c->deadline)
		ms = (uint32_t)(c->deadline - now);
	c->cnt.polls++;
	acme_goto(c, state, ms);
	acme_log_wait(c, ms, c->resp.retry_after >= 0 ? "Retry-After" :
	    "backoff", state == ST_POLL_ORDER ? "polling the order" :
	    "polling the authorization", NULL, 0);
	return ACME_OK;
}

/* Start a timed phase (validation or finalization): its deadline, and
 * the poll backoff from its start. */
static void
flow_phase(struct acme_client *c, uint32_t budget_ms)
{
	c->deadline = c->port.now_ms(c->port.ctx) + budget_ms;
	c->poll_ms = ACME_POLL_FIRST_MS;
	c->polls = 0;
}

/* Every authorization is valid: finalize (the first time, or again when
 * a poll found the order "ready" after a finalize that was lost). */
static int
flow_to_finalize(struct acme_client *c)
{
	acme_responders_stop(c);
	flow_dns01_remove(c);
	if (c->finalize_tries++ >= ACME_FINALIZE_TRIES)
		return acme_fail(c, ACME_ERR_RETRIES, c->order_url,
		    "the order stays \"ready\" after ACME_FINALIZE_TRIES "
		    "finalize requests");
	if (c->finalize_tries == 1)
		flow_phase(c, c->finalize_ms);
	acme_goto(c, ST_FINALIZE, 0);
	return ACME_OK;
}

/* 1 when an authorization still to validate uses challenge type t. */
static int
flow_uses(const struct acme_client *c, int t)
{
	unsigned i;

	for (i = 0; i < c->nauthz; i++)
		if (!c->authz[i].valid && c->authz[i].type == t)
			return 1;
	return 0;
}

#if ACME_DNS01
/* The dns-01 record of authorization a (RFC 8555 8.4): its name
 * "_acme-challenge.<name>" and its value, the base64url SHA-256 of the
 * key authorization (token "." thumbprint). */
static void
flow_dns01_record(const struct acme_client *c, const struct acme_authz *a,
    char *name, size_t ncap, char *value, size_t vcap)
{
	br_sha256_context h;
	unsigned char d[br_sha256_SIZE];

	str_copy(name, ncap, "_acme-challenge.");
	str_cat(name, ncap, a->name);
	br_sha256_init(&h);
	br_sha256_update(&h, a->token, strlen(a->token));
	br_sha256_update(&h, ".", 1);
	br_sha256_update(&h, c->thumb, strlen(c->thumb));
	br_sha256_out(&h, d);
	b64url_encode(value, vcap, d, sizeof d);
}

#endif

void
flow_challenge_lost(struct acme_client *c)
{
	c->authz[c->idx].lost = 1;
	c->state = ST_POLL_AUTHZ;
}

/* The authorization whose challenge answer was lost, just fetched: still
 * pending, the answer did not arrive: send it again (at most
 * ACME_NET_RETRIES times); else go on as after the reply. */
static int
flow_challenge_found(struct acme_client *c)
{
	struct acme_authz *a = &c->authz[c->idx];
	int i;

	a->lost = 0;
	if (!a->valid && a->need_post) {
		if (a->reposts++ >= ACME_NET_RETRIES)
			return acme_fail(c, ACME_ERR_NET, a->chal_url,
			    "the answer to the challenge was lost every time");
		acme_goto(c, ST_CHALLENGE, 0);
		return ACME_OK;
	}
	i = flow_next_post(c, 0);
	if (i >= 0) {
		c->idx = i;
		acme_goto(c, ST_CHALLENGE, 0);
		return ACME_OK;
	}
	i = flow_next_pending(c, 0);
	if (i < 0)
		return flow_to_finalize(c);
	c->idx = i;
	return flow_poll_later(c, ST_POLL_AUTHZ, a->name);
}

/* Every challenge is ready to be answered: POST the first that needs it,
 * else poll. */
static int
flow_challenges_post(struct acme_client *c)
{
	int i = flow_next_post(c, 0);

	if (i >= 0) {
		c->idx = i;
		acme_goto(c, ST_CHALLENGE, 0);
		return ACME_OK;
	}
	c->idx = flow_next_pending(c, 0);
	return flow_poll_later(c, ST_POLL_AUTHZ, c->authz[c->idx].name);
}

#if ACME_DNS01
/* ST_DNS01: ask the hook to publish every dns-01 record not yet in
 * place; once all are, answer the challenges.  Within the validation
 * time bound. */
int
flow_dns01(struct acme_client *c)
{
	char name[sizeof "_acme-challenge." + ACME_MAX_NAME], value[48];
	const char *late = NULL;
	uint64_t now;
	unsigned i;
	int r;

	for (i = 0; i < c->nauthz; i++) {
		struct acme_authz *a = &c->authz[i];

		if (a->valid || a->type != ACME_CHALLENGE_DNS01 ||
		    a->dns == FLOW_DNS_IN_PLACE)
			continue;
		flow_dns01_record(c, a, name, sizeof name, value,
		    sizeof value);
		if (a->dns == FLOW_DNS_NONE)
			acme_log(c, ACME_LOG_INFO, "dns-01: publishing ", name,
			    " TXT ", value);
		a->dns = FLOW_DNS_ASKED;
		r = c->dns01(c->dns01_ctx, ACME_DNS01_ADD, name, value);
		if (r < 0)
			return acme_fail(c, ACME_ERR_RESPONDER, name,
			    "the DNS hook failed to publish the record");
		if (r == 0)
			a->dns = FLOW_DNS_IN_PLACE;
		else
			late = a->name;
	}
	if (late == NULL)
		return flow_challenges_post(c);
	now = c->port.now_ms(c->port.ctx);
	if (now >= c->deadline)
		return acme_fail(c, ACME_ERR_TIMEOUT, late, "the DNS hook did "
		    "not publish the record within the validation time bound");
	acme_goto(c, ST_DNS01, c->deadline - now < ACME_DNS01_RECHECK_MS ?
	    (uint32_t)(c->deadline - now) : ACME_DNS01_RECHECK_MS);
	acme_log_wait(c, (uint32_t)(c->wake_at - now), "the DNS hook is not "
	    "done", "asking it again for", late, 0);
	return ACME_OK;
}

/* Withdraw every dns-01 record the hook was asked to publish (after
 * validation, a failure, or acme_close()); each once. */
void
flow_dns01_remove(struct acme_client *c)
{
	char name[sizeof "_acme-challenge." + ACME_MAX_NAME], value[48];
	unsigned i;

	for (i = 0; i < c->nauthz && c->dns01 != NULL; i++) {
		struct acme_authz *a = &c->authz[i];

		if (a->dns == FLOW_DNS_NONE)
			continue;
		a->dns = FLOW_DNS_NONE;
		flow_dns01_record(c, a, name, sizeof name, value,
		    sizeof value);
		if (c->dns01(c->dns01_ctx, ACME_DNS01_REMOVE, name,
		    value) < 0)
			acme_log(c, ACME_LOG_WARN, "dns-01: the DNS hook failed "
			    "to remove ", name, NULL, NULL);
		else
			acme_log(c, ACME_LOG_INFO, "dns-01: removed ", name,
			    NULL, NULL);
	}
}

#else
int
flow_dns01(struct acme_client *c)
{
	return acme_fail(c, ACME_ERR_PARAM, "dns-01", "not built in");
}

void
flow_dns01_remove(struct acme_client *c)
{
	(void)c;
}
#endif

#if ACME_TLSALPN01
/* Start the tls-alpn-01 responder with a certificate for every
 * authorization that uses it (RFC 8737 3; RFC 8738 6 for an address). */
static int
flow_tlsalpn01(struct acme_client *c)
{
	uint8_t d[32];
	unsigned i;
	int r;

	r = tlsalpn01_start(&c->tlsalpn01, &c->port, c->tlsalpn01_port);
	if (r != ACME_OK)
		return acme_fail(c, r, "cannot listen for tls-alpn-01",
		    "is the --alpn-port free and allowed?");
	for (i = 0; i < c->nauthz; i++) {
		struct acme_authz *a = &c->authz[i];

		if (a->valid || a->type != ACME_CHALLENGE_TLSALPN01)
			continue;
		tlsalpn01_digest(d, a->token, c->thumb);
		r = tlsalpn01_add(&c->tlsalpn01, ident_parse(a->name, NULL,
		    NULL) == IDENT_IP ? TLSALPN01_IP : TLSALPN01_DNS, a->name, d);
		if (r != ACME_OK)
			return acme_fail(c, r, a->name, "cannot make its "
			    "tls-alpn-01 certificate");
	}
	return ACME_OK;
}
#endif

/* After the authorizations are known: serve and answer challenges. */
static int
flow_challenges(struct acme_client *c)
{
	int i, r;

	i = flow_next_pending(c, 0);
	if (i < 0)
		return flow_to_finalize(c);
	flow_phase(c, c->validation_ms);
	if (flow_uses(c, ACME_CHALLENGE_HTTP01)) {
		r = http01_start(&c->http01, &c->port, c->http01_port,
		    c->thumb);
		if (r != ACME_OK)
			return acme_fail(c, r, "cannot listen for http-01",
			    "is the --http-port free and allowed?");
		for (i = 0; i < (int)c->nauthz; i++)
			if (!c->authz[i].valid &&
			    c->authz[i].type == ACME_CHALLENGE_HTTP01 &&
			    http01_add(&c->http01, c->authz[i].token) !=
			    ACME_OK)
				return acme_fail(c, ACME_ERR_TOO_LARGE,
				    "too many tokens", NULL);
	}
#if ACME_TLSALPN01
	if (flow_uses(c, ACME_CHALLENGE_TLSALPN01) &&
	    flow_tlsalpn01(c) != ACME_OK)
		return c->err;
#endif
	if (ACME_DNS01 && flow_uses(c, ACME_CHALLENGE_DNS01)) {
		acme_goto(c, ST_DNS01, 0);
		return ACME_OK;
	}
	return flow_challenges_post(c);
}

/* An order object (RFC 8555 7.1.3) after finalize or a poll. */
static int
flow_order(struct acme_client *c, struct json_doc *d)
{
	int st = json_get(d, 0, "status");

	if (json_str_eq(d, st, "valid")) {
		/* Only an order finalized with our key has our certificate
		 * (the chain check makes sure of it). */
		if (!c->finalized)
			return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
			    "the order is valid but was not finalized by us");
		if (flow_url(c, d, 0, "certificate", c->cert_url,
		    sizeof c->cert_url) != ACME_OK)
			return c->err;
		acme_goto(c, ST_CERT, 0);
		return ACME_OK;
	}
	if (json_str_eq(d, st, "invalid")) {
		memset(&c->problem, 0, sizeof c->problem);
		json_string(d, json_get(d, json_get(d, 0, "error"), "type"),
		    c->problem.type, sizeof c->problem.type);
		json_string(d, json_get(d, json_get(d, 0, "error"),
		    "detail"), c->problem.detail, sizeof c->problem.detail);
		return acme_fail_problem(c, ACME_ERR_INVALID,
		    "order became invalid");
	}
	/* "ready" after a finalize: it did not arrive (a dropped
	 * connection, orderNotReady); finalize again, bounded. */
	if (json_str_eq(d, st, "ready"))
		return flow_to_finalize(c);
	if (json_str_eq(d, st, "processing"))
		return flow_poll_later(c, ST_POLL_ORDER, c->order_url);
	if (json_str_eq(d, st, "pending"))
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "the order is pending again: an authorization is no "
		    "longer valid");
	return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
	    "unknown order status");
}

static int
flow_new_order(struct acme_client *c, struct json_doc *d)
{
	int az, i, n, st = json_get(d, 0, "status");

	if (flow_location(c, c->order_url) != ACME_OK ||
	    flow_url(c, d, 0, "finalize", c->finalize_url,
	    sizeof c->finalize_url) != ACME_OK)
		return c->err;
	az = json_get(d, 0, "authorizations");
	n = json_array_len(d, az);
	if (n < 1)
		return acme_fail(c, ACME_ERR_JSON, c->url,
		    "order has no authorizations");
	if (n > ACME_MAX_IDENTIFIERS)
		return acme_fail(c, ACME_ERR_TOO_LARGE, c->url,
		    "more authorizations than ACME_MAX_IDENTIFIERS");
	memset(c->authz, 0, sizeof c->authz);
	for (i = 0; i < n; i++) {
		char *u = c->authz[i].url;
		int r = json_string(d, json_array_item(d, az, i), u,
		    sizeof c->authz[i].url);

		if (r < 0)
			return acme_fail(c, r, c->url,
			    "bad authorization URL");
		if (flow_origin(c, u, "an authorization URL is not on the "
		    "directory's host") != ACME_OK)
			return c->err;
	}
	c->nauthz = (unsigned)n;
	c->polls = 0;
	c->finalized = 0;
	c->finalize_tries = 0;
	if (json_str_eq(d, st, "pending")) {
		c->idx = 0;
		acme_goto(c, ST_AUTHZ, 0);
		return ACME_OK;
	}
	if (json_str_eq(d, st, "ready"))
		return flow_to_finalize(c);
	/* An order that is already "processing" or "valid" was finalized
	 * by someone else, with a key we do not hold (a server that reuses
	 * orders across clients of one account): never ours. */
	if (json_str_eq(d, st, "valid") || json_str_eq(d, st, "processing"))
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "newOrder returned an order finalized before, not with "
		    "our key");
	if (json_str_eq(d, st, "invalid"))
		return flow_order(c, d);
	return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
	    "unknown order status");
}

void
flow_unstage(struct acme_client *c)
{
	if (c->staged)
		c->port.discard(c->port.ctx);
	c->staged = 0;
}

/*
 * A piece of the certificate chain as it arrives (the http.h sink of a
 * 200 answer to ST_CERT): checked (chain.h) and staged (port.h), so the
 * chain is never in RAM whole.  The first piece of an answer starts the
 * check, and a new staged version: what an earlier, cut answer staged is
 * discarded.  A bad chain or a failed stage ends the run (nothing is
 * committed) and the answer with it.
 */
int
flow_piece(void *arg, const char *data, size_t len)
{
	struct acme_client *c = arg;
	struct chain_check *k = &c->scan.chain;

#if ACME_ALT_CHAINS
	if (c->state == ST_ALT)
		return altchain_piece(c, data, len);
#endif
	if (!c->chain_on) {
		/* The leaf's DER goes to req: a server that answers before
		 * it has the whole request is not followed. */
		if (c->xfer.tx_off[0] < c->xfer.tx_len[0] ||
		    c->xfer.tx_off[1] < c->xfer.tx_len[1])
			return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
			    "the certificate came before the request went");
		flow_unstage(c);
		chain_init(k, (unsigned char *)c->req, sizeof c->req);
		c->chain_on = 1;
	}
	if (chain_push(k, data, len) != 0)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url, k->why);
	c->staged = 1;
	if (c->port.stage(c->port.ctx, ACME_STORE_CERT, data, len) != 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot stage the "
		    "certificate chain", NULL);
	return 0;
}

int
flow_chain_finish(struct acme_client *c)
{
	struct chain_check *k = &c->scan.chain;
	const char *names[ACME_MAX_IDENTIFIERS];
	unsigned char pub[SIGNER_PUB_MAX];
	unsigned i;
	long n = keys_cert_ready(c) ? keys_cert_pub(c, pub, sizeof pub) : -1;

	if (n < 0)
		return acme_fail(c, ACME_ERR_CRYPTO, c->url,
		    "no certificate key: the order was not finalized here");
	for (i = 0; i < c->nnames; i++)
		names[i] = c->names[i];
	if (chain_finish(k, pub, (size_t)n, names, c->nnames) != 0)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url, k->why);
	return ACME_OK;
}

/*
 * The certificate answer is complete: every piece was checked and staged
 * (flow_piece()).  The chain is committed, with its key, only when it is
 * whole and its leaf is for our key and exactly our names (chain.h), as
 * one commit (port.h stage/commit): after a power cut, a full disk or a
 * killed process the old pair or the new pair is there, never a mix and
 * never part of a chain.
 */
static int
flow_cert(struct acme_client *c)
{
	struct chain_check *k = &c->scan.chain;
	long n;

#if ACME_ALT_CHAINS
	if (c->state == ST_ALT)
		return altchain_cert(c);
#endif
	/* any other 2xx was read into the window, not streamed */
	if (c->resp.status != 200)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "unexpected HTTP status for the certificate");
	if (!c->chain_on)      /* an empty body */
		chain_init(k, (unsigned char *)c->req, sizeof c->req);
	if (flow_chain_finish(c) != ACME_OK)
		return c->err;
	/* The PEM goes to the window, free now (the chain streamed past
	 * it); nothing with a board's signer: the key stays in the chip. */
	n = keys_cert_pem(c, c->body, sizeof c->body);
	if (n < 0)
		return acme_fail(c, (int)n, "cannot encode the key", NULL);
	if ((n > 0 && c->port.stage(c->port.ctx, ACME_STORE_CERT_KEY, c->body,
	    (size_t)n) != 0) || c->port.commit(c->port.ctx) != 0) {
		wipe(c->body, sizeof c->body);
		return acme_fail(c, ACME_ERR_STORAGE, "cannot store the "
		    "certificate and its key", "the stored pair is the old "
		    "one, or the new one when the commit took effect before "
		    "it failed; never a mix");
	}
	c->staged = 0;
	wipe(c->body, sizeof c->body);
	c->leaf_len = k->leaf.len;
	ensure_issued(c, k->leaf.p, k->leaf.len);
	acme_responders_stop(c);
#if ACME_ALT_CHAINS
	if (altchain_start(c))
		return ACME_OK;         /* the default pair is stored */
#endif
	keys_cert_wipe(c);
	acme_goto(c, ST_DONE, 0);
	acme_log(c, ACME_LOG_INFO, "certificate stored", NULL, NULL, NULL);
	return ACME_OK;
}

/*
 * The configured profile must be one the directory lists in
 * meta.profiles (an object: name -> description); else ACME_ERR_PARAM
 * naming what the CA offers, before any order.
 */
static int
flow_profile(struct acme_client *c, const struct json_doc *d, int meta)
{
	char list[160] = "";
	int p = json_get(d, meta, "profiles"), k, i, n;

	if (c->profile[0] == 0 ||
	    (json_type(d, p) == JSON_OBJECT && json_get(d, p, c->profile) >= 0))
		return ACME_OK;
	n = json_type(d, p) == JSON_OBJECT ? d->tok[p].size : 0;
	for (i = 0, k = p + 1; i < n && k < d->ntok; i++) {
		char name[ACME_MAX_PROFILE + 1];

		if (json_string(d, k, name, sizeof name) > 0) {
			str_cat(list, sizeof list, i ? ", " : "");
			str_cat(list, sizeof list, name);
		}
		k = json_skip(d, k + 1);      /* past the value */
	}
	acme_fail(c, ACME_ERR_PARAM, "the CA offers no such profile",
	    c->profile);
	acme_log(c, ACME_LOG_ERROR, "  profiles offered: ",
	    n ? list : "none", NULL, NULL);
	return c->err;
}

/* The directory (RFC 8555 7.1.1): the three URLs we use, the terms of
 * service to show, renewalInfo (RFC 9773) and the profiles. */
static int
flow_directory(struct acme_client *c, struct json_doc *d)
{
	int meta = json_get(d, 0, "meta");
	int tos = json_get(d, meta, "termsOfService");

	if (flow_url(c, d, 0, "newNonce", c->new_nonce,
	    sizeof c->new_nonce) != ACME_OK ||
	    flow_url(c, d, 0, "newAccount", c->new_account,
	    sizeof c->new_account) != ACME_OK ||
	    flow_url(c, d, 0, "newOrder", c->new_order,
	    sizeof c->new_order) != ACME_OK)
		return c->err;
	c->renewal_info[0] = 0;
	if (json_get(d, 0, "renewalInfo") >= 0 &&
	    flow_url(c, d, 0, "renewalInfo", c->renewal_info,
	    sizeof c->renewal_info) != ACME_OK)
		return c->err;
	c->tos[0] = 0;
	if (tos >= 0 && json_string(d, tos, c->tos, sizeof c->tos) < 0)
		str_copy(c->tos, sizeof c->tos,
		    "(the directory's termsOfService is unreadable)");
	if (flow_profile(c, d, meta) != ACME_OK)
		return c->err;
	/* an account operation, or a rollover cut short to settle first */
	if (ACME_ACCOUNT_OPS && (c->op != ACCT_OP_ISSUE || c->key_staged))
		return acct_after_directory(c, d);
	return flow_after_directory(c);
}

/* The directory is read (and the account key settled): the ARI check
 * of ensure, or the order, with a new account when there is none. */
int
flow_after_directory(struct acme_client *c)
{
	if (c->checking)
		return ensure_after_directory(c);
	/* RFC 9773 5: a renewal says which certificate it replaces. */
	c->replaces = c->ensure && c->renewal_info[0] && c->cert_id[0];
	if (c->kid[0])
		acme_goto(c, ST_ORDER, 0);
	else
		flow_need_account(c);
	return c->err;
}

int
flow_handle(struct acme_client *c)
{
	struct json_doc d;
	int st = c->resp.status, i;

	if (c->state == ST_ARI)
		return ensure_ari(c);       /* any status: RFC 9773 4.3.3 */
	if (ACME_ACCOUNT_OPS && c->state >= ST_ROLL_CHECK)
		return acct_handle(c);
	if (st < 200 || st > 299)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "unexpected HTTP status");
	if (c->state != ST_CERT && c->state != ST_ALT &&
	    flow_json(c, &d) != ACME_OK)
		return c->err;
	switch (c->state) {
	case ST_DIRECTORY:
		return flow_directory(c, &d);
	case ST_ACCOUNT:
		if (json_get(&d, 0, "status") >= 0 &&
		    !json_str_eq(&d, json_get(&d, 0, "status"), "valid"))
			return acme_fail(c, ACME_ERR_INVALID,
			    "the account is not valid", NULL);
		if (flow_location(c, c->kid) != ACME_OK ||
		    flow_store_account_url(c) != ACME_OK)
			return c->err;
		acme_goto(c, ST_ORDER, 0);
		return ACME_OK;
	case ST_ORDER:
		return flow_new_order(c, &d);
	case ST_AUTHZ:
		if (flow_authz(c, &d) != ACME_OK)
			return c->err;
		if (c->idx + 1 < (int)c->nauthz) {
			c->idx++;
			acme_goto(c, ST_AUTHZ, 0);
			return ACME_OK;
		}
		return flow_challenges(c);
	case ST_CHALLENGE:
		if (json_str_eq(&d, json_get(&d, 0, "status"), "invalid")) {
			memset(&c->problem, 0, sizeof c->problem);
			json_string(&d, json_get(&d, json_get(&d, 0, "error"),
			    "detail"), c->problem.detail,
			    sizeof c->problem.detail);
			return acme_fail_problem(c, ACME_ERR_INVALID,
			    c->authz[c->idx].name);
		}
		c->authz[c->idx].need_post = 0;
		i = flow_next_post(c, c->idx + 1);
		if (i >= 0) {
			c->idx = i;
			acme_goto(c, ST_CHALLENGE, 0);
			return ACME_OK;
		}
		c->idx = flow_next_pending(c, 0);
		return flow_poll_later(c, ST_POLL_AUTHZ,
		    c->authz[c->idx].name);
	case ST_POLL_AUTHZ:
		if (flow_authz(c, &d) != ACME_OK)
			return c->err;
		if (c->authz[c->idx].lost)
			return flow_challenge_found(c);
		if (!c->authz[c->idx].valid)
			return flow_poll_later(c, ST_POLL_AUTHZ,
			    c->authz[c->idx].name);
		i = flow_next_pending(c, c->idx + 1);
		if (i >= 0) {
			/* The next one has had as long to validate. */
			c->idx = i;
			c->polls = 0;
			c->cnt.polls++;
			acme_goto(c, ST_POLL_AUTHZ, 0);
			return ACME_OK;
		}
		return flow_to_finalize(c);
	case ST_FINALIZE:
	case ST_POLL_ORDER:
		return flow_order(c, &d);
	case ST_CERT:
	case ST_ALT:
		return flow_cert(c);
	default:
		return acme_fail(c, ACME_ERR_PARAM, "bad state", NULL);
	}
}
