/*
 * make bench: uacme has no option for a CA file and libcurl reads no
 * environment variable for one, so this LD_PRELOAD library makes every
 * handle uacme creates trust $BENCH_CA alone (Pebble's listener is signed
 * by a throwaway CA), as the other clients are told to: CURLOPT_CAINFO
 * set to it, CURLOPT_CAPATH cleared.  Debian's libcurl would otherwise
 * also read every file of /etc/ssl/certs on each connection (about 290
 * files: 13 times uacme's CPU and 7 MB more RSS, measured as the client
 * "uacme-cadir", which sets BENCH_CAPATH_KEEP=1).  Nothing else changes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

/* From curl.h: CURLOPTTYPE_STRINGPOINT (10000) + 65 and + 97. */
#define CASHIM_CAINFO 10065
#define CASHIM_CAPATH 10097

void *curl_easy_init(void);

void *
curl_easy_init(void)
{
	void *(*init)(void) = (void *(*)(void))dlsym(RTLD_NEXT,
	    "curl_easy_init");
	int (*setopt)(void *, int, ...) = (int (*)(void *, int, ...))dlsym(
	    RTLD_NEXT, "curl_easy_setopt");
	const char *ca = getenv("BENCH_CA");
	void *h;

	if (init == NULL)
		return NULL;
	h = init();
	if (h != NULL && ca != NULL && setopt != NULL) {
		setopt(h, CASHIM_CAINFO, ca);
		if (getenv("BENCH_CAPATH_KEEP") == NULL)
			setopt(h, CASHIM_CAPATH, (char *)NULL);
	}
	return h;
}
