#!/bin/sh
# The lwIP integration test (make test): picoacme-lwip obtains a
# certificate from a real Pebble, every byte through lwIP's own TCP/IP
# stack, over a TAP device.
#
#   network namespace picoacme-lwip-PID (made here, removed on exit)
#     tap0 10.55.0.1/24 -- the kernel side: Pebble and its DNS listen here
#     lwIP 10.55.0.2/24 -- inside picoacme-lwip, on /dev/net/tun (tap0)
#   pebble-challtestsrv answers every name with 10.55.0.2, so Pebble's
#   http-01 validation connects to the responder running on lwIP.
# Then the POSIX build issues once in the same namespace (Pebble restarted
# to validate on the kernel side), and both times are printed.
#
# Needs root and /dev/net/tun; fails with a clear message otherwise.
# Usage: tests/lwip/run.sh LWIP_BINARY POSIX_BINARY
set -u
LWIP_BIN=${1:?usage: tests/lwip/run.sh LWIP_BINARY POSIX_BINARY}
POSIX_BIN=${2:?usage: tests/lwip/run.sh LWIP_BINARY POSIX_BINARY}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NS=picoacme-lwip-$$
HOST_IP=10.55.0.1
LWIP_IP=10.55.0.2
pass=0 fail=0

ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() { echo "not ok - $1: $2"; fail=$((fail + 1)); }
finish() {
	echo "lwip: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# Inside the namespace: run Pebble and both clients.
if [ "${PICOACME_LWIP_INNER:-}" = 1 ]; then
	. "$ROOT/tests/pebble/pebble.sh"
	work=$(mktemp -d)
	trap 'pebble_stop; rm -rf "$work"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	PEBBLE_ADDR=$HOST_IP PEBBLE_VALIDATE_IPV4=$LWIP_IP pebble_start 5 \
	    >/dev/null || { notok lwip-pebble "Pebble did not start"; finish; }
	ms() { date +%s%3N; }

	t0=$(ms)
	timeout 90 "$LWIP_BIN" issue --agree-tos --server  "$PEBBLE_DIR_URL" \
	    --ca-file "$PEBBLE_CA" --state-dir "$work/lwip" \
	    --http-port "$PEBBLE_HTTP_PORT" -d lwip.picoacme.test \
	    --lwip-tap tap0 --lwip-addr "$LWIP_IP/24" --lwip-gw "$HOST_IP" \
	    --verbose >"$work/lwip.out" 2>"$work/lwip.log"
	rc=$?
	t1=$(ms)
	if [ "$rc" -eq 0 ] && [ -s "$work/lwip/cert.pem" ]; then
		ok "lwip-issue (exit 0, $((t1 - t0)) ms)"
	else
		notok lwip-issue "exit $rc: $(tail -n 3 "$work/lwip.log" | tr '\n' ' ')"
		finish
	fi
	# The certificate is Pebble's, for the name, and matches the key.
	pebble_root "$work/root.pem" >/dev/null 2>&1
	if pebble_verify_chain "$work/lwip/cert.pem" "$work/root.pem" "$work/chk"; then
		ok "lwip-chain-verifies"
	else
		notok lwip-chain-verifies "cert.pem does not verify against Pebble's root: $REASON"
	fi
	if pebble_key_matches "$work/lwip/cert.pem" "$work/lwip/cert.key"; then
		ok "lwip-key-matches"
	else
		notok lwip-key-matches "cert.key does not match cert.pem"
	fi
	# Validation really went through lwIP: the responder served Pebble,
	# and the client talked to the server's TAP-side address.
	if grep -q 'lwIP .* on tap0' "$work/lwip.log" &&
	    grep -q "POST https://$HOST_IP:" "$work/lwip.log" &&
	    grep -Eq 'challenges_served=[1-9]' "$work/lwip.log"; then
		ok "lwip-http01-served-through-lwip"
	else
		notok lwip-http01-served-through-lwip "no lwIP banner, POST or served challenge in the log"
	fi

	lwip_ms=$((t1 - t0))
	grep 'counters:' "$work/lwip.log" | sed 's/^/# lwip /'

	# The POSIX build against the same kind of Pebble, validated on the
	# kernel side of the link, for the time comparison.
	pebble_stop
	PEBBLE_ADDR=$HOST_IP PEBBLE_VALIDATE_IPV4=$HOST_IP pebble_start 5 \
	    >/dev/null || { notok posix-pebble "Pebble did not restart"; finish; }
	t0=$(ms)
	timeout 90 "$POSIX_BIN" issue --agree-tos --server  "$PEBBLE_DIR_URL" \
	    --ca-file "$PEBBLE_CA" --state-dir "$work/posix" \
	    --http-port "$PEBBLE_HTTP_PORT" -d posix.picoacme.test \
	    --verbose >/dev/null 2>"$work/posix.log"
	rc=$?
	t1=$(ms)
	if [ "$rc" -eq 0 ]; then
		ok "posix-issue-same-namespace ($((t1 - t0)) ms)"
	else
		notok posix-issue-same-namespace "exit $rc: $(tail -n 2 "$work/posix.log" | tr '\n' ' ')"
	fi
	echo "# issuance time: lwIP $lwip_ms ms, POSIX $((t1 - t0)) ms"
	finish
fi

# Outside: make the namespace and the TAP device, run the inside part.
if [ "$(id -u)" != 0 ]; then
	notok lwip-setup "needs root to create a network namespace and a TAP device"
	finish
fi
if [ ! -c /dev/net/tun ]; then
	notok lwip-setup "no /dev/net/tun on this machine: cannot make a TAP device"
	finish
fi
cleanup() { ip netns del "$NS" 2>/dev/null; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if ! ip netns add "$NS" 2>/dev/null ||
    ! ip -n "$NS" link set lo up ||
    ! ip -n "$NS" tuntap add dev tap0 mode tap ||
    ! ip -n "$NS" addr add "$HOST_IP/24" dev tap0 ||
    ! ip -n "$NS" link set tap0 up; then
	notok lwip-setup "could not create namespace $NS with a TAP device (ip netns / ip tuntap failed)"
	finish
fi
PICOACME_LWIP_INNER=1 ip netns exec "$NS" sh "$0" "$LWIP_BIN" "$POSIX_BIN"
