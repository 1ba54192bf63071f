/*
 * app_ta.c -- see app_ta.h.
 */
#include <string.h>
#include "app_ta.h"
#include "acme_err.h"
#include "ta.h"

int
app_ta_add(struct app_ta_set *s, const br_x509_trust_anchor *tas, size_t n)
{
	if (n > APP_TA_MAX - s->n)
		return -1;
	memcpy(&s->ta[s->n], tas, n * sizeof *tas);
	s->n += n;
	return 0;
}

/* The library's streaming decoder (core/ta.c) into the set's free
 * anchors and pool. */
int
app_ta_add_pem(struct app_ta_set *s, const char *pem, size_t len)
{
	size_t n = APP_TA_MAX - s->n, plen = sizeof s->pool - s->used;

	if (ta_from_pem(&s->ta[s->n], &n, s->pool + s->used, &plen, pem,
	    len) != ACME_OK)
		return -1;
	s->n += n;
	s->used += plen;
	return (int)n;
}
