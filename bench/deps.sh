#!/bin/sh
# make bench's own Debian packages, on top of scripts/deps.sh's: the
# clients it compares (uacme, lego, certbot), gnuplot for the chart,
# strace (connections and files loaded).  Installed when missing and
# running as root; never at make test time.  A client that cannot be
# installed is left out of the comparison (bench/compare.py says so in
# RESULTS.md), and so are connections and code without a working strace;
# gnuplot is required.
set -u
want="uacme:uacme lego:lego certbot:certbot gnuplot:gnuplot-nox strace:strace"
missing=
for w in $want; do
	command -v "${w%%:*}" >/dev/null 2>&1 || missing="$missing ${w#*:}"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "bench/deps.sh: installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get -q update >/dev/null || echo "bench/deps.sh: apt-get update failed" >&2
	for p in $missing; do
		# shellcheck disable=SC2086
		apt-get -q install -y --no-install-recommends $p >/dev/null 2>&1 ||
			echo "bench/deps.sh: $p did not install" >&2
	done
else
	echo "bench/deps.sh: missing:$missing (as root: apt-get install" \
	    "-y$missing)" >&2
fi
command -v gnuplot >/dev/null 2>&1 ||
	{ echo "bench/deps.sh: gnuplot is required" >&2; exit 1; }
exit 0
