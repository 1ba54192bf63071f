/*
 * abi_app.c -- an application of the library, compiled by tests/abi.sh
 * with ACME_* limits of its own and linked with the library's objects.
 *
 *   abi_app ok    acme_init() must accept it (the same limits);
 *   abi_app abi   acme_init() must return ACME_ERR_ABI, acme_message()
 *                 name both sizes, and every other call on the context
 *                 return without touching it (ASan sees any write past
 *                 this file's smaller struct acme_client).
 * Exit 0 when it went as asked.
 */
#include <stdio.h>
#include <string.h>
#include "acme.h"
#include "posix/port_posix.h"

static struct acme_client client;

int
main(int argc, char **argv)
{
	static const char *const names[] = { "abi.test" };
	struct acme_config cfg = {
		.directory_url = "https://127.0.0.1:1/dir",
		.names = names, .name_count = 1, .http01_port = 5002,
	};
	struct acme_port port;
	struct posix_port pp;
	char size[32];
	int want_abi = argc > 1 && strcmp(argv[1], "abi") == 0;
	int r, ok;

	posix_port_init(&port, &pp, "/nonexistent-abi-test", 0);
	r = acme_init(&client, &cfg, &port);
	printf("acme_init: %s: %s\n", acme_strerror(r), acme_message(&client));
	snprintf(size, sizeof size, "(%zu bytes)", sizeof client);
	if (!want_abi) {
		ok = r == ACME_OK;
	} else {
		ok = r == ACME_ERR_ABI && acme_error(&client) == ACME_ERR_ABI &&
		    strstr(acme_message(&client), size) != NULL &&
		    acme_step(&client) == ACME_ERR_ABI &&
		    acme_run(&client) == ACME_ERR_ABI &&
		    acme_ensure(&client) == ACME_ERR_ABI &&
		    acme_problem(&client) == NULL &&
		    acme_counters(&client)->stale_nonces == 0 &&
		    acme_next_check(&client) == 0 &&
		    acme_wakeup_ms(&client) == 0 &&
		    acme_certificate_leaf(&client, NULL) == NULL &&
		    acme_terms_of_service(&client) != NULL;
		acme_close(&client);
	}
	acme_close(&client);
	puts(ok ? "as expected" : "NOT as expected");
	return ok ? 0 : 1;
}
