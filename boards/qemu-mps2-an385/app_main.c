/*
 * app_main.c -- the picoacme firmware: boot, DHCP, make sure a valid
 * certificate is stored (acme_ensure(): keep a good one without a
 * request, else obtain one from the ACME server with http-01 answered on
 * lwIP), print its subject and notAfter on the UART, exit through
 * semihosting.
 *
 * Test builds read their settings from host files through semihosting
 * (paths relative to where QEMU runs):
 *   fw/config    lines "url=https://10.0.2.2:PORT/dir", "name=DNS-NAME",
 *                "http_port=N", and "agree_tos=yes" when the operator
 *                agreed to the CA's terms of service (a new account
 *                needs it when the CA has terms); the field image also
 *                "ntp=SERVER" (a name or an address; without it, the
 *                server DHCP offers); the lab image also "renewals=N"
 *                (the device over time, soak() below)
 *   fw/ca.pem    the lab image: the CA that signed the ACME server's TLS
 *                certificate
 * The lab image keeps its storage (account, key, chain, state) in
 * fw/state-NAME files (app_store.c).  The field image keeps it in the
 * board's NOR flash (port/flash/store_flash.c over flash_semihost.c: here
 * the host file fw/flash.bin with NOR's rules and a power-cut hook), as
 * a product does; the ACME flow is the same code.
 *
 * The field image (FW_FIELD=1, make fw-field; docs/DESIGN.md 8d) is the
 * same program with what a public CA needs: the directory URL may name a
 * host (DNS, servers from DHCP), the time comes from SNTP (or an RTC) and
 * never from the host, the trust anchors are Let's Encrypt's roots built
 * in plus any in the stored blob "ca.pem" (put into the flash by the
 * factory or an update, tools/flashimg on the host: it can change without
 * reflashing), and eight validators can connect at once.
 *
 * Exit codes: 0 certificate obtained; 2 bad config; 3 no Ethernet; 4 no
 * DHCP lease; 5 bad CA file; 6 the server's name did not resolve (field);
 * 7 the flash store cannot be mounted (field; the emulation's own: 90 a
 * planned power cut, 91 a program over programmed flash);
 * 10 + |acme_err| for ACME failures (e.g. 19 = ACME_ERR_BAD_NONCE); the
 * board's own are >= 110 (114: no time: no RTC, no SNTP answer).
 */
#include <string.h>
#include "acme.h"
#include "board.h"
#include "semihost.h"
#include "uart.h"
#include "lwip/opt.h"
#include "lwip/port_lwip_raw.h"
#include "app_certinfo.h"
#include "app_store.h"
#include "app_ta.h"
#if !FW_FIELD
#include "app_soak.h"
#endif
#include "pem.h"
#include "prof.h"
#include "str.h"
#if FW_FIELD
#include "lwip/dns.h"
#include "clock_sntp.h"
#include "flash_semihost.h"
#include "flash/store_flash.h"
#endif

/* The http-01 responder's connections must fit the raw port's slots and
 * lwIP's PCBs: the listener, the client, ACME_HTTP01_SLOTS, and one just
 * accepted that evicts an idle one (challenge_http01.h). */
#if LWIP_RAW_MAX_CONNS < ACME_HTTP01_SLOTS + 3
#error "LWIP_RAW_MAX_CONNS must be at least ACME_HTTP01_SLOTS + 3"
#endif
#if MEMP_NUM_TCP_PCB < ACME_HTTP01_SLOTS + 2
#error "MEMP_NUM_TCP_PCB must be at least ACME_HTTP01_SLOTS + 2"
#endif

#define APP "picoacme-fw"
#define APP_EXIT_CONFIG 2
#define APP_EXIT_NETIF 3
#define APP_EXIT_DHCP 4
#define APP_EXIT_CA 5
#define APP_EXIT_DNS 6
#define APP_EXIT_FLASH 7
/* How long the field image waits for its first SNTP answer. */
#define APP_TIME_WAIT_MS 10000
/* renewals=N: at most this many; the longest wait for fw/resume after a
 * failed one, and for the connections to close after each. */
#define APP_RENEWALS_MAX 1000
#define APP_RESUME_WAIT_MS 120000
#define APP_SETTLE_MS 5000

static struct acme_client client;

#if ACME_BENCH_PROFILE
/* make bench's bench image: the counters of core/prof.h, on the board's
 * busy clock, printed after the issuance as one line bench/fw.sh reads:
 * "profile: issuance_us=N keygen_us=N/CALLS sign_us=N/CALLS ...". */
uint64_t acme_prof_acc[PROF_N];
uint32_t acme_prof_calls[PROF_N];
uint64_t acme_prof_t0;
unsigned acme_prof_k;
int acme_prof_r;
static uint64_t prof_start;

uint64_t
acme_prof_now(void)
{
	return board_busy_us();
}

static void
prof_print(uint64_t issuance_us)
{
	static const char *const name[PROF_N] = {
		" keygen_us=", " sign_us=", " handshake_us=", " records_us="
	};
	unsigned k;

	uart_puts(APP ": profile: issuance_us=");
	uart_dec((uint32_t)issuance_us);
	for (k = 0; k < PROF_N; k++) {
		uart_puts(name[k]);
		uart_dec((uint32_t)acme_prof_acc[k]);
		uart_putc('/');
		uart_dec(acme_prof_calls[k]);
	}
	uart_putc('\n');
}
#endif
static struct lwip_raw_port lwport;
static char url[ACME_MAX_URL + 1];
static char name[ACME_MAX_NAME + 1];
static unsigned http_port = 80;
static int agree_tos;
#if !FW_FIELD
static unsigned renewals;
#endif
#if FW_FIELD
static char ntp[ACME_MAX_NAME + 1];
#endif
/* Scratch shared by the config file read and the DER decoding. */
static unsigned char scratch[1200];

static void print_counters(void);

static void
say(const char *a, const char *b)
{
	uart_puts(APP ": ");
	uart_puts(a);
	if (b != NULL)
		uart_puts(b);
	uart_putc('\n');
}

static void
fail(const char *why, const char *what, int code)
{
	say(why, what);
	board_exit(code);
}

/* Copy the value of "key=" from the config text into dst. */
static int
config_value(const char *cfg, const char *key, char *dst, size_t cap)
{
	size_t kl = strlen(key);
	const char *p = cfg;

	while (p != NULL && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			const char *v = p + kl + 1;
			size_t n = strcspn(v, "\r\n");

			if (n == 0 || n >= cap)
				return -1;
			memcpy(dst, v, n);
			dst[n] = 0;
			return 0;
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* The decimal value of "key=" as *v, 1..max; unchanged when absent. */
static void
config_uint(const char *cfg, const char *key, unsigned max, unsigned *v)
{
	char num[8];
	unsigned i, n = 0;

	if (config_value(cfg, key, num, sizeof num) != 0)
		return;
	for (i = 0; num[i] >= '0' && num[i] <= '9' && n <= max; i++)
		n = n * 10 + (unsigned)(num[i] - '0');
	if (num[i] != 0 || n == 0 || n > max)
		fail("bad number in fw/config: ", key, APP_EXIT_CONFIG);
	*v = n;
}

static void
load_config(void)
{
	char *cfg = (char *)scratch, num[8];
	long n = semihost_load("fw/config", cfg, sizeof scratch - 1);

	if (n < 0)
		fail("cannot read the host file ", "fw/config", APP_EXIT_CONFIG);
	cfg[n] = 0;
	if (config_value(cfg, "url", url, sizeof url) != 0 ||
	    config_value(cfg, "name", name, sizeof name) != 0)
		fail("fw/config needs url= and name=", NULL, APP_EXIT_CONFIG);
	agree_tos = config_value(cfg, "agree_tos", num, sizeof num) == 0 &&
	    strcmp(num, "yes") == 0;
#if FW_FIELD
	if (config_value(cfg, "ntp", ntp, sizeof ntp) != 0)
		ntp[0] = 0;
#endif
	config_uint(cfg, "http_port", 65535, &http_port);
#if !FW_FIELD
	config_uint(cfg, "renewals", APP_RENEWALS_MAX, &renewals);
#endif
}

static uint64_t
fw_unix_time(void *ctx)
{
	(void)ctx;
	return board_unix_time();
}

static int
fw_entropy(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	return board_entropy(buf, len);
}

static void
fw_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= ACME_LOG_INFO)
		say(msg, NULL);
}

/* Subject CN and notAfter of the certificate (the chain's leaf). */
static void
print_certificate(void)
{
	char cn[ACME_MAX_NAME + 1], na[24];
	size_t n;
	const unsigned char *der = acme_certificate_leaf(&client, &n);

	if (der == NULL || certinfo_read(der, n, cn, sizeof cn, na,
	    sizeof na) != 0) {
		say("certificate stored, but its summary is unreadable", NULL);
		return;
	}
	say("certificate subject CN=", cn);
	say("certificate notAfter ", na);
}

/* The trust anchors.  The lab image: every certificate of the host file
 * fw/ca.pem.  The field image: the built-in ones, plus every certificate
 * of the stored blob "ca.pem" (a damaged one is reported and skipped:
 * the built-in anchors still work).  Either PEM text is read into the
 * client's response window, free until acme_init(). */
static void
load_anchors(const struct acme_port *base, struct app_ta_set *tas)
{
	long n;

#if FW_FIELD
	app_ta_add(tas, fw_ta_builtin, fw_ta_builtin_count);
	n = base->load(base->ctx, "ca.pem", client.body, sizeof client.body);
	if (n >= 0 && app_ta_add_pem(tas, client.body, (size_t)n) < 0)
		say("stored ca.pem holds no usable CA certificate (or too "
		    "many): not used", NULL);
	else if (n < -1)
		say("stored ca.pem unreadable or larger than the window: "
		    "not used", NULL);
	uart_puts(APP ": trust anchors: ");
	uart_dec((uint32_t)fw_ta_builtin_count);
	uart_puts(" built in (ISRG Root X1, X2), ");
	uart_dec((uint32_t)(tas->n - fw_ta_builtin_count));
	uart_puts(" from storage (ca.pem)\n");
#else
	(void)base;
	n = semihost_load("fw/ca.pem", client.body, sizeof client.body);
	if (n <= 0)
		fail("cannot read the host file ", "fw/ca.pem", APP_EXIT_CA);
	if (app_ta_add_pem(tas, client.body, (size_t)n) < 0)
		fail("fw/ca.pem holds no usable CA certificate", NULL,
		    APP_EXIT_CA);
#endif
}

#if FW_FIELD
/* The clock, from the RTC or SNTP, before anything needs it. */
static void
get_time(void)
{
	char t[80];

	clock_start(ntp[0] != 0 ? ntp : NULL);
	if (clock_wait(APP_TIME_WAIT_MS) != 0)
		fail("no time: ", clock_why(), BOARD_EXIT_NO_TIME);
	t[0] = 0;
	str_cat_time(t, sizeof t, board_unix_time());
	if (clock_source() == CLOCK_RTC) {
		str_cat(t, sizeof t, " from the RTC");
	} else {
		str_cat(t, sizeof t, " from SNTP server ");
		str_cat(t, sizeof t, clock_server());
	}
	str_cat(t, sizeof t, " (floor ");
	str_cat_time(t, sizeof t, clock_floor());
	str_cat(t, sizeof t, ")");
	say("time: ", t);
}

/* The run failed to connect because the directory's host has no address:
 * say so with its own exit code. */
static void
check_dns(int r)
{
	const ip_addr_t *dns = dns_getserver(0);
	int e = lwport.connect_error;

	if (r != ACME_ERR_NET || (e != LWIP_RAW_CONNECT_DNS &&
	    e != LWIP_RAW_CONNECT_DNS_TIMEOUT && e != LWIP_RAW_CONNECT_NO_DNS))
		return;
	uart_puts(APP ": error: DNS: the host of ");
	uart_puts(url);
	if (e == LWIP_RAW_CONNECT_NO_DNS) {
		uart_puts(" needs a DNS server, and DHCP offered none\n");
	} else {
		uart_puts(e == LWIP_RAW_CONNECT_DNS ? " did not resolve" :
		    " got no answer in time");
		uart_puts(" (DNS server ");
		uart_ip4(&ip_2_ip4(dns)->addr);
		uart_puts(")\n");
	}
	print_counters();
	board_exit(APP_EXIT_DNS);
}
#endif

static void
print_counters(void)
{
	const struct acme_counters *k = acme_counters(&client);

	uart_puts(APP ": counters: requests=");
	uart_dec(k->requests);
	uart_puts(" head_nonce=");
	uart_dec(k->head_nonce);
	uart_puts(" badnonce_retries=");
	uart_dec(k->badnonce_retries);
	uart_puts(" handshakes=");
	uart_dec(k->handshakes);
	uart_puts(" challenges_served=");
	uart_dec(k->challenges_served);
	uart_puts(" context_bytes=");
	uart_dec((uint32_t)sizeof client);
	uart_putc('\n');
	/* The responder's connections as the port saw them. */
	uart_puts(APP ": inbound connections: at most ");
	uart_dec(lwport.inbound_peak);
	uart_puts(" at once, ");
	uart_dec(lwport.refused);
	uart_puts(" refused for want of a slot (");
	uart_dec(ACME_HTTP01_SLOTS);
	uart_puts(" responder slots)\n");
#if FW_FIELD
	uart_puts(APP ": flash: ");
	uart_dec((uint32_t)flash_semihost_count());
	uart_puts(" program and erase operations this boot\n");
#endif
}

#if !FW_FIELD
/* Poll the network for ms. */
static void
poll_for(uint32_t ms)
{
	uint32_t t0 = board_ms();

	while (board_ms() - t0 < ms)
		board_poll_wait(NULL);
}

/* After a failed renewal: wait until the host file fw/resume exists (the
 * test has cut the network and brought it back).  0, or -1 after
 * APP_RESUME_WAIT_MS. */
static int
wait_resume(void)
{
	uint32_t t0 = board_ms();
	char b[4];

	say("waiting for the host file fw/resume", NULL);
	while (board_ms() - t0 < APP_RESUME_WAIT_MS) {
		if (semihost_load("fw/resume", b, sizeof b) >= 0)
			return 0;
		poll_for(200);
	}
	say("no fw/resume in time", NULL);
	return -1;
}

/*
 * The device over time (fw/config "renewals=N"): after the boot's own
 * acme_ensure() (result r), N renewals forced through the library
 * (cfg->ensure 0: a new order whatever the stored certificate), one after
 * another in this boot, as a device that runs for years renews many
 * times without a reboot.  After each, once its connections have closed
 * (soak_settle()), one line of its cost and one of lwIP's memory and the
 * stack (soak_print(); the baseline was printed before the first
 * issuance).  A failed renewal is reported and the next one waits for
 * fw/resume.  Returns the last result.
 */
static int
soak(struct acme_config *cfg, struct acme_port *port, int r)
{
	const struct acme_counters *k = acme_counters(&client);
	char label[24];
	uint64_t busy;
	unsigned i;

	soak_settle(APP_SETTLE_MS);
	soak_print("after boot issuance");
	cfg->ensure = 0;
	for (i = 1; i <= renewals; i++) {
		if (r != ACME_OK && r != ACME_FRESH && wait_resume() != 0)
			return r;
		uart_puts(APP ": renewal ");
		uart_dec(i);
		uart_puts(" of ");
		uart_dec(renewals);
		uart_puts(": start\n");
		busy = board_busy_us();
		r = acme_init(&client, cfg, port);
		if (r == ACME_OK)
			r = acme_run(&client);
		acme_close(&client);
		busy = board_busy_us() - busy;
		uart_puts(APP ": renewal ");
		uart_dec(i);
		uart_puts(r == ACME_OK ? ": ok" : ": error ");
		if (r != ACME_OK) {
			uart_puts(acme_strerror(r));
			uart_puts(" (");
			uart_puts(acme_message(&client));
			uart_putc(')');
		}
		uart_puts(" requests=");
		uart_dec(k->requests);
		uart_puts(" badnonce_retries=");
		uart_dec(k->badnonce_retries);
		uart_puts(" handshakes=");
		uart_dec(k->handshakes);
		uart_puts(" busy_us=");
		uart_dec((uint32_t)busy);
		uart_puts(" settle_ms=");
		uart_dec(soak_settle(APP_SETTLE_MS));
		uart_putc('\n');
		label[0] = 0;
		str_cat(label, sizeof label, "after renewal ");
		str_cat_u(label, sizeof label, i);
		soak_print(label);
	}
	return r;
}
#endif

int
main(void)
{
	static struct app_ta_set tas;
	const char *names[1];
	struct acme_config cfg;
	struct acme_port base, port;
	int r;

	board_init(APP);
	/* No key may come from a missing entropy source, and no certificate
	 * can be checked without the date: stop before the network (the
	 * field image learns the date from the network: below). */
	if (!board_entropy_ok())
		fail("no entropy source", NULL, BOARD_EXIT_NO_ENTROPY);
#if !FW_FIELD
	if (board_unix_time() == 0)
		fail("no wall clock", NULL, BOARD_EXIT_NO_TIME);
#endif
	load_config();

	memset(&base, 0, sizeof base);
	base.unix_time = fw_unix_time;
	base.entropy = fw_entropy;
	/* Storage (load, load_at, store, stage, commit, discard). */
#if FW_FIELD
	{
		static struct store_flash store;
		static struct flash_ops flash;

		if (flash_semihost_init(&flash) != 0 ||
		    store_flash_port_init(&base, &store, &flash) != 0)
			fail("cannot mount the flash store (", "fw/flash.bin)",
			    APP_EXIT_FLASH);
	}
#else
	app_store_init(&base);
#endif
	base.log = fw_log;
	load_anchors(&base, &tas);

	r = board_net_up(10000);
	if (r == -1)
		fail("no Ethernet controller", NULL, APP_EXIT_NETIF);
	if (r != 0)
		fail("no DHCP lease within 10 s", NULL, APP_EXIT_DHCP);
#if FW_FIELD
	uart_puts(APP ": net: DNS server ");
	uart_ip4(&ip_2_ip4(dns_getserver(0))->addr);
	uart_puts(" (DHCP)\n");
	get_time();
#endif
	lwip_raw_port_init(&port, &lwport, &base, board_poll_wait, NULL);

	names[0] = name;
	memset(&cfg, 0, sizeof cfg);
	cfg.directory_url = url;
	cfg.trust_anchors = tas.ta;
	cfg.trust_anchor_count = tas.n;
	cfg.names = names;
	cfg.name_count = 1;
	cfg.http01_port = (uint16_t)http_port;
	cfg.agree_tos = agree_tos;
	say("directory ", url);
#if !FW_FIELD
	if (renewals > 0)
		soak_print("baseline");
#endif
	/* On every boot: keep a good certificate (no request at all), else
	 * renew; a failure or the CA's Retry-After is kept in the state and
	 * honoured by the next boot (acme_ensure()). */
#if ACME_BENCH_PROFILE
	prof_start = board_busy_us();
#endif
	r = acme_init(&client, &cfg, &port);
	if (r == ACME_OK)
		r = acme_ensure(&client);
	acme_close(&client);
#if ACME_BENCH_PROFILE
	prof_print(board_busy_us() - prof_start);
#endif
#if FW_FIELD
	check_dns(r);
#else
	if (renewals > 0)
		r = soak(&cfg, &port, r);
#endif
	print_counters();
	if (r == ACME_FRESH) {
		uart_puts(APP ": certificate good, nothing to do; next check at "
		    "unix time ");
		uart_dec((uint32_t)acme_next_check(&client));
		uart_putc('\n');
		board_exit(0);
	}
	if (r != ACME_OK) {
		uart_puts(APP ": error: ");
		uart_puts(acme_strerror(r));
		uart_puts(": ");
		uart_puts(acme_message(&client));
		uart_putc('\n');
		board_exit(10 - r);
	}
	print_certificate();
	board_exit(0);
}
