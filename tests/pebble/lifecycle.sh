#!/bin/sh
# The certificate lifecycle against Pebble: `picoacme ensure` and `issue` across runs,
# kills, full disks, Retry-After, ARI, profiles and a boot storm.
#   sh tests/pebble/lifecycle.sh HOST_BINARY
# HOST_BINARY must be built without sanitizers (the fault shim is an LD_PRELOAD library):
# build/host/picoacme; the shim is taken from beside its build directory
# (BUILD/faultshim.so), or from $FAULTSHIM.  Prints "ok - NAME" / "not ok - NAME: reason"
# per case (diagnostics on "# " lines), then "lifecycle: N passed, N failed"; exits 1 if
# any case failed.  About 60-70 s on 2 cores, 5-25 s of it waiting out the client's
# backoff in the retry-after case.  LIFECYCLE_KEEP=1 keeps the scratch dir.
#
# Pebble runs with PEBBLE_VA_NOSLEEP=1 and real http-01 validation: first at 0 % nonce
# rejection and without authorization reuse (tests/tools/faultproxy.py counts POSTs, so
# a badNonce retry would move its injections; every kill run is a whole issuance), then
# a fresh one at 5 % (and Pebble's default 50 % reuse) for the boot storm.
# Requests are counted where they arrive (Pebble's log, the proxy's log), not only by
# the client's own counters.
#
#   ensure-fresh-zero-requests  an issuance, then `ensure` on the same state dir: Pebble
#                         logs no request, exit 0, "nothing to do", cert.pem unchanged,
#                         client counters requests=0; cert.key (through its links) mode
#                         0600, DIR/state exists.
#   profiles              proxy --profiles classic,shortlived: `issue --profile
#                         shortlived` issues and the newOrder the proxy saw carried
#                         profile=shortlived; `--profile bogus` exits 11 (ACME_ERR_PARAM)
#                         with no newOrder, one stderr line naming "bogus".
#   ari-window            proxy --ari future --ari-retry-after 120: `issue` records ari=1
#                         and a check 6 h away; with check_at moved to the past, `ensure`
#                         makes exactly 2 requests (GET the directory, GET
#                         renewal-info/<certID>, the certID equal to `faultproxy.py
#                         --cert-id DIR/cert.pem`), no order, exit 0 "nothing to do", next
#                         check 120 s away; a rerun makes no request.  Then the proxy with
#                         --ari past (same port, so the same account) and check_at in the
#                         past again: `ensure` renews, and its one newOrder carries
#                         replaces=<that certID>.
#   kill-during-issuance  from a copy of a state dir holding a working pair, `issue`
#                         killed (a) by tests/tools/faultshim.c at each storage call k =
#                         1, 2, ... until a run completes uncut (the state record before
#                         the first request, the pair commit, the state record after), and
#                         (b) by SIGKILL after random delays spread over the duration of
#                         a whole run (the longest of (a), +10 %; the -v request log
#                         shows where each one landed: before the first request, among
#                         them, after storing).  After every run:
#                         cert.pem and cert.key exist, match, cert.key is 0600, the pair is
#                         the old one or a new one for the name, account.key unchanged;
#                         then `ensure` exits 0 or 29 (and 0 leaves a matching pair).
#   failed-writes-keep-the-pair  faultshim FAULTSHIM_MODE=fail with ENOSPC, then EIO, at
#                         each storage call k of an `issue` (from a copy of the same dir):
#                         the run completes (exit 0) or fails with a storage error (exit
#                         22, ACME_ERR_STORAGE, or "cannot create" the dir), the pair
#                         matches (old or new) every time, account.key unchanged, then
#                         `ensure` exits 0 or 29.
#   retry-after-kept-across-runs, retry-after-kept-across-runs-date  fresh state dir, the
#                         proxy's retry-after mode answers the 2nd POST (newOrder: the
#                         1st is newAccount) 429 with "Retry-After: 4" (an HTTP-date 4 s
#                         ahead), --max-retry-wait 1: `ensure` exits 30 (rate limited) having POSTed
#                         newOrder once; an immediate `ensure` exits 29 ("backing off
#                         until T") with no request at the proxy, T = DIR/state's
#                         not_before = the Retry-After (1 s granularity for the date),
#                         not the client's own 30-60 s backoff after a first failure:
#                         the CA's word replaces it (core/ensure.c).  At the end of the
#                         suite, T long past, `ensure` issues through the proxy (pass
#                         mode, same port): exit 0, one newOrder.
#   retry-after-longer-than-backoff  the same with "Retry-After: 150", longer than any
#                         first backoff (<= 60 s), so only a kept Retry-After explains T:
#                         exit 30, then exit 29 with no request and T >= the moment of
#                         the 429 + 150 s (not waited for).
#   boot-storm            a fresh Pebble at 5 % nonce rejection; 50 devices (processes,
#                         each its own state dir, name devN.storm.picoacme.test, responder
#                         on 127.0.0.(10+N) only, pebble-challtestsrv resolving the name
#                         there) run `ensure` all at once: every one exits 0 with a
#                         matching pair; requests per device (client counters: min,
#                         median, max) and wall time reported.  Round two, all at once
#                         again: Pebble logs no request, every device exits 0 "nothing to
#                         do".  Debian's Pebble 2.4 deadlocks in about 1 storm in 10 (seen
#                         at 0 % and 5 % rejection, with and without authorization reuse):
#                         a newOrder blocks inside FindValidAuthorization, holding the
#                         in-memory store's read lock, on an authorization or order lock no
#                         goroutine in its dump holds; the store's writers (AddAccount,
#                         AddOrder, AddChallenge) queue behind it, every other request
#                         behind them, and every device hangs.  So the storm watches
#                         Pebble's log: silent for 4 s with devices still running, it takes
#                         Pebble's goroutine dump (SIGQUIT); only when the dump shows that
#                         deadlock is round one rerun on a fresh Pebble (at most 5
#                         attempts, each one reported); anything else fails.
set -u
LC_ALL=C
export LC_ALL

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$HERE/pebble.sh"
# shellcheck source=tests/pebble/proxy.sh
. "$HERE/proxy.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/pebble/lifecycle.sh HOST_BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SHIM=${FAULTSHIM:-$(dirname "$BIN")/../faultshim.so}
case $SHIM in /*) ;; *) SHIM=$(pwd)/$SHIM ;; esac

CLI_TIMEOUT=60      # a run that should succeed
FAIL_TIMEOUT=30     # failure paths, and runs that should send nothing
KILL_MAX=80         # kill-during-issuance (a): cut points tried at most
RANDOM_MIN=20       # kill-during-issuance (b): random kills at least ...
KILL_RUNS_MIN=52    # ... and at least this many runs in all
STORM_N=50
STORM_TRIES=5
PASS=0
FAIL=0
W=
STORM_PIDS=
WATCH_PID=
START=$(date +%s)

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
# Up to N (default 12) last lines of a file as diagnostics.
diag() { [ -s "$1" ] && tail -n "${2:-12}" "$1" | cut -c1-240 | sed 's/^/#   /'; return 0; }

# The boot storm's devices and its watchdog (safe to call twice).
# shellcheck disable=SC2317 # called by finish, from the EXIT trap
storm_stop() {
    for _p in $STORM_PIDS $WATCH_PID; do
        kill -TERM "$_p" 2>/dev/null
    done
    for _p in $STORM_PIDS $WATCH_PID; do
        wait "$_p" 2>/dev/null
    done
    STORM_PIDS='' WATCH_PID=''
}

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    _rc=$?
    storm_stop
    proxy_stop
    pebble_stop
    if [ -n "$W" ] && [ -d "$W" ]; then
        if [ "${LIFECYCLE_KEEP:-0}" = 1 ]; then echo "# kept $W"; else rm -rf "$W"; fi
    fi
    case $_rc in 130 | 143) echo "# interrupted" ;; esac
    echo "# lifecycle.sh took $(($(date +%s) - START)) s"
    echo "lifecycle: $PASS passed, $FAIL failed"
    if [ "$FAIL" -gt 0 ]; then exit 1; fi
    exit "$_rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# Running the CLI

# run_cli SECONDS OUT ARGS... : BINARY ARGS with a clean environment plus $PRE_ENV
# (VAR=VALUE words, e.g. the fault shim's); stdout to OUT.out, stderr to OUT.err, exit
# status in RC, wall time in ELAPSED_MS.  With KILL_AFTER set (seconds, fractions
# allowed) the run gets SIGKILL then instead of the SECONDS bound.
PRE_ENV=
KILL_AFTER=
run_cli() {
    _secs=$1 _out=$2
    shift 2
    _t0=$(date +%s%N)
    if [ -n "$KILL_AFTER" ]; then
        # shellcheck disable=SC2086 # split on purpose
        timeout -s KILL "$KILL_AFTER" env $_PEBBLE_UNSET $PRE_ENV "$BIN" "$@" \
            </dev/null >"$_out.out" 2>"$_out.err"
    else
        # shellcheck disable=SC2086 # split on purpose
        timeout -k 5 "$_secs" env $_PEBBLE_UNSET $PRE_ENV "$BIN" "$@" \
            </dev/null >"$_out.out" 2>"$_out.err"
    fi
    RC=$?
    ELAPSED_MS=$((($(date +%s%N) - _t0) / 1000000))
}

# pico SECONDS OUT COMMAND DIR NAME URL CAFILE [ARGS...]: picoacme COMMAND (issue or
# ensure) for NAME into state dir DIR against directory URL.
pico() {
    _ps=$1 _po=$2 _pc=$3 _pd=$4 _pn=$5 _pu=$6 _pca=$7
    shift 7
    run_cli "$_ps" "$_po" "$_pc" --agree-tos --server "$_pu" --ca-file "$_pca" \
        --state-dir "$_pd" --http-port "$PEBBLE_HTTP_PORT" -d "$_pn" "$@"
}

# cli_broken OUT: sets REASON and succeeds when the run did not really happen.
cli_broken() {
    case $RC in
    124 | 137) REASON="timed out (killed after ${_secs} s)"; return 0 ;;
    126 | 127) REASON="cannot run $BIN (exit $RC)"; return 0 ;;
    esac
    if [ "$RC" -gt 128 ]; then REASON="killed by signal $((RC - 128))"; return 0; fi
    return 1
}

# The CLI's error line, or a note.
err_line() {
    _e=$(grep -e '^picoacme: error: ' -e '^picoacme: cannot ' "$1.err" 2>/dev/null |
        tail -n 1 | cut -c1-240)
    if [ -n "$_e" ]; then echo "$_e"; else echo "no 'picoacme: error:' line on stderr"; fi
}
first_out() { head -n 1 "$1.out" 2>/dev/null | cut -c1-200; }

# counter OUT NAME: a value from the "picoacme: counters:" line ("" when missing).
counter() {
    sed -n "s/^picoacme: counters:.* $2=\([0-9][0-9]*\).*/\1/p" "$1.err" | tail -n 1
}
vreqs() { grep -c '^picoacme: [A-Z][A-Z]* https://[^ ]* -> ' "$1.err"; }

# Requests Pebble has logged so far (one "METHOD /path -> calling handler()" each).
pebble_reqs() { grep -c ' -> calling handler()' "$PEBBLE_LOG"; }

# state_field DIR KEY: a value from DIR/state ("" when missing).
state_field() { sed -n "s/^$2=//p" "$1/state" 2>/dev/null | head -n 1; }
# state_set DIR KEY VALUE
state_set() {
    sed "s/^$2=.*/$2=$3/" "$1/state" >"$1/state.edit" && mv "$1/state.edit" "$1/state"
}

sans() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | sed -n '2,$p' | tr -d ' '
}

# pair_check DIR NAME OLDPEM: DIR holds a matching pair, cert.key 0600; PAIR=old when
# cert.pem is OLDPEM, PAIR=new when it is another certificate for exactly NAME.  Sets
# REASON on failure.
pair_check() {
    [ -e "$1/cert.pem" ] || { REASON="no cert.pem"; return 1; }
    [ -e "$1/cert.key" ] || { REASON="no cert.key"; return 1; }
    pebble_key_matches "$1/cert.pem" "$1/cert.key" ||
        { REASON="cert.key does not match cert.pem"; return 1; }
    _m=$(stat -L -c %a "$1/cert.key")
    [ "$_m" = 600 ] || { REASON="cert.key has mode $_m, want 600"; return 1; }
    if [ -n "$3" ] && cmp -s "$1/cert.pem" "$3"; then
        PAIR=old
        return 0
    fi
    _san=$(sans "$1/cert.pem")
    [ "$_san" = "DNS:$2" ] || { REASON="cert.pem SANs are '$_san', want DNS:$2"; return 1; }
    PAIR=new
}

# ---------------------------------------------------------------------------------------
# The proxy's log (tests/pebble/proxy.sh has the rest): its number of lines.
plines() { if [ -f "$1" ]; then awk 'END { print NR }' "$1"; else echo 0; fi; }
# ---------------------------------------------------------------------------------------

if [ ! -f "$BIN" ] || [ ! -x "$BIN" ]; then
    notok "binary" "$BIN is missing or not executable"
    exit 1
fi
if [ ! -f "$SHIM" ]; then
    notok "faultshim" "$SHIM is missing (make BUILD=... BUILD/faultshim.so)"
    exit 1
fi
if nm -D "$BIN" 2>/dev/null | grep -q __asan_init; then
    notok "binary" "$BIN is built with ASan: the fault shim needs the host build"
    exit 1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/picoacme-lifecycle.XXXXXX") || { notok "setup" "mktemp"; exit 1; }
proxy_certs || { notok "setup" "$REASON"; exit 1; }

# ======================================= Pebble 0 % ====================================
# No authorization reuse: every issuance validates, so every run of the kill cases is a
# whole issuance (with Pebble's default of 50 %, half of them skip the challenge).
PEBBLE_AUTHZREUSE=0
export PEBBLE_AUTHZREUSE
if ! pebble_start 0; then
    notok "pebble" "pebble_start 0 failed"
    exit 1
fi
unset PEBBLE_AUTHZREUSE
echo "# Pebble at 0 % nonce rejection, no authorization reuse, for the cases 1-6"
DIRECT=$PEBBLE_DIR_URL
NEWORDER=$(pebble_dir_field newOrder) || { notok "pebble" "no newOrder in the directory"; exit 1; }
NEWORDER_PATH=/${NEWORDER#https://*/}
# Ports for the proxies that must come back on the same address (the account is bound
# to the directory URL).
# shellcheck disable=SC2046 # split on purpose
set -- $(pebble_free_ports 4)
PORT_RAS=$1 PORT_RAD=$2 PORT_RAL=$3 PORT_ARI=$4

# --- retry-after-*: the first half -----------------------------------------------------
# ra_first NAME OUT PORT SECONDS [PROXY OPTIONS...]: a fresh ensure answered 429 on
# newOrder, then an immediate ensure.  Sets RA_T (the "backing off until" moment, unix
# seconds) and RA_INJ (the 429's arrival, unix ms); REASON on failure.
ra_first() {
    _rn=$1 _ro=$2 _rport=$3 _rsecs=$4
    shift 4
    rm -rf "$_ro.state"
    PROXY_PORT=$_rport
    if ! proxy_start "$_ro.plog" retry-after --retry-every 2 --retry-status 429 \
            --retry-seconds "$_rsecs" "$@"; then
        PROXY_PORT=
        return 1
    fi
    PROXY_PORT=
    pico "$FAIL_TIMEOUT" "$_ro.1" ensure "$_ro.state" "$_rn.life.picoacme.test" \
        "$PROXY_URL" "$PCA" --max-retry-wait 1 -v
    if cli_broken "$_ro.1"; then proxy_stop; return 1; fi
    _inj=$(pcount "$_ro.plog" act retry-after)
    _injp=$(pfield "$_ro.plog" path act retry-after | head -n 1)
    RA_INJ=$(pfield "$_ro.plog" t act retry-after | head -n 1)
    _nop=$(pcount "$_ro.plog" method POST path "$NEWORDER_PATH")
    if [ "$RC" -ne 30 ]; then
        REASON="first ensure: exit $RC, want 30 (rate limited): $(err_line "$_ro.1")"
        proxy_stop; return 1
    fi
    if ! grep -q '^picoacme: error: ACME_ERR_SERVER: .*429 .*rateLimited' "$_ro.1.err"; then
        REASON="first ensure: the error does not name the 429 rateLimited: $(err_line "$_ro.1")"
        proxy_stop; return 1
    fi
    if [ "$_inj" -ne 1 ] || [ "$_injp" != "$NEWORDER_PATH" ] || [ "$_nop" -ne 1 ]; then
        REASON="first ensure: $_inj injected 429 (on $_injp), $NEWORDER_PATH POSTed $_nop times; want one 429, on newOrder, POSTed once"
        proxy_stop; return 1
    fi
    _n0=$(plines "$_ro.plog")
    pico "$FAIL_TIMEOUT" "$_ro.2" ensure "$_ro.state" "$_rn.life.picoacme.test" \
        "$PROXY_URL" "$PCA" --max-retry-wait 1 -v
    _n1=$(plines "$_ro.plog")
    proxy_stop
    if cli_broken "$_ro.2"; then return 1; fi
    if [ "$RC" -ne 29 ]; then
        REASON="immediate ensure: exit $RC, want 29 (backing off): $(first_out "$_ro.2") $(err_line "$_ro.2")"
        return 1
    fi
    if [ "$_n1" -ne "$_n0" ] || [ "$(counter "$_ro.2" requests)" != 0 ]; then
        REASON="immediate ensure: $((_n1 - _n0)) requests at the proxy, counters requests=$(counter "$_ro.2" requests), want none"
        return 1
    fi
    _ts=$(sed -n 's/^picoacme: backing off until \([0-9TZ:-]*\): nothing sent .*/\1/p' "$_ro.2.out")
    RA_T=$(date -u -d "$_ts" +%s 2>/dev/null) ||
        { REASON="immediate ensure: no 'backing off until T: nothing sent' on stdout: $(first_out "$_ro.2")"; return 1; }
    _nb=$(state_field "$_ro.state" not_before)
    if [ "$_nb" != "$RA_T" ]; then
        REASON="stdout says until $_ts ($RA_T), DIR/state has not_before=$_nb"
        return 1
    fi
    return 0
}

# ra_diag OUT: the log of the run that went wrong.
ra_diag() {
    if [ -e "$1.2.err" ]; then diag "$1.2.err" 6; diag "$1.2.out" 2; else diag "$1.1.err" 6; fi
}

RA_PENDING=
for _v in ras rad; do
    if [ "$_v" = ras ]; then
        N=retry-after-kept-across-runs _port=$PORT_RAS _opt=
    else
        N=retry-after-kept-across-runs-date _port=$PORT_RAD _opt=--retry-date
    fi
    O=$W/$_v
    # shellcheck disable=SC2086 # an option or nothing
    if ! ra_first "$_v" "$O" "$_port" 4 $_opt; then
        notok "$N" "$REASON"; ra_diag "$O"
        continue
    fi
    # Whole seconds on both sides: the client's clock (time(), read when
    # the answer is handled) and an HTTP-date may each fall a second
    # short of the proxy's millisecond stamp (a failure seen once, 1 s
    # off, with the Retry-After in seconds).
    _min=$((RA_INJ / 1000 + 4 - 1))
    [ "$_v" = rad ] && _min=$((_min - 1))
    if [ "$RA_T" -lt "$_min" ]; then
        notok "$N" "backing off until $RA_T, before the Retry-After ends ($_min)"
        continue
    fi
    # The CA's word replaces the client's own backoff (30-60 s after a
    # first failure): the device may come back when the CA said.
    if [ "$RA_T" -gt $((RA_INJ / 1000 + 4 + 2)) ]; then
        notok "$N" "backing off until +$((RA_T - RA_INJ / 1000)) s after the 429, want the Retry-After's 4 s"
        continue
    fi
    echo "# $N: exit 30 (newOrder POSTed once), then exit 29 with no request; not before +$((RA_T - RA_INJ / 1000)) s after the 429 (Retry-After 4 s): the last step comes at the end"
    RA_PENDING="$RA_PENDING $_v:$_port:$RA_T"
done

N=retry-after-longer-than-backoff
O=$W/ral
if ! ra_first ral "$O" "$PORT_RAL" 150; then
    notok "$N" "$REASON"; ra_diag "$O"
else
    _inj_s=$((RA_INJ / 1000))
    if [ "$RA_T" -lt $((_inj_s + 150)) ] || [ "$RA_T" -gt $((_inj_s + 153)) ]; then
        notok "$N" "backing off until +$((RA_T - _inj_s)) s after the 429, want +150 s (Retry-After: 150 beats a first backoff of at most 60 s)"
    else
        ok "$N"
        echo "#   exit 30, then exit 29 with no request: backing off until +$((RA_T - _inj_s)) s after the 429 (Retry-After: 150)"
    fi
fi

# --- ensure-fresh-zero-requests -----------------------------------------------------------
N=ensure-fresh-zero-requests
NAME=life.picoacme.test
TPL=$W/tpl             # the working pair cases 2 and 3 start from
O=$W/fresh
pico "$CLI_TIMEOUT" "$O.1" issue "$TPL" "$NAME" "$DIRECT" "$PEBBLE_CA" -v
if cli_broken "$O.1"; then
    notok "$N" "issue: $REASON"; diag "$O.1.err"
    notok "setup" "no state dir with a working pair: kill-during-issuance and failed-writes-keep-the-pair cannot run"
    exit 1
elif [ "$RC" -ne 0 ] || ! pair_check "$TPL" "$NAME" ""; then
    notok "$N" "issue: exit $RC: $(err_line "$O.1") ${REASON:-}"; diag "$O.1.err"
    notok "setup" "no state dir with a working pair: kill-during-issuance and failed-writes-keep-the-pair cannot run"
    exit 1
fi
cp "$TPL/cert.pem" "$W/tpl-cert.pem"
cp "$TPL/account.key" "$W/tpl-account.key"
_p0=$(pebble_reqs)
pico "$FAIL_TIMEOUT" "$O.2" ensure "$TPL" "$NAME" "$DIRECT" "$PEBBLE_CA" -v
_p1=$(pebble_reqs)
if cli_broken "$O.2"; then
    notok "$N" "ensure: $REASON"; diag "$O.2.err"
elif [ "$RC" -ne 0 ]; then
    notok "$N" "ensure: exit $RC, want 0: $(first_out "$O.2") $(err_line "$O.2")"
elif [ "$_p1" -ne "$_p0" ]; then
    notok "$N" "Pebble logged $((_p1 - _p0)) requests during ensure, want none"
    grep ' -> calling handler()' "$PEBBLE_LOG" | tail -n $((_p1 - _p0)) | head -n 8 |
        cut -c1-160 | sed 's/^/#   /'
elif [ "$(counter "$O.2" requests)" != 0 ]; then
    notok "$N" "client counters requests=$(counter "$O.2" requests), want 0"
elif ! grep -q '^picoacme: nothing to do: ' "$O.2.out"; then
    notok "$N" "stdout does not say 'nothing to do': $(first_out "$O.2")"
elif ! cmp -s "$TPL/cert.pem" "$W/tpl-cert.pem"; then
    notok "$N" "cert.pem changed"
elif [ "$(stat -L -c %a "$TPL/cert.key")" != 600 ]; then
    notok "$N" "cert.key (through its links) has mode $(stat -L -c %a "$TPL/cert.key"), want 600"
elif [ ! -s "$TPL/state" ]; then
    notok "$N" "no DIR/state"
else
    ok "$N"
    echo "#   Pebble request lines $_p0 -> $_p1; $(first_out "$O.2")"
fi

# --- profiles ---------------------------------------------------------------------------
N=profiles
O=$W/prof
if ! proxy_start "$O.plog" pass --profiles classic,shortlived; then
    notok "$N" "$REASON"
else
    pico "$CLI_TIMEOUT" "$O.1" issue "$O.state" prof.life.picoacme.test "$PROXY_URL" "$PCA" \
        --profile shortlived -v
    _rc1=$RC
    _no1=$(pcount "$O.plog" method POST path "$NEWORDER_PATH")
    _prof=$(pfield "$O.plog" profile method POST path "$NEWORDER_PATH" | sort -u | tr '\n' ' ')
    # Not --verbose: stderr must hold the one error line.
    pico "$FAIL_TIMEOUT" "$O.2" issue "$O.state" prof.life.picoacme.test "$PROXY_URL" "$PCA" \
        --profile bogus
    _rc2=$RC
    _no2=$(pcount "$O.plog" method POST path "$NEWORDER_PATH")
    proxy_stop
    _lines=$(awk 'END { print NR }' "$O.2.err")
    if [ "$_rc1" -ne 0 ]; then
        notok "$N" "--profile shortlived: exit $_rc1: $(err_line "$O.1")"; diag "$O.1.err"
    elif [ "$_no1" -lt 1 ] || [ "$_prof" != "shortlived " ]; then
        notok "$N" "--profile shortlived: $_no1 newOrder POSTs, their profile fields: '$_prof'"
    elif [ "$_rc2" -ne 11 ]; then
        notok "$N" "--profile bogus: exit $_rc2, want 11 (ACME_ERR_PARAM): $(head -n 1 "$O.2.err")"
    elif [ "$_no2" -ne "$_no1" ]; then
        notok "$N" "--profile bogus: $((_no2 - _no1)) newOrder POSTs, want none"
    elif [ "$_lines" -ne 1 ] || ! grep -q 'bogus' "$O.2.err"; then
        notok "$N" "--profile bogus: $_lines stderr lines, want one naming the profile"
        diag "$O.2.err" 4
    else
        ok "$N"
        echo "#   newOrder profile=shortlived; bogus: $(head -n 1 "$O.2.err" | cut -c1-160)"
    fi
fi

# --- ari-window -----------------------------------------------------------------------------
ari_case() {
    N=ari-window
    O=$W/ari
    S=$O.state
    PROXY_PORT=$PORT_ARI
    if ! proxy_start "$O.plog" pass --ari future --ari-retry-after 120; then
        PROXY_PORT=; notok "$N" "$REASON"; return
    fi
    pico "$CLI_TIMEOUT" "$O.1" issue "$S" ari.life.picoacme.test "$PROXY_URL" "$PCA" -v
    _t=$(date +%s)
    if [ "$RC" -ne 0 ]; then
        PROXY_PORT=; notok "$N" "issue: exit $RC: $(err_line "$O.1")"; diag "$O.1.err"; return
    fi
    _ca=$(state_field "$S" check_at)
    if [ "$(state_field "$S" ari)" != 1 ] || [ -z "$_ca" ] ||
            [ "$_ca" -lt $((_t + 21600 - 30)) ] || [ "$_ca" -gt $((_t + 21600)) ]; then
        PROXY_PORT=; notok "$N" "after issue: ari=$(state_field "$S" ari) check_at=now+$((${_ca:-0} - _t)) s, want ari=1 and 6 h"; return
    fi
    _cid=$(python3 "$PROXY" --cert-id "$S/cert.pem") ||
        { PROXY_PORT=; notok "$N" "faultproxy.py --cert-id failed"; return; }
    cp "$S/cert.pem" "$O.old.pem"

    # (a) the window in the future
    state_set "$S" check_at $((_t - 60))
    _n0=$(plines "$O.plog")
    pico "$FAIL_TIMEOUT" "$O.2" ensure "$S" ari.life.picoacme.test "$PROXY_URL" "$PCA" -v
    _t=$(date +%s)
    tail -n "+$((_n0 + 1))" "$O.plog" >"$O.2.plog"
    _all=$(plines "$O.2.plog")
    _dir=$(pcount "$O.2.plog" method GET path /dir)
    _ri=$(pcount "$O.2.plog" method GET path "/renewal-info/$_cid" act ari cert_id "$_cid")
    _ca=$(state_field "$S" check_at)
    if [ "$RC" -ne 0 ] || ! grep -q '^picoacme: nothing to do: ' "$O.2.out"; then
        notok "$N" "(a) window in the future: exit $RC, want 0 'nothing to do': $(first_out "$O.2") $(err_line "$O.2")"
        diag "$O.2.err" 6
    elif [ "$_all" -ne 2 ] || [ "$_dir" -ne 1 ] || [ "$_ri" -ne 1 ]; then
        notok "$N" "(a) $_all requests at the proxy ($(pfield "$O.2.plog" method | tr '\n' ' ')on $(pfield "$O.2.plog" path | tr '\n' ' ')), want GET /dir and GET /renewal-info/$_cid"
    elif [ "$(counter "$O.2" requests)" != 2 ]; then
        notok "$N" "(a) client counters requests=$(counter "$O.2" requests), want 2"
    elif [ -z "$_ca" ] || [ "$_ca" -lt $((_t + 110)) ] || [ "$_ca" -gt $((_t + 121)) ]; then
        notok "$N" "(a) next check now+$((${_ca:-0} - _t)) s, want the CA's Retry-After: 120 s"
    else
        _n1=$(plines "$O.plog")
        pico "$FAIL_TIMEOUT" "$O.3" ensure "$S" ari.life.picoacme.test "$PROXY_URL" "$PCA" -v
        _n2=$(plines "$O.plog")
        if [ "$RC" -ne 0 ] || [ "$_n2" -ne "$_n1" ] || ! grep -q '^picoacme: nothing to do: ' "$O.3.out"; then
            notok "$N" "(a) rerun within the Retry-After: exit $RC, $((_n2 - _n1)) requests at the proxy, want 0 and none: $(first_out "$O.3")"
        else
            proxy_stop
            # (b) the window in the past: the same port, so the same account
            if ! proxy_start "$O.b.plog" pass --ari past --ari-retry-after 120; then
                PROXY_PORT=; notok "$N" "(b) $REASON"; return
            fi
            state_set "$S" check_at $(($(date +%s) - 60))
            pico "$CLI_TIMEOUT" "$O.4" ensure "$S" ari.life.picoacme.test "$PROXY_URL" "$PCA" -v
            _nos=$(pcount "$O.b.plog" method POST path "$NEWORDER_PATH")
            _rep=$(pfield "$O.b.plog" replaces method POST path "$NEWORDER_PATH" | sort -u | tr '\n' ' ')
            _ri=$(pcount "$O.b.plog" method GET act ari cert_id "$_cid")
            if [ "$RC" -ne 0 ] || ! grep -q '^picoacme: obtained a new certificate: ' "$O.4.out"; then
                notok "$N" "(b) window in the past: exit $RC, want 0 'obtained a new certificate': $(first_out "$O.4") $(err_line "$O.4")"
                diag "$O.4.err" 8
            elif [ "$_ri" -ne 1 ]; then
                notok "$N" "(b) renewal-info/$_cid asked $_ri times, want once"
            elif [ "$_nos" -ne 1 ] || [ "$_rep" != "$_cid " ]; then
                notok "$N" "(b) $_nos newOrder POSTs with replaces '$_rep', want one with replaces=$_cid"
            elif ! pair_check "$S" ari.life.picoacme.test "$O.old.pem" || [ "$PAIR" != new ]; then
                notok "$N" "(b) after the renewal: ${REASON:-cert.pem is still the old one}"
            else
                ok "$N"
                echo "#   certID $_cid; (a) GET /dir + GET /renewal-info/<certID>, nothing to do, next check +120 s, rerun: no request; (b) newOrder replaces=$_cid, renewed"
            fi
        fi
    fi
    PROXY_PORT=
    proxy_stop
}
ari_case

# --- kill-during-issuance ---------------------------------------------------------------------
# after_run OUT DIR: the checks after a cut or failed run; BROKEN_WHY set when broken.
# Counts PAIR_OLD, PAIR_NEW, ENS0, ENS29, ENSREQ.
after_run() {
    BROKEN_WHY=
    if ! pair_check "$2" "$NAME" "$W/tpl-cert.pem"; then
        BROKEN_WHY=$REASON
        return
    fi
    if [ "$PAIR" = old ]; then PAIR_OLD=$((PAIR_OLD + 1)); else PAIR_NEW=$((PAIR_NEW + 1)); fi
    if ! cmp -s "$2/account.key" "$W/tpl-account.key"; then
        BROKEN_WHY="account.key changed"
        return
    fi
    _sv=$RC
    pico "$FAIL_TIMEOUT" "$1.e" ensure "$2" "$NAME" "$DIRECT" "$PEBBLE_CA" -v
    ENSREQ=$((ENSREQ + $(vreqs "$1.e")))
    case $RC in
    0) ENS0=$((ENS0 + 1))
        pair_check "$2" "$NAME" "$W/tpl-cert.pem" ||
            BROKEN_WHY="after ensure exit 0: $REASON" ;;
    29) ENS29=$((ENS29 + 1)) ;;
    *) BROKEN_WHY="the following ensure: exit $RC: $(first_out "$1.e") $(err_line "$1.e")" ;;
    esac
    RC=$_sv
}

N=kill-during-issuance
SHIM_DIR=$W/run      # every run's state dir (realpath: the shim wants it without links)
PAIR_OLD=0 PAIR_NEW=0 ENS0=0 ENS29=0 ENSREQ=0 BROKEN=0 BROKEN_FIRST=
A_CUTS=0 A_UNCUT=0 A_MS=0 K=1
while [ "$K" -le "$KILL_MAX" ]; do
    rm -rf "$SHIM_DIR" "$W/shim.log"
    cp -a "$TPL" "$SHIM_DIR"
    _sd=$(realpath "$SHIM_DIR")
    PRE_ENV="LD_PRELOAD=$SHIM FAULTSHIM_DIR=$_sd FAULTSHIM_AT=$K FAULTSHIM_MODE=kill FAULTSHIM_LOG=$W/shim.log"
    pico "$CLI_TIMEOUT" "$W/ka" issue "$SHIM_DIR" "$NAME" "$DIRECT" "$PEBBLE_CA" -v
    PRE_ENV=
    [ "$ELAPSED_MS" -gt "$A_MS" ] && A_MS=$ELAPSED_MS
    _calls=$(awk 'END { print NR }' "$W/shim.log" 2>/dev/null)
    if [ "$RC" -eq 0 ] && [ "${_calls:-0}" -lt "$K" ]; then
        A_UNCUT=1
        cp "$W/shim.log" "$W/shim-uncut.log"
    elif [ "$RC" -ne 137 ] || ! grep -q " KILL\$" "$W/shim.log" 2>/dev/null; then
        BROKEN=$((BROKEN + 1))
        [ -n "$BROKEN_FIRST" ] || BROKEN_FIRST="(a) k=$K: not killed by the shim: exit $RC: $(err_line "$W/ka")"
        K=$((K + 1))
        continue
    else
        A_CUTS=$((A_CUTS + 1))
    fi
    after_run "$W/ka" "$SHIM_DIR"
    if [ -n "$BROKEN_WHY" ]; then
        BROKEN=$((BROKEN + 1))
        [ -n "$BROKEN_FIRST" ] || BROKEN_FIRST="(a) killed at storage call $K ($(sed -n "${K}p" "$W/shim.log" | cut -c1-120)): $BROKEN_WHY"
    fi
    [ "$A_UNCUT" -eq 1 ] && break
    K=$((K + 1))
done
# Where the cut points fell: the uncut run's calls, by the file they touch (the
# directory itself: its mkdir by the CLI, or its fsync after the call before).
_steps=
if [ -f "$W/shim-uncut.log" ]; then
    _steps=$(awk -v d="$(realpath "$SHIM_DIR")" '
        { p = ($2 ~ /^(rename|renameat|link|linkat)$/) ? $5 : $3
          if (p == d) k = (NR == 1) ? "mkdir of the dir" : last
          else k = (p ~ /\/state(\.tmp)?$/) ? "state record" : "pair commit"
          if (k != last) { if (last != "") printf "%s %d-%d, ", last, from, NR - 1; last = k; from = NR } }
        END { if (last != "") printf "%s %d-%d", last, from, NR }' "$W/shim-uncut.log")
fi
A_RUNS=$((A_CUTS + A_UNCUT))
NB=$((KILL_RUNS_MIN - A_RUNS))
[ "$NB" -lt "$RANDOM_MIN" ] && NB=$RANDOM_MIN
SEED=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
# Delays spread over the run's duration (the longest run of (a), +10 %, at most 990 ms):
# one uniform pick in each of NB equal slices.
SPAN=$((A_MS * 11 / 10))
[ "$SPAN" -lt 100 ] && SPAN=400
[ "$SPAN" -gt 990 ] && SPAN=990
DELAYS=$(awk -v n="$NB" -v seed="$SEED" -v span="$SPAN" 'BEGIN { srand(seed)
    for (i = 0; i < n; i++) printf "%d ", (i + rand()) * span / n }')
B_BEFORE=0 B_NET=0 B_AFTER=0 B_UNCUT=0 B_RUNS=0
for _d in $DELAYS; do
    rm -rf "$SHIM_DIR"
    cp -a "$TPL" "$SHIM_DIR"
    KILL_AFTER=$(printf '0.%03d' "$_d")
    pico "$CLI_TIMEOUT" "$W/kb" issue "$SHIM_DIR" "$NAME" "$DIRECT" "$PEBBLE_CA" -v
    KILL_AFTER=
    B_RUNS=$((B_RUNS + 1))
    if [ "$RC" -eq 0 ]; then
        B_UNCUT=$((B_UNCUT + 1))
    elif [ "$RC" -ne 137 ]; then
        BROKEN=$((BROKEN + 1))
        [ -n "$BROKEN_FIRST" ] || BROKEN_FIRST="(b) after ${_d} ms: exit $RC, want 137 or 0: $(err_line "$W/kb")"
        continue
    elif grep -q '^picoacme: certificate stored' "$W/kb.err"; then
        B_AFTER=$((B_AFTER + 1))
    elif [ "$(vreqs "$W/kb")" -gt 0 ]; then
        B_NET=$((B_NET + 1))
    else
        B_BEFORE=$((B_BEFORE + 1))
    fi
    after_run "$W/kb" "$SHIM_DIR"
    if [ -n "$BROKEN_WHY" ]; then
        BROKEN=$((BROKEN + 1))
        [ -n "$BROKEN_FIRST" ] || BROKEN_FIRST="(b) SIGKILL after ${_d} ms: $BROKEN_WHY"
    fi
done
RUNS=$((A_RUNS + B_RUNS))
echo "# $N: $RUNS runs (a: $A_CUTS storage cut points + $A_UNCUT uncut, b: $B_RUNS random), $BROKEN broken"
echo "#   (a) storage calls of an issue: ${_steps:-?}"
echo "#   (b) SIGKILL after 0..$SPAN ms (seed $SEED): $B_BEFORE before the first request, $B_NET during the requests, $B_AFTER after storing, $B_UNCUT uncut"
echo "#   after the kills: old pair $PAIR_OLD, new pair $PAIR_NEW; ensure exit 0: $ENS0, exit 29: $ENS29, requests made by those ensure runs: $ENSREQ"
if [ "$A_UNCUT" -ne 1 ]; then
    notok "$N" "no run completed uncut within $KILL_MAX storage cut points"
elif [ "$BROKEN" -ne 0 ]; then
    notok "$N" "$BROKEN broken states; first: $BROKEN_FIRST"
elif [ "$RUNS" -lt 50 ]; then
    notok "$N" "only $RUNS runs, want at least 50"
elif [ "$B_NET" -lt 1 ]; then
    notok "$N" "no random kill landed among the requests: the network part was not covered"
else
    ok "$N"
fi

# --- failed-writes-keep-the-pair ----------------------------------------------------------------
N=failed-writes-keep-the-pair
KMAX=$(awk 'END { print NR }' "$W/shim-uncut.log" 2>/dev/null)
PAIR_OLD=0 PAIR_NEW=0 ENS0=0 ENS29=0 ENSREQ=0 BROKEN=0 BROKEN_FIRST=
_sum=
if [ -z "$KMAX" ] || [ "$KMAX" -lt 1 ]; then
    notok "$N" "no storage call count from kill-during-issuance"
else
    for _err in ENOSPC EIO; do
        _done=0 _serr=0 _runs=0 _unhit=0
        K=1
        while [ "$K" -le "$KMAX" ]; do
            rm -rf "$SHIM_DIR" "$W/shim.log"
            cp -a "$TPL" "$SHIM_DIR"
            _sd=$(realpath "$SHIM_DIR")
            PRE_ENV="LD_PRELOAD=$SHIM FAULTSHIM_DIR=$_sd FAULTSHIM_AT=$K FAULTSHIM_MODE=fail FAULTSHIM_ERRNO=$_err FAULTSHIM_LOG=$W/shim.log"
            pico "$CLI_TIMEOUT" "$W/fw" issue "$SHIM_DIR" "$NAME" "$DIRECT" "$PEBBLE_CA"
            PRE_ENV=
            _runs=$((_runs + 1))
            grep -q ' FAIL$' "$W/shim.log" 2>/dev/null || _unhit=$((_unhit + 1))
            _why=
            if cli_broken "$W/fw"; then
                _why=$REASON
            elif [ "$RC" -eq 0 ]; then
                _done=$((_done + 1))
            elif [ "$RC" -eq 22 ] && grep -q -e '^picoacme: error: ACME_ERR_STORAGE: ' \
                    -e '^picoacme: cannot create ' "$W/fw.err"; then
                _serr=$((_serr + 1))
            else
                _why="exit $RC, want 0 or a storage error (22): $(head -n 1 "$W/fw.err" | cut -c1-160)"
            fi
            if [ -z "$_why" ]; then
                after_run "$W/fw" "$SHIM_DIR"
                _why=$BROKEN_WHY
            fi
            if [ -n "$_why" ]; then
                BROKEN=$((BROKEN + 1))
                [ -n "$BROKEN_FIRST" ] || BROKEN_FIRST="$_err at storage call $K ($(sed -n "${K}p" "$W/shim.log" | cut -c1-120)): $_why"
            fi
            K=$((K + 1))
        done
        _sum="$_sum $_err: $_runs runs ($_done completed, $_serr storage errors);"
        [ "$_unhit" -eq 0 ] || _sum="$_sum ($_unhit runs never reached their call)"
    done
    echo "# $N:$_sum old pair $PAIR_OLD, new pair $PAIR_NEW; ensure after: exit 0 $ENS0, exit 29 $ENS29 (requests $ENSREQ); $BROKEN broken"
    if [ "$BROKEN" -ne 0 ]; then
        notok "$N" "$BROKEN broken states; first: $BROKEN_FIRST"
    else
        ok "$N"
    fi
fi

# --- retry-after-kept-across-runs: the second half ----------------------------------------------
for _e in $RA_PENDING; do
    _v=${_e%%:*} _r=${_e#*:}
    _port=${_r%%:*} _t=${_r#*:}
    if [ "$_v" = ras ]; then N=retry-after-kept-across-runs; else N=retry-after-kept-across-runs-date; fi
    O=$W/$_v
    _wait=$((_t + 1 - $(date +%s)))
    if [ "$_wait" -gt 0 ]; then
        echo "# $N: waiting $_wait s for the backoff to end"
        sleep "$_wait"
    fi
    PROXY_PORT=$_port
    if ! proxy_start "$O.b.plog" pass; then
        PROXY_PORT=; notok "$N" "$REASON"; continue
    fi
    PROXY_PORT=
    pico "$CLI_TIMEOUT" "$O.3" ensure "$O.state" "$_v.life.picoacme.test" "$PROXY_URL" \
        "$PCA" --max-retry-wait 1 -v
    proxy_stop
    _nos=$(pcount "$O.b.plog" method POST path "$NEWORDER_PATH")
    if cli_broken "$O.3"; then
        notok "$N" "after the backoff: $REASON"; diag "$O.3.err"
    elif [ "$RC" -ne 0 ] || ! grep -q '^picoacme: obtained a new certificate: ' "$O.3.out"; then
        notok "$N" "after the backoff: exit $RC, want 0 'obtained a new certificate': $(first_out "$O.3") $(err_line "$O.3")"
        diag "$O.3.err" 6
    elif [ "$_nos" -ne 1 ]; then
        notok "$N" "after the backoff: $_nos newOrder POSTs, want one issuance"
    elif ! pair_check "$O.state" "$_v.life.picoacme.test" ""; then
        notok "$N" "after the backoff: $REASON"
    else
        ok "$N"
        echo "#   after the backoff ($(( $(date +%s) - _t )) s past it): issued with one newOrder, $(counter "$O.3" requests) requests"
    fi
done

# ======================================= Pebble 5 % ====================================
# --- boot-storm ------------------------------------------------------------------------------
N=boot-storm
SD=$W/storm

# storm_dns: pebble-challtestsrv resolves devN.storm.picoacme.test to 127.0.0.(10+N).
storm_dns() {
    _pebble_env python3 - "$PEBBLE_CHALL_MGMT" "$STORM_N" <<'PY'
import json, sys, urllib.request
base, n = sys.argv[1], int(sys.argv[2])
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
for i in range(1, n + 1):
    body = json.dumps({"host": "dev%d.storm.picoacme.test." % i,
                       "addresses": ["127.0.0.%d" % (10 + i)]}).encode()
    op.open(urllib.request.Request(base + "/add-a", data=body, method="POST"), timeout=5).read()
PY
}

# storm_round R: every device runs `ensure` at once.  Sets STORM_MS (wall time) and
# writes $SD/rR.rc ("N RC" lines); $SD/stall exists when the watchdog found Pebble
# silent for 4 s with devices still running (it then took Pebble's goroutine dump and
# stopped the devices).
storm_round() {
    rm -f "$SD/stall" "$SD/r$1.rc"
    _t0=$(date +%s%N)
    _i=1
    STORM_PIDS=
    while [ "$_i" -le "$STORM_N" ]; do
        # shellcheck disable=SC2086 # split on purpose
        timeout -k 2 40 env $_PEBBLE_UNSET "$BIN" ensure --agree-tos \
            --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" --state-dir "$SD/d$_i" \
            --http-port "$PEBBLE_HTTP_PORT" --http-bind "127.0.0.$((10 + _i))" \
            -d "dev$_i.storm.picoacme.test" -v </dev/null >"$SD/r$1-$_i.out" 2>"$SD/r$1-$_i.err" &
        STORM_PIDS="$STORM_PIDS $!"
        _i=$((_i + 1))
    done
    (
        _last=-1 _quiet=0
        while :; do
            sleep 0.5
            _alive=0
            for _p in $STORM_PIDS; do
                if [ -r "/proc/$_p/stat" ]; then
                    read -r _l <"/proc/$_p/stat" 2>/dev/null || continue
                    _s=${_l##*) }
                    [ "${_s%% *}" = Z ] || _alive=$((_alive + 1))
                fi
            done
            [ "$_alive" -eq 0 ] && exit 0
            _sz=$(wc -c <"$PEBBLE_LOG")
            if [ "$_sz" -eq "$_last" ]; then _quiet=$((_quiet + 1)); else _quiet=0; fi
            _last=$_sz
            if [ "$_quiet" -ge 8 ]; then
                echo "$_alive" >"$SD/stall"
                kill -QUIT "$_PEBBLE_PID" 2>/dev/null   # Go: goroutine dump, then exit
                sleep 1
                for _p in $STORM_PIDS; do kill -TERM "$_p" 2>/dev/null; done
                exit 0
            fi
        done
    ) &
    WATCH_PID=$!
    _i=1
    for _p in $STORM_PIDS; do
        wait "$_p" 2>/dev/null
        echo "$_i $?" >>"$SD/r$1.rc"
        _i=$((_i + 1))
    done
    STORM_MS=$((($(date +%s%N) - _t0) / 1000000))
    STORM_PIDS=
    kill -TERM "$WATCH_PID" 2>/dev/null
    wait "$WATCH_PID" 2>/dev/null
    WATCH_PID=
}

# The Pebble 2.4 deadlock (see the header) in its goroutine dump: a goroutine blocked
# inside FindValidAuthorization and one inside a store writer (MemoryStore.Add*),
# judged by the innermost Pebble frame of each goroutine waiting on a lock.
pebble_deadlocked() {
    awk '/^goroutine .*\[semacquire/ { g = 1; top = ""; next }
         g && /^$/ { if (top ~ /MemoryStore\)\.FindValidAuthorization\(/) fva++
                     if (top ~ /MemoryStore\)\.Add[A-Za-z]*\(/) add++
                     g = 0; next }
         g && top == "" && /letsencrypt\/pebble\// { top = $1 }
         END { exit !(fva > 0 && add > 0) }' "$PEBBLE_LOG"
}

proxy_stop
pebble_stop
_try=1 _storm_ok=0 _why=
while [ "$_try" -le "$STORM_TRIES" ]; do
    if ! pebble_start 5; then
        _why="pebble_start 5 failed"
        break
    fi
    [ "$_try" -eq 1 ] && echo "# Pebble at 5 % nonce rejection for the boot storm"
    if ! storm_dns 2>"$W/storm-dns.err"; then
        _why="pebble-challtestsrv /add-a failed: $(head -n 2 "$W/storm-dns.err" | tr '\n' ' ')"
        break
    fi
    rm -rf "$SD"
    mkdir -p "$SD"
    storm_round 1
    if [ -f "$SD/stall" ]; then
        if pebble_deadlocked; then
            echo "# $N: attempt $_try: Pebble deadlocked ($(cat "$SD/stall") devices waiting; its goroutine dump: a newOrder blocked in FindValidAuthorization, store writers queued): a fresh Pebble"
            cp "$PEBBLE_LOG" "$W/pebble-deadlock-$_try.log"
            pebble_stop
            _try=$((_try + 1))
            continue
        fi
        _why="Pebble logged nothing for 4 s with $(cat "$SD/stall") devices running, and its goroutine dump does not show the known deadlock (kept in $W/pebble-stall.log)"
        cp "$PEBBLE_LOG" "$W/pebble-stall.log"
        LIFECYCLE_KEEP=1
        break
    fi
    _storm_ok=1
    break
done
if [ "$_storm_ok" -ne 1 ]; then
    notok "$N" "${_why:-Pebble deadlocked in all $STORM_TRIES attempts}"
else
    _bad='' _reqs=''
    _i=1
    while [ "$_i" -le "$STORM_N" ]; do
        _rc=$(awk -v i="$_i" '$1 == i { print $2 }' "$SD/r1.rc")
        _o=$SD/r1-$_i
        if [ "$_rc" != 0 ]; then
            _bad="device $_i: exit $_rc: $(grep -e '^picoacme: error:' -e '^picoacme: cannot' "$_o.err" | tail -n 1 | cut -c1-200)"
            break
        elif ! grep -q '^picoacme: obtained a new certificate: ' "$_o.out"; then
            _bad="device $_i: exit 0 without 'obtained a new certificate': $(head -n 1 "$_o.out" | cut -c1-160)"
            break
        elif ! pair_check "$SD/d$_i" "dev$_i.storm.picoacme.test" ""; then
            _bad="device $_i: $REASON"
            break
        fi
        _reqs="$_reqs $(sed -n 's/^picoacme: counters: requests=\([0-9]*\) .*/\1/p' "$_o.err")"
        _i=$((_i + 1))
    done
    if [ -n "$_bad" ]; then
        notok "$N" "round one: $_bad"
        diag "$SD/r1-$_i.err" 6
    else
        _stats=$(echo "$_reqs" | tr ' ' '\n' | grep -v '^$' | sort -n | awk '
            { v[NR] = $1; s += $1 }
            END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                  printf "min %d, median %s, max %d, total %d", v[1], m, v[NR], s }')
        _ms1=$STORM_MS
        _bn=$(cat "$SD"/r1-*.err | sed -n 's/^picoacme: counters:.* badnonce_retries=\([0-9]*\).*/\1/p' |
            awk '{ s += $1 } END { print s + 0 }')
        _p0=$(pebble_reqs)
        storm_round 2
        _p1=$(pebble_reqs)
        _bad=
        _i=1
        while [ "$_i" -le "$STORM_N" ]; do
            _rc=$(awk -v i="$_i" '$1 == i { print $2 }' "$SD/r2.rc")
            _o=$SD/r2-$_i
            if [ "$_rc" != 0 ] || ! grep -q '^picoacme: nothing to do: ' "$_o.out"; then
                _bad="device $_i: exit $_rc: $(head -n 1 "$_o.out" | cut -c1-160)"
                break
            elif [ "$(counter "$_o" requests)" != 0 ]; then
                _bad="device $_i: counters requests=$(counter "$_o" requests)"
                break
            fi
            _i=$((_i + 1))
        done
        if [ -n "$_bad" ]; then
            notok "$N" "round two: $_bad"
        elif [ "$_p1" -ne "$_p0" ]; then
            notok "$N" "round two: Pebble logged $((_p1 - _p0)) requests, want none"
        elif [ -f "$SD/stall" ]; then
            notok "$N" "round two: the watchdog fired"
        else
            ok "$N"
            echo "#   round one: $STORM_N devices issued in $_ms1 ms (attempt $_try); requests per device: $_stats; badNonce retries: $_bn"
            echo "#   round two: $STORM_N x 'nothing to do' in $STORM_MS ms; Pebble request lines $_p0 -> $_p1"
        fi
    fi
fi

exit 0
