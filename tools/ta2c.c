/*
 * ta2c.c -- trust anchors as C source, for a firmware that cannot afford
 * to parse PEM at boot (make fw-field builds its ISRG roots with it).
 *
 *   ta2c NAME FILE.pem...  > anchors.c
 *
 * Every CERTIFICATE of every FILE (a bundle may hold several) becomes one
 * const br_x509_trust_anchor of the array NAME, whose length is the
 * const size_t NAME_count.  The anchor is what BearSSL's x509 engines
 * compare with: the subject DN (as encoded), the public key (RSA modulus
 * and exponent, or EC curve and point) and BR_X509_TA_CA when the
 * certificate is a CA (basicConstraints); the rest of the certificate
 * (validity, extensions, signature) is not kept, as in BearSSL's
 * `brssl ta`.  Each anchor's comment gives its file's base name, subject
 * CN, key and the SHA-256 of its DER, so a reader can check it against
 * the file it came from.  The output depends on the files' contents and
 * base names only, so the same input gives the same bytes.
 *
 * Exits 1 with a message when a file cannot be read, holds no
 * certificate, a certificate does not decode, or its key is neither RSA
 * nor EC.  Host tool: links the system's BearSSL (libbearssl-dev).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bearssl.h>

#define TA2C_MAX_FILE (1 << 20)
#define TA2C_MAX_DER 8192
#define TA2C_MAX_DN 1024
#define TA2C_MAX_TAS 256

struct ta2c_buf {
	unsigned char *p;
	size_t len, cap;
	int over;
};

static void
ta2c_append(void *ctx, const void *data, size_t len)
{
	struct ta2c_buf *b = ctx;

	if (len > b->cap - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
ta2c_bytes(const char *name, int n, const char *what,
    const unsigned char *p, size_t len)
{
	size_t i;

	printf("static const unsigned char %s%d_%s[%zu] = {", name, n, what,
	    len);
	for (i = 0; i < len; i++)
		printf("%s0x%02x%s", i % 12 == 0 ? "\n\t" : "", p[i],
		    i + 1 < len ? (i % 12 == 11 ? "," : ", ") : "");
	printf("\n};\n");
}

/* The commonName (OID 2.5.4.3) of an encoded DN, for the comment: the
 * first UTF8String/PrintableString value after the OID, printable ASCII
 * only.  "?" when there is none. */
static void
ta2c_cn(const unsigned char *dn, size_t len, char *out, size_t cap)
{
	static const unsigned char oid[] = { 0x06, 0x03, 0x55, 0x04, 0x03 };
	size_t i, n, k;

	snprintf(out, cap, "?");
	for (i = 0; i + sizeof oid + 2 <= len; i++) {
		if (memcmp(dn + i, oid, sizeof oid) != 0)
			continue;
		i += sizeof oid;
		n = dn[i + 1];
		if (n >= 0x80 || i + 2 + n > len || n + 1 > cap)
			return;
		for (k = 0; k < n; k++) {
			unsigned char c = dn[i + 2 + k];

			out[k] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		out[n] = 0;
		return;
	}
}

/* What an anchor's initializer needs, after all arrays are printed. */
struct ta2c_anchor {
	int is_ca, key_type, curve;
};

/* Print the arrays of certificate n (der, len) of file; fill *ta.
 * 0, or -1 with a message. */
static int
ta2c_cert(const char *name, int n, const char *file,
    const unsigned char *der, size_t len, struct ta2c_anchor *ta)
{
	static unsigned char dnbuf[TA2C_MAX_DN];
	struct ta2c_buf dn = { dnbuf, 0, sizeof dnbuf, 0 };
	br_x509_decoder_context dc;
	br_sha256_context h;
	const br_x509_pkey *pk;
	unsigned char hash[32];
	char cn[128];
	const char *base = strrchr(file, '/');
	size_t i;
	int err;

	br_x509_decoder_init(&dc, ta2c_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	err = br_x509_decoder_last_error(&dc);
	if (pk == NULL || err != 0 || dn.over) {
		fprintf(stderr, "ta2c: %s: certificate %d does not decode "
		    "(BearSSL error %d)\n", file, n, err);
		return -1;
	}
	if (pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC) {
		fprintf(stderr, "ta2c: %s: certificate %d: key neither RSA "
		    "nor EC\n", file, n);
		return -1;
	}
	br_sha256_init(&h);
	br_sha256_update(&h, der, len);
	br_sha256_out(&h, hash);
	ta2c_cn(dn.p, dn.len, cn, sizeof cn);
	printf("\n/* %d: %s: CN=%s, ", n, base != NULL ? base + 1 : file, cn);
	if (pk->key_type == BR_KEYTYPE_RSA)
		printf("RSA-%zu", pk->key.rsa.nlen * 8);
	else
		printf("EC curve %d", pk->key.ec.curve);
	printf("%s\n * SHA-256 of the DER: ", br_x509_decoder_isCA(&dc) ?
	    ", CA" : "");
	for (i = 0; i < sizeof hash; i++)
		printf("%02X%s", hash[i], i == 15 ? "\n *   " : "");
	printf(" */\n");
	ta2c_bytes(name, n, "dn", dn.p, dn.len);
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta2c_bytes(name, n, "n", pk->key.rsa.n, pk->key.rsa.nlen);
		ta2c_bytes(name, n, "e", pk->key.rsa.e, pk->key.rsa.elen);
	} else {
		ta2c_bytes(name, n, "q", pk->key.ec.q, pk->key.ec.qlen);
	}
	ta->is_ca = br_x509_decoder_isCA(&dc);
	ta->key_type = pk->key_type;
	ta->curve = pk->key_type == BR_KEYTYPE_EC ? pk->key.ec.curve : 0;
	return 0;
}

/* The anchor's initializer, pointing at the arrays ta2c_cert printed. */
static void
ta2c_entry(const char *name, int n, int is_ca, int key_type, int curve)
{
	printf("\t{ { (unsigned char *)%s%d_dn, sizeof %s%d_dn },\n"
	    "\t  %s,\n", name, n, name, n, is_ca ? "BR_X509_TA_CA" : "0");
	if (key_type == BR_KEYTYPE_RSA)
		printf("\t  { BR_KEYTYPE_RSA, { .rsa = {\n"
		    "\t    (unsigned char *)%s%d_n, sizeof %s%d_n,\n"
		    "\t    (unsigned char *)%s%d_e, sizeof %s%d_e } } } },\n",
		    name, n, name, n, name, n, name, n);
	else if (curve >= BR_EC_secp256r1 && curve <= BR_EC_secp521r1)
		printf("\t  { BR_KEYTYPE_EC, { .ec = { BR_EC_secp%sr1,\n"
		    "\t    (unsigned char *)%s%d_q, sizeof %s%d_q } } } },\n",
		    curve == BR_EC_secp256r1 ? "256" :
		    curve == BR_EC_secp384r1 ? "384" : "521", name, n, name, n);
	else
		printf("\t  { BR_KEYTYPE_EC, { .ec = { %d,\n"
		    "\t    (unsigned char *)%s%d_q, sizeof %s%d_q } } } },\n",
		    curve, name, n, name, n);
}

static unsigned char *
ta2c_read(const char *file, size_t *len)
{
	FILE *f = fopen(file, "rb");
	unsigned char *p;

	if (f == NULL)
		return NULL;
	p = malloc(TA2C_MAX_FILE);
	if (p == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(p, 1, TA2C_MAX_FILE, f);
	if (ferror(f) || *len == TA2C_MAX_FILE) {
		fclose(f);
		free(p);
		return NULL;
	}
	fclose(f);
	return p;
}

int
main(int argc, char **argv)
{
	static unsigned char der[TA2C_MAX_DER];
	static struct ta2c_anchor tas[TA2C_MAX_TAS];
	const char *name;
	int a, n = 0, i;

	if (argc < 3) {
		fprintf(stderr, "usage: ta2c NAME FILE.pem... > anchors.c\n");
		return 2;
	}
	name = argv[1];
	printf("/*\n * Trust anchors %s[]: generated by tools/ta2c from\n",
	    name);
	for (a = 2; a < argc; a++) {
		const char *base = strrchr(argv[a], '/');

		printf(" *   %s\n", base != NULL ? base + 1 : argv[a]);
	}
	printf(" * Do not edit: regenerate it.\n */\n"
	    "#include <stddef.h>\n#include <bearssl.h>\n");
	for (a = 2; a < argc; a++) {
		br_pem_decoder_context pc;
		struct ta2c_buf d = { der, 0, sizeof der, 0 };
		size_t len, off = 0;
		unsigned char *pem = ta2c_read(argv[a], &len);
		int in_cert = 0, found = 0;

		if (pem == NULL) {
			fprintf(stderr, "ta2c: cannot read %s\n", argv[a]);
			return 1;
		}
		br_pem_decoder_init(&pc);
		while (off < len) {
			off += br_pem_decoder_push(&pc, pem + off, len - off);
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				in_cert = strcmp(br_pem_decoder_name(&pc),
				    "CERTIFICATE") == 0;
				d.len = 0;
				d.over = 0;
				br_pem_decoder_setdest(&pc, in_cert ?
				    ta2c_append : NULL, &d);
				break;
			case BR_PEM_END_OBJ:
				if (!in_cert)
					break;
				if (d.over || n == TA2C_MAX_TAS) {
					fprintf(stderr, "ta2c: %s: too large\n",
					    argv[a]);
					return 1;
				}
				if (ta2c_cert(name, n, argv[a], d.p, d.len,
				    &tas[n]) != 0)
					return 1;
				n++;
				found++;
				in_cert = 0;
				break;
			case BR_PEM_ERROR:
				fprintf(stderr, "ta2c: %s: bad PEM\n", argv[a]);
				return 1;
			}
		}
		free(pem);
		if (found == 0) {
			fprintf(stderr, "ta2c: %s: no CERTIFICATE\n", argv[a]);
			return 1;
		}
	}
	printf("\nconst br_x509_trust_anchor %s[%d] = {\n", name, n);
	for (i = 0; i < n; i++)
		ta2c_entry(name, i, tas[i].is_ca, tas[i].key_type,
		    tas[i].curve);
	printf("};\n\nconst size_t %s_count = %d;\n", name, n);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
