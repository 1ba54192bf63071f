#!/bin/sh
# Alternate chains (RFC 8555 7.4.2, --preferred-chain) against Pebble with
# PEBBLE_ALTERNATE_ROOTS=2: Pebble then issues every certificate under
# three roots and links the two other chains from the certificate answer
# (Link: rel="alternate").  The roots' names are random per Pebble start:
# they are read from its management interface (/roots/N) at test time.
#
#   sh tests/pebble/altchain.sh BINARY
#
# Cases:
#   no-preference     no --preferred-chain: no alternate is fetched; the
#                     chain verifies to the root of the default chain.
#   preferred-alt     --preferred-chain "CN of the last root": both
#                     alternates may be fetched, the stored chain verifies
#                     to that root and not to the default one, the key
#                     matches the leaf.
#   preferred-default --preferred-chain "CN of the default chain's root":
#                     no alternate is fetched.
#   no-match          --preferred-chain of no root: every alternate is
#                     fetched, none matches, the default chain is kept
#                     (exit 0).
# Ends with "altchain: N passed, N failed".
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$HERE/pebble.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh tests/pebble/altchain.sh BINARY" >&2
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
    echo "altchain: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PEBBLE_ALTERNATE_ROOTS=2
export PEBBLE_ALTERNATE_ROOTS
if ! pebble_start 0 >/dev/null; then
    notok pebble-start "Pebble did not start"
    exit 1
fi
T=$PEBBLE_WORK/altchain
mkdir -p "$T"

# cn PEM [subject|issuer]: the commonName of the first certificate's
# subject (or issuer).
cn() {
    openssl x509 -in "$1" -noout "-${2:-subject}" -nameopt multiline \
        2>/dev/null | sed -n 's/^ *commonName *= *//p' | head -n 1
}

# top_issuer PEM: the issuer CN of the chain's last certificate.
top_issuer() {
    awk '/-----BEGIN CERTIFICATE-----/ { n++; f = "" }
        { buf[n] = buf[n] $0 "\n" } END { printf "%s", buf[n] }' "$1" \
        >"$T/top.pem"
    cn "$T/top.pem" issuer
}

for n in 0 1 2; do
    if ! pebble_root "$T/root$n.pem" "$n" >/dev/null 2>&1; then
        notok "root-$n" "cannot fetch $PEBBLE_MGMT/roots/$n"
        exit 1
    fi
done
ROOT2_CN=$(cn "$T/root2.pem")
echo "# roots: $(cn "$T/root0.pem") | $(cn "$T/root1.pem") | $ROOT2_CN"

# cli NAME [options]: issue a certificate for NAME.example.com into
# $T/NAME, verbose log in $T/NAME.err, exit status in RC.
cli() {
    _d=$T/$1
    _n=$1.example.com
    shift
    # shellcheck disable=SC2086 # split on purpose
    timeout -k 5 90 env $_PEBBLE_UNSET "$BIN" issue -v --agree-tos \
        --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
        --state-dir "$_d" --http-port "$PEBBLE_HTTP_PORT" -d "$_n" "$@" \
        </dev/null >"$_d.out" 2>"$_d.err"
    RC=$?
}

# alts NAME: how many alternate chains the run fetched.
alts() {
    grep -c '^picoacme: POST .*/alternate/[0-9]* -> 200' "$T/$1.err"
}

# stored NAME ROOT: a matching pair in $T/NAME whose chain verifies to
# ROOT.  Sets REASON.
stored() {
    if [ "$RC" -ne 0 ]; then
        REASON="exit $RC"
    elif ! pebble_key_matches "$T/$1/cert.pem" "$T/$1/cert.key"; then
        REASON="cert.key is not the leaf's key"
    elif ! pebble_verify_chain "$T/$1/cert.pem" "$2" "$T/$1.v"; then
        :
    else
        return 0
    fi
    return 1
}

cli plain
DEFAULT_CN=$(top_issuer "$T/plain/cert.pem")
DEFAULT_ROOT=
for n in 0 1 2; do
    [ "$(cn "$T/root$n.pem")" = "$DEFAULT_CN" ] && DEFAULT_ROOT=$T/root$n.pem
done
if ! stored plain "${DEFAULT_ROOT:-/nonexistent}"; then
    notok no-preference "$REASON (default chain's top issuer '$DEFAULT_CN')"
    diag "$T/plain.err"
elif [ "$(alts plain)" -ne 0 ]; then
    notok no-preference "$(alts plain) alternates fetched without a preference"
else
    ok "no-preference (default chain to '$DEFAULT_CN')"
fi
if [ "$DEFAULT_CN" = "$ROOT2_CN" ]; then
    notok setup "the default chain is under roots/2 already"
    exit 1
fi

cli pref --preferred-chain "$ROOT2_CN"
if ! stored pref "$T/root2.pem"; then
    notok preferred-alt "$REASON"
    diag "$T/pref.err"
elif pebble_verify_chain "$T/pref/cert.pem" "${DEFAULT_ROOT:-/nonexistent}" \
        "$T/pref.v0" 2>/dev/null; then
    notok preferred-alt "the stored chain verifies to the default root too"
elif [ "$(top_issuer "$T/pref/cert.pem")" != "$ROOT2_CN" ]; then
    notok preferred-alt "top issuer '$(top_issuer "$T/pref/cert.pem")'"
elif [ "$(alts pref)" -lt 1 ]; then
    notok preferred-alt "no alternate fetched"
else
    ok "preferred-alt (chain to '$ROOT2_CN', $(alts pref) alternates fetched)"
fi

cli def --preferred-chain "$DEFAULT_CN"
if ! stored def "$DEFAULT_ROOT"; then
    notok preferred-default "$REASON"
    diag "$T/def.err"
elif [ "$(alts def)" -ne 0 ]; then
    notok preferred-default "$(alts def) alternates fetched"
else
    ok "preferred-default (no alternate fetched)"
fi

cli none --preferred-chain "No Such Root CA"
if ! stored none "$DEFAULT_ROOT"; then
    notok no-match "$REASON"
    diag "$T/none.err"
elif [ "$(alts none)" -ne 2 ]; then
    notok no-match "$(alts none) alternates fetched, not 2"
elif ! grep -q 'the default chain is kept' "$T/none.err"; then
    notok no-match "no log line says the default chain is kept"
else
    ok "no-match (2 alternates fetched, the default chain kept)"
fi
