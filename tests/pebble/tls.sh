#!/bin/sh
# The TLS profiles against Pebble listening with four kinds of chain
# (PEBBLE_CERT_KEY): the small profile (ACME_TLS_FULL=0, the firmware's)
# must issue over an ECDSA P-256 chain and refuse RSA, P-384 and
# RSA-4096-rooted chains with a TLS error; ACME_TLS_PUBLIC_CA=1 must issue
# over all four, and so must FIELD_BIN, the field firmware's profile
# (public-CA without ChaCha20 and Curve25519, i15 EC code), when given.
#
# Then the server reached by an IP literal (core/x509ip.c), with every
# binary: a listener certificate whose only subjectAltName is
# IP:127.0.0.1 must issue at https://127.0.0.1:PORT; one that names
# 127.0.0.1 and localhost as DNS names only must fail there with
# ACME_ERR_TLS (exit 15) and "no iPAddress SAN for 127.0.0.1", and issue
# at https://localhost:PORT (the control: the DNS name path); and
# https://[::1]:PORT with IP:::1 only must issue (when ::1 exists).
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

# issue BIN DIR [URL]: exit status of one issuance (at URL, default
# PEBBLE_DIR_URL), its last line in DIR.err
issue() {
	timeout 60 "$1" issue --agree-tos --server "${3:-$PEBBLE_DIR_URL}" \
	    --ca-file "$PEBBLE_CA" --state-dir "$2" \
	    --http-port "$PEBBLE_HTTP_PORT" \
	    -d tls.picoacme.test >/dev/null 2>"$2.err"
}

# issued NAME BIN DIR [URL]: one issuance must succeed
issued() {
	issue "$2" "$3" ${4:+"$4"}
	rc=$?
	if [ "$rc" -eq 0 ] && [ -s "$3/cert.pem" ]; then
		ok "$1"
	else
		notok "$1" "exit $rc: $(tail -n 1 "$3.err")"
	fi
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
# The server at an IP literal: the binaries, by profile.
bins="small:$SMALL public:$PUBLIC${FIELD:+ field:$FIELD}"
if PEBBLE_CERT_SAN="IP:127.0.0.1" pebble_start 0 >/dev/null; then
	for pb in $bins; do
		issued "${pb%%:*}-ip-literal-matches-ip-san" "${pb#*:}" \
		    "$work/ip-${pb%%:*}"
	done
	pebble_stop
else
	notok ip-literal-matches-ip-san "Pebble did not start"
fi
why="server certificate has no iPAddress SAN for 127\.0\.0\.1"
if PEBBLE_CERT_SAN="DNS:127.0.0.1, DNS:localhost" pebble_start 0 \
    >/dev/null; then
	for pb in $bins; do
		prof=${pb%%:*} bin=${pb#*:}
		issue "$bin" "$work/dnsip-$prof"
		rc=$?
		if [ "$rc" -eq 15 ] && grep -q "ACME_ERR_TLS: .*$why" \
		    "$work/dnsip-$prof.err" &&
		    [ ! -e "$work/dnsip-$prof/cert.pem" ]; then
			ok "$prof-ip-literal-refuses-dns-san (exit $rc)"
		else
			notok "$prof-ip-literal-refuses-dns-san" \
			    "exit $rc: $(tail -n 1 "$work/dnsip-$prof.err")"
		fi
		issued "$prof-dns-name-matches-dns-san" "$bin" \
		    "$work/dnsname-$prof" \
		    "$(echo "$PEBBLE_DIR_URL" | sed 's|//127\.0\.0\.1:|//localhost:|')"
	done
	pebble_stop
else
	notok ip-literal-refuses-dns-san "Pebble did not start"
fi
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' \
    2>/dev/null; then
	if PEBBLE_ADDR=::1 PEBBLE_CERT_SAN="IP:::1" pebble_start 0 >/dev/null
	then
		case $PEBBLE_DIR_URL in
		https://\[::1\]:*) issued small-ipv6-literal-matches-ip-san \
		    "$SMALL" "$work/ip6-small" ;;
		*) notok small-ipv6-literal-matches-ip-san \
		    "directory URL $PEBBLE_DIR_URL" ;;
		esac
		pebble_stop
	else
		notok small-ipv6-literal-matches-ip-san "Pebble did not start"
	fi
else
	echo "skip - ipv6-literal (this host has no ::1)"
fi
echo "tls: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
