#!/bin/sh
# The firmware test (make test): the Cortex-M3 image boots on QEMU's
# mps2-an385, gets an address by DHCP and obtains a certificate from a real
# Pebble, with http-01 answered by its own responder on lwIP.
#
#   private network namespace (unshare): only loopback
#     Pebble + pebble-challtestsrv on 127.0.0.1 (every name -> 127.0.0.1)
#     QEMU user-mode networking: the guest is 10.0.2.15, the namespace's
#       127.0.0.1 is 10.0.2.2 to it; hostfwd 127.0.0.1:HTTP -> guest:HTTP
#       carries Pebble's validation to the firmware.
# The firmware reads fw/config, fw/ca.pem and fw-seed.bin and writes
# fw/state-* through semihosting, in a directory of its own.
#
# Checks: exit code 0; the CN and notAfter printed on the UART are those of
# fw/state-cert.pem; that certificate chains to Pebble's root and matches
# fw/state-cert.key; a second boot without the certificate finds its
# account again (no new account) and orders one; a third boot keeps the
# good certificate without a single request (acme_ensure()); a wrong CA
# fails with the TLS exit code; an IP address and a wildcard to certify
# are refused before any request (ACME_IP_IDENTIFIERS=0 and ACME_DNS01=0
# in the firmware); a chain of
# about 8 KB (Pebble's PEBBLE_CHAIN_LENGTH=6, past the 3 KB response
# window) is stored whole and kept by the next boot; a hang is a failure
# (timeout).
# With -icount shift=0 the "busy" time the board prints is thousands of
# guest instructions: the issuance cost is printed as "# instructions".
# FW_PEBBLE_REJECT=N sets Pebble's badNonce rate (default 5, Pebble's);
# FW_QEMU_FIRST_ONLY=1 stops after the first boot's checks (make bench).
# FW_QEMU_LOG=FILE keeps the UART output of the two issuing boots there
# (of the first alone with FW_QEMU_FIRST_ONLY=1)
# (make size reads the run-time stack peak from it).
# HW_ELF, the FW_TEST=0 build, must refuse to run on QEMU: no board hooks
# for the clock and the TRNG (exit 113 or 114, before any network use).
# PUBLIC_ELF, the image built with ACME_TLS_PUBLIC_CA=1, must issue from
# a Pebble whose listener chain is RSA (as a public CA's), within its stack.
#   sh tests/qemu/acme.sh ELF [HW_ELF [PUBLIC_ELF]]
# ends with "qemu: N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$HERE/lib.sh"

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 ELF [HW_ELF [PUBLIC_ELF]]" >&2
	exit 2
fi
abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
for f in "$@"; do
	[ -f "$f" ] || { echo "qemu: no $f"; echo "qemu: 0 passed, 1 failed"; exit 1; }
done
ELF=$(abspath "$1")
HW=${2:+$(abspath "$2")}
PUB=${3:+$(abspath "$3")}

if ! fw_netns "$HERE/acme.sh" "$@"; then
	echo "qemu: cannot make a network namespace (unshare -n as root, -rn" \
	    "otherwise); this test needs one"
	echo "qemu: 0 passed, 1 failed"
	exit 1
fi

NAME=fw.picoacme.test
SECS=${FW_QEMU_TIMEOUT:-180}
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() {
	echo "not ok - $1: $2"
	fail=$((fail + 1))
	[ -n "${3:-}" ] && [ -f "$3" ] && tail -n 25 "$3" | sed 's/^/    | /'
}
finish() {
	echo "qemu: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"
tmp=$(mktemp -d)
trap 'pebble_stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PEBBLE_CERT_ADDRS=10.0.2.2 pebble_start "${FW_PEBBLE_REJECT:-5}" >/dev/null ||
    { notok qemu-pebble "Pebble did not start"; finish; }
PORT=${PEBBLE_DIR_URL#https://127.0.0.1:}
PORT=${PORT%%/*}
NEWACCT=$(pebble_dir_field newAccount) && NEWORDER=$(pebble_dir_field newOrder) ||
    { notok qemu-pebble "no newAccount/newOrder in Pebble's directory"; finish; }

# A run directory: config, CA, a fresh seed.
rundir() {
	d=$tmp/$1
	mkdir -p "$d/fw"
	cat >"$d/fw/config" <<EOF
url=https://10.0.2.2:$PORT/dir
name=$NAME
http_port=$PEBBLE_HTTP_PORT
agree_tos=yes
EOF
	cp "${2:-$PEBBLE_CA}" "$d/fw/ca.pem"
	head -c 48 /dev/urandom >"$d/fw-seed.bin"
}

# Boot the image in directory $1; UART to $1/uart.log; exit code in $rc.
boot() {
	FW_HOSTFWD="tcp:127.0.0.1:$PEBBLE_HTTP_PORT-:$PEBBLE_HTTP_PORT" \
	    fw_qemu "$1" "$SECS" user "$ELF" -icount shift=0 >"$1/uart.log" 2>&1
	rc=$?
}

# The file holding blob NAME of run directory DIR: the certificate pair is
# a set in generations (boards/qemu-mps2-an385/app_store.h), the rest
# plain fw/state-NAME files.
fwstate() {
	_g=$(cat "$1/fw/state-gen" 2>/dev/null)
	if [ -n "$_g" ] && [ -e "$1/fw/state-$2.$_g" ]; then
		echo "$1/fw/state-$2.$_g"
	else
		echo "$1/fw/state-$2"
	fi
}

# The value after "picoacme-fw: KEY" on the UART.
uart_field() {
	sed -n "s/^picoacme-fw: $2//p" "$1/uart.log" | tail -n 1 | tr -d '\r'
}

# ---- first boot: a new account and a certificate ----------------------
rundir first
boot "$tmp/first"
d=$tmp/first
CERT=$(fwstate "$d" cert.pem)
KEY=$(fwstate "$d" cert.key)
if [ "$rc" -eq 0 ] && [ -s "$CERT" ]; then
	ok "boot-issues (exit 0)"
else
	notok boot-issues "exit $rc (124 = timeout after ${SECS}s)" "$d/uart.log"
	finish
fi

grep -q 'semihosting' "$d/uart.log" && grep -q 'fw-seed.bin' "$d/uart.log" &&
    ok "banner-names-test-time-and-seed" ||
    notok banner-names-test-time-and-seed "no banner line" "$d/uart.log"

# What the firmware printed is the certificate it stored and Pebble issued.
cn=$(uart_field "$d" 'certificate subject CN=')
na=$(uart_field "$d" 'certificate notAfter ')
want_cn=$(openssl x509 -in "$CERT" -noout -subject \
    -nameopt multiline 2>/dev/null | sed -n 's/^ *commonName *= *//p')
# notAfter as the firmware prints it: YYYY-MM-DDTHH:MM:SSZ
want_na=$(openssl x509 -in "$CERT" -noout -enddate 2>/dev/null |
    sed 's/^notAfter=//' | xargs -I{} date -u -d '{}' '+%Y-%m-%dT%H:%M:%SZ')
san=$(openssl x509 -in "$CERT" -noout -ext subjectAltName \
    2>/dev/null | tail -n 1 | tr -d ' ')
if [ -n "$cn" ] && [ "$cn" = "$NAME" ] && [ "$san" = "DNS:$NAME" ] &&
    [ "$cn" = "$want_cn" ]; then
	ok "printed-subject-matches ($cn)"
else
	notok "printed-subject-matches" \
	    "printed '$cn', certificate CN '$want_cn' SAN '$san'" "$d/uart.log"
fi
if [ -n "$na" ] && [ "$na" = "$want_na" ]; then
	ok "printed-notAfter-matches ($na)"
else
	notok "printed-notAfter-matches" \
	    "printed '$na', certificate '$want_na'" "$d/uart.log"
fi

pebble_root "$tmp/root.pem" >/dev/null 2>&1
if pebble_verify_chain "$CERT" "$tmp/root.pem" "$tmp/chk"; then
	ok "certificate-chains-to-pebble-root"
else
	notok certificate-chains-to-pebble-root \
	    "fw/state-cert.pem does not verify against Pebble's root: $REASON"
fi
if pebble_key_matches "$CERT" "$KEY"; then
	ok "key-matches-certificate"
else
	notok key-matches-certificate "fw/state-cert.key does not match"
fi

# Validation reached the firmware's responder through QEMU and lwIP.
if grep -Eq 'challenges_served=[1-9]' "$d/uart.log"; then
	ok "http01-served-by-the-firmware"
else
	notok http01-served-by-the-firmware "challenges_served=0" "$d/uart.log"
fi

# Footprint at run time: peak stack within its region, instructions.
peak=$(sed -n 's/.*stack peak \([0-9]*\) of \([0-9]*\).*/\1 \2/p' \
    "$d/uart.log" | tail -n 1)
busy=$(sed -n 's/.*busy \([0-9]*\) us.*/\1/p' "$d/uart.log" | tail -n 1)
if [ -n "$peak" ] && [ "${peak% *}" -lt "${peak#* }" ]; then
	ok "stack-peak-within-region (${peak% *} of ${peak#* } bytes)"
else
	notok stack-peak-within-region "'$peak'" "$d/uart.log"
fi
counters=$(uart_field "$d" 'counters: ')
echo "# counters: $counters"
# Pebble's three validators connect at once: all three must be answered
# at once, so the first authorization poll (150 ms after the challenge)
# finds it valid.  Requests: directory, HEAD, account, order, authz,
# challenge, authz poll, finalize, order poll, certificate = 10, plus one
# per badNonce retry; one more poll is tolerated.  (A listen backlog of 2
# dropped the third SYN: validation waited ~6 s and took 3-5 polls.)
reqs=$(echo "$counters" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
bn=$(echo "$counters" | sed -n 's/.*badnonce_retries=\([0-9]*\).*/\1/p')
if [ -n "$reqs" ] && [ -n "$bn" ] && [ $((reqs - bn)) -le 11 ]; then
	ok "validators-answered-at-once ($reqs requests, $bn badNonce retries)"
else
	notok validators-answered-at-once "requests '$reqs', badNonce" \
	    "retries '$bn': validation was slow" "$d/uart.log"
fi
echo "# issuance: ${busy:-?}000 guest instructions (-icount shift=0)," \
    "stack peak ${peak% *} bytes"
if [ "${FW_QEMU_FIRST_ONLY:-0}" = 1 ]; then
	[ -n "${FW_QEMU_LOG:-}" ] && cp "$d/uart.log" "$FW_QEMU_LOG"
	finish
fi

# ---- second boot: the stored account is found again --------------------
cp -r "$d" "$tmp/second"
# (without its certificate: the boot must order one)
rm -f "$tmp/second"/fw/state-cert.* "$tmp/second/fw/state-gen"
head -c 48 /dev/urandom >"$tmp/second/fw-seed.bin"
acct1=$(cat "$d/fw/state-account.url" 2>/dev/null)
boot "$tmp/second"
acct2=$(cat "$tmp/second/fw/state-account.url" 2>/dev/null)
# The stored key and URL are used as they are: no newAccount request (a
# key that failed to load would make a new account, with a new URL).
if [ "$rc" -eq 0 ] && [ -s "$(fwstate "$tmp/second" cert.pem)" ] &&
    [ -n "$acct1" ] && [ "$acct1" = "$acct2" ] &&
    cmp -s "$d/fw/state-account.key" "$tmp/second/fw/state-account.key" &&
    grep -q "POST .*/${NEWORDER##*/} " "$tmp/second/uart.log" &&
    ! grep -q "/${NEWACCT##*/} " "$tmp/second/uart.log"; then
	ok "second-boot-reuses-account"
else
	notok second-boot-reuses-account "exit $rc, account '$acct1' -> '$acct2'" \
	    "$tmp/second/uart.log"
fi
echo "# second boot: $(grep -o 'stack peak [0-9]* of [0-9]*' "$tmp/second/uart.log")"

# ---- third boot: the certificate is good, nothing is asked of the CA ----
cp -r "$tmp/second" "$tmp/third"
cert2=$(fwstate "$tmp/second" cert.pem)
boot "$tmp/third"
if [ "$rc" -eq 0 ] &&
    grep -q 'certificate good, nothing to do' "$tmp/third/uart.log" &&
    grep -q 'counters: requests=0 ' "$tmp/third/uart.log" &&
    ! grep -q 'POST \|GET \|HEAD ' "$tmp/third/uart.log" &&
    cmp -s "$cert2" "$(fwstate "$tmp/third" cert.pem)"; then
	ok "third-boot-keeps-the-certificate (no request)"
else
	notok third-boot-keeps-the-certificate "exit $rc" "$tmp/third/uart.log"
fi
# For make size: the UART of both boots (the deepest stack is in either).
[ -n "${FW_QEMU_LOG:-}" ] &&
    cat "$d/uart.log" "$tmp/second/uart.log" >"$FW_QEMU_LOG" 2>/dev/null

# ---- a CA that did not sign Pebble's certificate: a clean TLS failure ---
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/other.key" -out "$tmp/other.pem" -days 2 \
    -subj "/CN=not Pebble's CA" 2>/dev/null
rundir wrongca "$tmp/other.pem"
boot "$tmp/wrongca"
# 15 = 10 + |ACME_ERR_TLS|
if [ "$rc" -eq 15 ] &&
    grep -q 'picoacme-fw: error: ACME_ERR_TLS' "$tmp/wrongca/uart.log"; then
	ok "wrong-ca-fails-cleanly (exit $rc)"
else
	notok wrong-ca-fails-cleanly "exit $rc" "$tmp/wrongca/uart.log"
fi

# ---- an IP address to certify: not built in (ACME_IP_IDENTIFIERS=0) -----
rundir ipname
sed -i 's/^name=.*/name=192.0.2.7/' "$tmp/ipname/fw/config"
boot "$tmp/ipname"
# 11 = 10 + |ACME_ERR_PARAM|, before any request
if [ "$rc" -eq 11 ] && grep -q 'IP identifiers are not built in' \
    "$tmp/ipname/uart.log" && grep -q 'counters: requests=0 ' \
    "$tmp/ipname/uart.log"; then
	ok "ip-identifier-not-built-in (exit $rc, no request)"
else
	notok ip-identifier-not-built-in "exit $rc" "$tmp/ipname/uart.log"
fi

# ---- a wildcard: dns-01 is not built in (ACME_DNS01=0) -------------------
rundir wildname
sed -i 's/^name=.*/name=*.fw.picoacme.test/' "$tmp/wildname/fw/config"
boot "$tmp/wildname"
if [ "$rc" -eq 11 ] && grep -q 'a wildcard needs dns-01, not built in' \
    "$tmp/wildname/uart.log" && grep -q 'counters: requests=0 ' \
    "$tmp/wildname/uart.log"; then
	ok "wildcard-not-built-in (exit $rc, no request)"
else
	notok wildcard-not-built-in "exit $rc" "$tmp/wildname/uart.log"
fi

# ---- a chain longer than the 3 KB response window ---------------------
# PEBBLE_CHAIN_LENGTH=6: about 8 KB of PEM, streamed into storage as it
# arrives; the next boot reads it back in pieces and keeps it.
pebble_stop
if PEBBLE_CHAIN_LENGTH=6 PEBBLE_CERT_ADDRS=10.0.2.2 pebble_start 0 \
    >/dev/null; then
	PORT=${PEBBLE_DIR_URL#https://127.0.0.1:}
	PORT=${PORT%%/*}
	rundir long
	boot "$tmp/long"
	CERT=$(fwstate "$tmp/long" cert.pem)
	n=$(grep -c 'BEGIN CERTIFICATE' "$CERT" 2>/dev/null)
	sz=$(wc -c <"$CERT" 2>/dev/null)
	pebble_root "$tmp/root-long.pem" >/dev/null 2>&1
	if [ "$rc" -eq 0 ] && [ "${sz:-0}" -gt 6144 ] && [ "${n:-0}" -ge 5 ] &&
	    pebble_verify_chain "$CERT" "$tmp/root-long.pem" "$tmp/chk-long" &&
	    pebble_key_matches "$CERT" "$(fwstate "$tmp/long" cert.key)"; then
		ok "long-chain-streamed-into-storage ($n certificates, $sz bytes)"
	else
		notok long-chain-streamed-into-storage "exit $rc, $n" \
		    "certificates, $sz bytes ${REASON:-}" "$tmp/long/uart.log"
	fi
	cp -r "$tmp/long" "$tmp/long2"
	boot "$tmp/long2"
	if [ "$rc" -eq 0 ] &&
	    grep -q 'certificate good, nothing to do' "$tmp/long2/uart.log" &&
	    grep -q 'counters: requests=0 ' "$tmp/long2/uart.log"; then
		ok "long-chain-kept-at-next-boot (no request)"
	else
		notok long-chain-kept-at-next-boot "exit $rc" \
		    "$tmp/long2/uart.log"
	fi
else
	notok long-chain-streamed-into-storage "Pebble did not start"
fi

# ---- the public-CA TLS profile over an RSA chain -----------------------
if [ -n "$PUB" ]; then
	pebble_stop
	if PEBBLE_CERT_KEY=rsa PEBBLE_CERT_ADDRS=10.0.2.2 pebble_start 0 \
	    >/dev/null; then
		PORT=${PEBBLE_DIR_URL#https://127.0.0.1:}
		PORT=${PORT%%/*}
		rundir public
		ELF_SAVED=$ELF ELF=$PUB
		boot "$tmp/public"
		ELF=$ELF_SAVED
		pk=$(grep -o 'stack peak [0-9]* of [0-9]*' "$tmp/public/uart.log")
		if [ "$rc" -eq 0 ] && [ -s "$(fwstate "$tmp/public" cert.pem)" ]; then
			ok "public-ca-profile-over-rsa-chain ($pk)"
		else
			notok public-ca-profile-over-rsa-chain "exit $rc" \
			    "$tmp/public/uart.log"
		fi
	else
		notok public-ca-profile-over-rsa-chain "Pebble did not start"
	fi
fi

# ---- the build for real hardware refuses the test sources -------------
if [ -n "$HW" ]; then
	rundir hw
	(cd "$tmp/hw" && fw_qemu . 60 none "$HW") >"$tmp/hw/uart.log" 2>&1
	rc=$?
	if { [ "$rc" -eq 113 ] || [ "$rc" -eq 114 ]; } &&
	    grep -q 'hardware build' "$tmp/hw/uart.log" &&
	    [ ! -e "$tmp/hw/fw/state-account.key" ]; then
		ok "hardware-build-refuses-without-board-hooks (exit $rc)"
	else
		notok hardware-build-refuses-without-board-hooks "exit $rc" \
		    "$tmp/hw/uart.log"
	fi
fi
finish
