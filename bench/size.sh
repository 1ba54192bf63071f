#!/bin/sh
# make size: code size of core/ per object and in total (host build),
# and the RAM the caller provides (sizeof struct acme_client).
set -eu
BUILD=${BUILD:-build}
echo "core/ objects (host, $(${CC:-cc} --version | head -n 1)):"
size "$BUILD"/host/core/*.o | sed 's|'"$BUILD"'/host/||'
size -t "$BUILD"/host/core/*.o | tail -n 1 | awk '{print "core total: text " $1 " data " $2 " bss " $3}'
"$BUILD"/host/bench/sizeof
