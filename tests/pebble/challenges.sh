#!/bin/sh
# Challenge types and identifiers against Pebble with real validation
# (make test): pebble-challtestsrv is Pebble's DNS server, and the dns-01
# hook the CLI runs (--dns-hook) sets and clears its TXT records through
# challtestsrv's management API, as a device would through its DNS
# provider's.
#
#   sh tests/pebble/challenges.sh BINARY
#
# Cases:
#   dns-01                one name by dns-01: issued; the hook was run
#                         "add NAME VALUE" before and "remove NAME VALUE"
#                         after, NAME the _acme-challenge name, VALUE 43
#                         base64url characters; no http-01 port given.
#   dns-01-async          the hook answers 75 ("not yet") twice for each
#                         record before it publishes: issued, add run 3
#                         times, the challenge answered only after.
#   wildcard-and-base     *.NAME and NAME in one order, dns-01: two TXT
#                         values at one name, both SANs in the leaf.
#   dns-01-hook-fails     the hook fails to publish: exit 27
#                         (ACME_ERR_RESPONDER), one stderr line, and the
#                         record was removed all the same.
#   wildcard-needs-dns-01 a wildcard with http-01 only: exit 11 before any
#                         request to Pebble.
#   ipv4-identifier       -d 127.0.0.1 over http-01 (Pebble validates the
#                         address itself): the leaf has IP:127.0.0.1 only.
#   tls-alpn-01           one name by tls-alpn-01 on --alpn-port (Pebble's
#                         tlsPort): issued, no http-01 port given, the
#                         responder served at least one handshake.
#   tls-alpn-01-ip        127.0.0.1 by tls-alpn-01 (SNI: the reverse name
#                         1.0.0.127.in-addr.arpa, RFC 8738 6).
#   prefer-tls-alpn-01    --challenge tls-alpn-01,http-01 with both ports:
#                         tls-alpn-01 is the one answered.
# Ends with "challenges: N passed, N failed".
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$HERE/pebble.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/pebble/challenges.sh BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac

PASS=0
FAIL=0
ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
diag() { [ -s "$1" ] && tail -n 8 "$1" | sed 's/^/#   /'; return 0; }
finish() {
    pebble_stop
    echo "challenges: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! pebble_start >/dev/null; then
    notok pebble-start "Pebble did not start"
    exit 1
fi
T=$PEBBLE_WORK/challenges
mkdir -p "$T"
pebble_root "$T/root.pem" >/dev/null 2>&1

# The hook (tests/tools/chall_dns_hook.sh): one line per run in $HOOK_LOG;
# HOOK_LATER=N answers 75 the first N runs of each add, HOOK_FAIL=1 fails
# every add.
cp "$HERE/../tools/chall_dns_hook.sh" "$T/hook.sh"

# cli OUT ARGS...: the CLI against Pebble, stdout/stderr to OUT.out/.err,
# exit status in RC.
cli() {
    _o=$1
    shift
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 90 env $_PEBBLE_UNSET CHALL="$PEBBLE_CHALL_MGMT" \
        "$BIN" issue --agree-tos --server "$PEBBLE_DIR_URL" \
        --ca-file "$PEBBLE_CA" "$@" </dev/null >"$_o.out" 2>"$_o.err"
    RC=$?
}

# sans PEM: the leaf's SANs, sorted, space separated.
sans() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null |
        sed -n '2,$p' | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
        grep -v '^$' | sort | tr '\n' ' ' | sed 's/ $//'
}

# issued DIR SAN...: cert.pem and cert.key there, matching, the chain
# verifying to Pebble's root, the leaf's SANs exactly these.  Sets REASON.
issued() {
    _d=$1
    shift
    [ "$RC" -eq 0 ] || { REASON="exit $RC: $(tail -n 1 "$_d.err")"; return 1; }
    pebble_key_matches "$_d/cert.pem" "$_d/cert.key" ||
        { REASON="cert.key does not match cert.pem"; return 1; }
    pebble_verify_chain "$_d/cert.pem" "$T/root.pem" "$_d.chk" || return 1
    _want=$(for _n in "$@"; do echo "$_n"; done | sort | tr '\n' ' ' |
        sed 's/ $//')
    _got=$(sans "$_d/cert.pem")
    [ "$_got" = "$_want" ] || { REASON="SANs '$_got', want '$_want'"; return 1; }
}

# hook_ok LOG NAME...: every add of the log for these names came before
# the first remove, with 43-character values, and each added (name,
# value) was removed once.
hook_ok() {
    _log=$1
    shift
    for _n in "$@"; do
        grep -q "^add _acme-challenge.$_n [A-Za-z0-9_-]\{43\}\$" "$_log" ||
            { REASON="no add for _acme-challenge.$_n"; return 1; }
    done
    _first_rm=$(grep -n '^remove ' "$_log" | head -n 1 | cut -d: -f1)
    _last_add=$(grep -n '^add ' "$_log" | tail -n 1 | cut -d: -f1)
    [ -n "$_first_rm" ] && [ "$_first_rm" -gt "$_last_add" ] ||
        { REASON="a remove before the last add (or none)"; return 1; }
    _adds=$(grep '^add ' "$_log" | sort -u | sed 's/^add //')
    _rms=$(grep '^remove ' "$_log" | sed 's/^remove //' | sort)
    [ "$(echo "$_adds" | sort)" = "$_rms" ] ||
        { REASON="added '$_adds', removed '$_rms'"; return 1; }
}

# ---- dns-01 ---------------------------------------------------------------
d=$T/dns
cli "$d" --state-dir "$d" -d dns01.example.test --challenge dns-01 \
    --dns-hook "HOOK_LOG=$d.hook sh $T/hook.sh" --verbose
if issued "$d" DNS:dns01.example.test && hook_ok "$d.hook" dns01.example.test &&
    grep -q 'challenge dns-01 for dns01.example.test' "$d.err"; then
    ok "dns-01 ($(wc -l <"$d.hook") hook runs)"
else
    notok dns-01 "$REASON"
    diag "$d.err"
fi

# ---- dns-01, the hook not ready at once ----------------------------------
d=$T/async
cli "$d" --state-dir "$d" -d async.example.test --challenge dns-01 \
    --dns-hook "HOOK_LATER=2 HOOK_LOG=$d.hook sh $T/hook.sh" --verbose
adds=$(grep -c '^add ' "$d.hook" 2>/dev/null)
if issued "$d" DNS:async.example.test && hook_ok "$d.hook" async.example.test &&
    [ "$adds" -eq 3 ]; then
    ok "dns-01-async (add run $adds times)"
else
    notok dns-01-async "${REASON:-add run $adds times, want 3}"
    diag "$d.err"
fi

# ---- a wildcard and its base name in one order ---------------------------
d=$T/wild
cli "$d" --state-dir "$d" -d '*.wild.example.test' -d wild.example.test \
    --challenge dns-01 --dns-hook "HOOK_LOG=$d.hook sh $T/hook.sh" --verbose
vals=$(grep -c '^add _acme-challenge.wild.example.test ' "$d.hook" 2>/dev/null)
if issued "$d" 'DNS:*.wild.example.test' DNS:wild.example.test &&
    hook_ok "$d.hook" wild.example.test && [ "$vals" -eq 2 ]; then
    ok "wildcard-and-base (two TXT values at one name)"
else
    notok wildcard-and-base "${REASON:-$vals values}"
    diag "$d.err"
fi

# ---- the hook fails ------------------------------------------------------
d=$T/hookfail
cli "$d" --state-dir "$d" -d fail.example.test --challenge dns-01 \
    --dns-hook "HOOK_FAIL=1 HOOK_LOG=$d.hook sh $T/hook.sh"
lines=$(grep -c . "$d.err")
if [ "$RC" -eq 27 ] && [ ! -e "$d/cert.pem" ] &&
    grep -q '^remove _acme-challenge.fail.example.test ' "$d.hook" &&
    tail -n 1 "$d.err" | grep -q 'ACME_ERR_RESPONDER.*DNS hook'; then
    ok "dns-01-hook-fails (exit 27, removed after the failed add)"
    echo "#   $(tail -n 1 "$d.err")"
else
    notok dns-01-hook-fails "exit $RC, $lines stderr lines"
    diag "$d.err"
    diag "$d.hook"
fi

# ---- a wildcard without dns-01 -------------------------------------------
d=$T/wildhttp
before=$(grep -c 'POST\|GET\|HEAD' "$PEBBLE_LOG")
cli "$d" --state-dir "$d" -d '*.nohook.example.test' \
    --http-port "$PEBBLE_HTTP_PORT"
after=$(grep -c 'POST\|GET\|HEAD' "$PEBBLE_LOG")
if [ "$RC" -eq 11 ] && grep -q 'wildcard is validated by dns-01 only' \
    "$d.err" && [ "$before" = "$after" ]; then
    ok "wildcard-needs-dns-01 (exit 11, no request)"
else
    notok wildcard-needs-dns-01 "exit $RC, Pebble log lines $before -> $after"
    diag "$d.err"
fi

# ---- tls-alpn-01 ----------------------------------------------------------
served() {
    sed -n 's/.*challenges_served=\([0-9]*\).*/\1/p' "$1.err" | tail -n 1
}
d=$T/alpn
cli "$d" --state-dir "$d" -d alpn.example.test --challenge tls-alpn-01 \
    --alpn-port "$PEBBLE_TLS_PORT" --verbose
if issued "$d" DNS:alpn.example.test && [ "$(served "$d")" -ge 1 ] &&
    grep -q 'challenge tls-alpn-01 for alpn.example.test' "$d.err"; then
    ok "tls-alpn-01 ($(served "$d") handshakes served)"
else
    notok tls-alpn-01 "${REASON:-served '$(served "$d")'}"
    diag "$d.err"
fi

d=$T/alpnip
cli "$d" --state-dir "$d" -d 127.0.0.1 --challenge tls-alpn-01 \
    --alpn-port "$PEBBLE_TLS_PORT" --verbose
if issued "$d" IP\ Address:127.0.0.1 && [ "$(served "$d")" -ge 1 ] &&
    grep -q 'challenge tls-alpn-01 for 127.0.0.1' "$d.err"; then
    ok "tls-alpn-01-ip ($(served "$d") handshakes served)"
else
    notok tls-alpn-01-ip "${REASON:-served '$(served "$d")'}"
    diag "$d.err"
fi

d=$T/prefer
cli "$d" --state-dir "$d" -d prefer.example.test \
    --challenge tls-alpn-01,http-01 --alpn-port "$PEBBLE_TLS_PORT" \
    --http-port "$PEBBLE_HTTP_PORT" --verbose
chal=$(grep -o 'challenge [a-z0-9-]* for' "$d.err" | head -n 1)
if issued "$d" DNS:prefer.example.test && [ "$(served "$d")" -ge 1 ] &&
    [ "$chal" = "challenge tls-alpn-01 for" ]; then
    ok "prefer-tls-alpn-01"
else
    notok prefer-tls-alpn-01 "${REASON:-served '$(served "$d")' ($chal)}"
    diag "$d.err"
fi

# ---- an IPv4 identifier over http-01 -------------------------------------
d=$T/ipv4
cli "$d" --state-dir "$d" -d 127.0.0.1 --http-port "$PEBBLE_HTTP_PORT" \
    --verbose
if issued "$d" IP\ Address:127.0.0.1; then
    ok "ipv4-identifier (IP Address:127.0.0.1 only)"
else
    notok ipv4-identifier "$REASON"
    diag "$d.err"
fi
