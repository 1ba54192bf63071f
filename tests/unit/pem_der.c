/*
 * pem_der.c -- see pem_der.h.
 */
#include <string.h>
#include <bearssl.h>
#include "pem_der.h"

static void
der_append(void *ctx, const void *data, size_t len)
{
	struct der_buf *b = ctx;

	if (b->over || len > sizeof b->d - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->d + b->len, data, len);
	b->len += len;
}

/* The DER of the first PEM object of pem[0..len) into db, decoded with
 * BearSSL alone (not core/pem.c); it must be called name.  0 or -1. */
int
pem_obj(const unsigned char *pem, size_t len, const char *name,
    struct der_buf *db)
{
	br_pem_decoder_context pc;

	memset(db, 0, sizeof *db);
	br_pem_decoder_init(&pc);
	while (len > 0) {
		size_t n = br_pem_decoder_push(&pc, pem, len);

		pem += n;
		len -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (strcmp(br_pem_decoder_name(&pc), name) != 0)
				return -1;
			br_pem_decoder_setdest(&pc, der_append, db);
			break;
		case BR_PEM_END_OBJ:
			return db->over ? -1 : 0;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return -1;
}

/* The public point of an "EC PRIVATE KEY" PEM, decoded with BearSSL
 * alone (not core/key.c).  Returns 0 or -1. */
int
pem_pub(const unsigned char *pem, size_t len, unsigned char q[65])
{
	static struct der_buf db;
	br_skey_decoder_context kc;
	const br_ec_private_key *sk;
	br_ec_public_key pk;
	unsigned char buf[BR_EC_KBUF_PUB_MAX_SIZE];

	if (pem_obj(pem, len, "EC PRIVATE KEY", &db) != 0)
		return -1;
	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, db.d, db.len);
	if (br_skey_decoder_last_error(&kc) != 0 ||
	    br_skey_decoder_key_type(&kc) != BR_KEYTYPE_EC)
		return -1;
	sk = br_skey_decoder_get_ec(&kc);
	if (sk->curve != BR_EC_secp256r1 ||
	    br_ec_compute_pub(&br_ec_p256_m31, &pk, buf, sk) != 65)
		return -1;
	memcpy(q, buf, 65);
	return 0;
}
