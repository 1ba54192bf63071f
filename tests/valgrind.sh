#!/bin/sh
# The Pebble integration test (tests/pebble/run.sh, every case) with each
# run of the host binary (no sanitizers) under valgrind's memcheck: no
# invalid read or write, no use of an uninitialised value, no definite
# leak.  Every run writes its own log (quiet: empty when clean); any
# non-empty log fails.  A self-test first proves the same options catch
# a seeded error.  Prints "valgrind: N passed, N failed".  DESIGN.md
# section 9.
#   sh tests/valgrind.sh build/host/picoacme
set -u
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: sh tests/valgrind.sh build/host/picoacme" >&2
	exit 2
fi
BIN=$1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/logs"

VG="valgrind -q --error-exitcode=99 --leak-check=full"
VG="$VG --errors-for-leak-kinds=definite"

# The binary run.sh sees: picoacme under valgrind, one log per process.
wrap() {
	cat >"$2" <<EOF
#!/bin/sh
exec $VG --log-file=$tmp/logs/log.%p $1 "\$@"
EOF
	chmod +x "$2"
}

# Self-test: a read past a heap block and a definite leak.
cat >"$tmp/seeded.c" <<'EOF'
#include <stdlib.h>
static char *
seeded_leak(void)
{
	char *p = malloc(4);
	char r = p[4];

	p = malloc(8);
	p[0] = r;
	return NULL;
}
int
main(void)
{
	return seeded_leak() != NULL;
}
EOF
if cc -O0 -g -o "$tmp/seeded" "$tmp/seeded.c" 2>"$tmp/cc.err"; then
	wrap "$tmp/seeded" "$tmp/seeded.sh"
	"$tmp/seeded.sh"
	rc=$?
	if [ "$rc" -eq 99 ] && grep -q 'Invalid read' "$tmp"/logs/log.* &&
	    grep -q 'definitely lost' "$tmp"/logs/log.*; then
		echo "ok - valgrind-selftest"
		pass=$((pass + 1))
	else
		echo "not ok - valgrind-selftest: the seeded errors went unreported (exit $rc)"
		fail=$((fail + 1))
	fi
else
	echo "not ok - valgrind-selftest: cannot compile: $(head -n 1 "$tmp/cc.err")"
	fail=$((fail + 1))
fi
rm -f "$tmp"/logs/log.*

wrap "$BIN" "$tmp/picoacme"
if sh tests/pebble/run.sh "$tmp/picoacme" >"$tmp/run.out" 2>&1; then
	echo "ok - integration-under-valgrind"
	pass=$((pass + 1))
else
	echo "not ok - integration-under-valgrind"
	grep -v '^ok' "$tmp/run.out" | sed 's/^/#   /'
	fail=$((fail + 1))
fi
runs=$(ls "$tmp"/logs | wc -l)
bad=0
for l in "$tmp"/logs/log.*; do
	[ -s "$l" ] || continue
	bad=$((bad + 1))
	sed 's/^/#   /' "$l" | head -n 40
done
if [ "$runs" -eq 0 ]; then
	echo "not ok - memcheck-clean: no run of $BIN under valgrind"
	fail=$((fail + 1))
elif [ "$bad" -gt 0 ]; then
	echo "not ok - memcheck-clean: $bad of $runs runs with errors"
	fail=$((fail + 1))
else
	echo "ok - memcheck-clean"
	echo "#   $runs runs of picoacme, no memcheck error"
	pass=$((pass + 1))
fi
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
