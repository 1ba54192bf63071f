/*
 * tls.c -- see tls.h.
 */
#include <string.h>
#include "tls.h"
#include "acme_err.h"
#include "wipe.h"

/*
 * Every profile: TLS 1.2 only, ECDHE key exchange and AEAD record
 * protection (an ACME client needs nothing older: RFC 8555 6.1 asks for
 * TLS 1.2 or later, and the CA/Browser Forum servers offer these).  No
 * static-RSA or static-ECDH key exchange, no CBC, no 3DES, no RC4, no
 * TLS 1.0/1.1: br_ssl_client_init_full would allow all of them.
 *
 * The small profile (ACME_TLS_FULL 0): ECDHE-ECDSA with AES-128-GCM or
 * ChaCha20-Poly1305, P-256, SHA-256 (and SHA-384 for chains signed with
 * it), ECDSA-signed certificate chains.  What a Pebble-like server needs.
 *
 * ACME_TLS_PUBLIC_CA adds what public CAs use: ECDHE-RSA suites, RSA
 * (PKCS#1 v1.5) signatures in the chain and the key exchange, and P-384
 * (and P-521) ECDSA chains, e.g. Let's Encrypt's RSA and ECDSA
 * hierarchies.  Its flash cost is measured by make size.
 *
 * ACME_TLS_FULL (the host default): all of that, plus AES-256-GCM
 * suites and SHA-512 signatures.
 *
 * Two options take code out of any profile (a firmware for public CAs,
 * where flash is short): ACME_TLS_CHACHA20 0 leaves out the
 * ChaCha20-Poly1305 suites (every public CA offers AES-GCM), and
 * ACME_TLS_X25519 0 leaves out Curve25519 (BearSSL's br_ec_all_* bring
 * it in): key exchange and chains on the NIST curves only, P-256 by the
 * specialised code the account key uses anyway, P-384 and P-521 by the
 * generic one.
 */
#if ACME_TLS_FULL
#define TLS_RSA 1
#else
#define TLS_RSA ACME_TLS_PUBLIC_CA
#endif

#if ACME_EC_I15
#define TLS_EC_P256 br_ec_p256_m15
#define TLS_EC_PRIME br_ec_prime_i15
#define TLS_EC_ALL br_ec_all_m15
#define TLS_ECDSA_VRFY br_ecdsa_i15_vrfy_asn1
#define TLS_RSA_VRFY br_rsa_i15_pkcs1_vrfy
#else
#define TLS_EC_P256 br_ec_p256_m31
#define TLS_EC_PRIME br_ec_prime_i31
#define TLS_EC_ALL br_ec_all_m31
#define TLS_ECDSA_VRFY br_ecdsa_i31_vrfy_asn1
#define TLS_RSA_VRFY br_rsa_i31_pkcs1_vrfy
#endif

#if TLS_RSA && !ACME_TLS_X25519
/* The NIST curves without Curve25519: what br_ec_all_* does, minus one
 * curve (ec_all_m15.c). */
#define TLS_EC_PICK(curve) ((curve) == BR_EC_secp256r1 ? &TLS_EC_P256 : \
    &TLS_EC_PRIME)

static const unsigned char *
tls_ec_generator(int curve, size_t *len)
{
	return TLS_EC_PICK(curve)->generator(curve, len);
}

static const unsigned char *
tls_ec_order(int curve, size_t *len)
{
	return TLS_EC_PICK(curve)->order(curve, len);
}

static size_t
tls_ec_xoff(int curve, size_t *len)
{
	return TLS_EC_PICK(curve)->xoff(curve, len);
}

static uint32_t
tls_ec_mul(unsigned char *g, size_t glen, const unsigned char *k,
    size_t klen, int curve)
{
	return TLS_EC_PICK(curve)->mul(g, glen, k, klen, curve);
}

static size_t
tls_ec_mulgen(unsigned char *r, const unsigned char *k, size_t klen,
    int curve)
{
	return TLS_EC_PICK(curve)->mulgen(r, k, klen, curve);
}

static uint32_t
tls_ec_muladd(unsigned char *a, const unsigned char *b, size_t len,
    const unsigned char *x, size_t xlen, const unsigned char *y,
    size_t ylen, int curve)
{
	return TLS_EC_PICK(curve)->muladd(a, b, len, x, xlen, y, ylen,
	    curve);
}

static const br_ec_impl tls_ec_nist = {
	(uint32_t)1 << BR_EC_secp256r1 | (uint32_t)1 << BR_EC_secp384r1 |
	    (uint32_t)1 << BR_EC_secp521r1,
	tls_ec_generator, tls_ec_order, tls_ec_xoff, tls_ec_mul,
	tls_ec_mulgen, tls_ec_muladd
};
#undef TLS_EC_ALL
#define TLS_EC_ALL tls_ec_nist
#endif

static void
tls_client_profile(br_ssl_client_context *cc, br_x509_minimal_context *xc,
    const br_x509_trust_anchor *tas, size_t ntas)
{
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
#if ACME_TLS_CHACHA20
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
#if ACME_TLS_FULL
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
#endif
#if TLS_RSA
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
#if ACME_TLS_CHACHA20
		BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
#endif
#if ACME_TLS_FULL
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
#endif
	};
#if TLS_RSA
	const br_ec_impl *ec = &TLS_EC_ALL;
#else
	const br_ec_impl *ec = &TLS_EC_P256;
#endif

	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
	br_x509_minimal_init(xc, &br_sha256_vtable, tas, ntas);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_suites(&cc->eng, suites,
	    sizeof suites / sizeof suites[0]);
	br_ssl_engine_set_hash(&cc->eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(&cc->eng, br_sha384_ID, &br_sha384_vtable);
#if ACME_TLS_FULL
	br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_hash(&cc->eng, br_sha512_ID, &br_sha512_vtable);
#endif
	br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(&cc->eng);
#if ACME_TLS_CHACHA20
	br_ssl_engine_set_default_chapol(&cc->eng);
#endif
	br_ssl_engine_set_ec(&cc->eng, ec);
	br_ssl_engine_set_ecdsa(&cc->eng, &TLS_ECDSA_VRFY);
	br_x509_minimal_set_ecdsa(xc, ec, &TLS_ECDSA_VRFY);
#if TLS_RSA
	br_ssl_engine_set_rsavrfy(&cc->eng, &TLS_RSA_VRFY);
	br_x509_minimal_set_rsa(xc, &TLS_RSA_VRFY);
#endif
}

void
tls_init(struct tls_conn *t)
{
	memset(t, 0, sizeof *t);
	t->h = -1;
}

int
tls_is_open_to(const struct tls_conn *t, const char *host, uint16_t port)
{
	if (t->h < 0 || t->port != port || strcmp(t->host, host) != 0)
		return 0;
	return (br_ssl_engine_current_state(&t->sc.eng) & BR_SSL_CLOSED) == 0;
}

int
tls_open(struct tls_conn *t, const struct acme_port *p, const char *host,
    uint16_t port, const br_x509_trust_anchor *tas, size_t ntas,
    uint64_t unix_time)
{
	size_t hl = strlen(host);
	unsigned char seed[32];
	uint64_t days;
	int ip;

	tls_close(t, p);
	if (hl > ACME_MAX_NAME)
		return ACME_ERR_TOO_LARGE;
	/* Without the date no certificate validity can be checked. */
	if (unix_time == 0)
		return ACME_ERR_TIME;
	tls_client_profile(&t->sc, &t->xc, tas, ntas);
	/* BearSSL counts days from 0000-01-01; 719528 is 1970-01-01. */
	days = unix_time / 86400 + 719528;
	br_x509_minimal_set_time(&t->xc, (uint32_t)days,
	    (uint32_t)(unix_time % 86400));
#if ACME_SERVER_IP
	/* Minimal checks DNS names; the wrapper around it IP literals. */
	ip = x509ip_init(&t->xi, &t->xc, host);
	br_ssl_engine_set_x509(&t->sc.eng, &t->xi.vtable);
#else
	/* acme_init() refused an address as the host: DNS names only. */
	ip = 0;
	br_ssl_engine_set_x509(&t->sc.eng, &t->xc.vtable);
#endif
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof t->iobuf, 0);
	/* The engine's PRNG is seeded from the port, always: a firmware
	 * BearSSL has no system seeder (no /dev/urandom), and reset fails
	 * without a seed. */
	if (p->entropy(p->ctx, seed, sizeof seed) != 0) {
		wipe(seed, sizeof seed);
		return ACME_ERR_ENTROPY;
	}
	br_ssl_engine_inject_entropy(&t->sc.eng, seed, sizeof seed);
	wipe(seed, sizeof seed);
	/* RFC 6066 3: no SNI for an address ("HostName" is a DNS name). */
	if (!br_ssl_client_reset(&t->sc, ip ? NULL : host, 0))
		return ACME_ERR_TLS;
	t->h = p->connect(p->ctx, host, port, ACME_CONNECT_TIMEOUT_MS);
	if (t->h < 0)
		return ACME_ERR_NET;
	memcpy(t->host, host, hl + 1);
	t->port = port;
	t->uses = 0;
	t->last_error = 0;
	return ACME_OK;
}

void
tls_close(struct tls_conn *t, const struct acme_port *p)
{
	if (t->h >= 0)
		p->close(p->ctx, t->h);
	t->h = -1;
	t->host[0] = 0;
	t->port = 0;
}

int
tls_xfer_step(struct tls_conn *t, const struct acme_port *p,
    struct tls_xfer *x)
{
	br_ssl_engine_context *eng = &t->sc.eng;

	if (t->h < 0)
		return ACME_ERR_NET;
	for (;;) {
		unsigned st = br_ssl_engine_current_state(eng);
		unsigned char *buf;
		size_t len;
		int n, i;

		if (st & BR_SSL_CLOSED) {
			t->last_error = br_ssl_engine_last_error(eng);
			tls_close(t, p);
			if (t->last_error != BR_ERR_OK)
				return ACME_ERR_TLS;
			/* A close_notify: the stream ended where the
			 * server meant it to end. */
			x->eof = 1;
			x->close_notify = 1;
			return ACME_ERR_NET;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			n = p->send(p->ctx, t->h, buf, len);
			if (n < 0) {
				tls_close(t, p);
				return ACME_ERR_NET;
			}
			if (n == 0)
				return 0;
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
			continue;
		}
		if (st & BR_SSL_RECVAPP) {
			size_t used = 0;

			buf = br_ssl_engine_recvapp_buf(eng, &len);
			n = x->sink(x->arg, buf, len, &used);
			if (used > len)
				used = len;
			x->rx_bytes += used;
			br_ssl_engine_recvapp_ack(eng, used);
			if (n < 0)
				return n;
			if (n == 1) {
				x->leftover = len - used;
				return 1;
			}
			continue;
		}
		if (st & BR_SSL_SENDAPP) {
			for (i = 0; i < 2; i++)
				if (x->tx_off[i] < x->tx_len[i])
					break;
			if (i < 2) {
				size_t want = x->tx_len[i] - x->tx_off[i];

				buf = br_ssl_engine_sendapp_buf(eng, &len);
				if (len > want)
					len = want;
				memcpy(buf, x->tx[i] + x->tx_off[i], len);
				br_ssl_engine_sendapp_ack(eng, len);
				x->tx_off[i] += len;
				continue;
			}
			if (!x->flushed) {
				br_ssl_engine_flush(eng, 0);
				x->flushed = 1;
				continue;
			}
		}
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(eng, &len);
			n = p->recv(p->ctx, t->h, buf, len);
			if (n < 0) {
				tls_close(t, p);
				x->eof = 1;
				return ACME_ERR_NET;
			}
			if (n == 0)
				return 0;
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			/* Back to the caller after every read, so that a
			 * server dripping bytes meets the caller's deadline. */
			return TLS_PROGRESS;
		}
		/* Nothing the engine can do: wait for the transport. */
		return 0;
	}
}
