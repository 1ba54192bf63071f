/*
 * app_soak.h -- the device over time (the lab image): what lwIP holds in
 * its heap and pools, and how deep the stack went, printed between
 * issuances so that a test can check that many issuances in one boot
 * leak nothing (tests/qemu/soak.sh; fw/config "renewals=N").
 *
 * One line per call:
 *   picoacme-fw: mem LABEL: heap U (peak P of A) pools NAME=U ...
 *     tcp active=A time_wait=T stack P of S
 * U are the bytes or elements in use now (lwIP's MEM_STATS and
 * MEMP_STATS), the pool names those of lwIP's memp_std.h.  A TCP PCB in
 * TIME_WAIT is in use until 2 MSL have passed (or lwIP reclaims it for a
 * new connection); while any PCB is active or waiting, lwIP's TCP timer
 * holds one SYS_TIMEOUT element.
 */
#ifndef APP_SOAK_H
#define APP_SOAK_H

#include <stdint.h>

/* Poll the network until no TCP connection is open or closing (only
 * TIME_WAIT and listeners left) and no received frame is held, or
 * max_ms pass.  Returns the milliseconds it took. */
uint32_t soak_settle(uint32_t max_ms);

/* Print the line above. */
void soak_print(const char *label);

#endif
