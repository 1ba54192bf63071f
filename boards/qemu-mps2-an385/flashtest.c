/*
 * flashtest.c -- the flash store (port/flash/store_flash.c) on the
 * board's emulated NOR (flash_semihost.c), cut by power failures:
 * tests/qemu/flash.sh boots it again and again with fw/cut-at set.
 *
 * Each boot first reads what the store holds and checks it (the
 * verdict), then renews as acme_ensure() would, and exits 0:
 *   - on a fresh part, account.key and account.url are stored first;
 *   - state "attempt N" is stored (N = the pair's generation + 1);
 *   - cert.key and cert.pem of generation N are staged (the chain in
 *     pieces of 1000 bytes) and committed;
 *   - state "done N" is stored.
 * Every blob's content follows from its generation: cert.pem(N) is
 * 5000 + 1000 * (N % 4) bytes (up to 8 KB, a long public chain) of
 * letters from a hash of N and the position, after a header naming N;
 * cert.key(N) names N and the CRC-32 of cert.pem(N).  So the verdict
 * can tell a whole pair of one generation from a mix or a torn blob.
 * What must hold after any cut: account.key and account.url whole (or
 * absent before the first boot stored them), the pair whole and
 * matching (or absent before the first commit), and the state one of
 * "done P", "attempt P", "attempt P+1" for the pair's generation P.
 *
 * UART lines the script reads: "flashtest: found ...", "flashtest:
 * verdict ok" or "flashtest: verdict BROKEN: why", and after each step
 * the flash operation count at that moment ("... (op N)").
 *
 * Exit codes: 0 done; 2 no flash; 3 broken verdict (nothing written);
 * 4 a store step failed with the power on; flash_semihost.h's 90 (the
 * planned cut) and 91 (an illegal program).  With the host file
 * fw/selftest, the image instead programs a unit twice, which the
 * emulation must stop with 91.
 */
#include <string.h>
#include "board.h"
#include "flash/store_flash.h"
#include "flash_semihost.h"
#include "semihost.h"
#include "uart.h"

#define APP "flashtest"
#define EXIT_NO_FLASH   2
#define EXIT_BROKEN     3
#define EXIT_STEP       4

#define PEM_HEAD        "-----BEGIN FLASHTEST "     /* then 8 digits \n */
#define PEM_HEAD_LEN    (sizeof PEM_HEAD - 1 + 9)
#define PEM_MAX         8000
#define KEY_LEN         241
#define PIECE           1000

static const char ACCOUNT_URL[] = "https://10.0.2.2:14000/my-account/1\n"
    "https://10.0.2.2:14000/dir\n";

static struct store_flash store;
static struct flash_ops flash;
static struct acme_port port;
static uint8_t pem[PEM_MAX + 16];
static uint8_t buf[PIECE];

static void
say(const char *a, const char *b)
{
	uart_puts(APP ": ");
	uart_puts(a);
	if (b != NULL)
		uart_puts(b);
}

/* "(op N)\n": the flash operations so far. */
static void
say_op(void)
{
	uart_puts(" (op ");
	uart_dec((uint32_t)flash_semihost_count());
	uart_puts(")\n");
}

static uint32_t
mix(uint32_t g, uint32_t i, uint32_t salt)
{
	uint32_t x = g * 0x9e3779b1u ^ i * 0x85ebca6bu ^ salt;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return x;
}

/* Eight decimal digits of v at d. */
static void
digits8(uint8_t *d, uint32_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v /= 10)
		d[i] = (uint8_t)('0' + v % 10);
}

/* Parse eight digits at p; -1 when they are not. */
static long
parse8(const uint8_t *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static uint32_t
pem_len(uint32_t g)
{
	return 5000 + 1000 * (g % 4);
}

/* Bytes [off, off + n) of cert.pem(g) into d. */
static void
pem_fill(uint32_t g, uint32_t off, uint8_t *d, uint32_t n)
{
	uint8_t h[PEM_HEAD_LEN];
	uint32_t i, k;

	memcpy(h, PEM_HEAD, sizeof PEM_HEAD - 1);
	digits8(h + sizeof PEM_HEAD - 1, g);
	h[PEM_HEAD_LEN - 1] = '\n';
	for (k = 0; k < n; k++) {
		i = off + k;
		if (i < PEM_HEAD_LEN)
			d[k] = h[i];
		else if ((i - PEM_HEAD_LEN) % 65 == 64)
			d[k] = '\n';
		else
			d[k] = (uint8_t)('A' + mix(g, i, 1) % 26);
	}
}

/* cert.key(g) into d (KEY_LEN bytes): "KEY g CRC\n" and letters. */
static void
key_fill(uint32_t g, uint8_t *d)
{
	uint32_t c = 0, off, n, i;

	for (off = 0; off < pem_len(g); off += n) {
		n = pem_len(g) - off < sizeof buf ? pem_len(g) - off :
		    sizeof buf;
		pem_fill(g, off, buf, n);
		c = store_flash_crc32(c, buf, n);
	}
	memcpy(d, "KEY ", 4);
	digits8(d + 4, g);
	d[12] = ' ';
	for (i = 0; i < 8; i++)
		d[13 + i] = "0123456789abcdef"[c >> (28 - 4 * i) & 15];
	d[21] = '\n';
	for (i = 22; i < KEY_LEN; i++)
		d[i] = (uint8_t)('a' + mix(g, i, 2) % 26);
}

/* The account key: KEY_LEN fixed bytes. */
static void
account_fill(uint8_t *d)
{
	uint32_t i;

	for (i = 0; i < KEY_LEN; i++)
		d[i] = (uint8_t)('a' + mix(0, i, 3) % 26);
}

static void
broken(const char *why)
{
	say("verdict BROKEN: ", why);
	uart_putc('\n');
	board_exit(EXIT_BROKEN);
}

/* What the store holds, checked; returns the pair's generation (0:
 * none), *acct 1 when the account is there. */
static uint32_t
verdict(int *acct)
{
	uint8_t k[KEY_LEN + 8], want[KEY_LEN];
	long n, akn, kn, sn, un, pg;
	uint32_t g = 0, sg = 0, i;
	int attempt = 0;

	/* the account */
	akn = port.load(port.ctx, "account.key", k, sizeof k);
	un = port.load(port.ctx, "account.url", buf, sizeof buf);
	account_fill(want);
	if (akn != -1 && (akn != KEY_LEN || memcmp(k, want, KEY_LEN) != 0))
		broken("account.key damaged");
	if (un != -1 && (un != (long)sizeof ACCOUNT_URL - 1 ||
	    memcmp(buf, ACCOUNT_URL, (size_t)un) != 0))
		broken("account.url damaged");
	if (un != -1 && akn == -1)
		broken("account.url without account.key");
	*acct = akn != -1 && un != -1;

	/* the pair */
	n = port.load(port.ctx, "cert.pem", pem, sizeof pem);
	kn = port.load(port.ctx, "cert.key", k, sizeof k);
	if ((n == -1) != (kn == -1))
		broken(n == -1 ? "cert.key without cert.pem" :
		    "cert.pem without cert.key");
	if (n != -1) {
		if (n < (long)PEM_HEAD_LEN ||
		    memcmp(pem, PEM_HEAD, sizeof PEM_HEAD - 1) != 0 ||
		    (pg = parse8(pem + sizeof PEM_HEAD - 1)) <= 0)
			broken("cert.pem unreadable");
		g = (uint32_t)pg;
		if ((uint32_t)n != pem_len(g))
			broken("cert.pem has the wrong length");
		for (i = 0; i < (uint32_t)n; i += sizeof buf) {
			uint32_t m = (uint32_t)n - i < sizeof buf ?
			    (uint32_t)n - i : sizeof buf;

			pem_fill(g, i, buf, m);
			if (memcmp(pem + i, buf, m) != 0)
				broken("cert.pem is not whole");
		}
		key_fill(g, want);
		if (kn != KEY_LEN || memcmp(k, want, KEY_LEN) != 0)
			broken("cert.key does not match cert.pem");
		if (!*acct)
			broken("a pair without the account");
	}

	/* the state record */
	sn = port.load(port.ctx, "state", buf, sizeof buf);
	if (sn != -1) {
		attempt = sn == 17 && memcmp(buf, "attempt ", 8) == 0;
		if (!(attempt || (sn == 14 && memcmp(buf, "done ", 5) == 0)) ||
		    parse8(buf + sn - 9) < 0 || buf[sn - 1] != '\n')
			broken("state unreadable");
		sg = (uint32_t)parse8(buf + sn - 9);
		if (!*acct)
			broken("a state without the account");
	} else if (g != 0) {
		broken("a pair without a state");
	}

	say("found account=", *acct ? "ok" : akn == -1 ? "none" : "key-only");
	uart_puts(" pair=");
	uart_dec(g);
	uart_puts(" state=");
	uart_puts(sn == -1 ? "none" : attempt ? "attempt " : "done ");
	if (sn != -1)
		uart_dec(sg);
	uart_puts(" slot=");
	if (store.active < 0)
		uart_puts("none");
	else
		uart_dec((uint32_t)store.active);
	uart_puts(" seq=");
	uart_dec(store.seq);
	uart_putc('\n');
	if (sn != -1 && !(sg == g || (attempt && sg == g + 1)))
		broken("the state does not follow the pair");
	say("verdict ok\n", NULL);
	return g;
}

static void
step_fail(const char *what)
{
	say("step failed: ", what);
	say_op();
	board_exit(EXIT_STEP);
}

static void
store_state(const char *kind, uint32_t g)
{
	size_t n = strlen(kind);

	memcpy(buf, kind, n);
	digits8(buf + n, g);
	buf[n + 8] = '\n';
	if (port.store(port.ctx, "state", buf, n + 9) != 0)
		step_fail("state");
	say("state ", kind);
	uart_dec(g);
	uart_puts(" stored");
	say_op();
}

/* The renewal to generation g, as acme_ensure() and flow_cert() store. */
static void
renew(uint32_t g)
{
	uint8_t k[KEY_LEN];
	uint32_t off, n;

	store_state("attempt ", g);
	key_fill(g, k);
	if (port.stage(port.ctx, "cert.key", k, KEY_LEN) != 0)
		step_fail("stage cert.key");
	for (off = 0; off < pem_len(g); off += n) {
		n = pem_len(g) - off < PIECE ? pem_len(g) - off : PIECE;
		pem_fill(g, off, buf, n);
		if (port.stage(port.ctx, "cert.pem", buf, n) != 0)
			step_fail("stage cert.pem");
	}
	if (port.commit(port.ctx) != 0)
		step_fail("commit");
	say("pair ", NULL);
	uart_dec(g);
	uart_puts(" committed");
	say_op();
	store_state("done ", g);
}

/* Program one unit twice: the emulation must stop the machine. */
static void
selftest(void)
{
	uint8_t a[FLASH_SEMIHOST_PROG];
	uint32_t at = flash.size - FLASH_SEMIHOST_BLOCK;

	say("selftest: a unit programmed twice\n", NULL);
	memset(a, 0x5a, sizeof a);
	if (flash.erase(flash.ctx, at) != 0 ||
	    flash.program(flash.ctx, at, a, sizeof a) != 0)
		board_exit(EXIT_STEP);
	memset(a, 0x0f, sizeof a);
	flash.program(flash.ctx, at, a, sizeof a);
	say("selftest: the emulation let it pass\n", NULL);
	board_exit(EXIT_STEP);
}

int
main(void)
{
	uint8_t k[KEY_LEN];
	uint32_t g;
	int acct;
	char b[8];

	board_init(APP);
	memset(&port, 0, sizeof port);
	if (flash_semihost_init(&flash) != 0 ||
	    store_flash_port_init(&port, &store, &flash) != 0) {
		say("no flash\n", NULL);
		board_exit(EXIT_NO_FLASH);
	}
	if (semihost_load("fw/selftest", b, sizeof b) >= 0)
		selftest();
	g = verdict(&acct);
	if (!acct) {
		account_fill(k);
		if (port.store(port.ctx, "account.key", k, KEY_LEN) != 0)
			step_fail("account.key");
		if (port.store(port.ctx, "account.url", ACCOUNT_URL,
		    sizeof ACCOUNT_URL - 1) != 0)
			step_fail("account.url");
		say("account stored", NULL);
		say_op();
	}
	renew(g + 1);
	say("renewal done", NULL);
	say_op();
	board_exit(0);
}
