/*
 * clock_sntp.h -- the field image's wall clock (FW_FIELD=1): the board's
 * RTC when it keeps a plausible time, else SNTP (lwIP's apps/sntp), and
 * never a time before the build's floor.
 *
 * The floor is FW_TIME_FLOOR (gen/fw_floor.h, written by the Makefile):
 * the commit time of the source the image was built from, so the same
 * commit builds the same image.  A certificate cannot have been issued
 * to this firmware before its source existed, so a clock below the floor
 * (an RTC whose battery died, a server or an attacker sending 1970) is
 * "no time", never a guess: board_unix_time() returns 0 until a time at
 * or above the floor is known, and core then refuses to check a
 * certificate (ACME_ERR_TIME).
 *
 * SNTP is unauthenticated.  lwipopts.h makes an answer echo a random
 * 64-bit transmit timestamp and come from the server's address and port,
 * so an off-path sender cannot set the clock; one on the path can, to
 * any time after the floor.  TLS then still needs a chain valid at that
 * time, from an anchor the device trusts.
 *
 * Once set, the time is the last answer plus sys_now()'s milliseconds
 * since it came (lwIP asks again every hour; sys_now() wraps after 49
 * days without an answer).
 */
#ifndef CLOCK_SNTP_H
#define CLOCK_SNTP_H

#include <stdint.h>

/* Where the time comes from (clock_source()). */
#define CLOCK_NONE 0
#define CLOCK_RTC 1
#define CLOCK_SNTP 2

/* Use board_rtc_unix_time() if it is at or above the floor; otherwise
 * start SNTP with server (a name or a dotted address, kept, not copied)
 * or, when server is NULL, the one DHCP offered (option 42).  Call after
 * board_net_up() (which is where DHCP's offer arrives). */
void clock_start(const char *server);

/* Poll the network until the time is known, for at most timeout_ms.
 * 0, or -1 with the reason in clock_why(). */
int clock_wait(uint32_t timeout_ms);

/* Seconds since 1970 (UTC), or 0 while unknown. */
uint64_t clock_unix_time(void);

int clock_source(void);

/* The SNTP server asked ("" before clock_start, "(DHCP)" when DHCP
 * offered none yet). */
const char *clock_server(void);

/* Why clock_wait() failed, one line. */
const char *clock_why(void);

/* FW_TIME_FLOOR. */
uint64_t clock_floor(void);

/* lwipopts.h's SNTP_SET_SYSTEM_TIME: an answer from the server. */
void clock_sntp_set(uint32_t unix_seconds);

#endif
