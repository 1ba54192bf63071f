#!/bin/sh
# Line coverage of core/ by the fuzz harnesses (make fuzz-cov): each
# coverage-built harness (build/fuzzcov/fuzz_NAME, tests/fuzz/replay.c's
# main) replays its seeds (tests/fuzz/corpus/NAME) and what `make fuzz`
# found (build/fuzz/corpus/NAME, when present); llvm-cov reports the
# lines of core/*.c reached by all of them together, per file and in
# total.  The report is kept in build/fuzzcov/report.txt.
#   tests/fuzz/cov.sh build/fuzzcov/fuzz_http ...
set -eu
dir=$(dirname "$1")
rm -f "$dir"/*.profraw
objs=
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	set -- tests/fuzz/corpus/"$name"
	[ -d build/fuzz/corpus/"$name" ] && set -- "$@" build/fuzz/corpus/"$name"
	LLVM_PROFILE_FILE="$dir/$name.profraw" "$bin" "$@"
	if [ -z "$objs" ]; then objs=$bin; else objs="$objs -object $bin"; fi
done
llvm-profdata merge -sparse "$dir"/*.profraw -o "$dir/fuzz.profdata"
# shellcheck disable=SC2086 # one word per object
llvm-cov report -instr-profile="$dir/fuzz.profdata" $objs core/*.c \
    >"$dir/report.txt"
cat "$dir/report.txt"
awk '/^TOTAL/ { print "fuzz-cov: core/ lines reached: " $(NF-3) }' \
    "$dir/report.txt"
