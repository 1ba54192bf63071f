/*
 * board.h -- the qemu-mps2-an385 board: what an application (the ACME
 * firmware, the smoke test) calls.
 *
 * One thread, no RTOS.  board_init() brings up clocks, the UART and the
 * sources of time and entropy and prints the boot banner;
 * board_net_up() starts lwIP (NO_SYS=1) on the LAN9118 and waits for a
 * DHCP lease.  From then on the application must call board_poll() (or
 * board_poll_wait()) often: received frames and lwIP's timers are
 * handled only there, and every raw-API callback runs inside it.
 *
 * Time and entropy, chosen at build time:
 *   FW_TEST=1  (the QEMU test build) the wall clock is the host's
 *              (semihosting SYS_TIME) and entropy is the host file
 *              FW_SEED_FILE ("fw-seed.bin", 32 to 64 bytes, read once
 *              through semihosting), mixed through HMAC-DRBG.
 *   FW_TEST=0  (a build for real hardware) the board hooks
 *              board_rtc_unix_time() and board_trng_read(), which fail
 *              until a board defines them.  The test seed file is not
 *              compiled in.
 * The field image (FW_FIELD=1, either FW_TEST) takes the wall clock from
 * clock_sntp.c instead: board_rtc_unix_time() when it is plausible, else
 * SNTP, never below the build's time floor; it never asks the host.
 * The boot banner names the sources in use.
 *
 * Exit codes: applications use 1..99; the board's own are below.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stddef.h>
#include <stdint.h>

struct netif;

/* NVIC line of the LAN9118 on the AN385. */
#define BOARD_IRQ_ETH           13

#define BOARD_EXIT_HARDFAULT    110     /* HardFault (registers printed) */
#define BOARD_EXIT_FAULT        111     /* NMI, MemManage, Bus, Usage */
#define BOARD_EXIT_LWIP_ASSERT  112     /* -DFW_LWIP_ASSERT builds */
#define BOARD_EXIT_NO_ENTROPY   113     /* entropy source missing/failed */
#define BOARD_EXIT_NO_TIME      114     /* wall clock unknown */
#define BOARD_EXIT_MALLOC       115     /* something called malloc */
#define BOARD_EXIT_STACK        116     /* thread stack overflow */

#ifndef FW_TEST
#define FW_TEST 1
#endif
#ifndef FW_FIELD
#define FW_FIELD 0
#endif

/* Clocks (SysTick, 1 ms), UART, time and entropy sources; prints
 * "<app>: boot ..." and the banner.  Call first. */
void board_init(const char *app);

/* lwIP, the LAN9118 netif, DHCP.  Polls until a lease is bound or
 * timeout_ms of sys_now() pass.  Returns 0 (bound), -1 (no Ethernet
 * controller) or -2 (no lease in time).  Prints the address. */
int board_net_up(uint32_t timeout_ms);

/* The board's one netif (after board_net_up). */
struct netif *board_netif(void);

/* One round of network work, never waiting: received frames to lwIP,
 * then sys_check_timeouts().  Returns the number of frames handled. */
int board_poll(void);

/* board_poll(), then, when nothing arrived, sleep (WFI) until the next
 * frame or the next 1 ms tick.  The signature is that of the poll
 * callback of lwip_raw_port_init(); ctx is unused. */
void board_poll_wait(void *ctx);

/* Milliseconds since boot (SysTick); lwIP's sys_now() is the same. */
uint32_t board_ms(void);

/* Microseconds the CPU ran since boot (time not spent asleep in
 * board_poll_wait()).  Under QEMU with -icount shift=0 (one instruction
 * per virtual nanosecond) it counts guest instructions in thousands. */
uint64_t board_busy_us(void);

/* Seconds since 1970 (UTC), or 0 when unknown. */
uint64_t board_unix_time(void);

/* len bytes from HMAC-DRBG (SHA-256), seeded at board_init() from the
 * build's entropy source.  0, or -1 when the source failed (then never
 * anything). */
int board_entropy(void *buf, size_t len);

/* Nonzero when board_entropy() can deliver. */
int board_entropy_ok(void);

/* Deepest use of the thread stack so far, in bytes (the painted
 * region), and its size (FW_STACK_LEN). */
size_t board_stack_peak(void);
size_t board_stack_size(void);

/* Print "<app>: exit CODE (stack peak N of M bytes, busy U us)" and end
 * the run through semihosting: QEMU exits with code, or with
 * BOARD_EXIT_STACK when the stack paint shows an overflow that the MPU
 * guard did not catch. */
void board_exit(int code) __attribute__((noreturn));

/* Pattern painted over the stack region at reset (startup.c). */
#define BOARD_STACK_PAINT 0xa5a5a5a5u

/* Board hooks for FW_TEST=0 builds; the weak defaults fail. */
uint64_t board_rtc_unix_time(void);          /* 0: unknown */
int board_trng_read(void *buf, size_t len);  /* 0, or -1 */

/* lwIP glue (arch/cc.h, lwipopts.h). */
uint32_t board_rand32(void);
void board_lwip_assert(const char *msg, int line);

#endif
