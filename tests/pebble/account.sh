#!/bin/sh
# Account management against Pebble (make test): External Account
# Binding, key rollover, deactivation and revocation, with one Pebble that
# requires EAB (PEBBLE_EAB_KID / PEBBLE_EAB_KEY of pebble.sh).
#
#   sh tests/pebble/account.sh BINARY
#
# Cases:
#   eab-missing        issue without EAB: exit 18, the message names
#                      externalAccountRequired and the --eab-* options.
#   eab-wrong-key      the right kid, a wrong HMAC key: exit 18, the
#                      message says the binding did not verify.
#   eab-bad-key        an HMAC key that is not base64url: exit 11, nothing
#                      sent.
#   eab-right-key      issued with the right key.
#   rollover           rollover: exit 0, a new account.key, account-new.key
#                      empty; a copy of the old key (with the account URL)
#                      is refused by Pebble (its order fails); the new key
#                      orders.
#   rollover-cut-ca-new   a copy of the state from before the rollover,
#                      with the new key staged as account-new.key (a power
#                      cut after Pebble took it): issue finds that Pebble
#                      holds the staged key, makes it account.key, orders.
#   rollover-cut-ca-old   a staged key Pebble never heard of (a cut before
#                      keyChange arrived): issue drops it and orders with
#                      the old key.
#   revoke-account-key revoke --reason 1: Pebble's management interface
#                      reports the serial Revoked with reason 1.
#   revoke-cert-key    revoke --by-cert-key --reason 4 with no account key
#                      stored: Revoked, reason 4.
#   deactivate         deactivate: exit 0, account.url marked; a later
#                      issue stops with exit 24 without a request; the old
#                      account URL put back: Pebble refuses the account.
# Ends with "account: N passed, N failed".
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$HERE/pebble.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/pebble/account.sh BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac

PASS=0
FAIL=0
ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
notok() { echo "not ok - $1: $2"; FAIL=$((FAIL + 1)); }
finish() {
    pebble_stop
    echo "account: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

KID=kid-picoacme
KEY=zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W
PEBBLE_EAB_KID=$KID PEBBLE_EAB_KEY=$KEY
export PEBBLE_EAB_KID PEBBLE_EAB_KEY
if ! pebble_start >/dev/null; then
    notok pebble-start "Pebble did not start"
    exit 1
fi
T=$PEBBLE_WORK/account
mkdir -p "$T"

# cli OUT COMMAND ARGS...: the CLI against Pebble, stdout/stderr to
# OUT.out/.err, exit status in RC.
cli() {
    _o=$1
    _c=$2
    shift 2
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 60 env $_PEBBLE_UNSET "$BIN" "$_c" --server "$PEBBLE_DIR_URL" \
        --ca-file "$PEBBLE_CA" "$@" </dev/null >"$_o.out" 2>"$_o.err"
    RC=$?
}
# issue DIR [ARGS...]: order NAME (default a.test) into DIR.
issue() {
    _d=$1
    shift
    cli "$_d" issue --agree-tos --state-dir "$_d" --http-port "$PEBBLE_HTTP_PORT" \
        -d "${NAME:-a.test}" "$@"
}
last() { tail -n 1 "$1.err"; }
# status DIR: Pebble's word on DIR/cert.pem: "Status Reason", e.g. "Revoked 1".
status() {
    _s=$(openssl x509 -in "$1/cert.pem" -noout -serial | cut -d= -f2)
    pebble_get "$PEBBLE_MGMT/cert-status-by-serial/$_s" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("Status"), d.get("Reason"))'
}

issue "$T/none"
if [ "$RC" -eq 18 ] && grep -q 'externalAccountRequired' "$T/none.err" &&
        grep -q -- '--eab-kid' "$T/none.err"; then
    ok eab-missing
else
    notok eab-missing "exit $RC: $(last "$T/none")"
fi

issue "$T/wrong" --eab-kid "$KID" --eab-hmac-key \
    "a${KEY#z}"
if [ "$RC" -eq 18 ] && grep -q 'external account binding' "$T/wrong.err" &&
        [ ! -e "$T/wrong/cert.pem" ]; then
    ok eab-wrong-key
else
    notok eab-wrong-key "exit $RC: $(last "$T/wrong")"
fi

issue "$T/bad" --eab-kid "$KID" --eab-hmac-key "$KEY="
if [ "$RC" -eq 11 ] && grep -q 'EAB HMAC key' "$T/bad.err" &&
        [ ! -e "$T/bad/account.key" ]; then
    ok eab-bad-key
else
    notok eab-bad-key "exit $RC: $(last "$T/bad")"
fi

A=$T/a
issue "$A" --eab-kid "$KID" --eab-hmac-key "$KEY"
if [ "$RC" -eq 0 ] && [ -s "$A/cert.pem" ]; then
    ok eab-right-key
else
    notok eab-right-key "exit $RC: $(last "$A")"
fi

# rollover
cp -R "$A" "$T/before"
cp -R "$A" "$T/old"
cli "$T/roll" rollover --state-dir "$A"
if [ "$RC" -ne 0 ]; then
    notok rollover "exit $RC: $(last "$T/roll")"
elif cmp -s "$A/account.key" "$T/before/account.key" ||
        [ -s "$A/account-new.key" ]; then
    notok rollover "account.key unchanged or account-new.key left"
else
    issue "$T/old"
    _old=$RC
    NAME=rolled.test; issue "$A"; NAME=
    if [ "$_old" -ne 18 ] || ! grep -q 'JWS verification' "$T/old.err"; then
        notok rollover "the old key was not refused: exit $_old: $(last "$T/old")"
    elif [ "$RC" -ne 0 ]; then
        notok rollover "the new key did not order: exit $RC: $(last "$A")"
    else
        ok rollover
    fi
fi

# A cut after Pebble took the new key: the old state, the new key staged.
C=$T/cut-new
cp -R "$T/before" "$C"
cp "$A/account.key" "$C/account-new.key"
NAME=cut-new.test; issue "$C" -v; NAME=
if [ "$RC" -eq 0 ] && cmp -s "$C/account.key" "$A/account.key" &&
        [ ! -s "$C/account-new.key" ] &&
        grep -q 'rollover was cut short' "$C.err"; then
    ok rollover-cut-ca-new
else
    notok rollover-cut-ca-new "exit $RC: $(last "$C")"
fi

# A cut before keyChange arrived: a staged key Pebble does not know.
C=$T/cut-old
cp -R "$A" "$C"
openssl ecparam -name prime256v1 -genkey -noout -out "$C/account-new.key" 2>/dev/null
NAME=cut-old.test; issue "$C" -v; NAME=
if [ "$RC" -eq 0 ] && cmp -s "$C/account.key" "$A/account.key" &&
        [ ! -s "$C/account-new.key" ] &&
        grep -q 'still holds the old' "$C.err"; then
    ok rollover-cut-ca-old
else
    notok rollover-cut-ca-old "exit $RC: $(last "$C")"
fi

cli "$T/rev1" revoke --state-dir "$A" --reason 1
st=$(status "$A" 2>&1)
if [ "$RC" -eq 0 ] && [ "$st" = "Revoked 1" ]; then
    ok revoke-account-key
else
    notok revoke-account-key "exit $RC, Pebble says '$st': $(last "$T/rev1")"
fi

B=$T/b
issue "$B" --eab-kid "$KID" --eab-hmac-key "$KEY"
rm -f "$B/account.key" "$B/account.url"
cli "$T/rev2" revoke --state-dir "$B" --by-cert-key --reason 4
st=$(status "$B" 2>&1)
if [ "$RC" -eq 0 ] && [ "$st" = "Revoked 4" ]; then
    ok revoke-cert-key
else
    notok revoke-cert-key "exit $RC, Pebble says '$st': $(last "$T/rev2")"
fi

cp "$A/account.url" "$T/account.url"
cli "$T/deact" deactivate --state-dir "$A"
_deact=$RC
issue "$A"
_after=$RC
cp "$A.err" "$T/after.err"
cp "$T/account.url" "$A/account.url"
issue "$A"
if [ "$_deact" -ne 0 ]; then
    notok deactivate "exit $_deact: $(last "$T/deact")"
elif [ "$_after" -ne 24 ] || ! grep -q 'deactivated' "$T/after.err"; then
    notok deactivate "a later run did not stop: exit $_after"
elif [ "$RC" -eq 0 ] || ! grep -q 'unauthorized' "$A.err"; then
    notok deactivate "Pebble did not refuse it: exit $RC: $(last "$A")"
else
    ok deactivate
fi
