/*
 * net_posix.c -- the picoacme command on the host's own TCP/IP stack.
 */
#include "net.h"
#include "posix/port_posix.h"

const char cli_net_usage[] = "";

int
cli_net_option(const char *opt, const char *val, char *err, size_t errcap)
{
	(void)opt;
	(void)val;
	(void)err;
	(void)errcap;
	return 0;
}

int
cli_net_init(struct acme_port *port, const char *dir, int verbose,
    char *err, size_t errcap)
{
	static struct posix_port pp;

	(void)err;
	(void)errcap;
	posix_port_init(port, &pp, dir, verbose);
	return 0;
}
