/*
 * ensure.c -- the certificate lifecycle inside the flow (acme_ensure()):
 * the decision at the start of a run (ST_CHECK), the attempt recorded
 * before the first request, the renewal information check (ST_ARI, RFC
 * 9773), and what a run leaves in the state record for the next one.
 * The times themselves are computed by renew.c.
 *
 * The state record is written before the first request of a run, as if
 * the run were going to fail: one more failure, and a "not before" of
 * the backoff that failure would cost.  So a run that never finishes (a
 * power cut, a watchdog, a crash the flow itself causes) costs the CA
 * one attempt per backoff period, however often the device reboots; a
 * run that ends well clears it.  Writing it first also proves the state
 * directory writable before anything is ordered.
 */
#include <string.h>
#include "acme_int.h"
#include "chain.h"
#include "signer.h"
#include "str.h"
#include "wipe.h"

/* The furthest "not before" a run writes: the longest backoff, or the
 * longest Retry-After kept for the next run. */
#define ENSURE_NOT_BEFORE_MAX_S ((uint64_t)(ACME_NOT_BEFORE_MAX_S > \
    RENEW_BACKOFF_MAX_S ? ACME_NOT_BEFORE_MAX_S : RENEW_BACKOFF_MAX_S))

uint64_t
ensure_now(const struct acme_client *c)
{
	return c->port.unix_time(c->port.ctx);
}

/* Store c->st.  0, or -1 (logged). */
static int
ensure_save(struct acme_client *c)
{
	char buf[256];
	long n = renew_format(&c->st, buf, sizeof buf);

	if (n >= 0 && c->port.store(c->port.ctx, ACME_STORE_STATE, buf,
	    (size_t)n) == 0)
		return 0;
	acme_log(c, ACME_LOG_WARN, "cannot store " ACME_STORE_STATE, NULL,
	    NULL, NULL);
	return -1;
}

/* Log a line "what TIME[ rest]". */
static void
ensure_log_time(struct acme_client *c, const char *what, uint64_t t,
    const char *rest)
{
	char ts[24] = "";

	str_cat_time(ts, sizeof ts, t);
	acme_log(c, ACME_LOG_INFO, what, ts, rest, NULL);
}

/* FNV-1a over n bytes, from h. */
static uint32_t
ensure_fnv(uint32_t h, const unsigned char *p, size_t n)
{
	while (n-- > 0)
		h = (h ^ *p++) * 16777619u;
	return h;
}

/* The per-device, per-certificate jitter of the default renewal moment:
 * from the certificate key's public key and the serial, so it does
 * not change between boots and differs between devices. */
static uint32_t
ensure_jitter(const struct x509_cert *x)
{
	return ensure_fnv(ensure_fnv(2166136261u, x->key.val, x->key.len),
	    x->serial.val, x->serial.len);
}

/* The smaller of the renewal moment and the next check (0: none). */
static uint64_t
ensure_next(const struct renew_state *s)
{
	return s->check_at != 0 && s->check_at < s->renew_at ? s->check_at :
	    s->renew_at;
}

/*
 * The stored chain through the check k, read in pieces into the window
 * (port load_at()), so a chain longer than any buffer is checked whole.
 * Returns 0, or -1 with *why.  Storage is hostile too: a chain over
 * ACME_MAX_CHAIN (none is stored) or a piece over the window is refused.
 */
int
ensure_read_chain(struct acme_client *c, struct chain_check *k,
    const char **why)
{
	size_t off = 0;
	long n;

	for (;;) {
		n = c->port.load_at(c->port.ctx, ACME_STORE_CERT, off, c->body,
		    sizeof c->body);
		if (n == 0)
			return 0;
		if (n < 0 || (size_t)n > sizeof c->body) {
			*why = n == -1 && off == 0 ? "no certificate is stored" :
			    "the stored certificate cannot be read";
			return -1;
		}
		off += (size_t)n;
		if (off > ACME_MAX_CHAIN) {
			*why = "the stored chain is over ACME_MAX_CHAIN bytes";
			return -1;
		}
		if (chain_push(k, c->body, (size_t)n) != 0) {
			*why = k->why;
			return -1;
		}
	}
}

/*
 * The stored pair: 1 when it is good (the chain decodes, the key is the
 * leaf's, the leaf names exactly our identifiers, now is within its
 * validity), with c->cert_id, c->cert_not_after, c->leaf_len and *def
 * (the default renewal moment) set; 0 with *why otherwise.  Uses the
 * payload (the key PEM, wiped), the response window (the chain, a piece
 * at a time), the chain check of c->scan and the request buffer (the
 * leaf's DER), all free before the first request.
 */
static int
ensure_stored(struct acme_client *c, uint64_t now, uint64_t *def,
    const char **why)
{
	const char *names[ACME_MAX_IDENTIFIERS];
	struct chain_check *k = &c->scan.chain;
	struct x509_cert x;
	unsigned char q[SIGNER_PUB_MAX];
	unsigned i;
	long kn;

	c->leaf_len = 0;
	chain_init(k, (unsigned char *)c->req, sizeof c->req);
	if (ensure_read_chain(c, k, why) != 0)
		return 0;
	kn = keys_stored_cert_pub(c, q, sizeof q);
	if (kn < 0) {
		*why = "the stored key is missing or unreadable";
		return 0;
	}
	for (i = 0; i < c->nnames; i++)
		names[i] = c->names[i];
	if (chain_finish(k, q, (size_t)kn, names, c->nnames) != 0) {
		*why = k->why;
		return 0;
	}
	if (x509_parse(&x, k->leaf.p, k->leaf.len) != 0) {
		*why = "the stored certificate is malformed";
		return 0;
	}
	c->cert_not_after = x.not_after_t;
	if (now < x.not_before_t) {
		*why = "the stored certificate is not valid yet";
		return 0;
	}
	if (now >= x.not_after_t) {
		*why = "the stored certificate has expired";
		return 0;
	}
	if (renew_cert_id(c->cert_id, sizeof c->cert_id, &x) != 0)
		c->cert_id[0] = 0;
	*def = renew_default_at(&x, ensure_jitter(&x));
	c->leaf_len = k->leaf.len;
	return 1;
}

/* Nothing (more) to do: the record cleared of failures, ST_FRESH. */
static int
ensure_fresh(struct acme_client *c)
{
	if (c->attempted) {
		c->st.failures = 0;
		c->st.not_before = 0;
		ensure_save(c);
	}
	c->next_check = ensure_next(&c->st);
	ensure_log_time(c, "certificate good; next check ", c->next_check,
	    NULL);
	acme_responders_stop(c);
	tls_close(&c->tls, &c->port);
	acme_goto(c, ST_FRESH, 0);
	return ACME_OK;
}

int
ensure_check(struct acme_client *c)
{
	uint64_t now = ensure_now(c), def = 0;
	const char *why = "";
	char d[96];
	long n;
	int good;

	n = c->port.load(c->port.ctx, ACME_STORE_STATE, c->body,
	    sizeof c->body - 1);
	renew_parse(&c->st, c->body, n > 0 ? (size_t)n : 0);
	if (!c->ensure) {
		/* acme_run() without ensure: order now */
		acme_goto(c, ST_KEY, 0);
		return ACME_OK;
	}
	if (now == 0)
		return acme_fail(c, ACME_ERR_TIME, "no wall clock",
		    "cannot tell whether the stored certificate is due "
		    "(the port's unix_time() returned 0)");
	if (c->st.not_before > now + ENSURE_NOT_BEFORE_MAX_S) {
		/* Further ahead than any backoff or Retry-After we keep:
		 * written while the clock was wrong (ahead), and it must
		 * not hold renewals off for years now that it is right. */
		ensure_log_time(c, "ignoring a \"not before\" too far "
		    "ahead: ", c->st.not_before, NULL);
		c->st.not_before = 0;
	}
	good = ensure_stored(c, now, &def, &why);
	if (good && (c->cert_id[0] == 0 ||
	    strcmp(c->st.cert, c->cert_id) != 0)) {
		/* A certificate the record does not know (a new record, or
		 * one from another client): its default moment, and one
		 * look at the directory for ARI unless it cannot have any
		 * (no authority key identifier). */
		str_copy(c->st.cert, sizeof c->st.cert, c->cert_id);
		c->st.renew_at = def;
		c->st.check_at = c->cert_id[0] ? 0 : def;
		c->st.ari = 0;
	}
	if (good && c->st.renew_at >= c->cert_not_after) {
		/* A moment past the certificate's end (a damaged record, a
		 * CA window beyond expiry) would let it expire in use. */
		c->st.renew_at = def;
		if (c->st.check_at > def)
			c->st.check_at = def;
	}
	if (good && now < c->st.renew_at && c->st.check_at != 0 &&
	    now < c->st.check_at)
		return ensure_fresh(c);
	if (now < c->st.not_before) {
		c->next_check = c->st.not_before;
		if (good && now < c->st.renew_at) {
			/* valid and not due: the check can wait */
			c->st.check_at = c->st.not_before;
			return ensure_fresh(c);
		}
		d[0] = 0;
		str_cat(d, sizeof d, "no request to the CA before ");
		str_cat_time(d, sizeof d, c->st.not_before);
		str_cat(d, sizeof d, " (failed attempts: ");
		str_cat_u(d, sizeof d, c->st.failures);
		str_cat(d, sizeof d, ")");
		return acme_fail(c, ACME_ERR_BACKOFF, "backing off", d);
	}
	c->checking = good && now < c->st.renew_at;
	if (!good)
		acme_log(c, ACME_LOG_INFO, "renewing: ", why, NULL, NULL);
	else if (!c->checking)
		ensure_log_time(c, "renewing: due since ", c->st.renew_at,
		    NULL);
	acme_goto(c, ST_KEY, 0);
	return ACME_OK;
}

int
ensure_attempt(struct acme_client *c)
{
	uint64_t now = ensure_now(c);
	uint32_t r = 0;

	if (c->st.failures < 1000)
		c->st.failures++;
	if (c->port.entropy(c->port.ctx, &r, sizeof r) != 0)
		r = 0;
	c->st.not_before = now != 0 ?
	    now + renew_backoff_s(c->st.failures, r) : 0;
	if (ensure_save(c) != 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot store "
		    ACME_STORE_STATE, "the state must be writable before "
		    "anything is ordered");
	c->attempted = 1;
	return ACME_OK;
}

int
ensure_after_directory(struct acme_client *c)
{
	size_t n = strlen(c->renewal_info);

	if (c->renewal_info[0] != 0 && c->cert_id[0] != 0) {
		/* RFC 9773 4.1: renewalInfo "/" certID */
		c->ari_url[0] = 0;
		str_cat(c->ari_url, sizeof c->ari_url, c->renewal_info);
		if (c->renewal_info[n - 1] != '/')
			str_cat(c->ari_url, sizeof c->ari_url, "/");
		if (str_cat(c->ari_url, sizeof c->ari_url, c->cert_id) != 0)
			return acme_fail(c, ACME_ERR_TOO_LARGE,
			    "renewalInfo URL over ACME_MAX_URL", NULL);
		acme_goto(c, ST_ARI, 0);
		return ACME_OK;
	}
	/* No ARI here: the lifetime decides, nothing to ask until then. */
	c->st.ari = 0;
	c->st.check_at = c->st.renew_at;
	return ensure_fresh(c);
}

/* The suggestedWindow of a renewalInfo answer (RFC 9773 4.2): 0 with
 * *start and *end, or -1. */
static int
ensure_window(struct acme_client *c, uint64_t *start, uint64_t *end)
{
	struct json_doc d;
	char a[48], b[48], u[ACME_MAX_URL + 1];
	int w;

	if (c->resp.status != 200 || json_parse(&d, c->body,
	    c->resp.body_len, c->scan.tok, ACME_JSON_TOKENS) != ACME_OK ||
	    json_type(&d, 0) != JSON_OBJECT)
		return -1;
	w = json_get(&d, 0, "suggestedWindow");
	if (json_string(&d, json_get(&d, w, "start"), a, sizeof a) < 0 ||
	    json_string(&d, json_get(&d, w, "end"), b, sizeof b) < 0 ||
	    renew_time_parse(a, start) != 0 || renew_time_parse(b, end) != 0)
		return -1;
	if (json_string(&d, json_get(&d, 0, "explanationURL"), u,
	    sizeof u) > 0)
		acme_log(c, ACME_LOG_INFO, "renewalInfo: the CA explains: ",
		    u, NULL, NULL);
	return 0;
}

int
ensure_ari(struct acme_client *c)
{
	uint64_t now = ensure_now(c), start, end, r = 0;
	long wait = RENEW_ARI_RETRY_DEFAULT_S;

	if (ensure_window(c, &start, &end) == 0) {
		/* RFC 9773 4.3: a uniformly random moment in the window, and
		 * the next look after the CA's Retry-After. */
		if (c->port.entropy(c->port.ctx, &r, sizeof r) != 0)
			r = 0;
		c->st.renew_at = renew_pick(start, end, r);
		c->st.ari = 1;
		if (c->resp.retry_after >= 0)
			wait = c->resp.retry_after;
		if (wait < RENEW_ARI_RETRY_MIN_S)
			wait = RENEW_ARI_RETRY_MIN_S;
		if (wait > RENEW_ARI_RETRY_MAX_S)
			wait = RENEW_ARI_RETRY_MAX_S;
	} else {
		/* RFC 9773 4.3.3: an error; the lifetime decides, ask again
		 * in six hours. */
		acme_log(c, ACME_LOG_WARN, "renewalInfo gave no window: "
		    "the certificate's lifetime decides", NULL, NULL, NULL);
	}
	c->st.check_at = now + (uint64_t)wait;
	if (now < c->st.renew_at)
		return ensure_fresh(c);
	ensure_log_time(c, "renewing: the CA's window began at ",
	    c->st.renew_at, NULL);
	c->checking = 0;
	c->replaces = c->st.ari;
	if (c->kid[0] != 0) {
		acme_goto(c, ST_ORDER, 0);
		return ACME_OK;
	}
	return flow_need_account(c);
}

void
ensure_issued(struct acme_client *c, const uint8_t *leaf, size_t len)
{
	struct x509_cert x;
	uint64_t now = ensure_now(c);

	if (x509_parse(&x, leaf, len) != 0)
		return;
	if (renew_cert_id(c->st.cert, sizeof c->st.cert, &x) != 0)
		c->st.cert[0] = 0;
	c->st.renew_at = renew_default_at(&x, ensure_jitter(&x));
	c->st.ari = c->renewal_info[0] != 0 && c->st.cert[0] != 0;
	c->st.check_at = c->st.ari ? now + RENEW_ARI_RETRY_DEFAULT_S :
	    c->st.renew_at;
	c->st.failures = 0;
	c->st.not_before = 0;
	ensure_save(c);
	c->cert_not_after = x.not_after_t;
	c->next_check = ensure_next(&c->st);
}

void
ensure_failed(struct acme_client *c)
{
	if (!c->attempted)
		return;
	/* The CA said when to come back (a Retry-After longer than a run
	 * waits): its word replaces our own guess, shorter or longer. */
	if (c->retry_until != 0) {
		c->st.not_before = c->retry_until;
		ensure_save(c);
	}
	c->next_check = c->st.not_before;
}
