/*
 * replay.c -- a main() for a harness built without libFuzzer (make
 * fuzz-cov): runs LLVMFuzzerTestOneInput once on each file named, or on
 * each file in each directory named.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[1 << 20];

static void
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
}

int
main(int argc, char **argv)
{
	static char path[4096];
	struct dirent *e;
	DIR *d;
	int i;

	for (i = 1; i < argc; i++) {
		d = opendir(argv[i]);
		if (d == NULL) {
			replay_file(argv[i]);
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", argv[i],
			    e->d_name);
			replay_file(path);
		}
		closedir(d);
	}
	return 0;
}
