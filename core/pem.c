/*
 * pem.c -- see pem.h.
 */
#include <string.h>
#include <bearssl.h>
#include "pem.h"
#include "wipe.h"

void
pem_sink_append(void *ctx, const void *data, size_t len)
{
	struct pem_sink *o = ctx;

	if (o->over || len > o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, data, len);
	o->len += len;
}

/* See pem.h.  The decoder buffers what it decodes (up to 255 bytes, a
 * private key's DER included), so its context is wiped on every exit. */
size_t
pem_first(const char *pem, size_t len, const char *name1, const char *name2,
    unsigned char *der, size_t cap)
{
	br_pem_decoder_context pc;
	struct pem_sink o = { der, 0, cap, 0 };
	size_t ret = 0;
	int in = 0;

	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, pem, len);
		const char *nm;

		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			nm = br_pem_decoder_name(&pc);
			in = strcmp(nm, name1) == 0 ||
			    (name2 != NULL && strcmp(nm, name2) == 0);
			o.len = 0;
			br_pem_decoder_setdest(&pc, in ? pem_sink_append : NULL,
			    &o);
			break;
		case BR_PEM_END_OBJ:
			if (in) {
				ret = o.over ? 0 : o.len;
				goto out_wipe;
			}
			break;
		case BR_PEM_ERROR:
			goto out_wipe;
		default:
			break;
		}
	}
out_wipe:
	wipe(&pc, sizeof pc);
	return ret;
}
