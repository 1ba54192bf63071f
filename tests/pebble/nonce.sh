#!/bin/sh
# Issue 3 integration tests: nonce discipline against Pebble's nonce rejection and
# against tests/tools/faultproxy.py (the January 2016 cached-nonce outage and its kin).
#   sh tests/pebble/nonce.sh BINARY
# Prints "ok - NAME" / "not ok - NAME: reason" per test (diagnostics on "# " lines),
# then "nonce: N passed, N failed"; exits 1 if any test failed.  About 1-2 minutes.
# NONCE_KEEP=1 keeps the scratch dir (CLI logs, proxy logs) and prints its path.
#
# What each test proves (Pebble runs with PEBBLE_VA_NOSLEEP=1 and real http-01):
#   reject0-one-head      Pebble rejects no nonce: one HEAD newNonce for the whole
#                         issuance (every other nonce comes from a response), one TLS
#                         handshake (Pebble keeps the connection alive), no GET newNonce.
#   reject5-3-runs        5 % rejection: 3 issuances.
#   reject50-20-runs      50 % rejection: 20 issuances in a row (fresh state each).
#   reject100-bounded     every nonce rejected: exit 19 (ACME_ERR_BAD_NONCE) within 30 s,
#                         the error names badNonce, and the failing request was POSTed
#                         exactly ACME_BADNONCE_RETRIES + 1 times (read from
#                         core/acme_config.h): more is a loop, fewer breaks the promise.
#   proxy-pass            the proxy itself relays an issuance; every HEAD newNonce carried
#                         "Cache-Control: no-cache".
#   proxy-cache           The CDN: every HEAD newNonce is answered from a 1 s cache.  On
#                         its own that proves nothing (the client HEADs once, and the first
#                         cached answer is fresh), so the proxy also answers every 3rd POST
#                         itself with badNonce and NO Replay-Nonce (--reject-every 3): the
#                         client must HEAD again and gets the replayed nonce it already
#                         sent.  Checks: issued; at least one replayed nonce served; the
#                         client counted exactly one stale nonce per replay (so it noticed
#                         every one itself); no nonce appears in two POSTs.  The cache
#                         lives 1 s because the client's HEAD retries span 1.5 s
#                         (250+500+750 ms, ACME_HEAD_MAX in core/acme.c); a longer cache
#                         leaves no fresh nonce to find, which is proxy-cache-forever.
#   proxy-cache-forever   Same, with a cache that never expires within the run: there is
#                         no usable nonce anywhere, so the client must stop cleanly
#                         (exit 19, message names badNonce) within 30 s, after a bounded
#                         number of HEADs, without ever sending a nonce twice.
#   proxy-garble          Every response's Replay-Nonce except HEAD newNonce is garbled
#                         (rotating "abc$%^", 300 characters, empty), and so is every
#                         second HEAD newNonce (--garble-heads), so the client must both
#                         fall back to HEAD and retry a HEAD that gave nothing usable.
#                         Pebble rejects nothing, so any garbled value sent would show up
#                         as a 400.  Checks: issued; no POST got a 400; every POST's nonce
#                         is one Pebble issued and the proxy delivered intact; exactly two
#                         HEADs per POST; invalid_nonces equals the garbled values that
#                         are non-empty (an empty Replay-Nonce is ignored by the HTTP
#                         parser, core/http.c, and may or may not be counted).
#   proxy-reject          Every POST answered 400 badNonce with a fresh random nonce: exit
#                         19 within 30 s, the message names badNonce and carries the
#                         proxy's detail, exactly ACME_BADNONCE_RETRIES + 1 POSTs, and each
#                         retry is re-signed with the nonce of the previous error reply.
#   proxy-strip           Pebble at 50 % and the proxy strips Replay-Nonce from error
#                         replies: every badNonce reply leaves the client without a nonce.
#                         Checks: issued; exactly one HEAD at the start plus one per
#                         stripped reply; no nonce sent twice.  (Rerun up to 3 times in
#                         the rare case Pebble rejected nothing, which would prove nothing.)
# The other retries (DESIGN.md section 5: a 5xx or 429 is retried after its Retry-After,
# one over ACME_RETRY_AFTER_MAX_S fails at once), with the proxy's retry-after mode:
#   proxy-retry-after-seconds  Every 3rd POST answered 503 serverInternal, "Retry-After:
#                         2", no Replay-Nonce.  Checks: issued; the next POST to the same
#                         URL reached the proxy at least 2000 ms after each injected answer
#                         (proxy timestamps); net_retries equals the injections.
#   proxy-retry-after-date  Every 4th POST answered 429 rateLimited with an HTTP-date 3 s
#                         ahead.  Same checks, at least 2000 ms (an HTTP-date has whole
#                         seconds, so as little as S-1 s of it may remain).
#   proxy-retry-after-too-long  The 2nd POST (the first newOrder) answered 429 rateLimited,
#                         "Retry-After: 3600" (over ACME_RETRY_AFTER_MAX_S): exit 30 (rate limited)
#                         (ACME_ERR_SERVER) within 5 s, one line on stderr naming
#                         rateLimited and the proxy's detail, newOrder POSTed once, two
#                         POSTs in all, no cert.pem.
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
    echo "usage: sh tests/pebble/nonce.sh BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac

CLI_TIMEOUT=60      # a run that should succeed
FAIL_TIMEOUT=30     # failure paths must end within this
PASS=0
FAIL=0
W=
START=$(date +%s)

ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
# Up to N (default 12) last lines of a file as diagnostics.
diag() { [ -s "$1" ] && tail -n "${2:-12}" "$1" | cut -c1-240 | sed 's/^/#   /'; return 0; }

# shellcheck disable=SC2317 # called by the EXIT trap
finish() {
    _rc=$?
    proxy_stop
    pebble_stop
    if [ -n "$W" ] && [ -d "$W" ]; then
        if [ "${NONCE_KEEP:-0}" = 1 ]; then echo "# kept $W"; else rm -rf "$W"; fi
    fi
    case $_rc in 130 | 143) echo "# interrupted" ;; esac
    echo "# nonce.sh took $(($(date +%s) - START)) s"
    echo "nonce: $PASS passed, $FAIL failed"
    if [ "$FAIL" -gt 0 ]; then exit 1; fi
    exit "$_rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# Running the CLI

# run_cli SECONDS OUT ARGS... : BINARY ARGS with a clean environment; stdout to OUT.out,
# stderr to OUT.err, exit status in RC, wall time in ELAPSED_MS.
run_cli() {
    _secs=$1 _out=$2
    shift 2
    _t0=$(date +%s%N)
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 "$_secs" env $_PEBBLE_UNSET "$BIN" "$@" </dev/null >"$_out.out" 2>"$_out.err"
    RC=$?
    ELAPSED_MS=$((($(date +%s%N) - _t0) / 1000000))
}

# cli_broken OUT: sets REASON and succeeds when the run did not really happen.
cli_broken() {
    case $RC in
    124 | 137) REASON="timed out (killed after ${_secs} s)"; return 0 ;;
    126 | 127) REASON="cannot run $BIN (exit $RC)"; return 0 ;;
    esac
    if [ "$RC" -gt 128 ]; then REASON="killed by signal $((RC - 128))"; return 0; fi
    if grep -q -e 'Sanitizer' -e 'runtime error:' "$1.err" 2>/dev/null; then
        REASON="sanitizer report on stderr"
        return 0
    fi
    return 1
}

# The CLI's final error line, or a note.
err_line() {
    _e=$(grep '^picoacme: error: ' "$1.err" 2>/dev/null | tail -n 1 | cut -c1-240)
    if [ -n "$_e" ]; then echo "$_e"; else echo "no 'picoacme: error:' line on stderr"; fi
}

# issue OUT URL CAFILE NAME : a verbose issuance into the fresh state dir OUT.state that
# should succeed, with the certificate checked.  Sets REASON on failure.
issue() {
    rm -rf "$1.state"
    run_cli "$CLI_TIMEOUT" "$1" issue --agree-tos --server  "$2" --ca-file "$3" --state-dir "$1.state" \
        --http-port "$PEBBLE_HTTP_PORT" -d "$4" --verbose
    if cli_broken "$1"; then return 1; fi
    if [ "$RC" -ne 0 ]; then REASON="exit $RC: $(err_line "$1")"; return 1; fi
    if ! grep -q '^picoacme: counters: ' "$1.err"; then
        REASON="no 'picoacme: counters:' line in the --verbose log"
        return 1
    fi
    issued "$1.state" "$4"
}

# issued DIR NAME: DIR/cert.pem is a certificate for exactly DNS:NAME, with DIR/cert.key.
issued() {
    [ -s "$1/cert.pem" ] || { REASON="exit 0 but no cert.pem"; return 1; }
    _san=$(openssl x509 -in "$1/cert.pem" -noout -ext subjectAltName 2>/dev/null |
        sed -n '2,$p' | tr -d ' ')
    [ "$_san" = "DNS:$2" ] || { REASON="cert.pem SANs are '$_san', want DNS:$2"; return 1; }
    if ! pebble_key_matches "$1/cert.pem" "$1/cert.key"; then
        REASON="cert.key does not match cert.pem"
        return 1
    fi
}

# expect_badnonce_failure OUT: the run failed cleanly with ACME_ERR_BAD_NONCE naming
# badNonce, within FAIL_TIMEOUT.  Sets REASON.
expect_badnonce_failure() {
    if cli_broken "$1"; then return 1; fi
    if [ "$RC" -eq 0 ]; then REASON="exit 0, want a failure"; return 1; fi
    _e=$(err_line "$1")
    if [ "$RC" -ne 19 ]; then REASON="exit $RC, want 19 (ACME_ERR_BAD_NONCE): $_e"; return 1; fi
    case $_e in
    "picoacme: error: ACME_ERR_BAD_NONCE: "*badNonce*) ;;
    *) REASON="error line does not name ACME_ERR_BAD_NONCE and badNonce: $_e"; return 1 ;;
    esac
    if [ "$ELAPSED_MS" -ge $((FAIL_TIMEOUT * 1000)) ]; then
        REASON="took $ELAPSED_MS ms"
        return 1
    fi
    if [ -e "$1.state/cert.pem" ]; then REASON="cert.pem written"; return 1; fi
}

# counter OUT NAME: a value from the "picoacme: counters:" line ("" when missing).
counter() {
    sed -n "s/^picoacme: counters:.* $2=\([0-9][0-9]*\).*/\1/p" "$1.err" | tail -n 1
}

# vcount OUT METHOD: request lines of that method in the --verbose log.
vcount() { grep -c "^picoacme: $2 https://" "$1.err"; }

# last_post_count OUT: "URL COUNT" for the last URL POSTed and how often it was POSTed.
last_post_count() {
    _u=$(sed -n 's/^picoacme: POST \(https:[^ ]*\) -> .*/\1/p' "$1.err" | tail -n 1)
    _n=$(grep -c -F "picoacme: POST $_u -> " "$1.err")
    echo "$_u $_n"
}

# ---------------------------------------------------------------------------------------
# The proxy and its log (see tests/tools/faultproxy.py)

# ra_gaps LOG: one line "PATH MS" per answer the proxy injected (act=retry-after): how
# many ms after it the next POST to PATH arrived at the proxy ("none" when none did).
ra_gaps() {
    awk '
        { delete f
          for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v }
          if (f["method"] != "POST") next
          p = f["path"]
          if (p in due) { print p " " (f["t"] - due[p]); delete due[p] }
          if (f["act"] == "retry-after") due[p] = f["t"] }
        END { for (p in due) print p " none" }' "$1"
}

# dup_nonce LOG: the first nonce that two POSTs carried (nothing when none).
dup_nonce() {
    pfield "$1" nonce_in method POST | grep -v '^(none)$' | sort | uniq -d | head -n 1
}

# ---------------------------------------------------------------------------------------

if [ ! -f "$BIN" ] || [ ! -x "$BIN" ]; then
    notok "binary" "$BIN is missing or not executable"
    exit 1
fi
RETRIES=$(sed -n 's/^#define ACME_BADNONCE_RETRIES \([0-9][0-9]*\).*/\1/p' "$ROOT/core/acme_config.h")
if [ -z "$RETRIES" ]; then
    notok "config" "no '#define ACME_BADNONCE_RETRIES N' in core/acme_config.h"
    exit 1
fi
MAXPOSTS=$((RETRIES + 1))
echo "# ACME_BADNONCE_RETRIES=$RETRIES: a failing request may be POSTed $MAXPOSTS times"

W=$(mktemp -d "${TMPDIR:-/tmp}/picoacme-nonce.XXXXXX") || { notok "setup" "mktemp"; exit 1; }
proxy_certs || { notok "setup" "$REASON"; exit 1; }

# start_pebble PERCENT: (re)start Pebble at that rejection rate; sets DIRECT_URL.
start_pebble() {
    proxy_stop
    pebble_stop
    if ! pebble_start "$1"; then
        notok "pebble-$1" "pebble_start $1 failed"
        exit 1
    fi
    # BearSSL matches DNS names only: reach Pebble as localhost.
    DIRECT_URL=$(echo "$PEBBLE_DIR_URL" | sed 's#^https://127\.0\.0\.1:#https://localhost:#')
}

# ======================================= Pebble 0 % ====================================
start_pebble 0

N=reject0-one-head
O=$W/r0
if ! issue "$O" "$DIRECT_URL" "$PEBBLE_CA" r0.nonce.test; then
    notok "$N" "$REASON"; diag "$O.err"
else
    _h=$(vcount "$O" HEAD) _hc=$(counter "$O" head_nonce) _hs=$(counter "$O" handshakes)
    _g=$(grep -c "^picoacme: GET ${DIRECT_URL%/dir}/nonce-plz" "$O.err")
    if [ "$_h" -ne 1 ]; then
        notok "$N" "$_h HEAD lines in the verbose log, want exactly 1"; diag "$O.err" 20
    elif [ "$_hc" != 1 ]; then
        notok "$N" "counter head_nonce=$_hc, want 1"; diag "$O.err" 2
    elif [ "$_hs" != 1 ]; then
        notok "$N" "counter handshakes=$_hs, want 1 (Pebble keeps the connection alive)"
        diag "$O.err" 2
    elif [ "$_g" -ne 0 ]; then
        notok "$N" "GET newNonce sent $_g times (HEAD only)"
    else
        ok "$N"
        echo "#   requests=$(counter "$O" requests) head_nonce=1 handshakes=1 in $ELAPSED_MS ms"
    fi
fi

N=proxy-pass
O=$W/pass
if ! proxy_start "$O.plog" pass; then
    notok "$N" "$REASON"
elif ! issue "$O" "$PROXY_URL" "$PCA" pass.nonce.test; then
    notok "$N" "$REASON"; diag "$O.err"; diag "$O.plog.stderr" 5
else
    _heads=$(pcount "$O.plog" method HEAD)
    _nocache=$(pcount "$O.plog" method HEAD cc no-cache)
    _posts=$(pcount "$O.plog" method POST)
    _vposts=$(vcount "$O" POST)
    if [ "$_heads" -ne 1 ] || [ "$(counter "$O" head_nonce)" != 1 ]; then
        notok "$N" "$_heads HEADs through the proxy, head_nonce=$(counter "$O" head_nonce), want 1"
    elif [ "$_nocache" -ne "$_heads" ]; then
        notok "$N" "$((_heads - _nocache)) of $_heads HEAD newNonce without Cache-Control: no-cache"
    elif [ "$_posts" -ne "$_vposts" ]; then
        notok "$N" "the proxy saw $_posts POSTs, the verbose log shows $_vposts"
    else
        ok "$N"
    fi
fi
proxy_stop

N=proxy-cache
O=$W/cache
if ! proxy_start "$O.plog" cache --cache-seconds 1 --reject-every 3; then
    notok "$N" "$REASON"
elif ! issue "$O" "$PROXY_URL" "$PCA" cache.nonce.test; then
    notok "$N" "$REASON"; diag "$O.err"; diag "$O.plog" 6
else
    _hits=$(pcount "$O.plog" act cache-hit)
    _fills=$(pcount "$O.plog" act cache-fill)
    _inj=$(pcount "$O.plog" act inject)
    _stale=$(counter "$O" stale_nonces)
    _dup=$(dup_nonce "$O.plog")
    _heads=$(pcount "$O.plog" method HEAD)
    if [ -n "$_dup" ]; then
        notok "$N" "nonce $_dup was sent in two POSTs"; diag "$O.plog" 20
    elif [ "$_hits" -lt 1 ]; then
        notok "$N" "the cache never served a replayed nonce ($_fills fills, $_inj injected rejections): the scenario proved nothing"
    elif [ "$_stale" != "$_hits" ]; then
        notok "$N" "the proxy replayed a used nonce $_hits times, the client counted stale_nonces=$_stale"
        diag "$O.plog" 20
    elif [ "$_heads" != "$(counter "$O" head_nonce)" ]; then
        notok "$N" "$_heads HEADs through the proxy, head_nonce=$(counter "$O" head_nonce)"
    else
        ok "$N"
        echo "#   $_inj injected badNonce without nonce, $_hits replayed nonces served and all dropped as stale, $_fills fresh fills; requests=$(counter "$O" requests) in $ELAPSED_MS ms"
    fi
fi
proxy_stop

N=proxy-cache-forever
O=$W/cachef
if ! proxy_start "$O.plog" cache --cache-seconds 3600 --reject-every 3; then
    notok "$N" "$REASON"
else
    rm -rf "$O.state"
    run_cli "$FAIL_TIMEOUT" "$O" issue --agree-tos --server  "$PROXY_URL" --ca-file "$PCA" \
        --state-dir "$O.state" --http-port "$PEBBLE_HTTP_PORT" -d cachef.nonce.test --verbose
    _hits=$(pcount "$O.plog" act cache-hit)
    _dup=$(dup_nonce "$O.plog")
    if ! expect_badnonce_failure "$O"; then
        notok "$N" "$REASON"; diag "$O.err"
    elif [ -n "$_dup" ]; then
        notok "$N" "nonce $_dup was sent in two POSTs"; diag "$O.plog" 20
    elif [ "$_hits" -lt 1 ]; then
        notok "$N" "the cache never served a replayed nonce"
    elif [ "$_hits" -gt "$MAXPOSTS" ]; then
        notok "$N" "$_hits HEADs answered from the cache: unbounded"
    elif [ "$(counter "$O" stale_nonces)" != "$_hits" ]; then
        notok "$N" "$_hits replays served, stale_nonces=$(counter "$O" stale_nonces)"
    else
        ok "$N"
        echo "#   $_hits replayed nonces dropped, then in $ELAPSED_MS ms: $(err_line "$O" | cut -c1-150)"
    fi
fi
proxy_stop

N=proxy-garble
O=$W/garble
if ! proxy_start "$O.plog" garble --garble-heads; then
    notok "$N" "$REASON"
elif ! issue "$O" "$PROXY_URL" "$PCA" garble.nonce.test; then
    notok "$N" "$REASON"; diag "$O.err"; diag "$O.plog" 6
else
    _posts=$(pcount "$O.plog" method POST)
    _heads=$(pcount "$O.plog" method HEAD)
    _p400=$(pcount "$O.plog" method POST status 400)
    _bc=$(pcount "$O.plog" act garble:bad-chars)
    _lg=$(pcount "$O.plog" act garble:long)
    _em=$(pcount "$O.plog" act garble:empty)
    _inv=$(counter "$O" invalid_nonces)
    # Nonces delivered intact to the client (HEAD newNonce answers not garbled).
    pfield "$O.plog" nonce_out method HEAD act forward | sort -u >"$O.good"
    _foreign=$(pfield "$O.plog" nonce_in method POST | sort -u | comm -23 - "$O.good" | head -n 1)
    if [ "$_p400" -ne 0 ]; then
        notok "$N" "$_p400 POSTs got a 400 from Pebble (a garbled nonce was used?)"
        diag "$O.plog" 20
    elif [ -n "$_foreign" ]; then
        notok "$N" "a POST carried nonce '$_foreign', which no intact HEAD answer delivered"
    elif [ "$_bc" -lt 1 ] || [ "$_lg" -lt 1 ] || [ "$_em" -lt 1 ]; then
        notok "$N" "not every kind of garbling happened (bad-chars=$_bc long=$_lg empty=$_em)"
    elif [ "$_heads" -ne $((2 * _posts)) ] || [ "$(counter "$O" head_nonce)" != "$_heads" ]; then
        notok "$N" "$_heads HEADs (head_nonce=$(counter "$O" head_nonce)) for $_posts POSTs, want 2 per POST"
    elif [ "$_inv" != $((_bc + _lg)) ] && [ "$_inv" != $((_bc + _lg + _em)) ]; then
        notok "$N" "invalid_nonces=$_inv, garbled: bad-chars=$_bc long=$_lg empty=$_em"
    else
        ok "$N"
        echo "#   garbled bad-chars=$_bc long=$_lg empty=$_em, client invalid_nonces=$_inv; $_posts POSTs, $_heads HEADs in $ELAPSED_MS ms"
    fi
fi
proxy_stop

N=proxy-reject
O=$W/reject
if ! proxy_start "$O.plog" reject; then
    notok "$N" "$REASON"
else
    rm -rf "$O.state"
    run_cli "$FAIL_TIMEOUT" "$O" issue --agree-tos --server  "$PROXY_URL" --ca-file "$PCA" \
        --state-dir "$O.state" --http-port "$PEBBLE_HTTP_PORT" -d reject.nonce.test --verbose
    # shellcheck disable=SC2046 # "URL COUNT", split on purpose
    set -- $(last_post_count "$O")
    _url=${1:-} _n=${2:-0}
    _posts=$(pcount "$O.plog" method POST)
    # Each retry must carry the nonce of the previous error reply.
    _chain=$(awk '
        { delete f
          for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); v = $i; sub(/^[^=]*=/, "", v); f[k] = v }
          if (f["method"] != "POST") next
          if (prev != "" && f["nonce_in"] != prev) { print "POST " f["req"] " carried " f["nonce_in"] ", the previous reply gave " prev; exit }
          prev = f["nonce_out"] }' "$O.plog")
    if ! expect_badnonce_failure "$O"; then
        notok "$N" "$REASON"; diag "$O.err"
    elif ! grep -q '^picoacme: error: .*proxy rejects every nonce' "$O.err"; then
        notok "$N" "the error line lacks the server's detail: $(err_line "$O")"
    elif [ "$_n" -gt "$MAXPOSTS" ] || [ "$_posts" -gt "$MAXPOSTS" ]; then
        notok "$N" "$_url POSTed $_n times ($_posts POSTs in all), bound $MAXPOSTS"
    elif [ "$_n" -lt "$MAXPOSTS" ]; then
        notok "$N" "gave up after $_n POSTs of $_url; ACME_BADNONCE_RETRIES=$RETRIES promises $MAXPOSTS"
    elif [ -n "$_chain" ]; then
        notok "$N" "$_chain"
    elif [ -n "$(dup_nonce "$O.plog")" ]; then
        notok "$N" "a nonce was sent twice: $(dup_nonce "$O.plog")"
    else
        ok "$N"
        echo "#   $_n POSTs of $_url in $ELAPSED_MS ms, each with the previous reply's nonce"
    fi
fi
proxy_stop

# retry_after_case NAME OUT DNSNAME STATUS MIN_MS PROXY_OPTIONS...: an issuance through
# the proxy's retry-after mode; every retry must come MIN_MS or later.
retry_after_case() {
    _n=$1 _o=$2 _dns=$3 _st=$4 _min=$5
    shift 5
    if ! proxy_start "$_o.plog" retry-after --retry-status "$_st" "$@"; then
        notok "$_n" "$REASON"
        return
    fi
    if ! issue "$_o" "$PROXY_URL" "$PCA" "$_dns"; then
        notok "$_n" "$REASON"; diag "$_o.err"; diag "$_o.plog" 6
        proxy_stop
        return
    fi
    proxy_stop
    _inj=$(pcount "$_o.plog" act retry-after)
    _injst=$(pcount "$_o.plog" act retry-after status "$_st")
    _nr=$(counter "$_o" net_retries)
    ra_gaps "$_o.plog" >"$_o.gaps"
    _none=$(awk '$2 == "none" { print $1; exit }' "$_o.gaps")
    _short=$(awk -v m="$_min" '$2 != "none" && $2 < m { print $1 " after " $2 " ms"; exit }' "$_o.gaps")
    _ms=$(awk '{ printf "%s%s", (NR > 1 ? " " : ""), $2 }' "$_o.gaps")
    _ra=$(pfield "$_o.plog" retry_after act retry-after | head -n 1 |
        sed 's/%20/ /g; s/%2C/,/g; s/%3A/:/g')
    if [ "$_inj" -lt 1 ]; then
        notok "$_n" "the proxy injected no answer: the scenario proved nothing"
    elif [ "$_injst" -ne "$_inj" ]; then
        notok "$_n" "$_inj injected answers, only $_injst with status $_st"
    elif [ -n "$_none" ]; then
        notok "$_n" "no POST to $_none after its injected $_st"
    elif [ -n "$_short" ]; then
        notok "$_n" "retried $_short, want at least $_min ms (Retry-After: $_ra)"
        diag "$_o.plog" 20
    elif [ "$_nr" != "$_inj" ]; then
        notok "$_n" "$_inj injected answers, the client counted net_retries=$_nr"
    else
        ok "$_n"
        echo "#   $_inj injected $_st (Retry-After: $_ra), the next POST of the same URL after $_ms ms; net_retries=$_nr; issued in $ELAPSED_MS ms"
    fi
}

retry_after_case proxy-retry-after-seconds "$W/ras" ras.nonce.test 503 2000 \
    --retry-every 3 --retry-seconds 2
retry_after_case proxy-retry-after-date "$W/rad" rad.nonce.test 429 2000 \
    --retry-every 4 --retry-seconds 3 --retry-date

N=proxy-retry-after-too-long
O=$W/ral
NEWORDER=$(pebble_dir_field newOrder) || { notok "$N" "no newOrder in the directory"; NEWORDER=; }
NEWORDER_PATH=/${NEWORDER#https://*/}
if [ -z "$NEWORDER" ]; then
    :
elif ! proxy_start "$O.plog" retry-after --retry-every 2 --retry-status 429 \
        --retry-seconds 3600; then
    notok "$N" "$REASON"
else
    rm -rf "$O.state"
    # Not --verbose: stderr must hold the one error line and nothing else.
    run_cli 15 "$O" issue --agree-tos --server "$PROXY_URL" --ca-file "$PCA" \
        --state-dir "$O.state" --http-port "$PEBBLE_HTTP_PORT" -d ral.nonce.test
    proxy_stop
    _e=$(head -n 1 "$O.err" | cut -c1-240)
    _lines=$(awk 'END { print NR }' "$O.err")
    _inj=$(pcount "$O.plog" act retry-after)
    _injp=$(pfield "$O.plog" path act retry-after | head -n 1)
    _nop=$(pcount "$O.plog" method POST path "$NEWORDER_PATH")
    _posts=$(pcount "$O.plog" method POST)
    if cli_broken "$O"; then
        notok "$N" "$REASON"; diag "$O.err"; diag "$O.plog" 4
    elif [ "$RC" -ne 30 ]; then
        notok "$N" "exit $RC, want 30 (rate limited): $_e"
    elif [ "$_lines" -ne 1 ]; then
        notok "$N" "$_lines lines on stderr, want exactly one"; diag "$O.err"
    elif ! echo "$_e" | grep -q '^picoacme: error: ACME_ERR_SERVER: .*429 urn:ietf:params:acme:error:rateLimited: faultproxy: injected 429, Retry-After: 3600'; then
        notok "$N" "the error line lacks the server's problem: $_e"
    elif [ "$ELAPSED_MS" -ge 5000 ]; then
        notok "$N" "took $ELAPSED_MS ms, want under 5000 (no wait for Retry-After: 3600)"
    elif [ "$_inj" -ne 1 ] || [ "$_injp" != "$NEWORDER_PATH" ]; then
        notok "$N" "$_inj injected answers (first on $_injp), want one, on $NEWORDER_PATH"
    elif [ "$_nop" -ne 1 ] || [ "$_posts" -ne 2 ]; then
        notok "$N" "$NEWORDER_PATH POSTed $_nop times ($_posts POSTs in all), want once (2 in all)"
    elif [ -e "$O.state/cert.pem" ]; then
        notok "$N" "cert.pem written"
    else
        ok "$N"
        echo "#   exit 30 in $ELAPSED_MS ms, $NEWORDER_PATH POSTed once: $_e"
    fi
fi

# ======================================= Pebble 5 % ====================================
start_pebble 5

N=reject5-3-runs
_good=0 _why='' _req=0 _bn=0
for _i in 1 2 3; do
    O=$W/r5-$_i
    if ! issue "$O" "$DIRECT_URL" "$PEBBLE_CA" "r5-$_i.nonce.test"; then
        _why="run $_i: $REASON"
        break
    fi
    _good=$((_good + 1))
    _req=$((_req + $(counter "$O" requests))) _bn=$((_bn + $(counter "$O" badnonce_retries)))
done
if [ "$_good" -eq 3 ]; then
    ok "$N"
    echo "#   3 issuances: $_req requests, $_bn badNonce retries"
else
    notok "$N" "$_good succeeded, then $_why"; diag "$O.err"
fi

# ======================================= Pebble 50 % ===================================
start_pebble 50

N=reject50-20-runs
_good=0 _why='' _req=0 _bn=0 _maxbn=0 _t50=$(date +%s)
for _i in $(seq 1 20); do
    O=$W/r50-$_i
    # Stop at the first failure: "in a row" is lost already.
    if ! issue "$O" "$DIRECT_URL" "$PEBBLE_CA" "r50-$_i.nonce.test"; then
        _why="run $_i: $REASON"
        break
    fi
    _good=$((_good + 1))
    _b=$(counter "$O" badnonce_retries)
    _req=$((_req + $(counter "$O" requests))) _bn=$((_bn + _b))
    [ "$_b" -gt "$_maxbn" ] && _maxbn=$_b
done
if [ "$_good" -eq 20 ]; then
    ok "$N"
    echo "#   20 issuances in $(($(date +%s) - _t50)) s: $_req requests, $_bn badNonce retries (at most $_maxbn in one run)"
else
    notok "$N" "$_good succeeded, then $_why"; diag "$O.err" 20
fi

N=proxy-strip
_why='' _done=0
for _try in 1 2 3; do
    O=$W/strip-$_try
    if ! proxy_start "$O.plog" strip; then
        _why=$REASON
        break
    fi
    if ! issue "$O" "$PROXY_URL" "$PCA" "strip$_try.nonce.test"; then
        _why=$REASON
        diag "$O.err"
        proxy_stop
        break
    fi
    proxy_stop
    _st=$(pcount "$O.plog" act strip)
    [ "$_st" -eq 0 ] && continue     # Pebble rejected nothing: proves nothing, rerun
    _done=1
    _hc=$(counter "$O" head_nonce)
    _heads=$(pcount "$O.plog" method HEAD)
    _dup=$(dup_nonce "$O.plog")
    if [ -n "$_dup" ]; then
        _why="nonce $_dup was sent in two POSTs"
    elif [ "$_hc" != $((1 + _st)) ] || [ "$_heads" -ne "$_hc" ]; then
        _why="$_st error replies stripped, head_nonce=$_hc ($_heads HEADs through the proxy), want $((1 + _st))"
    fi
    break
done
if [ -z "$_why" ] && [ "$_done" -eq 0 ]; then
    _why="Pebble at 50 % rejected no nonce in 3 runs: nothing was stripped"
fi
if [ -n "$_why" ]; then
    notok "$N" "$_why"
else
    ok "$N"
    echo "#   $_st badNonce replies stripped, $_hc HEADs, requests=$(counter "$O" requests)"
fi

# ======================================= Pebble 100 % ==================================
start_pebble 100

N=reject100-bounded
O=$W/r100
rm -rf "$O.state"
run_cli "$FAIL_TIMEOUT" "$O" issue --agree-tos --server  "$DIRECT_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$O.state" --http-port "$PEBBLE_HTTP_PORT" -d r100.nonce.test --verbose
# shellcheck disable=SC2046 # "URL COUNT", split on purpose
set -- $(last_post_count "$O")
_url=${1:-} _n=${2:-0}
if ! expect_badnonce_failure "$O"; then
    notok "$N" "$REASON"; diag "$O.err"
elif [ "$_n" -gt "$MAXPOSTS" ]; then
    notok "$N" "$_url POSTed $_n times, bound ACME_BADNONCE_RETRIES + 1 = $MAXPOSTS"
    diag "$O.err"
elif [ "$_n" -lt "$MAXPOSTS" ]; then
    notok "$N" "gave up after $_n POSTs of $_url; ACME_BADNONCE_RETRIES=$RETRIES promises $MAXPOSTS"
else
    ok "$N"
    echo "#   $_n POSTs of $_url, exit 19 in $ELAPSED_MS ms: $(err_line "$O" | cut -c1-150)"
fi

exit 0
