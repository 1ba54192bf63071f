/*
 * challenge_tlsalpn01.c -- see challenge_tlsalpn01.h.
 *
 * Each slot's engine is a BearSSL server context set up afresh for every
 * connection: TLS 1.2, one suite, P-256, the ALPN name "acme-tls/1" with
 * BR_OPT_FAIL_ON_ALPN_MISMATCH, and BearSSL's single-EC policy holding
 * the ephemeral key.  The engine's policy pointer is then turned to
 * struct tlsalpn01_conn.policy, whose choose() runs after the ClientHello
 * is parsed and before anything is sent (ssl_hs_server.t0): it checks the
 * negotiated protocol and the SNI, points the single-EC policy at the
 * certificate of the name asked for, and hands over to it for the suite
 * and, later, the ServerKeyExchange signature.  A choose() that returns
 * 0 makes BearSSL send a handshake_failure alert.
 */
#include <stddef.h>
#include <string.h>
#include "challenge_tlsalpn01.h"

#if ACME_TLSALPN01

#include "acme_err.h"
#include "csr.h"
#include "der.h"
#include "ident.h"
#include "str.h"
#include "wipe.h"

/* The certificate's issuer and subject commonName. */
#define TLSALPN01_CN "picoacme"

/* 1.3.6.1.5.5.7.1.31 id-pe-acmeIdentifier (RFC 8737 6.1) */
static const uint8_t tlsalpn01_oid_acmeid[] = {
	0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1F
};
/* 2.5.29.17 id-ce-subjectAltName (RFC 5280 4.2.1.6) */
static const uint8_t tlsalpn01_oid_san[] = { 0x55, 0x1D, 0x11 };

/* ---- names and addresses ---- */

size_t
tlsalpn01_ip_parse(const char *s, uint8_t ip[16])
{
	size_t len;

	return ident_parse(s, ip, &len) == IDENT_IP ? len : 0;
}

size_t
tlsalpn01_reverse_name(char *dst, size_t cap, const uint8_t *ip,
    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char nib[3];
	size_t i;
	int bad = 0;

	if (dst == NULL || cap == 0)
		return 0;
	dst[0] = '\0';
	if (len != 4 && len != 16)
		return 0;
	nib[1] = '.';
	nib[2] = '\0';
	for (i = len; i-- > 0; ) {
		if (len == 4) {
			bad |= str_cat_u(dst, cap, ip[i]);
			bad |= str_cat(dst, cap, ".");
			continue;
		}
		nib[0] = hex[ip[i] & 0x0F];
		bad |= str_cat(dst, cap, nib);
		nib[0] = hex[ip[i] >> 4];
		bad |= str_cat(dst, cap, nib);
	}
	bad |= str_cat(dst, cap, len == 4 ? "in-addr.arpa" : "ip6.arpa");
	if (bad) {
		dst[0] = '\0';
		return 0;
	}
	return strlen(dst);
}

/* 1 when the SNI sni names name: ASCII case ignored, one trailing dot
 * in sni allowed (RFC 6066 3 sends none; some clients do). */
static int
tlsalpn01_name_eq(const char *sni, const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		char a = sni[i], b = name[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return 0;
	}
	return sni[i] == '\0' || (sni[i] == '.' && sni[i + 1] == '\0');
}

/* The index of the identifier the SNI sni names, or -1. */
static int
tlsalpn01_match(const struct tlsalpn01 *r, const char *sni)
{
	char rev[TLSALPN01_REVERSE_MAX];
	const struct tlsalpn01_id *id;
	unsigned i;

	if (sni == NULL || sni[0] == '\0')
		return -1;
	for (i = 0; i < r->nids; i++) {
		id = &r->id[i];
		if (id->cert_len == 0)
			continue;
		if (id->type == TLSALPN01_IP) {
			if (tlsalpn01_reverse_name(rev, sizeof rev, id->ip,
			    id->ip_len) > 0 && tlsalpn01_name_eq(sni, rev))
				return (int)i;
		} else if (tlsalpn01_name_eq(sni, id->name)) {
			return (int)i;
		}
	}
	return -1;
}

void
tlsalpn01_digest(uint8_t out[32], const char *token, const char *thumb)
{
	br_sha256_context h;

	br_sha256_init(&h);
	br_sha256_update(&h, token, strlen(token));
	br_sha256_update(&h, ".", 1);
	br_sha256_update(&h, thumb, strlen(thumb));
	br_sha256_out(&h, out);
	wipe(&h, sizeof h);
}

/* ---- the certificate ---- */

/*
 * Prepend the TBSCertificate (RFC 5280 4.1) of identifier arg: v3,
 * serial from the digest, ecdsa-with-SHA256, issuer = subject =
 * CN=picoacme, 1970 to 9999, the responder's key, and the two extensions
 * of RFC 8737 3.  Deterministic, as csr_signed() needs.
 */
struct tlsalpn01_tbs {
	const struct tlsalpn01_id *id;
	const br_ec_public_key *pk;
};

static void
tlsalpn01_tbs(struct der_w *w, const void *arg)
{
	static const uint8_t v3 = 2, der_true = 0xFF;
	static const char not_before[] = "700101000000Z";
	static const char not_after[] = "99991231235959Z";
	const struct tlsalpn01_tbs *t = arg;
	const struct tlsalpn01_id *id = t->id;
	uint8_t serial[16];
	size_t m_tbs, m_x3, m_exts, m_ext, m_oct, m_gn, m_val, m_ver;

	m_tbs = der_len(w);
	m_x3 = der_len(w);
	m_exts = der_len(w);

	/* acmeIdentifier: critical; extnValue holds the DER of
	 * Authorization ::= OCTET STRING (SIZE (32)) (RFC 8737 3) */
	m_ext = der_len(w);
	m_oct = der_len(w);
	der_prim(w, DER_OCTET_STRING, id->digest, sizeof id->digest);
	der_wrap(w, DER_OCTET_STRING, m_oct);
	der_prim(w, DER_BOOLEAN, &der_true, 1);
	der_prim(w, DER_OID, tlsalpn01_oid_acmeid,
	    sizeof tlsalpn01_oid_acmeid);
	der_wrap(w, DER_SEQUENCE, m_ext);

	/* subjectAltName: the identifier and nothing else; an address as
	 * iPAddress [7] (RFC 8738 6), a name as dNSName [2].  Not critical:
	 * the subject is not empty. */
	m_ext = der_len(w);
	m_oct = der_len(w);
	m_gn = der_len(w);
	if (id->type == TLSALPN01_IP)
		der_prim(w, DER_CONTEXT_PRIM(7), id->ip, id->ip_len);
	else
		der_prim(w, DER_CONTEXT_PRIM(2), id->name, strlen(id->name));
	der_wrap(w, DER_SEQUENCE, m_gn);
	der_wrap(w, DER_OCTET_STRING, m_oct);
	der_prim(w, DER_OID, tlsalpn01_oid_san, sizeof tlsalpn01_oid_san);
	der_wrap(w, DER_SEQUENCE, m_ext);

	der_wrap(w, DER_SEQUENCE, m_exts);
	der_wrap(w, DER_CONTEXT(3), m_x3);

	csr_spki(w, t->pk);
	csr_cn_name(w, TLSALPN01_CN, sizeof TLSALPN01_CN - 1);   /* subject */
	/* RFC 5280 4.1.2.5: UTCTime until 2049, GeneralizedTime after */
	m_val = der_len(w);
	der_prim(w, DER_GENERALIZED_TIME, not_after, sizeof not_after - 1);
	der_prim(w, DER_UTC_TIME, not_before, sizeof not_before - 1);
	der_wrap(w, DER_SEQUENCE, m_val);
	csr_cn_name(w, TLSALPN01_CN, sizeof TLSALPN01_CN - 1);   /* issuer */
	csr_sigalg(w);
	/* RFC 5280 4.1.2.2: positive, at most 20 bytes; this one is 16,
	 * its top bits 01 so that it keeps its length */
	memcpy(serial, id->digest, sizeof serial);
	serial[0] = (uint8_t)((serial[0] & 0x3F) | 0x40);
	der_uint(w, serial, sizeof serial);
	m_ver = der_len(w);
	der_uint(w, &v3, 1);
	der_wrap(w, DER_CONTEXT(0), m_ver);
	der_wrap(w, DER_SEQUENCE, m_tbs);
}

/* Build and sign identifier id's certificate into id->cert. */
static int
tlsalpn01_cert(const struct tlsalpn01 *r, struct tlsalpn01_id *id)
{
	struct tlsalpn01_tbs t;
	const uint8_t *out;
	size_t len;
	int err;

	t.id = id;
	t.pk = &r->pk;
	err = csr_signed(id->cert, sizeof id->cert, &r->sk, key_ec_impl(),
	    key_sign_asn1(), tlsalpn01_tbs, &t, &out, &len);
	if (err != ACME_OK)
		return err;
	/* the writer fills from the end: move it to the start */
	memmove(id->cert, out, len);
	id->cert_len = (uint16_t)len;
	return ACME_OK;
}

/* ---- the policy ---- */

static struct tlsalpn01_conn *
tlsalpn01_of(const br_ssl_server_policy_class **pctx)
{
	return (struct tlsalpn01_conn *)(void *)((char *)(void *)pctx -
	    offsetof(struct tlsalpn01_conn, policy));
}

/* RFC 8737 3 and 5: only "acme-tls/1", only a name being validated.
 * Runs after the ClientHello is parsed and before anything is sent. */
static int
tlsalpn01_choose(const br_ssl_server_policy_class **pctx,
    const br_ssl_server_context *cc, br_ssl_server_choices *choices)
{
	struct tlsalpn01_conn *c = tlsalpn01_of(pctx);
	br_ssl_server_policy_ec_context *ec = &c->sc.chain_handler.single_ec;
	const char *proto;
	int i;

	proto = br_ssl_engine_get_selected_protocol(&c->sc.eng);
	if (proto == NULL || strcmp(proto, TLSALPN01_ALPN) != 0) {
		c->why = TLSALPN01_WHY_ALPN;
		return 0;
	}
	i = tlsalpn01_match(c->r, br_ssl_engine_get_server_name(&c->sc.eng));
	if (i < 0) {
		c->why = TLSALPN01_WHY_SNI;
		return 0;
	}
	c->id = (uint8_t)i;
	c->chain.data = c->r->id[i].cert;
	c->chain.data_len = c->r->id[i].cert_len;
	ec->chain = &c->chain;
	ec->chain_len = 1;
	if (!ec->vtable->choose(&ec->vtable, cc, choices)) {
		c->why = TLSALPN01_WHY_TLS;
		return 0;
	}
	return 1;
}

static uint32_t
tlsalpn01_do_keyx(const br_ssl_server_policy_class **pctx,
    unsigned char *data, size_t *len)
{
	br_ssl_server_policy_ec_context *ec =
	    &tlsalpn01_of(pctx)->sc.chain_handler.single_ec;

	return ec->vtable->do_keyx(&ec->vtable, data, len);
}

static size_t
tlsalpn01_do_sign(const br_ssl_server_policy_class **pctx,
    unsigned algo_id, unsigned char *data, size_t hv_len, size_t len)
{
	br_ssl_server_policy_ec_context *ec =
	    &tlsalpn01_of(pctx)->sc.chain_handler.single_ec;

	return ec->vtable->do_sign(&ec->vtable, algo_id, data, hv_len,
	    len);
}

static const br_ssl_server_policy_class tlsalpn01_policy = {
	sizeof(const br_ssl_server_policy_class *),
	tlsalpn01_choose,
	tlsalpn01_do_keyx,
	tlsalpn01_do_sign
};

/* ---- connections ---- */

/* Close slot c's connection (if any), wipe its engine (the session's
 * secrets) and free the slot. */
static void
tlsalpn01_close(const struct acme_port *p, struct tlsalpn01_conn *c)
{
	if (c->h >= 0)
		p->close(p->ctx, c->h);
	wipe(c, sizeof *c);
	c->h = -1;
}

/* Set up slot c's engine for the new connection h.  0, or -1 when the
 * port has no entropy or BearSSL refuses (c->why says). */
static int
tlsalpn01_setup(struct tlsalpn01 *r, const struct acme_port *p,
    struct tlsalpn01_conn *c, int h)
{
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	};
	/* BearSSL keeps the pointer (and takes it non-const) */
	static const char *protos[] = { TLSALPN01_ALPN };
	br_ssl_server_context *sc = &c->sc;
	unsigned char seed[32];
	int ok;

	c->h = h;
	c->r = r;
	c->since = (uint32_t)p->now_ms(p->ctx);
	c->seq = r->seq++;
	c->state = TLSALPN01_HELLO;
	br_ssl_server_zero(sc);
	br_ssl_engine_set_versions(&sc->eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(&sc->eng, suites,
	    sizeof suites / sizeof suites[0]);
	br_ssl_engine_set_hash(&sc->eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_prf_sha256(&sc->eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_default_aes_gcm(&sc->eng);
	br_ssl_engine_set_ec(&sc->eng, key_ec_impl());
	br_ssl_engine_set_protocol_names(&sc->eng, protos, 1);
	br_ssl_engine_add_flags(&sc->eng, BR_OPT_FAIL_ON_ALPN_MISMATCH |
	    BR_OPT_NO_RENEGOTIATION);
	br_ssl_server_set_single_ec(sc, NULL, 0, &r->sk, BR_KEYTYPE_SIGN,
	    BR_KEYTYPE_EC, key_ec_impl(), key_sign_asn1());
	c->policy = &tlsalpn01_policy;
	sc->policy_vtable = &c->policy;
	br_ssl_engine_set_buffer(&sc->eng, c->iobuf, sizeof c->iobuf, 0);
	/* Seeded from the port every time: a firmware BearSSL has no
	 * system seeder, and the ECDHE key must be fresh. */
	if (p->entropy == NULL || p->entropy(p->ctx, seed, sizeof seed) != 0) {
		wipe(seed, sizeof seed);
		c->why = TLSALPN01_WHY_ENTROPY;
		return -1;
	}
	br_ssl_engine_inject_entropy(&sc->eng, seed, sizeof seed);
	wipe(seed, sizeof seed);
	ok = br_ssl_server_reset(sc);
	if (!ok)
		c->why = TLSALPN01_WHY_TLS;
	return ok ? 0 : -1;
}

/* Slot c's handshake was refused by this side: count it, keep why, and
 * close. */
static void
tlsalpn01_refuse(struct tlsalpn01 *r, const struct acme_port *p,
    struct tlsalpn01_conn *c, int err)
{
	r->refused++;
	r->tls_err = err;
	if (c->why != TLSALPN01_WHY_NONE)
		r->why = c->why;
	else if (err == BR_ERR_SEND_FATAL_ALERT + 120)
		r->why = TLSALPN01_WHY_ALPN;   /* no_application_protocol */
	else
		r->why = TLSALPN01_WHY_TLS;
	tlsalpn01_close(p, c);
}

/* Slot c's engine is closed: a refusal, or the peer's doing. */
static void
tlsalpn01_ended(struct tlsalpn01 *r, const struct acme_port *p,
    struct tlsalpn01_conn *c)
{
	int err = br_ssl_engine_last_error(&c->sc.eng);

	if (c->state == TLSALPN01_CLOSING) {
		tlsalpn01_close(p, c);                    /* served */
	} else if (err == BR_ERR_OK || (err >= BR_ERR_RECV_FATAL_ALERT &&
	    err < BR_ERR_SEND_FATAL_ALERT)) {
		r->dropped++;           /* the peer's close_notify or alert */
		tlsalpn01_close(p, c);
	} else {
		tlsalpn01_refuse(r, p, c, err);
	}
}

/*
 * Give slot c a turn of at most TLSALPN01_TURN recv/send calls: feed the
 * engine, send what it has, and when the handshake is done count it,
 * send close_notify and close.  Closed on a port error, peer close, too
 * much input, or when ACME_TLSALPN01_TIMEOUT_MS have passed since the
 * accept.
 */
static void
tlsalpn01_serve(struct tlsalpn01 *r, const struct acme_port *p,
    struct tlsalpn01_conn *c)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *buf;
	size_t len;
	unsigned st;
	int k, n;

	if (c->stale)
		goto out_drop;
	for (k = 0; k < TLSALPN01_TURN; k++) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			tlsalpn01_ended(r, p, c);
			return;
		}
		if (st & BR_SSL_SENDREC) {
			buf = br_ssl_engine_sendrec_buf(eng, &len);
			n = p->send(p->ctx, c->h, buf, len);
			if (n < 0)
				goto out_drop;
			if (n == 0)
				break;
			br_ssl_engine_sendrec_ack(eng, (size_t)n);
			if (c->state == TLSALPN01_HELLO)
				c->state = TLSALPN01_SHAKING;
			continue;
		}
		if (c->state == TLSALPN01_CLOSING) {
			/* close_notify is out; the peer's is not awaited */
			tlsalpn01_close(p, c);
			return;
		}
		if (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP)) {
			/* the handshake is done and our Finished sent */
			r->served++;
			c->state = TLSALPN01_CLOSING;
			br_ssl_engine_close(eng);
			continue;
		}
		if (st & BR_SSL_RECVREC) {
			buf = br_ssl_engine_recvrec_buf(eng, &len);
			if (len > TLSALPN01_MAX_IN - c->in)
				len = TLSALPN01_MAX_IN - c->in;
			if (len == 0) {
				tlsalpn01_refuse(r, p, c, BR_ERR_TOO_LARGE);
				return;
			}
			n = p->recv(p->ctx, c->h, buf, len);
			if (n < 0)
				goto out_drop;
			if (n == 0)
				break;
			c->in += (uint32_t)n;
			br_ssl_engine_recvrec_ack(eng, (size_t)n);
			continue;
		}
		break;
	}
	if ((uint32_t)p->now_ms(p->ctx) - c->since <
	    ACME_TLSALPN01_TIMEOUT_MS)
		return;
out_drop:
	r->dropped++;
	tlsalpn01_close(p, c);
}

/* A slot for a new connection: a free one, else the one open longest
 * without a complete ClientHello if that is at least
 * ACME_TLSALPN01_EVICT_MS (its connection still open); NULL when there
 * is none.  "Longest" is by accept number, as in http-01. */
static struct tlsalpn01_conn *
tlsalpn01_slot(struct tlsalpn01 *r, const struct acme_port *p)
{
	struct tlsalpn01_conn *c, *old = NULL;
	uint32_t now = (uint32_t)p->now_ms(p->ctx);
	unsigned i;

	for (i = 0; i < ACME_TLSALPN01_SLOTS; i++) {
		c = &r->conn[i];
		if (c->h < 0)
			return c;
		if (c->state == TLSALPN01_HELLO &&
		    (old == NULL || r->seq - c->seq > r->seq - old->seq))
			old = c;
	}
	if (old == NULL || now - old->since < ACME_TLSALPN01_EVICT_MS)
		return NULL;
	return old;
}

/* ---- the API ---- */

void
tlsalpn01_init(struct tlsalpn01 *r)
{
	unsigned i;

	memset(r, 0, sizeof *r);
	r->lh = -1;
	for (i = 0; i < ACME_TLSALPN01_SLOTS; i++)
		r->conn[i].h = -1;
}

int
tlsalpn01_start(struct tlsalpn01 *r, const struct acme_port *p,
    uint16_t port)
{
	int err;

	if (r->lh >= 0)
		return ACME_OK;
	if (p->listen == NULL || p->accept == NULL)
		return ACME_ERR_RESPONDER;
	err = key_generate(&r->key, p);
	if (err != ACME_OK)
		return err;
	key_views(&r->key, &r->sk, &r->pk);
	r->nids = 0;
	r->lh = p->listen(p->ctx, port);
	if (r->lh < 0) {
		key_wipe(&r->key);
		return ACME_ERR_RESPONDER;
	}
	return ACME_OK;
}

/* 1 when identifier id is the one of type and name (ip, ip_len: its
 * parsed address): an address by its bytes, a name without regard to
 * ASCII case. */
static int
tlsalpn01_same(const struct tlsalpn01_id *id, int type, const char *name,
    const uint8_t *ip, size_t ip_len)
{
	if (id->type != type)
		return 0;
	if (type == TLSALPN01_IP)
		return id->ip_len == ip_len && memcmp(id->ip, ip, ip_len) == 0;
	return strlen(id->name) == strlen(name) &&
	    tlsalpn01_name_eq(id->name, name);
}

int
tlsalpn01_add(struct tlsalpn01 *r, int type, const char *name,
    const uint8_t digest[32])
{
	struct tlsalpn01_id *id;
	uint8_t ip[16];
	size_t ip_len = 0, len;
	unsigned i, k;
	int err;

	if (r->lh < 0 || !r->key.valid || name == NULL || digest == NULL)
		return ACME_ERR_PARAM;
	len = strlen(name);
	if (len > ACME_MAX_NAME)
		return ACME_ERR_TOO_LARGE;
	if (type == TLSALPN01_IP) {
		if ((ip_len = tlsalpn01_ip_parse(name, ip)) == 0)
			return ACME_ERR_PARAM;
	} else if (type != TLSALPN01_DNS || csr_name_len(name) == 0 ||
	    name[0] == '*') {
		return ACME_ERR_PARAM;
	}
	for (i = 0; i < r->nids; i++)
		if (tlsalpn01_same(&r->id[i], type, name, ip, ip_len))
			break;
	if (i == r->nids && r->nids >= ACME_MAX_IDENTIFIERS)
		return ACME_ERR_TOO_LARGE;
	id = &r->id[i];
	if (i < r->nids) {
		if (id->cert_len > 0 && memcmp(id->digest, digest, 32) == 0)
			return ACME_OK;
		/* A handshake past choose() may be sending the old bytes:
		 * it is dropped at its next turn. */
		for (k = 0; k < ACME_TLSALPN01_SLOTS; k++) {
			struct tlsalpn01_conn *c = &r->conn[k];

			if (c->h >= 0 && c->chain.data != NULL && c->id == i)
				c->stale = 1;
		}
	}
	/* Built in place (no second copy on the stack); a failure leaves
	 * cert_len 0, which no SNI matches. */
	memset(id, 0, sizeof *id);
	id->type = (uint8_t)type;
	id->ip_len = (uint8_t)ip_len;
	memcpy(id->ip, ip, ip_len);
	memcpy(id->digest, digest, 32);
	memcpy(id->name, name, len + 1);
	err = tlsalpn01_cert(r, id);
	if (i == r->nids) {
		if (err != ACME_OK) {
			memset(id, 0, sizeof *id);
			return err;
		}
		r->nids++;
	}
	return err;
}

int
tlsalpn01_active(const struct tlsalpn01 *r)
{
	return r->lh >= 0;
}

/* 1 while the poll begun at t0 may start another turn. */
static int
tlsalpn01_time_left(const struct acme_port *p, uint32_t t0)
{
	return (uint32_t)p->now_ms(p->ctx) - t0 < ACME_TLSALPN01_POLL_MS;
}

void
tlsalpn01_poll(struct tlsalpn01 *r, const struct acme_port *p)
{
	struct tlsalpn01_conn *c;
	uint32_t t0;
	unsigned i, k;
	int h;

	if (r->lh < 0)
		return;
	/* A turn each, from r->next on, while there is time (a handshake's
	 * crypto on a slow CPU takes it all); the next call starts with the
	 * first that had none.  So a poll lasts ACME_TLSALPN01_POLL_MS and
	 * at most one turn more. */
	t0 = (uint32_t)p->now_ms(p->ctx);
	for (k = 0; k < ACME_TLSALPN01_SLOTS; k++) {
		i = (r->next + k) % ACME_TLSALPN01_SLOTS;
		if (k > 0 && !tlsalpn01_time_left(p, t0))
			break;
		if (r->conn[i].h >= 0)
			tlsalpn01_serve(r, p, &r->conn[i]);
	}
	r->next = (r->next + (k < ACME_TLSALPN01_SLOTS ? k : 1)) %
	    ACME_TLSALPN01_SLOTS;
	/* Accept only when there is room (a free slot, or one to evict),
	 * else new connections wait in the port until a slot frees; accept
	 * first, then make room, so nothing is closed while nobody waits.
	 * Evict only while there is time: then every engine has had its
	 * turn in this call, so a ClientHello that waited for the CPU (not
	 * one that came late) has been read, and its connection is past
	 * TLSALPN01_HELLO.  A new connection is served at once while there
	 * is time, else at the next call. */
	for (k = 0; k <= ACME_TLSALPN01_SLOTS; k++) {
		c = tlsalpn01_slot(r, p);
		if (c == NULL || (c->h >= 0 && !tlsalpn01_time_left(p, t0)))
			return;
		h = p->accept(p->ctx, r->lh);
		if (h < 0)
			return;
		if (c->h >= 0) {
			r->dropped++;                      /* evicted */
			tlsalpn01_close(p, c);
		}
		if (tlsalpn01_setup(r, p, c, h) != 0) {
			tlsalpn01_refuse(r, p, c, BR_ERR_OK);
			continue;
		}
		if (tlsalpn01_time_left(p, t0))
			tlsalpn01_serve(r, p, c);
	}
}

void
tlsalpn01_stop(struct tlsalpn01 *r, const struct acme_port *p)
{
	uint32_t served = r->served, refused = r->refused;
	uint32_t dropped = r->dropped;
	uint8_t why = r->why;
	int tls_err = r->tls_err;
	unsigned i;

	for (i = 0; i < ACME_TLSALPN01_SLOTS; i++)
		tlsalpn01_close(p, &r->conn[i]);
	if (r->lh >= 0)
		p->close(p->ctx, r->lh);
	wipe(r, sizeof *r);
	tlsalpn01_init(r);
	r->served = served;
	r->refused = refused;
	r->dropped = dropped;
	r->why = why;
	r->tls_err = tls_err;
}

#else

/* ISO C wants a declaration in every translation unit. */
typedef int tlsalpn01_unused;

#endif
