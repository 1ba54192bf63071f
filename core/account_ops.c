/*
 * account_ops.c -- what an account does besides ordering: External
 * Account Binding on newAccount (RFC 8555 7.3.4, ACME_EAB), and, as
 * states of the same machine as an order (acme.c: nonces, badNonce,
 * 5xx, Retry-After, the error report), key rollover (7.3.5), account
 * deactivation (7.3.6) and certificate revocation (7.6)
 * (ACME_ACCOUNT_OPS).
 *
 * Rollover never loses the account: the new key is stored as
 * ACME_STORE_ACCOUNT_KEY_NEW ("staged") before keyChange is sent and
 * replaces ACME_STORE_ACCOUNT_KEY only after the CA answered.  Any run
 * that finds a staged key (a power cut in between) asks the CA with it,
 * newAccount {"onlyReturnExisting":true} (ST_ROLL_CHECK): an account
 * means the CA took it (it becomes the account key), accountDoesNotExist
 * that the CA still has the old one (the staged key is dropped, or, in a
 * rollover, sent again).  During these operations no certificate key is
 * in use, so cert_key holds the staged key; order_url holds keyChange
 * or revokeCert.
 */
#include <string.h>
#include "acme_int.h"
#include "b64url.h"
#include "jws.h"
#include "str.h"
#include "wipe.h"

#if ACME_EAB
/*
 * EAB: with w NULL, check the configured kid and key (acme_init());
 * else write "externalAccountBinding": a JWS (HS256, the CA's kid, the
 * newAccount URL) over the account key's JWK, MACed with the decoded
 * key, into the newAccount payload.  The response window is scratch.
 */
int
acct_eab(struct acme_client *c, struct json_w *w)
{
	unsigned char key[ACME_EAB_MAX_KEY], mac[32];
	char jwk[160], pay[224], sig[48];
	char *hj = c->body, *hb = c->body + sizeof c->body / 2;
	size_t half = sizeof c->body / 2, klen = strlen(c->eab_key);
	br_hmac_key_context kc;
	br_hmac_context hc;
	struct json_w hw;
	long kn;
	int n;

	kn = b64url_decode(key, sizeof key, c->eab_key, klen);
	if (w == NULL || kn <= 0) {
		wipe(key, sizeof key);
		if (c->eab_kid[0] == 0 || strlen(c->eab_kid) > ACME_MAX_URL)
			return acme_fail(c, ACME_ERR_PARAM,
			    "EAB key identifier",
			    "empty or longer than ACME_MAX_URL");
		if (kn <= 0)
			return acme_fail(c, ACME_ERR_PARAM, "EAB HMAC key",
			    kn == -2 ? "longer than ACME_EAB_MAX_KEY bytes" :
			    "not base64url (RFC 4648 5, no padding)");
		return ACME_OK;
	}
	json_w_init(&hw, hj, half);
	json_w_obj_begin(&hw);
	json_w_key(&hw, "alg");
	json_w_str(&hw, "HS256");
	json_w_key(&hw, "kid");
	json_w_str(&hw, c->eab_kid);
	json_w_key(&hw, "url");
	json_w_str(&hw, c->new_account);
	json_w_obj_end(&hw);
	n = json_w_finish(&hw);
	if (n < 0 || b64url_encode(hb, half, hj, (size_t)n) == 0 ||
	    (n = jws_jwk(jwk, sizeof jwk, &c->account_key)) < 0 ||
	    b64url_encode(pay, sizeof pay, jwk, (size_t)n) == 0) {
		wipe(key, sizeof key);
		return ACME_ERR_TOO_LARGE;
	}
	/* RFC 7515 5.1 with RFC 7518 3.2: HMAC over protected.payload */
	br_hmac_key_init(&kc, &br_sha256_vtable, key, (size_t)kn);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, hb, strlen(hb));
	br_hmac_update(&hc, ".", 1);
	br_hmac_update(&hc, pay, strlen(pay));
	br_hmac_out(&hc, mac);
	b64url_encode(sig, sizeof sig, mac, sizeof mac);
	wipe(key, sizeof key);
	wipe(&kc, sizeof kc);
	wipe(&hc, sizeof hc);
	json_w_key(w, "externalAccountBinding");
	json_w_obj_begin(w);
	json_w_key(w, "protected");
	json_w_str(w, hb);
	json_w_key(w, "payload");
	json_w_str(w, pay);
	json_w_key(w, "signature");
	json_w_str(w, sig);
	json_w_obj_end(w);
	return ACME_OK;
}
#else
int
acct_eab(struct acme_client *c, struct json_w *w)
{
	(void)w;
	return acme_fail(c, ACME_ERR_PARAM, "External Account Binding",
	    "not built in (ACME_EAB 0)");
}
#endif

#if ACME_ACCOUNT_OPS
static const char acct_marker[] = "deactivated\n";

/* key_staged: what cert_key holds. */
enum {
	ACCT_NONE = 0,
	ACCT_STAGED_UNKNOWN,   /* found stored: does the CA have it? */
	ACCT_STAGED_NEW        /* the CA does not have it (yet) */
};

/* Store s (len) as the staged key; "" drops it. */
static int
acct_store_staged(struct acme_client *c, const char *s, size_t len)
{
	if (c->port.store(c->port.ctx, ACME_STORE_ACCOUNT_KEY_NEW, s,
	    len) != 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot store "
		    ACME_STORE_ACCOUNT_KEY_NEW, NULL);
	return ACME_OK;
}

/*
 * After the account key and URL are loaded, in every run: a stored
 * "deactivated" account stops it; a staged key (a rollover cut short)
 * is loaded into cert_key for the CA to be asked about it.
 */
int
acct_stored(struct acme_client *c)
{
	long n;
	int r;

	n = c->port.load(c->port.ctx, ACME_STORE_ACCOUNT_URL, c->body,
	    sizeof c->body - 1);
	if (n >= (long)sizeof acct_marker - 1 &&
	    memcmp(c->body, acct_marker, sizeof acct_marker - 1) == 0)
		return acme_fail(c, ACME_ERR_INVALID, "the stored account was "
		    "deactivated", "remove " ACME_STORE_ACCOUNT_KEY " and "
		    ACME_STORE_ACCOUNT_URL " to register a new one");
	n = c->port.load(c->port.ctx, ACME_STORE_ACCOUNT_KEY_NEW, c->payload,
	    sizeof c->payload - 1);
	if (n == -1 || n == 0)
		return ACME_OK;
	if (n < 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot read "
		    ACME_STORE_ACCOUNT_KEY_NEW, NULL);
	r = key_from_pem(&c->cert_key, c->payload, (size_t)n);
	wipe(c->payload, sizeof c->payload);
	if (r != ACME_OK)
		return acme_fail(c, r, "stored " ACME_STORE_ACCOUNT_KEY_NEW
		    " is not a P-256 private key", NULL);
	c->key_staged = ACCT_STAGED_UNKNOWN;
	acme_log(c, ACME_LOG_INFO, "a key rollover was cut short: asking "
	    "the CA which key it holds", NULL, NULL, NULL);
	return ACME_OK;
}

/* Load the PEM key name into k: ACME_OK, or the failure. */
static int
acct_load_key(struct acme_client *c, const char *name, struct key_ec *k)
{
	long n;
	int r;

	n = c->port.load(c->port.ctx, name, c->payload,
	    sizeof c->payload - 1);
	if (n == -1 || n == 0)
		return acme_fail(c, ACME_ERR_PARAM, name, "not stored: no "
		    "account or certificate to act on");
	if (n < 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot read", name);
	r = key_from_pem(k, c->payload, (size_t)n);
	wipe(c->payload, sizeof c->payload);
	if (r != ACME_OK)
		return acme_fail(c, r, name, "not an EC (P-256 or P-384) "
		    "private key");
	return ACME_OK;
}

/* ST_KEY of an account operation: the stored keys, never a new one. */
int
acct_local(struct acme_client *c)
{
	/* The operations sign with the stored keys (a rollover stores the
	 * new one): a board's signer cannot take part. */
	if (c->account_signer != NULL || (c->cert_signer != NULL &&
	    c->op == ACCT_OP_REVOKE && c->op_cert_key))
		return acme_fail(c, ACME_ERR_PARAM, "account operations",
		    "need the software keys (account.key, cert.key), not a "
		    "board's signer");
	if (c->op == ACCT_OP_REVOKE && c->op_cert_key) {
		/* The certificate's key speaks for itself: no account. */
		if (acct_load_key(c, ACME_STORE_CERT_KEY, &c->cert_key) !=
		    ACME_OK)
			return c->err;
	} else {
		if (acct_load_key(c, ACME_STORE_ACCOUNT_KEY,
		    &c->account_key) != ACME_OK)
			return c->err;
		flow_load_account_url(c);
		if (acct_stored(c) != ACME_OK)
			return c->err;
	}
	acme_goto(c, ST_DIRECTORY, 0);
	return ACME_OK;
}

/* The rollover's new key: made and staged before the CA hears of it. */
static int
acct_stage_new(struct acme_client *c)
{
	long n;
	int r;

	r = key_generate(&c->cert_key, &c->port);
	if (r != ACME_OK)
		return acme_fail(c, r, "cannot make the new account key", NULL);
	n = key_to_pem(&c->cert_key, c->payload, sizeof c->payload);
	r = n < 0 ? (int)n : acct_store_staged(c, c->payload, (size_t)n);
	wipe(c->payload, sizeof c->payload);
	if (r != ACME_OK)
		return acme_fail(c, r, "cannot stage the new account key",
		    NULL);
	c->key_staged = ACCT_STAGED_NEW;
	return ACME_OK;
}

/* The account is known (or not needed): the operation's request, or,
 * in an order, the order. */
static int
acct_next(struct acme_client *c)
{
	if (c->op == ACCT_OP_ISSUE)
		return flow_after_directory(c);
	if (c->op == ACCT_OP_REVOKE && c->op_cert_key) {
		acme_goto(c, ST_REVOKE, 0);
		return ACME_OK;
	}
	if (c->kid[0] == 0) {
		/* RFC 8555 7.3.1: find the account of our key */
		acme_goto(c, ST_ACCT_FIND, 0);
		return ACME_OK;
	}
	if (c->op == ACCT_OP_ROLLOVER) {
		if (c->key_staged == ACCT_NONE && acct_stage_new(c) != ACME_OK)
			return c->err;
		acme_goto(c, ST_KEYCHANGE, 0);
	} else {
		acme_goto(c, c->op == ACCT_OP_REVOKE ? ST_REVOKE :
		    ST_DEACTIVATE, 0);
	}
	return ACME_OK;
}

int
acct_after_directory(struct acme_client *c, const struct json_doc *d)
{
	if (c->op == ACCT_OP_ROLLOVER && flow_url(c, d, 0, "keyChange",
	    c->order_url, sizeof c->order_url) != ACME_OK)
		return c->err;
	if (c->op == ACCT_OP_REVOKE && flow_url(c, d, 0, "revokeCert",
	    c->order_url, sizeof c->order_url) != ACME_OK)
		return c->err;
	if (c->key_staged == ACCT_STAGED_UNKNOWN) {
		acme_goto(c, ST_ROLL_CHECK, 0);
		return ACME_OK;
	}
	return acct_next(c);
}

/*
 * The keyChange payload (RFC 8555 7.3.5): a JWS signed by the new key,
 * with its "jwk", the keyChange URL and no nonce, over {"account": kid,
 * "oldKey": the old JWK}; built in the response window.
 */
static long
acct_keychange(struct acme_client *c)
{
	struct json_w w;
	int n;

	json_w_init(&w, c->payload, sizeof c->payload);
	json_w_obj_begin(&w);
	json_w_key(&w, "account");
	json_w_str(&w, c->kid);
	json_w_key(&w, "oldKey");
	jws_w_jwk(&w, c->account_key.q, key_qlen(&c->account_key));
	json_w_obj_end(&w);
	n = json_w_finish(&w);
	if (n < 0)
		return n;
	return jws_build(c->body, sizeof c->body, &c->cert_key, NULL, NULL,
	    c->order_url, c->payload, (size_t)n, c->hdr, sizeof c->hdr);
}

/*
 * The revokeCert payload (RFC 8555 7.6): the stored leaf, read anew for
 * each attempt (its DER to the request buffer, which the JWS overwrites
 * only afterwards), base64url, and the reason.  Built in the response
 * window: the JSON in its first half, the encoding in its second.
 */
static long
acct_revoke_payload(struct acme_client *c)
{
	struct chain_check *k = &c->scan.chain;
	size_t half = sizeof c->body / 2;
	char *b64 = c->body + half;
	const char *why = NULL;
	struct json_w w;

	chain_init(k, (unsigned char *)c->req, sizeof c->req);
	if (ensure_read_chain(c, k, &why) != 0 || k->certs == 0 ||
	    k->in_obj || k->leaf.len == 0) {
		acme_fail(c, ACME_ERR_PARAM, ACME_STORE_CERT,
		    why != NULL ? why : "no whole certificate is stored");
		return c->err;
	}
	if (b64url_encode(b64, half, k->leaf.p, k->leaf.len) == 0)
		return ACME_ERR_TOO_LARGE;
	json_w_init(&w, c->body, half);
	json_w_obj_begin(&w);
	json_w_key(&w, "certificate");
	json_w_str(&w, b64);
	json_w_key(&w, "reason");
	json_w_uint(&w, c->op_reason);
	json_w_obj_end(&w);
	return json_w_finish(&w);
}

int
acct_build(struct acme_client *c, struct acme_req *r)
{
	struct json_w w;
	long n;

	switch (c->state) {
	case ST_ROLL_CHECK:
	case ST_ACCT_FIND:
		/* RFC 8555 7.3.1: the account of this key, or an error */
		r->url = c->new_account;
		r->jwk = 1;
		if (c->state == ST_ROLL_CHECK)
			r->key = &c->cert_key;
		json_w_init(&w, c->payload, sizeof c->payload);
		json_w_obj_begin(&w);
		json_w_key(&w, "onlyReturnExisting");
		json_w_bool(&w, 1);
		json_w_obj_end(&w);
		n = json_w_finish(&w);
		r->payload = c->payload;
		break;
	case ST_KEYCHANGE:
		r->url = c->order_url;
		n = acct_keychange(c);
		r->payload = c->body;
		break;
	case ST_DEACTIVATE:
		/* RFC 8555 7.3.6 */
		r->url = c->kid;
		json_w_init(&w, c->payload, sizeof c->payload);
		json_w_obj_begin(&w);
		json_w_key(&w, "status");
		json_w_str(&w, "deactivated");
		json_w_obj_end(&w);
		n = json_w_finish(&w);
		r->payload = c->payload;
		break;
	case ST_REVOKE:
		r->url = c->order_url;
		if (c->op_cert_key) {
			r->key = &c->cert_key;
			r->jwk = 1;
		}
		n = acct_revoke_payload(c);
		r->payload = c->body;
		break;
	default:
		return ACME_ERR_PARAM;
	}
	if (n < 0)
		return (int)n;
	r->plen = (size_t)n;
	return ACME_OK;
}

/* The CA holds the staged key now: make it the account key, then drop
 * the staged copy (a cut between the two is found by the next run). */
static int
acct_swap(struct acme_client *c)
{
	long n;
	int r;

	n = key_to_pem(&c->cert_key, c->payload, sizeof c->payload);
	r = n < 0 ? (int)n : c->port.store(c->port.ctx,
	    ACME_STORE_ACCOUNT_KEY, c->payload, (size_t)n);
	wipe(c->payload, sizeof c->payload);
	if (r != 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot store "
		    ACME_STORE_ACCOUNT_KEY, "the CA holds the new key, kept in "
		    ACME_STORE_ACCOUNT_KEY_NEW ": the next run makes it the "
		    "account key");
	c->account_key = c->cert_key;
	key_wipe(&c->cert_key);
	c->key_staged = ACCT_NONE;
	/* key authorizations from now on are the new key's */
	r = jws_thumbprint(c->thumb, &c->account_key);
	if (r != ACME_OK)
		return acme_fail(c, r, "cannot compute the JWK thumbprint",
		    NULL);
	if (acct_store_staged(c, "", 0) != ACME_OK)
		return c->err;
	acme_log(c, ACME_LOG_INFO, "the new account key is in use", NULL, NULL,
	    NULL);
	return ACME_OK;
}

/* The operation is done. */
static int
acct_done(struct acme_client *c, const char *what)
{
	tls_close(&c->tls, &c->port);
	key_wipe(&c->cert_key);
	acme_log(c, ACME_LOG_INFO, what, NULL, NULL, NULL);
	acme_goto(c, ST_DONE, 0);
	return ACME_OK;
}

/* The account object of newAccount: valid, at a Location of ours. */
static int
acct_account(struct acme_client *c)
{
	struct json_doc d;

	if (flow_json(c, &d) != ACME_OK)
		return c->err;
	if (!json_str_eq(&d, json_get(&d, 0, "status"), "valid"))
		return acme_fail(c, ACME_ERR_INVALID, "the account is not "
		    "valid", NULL);
	if (flow_location(c, c->kid) != ACME_OK ||
	    flow_store_account_url(c) != ACME_OK)
		return c->err;
	return ACME_OK;
}

int
acct_handle(struct acme_client *c)
{
	struct json_doc d;
	int st = c->resp.status;

	if (st < 200 || st > 299)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "unexpected HTTP status");
	switch (c->state) {
	case ST_ROLL_CHECK:
		/* The CA has the staged key: the rollover took effect. */
		if (acct_account(c) != ACME_OK || acct_swap(c) != ACME_OK)
			return c->err;
		if (c->op == ACCT_OP_ROLLOVER)
			return acct_done(c, "account key rolled over");
		return acct_next(c);
	case ST_ACCT_FIND:
		if (acct_account(c) != ACME_OK)
			return c->err;
		return acct_next(c);
	case ST_KEYCHANGE:
		/* Before the old key is given up: does the CA hold the new
		 * one?  (A 200 that changed nothing would lose the account.) */
		c->account_retry = 1;
		c->key_staged = ACCT_STAGED_UNKNOWN;
		acme_goto(c, ST_ROLL_CHECK, 0);
		return ACME_OK;
	case ST_DEACTIVATE:
		if (flow_json(c, &d) != ACME_OK)
			return c->err;
		if (!json_str_eq(&d, json_get(&d, 0, "status"), "deactivated"))
			return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
			    "the account is not deactivated");
		/* Never used again: a later run says so and stops. */
		str_copy(c->body, sizeof c->body, acct_marker);
		str_cat(c->body, sizeof c->body, c->dir_url);
		str_cat(c->body, sizeof c->body, "\n");
		if (c->port.store(c->port.ctx, ACME_STORE_ACCOUNT_URL, c->body,
		    strlen(c->body)) != 0)
			return acme_fail(c, ACME_ERR_STORAGE, "the account is "
			    "deactivated, but " ACME_STORE_ACCOUNT_URL
			    " cannot be marked so", NULL);
		return acct_done(c, "account deactivated");
	case ST_REVOKE:
		return acct_done(c, "certificate revoked");
	default:
		return acme_fail(c, ACME_ERR_PARAM, "bad state", NULL);
	}
}

/* An error answer (4xx, not badNonce) to an account operation. */
int
acct_problem(struct acme_client *c, int does_not_exist)
{
	if (c->state == ST_ROLL_CHECK && does_not_exist) {
		/* The CA still has the old key. */
		acme_log(c, ACME_LOG_INFO, "the CA still holds the old "
		    "account key", NULL, NULL, NULL);
		if (c->op == ACCT_OP_ROLLOVER && c->account_retry)
			return acme_fail(c, ACME_ERR_PROTOCOL, "keyChange",
			    "the CA does not hold the new key after all; the "
			    "old one stays the account key");
		if (c->op == ACCT_OP_ROLLOVER) {
			c->key_staged = ACCT_STAGED_NEW;   /* send it now */
		} else {
			key_wipe(&c->cert_key);
			c->key_staged = ACCT_NONE;
			if (acct_store_staged(c, "", 0) != ACME_OK)
				return c->err;
		}
		return acct_next(c);
	}
	if (c->state == ST_KEYCHANGE && !c->account_retry) {
		/* An earlier keyChange may have taken effect with its answer
		 * lost: the retry is then signed by a key the account no
		 * longer has (refused), or names a key in use (409, RFC 8555
		 * 7.3.5).  Ask the CA which key it holds, once. */
		c->account_retry = 1;
		c->key_staged = ACCT_STAGED_UNKNOWN;
		acme_goto(c, ST_ROLL_CHECK, 0);
		return ACME_OK;
	}
	if (c->state == ST_ACCT_FIND && does_not_exist)
		return acme_fail_problem(c, ACME_ERR_INVALID, "the CA has no "
		    "account for " ACME_STORE_ACCOUNT_KEY);
	return acme_fail_problem(c, ACME_ERR_SERVER, c->url);
}

/* Run operation op on a context fresh from acme_init(). */
static int
acct_run(struct acme_client *c, int op)
{
	if (c->err != ACME_OK)
		return c->err;
	if (c->state != ST_CHECK || c->phase != PH_IDLE)
		return acme_fail(c, ACME_ERR_PARAM, "an account operation "
		    "needs a context fresh from acme_init()", NULL);
	c->op = (unsigned char)op;
	c->ensure = 0;
	return acme_run(c);
}

int
acme_rollover(struct acme_client *c)
{
	return acct_run(c, ACCT_OP_ROLLOVER);
}

int
acme_deactivate(struct acme_client *c)
{
	return acct_run(c, ACCT_OP_DEACTIVATE);
}

int
acme_revoke(struct acme_client *c, int reason, int by_cert_key)
{
	if (c->err != ACME_OK)
		return c->err;
	/* RFC 5280 5.3.1: 0..10, 7 unused */
	if ((reason < 0 || reason > 10 || reason == 7))
		return acme_fail(c, ACME_ERR_PARAM, "revocation reason",
		    "not an RFC 5280 reason code (0..10 but 7)");
	c->op_reason = (unsigned char)reason;
	c->op_cert_key = by_cert_key != 0;
	return acct_run(c, ACCT_OP_REVOKE);
}

#else /* !ACME_ACCOUNT_OPS */
static int
acct_none(struct acme_client *c)
{
	if (c->err == ACME_ERR_ABI)
		return c->err;
	return acme_fail(c, ACME_ERR_PARAM, "account operations",
	    "not built in (ACME_ACCOUNT_OPS 0)");
}

int
acct_stored(struct acme_client *c)
{
	(void)c;
	return ACME_OK;
}

int
acct_local(struct acme_client *c)
{
	return acct_none(c);
}

int
acct_after_directory(struct acme_client *c, const struct json_doc *d)
{
	(void)d;
	return acct_none(c);
}

int
acct_build(struct acme_client *c, struct acme_req *r)
{
	(void)c;
	(void)r;
	return ACME_ERR_PARAM;
}

int
acct_handle(struct acme_client *c)
{
	return acct_none(c);
}

int
acct_problem(struct acme_client *c, int does_not_exist)
{
	(void)does_not_exist;
	return acct_none(c);
}

int
acme_rollover(struct acme_client *c)
{
	return acct_none(c);
}

int
acme_deactivate(struct acme_client *c)
{
	return acct_none(c);
}

int
acme_revoke(struct acme_client *c, int reason, int by_cert_key)
{
	(void)reason;
	(void)by_cert_key;
	return acct_none(c);
}
#endif
