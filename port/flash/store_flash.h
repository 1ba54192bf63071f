/*
 * store_flash.h -- port.h's storage (load, store, stage, commit,
 * discard) on NOR flash, for firmware: two slots and a commit record.
 *
 * What a board does:
 *
 *	static struct store_flash store;        (static: the store's RAM)
 *	static const struct flash_ops flash = { ... };   (flash.h)
 *	...
 *	if (store_flash_port_init(&base, &store, &flash) != 0)
 *		the geometry is unusable or the part unreadable;
 *
 * which sets base.ctx to &store and base's five storage functions.  When
 * the board's port needs ctx for something else, it calls the
 * store_flash_* functions below from its own, passing &store.  The
 * driver (flash.h) gives a region of whole erase blocks, at least one
 * per slot and as many as a set needs (two slots of three 4 KB blocks
 * hold an 8 KB chain and the rest): read, program (1 bits to 0 only)
 * and erase.
 *
 * Layout.  The region is two slots of equal size (whole erase blocks).
 * A slot holds one complete set of named blobs (account.key,
 * account.url, cert.key, cert.pem, state): its commit record at offset
 * 0, then the blobs, each from a program-unit boundary.  The record
 * (struct store_flash_rec, 32 + 32 * STORE_FLASH_NAMES bytes, native
 * byte order) holds a magic number, a sequence number, and per blob its
 * name, offset, length and CRC-32; its own CRC-32 covers all of it.  A
 * slot is valid when its record's CRC holds, every entry is in bounds and
 * every blob's CRC holds.  The current set is the valid slot with the
 * newer sequence number (serial number arithmetic: seq 0 follows
 * 0xffffffff); none valid (a fresh all-0xFF part, garbage) is an empty
 * set.  Mounting (init) only reads: nothing is repaired or written, so a
 * cut during recovery cannot happen.
 *
 * A transaction writes the other slot: its first program erases the
 * slot's first block (its old record goes first), each piece is
 * programmed as it comes (erasing further blocks as the data reaches
 * them: a set erases only the blocks it fills), commit() appends the
 * current set's blobs that were not staged (carried over, their CRC
 * checked on the way), reads every blob back against its CRC, then
 * programs the record with sequence + 1 in one program call (when the
 * program unit divides its size) and reads it back.  That program is
 * the commit point.  store() is stage() + commit() of one name, so it is
 * atomic the same way, and a set changes only by whole new copies.
 *
 * Power cut, at any moment, torn operations included (a unit half
 * programmed, a block half erased): the current slot is never erased or
 * programmed by a transaction, so it stays valid; the other slot becomes
 * valid only when its record is whole, and the record is programmed only
 * after every blob of the new set was read back good.  So load() finds
 * the old set or the new set, whole.  A torn record or a torn erase of
 * an older record could only pass as the newer set if its CRC-32 and the
 * CRC-32 of every blob it names matched by chance (odds about 2^-32).
 * What this does not cover: "weak" bits that a torn program leaves and
 * that read differently on a later day (the record is read back once, at
 * commit).
 *
 * Checksum: CRC-32 (IEEE, bitwise, no table: 44 bytes of Cortex-M3
 * code).  It guards against torn and failed writes, not an attacker: one
 * who can write the flash can write any checksum, SHA-256 included, and
 * a keyed MAC would need a key the flash does not hold.  BearSSL's
 * SHA-256 is linked in the firmware, but needs a 108-byte context on
 * the stack and is slower; it would buy nothing here.
 *
 * Wear: a transaction erases the blocks its set fills in the other slot
 * (the record plus all blobs: a 3 KB chain and the rest fit one 4 KB
 * block, an 8 KB chain three).  A renewal by core (acme_ensure) is
 * three transactions: the state record before the first request, the
 * certificate pair, the state record after: 3 to 9 erases with a 4 KB
 * block, and each block of a slot is erased at most every second
 * transaction (plus the old key's block without FLASH_ZERO_OVER).
 *
 * Secrets: a commit that replaces a ".key" blob destroys the old copy in
 * the old slot afterwards: zeros programmed over it (FLASH_ZERO_OVER), or
 * its blocks erased (at most one or two more erases).  This makes the
 * old slot invalid, which is harmless: only the current slot is ever
 * needed.  The copy of a key that is still current (account.key carried
 * over) stays in the old slot until that slot is next erased.  Staged
 * bytes of a partial unit sit in RAM (tail) and are wiped after each
 * program and on discard().
 *
 * Rules a caller must keep (core does): one writer, from one thread;
 * the pieces of one name are staged one after another (staging a name
 * again after another name fails); store() while a transaction is
 * staged fails.  After a failed stage() or commit(), every stage() and
 * commit() fails until discard() (port.h).  commit() with nothing staged
 * is 0 and changes nothing.
 */
#ifndef STORE_FLASH_H
#define STORE_FLASH_H

#include <stddef.h>
#include <stdint.h>
#include "flash.h"
#include "port.h"

/* Build options. */
#ifndef STORE_FLASH_NAMES
#define STORE_FLASH_NAMES 6     /* blobs in a set (core uses 5) */
#endif
#ifndef STORE_FLASH_NAME_MAX
#define STORE_FLASH_NAME_MAX 19 /* longest name (a 32-byte entry) */
#endif
#ifndef STORE_FLASH_PROG_MAX
#define STORE_FLASH_PROG_MAX 32 /* largest program unit a driver may have */
#endif
#ifndef STORE_FLASH_COPY
#define STORE_FLASH_COPY 256    /* stack buffer for reads and copies */
#endif

#define STORE_FLASH_MAGIC 0x31534650u  /* "PFS1" */

struct store_flash_ent {
	char name[STORE_FLASH_NAME_MAX + 1];
	uint32_t off;           /* from the slot's start */
	uint32_t len;
	uint32_t crc;           /* CRC-32 of the len bytes */
};

/* The commit record, at offset 0 of a slot.  crc is the CRC-32 of the
 * whole record with crc itself taken as 0; unused entries are 0xFF. */
struct store_flash_rec {
	uint32_t magic;
	uint32_t seq;
	uint32_t n;             /* entries in use */
	uint32_t crc;
	uint32_t spare[4];      /* 0xFF: the head is 32 bytes */
	struct store_flash_ent e[STORE_FLASH_NAMES];
};

/* The store's state: place it statically; init sets all of it. */
struct store_flash {
	const struct flash_ops *fl;
	uint32_t slot;          /* bytes per slot */
	uint32_t rec_space;     /* the record rounded up to program units */
	int active;             /* slot of the current set, -1: empty */
	int bad;                /* a read failed while mounting: all fail */
	uint32_t seq;           /* its sequence number */
	/* The transaction in the other slot. */
	int tx;                 /* 0 none, 1 staging, -1 failed: discard */
	int open;               /* the last entry still takes pieces */
	unsigned staged;        /* entries staged (the rest are carried) */
	uint32_t cur;           /* next program offset in the new slot */
	uint32_t erased;        /* bytes of the new slot erased so far */
	uint32_t tail_len;      /* bytes waiting in tail */
	uint8_t tail[STORE_FLASH_PROG_MAX];
	struct store_flash_rec rec;  /* the new record (mount: scratch) */
};

/* Check fl's geometry and mount: find the current set (reads only).
 * Returns 0, or -1 when a driver call is missing, prog is 0, above
 * STORE_FLASH_PROG_MAX or does not divide block, the region holds fewer
 * than two blocks, the record does not fit in one block, or a read fails
 * (a part that cannot be read is not taken for an empty one: the next
 * write could erase the current set).  A read error while a commit
 * mounts again leaves the store failed the same way: loads -2, writes
 * -1, until init again. */
int store_flash_init(struct store_flash *s, const struct flash_ops *fl);

/* store_flash_init(), then port->ctx = s and port's load, load_at,
 * store, stage, commit and discard set to the functions below.  0 or -1 (port
 * untouched). */
int store_flash_port_init(struct acme_port *port, struct store_flash *s,
    const struct flash_ops *fl);

/* port.h's storage functions; ctx is the struct store_flash. */
long store_flash_load(void *ctx, const char *name, void *buf, size_t cap);
int store_flash_store(void *ctx, const char *name, const void *buf,
    size_t len);
int store_flash_stage(void *ctx, const char *name, const void *buf,
    size_t len);
int store_flash_commit(void *ctx);
void store_flash_discard(void *ctx);

/* port.h's load_at(): up to cap bytes of blob name from byte off on.
 * Returns the bytes copied, 0 when off is at or past the end, -1 when
 * absent, -2 on a read error or when the blob's CRC does not hold (the
 * whole blob is read to check it on every call; buf is then wiped). */
long store_flash_load_at(void *ctx, const char *name, size_t off, void *buf,
    size_t cap);

/* Bytes of blobs one set can hold: each blob takes its length rounded
 * up to the program unit. */
uint32_t store_flash_capacity(const struct store_flash *s);

/* CRC-32 (IEEE 802.3, as zlib's crc32(): start with 0, chain calls). */
uint32_t store_flash_crc32(uint32_t crc, const void *buf, size_t len);

#endif
