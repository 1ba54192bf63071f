#!/bin/sh
# Check that everything the build, `make demo` and `make test` need is installed; install
# the missing Debian packages when running as root.  Silent when nothing is missing.
#   sh scripts/deps.sh          the build and make demo
#   sh scripts/deps.sh test     also the analyzers make test runs (make lint,
#                               make valgrind: cppcheck, clang-tidy, valgrind)
set -u

# What is missing, as "thing:package" pairs.
missing() {
    for _c in cc:gcc make:make openssl:openssl python3:python3 \
        pebble:pebble pebble-challtestsrv:pebble timeout:coreutils awk:mawk \
        ip:iproute2 time:time clang:clang llvm-cov:llvm llvm-profdata:llvm \
        $TEST_TOOLS; do
        command -v "${_c%%:*}" >/dev/null 2>&1 || echo "$_c"
    done
    for _h in stdio.h:libc6-dev bearssl.h:libbearssl-dev jsmn.h:libjsmn-dev \
        lwip/lwip/sockets.h:liblwip-dev; do
        [ -f "/usr/include/${_h%%:*}" ] || echo "$_h"
    done
    # libFuzzer's runtime (make fuzz), a recommendation of clang only.
    ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a \
        >/dev/null 2>&1 || echo "libFuzzer:libclang-rt-dev"
}

TEST_TOOLS=
[ "${1:-}" = test ] &&
    TEST_TOOLS="cppcheck:cppcheck clang-tidy:clang-tidy valgrind:valgrind"

MISSING=$(missing)
[ -z "$MISSING" ] && exit 0

PKGS=$(echo "$MISSING" | sed 's/.*://' | sort -u | tr '\n' ' ' | sed 's/ $//')
WHAT=$(echo "$MISSING" | sed 's/:.*//' | tr '\n' ' ' | sed 's/ $//')
CMD="apt-get install -y --no-install-recommends $PKGS"

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing: $WHAT" >&2
    echo "deps: install them as root with: apt-get update && $CMD" >&2
    exit 1
fi

echo "deps: missing: $WHAT; installing: $PKGS" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get -q update >/dev/null; then
    echo "deps: apt-get update failed" >&2
    exit 1
fi
# shellcheck disable=SC2086 # one word per package
if ! apt-get -q install -y --no-install-recommends $PKGS >/dev/null; then
    echo "deps: failed: $CMD" >&2
    exit 1
fi

MISSING=$(missing)
if [ -n "$MISSING" ]; then
    echo "deps: still missing after installing: $(echo "$MISSING" | sed 's/:.*//' | tr '\n' ' ')" >&2
    exit 1
fi
exit 0
