#!/bin/sh
# Run each libFuzzer harness for FUZZ_SECONDS (default 60) on a copy of
# its seed corpus (tests/fuzz/corpus/NAME for build/fuzz/fuzz_NAME): one
# job, -timeout=5 (a slow input is a failure), -rss_limit_mb=512, leak
# detection on.  A crash, leak, timeout or out-of-memory fails the target;
# the input is kept as build/fuzz/crash-NAME-*.  Prints libFuzzer's
# executions per target and "fuzz: N passed, N failed" (targets).
#   tests/fuzz/run.sh build/fuzz/fuzz_http ...
set -u
secs=${FUZZ_SECONDS:-60}
pass=0 fail=0
for bin in "$@"; do
	name=$(basename "$bin" | sed 's/^fuzz_//')
	dir=$(dirname "$bin")
	work="$dir/corpus/$name"
	mkdir -p "$work"
	seeds="tests/fuzz/corpus/$name"
	[ -d "$seeds" ] && cp "$seeds"/* "$work"/ 2>/dev/null
	log="$dir/$name.log"
	"$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=512 \
	    -detect_leaks=1 -print_final_stats=1 \
	    -artifact_prefix="$dir/crash-$name-" "$work" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1 |
	    sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "fuzz_$name: $execs executions in ${secs}s," \
		    "${cov:-?} edges, corpus $(ls "$work" | wc -l) inputs: ok"
		pass=$((pass + 1))
	else
		echo "fuzz_$name: FAILED (exit $rc); log $log:"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" |
		    head -n 20
		fail=$((fail + 1))
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
