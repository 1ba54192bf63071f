/*
 * sizeof.c -- how much RAM the caller gives picoacme: the context and its
 * largest parts, with the limits of this build's acme_config.h.
 */
#include <stdio.h>
#include "acme.h"
#include "challenge_tlsalpn01.h"

int
main(void)
{
	struct acme_client c;

	printf("struct acme_client        %6zu bytes\n", sizeof c);
	printf("  TLS (engine+x509+buf)   %6zu\n", sizeof c.tls);
	printf("    of it the I/O buffer  %6zu (BR_SSL_BUFSIZE_MONO)\n",
	    sizeof c.tls.iobuf);
	printf("  response body window    %6zu (ACME_MAX_RESPONSE)\n",
	    sizeof c.body);
	printf("  request (JWS)           %6zu (ACME_MAX_REQUEST)\n",
	    sizeof c.req);
	printf("  payload scratch         %6zu (ACME_MAX_PAYLOAD)\n",
	    sizeof c.payload);
	printf("  JSON tokens | chain chk %6zu (ACME_JSON_TOKENS %zu, chain"
	    " check %zu)\n", sizeof c.scan, sizeof c.scan.tok,
	    sizeof c.scan.chain);
	printf("  HTTP parser             %6zu\n", sizeof c.resp);
	printf("  authorizations          %6zu (ACME_MAX_IDENTIFIERS)\n",
	    sizeof c.authz);
	printf("  http-01 responder       %6zu\n", sizeof c.http01);
#if ACME_TLSALPN01
	{
		struct tlsalpn01 r;

		printf("struct tlsalpn01          %6zu bytes (tls-alpn-01 "
		    "responder)\n", sizeof r);
		printf("  %d engine slots of      %6zu (BearSSL server %zu, "
		    "I/O buffer %zu)\n", ACME_TLSALPN01_SLOTS,
		    sizeof r.conn[0], sizeof r.conn[0].sc,
		    sizeof r.conn[0].iobuf);
		printf("  %d identifiers of       %6zu (certificate %zu)\n",
		    ACME_MAX_IDENTIFIERS, sizeof r.id[0], sizeof r.id[0].cert);
	}
#endif
	return 0;
}
