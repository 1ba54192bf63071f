/*
 * test_account.c -- the account operations (core/account_ops.c) against
 * the fake server of fake_server.c, which verifies the External Account
 * Binding's HMAC, the nested JWS of keyChange, deactivation and
 * revokeCert (by the ordering account or by the certificate's key):
 * EAB right, wrong and missing; rollover, and a rollover cut short on
 * either side of the CA's answer (the storage fails, the answer is lost,
 * the CA refuses it), each resolved by the next run; deactivation and a
 * later run; revocation with a reason, a badNonce, a bad reason; hostile
 * answers.
 */
#include <stdio.h>
#include <string.h>
#include "t.h"
#include "acme.h"
#include "fake_server.h"
#include "pem_der.h"

static struct fs S;
static struct acme_client C;
static struct acme_port P;
static const char *const names[] = { "n0.acme.test" };
static const char *eab_kid, *eab_key;
static int cfg_ensure;
static int cfg_acct_type;            /* account_key_type */
static const struct acme_signer *cfg_acct_signer, *cfg_cert_signer;

/* The HMAC key of the fake CA, and its base64url. */
static const unsigned char eab_raw[32] = "0123456789abcdef0123456789abcde";
static char eab_b64[64];

static void
srv(uint32_t seed)
{
	fs_init(&S, seed);
	fs_port(&S, &P);
	eab_kid = eab_key = NULL;
}

static int
client(int account_only)
{
	struct acme_config cfg;

	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = FS_DIR_URL;
	cfg.trust_anchors = &S.ta;
	cfg.trust_anchor_count = 1;
	cfg.names = account_only ? NULL : names;
	cfg.name_count = account_only ? 0 : 1;
	cfg.http01_port = 80;
	cfg.agree_tos = 1;
	cfg.eab_kid = eab_kid;
	cfg.eab_hmac_key = eab_key;
	cfg.account_only = account_only;
	cfg.ensure = cfg_ensure;
	cfg.account_key_type = cfg_acct_type;
	cfg.account_signer = cfg_acct_signer;
	cfg.cert_signer = cfg_cert_signer;
	return acme_init(&C, &cfg, &P);
}

/* An order (acme_run). */
static int
issue(void)
{
	int r = client(0);

	if (r == ACME_OK)
		r = acme_run(&C);
	acme_close(&C);
	return r;
}

enum { OP_ROLL, OP_DEACT, OP_REVOKE, OP_REVOKE_CERT };

/* An account operation on a context that has no names. */
static int
op(int which, int reason)
{
	int r = client(1);

	if (r == ACME_OK)
		r = which == OP_ROLL ? acme_rollover(&C) :
		    which == OP_DEACT ? acme_deactivate(&C) :
		    acme_revoke(&C, reason, which == OP_REVOKE_CERT);
	acme_close(&C);
	return r;
}

static void
clean(const char *tag)
{
	CHECKF(S.violations == 0, "%s: %u violations, first: %s", tag,
	    S.violations, S.violation);
	CHECKF(!S.runaway, "%s: runaway client", tag);
}

/* The public point of the stored PEM key name, decoded with BearSSL
 * alone (not core/key.c).  0 or -1. */
static int
stored_pub(const char *name, unsigned char q[65])
{
	const unsigned char *d;
	long len = fs_blob(&S, name, &d);

	return len > 0 ? pem_pub(d, (size_t)len, q) : -1;
}

/* The server's key of account 0 is the stored key name. */
static int
server_has(const char *name)
{
	unsigned char q[65];

	return stored_pub(name, q) == 0 && memcmp(q, S.acct[0].q, 65) == 0;
}

static void
test_eab(void)
{
	static char wrong[64];
	const struct acme_problem *p;
	int r;

	fs_b64url(eab_b64, eab_raw, sizeof eab_raw);
	srv(3100);
	S.eab_kid = "kid-1";
	S.eab_key = eab_raw;
	S.eab_key_len = sizeof eab_raw;

	/* none: the CA says it needs one */
	r = issue();
	p = acme_problem(&C);
	CHECK(r == ACME_ERR_SERVER && S.nacct == 0);
	CHECK(p != NULL && strstr(p->type, "externalAccountRequired"));
	clean("eab none");

	/* a wrong key: refused, nothing made */
	eab_kid = "kid-1";
	fs_b64url(wrong, "another key of 32 bytes, not it", 32);
	eab_key = wrong;
	fs_clear_stats(&S);
	r = issue();
	p = acme_problem(&C);
	CHECKF(r == ACME_ERR_SERVER && S.nacct == 0, "%s", acme_message(&C));
	CHECK(p != NULL && strstr(p->detail, "MAC does not verify"));
	clean("eab wrong key");

	/* the right key: bound, issued, and the next run needs no EAB */
	eab_key = eab_b64;
	fs_clear_stats(&S);
	r = issue();
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.nacct == 1 && S.acct[0].eab);
	clean("eab right key");
	eab_kid = eab_key = NULL;
	fs_clear_stats(&S);
	CHECK(issue() == ACME_OK);
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 0);

	/* bad configurations, before any I/O */
	fs_clear_stats(&S);
	eab_kid = "kid-1";
	CHECK(client(0) == ACME_ERR_PARAM);
	eab_key = "a+b/";
	CHECK(client(0) == ACME_ERR_PARAM);
	CHECK(strstr(acme_message(&C), "base64url") != NULL);
	eab_key = "AAAA=";
	CHECK(client(0) == ACME_ERR_PARAM);
	eab_key = "QUFB"
	    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB"
	    "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB";
	CHECK(client(0) == ACME_ERR_PARAM);      /* 132 bytes > 128 */
	eab_kid = "";
	eab_key = eab_b64;
	CHECK(client(0) == ACME_ERR_PARAM);
	CHECK(S.port_calls == 0);
	eab_kid = eab_key = NULL;
}

static void
test_rollover(void)
{
	static unsigned char old[1024];
	const unsigned char *d;
	long n;
	int r, k;

	srv(3200);
	CHECK(issue() == ACME_OK);
	n = fs_blob(&S, ACME_STORE_ACCOUNT_KEY, &d);
	CHECK(n > 0 && (size_t)n < sizeof old);
	memcpy(old, d, (size_t)n);
	fs_clear_stats(&S);
	r = op(OP_ROLL, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.acct[0].keychanges == 1 && server_has(ACME_STORE_ACCOUNT_KEY));
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) == 0);
	k = fs_find(&S, FS_EP_KEYCHANGE, 0);
	CHECK(k >= 0 && S.log[k].has_kid && S.log[k].status == 200);
	/* directory, HEAD, keyChange, the check that the CA has the key */
	CHECK(S.requests == 4);
	k = fs_find(&S, FS_EP_ACCOUNT, 0);
	CHECK(k >= 0 && S.log[k].has_jwk && S.log[k].status == 200);
	clean("rollover");

	/* the new key orders */
	fs_clear_stats(&S);
	CHECK(issue() == ACME_OK);
	CHECK(S.ep_count[FS_EP_ACCOUNT] == 0);
	clean("after rollover");

	/* the old key is refused */
	fs_blob_put(&S, ACME_STORE_ACCOUNT_KEY, old, (size_t)n);
	fs_clear_stats(&S);
	CHECK(issue() == ACME_ERR_SERVER);
	CHECK(S.ep_count[FS_EP_FINALIZE] == 0);

	/* no account key stored: nothing sent */
	srv(3201);
	r = op(OP_ROLL, 0);
	CHECK(r == ACME_ERR_PARAM && S.connects == 0);
	/* account_only: no order */
	CHECK(client(1) == ACME_OK && acme_run(&C) == ACME_ERR_PARAM);
	acme_close(&C);
	CHECK(S.connects == 0);
	/* an operation on a context that ran */
	srv(3202);
	CHECK(issue() == ACME_OK);
	CHECK(client(0) == ACME_OK && acme_run(&C) == ACME_OK);
	CHECK(acme_rollover(&C) == ACME_ERR_PARAM);
	acme_close(&C);
#if ACME_KEY_P384
	/* an ES384 account: keyChange's oldKey is its P-384 JWK; the new
	 * key (P-256) orders */
	srv(3203);
	cfg_acct_type = ACME_KEYTYPE_P384;
	CHECK(issue() == ACME_OK);
	cfg_acct_type = 0;
	CHECK(S.nacct == 1 && S.acct[0].qlen == 97);
	r = op(OP_ROLL, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.acct[0].keychanges == 1 && S.acct[0].qlen == 65);
	fs_clear_stats(&S);
	CHECK(issue() == ACME_OK && S.ep_count[FS_EP_ACCOUNT] == 0);
	clean("ES384 rollover");
#endif
}

/*
 * A rollover cut short: the next run (an order) asks the CA which key it
 * holds and goes on with that one; nothing is lost.
 */
static void
test_rollover_cut(void)
{
	unsigned char q[65];
	unsigned ops;
	int r, k;

	/* The power fails as the new key is being made account.key: the
	 * CA has it, account-new.key holds it. */
	srv(3300);
	CHECK(issue() == ACME_OK);
	ops = S.store->ops;
	S.store_cut_at = ops + 2;     /* staged, then account.key */
	fs_clear_stats(&S);
	r = op(OP_ROLL, 0);
	CHECK(r == ACME_ERR_STORAGE && S.acct[0].keychanges == 1);
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY_NEW));
	CHECK(!server_has(ACME_STORE_ACCOUNT_KEY));
	S.store_cut_at = 0;
	fs_clear_stats(&S);
	r = issue();
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY));
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) == 0);
	k = fs_find(&S, FS_EP_ACCOUNT, 0);
	CHECK(k >= 0 && S.log[k].has_jwk && S.log[k].status == 200);
	CHECK(S.nacct == 1);
	clean("cut after keyChange");

	/* The CA never took it (keyChange fails every time): the staged
	 * key is dropped, the old one orders. */
	srv(3301);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_KEYCHANGE, 1, 0, FS_ACT_STATUS, 500, -1, NULL);
	r = op(OP_ROLL, 0);
	CHECK(r == ACME_ERR_SERVER && S.acct[0].keychanges == 0);
	CHECK(stored_pub(ACME_STORE_ACCOUNT_KEY_NEW, q) == 0);
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY));
	S.nrules = 0;
	fs_clear_stats(&S);
	r = issue();
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY));
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) == 0);
	k = fs_find(&S, FS_EP_ACCOUNT, 0);
	CHECK(k >= 0 && S.log[k].status == 400);
	CHECK(S.nacct == 1);
	clean("keyChange refused");

	/* The same run again after a cut: rollover sends the staged key. */
	srv(3302);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_KEYCHANGE, 1, 0, FS_ACT_STATUS, 500, -1, NULL);
	CHECK(op(OP_ROLL, 0) == ACME_ERR_SERVER);
	CHECK(stored_pub(ACME_STORE_ACCOUNT_KEY_NEW, q) == 0);
	S.nrules = 0;
	fs_clear_stats(&S);
	CHECK(op(OP_ROLL, 0) == ACME_OK);
	CHECK(memcmp(q, S.acct[0].q, 65) == 0);
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY));
	clean("rollover resumed");

	/* The same cut, settled by an ensure that only meant to ask ARI
	 * and then renews: the staged key is settled first, and never
	 * becomes the certificate's key. */
	srv(3305);
	cfg_ensure = 1;
	S.ari = 1;
	S.ari_start = FS_T0 + 40 * 86400;
	S.ari_end = FS_T0 + 41 * 86400;
	CHECK(issue() == ACME_OK);
	S.store_cut_at = S.store->ops + 2;
	CHECK(op(OP_ROLL, 0) == ACME_ERR_STORAGE);
	S.store_cut_at = 0;
	S.ari_start = FS_T0 - 2 * 86400;
	S.ari_end = FS_T0 - 86400;
	S.now += 7 * 3600 * 1000ULL;
	fs_clear_stats(&S);
	r = issue();
	cfg_ensure = 0;
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.ep_count[FS_EP_ARI] == 1 && S.ep_count[FS_EP_FINALIZE] == 1);
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY));
	CHECK(!server_has(ACME_STORE_CERT_KEY));
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) == 0);
	clean("cut, then ensure with ARI");

	/* Hostile: the CA's answer about the staged key names a foreign
	 * account URL: refused, the staged key kept for the next run. */
	srv(3306);
	CHECK(issue() == ACME_OK);
	S.store_cut_at = S.store->ops + 2;
	CHECK(op(OP_ROLL, 0) == ACME_ERR_STORAGE);
	S.store_cut_at = 0;
	fs_add_rule(&S, FS_EP_ACCOUNT, 1, 1, FS_ACT_FOREIGN, 0, 0,
	    "https://evil.test");
	fs_clear_stats(&S);
	CHECK(issue() == ACME_ERR_PROTOCOL);
	CHECK(server_has(ACME_STORE_ACCOUNT_KEY_NEW));
	CHECK(S.ep_count[FS_EP_ORDER] == 0);
	S.nrules = 0;
	fs_clear_stats(&S);
	CHECK(issue() == ACME_OK && server_has(ACME_STORE_ACCOUNT_KEY));

	/* A 200 that changed nothing: the old key stays. */
	srv(3304);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_KEYCHANGE, 1, 1, FS_ACT_RAW, 0, 0,
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n{}");
	fs_clear_stats(&S);
	r = op(OP_ROLL, 0);
	CHECKF(r == ACME_ERR_PROTOCOL, "%s", acme_message(&C));
	CHECK(S.acct[0].keychanges == 0 && server_has(ACME_STORE_ACCOUNT_KEY));
	S.nrules = 0;
	fs_clear_stats(&S);
	CHECK(issue() == ACME_OK);
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) == 0);
	clean("keyChange 200 without effect");

	/* The answer to keyChange is lost: the retry gets 409 (the key is
	 * in use), the CA is asked, the rollover completes. */
	srv(3303);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_KEYCHANGE, 1, 1, FS_ACT_DROP_AFTER, 0, 0, NULL);
	fs_clear_stats(&S);
	r = op(OP_ROLL, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.acct[0].keychanges == 1 && server_has(ACME_STORE_ACCOUNT_KEY));
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) == 0);
	/* the retry, signed by the old key, is refused; then the CA says */
	CHECK(S.ep_count[FS_EP_KEYCHANGE] == 2);
	k = fs_find(&S, FS_EP_ACCOUNT, 0);
	CHECK(k >= 0 && S.log[k].has_jwk && S.log[k].status == 200);
	CHECK(S.violations == 1 && strstr(S.violation, "does not verify"));
	CHECK(!S.runaway);
	fs_clear_stats(&S);
	CHECK(issue() == ACME_OK);
	clean("after the lost answer");
}

/* A board's signer that must never be called. */
static long
never_pub(void *ctx, unsigned char *out, size_t cap)
{
	(void)ctx, (void)out, (void)cap;
	CHECK(0);
	return -1;
}

static long
never_sign(void *ctx, const unsigned char *d, size_t dlen,
    unsigned char *sig, size_t cap)
{
	(void)ctx, (void)d, (void)dlen, (void)sig, (void)cap;
	CHECK(0);
	return -1;
}

/* The account operations sign with the stored software keys: with a
 * board's signer each is refused before any request, with a message. */
static void
test_signer_refused(void)
{
	static const struct acme_signer chip = {
		ACME_ALG_ES256, never_pub, never_sign, NULL
	};
	static const int ops[] = { OP_ROLL, OP_DEACT, OP_REVOKE };
	unsigned i;

	srv(3500);
	CHECK(issue() == ACME_OK);
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		T_CASE("%s: account signer, op %u", __func__, i);
		fs_clear_stats(&S);
		cfg_acct_signer = &chip;
		CHECK(op(ops[i], 0) == ACME_ERR_PARAM && S.connects == 0);
		CHECK(strstr(acme_message(&C), "signer") != NULL);
		cfg_acct_signer = NULL;
	}
	T_CASE("%s: certificate signer, revoke by its key", __func__);
	fs_clear_stats(&S);
	cfg_cert_signer = &chip;
	CHECK(op(OP_REVOKE_CERT, 4) == ACME_ERR_PARAM && S.connects == 0);
	cfg_cert_signer = NULL;
	/* the software keys still work */
	CHECK(op(OP_REVOKE, 4) == ACME_OK);
	clean("signer refused");
}

static void
test_deactivate(void)
{
	const unsigned char *d;
	long n;
	int r, k;

	srv(3400);
	CHECK(issue() == ACME_OK);
	fs_clear_stats(&S);
	r = op(OP_DEACT, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.acct[0].deactivated);
	n = fs_blob(&S, ACME_STORE_ACCOUNT_URL, &d);
	CHECK(n > 12 && memcmp(d, "deactivated\n", 12) == 0);
	clean("deactivate");
	/* a later run stops, without a request */
	fs_clear_stats(&S);
	CHECK(issue() == ACME_ERR_INVALID && S.connects == 0);
	CHECK(strstr(acme_message(&C), "deactivated") != NULL);
	CHECK(op(OP_ROLL, 0) == ACME_ERR_INVALID && S.connects == 0);

	/* no account URL stored: the account is looked up by its key */
	srv(3402);
	CHECK(issue() == ACME_OK);
	fs_blob_put(&S, ACME_STORE_ACCOUNT_URL, "", 0);
	fs_clear_stats(&S);
	r = op(OP_DEACT, 0);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	k = fs_find(&S, FS_EP_ACCOUNT, 0);
	CHECK(k >= 0 && S.log[k].has_jwk && S.log[k].status == 200);
	CHECK(S.acct[0].deactivated && S.nacct == 1);
	clean("deactivate, account looked up");
	/* a key the CA has no account for: none is made, nothing staged */
	srv(3403);
	CHECK(issue() == ACME_OK);
	S.nacct = 0;
	fs_blob_put(&S, ACME_STORE_ACCOUNT_URL, "", 0);
	fs_clear_stats(&S);
	CHECK(op(OP_ROLL, 0) == ACME_ERR_INVALID);
	CHECK(strstr(acme_message(&C), "no account") != NULL);
	CHECK(S.nacct == 0 && S.ep_count[FS_EP_KEYCHANGE] == 0);
	CHECK(fs_blob(&S, ACME_STORE_ACCOUNT_KEY_NEW, NULL) < 0);
	clean("no account");

	/* hostile: "valid" after a deactivation is not taken for done */
	srv(3401);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_ACCT, 1, 0, FS_ACT_BODY, 0, 0,
	    "{\"status\":\"valid\"}");
	CHECK(op(OP_DEACT, 0) == ACME_ERR_PROTOCOL);
	n = fs_blob(&S, ACME_STORE_ACCOUNT_URL, &d);
	CHECK(n > 8 && memcmp(d, "https://", 8) == 0);
	/* a 4xx: the server's problem */
	S.nrules = 0;
	fs_add_rule(&S, FS_EP_ACCT, 1, 0, FS_ACT_STATUS, 403, -1,
	    "unauthorized");
	CHECK(op(OP_DEACT, 0) == ACME_ERR_SERVER);
	CHECK(acme_problem(&C) != NULL && acme_problem(&C)->status == 403);
}

static void
test_revoke(void)
{
	const unsigned char *d;
	int r;

	/* by the account, with a badNonce on the way: the payload is
	 * built anew from storage */
	srv(3500);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_REVOKE, 1, 1, FS_ACT_BADNONCE, 0, 0, NULL);
	fs_clear_stats(&S);
	r = op(OP_REVOKE, ACME_REASON_KEY_COMPROMISE);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.order[0].revoked && S.order[0].reason == 1 &&
	    !S.order[0].revoked_by_jwk);
	CHECK(S.ep_count[FS_EP_REVOKE] == 2);
	clean("revoke by account");
	/* again: alreadyRevoked */
	CHECK(op(OP_REVOKE, 0) == ACME_ERR_SERVER);
	CHECK(strstr(acme_problem(&C)->type, "alreadyRevoked") != NULL);

	/* by the certificate's key, without any account stored */
	srv(3501);
	CHECK(issue() == ACME_OK);
	fs_blob_put(&S, ACME_STORE_ACCOUNT_KEY, "", 0);
	fs_clear_stats(&S);
	r = op(OP_REVOKE_CERT, ACME_REASON_SUPERSEDED);
	CHECKF(r == ACME_OK, "%s", acme_message(&C));
	CHECK(S.order[0].revoked && S.order[0].reason == 4 &&
	    S.order[0].revoked_by_jwk);
	clean("revoke by cert key");

	/* a CA that keeps failing: bounded retries, then its problem */
	srv(3503);
	CHECK(issue() == ACME_OK);
	fs_add_rule(&S, FS_EP_REVOKE, 1, 0, FS_ACT_STATUS, 503, 1, NULL);
	fs_clear_stats(&S);
	CHECK(op(OP_REVOKE, 0) == ACME_ERR_SERVER);
	CHECK(S.ep_count[FS_EP_REVOKE] == ACME_NET_RETRIES + 1);
	CHECK(!S.order[0].revoked && !S.runaway);

	/* bad reasons and no certificate: nothing sent */
	srv(3502);
	CHECK(issue() == ACME_OK);
	fs_clear_stats(&S);
	CHECK(op(OP_REVOKE, 7) == ACME_ERR_PARAM);
	CHECK(op(OP_REVOKE, 11) == ACME_ERR_PARAM);
	CHECK(op(OP_REVOKE, -1) == ACME_ERR_PARAM);
	CHECK(S.connects == 0);
	fs_blob_put(&S, ACME_STORE_CERT, "junk", 4);
	CHECK(op(OP_REVOKE, 0) == ACME_ERR_PARAM);
	CHECK(S.ep_count[FS_EP_REVOKE] == 0);
	CHECK(fs_blob(&S, ACME_STORE_CERT, &d) == 4);
}

int
main(void)
{
	T_RUN(test_eab);
	T_RUN(test_rollover);
	T_RUN(test_rollover_cut);
	T_RUN(test_deactivate);
	T_RUN(test_signer_refused);
	T_RUN(test_revoke);
	return t_done("account");
}
