/*
 * dns_hook.c -- see dns_hook.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include "acme.h"
#include "dns_hook.h"

#define DNS_HOOK_TEMPFAIL 75

int
dns_hook_run(void *ctx, int op, const char *name, const char *value)
{
	const char *cmd = ctx, *verb = op == ACME_DNS01_ADD ? "add" : "remove";
	/* The command (from the environment, so that no quoting of ours
	 * can go wrong), then its three arguments as "$@". */
	static const char script[] = "eval \"$PICOACME_DNS_HOOK\" '\"$@\"'";
	struct timespec nap = { 0, 50L * 1000 * 1000 };
	pid_t pid, w;
	int st, ticks;

	if (setenv("PICOACME_DNS_HOOK", cmd, 1) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "picoacme: dns hook: fork: %s\n",
		    strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, "sh", verb, name, value,
		    (char *)NULL);
		_exit(127);
	}
	for (ticks = 0; ; ticks++) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "picoacme: dns hook: waitpid: %s\n",
			    strerror(errno));
			return -1;
		}
		if (ticks >= DNS_HOOK_TIMEOUT_S * 20) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "picoacme: dns hook: '%s %s %s' still "
			    "running after %d s: killed\n", cmd, verb, name,
			    DNS_HOOK_TIMEOUT_S);
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == DNS_HOOK_TEMPFAIL &&
	    op == ACME_DNS01_ADD)
		return 1;
	if (WIFEXITED(st))
		fprintf(stderr, "picoacme: dns hook: '%s %s %s' exited with "
		    "%d\n", cmd, verb, name, WEXITSTATUS(st));
	else
		fprintf(stderr, "picoacme: dns hook: '%s %s %s' killed by "
		    "signal %d\n", cmd, verb, name, WTERMSIG(st));
	return -1;
}
