/*
 * fuzz_http.c -- libFuzzer harness for core/http.c.
 *
 * The first input byte picks the feeding: bit 0 is is_head, the other
 * seven bits a split point (0..127 scaled to the rest of the input).  The
 * rest is parsed three ways -- whole, in two pieces at the split point,
 * one byte at a time -- and the three results must agree field for field
 * (streamed equals one-shot); the parser's bounds are checked after each.
 * The same bytes, as a string, go to http_date_parse and http_url_split,
 * and a URL that splits must give a request head with no injected line.
 * Any disagreement aborts.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Icore -Iport \
 *       core/http.c tests/fuzz/fuzz_http.c -o fuzz_http
 *   ./fuzz_http -max_total_time=60 corpus/
 *
 * With -DFUZZ_STDIN (any compiler) a main() runs each file named on the
 * command line, or stdin, once: for replaying crashes without libFuzzer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "acme_err.h"

#define FUZZ_CAP 300            /* body buffer: small, to hit the limit */
#define FUZZ_NOW 784111777u     /* Sun, 06 Nov 1994 08:49:37 GMT */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct http_resp res[3];
static char body[3][FUZZ_CAP + 1];
/* Link rel="alternate" URLs, two kept, and a guard entry. */
#define FUZZ_ALTS 2
static char alt[3][FUZZ_ALTS + 1][ACME_MAX_URL + 1];

/* Abort unless c: the harness's only verdict. */
static void
fuzz_assert(int c)
{
	if (!c)
		abort();
}

/* The buffer's string ends inside it. */
static void
fuzz_str(const char *s, size_t cap)
{
	fuzz_assert(memchr(s, '\0', cap) != NULL);
}

/*
 * Parse d[0..n) into r: pieces end at cut and every step bytes (0: no
 * steps); EOF when incomplete.  Checks the parser's bounds after each
 * call.  Returns the result; *used gets the bytes consumed.
 */
static int
fuzz_run(struct http_resp *r, char *b, int is_head, const uint8_t *d,
    size_t n, size_t cut, size_t step, size_t *used)
{
	char (*al)[ACME_MAX_URL + 1] = alt[r - res];
	size_t pos = 0, end, u;
	unsigned k;
	int rc = 0;

	http_resp_init(r, b, FUZZ_CAP + 1, is_head, FUZZ_NOW);
	memset(al, 0x5a, sizeof alt[0]);
	http_resp_alternates(r, al, FUZZ_ALTS);
	while (pos < n) {
		end = n;
		if (step != 0 && pos + step < n)
			end = pos + step;
		if (pos < cut && cut < end)
			end = cut;
		rc = http_resp_feed(r, d + pos, end - pos, &u);
		fuzz_assert(u <= end - pos);
		fuzz_assert(rc == 0 || rc == 1 || rc == ACME_ERR_HTTP ||
		    rc == ACME_ERR_TOO_LARGE);
		fuzz_assert(r->header_bytes <= ACME_MAX_HEADERS);
		fuzz_assert(r->line_len <= ACME_MAX_HEADER_LINE);
		fuzz_assert(r->body_len <= FUZZ_CAP);
		pos += u;
		if (rc != 0)
			break;
		fuzz_assert(pos == end);
	}
	if (rc == 0)
		rc = http_resp_eof(r);
	fuzz_assert(http_resp_feed(r, d, n, &u) == rc && u == 0);
	fuzz_assert(http_resp_eof(r) == rc);
	fuzz_assert(b[r->body_len] == '\0');
	fuzz_str(r->nonce, sizeof r->nonce);
	fuzz_str(r->location, sizeof r->location);
	fuzz_str(r->link_up, sizeof r->link_up);
	fuzz_str(r->content_type, sizeof r->content_type);
	fuzz_assert(!r->has_nonce || strlen(r->nonce) > 0);
	fuzz_assert(r->alt_n <= FUZZ_ALTS);
	for (k = 0; k < r->alt_n; k++)
		fuzz_assert(memchr(al[k], '\0', ACME_MAX_URL + 1) != NULL &&
		    al[k][0] != '\0');
	fuzz_assert((unsigned char)al[FUZZ_ALTS][0] == 0x5a);
	fuzz_assert(r->retry_after >= -1 && r->retry_after <= 86400L * 365);
	*used = pos;
	return rc;
}

/* Two complete parses must agree on every result. */
static void
fuzz_same(const struct http_resp *a, const struct http_resp *b)
{
	unsigned k;

	fuzz_assert(a->status == b->status && a->minor == b->minor);
	fuzz_assert(a->has_nonce == b->has_nonce &&
	    a->nonce_too_long == b->nonce_too_long &&
	    strcmp(a->nonce, b->nonce) == 0);
	fuzz_assert(strcmp(a->location, b->location) == 0);
	fuzz_assert(strcmp(a->link_up, b->link_up) == 0);
	fuzz_assert(strcmp(a->content_type, b->content_type) == 0);
	fuzz_assert(a->retry_after == b->retry_after);
	fuzz_assert(a->content_length == b->content_length);
	fuzz_assert(a->chunked == b->chunked &&
	    a->conn_close == b->conn_close);
	fuzz_assert(a->body_len == b->body_len &&
	    memcmp(a->body, b->body, a->body_len) == 0);
	fuzz_assert(a->alt_n == b->alt_n && a->alt_more == b->alt_more);
	for (k = 0; k < a->alt_n; k++)
		fuzz_assert(strcmp(alt[a - res][k], alt[b - res][k]) == 0);
}

/* The input as a string: dates, URLs, and request heads from URLs. */
static void
fuzz_strings(const uint8_t *d, size_t n)
{
	static char s[600], host[64], head[1024];
	const char *path, *p;
	unsigned port;
	uint64_t t;
	int rc;

	if (n >= sizeof s)
		n = sizeof s - 1;
	memcpy(s, d, n);
	s[n] = '\0';
	if (http_date_parse(s, &t) == 0)
		fuzz_assert(t <= 253402300800ULL);
	rc = http_url_split(s, host, sizeof host, &port, &path);
	fuzz_assert(rc == ACME_OK || rc == ACME_ERR_PARAM ||
	    rc == ACME_ERR_TOO_LARGE);
	fuzz_str(host, sizeof host);
	if (rc != ACME_OK)
		return;
	fuzz_assert(host[0] != '\0' && port >= 1 && port <= 65535);
	fuzz_assert(path != NULL && path[0] == '/');
	rc = http_req_head(head, sizeof head, "GET", host, port, path,
	    NULL, 0, NULL, NULL);
	fuzz_assert(rc > 0 || rc == ACME_ERR_TOO_LARGE);
	if (rc < 0)
		return;
	/* one header end, at the end; every CR starts a CRLF */
	p = strstr(head, "\r\n\r\n");
	fuzz_assert(p != NULL && p + 4 == head + rc);
	for (p = head; *p != '\0'; p++)
		fuzz_assert((*p != '\r' || p[1] == '\n') &&
		    (*p != '\n' || (p > head && p[-1] == '\r')));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cut, used[3];
	int rc[3], is_head;

	if (size < 1)
		return 0;
	is_head = data[0] & 1;
	cut = (size - 1) * (size_t)(data[0] >> 1) / 127;
	data++;
	size--;
	rc[0] = fuzz_run(&res[0], body[0], is_head, data, size, size, 0,
	    &used[0]);
	rc[1] = fuzz_run(&res[1], body[1], is_head, data, size, cut, 0,
	    &used[1]);
	rc[2] = fuzz_run(&res[2], body[2], is_head, data, size, size, 1,
	    &used[2]);
	fuzz_assert(rc[0] == rc[1] && rc[0] == rc[2]);
	if (rc[0] == 1) {
		fuzz_assert(used[0] == used[1] && used[0] == used[2]);
		fuzz_same(&res[0], &res[1]);
		fuzz_same(&res[0], &res[2]);
	}
	fuzz_strings(data, size);
	return 0;
}

#ifdef FUZZ_STDIN
#include <stdio.h>

/* Run each named file (or stdin) through the harness once. */
int
main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	FILE *f;
	size_t n;
	int i;

	for (i = argc > 1 ? 1 : 0; i < argc; i++) {
		f = argc > 1 ? fopen(argv[i], "rb") : stdin;
		if (f == NULL)
			return 2;
		n = fread(buf, 1, sizeof buf, f);
		if (f != stdin)
			fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#endif
