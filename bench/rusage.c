/*
 * make bench: run one command and print what it cost, as one line:
 *   status=N wall_us=N user_us=N sys_us=N maxrss_kb=N
 * CPU and peak RSS are the child's own getrusage figures from wait4()
 * (grandchildren the child waited for, such as a hook script, are
 * included, as the kernel accounts them).  Linked statically and kept
 * small: at exec the kernel carries the forked copy's resident set into
 * the child's peak, so a big parent (a Python interpreter) would inflate
 * every client's RSS by its own.
 *   rusage OUTFILE COMMAND [ARG...]      (the line goes to OUTFILE)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

static long long
rusage_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int st;

	if (argc < 3) {
		fputs("usage: rusage OUTFILE COMMAND [ARG...]\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("rusage: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror("rusage: exec");
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) != pid) {
		perror("rusage: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	out = fopen(argv[1], "w");
	if (out == NULL) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "status=%d wall_us=%lld user_us=%lld sys_us=%lld "
	    "maxrss_kb=%ld\n",
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000,
	    rusage_us(ru.ru_utime), rusage_us(ru.ru_stime), ru.ru_maxrss);
	fclose(out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
