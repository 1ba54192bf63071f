#!/bin/sh
# make bench: picoacme next to the ACME clients Debian packages, and the
# firmware's flash, RAM and instructions; writes OUT/RESULTS.md and
# OUT/chart.svg (make bench: OUT=bench, committed; make bench-smoke: one
# issuance per client into a temporary directory, for CI).
#   sh bench/bench.sh OUT RUNS PICOACME RUSAGE CASHIM LAB_ELF BENCH_ELF
# Numbers, not pass/fail: it fails only when a measurement could not be
# made (Pebble down, picoacme or the firmware did not issue).  Knobs:
# BENCH_CLIENTS (bench/compare.py's list), BENCH_PICOACME_STATIC (the
# static build), BENCH_STRICT=1 (every installed client must issue),
# BENCH_FW_RUNS, BENCH_REJECT (bench/run.sh), BENCH_KEEP_DATA=DIR (copy
# the raw tables and gnuplot data there).
set -u
OUT=${1:?usage: bench/bench.sh OUT RUNS PICOACME RUSAGE CASHIM LAB_ELF BENCH_ELF}
RUNS=$2 PICO=$3 RUSAGE=$4 CASHIM=$5 LAB=$6 BENCH=$7
mkdir -p "$OUT"
data=$(mktemp -d)
. tests/pebble/pebble.sh
trap 'pebble_stop; rm -rf "$data"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load0=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M UTC')
rev=$(git describe --always --dirty 2>/dev/null)	# before RESULTS.md changes
echo "bench: $RUNS issuances per client, interleaved" >&2
pebble_start 0 >/dev/null || exit 1
python3 bench/compare.py "$data" "$RUNS" "$RUSAGE" "$CASHIM" "$PICO" \
    ${BENCH_CLIENTS:-} >/dev/null || exit 1
pebble_stop
echo "bench: picoacme under nonce rejection" >&2
BENCH_RUNS=$RUNS sh bench/run.sh "$PICO" >"$data/reject.txt" 2>&1 ||
	exit 1
echo "bench: firmware" >&2
sh bench/fw.sh "$LAB" "$BENCH" "$data" >/dev/null || exit 1
load1=$(cut -d' ' -f1-3 /proc/loadavg)

ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "not installed"; }
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "# make bench results"
	echo
	echo "Written by \`make bench\` (bench/bench.sh); the method is in"
	echo "docs/DESIGN.md, \"Benchmarks\".  Chart: [chart.svg](chart.svg)."
	echo
	echo "- Date: $start"
	echo "- Machine: $cpu, $(nproc) cores, Linux $(uname -r);" \
	    "load average $load0 at the start, $load1 at the end (the" \
	    "machine is shared: timings are noisy)"
	echo "- picoacme $rev," \
	    "BearSSL $(ver libbearssl0), $(${CC:-cc} --version | head -n 1)"
	echo "- uacme $(ver uacme), lego $(ver lego), certbot $(ver certbot)," \
	    "Pebble $(ver pebble) (PEBBLE_VA_NOSLEEP=1, no nonce rejection)"
	echo "- $RUNS issuances per client, interleaved, each with fresh" \
	    "state (a new account and key); medians (min-max)"
	echo
	echo "## Host: one issuance per client"
	echo
	cat "$data/host.md"
	echo
	cat <<'TXT'
How each runs here. Every client trusts Pebble's CA alone and makes
P-256 keys where it can choose. picoacme: one process, one TLS
connection, answers http-01 itself; most of its wall time is its two
fixed waits, 150 ms before the first authorization poll and before the
first order poll. picoacme-static: the same code linked statically
(`make bench` builds it; glibc's getaddrinfo would still load NSS
modules for a name): only the code it uses is mapped, where the dynamic
build maps most of libc.so. uacme: two processes (`new`, then `issue`), one TLS
connection per request, http-01 through a hook script writing into a web
root that the bench serves (its server is not counted).
uacme-cadir: the same with libcurl also reading Debian's default CA
directory (/etc/ssl/certs, about 290 files) on every connection, as
uacme runs out of the box (not in the chart). lego: one static Go
binary, its own http-01 server; when Pebble's answer to the challenge is
not yet "valid" it waits 5 s (no Retry-After from Pebble) before polling,
otherwise it goes straight on: two modes. certbot: Python, the standalone
http-01 server; its account key is RSA-2048 (its only choice).
TXT
	echo
	echo "## picoacme under nonce rejection (bench/run.sh)"
	echo
	echo '```'
	cat "$data/reject.txt"
	echo '```'
	echo
	echo "## Firmware (Cortex-M3 under QEMU)"
	echo
	cat "$data/fw.md"
} >"$OUT/RESULTS.md"
nocode=$(awk 'NR > 1 && $11 == "nan" { n = 1 } END { print n + 0 }' \
    "$data/host.dat")
gnuplot -e "dir='$data'; out='$OUT/chart.svg'; nocode=$nocode; title='picoacme and the clients Debian packages: one issuance from Pebble ($start)'" \
    bench/chart.gp || exit 1
[ -z "${BENCH_KEEP_DATA:-}" ] || cp "$data"/* "$BENCH_KEEP_DATA"/
echo "bench: wrote $OUT/RESULTS.md and $OUT/chart.svg" >&2
cat "$OUT/RESULTS.md"
