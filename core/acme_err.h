/*
 * acme_err.h -- the one error enum of picoacme (included by acme.h).
 *
 * ACME_OK is zero; every error is negative.  The error of a flow is sticky
 * in struct acme_client (acme_error()); acme_strerror() names it.
 */
#ifndef ACME_ERR_H
#define ACME_ERR_H

enum acme_err {
	ACME_OK = 0,
	ACME_ERR_PARAM = -1,      /* bad argument or configuration */
	ACME_ERR_TOO_LARGE = -2,  /* a value does not fit its configured limit */
	ACME_ERR_NET = -3,        /* connect, send or receive failed; peer closed */
	ACME_ERR_TIMEOUT = -4,    /* no progress within the configured time */
	ACME_ERR_TLS = -5,        /* TLS handshake or record error, bad chain */
	ACME_ERR_HTTP = -6,       /* malformed or truncated HTTP response */
	ACME_ERR_JSON = -7,       /* malformed JSON or a field missing/mistyped */
	ACME_ERR_SERVER = -8,     /* the server answered with a problem document */
	ACME_ERR_BAD_NONCE = -9,  /* badNonce retries exhausted */
	ACME_ERR_CRYPTO = -10,    /* key generation, signing or encoding failed */
	ACME_ERR_ENTROPY = -11,   /* the port had no entropy */
	ACME_ERR_STORAGE = -12,   /* load or store failed */
	ACME_ERR_PROTOCOL = -13,  /* an answer RFC 8555 does not allow here */
	ACME_ERR_INVALID = -14,   /* authorization or order became invalid */
	ACME_ERR_RETRIES = -15,   /* poll or retry bound exhausted */
	ACME_ERR_TIME = -16,      /* the port has no wall-clock time */
	ACME_ERR_RESPONDER = -17, /* the challenge responder could not listen */
	ACME_ERR_TERMS = -18,     /* a new account needs the CA's terms of
	                           * service agreed (acme_config.agree_tos) */
	ACME_ERR_BACKOFF = -19,   /* an earlier failure or the CA's
	                           * Retry-After: no request before
	                           * acme_next_check() */
	ACME_ERR_ABI = -20        /* the application was compiled with other
	                           * ACME_* limits than the library */
};

#endif
