/*
 * t.h -- the unit-test harness: one executable per module, table-driven
 * cases.  A case is one scenario: a test function run with T_RUN(), or
 * one row of a table, begun with T_CASE("row %u", i) inside it.  Every
 * CHECK belongs to the case open at the time; a case with a failed CHECK
 * fails, a case with no CHECK does not count.  The last line is
 * "NAME: N passed, N failed (M checks)", counting cases; the number of
 * CHECKs evaluated is the detail in parentheses.
 */
#ifndef T_H
#define T_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;          /* CHECKs */
static int t_cpass, t_cfail;        /* cases */
static int t_open, t_checks, t_bad; /* the current case */
static char t_name[128];

/* Close the current case: count it when it checked something. */
static void
t_case_end(void)
{
	if (t_open && t_checks > 0) {
		if (t_bad)
			t_cfail++;
		else
			t_cpass++;
	}
	t_open = t_checks = t_bad = 0;
}

/* Begin a case named by the printf-style arguments (ends the last). */
static void
t_case(const char *fmt, ...)
{
	va_list ap;

	t_case_end();
	va_start(ap, fmt);
	vsnprintf(t_name, sizeof t_name, fmt, ap);
	va_end(ap);
	t_open = 1;
}

/* Run the test function f as one case (its T_CASE rows split it). */
#define T_RUN(f) do { t_case("%s", #f); f(); t_case_end(); } while (0)
#define T_CASE(...) t_case(__VA_ARGS__)

/* Count one CHECK; on the first failure of a case, name the case. */
static int
t_check(int ok)
{
	if (!t_open)
		t_case("(outside any case)");
	t_checks++;
	if (ok) {
		t_pass++;
		return 1;
	}
	t_fail++;
	if (!t_bad)
		fprintf(stderr, "case %s failed:\n", t_name);
	t_bad = 1;
	return 0;
}

#define CHECK(c) do { \
	if (!t_check((c) != 0)) \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
		    __LINE__, #c); \
} while (0)

/* CHECK with a printf-style note printed on failure. */
#define CHECKF(c, ...) do { \
	if (!t_check((c) != 0)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, \
		    __LINE__, #c); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static int
t_done(const char *name)
{
	t_case_end();
	printf("%s: %d passed, %d failed (%d checks)\n", name, t_cpass,
	    t_cfail, t_pass + t_fail);
	return t_cfail != 0 || t_fail != 0 || t_cpass == 0;
}

#endif
