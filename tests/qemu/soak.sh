#!/bin/sh
# The device over time (make test): the lab image renews its certificate
# many times in one boot (fw/config "renewals=N", app_main.c soak()), as a
# device that runs for years without a reboot, and prints lwIP's heap and
# pools and its stack peak after each renewal (app_soak.h).  Then the CA
# goes away in the middle of a renewal and comes back.
#
#   boot: acme_ensure() (a new account and a certificate), then
#   renewals 1..N-2   forced renewals through the library, nothing cut
#   renewal N-1       Pebble is killed (SIGKILL) as soon as the firmware has
#                     its challenge; the renewal must fail cleanly, then
#                     Pebble is restarted (same address and listener
#                     certificate, nothing else: accounts and orders gone)
#                     and fw/resume tells the firmware
#   renewal N         must succeed (it registers again: accountDoesNotExist)
#
# Checks: every "mem" line, the failed renewal's too, equals the baseline
# printed before the first issuance: the heap's bytes and every pool's
# elements in use, except that a TCP PCB in TIME_WAIT (2 MSL, two minutes)
# is still in use, and lwIP's TCP timer holds one SYS_TIMEOUT element
# while any PCB exists; the stack peak stays inside its region and does
# not move after the first renewal; the last clean renewal costs what the
# first did (requests less badNonce retries within one poll; the guest
# instructions of the first and the last renewal that did the same work
# within 3 %); the stored pair matches and chains to the restarted Pebble's
# root.
#   sh tests/qemu/soak.sh ELF      (SOAK_RENEWALS=N, default 22, at least 3;
#                                   SOAK_KEEP=1 keeps the run directory)
# ends with "soak: N passed, N failed".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$HERE/lib.sh"

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 ELF" >&2
	echo "soak: 0 passed, 1 failed"
	exit 2
fi
ELF=$(cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")")
N=${SOAK_RENEWALS:-22}
[ "$N" -ge 3 ] || { echo "soak: SOAK_RENEWALS must be at least 3"; exit 2; }
CUT=$((N - 1))
LAST=$((N - 2))

if ! fw_netns "$HERE/soak.sh" "$@"; then
	echo "soak: cannot make a network namespace; this test needs one"
	echo "soak: 0 passed, 1 failed"
	exit 1
fi

pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() {
	echo "not ok - $1: $2"
	fail=$((fail + 1))
	[ -n "${3:-}" ] && [ -f "$3" ] && tail -n 25 "$3" | sed 's/^/    | /'
}
finish() {
	echo "soak: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

# shellcheck source=tests/pebble/pebble.sh
. "$ROOT/tests/pebble/pebble.sh"
tmp=$(mktemp -d)
qpid=
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; pebble_stop; [ "${SOAK_KEEP:-0}" = 1 ] && echo "soak: kept $tmp" || rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Every renewal validates (Pebble reuses a valid authorization half the
# time by default: a cheaper renewal, and no challenge to cut at).
PEBBLE_AUTHZREUSE=0 PEBBLE_CERT_ADDRS=10.0.2.2 pebble_start "${FW_PEBBLE_REJECT:-5}" >/dev/null ||
    { notok soak-pebble "Pebble did not start"; finish; }
PORT=${PEBBLE_DIR_URL#https://127.0.0.1:}
PORT=${PORT%%/*}

d=$tmp/run
mkdir -p "$d/fw"
cat >"$d/fw/config" <<EOF
url=https://10.0.2.2:$PORT/dir
name=soak.picoacme.test
http_port=$PEBBLE_HTTP_PORT
agree_tos=yes
renewals=$N
EOF
cp "$PEBBLE_CA" "$d/fw/ca.pem"
head -c 48 /dev/urandom >"$d/fw-seed.bin"
log=$d/uart.log

# Each renewal takes about a second of QEMU; the bound is generous.
SECS=${FW_QEMU_TIMEOUT:-$((120 + N * 15))}
FW_HOSTFWD="tcp:127.0.0.1:$PEBBLE_HTTP_PORT-:$PEBBLE_HTTP_PORT" \
    fw_qemu "$d" "$SECS" user "$ELF" -icount shift=0 >"$log" 2>&1 &
qpid=$!

# Wait (at most $2 seconds) for a UART line matching the regex $1 after
# line $3 (0: anywhere); prints its line number.
wait_line() {
	_i=0
	while [ "$_i" -lt $(($2 * 10)) ]; do
		_n=$(awk -v from="${3:-0}" -v re="$1" \
		    'NR > from && $0 ~ re { print NR; exit }' "$log")
		[ -n "$_n" ] && { echo "$_n"; return 0; }
		kill -0 "$qpid" 2>/dev/null || return 1
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# ---- the cut: the CA dies once renewal CUT has its challenge ------------
start=$(wait_line "renewal $CUT of $N: start" "$SECS") &&
    chal=$(wait_line "challenge http-01 for" 60 "$start")
if [ -n "${chal:-}" ]; then
	pebble_kill
	ok "cut-pebble-killed-mid-renewal (renewal $CUT, UART line $chal)"
	if wait_line "renewal $CUT: error" 120 "$chal" >/dev/null; then
		ok "cut-renewal-fails-cleanly ($(sed -n \
		    "s/^picoacme-fw: renewal $CUT: error \([^ ]*\).*/\1/p" \
		    "$log" | tr -d '\r'))"
	else
		notok cut-renewal-fails-cleanly "no error line for renewal $CUT" \
		    "$log"
	fi
	if pebble_restart >/dev/null 2>&1; then
		: >"$d/fw/resume"
	else
		notok cut-pebble-restarts "Pebble did not come back"
	fi
else
	notok cut-pebble-killed-mid-renewal "renewal $CUT never reached its" \
	    "challenge" "$log"
fi
wait "$qpid"
rc=$?
qpid=
tr -d '\r' <"$log" >"$d/uart.txt"
log=$d/uart.txt

if [ "$rc" -eq 0 ] && grep -q "^picoacme-fw: renewal $N: ok" "$log"; then
	ok "recovers-on-the-next-attempt (renewal $N, exit 0)"
else
	notok recovers-on-the-next-attempt "exit $rc (124 = timeout after" \
	    "${SECS}s)" "$log"
fi
nok=$(grep -c '^picoacme-fw: renewal [0-9]*: ok' "$log")
if [ "$nok" -eq $((N - 1)) ] && grep -q "^picoacme-fw: renewal $LAST: ok" \
    "$log"; then
	ok "renewals-in-one-boot ($nok of $N ok, 1 cut)"
else
	notok renewals-in-one-boot "$nok of $N renewals ok" "$log"
fi

# ---- memory: every line back at the baseline ----------------------------
# A "mem" line as "label|heap|pool=n ...|active|time_wait|peak|size".
memtab() {
	sed -n 's/^picoacme-fw: mem \(.*\): heap \([0-9]*\) (peak [0-9]* of [0-9]*) pools \(.*\) tcp active=\([0-9]*\) time_wait=\([0-9]*\) stack \([0-9]*\) of \([0-9]*\)$/\1|\2|\3|\4|\5|\6|\7/p' "$log"
}
memtab >"$d/mem.txt"
nmem=$(wc -l <"$d/mem.txt")
base=$(grep '^baseline|' "$d/mem.txt")
if [ "$nmem" -eq $((N + 2)) ] && [ -n "$base" ]; then
	ok "memory-printed ($nmem lines: baseline, boot, $N renewals)"
else
	notok memory-printed "$nmem mem lines, want $((N + 2))" "$log"
fi
echo "# baseline: $base"
# Compare each line with the baseline, the TIME_WAIT allowance applied.
leaks=$(awk -F'|' '
	function pools(s, a,   n, i, kv) {
		n = split(s, kv, " ")
		for (i = 1; i <= n; i++) { split(kv[i], p, "="); a[p[1]] = p[2] }
	}
	NR == 1 { bheap = $2; pools($3, b); next }
	{
		delete u; pools($3, u)
		u["TCP_PCB"] -= $5
		if ($4 + $5 > 0 && b["SYS_TIMEOUT"] == u["SYS_TIMEOUT"] - 1)
			u["SYS_TIMEOUT"]--
		why = ""
		if ($2 != bheap) why = why " heap " $2 "/" bheap
		for (k in b) if (u[k] != b[k]) why = why " " k " " u[k] "/" b[k]
		if ($4 != 0) why = why " active " $4
		if (why != "") print $1 ":" why
	}' "$d/mem.txt")
if [ -n "$base" ] && [ "$nmem" -gt 1 ] && [ -z "$leaks" ]; then
	ok "lwip-memory-back-to-baseline (heap, every pool, after each of" \
	    "$((nmem - 1)) issuances)"
else
	notok lwip-memory-back-to-baseline "$(echo "$leaks" | head -n 5)" "$log"
fi
grep "after renewal $CUT|" "$d/mem.txt" | sed 's/^/# after the cut: /'

# ---- the stack: inside its region, steady after the first renewal -------
s1=$(awk -F'|' '$1 == "after renewal 1" { print $6 }' "$d/mem.txt")
sl=$(awk -F'|' -v l="after renewal $LAST" '$1 == l { print $6 }' "$d/mem.txt")
size=$(awk -F'|' 'END { print $7 }' "$d/mem.txt")
over=$(awk -F'|' '$6 >= $7 { print $1 }' "$d/mem.txt")
if [ -n "$s1" ] && [ -n "$sl" ] && [ -z "$over" ] && [ "$s1" -eq "$sl" ]; then
	ok "stack-peak-steady ($s1 of $size bytes after renewal 1 and $LAST)"
else
	notok stack-peak-steady "after renewal 1 '$s1', $LAST '$sl' of" \
	    "'$size'; over: $over" "$log"
fi

# ---- cost: the last clean renewal as the first ---------------------------
# "N requests badnonce busy" per ok renewal, in order.
sed -n 's/^picoacme-fw: renewal \([0-9]*\): ok requests=\([0-9]*\) badnonce_retries=\([0-9]*\) handshakes=[0-9]* busy_us=\([0-9]*\).*/\1 \2 \3 \4/p' \
    "$log" >"$d/cost.txt"
# The work varies a little from renewal to renewal: a badNonce retry or
# one more poll (about 15 million instructions per request).  So the
# instructions are compared between renewals that did the same work: of
# the renewals without a badNonce retry, the largest group with the same
# number of requests; its first and its last member.
verdict=$(awk -v last="$LAST" '
	$1 <= last { r[$1] = $2 - $3; b[$1] = $4
		if ($3 == 0) { n[$2]++; if (!($2 in first)) first[$2] = $1
			lastof[$2] = $1 } }
	END {
		if (!(1 in b) || !(last in b)) { print "bad: missing"; exit }
		best = ""
		for (q in n) if (best == "" || n[q] > n[best]) best = q
		bad = ""
		if (r[last] > r[1] + 1 || r[last] < r[1] - 1)
			bad = bad " requests"
		if (best == "" || n[best] < 2 || lastof[best] - first[best] < last / 2)
			bad = bad " no-comparable-renewals"
		else {
			x = b[first[best]]; y = b[lastof[best]]
			if (y > x * 1.03 || y < x * 0.97) bad = bad " instructions"
		}
		printf "%s|%d %d|%d %d|%s %d %d %d %s000 %s000\n", \
		    bad == "" ? "ok" : "bad:" bad, r[1], r[last], b[1], \
		    b[last], best, n[best], first[best], lastof[best], \
		    b[first[best]], b[lastof[best]]
	}' "$d/cost.txt")
IFS='|' read -r v reqs instr same <<EOF
$verdict
EOF
# same: "REQUESTS COUNT FIRST LAST INSTR_FIRST INSTR_LAST"
# shellcheck disable=SC2086 # split on purpose
set -- $same
if [ "$v" = ok ]; then
	ok "last-renewal-costs-the-same (renewals $3 and $4, both $1 requests:" \
	    "$5 and $6 guest instructions)"
else
	notok last-renewal-costs-the-same "$v: requests less badNonce" \
	    "$reqs, thousand instructions $instr, alike: $same" "$d/cost.txt"
fi
echo "# renewal 1: ${reqs% *} requests (less badNonce retries)," \
    "${instr% *}000 guest instructions; renewal $LAST: ${reqs#* }," \
    "${instr#* }000; $2 renewals with $1 requests and no badNonce retry"

# ---- the pair the device keeps --------------------------------------------
gen=$(cat "$d/fw/state-gen" 2>/dev/null)
CERT=$d/fw/state-cert.pem.$gen KEY=$d/fw/state-cert.key.$gen
pebble_root "$tmp/root.pem" >/dev/null 2>&1
if [ -n "$gen" ] && pebble_key_matches "$CERT" "$KEY" &&
    pebble_verify_chain "$CERT" "$tmp/root.pem" "$tmp/chk"; then
	ok "stored-pair-matches-and-chains (generation $gen, restarted Pebble)"
else
	notok stored-pair-matches-and-chains "generation '$gen': ${REASON:-}"
fi
finish
