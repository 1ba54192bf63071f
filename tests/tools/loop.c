/*
 * loop.c -- the library in one long-lived process, for the fault soak
 * (tests/pebble/soak.sh): N issuances in a row (acme_init, acme_run,
 * acme_close on one static client, one state directory), through the
 * POSIX port.  After each it prints the process's resident set (VmRSS)
 * and its open file descriptors, so that a leak in the library or the
 * port (memory, sockets, files) shows as growth.
 *
 *   loop DIRECTORY_URL CA_FILE NAME HTTP_PORT STATE_DIR N
 *
 * One line per run: "run I exit R rss KB fds N".  Exit 0 when the runs
 * ended; the caller judges the numbers.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "acme.h"
#include "posix/port_posix.h"
#include "ta.h"

static struct acme_client client;
static br_x509_trust_anchor tas[64];
static unsigned char pool[65536];
static char pem[65536];

static long
loop_rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f != NULL)
		fclose(f);
	return kb;
}

static int
loop_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	if (d != NULL)
		closedir(d);
	return n - 1;           /* the directory's own */
}

int
main(int argc, char **argv)
{
	const char *names[1];
	struct acme_config cfg;
	struct acme_port port;
	struct posix_port pp;
	size_t len = 0, ntas = sizeof tas / sizeof tas[0], plen = sizeof pool;
	FILE *f;
	int i, n, r;

	if (argc != 7) {
		fprintf(stderr, "usage: loop DIRECTORY_URL CA_FILE NAME "
		    "HTTP_PORT STATE_DIR N\n");
		return 2;
	}
	f = fopen(argv[2], "rb");
	if (f != NULL) {
		len = fread(pem, 1, sizeof pem, f);
		fclose(f);
	}
	r = ta_from_pem(tas, &ntas, pool, &plen, pem, len);
	if (r != ACME_OK) {
		fprintf(stderr, "loop: %s: %s\n", argv[2], acme_strerror(r));
		return 1;
	}
	n = atoi(argv[6]);
	for (i = 1; i <= n; i++) {
		memset(&cfg, 0, sizeof cfg);
		names[0] = argv[3];
		cfg.directory_url = argv[1];
		cfg.trust_anchors = tas;
		cfg.trust_anchor_count = ntas;
		cfg.names = names;
		cfg.name_count = 1;
		cfg.http01_port = (uint16_t)atoi(argv[4]);
		cfg.agree_tos = 1;
		posix_port_init(&port, &pp, argv[5], 0);
		r = acme_init(&client, &cfg, &port);
		if (r == ACME_OK)
			r = acme_run(&client);
		acme_close(&client);
		printf("run %d exit %d rss %ld fds %d\n", i, r, loop_rss_kb(),
		    loop_fds());
		fflush(stdout);
	}
	return 0;
}
