#!/bin/sh
# Board bring-up test for qemu-mps2-an385: the smoke firmware boots, gets
# 10.0.2.15 by DHCP and talks TCP to a listener on the host's loopback;
# the failure paths exit with their codes.  Runs in a private network
# namespace (nothing leaves the machine).
#   sh tests/qemu/smoke.sh TEST_ELF [HW_ELF]
# TEST_ELF is the FW_TEST=1 build, HW_ELF the FW_TEST=0 one (must refuse
# to run without its board hooks).  Ends with "smoke: N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$HERE/lib.sh"

if [ $# -lt 1 ]; then
	echo "usage: $0 TEST_ELF [HW_ELF]" >&2
	exit 2
fi
abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
ELF=$(abspath "$1")
HW=${2:+$(abspath "$2")}

if ! fw_netns "$HERE/smoke.sh" "$ELF" ${HW:+"$HW"}; then
	echo "smoke: 0 passed, 1 failed"
	exit 1
fi

PORT=18555
BULK=100000
pass=0 fail=0
tmp=$(mktemp -d)
lpid=
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "  ok   $1"; pass=$((pass + 1)); }
bad() {
	echo "  FAIL $1"
	[ -f "$2" ] && sed 's/^/       | /' "$2"
	fail=$((fail + 1))
}

# A directory for one run: a fresh 48-byte seed unless told otherwise.
rundir() {
	d=$tmp/$1
	mkdir -p "$d"
	head -c "${2:-48}" /dev/urandom >"$d/fw-seed.bin"
	echo "$PORT" >"$d/smoke-port"
	echo "$d"
}

# One connection: read a line, answer "ok N", send N bytes of the pattern,
# read N bytes back until EOF; write the line and the verdict on the bulk
# data ("bulk-ok" or "bulk-bad LEN") to the file $1.
listener() {
	python3 - "$PORT" "$1" "$BULK" <<'PY' &
import socket, sys
port, out, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pat = bytes(((i + (i >> 8) + (i >> 16)) & 0xff) for i in range(n))
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(1)
open(out + ".ready", "w").close()
s.settimeout(60)
c, _ = s.accept()
c.settimeout(60)
line = b""
while b"\n" not in line:
    d = c.recv(256)
    if not d:
        break
    line += d
c.sendall(b"ok %d\n" % n)
c.sendall(pat)
back = b""
while True:
    d = c.recv(65536)
    if not d:
        break
    back += d
c.close()
verdict = b"bulk-ok\n" if back == pat else b"bulk-bad %d\n" % len(back)
open(out, "wb").write(line + verdict)
PY
	lpid=$!
	i=0
	while [ ! -f "$1.ready" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# expect NAME CODE LOG DIR SECS NET ELF: run and compare the exit code.
run() {
	name=$1 want=$2 log=$3 dir=$4 secs=$5 net=$6 elf=$7
	t0=$(date +%s.%N)
	fw_qemu "$dir" "$secs" "$net" "$elf" >"$log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	dt=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
	if [ "$rc" -eq "$want" ]; then
		ok "$name: exit $rc (${dt} s)"
		return 0
	fi
	bad "$name: exit $rc, want $want (${dt} s)" "$log"
	return 1
}

has() {
	if grep -q "$2" "$3"; then
		ok "$1"
	else
		bad "$1: no \"$2\" in the output" "$3"
	fi
}

echo "smoke: $ELF"

# 1. The whole path: DHCP, TCP to 10.0.2.2, hello, the reply, bulk data
#    both ways, close.
d=$(rundir net)
listener "$tmp/got"
if run "dhcp+tcp" 0 "$tmp/net.log" "$d" 60 user "$ELF"; then
	has "lease 10.0.2.15" "net: address 10.0.2.15" "$tmp/net.log"
	has "reply received" "smoke: reply: ok $BULK" "$tmp/net.log"
	has "bulk data in checked" "smoke: bulk in: $BULK bytes checked" \
	    "$tmp/net.log"
fi
has "banner names the test sources" "TEST BUILD: time from host" "$tmp/net.log"
i=0
while kill -0 "$lpid" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$lpid" 2>/dev/null
lpid=
if [ -f "$tmp/got" ] && [ "$(sed -n 1p "$tmp/got")" = hello ] &&
    [ "$(head -c 6 "$tmp/got" | od -An -c | tr -d ' ')" = 'hello\n' ]; then
	ok "listener got hello and a newline"
else
	bad "listener did not get hello and a newline" "$tmp/got"
fi
if [ -f "$tmp/got" ] && [ "$(sed -n 2p "$tmp/got")" = bulk-ok ]; then
	ok "listener got the $BULK bytes back intact"
else
	bad "bulk data back: $(sed -n 2p "$tmp/got" 2>/dev/null)" "$tmp/got"
fi

# 2. Nobody listening: the host refuses, the firmware says so.
d=$(rundir refused)
echo $((PORT + 1)) >"$d/smoke-port"
run "connection refused" 4 "$tmp/refused.log" "$d" 60 user "$ELF"

# 3. No seed file, or too short a seed: no entropy, no run.
d=$(rundir noseed)
rm -f "$d/fw-seed.bin"
run "no seed file" 113 "$tmp/noseed.log" "$d" 60 none "$ELF"
d=$(rundir shortseed 16)
run "16-byte seed" 113 "$tmp/shortseed.log" "$d" 60 none "$ELF"

# 4. No network: DHCP gives up after 10 s of sys_now().
d=$(rundir nonet)
run "DHCP timeout" 1 "$tmp/nonet.log" "$d" 60 none "$ELF"

# 5. Faults are reported with their own codes: an undefined instruction
#    (HardFault, registers printed), a thread stack overflow (MPU guard).
d=$(rundir udf)
echo udf >"$d/smoke-fault"
run "HardFault reported" 110 "$tmp/udf.log" "$d" 60 none "$ELF" &&
    has "HardFault registers" "CFSR=0x" "$tmp/udf.log"
d=$(rundir stack)
echo stack >"$d/smoke-fault"
run "stack overflow caught" 116 "$tmp/stack.log" "$d" 60 none "$ELF"

# 6. The hardware build ignores the seed file and refuses to run without
#    board_trng_read().
if [ -n "$HW" ]; then
	d=$(rundir hw)
	run "hardware build refuses" 113 "$tmp/hw.log" "$d" 60 none "$HW"
	has "hardware banner" "hardware build: time from board_rtc" \
	    "$tmp/hw.log"
fi

echo "smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
