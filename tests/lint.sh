#!/bin/sh
# Static analysis (make lint, part of make test): cppcheck and clang-tidy
# over core/, port/ and cli/, each in the host's configuration (every
# feature on, acme_config.h's defaults) and the firmware's (LINT_FW_FLAGS:
# the Makefile's FW_APP_CFLAGS, small limits, dns-01, IP identifiers and
# tls-alpn-01 off), since #if ACME_* picks different code.  The checks and
# the suppressions are checked in: .clang-tidy, .cppcheck-suppressions
# (each with its reason).  Any finding fails the case.  Two self-tests
# prove each tool still reports a seeded bug through this configuration.
# Prints "ok - NAME" / "not ok - NAME" and "lint: N passed, N failed".
# DESIGN.md section 9.
#   LINT_FW_FLAGS='-DACME_...' sh tests/lint.sh
set -u
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

HOST_DEFS="-D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE"
FW_DEFS=${LINT_FW_FLAGS:?"set LINT_FW_FLAGS (make lint does)"}
CORE=$(ls core/*.c)
# The POSIX port, the flash store and the CLI as the host build compiles
# them.  Not port/lwip/ and the CLI's lwIP files: they need the lwIP
# configuration of their build (a board's lwipopts.h), which they check
# with #error.
HOST_REST="$(ls port/posix/*.c port/flash/*.c) cli/main.c cli/ta_file.c
    cli/net_posix.c cli/dns_hook.c"

# cppcheck: one configuration per run (a -D turns off its guessing of
# #ifdef combinations; acme_config.h supplies the rest).
cppcheck_run() {
	# shellcheck disable=SC2086 # word lists
	cppcheck -q -j2 --std=c99 --error-exitcode=1 --inline-suppr \
	    --enable=warning,style,performance,portability \
	    --suppressions-list=.cppcheck-suppressions \
	    --template='{file}:{line}: {severity} ({id}) {message}' \
	    -Icore -Iport "$@"
}

# clang-tidy: the checks of .clang-tidy (warnings are errors there), the
# files two at a time (the machine has two cores).
tidy_run() {
	_defs=$1
	shift
	# shellcheck disable=SC2086 # word lists
	printf '%s\n' "$@" | xargs -P2 -n1 sh -c 'clang-tidy --quiet \
	    --config-file=.clang-tidy "$0" -- -std=c99 -Icore -Iport '"$_defs"' \
	    >"'"$tmp"'/tidy.$(echo "$0" | tr / _)" 2>&1'
	_rc=$?
	cat "$tmp"/tidy.* 2>/dev/null | grep -v -E '^[0-9]+ warnings? generated\.$'
	rm -f "$tmp"/tidy.*
	return $_rc
}

case_run() {
	_name=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok - $_name"
		pass=$((pass + 1))
	else
		echo "not ok - $_name"
		sed 's/^/#   /' "$tmp/out"
		fail=$((fail + 1))
	fi
}

# shellcheck disable=SC2086 # word lists
{
case_run cppcheck-host cppcheck_run $HOST_DEFS $CORE $HOST_REST
case_run cppcheck-fw cppcheck_run $FW_DEFS $CORE
case_run clang-tidy-host tidy_run "$HOST_DEFS" $CORE $HOST_REST
case_run clang-tidy-fw tidy_run "$FW_DEFS" $CORE
}

# Self-tests: a file with a bug each tool must report (an out-of-bounds
# write for cppcheck, a garbage return value for clang-tidy's analyzer).
cat >"$tmp/seeded.c" <<'EOF'
int
seeded(int p)
{
	char b[4];
	int x;

	b[4] = 0;
	if (p)
		x = 1;
	return x + b[0];
}
EOF
for t in cppcheck_run tidy_run; do
	if [ $t = tidy_run ]; then
		$t "$HOST_DEFS" "$tmp/seeded.c" >"$tmp/out" 2>&1
	else
		$t "$tmp/seeded.c" >"$tmp/out" 2>&1
	fi
	rc=$?
	n=$(echo $t | sed 's/_run//; s/tidy/clang-tidy/')-selftest
	if [ $rc -ne 0 ] && grep -q seeded.c "$tmp/out"; then
		echo "ok - $n"
		pass=$((pass + 1))
	else
		echo "not ok - $n: the seeded bug went unreported"
		fail=$((fail + 1))
	fi
done
echo "lint: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
