#!/bin/sh
# The field firmware test (make test): the field image (make fw-field)
# boots on QEMU's mps2-an385 and gets a certificate from a Pebble set up
# the way a device meets Let's Encrypt:
#
#   private network and mount namespace (unshare -n -m, or -rnm)
#     /etc/resolv.conf is bind-mounted to "nameserver 127.0.0.1", so
#       QEMU's user-mode DNS (10.0.2.3, which DHCP gives the guest)
#       forwards to the guest's DNS server: a pebble-challtestsrv on
#       127.0.0.1:53 that knows acme.field.test -> 10.0.2.2 and nothing
#       else
#     an SNTP server on 127.0.0.1:123 (tests/tools/sntpd.py, the host's
#       clock): the guest asks 10.0.2.2 (fw/config ntp=); there is no
#       semihosting clock in the image
#     Pebble on 127.0.0.1 (the guest's 10.0.2.2), reached by name: its
#       HTTPS certificate is RSA-2048 under an RSA-4096 root made here,
#       which the guest trusts only through its stored anchors (the
#       blob ca.pem, put into the flash image fw/flash.bin by
#       tools/flashimg as a factory would); PEBBLE_CHAIN_LENGTH=3 makes
#       the issued chain four certificates, at least 4.5 KB of PEM
#     Pebble's validators resolve names with their own challtestsrv
#       (every name -> 127.0.0.1, forwarded to the guest's responder)
#
# Checks, first boot: exit 0; the banner says the time came from SNTP
# (and the image has no semihosting clock); the requests went to the
# name; the printed CN and notAfter are the stored certificate's, whose
# chain is at least 4.5 KB, verifies to Pebble's root and matches the
# stored key.  Validation from several places: while Pebble's validators
# are held (their DNS server stopped), eight connections from here are
# open to the responder at once and each gets an answer; then Pebble's
# three validate; the firmware's port must have held at least eight
# inbound connections at once and refused none.  Second boot: no
# request at all.  Power cuts: the device is renamed, so its next boot
# renews; that renewal is cut (the emulated flash stops the machine at its
# k-th program or erase, some torn) at FIELD_CUTS points spread over all
# of its flash operations; after each, the flash (read on the host with
# tools/flashimg) must hold the old pair or the new one, whole and
# matching, and the next boot (its clock a day on, past any backoff)
# must end with the new pair (no request when the cut came after the
# pair's commit).  Then QEMU is killed (SIGKILL) at FIELD_KILLS random
# moments of that renewal, with the same checks.  Then clean failures:
# a name that does not resolve (exit 6), no SNTP answer and an SNTP time
# before the build's floor (exit 114), a server certificate under no
# built-in or stored anchor (exit 15, ACME_ERR_TLS), and a directory URL
# by IP address (exit 11: the field image reaches its CA by name,
# ACME_SERVER_IP 0).  Last, an issuance from a Pebble whose
# listener chain is ECDSA P-384 (the ISRG Root X2 kind of chain), for
# that path and its stack depth.
#   sh tests/qemu/field.sh ELF FLASHIMG
# ends with "field: N passed, N failed".  FIELD_CUTS=N power cuts (default
# 24; make field-soak: every operation).
# FW_QEMU_LOG=FILE keeps the UART of the two issuing boots (make size).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$HERE/lib.sh"

if [ $# -ne 2 ] || [ ! -f "$1" ] || [ ! -x "$2" ]; then
	echo "usage: $0 FIELD_ELF FLASHIMG (make fw-field, make" \
	    "build/host/tools/flashimg)" >&2
	echo "field: 0 passed, 1 failed"
	exit 1
fi
ELF=$(cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")")
FLASHIMG=$(cd "$(dirname "$2")" && echo "$(pwd)/$(basename "$2")")

if ! FW_NETNS_MOUNT=1 fw_netns "$HERE/field.sh" "$@"; then
	echo "field: cannot make a network and mount namespace (unshare -n -m" \
	    "as root, -rnm otherwise); this test needs one"
	echo "field: 0 passed, 1 failed"
	exit 1
fi

ACME_HOST=acme.field.test
NAME=device.field.test
SECS=${FW_QEMU_TIMEOUT:-180}
LIAR=192.0.2.1          # an SNTP server that says 2001
DEAF=192.0.2.2          # no SNTP server
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
# notok CASE WORDS... [LOG]: the words make the reason; a last argument
# that names a file is a log, whose tail is shown.
notok() {
	_case=$1
	shift
	_why= _log=
	for _a in "$@"; do
		if [ -f "$_a" ]; then _log=$_a; else _why="$_why $_a"; fi
	done
	echo "not ok - $_case:$_why"
	fail=$((fail + 1))
	[ -n "$_log" ] && tail -n 25 "$_log" | sed 's/^/    | /'
}
finish() {
	echo "field: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"
tmp=$(mktemp -d)
[ -n "${FIELD_KEEP:-}" ] && echo "# keeping $tmp"
PIDS=
cleanup() {
	[ -n "${PEBBLE_CHALL_PID:-}" ] && kill -CONT "$PEBBLE_CHALL_PID" 2>/dev/null
	pebble_stop
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${FIELD_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# python3 helpers (stdlib only):
#   get URL                      GET, print the body (exit 1 unless 200)
#   post URL JSON                POST, exit 1 unless 200
#   hold PORT N PID LOG          wait until the guest's responder answers a
#       probe on 127.0.0.1:PORT (the hostfwd), then open N connections that
#       each send half a request; once all are open, finish the N requests
#       and read the N answers; then SIGCONT PID (Pebble's validators' DNS,
#       stopped by the caller).  LOG gets "answered=K of N in MS ms" (an HTTP
#       status line on each) and "resumed".  Bounded: 90 s to see the
#       responder.
cat >"$tmp/help.py" <<'PY'
import os, signal, socket, sys, time, urllib.request

def http(url, data=None):
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with op.open(req, timeout=5) as r:
        return r.status, r.read()

def answer(s):
    data = b""
    s.settimeout(5.0)
    try:
        while not data.endswith(b"\r\n\r\n") and len(data) < 4096:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    return data.split(b"\r\n", 1)[0]

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "get":
    st, body = http(a[0])
    sys.stdout.buffer.write(body)
    sys.exit(0 if st == 200 else 1)
if cmd == "post":
    st, _ = http(a[0], a[1].encode())
    sys.exit(0 if st == 200 else 1)
port, n, pid, log = int(a[0]), int(a[1]), int(a[2]), open(a[3], "w", buffering=1)
req = "GET /.well-known/acme-challenge/field-probe-%d HTTP/1.1\r\n"
try:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall((req % 0 + "Host: probe\r\n\r\n").encode())
            line = answer(s)
            s.close()
            if line.startswith(b"HTTP/1."):
                break
        except OSError:
            pass
        time.sleep(0.02)
    else:
        log.write("the responder never answered\n")
        sys.exit(1)
    log.write("listening: %s\n" % line.decode("ascii", "replace"))
    t0 = time.monotonic()
    socks = []
    # One at a time: QEMU's hostfwd listens with a backlog of 1, and the
    # kernel drops a SYN beyond it (the retransmission comes 1 s later,
    # while Pebble's validators wait for their DNS).
    for i in range(1, n + 1):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2)
            s.sendall((req % i).encode())
            socks.append(s)
        except OSError as e:
            log.write("connection %d: %s\n" % (i, e))
        time.sleep(0.01)
    time.sleep(0.3)
    lines = []
    for s in socks:
        try:
            s.sendall(b"Host: probe\r\n\r\n")
        except OSError as e:
            log.write("finishing a request: %s\n" % e)
    for s in socks:
        lines.append(answer(s))
        s.close()
    k = sum(1 for x in lines if x.startswith(b"HTTP/1.1 404") or x.startswith(b"HTTP/1.0 404"))
    log.write("answered=%d of %d in %d ms: %s\n" % (k, n, (time.monotonic() - t0) * 1000,
              b" | ".join(lines).decode("ascii", "replace")))
finally:
    os.kill(pid, signal.SIGCONT)
    log.write("resumed\n")
PY
helper() { python3 "$tmp/help.py" "$@"; }

# ---- the network around the guest ---------------------------------------
printf 'nameserver 127.0.0.1\n' >"$tmp/resolv.conf"
if ! mount --bind "$tmp/resolv.conf" /etc/resolv.conf 2>"$tmp/mount.err"; then
	notok field-setup "cannot bind-mount /etc/resolv.conf:" \
	    "$(cat "$tmp/mount.err")"
	finish
fi
ip addr add "$LIAR/32" dev lo 2>/dev/null

DNSM=$(pebble_free_ports 1)
pebble-challtestsrv -defaultIPv4 "" -defaultIPv6 "" -dns01 127.0.0.1:53 \
    -http01 "" -https01 "" -tlsalpn01 "" -management "127.0.0.1:$DNSM" \
    </dev/null >"$tmp/guest-dns.log" 2>&1 &
PIDS="$PIDS $!"
python3 "$ROOT/tests/tools/sntpd.py" 127.0.0.1 123 "$tmp/sntp.log" \
    --ready "$tmp/sntp.ready" --offset-file "$tmp/sntp.offset" \
    </dev/null 2>"$tmp/sntp.err" &
PIDS="$PIDS $!"
python3 "$ROOT/tests/tools/sntpd.py" "$LIAR" 123 "$tmp/liar.log" \
    --time 1000000000 --ready "$tmp/liar.ready" </dev/null 2>"$tmp/liar.err" &
PIDS="$PIDS $!"
i=0
until [ -e "$tmp/sntp.ready" ] && [ -e "$tmp/liar.ready" ] &&
    helper post "http://127.0.0.1:$DNSM/add-a" \
    "{\"host\":\"$ACME_HOST\",\"addresses\":[\"10.0.2.2\"]}" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -ge 100 ]; then
		notok field-setup "the guest's DNS or SNTP server did not start" \
		    "$tmp/guest-dns.log"
		cat "$tmp/sntp.err" "$tmp/liar.err" 2>/dev/null
		finish
	fi
	sleep 0.1
done

PEBBLE_CHAIN_LENGTH=3
export PEBBLE_CHAIN_LENGTH
PEBBLE_CERT_KEY=rsa4096 PEBBLE_CERT_NAMES=$ACME_HOST pebble_start \
    >/dev/null || { notok field-pebble "Pebble did not start"; finish; }
PORT=${PEBBLE_DIR_URL#https://127.0.0.1:}
PORT=${PORT%%/*}
pebble_root "$tmp/root.pem" >/dev/null 2>&1

# rundir DIR [HOST [NTP [CA]]]: config, stored anchors (CA "none": none),
# a fresh seed.
rundir() {
	mkdir -p "$1/fw"
	cat >"$1/fw/config" <<EOF
url=https://${2:-$ACME_HOST}:$PORT/dir
name=$NAME
http_port=$PEBBLE_HTTP_PORT
agree_tos=yes
ntp=${3:-10.0.2.2}
EOF
	[ "${4:-}" = none ] ||
	    "$FLASHIMG" "$1/fw/flash.bin" put ca.pem "${4:-$PEBBLE_CA}"
	head -c 48 /dev/urandom >"$1/fw-seed.bin"
}

# boot DIR [hostfwd]: UART to DIR/uart.log, exit code in DIR/rc.
boot() {
	FW_HOSTFWD=${2:+tcp:127.0.0.1:$PEBBLE_HTTP_PORT-:$PEBBLE_HTTP_PORT} \
	    fw_qemu "$1" "$SECS" user "$ELF" -icount shift=0 \
	    >"$1/uart.log" 2>&1
	echo $? >"$1/rc"
}

uart_field() {
	sed -n "s/^picoacme-fw: $2//p" "$1/uart.log" | tail -n 1 | tr -d '\r'
}

# fwstate DIR NAME: the blob NAME of DIR's flash, copied out to a file
# (empty when absent or damaged); prints the file's path.
fwstate() {
	"$FLASHIMG" "$1/fw/flash.bin" get "$2" >"$1/blob-$2" 2>/dev/null ||
	    : >"$1/blob-$2"
	echo "$1/blob-$2"
}

# ---- first boot: issue, with eight connections at once ------------------
d=$tmp/first
rundir "$d"
# Pebble's validators wait (their DNS server stopped) until the helper's
# eight connections have been answered.
kill -STOP "$PEBBLE_CHALL_PID"
helper hold "$PEBBLE_HTTP_PORT" 8 "$PEBBLE_CHALL_PID" "$tmp/hold.log" &
HOLD=$!
boot "$d" hostfwd
wait "$HOLD"
kill -CONT "$PEBBLE_CHALL_PID" 2>/dev/null
rc=$(cat "$d/rc")
CERT=$(fwstate "$d" cert.pem)
KEY=$(fwstate "$d" cert.key)
if [ "$rc" -eq 0 ] && [ -s "$CERT" ]; then
	ok "boot-issues (exit 0)"
else
	notok boot-issues "exit $rc (124 = timeout after ${SECS}s)" "$d/uart.log"
	sed 's/^/    hold: /' "$tmp/hold.log" 2>/dev/null
	grep -i 'valid\|chall\|problem\|error' "$PEBBLE_LOG" | tail -n 8 |
	    sed 's/^/    pebble: /'
	finish
fi
[ -n "${FW_QEMU_LOG:-}" ] && cp "$d/uart.log" "$FW_QEMU_LOG"

# Time: from SNTP, and the image cannot read the host's clock.
t=$(uart_field "$d" 'time: ')
if echo "$t" | grep -q "from SNTP server 10.0.2.2 (floor " &&
    grep -q 'FIELD IMAGE' "$d/uart.log" && [ -s "$tmp/sntp.log" ] &&
    ! ${FW_CROSS:-arm-none-eabi-}nm "$ELF" | grep -q ' semihost_time$'; then
	ok "time-from-sntp ($t; no semihost_time in the image)"
else
	notok time-from-sntp "time line '$t'" "$d/uart.log"
fi

# DNS: the guest got its server by DHCP and reached Pebble by name.
if grep -q 'net: DNS server 10.0.2.3 (DHCP)' "$d/uart.log" &&
    grep -q "GET https://$ACME_HOST:$PORT/dir -> 200" "$d/uart.log"; then
	ok "directory-by-name-through-dhcp-dns"
else
	notok directory-by-name-through-dhcp-dns "no such lines" "$d/uart.log"
fi

if grep -q 'trust anchors: 2 built in (ISRG Root X1, X2), 1 from storage' \
    "$d/uart.log"; then
	ok "anchors-built-in-and-stored"
else
	notok anchors-built-in-and-stored "no anchors line" "$d/uart.log"
fi

cn=$(uart_field "$d" 'certificate subject CN=')
na=$(uart_field "$d" 'certificate notAfter ')
want_cn=$(openssl x509 -in "$CERT" -noout -subject -nameopt multiline \
    2>/dev/null | sed -n 's/^ *commonName *= *//p')
want_na=$(openssl x509 -in "$CERT" -noout -enddate 2>/dev/null |
    sed 's/^notAfter=//' | xargs -I{} date -u -d '{}' '+%Y-%m-%dT%H:%M:%SZ')
if [ "$cn" = "$NAME" ] && [ "$cn" = "$want_cn" ] && [ -n "$na" ] &&
    [ "$na" = "$want_na" ]; then
	ok "printed-summary-matches (CN=$cn, notAfter $na)"
else
	notok printed-summary-matches "printed '$cn' '$na', stored" \
	    "'$want_cn' '$want_na'" "$d/uart.log"
fi

size=$(wc -c <"$CERT")
certs=$(grep -c 'BEGIN CERTIFICATE' "$CERT")
if [ "$size" -ge 4608 ] && [ "$certs" -ge 4 ] &&
    pebble_verify_chain "$CERT" "$tmp/root.pem" "$tmp/chk" &&
    pebble_key_matches "$CERT" "$KEY"; then
	ok "long-chain-stored-whole ($certs certificates, $size bytes of PEM)"
else
	notok long-chain-stored-whole "$certs certificates, $size bytes;" \
	    "${REASON:-key or chain check failed}"
fi

# Eight at once, answered, then Pebble's validators.
held=$(sed -n 's/^answered=\([0-9]*\) of \([0-9]*\).*/\1 \2/p' "$tmp/hold.log")
peak=$(sed -n 's/.*inbound connections: at most \([0-9]*\) at once, \([0-9]*\) refused.*/\1 \2/p' \
    "$d/uart.log" | tail -n 1)
served=$(uart_field "$d" 'counters: ' | sed -n 's/.*challenges_served=\([0-9]*\).*/\1/p')
if [ "$held" = "8 8" ] && [ -n "$peak" ] && [ "${peak% *}" -ge 8 ] &&
    [ "${peak#* }" -eq 0 ] && [ "${served:-0}" -ge 1 ]; then
	m="at most ${peak% *} at once, $served answers to Pebble"
	ok "eight-connections-at-once-then-validation ($m)"
else
	notok eight-connections-at-once-then-validation "helper '$held'," \
	    "port '$peak' (most, refused), served '$served'" "$d/uart.log"
	sed 's/^/    hold: /' "$tmp/hold.log"
fi

pk=$(sed -n 's/.*stack peak \([0-9]*\) of \([0-9]*\).*/\1 \2/p' "$d/uart.log" |
    tail -n 1)
if [ -n "$pk" ] && [ "${pk% *}" -lt "${pk#* }" ]; then
	ok "stack-peak-within-region (${pk% *} of ${pk#* } bytes)"
else
	notok stack-peak-within-region "'$pk'" "$d/uart.log"
fi

# ---- second boot: the certificate is good, no request --------------------
cp -r "$d" "$tmp/second"
boot "$tmp/second"
rc=$(cat "$tmp/second/rc")
if [ "$rc" -eq 0 ] &&
    grep -q 'certificate good, nothing to do' "$tmp/second/uart.log" &&
    grep -q 'counters: requests=0 ' "$tmp/second/uart.log" &&
    ! grep -q 'POST \|GET \|HEAD ' "$tmp/second/uart.log" &&
    cmp -s "$CERT" "$(fwstate "$tmp/second" cert.pem)"; then
	ok "reboot-makes-no-request"
else
	notok reboot-makes-no-request "exit $rc" "$tmp/second/uart.log"
fi

# ---- power cuts during a renewal -----------------------------------------
NAME2=renamed.field.test
CUT_EXIT=90             # flash_semihost.h: the planned power cut
# renamed SRC DST: DST is a copy of the device SRC, renamed to NAME2 (so
# its next boot renews: the stored certificate names NAME).
renamed() {
	rm -rf "$2"
	cp -r "$1" "$2"
	sed -i "s/^name=.*/name=$NAME2/" "$2/fw/config"
	rm -f "$2/fw/cut-at" "$2/uart.log" "$2/rc"
}
# pair DIR: "old" or "new" when DIR's flash holds the pair for NAME or
# NAME2, the chain verifying to Pebble's root and the key matching it;
# else why not.
pair() {
	_c=$(fwstate "$1" cert.pem)
	_k=$(fwstate "$1" cert.key)
	_cn=$(openssl x509 -in "$_c" -noout -subject -nameopt multiline \
	    2>/dev/null | sed -n 's/^ *commonName *= *//p')
	REASON=
	if ! pebble_verify_chain "$_c" "$tmp/root.pem" "$1/chk" \
	    >/dev/null 2>&1; then
		echo "chain: ${REASON:-does not verify}"
	elif ! pebble_key_matches "$_c" "$_k"; then
		echo "cert.key does not match cert.pem"
	elif [ "$_cn" = "$NAME" ]; then
		echo old
	elif [ "$_cn" = "$NAME2" ]; then
		echo new
	else
		echo "CN '$_cn'"
	fi
}

renamed "$d" "$tmp/count"
t0=$(date +%s%N)
boot "$tmp/count" hostfwd
wall=$((($(date +%s%N) - t0) / 1000000))
rc=$(cat "$tmp/count/rc")
ops=$(sed -n 's/.*flash: \([0-9]*\) program and erase operations.*/\1/p' \
    "$tmp/count/uart.log" | tail -n 1)
p=$(pair "$tmp/count")
if [ "$rc" -eq 0 ] && [ "$p" = new ] && [ "${ops:-0}" -gt 0 ]; then
	ok "renewal-in-flash ($ops flash operations)"
else
	notok renewal-in-flash "exit $rc, pair '$p', ops '$ops'" \
	    "$tmp/count/uart.log"
	ops=0
fi

# Cut points: FIELD_CUTS of them spread over 1..ops (both ends included),
# or every operation; the tear cycles through none, head, tail, bits.
n=${FIELD_CUTS:-24}
[ "$n" -gt "$ops" ] && n=$ops
[ "$n" -lt 2 ] && [ "$ops" -ge 2 ] && n=2
i=0
cuts_old=0 cuts_new=0
while [ "$i" -lt "$n" ]; do
	k=1
	[ "$n" -gt 1 ] && k=$((1 + i * (ops - 1) / (n - 1)))
	case $((i % 4)) in
	0) tear= ;; 1) tear=head ;; 2) tear=tail ;; *) tear=bits ;;
	esac
	i=$((i + 1))
	c=$tmp/cut$i
	renamed "$d" "$c"
	echo "$k $tear" >"$c/fw/cut-at"
	boot "$c" hostfwd
	rc=$(cat "$c/rc")
	what="power-cut-at-operation-$k${tear:+-$tear}"
	if [ "$rc" -ne "$CUT_EXIT" ] ||
	    ! grep -q "flash: power cut at operation $k " "$c/uart.log"; then
		notok "$what" "exit $rc, not the planned cut" "$c/uart.log"
		continue
	fi
	before=$(pair "$c")
	if [ "$before" != old ] && [ "$before" != new ]; then
		notok "$what" "after the cut: $before" "$c/uart.log"
		continue
	fi
	# The next boot, a day later (past the backoff of a failed attempt).
	cp "$c/uart.log" "$c/cut.log"
	rm -f "$c/fw/cut-at"
	echo 86400 >"$tmp/sntp.offset"
	boot "$c" hostfwd
	: >"$tmp/sntp.offset"
	rc=$(cat "$c/rc")
	after=$(pair "$c")
	# After a cut past the pair's commit: no new order (a day on, the
	# CA's renewal window (ARI) may be asked for, which is not an order).
	if [ "$rc" -eq 0 ] && [ "$after" = new ] && { [ "$before" = old ] ||
	    ! grep -q 'POST .*/order-plz' "$c/uart.log"; }; then
		ok "$what ($before pair after the cut; next boot: new)"
		[ "$before" = old ] && cuts_old=$((cuts_old + 1))
		[ "$before" = new ] && cuts_new=$((cuts_new + 1))
	else
		notok "$what" "after the cut: $before; next boot: exit $rc," \
		    "pair $after" "$c/uart.log"
	fi
done
echo "# $n power cuts of $ops operations: old pair kept $cuts_old," \
    "new pair whole $cuts_new"

# The same with QEMU killed (SIGKILL) at a random moment of the renaming
# boot (uniform over the uncut renewal's wall time), FIELD_KILLS times
# (default 8), wherever that falls: before the first request, during the
# requests, in the flash, or after the exit.
KILLS=${FIELD_KILLS:-8}
seed=${FIELD_SEED:-$$}
j=0 k_before=0 k_during=0 k_after=0 k_done=0
while [ "$j" -lt "$KILLS" ]; do
	j=$((j + 1))
	ms=$(awk -v s="$seed" -v j="$j" -v w="$wall" \
	    'BEGIN { srand(s * 1000 + j); printf "%d", 50 + rand() * w }')
	c=$tmp/kill$j
	renamed "$d" "$c"
	SECS_SAVED=$SECS
	SECS=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
	FW_QEMU_SIGNAL=KILL boot "$c" hostfwd
	SECS=$SECS_SAVED
	rc=$(cat "$c/rc")
	if [ "$rc" -eq 0 ]; then
		k_done=$((k_done + 1))
	elif grep -q 'certificate stored' "$c/uart.log"; then
		k_after=$((k_after + 1))
	elif grep -q 'POST ' "$c/uart.log"; then
		k_during=$((k_during + 1))
	else
		k_before=$((k_before + 1))
	fi
	what="sigkill-after-${ms}ms"
	before=$(pair "$c")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 137 ]; then
		notok "$what" "exit $rc, want 137 (killed) or 0" "$c/uart.log"
		continue
	fi
	if [ "$before" != old ] && [ "$before" != new ]; then
		notok "$what" "after the kill: $before" "$c/uart.log"
		continue
	fi
	cp "$c/uart.log" "$c/kill.log"
	echo 86400 >"$tmp/sntp.offset"
	boot "$c" hostfwd
	: >"$tmp/sntp.offset"
	rc=$(cat "$c/rc")
	after=$(pair "$c")
	if [ "$rc" -eq 0 ] && [ "$after" = new ]; then
		ok "$what ($before pair after the kill; next boot: new)"
	else
		notok "$what" "after the kill: $before; next boot: exit $rc," \
		    "pair $after" "$c/uart.log"
	fi
done
echo "# $KILLS kills over ${wall} ms (seed $seed): $k_before before the first request," \
    "$k_during during the requests, $k_after after the pair was stored," \
    "$k_done after the exit"

# ---- clean failures (booted side by side) --------------------------------
rundir "$tmp/nxname" nx.field.test
rundir "$tmp/nontp" "" "$DEAF"
rundir "$tmp/oldntp" "" "$LIAR"
rundir "$tmp/noanchor" "" "" none
rundir "$tmp/ipurl" 10.0.2.2
for c in nxname nontp oldntp noanchor ipurl; do
	boot "$tmp/$c" &
	PIDS="$PIDS $!"
done
for c in nxname nontp oldntp noanchor ipurl; do
	while [ ! -s "$tmp/$c/rc" ]; do sleep 0.2; done
done

check_fail() {      # CASE DIR WANT_RC PATTERN
	rc=$(cat "$2/rc")
	if [ "$rc" -eq "$3" ] && grep -q "$4" "$2/uart.log"; then
		ok "$1 (exit $rc)"
	else
		notok "$1" "exit $rc, want $3 and '$4'" "$2/uart.log"
	fi
}
check_fail name-that-does-not-resolve "$tmp/nxname" 6 \
    "error: DNS: the host of https://nx.field.test:$PORT/dir did not resolve"
check_fail no-sntp-answer "$tmp/nontp" 114 \
    "no time: no answer from SNTP server $DEAF within"
check_fail sntp-time-before-the-floor "$tmp/oldntp" 114 \
    "no time: SNTP server $LIAR said 2001-09-09T01:46:40Z, before the floor"
check_fail server-under-no-anchor "$tmp/noanchor" 15 \
    'error: ACME_ERR_TLS'
check_fail server-by-ip-not-built-in "$tmp/ipurl" 11 \
    "10.0.2.2: an IP address as the server's host is not built in"

# ---- an ECDSA P-384 listener chain (as under ISRG Root X2) ---------------
# The other path of the public-CA profile, and its stack depth.
pebble_stop
if PEBBLE_CERT_KEY=p384 PEBBLE_CERT_NAMES=$ACME_HOST pebble_start \
    >/dev/null; then
	PORT=${PEBBLE_DIR_URL#https://127.0.0.1:}
	PORT=${PORT%%/*}
	rundir "$tmp/p384"
	boot "$tmp/p384" hostfwd
	rc=$(cat "$tmp/p384/rc")
	pk=$(grep -o 'stack peak [0-9]* of [0-9]*' "$tmp/p384/uart.log")
	if [ "$rc" -eq 0 ] && [ -s "$(fwstate "$tmp/p384" cert.pem)" ]; then
		ok "p384-listener-chain ($pk)"
	else
		notok p384-listener-chain "exit $rc" "$tmp/p384/uart.log"
	fi
	[ -n "${FW_QEMU_LOG:-}" ] && cat "$tmp/p384/uart.log" >>"$FW_QEMU_LOG"
else
	notok p384-listener-chain "Pebble did not start"
fi
finish
