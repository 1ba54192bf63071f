#!/bin/sh
# The TLS profiles against Pebble listening with four kinds of chain
# (PEBBLE_CERT_KEY): the small profile (ACME_TLS_FULL=0, the firmware's)
# must issue over an ECDSA P-256 chain and refuse RSA, P-384 and
# RSA-4096-rooted chains with a TLS error; ACME_TLS_PUBLIC_CA=1 must issue
# over all four, and so must FIELD_BIN, the field firmware's profile
# (public-CA without ChaCha20 and Curve25519, i15 EC code), when given.
#   sh tests/pebble/tls.sh SMALL_BIN PUBLIC_BIN [FIELD_BIN]
# ends with "tls: N passed, N failed".
set -u
SMALL=${1:?usage: tests/pebble/tls.sh SMALL_BIN PUBLIC_BIN [FIELD_BIN]}
PUBLIC=${2:?usage: tests/pebble/tls.sh SMALL_BIN PUBLIC_BIN [FIELD_BIN]}
FIELD=${3:-}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"
pass=0 fail=0
work=$(mktemp -d)
trap 'pebble_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() { echo "not ok - $1: $2"; fail=$((fail + 1)); }

# issue BIN DIR: exit status of one issuance, its last line in DIR.err
issue() {
	timeout 60 "$1" issue --agree-tos --server  "$PEBBLE_DIR_URL" --ca-file "$PEBBLE_CA" \
	    --state-dir "$2" --http-port "$PEBBLE_HTTP_PORT" \
	    -d tls.picoacme.test >/dev/null 2>"$2.err"
}

for kind in ec rsa p384 rsa4096; do
	if ! PEBBLE_CERT_KEY=$kind pebble_start 0 >/dev/null; then
		notok "pebble-$kind" "Pebble did not start"
		continue
	fi
	for prof in public${FIELD:+ field}; do
		[ "$prof" = field ] && bin=$FIELD || bin=$PUBLIC
		issue "$bin" "$work/$prof-$kind"
		rc=$?
		if [ "$rc" -eq 0 ] && [ -s "$work/$prof-$kind/cert.pem" ]; then
			ok "$prof-ca-profile-over-$kind-chain"
		else
			notok "$prof-ca-profile-over-$kind-chain" \
			    "exit $rc: $(tail -n 1 "$work/$prof-$kind.err")"
		fi
	done
	issue "$SMALL" "$work/small-$kind"
	rc=$?
	if [ "$kind" = ec ]; then
		if [ "$rc" -eq 0 ] && [ -s "$work/small-$kind/cert.pem" ]; then
			ok "small-profile-over-ec-chain"
		else
			notok small-profile-over-ec-chain \
			    "exit $rc: $(tail -n 1 "$work/small-$kind.err")"
		fi
	elif [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
	    grep -q ACME_ERR_TLS "$work/small-$kind.err"; then
		ok "small-profile-refuses-$kind-chain (exit $rc)"
	else
		notok "small-profile-refuses-$kind-chain" \
		    "exit $rc: $(tail -n 1 "$work/small-$kind.err")"
	fi
	pebble_stop
done
echo "tls: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
