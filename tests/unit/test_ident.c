/*
 * test_ident.c -- what kind of identifier a name is, IP addresses parsed
 * (RFC 4291 2.2 text forms) and printed canonically (RFC 1123, RFC 5952
 * section 4 examples), checked against inet_pton()/inet_ntop() as a
 * second opinion, and a round trip of random addresses with zero runs.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "ident.h"
#include "t.h"

static const struct {
	const char *name;
	int type;
	const char *canon;      /* IP: the canonical text */
} rows[] = {
	{ "device.example.com", IDENT_DNS, NULL },
	{ "localhost", IDENT_DNS, NULL },
	{ "a1.b2", IDENT_DNS, NULL },
	{ "1.2.3.4.example", IDENT_DNS, NULL },
	{ "*.example.com", IDENT_WILDCARD, NULL },
	{ "*.a", IDENT_WILDCARD, NULL },
	{ "192.0.2.7", IDENT_IP, "192.0.2.7" },
	{ "0.0.0.0", IDENT_IP, "0.0.0.0" },
	{ "255.255.255.255", IDENT_IP, "255.255.255.255" },
	{ "10.0.2.15", IDENT_IP, "10.0.2.15" },
	{ "::1", IDENT_IP, "::1" },
	{ "::", IDENT_IP, "::" },
	{ "2001:db8::1", IDENT_IP, "2001:db8::1" },
	{ "2001:DB8:0:0:0:0:0:1", IDENT_IP, "2001:db8::1" },
	/* RFC 5952 4.1 leading zeros, 4.2.2 one zero group is not "::",
	 * 4.2.3 the first of equal runs, 4.3 lower case */
	{ "2001:0db8::0001", IDENT_IP, "2001:db8::1" },
	{ "2001:db8:0:1:1:1:1:1", IDENT_IP, "2001:db8:0:1:1:1:1:1" },
	{ "2001:db8:0:0:1:0:0:1", IDENT_IP, "2001:db8::1:0:0:1" },
	{ "2001:0:0:1:0:0:0:1", IDENT_IP, "2001:0:0:1::1" },
	{ "2001:DB8::AbCd", IDENT_IP, "2001:db8::abcd" },
	{ "1::", IDENT_IP, "1::" },
	{ "0:0:0:0:0:0:0:1", IDENT_IP, "::1" },
	{ "::ffff:192.0.2.1", IDENT_IP, "::ffff:c000:201" },
	{ "1:2:3:4:5:6:1.2.3.4", IDENT_IP, "1:2:3:4:5:6:102:304" },
	/* none */
	{ "", -1, NULL },
	{ "256.1.1.1", -1, NULL },
	{ "1.2.3", -1, NULL },
	{ "1.2.3.4.5", -1, NULL },
	{ "01.2.3.4", -1, NULL },
	{ "1..3.4", -1, NULL },
	{ "1.2.3.4.", -1, NULL },
	{ "123", -1, NULL },
	{ "1:2", -1, NULL },
	{ ":1::", -1, NULL },
	{ "1:::2", -1, NULL },
	{ "1::2::3", -1, NULL },
	{ "1:2:3:4:5:6:7:8:9", -1, NULL },
	{ "1:2:3:4:5:6:7::8", -1, NULL },
	{ "1:2:3:4:5:6:7:8::", -1, NULL },
	{ "::1:2:3:4:5:6:7:8", -1, NULL },
	{ "12345::", -1, NULL },
	{ "g::1", -1, NULL },
	{ "::1:", -1, NULL },
	{ "[::1]", -1, NULL },
	{ "fe80::1%eth0", -1, NULL },
	{ "::1.2.3.4.5", -1, NULL },
	{ "1:2:3:4:5:6:7:1.2.3.4", -1, NULL },
	{ "*", -1, NULL },
	{ "*.", -1, NULL },
	{ "a.*.example", -1, NULL },
	{ "*.*.example", -1, NULL },
	{ "**.example", -1, NULL },
	{ "x*.example", -1, NULL },
};

static void
test_rows(void)
{
	uint8_t ip[16], want[16];
	char txt[IDENT_IP_TEXT_MAX + 1];
	size_t i, len;
	int t, af;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		T_CASE("%s[%s]", __func__, rows[i].name);
		memset(ip, 0xa5, sizeof ip);
		len = 0;
		t = ident_parse(rows[i].name, ip, &len);
		CHECKF(t == rows[i].type, "%s: type %d", rows[i].name, t);
		if (t != IDENT_IP || rows[i].type != IDENT_IP)
			continue;
		af = len == 4 ? AF_INET : AF_INET6;
		CHECKF(inet_pton(af, rows[i].name, want) == 1 &&
		    memcmp(ip, want, len) == 0, "%s: bytes", rows[i].name);
		CHECK(ident_ip_text(ip, len, txt, sizeof txt) == 0);
		CHECKF(strcmp(txt, rows[i].canon) == 0, "%s: text %s",
		    rows[i].name, txt);
		CHECK(strcmp(ident_base(rows[i].name), rows[i].name) == 0);
	}
	CHECK(strcmp(ident_base("*.example.com"), "example.com") == 0);
	CHECK(ident_parse("192.0.2.7", NULL, NULL) == IDENT_IP);
}

static void
test_text_bounds(void)
{
	const uint8_t a[16] = { 0x20, 0x01, 0x1d, 0xb8, 0x11, 0x11, 0x22,
	    0x22, 0x33, 0x33, 0x44, 0x44, 0x55, 0x55, 0x66, 0x66 };
	char t[64];
	size_t cap;

	CHECK(ident_ip_text(a, 16, t, sizeof t) == 0 &&
	    strlen(t) == IDENT_IP_TEXT_MAX);
	for (cap = 0; cap <= IDENT_IP_TEXT_MAX; cap++) {
		memset(t, '#', sizeof t);
		CHECKF(ident_ip_text(a, 16, t, cap) == -1 && t[0] == '#',
		    "cap %zu", cap);
	}
	CHECK(ident_ip_text(a, 5, t, sizeof t) == -1);
}

/* Random addresses with runs of zero groups: ours against inet_ntop's
 * (glibc follows RFC 5952 except for the IPv4-mapped forms, which are
 * avoided here), and back. */
static void
test_random(void)
{
	uint32_t x = 0x9e3779b9u;
	uint8_t ip[16], back[16];
	char ours[IDENT_IP_TEXT_MAX + 1], libc[64];
	size_t len;
	unsigned i, g;

	for (i = 0; i < 20000; i++) {
		for (g = 0; g < 8; g++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			if (x % 3 == 0) {
				ip[2 * g] = ip[2 * g + 1] = 0;
			} else {
				ip[2 * g] = (uint8_t)(x >> 8);
				ip[2 * g + 1] = (uint8_t)(x >> 20);
			}
		}
		ip[0] |= 0x20;          /* not ::ffff:a.b.c.d or ::a.b.c.d */
		CHECK(ident_ip_text(ip, 16, ours, sizeof ours) == 0);
		CHECK(inet_ntop(AF_INET6, ip, libc, sizeof libc) != NULL);
		CHECKF(strcmp(ours, libc) == 0, "%s vs %s", ours, libc);
		CHECKF(ident_parse(ours, back, &len) == IDENT_IP &&
		    len == 16 && memcmp(ip, back, 16) == 0, "%s", ours);
	}
}

/* DNS names checked and normalised (ident_dns_norm): good ones in their
 * normal form, bad ones with the reason's key word. */
static const struct {
	const char *name;
	const char *want;       /* the normal form, or a word of the reason */
	int ok;
} dns_rows[] = {
	{ "Device.Example.COM", "device.example.com", 1 },
	{ "device.example.com.", "device.example.com", 1 },
	{ "*.Example.com.", "*.example.com", 1 },
	{ "a-b.c9", "a-b.c9", 1 },
	{ "xn--bcher-kva.example", "xn--bcher-kva.example", 1 },
	{ "localhost", "localhost", 1 },
	{ "foo_bar.example", "character", 0 },
	{ "foo bar.example", "character", 0 },
	{ "caf\xc3\xa9.example", "character", 0 },
	{ "a..example", "empty label", 0 },
	{ ".example", "empty label", 0 },
	{ "example..", "empty label", 0 },
	{ ".", "empty name", 0 },
	{ "-a.example", "starts with", 0 },
	{ "a-.example", "ends with", 0 },
	{ "a.example-", "ends with", 0 },
	{ "*.-a.example", "starts with", 0 },
	{ "*..example", "empty label", 0 },
	{ "*.foo_bar.example", "character", 0 },
};

static void
test_dns_norm(void)
{
	char out[ACME_MAX_NAME + 1], big[300];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof dns_rows / sizeof dns_rows[0]; i++) {
		T_CASE("%s[%s]", __func__, dns_rows[i].name);
		why = ident_dns_norm(dns_rows[i].name, out, sizeof out);
		if (dns_rows[i].ok)
			CHECKF(why == NULL && strcmp(out, dns_rows[i].want) ==
			    0, "%s: %s", dns_rows[i].name, why ? why : out);
		else
			CHECKF(why != NULL && strstr(why, dns_rows[i].want),
			    "%s: %s", dns_rows[i].name, why ? why : out);
	}
	/* A label of 63 is good, 64 is not; a name of 253 is good (in a
	 * buffer that holds it), 254 is not; a short buffer is "too long"
	 * for the buffer, not a bad name. */
	T_CASE("%s[lengths]", __func__);
	memset(big, 'a', sizeof big);
	big[63] = 0;
	CHECK(ident_dns_norm(big, out, sizeof out) == NULL);
	big[63] = 'a';
	big[64] = 0;
	CHECK((why = ident_dns_norm(big, out, sizeof out)) != NULL &&
	    strstr(why, "63") != NULL);
	for (i = 63; i < 253; i += 64)
		big[i] = '.';
	big[64] = 'a';
	big[253] = 0;
	CHECK(ident_dns_norm(big, (char [254]){0}, 254) == NULL);
	CHECK(ident_dns_norm(big, out, sizeof out) == ident_too_long);
	big[253] = 'a';
	big[254] = 0;
	CHECK((why = ident_dns_norm(big, (char [300]){0}, 300)) != NULL &&
	    strstr(why, "253") != NULL);
	/* one trailing dot only */
	CHECK(ident_dns_norm("a.b..", out, sizeof out) != NULL);
}

int
main(void)
{
	T_RUN(test_rows);
	T_RUN(test_text_bounds);
	T_RUN(test_random);
	T_RUN(test_dns_norm);
	return t_done("ident");
}
