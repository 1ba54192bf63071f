/*
 * str.h -- bounded string helpers for messages (core has no stdio).
 */
#ifndef STR_H
#define STR_H

#include <stddef.h>
#include <stdint.h>

/* Append s to dst (cap bytes, NUL-terminated); truncates with a NUL.
 * Returns 0, or -1 when s did not fit whole. */
int str_cat(char *dst, size_t cap, const char *s);
/* Append the decimal form of v. */
int str_cat_u(char *dst, size_t cap, uint64_t v);
/* Copy s into dst; -1 (and dst "") when it does not fit. */
int str_copy(char *dst, size_t cap, const char *s);
/* Copy n bytes of s into dst with a NUL; -1 (and dst "") if too long. */
int str_copyn(char *dst, size_t cap, const char *s, size_t n);

/* Value 0..15 of the hex digit c, or -1. */
int str_hex(char c);

/* The number written by the n decimal digits at s (n <= 9), or -1 when one
 * of them is not a digit. */
int str_digits(const char *s, size_t n);

/* Seconds since 1970-01-01T00:00:00Z of a UTC date and time (proleptic
 * Gregorian, years 1970..9999; a leap second 60 is taken as 60).
 * Returns 0, or -1 when a field is out of range. */
int str_epoch(int y, int mo, int d, int h, int mi, int s, uint64_t *out);

/* 9999-12-31T23:59:59Z, the last second str_epoch() and str_cat_time()
 * know. */
#define STR_TIME_MAX 253402300799ULL

/* Append t (seconds since 1970) as "YYYY-MM-DDTHH:MM:SSZ"; a t past
 * STR_TIME_MAX (a corrupt record) prints as STR_TIME_MAX.  Returns 0, or
 * -1 when it did not fit whole. */
int str_cat_time(char *dst, size_t cap, uint64_t t);

#endif
