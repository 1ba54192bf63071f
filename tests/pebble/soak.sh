#!/bin/sh
# The fault soak: SOAK_RUNS issuances in a row (default 20 in make test;
# make soak: 300) by the CLI into one state directory, through
# tests/tools/faultproxy.py in chaos mode (a random fault on about
# SOAK_RATE of the requests: connection reset, truncated answer, stalled
# answer, 500, badNonce, garbled nonce, Retry-After), against Pebble with
# real http-01 validation.
#
#   sh tests/pebble/soak.sh BINARY LOOP
#
# Every run must end within its bound (SOAK_SECONDS, 120 s: the flow's
# own time bounds and retries, never a hang) with exit 0 and a new pair,
# or a clean error: an exit code of the CLI (10..33, one line on stderr),
# not a signal, a timeout or a sanitizer report.  After every run the
# state directory holds a whole, matching pair that verifies to Pebble's
# root: the new one, or, after a failure, the one before it (never lost
# once there was one).  Ends with "soak: N passed, N failed" (one case
# per run) after a summary: runs issued, failed cleanly by exit code,
# faults injected by kind, the longest run.  Then LOOP (tests/tools/loop.c,
# the library in one process) runs SOAK_LOOP issuances (default 10; make
# soak: 100) through the same proxy: its resident set after the last may
# exceed that after the second by at most 64 KB, and its open file
# descriptors must be as many after every run as after the first (case
# library-loop).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$HERE/pebble.sh"
# shellcheck source=tests/pebble/proxy.sh
. "$HERE/proxy.sh"

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
    echo "usage: sh tests/pebble/soak.sh BINARY LOOP" >&2
    echo "soak: 0 passed, 1 failed"
    exit 1
fi
BIN=$1 LOOP=$2
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $LOOP in /*) ;; *) LOOP=$(pwd)/$LOOP ;; esac
RUNS=${SOAK_RUNS:-20}
RATE=${SOAK_RATE:-0.08}
SECS=${SOAK_SECONDS:-120}
SEED=${SOAK_SEED:-$$}

PASS=0 FAIL=0
W=$(mktemp -d "${TMPDIR:-/tmp}/picoacme-soak.XXXXXX") || exit 1
finish() {
    proxy_stop
    pebble_stop
    [ -n "${SOAK_KEEP:-}" ] || rm -rf "$W"
    echo "soak: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

proxy_certs || { echo "not ok - setup: $REASON"; FAIL=1; exit 1; }
pebble_start 0 >/dev/null || { echo "not ok - setup: Pebble did not start"; FAIL=1; exit 1; }
pebble_root "$W/root.pem" >/dev/null 2>&1
# A stall outlasts the client's I/O timeout only at a cost; 8 s is past
# its per-request deadline without making every stall a long wait.
proxy_start "$W/proxy.log" chaos --chaos-rate "$RATE" --seed "$SEED" \
    --stall-seconds 8 || { echo "not ok - setup: $REASON"; FAIL=1; exit 1; }
echo "# $RUNS runs, fault rate $RATE, seed $SEED, bound ${SECS} s a run"

D=$W/state
had_pair=0 issued=0 clean=0 longest=0
codes=
i=0
while [ "$i" -lt "$RUNS" ]; do
    i=$((i + 1))
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    timeout -k 5 "$SECS" env $_PEBBLE_UNSET "$BIN" issue --agree-tos \
        --server "$PROXY_URL" --ca-file "$PCA" --state-dir "$D" \
        --http-port "$PEBBLE_HTTP_PORT" -d soak.example.test \
        </dev/null >"$W/run.out" 2>"$W/run.err"
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ "$ms" -gt "$longest" ] && longest=$ms
    why=
    case $rc in
    0) issued=$((issued + 1)) ;;
    124 | 137) why="no end within $SECS s (a hang)" ;;
    *)
        if [ "$rc" -ge 128 ]; then
            why="killed by signal $((rc - 128))"
        elif grep -q -e Sanitizer -e 'runtime error:' "$W/run.err"; then
            why="sanitizer report"
        elif [ "$rc" -lt 10 ] || [ "$rc" -gt 33 ]; then
            why="exit $rc is not a clean error"
        else
            clean=$((clean + 1))
            codes="$codes $rc"
        fi
        ;;
    esac
    # The pair: whole and matching, and never lost once there was one.
    pair=ok
    if [ -e "$D/cert.pem" ] || [ "$had_pair" -eq 1 ]; then
        if ! pebble_key_matches "$D/cert.pem" "$D/cert.key" 2>/dev/null; then
            pair="cert.key does not match cert.pem (or one is missing)"
        elif ! pebble_verify_chain "$D/cert.pem" "$W/root.pem" "$W/chk" \
            >/dev/null 2>&1; then
            pair="the chain does not verify: ${REASON:-}"
        else
            had_pair=1
        fi
    fi
    if [ -z "$why" ] && [ "$pair" = ok ]; then
        PASS=$((PASS + 1))
        [ "$rc" -ne 0 ] && echo "ok - run $i: exit $rc in $ms ms (pair kept): $(tail -n 1 "$W/run.err" | cut -c1-160)"
    else
        FAIL=$((FAIL + 1))
        echo "not ok - run $i: ${why:-exit $rc}; pair: $pair"
        tail -n 5 "$W/run.err" | sed 's/^/#   /'
    fi
done
faults=$(grep -o 'act=chaos:[a-z0-9-]*' "$W/proxy.log" | sed 's/act=chaos://' |
    sort | uniq -c | awk '{ printf "%s %s, ", $2, $1 }' | sed 's/, $//')
echo "# $RUNS runs: $issued issued, $clean failed cleanly (exit codes:${codes:- none}); longest run $longest ms"
echo "# faults injected: ${faults:-none} (of $(grep -c . "$W/proxy.log") requests)"

# ---- the library in one long-lived process -------------------------------
N=${SOAK_LOOP:-10}
mkdir -p "$W/loop"
# shellcheck disable=SC2086
timeout -k 5 $((N * SECS)) env $_PEBBLE_UNSET "$LOOP" "$PROXY_URL" "$PCA" \
    loop.example.test "$PEBBLE_HTTP_PORT" "$W/loop" "$N" \
    >"$W/loop.out" 2>"$W/loop.err"
rc=$?
runs=$(grep -c '^run ' "$W/loop.out")
ok_runs=$(grep -c '^run [0-9]* exit 0 ' "$W/loop.out")
rss2=$(awk '$2 == 2 { print $6 }' "$W/loop.out")
rssN=$(awk 'END { print $6 }' "$W/loop.out")
fds=$(awk '{ print $8 }' "$W/loop.out" | sort -u | tr '\n' ' ')
if [ "$rc" -eq 0 ] && [ "$runs" -eq "$N" ] && [ -n "$rss2" ] &&
    [ "$rssN" -le $((rss2 + 64)) ] && [ "$(echo "$fds" | wc -w)" -eq 1 ]; then
    PASS=$((PASS + 1))
    echo "ok - library-loop ($N runs in one process, $ok_runs issued; RSS $rss2 KB after run 2, $rssN KB after run $N; open fds ${fds% })"
else
    FAIL=$((FAIL + 1))
    echo "not ok - library-loop: exit $rc, $runs runs of $N, RSS $rss2 -> $rssN KB, fds '$fds'"
    tail -n 5 "$W/loop.out" "$W/loop.err" | sed 's/^/#   /'
fi
