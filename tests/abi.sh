#!/bin/sh
# tests/abi.sh OBJ... -- an application compiled with other ACME_* limits
# than the library (OBJ: the library's core and port/posix objects, built
# with the defaults and sanitizers) must get ACME_ERR_ABI from acme_init()
# with both sizes named, and no out-of-bounds write (ASan); one built
# with the library's limits must not.  Prints "abi: N passed, N failed".
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CC=${CC:-cc}
FLAGS="-std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra
 -Werror -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer
 -fno-sanitize-recover=all -Icore -Iport"
pass=0 fail=0

# case NAME EXPECT DEFINES: build the app with DEFINES, run it.
case_() {
	name=$1 want=$2
	shift 2
	if ! $CC $FLAGS "$@" -o "$tmp/app" tests/abi/abi_app.c $OBJS \
	    -lbearssl -pthread >"$tmp/cc.log" 2>&1; then
		cat "$tmp/cc.log"
		echo "case $name: does not build"
		fail=$((fail + 1))
		return
	fi
	"$tmp/app" "$want" >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	if [ $rc -eq 0 ] && ! grep -q 'Sanitizer' "$tmp/out"; then
		echo "case $name: passed"
		pass=$((pass + 1))
	else
		echo "case $name: FAILED (exit $rc)"
		fail=$((fail + 1))
	fi
}

OBJS="$*"
case_ "the library's limits" ok
case_ "a smaller response window" abi -DACME_MAX_RESPONSE=1024
case_ "a larger response window" abi -DACME_MAX_RESPONSE=65536
case_ "fewer names (smaller struct)" abi -DACME_MAX_IDENTIFIERS=1
# The same size, another layout (48 bytes moved from the problem details
# to the problem types): only the stamp of the limits tells.
case_ "the same size, another layout" abi -DACME_MAX_PROBLEM_TYPE=120 \
    -DACME_MAX_PROBLEM_DETAIL=240
# A limit that shapes no struct but the library enforces (the chain).
case_ "another chain bound (same size and layout)" abi -DACME_MAX_CHAIN=4096
echo "abi: $pass passed, $fail failed"
[ $fail -eq 0 ]
