/*
 * flash_semihost.h -- a NOR flash for the QEMU board: the host file
 * fw/flash.bin (FLASH_SEMIHOST_BLOCKS erase blocks of 4 KB), read and
 * written through semihosting, behind the flash driver interface of
 * port/flash/flash.h.  QEMU's AN385 has no flash controller a store
 * could use, so this stands in for one, and keeps NOR's rules on the
 * file so that the firmware cannot do what a part would not:
 *  - erase writes 0xFF over one whole aligned block;
 *  - program ANDs the data into the file (bits only go 1 -> 0), in
 *    16-byte units (an ECC word, as on many microcontrollers), within
 *    one block; a misaligned call is refused (-1);
 *  - a program of a unit that is not erased stops the machine with
 *    FLASH_SEMIHOST_EXIT_ILLEGAL, unless its data is all zeros
 *    (FLASH_ZERO_OVER, the store's wipe of an old key).
 * A missing file is created erased; a file of another size is refused.
 *
 * Power cuts, for tests: when the host file fw/cut-at holds "N" (decimal),
 * the N-th program or erase of this boot (counting from 1) is not done
 * and the machine stops with FLASH_SEMIHOST_EXIT_CUT; "N head", "N tail"
 * or "N bits" first do part of it (the first or the second half of the
 * bytes, or some bits of every byte: a torn program or erase).  Without
 * the file nothing is cut.
 */
#ifndef FLASH_SEMIHOST_H
#define FLASH_SEMIHOST_H

#include "flash/flash.h"

#define FLASH_SEMIHOST_FILE     "fw/flash.bin"
#define FLASH_SEMIHOST_CUT_FILE "fw/cut-at"
#ifndef FLASH_SEMIHOST_BLOCKS
#define FLASH_SEMIHOST_BLOCKS   6       /* two slots of 12 KB */
#endif
#define FLASH_SEMIHOST_BLOCK    4096
#define FLASH_SEMIHOST_PROG     16

#define FLASH_SEMIHOST_EXIT_CUT     90  /* the planned power cut */
#define FLASH_SEMIHOST_EXIT_ILLEGAL 91  /* a program over programmed data */

/* Open (or create) the file, read the cut plan, fill ops.  0, or -1
 * when the file cannot be opened or has another size. */
int flash_semihost_init(struct flash_ops *ops);

/* Programs and erases done since boot (the cut counts these). */
unsigned long flash_semihost_count(void);

#endif
