#!/bin/sh
# make bench, firmware part: what one issuance costs the Cortex-M3 image
# under QEMU (-icount shift=0: the board's busy time in microseconds is
# thousands of guest instructions, from reset to exit, DHCP included).
# Medians over BENCH_FW_RUNS boots (default 5) at Pebble's nonce rejection
# 0, so that no badNonce retry adds a signature.  Numbers, not pass/fail.
#   sh bench/fw.sh ELF
set -u
ELF=${1:?usage: bench/fw.sh ELF}
RUNS=${BENCH_FW_RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }
ok=0
for i in $(seq 1 "$RUNS"); do
	if FW_PEBBLE_REJECT=0 FW_QEMU_FIRST_ONLY=1 \
	    sh tests/qemu/acme.sh "$ELF" >"$work/out" 2>&1; then
		ok=$((ok + 1))
	fi
	sed -n 's/^# issuance: \([0-9]*\) guest instructions.*stack peak \([0-9]*\) bytes/\1 \2/p' \
	    "$work/out" >>"$work/ins"
	sed -n 's/^# counters: requests=\([0-9]*\) .*/\1/p' "$work/out" \
	    >>"$work/req"
done
echo "firmware ($ELF), Pebble nonce rejection 0, $ok of $RUNS boots issued:"
echo "  guest instructions per boot+issuance (median): $(cut -d' ' -f1 "$work/ins" | median)"
echo "  requests (median): $(median <"$work/req")"
echo "  stack peak (max): $(cut -d' ' -f2 "$work/ins" | sort -n | tail -n 1) bytes"
