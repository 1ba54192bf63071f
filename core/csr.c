/*
 * csr.c -- see csr.h.  The key signs through a struct acme_signer
 * (csr_build_signer: ES256, ES384, RS256) or, for the older callers
 * (csr_build, and csr_signed for the tls-alpn-01 certificate), a BearSSL
 * P-256 key and its DER signer.
 *
 * RFC 2986 4:
 *
 *   CertificationRequest ::= SEQUENCE {
 *     certificationRequestInfo  CertificationRequestInfo,
 *     signatureAlgorithm        AlgorithmIdentifier,
 *     signature                 BIT STRING }
 *   CertificationRequestInfo ::= SEQUENCE {
 *     version        INTEGER { v1(0) },
 *     subject        Name,
 *     subjectPKInfo  SubjectPublicKeyInfo,
 *     attributes     [0] Attributes }
 *
 * The DER writer fills the buffer from its end, last field first.  The
 * signature follows the info it signs, so the info is written twice: once
 * alone to be hashed and signed, then again in front of the signature
 * (see csr_signed).  No second buffer is needed, only the signature (at
 * most CSR_SIG_MAX bytes) on the stack, and nothing is moved.  An X.509
 * certificate (RFC 5280 4.1) has the same shape, so csr_signed() also
 * builds the tls-alpn-01 responder's (challenge_tlsalpn01.c).
 */
#include <string.h>
#include "csr.h"
#include "der.h"
#include "wipe.h"
#include "acme_err.h"
#include "ident.h"
#include "signer.h"

/* Longest DNS name in presentation form, without a trailing dot
 * (RFC 1035 2.3.4: 255 octets on the wire). */
#define CSR_NAME_MAX 253
/* Longest label (RFC 1035 2.3.4). */
#define CSR_LABEL_MAX 63
/* Longest commonName: X.520 ub-common-name (RFC 5280 appendix A.1). */
#define CSR_CN_MAX 64
/* Uncompressed P-256 point: 0x04 || X || Y (SEC 1 2.3.3). */
#define CSR_P256_QLEN 65
/* Longest signature of this build: RSA-2048, a DER ECDSA P-384 one (raw
 * 96 + 9, bearssl_ec.h br_ecdsa_raw_to_asn1), or P-256 (72). */
#if ACME_KEY_RSA
#define CSR_SIG_MAX 256
#elif ACME_KEY_P384
#define CSR_SIG_MAX 105
#else
#define CSR_SIG_MAX 73
#endif

/* 2.5.4.3 commonName */
static const uint8_t csr_oid_cn[] = { 0x55, 0x04, 0x03 };
/* 1.2.840.10045.2.1 id-ecPublicKey (RFC 5480 2.1.1) */
static const uint8_t csr_oid_ecpk[] = {
	0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01
};
/* 1.2.840.10045.3.1.7 secp256r1 / prime256v1 (RFC 5480 2.1.1.1) */
static const uint8_t csr_oid_p256[] = {
	0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07
};
/* 1.2.840.113549.1.9.14 pkcs-9-at-extensionRequest (RFC 2985 5.4.2) */
static const uint8_t csr_oid_extreq[] = {
	0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x0E
};
/* 2.5.29.17 id-ce-subjectAltName (RFC 5280 4.2.1.6) */
static const uint8_t csr_oid_san[] = { 0x55, 0x1D, 0x11 };
/* 1.2.840.10045.4.3.2 ecdsa-with-SHA256 (RFC 5758 3.2) */
static const uint8_t csr_oid_ecdsa_sha256[] = {
	0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02
};
#if ACME_KEY_P384
/* 1.3.132.0.34 secp384r1 (RFC 5480 2.1.1.1) */
static const uint8_t csr_oid_p384[] = { 0x2B, 0x81, 0x04, 0x00, 0x22 };
/* 1.2.840.10045.4.3.3 ecdsa-with-SHA384 (RFC 5758 3.2) */
static const uint8_t csr_oid_ecdsa_sha384[] = {
	0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03
};
#endif
#if ACME_KEY_RSA
/* 1.2.840.113549.1.1.1 rsaEncryption (RFC 3279 2.3.1) */
static const uint8_t csr_oid_rsa[] = {
	0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01
};
/* 1.2.840.113549.1.1.11 sha256WithRSAEncryption (RFC 4055 5) */
static const uint8_t csr_oid_rsa_sha256[] = {
	0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B
};
#endif

/*
 * Length of the DNS name s if it is one picoacme will ask for, else 0.
 * Accepted: 1..253 characters of letters, digits, '-' and '.', with an
 * optional leading "*." wildcard; labels are 1..63 characters, so an
 * empty label ("a..b", ".a", "a.", a lone "*.") is refused.  Hyphen
 * placement and IDNA are left to the server.
 */
size_t
csr_name_len(const char *s)
{
	size_t len, label, i;

	if (s == NULL)
		return 0;
	for (len = 0; len <= CSR_NAME_MAX && s[len] != '\0'; len++)
		;
	if (len == 0 || len > CSR_NAME_MAX)
		return 0;
	i = 0;
	if (len >= 2 && s[0] == '*' && s[1] == '.')
		i = 2;   /* RFC 8555 7.1.3: the wildcard is the first label */
	label = 0;
	for (; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (++label > CSR_LABEL_MAX)
			return 0;
	}
	return label == 0 ? 0 : len;
}

/*
 * Check the key pair and the implementation: P-256 both, an uncompressed
 * 65-byte point, an implementation that has the curve.  Returns 1 if
 * usable.
 */
static int
csr_key_ok(const br_ec_private_key *sk, const br_ec_public_key *pk,
    const br_ec_impl *ec, br_ecdsa_sign sign)
{
	if (sk == NULL || pk == NULL || ec == NULL || sign == NULL)
		return 0;
	if (sk->curve != BR_EC_secp256r1 || sk->x == NULL || sk->xlen == 0)
		return 0;
	if (pk->curve != BR_EC_secp256r1 || pk->q == NULL ||
	    pk->qlen != CSR_P256_QLEN || pk->q[0] != 0x04)
		return 0;
	return (ec->supported_curves >> BR_EC_secp256r1) & 1;
}

/*
 * Prepend a Name (RFC 5280 4.1.2.4) of one RDN holding one commonName,
 * the len bytes at cn as a UTF8String.
 */
void
csr_cn_name(struct der_w *w, const char *cn, size_t len)
{
	size_t m_name = der_len(w), m_rdn, m_atv;

	m_rdn = der_len(w);
	m_atv = der_len(w);
	der_prim(w, DER_UTF8_STRING, cn, len);
	der_prim(w, DER_OID, csr_oid_cn, sizeof csr_oid_cn);
	der_wrap(w, DER_SEQUENCE, m_atv);
	der_wrap(w, DER_SET, m_rdn);
	der_wrap(w, DER_SEQUENCE, m_name);
}

/*
 * Prepend the AlgorithmIdentifier ecdsa-with-SHA256; RFC 5758 3.2: its
 * parameters field MUST be absent.
 */
void
csr_sigalg(struct der_w *w)
{
	csr_sigalg_alg(w, ACME_ALG_ES256);
}

/* The AlgorithmIdentifier of alg: ecdsa-with-SHA256/384 without
 * parameters, sha256WithRSAEncryption with a NULL (RFC 4055 5: the
 * parameters MUST be NULL). */
void
csr_sigalg_alg(struct der_w *w, int alg)
{
	size_t m_alg = der_len(w);

	switch (alg) {
#if ACME_KEY_RSA
	case ACME_ALG_RS256:
		der_prim(w, DER_NULL, NULL, 0);
		der_prim(w, DER_OID, csr_oid_rsa_sha256,
		    sizeof csr_oid_rsa_sha256);
		break;
#endif
#if ACME_KEY_P384
	case ACME_ALG_ES384:
		der_prim(w, DER_OID, csr_oid_ecdsa_sha384,
		    sizeof csr_oid_ecdsa_sha384);
		break;
#endif
	default:
		der_prim(w, DER_OID, csr_oid_ecdsa_sha256,
		    sizeof csr_oid_ecdsa_sha256);
	}
	der_wrap(w, DER_SEQUENCE, m_alg);
}

/*
 * Prepend the SubjectPublicKeyInfo (RFC 5480 2) of the P-256 key pk:
 * id-ecPublicKey with the named curve, the uncompressed point.
 */
void
csr_spki(struct der_w *w, const br_ec_public_key *pk)
{
	csr_spki_alg(w, ACME_ALG_ES256, pk->q, pk->qlen);
}

/* The SubjectPublicKeyInfo of the key pub (acme_signer.h's format) of
 * alg: id-ecPublicKey with the named curve (RFC 5480 2), or
 * rsaEncryption with a NULL (RFC 3279 2.3.1). */
void
csr_spki_alg(struct der_w *w, int alg, const uint8_t *pub, size_t len)
{
	size_t m_spki = der_len(w), m_alg;

	der_bits(w, pub, len);
	m_alg = der_len(w);
	switch (alg) {
#if ACME_KEY_RSA
	case ACME_ALG_RS256:
		der_prim(w, DER_NULL, NULL, 0);
		der_prim(w, DER_OID, csr_oid_rsa, sizeof csr_oid_rsa);
		break;
#endif
#if ACME_KEY_P384
	case ACME_ALG_ES384:
		der_prim(w, DER_OID, csr_oid_p384, sizeof csr_oid_p384);
		der_prim(w, DER_OID, csr_oid_ecpk, sizeof csr_oid_ecpk);
		break;
#endif
	default:
		der_prim(w, DER_OID, csr_oid_p256, sizeof csr_oid_p256);
		der_prim(w, DER_OID, csr_oid_ecpk, sizeof csr_oid_ecpk);
	}
	der_wrap(w, DER_SEQUENCE, m_alg);
	der_wrap(w, DER_SEQUENCE, m_spki);
}

/*
 * Prepend the CertificationRequestInfo (RFC 2986 4.1) for the validated
 * names: version 0, the subject, the EC public key, and an
 * extensionRequest attribute (RFC 2985 5.4.2) holding one subjectAltName
 * extension with every name as a dNSName, or an iPAddress for an IP
 * address (RFC 8738 3), in order.  The subject is CN=names[0] when that
 * is a DNS name that fits a commonName (at most CSR_CN_MAX characters),
 * else empty, and then the subjectAltName is critical.
 * Deterministic: the same inputs give the same bytes (csr_build relies
 * on it).  Errors are left sticky in w.
 */
static void
csr_info(struct der_w *w, int alg, const uint8_t *pub, size_t publen,
    const char *const *names, size_t n)
{
	static const uint8_t v1 = 0;
	static const uint8_t der_true = 0xFF;
	size_t m_info, m_attrs, m_attr, m_set, m_exts, m_ext, m_oct, m_gn;
	size_t m_name;
	uint8_t ip[16];
	size_t i, iplen, cn_len = strlen(names[0]);
	int cn = cn_len <= CSR_CN_MAX && !(ACME_IP_IDENTIFIERS &&
	    ident_parse(names[0], NULL, NULL) == IDENT_IP);

	m_info = der_len(w);

	/* attributes [0] IMPLICIT SET OF Attribute */
	m_attrs = der_len(w);
	m_attr = der_len(w);
	m_set = der_len(w);
	m_exts = der_len(w);
	m_ext = der_len(w);
	m_oct = der_len(w);
	m_gn = der_len(w);
	for (i = n; i-- > 0; ) { /* backwards, so they read in order */
		if (ACME_IP_IDENTIFIERS &&
		    ident_parse(names[i], ip, &iplen) == IDENT_IP)
			/* iPAddress [7] OCTET STRING: 4 or 16 bytes */
			der_prim(w, DER_CONTEXT_PRIM(7), ip, iplen);
		else
			der_prim(w, DER_CONTEXT_PRIM(2), names[i],
			    strlen(names[i]));
	}
	der_wrap(w, DER_SEQUENCE, m_gn);          /* GeneralNames */
	der_wrap(w, DER_OCTET_STRING, m_oct);     /* extnValue */
	/* RFC 5280 4.2.1.6: critical when the subject is empty; otherwise
	 * absent (DEFAULT FALSE, and DER omits a default) */
	if (!cn)
		der_prim(w, DER_BOOLEAN, &der_true, 1);
	der_prim(w, DER_OID, csr_oid_san, sizeof csr_oid_san);
	der_wrap(w, DER_SEQUENCE, m_ext);         /* Extension */
	der_wrap(w, DER_SEQUENCE, m_exts);        /* Extensions */
	der_wrap(w, DER_SET, m_set);              /* values */
	der_prim(w, DER_OID, csr_oid_extreq, sizeof csr_oid_extreq);
	der_wrap(w, DER_SEQUENCE, m_attr);        /* Attribute */
	der_wrap(w, DER_CONTEXT(0), m_attrs);

	csr_spki_alg(w, alg, pub, publen);

	/* subject Name: one RDN, one commonName, or an empty SEQUENCE */
	if (cn) {
		csr_cn_name(w, names[0], cn_len);
	} else {
		m_name = der_len(w);
		der_wrap(w, DER_SEQUENCE, m_name);
	}

	der_uint(w, &v1, 1);                      /* version v1(0) */
	der_wrap(w, DER_SEQUENCE, m_info);
}

/* The hash hv of data into out; the context is wiped. */
static void
csr_hash(const br_hash_class *hv, const uint8_t *data, size_t len,
    uint8_t *out)
{
	br_hash_compat_context h;

	hv->init(&h.vtable);
	h.vtable->update(&h.vtable, data, len);
	h.vtable->out(&h.vtable, out);
	wipe(&h, sizeof h);
}

/* csr_info() as a csr_tbs_fn. */
struct csr_req {
	int alg;
	const uint8_t *pub;
	size_t publen;
	const char *const *names;
	size_t n;
};

static void
csr_info_tbs(struct der_w *w, const void *arg)
{
	const struct csr_req *q = arg;

	csr_info(w, q->alg, q->pub, q->publen, q->names, q->n);
}

/* How csr_core() gets the signature of a hash, in the DER form a
 * certificate holds: the length, or 0 on failure. */
typedef size_t (*csr_sig_fn)(const void *arg, const uint8_t *hash,
    size_t hlen, uint8_t *sig, size_t cap);

/*
 * Build SEQUENCE { tbs, ecdsa-with-SHA256, signature }; see csr.h.  Two
 * passes over buf:
 *   1. the signed part alone, at the end of buf, to be hashed and signed;
 *   2. from the end again: signature, algorithm, the signed part once
 *      more, the outer SEQUENCE.  It is rewritten rather than moved, and
 *      its hash is compared with the signed one (the input could have
 *      changed under us; an object whose signature does not match what
 *      it signs must never leave).
 * Only public data reaches buf; the hashes are wiped on every path.
 */
static int
csr_core(uint8_t *buf, size_t cap, int alg, csr_sig_fn sign,
    const void *sarg, csr_tbs_fn tbs, const void *arg, const uint8_t **out,
    size_t *len)
{
	const br_hash_class *hv = signer_hash(alg);
	size_t hlen = (hv->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	struct der_w w;
	uint8_t hash[48], again[48];
	uint8_t sig[CSR_SIG_MAX];
	const uint8_t *p;
	size_t plen, tbs_len, sig_len, tail;
	int ret;

	/* pass 1: what is signed (RFC 2986 3, RFC 5280 4.1.1.3) */
	der_init(&w, buf, cap);
	tbs(&w, arg);
	ret = der_finish(&w, &p, &tbs_len);
	if (ret != ACME_OK)
		return ret;
	csr_hash(hv, p, tbs_len, hash);
	sig_len = sign(sarg, hash, hlen, sig, sizeof sig);
	if (sig_len == 0 || sig_len > sizeof sig) {
		ret = ACME_ERR_CRYPTO;
		goto out_wipe_hash;
	}

	/* pass 2: written last field first */
	der_init(&w, buf, cap);
	der_bits(&w, sig, sig_len);
	csr_sigalg_alg(&w, alg);
	tail = der_len(&w);
	tbs(&w, arg);
	ret = der_finish(&w, &p, &plen);
	if (ret != ACME_OK)
		goto out_wipe_hash;
	csr_hash(hv, p, plen - tail, again);
	if (plen - tail != tbs_len || memcmp(again, hash, hlen) != 0) {
		ret = ACME_ERR_CRYPTO;
		goto out_wipe_hash;
	}
	der_wrap(&w, DER_SEQUENCE, 0);
	ret = der_finish(&w, out, len);

out_wipe_hash:
	wipe(hash, sizeof hash);
	wipe(again, sizeof again);
	return ret;
}

/* A BearSSL EC key and its DER signer, as a csr_sig_fn. */
struct csr_ec {
	const br_ec_private_key *sk;
	const br_ec_impl *ec;
	br_ecdsa_sign sign;
};

static size_t
csr_sig_ec(const void *arg, const uint8_t *hash, size_t hlen, uint8_t *sig,
    size_t cap)
{
	const struct csr_ec *e = arg;
	size_t n;

	/* a DER ECDSA P-256 signature is at most 72 bytes (bearssl_ec.h) */
	(void)hlen;
	if (cap < 72)
		return 0;
	n = e->sign(e->ec, &br_sha256_vtable, hash, e->sk, sig);
	return n <= 72 ? n : 0;
}

int
csr_signed(uint8_t *buf, size_t cap, const br_ec_private_key *sk,
    const br_ec_impl *ec, br_ecdsa_sign sign, csr_tbs_fn tbs,
    const void *arg, const uint8_t **out, size_t *len)
{
	struct csr_ec e;

	e.sk = sk;
	e.ec = ec;
	e.sign = sign;
	return csr_core(buf, cap, ACME_ALG_ES256, csr_sig_ec, &e, tbs, arg,
	    out, len);
}

/* A struct acme_signer as a csr_sig_fn: its raw r || s made DER. */
static size_t
csr_sig_signer(const void *arg, const uint8_t *hash, size_t hlen,
    uint8_t *sig, size_t cap)
{
	const struct acme_signer *s = arg;
	long n = signer_sign(s, hash, hlen, sig, cap);

	if (n < 0)
		return 0;
	if (s->alg == ACME_ALG_RS256)
		return (size_t)n;
	/* in place; at most 9 bytes longer (bearssl_ec.h) */
	if ((size_t)n + 9 > cap)
		return 0;
	return br_ecdsa_raw_to_asn1(sig, (size_t)n);
}

/*
 * Build the CSR; see csr.h for the contract: check the input, then sign
 * the CertificationRequestInfo with csr_signed().
 */
int
csr_build(uint8_t *buf, size_t cap, const br_ec_private_key *sk,
    const br_ec_public_key *pk, const char *const *names, size_t n,
    const br_ec_impl *ec, br_ecdsa_sign sign,
    const uint8_t **out, size_t *len)
{
	struct csr_req q;
	size_t i;

	if (buf == NULL || out == NULL || len == NULL || names == NULL ||
	    n == 0)
		return ACME_ERR_PARAM;
	if (!csr_key_ok(sk, pk, ec, sign))
		return ACME_ERR_PARAM;
	for (i = 0; i < n; i++)
		if (csr_name_len(names[i]) == 0 && !(ACME_IP_IDENTIFIERS &&
		    ident_parse(names[i], NULL, NULL) == IDENT_IP))
			return ACME_ERR_PARAM;
	q.alg = ACME_ALG_ES256;
	q.pub = pk->q;
	q.publen = pk->qlen;
	q.names = names;
	q.n = n;
	return csr_signed(buf, cap, sk, ec, sign, csr_info_tbs, &q, out, len);
}

/* 1 if every name is one csr_info() takes. */
static int
csr_names_ok(const char *const *names, size_t n)
{
	size_t i;

	if (names == NULL || n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (csr_name_len(names[i]) == 0 && !(ACME_IP_IDENTIFIERS &&
		    ident_parse(names[i], NULL, NULL) == IDENT_IP))
			return 0;
	return 1;
}

int
csr_build_signer(uint8_t *buf, size_t cap, const struct acme_signer *s,
    const char *const *names, size_t n, const uint8_t **out, size_t *len)
{
	uint8_t pub[SIGNER_PUB_MAX];
	struct csr_req q;
	long publen;

	if (buf == NULL || out == NULL || len == NULL || s == NULL ||
	    !csr_names_ok(names, n))
		return ACME_ERR_PARAM;
	publen = signer_pub(s, pub, sizeof pub);
	if (publen < 0)
		return (int)publen;
	q.alg = s->alg;
	q.pub = pub;
	q.publen = (size_t)publen;
	q.names = names;
	q.n = n;
	return csr_core(buf, cap, s->alg, csr_sig_signer, s, csr_info_tbs,
	    &q, out, len);
}
