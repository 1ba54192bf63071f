/*
 * arch/cc.h -- lwIP's compiler and platform glue for the qemu-mps2-an385
 * firmware (arm-none-eabi-gcc, newlib-nano, little-endian Cortex-M3).
 *
 * lwIP prints nothing (LWIP_PLATFORM_DIAG is empty); an assert, when a
 * build enables them with -DFW_LWIP_ASSERT, prints its message on the
 * UART and ends the run with BOARD_EXIT_LWIP_ASSERT.
 */
#ifndef LWIP_ARCH_CC_H
#define LWIP_ARCH_CC_H

#include <stdint.h>

#define BYTE_ORDER LITTLE_ENDIAN

/* No <sys/time.h> struct timeval needed (no sockets). */
#define LWIP_TIMEVAL_PRIVATE 0

#define LWIP_PLATFORM_DIAG(x) do { } while (0)

void board_lwip_assert(const char *msg, int line);
#define LWIP_PLATFORM_ASSERT(x) board_lwip_assert((x), __LINE__)

/* lwipopts.h: LWIP_RAND(). */
uint32_t board_rand32(void);

#endif
