/*
 * t.h -- the unit-test harness: one executable per module, table-driven
 * cases, every CHECK counted.  The last line is "NAME: N passed, N failed".
 */
#ifndef T_H
#define T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(c) do { \
	if (c) { \
		t_pass++; \
	} else { \
		t_fail++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
		    __LINE__, #c); \
	} \
} while (0)

/* CHECK with a printf-style note printed on failure. */
#define CHECKF(c, ...) do { \
	if (c) { \
		t_pass++; \
	} else { \
		t_fail++; \
		fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, \
		    __LINE__, #c); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static int
t_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, t_pass, t_fail);
	return t_fail != 0 || t_pass == 0;
}

#endif
