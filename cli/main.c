/*
 * main.c -- the picoacme command: obtain a certificate on a Linux host
 * with the picoacme library and the POSIX port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "acme.h"
#include "dns_hook.h"
#include "net.h"
#include "ta_file.h"

static const char usage[] =
"usage: picoacme ensure --server DIRECTORY_URL --ca-file PEM --state-dir DIR\n"
"                       --http-port N -d NAME [-d NAME ...] [options]\n"
"       picoacme issue  (the same options)\n"
"       picoacme rollover|deactivate --server URL --ca-file PEM\n"
"                       --state-dir DIR\n"
"       picoacme revoke [--reason N] [--by-cert-key] --server URL\n"
"                       --ca-file PEM --state-dir DIR\n"
"       picoacme help [COMMAND] | --help | --version\n"
"\n"
"Obtain a certificate from an ACME (RFC 8555) server.  Challenges: http-01\n"
"(the default), answered by a built-in responder on --http-port;\n"
"tls-alpn-01, answered by a built-in TLS responder on --alpn-port; dns-01,\n"
"published by your --dns-hook command.\n"
"\n"
"ensure keeps the stored certificate while it is good and not due (no\n"
"request at all), and renews it in the CA's renewal window (ARI) or the\n"
"last third of its lifetime: run it at every boot, or daily from cron or\n"
"a systemd timer.  issue orders a new certificate now.\n"
"\n"
"rollover replaces the account key (RFC 8555 7.3.5): the new key is kept\n"
"in account-new.key until the CA has it, so an interrupted rollover is\n"
"finished (or undone) by the next run that talks to the CA.  deactivate\n"
"ends the account for good (7.3.6): account.url then says so and later\n"
"runs stop (exit 24) until account.key and account.url are removed.\n"
"revoke revokes cert.pem (7.6), signed by the account key or, with\n"
"--by-cert-key, by cert.key.  They make no new account and need no -d.\n"
"\n"
"  --server URL      the ACME directory URL (https://...)\n"
"  --ca-file PEM     CA certificates that must sign the ACME server's\n"
"                    TLS certificate (e.g. /etc/ssl/certs/ca-certificates.crt)\n"
"  --state-dir DIR   where the account and the result live (created):\n"
"                      account.key, account.url  the ACME account, reused\n"
"                      cert.pem                  the chain, leaf first\n"
"                      cert.key                  its private key (0600)\n"
"  --http-port N     TCP port of the http-01 responder (80 in production;\n"
"                    the server's validator connects there)\n"
"  -d, --domain NAME a DNS name, a wildcard (*.example.com: dns-01 only)\n"
"                    or an IP address (192.0.2.7, 2001:db8::7) for the\n"
"                    certificate; repeat for more\n"
"  --challenge LIST  the challenge types to use, most preferred first,\n"
"                    comma-separated: http-01, tls-alpn-01, dns-01 (for\n"
"                    each name the first the CA offers; default http-01)\n"
"  --alpn-port N     TCP port of the tls-alpn-01 responder (443 in\n"
"                    production: the CA connects there)\n"
"  --dns-hook CMD    dns-01: run through /bin/sh as 'CMD add NAME VALUE'\n"
"                    before the challenge and 'CMD remove NAME VALUE'\n"
"                    afterwards (also after a failure), NAME the\n"
"                    _acme-challenge name; exit 0 when done, 75 for\n"
"                    'not yet, ask again' (every second, within the\n"
"                    validation time bound), else a failure\n"
"  --contact URI     account contact, e.g. mailto:admin@example.com\n"
"  --eab-kid ID      External Account Binding (RFC 8555 7.3.4) for a CA\n"
"                    that requires it (ZeroSSL, Google, private CAs): the\n"
"                    key identifier the CA gave; with --eab-hmac-key\n"
"  --eab-hmac-key K  the EAB HMAC key as the CA shows it (base64url);\n"
"                    needed only to make the account\n"
"  --reason N        revoke: the RFC 5280 reason code (0 unspecified, the\n"
"                    default; 1 keyCompromise, 3 affiliationChanged,\n"
"                    4 superseded, 5 cessationOfOperation ...)\n"
"  --by-cert-key     revoke: sign with cert.key instead of the account key\n"
"  --agree-tos       agree to the CA's terms of service (needed to make a\n"
"                    new account when the CA has terms: picoacme shows\n"
"                    their URL and stops with exit 2 without it)\n"
"  --profile NAME    a certificate profile the CA lists (Let's Encrypt:\n"
"                    classic, tlsserver, shortlived)\n"
"  --preferred-chain NAME  when the CA offers several chains, store the\n"
"                    one whose topmost certificate was issued by NAME (its\n"
"                    issuer's common name, e.g. \"ISRG Root X1\"); if none\n"
"                    is, the CA's default chain\n"
"  --key-type T      the certificate key: p256 (default), p384 or\n"
"                    rsa2048; a new key is made for every certificate\n"
"  --account-key-type T  the account key when one is made: es256\n"
"                    (P-256, default) or es384 (P-384); a stored\n"
"                    account.key is used whatever its type\n"
"  --max-retry-wait S  the longest Retry-After (seconds) waited out within\n"
"                    a run (default 60); a longer one ends the run, and\n"
"                    ensure makes no request before it has passed\n"
"  -v, --verbose     log every request (method, URL, status), the waits,\n"
"                    and the counters at the end\n"
"  -h, --help        this text (also: picoacme help, picoacme COMMAND -h)\n"
"  -V, --version     print the version\n"
"\n"
"Without --verbose, on a terminal, one status line on stderr shows what\n"
"picoacme is doing; nothing when stderr is not a terminal.\n"
"\n"
"Exit status:\n"
"   0  the certificate is good (ensure) or a new one was stored (stdout\n"
"      says which); rollover, deactivate, revoke: done\n"
"   2  bad usage, or the CA's terms of service not agreed to\n"
"  11  a bad argument (e.g. a name that is not a valid DNS name); nothing\n"
"      was sent\n"
"  22  storage: the state directory or a file in it cannot be read or\n"
"      written (the message names it)\n"
"  29  ensure is backing off after a failure or a Retry-After (stdout\n"
"      says until when; nothing was sent)\n"
"  30  rate limited by the CA (rateLimited): the message says when to\n"
"      retry when the CA said\n"
"  31  the CA refuses to issue for a name (rejectedIdentifier)\n"
"  32  bad CA file (--ca-file unreadable or without a certificate)\n"
"  33  validation failed: the CA found an authorization invalid (the\n"
"      challenge was not answered as it expected)\n"
"  otherwise 10 + the error number of acme_err.h (13 network, 14 timeout,\n"
"      15 TLS, 18 the server's problem, 24 order invalid ...)\n"
"Errors are one line on stderr naming the error and the server's problem\n"
"type and detail.\n";

/* Exit codes of their own (the others are 10 + |acme_err|). */
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_RATE_LIMITED 30
#define CLI_EXIT_REJECTED 31
#define CLI_EXIT_CA_FILE 32
#define CLI_EXIT_VALIDATION 33

/* s on f with control characters and DEL made visible (\n, \r, \t,
 * \xNN): a server's text never spans lines nor moves the cursor. */
static void
cli_put_escaped(FILE *f, const char *s)
{
	unsigned char ch;

	for (; *s != 0; s++) {
		ch = (unsigned char)*s;
		if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
}

/* The status line: on a terminal without --verbose, what the flow is
 * doing, rewritten in place on stderr and cleared at the end. */
static void (*cli_log_next)(void *, int, const char *);
static int cli_status_on;
static int cli_status_shown;

static void
cli_status_clear(void)
{
	if (cli_status_shown)
		fputs("\r\033[K", stderr);
	cli_status_shown = 0;
	fflush(stderr);
}

static void
cli_log(void *ctx, int level, const char *msg)
{
	struct winsize ws;
	size_t width = 80, n;

	if (cli_status_on && level == ACME_LOG_INFO) {
		if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
			width = ws.ws_col;
		fputs("\r\033[Kpicoacme: ", stderr);
		for (n = 10; *msg != 0 && n + 1 < width; msg++, n++)
			fputc((unsigned char)*msg < 0x20 ? '?' : *msg, stderr);
		fflush(stderr);
		cli_status_shown = 1;
		return;
	}
	if (cli_log_next != NULL)
		cli_log_next(ctx, level, msg);
}

static const char usage_hint[] = " (see picoacme --help)";

static int
cli_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *s != 0 && *end == 0 && *out <= max ? 0 : -1;
}

static void
cli_counters(const struct acme_counters *k)
{
	fprintf(stderr, "picoacme: counters: requests=%u head_nonce=%u "
	    "badnonce_retries=%u stale_nonces=%u handshakes=%u "
	    "invalid_nonces=%u net_retries=%u polls=%u challenges_served=%u "
	    "bytes_sent=%llu bytes_received=%llu\n",
	    k->requests, k->head_nonce, k->badnonce_retries, k->stale_nonces,
	    k->handshakes, k->invalid_nonces, k->net_retries, k->polls,
	    k->challenges_served, (unsigned long long)k->bytes_sent,
	    (unsigned long long)k->bytes_received);
}

/* t (seconds since 1970) as "2026-12-02T05:12:00Z" in a static buffer. */
static const char *
cli_time(uint64_t t)
{
	static char b[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL ||
	    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "(unknown)";
	return b;
}

/* 1 when opt is one of main.c's options that take a value. */
static int
cli_takes_value(const char *opt)
{
	static const char *const opts[] = { "--server", "--ca-file",
	    "--state-dir", "--contact", "--profile", "--max-retry-wait",
	    "--preferred-chain",
	    "--key-type", "--account-key-type",
	    "--challenge", "--dns-hook", "--alpn-port", "--http-port", "-d",
	    "--domain", "--eab-kid", "--eab-hmac-key", "--reason" };
	size_t k;

	for (k = 0; k < sizeof opts / sizeof opts[0]; k++)
		if (strcmp(opt, opts[k]) == 0)
			return 1;
	return 0;
}

/* "http-01,dns-01" into t[0..3), *n types.  0, or -1 (unknown, twice,
 * empty). */
static int
cli_challenges(const char *s, int *t, size_t *n)
{
	static const char *const names[] = { "http-01", "tls-alpn-01",
	    "dns-01" };
	size_t len, k, j;

	for (*n = 0; ; s += len + 1) {
		len = strcspn(s, ",");
		for (k = 0; k < 3; k++)
			if (strlen(names[k]) == len &&
			    strncmp(s, names[k], len) == 0)
				break;
		if (k == 3 || *n == 3)
			return -1;
		for (j = 0; j < *n; j++)
			if (t[j] == (int)k + 1)
				return -1;
		t[(*n)++] = (int)k + 1;
		if (s[len] == 0)
			return 0;
	}
}

static int
cli_has(const int *t, size_t n, int type)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i] == type)
			return 1;
	return 0;
}

/* 1 when the problem (or its first subproblem) is urn:...:error:name. */
static int
cli_problem_is(const struct acme_problem *p, const char *name)
{
	static const char ns[] = "urn:ietf:params:acme:error:";

	return p != NULL && ((strncmp(p->type, ns, sizeof ns - 1) == 0 &&
	    strcmp(p->type + sizeof ns - 1, name) == 0) ||
	    (strncmp(p->sub_type, ns, sizeof ns - 1) == 0 &&
	    strcmp(p->sub_type + sizeof ns - 1, name) == 0));
}

/* The one error line for a failed run, and its exit code. */
static int
cli_failed(const struct acme_client *c, int r)
{
	const struct acme_problem *p = acme_problem(c);
	const char *what = NULL;
	int code = 10 - r;

	if (cli_problem_is(p, "rateLimited")) {
		what = "rate limited by the CA";
		code = CLI_EXIT_RATE_LIMITED;
	} else if (cli_problem_is(p, "rejectedIdentifier")) {
		what = "the CA will not issue for this name";
		code = CLI_EXIT_REJECTED;
	} else if (cli_problem_is(p, "externalAccountRequired")) {
		what = "this CA requires External Account Binding: give "
		    "--eab-kid and --eab-hmac-key";
	} else if (r == ACME_ERR_INVALID && strncmp(acme_message(c),
	    "order became invalid", 20) != 0 &&
	    acme_message(c)[strcspn(acme_message(c), " :")] == ':') {
		/* "NAME: problem" (an authorization), not "the account is
		 * ..." */
		what = "validation failed";
		code = CLI_EXIT_VALIDATION;
	}
	fprintf(stderr, "picoacme: error: %s: ", acme_strerror(r));
	if (what != NULL)
		fprintf(stderr, "%s: ", what);
	cli_put_escaped(stderr, acme_message(c));
	if (code == CLI_EXIT_RATE_LIMITED && acme_next_check(c) != 0)
		fprintf(stderr, "; retry after %s",
		    cli_time(acme_next_check(c)));
	fputc('\n', stderr);
	return code;
}

/* What cli_issue() runs. */
enum { CLI_ISSUE, CLI_ENSURE, CLI_ROLLOVER, CLI_DEACTIVATE, CLI_REVOKE };
static const char *const cli_cmds[] = { "issue", "ensure", "rollover",
	"deactivate", "revoke" };

/* picoacme issue (order now), ensure (only when due), and the account
 * operations. */
static int
cli_issue(int argc, char **argv, int mode)
{
	int ensure = mode == CLI_ENSURE, acct = mode >= CLI_ROLLOVER;
	const char *eab_kid = NULL, *eab_key = NULL;
	unsigned long reason = 0;
	int by_cert_key = 0;
	static struct acme_client client;
	const char *server = NULL, *ca = NULL, *dir = NULL, *contact = NULL;
	const char *profile = NULL, *hook = NULL, *preferred = NULL;
	const char *names[ACME_MAX_IDENTIFIERS];
	unsigned long port = 0, alpn = 0, wait = 0;
	size_t nnames = 0, nchal = 0;
	int chal[3];
	int verbose = 0, agree = 0, i, r;
	int key_type = ACME_KEYTYPE_P256, acct_type = ACME_KEYTYPE_P256;
	br_x509_trust_anchor *tas = NULL;
	long ntas;
	char err[512];
	struct acme_config cfg;
	struct acme_port ap;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			fputs(cli_net_usage, stdout);
			return 0;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose++;
			continue;
		}
		if (strcmp(a, "--agree-tos") == 0) {
			agree = 1;
			continue;
		}
		if (strcmp(a, "--by-cert-key") == 0 && mode == CLI_REVOKE) {
			by_cert_key = 1;
			continue;
		}
		if (a[0] != '-') {
			fprintf(stderr, "picoacme: unexpected argument '%s'%s\n",
			    a, usage_hint);
			return 2;
		}
		if (v == NULL) {
			if (!cli_takes_value(a) &&
			    cli_net_option(a, "", err, sizeof err) == 0)
				break;          /* unknown: said below */
			fprintf(stderr, "picoacme: %s needs a value%s\n", a,
			    usage_hint);
			return 2;
		}
		i++;
		if (strcmp(a, "--server") == 0) {
			server = v;
		} else if (strcmp(a, "--ca-file") == 0) {
			ca = v;
		} else if (strcmp(a, "--state-dir") == 0) {
			dir = v;
		} else if (strcmp(a, "--contact") == 0) {
			contact = v;
		} else if (strcmp(a, "--profile") == 0) {
			profile = v;
		} else if (strcmp(a, "--preferred-chain") == 0) {
			preferred = v;
		} else if (strcmp(a, "--key-type") == 0) {
			key_type = strcmp(v, "p256") == 0 ? ACME_KEYTYPE_P256 :
			    strcmp(v, "p384") == 0 ? ACME_KEYTYPE_P384 :
			    strcmp(v, "rsa2048") == 0 ?
			    ACME_KEYTYPE_RSA2048 : -1;
			if (key_type < 0) {
				fprintf(stderr, "picoacme: bad --key-type %s "
				    "(p256, p384, rsa2048)%s\n", v, usage_hint);
				return 2;
			}
		} else if (strcmp(a, "--account-key-type") == 0) {
			acct_type = strcmp(v, "es256") == 0 ? ACME_KEYTYPE_P256 :
			    strcmp(v, "es384") == 0 ? ACME_KEYTYPE_P384 : -1;
			if (acct_type < 0) {
				fprintf(stderr, "picoacme: bad "
				    "--account-key-type %s (es256, es384)%s\n",
				    v, usage_hint);
				return 2;
			}
		} else if (strcmp(a, "--eab-kid") == 0) {
			eab_kid = v;
		} else if (strcmp(a, "--eab-hmac-key") == 0) {
			eab_key = v;
		} else if (strcmp(a, "--reason") == 0 && mode == CLI_REVOKE) {
			if (cli_num(v, 10, &reason) != 0 || reason == 7) {
				fprintf(stderr, "picoacme: bad --reason %s (an "
				    "RFC 5280 code, 0..10 but 7)%s\n", v,
				    usage_hint);
				return 2;
			}
		} else if (strcmp(a, "--max-retry-wait") == 0) {
			if (cli_num(v, 86400, &wait) != 0 || wait == 0) {
				fprintf(stderr, "picoacme: bad --max-retry-wait "
				    "%s (1..86400 seconds)%s\n", v, usage_hint);
				return 2;
			}
		} else if (strcmp(a, "--challenge") == 0) {
			if (cli_challenges(v, chal, &nchal) != 0) {
				fprintf(stderr, "picoacme: bad --challenge %s "
				    "(http-01, tls-alpn-01, dns-01, each once, "
				    "comma-separated)%s\n", v, usage_hint);
				return 2;
			}
		} else if (strcmp(a, "--dns-hook") == 0) {
			hook = v;
		} else if (strcmp(a, "--alpn-port") == 0) {
			if (cli_num(v, 65535, &alpn) != 0 || alpn == 0) {
				fprintf(stderr, "picoacme: bad --alpn-port %s "
				    "(1..65535)%s\n", v, usage_hint);
				return 2;
			}
		} else if (strcmp(a, "--http-port") == 0) {
			if (cli_num(v, 65535, &port) != 0 || port == 0) {
				fprintf(stderr, "picoacme: bad --http-port %s "
				    "(1..65535)%s\n", v, usage_hint);
				return 2;
			}
		} else if (strcmp(a, "-d") == 0 ||
		    strcmp(a, "--domain") == 0) {
			if (nnames == ACME_MAX_IDENTIFIERS) {
				fprintf(stderr, "picoacme: at most %d names "
				    "(ACME_MAX_IDENTIFIERS)%s\n",
				    ACME_MAX_IDENTIFIERS, usage_hint);
				return 2;
			}
			names[nnames++] = v;
		} else {
			int t = cli_net_option(a, v, err, sizeof err);

			if (t < 0) {
				fprintf(stderr, "picoacme: %s%s\n", err,
				    usage_hint);
				return 2;
			}
			if (t == 0) {
				i--;            /* the option, not its value */
				break;
			}
		}
	}
	if (i < argc) {
		fprintf(stderr, "picoacme: unknown option %s%s\n", argv[i],
		    usage_hint);
		return 2;
	}
	if (nchal == 0) {
		chal[0] = ACME_CHALLENGE_HTTP01;
		nchal = 1;
	}
	if ((eab_kid == NULL) != (eab_key == NULL)) {
		fprintf(stderr, "picoacme: --eab-kid and --eab-hmac-key go "
		    "together%s\n", usage_hint);
		return 2;
	}
	if (acct && (server == NULL || ca == NULL || dir == NULL)) {
		fprintf(stderr, "picoacme: %s needs --server, --ca-file and "
		    "--state-dir%s\n", cli_cmds[mode], usage_hint);
		return 2;
	}
	if (!acct && (server == NULL || ca == NULL || dir == NULL ||
	    nnames == 0 ||
	    (port == 0 && cli_has(chal, nchal, ACME_CHALLENGE_HTTP01)) ||
	    (alpn == 0 && cli_has(chal, nchal, ACME_CHALLENGE_TLSALPN01)) ||
	    (hook == NULL && cli_has(chal, nchal, ACME_CHALLENGE_DNS01)))) {
		fprintf(stderr, "picoacme: %s needs --server, --ca-file, "
		    "--state-dir, at least one -d, and --http-port for "
		    "http-01, --alpn-port for tls-alpn-01, --dns-hook for "
		    "dns-01%s\n", ensure ? "ensure" : "issue", usage_hint);
		return 2;
	}
	/* Everything that can be checked here is, before the CA hears
	 * from us: the names (acme_init() below), the state directory and
	 * the CA file. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "picoacme: cannot create the state directory "
		    "%s: %s\n", dir, strerror(errno));
		return 10 - ACME_ERR_STORAGE;
	}
	if (access(dir, R_OK | W_OK | X_OK) != 0) {
		fprintf(stderr, "picoacme: cannot write to the state directory "
		    "%s: %s\n", dir, strerror(errno));
		return 10 - ACME_ERR_STORAGE;
	}
	if (access(ca, R_OK) != 0) {
		fprintf(stderr, "picoacme: cannot read the CA file %s: %s\n",
		    ca, strerror(errno));
		return CLI_EXIT_CA_FILE;
	}
	ntas = ta_file_load(ca, &tas, err, sizeof err);
	if (ntas < 0) {
		fprintf(stderr, "picoacme: %s\n", err);
		return CLI_EXIT_CA_FILE;
	}
	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = server;
	cfg.trust_anchors = tas;
	cfg.trust_anchor_count = (size_t)ntas;
	cfg.names = names;
	cfg.name_count = nnames;
	cfg.http01_port = (uint16_t)port;
	cfg.tlsalpn01_port = (uint16_t)alpn;
	cfg.challenges = chal;
	cfg.challenge_count = nchal;
	cfg.dns01_hook = hook != NULL ? dns_hook_run : NULL;
	cfg.dns01_ctx = (void *)(uintptr_t)hook;
	cfg.contact = contact;
	cfg.agree_tos = agree;
	cfg.profile = profile;
	cfg.preferred_chain = preferred;
	cfg.max_retry_wait_s = (uint32_t)wait;
	cfg.cert_key_type = key_type;
	cfg.account_key_type = acct_type;
	cfg.ensure = ensure;
	cfg.eab_kid = eab_kid;
	cfg.eab_hmac_key = eab_key;
	cfg.account_only = acct;
	if (cli_net_init(&ap, dir, verbose, err, sizeof err) != 0) {
		fprintf(stderr, "picoacme: %s\n", err);
		ta_file_free(tas, (size_t)ntas);
		return 10 - ACME_ERR_NET;
	}
	cli_log_next = ap.log;
	ap.log = cli_log;
	cli_status_on = !verbose && isatty(2);
	r = acme_init(&client, &cfg, &ap);
	if (r == ACME_OK && contact != NULL &&
	    snprintf(err, sizeof err, "%s/" ACME_STORE_ACCOUNT_URL, dir) > 0 &&
	    access(err, F_OK) == 0)
		fprintf(stderr, "picoacme: note: --contact is ignored: the "
		    "account in %s exists already and keeps its contact\n",
		    err);
	if (r == ACME_OK && mode == CLI_ROLLOVER)
		r = acme_rollover(&client);
	else if (r == ACME_OK && mode == CLI_DEACTIVATE)
		r = acme_deactivate(&client);
	else if (r == ACME_OK && mode == CLI_REVOKE)
		r = acme_revoke(&client, (int)reason, by_cert_key);
	else if (r == ACME_OK)
		r = acme_run(&client);
	acme_close(&client);
	cli_status_clear();
	if (verbose)
		cli_counters(acme_counters(&client));
	ta_file_free(tas, (size_t)ntas);
	if (r < 0 && r != ACME_ERR_BACKOFF &&
	    cli_net_storage_error(err, sizeof err) != NULL)
		fprintf(stderr, "picoacme: %s\n", err);
	if (r == ACME_ERR_TERMS) {
		fprintf(stderr, "picoacme: error: this CA's terms of service "
		    "must be agreed to for a new account: read %s and run "
		    "again with --agree-tos\n",
		    acme_terms_of_service(&client));
		return 2;
	}
	if (r == ACME_ERR_BACKOFF) {
		printf("picoacme: backing off until %s: nothing sent (",
		    cli_time(acme_next_check(&client)));
		cli_put_escaped(stdout, acme_message(&client));
		printf(")\n");
		return 10 - r;
	}
	if (r == ACME_FRESH) {
		printf("picoacme: nothing to do: %s/cert.pem is good; next "
		    "check %s\n", dir, cli_time(acme_next_check(&client)));
		return 0;
	}
	if (r != ACME_OK)
		return cli_failed(&client, r);
	if (mode == CLI_ROLLOVER)
		printf("picoacme: the account key is rolled over: %s/"
		    ACME_STORE_ACCOUNT_KEY "\n", dir);
	if (mode == CLI_DEACTIVATE)
		printf("picoacme: the account is deactivated (%s/"
		    ACME_STORE_ACCOUNT_URL ")\n", dir);
	if (mode == CLI_REVOKE)
		printf("picoacme: %s/cert.pem is revoked (reason %lu)\n", dir,
		    reason);
	if (acct)
		return 0;
	printf("picoacme: obtained a new certificate: %s/cert.pem; next "
	    "check %s\n", dir, cli_time(acme_next_check(&client)));
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc >= 2 ? argv[1] : "";
	int mode;

	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		size_t k = 0;

		while (argc >= 3 && k < sizeof cli_cmds / sizeof cli_cmds[0] &&
		    strcmp(argv[2], cli_cmds[k]) != 0)
			k++;
		if (strcmp(cmd, "help") == 0 && argc >= 3 &&
		    k == sizeof cli_cmds / sizeof cli_cmds[0]) {
			fprintf(stderr, "picoacme: no command '%s': the "
			    "commands are issue, ensure, rollover, deactivate "
			    "and revoke%s\n", argv[2], usage_hint);
			return CLI_EXIT_USAGE;
		}
		fputs(usage, stdout);
		fputs(cli_net_usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("picoacme %s\n", ACME_VERSION);
		return 0;
	}
	for (mode = 0; mode < (int)(sizeof cli_cmds / sizeof cli_cmds[0]);
	    mode++)
		if (strcmp(cmd, cli_cmds[mode]) == 0)
			return cli_issue(argc - 2, argv + 2, mode);
	if (argc < 2)
		fprintf(stderr, "picoacme: a command is needed: issue, ensure, "
		    "rollover, deactivate or revoke%s\n", usage_hint);
	else if (cmd[0] == '-')
		fprintf(stderr, "picoacme: unknown option %s%s\n", cmd,
		    usage_hint);
	else
		fprintf(stderr, "picoacme: unknown command '%s'%s\n", cmd,
		    usage_hint);
	return CLI_EXIT_USAGE;
}
