/*
 * board.c -- see board.h.
 */
#include <string.h>
#include <bearssl.h>
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "board.h"
#if FW_FIELD
#include "clock_sntp.h"
#endif
#include "lan9118.h"
#include "semihost.h"
#include "uart.h"

#if !FW_TEST && defined(FW_SEED_FILE)
#error "FW_SEED_FILE is a test seed: a FW_TEST=0 build must not use it"
#endif
#if FW_TEST && !defined(FW_SEED_FILE)
#define FW_SEED_FILE "fw-seed.bin"
#endif

#define CPU_HZ          25000000u       /* AN385 system clock */
#define SEED_MIN        32              /* bytes of seed required */
#define SEED_MAX        64
#define LINK_CHECK_MS   1000

/* System control space. */
#define SYST_CSR        (*(volatile uint32_t *)0xe000e010u)
#define SYST_RVR        (*(volatile uint32_t *)0xe000e014u)
#define SYST_CVR        (*(volatile uint32_t *)0xe000e018u)
#define NVIC_ISER0      (*(volatile uint32_t *)0xe000e100u)
#define SCB_ICSR        (*(volatile uint32_t *)0xe000ed04u)
#define ICSR_PENDSTSET  0x04000000u
#define CYCLES_PER_MS   (CPU_HZ / 1000u)
#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CPUCLK 0x4u

/* linker.ld */
extern uint32_t __stack_bottom[], __stack_top[];

static volatile uint32_t ticks;
static const char *app_name = "fw";
static br_hmac_drbg_context drbg;
static int drbg_ok;
static struct netif netif;
static uint32_t last_link_check;
static uint32_t rand_state;
static uint64_t idle_cycles;

void
SysTick_Handler(void)
{
	ticks++;
}

void
LAN9118_Handler(void)
{
	lan9118_irq();
}

/* lwIP's clock (NO_SYS=1). */
uint32_t
sys_now(void)
{
	return ticks;
}

uint32_t
board_ms(void)
{
	return ticks;
}

/* SysTick cycles since boot.  Works with interrupts masked too: a wrap
 * whose interrupt is still pending is counted. */
static uint64_t
cycles(void)
{
	uint32_t t, cv, pend;

	do {
		t = ticks;
		cv = SYST_CVR;
		pend = SCB_ICSR & ICSR_PENDSTSET;
	} while (t != ticks);
	if (pend && cv > CYCLES_PER_MS / 2)
		t++;
	return (uint64_t)t * CYCLES_PER_MS + (CYCLES_PER_MS - 1u - cv);
}

uint64_t
board_busy_us(void)
{
	return (cycles() - idle_cycles) / (CPU_HZ / 1000000u);
}

static void
say(const char *s)
{
	uart_puts(app_name);
	uart_puts(": ");
	uart_puts(s);
}

__attribute__((weak)) uint64_t
board_rtc_unix_time(void)
{
	return 0;
}

__attribute__((weak)) int
board_trng_read(void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return -1;
}

uint64_t
board_unix_time(void)
{
#if FW_FIELD
	return clock_unix_time();       /* RTC or SNTP, above the floor */
#elif FW_TEST
	return semihost_time();
#else
	return board_rtc_unix_time();
#endif
}

/* Seed the DRBG from the build's source; the seed is wiped. */
static int
entropy_seed(void)
{
	unsigned char seed[SEED_MAX];
	uint32_t extra[2];
	long n;

#if FW_TEST
	n = semihost_load(FW_SEED_FILE, seed, sizeof seed);
	if (n < SEED_MIN) {
		say("entropy: seed file " FW_SEED_FILE " missing, or not "
		    "32 to 64 bytes\n");
		n = -1;
	}
#else
	n = board_trng_read(seed, 48) == 0 ? 48 : -1;
	if (n < 0)
		say("entropy: board_trng_read() failed\n");
#endif
	if (n < 0) {
		memset(seed, 0, sizeof seed);
		return -1;
	}
	br_hmac_drbg_init(&drbg, &br_sha256_vtable, seed, (size_t)n);
	memset(seed, 0, sizeof seed);
	/* Personalisation, not entropy: distinct streams per boot even if
	 * a seed were reused. */
	extra[0] = (uint32_t)board_unix_time();
	extra[1] = ticks;
	br_hmac_drbg_update(&drbg, extra, sizeof extra);
	return 0;
}

int
board_entropy_ok(void)
{
	return drbg_ok;
}

int
board_entropy(void *buf, size_t len)
{
	if (!drbg_ok)
		return -1;
	br_hmac_drbg_generate(&drbg, buf, len);
	return 0;
}

/* DHCP transaction ids and initial ports: from the DRBG when seeded,
 * else a xorshift of the clock (such values need not be secret). */
uint32_t
board_rand32(void)
{
	uint32_t r;

	if (drbg_ok) {
		br_hmac_drbg_generate(&drbg, &r, sizeof r);
		return r;
	}
	if (rand_state == 0)
		rand_state = 0x9e3779b9u ^ ticks;
	rand_state ^= rand_state << 13;
	rand_state ^= rand_state >> 17;
	rand_state ^= rand_state << 5;
	return rand_state;
}

void
board_init(const char *app)
{
	if (app != NULL)
		app_name = app;
	uart_init();
	SYST_RVR = CPU_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CPUCLK;

	say("boot: picoacme firmware, board qemu-mps2-an385 (Cortex-M3)\n");
#if FW_FIELD && FW_TEST
	say("FIELD IMAGE, TEST BUILD: time from the RTC hook or SNTP, "
	    "entropy from " FW_SEED_FILE " (HMAC-DRBG); not for "
	    "production\n");
#elif FW_FIELD
	say("field image, hardware build: time from board_rtc_unix_time() "
	    "or SNTP, entropy from board_trng_read() via HMAC-DRBG\n");
#elif FW_TEST
	say("TEST BUILD: time from host (semihosting SYS_TIME), entropy from "
	    "host file " FW_SEED_FILE " via HMAC-DRBG; not for production\n");
#else
	say("hardware build: time from board_rtc_unix_time(), entropy from "
	    "board_trng_read() via HMAC-DRBG\n");
#endif
	drbg_ok = entropy_seed() == 0;
}

struct netif *
board_netif(void)
{
	return &netif;
}

static void
link_check(void)
{
	int up;

	if ((uint32_t)(ticks - last_link_check) < LINK_CHECK_MS)
		return;
	last_link_check = ticks;
	up = lan9118_link_up();
	if (up && !netif_is_link_up(&netif))
		netif_set_link_up(&netif);
	else if (!up && netif_is_link_up(&netif))
		netif_set_link_down(&netif);
}

int
board_poll(void)
{
	int n = 0;

	if (netif.input != NULL) {
		n = lan9118_poll(&netif);
		link_check();
	}
	sys_check_timeouts();
	return n;
}

void
board_poll_wait(void *ctx)
{
	(void)ctx;
	if (board_poll() > 0)
		return;
	/* With interrupts masked, a frame that arrives after the check
	 * still ends the WFI (it stays pending). */
	__asm__ volatile ("cpsid i" ::: "memory");
	if (!lan9118_rx_pending()) {
		uint64_t t0 = cycles();

		__asm__ volatile ("wfi" ::: "memory");
		idle_cycles += cycles() - t0;
	}
	__asm__ volatile ("cpsie i" ::: "memory");
}

int
board_net_up(uint32_t timeout_ms)
{
	uint32_t start;

	lwip_init();
	if (netif_add(&netif, NULL, NULL, NULL, NULL, lan9118_netif_init,
	    ethernet_input) == NULL) {
		say("net: no LAN9118\n");
		return -1;
	}
	netif_set_default(&netif);
	netif_set_up(&netif);
	if (lan9118_link_up())
		netif_set_link_up(&netif);
	last_link_check = ticks;
	NVIC_ISER0 = 1u << BOARD_IRQ_ETH;
	if (dhcp_start(&netif) != ERR_OK) {
		say("net: dhcp_start failed\n");
		return -1;
	}
	say("net: mac ");
	for (start = 0; start < 6; start++) {
		if (start > 0)
			uart_putc(':');
		uart_hex(netif.hwaddr[start], 2);
	}
	uart_puts(", DHCP...\n");
	start = ticks;
	while (!dhcp_supplied_address(&netif)) {
		if ((uint32_t)(ticks - start) >= timeout_ms) {
			say("net: no DHCP lease after ");
			uart_dec(timeout_ms);
			uart_puts(" ms\n");
			return -2;
		}
		board_poll_wait(NULL);
	}
	say("net: address ");
	uart_ip4(netif_ip4_addr(&netif));
	uart_puts(" netmask ");
	uart_ip4(netif_ip4_netmask(&netif));
	uart_puts(" gateway ");
	uart_ip4(netif_ip4_gw(&netif));
	uart_puts(" (");
	uart_dec(ticks - start);
	uart_puts(" ms)\n");
	return 0;
}

size_t
board_stack_size(void)
{
	return (size_t)((char *)__stack_top - (char *)__stack_bottom);
}

size_t
board_stack_peak(void)
{
	const uint32_t *p = __stack_bottom;

	while (p < __stack_top && *p == BOARD_STACK_PAINT)
		p++;
	return (size_t)((const char *)__stack_top - (const char *)p);
}

void
board_exit(int code)
{
	if (__stack_bottom[0] != BOARD_STACK_PAINT) {
		say("thread stack overflow (its lowest word is overwritten)\n");
		code = BOARD_EXIT_STACK;
	}
	say("exit ");
	uart_dec((uint32_t)code);
	uart_puts(" (stack peak ");
	uart_dec(board_stack_peak());
	uart_puts(" of ");
	uart_dec(board_stack_size());
	uart_puts(" bytes, busy ");
	uart_dec((uint32_t)board_busy_us());
	uart_puts(" us)\n");
	memset(&drbg, 0, sizeof drbg);
	semihost_exit(code);
}

void
board_lwip_assert(const char *msg, int line)
{
	say("lwIP assert: ");
	uart_puts(msg);
	uart_puts(" line ");
	uart_dec((uint32_t)line);
	uart_putc('\n');
	board_exit(BOARD_EXIT_LWIP_ASSERT);
}

/* newlib's malloc grows the heap through _sbrk: there is no heap. */
void *
_sbrk(ptrdiff_t incr)
{
	(void)incr;
	say("malloc called: there is no heap\n");
	board_exit(BOARD_EXIT_MALLOC);
}
