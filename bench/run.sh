#!/bin/sh
# make bench: issue certificates from a local Pebble and report what one
# issuance costs: requests, HEAD newNonce, badNonce retries, TLS
# handshakes, bytes, client CPU time, wall time and peak RSS.  Medians over
# BENCH_RUNS runs (default 10) at each nonce rejection rate in
# BENCH_REJECT (default "0 5 50").  Numbers, not pass/fail.
set -u
BIN=${1:?usage: bench/run.sh BINARY}
RUNS=${BENCH_RUNS:-10}
. tests/pebble/pebble.sh
trap pebble_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
work=$(mktemp -d)
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print a[int((NR+1)/2)]}'; }
printf '%-7s %-5s %-8s %-5s %-9s %-10s %-9s %-9s %-7s %-8s %-8s\n' reject runs requests heads badnonce handshakes sent_B recv_B cpu_ms wall_ms rss_KB
for rej in ${BENCH_REJECT:-0 5 50}; do
	pebble_start "$rej" >/dev/null || exit 1
	: >"$work/all"
	ok=0
	for i in $(seq 1 "$RUNS"); do
		st="$work/st$rej-$i"
		if /usr/bin/env time -f 'rusage wall=%e user=%U sys=%S rss_kb=%M' \
		    timeout 60 "$BIN" issue --agree-tos --server  "$PEBBLE_DIR_URL" \
		    --ca-file "$PEBBLE_CA" --state-dir "$st" \
		    --http-port "$PEBBLE_HTTP_PORT" -d "b$i.bench.test" -v \
		    2>"$work/log" >/dev/null; then
			ok=$((ok + 1))
		fi
		c=$(grep 'counters:' "$work/log")
		r=$(grep 'rusage' "$work/log")
		u=$(echo "$r" | sed -n 's/.*user=\([0-9.]*\) sys=\([0-9.]*\).*/\1 \2/p' | awk '{printf "%d", ($1+$2)*1000}')
		w=$(echo "$r" | sed -n 's/.*wall=\([0-9.]*\).*/\1/p' | awk '{printf "%d", $1*1000}')
		echo "$c cpu=$u wall=$w $(echo "$r" | sed -n 's/.*\(rss_kb=[0-9]*\).*/\1/p')" >>"$work/all"
	done
	for k in requests head_nonce badnonce_retries handshakes bytes_sent bytes_received cpu wall rss_kb; do
		eval "m_$k=\$(sed -n 's/.* $k=\([0-9]*\).*/\1/p' \"$work/all\" | median)"
	done
	printf '%-7s %-5s %-8s %-5s %-9s %-10s %-9s %-9s %-7s %-8s %-8s\n' "$rej%" "$ok/$RUNS" \
	    "$m_requests" "$m_head_nonce" "$m_badnonce_retries" "$m_handshakes" \
	    "$m_bytes_sent" "$m_bytes_received" "$m_cpu" "$m_wall" "$m_rss_kb"
	pebble_stop
done
rm -rf "$work"
