/*
 * net_posix.c -- the picoacme command on the host's own TCP/IP stack.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "net.h"
#include "posix/port_posix.h"

const char cli_net_usage[] =
"  --http-bind ADDR  the IPv4 address the http-01 responder listens on\n"
"                    (default: every address)\n";

static struct posix_port pp;
static struct in_addr bind_addr;

int
cli_net_option(const char *opt, const char *val, char *err, size_t errcap)
{
	if (strcmp(opt, "--http-bind") != 0)
		return 0;
	if (inet_pton(AF_INET, val, &bind_addr) != 1) {
		snprintf(err, errcap, "bad --http-bind %s (an IPv4 address)",
		    val);
		return -1;
	}
	return 1;
}

int
cli_net_init(struct acme_port *port, const char *dir, int verbose,
    char *err, size_t errcap)
{
	(void)err;
	(void)errcap;
	posix_port_init(port, &pp, dir, verbose);
	pp.listen_addr = bind_addr.s_addr;
	return 0;
}

const char *
cli_net_storage_error(char *buf, size_t cap)
{
	return posix_port_error(&pp, buf, cap);
}
