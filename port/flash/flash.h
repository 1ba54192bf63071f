/*
 * flash.h -- what a NOR flash driver gives the flash store
 * (store_flash.h): the geometry of one region and three operations.
 *
 * NOR semantics, which the store relies on and never goes beyond:
 *  - erase sets a whole erase block (block bytes, aligned) to 0xFF;
 *  - program can only turn 1 bits into 0: programming over data that is
 *    not erased ANDs it (most parts; ECC parts refuse it instead);
 *  - the program unit (prog bytes) is the smallest write: 1 for SPI NOR,
 *    4..32 for the internal flash of a microcontroller (ECC words).
 * The store programs every unit at most once between two erases, with
 * one exception: with FLASH_ZERO_OVER it programs zeros over the units
 * of a replaced secret (".key") to destroy it (flash cannot be wiped
 * without an erase otherwise).  Most NOR allows this, STM32 internal
 * flash included ("except if the data to write is full zero"); without
 * the flag the store erases the blocks that held the secret instead.
 *
 * Offsets are from the start of the region; the driver maps them to its
 * part (a partition of internal flash, an SPI NOR, ...).  Every call is
 * synchronous (it returns when the operation is done, busy-waiting on
 * the part) and returns 0, or -1 on a driver error (a timeout, a
 * verify failure, arguments that break the rules below).  A power cut
 * may interrupt any of them half way: the store is built for that.
 */
#ifndef FLASH_H
#define FLASH_H

#include <stddef.h>
#include <stdint.h>

/* flash_ops.flags */
#define FLASH_ZERO_OVER 1u      /* zeros may be programmed over data */

struct flash_ops {
	void *ctx;              /* passed back to every call */
	uint32_t size;          /* region bytes: a multiple of block */
	uint32_t block;         /* erase block bytes (e.g. 4096) */
	uint32_t prog;          /* program unit bytes: divides block */
	unsigned flags;         /* FLASH_ZERO_OVER, or 0 */

	/* len bytes at off into buf; any off and len inside the region. */
	int (*read)(void *ctx, uint32_t off, void *buf, size_t len);
	/* Program len bytes at off: off and len multiples of prog, all
	 * inside one erase block. */
	int (*program)(void *ctx, uint32_t off, const void *buf, size_t len);
	/* Erase the block that starts at off (a multiple of block). */
	int (*erase)(void *ctx, uint32_t off);
};

#endif
