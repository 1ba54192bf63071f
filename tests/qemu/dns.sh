#!/bin/sh
# DNS under QEMU, repeated: boot the field image N times in field.sh's
# network (private network and mount namespace, /etc/resolv.conf bind-
# mounted, a pebble-challtestsrv as the host's DNS server) and count the
# boots whose name resolved.  No Pebble: the config's url names
# acme.field.test on a closed port, so a boot that resolved fails later
# (TCP connect, exit != 6) and one that did not exits 6.
#
#   sh tests/qemu/dns.sh ELF [N]        prints one line a boot, then
#                                       "dns: R of N resolved in S s"
# Knobs (environment), for the experiments in docs/DESIGN.md 8c:
#   DNS_RESOLV     the resolv.conf text ("nameserver 127.0.0.1")
#   DNS_LISTEN     challtestsrv's -dns01 (127.0.0.1:53)
#   DNS_LOADDR=A   add address A to lo (a resolv.conf naming it)
#   DNS_RELAY=1    challtestsrv on 127.0.0.1:8053, a python relay on
#                  127.0.0.1:53 (the earlier trial's workaround)
#   DNS_DEFAULTS=1 challtestsrv's default answers (127.0.0.1, ::1)
#   DNS_WAIT=0     boot without waiting until the A record is in (it
#                  is added DNS_ADD_DELAY seconds later, 0)
#   DNS_PCAP=DIR   guest-side pcap per boot (QEMU filter-dump)
#   DNS_PROBE=1    a hostfwd, and connections to it every 20 ms (as
#                  field.sh's hold helper makes during the first boot)
#   DNS_PAR=K      boot K at once (1)
#   DNS_ICOUNT=0   no -icount shift=0
#   DNS_KEEP=1     keep the work directory (UARTs, logs)
# Exit status 0 when every boot resolved.  20 boots, DNS_PAR=2: ~95 s.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$HERE/lib.sh"

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 FIELD_ELF [N]" >&2
	exit 1
fi
ELF=$(cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")")
N=${2:-20}
FW_NETNS_MOUNT=1 fw_netns "$HERE/dns.sh" "$@" || exit 1

tmp=$(mktemp -d)
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${DNS_KEEP:-}" ] && { echo "kept $tmp"; return; }
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A reader that goes away (| head) must not leave the servers running.
trap 'exit 141' PIPE HUP

printf '%b' "${DNS_RESOLV:-nameserver 127.0.0.1\n}" >"$tmp/resolv.conf"
mount --bind "$tmp/resolv.conf" /etc/resolv.conf || exit 1

[ -n "${DNS_LOADDR:-}" ] && ip addr add "$DNS_LOADDR/32" dev lo
LISTEN=${DNS_LISTEN:-127.0.0.1:53}
[ "${DNS_RELAY:-0}" = 1 ] && LISTEN=127.0.0.1:8053
set -- -defaultIPv4 "" -defaultIPv6 ""
[ "${DNS_DEFAULTS:-0}" = 1 ] && set --
pebble-challtestsrv "$@" -dns01 "$LISTEN" \
    -http01 "" -https01 "" -tlsalpn01 "" -management 127.0.0.1:8055 \
    </dev/null >"$tmp/dns.log" 2>&1 &
PIDS="$PIDS $!"
if [ "${DNS_RELAY:-0}" = 1 ]; then
	python3 - >"$tmp/relay.log" 2>&1 <<'PY' &
import select, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True:
    q, peer = s.recvfrom(4096)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.sendto(q, ("127.0.0.1", 8053))
    if select.select([u], [], [], 2)[0]:
        s.sendto(u.recv(4096), peer)
    u.close()
PY
	PIDS="$PIDS $!"
fi
python3 "$ROOT/tests/tools/sntpd.py" 127.0.0.1 123 "$tmp/sntp.log" \
    --ready "$tmp/sntp.ready" </dev/null 2>"$tmp/sntp.err" &
PIDS="$PIDS $!"

add_a() {
	python3 -c '
import sys, urllib.request
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
r = urllib.request.Request("http://127.0.0.1:8055/add-a", method="POST",
    data=b"{\"host\":\"acme.field.test\",\"addresses\":[\"10.0.2.2\"]}")
sys.exit(0 if op.open(r, timeout=2).status == 200 else 1)' 2>/dev/null
}
if [ "${DNS_WAIT:-1}" = 1 ]; then
	i=0
	until [ -e "$tmp/sntp.ready" ] && add_a; do
		i=$((i + 1))
		[ "$i" -ge 100 ] && { echo "dns: setup failed"; exit 1; }
		sleep 0.1
	done
else
	(sleep "${DNS_ADD_DELAY:-0}"; until add_a; do sleep 0.05; done) &
fi

boot() {        # K
	b=$1
	d=$tmp/b$1
	mkdir -p "$d/fw"
	cat >"$d/fw/config" <<EOF
url=https://acme.field.test:9/dir
name=device.field.test
agree_tos=yes
ntp=10.0.2.2
EOF
	head -c 48 /dev/urandom >"$d/fw-seed.bin"
	set --
	[ -n "${DNS_PCAP:-}" ] && mkdir -p "$DNS_PCAP" &&
	    set -- -object "filter-dump,id=f,netdev=fwnet,file=$DNS_PCAP/b$b.pcap"
	if [ "${DNS_PROBE:-0}" = 1 ]; then
		# field.sh's hold helper: a connection to the hostfwd every
		# 20 ms until the guest's responder answers (it never does here)
		port=$((20000 + b))
		python3 -c '
import socket, sys, time
end = time.monotonic() + 30
while time.monotonic() < end:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
        s.sendall(b"GET / HTTP/1.1\r\n\r\n"); s.recv(100); s.close()
    except OSError:
        pass
    time.sleep(0.02)' "$port" &
		probe=$!
		export FW_HOSTFWD=tcp:127.0.0.1:$port-:$port
	fi
	t0=$(date +%s.%N)
	[ "${DNS_ICOUNT:-1}" = 1 ] && set -- -icount shift=0 "$@"
	fw_qemu "$d" 60 user "$ELF" "$@" >"$d/uart.log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	[ "${DNS_PROBE:-0}" = 1 ] && kill "$probe" 2>/dev/null
	if [ "$rc" -ne 6 ] && grep -q 'GET https://acme.field.test\|: connection failed after' "$d/uart.log"; then
		r=resolved
	else
		r="NOT-resolved: $(grep -a 'error' "$d/uart.log" | tail -n 1 | tr -d '\r')"
	fi
	printf 'boot %d: exit %d %.1fs %s\n' "$b" "$rc" \
	    "$(echo "$t1 - $t0" | bc)" "$r" | tee "$d/result"
}
start=$(date +%s)
k=1
while [ "$k" -le "$N" ]; do
	j=0 B=
	while [ "$j" -lt "${DNS_PAR:-1}" ] && [ "$k" -le "$N" ]; do
		boot "$k" &
		B="$B $!"
		k=$((k + 1)) j=$((j + 1))
	done
	for p in $B; do wait "$p"; done
done
ok=$(cat "$tmp"/b*/result | grep -c ' resolved$')
echo "dns: $ok of $N resolved in $(($(date +%s) - start)) s"
[ "$ok" -eq "$N" ]
