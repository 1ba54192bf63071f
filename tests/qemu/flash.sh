#!/bin/sh
# The flash store under power cuts on the Cortex-M3 (make test): the
# flashtest image (boards/qemu-mps2-an385/flashtest.c) keeps its blobs in
# port/flash/store_flash.c on the board's emulated NOR, the host file
# fw/flash.bin (flash_semihost.c: program ANDs, erase writes 0xFF, a unit
# programmed twice stops the machine with 91).  Each boot checks what the
# store holds (the verdict), then renews: state "attempt N", the pair of
# generation N (cert.key, cert.pem of 5 to 8 KB in pieces) committed,
# state "done N".  fw/cut-at makes the emulation stop the machine (exit 90)
# at its k-th program or erase, cleanly or torn (head, tail, bits).
#
# Series:
#   first boot  a fresh part each time, cut at operation k = 1, 2, 3 ...
#               until a boot finishes uncut (the account's stores and
#               the first renewal), each cut checked by an uncut boot;
#   renewal     each boot checks what the boot before it left and is cut
#               at the next k: every operation of a renewal, cleanly,
#               then torn (head, tail, bits in turn).
# After every cut the next boot must find a whole, matching pair, no step
# that the cut boot reported done undone (its "(op N)" lines), no
# generation skipped, and the account kept.  Then: renewals in a row
# uncut, a garbage part, the newest record damaged (the older set must
# be found), a file of the wrong size, and the emulation's own check (a
# unit programmed twice).  No network (QEMU -nic none).
#   sh tests/qemu/flash.sh ELF
# FLASH_MAX_CUTS=N stops each series after N cuts (default 400);
# FLASH_KEEP=1 keeps the run directory (its path is printed).
# Ends with "flash: N passed, N failed" (cases: each cut point of a
# series, and each other check) after "flash: N cut points (M torn), B
# broken".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$HERE/lib.sh"

if [ $# -lt 1 ]; then
	echo "usage: $0 ELF" >&2
	exit 2
fi
ELF=$(cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")")
CUT=90
ILLEGAL=91
MAX_CUTS=${FLASH_MAX_CUTS:-400}  # a renewal is about 100 operations

pass=0 fail=0 cuts=0 torn=0 broken=0
tmp=$(mktemp -d)
trap '[ -n "${FLASH_KEEP:-}" ] || rm -rf "$tmp"' EXIT
[ -n "${FLASH_KEEP:-}" ] && echo "flash: keeping $tmp"
dir=$tmp/run
mkdir -p "$dir/fw"
head -c 48 /dev/urandom >"$dir/fw-seed.bin"

ok() { pass=$((pass + 1)); [ -n "${2:-}" ] || echo "  ok   $1"; }
bad() {
	echo "  FAIL $1"
	[ -f "${2:-}" ] && sed 's/^/       | /' "$2"
	fail=$((fail + 1))
}

# boot LOG [CUT]: one boot, cut at operation CUT ("N" or "N head" ...)
# when given; sets rc.
boot() {
	if [ -n "${2:-}" ]; then
		echo "$2" >"$dir/fw/cut-at"
	else
		rm -f "$dir/fw/cut-at"
	fi
	fw_qemu "$dir" 30 none "$ELF" >"$1.raw" 2>&1
	rc=$?
	tr -d '\r' <"$1.raw" >"$1"     # the UART ends lines with CR LF
}

# What a boot's log says: the found line's fields, and the last step it
# reported done.
field() { sed -n "s/^flashtest: found .*$1=\([^ ]*\).*/\1/p" "$2"; }
found_state() {
	sed -n 's/^flashtest: found .*state=\([a-z]* *[0-9]*\) slot=.*/\1/p' \
	    "$1"
}
last_step() {
	op=' (op [0-9]*)$'
	sed -n -e "s/^flashtest: \\(account stored\\)$op/\\1/p" \
	    -e "s/^flashtest: \\(state [a-z]* [0-9]*\\) stored$op/\\1/p" \
	    -e "s/^flashtest: \\(pair [0-9]* committed\\)$op/\\1/p" \
	    "$1" | tail -n 1
}

# check PREV_LOG LOG: LOG's boot found what PREV_LOG's boot left.  Prints
# why not, returns 1.
check() {
	if ! grep -q '^flashtest: verdict ok' "$2"; then
		grep '^flashtest: verdict' "$2" || echo "no verdict"
		return 1
	fi
	pp=$(field pair "$1") np=$(field pair "$2")
	pa=$(field account "$1") na=$(field account "$2")
	ns=$(found_state "$2")
	step=$(last_step "$1")
	if [ "$pa" = ok ] && [ "$na" != ok ]; then
		echo "the account was lost"
		return 1
	fi
	if [ "$np" -lt "$pp" ] || [ "$np" -gt $((pp + 1)) ]; then
		echo "pair $np after pair $pp"
		return 1
	fi
	case $step in
	"account stored")
		[ "$na" = ok ] ||
		    { echo "account stored, then not found"; return 1; } ;;
	"state attempt "*)
		g=${step#state attempt }
		[ "$ns" = "attempt $g" ] || [ "$ns" = "done $g" ] ||
		    { echo "$step reported, then state $ns"; return 1; } ;;
	"pair "*)
		g=${step#pair }
		g=${g% committed}
		[ "$np" = "$g" ] ||
		    { echo "$step reported, then pair $np"; return 1; } ;;
	"state done "*)
		g=${step#state done }
		[ "$ns" = "done $g" ] && [ "$np" = "$g" ] || {
			echo "$step reported, then pair $np state $ns"
			return 1
		} ;;
	esac
	return 0
}

# series NAME FRESH TEARS...: boots cut at operation k = 1, 2, ... (the
# tears in turn, "" for clean) until one finishes uncut.  FRESH=1: every
# cut boot starts on a fresh part (the first boot) and an uncut boot
# checks what it left; FRESH=0: each boot checks what the cut boot before
# it left and is cut itself (renewals, one after another).
series() {
	name=$1 fresh=$2
	shift 2
	k=1 b0=$broken prev=$tmp/prev.log
	boot "$prev"
	if [ "$rc" -ne 0 ] || ! grep -q '^flashtest: verdict ok' "$prev"; then
		bad "$name: the first boot (exit $rc)" "$prev"
		return
	fi
	while [ $k -le $MAX_CUTS ]; do
		n=$(( (k - 1) % $# + 1 ))
		eval "tear=\${$n}"
		if [ "$fresh" = 1 ]; then
			rm -f "$dir/fw/flash.bin"
			boot "$prev" "$k${tear:+ $tear}"
			crc=$rc
			boot "$tmp/next.log"
			nrc=$rc
		else
			boot "$tmp/next.log" "$k${tear:+ $tear}"
			nrc=$rc
			[ "$rc" -eq $CUT ] && nrc=0
			crc=$rc
		fi
		if [ "$crc" -ne $CUT ] && [ "$crc" -ne 0 ]; then
			[ "$fresh" = 1 ] || cp "$tmp/next.log" "$prev"
			bad "$name: cut at $k ${tear:-clean}: exit $crc" "$prev"
			broken=$((broken + 1))
			return
		fi
		why=$(check "$prev" "$tmp/next.log")
		if [ "$nrc" -ne 0 ] || [ -n "$why" ]; then
			msg="$name: cut at $((k - 1 + fresh)): exit $nrc; $why"
			bad "$msg" "$tmp/next.log"
			sed -n 's/^/       before | /p' "$prev"
			broken=$((broken + 1))
		else
			ok "$name: cut at $k" quiet
		fi
		cp "$tmp/next.log" "$prev"
		if [ "$crc" -eq 0 ]; then
			[ "$fresh" = 1 ] && break
			# the boot that was not cut, checked by one more
			boot "$tmp/next.log"
			why=$(check "$prev" "$tmp/next.log")
			[ "$rc" -eq 0 ] && [ -z "$why" ] || {
				bad "$name: after the last: $why" \
				    "$tmp/next.log"
				broken=$((broken + 1))
			}
			break
		fi
		cuts=$((cuts + 1))
		[ -n "$tear" ] && torn=$((torn + 1))
		k=$((k + 1))
	done
	if [ $broken -eq $b0 ]; then
		echo "  ok   $name: $((k - 1)) cut points, 0 broken"
	else
		echo "  FAIL $name: $((k - 1)) cut points," \
		    "$((broken - b0)) broken"
	fi
}

echo "flash: $ELF"

# The emulation refuses a unit programmed twice.
echo 1 >"$dir/fw/selftest"
boot "$tmp/self.log"
rm -f "$dir/fw/selftest" "$dir/fw/flash.bin"
if [ "$rc" -eq $ILLEGAL ] && grep -q 'ILLEGAL program' "$tmp/self.log"; then
	ok "the emulation stops a program over programmed data (exit $rc)"
else
	bad "the emulation let a unit be programmed twice (exit $rc)" \
	    "$tmp/self.log"
fi

# Every operation of a first boot and of renewals, cut cleanly, then torn.
series "first boot" 1 "" head "" tail "" bits
series "renewal, clean cuts" 0 ""
series "renewal, torn cuts" 0 head tail bits

# Renewals uncut, one after another: each boot finds what the last left.
boot "$tmp/prev.log"
why=
for i in 1 2 3 4; do
	boot "$tmp/next.log"
	[ "$rc" -eq 0 ] || why="exit $rc"
	[ -n "$why" ] || why=$(check "$tmp/prev.log" "$tmp/next.log")
	[ -n "$why" ] && break
	cp "$tmp/next.log" "$tmp/prev.log"
done
if [ -z "$why" ]; then
	ok "four renewals in a row, each found by the next boot"
else
	bad "renewals in a row: $why" "$tmp/next.log"
fi

# Garbage: the store finds nothing and starts over.
head -c "$(wc -c <"$dir/fw/flash.bin")" /dev/urandom >"$dir/fw/flash.bin"
boot "$tmp/garbage.log"
boot "$tmp/garbage2.log"
if [ "$(field pair "$tmp/garbage.log")" = 0 ] && [ "$rc" -eq 0 ] &&
    [ "$(field pair "$tmp/garbage2.log")" = 1 ]; then
	ok "a garbage part: nothing found, then a set written and found"
else
	bad "a garbage part (exit $rc)" "$tmp/garbage2.log"
fi

# The newest record damaged: the older slot's set is found.  After a
# renewal that is the pair's commit: pair N, state "attempt N".
boot "$tmp/before.log"
slot=$(field slot "$tmp/before.log")
size=$(wc -c <"$dir/fw/flash.bin")
python3 -c '
import sys
f, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(f, "rb").read())
b[off] ^= 1
open(f, "wb").write(b)' "$dir/fw/flash.bin" \
    $(( (1 - slot) * (size / 2 / 4096 * 4096) + 4 ))
boot "$tmp/damaged.log"
g=$(field pair "$tmp/before.log")
g=$((g + 1))
if [ "$rc" -eq 0 ] && [ "$(field pair "$tmp/damaged.log")" = "$g" ] &&
    [ "$(found_state "$tmp/damaged.log")" = "attempt $g" ] &&
    [ "$(field slot "$tmp/damaged.log")" = "$slot" ]; then
	ok "the newest record damaged: the older set (pair $g, attempt $g)"
else
	bad "the newest record damaged (exit $rc)" "$tmp/damaged.log"
fi

# A part of the wrong size is refused.
head -c 1000 /dev/zero >"$dir/fw/flash.bin"
boot "$tmp/size.log"
if [ "$rc" -eq 2 ]; then
	ok "a flash file of the wrong size: exit 2"
else
	bad "a flash file of the wrong size: exit $rc" "$tmp/size.log"
fi

echo "flash: $cuts cut points ($torn torn), $broken broken"
echo "flash: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
