/*
 * net.h -- what the picoacme command needs from its platform: a port
 * for a state directory, and any options of its own.  One object file
 * per platform implements it (net_posix.c, net_lwip.c); the Makefile
 * chooses, so cli/main.c has no #ifdef.
 */
#ifndef CLI_NET_H
#define CLI_NET_H

#include <stddef.h>
#include "port.h"

/* Help text for the platform's own options ("" when none). */
extern const char cli_net_usage[];

/* An option main.c does not know: 1 when taken, 0 when not ours, -1
 * when its value is bad (message in err). */
int cli_net_option(const char *opt, const char *val, char *err,
    size_t errcap);

/* Bring the network up and fill port.  0, or -1 with a message. */
int cli_net_init(struct acme_port *port, const char *dir, int verbose,
    char *err, size_t errcap);

/* The last storage failure with its path and reason ("cannot read
 * DIR/account.key: Permission denied") in buf, or NULL when none. */
const char *cli_net_storage_error(char *buf, size_t cap);

#endif
