/*
 * keys.c -- the account key and the certificate key of a client: the
 * software keys (key.h, key_rsa.h) made, stored and read through the
 * port, or the board's signers (acme_signer.h), which the context only
 * points to.  Everything else signs and reads public keys through a
 * struct acme_signer made here, so it does not care which.
 */
#include <string.h>
#include "acme_int.h"
#include "signer.h"
#include "wipe.h"

/* The BearSSL curve of a software EC key type. */
static int
keys_curve(unsigned type)
{
	return type == ACME_KEYTYPE_P384 ? BR_EC_secp384r1 : BR_EC_secp256r1;
}

int
keys_init(struct acme_client *c, const struct acme_config *cfg)
{
	const struct acme_signer *as = cfg->account_signer;
	const struct acme_signer *cs = cfg->cert_signer;
	int at = cfg->account_key_type, ct = cfg->cert_key_type;

	/* the types and algs this build has (acme_config.h) */
	if (at < 0 || ct < 0 || at > ACME_KEYTYPE_P384 * ACME_KEY_P384 ||
	    (ct == ACME_KEYTYPE_P384 && !ACME_KEY_P384) ||
	    (ct == ACME_KEYTYPE_RSA2048 && !ACME_KEY_RSA) ||
	    ct > ACME_KEYTYPE_RSA2048)
		return acme_fail(c, ACME_ERR_PARAM, "key type not built in",
		    NULL);
	if ((as != NULL && (!signer_alg_ok(as->alg, 1) ||
	    as->public_key == NULL || as->sign == NULL)) ||
	    (cs != NULL && (!signer_alg_ok(cs->alg, 0) ||
	    cs->public_key == NULL || cs->sign == NULL)))
		return acme_fail(c, ACME_ERR_PARAM, "signer alg not built in, "
		    "or a callback missing", NULL);
	c->account_type = (unsigned char)at;
	c->cert_type = (unsigned char)ct;
	c->account_signer = as;
	c->cert_signer = cs;
	return ACME_OK;
}

int
keys_account_make(struct acme_client *c)
{
	return key_generate_curve(&c->account_key,
	    keys_curve(c->account_type), &c->port);
}

void
keys_account(struct acme_client *c, struct acme_signer *s)
{
	if (c->account_signer != NULL)
		*s = *c->account_signer;
	else
		signer_ec(s, &c->account_key);
}

int
keys_cert_ready(const struct acme_client *c)
{
#if ACME_KEY_RSA
	if (c->cert_signer == NULL && c->cert_type == ACME_KEYTYPE_RSA2048)
		return c->cert_rsa.valid;
#endif
	return c->cert_signer != NULL || c->cert_key.valid;
}

/* The signer of the certificate key, once there is one. */
static void
keys_cert_signer(struct acme_client *c, struct acme_signer *s)
{
	if (c->cert_signer != NULL) {
		*s = *c->cert_signer;
		return;
	}
#if ACME_KEY_RSA
	if (c->cert_type == ACME_KEYTYPE_RSA2048) {
		signer_rsa(s, &c->cert_rsa);
		return;
	}
#endif
	signer_ec(s, &c->cert_key);
}

int
keys_cert(struct acme_client *c, struct acme_signer *s)
{
	int r = ACME_OK;

	if (!keys_cert_ready(c)) {
#if ACME_KEY_RSA
		if (c->cert_type == ACME_KEYTYPE_RSA2048)
			r = key_rsa_generate(&c->cert_rsa, &c->port);
		else
#endif
			r = key_generate_curve(&c->cert_key,
			    keys_curve(c->cert_type), &c->port);
	}
	keys_cert_signer(c, s);
	return r;
}

long
keys_cert_pub(struct acme_client *c, unsigned char *out, size_t cap)
{
	struct acme_signer s;

	if (!keys_cert_ready(c))
		return ACME_ERR_CRYPTO;
	keys_cert_signer(c, &s);
	return signer_pub(&s, out, cap);
}

long
keys_cert_pem(struct acme_client *c, char *dst, size_t cap)
{
	if (c->cert_signer != NULL)
		return 0;
#if ACME_KEY_RSA
	if (c->cert_type == ACME_KEYTYPE_RSA2048)
		return key_rsa_to_pem(&c->cert_rsa, dst, cap);
#endif
	return key_to_pem(&c->cert_key, dst, cap);
}

/*
 * The public key of the stored certificate key: the signer's, or that of
 * the software key in ACME_STORE_CERT_KEY (EC or RSA, whatever
 * cert_key_type says now: a stored certificate is judged by the key it
 * was issued for), read into c->body and wiped there.  The length, or
 * ACME_ERR_CRYPTO when the stored key is missing or unreadable.
 */
long
keys_stored_cert_pub(struct acme_client *c, unsigned char *out, size_t cap)
{
	struct acme_signer s;
	long n, r = ACME_ERR_CRYPTO;

	if (c->cert_signer != NULL)
		return signer_pub(c->cert_signer, out, cap);
	n = c->port.load(c->port.ctx, ACME_STORE_CERT_KEY, c->body,
	    sizeof c->body - 1);
	if (n <= 0)
		goto out_wipe;
	if (key_from_pem(&c->cert_key, c->body, (size_t)n) == ACME_OK) {
		signer_ec(&s, &c->cert_key);
		r = signer_pub(&s, out, cap);
	}
#if ACME_KEY_RSA
	else if (key_rsa_from_pem(&c->cert_rsa, c->body, (size_t)n) ==
	    ACME_OK) {
		signer_rsa(&s, &c->cert_rsa);
		r = signer_pub(&s, out, cap);
	}
#endif
out_wipe:
	wipe(c->body, sizeof c->body);
	keys_cert_wipe(c);
	return r;
}

void
keys_cert_wipe(struct acme_client *c)
{
	key_wipe(&c->cert_key);
#if ACME_KEY_RSA
	key_rsa_wipe(&c->cert_rsa);
#endif
}
