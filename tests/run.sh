#!/bin/sh
# The test driver behind `make test`.  Each suite prints a line
# "NAME: N passed, N failed" counting its test cases (scenarios, table
# rows: not assertions); unit suites add "(M checks)", the assertions
# inside those cases.  This script adds them up and ends with
# "total: N passed, N failed" (cases), after a "checks: M" detail line.
# Exit status 1 when anything failed.
#   tests/run.sh unit BIN...   the unit-test executables
#   tests/run.sh all           everything make test runs (needs the build)
set -u
BUILD=${BUILD:-build}
total_pass=0 total_fail=0 total_checks=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Run one suite: its output is shown, its summary line counted.  A suite
# that prints no summary counts as one failure.
suite() {
	"$@" 2>&1 | tee "$log"
	line=$(grep -E '^[A-Za-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$1: no summary line: counted as a failure"
		total_fail=$((total_fail + 1))
		return
	fi
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	c=$(echo "$line" | sed -n -E 's/.*\(([0-9]+) checks\).*/\1/p')
	total_checks=$((total_checks + ${c:-0}))
}

unit() {
	for t in "$@"; do
		suite "$t"
	done
}

# The no-allocation check, and proof that it can fail.
nomalloc() {
	suite sh tests/nomalloc.sh $(ls "$BUILD"/host/core/*.o)
	tmp=$(mktemp -d)
	printf '#include <stdlib.h>\nvoid *core_leak(void) { return malloc(8); }\n' >"$tmp/leak.c"
	cc -c "$tmp/leak.c" -o "$tmp/leak.o"
	if sh tests/nomalloc.sh "$BUILD"/host/core/acme.o "$tmp/leak.o" >/dev/null; then
		echo "nomalloc-selftest: 0 passed, 1 failed (a malloc went unnoticed)"
		total_fail=$((total_fail + 1))
	else
		echo "nomalloc-selftest: 1 passed, 0 failed"
		total_pass=$((total_pass + 1))
	fi
	rm -rf "$tmp"
}

case "${1:-all}" in
unit)
	shift
	unit "$@"
	;;
all)
	unit "$BUILD"/san/tests/test_* "$BUILD"/o2/tests/test_*
	nomalloc
	# cppcheck and clang-tidy (.cppcheck-suppressions, .clang-tidy).
	suite make --no-print-directory lint
	# Every fuzz harness, briefly (make fuzz runs them a minute each).
	suite env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" sh tests/fuzz/run.sh \
	    "$BUILD"/fuzz/fuzz_*
	# An application built with other ACME_* limits than the library.
	suite sh tests/abi.sh "$BUILD"/san/core/*.o "$BUILD"/san/port/posix/*.o
	suite sh tests/pebble/run.sh "$BUILD"/san/picoacme
	# The same cases, the host binary under valgrind's memcheck.
	suite sh tests/valgrind.sh "$BUILD"/host/picoacme
	suite sh tests/cli.sh "$BUILD"/san/picoacme
	# README.md's C: compiled against the installed library, run.
	suite sh tests/readme.sh
	suite sh tests/pebble/nonce.sh "$BUILD"/san/picoacme
	suite sh tests/pebble/challenges.sh "$BUILD"/san/picoacme
	suite sh tests/pebble/altchain.sh "$BUILD"/san/picoacme
	# EAB, rollover (and one cut short), deactivation, revocation.
	suite sh tests/pebble/account.sh "$BUILD"/san/picoacme
	# 20 issuances through random faults, then the library in one
	# process (make soak: 300 and 100).
	suite sh tests/pebble/soak.sh "$BUILD"/san/picoacme "$BUILD"/tests/loop
	# The host binary, not the ASan one: the fault shim is an LD_PRELOAD library.
	suite sh tests/pebble/lifecycle.sh "$BUILD"/host/picoacme
	suite sh tests/pebble/tls.sh "$BUILD"/tls-small/picoacme "$BUILD"/tls-public/picoacme \
	    "$BUILD"/tls-field/picoacme
	suite sh tests/lwip/run.sh "$BUILD"/lwip/picoacme-lwip "$BUILD"/host/picoacme
	# The Cortex-M3 firmware: budgets, board bring-up, ACME under QEMU.
	suite make --no-print-directory fw-budget-test
	suite sh tests/qemu/smoke.sh "$BUILD"/fw/smoke.elf "$BUILD"/fw/hw/smoke.elf
	# The flash store under power cuts on the board's emulated NOR.
	suite sh tests/qemu/flash.sh "$BUILD"/fw/flashtest.elf
	FW_QEMU_LOG="$BUILD"/fw/picoacme-run.log
	export FW_QEMU_LOG
	suite sh tests/qemu/acme.sh "$BUILD"/fw/picoacme.elf \
	    "$BUILD"/fw/hw/picoacme.elf "$BUILD"/fw/tls-public.elf
	# The device over time: 22 renewals in one boot, lwIP's memory back
	# to the baseline after each, the CA killed mid-renewal (make
	# fw-soak: 200).
	suite sh tests/qemu/soak.sh "$BUILD"/fw/picoacme.elf
	FW_QEMU_LOG="$BUILD"/fw/field/picoacme-run.log
	suite sh tests/qemu/field.sh "$BUILD"/fw/field/picoacme.elf \
	    "$BUILD"/host/tools/flashimg
	;;
*)
	echo "usage: tests/run.sh unit BIN... | all" >&2
	exit 2
	;;
esac
echo "checks: $total_checks assertions inside the unit test cases"
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
