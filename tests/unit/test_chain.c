/*
 * test_chain.c -- the issued chain's PEM check (core/chain.c) on text
 * that is not what a CA sends: bytes after a certificate's DER inside its
 * PEM object (fuzz_chain's crash: BearSSL's X.509 decoder, pushed again
 * after it had finished, read through a null pointer), DER that fails
 * early followed by more, and a whole certificate as the control.  Each
 * text is fed whole and one byte at a time.
 */
#include <string.h>
#include <bearssl.h>
#include "chain.h"
#include "fake_certs.h"
#include "t.h"

static char text[4096];
static size_t text_len;

static void
text_add(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	if (len > sizeof text - 1 - text_len)
		len = sizeof text - 1 - text_len;
	memcpy(text + text_len, data, len);
	text_len += len;
}

/* der[0..len) as one CERTIFICATE object, appended to text. */
static void
text_pem(const unsigned char *der, size_t len)
{
	static char pem[4096];
	size_t n = br_pem_encode(pem, der, len, "CERTIFICATE",
	    BR_PEM_LINE64);

	text_add(NULL, pem, n);
}

int
main(void)
{
	static unsigned char der[sizeof fs_srv_der + 1000], leaf[2048];
	static const struct {
		const char *what;
		size_t extra;       /* bytes after the DER */
		int first;          /* the first byte, 0: the real one */
		const char *why;    /* NULL: accepted, else in the reason */
	} rows[] = {
		{ "a whole certificate", 0, 0, NULL },
		{ "3 bytes after its DER", 3, 0, "" },
		{ "400 bytes after its DER", 400, 0, "" },
		{ "1000 bytes after its DER", 1000, 0, "" },
		{ "a SET, then 400 bytes more", 400, 0x31, "" },
	};
	struct chain_check k;
	size_t i, j, len;
	int step, r;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (step = 0; step < 2; step++) {
			T_CASE("%s, %s", rows[i].what, step ? "byte by byte" :
			    "whole");
			memset(der, 0, sizeof der);
			memcpy(der, fs_srv_der, sizeof fs_srv_der);
			if (rows[i].first)
				der[0] = (unsigned char)rows[i].first;
			len = sizeof fs_srv_der + rows[i].extra;
			text_len = 0;
			text_pem(der, len);
			chain_init(&k, leaf, sizeof leaf);
			r = 0;
			if (step)
				for (j = 0; j < text_len && r == 0; j++)
					r = chain_push(&k, text + j, 1);
			else
				r = chain_push(&k, text, text_len);
			if (rows[i].why == NULL) {
				CHECKF(r == 0 && k.certs == 1 && !k.in_obj,
				    "r %d, why %s", r, k.why ? k.why : "-");
				CHECK(k.leaf.len == sizeof fs_srv_der &&
				    memcmp(leaf, fs_srv_der, k.leaf.len) == 0);
			} else {
				CHECKF(r == -1 && k.why != NULL &&
				    strstr(k.why, rows[i].why) != NULL,
				    "r %d, why %s", r, k.why ? k.why : "-");
				CHECK(k.certs == 0);
			}
		}
	return t_done("chain");
}
