#!/bin/sh
# make bench, firmware part: what the Cortex-M3 lab image costs.
#   sh bench/fw.sh LAB_ELF BENCH_ELF OUTDIR
# Flash and RAM per part of LAB_ELF (boards/qemu-mps2-an385/size.sh, as
# make size), its run-time stack peak and guest instructions per boot
# (one boot under QEMU -icount shift=0: the board's busy microseconds are
# thousands of instructions), and the split of one issuance into key
# generation, ECDSA signatures, TLS handshake, TLS records and the rest
# (ACME logic, JSON, HTTP, the http-01 responder, lwIP) from BENCH_ELF, the
# same image with core/prof.h's counters (make's FW_VARIANT=bench):
# medians over BENCH_FW_RUNS boots (default 3).  Pebble's nonce rejection
# is 0, so that no badNonce retry adds a signature.  Writes OUTDIR/fw.md
# (markdown), OUTDIR/fw-parts.dat and OUTDIR/fw-split.dat (gnuplot).
set -u
LAB=${1:?usage: bench/fw.sh LAB_ELF BENCH_ELF OUTDIR}
BENCH=${2:?usage: bench/fw.sh LAB_ELF BENCH_ELF OUTDIR}
OUT=${3:?usage: bench/fw.sh LAB_ELF BENCH_ELF OUTDIR}
RUNS=${BENCH_FW_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }

boot() { # ELF UARTLOG: one issuing boot; its test output on stdout
	FW_PEBBLE_REJECT=0 FW_QEMU_FIRST_ONLY=1 FW_QEMU_LOG=$2 \
	    sh tests/qemu/acme.sh "$1" 2>&1
}

boot "$LAB" "$work/lab.log" >"$work/lab.out" ||
	{ echo "bench/fw.sh: the lab image did not issue:" >&2
	  tail -n 20 "$work/lab.out" >&2; exit 1; }
sh boards/qemu-mps2-an385/size.sh "$LAB" "$work/lab.log" >"$work/size" ||
	{ cat "$work/size" >&2; exit 1; }
ok=0
for i in $(seq 1 "$RUNS"); do
	if boot "$BENCH" "$work/b$i.log" >"$work/b$i.out"; then
		ok=$((ok + 1))
		sed -n 's/.*profile: //p' "$work/b$i.log" | tr -d '\r' \
		    >>"$work/prof"
	fi
done
[ -s "$work/prof" ] ||
	{ echo "bench/fw.sh: the bench image did not issue or printed no" \
	    "profile line (built without ACME_BENCH_PROFILE=1?)" >&2; exit 1; }

# size.sh's rows: "  part flash RAM".
# fw-parts.dat: part, flash, RAM, then each one's span in its stack.
awk '$1 ~ /^(core|port|app|board|BearSSL|lwIP|libc|align|stack)$/ &&
    NF == 3 { print $1, $2, $3, f + 0, f + $2, r + 0, r + $3; f += $2; r += $3 }' \
    "$work/size" >"$OUT/fw-parts.dat"
flash=$(awk '$1 == "total" { print $2 }' "$work/size")
ram=$(awk '$1 == "total" { print $3 }' "$work/size")
peak=$(sed -n 's/.*stack peak (run time[^:]*: \([0-9]*\) of \([0-9]*\).*/\1 \2/p' \
    "$work/size")
busy=$(sed -n 's/.*exit 0 (stack peak.*busy \([0-9]*\) us).*/\1/p' \
    "$work/lab.log" | tr -d '\r')

# The split: medians of each field over the boots (microseconds =
# thousands of instructions; the rest is each boot's issuance minus its
# parts), and of the calls.
awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "[=/]"); v[i] = kv[2] }
    print $0, "rest_us=" substr($1, 13) - v[2] - v[3] - v[4] - v[5] }' \
    "$work/prof" >"$work/prof2"
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" "$work/prof2" | median; }
calls() { sed -n "s/.* $1=[0-9]*\/\([0-9]*\).*/\1/p" "$work/prof2" | median; }
iss=$(sed -n 's/^issuance_us=\([0-9]*\).*/\1/p' "$work/prof2" | median)
kg=$(field keygen_us) sg=$(field sign_us) hs=$(field handshake_us)
rc=$(field records_us) rest=$(field rest_us)
pct() { awk -v a="$1" -v b="$iss" 'BEGIN { printf "%.1f", 100 * a / b }'; }
mi() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1000 }'; }
{
	echo "\"key gen\" $(mi "$kg")"
	echo "\"ECDSA sign\" $(mi "$sg")"
	echo "\"TLS handshake\" $(mi "$hs")"
	echo "\"TLS records\" $(mi "$rc")"
	echo "\"rest\" $(mi "$rest")"
} >"$OUT/fw-split.dat"

{
	echo "Lab image ($LAB: Cortex-M3, -Os, P-256 with BearSSL's i15 code),"
	echo "flash and RAM by part (bytes), as \`make size\`:"
	echo
	echo "| part | flash | RAM |"
	echo "|---|---|---|"
	while read -r p f r _; do
		echo "| $p | $f | $r |"
	done <"$OUT/fw-parts.dat"
	echo "| **total** | **$flash** of 131072 | **$ram** of 65536 |"
	echo
	echo "Stack peak at run time: ${peak% *} of ${peak#* } bytes." \
	    "One boot with its issuance (DHCP included): $busy thousand" \
	    "guest instructions."
	echo
	echo "One issuance split (bench image: the lab image with" \
	    "core/prof.h's counters; median of $ok boots, millions of guest" \
	    "instructions under QEMU -icount shift=0):"
	echo
	echo "| part | M instructions | share | calls |"
	echo "|---|---|---|---|"
	echo "| key generation (P-256, account and certificate) | $(mi "$kg") | $(pct "$kg") % | $(calls keygen_us) |"
	echo "| ECDSA signatures (each JWS, the CSR) | $(mi "$sg") | $(pct "$sg") % | $(calls sign_us) |"
	echo "| TLS handshake (ECDHE, chain check, one connection) | $(mi "$hs") | $(pct "$hs") % | $(calls handshake_us) steps |"
	echo "| TLS records after it (AES-GCM/ChaCha20) | $(mi "$rc") | $(pct "$rc") % | $(calls records_us) steps |"
	echo "| the rest: ACME logic, JSON, HTTP, http-01 responder, lwIP | $(mi "$rest") | $(pct "$rest") % | |"
	echo "| **issuance** | **$(mi "$iss")** | 100 % | |"
} >"$OUT/fw.md"
cat "$OUT/fw.md"
