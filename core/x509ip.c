/*
 * x509ip.c -- see x509ip.h.  RFC 5280 4.1 and 4.2.1.6:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ...,
 *       extensions [3] EXPLICIT SEQUENCE OF Extension OPTIONAL }, ... }
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER,
 *       critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 *   id-ce-subjectAltName 2.5.29.17, its extnValue GeneralNames ::=
 *       SEQUENCE OF GeneralName, iPAddress [7] IMPLICIT OCTET STRING
 *       (4 bytes IPv4, 16 bytes IPv6, network order)
 */
#include <string.h>
#include "x509ip.h"
#include "der.h"
#include "ident.h"
#include "str.h"

/* The scanner's states: reading a header (identifier, first length
 * byte, more length bytes), then content skipped or kept. */
enum {
	X509IP_TAG, X509IP_LEN, X509IP_LENN, X509IP_SKIP, X509IP_KEEP,
	X509IP_BAD
};

/* What to do with an element: go inside, skip or keep its content. */
enum { X509IP_ENTER = 1, X509IP_PASS, X509IP_HOLD, X509IP_REFUSE };

#define X509IP_F_CERT 0x01      /* the Certificate began */
#define X509IP_F_TBS 0x02       /* the TBSCertificate began */
#define X509IP_F_SAN 0x04       /* this Extension's extnID is SAN */
#define X509IP_F_SEEN 0x08      /* a SAN's extnValue was entered */
#define X509IP_F_MATCH 0x10     /* an iPAddress entry equals ip */


/* 1 when the last label of s (a trailing dot aside) is a number in a
 * form inet_aton() reads: decimal or octal digits, or 0x and hex. */
static int
x509ip_numeric(const char *s)
{
	size_t n = strlen(s), i;
	int hex = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	for (i = n; i > 0 && s[i - 1] != '.'; i--)
		;
	if (i == n)
		return 0;
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		i += 2;
		hex = 1;
	}
	for (; i < n; i++)
		if (hex ? str_hex(s[i]) < 0 : s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
x509ip_parse(const char *host, unsigned char ip[16])
{
	size_t len;

	if (host == NULL)
		return 0;
	/* No name at all would be no check at all (minimal takes "" as
	 * no name): hold it to an address it cannot have. */
	if (host[0] == '\0')
		return -1;
	if (ident_parse(host, ip, &len) == IDENT_IP)
		return (int)len;
	if (strchr(host, ':') != NULL)
		return -1;
	return x509ip_numeric(host) ? -1 : 0;
}

#if ACME_SERVER_IP
/* 2.5.29.17 */
static const unsigned char x509ip_oid_san[3] = { 0x55, 0x1D, 0x11 };

/* What to do with the element whose header was just read, by where it
 * is (the elements entered) and its tag.  Only the path to the SAN's
 * entries is entered; what RFC 5280 fixes on that path must be there. */
static int
x509ip_action(struct x509ip_scan *s)
{
	switch (s->depth) {
	case 0:                 /* Certificate, the only element */
		if (s->tag != DER_SEQUENCE || (s->flags & X509IP_F_CERT))
			return X509IP_REFUSE;
		s->flags |= X509IP_F_CERT;
		return X509IP_ENTER;
	case 1:                 /* TBSCertificate, then the signature */
		if (s->tag != DER_SEQUENCE || (s->flags & X509IP_F_TBS))
			return X509IP_PASS;
		s->flags |= X509IP_F_TBS;
		return X509IP_ENTER;
	case 2:                 /* the TBS fields: only extensions [3] */
		return s->tag == DER_CONTEXT(3) ? X509IP_ENTER : X509IP_PASS;
	case 3:                 /* Extensions */
		return s->tag == DER_SEQUENCE ? X509IP_ENTER : X509IP_REFUSE;
	case 4:                 /* Extension */
		s->flags &= (uint8_t)~X509IP_F_SAN;
		return s->tag == DER_SEQUENCE ? X509IP_ENTER : X509IP_REFUSE;
	case 5:                 /* extnID, critical, extnValue */
		if (s->tag == DER_OID)
			return X509IP_HOLD;
		if (s->tag != DER_OCTET_STRING || !(s->flags & X509IP_F_SAN))
			return X509IP_PASS;
		/* RFC 5280 4.2: an extension appears at most once. */
		if (s->flags & X509IP_F_SEEN)
			return X509IP_REFUSE;
		s->flags |= X509IP_F_SEEN;
		return X509IP_ENTER;
	case 6:                 /* GeneralNames */
		return s->tag == DER_SEQUENCE ? X509IP_ENTER : X509IP_REFUSE;
	default:                /* a GeneralName: keep an iPAddress */
		return s->tag == DER_CONTEXT_PRIM(7) ? X509IP_HOLD :
		    X509IP_PASS;
	}
}

/* Leave every entered element that ends here; read a header next. */
static void
x509ip_close(struct x509ip_scan *s)
{
	while (s->depth > 0 && s->pos == s->end[s->depth - 1])
		s->depth--;
	s->state = X509IP_TAG;
}

/* The content of a kept element is in s->buf: an extnID, or an
 * iPAddress entry. */
static void
x509ip_kept(struct x509ip_scan *s)
{
	if (s->depth == 5) {
		if (s->n == sizeof x509ip_oid_san &&
		    memcmp(s->buf, x509ip_oid_san, s->n) == 0)
			s->flags |= X509IP_F_SAN;
	} else if (s->iplen > 0 && s->n == s->iplen &&
	    memcmp(s->buf, s->ip, s->n) == 0) {
		s->flags |= X509IP_F_MATCH;
	}
	x509ip_close(s);
}

/* The header is read (s->tag, its length in s->left, s->pos at the
 * content): check that the element fits in its parent, then act. */
static void
x509ip_header(struct x509ip_scan *s)
{
	uint32_t lim = s->depth > 0 ? s->end[s->depth - 1] : s->total;
	int a;

	if (s->pos > lim || s->left > lim - s->pos) {
		s->state = X509IP_BAD;
		return;
	}
	a = x509ip_action(s);
	/* Longer than any OID or address looked for: cannot match. */
	if (a == X509IP_HOLD && s->left > sizeof s->buf)
		a = X509IP_PASS;
	if (a == X509IP_REFUSE || (a == X509IP_ENTER &&
	    s->depth == X509IP_DEPTH)) {
		s->state = X509IP_BAD;
	} else if (a == X509IP_ENTER) {
		s->end[s->depth++] = s->pos + s->left;
		x509ip_close(s);
	} else {
		s->n = 0;
		s->state = a == X509IP_HOLD ? X509IP_KEEP : X509IP_SKIP;
		if (s->left == 0) {
			if (a == X509IP_HOLD)
				x509ip_kept(s);
			else
				x509ip_close(s);
		}
	}
}

void
x509ip_scan_start(struct x509ip_scan *s, const unsigned char *ip,
    size_t iplen, uint32_t total)
{
	memset(s, 0, sizeof *s);
	s->ip = ip;
	s->iplen = (uint8_t)(iplen == 4 || iplen == 16 ? iplen : 0);
	s->total = total;
	s->state = X509IP_TAG;
}

/*
 * One header byte at a time (X.690 8.1.2-8.1.3: single-byte tags,
 * definite lengths of up to 4 bytes); content in runs, skipped or
 * copied.  Any error is sticky.
 */
void
x509ip_scan_push(struct x509ip_scan *s, const unsigned char *buf,
    size_t len)
{
	while (len > 0 && s->state != X509IP_BAD) {
		unsigned char b;

		if (s->state == X509IP_SKIP || s->state == X509IP_KEEP) {
			size_t k = s->left < len ? s->left : len;

			if (s->state == X509IP_KEEP)
				memcpy(s->buf + s->n, buf, k);
			s->n = (uint8_t)(s->n + (s->state == X509IP_KEEP ?
			    k : 0));
			s->left -= (uint32_t)k;
			s->pos += (uint32_t)k;
			buf += k;
			len -= k;
			if (s->left > 0)
				continue;
			if (s->state == X509IP_KEEP)
				x509ip_kept(s);
			else
				x509ip_close(s);
			continue;
		}
		b = *buf++;
		len--;
		if (s->pos++ == s->total) {
			s->state = X509IP_BAD;      /* more than announced */
			break;
		}
		if (s->state == X509IP_TAG) {
			s->tag = b;
			s->state = (b & 0x1F) == 0x1F ? X509IP_BAD :
			    X509IP_LEN;
		} else if (s->state == X509IP_LEN && b < 0x80) {
			s->left = b;
			x509ip_header(s);
		} else if (s->state == X509IP_LEN) {
			s->nlen = (uint8_t)(b & 0x7F);
			s->left = 0;
			s->state = s->nlen == 0 || s->nlen > 4 ? X509IP_BAD :
			    X509IP_LENN;
		} else {
			s->left = s->left << 8 | b;
			if (--s->nlen == 0)
				x509ip_header(s);
		}
	}
}

int
x509ip_scan_result(const struct x509ip_scan *s)
{
	if (s->state != X509IP_TAG || s->depth != 0 || s->pos != s->total ||
	    !(s->flags & X509IP_F_CERT))
		return -1;
	return (s->flags & X509IP_F_MATCH) != 0;
}

/* The engine: minimal does the chain, the wrapper the leaf's address. */
static void
x509ip_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct x509ip_context *xi = (struct x509ip_context *)(void *)ctx;
	const br_x509_class **in = &xi->inner->vtable;

	xi->certs = 0;
	(*in)->start_chain(in, xi->ip_mode ? NULL : server_name);
}

static void
x509ip_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct x509ip_context *xi = (struct x509ip_context *)(void *)ctx;
	const br_x509_class **in = &xi->inner->vtable;

	/* TLS 1.2 (RFC 5246 7.4.2): the sender's certificate first. */
	if (xi->ip_mode && xi->certs == 0)
		x509ip_scan_start(&xi->scan, xi->ip, xi->iplen, length);
	if (xi->certs < UINT32_MAX)
		xi->certs++;
	(*in)->start_cert(in, length);
}

static void
x509ip_append(const br_x509_class **ctx, const unsigned char *buf,
    size_t len)
{
	struct x509ip_context *xi = (struct x509ip_context *)(void *)ctx;
	const br_x509_class **in = &xi->inner->vtable;

	if (xi->ip_mode && xi->certs == 1)
		x509ip_scan_push(&xi->scan, buf, len);
	(*in)->append(in, buf, len);
}

static void
x509ip_end_cert(const br_x509_class **ctx)
{
	struct x509ip_context *xi = (struct x509ip_context *)(void *)ctx;
	const br_x509_class **in = &xi->inner->vtable;

	(*in)->end_cert(in);
}

/* Minimal's verdict first (an untrusted chain is that, whatever it
 * names); then, for an IP literal, the leaf's. */
static unsigned
x509ip_end_chain(const br_x509_class **ctx)
{
	struct x509ip_context *xi = (struct x509ip_context *)(void *)ctx;
	const br_x509_class **in = &xi->inner->vtable;
	unsigned r = (*in)->end_chain(in);
	int m;

	if (r != 0 || !xi->ip_mode)
		return r;
	if (xi->certs == 0)
		return BR_ERR_X509_EMPTY_CHAIN;
	m = x509ip_scan_result(&xi->scan);
	return m > 0 ? 0 : m < 0 ? BR_ERR_X509_INVALID_VALUE :
	    X509IP_ERR_NO_MATCH;
}

static const br_x509_pkey *
x509ip_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct x509ip_context *xi =
	    (const struct x509ip_context *)(const void *)ctx;
	const br_x509_class *const *in = &xi->inner->vtable;

	return (*in)->get_pkey(in, usages);
}

static const br_x509_class x509ip_vtable = {
	sizeof(struct x509ip_context),
	x509ip_start_chain, x509ip_start_cert, x509ip_append,
	x509ip_end_cert, x509ip_end_chain, x509ip_get_pkey
};

int
x509ip_init(struct x509ip_context *xi, br_x509_minimal_context *inner,
    const char *host)
{
	int n;

	memset(xi, 0, sizeof *xi);
	xi->vtable = &x509ip_vtable;
	xi->inner = inner;
	n = x509ip_parse(host, xi->ip);
	xi->ip_mode = n != 0;
	xi->iplen = (uint8_t)(n > 0 ? n : 0);
	return xi->ip_mode;
}
#endif
