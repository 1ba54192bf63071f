#!/bin/sh
# `make demo`: obtain a certificate for demo.picoacme.test from a local Pebble (real
# http-01 validation, Pebble's default 5 % nonce rejection) and check it.
#   sh scripts/demo.sh BINARY
# The files stay in ./demo-state (at the top of the repository) afterwards.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: sh scripts/demo.sh BINARY" >&2
    exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
NAME=demo.picoacme.test
STATE=$ROOT/demo-state

fail() {
    echo "demo: FAILED: $1" >&2
    exit 1
}
trap pebble_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -x "$BIN" ] || fail "$BIN is missing or not executable (run make first)"

# Pebble forgets its accounts and changes its root at every start: an account from an
# earlier demo would not exist any more, so begin with an empty state dir.
rm -rf "$STATE"
mkdir -p "$STATE" || fail "cannot create $STATE"

echo "demo: starting Pebble (real http-01 validation, 5 % of nonces rejected)"
pebble_start || fail "Pebble did not start"
echo "demo: ACME directory $PEBBLE_DIR_URL, http-01 port $PEBBLE_HTTP_PORT"
set -- "$BIN" issue --agree-tos --server "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
    --state-dir "$STATE" --http-port "$PEBBLE_HTTP_PORT" -d "$NAME" --verbose
# The whole command, quoted for sh, so that it can be copied and run again (while
# this Pebble runs: PEBBLE_KEEP=1 keeps its files, and it stops with the demo).
quoted=
for a in "$@"; do
    case $a in
    *[!A-Za-z0-9_./:=@%+,-]* | '') a="'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'" ;;
    esac
    quoted="$quoted${quoted:+ }$a"
done
echo "demo: running:"
echo "  $quoted"

# shellcheck disable=SC2086 # split on purpose
timeout -k 5 60 env $_PEBBLE_UNSET "$@" </dev/null
rc=$?
case $rc in
0) ;;
124 | 137) fail "picoacme did not finish within 60 s" ;;
*) fail "picoacme exited with status $rc" ;;
esac

[ -s "$STATE/cert.pem" ] || fail "no $STATE/cert.pem"
[ -s "$STATE/cert.key" ] || fail "no $STATE/cert.key"

pebble_root "$STATE/pebble-root.pem" || fail "cannot fetch Pebble's root certificate"
cp "$PEBBLE_CA" "$STATE/pebble-listener-ca.pem"

echo
echo "demo: the certificate in $STATE/cert.pem:"
info=$(openssl x509 -in "$STATE/cert.pem" -noout -subject -issuer -dates -ext subjectAltName) ||
    fail "openssl cannot read cert.pem"
echo "$info" | sed 's/^/    /'

k1=$(openssl pkey -in "$STATE/cert.key" -pubout 2>/dev/null) || fail "openssl cannot read cert.key"
k2=$(openssl x509 -in "$STATE/cert.pem" -noout -pubkey 2>/dev/null)
if [ -z "$k1" ] || [ "$k1" != "$k2" ]; then fail "cert.key is not the key of cert.pem"; fi
echo "demo: cert.key matches the certificate's public key"

# Leaf first, then intermediates.
W=$PEBBLE_WORK/demo
mkdir -p "$W"
awk -v d="$W" '/-----BEGIN CERTIFICATE-----/ { n++ }
    n { f = d "/cert-" n ".pem"; print > f }' "$STATE/cert.pem"
: >"$W/inter.pem"
for c in "$W"/cert-*.pem; do
    [ "$c" = "$W/cert-1.pem" ] || cat "$c" >>"$W/inter.pem"
done
set --
[ -s "$W/inter.pem" ] && set -- -untrusted "$W/inter.pem"
# shellcheck disable=SC2086 # split on purpose
if ! v=$(env $_PEBBLE_UNSET openssl verify -no-CApath -no-CAstore \
        -CAfile "$STATE/pebble-root.pem" -purpose sslserver "$@" "$W/cert-1.pem" 2>&1); then
    echo "$v" | sed 's/^/    /' >&2
    fail "the chain does not verify against Pebble's root"
fi
echo "demo: the chain verifies against Pebble's root (openssl verify: OK)"

echo
echo "demo: OK: picoacme obtained a certificate for $NAME from Pebble."
echo "demo: files in $STATE:"
echo "    cert.pem (chain, leaf first), cert.key (its key), account.key, account.url,"
echo "    pebble-root.pem (this Pebble run's root; it changes at every start),"
echo "    pebble-listener-ca.pem (the CA of Pebble's HTTPS listener)"
exit 0
