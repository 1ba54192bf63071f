/*
 * test_x509ip.c -- a server reached by an IP literal is checked against
 * the iPAddress entries of its certificate (core/x509ip.c).
 *
 * parse: IPv4 and IPv6 literals against inet_pton(), names, and the
 * numeric forms that are neither (refused: resolvers read them as other
 * addresses).
 *
 * scan: the streaming SAN reader alone on certificate-shaped DER built
 * here (no signatures): matches, misses, and every malformation it must
 * refuse (a length past its parent, indefinite or over-long lengths,
 * multi-byte tags, two SAN extensions, trailing bytes, a cut anywhere);
 * every input fed whole, byte by byte and in 7-byte pieces must give the
 * same answer.
 *
 * engine: certificates made now by openssl (a test CA, leaves with IP,
 * DNS and CN variants, a malformed SAN, a leaf of another CA) through
 * the wrapper around br_x509_minimal, as the TLS engine drives it: an IP
 * host needs an equal iPAddress entry (a dNSName or CN holding the same
 * text never does); a DNS host gets exactly minimal's verdict.
 *
 * tls: core/tls.c against the fake server (its certificate: DNS:acme.test,
 * IP:127.0.0.1): no SNI for an address, the handshake passes for
 * 127.0.0.1 and fails for 127.0.0.2 with X509IP_ERR_NO_MATCH; acme_run()
 * says "no iPAddress SAN for 127.0.0.2".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bearssl.h>
#include "acme.h"
#include "acme_err.h"
#include "tls.h"
#include "x509ip.h"
#include "fake_server.h"
#include "t.h"

/* -------------------------------------------------------------- parse */

static void
test_parse(void)
{
	static const struct {
		const char *host;
		int want;           /* 4, 16, 0 (a name), -1 */
	} tc[] = {
		{ "127.0.0.1", 4 }, { "0.0.0.0", 4 }, { "255.255.255.255", 4 },
		{ "192.0.2.10", 4 }, { "10.0.0.1", 4 },
		{ "::1", 16 }, { "::", 16 }, { "2001:db8::1", 16 },
		{ "2001:DB8:0:0:0:0:0:1", 16 }, { "1:2:3:4:5:6:7:8", 16 },
		{ "1::", 16 }, { "1:2:3:4:5:6:7::", 16 },
		{ "::1:2:3:4:5:6:7", 16 }, { "fe80::1:2", 16 },
		{ "::ffff:192.0.2.1", 16 }, { "64:ff9b::10.0.0.1", 16 },
		{ "1:2:3:4:5:6:1.2.3.4", 16 },
		/* names */
		{ "localhost", 0 }, { "acme.test", 0 },
		{ "1.2.3.4.example", 0 },
		{ "a1", 0 }, { "0x.example", 0 }, { "127.0.0.1a", 0 },
		/* nothing to check a certificate against */
		{ "", -1 },
		/* numeric, but no canonical address */
		{ "127.1", -1 }, { "010.0.0.1", -1 }, { "1.2.3.04", -1 },
		{ "256.0.0.1", -1 }, { "1.2.3.4.5", -1 }, { "1.2.3", -1 },
		{ "2130706433", -1 }, { "0x7f.1", -1 }, { "0x7f000001", -1 },
		{ "127.0.0.1.", -1 }, { "a.0x", -1 }, { "1.2.3.1000", -1 },
		{ "example.123", -1 },
		/* holding ':', not IPv6 */
		{ ":", -1 }, { ":::", -1 }, { ":1", -1 }, { "1:", -1 },
		{ "1::2::3", -1 }, { "1:2:3:4:5:6:7:8:9", -1 },
		{ "1:2:3:4:5:6:7:8::", -1 }, { "::1:2:3:4:5:6:7:8", -1 },
		{ "12345::", -1 }, { "g::1", -1 }, { "1:2:3:4:5:6:7", -1 },
		{ "::1.2.3", -1 }, { "::01.2.3.4", -1 }, { "1.2.3.4::", -1 },
		{ "::1.2.3.4:5", -1 }, { "1:2:3:4:5:6:7:1.2.3.4", -1 },
		{ "fe80::1%eth0", -1 }, { "[::1]", -1 }, { "::1 ", -1 },
	};
	unsigned char ip[16], ref[16];
	unsigned i;
	int r, pr;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("parse \"%s\"", tc[i].host);
		memset(ip, 0xEE, sizeof ip);
		r = x509ip_parse(tc[i].host, ip);
		CHECKF(r == tc[i].want, "\"%s\": %d, want %d", tc[i].host, r,
		    tc[i].want);
		/* The bytes are the resolver's; anything it reads as an
		 * address of the same family is not a name to us. */
		pr = inet_pton(r == 16 || strchr(tc[i].host, ':') ?
		    AF_INET6 : AF_INET, tc[i].host, ref);
		if (r > 0)
			CHECKF(pr == 1 && memcmp(ip, ref, (size_t)r) == 0,
			    "\"%s\": bytes differ from inet_pton", tc[i].host);
		else if (r == 0)
			CHECKF(pr != 1, "\"%s\": inet_pton reads it",
			    tc[i].host);
	}
	T_CASE("parse NULL");
	CHECK(x509ip_parse(NULL, ip) == 0);
}

/* --------------------------------------------------------------- scan */

/* Forward DER building: tag, length, content into out; the length. */
static size_t
tlv(unsigned char *out, unsigned tag, const void *c, size_t n)
{
	size_t h = 0;

	out[h++] = (unsigned char)tag;
	if (n < 0x80) {
		out[h++] = (unsigned char)n;
	} else if (n < 0x100) {
		out[h++] = 0x81;
		out[h++] = (unsigned char)n;
	} else {
		out[h++] = 0x82;
		out[h++] = (unsigned char)(n >> 8);
		out[h++] = (unsigned char)n;
	}
	memmove(out + h, c, n);
	return h + n;
}

/* An Extension: extnID oid[0..olen), critical when crit, extnValue. */
static size_t
ext(unsigned char *out, const unsigned char *oid, size_t olen, int crit,
    const void *val, size_t vlen)
{
	static const unsigned char t[] = { 0x01, 0x01, 0xFF };
	unsigned char b[1024];
	size_t n = tlv(b, 0x06, oid, olen);

	if (crit) {
		memcpy(b + n, t, sizeof t);
		n += sizeof t;
	}
	n += tlv(b + n, 0x04, val, vlen);
	return tlv(out, 0x30, b, n);
}

/* A certificate of the RFC 5280 shape around exts[0..elen) (the
 * Extensions' content; elen (size_t)-1: no [3] at all).  Signatures and
 * keys are dummies: only the scanner reads it. */
static size_t
cert(unsigned char *out, const unsigned char *exts, size_t elen)
{
	static const unsigned char head[] = {
		0xA0, 0x03, 0x02, 0x01, 0x02,               /* v3 */
		0x02, 0x01, 0x07,                           /* serial */
		0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
		0x03, 0x02,                                 /* ecdsa-sha256 */
		0x30, 0x00,                                 /* issuer */
		0x30, 0x1E, 0x17, 0x0D, '2', '5', '0', '1', '0', '1', '0',
		'0', '0', '0', '0', '0', 'Z', 0x17, 0x0D, '4', '9', '1', '2',
		'3', '1', '2', '3', '5', '9', '5', '9', 'Z', /* validity */
		0x30, 0x00,                                 /* subject */
		0x30, 0x0B, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03,
		0x02, 0x00, 0x01,                           /* SPKI */
	};
	static const unsigned char tail[] = {
		0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04,
		0x03, 0x02, 0x03, 0x02, 0x00, 0x01,         /* sig */
	};
	unsigned char tbs[2048], seq[2048], all[2048];
	size_t n = sizeof head, m;

	memcpy(tbs, head, n);
	if (elen != (size_t)-1) {
		m = tlv(seq, 0x30, exts, elen);
		n += tlv(tbs + n, 0xA3, seq, m);
	}
	m = tlv(all, 0x30, tbs, n);
	memcpy(all + m, tail, sizeof tail);
	return tlv(out, 0x30, all, m + sizeof tail);
}

static const unsigned char oid_san[] = { 0x55, 0x1D, 0x11 };
static const unsigned char oid_bc[] = { 0x55, 0x1D, 0x13 };
static const unsigned char ip4[4] = { 192, 0, 2, 10 };
static const unsigned char ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0x01 };

/* Feed der in pieces of step bytes (0: whole); the result. */
static int
scan(const unsigned char *der, size_t len, uint32_t total,
    const unsigned char *ip, size_t iplen, size_t step)
{
	struct x509ip_scan s;
	size_t off, k;

	x509ip_scan_start(&s, ip, iplen, total);
	for (off = 0; off < len; off += k) {
		k = step == 0 || step > len - off ? len - off : step;
		x509ip_scan_push(&s, der + off, k);
	}
	return x509ip_scan_result(&s);
}

/* A SAN's GeneralNames content with entries: "D" dNSName text, "4"
 * ip4, "6" ip6, "5" 5 bytes starting with ip4, "O" an otherName, "N" a
 * directoryName, "T" ip4's text as a dNSName, "W" ip4 in a wrong tag
 * (a [7] constructed). */
static size_t
gnames(unsigned char *out, const char *spec)
{
	static const unsigned char other[] = { 0x06, 0x03, 0x2A, 0x03, 0x04,
	    0xA0, 0x03, 0x0C, 0x01, 'x' };
	static const unsigned char dn[] = { 0x30, 0x00 };
	unsigned char b[16];
	size_t n = 0;

	for (; *spec != '\0'; spec++) {
		switch (*spec) {
		case 'D':
			n += tlv(out + n, 0x82, "acme.test", 9);
			break;
		case 'T':
			n += tlv(out + n, 0x82, "192.0.2.10", 10);
			break;
		case '4':
			n += tlv(out + n, 0x87, ip4, 4);
			break;
		case '6':
			n += tlv(out + n, 0x87, ip6, 16);
			break;
		case '5':
			memcpy(b, ip4, 4);
			b[4] = 0xFF;
			n += tlv(out + n, 0x87, b, 5);
			break;
		case 'O':
			n += tlv(out + n, 0xA0, other, sizeof other);
			break;
		case 'N':
			n += tlv(out + n, 0xA4, dn, sizeof dn);
			break;
		case 'W':
			tlv(b, 0x04, ip4, 4);
			n += tlv(out + n, 0xA7, b, 6);
			break;
		}
	}
	return n;
}

/* Extensions with a basicConstraints and one SAN of spec. */
static size_t
exts_san(unsigned char *out, const char *spec, int crit)
{
	static const unsigned char bc[] = { 0x30, 0x00 };
	unsigned char g[512], v[520];
	size_t n = ext(out, oid_bc, sizeof oid_bc, 1, bc, sizeof bc);

	n += ext(out + n, oid_san, sizeof oid_san, crit, v,
	    tlv(v, 0x30, g, gnames(g, spec)));
	return n;
}

/* Offset in der of the first occurrence of pat, or 0. */
static size_t
find(const unsigned char *der, size_t len, const void *pat, size_t plen)
{
	size_t i;

	for (i = 0; i + plen <= len; i++)
		if (memcmp(der + i, pat, plen) == 0)
			return i;
	return 0;
}

/* The same answer whole, byte by byte and in 7-byte pieces. */
static void
check_scan(const char *what, const unsigned char *der, size_t len,
    const unsigned char *ip, size_t iplen, int want)
{
	static const size_t steps[] = { 0, 1, 7 };
	unsigned i;
	int r;

	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		r = scan(der, len, (uint32_t)len, ip, iplen, steps[i]);
		CHECKF(r == want, "%s (pieces of %zu): %d, want %d", what,
		    steps[i], r, want);
	}
}

static void
test_scan(void)
{
	static const struct {
		const char *spec;
		int crit;
		int want4, want6;
	} tc[] = {
		{ "4", 0, 1, 0 },
		{ "6", 1, 0, 1 },
		{ "D4", 0, 1, 0 },
		{ "DON6D4", 0, 1, 1 },
		{ "D", 0, 0, 0 },
		{ "T", 0, 0, 0 },            /* the address as text: no */
		{ "5", 0, 0, 0 },            /* 5 bytes starting with it */
		{ "W", 0, 0, 0 },            /* not an [7] primitive */
		{ "", 1, 0, 0 },
		{ "ONDT5W6", 0, 0, 1 },
	};
	unsigned char e[1024], d[2048], m[2048], v[64];
	size_t el, dl, off, i;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("scan SAN \"%s\"", tc[i].spec);
		el = exts_san(e, tc[i].spec, tc[i].crit);
		dl = cert(d, e, el);
		check_scan(tc[i].spec, d, dl, ip4, 4, tc[i].want4);
		check_scan(tc[i].spec, d, dl, ip6, 16, tc[i].want6);
		/* No address to look for matches nothing. */
		check_scan(tc[i].spec, d, dl, ip4, 0, 0);
	}

	T_CASE("scan without SAN or extensions");
	el = ext(e, oid_bc, sizeof oid_bc, 1, "\x30\x00", 2);
	dl = cert(d, e, el);
	check_scan("no SAN", d, dl, ip4, 4, 0);
	dl = cert(d, NULL, (size_t)-1);
	check_scan("no extensions", d, dl, ip4, 4, 0);
	/* An unknown extension holding an iPAddress-shaped value. */
	tlv(v, 0x30, e, gnames(e, "4"));
	el = ext(m, oid_bc, sizeof oid_bc, 0, v, 8);
	dl = cert(d, m, el);
	check_scan("address outside a SAN", d, dl, ip4, 4, 0);

	T_CASE("scan two SAN extensions");
	el = exts_san(e, "D", 0);
	el += exts_san(e + el, "4", 0);
	dl = cert(d, e, el);
	check_scan("two SANs", d, dl, ip4, 4, -1);

	/* The good certificate, then each malformation of it. */
	el = exts_san(e, "D4", 0);
	dl = cert(d, e, el);
	T_CASE("scan cut short");
	for (i = 0; i < dl; i++) {
		r = scan(d, i, (uint32_t)dl, ip4, 4, 0);
		CHECKF(r == -1, "cut at %zu of %zu: %d", i, dl, r);
		r = scan(d, i, (uint32_t)i, ip4, 4, 1);
		CHECKF(r == -1, "%zu of %zu bytes announced as all: %d", i, dl,
		    r);
	}
	T_CASE("scan trailing bytes");
	memcpy(m, d, dl);
	m[dl] = 0x05;
	m[dl + 1] = 0x00;
	check_scan("trailing NULL", m, dl + 2, ip4, 4, -1);
	r = scan(d, dl, (uint32_t)dl - 1, ip4, 4, 0);
	CHECKF(r == -1, "more bytes than announced: %d", r);

	T_CASE("scan malformed SAN");
	off = find(d, dl, "\x87\x04", 2);
	CHECK(off > 0 && memcmp(d + off + 2, ip4, 4) == 0);
	{
		static const struct {
			const char *what;
			int rel;            /* offset from the iPAddress tag */
			unsigned char byte;
		} mut[] = {
			{ "address longer than GeneralNames", 1, 0x05 },
			{ "address of indefinite length", 1, 0x80 },
			{ "length of 5 bytes", 1, 0x85 },
			{ "long length cut", 1, 0x82 },
			{ "multi-byte tag", 0, 0x9F },
		};
		unsigned j;

		for (j = 0; j < sizeof mut / sizeof mut[0]; j++) {
			memcpy(m, d, dl);
			m[off + (size_t)mut[j].rel] = mut[j].byte;
			check_scan(mut[j].what, m, dl, ip4, 4, -1);
		}
	}
	/* GeneralNames longer than the extnValue holding it. */
	memcpy(m, d, dl);
	off = find(d, dl, oid_san, sizeof oid_san) + sizeof oid_san;
	CHECK(d[off] == 0x04 && d[off + 2] == 0x30);
	m[off + 3] = (unsigned char)(m[off + 3] + 1);
	check_scan("GeneralNames past extnValue", m, dl, ip4, 4, -1);
	/* extnValue's content not a SEQUENCE. */
	memcpy(m, d, dl);
	m[off + 2] = 0x31;
	check_scan("GeneralNames a SET", m, dl, ip4, 4, -1);
	/* Extensions not a SEQUENCE. */
	memcpy(m, d, dl);
	i = find(m, dl, "\xA3", 1);
	CHECK(i > 0 && m[i + 2] == 0x30);
	m[i + 2] = 0x31;
	check_scan("Extensions a SET", m, dl, ip4, 4, -1);
	/* Certificate not a SEQUENCE. */
	memcpy(m, d, dl);
	m[0] = 0x31;
	check_scan("Certificate a SET", m, dl, ip4, 4, -1);
	/* A huge length (4 bytes) where a small one is. */
	memcpy(m, d, dl);
	memmove(m + off + 8, m + off + 4, dl - off - 4);
	m[off + 3] = 0x84;
	memset(m + off + 4, 0xFF, 4);
	CHECK(m[off + 8] == d[off + 4]);
	check_scan("length 2^32-1", m, dl + 4, ip4, 4, -1);
}

/* ------------------------------------------------------------- engine */

static char tmpdir[] = "/tmp/test_x509ip_XXXXXX";

struct der_file {
	unsigned char b[4096];
	size_t len;
};

/* Run a shell command in tmpdir; 0 when it succeeded. */
static int
sh(const char *cmd)
{
	char c[2048];

	snprintf(c, sizeof c, "cd %s && (%s) >/dev/null 2>&1", tmpdir, cmd);
	return system(c);
}

static int
load(const char *name, struct der_file *f)
{
	char p[256];
	FILE *fp;

	snprintf(p, sizeof p, "%s/%s", tmpdir, name);
	if ((fp = fopen(p, "rb")) == NULL)
		return -1;
	f->len = fread(f->b, 1, sizeof f->b, fp);
	fclose(fp);
	return f->len > 0 && f->len < sizeof f->b ? 0 : -1;
}

/* The test CA as a trust anchor. */
static unsigned char ta_dn[512], ta_q[133];
static size_t ta_dn_len;
static br_x509_trust_anchor ta;

static void
dn_append(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	if (len <= sizeof ta_dn - ta_dn_len) {
		memcpy(ta_dn + ta_dn_len, buf, len);
		ta_dn_len += len;
	}
}

static int
make_ta(const struct der_file *ca)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;

	br_x509_decoder_init(&dc, dn_append, NULL);
	br_x509_decoder_push(&dc, ca->b, ca->len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || pk->key_type != BR_KEYTYPE_EC ||
	    pk->key.ec.qlen > sizeof ta_q)
		return -1;
	memcpy(ta_q, pk->key.ec.q, pk->key.ec.qlen);
	ta.dn.data = ta_dn;
	ta.dn.len = ta_dn_len;
	ta.flags = BR_X509_TA_CA;
	ta.pkey.key_type = BR_KEYTYPE_EC;
	ta.pkey.key.ec.curve = pk->key.ec.curve;
	ta.pkey.key.ec.q = ta_q;
	ta.pkey.key.ec.qlen = pk->key.ec.qlen;
	return 0;
}

static void
minimal_setup(br_x509_minimal_context *xc)
{
	time_t now = time(NULL);

	br_x509_minimal_init(xc, &br_sha256_vtable, &ta, 1);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_ecdsa(xc, br_ec_get_default(),
	    br_ecdsa_vrfy_asn1_get_default());
	br_x509_minimal_set_time(xc, (uint32_t)(now / 86400 + 719528),
	    (uint32_t)(now % 86400));
}

/* Drive x (a wrapper or a bare minimal) as the TLS engine does: the
 * name it gives start_chain is host, or "" when no SNI was set. */
static unsigned
drive(const br_x509_class **x, const char *name,
    const struct der_file *const *chain, size_t n, size_t step)
{
	size_t i, off, k;

	(*x)->start_chain(x, name);
	for (i = 0; i < n; i++) {
		(*x)->start_cert(x, (uint32_t)chain[i]->len);
		for (off = 0; off < chain[i]->len; off += k) {
			k = step == 0 || step > chain[i]->len - off ?
			    chain[i]->len - off : step;
			(*x)->append(x, chain[i]->b + off, k);
		}
		(*x)->end_cert(x);
	}
	return (*x)->end_chain(x);
}

/* The wrapper's verdict on leaf and ca for host.  With sni set, the
 * engine passes host to start_chain even for an address (a caller that
 * set it as SNI): the wrapper must ignore it. */
static unsigned
verify(const char *host, const struct der_file *leaf,
    const struct der_file *ca, size_t step, int sni, int *ipmode)
{
	br_x509_minimal_context xc;
	struct x509ip_context xi;
	const struct der_file *chain[2];

	chain[0] = leaf;
	chain[1] = ca;
	minimal_setup(&xc);
	*ipmode = x509ip_init(&xi, &xc, host);
	return drive(&xi.vtable, *ipmode && !sni ? "" : host, chain, 2,
	    step);
}

/* The leaves: name, subject CN, extension lines. */
static const struct {
	const char *name, *cn, *ext;
} leaves[] = {
	{ "ip4", "x", "subjectAltName=IP:127.0.0.1" },
	{ "dnsip", "x", "subjectAltName=DNS:127.0.0.1,DNS:localhost" },
	{ "cnip", "127.0.0.1", "" },
	{ "ip6", "x", "subjectAltName=IP:2001:db8::1" },
	{ "many", "x", "subjectAltName=DNS:a.test,email:x@a.test,"
	    "URI:https://a.test/,IP:10.0.0.1,dirName:dir_sect,IP:::1,"
	    "otherName:1.2.3.4;UTF8:x,IP:127.0.0.1\n[dir_sect]\nCN=d" },
	{ "dns", "acme.test", "subjectAltName=DNS:acme.test" },
	{ "badsan", "x", "2.5.29.17=DER:30:07:87:04:7f:00:00:01" },
	{ "ipshort", "x", "2.5.29.17=DER:30:03:87:01:7f" },
};

static struct der_file ca_der, other_der, leaf_der[9];

/* Make the CAs and leaves with openssl.  0 or -1. */
static int
make_certs(void)
{
	char c[1024];
	unsigned i;

	if (mkdtemp(tmpdir) == NULL)
		return -1;
	if (sh("for ca in ca other; do openssl req -x509 -new -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $ca.key "
	    "-out $ca.pem -days 2 -subj \"/CN=x509ip test $ca\" -addext "
	    "basicConstraints=critical,CA:TRUE -addext "
	    "keyUsage=critical,keyCertSign && openssl x509 -in $ca.pem "
	    "-outform DER -out $ca.der || exit 1; done && openssl ecparam "
	    "-name prime256v1 -genkey -noout -out leaf.key") != 0 ||
	    load("ca.der", &ca_der) != 0 || load("other.der", &other_der) ||
	    make_ta(&ca_der) != 0)
		return -1;
	for (i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
		snprintf(c, sizeof c, "printf '%%s\\n' "
		    "basicConstraints=critical,CA:FALSE "
		    "keyUsage=critical,digitalSignature '%s' >%s.ext && "
		    "openssl req -new -key leaf.key -subj /CN=%s -out %s.csr "
		    "&& openssl x509 -req -in %s.csr -CA ca.pem -CAkey ca.key "
		    "-CAcreateserial -days 2 -extfile %s.ext -outform DER "
		    "-out %s.der", leaves[i].ext, leaves[i].name, leaves[i].cn,
		    leaves[i].name, leaves[i].name, leaves[i].name,
		    leaves[i].name);
		if (sh(c) != 0 || load(strcat(strcpy(c, leaves[i].name),
		    ".der"), &leaf_der[i]) != 0)
			return -1;
	}
	/* The "ip4" leaf, but from the other CA. */
	return sh("openssl x509 -req -in ip4.csr -CA other.pem -CAkey "
	    "other.key -CAcreateserial -days 2 -extfile ip4.ext -outform DER "
	    "-out stranger.der") == 0 && load("stranger.der", &leaf_der[8]) ==
	    0 ? 0 : -1;
}

static int
leaf_index(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
		if (strcmp(leaves[i].name, name) == 0)
			return (int)i;
	return 8;       /* "stranger" */
}

#define NOT_OK 1000     /* any failure (a malformed SAN: whoever sees it) */

static void
test_engine(void)
{
	static const struct {
		const char *leaf, *host;
		unsigned want;      /* end_chain's code, NOT_OK: not 0 */
	} tc[] = {
		{ "ip4", "127.0.0.1", 0 },
		{ "ip4", "127.0.0.2", X509IP_ERR_NO_MATCH },
		{ "ip4", "::ffff:127.0.0.1", X509IP_ERR_NO_MATCH },
		{ "ip4", "127.1", X509IP_ERR_NO_MATCH },
		{ "ip4", "localhost", BR_ERR_X509_BAD_SERVER_NAME },
		{ "ip4", "", X509IP_ERR_NO_MATCH },     /* not "no check" */
		{ "dnsip", "127.0.0.1", X509IP_ERR_NO_MATCH },
		{ "dnsip", "localhost", 0 },
		{ "cnip", "127.0.0.1", X509IP_ERR_NO_MATCH },
		{ "ip6", "2001:db8::1", 0 },
		{ "ip6", "2001:DB8:0:0:0:0:0:1", 0 },
		{ "ip6", "2001:db8::2", X509IP_ERR_NO_MATCH },
		{ "ip6", "127.0.0.1", X509IP_ERR_NO_MATCH },
		{ "many", "127.0.0.1", 0 },
		{ "many", "10.0.0.1", 0 },
		{ "many", "::1", 0 },
		{ "many", "0:0::1", 0 },
		{ "many", "10.0.0.2", X509IP_ERR_NO_MATCH },
		{ "many", "a.test", 0 },
		{ "many", "b.test", BR_ERR_X509_BAD_SERVER_NAME },
		{ "dns", "acme.test", 0 },
		{ "dns", "ACME.Test", 0 },
		{ "dns", "other.test", BR_ERR_X509_BAD_SERVER_NAME },
		{ "badsan", "127.0.0.1", NOT_OK },
		{ "ipshort", "127.0.0.1", X509IP_ERR_NO_MATCH },
		{ "stranger", "127.0.0.1", BR_ERR_X509_NOT_TRUSTED },
		/* minimal's verdict comes first */
		{ "stranger", "127.0.0.2", BR_ERR_X509_NOT_TRUSTED },
	};
	static const size_t steps[3] = { 0, 1, 7 };
	unsigned i, j, r;
	int ip, li;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("engine %s for %s", tc[i].leaf, tc[i].host);
		li = leaf_index(tc[i].leaf);
		for (j = 0; j < 2 * sizeof steps / sizeof steps[0]; j++) {
			r = verify(tc[i].host, &leaf_der[li], li == 8 ?
			    &other_der : &ca_der, steps[j % 3], j >= 3, &ip);
			CHECKF(tc[i].want == NOT_OK ? r != 0 : r == tc[i].want,
			    "%s for %s (pieces of %zu%s): %u, want %u",
			    tc[i].leaf, tc[i].host, steps[j % 3],
			    j >= 3 ? ", named" : "", r, tc[i].want);
			CHECK(ip == (x509ip_parse(tc[i].host,
			    (unsigned char[16]){ 0 }) != 0));
		}
		/* A name: exactly what minimal alone says. */
		if (!ip) {
			br_x509_minimal_context xc;
			const struct der_file *chain[2];

			chain[0] = &leaf_der[li];
			chain[1] = li == 8 ? &other_der : &ca_der;
			minimal_setup(&xc);
			CHECK(drive(&xc.vtable, tc[i].host, chain, 2, 0) ==
			    r);
		}
	}

	/* The wrapper hands out minimal's key. */
	T_CASE("engine key");
	{
		br_x509_minimal_context xc;
		struct x509ip_context xi;
		const struct der_file *chain[1];
		const br_x509_class **x = &xi.vtable;
		const br_x509_pkey *pk;
		unsigned usages = 0;

		chain[0] = &leaf_der[leaf_index("ip4")];
		minimal_setup(&xc);
		CHECK(x509ip_init(&xi, &xc, "127.0.0.1") == 1);
		CHECK(drive(x, "", chain, 1, 0) == 0);
		pk = (*x)->get_pkey((const br_x509_class *const *)x, &usages);
		CHECK(pk != NULL && pk->key_type == BR_KEYTYPE_EC &&
		    (usages & BR_KEYTYPE_SIGN));
		CHECK((*x)->context_size == sizeof xi);
		/* No certificate at all. */
		minimal_setup(&xc);
		x509ip_init(&xi, &xc, "127.0.0.1");
		CHECK(drive(x, "", chain, 0, 0) == BR_ERR_X509_EMPTY_CHAIN);
	}
}

/* ---------------------------------------------------------------- tls */

static struct fs S;
static struct acme_port P;
static struct acme_client C;
static struct tls_conn T;

static int
sink_any(void *arg, const unsigned char *data, size_t len, size_t *used)
{
	(void)arg;
	(void)data;
	*used = len;
	return 1;
}

/* tls_open to host and one GET: the result; *sni what the server got. */
static int
exchange(const char *host, char *sni, size_t cap)
{
	static const char req[] =
	    "GET /dir HTTP/1.1\r\nHost: acme.test\r\n\r\n";
	struct tls_xfer x;
	unsigned i;
	int r;

	sni[0] = '\0';
	tls_init(&T);
	r = tls_open(&T, &P, host, 443, &S.ta, 1, FS_T0);
	if (r != ACME_OK)
		return r;
	memset(&x, 0, sizeof x);
	x.tx[0] = (const unsigned char *)req;
	x.tx_len[0] = sizeof req - 1;
	x.sink = sink_any;
	for (i = 0, r = 0; i < 10000 && (r == 0 || r == TLS_PROGRESS); i++) {
		r = tls_xfer_step(&T, &P, &x);
		if (S.conn[0].used && sni[0] == '\0')
			snprintf(sni, cap, "%.*s", (int)cap - 1,
			    br_ssl_engine_get_server_name(&S.conn[0].sc.eng));
	}
	tls_close(&T, &P);
	return r;
}

static void
test_tls(void)
{
	static const struct {
		const char *host;
		int want;
		int err;            /* T.last_error */
		const char *sni;
	} tc[] = {
		{ "127.0.0.1", 1, 0, "" },
		{ FS_HOST, 1, 0, FS_HOST },
		{ "127.0.0.2", ACME_ERR_TLS, X509IP_ERR_NO_MATCH, "" },
		{ "::1", ACME_ERR_TLS, X509IP_ERR_NO_MATCH, "" },
		{ "other.test", ACME_ERR_TLS, BR_ERR_X509_BAD_SERVER_NAME,
		    "other.test" },
	};
	char sni[512];
	unsigned i;
	int r;

	for (i = 0; i < sizeof tc / sizeof tc[0]; i++) {
		T_CASE("tls to %s", tc[i].host);
		fs_init(&S, 4200 + i);
		fs_port(&S, &P);
		S.alt_host = tc[i].host;
		r = exchange(tc[i].host, sni, sizeof sni);
		CHECKF(r == tc[i].want, "%s: %d, want %d (BearSSL %d)",
		    tc[i].host, r, tc[i].want, T.last_error);
		if (tc[i].want != 1)
			CHECKF(T.last_error == tc[i].err, "%s: error %d",
			    tc[i].host, T.last_error);
		CHECKF(strcmp(sni, tc[i].sni) == 0, "%s: SNI \"%s\"",
		    tc[i].host, sni);
		CHECK(S.handshakes == (tc[i].want == 1));
	}

	/* What acme_run() says. */
	T_CASE("tls message");
	fs_init(&S, 4300);
	fs_port(&S, &P);
	S.alt_host = "127.0.0.2";
	{
		static const char *const names[] = { "a.acme.test" };
		struct acme_config cfg;

		memset(&cfg, 0, sizeof cfg);
		cfg.directory_url = "https://127.0.0.2/dir";
		cfg.trust_anchors = &S.ta;
		cfg.trust_anchor_count = 1;
		cfg.names = names;
		cfg.name_count = 1;
		cfg.agree_tos = 1;
		CHECK(acme_init(&C, &cfg, &P) == ACME_OK);
		r = acme_run(&C);
		acme_close(&C);
	}
	CHECKF(r == ACME_ERR_TLS, "%s: %s", acme_strerror(r),
	    acme_message(&C));
	CHECKF(strstr(acme_message(&C), "server certificate has no "
	    "iPAddress SAN for 127.0.0.2") != NULL, "\"%s\"",
	    acme_message(&C));
	CHECK(S.connects == 1 && S.requests == 0);
}

int
main(void)
{
	int certs;

	T_RUN(test_parse);
	T_RUN(test_scan);
	certs = make_certs() == 0;
	T_CASE("openssl made the certificates");
	CHECKF(certs, "in %s", tmpdir);
	if (certs)
		T_RUN(test_engine);
	T_RUN(test_tls);
	sh("rm -f *.key *.pem *.der *.csr *.ext *.srl");
	rmdir(tmpdir);
	return t_done("x509ip");
}
