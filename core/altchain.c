/*
 * altchain.c -- alternate certificate chains (RFC 8555 7.4.2).
 *
 * A CA may offer the same certificate under other chains (other roots),
 * linked from the certificate answer with Link: rel="alternate".  With
 * acme_config.preferred_chain set, the chain wanted is the one whose
 * topmost certificate's issuer commonName is that name (what certbot's
 * and lego's --preferred-chain compare; chain.c reads it as the chain
 * streams by).  The default chain is checked and committed with the key
 * first, as without a preference; only when its topmost issuer is
 * another name are the alternates (at most ACME_ALT_CHAINS, on the
 * directory's origin) fetched in turn (ST_ALT), each streamed into a new
 * staged version of ACME_STORE_CERT and checked like the default one.
 * The first that matches is committed alone (the key is the same, and
 * stays); one that does not match is discarded.  No alternate matches:
 * the default pair stays, as certbot does.
 *
 * So at every moment the stored pair is whole and matching: the old
 * pair, then the default one, then perhaps the preferred one; never two
 * chains in RAM, and no request is lost when an alternate fails.  Any
 * failure while an alternate is fetched or checked (network, status,
 * badNonce, a bad chain, storage) skips that alternate (acme_fail()
 * comes here in ST_ALT): the run does not fail for it.
 */
#include <string.h>
#include "acme_int.h"
#include "str.h"

#if ACME_ALT_CHAINS

/* Done: the pair stored is the one to keep. */
static int
altchain_end(struct acme_client *c)
{
	flow_unstage(c);
	keys_cert_wipe(c);
	acme_goto(c, ST_DONE, 0);
	acme_log(c, ACME_LOG_INFO, "certificate stored", NULL, NULL, NULL);
	return ACME_OK;
}

/*
 * The leaf of the stored chain back into req (acme_certificate_leaf()),
 * which the requests since it was stored have overwritten: the chain
 * read a window at a time through the check, which keeps the first
 * certificate's DER.  0 when it cannot be read: then no leaf.
 */
static size_t
altchain_stored_leaf(struct acme_client *c)
{
	struct chain_check *k = &c->scan.chain;
	size_t off = 0;
	long n;

	c->chain_on = 0;
	chain_init(k, (unsigned char *)c->req, sizeof c->req);
	for (;;) {
		n = c->port.load_at(c->port.ctx, ACME_STORE_CERT, off, c->body,
		    sizeof c->body);
		if (n == 0)
			break;
		if (n < 0 || (size_t)n > sizeof c->body ||
		    (off += (size_t)n) > ACME_MAX_CHAIN ||
		    chain_push(k, c->body, (size_t)n) != 0)
			return 0;
	}
	return k->certs > 0 && !k->leaf.over ? k->leaf.len : 0;
}

/* After an alternate that was not taken: the next one, or the end with
 * the default pair. */
static int
altchain_next(struct acme_client *c)
{
	flow_unstage(c);
	if (++c->alt_idx < c->alt_n) {
		acme_goto(c, ST_ALT, 0);
		return ACME_OK;
	}
	acme_log(c, ACME_LOG_WARN, "no chain has the preferred topmost "
	    "issuer \"", c->preferred, "\": the default chain is kept", NULL);
	c->leaf_len = altchain_stored_leaf(c);
	return altchain_end(c);
}

/*
 * The default pair was just committed; scan.chain has checked the
 * default chain and resp holds its answer's alternates.  Returns 1 when
 * an alternate is to be fetched (ST_ALT), 0 when the flow ends here.
 */
int
altchain_start(struct acme_client *c)
{
	const char *top = c->scan.chain.top_issuer;
	char n_s[24] = "";
	unsigned i, n = 0;

	if (c->preferred[0] == 0)
		return 0;
	if (strcmp(top, c->preferred) == 0) {
		acme_log(c, ACME_LOG_INFO, "the default chain has the "
		    "preferred topmost issuer \"", top, "\"", NULL);
		return 0;
	}
	acme_log(c, ACME_LOG_INFO, "the default chain's topmost issuer is \"",
	    top, "\", not the preferred one", NULL);
	/* Every URL the server names must be on the directory's origin
	 * (DESIGN.md "URL origins"); another one is not fetched. */
	for (i = 0; i < c->resp.alt_n && i < ACME_ALT_CHAINS; i++) {
		if (!http_url_same_origin(c->alt_url[i], c->dir_url)) {
			acme_log(c, ACME_LOG_WARN, "alternate chain not on the "
			    "directory's origin, not fetched: ", c->alt_url[i],
			    NULL, NULL);
			continue;
		}
		if (n != i)
			str_copy(c->alt_url[n], sizeof c->alt_url[n],
			    c->alt_url[i]);
		n++;
	}
	if (c->resp.alt_more > 0) {
		str_cat_u(n_s, sizeof n_s, c->resp.alt_more);
		acme_log(c, ACME_LOG_WARN, n_s, " more alternate chains not "
		    "kept (ACME_ALT_CHAINS, ACME_MAX_URL)", NULL, NULL);
	}
	c->alt_n = (unsigned char)n;
	c->alt_idx = 0;
	if (n == 0) {
		acme_log(c, ACME_LOG_WARN, "no alternate chain offered: the "
		    "default chain is kept", NULL, NULL, NULL);
		return 0;
	}
	acme_goto(c, ST_ALT, 0);
	return 1;
}

/*
 * A piece of an alternate chain (flow_piece() in ST_ALT): checked and
 * staged as the default chain is, but a problem only marks this
 * alternate bad (alt_why); the rest of its answer is read and dropped.
 */
int
altchain_piece(struct acme_client *c, const char *data, size_t len)
{
	struct chain_check *k = &c->scan.chain;

	if (!c->chain_on) {
		c->alt_why = NULL;
		/* as in flow_piece(): the leaf goes to req */
		if (c->xfer.tx_off[0] < c->xfer.tx_len[0] ||
		    c->xfer.tx_off[1] < c->xfer.tx_len[1])
			c->alt_why = "the certificate came before the "
			    "request went";
		flow_unstage(c);
		chain_init(k, (unsigned char *)c->req, sizeof c->req);
		c->chain_on = 1;
	}
	if (c->alt_why != NULL)
		return 0;
	if (chain_push(k, data, len) != 0) {
		c->alt_why = k->why;
		flow_unstage(c);
		return 0;
	}
	c->staged = 1;
	if (c->port.stage(c->port.ctx, ACME_STORE_CERT, data, len) != 0) {
		c->alt_why = "cannot stage the certificate chain";
		flow_unstage(c);
	}
	return 0;
}

/*
 * An alternate's answer is complete: committed alone when it is whole,
 * for our key and names, and has the preferred topmost issuer.
 */
int
altchain_cert(struct acme_client *c)
{
	struct chain_check *k = &c->scan.chain;

	if (c->resp.status != 200)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url,
		    "unexpected HTTP status for the certificate");
	if (!c->chain_on) {     /* an empty body */
		c->alt_why = NULL;
		chain_init(k, (unsigned char *)c->req, sizeof c->req);
	}
	if (c->alt_why != NULL)
		return acme_fail(c, ACME_ERR_PROTOCOL, c->url, c->alt_why);
	if (flow_chain_finish(c) != ACME_OK)
		return c->err;
	if (strcmp(k->top_issuer, c->preferred) != 0) {
		acme_log(c, ACME_LOG_INFO, "alternate chain's topmost issuer "
		    "is \"", k->top_issuer, "\": ", c->url);
		return altchain_next(c);
	}
	if (c->port.commit(c->port.ctx) != 0)
		return acme_fail(c, ACME_ERR_STORAGE, "cannot store the "
		    "alternate chain", "the stored chain is the default one, "
		    "or this one when the commit took effect before it failed");
	c->staged = 0;
	c->leaf_len = k->leaf.len;
	acme_log(c, ACME_LOG_INFO, "the alternate chain with the preferred "
	    "topmost issuer replaces the default one: ", c->url, NULL, NULL);
	return altchain_end(c);
}

/*
 * acme_fail() in ST_ALT: the default pair is stored, so an alternate
 * that fails in any way is logged and skipped, and the run goes on.
 * Returns err (acme_fail()'s callers only pass it on; the state has
 * moved on, so no retry of this alternate follows).
 */
int
altchain_skip(struct acme_client *c, int err, const char *what,
    const char *detail)
{
	acme_log(c, ACME_LOG_WARN, "alternate chain skipped: ", what,
	    detail != NULL && detail[0] != 0 ? ": " : NULL, detail);
	tls_close(&c->tls, &c->port);
	memset(&c->problem, 0, sizeof c->problem);
	altchain_next(c);
	return err;
}

#endif
