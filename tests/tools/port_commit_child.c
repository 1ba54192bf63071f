/*
 * port_commit_child.c -- one transaction of the POSIX port's storage
 * (port/posix: stage, stage, ..., commit), for tests that cut it short:
 * tests/unit/test_port_posix.c runs it under tests/tools/faultshim.c
 * (built without sanitizers, which do not mix with LD_PRELOAD).
 *
 *   port_commit_child DIR NAME=VALUE...
 *
 * stages each VALUE under its NAME in pieces of 16 bytes, the names taken
 * in turn (a piece of the first, of the second, ..., of the first
 * again), then commits.  After a failed stage or commit it discards.
 * Exit status: 0 committed, 1 the commit failed, 2 a stage failed, 3 bad
 * usage.
 */
#include <stdio.h>
#include <string.h>
#include "posix/port_posix.h"

#define PIECE 16

int
main(int argc, char **argv)
{
	struct acme_port port;
	struct posix_port pp;
	size_t off, len, vl;
	int i, more, n = argc - 2;

	if (n < 1 || n > ACME_PORT_STAGE_MAX + 1) {
		fprintf(stderr, "usage: port_commit_child DIR NAME=VALUE...\n");
		return 3;
	}
	for (i = 2; i < argc; i++)
		if (strchr(argv[i], '=') == NULL)
			return 3;
	posix_port_init(&port, &pp, argv[1], 0);
	for (off = 0, more = 1; more; off += PIECE) {
		more = 0;
		for (i = 2; i < argc; i++) {
			char *name = argv[i], *eq = strchr(name, '=');
			const char *v = eq + 1;

			vl = strlen(v);
			if (off >= vl && !(off == 0 && vl == 0))
				continue;
			len = vl - off < PIECE ? vl - off : PIECE;
			*eq = 0;
			if (port.stage(port.ctx, name, v + off, len) != 0) {
				port.discard(port.ctx);
				return 2;
			}
			*eq = '=';
			more |= off + len < vl;
		}
	}
	if (port.commit(port.ctx) != 0) {
		port.discard(port.ctx);
		return 1;
	}
	return 0;
}
